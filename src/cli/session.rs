//! Where a command on the database runs: here, on the file, when no server
//! holds it; else in the running server, through its control socket. The
//! command line builds the same [`ControlCommand`] either way and prints
//! the same [`Reply`].
//!
//! [`Reply`]: crate::control::Reply

use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::{CliError, Creates};
use crate::auth::Accounts;
use crate::clock::Clock;
use crate::config::Settings;
use crate::control::{self, ControlCommand, Operator, Reply};
use crate::store::{Address, Store, StoreError};
use crate::writer::Writer;

/// The database, open here or held by a running server.
pub(super) enum Session {
    /// No server holds it: this process opened it.
    Here {
        /// The settings, as this process read them.
        settings: Arc<Settings>,
        /// The database.
        store: Arc<Store>,
        /// Account operations on it, through a writer of this process.
        accounts: Accounts,
        /// The system clock.
        clock: Arc<Clock>,
    },
    /// A running server holds it, listening at `socket`.
    Server {
        /// Its control socket.
        socket: PathBuf,
        /// The database, whose owner the client trusts.
        db: PathBuf,
    },
}

impl Session {
    /// Opens the database `db` here, or finds the server that holds it.
    /// Only a command that `Creates` one may be given a redb file that is
    /// not there. PostgreSQL is always opened here: any number of
    /// processes share it, and the servers see a change within a second.
    pub(super) fn open(
        settings: &Settings,
        db: &Address,
        creates: Creates,
    ) -> Result<Session, CliError> {
        if let Some(path) = db.file() {
            if creates == Creates::No && !path.exists() {
                return Err(super::no_database(db));
            }
            super::warn_if_exposed(path);
        }
        match Store::open_at(db, &crate::service::open_options(settings)) {
            Ok(store) => {
                let store = Arc::new(store);
                let clock = Arc::new(Clock::System);
                let settings = Arc::new(settings.clone());
                // The account operations, each write through a writer of
                // this process, as the server runs them.
                let (writer, _thread) = Writer::start(
                    store.clone(),
                    clock.clone(),
                    settings.purge_interval,
                    settings.leeway,
                )?;
                let accounts =
                    Accounts::new(settings.clone(), store.clone(), writer, clock.clone());
                Ok(Session::Here {
                    settings,
                    store,
                    accounts,
                    clock,
                })
            }
            Err(StoreError::InUse) => match db.file().and_then(|p| settings.control_socket.path(p))
            {
                Some(socket) => Ok(Session::Server {
                    socket,
                    db: db.file().map(Path::to_owned).unwrap_or_default(),
                }),
                None => Err(CliError(format!(
                    "the database {db} is in use by a running server, and CONTROL_SOCKET is off"
                ))),
            },
            Err(e) => Err(CliError(format!("cannot open {db}: {e}"))),
        }
    }

    /// Runs `command` where the database is.
    pub(super) fn run(&self, command: &ControlCommand) -> Result<Reply, CliError> {
        match self {
            Session::Here {
                settings,
                store,
                accounts,
                clock,
            } => Ok(command.run(&Operator::Database {
                settings,
                store,
                accounts,
                clock,
            })),
            Session::Server { socket, db } => control::request(socket, db, command).map_err(|e| {
                CliError(format!(
                    "the database {} is in use by a running server, and its control socket {} \
                     cannot be used: {e}",
                    db.display(),
                    socket.display()
                ))
            }),
        }
    }

    /// Runs `command` and prints its reply.
    pub(super) fn print(&self, command: &ControlCommand) -> Result<u8, CliError> {
        print(self.run(command)?)
    }
}

/// Prints a reply: its text on standard output, and its error as the
/// command's. The status is the reply's (`token explain` has three).
pub(super) fn print(reply: Reply) -> Result<u8, CliError> {
    print!("{}", reply.out);
    match reply.code {
        0 => Ok(0),
        code if reply.err.is_empty() => Ok(code),
        _ => Err(CliError(reply.err)),
    }
}

/// Runs `command` on the database `db`, wherever it is, and prints the
/// reply.
pub(super) fn run(
    command: &ControlCommand,
    settings: &Settings,
    db: &Address,
    creates: Creates,
) -> Result<u8, CliError> {
    Session::open(settings, db, creates)?.print(command)
}
