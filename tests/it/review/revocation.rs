//! Revocation through the command line: deactivation revokes and
//! activation brings nothing back (item 7), and an import into a deleted
//! user's id inherits none of its tokens (item 3).

use crate::support::*;

/// Logs alice in on a server over `dir`, stops it, runs the CLI commands,
/// and starts it again with `env`.
fn tokens_across(
    dir: &TempDir,
    env: &[(&str, &str)],
    commands: &[&[&str]],
) -> (Server, String, String) {
    let server = Server::start(dir, env);
    let (refresh, access) = server.login("alice");
    server.stop();
    for args in commands {
        let out = run(dir, args, "");
        assert_eq!(out.code, 0, "{args:?}: {}", out.stderr);
        print!("{}", out.stdout);
    }
    (Server::start(dir, env), refresh, access)
}

#[test]
fn item_7_cli_deactivation_revokes_and_activation_brings_nothing_back() {
    for check_active in ["true", "false"] {
        let dir = TempDir::new();
        add_user(&dir, "alice", &[]);
        let env = [("JWTD_CHECK_USER_IS_ACTIVE", check_active)];
        let (server, refresh, access) = tokens_across(
            &dir,
            &env,
            &[
                &["user", "deactivate", "alice"],
                &["user", "activate", "alice"],
            ],
        );
        let protected = server.get("/api/protected/", Some(&access));
        assert_eq!(protected.status, 401, "CHECK_USER_IS_ACTIVE={check_active}");
        assert!(
            protected.body.contains("Token is revoked"),
            "{}",
            protected.body
        );
        let rotate = server.post_json(
            "/api/token/refresh/",
            &format!(r#"{{"refresh":"{refresh}"}}"#),
        );
        assert_eq!(rotate.status, 401, "{}", rotate.body);
        // Logging in again works: the account is active.
        let (_, fresh) = server.login("alice");
        assert_eq!(server.get("/api/protected/", Some(&fresh)).status, 200);
    }
    // With CHECK_USER_IS_ACTIVE=false a deactivation alone stops the tokens.
    let dir = TempDir::new();
    add_user(&dir, "alice", &[]);
    let env = [("JWTD_CHECK_USER_IS_ACTIVE", "false")];
    let (server, _, access) = tokens_across(&dir, &env, &[&["user", "deactivate", "alice"]]);
    assert_eq!(server.get("/api/protected/", Some(&access)).status, 401);
}

#[test]
fn item_3_an_import_into_a_deleted_users_id_inherits_none_of_its_tokens() {
    let dir = TempDir::new();
    add_user(&dir, "alice", &[]);
    let dump = dir.path().join("users.json");
    std::fs::write(
        &dump,
        r#"[{"model": "auth.user", "pk": 1, "fields": {"password": "!unusable", "last_login": null, "is_superuser": true, "username": "mallory", "first_name": "", "last_name": "", "email": "", "is_staff": true, "is_active": true, "date_joined": "2025-01-02T03:04:05.678Z", "groups": [], "user_permissions": []}}]"#,
    )
    .unwrap();
    let (server, refresh, access) = tokens_across(
        &dir,
        &[],
        &[
            &["user", "delete", "alice"],
            &["user", "import-django", dump.to_str().unwrap()],
        ],
    );
    let protected = server.get("/api/protected/", Some(&access));
    assert_eq!(protected.status, 401, "{}", protected.body);
    assert!(!protected.body.contains("mallory"));
    let rotate = server.post_json(
        "/api/token/refresh/",
        &format!(r#"{{"refresh":"{refresh}"}}"#),
    );
    assert_eq!(rotate.status, 401, "{}", rotate.body);
    let admin = server.get("/api/admin/users/", Some(&access));
    assert_eq!(admin.status, 401, "{}", admin.body);
}
