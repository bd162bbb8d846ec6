//! Refresh: rotation, reuse detection, SimpleJWT's order of refusals, and concurrent refreshes of one token.

use super::*;

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
    let r1 = f.rotate(&stolen.refresh, NOW);
    let r2 = f.rotate(&r1, NOW);
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
    let r1 = f.rotate(&pair.refresh, NOW);
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
        let results = refresh_at_once(&f, 16);
        let wins = results.iter().filter(|r| r.is_ok()).count();
        assert_eq!(wins, 1, "round {round}");
        for loss in results.iter().filter_map(|r| r.as_ref().err()) {
            assert_eq!(loss, &AuthError::ReusedWithinGrace);
        }
    }
}

#[test]
fn losers_of_a_concurrent_refresh_keep_the_winner_within_the_grace_period() {
    // Several tabs refreshing one token at once: exactly one wins, the
    // others get SimpleJWT's 401, and within REUSE_GRACE_PERIOD that is no
    // theft: the winner's new token stays valid. Every loser is counted.
    let concurrent = |f: &Arc<Fixture>, lost_with: AuthError| {
        let results = refresh_at_once(f, 8);
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
    let winner = f.rotate(&token, NOW);
    assert!(f.auth.refresh(&token, CLIENT, NOW).is_err());
    assert!(f.auth.refresh(&winner, CLIENT, NOW).is_ok());
}

/// A new login's refresh token presented by `threads` threads at the same
/// instant (a barrier releases them together); each one's answer.
fn refresh_at_once(f: &Arc<Fixture>, threads: usize) -> Vec<Result<Refreshed, AuthError>> {
    let token = Arc::new(f.login().refresh);
    let barrier = Arc::new(Barrier::new(threads));
    let handles: Vec<_> = (0..threads)
        .map(|_| {
            let (f, token, barrier) = (f.clone(), token.clone(), barrier.clone());
            thread::spawn(move || {
                barrier.wait();
                f.auth.refresh(&token, CLIENT, NOW)
            })
        })
        .collect();
    handles.into_iter().map(|h| h.join().unwrap()).collect()
}
