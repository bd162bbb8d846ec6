//! [`AuthError`]: every way a request can fail in the policy, and what the
//! layers below it report, folded into it.

use std::fmt;

use crate::jwt::SignError;
use crate::primitives::RandomError;
use crate::store::StoreError;
use crate::token::TokenError;
use crate::work_pool::Busy;

/// Every way a request can fail in this layer. The HTTP layer turns each
/// into SimpleJWT's status and body; the log gets [`fmt::Display`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuthError {
    /// Login failed: unknown user, wrong password, inactive or unusable.
    Credentials,
    /// Too many logins are waiting for a password hash.
    Busy,
    /// Too many failed logins from this client: wait this many seconds.
    Throttled(u64),
    /// The token was refused (refresh, verify, blacklist).
    Token(TokenError),
    /// Verify: the token is blacklisted (SimpleJWT answers 400 here).
    BlacklistedOnVerify,
    /// Refresh: a refresh token spent by a rotation came back (reuse);
    /// answered as [`TokenError::Blacklisted`].
    Reused,
    /// Refresh: as [`AuthError::Reused`], within `REUSE_GRACE_PERIOD`
    /// (its family is kept); answered as [`TokenError::Blacklisted`].
    ReusedWithinGrace,
    /// Refresh: the user is gone, inactive, or not an id.
    NoActiveAccount(NoAccount),
    /// `CHECK_REVOKE_TOKEN`: the password changed since the token was issued.
    PasswordChanged,
    /// Bearer: the header has the scheme but not exactly one token.
    BadHeader,
    /// Bearer: the token failed as every class of `AUTH_TOKEN_CLASSES`,
    /// with this error for each.
    NotValidForAnyType(TokenError),
    /// Bearer: the token failed as both classes of `AUTH_TOKEN_CLASSES`,
    /// with these errors, in the settings' order.
    NotValidForEither(TokenError, TokenError),
    /// Bearer: no usable `USER_ID_CLAIM`.
    NoUserId,
    /// Bearer: no user with that id.
    UserNotFound,
    /// Bearer: the user is inactive.
    UserInactive,
    /// Login: the user's tokens were revoked less than a second ago, so a
    /// token minted now would carry an `iat` still refused. Retry the login
    /// at this time (Unix seconds).
    RevokedUntil(u64),
    /// Obtain or refresh on a server with a verifying key only.
    NotSigning,
    /// The store or the random source failed; the text is for the log.
    Unavailable(String),
    /// Asked to answer from memory only ([`crate::store::from_memory_only`]),
    /// and the answer needs the database: the request is run again where
    /// it may wait. Never a client's answer.
    NotInMemory,
}

impl fmt::Display for AuthError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AuthError::Credentials => f.write_str("bad credentials"),
            AuthError::Busy => f.write_str("login queue full"),
            AuthError::Throttled(wait) => write!(f, "throttled for {wait} s"),
            AuthError::Token(e) | AuthError::NotValidForAnyType(e) => write!(f, "{e}"),
            AuthError::NotValidForEither(first, second) => write!(f, "{first}; {second}"),
            AuthError::BlacklistedOnVerify => f.write_str("token is blacklisted"),
            AuthError::Reused => f.write_str("refresh token reuse"),
            AuthError::ReusedWithinGrace => {
                f.write_str("refresh token reuse within REUSE_GRACE_PERIOD")
            }
            AuthError::NoActiveAccount(why) => {
                write!(f, "no active account for the token: {why}")
            }
            AuthError::PasswordChanged => {
                f.write_str("password changed since the token was issued")
            }
            AuthError::BadHeader => f.write_str("malformed authorization header"),
            AuthError::NoUserId => f.write_str("token names no user"),
            AuthError::UserNotFound => f.write_str("user not found"),
            AuthError::UserInactive => f.write_str("user inactive"),
            AuthError::RevokedUntil(t) => write!(f, "tokens revoked until {t}"),
            AuthError::NotSigning => f.write_str("this server has no signing key"),
            AuthError::Unavailable(why) => write!(f, "unavailable: {why}"),
            AuthError::NotInMemory => f.write_str("not in this replica's memory"),
        }
    }
}

impl std::error::Error for AuthError {}

/// Why a refresh token names no active account.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NoAccount {
    /// Its user claim is not an id.
    NotAnId,
    /// No user has that id.
    Gone,
    /// The user is inactive (`CHECK_USER_IS_ACTIVE`).
    Inactive,
}

impl fmt::Display for NoAccount {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            NoAccount::NotAnId => "the user claim is not an id",
            NoAccount::Gone => "no such user",
            NoAccount::Inactive => "the user is inactive",
        })
    }
}

impl From<StoreError> for AuthError {
    fn from(e: StoreError) -> AuthError {
        match e {
            StoreError::NotInMemory => AuthError::NotInMemory,
            e => AuthError::Unavailable(e.to_string()),
        }
    }
}

impl From<TokenError> for AuthError {
    fn from(e: TokenError) -> AuthError {
        AuthError::Token(e)
    }
}

impl From<SignError> for AuthError {
    fn from(e: SignError) -> AuthError {
        match e {
            SignError::VerifyOnly => AuthError::NotSigning,
            SignError::Failed => AuthError::Unavailable(e.to_string()),
        }
    }
}

impl From<RandomError> for AuthError {
    fn from(e: RandomError) -> AuthError {
        AuthError::Unavailable(e.to_string())
    }
}

impl From<Busy> for AuthError {
    fn from(_: Busy) -> AuthError {
        AuthError::Busy
    }
}
