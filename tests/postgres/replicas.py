#!/usr/bin/env python3
"""PostgreSQL end-to-end check: two jwtd replicas and Django 5.2 +
djangorestframework-simplejwt 5.5.1 sharing one PostgreSQL database
(auth_user, token_blacklist_outstandingtoken, token_blacklist_blacklistedtoken).

Run through scripts/postgres-e2e.sh, which makes the virtual environment,
builds jwtd with the postgres feature and starts a throwaway cluster:

    python tests/postgres/replicas.py --jwtd target/debug/jwtd \\
        --postgres postgres://postgres@127.0.0.1:PORT/postgres

It creates a fresh database on that server, runs Django's `migrate` on it
(Django configured in code, ENGINE django.db.backends.postgresql), starts two
`jwtd serve --db postgres://.../DBNAME` replicas with the signing key Django
has (JWTD_SIGNING_KEY_FILE), and checks:

  a  a user created by Django logs in to both replicas;
  b  a user added by `jwtd user add` logs in to Django (authenticate() and
     TokenObtainPairSerializer), and Django's token for it works on jwtd;
  c  a refresh token jwtd rotated is refused by SimpleJWT's
     TokenRefreshSerializer (its BlacklistedToken row exists), and one
     SimpleJWT issued is refreshed by jwtd and then refused by SimpleJWT;
     one SimpleJWT rotated is refused by jwtd;
  d  8 concurrent refreshes of one token over both replicas: exactly one 200
     and seven 401s, 20 rounds; no refused refresh left a token behind;
  e  `jwtd user revoke`, `jwtd user passwd` and `jwtd key rotate` run
     against the database are honoured by the replicas within 1 s (the
     measured delays are printed); key rotation needs keys kept in the
     database, so it runs on a second pair of replicas started without
     a configured key;
  f  a replica killed with SIGKILL while refreshes run against both: every
     refresh answered 200 by either has its old token blacklisted and its new
     token outstanding, and the other replica keeps answering 200.

One line per check, "PASS [x] what" or "FAIL [x] what: why", then
"postgres-e2e: N passed, M failed". Exit status 0 only if nothing failed.
The whole run is bounded (--timeout, default 170 s); the replicas are
stopped and the database dropped on every exit.
"""

import argparse
import base64
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import traceback
import urllib.parse
import uuid

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import checks  # noqa: E402
from checks import (  # noqa: E402
    COMMON,
    CheckFailed,
    JwtdServer,
    describe,
    expect,
    expect_eq,
    jwtd_environment,
    pinned_version_problems,
    send_json,
)

PINS = {
    # distribution name -> the version tests/postgres/requirements.txt pins
    "Django": "5.2.19",
    "djangorestframework": "3.18.3",
    "djangorestframework-simplejwt": "5.5.1",
    "PyJWT": "2.15.1",
    "psycopg": "3.3.9",
    "psycopg-binary": "3.3.9",
}

ALGORITHM = "HS256"
KEY = "jwtd-postgres-e2e-signing-key-0123456789abcdef0123456789abcdef0123456789abcdef"

HTTP_TIMEOUT = 5  # seconds, every request
WITHIN = 1.0  # seconds a change made in the database may take to be honoured
POLL = 0.05  # seconds between polls
POLL_CAP = 3.0  # seconds a poll goes on, to measure a delay past WITHIN

RACE_ROUNDS = 20
RACE_WIDTH = 8
CRASH_THREADS = 4
CRASH_SECONDS = 3.0
CRASH_KILL_AT = 1.5

PASSWORD = "correct horse battery staple"
NEW_PASSWORD = "velvet thunder 1897 staple"


# --------------------------------------------------------------------------
# Reporting


class Report:
    def __init__(self):
        self.passed = 0
        self.failed = 0
        self.lock = threading.Lock()

    def check(self, tag, what, fn, *args):
        """Runs fn(*args); it passes unless it raises. fn may return a string
        to add to the PASS line (a measured delay). Returns fn's value."""
        try:
            value = fn(*args)
        except Exception as e:  # noqa: BLE001 - every failure is reported
            self.fail(tag, what, describe(e))
            if not isinstance(e, CheckFailed):
                traceback.print_exc(file=sys.stderr)
            return None
        self.ok(tag, what + (f" ({value})" if isinstance(value, str) and value else ""))
        return value

    def ok(self, tag, what):
        with self.lock:
            self.passed += 1
            print(f"PASS [{tag}] {what}", flush=True)

    def fail(self, tag, what, why):
        with self.lock:
            self.failed += 1
            why = " ".join(str(why).split())
            print(f"FAIL [{tag}] {what}: {why}", flush=True)

    def note(self, text):
        print(f"NOTE {text}", flush=True)


# --------------------------------------------------------------------------
# Tokens


def b64url_decode(segment):
    return base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))


def header_of(token):
    return json.loads(b64url_decode(token.split(".")[0]))


def payload_of(token):
    return json.loads(b64url_decode(token.split(".")[1]))


def jti(token):
    return payload_of(token)["jti"]


# --------------------------------------------------------------------------
# jwtd: command line and servers


def jwtd_env(key_file):
    """The environment jwtd runs with: none of ours JWTD_*, the settings
    Django has, and (unless key_file is None: keys kept in the database)
    the signing key from a file."""
    settings = {"ALGORITHM": ALGORITHM, **COMMON}
    if key_file is not None:
        settings["SIGNING_KEY_FILE"] = key_file
    return jwtd_environment(settings)


def run_cli(jwtd, args, env, cwd, stdin=None):
    proc = subprocess.run(
        [jwtd, *args], input=stdin, env=env, cwd=cwd, capture_output=True, text=True, timeout=60
    )
    if proc.returncode != 0:
        raise CheckFailed(
            f"`jwtd {' '.join(args)}` exited {proc.returncode}: {proc.stderr.strip()}"
        )
    return proc.stdout


ACCESS_LINE = re.compile(r" INFO \S+ (GET|POST|PUT|PATCH|DELETE|HEAD|OPTIONS) /\S* \d{3} ")
SERVERS = []  # every replica started, stopped on every exit


class Server(JwtdServer):
    """`jwtd serve --addr 127.0.0.1:0 --db URL`, as tests/interop/check.py
    starts it; the port is read from its 'listening on' line."""

    http_timeout = HTTP_TIMEOUT
    stop_wait = 10

    def __init__(self, name, jwtd, db, env, cwd, logpath):
        self.name = name
        super().__init__(jwtd, db, env, logpath, cwd=cwd)
        SERVERS.append(self)
        if self.addr is None:
            rc = self.stop()
            raise CheckFailed(
                f"`jwtd serve --addr 127.0.0.1:0 --db {db}` printed no 'listening on' line "
                f"(exit status {rc}): {self.tail(6)}"
            )

    def tail(self, n):
        """The log's last n lines, less the one-line-per-request ones."""
        try:
            with open(self.logpath, encoding="utf-8", errors="replace") as f:
                lines = [line for line in f.read().splitlines() if not ACCESS_LINE.search(line)]
        except OSError:
            return "(no log)"
        return " | ".join(lines[-n:]) or "(no log lines but requests)"

    def request(self, method, path, body=None, headers=None):
        """(status, body)."""
        status, _, data = super().request(method, path, body, headers)
        return status, data

    def login(self, username, password):
        status, body = self.request("POST", "/api/token/", {"username": username, "password": password})
        expect_eq(status, 200, f"{self.name} POST /api/token/ for {username} (body {body!r}): status")
        data = json.loads(body)
        expect_eq(sorted(data), ["access", "refresh"], f"{self.name} login response keys")
        return data

    def refresh(self, token):
        status, body = self.request("POST", "/api/token/refresh/", {"refresh": token})
        return status, (json.loads(body) if status == 200 else body)

    def protected(self, access):
        return self.request("GET", "/api/protected/", None, {"Authorization": "Bearer " + access})[0]

    def kill(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()


def poll(fn, cap=POLL_CAP):
    """Calls fn every POLL seconds until it returns true; the seconds that
    took, or None if it did not within cap."""
    start = time.monotonic()
    while True:
        if fn():
            return time.monotonic() - start
        if time.monotonic() - start > cap:
            return None
        time.sleep(POLL)


# --------------------------------------------------------------------------
# PostgreSQL and Django


def database_url(admin_url, name):
    u = urllib.parse.urlsplit(admin_url)
    return urllib.parse.urlunsplit((u.scheme, u.netloc, "/" + name, u.query, u.fragment))


def create_database(admin_url):
    import psycopg

    name = f"jwtd_e2e_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(admin_url, autocommit=True, connect_timeout=10) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return name


def drop_database(admin_url, name):
    import psycopg

    with psycopg.connect(admin_url, autocommit=True, connect_timeout=10) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def configure_django(admin_url, name):
    """Django on the database `name` of admin_url's server, migrated."""
    u = urllib.parse.urlsplit(admin_url)
    checks.configure_django(
        checks.simple_jwt_settings(COMMON, ALGORITHM=ALGORITHM, SIGNING_KEY=KEY),
        {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": name,
            "USER": urllib.parse.unquote(u.username or "postgres"),
            "PASSWORD": urllib.parse.unquote(u.password or ""),
            "HOST": u.hostname or "127.0.0.1",
            "PORT": str(u.port or 5432),
            "OPTIONS": {"connect_timeout": 10},
        },
    )


def simplejwt_refresh(token):
    """SimpleJWT's TokenRefreshSerializer on token: (True, new data) if it
    refreshes it, (False, why) if it refuses."""
    from rest_framework_simplejwt.exceptions import TokenError
    from rest_framework_simplejwt.serializers import TokenRefreshSerializer

    s = TokenRefreshSerializer(data={"refresh": token})
    try:
        if s.is_valid():
            return True, s.validated_data
        return False, s.errors
    except TokenError as e:
        return False, f"TokenError: {e}"
    except Exception as e:  # noqa: BLE001 - AuthenticationFailed and the like refuse too
        return False, f"{type(e).__name__}: {e}"


def blacklisted(token_jti):
    from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken

    return BlacklistedToken.objects.filter(token__jti=token_jti).exists()


def outstanding(token_jti):
    from rest_framework_simplejwt.token_blacklist.models import OutstandingToken

    return OutstandingToken.objects.filter(jti=token_jti).first()


# --------------------------------------------------------------------------
# The checks


class Run:
    def __init__(self, r, jwtd, admin_url, db_name, tmp):
        from django.contrib.auth import get_user_model

        self.r = r
        self.jwtd = jwtd
        self.db = database_url(admin_url, db_name)
        self.tmp = tmp
        self.key_file = os.path.join(tmp, "signing-key")
        # jwtd refuses a key file others can read.
        fd = os.open(self.key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(KEY + "\n")
        self.env = jwtd_env(self.key_file)
        self.env_db_keys = jwtd_env(None)
        self.User = get_user_model()
        self.s1 = self.s2 = None
        self.why_no_replicas = "not started"

    def cli(self, *args, env=None, stdin=None):
        return run_cli(self.jwtd, [*args, "--db", self.db], env or self.env, self.tmp, stdin)

    def django_user(self, name):
        return self.User.objects.create_user(username=name, password=PASSWORD)

    def replicas(self, tag, what):
        """The two replicas, or a failure saying why there are none."""
        if self.s1 is None or self.s2 is None:
            self.r.fail(tag, what, "no replicas (see [start])")
            return False
        return True

    def start_replicas(self):
        def start():
            self.s1 = Server("replica 1", self.jwtd, self.db, self.env, self.tmp,
                             os.path.join(self.tmp, "replica-1.log"))
            self.s2 = Server("replica 2", self.jwtd, self.db, self.env, self.tmp,
                             os.path.join(self.tmp, "replica-2.log"))
            return f"ports {self.s1.port} and {self.s2.port}"

        try:
            self.r.ok("start", "two `jwtd serve --db postgres://.../DB` replicas on one database "
                      f"({start()})")
        except Exception as e:  # noqa: BLE001
            self.why_no_replicas = describe(e)
            self.s1 = self.s2 = None
            self.r.fail("start", "two `jwtd serve --db postgres://.../DB` replicas on one database",
                        self.why_no_replicas)

    # ---- a ----
    def check_a(self):
        self.carol = self.django_user("dj_carol")
        what = "a user created by Django (create_user) logs in to replica {}"
        if not self.replicas("a", what.format("1 and 2")):
            return
        self.carol_pair = self.r.check("a", what.format(1), self.s1.login, "dj_carol", PASSWORD)
        self.r.check("a", what.format(2), self.s2.login, "dj_carol", PASSWORD)

        def wrong():
            status, body = self.s2.request(
                "POST", "/api/token/", {"username": "dj_carol", "password": PASSWORD + "x"})
            expect_eq(status, 401, f"status (body {body!r})")

        self.r.check("a", "the Django user's wrong password is refused by replica 2 (401)", wrong)

    # ---- b ----
    def check_b(self):
        from django.contrib.auth import authenticate
        from rest_framework_simplejwt.serializers import TokenObtainPairSerializer

        def add():
            out = self.cli("user", "add", "jw_dave", "--password-stdin", stdin=PASSWORD + "\n")
            m = re.search(r"with id (\d+)", out)
            expect(m, f"`jwtd user add` printed no id: {out!r}")
            user = self.User.objects.filter(username="jw_dave").first()
            expect(user is not None, "no auth_user row for jw_dave in Django's ORM")
            expect_eq(user.pk, int(m.group(1)), "id in auth_user vs the id jwtd printed")
            return f"id {user.pk}, hash {user.password.split('$')[0]}"

        if self.r.check("b", "`jwtd user add jw_dave --db postgres://... --password-stdin` writes "
                        "Django's auth_user", add) is None:
            return

        def django_login():
            user = authenticate(username="jw_dave", password=PASSWORD)
            expect(user is not None, "Django's authenticate() refuses jw_dave's password")
            expect(authenticate(username="jw_dave", password=PASSWORD + "x") is None,
                   "Django's authenticate() accepts a wrong password")
            s = TokenObtainPairSerializer(data={"username": "jw_dave", "password": PASSWORD})
            expect(s.is_valid(), f"TokenObtainPairSerializer refuses: {s.errors}")
            return s.validated_data

        pair = self.r.check("b", "the user jwtd added logs in to Django (authenticate(), "
                            "TokenObtainPairSerializer)", django_login)
        if pair is None or not self.replicas("b", "Django's token for jw_dave on replica 2"):
            return

        def on_jwtd():
            expect_eq(self.s2.protected(pair["access"]), 200, "replica 2 /api/protected/ status")

        self.r.check("b", "SimpleJWT's access token for jw_dave is accepted by replica 2's "
                     "/api/protected/", on_jwtd)

    # ---- c ----
    def check_c(self):
        from rest_framework_simplejwt.tokens import RefreshToken

        what1 = ("a refresh token jwtd rotated (replica 1) is refused by SimpleJWT's "
                 "TokenRefreshSerializer; its BlacklistedToken row exists")
        what2 = ("a refresh token SimpleJWT issued (RefreshToken.for_user) is refreshed by "
                 "replica 2 (200), then refused by SimpleJWT")
        what3 = "a refresh token SimpleJWT rotated is refused by replica 1 (401)"
        if not self.replicas("c", what1 + "; " + what2):
            return

        def jwtd_rotated():
            pair = self.s1.login("dj_carol", PASSWORD)
            old = pair["refresh"]
            status, data = self.s1.refresh(old)
            expect_eq(status, 200, f"replica 1 refresh status (body {data!r})")
            row = outstanding(jti(old))
            expect(row is not None, "no OutstandingToken row for the token jwtd issued at login")
            expect_eq(row.user_id, self.carol.pk, "its user_id")
            expect(blacklisted(jti(old)), "no BlacklistedToken row for the rotated token")
            expect(outstanding(jti(data["refresh"])) is not None,
                   "no OutstandingToken row for the new refresh token")
            ok, why = simplejwt_refresh(old)
            expect(not ok, f"SimpleJWT refreshed the token jwtd rotated: {why}")
            return f"SimpleJWT said {why}"

        self.r.check("c", what1, jwtd_rotated)

        def simplejwt_issued():
            token = str(RefreshToken.for_user(self.carol))
            expect(outstanding(jti(token)) is not None, "SimpleJWT left no OutstandingToken row")
            status, data = self.s2.refresh(token)
            expect_eq(status, 200, f"replica 2 refresh status (body {data!r})")
            expect(blacklisted(jti(token)), "no BlacklistedToken row after jwtd's rotation")
            ok, why = simplejwt_refresh(token)
            expect(not ok, f"SimpleJWT refreshed the token jwtd rotated: {why}")
            return [data["refresh"]]

        newer = self.r.check("c", what2, simplejwt_issued)
        if newer is None:
            return
        newer = newer[0]

        def simplejwt_rotated():
            ok, data = simplejwt_refresh(newer)
            expect(ok, f"SimpleJWT refuses jwtd's new refresh token: {data}")
            expect(blacklisted(jti(newer)), "SimpleJWT left no BlacklistedToken row")
            status, body = self.s1.refresh(newer)
            expect_eq(status, 401, f"replica 1 refresh status (body {body!r})")

        self.r.check("c", what3, simplejwt_rotated)

    # ---- d ----
    def check_d(self):
        from rest_framework_simplejwt.token_blacklist.models import OutstandingToken
        from rest_framework_simplejwt.tokens import RefreshToken

        what = (f"{RACE_WIDTH} concurrent refreshes of one token, half on each replica: exactly "
                f"one 200 and {RACE_WIDTH - 1} 401s, {RACE_ROUNDS} rounds")
        user = self.django_user("race_frank")
        if not self.replicas("d", what):
            return
        servers = [self.s1, self.s2]
        token = str(RefreshToken.for_user(user))
        bad = []
        winners = 0
        started = time.monotonic()
        for rnd in range(RACE_ROUNDS):
            results = [None] * RACE_WIDTH
            barrier = threading.Barrier(RACE_WIDTH, timeout=HTTP_TIMEOUT)

            def one(i, token=token, results=results, barrier=barrier):
                server = servers[i % 2]
                conn = server.connection()
                try:
                    conn.connect()
                    barrier.wait()
                    status, _, body = send_json(conn, "POST", "/api/token/refresh/", {"refresh": token})
                    results[i] = (server.name, status, body)
                except Exception as e:  # noqa: BLE001
                    results[i] = (server.name, None, describe(e))
                finally:
                    conn.close()

            threads = [threading.Thread(target=one, args=(i,)) for i in range(RACE_WIDTH)]
            for t in threads:
                t.start()
            for t in threads:
                t.join(HTTP_TIMEOUT * 3)
            statuses = sorted(str(res[1]) if res else "hung" for res in results)
            ok200 = [res for res in results if res and res[1] == 200]
            if statuses != ["200"] + ["401"] * (RACE_WIDTH - 1):
                others = [f"{n}: {s} {b!r:.80}" for n, s, b in (x for x in results if x) if s not in (200, 401)]
                bad.append(f"round {rnd + 1}: {' '.join(statuses)}" + (f" [{'; '.join(others)}]" if others else ""))
            if ok200:
                winners += 1
                token = json.loads(ok200[0][2])["refresh"]
            else:
                token = str(RefreshToken.for_user(user))
        took = time.monotonic() - started
        if bad:
            self.r.fail("d", what, f"{len(bad)} of {RACE_ROUNDS} rounds wrong: " + "; ".join(bad[:6]))
        else:
            self.r.ok("d", f"{what} ({took:.1f} s)")

        def no_stray_tokens():
            # One OutstandingToken per refresh token that exists: the first
            # (for_user) and one per winner; a loser must not have minted any.
            n = OutstandingToken.objects.filter(user=user).count()
            expect_eq(n, 1 + winners + (RACE_ROUNDS - winners),
                      "OutstandingToken rows of the racing user (for_user + winners' tokens)")

        self.r.check("d", "no refused refresh left an OutstandingToken row behind", no_stray_tokens)

    # ---- e ----
    def check_e_revoke(self):
        from rest_framework_simplejwt.token_blacklist.models import OutstandingToken

        what = ("`jwtd user revoke` on the database is honoured by both replicas' "
                f"/api/protected/ within {WITHIN:.0f} s")
        user = self.django_user("rv_erin")
        if not self.replicas("e", what):
            return

        def revoke():
            pair = self.s1.login("rv_erin", PASSWORD)
            access = pair["access"]
            expect_eq(self.s2.protected(access), 200, "replica 2 /api/protected/ before the revoke")
            self.cli("user", "revoke", "rv_erin")
            # Both replicas polled in one loop, each delay from the command's exit.
            t0 = time.monotonic()
            delays = {self.s2.name: None, self.s1.name: None}

            def both_refuse():
                for s in (self.s2, self.s1):
                    if delays[s.name] is None and s.protected(access) == 401:
                        delays[s.name] = time.monotonic() - t0
                return all(d is not None for d in delays.values())

            poll(both_refuse)
            shown = ", ".join(
                f"{n}: {'not within %.0f s' % POLL_CAP if d is None else '%.0f ms' % (d * 1000)}"
                for n, d in delays.items())
            expect(all(d is not None and d <= WITHIN for d in delays.values()),
                   f"the access token still works after the revoke: {shown}")
            rows = OutstandingToken.objects.filter(user=user)
            expect(rows.exists(), "rv_erin has no OutstandingToken row")
            left = [r.jti for r in rows if not blacklisted(r.jti)]
            expect(not left, f"OutstandingToken rows of rv_erin not blacklisted: {left}")
            ok, why = simplejwt_refresh(pair["refresh"])
            expect(not ok, f"SimpleJWT refreshes rv_erin's refresh token after the revoke: {why}")
            return "delay after the command exited: " + shown

        self.r.check("e", what, revoke)

    def check_e_passwd(self):
        from django.contrib.auth import authenticate

        what = ("`jwtd user passwd` on the database is honoured by replica 1's /api/protected/ "
                f"within {WITHIN:.0f} s, and Django logs in with the new password")
        self.django_user("pw_gina")
        if not self.replicas("e", what):
            return

        def passwd():
            access = self.s2.login("pw_gina", PASSWORD)["access"]
            expect_eq(self.s1.protected(access), 200, "replica 1 /api/protected/ before passwd")
            self.cli("user", "passwd", "pw_gina", "--password-stdin", stdin=NEW_PASSWORD + "\n")
            d = poll(lambda: self.s1.protected(access) == 401)
            shown = f"not within {POLL_CAP:.0f} s" if d is None else f"{d * 1000:.0f} ms"
            expect(d is not None and d <= WITHIN, f"the access token still works: {shown}")
            expect(authenticate(username="pw_gina", password=NEW_PASSWORD) is not None,
                   "Django's authenticate() refuses the new password")
            expect(authenticate(username="pw_gina", password=PASSWORD) is None,
                   "Django's authenticate() still accepts the old password")
            return f"delay {shown}"

        self.r.check("e", what, passwd)

    def check_e_key_rotate(self):
        """Keys kept in the database need replicas without a configured key:
        a second pair on the same database. Two lines: replica 1 signs with
        the new key; replica 2 accepts a token of the new key (replica 1's,
        or if replica 1 never switched, one from a replica started after the
        rotation, so that each half is tested on its own)."""
        what1 = (f"`jwtd key rotate` on the database: replica 1 signs with the new kid within "
                 f"{WITHIN:.0f} s")
        what2 = (f"`jwtd key rotate` on the database: replica 2 accepts a token of the new kid "
                 f"within {WITHIN:.0f} s")
        self.django_user("kid_hank")
        keys = []
        env = self.env_db_keys

        def server(n):
            k = Server(f"db-keys replica {n}", self.jwtd, self.db, env, self.tmp,
                       os.path.join(self.tmp, f"db-keys-replica-{n}.log"))
            keys.append(k)
            return k

        def delay(d):
            return f"more than {POLL_CAP:.0f} s" if d is None else f"{d * 1000:.0f} ms"

        try:
            try:
                k1, k2 = server(1), server(2)
            except Exception as e:  # noqa: BLE001
                for what in (what1, what2):
                    self.r.fail("e", what, "two replicas without a configured key (keys kept in "
                                f"the database): {describe(e)}")
                return
            pair = self.r.check("e", "replicas with keys kept in the database: a token of "
                                "replica 1 is accepted by replica 2", self._same_keys, k1, k2)
            if pair is None:
                return
            # None: the key generated before keys had ids, which signs until
            # the first rotation.
            old_kid = header_of(pair["access"]).get("kid")
            state = {"refresh": pair["refresh"], "access": None}

            def rotate():
                self.cli("key", "rotate", env=env)

                def new_kid():
                    status, data = k1.refresh(state["refresh"])
                    expect_eq(status, 200, f"replica 1 refresh status (body {data!r})")
                    state["refresh"] = data["refresh"]
                    kid = header_of(data["access"]).get("kid")
                    if kid is not None and kid != old_kid:
                        state["access"] = data["access"]
                        return True
                    return False

                d = poll(new_kid)
                expect(d is not None and d <= WITHIN,
                       (f"replica 1 still signs with {old_kid} {POLL_CAP:.0f} s after `jwtd key "
                        "rotate` exited" if d is None else
                        f"replica 1 took {d * 1000:.0f} ms to sign with the new kid")
                       + f"; `jwtd key list` says: {self._key_list(env)}")
                return f"{old_kid} -> {header_of(state['access']).get('kid')} after {delay(d)}"

            self.r.check("e", what1, rotate)

            def accepted():
                source = "replica 1"
                new = state["access"]
                if new is None:
                    source = "db-keys replica 3, started after the rotation (replica 1 never switched)"
                    new = server(3).login("kid_hank", PASSWORD)["access"]
                    expect(header_of(new).get("kid") not in (None, old_kid),
                           f"replica 3 signs with {header_of(new).get('kid')} too")
                d = poll(lambda: k2.protected(new) == 200)
                status, body = k2.request("GET", "/api/protected/", None,
                                          {"Authorization": "Bearer " + new})
                expect(d is not None and d <= WITHIN,
                       (f"replica 2 still refuses the token of kid {header_of(new).get('kid')} "
                        f"from {source} after {POLL_CAP:.0f} s" if d is None else
                        f"replica 2 took {d * 1000:.0f} ms to accept the token of kid "
                        f"{header_of(new).get('kid')} from {source}")
                       + f"; it answers {status} {body.decode(errors='replace')}")
                expect_eq(k2.protected(pair["access"]), 200,
                          "replica 2 with the old kid's token after the rotation")
                return f"kid {header_of(new).get('kid')} from {source}, after {delay(d)}"

            self.r.check("e", what2, accepted)
        finally:
            for k in keys:
                k.stop()

    def _same_keys(self, k1, k2):
        pair = k1.login("kid_hank", PASSWORD)
        expect_eq(k2.protected(pair["access"]), 200, "replica 2 /api/protected/ status")
        return pair

    def _key_list(self, env):
        try:
            return " ".join(self.cli("key", "list", env=env).split())
        except CheckFailed as e:
            return str(e)

    # ---- f ----
    def check_f(self):
        from rest_framework_simplejwt.tokens import RefreshToken

        what = ("replica 1 killed with SIGKILL while refreshes run on both: every 200 has its old "
                "token blacklisted and its new one outstanding")
        what2 = "replica 2 keeps answering 200s after replica 1 is killed"
        user = self.django_user("crash_ivan")
        if not self.replicas("f", what):
            return
        spares = [[str(RefreshToken.for_user(user)) for _ in range(6)] for _ in range(CRASH_THREADS)]
        done = []  # (server, old jti, new jti, when)
        errors = []
        lock = threading.Lock()
        stop_at = time.monotonic() + CRASH_SECONDS
        killed = {"at": None}

        def worker(i):
            mine = spares[i]
            token = mine.pop()
            turn = i
            while time.monotonic() < stop_at:
                server = [self.s1, self.s2][turn % 2]
                turn += 1
                if server is self.s1 and killed["at"] is not None:
                    server = self.s2
                began = time.monotonic()
                try:
                    status, data = server.refresh(token)
                except Exception as e:  # noqa: BLE001 - the killed replica
                    if server is self.s1 and killed["at"] is not None:
                        continue  # the same token, to replica 2
                    with lock:
                        errors.append(f"{server.name}: {describe(e)}")
                    continue
                if status == 200:
                    with lock:
                        done.append((server.name, jti(token), jti(data["refresh"]), began))
                    token = data["refresh"]
                else:
                    # The killed replica may have rotated it with its answer
                    # lost: a fresh chain.
                    if not mine:
                        with lock:
                            errors.append(f"{server.name}: {status} {data!r:.100} with no spare token left")
                        return
                    token = mine.pop()

        threads = [threading.Thread(target=worker, args=(i,)) for i in range(CRASH_THREADS)]
        for t in threads:
            t.start()
        time.sleep(CRASH_KILL_AT)
        killed["at"] = time.monotonic()
        self.s1.kill()
        for t in threads:
            t.join(CRASH_SECONDS + HTTP_TIMEOUT * 2)

        def consistent():
            expect(done, "no refresh answered 200")
            by = {}
            for name, *_ in done:
                by[name] = by.get(name, 0) + 1
            missing = []
            for name, old, new, _ in done:
                if not blacklisted(old):
                    missing.append(f"{name}: old {old} not blacklisted")
                row = outstanding(new)
                if row is None:
                    missing.append(f"{name}: new {new} not outstanding")
                elif row.user_id != user.pk:
                    missing.append(f"{name}: new {new} has user_id {row.user_id}")
            expect(not missing, f"{len(missing)} of {len(done)} refreshes: " + "; ".join(missing[:6]))
            expect(by.get(self.s1.name), f"replica 1 answered no 200 before it was killed ({by})")
            return ", ".join(f"{n}: {c}" for n, c in sorted(by.items())) + " refreshes"

        self.r.check("f", what, consistent)

        def survivor():
            after = [d for d in done if d[0] == self.s2.name and d[3] > killed["at"]]
            expect(after, "replica 2 answered no 200 after the kill")
            expect(not errors, "errors: " + "; ".join(errors[:6]))
            status, data = self.s2.refresh(str(RefreshToken.for_user(user)))
            expect_eq(status, 200, f"replica 2 refresh after the run (body {data!r})")
            return f"{len(after)} 200s after the kill"

        self.r.check("f", what2, survivor)


# --------------------------------------------------------------------------
# Driver


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--jwtd", required=True, help="path to the jwtd binary (built with --features postgres)")
    ap.add_argument("--postgres", required=True,
                    help="URL of a PostgreSQL server's maintenance database, "
                         "postgres://postgres@127.0.0.1:PORT/postgres; a fresh database is made there")
    ap.add_argument("--timeout", type=float, default=170, help="seconds the whole run may take")
    args = ap.parse_args()
    jwtd = os.path.abspath(args.jwtd)
    r = Report()
    started = time.monotonic()
    state = {"db": None, "tmp": None}

    def summary():
        print(f"postgres-e2e: took {time.monotonic() - started:.1f}s", flush=True)
        print(f"postgres-e2e: {r.passed} passed, {r.failed} failed", flush=True)

    def cleanup():
        for s in SERVERS:
            try:
                s.stop()
            except Exception:  # noqa: BLE001
                pass
        if r.failed:
            for s in SERVERS:
                print(f"--- {s.name} log ({s.logpath}), last lines:", file=sys.stderr)
                print(s.tail(15).replace(" | ", "\n"), file=sys.stderr)
        if state["db"]:
            try:
                from django.db import connections

                connections.close_all()
            except Exception:  # noqa: BLE001
                pass
            try:
                drop_database(args.postgres, state["db"])
            except Exception as e:  # noqa: BLE001
                print(f"postgres-e2e: could not drop the database {state['db']}: {e}", file=sys.stderr)
        if state["tmp"]:
            if r.failed:
                r.note(f"replica logs kept in {state['tmp']}")
            else:
                shutil.rmtree(state["tmp"], ignore_errors=True)

    def watchdog():
        r.fail("timeout", f"the whole run took more than {args.timeout:.0f} s", "stopped")
        for s in SERVERS:
            try:
                s.kill()
            except Exception:  # noqa: BLE001
                pass
        cleanup()
        summary()
        os._exit(1)

    timer = threading.Timer(args.timeout, watchdog)
    timer.daemon = True
    timer.start()

    try:
        problems = pinned_version_problems(PINS)
        if problems:
            for p in problems:
                r.fail("env", "pinned Python packages", p)
            r.note("the pins of tests/postgres/requirements.txt are not installed in this Python; "
                   "run scripts/postgres-e2e.sh")
            return 1
        r.ok("env", ", ".join(f"{d} {v}" for d, v in PINS.items())
             + f" on Python {sys.version.split()[0]}")
        if not os.access(jwtd, os.X_OK):
            r.fail("env", "the jwtd binary", f"not an executable: {jwtd}")
            return 1
        state["tmp"] = tempfile.mkdtemp(prefix="jwtd-postgres-e2e-")

        def fresh_database():
            state["db"] = create_database(args.postgres)
            configure_django(args.postgres, state["db"])
            from django.db import connection

            with connection.cursor() as c:
                c.execute("SELECT version()")
                version = c.fetchone()[0].split(" on ")[0]
            return f"{state['db']} on {version}"

        if r.check("django", "a fresh database, migrated by Django 5.2's `migrate` "
                   "(auth, contenttypes, token_blacklist)", fresh_database) is None:
            return 1

        run = Run(r, jwtd, args.postgres, state["db"], state["tmp"])
        run.start_replicas()
        for step in (run.check_a, run.check_b, run.check_c, run.check_d, run.check_e_revoke,
                     run.check_e_passwd, run.check_e_key_rotate, run.check_f):
            try:
                step()
            except Exception as e:  # noqa: BLE001
                r.fail(step.__name__.removeprefix("check_"), "aborted", describe(e))
                traceback.print_exc(file=sys.stderr)
    finally:
        timer.cancel()
        cleanup()
        summary()
    return 1 if r.failed or not r.passed else 0


if __name__ == "__main__":
    sys.exit(main())
