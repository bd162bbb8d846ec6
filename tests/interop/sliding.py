"""The HS256+sliding scenario of check.py: jwtd with AUTH_TOKEN_CLASSES=sliding
against Django configured with SimpleJWT's sliding views
(TokenObtainSlidingView, TokenRefreshSlidingView), SlidingToken as its
AUTH_TOKEN_CLASSES, and a TokenBlacklistView whose serializer's token_class
is SlidingToken, on the same key:

  jwtd -> Django   jwtd's sliding token is the bytes SlidingToken.for_user()
                   makes (same exp, iat, jti, refresh_exp), and is taken by
                   JWTAuthentication and TokenRefreshSlidingSerializer;
  Django -> jwtd   SimpleJWT's sliding token is taken by jwtd's protected
                   route, verify, the sliding refresh (same jti, refresh_exp)
                   and blacklist;
  both ways        a token past its refresh period, one without refresh_exp,
                   an access token, and a blacklisted sliding token get the
                   same status and bytes from both.

Each side keeps its own blacklist (jwtd's database, Django's sqlite): a
token is logged out on both, then refused by both.
"""

import json
import time
import uuid

from checks import expect, expect_eq
from harness import (
    DJ_ID,
    DJ_NAME,
    DJ_PASSWORD,
    Django,
    bearer,
    check_protected,
    configure_django,
    payload_of,
    same_answer,
)

SLIDING_LIFETIME, SLIDING_REFRESH_LIFETIME = 300, 86400
ORDER = ["token_type", "exp", "iat", "jti", "refresh_exp", "user_id"]


def run_sliding_scenario(sc):
    """The HS256+sliding scenario, run in `sc` (a harness.Scenario)."""
    r, key = sc.r, sc.key
    from datetime import timedelta

    configure_django(
        sc.cfg,
        key,
        {
            "AUTH_TOKEN_CLASSES": ("rest_framework_simplejwt.tokens.SlidingToken",),
            "SLIDING_TOKEN_LIFETIME": timedelta(seconds=SLIDING_LIFETIME),
            "SLIDING_TOKEN_REFRESH_LIFETIME": timedelta(seconds=SLIDING_REFRESH_LIFETIME),
        },
    )
    import jwt as pyjwt
    from django.contrib.auth import get_user_model
    from rest_framework_simplejwt import views
    from rest_framework_simplejwt.authentication import JWTAuthentication
    from rest_framework_simplejwt.serializers import (
        TokenBlacklistSerializer,
        TokenObtainSlidingSerializer,
        TokenRefreshSlidingSerializer,
    )
    from rest_framework_simplejwt.tokens import SlidingToken

    class SlidingBlacklistSerializer(TokenBlacklistSerializer):
        token_class = SlidingToken

    User = get_user_model()
    django = Django()
    django.views["/api/token/"] = views.TokenObtainSlidingView.as_view()
    django.views["/api/token/refresh/"] = views.TokenRefreshSlidingView.as_view()
    django.views["/api/token/blacklist/"] = views.TokenBlacklistView.as_view(
        serializer_class=SlidingBlacklistSerializer
    )
    env = sc.env()
    env["JWTD_AUTH_TOKEN_CLASSES"] = "sliding"
    env["JWTD_SLIDING_TOKEN_LIFETIME"] = str(SLIDING_LIFETIME)
    env["JWTD_SLIDING_TOKEN_REFRESH_LIFETIME"] = str(SLIDING_REFRESH_LIFETIME)

    dj_user = User.objects.create_user(id=DJ_ID, username=DJ_NAME, password=DJ_PASSWORD)
    server, login = sc.import_start_log_in(
        env, dj_user, DJ_PASSWORD,
        f"Django user {DJ_NAME} (id {DJ_ID}) added to jwtd with its id",
        "jwtd's /api/token/ answers {\"token\": ...} (TokenObtainSlidingView)",
        ["token"],
    )
    mine = None if login is None else login["token"]

    # ---- jwtd -> Django ----
    if mine is not None:

        def same_bytes():
            theirs = payload_of(mine)
            expect_eq(list(theirs), ORDER, "claim order")
            expect_eq(theirs["refresh_exp"] - theirs["exp"], SLIDING_REFRESH_LIFETIME - SLIDING_LIFETIME, "lifetimes")
            token = SlidingToken.for_user(dj_user)
            for claim in ("exp", "iat", "jti", "refresh_exp"):
                token[claim] = theirs[claim]
            expect_eq(str(token), mine, "token bytes")

        r.check(
            "jwtd's sliding token is the bytes of SlidingToken.for_user() for the same "
            f"exp, iat, jti, refresh_exp: {','.join(ORDER)}",
            same_bytes,
        )

        def django_accepts():
            req = django.rf.get("/", HTTP_AUTHORIZATION="Bearer " + mine)
            user, token = JWTAuthentication().authenticate(req)
            expect_eq((user.pk, type(token).__name__), (DJ_ID, "SlidingToken"), "JWTAuthentication")
            ser = TokenRefreshSlidingSerializer(data={"token": mine})
            ser.is_valid(raise_exception=True)
            slid = payload_of(ser.validated_data["token"])
            expect_eq(slid["jti"], payload_of(mine)["jti"], "jti kept")
            expect_eq(slid["refresh_exp"], payload_of(mine)["refresh_exp"], "refresh_exp kept")
            same_answer(server, django, "GET", "/api/protected/", headers=bearer(mine), want_status=200)

        r.check(
            "SimpleJWT takes jwtd's sliding token: JWTAuthentication (SlidingToken), "
            "TokenRefreshSlidingSerializer; both protected views 200, same bytes",
            django_accepts,
        )

    # ---- Django -> jwtd ----
    ser = TokenObtainSlidingSerializer(data={"username": DJ_NAME, "password": DJ_PASSWORD})
    ser.is_valid(raise_exception=True)
    theirs = ser.validated_data["token"]

    def django_token_in_jwtd():
        expect_eq(list(payload_of(theirs)), ORDER, "SimpleJWT's claim order")
        same_answer(server, django, "GET", "/api/protected/", headers=bearer(theirs), want_status=200)
        same_answer(server, django, "POST", "/api/token/verify/", {"token": theirs}, want_status=200)
        status, _, body = server.request("POST", "/api/token/refresh/", {"token": theirs})
        expect_eq(status, 200, f"refresh status (body {body!r})")
        slid = json.loads(body)["token"]
        expect_eq(list(payload_of(slid)), ORDER, "jwtd's refreshed claim order")
        for claim in ("jti", "refresh_exp", "user_id"):
            expect_eq(payload_of(slid)[claim], payload_of(theirs)[claim], f"{claim} kept")
        expect(payload_of(slid)["exp"] >= payload_of(theirs)["exp"], "exp not reset")
        SlidingToken(slid)

    r.check(
        "SimpleJWT's sliding token works in jwtd (protected, verify: same bytes; the sliding "
        "refresh keeps jti and refresh_exp, and SlidingToken takes its result)",
        django_token_in_jwtd,
    )

    def blacklisted_on_both():
        logout = {"refresh": theirs}
        same_answer(server, django, "POST", "/api/token/blacklist/", logout, want_status=200)
        same_answer(server, django, "POST", "/api/token/blacklist/", logout, want_status=401)
        same_answer(server, django, "POST", "/api/token/refresh/", {"token": theirs}, want_status=401)
        same_answer(server, django, "POST", "/api/token/verify/", {"token": theirs}, want_status=400)
        body = same_answer(server, django, "GET", "/api/protected/", headers=bearer(theirs), want_status=401)
        expect(b"Token is blacklisted" in body, f"protected body {body!r}")

    r.check(
        "a sliding token logged out on both (blacklist view with SlidingToken) is refused by "
        "both: blacklist again 401, refresh 401, verify 400, protected 401, same bytes",
        blacklisted_on_both,
    )

    now = int(time.time())

    def sign(ttype="sliding", drop=(), **changes):
        p = {
            "token_type": ttype,
            "exp": now + SLIDING_LIFETIME,
            "iat": now,
            "jti": uuid.uuid4().hex,
            "refresh_exp": now + SLIDING_REFRESH_LIFETIME,
            "user_id": str(DJ_ID),
        }
        p.update(changes)
        for claim in drop:
            del p[claim]
        return pyjwt.encode(p, key, algorithm="HS256")

    refresh_cases = [
        ("a good sliding token", sign(), 200),
        ("a token past its refresh period (\"Token 'refresh_exp' claim has expired\")",
         sign(refresh_exp=now - 10), 401),
        ("a token without refresh_exp", sign(drop=("refresh_exp",)), 401),
        ("an access token", sign("access"), 401),
        ("an expired sliding token", sign(exp=now - 10, iat=now - 310), 401),
    ]
    for what, token, want in refresh_cases:
        if want == 200:
            # Both answer with a fresh token of their own second: compare
            # statuses and payloads, not bytes.
            def good(token=token):
                js, _, jb = server.request("POST", "/api/token/refresh/", {"token": token})
                ds, _, db_ = django.request("POST", "/api/token/refresh/", {"token": token})
                expect_eq((js, ds), (200, 200), "statuses")
                a, b = payload_of(json.loads(jb)["token"]), payload_of(json.loads(db_)["token"])
                for p in (a, b):
                    p.pop("exp"), p.pop("iat")
                expect_eq(a, b, "payloads but exp and iat")

            r.check(f"sliding refresh of {what}: 200 from both, the same payload", good)
            continue
        r.check(
            f"sliding refresh of {what}: {want} from both, same body",
            same_answer, server, django, "POST", "/api/token/refresh/", {"token": token}, None, want,
        )
    expired = sign(refresh_exp=now - 10)
    r.check(
        "the refresh-period message is SimpleJWT's check_exp message",
        lambda: expect_eq(
            server.request("POST", "/api/token/refresh/", {"token": expired})[2],
            b'{"detail":"Token \'refresh_exp\' claim has expired","code":"token_not_valid"}',
            "body",
        ),
    )
    check_protected(r, server, django, [
        ("a sliding token", sign(), 200),
        ("an access token", sign("access"), 401),
        ("a refresh token", sign("refresh"), 401),
    ])
    sc.stop()
