//! What the adversarial review found (issue 11), each shown against the
//! real binary: the request or token it used, and jwtd refusing it. A file
//! per kind of finding (requests, connections, tokens, revocation, logins,
//! files); here what several of them share.

use std::io::Read;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

mod connections;
mod files;
mod logins;
mod requests;
mod revocation;
mod tokens;

/// Runs `cmd`, a `jwtd serve` expected to refuse to start, for at most
/// ten seconds; returns its exit status and what it printed.
fn refused_start(mut cmd: Command) -> (i32, String) {
    cmd.stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break Some(status);
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let mut stderr = String::new();
    let _ = child.stderr.take().unwrap().read_to_string(&mut stderr);
    let status = status.unwrap_or_else(|| panic!("jwtd serve started: {stderr}"));
    (status.code().unwrap_or(-1), stderr)
}
