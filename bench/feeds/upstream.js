// A stand-in for Sync Gateway's public port that only holds feeds: every GET .../_changes
// answers its head at once (as SG does) and its body after HOLD_MS, with no changes. Anything
// else is a small JSON 200. Prints "listening <port>" once ready.
'use strict';
const http = require('http');
const hold = Number(process.env.HOLD_MS || 60000);
let open = 0;
const server = http.createServer((req, res) => {
  if (req.url.includes('/_changes')) {
    open++;
    res.writeHead(200, {'content-type': 'application/json'});
    res.flushHeaders();
    const timer = setTimeout(() => res.end('{"results":[],"last_seq":"1"}\n'), hold);
    res.on('close', () => { clearTimeout(timer); open--; });
    return;
  }
  res.writeHead(200, {'content-type': 'application/json'});
  res.end('{"db_name":"todo"}');
});
server.keepAliveTimeout = 120000;
server.listen(0, '127.0.0.1', () => console.log('listening ' + server.address().port));
setInterval(() => process.stderr.write(''), 1 << 30);
process.on('SIGTERM', () => process.exit(0));
