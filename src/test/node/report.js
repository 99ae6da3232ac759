// How every test script ends: its result object as one JSON line on stdout, for the Java side to
// read, with ok=false and the error when main() failed; the exit code says the same.
'use strict';

function report(main, result, describe = () => ({})) {
  main()
    .catch((err) => {
      result.ok = false;
      result.error = String(err && (err.stack || err.message || err));
      Object.assign(result, describe(err || {}));
    })
    .finally(() => {
      process.stdout.write(JSON.stringify(result) + '\n');
      process.exit(result.ok ? 0 : 1);
    });
}

module.exports = { report };
