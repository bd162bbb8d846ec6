//! The commands that act on the database, typed once: built by the command
//! line from its arguments (and from what it read: a password typed twice,
//! a dump file, a token on standard input), sent on the control socket as
//! one JSON object, and run by whoever holds the database: the running
//! server, or the command line itself when no server does. Either way a
//! command answers the same [`Reply`].
//!
//! ```text
//!   jwtd user add alice ─► ControlCommand::UserAdd ─┬─ no server: run here
//!                                                   └─ server: {"command":
//!                                                      "user add", ...} ─► run there
//! ```

use std::fmt;
use std::path::PathBuf;

use serde_json::{Map, Value};

use super::{database, django, key, token, user, Operator, Reply};

/// Text that must not reach a log through `Debug`: a password, a token,
/// a dump full of password hashes.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(pub String);

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "[redacted, {} bytes]", self.0.len())
    }
}

/// A command on the database.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ControlCommand {
    /// Before a password is asked for: that `name` is a valid username
    /// and free (`must_exist` false), or names a user (`must_exist` true).
    UserCheck {
        /// The username.
        name: String,
        /// Whether the user must exist already.
        must_exist: bool,
    },
    /// `user add NAME`.
    UserAdd {
        /// The username.
        name: String,
        /// The password, as typed.
        password: Secret,
        /// `--superuser` (staff too).
        superuser: bool,
        /// `--staff`.
        staff: bool,
        /// `--inactive`.
        inactive: bool,
        /// `--email`, empty if not given.
        email: String,
    },
    /// `user passwd NAME`.
    UserPasswd {
        /// The username.
        name: String,
        /// The new password.
        password: Secret,
    },
    /// `user list`.
    UserList,
    /// `user activate NAME`.
    UserActivate(String),
    /// `user deactivate NAME [--force]`.
    UserDeactivate {
        /// The username.
        name: String,
        /// Even if it is the last active superuser.
        force: bool,
    },
    /// `user delete NAME [--force]`.
    UserDelete {
        /// The username.
        name: String,
        /// Even if it is the last active superuser.
        force: bool,
    },
    /// `user revoke NAME`: revoke every token of the user.
    UserRevoke(String),
    /// `user import-django FILE`, with the file's text.
    ImportDjango {
        /// What the file holds.
        dump: Secret,
        /// Its name, for the report (`-` for standard input).
        source: String,
    },
    /// `user export-django`.
    ExportDjango,
    /// `flushexpiredtokens`.
    FlushExpiredTokens,
    /// `key list`.
    KeyList,
    /// `key rotate`.
    KeyRotate,
    /// `key retire ID [--force]`.
    KeyRetire {
        /// The key's id.
        kid: String,
        /// Even while tokens it signed can still be live.
        force: bool,
    },
    /// `token explain`, with the token.
    TokenExplain {
        /// The token, `Bearer ` dropped.
        token: Secret,
        /// `--json`.
        json: bool,
    },
    /// `backup PATH`, the path absolute.
    Backup(PathBuf),
}

/// A request that is no command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotACommand(pub String);

impl fmt::Display for NotACommand {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl ControlCommand {
    /// Its name on the socket: the words typed after `jwtd`.
    pub fn name(&self) -> &'static str {
        match self {
            ControlCommand::UserCheck { .. } => "user check",
            ControlCommand::UserAdd { .. } => "user add",
            ControlCommand::UserPasswd { .. } => "user passwd",
            ControlCommand::UserList => "user list",
            ControlCommand::UserActivate(_) => "user activate",
            ControlCommand::UserDeactivate { .. } => "user deactivate",
            ControlCommand::UserDelete { .. } => "user delete",
            ControlCommand::UserRevoke(_) => "user revoke",
            ControlCommand::ImportDjango { .. } => "user import-django",
            ControlCommand::ExportDjango => "user export-django",
            ControlCommand::FlushExpiredTokens => "flushexpiredtokens",
            ControlCommand::KeyList => "key list",
            ControlCommand::KeyRotate => "key rotate",
            ControlCommand::KeyRetire { .. } => "key retire",
            ControlCommand::TokenExplain { .. } => "token explain",
            ControlCommand::Backup(_) => "backup",
        }
    }

    /// The command as one JSON object: `command` names it, the other
    /// members are its arguments.
    pub fn to_json(&self) -> Value {
        let text = |s: &str| Value::from(s);
        let arguments: Vec<(&str, Value)> = match self {
            ControlCommand::UserCheck { name, must_exist } => {
                vec![("name", text(name)), ("must_exist", (*must_exist).into())]
            }
            ControlCommand::UserAdd {
                name,
                password,
                superuser,
                staff,
                inactive,
                email,
            } => vec![
                ("name", text(name)),
                ("password", text(&password.0)),
                ("superuser", (*superuser).into()),
                ("staff", (*staff).into()),
                ("inactive", (*inactive).into()),
                ("email", text(email)),
            ],
            ControlCommand::UserPasswd { name, password } => {
                vec![("name", text(name)), ("password", text(&password.0))]
            }
            ControlCommand::UserActivate(name) | ControlCommand::UserRevoke(name) => {
                vec![("name", text(name))]
            }
            ControlCommand::UserDeactivate { name, force }
            | ControlCommand::UserDelete { name, force } => {
                vec![("name", text(name)), ("force", (*force).into())]
            }
            ControlCommand::ImportDjango { dump, source } => {
                vec![("dump", text(&dump.0)), ("source", text(source))]
            }
            ControlCommand::KeyRetire { kid, force } => {
                vec![("kid", text(kid)), ("force", (*force).into())]
            }
            ControlCommand::TokenExplain { token, json } => {
                vec![("token", text(&token.0)), ("json", (*json).into())]
            }
            ControlCommand::Backup(path) => vec![("path", text(&path.to_string_lossy()))],
            ControlCommand::UserList
            | ControlCommand::ExportDjango
            | ControlCommand::FlushExpiredTokens
            | ControlCommand::KeyList
            | ControlCommand::KeyRotate => Vec::new(),
        };
        let mut object = Map::new();
        object.insert("command".into(), self.name().into());
        for (name, value) in arguments {
            object.insert(name.into(), value);
        }
        Value::Object(object)
    }

    /// The command a JSON object names, as [`ControlCommand::to_json`]
    /// writes it.
    pub fn from_json(value: &Value) -> Result<ControlCommand, NotACommand> {
        let arguments = Arguments(value);
        let command = arguments.text("command")?;
        let name = || arguments.text("name");
        Ok(match command.as_str() {
            "user check" => ControlCommand::UserCheck {
                name: name()?,
                must_exist: arguments.flag("must_exist")?,
            },
            "user add" => ControlCommand::UserAdd {
                name: name()?,
                password: Secret(arguments.text("password")?),
                superuser: arguments.flag("superuser")?,
                staff: arguments.flag("staff")?,
                inactive: arguments.flag("inactive")?,
                email: arguments.text("email")?,
            },
            "user passwd" => ControlCommand::UserPasswd {
                name: name()?,
                password: Secret(arguments.text("password")?),
            },
            "user list" => ControlCommand::UserList,
            "user activate" => ControlCommand::UserActivate(name()?),
            "user deactivate" => ControlCommand::UserDeactivate {
                name: name()?,
                force: arguments.flag("force")?,
            },
            "user delete" => ControlCommand::UserDelete {
                name: name()?,
                force: arguments.flag("force")?,
            },
            "user revoke" => ControlCommand::UserRevoke(name()?),
            "user import-django" => ControlCommand::ImportDjango {
                dump: Secret(arguments.text("dump")?),
                source: arguments.text("source")?,
            },
            "user export-django" => ControlCommand::ExportDjango,
            "flushexpiredtokens" => ControlCommand::FlushExpiredTokens,
            "key list" => ControlCommand::KeyList,
            "key rotate" => ControlCommand::KeyRotate,
            "key retire" => ControlCommand::KeyRetire {
                kid: arguments.text("kid")?,
                force: arguments.flag("force")?,
            },
            "token explain" => ControlCommand::TokenExplain {
                token: Secret(arguments.text("token")?),
                json: arguments.flag("json")?,
            },
            "backup" => {
                let path = PathBuf::from(arguments.text("path")?);
                if !path.is_absolute() {
                    return Err(NotACommand("backup: the path must be absolute".into()));
                }
                ControlCommand::Backup(path)
            }
            other => return Err(NotACommand(format!("not a control command: {other}"))),
        })
    }

    /// Runs the command: in a running server, or in the command-line
    /// process when no server holds the database.
    pub fn run(&self, operator: &Operator<'_>) -> Reply {
        match self {
            ControlCommand::UserCheck { name, must_exist } => {
                user::check(operator, name, *must_exist)
            }
            ControlCommand::UserAdd {
                name,
                password,
                superuser,
                staff,
                inactive,
                email,
            } => user::add(
                operator,
                user::ToAdd {
                    name,
                    password: &password.0,
                    superuser: *superuser,
                    staff: *staff,
                    inactive: *inactive,
                    email,
                },
            ),
            ControlCommand::UserPasswd { name, password } => {
                user::passwd(operator, name, &password.0)
            }
            ControlCommand::UserList => user::list(operator),
            ControlCommand::UserActivate(name) => user::activate(operator, name),
            ControlCommand::UserDeactivate { name, force } => {
                user::deactivate(operator, name, *force)
            }
            ControlCommand::UserDelete { name, force } => user::delete(operator, name, *force),
            ControlCommand::UserRevoke(name) => user::revoke(operator, name),
            ControlCommand::ImportDjango { dump, source } => {
                django::import(operator, &dump.0, source)
            }
            ControlCommand::ExportDjango => django::export(operator),
            ControlCommand::FlushExpiredTokens => database::flush_expired_tokens(operator),
            ControlCommand::KeyList => key::list(operator),
            ControlCommand::KeyRotate => key::rotate(operator),
            ControlCommand::KeyRetire { kid, force } => key::retire(operator, kid, *force),
            ControlCommand::TokenExplain { token, json } => {
                token::explain(operator, &token.0, *json)
            }
            ControlCommand::Backup(path) => database::backup(operator, path),
        }
    }
}

/// The members of a request object.
struct Arguments<'a>(&'a Value);

impl Arguments<'_> {
    fn text(&self, name: &str) -> Result<String, NotACommand> {
        match self.0.get(name) {
            Some(Value::String(text)) => Ok(text.clone()),
            _ => Err(NotACommand(format!("{name:?} must be a string"))),
        }
    }

    fn flag(&self, name: &str) -> Result<bool, NotACommand> {
        match self.0.get(name) {
            Some(Value::Bool(flag)) => Ok(*flag),
            None => Ok(false),
            _ => Err(NotACommand(format!("{name:?} must be true or false"))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn every_command() -> Vec<ControlCommand> {
        let secret = |s: &str| Secret(s.into());
        vec![
            ControlCommand::UserCheck {
                name: "alice".into(),
                must_exist: true,
            },
            ControlCommand::UserAdd {
                name: "alice".into(),
                password: secret("correct horse"),
                superuser: true,
                staff: false,
                inactive: true,
                email: "alice@example.com".into(),
            },
            ControlCommand::UserPasswd {
                name: "alice".into(),
                password: secret("battery staple"),
            },
            ControlCommand::UserList,
            ControlCommand::UserActivate("a".into()),
            ControlCommand::UserDeactivate {
                name: "a".into(),
                force: true,
            },
            ControlCommand::UserDelete {
                name: "a".into(),
                force: false,
            },
            ControlCommand::UserRevoke("a".into()),
            ControlCommand::ImportDjango {
                dump: secret("[]"),
                source: "-".into(),
            },
            ControlCommand::ExportDjango,
            ControlCommand::FlushExpiredTokens,
            ControlCommand::KeyList,
            ControlCommand::KeyRotate,
            ControlCommand::KeyRetire {
                kid: "k1".into(),
                force: true,
            },
            ControlCommand::TokenExplain {
                token: secret("a.b.c"),
                json: true,
            },
            ControlCommand::Backup(PathBuf::from("/var/backups/jwtd.redb")),
        ]
    }

    #[test]
    fn every_command_reads_back_from_its_json_as_itself() {
        for command in every_command() {
            let line = command.to_json().to_string();
            let read = ControlCommand::from_json(&serde_json::from_str(&line).unwrap());
            assert_eq!(read, Ok(command.clone()), "{line}");
            assert_eq!(command.to_json()["command"], command.name());
        }
    }

    #[test]
    fn requests_that_name_no_command_are_refused_with_the_reason() {
        for (request, why) in [
            (
                json!({"command": "user frob"}),
                "not a control command: user frob",
            ),
            (json!({}), "\"command\" must be a string"),
            (json!({"command": "user add"}), "\"name\" must be a string"),
            (
                json!({"command": "user delete", "name": "a", "force": "yes"}),
                "\"force\" must be true or false",
            ),
            (
                json!({"command": "backup", "path": "relative.redb"}),
                "backup: the path must be absolute",
            ),
        ] {
            assert_eq!(
                ControlCommand::from_json(&request),
                Err(NotACommand(why.into()))
            );
        }
    }

    #[test]
    fn debug_never_shows_a_password_a_token_or_a_dump() {
        let shown = format!("{:?}", every_command());
        for secret in ["correct horse", "battery staple", "a.b.c", "[]\""] {
            assert!(!shown.contains(secret), "{secret} in {shown}");
        }
    }
}
