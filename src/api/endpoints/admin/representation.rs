//! The serializer's output: a `ModelSerializer` of Django's `User` with
//! every field but the password, dates as DRF writes them.

use crate::api::json::Json;
use crate::store::User;
use crate::time;

/// The representation of `user`.
pub fn of(user: &User) -> String {
    let last_login = user.last_login.map(datetime);
    Json::object()
        .int("id", user.id)
        .str("username", &user.username)
        .str("email", &user.email)
        .str("first_name", &user.first_name)
        .str("last_name", &user.last_name)
        .bool("is_active", user.is_active)
        .bool("is_staff", user.is_staff)
        .bool("is_superuser", user.is_superuser)
        .str("date_joined", &datetime(user.date_joined))
        .str_or_null("last_login", last_login.as_deref())
        .end()
}

/// DRF's `DateTimeField` with `USE_TZ` in UTC: Python's `isoformat()`,
/// which leaves out a zero fraction, with `+00:00` written `Z`.
fn datetime(micros: i64) -> String {
    time::rfc3339(micros, micros.rem_euclid(1_000_000) != 0)
}
