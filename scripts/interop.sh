#!/usr/bin/env bash
# Interoperability check: the real jwtd against the real SimpleJWT 5.5.1.
#
#   scripts/interop.sh [--only SCENARIO]...
#
# 1. Makes a virtual environment in target/interop-venv with the exact pins of
#    tests/interop/requirements.txt (reused while its marker file names the
#    same requirements and Python). If pip cannot install them this FAILS, it
#    never skips.
# 2. Builds jwtd with `cargo build` (the dev profile `cargo test` already
#    builds, so CI compiles nothing twice; Cargo.toml gives the crypto crates
#    opt-level 3 there, so a 1,000,000-round PBKDF2 takes ~0.2 s as in release).
# 3. Checks that jwtd refuses every entry of the installed Django's
#    common-password list (an ignored unit test, given the list).
# 4. Runs tests/interop/check.py against them (HMAC), then
#    tests/interop/asymmetric.py (RS/PS/ES/EdDSA, JWKS, verify-only, JWK_URL;
#    SimpleJWT and Node's jose, which it installs with npm ci from
#    tests/interop/jose/package-lock.json into target/interop-jose, failing,
#    never skipping, when it cannot). Both always run; exit status 0 only if
#    every check of both passed.
#
# PYTHON selects the interpreter (default python3; Django 5.2 needs >= 3.10).
# Node 20 or later and npm must be on PATH.
set -euo pipefail
cd "$(dirname "$0")/.."

VENV=target/interop-venv
REQS=tests/interop/requirements.txt

die() { echo "interop: $*" >&2; exit 1; }

# shellcheck source=scripts/venv.sh
source scripts/venv.sh
pinned_venv interop "$VENV" "$REQS"

echo "interop: building jwtd (cargo build)"
cargo build --quiet || die "cargo build failed"

# Every entry of the installed Django's common-password list must be refused
# by jwtd's encoded copy (src/auth/common_passwords.rs); the unit tests
# check a sample only.
LIST=target/django-common-passwords.txt
"$VENV/bin/python" - "$LIST" <<'EOF' || die "could not read Django's common-password list"
import gzip, pathlib, sys
import django.contrib.auth as auth
path = pathlib.Path(auth.__file__).parent / "common-passwords.txt.gz"
with gzip.open(path, "rt", encoding="utf-8") as f:
    pathlib.Path(sys.argv[1]).write_text(f.read(), encoding="utf-8")
EOF
echo "interop: every entry of Django's common-password list (cargo test --ignored)"
JWTD_DJANGO_COMMON_PASSWORDS="$LIST" cargo test --quiet --lib \
    every_entry_of_djangos_list_is_common -- --ignored \
    || die "an entry of Django's common-password list is not refused"

# Both checks always run; the exit status is non-zero if either failed.
status=0
"$VENV/bin/python" tests/interop/check.py --jwtd target/debug/jwtd "$@" || status=1
# The public-key algorithms, against SimpleJWT and Node's jose (installed by
# the script with `npm ci` into target/interop-jose). --only names HMAC
# scenarios of check.py; ASYMMETRIC_ONLY="ES256 EdDSA" narrows this one.
only=()
for alg in ${ASYMMETRIC_ONLY:-}; do only+=(--only "$alg"); done
"$VENV/bin/python" tests/interop/asymmetric.py --jwtd target/debug/jwtd ${only[@]+"${only[@]}"} || status=1
exit "$status"
