#!/usr/bin/env python3
"""Interoperability of jwtd's public-key algorithms with SimpleJWT 5.5.1
(PyJWT 2.15.1, cryptography) and with Node's jose, a second implementation
that shares nothing with PyJWT.

Run through scripts/interop.sh, which makes the virtual environment (the
pins of tests/interop/requirements.txt) and builds jwtd:

    python tests/interop/asymmetric.py --jwtd target/debug/jwtd [--only ALG]...

This script installs jose exactly as tests/interop/jose/package-lock.json
pins it, with `npm ci`, into target/interop-jose (the repository stays
clean), and fails, never skips, when it cannot.

For every algorithm of RS256 RS384 RS512 PS256 PS384 PS512 ES256 ES384
ES512 EdDSA, three jobs, each in its own process (SimpleJWT reads its
settings once) with its own jwtd servers:

  jwks     [1] jwtd with no key configured (its own database key): Django
           with JWK_URL = jwtd's /.well-known/jwks.json accepts its access
           and refresh tokens (AccessToken, RefreshToken,
           JWTAuthentication), and so does PyJWT's PyJWKClient + decode;
           [4] Node jose's createRemoteJWKSet + jwtVerify accepts them too.
  pem      [2] one PEM key pair made by cryptography, for both: jwtd's
           tokens (kid = the RFC 7638 thumbprint computed here) are accepted
           by Django, Django's by jwtd (verify, protected, refresh); the
           traditional RSA PRIVATE KEY / EC PRIVATE KEY forms (RS256, ES256);
           [3] a verify-only jwtd (VERIFYING_KEY_FILE alone) accepts
           Django's tokens and answers 501 not_signing to obtain and refresh;
           [4] a token signed by jose with the PKCS#8 key is accepted by
           jwtd; [5] (RS256, ES256, EdDSA) refusals: HS256 keyed with the
           public PEM (algorithm confusion), alg none, an ES256 signature in
           DER, and jku / jwk / x5u / x5c headers.
  jwk-url  [6] jwtd with JWK_URL = a JWKS served here by http.server: tokens
           PyJWT signs with kid py-1 are accepted, a kid the JWKS gains later
           (py-2) is accepted within seconds, an unknown kid is refused.

One line per check, "PASS [ALG job] what" or "FAIL [ALG job] what: why",
then "interop-asymmetric: N passed, M failed".
Exit status 0 only if nothing failed.
"""

import argparse
import base64
import concurrent.futures
import hashlib
import hmac
import http.server
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import traceback
import uuid

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, os.path.join(HERE, ".."))
import checks  # noqa: E402
from checks import (  # noqa: E402
    COMMON,
    CheckFailed,
    JwtdServer,
    Report,
    describe,
    expect,
    expect_eq,
    jwtd_environment,
    pinned_version_problems,
)

PINS = {
    # distribution name -> the version tests/interop/requirements.txt pins
    "Django": "5.2.19",
    "djangorestframework": "3.18.3",
    "djangorestframework-simplejwt": "5.5.1",
    "PyJWT": "2.15.1",
    "cryptography": "51.0.1",
}
JOSE_DIR = os.path.join(HERE, "jose")
JOSE_FILES = ("package.json", "package-lock.json", "check.mjs")

ALGORITHMS = ["RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA"]
JOBS = ["jwks", "pem", "jwk-url"]
REFUSALS = {"RS256", "ES256", "EdDSA"}  # one per family
TRADITIONAL = {"RS256": "RSA PRIVATE KEY", "ES256": "EC PRIVATE KEY"}

USER, PASSWORD = "alice", "correct horse battery staple"
NOT_SIGNING = (
    b'{"detail":"This server verifies tokens but does not issue them: it has no signing key.",'
    b'"code":"not_signing"}'
)
TOKEN_INVALID = b'{"detail":"Token is invalid","code":"token_not_valid"}'


# --------------------------------------------------------------------------
# Reporting



def needs(value, what):
    """A later check's input: raise if an earlier check did not produce it."""
    if value is None:
        raise CheckFailed(f"no {what} (an earlier check failed)")
    return value


# --------------------------------------------------------------------------
# Bytes, keys and thumbprints, by hand (no JOSE library involved)


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def b64url_decode(segment):
    return base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))


def compact_json(obj):
    return json.dumps(obj, separators=(",", ":")).encode()


def header_of(token):
    return b64url_decode(token.split(".")[0])


def payload_of(token):
    return json.loads(b64url_decode(token.split(".")[1]))


def hand_made(header, payload, sign):
    """A token of exactly this header and payload; sign(signing_input) -> bytes."""
    signing_input = (b64url(compact_json(header)) + "." + b64url(compact_json(payload))).encode()
    return signing_input.decode() + "." + b64url(sign(signing_input))


def tampered(token):
    """The token with one bit of its signature's first byte flipped."""
    head, body, sig = token.split(".")
    raw = bytearray(b64url_decode(sig))
    raw[0] ^= 1
    return f"{head}.{body}.{b64url(bytes(raw))}"


def generate_key(alg):
    from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa

    if alg[:2] in ("RS", "PS"):
        return rsa.generate_private_key(public_exponent=65537, key_size=2048)
    if alg == "EdDSA":
        return ed25519.Ed25519PrivateKey.generate()
    curve = {"ES256": ec.SECP256R1(), "ES384": ec.SECP384R1(), "ES512": ec.SECP521R1()}[alg]
    return ec.generate_private_key(curve)


def private_pem(key, traditional=False):
    from cryptography.hazmat.primitives import serialization as s

    fmt = s.PrivateFormat.TraditionalOpenSSL if traditional else s.PrivateFormat.PKCS8
    return key.private_bytes(s.Encoding.PEM, fmt, s.NoEncryption())


def public_pem(key):
    from cryptography.hazmat.primitives import serialization as s

    return key.public_key().public_bytes(s.Encoding.PEM, s.PublicFormat.SubjectPublicKeyInfo)


def public_jwk(key):
    """The RFC 7638 required members of the key's public JWK, computed from
    cryptography's numbers: RSA n, e (big-endian, no leading zeros); EC crv,
    x, y (each the curve's full field length); OKP crv, x."""
    from cryptography.hazmat.primitives import serialization as s
    from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa

    pub = key.public_key()
    if isinstance(pub, rsa.RSAPublicKey):
        nums = pub.public_numbers()

        def unsigned(i):
            return b64url(i.to_bytes((i.bit_length() + 7) // 8, "big"))

        return {"e": unsigned(nums.e), "kty": "RSA", "n": unsigned(nums.n)}
    if isinstance(pub, ec.EllipticCurvePublicKey):
        nums = pub.public_numbers()
        size = (pub.curve.key_size + 7) // 8
        crv = {"secp256r1": "P-256", "secp384r1": "P-384", "secp521r1": "P-521"}[pub.curve.name]
        return {
            "crv": crv,
            "kty": "EC",
            "x": b64url(nums.x.to_bytes(size, "big")),
            "y": b64url(nums.y.to_bytes(size, "big")),
        }
    if isinstance(pub, ed25519.Ed25519PublicKey):
        raw = pub.public_bytes(s.Encoding.Raw, s.PublicFormat.Raw)
        return {"crv": "Ed25519", "kty": "OKP", "x": b64url(raw)}
    raise TypeError(f"no JWK for {type(pub).__name__}")


def thumbprint(jwk):
    """RFC 7638: SHA-256 over the required members, sorted, no whitespace."""
    required = {"RSA": ("e", "kty", "n"), "EC": ("crv", "kty", "x", "y"), "OKP": ("crv", "kty", "x")}
    members = {k: jwk[k] for k in required[jwk["kty"]]}
    canonical = json.dumps(members, sort_keys=True, separators=(",", ":")).encode()
    return b64url(hashlib.sha256(canonical).digest())


KTY = {"RS": "RSA", "PS": "RSA", "ES": "EC", "Ed": "OKP"}
CRV = {"ES256": "P-256", "ES384": "P-384", "ES512": "P-521", "EdDSA": "Ed25519"}
PUBLIC_MEMBERS = {"RSA": {"n", "e"}, "EC": {"crv", "x", "y"}, "OKP": {"crv", "x"}}


def check_jwks_entry(entry, alg, kid=None):
    """One key of jwtd's JWKS: the members RFC 7517/7518 name for it and
    no other (in particular no private member)."""
    kty = KTY[alg[:2]]
    expect_eq(set(entry), {"kty", "kid", "use", "alg"} | PUBLIC_MEMBERS[kty], "members")
    expect_eq((entry["kty"], entry["use"], entry["alg"]), (kty, "sig", alg), "kty, use, alg")
    if alg in CRV:
        expect_eq(entry["crv"], CRV[alg], "crv")
    if kid is not None:
        expect_eq(entry["kid"], kid, "kid")


def simplejwt_payload(token_type="access", user_id="1", lifetime=3600):
    now = int(time.time())
    return {
        "token_type": token_type,
        "exp": now + lifetime,
        "iat": now,
        "jti": uuid.uuid4().hex,
        "user_id": user_id,
    }


# --------------------------------------------------------------------------
# jwtd


def jwtd_env(alg, **files):
    settings = {"ALGORITHM": alg, **COMMON}
    # Logins here prove tokens, not hashes (check.py covers those): fast ones.
    settings["PASSWORD_ITERATIONS"] = "1000"
    settings.update((name.upper(), value) for name, value in files.items())
    return jwtd_environment(settings)


def add_user(jwtd, db, env):
    proc = subprocess.run(
        [jwtd, "user", "add", USER, "--password-stdin", "--db", db],
        input=PASSWORD + "\n", env=env, capture_output=True, text=True, timeout=60,
    )
    if proc.returncode != 0:
        raise CheckFailed(f"`jwtd user add` exited {proc.returncode}: {proc.stderr.strip()}")
    expect("with id 1." in proc.stdout, f"`jwtd user add` printed {proc.stdout!r}, not id 1")


class Jwtd(JwtdServer):
    """`jwtd serve` on a fresh database holding the user alice (id 1)."""

    def __init__(self, jwtd, tmp, name, env):
        db = os.path.join(tmp, name + ".redb")
        add_user(jwtd, db, env)
        super().__init__(jwtd, db, env, os.path.join(tmp, name + ".log"))
        if self.addr is None:
            self.stop()
            with open(self.logpath, encoding="utf-8") as f:
                tail = " | ".join(f.read().strip().splitlines()[-3:])
            raise CheckFailed(f"jwtd serve printed no 'listening on' line: {tail}")
        self.url = f"http://{self.addr}"

    def request(self, method, path, body=None, token=None):
        """(status, body); `token`, if not None, goes as the bearer."""
        headers = None if token is None else {"Authorization": "Bearer " + token}
        status, _, data = super().request(method, path, body, headers)
        return status, data

    def login(self):
        status, body = self.request("POST", "/api/token/", {"username": USER, "password": PASSWORD})
        expect_eq(status, 200, f"POST /api/token/ status (body {body!r})")
        pair = json.loads(body)
        expect_eq(sorted(pair), ["access", "refresh"], "response keys")
        return pair

    def jwks(self):
        status, body = self.request("GET", "/.well-known/jwks.json")
        expect_eq(status, 200, f"GET /.well-known/jwks.json status (body {body!r})")
        return json.loads(body)

    def accepts(self, token, refresh=None):
        """verify (200) and, for an access token, protected (200, as alice);
        a refresh token is also refreshed (200)."""
        status, body = self.request("POST", "/api/token/verify/", {"token": token})
        expect_eq((status, body), (200, b"{}"), "POST /api/token/verify/")
        if payload_of(token).get("token_type") == "access":
            status, body = self.request("GET", "/api/protected/", token=token)
            expect_eq(status, 200, f"GET /api/protected/ status (body {body!r})")
            expect_eq(json.loads(body).get("user"), USER, "protected's user")
        elif refresh:
            status, body = self.request("POST", "/api/token/refresh/", {"refresh": token})
            expect_eq(status, 200, f"POST /api/token/refresh/ status (body {body!r})")
            return json.loads(body)
        return None

    def refuses(self, token):
        status, body = self.request("POST", "/api/token/verify/", {"token": token})
        expect_eq((status, body), (401, TOKEN_INVALID), "POST /api/token/verify/")


# --------------------------------------------------------------------------
# Django + SimpleJWT, configured once per process


def configure_django(simple_jwt):
    """Django (an in-memory database) with COMMON and `simple_jwt` as
    SIMPLE_JWT, and the user alice (id 1, no usable password): returned."""
    checks.configure_django(
        checks.simple_jwt_settings(COMMON, **simple_jwt),
        {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"},
    )
    from django.contrib.auth import get_user_model

    user = get_user_model()(id=1, username=USER)
    user.set_unusable_password()
    user.save()
    return user


def django_accepts_access(token):
    from django.test import RequestFactory
    from rest_framework_simplejwt.authentication import JWTAuthentication
    from rest_framework_simplejwt.tokens import AccessToken

    t = AccessToken(token)
    expect_eq((t["token_type"], t["user_id"]), ("access", "1"), "token_type, user_id")
    req = RequestFactory().get("/api/protected/", HTTP_AUTHORIZATION="Bearer " + token)
    user, validated = JWTAuthentication().authenticate(req)
    expect_eq((user.pk, user.username), (1, USER), "JWTAuthentication().authenticate user")


def django_accepts_refresh(token):
    from rest_framework_simplejwt.tokens import RefreshToken

    t = RefreshToken(token)
    expect_eq((t["token_type"], t["user_id"]), ("refresh", "1"), "token_type, user_id")


def django_refuses(token):
    from rest_framework_simplejwt.exceptions import TokenError
    from rest_framework_simplejwt.tokens import AccessToken, UntypedToken

    for cls in (AccessToken, UntypedToken):
        try:
            cls(token)
        except TokenError:
            continue
        raise CheckFailed(f"SimpleJWT's {cls.__name__} accepted it")


# --------------------------------------------------------------------------
# Node jose


def jose(jose_dir, *args):
    proc = subprocess.run(
        ["node", os.path.join(jose_dir, "check.mjs"), *args],
        capture_output=True, text=True, timeout=60,
    )
    return proc.returncode, proc.stdout.strip(), proc.stderr.strip()


def jose_verify_remote(jose_dir, url, alg, token):
    rc, out, err = jose(jose_dir, "verify-remote", url, alg, token)
    try:
        result = json.loads(out)
    except ValueError:
        raise CheckFailed(f"check.mjs exited {rc}: {out or err}") from None
    return result


def jose_sign(jose_dir, alg, pem_file, kid, payload):
    rc, out, err = jose(jose_dir, "sign", alg, pem_file, kid, json.dumps(payload))
    expect(rc == 0 and out.count(".") == 2, f"check.mjs sign exited {rc}: {err or out}")
    return out


# --------------------------------------------------------------------------
# Job 1 + 4: jwtd's own key, published at its JWKS


def job_jwks(r, jwtd, jose_dir, alg, tmp):
    import jwt as pyjwt

    server = Jwtd(jwtd, tmp, "own-key", jwtd_env(alg))
    try:
        jwks_url = server.url + "/.well-known/jwks.json"
        pair = r.check("jwtd with no key configured issues a pair (POST /api/token/)", server.login)
        jwks = r.check("GET /.well-known/jwks.json answers", server.jwks)

        def published():
            keys = needs(jwks, "JWKS")["keys"]
            expect_eq(len(keys), 1, "number of keys")
            kid = json.loads(header_of(needs(pair, "pair")["access"]))["kid"]
            check_jwks_entry(keys[0], alg, kid)
            for token in pair.values():
                expect_eq(
                    header_of(token), compact_json({"alg": alg, "kid": kid, "typ": "JWT"}), "header bytes"
                )

        r.check("the JWKS holds the one key, public members only, named by the tokens' kid "
                '(header {"alg","kid","typ":"JWT"})', published)

        configure_django({"ALGORITHM": alg, "SIGNING_KEY": None, "VERIFYING_KEY": None, "JWK_URL": jwks_url})
        from rest_framework_simplejwt.state import token_backend

        r.check("SimpleJWT's TokenBackend uses a PyJWKClient for JWK_URL",
                lambda: expect(token_backend.jwks_client is not None, "jwks_client is None"))
        r.check("SimpleJWT (JWK_URL) accepts jwtd's access token: AccessToken, JWTAuthentication.authenticate",
                lambda: django_accepts_access(needs(pair, "pair")["access"]))
        r.check("SimpleJWT (JWK_URL) accepts jwtd's refresh token: RefreshToken",
                lambda: django_accepts_refresh(needs(pair, "pair")["refresh"]))
        r.check("SimpleJWT (JWK_URL) refuses jwtd's access token with a flipped signature bit",
                lambda: django_refuses(tampered(needs(pair, "pair")["access"])))

        def pyjwk_client():
            client = pyjwt.PyJWKClient(jwks_url)
            for kind, token in needs(pair, "pair").items():
                key = client.get_signing_key_from_jwt(token)
                claims = pyjwt.decode(token, key.key, algorithms=[alg])
                expect_eq((claims["token_type"], claims["user_id"]), (kind, "1"), "token_type, user_id")

        r.check("PyJWT: PyJWKClient(jwks).get_signing_key_from_jwt + jwt.decode accept both tokens", pyjwk_client)

        def refreshed():
            status, body = server.request("POST", "/api/token/refresh/", {"refresh": needs(pair, "pair")["refresh"]})
            expect_eq(status, 200, f"POST /api/token/refresh/ (body {body!r})")
            new = json.loads(body)
            django_accepts_access(new["access"])
            django_accepts_refresh(new["refresh"])

        r.check("jwtd's refreshed pair is accepted by SimpleJWT (JWK_URL)", refreshed)

        def jose_accepts():
            access = needs(pair, "pair")["access"]
            result = jose_verify_remote(jose_dir, jwks_url, alg, access)
            expect(result["ok"], f"jose refused it: {result.get('error')}")
            expect_eq(result["payload"], payload_of(access), "payload")
            expect_eq(result["header"], json.loads(header_of(access)), "protected header")

        r.check("Node jose: createRemoteJWKSet + jwtVerify accept jwtd's access token", jose_accepts)

        def jose_refuses():
            result = jose_verify_remote(jose_dir, jwks_url, alg, tampered(needs(pair, "pair")["access"]))
            expect(not result["ok"], "jose accepted it")

        r.check("Node jose refuses jwtd's access token with a flipped signature bit", jose_refuses)
    finally:
        server.stop()


# --------------------------------------------------------------------------
# Jobs 2, 3, 4 and 5: one PEM key pair for both


def job_pem(r, jwtd, jose_dir, alg, tmp):
    key = generate_key(alg)
    jwk = public_jwk(key)
    kid = thumbprint(jwk)
    paths = {}
    for name, data in (
        ("private.pem", private_pem(key)),
        ("public.pem", public_pem(key)),
        ("traditional.pem", private_pem(key, traditional=True) if alg in TRADITIONAL else None),
    ):
        if data is not None:
            # jwtd refuses a signing key file others can read: 0600.
            paths[name] = os.path.join(tmp, name)
            with open(os.open(paths[name], os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "wb") as f:
                f.write(data)
    if alg in TRADITIONAL:
        with open(paths["traditional.pem"], "rb") as f:
            first = f.readline().strip()
        expect_eq(first, f"-----BEGIN {TRADITIONAL[alg]}-----".encode(), "traditional PEM's first line")

    user = configure_django({
        "ALGORITHM": alg,
        "SIGNING_KEY": private_pem(key).decode(),
        "VERIFYING_KEY": public_pem(key).decode(),
    })
    from rest_framework_simplejwt.tokens import RefreshToken

    servers = []
    try:
        # ---- [2] jwtd signs and verifies with the same PEM pair ----
        server = r.check(
            "jwtd starts with SIGNING_KEY_FILE (PKCS#8 PEM) and VERIFYING_KEY_FILE (PEM)",
            lambda: Jwtd(jwtd, tmp, "pem", jwtd_env(alg, signing_key_file=paths["private.pem"],
                                                     verifying_key_file=paths["public.pem"])),
        )
        if server is not None:
            servers.append(server)
        pair = r.check("jwtd (PEM key) issues a pair", lambda: needs(server, "server").login())

        def header_kid():
            for token in needs(pair, "pair").values():
                expect_eq(
                    header_of(token), compact_json({"alg": alg, "kid": kid, "typ": "JWT"}),
                    "header bytes (kid = the RFC 7638 thumbprint computed in Python)",
                )

        r.check(f"jwtd's tokens name the key by its RFC 7638 thumbprint ({kid})", header_kid)

        def jwks_is_the_key():
            keys = needs(server, "server").jwks()["keys"]
            expect_eq(len(keys), 1, "number of keys")
            check_jwks_entry(keys[0], alg, kid)
            expect_eq({k: keys[0][k] for k in jwk}, jwk, "public members")

        r.check("jwtd's JWKS publishes exactly the configured public key", jwks_is_the_key)
        r.check("SimpleJWT (the same PEM pair) accepts jwtd's access token: AccessToken, JWTAuthentication",
                lambda: django_accepts_access(needs(pair, "pair")["access"]))
        r.check("SimpleJWT accepts jwtd's refresh token: RefreshToken",
                lambda: django_accepts_refresh(needs(pair, "pair")["refresh"]))

        dj_refresh = RefreshToken.for_user(user)
        dj_access = str(dj_refresh.access_token)
        dj_refresh = str(dj_refresh)
        r.check("SimpleJWT's tokens (RefreshToken.for_user) have no kid",
                lambda: expect_eq(json.loads(header_of(dj_access)), {"alg": alg, "typ": "JWT"}, "header"))
        r.check("jwtd accepts SimpleJWT's access token: POST /api/token/verify/, GET /api/protected/",
                lambda: needs(server, "server").accepts(dj_access))
        new = r.check("jwtd accepts SimpleJWT's refresh token: POST /api/token/verify/, /api/token/refresh/",
                      lambda: needs(server, "server").accepts(dj_refresh, refresh=True))
        r.check("the pair jwtd refreshed from SimpleJWT's refresh token is accepted by SimpleJWT",
                lambda: (django_accepts_access(needs(new, "refreshed pair")["access"]),
                         django_accepts_refresh(new["refresh"])))
        r.check("jwtd refuses SimpleJWT's access token with a flipped signature bit",
                lambda: needs(server, "server").refuses(tampered(dj_access)))

        if alg in TRADITIONAL:
            def traditional():
                t = Jwtd(jwtd, tmp, "traditional", jwtd_env(alg, signing_key_file=paths["traditional.pem"],
                                                             verifying_key_file=paths["public.pem"]))
                servers.append(t)
                access = t.login()["access"]
                expect_eq(json.loads(header_of(access)).get("kid"), kid, "kid")
                django_accepts_access(access)
                t.accepts(dj_access)

            r.check(f"jwtd with the same key as a traditional '{TRADITIONAL[alg]}' PEM: same kid, "
                    "its tokens accepted by SimpleJWT, SimpleJWT's by it", traditional)

        # ---- [4] jose signs with the PKCS#8 PEM; jwtd verifies ----
        def jose_signed():
            token = jose_sign(jose_dir, alg, paths["private.pem"], kid, simplejwt_payload())
            expect_eq(json.loads(header_of(token)), {"alg": alg, "kid": kid, "typ": "JWT"}, "jose's header")
            needs(server, "server").accepts(token)
            django_accepts_access(token)

        r.check("Node jose (importPKCS8 + SignJWT, kid = thumbprint): jwtd accepts its token at verify and "
                "protected (and SimpleJWT too)", jose_signed)

        # ---- [3] verify-only jwtd: VERIFYING_KEY_FILE alone ----
        vo = r.check("verify-only jwtd starts with VERIFYING_KEY_FILE alone",
                     lambda: Jwtd(jwtd, tmp, "verify-only", jwtd_env(alg, verifying_key_file=paths["public.pem"])))
        if vo is not None:
            servers.append(vo)
        r.check("verify-only jwtd accepts SimpleJWT's access token (verify, protected)",
                lambda: needs(vo, "verify-only server").accepts(dj_access))
        r.check("verify-only jwtd accepts SimpleJWT's refresh token (verify)",
                lambda: needs(vo, "verify-only server").accepts(RefreshToken.for_user(user).__str__()))
        r.check("verify-only jwtd accepts the signing jwtd's access token (kid = thumbprint)",
                lambda: needs(vo, "verify-only server").accepts(needs(pair, "pair")["access"]))
        r.check("verify-only jwtd refuses SimpleJWT's access token with a flipped signature bit",
                lambda: needs(vo, "verify-only server").refuses(tampered(dj_access)))

        def not_signing(path, body):
            status, got = needs(vo, "verify-only server").request("POST", path, body)
            expect_eq((status, got), (501, NOT_SIGNING), f"POST {path}")

        r.check("verify-only jwtd answers POST /api/token/ (right password) with 501 not_signing",
                not_signing, "/api/token/", {"username": USER, "password": PASSWORD})
        r.check("verify-only jwtd answers POST /api/token/refresh/ (SimpleJWT's refresh token) with 501 not_signing",
                not_signing, "/api/token/refresh/", {"refresh": str(RefreshToken.for_user(user))})

        # ---- [5] refusals ----
        if alg in REFUSALS and server is not None:
            refusals(r, server, alg, key, kid, paths)
    finally:
        for s in servers:
            s.stop()


def refusals(r, server, alg, key, kid, paths):
    import jwt as pyjwt
    from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

    with open(paths["public.pem"], "rb") as f:
        public = f.read()

    # A control: PyJWT signs a good token with the key; jwtd takes it.
    good = pyjwt.encode(simplejwt_payload(), key, algorithm=alg, headers={"kid": kid})
    r.check("control: a PyJWT-signed token (kid = thumbprint) is accepted by jwtd", server.accepts, good)

    for variant, header in (
        ("", {"alg": "HS256", "typ": "JWT"}),
        (" and the thumbprint kid", {"alg": "HS256", "kid": kid, "typ": "JWT"}),
    ):
        confused = hand_made(header, simplejwt_payload(),
                             lambda m: hmac.new(public, m, hashlib.sha256).digest())
        r.check(f"algorithm confusion: HS256 keyed with the public PEM bytes{variant} is refused by jwtd (401)",
                server.refuses, confused)
        r.check(f"algorithm confusion: HS256 keyed with the public PEM bytes{variant} is refused by SimpleJWT",
                django_refuses, confused)

    for variant, header in (("", {"alg": "none", "typ": "JWT"}), (' "None"', {"alg": "None", "typ": "JWT"})):
        unsigned = hand_made(header, simplejwt_payload(), lambda m: b"")
        r.check(f'alg{variant or " none"} with no signature is refused by jwtd (401)', server.refuses, unsigned)
        r.check(f'alg{variant or " none"} with no signature is refused by SimpleJWT', django_refuses, unsigned)

    if alg == "ES256":
        head, body, sig = good.split(".")
        raw = b64url_decode(sig)
        der = encode_dss_signature(int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:], "big"))
        der_token = f"{head}.{body}.{b64url(der)}"
        r.check("an ES256 signature re-encoded as DER (not JWS's r||s) is refused by jwtd (401)",
                server.refuses, der_token)

        def pyjwt_refuses_der():
            try:
                pyjwt.decode(der_token, key.public_key(), algorithms=[alg])
            except pyjwt.InvalidSignatureError:
                return
            raise CheckFailed("PyJWT accepted it")

        r.check("an ES256 signature re-encoded as DER is refused by PyJWT (InvalidSignatureError)",
                pyjwt_refuses_der)
        r.check("an ES256 signature re-encoded as DER is refused by SimpleJWT", django_refuses, der_token)

    attacker = generate_key(alg)
    attacker_jwk = dict(public_jwk(attacker), alg=alg, use="sig")
    for name, value, signer in (
        ("jku", "https://attacker.example/jwks.json", key),
        ("jwk", dict(public_jwk(key), alg=alg), key),
        ("jwk", attacker_jwk, attacker),
        ("x5u", "https://attacker.example/cert.pem", key),
        ("x5c", [base64.b64encode(b"not a certificate, refused before it is read").decode()], key),
    ):
        whose = "the attacker's own key, embedded" if signer is attacker else "the right key"
        token = pyjwt.encode(simplejwt_payload(), signer, algorithm=alg, headers={"kid": kid, name: value})
        r.check(f"a token with a {name!r} header, signed with {whose}, is refused by jwtd (401)",
                server.refuses, token)


# --------------------------------------------------------------------------
# Job 6: JWK_URL on jwtd's side


class JwksServer:
    """http.server on 127.0.0.1 serving a JWKS that can be changed; counts
    the requests."""

    def __init__(self, keys):
        self.keys = list(keys)
        self.hits = 0
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802
                outer.hits += 1
                body = json.dumps({"keys": outer.keys}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/jwks.json"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def stop(self):
        self.httpd.shutdown()
        self.httpd.server_close()


def job_jwk_url(r, jwtd, jose_dir, alg, tmp):
    import jwt as pyjwt

    py1, py2, stranger = generate_key(alg), generate_key(alg), generate_key(alg)

    def entry(key, kid):
        return dict(public_jwk(key), kid=kid, use="sig", alg=alg)

    def token(key, kid):
        return pyjwt.encode(simplejwt_payload(), key, algorithm=alg, headers={"kid": kid, "typ": "JWT"})

    jwks = JwksServer([entry(py1, "py-1")])
    server = None
    try:
        first = token(py1, "py-1")

        def controls():
            # The JWKS served here and PyJWT's token are right by two other
            # implementations, so a failure below is jwtd's.
            key = pyjwt.PyJWKClient(jwks.url).get_signing_key_from_jwt(first)
            pyjwt.decode(first, key.key, algorithms=[alg])
            result = jose_verify_remote(jose_dir, jwks.url, alg, first)
            expect(result["ok"], f"jose refused it: {result.get('error')}")

        r.check("control: PyJWKClient and Node jose accept the py-1 token with the JWKS served here", controls)
        before = jwks.hits
        server = Jwtd(jwtd, tmp, "jwk-url", jwtd_env(alg, jwk_url=jwks.url))
        status, body = server.request("POST", "/api/token/verify/", {"token": first})
        obtain = server.request("POST", "/api/token/", {"username": USER, "password": PASSWORD})
        r.check("a PyJWT-signed token with kid py-1 is accepted (verify, protected)", server.accepts, first)
        r.check("a JWK_URL-only jwtd answers POST /api/token/ with 501 not_signing",
                lambda: expect_eq(obtain, (501, NOT_SIGNING), "POST /api/token/"))
        r.check(f"jwtd fetched the JWKS ({jwks.hits - before} request(s) so far)",
                lambda: expect(jwks.hits > before, "no request"))

        jwks.keys.append(entry(py2, "py-2"))
        second = token(py2, "py-2")

        def rotated():
            deadline = time.monotonic() + 15
            while True:
                status, body = server.request("POST", "/api/token/verify/", {"token": second})
                if status == 200:
                    break
                if time.monotonic() > deadline:
                    raise CheckFailed(
                        f"still {status} {body.decode()} after 15 s ({jwks.hits - before} JWKS fetches by jwtd)"
                    )
                time.sleep(0.5)
            server.accepts(second)

        started = time.monotonic()
        r.check("a kid the JWKS gains later (py-2) is accepted within 15 s", rotated)
        r.note(f"py-2 took {time.monotonic() - started:.1f}s; jwtd fetched the JWKS {jwks.hits - before} time(s)")
        r.check("a token with kid py-1 signed by another key is refused", server.refuses, token(stranger, "py-1"))
        r.check("a token with an unknown kid is refused", server.refuses, token(stranger, "py-404"))
    finally:
        if server is not None:
            server.stop()
        jwks.stop()


# --------------------------------------------------------------------------
# Driver


def run_job(alg, job, jwtd, jose_dir):
    r = Report(f"{alg} {job}")
    tmp = tempfile.mkdtemp(prefix=f"jwtd-asym-{alg}-{job}-")
    try:
        {"jwks": job_jwks, "pem": job_pem, "jwk-url": job_jwk_url}[job](r, jwtd, jose_dir, alg, tmp)
    except Exception as e:  # noqa: BLE001
        r.fail("job aborted", describe(e))
        traceback.print_exc(file=sys.stderr)
    finally:
        if r.failed:
            r.note(f"jwtd databases and logs kept in {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    return r


def install_jose(target):
    """npm ci of tests/interop/jose's lock into `target` (reused while its
    marker names the same files). Returns None or why it failed."""
    want = hashlib.sha256()
    for name in JOSE_FILES:
        with open(os.path.join(JOSE_DIR, name), "rb") as f:
            want.update(name.encode() + b"\0" + f.read() + b"\0")
    want = want.hexdigest()
    if shutil.which("node") is None or shutil.which("npm") is None:
        return "node and npm are needed on PATH (Node 20 or later)"
    marker = os.path.join(target, ".installed")
    if os.path.exists(marker):
        with open(marker) as f:
            if f.read() == want:
                return None
    shutil.rmtree(target, ignore_errors=True)
    os.makedirs(target)
    for name in JOSE_FILES:
        shutil.copy(os.path.join(JOSE_DIR, name), target)
    proc = subprocess.run(
        ["npm", "ci", "--prefix", target, "--no-audit", "--no-fund", "--ignore-scripts"],
        capture_output=True, text=True, timeout=300,
    )
    if proc.returncode != 0:
        return f"npm ci exited {proc.returncode}: {' '.join((proc.stderr or proc.stdout).split()[-40:])}"
    with open(marker, "w") as f:
        f.write(want)
    return None


def check_env(jwtd, jose_dir):
    """Lines for the environment: [(ok, text)]."""
    lines = []
    problems = pinned_version_problems(PINS)
    if problems:
        lines += [(False, f"pinned Python packages: {p} (run scripts/interop.sh)") for p in problems]
    else:
        lines.append((True, ", ".join(f"{d} {v}" for d, v in PINS.items()) + f" on Python {sys.version.split()[0]}"))
    why = install_jose(jose_dir)
    if why:
        lines.append((False, f"Node jose could not be installed into {jose_dir}; the check FAILS, it does not "
                             f"skip: {why}"))
    else:
        with open(os.path.join(JOSE_DIR, "package.json")) as f:
            pinned = json.load(f)["dependencies"]["jose"]
        rc, out, err = jose(jose_dir, "version")
        node = subprocess.run(["node", "--version"], capture_output=True, text=True).stdout.strip()
        lines.append((rc == 0 and out == pinned,
                      f"Node {node}, jose {out or err} installed by npm ci (pinned {pinned})"))
    if not os.access(jwtd, os.X_OK):
        lines.append((False, f"not an executable: {jwtd}"))
    return lines


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--jwtd", required=True, help="path to the jwtd binary")
    ap.add_argument("--only", action="append", help="run only these algorithms")
    ap.add_argument("--jose-dir", default=os.path.join(ROOT, "target", "interop-jose"),
                    help="where npm ci installs jose (default target/interop-jose)")
    ap.add_argument("--job", nargs=2, metavar=("ALG", "JOB"), help="run one job in this process (internal)")
    args = ap.parse_args()
    jwtd = os.path.abspath(args.jwtd)
    jose_dir = os.path.abspath(args.jose_dir)

    if args.job:
        r = run_job(*args.job, jwtd, jose_dir)
        return 1 if r.failed else 0

    started = time.monotonic()
    passed = failed = 0
    for ok, text in check_env(jwtd, jose_dir):
        print(f"{'PASS' if ok else 'FAIL'} [env] {text}", flush=True)
        passed += ok
        failed += not ok
    algs = args.only or ALGORITHMS
    for alg in algs:
        if alg not in ALGORITHMS:
            print(f"FAIL [{alg}] no such algorithm (have: {', '.join(ALGORITHMS)})", flush=True)
            failed += 1
    jobs = [(alg, job) for alg in algs if alg in ALGORITHMS for job in JOBS] if not failed else []

    def run(alg, job):
        proc = subprocess.run(
            [sys.executable, os.path.abspath(__file__), "--jwtd", jwtd, "--jose-dir", jose_dir, "--job", alg, job],
            stdout=subprocess.PIPE, text=True, timeout=240,
        )
        return proc.returncode, proc.stdout

    # The jwk-url jobs mostly wait (for jwtd's refetch on an unknown kid):
    # all at once. The others work: two at a time.
    waiting = concurrent.futures.ThreadPoolExecutor(max_workers=max(1, len(algs)))
    working = concurrent.futures.ThreadPoolExecutor(max_workers=2)
    futures = [((waiting if job == "jwk-url" else working).submit(run, alg, job), alg, job) for alg, job in jobs]
    for future, alg, job in futures:
        try:
            rc, out = future.result()
        except subprocess.TimeoutExpired:
            rc, out = None, ""
        p = f = 0
        for line in out.splitlines(keepends=True):
            sys.stdout.write(line)
            p += line.startswith("PASS ")
            f += line.startswith("FAIL ")
        sys.stdout.flush()
        if rc is None:
            print(f"FAIL [{alg} {job}] the job did not finish within 240 s", flush=True)
            f += 1
        elif rc != 0 and f == 0:
            print(f"FAIL [{alg} {job}] the job's process exited {rc} without reporting a failure", flush=True)
            f += 1
        passed, failed = passed + p, failed + f
    waiting.shutdown()
    working.shutdown()
    print(f"interop-asymmetric: took {time.monotonic() - started:.1f}s", flush=True)
    print(f"interop-asymmetric: {passed} passed, {failed} failed", flush=True)
    return 1 if failed or not passed else 0


if __name__ == "__main__":
    sys.exit(main())
