// The Syncgate demo's todo app: offline-first with PouchDB in the browser, signed in with OpenID
// Connect (authorization code + PKCE, by oidc-client-ts), synced live through Syncgate.
//
// The flow: the identity provider's login page gives an access token; POST {syncgate}/{db}/_session
// with it as a Bearer token opens a Sync Gateway session and sets Syncgate's session cookie; PouchDB
// then replicates on that cookie (its fetch sends credentials to Syncgate's origin, which lists this
// app's origin in cors.{db}.origins). Sign-out stops sync, ends the session, forgets the token and,
// if the user says so, the local data.
//
// Each todo is written in the user's own channel (config.channel, `user-{name}` with {name} the
// Sync Gateway user name, as Syncgate's provisioning.{db}.channels grants it); the sync function in
// docs/web-apps.md keeps every user's todos their own.
const config = await (await fetch('config.json')).json();
const base = `${config.syncgate}/${config.db}`;

const auth = new oidc.UserManager({
  authority: config.issuer,
  client_id: config.clientId,
  redirect_uri: new URL('.', location.href).href,
  response_type: 'code',
  scope: config.scope,
  // The API the access token is for (Syncgate's oidc.audiences), asked for as Auth0 and others
  // expect it; providers that set the audience themselves ignore it.
  ...(config.audience && {
    extraQueryParams: { audience: config.audience },
    extraTokenParams: { audience: config.audience },
  }),
  // Kept across reloads so the app opens signed in, and offline, with the user's local data.
  userStore: new oidc.WebStorageStateStore({ store: window.localStorage }),
});

const $ = (id) => document.getElementById(id);
let local = null;
let localFeed = null;
let sync = null;
/** The channel this user's todos go to, learnt from Sync Gateway at the first connect and kept. */
let channel = null;
const channelKey = (user) => `todo.channel.${user.profile.sub}`;

function status(state, text = state) {
  $('status').dataset.state = state;
  $('status').textContent = text;
}

function button(text, className, action) {
  const made = document.createElement('button');
  made.type = 'button';
  made.className = className;
  made.textContent = text;
  made.addEventListener('click', action);
  return made;
}

/** Edits a todo's title in place: Enter or leaving the field saves, Escape cancels. */
function edit(item, doc) {
  const field = document.createElement('input');
  field.className = 'edit-title';
  field.value = doc.title;
  let done = false;
  const finish = async (save) => {
    if (done) return;
    done = true;
    const title = field.value.trim();
    if (save && title && title !== doc.title) {
      await local.put({ ...doc, title });
    } else {
      await render();
    }
  };
  field.addEventListener('keydown', (event) => {
    if (event.key === 'Enter') finish(true);
    if (event.key === 'Escape') finish(false);
  });
  field.addEventListener('blur', () => finish(true));
  item.querySelector('span').replaceWith(field);
  field.focus();
}

async function render() {
  const { rows } = await local.allDocs({ include_docs: true });
  $('todos').replaceChildren(...rows.map(({ doc }) => {
    const item = document.createElement('li');
    item.dataset.id = doc._id;
    item.classList.toggle('done', !!doc.done);
    const box = document.createElement('input');
    box.type = 'checkbox';
    box.checked = !!doc.done;
    box.addEventListener('change', () => local.put({ ...doc, done: box.checked }));
    const title = document.createElement('span');
    title.textContent = doc.title;
    // A deletion keeps the todo's channels, so that it reaches the user's other devices.
    item.append(box, title, button('Edit', 'edit', () => edit(item, doc)),
      button('Delete', 'delete', () => local.put({ ...doc, _deleted: true })));
    return item;
  }));
}

/** The user's channel, from Sync Gateway's own name for the user (GET _session answers it). */
async function learnChannel(user) {
  const answer = await fetch(`${base}/_session`, { credentials: 'include' });
  if (!answer.ok) {
    throw new Error(`GET _session: ${answer.status}`);
  }
  const { userCtx } = await answer.json();
  channel = (config.channel || 'user-{name}').replaceAll('{name}', userCtx.name);
  localStorage.setItem(channelKey(user), channel);
  $('new-todo').querySelector('button').disabled = false;
}

/** Opens a Syncgate session (its cookie) for the user's token, then syncs both ways, live. */
async function connect(user) {
  try {
    const answer = await fetch(`${base}/_session`, {
      method: 'POST',
      credentials: 'include',
      headers: { Authorization: `Bearer ${user.access_token}` },
    });
    if (answer.status === 401) {
      // The token is no longer good: sign in again.
      await auth.removeUser();
      return showSignedOut();
    }
    if (!answer.ok) {
      return status('error', `sign-in failed: ${answer.status}`);
    }
    await learnChannel(user);
  } catch (failure) {
    if (!(failure instanceof TypeError)) {
      return status('error', `sign-in failed: ${failure.message}`);
    }
    // No network (fetch fails with a TypeError): the local database serves; connect again when
    // the network is back.
    status('offline');
    window.addEventListener('online', () => connect(user), { once: true });
    return;
  }
  startSync();
}

/** Live two-way sync on Syncgate's cookie, retried while the network is away. */
function startSync() {
  const remote = new PouchDB(base, { skip_setup: true });
  const current = local.sync(remote, { live: true, retry: true });
  // A cancelled sync may still report; only the current one speaks.
  const report = (state, text) => sync === current && status(state, text);
  current
    .on('active', () => report('syncing'))
    .on('paused', (error) => report(error || !navigator.onLine ? 'offline' : 'synced'))
    .on('denied', (error) => report('error', `refused: ${error.reason || error.message}`))
    .on('error', (error) => report('error', `sync stopped: ${error.reason || error.message}`));
  sync = current;
}

async function showSignedIn(user) {
  $('user').textContent = user.profile.preferred_username || user.profile.sub;
  $('sign-in').hidden = true;
  $('sign-out').hidden = false;
  $('app').hidden = false;
  local = new PouchDB(`todos-${user.profile.sub}`);
  localFeed = local.changes({ since: 'now', live: true }).on('change', render);
  channel = localStorage.getItem(channelKey(user));
  // Until the first connect has named the user's channel, a todo would have nowhere to go.
  $('new-todo').querySelector('button').disabled = !channel;
  await render();
  status('connecting');
  await connect(user);
}

function showSignedOut() {
  $('user').textContent = '';
  $('sign-in').hidden = false;
  $('sign-out').hidden = true;
  $('app').hidden = true;
  status('signed-out', 'signed out');
}

// Back online: sync again now rather than at PouchDB's next retry, which backs off up to minutes.
window.addEventListener('online', () => {
  if (sync) {
    sync.cancel();
    startSync();
  }
});

// PouchDB 9's replication asks the remote for its info after each batch, for its task count, and
// leaves a failure of that request unhandled: when the network drops just then, the browser would
// report an error that nothing caused. The sync retries, and the badge says offline, regardless.
window.addEventListener('unhandledrejection', (event) => {
  const reason = event.reason;
  if (reason instanceof TypeError && /^(Failed to fetch|NetworkError|Load failed)/.test(reason.message)) {
    event.preventDefault();
  }
});

// Offline at once: PouchDB itself notices only at its next request, which may be many seconds away.
window.addEventListener('offline', () => {
  if (local) {
    status('offline');
  }
});

$('sign-in').addEventListener('click', () => auth.signinRedirect());

$('sign-out').addEventListener('click', async () => {
  const user = await auth.getUser();
  // Asked first: a shared computer should keep nothing of the user's; a personal one may keep it
  // for the next sign-in, offline included.
  const forget = window.confirm('Also remove your todos from this browser? Todos not yet synced would be lost.');
  sync?.cancel();
  sync = null;
  localFeed?.cancel();
  localFeed = null;
  await fetch(`${base}/_session`, { method: 'DELETE', credentials: 'include' }).catch(() => {});
  await auth.removeUser();
  if (forget) {
    await local.destroy();
    if (user) {
      localStorage.removeItem(channelKey(user));
    }
  }
  local = null;
  channel = null;
  $('todos').replaceChildren();
  showSignedOut();
});

$('new-todo').addEventListener('submit', async (event) => {
  event.preventDefault();
  const title = $('title').value.trim();
  if (title && channel) {
    await local.put({
      _id: `${new Date().toISOString()}-${crypto.randomUUID().slice(0, 8)}`, title, done: false, channels: [channel],
    });
    $('title').value = '';
  }
});

if (new URLSearchParams(location.search).has('code')) {
  await auth.signinRedirectCallback();
  history.replaceState(null, '', location.pathname);
}
const user = await auth.getUser();
if (user) {
  await showSignedIn(user);
} else {
  showSignedOut();
}
