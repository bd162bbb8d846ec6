//! `jwtd user`: accounts. Its help, its parser, and the commands that
//! run here on the database: add, passwd, list, activate, deactivate,
//! delete. `user revoke` is a [`ControlCommand`]; `import-django` and
//! `export-django` run in `django`.
//!
//! The rules for usernames and passwords are [`crate::auth::rules`], the
//! password validators (`AUTH_PASSWORD_VALIDATORS`) and the writes
//! [`Accounts`]' (as for the admin API); this module words their refusals
//! for a terminal, the validators' in Django's words, one a line.
//!
//! [`ControlCommand`]: crate::control::ControlCommand

use std::path::PathBuf;

use super::arguments::Arguments;
use super::{prompt, wrong_arguments, CliError, Command, UsageError};
use crate::auth::rules::{self, PasswordProblem};
use crate::auth::{self, AccountChanges, AccountError, Accounts, Changed, PasswordRefusal};
use crate::store::{User, UserKey};
use crate::time;

pub(super) const HELP: &str = "\
Manage users.

Usage:
  jwtd user add NAME [--superuser] [--staff] [--inactive] [--password-stdin]
  jwtd user passwd NAME [--password-stdin]
  jwtd user revoke NAME
  jwtd user list
  jwtd user activate NAME
  jwtd user deactivate NAME
  jwtd user delete NAME
  jwtd user import-django FILE      (FILE is `manage.py dumpdata auth.user` output, or - for stdin)
  jwtd user export-django

Without --password-stdin the password is asked for twice on the terminal,
without echo. With it, the first line of standard input is the password.
A new password must pass Django's password validators
(AUTH_PASSWORD_VALIDATORS: by default not too similar to the username, at
least 8 characters, not a common password, not entirely numeric).
Passwords are hashed as Django does (pbkdf2_sha256, PASSWORD_ITERATIONS).

revoke blacklists every refresh token issued to the user and refuses every
token of theirs issued up to now, access tokens included, at once. passwd
does the same unless REVOKE_ON_PASSWORD_CHANGE is false.

import-django keeps ids, usernames, pbkdf2_sha256 hashes, is_active,
is_staff, is_superuser, date_joined and last_login, in one transaction: a
bad entry or a conflicting user changes nothing. Users already present with
the same id and username are left as they are, so running it twice is safe.
Hashes jwtd cannot verify (argon2, bcrypt, scrypt, pbkdf2_sha1) are imported
as unusable passwords and listed; set them with `jwtd user passwd NAME`.

Options:
  --db PATH        Database file [default: jwtd.redb, env: JWTD_DB]
  --config FILE    JSON settings file [env: JWTD_CONFIG]
";

/// Parses `user ...` (but `user revoke`, a control command).
pub(super) fn parse(words: &[&str], arguments: &Arguments) -> Result<Command, UsageError> {
    let command = match words {
        ["user", "add", name] => {
            arguments.allow_flags(&["--superuser", "--staff", "--inactive", "--password-stdin"])?;
            Command::UserAdd {
                name: (*name).to_owned(),
                superuser: arguments.flag("--superuser"),
                staff: arguments.flag("--staff"),
                inactive: arguments.flag("--inactive"),
                password_stdin: arguments.flag("--password-stdin"),
            }
        }
        ["user", "passwd", name] => {
            arguments.allow_flags(&["--password-stdin"])?;
            Command::UserPasswd {
                name: (*name).to_owned(),
                password_stdin: arguments.flag("--password-stdin"),
            }
        }
        ["user", "list"] => {
            arguments.allow_flags(&[])?;
            Command::UserList
        }
        ["user", "import-django", file] => {
            arguments.allow_flags(&[])?;
            Command::UserImportDjango(PathBuf::from(file))
        }
        ["user", "export-django"] => {
            arguments.allow_flags(&[])?;
            Command::UserExportDjango
        }
        ["user", action @ ("activate" | "deactivate" | "delete"), name] => {
            arguments.allow_flags(&[])?;
            let name = (*name).to_owned();
            match *action {
                "activate" => Command::UserActivate(name),
                "deactivate" => Command::UserDeactivate(name),
                _ => Command::UserDelete(name),
            }
        }
        ["user"] => Command::Help(HELP),
        ["user", sub, ..] => {
            return Err(match arguments_of(sub) {
                Some(expected) => wrong_arguments(words, expected),
                None => UsageError::new(format!("unknown user command: {}", words[1..].join(" "))),
            })
        }
        _ => return Err(UsageError::new("unknown user command")),
    };
    Ok(command)
}

/// The arguments a `user` subcommand takes, if it is one.
fn arguments_of(sub: &str) -> Option<&'static [&'static str]> {
    match sub {
        "add" | "passwd" | "activate" | "deactivate" | "delete" | "revoke" => Some(&["NAME"]),
        "import-django" => Some(&["FILE"]),
        "list" | "export-django" => Some(&[]),
        _ => None,
    }
}

/// `user add`'s account, but its password.
pub(super) struct UserToAdd {
    /// The username.
    pub(super) name: String,
    /// `--superuser` (staff too).
    pub(super) superuser: bool,
    /// `--staff`.
    pub(super) staff: bool,
    /// `--inactive`.
    pub(super) inactive: bool,
}

/// `user add`: the name checked and free, then the password asked for.
pub(super) fn add(
    accounts: &Accounts,
    account: UserToAdd,
    password_stdin: bool,
) -> Result<u8, CliError> {
    let UserToAdd {
        name,
        superuser,
        staff,
        inactive,
    } = account;
    if !rules::username_problems(&name).is_empty() {
        return Err(invalid_username(&name));
    }
    if accounts.user_by_name(&name)?.is_some() {
        return Err(CliError(format!("user {name:?} already exists")));
    }
    let password = new_password(password_stdin)?;
    let user = accounts
        .create(auth::NewAccount {
            username: name.clone(),
            password,
            is_active: !inactive,
            is_staff: staff || superuser,
            is_superuser: superuser,
        })
        .map_err(|e| account_error(e, &name))?;
    println!("Created user {:?} with id {}.", user.username, user.id);
    Ok(0)
}

/// `user passwd`: the new password, then the user's tokens revoked unless
/// `REVOKE_ON_PASSWORD_CHANGE` is false.
pub(super) fn passwd(
    accounts: &Accounts,
    name: &str,
    password_stdin: bool,
) -> Result<u8, CliError> {
    if accounts.user_by_name(name)?.is_none() {
        return Err(no_such_user(name));
    }
    let password = new_password(password_stdin)?;
    let changed = change(
        accounts,
        name,
        AccountChanges {
            password: Some(password),
            ..AccountChanges::default()
        },
    )?;
    println!("Password changed for user {name:?}.");
    print_revoked(name, changed.revoked);
    Ok(0)
}

/// `user list`.
pub(super) fn list(accounts: &Accounts) -> Result<u8, CliError> {
    print_users(&accounts.all()?);
    Ok(0)
}

/// `user activate`.
pub(super) fn activate(accounts: &Accounts, name: &str) -> Result<u8, CliError> {
    let active = AccountChanges {
        is_active: Some(true),
        ..AccountChanges::default()
    };
    change(accounts, name, active)?;
    println!("User {name:?} is active.");
    Ok(0)
}

/// `user deactivate`: the user can no longer log in, and every token of
/// theirs is revoked, so activating them again brings none back.
pub(super) fn deactivate(accounts: &Accounts, name: &str) -> Result<u8, CliError> {
    let inactive = AccountChanges {
        is_active: Some(false),
        ..AccountChanges::default()
    };
    let changed = change(accounts, name, inactive)?;
    println!("User {name:?} is inactive: it can no longer log in or use its tokens.");
    print_revoked(name, changed.revoked);
    Ok(0)
}

/// `user delete`.
pub(super) fn delete(accounts: &Accounts, name: &str) -> Result<u8, CliError> {
    accounts
        .delete(UserKey::Username(name.to_owned()))
        .map_err(|e| account_error(e, name))?;
    println!("Deleted user {name:?}.");
    Ok(0)
}

fn change(accounts: &Accounts, name: &str, changes: AccountChanges) -> Result<Changed, CliError> {
    accounts
        .change(UserKey::Username(name.to_owned()), changes)
        .map_err(|e| account_error(e, name))
}

fn print_revoked(name: &str, revoked: Option<u64>) {
    if let Some(tokens) = revoked {
        println!("Revoked every token of {name:?} ({tokens} refresh token(s) blacklisted).");
    }
}

fn no_such_user(name: &str) -> CliError {
    CliError(format!("no user named {name:?}"))
}

fn invalid_username(name: &str) -> CliError {
    CliError(format!(
        "invalid username {name:?}: use at most {} letters, digits and @ . + - _",
        rules::USERNAME_MAX_CHARS
    ))
}

/// The CLI's words for what [`Accounts`] refuses.
fn account_error(e: AccountError, name: &str) -> CliError {
    match e {
        AccountError::NoSuchUser => no_such_user(name),
        AccountError::UsernameTaken => CliError(format!("user {name:?} already exists")),
        AccountError::Username(_) => invalid_username(name),
        AccountError::Password(problems) => password_error(&problems),
        AccountError::PasswordRefused(refusals) => CliError(refused(&refusals)),
        other => CliError(other.to_string()),
    }
}

/// `AUTH_PASSWORD_VALIDATORS`' refusals, Django's messages one a line.
fn refused(refusals: &[PasswordRefusal]) -> String {
    let mut text = String::from("the password is refused:");
    for refusal in refusals {
        text.push_str(&format!("\n  {refusal}"));
    }
    text
}

/// A new password, read as `--password-stdin` says, that can log in.
fn new_password(from_stdin: bool) -> Result<String, CliError> {
    let password = prompt::new_password(from_stdin)?;
    match rules::password_problems(&password).as_slice() {
        [] => Ok(password),
        problems => Err(password_error(problems)),
    }
}

/// The first problem of a password, for a terminal.
fn password_error(problems: &[PasswordProblem]) -> CliError {
    CliError(
        match problems.first() {
            Some(PasswordProblem::Blank) => "the password is empty",
            Some(PasswordProblem::OuterWhitespace) => {
                "the password starts or ends with whitespace, which logins strip; it could never be used"
            }
            Some(PasswordProblem::NulCharacter) | None => "the password contains a NUL character",
        }
        .into(),
    )
}

fn print_users(users: &[User]) {
    let yes_no = |b: bool| if b { "yes" } else { "no" };
    let rows: Vec<[String; 7]> = users
        .iter()
        .map(|u| {
            [
                u.id.to_string(),
                u.username.clone(),
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
    for row in std::iter::once(&header).chain(&rows) {
        let line: Vec<String> = row
            .iter()
            .zip(widths)
            .map(|(cell, w)| format!("{cell:<w$}"))
            .collect();
        println!("{}", line.join("  ").trim_end());
    }
    if rows.is_empty() {
        println!("(no users yet: add one with `jwtd user add NAME`)");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cli::tests::parse_args;

    #[test]
    fn user_commands() {
        assert_eq!(
            parse_args("user add alice --superuser --password-stdin")
                .unwrap()
                .command,
            Command::UserAdd {
                name: "alice".into(),
                superuser: true,
                staff: false,
                inactive: false,
                password_stdin: true
            }
        );
        assert_eq!(
            parse_args("user passwd bob").unwrap().command,
            Command::UserPasswd {
                name: "bob".into(),
                password_stdin: false
            }
        );
        assert_eq!(parse_args("user list").unwrap().command, Command::UserList);
        assert_eq!(
            parse_args("user activate a").unwrap().command,
            Command::UserActivate("a".into())
        );
        assert_eq!(
            parse_args("user deactivate a").unwrap().command,
            Command::UserDeactivate("a".into())
        );
        assert_eq!(
            parse_args("user delete a").unwrap().command,
            Command::UserDelete("a".into())
        );
        assert_eq!(
            parse_args("flushexpiredtokens").unwrap().command,
            Command::FlushExpiredTokens
        );
    }
}
