//! The application: settings, the authentication policy, the clock and
//! the login pool, shared by every worker. `api` makes it the HTTP
//! server's handler.

use std::sync::{Arc, Weak};

use crate::auth::Auth;
use crate::clock::Clock;
use crate::config::Settings;
use crate::jwt::Key;
use crate::metrics::Metrics;
use crate::store::Store;
use crate::token::{JtiSource, Tokens};
use crate::work_pool::{Priority, WorkPool};
use crate::writer::Writer;

/// Threads that run the requests waiting on a durable commit to redb: as
/// many commits can wait at once, and the writer takes them all into one
/// batch. Each costs a small stack while idle.
pub(crate) const EMBEDDED_STORE_THREADS: usize = 32;

/// Everything a request needs.
#[derive(Debug)]
pub struct App {
    /// The policy, which holds the settings in force ([`App::settings`]).
    pub auth: Auth,
    /// The clock, shared with the writer.
    pub clock: Arc<Clock>,
    /// The request header carrying credentials, lower case.
    pub auth_header: String,
    /// `WWW-Authenticate` on every 401: `Bearer realm="api"`.
    pub www_authenticate: String,
    /// Counters for `/metrics`.
    pub metrics: Metrics,
    /// The threads that run logins (password hashing), off the HTTP workers.
    pub logins: WorkPool,
    /// The threads that run the requests that wait on the store (a
    /// durable commit, or a round trip to a shared database), off the
    /// HTTP workers. `None` only in tests that run views in place.
    pub database: Option<WorkPool>,
    /// Itself, for work handed to the login pool.
    me: Weak<App>,
}

impl App {
    /// Assembles the application, with the settings `auth` holds.
    pub fn new(
        auth: Auth,
        clock: Arc<Clock>,
        logins: WorkPool,
        database: Option<WorkPool>,
    ) -> Arc<App> {
        let settings = auth.settings();
        let scheme = settings
            .auth_header_types
            .first()
            .map_or("Bearer", String::as_str);
        let www_authenticate = format!("{scheme} realm=\"api\"");
        Arc::new_cyclic(|me| App {
            auth_header: settings.auth_header(),
            www_authenticate,
            auth,
            clock,
            metrics: Metrics::default(),
            logins,
            database,
            me: me.clone(),
        })
    }

    /// The settings in force: one consistent set, to read for the rest of
    /// a request. A reload (SIGHUP) replaces them for the next.
    pub fn settings(&self) -> Arc<Settings> {
        self.auth.settings()
    }

    /// A handle on the application for work that outlives a request.
    pub fn shared(&self) -> Option<Arc<App>> {
        self.me.upgrade()
    }

    /// Unix seconds.
    pub fn now(&self) -> u64 {
        self.clock.now()
    }

    /// An application over an in-memory database with a fixed clock at
    /// `now` and `jtis` as the id source: the whole request path without a
    /// socket or a disk, for tests.
    pub fn in_memory(
        settings: Settings,
        key: &[u8],
        now: u64,
        jtis: JtiSource,
    ) -> Result<Arc<App>, String> {
        let store = Arc::new(Store::open_in_memory().map_err(|e| e.to_string())?);
        App::with_store(settings, key, now, jtis, store)
    }

    /// As [`App::in_memory`], over a given store.
    pub fn with_store(
        settings: Settings,
        key: &[u8],
        now: u64,
        jtis: JtiSource,
        store: Arc<Store>,
    ) -> Result<Arc<App>, String> {
        let key = Key::new(settings.algorithm, key).map_err(|e| e.to_string())?;
        let settings = Arc::new(settings);
        let clock = Arc::new(Clock::fixed(now));
        let (writer, _thread) = Writer::start(
            store.clone(),
            clock.clone(),
            settings.purge_interval,
            settings.leeway,
        )
        .map_err(|e| e.to_string())?;
        let login_pool = WorkPool::start(settings.login_threads, settings.login_queue)
            .map_err(|e| e.to_string())?;
        let tokens = Tokens::new(&settings, key, jtis);
        let database = WorkPool::named(
            "jwtd-db",
            EMBEDDED_STORE_THREADS,
            settings.max_connections,
            Priority::Normal,
        )
        .map_err(|e| e.to_string())?;
        let auth = Auth::new(settings.clone(), tokens, store, writer, clock.clone());
        Ok(App::new(auth, clock, login_pool, Some(database)))
    }
}
