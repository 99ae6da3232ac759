// A real PouchDB client that signs in with its cookie, runs a live pull, and signs out while it
// runs: reports how long the running replication took to end after the sign-out, and what the
// old cookie gets afterwards. Driven by the Java end-to-end tests.
//
// Usage: node signout.js '{"remote": ".../sync/todo", "token": "<jwt>"}'; prints one JSON line.
'use strict';

const nodeFetch = require('node-fetch');
const { report } = require('./report');
const PouchDB = require('pouchdb');
PouchDB.plugin(require('pouchdb-adapter-memory'));

const options = JSON.parse(process.argv[2]);
const result = {};

async function main() {
  const remote = new PouchDB(options.remote, { skip_setup: true });
  const signIn = await remote.fetch('_session', {
    method: 'POST',
    headers: { Authorization: 'Bearer ' + options.token, 'Content-Type': 'application/json' },
    body: '{}',
  });
  const session = await signIn.json();
  if (signIn.status !== 200) throw new Error('sign-in failed: ' + signIn.status);
  const oldCookie = session.cookie_name + '=' + session.session_id;

  const device = new PouchDB('device-' + Date.now(), { adapter: 'memory' });
  const live = device.replicate.from(remote, { live: true, retry: false });
  const ended = new Promise((resolve) => {
    live.on('error', (err) => resolve('error: ' + (err && (err.message || err.status))));
    live.on('complete', () => resolve('complete'));
  });
  await new Promise((resolve) => live.once('paused', resolve));
  // Caught up: the replication now waits on a long-poll feed through Syncgate.
  await new Promise((resolve) => setTimeout(resolve, 300));

  const signedOutAt = Date.now();
  const signOut = await remote.fetch('_session', { method: 'DELETE' });
  result.signOutStatus = signOut.status;
  result.howEnded = await Promise.race([ended, new Promise((r) => setTimeout(() => r('still running'), 10000))]);
  result.endedAfterMs = Date.now() - signedOutAt;
  live.cancel();

  const again = await nodeFetch(options.remote + '/_changes?since=0', { headers: { Cookie: oldCookie } });
  result.oldCookieStatus = again.status;
  result.ok = true;
}

report(main, result);
