//! The PostgreSQL backend: users in Django's `auth_user` (or the custom
//! user table configured), issued refresh tokens and the blacklist in
//! SimpleJWT's `token_blacklist_*` tables, and what only jwtd keeps (token
//! families, why a token is blacklisted, `tokens_valid_after`, signing
//! keys) in `jwtd_*` tables beside them. This is the only module that
//! knows the `postgres` crate.
//!
//! Any number of jwtd replicas, and Django itself, share one database:
//! every decision that must have one winner (a rotation, a logout, a reuse)
//! is made by a unique constraint inside one transaction, never by what a
//! replica remembers.
//!
//! | file | owns |
//! |---|---|
//! | `cache.rs` | what a replica remembers (users, blacklist answers) for at most 0.5 s |
//! | `pool.rs` | the connections: opened on demand up to a bound, each with its prepared statements; reconnection |
//! | `schema.rs` | the tables: found, or created Django-shaped; the user table's columns; the SQL built for them |
//! | `batch.rs` | [`PostgresStore::apply`]: a batch of changes in one transaction |
//! | `users.rs` | user reads and writes |
//! | `tokens.rs` | issued tokens, families, the blacklist, revocation, purge |
//! | `keys.rs` | signing key rows and the legacy generated key |
//! | `tests.rs` | (tests) what only this backend does: one winner among replicas, Django's tables |
//! | `test_support.rs` | (tests) a fresh database per test on the cluster the test scripts start |

mod batch;
mod cache;
mod keys;
mod pool;
mod schema;
#[cfg(test)]
pub(crate) mod test_support;
#[cfg(test)]
mod tests;
mod tokens;
mod users;

use std::fmt;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use self::cache::Cache;
use self::pool::Pool;
use self::schema::Sql;
use crate::store::address::{PostgresHost, PostgresUrl};
use crate::store::StoreError;

use crate::store::UserTable;

/// The PostgreSQL database, shared by every thread.
pub struct PostgresStore {
    url: PostgresUrl,
    pool: Pool,
    sql: Sql,
    /// [`tokens::spend_all_sql`] for this database's user table.
    spend_all: String,
    cache: Cache,
}

impl fmt::Debug for PostgresStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PostgresStore")
            .field("url", &self.url)
            .field("users", &self.sql.users.table)
            .finish()
    }
}

impl PostgresStore {
    /// Connects to `url`, finds (or creates) the tables, and keeps up to
    /// `connections` connections open as they are needed.
    pub(crate) fn open(
        url: &PostgresUrl,
        users: &UserTable,
        connections: usize,
    ) -> Result<PostgresStore, StoreError> {
        let pool = Pool::new(config(url), connections.max(1));
        let sql = pool.transact(false, |conn| schema::prepare(&mut conn.client, users))?;
        Ok(PostgresStore {
            url: url.clone(),
            pool,
            spend_all: tokens::spend_all_sql(&sql.users.table),
            sql,
            cache: Cache::new(),
        })
    }

    /// Whether the server answers.
    pub(crate) fn storage_writable(&self) -> bool {
        self.pool
            .read(|db| db.query("SELECT 1", &[]).map(drop))
            .is_ok()
    }

    /// Drops every idle connection (the next use opens a new one) and
    /// everything remembered.
    pub(crate) fn reopen(&self) -> Result<(), StoreError> {
        self.pool.drop_idle();
        self.cache.clear();
        Ok(())
    }
}

/// The client's configuration for `url`: bounded connection time, and TCP
/// keepalives and a user timeout so that a server that vanishes mid-query
/// fails the query within seconds instead of leaving it waiting.
fn config(url: &PostgresUrl) -> postgres::Config {
    let mut config = postgres::Config::new();
    config
        .user(&url.user)
        .dbname(&url.dbname)
        .port(url.port)
        .application_name(&url.application_name)
        .connect_timeout(url.connect_timeout)
        .keepalives(true)
        .keepalives_idle(Duration::from_secs(5))
        .keepalives_interval(Duration::from_secs(1))
        .keepalives_retries(3)
        .tcp_user_timeout(Duration::from_secs(5))
        // A statement (a lock wait included) or an idle transaction never
        // holds a connection for long. Every statement is prepared once and
        // finds its rows by key, so one generic plan serves every execution:
        // planning each one anew (PostgreSQL's default for a statement's
        // first executions, and whenever it guesses a custom plan cheaper)
        // would cost more than running it.
        .options(
            "-c statement_timeout=5000 -c idle_in_transaction_session_timeout=10000 \
             -c plan_cache_mode=force_generic_plan",
        );
    match &url.host {
        PostgresHost::Tcp(host) => config.host(host),
        PostgresHost::Socket(dir) => config.host_path(dir),
    };
    if let Some(password) = &url.password {
        config.password(password);
    }
    config
}

/// The storage failure a PostgreSQL error is, keeping it as the source.
fn failed(e: postgres::Error) -> StoreError {
    StoreError::io(e)
}

/// Unix seconds as a `timestamptz`.
fn at_seconds(seconds: u64) -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(seconds)
}

/// Unix microseconds as a `timestamptz`.
fn at_micros(micros: i64) -> SystemTime {
    if micros >= 0 {
        UNIX_EPOCH + Duration::from_micros(micros.unsigned_abs())
    } else {
        UNIX_EPOCH - Duration::from_micros(micros.unsigned_abs())
    }
}

/// A `timestamptz` as Unix microseconds.
fn micros_of(at: SystemTime) -> i64 {
    match at.duration_since(UNIX_EPOCH) {
        Ok(after) => i64::try_from(after.as_micros()).unwrap_or(i64::MAX),
        Err(before) => -i64::try_from(before.duration().as_micros()).unwrap_or(i64::MAX),
    }
}

/// A `timestamptz` as Unix seconds (0 before the epoch).
fn seconds_of(at: SystemTime) -> u64 {
    at.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs())
}

/// A `u64` id or time as PostgreSQL's `bigint`.
fn big(value: u64) -> i64 {
    i64::try_from(value).unwrap_or(i64::MAX)
}

/// A `bigint` read back as a `u64` (negative ids and times are not ours).
fn unsigned(value: i64) -> u64 {
    u64::try_from(value).unwrap_or(0)
}
