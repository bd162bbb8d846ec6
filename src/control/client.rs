//! The command line's end of the control socket: one request line, one
//! answer line, each within the timeouts.

use std::io::{self, BufRead, BufReader, Read, Write};
use std::os::unix::net::UnixStream;
use std::path::Path;

use serde_json::{json, Value};

use super::{ControlCommand, Reply, TIMEOUT};

/// Sends `command` to the server listening at `path` and returns its reply.
pub fn request(path: &Path, command: &ControlCommand) -> io::Result<Reply> {
    exchange(path, &command.words())
}

/// Sends `words` as one JSON array line and reads the answer line.
pub(super) fn exchange(path: &Path, words: &[&str]) -> io::Result<Reply> {
    let mut stream = UnixStream::connect(path)?;
    stream.set_read_timeout(Some(TIMEOUT * 2))?;
    stream.set_write_timeout(Some(TIMEOUT))?;
    stream.write_all(format!("{}\n", json!(words)).as_bytes())?;
    let mut line = String::new();
    BufReader::new(stream.take(1 << 20)).read_line(&mut line)?;
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
