//! Which user: `USERNAME_FIELD` `email` (the login body names its field
//! `email`) and `USER_ID_FIELD` `username` (tokens name their user by it),
//! with a user's email and names set through the admin API and copied into
//! tokens by `TOKEN_CLAIMS`.

use crate::support::*;

/// The payload of a token.
fn payload(token: &str) -> serde_json::Value {
    use base64::Engine as _;
    let segment = token.split('.').nth(1).unwrap();
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(segment)
        .unwrap();
    serde_json::from_slice(&bytes).unwrap()
}

#[test]
fn login_by_email_and_tokens_that_name_the_user_by_username() {
    let dir = TempDir::new();
    add_user(&dir, "root", &["--superuser"]);
    // Alice is given an email and names through the admin API.
    let server = Server::start(&dir, &[]);
    let (_, root) = server.login("root");
    let bearer = format!("Bearer {root}");
    let create = |body: &str| {
        server.request(
            "POST",
            "/api/admin/users/",
            &[
                ("Authorization", bearer.as_str()),
                ("Content-Type", "application/json"),
            ],
            body.as_bytes(),
        )
    };
    let r = create(&format!(
        r#"{{"username":"alice","password":"{PASSWORD}","email":" alice@example.com ","first_name":"Alice","last_name":"Ng"}}"#
    ));
    assert_eq!(r.status, 201, "{}", r.body);
    let v = r.json();
    assert_eq!(
        (&v["email"], &v["first_name"], &v["last_name"]),
        (
            &serde_json::json!("alice@example.com"),
            &serde_json::json!("Alice"),
            &serde_json::json!("Ng")
        )
    );
    let r = create(r#"{"username":"bob","password":"x","email":"bob@","first_name":null}"#);
    assert_eq!(r.status, 400);
    assert!(
        r.body
            .contains(r#""email":["Enter a valid email address."],"first_name":["This field may not be null."]"#),
        "{}",
        r.body
    );
    server.stop();

    let server = Server::start(
        &dir,
        &[
            ("JWTD_USERNAME_FIELD", "email"),
            ("JWTD_USER_ID_FIELD", "username"),
            ("JWTD_TOKEN_CLAIMS", "email,first_name,last_name"),
        ],
    );
    // SimpleJWT names the field after USERNAME_FIELD.
    let r = server.post_json(
        "/api/token/",
        &format!(r#"{{"username":"alice","password":"{PASSWORD}"}}"#),
    );
    assert_eq!(r.status, 400);
    assert_eq!(r.body, r#"{"email":["This field is required."]}"#);
    // An exact match, as Django's ModelBackend.
    let r = server.post_json(
        "/api/token/",
        &format!(r#"{{"email":"Alice@example.com","password":"{PASSWORD}"}}"#),
    );
    assert_eq!(r.status, 401, "{}", r.body);
    let r = server.post_json(
        "/api/token/",
        &format!(r#"{{"email":"alice@example.com","password":"{PASSWORD}"}}"#),
    );
    assert_eq!(r.status, 200, "{}", r.body);
    let pair = r.json();
    let (refresh, access) = (
        pair["refresh"].as_str().unwrap(),
        pair["access"].as_str().unwrap(),
    );
    let claims = payload(access);
    assert_eq!(claims["user_id"], "alice");
    assert_eq!(claims["email"], "alice@example.com");
    assert_eq!(claims["first_name"], "Alice");
    assert_eq!(claims["last_name"], "Ng");
    // The protected route and refresh find her by her username.
    let me = server.get("/api/protected/", Some(access));
    assert_eq!(me.status, 200, "{}", me.body);
    assert!(me.body.contains(r#""user":"alice""#), "{}", me.body);
    let r = server.post_json(
        "/api/token/refresh/",
        &format!(r#"{{"refresh":"{refresh}"}}"#),
    );
    assert_eq!(r.status, 200, "{}", r.body);
    let again = r.json()["access"].as_str().unwrap().to_owned();
    assert_eq!(payload(&again)["user_id"], "alice");
    // Root has no email, so cannot log in at all now.
    let r = server.post_json(
        "/api/token/",
        &format!(r#"{{"email":"root","password":"{PASSWORD}"}}"#),
    );
    assert_eq!(r.status, 401);
    server.stop();

    // A token naming a username nobody has is SimpleJWT's missing user; by
    // id, "alice" is no id.
    let server = Server::start(&dir, &[]);
    let r = server.post_json(
        "/api/token/refresh/",
        &format!(r#"{{"refresh":"{refresh}"}}"#),
    );
    assert_eq!(r.status, 401, "{}", r.body);
}

/// `jwtd user add --email`: under `USERNAME_FIELD` email a user is made
/// with the address they log in by, checked and unique, on a running
/// server (through its control socket) as without one.
#[test]
fn user_add_gives_the_email_users_log_in_by() {
    let dir = TempDir::new();
    let email = [("JWTD_USERNAME_FIELD", "email")];
    let add = |args: &[&str]| {
        let mut all = vec!["user", "add"];
        all.extend_from_slice(args);
        all.push("--password-stdin");
        run_with(&dir, &all, &format!("{PASSWORD}\n"), &email)
    };
    let out = add(&["carol"]);
    assert_eq!(out.code, 1, "{}", out.stdout);
    assert!(
        out.stderr
            .contains("USERNAME_FIELD is email, which users log in by: give the user's --email"),
        "{}",
        out.stderr
    );
    let out = add(&["carol", "--email", "carol@"]);
    assert!(
        out.stderr
            .contains(r#""carol@" is not a valid email address"#),
        "{}",
        out.stderr
    );
    let out = add(&["carol", "--email=carol@example.com", "--superuser"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let server = Server::start(&dir, &email);
    // Through the running server this time: the address is taken.
    let out = add(&["carol2", "--email", "carol@example.com"]);
    assert!(
        out.stderr
            .contains(r#"a user with the email "carol@example.com" already exists"#),
        "{}",
        out.stderr
    );
    let r = server.post_json(
        "/api/token/",
        &format!(r#"{{"email":"carol@example.com","password":"{PASSWORD}"}}"#),
    );
    assert_eq!(r.status, 200, "{}", r.body);
    // OPTIONS describes the view's fields as DRF does, `email` first.
    let r = server.request("OPTIONS", "/api/token/", &[], b"");
    assert!(
        r.body.contains(
            r#""actions":{"POST":{"email":{"type":"string","required":true,"read_only":false,"label":"Email"},"password":"#
        ),
        "{}",
        r.body
    );
    server.stop();
    // Any other command refuses the option.
    let out = run(&dir, &["user", "list", "--email", "x@example.com"], "");
    assert_eq!(out.code, 2);
    assert!(
        out.stderr.contains("--email applies to user add only"),
        "{}",
        out.stderr
    );
}
