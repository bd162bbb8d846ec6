//! Every command against a running server: through its control socket,
//! taking effect at once, and saying what it says on a stopped server.

use std::os::unix::fs::PermissionsExt;

use super::django_dump;
use crate::support::*;

/// Every command on the database works while a server holds it: it goes
/// through the control socket, takes effect in the running server at once,
/// and prints what it prints on a stopped server.
#[test]
fn every_command_works_against_a_running_server_and_says_the_same() {
    let dir = TempDir::new();
    add_user(&dir, "root", &["--superuser"]);
    // Keys in the database, so that both ends read the same ones.
    let server = Server::start(&dir, &[("JWTD_SIGNING_KEY", "<none>")]);
    let ok = |args: &[&str], stdin: &str| {
        let out = run(&dir, args, stdin);
        assert_eq!(out.code, 0, "{args:?}: {}{}", out.stdout, out.stderr);
        assert!(!out.stderr.contains("in use"), "{args:?}: {}", out.stderr);
        out.stdout
    };

    // Added while the server runs, and able to log in at once.
    let added = ok(
        &["user", "add", "alice", "--password-stdin"],
        &format!("{PASSWORD}\n"),
    );
    assert_eq!(added, "Created user \"alice\" with id 2.\n");
    let (_, access) = server.login("alice");
    // A name taken is refused before any password is read.
    let taken = run(&dir, &["user", "add", "alice"], "");
    assert_eq!(taken.code, 1);
    assert!(taken.stderr.contains("already exists"), "{}", taken.stderr);

    // A new password, and the old tokens revoked, at once.
    let changed = ok(
        &["user", "passwd", "alice", "--password-stdin"],
        "another fine passphrase\n",
    );
    assert!(changed.contains("Password changed"), "{changed}");
    assert!(changed.contains("Revoked every token"), "{changed}");
    assert_eq!(server.get("/api/protected/", Some(&access)).status, 401);
    let login = |password: &str| {
        server
            .post_json(
                "/api/token/",
                &format!(r#"{{"username":"alice","password":"{password}"}}"#),
            )
            .status
    };
    assert_eq!(login("another fine passphrase"), 200);

    ok(&["user", "deactivate", "alice"], "");
    assert_eq!(login("another fine passphrase"), 401);
    ok(&["user", "activate", "alice"], "");
    assert_eq!(login("another fine passphrase"), 200);
    let revoked = ok(&["user", "revoke", "alice"], "");
    assert!(
        revoked.starts_with("Revoked every token of \"alice\""),
        "{revoked}"
    );

    // The last superuser is kept, through the socket too.
    let kept = run(&dir, &["user", "delete", "root"], "");
    assert_eq!(kept.code, 1);
    assert!(
        kept.stderr.contains("last active superuser"),
        "{}",
        kept.stderr
    );

    let dump = dir.path().join("users.json");
    std::fs::write(&dump, django_dump()).unwrap();
    let imported = run(&dir, &["user", "import-django", dump.to_str().unwrap()], "");
    // Ids 1 and 2 are taken here: the whole dump is refused, by the server.
    assert_eq!(imported.code, 1);
    assert!(
        imported.stderr.contains("nothing was imported"),
        "{}",
        imported.stderr
    );
    ok(&["user", "delete", "alice"], "");
    assert_eq!(login("another fine passphrase"), 401);

    let flushed = ok(&["flushexpiredtokens"], "");
    assert!(flushed.starts_with("Deleted "), "{flushed}");
    let (_, access) = server.login("root");
    let explained = ok(&["token", "explain", &access], "");
    assert!(explained.contains("  11  pass "), "{explained}");

    let copy = dir.path().join("copy.redb");
    let backed_up = ok(&["backup", copy.to_str().unwrap()], "");
    assert!(
        backed_up.starts_with("Backed up 1 user(s), "),
        "{backed_up}"
    );
    let mode = std::fs::metadata(&copy).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o600);
    let again = run(&dir, &["backup", copy.to_str().unwrap()], "");
    assert_eq!(again.code, 1);
    assert!(again.stderr.contains("already exists"), "{}", again.stderr);

    // What the server printed for the reads, a stopped server's database
    // prints too; and the backup holds the same.
    let reads: [&[&str]; 3] = [
        &["user", "list"],
        &["user", "export-django"],
        &["key", "list"],
    ];
    let live: Vec<String> = reads.iter().map(|args| ok(args, "")).collect();
    assert!(server.log_eventually_contains("control socket: user \"alice\" (id 2) deleted"));
    let (code, _) = server.stop();
    assert_eq!(code, 0);
    let stopped: Vec<String> = reads.iter().map(|args| ok(args, "")).collect();
    assert_eq!(live, stopped);
    let mut from_backup: Vec<&str> = vec!["user", "list", "--db"];
    from_backup.push(copy.to_str().unwrap());
    assert_eq!(ok(&from_backup, ""), live[0]);
}
