//! Error mapping: what a refused token, header or login ([`AuthError`]) and
//! a body that did not parse or validate ([`BodyError`]) answer, with
//! SimpleJWT's and DRF's bodies, keys in the order they write them. A
//! refused token or header is also counted in `/metrics`.

use std::borrow::Cow;

use super::body::BodyError;
use super::json::{self, Json};
use super::messages;
use super::respond;
use crate::app::App;
use crate::auth::AuthError;
use crate::http::Response;
use crate::log;
use crate::token::{TokenError, TokenType};

/// A body that did not parse or validate (DRF's parsers and serializer fields).
pub fn body_error(error: BodyError) -> Response {
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
    errors: impl IntoIterator<Item = (&'e str, &'e [Cow<'static, str>])>,
) -> Response {
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

/// The `/metrics` reason a refused token or header is counted under.
fn rejection(error: &AuthError) -> Option<&'static str> {
    let token = |e: &TokenError| match e {
        TokenError::Decode(d) if d.is_expired() => "expired",
        TokenError::Decode(_) => "invalid",
        TokenError::NoExp => "no_exp",
        TokenError::NoId => "no_id",
        TokenError::NoType => "no_type",
        TokenError::WrongType => "wrong_type",
        TokenError::Blacklisted => "blacklisted",
        TokenError::Revoked => "revoked",
    };
    Some(match error {
        AuthError::Token(e) | AuthError::NotValidForAnyType(e) => token(e),
        AuthError::BlacklistedOnVerify => "blacklisted",
        AuthError::BadHeader => "bad_header",
        AuthError::NoUserId => "no_user_id",
        AuthError::UserNotFound => "user_not_found",
        AuthError::UserInactive => "user_inactive",
        AuthError::PasswordChanged => "password_changed",
        AuthError::NoActiveAccount => "user_not_found",
        AuthError::Credentials
        | AuthError::RevokedUntil(_)
        | AuthError::Busy
        | AuthError::Throttled(_)
        | AuthError::Unavailable(_) => return None,
    })
}

/// The response for a policy failure.
pub fn auth_error(app: &App, error: &AuthError) -> Response {
    if let Some(reason) = rejection(error) {
        app.metrics.rejected(reason);
    }
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
            unauthorized(detail(e.message()).str("code", "token_not_valid").end())
        }
        AuthError::BlacklistedOnVerify => non_field_error(400, "Token is blacklisted"),
        AuthError::NoActiveAccount => {
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
        AuthError::NotValidForAnyType(e) => {
            let message = Json::object()
                .str("token_class", TokenType::Access.class_name())
                .str("token_type", TokenType::Access.name())
                .str("message", e.message())
                .end();
            unauthorized(
                detail("Given token not valid for any token type")
                    .str("code", "token_not_valid")
                    .raw("messages", &json::array([message]))
                    .end(),
            )
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
    }
}
