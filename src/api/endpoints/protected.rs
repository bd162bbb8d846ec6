//! `GET /api/protected/` with a bearer access token -> a greeting. As in
//! DRF, authentication runs before the method check: without credentials
//! every method gets 401.

use crate::api::call::Call;
use crate::api::json::Json;
use crate::api::respond;
use crate::http::Response;
use crate::store::User;

/// The protected view (`IsAuthenticated`), for `user`.
pub fn handle(_call: &Call<'_>, user: User) -> Response {
    respond::ok(
        Json::object()
            .str("message", "Hello, authenticated user!")
            .str("user", &user.username)
            .end(),
    )
}
