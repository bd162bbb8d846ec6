//! What the adversarial review found (issue 11), each shown against the
//! real binary: the request or token it used, and jwtd refusing it.

use std::io::{Read, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpStream};
use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use jwtd::jwt::{self, Algorithm, Key};

use crate::support::*;

const INVALID: &str = r#"{"detail":"Token is invalid","code":"token_not_valid"}"#;
const BEARER_INVALID: &str = r#"{"detail":"Given token not valid for any token type","code":"token_not_valid","messages":[{"token_class":"AccessToken","token_type":"access","message":"Token is invalid"}]}"#;

/// A token signed with the server's key from raw payload JSON.
fn forge(payload: &str) -> String {
    let key = Key::new(Algorithm::HS256, KEY.as_bytes()).unwrap();
    jwt::sign_parts(&key, Algorithm::HS256.encoded_header(), payload.as_bytes()).unwrap()
}

/// Everything the server sends on one connection until it closes it.
fn exchange(server: &Server, bytes: &[u8]) -> (String, Duration) {
    let mut stream = TcpStream::connect(server.addr).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(15)))
        .unwrap();
    let started = Instant::now();
    stream.write_all(bytes).unwrap();
    let mut answer = Vec::new();
    let _ = stream.read_to_end(&mut answer);
    (
        String::from_utf8_lossy(&answer).into_owned(),
        started.elapsed(),
    )
}

#[test]
fn item_4_a_line_break_hidden_in_a_chunk_extension_or_trailer_smuggles_nothing() {
    let (_dir, server) = server_with_alice(&[]);
    let head = "POST /api/token/verify/ HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n";
    let smuggled = "GET /api/protected/ HTTP/1.1\r\nHost: x\r\n\r\n";
    for body in [
        // To a parser that ends lines at LF, the extension ends at `a` and
        // `b` starts the chunk data: one request there, three here.
        format!("2;a\nb\r\n{{}}\r\n0\r\n\r\n{smuggled}"),
        format!("2;a\rb\r\n{{}}\r\n0\r\n\r\n{smuggled}"),
        format!("2;a\0\r\n{{}}\r\n0\r\n\r\n{smuggled}"),
        format!("2\r\n{{}}\r\n0\r\nX: y\n{smuggled}"),
        format!("2\r\n{{}}\r\n0\r\nno colon\r\n\r\n{smuggled}"),
    ] {
        let (answer, _) = exchange(&server, format!("{head}{body}").as_bytes());
        assert!(
            answer.starts_with("HTTP/1.1 400 "),
            "{body:?} got {answer:?}"
        );
        assert!(answer.contains("Connection: close"), "{answer:?}");
        assert_eq!(
            answer.matches("HTTP/1.1 ").count(),
            1,
            "nothing after the refusal is answered: {answer:?}"
        );
    }
    // Well-formed extensions and trailers still work.
    let good = format!("{head}2;name=\"va;l\"\r\n{{}}\r\n0\r\nX-Trailer: ok\r\n\r\n");
    let (answer, _) = exchange(
        &server,
        good.replace("Host: x", "Host: x\r\nConnection: close")
            .as_bytes(),
    );
    assert!(
        answer.starts_with("HTTP/1.1 400 "),
        "verify without token: {answer}"
    );
    assert!(
        answer.contains(r#"{"token":["This field is required."]}"#),
        "{answer}"
    );
}

#[test]
fn item_5_an_unfinished_head_that_cannot_be_a_request_is_refused_at_once() {
    let (_dir, server) = server_with_alice(&[]);
    for partial in [
        &b"GET /api/protected/\r\n"[..],
        b"GET /api/protected/ HTTP/1.1\r\nHost: x\n",
        b"GET /api/protected/ HTTP/1.1\r\nHo\0",
        b"GET /api/protected/ HTTP/1.1\r\nBad Name: x\r\n",
    ] {
        let (answer, took) = exchange(&server, partial);
        assert!(
            answer.starts_with("HTTP/1.1 400 "),
            "{partial:?} got {answer:?}"
        );
        assert!(
            took < Duration::from_secs(2),
            "{partial:?} answered after {took:?}, not at once (REQUEST_TIMEOUT is 10 s)"
        );
    }
    assert_eq!(server.get("/api/protected/", None).status, 401);
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

#[test]
fn item_2_a_logins_hash_upgrade_never_undoes_a_password_change() {
    const USERS: usize = 8;
    let dir = TempDir::new();
    add_user(&dir, "root", &["--superuser"]);
    // Users whose hashes are at fewer iterations than configured: their next
    // login upgrades the hash.
    let old = jwtd::password::encode(PASSWORD, "abcdefghijklmnopqrstuv", 1000).unwrap();
    let entries: Vec<String> = (0..USERS)
        .map(|i| {
            format!(
                r#"{{"model": "auth.user", "pk": {}, "fields": {{"password": "{old}", "last_login": null, "is_superuser": false, "username": "racer{i}", "first_name": "", "last_name": "", "email": "", "is_staff": false, "is_active": true, "date_joined": "2025-01-02T03:04:05.678Z", "groups": [], "user_permissions": []}}}}"#,
                10 + i
            )
        })
        .collect();
    let dump = dir.path().join("racers.json");
    std::fs::write(&dump, format!("[{}]", entries.join(","))).unwrap();
    assert_eq!(
        run(&dir, &["user", "import-django", dump.to_str().unwrap()], "").code,
        0
    );
    let server = Server::start(
        &dir,
        &[
            ("JWTD_PASSWORD_ITERATIONS", "100000"),
            ("JWTD_LOGIN_THREADS", "2"),
        ],
    );
    let (_, admin) = server.login("root");
    let bearer = format!("Bearer {admin}");
    let new = "a brand new password";
    for i in 0..USERS {
        let name = format!("racer{i}");
        let barrier = std::sync::Barrier::new(2);
        std::thread::scope(|s| {
            s.spawn(|| {
                barrier.wait();
                let r = server.post_json(
                    "/api/token/",
                    &format!(r#"{{"username":"{name}","password":"{PASSWORD}"}}"#),
                );
                assert!(r.status == 200 || r.status == 401, "{}", r.body);
            });
            s.spawn(|| {
                barrier.wait();
                let r = server.request(
                    "PATCH",
                    &format!("/api/admin/users/{}/", 10 + i),
                    &[
                        ("Authorization", bearer.as_str()),
                        ("Content-Type", "application/json"),
                    ],
                    format!(r#"{{"password":"{new}"}}"#).as_bytes(),
                );
                assert_eq!(r.status, 200, "{}", r.body);
            });
        });
        let with_new = server.post_json(
            "/api/token/",
            &format!(r#"{{"username":"{name}","password":"{new}"}}"#),
        );
        assert_eq!(with_new.status, 200, "{name}: the new password must work");
        let with_old = server.post_json(
            "/api/token/",
            &format!(r#"{{"username":"{name}","password":"{PASSWORD}"}}"#),
        );
        assert_eq!(with_old.status, 401, "{name}: the old password must not");
    }
}

/// The median time of `n` calls of `f`.
fn median_time(n: usize, mut f: impl FnMut()) -> Duration {
    let mut times: Vec<Duration> = (0..n)
        .map(|_| {
            let started = Instant::now();
            f();
            started.elapsed()
        })
        .collect();
    times.sort();
    times[n / 2]
}

#[test]
fn item_6_a_failed_login_takes_as_long_for_an_unknown_user_as_for_a_slow_stored_hash() {
    let dir = TempDir::new();
    // alice's hash is at 300,000 iterations; the server then runs at 1,000,
    // as after lowering PASSWORD_ITERATIONS.
    let slow = [("JWTD_PASSWORD_ITERATIONS", "300000")];
    let added = run_with(
        &dir,
        &["user", "add", "alice", "--password-stdin"],
        &format!("{PASSWORD}\n"),
        &slow,
    );
    assert_eq!(added.code, 0, "{}", added.stderr);
    let server = Server::start(
        &dir,
        &[
            ("JWTD_PASSWORD_ITERATIONS", "1000"),
            ("JWTD_LOGIN_FAILURES_PER_ADDRESS", "0"),
            ("JWTD_LOGIN_FAILURES_PER_USER", "0"),
        ],
    );
    let fail = |user: &str| {
        let r = server.post_json(
            "/api/token/",
            &format!(r#"{{"username":"{user}","password":"wrong"}}"#),
        );
        assert_eq!(r.status, 401, "{}", r.body);
    };
    let existing = median_time(5, || fail("alice"));
    let unknown = median_time(5, || fail("nobody"));
    println!("failed login: existing user {existing:?}, unknown user {unknown:?}");
    assert!(
        unknown * 2 >= existing,
        "an unknown user fails in {unknown:?}, an existing one in {existing:?}: the difference tells them apart"
    );
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

#[test]
fn item_13_the_slash_redirect_carries_the_query_only_as_uri_characters() {
    let (_dir, server) = server_with_alice(&[]);
    // Visible ASCII that a URI may not hold is percent-encoded, as Django's
    // `iri_to_uri` does; reserved characters and `%` escapes stay.
    let r = server.request(
        "GET",
        "/api/protected?next=\"<x>\"&a=`{|}`&b=%0D%0A",
        &[],
        b"",
    );
    assert_eq!(r.status, 301);
    assert_eq!(
        r.header("Location"),
        Some("/api/protected/?next=%22%3Cx%3E%22&a=%60%7B%7C%7D%60&b=%0D%0A")
    );
    // A byte above 0x7F is kept too, encoded as Django encodes it (each
    // byte a Latin-1 character, then UTF-8), never copied raw.
    let (answer, _) = exchange(
        &server,
        "GET /api/protected?q=\u{e9} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".as_bytes(),
    );
    assert!(answer.starts_with("HTTP/1.1 301 "), "{answer}");
    assert!(
        answer.contains("\r\nLocation: /api/protected/?q=%C3%83%C2%A9\r\n"),
        "{answer}"
    );
    // An empty query adds no `?`, as in Django.
    let r = server.request("GET", "/api/protected?", &[], b"");
    assert_eq!(r.header("Location"), Some("/api/protected/"));
}

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

fn chmod(path: &Path, mode: u32) {
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

/// Runs `cmd`, a `jwtd serve` expected to refuse to start, for at most
/// ten seconds; returns its exit status and what it printed.
fn refused_start(mut cmd: Command) -> (i32, String) {
    cmd.stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break Some(status);
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let mut stderr = String::new();
    let _ = child.stderr.take().unwrap().read_to_string(&mut stderr);
    let status = status.unwrap_or_else(|| panic!("jwtd serve started: {stderr}"));
    (status.code().unwrap_or(-1), stderr)
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

/// A connection to `to` from the loopback address `from`: Linux routes all
/// of 127/8 to the loopback interface, but std connects from an address
/// the kernel picks, so binding first takes libc.
#[allow(unsafe_code)]
fn connect_from(from: Ipv4Addr, to: SocketAddr) -> TcpStream {
    use std::os::fd::FromRawFd;
    let SocketAddr::V4(to) = to else {
        panic!("an IPv4 server address: {to}")
    };
    let sockaddr = |ip: Ipv4Addr, port: u16| libc::sockaddr_in {
        sin_family: libc::AF_INET as libc::sa_family_t,
        sin_port: port.to_be(),
        sin_addr: libc::in_addr {
            s_addr: u32::from(ip).to_be(),
        },
        sin_zero: [0; 8],
    };
    let len = std::mem::size_of::<libc::sockaddr_in>() as libc::socklen_t;
    // SAFETY: socket takes no pointers; the descriptor is owned by the
    // stream from here on.
    let stream = unsafe {
        let fd = libc::socket(libc::AF_INET, libc::SOCK_STREAM | libc::SOCK_CLOEXEC, 0);
        assert!(fd >= 0, "{}", std::io::Error::last_os_error());
        TcpStream::from_raw_fd(fd)
    };
    let fd = std::os::fd::AsRawFd::as_raw_fd(&stream);
    let local = sockaddr(from, 0);
    let remote = sockaddr(*to.ip(), to.port());
    // SAFETY: both addresses are initialised sockaddr_in of `len` bytes.
    unsafe {
        let bound = libc::bind(fd, (&local as *const libc::sockaddr_in).cast(), len);
        assert_eq!(bound, 0, "bind {from}: {}", std::io::Error::last_os_error());
        let connected = libc::connect(fd, (&remote as *const libc::sockaddr_in).cast(), len);
        assert_eq!(connected, 0, "connect: {}", std::io::Error::last_os_error());
    }
    stream
}

#[test]
fn item_9_one_address_cannot_hold_every_connection_slot() {
    let (_dir, server) = server_with_alice(&[
        ("JWTD_MAX_CONNECTIONS", "50"),
        ("JWTD_MAX_CONNECTIONS_PER_ADDRESS", "10"),
    ]);
    let flooder = Ipv4Addr::new(127, 0, 0, 1);
    // Ten idle connections from one address: all it may hold, with forty
    // slots still free.
    let held: Vec<TcpStream> = (0..10)
        .map(|_| connect_from(flooder, server.addr))
        .collect();
    // The eleventh gets the 503 a full table gives, at once.
    let mut eleventh = connect_from(flooder, server.addr);
    eleventh
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    let refused = read_response(&mut eleventh, false).expect("an answer, not a wait");
    assert_eq!(refused.status, 503);
    assert_eq!(refused.header("Retry-After"), Some("1"));
    assert_eq!(
        refused.body,
        r#"{"detail":"Service temporarily unavailable, try again later."}"#
    );
    assert!(
        server.log_eventually_contains(
            "connection from 127.0.0.1 refused (503): 10 connections already open from that address"
        ),
        "{}",
        server.log()
    );
    // Another address is served meanwhile.
    let mut other = connect_from(Ipv4Addr::new(127, 0, 0, 2), server.addr);
    other
        .write_all(b"GET /api/protected/ HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n")
        .unwrap();
    other
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    assert_eq!(read_response(&mut other, false).unwrap().status, 401);
    // Once the ten close, the address is served again.
    drop(held);
    let deadline = Instant::now() + Duration::from_secs(5);
    while server.get("/api/protected/", None).status != 401 {
        assert!(Instant::now() < deadline, "{}", server.log());
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// `method path` with `host` in `Host` (none: no Host at all, HTTP/1.0).
fn for_host(
    server: &Server,
    method: &str,
    path: &str,
    host: Option<&str>,
    extra: &str,
) -> Response {
    let (version, host) = match host {
        Some(host) => ("HTTP/1.1", format!("Host: {host}\r\n")),
        None => ("HTTP/1.0", String::new()),
    };
    let request = format!("{method} {path} {version}\r\n{host}Connection: close\r\n{extra}\r\n");
    send(server.addr, request.as_bytes())
}

const INVALID_HOST: &str = r#"{"detail":"Invalid Host header."}"#;

#[test]
fn item_11_only_the_allowed_hosts_are_answered() {
    // The default on a loopback address: the loopback names only, so a
    // web page whose name resolves to 127.0.0.1 (DNS rebinding) reaches
    // neither the API nor the learner's page.
    let dir = TempDir::new();
    add_user(&dir, "alice", &[]);
    add_user(&dir, "root", &["--superuser"]);
    let server = Server::start(
        &dir,
        &[
            ("JWTD_ALLOWED_HOSTS", "<none>"),
            ("JWTD_ADMIN_PAGE_SIZE", "1"),
        ],
    );
    assert!(
        server.log_eventually_contains(
            "answering requests for Host .localhost, 127.0.0.1, [::1] only"
        ),
        "{}",
        server.log()
    );
    let port = server.addr.port();
    let allowed = [
        format!("127.0.0.1:{port}"),
        format!("localhost:{port}"),
        "LocalHost.".to_owned(),
        "app.localhost".to_owned(),
        "[::1]:8000".to_owned(),
    ];
    for host in &allowed {
        let r = for_host(&server, "GET", "/api/protected/", Some(host), "");
        assert_eq!(r.status, 401, "{host}: {}", r.body);
    }
    assert_eq!(
        for_host(&server, "GET", "/", Some(&allowed[0]), "").status,
        200
    );
    assert_eq!(
        for_host(&server, "GET", "/healthz", None, "").status,
        200,
        "no Host: nothing to refuse"
    );
    let login = format!(r#"{{"username":"alice","password":"{PASSWORD}"}}"#);
    for host in [
        "evil.test".to_owned(),
        format!("evil.test:{port}"),
        "127.0.0.1.evil.test".to_owned(),
        "localhost.evil.test".to_owned(),
        "127.0.0.2".to_owned(),
        "a b".to_owned(),
    ] {
        // The page, the API, the slash redirect, a probe, and a login with
        // the right password: all refused alike.
        let posted = format!(
            "POST /api/token/ HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\
             Content-Type: application/json\r\nContent-Length: {}\r\n\r\n{login}",
            login.len()
        );
        let answers = [
            for_host(&server, "GET", "/", Some(&host), ""),
            for_host(&server, "GET", "/api/protected/", Some(&host), ""),
            for_host(&server, "GET", "/api/token", Some(&host), ""),
            for_host(&server, "GET", "/healthz", Some(&host), ""),
            send(server.addr, posted.as_bytes()),
        ];
        for (n, r) in answers.iter().enumerate() {
            assert_eq!(
                (r.status, r.body.as_str()),
                (400, INVALID_HOST),
                "#{n} for {host}"
            );
            assert_eq!(r.header("Location"), None);
        }
    }
    assert!(
        server.log_eventually_contains(
            r#"Invalid HTTP_HOST header: "evil.test". You may need to add "evil.test" to ALLOWED_HOSTS."#
        ),
        "{}",
        server.log()
    );
    assert!(server.log().contains(
        r#"Invalid HTTP_HOST header: "a b". The domain name provided is not valid according to RFC 1034/1035."#
    ));

    // The admin API's page links only ever name an allowed host.
    let login = format!(r#"{{"username":"root","password":"{PASSWORD}"}}"#);
    let posted = format!(
        "POST /api/token/ HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\n\r\n{login}",
        allowed[0],
        login.len()
    );
    let tokens = send(server.addr, posted.as_bytes()).json();
    let root = tokens["access"].as_str().unwrap();
    let bearer = format!("Authorization: Bearer {root}\r\n");
    let page = for_host(
        &server,
        "GET",
        "/api/admin/users/",
        Some(&allowed[1]),
        &bearer,
    );
    assert_eq!(page.status, 200, "{}", page.body);
    assert_eq!(
        page.json()["next"],
        format!("http://localhost:{port}/api/admin/users/?page=2").as_str()
    );
    let evil = for_host(
        &server,
        "GET",
        "/api/admin/users/",
        Some("evil.test"),
        &bearer,
    );
    assert_eq!((evil.status, evil.body.as_str()), (400, INVALID_HOST));
    drop(server);

    // ALLOWED_HOSTS set: those names, Django's way, and no other.
    let server = Server::start(
        &dir,
        &[("JWTD_ALLOWED_HOSTS", "Auth.Example.test, .example.org")],
    );
    for (host, status) in [
        ("auth.example.test", 401),
        ("AUTH.example.test:443", 401),
        ("example.org", 401),
        ("www.example.org", 401),
        ("www.auth.example.test", 400),
        ("127.0.0.1", 400),
        ("localhost", 400),
    ] {
        let r = for_host(&server, "GET", "/api/protected/", Some(host), "");
        assert_eq!(r.status, status, "{host}: {}", r.body);
    }
    drop(server);

    // On an address that is not loopback, the names are the operator's to
    // give: without ALLOWED_HOSTS the server does not start.
    let mut wide = jwtd(&dir);
    wide.args(["serve", "--addr", "0.0.0.0:0"])
        .env("JWTD_SIGNING_KEY", KEY);
    let (code, stderr) = refused_start(wide);
    assert_eq!(code, 1, "{stderr}");
    assert!(
        stderr.contains("refusing to start: jwtd listens on 0.0.0.0:")
            && stderr.contains("ALLOWED_HOSTS is not set"),
        "{stderr}"
    );
    let mut wide = jwtd(&dir);
    wide.args(["serve", "--addr", "0.0.0.0:0"])
        .env("JWTD_SIGNING_KEY", KEY)
        .env("JWTD_ALLOWED_HOSTS", "*")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    let server = Server::spawn(wide);
    assert!(server.log_eventually_contains("ALLOWED_HOSTS has *"));
    let r = for_host(&server, "GET", "/api/protected/", Some("anything.test"), "");
    assert_eq!(r.status, 401);
}
