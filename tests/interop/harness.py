"""What the scenarios of tests/interop/check.py (sliding.py's among them)
share: a scenario's run (Scenario: its settings and key, its Report, a
temporary directory for jwtd's database and log, the jwtd serving it),
jwtd's command line and server, Django configured in code for the
scenario, SimpleJWT's views (Django), and same_answer, which puts one
request to jwtd and to them."""

import base64
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import traceback

# check.py, the importer, has put tests/ on sys.path.
import checks
from checks import COMMON, CheckFailed, JwtdServer, Report, expect, expect_eq, jwtd_environment

# A scenario's signing key, unless it names its own SIGNING_KEY.
KEY = "jwtd-interop-signing-key-{}-0123456789abcdef0123456789abcdef0123456789abcdef"

# The Django user every scenario brings over to jwtd.
DJ_NAME, DJ_PASSWORD, DJ_ID = "dj_bob", "Tr0ub4dor&3 pässwörd", 7


# --------------------------------------------------------------------------
# Tokens at the byte level (no library involved)


def b64url_decode(segment):
    expect(re.fullmatch(r"[A-Za-z0-9_-]*", segment), f"segment not base64url: {segment!r}")
    return base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))


def split_token(token):
    parts = token.split(".")
    expect(len(parts) == 3, f"not three segments: {token!r}")
    return b64url_decode(parts[0]), b64url_decode(parts[1]), parts


def payload_of(token):
    return json.loads(split_token(token)[1])


def bearer(token):
    return {"Authorization": "Bearer " + token}


# --------------------------------------------------------------------------
# A scenario's run


class Scenario:
    """One scenario, run in a `with` block: cfg is COMMON with the
    scenario's settings (SIGNING_KEY aside), key its signing key, r its
    Report, tmp its directory and db jwtd's database there; server is the
    jwtd started by start(), None before and once stopped. An exception
    out of the block is reported as "scenario aborted" (a failure) and
    ends the block; at its end jwtd is stopped, and tmp removed unless a
    check failed."""

    def __init__(self, name, spec, jwtd):
        self.cfg = dict(COMMON)
        self.cfg.update({k: v for k, v in spec.items() if k != "SIGNING_KEY"})
        self.key = spec.get("SIGNING_KEY", KEY.format(name))
        self.jwtd = jwtd
        self.r = Report(name)
        self.tmp = tempfile.mkdtemp(prefix="jwtd-interop-")
        self.db = os.path.join(self.tmp, "jwtd.redb")
        self.server = None

    def __enter__(self):
        return self

    def __exit__(self, kind, error, tb):
        if isinstance(error, Exception):
            lines = traceback.format_exception(kind, error, tb)
            self.r.fail("scenario aborted", "".join(lines).strip().splitlines()[-1])
            traceback.print_exception(kind, error, tb, file=sys.stderr)
        if self.server is not None:
            self.server.stop()
        if self.r.failed:
            self.r.note(f"jwtd database and log kept in {self.tmp}")
        else:
            shutil.rmtree(self.tmp, ignore_errors=True)
        return isinstance(error, Exception)

    def env(self):
        """jwtd's environment for the scenario's settings and key."""
        return jwtd_env(self.cfg, self.key)

    def import_user(self, what, user, env):
        """A check named `what`: `user` comes over to jwtd by
        import_django_user with its id."""
        self.r.check(what, lambda: expect_eq(import_django_user(self.jwtd, self.db, env, user), user.pk, "id"))

    def start(self, env):
        """Starts jwtd on the scenario's database; its log is tmp/jwtd.log."""
        self.server = Server(self.jwtd, self.db, env, os.path.join(self.tmp, "jwtd.log"))
        return self.server

    def import_start_log_in(self, env, user, password, imported, logged_in, keys=None):
        """`user` comes over to jwtd with its id (the check `imported`), jwtd
        starts, and logs it in with `password` (the check `logged_in`: 200,
        and with `keys` the JSON's keys in that order). Returns the server
        and the login's JSON, None if that check failed."""
        self.import_user(imported, user, env)
        server = self.start(env)
        return server, self.r.check(logged_in, log_in, server, user.username, password, keys)

    def stop(self):
        """Stops jwtd: a check that it exits 0 on SIGTERM."""
        rc = self.server.stop()
        self.server = None
        self.r.check("jwtd serve exits 0 on SIGTERM", lambda: expect_eq(rc, 0, "exit status"))


# --------------------------------------------------------------------------
# jwtd: command line and server


def jwtd_env(cfg, key):
    # PASSWORD_ITERATIONS is left at jwtd's default on purpose: the password
    # checks assert it equals Django 5.2's.
    settings = {"SIGNING_KEY": key, "ALGORITHM": cfg["ALGORITHM"]}
    settings.update((name, cfg[name]) for name in COMMON)
    for name in ("AUDIENCE", "ISSUER"):
        if cfg.get(name) is not None:
            settings[name] = cfg[name]
    return jwtd_environment(settings)


def run_cli(args, env, stdin=None):
    proc = subprocess.run(
        args, input=stdin, env=env, capture_output=True, text=True, timeout=60
    )
    if proc.returncode != 0:
        raise CheckFailed(
            f"`{' '.join(args[1:])}` exited {proc.returncode}: {proc.stderr.strip()}"
        )
    return proc.stdout


def exported_users(jwtd, db, env):
    """jwtd's users, as `jwtd user export-django` writes them."""
    return json.loads(run_cli([jwtd, "user", "export-django", "--db", db], env))


def import_django_user(jwtd, db, env, user):
    """Brings a Django user over the way an operator would: Django's own
    `dumpdata auth.user`, then `jwtd user import-django`. Returns its id in jwtd."""
    import io

    from django.core.management import call_command

    dump = io.StringIO()
    call_command("dumpdata", "auth.user", pks=str(user.pk), stdout=dump)
    path = db + f".user-{user.pk}.json"
    with open(path, "w", encoding="utf-8") as f:
        f.write(dump.getvalue())
    run_cli([jwtd, "user", "import-django", path, "--db", db], env)
    for entry in exported_users(jwtd, db, env):
        if entry["fields"]["username"] == user.username:
            return int(entry["pk"])
    raise CheckFailed(f"user {user.username!r} missing after import-django")


class Server(JwtdServer):
    def __init__(self, jwtd, db, env, logpath):
        super().__init__(jwtd, db, env, logpath)
        if self.addr is None:
            self.stop()
            raise CheckFailed(f"jwtd serve printed no 'listening on' line (log: {logpath})")


def log_in(server, username, password, keys=None):
    """jwtd's POST /api/token/ answers 200; its JSON, whose keys are `keys`
    in order when given."""
    status, _, body = server.request("POST", "/api/token/", {"username": username, "password": password})
    expect_eq(status, 200, f"POST /api/token/ status (body {body!r})")
    data = json.loads(body)
    if keys is not None:
        expect_eq(list(data), keys, "response keys")
    return data


# --------------------------------------------------------------------------
# Django: one scenario a process (SimpleJWT reads its settings at import)


def configure_django(cfg, key, extra=None):
    simple_jwt = checks.simple_jwt_settings(
        {name: cfg[name] for name in COMMON},
        ALGORITHM=cfg["ALGORITHM"],
        SIGNING_KEY=key,
        AUDIENCE=cfg.get("AUDIENCE"),
        ISSUER=cfg.get("ISSUER"),
        USER_ID_FIELD=cfg.get("USER_ID_FIELD", "id"),
        **(extra or {}),
    )
    checks.configure_django(
        simple_jwt,
        {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"},
        REST_FRAMEWORK={
            "DEFAULT_AUTHENTICATION_CLASSES": (
                "rest_framework_simplejwt.authentication.JWTAuthentication",
            ),
            "DEFAULT_PERMISSION_CLASSES": ("rest_framework.permissions.IsAuthenticated",),
        },
    )


class Django:
    """SimpleJWT's real classes and views, as a Django service would run them."""

    def __init__(self):
        from django.test import RequestFactory
        from rest_framework.decorators import api_view
        from rest_framework.response import Response
        from rest_framework_simplejwt import views

        self.rf = RequestFactory()

        @api_view(["GET"])
        def protected(request):
            return Response(
                {"message": "Hello, authenticated user!", "user": request.user.username}
            )

        self.views = {
            "/api/protected/": protected,
            "/api/token/verify/": views.TokenVerifyView.as_view(),
            "/api/token/refresh/": views.TokenRefreshView.as_view(),
        }

    def request(self, method, path, body=None, headers=None):
        extra = {}
        for k, v in (headers or {}).items():
            extra["HTTP_" + k.upper().replace("-", "_")] = v
        if method == "GET":
            req = self.rf.get(path, **extra)
        else:
            req = self.rf.post(path, data=json.dumps(body), content_type="application/json", **extra)
        resp = self.views[path](req)
        resp.render()
        return resp.status_code, {k.lower(): v for k, v in resp.items()}, resp.content


def same_answer(jwtd, django, method, path, body=None, headers=None, want_status=None):
    """jwtd and SimpleJWT's view answer with the same status and bytes."""
    js, jh, jb = jwtd.request(method, path, body, headers)
    ds, dh, db_ = django.request(method, path, body, headers)
    expect(
        (js, jb) == (ds, db_),
        f"jwtd {js} {jb.decode(errors='replace')} != SimpleJWT {ds} {db_.decode(errors='replace')}",
    )
    if want_status is not None:
        expect_eq(js, want_status, "status (both sides)")
    if js == 401:
        expect_eq(jh.get("www-authenticate"), dh.get("www-authenticate"), "WWW-Authenticate")
    return jb


def check_protected(r, server, django, cases, where="/api/protected/"):
    """For each (what, token, want) of `cases` a check: GET /api/protected/
    with the token as bearer gets `want` and the same body from jwtd and
    from Django."""
    for what, token, want in cases:
        r.check(
            f"{where} with {what}: {want} from both, same body",
            same_answer, server, django, "GET", "/api/protected/", None, bearer(token), want,
        )
