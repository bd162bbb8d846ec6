//! Signing keys at the command line: `key rotate`, `key list` and `key
//! retire`, on a running server and a stopped one, logging nobody out
//! until the old key is retired.

use crate::support::*;

/// The `kid` of a token's header, if any.
fn kid_of(token: &str) -> Option<String> {
    use base64::Engine as _;
    let header = token.split('.').next().unwrap();
    let json = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(header)
        .unwrap();
    let header: serde_json::Value = serde_json::from_slice(&json).unwrap();
    header["kid"].as_str().map(str::to_owned)
}

/// Key rotation on a running server, through its control socket: nobody is
/// logged out until the old key is retired.
#[test]
fn keys_rotate_on_a_running_server_without_logging_anybody_out() {
    let dir = TempDir::new();
    add_user(&dir, "alice", &[]);
    let no_key = [("JWTD_SIGNING_KEY", "<none>")];
    let server = Server::start(&dir, &no_key);
    let (old_refresh, old_access) = server.login("alice");
    let first = kid_of(&old_access).expect("database keys have ids");

    let rotated = run(&dir, &["key", "rotate"], "");
    assert_eq!(rotated.code, 0, "{}", rotated.stderr);
    let (_, new_access) = server.login("alice");
    let second = kid_of(&new_access).unwrap();
    assert_ne!(first, second);
    assert!(rotated.stdout.contains(&second), "{}", rotated.stdout);
    // Both keys verify.
    assert_eq!(server.get("/api/protected/", Some(&old_access)).status, 200);
    assert_eq!(server.get("/api/protected/", Some(&new_access)).status, 200);
    let list = run(&dir, &["key", "list"], "");
    assert!(
        list.stdout.starts_with(&format!(
            "Signing with the database's current key {second}.\n"
        )),
        "{}",
        list.stdout
    );
    let states: Vec<(String, String)> = list
        .stdout
        .lines()
        .skip(2)
        .map(|l| {
            let cells: Vec<&str> = l.split_whitespace().collect();
            (cells[0].to_owned(), cells[3].to_owned())
        })
        .collect();
    assert_eq!(
        states,
        [
            (first.clone(), "active".into()),
            (second.clone(), "current".into())
        ],
        "{}",
        list.stdout
    );
    // A refresh with the old token is signed with the new key.
    let refreshed = server.post_json(
        "/api/token/refresh/",
        &format!(r#"{{"refresh":"{old_refresh}"}}"#),
    );
    assert_eq!(refreshed.status, 200, "{}", refreshed.body);
    let access = refreshed.json()["access"].as_str().unwrap().to_owned();
    assert_eq!(kid_of(&access), Some(second.clone()));

    let current = run(&dir, &["key", "retire", &second], "");
    assert_eq!(current.code, 1);
    assert!(
        current.stderr.contains("is the current key"),
        "{}",
        current.stderr
    );
    // Tokens the first key signed can still be live: refused, unless forced.
    let live = run(&dir, &["key", "retire", &first], "");
    assert_eq!(live.code, 1);
    assert!(
        live.stderr
            .contains(&format!("tokens signed with key {first} can be live until"))
            && live.stderr.contains("--force"),
        "{}",
        live.stderr
    );
    assert_eq!(server.get("/api/protected/", Some(&old_access)).status, 200);
    let retired = run(&dir, &["key", "retire", &first, "--force"], "");
    assert_eq!(retired.code, 0, "{}", retired.stderr);
    let refused = server.get("/api/protected/", Some(&old_access));
    assert_eq!(refused.status, 401);
    assert_eq!(refused.json()["messages"][0]["message"], "Token is invalid");
    assert_eq!(server.get("/api/protected/", Some(&new_access)).status, 200);
    assert!(server.log_eventually_contains(&format!("key {first} retired")));

    // The keys outlive a restart, and a stopped server's keys are managed
    // on the database directly.
    let (code, _) = server.stop();
    assert_eq!(code, 0);
    assert_eq!(run(&dir, &["key", "rotate"], "").code, 0);
    let server = Server::start(&dir, &no_key);
    assert_eq!(server.get("/api/protected/", Some(&new_access)).status, 200);
    assert_eq!(server.get("/api/protected/", Some(&old_access)).status, 401);
    let (_, third) = server.login("alice");
    assert_ne!(kid_of(&third), Some(second));

    // With a configured key, tokens keep SimpleJWT's header and the
    // database's keys are not used.
    drop(server);
    let server = Server::start(&dir, &[]);
    let (_, plain) = server.login("alice");
    assert_eq!(kid_of(&plain), None);
    let list = run_with(&dir, &["key", "list"], "", &[("JWTD_SIGNING_KEY", KEY)]);
    assert!(
        list.stdout.starts_with(
            "Signing with the key from JWTD_SIGNING_KEY (no id); the keys below are not used.\n"
        ),
        "{}",
        list.stdout
    );
    let refused = run_with(&dir, &["key", "rotate"], "", &[("JWTD_SIGNING_KEY", KEY)]);
    assert_eq!(refused.code, 1);
    assert!(
        refused.stderr.contains("comes from JWTD_SIGNING_KEY"),
        "{}",
        refused.stderr
    );
}
