#!/usr/bin/env python3
"""CORS and the refresh cookie (REFRESH_COOKIE) in headless Chromium: a page
served from another origin logs in to jwtd with fetch(), refreshes and logs
out through the HttpOnly cookie, and a page on an origin jwtd does not allow
is blocked by the browser. Then jwtd's own learner's page in cookie mode.
Run by scripts/browser-test.sh after learner_page.py:

    cross_origin.py --chromium /usr/bin/chromium --jwtd target/debug/jwtd \\
        --db DIR/cors.redb --username alice --password '...' [--timeout 120]

It starts, on 127.0.0.1, two small HTTP servers (Python's http.server, in
threads) serving the test page, one allowed and one not, then jwtd with
CORS_ALLOWED_ORIGINS=http://localhost:<allowed port>,
CORS_ALLOW_CREDENTIALS=true and REFRESH_COOKIE=jwtd_refresh.

Host names: jwtd and the allowed page are reached as `localhost`, which
Chromium counts a secure context even over http://, so it stores the
`Secure` cookie from http://localhost:<port>; both are one site (the port
is not part of a site), so `SameSite=Lax` lets fetch() send the cookie.
The page not allowed is at http://127.0.0.1:<port>, another origin (and
site). The test page is served at /api/token/app.html so that the cookie's
Path=/api/token/ would make it visible to document.cookie were it not
HttpOnly: its absence there is the point, checked against the browser's
cookie jar (CDP Network.getCookies), which has it.

Standard library only; the DevTools client, the step runner and the bound
on the run (--timeout) are learner_page.py's. Prints one line per step and
`browser: N passed, N failed`; exits 1 on a failure.
"""

import argparse
import http.server
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time

from learner_page import Page, StepFailed, connect, parse_bounded_args, run_steps, start_chromium

COOKIE = "jwtd_refresh"

# The page on the other origin: fetch() with credentials, JSON bodies (so
# every POST is preflighted), the answers returned to the driver.
APP_PAGE = b"""<!doctype html>
<html><head><meta charset="utf-8"><title>cross-origin app</title></head>
<body><p>A single-page app on another origin than jwtd.</p>
<script>
"use strict";
const API = new URLSearchParams(location.search).get("api");
async function post(path, body) {
  try {
    const res = await fetch(API + path, {
      method: "POST", credentials: "include", cache: "no-store",
      headers: { "Content-Type": "application/json" }, body: JSON.stringify(body),
    });
    return { status: res.status, body: await res.text() };
  } catch (e) {
    return { status: 0, body: "blocked: " + e };
  }
}
</script></body></html>
"""


class AppPage(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        if self.path.split("?")[0] != "/api/token/app.html":
            self.send_error(404)
            return
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(APP_PAGE)))
        self.end_headers()
        self.wfile.write(APP_PAGE)

    def log_message(self, *args):
        pass


def serve_app():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), AppPage)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def start_jwtd(jwtd, db, allowed, log):
    env = {k: v for k, v in os.environ.items() if not k.startswith("JWTD_")}
    env.update({
        "JWTD_PASSWORD_ITERATIONS": "1000",
        "JWTD_SIGNING_KEY": "browser-test-signing-key-0123456789abcdef",
        "JWTD_CORS_ALLOWED_ORIGINS": allowed,
        "JWTD_CORS_ALLOW_CREDENTIALS": "true",
        "JWTD_REFRESH_COOKIE": COOKIE,
        "JWTD_CONTROL_SOCKET": "",
    })
    proc = subprocess.Popen([jwtd, "serve", "--addr", "127.0.0.1:0", "--db", db], env=env,
                            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=log)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        text = open(log.name).read()
        if "listening on http://" in text:
            addr = text.split("listening on http://", 1)[1].split()[0]
            return proc, int(addr.rsplit(":", 1)[1])
        if proc.poll() is not None:
            raise RuntimeError(f"jwtd exited at start-up: {text[-2000:]}")
        time.sleep(0.1)
    raise RuntimeError("jwtd did not say where it listens within 10 s")


def run(page, api, allowed, other, username, password, jwtd_log):
    login = {"username": username, "password": password}

    def post(path, body):
        return page.js(f"post({json.dumps(path)}, {json.dumps(body)})")

    def jar():
        """The browser's cookie for jwtd, as its jar holds it (or None)."""
        cookies = page.call("Network.getCookies", urls=[api + "/api/token/"])["cookies"]
        return next((c for c in cookies if c["name"] == COOKIE), None)

    def open_page(origin):
        page.call("Page.navigate", url=f"{origin}/api/token/app.html?api={api}")
        page.wait("document.readyState === 'complete' && typeof post === 'function'", f"the page on {origin}")

    steps = []

    def step(name):
        return lambda fn: steps.append((name, fn))

    @step(f"a page on {allowed}: the preflight passes and the login sets the cookie, not the body")
    def _():
        open_page(allowed)
        r = post("/api/token/", login)
        if r["status"] != 200:
            raise StepFailed(f"login: {r}")
        body = json.loads(r["body"])
        if "access" not in body or "refresh" in body:
            raise StepFailed(f"the body should have the access token only: {list(body)}")
        if "OPTIONS /api/token/ 200" not in open(jwtd_log).read().replace('"', ""):
            raise StepFailed("jwtd's access log shows no preflight OPTIONS /api/token/ 200")
        cookie = jar()
        want = {"httpOnly": True, "secure": True, "sameSite": "Lax", "path": "/api/token/"}
        if not cookie or any(cookie.get(k) != v for k, v in want.items()):
            raise StepFailed(f"the browser's cookie: {cookie}")
        return f"access only in the body; cookie {COOKIE} HttpOnly Secure SameSite=Lax Path=/api/token/"

    @step("the page's JavaScript cannot read the cookie: document.cookie lacks it")
    def _():
        page.js("document.cookie = 'visible=1; path=/api/token/'")
        seen = page.js("document.cookie")
        if COOKIE in seen or "visible=1" not in seen:
            raise StepFailed(f"document.cookie is {seen!r}")
        return f"document.cookie is {seen!r}"

    @step("refresh with credentials: 'include' and an empty body: 200 through the cookie, rotated")
    def _():
        before = jar()["value"]
        r = post("/api/token/refresh/", {})
        if r["status"] != 200 or "access" not in json.loads(r["body"]):
            raise StepFailed(f"refresh: {r}")
        after = jar()
        if not after or after["value"] == before:
            raise StepFailed("the cookie was not replaced by the rotated token")
        return "new access token; the cookie holds the new refresh token"

    @step("log out: 200 {}, the cookie is cleared; refresh then fails")
    def _():
        spent = jar()["value"]
        r = post("/api/token/blacklist/", {})
        if (r["status"], r["body"]) != (200, "{}"):
            raise StepFailed(f"logout: {r}")
        if jar() is not None:
            raise StepFailed(f"the cookie is still there: {jar()}")
        r = post("/api/token/refresh/", {})
        if r["status"] != 400:
            raise StepFailed(f"refresh without the cookie: {r}")
        r = post("/api/token/refresh/", {"refresh": spent})
        if r["status"] != 401 or "Token is blacklisted" not in r["body"]:
            raise StepFailed(f"the logged-out token: {r}")
        return "refresh: 400 without a cookie; the old token: 401 Token is blacklisted"

    @step(f"a page on {other}, an origin not allowed: the browser blocks its requests")
    def _():
        open_page(other)
        r = post("/api/token/", login)
        if r["status"] != 0 or "blocked" not in r["body"]:
            raise StepFailed(f"the login was not blocked: {r}")
        if jar() is not None:
            raise StepFailed("a blocked login set the cookie")
        return r["body"][:80]

    @step("the learner's page in cookie mode: log in, the refresh card, Refresh, Log out")
    def _():
        page.call("Page.navigate", url=api + "/")
        page.wait("document.readyState === 'complete' && !!document.getElementById('login')", "the learner's page")
        page.type("#username", username)
        page.type("#password", password)
        seq = 0

        def press(button, expect):
            nonlocal seq
            seq += 1
            page.click(button)
            page.wait(f"document.getElementById('result').dataset.seq === '{seq}'", f"the answer to {button}")
            status = int(page.js("document.getElementById('result').dataset.status"))
            if status != expect:
                raise StepFailed(f"{button}: {status}, expected {expect}: {page.text('#result')}")

        press("#login", 200)
        card = page.text("#refresh") or ""
        if "HttpOnly cookie" not in card or not jar():
            raise StepFailed(f"the refresh card: {card[:200]!r}")
        if not page.js("document.getElementById('btn-verify-refresh').disabled"):
            raise StepFailed("Verify the refresh token is enabled without a token to verify")
        press("#btn-refresh", 200)
        press("#btn-logout", 200)
        if jar() is not None:
            raise StepFailed("the learner's page's logout left the cookie")
        press("#btn-refresh", 400)
        return "login, refresh and logout through the cookie; refresh after logout: 400"

    return run_steps(steps, "cors ")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--chromium", required=True)
    ap.add_argument("--jwtd", required=True, help="the jwtd binary")
    ap.add_argument("--db", required=True, help="a database with the user")
    ap.add_argument("--username", required=True)
    ap.add_argument("--password", required=True)
    args = parse_bounded_args(ap)
    work = tempfile.mkdtemp(prefix="jwtd-cors-")
    log = open(os.path.join(work, "chromium.log"), "w")
    jwtd_log = open(os.path.join(work, "jwtd.log"), "w")
    proc = jwtd = None
    try:
        allowed_server, other_server = serve_app(), serve_app()
        allowed = f"http://localhost:{allowed_server.server_address[1]}"
        other = f"http://127.0.0.1:{other_server.server_address[1]}"
        try:
            jwtd, port = start_jwtd(args.jwtd, args.db, allowed, jwtd_log)
            proc = start_chromium(args.chromium, os.path.join(work, "profile"), log)
            if args.pid_file:
                with open(args.pid_file, "w") as f:
                    f.write(f"{proc.pid}\n")
            page = Page(connect(proc, os.path.join(work, "profile")))
            for domain in ("Page", "Runtime", "Network"):
                page.call(f"{domain}.enable")
        except (RuntimeError, OSError, StepFailed) as e:
            print(f"browser: cors setup failed: {e}\n--- chromium's log ---\n" + open(log.name).read()[-3000:], flush=True)
            return 2
        api = f"http://localhost:{port}"
        print(f"browser: cors: jwtd at {api}, pages at {allowed} (allowed) and {other} (not)", flush=True)
        passed, failed, not_run = run(page, api, allowed, other, args.username, args.password, jwtd_log.name)
        if failed or not_run:
            print("browser: jwtd's log:\n" + open(jwtd_log.name).read()[-3000:], flush=True)
        print(f"browser: cors: {passed} passed, {failed} failed", flush=True)
        return 1 if failed or not_run else 0
    finally:
        signal.alarm(0)
        if proc is not None and proc.poll() is None:
            try:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=5)
            except (ProcessLookupError, subprocess.TimeoutExpired):
                pass
        if jwtd is not None and jwtd.poll() is None:
            jwtd.terminate()
            jwtd.wait(timeout=10)
        log.close()
        jwtd_log.close()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
