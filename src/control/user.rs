//! `jwtd user ...` on the database: add, passwd, list, activate,
//! deactivate, delete, revoke, each answered as text for a terminal. The
//! rules are [`crate::auth::rules`] and the writes [`Accounts`]' (as for
//! the admin API); this module words their refusals.
//!
//! [`Accounts`]: crate::auth::Accounts

use super::{Operator, Reply};
use crate::auth::email_rule::email_is_valid;
use crate::auth::rules::{self, PasswordProblem};
use crate::auth::{self, AccountChanges, AccountError, Changed, LastSuperuser, PasswordRefusal};
use crate::store::{User, UserField, UserKey};
use crate::time;

/// `user add`'s account.
pub(super) struct ToAdd<'a> {
    pub(super) name: &'a str,
    pub(super) password: &'a str,
    pub(super) superuser: bool,
    pub(super) staff: bool,
    pub(super) inactive: bool,
    /// Django's `email`; may be empty unless users log in by it.
    pub(super) email: &'a str,
}

/// Before a password is asked for: the name valid and free, or taken.
pub(super) fn check(operator: &Operator<'_>, name: &str, must_exist: bool) -> Reply {
    if !must_exist && !rules::username_problems(name).is_empty() {
        return Reply::failed(invalid_username(name));
    }
    match (operator.accounts().user_by_name(name), must_exist) {
        (Ok(Some(_)), true) | (Ok(None), false) => Reply::done(String::new()),
        (Ok(Some(_)), false) => Reply::failed(format!("user {name:?} already exists")),
        (Ok(None), true) => Reply::failed(no_such_user(name)),
        (Err(e), _) => Reply::failed(e),
    }
}

/// `user add`.
pub(super) fn add(operator: &Operator<'_>, account: ToAdd<'_>) -> Reply {
    if let Some(refusal) = password_refusal(account.password) {
        return refusal;
    }
    if let Some(refusal) = email_refusal(operator, account.email) {
        return refusal;
    }
    let created = operator.accounts().create(auth::NewAccount {
        username: account.name.to_owned(),
        password: account.password.to_owned(),
        is_active: !account.inactive,
        is_staff: account.staff || account.superuser,
        is_superuser: account.superuser,
        // The command line sets no names; the admin API does.
        email: account.email.to_owned(),
        first_name: String::new(),
        last_name: String::new(),
    });
    match created {
        Ok(user) => {
            operator.log(&format!(
                "user {:?} (id {}) created",
                user.username, user.id
            ));
            Reply::done(format!(
                "Created user {:?} with id {}.\n",
                user.username, user.id
            ))
        }
        Err(e) => account_error(e, account.name, ""),
    }
}

/// `user passwd`: the new password, and the user's tokens revoked unless
/// `REVOKE_ON_PASSWORD_CHANGE` is false.
pub(super) fn passwd(operator: &Operator<'_>, name: &str, password: &str) -> Reply {
    if let Some(refusal) = password_refusal(password) {
        return refusal;
    }
    let changes = AccountChanges {
        password: Some(password.to_owned()),
        ..AccountChanges::default()
    };
    let done = |revoked: &str| format!("Password changed for user {name:?}.\n{revoked}");
    change(operator, name, changes, LastSuperuser::MayRemove, done)
}

/// `user list`.
pub(super) fn list(operator: &Operator<'_>) -> Reply {
    match operator.accounts().all() {
        Ok(users) => Reply::done(users_table(&users)),
        Err(e) => Reply::failed(e),
    }
}

/// `user activate`.
pub(super) fn activate(operator: &Operator<'_>, name: &str) -> Reply {
    let active = AccountChanges {
        is_active: Some(true),
        ..AccountChanges::default()
    };
    let done = |_: &str| format!("User {name:?} is active.\n");
    change(operator, name, active, LastSuperuser::MayRemove, done)
}

/// `user deactivate`: the user can no longer log in, and every token of
/// theirs is revoked, so activating them again brings none back.
pub(super) fn deactivate(operator: &Operator<'_>, name: &str, force: bool) -> Reply {
    let inactive = AccountChanges {
        is_active: Some(false),
        ..AccountChanges::default()
    };
    let done = |revoked: &str| {
        format!("User {name:?} is inactive: it can no longer log in or use its tokens.\n{revoked}")
    };
    change(operator, name, inactive, guard(force), done)
}

/// `user delete`.
pub(super) fn delete(operator: &Operator<'_>, name: &str, force: bool) -> Reply {
    match operator
        .accounts()
        .delete(UserKey::Username(name.to_owned()), guard(force))
    {
        Ok(user) => {
            operator.log(&format!("user {name:?} (id {}) deleted", user.id));
            Reply::done(format!("Deleted user {name:?}.\n"))
        }
        Err(e) => account_error(e, name, "deleting"),
    }
}

/// `user revoke`: every token of the user refused from now on.
pub(super) fn revoke(operator: &Operator<'_>, name: &str) -> Reply {
    match operator
        .accounts()
        .revoke(UserKey::Username(name.to_owned()))
    {
        Ok((user, tokens)) => {
            operator.log(&format!(
                "user {name:?} (id {}) revoked: {tokens} refresh token(s) blacklisted",
                user.id
            ));
            Reply::done(revoked_line(name, Some(tokens)))
        }
        Err(e) => account_error(e, name, ""),
    }
}

fn guard(force: bool) -> LastSuperuser {
    if force {
        LastSuperuser::MayRemove
    } else {
        LastSuperuser::Keep
    }
}

/// Applies `changes` to the user `name`; `done` words the result, given
/// the line about revoked tokens (empty when none were). Only a
/// deactivation can take the last active superuser's standing.
fn change(
    operator: &Operator<'_>,
    name: &str,
    changes: AccountChanges,
    last_superuser: LastSuperuser,
    done: impl FnOnce(&str) -> String,
) -> Reply {
    let what = match (&changes.password, changes.is_active) {
        (Some(_), _) => "password changed",
        (None, Some(true)) => "activated",
        (None, _) => "deactivated",
    };
    match operator
        .accounts()
        .change(UserKey::Username(name.to_owned()), changes, last_superuser)
    {
        Ok(Changed { user, revoked }) => {
            operator.log(&format!("user {name:?} (id {}) {what}", user.id));
            Reply::done(done(&revoked_line(name, revoked)))
        }
        Err(e) => account_error(e, name, "deactivating"),
    }
}

fn revoked_line(name: &str, revoked: Option<u64>) -> String {
    match revoked {
        Some(tokens) => {
            format!("Revoked every token of {name:?} ({tokens} refresh token(s) blacklisted).\n")
        }
        None => String::new(),
    }
}

fn no_such_user(name: &str) -> String {
    format!("no user named {name:?}")
}

fn invalid_username(name: &str) -> String {
    format!(
        "invalid username {name:?}: use at most {} letters, digits and @ . + - _",
        rules::USERNAME_MAX_CHARS
    )
}

/// The command line's words for what [`crate::auth::Accounts`] refuses;
/// `doing` names what would remove the last superuser.
fn account_error(e: AccountError, name: &str, doing: &str) -> Reply {
    Reply::failed(match e {
        AccountError::NoSuchUser => no_such_user(name),
        AccountError::UsernameTaken => format!("user {name:?} already exists"),
        AccountError::Username(_) => invalid_username(name),
        AccountError::Password(problems) => password_error(&problems),
        AccountError::PasswordRefused(refusals) => refused(&refusals),
        AccountError::LastSuperuser => format!(
            "{name:?} is the last active superuser: {doing} them leaves nobody who can use \
             the admin API. Make another superuser first, or add --force"
        ),
        AccountError::Referenced(table) => format!(
            "user {name:?} is not deleted: rows of the table {table} still reference them \
             (Django would delete those with the user); delete those rows first"
        ),
        other => other.to_string(),
    })
}

/// `AUTH_PASSWORD_VALIDATORS`' refusals, Django's messages one a line.
fn refused(refusals: &[PasswordRefusal]) -> String {
    let mut text = String::from("the password is refused:");
    for refusal in refusals {
        text.push_str(&format!("\n  {refusal}"));
    }
    text
}

/// `--email`: Django's `EmailValidator` (the subset [`email_is_valid`]
/// reads) within Django's 254 characters; when users log in by it
/// (`USERNAME_FIELD` email), given and nobody else's.
fn email_refusal(operator: &Operator<'_>, email: &str) -> Option<Reply> {
    let accounts = operator.accounts();
    let login_field = accounts.emails_are_unique();
    if email.is_empty() {
        return login_field.then(|| {
            Reply::failed("USERNAME_FIELD is email, which users log in by: give the user's --email")
        });
    }
    if email.chars().count() > 254 || !email_is_valid(email) {
        return Some(Reply::failed(format!(
            "{email:?} is not a valid email address"
        )));
    }
    if !login_field {
        return None;
    }
    match accounts.user_by(UserField::Email, email) {
        Ok(None) => None,
        Ok(Some(_)) => Some(Reply::failed(format!(
            "a user with the email {email:?} already exists"
        ))),
        Err(e) => Some(Reply::failed(e)),
    }
}

/// The refusal of a password that could never be used, if it is one.
fn password_refusal(password: &str) -> Option<Reply> {
    match rules::password_problems(password).as_slice() {
        [] => None,
        problems => Some(Reply::failed(password_error(problems))),
    }
}

/// The first problem of a password, for a terminal.
fn password_error(problems: &[PasswordProblem]) -> String {
    match problems.first() {
        Some(PasswordProblem::Blank) => "the password is empty",
        Some(PasswordProblem::OuterWhitespace) => {
            "the password starts or ends with whitespace, which logins strip; it could never be used"
        }
        Some(PasswordProblem::NulCharacter) | None => "the password contains a NUL character",
    }
    .into()
}

/// `user list`'s table: one word a cell (`-` for no email), so that a
/// script may split its lines on white space.
fn users_table(users: &[User]) -> String {
    let yes_no = |b: bool| if b { "yes" } else { "no" };
    let rows: Vec<[String; 8]> = users
        .iter()
        .map(|u| {
            [
                u.id.to_string(),
                u.username.clone(),
                if u.email.is_empty() {
                    "-".into()
                } else {
                    u.email.clone()
                },
                yes_no(u.is_active).into(),
                yes_no(u.is_staff).into(),
                yes_no(u.is_superuser).into(),
                time::rfc3339(u.date_joined, false),
                u.last_login
                    .map_or_else(|| "never".into(), |t| time::rfc3339(t, false)),
            ]
        })
        .collect();
    let header = [
        "ID",
        "USERNAME",
        "EMAIL",
        "ACTIVE",
        "STAFF",
        "SUPERUSER",
        "JOINED",
        "LAST LOGIN",
    ]
    .map(String::from);
    let mut widths = header.clone().map(|h| h.chars().count());
    for row in &rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let mut out = String::new();
    for row in std::iter::once(&header).chain(&rows) {
        let line: Vec<String> = row
            .iter()
            .zip(widths)
            .map(|(cell, w)| format!("{cell:<w$}"))
            .collect();
        out.push_str(line.join("  ").trim_end());
        out.push('\n');
    }
    if rows.is_empty() {
        out.push_str("(no users yet: add one with `jwtd user add NAME`)\n");
    }
    out
}
