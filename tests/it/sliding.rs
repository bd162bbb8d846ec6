//! Sliding tokens over real HTTP (`AUTH_TOKEN_CLASSES=sliding`): obtain,
//! the protected route, the sliding refresh, verify, logout, revoke-all,
//! and `token explain` on one.

use jwtd::jwt;

use crate::support::*;

fn payload_of(token: &str) -> serde_json::Value {
    let segment = token.split('.').nth(1).unwrap();
    serde_json::from_slice(&jwt::base64url_decode(segment).unwrap()).unwrap()
}

fn sliding_login(server: &Server) -> String {
    let r = server.post_json(
        "/api/token/",
        &format!(r#"{{"username":"alice","password":"{PASSWORD}"}}"#),
    );
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(r.body.starts_with(r#"{"token":""#), "{}", r.body);
    r.json()["token"].as_str().unwrap().to_owned()
}

#[test]
fn a_sliding_session_from_login_to_logout() {
    let (dir, server) = server_with_alice(&[("JWTD_AUTH_TOKEN_CLASSES", "sliding")]);
    let token = sliding_login(&server);
    let claims = payload_of(&token);
    assert_eq!(claims["token_type"], "sliding");
    let exp = claims["exp"].as_u64().unwrap();
    assert_eq!(claims["refresh_exp"].as_u64().unwrap() - exp, 86_400 - 300);

    assert_eq!(server.get("/api/protected/", Some(&token)).status, 200);
    let r = server.post_json("/api/token/refresh/", &format!(r#"{{"token":"{token}"}}"#));
    assert_eq!(r.status, 200, "{}", r.body);
    let refreshed = r.json()["token"].as_str().unwrap().to_owned();
    assert_eq!(payload_of(&refreshed)["jti"], claims["jti"]);
    assert_eq!(payload_of(&refreshed)["refresh_exp"], claims["refresh_exp"]);
    let verify = server.post_json(
        "/api/token/verify/",
        &format!(r#"{{"token":"{refreshed}"}}"#),
    );
    assert_eq!((verify.status, verify.body.as_str()), (200, "{}"));

    // Logging one copy out ends them all: they share the jti.
    let out = server.post_json(
        "/api/token/blacklist/",
        &format!(r#"{{"refresh":"{token}"}}"#),
    );
    assert_eq!((out.status, out.body.as_str()), (200, "{}"));
    let r = server.post_json(
        "/api/token/refresh/",
        &format!(r#"{{"token":"{refreshed}"}}"#),
    );
    assert_eq!(
        (r.status, r.body.as_str()),
        (
            401,
            r#"{"detail":"Token is blacklisted","code":"token_not_valid"}"#
        )
    );
    assert_eq!(server.get("/api/protected/", Some(&refreshed)).status, 401);
    server.stop();

    let explained = run_with(
        &dir,
        &["token", "explain", &refreshed],
        "",
        &[("JWTD_SIGNING_KEY", KEY)],
    );
    assert!(
        explained.stdout.contains("refresh_exp"),
        "{}",
        explained.stdout
    );
    assert!(
        explained.stdout.contains("REFUSED (blacklisted)"),
        "{}",
        explained.stdout
    );
}

#[test]
fn revoke_all_with_a_sliding_token_ends_the_session() {
    let (_dir, server) = server_with_alice(&[("JWTD_AUTH_TOKEN_CLASSES", "sliding")]);
    let token = sliding_login(&server);
    let r = server.request(
        "POST",
        "/api/token/revoke-all/",
        &[("Authorization", &format!("Bearer {token}"))],
        b"",
    );
    assert_eq!(r.status, 200, "{}", r.body);
    let r = server.post_json("/api/token/refresh/", &format!(r#"{{"token":"{token}"}}"#));
    assert_eq!(r.status, 401, "{}", r.body);
    assert_eq!(server.get("/api/protected/", Some(&token)).status, 401);
}

#[test]
fn a_fresh_sliding_token_explains_as_one() {
    let (dir, server) = server_with_alice(&[(
        "JWTD_AUTH_TOKEN_CLASSES",
        "rest_framework_simplejwt.tokens.SlidingToken",
    )]);
    let token = sliding_login(&server);
    server.stop();
    let explained = run_with(
        &dir,
        &["token", "explain", &token],
        "",
        &[("JWTD_SIGNING_KEY", KEY)],
    );
    assert_eq!(explained.code, 0, "{}", explained.stdout);
    assert!(
        explained.stdout.contains("VALID sliding token"),
        "{}",
        explained.stdout
    );
    assert!(
        explained.stdout.contains("refreshable for "),
        "{}",
        explained.stdout
    );
}
