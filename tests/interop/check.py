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

What the scenarios share (a scenario's run, jwtd's command line and server,
Django configured for the scenario, same_answer) is tests/interop/harness.py's.

One line per check, "PASS [scenario] what" or "FAIL [scenario] what: why",
then "interop: N passed, M failed". Exit status 0 only if nothing failed.
"""

import argparse
import json
import os
import re
import subprocess
import sys
import time
import uuid

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from checks import CheckFailed, expect, expect_eq, pinned_version_problems  # noqa: E402
from harness import (  # noqa: E402
    DJ_ID,
    DJ_NAME,
    DJ_PASSWORD,
    Django,
    Scenario,
    Server,
    check_protected,
    configure_django,
    exported_users,
    import_django_user,
    log_in,
    payload_of,
    run_cli,
    same_answer,
    split_token,
)

PINS = {
    # distribution name -> the version tests/interop/requirements.txt pins
    "Django": "5.2.19",
    "djangorestframework": "3.18.3",
    "djangorestframework-simplejwt": "5.5.1",
    "PyJWT": "2.15.1",
    "argon2-cffi": "25.1.0",
    "bcrypt": "5.0.0",
}

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
AR_NAME, AR_PASSWORD, AR_ID = "dj_argon", "argon2 pässwörd ✓", 9

HEADER_NAMES = {"HS256": "SHA256", "HS384": "SHA384", "HS512": "SHA512"}


# --------------------------------------------------------------------------
# Tokens


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
# jwtd's command line (the rest is harness.py's)


def jwtd_user_add(jwtd, db, env, name, password):
    out = run_cli([jwtd, "user", "add", name, "--password-stdin", "--db", db], env, password + "\n")
    m = re.search(r"with id (\d+)", out)
    expect(m, f"`jwtd user add` printed no id: {out!r}")
    return int(m.group(1))


def stored_hash(jwtd, db, env, name):
    """The password hash jwtd stored for `name`."""
    for entry in exported_users(jwtd, db, env):
        if entry["fields"]["username"] == name:
            return entry["fields"]["password"]
    raise CheckFailed(f"`jwtd user export-django` has no user {name!r}")


# --------------------------------------------------------------------------
# The scenarios, each in a process of its own (SimpleJWT reads its settings
# at import); run_scenario picks the run for the scenario's settings.


def run_scenario(name, jwtd):
    spec = SCENARIOS[name]
    if "USER_ID_FIELD" in spec:
        run = run_user_fields_scenario
    elif "TOKEN_CLAIMS" in spec:
        run = run_claims_scenario
    elif "AUTH_TOKEN_CLASSES" in spec:
        from sliding import run_sliding_scenario as run
    else:
        run = run_hmac_scenario
    with Scenario(name, spec, jwtd) as sc:
        run(sc)
    return sc.r


def run_hmac_scenario(sc):
    """The checks of the module docstring but claims, sliding and user
    fields, for one algorithm and its AUDIENCE, ISSUER, CHECK_REVOKE_TOKEN
    and SIGNING_KEY."""
    r, cfg, key, jwtd, db, tmp = sc.r, sc.cfg, sc.key, sc.jwtd, sc.db, sc.tmp
    alg = cfg["ALGORITHM"]
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
    env = sc.env()

    # ---- users: the same id, username and stored hash on both sides ----
    jw_id = jwtd_user_add(jwtd, db, env, JW_NAME, JW_PASSWORD)
    jw_hash = stored_hash(jwtd, db, env, JW_NAME)
    jw_user = User(id=jw_id, username=JW_NAME, password=jw_hash)
    jw_user.save()
    dj_user = User.objects.create_user(id=DJ_ID, username=DJ_NAME, password=DJ_PASSWORD)
    dj_hash = dj_user.password
    sc.import_user(
        f"Django user {DJ_NAME} (id {DJ_ID}, Django-made hash) added to jwtd with its id", dj_user, env
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
    server = sc.start(env)
    keys = ["refresh", "access"]
    jw_pair = r.check(f"jwtd login of {JW_NAME} (hash made by jwtd)", log_in, server, JW_NAME, JW_PASSWORD, keys)
    dj_pair = r.check(
        f"Django-made password hash logs in to jwtd ({DJ_NAME})", log_in, server, DJ_NAME, DJ_PASSWORD, keys
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
    if r.scenario == "HS256":
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
    check_protected(r, server, django, cases)
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
    sc.stop()

    def unchanged():
        expect_eq(stored_hash(jwtd, db, env, DJ_NAME), dj_hash, f"{DJ_NAME}'s stored hash")
        expect_eq(stored_hash(jwtd, db, env, JW_NAME), jw_hash, f"{JW_NAME}'s stored hash")

    r.check(
        "jwtd kept both Django 5.2-default hashes as they were after logins (no needless re-hash)", unchanged
    )

    # ---- a whole project's dumpdata, an argon2 user, and back ----
    whole_project_round_trip(r, jwtd, db, env, tmp, dj_user)
    # ---- Django's other hashers: log in to jwtd, upgraded, back ----
    if r.scenario == "HS256":
        django_hashers_round_trip(r, jwtd, db, env, tmp)


# --------------------------------------------------------------------------
# What the TOKEN_CLAIMS scenarios (claims, user fields) share


def token_claims_env(sc, fields):
    """jwtd's environment for the scenario with TOKEN_CLAIMS = `fields`, and
    the claim order of its tokens then."""
    env = sc.env()
    env["JWTD_TOKEN_CLAIMS"] = ",".join(fields)
    return env, ["token_type", "exp", "iat", "jti", "user_id", *fields]


def claims_serializer(fields):
    """A TokenObtainPairSerializer whose get_token adds the user's `fields`
    as claims, as TOKEN_CLAIMS makes jwtd do."""
    from rest_framework_simplejwt.serializers import TokenObtainPairSerializer

    class ClaimsSerializer(TokenObtainPairSerializer):
        @classmethod
        def get_token(cls, user):
            token = super().get_token(user)
            for field in fields:
                token[field] = getattr(user, field)
            return token

    return ClaimsSerializer


def expect_serializer_bytes(serializer, user, pair, order, access_order=False):
    """jwtd's pair is byte for byte serializer.get_token(user) and its
    .access_token given jwtd's exp, iat and jti; the refresh token's claims
    (with access_order the access token's too) are `order`. Returns the
    access token's payload."""
    mine = serializer.get_token(user)
    theirs = payload_of(pair["refresh"])
    for claim in ("exp", "iat", "jti"):
        mine[claim] = theirs[claim]
    expect_eq(list(theirs), order, "refresh claim order")
    expect_eq(str(mine), pair["refresh"], "refresh token bytes")
    access = mine.access_token
    theirs = payload_of(pair["access"])
    for claim in ("exp", "iat", "jti"):
        access[claim] = theirs[claim]
    if access_order:
        expect_eq(list(theirs), order, "access claim order")
    expect_eq(str(access), pair["access"], "access token bytes")
    return theirs


def serializer_pair(serializer):
    """The refresh and access tokens `serializer` gives DJ_NAME."""
    ser = serializer(data={"username": DJ_NAME, "password": DJ_PASSWORD})
    ser.is_valid(raise_exception=True)
    return ser.validated_data["refresh"], ser.validated_data["access"]


def expect_jwtd_takes(server, django, refresh, access):
    """jwtd takes a pair SimpleJWT made: protected 200 with the bytes of
    Django's view, verify 200 {}, refresh 200. Returns the refresh's JSON."""
    same_answer(
        server, django, "GET", "/api/protected/",
        headers={"Authorization": "Bearer " + access}, want_status=200,
    )
    status, _, body = server.request("POST", "/api/token/verify/", {"token": access})
    expect_eq((status, body), (200, b"{}"), "verify")
    status, _, body = server.request("POST", "/api/token/refresh/", {"refresh": refresh})
    expect_eq(status, 200, f"refresh status (body {body!r})")
    return json.loads(body)


def run_user_fields_scenario(sc):
    """USER_ID_FIELD and TOKEN_CLAIMS of a user's email and names: jwtd's
    tokens are the bytes SimpleJWT's serializer (adding the same claims,
    under the same USER_ID_FIELD) makes, and each side takes the other's."""
    r = sc.r
    fields, id_field = sc.cfg["TOKEN_CLAIMS"], sc.cfg["USER_ID_FIELD"]
    configure_django(sc.cfg, sc.key)
    from django.contrib.auth import get_user_model
    from rest_framework_simplejwt.authentication import JWTAuthentication
    from rest_framework_simplejwt.serializers import TokenRefreshSerializer

    ClaimsSerializer = claims_serializer(fields)
    django = Django()
    env, order = token_claims_env(sc, fields)
    env["JWTD_USER_ID_FIELD"] = id_field
    dj_user = get_user_model().objects.create_user(
        id=DJ_ID, username=DJ_NAME, password=DJ_PASSWORD,
        email="bob@example.com", first_name="Böb", last_name="O'Neil",
    )
    server, pair = sc.import_start_log_in(
        env, dj_user, DJ_PASSWORD,
        f"Django user {DJ_NAME} with email and names added to jwtd by dumpdata",
        f"jwtd login of {DJ_NAME} with USER_ID_FIELD={id_field}",
    )
    if pair is not None:

        def same_bytes():
            expect_eq(payload_of(pair["access"])["user_id"], dj_user.email, "user_id claim")
            expect_serializer_bytes(ClaimsSerializer, dj_user, pair, order)

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
        refresh, access = serializer_pair(ClaimsSerializer)
        expect_eq(payload_of(access)["user_id"], dj_user.email, "SimpleJWT's user_id")
        p = payload_of(expect_jwtd_takes(server, django, refresh, access)["access"])
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
             "user_id": "nobody@example.com"}, sc.key, algorithm="HS256")
        same_answer(
            server, django, "GET", "/api/protected/",
            headers={"Authorization": "Bearer " + token}, want_status=401,
        )

    r.check("an email naming nobody: 401 from both, same body", nobody)


def run_claims_scenario(sc):
    """TOKEN_CLAIMS: jwtd's tokens are the bytes a TokenObtainPairSerializer
    whose get_token adds the same claims makes, and each side takes the
    other's; STATELESS_AUTHENTICATION: jwtd's protected route answers as a
    view with JWTStatelessUserAuthentication, byte for byte."""
    r, key = sc.r, sc.key
    fields = sc.cfg["TOKEN_CLAIMS"]
    configure_django(sc.cfg, key)
    import jwt as pyjwt
    from django.contrib.auth import get_user_model
    from rest_framework.decorators import api_view, authentication_classes
    from rest_framework.response import Response
    from rest_framework_simplejwt.authentication import (
        JWTAuthentication,
        JWTStatelessUserAuthentication,
    )
    from rest_framework_simplejwt.serializers import TokenRefreshSerializer
    from rest_framework_simplejwt.tokens import AccessToken, RefreshToken

    ClaimsSerializer = claims_serializer(fields)

    @api_view(["GET"])
    @authentication_classes([JWTStatelessUserAuthentication])
    def protected_stateless(request):
        return Response({"message": "Hello, authenticated user!", "user": request.user.username})

    User = get_user_model()
    django = Django()
    django.views["/api/protected/"] = protected_stateless
    env, order = token_claims_env(sc, fields)
    env["JWTD_STATELESS_AUTHENTICATION"] = "true"
    dj_user = User.objects.create_user(
        id=DJ_ID, username=DJ_NAME, password=DJ_PASSWORD, is_staff=True
    )
    server, pair = sc.import_start_log_in(
        env, dj_user, DJ_PASSWORD,
        f"Django user {DJ_NAME} (id {DJ_ID}, is_staff) added to jwtd with its id",
        f"jwtd login of {DJ_NAME} with TOKEN_CLAIMS={','.join(fields)}",
    )
    if pair is not None:

        def same_bytes():
            theirs = expect_serializer_bytes(ClaimsSerializer, dj_user, pair, order, access_order=True)
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
        refresh, access = serializer_pair(ClaimsSerializer)
        expect_eq(list(payload_of(access)), order, "SimpleJWT's access claims")
        data = expect_jwtd_takes(server, django, refresh, access)
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
    check_protected(r, server, django, cases, where="stateless /api/protected/")
    sc.stop()


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
    problems = pinned_version_problems(PINS)
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