//! [`Refusal`]: every way jwtd refuses a request, each with the `reason`
//! label `/metrics` counts it under (`jwtd_refusals_total`). The client
//! gets a fixed public body; the label and the log say why.
//!
//! A failed login is one reason, `bad_credentials`, whether the user is
//! unknown, the password wrong or the account inactive: the login answers
//! the same and takes as long in every case, and a scrape of `/metrics`
//! between two attempts must not tell them apart either.
//!
//! `unknown_key` covers retired keys too: a retired key is no longer in
//! the keyring, so a token signed with it names a key the server does not
//! know.

/// Why a request was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    // The transport, before any request reaches the application.
    /// 503: every connection slot was taken.
    TooManyConnections,
    /// 503: the client's address held its allowance of connections.
    AddressConnections,
    /// 400: a request that cannot be framed.
    MalformedRequest,
    /// 414.
    RequestLineTooLong,
    /// 431: too large a head, or too many header fields.
    HeadersTooLarge,
    /// 413.
    BodyTooLarge,
    /// 417: an `Expect` other than `100-continue`.
    ExpectationFailed,
    /// 501: a transfer coding other than `chunked`.
    UnsupportedTransferCoding,
    /// 505.
    VersionNotSupported,
    /// 500: the handler panicked.
    ServerError,
    // Before a view.
    /// 400: `Host` not in `ALLOWED_HOSTS`.
    InvalidHost,
    /// 404: no such path, page or object.
    NotFound,
    /// 405.
    MethodNotAllowed,
    /// 401: no credentials on a view that needs a user.
    NotAuthenticated,
    /// 403: authenticated, but not an active superuser.
    Forbidden,
    // The body.
    /// 415.
    UnsupportedMediaType,
    /// 400: the body does not parse.
    ParseError,
    /// 400: no data where fields are wanted.
    NoData,
    /// 400: data that is not a dictionary.
    NotAnObject,
    /// 400: fields missing or invalid (a serializer's `ValidationError`).
    InvalidFields,
    // Logins.
    /// 401: unknown user, wrong password, inactive or unusable account.
    BadCredentials,
    /// 429: too many failed logins from the address, or for the user.
    Throttled,
    /// 429: too many logins waiting for a password hash.
    LoginQueueFull,
    // Tokens and the bearer header.
    /// A malformed token.
    Invalid,
    /// The signature does not match.
    BadSignature,
    /// `alg` is not the configured algorithm.
    WrongAlgorithm,
    /// `kid` names no key in use: unknown, or retired.
    UnknownKey,
    /// `iat` or `nbf` in the future.
    NotYetValid,
    /// `exp` has passed.
    Expired,
    /// `iss` missing or wrong.
    WrongIssuer,
    /// `aud` missing or wrong.
    WrongAudience,
    /// No `exp` claim.
    NoExp,
    /// No `jti` claim.
    NoId,
    /// No type claim.
    NoType,
    /// Another token type.
    WrongType,
    /// Blacklisted: logged out, revoked, or spent outside reuse detection.
    Blacklisted,
    /// Issued before its user's tokens were revoked (`tokens_valid_after`).
    Revoked,
    /// A refresh token spent by a rotation came back: reuse.
    Reuse,
    /// As [`Refusal::Reuse`], within `REUSE_GRACE_PERIOD`: the family kept.
    ReuseWithinGrace,
    /// `CHECK_REVOKE_TOKEN`: the password changed since the token was issued.
    PasswordChanged,
    /// The authorization header has the scheme but not exactly one token.
    BadHeader,
    /// No usable user id in the token.
    NoUserId,
    /// The token's user does not exist.
    UserNotFound,
    /// The token's user is inactive.
    UserInactive,
    // The state.
    /// 503: the store could not read or write.
    Unavailable,
    /// 501: obtain or refresh on a server with a verifying key only.
    NotSigning,
}

impl Refusal {
    /// Every reason, in the order `/metrics` lists them.
    pub const ALL: [Refusal; 46] = [
        Refusal::TooManyConnections,
        Refusal::AddressConnections,
        Refusal::MalformedRequest,
        Refusal::RequestLineTooLong,
        Refusal::HeadersTooLarge,
        Refusal::BodyTooLarge,
        Refusal::ExpectationFailed,
        Refusal::UnsupportedTransferCoding,
        Refusal::VersionNotSupported,
        Refusal::ServerError,
        Refusal::InvalidHost,
        Refusal::NotFound,
        Refusal::MethodNotAllowed,
        Refusal::NotAuthenticated,
        Refusal::Forbidden,
        Refusal::UnsupportedMediaType,
        Refusal::ParseError,
        Refusal::NoData,
        Refusal::NotAnObject,
        Refusal::InvalidFields,
        Refusal::BadCredentials,
        Refusal::Throttled,
        Refusal::LoginQueueFull,
        Refusal::Invalid,
        Refusal::BadSignature,
        Refusal::WrongAlgorithm,
        Refusal::UnknownKey,
        Refusal::NotYetValid,
        Refusal::Expired,
        Refusal::WrongIssuer,
        Refusal::WrongAudience,
        Refusal::NoExp,
        Refusal::NoId,
        Refusal::NoType,
        Refusal::WrongType,
        Refusal::Blacklisted,
        Refusal::Revoked,
        Refusal::Reuse,
        Refusal::ReuseWithinGrace,
        Refusal::PasswordChanged,
        Refusal::BadHeader,
        Refusal::NoUserId,
        Refusal::UserNotFound,
        Refusal::UserInactive,
        Refusal::Unavailable,
        Refusal::NotSigning,
    ];

    /// How many reasons there are.
    pub const COUNT: usize = Refusal::ALL.len();

    /// Its place in [`Refusal::ALL`], and in the counters.
    pub fn index(self) -> usize {
        self as usize
    }

    /// The `reason` label.
    pub fn label(self) -> &'static str {
        match self {
            Refusal::TooManyConnections => "too_many_connections",
            Refusal::AddressConnections => "address_connections",
            Refusal::MalformedRequest => "malformed_request",
            Refusal::RequestLineTooLong => "request_line_too_long",
            Refusal::HeadersTooLarge => "headers_too_large",
            Refusal::BodyTooLarge => "body_too_large",
            Refusal::ExpectationFailed => "expectation_failed",
            Refusal::UnsupportedTransferCoding => "unsupported_transfer_coding",
            Refusal::VersionNotSupported => "version_not_supported",
            Refusal::ServerError => "server_error",
            Refusal::InvalidHost => "invalid_host",
            Refusal::NotFound => "not_found",
            Refusal::MethodNotAllowed => "method_not_allowed",
            Refusal::NotAuthenticated => "not_authenticated",
            Refusal::Forbidden => "forbidden",
            Refusal::UnsupportedMediaType => "unsupported_media_type",
            Refusal::ParseError => "parse_error",
            Refusal::NoData => "no_data",
            Refusal::NotAnObject => "not_an_object",
            Refusal::InvalidFields => "invalid_fields",
            Refusal::BadCredentials => "bad_credentials",
            Refusal::Throttled => "throttled",
            Refusal::LoginQueueFull => "login_queue_full",
            Refusal::Invalid => "invalid",
            Refusal::BadSignature => "bad_signature",
            Refusal::WrongAlgorithm => "wrong_algorithm",
            Refusal::UnknownKey => "unknown_key",
            Refusal::NotYetValid => "not_yet_valid",
            Refusal::Expired => "expired",
            Refusal::WrongIssuer => "wrong_issuer",
            Refusal::WrongAudience => "wrong_audience",
            Refusal::NoExp => "no_exp",
            Refusal::NoId => "no_id",
            Refusal::NoType => "no_type",
            Refusal::WrongType => "wrong_type",
            Refusal::Blacklisted => "blacklisted",
            Refusal::Revoked => "revoked",
            Refusal::Reuse => "reuse",
            Refusal::ReuseWithinGrace => "reuse_within_grace",
            Refusal::PasswordChanged => "password_changed",
            Refusal::BadHeader => "bad_header",
            Refusal::NoUserId => "no_user_id",
            Refusal::UserNotFound => "user_not_found",
            Refusal::UserInactive => "user_inactive",
            Refusal::Unavailable => "unavailable",
            Refusal::NotSigning => "not_signing",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_reason_has_its_place_and_a_label_of_its_own() {
        for (i, reason) in Refusal::ALL.iter().enumerate() {
            assert_eq!(reason.index(), i, "{reason:?}");
            let label = reason.label();
            assert!(
                label.bytes().all(|b| b.is_ascii_lowercase() || b == b'_'),
                "{label}"
            );
            let same = Refusal::ALL.iter().filter(|r| r.label() == label).count();
            assert_eq!(same, 1, "{label}");
        }
    }
}
