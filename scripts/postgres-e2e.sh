#!/usr/bin/env bash
# PostgreSQL end-to-end check: two jwtd replicas and the real Django 5.2 +
# SimpleJWT 5.5.1 on one PostgreSQL database (tests/postgres/replicas.py).
#
#   scripts/postgres-e2e.sh
#
# 1. Makes a virtual environment in target/postgres-venv with the exact pins
#    of tests/postgres/requirements.txt (Django, DRF, SimpleJWT, PyJWT as the
#    interop check has them, and psycopg). If pip cannot install them this
#    FAILS, it never skips.
# 2. Builds jwtd with `cargo build --features postgres`.
# 3. Uses the PostgreSQL server at JWTD_TEST_POSTGRES (a URL such as
#    postgres://postgres@127.0.0.1:PORT/postgres, as scripts/test.sh
#    exports it), else starts a throwaway cluster with scripts/postgres.sh
#    and stops it on every exit.
# 4. Runs tests/postgres/replicas.py, which makes its own database on that
#    server and drops it afterwards. Exit status 0 only if every check
#    passed.
#
# PYTHON selects the interpreter (default python3; Django 5.2 needs >= 3.10).
set -euo pipefail
cd "$(dirname "$0")/.."

VENV=target/postgres-venv
REQS=tests/postgres/requirements.txt

die() { echo "postgres-e2e: $*. The PostgreSQL check FAILS; it does not skip." >&2; exit 1; }

# shellcheck source=scripts/venv.sh
source scripts/venv.sh
pinned_venv postgres-e2e "$VENV" "$REQS"

echo "postgres-e2e: building jwtd (cargo build --features postgres)"
cargo build --quiet --features postgres || die "cargo build --features postgres failed"

url="${JWTD_TEST_POSTGRES:-}"
cluster=""
cleanup() {
    if [[ -n "$cluster" ]]; then
        scripts/postgres.sh stop "$cluster" || echo "postgres-e2e: could not stop the cluster in $cluster" >&2
    fi
}
trap cleanup EXIT
if [[ -n "$url" ]]; then
    echo "postgres-e2e: using the server of JWTD_TEST_POSTGRES ($url)"
else
    cluster=$(mktemp -d /tmp/jwtd-pg.XXXXXX)
    echo "postgres-e2e: starting a throwaway PostgreSQL cluster in $cluster"
    url=$(scripts/postgres.sh start "$cluster") || die "could not start PostgreSQL (scripts/postgres.sh)"
fi

status=0
timeout --kill-after=10 200 "$VENV/bin/python" tests/postgres/replicas.py \
    --jwtd target/debug/jwtd --postgres "$url" "$@" || status=$?
exit "$status"
