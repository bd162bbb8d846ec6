//! Sliding tokens (`AUTH_TOKEN_CLASSES` with `sliding`): the refresh of
//! SimpleJWT's `TokenRefreshSlidingSerializer`, with jwtd's user checks.
//! The login is [`Auth::login_sliding`]; verify, blacklist and bearer take
//! sliding tokens in `auth`'s own file.
//!
//! ```text
//!  login ──► {"token_type":"sliding","exp":t+5m,"iat":t,"jti":J,"refresh_exp":t+1d,...}
//!            recorded (jti J), as the blacklist app's OutstandingToken
//!  refresh ─► blacklisted? type? refresh_exp passed? user? ──► exp/iat reset,
//!            same jti J, nothing written: blacklisting J ends every copy
//! ```

use super::{Auth, AuthError};
use crate::store::Change;
use crate::token::{self, TokenError, TokenType, UserClaim};

impl Auth {
    /// `TokenRefreshSlidingSerializer`: the blacklist first, as
    /// `BlacklistMixin.verify`, then `Token.verify` and `refresh_exp`; the
    /// answer is the same token with `exp` and `iat` reset. jwtd adds the
    /// checks its refresh makes of the user (gone, inactive, changed
    /// password, revoked): `iat` is reset here, so a revocation must be
    /// caught before it is.
    pub fn refresh_sliding(&self, token: &str, now: u64) -> Result<String, AuthError> {
        let settings = self.settings.get();
        let mut whole = self.tokens.decode(token, now)?;
        let claims = self.tokens.claims_of(&whole);
        let jti = claims.jti().ok_or(TokenError::NoId)?;
        let claimed = self.claimed_user(&claims)?;
        let claimed_id = match claimed {
            UserClaim::Id(id) => Some(id),
            _ => None,
        };
        let (blacklisted, user) = self.store.token_state(Some(jti), claimed_id)?;
        if blacklisted.is_some() {
            return Err(TokenError::Blacklisted.into());
        }
        self.tokens.verify(&claims, Some(TokenType::Sliding))?;
        self.tokens.check_refresh_exp(&claims, now)?;
        if let Err(e) = self.refresh_checks(&claims, TokenType::Sliding, claimed, user.as_ref()) {
            if let (AuthError::PasswordChanged, Some(id)) = (&e, claimed_id) {
                let token = self.record(&claims, id, token);
                self.writer.submit(vec![Change::Blacklist { token, now }])?;
            }
            return Err(e);
        }
        if let (true, Some(user)) = (settings.token_claims_from_user, user.as_ref()) {
            token::set_user_claims(&mut whole, user, &settings.token_claims);
        }
        self.tokens.slide(&mut whole, now);
        Ok(self.tokens.encode(&whole)?)
    }
}

#[cfg(test)]
mod tests;
