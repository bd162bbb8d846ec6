//! The command line, parsed by hand: `serve`, `user ...`, `key ...`,
//! `flushexpiredtokens`, `token explain` and `config`. Every command takes
//! `--db PATH` (default `jwtd.redb`, or `JWTD_DB`) and `--config FILE` (or
//! `JWTD_CONFIG`). Secrets never come from arguments, where `ps` would show
//! them.
//!
//! Here: the typed [`Command`], [`parse`], which reads the arguments once
//! (`arguments`) and hands the words to the family their first word names,
//! and [`run`], which hands each command to its family. Each family keeps
//! its help text beside its parser: `serve`, `user` (accounts; passwords
//! typed through `prompt`), `django` (import and export of `dumpdata`),
//! `key`, `token` (explain), `maintenance` (`flushexpiredtokens`),
//! `backup`, `config` (the settings in force). Every command on the
//! database becomes a [`ControlCommand`], which `session` runs here or
//! sends to the running server that holds the database: the output is the
//! same either way.

use std::fmt;
use std::io;
use std::path::{Path, PathBuf};

use crate::config::{Loaded, Settings};
use crate::control::ControlCommand;
use crate::files;
use crate::store::{Address, StoreError};

mod arguments;
mod backup;
mod config;
mod django;
mod key;
mod maintenance;
mod prompt;
mod serve;
mod session;
mod token;
mod user;

use arguments::Arguments;

/// What to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    /// Run the server.
    Serve {
        /// `--addr`, default `127.0.0.1:8000` (or `JWTD_ADDR`).
        addr: String,
        /// `--workers`, overriding `WORKERS`.
        workers: Option<usize>,
    },
    /// A command on the database that needs nothing but its arguments:
    /// run here, or by a running server through its control socket.
    Control(ControlCommand),
    /// Create an account (the password is read first).
    UserAdd {
        /// Username.
        name: String,
        /// `--superuser`.
        superuser: bool,
        /// `--staff`.
        staff: bool,
        /// `--inactive`.
        inactive: bool,
        /// `--email`, empty if not given.
        email: String,
        /// `--password-stdin`.
        password_stdin: bool,
    },
    /// Set a password (read first).
    UserPasswd {
        /// Username.
        name: String,
        /// `--password-stdin`.
        password_stdin: bool,
    },
    /// Import the users of `manage.py dumpdata` output (`-` for stdin),
    /// read first.
    UserImportDjango(PathBuf),
    /// Take a token apart and run the server's checks on it.
    TokenExplain {
        /// The token; `None` or `-` reads standard input.
        token: Option<String>,
        /// `--json`.
        json: bool,
    },
    /// Copy the live database to a new file.
    Backup(PathBuf),
    /// Print every setting in force, with where it came from.
    Config {
        /// `--json`.
        json: bool,
    },
    /// Print help text.
    Help(&'static str),
    /// Print the version.
    Version,
}

/// A parsed command line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invocation {
    /// The command.
    pub command: Command,
    /// `--db`: a redb file, or a `postgres://` URL.
    pub db: Address,
    /// `--config`.
    pub config: Option<PathBuf>,
}

/// A command line that cannot be run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UsageError {
    message: String,
    /// The command family whose help to point at (`jwtd user --help`).
    family: Option<&'static str>,
}

impl UsageError {
    /// A usage error saying `message`.
    pub fn new(message: impl Into<String>) -> UsageError {
        UsageError {
            message: message.into(),
            family: None,
        }
    }

    /// What is wrong, without the pointer to the help.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// Points at `jwtd FAMILY --help` rather than `jwtd --help`.
    fn in_family(mut self, family: &'static str) -> UsageError {
        self.family.get_or_insert(family);
        self
    }
}

impl fmt::Display for UsageError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.family {
            Some(family) => write!(f, "{}\nRun `jwtd {family} --help` for usage.", self.message),
            None => write!(f, "{}\nRun `jwtd --help` for usage.", self.message),
        }
    }
}

/// The usage error for a known subcommand given the wrong arguments:
/// `jwtd user add` without its NAME, `jwtd user list` with one too many.
/// `expected` names the arguments the subcommand takes.
pub(super) fn wrong_arguments(words: &[&str], expected: &[&str]) -> UsageError {
    let command = words.iter().take(2).copied().collect::<Vec<_>>().join(" ");
    let given = words.len().saturating_sub(2);
    if given < expected.len() {
        UsageError::new(format!(
            "`jwtd {command}` needs {}",
            expected[given..].join(" ")
        ))
    } else {
        UsageError::new(format!(
            "`jwtd {command}` takes {}; extra: {}",
            match expected {
                [] => "no argument".to_owned(),
                names => names.join(" "),
            },
            words[2 + expected.len()..].join(" ")
        ))
    }
}

/// A failure while running a command, printed as `jwtd: <message>`.
#[derive(Debug)]
pub struct CliError(pub String);

impl fmt::Display for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl From<StoreError> for CliError {
    fn from(e: StoreError) -> CliError {
        CliError(e.to_string())
    }
}

impl From<io::Error> for CliError {
    fn from(e: io::Error) -> CliError {
        CliError(e.to_string())
    }
}

const HELP: &str = "\
jwtd: a JWT authentication server, wire-compatible with djangorestframework-simplejwt 5.5.1

Usage: jwtd <COMMAND> [OPTIONS]

Commands:
  serve                 Run the server
  user add NAME         Create a user
  user passwd NAME      Set a user's password (and revoke their tokens)
  user revoke NAME      Log a user out everywhere: revoke every token of theirs
  user list             List users
  user activate NAME    Let a user log in again
  user deactivate NAME  Stop a user from logging in and using tokens
  user delete NAME      Delete a user
  user import-django FILE
                        Import the users of `manage.py dumpdata` output
  user export-django    Print users in the same format
  flushexpiredtokens    Delete expired refresh tokens and blacklist entries
  token explain [TOKEN] Take a token apart and run the server's checks on it
  key list|rotate|retire ID
                        Manage the signing keys kept in the database
  backup PATH           Copy the live database to a new file
  config                Print every setting in force and where it came from

Every command works while a server runs: it goes through the server's
control socket (on PostgreSQL, straight to the shared database).

Options for every command:
  --db PATH        Database: a redb file, or postgres://USER@HOST[:PORT]/DBNAME
                   [default: jwtd.redb, env: JWTD_DB]
  --config FILE    JSON settings file [env: JWTD_CONFIG]
  -h, --help       Print help (also `jwtd COMMAND [SUBCOMMAND] --help`)
  -V, --version    Print the version

Settings use SimpleJWT's names, from the settings file or JWTD_<NAME>
variables; the signing key comes from JWTD_SIGNING_KEY or
JWTD_SIGNING_KEY_FILE, else one is generated and kept in the database.
See README.md for the full list.
";

/// A command family: the commands that share a first word and a help text.
struct Family {
    /// The first word.
    word: &'static str,
    /// `jwtd WORD --help`.
    help: &'static str,
    /// `jwtd WORD SUBCOMMAND --help`, by the subcommand's word.
    subcommands: &'static [(&'static str, &'static str)],
    /// Parses the whole of the words, the first included.
    parse: fn(&[&str], &Arguments) -> Result<Command, UsageError>,
}

impl Family {
    /// The help for `words`: their subcommand's, else the family's.
    fn help_for(&self, words: &[&str]) -> &'static str {
        words
            .get(1)
            .and_then(|sub| self.subcommands.iter().find(|(word, _)| word == sub))
            .map_or(self.help, |(_, help)| help)
    }
}

/// Every family, by its first word.
const FAMILIES: [Family; 7] = [
    Family {
        word: "serve",
        help: serve::HELP,
        subcommands: &[],
        parse: serve::parse,
    },
    Family {
        word: "user",
        help: user::HELP,
        subcommands: user::SUBCOMMANDS,
        parse: user::parse,
    },
    Family {
        word: "flushexpiredtokens",
        help: maintenance::HELP,
        subcommands: &[],
        parse: maintenance::parse,
    },
    Family {
        word: "token",
        help: token::HELP,
        subcommands: &[("explain", token::HELP)],
        parse: token::parse,
    },
    Family {
        word: "key",
        help: key::HELP,
        subcommands: key::SUBCOMMANDS,
        parse: key::parse,
    },
    Family {
        word: "backup",
        help: backup::HELP,
        subcommands: &[],
        parse: backup::parse,
    },
    Family {
        word: "config",
        help: config::HELP,
        subcommands: &[],
        parse: config::parse,
    },
];

/// Parses `args` (without the program name). `env` supplies `JWTD_DB`,
/// `JWTD_ADDR` and `JWTD_CONFIG`.
pub fn parse(
    args: impl IntoIterator<Item = String>,
    env: impl Fn(&str) -> Option<String>,
) -> Result<Invocation, UsageError> {
    let args: Vec<String> = args.into_iter().collect();
    // Usage errors point at the help of the command family named, if any.
    let family = args
        .iter()
        .find_map(|arg| FAMILIES.iter().find(|family| family.word == arg.as_str()))
        .map(|family| family.word);
    parse_words(args, env).map_err(|e| match family {
        Some(family) => e.in_family(family),
        None => e,
    })
}

fn parse_words(
    args: Vec<String>,
    env: impl Fn(&str) -> Option<String>,
) -> Result<Invocation, UsageError> {
    let arguments = Arguments::read(args, env)?;
    if arguments.version {
        return Ok(Invocation {
            command: Command::Version,
            db: Address::File(PathBuf::new()),
            config: None,
        });
    }
    let command = command(&arguments)?;
    if arguments.workers.is_some() && !matches!(command, Command::Serve { .. } | Command::Help(_)) {
        return Err(UsageError::new("--workers applies to serve only"));
    }
    if arguments.email.is_some() && !matches!(command, Command::UserAdd { .. } | Command::Help(_)) {
        return Err(UsageError::new("--email applies to user add only"));
    }
    Ok(Invocation {
        command,
        db: match arguments.db {
            Some(path) => match path.to_str() {
                Some(text) => Address::parse(text).map_err(UsageError::new)?,
                None => Address::File(path),
            },
            None => Address::File(PathBuf::from("jwtd.redb")),
        },
        config: arguments.config,
    })
}

/// The command the words name: help, else what the family of the first
/// word makes of them.
fn command(arguments: &Arguments) -> Result<Command, UsageError> {
    let words: Vec<&str> = arguments.words.iter().map(String::as_str).collect();
    let family = words
        .first()
        .and_then(|first| FAMILIES.iter().find(|family| family.word == *first));
    if matches!(words.as_slice(), [] | ["help"]) {
        return Ok(Command::Help(HELP));
    }
    if arguments.help {
        return Ok(Command::Help(
            family.map_or(HELP, |family| family.help_for(&words)),
        ));
    }
    match family {
        Some(family) => (family.parse)(&words, arguments),
        None => Err(unknown_command(&words)),
    }
}

/// `unknown command: WORDS`.
fn unknown_command(words: &[&str]) -> UsageError {
    UsageError::new(format!("unknown command: {}", words.join(" ")))
}

/// Runs a parsed command, returning the exit status for success (always 0
/// except for `token explain`).
pub fn run(invocation: Invocation) -> Result<u8, CliError> {
    let Invocation {
        command,
        db,
        config,
    } = invocation;
    match command {
        Command::Help(text) => {
            print!("{text}");
            Ok(0)
        }
        Command::Version => {
            println!("jwtd {}", env!("CARGO_PKG_VERSION"));
            Ok(0)
        }
        Command::Config { json } => config::run(config.as_deref(), &db, json),
        Command::Serve { addr, workers } => serve::run(
            load(config.as_deref())?,
            config.as_deref(),
            &addr,
            workers,
            &db,
        ),
        command => run_configured(command, load_settings(config.as_deref())?, &db),
    }
}

/// The settings from `config` and the environment, with their sources,
/// warnings printed.
fn load(config: Option<&Path>) -> Result<Loaded, CliError> {
    let loaded = Settings::load(config, std::env::vars()).map_err(|e| CliError(e.to_string()))?;
    for warning in &loaded.warnings {
        eprintln!("jwtd: warning: {warning}");
    }
    Ok(loaded)
}

/// The settings from `config` and the environment, warnings printed.
fn load_settings(config: Option<&Path>) -> Result<Settings, CliError> {
    load(config).map(|loaded| loaded.settings)
}

/// Runs a command that reads the settings; those on the database run
/// where it is ([`session`]), after what they need was read here.
fn run_configured(command: Command, settings: Settings, db: &Address) -> Result<u8, CliError> {
    match command {
        Command::Control(command) => session::run(&command, &settings, db, Creates::No),
        Command::TokenExplain { token, json } => token::explain(token, json, &settings, db),
        Command::UserAdd {
            name,
            superuser,
            staff,
            inactive,
            email,
            password_stdin,
        } => {
            let account = user::UserToAdd {
                name,
                superuser,
                staff,
                inactive,
                email,
            };
            user::add(&settings, db, account, password_stdin)
        }
        Command::UserPasswd {
            name,
            password_stdin,
        } => user::passwd(&settings, db, name, password_stdin),
        Command::UserImportDjango(file) => django::import(&settings, db, &file),
        Command::Backup(path) => backup::run(&settings, db, &path),
        // Answered by `run`: before the settings are read, or reading
        // them with their sources.
        Command::Help(_) | Command::Version | Command::Config { .. } | Command::Serve { .. } => {
            Ok(0)
        }
    }
}

/// Warns when anyone but the database's owner (root and this user aside)
/// may read or write it. Only a warning: the command may be the one that
/// repairs things, and `jwtd serve` is where it is enforced (it refuses to
/// start over such a file).
fn warn_if_exposed(db: &Path) {
    if let Ok(Some(exposure)) = files::exposure(db) {
        eprintln!(
            "jwtd: warning: the database {path} is {exposure}; {holds}. \
             Run chmod 600 {path}: `jwtd serve` refuses to start until then.",
            path = db.display(),
            holds = crate::service::DATABASE_HOLDS,
        );
    }
}

/// Whether a command may create the database it is given: only those that
/// add users do (and `serve`); for any other, a missing file is a mistyped
/// `--db`, and a new database with a new signing key would hide it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Creates {
    Yes,
    No,
}

/// The refusal of a command that reads a database that is not there.
fn no_database(db: &Address) -> CliError {
    CliError(format!(
        "no database at {}: `jwtd user add` or `jwtd serve` creates one (is --db right?)",
        db
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Parses `args` split at whitespace, with no environment.
    pub(super) fn parse_args(args: &str) -> Result<Invocation, UsageError> {
        parse(args.split_whitespace().map(String::from), |_| None)
    }

    #[test]
    fn environment_defaults() {
        let env = |k: &str| match k {
            "JWTD_DB" => Some("/tmp/x.redb".to_string()),
            "JWTD_ADDR" => Some("[::1]:1".to_string()),
            _ => None,
        };
        let inv = parse(["serve".to_string()], env).unwrap();
        assert_eq!(inv.db.file(), Some(std::path::Path::new("/tmp/x.redb")));
        assert!(matches!(inv.command, Command::Serve { ref addr, .. } if addr == "[::1]:1"));
        let inv = parse(["serve", "--db", "y"].map(String::from), env).unwrap();
        assert_eq!(
            inv.db.file(),
            Some(std::path::Path::new("y")),
            "the flag wins"
        );
        let inv = parse(
            ["user", "list", "--db", "postgres://jwtd:pw@db:5433/auth"].map(String::from),
            env,
        )
        .unwrap();
        assert_eq!(inv.db.to_string(), "postgres://jwtd:***@db:5433/auth");
        let e = parse(
            ["user", "list", "--db", "postgres://db/auth"].map(String::from),
            env,
        )
        .unwrap_err();
        assert!(e.message().contains("names no user"), "{}", e.message());
    }

    #[test]
    fn help_and_version() {
        assert_eq!(parse_args("").unwrap().command, Command::Help(HELP));
        assert_eq!(parse_args("--help").unwrap().command, Command::Help(HELP));
        assert_eq!(
            parse_args("serve --help").unwrap().command,
            Command::Help(serve::HELP)
        );
        assert_eq!(
            parse_args("user --help").unwrap().command,
            Command::Help(user::HELP)
        );
        assert_eq!(
            parse_args("flushexpiredtokens -h").unwrap().command,
            Command::Help(maintenance::HELP)
        );
        assert_eq!(parse_args("-V").unwrap().command, Command::Version);
    }

    #[test]
    fn usage_errors() {
        for bad in [
            "frobnicate",
            "serve --nope",
            "serve --workers 0",
            "serve --workers x",
            "serve --db",
            "user",
            "user add",
            "user add a b",
            "user list --superuser",
            "user frob a",
            "serve --superuser",
            "user list --workers 2",
        ] {
            let result = parse_args(bad);
            let is_help = matches!(
                result,
                Ok(Invocation {
                    command: Command::Help(_),
                    ..
                })
            );
            assert!(
                result.is_err() || (bad == "user" && is_help),
                "{bad:?} gave {result:?}"
            );
        }
    }
}
