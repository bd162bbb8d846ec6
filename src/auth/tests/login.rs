//! Logging in: the one failure for every cause, rehashing, last_login, throttling.

use super::*;

#[test]
fn login_issues_a_recorded_refresh_token_and_an_access_token() {
    let f = fixture();
    let pair = f.login();
    let refresh = f.claims(&pair.refresh);
    let access = f.claims(&pair.access);
    assert_eq!(refresh.get_str("token_type"), Some("refresh"));
    assert_eq!(access.get_str("token_type"), Some("access"));
    assert_eq!(refresh.get_str("user_id"), Some("1"));
    assert_eq!(refresh.get("exp"), Some(&(NOW + 86_400).into()));
    assert_eq!(access.get("exp"), Some(&(NOW + 3600).into()));
    let jti = refresh.get_str("jti").unwrap();
    // The login did not wait for its row; a synchronous write after it does.
    f.auth.settle().unwrap();
    assert_eq!(f.store.family_of(jti).unwrap().as_deref(), Some(jti));
    assert_eq!(f.bearer(&pair.access).unwrap().unwrap().username, "alice");
}

#[test]
fn every_login_failure_is_the_same() {
    let f = fixture();
    add_user(&f.store, "bob", P1, false);
    add_user(&f.store, "carol", "!unusable", true);
    add_user(
        &f.store,
        "dave",
        "argon2$argon2id$v=19$m=102400,t=2,p=8$c2FsdA$aGFzaA",
        true,
    );
    for (user, password) in [
        ("alice", "wrong"),
        ("nobody", PASSWORD),
        ("bob", PASSWORD),
        ("carol", PASSWORD),
        ("dave", PASSWORD),
        ("Alice", PASSWORD),
        ("alice", ""),
    ] {
        assert_eq!(
            f.auth.login(user, password, CLIENT, NOW),
            Err(AuthError::Credentials),
            "{user}"
        );
    }
}

#[test]
fn inactive_users_cannot_log_in_even_without_check_user_is_active() {
    let f = fixture_with(Settings {
        check_user_is_active: false,
        ..settings()
    });
    add_user(&f.store, "bob", P1, false);
    assert_eq!(
        f.auth.login("bob", PASSWORD, CLIENT, NOW),
        Err(AuthError::Credentials)
    );
}

#[test]
fn login_rehashes_at_the_configured_iterations_and_records_last_login() {
    let f = fixture_with(Settings {
        password_iterations: 2000,
        update_last_login: true,
        ..settings()
    });
    f.auth.login("alice", PASSWORD, CLIENT, NOW).unwrap();
    let user = f.store.user(1).unwrap().unwrap();
    assert!(
        user.password.starts_with("pbkdf2_sha256$2000$"),
        "{}",
        user.password
    );
    assert_ne!(user.password, P1);
    assert_eq!(user.last_login, Some(NOW as i64 * 1_000_000));
    // The new hash still works, and needs no further update.
    f.auth.login("alice", PASSWORD, CLIENT, NOW + 1).unwrap();
    let again = f.store.user(1).unwrap().unwrap();
    assert_eq!(again.password, user.password);
}

#[test]
fn without_update_last_login_nothing_is_recorded() {
    let f = fixture();
    f.login();
    assert_eq!(f.store.user(1).unwrap().unwrap().last_login, None);
}

#[test]
fn failed_logins_are_throttled_per_user_and_address() {
    let f = fixture_with(Settings {
        login_failures_per_user: 3,
        login_failures_per_address: 5,
        login_failure_window: 60,
        ..settings()
    });
    for _ in 0..3 {
        assert_eq!(
            f.auth.login("alice", "wrong", CLIENT, NOW),
            Err(AuthError::Credentials)
        );
    }
    // Even the right password is refused now, without hashing.
    assert_eq!(
        f.auth.login("alice", PASSWORD, CLIENT, NOW + 10),
        Err(AuthError::Throttled(50))
    );
    // The real alice elsewhere is not locked out.
    let elsewhere = std::net::IpAddr::V4(std::net::Ipv4Addr::new(198, 51, 100, 9));
    assert!(f.auth.login("alice", PASSWORD, elsewhere, NOW + 10).is_ok());
    // Two more failures from the attacker's address, on other names, trip its own limit.
    assert_eq!(
        f.auth.login("bob", "x", CLIENT, NOW + 10),
        Err(AuthError::Credentials)
    );
    assert_eq!(
        f.auth.login("carol", "x", CLIENT, NOW + 10),
        Err(AuthError::Credentials)
    );
    assert_eq!(
        f.auth.login("dave", "x", CLIENT, NOW + 11),
        Err(AuthError::Throttled(49))
    );
    // After the window, the address may try again.
    assert_eq!(
        f.auth
            .login("alice", PASSWORD, CLIENT, NOW + 60)
            .map(|_| ()),
        Ok(())
    );
}
