//! Replicas on PostgreSQL (feature `postgres`): two real `jwtd serve`
//! processes on one fresh database of the test cluster the scripts start
//! (`JWTD_TEST_POSTGRES`), and the command line beside them.

use std::sync::{Arc, Barrier};
use std::time::{Duration, Instant};

use crate::support::{add_user_with, run_with, Server, TempDir, KEY, PASSWORD};

/// A fresh database on the test cluster, by URL.
pub fn fresh_database(name: &str) -> String {
    let cluster = std::env::var("JWTD_TEST_POSTGRES").expect(
        "JWTD_TEST_POSTGRES is not set: the PostgreSQL tests need a real server \
         (run scripts/test.sh, or scripts/postgres.sh start DIR and export the URL it prints)",
    );
    let db = format!("e2e_{}_{name}", std::process::id());
    let out = std::process::Command::new("psql")
        .args([cluster.as_str(), "-qc", &format!("CREATE DATABASE {db}")])
        .output()
        .expect("psql (from the postgresql client package)");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let (base, _) = cluster.rsplit_once('/').unwrap();
    format!("{base}/{db}")
}

/// Two replicas on one database, with user alice added by the CLI.
fn two_replicas(name: &str, env: &[(&str, &str)]) -> (TempDir, String, Server, Server) {
    let dir = TempDir::new();
    let db = fresh_database(name);
    add_user_with(&dir, "alice", &[], &[("JWTD_DB", &db)]);
    let mut env = env.to_vec();
    env.push(("JWTD_DB", &db));
    let a = Server::start(&dir, &env);
    let b = Server::start(&dir, &env);
    (dir, db, a, b)
}

fn refresh_status(server: &Server, token: &str) -> u16 {
    refresh(server, token).status
}

fn refresh(server: &Server, token: &str) -> crate::support::Response {
    server.post_json(
        "/api/token/refresh/",
        &format!(r#"{{"refresh":"{token}"}}"#),
    )
}

#[test]
fn a_token_refreshed_on_one_replica_is_spent_on_the_other() {
    let (_dir, _db, a, b) = two_replicas("spent", &[]);
    let (refresh_token, access) = a.login("alice");
    // B has not read alice yet: the request goes to its database threads,
    // and is answered and counted once, as a 200.
    assert_eq!(b.get("/api/protected/", Some(&access)).status, 200);
    assert_eq!(b.get("/api/protected/", Some(&access)).status, 200);
    let metrics = b.get("/metrics", None).body;
    assert!(
        metrics.contains(r#"jwtd_http_requests_total{route="protected",status="200"} 2"#),
        "{metrics}"
    );
    assert!(!metrics.contains("status=\"503\""), "{metrics}");
    assert!(
        metrics.contains(r#"jwtd_refusals_total{reason="unavailable"} 0"#),
        "{metrics}"
    );
    assert_eq!(refresh(&a, &refresh_token).status, 200);
    let again = refresh(&b, &refresh_token);
    assert_eq!(again.status, 401, "{}", again.body);
    assert!(
        again.body.contains("Token is blacklisted"),
        "{}",
        again.body
    );
}

#[test]
fn concurrent_refreshes_over_both_replicas_have_exactly_one_winner() {
    let (_dir, _db, a, b) = two_replicas("race", &[("JWTD_REUSE_GRACE_PERIOD", "0")]);
    let servers = Arc::new([a, b]);
    for round in 0..5 {
        let (token, _) = servers[0].login("alice");
        let start = Arc::new(Barrier::new(8));
        let racers: Vec<_> = (0..8)
            .map(|i| {
                let (servers, start, token) = (servers.clone(), start.clone(), token.clone());
                std::thread::spawn(move || {
                    start.wait();
                    refresh(&servers[i % 2], &token).status
                })
            })
            .collect();
        let statuses: Vec<u16> = racers.into_iter().map(|r| r.join().unwrap()).collect();
        let winners = statuses.iter().filter(|s| **s == 200).count();
        assert_eq!(winners, 1, "round {round}: {statuses:?}");
        assert!(
            statuses.iter().all(|s| *s == 200 || *s == 401),
            "{statuses:?}"
        );
    }
}

#[test]
fn a_revocation_and_a_key_rotation_reach_the_other_replica_within_a_second() {
    let (dir, db, a, b) = two_replicas("follow", &[("JWTD_SIGNING_KEY", "<none>")]);
    let env = [("JWTD_DB", db.as_str())];
    // A key rotated from the command line signs on A, and B verifies it.
    let out = run_with(&dir, &["key", "rotate"], "", &env);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let kid = out
        .stdout
        .split_whitespace()
        .nth(3)
        .unwrap()
        .trim_end_matches('.')
        .to_owned();
    let within = |what: &str, check: &dyn Fn() -> bool| {
        let started = Instant::now();
        while !check() {
            assert!(
                started.elapsed() < Duration::from_secs(1),
                "{what} took over a second"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        started.elapsed()
    };
    within("the rotation reaching A", &|| {
        let (_, access) = a.login("alice");
        access_kid(&access) == kid
    });
    let (_, access) = a.login("alice");
    within("the rotation reaching B", &|| {
        b.get("/api/protected/", Some(&access)).status == 200
    });
    // Revoked from the command line: B refuses the access token it accepted.
    let out = run_with(&dir, &["user", "revoke", "alice"], "", &env);
    assert_eq!(out.code, 0, "{}", out.stderr);
    within("the revocation reaching B", &|| {
        b.get("/api/protected/", Some(&access)).status == 401
    });
}

#[test]
fn admin_requests_run_on_the_database_threads_and_every_replica_sees_their_users() {
    let (dir, db, a, b) = two_replicas("admin", &[]);
    add_user_with(&dir, "root", &["--superuser"], &[("JWTD_DB", &db)]);
    let (_, root) = a.login("root");
    let created = a.request(
        "POST",
        "/api/admin/users/",
        &[
            ("Authorization", &format!("Bearer {root}")),
            ("Content-Type", "application/json"),
        ],
        format!(r#"{{"username":"carol","password":"{PASSWORD}"}}"#).as_bytes(),
    );
    assert_eq!(created.status, 201, "{}", created.body);
    let (_, carol) = b.login("carol");
    assert_eq!(b.get("/api/protected/", Some(&carol)).status, 200);
    let listed = b.get("/api/admin/users/", Some(&root));
    assert_eq!(listed.status, 200, "{}", listed.body);
    assert!(listed.body.contains("carol"), "{}", listed.body);
}

/// The `kid` in a token's header.
fn access_kid(token: &str) -> String {
    let header = token.split('.').next().unwrap();
    let bytes = base64url(header);
    let v: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
    v["kid"].as_str().unwrap_or_default().to_owned()
}

fn base64url(text: &str) -> Vec<u8> {
    let alphabet = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut out = Vec::new();
    let (mut acc, mut bits) = (0u32, 0);
    for c in text.bytes() {
        let Some(v) = alphabet.iter().position(|a| *a == c) else {
            continue;
        };
        acc = (acc << 6) | v as u32;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
        }
    }
    out
}

/// The rows `sql` answers on the database `db`, one line each, `|` between
/// columns.
fn psql(db: &str, sql: &str) -> String {
    let out = std::process::Command::new("psql")
        .args([db, "-qAtc", sql])
        .output()
        .expect("psql");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim_end().to_owned()
}

#[test]
fn the_token_text_is_kept_only_when_asked() {
    let (_dir, db, a, _b) = two_replicas("text", &[]);
    let (refresh, _) = a.login("alice");
    let (_dir2, db2, c, _d) = two_replicas("text2", &[("JWTD_OUTSTANDING_TOKEN_TEXT", "true")]);
    let (kept, _) = c.login("alice");
    // The login's row is written just after its answer.
    std::thread::sleep(Duration::from_millis(200));
    let jti = |token: &str| -> String {
        let payload = token.split('.').nth(1).unwrap();
        let v: serde_json::Value = serde_json::from_slice(&base64url(payload)).unwrap();
        v["jti"].as_str().unwrap().to_owned()
    };
    let text_of = |db: &str, token: &str| {
        psql(
            db,
            &format!(
                "SELECT token FROM token_blacklist_outstandingtoken WHERE jti = '{}'",
                jti(token)
            ),
        )
    };
    assert_eq!(text_of(&db, &refresh), "", "no bearer token at rest");
    assert_eq!(text_of(&db2, &kept), kept);
}

#[test]
fn the_command_line_works_on_the_shared_database_beside_the_replicas() {
    let (dir, db, a, b) = two_replicas("cli", &[]);
    let env = [("JWTD_DB", db.as_str())];
    let (refresh, access) = a.login("alice");
    let with_key = [("JWTD_DB", db.as_str()), ("JWTD_SIGNING_KEY", KEY)];
    let out = run_with(&dir, &["token", "explain", &refresh], "", &with_key);
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
    assert!(out.stdout.contains("VALID refresh token"), "{}", out.stdout);
    assert_eq!(refresh_status(&b, &refresh), 200);
    let out = run_with(&dir, &["token", "explain", &refresh], "", &with_key);
    assert!(out.stdout.contains("blacklisted"), "{}", out.stdout);
    let out = run_with(&dir, &["flushexpiredtokens"], "", &env);
    assert_eq!(out.code, 0, "{}", out.stderr);
    // A table Django cascades to in Python blocks the deletion, named.
    psql(
        &db,
        "CREATE TABLE django_admin_log (id integer PRIMARY KEY, \
           user_id integer NOT NULL REFERENCES auth_user (id) DEFERRABLE INITIALLY DEFERRED); \
         INSERT INTO django_admin_log SELECT 1, id FROM auth_user WHERE username = 'alice'",
    );
    let out = run_with(&dir, &["user", "delete", "alice", "--force"], "", &env);
    assert_ne!(out.code, 0);
    assert!(out.stderr.contains("django_admin_log"), "{}", out.stderr);
    assert_eq!(b.get("/api/protected/", Some(&access)).status, 200);
    psql(&db, "DELETE FROM django_admin_log");
    let out = run_with(&dir, &["user", "delete", "alice", "--force"], "", &env);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(
        psql(
            &db,
            "SELECT count(*), count(user_id) FROM token_blacklist_outstandingtoken"
        ),
        "2|0",
        "the token rows stay (the login's and its rotation's), naming nobody"
    );
}

/// A cluster of this test's own (`scripts/postgres.sh`), stopped and
/// removed on drop: it is paused and resumed, which a shared one cannot be.
struct OwnCluster {
    dir: std::path::PathBuf,
    url: String,
}

impl OwnCluster {
    fn start(name: &str) -> OwnCluster {
        let dir = std::path::PathBuf::from(format!("/tmp/jwtd-pg-{}-{name}", std::process::id()));
        let url = OwnCluster::script("start", &dir);
        OwnCluster { dir, url }
    }

    fn script(action: &str, dir: &std::path::Path) -> String {
        let script = concat!(env!("CARGO_MANIFEST_DIR"), "/scripts/postgres.sh");
        let out = std::process::Command::new(script)
            .args([action, dir.to_str().unwrap()])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "postgres.sh {action}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).trim().to_owned()
    }

    fn pause(&self) {
        OwnCluster::script("pause", &self.dir);
    }

    fn resume(&self) {
        OwnCluster::script("resume", &self.dir);
    }

    /// Stops (SIGSTOP) or continues (SIGCONT) the server and its
    /// backends: a server that holds its connections open and answers
    /// nothing.
    fn signal_all(&self, signal: &str) {
        let pid = std::fs::read_to_string(self.dir.join("data/postmaster.pid")).unwrap();
        let pid = pid.lines().next().unwrap().trim().to_owned();
        let status = std::process::Command::new("sh")
            .arg("-c")
            .arg(format!("kill -{signal} {pid} $(pgrep -P {pid})"))
            .status()
            .unwrap();
        assert!(status.success());
    }
}

impl Drop for OwnCluster {
    fn drop(&mut self) {
        let _ =
            std::process::Command::new(concat!(env!("CARGO_MANIFEST_DIR"), "/scripts/postgres.sh"))
                .args(["stop", self.dir.to_str().unwrap()])
                .output();
    }
}

#[test]
fn postgresql_away_answers_503_at_once_and_back_is_used_again() {
    let cluster = OwnCluster::start("away");
    let dir = TempDir::new();
    let env = [("JWTD_DB", cluster.url.as_str())];
    add_user_with(&dir, "alice", &[], &env);
    let server = Server::start(&dir, &env);
    let (refresh_token, access) = server.login("alice");
    cluster.pause();
    // Whatever needs the database is refused with 503 and a JSON body, at
    // once: no request waits for a server that is not there.
    let started = Instant::now();
    let refused = refresh(&server, &refresh_token);
    assert_eq!(refused.status, 503, "{}", refused.body);
    assert!(
        refused.body.contains("temporarily unavailable"),
        "{}",
        refused.body
    );
    let login = server.post_json(
        "/api/token/",
        &format!(r#"{{"username":"alice","password":"{PASSWORD}"}}"#),
    );
    assert_eq!(login.status, 503, "{}", login.body);
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
    // The protected route answers from memory while that is fresh (0.5 s),
    // then 503 as well.
    std::thread::sleep(Duration::from_millis(600));
    assert_eq!(server.get("/api/protected/", Some(&access)).status, 503);
    // PostgreSQL back: the next requests reconnect by themselves.
    cluster.resume();
    let started = Instant::now();
    loop {
        let r = refresh(&server, &refresh_token);
        if r.status == 200 {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "not reconnected: {} {}",
            r.status,
            r.body
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    assert_eq!(server.get("/api/protected/", Some(&access)).status, 200);
    // A server that answers nothing at all: a 503 within a bounded time.
    let (refresh_token, _) = server.login("alice");
    cluster.signal_all("STOP");
    let started = Instant::now();
    let late = refresh(&server, &refresh_token);
    let waited = started.elapsed();
    cluster.signal_all("CONT");
    assert_eq!(late.status, 503, "{}", late.body);
    assert!(waited < Duration::from_secs(8), "waited {waited:?}");
    let started = Instant::now();
    while refresh(&server, &server.login("alice").0).status != 200 {
        assert!(started.elapsed() < Duration::from_secs(10), "not back");
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn a_password_in_the_url_is_never_printed() {
    let dir = TempDir::new();
    // The test cluster trusts loopback: any password is accepted, and must
    // still never be shown.
    let db = fresh_database("secret").replacen("postgres@", "postgres:hunter2-in-url@", 1);
    let env = [("JWTD_DB", db.as_str())];
    let out = run_with(
        &dir,
        &["user", "add", "alice", "--password-stdin"],
        &format!("{PASSWORD}\n"),
        &env,
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    let list = run_with(&dir, &["user", "list"], "", &env);
    let config = run_with(&dir, &["config"], "", &env);
    let server = Server::start(&dir, &env);
    server.login("alice");
    let (_, log) = server.stop();
    assert!(log.contains("postgres://postgres:***@127.0.0.1"), "{log}");
    for text in [
        &out.stdout,
        &out.stderr,
        &list.stdout,
        &list.stderr,
        &config.stdout,
        &config.stderr,
        &log,
    ] {
        assert!(!text.contains("hunter2"), "{text}");
    }
    // A wrong URL is refused with its reason, and no password either.
    let bad = run_with(
        &dir,
        &["user", "list"],
        "",
        &[("JWTD_DB", "postgres://u:hunter2@h:99999/d")],
    );
    assert_eq!(bad.code, 2, "{}", bad.stderr);
    assert!(bad.stderr.contains("not a port number"), "{}", bad.stderr);
    assert!(!bad.stderr.contains("hunter2"), "{}", bad.stderr);
}
