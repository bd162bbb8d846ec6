//! `token explain`: it agrees with the server, and at a terminal asks for
//! the token.

use super::jwtd_base64url;
use crate::support::*;

#[test]
fn token_explain_agrees_with_the_server() {
    let (dir, server) = server_with_alice(&[]);
    let (refresh, access) = server.login("alice");
    let key = [("JWTD_SIGNING_KEY", KEY)];

    // The server holds the database: explain asks it, so the key is the
    // server's and the blacklist and revocations (check 11) are read.
    let out = run(&dir, &["token", "explain", &access], "");
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
    for expected in [
        "Token: ",
        "\"token_type\": \"access\",",
        "\"user_id\": \"1\"",
        "expires in ",
        "  key        from the running server's key (JWTD_SIGNING_KEY)",
        "  the two are identical",
        "   4  pass     signature",
        "  11  pass ",
        "Verdict: VALID access token.",
    ] {
        assert!(
            out.stdout.contains(expected),
            "{expected:?} not in\n{}",
            out.stdout
        );
    }
    assert!(!out.stdout.contains("not run"), "{}", out.stdout);

    // From standard input, as copied from an Authorization header, as JSON.
    let out = run_with(
        &dir,
        &["token", "explain", "--json"],
        &format!("Bearer {refresh}\n"),
        &key,
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    let json: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(json["verdict"], "valid");
    assert_eq!(json["token_type"], "refresh");
    assert_eq!(json["payload"]["user_id"], "1");
    assert_eq!(json["signature"]["match"], true);
    assert_eq!(
        json["signature"]["in_token"]["base64url"],
        refresh.rsplit('.').next().unwrap()
    );

    // With the server stopped, explain opens the database itself, and a
    // key given in the environment is the one it checks with. A wrong key:
    // the server said valid, explain says invalid, at check 4.
    server.stop();
    let out = run_with(
        &dir,
        &["token", "explain", &access],
        "",
        &[("JWTD_SIGNING_KEY", "another key of a decent length, 32+")],
    );
    assert_eq!(out.code, 1);
    assert!(
        out.stdout.contains("   4  FAIL     signature"),
        "{}",
        out.stdout
    );
    assert!(out.stdout.contains(": signature mismatch"));
    assert!(out.stdout.contains("  the two differ"));
    assert!(out.stdout.contains(r#""detail": "Token is invalid""#));

    // Tampered payload: refused by both.
    let mut parts: Vec<String> = access.split('.').map(String::from).collect();
    let payload = jwtd_base64url(&parts[1]);
    let forged = String::from_utf8(payload)
        .unwrap()
        .replace("\"1\"", "\"2\"");
    parts[1] = jwtd::jwt::base64url_encode(forged.as_bytes());
    let tampered = parts.join(".");
    let out = run_with(&dir, &["token", "explain", &tampered], "", &key);
    assert_eq!(out.code, 1);
    assert!(out.stdout.contains("\"user_id\": \"2\""), "{}", out.stdout);
    assert!(
        out.stdout.contains("   4  FAIL     signature"),
        "{}",
        out.stdout
    );

    // No key anywhere and no database: the token is still decoded, and
    // the status says the signature was not checked.
    let out = run_with(
        &dir,
        &["token", "explain", &access, "--db", "nowhere.redb"],
        "",
        &[],
    );
    assert_eq!(out.code, 3, "{}{}", out.stdout, out.stderr);
    assert!(
        out.stdout.contains("no database nowhere.redb"),
        "{}",
        out.stdout
    );
    assert!(out.stdout.contains("THE SIGNATURE WAS NOT CHECKED"));
    assert!(out.stdout.contains("\"user_id\": \"1\""));

    // With a key the server generated and kept in the database.
    let dir = TempDir::new();
    add_user(&dir, "alice", &[]);
    let no_key = run(&dir, &["token", "explain", &access], "");
    assert_eq!(no_key.code, 3);
    assert!(
        no_key.stdout.contains("holds no key yet"),
        "{}",
        no_key.stdout
    );
    let server = Server::start(&dir, &[("JWTD_SIGNING_KEY", "<none>")]);
    let (_, own_access) = server.login("alice");
    drop(server);
    let out = run(&dir, &["token", "explain", &own_access], "");
    assert_eq!(out.code, 0, "{}", out.stdout);
    assert!(
        out.stdout
            .contains("  key        from the database's keys ("),
        "{}",
        out.stdout
    );

    let usage = run(&dir, &["token", "explain", "a", "b"], "");
    assert_eq!(usage.code, 2);
    let help = run(&dir, &["token", "--help"], "");
    assert!(
        help.stdout.contains("Exit status: 0 valid, 1 refused"),
        "{}",
        help.stdout
    );
}

/// At a terminal, `token explain` without a token says what it wants
/// instead of waiting silently (`script` gives it a terminal).
#[test]
fn token_explain_at_a_terminal_asks_for_the_token() {
    let dir = TempDir::new();
    let program = env!("CARGO_BIN_EXE_jwtd");
    let mut child = std::process::Command::new("script")
        .args([
            "-qec",
            &format!("{program} token explain --db none.redb"),
            "/dev/null",
        ])
        .current_dir(dir.path())
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("`script` (util-linux) runs a command at a terminal");
    use std::io::Write as _;
    let mut stdin = child.stdin.take().unwrap();
    std::thread::sleep(std::time::Duration::from_millis(300));
    stdin.write_all(b"not.a.token\n").unwrap();
    let out = child.wait_with_output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("Paste the token"), "{text}");
    assert!(text.contains("Verdict:"), "{text}");
}
