// Opens FEEDS long-polls through PORT at once, waits until every head has arrived, prints
// "held <n>", then waits for every body and prints "answered <n> failed <m>". Each feed has a
// connection of its own, as each PouchDB replication does.
'use strict';
const http = require('http');
const port = Number(process.env.PORT);
const feeds = Number(process.env.FEEDS || 9800);
const agent = new http.Agent({keepAlive: false, maxSockets: Infinity});
let heads = 0, answered = 0, failed = 0;
const done = () => {
  if (answered + failed === feeds) {
    console.log(`answered ${answered} failed ${failed}`);
    process.exit(failed === 0 ? 0 : 1);
  }
};
for (let i = 0; i < feeds; i++) {
  const req = http.get({host: '127.0.0.1', port, agent, path: '/sync/todo/_changes?feed=longpoll&since=1&n=' + i}, res => {
    if (res.statusCode !== 200) { failed++; res.resume(); done(); return; }
    if (++heads === feeds) console.log(`held ${heads}`);
    let body = '';
    res.on('data', d => body += d);
    res.on('end', () => { body.includes('"last_seq"') ? answered++ : failed++; done(); });
    res.on('error', () => { failed++; done(); });
  });
  req.on('error', e => { failed++; if (failed < 5) console.error(e.message); done(); });
}
