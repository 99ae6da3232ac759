#!/usr/bin/env bash
# JMH micro-benchmarks of the work Syncgate does itself on the request path (src/jmh/java): bearer
# token verification per signing algorithm (RS256, PS256, ES256, EdDSA), the first time a token is
# seen and once it is remembered; finding the session cookie and checking its ticket; screening
# and parsing the request target; the CORS decision. Results are in ns per operation.
#
# It builds the test classes with the Maven profile `jmh` (the only build that compiles the
# benchmarks: `./mvnw verify` never sees them), then runs org.openjdk.jmh.Main on the test
# classpath that build wrote to target/jmh-classpath.txt.
#
# The defaults are short, for a first look: 1 fork, 3 warmup and 5 measurement iterations of 1 s
# (some 4 minutes for everything). Arguments go to JMH as they are: regular expressions choosing
# benchmarks, and options, any of which replaces the default it names. Pass options as separate
# words (`-f 3`, not `-f3`), so this script can tell which defaults you replaced.
#   bench/jmh.sh                                   # everything
#   bench/jmh.sh TokenVerifier -p algorithm=ES256  # one class, one parameter
#   bench/jmh.sh -f 3 -i 10 -r 2s Cors             # steadier numbers
#   bench/jmh.sh -prof gc InboundPath              # allocation per operation too
#   bench/jmh.sh -l                                # list the benchmarks;  bench/jmh.sh -h  JMH's options
# SKIP_BUILD=1 reuses the last build. Run it on a quiet machine: two cores shared with a build or
# a test run measure the neighbour.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/java-home.sh

if [ -z "${SKIP_BUILD:-}" ]; then
  ./mvnw -q -B -ntp -Pjmh -DskipTests test-compile
fi

defaults=()
default() {
  local option=$1 value=$2 arg
  shift 2
  for arg in "$@"; do
    [ "$arg" = "$option" ] && return 0
  done
  defaults+=("$option" "$value")
}
default -f 1 "$@"
default -wi 3 "$@"
default -w 1s "$@"
default -i 5 "$@"
default -r 1s "$@"
# The forks log only warnings: the key fetch before each first-verification invocation would
# print a line into JMH's output, and so would logback's own status report at start.
default -jvmArgsPrepend "-DSYNCGATE_LOG_LEVEL=WARN -Dlogback.statusListenerClass=ch.qos.logback.core.status.NopStatusListener" "$@"

exec java -cp "target/test-classes:target/classes:$(cat target/jmh-classpath.txt)" \
  org.openjdk.jmh.Main "${defaults[@]}" "$@"
