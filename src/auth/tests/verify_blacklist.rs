//! Verify and blacklist (logout).

use super::*;

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
    let newer = f.rotate(&second.refresh, NOW);
    f.auth.blacklist(&newer, NOW).unwrap();
    assert_eq!(
        f.auth.refresh(&second.refresh, CLIENT, NOW),
        Err(AuthError::ReusedWithinGrace)
    );
    assert_eq!(f.auth.reuse_events(), 1);
}
