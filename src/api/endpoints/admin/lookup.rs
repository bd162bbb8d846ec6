//! Django's `get_object_or_404` for the user a path names, and the answer
//! when the store cannot say.

use crate::api::respond;
use crate::app::App;
use crate::http::Response;
use crate::log;
use crate::store::{StoreError, User};

/// Django's `get_object_or_404`, passed on by DRF 3.15 and later.
pub const NO_USER: &str = "No User matches the given query.";

/// `get_object_or_404`.
pub fn find(app: &App, id: Option<u64>) -> Result<User, Response> {
    let Some(id) = id else {
        return Err(respond::detail(404, NO_USER));
    };
    match app.auth.store().user(id) {
        Ok(Some(user)) => Ok(user),
        Ok(None) => Err(respond::detail(404, NO_USER)),
        Err(e) => Err(store_error(&e)),
    }
}

/// A store that failed: logged, and DRF's 503.
pub fn store_error(error: &StoreError) -> Response {
    log::error(&format!("admin API: {error}"));
    respond::unavailable()
}
