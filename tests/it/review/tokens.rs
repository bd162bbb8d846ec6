//! Tokens: times beyond what Django can represent (item 10), and two tabs
//! refreshing at once (item 12).

use std::time::Duration;

use jwtd::jwt::{self, Algorithm, Key};

use crate::support::*;

const INVALID: &str = r#"{"detail":"Token is invalid","code":"token_not_valid"}"#;
const BEARER_INVALID: &str = r#"{"detail":"Given token not valid for any token type","code":"token_not_valid","messages":[{"token_class":"AccessToken","token_type":"access","message":"Token is invalid"}]}"#;

/// A token signed with the server's key from raw payload JSON.
fn forge(payload: &str) -> String {
    let key = Key::new(Algorithm::HS256, KEY.as_bytes()).unwrap();
    jwt::sign_parts(&key, Algorithm::HS256.encoded_header(), payload.as_bytes()).unwrap()
}

#[test]
fn item_10_times_beyond_what_django_can_represent_are_refused() {
    let (_dir, server) = server_with_alice(&[]);
    let now = jwtd::time::now_seconds();
    for (n, claims) in [
        r#""exp":18446744073709551617"#.to_owned(),
        r#""exp":1e300"#.to_owned(),
        r#""exp":253402300800"#.to_owned(),
        format!(r#""exp":{},"iat":253402300800"#, now + 60),
        format!(r#""exp":{},"nbf":-1e300"#, now + 60),
    ]
    .iter()
    .enumerate()
    {
        let access = forge(&format!(
            r#"{{"token_type":"access",{claims},"jti":"far-a{n}","user_id":"1"}}"#
        ));
        let refresh = forge(&format!(
            r#"{{"token_type":"refresh",{claims},"jti":"far-r{n}","user_id":"1"}}"#
        ));
        let protected = server.get("/api/protected/", Some(&access));
        assert_eq!(
            (protected.status, protected.body.as_str()),
            (401, BEARER_INVALID),
            "{claims}"
        );
        let verify = server.post_json("/api/token/verify/", &format!(r#"{{"token":"{access}"}}"#));
        assert_eq!(
            (verify.status, verify.body.as_str()),
            (401, INVALID),
            "{claims}"
        );
        let rotate = server.post_json(
            "/api/token/refresh/",
            &format!(r#"{{"refresh":"{refresh}"}}"#),
        );
        assert_eq!(
            (rotate.status, rotate.body.as_str()),
            (401, INVALID),
            "{claims}"
        );
    }
    // The last second a Python datetime holds is still a valid time.
    let latest =
        forge(r#"{"token_type":"access","exp":253402300799,"jti":"latest","user_id":"1"}"#);
    assert_eq!(server.get("/api/protected/", Some(&latest)).status, 200);
}

fn refresh(server: &Server, token: &str) -> Response {
    server.post_json(
        "/api/token/refresh/",
        &format!(r#"{{"refresh":"{token}"}}"#),
    )
}

#[test]
fn item_12_two_tabs_refreshing_at_once_are_not_taken_for_a_thief() {
    const BLACKLISTED: &str = r#"{"detail":"Token is blacklisted","code":"token_not_valid"}"#;
    let (_dir, server) = server_with_alice(&[]);
    for round in 0..5 {
        let (token, _) = server.login("alice");
        let barrier = std::sync::Barrier::new(2);
        let answers: Vec<Response> = std::thread::scope(|s| {
            let tabs: Vec<_> = (0..2)
                .map(|_| {
                    s.spawn(|| {
                        barrier.wait();
                        refresh(&server, &token)
                    })
                })
                .collect();
            tabs.into_iter().map(|t| t.join().unwrap()).collect()
        });
        let winners: Vec<&Response> = answers.iter().filter(|r| r.status == 200).collect();
        assert_eq!(winners.len(), 1, "round {round}: exactly one winner");
        let loser = answers.iter().find(|r| r.status != 200).unwrap();
        assert_eq!((loser.status, loser.body.as_str()), (401, BLACKLISTED));
        // The winning tab's new pair stays valid.
        let kept = winners[0].json()["refresh"].as_str().unwrap().to_owned();
        assert_eq!(refresh(&server, &kept).status, 200, "round {round}");
    }
    assert!(server.log_eventually_contains("reuse within REUSE_GRACE_PERIOD"));

    // Outside the grace period, a repeat is theft, as before.
    let (_dir, server) = server_with_alice(&[("JWTD_REUSE_GRACE_PERIOD", "1")]);
    let (token, _) = server.login("alice");
    let r = refresh(&server, &token);
    let rotated = r.json()["refresh"].as_str().unwrap().to_owned();
    std::thread::sleep(Duration::from_millis(2100));
    assert_eq!(refresh(&server, &token).status, 401);
    assert!(server.log_eventually_contains("WARN refresh token reuse"));
    let revoked = refresh(&server, &rotated);
    assert_eq!((revoked.status, revoked.body.as_str()), (401, BLACKLISTED));
}
