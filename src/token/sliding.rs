//! SimpleJWT's `SlidingToken` on [`Tokens`]: the claims a sliding token is
//! issued with, the refresh limit its refresh checks, the refresh itself,
//! and how long the store keeps its record.

use std::sync::atomic::Ordering;

use super::{revoke_hash, whole_seconds, TokenClaims, TokenError, TokenType, Tokens};
use crate::jwt::{Claims, DecodeError};
use crate::primitives::RandomError;
use crate::store::User;

impl Tokens {
    /// `SlidingToken.for_user(user)`: the head, then `refresh_exp`, then
    /// the user as `for_user` adds it.
    pub fn sliding_for(&self, user: &User, now: u64) -> Result<Claims, RandomError> {
        let lifetime = self.sliding_lifetime.load(Ordering::Relaxed);
        let mut claims = self.new_token(TokenType::Sliding, lifetime, now)?;
        let refresh_lifetime = self.sliding_refresh_lifetime.load(Ordering::Relaxed);
        claims.set(
            &self.refresh_exp_claim,
            now.saturating_add(refresh_lifetime),
        );
        claims.set(&self.user_id_claim, user.id.to_string());
        if let Some(name) = &self.revoke_claim {
            claims.set(name, revoke_hash(user));
        }
        Ok(claims)
    }

    /// `TokenRefreshSlidingSerializer`'s check: the `refresh_exp` claim is
    /// there and has not passed (with `LEEWAY`, as `Token.check_exp`).
    pub fn check_refresh_exp(&self, claims: &TokenClaims<'_>, now: u64) -> Result<(), TokenError> {
        let limit = claims.refresh_exp().ok_or(TokenError::NoRefreshExp)?;
        let limit = limit
            .as_f64()
            .ok_or(TokenError::Decode(DecodeError::MalformedTime))?;
        if limit <= now as f64 - self.validation.leeway as f64 {
            return Err(TokenError::RefreshExpired);
        }
        Ok(())
    }

    /// The sliding refresh: the same payload and jti, `exp = now +
    /// SLIDING_TOKEN_LIFETIME` and `iat = now`, each in its position.
    pub fn slide(&self, sliding: &mut Claims, now: u64) {
        let lifetime = self.sliding_lifetime.load(Ordering::Relaxed);
        sliding.set("exp", now.saturating_add(lifetime));
        sliding.set("iat", now);
    }

    /// Until when the store keeps a token's record (and so its blacklist
    /// entry): its `exp`, and for a sliding token also as long as a
    /// refresh of it could live (`refresh_exp` + `SLIDING_TOKEN_LIFETIME`),
    /// so that a purge never forgets a blacklisted sliding token that
    /// could still be refreshed.
    pub fn kept_until(&self, claims: &TokenClaims<'_>) -> u64 {
        let exp = claims.exp();
        if !claims.is(TokenType::Sliding) {
            return exp;
        }
        let lifetime = self.sliding_lifetime.load(Ordering::Relaxed);
        exp.max(whole_seconds(claims.refresh_exp()).saturating_add(lifetime))
    }
}
