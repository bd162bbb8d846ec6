//! `jwtd serve`: refuses a database or key file others may read, then
//! assembles the store, the writer, the hashing pool, the policy and the
//! HTTP server; runs until SIGINT or SIGTERM, reloading the settings on
//! each SIGHUP (`reload`); then stops in order (no new connections,
//! requests in flight finished, last writes committed, database closed).
//! On a shared database (PostgreSQL) it also starts the database threads
//! and the thread that follows key changes (`shared`).

#[cfg(feature = "asymmetric")]
mod jwk_url;
mod reload;
mod shared;

use std::net::{SocketAddr, TcpListener};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::thread::{self, JoinHandle};

use crate::app::App;
use crate::auth::Auth;
use crate::clock::Clock;
use crate::config::{Loaded, Settings, Source, Sources, LOOPBACK_HOSTS};
use crate::control::{Bound, Control, ControlError};
use crate::files;
use crate::http::parse::HEADERS_CAP;
use crate::http::{Limits, Server, StopHandle};
use crate::keys;
use crate::log;
use crate::store::{Address, OpenOptions, Store, StoreError, UserTable};
use crate::sys::{self, Signal};
use crate::token::{JtiSource, Tokens};
use crate::work_pool::{Priority, WorkPool};
use crate::writer::Writer;

/// A running service.
pub struct Service {
    server: Server,
    app: Arc<App>,
    writer_thread: JoinHandle<()>,
}

impl Service {
    /// Starts serving `listener` with `store`. The signing keys come from
    /// the environment or the store ([`keys::load`]).
    pub fn start(
        settings: Settings,
        listener: TcpListener,
        store: Arc<Store>,
        clock: Clock,
    ) -> Result<Service, String> {
        let clock = Arc::new(clock);
        let (keys, source) = keys::load(&settings, &store, &clock).map_err(|e| e.to_string())?;
        log::info(&format!("signing keys from {source}"));
        let settings = Arc::new(settings);
        let (writer, writer_thread) = Writer::start(
            store.clone(),
            clock.clone(),
            settings.purge_interval,
            settings.leeway,
        )
        .map_err(|e| format!("cannot start the writer: {e}"))?;
        let login_pool = WorkPool::start(settings.login_threads, settings.login_queue)
            .map_err(|e| format!("cannot start the hashing threads: {e}"))?;
        let tokens = Tokens::with_keys(&settings, keys, JtiSource::Random);
        let shared = store.is_shared();
        // Requests whose every call waits on the store (a durable commit,
        // or with a shared database a round trip) run on threads of their
        // own, never on an HTTP worker: with a shared database one per
        // connection it may open, with redb enough to fill a group commit.
        let store_threads = if shared {
            (settings.postgres_connections / 2).max(1)
        } else {
            crate::app::EMBEDDED_STORE_THREADS
        };
        let database = WorkPool::named(
            "jwtd-db",
            store_threads,
            settings.max_connections,
            Priority::Normal,
        )
        .map_err(|e| format!("cannot start the database threads: {e}"))?;
        let auth = Auth::new(settings.clone(), tokens, store, writer, clock.clone());
        let app = App::new(auth, clock, login_pool, Some(database));
        #[cfg(feature = "asymmetric")]
        if settings.jwk_url.is_some() {
            let configured = keys::configured_ring(&settings)
                .map_err(|e| e.to_string())?
                .map(|(ring, _)| ring);
            let set = Arc::new(crate::jwk_url::JwkUrl::new(&settings, configured.as_ref())?);
            jwk_url::first_fetch(&app, &set);
            jwk_url::follow(&app, set)
                .map_err(|e| format!("cannot start the JWK_URL thread: {e}"))?;
        }
        #[cfg(not(feature = "asymmetric"))]
        if settings.jwk_url.is_some() {
            return Err(
                "JWK_URL needs a jwtd built with the `asymmetric` feature (the default)".into(),
            );
        }
        if shared {
            shared::follow(&app).map_err(|e| format!("cannot start the key thread: {e}"))?;
        }
        let server = Server::start(listener, app.clone(), limits(&settings), settings.workers)
            .map_err(|e| format!("cannot start the server: {e}"))?;
        Ok(Service {
            server,
            app,
            writer_thread,
        })
    }

    /// Where it listens.
    pub fn local_addr(&self) -> std::net::SocketAddr {
        self.server.local_addr()
    }

    /// Stops it from any thread.
    pub fn stop_handle(&self) -> StopHandle {
        self.server.stop_handle()
    }

    /// A handle on the application, for the control socket.
    pub fn shared_app(&self) -> Arc<App> {
        self.app.clone()
    }

    /// Waits for a stop, then shuts down in order.
    pub fn wait(self) {
        self.server.join();
        // The last handles to the writer go with the application; the
        // writer then finishes its queue and ends, and with it the store.
        drop(self.app);
        let _ = self.writer_thread.join();
    }
}

/// The bounds `settings` set for the HTTP server.
pub fn limits(settings: &Settings) -> Limits {
    Limits {
        max_request_line: settings.max_request_line_bytes,
        max_head: settings.max_header_bytes,
        max_headers: settings.max_headers.min(HEADERS_CAP),
        max_body: settings.max_body_bytes,
        request_timeout: settings.request_timeout,
        keepalive_timeout: settings.keepalive_timeout,
        write_timeout: settings.write_timeout,
        max_requests: settings.max_requests_per_connection,
        max_connections: settings.max_connections,
        max_connections_per_address: settings.connections_per_address(),
        shutdown_timeout: settings.shutdown_timeout,
        access_log: settings.access_log,
    }
}

/// What the database holds, for the messages about who may read it.
pub const DATABASE_HOLDS: &str =
    "it holds the signing keys and the password hashes, so whoever reads it can sign tokens for any user";
/// What the signing key file holds.
const KEY_FILE_HOLDS: &str = "whoever reads it can sign tokens for any user";

/// Refuses to serve over a secret file that anyone but its owner, root and
/// this process's user may read or write (see [`files::exposure`]). A file
/// that does not exist yet passes: the database is then created 0600, and
/// a missing key file is reported when it is read.
fn refuse_if_exposed(path: &Path, what: &str, holds: &str) -> Result<(), String> {
    match files::exposure(path) {
        Ok(None) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(format!(
            "cannot tell who may read {what} {}: {e}",
            path.display()
        )),
        Ok(Some(exposure)) => Err(format!(
            "refusing to start: {what} {path} is {exposure}; {holds}. \
             Make it readable by the server's account only: chmod 600 {path} \
             (and consider whether it was copied: a key that was, should be rotated)",
            path = path.display()
        )),
    }
}

/// How the settings open a database: redb's page cache, and for
/// PostgreSQL the user table and the connections.
pub fn open_options(settings: &Settings) -> OpenOptions {
    OpenOptions {
        cache_bytes: settings.cache_size,
        users: UserTable {
            table: settings.user_table.clone(),
            login: settings.username_field.clone(),
        },
        connections: settings.postgres_connections,
    }
}

/// Says which `Host` names are answered, or refuses to start when jwtd
/// listens on an address that is not loopback and `ALLOWED_HOSTS` is not
/// set: there, the names clients use are the operator's to say (Django,
/// not in `DEBUG`, would refuse every request instead, which is the same
/// outage without the message).
fn announce_hosts(settings: &Settings, local: SocketAddr) -> Result<(), String> {
    match &settings.allowed_hosts {
        None if !local.ip().is_loopback() => Err(format!(
            "refusing to start: jwtd listens on {local}, not a loopback address, and \
             ALLOWED_HOSTS is not set. Set it to the names clients send in Host, e.g. \
             JWTD_ALLOWED_HOSTS=auth.example.com,.example.org (a leading dot takes the \
             domain and every name under it), or * to answer any Host, without the \
             protection against DNS rebinding"
        )),
        None => {
            log::info(&format!(
                "answering requests for Host {} only (the loopback names; ALLOWED_HOSTS adds others)",
                LOOPBACK_HOSTS.join(", ")
            ));
            Ok(())
        }
        Some(patterns) if patterns.iter().any(|p| p == "*") => {
            log::warn(
                "ALLOWED_HOSTS has *: requests for any Host are answered, a DNS-rebinding page's too",
            );
            Ok(())
        }
        Some(patterns) => {
            log::info(&format!(
                "answering requests for Host {} only (ALLOWED_HOSTS)",
                patterns.join(", ")
            ));
            Ok(())
        }
    }
}

/// Takes the control socket's path. A path where another process listens
/// stops start-up: the command line's commands would reach that
/// process, and report its answers as this server's. Any other failure
/// only leaves the server without a control socket.
fn bind_control(path: &Path) -> Result<Option<Bound>, String> {
    match Control::bind(path) {
        Ok(bound) => Ok(Some(bound)),
        Err(taken @ ControlError::Taken { .. }) => Err(format!(
            "refusing to start: the control socket {}: {taken}; the command line's \
             `jwtd user ...` and `jwtd key ...` would reach that process instead of this server. \
             Stop it, or set CONTROL_SOCKET to a path of this server's own \
             (empty turns the control socket off)",
            path.display()
        )),
        Err(e) => {
            no_control_socket(path, &e);
            Ok(None)
        }
    }
}

fn no_control_socket(path: &Path, e: &dyn std::fmt::Display) {
    log::warn(&format!(
        "no control socket at {}: {e}; `jwtd user`, `jwtd key` and the other commands need the server stopped",
        path.display()
    ));
}

/// How `jwtd serve` was started, beside its settings.
#[derive(Debug, Clone)]
pub struct Start<'a> {
    /// `--config`: the settings file, read again on SIGHUP.
    pub config: Option<&'a Path>,
    /// `--addr`.
    pub addr: &'a str,
    /// `--db`.
    pub db: &'a Address,
    /// `--workers`, over `WORKERS`.
    pub workers: Option<usize>,
}

/// What the command line and the system impose on the settings loaded,
/// at start and again at each reload.
#[derive(Debug, Clone, Default)]
struct Overrides {
    /// `--workers`.
    workers: Option<usize>,
    /// The most connections the descriptor limit allows.
    usable_connections: Option<usize>,
}

impl Overrides {
    fn apply(&self, settings: &mut Settings, sources: &mut Sources) {
        if let Some(workers) = self.workers {
            settings.workers = workers;
            sources.record_name("WORKERS", Source::CommandLine);
        }
        if let Some(usable) = self.usable_connections {
            settings.max_connections = settings.max_connections.min(usable);
        }
    }
}

/// `settings: NAME=value (source), ...`: every setting that differs from
/// its default, as written where it came from, secrets redacted.
fn settings_line(settings: &Settings, sources: &Sources) -> String {
    let differing: Vec<String> = Settings::default()
        .differences(settings)
        .map(|change| {
            let name = change.setting.name;
            let source = sources.of(name);
            format!(
                "{name}={} ({})",
                change.to.written(name, Some(source)),
                source.label()
            )
        })
        .collect();
    if differing.is_empty() {
        "settings: all defaults".into()
    } else {
        format!("settings: {}", differing.join(", "))
    }
}

/// Runs `jwtd serve` until a termination signal.
pub fn run(loaded: Loaded, start: &Start<'_>) -> Result<(), String> {
    let Loaded {
        mut settings,
        mut sources,
        ..
    } = loaded;
    let (addr, db) = (start.addr, start.db);
    let mut overrides = Overrides {
        workers: start.workers,
        usable_connections: None,
    };
    // Before any thread starts, so every thread inherits the mask and
    // SIGINT, SIGTERM and SIGHUP reach only the `sigwait` below.
    sys::block_server_signals().map_err(|e| format!("cannot set up signals: {e}"))?;
    sys::limit_malloc_arenas();
    // A panic is a bug: log it in the server's own format (where and why),
    // one line; the worker catches it and answers 500.
    std::panic::set_hook(Box::new(|info| log::error(&format!("panic: {info}"))));
    if let Ok(limit) = sys::raise_fd_limit() {
        let usable = usize::try_from(limit.saturating_sub(64) / 2)
            .unwrap_or(usize::MAX)
            .max(16);
        if settings.max_connections > usable {
            log::warn(&format!(
                "MAX_CONNECTIONS {} exceeds what the descriptor limit {limit} allows; using {usable}",
                settings.max_connections
            ));
        }
        overrides.usable_connections = Some(usable);
    }
    overrides.apply(&mut settings, &mut sources);
    // Before anything is opened or read: whoever can read either file can
    // sign tokens as any user.
    if let Some(path) = db.file() {
        refuse_if_exposed(path, "the database", DATABASE_HOLDS)?;
    }
    if let Some(file) = keys::configured_file(&settings) {
        refuse_if_exposed(&file, "the signing key file", KEY_FILE_HOLDS)?;
    }
    let store = Store::open_at(db, &open_options(&settings)).map_err(|e| match e {
        StoreError::InUse => format!(
            "the database {db} is in use by another process (is another `jwtd serve` running?)"
        ),
        other => format!("cannot open {db}: {other}"),
    })?;
    let store = Arc::new(store);
    let users = store.users().map(|u| u.len()).unwrap_or(0);
    let listener = TcpListener::bind(addr).map_err(|e| format!("cannot listen on {addr}: {e}"))?;
    let local = listener
        .local_addr()
        .map_err(|e| format!("cannot listen on {addr}: {e}"))?;
    announce_hosts(&settings, local)?;
    let workers = settings.workers;
    let algorithm = settings.algorithm;
    // Bound before the service starts: a path another process listens on
    // stops start-up here.
    // A PostgreSQL database needs none: commands connect to it directly.
    let control = match db
        .file()
        .and_then(|path| settings.control_socket.path(path))
    {
        Some(path) => bind_control(&path)?,
        None => None,
    };
    log::info(&settings_line(&settings, &sources));
    let reloader = reload::Reloader {
        config: start.config.map(PathBuf::from),
        overrides,
        local,
    };
    let service = Service::start(settings, listener, store, Clock::System)?;
    let control = control.and_then(|bound| {
        let path = bound.path().to_owned();
        match bound.serve(service.shared_app()) {
            Ok(control) => {
                log::info(&format!(
                    "control socket {} (for jwtd user, key, backup, ...)",
                    path.display()
                ));
                Some(control)
            }
            Err(e) => {
                no_control_socket(&path, &e);
                None
            }
        }
    });
    log::info(&format!(
        "jwtd {} listening on http://{} (database {}, {workers} workers, {algorithm})",
        env!("CARGO_PKG_VERSION"),
        service.local_addr(),
        db
    ));
    if users == 0 && db.file().is_none() {
        log::info(&format!(
            "no users yet: add one with `jwtd user add NAME --db {db}` (any replica sees it at once)"
        ));
    } else if users == 0 {
        log::info(if control.is_some() {
            "no users yet: add one with `jwtd user add NAME` (it reaches this server through its control socket)"
        } else {
            "no users yet: add one with `jwtd user add NAME` (with the server stopped: there is no control socket)"
        });
    }
    // Everything has started: code not run so far need not stay resident.
    sys::release_unused_code();
    // This thread waits for the signals: SIGHUP reloads the settings, the
    // others stop the server; a second one during the graceful stop ends
    // the process at once.
    let signal = loop {
        match sys::wait_for_signal().map_err(|e| format!("cannot wait for signals: {e}"))? {
            Signal::Hangup => reloader.reload(&service.shared_app()),
            Signal::Stop(signal) => break signal,
        }
    };
    log::info(&format!("signal {signal} received: stopping gracefully"));
    service.stop_handle().stop();
    if let Some(control) = control {
        control.stop();
    }
    thread::Builder::new()
        .name("jwtd-signals".into())
        .stack_size(64 * 1024)
        .spawn(|| loop {
            match sys::wait_for_signal() {
                Ok(Signal::Hangup) => log::info("SIGHUP ignored: the server is stopping"),
                Ok(Signal::Stop(_)) => {
                    log::warn("second signal: exiting now");
                    std::process::exit(130);
                }
                Err(_) => break,
            }
        })
        .map_err(|e| format!("cannot start the signal thread: {e}"))?;
    service.wait();
    log::info("stopped");
    Ok(())
}
