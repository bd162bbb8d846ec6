//! One handler per endpoint, and the responses they share: SimpleJWT's and
//! DRF's bodies for every error, built in the order DRF writes their keys.

pub mod admin;
pub mod blacklist;
pub mod health;
pub mod metrics;
pub mod obtain;
pub mod page;
pub mod protected;
pub mod refresh;
pub mod revoke_all;
pub mod schema;
pub mod verify;

use crate::api::body::BodyError;
use crate::api::respond;
use crate::app::App;
use crate::auth::AuthError;
use crate::http::Response;
use crate::log;
use crate::pyjson::write_str_utf8 as push_json_str;
use crate::token::TokenType;

/// The endpoints.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Endpoint {
    /// `POST /api/token/`
    Obtain,
    /// `POST /api/token/refresh/`
    Refresh,
    /// `POST /api/token/verify/`
    Verify,
    /// `POST /api/token/blacklist/`
    Blacklist,
    /// `GET /api/protected/`
    Protected,
    /// `POST /api/token/revoke-all/`
    RevokeAll,
}

/// A JSON object written member by member, in order.
pub struct Json(String);

impl Json {
    /// `{`
    pub fn object() -> Json {
        Json(String::from("{"))
    }

    fn key(&mut self, key: &str) {
        if self.0.len() > 1 {
            self.0.push(',');
        }
        push_json_str(&mut self.0, key);
        self.0.push(':');
    }

    /// A string member.
    pub fn str(mut self, key: &str, value: &str) -> Json {
        self.key(key);
        push_json_str(&mut self.0, value);
        self
    }

    /// A member whose value is already JSON.
    pub fn raw(mut self, key: &str, json: &str) -> Json {
        self.key(key);
        self.0.push_str(json);
        self
    }

    /// `}`
    pub fn end(mut self) -> String {
        self.0.push('}');
        self.0
    }
}

/// `["text"]`
fn list_of(text: &str) -> String {
    let mut out = String::from("[");
    push_json_str(&mut out, text);
    out.push(']');
    out
}

/// A 200 JSON response.
pub fn ok(body: String) -> Response {
    respond::json(200, body)
}

/// A 401: DRF adds `WWW-Authenticate` from the first header type.
pub fn unauthorized(app: &App, body: String) -> Response {
    respond::json(401, body).with_header("WWW-Authenticate", app.www_authenticate.clone())
}

/// `JWTAuthentication` on a view that requires a user (`IsAuthenticated`):
/// the user, or the 401 to send (no credentials, or refused ones).
pub fn authenticated(
    app: &App,
    request: &crate::http::Request<'_>,
    now: u64,
) -> Result<crate::store::User, Response> {
    match app.auth.authenticate(request.header(&app.auth_header), now) {
        Ok(Some(user)) => Ok(user),
        Ok(None) => Err(unauthorized(
            app,
            Json::object()
                .str("detail", "Authentication credentials were not provided.")
                .end(),
        )),
        Err(e) => Err(auth_error(app, &e)),
    }
}

/// DRF's 405.
pub fn method_not_allowed(method: &str) -> Response {
    respond::detail(405, &format!("Method \"{method}\" not allowed."))
}

/// A body that did not parse or validate (DRF's parsers and serializer fields).
pub fn body_error(error: BodyError) -> Response {
    let status = error.status();
    match error {
        BodyError::UnsupportedMediaType(media_type) => respond::detail(
            status,
            &format!("Unsupported media type \"{media_type}\" in request."),
        ),
        BodyError::Malformed(detail) => respond::detail(status, &detail),
        BodyError::NoData => respond::json(
            status,
            Json::object()
                .raw("non_field_errors", &list_of("No data provided"))
                .end(),
        ),
        BodyError::NotADictionary(kind) => respond::json(
            status,
            Json::object()
                .raw(
                    "non_field_errors",
                    &list_of(&format!(
                        "Invalid data. Expected a dictionary, but got {kind}."
                    )),
                )
                .end(),
        ),
        BodyError::Fields(errors) => {
            let body = errors
                .iter()
                .fold(Json::object(), |json, (field, message)| {
                    json.raw(field, &list_of(message))
                })
                .end();
            respond::json(status, body)
        }
    }
}

/// The `/metrics` reason a refused token or header is counted under.
fn rejection(error: &AuthError) -> Option<&'static str> {
    use crate::token::TokenError as T;
    let token = |e: &T| match e {
        T::Decode(d) if d.is_expired() => "expired",
        T::Decode(_) => "invalid",
        T::NoExp => "no_exp",
        T::NoId => "no_id",
        T::NoType => "no_type",
        T::WrongType => "wrong_type",
        T::Blacklisted => "blacklisted",
        T::Revoked => "revoked",
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
    let detail = |text: &str| Json::object().str("detail", text);
    match error {
        AuthError::Credentials => unauthorized(
            app,
            detail("No active account found with the given credentials").end(),
        ),
        AuthError::Busy => throttled(1),
        // The login path waits this out before answering; never reached.
        AuthError::RevokedUntil(_) => unavailable(),
        // A throttled client waits a second for its answer, holding only a
        // connection slot: a brute-force loop slows to one guess a second
        // per connection instead of costing a worker turn per guess.
        AuthError::Throttled(wait) => throttled(*wait).delayed(std::time::Duration::from_secs(1)),
        AuthError::Token(e) => unauthorized(
            app,
            detail(e.message()).str("code", "token_not_valid").end(),
        ),
        AuthError::BlacklistedOnVerify => respond::json(
            400,
            Json::object()
                .raw("non_field_errors", &list_of("Token is blacklisted"))
                .end(),
        ),
        AuthError::NoActiveAccount => unauthorized(
            app,
            detail("No active account found for the given token.").end(),
        ),
        AuthError::PasswordChanged => unauthorized(
            app,
            detail("The user's password has been changed.")
                .str("code", "password_changed")
                .end(),
        ),
        AuthError::BadHeader => unauthorized(
            app,
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
                app,
                detail("Given token not valid for any token type")
                    .str("code", "token_not_valid")
                    .raw("messages", &format!("[{message}]"))
                    .end(),
            )
        }
        AuthError::NoUserId => unauthorized(
            app,
            detail("Token contained no recognizable user identification")
                .str("code", "token_not_valid")
                .end(),
        ),
        AuthError::UserNotFound => unauthorized(
            app,
            detail("User not found").str("code", "user_not_found").end(),
        ),
        AuthError::UserInactive => unauthorized(
            app,
            detail("User is inactive")
                .str("code", "user_inactive")
                .end(),
        ),
        AuthError::Unavailable(why) => {
            log::error(why);
            unavailable()
        }
    }
}

/// DRF's 429 (`Throttled`), with `Retry-After`.
pub fn throttled(wait: u64) -> Response {
    let unit = if wait == 1 { "second" } else { "seconds" };
    respond::detail(
        429,
        &format!("Request was throttled. Expected available in {wait} {unit}."),
    )
    .with_header("Retry-After", wait.to_string())
}

/// The client's address as DRF's throttles see it: the peer, or with
/// `NUM_PROXIES` the address that many hops from the right of
/// `X-Forwarded-For` (the peer when the header is absent or unusable).
pub fn client_address(app: &App, request: &crate::http::Request<'_>) -> std::net::IpAddr {
    let proxies = app.settings.num_proxies;
    if proxies == 0 {
        return request.peer;
    }
    let forwarded = request
        .header("x-forwarded-for")
        .and_then(|v| std::str::from_utf8(v).ok());
    let Some(forwarded) = forwarded else {
        return request.peer;
    };
    let hops: Vec<&str> = forwarded.split(',').map(str::trim).collect();
    let index = hops.len().saturating_sub(proxies.min(hops.len()));
    hops.get(index)
        .and_then(|h| h.parse().ok())
        .unwrap_or(request.peer)
}

/// DRF's 503, for a store that cannot write or read.
pub fn unavailable() -> Response {
    respond::detail(503, "Service temporarily unavailable, try again later.")
        .with_header("Retry-After", "5")
}

const RENDERS: &str = r#"["application/json","text/html"]"#;
const PARSES: &str =
    r#"["application/json","application/x-www-form-urlencoded","multipart/form-data"]"#;

/// DRF's `SimpleMetadata` for a token view's OPTIONS: name, docstring,
/// renderers, parsers and the serializer's fields.
pub fn metadata(endpoint: Endpoint) -> Response {
    let field = |required: bool, read_only: bool, label: &str| {
        Json::object()
            .str("type", "string")
            .raw("required", if required { "true" } else { "false" })
            .raw("read_only", if read_only { "true" } else { "false" })
            .str("label", label)
            .end()
    };
    let writable = |name: &str, label: &str| Json::object().raw(name, &field(true, false, label));
    let (name, description, fields) = match endpoint {
        Endpoint::Obtain => (
            "Token Obtain Pair",
            "Takes a set of user credentials and returns an access and refresh JSON web\ntoken pair to prove the authentication of those credentials.",
            writable("username", "Username").raw("password", &field(true, false, "Password")).end(),
        ),
        Endpoint::Refresh => (
            "Token Refresh",
            "Takes a refresh type JSON web token and returns an access type JSON web\ntoken if the refresh token is valid.",
            writable("refresh", "Refresh").raw("access", &field(false, true, "Access")).end(),
        ),
        Endpoint::Verify => (
            "Token Verify",
            "Takes a token and indicates if it is valid.  This view provides no\ninformation about a token's fitness for a particular use.",
            writable("token", "Token").end(),
        ),
        Endpoint::Blacklist => (
            "Token Blacklist",
            "Takes a token and blacklists it. Must be used with the\n`rest_framework_simplejwt.token_blacklist` app installed.",
            writable("refresh", "Refresh").end(),
        ),
        Endpoint::RevokeAll => (
            "Token Revoke All",
            "Blacklists every refresh token of the authenticated user and refuses\nevery token of theirs issued until now.",
            Json::object().end(),
        ),
        Endpoint::Protected => {
            return ok(Json::object()
                .str("name", "Protected View")
                .str("description", "")
                .raw("renders", RENDERS)
                .raw("parses", PARSES)
                .end())
        }
    };
    ok(Json::object()
        .str("name", name)
        .str("description", description)
        .raw("renders", RENDERS)
        .raw("parses", PARSES)
        .raw("actions", &Json::object().raw("POST", &fields).end())
        .end())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests;
