// bench/run.sh's attachment sink: where its static upstream (nginx) passes an attachment PUT,
// since nginx cannot read a body to the end by itself before answering. Reads every byte, then
// answers 201 as Sync Gateway does, plus how many bytes arrived ("received"), for run.sh to
// check. Anything else is 404. Usage: node bench/http/sink.js PORT
'use strict';
const http = require('node:http');

const server = http.createServer((req, res) => {
  if (req.method !== 'PUT') {
    res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"not_found","reason":"not in this stand-in"}');
    return;
  }
  let received = 0;
  req.on('data', (chunk) => { received += chunk.length; });
  req.on('end', () => {
    res.writeHead(201, { 'content-type': 'application/json' })
      .end(JSON.stringify({ id: 'doc', ok: true, rev: '2-' + received.toString(16).padStart(32, '0'), received }));
  });
});
server.keepAliveTimeout = 120000;
server.listen(Number(process.argv[2]), '127.0.0.1', () => console.log('listening ' + server.address().port));
process.on('SIGTERM', () => process.exit(0));
