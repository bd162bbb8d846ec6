//! `UpdateAPIView.partial_update`: PATCH changes `is_active`, `is_staff`,
//! `is_superuser`, `email`, `first_name`, `last_name` and the password; anything else sent is ignored, as DRF
//! ignores read-only fields. A new password is hashed on the login pool.

use super::lookup::{account_error, find, store_error};
use super::profile::{validate_email, validate_name, Profile};
use super::representation;
use super::validation::{one, validate_bool, validate_password, Errors};
use crate::api::body::{self, FieldValue};
use crate::api::call::Call;
use crate::api::errors::body_error;
use crate::api::parking::on_login_pool;
use crate::api::respond;
use crate::app::App;
use crate::auth::{AccountChanges, Changed, LastSuperuser};
use crate::http::Response;
use crate::log;
use crate::store::{User, UserKey};

// jwtd's own: a superuser cannot lock themselves out.
pub(super) const SELF_DEACTIVATE: &str = "You cannot deactivate your own account.";
pub(super) const SELF_DEMOTE: &str = "You cannot remove your own superuser status.";

const UPDATE_FIELDS: [&str; 7] = [
    "email",
    "first_name",
    "last_name",
    "password",
    "is_active",
    "is_staff",
    "is_superuser",
];

/// What a PATCH changes; `None` leaves a field as it is.
#[derive(Debug, Clone, Copy, Default)]
struct Flags {
    is_active: Option<bool>,
    is_staff: Option<bool>,
    is_superuser: Option<bool>,
}

/// `UpdateAPIView.partial_update`: 404 first, then the body. A new password
/// is hashed on the login pool.
pub fn handle(call: &Call<'_>, admin: User) -> Response {
    let (app, request) = (call.app, call.request);
    let user = match find(app, call.pk) {
        Ok(user) => user,
        Err(refused) => return refused,
    };
    let values =
        match body::parse_values(request.header("content-type"), &request.body, UPDATE_FIELDS) {
            Ok(values) => values,
            Err(e) => return body_error(app, e),
        };
    let [email, first_name, last_name, password, is_active, is_staff, is_superuser] = values;
    let itself = user.id == admin.id;
    let mut errors = Errors::default();
    let profile = Profile {
        email: match validate_email(email, app, Some(user.id)) {
            Ok(result) => errors.check("email", result).flatten(),
            Err(e) => return store_error(app, &e),
        },
        first_name: errors
            .check("first_name", validate_name(first_name))
            .flatten(),
        last_name: errors
            .check("last_name", validate_name(last_name))
            .flatten(),
    };
    let password = match password {
        FieldValue::Missing => None,
        raw => errors.check(
            "password",
            validate_password(raw, app, Some(&user.username)),
        ),
    };
    let flags = Flags {
        is_active: errors
            .check(
                "is_active",
                validate_bool(is_active).and_then(|v| match v {
                    Some(false) if itself => Err(one(SELF_DEACTIVATE)),
                    v => Ok(v),
                }),
            )
            .flatten(),
        is_staff: errors.check("is_staff", validate_bool(is_staff)).flatten(),
        is_superuser: errors
            .check(
                "is_superuser",
                validate_bool(is_superuser).and_then(|v| match v {
                    Some(false) if itself => Err(one(SELF_DEMOTE)),
                    v => Ok(v),
                }),
            )
            .flatten(),
    };
    if !errors.is_empty() {
        return errors.response(app);
    }
    let id = user.id;
    match password {
        None => apply_update(app, &admin, id, flags, profile, None),
        Some(password) => on_login_pool(call, move |app| {
            apply_update(app, &admin, id, flags, profile, Some(password))
        }),
    }
}

/// Writes the change (hashing a new password) and, in the same commit,
/// revokes the user's tokens when they were deactivated or (with
/// `REVOKE_ON_PASSWORD_CHANGE`) given a new password
/// ([`Accounts::change`](crate::auth::Accounts::change)).
fn apply_update(
    app: &App,
    admin: &User,
    id: u64,
    flags: Flags,
    profile: Profile,
    password: Option<String>,
) -> Response {
    let new_password = password.is_some();
    let mut changes: Vec<String> = [
        ("email", &profile.email),
        ("first_name", &profile.first_name),
        ("last_name", &profile.last_name),
    ]
    .iter()
    .filter_map(|(name, value)| value.as_ref().map(|v| format!("{name} {v:?}")))
    .collect();
    let account_changes = AccountChanges {
        password,
        is_active: flags.is_active,
        is_staff: flags.is_staff,
        is_superuser: flags.is_superuser,
        email: profile.email,
        first_name: profile.first_name,
        last_name: profile.last_name,
    };
    let changed = app
        .auth
        .accounts()
        .change(UserKey::Id(id), account_changes, LastSuperuser::Keep);
    let Changed { user, revoked } = match changed {
        Ok(changed) => changed,
        // Deleted meanwhile: 404.
        Err(e) => return account_error(app, e),
    };
    changes.extend(
        [
            ("is_active", flags.is_active),
            ("is_staff", flags.is_staff),
            ("is_superuser", flags.is_superuser),
        ]
        .iter()
        .filter_map(|(name, value)| value.map(|v| format!("{name} {v}"))),
    );
    if new_password {
        changes.push("password changed".into());
    }
    if let Some(tokens) = revoked {
        changes.push(format!(
            "every token of theirs revoked ({tokens} refresh token(s) blacklisted)"
        ));
    }
    if changes.is_empty() {
        changes.push("nothing changed".into());
    }
    log::info(&format!(
        "admin {:?} (id {}) updated user {:?} (id {}): {}",
        admin.username,
        admin.id,
        user.username,
        user.id,
        changes.join(", ")
    ));
    respond::ok(representation::of(&user))
}
