//! Users in the user table (Django's `auth_user` or a custom one), with
//! their `tokens_valid_after` in `jwtd_user`. Ids come from the table's
//! identity sequence, which never goes back, so a deleted user's tokens
//! can never name a new user; an explicit id (an import) moves the
//! sequence past it, as Django's `loaddata` does.

use std::time::{Instant, SystemTime};

use postgres::types::ToSql;
use postgres::{GenericClient, Row};

use super::pool::Db;
use super::schema::UserSql;
use super::{at_micros, big, micros_of, unsigned, PostgresStore};
use crate::store::{ChangeOutcome, NewUser, Rehash, StoreError, User, UserField, UserKey};

/// A user from the twelve columns of [`UserSql::select`], starting at
/// column `first` of `row`.
pub(super) fn user_from(row: &Row, first: usize) -> User {
    User {
        id: unsigned(row.get(first)),
        username: row.get(first + 1),
        password: row.get(first + 2),
        is_active: row.get(first + 3),
        is_staff: row.get(first + 4),
        is_superuser: row.get(first + 5),
        date_joined: row
            .get::<_, Option<SystemTime>>(first + 6)
            .map_or(0, micros_of),
        last_login: row.get::<_, Option<SystemTime>>(first + 7).map(micros_of),
        tokens_valid_after: unsigned(row.get(first + 8)),
        email: row.get(first + 9),
        first_name: row.get(first + 10),
        last_name: row.get(first + 11),
    }
}

impl PostgresStore {
    /// The user with this id, as this replica remembers it if it read it
    /// less than [`FRESH_FOR`](super::cache::FRESH_FOR) ago.
    pub(crate) fn user(&self, id: u64) -> Result<Option<User>, StoreError> {
        // One look at the cache: on a miss, straight to the database (not
        // through `token_state`, which would look again).
        if let Some(known) = self.cache.user(id) {
            return Ok(known);
        }
        if crate::store::refuse_round_trip() {
            return Err(StoreError::NotInMemory);
        }
        let read = Instant::now();
        let (_, user) = self.read_token_state(None, Some(id))?;
        self.cache.remember_user(id, user.clone(), read);
        Ok(user)
    }

    /// The one user whose `field` is exactly `value` (`Username`: the login
    /// column); `None` when none is or several are.
    pub(crate) fn user_by(
        &self,
        field: UserField,
        value: &str,
    ) -> Result<Option<User>, StoreError> {
        let column = match field {
            UserField::Id => return self.user(value.parse().unwrap_or(0)),
            UserField::Username => return self.user_by_name(value),
            // PostgreSQL's text holds no NUL: no row can match (and the
            // query would fail).
            UserField::Email if value.is_empty() || value.contains('\0') => return Ok(None),
            UserField::Email if !self.sql.users.has_email => return Ok(None),
            UserField::Email => "email",
        };
        let sql = format!("{} WHERE u.{column} = $1 LIMIT 2", self.sql.users.select);
        self.pool.read(|db| {
            let rows = db.query(&sql, &[&value])?;
            Ok(match rows.as_slice() {
                [one] => Some(user_from(one, 0)),
                _ => None,
            })
        })
    }

    /// The user whose login field is exactly `username`.
    pub(crate) fn user_by_name(&self, username: &str) -> Result<Option<User>, StoreError> {
        // PostgreSQL's text holds no NUL: no row can match (and the query
        // would fail).
        if username.contains('\0') {
            return Ok(None);
        }
        let sql = format!(
            "{} WHERE u.{} = $1",
            self.sql.users.select, self.sql.users.login
        );
        self.pool
            .read(|db| Ok(db.query_opt(&sql, &[&username])?.map(|r| user_from(&r, 0))))
    }

    /// The number of users, and up to `limit` of them by id from the
    /// `offset`-th, as of one snapshot.
    pub(crate) fn users_page(
        &self,
        offset: usize,
        limit: usize,
    ) -> Result<(u64, Vec<User>), StoreError> {
        let users = &self.sql.users;
        let count = format!("SELECT count(*) FROM {}", users.table);
        let page = format!("{} ORDER BY u.id OFFSET $1 LIMIT $2", users.select);
        let (offset, limit) = (big(offset as u64), big(limit as u64));
        self.pool.write(|db| {
            db.client
                .batch_execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
                .map_err(super::failed)?;
            let total: i64 = db.query_opt(&count, &[])?.map_or(0, |row| row.get(0));
            let rows = db.query(&page, &[&offset, &limit])?;
            Ok((
                unsigned(total),
                rows.iter().map(|r| user_from(r, 0)).collect(),
            ))
        })
    }

    /// Changes the user `user` with `change` in one transaction of its own;
    /// the id and username stay. `None` if there is no such user.
    pub(crate) fn update_user(
        &self,
        user: &UserKey,
        change: impl FnOnce(&mut User),
    ) -> Result<Option<User>, StoreError> {
        let mut change = Some(change);
        let changed = self.pool.write(|db| {
            let Some(mut found) = read_for_update(db, &self.sql.users, user)? else {
                return Ok(None);
            };
            let (id, username) = (found.id, found.username.clone());
            if let Some(change) = change.take() {
                change(&mut found);
            }
            found.id = id;
            found.username = username;
            write_user(db, &self.sql.users, &found)?;
            Ok(Some(found))
        })?;
        if let Some(user) = &changed {
            self.cache.forget_user(user.id);
        }
        Ok(changed)
    }
}

/// The user `user`, its row locked until the transaction ends.
pub(super) fn read_for_update<C: GenericClient>(
    db: &mut Db<'_, C>,
    users: &UserSql,
    user: &UserKey,
) -> Result<Option<User>, StoreError> {
    let row = match user {
        UserKey::Id(id) => db.query_opt(
            &format!("{} WHERE u.id = $1::bigint FOR UPDATE OF u", users.select),
            &[&big(*id)],
        )?,
        UserKey::Username(name) => db.query_opt(
            &format!(
                "{} WHERE u.{} = $1 FOR UPDATE OF u",
                users.select, users.login
            ),
            &[name],
        )?,
    };
    Ok(row.map(|r| user_from(&r, 0)))
}

/// Writes every field of `user` but its id and login over its row.
pub(super) fn write_user<C: GenericClient>(
    db: &mut Db<'_, C>,
    users: &UserSql,
    user: &User,
) -> Result<(), StoreError> {
    let id = big(user.id);
    let last_login = user.last_login.map(at_micros);
    let joined = at_micros(user.date_joined);
    let mut sets = vec!["password = $2".to_owned()];
    let mut params: Vec<&(dyn ToSql + Sync)> = vec![&id, &user.password];
    let c = users.columns;
    for (present, column, value) in [
        (
            c.last_login,
            "last_login",
            &last_login as &(dyn ToSql + Sync),
        ),
        (c.is_active, "is_active", &user.is_active),
        (c.is_staff, "is_staff", &user.is_staff),
        (c.is_superuser, "is_superuser", &user.is_superuser),
        (c.date_joined, "date_joined", &joined),
        (c.email, "email", &user.email),
        (c.first_name, "first_name", &user.first_name),
        (c.last_name, "last_name", &user.last_name),
    ] {
        if present {
            params.push(value);
            sets.push(format!("{column} = ${}", params.len()));
        }
    }
    let sql = format!(
        "UPDATE {} SET {} WHERE id = $1::bigint",
        users.table,
        sets.join(", ")
    );
    db.execute(&sql, &params)?;
    set_tokens_valid_after(db, user.id, user.tokens_valid_after)
}

/// Sets a user's `tokens_valid_after` (never lowering it).
pub(super) fn set_tokens_valid_after<C: GenericClient>(
    db: &mut Db<'_, C>,
    user_id: u64,
    valid_after: u64,
) -> Result<(), StoreError> {
    if valid_after == 0 {
        return Ok(());
    }
    db.execute(
        "INSERT INTO jwtd_user (user_id, tokens_valid_after) VALUES ($1, $2) \
         ON CONFLICT (user_id) DO UPDATE \
         SET tokens_valid_after = greatest(jwtd_user.tokens_valid_after, EXCLUDED.tokens_valid_after)",
        &[&big(user_id), &big(valid_after)],
    )?;
    Ok(())
}

/// Creates every account of `new`, or none (see
/// [`Change::CreateUsers`](crate::store::Change::CreateUsers)).
pub(super) fn create_users<C: GenericClient>(
    db: &mut Db<'_, C>,
    users: &UserSql,
    new: &[NewUser],
    now: u64,
) -> Result<ChangeOutcome, StoreError> {
    // The id the table would give next: an explicit id below it may have
    // been a deleted user's.
    let sequence = format!("pg_get_serial_sequence('{}', 'id')", users.table);
    let next_free: i64 = db
        .query_opt(
            &format!("SELECT coalesce(pg_sequence_last_value({sequence}::regclass), 0) + 1"),
            &[],
        )?
        .map_or(1, |row| row.get(0));
    let next_free = unsigned(next_free);
    // With explicit ids (an import), jwtd picks the others itself as the
    // sequence would, past every id taken, so that every conflict is found
    // before the first row is written; the sequence then moves past them
    // all, as after Django's `loaddata`.
    let explicit = new.iter().any(|account| account.id.is_some());
    let mut next = next_free;
    let mut ids = Vec::with_capacity(new.len());
    let taken = format!("SELECT 1 FROM {} WHERE {} = $1", users.table, users.login);
    let id_taken = format!("SELECT 1 FROM {} WHERE id = $1::bigint", users.table);
    for (index, account) in new.iter().enumerate() {
        let name = &account.user.username;
        if new[..index].iter().any(|e| e.user.username == *name)
            || db.query_opt(&taken, &[name])?.is_some()
        {
            return Ok(ChangeOutcome::UsernameTaken { index });
        }
        if !explicit {
            continue;
        }
        let id = account.id.unwrap_or(next);
        if ids.contains(&id) || db.query_opt(&id_taken, &[&big(id)])?.is_some() {
            return Ok(ChangeOutcome::IdTaken { index });
        }
        next = next.max(id.saturating_add(1));
        ids.push(id);
    }
    let mut created = Vec::with_capacity(new.len());
    for (index, account) in new.iter().enumerate() {
        let mut user = account.user.clone();
        let id = insert_user(db, users, ids.get(index).copied(), &user)?;
        user.id = id;
        if account.id.is_some() && id < next_free {
            user.tokens_valid_after = user.tokens_valid_after.max(now.saturating_add(1));
        }
        set_tokens_valid_after(db, id, user.tokens_valid_after)?;
        created.push(user);
    }
    if explicit {
        db.query(
            &format!(
                "SELECT setval({sequence}, greatest(\
                   coalesce(pg_sequence_last_value({sequence}::regclass), 1), \
                   (SELECT max(id) FROM {table})))",
                table = users.table
            ),
            &[],
        )?;
    }
    Ok(ChangeOutcome::UsersCreated { users: created })
}

/// Inserts one user row, returning its id.
fn insert_user<C: GenericClient>(
    db: &mut Db<'_, C>,
    users: &UserSql,
    id: Option<u64>,
    user: &User,
) -> Result<u64, StoreError> {
    let explicit_id = id.map(big);
    let last_login = user.last_login.map(at_micros);
    let joined = at_micros(user.date_joined);
    let mut columns = vec![users.login.clone(), "password".to_owned()];
    let mut params: Vec<&(dyn ToSql + Sync)> = vec![&user.username, &user.password];
    if let Some(id) = &explicit_id {
        columns.push("id".to_owned());
        params.push(id);
    }
    for column in &users.insert_columns {
        let value: &(dyn ToSql + Sync) = match *column {
            "last_login" => &last_login,
            "is_superuser" => &user.is_superuser,
            "is_staff" => &user.is_staff,
            "is_active" => &user.is_active,
            "email" => &user.email,
            "first_name" => &user.first_name,
            "last_name" => &user.last_name,
            _ => &joined,
        };
        columns.push((*column).to_owned());
        params.push(value);
    }
    let mut values: Vec<String> = (1..=params.len())
        .map(|i| {
            if columns[i - 1] == "id" {
                format!("${i}::bigint")
            } else {
                format!("${i}")
            }
        })
        .collect();
    for blank in &users.blank_columns {
        columns.push(blank.clone());
        values.push("''".to_owned());
    }
    let sql = format!(
        "INSERT INTO {} ({}) VALUES ({}) RETURNING id::bigint",
        users.table,
        columns.join(", "),
        values.join(", ")
    );
    let row = db
        .query_opt(&sql, &params)?
        .ok_or_else(|| StoreError::io("an insert returned no id"))?;
    Ok(unsigned(row.get(0)))
}

/// Whether an active superuser other than `besides` exists. Serialised
/// across replicas by an advisory lock held until the batch commits, so
/// that two replicas cannot each demote one of the last two.
pub(super) fn another_active_superuser<C: GenericClient>(
    db: &mut Db<'_, C>,
    users: &UserSql,
    besides: u64,
) -> Result<bool, StoreError> {
    if !users.columns.is_superuser {
        return Ok(false);
    }
    db.execute("SELECT pg_advisory_xact_lock($1)", &[&SUPERUSER_LOCK])?;
    let active = if users.columns.is_active {
        " AND is_active"
    } else {
        ""
    };
    let others = format!(
        "SELECT 1 FROM {} WHERE is_superuser{active} AND id <> $1::bigint LIMIT 1",
        users.table
    );
    Ok(db.query_opt(&others, &[&big(besides)])?.is_some())
}

/// The advisory lock key of last-superuser checks.
const SUPERUSER_LOCK: i64 = 0x6a77_7464_0001;

/// Deletes the user `user` as Django's `user.delete()` does, cascading in
/// SQL what Django cascades in Python: its outstanding tokens keep their
/// rows with `user_id` NULL, and its group and permission rows go. Any
/// other table that still references it refuses the deletion, named in
/// the outcome.
pub(super) fn delete_user<C: GenericClient>(
    db: &mut Db<'_, C>,
    users: &UserSql,
    found: User,
) -> Result<ChangeOutcome, StoreError> {
    let id = big(found.id);
    // All of it in a savepoint, its references checked now rather than at
    // COMMIT: a reference that remains undoes the deletion alone, names its
    // table, and leaves the rest of the batch to commit.
    db.client
        .batch_execute("SAVEPOINT delete_user")
        .map_err(super::failed)?;
    db.execute(
        "UPDATE token_blacklist_outstandingtoken SET user_id = NULL WHERE user_id = $1::bigint",
        &[&id],
    )?;
    if users.groups {
        db.execute(
            "DELETE FROM auth_user_groups WHERE user_id = $1::bigint",
            &[&id],
        )?;
    }
    if users.permissions {
        db.execute(
            "DELETE FROM auth_user_user_permissions WHERE user_id = $1::bigint",
            &[&id],
        )?;
    }
    db.execute("DELETE FROM jwtd_user WHERE user_id = $1", &[&id])?;
    db.client
        .batch_execute("SET CONSTRAINTS ALL IMMEDIATE")
        .map_err(super::failed)?;
    let deleted = db.client.execute(
        format!("DELETE FROM {} WHERE id = $1::bigint", users.table).as_str(),
        &[&id],
    );
    match deleted {
        Ok(_) => {
            db.client
                .batch_execute("SET CONSTRAINTS ALL DEFERRED; RELEASE SAVEPOINT delete_user")
                .map_err(super::failed)?;
            Ok(ChangeOutcome::UserDeleted { user: found })
        }
        Err(e) if e.code() == Some(&postgres::error::SqlState::FOREIGN_KEY_VIOLATION) => {
            let table = e
                .as_db_error()
                .and_then(|d| d.table())
                .unwrap_or("another table")
                .to_owned();
            db.client
                .batch_execute(
                    "ROLLBACK TO SAVEPOINT delete_user; SET CONSTRAINTS ALL DEFERRED; \
                     RELEASE SAVEPOINT delete_user",
                )
                .map_err(super::failed)?;
            Ok(ChangeOutcome::UserReferenced { by: table })
        }
        Err(e) => Err(super::failed(e)),
    }
}

/// After a login: a new `last_login` and a re-hashed password, each if
/// given and the user still exists; the hash only while it is still the
/// one the login verified.
pub(super) fn record_login<C: GenericClient>(
    db: &mut Db<'_, C>,
    users: &UserSql,
    user_id: u64,
    last_login: Option<i64>,
    rehash: Option<&Rehash>,
) -> Result<(), StoreError> {
    let id = big(user_id);
    if let (Some(at), true) = (last_login, users.columns.last_login) {
        db.execute(
            &format!(
                "UPDATE {} SET last_login = $2 WHERE id = $1::bigint",
                users.table
            ),
            &[&id, &at_micros(at)],
        )?;
    }
    if let Some(rehash) = rehash {
        db.execute(
            &format!(
                "UPDATE {} SET password = $2 WHERE id = $1::bigint AND password = $3",
                users.table
            ),
            &[&id, &rehash.upgraded, &rehash.verified],
        )?;
    }
    Ok(())
}
