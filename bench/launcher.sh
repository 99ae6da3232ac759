# Sourced by bench/run.sh and bench/feeds.sh: Syncgate as its users start it, through the
# distribution's launcher (src/dist/bin/syncgate, with its JVM defaults; JAVA_OPTS adds to them)
# on the built jar, and with the access log at its default level unless ACCESS_LOG says otherwise.
ACCESS_LOG=${ACCESS_LOG:-INFO}   # the syncgate.access level: INFO (default, as shipped) or OFF

# Lays out a distribution's bin/ and lib/ under the folder $1 and prints its launcher's path.
syncgate_launcher() {
  mkdir -p "$1/bin" "$1/lib"
  cp src/dist/bin/syncgate "$1/bin/syncgate"
  ln -sf "$PWD/$JAR" "$1/lib/syncgate.jar"
  echo "$1/bin/syncgate"
}
