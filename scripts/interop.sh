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
# 3. Runs tests/interop/check.py against them. Exit status 0 only if every
#    check passed.
#
# PYTHON selects the interpreter (default python3; Django 5.2 needs >= 3.10).
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON="${PYTHON:-python3}"
VENV=target/interop-venv
REQS=tests/interop/requirements.txt
MARKER="$VENV/.interop-requirements"

die() { echo "interop: $*" >&2; exit 1; }

command -v "$PYTHON" >/dev/null 2>&1 || die "no Python interpreter '$PYTHON' (set PYTHON=...)"
"$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 10))' \
    || die "$("$PYTHON" -V 2>&1) is too old: Django 5.2 needs Python 3.10 or later"

want="$( { "$PYTHON" -c 'import sys; print(sys.version)'; cat "$REQS"; } | sha256sum | cut -d' ' -f1)"
if [[ -x "$VENV/bin/python" && -f "$MARKER" && "$(cat "$MARKER")" == "$want" ]]; then
    echo "interop: reusing $VENV"
else
    echo "interop: creating $VENV with the pins of $REQS"
    rm -rf "$VENV"
    "$PYTHON" -m venv "$VENV" \
        || die "could not create a virtual environment with $PYTHON -m venv (is the venv module installed?). The interop check FAILS; it does not skip."
    if ! "$VENV/bin/python" -m pip install --disable-pip-version-check --no-input -r "$REQS"; then
        die "pip could not install the pinned Python packages of $REQS (see pip's output above): Django, djangorestframework, djangorestframework-simplejwt and PyJWT are required. The interop check FAILS; it does not skip."
    fi
    echo "$want" >"$MARKER"
fi

echo "interop: building jwtd (cargo build)"
cargo build --quiet || die "cargo build failed"
exec "$VENV/bin/python" tests/interop/check.py \
    --jwtd target/debug/jwtd "$@"
