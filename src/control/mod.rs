//! The control socket: how `jwtd key ...` and `jwtd user revoke` reach a
//! running server. The database belongs to one process at a time, so while
//! a server runs, these commands ask it to do the work; the server applies
//! a key change to the keys it signs with at once, without a restart.
//!
//! ```text
//!   jwtd key rotate ──▶ jwtd.redb.sock ──▶ server: keys::rotate, then
//!        ◀── {"code":0,"out":"..."} ──┘           Tokens::set_keys
//! ```
//!
//! The socket is a Unix socket beside the database (`CONTROL_SOCKET`),
//! mode 0600, and the server also checks that the client runs as its own
//! user (or root): the same people who could open the database file. The
//! client checks the server too (the listener's uid and the socket file's
//! owner: its own, root's or the database owner's), and a path where
//! another process listens keeps the server from starting.
//! A request is one line, the command's words as a JSON array; the answer
//! is one line, `{"code": N, "out": TEXT, "err": TEXT}`. One client is
//! served at a time, each within [`TIMEOUT`].
//!
//! Here: the [`Reply`] both ends share. `command` is what the socket
//! carries and how it runs, `server` listens, `client` asks.

use std::time::Duration;

mod client;
mod command;
mod server;

pub use client::request;
pub use command::{ControlCommand, Operator};
pub use server::{Bound, Control, ControlError};

/// How long one client may take to send its request and read the answer.
pub const TIMEOUT: Duration = Duration::from_secs(5);

/// What a command printed, and its exit status.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reply {
    /// The exit status: 0 done, 1 failed.
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
