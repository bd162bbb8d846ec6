//! The tables jwtd uses in PostgreSQL, found or created at start.
//!
//! Django's tables are used as they are: the user table (Django's
//! `auth_user`, or the custom one configured, with its login field and an
//! `integer` or `bigint` id), `token_blacklist_outstandingtoken` and
//! `token_blacklist_blacklistedtoken`. jwtd never alters them; when there
//! is no Django project it creates them as Django's migrations would. Its
//! own state lives in `jwtd_*` tables:
//!
//! ```text
//! jwtd_meta         name text PK, value bytea        schema version, legacy key
//! jwtd_token        jti PK, family, reason smallint  only tokens not their family's root,
//!                                                    or blacklisted with a reason
//! jwtd_user         user_id bigint PK,               a user's tokens_valid_after, once set
//!                   tokens_valid_after bigint
//! jwtd_signing_key  kid PK, created, retired, secret
//! ```
//!
//! Creation runs under an advisory lock, so replicas starting together do
//! not race; every statement is `IF NOT EXISTS`.

use postgres::Client;

use super::failed;
use crate::sql_name::is_sql_name;
use crate::store::StoreError;
use crate::store::UserTable;

/// The schema version this build writes in `jwtd_meta`.
const SCHEMA_VERSION: &str = "1";

/// The advisory lock key of schema creation ("jwtd" in ASCII).
const SCHEMA_LOCK: i64 = 0x6a77_7464;

/// The optional columns of a user table jwtd reads and writes when present.
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct UserColumns {
    pub(super) is_active: bool,
    pub(super) is_staff: bool,
    pub(super) is_superuser: bool,
    pub(super) date_joined: bool,
    pub(super) last_login: bool,
    /// `email`, `first_name`, `last_name` (Django's `AbstractUser`); the
    /// email only when it is not the login field, written as such.
    pub(super) email: bool,
    pub(super) first_name: bool,
    pub(super) last_name: bool,
}

/// The SQL that depends on the user table, built once at start.
#[derive(Debug)]
pub(super) struct UserSql {
    pub(super) table: String,
    pub(super) columns: UserColumns,
    /// Selects the twelve fields [`super::users::user_from`] reads; append a
    /// `WHERE`.
    pub(super) select: String,
    /// Whether Django's `auth_user_groups` and `auth_user_user_permissions`
    /// exist (rows in them go with a deleted user).
    pub(super) groups: bool,
    pub(super) permissions: bool,
    /// The columns an insert writes, after the id and the login field,
    /// with `''` for the text columns Django gives no default.
    pub(super) insert_columns: Vec<&'static str>,
    pub(super) blank_columns: Vec<String>,
    pub(super) login: String,
    /// Whether the table has an `email` column (to find users by).
    pub(super) has_email: bool,
}

/// The SQL built for this database's tables.
#[derive(Debug)]
pub(super) struct Sql {
    pub(super) users: UserSql,
}

/// Finds the tables, creating what is missing, and builds the SQL for them.
pub(super) fn prepare(client: &mut Client, users: &UserTable) -> Result<Sql, StoreError> {
    for name in [&users.table, &users.login] {
        if !is_sql_name(name) {
            return Err(StoreError::Incompatible(format!(
                "{name:?} is not a table or column name jwtd can use \
                 (lower-case letters, digits and _)"
            )));
        }
    }
    let mut tx = client.transaction().map_err(failed)?;
    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&SCHEMA_LOCK])
        .map_err(failed)?;
    let exists = |tx: &mut postgres::Transaction<'_>, table: &str| -> Result<bool, StoreError> {
        let row = tx
            .query_one("SELECT to_regclass($1) IS NOT NULL", &[&table])
            .map_err(failed)?;
        Ok(row.get(0))
    };
    if !exists(&mut tx, &users.table)? {
        if *users != UserTable::default() {
            return Err(StoreError::Incompatible(format!(
                "the user table {} does not exist (run Django's migrate first)",
                users.table
            )));
        }
        tx.batch_execute(DJANGO_AUTH_USER).map_err(failed)?;
    }
    if !exists(&mut tx, "token_blacklist_outstandingtoken")? {
        // `user_id` has the type of the user table's id, as Django makes it.
        let id_type: String = tx
            .query_opt(
                "SELECT data_type::text FROM information_schema.columns \
                 WHERE table_schema = current_schema() AND table_name = $1 AND column_name = 'id'",
                &[&users.table],
            )
            .map_err(failed)?
            .map_or_else(|| "integer".to_owned(), |row| row.get(0));
        let id_type = if id_type == "bigint" {
            "bigint"
        } else {
            "integer"
        };
        tx.batch_execute(&django_token_blacklist(&users.table, id_type))
            .map_err(failed)?;
    }
    tx.batch_execute(JWTD_TABLES).map_err(failed)?;
    let version: Option<Vec<u8>> = tx
        .query_opt(
            "SELECT value FROM jwtd_meta WHERE name = 'schema_version'",
            &[],
        )
        .map_err(failed)?
        .map(|row| row.get(0));
    match version {
        None => {
            tx.execute(
                "INSERT INTO jwtd_meta (name, value) VALUES ('schema_version', $1)",
                &[&SCHEMA_VERSION.as_bytes()],
            )
            .map_err(failed)?;
        }
        Some(v) if v == SCHEMA_VERSION.as_bytes() => {}
        Some(v) => {
            return Err(StoreError::Incompatible(format!(
                "jwtd schema version {} in this database; this jwtd uses {SCHEMA_VERSION}",
                String::from_utf8_lossy(&v)
            )))
        }
    }
    let columns: Vec<(String, bool, bool)> = tx
        .query(
            "SELECT column_name::text, is_nullable = 'YES', \
                    column_default IS NOT NULL OR is_identity = 'YES' \
             FROM information_schema.columns \
             WHERE table_schema = current_schema() AND table_name = $1",
            &[&users.table],
        )
        .map_err(failed)?
        .iter()
        .map(|row| (row.get(0), row.get(1), row.get(2)))
        .collect();
    let groups = exists(&mut tx, "auth_user_groups")? && users.table == "auth_user";
    let permissions = exists(&mut tx, "auth_user_user_permissions")? && users.table == "auth_user";
    tx.commit().map_err(failed)?;
    let has = |name: &str| columns.iter().any(|(c, _, _)| c == name);
    for required in ["id", "password", users.login.as_str()] {
        if !has(required) {
            return Err(StoreError::Incompatible(format!(
                "the user table {} has no column {required}",
                users.table
            )));
        }
    }
    Ok(Sql {
        users: user_sql(users, &columns, groups, permissions, &has),
    })
}

fn user_sql(
    users: &UserTable,
    columns: &[(String, bool, bool)],
    groups: bool,
    permissions: bool,
    has: &dyn Fn(&str) -> bool,
) -> UserSql {
    let present = UserColumns {
        is_active: has("is_active"),
        is_staff: has("is_staff"),
        is_superuser: has("is_superuser"),
        date_joined: has("date_joined"),
        last_login: has("last_login"),
        email: has("email") && users.login != "email",
        first_name: has("first_name"),
        last_name: has("last_name"),
    };
    let text = |present: bool, column: &str| {
        if present {
            format!("coalesce(u.{column}, '')::text AS {column}")
        } else {
            format!("''::text AS {column}")
        }
    };
    let or = |present: bool, column: &str, otherwise: &str| {
        if present {
            format!("u.{column}")
        } else {
            otherwise.to_owned()
        }
    };
    let select = format!(
        "SELECT u.id::bigint, u.{login}::text, u.password, {active}, {staff}, {superuser}, \
         {joined}, {last_login}, coalesce(j.tokens_valid_after, 0) AS tokens_valid_after, \
         {email}, {first_name}, {last_name} \
         FROM {table} u LEFT JOIN jwtd_user j ON j.user_id = u.id",
        login = users.login,
        table = users.table,
        active = or(present.is_active, "is_active", "true"),
        staff = or(present.is_staff, "is_staff", "false"),
        superuser = or(present.is_superuser, "is_superuser", "false"),
        joined = or(present.date_joined, "date_joined", "NULL::timestamptz"),
        last_login = or(present.last_login, "last_login", "NULL::timestamptz"),
        email = text(has("email"), "email"),
        first_name = text(present.first_name, "first_name"),
        last_name = text(present.last_name, "last_name"),
    );
    let mut insert_columns = Vec::new();
    for (name, is_present) in [
        ("last_login", present.last_login),
        ("is_superuser", present.is_superuser),
        ("is_staff", present.is_staff),
        ("is_active", present.is_active),
        ("date_joined", present.date_joined),
        ("email", present.email),
        ("first_name", present.first_name),
        ("last_name", present.last_name),
    ] {
        if is_present {
            insert_columns.push(name);
        }
    }
    // Django's text fields have no database default: `''` is what Django
    // writes for a blank one.
    let blank_columns = columns
        .iter()
        .filter(|(name, nullable, default)| {
            !nullable
                && !default
                && *name != users.login
                && !insert_columns.contains(&name.as_str())
                && ["username", "first_name", "last_name", "email"].contains(&name.as_str())
        })
        .map(|(name, _, _)| name.clone())
        .collect();
    UserSql {
        table: users.table.clone(),
        columns: present,
        select,
        groups,
        permissions,
        insert_columns,
        blank_columns,
        login: users.login.clone(),
        has_email: has("email"),
    }
}

/// Django 5.2's `auth_user`, as `migrate` leaves it on PostgreSQL.
const DJANGO_AUTH_USER: &str = "
CREATE TABLE IF NOT EXISTS auth_user (
    id integer GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    password varchar(128) NOT NULL,
    last_login timestamptz NULL,
    is_superuser boolean NOT NULL,
    username varchar(150) NOT NULL UNIQUE,
    first_name varchar(150) NOT NULL,
    last_name varchar(150) NOT NULL,
    email varchar(254) NOT NULL,
    is_staff boolean NOT NULL,
    is_active boolean NOT NULL,
    date_joined timestamptz NOT NULL
);";

/// SimpleJWT 5.5.1's `token_blacklist` tables, as its migrations leave them
/// on PostgreSQL (their foreign keys deferred, as Django makes them).
fn django_token_blacklist(user_table: &str, id_type: &str) -> String {
    format!(
        "
CREATE TABLE IF NOT EXISTS token_blacklist_outstandingtoken (
    id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    token text NOT NULL,
    created_at timestamptz NULL,
    expires_at timestamptz NOT NULL,
    user_id {id_type} NULL REFERENCES {user_table} (id) DEFERRABLE INITIALLY DEFERRED,
    jti varchar(255) NOT NULL UNIQUE
);
CREATE INDEX IF NOT EXISTS token_blacklist_outstandingtoken_user_id
    ON token_blacklist_outstandingtoken (user_id);
CREATE TABLE IF NOT EXISTS token_blacklist_blacklistedtoken (
    id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    blacklisted_at timestamptz NOT NULL,
    token_id bigint NOT NULL UNIQUE
        REFERENCES token_blacklist_outstandingtoken (id) DEFERRABLE INITIALLY DEFERRED
);"
    )
}

/// jwtd's own tables.
const JWTD_TABLES: &str = "
CREATE TABLE IF NOT EXISTS jwtd_meta (
    name text PRIMARY KEY,
    value bytea NOT NULL
);
CREATE TABLE IF NOT EXISTS jwtd_token (
    jti varchar(255) PRIMARY KEY,
    family varchar(255) NOT NULL,
    reason smallint NULL
);
CREATE INDEX IF NOT EXISTS jwtd_token_family ON jwtd_token (family);
CREATE TABLE IF NOT EXISTS jwtd_user (
    user_id bigint PRIMARY KEY,
    tokens_valid_after bigint NOT NULL
);
CREATE TABLE IF NOT EXISTS jwtd_signing_key (
    kid text PRIMARY KEY,
    created bigint NOT NULL,
    retired bigint NULL,
    secret bytea NOT NULL
);";
