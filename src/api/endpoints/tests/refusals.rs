//! `jwtd_refusals_total`: every way a request is refused moves its own
//! counter, and only that one, by one.

use super::*;
use crate::http::Refused;
use crate::jwt::Keyring;
use crate::refusal::Refusal;

/// Every refusal counter as `/metrics` shows it, in [`Refusal::ALL`] order.
fn refusals(app: &App) -> Vec<u64> {
    let text = send(app, &OwnedRequest::new("GET", "/metrics"))
        .text()
        .to_owned();
    Refusal::ALL
        .iter()
        .map(|reason| {
            let prefix = format!("jwtd_refusals_total{{reason=\"{}\"}} ", reason.label());
            text.lines()
                .find_map(|l| l.strip_prefix(&prefix))
                .unwrap_or_else(|| panic!("no {prefix}in\n{text}"))
                .parse()
                .unwrap()
        })
        .collect()
}

/// A forged token: `header` (JSON) and `payload`, signed with `key`.
fn forge_with(key: &[u8], header: &str, payload: &str) -> String {
    let key = Key::new(Algorithm::HS256, key).unwrap();
    sign_parts(
        &key,
        &base64url_encode(header.as_bytes()),
        payload.as_bytes(),
    )
    .unwrap()
}

fn verify(app: &App, token: &str) -> Response {
    post(app, VERIFY, &format!(r#"{{"token":{}}}"#, js(token)))
}

fn refresh(app: &App, token: &str) -> Response {
    post(app, REFRESH, &format!(r#"{{"refresh":{}}}"#, js(token)))
}

fn bearer(app: &App, token: &str) -> Response {
    get_protected(app, &format!("Bearer {token}"))
}

fn transport(app: &App, status: u16, cause: Refused) {
    app.refusal(status, "Refused.", cause);
}

/// An access token for user `user_id` (a JSON value), or for none.
fn access_for(user_id: Option<&str>) -> String {
    let user = user_id.map_or(String::new(), |id| format!(r#","user_id":{id}"#));
    forge(&format!(
        r#"{{"token_type":"access","exp":{},"iat":{NOW},"jti":"{}"{user}}}"#,
        NOW + 300,
        jti(90)
    ))
}

/// A reason, the settings of the application, and what refuses a request.
type Case = (Refusal, Settings, fn(&App));

/// alice's login body.
fn alice_login() -> String {
    format!(r#"{{"username":"alice","password":{}}}"#, js(PASSWORD))
}

/// What refuses a request for each reason, on a fresh application with
/// `settings`. Set-up steps succeed (or go round the handler), so that the
/// one refusal is the last request.
fn cases() -> Vec<Case> {
    let plain = settings;
    vec![
        (Refusal::TooManyConnections, plain(), |app| {
            transport(app, 503, Refused::SlotsTaken)
        }),
        (Refusal::AddressConnections, plain(), |app| {
            transport(app, 503, Refused::AddressCap)
        }),
        (Refusal::MalformedRequest, plain(), |app| {
            transport(app, 400, Refused::Framing)
        }),
        (Refusal::RequestLineTooLong, plain(), |app| {
            transport(app, 414, Refused::Framing)
        }),
        (Refusal::HeadersTooLarge, plain(), |app| {
            transport(app, 431, Refused::Framing)
        }),
        (Refusal::BodyTooLarge, plain(), |app| {
            transport(app, 413, Refused::Framing)
        }),
        (Refusal::ExpectationFailed, plain(), |app| {
            transport(app, 417, Refused::Framing)
        }),
        (Refusal::UnsupportedTransferCoding, plain(), |app| {
            transport(app, 501, Refused::Framing)
        }),
        (Refusal::VersionNotSupported, plain(), |app| {
            transport(app, 505, Refused::Framing)
        }),
        (Refusal::ServerError, plain(), |app| {
            transport(app, 500, Refused::Panic)
        }),
        (Refusal::InvalidHost, plain(), |app| {
            let r = send(
                app,
                &OwnedRequest::new("GET", "/healthz").header("Host", "evil.test"),
            );
            assert_eq!(r.status, 400);
        }),
        (Refusal::NotFound, plain(), |app| {
            assert_eq!(
                send(app, &OwnedRequest::new("GET", "/nowhere/")).status,
                404
            );
        }),
        (Refusal::MethodNotAllowed, plain(), |app| {
            assert_eq!(send(app, &OwnedRequest::new("GET", OBTAIN)).status, 405);
        }),
        (Refusal::NotAuthenticated, plain(), |app| {
            assert_eq!(send(app, &OwnedRequest::new("GET", PROTECTED)).status, 401);
        }),
        (Refusal::Forbidden, plain(), |app| {
            let (_, access) = login(app);
            let r = send(
                app,
                &OwnedRequest::new("GET", "/api/admin/users/")
                    .header("Authorization", format!("Bearer {access}")),
            );
            assert_eq!(r.status, 403);
        }),
        (Refusal::UnsupportedMediaType, plain(), |app| {
            let r = send(
                app,
                &OwnedRequest::new("POST", OBTAIN)
                    .header("Content-Type", "text/plain")
                    .body("x"),
            );
            assert_eq!(r.status, 415);
        }),
        (Refusal::ParseError, plain(), |app| {
            assert_eq!(post(app, OBTAIN, "{").status, 400);
        }),
        (Refusal::NoData, plain(), |app| {
            assert_eq!(post(app, OBTAIN, "null").status, 400);
        }),
        (Refusal::NotAnObject, plain(), |app| {
            assert_eq!(post(app, OBTAIN, "[]").status, 400);
        }),
        (Refusal::InvalidFields, plain(), |app| {
            assert_eq!(post(app, OBTAIN, "{}").status, 400);
        }),
        (Refusal::BadCredentials, plain(), |app| {
            let r = post(app, OBTAIN, r#"{"username":"alice","password":"no"}"#);
            assert_eq!(r.status, 401);
        }),
        (Refusal::Throttled, plain(), |app| {
            // The failures go round the handler: only the 429 is a refusal.
            let peer = std::net::IpAddr::V4(std::net::Ipv4Addr::LOCALHOST);
            while app.auth.check_throttle("alice", peer, NOW).is_ok() {
                let _ = app.auth.login("alice", "no", peer, NOW);
            }
            assert_eq!(post(app, OBTAIN, &alice_login()).status, 429);
        }),
        (
            Refusal::LoginQueueFull,
            Settings {
                login_queue: 0,
                ..plain()
            },
            |app| assert_eq!(post(app, OBTAIN, &alice_login()).status, 429),
        ),
        (Refusal::Invalid, plain(), |app| {
            assert_eq!(verify(app, "garbage").status, 401);
        }),
        (Refusal::BadSignature, plain(), |app| {
            let token = forge_with(
                b"another-signing-key-0123456789abcdef",
                r#"{"alg":"HS256","typ":"JWT"}"#,
                &payload("access", 300, NOW, 7),
            );
            assert_eq!(verify(app, &token).status, 401);
        }),
        (Refusal::WrongAlgorithm, plain(), |app| {
            let token = forge_with(
                KEY,
                r#"{"alg":"HS512","typ":"JWT"}"#,
                &payload("access", 300, NOW, 7),
            );
            assert_eq!(verify(app, &token).status, 401);
        }),
        (Refusal::UnknownKey, plain(), |app| {
            // Keys from the database have ids; a kid naming none (unknown,
            // or retired) is refused before its signature is looked at.
            app.auth.rotate_key().unwrap();
            let token = forge_with(
                KEY,
                r#"{"alg":"HS256","kid":"retired-or-unknown","typ":"JWT"}"#,
                &payload("access", 300, NOW, 7),
            );
            assert_eq!(verify(app, &token).status, 401);
        }),
        (Refusal::NotYetValid, plain(), |app| {
            let token = forge(&payload("access", 300, NOW + 1000, 7));
            assert_eq!(verify(app, &token).status, 401);
        }),
        (Refusal::Expired, plain(), |app| {
            let token = forge(&payload("access", 300, NOW - 1000, 7));
            assert_eq!(verify(app, &token).status, 401);
        }),
        (
            Refusal::WrongIssuer,
            Settings {
                issuer: Some("jwtd".into()),
                ..plain()
            },
            |app| {
                let token = forge(&payload("access", 300, NOW, 7));
                assert_eq!(verify(app, &token).status, 401);
            },
        ),
        (
            Refusal::WrongAudience,
            Settings {
                audience: Some(Audience::One("api".into())),
                ..plain()
            },
            |app| {
                let token = forge(&payload("access", 300, NOW, 7));
                assert_eq!(verify(app, &token).status, 401);
            },
        ),
        (Refusal::NoExp, plain(), |app| {
            let token = forge(&format!(
                r#"{{"token_type":"access","iat":{NOW},"jti":"{}","user_id":"1"}}"#,
                jti(7)
            ));
            assert_eq!(verify(app, &token).status, 401);
        }),
        (Refusal::NoId, plain(), |app| {
            let token = forge(&format!(
                r#"{{"token_type":"refresh","exp":{},"iat":{NOW},"user_id":"1"}}"#,
                NOW + 300
            ));
            assert_eq!(refresh(app, &token).status, 401);
        }),
        (Refusal::NoType, plain(), |app| {
            let token = forge(&format!(
                r#"{{"exp":{},"iat":{NOW},"jti":"{}","user_id":"1"}}"#,
                NOW + 300,
                jti(7)
            ));
            // Verify takes any type (SimpleJWT's UntypedToken); refresh not.
            assert_eq!(refresh(app, &token).status, 401);
        }),
        (Refusal::WrongType, plain(), |app| {
            let (_, access) = login(app);
            assert_eq!(refresh(app, &access).status, 401);
        }),
        (Refusal::Blacklisted, plain(), |app| {
            let (token, _) = login(app);
            let body = format!(r#"{{"refresh":{}}}"#, js(&token));
            assert_eq!(post(app, BLACKLIST, &body).status, 200);
            assert_eq!(refresh(app, &token).status, 401);
        }),
        (Refusal::Revoked, plain(), |app| {
            let (_, access) = login(app);
            let r = send(
                app,
                &OwnedRequest::new("POST", "/api/token/revoke-all/")
                    .header("Authorization", format!("Bearer {access}")),
            );
            assert_eq!(r.status, 200);
            assert_eq!(bearer(app, &access).status, 401);
        }),
        (Refusal::Reuse, plain(), |app| {
            let (token, _) = login(app);
            assert_eq!(refresh(app, &token).status, 200);
            app.clock.set(NOW + 60);
            assert_eq!(refresh(app, &token).status, 401);
        }),
        (Refusal::ReuseWithinGrace, plain(), |app| {
            let (token, _) = login(app);
            assert_eq!(refresh(app, &token).status, 200);
            assert_eq!(refresh(app, &token).status, 401);
        }),
        (
            Refusal::PasswordChanged,
            Settings {
                check_revoke_token: true,
                ..plain()
            },
            |app| {
                let (_, access) = login(app);
                let hash = make_password("another password", 1000).unwrap();
                app.auth
                    .store()
                    .update_user("alice", |u| u.password = hash)
                    .unwrap();
                assert_eq!(bearer(app, &access).status, 401);
            },
        ),
        (Refusal::BadHeader, plain(), |app| {
            assert_eq!(get_protected(app, "Bearer a b").status, 401);
        }),
        (Refusal::NoUserId, plain(), |app| {
            assert_eq!(bearer(app, &access_for(None)).status, 401);
        }),
        (Refusal::UserNotFound, plain(), |app| {
            assert_eq!(bearer(app, &access_for(Some(r#""99""#))).status, 401);
        }),
        (Refusal::UserInactive, plain(), |app| {
            assert_eq!(bearer(app, &access_for(Some(r#""2""#))).status, 401);
        }),
    ]
}

#[test]
fn every_refusal_moves_its_own_counter_by_one() {
    let mut seen = Vec::new();
    for (reason, settings, refuse) in cases() {
        let app = app_with(settings);
        let before = refusals(&app);
        refuse(&app);
        app.auth.settle().unwrap();
        let after = refusals(&app);
        let moved: Vec<(&str, u64)> = Refusal::ALL
            .iter()
            .zip(before.iter().zip(&after))
            .filter(|(_, (b, a))| a != b)
            .map(|(r, (b, a))| (r.label(), a - b))
            .collect();
        assert_eq!(moved, [(reason.label(), 1)], "{reason:?}");
        seen.push(reason);
    }
    seen.push(unavailable());
    seen.push(not_signing());
    for reason in Refusal::ALL {
        assert!(seen.contains(&reason), "no case for {reason:?}");
    }
}

/// A server that only verifies: obtain is a 501, counted as `not_signing`.
fn not_signing() -> Refusal {
    let app = app();
    let key = Key::new(Algorithm::HS256, KEY).unwrap();
    let ring = Keyring::verifying(vec![("k".into(), key)]).unwrap();
    app.auth.set_keyring(ring);
    let before = refusals(&app);
    let r = post(
        &app,
        OBTAIN,
        &format!(r#"{{"username":"alice","password":{}}}"#, js(P1)),
    );
    assert_eq!(r.status, 501, "{}", r.text());
    let after = refusals(&app);
    let i = Refusal::NotSigning.index();
    assert_eq!(after[i], before[i] + 1);
    Refusal::NotSigning
}

/// A store that cannot write: 503, counted as `unavailable`.
fn unavailable() -> Refusal {
    use std::sync::atomic::Ordering;

    let (app, full, _dir) = app_on_failing_disk("refusals");
    let (token, _) = login(&app);
    app.auth.settle().unwrap();
    full.store(true, Ordering::SeqCst);
    let before = refusals(&app);
    assert_eq!(refresh(&app, &token).status, 503);
    let after = refusals(&app);
    let i = Refusal::Unavailable.index();
    assert_eq!(after[i], before[i] + 1);
    assert_eq!(after.iter().sum::<u64>(), before.iter().sum::<u64>() + 1);
    drop(app);
    Refusal::Unavailable
}
