//! [`TokenError`]: SimpleJWT's `TokenError` with its English messages, and
//! the log's wording of each.

use std::fmt;

use crate::jwt::DecodeError;

/// SimpleJWT's `TokenError`, with its messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenError {
    /// PyJWT refused it: "Token is invalid" (or "Token is expired").
    Decode(DecodeError),
    /// No `exp`: "Token has no 'exp' claim".
    NoExp,
    /// No jti: "Token has no id".
    NoId,
    /// No type claim: "Token has no type".
    NoType,
    /// Another type: "Token has wrong type".
    WrongType,
    /// A refresh token already spent or revoked: "Token is blacklisted".
    Blacklisted,
    /// Issued before its user's tokens were revoked: "Token is revoked"
    /// (jwtd's own; SimpleJWT has no revocation by user).
    Revoked,
    /// A sliding token without its refresh limit: "Token has no
    /// 'refresh_exp' claim" (the claim as configured).
    NoRefreshExp,
    /// A sliding token past its refresh limit: "Token 'refresh_exp' claim
    /// has expired" (the claim as configured).
    RefreshExpired,
}

impl TokenError {
    /// The client-facing message, SimpleJWT's English msgid.
    pub fn message(self) -> &'static str {
        match self {
            TokenError::Decode(e) if e.is_expired() => "Token is expired",
            TokenError::Decode(_) => "Token is invalid",
            TokenError::NoExp => "Token has no 'exp' claim",
            TokenError::NoId => "Token has no id",
            TokenError::NoType => "Token has no type",
            TokenError::WrongType => "Token has wrong type",
            TokenError::Blacklisted => "Token is blacklisted",
            TokenError::Revoked => "Token is revoked",
            TokenError::NoRefreshExp => "Token has no 'refresh_exp' claim",
            TokenError::RefreshExpired => "Token 'refresh_exp' claim has expired",
        }
    }

    /// [`TokenError::message`], naming `refresh_exp_claim`
    /// (`SLIDING_TOKEN_REFRESH_EXP_CLAIM`) where SimpleJWT's `check_exp`
    /// names the claim.
    pub fn message_naming(self, refresh_exp_claim: &str) -> std::borrow::Cow<'static, str> {
        match self {
            TokenError::NoRefreshExp => format!("Token has no '{refresh_exp_claim}' claim").into(),
            TokenError::RefreshExpired => {
                format!("Token '{refresh_exp_claim}' claim has expired").into()
            }
            other => other.message().into(),
        }
    }
}

impl fmt::Display for TokenError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TokenError::Decode(e) => write!(f, "token is invalid: {e}"),
            other => f.write_str(&other.message().to_ascii_lowercase()),
        }
    }
}

impl std::error::Error for TokenError {}
