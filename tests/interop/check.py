#!/usr/bin/env python3
"""Interoperability check: the real jwtd binary against the real
djangorestframework-simplejwt 5.5.1 (Django 5.2, DRF 3.18, PyJWT 2.x).

Run through scripts/interop.sh, which makes the virtual environment and builds
the binaries:

    python tests/interop/check.py --jwtd target/debug/jwtd

For every scenario (algorithm, AUDIENCE/ISSUER, CHECK_REVOKE_TOKEN) a child
process configures Django in code with SIMPLE_JWT equal to the settings jwtd
is started with, creates matching users on both sides (same id, same username,
same stored password hash) and checks, with SimpleJWT's own classes and views:

  jwtd -> Django   tokens from jwtd's /api/token/ are accepted by AccessToken,
                   RefreshToken, UntypedToken, JWTAuthentication and
                   TokenRefreshSerializer, and SimpleJWT re-encodes them to
                   the same bytes (header, claim order and values);
  Django -> jwtd   tokens from RefreshToken.for_user() are accepted by jwtd's
                   /api/protected/, /api/token/verify/, /api/token/refresh/
                   (then blacklisted) and /api/token/blacklist/;
  both ways        hand-made good and bad tokens get the same status and the
                   same response bytes from jwtd and from SimpleJWT's views;
  passwords        a hash made by `jwtd user add` (read back with
                   `jwtd user export-django`) passes Django's check_password
                   and is what Django 5.2 would store; a user brought over
                   with Django's own `dumpdata auth.user` and
                   `jwtd user import-django` logs in to jwtd; and (once,
                   in HS256) `jwtd user add` refuses a new password with
                   the very messages of Django's validate_password under
                   the startproject AUTH_PASSWORD_VALIDATORS;
  whole project    a whole project's `dumpdata` imports its users into jwtd;
                   a user with an Argon2PasswordHasher hash comes back
                   byte-identical through `jwtd user export-django` and
                   `loaddata` to log in to Django again;
  hashers          Django-made argon2, bcrypt_sha256, scrypt, bcrypt and
                   pbkdf2_sha1 hashes log in to jwtd, which re-hashes them
                   with pbkdf2_sha256, and the new hashes pass Django's
                   check_password;
  claims           (HS256+claims) TOKEN_CLAIMS makes the bytes of a
                   TokenObtainPairSerializer whose get_token adds the same
                   claims, each side takes the other's tokens, and
                   STATELESS_AUTHENTICATION answers as a view with
                   JWTStatelessUserAuthentication, byte for byte;
  sliding          (HS256+sliding, tests/interop/sliding.py)
                   AUTH_TOKEN_CLASSES=sliding against SimpleJWT's sliding
                   views and SlidingToken authentication, both ways;
  user fields      (HS256+user-fields) USER_ID_FIELD=email and TOKEN_CLAIMS
                   with email, first_name, last_name: a Django user with
                   them, imported by dumpdata, gets from jwtd the bytes of a
                   serializer adding the same claims, under the same
                   USER_ID_FIELD; each side takes the other's tokens
                   (protected, verify, refresh).

One line per check, "PASS [scenario] what" or "FAIL [scenario] what: why",
then "interop: N passed, M failed". Exit status 0 only if nothing failed.
"""

import argparse
import base64
import http.client
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import traceback
import uuid

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from checks import CheckFailed, Report, describe, expect, expect_eq, serve  # noqa: E402

PINS = {
    # distribution name -> the version tests/interop/requirements.txt pins
    "Django": "5.2.19",
    "djangorestframework": "3.18.3",
    "djangorestframework-simplejwt": "5.5.1",
    "PyJWT": "2.15.1",
    "argon2-cffi": "25.1.0",
    "bcrypt": "5.0.0",
}

# Settings both sides get. jwtd's defaults already are these (SimpleJWT's are
# 5 min and no rotation); they are passed explicitly so the two cannot drift.
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

KEY = "jwtd-interop-signing-key-{}-0123456789abcdef0123456789abcdef0123456789abcdef"

SCENARIOS = {
    "HS256": {"ALGORITHM": "HS256"},
    "HS384": {"ALGORITHM": "HS384"},
    "HS512": {"ALGORITHM": "HS512"},
    "HS256+aud+iss": {
        "ALGORITHM": "HS256",
        "AUDIENCE": "my-aud",
        "ISSUER": "https://issuer.example",
    },
    "HS512+aud+iss": {
        "ALGORITHM": "HS512",
        "AUDIENCE": "my-aud",
        "ISSUER": "https://issuer.example",
    },
    "HS256+revoke": {"ALGORITHM": "HS256", "CHECK_REVOKE_TOKEN": True},
    # SIGNING_KEY is the UTF-8 bytes of the string on both sides.
    "HS256+utf8-key": {
        "ALGORITHM": "HS256",
        "SIGNING_KEY": "clé-ünïcødé-✓-" + "0123456789abcdef" * 3,
    },
    # TOKEN_CLAIMS and STATELESS_AUTHENTICATION against a serializer whose
    # get_token adds the same claims and JWTStatelessUserAuthentication
    # (run_claims_scenario).
    "HS256+claims": {
        "ALGORITHM": "HS256",
        "TOKEN_CLAIMS": ["username", "is_staff", "is_superuser"],
        "STATELESS_AUTHENTICATION": True,
    },
    # AUTH_TOKEN_CLASSES=sliding against SimpleJWT's sliding views and
    # SlidingToken authentication (tests/interop/sliding.py).
    "HS256+sliding": {"ALGORITHM": "HS256", "AUTH_TOKEN_CLASSES": "sliding"},
    # USER_ID_FIELD and the user's email and names (run_user_fields_scenario).
    "HS256+user-fields": {
        "ALGORITHM": "HS256",
        "USER_ID_FIELD": "email",
        "TOKEN_CLAIMS": ["username", "email", "first_name", "last_name"],
    },
}

JW_NAME, JW_PASSWORD = "jw_alice", "correct horse battery staple"
DJ_NAME, DJ_PASSWORD, DJ_ID = "dj_bob", "Tr0ub4dor&3 pässwörd", 7
AR_NAME, AR_PASSWORD, AR_ID = "dj_argon", "argon2 pässwörd ✓", 9

HEADER_NAMES = {"HS256": "SHA256", "HS384": "SHA384", "HS512": "SHA512"}


# --------------------------------------------------------------------------
# Reporting



# --------------------------------------------------------------------------
# Tokens at the byte level (no library involved)


def b64url_decode(segment):
    expect(re.fullmatch(r"[A-Za-z0-9_-]*", segment), f"segment not base64url: {segment!r}")
    return base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def split_token(token):
    parts = token.split(".")
    expect(len(parts) == 3, f"not three segments: {token!r}")
    return b64url_decode(parts[0]), b64url_decode(parts[1]), parts


def payload_of(token):
    return json.loads(split_token(token)[1])


def expected_claims(cfg, token_type):
    keys = ["token_type", "exp", "iat", "jti", "user_id"]
    if cfg["CHECK_REVOKE_TOKEN"]:
        keys.append("hash_password")
    if cfg.get("AUDIENCE") is not None:
        keys.append("aud")
    if cfg.get("ISSUER") is not None:
        keys.append("iss")
    return keys


# --------------------------------------------------------------------------
# jwtd: command line and server


def jwtd_env(cfg, key):
    env = {k: v for k, v in os.environ.items() if not k.startswith("JWTD_")}

    def put(name, value):
        if isinstance(value, bool):
            value = "true" if value else "false"
        env["JWTD_" + name] = str(value)

    env["JWTD_SIGNING_KEY"] = key
    put("ALGORITHM", cfg["ALGORITHM"])
    for name in COMMON:
        put(name, cfg[name])
    if cfg.get("AUDIENCE") is not None:
        put("AUDIENCE", cfg["AUDIENCE"])
    if cfg.get("ISSUER") is not None:
        put("ISSUER", cfg["ISSUER"])
    # PASSWORD_ITERATIONS is left at jwtd's default on purpose: the password
    # checks assert it equals Django 5.2's.
    return env


def run_cli(args, env, stdin=None):
    proc = subprocess.run(
        args, input=stdin, env=env, capture_output=True, text=True, timeout=60
    )
    if proc.returncode != 0:
        raise CheckFailed(
            f"`{' '.join(args[1:])}` exited {proc.returncode}: {proc.stderr.strip()}"
        )
    return proc.stdout


def jwtd_user_add(jwtd, db, env, name, password):
    out = run_cli([jwtd, "user", "add", name, "--password-stdin", "--db", db], env, password + "\n")
    m = re.search(r"with id (\d+)", out)
    expect(m, f"`jwtd user add` printed no id: {out!r}")
    return int(m.group(1))


# The two steps jwtd's CLI cannot do yet. When `jwtd user import-django` (or a
# hash export) exists, these are the only functions to change.


def exported_users(jwtd, db, env):
    """jwtd's users, as `jwtd user export-django` writes them."""
    return json.loads(run_cli([jwtd, "user", "export-django", "--db", db], env))


def stored_hash(jwtd, db, env, name):
    """The password hash jwtd stored for `name`."""
    for entry in exported_users(jwtd, db, env):
        if entry["fields"]["username"] == name:
            return entry["fields"]["password"]
    raise CheckFailed(f"`jwtd user export-django` has no user {name!r}")


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


class Server:
    def __init__(self, jwtd, db, env, logpath):
        self.log = open(logpath, "w", encoding="utf-8")  # noqa: SIM115
        self.proc, self.pump, self.addr = serve(jwtd, db, env, self.log)
        if self.addr is None:
            self.stop()
            raise CheckFailed(f"jwtd serve printed no 'listening on' line (log: {logpath})")
        host, _, port = self.addr.rpartition(":")
        self.host, self.port = host, int(port)

    def request(self, method, path, body=None, headers=None):
        conn = http.client.HTTPConnection(self.host, self.port, timeout=15)
        try:
            hdrs = dict(headers or {})
            data = None
            if body is not None:
                data = json.dumps(body).encode()
                hdrs["Content-Type"] = "application/json"
            conn.request(method, path, body=data, headers=hdrs)
            resp = conn.getresponse()
            return resp.status, {k.lower(): v for k, v in resp.getheaders()}, resp.read()
        finally:
            conn.close()

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.pump.join(5)
        self.log.close()
        return self.proc.returncode


# --------------------------------------------------------------------------
# One scenario, in its own process (SimpleJWT reads its settings at import)


def configure_django(cfg, key, extra=None):
    import django
    from django.conf import settings

    simple_jwt = {
        "ALGORITHM": cfg["ALGORITHM"],
        "SIGNING_KEY": key,
        "AUDIENCE": cfg.get("AUDIENCE"),
        "ISSUER": cfg.get("ISSUER"),
        "USER_ID_FIELD": cfg.get("USER_ID_FIELD", "id"),
        "USER_ID_CLAIM": "user_id",
        "TOKEN_TYPE_CLAIM": "token_type",
        "JTI_CLAIM": "jti",
        "AUTH_HEADER_TYPES": ("Bearer",),
        "REVOKE_TOKEN_CLAIM": "hash_password",
    }
    for name, value in COMMON.items():
        simple_jwt[name] = cfg[name]
    from datetime import timedelta

    simple_jwt["ACCESS_TOKEN_LIFETIME"] = timedelta(seconds=cfg["ACCESS_TOKEN_LIFETIME"])
    simple_jwt["REFRESH_TOKEN_LIFETIME"] = timedelta(seconds=cfg["REFRESH_TOKEN_LIFETIME"])
    simple_jwt.update(extra or {})
    settings.configure(
        DEBUG=False,
        # Deliberately not the signing key: SIMPLE_JWT["SIGNING_KEY"] must be used.
        SECRET_KEY="django-secret-key-that-is-not-the-jwt-signing-key",
        ALLOWED_HOSTS=["testserver"],
        DATABASES={"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}},
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
        REST_FRAMEWORK={
            "DEFAULT_AUTHENTICATION_CLASSES": (
                "rest_framework_simplejwt.authentication.JWTAuthentication",
            ),
            "DEFAULT_PERMISSION_CLASSES": ("rest_framework.permissions.IsAuthenticated",),
        },
        SIMPLE_JWT=simple_jwt,
        # PASSWORD_HASHERS: Django's default (PBKDF2-SHA256, 1,000,000 rounds in 5.2).
    )
    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)


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



def end_scenario(r, server, tmp):
    """Stops the scenario's jwtd, if it still runs, and keeps its directory
    (database and log) only when a check failed."""
    if server is not None:
        server.stop()
    if r.failed:
        r.note(f"jwtd database and log kept in {tmp}")
    else:
        shutil.rmtree(tmp, ignore_errors=True)

def run_user_fields_scenario(name, jwtd):
    """USER_ID_FIELD and TOKEN_CLAIMS of a user's email and names: jwtd's
    tokens are the bytes SimpleJWT's serializer (adding the same claims,
    under the same USER_ID_FIELD) makes, and each side takes the other's."""
    spec = SCENARIOS[name]
    cfg = dict(COMMON)
    cfg.update(spec)
    fields, id_field = spec["TOKEN_CLAIMS"], spec["USER_ID_FIELD"]
    key = KEY.format(name)
    r = Report(name)
    tmp = tempfile.mkdtemp(prefix="jwtd-interop-")
    server = None
    try:
        configure_django(cfg, key)
        from django.contrib.auth import get_user_model
        from rest_framework_simplejwt.authentication import JWTAuthentication
        from rest_framework_simplejwt.serializers import (
            TokenObtainPairSerializer,
            TokenRefreshSerializer,
        )

        class ClaimsSerializer(TokenObtainPairSerializer):
            @classmethod
            def get_token(cls, user):
                token = super().get_token(user)
                for field in fields:
                    token[field] = getattr(user, field)
                return token

        django = Django()
        db = os.path.join(tmp, "jwtd.redb")
        env = jwtd_env(cfg, key)
        env["JWTD_TOKEN_CLAIMS"] = ",".join(fields)
        env["JWTD_USER_ID_FIELD"] = id_field
        order = ["token_type", "exp", "iat", "jti", "user_id", *fields]
        dj_user = get_user_model().objects.create_user(
            id=DJ_ID, username=DJ_NAME, password=DJ_PASSWORD,
            email="bob@example.com", first_name="Böb", last_name="O'Neil",
        )
        r.check(
            f"Django user {DJ_NAME} with email and names added to jwtd by dumpdata",
            lambda: expect_eq(import_django_user(jwtd, db, env, dj_user), DJ_ID, "id"),
        )
        server = Server(jwtd, db, env, os.path.join(tmp, "jwtd.log"))

        def login():
            status, _, body = server.request(
                "POST", "/api/token/", {"username": DJ_NAME, "password": DJ_PASSWORD}
            )
            expect_eq(status, 200, f"POST /api/token/ status (body {body!r})")
            return json.loads(body)

        pair = r.check(f"jwtd login of {DJ_NAME} with USER_ID_FIELD={id_field}", login)
        if pair is not None:

            def same_bytes():
                expect_eq(payload_of(pair["access"])["user_id"], dj_user.email, "user_id claim")
                mine = ClaimsSerializer.get_token(dj_user)
                theirs = payload_of(pair["refresh"])
                for claim in ("exp", "iat", "jti"):
                    mine[claim] = theirs[claim]
                expect_eq(list(theirs), order, "refresh claim order")
                expect_eq(str(mine), pair["refresh"], "refresh token bytes")
                access = mine.access_token
                theirs = payload_of(pair["access"])
                for claim in ("exp", "iat", "jti"):
                    access[claim] = theirs[claim]
                expect_eq(str(access), pair["access"], "access token bytes")

            r.check(
                "jwtd's tokens are the bytes of the serializer's get_token for the same exp, iat "
                f"and jti, user_id the email: {','.join(order)}",
                same_bytes,
            )

            def django_accepts():
                req = django.rf.get("/", HTTP_AUTHORIZATION="Bearer " + pair["access"])
                user, _ = JWTAuthentication().authenticate(req)
                expect_eq(user.pk, DJ_ID, "JWTAuthentication user")
                ser = TokenRefreshSerializer(data={"refresh": pair["refresh"]})
                ser.is_valid(raise_exception=True)
                expect_eq(payload_of(ser.validated_data["access"])["user_id"], dj_user.email, "user_id")

            r.check(
                "SimpleJWT with the same USER_ID_FIELD takes jwtd's tokens: JWTAuthentication, "
                "TokenRefreshSerializer",
                django_accepts,
            )

        def django_tokens_in_jwtd():
            ser = ClaimsSerializer(data={"username": DJ_NAME, "password": DJ_PASSWORD})
            ser.is_valid(raise_exception=True)
            refresh, access = ser.validated_data["refresh"], ser.validated_data["access"]
            expect_eq(payload_of(access)["user_id"], dj_user.email, "SimpleJWT's user_id")
            same_answer(
                server, django, "GET", "/api/protected/",
                headers={"Authorization": "Bearer " + access}, want_status=200,
            )
            status, _, body = server.request("POST", "/api/token/verify/", {"token": access})
            expect_eq((status, body), (200, b"{}"), "verify")
            status, _, body = server.request("POST", "/api/token/refresh/", {"refresh": refresh})
            expect_eq(status, 200, f"refresh status (body {body!r})")
            p = payload_of(json.loads(body)["access"])
            expect_eq(list(p), order, "jwtd's new access claims")
            expect_eq([p[f] for f in fields], [getattr(dj_user, f) for f in fields], "values")

        r.check(
            "the serializer's tokens work in jwtd (protected finds the user by email, verify, "
            "refresh carrying the claims on)",
            django_tokens_in_jwtd,
        )

        def nobody():
            import jwt as pyjwt

            now = int(time.time())
            token = pyjwt.encode(
                {"token_type": "access", "exp": now + 300, "iat": now, "jti": uuid.uuid4().hex,
                 "user_id": "nobody@example.com"}, key, algorithm="HS256")
            same_answer(
                server, django, "GET", "/api/protected/",
                headers={"Authorization": "Bearer " + token}, want_status=401,
            )

        r.check("an email naming nobody: 401 from both, same body", nobody)
    except Exception:  # noqa: BLE001
        r.fail("scenario aborted", traceback.format_exc().strip().splitlines()[-1])
        traceback.print_exc(file=sys.stderr)
    finally:
        end_scenario(r, server, tmp)
    return r


def run_scenario(name, jwtd):
    spec = SCENARIOS[name]
    if "USER_ID_FIELD" in spec:
        return run_user_fields_scenario(name, jwtd)
    if "TOKEN_CLAIMS" in spec:
        return run_claims_scenario(name, jwtd)
    if "AUTH_TOKEN_CLASSES" in spec:
        from sliding import run_sliding_scenario

        return run_sliding_scenario(name, jwtd)
    cfg = dict(COMMON)
    cfg.update({k: v for k, v in spec.items() if k != "SIGNING_KEY"})
    alg = cfg["ALGORITHM"]
    key = spec.get("SIGNING_KEY", KEY.format(name))
    r = Report(name)
    tmp = tempfile.mkdtemp(prefix="jwtd-interop-")
    server = None
    try:
        configure_django(cfg, key)
        import jwt as pyjwt
        from django.contrib.auth import get_user_model
        from django.contrib.auth.hashers import check_password, get_hasher, identify_hasher
        from rest_framework_simplejwt.authentication import JWTAuthentication
        from rest_framework_simplejwt.serializers import TokenRefreshSerializer
        from rest_framework_simplejwt.tokens import AccessToken, RefreshToken, UntypedToken
        from rest_framework_simplejwt.utils import get_md5_hash_password

        User = get_user_model()
        django = Django()
        db = os.path.join(tmp, "jwtd.redb")
        env = jwtd_env(cfg, key)

        # ---- users: the same id, username and stored hash on both sides ----
        jw_id = jwtd_user_add(jwtd, db, env, JW_NAME, JW_PASSWORD)
        jw_hash = stored_hash(jwtd, db, env, JW_NAME)
        jw_user = User(id=jw_id, username=JW_NAME, password=jw_hash)
        jw_user.save()
        dj_user = User.objects.create_user(id=DJ_ID, username=DJ_NAME, password=DJ_PASSWORD)
        dj_hash = dj_user.password
        r.check(
            f"Django user {DJ_NAME} (id {DJ_ID}, Django-made hash) added to jwtd with its id",
            lambda: expect_eq(import_django_user(jwtd, db, env, dj_user), DJ_ID, "id"),
        )

        # ---- passwords: jwtd's hashes in Django ----
        r.check(
            "hash stored by `jwtd user add` passes Django check_password",
            lambda: expect(check_password(JW_PASSWORD, jw_hash), f"check_password False for {jw_hash!r}"),
        )
        r.check(
            "hash stored by `jwtd user add` fails Django check_password with a wrong password",
            lambda: expect(not check_password(JW_PASSWORD + "x", jw_hash), "wrong password accepted"),
        )

        def is_django_default():
            hasher = identify_hasher(jw_hash)
            expect_eq(hasher.algorithm, "pbkdf2_sha256", "algorithm")
            expect_eq(hasher.decode(jw_hash)["iterations"], get_hasher("default").iterations, "iterations")
            expect(not hasher.must_update(jw_hash), f"Django's must_update is True for {jw_hash!r}")

        r.check(
            "hash stored by `jwtd user add` is what Django 5.2 stores (pbkdf2_sha256, "
            "default iterations, must_update False)",
            is_django_default,
        )

        # ---- start jwtd ----
        server = Server(jwtd, db, env, os.path.join(tmp, "jwtd.log"))

        def login(username, password):
            status, _, body = server.request(
                "POST", "/api/token/", {"username": username, "password": password}
            )
            expect_eq(status, 200, f"POST /api/token/ status (body {body!r})")
            data = json.loads(body)
            expect_eq(list(data), ["refresh", "access"], "response keys")
            return data

        jw_pair = r.check(f"jwtd login of {JW_NAME} (hash made by jwtd)", login, JW_NAME, JW_PASSWORD)
        dj_pair = r.check(
            f"Django-made password hash logs in to jwtd ({DJ_NAME})", login, DJ_NAME, DJ_PASSWORD
        )

        def wrong_password():
            status, _, body = server.request(
                "POST", "/api/token/", {"username": DJ_NAME, "password": DJ_PASSWORD + "x"}
            )
            expect_eq(
                (status, body),
                (401, b'{"detail":"No active account found with the given credentials"}'),
                "answer",
            )

        r.check("Django-made password hash refuses a wrong password in jwtd", wrong_password)

        # ---- Django's password validators: the same verdict, the same words ----
        if name == "HS256":
            check_password_validators(r, jwtd, tmp, env, User)

        # ---- jwtd -> Django ----
        header = json.dumps({"alg": alg, "typ": "JWT"}, separators=(",", ":")).encode()
        for who, pair, uid, user_hash in (
            (JW_NAME, jw_pair, jw_id, jw_hash),
            (DJ_NAME, dj_pair, DJ_ID, dj_hash),
        ):
            if pair is None:
                r.fail(f"jwtd tokens of {who}", "no token pair (login failed)")
                continue
            access, refresh = pair["access"], pair["refresh"]

            def access_ok(access=access, uid=uid):
                t = AccessToken(access)
                expect_eq(t["user_id"], str(uid), "user_id")

            r.check(f"jwtd access token of {who} accepted by AccessToken", access_ok)
            r.check(
                f"jwtd refresh token of {who} accepted by RefreshToken",
                lambda refresh=refresh, uid=uid: expect_eq(RefreshToken(refresh)["user_id"], str(uid), "user_id"),
            )
            r.check(
                f"jwtd access and refresh tokens of {who} accepted by UntypedToken (verify view)",
                lambda a=access, f=refresh: (UntypedToken(a), UntypedToken(f)),
            )

            def jwt_auth(access=access, uid=uid, who=who):
                auth = JWTAuthentication()
                validated = auth.get_validated_token(access.encode())
                user = auth.get_user(validated)
                expect_eq((user.pk, user.username), (uid, who), "get_user")
                req = django.rf.get("/api/protected/", HTTP_AUTHORIZATION="Bearer " + access)
                user2, _ = auth.authenticate(req)
                expect_eq(user2.pk, uid, "authenticate() user")

            r.check(
                f"jwtd access token of {who} accepted by JWTAuthentication "
                "(get_validated_token, get_user, authenticate)",
                jwt_auth,
            )

            def reencode(access=access, refresh=refresh):
                expect_eq(str(AccessToken(access)), access, "access re-encoded by SimpleJWT")
                expect_eq(str(RefreshToken(refresh)), refresh, "refresh re-encoded by SimpleJWT")

            r.check(
                f"SimpleJWT re-encodes jwtd's tokens of {who} to identical bytes "
                "(header, claim order, JSON, signature)",
                reencode,
            )

            def claims(access=access, refresh=refresh, uid=uid, user_hash=user_hash):
                for token, ttype, life in ((access, "access", 3600), (refresh, "refresh", 86400)):
                    hdr, body, _ = split_token(token)
                    expect_eq(hdr, header, f"{ttype} header bytes")
                    p = json.loads(body)
                    expect_eq(list(p), expected_claims(cfg, ttype), f"{ttype} claim order")
                    expect_eq(p["token_type"], ttype, "token_type")
                    expect(isinstance(p["user_id"], str), f"user_id is not a string: {p['user_id']!r}")
                    expect_eq(p["user_id"], str(uid), "user_id")
                    expect(re.fullmatch(r"[0-9a-f]{32}", p["jti"]), f"jti not uuid4().hex: {p['jti']!r}")
                    expect(
                        type(p["exp"]) is int and type(p["iat"]) is int,
                        f"exp/iat not integers: {p['exp']!r} {p['iat']!r}",
                    )
                    expect(
                        life - 1 <= p["exp"] - p["iat"] <= life,
                        f"{ttype} exp - iat = {p['exp'] - p['iat']}, want {life}",
                    )
                    expect(abs(p["iat"] - time.time()) < 120, f"iat far from now: {p['iat']}")
                    if cfg["CHECK_REVOKE_TOKEN"]:
                        expect_eq(p["hash_password"], get_md5_hash_password(user_hash), "hash_password")
                    if cfg.get("AUDIENCE") is not None:
                        expect_eq(p["aud"], cfg["AUDIENCE"], "aud")
                    if cfg.get("ISSUER") is not None:
                        expect_eq(p["iss"], cfg["ISSUER"], "iss")

            r.check(
                f"jwtd tokens of {who}: header {header.decode()}, claims "
                f"{','.join(expected_claims(cfg, 'access'))} in order, user_id a string",
                claims,
            )

            def same_claims_as_django(access=access, refresh=refresh, who=who):
                u = User.objects.get(username=who)
                mine = RefreshToken.for_user(u)
                # Compared as encoded: SimpleJWT adds aud and iss at encode time.
                expect_eq(list(payload_of(refresh)), list(payload_of(str(mine))), "refresh claims vs for_user()")
                expect_eq(
                    list(payload_of(access)), list(payload_of(str(mine.access_token))), "access claims vs .access_token"
                )

            r.check(f"jwtd's claim names and order of {who} equal SimpleJWT's for_user()", same_claims_as_django)

        if jw_pair is not None:
            # SimpleJWT's refresh serializer takes jwtd's refresh token, and jwtd
            # takes the refresh token SimpleJWT rotated it into.
            def django_refreshes_jwtd_token():
                ser = TokenRefreshSerializer(data={"refresh": jw_pair["refresh"]})
                ser.is_valid(raise_exception=True)
                expect_eq(list(ser.validated_data), ["access", "refresh"], "keys")
                return ser.validated_data

            rotated = r.check(
                "SimpleJWT's TokenRefreshSerializer refreshes and rotates a jwtd refresh token",
                django_refreshes_jwtd_token,
            )
            if rotated:

                def jwtd_takes_rotated():
                    status, _, body = server.request(
                        "POST", "/api/token/refresh/", {"refresh": rotated["refresh"]}
                    )
                    expect_eq(status, 200, f"refresh status (body {body!r})")
                    status, _, body = server.request(
                        "GET", "/api/protected/", headers={"Authorization": "Bearer " + rotated["access"]}
                    )
                    expect_eq(status, 200, f"protected status (body {body!r})")

                r.check(
                    "jwtd accepts the access and refresh tokens SimpleJWT rotated from jwtd's", jwtd_takes_rotated
                )

        # ---- Django -> jwtd ----
        for u in (dj_user, jw_user):
            refresh = RefreshToken.for_user(u)
            access = str(refresh.access_token)
            refresh = str(refresh)
            bearer = {"Authorization": "Bearer " + access}

            def protected(bearer=bearer, u=u):
                body = same_answer(server, django, "GET", "/api/protected/", headers=bearer, want_status=200)
                expect_eq(json.loads(body)["user"], u.username, "user")

            r.check(
                f"SimpleJWT access token of {u.username} accepted by jwtd /api/protected/ "
                "(200, same bytes as SimpleJWT's view)",
                protected,
            )

            def verify(access=access, refresh=refresh):
                for t in (access, refresh):
                    status, _, body = server.request("POST", "/api/token/verify/", {"token": t})
                    expect_eq((status, body), (200, b"{}"), "verify")

            r.check(f"SimpleJWT access and refresh tokens of {u.username} pass jwtd /api/token/verify/", verify)

            def refresh_then_blacklisted(refresh=refresh, u=u):
                status, _, body = server.request("POST", "/api/token/refresh/", {"refresh": refresh})
                expect_eq(status, 200, f"first refresh status (body {body!r})")
                data = json.loads(body)
                expect_eq(list(data), ["access", "refresh"], "keys")
                # What jwtd minted from a SimpleJWT token goes back to SimpleJWT.
                expect_eq(AccessToken(data["access"])["user_id"], str(u.pk), "new access user_id")
                expect_eq(RefreshToken(data["refresh"])["user_id"], str(u.pk), "new refresh user_id")
                expect_eq(list(payload_of(data["access"])), expected_claims(cfg, "access"), "new access claims")
                expect_eq(list(payload_of(data["refresh"])), expected_claims(cfg, "refresh"), "new refresh claims")
                expect_eq(payload_of(data["refresh"])["jti"] != payload_of(refresh)["jti"], True, "rotated jti")
                status, _, body = server.request(
                    "GET", "/api/protected/", headers={"Authorization": "Bearer " + data["access"]}
                )
                expect_eq(status, 200, f"protected with the new access (body {body!r})")
                status, _, body = server.request("POST", "/api/token/verify/", {"token": refresh})
                expect_eq(
                    (status, body), (400, b'{"non_field_errors":["Token is blacklisted"]}'), "verify of the old token"
                )
                status, _, body = server.request("POST", "/api/token/refresh/", {"refresh": refresh})
                expect_eq(
                    (status, body),
                    (401, b'{"detail":"Token is blacklisted","code":"token_not_valid"}'),
                    "second refresh of the old token",
                )

            r.check(
                f"SimpleJWT refresh token of {u.username} refreshed by jwtd /api/token/refresh/ "
                "(200, results accepted by SimpleJWT), then blacklisted in jwtd",
                refresh_then_blacklisted,
            )

        def logout():
            refresh = str(RefreshToken.for_user(dj_user))
            status, _, body = server.request("POST", "/api/token/blacklist/", {"refresh": refresh})
            expect_eq((status, body), (200, b"{}"), "blacklist")
            status, _, body = server.request("POST", "/api/token/refresh/", {"refresh": refresh})
            expect_eq(
                (status, body), (401, b'{"detail":"Token is blacklisted","code":"token_not_valid"}'), "refresh after"
            )

        r.check("SimpleJWT refresh token blacklisted by jwtd /api/token/blacklist/", logout)

        # ---- both ways: hand-made tokens, one verdict ----
        now = int(time.time())
        other_alg = "HS512" if alg == "HS256" else "HS256"

        def claims_for(ttype="access", uid=DJ_ID, **changes):
            p = {
                "token_type": ttype,
                "exp": now + 300,
                "iat": now,
                "jti": uuid.uuid4().hex,
                "user_id": str(uid),
            }
            if cfg["CHECK_REVOKE_TOKEN"]:
                p["hash_password"] = get_md5_hash_password(dj_hash)
            if cfg.get("AUDIENCE") is not None:
                p["aud"] = cfg["AUDIENCE"]
            if cfg.get("ISSUER") is not None:
                p["iss"] = cfg["ISSUER"]
            for k, v in changes.items():
                if v is DROP:
                    p.pop(k, None)
                else:
                    p[k] = v
            return p

        def sign(p, k=key, a=alg):
            return pyjwt.encode(p, k, algorithm=a)

        def tamper(token):
            h, p, s = token.split(".")
            return ".".join([h, p, ("B" if s[0] == "A" else "A") + s[1:]])

        good = sign(claims_for())
        cases = [
            ("a valid access token", good, 200),
            ("exp as a float", sign(claims_for(exp=now + 300.5)), 200),
            ("user_id as a JSON number (tokens of <= 5.5.0)", sign(claims_for(user_id=DJ_ID)), 200),
            ("a tampered signature", tamper(good), 401),
            ("another key", sign(claims_for(), "not-" + key), 401),
            (f"{other_alg} with the same key", sign(claims_for(), key, other_alg), 401),
            ("alg none", pyjwt.encode(claims_for(), None, algorithm="none"), 401),
            ("an expired token", sign(claims_for(exp=now - 10, iat=now - 310)), 401),
            ("iat in the future", sign(claims_for(iat=now + 100)), 401),
            ("nbf in the future", sign(claims_for(nbf=now + 100)), 401),
            ("a refresh token as bearer", sign(claims_for("refresh")), 401),
            ("no token_type", sign(claims_for(token_type=DROP)), 401),
            ("no jti", sign(claims_for(jti=DROP)), 401),
            ("no user_id", sign(claims_for(user_id=DROP)), 401),
            ("an unknown user id", sign(claims_for(uid=999)), 401),
        ]
        if cfg.get("AUDIENCE") is not None:
            cases += [
                ("aud as a list containing AUDIENCE", sign(claims_for(aud=["other", cfg["AUDIENCE"]])), 200),
                ("a wrong aud", sign(claims_for(aud="other")), 401),
                ("aud as a list without AUDIENCE", sign(claims_for(aud=["other"])), 401),
                ("no aud", sign(claims_for(aud=DROP)), 401),
                ("a wrong iss", sign(claims_for(iss="https://evil.example")), 401),
                ("no iss", sign(claims_for(iss=DROP)), 401),
            ]
        else:
            cases += [("aud and iss while AUDIENCE/ISSUER are unset", sign(claims_for(aud="x", iss="y")), 200)]
        if cfg["CHECK_REVOKE_TOKEN"]:
            cases += [
                ("a stale hash_password", sign(claims_for(hash_password="0" * 32)), 401),
                ("no hash_password", sign(claims_for(hash_password=DROP)), 401),
            ]
        for what, token, want in cases:
            r.check(
                f"/api/protected/ with {what}: {want} from both, same body",
                same_answer,
                server,
                django,
                "GET",
                "/api/protected/",
                None,
                {"Authorization": "Bearer " + token},
                want,
            )
        for what, token, _ in cases:
            r.check(
                f"/api/token/verify/ with {what}: same status and body",
                same_answer,
                server,
                django,
                "POST",
                "/api/token/verify/",
                {"token": token},
            )
        good_refresh = sign(claims_for("refresh"))
        refresh_cases = [
            ("a tampered signature", tamper(good_refresh)),
            ("another key", sign(claims_for("refresh"), "not-" + key)),
            (f"{other_alg} with the same key", sign(claims_for("refresh"), key, other_alg)),
            ("an expired refresh token", sign(claims_for("refresh", exp=now - 10, iat=now - 310))),
            ("an access token", sign(claims_for("access"))),
        ]
        if cfg.get("AUDIENCE") is not None:
            refresh_cases.append(("a wrong aud", sign(claims_for("refresh", aud="other"))))
        for what, token in refresh_cases:
            r.check(
                f"/api/token/refresh/ with {what}: 401 from both, same body",
                same_answer,
                server,
                django,
                "POST",
                "/api/token/refresh/",
                {"refresh": token},
                None,
                401,
            )

        # ---- after the server: what jwtd stored ----
        rc = server.stop()
        server = None
        r.check("jwtd serve exits 0 on SIGTERM", lambda: expect_eq(rc, 0, "exit status"))

        def unchanged():
            expect_eq(stored_hash(jwtd, db, env, DJ_NAME), dj_hash, f"{DJ_NAME}'s stored hash")
            expect_eq(stored_hash(jwtd, db, env, JW_NAME), jw_hash, f"{JW_NAME}'s stored hash")

        r.check(
            "jwtd kept both Django 5.2-default hashes as they were after logins (no needless re-hash)", unchanged
        )

        # ---- a whole project's dumpdata, an argon2 user, and back ----
        whole_project_round_trip(r, jwtd, db, env, tmp, dj_user)
        # ---- Django's other hashers: log in to jwtd, upgraded, back ----
        if name == "HS256":
            django_hashers_round_trip(r, jwtd, db, env, tmp)
    except Exception:  # noqa: BLE001
        r.fail("scenario aborted", traceback.format_exc().strip().splitlines()[-1])
        traceback.print_exc(file=sys.stderr)
    finally:
        end_scenario(r, server, tmp)
    return r


def run_claims_scenario(name, jwtd):
    """TOKEN_CLAIMS: jwtd's tokens are the bytes a TokenObtainPairSerializer
    whose get_token adds the same claims makes, and each side takes the
    other's; STATELESS_AUTHENTICATION: jwtd's protected route answers as a
    view with JWTStatelessUserAuthentication, byte for byte."""
    spec = SCENARIOS[name]
    cfg = dict(COMMON)
    cfg.update(spec)
    fields = spec["TOKEN_CLAIMS"]
    key = KEY.format(name)
    r = Report(name)
    tmp = tempfile.mkdtemp(prefix="jwtd-interop-")
    server = None
    try:
        configure_django(cfg, key)
        import jwt as pyjwt
        from django.contrib.auth import get_user_model
        from rest_framework.decorators import api_view, authentication_classes
        from rest_framework.response import Response
        from rest_framework_simplejwt.authentication import (
            JWTAuthentication,
            JWTStatelessUserAuthentication,
        )
        from rest_framework_simplejwt.serializers import (
            TokenObtainPairSerializer,
            TokenRefreshSerializer,
        )
        from rest_framework_simplejwt.tokens import AccessToken, RefreshToken

        class ClaimsSerializer(TokenObtainPairSerializer):
            @classmethod
            def get_token(cls, user):
                token = super().get_token(user)
                for field in fields:
                    token[field] = getattr(user, field)
                return token

        @api_view(["GET"])
        @authentication_classes([JWTStatelessUserAuthentication])
        def protected_stateless(request):
            return Response({"message": "Hello, authenticated user!", "user": request.user.username})

        User = get_user_model()
        django = Django()
        django.views["/api/protected/"] = protected_stateless
        db = os.path.join(tmp, "jwtd.redb")
        env = jwtd_env(cfg, key)
        env["JWTD_TOKEN_CLAIMS"] = ",".join(fields)
        env["JWTD_STATELESS_AUTHENTICATION"] = "true"
        order = ["token_type", "exp", "iat", "jti", "user_id", *fields]

        dj_user = User.objects.create_user(
            id=DJ_ID, username=DJ_NAME, password=DJ_PASSWORD, is_staff=True
        )
        r.check(
            f"Django user {DJ_NAME} (id {DJ_ID}, is_staff) added to jwtd with its id",
            lambda: expect_eq(import_django_user(jwtd, db, env, dj_user), DJ_ID, "id"),
        )
        server = Server(jwtd, db, env, os.path.join(tmp, "jwtd.log"))

        def login():
            status, _, body = server.request(
                "POST", "/api/token/", {"username": DJ_NAME, "password": DJ_PASSWORD}
            )
            expect_eq(status, 200, f"POST /api/token/ status (body {body!r})")
            return json.loads(body)

        pair = r.check(f"jwtd login of {DJ_NAME} with TOKEN_CLAIMS={','.join(fields)}", login)
        if pair is not None:

            def same_bytes():
                mine = ClaimsSerializer.get_token(dj_user)
                theirs = payload_of(pair["refresh"])
                for claim in ("exp", "iat", "jti"):
                    mine[claim] = theirs[claim]
                expect_eq(list(theirs), order, "refresh claim order")
                expect_eq(str(mine), pair["refresh"], "refresh token bytes")
                access = mine.access_token
                theirs = payload_of(pair["access"])
                for claim in ("exp", "iat", "jti"):
                    access[claim] = theirs[claim]
                expect_eq(list(theirs), order, "access claim order")
                expect_eq(str(access), pair["access"], "access token bytes")
                expect_eq(
                    [theirs[f] for f in fields], [getattr(dj_user, f) for f in fields], "values"
                )

            r.check(
                "jwtd's tokens are the bytes of the serializer's get_token (and its .access_token) "
                f"for the same exp, iat and jti: {','.join(order)}",
                same_bytes,
            )

            def django_accepts():
                token = AccessToken(pair["access"])
                expect_eq(token["is_staff"], True, "is_staff claim")
                auth = JWTAuthentication()
                req = django.rf.get("/", HTTP_AUTHORIZATION="Bearer " + pair["access"])
                user, _ = auth.authenticate(req)
                expect_eq(user.pk, DJ_ID, "JWTAuthentication user")
                token_user, _ = JWTStatelessUserAuthentication().authenticate(req)
                expect_eq(
                    (token_user.id, token_user.username, token_user.is_staff),
                    (str(DJ_ID), DJ_NAME, True),
                    "TokenUser",
                )
                ser = TokenRefreshSerializer(data={"refresh": pair["refresh"]})
                ser.is_valid(raise_exception=True)
                expect_eq(list(payload_of(ser.validated_data["access"])), order, "refreshed access claims")

            r.check(
                "SimpleJWT takes jwtd's tokens: AccessToken, JWTAuthentication, "
                "JWTStatelessUserAuthentication (TokenUser username, is_staff), TokenRefreshSerializer",
                django_accepts,
            )

            def jwtd_stateless_own():
                body = same_answer(
                    server, django, "GET", "/api/protected/",
                    headers={"Authorization": "Bearer " + pair["access"]}, want_status=200,
                )
                expect_eq(json.loads(body)["user"], DJ_NAME, "user")

            r.check(
                "jwtd's access token on jwtd's stateless /api/protected/ and SimpleJWT's "
                "stateless view: 200, same bytes",
                jwtd_stateless_own,
            )

        def django_tokens_in_jwtd():
            ser = ClaimsSerializer(data={"username": DJ_NAME, "password": DJ_PASSWORD})
            ser.is_valid(raise_exception=True)
            refresh, access = ser.validated_data["refresh"], ser.validated_data["access"]
            expect_eq(list(payload_of(access)), order, "SimpleJWT's access claims")
            same_answer(
                server, django, "GET", "/api/protected/",
                headers={"Authorization": "Bearer " + access}, want_status=200,
            )
            status, _, body = server.request("POST", "/api/token/verify/", {"token": access})
            expect_eq((status, body), (200, b"{}"), "verify")
            status, _, body = server.request("POST", "/api/token/refresh/", {"refresh": refresh})
            expect_eq(status, 200, f"refresh status (body {body!r})")
            data = json.loads(body)
            for what, token in (("access", data["access"]), ("refresh", data["refresh"])):
                p = payload_of(token)
                expect_eq(list(p), order, f"jwtd's new {what} claims")
                expect_eq([p[f] for f in fields], [payload_of(refresh)[f] for f in fields], f"{what} values")
            expect_eq(AccessToken(data["access"])["username"], DJ_NAME, "SimpleJWT reads jwtd's new access")
            RefreshToken(data["refresh"])

        r.check(
            "the serializer's tokens work in jwtd (stateless protected, verify, refresh carrying "
            "the claims on; the results accepted by SimpleJWT)",
            django_tokens_in_jwtd,
        )

        now = int(time.time())

        def access_with(**claims):
            p = {"token_type": "access", "exp": now + 300, "iat": now, "jti": uuid.uuid4().hex}
            p.update(claims)
            return pyjwt.encode(p, key, algorithm="HS256")

        cases = [
            ("an unknown user id and a username claim", access_with(user_id="999", username="ghost"), 200),
            ("no username claim (TokenUser's \"\")", access_with(user_id=str(DJ_ID)), 200),
            ("an empty user_id", access_with(user_id="", username="anon"), 200),
            ("no user_id", access_with(username="ghost"), 401),
            ("a refresh token", pyjwt.encode(
                {"token_type": "refresh", "exp": now + 300, "iat": now, "jti": "r", "user_id": "1"},
                key, algorithm="HS256"), 401),
            ("an expired token", access_with(user_id="1", exp=now - 10, iat=now - 310), 401),
            ("another key", pyjwt.encode(
                {"token_type": "access", "exp": now + 300, "jti": "k", "user_id": "1"},
                "not-" + key, algorithm="HS256"), 401),
        ]
        for what, token, want in cases:
            r.check(
                f"stateless /api/protected/ with {what}: {want} from both, same body",
                same_answer,
                server,
                django,
                "GET",
                "/api/protected/",
                None,
                {"Authorization": "Bearer " + token},
                want,
            )

        rc = server.stop()
        server = None
        r.check("jwtd serve exits 0 on SIGTERM", lambda: expect_eq(rc, 0, "exit status"))
    except Exception:  # noqa: BLE001
        r.fail("scenario aborted", traceback.format_exc().strip().splitlines()[-1])
        traceback.print_exc(file=sys.stderr)
    finally:
        end_scenario(r, server, tmp)
    return r


def whole_project_round_trip(r, jwtd, db, env, tmp, dj_user):
    """`manage.py dumpdata` of the whole project (groups, permissions,
    content types, SimpleJWT's outstanding and blacklisted tokens) goes into
    jwtd; a user whose password Django hashed with Argon2PasswordHasher cannot
    log in to jwtd, comes back byte-identical through `jwtd user
    export-django` and `manage.py loaddata`, and logs in to Django again."""
    import io

    from django.contrib.auth import authenticate, get_user_model
    from django.contrib.auth.hashers import make_password
    from django.contrib.auth.models import Group
    from django.core.management import call_command

    User = get_user_model()
    editors = Group.objects.create(name="editors")
    dj_user.groups.add(editors)
    ar_hash = make_password(AR_PASSWORD, hasher="argon2")
    User.objects.create(id=AR_ID, username=AR_NAME, password=ar_hash)
    r.check(
        f"Django's Argon2PasswordHasher made {AR_NAME}'s hash",
        lambda: expect(ar_hash.startswith("argon2$argon2id$"), f"not an argon2 hash: {ar_hash!r}"),
    )

    dump = io.StringIO()
    call_command("dumpdata", stdout=dump)
    path = os.path.join(tmp, "project.json")
    with open(path, "w", encoding="utf-8") as f:
        f.write(dump.getvalue())
    models = {}
    for entry in json.loads(dump.getvalue()):
        if entry["model"] != "auth.user":
            models[entry["model"]] = models.get(entry["model"], 0) + 1
    skipped = ", ".join(f"{m} ({n})" for m, n in sorted(models.items()))

    def import_whole_project():
        for model in ("auth.group", "auth.permission", "contenttypes.contenttype",
                      "token_blacklist.outstandingtoken", "token_blacklist.blacklistedtoken"):
            expect(model in models, f"the dump has no {model}: {sorted(models)}")
        out = run_cli([jwtd, "user", "import-django", path, "--db", db], env)
        expect_eq(
            out,
            "Imported 1 user(s); 2 already present and left unchanged.\n"
            f"Skipped {sum(models.values())} record(s) of other models: {skipped}.\n",
            "the import's report",
        )

    r.check(
        "a whole project's `manage.py dumpdata` imports its users into jwtd and counts the other models",
        import_whole_project,
    )

    def back_to_django():
        exported = run_cli([jwtd, "user", "export-django", "--db", db], env)
        expect(
            f'"password": {json.dumps(ar_hash)}, ' in exported,
            f"{AR_NAME}'s hash is not in the export byte for byte",
        )
        User.objects.filter(username=AR_NAME).delete()
        back = os.path.join(tmp, "from-jwtd.json")
        with open(back, "w", encoding="utf-8") as f:
            f.write(exported)
        call_command("loaddata", back, verbosity=0)
        loaded = User.objects.get(username=AR_NAME)
        expect_eq((loaded.pk, loaded.password), (AR_ID, ar_hash), "loaded id and hash")
        expect(
            authenticate(username=AR_NAME, password=AR_PASSWORD) is not None,
            f"Django's authenticate() refuses {AR_NAME} after loaddata",
        )
        # The login re-hashed it with Django's preferred hasher, as Django does
        # after any login against another hasher's hash.
        upgraded = User.objects.get(username=AR_NAME).password
        expect(upgraded.startswith("pbkdf2_sha256$"), f"hash after a Django login: {upgraded!r}")

    r.check(
        f"{AR_NAME}'s argon2 hash goes back byte-identical through `jwtd user export-django` and "
        "`manage.py loaddata`, and logs in to Django",
        back_to_django,
    )


# Django's other hashers: (username, algorithm, password), ids from 20.
HASHER_USERS = [
    ("dj_argon2", "argon2", "argon2 pässwörd ✓"),
    ("dj_bcrypt_sha256", "bcrypt_sha256", "bcrypt-sha256, over 72 bytes: " + "long " * 20 + "✓"),
    ("dj_scrypt", "scrypt", "scrypt pässwörd"),
    ("dj_bcrypt", "bcrypt", "plain bcrypt ✓"),
    ("dj_pbkdf2_sha1", "pbkdf2_sha1", "sha1 pässwörd"),
]


def django_hashers_round_trip(r, jwtd, db, env, tmp):
    """Django's own Argon2, BCryptSHA256, Scrypt, BCrypt and PBKDF2SHA1
    hashers make users' hashes (their default costs); the users come over
    with `dumpdata auth.user` and `jwtd user import-django`, log in to jwtd,
    and the hash jwtd re-hashed them with (PASSWORD_HASHERS' first,
    pbkdf2_sha256) passes Django's check_password."""
    from django.contrib.auth import hashers
    from django.contrib.auth import get_user_model

    User = get_user_model()
    classes = {
        "argon2": hashers.Argon2PasswordHasher,
        "bcrypt_sha256": hashers.BCryptSHA256PasswordHasher,
        "scrypt": hashers.ScryptPasswordHasher,
        "bcrypt": hashers.BCryptPasswordHasher,
        "pbkdf2_sha1": hashers.PBKDF2SHA1PasswordHasher,
    }
    made = {}
    for pk, (name, algorithm, password) in enumerate(HASHER_USERS, start=20):
        hasher = classes[algorithm]()
        made[name] = hasher.encode(password, hasher.salt())
        User.objects.create(id=pk, username=name, password=made[name])

    def imported_verbatim():
        for name, algorithm, _ in HASHER_USERS:
            expect(made[name].startswith(algorithm + "$"), f"{name}: {made[name]!r}")
            import_django_user(jwtd, db, env, User.objects.get(username=name))
            expect_eq(stored_hash(jwtd, db, env, name), made[name], f"{name}'s hash in jwtd")

    r.check(
        "Django-made argon2, bcrypt_sha256, scrypt, bcrypt and pbkdf2_sha1 hashes import unchanged",
        imported_verbatim,
    )

    def log_in_and_upgrade():
        server = Server(jwtd, db, env, os.path.join(tmp, "jwtd-hashers.log"))
        try:
            for name, _, password in HASHER_USERS:
                wrong = server.request("POST", "/api/token/", {"username": name, "password": password + "x"})
                expect_eq(wrong[0], 401, f"{name} with a wrong password")
                status, _, body = server.request("POST", "/api/token/", {"username": name, "password": password})
                expect_eq(status, 200, f"{name}'s login ({body[:200]!r})")
        finally:
            server.stop()
        for name, _, password in HASHER_USERS:
            upgraded = stored_hash(jwtd, db, env, name)
            expect(upgraded.startswith("pbkdf2_sha256$1000000$"), f"{name}'s hash after login: {upgraded!r}")
            expect(hashers.check_password(password, upgraded), f"Django's check_password refuses {name}'s {upgraded!r}")
            expect(not hashers.check_password(password + "x", upgraded), f"{name}: a wrong password passes")

    r.check(
        "they log in to jwtd, which re-hashes them with pbkdf2_sha256, and Django's check_password "
        "accepts the new hashes",
        log_in_and_upgrade,
    )


# (username, password): Django's startproject AUTH_PASSWORD_VALIDATORS, as
# `jwtd user add` applies them by default. Similarity cases (whole username,
# its parts, anagrams, the length-ratio skip), common (Django's list, after
# lower() and strip()), numeric (str.isdigit()), short, and a mix.
PASSWORD_CASES = [
    ("alice", "correct horse battery staple"), ("alice", "alice"), ("alice", "Alice123"),
    ("alice", "ecila2024"), ("alice", "alicealicealice"), ("alice", "a" * 60),
    ("alice", "wonderland!"), ("alice.liddell", "liddell99"), ("alice.liddell", "alice.liddell"),
    ("alice.liddell", "ALICE-LIDDELL"), ("carol_smith", "carol_smith1"), ("carol_smith", "smith2000!"),
    ("bob", "bobbobbob"), ("bob", "b0b-is-fine-here"), ("bob", "short"), ("bob", "x"),
    ("bob", "password"), ("bob", "PASSWORD"), ("bob", "Password1"), ("bob", "qwerty123"),
    ("bob", "iloveyou"), ("bob", "letmein!"), ("bob", "12345678"), ("bob", "1234567"),
    ("bob", "80417395121"), ("bob", "²³¹⁴⁵⁶⁷⁸⁹"), ("bob", "١٢٣٤٥٦٧٨٩"), ("bob", "½½½½½½½½"),
    ("bob", "12345.6789"), ("bob", "ПАРОЛЬ"), ("bob", "пароль123"), ("bob", "dragon"),
    ("bob", "monkey12"), ("bob", "Tr0ub4dor&3"), ("bob", "zxcvbnm,./"), ("bob", "velvet-thunder-1897"),
    ("zoë", "zoëzoë12"), ("zoë", "ZOË-2024"), ("用户", "用户用户用户"), ("dave", "evad"),
    ("dave", "dave" * 10), ("dave", "d" + "x" * 39), ("eve", "eve"), ("eve", "steve1234"),
    ("mallory", "mallory!"), ("mallory", "yrollam"), ("mallory", "m4ll0ry-2024"), ("trent", "trentbridge"),
    ("walter", "1q2w3e4r"), ("walter", "whiteboard"), ("peggy", "superman"), ("victor", "victoria1"),
]

DJANGO_DEFAULT_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation." + validator}
    for validator in (
        "UserAttributeSimilarityValidator",
        "MinimumLengthValidator",
        "CommonPasswordValidator",
        "NumericPasswordValidator",
    )
]


def check_password_validators(r, jwtd, tmp, env, User):
    """Each case's messages from Django's validate_password and from
    `jwtd user add` (its default AUTH_PASSWORD_VALIDATORS) are the same."""
    from django.contrib.auth.password_validation import get_password_validators, validate_password
    from django.core.exceptions import ValidationError

    validators = get_password_validators(DJANGO_DEFAULT_VALIDATORS)
    db = os.path.join(tmp, "validators.redb")
    fast = dict(env, JWTD_PASSWORD_ITERATIONS="1000")
    for username, password in PASSWORD_CASES:
        def same(username=username, password=password):
            try:
                validate_password(password, User(username=username), validators)
                django = []
            except ValidationError as e:
                django = list(e.messages)
            proc = subprocess.run(
                [jwtd, "user", "add", username, "--password-stdin", "--db", db],
                input=password + "\n", env=fast, capture_output=True, text=True, timeout=60,
            )
            if proc.returncode == 0:
                run_cli([jwtd, "user", "delete", username, "--db", db], fast)
                jwtd_says = []
            else:
                lines = proc.stderr.splitlines()
                expect(lines[:1] == ["jwtd: the password is refused:"], f"jwtd said {proc.stderr!r}")
                jwtd_says = [line.strip() for line in lines[1:]]
            expect_eq(jwtd_says, django, "messages")

        shown = password if len(password) <= 20 else password[:17] + "..."
        r.check(f"password validators: {shown!r} for {username!r} as Django's validate_password", same)


class _Drop:
    def __repr__(self):
        return "DROP"


DROP = _Drop()


# --------------------------------------------------------------------------
# Driver


def check_versions():
    from importlib import metadata

    problems = []
    for dist, want in PINS.items():
        try:
            got = metadata.version(dist)
        except metadata.PackageNotFoundError:
            problems.append(f"{dist} is not installed")
            continue
        if got != want:
            problems.append(f"{dist} {got} installed, {want} pinned")
    return problems


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--jwtd", required=True, help="path to the jwtd binary")
    ap.add_argument("--scenario", help="run one scenario in this process (internal)")
    ap.add_argument("--only", action="append", help="run only these scenarios")
    args = ap.parse_args()
    jwtd = os.path.abspath(args.jwtd)

    if args.scenario:
        r = run_scenario(args.scenario, jwtd)
        return 1 if r.failed else 0

    started = time.monotonic()
    passed = failed = 0
    problems = check_versions()
    for p in problems:
        print(f"FAIL [env] pinned Python packages: {p}", flush=True)
        failed += 1
    if problems:
        print(
            "interop: the pinned packages (tests/interop/requirements.txt) are not installed "
            "in this Python; run scripts/interop.sh",
            flush=True,
        )
    else:
        print(f"PASS [env] {', '.join(f'{d} {v}' for d, v in PINS.items())} on Python "
              f"{sys.version.split()[0]}", flush=True)
        passed += 1
        if not os.access(jwtd, os.X_OK):
            print(f"FAIL [env] not an executable: {jwtd}", flush=True)
            failed += 1
    names = args.only or list(SCENARIOS)
    for name in names if not failed else []:
        if name not in SCENARIOS:
            print(f"FAIL [{name}] no such scenario (have: {', '.join(SCENARIOS)})", flush=True)
            failed += 1
            continue
        proc = subprocess.Popen(
            [sys.executable, os.path.abspath(__file__), "--jwtd", jwtd, "--scenario", name],
            stdout=subprocess.PIPE,
            text=True,
        )
        p = f = 0
        for line in proc.stdout:
            sys.stdout.write(line)
            sys.stdout.flush()
            if line.startswith("PASS "):
                p += 1
            elif line.startswith("FAIL "):
                f += 1
        try:
            rc = proc.wait(120)
        except subprocess.TimeoutExpired:
            proc.kill()
            rc = proc.wait()
        if rc != 0 and f == 0:
            print(f"FAIL [{name}] scenario process exited {rc} without reporting a failure", flush=True)
            f += 1
        passed += p
        failed += f
    print(f"interop: took {time.monotonic() - started:.1f}s", flush=True)
    print(f"interop: {passed} passed, {failed} failed", flush=True)
    return 1 if failed or not passed else 0


if __name__ == "__main__":
    sys.exit(main())
