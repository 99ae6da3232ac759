// Runs PouchDB Server (its own command-line options pass through) for as long as whoever started
// it is alive: when the parent's end of stdin closes — the test JVM exited, however abruptly —
// the server exits too instead of lingering on its port.
'use strict';

process.stdin.on('end', () => process.exit(0));
process.stdin.on('error', () => process.exit(0));
process.stdin.resume();

require('pouchdb-server/lib/index.js');
