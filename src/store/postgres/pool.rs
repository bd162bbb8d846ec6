//! The connections to PostgreSQL: opened when needed up to a bound, kept
//! idle between uses, each with the statements it has prepared. A caller
//! takes one for the length of one read or one transaction.
//!
//! A connection that failed is dropped, not returned: the next caller opens
//! a fresh one, which is how jwtd reconnects after PostgreSQL restarts. A
//! read that failed on a dead connection is tried once more on a new one;
//! a transaction is retried only when it failed before doing anything (at
//! its `BEGIN`), or on a deadlock or serialization failure, which roll it
//! back whole.

use std::collections::HashMap;
use std::sync::{Condvar, Mutex, MutexGuard};
use std::time::Duration;

use postgres::error::SqlState;
use postgres::types::ToSql;
use postgres::{Client, GenericClient, NoTls, Row, Statement};

use super::failed;
use crate::store::StoreError;

/// How long a caller waits for a connection when all are in use.
const WAIT_FOR_CONNECTION: Duration = Duration::from_secs(5);

/// One connection and the statements prepared on it.
pub(super) struct Connection {
    pub(super) client: Client,
    pub(super) statements: Statements,
}

/// Statements prepared on one connection, by their text.
#[derive(Default)]
pub(super) struct Statements(HashMap<Box<str>, Statement>);

/// A client (a connection, or a transaction on one) with its connection's
/// prepared statements: every query is prepared once per connection.
pub(super) struct Db<'a, C: GenericClient> {
    pub(super) client: &'a mut C,
    statements: &'a mut Statements,
}

impl<'a, C: GenericClient> Db<'a, C> {
    pub(super) fn new(client: &'a mut C, statements: &'a mut Statements) -> Db<'a, C> {
        Db { client, statements }
    }

    fn statement(&mut self, sql: &str) -> Result<Statement, postgres::Error> {
        if let Some(statement) = self.statements.0.get(sql) {
            return Ok(statement.clone());
        }
        let statement = self.client.prepare(sql)?;
        self.statements.0.insert(sql.into(), statement.clone());
        Ok(statement)
    }

    /// Every row `sql` answers.
    pub(super) fn query(
        &mut self,
        sql: &str,
        params: &[&(dyn ToSql + Sync)],
    ) -> Result<Vec<Row>, StoreError> {
        let statement = self.statement(sql).map_err(failed)?;
        self.client.query(&statement, params).map_err(failed)
    }

    /// The one row `sql` answers, if any.
    pub(super) fn query_opt(
        &mut self,
        sql: &str,
        params: &[&(dyn ToSql + Sync)],
    ) -> Result<Option<Row>, StoreError> {
        let statement = self.statement(sql).map_err(failed)?;
        self.client.query_opt(&statement, params).map_err(failed)
    }

    /// The number of rows `sql` changed.
    pub(super) fn execute(
        &mut self,
        sql: &str,
        params: &[&(dyn ToSql + Sync)],
    ) -> Result<u64, StoreError> {
        let statement = self.statement(sql).map_err(failed)?;
        self.client.execute(&statement, params).map_err(failed)
    }
}

struct Slots {
    idle: Vec<Connection>,
    /// Connections open, idle or in use.
    open: usize,
}

/// The bounded set of connections.
pub(super) struct Pool {
    config: postgres::Config,
    max: usize,
    slots: Mutex<Slots>,
    freed: Condvar,
}

impl Pool {
    pub(super) fn new(config: postgres::Config, max: usize) -> Pool {
        Pool {
            config,
            max,
            slots: Mutex::new(Slots {
                idle: Vec::new(),
                open: 0,
            }),
            freed: Condvar::new(),
        }
    }

    fn lock(&self) -> MutexGuard<'_, Slots> {
        self.slots
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// An idle connection, a new one if fewer than the bound are open, or
    /// the first one freed within [`WAIT_FOR_CONNECTION`].
    fn take(&self) -> Result<Connection, StoreError> {
        let mut slots = self.lock();
        loop {
            if let Some(conn) = slots.idle.pop() {
                return Ok(conn);
            }
            if slots.open < self.max {
                slots.open += 1;
                drop(slots);
                return self.connect().inspect_err(|_| self.lock().open -= 1);
            }
            let (guard, waited) = self
                .freed
                .wait_timeout(slots, WAIT_FOR_CONNECTION)
                .unwrap_or_else(|poisoned| poisoned.into_inner());
            slots = guard;
            if waited.timed_out() && slots.idle.is_empty() {
                return Err(StoreError::io(format!(
                    "all {} PostgreSQL connections stayed busy for {} s",
                    self.max,
                    WAIT_FOR_CONNECTION.as_secs()
                )));
            }
        }
    }

    fn connect(&self) -> Result<Connection, StoreError> {
        let client = self
            .config
            .connect(NoTls)
            .map_err(|e| StoreError::io(format!("cannot connect to PostgreSQL: {e}")))?;
        Ok(Connection {
            client,
            statements: Statements::default(),
        })
    }

    /// Returns a connection after use; a closed one is dropped.
    fn give_back(&self, conn: Connection) {
        let mut slots = self.lock();
        if conn.client.is_closed() {
            slots.open -= 1;
        } else {
            slots.idle.push(conn);
        }
        drop(slots);
        self.freed.notify_one();
    }

    /// Drops a connection that failed.
    fn discard(&self, conn: Connection) {
        drop(conn);
        self.lock().open -= 1;
        self.freed.notify_one();
    }

    /// Runs `work` on a connection with its prepared statements, outside a
    /// transaction; tried once more on a new connection if the one taken
    /// had died.
    pub(super) fn read<T>(
        &self,
        mut work: impl FnMut(&mut Db<'_, Client>) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        self.transact(false, |conn| {
            let Connection { client, statements } = conn;
            work(&mut Db::new(client, statements))
        })
    }

    /// Runs `work` in one transaction and commits it; on `Err` it is rolled
    /// back. Retried when the connection was found dead at `BEGIN`, and on
    /// a deadlock or a serialization failure (three tries in all).
    pub(super) fn write<T>(
        &self,
        mut work: impl FnMut(&mut Db<'_, postgres::Transaction<'_>>) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        self.transact(true, |conn| {
            let Connection { client, statements } = conn;
            let mut tx = client.transaction().map_err(Begin)?;
            let done = work(&mut Db::new(&mut tx, statements))?;
            tx.commit().map_err(failed)?;
            Ok(done)
        })
    }

    /// Runs `work`, which writes, on a connection outside a transaction:
    /// each statement commits on its own. Never retried: a statement that
    /// failed may have committed before the failure reached here.
    pub(super) fn autocommit<T>(
        &self,
        work: impl FnOnce(&mut Db<'_, Client>) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let mut conn = self.take()?;
        let Connection { client, statements } = &mut conn;
        let result = work(&mut Db::new(client, statements));
        if conn.client.is_closed() {
            self.discard(conn);
        } else {
            self.give_back(conn);
        }
        result
    }

    /// Runs `work` on a connection, retried as [`retryable`] allows.
    pub(super) fn transact<T>(
        &self,
        in_transaction: bool,
        mut work: impl FnMut(&mut Connection) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let mut tries = 0;
        loop {
            tries += 1;
            let mut conn = self.take()?;
            let result = work(&mut conn);
            let closed = conn.client.is_closed();
            if closed {
                self.discard(conn);
            } else {
                self.give_back(conn);
            }
            match result {
                Ok(done) => return Ok(done),
                Err(e) if tries < 3 && retryable(&e, in_transaction, closed) => {}
                Err(e) => return Err(e),
            }
        }
    }

    /// Drops every idle connection.
    pub(super) fn drop_idle(&self) {
        let mut slots = self.lock();
        let idle = std::mem::take(&mut slots.idle);
        slots.open -= idle.len();
    }
}

/// A failure at `BEGIN`: nothing of the transaction ran.
#[derive(Debug)]
struct Begin(postgres::Error);

impl std::fmt::Display for Begin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.0)
    }
}

impl std::error::Error for Begin {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.0)
    }
}

impl From<Begin> for StoreError {
    fn from(begin: Begin) -> StoreError {
        StoreError::io(begin)
    }
}

/// Whether work that failed with `e` may run again: a read on a connection
/// that died, a transaction that never began, or one PostgreSQL rolled back
/// to break a deadlock or a serialization conflict.
fn retryable(e: &StoreError, in_transaction: bool, closed: bool) -> bool {
    let StoreError::Io(cause) = e else {
        return false;
    };
    if let Some(begin) = cause.downcast_ref::<Begin>() {
        return begin.0.is_closed() || closed;
    }
    let Some(pg) = cause.downcast_ref::<postgres::Error>() else {
        return false;
    };
    if !in_transaction {
        return pg.is_closed() || closed;
    }
    matches!(
        pg.code(),
        Some(&SqlState::T_R_DEADLOCK_DETECTED) | Some(&SqlState::T_R_SERIALIZATION_FAILURE)
    )
}
