// Drives the demo's web app (examples/web) in Debian's Chromium through Playwright: sign-in at the
// identity provider's login page, todos syncing between two browser contexts, offline and back,
// editing and deleting, another user who sees none of them, sign-out with and without clearing the
// browser's data, and CORS from a listed and an unlisted origin. Prints one JSON object of what it saw;
// the Java test (WebAppBrowserTest) judges it.
//   node web-app.js '{"app":"http://127.0.0.1:P/","unlistedApp":"http://localhost:P/","syncgate":"http://127.0.0.1:S/sync","chromium":"/usr/bin/chromium"}'
const { chromium } = require('playwright-core');

const options = JSON.parse(process.argv[2]);
const seen = { errors: [] };

const titles = (page) => page.$$eval('#todos li span', (spans) => spans.map((span) => span.textContent));
const state = (page) => page.getAttribute('#status', 'data-state');
const appears = (page, title, timeout) => page.waitForFunction(
  (wanted) => [...document.querySelectorAll('#todos li span')].some((span) => span.textContent === wanted),
  title, { timeout }).then(() => true, () => false);
const disappears = (page, title, timeout) => page.waitForFunction(
  (wanted) => ![...document.querySelectorAll('#todos li span')].some((span) => span.textContent === wanted),
  title, { timeout }).then(() => true, () => false);
const item = (page, title) => page.locator('#todos li', { has: page.locator('span', { hasText: title }) });
const localTitles = (page, db) => page.evaluate(async (name) =>
  (await new PouchDB(name).allDocs({ include_docs: true })).rows.map((row) => row.doc.title), db);
const synced = (page, timeout = 30000) => page.waitForSelector('#status[data-state=synced]', { timeout })
  .then(() => true, () => false);

async function add(page, title) {
  await page.fill('#title', title);
  await page.click('#new-todo button');
}

async function open(browser, url) {
  const context = await browser.newContext();
  // The provider's login page asks for web fonts; nothing outside this machine is reachable.
  await context.route(/fonts\.googleapis\.com/, (route) => route.abort());
  const page = await context.newPage();
  // With where it came from: a failure that shows now and then is found from one run's report.
  page.on('pageerror', (error) => seen.errors.push(`${error.message} (${url}) ${error.stack}`));
  await page.goto(url);
  return { context, page };
}

async function signIn(browser, user) {
  const { context, page } = await open(browser, options.app);
  await page.click('#sign-in');
  await page.fill('input[name=username]', user);
  await page.click('input[type=submit]');
  await page.waitForURL(`${options.app}**`);
  seen[`${user}Synced`] = (seen[`${user}Synced`] ?? true) && await synced(page);
  return { context, page };
}

/** What a page's script gets from a cross-origin fetch to Syncgate: a status, or the browser's refusal. */
const crossOrigin = (page, path, init) => page.evaluate(([url, request]) => fetch(url, request)
  .then((answer) => `status ${answer.status}`, (refusal) => `refused: ${refusal.name}`), [options.syncgate + path, init]);

(async () => {
  const browser = await chromium.launch({ executablePath: options.chromium, args: ['--no-sandbox'] });
  try {
    const a = await signIn(browser, 'alice');
    seen.user = await a.page.textContent('#user');
    await add(a.page, 'buy milk');

    const b = await signIn(browser, 'alice');
    seen.arrivedInSecondContext = await appears(b.page, 'buy milk', 30000);
    await add(b.page, 'walk the dog');
    seen.arrivedInFirstContext = await appears(a.page, 'walk the dog', 30000);

    await a.context.setOffline(true);
    // The browser's offline event turns the badge at once, not PouchDB's next failed request.
    seen.offlineBadgeWithinASecond = await a.page.waitForSelector('#status[data-state=offline]', { timeout: 1000 })
      .then(() => true, () => false);
    await add(a.page, 'written offline');
    seen.keptLocallyOffline = await appears(a.page, 'written offline', 5000);
    await add(b.page, 'written while the other was offline');
    seen.reachedOfflineContext = await appears(a.page, 'written while the other was offline', 3000);
    await a.context.setOffline(false);
    seen.caughtUpAfterReconnect = await appears(a.page, 'written while the other was offline', 60000);
    seen.offlineWriteDelivered = await appears(b.page, 'written offline', 60000);

    // Edited in one context, deleted in the other: both reach the other side.
    await item(a.page, 'buy milk').locator('button.edit').click();
    await a.page.fill('#todos li input.edit-title', 'buy oat milk');
    await a.page.press('#todos li input.edit-title', 'Enter');
    seen.editArrived = await appears(b.page, 'buy oat milk', 30000) && await disappears(b.page, 'buy milk', 5000);
    await item(b.page, 'walk the dog').locator('button.delete').click();
    seen.deletionArrived = await disappears(a.page, 'walk the dog', 30000);

    // Another user, in a browser context of their own, sees none of alice's todos.
    const bob = await signIn(browser, 'bob');
    await bob.page.waitForTimeout(2000);
    seen.bobSees = await titles(bob.page);
    seen.bobsLocalData = await localTitles(bob.page, 'todos-bob');
    await add(bob.page, "bob's own");
    seen.bobSynced = await appears(bob.page, "bob's own", 5000) && await synced(bob.page);
    seen.bobsTodoReachedAlice = await appears(a.page, "bob's own", 5000);

    if (options.screenshot) {
      await a.page.check('#todos li:first-child input');
      await synced(a.page);
      await a.page.screenshot({ path: options.screenshot });
    }

    // Sign-out asks whether to clear the browser's data: alice's second context says yes.
    b.page.once('dialog', (dialog) => {
      seen.signOutQuestion = dialog.message();
      dialog.accept();
    });
    await b.page.click('#sign-out');
    await b.page.waitForSelector('#status[data-state=signed-out]', { timeout: 10000 }).catch(() => {});
    seen.stateAfterSignOut = await state(b.page);
    seen.sessionCookieAfterSignOut = (await b.context.cookies(options.syncgate))
      .filter((cookie) => cookie.name === 'SyncGatewaySession').length;
    seen.remoteAfterSignOut = await crossOrigin(b.page, '/todo/_all_docs', { credentials: 'include' });
    await add(a.page, 'after the other signed out');
    seen.firstStillSyncs = await synced(a.page);
    // Long enough for a live sync to have delivered it, as it did every earlier todo.
    await b.page.waitForTimeout(5000);
    seen.signedOutContextTitles = await localTitles(b.page, 'todos-alice');
    // Bob says no: his todos stay in his browser for his next sign-in.
    bob.page.once('dialog', (dialog) => dialog.dismiss());
    await bob.page.click('#sign-out');
    await bob.page.waitForSelector('#status[data-state=signed-out]', { timeout: 10000 }).catch(() => {});
    seen.keptAfterSignOutWithoutClearing = await localTitles(bob.page, 'todos-bob');

    // A browser cannot set headers on a WebSocket: the token rides in a subprotocol entry.
    seen.browserWebSocket = await a.page.evaluate((url) => new Promise((resolve) => {
      const user = Object.keys(localStorage).filter((key) => key.startsWith('oidc.user'))
        .map((key) => JSON.parse(localStorage[key]))[0];
      const socket = new WebSocket(url, ['syncgate', `syncgate.bearer.${user.access_token}`]);
      socket.onopen = () => { resolve(`open: ${socket.protocol}`); socket.close(); };
      socket.onerror = () => resolve('error');
    }), `${options.syncgate.replace(/^http/, 'ws')}/todo/_changes?feed=websocket`);
    seen.listedOriginError = await crossOrigin(a.page, '/todo/_session',
      { method: 'POST', credentials: 'include', headers: { Authorization: 'Bearer not-a-token' } });
    const stranger = await open(browser, options.unlistedApp);
    seen.unlistedOriginSignIn = await crossOrigin(stranger.page, '/todo/_session',
      { method: 'POST', credentials: 'include', headers: { Authorization: 'Bearer not-a-token' } });
    seen.unlistedOriginRead = await crossOrigin(stranger.page, '/todo/_all_docs', { credentials: 'include' });
    seen.titles = await titles(a.page);
  } catch (error) {
    seen.failure = String(error && error.stack || error);
  } finally {
    await browser.close();
  }
  console.log(JSON.stringify(seen));
})();
