//! The redb file's layout: its tables, the schema version, and the byte
//! codecs of every key and row. Existing databases depend on every byte
//! here; `migrate.rs` brings older layouts to this one.
//!
//! | table | key | value |
//! |---|---|---|
//! | `users` | id (u64 big-endian) | a user, encoded by [`encode_user`] |
//! | `usernames` | username | id (u64 big-endian): the unique index |
//! | `emails` | email | the ids (u64 big-endian each) of the users with it: the index of non-empty emails, which need not be unique |
//! | `tokens` | jti, by [`jti_key`] | a refresh token's state, a [`Row`]: 25 bytes (9 for a root) |
//! | `signing_keys` | key id | created at, retired at (microseconds, 0: not retired; u64 little-endian each), secret |
//! | `meta` | name | schema version, next user id, the signing key generated before keys had ids |
//!
//! Every table maps bytes to bytes. redb's B-tree code is generic over key
//! and value types, so one type for every table keeps one copy of it in the
//! binary instead of six.
//!
//! A refresh token is one `tokens` row: a rotation rewrites the spent
//! token's row in place (the same size, no growth) and inserts the new
//! one, and writes no other table. A family (the tokens a login's refresh
//! token was rotated into) is named after its root, the login's jti: every
//! member's row carries the root's 16-byte key.

use ::redb::{Database, ReadableTable, TableDefinition};

use super::{begin_durable_write, migrate, OrStoreError};
use crate::store::{Blacklisted, StoreError, User};

/// Every table: bytes to bytes.
pub(super) type Bytes = TableDefinition<'static, &'static [u8], &'static [u8]>;
/// One of the tables, open in a write transaction.
pub(super) type Table<'tx> = ::redb::Table<'tx, &'static [u8], &'static [u8]>;

pub(super) const USERS: Bytes = TableDefinition::new("users");
pub(super) const USERNAMES: Bytes = TableDefinition::new("usernames");
pub(super) const EMAILS: Bytes = TableDefinition::new("emails");
pub(super) const TOKENS: Bytes = TableDefinition::new("tokens");
pub(super) const META: Bytes = TableDefinition::new("meta");
pub(super) const SIGNING_KEYS: Bytes = TableDefinition::new("signing_keys");

/// `meta` keys.
const SCHEMA_KEY: &[u8] = b"schema_version";
const SCHEMA_VERSION: &[u8] = b"4";
pub(super) const NEXT_USER_ID_KEY: &[u8] = b"next_user_id";
pub(super) const SIGNING_KEY_KEY: &[u8] = b"signing_key";

/// Creates the tables (a read of a table never created fails), checks the
/// schema version, and brings a version-2 or -3 file to this layout, all in
/// one durable transaction.
pub(super) fn prepare(db: &Database) -> Result<(), StoreError> {
    let tx = begin_durable_write(db)?;
    {
        let mut meta = tx.open_table(META).or_store()?;
        let version = meta.get(SCHEMA_KEY).or_store()?.map(|v| v.value().to_vec());
        match version.as_deref() {
            None | Some(SCHEMA_VERSION) => {}
            Some(b"2") => migrate::from_v2(&tx)?,
            // Version 3 to 4: the `emails` table, created below, starts
            // empty, as no row of a version-3 file holds an email.
            Some(b"3") => {}
            Some(v) => {
                return Err(StoreError::Incompatible(format!(
                    "schema version {}",
                    String::from_utf8_lossy(v)
                )))
            }
        }
        meta.insert(SCHEMA_KEY, SCHEMA_VERSION).or_store()?;
        for table in [USERS, USERNAMES, EMAILS, TOKENS, SIGNING_KEYS] {
            tx.open_table(table).or_store()?;
        }
    }
    tx.commit().or_store()
}

/// A token's key. A jti of 32 lowercase hex digits (what jwtd and SimpleJWT
/// mint) is its 16 bytes; any other is its UTF-8 bytes followed by 0xFF
/// bytes, which UTF-8 never holds, to at least 17 bytes: no two jtis share
/// a key.
pub(super) fn jti_key(jti: &str) -> Vec<u8> {
    let digit = |c: u8| HEX.iter().position(|&h| h == c);
    let text = jti.as_bytes();
    let mut key = Vec::with_capacity(17.max(text.len() + 1));
    for pair in text.chunks(2).filter(|_| text.len() == 32) {
        match (digit(pair[0]), pair.get(1).and_then(|&c| digit(c))) {
            (Some(high), Some(low)) => key.push((high << 4 | low) as u8),
            _ => break,
        }
    }
    if key.len() != 16 {
        key.clear();
        key.extend_from_slice(text);
        key.resize(text.len().max(16) + 1, 0xFF);
    }
    key
}

/// Lowercase hex digits, by value.
const HEX: &[u8; 16] = b"0123456789abcdef";

/// The jti a [`jti_key`] was made from.
pub(super) fn jti_from_key(key: &[u8]) -> String {
    if key.len() == 16 {
        return key.iter().map(|b| format!("{b:02x}")).collect();
    }
    let end = key.iter().rposition(|&b| b != 0xFF).map_or(0, |i| i + 1);
    String::from_utf8_lossy(&key[..end]).into_owned()
}

/// A `tokens` row: what the checks of a refresh token read.
#[derive(Clone)]
#[cfg_attr(test, derive(Debug, PartialEq, Eq))]
pub(super) struct Row {
    /// Why the token is blacklisted and when (Unix seconds); `None` while
    /// it is live.
    pub(super) spent: Option<(Blacklisted, u64)>,
    /// The user a live token names (0: none); a blacklisted row keeps no
    /// user, as nothing reads it.
    pub(super) user: u64,
    /// Its `exp`, up to `u32::MAX` (the year 2106): purged after it.
    pub(super) exp: u64,
    /// Its family's root, by [`jti_key`]; `None` for the root itself.
    pub(super) family: Option<Vec<u8>>,
    /// On a root's row: its family was revoked, every member blacklisted;
    /// as none can join it after, a reuse need not look for members again.
    pub(super) revoked: bool,
}

impl Row {
    /// `[state, exp u32, user u64, family]` while live, `[state, exp u32,
    /// at u32, family]` once blacklisted, little-endian; the family is the
    /// root's key, and absent in the root's own row. The state is 0 (live)
    /// or why, by [`why_byte`], plus 0x80 for a revoked family.
    pub(super) fn encode(&self) -> Vec<u8> {
        let small = |n: u64| u64::from(u32::try_from(n).unwrap_or(u32::MAX));
        let (state, word, width) = match self.spent {
            None => (0, self.user, 8),
            Some((why, at)) => (why_byte(why), small(at), 4),
        };
        let mut row = vec![state | u8::from(self.revoked) << 7];
        row.extend_from_slice(&small(self.exp).to_le_bytes()[..4]);
        row.extend_from_slice(&word.to_le_bytes()[..width]);
        row.extend_from_slice(self.family.as_deref().unwrap_or_default());
        row
    }

    pub(super) fn decode(row: &[u8]) -> Option<Row> {
        let word = |at: usize, len: usize| {
            let mut bytes = [0; 8];
            bytes[..len].copy_from_slice(row.get(at..at + len)?);
            Some(u64::from_le_bytes(bytes))
        };
        let state = *row.first()?;
        let live = state & 0x7F == 0;
        let tail = if live { 13 } else { 9 };
        let family = row.get(tail..)?;
        Some(Row {
            spent: (!live).then(|| (blacklisted_from_byte(state & 0x7F), word(5, 4).unwrap_or(0))),
            user: if live { word(5, 8)? } else { 0 },
            exp: word(1, 4)?,
            family: (!family.is_empty()).then(|| family.to_vec()),
            revoked: state & 0x80 != 0,
        })
    }
}

/// Why a token is blacklisted, as one byte (0 is a live token's).
pub(super) fn why_byte(why: Blacklisted) -> u8 {
    match why {
        Blacklisted::Rotated => 1,
        Blacklisted::LoggedOut => 2,
        Blacklisted::Revoked => 3,
        Blacklisted::Unknown => 4,
    }
}

/// The reason a byte of [`why_byte`] (or of a version-2 `blacklist` row)
/// stands for; an unknown byte is a reason not kept.
pub(super) fn blacklisted_from_byte(byte: u8) -> Blacklisted {
    match byte {
        1 => Blacklisted::Rotated,
        2 => Blacklisted::LoggedOut,
        3 => Blacklisted::Revoked,
        _ => Blacklisted::Unknown,
    }
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

/// An `emails` value `ids` with `id` added (`present`, last) or taken out:
/// the ids big-endian, each once.
pub(super) fn email_ids(ids: &[u8], id: u64, present: bool) -> Vec<u8> {
    let key = id_key(id);
    let mut kept: Vec<u8> = ids
        .chunks_exact(8)
        .filter(|other| *other != key)
        .flatten()
        .copied()
        .collect();
    if present {
        kept.extend_from_slice(&key);
    }
    kept
}

/// A `users` row, encoding version 3: `[3, flags, date_joined i64 LE,
/// last_login i64 LE (i64::MIN for none), username, password,
/// tokens_valid_after u64 LE, email, first_name, last_name]`, each text a
/// u16 LE length and its UTF-8; flags bit 0 active, bit 1 staff, bit 2
/// superuser. The id is the row's key.
pub(super) fn encode_user(user: &User) -> Vec<u8> {
    let mut out = Vec::with_capacity(40 + user.username.len() + user.password.len());
    out.push(3);
    out.push(
        u8::from(user.is_active) | u8::from(user.is_staff) << 1 | u8::from(user.is_superuser) << 2,
    );
    out.extend_from_slice(&user.date_joined.to_le_bytes());
    out.extend_from_slice(&user.last_login.unwrap_or(i64::MIN).to_le_bytes());
    push_text(&mut out, &user.username);
    push_text(&mut out, &user.password);
    out.extend_from_slice(&user.tokens_valid_after.to_le_bytes());
    for text in [&user.email, &user.first_name, &user.last_name] {
        push_text(&mut out, text);
    }
    out
}

/// A u16 LE length and the text's bytes. Every text is bounded far below
/// 64 KiB where it is accepted.
fn push_text(out: &mut Vec<u8>, text: &str) {
    let len = u16::try_from(text.len()).unwrap_or(u16::MAX);
    out.extend_from_slice(&len.to_le_bytes());
    out.extend_from_slice(&text.as_bytes()[..usize::from(len)]);
}

/// Reads a `users` row of version 3, 2 (without the names and email, which
/// read as empty) or 1 (without `tokens_valid_after` too, which reads as 0).
pub(super) fn decode_user(id: u64, bytes: &[u8]) -> Option<User> {
    let mut r = Reader(bytes);
    let version = r.take(1)?[0];
    if !(1..=3).contains(&version) {
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
    let mut names = [String::new(), String::new(), String::new()];
    if version == 3 {
        for name in &mut names {
            *name = r.text()?;
        }
    }
    let [email, first_name, last_name] = names;
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
        email,
        first_name,
        last_name,
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
        assert_eq!(decode_user(7, &[4, 0]), None);
        u.email = "zoë@example.com".into();
        u.first_name = "Zoë".into();
        u.last_name = "Ng".into();
        let v3 = encode_user(&u);
        assert_eq!(decode_user(7, &v3), Some(u.clone()));
        assert_eq!(decode_user(7, &v3[..v3.len() - 1]), None);
        // Version 2, written before the names and email, reads them empty.
        let names = 2 + u.email.len() + 2 + u.first_name.len() + 2 + u.last_name.len();
        let mut v2 = v3[..v3.len() - names].to_vec();
        v2[0] = 2;
        u.email.clear();
        u.first_name.clear();
        u.last_name.clear();
        assert_eq!(decode_user(7, &v2), Some(u.clone()));
        // Version 1, written before revocation existed, reads as never revoked.
        let mut v1 = v2;
        v1.truncate(v1.len() - 8);
        v1[0] = 1;
        u.tokens_valid_after = 0;
        assert_eq!(decode_user(7, &v1), Some(u));
    }

    #[test]
    fn email_ids_are_kept_once_each() {
        let one = email_ids(&[], 7, true);
        assert_eq!(one, id_key(7));
        let two = email_ids(&one, 3, true);
        assert_eq!(two, [id_key(7), id_key(3)].concat());
        assert_eq!(email_ids(&two, 3, true), two);
        assert_eq!(email_ids(&two, 7, false), id_key(3));
        assert_eq!(email_ids(&id_key(3), 3, false), Vec::<u8>::new());
        assert_eq!(email_ids(&id_key(3), 9, false), id_key(3));
    }

    #[test]
    fn hex_jtis_take_16_bytes_and_no_two_jtis_share_a_key() {
        let hex = "0123456789abcdef0123456789abcdef";
        assert_eq!(jti_key(hex).len(), 16);
        let jtis = [
            hex,
            "0123456789ABCDEF0123456789ABCDEF",
            "0123456789abcdef0123456789abcdeg",
            "django-1",
            "",
            "exactly-16-bytes",
            "fifteen-bytes..",
            "zo\u{eb}",
        ];
        let mut keys: Vec<Vec<u8>> = jtis.iter().map(|j| jti_key(j)).collect();
        for (jti, key) in jtis.iter().zip(&keys) {
            assert_eq!(jti_from_key(key), *jti);
            assert!(key.len() == 16 || (key.len() >= 17 && key.last() == Some(&0xFF)));
        }
        keys.sort();
        keys.dedup();
        assert_eq!(keys.len(), jtis.len());
    }

    #[test]
    fn rows_round_trip_in_25_bytes_or_9_for_a_root() {
        let root = Some(vec![7; 16]);
        let live = Row {
            spent: None,
            user: u64::MAX,
            exp: 1_900_000_000,
            family: root.clone(),
            revoked: false,
        };
        assert_eq!(live.encode().len(), 29);
        assert_eq!(Row::decode(&live.encode()), Some(live.clone()));
        for why in [
            Blacklisted::Rotated,
            Blacklisted::LoggedOut,
            Blacklisted::Revoked,
            Blacklisted::Unknown,
        ] {
            let spent = Row {
                spent: Some((why, 5)),
                user: 0,
                exp: 9,
                family: root.clone(),
                revoked: false,
            };
            assert_eq!(spent.encode().len(), 25);
            assert_eq!(Row::decode(&spent.encode()), Some(spent.clone()));
            let root = Row {
                family: None,
                revoked: true,
                ..spent
            };
            assert_eq!(root.encode().len(), 9);
            assert_eq!(Row::decode(&root.encode()), Some(root));
        }
        // Beyond the year 2106 a time reads as its last second.
        let far = Row {
            exp: u64::MAX,
            ..live.clone()
        };
        assert_eq!(
            Row::decode(&far.encode()).map(|r| r.exp),
            Some(u64::from(u32::MAX))
        );
        assert_eq!(Row::decode(&[0, 1, 2]), None);
        assert_eq!(Row::decode(&live.encode()[..12]), None);
    }
}
