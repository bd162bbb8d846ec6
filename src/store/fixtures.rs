//! Records for the store's own tests.

use super::{Change, NewUser, TokenRecord, User};

/// A new active account named `name`, taking the next free id.
pub(crate) fn new_user(name: &str) -> NewUser {
    NewUser {
        id: None,
        user: User {
            date_joined: 1_735_689_600_000_000,
            ..User::active(0, name, "pbkdf2_sha256$1000$salt$hash")
        },
    }
}

/// A refresh token of user 1.
pub(crate) fn token(jti: &str, exp: u64) -> TokenRecord {
    TokenRecord {
        jti: jti.into(),
        user_id: 1,
        exp,
        text: String::new(),
    }
}

/// `old` rotated for `new`, blacklisting `old`, without reuse detection.
pub(crate) fn rotate(old: &str, new: &str) -> Change {
    Change::Rotate {
        old: token(old, 100),
        new: token(new, 200),
        blacklist_old: true,
        revoke_family_on_reuse: false,
        grace: 0,
        now: 10,
    }
}
