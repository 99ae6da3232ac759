// A real PouchDB client pulling from a Sync Gateway (4) database, once and then live, driven by
// the Java end-to-end tests. Checks every document and attachment it pulled against the server's
// store, byte for byte.
//
// Usage: node pull.js '<json options>'; prints one JSON result line on stdout.
//   mode        "cookie": sign in with POST {db}/_session, then pull on the cookie PouchDB keeps;
//               "bearer": the token on every request, no cookies;
//               "session": the given SG session cookie on every request (straight at SG, no Syncgate)
//   remote      URL of the database the client pulls from
//   token       the identity provider's access token (cookie, bearer); cookie: "Name=value" (session)
//   store       PouchDB Server URL of the same database: the truth to compare with, and where
//               documents are written "on the server side" during the live pull
//   liveDocs    how many documents to write server-side while the live pull runs
'use strict';

const crypto = require('crypto');
const { report } = require('./report');
const nodeFetch = require('node-fetch');
const PouchDB = require('pouchdb');
PouchDB.plugin(require('pouchdb-adapter-memory'));

const options = JSON.parse(process.argv[2]);
const result = { mode: options.mode, requests: 0 };
const sha256 = (buffer) => crypto.createHash('sha256').update(buffer).digest('hex');

function remoteDb() {
  const counting = (extra) => async (url, opts) => {
    extra(opts.headers);
    result.requests++;
    return nodeFetch(url, opts);
  };
  if (options.mode === 'bearer') {
    return new PouchDB(options.remote, {
      skip_setup: true,
      fetch: counting((headers) => headers.set('Authorization', 'Bearer ' + options.token)),
    });
  }
  if (options.mode === 'session') {
    return new PouchDB(options.remote, { skip_setup: true, fetch: counting((headers) => headers.set('Cookie', options.cookie)) });
  }
  return new PouchDB(options.remote, { skip_setup: true });
}

async function storeJson(path) {
  const response = await fetch(options.store + path);
  if (!response.ok) throw new Error('store ' + path + ': ' + response.status);
  return response.json();
}

// Every document and attachment the device holds must equal the store's, and the store's must all be there.
async function compareWithStore(device) {
  const mine = await device.allDocs({ include_docs: true });
  const theirs = await storeJson('/_all_docs?include_docs=true');
  const byId = new Map(mine.rows.map((row) => [row.id, row.doc]));
  const mismatches = [];
  let attachmentBytes = 0;
  for (const row of theirs.rows) {
    const doc = byId.get(row.id);
    const expected = row.doc;
    if (!doc) { mismatches.push(row.id + ': missing'); continue; }
    const strip = (d) => { const c = { ...d }; delete c._attachments; return JSON.stringify(c, Object.keys(c).sort()); };
    if (strip(doc) !== strip(expected)) mismatches.push(row.id + ': body differs');
    for (const name of Object.keys(expected._attachments || {})) {
      const local = await device.getAttachment(row.id, name);
      const response = await fetch(options.store + '/' + encodeURIComponent(row.id) + '/' + encodeURIComponent(name));
      const remote = Buffer.from(await response.arrayBuffer());
      attachmentBytes += local.length;
      if (sha256(local) !== sha256(remote)) mismatches.push(row.id + '/' + name + ': attachment differs');
    }
  }
  if (mine.rows.length !== theirs.rows.length) mismatches.push('device holds ' + mine.rows.length + ', store ' + theirs.rows.length);
  return { docs: mine.rows.length, attachmentBytes, mismatches };
}

async function main() {
  const remote = remoteDb();
  if (options.mode === 'cookie') {
    const response = await remote.fetch('_session', {
      method: 'POST',
      headers: { Authorization: 'Bearer ' + options.token, 'Content-Type': 'application/json' },
      body: '{}',
    });
    if (response.status !== 200) throw new Error('sign-in failed: ' + response.status);
  }

  const device = new PouchDB('device-' + crypto.randomUUID(), { adapter: 'memory' });
  const pull = await device.replicate.from(remote);
  result.pulled = pull.docs_written;
  result.pullRequests = result.requests;
  result.afterPull = await compareWithStore(device);

  // Live: documents written on the server side arrive through the long-poll feed.
  const live = device.replicate.from(remote, { live: true, retry: false });
  const ids = [];
  for (let i = 0; i < options.liveDocs; i++) ids.push('live-' + crypto.randomUUID());
  const arrived = new Promise((resolve, reject) => {
    const pending = new Set(ids);
    const timer = setTimeout(() => reject(new Error('live pull did not deliver ' + [...pending])), 30000);
    live.on('change', (info) => {
      info.docs.forEach((doc) => pending.delete(doc._id));
      if (pending.size === 0) { clearTimeout(timer); resolve(); }
    });
    live.on('error', (err) => { clearTimeout(timer); reject(err); });
  });
  await new Promise((resolve) => live.once('paused', resolve));
  for (const id of ids) {
    const body = { written: 'server side', at: Date.now() };
    if (id === ids[0]) body._attachments = { note: { content_type: 'text/plain', data: Buffer.from('live ' + id).toString('base64') } };
    const write = await fetch(options.store + '/' + id, { method: 'PUT', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
    if (write.status !== 201) throw new Error('server-side write failed: ' + write.status);
  }
  await arrived;
  live.cancel();
  result.liveReceived = ids.length;
  result.afterLive = await compareWithStore(device);
  result.ok = true;
}

report(main, result, (err) => ({ errorMessage: err.message, errorReason: err.reason }));
