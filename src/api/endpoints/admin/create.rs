//! `CreateAPIView`: validates the new user, then hashes the password and
//! adds the user on the login pool.

use super::lookup::{account_error, store_error};
use super::profile::{validate_email, validate_name};
use super::representation;
use super::validation::{validate_bool, validate_password, validate_username, Errors};
use crate::api::body::{self, FieldValue};
use crate::api::call::Call;
use crate::api::errors::body_error;
use crate::api::parking::on_login_pool;
use crate::api::respond;
use crate::app::App;
use crate::auth::NewAccount;
use crate::http::Response;
use crate::log;
use crate::python_str::python_strip;
use crate::store::User;

const CREATE_FIELDS: [&str; 8] = [
    "username",
    "email",
    "first_name",
    "last_name",
    "password",
    "is_active",
    "is_staff",
    "is_superuser",
];

/// `CreateAPIView`: validates, then hashes the password and adds the user
/// on the login pool.
pub fn handle(call: &Call<'_>, admin: User) -> Response {
    let (app, request) = (call.app, call.request);
    let values =
        match body::parse_values(request.header("content-type"), &request.body, CREATE_FIELDS) {
            Ok(values) => values,
            Err(e) => return body_error(app, e),
        };
    let [username, email, first_name, last_name, password, is_active, is_staff, is_superuser] =
        values;
    let mut errors = Errors::default();
    // The password is compared with the username sent, valid or not.
    let similar_to = match &username {
        FieldValue::Str(name) | FieldValue::Number(name) => Some(python_strip(name).to_owned()),
        _ => None,
    };
    let username = match validate_username(username, app) {
        Ok(result) => errors.check("username", result),
        Err(e) => return store_error(app, &e),
    };
    let email = match validate_email(email, app, None) {
        Ok(result) => errors.check("email", result),
        Err(e) => return store_error(app, &e),
    };
    let first_name = errors.check("first_name", validate_name(first_name));
    let last_name = errors.check("last_name", validate_name(last_name));
    let password = errors.check(
        "password",
        validate_password(password, app, similar_to.as_deref()),
    );
    let is_active = errors.check("is_active", validate_bool(is_active));
    let is_staff = errors.check("is_staff", validate_bool(is_staff));
    let is_superuser = errors.check("is_superuser", validate_bool(is_superuser));
    let (Some(username), Some(password), Some(is_active), Some(is_staff), Some(is_superuser)) =
        (username, password, is_active, is_staff, is_superuser)
    else {
        return errors.response(app);
    };
    let (Some(email), Some(first_name), Some(last_name)) = (email, first_name, last_name) else {
        return errors.response(app);
    };
    let new = NewAccount {
        username,
        password,
        // The model's defaults.
        is_active: is_active.unwrap_or(true),
        is_staff: is_staff.unwrap_or(false),
        is_superuser: is_superuser.unwrap_or(false),
        email: email.unwrap_or_default(),
        first_name: first_name.unwrap_or_default(),
        last_name: last_name.unwrap_or_default(),
    };
    on_login_pool(call, move |app| add_user(app, &admin, new))
}

/// Creates the account (hashing its password): 201 and the representation.
fn add_user(app: &App, admin: &User, new: NewAccount) -> Response {
    match app.auth.accounts().create(new) {
        Ok(user) => {
            log::info(&format!(
                "admin {:?} (id {}) created user {:?} (id {}): active {}, staff {}, superuser {}",
                admin.username,
                admin.id,
                user.username,
                user.id,
                user.is_active,
                user.is_staff,
                user.is_superuser
            ));
            respond::json(201, representation::of(&user))
        }
        // Taken between the check and the write.
        Err(e) => account_error(app, e),
    }
}
