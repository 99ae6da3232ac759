#!/usr/bin/env bash
# Capacity benchmark: FEEDS (default 9,800) concurrent long-poll feeds through the Syncgate jar,
# with its default configuration and JVM settings (bin/syncgate) but guest access, to an upstream that holds each for HOLD_MS.
# Reports Syncgate's memory per held feed (resident set and live heap after a full GC) and whether
# every feed was answered. Needs the jar (./mvnw package) and Node.js. Run: bench/feeds.sh
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/java-home.sh
. bench/launcher.sh
FEEDS=${FEEDS:-9800}
HOLD_MS=${HOLD_MS:-60000}
JAR=target/syncgate.jar
[ -f "$JAR" ] || { echo "build the jar first: ./mvnw -q package -DskipTests" >&2; exit 1; }
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT

HOLD_MS=$HOLD_MS node bench/feeds/upstream.js > "$work/upstream.log" &
until grep -q listening "$work/upstream.log"; do sleep 0.1; done
upstream=$(awk '/listening/ {print $2}' "$work/upstream.log")
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
cat > "$work/syncgate.yaml" <<YAML
listen: {host: 127.0.0.1, port: $port, base_path: /sync}
management: {port: 0}
oidc: {issuer: "http://127.0.0.1:9/issuer", audiences: [bench]}
sync_gateway: {public_url: "http://127.0.0.1:$upstream", admin_url: "http://127.0.0.1:$upstream", databases: [todo]}
access: {allow_guest: true}
YAML
SYNCGATE_ACCESS_LOG_LEVEL=$ACCESS_LOG "$(syncgate_launcher "$work/dist")" --config "$work/syncgate.yaml" > "$work/syncgate.log" 2>&1 &
syncgate=$!
until (exec 3<>/dev/tcp/127.0.0.1/$port) 2>/dev/null; do sleep 0.2; done
grep -o 'capacity: .*' "$work/syncgate.log" || true

live_heap_kb() {
  jcmd "$syncgate" GC.run > /dev/null
  jcmd "$syncgate" GC.heap_info | awk '/used/ {for (i=1;i<=NF;i++) if ($i=="used") {gsub("K","",$(i+1)); print $(i+1); exit}}'
}
rss_kb() { awk '/VmRSS/ {print $2}' /proc/$syncgate/status; }
fds() { ls /proc/$syncgate/fd | wc -l; }

# Warm the path once, then measure the idle process.
curl -s -o /dev/null "http://127.0.0.1:$port/sync/todo/"
heap0=$(live_heap_kb); rss0=$(rss_kb); fd0=$(fds)

PORT=$port FEEDS=$FEEDS node bench/feeds/client.js > "$work/client.log" 2>&1 &
client=$!
until grep -qs 'held\|answered' "$work/client.log"; do
  if ! kill -0 $client 2>/dev/null; then break; fi
  sleep 0.5
done
sleep 1
heap1=$(live_heap_kb); rss1=$(rss_kb); fd1=$(fds)
served=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/sync/todo/")
wait $client && result=ok || result=FAILED
cat "$work/client.log"
echo "feeds held at once:          $FEEDS (a request beside them: HTTP $served)"
echo "descriptors:                 $fd0 idle, $fd1 with the feeds held"
echo "resident set:                $((rss0/1024)) MiB idle, $((rss1/1024)) MiB held: $(( (rss1-rss0)*1024/FEEDS )) bytes per feed"
echo "live heap after a full GC:   $((heap0/1024)) MiB idle, $((heap1/1024)) MiB held: $(( (heap1-heap0)*1024/FEEDS )) bytes per feed"
echo "every feed answered:         $result"
[ "$result" = ok ]
