// Real PouchDB clients replicating through two Syncgate instances while the identity provider
// signs their user out: a cookie client running a live pull on the first instance, a bearer
// client running a live pull on the second, and a raw continuous feed on the second with the same
// token. Signs the user out through the URL given (the provider's admin API), then reports how
// each replication and the feed ended and what the old cookie and the held token get on both
// instances. Driven by the Java end-to-end tests.
//
// Usage: node provider-logout.js '{"remote": ".../sync/todo", "otherRemote": ".../sync/todo",
//   "token": "<jwt>", "logoutUrl": "<admin API URL>", "adminToken": "<jwt>"}'; prints one JSON line.
'use strict';

const nodeFetch = require('node-fetch');
const { report } = require('./report');
const PouchDB = require('pouchdb');
PouchDB.plugin(require('pouchdb-adapter-memory'));

const options = JSON.parse(process.argv[2]);
const result = {};
const bearer = { Authorization: 'Bearer ' + options.token };

function endOf(replication) {
  return new Promise((resolve) => {
    replication.on('error', (err) => resolve({ how: 'error: ' + (err && (err.status || err.message)), at: Date.now() }));
    replication.on('complete', () => resolve({ how: 'complete', at: Date.now() }));
  });
}

const within = (promise, ms) =>
  Promise.race([promise, new Promise((r) => setTimeout(() => r({ how: 'still running', at: Date.now() }), ms))]);

async function main() {
  const cookieRemote = new PouchDB(options.remote, { skip_setup: true });
  const signIn = await cookieRemote.fetch('_session', {
    method: 'POST',
    headers: { Authorization: 'Bearer ' + options.token, 'Content-Type': 'application/json' },
    body: '{}',
  });
  const session = await signIn.json();
  if (signIn.status !== 200) throw new Error('sign-in failed: ' + signIn.status);
  const oldCookie = session.cookie_name + '=' + session.session_id;

  // The same fetch PouchDB uses, without its cookie jar: only the token authenticates.
  const bearerRemote = new PouchDB(options.otherRemote, {
    skip_setup: true,
    fetch: (url, opts) => {
      opts.headers.set('Authorization', 'Bearer ' + options.token);
      return nodeFetch(url, opts);
    },
  });
  const cookieLive = new PouchDB('cookie-' + Date.now(), { adapter: 'memory' })
    .replicate.from(cookieRemote, { live: true, retry: false });
  const bearerLive = new PouchDB('bearer-' + Date.now(), { adapter: 'memory' })
    .replicate.from(bearerRemote, { live: true, retry: false });
  const cookieEnded = endOf(cookieLive);
  const bearerEnded = endOf(bearerLive);
  await Promise.all([cookieLive, bearerLive].map((live) => new Promise((resolve) => live.once('paused', resolve))));

  const feed = await nodeFetch(options.otherRemote + '/_changes?feed=continuous&since=0&heartbeat=5000', { headers: bearer });
  result.feedStatus = feed.status;
  const feedEnded = new Promise((resolve) => {
    feed.body.on('end', () => resolve({ how: 'ended', at: Date.now() }));
    feed.body.on('error', (err) => resolve({ how: 'error: ' + err.message, at: Date.now() }));
    feed.body.resume();
  });
  // Caught up: both replications now wait on long-poll feeds through Syncgate.
  await new Promise((resolve) => setTimeout(resolve, 500));

  const logout = await nodeFetch(options.logoutUrl, {
    method: 'POST',
    headers: { Authorization: 'Bearer ' + options.adminToken },
  });
  result.logoutStatus = logout.status;
  // The provider POSTs its logout tokens before it answers: time runs from its answer.
  const answeredAt = Date.now();
  for (const [name, ended] of [['cookieReplication', cookieEnded], ['bearerReplication', bearerEnded], ['feed', feedEnded]]) {
    const end = await within(ended, 15000);
    result[name] = end.how;
    result[name + 'EndedAfterMs'] = end.at - answeredAt;
  }
  cookieLive.cancel();
  bearerLive.cancel();

  result.afterwards = {};
  for (const [name, url] of [['first', options.remote], ['second', options.otherRemote]]) {
    const cookie = await nodeFetch(url + '/_changes?since=0', { headers: { Cookie: oldCookie } });
    const token = await nodeFetch(url + '/_changes?since=0', { headers: bearer });
    result.afterwards[name] = { cookie: cookie.status, token: token.status };
  }
  result.ok = true;
}

report(main, result);
