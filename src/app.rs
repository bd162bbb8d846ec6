//! The application: settings, the authentication policy, the clock and
//! the login pool, shared by every worker. `api` makes it the HTTP
//! server's handler.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Weak};

use crate::auth::Auth;
use crate::config::Settings;
use crate::hasher::Hasher;
use crate::jwt::SigningKey;
use crate::metrics::Metrics;
use crate::store::Store;
use crate::time;
use crate::token::{JtiSource, Tokens};
use crate::writer::Writer;

/// Where `now` comes from.
#[derive(Debug)]
pub enum Clock {
    /// The system clock.
    System,
    /// A fixed time that tests set and advance.
    Fixed(AtomicU64),
}

impl Clock {
    /// Unix seconds.
    pub fn now(&self) -> u64 {
        match self {
            Clock::System => time::now_seconds(),
            Clock::Fixed(t) => t.load(Ordering::Relaxed),
        }
    }

    /// Returns once the clock reads at least `seconds`: sleeps (a second at
    /// most) on the system clock; a fixed clock is moved there.
    pub fn wait_until(&self, seconds: u64) {
        match self {
            Clock::System => {
                let target = std::time::Duration::from_secs(seconds);
                if let Ok(now) = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH)
                {
                    if let Some(wait) = target.checked_sub(now) {
                        std::thread::sleep(wait.min(std::time::Duration::from_secs(1)));
                    }
                }
            }
            Clock::Fixed(t) => {
                t.fetch_max(seconds, Ordering::Relaxed);
            }
        }
    }

    /// Moves a fixed clock; no effect on the system clock.
    pub fn set(&self, seconds: u64) {
        if let Clock::Fixed(t) = self {
            t.store(seconds, Ordering::Relaxed);
        }
    }
}

/// Everything a request needs.
#[derive(Debug)]
pub struct App {
    /// The settings in force.
    pub settings: Arc<Settings>,
    /// The policy.
    pub auth: Auth,
    /// The clock.
    pub clock: Clock,
    /// The request header carrying credentials, lower case.
    pub auth_header: String,
    /// `WWW-Authenticate` on every 401: `Bearer realm="api"`.
    pub www_authenticate: String,
    /// Counters for `/metrics`.
    pub metrics: Metrics,
    /// The threads that run logins (password hashing), off the HTTP workers.
    pub logins: Hasher,
    /// Itself, for work handed to the login pool.
    me: Weak<App>,
}

impl App {
    /// Assembles the application.
    pub fn new(settings: Arc<Settings>, auth: Auth, clock: Clock, logins: Hasher) -> Arc<App> {
        let scheme = settings
            .auth_header_types
            .first()
            .map_or("Bearer", String::as_str);
        let www_authenticate = format!("{scheme} realm=\"api\"");
        Arc::new_cyclic(|me| App {
            auth_header: settings.auth_header(),
            www_authenticate,
            settings,
            auth,
            clock,
            metrics: Metrics::default(),
            logins,
            me: me.clone(),
        })
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
        let key = SigningKey::new(settings.algorithm, key).map_err(|e| e.to_string())?;
        let settings = Arc::new(settings);
        let (writer, _thread) =
            Writer::start(store.clone(), settings.purge_interval, settings.leeway)
                .map_err(|e| e.to_string())?;
        let hasher = Hasher::start(settings.login_threads, settings.login_queue)
            .map_err(|e| e.to_string())?;
        let tokens = Tokens::new(&settings, key, jtis);
        let auth = Auth::new(settings.clone(), tokens, store, writer);
        Ok(App::new(
            settings,
            auth,
            Clock::Fixed(AtomicU64::new(now)),
            hasher,
        ))
    }
}
