//! Error mapping: what a refused token, header or login ([`AuthError`]) and
//! a body that did not parse or validate ([`BodyError`]) answer, with
//! SimpleJWT's and DRF's bodies, keys in the order they write them. Each
//! is also counted in `/metrics` under its [`Refusal`].

use std::borrow::Cow;

use super::body::BodyError;
use super::json::{self, Json};
use super::messages;
use super::respond;
use crate::app::App;
use crate::auth::{AuthError, NoAccount};
use crate::http::Response;
use crate::jwt::DecodeError;
use crate::log;
use crate::refusal::Refusal;
use crate::token::{TokenError, TokenType};

/// A body that did not parse or validate (DRF's parsers and serializer fields).
pub fn body_error(app: &App, error: BodyError) -> Response {
    app.metrics.refused(match error {
        BodyError::UnsupportedMediaType(_) => Refusal::UnsupportedMediaType,
        BodyError::Malformed(_) => Refusal::ParseError,
        BodyError::NoData => Refusal::NoData,
        BodyError::NotADictionary(_) => Refusal::NotAnObject,
        BodyError::Fields(_) => Refusal::InvalidFields,
    });
    let status = error.status();
    match error {
        BodyError::UnsupportedMediaType(media_type) => {
            respond::detail(status, &messages::unsupported_media_type(&media_type))
        }
        BodyError::Malformed(detail) => respond::detail(status, &detail),
        BodyError::NoData => non_field_error(status, messages::NO_DATA),
        BodyError::NotADictionary(kind) => {
            non_field_error(status, &messages::not_a_dictionary(kind))
        }
        BodyError::Fields(errors) => respond::json(
            status,
            field_errors_body(
                errors
                    .iter()
                    .map(|(field, message)| (*field, std::slice::from_ref(message))),
            ),
        ),
    }
}

/// 400 `{"<field>": ["<message>", ...], ...}`: a serializer's
/// `ValidationError`, each field with all its messages, in declared order.
pub fn field_errors<'e>(
    app: &App,
    errors: impl IntoIterator<Item = (&'e str, &'e [Cow<'static, str>])>,
) -> Response {
    app.metrics.refused(Refusal::InvalidFields);
    respond::json(400, field_errors_body(errors))
}

fn field_errors_body<'e>(
    errors: impl IntoIterator<Item = (&'e str, &'e [Cow<'static, str>])>,
) -> String {
    errors
        .into_iter()
        .fold(Json::object(), |json, (field, messages)| {
            json.raw(field, &json::strings(messages))
        })
        .end()
}

/// `{"non_field_errors": [<message>]}`.
fn non_field_error(status: u16, message: &str) -> Response {
    respond::json(
        status,
        Json::object()
            .raw("non_field_errors", &json::strings([message]))
            .end(),
    )
}

/// The `/metrics` reason a policy failure is counted under.
fn refusal(error: &AuthError) -> Refusal {
    let token = |e: &TokenError| match e {
        TokenError::Decode(d) => match d {
            DecodeError::Expired => Refusal::Expired,
            DecodeError::BadSignature => Refusal::BadSignature,
            DecodeError::WrongAlgorithm => Refusal::WrongAlgorithm,
            DecodeError::UnknownKey => Refusal::UnknownKey,
            DecodeError::NotYetValid => Refusal::NotYetValid,
            DecodeError::WrongIssuer => Refusal::WrongIssuer,
            DecodeError::WrongAudience => Refusal::WrongAudience,
            DecodeError::TooLong
            | DecodeError::NotText
            | DecodeError::NotThreeSegments
            | DecodeError::MalformedHeader
            | DecodeError::UnsupportedHeader
            | DecodeError::MalformedSignature
            | DecodeError::MalformedPayload
            | DecodeError::MalformedTime
            | DecodeError::MalformedClaim => Refusal::Invalid,
        },
        // A sliding token's refresh limit is counted as its `exp` would be.
        TokenError::NoExp | TokenError::NoRefreshExp => Refusal::NoExp,
        TokenError::RefreshExpired => Refusal::Expired,
        TokenError::NoId => Refusal::NoId,
        TokenError::NoType => Refusal::NoType,
        TokenError::WrongType => Refusal::WrongType,
        TokenError::Blacklisted => Refusal::Blacklisted,
        TokenError::Revoked => Refusal::Revoked,
    };
    match error {
        AuthError::Token(e) | AuthError::NotValidForAnyType(e) => token(e),
        // The error of the class the token claims to be.
        AuthError::NotValidForEither(first, second) => match first {
            TokenError::WrongType => token(second),
            _ => token(first),
        },
        AuthError::BlacklistedOnVerify => Refusal::Blacklisted,
        AuthError::Reused => Refusal::Reuse,
        AuthError::ReusedWithinGrace => Refusal::ReuseWithinGrace,
        AuthError::BadHeader => Refusal::BadHeader,
        AuthError::NoUserId | AuthError::NoActiveAccount(NoAccount::NotAnId) => Refusal::NoUserId,
        AuthError::UserNotFound | AuthError::NoActiveAccount(NoAccount::Gone) => {
            Refusal::UserNotFound
        }
        AuthError::UserInactive | AuthError::NoActiveAccount(NoAccount::Inactive) => {
            Refusal::UserInactive
        }
        AuthError::PasswordChanged => Refusal::PasswordChanged,
        AuthError::Credentials => Refusal::BadCredentials,
        AuthError::Throttled(_) => Refusal::Throttled,
        AuthError::Busy => Refusal::LoginQueueFull,
        AuthError::RevokedUntil(_) | AuthError::Unavailable(_) | AuthError::NotInMemory => {
            Refusal::Unavailable
        }
        AuthError::NotSigning => Refusal::NotSigning,
    }
}

/// `JWTAuthentication`'s 401 when no class of `AUTH_TOKEN_CLASSES` takes
/// the token: one message per class, `errors[i]` the `i`-th class's.
fn not_valid_for_any_type(app: &App, errors: [TokenError; 2]) -> Response {
    let settings = app.settings();
    let classes = settings
        .auth_token_classes
        .iter()
        .filter_map(|name| TokenType::of_class(name));
    let messages = classes.zip(errors).map(|(class, e)| {
        Json::object()
            .str("token_class", class.class_name())
            .str("token_type", class.name())
            .str("message", e.message())
            .end()
    });
    respond::unauthorized(
        app,
        Json::object()
            .str("detail", "Given token not valid for any token type")
            .str("code", "token_not_valid")
            .raw("messages", &json::array(messages))
            .end(),
    )
}

/// The response for a policy failure.
pub fn auth_error(app: &App, error: &AuthError) -> Response {
    // Not an answer: the router runs the request again on the database
    // pool, and counts what that answers.
    if *error == AuthError::NotInMemory {
        return respond::unavailable();
    }
    app.metrics.refused(refusal(error));
    let unauthorized = |body: String| respond::unauthorized(app, body);
    let detail = |text: &str| Json::object().str("detail", text);
    match error {
        AuthError::Credentials => {
            unauthorized(detail("No active account found with the given credentials").end())
        }
        AuthError::Busy => respond::throttled(1),
        // The login path waits this out before answering; never reached.
        AuthError::RevokedUntil(_) => respond::unavailable(),
        // A throttled client waits a second for its answer, holding only a
        // connection slot: a brute-force loop slows to one guess a second
        // per connection instead of costing a worker turn per guess.
        AuthError::Throttled(wait) => {
            respond::throttled(*wait).delayed(std::time::Duration::from_secs(1))
        }
        AuthError::Token(e) => {
            let claim = &app.settings().sliding_token_refresh_exp_claim;
            unauthorized(
                detail(&e.message_naming(claim))
                    .str("code", "token_not_valid")
                    .end(),
            )
        }
        // A reuse is told to the client as any blacklisted token is.
        AuthError::Reused | AuthError::ReusedWithinGrace => unauthorized(
            detail(TokenError::Blacklisted.message())
                .str("code", "token_not_valid")
                .end(),
        ),
        AuthError::BlacklistedOnVerify => non_field_error(400, "Token is blacklisted"),
        AuthError::NoActiveAccount(_) => {
            unauthorized(detail("No active account found for the given token.").end())
        }
        AuthError::PasswordChanged => unauthorized(
            detail("The user's password has been changed.")
                .str("code", "password_changed")
                .end(),
        ),
        AuthError::BadHeader => unauthorized(
            detail("Authorization header must contain two space-delimited values")
                .str("code", "bad_authorization_header")
                .end(),
        ),
        AuthError::NotValidForAnyType(e) => not_valid_for_any_type(app, [*e, *e]),
        AuthError::NotValidForEither(first, second) => {
            not_valid_for_any_type(app, [*first, *second])
        }
        AuthError::NoUserId => unauthorized(
            detail("Token contained no recognizable user identification")
                .str("code", "token_not_valid")
                .end(),
        ),
        AuthError::UserNotFound => {
            unauthorized(detail("User not found").str("code", "user_not_found").end())
        }
        AuthError::UserInactive => unauthorized(
            detail("User is inactive")
                .str("code", "user_inactive")
                .end(),
        ),
        AuthError::Unavailable(why) => {
            log::error(why);
            respond::unavailable()
        }
        AuthError::NotInMemory => respond::unavailable(),
        AuthError::NotSigning => respond::not_signing(),
    }
}
