//! Files and sockets: secret files are owner-only and `serve` refuses
//! exposed ones (item 1), and another account's control socket is neither
//! taken over nor trusted (item 8).

use std::io::Write;
use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::Stdio;

use super::refused_start;
use crate::support::*;

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

fn chmod(path: &Path, mode: u32) {
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

#[test]
fn item_1_secret_files_are_owner_only_and_serve_refuses_exposed_ones() {
    // Under a umask that takes nothing away, the command line creates the
    // database 0600...
    let dir = TempDir::new();
    let mut add = under_umask(&dir, "000", &["user", "add", "alice", "--password-stdin"]);
    let mut child = add.stdin(Stdio::piped()).spawn().unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(format!("{PASSWORD}\n").as_bytes())
        .unwrap();
    assert!(child.wait().unwrap().success());
    assert_eq!(mode(&dir.db()), 0o600, "created by jwtd user add");
    // ...and so does the server, the database and its control socket.
    let fresh = TempDir::new();
    let mut serve = under_umask(&fresh, "000", &["serve", "--addr", "127.0.0.1:0"]);
    serve
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    let server = Server::spawn(serve);
    let socket = fresh.path().join("jwtd.redb.sock");
    assert_eq!(mode(&fresh.db()), 0o600, "created by jwtd serve");
    assert_eq!(mode(&socket), 0o600, "the control socket");
    let (code, _) = server.stop();
    assert_eq!(code, 0);

    // A database anyone else may read or write: serve refuses to start,
    // naming the file and the fix...
    let serve = || {
        let mut cmd = jwtd(&dir);
        cmd.args(["serve", "--addr", "127.0.0.1:0"])
            .env("JWTD_SIGNING_KEY", KEY);
        cmd
    };
    let db = dir.db();
    for (bits, what) in [
        (
            0o644,
            "readable by its group, readable by others (mode 0644)",
        ),
        (0o640, "readable by its group (mode 0640)"),
        (0o620, "writable by its group (mode 0620)"),
        (0o606, "readable and writable by others (mode 0606)"),
    ] {
        chmod(&db, bits);
        let (code, stderr) = refused_start(serve());
        assert_eq!(code, 1, "{stderr}");
        assert!(
            stderr.contains(&format!("the database {} is {what}", db.display())),
            "{stderr}"
        );
        assert!(
            stderr.contains(&format!("chmod 600 {}", db.display())),
            "{stderr}"
        );
    }
    // ...while a command still works, with a warning.
    let list = run(&dir, &["user", "list"], "");
    assert_eq!(list.code, 0, "{}", list.stderr);
    assert!(list.stdout.contains("alice"));
    assert!(
        list.stderr.contains("warning: the database") && list.stderr.contains("chmod 600"),
        "{}",
        list.stderr
    );
    chmod(&db, 0o600);
    assert!(!run(&dir, &["user", "list"], "").stderr.contains("warning"));

    // The same for the signing key file.
    let key = dir.path().join("signing-key");
    std::fs::write(&key, KEY).unwrap();
    chmod(&key, 0o644);
    let mut with_file = serve();
    with_file
        .env_remove("JWTD_SIGNING_KEY")
        .env("JWTD_SIGNING_KEY_FILE", &key);
    let (code, stderr) = refused_start(with_file);
    assert_eq!(code, 1, "{stderr}");
    assert!(
        stderr.contains(&format!(
            "the signing key file {} is readable by its group, readable by others (mode 0644)",
            key.display()
        )),
        "{stderr}"
    );
    chmod(&key, 0o600);
    let key = key.to_str().unwrap();
    let server = Server::start(
        &dir,
        &[
            ("JWTD_SIGNING_KEY", "<none>"),
            ("JWTD_SIGNING_KEY_FILE", key),
        ],
    );
    let (_, access) = server.login("alice");
    assert_eq!(server.get("/api/protected/", Some(&access)).status, 200);
}

#[test]
fn item_8_a_control_socket_of_another_account_is_neither_taken_over_nor_trusted() {
    let dir = TempDir::new();
    let me = std::os::unix::fs::MetadataExt::uid(&std::fs::metadata(dir.path()).unwrap());
    if me != 0 {
        eprintln!("skipped: running a server as another account needs root");
        return;
    }
    // A shared directory, as /tmp is: mallory (nobody) listens first at
    // the path that is the default control socket of alice's database.
    chmod(dir.path(), 0o1777);
    let squatted = dir.path().join("jwtd.redb.sock");
    let mut mallory = jwtd(&dir);
    mallory
        .args(["serve", "--addr", "127.0.0.1:0", "--db"])
        .arg(dir.path().join("mallory.redb"))
        .env("JWTD_CONTROL_SOCKET", &squatted)
        .uid(65534)
        .gid(65534)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    let mallory = Server::spawn(mallory);
    assert_eq!(
        std::os::unix::fs::MetadataExt::uid(&std::fs::metadata(&squatted).unwrap()),
        65534
    );
    add_user(&dir, "alice", &[]);

    // The server does not start beside it: its commands would go there.
    let mut serve = jwtd(&dir);
    serve
        .args(["serve", "--addr", "127.0.0.1:0"])
        .env("JWTD_SIGNING_KEY", KEY);
    let (code, stderr) = refused_start(serve);
    assert_eq!(code, 1, "{stderr}");
    assert!(
        stderr.contains(&format!(
            "refusing to start: the control socket {}: another process, of another account (uid 65534",
            squatted.display()
        )),
        "{stderr}"
    );

    // With its own socket off, the server runs; the command line, finding
    // the database held, reaches for the default socket and finds
    // mallory's: it says so and sends nothing.
    let server = Server::start(&dir, &[("JWTD_CONTROL_SOCKET", "")]);
    let rotate = run(&dir, &["key", "rotate"], "");
    assert_eq!(rotate.code, 1, "{}{}", rotate.stdout, rotate.stderr);
    assert!(
        rotate
            .stderr
            .contains("the process listening on it runs as uid 65534: neither this account (uid 0), root, nor the database's owner (uid 0); nothing was sent"),
        "{}",
        rotate.stderr
    );
    assert!(
        !mallory.log().contains("new current key"),
        "{}",
        mallory.log()
    );
    assert_eq!(server.get("/api/protected/", None).status, 401);
}
