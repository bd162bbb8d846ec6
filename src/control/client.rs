//! The command line's end of the control socket: one request line, one
//! answer line, each within the timeouts, and only to a server it can
//! trust: in a shared directory another account may listen at the path
//! first, and would otherwise be told the command and believed.

use std::io::{self, BufRead, BufReader, Read, Write};
use std::os::fd::AsRawFd;
use std::os::unix::fs::MetadataExt;
use std::os::unix::net::UnixStream;
use std::path::Path;

use serde_json::Value;

use super::{ControlCommand, Reply, ANSWER_TIMEOUT, TIMEOUT};
use crate::sys;

/// The longest answer read: an export of every user fits many times over.
const MAX_ANSWER: u64 = 256 << 20;

/// Sends `command` to the server listening at `path`, which holds the
/// database `db`, and returns its reply.
pub fn request(path: &Path, db: &Path, command: &ControlCommand) -> io::Result<Reply> {
    exchange(path, db, &command.to_json())
}

/// Sends `request` as one JSON line and reads the answer line.
pub(super) fn exchange(path: &Path, db: &Path, request: &Value) -> io::Result<Reply> {
    let mut stream = UnixStream::connect(path)?;
    // Before a byte is sent: the kernel says who listens, the file system
    // who owns the socket file and the database.
    let trusted = Trusted {
        me: sys::own_uid(),
        database_owner: std::fs::metadata(db).ok().map(|m| m.uid()),
    };
    let listener = sys::peer_uid(stream.as_raw_fd())?;
    let owner = std::fs::metadata(path)?.uid();
    if let Some(why) = trusted.refusal(listener, owner) {
        return Err(io::Error::new(
            io::ErrorKind::PermissionDenied,
            format!("{why}; nothing was sent"),
        ));
    }
    stream.set_read_timeout(Some(ANSWER_TIMEOUT))?;
    stream.set_write_timeout(Some(TIMEOUT))?;
    stream.write_all(format!("{request}\n").as_bytes())?;
    let mut line = String::new();
    BufReader::new(stream.take(MAX_ANSWER)).read_line(&mut line)?;
    let invalid = || {
        io::Error::new(
            io::ErrorKind::InvalidData,
            "the server's answer is not valid",
        )
    };
    let value: Value = serde_json::from_str(&line).map_err(|_| invalid())?;
    let text = |name: &str| value.get(name).and_then(Value::as_str).unwrap_or_default();
    Ok(Reply {
        code: value
            .get("code")
            .and_then(Value::as_u64)
            .and_then(|c| u8::try_from(c).ok())
            .ok_or_else(invalid)?,
        out: text("out").to_owned(),
        err: text("err").to_owned(),
    })
}

/// The accounts a client may talk to: its own, root, and the database's
/// owner, who holds the signing keys and the password hashes already, so
/// a command sent there tells it nothing and it can claim nothing it could
/// not have done itself. (The last is what lets `sudo jwtd key rotate`
/// reach a server running as a service account.) Another account that
/// listens first at the path, in a shared directory, is none of these.
struct Trusted {
    me: u32,
    database_owner: Option<u32>,
}

impl Trusted {
    fn admits(&self, uid: u32) -> bool {
        uid == self.me || uid == 0 || Some(uid) == self.database_owner
    }

    /// Why a socket whose listener runs as `listener` and whose file
    /// belongs to `owner` is not to be talked to; `None` when both are
    /// admitted.
    fn refusal(&self, listener: u32, owner: u32) -> Option<String> {
        let whom = match self.database_owner {
            Some(uid) => format!(
                "this account (uid {}), root, nor the database's owner (uid {uid})",
                self.me
            ),
            None => format!("this account (uid {}) nor root", self.me),
        };
        if !self.admits(listener) {
            Some(format!(
                "the process listening on it runs as uid {listener}: neither {whom}"
            ))
        } else if !self.admits(owner) {
            Some(format!(
                "the socket file belongs to uid {owner}: neither {whom}"
            ))
        } else {
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Trusted;

    #[test]
    fn only_a_server_of_this_account_roots_or_the_databases_owners_is_trusted() {
        let user = Trusted {
            me: 1000,
            database_owner: Some(1000),
        };
        assert_eq!(user.refusal(1000, 1000), None);
        assert_eq!(user.refusal(0, 0), None, "root's");
        assert_eq!(user.refusal(0, 1000), None);
        assert_eq!(
            user.refusal(1001, 1000).as_deref(),
            Some("the process listening on it runs as uid 1001: neither this account (uid 1000), root, nor the database's owner (uid 1000)")
        );
        assert_eq!(
            user.refusal(1000, 1001).as_deref(),
            Some("the socket file belongs to uid 1001: neither this account (uid 1000), root, nor the database's owner (uid 1000)")
        );
        // Root reaches a server running as the service account that owns
        // the database, and no other account.
        let root = Trusted {
            me: 0,
            database_owner: Some(61_234),
        };
        assert_eq!(root.refusal(61_234, 61_234), None);
        assert!(root.refusal(65_534, 65_534).is_some());
        let unknown = Trusted {
            me: 0,
            database_owner: None,
        };
        assert_eq!(
            unknown.refusal(65_534, 0).as_deref(),
            Some("the process listening on it runs as uid 65534: neither this account (uid 0) nor root")
        );
    }
}
