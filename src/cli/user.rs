//! `jwtd user`: accounts. Its help, its parser, and what the command line
//! does before a user command runs on the database: the name checked and
//! the password asked for (`prompt`). The commands themselves are
//! [`ControlCommand`]s, run where the database is (`session`).
//!
//! [`ControlCommand`]: crate::control::ControlCommand

use std::path::PathBuf;

use super::arguments::Arguments;
use super::session::Session;
use super::{prompt, wrong_arguments, CliError, Command, Creates, UsageError};
use crate::config::Settings;
use crate::control::{ControlCommand, Secret};
use crate::store::Address;

pub(super) const HELP: &str = "\
Manage users. Every command works while a server runs (through its
control socket) as well as on a stopped one.

Usage:
  jwtd user add NAME [--superuser] [--staff] [--inactive] [--password-stdin]
  jwtd user passwd NAME [--password-stdin]
  jwtd user revoke NAME
  jwtd user list
  jwtd user activate NAME
  jwtd user deactivate NAME [--force]
  jwtd user delete NAME [--force]
  jwtd user import-django FILE      (FILE is `manage.py dumpdata` output, or - for stdin)
  jwtd user export-django

Run `jwtd user COMMAND --help` for one command's details.

Options:
  --db PATH        Database: a redb file, or postgres://USER@HOST[:PORT]/DBNAME
                   [default: jwtd.redb, env: JWTD_DB]
  --config FILE    JSON settings file [env: JWTD_CONFIG]
";

const ADD_HELP: &str = "\
Create a user.

Usage: jwtd user add NAME [--email ADDRESS] [--superuser] [--staff] [--inactive] [--password-stdin]

Without --password-stdin the password is asked for twice on the terminal,
without echo. With it, the first line of standard input is the password.
A new password must pass Django's password validators
(AUTH_PASSWORD_VALIDATORS: by default not too similar to the username, at
least 8 characters, not a common password, not entirely numeric), whose
messages are Django's. Passwords are hashed as Django does, with the first
of PASSWORD_HASHERS (pbkdf2_sha256 at PASSWORD_ITERATIONS unless set).
Creates the database if there is none yet.

Options:
  --email ADDRESS   Django's email: what the user logs in by when
                    USERNAME_FIELD is email (then required, and unique)
  --superuser       May use the admin API (implies --staff)
  --staff           Django's is_staff
  --inactive        Cannot log in until `jwtd user activate NAME`
  --password-stdin  Read the password from standard input
";

const PASSWD_HELP: &str = "\
Set a user's password.

Usage: jwtd user passwd NAME [--password-stdin]

The password is read and checked as for `jwtd user add`. Every token of
the user is revoked at once, unless REVOKE_ON_PASSWORD_CHANGE is false.
";

const REVOKE_HELP: &str = "\
Log a user out everywhere.

Usage: jwtd user revoke NAME

Blacklists every refresh token issued to the user and refuses every token
of theirs issued up to now, access tokens included, at once.
";

const LIST_HELP: &str = "\
List users: id, username, email, active, staff, superuser, joined, last login.

Usage: jwtd user list
";

const ACTIVATE_HELP: &str = "\
Let a user log in again.

Usage: jwtd user activate NAME

Tokens revoked when the user was deactivated stay revoked.
";

const DEACTIVATE_HELP: &str = "\
Stop a user from logging in and from using any token of theirs.

Usage: jwtd user deactivate NAME [--force]

Every token of the user is revoked. The last active superuser is kept
unless --force is given: without one, nobody can use the admin API.
";

const DELETE_HELP: &str = "\
Delete a user.

Usage: jwtd user delete NAME [--force]

The user's tokens name nobody from then on, so every use of them fails;
the id is never given again. The last active superuser is kept unless
--force is given.
";

const IMPORT_HELP: &str = "\
Import users from Django.

Usage: jwtd user import-django FILE   (FILE is `manage.py dumpdata` output, or - for stdin)

Reads `manage.py dumpdata` output, of auth.user or of the whole project
(other models are counted and skipped). It keeps ids, usernames, password
hashes, is_active, is_staff, is_superuser, date_joined and last_login;
missing fields take Django's defaults. One transaction: a bad user entry or
a conflicting user changes nothing. Users already present with the same id
and username are left as they are, so running it twice is safe. Hashes jwtd
cannot verify yet (argon2, bcrypt, scrypt, pbkdf2_sha1) are kept as they
are, and export-django gives them back unchanged; those users are listed
and cannot log in to jwtd until `jwtd user passwd NAME`.
";

const EXPORT_HELP: &str = "\
Print every user as `manage.py dumpdata auth.user` does, for
`manage.py loaddata`.

Usage: jwtd user export-django
";

/// `jwtd user SUBCOMMAND --help`.
pub(super) const SUBCOMMANDS: &[(&str, &str)] = &[
    ("add", ADD_HELP),
    ("passwd", PASSWD_HELP),
    ("revoke", REVOKE_HELP),
    ("list", LIST_HELP),
    ("activate", ACTIVATE_HELP),
    ("deactivate", DEACTIVATE_HELP),
    ("delete", DELETE_HELP),
    ("import-django", IMPORT_HELP),
    ("export-django", EXPORT_HELP),
];

/// Parses `user ...`.
pub(super) fn parse(words: &[&str], arguments: &Arguments) -> Result<Command, UsageError> {
    let control = |command| Ok(Command::Control(command));
    match words {
        ["user", "add", name] => {
            arguments.allow_flags(&["--superuser", "--staff", "--inactive", "--password-stdin"])?;
            Ok(Command::UserAdd {
                name: (*name).to_owned(),
                superuser: arguments.flag("--superuser"),
                staff: arguments.flag("--staff"),
                inactive: arguments.flag("--inactive"),
                email: arguments.email.clone().unwrap_or_default(),
                password_stdin: arguments.flag("--password-stdin"),
            })
        }
        ["user", "passwd", name] => {
            arguments.allow_flags(&["--password-stdin"])?;
            Ok(Command::UserPasswd {
                name: (*name).to_owned(),
                password_stdin: arguments.flag("--password-stdin"),
            })
        }
        ["user", "import-django", file] => {
            arguments.allow_flags(&[])?;
            Ok(Command::UserImportDjango(PathBuf::from(file)))
        }
        ["user", action @ ("deactivate" | "delete"), name] => {
            arguments.allow_flags(&["--force"])?;
            let (name, force) = ((*name).to_owned(), arguments.flag("--force"));
            control(match *action {
                "deactivate" => ControlCommand::UserDeactivate { name, force },
                _ => ControlCommand::UserDelete { name, force },
            })
        }
        ["user", action @ ("activate" | "revoke"), name] => {
            arguments.allow_flags(&[])?;
            let name = (*name).to_owned();
            control(match *action {
                "activate" => ControlCommand::UserActivate(name),
                _ => ControlCommand::UserRevoke(name),
            })
        }
        ["user", "list"] => {
            arguments.allow_flags(&[])?;
            control(ControlCommand::UserList)
        }
        ["user", "export-django"] => {
            arguments.allow_flags(&[])?;
            control(ControlCommand::ExportDjango)
        }
        ["user"] => Ok(Command::Help(HELP)),
        ["user", sub, ..] => Err(match arguments_of(sub) {
            Some(expected) => wrong_arguments(words, expected),
            None => UsageError::new(format!("unknown user command: {}", words[1..].join(" "))),
        }),
        _ => Err(UsageError::new("unknown user command")),
    }
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
    /// `--email`, empty if not given.
    pub(super) email: String,
}

/// `user add`: the name checked and free, then the password asked for,
/// then the account made where the database is (created if need be).
pub(super) fn add(
    settings: &Settings,
    db: &Address,
    account: UserToAdd,
    password_stdin: bool,
) -> Result<u8, CliError> {
    let session = Session::open(settings, db, Creates::Yes)?;
    check(&session, &account.name, false)?;
    let password = prompt::new_password(password_stdin)?;
    session.print(&ControlCommand::UserAdd {
        name: account.name,
        password: Secret(password),
        superuser: account.superuser,
        staff: account.staff,
        inactive: account.inactive,
        email: account.email,
    })
}

/// `user passwd`: the user checked, then the new password asked for.
pub(super) fn passwd(
    settings: &Settings,
    db: &Address,
    name: String,
    password_stdin: bool,
) -> Result<u8, CliError> {
    let session = Session::open(settings, db, Creates::No)?;
    check(&session, &name, true)?;
    let password = prompt::new_password(password_stdin)?;
    session.print(&ControlCommand::UserPasswd {
        name,
        password: Secret(password),
    })
}

/// Refuses, before anyone types a password, a name that is invalid or
/// taken (`must_exist` false) or names nobody (`must_exist` true).
fn check(session: &Session, name: &str, must_exist: bool) -> Result<(), CliError> {
    let reply = session.run(&ControlCommand::UserCheck {
        name: name.to_owned(),
        must_exist,
    })?;
    match reply.code {
        0 => Ok(()),
        _ => Err(CliError(reply.err)),
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
                email: String::new(),
                password_stdin: true
            }
        );
        assert_eq!(
            parse_args("user add alice --email a@example.com")
                .unwrap()
                .command,
            Command::UserAdd {
                name: "alice".into(),
                superuser: false,
                staff: false,
                inactive: false,
                email: "a@example.com".into(),
                password_stdin: false
            }
        );
        assert!(parse_args("user add alice --email").is_err());
        assert_eq!(
            parse_args("user passwd bob").unwrap().command,
            Command::UserPasswd {
                name: "bob".into(),
                password_stdin: false
            }
        );
        let control = |words: &str| match parse_args(words).unwrap().command {
            Command::Control(command) => command,
            other => panic!("{words}: {other:?}"),
        };
        assert_eq!(control("user list"), ControlCommand::UserList);
        assert_eq!(
            control("user activate a"),
            ControlCommand::UserActivate("a".into())
        );
        assert_eq!(
            control("user deactivate a"),
            ControlCommand::UserDeactivate {
                name: "a".into(),
                force: false
            }
        );
        assert_eq!(
            control("user delete a --force"),
            ControlCommand::UserDelete {
                name: "a".into(),
                force: true
            }
        );
        assert_eq!(
            control("user revoke a"),
            ControlCommand::UserRevoke("a".into())
        );
        assert_eq!(
            control("flushexpiredtokens"),
            ControlCommand::FlushExpiredTokens
        );
        assert_eq!(
            parse_args("user add a --help").unwrap().command,
            Command::Help(ADD_HELP)
        );
        assert_eq!(
            parse_args("user delete --help").unwrap().command,
            Command::Help(DELETE_HELP)
        );
    }
}
