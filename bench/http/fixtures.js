// Writes the files bench/run.sh serves from its static upstream, and the credentials it uses.
// Usage: node bench/http/fixtures.js WORK ISSUER AUDIENCE SUBJECT TOKEN_TTL_SECONDS
//   WORK/www/todo/doc1k, doc100k   CouchDB-shaped JSON documents of exactly 1,024 and 102,400 bytes
//   WORK/idp/<issuer path>/.well-known/openid-configuration and jwks.json (a fresh RSA key)
//   WORK/token       an RS256 access token for SUBJECT, valid TOKEN_TTL_SECONDS
//   WORK/expires     the token's exp as ISO-8601, which the fake Admin API gives its session
//   WORK/session_id  the Sync Gateway session id the fake Admin API hands out
//   WORK/signer.json the private key and the claims, for mint.js to make more tokens
// Only Node's built-in crypto: no npm packages.
'use strict';
const crypto = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');
const { token } = require('./mint.js');

const [work, issuer, audience, subject, ttlText] = process.argv.slice(2);
if (!work || !issuer || !audience || !subject || !ttlText) {
  console.error('usage: fixtures.js WORK ISSUER AUDIENCE SUBJECT TOKEN_TTL_SECONDS');
  process.exit(2);
}

function write(file, text) {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, text);
}

// A document as Sync Gateway's public API returns it, padded in a text field to an exact size.
function document(id, size) {
  const shell = { _id: id, _rev: '1-' + crypto.createHash('md5').update(id).digest('hex'),
    type: 'task', title: 'Benchmark document ' + id, done: false, tags: ['bench'], notes: '' };
  const empty = JSON.stringify(shell);
  const words = 'lorem ipsum dolor sit amet consectetur adipiscing elit ';
  shell.notes = words.repeat(Math.ceil(size / words.length)).slice(0, size - empty.length);
  const text = JSON.stringify(shell);
  if (Buffer.byteLength(text) !== size) throw new Error(`${id} is ${text.length} bytes, not ${size}`);
  return text;
}
write(path.join(work, 'www/todo/doc1k'), document('doc1k', 1024));
write(path.join(work, 'www/todo/doc100k'), document('doc100k', 102400));

// The identity provider: discovery and keys, served as files under the issuer's path.
const { privateKey, publicKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
const kid = crypto.randomBytes(8).toString('hex');
const idp = path.join(work, 'idp', new URL(issuer).pathname);
write(path.join(idp, '.well-known/openid-configuration'), JSON.stringify({
  issuer, jwks_uri: issuer + '/jwks.json', id_token_signing_alg_values_supported: ['RS256'],
  response_types_supported: ['code'], subject_types_supported: ['public'],
}));
write(path.join(idp, 'jwks.json'), JSON.stringify({
  keys: [{ ...publicKey.export({ format: 'jwk' }), kid, use: 'sig', alg: 'RS256' }],
}));

const exp = Math.floor(Date.now() / 1000) + Number(ttlText);
const signer = { pem: privateKey.export({ type: 'pkcs8', format: 'pem' }), kid, issuer, audience, subject, exp };
write(path.join(work, 'signer.json'), JSON.stringify(signer));
write(path.join(work, 'token'), token(privateKey, signer, subject));
write(path.join(work, 'expires'), new Date(exp * 1000).toISOString().replace(/\.000Z$/, 'Z'));
write(path.join(work, 'session_id'), crypto.randomBytes(20).toString('hex'));
