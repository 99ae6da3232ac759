#!/usr/bin/env bash
# Benchmark: what Syncgate costs per request, per sign-in and per attachment byte, next to nginx
# as a plain reverse proxy and next to no proxy at all, and the memory each idle feed holds.
# Everything runs on 127.0.0.1, on free ports, in a temporary directory removed at the end:
#   - a static upstream (nginx) playing Sync Gateway: a 1 KB and a 100 KB JSON document and a
#     1 GiB attachment on its public API (for the one session's cookie only, as SG would; an
#     attachment PUT goes on to bench/http/sink.js, which reads it to the end before its 201), the
#     Admin API calls Syncgate's sign-in makes, and an OpenID provider's discovery document and
#     keys (a fresh RSA key);
#   - nginx proxying to it (one worker per core, as Syncgate has one event loop per core,
#     keep-alive to the upstream, no access log, bodies streamed both ways);
#   - the Syncgate jar through the distribution's launcher (bin/syncgate: its default JVM
#     settings, plus JAVA_OPTS), access log at INFO as shipped (ACCESS_LOG=OFF turns it off),
#     sign-in limits raised out of the way, signed in once with an RS256 token minted at start, for the
#     cookie; the token itself for the bearer case.
#
# Cases (CASES, default all four, run in this order):
#   get         wrk GETs of the 1 KB document direct, through nginx, through Syncgate with the
#               session cookie and with the bearer token; of the 100 KB document direct, through
#               nginx and through Syncgate with the cookie.
#   signin      wrk POSTs {base}/todo/_session with a bearer token (bench/http/sign-in.lua),
#               each with a new token for a user of its own (its signature checked, as for a
#               client fresh from its provider), and each with one same token (verified once,
#               then remembered by Syncgate). Every sign-in opens a session at the Admin API.
#               The new tokens are minted before each run (bench/http/mint.js, on every core,
#               some 4,000 a second a core), for SIGNIN_RATE sign-ins a second (default 5,000)
#               or half as many again as the fastest run so far, whichever is more.
#   attachment  curl PUTs an attachment of ATTACHMENT_SIZE (PUT /todo/doc/att?rev=1-x, with
#               Content-Length) and GETs it (GET /todo/doc/att: nginx sends a sparse file),
#               direct, through nginx and through Syncgate with the cookie, one transfer at a
#               time, after every wrk run. Around each transfer through Syncgate its heap is
#               read: after a full GC before and after (jcmd, jstat), the most in use meanwhile
#               (jstat every 100 ms), young GCs, and bytes allocated (Micrometer's
#               jvm_gc_memory_allocated_bytes_total on the management port).
#   feeds       bench/feeds.sh, once the rest has stopped: FEEDS (default 9,800) idle long-polls
#               held for HOLD_MS through a Syncgate of its own, and its memory per feed.
# wrk and curl load each case in turn, ROUNDS times over (round 1 runs every case, then round
# 2...), so that noise on the machine spreads over all cases alike; with a WARMUP, every case
# runs once unmeasured first. For each run the proxy's CPU time (utime+stime of Syncgate's JVM,
# or of nginx's master and workers) is read before and after, and so is that of every process
# outside the benchmark (printed as a share of one core: a build beside it shows as noise).
#
# Output (stdout; progress on stderr): markdown tables of medians over the rounds. get: requests
# per second, latency p50/p99, the proxy's CPU per request, its peak resident set (VmHWM; nginx:
# its workers summed), throughput relative to nginx and to no proxy. signin: sign-ins per
# second, p50/p99, Syncgate's CPU per sign-in, its peak RSS. attachment: MB/s (10^6 bytes)
# relative to no proxy and to nginx, the proxy's CPU seconds per GiB; Syncgate's heap figures
# (the largest over the rounds) and its peak RSS before and after the transfers. feeds:
# bench/feeds.sh's own lines. Any error response, short body or upload, or a sign-in token
# used twice fails the run.
#
# Needs the jar (./mvnw -q -B -ntp -DskipTests package), nginx and wrk (Debian:
# apt-get install nginx-light wrk), Node.js 18+ and curl. The load generator shares the machine
# with what it measures: compare cases within one run rather than runs on different machines.
# Syncgate's JIT needs some 20 s of load to settle on 2 cores: with a shorter WARMUP its first
# cases measure the compiler. CPU per request is the figure least moved by other load.
#
# Run: bench/run.sh   (every case at its defaults: some 9 minutes on 2 cores)
#   CASES="get signin attachment feeds" DURATION=10s ROUNDS=3 WARMUP=10s THREADS=1 CONNECTIONS=64
#   UPSTREAM_WORKERS=1 SIGNIN_RATE=5000 ATTACHMENT_SIZE=1G FEEDS=9800 HOLD_MS=60000 JAVA_OPTS=...
#   ACCESS_LOG=OFF
#   bench/run.sh
# A quick look: CASES="get signin" DURATION=3s ROUNDS=1 WARMUP=5s bench/run.sh
set -euo pipefail
cd "$(dirname "$0")/.."

CASES=${CASES:-get signin attachment feeds}
DURATION=${DURATION:-10s}             # each measured wrk run
ROUNDS=${ROUNDS:-3}                   # every case runs once per round
WARMUP=${WARMUP:-10s}                 # one unmeasured run of each case first (JIT); 0 skips it
THREADS=${THREADS:-1}                 # wrk -t
CONNECTIONS=${CONNECTIONS:-64}        # wrk -c
UPSTREAM_WORKERS=${UPSTREAM_WORKERS:-1}
ATTACHMENT_SIZE=${ATTACHMENT_SIZE:-1G} # of the attachment PUT and GET (truncate -s syntax)
PROXY_WORKERS=$(nproc)                # Syncgate runs one event loop per available processor
JAR=target/syncgate.jar
NGINX=${NGINX:-$(command -v nginx || echo /usr/sbin/nginx)}

has() { case " $CASES " in *" $1 "*) ;; *) return 1 ;; esac; }
for c in $CASES; do
  case $c in get | signin | attachment | feeds) ;; *) echo "unknown case $c: CASES takes get, signin, attachment, feeds" >&2; exit 2 ;; esac
done
[ -n "${CASES// /}" ] || { echo "CASES is empty: give get, signin, attachment and/or feeds" >&2; exit 2; }
stack=0   # the upstream, nginx and Syncgate, for every case but feeds (which brings its own)
if has get || has signin || has attachment; then stack=1; fi

missing=0
if [ $stack = 1 ]; then
  [ -x "$NGINX" ] || { echo "nginx not found: apt-get install nginx-light" >&2; missing=1; }
  command -v wrk > /dev/null || { echo "wrk not found: apt-get install wrk" >&2; missing=1; }
  command -v curl > /dev/null || { echo "curl not found: apt-get install curl" >&2; missing=1; }
fi
command -v node > /dev/null || { echo "node not found: install Node.js 18 or later" >&2; missing=1; }
[ -f "$JAR" ] || { echo "build the jar first: ./mvnw -q -B -ntp -DskipTests package" >&2; missing=1; }
[ "$missing" = 0 ] || exit 1
. scripts/java-home.sh
. bench/launcher.sh

seconds() { # a wrk duration (10, 10s, 2m, 1h) in seconds
  case $1 in *h) echo $((${1%h} * 3600)) ;; *m) echo $((${1%m} * 60)) ;; *s) echo "${1%s}" ;; *) echo "$1" ;; esac
}

work=$(mktemp -d)
cleanup() {
  kill $(jobs -p) 2> /dev/null || true
  wait 2> /dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

fail() {
  echo "FAILED: $*" >&2
  for log in "$work"/*.log; do
    [ -s "$log" ] && { echo "--- $(basename "$log") (last lines)" >&2; tail -n 20 "$log" >&2; }
  done
  exit 1
}

feeds() { # bench/feeds.sh as a job (so that cleanup ends it), its lines on stdout
  echo
  echo "Idle feeds (bench/feeds.sh): ${FEEDS:-9800} long-polls held through the jar."
  echo
  bench/feeds.sh &
  wait $! || { echo "FAILED: bench/feeds.sh" >&2; exit 1; }
}
if [ $stack = 0 ]; then
  feeds
  exit 0
fi

# Seven free ports at once (all held open while asked, so they differ).
read -r public_port admin_port idp_port proxy_port gate_port management_port sink_port < <(node -e '
  const net = require("node:net");
  const servers = Array.from({ length: 7 }, () => net.createServer());
  Promise.all(servers.map((s) => new Promise((ok) => s.listen(0, "127.0.0.1", ok)))).then(() => {
    console.log(servers.map((s) => s.address().port).join(" "));
    servers.forEach((s) => s.close());
  });')

direct="http://127.0.0.1:$public_port/todo"
nginx="http://127.0.0.1:$proxy_port/todo"
gate="http://127.0.0.1:$gate_port/sync/todo"

# The wrk cases: what each loads, with what credentials, through which proxy; kind says how.
label=() size=() url=() header=() proxy_of=() kind=()
wrk_case() { label+=("$1"); size+=("$2"); url+=("$3"); header+=("$4"); proxy_of+=("$5"); kind+=("$6"); }
if has get; then   # first, at 0 to 6: the table's ratios count on it
  wrk_case "direct" 1k "$direct/doc1k" sg none get
  wrk_case "nginx" 1k "$nginx/doc1k" sg nginx get
  wrk_case "syncgate cookie" 1k "$gate/doc1k" cookie syncgate get
  wrk_case "syncgate bearer" 1k "$gate/doc1k" bearer syncgate get
  wrk_case "direct" 100k "$direct/doc100k" sg none get
  wrk_case "nginx" 100k "$nginx/doc100k" sg nginx get
  wrk_case "syncgate cookie" 100k "$gate/doc100k" cookie syncgate get
fi
if has signin; then
  wrk_case "new token each" - "$gate/_session" - syncgate signin-new
  wrk_case "one token" - "$gate/_session" - syncgate signin-same
fi
cases=${#label[@]}

# Documents, identity provider files, token and session, valid for well past the whole run.
planned=$(( cases * (ROUNDS * $(seconds "$DURATION") + $(seconds "$WARMUP")) + 600 ))
issuer="http://127.0.0.1:$idp_port/issuer"
subject=bench-user
node bench/http/fixtures.js "$work" "$issuer" bench "$subject" $(( 3600 > 2 * planned ? 3600 : 2 * planned ))
token=$(cat "$work/token")
session_id=$(cat "$work/session_id")
if has attachment; then
  mkdir -p "$work/www/todo/doc"
  truncate -s "$ATTACHMENT_SIZE" "$work/www/todo/doc/att"   # sparse: costs no disk, reads as zeros
  cat "$work/www/todo/doc/att" > /dev/null   # into the page cache, else the first transfer pays for it
  attachment_bytes=$(stat -c %s "$work/www/todo/doc/att")
fi

user_line=""
[ "$(id -u)" = 0 ] && user_line="user root;"   # else workers would drop to a user that cannot read $work
fill() {
  sed -e "s|@USER@|$user_line|" -e "s|@WORK@|$work|g" -e "s|@PUBLIC_PORT@|$public_port|g" \
    -e "s|@ADMIN_PORT@|$admin_port|g" -e "s|@IDP_PORT@|$idp_port|g" -e "s|@PROXY_PORT@|$proxy_port|g" \
    -e "s|@SINK_PORT@|$sink_port|g" \
    -e "s|@SESSION_ID@|$session_id|g" -e "s|@EXPIRES@|$(cat "$work/expires")|g" -e "s|@SUBJECT@|$subject|g" \
    -e "s|@WORKERS@|$2|g" "bench/http/$1" > "$work/$1"
}
fill upstream.conf "$UPSTREAM_WORKERS"
fill proxy.conf "$PROXY_WORKERS"
mkdir -p "$work/upstream-tmp" "$work/proxy-tmp"

node bench/http/sink.js "$sink_port" > "$work/sink.log" 2>&1 &
sink=$!
"$NGINX" -e "$work/upstream-error.log" -p "$work" -c "$work/upstream.conf" > "$work/upstream.log" 2>&1 &
upstream=$!
"$NGINX" -e "$work/proxy-error.log" -p "$work" -c "$work/proxy.conf" > "$work/proxy.log" 2>&1 &
proxy=$!

# Sign-in limits (30 a minute per user, 100 a second in all by default) raised to their most,
# so that they never answer 429: the benchmark measures the work of a sign-in, not the limiter.
# (The one-token case is one user: a million a minute lets it sign in 12,000 times a second for
# all its runs, as on 2 cores, and some 25,000 times on a machine twice as fast.)
cat > "$work/syncgate.yaml" <<YAML
listen: {host: 127.0.0.1, port: $gate_port, base_path: /sync}
management: {host: 127.0.0.1, port: $management_port}
oidc: {issuer: "$issuer", audiences: [bench]}
sync_gateway: {public_url: "http://127.0.0.1:$public_port", admin_url: "http://127.0.0.1:$admin_port", databases: [todo]}
session: {sign_ins_per_user_per_minute: 1000000, sign_ins_per_second: 1000000}
cookie: {secure: false}
YAML
SYNCGATE_ACCESS_LOG_LEVEL=$ACCESS_LOG SYNCGATE_SESSION_COOKIE_SECRET=$(node -p 'require("node:crypto").randomBytes(32).toString("hex")') \
  "$(syncgate_launcher "$work/dist")" --config "$work/syncgate.yaml" > "$work/syncgate.log" 2>&1 &
syncgate=$!

# Up when each answers; Syncgate when ready (the provider's keys loaded).
wait_for() { # URL PID NAME
  local tries=0
  until [ "$(curl -s -o /dev/null -w '%{http_code}' "$1")" = 200 ]; do
    kill -0 "$2" 2> /dev/null || fail "$3 exited"
    tries=$((tries + 1))
    [ $tries -lt 600 ] || fail "$3 not ready after a minute"
    sleep 0.1
  done
}
wait_for "$issuer/.well-known/openid-configuration" $upstream "upstream nginx"
until curl -s -o /dev/null "http://127.0.0.1:$proxy_port/"; do kill -0 $proxy 2> /dev/null || fail "proxy nginx exited"; sleep 0.1; done
until grep -q listening "$work/sink.log"; do kill -0 $sink 2> /dev/null || fail "attachment sink exited"; sleep 0.1; done
wait_for "http://127.0.0.1:$management_port/readyz" $syncgate "Syncgate"

# A sign-in, as a client makes it: POST _session with the token. Prints the answer's head; the
# body goes to $work/sign-in.json.
sign_in() { # TOKEN
  local answer
  answer=$(curl -s -D - -o "$work/sign-in.json" -w '%{http_code}' -X POST -H "Authorization: Bearer $1" "$gate/_session") ||
    fail "sign-in request failed"
  case $answer in *200) ;; *) fail "sign-in answered: $answer $(cat "$work/sign-in.json")" ;; esac
  grep -q '"session_id"' "$work/sign-in.json" || fail "sign-in answered no session: $(cat "$work/sign-in.json")"
  printf '%s\n' "$answer"
}
# Signed in once for the cookie.
cookie=$(sign_in "$token" | tr -d '\r' | sed -n 's/^[Ss]et-[Cc]ookie: \(SyncGatewaySession=[^;]*\).*/\1/p')
[ -n "$cookie" ] || fail "sign-in set no session cookie"
sg_cookie="Cookie: SyncGatewaySession=$session_id"   # what a client talking to SG itself sends
credentials() { # sg, cookie or bearer: the header a case sends
  case $1 in sg) echo "$sg_cookie" ;; cookie) echo "Cookie: $cookie" ;; bearer) echo "Authorization: Bearer $token" ;; esac
}

# Every GET case answers 200 with exactly the document; the upstream refuses a request without
# the session, so a 200 through Syncgate shows it presented the session. Every sign-in case
# answers a session; its body's length is the least each of its answers must carry.
[ "$(curl -s -o /dev/null -w '%{http_code}' "$direct/doc1k")" = 401 ] || fail "the upstream served a request without a session"
declare -A least_bytes
for i in $(seq 0 $((cases - 1))); do
  case ${kind[$i]} in
    get)
      status=$(curl -s -o "$work/body" -w '%{http_code} %{content_type}' -H "$(credentials "${header[$i]}")" "${url[$i]}")
      [ "$status" = "200 application/json" ] || fail "${label[$i]} ${size[$i]}: answered $status: $(head -c 300 "$work/body")"
      cmp -s "$work/body" "$work/www/todo/doc${size[$i]}" || fail "${label[$i]} ${size[$i]}: not the document"
      least_bytes[$i]=$(( ${size[$i]%k} * 1024 )) ;;
    signin-new)   # user 0's: the runs' users count from 1
      sign_in "$(node bench/http/mint.js "$work" 0 1)" > /dev/null
      least_bytes[$i]=$(stat -c %s "$work/sign-in.json") ;;
    signin-same)
      sign_in "$token" > /dev/null
      least_bytes[$i]=$(stat -c %s "$work/sign-in.json") ;;
  esac
done
if has attachment; then
  [ "$(curl -s -o /dev/null -w '%{http_code}' "$direct/doc/att")" = 401 ] || fail "the upstream served an attachment without a session"
fi

proxy_pids() {
  case $1 in
    nginx) echo "$proxy" $(pgrep -P "$proxy") ;;
    syncgate) echo "$syncgate" ;;
  esac
}
cpu_ticks() { # utime + stime of the processes, in clock ticks
  local total=0 pid
  for pid in "$@"; do total=$((total + $(sed 's/^.*) //' "/proc/$pid/stat" | awk '{print $12 + $13}'))); done
  echo $total
}
peak_rss_kb() { # the JVM's high-water mark, or that of nginx's workers summed
  case $1 in
    nginx) cat $(pgrep -P "$proxy" | sed 's|.*|/proc/&/status|') | awk '/^VmHWM/ {kb += $2} END {print kb}' ;;
    syncgate) awk '/^VmHWM/ {print $2}' "/proc/$syncgate/status" ;;
  esac
}
clock_ticks=$(getconf CLK_TCK)
# CPU time of every process outside the benchmark (a build running beside it, say), "pid ticks"
# per line: reported per run as a share of one core, to tell noise from a real difference. wrk
# and curl have exited by the second sample, and so do not count; the heap sampler (jstat) is
# left out too.
ours=" $sink $upstream $(pgrep -P "$upstream" | tr '\n' ' ') $proxy $(pgrep -P "$proxy" | tr '\n' ' ') $syncgate $$ "
others_ticks() {
  { cat /proc/[0-9]*/stat 2> /dev/null || true; } |   # some exit while read
    awk -v ours="$ours${sampler:-} " '{pid = $1; sub(/^.*\) /, ""); if (!index(ours, " " pid " ")) print pid, $12 + $13}'
}
others_percent() { # since others_ticks wrote $work/others.before, over SECONDS
  others_ticks | awk -v hz="$clock_ticks" -v s="$1" '
    NR == FNR {before[$1] = $2; next} {used += $2 - before[$1]} END {printf "%.0f", used * 100 / hz / s}' "$work/others.before" -
}

# New tokens for the sign-in case: minted before each run, as many as it may use, so that none
# is used twice (a remembered token's signature is not checked again). What a run leaves is
# kept for the next. A run after the warm-up alone may go three times as fast (the JIT).
pool="$work/sign-in-tokens"
: > "$pool"
next_user=1 minted=0 signed_in=0 warm_rate=0 best_rate=0
top_up() { # SECONDS
  local rate=${SIGNIN_RATE:-5000} expected have
  expected=$(( best_rate > 0 ? best_rate * 3 / 2 : warm_rate * 3 ))
  [ "$expected" -le "$rate" ] || rate=$expected
  have=$(wc -l < "$pool")
  [ "$have" -lt $(( rate * $1 )) ] || return 0
  echo "minting $(( rate * $1 - have )) sign-in tokens..." >&2
  node bench/http/mint.js "$work" "$next_user" $(( rate * $1 - have )) >> "$pool" || fail "mint.js failed"
  next_user=$(( next_user + rate * $1 - have ))
  minted=$(( minted + rate * $1 - have ))
}
run() { # CASE ROUND DURATION; ROUND 0 is the warm-up, not recorded
  local i=$1 pids="" before=0 after=0
  [ "${proxy_of[$i]}" = none ] || pids=$(proxy_pids "${proxy_of[$i]}")
  [ "${kind[$i]}" != signin-new ] || top_up "$(seconds "$3")"
  [ -z "$pids" ] || before=$(cpu_ticks $pids)
  others_ticks > "$work/others.before"
  case ${kind[$i]} in
    get) wrk -t"$THREADS" -c"$CONNECTIONS" -d"$3" --timeout 10s -s bench/http/report.lua \
           -H "$(credentials "${header[$i]}")" "${url[$i]}" > "$work/wrk.out" 2>&1 ;;
    signin-new) wrk -t"$THREADS" -c"$CONNECTIONS" -d"$3" --timeout 10s -s bench/http/sign-in.lua \
           "${url[$i]}" -- "$pool" 0 "$THREADS" > "$work/wrk.out" 2>&1 ;;
    signin-same) wrk -t"$THREADS" -c"$CONNECTIONS" -d"$3" --timeout 10s -s bench/http/sign-in.lua \
           "${url[$i]}" -- "$work/token" 0 "$THREADS" > "$work/wrk.out" 2>&1 ;;
  esac || fail "wrk: $(cat "$work/wrk.out")"
  [ -z "$pids" ] || after=$(cpu_ticks $pids)
  local others
  others=$(others_percent "$(seconds "$3")")
  local result
  result=$(sed -n 's/^RESULT //p' "$work/wrk.out")
  [ -n "$result" ] || fail "wrk printed no result: $(cat "$work/wrk.out")"
  local requests duration_us status connect read write timeout p50_us p99_us bytes kv
  for kv in $result; do printf -v "${kv%%=*}" '%s' "${kv#*=}"; done
  if [ "$requests" -eq 0 ] || [ $((status + connect + read + write + timeout)) -ne 0 ]; then
    fail "${label[$i]} ${size[$i]}: $requests requests, errors: status $status, connect $connect, read $read, write $write, timeout $timeout
$(cat "$work/wrk.out")"
  fi
  # wrk counts only statuses of 400 and more as errors: every answer must at least carry the
  # document, or a session.
  [ "$bytes" -ge $((requests * least_bytes[$i])) ] ||
    fail "${label[$i]} ${size[$i]}: $bytes bytes for $requests responses, less than ${least_bytes[$i]} each"
  local rps
  rps=$(awk -v n="$requests" -v us="$duration_us" 'BEGIN {printf "%.0f", n * 1e6 / us}')
  if [ "${kind[$i]}" = signin-new ]; then
    local used have
    used=$(( $(sed -n 's/^TOKENS used=//p' "$work/wrk.out") * THREADS ))
    have=$(wc -l < "$pool")
    [ "$used" -le "$have" ] ||
      fail "${label[$i]}: $used sign-ins with $have new tokens: some were used twice, so their signatures were not checked; raise SIGNIN_RATE above $(( requests / $(seconds "$3") ))"
    tail -n +$(( used + 1 )) "$pool" > "$pool.rest"
    mv "$pool.rest" "$pool"
    signed_in=$(( signed_in + used ))
    if [ "$2" = 0 ]; then warm_rate=$rps; elif [ "$rps" -gt "$best_rate" ]; then best_rate=$rps; fi
  fi
  local rss=- cpu=-
  if [ -n "$pids" ]; then
    rss=$(peak_rss_kb "${proxy_of[$i]}")
    cpu=$(awk -v t=$((after - before)) -v hz="$clock_ticks" -v n="$requests" 'BEGIN {printf "%.2f", t * 1e6 / hz / n}')
  fi
  printf '%-16s %-5s round %s: %6s req/s, p50 %6s us, p99 %7s us, CPU %6s us/req; other processes %3s%% of a core\n' \
    "${label[$i]}" "${size[$i]}" "$2" "$rps" "$p50_us" "$p99_us" "$cpu" "$others" >&2
  [ "$2" = 0 ] || echo "$i $2 $rps $p50_us $p99_us $cpu $rss $others" >> "$work/results"
}

# The attachment transfers, by curl: GET to /dev/null, PUT of the sparse file (Content-Length).
t_label=() t_method=() t_url=() t_header=() t_proxy=()
transfer_case() { t_label+=("$1"); t_method+=("$2"); t_url+=("$3"); t_header+=("$4"); t_proxy+=("$5"); }
if has attachment; then
  transfer_case direct GET "$direct/doc/att" sg none
  transfer_case nginx GET "$nginx/doc/att" sg nginx
  transfer_case syncgate GET "$gate/doc/att" cookie syncgate
  transfer_case direct PUT "$direct/doc/att?rev=1-x" sg none
  transfer_case nginx PUT "$nginx/doc/att?rev=1-x" sg nginx
  transfer_case syncgate PUT "$gate/doc/att?rev=1-x" cookie syncgate
fi
transfers=${#t_label[@]}

heap_used_kb() { # Syncgate's heap in use (jstat -gc: survivors, eden and old), one line per sample
  awk 'NR == 1 {for (k = 1; k <= NF; k++) col[$k] = k; next}
    {printf "%.0f %d\n", $col["S0U"] + $col["S1U"] + $col["EU"] + $col["OU"], $col["YGC"]}' "$@"
}
allocated_bytes() { # Syncgate's heap allocation so far, as counted at each GC (Micrometer's)
  curl -s "http://127.0.0.1:$management_port/metrics" | awk '/^jvm_gc_memory_allocated_bytes_total/ {printf "%.0f", $2}'
}
live_heap_kb() { # after a full GC
  jcmd "$syncgate" GC.run > /dev/null
  jstat -gc "$syncgate" > "$work/jstat.now"
  heap_used_kb "$work/jstat.now" | awk '{print $1}'
}
transfer() { # TRANSFER ROUND; ROUND 0 is the warm-up, not recorded
  local i=$1 pids="" before=0 after=0 base=0 allocated0=0
  sampler=""   # global: others_ticks leaves it out
  [ "${t_proxy[$i]}" = none ] || pids=$(proxy_pids "${t_proxy[$i]}")
  if [ "${t_proxy[$i]}" = syncgate ]; then
    base=$(live_heap_kb)
    allocated0=$(allocated_bytes)
    : > "$work/jstat.samples"   # before the job, which may take a while to open it
    jstat -gc "$syncgate" 100 > "$work/jstat.samples" 2> /dev/null &
    sampler=$!
    until [ "$(wc -l < "$work/jstat.samples")" -ge 2 ]; do
      kill -0 "$sampler" 2> /dev/null || fail "jstat could not read Syncgate's heap"
      sleep 0.05
    done
  fi
  [ -z "$pids" ] || before=$(cpu_ticks $pids)
  others_ticks > "$work/others.before"
  local started out
  started=$(date +%s%N)
  if [ "${t_method[$i]}" = GET ]; then
    out=$(curl -sS -o /dev/null -w '%{http_code} %{size_download}' -H "$(credentials "${t_header[$i]}")" "${t_url[$i]}") ||
      fail "${t_label[$i]} GET: curl failed"
  else
    out=$(curl -sS -o "$work/put.json" -w '%{http_code} %{size_upload}' -T "$work/www/todo/doc/att" \
      -H "$(credentials "${t_header[$i]}")" "${t_url[$i]}") || fail "${t_label[$i]} PUT: curl failed"
  fi
  local took_ns=$(( $(date +%s%N) - started ))
  [ -z "$pids" ] || after=$(cpu_ticks $pids)
  local others
  others=$(others_percent "$(awk -v ns=$took_ns 'BEGIN {print ns / 1e9}')")
  local growth=- collections=- retained=- allocated=-
  if [ -n "$sampler" ]; then
    sleep 0.15   # one more sample
    kill "$sampler"
    wait "$sampler" 2> /dev/null || true
    read -r growth collections < <(heap_used_kb "$work/jstat.samples" |
      awk -v base="$base" '$1 > most {most = $1} NR == 1 {first = $2} {last = $2} END {print most - base, last - first}')
    retained=$(( $(live_heap_kb) - base ))   # the full GC also counts what young GCs have not
    allocated=$(( ($(allocated_bytes) - allocated0) / 1024 ))
  fi
  case ${t_method[$i]} in
    GET) [ "$out" = "200 $attachment_bytes" ] || fail "${t_label[$i]} GET: answered $out, not 200 with $attachment_bytes bytes" ;;
    PUT) [ "$out" = "201 $attachment_bytes" ] || fail "${t_label[$i]} PUT: answered $out after sending: $(head -c 300 "$work/put.json")"
         grep -q "\"received\":$attachment_bytes}" "$work/put.json" ||
           fail "${t_label[$i]} PUT: the upstream did not receive the whole body: $(head -c 300 "$work/put.json")" ;;
  esac
  local mbps cpu=-
  mbps=$(awk -v b="$attachment_bytes" -v ns="$took_ns" 'BEGIN {printf "%.0f", b * 1000 / ns}')
  [ -z "$pids" ] || cpu=$(awk -v t=$((after - before)) -v hz="$clock_ticks" -v b="$attachment_bytes" 'BEGIN {printf "%.2f", t / hz * 1073741824 / b}')
  printf '%-16s %-5s round %s: %6s MB/s, CPU %5s s/GiB; heap +%s KB at most, %s KB allocated, %s young GCs, +%s KB after a full GC; other processes %3s%% of a core\n' \
    "${t_label[$i]}" "${t_method[$i]}" "$2" "$mbps" "$cpu" "$growth" "$allocated" "$collections" "$retained" "$others" >&2
  [ "$2" = 0 ] || echo "$i $2 $mbps $cpu $growth $collections $retained $allocated $others" >> "$work/transfers"
}

echo "$(nproc) cores; nginx $("$NGINX" -v 2>&1 | sed 's|.*/||'), $(java -version 2>&1 | head -1); wrk -t$THREADS -c$CONNECTIONS, $ROUNDS rounds of $DURATION per case; cases: $CASES" >&2
warm=$(seconds "$WARMUP")
if [ "$warm" -gt 0 ]; then
  for i in $(seq 0 $((cases - 1))); do run "$i" 0 "$WARMUP"; done
fi
for round in $(seq 1 "$ROUNDS"); do
  for i in $(seq 0 $((cases - 1))); do run "$i" "$round" "$DURATION"; done
done
# The transfers after every wrk run, so that the peak RSS those report is theirs.
rss_before_transfers=$(peak_rss_kb syncgate)
if [ "$warm" -gt 0 ]; then
  for i in $(seq 0 $((transfers - 1))); do transfer "$i" 0; done
fi
for round in $(seq 1 "$ROUNDS"); do
  for i in $(seq 0 $((transfers - 1))); do transfer "$i" "$round"; done
done

median() { # of column $3 for case $2 in file $1 ("-" when not measured)
  awk -v c="$2" -v k="$3" '$1 == c {print $k}' "$1" | sort -g |
    awk '{v[NR] = $1} END {if (v[1] == "-") print "-"; else if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2}'
}
most() { # the largest of column $3 for case $2 in file $1
  awk -v c="$2" -v k="$3" '$1 == c && $k != "-" {if (!n++ || $k > m) m = $k} END {print n ? m : "-"}' "$1"
}
peak() { # the largest peak RSS seen for case $1, in MB
  awk -v c="$1" '$1 == c && $7 != "-" {if ($7 > m) m = $7} END {if (m) printf "%.0f", m / 1024; else print "-"}' "$work/results"
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.2f", a / b}'; }
ms() { awk -v us="$1" 'BEGIN {printf "%.2f", us / 1000}'; }
declare -A rps cpu
for i in $(seq 0 $((cases - 1))); do rps[$i]=$(median "$work/results" "$i" 3); cpu[$i]=$(median "$work/results" "$i" 6); done

if has get; then
  echo
  echo "$(nproc) cores, wrk -t$THREADS -c$CONNECTIONS, median of $ROUNDS × $DURATION per case; CPU and RSS are the proxy's."
  echo
  echo "| case | req/s | p50 | p99 | CPU µs/req | peak RSS MB | × nginx | × direct |"
  echo "|---|---:|---:|---:|---:|---:|---:|---:|"
  for i in $(seq 0 6); do
    if [ "${size[$i]}" = 1k ]; then base_nginx=1 base_direct=0; else base_nginx=5 base_direct=4; fi
    printf '| %s %s | %s | %s ms | %s ms | %s | %s | %s | %s |\n' "${label[$i]}" "$([ "${size[$i]}" = 1k ] && echo '1 KB' || echo '100 KB')" \
      "$(printf '%.0f' "${rps[$i]}")" "$(ms "$(median "$work/results" "$i" 4)")" "$(ms "$(median "$work/results" "$i" 5)")" \
      "$([ "${cpu[$i]}" = - ] && echo - || printf '%.1f' "${cpu[$i]}")" "$(peak "$i")" \
      "$(ratio "${rps[$i]}" "${rps[$base_nginx]}")" "$(ratio "${rps[$i]}" "${rps[$base_direct]}")"
  done
  echo
  echo "Syncgate CPU per 1 KB request, bearer ÷ cookie: $(ratio "${cpu[3]}" "${cpu[2]}") ($(printf '%.1f' "${cpu[3]}") µs vs $(printf '%.1f' "${cpu[2]}") µs)"
  echo "Syncgate CPU per request ÷ nginx's: $(ratio "${cpu[2]}" "${cpu[1]}") at 1 KB (cookie), $(ratio "${cpu[6]}" "${cpu[5]}") at 100 KB."
fi

if has signin; then
  echo
  echo "Sign-ins (POST {base}/todo/_session with a bearer token; each opens an SG session at the Admin API), wrk -t$THREADS -c$CONNECTIONS, median of $ROUNDS × $DURATION; CPU and RSS are Syncgate's."
  echo
  echo "| sign-in | sign-ins/s | p50 | p99 | CPU µs/sign-in | peak RSS MB |"
  echo "|---|---:|---:|---:|---:|---:|"
  for i in $(seq 0 $((cases - 1))); do
    case ${kind[$i]} in
      signin-new) what="new token each, for a user of its own (signature checked)" ;;
      signin-same) what="one token throughout (verified once, then remembered)" ;;
      *) continue ;;
    esac
    printf '| %s | %s | %s ms | %s ms | %s | %s |\n' "$what" "$(printf '%.0f' "${rps[$i]}")" \
      "$(ms "$(median "$work/results" "$i" 4)")" "$(ms "$(median "$work/results" "$i" 5)")" "$(printf '%.1f' "${cpu[$i]}")" "$(peak "$i")"
  done
  echo
  echo "$signed_in of $minted new tokens used, none twice."
fi

if has attachment; then
  declare -A mbps
  for i in $(seq 0 $((transfers - 1))); do mbps[$i]=$(median "$work/transfers" "$i" 3); done
  echo
  echo "Attachment of $attachment_bytes bytes, one transfer by curl at a time, median of $ROUNDS; MB = 10^6 bytes; CPU is the proxy's."
  echo
  echo "| transfer | MB/s | × direct | × nginx | CPU s/GiB |"
  echo "|---|---:|---:|---:|---:|"
  for i in $(seq 0 $((transfers - 1))); do
    base=$(( i < 3 ? 0 : 3 ))
    cpu_t=$(median "$work/transfers" "$i" 4)
    printf '| %s %s | %.0f | %s | %s | %s |\n' "${t_label[$i]}" "${t_method[$i]}" "${mbps[$i]}" \
      "$(ratio "${mbps[$i]}" "${mbps[$base]}")" "$(ratio "${mbps[$i]}" "${mbps[$((base + 1))]}")" \
      "$([ "$cpu_t" = - ] && echo - || printf '%.2f' "$cpu_t")"
  done
  echo
  echo "Syncgate's heap per transfer, largest of $ROUNDS, against its heap after a full GC just before:"
  echo
  echo "| transfer | heap growth, most in use (jstat, 100 ms) | young GCs | allocated | growth after a full GC |"
  echo "|---|---:|---:|---:|---:|"
  for i in 2 5; do
    printf '| %s %s | %s MB | %s | %s MB | %s MB |\n' "${t_label[$i]}" "${t_method[$i]}" \
      "$(( $(most "$work/transfers" "$i" 5) / 1024 ))" "$(most "$work/transfers" "$i" 6)" \
      "$(( $(most "$work/transfers" "$i" 8) / 1024 ))" "$(( $(most "$work/transfers" "$i" 7) / 1024 ))"
  done
  echo
  echo "Syncgate peak RSS: $(( rss_before_transfers / 1024 )) MB before the first attachment, $(( $(peak_rss_kb syncgate) / 1024 )) MB after the last."
fi

busiest=$({ cat "$work/results" "$work/transfers" 2> /dev/null || true; } | awk '$NF > m {m = $NF} END {print m + 0}')
echo
echo "Processes outside the benchmark used up to $busiest% of a core during a measured run$([ "$busiest" -lt 10 ] || echo ': noisy, compare with care')."

if has feeds; then
  # Alone on the machine: the rest stops first.
  kill "$syncgate" "$proxy" "$upstream" "$sink"
  wait "$syncgate" "$proxy" "$upstream" "$sink" 2> /dev/null || true
  feeds
fi
