//! For tests: a fresh, empty database per test on the PostgreSQL cluster
//! the test scripts start (`scripts/postgres.sh`), named by
//! `JWTD_TEST_POSTGRES`. `cargo test --features postgres` without it fails
//! and says how to get one: a test of this backend never passes without
//! the real server.

use std::sync::atomic::{AtomicUsize, Ordering};

use crate::store::address::{Address, PostgresUrl};

/// The variable naming the test cluster.
pub(crate) const CLUSTER: &str = "JWTD_TEST_POSTGRES";

/// The URL of the test cluster's maintenance database.
pub(crate) fn cluster() -> PostgresUrl {
    let text = std::env::var(CLUSTER).unwrap_or_else(|_| {
        panic!(
            "{CLUSTER} is not set: the PostgreSQL tests need a real server. \
             Run scripts/test.sh, or start one with \
             `scripts/postgres.sh start DIR` and export {CLUSTER}=<the URL it prints>"
        )
    });
    match Address::parse(&text) {
        Ok(Address::Postgres(url)) => url,
        other => panic!("{CLUSTER}={text:?} is not a postgres:// URL: {other:?}"),
    }
}

/// A new empty database on the test cluster, named after `test`.
pub(crate) fn fresh_database(test: &str) -> PostgresUrl {
    static COUNT: AtomicUsize = AtomicUsize::new(0);
    let mut url = cluster();
    let name: String = format!(
        "t{}_{}_{}",
        std::process::id(),
        COUNT.fetch_add(1, Ordering::Relaxed),
        test
    )
    .chars()
    .map(|c| {
        if c.is_ascii_alphanumeric() {
            c.to_ascii_lowercase()
        } else {
            '_'
        }
    })
    .take(63)
    .collect();
    let mut client = super::config(&url)
        .connect(postgres::NoTls)
        .expect("connect to the test cluster");
    client
        .batch_execute(&format!("CREATE DATABASE {name}"))
        .expect("create a test database");
    url.dbname = name;
    url
}

/// Runs `sql` on the database `url` names, for tests that prepare a schema
/// (Django's own, or a custom user model's) before jwtd opens it.
pub(crate) fn execute(url: &PostgresUrl, sql: &str) {
    let mut client = super::config(url)
        .connect(postgres::NoTls)
        .expect("connect to the test database");
    client.batch_execute(sql).expect("run the test's SQL");
}

/// A store on a fresh database of the test cluster, tables created.
pub(crate) fn open(test: &str) -> crate::store::Store {
    let url = fresh_database(test);
    let store = super::PostgresStore::open(&url, &super::UserTable::default(), 4)
        .expect("open the fresh test database");
    crate::store::Store::Postgres(Box::new(store))
}
