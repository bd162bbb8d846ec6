#!/usr/bin/env bash
# Load benchmark: jwtd against the axum + tokio + jsonwebtoken peer (a
# comparison server not shipped here: PEER_SRC names its source, built out
# of tree under target/; PEER=0 runs jwtd alone), side by side in one
# session, on 127.0.0.1 only.
#
# Each round starts fresh databases and runs, with `wrk -t2 -cN -dDURATION
# --latency`, for N in $CONNS, alternating the servers phase by phase:
#
#   protected   GET  /api/protected/        (Bearer access token)
#   verify      POST /api/token/verify/     (the access token)
#   refresh     POST /api/token/refresh/    every request rotates a live token;
#                                           each chain uses the token it got back
#   login1k     POST /api/token/            PBKDF2 at 1,000 iterations
#   login1m     POST /api/token/            PBKDF2 at 1,000,000 (the default)
#   disk        refresh as above, DISK_SECONDS at each of DISK_CONNS, jwtd
#               and the peer only: the database file's growth and the bytes
#               the server had written to storage (/proc/PID/io
#               write_bytes), each per rotation
#
# and jwtd with JWTD_ACCESS_LOG=false on protected and verify, to show what
# the access log (on by default) costs, and with JWTD_LOGIN_QUEUE=64 on the
# logins (by default 1 login per core may wait for a hash; beyond that jwtd
# answers 429 at once, and wrk, unlike a real client, retries at once). For each run: requests/s, p50 and
# p99 latency, server CPU microseconds per request (utime+stime from
# /proc/PID/stat around the run, over the requests wrk completed), the
# statuses, and VmRSS/VmHWM. Then: time from spawn to first answered request,
# idle RSS, binary sizes, and a long refresh run sampling RSS. With INPROC=1
# the in-process benches (benches/jwt.rs, benches/costs.rs) run first.
#
# With --postgres, instead: jwtd built with `--features postgres` on a
# throwaway PostgreSQL cluster (fsync on), one and two replicas, next to
# jwtd on redb measured in the same run; see scripts/bench/pg-mode.sh.
#
# Usage: scripts/bench.sh [--postgres]
# Environment (defaults; --postgres changes some, see scripts/bench/pg-mode.sh):
#   DURATION=10        seconds per wrk run
#   ROUNDS=1           rounds; the summary gives medians over rounds (~6 min each)
#   CONNS="16 64"      connection counts
#   THREADS=2          wrk threads
#   LONG_SECONDS=60    long refresh run at 64 connections (0 skips it)
#   SAMPLE_EVERY=5     RSS sampling period in the long run, seconds
#   FIRST_TRIES=5      start-up measurements per server
#   PEER=1             0 skips the axum peer
#   NOLOG=1            0 skips the JWTD_ACCESS_LOG=false runs
#   Q64=1              0 skips the logins with JWTD_LOGIN_QUEUE=64
#   INPROC=1           0 skips `cargo bench` (jwt, costs)
#   SYSCALLS=0         1 adds strace -c -f runs (syscalls per request; slow)
#   OUT=target/bench   raw outputs, raw.tsv, summary.txt, results.md
#   PORT_BASE=18600    ports PORT_BASE..PORT_BASE+9
#   PHASES="protected verify refresh disk login1k login1m"
#   DISK_CONNS="16 1"  connection counts of the disk phase
#   DISK_SECONDS=8     seconds per disk run
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

MODE=redb
for arg in "$@"; do
  case $arg in
    --postgres) MODE=postgres ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "scripts/bench.sh: unknown argument $arg (try --help)" >&2; exit 2 ;;
  esac
done
if [ "$MODE" = postgres ]; then
  # A bounded run (under 3 minutes): one connection count, shorter wrk
  # runs, no peer and no in-process benches unless asked for.
  DURATION=${DURATION:-7}; CONNS=${CONNS:-16}; PEER=${PEER:-0}; INPROC=${INPROC:-0}
  OUT=${OUT:-target/bench-postgres}; PORT_BASE=${PORT_BASE:-18620}
  PHASES=${PHASES:-"protected verify refresh login1k"}
fi

DURATION=${DURATION:-10}
ROUNDS=${ROUNDS:-1}
CONNS=${CONNS:-"16 64"}
THREADS=${THREADS:-2}
LONG_SECONDS=${LONG_SECONDS:-60}
SAMPLE_EVERY=${SAMPLE_EVERY:-5}
FIRST_TRIES=${FIRST_TRIES:-5}
PEER=${PEER:-1}
NOLOG=${NOLOG:-1}
Q64=${Q64:-1}
INPROC=${INPROC:-1}
SYSCALLS=${SYSCALLS:-0}
OUT=${OUT:-target/bench}
PORT_BASE=${PORT_BASE:-18600}
PHASES=${PHASES:-"protected verify refresh disk login1k login1m"}
DISK_CONNS=${DISK_CONNS:-"16 1"}
DISK_SECONDS=${DISK_SECONDS:-8}

PASSWORD=alice-password-1
KEY=bench-signing-key-0123456789abcdef0123456789abcdef
CLK_TCK=$(getconf CLK_TCK)
PEER_SRC=${PEER_SRC:-/work/shared/peers/axum-jsonwebtoken}

say() { printf '%s\n' "$*" >&2; }

# --- tools ----------------------------------------------------------------
need_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }
if ! command -v wrk >/dev/null; then
  say "installing wrk from the distribution's packages"
  need_root apt-get install -y wrk >/dev/null || { need_root apt-get update >/dev/null && need_root apt-get install -y wrk >/dev/null; }
fi
for tool in curl python3; do
  command -v $tool >/dev/null || { say "$tool is required"; exit 1; }
done

# --- build ------------------------------------------------------------------
START_TIME=$(date +%s)
rm -rf "$OUT"
mkdir -p "$OUT/wrk"
OUT=$(cd "$OUT" && pwd)
WORK=$(mktemp -d "$ROOT/target/bench-work.XXXXXX")
declare -A PIDS=() PORTS=() ACCESS=() KIND=()
cleanup() {
  local status=$?
  for name in "${!PIDS[@]}"; do kill "${PIDS[$name]}" 2>/dev/null || true; done
  wait 2>/dev/null || true
  # --postgres: the cluster goes after its servers.
  if declare -F pg_cleanup >/dev/null; then pg_cleanup; fi
  if [ "$status" -ne 0 ]; then
    # Keep the servers' logs of a failed run.
    mkdir -p "$OUT/logs"
    for log in "$WORK"/*/server.log; do [ -f "$log" ] && cp "$log" "$OUT/logs/$(basename "$(dirname "$log")").log"; done
    say "failed; server logs in $OUT/logs"
  fi
  rm -rf "$WORK"
}
trap cleanup EXIT

say "building jwtd (release)"
cargo build --release --quiet
# A private copy: others may rebuild target/release/jwtd during the run.
mkdir -p "$WORK/bin"; cp target/release/jwtd "$WORK/bin/jwtd"
JWTD=$WORK/bin/jwtd
if [ "$MODE" = postgres ]; then
  say "building jwtd (release, --features postgres)"
  cargo build --release --quiet --features postgres
  cp target/release/jwtd "$WORK/bin/jwtd-pg"
  JWTD_PG=$WORK/bin/jwtd-pg
fi
if [ "$PEER" = 1 ]; then
  say "building the axum peer out of tree (target/peer-src, target/peer-target)"
  rm -rf target/peer-src
  cp -r "$PEER_SRC" target/peer-src
  (cd target/peer-src && cargo build --release --quiet --target-dir ../peer-target)
  cp target/peer-target/release/rust-peer "$WORK/bin/rust-peer"
  strip -o "$WORK/bin/rust-peer.stripped" "$WORK/bin/rust-peer"
fi
PEER_BIN=$WORK/bin/rust-peer

# --- the machine ------------------------------------------------------------
{
  echo "date=$(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "jwtd_commit=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)$( [ -z "$(git status --porcelain -- src Cargo.toml Cargo.lock 2>/dev/null)" ] || echo +uncommitted)"
  echo "cpu=$(lscpu | sed -n 's/^Model name: *//p' | head -1)"
  echo "cores=$(nproc)"
  echo "mem=$(free -m | awk '/^Mem:/ {print $2 " MiB"}')"
  echo "kernel=$(uname -sr)"
  echo "virt=$(lscpu | sed -n 's/^Hypervisor vendor: *//p' | head -1)"
  dev=$(df --output=source "$ROOT/target" | tail -1)
  echo "disk=$dev $(df --output=fstype "$ROOT/target" | tail -1) $(lsblk -ndo SIZE,ROTA,MODEL "$dev" 2>/dev/null | awk '{printf "%s rotational=%s %s", $1, $2, $3}')"
  echo "rustc=$(rustc --version)"
  echo "wrk=$(wrk -v 2>&1 | head -1 | awk '{print $2}')"
  echo "loadavg_before=$(cut -d' ' -f1-3 /proc/loadavg)"
  echo "duration=$DURATION"; echo "rounds=$ROUNDS"; echo "conns=$CONNS"; echo "threads=$THREADS"
  echo "long_seconds=$LONG_SECONDS"; echo "disk_seconds=$DISK_SECONDS"; echo "clk_tck=$CLK_TCK"
  echo "jwtd_bytes=$(stat -c %s "$JWTD")"
  [ "$MODE" = postgres ] && echo "jwtd_pg_bytes=$(stat -c %s "$JWTD_PG")"
  [ "$PEER" = 1 ] && echo "peer_bytes=$(stat -c %s "$PEER_BIN")" && echo "peer_stripped_bytes=$(stat -c %s "$WORK/bin/rust-peer.stripped")"
} > "$OUT/info.txt"

# --- in-process benches -----------------------------------------------------
if [ "$INPROC" = 1 ]; then
  say "cargo bench --bench jwt; cargo bench --bench costs"
  cargo bench --quiet --bench jwt 2>/dev/null | tee "$OUT/bench-jwt.txt" >&2
  BENCH_DIR="$WORK" cargo bench --quiet --bench costs 2>/dev/null | tee "$OUT/bench-costs.txt" >&2
fi

# --- servers ------------------------------------------------------------------
cpu_ticks() {
  local stat
  stat=$(cat "/proc/$1/stat" 2>/dev/null) || { say "server $1 is gone (crashed, or killed from outside)"; exit 1; }
  sed 's/.*) //' <<< "$stat" | awk '{print $12 + $13}'
}
vm() { awk -v k="$2:" '$1 == k {print $2}' "/proc/$1/status"; }

wait_ready() {  # port log pid
  for _ in $(seq 400); do
    kill -0 "$3" 2>/dev/null || { say "server on port $1 died:"; tail -5 "$2" >&2; exit 1; }
    curl -s -o /dev/null "http://127.0.0.1:$1/api/protected/" && return 0
    sleep 0.025
  done
  say "server on port $1 did not answer"; exit 1
}

# Waits (up to 30 s) until server PID has used no CPU for half a second:
# logins still queued from the previous run (their clients gone) are hashed
# to the end, and would otherwise be charged to the next run.
wait_idle() {
  local last now
  last=$(cpu_ticks "$1")
  for _ in $(seq 60); do
    sleep 0.5
    now=$(cpu_ticks "$1")
    [ $((now - last)) -le 1 ] && return 0
    last=$now
  done
  say "  (server $1 still busy after 30 s)"
}

# start NAME KIND ITERATIONS PORT [VAR=VALUE...]: a fresh database with alice,
# the server on it, an access token in ACCESS[NAME], idle RSS recorded.
start() {
  local name=$1 kind=$2 iter=$3 port=$4; shift 4
  local dir=$WORK/$name
  rm -rf "$dir"; mkdir -p "$dir"
  if [ "$kind" = jwtd ]; then
    printf '%s\n' "$PASSWORD" | JWTD_PASSWORD_ITERATIONS=$iter "$JWTD" user add alice --password-stdin --db "$dir/db.redb" >/dev/null
    env JWTD_SIGNING_KEY=$KEY JWTD_PASSWORD_ITERATIONS=$iter \
      JWTD_LOGIN_FAILURES_PER_ADDRESS=1000000 JWTD_LOGIN_FAILURES_PER_USER=1000000 "$@" \
      "$JWTD" serve --addr "127.0.0.1:$port" --db "$dir/db.redb" 2>"$dir/server.log" &
  else
    env PEER_SIGNING_KEY=$KEY PEER_PBKDF2_ITERATIONS=$iter "$@" \
      "$PEER_BIN" --addr "127.0.0.1:$port" --db "$dir/db.redb" 2>"$dir/server.log" &
  fi
  PIDS[$name]=$!
  PORTS[$name]=$port
  KIND[$name]=$kind
  wait_ready "$port" "$dir/server.log" "${PIDS[$name]}"
  sleep 1
  echo -e "$ROUND\t$name\tidle_after_start\t$(vm "${PIDS[$name]}" VmRSS)\t$(vm "${PIDS[$name]}" VmHWM)" >> "$OUT/rss.tsv"
  ACCESS[$name]=$(login "$port" | field access)
  [ -n "${ACCESS[$name]}" ] || { say "login to $name failed"; exit 1; }
}

stop() {
  local name=$1
  kill "${PIDS[$name]}" 2>/dev/null || true
  wait "${PIDS[$name]}" 2>/dev/null || true
  unset "PIDS[$name]"
}

login() {
  curl -s -w '\n' -X POST "http://127.0.0.1:$1/api/token/" -H 'Content-Type: application/json' \
    -d "{\"username\":\"alice\",\"password\":\"$PASSWORD\"}"
}
field() { sed -n "s/.*\"$1\":\"\([^\"]*\)\".*/\1/p"; }

# One refresh token per connection, each from its own login.
prefetch() {  # name count file
  : > "$3"
  for _ in $(seq "$2"); do login "${PORTS[$1]}" | field refresh >> "$3"; done
  [ "$(grep -c . "$3")" -eq "$2" ] || { say "prefetching refresh tokens from $1 failed: $(login "${PORTS[$1]}")"; exit 1; }
}

to_ms() { awk -v v="$1" 'BEGIN {
  if (v ~ /us$/) printf "%.3f", v / 1000; else if (v ~ /ms$/) printf "%.3f", v + 0;
  else if (v ~ /m$/) printf "%.3f", v * 60000; else if (v ~ /s$/) printf "%.3f", v * 1000; else print "nan" }'; }

echo -e "round\tserver\tphase\tconns\tseconds\trequests\trps\tp50_ms\tp99_ms\tcpu_us\tnon2xx\terrors\tok\tstatuses\trss_kb\thwm_kb" > "$OUT/raw.tsv"
echo -e "round\tserver\twhen\trss_kb\thwm_kb" > "$OUT/rss.tsv"
echo -e "round\tserver\tconns\trotations\tsize_before\tsize_after\talloc_before\talloc_after\twritten" > "$OUT/disk.tsv"

# disk_state NAME: the size of NAME's database file, the bytes allocated to
# it (a file redb extends is sparse until written), and the bytes the
# server has had written to storage so far (its log included, a few dozen
# bytes a request).
disk_state() {
  local file=$WORK/$1/db.redb
  printf '%s %s %s\n' "$(stat -c %s "$file")" "$(( $(stat -c '%b * %B' "$file") ))" \
    "$(awk '$1 == "write_bytes:" {print $2}' "/proc/${PIDS[$1]}/io")"
}

# run NAME PHASE CONNS: one wrk run against server NAME.
run() {
  local name=$1 phase=$2 c=$3
  local pid=${PIDS[$name]} url="http://127.0.0.1:${PORTS[$name]}"
  local out="$OUT/wrk/r$ROUND-$name-$phase-c$c.txt"
  # wrk needs a connection per thread.
  local threads=$(( c < THREADS ? c : THREADS )) duration=$DURATION
  [ "$phase" = disk ] && duration=$DISK_SECONDS
  local args=(-t"$threads" -c"$c" -d"${duration}s" --timeout 30s --latency)
  case $phase in
    protected) args+=(-H "Authorization: Bearer ${ACCESS[$name]}" "$url/api/protected/") ;;
    verify) export BENCH_BODY="{\"token\":\"${ACCESS[$name]}\"}"; args+=(-s scripts/bench/post.lua "$url/api/token/verify/") ;;
    login*) export BENCH_BODY="{\"username\":\"alice\",\"password\":\"$PASSWORD\"}" BENCH_COUNT=1
            args+=(-s scripts/bench/post.lua "$url/api/token/") ;;
    refresh|disk) prefetch "$name" "$c" "$WORK/tokens"
             export REFRESH_TOKENS=$WORK/tokens BENCH_THREADS=$threads
             args+=(-s scripts/bench/refresh.lua "$url/api/token/refresh/") ;;
  esac
  wait_idle "$pid"
  local disk_before=""; [ "$phase" = disk ] && disk_before=$(disk_state "$name")
  local before; before=$(cpu_ticks "$pid")
  wrk "${args[@]}" > "$out" 2>&1 || true
  unset BENCH_COUNT
  kill -0 "$pid" 2>/dev/null || { say "$name ($pid) died during $phase, c$c"; tail -5 "$WORK/$name/server.log" >&2; exit 1; }
  local after; after=$(cpu_ticks "$pid")
  local disk_after=""; [ "$phase" = disk ] && disk_after=$(disk_state "$name")
  local requests seconds rps p50 p99 non2xx errors ok statuses cpu
  requests=$(awk '/ requests in / {print $1}' "$out")
  seconds=$(awk '/ requests in / {v = $4; sub(/,$/, "", v);
    if (v ~ /ms$/) v = v / 1000; else if (v ~ /m$/) v = v * 60; else if (v ~ /h$/) v = v * 3600; else v = v + 0; print v}' "$out")
  rps=$(awk '/^Requests\/sec:/ {print $2}' "$out")
  p50=$(to_ms "$(awk '$1 == "50%" {print $2}' "$out")")
  p99=$(to_ms "$(awk '$1 == "99%" {print $2}' "$out")")
  non2xx=$(awk '/Non-2xx or 3xx responses:/ {print $NF}' "$out"); non2xx=${non2xx:-0}
  errors=$(awk '/Socket errors:/ {gsub(/,/, ""); print $4 + $6 + $8 + $10}' "$out"); errors=${errors:-0}
  statuses=$(sed -n 's/^STATUS //p' "$out" | tr ' ' ','); statuses=${statuses:--}
  if grep -q '^REFRESH ' "$out"; then
    ok=$(sed -n 's/^REFRESH ok=\([0-9]*\).*/\1/p' "$out")
  elif [ "$statuses" != - ]; then
    ok=$(tr ',' '\n' <<< "$statuses" | awk -F= '$1 == 200 {print $2}'); ok=${ok:-0}
  else
    ok=$((requests - non2xx))
  fi
  cpu=$(awk -v t=$((after - before)) -v r="$requests" -v hz="$CLK_TCK" 'BEGIN { if (r > 0) printf "%.1f", t * 1e6 / hz / r; else print "nan" }')
  echo -e "$ROUND\t$name\t$phase\t$c\t$seconds\t$requests\t$rps\t$p50\t$p99\t$cpu\t$non2xx\t$errors\t$ok\t$statuses\t$(vm "$pid" VmRSS)\t$(vm "$pid" VmHWM)" >> "$OUT/raw.tsv"
  if [ -n "$disk_before" ]; then
    read -r size0 alloc0 written0 <<< "$disk_before"
    read -r size1 alloc1 written1 <<< "$disk_after"
    echo -e "$ROUND\t$name\t$c\t$ok\t$size0\t$size1\t$alloc0\t$alloc1\t$((written1 - written0))" >> "$OUT/disk.tsv"
    say "$(awk -v n="$ok" -v s=$((size1 - size0)) -v a=$((alloc1 - alloc0)) -v w=$((written1 - written0)) 'BEGIN { if (n > 0)
      printf "    per rotation: file %+.0f B, allocated %+.0f B, written %.0f B", s / n, a / n, w / n }')"
  fi
  printf '  r%s %-11s %-9s c%-3s %10s req/s  p50 %8s ms  p99 %8s ms  %9s us CPU/req  200s %s  other %s  errors %s\n' \
    "$ROUND" "$name" "$phase" "$c" "$rps" "$p50" "$p99" "$cpu" "$ok" "$((requests - ok))" "$errors" >&2
}

# --- --postgres: its own cells, then done ------------------------------------
if [ "$MODE" = postgres ]; then
  source scripts/bench/pg-mode.sh
  exit 0
fi

# --- rounds -------------------------------------------------------------------
for ROUND in $(seq "$ROUNDS"); do
  say "round $ROUND/$ROUNDS ($(cut -d' ' -f1-3 /proc/loadavg) load)"
  fast=(jwtd)
  start jwtd jwtd 1000 $((PORT_BASE + 0))
  if [ "$PEER" = 1 ]; then start peer peer 1000 $((PORT_BASE + 1)); fast+=(peer); fi
  if [ "$NOLOG" = 1 ]; then start jwtd-nolog jwtd 1000 $((PORT_BASE + 2)) JWTD_ACCESS_LOG=false; fast+=(jwtd-nolog); fi
  if [ "$Q64" = 1 ]; then start jwtd-q64 jwtd 1000 $((PORT_BASE + 9)) JWTD_LOGIN_QUEUE=64; fast+=(jwtd-q64); fi
  # Alternate which server goes first from one round to the next.
  order() { local -a list=("$@"); if (( ROUND % 2 == 0 )); then for ((i=${#list[@]}-1; i>=0; i--)); do echo "${list[$i]}"; done; else printf '%s\n' "${list[@]}"; fi; }
  for phase in $PHASES; do
    [ "$phase" = login1m ] && continue
    phase_conns=$CONNS; [ "$phase" = disk ] && phase_conns=$DISK_CONNS
    for c in $phase_conns; do
      for name in $(order "${fast[@]}"); do
        [ "$name" = jwtd-nolog ] && [ "$phase" != protected ] && [ "$phase" != verify ] && continue
        [ "$name" = jwtd-q64 ] && [ "$phase" != login1k ] && continue
        run "$name" "$phase" "$c"
      done
    done
  done
  slow=()
  if [[ " $PHASES " != *" login1m "* ]]; then
    for name in "${fast[@]}"; do stop "$name"; done
    continue
  fi
  slow=(jwtd-1m)
  start jwtd-1m jwtd 1000000 $((PORT_BASE + 3))
  if [ "$PEER" = 1 ]; then start peer-1m peer 1000000 $((PORT_BASE + 4)); slow+=(peer-1m); fi
  if [ "$Q64" = 1 ]; then start jwtd-1m-q64 jwtd 1000000 $((PORT_BASE + 5)) JWTD_LOGIN_QUEUE=64; slow+=(jwtd-1m-q64); fi
  for c in $CONNS; do
    for name in $(order "${slow[@]}"); do run "$name" login1m "$c"; done
  done
  sleep 2
  for name in "${fast[@]}" "${slow[@]}"; do
    echo -e "$ROUND\t$name\tidle_after_load\t$(vm "${PIDS[$name]}" VmRSS)\t$(vm "${PIDS[$name]}" VmHWM)" >> "$OUT/rss.tsv"
    stop "$name"
  done
done

# --- start-up: spawn to first answered request ---------------------------------
say "start-up: spawn to first answer, $FIRST_TRIES tries each"
echo -e "server\tms\trss_kb" > "$OUT/first.tsv"
ROUND=start
# Databases made once (alice added), copied fresh for every try.
mkdir -p "$WORK/template"
printf '%s\n' "$PASSWORD" | JWTD_PASSWORD_ITERATIONS=10000 "$JWTD" user add alice --password-stdin --db "$WORK/template/jwtd.redb" >/dev/null
if [ "$PEER" = 1 ]; then
  start peer-template peer 10000 $((PORT_BASE + 4)); stop peer-template
  cp "$WORK/peer-template/db.redb" "$WORK/template/peer.redb"
fi
for i in $(seq "$FIRST_TRIES"); do
  cp "$WORK/template/jwtd.redb" "$WORK/first-jwtd.redb"
  r=$(JWTD_SIGNING_KEY=$KEY JWTD_PASSWORD_ITERATIONS=10000 python3 scripts/bench/first_request.py $((PORT_BASE + 6)) "$WORK/first.log" -- \
    "$JWTD" serve --addr 127.0.0.1:$((PORT_BASE + 6)) --db "$WORK/first-jwtd.redb")
  echo -e "jwtd\t${r% *}\t${r#* }" >> "$OUT/first.tsv"
  if [ "$PEER" = 1 ]; then
    cp "$WORK/template/peer.redb" "$WORK/first-peer.redb"
    r=$(PEER_SIGNING_KEY=$KEY PEER_PBKDF2_ITERATIONS=10000 python3 scripts/bench/first_request.py $((PORT_BASE + 7)) "$WORK/first.log" -- \
      "$PEER_BIN" --addr 127.0.0.1:$((PORT_BASE + 7)) --db "$WORK/first-peer.redb")
    echo -e "peer\t${r% *}\t${r#* }" >> "$OUT/first.tsv"
  fi
done

# --- the long refresh run --------------------------------------------------------
if [ "$LONG_SECONDS" -gt 0 ]; then
  say "long refresh run: ${LONG_SECONDS}s at 64 connections, RSS every ${SAMPLE_EVERY}s"
  ROUND=long
  start jwtd-long jwtd 10000 $((PORT_BASE + 8))
  prefetch jwtd-long 64 "$WORK/tokens"
  pid=${PIDS[jwtd-long]}
  echo -e "seconds\trss_kb\thwm_kb\tdb_bytes" > "$OUT/long.tsv"
  (
    t0=$(date +%s.%N)
    while kill -0 "$pid" 2>/dev/null; do
      echo -e "$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN {printf "%.0f", b - a}')\t$(vm "$pid" VmRSS)\t$(vm "$pid" VmHWM)\t$(stat -c %s "$WORK/jwtd-long/db.redb")" >> "$OUT/long.tsv"
      sleep "$SAMPLE_EVERY"
    done
  ) &
  sampler=$!
  before=$(cpu_ticks "$pid")
  REFRESH_TOKENS=$WORK/tokens BENCH_THREADS=$THREADS wrk -t"$THREADS" -c64 -d"${LONG_SECONDS}s" --timeout 30s --latency \
    -s scripts/bench/refresh.lua "http://127.0.0.1:${PORTS[jwtd-long]}/api/token/refresh/" > "$OUT/wrk/long-refresh.txt" 2>&1 || true
  after=$(cpu_ticks "$pid")
  sleep "$SAMPLE_EVERY"
  kill "$sampler" 2>/dev/null || true; wait "$sampler" 2>/dev/null || true
  echo "long_cpu_ticks=$((after - before))" >> "$OUT/info.txt"
  echo "long_db_bytes=$(stat -c %s "$WORK/jwtd-long/db.redb")" >> "$OUT/info.txt"
  stop jwtd-long
fi

# --- syscalls per request (optional) -----------------------------------------------
if [ "$SYSCALLS" = 1 ] && command -v strace >/dev/null; then
  say "syscalls per request: strace -c -f, 5 s of protected at 16 connections"
  ROUND=strace
  names=(jwtd); start jwtd jwtd 10000 $((PORT_BASE + 0))
  if [ "$PEER" = 1 ]; then names+=(peer); start peer peer 10000 $((PORT_BASE + 1)); fi
  for name in "${names[@]}"; do
    for phase in protected refresh; do
      if [ "$phase" = refresh ]; then prefetch "$name" 16 "$WORK/tokens"; fi
      strace -c -f -q -o "$OUT/strace-$name-$phase.txt" -p "${PIDS[$name]}" &
      st=$!
      sleep 1
      if [ "$phase" = protected ]; then
        wrk -t"$THREADS" -c16 -d5s -H "Authorization: Bearer ${ACCESS[$name]}" "http://127.0.0.1:${PORTS[$name]}/api/protected/" > "$OUT/wrk/strace-$name-$phase.txt" 2>&1 || true
      else
        REFRESH_TOKENS=$WORK/tokens BENCH_THREADS=$THREADS wrk -t"$THREADS" -c16 -d5s -s scripts/bench/refresh.lua \
          "http://127.0.0.1:${PORTS[$name]}/api/token/refresh/" > "$OUT/wrk/strace-$name-$phase.txt" 2>&1 || true
      fi
      kill -INT "$st" 2>/dev/null || true; wait "$st" 2>/dev/null || true
      echo "strace_${name}_${phase}_requests=$(awk '/ requests in / {print $1}' "$OUT/wrk/strace-$name-$phase.txt")" >> "$OUT/info.txt"
    done
    stop "$name"
  done
fi

echo "loadavg_after=$(cut -d' ' -f1-3 /proc/loadavg)" >> "$OUT/info.txt"
echo "script_seconds=$(( $(date +%s) - START_TIME ))" >> "$OUT/info.txt"
python3 scripts/bench/summarize.py "$OUT" | tee "$OUT/summary.txt"
say "raw data in $OUT (raw.tsv, rss.tsv, first.tsv, long.tsv, wrk/); markdown in $OUT/results.md"
