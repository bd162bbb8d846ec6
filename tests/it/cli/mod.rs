//! The command line, as operators and scripts use it: a file per command
//! family (users, importing from Django, `token explain`, revoking, keys,
//! the running server's control socket, the database, help and usage
//! errors); here what several of them share.

mod database;
mod import;
mod key;
mod revoke;
mod running_server;
mod token;
mod usage;
mod user;

/// "correct horse battery staple" under Django's `Argon2PasswordHasher`.
const ARGON2: &str = "argon2$argon2id$v=19$m=102400,t=2,p=8$and0ZGFyZ29uMnNhbHQhIQ$jdKSRck/gePq3bPKYPMGAn7/w0I1UowKKfqmARZQFhU";

/// A whole project's `manage.py dumpdata --indent 2`: one user of each
/// kind among a group, a permission, content types and SimpleJWT's
/// outstanding tokens.
fn django_dump() -> String {
    let user = |pk: u64, name: &str, password: &str, active: bool| {
        format!(
            r#"{{"model": "auth.user", "pk": {pk}, "fields": {{"password": "{password}", "last_login": "2025-03-04T05:06:07.891Z", "is_superuser": {su}, "username": "{name}", "first_name": "", "last_name": "", "email": "{name}@example.com", "is_staff": false, "is_active": {active}, "date_joined": "2025-01-02T03:04:05.678Z", "groups": [], "user_permissions": []}}}}"#,
            su = pk == 1
        )
    };
    let entries = [
        r#"{"model": "auth.permission", "pk": 1, "fields": {"name": "Can add permission", "content_type": 1, "codename": "add_permission"}}"#.to_owned(),
        r#"{"model": "auth.group", "pk": 1, "fields": {"name": "editors", "permissions": [1]}}"#.to_owned(),
        // Reference P1: "correct horse battery staple" at 1000 iterations.
        user(1, "alice", "pbkdf2_sha256$1000$abcdefghijklmnopqrstuv$7g09gCC/g1P5ACeEb8xx77VaL+guiGRutJE6Ai8cR90=", true),
        // Reference P7: a UTF-8 password and another salt.
        user(42, "bob", "pbkdf2_sha256$1000$NaCl0123456789abcdefgh$vHx5RkptI4PgcgnvsAlXMrvCvnNl9qBczjMUGo7xPmA=", true),
        user(43, "carol", ARGON2, true),
        user(44, "dave", "!jNJWNtrRLWsfgUjUO1bhKR8FIGu7NpvmJKAvHr5H", true),
        user(45, "erin", "pbkdf2_sha256$1000$abcdefghijklmnopqrstuv$7g09gCC/g1P5ACeEb8xx77VaL+guiGRutJE6Ai8cR90=", false),
        // Only what Django requires: the rest takes its defaults.
        r#"{"model": "auth.user", "pk": 46, "fields": {"username": "gina", "password": "bcrypt_sha256$$2b$12$abcdefghijklmnopqrstuuABCDEFGHIJKLMNOPQRSTUVWXYZ01234"}}"#.to_owned(),
        r#"{"model": "contenttypes.contenttype", "pk": 1, "fields": {"app_label": "auth", "model": "permission"}}"#.to_owned(),
        r#"{"model": "contenttypes.contenttype", "pk": 2, "fields": {"app_label": "auth", "model": "group"}}"#.to_owned(),
        r#"{"model": "token_blacklist.outstandingtoken", "pk": 1, "fields": {"user": 1, "jti": "2c3bbd4f5d2a4e36a1bb4e0f6a4c5b7e", "token": "x.y.z", "created_at": "2025-03-04T05:06:07.891Z", "expires_at": "2025-03-05T05:06:07Z"}}"#.to_owned(),
    ];
    let value: serde_json::Value =
        serde_json::from_str(&format!("[{}]", entries.join(", "))).unwrap();
    serde_json::to_string_pretty(&value).unwrap()
}

fn jwtd_base64url(segment: &str) -> Vec<u8> {
    use base64::Engine as _;
    base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(segment)
        .unwrap()
}
