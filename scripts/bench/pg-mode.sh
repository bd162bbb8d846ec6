# Sourced by `scripts/bench.sh --postgres` (after its build and its shared
# functions: start, stop, login, field, prefetch, wait_idle, cpu_ticks...).
#
# jwtd built with `--features postgres` on a throwaway PostgreSQL cluster
# that this script starts (fsync on: a 200 for a rotation means the rotation
# is on disk) and stops on exit, next to jwtd on redb (the default build, as
# the default mode measures it) in the same run. The cells, one after the
# other (2 cores: never two cells at once), each for
#
#   redb        one jwtd on redb, wrk -t2 -cN
#   PG x1       one jwtd replica on PostgreSQL, wrk -t2 -cN
#   PG x2       two jwtd replicas on the same database, two wrk processes at
#               once (-t1 -cN/2 each, one per replica); the figures are summed
#   redb x2     a control for PG x2: two jwtd on redb, each on its own
#               database (they share nothing), loaded the same way: what two
#               processes and two wrk processes do on this machine by
#               themselves (REDB2=0 skips it)
#
# and N in $CONNS (16 by default):
#
#   protected   GET  /api/protected/     (Bearer access token)
#   verify      POST /api/token/verify/  (the access token)
#   refresh     POST /api/token/refresh/ every request rotates a live refresh
#               token (scripts/bench/refresh.lua: each chain goes on with the
#               token the answer carries; each wrk process gets its own
#               tokens, one login per connection)
#   login1k     POST /api/token/         PBKDF2 at 1,000 iterations
#
# Every server runs at 1,000 iterations (alice is added at 1,000). For the
# refresh cells on PostgreSQL the script counts, with psql, the rows the run
# added to token_blacklist_blacklistedtoken and
# token_blacklist_outstandingtoken: every 200 must be a committed rotation,
# so the blacklisted rows must be at least the 200s, and at most the 200s
# plus the requests in flight when wrk stopped (at most N; wrk drops their
# answers).
#
# The cluster: `scripts/postgres.sh start DIR` when that script exists
# (PG_FSYNC=on), else started here the same way (Debian's binaries in
# /usr/lib/postgresql/*/bin, as the postgres account when root, initdb
# --auth=trust, 127.0.0.1 on a free port). Either way fsync and
# synchronous_commit are checked to be on, or the run stops.
#
# Linux's autogroup scheduling is turned off for the run (as root; restored
# at exit; AUTOGROUP=keep leaves it): see the comment where it is done.
#
# Environment (defaults in this mode): DURATION=7, WARMUP=2 (seconds of
# unmeasured load on each server first; 0 skips it), REDB2=1, CONNS=16,
# PORT_BASE=18620
# (ports PORT_BASE..+3), OUT=target/bench-postgres,
# PHASES="protected verify refresh login1k"; JWTD_POSTGRES_CONNECTIONS and
# any other JWTD_* reach every jwtd. Writes $OUT/pg.tsv (one row per cell),
# $OUT/results-postgres.md and $OUT/summary.txt.

WARMUP=${WARMUP:-2}
REDB2=${REDB2:-1}
PG_DIR=$(mktemp -d /tmp/jwtd-bench-pg.XXXXXX)
PG_VIA=""     # scripts/postgres.sh, or "own" when started here
PG_BIN=""
PG_URL=""

pg_as() {  # runs a PostgreSQL program as the account the server runs as
  if [ "$(id -u)" -eq 0 ]; then (cd "$PG_DIR" && runuser -u postgres -- "$@") </dev/null
  else (cd "$PG_DIR" && "$@") </dev/null; fi
}

AUTOGROUP_KNOB=/proc/sys/kernel/sched_autogroup_enabled
AUTOGROUP_RESTORE=""

pg_cleanup() {
  if [ -n "$AUTOGROUP_RESTORE" ]; then
    echo "$AUTOGROUP_RESTORE" > "$AUTOGROUP_KNOB" 2>/dev/null || say "could not restore $AUTOGROUP_KNOB to $AUTOGROUP_RESTORE"
    AUTOGROUP_RESTORE=""
  fi
  [ -n "$PG_DIR" ] && [ -d "$PG_DIR" ] || return 0
  if [ "$PG_VIA" = scripts/postgres.sh ]; then
    scripts/postgres.sh stop "$PG_DIR" 2>/dev/null || say "scripts/postgres.sh stop $PG_DIR failed"
  else
    if [ -f "$PG_DIR/data/postmaster.pid" ] && [ -n "$PG_BIN" ]; then
      pg_as "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m fast -w -t 30 stop >/dev/null 2>&1 \
        || pg_as "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m immediate -w -t 30 stop >/dev/null 2>&1 || true
    fi
    rm -rf "$PG_DIR"
  fi
  PG_DIR=""
}

pg_start_own() {
  local d
  for d in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V); do
    [ -x "$d/initdb" ] && [ -x "$d/pg_ctl" ] && PG_BIN=$d
  done
  [ -n "$PG_BIN" ] || { say "no PostgreSQL server in /usr/lib/postgresql/*/bin (apt-get install postgresql)"; exit 1; }
  if [ "$(id -u)" -eq 0 ]; then
    getent passwd postgres >/dev/null || { say "no postgres account to run the server as"; exit 1; }
    chown postgres: "$PG_DIR"; chmod 700 "$PG_DIR"
  fi
  pg_as "$PG_BIN/initdb" -D "$PG_DIR/data" -U postgres --auth=trust -E UTF8 --locale=C >"$PG_DIR/initdb.log" 2>&1 \
    || { cat "$PG_DIR/initdb.log" >&2; say "initdb failed"; exit 1; }
  local port
  port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  pg_as "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/log" -w -t 60 \
    -o "-p $port -k $PG_DIR -c listen_addresses=127.0.0.1 -c max_connections=300 -c fsync=on" start >/dev/null \
    || { tail -20 "$PG_DIR/log" >&2; say "pg_ctl start failed"; exit 1; }
  PG_URL="postgres://postgres@127.0.0.1:$port/postgres"
}

psql_at() { psql "$1" -X -q -At -v ON_ERROR_STOP=1 -c "$2"; }

say "PostgreSQL: a throwaway cluster in $PG_DIR"
if [ -x scripts/postgres.sh ]; then
  PG_VIA=scripts/postgres.sh
  PG_URL=$(PG_FSYNC=on scripts/postgres.sh start "$PG_DIR")
else
  PG_VIA=own
  pg_start_own
fi
# The kernel's autogroup scheduling gives each session a task group of its
# own, and pg_ctl starts the cluster in a session of its own: with both
# cores saturated by two replicas and two wrk processes, the backends of that
# lightly loaded group waited 0.4 to 2.5 s each on the run queue in 8 s
# (/proc/PID/schedstat), and every request behind them waited too (the
# two-replica tails, docs/performance.md). The run turns autogroup off, and
# back on at exit, unless AUTOGROUP=keep.
if [ "${AUTOGROUP:-off}" != keep ] && [ "$(cat "$AUTOGROUP_KNOB" 2>/dev/null)" = 1 ]; then
  if echo 0 > "$AUTOGROUP_KNOB" 2>/dev/null; then
    AUTOGROUP_RESTORE=1
  else
    say "cannot turn $AUTOGROUP_KNOB off (not root?): expect PostgreSQL to wait on the run queue under two replicas"
  fi
fi
echo "sched_autogroup_enabled=$(cat "$AUTOGROUP_KNOB" 2>/dev/null || echo n/a)" >> "$OUT/info.txt"
command -v psql >/dev/null || { say "psql is required (apt-get install postgresql-client)"; exit 1; }
for setting in fsync synchronous_commit full_page_writes; do
  value=$(psql_at "$PG_URL" "SHOW $setting")
  echo "pg_$setting=$value" >> "$OUT/info.txt"
  [ "$value" = on ] || { say "PostgreSQL has $setting=$value: durable figures need it on"; exit 1; }
done
{
  echo "pg_cluster=$PG_VIA"
  echo "pg_version=$(psql_at "$PG_URL" "SHOW server_version")"
  for setting in wal_sync_method shared_buffers max_connections; do
    echo "pg_$setting=$(psql_at "$PG_URL" "SHOW $setting")"
  done
  echo "phases=$PHASES"
  echo "warmup=$WARMUP"
} >> "$OUT/info.txt"
psql_at "$PG_URL" "CREATE DATABASE jwtd_bench"
DB_URL=${PG_URL%/*}/jwtd_bench
POSTMASTER=$(head -1 "$PG_DIR/data/postmaster.pid")

# utime+stime of the whole cluster: the postmaster (with its exited
# children's), and every process it started.
pg_ticks() {
  python3 - "$POSTMASTER" <<'PY'
import glob, sys
pm, total = sys.argv[1], 0
for path in glob.glob("/proc/[0-9]*/stat"):
    try:
        with open(path) as f:
            fields = f.read().rsplit(") ", 1)[1].split()
    except (OSError, IndexError):
        continue
    pid = path.split("/")[2]
    if fields[1] == pm:
        total += int(fields[11]) + int(fields[12])
    elif pid == pm:
        total += sum(int(v) for v in fields[11:15])
print(total)
PY
}

# Busy ticks of the whole machine (user, nice, system, steal: not irq and
# softirq, where the kernel's loopback traffic of the cell itself goes), and the CPU seconds of this shell's waited-for children (the wrk
# processes of a cell, and the few small commands around them): with the
# servers' and the cluster's own, what is left is other work on the
# machine during the cell, its noise.
machine_ticks() { awk '$1 == "cpu" {print $2 + $3 + $4 + $9; exit}' /proc/stat; }
# (`times` in this shell, not in a command substitution's fork.)
children_seconds() { times > "$WORK/times"; awk 'NR == 2 { t = 0; for (i = 1; i <= 2; i++) { split($i, a, /[ms]/); t += a[1] * 60 + a[2] } print t }' "$WORK/times"; }

# start_pg NAME PORT: a jwtd replica on the bench database.
start_pg() {
  local name=$1 port=$2 dir=$WORK/$1
  rm -rf "$dir"; mkdir -p "$dir"
  env JWTD_SIGNING_KEY=$KEY JWTD_PASSWORD_ITERATIONS=1000 \
    JWTD_LOGIN_FAILURES_PER_ADDRESS=1000000 JWTD_LOGIN_FAILURES_PER_USER=1000000 \
    "$JWTD_PG" serve --addr "127.0.0.1:$port" --db "$DB_URL" 2>"$dir/server.log" &
  PIDS[$name]=$!
  PORTS[$name]=$port
  KIND[$name]=jwtd
  wait_ready "$port" "$dir/server.log" "${PIDS[$name]}"
  sleep 1
  echo -e "$ROUND\t$name\tidle_after_start\t$(vm "${PIDS[$name]}" VmRSS)\t$(vm "${PIDS[$name]}" VmHWM)" >> "$OUT/rss.tsv"
  ACCESS[$name]=$(login "$port" | field access)
  [ -n "${ACCESS[$name]}" ] || { say "login to $name failed: $(login "$port")"; exit 1; }
}

wrk_seconds() { awk '/ requests in / {v = $4; sub(/,$/, "", v);
  if (v ~ /ms$/) v = v / 1000; else if (v ~ /m$/) v = v * 60; else if (v ~ /h$/) v = v * 3600; else v = v + 0; print v}' "$1"; }

# pg_cell LABEL PHASE CONNS SERVER...: one cell, one wrk process per server
# (THREADS/servers threads and CONNS/servers connections each), all at once.
pg_cell() {
  local label=$1 phase=$2 c=$3; shift 3
  local servers=("$@") n=$#
  local per_c=$((c / n)) per_t=$((THREADS / n))
  (( per_t >= 1 )) || per_t=1
  local i name url out bl0=0 os0=0
  local -a outs=() wpids=()
  for i in "${!servers[@]}"; do
    name=${servers[$i]}
    if [ "$phase" = refresh ]; then prefetch "$name" "$per_c" "$WORK/tokens-$i"; fi
  done
  if [[ $label != redb* ]] && [ "$phase" = refresh ]; then
    bl0=$(psql_at "$DB_URL" "SELECT count(*) FROM token_blacklist_blacklistedtoken")
    os0=$(psql_at "$DB_URL" "SELECT count(*) FROM token_blacklist_outstandingtoken")
  fi
  for name in "${servers[@]}"; do wait_idle "${PIDS[$name]}"; done
  # Where each server's access log stands: the requests jwtd itself took
  # over 100 ms to answer are counted from here.
  local -A logpos=()
  for name in "${servers[@]}"; do logpos[$name]=$(wc -l < "$WORK/$name/server.log"); done
  local before=0 after=0 pg_before=0 pg_after=0
  for name in "${servers[@]}"; do before=$((before + $(cpu_ticks "${PIDS[$name]}"))); done
  pg_before=$(pg_ticks)
  local m_before c_before
  m_before=$(machine_ticks); children_seconds > "$WORK/c_before"; c_before=$(cat "$WORK/c_before")
  for i in "${!servers[@]}"; do
    name=${servers[$i]}
    url="http://127.0.0.1:${PORTS[$name]}"
    out="$OUT/wrk/pg-$label-$phase-c$c-$name.txt"
    outs+=("$out")
    local args=(-t"$per_t" -c"$per_c" -d"${DURATION}s" --timeout 30s --latency)
    case $phase in
      protected) args+=(-H "Authorization: Bearer ${ACCESS[$name]}" "$url/api/protected/")
                 wrk "${args[@]}" > "$out" 2>&1 & ;;
      verify) BENCH_BODY="{\"token\":\"${ACCESS[$name]}\"}" wrk "${args[@]}" -s scripts/bench/post.lua "$url/api/token/verify/" > "$out" 2>&1 & ;;
      login*) BENCH_BODY="{\"username\":\"alice\",\"password\":\"$PASSWORD\"}" BENCH_COUNT=1 \
                wrk "${args[@]}" -s scripts/bench/post.lua "$url/api/token/" > "$out" 2>&1 & ;;
      refresh) REFRESH_TOKENS=$WORK/tokens-$i BENCH_THREADS=$per_t \
                 wrk "${args[@]}" -s scripts/bench/refresh.lua "$url/api/token/refresh/" > "$out" 2>&1 & ;;
    esac
    wpids+=($!)
  done
  for i in "${wpids[@]}"; do wait "$i" || true; done
  local m_after c_after
  m_after=$(machine_ticks); children_seconds > "$WORK/c_after"; c_after=$(cat "$WORK/c_after")
  for name in "${servers[@]}"; do
    kill -0 "${PIDS[$name]}" 2>/dev/null || { say "$name died during $phase"; tail -5 "$WORK/$name/server.log" >&2; exit 1; }
    after=$((after + $(cpu_ticks "${PIDS[$name]}")))
  done
  pg_after=$(pg_ticks)
  # Sum over the wrk processes: requests, 200s (and their rate), the rest;
  # latency: the worse of the processes' p50 and p99.
  local requests=0 ok=0 rate=0 errors=0 p50=0 p99=0 statuses="" r s k okr e st
  for out in "${outs[@]}"; do
    r=$(awk '/ requests in / {print $1}' "$out"); r=${r:-0}
    s=$(wrk_seconds "$out")
    k=$(awk '/Non-2xx or 3xx responses:/ {print $NF}' "$out"); k=${k:-0}
    e=$(awk '/Socket errors:/ {gsub(/,/, ""); print $4 + $6 + $8 + $10}' "$out"); e=${e:-0}
    st=$(sed -n 's/^STATUS //p' "$out" | tr ' ' ',')
    if grep -q '^REFRESH ' "$out"; then okr=$(sed -n 's/^REFRESH ok=\([0-9]*\).*/\1/p' "$out")
    elif [ -n "$st" ]; then okr=$(tr ',' '\n' <<< "$st" | awk -F= '$1 == 200 {print $2}'); okr=${okr:-0}
    else okr=$((r - k)); fi
    requests=$((requests + r)); ok=$((ok + okr)); errors=$((errors + e))
    rate=$(awk -v a="$rate" -v o="$okr" -v s="$s" 'BEGIN { printf "%.1f", a + (s > 0 ? o / s : 0) }')
    p50=$(awk -v a="$p50" -v b="$(to_ms "$(awk '$1 == "50%" {print $2}' "$out")")" 'BEGIN { print (b > a ? b : a) }')
    p99=$(awk -v a="$p99" -v b="$(to_ms "$(awk '$1 == "99%" {print $2}' "$out")")" 'BEGIN { print (b > a ? b : a) }')
    statuses="$statuses${statuses:+;}${st:--}"
  done
  local check=-
  if [[ $label != redb* ]] && [ "$phase" = refresh ]; then
    # Answers still in flight when wrk stopped are committed (or not) by
    # now: wait for the replicas to go idle before counting.
    for name in "${servers[@]}"; do wait_idle "${PIDS[$name]}"; done
    local bl os
    bl=$(( $(psql_at "$DB_URL" "SELECT count(*) FROM token_blacklist_blacklistedtoken") - bl0 ))
    os=$(( $(psql_at "$DB_URL" "SELECT count(*) FROM token_blacklist_outstandingtoken") - os0 ))
    local verdict=ok
    (( bl >= ok && bl <= ok + c )) || verdict=FAILED
    check="blacklisted=$bl,outstanding=$os,200s=$ok,$verdict"
  fi
  local cpu pgcpu
  cpu=$(awk -v t=$((after - before)) -v r="$requests" -v hz="$CLK_TCK" 'BEGIN { if (r > 0) printf "%.1f", t * 1e6 / hz / r; else print "nan" }')
  pgcpu=$(awk -v t=$((pg_after - pg_before)) -v r="$requests" -v hz="$CLK_TCK" 'BEGIN { if (r > 0) printf "%.1f", t * 1e6 / hz / r; else print "nan" }')
  # Cores' worth of CPU used by everything else during the cell.
  local other
  other=$(awk -v m=$((m_after - m_before)) -v j=$((after - before)) -v p=$((pg_after - pg_before)) \
    -v w="$(awk -v a="$c_before" -v b="$c_after" 'BEGIN {print b - a}')" -v hz="$CLK_TCK" -v d="$DURATION" \
    'BEGIN { v = ((m - j - p) / hz - w) / d; printf "%.2f", (v < 0 ? 0 : v) }')
  [[ $label == redb* ]] && pgcpu=-
  local slow=0 worst=0 line
  for name in "${servers[@]}"; do
    line=$(tail -n +"$((logpos[$name] + 1))" "$WORK/$name/server.log" | awk '
      / (GET|POST) \/api\// { v = $NF; sub(/ms$/, "", v); v += 0; if (v > 100) n++; if (v > m) m = v }
      END { printf "%d %.0f", n, m }')
    slow=$((slow + ${line% *}))
    (( ${line#* } > worst )) && worst=${line#* }
  done
  local hwm=0 h
  for name in "${servers[@]}"; do h=$(vm "${PIDS[$name]}" VmHWM); (( h > hwm )) && hwm=$h; done
  echo -e "$label\t$n\t$phase\t$c\t$requests\t$ok\t$rate\t$p50\t$p99\t$cpu\t$pgcpu\t$((requests - ok))\t$errors\t$statuses\t$check\t$hwm\t$other\t$slow\t$worst" >> "$OUT/pg.tsv"
  printf '  %-5s %-9s c%-3s %10s 200/s  p50 %7s ms  p99 %7s ms  jwtd %7s us/req  PG %7s us/req  non-200 %s  errors %s  other load %s cores  in jwtd >100 ms %s (worst %s ms)  %s\n' \
    "$label" "$phase" "$c" "$rate" "$p50" "$p99" "$cpu" "$pgcpu" "$((requests - ok))" "$errors" "$other" "$slow" "$worst" "$check" >&2
}

echo -e "label\treplicas\tphase\tconns\trequests\tok\trate\tp50_ms\tp99_ms\tjwtd_cpu_us\tpg_cpu_us\tnon200\terrors\tstatuses\tcheck\thwm_kb\tother_cores\tslow_in_jwtd\tworst_in_jwtd_ms" > "$OUT/pg.tsv"
ROUND=pg
say "PostgreSQL mode: ${DURATION}s per cell, connections $CONNS, phases $PHASES"
printf '%s\n' "$PASSWORD" | JWTD_PASSWORD_ITERATIONS=1000 "$JWTD_PG" user add alice --password-stdin --db "$DB_URL" >/dev/null
start redb jwtd 1000 $((PORT_BASE + 0))
redbs=(redb)
if [ "$REDB2" = 1 ]; then start redb-b jwtd 1000 $((PORT_BASE + 3)); redbs+=(redb-b); fi
start_pg pg-a $((PORT_BASE + 1))
start_pg pg-b $((PORT_BASE + 2))
# Warm-up, not measured: WARMUP seconds of protected at the largest
# connection count on each server, one after the other. A replica opens its
# connections to PostgreSQL as it first needs them; opened under full load,
# the requests waiting for them took up to 2 s in trials, which would land
# in the first cell's p99 (and in the two-replica cells, replica b's first
# load).
if [ "$WARMUP" -gt 0 ]; then
  cmax=$(printf '%s\n' $CONNS | sort -n | tail -1)
  say "warm-up: ${WARMUP}s of protected at $cmax connections on each server"
  for name in "${redbs[@]}" pg-a pg-b; do
    wrk -t"$THREADS" -c"$cmax" -d"${WARMUP}s" -H "Authorization: Bearer ${ACCESS[$name]}" \
      "http://127.0.0.1:${PORTS[$name]}/api/protected/" > "$OUT/wrk/pg-warmup-$name.txt" 2>&1 || true
  done
fi
for phase in $PHASES; do
  for c in $CONNS; do
    pg_cell redb "$phase" "$c" redb
    if [ "$REDB2" = 1 ]; then pg_cell redb2 "$phase" "$c" redb redb-b; fi
    pg_cell x1 "$phase" "$c" pg-a
    pg_cell x2 "$phase" "$c" pg-a pg-b
  done
done
for name in "${redbs[@]}" pg-a pg-b; do stop "$name"; done
{
  echo "pg_db_bytes=$(psql_at "$PG_URL" "SELECT pg_database_size('jwtd_bench')")"
  echo "loadavg_after=$(cut -d' ' -f1-3 /proc/loadavg)"
  echo "script_seconds=$(( $(date +%s) - START_TIME ))"
} >> "$OUT/info.txt"
pg_cleanup
python3 scripts/bench/pg_summary.py "$OUT" | tee "$OUT/summary.txt"
say "raw data in $OUT (pg.tsv, info.txt, wrk/); markdown in $OUT/results-postgres.md"
