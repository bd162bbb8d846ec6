//! [`UserTable`]: which table holds the users and which of its columns
//! they log in by, for a database shared with Django (`USER_TABLE`,
//! `USERNAME_FIELD`). Django's default is `auth_user` and `username`; a
//! custom user model (`AUTH_USER_MODEL`) has a table of its own, often
//! with `email` as its login field.

/// Which table holds the users, and which of its columns they log in by.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserTable {
    /// Django's `auth_user`, or a custom user model's table.
    pub table: String,
    /// Django's `USERNAME_FIELD`: `username`, or for example `email`.
    pub login: String,
}

impl Default for UserTable {
    fn default() -> UserTable {
        UserTable {
            table: "auth_user".to_owned(),
            login: "username".to_owned(),
        }
    }
}
