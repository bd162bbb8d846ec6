//! The server's end of the control socket: a listener beside the
//! database, created owner-only, served by one thread, one client at a
//! time, answering only clients that run as the server's user (or root).
//!
//! A path where another process already listens is not taken over: the
//! command line would reach that process instead, so the server must not
//! start ([`ControlError::Taken`]). A socket file left by a server that is
//! gone is replaced.

use std::fmt;
use std::fs;
use std::io::{self, BufRead, BufReader, Read, Write};
use std::os::fd::AsRawFd;
use std::os::unix::fs::{FileTypeExt, MetadataExt, PermissionsExt};
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::{self, JoinHandle};
use std::time::Duration;

use serde_json::json;

use super::{ControlCommand, Operator, Reply, TIMEOUT};
use crate::app::App;
use crate::files::OWNER_ONLY;
use crate::log;
use crate::sys;

/// Longest request line accepted: a Django dump of many thousand users.
const MAX_REQUEST: u64 = 64 << 20;

/// Why there is no control socket.
#[derive(Debug)]
pub enum ControlError {
    /// Another process listens at the path: the command line's requests
    /// would reach it, not this server, so this server must not start.
    Taken {
        /// The user id that process runs as, when the kernel said.
        listener: Option<u32>,
        /// The user id owning the socket file.
        owner: u32,
    },
    /// Anything else (a file that is not a socket in the way, a directory
    /// that cannot be written): the server runs without a control socket.
    Unavailable(io::Error),
}

impl fmt::Display for ControlError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ControlError::Taken { listener, owner } => {
                let me = sys::own_uid();
                let uid = listener.unwrap_or(*owner);
                let whose = if uid == me && *owner == me {
                    "this account".to_owned()
                } else {
                    format!("another account (uid {uid}; the file belongs to uid {owner})")
                };
                write!(f, "another process, of {whose}, is listening on it")
            }
            ControlError::Unavailable(e) => e.fmt(f),
        }
    }
}

impl std::error::Error for ControlError {}

impl From<io::Error> for ControlError {
    fn from(e: io::Error) -> ControlError {
        ControlError::Unavailable(e)
    }
}

/// A control socket bound but not yet served: taken early, before the
/// server listens on TCP, so that a path in use stops start-up. Dropped
/// unserved, it removes its file.
#[derive(Debug)]
pub struct Bound {
    listener: Option<UnixListener>,
    path: PathBuf,
}

impl Drop for Bound {
    fn drop(&mut self) {
        if self.listener.take().is_some() {
            let _ = fs::remove_file(&self.path);
        }
    }
}

impl Bound {
    /// Its path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Serves `app`'s commands from a thread of its own.
    pub fn serve(mut self, app: Arc<App>) -> io::Result<Control> {
        let Some(listener) = self.listener.take() else {
            return Err(io::Error::other("the control socket is already served"));
        };
        let stopping = Arc::new(AtomicBool::new(false));
        let spawned = {
            let stopping = stopping.clone();
            thread::Builder::new()
                .name("jwtd-control".into())
                .stack_size(128 * 1024)
                .spawn(move || serve(&listener, &app, &stopping))
        };
        let thread = spawned.inspect_err(|_| {
            let _ = fs::remove_file(&self.path);
        })?;
        Ok(Control {
            path: self.path.clone(),
            stopping,
            thread: Some(thread),
        })
    }
}

/// A listening control socket, served by one thread.
#[derive(Debug)]
pub struct Control {
    path: PathBuf,
    stopping: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl Control {
    /// Takes `path` for the control socket, owner-only. A socket file left
    /// by a server that is gone is replaced; a live socket is
    /// [`ControlError::Taken`], whoever listens on it; anything else at
    /// `path` is [`ControlError::Unavailable`].
    pub fn bind(path: &Path) -> Result<Bound, ControlError> {
        if let Ok(meta) = fs::symlink_metadata(path) {
            if !meta.file_type().is_socket() {
                return Err(ControlError::Unavailable(io::Error::new(
                    io::ErrorKind::AlreadyExists,
                    "a file that is not a socket is in the way",
                )));
            }
            if let Ok(live) = UnixStream::connect(path) {
                return Err(ControlError::Taken {
                    listener: sys::peer_uid(live.as_raw_fd()).ok(),
                    owner: meta.uid(),
                });
            }
            fs::remove_file(path)?;
        }
        // Created 0600 less the umask, never more open, not even between
        // bind and chmod; the chmod gives back owner bits a umask took.
        let listener = sys::bind_unix_listener(path, OWNER_ONLY)?;
        let bound = Bound {
            listener: Some(listener),
            path: path.to_owned(),
        };
        fs::set_permissions(path, fs::Permissions::from_mode(OWNER_ONLY))?;
        Ok(bound)
    }

    /// [`Control::bind`], then [`Bound::serve`] (the server binds before
    /// it listens on TCP, and serves once the application exists).
    #[cfg(test)]
    pub fn start(path: &Path, app: Arc<App>) -> Result<Control, ControlError> {
        Ok(Control::bind(path)?.serve(app)?)
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
    let (peer, own) = (sys::peer_uid(stream.as_raw_fd())?, sys::own_uid());
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
        match serde_json::from_str::<serde_json::Value>(&line) {
            Ok(request) => match ControlCommand::from_json(&request) {
                Ok(command) => command.run(&Operator::Server(app)),
                Err(refused) => Reply::failed(refused),
            },
            Err(_) => Reply::failed("a request is one line: a JSON object naming a command"),
        }
    };
    let body = json!({"code": reply.code, "out": reply.out, "err": reply.err});
    let mut stream = stream;
    stream.write_all(format!("{body}\n").as_bytes())?;
    stream.flush()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Settings;
    use crate::control::client::exchange;
    use crate::control::request;

    use crate::time;
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
        app.auth.reload_keys().unwrap();
        let before = app.auth.current_kid().unwrap();

        let dir = socket_dir();
        let path = dir.join("db.sock");
        let control = Control::start(&path, app.clone()).unwrap();
        let mode = fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);

        let rotated = request(&path, &path, &ControlCommand::KeyRotate).unwrap();
        let retire = |kid: &str| ControlCommand::KeyRetire {
            kid: kid.into(),
            force: true,
        };
        assert_eq!(rotated.code, 0, "{rotated:?}");
        let after = app.auth.current_kid().unwrap();
        assert_ne!(before, after);
        assert!(rotated.out.contains(&after), "{rotated:?}");
        let list = request(&path, &path, &ControlCommand::KeyList).unwrap();
        assert!(list.out.contains(&format!("{before}  ")), "{list:?}");
        assert!(list.out.contains("current"), "{list:?}");

        let refused = request(&path, &path, &retire(&after)).unwrap();
        assert_eq!(refused.code, 1);
        assert!(refused.err.contains("is the current key"), "{refused:?}");
        assert_eq!(request(&path, &path, &retire(&before)).unwrap().code, 0);
        assert_eq!(app.auth.key_ids(), vec![after]);

        let nobody = request(&path, &path, &ControlCommand::UserRevoke("nobody".into())).unwrap();
        assert_eq!(
            (nobody.code, nobody.err.as_str()),
            (1, "no user named \"nobody\"")
        );
        let other = exchange(&path, &path, &json!({"command": "user frob"})).unwrap();
        assert_eq!(
            (other.code, other.err.as_str()),
            (1, "not a control command: user frob")
        );

        // A raw client sending garbage gets an error line, and the server
        // goes on serving.
        let mut raw = UnixStream::connect(&path).unwrap();
        raw.write_all(b"not json\n").unwrap();
        let mut answer = String::new();
        raw.read_to_string(&mut answer).unwrap();
        assert!(
            answer.contains("a JSON object naming a command"),
            "{answer}"
        );
        assert_eq!(
            request(&path, &path, &ControlCommand::KeyList)
                .unwrap()
                .code,
            0
        );

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
        // A second server on the same socket is refused while the first
        // runs, as taken: it must not start.
        let taken = Control::start(&path, app.clone()).unwrap_err();
        let me = sys::own_uid();
        assert!(
            matches!(taken, ControlError::Taken { listener: Some(uid), owner } if uid == me && owner == me),
            "{taken:?}"
        );
        assert_eq!(
            taken.to_string(),
            "another process, of this account, is listening on it"
        );
        control.stop();
        // Bound but never served, it leaves no file behind.
        drop(Control::bind(&path).unwrap());
        assert!(!path.exists());
        fs::write(&path, b"not a socket").unwrap();
        assert!(matches!(
            Control::start(&path, app),
            Err(ControlError::Unavailable(_))
        ));
        assert_eq!(fs::read(&path).unwrap(), b"not a socket");
        let _ = fs::remove_dir_all(&dir);
    }
}
