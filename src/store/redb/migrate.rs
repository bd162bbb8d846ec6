//! Older layouts of the file to version 4, inside the transaction that
//! opens it ([`super::schema::prepare`]), so a crash leaves the file in one
//! version or the other: version 2 to 3 here ([`from_v2`]), then 3 to 4.
//!
//! Version 4 adds the `emails` index and user rows of encoding 3 (with
//! `email`, `first_name`, `last_name`). Rows of encoding 1 and 2 stay as
//! they are and read with those fields empty; as none holds an email, the
//! index starts empty, and 3 to 4 is the new table alone:
//!
//! ```text
//!   users  1 → [2, …alice…]      ──► users  1 → [2, …alice…]   (read: email "")
//!                                     emails (none: no row holds an email yet)
//!   the next write of user 1 ──► users 1 → [3, …alice…, email, first, last]
//! ```
//!
//! Version 2 kept a refresh token in three tables, each keyed by the jti as
//! text: `issued` (user, exp, family), `blacklist` (at, exp, why) and
//! `families` (family length, family, jti: an index of `issued`). Version 3
//! keeps one [`Row`] per token in `tokens`, keyed and naming its family by
//! [`jti_key`]:
//!
//! ```text
//!   issued    "a" (1, 900, "a"), "b" (1, 950, "a")
//!   blacklist "a" (100, 900, rotated)  ──► tokens  a → rotated at 100, exp 900
//!                                               b → live, user 1, exp 950, family a
//!   families  (2, "a", "a"), (2, "a", "b")  ──► (none: read from the rows)
//! ```
//!
//! Issued tokens are carried first; a blacklist row with no `issued` row
//! (written before jwtd recorded every token it blacklisted) becomes a
//! family of its own.

use ::redb::{ReadableTable, TableDefinition, WriteTransaction};

use super::schema::{blacklisted_from_byte, jti_key, pair_from, Bytes, Row, TOKENS};
use super::OrStoreError;
use crate::store::StoreError;

const ISSUED: Bytes = TableDefinition::new("issued");
const FAMILIES: Bytes = TableDefinition::new("families");
const BLACKLIST: Bytes = TableDefinition::new("blacklist");

/// Rewrites the token state of a version-2 file as version 3 and deletes
/// the old tables.
pub(super) fn from_v2(tx: &WriteTransaction) -> Result<(), StoreError> {
    {
        let issued = tx.open_table(ISSUED).or_store()?;
        let blacklist = tx.open_table(BLACKLIST).or_store()?;
        let mut tokens = tx.open_table(TOKENS).or_store()?;
        for (table, is_issued) in [(&issued, true), (&blacklist, false)] {
            for row in table.iter().or_store()? {
                let (jti, value) = row.or_store()?;
                let (jti, value) = (jti.value(), value.value());
                let key = jti_key(&String::from_utf8_lossy(jti));
                let spent = blacklist.get(jti).or_store()?;
                let spent = spent.as_ref().and_then(|r| pair_from(r.value()));
                let (Some((user, exp, family)), None) =
                    (pair_from(value), tokens.get(key.as_slice()).or_store()?)
                else {
                    continue;
                };
                let row = Row {
                    spent: spent.map(|(at, _, why)| {
                        (blacklisted_from_byte(why.first().copied().unwrap_or(0)), at)
                    }),
                    user: if is_issued { user } else { 0 },
                    exp,
                    family: (is_issued && family != jti)
                        .then(|| jti_key(&String::from_utf8_lossy(family))),
                    revoked: false,
                };
                tokens
                    .insert(key.as_slice(), row.encode().as_slice())
                    .or_store()?;
            }
        }
    }
    for table in [ISSUED, FAMILIES, BLACKLIST] {
        tx.delete_table(table).or_store()?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use ::redb::{Database, ReadableDatabase, TableDefinition};

    use super::{BLACKLIST, FAMILIES, ISSUED};
    use crate::store::fixtures::{new_user, rotate, token};
    use crate::store::{Blacklisted, Change, ChangeOutcome, Store, StoreError};

    type Bytes = TableDefinition<'static, &'static [u8], &'static [u8]>;

    /// A row of version 2: two u64 little-endian, then a tail.
    fn pair(a: u64, b: u64, tail: &[u8]) -> Vec<u8> {
        [&a.to_le_bytes()[..], &b.to_le_bytes(), tail].concat()
    }

    /// A version-2 file, written as the version-2 code wrote it: alice
    /// (id 1); the family `root` (root -> r1 -> r2, root and r1 rotated);
    /// a non-hex family `django` (logged out) with its member m1 whose
    /// root has expired (no row); a hex token blacklisted with no issued
    /// row, its reason not kept.
    fn version_2(path: &std::path::Path) {
        let hex = "0123456789abcdef0123456789abcdef";
        let db = Database::create(path).unwrap();
        let tx = db.begin_write().unwrap();
        {
            let meta: Bytes = TableDefinition::new("meta");
            let mut meta = tx.open_table(meta).unwrap();
            meta.insert(b"schema_version".as_slice(), b"2".as_slice())
                .unwrap();
            meta.insert(b"next_user_id".as_slice(), 2u64.to_le_bytes().as_slice())
                .unwrap();
            let users: Bytes = TableDefinition::new("users");
            let user = super::super::schema::encode_user(&new_user("alice").user);
            tx.open_table(users)
                .unwrap()
                .insert(1u64.to_be_bytes().as_slice(), user.as_slice())
                .unwrap();
            let usernames: Bytes = TableDefinition::new("usernames");
            tx.open_table(usernames)
                .unwrap()
                .insert(b"alice".as_slice(), 1u64.to_be_bytes().as_slice())
                .unwrap();
            let mut issued = tx.open_table(ISSUED).unwrap();
            let mut families = tx.open_table(FAMILIES).unwrap();
            for (jti, family) in [
                ("root", "root"),
                ("r1", "root"),
                ("r2", "root"),
                ("m1", "django"),
            ] {
                issued
                    .insert(jti.as_bytes(), pair(1, 500, family.as_bytes()).as_slice())
                    .unwrap();
                let member = [
                    &(family.len() as u16).to_be_bytes()[..],
                    family.as_bytes(),
                    jti.as_bytes(),
                ]
                .concat();
                families.insert(member.as_slice(), [].as_slice()).unwrap();
            }
            let mut blacklist = tx.open_table(BLACKLIST).unwrap();
            for (jti, at, why) in [
                ("root", 10, &[1u8][..]),
                ("r1", 20, &[1]),
                ("m1", 30, &[2]),
                (hex, 40, &[]),
            ] {
                blacklist
                    .insert(jti.as_bytes(), pair(at, 500, why).as_slice())
                    .unwrap();
            }
        }
        tx.commit().unwrap();
    }

    #[test]
    fn a_version_2_file_is_carried_over_whole_in_one_open() {
        let dir = crate::scratch_dir::ScratchDir::new("migrate");
        let path = dir.join("v2.redb");
        version_2(&path);
        let store = Store::open(&path, 1 << 20).unwrap();
        assert_eq!(store.user(1).unwrap().unwrap().username, "alice");
        let why = |jti| store.blacklisting(jti).unwrap();
        assert_eq!(why("root"), Some(Blacklisted::Rotated));
        assert_eq!(why("r1"), Some(Blacklisted::Rotated));
        assert_eq!(why("r2"), None);
        assert_eq!(why("m1"), Some(Blacklisted::LoggedOut));
        assert_eq!(
            why("0123456789abcdef0123456789abcdef"),
            Some(Blacklisted::Unknown)
        );
        for (jti, family) in [("r2", "root"), ("root", "root"), ("m1", "django")] {
            assert_eq!(
                store.family_of(jti).unwrap().as_deref(),
                Some(family),
                "{jti}"
            );
        }
        assert_eq!(store.token_counts().unwrap(), (5, 4));
        // Rotation and reuse detection go on in the families carried over.
        assert_eq!(
            store.apply(&[rotate("r2", "r3")]).unwrap(),
            [ChangeOutcome::Done]
        );
        let replay = Change::Rotate {
            old: token("r1", 500),
            new: token("evil", 600),
            blacklist_old: true,
            revoke_family_on_reuse: true,
            grace: 0,
            now: 100,
        };
        assert_eq!(
            store.apply(&[replay]).unwrap(),
            [ChangeOutcome::AlreadyBlacklisted {
                family: "root".into(),
                revoked: 1
            }]
        );
        assert_eq!(why("r3"), Some(Blacklisted::Revoked));
        drop(store);
        // Version 3 now, and opened as such.
        let store = Store::open(&path, 1 << 20).unwrap();
        assert_eq!(store.family_of("r3").unwrap().as_deref(), Some("root"));
        drop(store);
        // A newer version is refused, naming it.
        let db = Database::create(&path).unwrap();
        let tx = db.begin_write().unwrap();
        let meta: Bytes = TableDefinition::new("meta");
        tx.open_table(meta)
            .unwrap()
            .insert(b"schema_version".as_slice(), b"5".as_slice())
            .unwrap();
        tx.commit().unwrap();
        drop(db);
        let refused = Store::open(&path, 1 << 20).unwrap_err();
        assert!(
            matches!(&refused, StoreError::Incompatible(v) if v == "schema version 5"),
            "{refused}"
        );
    }

    /// A version-3 file as the version-3 code wrote it: alice (id 1) in a
    /// row of encoding 2, and a token of hers.
    fn version_3(path: &std::path::Path) {
        let db = Database::create(path).unwrap();
        let tx = db.begin_write().unwrap();
        {
            let meta: Bytes = TableDefinition::new("meta");
            let mut meta = tx.open_table(meta).unwrap();
            meta.insert(b"schema_version".as_slice(), b"3".as_slice())
                .unwrap();
            meta.insert(b"next_user_id".as_slice(), 2u64.to_le_bytes().as_slice())
                .unwrap();
            // [2, flags active, date_joined, last_login none, "alice",
            // "pbkdf2...", tokens_valid_after 7]
            let hash = b"pbkdf2_sha256$1000$salt$hash";
            let row = [
                &[2u8, 1][..],
                &1_735_689_600_000_000i64.to_le_bytes(),
                &i64::MIN.to_le_bytes(),
                &5u16.to_le_bytes(),
                b"alice",
                &(hash.len() as u16).to_le_bytes(),
                hash,
                &7u64.to_le_bytes(),
            ]
            .concat();
            let users: Bytes = TableDefinition::new("users");
            tx.open_table(users)
                .unwrap()
                .insert(1u64.to_be_bytes().as_slice(), row.as_slice())
                .unwrap();
            let usernames: Bytes = TableDefinition::new("usernames");
            tx.open_table(usernames)
                .unwrap()
                .insert(b"alice".as_slice(), 1u64.to_be_bytes().as_slice())
                .unwrap();
            let tokens: Bytes = TableDefinition::new("tokens");
            let live = super::super::schema::Row {
                spent: None,
                user: 1,
                exp: 900,
                family: None,
                revoked: false,
            };
            tx.open_table(tokens)
                .unwrap()
                .insert(
                    super::super::schema::jti_key("t1").as_slice(),
                    live.encode().as_slice(),
                )
                .unwrap();
        }
        tx.commit().unwrap();
    }

    #[test]
    fn a_version_3_file_opens_its_users_with_empty_emails_and_indexes_new_ones() {
        let dir = crate::scratch_dir::ScratchDir::new("migrate-v3");
        let path = dir.join("v3.redb");
        version_3(&path);
        let store = Store::open(&path, 1 << 20).unwrap();
        let alice = store.user_by_name("alice").unwrap().unwrap();
        assert_eq!((alice.id, alice.tokens_valid_after), (1, 7));
        assert_eq!(alice.password, "pbkdf2_sha256$1000$salt$hash");
        assert_eq!((alice.email.as_str(), alice.first_name.as_str()), ("", ""));
        assert_eq!(store.family_of("t1").unwrap().as_deref(), Some("t1"));
        // Her row is rewritten in encoding 3 on its next change, and the
        // email index follows.
        store
            .update_user("alice", |u| u.email = "alice@example.com".into())
            .unwrap();
        let by_email = store
            .user_by(crate::store::UserField::Email, "alice@example.com")
            .unwrap();
        assert_eq!(by_email.map(|u| u.id), Some(1));
        assert_eq!(store.add_user(new_user("bob")).unwrap().id, 2);
        drop(store);
        // Version 4 now: opened again as such, everything kept.
        let store = Store::open(&path, 1 << 20).unwrap();
        assert_eq!(store.user(1).unwrap().unwrap().email, "alice@example.com");
        assert_eq!(store.user(1).unwrap().unwrap().tokens_valid_after, 7);
        drop(store);
        let db = Database::create(&path).unwrap();
        let tx = db.begin_read().unwrap();
        let meta: Bytes = TableDefinition::new("meta");
        let version = tx.open_table(meta).unwrap();
        let version = version.get(b"schema_version".as_slice()).unwrap().unwrap();
        assert_eq!(version.value(), b"4");
    }
}
