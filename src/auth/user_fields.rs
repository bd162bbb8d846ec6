//! Which user a login names and which a token names: `USERNAME_FIELD`
//! (the login body's field, matched exactly, as Django's `ModelBackend`)
//! and `USER_ID_FIELD` (whose value SimpleJWT writes, `str()`'d, in
//! `USER_ID_CLAIM`, and finds the user by again).
//!
//! ```text
//!   USER_ID_FIELD id        "user_id": "7"         ─► user 7
//!   USER_ID_FIELD username  "user_id": "alice"     ─► the user named alice ─► user 7
//!   USER_ID_FIELD email     "user_id": "a@x.org"   ─► the one user with it ─► user 7
//! ```
//!
//! A token's claim resolves to an id before the checks, which then read
//! the user by id with the rest of the token's state: a name or email
//! naming nobody resolves to id 0, which no account has (ids start at 1).

use super::Auth;
use crate::store::{StoreError, UserField};
use crate::token::{TokenClaims, UserClaim};

impl Auth {
    /// The field users log in by: `email`, or else the username (on
    /// PostgreSQL, the user table's login column, whatever its name).
    pub(super) fn login_field(&self) -> UserField {
        match self.settings.get().username_field.as_str() {
            "email" => UserField::Email,
            _ => UserField::Username,
        }
    }

    /// What `claims` say of their user, by `USER_ID_FIELD`: with `id`, the
    /// claim read as SimpleJWT reads it; with a username or an email, the
    /// id of the one user who has the claim's text.
    pub(super) fn claimed_user(&self, claims: &TokenClaims<'_>) -> Result<UserClaim, StoreError> {
        let field = match UserField::named(&self.settings.get().user_id_field) {
            Some(field @ (UserField::Username | UserField::Email)) => field,
            _ => return Ok(claims.user_claim()),
        };
        let Some(text) = claims.user_claim_text() else {
            return Ok(match claims.user_claim() {
                UserClaim::Absent => UserClaim::Absent,
                _ => UserClaim::NotAnId,
            });
        };
        let found = self.store.user_by(field, text)?;
        Ok(UserClaim::Id(found.map_or(0, |user| user.id)))
    }
}
