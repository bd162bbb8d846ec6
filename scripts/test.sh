#!/usr/bin/env bash
# The whole test suite, as CI runs it:
#   1. cargo test: unit tests and known-answer vectors, the corpus replay of
#      the fuzz targets, and the end-to-end tests against the real binary;
#      then the library's tests of the HMAC-only build, and of the https
#      JWK_URL client;
#   2. tests/schemathesis: schemathesis against the running binary with its
#      own OpenAPI document, plus the protocol edges it cannot generate;
#   3. tests/interop: cross-verification against the real Django 5.2 +
#      djangorestframework-simplejwt 5.5.1 (HMAC, then the public-key
#      algorithms, also against Node's jose, installed with npm ci);
#   4. tests/browser: the learner's page (GET /) clicked through in headless
#      Chromium, installed with apt-get if missing;
#   5. PostgreSQL: a throwaway cluster (scripts/postgres.sh, which installs
#      the distribution's postgresql package if missing), `cargo test
#      --features postgres` against it (JWTD_TEST_POSTGRES), then two jwtd
#      replicas and Django + SimpleJWT on one database
#      (scripts/postgres-e2e.sh), and schemathesis again on PostgreSQL.
# Steps 2 and 3 install their pinned Python packages into virtual
# environments under target/ (step 3 its pinned npm package too) and fail,
# never skip, if they cannot.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo test
# The HMAC-only build (no public-key algorithms), and the https half of
# the JWK_URL client, with real TLS handshakes on loopback.
cargo test --no-default-features --lib
cargo test --features https --lib -- http::client jwk_url
scripts/schemathesis.sh
scripts/interop.sh
scripts/browser-test.sh

pg_dir=$(mktemp -d /tmp/jwtd-pg.XXXXXX)
trap 'scripts/postgres.sh stop "$pg_dir"' EXIT
echo "test: starting a throwaway PostgreSQL cluster in $pg_dir (scripts/postgres.sh)"
JWTD_TEST_POSTGRES=$(scripts/postgres.sh start "$pg_dir")
export JWTD_TEST_POSTGRES
echo "test: cargo test --features postgres, with JWTD_TEST_POSTGRES=$JWTD_TEST_POSTGRES"
cargo test --features postgres
echo "test: scripts/postgres-e2e.sh (two jwtd replicas and Django on one database)"
scripts/postgres-e2e.sh
echo "test: scripts/schemathesis.sh against PostgreSQL"
psql "$JWTD_TEST_POSTGRES" -qc "CREATE DATABASE schemathesis"
SCHEMATHESIS_DB="${JWTD_TEST_POSTGRES%/*}/schemathesis" scripts/schemathesis.sh
