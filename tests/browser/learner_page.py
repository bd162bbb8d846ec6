#!/usr/bin/env python3
"""Drives jwtd's learner's page (GET /) in headless Chromium, as a person
would: it types into the form and clicks the buttons with the mouse (CDP
Input events at the element's centre, after checking nothing covers it),
then reads what the page shows. Run by scripts/browser-test.sh, which
starts jwtd with a user; usable alone against any jwtd:

    learner_page.py --chromium /usr/bin/chromium --base http://127.0.0.1:8000 \\
        --username alice --password '...' [--screenshot FILE] [--timeout 120]

Python's standard library only: the Chrome DevTools Protocol runs over a
WebSocket, and the minimal client it needs (RFC 6455 framing, text
messages, ping/pong) is written out below. Prints one line per step and
`browser: N passed, N failed`; exits 1 on a failure, 2 on a setup error.
Chromium runs in its own process group, killed on every exit.
"""

import argparse
import base64
import datetime
import hashlib
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request


class StepFailed(Exception):
    """A check failed: the step and the run fail."""


# --- A minimal WebSocket client (RFC 6455) ------------------------------


class WebSocket:
    GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

    def __init__(self, url, timeout):
        match = re.fullmatch(r"ws://([^/:]+):(\d+)(/.*)", url)
        if not match:
            raise ValueError(f"not a ws:// URL: {url}")
        host, port, path = match.groups()
        self.sock = socket.create_connection((host, int(port)), timeout=timeout)
        key = base64.b64encode(os.urandom(16))
        self.sock.sendall(
            f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\nUpgrade: websocket\r\n"
            f"Connection: Upgrade\r\nSec-WebSocket-Key: {key.decode()}\r\n"
            "Sec-WebSocket-Version: 13\r\n\r\n".encode()
        )
        head = b""
        while not head.endswith(b"\r\n\r\n"):  # byte by byte: no frame is read early
            head += self._exact(1)
        accept = base64.b64encode(hashlib.sha1(key + self.GUID).digest())
        if not head.startswith(b"HTTP/1.1 101") or accept not in head:
            raise ConnectionError(f"WebSocket handshake refused: {head[:200]!r}")

    def _exact(self, n):
        data = b""
        while len(data) < n:
            chunk = self.sock.recv(n - len(data))
            if not chunk:
                raise ConnectionError("the browser closed the DevTools connection")
            data += chunk
        return data

    def _send_frame(self, opcode, payload):
        # FIN set, one frame; client frames are masked with a random key.
        head = bytearray([0x80 | opcode])
        n = len(payload)
        if n < 126:
            head.append(0x80 | n)
        elif n < 1 << 16:
            head += bytes([0x80 | 126]) + n.to_bytes(2, "big")
        else:
            head += bytes([0x80 | 127]) + n.to_bytes(8, "big")
        mask = os.urandom(4)
        masked = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
        self.sock.sendall(bytes(head) + mask + masked)

    def send(self, text):
        self._send_frame(0x1, text.encode())

    def recv(self):
        """The next text message (fragments joined; pings answered)."""
        message = b""
        while True:
            b0, b1 = self._exact(2)
            n = b1 & 0x7F
            if n == 126:
                n = int.from_bytes(self._exact(2), "big")
            elif n == 127:
                n = int.from_bytes(self._exact(8), "big")
            mask = self._exact(4) if b1 & 0x80 else None
            data = self._exact(n)
            if mask:
                data = bytes(b ^ mask[i % 4] for i, b in enumerate(data))
            opcode = b0 & 0x0F
            if opcode == 0x8:
                raise ConnectionError("the browser closed the DevTools connection")
            if opcode == 0x9:
                self._send_frame(0xA, data)
                continue
            if opcode == 0xA:
                continue
            message += data
            if b0 & 0x80:
                return message.decode()


# --- The Chrome DevTools Protocol ---------------------------------------


class Page:
    def __init__(self, ws):
        self.ws = ws
        self.last_id = 0
        self.events = []

    def call(self, method, **params):
        self.last_id += 1
        self.ws.send(json.dumps({"id": self.last_id, "method": method, "params": params}))
        while True:
            msg = json.loads(self.ws.recv())
            if msg.get("id") == self.last_id:
                if "error" in msg:
                    raise StepFailed(f"{method}: {msg['error']}")
                return msg["result"]
            if "method" in msg:
                self.events.append(msg)

    def js(self, expression):
        r = self.call("Runtime.evaluate", expression=expression, returnByValue=True, awaitPromise=True)
        if "exceptionDetails" in r:
            raise StepFailed(f"script failed: {r['exceptionDetails'].get('exception', r['exceptionDetails'])}")
        return r["result"].get("value")

    def text(self, selector):
        return self.js(f"document.querySelector({json.dumps(selector)})?.textContent ?? null")

    def wait(self, expression, what, timeout=10):
        deadline = time.monotonic() + timeout
        while not (value := self.js(expression)):
            if time.monotonic() > deadline:
                raise StepFailed(f"waited {timeout} s for {what}")
            time.sleep(0.05)
        return value

    def click(self, selector):
        """A left click at the element's centre, as a mouse would: the element
        must be shown, enabled and the topmost thing there."""
        box = self.js(
            f"""(() => {{
            const e = document.querySelector({json.dumps(selector)});
            if (!e) return "missing";
            e.scrollIntoView({{block: "center"}});
            const r = e.getBoundingClientRect();
            const x = r.x + r.width / 2, y = r.y + r.height / 2;
            if (!r.width || !r.height) return "not shown";
            if (e.disabled) return "disabled";
            const top = document.elementFromPoint(x, y);
            if (!top || !(top === e || e.contains(top))) return "covered";
            return {{x, y}};
        }})()"""
        )
        if not isinstance(box, dict):
            raise StepFailed(f"cannot click {selector}: {box}")
        for kind in ("mouseMoved", "mousePressed", "mouseReleased"):
            self.call("Input.dispatchMouseEvent", type=kind, x=box["x"], y=box["y"], button="left", clickCount=1)

    def type(self, selector, text):
        """Clicks into a field, selects what it holds (as Ctrl+A would) and
        types `text` over it."""
        self.click(selector)
        self.js(f"document.querySelector({json.dumps(selector)}).select()")
        self.call("Input.insertText", text=text)


# --- The run --------------------------------------------------------------

# jwt.io's colours, as page.html's CSS writes them.
COLOURS = {"jwt-header": "rgb(251, 1, 91)", "jwt-payload": "rgb(214, 58, 255)", "jwt-signature": "rgb(0, 185, 241)"}
B64URL = re.compile(r"[A-Za-z0-9_-]+")


def start_chromium(chromium, profile, log):
    args = [
        chromium, "--headless=new", "--remote-debugging-port=0", f"--user-data-dir={profile}",
        "--no-first-run", "--no-default-browser-check", "--disable-gpu", "--disable-extensions",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        "--disable-default-apps", "--no-proxy-server", "--mute-audio", "--window-size=1280,1000",
    ]
    if os.geteuid() == 0:
        args.append("--no-sandbox")  # Chromium refuses to run its sandbox as root
    return subprocess.Popen(args + ["about:blank"], stdin=subprocess.DEVNULL, stdout=log,
                            stderr=log, start_new_session=True)


def connect(proc, profile, timeout=30):
    """Chromium writes the port it chose to DevToolsActivePort; the page
    target's WebSocket URL comes from /json/list."""
    port_file = os.path.join(profile, "DevToolsActivePort")
    deadline = time.monotonic() + timeout
    while not (os.path.exists(port_file) and open(port_file).read().count("\n") >= 1):
        if proc.poll() is not None:
            raise RuntimeError(f"chromium exited at start-up with status {proc.returncode}")
        if time.monotonic() > deadline:
            raise RuntimeError(f"chromium did not open its DevTools port within {timeout} s")
        time.sleep(0.05)
    port = int(open(port_file).read().split()[0])
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    while True:
        targets = json.load(opener.open(f"http://127.0.0.1:{port}/json/list", timeout=5))
        pages = [t for t in targets if t.get("type") == "page"]
        if pages:
            return WebSocket(pages[0]["webSocketDebuggerUrl"], timeout=20)
        if time.monotonic() > deadline:
            raise RuntimeError("chromium has no page target")
        time.sleep(0.1)


# --- What cross_origin.py runs the same way -----------------------------


def parse_bounded_args(ap):
    """ap's arguments, with --pid-file and --timeout added. From here on
    SIGTERM, and SIGALRM at the end of --timeout seconds (signal.alarm(0)
    cancels it), raise SystemExit: the caller's finally stops Chromium."""
    ap.add_argument("--pid-file", help="write chromium's process (group) id here")
    ap.add_argument("--timeout", type=int, default=120, help="seconds for the whole run")
    args = ap.parse_args()

    def give_up(signum, _frame):
        raise SystemExit(f"browser: stopped by signal {signum} (timeout {args.timeout} s?)")

    signal.signal(signal.SIGTERM, give_up)
    signal.signal(signal.SIGALRM, give_up)
    signal.alarm(args.timeout)
    return args


def run_steps(steps, label=""):
    """Runs each (name, fn) of `steps` in order, a line each: "browser:
    LABELN ok   name [what fn returned] (seconds)", or "browser: LABELN
    FAIL name: why" when fn raises StepFailed, after which none runs.
    Returns (passed, failed, not run)."""
    passed = failed = 0
    for number, (name, fn) in enumerate(steps, 1):
        started = time.monotonic()
        try:
            detail = fn()
        except StepFailed as e:
            failed += 1
            print(f"browser: {label}{number:2} FAIL {name}: {e}", flush=True)
            break
        passed += 1
        print(f"browser: {label}{number:2} ok   {name} [{detail}] ({time.monotonic() - started:.1f} s)", flush=True)
    return passed, failed, len(steps) - passed - failed


def run(page, base, username, password):
    calls = 0  # API requests the page has made, by the buttons clicked
    tokens = {}

    def press(button, *, expect, contains=()):
        nonlocal calls
        calls += 1
        page.click(button)
        page.wait(f"document.getElementById('result').dataset.seq === '{calls}'", f"the answer to {button}")
        status = int(page.js("document.getElementById('result').dataset.status"))
        shown = page.text("#result")
        if status != expect or not all(c in shown for c in contains):
            raise StepFailed(f"{button}: expected {expect} with {list(contains)}, the page shows: {shown}")
        return shown

    def shown_token(card):
        parts = {}
        for cls, colour in COLOURS.items():
            span = f"#{card} .token .{cls}"
            parts[cls] = page.text(span) or ""
            actual = page.js(f"getComputedStyle(document.querySelector('{span}')).color")
            if not B64URL.fullmatch(parts[cls]):
                raise StepFailed(f"{span} is not a base64url segment: {parts[cls]!r}")
            if actual != colour:
                raise StepFailed(f"{span} is {actual}, expected {colour}")
        token = ".".join(parts.values())
        if page.text(f"#{card} .token") != token:
            raise StepFailed(f"#{card}: the token is not exactly its three parts and two dots")
        return token

    def check_cards(token_types=("access", "refresh")):
        for card in token_types:
            tokens[card] = shown_token(card)
            header = json.loads(page.text(f"#{card} pre.jwt-header-json"))
            payload = json.loads(page.text(f"#{card} pre.jwt-payload-json"))
            if header.get("typ") != "JWT" or not str(header.get("alg")).startswith("HS"):
                raise StepFailed(f"#{card}: decoded header {header}")
            if payload.get("token_type") != card:
                raise StepFailed(f"#{card}: decoded payload has token_type {payload.get('token_type')!r}")
            segment = tokens[card].split(".")[1]
            if json.loads(base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))) != payload:
                raise StepFailed(f"#{card}: the decoded payload is not the token's")
        return f"access token {len(tokens['access'])} chars, refresh token {len(tokens['refresh'])} chars"

    steps = []

    def step(name):
        steps.append((name, None))
        return lambda fn: steps.__setitem__(-1, (name, fn))

    @step("GET / serves the page with its Content-Security-Policy")
    def _():
        page.call("Page.navigate", url=base + "/")
        page.wait("document.readyState === 'complete'", "the page to load")
        doc = [e["params"]["response"] for e in page.events
               if e["method"] == "Network.responseReceived" and e["params"]["type"] == "Document"]
        if not doc or doc[-1]["status"] != 200:
            raise StepFailed(f"GET / answered {doc[-1]['status'] if doc else 'nothing'}: {page.text('body')}")
        page.wait("!!document.getElementById('login')", "the login form")
        headers = {k.lower(): v for k, v in doc[-1]["headers"].items()}
        if headers.get("content-type") != "text/html; charset=utf-8":
            raise StepFailed(f"Content-Type {headers.get('content-type')}")
        csp = headers.get("content-security-policy", "")
        if "script-src 'sha256-" not in csp or "default-src 'none'" not in csp:
            raise StepFailed(f"Content-Security-Policy {csp!r}")
        return f"{page.js('document.title')!r}, {page.js('document.documentElement.outerHTML.length')} chars"

    @step("the policy is enforced: an injected inline script does not run")
    def _():
        page.js("""(() => { const s = document.createElement("script");
            try { s.text = "window.__injected = 1"; } catch (e) { /* Trusted Types refused it */ }
            document.body.append(s); })()""")
        time.sleep(0.2)
        if page.js("window.__injected === 1"):
            raise StepFailed("the injected script ran")
        violations = page.js("window.__violations.splice(0)")
        if not violations:
            raise StepFailed("no securitypolicyviolation event")
        return "refused: " + ", ".join(sorted(set(violations)))

    @step("a wrong password: click Log in: 401, shown")
    def _():
        page.type("#username", username)
        page.type("#password", "not the password")
        shown = press("#login", expect=401, contains=("No active account found with the given credentials",))
        if not page.js("document.getElementById('result').getBoundingClientRect().height > 0"):
            raise StepFailed("the answer is not shown")
        if not page.js("document.getElementById('tokens').hidden"):
            raise StepFailed("tokens are shown after a refused login")
        return shown.splitlines()[1]

    @step("log in: type the password, click Log in: two tokens in three coloured parts")
    def _():
        page.type("#password", password)
        press("#login", expect=200)
        if page.js("document.getElementById('tokens').hidden"):
            raise StepFailed("the tokens section is still hidden")
        return check_cards()

    @step("decoded iat/exp as UTC dates, with a live countdown to exp")
    def _():
        before = {}
        for card, pattern in (("access", r"expires in (1h 0m 0s|\d+m \d+s)"), ("refresh", r"expires in (1d 0h 0m 0s|\d+h \d+m \d+s)")):
            payload = json.loads(page.text(f"#{card} pre.jwt-payload-json"))
            for claim in ("iat", "exp"):
                date = datetime.datetime.fromtimestamp(payload[claim], datetime.timezone.utc)
                if f"{claim} " not in page.text(f"#{card}") or date.strftime("%Y-%m-%d %H:%M:%S UTC") not in page.text(f"#{card}"):
                    raise StepFailed(f"#{card} does not show {claim} as {date} UTC")
            before[card] = page.text(f"#{card} .countdown")
            if not re.fullmatch(pattern, before[card] or ""):
                raise StepFailed(f"#{card} countdown reads {before[card]!r}")
        for card in before:
            page.wait(f"document.querySelector('#{card} .countdown').textContent !== {json.dumps(before[card])}",
                      f"the #{card} countdown to move", timeout=3)
        return f"access {page.text('#access .countdown')}, refresh {page.text('#refresh .countdown')}"

    @step("click Call GET /api/protected/: 200 with the greeting")
    def _():
        return press("#btn-protected", expect=200, contains=("Hello, authenticated user!", f'"user":"{username}"')).splitlines()[1]

    @step("click Refresh: 200 and new tokens shown")
    def _():
        old = dict(tokens)
        press("#btn-refresh", expect=200)
        check_cards()
        if tokens["access"] == old["access"] or tokens["refresh"] == old["refresh"]:
            raise StepFailed("the tokens shown did not change")
        return "both tokens replaced"

    @step("click Try the old refresh token again: 401 Token is blacklisted")
    def _():
        shown = press("#btn-reuse", expect=401, contains=("Token is blacklisted",))
        if "REVOKE_FAMILY_ON_REUSE" not in page.text("#explain"):
            raise StepFailed("the explanation does not mention REVOKE_FAMILY_ON_REUSE")
        return shown.splitlines()[1]

    @step("click Refresh: within REUSE_GRACE_PERIOD the login's family is kept, the new token refreshes")
    def _():
        if "REUSE_GRACE_PERIOD" not in page.text("#explain"):
            raise StepFailed("the explanation does not mention REUSE_GRACE_PERIOD")
        return press("#btn-refresh", expect=200).splitlines()[1]

    @step("log in again, click Verify for each token: 200 {}")
    def _():
        press("#login", expect=200)
        check_cards()
        press("#btn-verify-access", expect=200, contains=("200 {}",))
        press("#btn-verify-refresh", expect=200, contains=("200 {}",))
        return "access 200 {}, refresh 200 {}"

    @step("click Log out: 200, then Refresh with that token: 401 Token is blacklisted")
    def _():
        press("#btn-logout", expect=200, contains=("200 {}",))
        after = press("#btn-refresh", expect=401, contains=("Token is blacklisted",)).splitlines()[1]
        press("#btn-protected", expect=200, contains=("Hello, authenticated user!",))
        return f"refresh: {after}; the access token still works until exp"

    @step("the wire log shows every request; no other origin, no violation, no script error")
    def _():
        # Each entry: a <pre> with the request, one with the response.
        entries = page.js("Array.from(document.querySelectorAll('#log .entry'),"
                          " e => Array.from(e.querySelectorAll('pre'), p => p.textContent))")
        if len(entries) != calls:
            raise StepFailed(f"{len(entries)} wire log entries for {calls} requests")
        for entry in entries:
            if len(entry) != 2 or not re.match(r"(GET|POST) /api/[a-z/-]+ HTTP/1\.1\n", entry[0]) \
                    or not re.match(r"\d{3} [A-Za-z ]+\nContent-Type: application/json\n\n", entry[1]):
                raise StepFailed(f"wire log entry without request line or status line: {entry!r:.200}")
        logins = [e[0] for e in entries if e[0].startswith("POST /api/token/ ")]
        if any(password in e for e in logins) or not all('"password":"********"' in e for e in logins):
            raise StepFailed("the wire log shows the password")
        urls = {e["params"]["request"]["url"] for e in page.events if e["method"] == "Network.requestWillBeSent"}
        foreign = sorted(u for u in urls if not u.startswith(base + "/"))
        if foreign:
            raise StepFailed(f"requests outside {base}: {foreign}")
        violations = page.js("window.__violations")
        errors = [e["params"]["exceptionDetails"].get("text") for e in page.events if e["method"] == "Runtime.exceptionThrown"]
        if violations or errors:
            raise StepFailed(f"CSP violations {violations}, script errors {errors}")
        return f"{calls} API requests logged, {len(urls)} URLs fetched, all from {base}"

    passed, failed, not_run = run_steps(steps)
    if failed:
        print("browser: the wire log, newest first:\n" + "\n".join(page.js(
            "Array.from(document.querySelectorAll('#log .entry'), e => e.textContent)") or []), flush=True)
    return passed, failed, not_run


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--chromium", required=True)
    ap.add_argument("--base", required=True, help="http://127.0.0.1:PORT of a running jwtd")
    ap.add_argument("--username", required=True)
    ap.add_argument("--password", required=True)
    ap.add_argument("--screenshot", help="write a PNG of the page at the end here")
    args = parse_bounded_args(ap)
    profile = tempfile.mkdtemp(prefix="jwtd-browser-")
    log = open(os.path.join(profile, "chromium.log"), "w")
    proc = None
    started = time.monotonic()
    try:
        proc = start_chromium(args.chromium, profile, log)
        if args.pid_file:
            with open(args.pid_file, "w") as f:
                f.write(f"{proc.pid}\n")
        try:
            page = Page(connect(proc, profile))
            for domain in ("Page", "Runtime", "Network"):
                page.call(f"{domain}.enable")
            # Runs before the page's own script, outside its policy: records
            # every violation the policy reports.
            page.call("Page.addScriptToEvaluateOnNewDocument", source=(
                "window.__violations = []; document.addEventListener('securitypolicyviolation',"
                " (e) => window.__violations.push(e.effectiveDirective));"))
            version = page.call("Browser.getVersion")["product"]
        except (RuntimeError, OSError, StepFailed) as e:
            print(f"browser: setup failed: {e}\n--- chromium's log ---\n" + open(log.name).read()[-3000:], flush=True)
            return 2
        print(f"browser: {version} (headless) against {args.base}", flush=True)
        passed, failed, not_run = run(page, args.base, args.username, args.password)
        if args.screenshot:
            size = page.call("Page.getLayoutMetrics")["cssContentSize"]
            shot = page.call("Page.captureScreenshot", format="png", captureBeyondViewport=True,
                             clip={"x": 0, "y": 0, "width": size["width"], "height": size["height"], "scale": 1})
            with open(args.screenshot, "wb") as f:
                f.write(base64.b64decode(shot["data"]))
            print(f"browser: screenshot in {args.screenshot}", flush=True)
        tail = f" ({not_run} not run after the failure)" if not_run else ""
        print(f"browser: took {time.monotonic() - started:.1f} s{tail}", flush=True)
        print(f"browser: {passed} passed, {failed} failed", flush=True)
        return 1 if failed or not_run else 0
    finally:
        signal.alarm(0)
        if proc is not None and proc.poll() is None:
            for sig, wait in ((signal.SIGTERM, 5), (signal.SIGKILL, 5)):
                try:
                    os.killpg(proc.pid, sig)
                    proc.wait(timeout=wait)
                    break
                except ProcessLookupError:
                    break
                except subprocess.TimeoutExpired:
                    continue
        log.close()
        shutil.rmtree(profile, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
