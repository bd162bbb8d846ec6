//! The command line, parsed by hand: `serve`, `user ...`,
//! `flushexpiredtokens` and `token explain`. Every command takes `--db PATH` (default
//! `jwtd.redb`, or `JWTD_DB`) and `--config FILE` (or `JWTD_CONFIG`).
//! Secrets never come from arguments, where `ps` would show them.

use std::fmt;
use std::io::{self, BufRead as _, IsTerminal as _, Read as _, Write as _};
use std::os::fd::AsRawFd;
use std::path::PathBuf;

use crate::config::Settings;
use crate::control::{self, ControlCommand};
use crate::dumpdata;
use crate::explain::{self, KeyChoice};
use crate::jwt;
use crate::password;
use crate::serve;
use crate::store::{NewUser, Outcome, Store, StoreError, User, Write};
use crate::sys;
use crate::time;

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
    /// Create an account.
    UserAdd {
        /// Username.
        name: String,
        /// `--superuser`.
        superuser: bool,
        /// `--staff`.
        staff: bool,
        /// `--inactive`.
        inactive: bool,
        /// `--password-stdin`.
        password_stdin: bool,
    },
    /// Set a password.
    UserPasswd {
        /// Username.
        name: String,
        /// `--password-stdin`.
        password_stdin: bool,
    },
    /// List accounts.
    UserList,
    /// Allow an account to log in.
    UserActivate(String),
    /// Stop an account from logging in or using its tokens.
    UserDeactivate(String),
    /// Delete an account.
    UserDelete(String),
    /// A command that a running server carries out through its control
    /// socket: `key list|rotate|retire ID`, `user revoke NAME`.
    Control(ControlCommand),
    /// Import `manage.py dumpdata auth.user` output (`-` for stdin).
    UserImportDjango(PathBuf),
    /// Print every user as `dumpdata auth.user` would.
    UserExportDjango,
    /// Delete expired token rows.
    FlushExpiredTokens,
    /// Take a token apart and run the server's checks on it.
    TokenExplain {
        /// The token; `None` or `-` reads standard input.
        token: Option<String>,
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
    /// `--db`.
    pub db: PathBuf,
    /// `--config`.
    pub config: Option<PathBuf>,
}

/// A command line that cannot be run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UsageError(pub String);

impl fmt::Display for UsageError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}\nRun `jwtd --help` for usage.", self.0)
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
                        Import users from `manage.py dumpdata auth.user` output
  user export-django    Print users in the same format
  flushexpiredtokens    Delete expired refresh tokens and blacklist entries
  token explain [TOKEN] Take a token apart and run the server's checks on it
  key list|rotate|retire ID
                        Manage the signing keys kept in the database

Options for every command:
  --db PATH        Database file [default: jwtd.redb, env: JWTD_DB]
  --config FILE    JSON settings file [env: JWTD_CONFIG]
  -h, --help       Print help (also `jwtd COMMAND --help`)
  -V, --version    Print the version

Settings use SimpleJWT's names, from the settings file or JWTD_<NAME>
variables; the signing key comes from JWTD_SIGNING_KEY or
JWTD_SIGNING_KEY_FILE, else one is generated and kept in the database.
See README.md for the full list.
";

const HELP_SERVE: &str = "\
Run the server until SIGINT or SIGTERM, then finish requests in flight.

Usage: jwtd serve [--addr 127.0.0.1:8000] [--db jwtd.redb] [--workers N] [--config FILE]

Options:
  --addr ADDR      Address to listen on [default: 127.0.0.1:8000, env: JWTD_ADDR]
  --workers N      HTTP worker threads [default: WORKERS setting]
  --db PATH        Database file [default: jwtd.redb, env: JWTD_DB]
  --config FILE    JSON settings file [env: JWTD_CONFIG]

Endpoints: POST /api/token/, /api/token/refresh/, /api/token/verify/,
/api/token/blacklist/; GET /api/protected/.
";

const HELP_USER: &str = "\
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

const HELP_FLUSH: &str = "\
Delete rows of refresh tokens whose expiry has passed, and their blacklist
entries (SimpleJWT's flushexpiredtokens). The server also does this every
PURGE_INTERVAL.

Usage: jwtd flushexpiredtokens [--db PATH] [--config FILE]
";

const HELP_KEY: &str = "\
Manage the signing keys kept in the database (when no key is configured
with JWTD_SIGNING_KEY or JWTD_SIGNING_KEY_FILE).

Usage:
  jwtd key list            Ids, creation times and states (current, active, retired)
  jwtd key rotate          Make a new current key; the others keep verifying
  jwtd key retire ID       Refuse tokens signed with key ID from now on

Tokens name their key in the `kid` header. Rotating logs nobody out: tokens
signed with an older key verify until that key is retired. The current key
cannot be retired; rotate first. With a running server these commands go
through its control socket (CONTROL_SOCKET, beside the database), and the
server uses the new keys at once.

Options:
  --db PATH        Database file [default: jwtd.redb, env: JWTD_DB]
  --config FILE    JSON settings file [env: JWTD_CONFIG]
";

const HELP_TOKEN: &str = "\
Take a token apart: its segments, header and payload decoded, its dates,
the exact signing input, the HMAC recomputed beside the one in the token,
then every numbered check of the server's own decoder, with pass or fail.

Usage: jwtd token explain [TOKEN] [--json] [--db PATH] [--config FILE]

The token comes from the argument, else standard input (also with `-`); a
leading `Bearer ` is dropped. The key comes from JWTD_SIGNING_KEY, else
JWTD_SIGNING_KEY_FILE or SIGNING_KEY_FILE, else the key generated in the
database (which a running server holds locked: give it the key through the
environment instead). Without a key the token is still decoded, but the
signature is not checked.

Settings (ALGORITHM, LEEWAY, AUDIENCE, ISSUER, ...) are read as `serve`
reads them, so the checks are the server's.

Options:
  --json           Print the same as one JSON object

Exit status: 0 valid, 1 refused, 2 usage error, 3 signature not checked.
";

/// Parses `args` (without the program name). `env` supplies `JWTD_DB`,
/// `JWTD_ADDR` and `JWTD_CONFIG`.
pub fn parse(
    args: impl IntoIterator<Item = String>,
    env: impl Fn(&str) -> Option<String>,
) -> Result<Invocation, UsageError> {
    let mut positional = Vec::new();
    let mut flags = Vec::new();
    let mut db = env("JWTD_DB").filter(|v| !v.is_empty()).map(PathBuf::from);
    let mut config = env("JWTD_CONFIG")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from);
    let mut addr = env("JWTD_ADDR").filter(|v| !v.is_empty());
    let mut workers = None;
    let mut help = false;
    let mut args = args.into_iter();
    while let Some(arg) = args.next() {
        let (name, inline) = match arg.split_once('=') {
            Some((n, v)) if n.starts_with("--") => (n.to_owned(), Some(v.to_owned())),
            _ => (arg.clone(), None),
        };
        let mut value = |what: &str| {
            inline
                .clone()
                .or_else(|| args.next())
                .ok_or_else(|| UsageError(format!("{name} needs {what}")))
        };
        match name.as_str() {
            "--db" => db = Some(PathBuf::from(value("a path")?)),
            "--config" => config = Some(PathBuf::from(value("a file")?)),
            "--addr" => addr = Some(value("an address")?),
            "--workers" => {
                let n = value("a number")?;
                workers = Some(
                    n.parse::<usize>()
                        .ok()
                        .filter(|w| (1..=1024).contains(w))
                        .ok_or_else(|| {
                            UsageError(format!("--workers: expected 1 to 1024, got {n:?}"))
                        })?,
                );
            }
            "-h" | "--help" => help = true,
            "-V" | "--version" => {
                return Ok(Invocation {
                    command: Command::Version,
                    db: PathBuf::new(),
                    config: None,
                })
            }
            "--superuser" | "--staff" | "--inactive" | "--password-stdin" | "--json" => {
                flags.push(name)
            }
            other if other.starts_with('-') && other.len() > 1 => {
                return Err(UsageError(format!("unknown option {other}")))
            }
            _ => positional.push(arg),
        }
    }
    let words: Vec<&str> = positional.iter().map(String::as_str).collect();
    let flag = |f: &str| flags.iter().any(|g| g == f);
    let allow_flags = |allowed: &[&str]| -> Result<(), UsageError> {
        match flags.iter().find(|f| !allowed.contains(&f.as_str())) {
            Some(f) => Err(UsageError(format!("{f} does not apply to this command"))),
            None => Ok(()),
        }
    };
    let command = match words.as_slice() {
        [] | ["help"] => Command::Help(HELP),
        _ if help => Command::Help(match words[0] {
            "serve" => HELP_SERVE,
            "user" => HELP_USER,
            "flushexpiredtokens" => HELP_FLUSH,
            "token" => HELP_TOKEN,
            "key" => HELP_KEY,
            _ => HELP,
        }),
        ["serve"] => {
            allow_flags(&[])?;
            Command::Serve {
                addr: addr.unwrap_or_else(|| "127.0.0.1:8000".into()),
                workers,
            }
        }
        ["user", "add", name] => {
            allow_flags(&["--superuser", "--staff", "--inactive", "--password-stdin"])?;
            Command::UserAdd {
                name: (*name).to_owned(),
                superuser: flag("--superuser"),
                staff: flag("--staff"),
                inactive: flag("--inactive"),
                password_stdin: flag("--password-stdin"),
            }
        }
        ["user", "passwd", name] => {
            allow_flags(&["--password-stdin"])?;
            Command::UserPasswd {
                name: (*name).to_owned(),
                password_stdin: flag("--password-stdin"),
            }
        }
        ["user", "list"] => {
            allow_flags(&[])?;
            Command::UserList
        }
        ["user", "import-django", file] => {
            allow_flags(&[])?;
            Command::UserImportDjango(PathBuf::from(file))
        }
        ["user", "export-django"] => {
            allow_flags(&[])?;
            Command::UserExportDjango
        }
        ["user", action @ ("activate" | "deactivate" | "delete" | "revoke"), name] => {
            allow_flags(&[])?;
            let name = (*name).to_owned();
            match *action {
                "activate" => Command::UserActivate(name),
                "deactivate" => Command::UserDeactivate(name),
                "revoke" => Command::Control(ControlCommand::UserRevoke(name)),
                _ => Command::UserDelete(name),
            }
        }
        ["user"] => Command::Help(HELP_USER),
        ["user", ..] => {
            return Err(UsageError(format!(
                "unknown user command: {}",
                words[1..].join(" ")
            )))
        }
        ["token", "explain", rest @ ..] if rest.len() <= 1 => {
            allow_flags(&["--json"])?;
            Command::TokenExplain {
                token: rest.first().map(|t| (*t).to_owned()),
                json: flag("--json"),
            }
        }
        ["key", "list"] | ["key", "rotate"] | ["key", "retire", _] => {
            allow_flags(&[])?;
            match ControlCommand::from_words(&words) {
                Some(command) => Command::Control(command),
                None => return Err(UsageError(format!("unknown command: {}", words.join(" ")))),
            }
        }
        ["key"] => Command::Help(HELP_KEY),
        ["key", ..] => {
            return Err(UsageError(format!(
                "unknown key command: {}",
                words[1..].join(" ")
            )))
        }
        ["token"] => Command::Help(HELP_TOKEN),
        ["token", ..] => {
            return Err(UsageError(format!(
                "unknown token command: {}",
                words[1..].join(" ")
            )))
        }
        ["flushexpiredtokens"] => {
            allow_flags(&[])?;
            Command::FlushExpiredTokens
        }
        _ => return Err(UsageError(format!("unknown command: {}", words.join(" ")))),
    };
    if workers.is_some() && !matches!(command, Command::Serve { .. } | Command::Help(_)) {
        return Err(UsageError("--workers applies to serve only".into()));
    }
    Ok(Invocation {
        command,
        db: db.unwrap_or_else(|| PathBuf::from("jwtd.redb")),
        config,
    })
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
            return Ok(0);
        }
        Command::Version => {
            println!("jwtd {}", env!("CARGO_PKG_VERSION"));
            return Ok(0);
        }
        _ => {}
    }
    let (mut settings, warnings) =
        Settings::load(config.as_deref(), std::env::vars()).map_err(|e| CliError(e.to_string()))?;
    for warning in warnings {
        eprintln!("jwtd: warning: {warning}");
    }
    if let Command::Serve { addr, workers } = command {
        if let Some(workers) = workers {
            settings.workers = workers;
        }
        return serve::run(settings, &addr, &db)
            .map(|()| 0)
            .map_err(CliError);
    }
    if let Command::TokenExplain { token, json } = command {
        return explain_token(token, json, &settings, &db);
    }
    if let Command::Control(command) = &command {
        return run_control(command, &settings, &db);
    }
    let store = open(&db, &settings)?;
    match command {
        Command::UserAdd {
            name,
            superuser,
            staff,
            inactive,
            password_stdin,
        } => {
            check_username(&name)?;
            if store.user_by_name(&name)?.is_some() {
                return Err(CliError(format!("user {name:?} already exists")));
            }
            let password = read_new_password(password_stdin)?;
            let hash = password::make_password(&password, settings.password_iterations)
                .map_err(|e| CliError(e.to_string()))?;
            let user = store.add_user(NewUser {
                id: None,
                user: User {
                    id: 0,
                    username: name,
                    password: hash,
                    is_active: !inactive,
                    is_staff: staff || superuser,
                    is_superuser: superuser,
                    date_joined: time::now_micros(),
                    last_login: None,
                    tokens_valid_after: 0,
                },
            })?;
            println!("Created user {:?} with id {}.", user.username, user.id);
        }
        Command::UserPasswd {
            name,
            password_stdin,
        } => {
            if store.user_by_name(&name)?.is_none() {
                return Err(no_such_user(&name));
            }
            let password = read_new_password(password_stdin)?;
            let hash = password::make_password(&password, settings.password_iterations)
                .map_err(|e| CliError(e.to_string()))?;
            let user = store.update_user(&name, |u| u.password = hash)?;
            println!("Password changed for user {name:?}.");
            if settings.revoke_on_password_change {
                let tokens = control::revoke_in_store(&store, user.id)?.unwrap_or(0);
                println!(
                    "Revoked every token of {name:?} ({tokens} refresh token(s) blacklisted)."
                );
            }
        }
        Command::UserList => print_users(&store.users()?),
        Command::UserActivate(name) => {
            store
                .update_user(&name, |u| u.is_active = true)
                .map_err(|e| user_error(e, &name))?;
            println!("User {name:?} is active.");
        }
        Command::UserDeactivate(name) => {
            store
                .update_user(&name, |u| u.is_active = false)
                .map_err(|e| user_error(e, &name))?;
            println!("User {name:?} is inactive: it can no longer log in or use its tokens.");
        }
        Command::UserDelete(name) => {
            store.delete_user(&name).map_err(|e| user_error(e, &name))?;
            println!("Deleted user {name:?}.");
        }
        Command::UserImportDjango(file) => import_django(&store, &file)?,
        Command::UserExportDjango => println!("{}", dumpdata::write(&store.users()?)),
        Command::FlushExpiredTokens => {
            // Rows outlive their tokens by LEEWAY, as the server keeps them.
            let outcomes = store.apply(&[Write::Purge {
                now: time::now_seconds().saturating_sub(settings.leeway),
            }])?;
            if let Some(Outcome::Purged {
                issued,
                blacklisted,
            }) = outcomes.first()
            {
                println!("Deleted {issued} expired refresh token(s) and {blacklisted} blacklist entr(ies).");
            }
        }
        Command::Serve { .. }
        | Command::TokenExplain { .. }
        | Command::Control(_)
        | Command::Help(_)
        | Command::Version => {}
    }
    Ok(0)
}

/// `token explain`: prints the explanation, returns its exit status.
fn explain_token(
    token: Option<String>,
    json: bool,
    settings: &Settings,
    db: &std::path::Path,
) -> Result<u8, CliError> {
    let token = match token.filter(|t| t != "-") {
        Some(token) => token,
        None => {
            // A token is at most 8 KiB; read a little more so that a longer
            // one is reported as too long rather than cut.
            let mut input = Vec::new();
            io::stdin()
                .lock()
                .take(jwt::MAX_TOKEN_LEN as u64 * 4)
                .read_to_end(&mut input)?;
            String::from_utf8(input)
                .map_err(|_| CliError("the token on standard input is not UTF-8 text".into()))?
        }
    };
    let token = token.trim();
    let token = match token.get(..7) {
        Some(scheme) if scheme.eq_ignore_ascii_case("bearer ") => token[7..].trim_start(),
        _ => token,
    };
    // The database is opened once, for its keys and for its blacklist and
    // revocations; a running server holds it, and then neither is read.
    let store = match db.exists().then(|| Store::open(db, settings.cache_size)) {
        None => Err(format!("there is no database {}", db.display())),
        Some(Err(StoreError::InUse)) => Err(format!(
            "the database {} is in use by a running server",
            db.display()
        )),
        Some(Err(e)) => return Err(CliError(format!("cannot open {}: {e}", db.display()))),
        Some(Ok(store)) => Ok(store),
    };
    let key = explain_key(settings, db, store.as_ref())?;
    let mut explanation = explain::explain(token, key, settings, time::now_seconds());
    if let Ok(store) = &store {
        if let Some(facts) = store_facts(&explanation, settings, store) {
            explanation = explanation.with_state(facts);
        }
    }
    if json {
        println!("{:#}", explanation.to_json());
    } else {
        print!("{}", explanation.to_text());
    }
    Ok(explanation.verdict().exit_code())
}

/// What the database says of an explained token: its jti blacklisted, its
/// user's tokens revoked since it was issued. `None` when the token did not
/// decode.
fn store_facts(
    explanation: &explain::Explanation,
    settings: &Settings,
    store: &Store,
) -> Option<explain::StoreFacts> {
    let claims = explanation.claims()?;
    let blacklisted = match claims.get_str(settings.jti_claim.as_deref().unwrap_or("jti")) {
        Some(jti) => store.is_blacklisted(jti).ok()?,
        None => false,
    };
    let revoked = match crate::token::user_claim(claims, &settings.user_id_claim) {
        crate::token::UserClaim::Id(id) => store
            .user(id)
            .ok()?
            .is_some_and(|user| crate::token::Tokens::revoked_for(claims, &user)),
        _ => false,
    };
    Some(explain::StoreFacts {
        blacklisted,
        revoked,
    })
}

/// The keys `token explain` verifies with: the server's, found the way the
/// server finds them, except that none is ever generated.
fn explain_key(
    settings: &Settings,
    db: &std::path::Path,
    store: Result<&Store, &String>,
) -> Result<KeyChoice, CliError> {
    if let Some((secret, source)) = crate::keys::configured_secret(settings).map_err(CliError)? {
        let key = jwt::SigningKey::new(settings.algorithm, &secret)
            .map_err(|e| CliError(e.to_string()))?;
        return Ok(KeyChoice::Key {
            key: Box::new(jwt::Keyring::single(key)),
            source,
        });
    }
    let store = match store {
        Ok(store) => store,
        Err(why) => {
            return Ok(KeyChoice::Missing(format!(
                "JWTD_SIGNING_KEY and JWTD_SIGNING_KEY_FILE are not set, and {why}; \
                 give the key through one of them"
            )))
        }
    };
    if store.signing_keys()?.is_empty() {
        // Written by a jwtd from before keys had ids, or never served.
        return match store.signing_key()? {
            Some(secret) => {
                let key = jwt::SigningKey::new(settings.algorithm, &secret)
                    .map_err(|e| CliError(e.to_string()))?;
                Ok(KeyChoice::Key {
                    key: Box::new(jwt::Keyring::single(key)),
                    source: format!("the database {}", db.display()),
                })
            }
            None => Ok(KeyChoice::Missing(format!(
                "the database {} holds no key yet (the server makes one on first start)",
                db.display()
            ))),
        };
    }
    let keys = crate::keys::from_database(settings, store).map_err(|e| CliError(e.to_string()))?;
    let source = format!(
        "the database {} (keys {})",
        db.display(),
        keys.kids().collect::<Vec<_>>().join(", ")
    );
    Ok(KeyChoice::Key {
        key: Box::new(keys),
        source,
    })
}

/// Opens the database for a command, explaining a lock held by a server.
pub fn open(db: &std::path::Path, settings: &Settings) -> Result<Store, CliError> {
    Store::open(db, settings.cache_size).map_err(|e| match e {
        StoreError::InUse => CliError(format!(
            "the database {} is in use by another process (is `jwtd serve` running with it?)",
            db.display()
        )),
        other => CliError(format!("cannot open {}: {other}", db.display())),
    })
}

/// `user import-django`: all of the file or nothing.
fn import_django(store: &Store, file: &std::path::Path) -> Result<(), CliError> {
    let text = if file.as_os_str() == "-" {
        io::read_to_string(io::stdin())?
    } else {
        std::fs::read_to_string(file)
            .map_err(|e| CliError(format!("cannot read {}: {e}", file.display())))?
    };
    let nothing = |problem: String| {
        CliError(format!(
            "{}: {problem}; nothing was imported",
            file.display()
        ))
    };
    let imported = dumpdata::parse(&text).map_err(|e| nothing(e.to_string()))?;
    let mut fresh = Vec::new();
    let mut present = 0;
    for (i, entry) in imported.iter().enumerate() {
        let user = &entry.user;
        let earlier = &imported[..i];
        if let Some(j) = earlier
            .iter()
            .position(|e| e.user.id == user.id || e.user.username == user.username)
        {
            return Err(nothing(format!(
                "entry {} repeats the id or username of entry {}",
                i + 1,
                j + 1
            )));
        }
        match (store.user(user.id)?, store.user_by_name(&user.username)?) {
            (Some(a), Some(b)) if a.id == b.id => present += 1,
            (None, None) => fresh.push(NewUser {
                id: Some(user.id),
                user: user.clone(),
            }),
            (Some(holder), _) => {
                return Err(nothing(format!(
                    "entry {}: id {} already belongs to user {:?}",
                    i + 1,
                    user.id,
                    holder.username
                )))
            }
            (None, Some(holder)) => {
                return Err(nothing(format!(
                    "entry {}: user {:?} already exists with id {}",
                    i + 1,
                    user.username,
                    holder.id
                )))
            }
        }
    }
    let added = store
        .add_users(fresh)
        .map_err(|(i, e)| nothing(format!("user {i}: {e}")))?;
    println!(
        "Imported {} user(s); {present} already present and left unchanged.",
        added.len()
    );
    let unusable: Vec<&dumpdata::Imported> = imported
        .iter()
        .filter(|e| e.unusable.is_some() && added.iter().any(|a| a.id == e.user.id))
        .collect();
    if !unusable.is_empty() {
        println!(
            "{} user(s) were imported with an unusable password:",
            unusable.len()
        );
        for entry in unusable {
            println!(
                "  {} ({})",
                entry.user.username,
                entry.unusable.as_deref().unwrap_or("")
            );
        }
        println!("They cannot log in until you set a password: jwtd user passwd NAME");
    }
    Ok(())
}

/// A control command: here on the database, or, when a running server
/// holds it, by that server through its control socket.
fn run_control(
    command: &ControlCommand,
    settings: &Settings,
    db: &std::path::Path,
) -> Result<u8, CliError> {
    let reply = match Store::open(db, settings.cache_size) {
        Ok(store) => command.run(settings, &store, None),
        Err(StoreError::InUse) => {
            let Some(path) = settings.control_socket.path(db) else {
                return Err(CliError(format!(
                    "the database {} is in use by a running server, and CONTROL_SOCKET is off",
                    db.display()
                )));
            };
            control::request(&path, command).map_err(|e| {
                CliError(format!(
                    "the database {} is in use by a running server, and its control socket {} \
                     does not answer: {e}",
                    db.display(),
                    path.display()
                ))
            })?
        }
        Err(e) => return Err(CliError(format!("cannot open {}: {e}", db.display()))),
    };
    print!("{}", reply.out);
    match reply.code {
        0 => Ok(0),
        _ => Err(CliError(reply.err)),
    }
}

fn no_such_user(name: &str) -> CliError {
    CliError(format!("no user named {name:?}"))
}

fn user_error(e: StoreError, name: &str) -> CliError {
    match e {
        StoreError::NoSuchUser => no_such_user(name),
        other => other.into(),
    }
}

/// Django's username validator (`^[\w.@+-]+\Z`, at most 150 characters).
fn check_username(name: &str) -> Result<(), CliError> {
    let valid = !name.is_empty()
        && name.chars().count() <= 150
        && name
            .chars()
            .all(|c| c.is_alphanumeric() || "_.@+-".contains(c));
    if valid {
        Ok(())
    } else {
        Err(CliError(format!(
            "invalid username {name:?}: use at most 150 letters, digits and @ . + - _"
        )))
    }
}

/// SimpleJWT trims login fields, so a password with outer whitespace could
/// never be used; refuse it here rather than create an account that cannot
/// log in.
fn check_password(password: &str) -> Result<(), CliError> {
    if password.is_empty() {
        return Err(CliError("the password is empty".into()));
    }
    if password.trim() != password {
        return Err(CliError(
            "the password starts or ends with whitespace, which logins strip; it could never be used".into(),
        ));
    }
    if password.contains('\0') {
        return Err(CliError("the password contains a NUL character".into()));
    }
    Ok(())
}

fn read_new_password(from_stdin: bool) -> Result<String, CliError> {
    let stdin = io::stdin();
    let password = if from_stdin {
        let mut line = String::new();
        stdin.lock().read_line(&mut line)?;
        strip_newline(line)
    } else {
        if !stdin.is_terminal() {
            return Err(CliError(
                "standard input is not a terminal: pass --password-stdin to read the password from it".into(),
            ));
        }
        let first = prompt("Password: ")?;
        let second = prompt("Password (again): ")?;
        if first != second {
            return Err(CliError("the passwords do not match".into()));
        }
        first
    };
    check_password(&password)?;
    Ok(password)
}

fn prompt(label: &str) -> Result<String, CliError> {
    eprint!("{label}");
    io::stderr().flush()?;
    let stdin = io::stdin();
    let line = sys::without_echo(stdin.as_raw_fd(), || {
        let mut line = String::new();
        stdin.lock().read_line(&mut line).map(|_| line)
    })??;
    eprintln!();
    Ok(strip_newline(line))
}

fn strip_newline(mut line: String) -> String {
    if line.ends_with('\n') {
        line.pop();
        if line.ends_with('\r') {
            line.pop();
        }
    }
    line
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
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn parse_args(args: &str) -> Result<Invocation, UsageError> {
        parse(args.split_whitespace().map(String::from), |_| None)
    }

    #[test]
    fn serve_defaults_and_options() {
        let inv = parse_args("serve").unwrap();
        assert_eq!(
            inv.command,
            Command::Serve {
                addr: "127.0.0.1:8000".into(),
                workers: None
            }
        );
        assert_eq!(inv.db, PathBuf::from("jwtd.redb"));
        let inv = parse_args(
            "serve --addr 0.0.0.0:9000 --db=/var/lib/jwtd/db --workers 3 --config c.json",
        )
        .unwrap();
        assert_eq!(
            inv.command,
            Command::Serve {
                addr: "0.0.0.0:9000".into(),
                workers: Some(3)
            }
        );
        assert_eq!(inv.db, PathBuf::from("/var/lib/jwtd/db"));
        assert_eq!(inv.config, Some(PathBuf::from("c.json")));
    }

    #[test]
    fn environment_defaults() {
        let env = |k: &str| match k {
            "JWTD_DB" => Some("/tmp/x.redb".to_string()),
            "JWTD_ADDR" => Some("[::1]:1".to_string()),
            _ => None,
        };
        let inv = parse(["serve".to_string()], env).unwrap();
        assert_eq!(inv.db, PathBuf::from("/tmp/x.redb"));
        assert!(matches!(inv.command, Command::Serve { ref addr, .. } if addr == "[::1]:1"));
        let inv = parse(["serve", "--db", "y"].map(String::from), env).unwrap();
        assert_eq!(inv.db, PathBuf::from("y"), "the flag wins");
    }

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

    #[test]
    fn help_and_version() {
        assert_eq!(parse_args("").unwrap().command, Command::Help(HELP));
        assert_eq!(parse_args("--help").unwrap().command, Command::Help(HELP));
        assert_eq!(
            parse_args("serve --help").unwrap().command,
            Command::Help(HELP_SERVE)
        );
        assert_eq!(
            parse_args("user add --help").unwrap().command,
            Command::Help(HELP_USER)
        );
        assert_eq!(
            parse_args("flushexpiredtokens -h").unwrap().command,
            Command::Help(HELP_FLUSH)
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

    #[test]
    fn usernames_follow_django() {
        for good in ["alice", "a.b@c+d-e_f", "zoë", "用户"] {
            assert!(check_username(good).is_ok(), "{good}");
        }
        for bad in ["", "a b", "a/b", "a\nb", &"x".repeat(151)] {
            assert!(check_username(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn passwords_that_could_never_log_in_are_refused() {
        assert!(check_password("correct horse").is_ok());
        for bad in ["", " lead", "trail ", "\tx", "nul\0"] {
            assert!(check_password(bad).is_err(), "{bad:?}");
        }
        assert_eq!(strip_newline("pw\r\n".into()), "pw");
        assert_eq!(strip_newline("pw\n".into()), "pw");
        assert_eq!(strip_newline("pw".into()), "pw");
    }
}
