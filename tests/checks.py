"""What the Python checks share (tests/interop/check.py, its sliding.py
and asymmetric.py, tests/postgres/replicas.py): the assertions (a check
raises CheckFailed with what it saw, and the report prints describe(e)
after FAIL); the pinned packages' versions; jwtd's environment, `jwtd
serve` on a free port and JSON requests to it; and Django configured in
code with SimpleJWT and its blacklist app."""

import http.client
import json
import os
import re
import signal
import subprocess
import threading


# The settings both sides get: jwtd as JWTD_* (jwtd_environment), SimpleJWT
# through simple_jwt_settings. jwtd's defaults already are these (SimpleJWT's
# lifetimes are 5 min, and it does not rotate); they are passed explicitly
# so the two cannot drift.
COMMON = {
    "ACCESS_TOKEN_LIFETIME": 3600,
    "REFRESH_TOKEN_LIFETIME": 86400,
    "ROTATE_REFRESH_TOKENS": True,
    "BLACKLIST_AFTER_ROTATION": True,
    "UPDATE_LAST_LOGIN": False,
    "LEEWAY": 0,
    "CHECK_USER_IS_ACTIVE": True,
    "CHECK_REVOKE_TOKEN": False,
}


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


def pinned_version_problems(pins):
    """What differs from `pins` (distribution name -> version) in this
    Python, a line each; empty when every pin is installed."""
    from importlib import metadata

    problems = []
    for dist, want in pins.items():
        try:
            got = metadata.version(dist)
        except metadata.PackageNotFoundError:
            problems.append(f"{dist} is not installed")
            continue
        if got != want:
            problems.append(f"{dist} {got} installed, {want} pinned")
    return problems


# --------------------------------------------------------------------------
# jwtd


def jwtd_environment(settings):
    """This process's environment less its JWTD_* variables, plus
    JWTD_<name> for each of `settings` (booleans as true or false): jwtd
    sees no setting but these."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("JWTD_")}
    for name, value in settings.items():
        if isinstance(value, bool):
            value = "true" if value else "false"
        env["JWTD_" + name] = str(value)
    return env


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


def send_json(conn, method, path, body=None, headers=None):
    """One request on the http.client connection `conn`, with `body`, if
    not None, as JSON. Returns the status, the headers (names lower-case)
    and the body's bytes."""
    hdrs = dict(headers or {})
    data = None
    if body is not None:
        data = json.dumps(body).encode()
        hdrs["Content-Type"] = "application/json"
    conn.request(method, path, body=data, headers=hdrs)
    resp = conn.getresponse()
    return resp.status, {k.lower(): v for k, v in resp.getheaders()}, resp.read()


class JwtdServer:
    """`jwtd serve` started by serve(), its output in the file at logpath.
    addr is the "host:port" it said it listens on, host and port its
    parts; if it said none, addr is None, and the subclass stops it and
    says why."""

    http_timeout = 15  # seconds, every request
    stop_wait = 20  # seconds from SIGTERM to SIGKILL

    def __init__(self, jwtd, db, env, logpath, cwd=None):
        self.logpath = logpath
        self.log = open(logpath, "w", encoding="utf-8")  # noqa: SIM115
        self.proc, self.pump, self.addr = serve(jwtd, db, env, self.log, cwd=cwd)
        if self.addr is not None:
            host, _, port = self.addr.rpartition(":")
            self.host, self.port = host, int(port)

    def connection(self):
        return http.client.HTTPConnection(self.host, self.port, timeout=self.http_timeout)

    def request(self, method, path, body=None, headers=None):
        """send_json on a connection of its own: (status, headers, body)."""
        conn = self.connection()
        try:
            return send_json(conn, method, path, body, headers)
        finally:
            conn.close()

    def stop(self):
        """SIGTERM, SIGKILL if it has not exited within stop_wait seconds;
        its exit status. Stopping it again changes nothing."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(self.stop_wait)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.pump.join(5)
        self.log.close()
        return self.proc.returncode


# --------------------------------------------------------------------------
# Django


def simple_jwt_settings(common, **more):
    """SIMPLE_JWT with the claim names and header type jwtd uses, then
    `common` (the settings jwtd is given too, lifetimes in seconds: made
    timedeltas here), then `more`."""
    from datetime import timedelta

    simple_jwt = {
        "USER_ID_FIELD": "id",
        "USER_ID_CLAIM": "user_id",
        "TOKEN_TYPE_CLAIM": "token_type",
        "JTI_CLAIM": "jti",
        "AUTH_HEADER_TYPES": ("Bearer",),
        "REVOKE_TOKEN_CLAIM": "hash_password",
        **common,
    }
    for name in ("ACCESS_TOKEN_LIFETIME", "REFRESH_TOKEN_LIFETIME"):
        simple_jwt[name] = timedelta(seconds=simple_jwt[name])
    simple_jwt.update(more)
    return simple_jwt


def configure_django(simple_jwt, database, **settings):
    """Configures Django in code (once a process: SimpleJWT reads its
    settings at import) with auth, DRF, SimpleJWT and its blacklist app,
    SIMPLE_JWT and the default database `database`, plus `settings`; then
    runs `migrate`. PASSWORD_HASHERS is Django's default (PBKDF2-SHA256,
    1,000,000 rounds in 5.2)."""
    import django
    from django.conf import settings as django_settings

    django_settings.configure(
        DEBUG=False,
        # Deliberately no JWT key: SIMPLE_JWT's keys must be the ones used.
        SECRET_KEY="django-secret-key-that-is-not-any-jwt-key",
        ALLOWED_HOSTS=["testserver"],
        DATABASES={"default": database},
        INSTALLED_APPS=[
            "django.contrib.auth",
            "django.contrib.contenttypes",
            "rest_framework",
            "rest_framework_simplejwt",
            "rest_framework_simplejwt.token_blacklist",
        ],
        MIDDLEWARE=[],
        USE_TZ=True,
        DEFAULT_AUTO_FIELD="django.db.models.AutoField",
        SIMPLE_JWT=simple_jwt,
        **settings,
    )
    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)
