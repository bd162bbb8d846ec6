#!/usr/bin/env bash
# API conformance check: the real jwtd against its own OpenAPI document
# (src/api/endpoints/openapi.json, served at GET /api/schema/).
#
#   scripts/schemathesis.sh [extra `schemathesis run` options]...
#
# 1. Makes a virtual environment in target/schemathesis-venv with the exact
#    pins of tests/schemathesis/requirements.txt (reused while its marker file
#    names the same requirements and Python). If pip cannot install them this
#    FAILS, it never skips.
# 2. Builds jwtd with `cargo build` (the dev profile `cargo test` builds).
# 3. Makes a temporary database with a user, alice, whose password is the
#    example of POST /api/token/ in the document (and a superuser, root,
#    with the same password, for steps 5 and 6), so the examples phase logs
#    in and the stateful phase follows the document's links to refresh,
#    verify and blacklist. Starts `jwtd serve` on a free port, with fast
#    password hashing and login throttling out of the way (429 stays
#    documented, and is checked in step 5).
# 4. Fetches the document from GET /api/schema/, checks it with
#    openapi-spec-validator, and runs schemathesis with a valid bearer access
#    token: no 5xx, and every status code, content type, header and body as
#    documented.
# 5. Restarts jwtd on the same database with its default limits and runs
#    tests/schemathesis/edges.py: the answers schemathesis cannot provoke
#    (413, 414, 431, 411, 429, 503, blacklisted and misused tokens, and the
#    admin API as a superuser), each checked against the document the same way.
# 6. Runs schemathesis once more on the admin API's operations alone, as the
#    superuser root (step 4 runs as alice, who gets 401 and 403 there), and
#    checks that server's log as in step 4.
# Exit status 0 only if every step passed. The server is stopped with SIGTERM.
#
# SCHEMATHESIS_DB names the database: a postgres:// URL of an empty database
# runs it all against PostgreSQL (jwtd built with --features postgres);
# unset, a redb file in a temporary directory.
#
# PYTHON selects the interpreter (default python3). SCHEMATHESIS_MAX_EXAMPLES
# (default 200) bounds the test cases per operation and phase; the seed is
# fixed (SCHEMATHESIS_SEED to change it).
set -euo pipefail
cd "$(dirname "$0")/.."

VENV=target/schemathesis-venv
REQS=tests/schemathesis/requirements.txt
MAX_EXAMPLES="${SCHEMATHESIS_MAX_EXAMPLES:-200}"
SEED="${SCHEMATHESIS_SEED:-20250101}"
USERNAME=alice
ADMIN_USERNAME=root
PASSWORD='correct horse battery staple'
EDGE_MAX_CONNECTIONS=16

die() { echo "schemathesis: $*" >&2; exit 1; }

# shellcheck source=scripts/venv.sh
source scripts/venv.sh
pinned_venv schemathesis "$VENV" "$REQS"
PY="$PWD/$VENV/bin/python"

DB_URL="${SCHEMATHESIS_DB:-}"
features=()
if [[ "$DB_URL" == postgres://* || "$DB_URL" == postgresql://* ]]; then
    features=(--features postgres)
fi
echo "schemathesis: building jwtd (cargo build ${features[*]})"
cargo build --quiet "${features[@]}" || die "cargo build failed"
JWTD="$PWD/target/debug/jwtd"

# The server's settings are this script's alone.
while IFS= read -r name; do unset "$name"; done < <(compgen -e | grep '^JWTD_' || true)
export JWTD_PASSWORD_ITERATIONS=1000
export JWTD_LOG_PROBES=true

work="$(mktemp -d)"
DB="${DB_URL:-$work/jwtd.redb}"
if [[ -n "$DB_URL" ]]; then echo "schemathesis: database: PostgreSQL (SCHEMATHESIS_DB)"; fi
server=""
base=""
stop_server() {
    if [[ -n "$server" ]] && kill -0 "$server" 2>/dev/null; then
        kill -TERM "$server" 2>/dev/null || true
        wait "$server" 2>/dev/null || true
    fi
    server=""
}
trap 'stop_server; rm -rf "$work"' EXIT

# start_server LOG [VAR=VALUE]...: jwtd serve on a free port; sets $server, $base.
start_server() {
    local log="$1" addr=""
    shift
    env "$@" "$JWTD" serve --addr 127.0.0.1:0 --db "$DB" 2>"$log" &
    server=$!
    for _ in $(seq 100); do
        addr="$(grep -o -m1 'listening on http://[^ ]*' "$log" 2>/dev/null | sed 's|listening on http://||' || true)"
        [[ -n "$addr" ]] && break
        kill -0 "$server" 2>/dev/null || { cat "$log" >&2; die "jwtd serve exited at start-up"; }
        sleep 0.1
    done
    [[ -n "$addr" ]] || { cat "$log" >&2; die "jwtd serve did not say where it listens within 10 s"; }
    base="http://$addr"
    echo "schemathesis: jwtd listening on $base"
}

printf '%s\n' "$PASSWORD" | "$JWTD" user add "$USERNAME" --password-stdin --db "$DB" \
    || die "jwtd user add failed"
# A superuser for the admin API (steps 5 and 6); step 4 runs as alice, who
# is not one, and sees only the admin API's 401 and 403.
printf '%s\n' "$PASSWORD" | "$JWTD" user add "$ADMIN_USERNAME" --superuser --password-stdin \
    --db "$DB" || die "jwtd user add $ADMIN_USERNAME failed"

start_server "$work/server.log" JWTD_LOGIN_FAILURES_PER_ADDRESS=1000000 JWTD_LOGIN_FAILURES_PER_USER=1000000

# A valid access token for the bearer scheme (jwtAuth), and the document.
access="$(BASE="$base" USERNAME="$USERNAME" PASSWORD="$PASSWORD" "$PY" - "$work/openapi.json" <<'EOF'
import json, os, sys, urllib.request
base = os.environ["BASE"]
body = json.dumps({"username": os.environ["USERNAME"], "password": os.environ["PASSWORD"]}).encode()
req = urllib.request.Request(base + "/api/token/", body, {"Content-Type": "application/json"})
with urllib.request.urlopen(req, timeout=10) as r:
    print(json.load(r)["access"])
with urllib.request.urlopen(base + "/api/schema/", timeout=10) as r, open(sys.argv[1], "wb") as f:
    f.write(r.read())
EOF
)" || die "could not log in as $USERNAME or fetch /api/schema/"

passed=0
failed=0
step() { if [[ "$1" == 0 ]]; then passed=$((passed + 1)); else failed=$((failed + 1)); fi; }

echo "schemathesis: validating the document served at /api/schema/ (openapi-spec-validator)"
status=0
"$VENV/bin/openapi-spec-validator" "$work/openapi.json" || status=$?
step "$status"

# schemathesis leaves out the operation that serves the document it loads,
# so it loads the copy just fetched (the same bytes) and targets the server
# with --url: GET /api/schema/ is tested like every other operation. It runs
# in the temporary directory, where its crash cache (.schemathesis/) goes.
checks=not_a_server_error,status_code_conformance,content_type_conformance,response_headers_conformance,response_schema_conformance
# run_schemathesis TOKEN [option]...: schemathesis against $base as TOKEN's user.
run_schemathesis() {
    local token="$1" status=0 started=$SECONDS
    shift
    local cmd=(
        "$PWD/$VENV/bin/schemathesis" run "$work/openapi.json"
        --url "$base"
        --checks "$checks"
        --header "Authorization: Bearer $token"
        --max-examples "$MAX_EXAMPLES"
        --seed "$SEED"
        --workers 1
        --generation-database none
        --request-timeout 10
        --no-color
        "$@"
    )
    echo "schemathesis: ${cmd[*]/$token/<access token>}"
    (cd "$work" && "${cmd[@]}") || status=$?
    echo "schemathesis: schemathesis run took $((SECONDS - started)) s, exit status $status"
    return "$status"
}
# POST /api/token/revoke-all/ revokes alice's tokens, the one schemathesis
# sends included, so it runs on its own, after the others.
status=0
run_schemathesis "$access" --exclude-path-regex '^/api/token/revoke-all/$' "$@" || status=$?
step "$status"
status=0
run_schemathesis "$access" --include-path-regex '^/api/token/revoke-all/$' --phases examples,coverage,fuzzing "$@" || status=$?
step "$status"
stop_server

# check_log LOG: the access log ("<time> INFO <client> <method> <path>
# <status> <ms>ms") summed up; fails on any 5xx or ERROR line.
check_log() {
    local log="$1" requests="$1.requests" status=0
    awk '$2 == "INFO" && NF == 7 && $7 ~ /ms$/ { print $4, $5, $6 }' "$log" >"$requests"
    echo "schemathesis: the server answered $(wc -l <"$requests") requests (method, path, status):"
    sort "$requests" | uniq -c | sort -k2,2 -k3,3 -k4,4n | sed 's/^/    /'
    if grep -qE ' 5[0-9][0-9]$' "$requests"; then
        echo "schemathesis: the server answered 5xx (see above)" >&2
        status=1
    fi
    if grep -q ' ERROR ' "$log"; then
        echo "schemathesis: the server logged errors:" >&2
        grep ' ERROR ' "$log" | head -20 >&2
        status=1
    fi
    return "$status"
}
status=0
check_log "$work/server.log" || status=$?
step "$status"

echo "schemathesis: edge cases against jwtd with its default limits (tests/schemathesis/edges.py)"
# Every connection comes from 127.0.0.1: no per-address limit of its own,
# so that the last edge case finds the whole table taken.
start_server "$work/server-edges.log" JWTD_MAX_CONNECTIONS="$EDGE_MAX_CONNECTIONS" \
    JWTD_MAX_CONNECTIONS_PER_ADDRESS=0
status=0
"$PY" tests/schemathesis/edges.py --base "$base" --document "$work/openapi.json" \
    --username "$USERNAME" --password "$PASSWORD" --max-connections "$EDGE_MAX_CONNECTIONS" \
    --admin-username "$ADMIN_USERNAME" || status=$?
step "$status"
stop_server

# Step 4 runs as alice, who is no superuser: the admin API answered her 401
# and 403 only. So schemathesis runs again on the admin operations alone, as
# root, last, since it creates, changes and deletes users at random.
echo "schemathesis: the admin API as the superuser $ADMIN_USERNAME (schemathesis on /api/admin/ only)"
start_server "$work/server-admin.log" JWTD_LOGIN_FAILURES_PER_ADDRESS=1000000 JWTD_LOGIN_FAILURES_PER_USER=1000000
root_access="$(BASE="$base" USERNAME="$ADMIN_USERNAME" PASSWORD="$PASSWORD" "$PY" - <<'EOF'
import json, os, urllib.request
body = json.dumps({"username": os.environ["USERNAME"], "password": os.environ["PASSWORD"]}).encode()
req = urllib.request.Request(os.environ["BASE"] + "/api/token/", body, {"Content-Type": "application/json"})
with urllib.request.urlopen(req, timeout=10) as r:
    print(json.load(r)["access"])
EOF
)" || die "could not log in as $ADMIN_USERNAME"
status=0
run_schemathesis "$root_access" --include-path-regex '^/api/admin/' "$@" || status=$?
step "$status"
stop_server
status=0
check_log "$work/server-admin.log" || status=$?
step "$status"

echo "schemathesis: $passed passed, $failed failed"
[[ "$failed" == 0 ]]
