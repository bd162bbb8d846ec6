//! The authentication policy: what SimpleJWT's serializers and
//! `JWTAuthentication` decide, with the store and the clock as inputs.
//!
//! - [`Auth::login`]: one identical failure for an unknown user, a wrong
//!   password and an inactive user, each costing what a check of the slowest
//!   stored hash costs.
//! - [`Auth::refresh`]: decode, blacklist check, type check, user check,
//!   then rotation as one atomic write, so one refresh token is spent once.
//! - [`Auth::verify`], [`Auth::blacklist`], [`Auth::authenticate`].
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
mod error;
mod password_validation;
pub mod rules;
mod signing_keys;

pub use accounts::{AccountChanges, AccountError, Accounts, Changed, LastSuperuser, NewAccount};
pub use error::{AuthError, NoAccount};
pub use password_validation::PasswordRefusal;

use std::fmt;
use std::net::IpAddr;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::sync::Arc;

use crate::clock::Clock;
use crate::config::{LiveSettings, Settings};
use crate::jwt::{Claims, DecodeError};
use crate::log;
use crate::password;
use crate::store::{
    Blacklisted, Change, ChangeOutcome, Rehash, Store, StoreError, TokenRecord, User,
};
use crate::throttle::Throttle;
use crate::token::{TokenError, TokenType, Tokens, UserClaim};
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
        let failure_cost = slowest_stored_hash(&store).max(settings.password_iterations);
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

    /// The settings in force.
    pub fn settings(&self) -> Arc<Settings> {
        self.settings.get()
    }

    /// Puts `settings` in force from the next operation on: the
    /// settings read per operation, the token lifetimes and the
    /// throttle's limits. The caller keeps every setting read only at
    /// start-up as it was (see `config::Reload`).
    pub fn apply_settings(&self, settings: Arc<Settings>) {
        self.tokens.set_lifetimes(
            settings.access_token_lifetime,
            settings.refresh_token_lifetime,
        );
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

    /// Whether `username` from `client` may try to log in now; `Err` with
    /// the seconds to wait if not. Cheap: callers check before queueing a
    /// login for a hashing thread.
    pub fn check_throttle(
        &self,
        username: &str,
        client: IpAddr,
        now: u64,
    ) -> Result<(), AuthError> {
        self.throttle
            .check(username, client, now)
            .map_err(AuthError::Throttled)
    }

    /// `TokenObtainPairSerializer`: Django's `ModelBackend.authenticate`,
    /// then `RefreshToken.for_user` and its access token. `client` is the
    /// address failed attempts are counted against. This hashes the
    /// password on the calling thread (over 100 ms at Django's iterations):
    /// the server calls it on its login pool, never on an HTTP worker.
    pub fn login(
        &self,
        username: &str,
        password: &str,
        client: IpAddr,
        now: u64,
    ) -> Result<TokenPair, AuthError> {
        // Refused before any hashing: a throttled client costs nothing.
        self.throttle
            .check(username, client, now)
            .map_err(AuthError::Throttled)?;
        let result = self.authenticate_password(username, password, now);
        match &result {
            Err(AuthError::Credentials) => self.throttle.record_failure(username, client, now),
            Ok(_) => self.throttle.record_success(username, client),
            Err(_) => {}
        }
        result
    }

    fn authenticate_password(
        &self,
        username: &str,
        password: &str,
        now: u64,
    ) -> Result<TokenPair, AuthError> {
        let found = self.store.user_by_name(username)?;
        let iterations = self.settings.get().password_iterations;
        let stored = found.as_ref().map(|u| u.password.clone());
        // Every failure costs as much as a check of the slowest hash stored,
        // so failures cannot be told apart by time (Django ticket #20760),
        // not even for a user whose hash predates a change of
        // PASSWORD_ITERATIONS (hashes are upgraded only on success).
        let failure_cost = self.failure_cost.load(Ordering::Relaxed);
        let verdict = match stored {
            None => {
                password::hash_for_timing(password, failure_cost);
                None
            }
            Some(stored) => {
                let own = password::iterations_of(&stored).unwrap_or(0);
                self.failure_cost.fetch_max(own, Ordering::Relaxed);
                let check = password::check_password_hardened(
                    password,
                    &stored,
                    iterations,
                    failure_cost.max(own),
                );
                let rehash = (check.matched && check.must_update)
                    .then(|| password::make_password(password, iterations).ok())
                    .flatten()
                    .map(|upgraded| Rehash {
                        verified: stored,
                        upgraded,
                    });
                Some((check.matched, rehash))
            }
        };
        let (Some(mut user), Some((true, rehash))) = (found, verdict) else {
            return Err(AuthError::Credentials);
        };
        let must_wait = rehash.is_some();
        // Django's ModelBackend refuses inactive users whatever
        // CHECK_USER_IS_ACTIVE says.
        if !user.is_active {
            return Err(AuthError::Credentials);
        }
        // `iat` has whole seconds: a token minted in the second of a
        // revocation would be refused, so the caller waits for the next one.
        if now < user.tokens_valid_after {
            return Err(AuthError::RevokedUntil(user.tokens_valid_after));
        }
        if let Some(rehash) = &rehash {
            user.password.clone_from(&rehash.upgraded);
        }
        let refresh = self.tokens.refresh_for(&user, now)?;
        let access = self.tokens.access_for(&refresh, now)?;
        let mut writes = vec![Change::Issue {
            token: self.record(&refresh, user.id),
        }];
        let last_login = self.settings.get().update_last_login.then(|| {
            i64::try_from(now)
                .unwrap_or(i64::MAX)
                .saturating_mul(1_000_000)
        });
        if last_login.is_some() || rehash.is_some() {
            writes.push(Change::RecordLogin {
                user_id: user.id,
                last_login,
                rehash,
            });
        }
        // The tokens are valid without their row (a rotation writes it if a
        // crash lost it, under the same family), and a lost last_login only
        // means the old value stays: the login does not wait for that
        // commit. An upgraded hash it does wait for, so that the very next
        // request sees the hash its tokens' revoke claim was made from.
        if must_wait {
            self.writer.submit(writes)?;
        } else {
            self.writer.send(writes)?;
        }
        Ok(TokenPair {
            refresh: self.tokens.encode(&refresh),
            access: self.tokens.encode(&access),
        })
    }

    /// `TokenRefreshSerializer`, as SimpleJWT's master branch fixes it: a
    /// deleted, inactive or unidentifiable user is a 401, not a crash, and a
    /// changed password (`CHECK_REVOKE_TOKEN`) revokes the token. `client`
    /// is the address a reuse is logged with.
    pub fn refresh(&self, token: &str, client: IpAddr, now: u64) -> Result<Refreshed, AuthError> {
        let claims = self.tokens.decode(token, now)?;
        // SimpleJWT checks the blacklist before the other token checks.
        let jti = self.tokens.jti(&claims).ok_or(TokenError::NoId)?.to_owned();
        let claimed = self.tokens.user_claim(&claims);
        let claimed_id = match claimed {
            UserClaim::Id(id) => Some(id),
            _ => None,
        };
        // The blacklist row and the user, in one read transaction.
        let (blacklisted, user) = self.store.token_state(Some(&jti), claimed_id)?;
        let presenter = Presenter {
            claimed: claimed_id,
            user: user.as_ref(),
            client,
        };
        if let Some(why) = blacklisted {
            // Only a token spent by a rotation coming back is reuse; one
            // logged out or already revoked is simply refused.
            let spent = matches!(why, Blacklisted::Rotated | Blacklisted::Unknown);
            if spent
                && self
                    .tokens
                    .verify(&claims, Some(TokenType::Refresh))
                    .is_ok()
            {
                if let Some(reuse) = self.report_reuse(&jti, &presenter, now) {
                    return Err(reuse);
                }
            }
            return Err(TokenError::Blacklisted.into());
        }
        self.tokens.verify(&claims, Some(TokenType::Refresh))?;
        let user_id = match claimed {
            UserClaim::Absent => 0,
            UserClaim::NotAnId => return Err(AuthError::NoActiveAccount(NoAccount::NotAnId)),
            UserClaim::Id(id) => {
                let user = user
                    .as_ref()
                    .ok_or(AuthError::NoActiveAccount(NoAccount::Gone))?;
                if self.settings.get().check_user_is_active && !user.is_active {
                    return Err(AuthError::NoActiveAccount(NoAccount::Inactive));
                }
                if !self.tokens.password_unchanged(&claims, user) {
                    let token = self.record(&claims, id);
                    self.writer.submit(vec![Change::Blacklist { token, now }])?;
                    return Err(AuthError::PasswordChanged);
                }
                // Tokens jwtd issued were blacklisted by the revocation;
                // this refuses those minted elsewhere with the same key.
                if Tokens::revoked_for(&claims, user) {
                    return Err(TokenError::Revoked.into());
                }
                id
            }
        };
        let access = self.tokens.access_for(&claims, now)?;
        let access = self.tokens.encode(&access);
        if !self.settings.get().rotate_refresh_tokens {
            return Ok(Refreshed {
                access,
                refresh: None,
            });
        }
        let mut rotated = claims.clone();
        self.tokens.rotate(&mut rotated, now)?;
        let write = Change::Rotate {
            old: self.record(&claims, user_id),
            new: self.record(&rotated, user_id),
            blacklist_old: self.settings.get().blacklist_after_rotation,
            revoke_family_on_reuse: self.reuse_detection(),
            grace: self.settings.get().reuse_grace_period,
            now,
        };
        match self.writer.submit(vec![write])?.first() {
            Some(ChangeOutcome::Done) => Ok(Refreshed {
                access,
                refresh: Some(self.tokens.encode(&rotated)),
            }),
            Some(ChangeOutcome::AlreadyBlacklisted { family, revoked }) => {
                // Lost a race with another rotation of the same token.
                self.log_reuse(&jti, family, *revoked, &presenter);
                Err(AuthError::Reused)
            }
            Some(ChangeOutcome::SpentWithinGrace { family, after }) => {
                // Lost a race with a rotation of the same token moments ago:
                // another tab of the same user, most likely.
                self.log_repeat_within_grace(&jti, family, *after, &presenter);
                Err(AuthError::ReusedWithinGrace)
            }
            _ => Err(AuthError::Unavailable(UNEXPECTED_OUTCOME.into())),
        }
    }

    /// `TokenVerifySerializer`: any token type; a blacklisted one is a 400
    /// when `BLACKLIST_AFTER_ROTATION` is on.
    pub fn verify(&self, token: &str, now: u64) -> Result<(), AuthError> {
        let claims = self.tokens.decode(token, now)?;
        self.tokens.verify(&claims, None)?;
        let jti = self
            .tokens
            .jti(&claims)
            .filter(|_| self.settings.get().blacklist_after_rotation);
        let user_id = match self.tokens.user_claim(&claims) {
            UserClaim::Id(id) => Some(id),
            _ => None,
        };
        let (blacklisted, user) = self.store.token_state(jti, user_id)?;
        if blacklisted.is_some() {
            return Err(AuthError::BlacklistedOnVerify);
        }
        // As SimpleJWT, verify does not require the user to exist; when it
        // does, a token from before a revocation is refused.
        if user.is_some_and(|user| Tokens::revoked_for(&claims, &user)) {
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
    /// requests for the same token succeeds.
    pub fn blacklist(&self, token: &str, now: u64) -> Result<(), AuthError> {
        let claims = self.tokens.decode(token, now)?;
        let jti = self.tokens.jti(&claims).ok_or(TokenError::NoId)?;
        if self.store.is_blacklisted(jti)? {
            return Err(TokenError::Blacklisted.into());
        }
        self.tokens.verify(&claims, Some(TokenType::Refresh))?;
        let user_id = match self.tokens.user_claim(&claims) {
            UserClaim::Id(id) => id,
            _ => 0,
        };
        let token = self.record(&claims, user_id);
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
        let known = self
            .settings
            .get()
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
            .decode(token, now)
            .and_then(|claims| {
                self.tokens
                    .verify(&claims, Some(TokenType::Access))
                    .map(|()| claims)
            })
            .map_err(AuthError::NotValidForAnyType)?;
        let id = match self.tokens.user_claim(&claims) {
            UserClaim::Id(id) => id,
            UserClaim::Absent | UserClaim::NotAnId => return Err(AuthError::NoUserId),
        };
        let user = self.store.user(id)?.ok_or(AuthError::UserNotFound)?;
        if self.settings.get().check_user_is_active && !user.is_active {
            return Err(AuthError::UserInactive);
        }
        if !self.tokens.password_unchanged(&claims, &user) {
            return Err(AuthError::PasswordChanged);
        }
        if Tokens::revoked_for(&claims, &user) {
            return Err(AuthError::NotValidForAnyType(TokenError::Revoked));
        }
        Ok(Some(user))
    }

    fn reuse_detection(&self) -> bool {
        // One set of settings for the three, even across a reload.
        let settings = self.settings.get();
        settings.revoke_family_on_reuse
            && settings.rotate_refresh_tokens
            && settings.blacklist_after_rotation
    }

    /// A spent refresh token came back: with reuse detection on, revoke its
    /// family (RFC 9700 section 4.14.2). The error to answer with when it
    /// counts as reuse; the caller answers 401 either way.
    fn report_reuse(&self, jti: &str, presenter: &Presenter<'_>, now: u64) -> Option<AuthError> {
        if !self.reuse_detection() {
            return None;
        }
        let reuse = Change::Reuse {
            jti: jti.to_owned(),
            grace: self.settings.get().reuse_grace_period,
            now,
        };
        match self.writer.submit(vec![reuse]) {
            Ok(outcomes) => match outcomes.first() {
                Some(ChangeOutcome::AlreadyBlacklisted { family, revoked }) => {
                    self.log_reuse(jti, family, *revoked, presenter);
                    Some(AuthError::Reused)
                }
                Some(ChangeOutcome::SpentWithinGrace { family, after }) => {
                    self.log_repeat_within_grace(jti, family, *after, presenter);
                    Some(AuthError::ReusedWithinGrace)
                }
                _ => None,
            },
            Err(e) => {
                log::error(&format!(
                    "reuse of refresh token {jti} by {presenter}: revoking its family failed: {e}"
                ));
                None
            }
        }
    }

    /// A spent token back within `REUSE_GRACE_PERIOD`: refused and counted
    /// like any reuse, but its family, the winner's new pair included, stays
    /// valid.
    fn log_repeat_within_grace(&self, jti: &str, family: &str, after: u64, by: &Presenter<'_>) {
        self.reuse_events.fetch_add(1, Ordering::Relaxed);
        log::info(&format!(
            "refresh token reuse within REUSE_GRACE_PERIOD: jti {jti} of family {family} \
             presented again {after} s after its rotation by {by}; refused, the family kept"
        ));
    }

    fn log_reuse(&self, jti: &str, family: &str, revoked: u64, by: &Presenter<'_>) {
        self.reuse_events.fetch_add(1, Ordering::Relaxed);
        if self.reuse_detection() {
            log::warn(&format!(
                "refresh token reuse: jti {jti} of family {family} presented again by {by}; \
                 {revoked} live token(s) of the family revoked"
            ));
        }
    }

    fn record(&self, claims: &Claims, user_id: u64) -> TokenRecord {
        TokenRecord {
            jti: self.tokens.jti(claims).unwrap_or_default().to_owned(),
            user_id,
            exp: Tokens::exp(claims),
        }
    }
}

/// Who presented a refresh token, for the log: the user it names (with
/// their username when the store has them) and the client's address.
struct Presenter<'a> {
    claimed: Option<u64>,
    user: Option<&'a User>,
    client: IpAddr,
}

impl fmt::Display for Presenter<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.claimed, self.user) {
            (Some(id), Some(user)) => write!(f, "user {:?} (id {id})", user.username)?,
            (Some(id), None) => write!(f, "user id {id} (no such user)")?,
            (None, _) => f.write_str("a token naming no user")?,
        }
        write!(f, " from {}", self.client)
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

/// The iterations of the slowest `pbkdf2_sha256` hash the store holds (0
/// for none). Read once at start; a store that cannot be read counts as
/// none, and logins raise the figure as they meet slower hashes.
fn slowest_stored_hash(store: &Store) -> u32 {
    match store.users() {
        Ok(users) => users
            .iter()
            .filter_map(|user| password::iterations_of(&user.password))
            .max()
            .unwrap_or(0),
        Err(e) => {
            log::warn(&format!("reading the stored password hashes: {e}"));
            0
        }
    }
}

/// Python's `bytes.split()` separators.
fn is_python_whitespace(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\r' | b'\x0b' | b'\x0c')
}

#[cfg(test)]
mod tests;
