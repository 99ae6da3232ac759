// A real PouchDB client replicating through Syncgate, driven by the Java end-to-end tests.
//
// Usage: node replicate.js '<json options>'; prints one JSON result line on stdout.
//   mode        "cookie": sign in with POST {db}/_session, then replicate on the cookie PouchDB's
//               own fetch keeps (its cookie jar honours Path, HttpOnly, Expires as set);
//               "bearer": send the token on every request through a fetch without cookies.
//   remote      Syncgate URL of the database, e.g. http://127.0.0.1:8080/sync/todo
//   token       the identity provider's access token
//   store       PouchDB Server URL of the same database, to write a document "on the server side"
//   prefix      id prefix of the documents this client writes
//   docs        how many documents to push; attachmentBytes: size of the attachment pushed
//   seededAttachmentId  id of a server-side document whose attachment "blob" is pulled and hashed
'use strict';

const crypto = require('crypto');
const { report } = require('./report');
const nodeFetch = require('node-fetch'); // PouchDB's own fetch, minus its cookie jar
const PouchDB = require('pouchdb');
PouchDB.plugin(require('pouchdb-adapter-memory'));

const options = JSON.parse(process.argv[2]);
const result = { mode: options.mode, setCookieSeen: false, statuses: {} };

function pseudoRandomBytes(size, seed) {
  const out = Buffer.alloc(size);
  let block = crypto.createHash('sha256').update(seed).digest();
  for (let offset = 0; offset < size; offset += block.length) {
    block.copy(out, offset, 0, Math.min(block.length, size - offset));
    block = crypto.createHash('sha256').update(block).digest();
  }
  return out;
}

const sha256 = (buffer) => crypto.createHash('sha256').update(buffer).digest('hex');

function remoteDb() {
  if (options.mode === 'bearer') {
    // The same fetch PouchDB uses, but without its cookie jar: only the bearer token authenticates.
    return new PouchDB(options.remote, {
      skip_setup: true,
      fetch: async (url, opts) => {
        opts.headers.set('Authorization', 'Bearer ' + options.token);
        const response = await nodeFetch(url, opts);
        if (response.headers.get('set-cookie')) result.setCookieSeen = true;
        result.statuses[response.status] = (result.statuses[response.status] || 0) + 1;
        return response;
      },
    });
  }
  return new PouchDB(options.remote, { skip_setup: true });
}

async function signIn(remote) {
  const response = await remote.fetch('_session', {
    method: 'POST',
    headers: { Authorization: 'Bearer ' + options.token, 'Content-Type': 'application/json' },
    body: '{}',
  });
  result.signIn = { status: response.status, body: await response.json() };
  if (response.status !== 200) throw new Error('sign-in failed: ' + JSON.stringify(result.signIn));
}

async function waitForChange(replication, id, timeoutMs) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('live replication did not deliver ' + id)), timeoutMs);
    replication.on('change', (info) => {
      if (info.docs.some((doc) => doc._id === id)) {
        clearTimeout(timer);
        resolve();
      }
    });
    replication.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
  });
}

async function main() {
  const remote = remoteDb();
  if (options.mode === 'cookie') await signIn(remote);

  // Push: documents and one attachment written on this device.
  const local = new PouchDB('local-' + options.prefix, { adapter: 'memory' });
  const docs = [];
  for (let i = 0; i < options.docs; i++) docs.push({ _id: `${options.prefix}-${String(i).padStart(4, '0')}`, n: i });
  const attachment = pseudoRandomBytes(options.attachmentBytes, options.prefix);
  docs.push({
    _id: `${options.prefix}-attachment`,
    _attachments: { blob: { content_type: 'application/octet-stream', data: attachment } },
  });
  await local.bulkDocs(docs);
  const push = await local.replicate.to(remote);
  result.pushed = push.docs_written;
  result.pushedAttachmentSha256 = sha256(attachment);

  // Pull into a fresh device: everything on the server, including what others wrote.
  const device = new PouchDB('device-' + options.prefix, { adapter: 'memory' });
  const pull = await device.replicate.from(remote);
  result.pulled = pull.docs_written;
  const own = await device.getAttachment(`${options.prefix}-attachment`, 'blob');
  result.pulledOwnAttachmentSha256 = sha256(own);
  const seeded = await device.getAttachment(options.seededAttachmentId, 'blob');
  result.pulledSeededAttachmentSha256 = sha256(seeded);
  result.pulledSeededAttachmentBytes = seeded.length;

  // Live: a document written straight into the server's store must arrive without asking.
  const live = device.replicate.from(remote, { live: true, retry: false });
  const liveId = `${options.prefix}-live-from-server`;
  const arrived = waitForChange(live, liveId, 30000);
  // 'paused' means caught up and waiting on the long-poll feed: the write must travel through it.
  await new Promise((resolve) => live.once('paused', resolve));
  const write = await fetch(`${options.store}/${encodeURIComponent(liveId)}`, {
    method: 'PUT',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ written: 'server side' }),
  });
  if (write.status !== 201) throw new Error('server-side write failed: ' + write.status);
  await arrived;
  live.cancel();
  result.liveReceived = liveId;
  result.ok = true;
}

report(main, result, (err) => (err.status ? { errorStatus: err.status } : {}));
