//! Logins, as SimpleJWT's `TokenObtainPairSerializer` decides them: the
//! throttle first, then the password, with one identical failure for an
//! unknown user, a wrong password, an inactive user and an unusable
//! password, each costing what a check of the slowest stored hash costs
//! ([`slowest_stored_hash`] at start, raised as logins meet slower ones).

use std::net::IpAddr;
use std::sync::atomic::Ordering;

use super::{Auth, AuthError, TokenPair, UNEXPECTED_OUTCOME};
use crate::log;
use crate::password;
use crate::store::{Change, Rehash, Store};
use crate::token::{self, TokenType};

impl Auth {
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
        match self.sign_in(username, password, client, now, TokenType::Refresh)? {
            Issued::Pair(pair) => Ok(pair),
            Issued::Sliding(_) => Err(AuthError::Unavailable(UNEXPECTED_OUTCOME.into())),
        }
    }

    /// `TokenObtainSlidingSerializer`: [`Auth::login`]'s checks, then
    /// `SlidingToken.for_user`, recorded as an outstanding token as
    /// SimpleJWT's blacklist app records it.
    pub fn login_sliding(
        &self,
        username: &str,
        password: &str,
        client: IpAddr,
        now: u64,
    ) -> Result<String, AuthError> {
        match self.sign_in(username, password, client, now, TokenType::Sliding)? {
            Issued::Sliding(token) => Ok(token),
            Issued::Pair(_) => Err(AuthError::Unavailable(UNEXPECTED_OUTCOME.into())),
        }
    }

    /// A login issuing `kind`: a refresh token (and its access token) or a
    /// sliding token.
    fn sign_in(
        &self,
        username: &str,
        password: &str,
        client: IpAddr,
        now: u64,
        kind: TokenType,
    ) -> Result<Issued, AuthError> {
        // Refused before any hashing: a throttled client costs nothing.
        self.throttle
            .check(username, client, now)
            .map_err(AuthError::Throttled)?;
        let result = self.authenticate_password(username, password, now, kind);
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
        kind: TokenType,
    ) -> Result<Issued, AuthError> {
        let found = self.store.user_by(self.login_field(), username)?;
        let settings = self.settings.get();
        let policy = password::Policy {
            hashers: &settings.password_hashers,
            iterations: settings.password_iterations,
        };
        let stored = found.as_ref().map(|u| u.password.clone());
        // Every failure costs as much as a check of the slowest hash stored,
        // so failures cannot be told apart by time (Django ticket #20760),
        // not even for a user whose hash predates a change of
        // PASSWORD_ITERATIONS (hashes are upgraded only on success).
        let failure_cost = self.failure_cost.load(Ordering::Relaxed);
        let verdict = match stored {
            None => {
                password::hash_for_timing(password, &policy, failure_cost);
                None
            }
            Some(stored) => {
                let own = password::iterations_of(&stored).unwrap_or(0);
                self.failure_cost.fetch_max(own, Ordering::Relaxed);
                let check = password::check(password, &stored, &policy, failure_cost.max(own));
                if let Some(why) = check.refused {
                    log::warn(&format!(
                        "login of {username:?} refused unhashed: its stored password hash costs too much ({why})"
                    ));
                }
                // Django's check_password(setter): the preferred hasher
                // re-hashes a match of another algorithm or outdated
                // parameters.
                let rehash = (check.matched && check.must_update)
                    .then(|| password::make(password, &policy).ok())
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
        let mut refresh = match kind {
            TokenType::Sliding => self.tokens.sliding_for(&user, now)?,
            _ => self.tokens.refresh_for(&user, now)?,
        };
        // TOKEN_CLAIMS: after SimpleJWT's own, as `get_token` adds them;
        // the access token copies them.
        token::set_user_claims(&mut refresh, &user, &self.settings.get().token_claims);
        let refresh_text = self.tokens.encode(&refresh)?;
        let issued = match kind {
            TokenType::Sliding => Issued::Sliding(refresh_text.clone()),
            _ => Issued::Pair(TokenPair {
                access: self
                    .tokens
                    .encode(&self.tokens.access_for(&refresh, now)?)?,
                refresh: refresh_text.clone(),
            }),
        };
        let mut writes = vec![Change::Issue {
            token: self.record(&self.tokens.claims_of(&refresh), user.id, &refresh_text),
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
        Ok(issued)
    }
}

/// What a login issued.
enum Issued {
    /// `TokenObtainPairSerializer`'s pair.
    Pair(TokenPair),
    /// `TokenObtainSlidingSerializer`'s token.
    Sliding(String),
}

/// The iterations of the slowest `pbkdf2_sha256` hash the store holds (0
/// for none). Read once at start; a store that cannot be read counts as
/// none, and logins raise the figure as they meet slower hashes.
pub(super) fn slowest_stored_hash(store: &Store) -> u32 {
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
