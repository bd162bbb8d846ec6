//! [`StoreError`]: why the store could not do something. Backends convert
//! their own errors into it at their boundary, keeping the original as the
//! [`source`](std::error::Error::source), so that no backend's (large)
//! error types travel further and the log still shows the cause.

use std::error::Error;
use std::fmt;
use std::sync::Arc;

/// Why the store could not do something.
///
/// Cloneable, so that the writer can answer every request of a failed
/// batch with the same error; storage failures compare by their text.
#[derive(Debug, Clone)]
pub enum StoreError {
    /// Another process holds the database file (a running `jwtd serve`).
    InUse,
    /// The file is not a jwtd database, or was written by an incompatible
    /// version.
    Incompatible(String),
    /// I/O or transaction failure, with its cause; the text is for the log,
    /// never a client.
    Io(Arc<dyn Error + Send + Sync>),
    /// [`Store::add_user`](super::Store::add_user): the username exists.
    UsernameTaken,
    /// [`Store::add_user`](super::Store::add_user) with an explicit id that
    /// exists.
    IdTaken,
    /// [`Store::add_signing_key`](super::Store::add_signing_key) with an id
    /// that exists.
    KeyIdTaken,
    /// No signing key with that id.
    NoSuchKey,
    /// No user by that name or id.
    NoSuchUser,
    /// The user is still referenced by another table (PostgreSQL).
    Referenced(Arc<str>),
    /// Inside [`from_memory_only`](super::from_memory_only): the answer
    /// needs a round trip to a shared database.
    NotInMemory,
}

impl StoreError {
    /// A storage failure caused by `cause`: an error, or a message when
    /// there is nothing underneath.
    pub fn io(cause: impl Into<Box<dyn Error + Send + Sync>>) -> StoreError {
        StoreError::Io(Arc::from(cause.into()))
    }
}

impl fmt::Display for StoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StoreError::InUse => {
                f.write_str("the database is in use by another process (is `jwtd serve` running?)")
            }
            StoreError::Incompatible(why) => write!(f, "not a usable jwtd database: {why}"),
            StoreError::Io(cause) => write!(f, "storage error: {cause}"),
            StoreError::UsernameTaken => f.write_str("a user with that username already exists"),
            StoreError::IdTaken => f.write_str("a user with that id already exists"),
            StoreError::KeyIdTaken => f.write_str("a signing key with that id already exists"),
            StoreError::NoSuchKey => f.write_str("no signing key with that id"),
            StoreError::NoSuchUser => f.write_str("no such user"),
            StoreError::NotInMemory => f.write_str("not in this replica's memory"),
            StoreError::Referenced(table) => write!(
                f,
                "the user is still referenced by rows of the table {table}; \
                 delete those first (Django would cascade to them)"
            ),
        }
    }
}

impl Error for StoreError {
    fn source(&self) -> Option<&(dyn Error + 'static)> {
        match self {
            StoreError::Io(cause) => Some(&**cause),
            _ => None,
        }
    }
}

impl PartialEq for StoreError {
    fn eq(&self, other: &StoreError) -> bool {
        match (self, other) {
            (StoreError::Io(a), StoreError::Io(b)) => a.to_string() == b.to_string(),
            (StoreError::Incompatible(a), StoreError::Incompatible(b)) => a == b,
            _ => std::mem::discriminant(self) == std::mem::discriminant(other),
        }
    }
}

impl Eq for StoreError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn store_errors_stay_small() {
        // Every read and write returns one; a large error makes every
        // `Result` of the store large (clippy's `result_large_err`).
        assert!(std::mem::size_of::<StoreError>() <= 24);
        assert!(std::mem::size_of::<Result<(), StoreError>>() <= 24);
        assert!(std::mem::size_of::<Result<u64, StoreError>>() <= 32);
    }

    #[test]
    fn a_storage_failure_keeps_its_cause() {
        let cause = std::io::Error::from_raw_os_error(28);
        let text = cause.to_string();
        let e = StoreError::io(cause);
        assert_eq!(e.to_string(), format!("storage error: {text}"));
        let source = e.source().unwrap();
        assert_eq!(source.to_string(), text);
        assert!(source.downcast_ref::<std::io::Error>().is_some());
        assert_eq!(e.clone(), e);
        assert_ne!(e, StoreError::io("something else"));
        assert!(StoreError::NoSuchUser.source().is_none());
    }
}
