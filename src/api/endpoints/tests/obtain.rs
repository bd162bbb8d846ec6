//! `POST /api/token/` (reference 1.2): logins, the reference vectors
//! through HTTP (reference 10), and jwtd's throttling.

use super::*;

#[test]
fn obtain_fails_identically_for_every_bad_credential() {
    let app = app();
    for (username, password) in [
        ("nobody", PASSWORD),       // unknown user
        ("alice", "wrong"),         // wrong password
        ("Alice", PASSWORD),        // usernames are case-sensitive
        ("bob", PASSWORD),          // inactive, with the right password
        ("carol", PASSWORD),        // unusable password
        ("carol", "!"),             // ... whatever is sent
        ("alice", "correct horse"), // a prefix
    ] {
        let body = format!(
            r#"{{"username":{},"password":{}}}"#,
            js(username),
            js(password)
        );
        let r = post(&app, OBTAIN, &body);
        expect_view(&r, 401, BAD_CREDENTIALS);
    }
}

#[test]
fn obtain_success_body_and_headers() {
    let app = app();
    let body = format!(r#"{{"username":"alice","password":{}}}"#, js(PASSWORD));
    let r = post(&app, OBTAIN, &body);
    // jwtd's defaults: a day and an hour; the refresh token is V1's.
    let access = forge(&payload("access", 3600, NOW, 2));
    expect_view(
        &r,
        200,
        &format!(r#"{{"refresh":"{V1_REFRESH}","access":"{access}"}}"#),
    );
    let mut wire = Vec::new();
    r.write_to(&mut wire, false, None, "Wed, 01 Jan 2025 00:00:00 GMT");
    let wire = String::from_utf8(wire).unwrap();
    assert!(wire.contains("\r\nCache-Control: no-store\r\n"), "{wire}");
    assert!(
        wire.contains("\r\nContent-Type: application/json\r\n"),
        "{wire}"
    );

    // Token views ignore Authorization, however broken.
    for authorization in ["Bearer x", "Bearer", "Bearer a b", "Basic Zm9vOmJhcg=="] {
        let r = send(
            &app,
            &OwnedRequest::post_json(OBTAIN, &body).header("Authorization", authorization),
        );
        expect_success(OBTAIN, &r);
    }
    // And so do the other token views.
    let (refresh, _) = login(&app);
    let r = send(
        &app,
        &OwnedRequest::post_json(VERIFY, &format!(r#"{{"token":"{refresh}"}}"#))
            .header("Authorization", "Bearer garbage"),
    );
    expect_view(&r, 200, "{}");
}

#[test]
fn failed_login_responses_are_not_cached() {
    let app = app();
    let r = post(&app, OBTAIN, r#"{"username":"nobody","password":"x"}"#);
    let mut wire = Vec::new();
    r.write_to(&mut wire, false, None, "d");
    let wire = String::from_utf8(wire).unwrap();
    assert!(wire.starts_with("HTTP/1.1 401 Unauthorized\r\n"), "{wire}");
    assert!(wire.contains("\r\nCache-Control: no-store\r\n"), "{wire}");
    assert!(
        wire.contains("\r\nWWW-Authenticate: Bearer realm=\"api\"\r\n"),
        "{wire}"
    );
    assert!(
        wire.ends_with(&format!("\r\n\r\n{BAD_CREDENTIALS}")),
        "{wire}"
    );
}

#[test]
fn login_reproduces_reference_vector_v1() {
    let app = app_with(Settings {
        access_token_lifetime: 300,
        ..settings()
    });
    let r = post(
        &app,
        OBTAIN,
        &format!(r#"{{"username":"alice","password":{}}}"#, js(PASSWORD)),
    );
    expect_view(
        &r,
        200,
        &format!(r#"{{"refresh":"{V1_REFRESH}","access":"{V1_ACCESS}"}}"#),
    );
    // And V1's tokens are accepted by the server that minted them.
    expect_protected(
        &get_protected(&app, &format!("Bearer {V1_ACCESS}")),
        200,
        HELLO_ALICE,
    );
    expect_view(
        &post(&app, VERIFY, &format!(r#"{{"token":"{V1_REFRESH}"}}"#)),
        200,
        "{}",
    );
}

#[test]
fn login_reproduces_reference_vectors_v2_v3_v6() {
    let reference = || Settings {
        access_token_lifetime: 300,
        ..settings()
    };
    let cases = [
        (
            Settings {
                algorithm: Algorithm::HS512,
                ..reference()
            },
            "eyJhbGciOiJIUzUxMiIsInR5cCI6IkpXVCJ9.eyJ0b2tlbl90eXBlIjoiYWNjZXNzIiwiZXhwIjoxNzM1Njg5OTAwLCJpYXQiOjE3MzU2ODk2MDAsImp0aSI6IjAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAyIiwidXNlcl9pZCI6IjEifQ.M7P7zvYyYNU6ydf04PWYlWjJglWkaHI5yCQAsS9n8O2J8A4nGAiqk56-cMZyZQtVeNjYRp7-w_YBk_X4JjxhNQ",
        ),
        (
            Settings {
                audience: Some(Audience::One("my-aud".into())),
                issuer: Some("https://issuer.example".into()),
                ..reference()
            },
            "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJ0b2tlbl90eXBlIjoiYWNjZXNzIiwiZXhwIjoxNzM1Njg5OTAwLCJpYXQiOjE3MzU2ODk2MDAsImp0aSI6IjAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAyIiwidXNlcl9pZCI6IjEiLCJhdWQiOiJteS1hdWQiLCJpc3MiOiJodHRwczovL2lzc3Vlci5leGFtcGxlIn0.gONHh_IvnNyzpWDFLCXq13P6n0WLOf3Pxg2ENlu4JL8",
        ),
        (
            Settings {
                check_revoke_token: true,
                ..reference()
            },
            "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJ0b2tlbl90eXBlIjoiYWNjZXNzIiwiZXhwIjoxNzM1Njg5OTAwLCJpYXQiOjE3MzU2ODk2MDAsImp0aSI6IjAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAyIiwidXNlcl9pZCI6IjEiLCJoYXNoX3Bhc3N3b3JkIjoiMDE0RDM1MTU1MUZDOENDRDEwODQxMTUxOTAyNjE3N0UifQ.Ap04TdBXx5N4pCWtKDofoN-m-KEUvT-ac8Ct-lN9ZiE",
        ),
    ];
    for (settings, expected_access) in cases {
        let app = app_with(settings);
        let (_, access) = login(&app);
        assert_eq!(access, expected_access);
        let r = get_protected(&app, &format!("Bearer {access}"));
        expect_protected(&r, 200, HELLO_ALICE);
    }
}

#[test]
fn throttled_logins_get_drf_429_with_retry_after() {
    let app = app_with(Settings {
        login_failures_per_user: 2,
        login_failure_window: 60,
        ..settings()
    });
    let wrong = r#"{"username":"alice","password":"wrong"}"#;
    for _ in 0..2 {
        expect_view(&post(&app, OBTAIN, wrong), 401, BAD_CREDENTIALS);
    }
    let r = post(
        &app,
        OBTAIN,
        &format!(r#"{{"username":"alice","password":"{PASSWORD}"}}"#),
    );
    expect_view(
        &r,
        429,
        r#"{"detail":"Request was throttled. Expected available in 60 seconds."}"#,
    );
    assert_eq!(r.header("Retry-After"), Some("60"));
    app.clock.set(NOW + 59);
    let r = post(&app, OBTAIN, wrong);
    expect_view(
        &r,
        429,
        r#"{"detail":"Request was throttled. Expected available in 1 second."}"#,
    );
    assert_eq!(r.header("Retry-After"), Some("1"));
    // Another client address is not affected.
    let elsewhere = OwnedRequest::post_json(
        OBTAIN,
        &format!(r#"{{"username":"alice","password":"{PASSWORD}"}}"#),
    )
    .peer("198.51.100.7".parse().unwrap());
    assert_eq!(send(&app, &elsewhere).status, 200);
}

#[test]
fn num_proxies_takes_the_client_from_x_forwarded_for() {
    let app = app_with(Settings {
        login_failures_per_user: 1,
        num_proxies: 1,
        ..settings()
    });
    let attempt = |forwarded: &str| {
        let request = OwnedRequest::post_json(OBTAIN, r#"{"username":"alice","password":"wrong"}"#)
            .header("X-Forwarded-For", forwarded);
        send(&app, &request).status
    };
    assert_eq!(attempt("203.0.113.5"), 401);
    assert_eq!(attempt("203.0.113.5"), 429, "same client behind the proxy");
    assert_eq!(
        attempt("spoofed, 203.0.113.6"),
        401,
        "the proxy's hop is the one trusted"
    );
    assert_eq!(attempt("203.0.113.6"), 429);
}
