//! The command line read once, left to right: the options every command
//! takes (`--db`, `--config`, `--help`, `--version`), `serve`'s `--addr`
//! and `--workers`, the flags of the other commands, and the words. An
//! option's value follows it or comes after `=`; an environment variable
//! gives the default of `--db`, `--config` and `--addr`.

use std::path::PathBuf;

use super::UsageError;

/// Flags that belong to one command or another; each command says which
/// of them it takes ([`Arguments::allow_flags`]).
const COMMAND_FLAGS: [&str; 6] = [
    "--superuser",
    "--staff",
    "--inactive",
    "--password-stdin",
    "--json",
    "--force",
];

/// The arguments, sorted.
#[derive(Debug)]
pub(super) struct Arguments {
    /// The words that are not options: the command and its operands.
    pub(super) words: Vec<String>,
    /// The command flags given, in order.
    flags: Vec<String>,
    /// `--db`, else `JWTD_DB`.
    pub(super) db: Option<PathBuf>,
    /// `--config`, else `JWTD_CONFIG`.
    pub(super) config: Option<PathBuf>,
    /// `--addr`, else `JWTD_ADDR`.
    pub(super) addr: Option<String>,
    /// `--workers`, from 1 to 1024.
    pub(super) workers: Option<usize>,
    /// `--email`, `user add`'s (Django's `email`).
    pub(super) email: Option<String>,
    /// `-h` or `--help`.
    pub(super) help: bool,
    /// `-V` or `--version`; nothing after it is read.
    pub(super) version: bool,
}

impl Arguments {
    /// Reads `args`; `env` gives the defaults from the environment (an
    /// empty variable counts as unset).
    pub(super) fn read(
        args: impl IntoIterator<Item = String>,
        env: impl Fn(&str) -> Option<String>,
    ) -> Result<Arguments, UsageError> {
        let variable = |name: &str| env(name).filter(|v| !v.is_empty());
        let mut read = Arguments {
            words: Vec::new(),
            flags: Vec::new(),
            db: variable("JWTD_DB").map(PathBuf::from),
            config: variable("JWTD_CONFIG").map(PathBuf::from),
            addr: variable("JWTD_ADDR"),
            workers: None,
            email: None,
            help: false,
            version: false,
        };
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
                    .ok_or_else(|| UsageError::new(format!("{name} needs {what}")))
            };
            match name.as_str() {
                "--db" => read.db = Some(PathBuf::from(value("a path")?)),
                "--config" => read.config = Some(PathBuf::from(value("a file")?)),
                "--addr" => read.addr = Some(value("an address")?),
                "--workers" => read.workers = Some(workers(&value("a number")?)?),
                "--email" => read.email = Some(value("an address")?),
                "-h" | "--help" => read.help = true,
                "-V" | "--version" => {
                    read.version = true;
                    break;
                }
                flag if COMMAND_FLAGS.contains(&flag) => read.flags.push(name),
                other if other.starts_with('-') && other.len() > 1 => {
                    return Err(UsageError::new(format!("unknown option {other}")))
                }
                _ => read.words.push(arg),
            }
        }
        Ok(read)
    }

    /// Whether the command flag `name` was given.
    pub(super) fn flag(&self, name: &str) -> bool {
        self.flags.iter().any(|given| given == name)
    }

    /// Refuses any command flag but those in `allowed`.
    pub(super) fn allow_flags(&self, allowed: &[&str]) -> Result<(), UsageError> {
        match self.flags.iter().find(|f| !allowed.contains(&f.as_str())) {
            Some(f) => Err(UsageError::new(format!(
                "{f} does not apply to this command"
            ))),
            None => Ok(()),
        }
    }
}

/// `--workers N`: from 1 to 1024.
fn workers(n: &str) -> Result<usize, UsageError> {
    n.parse::<usize>()
        .ok()
        .filter(|w| (1..=1024).contains(w))
        .ok_or_else(|| UsageError::new(format!("--workers: expected 1 to 1024, got {n:?}")))
}
