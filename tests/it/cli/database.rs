//! The database from the command line: `flushexpiredtokens` deletes only
//! expired rows, and the commands that only read or change refuse a
//! database that is not there.

use crate::support::*;

#[test]
fn flushexpiredtokens_deletes_only_expired_rows() {
    let dir = TempDir::new();
    add_user(&dir, "alice", &[]);
    // Refresh tokens that live two seconds.
    let server = Server::start(&dir, &[("JWTD_REFRESH_TOKEN_LIFETIME", "2")]);
    let (refresh, _) = server.login("alice");
    let out = server.post_json(
        "/api/token/blacklist/",
        &format!(r#"{{"refresh":"{refresh}"}}"#),
    );
    assert_eq!(out.status, 200, "{}", out.body);
    drop(server);
    let server = Server::start(&dir, &[]);
    server.login("alice");
    drop(server);
    std::thread::sleep(std::time::Duration::from_millis(3100));
    let out = run(&dir, &["flushexpiredtokens"], "");
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(
        out.stdout.trim(),
        "Deleted 1 expired refresh token(s) and 1 blacklist entr(ies)."
    );
    let again = run(&dir, &["flushexpiredtokens"], "");
    assert_eq!(
        again.stdout.trim(),
        "Deleted 0 expired refresh token(s) and 0 blacklist entr(ies)."
    );
}

#[test]
fn commands_that_only_read_or_change_refuse_a_database_that_is_not_there() {
    let dir = TempDir::new();
    let typo = dir.path().join("typo.redb");
    let db = typo.to_str().unwrap();
    for args in [
        &["user", "list"][..],
        &["user", "passwd", "alice", "--password-stdin"],
        &["user", "activate", "alice"],
        &["user", "deactivate", "alice"],
        &["user", "delete", "alice"],
        &["user", "revoke", "alice"],
        &["user", "export-django"],
        &["key", "list"],
        &["key", "rotate"],
        &["key", "retire", "0123456789abcdef"],
        &["flushexpiredtokens"],
    ] {
        let mut with_db = args.to_vec();
        with_db.extend(["--db", db]);
        let out = run(&dir, &with_db, "a good long password\n");
        assert_eq!(out.code, 1, "{args:?}: {}", out.stderr);
        assert!(
            out.stderr.contains(&format!("no database at {db}")),
            "{args:?}: {}",
            out.stderr
        );
        assert!(!typo.exists(), "{args:?} created {db}");
    }
    // The commands that add users create it, as `serve` does.
    add_user(&dir, "alice", &["--db", db]);
    assert!(typo.exists());
    assert_eq!(run(&dir, &["user", "list", "--db", db], "").code, 0);
}
