#!/usr/bin/env bash
# Sourced by the project's scripts: points JAVA_HOME at the newest JDK on this machine that can
# build Syncgate (Java 21 or later), so `./mvnw` never runs on an older default JDK by accident.
# An explicit SYNCGATE_JAVA_HOME wins.

syncgate_java_feature() {
  "$1/bin/java" -XshowSettings:properties -version 2>&1 |
    sed -n 's/^ *java\.specification\.version = \([0-9]*\).*/\1/p'
}

syncgate_pick_java_home() {
  if [ -n "${SYNCGATE_JAVA_HOME:-}" ]; then
    printf '%s\n' "$SYNCGATE_JAVA_HOME"
    return 0
  fi
  local best="" best_version=0 candidate version
  for candidate in "${JAVA_HOME:-}" /usr/lib/jvm/* /opt/java/* /usr/local/java/*; do
    [ -n "$candidate" ] && [ -x "$candidate/bin/javac" ] || continue
    version=$(syncgate_java_feature "$candidate")
    [ -n "$version" ] || continue
    if [ "$version" -gt "$best_version" ]; then
      best="$candidate"
      best_version="$version"
    fi
  done
  if [ "$best_version" -lt 21 ]; then
    echo "Syncgate needs a JDK 21 or later; the newest found is ${best_version:-none}. Install one or set SYNCGATE_JAVA_HOME." >&2
    return 1
  fi
  printf '%s\n' "$best"
}

JAVA_HOME=$(syncgate_pick_java_home) || exit 1
export JAVA_HOME
export PATH="$JAVA_HOME/bin:$PATH"
