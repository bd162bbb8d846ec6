//! Why a token is refused: one variant per check of [`decode`](super::decode),
//! each told to a client as SimpleJWT tells it and to the log as it is.

use std::fmt;

/// Why [`decode`](super::decode) refused a token. Every variant is "Token is invalid" to a
/// client except [`DecodeError::Expired`], "Token is expired"; the variant
/// itself is for the log.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DecodeError {
    /// Check 1: longer than [`MAX_TOKEN_LEN`].
    TooLong,
    /// Check 1: not text at all (a header value that is not UTF-8).
    NotText,
    /// Check 2: not three dot-separated segments.
    NotThreeSegments,
    /// Check 3: the header is not canonical base64url of a JSON object.
    MalformedHeader,
    /// Check 3: `alg` is not the configured algorithm.
    WrongAlgorithm,
    /// Check 3: the header uses `crit`, `b64` or a non-string `kid`.
    UnsupportedHeader,
    /// Check 3: `kid` names no key of the keyring (unknown, or retired).
    UnknownKey,
    /// Check 4: the signature segment is not canonical base64url of a tag of the right length.
    MalformedSignature,
    /// Check 4: the signature does not match.
    BadSignature,
    /// Check 5: the payload is not canonical base64url of a JSON object.
    MalformedPayload,
    /// Check 6: `iat`, `nbf` or `exp` is not a JSON number, or is outside
    /// the years 1 to 9999 (Python's `datetime`).
    MalformedTime,
    /// Check 6: `iat` or `nbf` is in the future.
    NotYetValid,
    /// Check 6: `exp` has passed (`exp <= now - leeway`).
    Expired,
    /// Check 7: `iss` is missing or wrong.
    WrongIssuer,
    /// Check 8: `aud` is missing, malformed or names no accepted audience.
    WrongAudience,
    /// Check 9: `sub` or `jti` is present but not a string.
    MalformedClaim,
}

impl DecodeError {
    /// Whether this is the one failure SimpleJWT reports as "Token is expired".
    pub fn is_expired(self) -> bool {
        self == DecodeError::Expired
    }
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            DecodeError::TooLong => "token too long",
            DecodeError::NotText => "token is not text",
            DecodeError::NotThreeSegments => "not three segments",
            DecodeError::MalformedHeader => "malformed header",
            DecodeError::WrongAlgorithm => "algorithm not allowed",
            DecodeError::UnsupportedHeader => "unsupported header parameter",
            DecodeError::UnknownKey => "kid names no key in use",
            DecodeError::MalformedSignature => "malformed signature",
            DecodeError::BadSignature => "signature mismatch",
            DecodeError::MalformedPayload => "malformed payload",
            DecodeError::MalformedTime => "time claim is not a number within years 1 to 9999",
            DecodeError::NotYetValid => "iat or nbf in the future",
            DecodeError::Expired => "expired",
            DecodeError::WrongIssuer => "issuer mismatch",
            DecodeError::WrongAudience => "audience mismatch",
            DecodeError::MalformedClaim => "sub or jti is not a string",
        })
    }
}

impl std::error::Error for DecodeError {}
