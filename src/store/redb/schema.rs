//! The redb file's layout: its tables, the schema version, and the byte
//! codecs of every key and row. Existing databases depend on every byte
//! here.
//!
//! | table | key | value |
//! |---|---|---|
//! | `users` | id (u64 big-endian) | a user, encoded by [`encode_user`] |
//! | `usernames` | username | id (u64 big-endian): the unique index |
//! | `issued` | jti | user id, exp (u64 little-endian each), family: a refresh token jwtd issued |
//! | `families` | family length (u16 big-endian), family, jti | nothing: one row per member |
//! | `blacklist` | jti | blacklisted at, exp (u64 little-endian each), why (one byte, [`Blacklisted`]) |
//! | `signing_keys` | key id | created at, retired at (microseconds, 0: not retired; u64 little-endian each), secret |
//! | `meta` | name | schema version, next user id, the signing key generated before keys had ids |
//!
//! Every table maps bytes to bytes. redb's B-tree code is generic over key
//! and value types, so one type for every table keeps one copy of it in the
//! binary instead of six.
//!
//! A family is named after the jti of the refresh token a login issued;
//! every token rotated from it inherits the name, so a replayed token can
//! revoke its whole family at once.

use ::redb::{Database, ReadableTable, TableDefinition};

use super::{begin_durable_write, OrStoreError};
use crate::store::{Blacklisted, StoreError, User};

/// Every table: bytes to bytes.
type Bytes = TableDefinition<'static, &'static [u8], &'static [u8]>;
/// One of the tables, open in a write transaction.
pub(super) type Table<'tx> = ::redb::Table<'tx, &'static [u8], &'static [u8]>;

pub(super) const USERS: Bytes = TableDefinition::new("users");
pub(super) const USERNAMES: Bytes = TableDefinition::new("usernames");
pub(super) const ISSUED: Bytes = TableDefinition::new("issued");
pub(super) const FAMILIES: Bytes = TableDefinition::new("families");
pub(super) const BLACKLIST: Bytes = TableDefinition::new("blacklist");
pub(super) const META: Bytes = TableDefinition::new("meta");
pub(super) const SIGNING_KEYS: Bytes = TableDefinition::new("signing_keys");

/// `meta` keys.
const SCHEMA_KEY: &[u8] = b"schema_version";
const SCHEMA_VERSION: &[u8] = b"2";
pub(super) const NEXT_USER_ID_KEY: &[u8] = b"next_user_id";
pub(super) const SIGNING_KEY_KEY: &[u8] = b"signing_key";

/// Creates the tables (a read of a table never created fails) and checks the
/// schema version.
pub(super) fn prepare(db: &Database) -> Result<(), StoreError> {
    let tx = begin_durable_write(db)?;
    {
        tx.open_table(USERS).or_store()?;
        tx.open_table(USERNAMES).or_store()?;
        tx.open_table(ISSUED).or_store()?;
        tx.open_table(FAMILIES).or_store()?;
        tx.open_table(BLACKLIST).or_store()?;
        tx.open_table(SIGNING_KEYS).or_store()?;
        let mut meta = tx.open_table(META).or_store()?;
        let version = meta.get(SCHEMA_KEY).or_store()?.map(|v| v.value().to_vec());
        match version {
            None => {
                meta.insert(SCHEMA_KEY, SCHEMA_VERSION).or_store()?;
            }
            Some(v) if v == SCHEMA_VERSION => {}
            Some(v) => {
                return Err(StoreError::Incompatible(format!(
                    "schema version {}",
                    String::from_utf8_lossy(&v)
                )))
            }
        }
    }
    tx.commit().or_store()
}

/// A user's key: big-endian, so rows sort by id.
pub(super) fn id_key(id: u64) -> [u8; 8] {
    id.to_be_bytes()
}

pub(super) fn id_from(bytes: &[u8]) -> Option<u64> {
    Some(u64::from_be_bytes(bytes.try_into().ok()?))
}

/// The next free user id, as `meta` keeps it (little-endian).
pub(super) fn next_user_id_from(bytes: &[u8]) -> u64 {
    u64::from_le_bytes(bytes.try_into().unwrap_or([1, 0, 0, 0, 0, 0, 0, 0]))
}

/// Two little-endian u64s followed by a tail: the `issued`, `blacklist` and
/// `signing_keys` rows.
pub(super) fn pair_row(a: u64, b: u64, tail: &[u8]) -> Vec<u8> {
    let mut row = Vec::with_capacity(16 + tail.len());
    row.extend_from_slice(&a.to_le_bytes());
    row.extend_from_slice(&b.to_le_bytes());
    row.extend_from_slice(tail);
    row
}

pub(super) fn pair_from(row: &[u8]) -> Option<(u64, u64, &[u8])> {
    let a = u64::from_le_bytes(row.get(..8)?.try_into().ok()?);
    let b = u64::from_le_bytes(row.get(8..16)?.try_into().ok()?);
    Some((a, b, row.get(16..)?))
}

/// A `blacklist` row: when, until when, and why.
pub(super) fn blacklist_row(now: u64, exp: u64, why: Blacklisted) -> Vec<u8> {
    let byte = match why {
        Blacklisted::Rotated => 1,
        Blacklisted::LoggedOut => 2,
        Blacklisted::Revoked => 3,
        Blacklisted::Unknown => 0,
    };
    pair_row(now, exp, &[byte])
}

/// Why a `blacklist` row is there; rows written before the reason was kept
/// have none.
pub(super) fn blacklisted_from_row(row: &[u8]) -> Blacklisted {
    match pair_from(row).and_then(|(_, _, tail)| tail.first().copied()) {
        Some(1) => Blacklisted::Rotated,
        Some(2) => Blacklisted::LoggedOut,
        Some(3) => Blacklisted::Revoked,
        _ => Blacklisted::Unknown,
    }
}

/// A `families` key: the family's length, the family, then the member.
pub(super) fn member_key(family: &str, jti: &str) -> Vec<u8> {
    let mut key = family_prefix(family);
    key.extend_from_slice(jti.as_bytes());
    key
}

/// The common start of every `families` key of `family`.
pub(super) fn family_prefix(family: &str) -> Vec<u8> {
    let len = u16::try_from(family.len()).unwrap_or(u16::MAX);
    let mut key = Vec::with_capacity(2 + family.len() + 32);
    key.extend_from_slice(&len.to_be_bytes());
    key.extend_from_slice(family.as_bytes());
    key
}

/// A `users` row, encoding version 2: `[2, flags, date_joined i64 LE,
/// last_login i64 LE (i64::MIN for none), username len u16 LE, username,
/// password len u16 LE, password, tokens_valid_after u64 LE]`; flags bit 0
/// active, bit 1 staff, bit 2 superuser. The id is the row's key.
pub(super) fn encode_user(user: &User) -> Vec<u8> {
    let mut out = Vec::with_capacity(30 + user.username.len() + user.password.len());
    out.push(2);
    out.push(
        u8::from(user.is_active) | u8::from(user.is_staff) << 1 | u8::from(user.is_superuser) << 2,
    );
    out.extend_from_slice(&user.date_joined.to_le_bytes());
    out.extend_from_slice(&user.last_login.unwrap_or(i64::MIN).to_le_bytes());
    for text in [&user.username, &user.password] {
        // Both are bounded far below 64 KiB where they are accepted.
        let len = u16::try_from(text.len()).unwrap_or(u16::MAX);
        out.extend_from_slice(&len.to_le_bytes());
        out.extend_from_slice(&text.as_bytes()[..usize::from(len)]);
    }
    out.extend_from_slice(&user.tokens_valid_after.to_le_bytes());
    out
}

/// Reads a `users` row of version 2, or of version 1 (the same without
/// `tokens_valid_after`, which reads as 0).
pub(super) fn decode_user(id: u64, bytes: &[u8]) -> Option<User> {
    let mut r = Reader(bytes);
    let version = r.take(1)?[0];
    if version != 1 && version != 2 {
        return None;
    }
    let flags = r.take(1)?[0];
    let date_joined = i64::from_le_bytes(r.take(8)?.try_into().ok()?);
    let last_login = i64::from_le_bytes(r.take(8)?.try_into().ok()?);
    let username = r.text()?;
    let password = r.text()?;
    let tokens_valid_after = match version {
        1 => 0,
        _ => u64::from_le_bytes(r.take(8)?.try_into().ok()?),
    };
    Some(User {
        id,
        username,
        password,
        is_active: flags & 1 != 0,
        is_staff: flags & 2 != 0,
        is_superuser: flags & 4 != 0,
        date_joined,
        last_login: (last_login != i64::MIN).then_some(last_login),
        tokens_valid_after,
    })
}

/// Reads a row front to back.
struct Reader<'a>(&'a [u8]);

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        if self.0.len() < n {
            return None;
        }
        let (head, rest) = self.0.split_at(n);
        self.0 = rest;
        Some(head)
    }

    /// A u16 little-endian length, then that many bytes of UTF-8.
    fn text(&mut self) -> Option<String> {
        let len = u16::from_le_bytes(self.take(2)?.try_into().ok()?);
        String::from_utf8(self.take(usize::from(len))?.to_vec()).ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::fixtures::new_user;

    #[test]
    fn user_record_round_trips() {
        let mut u = new_user("zoë").user;
        u.id = 7;
        u.is_staff = true;
        u.last_login = Some(-5);
        assert_eq!(decode_user(7, &encode_user(&u)), Some(u.clone()));
        u.last_login = None;
        u.is_active = false;
        u.tokens_valid_after = 1_735_689_601;
        assert_eq!(decode_user(7, &encode_user(&u)), Some(u.clone()));
        assert_eq!(decode_user(7, &[2, 0]), None);
        assert_eq!(decode_user(7, &[1, 0, 1]), None);
        assert_eq!(decode_user(7, &[3, 0]), None);
        // Version 1, written before revocation existed, reads as never revoked.
        let mut v1 = encode_user(&u);
        v1.truncate(v1.len() - 8);
        v1[0] = 1;
        u.tokens_valid_after = 0;
        assert_eq!(decode_user(7, &v1), Some(u));
    }

    #[test]
    fn blacklist_rows_keep_why() {
        for why in [
            Blacklisted::Rotated,
            Blacklisted::LoggedOut,
            Blacklisted::Revoked,
        ] {
            assert_eq!(blacklisted_from_row(&blacklist_row(1, 2, why)), why);
        }
        // Rows written before the reason was kept read as rotations.
        assert_eq!(
            blacklisted_from_row(&pair_row(1, 2, &[])),
            Blacklisted::Unknown
        );
    }
}
