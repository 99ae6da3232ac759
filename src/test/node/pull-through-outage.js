// A real PouchDB client pulling live, with retries, through an outage of Sync Gateway, as an app
// does: it must end up with every document of the store.
//
// Usage: node pull-through-outage.js '<json options>'; prints one JSON result line on stdout.
//   remote   Syncgate URL of the database; token: the identity provider's token (sent as bearer)
//   store    PouchDB Server URL of the same database: the documents the device must end up with
//   seconds  how long to wait for them all
'use strict';

const crypto = require('crypto');
const { report } = require('./report');
const nodeFetch = require('node-fetch');
const PouchDB = require('pouchdb');
PouchDB.plugin(require('pouchdb-adapter-memory'));

const options = JSON.parse(process.argv[2]);
const result = { requests: 0, failedRequests: 0, errors: 0 };

async function main() {
  const remote = new PouchDB(options.remote, {
    skip_setup: true,
    fetch: async (url, opts) => {
      opts.headers.set('Authorization', 'Bearer ' + options.token);
      result.requests++;
      try {
        return await nodeFetch(url, opts);
      } catch (err) {
        result.failedRequests++;
        throw err;
      }
    },
  });
  const expected = (await (await fetch(options.store + '/_all_docs')).json()).rows.map((row) => row.id);
  const device = new PouchDB('device-' + crypto.randomUUID(), { adapter: 'memory' });
  const live = device.replicate.from(remote, {
    live: true, retry: true, batch_size: 20,
    back_off_function: (delay) => (delay === 0 ? 200 : Math.min(delay * 2, 1000)),
  });
  live.on('error', () => { result.errors++; });
  const deadline = Date.now() + options.seconds * 1000;
  let held = 0;
  while (Date.now() < deadline) {
    held = (await device.allDocs()).rows.length;
    if (held >= expected.length) break;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  live.cancel();
  const mine = new Set((await device.allDocs()).rows.map((row) => row.id));
  result.expected = expected.length;
  result.received = mine.size;
  result.missing = expected.filter((id) => !mine.has(id)).slice(0, 5);
  result.ok = result.missing.length === 0;
}

report(main, result);
