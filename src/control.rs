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
//! user (or root): the same people who could open the database file.
//! A request is one line, the command's words as a JSON array; the answer
//! is one line, `{"code": N, "out": TEXT, "err": TEXT}`. One client is
//! served at a time, each within [`TIMEOUT`].

use std::fs;
use std::io::{self, BufRead, BufReader, Read, Write};
use std::os::fd::AsRawFd;
use std::os::unix::fs::{FileTypeExt, PermissionsExt};
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::{self, JoinHandle};
use std::time::Duration;

use serde_json::{json, Value};

use crate::app::App;
use crate::auth;
use crate::config::Settings;
use crate::keys;
use crate::log;
use crate::store::{ChangeOutcome, Store, StoreError};
use crate::sys;
use crate::time;

/// Longest request line accepted.
const MAX_REQUEST: u64 = 4096;
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

/// Whether `words` is a command the control socket carries.
pub fn is_control_command(words: &[&str]) -> bool {
    matches!(
        words,
        ["key", "list"] | ["key", "rotate"] | ["key", "retire", _] | ["user", "revoke", _]
    )
}

/// Runs a control command on `store`: in a running server (`server` is its
/// application, whose keys and writer are used), or in the command-line
/// process when no server holds the database.
pub fn run_command(
    words: &[&str],
    settings: &Settings,
    store: &Store,
    server: Option<&App>,
) -> Reply {
    let reload = || -> Result<(), keys::KeysError> {
        if let Some(app) = server {
            let ring = keys::from_database(settings, store)?;
            app.auth.tokens().set_keys(ring);
        }
        Ok(())
    };
    match words {
        ["key", "list"] => match keys::list(store) {
            Ok(list) => Reply::done(keys::list_text(&list)),
            Err(e) => Reply::failed(e),
        },
        ["key", "rotate"] => match keys::rotate(settings, store).and_then(|key| {
            reload()?;
            Ok(key)
        }) {
            Ok(key) => {
                if server.is_some() {
                    log::info(&format!("signing keys: new current key {}", key.kid));
                }
                Reply::done(format!(
                    "New current key {}. Tokens signed with the previous keys keep \
                     verifying until `jwtd key retire ID`.\n",
                    key.kid
                ))
            }
            Err(e) => Reply::failed(e),
        },
        ["key", "retire", kid] => match keys::retire(store, kid).and_then(|()| reload()) {
            Ok(()) => {
                if server.is_some() {
                    log::info(&format!("signing keys: key {kid} retired"));
                }
                Reply::done(format!(
                    "Retired key {kid}: tokens signed with it are refused from now on.\n"
                ))
            }
            Err(e) => Reply::failed(e),
        },
        ["user", "revoke", name] => revoke(name, store, server),
        _ => Reply::failed(format!("not a control command: {}", words.join(" "))),
    }
}

fn revoke(name: &str, store: &Store, server: Option<&App>) -> Reply {
    let user = match store.user_by_name(name) {
        Ok(Some(user)) => user,
        Ok(None) => return Reply::failed(format!("no user named {name:?}")),
        Err(e) => return Reply::failed(e),
    };
    let revoked = match server {
        Some(app) => app
            .auth
            .revoke_user(user.id, app.now())
            .map_err(|e| e.to_string()),
        None => revoke_in_store(store, user.id).map_err(|e| e.to_string()),
    };
    match revoked {
        Ok(Some(tokens)) => {
            // The server logs what its control socket was asked to do.
            if server.is_some() {
                log::info(&format!(
                "user {name:?} (id {}) revoked through the control socket: {tokens} refresh token(s) blacklisted",
                user.id
            ));
            }
            Reply::done(format!(
                "Revoked every token of {name:?} ({tokens} refresh token(s) blacklisted).\n"
            ))
        }
        Ok(None) => Reply::failed(format!("no user named {name:?}")),
        Err(e) => Reply::failed(e),
    }
}

/// `Auth::revoke_user` without a server: the same write, applied to the
/// store directly. `None` if there is no such user.
pub fn revoke_in_store(store: &Store, user_id: u64) -> Result<Option<u64>, StoreError> {
    let outcomes = store.apply(&[auth::revocation(user_id, time::now_seconds())])?;
    Ok(match outcomes.first() {
        Some(ChangeOutcome::Revoked { tokens }) => Some(*tokens),
        _ => None,
    })
}

/// A listening control socket, served by one thread.
#[derive(Debug)]
pub struct Control {
    path: PathBuf,
    stopping: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl Control {
    /// Listens at `path` and serves `app`'s commands. A socket file left by
    /// a server that is gone is replaced; anything else at `path` is an
    /// error.
    pub fn start(path: &Path, app: Arc<App>) -> io::Result<Control> {
        if let Ok(meta) = fs::symlink_metadata(path) {
            if !meta.file_type().is_socket() {
                return Err(io::Error::new(
                    io::ErrorKind::AlreadyExists,
                    "a file that is not a socket is in the way",
                ));
            }
            if UnixStream::connect(path).is_ok() {
                return Err(io::Error::new(
                    io::ErrorKind::AddrInUse,
                    "another process is listening on it",
                ));
            }
            fs::remove_file(path)?;
        }
        let listener = UnixListener::bind(path)?;
        fs::set_permissions(path, fs::Permissions::from_mode(0o600))?;
        let stopping = Arc::new(AtomicBool::new(false));
        let thread = {
            let stopping = stopping.clone();
            thread::Builder::new()
                .name("jwtd-control".into())
                .stack_size(128 * 1024)
                .spawn(move || serve(&listener, &app, &stopping))?
        };
        Ok(Control {
            path: path.to_owned(),
            stopping,
            thread: Some(thread),
        })
    }

    /// Its path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Stops serving and removes the socket file.
    pub fn stop(mut self) {
        self.shut();
    }

    fn shut(&mut self) {
        self.stopping.store(true, Ordering::SeqCst);
        // Wakes the accept.
        let _ = UnixStream::connect(&self.path);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
        let _ = fs::remove_file(&self.path);
    }
}

impl Drop for Control {
    fn drop(&mut self) {
        if self.thread.is_some() {
            self.shut();
        }
    }
}

fn serve(listener: &UnixListener, app: &App, stopping: &AtomicBool) {
    for stream in listener.incoming() {
        if stopping.load(Ordering::SeqCst) {
            return;
        }
        match stream {
            Ok(stream) => {
                if let Err(e) = answer(stream, app) {
                    log::warn(&format!("control socket: {e}"));
                }
            }
            Err(e) => {
                log::warn(&format!("control socket: accept failed: {e}"));
                thread::sleep(Duration::from_millis(100));
            }
        }
    }
}

fn answer(stream: UnixStream, app: &App) -> io::Result<()> {
    let (peer, own) = sys::peer_and_own_uid(stream.as_raw_fd())?;
    stream.set_read_timeout(Some(TIMEOUT))?;
    stream.set_write_timeout(Some(TIMEOUT))?;
    let reply = if peer != own && peer != 0 {
        log::warn(&format!(
            "control socket: refused a client running as uid {peer}"
        ));
        Reply::failed(format!(
            "the server runs as uid {own}; run this command as that user"
        ))
    } else {
        let mut line = String::new();
        BufReader::new((&stream).take(MAX_REQUEST)).read_line(&mut line)?;
        match serde_json::from_str::<Vec<String>>(&line) {
            Ok(words) => {
                let words: Vec<&str> = words.iter().map(String::as_str).collect();
                if is_control_command(&words) {
                    run_command(&words, &app.settings, app.auth.store(), Some(app))
                } else {
                    Reply::failed(format!("not a control command: {}", words.join(" ")))
                }
            }
            Err(_) => Reply::failed("a request is one line: a JSON array of strings"),
        }
    };
    let body = json!({"code": reply.code, "out": reply.out, "err": reply.err});
    let mut stream = stream;
    stream.write_all(format!("{body}\n").as_bytes())?;
    stream.flush()
}

/// Sends `words` to the server listening at `path` and returns its reply.
pub fn request(path: &Path, words: &[&str]) -> io::Result<Reply> {
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

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::token::JtiSource;

    fn socket_dir() -> PathBuf {
        let dir = std::env::temp_dir().join(format!(
            "jwtd-control-{}-{}",
            std::process::id(),
            time::now_micros()
        ));
        fs::create_dir_all(&dir).unwrap();
        dir
    }

    #[test]
    fn commands_reach_the_server_and_rotation_applies_at_once() {
        let app =
            App::in_memory(Settings::default(), b"unused", 1_000, JtiSource::counter()).unwrap();
        // The application's keys, as `jwtd serve` loads them from the database.
        let (ring, _) = keys::load(&app.settings, app.auth.store()).unwrap();
        app.auth.tokens().set_keys(ring);
        let before = app.auth.tokens().keys().current_kid().unwrap().to_owned();

        let dir = socket_dir();
        let path = dir.join("db.sock");
        let control = Control::start(&path, app.clone()).unwrap();
        let mode = fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);

        let rotated = request(&path, &["key", "rotate"]).unwrap();
        assert_eq!(rotated.code, 0, "{rotated:?}");
        let after = app.auth.tokens().keys().current_kid().unwrap().to_owned();
        assert_ne!(before, after);
        assert!(rotated.out.contains(&after), "{rotated:?}");
        let list = request(&path, &["key", "list"]).unwrap();
        assert!(list.out.contains(&format!("{before}  ")), "{list:?}");
        assert!(list.out.contains("current"), "{list:?}");

        let refused = request(&path, &["key", "retire", &after]).unwrap();
        assert_eq!(refused.code, 1);
        assert!(refused.err.contains("is the current key"), "{refused:?}");
        assert_eq!(request(&path, &["key", "retire", &before]).unwrap().code, 0);
        assert_eq!(
            app.auth.tokens().keys().kids().collect::<Vec<_>>(),
            [after.as_str()]
        );

        let nobody = request(&path, &["user", "revoke", "nobody"]).unwrap();
        assert_eq!(
            (nobody.code, nobody.err.as_str()),
            (1, "no user named \"nobody\"")
        );
        let other = request(&path, &["user", "delete", "alice"]).unwrap();
        assert_eq!(other.code, 1);

        // A raw client sending garbage gets an error line, and the server
        // goes on serving.
        let mut raw = UnixStream::connect(&path).unwrap();
        raw.write_all(b"not json\n").unwrap();
        let mut answer = String::new();
        raw.read_to_string(&mut answer).unwrap();
        assert!(answer.contains("a JSON array of strings"), "{answer}");
        assert_eq!(request(&path, &["key", "list"]).unwrap().code, 0);

        control.stop();
        assert!(!path.exists());
        let _ = fs::remove_dir_all(&dir);
    }

    #[test]
    fn a_stale_socket_is_replaced_and_a_plain_file_is_not() {
        let app = App::in_memory(Settings::default(), b"k", 1_000, JtiSource::counter()).unwrap();
        let dir = socket_dir();
        let path = dir.join("stale.sock");
        drop(UnixListener::bind(&path).unwrap());
        assert!(path.exists());
        let control = Control::start(&path, app.clone()).unwrap();
        // A second server on the same socket is refused while the first runs.
        assert!(Control::start(&path, app.clone()).is_err());
        control.stop();
        fs::write(&path, b"not a socket").unwrap();
        assert!(Control::start(&path, app).is_err());
        assert_eq!(fs::read(&path).unwrap(), b"not a socket");
        let _ = fs::remove_dir_all(&dir);
    }
}
