# Sourced by the scripts that drive Python tools. Defines
#   pinned_venv NAME VENV REQUIREMENTS
# which makes (or reuses, while its marker names the same Python and pins) a
# virtual environment with exactly the pinned packages, and fails loudly,
# never skipping, when it cannot. Needs PYTHON (default python3, >= 3.10).

PYTHON="${PYTHON:-python3}"

pinned_venv() {
    local name=$1 venv=$2 reqs=$3
    local marker="$venv/.pinned-requirements"
    fail() { echo "$name: $*. The $name check FAILS; it does not skip." >&2; exit 1; }
    command -v "$PYTHON" >/dev/null 2>&1 || fail "no Python interpreter '$PYTHON' (set PYTHON=...)"
    "$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 10))' \
        || fail "$("$PYTHON" -V 2>&1) is too old: Python 3.10 or later is needed"
    local want
    want="$( { "$PYTHON" -c 'import sys; print(sys.version)'; cat "$reqs"; } | sha256sum | cut -d' ' -f1)"
    if [[ -x "$venv/bin/python" && -f "$marker" && "$(cat "$marker")" == "$want" ]]; then
        echo "$name: reusing $venv"
        return
    fi
    echo "$name: creating $venv with the pins of $reqs"
    rm -rf "$venv"
    "$PYTHON" -m venv "$venv" \
        || fail "could not create a virtual environment with $PYTHON -m venv (is the venv module installed?)"
    "$venv/bin/python" -m pip install --disable-pip-version-check --no-input -r "$reqs" \
        || fail "pip could not install the pinned Python packages of $reqs (see pip's output above)"
    echo "$want" >"$marker"
}
