#!/usr/bin/env bash
# What one access line costs the process, writer thread included (AccessLineCost in src/jmh/java):
# Syncgate's logging set-up (src/main/resources/logback.xml) next to the one before it (Logback's
# AsyncAppender in front of a ConsoleAppender, bench/logback-async-console.xml), standard output
# to /dev/null. Arguments: lines per thread per round (100000), microseconds of busy work per
# request (40), rounds (6; the first two are warm-up). About a minute. SKIP_BUILD=1 reuses the
# last build. Run it on a quiet machine.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/java-home.sh

if [ -z "${SKIP_BUILD:-}" ]; then
  ./mvnw -q -B -ntp -Pjmh -DskipTests test-compile
fi
classpath="target/test-classes:target/classes:$(cat target/jmh-classpath.txt)"
for config in src/main/resources/logback.xml bench/logback-async-console.xml; do
  echo "== $config"
  java -Dlogback.configurationFile="$config" -cp "$classpath" io.syncgate.logging.AccessLineCost "$@" 2>&1 >/dev/null
done
