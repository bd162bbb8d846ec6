//! The policy with an in-memory store and a fixed clock.

use std::sync::{Arc, Barrier};
use std::thread;

use super::refresh::Presenter;
use super::*;
use crate::clock::Clock;
use crate::jwt::{Algorithm, Claims, Key};
use crate::password;
use crate::store::NewUser;
use crate::token::JtiSource;

pub(super) const NOW: u64 = 1_735_689_600;
pub(super) const KEY: &[u8] = b"simplejwt-test-vector-signing-key-0123456789abcdef";
/// SimpleJWT vector V1: a refresh token for user 1 minted by Django.
const V1_REFRESH: &str = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJ0b2tlbl90eXBlIjoicmVmcmVzaCIsImV4cCI6MTczNTc3NjAwMCwiaWF0IjoxNzM1Njg5NjAwLCJqdGkiOiIwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMSIsInVzZXJfaWQiOiIxIn0.xWdg4K5yRUgKRR4wMngHA6v6WJb5kBdiP5k6K8CeGjQ";
/// `correct horse battery staple` at 1000 iterations (reference P1).
const P1: &str =
    "pbkdf2_sha256$1000$abcdefghijklmnopqrstuv$7g09gCC/g1P5ACeEb8xx77VaL+guiGRutJE6Ai8cR90=";
pub(super) const PASSWORD: &str = "correct horse battery staple";
pub(super) const CLIENT: std::net::IpAddr =
    std::net::IpAddr::V4(std::net::Ipv4Addr::new(192, 0, 2, 1));

pub(super) struct Fixture {
    pub(super) auth: Auth,
    pub(super) store: Arc<Store>,
    pub(super) tokens: Tokens,
}

pub(super) fn settings() -> Settings {
    Settings {
        password_iterations: 1000,
        ..Settings::default()
    }
}

pub(super) fn fixture_with(settings: Settings) -> Fixture {
    let settings = Arc::new(settings);
    let store = Arc::new(Store::open_in_memory().unwrap());
    let clock = Arc::new(Clock::fixed(NOW));
    let (writer, _thread) = Writer::start(
        store.clone(),
        clock.clone(),
        std::time::Duration::from_secs(3600),
        0,
    )
    .unwrap();
    let key = || Key::new(settings.algorithm, KEY).unwrap();
    let tokens = Tokens::new(&settings, key(), JtiSource::Random);
    let auth = Auth::new(
        settings.clone(),
        Tokens::new(&settings, key(), JtiSource::Random),
        store.clone(),
        writer,
        clock,
    );
    add_user(&store, "alice", P1, true);
    Fixture {
        auth,
        store,
        tokens,
    }
}

fn fixture() -> Fixture {
    fixture_with(settings())
}

fn add_user(store: &Store, name: &str, hash: &str, active: bool) -> User {
    store
        .add_user(NewUser {
            id: None,
            user: User {
                is_active: active,
                ..User::active(0, name, hash)
            },
        })
        .unwrap()
}

impl Fixture {
    fn login(&self) -> TokenPair {
        self.auth.login("alice", PASSWORD, CLIENT, NOW).unwrap()
    }

    pub(super) fn claims(&self, token: &str) -> Claims {
        self.tokens.decode(token, NOW + 100).unwrap()
    }

    pub(super) fn bearer(&self, token: &str) -> Result<Option<User>, AuthError> {
        self.auth
            .authenticate(Some(format!("Bearer {token}").as_bytes()), NOW)
    }

    /// A token signed with the server key from raw payload JSON.
    pub(super) fn forge(&self, payload: &str) -> String {
        let key = Key::new(Algorithm::HS256, KEY).unwrap();
        crate::jwt::sign_parts(&key, Algorithm::HS256.encoded_header(), payload.as_bytes()).unwrap()
    }
}

// --- login ----------------------------------------------------------------

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

// --- refresh ----------------------------------------------------------------

#[test]
fn refresh_rotates_and_spends_the_old_token() {
    let f = fixture();
    let pair = f.login();
    let first = f.auth.refresh(&pair.refresh, CLIENT, NOW + 10).unwrap();
    let new_refresh = first.refresh.unwrap();
    let rotated = f.claims(&new_refresh);
    assert_eq!(rotated.get("exp"), Some(&(NOW + 10 + 86_400).into()));
    assert_eq!(rotated.get("iat"), Some(&(NOW + 10).into()));
    assert_ne!(
        rotated.get_str("jti"),
        f.claims(&pair.refresh).get_str("jti")
    );
    assert_eq!(
        f.claims(&first.access).get("exp"),
        Some(&(NOW + 10 + 3600).into())
    );
    let header = format!("Bearer {}", first.access);
    assert!(f
        .auth
        .authenticate(Some(header.as_bytes()), NOW + 10)
        .unwrap()
        .is_some());
    // The old one is spent; the new one works.
    assert_eq!(
        f.auth.refresh(&pair.refresh, CLIENT, NOW + 20),
        Err(AuthError::Reused)
    );
    assert!(
        f.auth.refresh(&new_refresh, CLIENT, NOW + 30).is_err(),
        "revoked by the reuse above"
    );
}

#[test]
fn reuse_revokes_the_whole_family_but_not_other_logins() {
    let f = fixture();
    let stolen = f.login();
    let other = f.login();
    let r1 = f
        .auth
        .refresh(&stolen.refresh, CLIENT, NOW)
        .unwrap()
        .refresh
        .unwrap();
    let r2 = f.auth.refresh(&r1, CLIENT, NOW).unwrap().refresh.unwrap();
    // The attacker replays the first token, after REUSE_GRACE_PERIOD:
    // refused, and r2 dies with it.
    let later = NOW + 60;
    assert_eq!(
        f.auth.refresh(&stolen.refresh, CLIENT, later),
        Err(AuthError::Reused)
    );
    assert_eq!(
        f.auth.refresh(&r2, CLIENT, later),
        Err(TokenError::Blacklisted.into())
    );
    assert_eq!(
        f.auth.verify(&r2, later),
        Err(AuthError::BlacklistedOnVerify)
    );
    assert_eq!(f.auth.reuse_events(), 1);
    // Another login of the same user is untouched.
    assert!(f.auth.refresh(&other.refresh, CLIENT, later).is_ok());
}

#[test]
fn without_reuse_detection_the_live_token_survives_a_replay() {
    let f = fixture_with(Settings {
        revoke_family_on_reuse: false,
        ..settings()
    });
    let pair = f.login();
    let r1 = f
        .auth
        .refresh(&pair.refresh, CLIENT, NOW)
        .unwrap()
        .refresh
        .unwrap();
    assert_eq!(
        f.auth.refresh(&pair.refresh, CLIENT, NOW),
        Err(TokenError::Blacklisted.into())
    );
    assert!(f.auth.refresh(&r1, CLIENT, NOW).is_ok());
}

#[test]
fn without_rotation_the_refresh_token_is_reusable() {
    let f = fixture_with(Settings {
        rotate_refresh_tokens: false,
        ..settings()
    });
    let pair = f.login();
    for _ in 0..3 {
        let r = f.auth.refresh(&pair.refresh, CLIENT, NOW).unwrap();
        assert_eq!(r.refresh, None);
    }
}

#[test]
fn rotation_without_blacklisting_forks_as_simplejwt_does() {
    let f = fixture_with(Settings {
        blacklist_after_rotation: false,
        ..settings()
    });
    let pair = f.login();
    assert!(f
        .auth
        .refresh(&pair.refresh, CLIENT, NOW)
        .unwrap()
        .refresh
        .is_some());
    assert!(f
        .auth
        .refresh(&pair.refresh, CLIENT, NOW)
        .unwrap()
        .refresh
        .is_some());
}

#[test]
fn refresh_refuses_other_tokens_in_simplejwt_order() {
    let f = fixture();
    let pair = f.login();
    assert_eq!(
        f.auth.refresh(&pair.access, CLIENT, NOW),
        Err(TokenError::WrongType.into())
    );
    assert_eq!(
        f.auth.refresh(&pair.refresh, CLIENT, NOW + 86_400),
        Err(TokenError::Decode(DecodeError::Expired).into())
    );
    assert_eq!(
        f.auth
            .refresh("not.a.token", CLIENT, NOW)
            .unwrap_err()
            .to_string(),
        "token is invalid: malformed header"
    );
    let no_jti = f.forge(&format!(
        r#"{{"token_type":"refresh","exp":{},"user_id":"1"}}"#,
        NOW + 60
    ));
    assert_eq!(
        f.auth.refresh(&no_jti, CLIENT, NOW),
        Err(TokenError::NoId.into())
    );
    let no_exp = f.forge(r#"{"token_type":"refresh","jti":"x1","user_id":"1"}"#);
    assert_eq!(
        f.auth.refresh(&no_exp, CLIENT, NOW),
        Err(TokenError::NoExp.into())
    );
    let no_type = f.forge(&format!(
        r#"{{"exp":{},"jti":"x2","user_id":"1"}}"#,
        NOW + 60
    ));
    assert_eq!(
        f.auth.refresh(&no_type, CLIENT, NOW),
        Err(TokenError::NoType.into())
    );
    let string_exp =
        f.forge(r#"{"token_type":"refresh","exp":"1999999999","jti":"x3","user_id":"1"}"#);
    assert_eq!(
        f.auth.refresh(&string_exp, CLIENT, NOW),
        Err(TokenError::Decode(DecodeError::MalformedTime).into())
    );
}

#[test]
fn refresh_checks_the_user_without_ever_crashing() {
    let f = fixture();
    add_user(&f.store, "bob", P1, false);
    let refresh = |user_id: &str, jti: &str| {
        f.forge(&format!(
            r#"{{"token_type":"refresh","exp":{},"iat":{NOW},"jti":"{jti}","user_id":{user_id}}}"#,
            NOW + 60
        ))
    };
    assert_eq!(
        f.auth.refresh(&refresh(r#""99""#, "a"), CLIENT, NOW),
        Err(AuthError::NoActiveAccount(NoAccount::Gone)),
        "deleted"
    );
    assert_eq!(
        f.auth.refresh(&refresh(r#""2""#, "b"), CLIENT, NOW),
        Err(AuthError::NoActiveAccount(NoAccount::Inactive)),
        "inactive"
    );
    assert_eq!(
        f.auth.refresh(&refresh(r#""abc""#, "c"), CLIENT, NOW),
        Err(AuthError::NoActiveAccount(NoAccount::NotAnId)),
        "not an id"
    );
    assert!(
        f.auth.refresh(&refresh("1", "d"), CLIENT, NOW).is_ok(),
        "an int user_id from SimpleJWT 5.5.0"
    );
    // A falsy user_id skips the user check, as in SimpleJWT.
    assert!(f.auth.refresh(&refresh(r#""""#, "e"), CLIENT, NOW).is_ok());
}

#[test]
fn inactive_users_refresh_when_check_user_is_active_is_off() {
    let f = fixture_with(Settings {
        check_user_is_active: false,
        ..settings()
    });
    add_user(&f.store, "bob", P1, false);
    let t = f.forge(&format!(
        r#"{{"token_type":"refresh","exp":{},"jti":"z","user_id":"2"}}"#,
        NOW + 60
    ));
    assert!(f.auth.refresh(&t, CLIENT, NOW).is_ok());
}

#[test]
fn a_django_minted_refresh_token_is_accepted_once() {
    let f = fixture_with(Settings {
        access_token_lifetime: 300,
        ..settings()
    });
    let r = f.auth.refresh(V1_REFRESH, CLIENT, NOW).unwrap();
    assert_eq!(f.claims(&r.access).get_str("user_id"), Some("1"));
    assert!(f
        .store
        .is_blacklisted("00000000000000000000000000000001")
        .unwrap());
    assert_eq!(
        f.auth.refresh(V1_REFRESH, CLIENT, NOW),
        Err(AuthError::ReusedWithinGrace)
    );
}

#[test]
fn sixteen_threads_refreshing_one_token_have_one_winner_every_round() {
    let f = Arc::new(fixture());
    for round in 0..50 {
        let token = Arc::new(f.login().refresh);
        let barrier = Arc::new(Barrier::new(16));
        let handles: Vec<_> = (0..16)
            .map(|_| {
                let (f, token, barrier) = (f.clone(), token.clone(), barrier.clone());
                thread::spawn(move || {
                    barrier.wait();
                    f.auth.refresh(&token, CLIENT, NOW)
                })
            })
            .collect();
        let results: Vec<_> = handles.into_iter().map(|h| h.join().unwrap()).collect();
        let wins = results.iter().filter(|r| r.is_ok()).count();
        assert_eq!(wins, 1, "round {round}");
        for loss in results.iter().filter_map(|r| r.as_ref().err()) {
            assert_eq!(loss, &AuthError::ReusedWithinGrace);
        }
    }
}

// --- verify and blacklist -----------------------------------------------------

#[test]
fn verify_accepts_any_valid_token_and_refuses_blacklisted_with_400() {
    let f = fixture();
    let pair = f.login();
    assert_eq!(f.auth.verify(&pair.access, NOW), Ok(()));
    assert_eq!(f.auth.verify(&pair.refresh, NOW), Ok(()));
    let untyped = f.forge(&format!(r#"{{"exp":{},"jti":"u"}}"#, NOW + 1));
    assert_eq!(f.auth.verify(&untyped, NOW), Ok(()));
    let no_jti = f.forge(&format!(r#"{{"exp":{}}}"#, NOW + 1));
    assert_eq!(f.auth.verify(&no_jti, NOW), Err(TokenError::NoId.into()));
    f.auth.blacklist(&pair.refresh, NOW).unwrap();
    assert_eq!(
        f.auth.verify(&pair.refresh, NOW),
        Err(AuthError::BlacklistedOnVerify)
    );
    assert_eq!(
        f.auth.verify(&pair.access, NOW + 3600),
        Err(TokenError::Decode(DecodeError::Expired).into())
    );
}

#[test]
fn verify_ignores_the_blacklist_without_blacklist_after_rotation() {
    let f = fixture_with(Settings {
        blacklist_after_rotation: false,
        ..settings()
    });
    let pair = f.login();
    f.auth.blacklist(&pair.refresh, NOW).unwrap();
    assert_eq!(f.auth.verify(&pair.refresh, NOW), Ok(()));
}

#[test]
fn blacklist_once_then_refused() {
    let f = fixture();
    let pair = f.login();
    assert_eq!(
        f.auth.blacklist(&pair.access, NOW),
        Err(TokenError::WrongType.into())
    );
    assert_eq!(f.auth.blacklist(&pair.refresh, NOW), Ok(()));
    assert_eq!(
        f.auth.blacklist(&pair.refresh, NOW),
        Err(TokenError::Blacklisted.into())
    );
    assert_eq!(
        f.auth.refresh(&pair.refresh, CLIENT, NOW),
        Err(TokenError::Blacklisted.into())
    );
    // A logged-out token coming back is refused, but it is no reuse: it
    // was never rotated, and the log and metrics do not cry theft.
    assert_eq!(f.auth.reuse_events(), 0);
    // A rotated one still is, even after the newest was logged out.
    let second = f.login();
    let newer = f
        .auth
        .refresh(&second.refresh, CLIENT, NOW)
        .unwrap()
        .refresh
        .unwrap();
    f.auth.blacklist(&newer, NOW).unwrap();
    assert_eq!(
        f.auth.refresh(&second.refresh, CLIENT, NOW),
        Err(AuthError::ReusedWithinGrace)
    );
    assert_eq!(f.auth.reuse_events(), 1);
}

// --- bearer authentication ----------------------------------------------------

#[test]
fn bearer_header_forms() {
    let f = fixture();
    let pair = f.login();
    let access = pair.access.as_str();
    let auth = |header: &str| f.auth.authenticate(Some(header.as_bytes()), NOW);
    assert_eq!(f.auth.authenticate(None, NOW), Ok(None));
    for absent in ["", "   ", "Basic dXNlcjpwYXNz", "Token abc", "Bearerx abc"] {
        assert_eq!(auth(absent), Ok(None), "{absent:?}");
    }
    for good in [
        format!("Bearer {access}"),
        format!("bearer {access}"),
        format!("BEARER {access}"),
        format!("  Bearer \t {access}  "),
    ] {
        assert_eq!(auth(&good).unwrap().unwrap().id, 1, "{good:?}");
    }
    assert_eq!(auth("Bearer"), Err(AuthError::BadHeader));
    assert_eq!(
        auth(&format!("Bearer {access} extra")),
        Err(AuthError::BadHeader)
    );
    assert!(matches!(
        auth("Bearer x.y.z"),
        Err(AuthError::NotValidForAnyType(_))
    ));
    assert_eq!(
        auth(&format!("Bearer {}", pair.refresh)),
        Err(AuthError::NotValidForAnyType(TokenError::WrongType))
    );
    assert_eq!(
        f.auth.authenticate(Some(b"Bearer \xff\xfe"), NOW),
        Err(AuthError::NotValidForAnyType(TokenError::Decode(
            DecodeError::NotText
        )))
    );
}

#[test]
fn bearer_user_checks() {
    let f = fixture();
    add_user(&f.store, "bob", P1, false);
    let access = |user: &str| {
        f.forge(&format!(
            r#"{{"token_type":"access","exp":{},"jti":"j","user_id":{user}}}"#,
            NOW + 60
        ))
    };
    assert_eq!(
        f.bearer(&access(r#""1""#)).unwrap().unwrap().username,
        "alice"
    );
    assert_eq!(f.bearer(&access(r#""99""#)), Err(AuthError::UserNotFound));
    assert_eq!(f.bearer(&access(r#""2""#)), Err(AuthError::UserInactive));
    assert_eq!(f.bearer(&access(r#""abc""#)), Err(AuthError::NoUserId));
    assert_eq!(
        f.bearer(&access(r#"{"$ne":null}"#)),
        Err(AuthError::NoUserId)
    );
    let none = f.forge(&format!(
        r#"{{"token_type":"access","exp":{},"jti":"j"}}"#,
        NOW + 60
    ));
    assert_eq!(f.bearer(&none), Err(AuthError::NoUserId));
}

#[test]
fn other_header_types_are_accepted_when_configured() {
    let f = fixture_with(Settings {
        auth_header_types: vec!["JWT".into(), "Bearer".into()],
        ..settings()
    });
    let pair = f.login();
    let header = format!("JWT {}", pair.access);
    assert!(f
        .auth
        .authenticate(Some(header.as_bytes()), NOW)
        .unwrap()
        .is_some());
}

#[test]
fn the_blacklist_is_checked_before_the_user_as_simplejwt_does() {
    let f = fixture_with(Settings {
        check_revoke_token: true,
        ..settings()
    });
    let logged_out = f.login();
    f.auth.blacklist(&logged_out.refresh, NOW).unwrap();
    let rotated = f.login();
    f.auth.refresh(&rotated.refresh, CLIENT, NOW).unwrap();
    // The user deactivated, then with a new password: the blacklist still
    // answers first, and a rotated token back is still reuse.
    for change in [
        Box::new(|u: &mut User| u.is_active = false) as Box<dyn Fn(&mut User)>,
        Box::new(|u: &mut User| {
            u.is_active = true;
            u.password = password::make_password("another password", 1000).unwrap();
        }),
    ] {
        f.store.update_user("alice", change).unwrap();
        assert_eq!(
            f.auth.refresh(&logged_out.refresh, CLIENT, NOW),
            Err(TokenError::Blacklisted.into())
        );
        assert_eq!(
            f.auth.refresh(&rotated.refresh, CLIENT, NOW),
            Err(AuthError::ReusedWithinGrace)
        );
    }
}

#[test]
fn check_revoke_token_follows_password_changes() {
    let f = fixture_with(Settings {
        check_revoke_token: true,
        ..settings()
    });
    let pair = f.login();
    assert!(f.bearer(&pair.access).unwrap().is_some());
    let new_hash = password::make_password("another password", 1000).unwrap();
    f.store
        .update_user("alice", |u| u.password = new_hash)
        .unwrap();
    assert_eq!(f.bearer(&pair.access), Err(AuthError::PasswordChanged));
    assert_eq!(
        f.auth.refresh(&pair.refresh, CLIENT, NOW),
        Err(AuthError::PasswordChanged)
    );
    // The stale refresh token was revoked on the way out.
    assert_eq!(
        f.auth.refresh(&pair.refresh, CLIENT, NOW),
        Err(TokenError::Blacklisted.into())
    );
    // A fresh login works again.
    let fresh = f
        .auth
        .login("alice", "another password", CLIENT, NOW)
        .unwrap();
    assert!(f.bearer(&fresh.access).unwrap().is_some());
}

#[test]
fn check_revoke_token_survives_a_rehash_on_login() {
    let f = fixture_with(Settings {
        check_revoke_token: true,
        password_iterations: 1500,
        ..settings()
    });
    let pair = f.login();
    assert!(
        f.bearer(&pair.access).unwrap().is_some(),
        "the claim names the new hash"
    );
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

#[test]
fn losers_of_a_concurrent_refresh_keep_the_winner_within_the_grace_period() {
    // Several tabs refreshing one token at once: exactly one wins, the
    // others get SimpleJWT's 401, and within REUSE_GRACE_PERIOD that is no
    // theft: the winner's new token stays valid. Every loser is counted.
    let concurrent = |f: &Arc<Fixture>, lost_with: AuthError| {
        let token = Arc::new(f.login().refresh);
        let barrier = Arc::new(Barrier::new(8));
        let handles: Vec<_> = (0..8)
            .map(|_| {
                let (f, token, barrier) = (f.clone(), token.clone(), barrier.clone());
                thread::spawn(move || {
                    barrier.wait();
                    f.auth.refresh(&token, CLIENT, NOW)
                })
            })
            .collect();
        let results: Vec<_> = handles.into_iter().map(|h| h.join().unwrap()).collect();
        assert_eq!(results.iter().filter(|r| r.is_ok()).count(), 1);
        for lost in results.iter().filter(|r| r.is_err()) {
            assert_eq!(lost, &Err(lost_with.clone()));
        }
        let winner = results.iter().find_map(|r| r.as_ref().ok()).unwrap();
        winner.refresh.clone().unwrap()
    };
    let f = Arc::new(fixture());
    let kept = concurrent(&f, AuthError::ReusedWithinGrace);
    assert_eq!(f.auth.reuse_events(), 7);
    assert!(f.auth.refresh(&kept, CLIENT, NOW + 1).is_ok());
    // With REUSE_GRACE_PERIOD 0, a second presentation is reuse whoever sent
    // it: the family dies and the client logs in again.
    let f = Arc::new(fixture_with(Settings {
        reuse_grace_period: 0,
        ..settings()
    }));
    let new_refresh = concurrent(&f, AuthError::Reused);
    assert_eq!(
        f.auth.refresh(&new_refresh, CLIENT, NOW),
        Err(TokenError::Blacklisted.into())
    );
    // With detection off, the winner keeps its token.
    let f = Arc::new(fixture_with(Settings {
        revoke_family_on_reuse: false,
        ..settings()
    }));
    let token = f.login().refresh;
    let winner = f
        .auth
        .refresh(&token, CLIENT, NOW)
        .unwrap()
        .refresh
        .unwrap();
    assert!(f.auth.refresh(&token, CLIENT, NOW).is_err());
    assert!(f.auth.refresh(&winner, CLIENT, NOW).is_ok());
}

// --- revoking everything of a user ------------------------------------------

#[test]
fn revoking_a_user_refuses_every_earlier_token_at_once() {
    let f = fixture();
    let bob = add_user(&f.store, "bob", P1, true);
    let pair = f.login();
    let bobs = f.auth.login("bob", PASSWORD, CLIENT, NOW).unwrap();
    // Minted by a Django sharing the key: never in jwtd's issued table.
    let elsewhere = V1_REFRESH;

    assert_eq!(f.auth.revoke_user(1, NOW + 10).unwrap(), Some(1));
    let later = NOW + 11;
    // The access token is refused on the protected route and by verify.
    let bearer = |token: &str| {
        f.auth
            .authenticate(Some(format!("Bearer {token}").as_bytes()), later)
    };
    assert_eq!(
        bearer(&pair.access),
        Err(AuthError::NotValidForAnyType(TokenError::Revoked))
    );
    assert_eq!(
        f.auth.verify(&pair.access, later),
        Err(TokenError::Revoked.into())
    );
    // The refresh token jwtd issued is blacklisted; the one from elsewhere
    // is refused by the user's valid-after time.
    assert_eq!(
        f.auth.refresh(&pair.refresh, CLIENT, later),
        Err(TokenError::Blacklisted.into())
    );
    assert_eq!(
        f.auth.verify(&pair.refresh, later),
        Err(AuthError::BlacklistedOnVerify)
    );
    assert_eq!(
        f.auth.refresh(elsewhere, CLIENT, later),
        Err(TokenError::Revoked.into())
    );
    // Bob is untouched.
    assert_eq!(bearer(&bobs.access).unwrap().unwrap().id, bob.id);
    assert!(f.auth.refresh(&bobs.refresh, CLIENT, later).is_ok());
    // A new login works, and its tokens do.
    let fresh = f.auth.login("alice", PASSWORD, CLIENT, later).unwrap();
    assert_eq!(bearer(&fresh.access).unwrap().unwrap().username, "alice");
    assert!(f.auth.refresh(&fresh.refresh, CLIENT, later).is_ok());
    assert_eq!(f.auth.revoke_user(99, later).unwrap(), None);
}

#[test]
fn tokens_of_the_second_of_a_revocation_are_refused_and_logins_wait_it_out() {
    let f = fixture();
    // Issued in the same second as the revocation, maybe just before it.
    let pair = f.login();
    f.auth.revoke_user(1, NOW).unwrap();
    let bearer = f
        .auth
        .authenticate(Some(format!("Bearer {}", pair.access).as_bytes()), NOW);
    assert_eq!(
        bearer,
        Err(AuthError::NotValidForAnyType(TokenError::Revoked))
    );
    // A login in that second would mint an `iat` still refused.
    assert_eq!(
        f.auth.login("alice", PASSWORD, CLIENT, NOW),
        Err(AuthError::RevokedUntil(NOW + 1))
    );
    // A wrong password is still just wrong.
    assert_eq!(
        f.auth.login("alice", "wrong", CLIENT, NOW),
        Err(AuthError::Credentials)
    );
    let next = f.auth.login("alice", PASSWORD, CLIENT, NOW + 1).unwrap();
    let user = f
        .auth
        .authenticate(Some(format!("Bearer {}", next.access).as_bytes()), NOW + 1);
    assert_eq!(user.unwrap().unwrap().username, "alice");
}

#[test]
fn a_token_without_iat_counts_as_issued_at_zero() {
    let f = fixture();
    let access = f.forge(&format!(
        r#"{{"token_type":"access","exp":{},"jti":"j","user_id":"1"}}"#,
        NOW + 300
    ));
    assert!(f.bearer(&access).unwrap().is_some());
    f.auth.revoke_user(1, NOW - 100).unwrap();
    assert_eq!(
        f.bearer(&access),
        Err(AuthError::NotValidForAnyType(TokenError::Revoked))
    );
}

/// Errors travel in every `Result` of a request, so they stay small (as
/// ureq keeps its own): a large variant would be boxed.
#[test]
fn the_error_types_stay_small() {
    use std::mem::size_of;
    assert!(size_of::<AuthError>() <= 32, "{}", size_of::<AuthError>());
    assert!(
        size_of::<AccountError>() <= 32,
        "{}",
        size_of::<AccountError>()
    );
    assert!(size_of::<crate::keys::KeysError>() <= 32);
    assert!(size_of::<TokenError>() <= 8, "{}", size_of::<TokenError>());
}

#[test]
fn a_reuse_names_the_user_and_the_client_address() {
    let alice = User::active(1, "alice", String::new());
    let presenter = |claimed, user| {
        Presenter {
            claimed,
            user,
            client: CLIENT,
        }
        .to_string()
    };
    assert_eq!(
        presenter(Some(1), Some(&alice)),
        r#"user "alice" (id 1) from 192.0.2.1"#
    );
    assert_eq!(
        presenter(Some(7), None),
        "user id 7 (no such user) from 192.0.2.1"
    );
    assert_eq!(
        presenter(None, None),
        "a token naming no user from 192.0.2.1"
    );
}

// --- TOKEN_CLAIMS and STATELESS_AUTHENTICATION ----------------------------

fn with_token_claims(from_user: bool) -> Fixture {
    fixture_with(Settings {
        token_claims: ["username", "is_staff", "is_superuser", "is_active", "id"]
            .map(String::from)
            .to_vec(),
        token_claims_from_user: from_user,
        ..settings()
    })
}

/// The claim names of `claims`, in order.
fn names(claims: &Claims) -> Vec<&str> {
    claims.iter().map(|(name, _)| name).collect()
}

#[test]
fn token_claims_follow_simplejwts_own_at_login() {
    let f = with_token_claims(false);
    f.store.update_user("alice", |u| u.is_staff = true).unwrap();
    let pair = f.login();
    for (token, kind) in [(&pair.refresh, "refresh"), (&pair.access, "access")] {
        let claims = f.claims(token);
        assert_eq!(
            names(&claims),
            [
                "token_type",
                "exp",
                "iat",
                "jti",
                "user_id",
                "username",
                "is_staff",
                "is_superuser",
                "is_active",
                "id"
            ],
            "{kind}"
        );
        assert_eq!(claims.get_str("username"), Some("alice"));
        assert_eq!(claims.get("is_staff"), Some(&true.into()));
        assert_eq!(claims.get("is_superuser"), Some(&false.into()));
        assert_eq!(claims.get("is_active"), Some(&true.into()));
        assert_eq!(claims.get("id"), Some(&1.into()), "a number, as user.id");
        assert_eq!(claims.get_str("user_id"), Some("1"));
    }
    // Without TOKEN_CLAIMS nothing is added.
    let plain = fixture().login();
    assert_eq!(
        names(&fixture().claims(&plain.access)),
        ["token_type", "exp", "iat", "jti", "user_id"]
    );
}

#[test]
fn token_claims_come_after_the_revoke_claim() {
    let f = fixture_with(Settings {
        check_revoke_token: true,
        token_claims: vec!["username".into()],
        ..settings()
    });
    let claims = f.claims(&f.login().access);
    assert_eq!(
        names(&claims),
        [
            "token_type",
            "exp",
            "iat",
            "jti",
            "user_id",
            "hash_password",
            "username"
        ]
    );
}

#[test]
fn refresh_copies_the_claims_as_simplejwt_does() {
    let f = with_token_claims(false);
    let pair = f.login();
    f.store.update_user("alice", |u| u.is_staff = true).unwrap();
    let refreshed = f.auth.refresh(&pair.refresh, CLIENT, NOW).unwrap();
    let access = f.claims(&refreshed.access);
    assert_eq!(access.get("is_staff"), Some(&false.into()), "copied");
    let rotated = f.claims(&refreshed.refresh.unwrap());
    assert_eq!(rotated.get("is_staff"), Some(&false.into()));
    // A refresh token from elsewhere carries its own claims on, whatever
    // they are, TOKEN_CLAIMS or not.
    let django = f.forge(&format!(
        r#"{{"token_type":"refresh","exp":{},"iat":{NOW},"jti":"dj","user_id":"1","email":"a@example.com","is_staff":"yes"}}"#,
        NOW + 60
    ));
    let access = f.claims(&f.auth.refresh(&django, CLIENT, NOW).unwrap().access);
    assert_eq!(access.get_str("email"), Some("a@example.com"));
    assert_eq!(access.get_str("is_staff"), Some("yes"));
}

#[test]
fn token_claims_from_user_reads_them_again_at_refresh() {
    let f = with_token_claims(true);
    let pair = f.login();
    f.store
        .update_user("alice", |u| {
            u.is_staff = true;
            u.is_superuser = true;
        })
        .unwrap();
    let refreshed = f.auth.refresh(&pair.refresh, CLIENT, NOW).unwrap();
    let rotated = refreshed.refresh.unwrap();
    for token in [&refreshed.access, &rotated] {
        let claims = f.claims(token);
        assert_eq!(claims.get("is_staff"), Some(&true.into()));
        assert_eq!(claims.get("is_superuser"), Some(&true.into()));
        assert_eq!(
            names(&claims)[5..],
            ["username", "is_staff", "is_superuser", "is_active", "id"],
            "in place"
        );
    }
    // Missing from the token: appended, in TOKEN_CLAIMS' order; other
    // claims are kept.
    let bare = f.forge(&format!(
        r#"{{"token_type":"refresh","exp":{},"iat":{NOW},"jti":"b","user_id":"1","email":"x"}}"#,
        NOW + 60
    ));
    let access = f.claims(&f.auth.refresh(&bare, CLIENT, NOW).unwrap().access);
    assert_eq!(
        names(&access),
        [
            "token_type",
            "exp",
            "iat",
            "jti",
            "user_id",
            "email",
            "username",
            "is_staff",
            "is_superuser",
            "is_active",
            "id"
        ]
    );
    // A deleted user: SimpleJWT's answer for a missing user.
    let second = f.auth.login("alice", PASSWORD, CLIENT, NOW).unwrap();
    f.store.delete_user("alice").unwrap();
    assert_eq!(
        f.auth.refresh(&second.refresh, CLIENT, NOW),
        Err(AuthError::NoActiveAccount(NoAccount::Gone))
    );
}

#[test]
fn stateless_authentication_reads_the_token_alone() {
    let f = fixture();
    let stateless = |token: &str| {
        f.auth
            .authenticate_stateless(Some(format!("Bearer {token}").as_bytes()), NOW)
    };
    let access = |rest: &str| {
        f.forge(&format!(
            r#"{{"token_type":"access","exp":{},"iat":{NOW},"jti":"s"{rest}}}"#,
            NOW + 60
        ))
    };
    // No such user: the token alone decides.
    let user = stateless(&access(r#","user_id":"99","username":"zed""#))
        .unwrap()
        .unwrap();
    assert_eq!((user.id, user.username.as_str()), (99, "zed"));
    assert!(user.is_active && !user.is_staff && !user.is_superuser);
    // TokenUser's default username, and any user_id value present.
    for rest in [
        r#","user_id":"1""#,
        r#","user_id":"""#,
        r#","user_id":null,"username":5"#,
    ] {
        let user = stateless(&access(rest)).unwrap().unwrap();
        assert_eq!(user.username, "", "{rest}");
    }
    assert_eq!(
        stateless(&access(r#","username":"alice""#)),
        Err(AuthError::NoUserId)
    );
    // The token checks stay.
    let refresh = f.forge(&format!(
        r#"{{"token_type":"refresh","exp":{},"jti":"r","user_id":"1"}}"#,
        NOW + 60
    ));
    assert_eq!(
        stateless(&refresh),
        Err(AuthError::NotValidForAnyType(TokenError::WrongType))
    );
    let expired = f.forge(r#"{"token_type":"access","exp":1,"jti":"e","user_id":"1"}"#);
    assert!(matches!(
        stateless(&expired),
        Err(AuthError::NotValidForAnyType(TokenError::Decode(_)))
    ));
    assert_eq!(f.auth.authenticate_stateless(None, NOW), Ok(None));
    // An inactive, revoked user's token still passes until it expires.
    let pair = f.login();
    f.auth.revoke_user(1, NOW).unwrap();
    f.store
        .update_user("alice", |u| u.is_active = false)
        .unwrap();
    assert!(f.bearer(&pair.access).is_err());
    assert_eq!(stateless(&pair.access).unwrap().unwrap().username, "");
}
