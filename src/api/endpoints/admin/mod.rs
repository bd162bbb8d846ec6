//! The admin API: user accounts over HTTP, for superusers only.
//!
//! | path | methods |
//! |---|---|
//! | `/api/admin/users/` | `GET` a page of users, `POST` a new one |
//! | `/api/admin/users/{id}/` | `GET`, `PATCH` (`is_active`, `is_staff`, `is_superuser`, `password`, `email`, `first_name`, `last_name`), `DELETE` |
//! | `/api/admin/users/{id}/revoke/` | `POST`: log the user out everywhere |
//!
//! Each view answers as a DRF generic view would, with `JWTAuthentication`
//! and a permission that admits active superusers only
//! ([`crate::api::authentication::superuser`]). Authentication and the
//! permission run before the method check (the router's doing): without
//! credentials every method gets the protected view's 401, and an
//! authenticated user who is not a superuser gets 403. The bodies are those of a `ModelSerializer` of
//! Django's `User` (the password write-only, never sent back),
//! `PageNumberPagination` and `get_object_or_404`.
//!
//! A password is hashed (PBKDF2, about 190 ms at the default iterations) on
//! the login pool, never on an HTTP worker; the connection waits in epoll
//! meanwhile, and a full pool answers 429 at once, as a login does.
//!
//! Choices where DRF has no single answer, documented in the README:
//! - `PUT` is not offered (405): `PATCH` changes what may change, and the
//!   username never changes (it is ignored, as DRF ignores read-only fields);
//! - a superuser cannot delete themselves, deactivate themselves or drop
//!   their own superuser status (400), so the last admin is never lost by a
//!   slip;
//! - deactivating a user revokes every token of theirs, and so does a new
//!   password unless `REVOKE_ON_PASSWORD_CHANGE` is off;
//! - a boolean left out of a form-encoded create keeps the model default
//!   (DRF's HTML-checkbox rule would make it false, creating inactive users);
//! - pagination links are `http://` plus the `Host` header, as Django builds
//!   them without `SECURE_PROXY_SSL_HEADER`: only ever an allowed host
//!   (`ALLOWED_HOSTS`, checked before routing, `api::hosts`); a request
//!   without `Host` (HTTP/1.0) is a 400 when a link is needed.
//!
//! Every successful action is logged with the admin who did it; passwords
//! and hashes never are.
//!
//! The files: this one routes each method to its view; [`list`],
//! [`create`], [`update`], [`delete`] and [`revoke`] are the views,
//! [`lookup`] finds the user a path names, [`representation`] is the
//! serializer's output, [`validation`] its input fields and [`profile`]
//! the optional `email`, `first_name` and `last_name`. What OPTIONS
//! says is in the route table (`api::routes`).

mod create;
mod delete;
mod list;
mod lookup;
mod profile;
mod representation;
mod revoke;
mod update;
mod validation;

use crate::api::call::Call;
use crate::api::respond;
use crate::http::Response;
use crate::store::User;

/// `/api/admin/users/`: a page of users, or a new one.
pub fn user_list(call: &Call<'_>, admin: User) -> Response {
    match call.request.method {
        "GET" | "HEAD" => list::handle(call),
        "POST" => create::handle(call, admin),
        method => respond::method_not_allowed(call.app, method),
    }
}

/// `/api/admin/users/{id}/`: one user, shown, changed or deleted.
pub fn user_detail(call: &Call<'_>, admin: User) -> Response {
    match call.request.method {
        "GET" | "HEAD" => match lookup::find(call.app, call.pk) {
            Ok(user) => respond::ok(representation::of(&user)),
            Err(refused) => refused,
        },
        "PATCH" => update::handle(call, admin),
        "DELETE" => delete::handle(call, &admin),
        method => respond::method_not_allowed(call.app, method),
    }
}

/// `/api/admin/users/{id}/revoke/`: one user logged out everywhere.
pub fn user_revoke(call: &Call<'_>, admin: User) -> Response {
    match call.request.method {
        "POST" => revoke::handle(call, &admin),
        method => respond::method_not_allowed(call.app, method),
    }
}

#[cfg(test)]
mod tests;
