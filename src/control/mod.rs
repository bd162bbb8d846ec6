//! The commands that act on the database, and the control socket that
//! carries them to a running server. The database belongs to one process
//! at a time: while a server runs, every `jwtd user ...`, `key ...`,
//! `flushexpiredtokens`, `token explain`, `backup` and Django import or
//! export asks it to do the work; with no server, the command line does
//! the same work itself. The reply is the same either way.
//!
//! ```text
//!   jwtd key rotate ─► ControlCommand ─┬─ database free: run here ─────────┐
//!                                      └─ a server holds it:               │
//!                         jwtd.redb.sock ─► server runs it, takes up the   │
//!                                           new key at once                │
//!                      ◀── Reply {code, out, err} ◀───────────────────────-┘
//! ```
//!
//! The socket is a Unix socket beside the database (`CONTROL_SOCKET`),
//! mode 0600, and the server also checks that the client runs as its own
//! user (or root): the same people who could open the database file. The
//! client checks the server too (the listener's uid and the socket file's
//! owner: its own, root's or the database owner's), and a path where
//! another process listens keeps the server from starting.
//! A request is one line, the command as a JSON object
//! ([`ControlCommand::to_json`]); the answer is one line,
//! `{"code": N, "out": TEXT, "err": TEXT}`. One client is served at a
//! time.
//!
//! Here: the [`Reply`] both ends share. `command` is what the socket
//! carries, `operator` who runs it (a server or the database), `user`,
//! `django`, `key`, `token` and `database` what each family of commands
//! does, `server` listens, `client` asks.

use std::time::Duration;

mod client;
mod command;
mod database;
mod django;
mod key;
mod operator;
mod server;
mod token;
mod user;

pub use client::request;
pub use command::{ControlCommand, Secret};
pub use operator::Operator;
pub use server::{Bound, Control, ControlError};
pub use token::rendered as rendered_explanation;

/// How long a client may take to send its request, and the server to
/// write its answer.
pub const TIMEOUT: Duration = Duration::from_secs(5);

/// How long a client waits for the answer: a backup or an import of a
/// large database takes a while.
pub const ANSWER_TIMEOUT: Duration = Duration::from_secs(120);

/// What a command printed, and its exit status.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reply {
    /// The exit status: 0 done, 1 failed (`token explain`: its verdict).
    pub code: u8,
    /// For standard output.
    pub out: String,
    /// For standard error.
    pub err: String,
}

impl Reply {
    fn done(out: String) -> Reply {
        Reply {
            code: 0,
            out,
            err: String::new(),
        }
    }

    fn failed(err: impl std::fmt::Display) -> Reply {
        Reply {
            code: 1,
            out: String::new(),
            err: err.to_string(),
        }
    }
}
