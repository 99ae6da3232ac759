// Access tokens for bench/run.sh: the one format every token of the benchmark has, and, run as a
// script, fresh tokens for its sign-in case, each for a user of its own, one a line on stdout.
// Usage: node bench/http/mint.js WORK FROM COUNT
//   signs with WORK/signer.json (written by fixtures.js: the key, its kid, issuer, audience,
//   subject and expiry), for users SUBJECT-<FROM> to SUBJECT-<FROM+COUNT-1> (7 digits, so that
//   every answer has the same length), on every core: some 4,000 a second a core.
// Only Node's built-in crypto: no npm packages.
'use strict';
const crypto = require('node:crypto');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { Worker, isMainThread, parentPort, workerData } = require('node:worker_threads');

/** An RS256 access token for subject, signed with key under signer's kid, issuer, audience and exp. */
function token(key, signer, subject) {
  const b64 = (value) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const signed = b64({ alg: 'RS256', typ: 'JWT', kid: signer.kid }) + '.' +
    b64({ iss: signer.issuer, aud: signer.audience, sub: subject, iat: Math.floor(Date.now() / 1000), exp: signer.exp });
  return signed + '.' + crypto.sign('sha256', Buffer.from(signed), key).toString('base64url');
}
module.exports = { token };

const user = (signer, n) => signer.subject + '-' + String(n).padStart(7, '0');

if (!isMainThread) {
  // A worker: its share of the tokens.
  const { signer, from, to } = workerData;
  const key = crypto.createPrivateKey(signer.pem);
  const tokens = [];
  for (let n = from; n < to; n++) tokens.push(token(key, signer, user(signer, n)));
  parentPort.postMessage(tokens.join('\n'));
} else if (require.main === module) {
  const [work, fromText, countText] = process.argv.slice(2);
  const from = Number(fromText);
  const count = Number(countText);
  if (!work || !Number.isInteger(from) || !Number.isInteger(count) || count < 1) {
    console.error('usage: mint.js WORK FROM COUNT');
    process.exit(2);
  }
  const signer = JSON.parse(fs.readFileSync(path.join(work, 'signer.json'), 'utf8'));
  const shares = Math.min(os.availableParallelism(), count);
  Promise.all(Array.from({ length: shares }, (_, i) => new Promise((resolve, reject) => {
    const worker = new Worker(__filename, { workerData: {
      signer, from: from + Math.floor(count * i / shares), to: from + Math.floor(count * (i + 1) / shares) } });
    worker.once('message', resolve).once('error', reject);
  }))).then((parts) => process.stdout.write(parts.join('\n') + '\n'));
}
