#!/usr/bin/env bash
# The learner's page (GET /) in a real browser: headless Chromium driven by
# tests/browser/learner_page.py over the Chrome DevTools Protocol.
#
#   scripts/browser-test.sh
#
# 1. Finds Chromium (CHROMIUM=path, else chromium, chromium-browser,
#    google-chrome on PATH). If there is none it installs Debian's or
#    Ubuntu's package with apt-get (as root, or through sudo), and FAILS,
#    never skips, if it cannot: this machine has package registries but no
#    general internet, so a browser download of its own (Playwright's)
#    would not work, while the distribution's package does.
# 2. Builds jwtd with `cargo build` (the dev profile `cargo test` builds),
#    makes a temporary database with the user alice (fast password hashing)
#    and starts `jwtd serve` on a free port of 127.0.0.1 with a fixed key.
# 3. Runs the page's whole flow as a user would (type, click, read what the
#    page shows): log in, the coloured and decoded tokens, the protected
#    route, refresh, the old refresh token refused, verify, log out. One
#    line per step, then `browser: N passed, N failed`.
# 4. With the `cors` feature (the default): tests/browser/cross_origin.py
#    starts a second jwtd with CORS_ALLOWED_ORIGINS, CORS_ALLOW_CREDENTIALS
#    and REFRESH_COOKIE, and pages on two other origins (one allowed):
#    the preflight, the HttpOnly cookie's login, refresh and logout from
#    the allowed page, the other page blocked, the learner's page in
#    cookie mode. Its hosts (localhost, a secure context, for the Secure
#    cookie) are explained there.
# The run is bounded (BROWSER_TEST_TIMEOUT seconds, default 120, the
# install aside), and Chromium and jwtd are stopped on every exit. A
# screenshot of the page at the end is left in target/browser-test/.
# PYTHON selects the interpreter (default python3; standard library only).
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON="${PYTHON:-python3}"
TIMEOUT="${BROWSER_TEST_TIMEOUT:-120}"
USERNAME=alice
PASSWORD='correct horse battery staple'
OUT=target/browser-test

die() { echo "browser: $*. The browser test FAILS; it does not skip." >&2; exit 1; }

find_chromium() {
    if [[ -n "${CHROMIUM:-}" ]]; then
        command -v "$CHROMIUM"
        return
    fi
    local name
    for name in chromium chromium-browser google-chrome google-chrome-stable; do
        command -v "$name" && return
    done
    return 1
}

if ! chromium="$(find_chromium)"; then
    [[ -z "${CHROMIUM:-}" ]] || die "CHROMIUM=$CHROMIUM is not a program"
    command -v apt-get >/dev/null || die "no Chromium, and no apt-get to install it (set CHROMIUM=/path/to/chromium)"
    sudo=()
    if [[ "$(id -u)" != 0 ]]; then
        command -v sudo >/dev/null || die "no Chromium, and not root to install it (set CHROMIUM=...)"
        sudo=(sudo -n)
    fi
    echo "browser: no Chromium on this machine; installing it with apt-get"
    started=$SECONDS
    export DEBIAN_FRONTEND=noninteractive
    "${sudo[@]}" apt-get update -qq || die "apt-get update failed"
    # Debian names the package chromium; Ubuntu, chromium-browser (a snap
    # wrapper on 20.04 and later, so Debian's is preferred where offered).
    package=""
    for candidate in chromium chromium-browser; do
        # (Not `| grep -q`: with pipefail, apt-cache's SIGPIPE would count.)
        if [[ "$(apt-cache policy "$candidate" 2>/dev/null)" == *"Candidate: "[0-9]* ]]; then
            package=$candidate
            break
        fi
    done
    [[ -n "$package" ]] || die "apt offers neither chromium nor chromium-browser"
    "${sudo[@]}" apt-get install -y -qq --no-install-recommends "$package" >/dev/null \
        || die "apt-get install $package failed"
    echo "browser: installed $package in $((SECONDS - started)) s"
    chromium="$(find_chromium)" || die "$package is installed but no chromium program is on PATH"
fi
"$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 10))' 2>/dev/null \
    || die "$PYTHON is missing or older than 3.10 (set PYTHON=...)"

echo "browser: building jwtd (cargo build)"
cargo build --quiet || die "cargo build failed"
JWTD="$PWD/target/debug/jwtd"

# The server's settings are this script's alone.
while IFS= read -r name; do unset "$name"; done < <(compgen -e | grep '^JWTD_' || true)
export JWTD_PASSWORD_ITERATIONS=1000
export JWTD_SIGNING_KEY=browser-test-signing-key-0123456789abcdef

mkdir -p "$OUT"
work="$(mktemp -d)"
server=""
cleanup() {
    local pid
    if [[ -f "$work/chromium.pid" ]]; then
        pid="$(cat "$work/chromium.pid")"
        # The Python driver kills Chromium's process group itself; this is
        # for when the driver was killed first.
        if [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null; then
            kill -KILL -- "-$pid" 2>/dev/null || true
        fi
    fi
    if [[ -n "$server" ]] && kill -0 "$server" 2>/dev/null; then
        kill -TERM "$server" 2>/dev/null || true
        wait "$server" 2>/dev/null || true
    fi
    rm -rf "$work"
}
trap cleanup EXIT

printf '%s\n' "$PASSWORD" | "$JWTD" user add "$USERNAME" --password-stdin --db "$work/jwtd.redb" >/dev/null \
    || die "jwtd user add failed"
"$JWTD" serve --addr 127.0.0.1:0 --db "$work/jwtd.redb" 2>"$work/server.log" &
server=$!
addr=""
for _ in $(seq 100); do
    addr="$(grep -o -m1 'listening on http://[^ ]*' "$work/server.log" 2>/dev/null | sed 's|listening on http://||' || true)"
    [[ -n "$addr" ]] && break
    kill -0 "$server" 2>/dev/null || { cat "$work/server.log" >&2; die "jwtd serve exited at start-up"; }
    sleep 0.1
done
[[ -n "$addr" ]] || { cat "$work/server.log" >&2; die "jwtd serve did not say where it listens within 10 s"; }
echo "browser: jwtd listening on http://$addr, chromium is $chromium"

status=0
timeout -k 10 "$((TIMEOUT + 10))" "$PYTHON" tests/browser/learner_page.py \
    --chromium "$chromium" --base "http://$addr" --username "$USERNAME" --password "$PASSWORD" \
    --screenshot "$OUT/learner-page.png" --pid-file "$work/chromium.pid" --timeout "$TIMEOUT" || status=$?
if [[ "$status" != 0 ]]; then
    echo "browser: the driver exited with status $status; jwtd's log:" >&2
    tail -n 40 "$work/server.log" >&2
    exit 1
fi

printf '%s\n' "$PASSWORD" | "$JWTD" user add "$USERNAME" --password-stdin --db "$work/cors.redb" >/dev/null \
    || die "jwtd user add (cors.redb) failed"
timeout -k 10 "$((TIMEOUT + 10))" "$PYTHON" tests/browser/cross_origin.py \
    --chromium "$chromium" --jwtd "$JWTD" --db "$work/cors.redb" --username "$USERNAME" \
    --password "$PASSWORD" --pid-file "$work/chromium.pid" --timeout "$TIMEOUT" || status=$?
if [[ "$status" != 0 ]]; then
    echo "browser: the cross-origin driver exited with status $status" >&2
    exit 1
fi
