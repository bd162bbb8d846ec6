"""What the Python checks share (tests/interop/check.py,
tests/postgres/replicas.py): the assertions (a check raises CheckFailed
with what it saw, and the report prints describe(e) after FAIL), and
starting `jwtd serve` on a free port."""

import re
import subprocess
import threading


class CheckFailed(Exception):
    pass


def describe(e):
    """A failure, one line: a check's own message, or the exception's type
    and text."""
    if isinstance(e, CheckFailed):
        return str(e)
    return f"{type(e).__name__}: {e}"


def expect(cond, message):
    if not cond:
        raise CheckFailed(message)


def expect_eq(got, want, what="value"):
    if got != want:
        raise CheckFailed(f"{what}: got {got!r}, want {want!r}")


class Report:
    """One scenario's checks, a line each: "PASS [scenario] what",
    "FAIL [scenario] what: why", and "NOTE [scenario] text"."""

    def __init__(self, scenario):
        self.scenario = scenario
        self.passed = 0
        self.failed = 0

    def check(self, what, fn, *args):
        """Runs fn(*args); it passes unless it raises. Returns fn's value."""
        try:
            value = fn(*args)
        except Exception as e:  # noqa: BLE001 - every failure is reported
            self.fail(what, describe(e))
            return None
        self.ok(what)
        return value

    def ok(self, what):
        self.passed += 1
        print(f"PASS [{self.scenario}] {what}", flush=True)

    def fail(self, what, why):
        self.failed += 1
        why = " ".join(str(why).split())
        print(f"FAIL [{self.scenario}] {what}: {why}", flush=True)

    def note(self, text):
        print(f"NOTE [{self.scenario}] {text}", flush=True)


def serve(jwtd, db, env, log, cwd=None, timeout=20):
    """Starts `jwtd serve --addr 127.0.0.1:0 --db DB`, a thread copying its
    stderr to `log` (an open file). Returns the process, that thread, and
    the "host:port" it said it listens on, or None if it said nothing of
    the kind within `timeout` seconds (or exited first)."""
    proc = subprocess.Popen(
        [jwtd, "serve", "--addr", "127.0.0.1:0", "--db", db],
        env=env,
        cwd=cwd,
        stdin=subprocess.DEVNULL,
        stdout=log,
        stderr=subprocess.PIPE,
        text=True,
    )
    found = threading.Event()
    addr = []

    def pump():
        for line in proc.stderr:
            log.write(line)
            log.flush()
            if not addr:
                m = re.search(r"listening on http://(\S+)", line)
                if m:
                    addr.append(m.group(1))
                    found.set()
        found.set()

    thread = threading.Thread(target=pump, daemon=True)
    thread.start()
    found.wait(timeout)
    return proc, thread, (addr[0] if addr else None)
