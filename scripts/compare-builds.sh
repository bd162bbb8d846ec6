#!/usr/bin/env bash
# Two jwtd binaries side by side on GET /api/protected/: each in turn
# gets a fresh database, a user, a token and `wrk -t2 -c16 -d8s` on
# 127.0.0.1, for ROUNDS rounds (default 3); prints requests/s and the
# server's CPU microseconds per request (utime+stime from /proc/PID/stat).
# For comparing builds of the same code, e.g. two opt-levels:
#
#   cargo build --release && cp target/release/jwtd /tmp/jwtd-z
#   cargo build --release --config 'profile.release.opt-level="s"' && cp target/release/jwtd /tmp/jwtd-s
#   scripts/compare-builds.sh /tmp/jwtd-s /tmp/jwtd-z
set -euo pipefail
[ $# -eq 2 ] || { echo "usage: $0 JWTD_A JWTD_B" >&2; exit 2; }
command -v wrk >/dev/null || { echo "compare-builds: needs wrk (apt-get install wrk)" >&2; exit 1; }
run() { # label binary port
    local label=$1 bin=$2 port=$3 dir pid tok t0 t1 out reqs rps
    dir=$(mktemp -d)
    echo 'correct horse battery staple' |
        JWTD_PASSWORD_ITERATIONS=1000 "$bin" user add alice --password-stdin --db "$dir/j.redb" >/dev/null 2>&1
    JWTD_ACCESS_LOG=false "$bin" serve --db "$dir/j.redb" --addr "127.0.0.1:$port" 2>/dev/null &
    pid=$!
    for _ in $(seq 50); do curl -sf -o /dev/null "http://127.0.0.1:$port/healthz" && break; sleep 0.1; done
    tok=$(curl -s -X POST -H 'Content-Type: application/json' \
        -d '{"username":"alice","password":"correct horse battery staple"}' \
        "http://127.0.0.1:$port/api/token/" | python3 -c 'import sys,json;print(json.load(sys.stdin)["access"])')
    t0=$(awk '{print $14+$15}' "/proc/$pid/stat")
    out=$(wrk -t2 -c16 -d8s -H "Authorization: Bearer $tok" "http://127.0.0.1:$port/api/protected/")
    t1=$(awk '{print $14+$15}' "/proc/$pid/stat")
    reqs=$(echo "$out" | awk '/requests in/{print $1}')
    rps=$(echo "$out" | awk '/Requests\/sec/{print $2}')
    echo "$label protected c16 8s: $rps req/s, server CPU $(python3 -c "print(round(($t1-$t0)*1e6/$(getconf CLK_TCK)/$reqs,1))") us/req"
    kill "$pid"; wait "$pid" 2>/dev/null || true
    rm -rf "$dir"
}
for _ in $(seq "${ROUNDS:-3}"); do
    run "A $1" "$1" 18401
    run "B $2" "$2" 18402
done
