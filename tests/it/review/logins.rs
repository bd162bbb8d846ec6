//! Logins: a hash upgrade never undoes a password change (item 2), and a
//! failed login takes as long for an unknown user as for a slow stored
//! hash (item 6).

use std::time::{Duration, Instant};

use crate::support::*;

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
