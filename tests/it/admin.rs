//! The admin API against the real binary: a superuser made on the command
//! line creates a user over HTTP, and that user logs in.

use crate::support::*;

#[test]
fn a_superuser_creates_a_user_who_then_logs_in() {
    let dir = TempDir::new();
    add_user(&dir, "root", &["--superuser"]);
    add_user(&dir, "alice", &[]);
    let server = Server::start(&dir, &[]);
    let (_, root) = server.login("root");
    let bearer = format!("Bearer {root}");
    let json = [
        ("Authorization", bearer.as_str()),
        ("Content-Type", "application/json"),
    ];

    let r = server.request(
        "POST",
        "/api/admin/users/",
        &json,
        br#"{"username":"bob","password":"hunter2 and more"}"#,
    );
    assert_eq!(r.status, 201, "{}", r.body);
    let bob = r.json();
    assert_eq!(bob["username"], "bob");
    assert_eq!(bob["is_active"], true);
    assert!(bob.get("password").is_none(), "{}", r.body);
    let date = bob["date_joined"].as_str().unwrap();
    assert!(date.ends_with('Z') && date.len() >= 20, "{date}");

    // Django's password validators, every message, DRF's field errors.
    let r = server.request(
        "POST",
        "/api/admin/users/",
        &json,
        br#"{"username":"carol","password":"carol99"}"#,
    );
    assert_eq!(
        (r.status, r.body.as_str()),
        (
            400,
            r#"{"password":["The password is too similar to the username.","This password is too short. It must contain at least 8 characters."]}"#
        )
    );
    let r = server.request(
        "PATCH",
        "/api/admin/users/3/",
        &json,
        br#"{"password":"qwerty123"}"#,
    );
    assert_eq!(
        (r.status, r.body.as_str()),
        (400, r#"{"password":["This password is too common."]}"#)
    );

    // bob logs in with the password the admin set, and is who his token says.
    let r = server.post_json(
        "/api/token/",
        r#"{"username":"bob","password":"hunter2 and more"}"#,
    );
    assert_eq!(r.status, 200, "{}", r.body);
    let access = r.json()["access"].as_str().unwrap().to_owned();
    let me = server.get("/api/protected/", Some(&access));
    assert_eq!(me.json()["user"], "bob");
    // He is no admin.
    let r = server.get("/api/admin/users/", Some(&access));
    assert_eq!(
        (r.status, r.body.as_str()),
        (
            403,
            r#"{"detail":"You do not have permission to perform this action."}"#
        )
    );

    // The list, by id.
    let r = server.get("/api/admin/users/", Some(&root));
    assert_eq!(r.status, 200);
    let list = r.json();
    assert_eq!(list["count"], 3);
    let names: Vec<&str> = list["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["username"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["root", "alice", "bob"]);

    // The action is logged with who did it, and no password anywhere.
    assert!(
        server.log_eventually_contains(r#"admin "root" (id 1) created user "bob" (id 3)"#),
        "{}",
        server.log()
    );
    let (code, log) = server.stop();
    assert_eq!(code, 0);
    assert!(!log.contains("hunter2"), "{log}");
}
