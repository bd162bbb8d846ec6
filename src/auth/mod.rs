//! The authentication policy: what SimpleJWT's serializers and
//! `JWTAuthentication` decide, with the store and the clock as inputs.
//!
//! - [`Auth::login`]: one identical failure for an unknown user, a wrong
//!   password and an inactive user, each costing what a check of the slowest
//!   stored hash costs.
//! - [`Auth::refresh`]: decode, blacklist check, type check, user check,
//!   then rotation as one atomic write, so one refresh token is spent once.
//! - [`Auth::verify`], [`Auth::blacklist`], [`Auth::authenticate`], each
//!   taking sliding tokens too when `AUTH_TOKEN_CLASSES` names `sliding`
//!   ([`Auth::login_sliding`] and [`Auth::refresh_sliding`] in `sliding`).
//!
//! Here: [`Auth`], its accessors, verify, blacklist and authenticate;
//! `login` and `refresh` (with reuse detection) have files of their own.
//!
//! It is the boundary around the state: nothing outside reaches the store,
//! the writer or the keys but through a named operation here, in
//! [`Accounts`] (users, with the one copy of their [`rules`] and Django's
//! password validators, `password_validation`) or in
//! `signing_keys` (rotation). Nothing here knows HTTP; the token checks
//! take `now` (Unix seconds), the operations that stamp a time read the
//! application's clock.

mod accounts;
mod common_passwords;
pub mod email_rule;
mod error;
mod login;
mod password_validation;
mod refresh;
pub mod rules;
mod signing_keys;
mod sliding;
mod user_fields;

pub use accounts::{AccountChanges, AccountError, Accounts, Changed, LastSuperuser, NewAccount};
pub use error::{AuthError, NoAccount};
pub use password_validation::PasswordRefusal;

use std::fmt;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::sync::Arc;

use crate::clock::Clock;
use crate::config::{LiveSettings, Settings};
use crate::jwt::{DecodeError, SegmentBuffer};
use crate::store::{Change, ChangeOutcome, Store, StoreError, TokenRecord, User};
use crate::throttle::Throttle;
use crate::token::{TokenClaims, TokenError, TokenType, Tokens, UserClaim};
use crate::writer::Writer;

/// A successful login.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenPair {
    /// The refresh token.
    pub refresh: String,
    /// The access token.
    pub access: String,
}

/// A successful refresh.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refreshed {
    /// A new access token.
    pub access: String,
    /// The rotated refresh token (`ROTATE_REFRESH_TOKENS`).
    pub refresh: Option<String>,
}

/// The policy, with everything it needs. Nothing outside reaches the
/// store, the writer or the keys but through its named operations.
pub struct Auth {
    /// The settings in force, read at each operation; a reload replaces
    /// them ([`Auth::apply_settings`]).
    settings: Arc<LiveSettings>,
    tokens: Tokens,
    store: Arc<Store>,
    writer: Writer,
    clock: Arc<Clock>,
    accounts: Accounts,
    throttle: Throttle,
    reuse_events: AtomicU64,
    /// The iterations of the slowest stored hash, at least the configured
    /// count: what every failed login costs (see [`Auth::login`]).
    failure_cost: AtomicU32,
}

impl fmt::Debug for Auth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Auth")
            .field("tokens", &self.tokens)
            .finish_non_exhaustive()
    }
}

impl Auth {
    /// Assembles the policy over `store`, writing through `writer`;
    /// `clock` is the application's, for the operations that stamp a time
    /// themselves (account changes, key rotation).
    pub fn new(
        settings: Arc<Settings>,
        tokens: Tokens,
        store: Arc<Store>,
        writer: Writer,
        clock: Arc<Clock>,
    ) -> Auth {
        let throttle = Throttle::new(
            settings.login_failures_per_address,
            settings.login_failures_per_user,
            settings.login_failure_window,
        );
        let failure_cost = login::slowest_stored_hash(&store).max(settings.password_iterations);
        let settings = Arc::new(LiveSettings::new(settings));
        let accounts = Accounts::sharing(
            settings.clone(),
            store.clone(),
            writer.clone(),
            clock.clone(),
        );
        Auth {
            settings,
            tokens,
            store,
            writer,
            clock,
            accounts,
            throttle,
            reuse_events: AtomicU64::new(0),
            failure_cost: AtomicU32::new(failure_cost),
        }
    }

    /// Whether the store is shared with other processes (PostgreSQL), so
    /// that a call may wait on a database that does not answer.
    pub fn store_is_shared(&self) -> bool {
        self.store.is_shared()
    }

    /// The settings in force.
    pub fn settings(&self) -> Arc<Settings> {
        self.settings.get()
    }

    /// Puts `settings` in force from the next operation on: the
    /// settings read per operation, the token lifetimes and the
    /// throttle's limits. The caller keeps every setting read only at
    /// start-up as it was (see `config::Reload`).
    pub fn apply_settings(&self, settings: Arc<Settings>) {
        self.tokens.set_lifetimes(&settings);
        self.throttle.set_limits(
            settings.login_failures_per_address,
            settings.login_failures_per_user,
            settings.login_failure_window,
        );
        self.failure_cost
            .fetch_max(settings.password_iterations, Ordering::Relaxed);
        self.settings.replace(settings);
    }

    /// Spent refresh tokens presented again since start.
    pub fn reuse_events(&self) -> u64 {
        self.reuse_events.load(Ordering::Relaxed)
    }

    /// Account management: create, change, delete, revoke.
    pub fn accounts(&self) -> &Accounts {
        &self.accounts
    }

    /// How many refresh tokens are on record, and how many of them are
    /// blacklisted: a read that also tells whether the store answers
    /// (`/healthz`, `/metrics`).
    pub fn token_counts(&self) -> Result<(u64, u64), StoreError> {
        self.store.token_counts()
    }

    /// The store, for tests that set up states no operation makes (a user
    /// deactivated without a revocation, a row removed under a token).
    #[cfg(test)]
    pub(crate) fn store(&self) -> &Store {
        &self.store
    }

    /// Returns once every change queued before the call is committed (a
    /// login's bookkeeping is queued without waiting for it).
    pub fn settle(&self) -> Result<(), StoreError> {
        self.writer.submit(Vec::new()).map(drop)
    }

    /// `TokenVerifySerializer`: any token type; a blacklisted one is a 400
    /// when `BLACKLIST_AFTER_ROTATION` is on.
    pub fn verify(&self, token: &str, now: u64) -> Result<(), AuthError> {
        let mut buffer = SegmentBuffer::new();
        let claims = self.tokens.read(token, now, &mut buffer)?;
        self.tokens.verify(&claims, None)?;
        let jti = claims
            .jti()
            .filter(|_| self.settings.get().blacklist_after_rotation);
        let user_id = match self.claimed_user(&claims)? {
            UserClaim::Id(id) => Some(id),
            _ => None,
        };
        let (blacklisted, user) = self.store.token_state(jti, user_id)?;
        if blacklisted.is_some() {
            return Err(AuthError::BlacklistedOnVerify);
        }
        // As SimpleJWT, verify does not require the user to exist; when it
        // does, a token from before a revocation is refused.
        if user.is_some_and(|user| claims.revoked_for(&user)) {
            return Err(TokenError::Revoked.into());
        }
        Ok(())
    }

    /// Revokes everything of a user (`jwtd user revoke`, `POST
    /// /api/token/revoke-all/`, a password change): every refresh token
    /// jwtd issued them is blacklisted, and every token of theirs issued up
    /// to this second is refused from now on. Returns the number of refresh
    /// tokens blacklisted, `None` if there is no such user.
    pub fn revoke_user(&self, user_id: u64, now: u64) -> Result<Option<u64>, AuthError> {
        self.accounts.revoke_at(user_id, now).map_err(|e| match e {
            AccountError::Unavailable(why) => AuthError::Unavailable(why),
            other => AuthError::Unavailable(other.to_string()),
        })
    }

    /// `TokenBlacklistSerializer` (logout): exactly one of several concurrent
    /// requests for the same token succeeds. It takes refresh tokens, as
    /// SimpleJWT's; with `AUTH_TOKEN_CLASSES` `sliding` alone sliding
    /// tokens instead (its `token_class` set to `SlidingToken`), and with
    /// both classes either.
    pub fn blacklist(&self, token: &str, now: u64) -> Result<(), AuthError> {
        let settings = self.settings.get();
        let mut buffer = SegmentBuffer::new();
        let claims = self.tokens.read(token, now, &mut buffer)?;
        let jti = claims.jti().ok_or(TokenError::NoId)?;
        if self.store.is_blacklisted(jti)? {
            return Err(TokenError::Blacklisted.into());
        }
        let sliding = settings.sliding_views()
            || (settings.sliding_authenticates() && claims.is(TokenType::Sliding));
        let expected = if sliding {
            TokenType::Sliding
        } else {
            TokenType::Refresh
        };
        self.tokens.verify(&claims, Some(expected))?;
        let user_id = match self.claimed_user(&claims)? {
            UserClaim::Id(id) => id,
            _ => 0,
        };
        let token = self.record(&claims, user_id, token);
        match self
            .writer
            .submit(vec![Change::Blacklist { token, now }])?
            .first()
        {
            Some(ChangeOutcome::Done) => Ok(()),
            _ => Err(TokenError::Blacklisted.into()),
        }
    }

    /// `JWTAuthentication.authenticate` for a request's authorization header
    /// value: `Ok(None)` when there are no credentials (absent, empty, or
    /// another scheme), the user when the access token is good.
    pub fn authenticate(&self, header: Option<&[u8]>, now: u64) -> Result<Option<User>, AuthError> {
        // One reading of the settings for the whole check.
        let settings = self.settings.get();
        let mut buffer = SegmentBuffer::new();
        let Some(claims) = self.bearer(&settings, header, now, &mut buffer)? else {
            return Ok(None);
        };
        let id = match self.claimed_user(&claims)? {
            UserClaim::Id(id) => id,
            UserClaim::Absent | UserClaim::NotAnId => return Err(AuthError::NoUserId),
        };
        let user = self.store.user(id)?.ok_or(AuthError::UserNotFound)?;
        if settings.check_user_is_active && !user.is_active {
            return Err(AuthError::UserInactive);
        }
        if !self.tokens.password_unchanged(&claims, &user) {
            return Err(AuthError::PasswordChanged);
        }
        if claims.revoked_for(&user) {
            return Err(AuthError::NotValidForAnyType(TokenError::Revoked));
        }
        Ok(Some(user))
    }

    /// `JWTStatelessUserAuthentication.authenticate`
    /// (`STATELESS_AUTHENTICATION`): the access token's own checks
    /// (signature, times, `aud`/`iss`, type, jti) and no read of the store,
    /// so neither the user's existence, `is_active`, `CHECK_REVOKE_TOKEN`
    /// nor a revocation is looked at: they take effect when the token
    /// expires. SimpleJWT keeps no blacklist of access tokens, nor does
    /// jwtd. The user is `TokenUser`'s: the token needs `USER_ID_CLAIM`
    /// (any value), the id is the claim's when it is one (else 0), the
    /// username the `username` claim's (`""` without one), active, and
    /// neither staff nor superuser (nothing here asks).
    pub fn authenticate_stateless(
        &self,
        header: Option<&[u8]>,
        now: u64,
    ) -> Result<Option<User>, AuthError> {
        let settings = self.settings.get();
        let mut buffer = SegmentBuffer::new();
        let Some(claims) = self.bearer(&settings, header, now, &mut buffer)? else {
            return Ok(None);
        };
        if !claims.has_user_claim() {
            return Err(AuthError::NoUserId);
        }
        let id = match claims.user_claim() {
            UserClaim::Id(id) => id,
            UserClaim::Absent | UserClaim::NotAnId => 0,
        };
        Ok(Some(User::active(id, claims.username(), String::new())))
    }

    /// The header's token, read and checked as each class of
    /// `AUTH_TOKEN_CLASSES` in turn until one takes it (`get_raw_token`,
    /// `get_validated_token`); `Ok(None)` when there are no credentials.
    fn bearer<'b>(
        &self,
        settings: &Settings,
        header: Option<&[u8]>,
        now: u64,
        buffer: &'b mut SegmentBuffer,
    ) -> Result<Option<TokenClaims<'b>>, AuthError> {
        let Some(header) = header else {
            return Ok(None);
        };
        let mut parts = header
            .split(|b| is_python_whitespace(*b))
            .filter(|part| !part.is_empty());
        let Some(scheme) = parts.next() else {
            return Ok(None);
        };
        // RFC 9110 section 11.1: the scheme is case-insensitive (SimpleJWT
        // 5.5.1 compares it exactly; its master branch no longer does).
        let known = settings
            .auth_header_types
            .iter()
            .any(|t| t.as_bytes().eq_ignore_ascii_case(scheme));
        if !known {
            return Ok(None);
        }
        let (Some(raw), None) = (parts.next(), parts.next()) else {
            return Err(AuthError::BadHeader);
        };
        let token = std::str::from_utf8(raw)
            .map_err(|_| AuthError::NotValidForAnyType(TokenError::Decode(DecodeError::NotText)))?;
        let claims = self
            .tokens
            .read(token, now, buffer)
            .map_err(AuthError::NotValidForAnyType)?;
        let mut refused = [None, None];
        let classes = settings
            .auth_token_classes
            .iter()
            .filter_map(|name| TokenType::of_class(name));
        for (class, slot) in classes.zip(&mut refused) {
            let checked = match class {
                // BlacklistMixin.verify: the blacklist, then Token.verify.
                TokenType::Sliding => match claims.jti() {
                    Some(jti) if self.store.is_blacklisted(jti)? => Err(TokenError::Blacklisted),
                    _ => self.tokens.verify(&claims, Some(class)),
                },
                _ => self.tokens.verify(&claims, Some(class)),
            };
            match checked {
                Ok(()) => return Ok(Some(claims)),
                Err(e) => *slot = Some(e),
            }
        }
        Err(match refused {
            [Some(first), Some(second)] if first != second => {
                AuthError::NotValidForEither(first, second)
            }
            [Some(e), _] => AuthError::NotValidForAnyType(e),
            // The settings name one class at least.
            [None, _] => AuthError::NotValidForAnyType(TokenError::WrongType),
        })
    }

    /// The store's record of the refresh token `text` with `claims`; the
    /// text itself only when `OUTSTANDING_TOKEN_TEXT` asks for it.
    fn record(&self, claims: &TokenClaims<'_>, user_id: u64, text: &str) -> TokenRecord {
        let keep_text = self.settings.get().outstanding_token_text;
        TokenRecord {
            jti: claims.jti().unwrap_or_default().to_owned(),
            user_id,
            exp: self.tokens.kept_until(claims),
            text: if keep_text {
                text.to_owned()
            } else {
                String::new()
            },
        }
    }
}

/// The write that revokes everything of a user at `now`. `iat` has whole
/// seconds, so every token issued up to the end of this second is refused:
/// one issued in this second may predate the revocation.
pub fn revocation(user_id: u64, now: u64) -> Change {
    Change::RevokeUser {
        user_id,
        valid_after: now.saturating_add(1),
        now,
    }
}

/// What a change answered with an outcome of another change: a bug, told
/// to the log without the records it carries.
pub(super) const UNEXPECTED_OUTCOME: &str =
    "the store answered a change with another change's outcome";

/// Python's `bytes.split()` separators.
fn is_python_whitespace(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\r' | b'\x0b' | b'\x0c')
}

#[cfg(test)]
mod tests;
