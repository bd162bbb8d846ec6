//! Token state in SimpleJWT's tables: an issued refresh token is a row of
//! `token_blacklist_outstandingtoken` (its `token` text left `''`: jwtd
//! keeps no bearer token at rest), a blacklisted one also a row of
//! `token_blacklist_blacklistedtoken`. `jwtd_token` adds a token's family
//! when it is not its own root, and why it was blacklisted; a token with
//! no such row is its own family's root, and blacklisted by a rotation
//! (which is what SimpleJWT's own rows mean).
//!
//! The one decision that must have one winner across replicas, "is this
//! token spent now, by me?", is the insert into the blacklist: its
//! `token_id` is unique, so of concurrent inserts exactly one returns a
//! row; the others wait for it to commit and return none.

use std::collections::HashSet;
use std::time::Instant;

use postgres::GenericClient;

use super::batch::PgBatch;
use super::users::{set_tokens_valid_after, user_from};
use super::{at_seconds, big, seconds_of, unsigned, PostgresStore};
use crate::store::decide::Spend;
use crate::store::{Blacklisted, ChangeOutcome, StoreError, TokenRecord, User};

/// `jwtd_token.reason` of each [`Blacklisted`]; no row, or `NULL`, is a
/// rotation (as a blacklist row SimpleJWT wrote is).
fn reason_code(why: Blacklisted) -> i16 {
    match why {
        Blacklisted::Rotated | Blacklisted::Unknown => 1,
        Blacklisted::LoggedOut => 2,
        Blacklisted::Revoked => 3,
    }
}

fn reason_from(code: Option<i16>) -> Blacklisted {
    match code {
        Some(1) => Blacklisted::Rotated,
        Some(2) => Blacklisted::LoggedOut,
        Some(3) => Blacklisted::Revoked,
        _ => Blacklisted::Unknown,
    }
}

/// Why `$1` is blacklisted: a row (with the reason, maybe `NULL`) if it is.
pub(super) const BLACKLISTING: &str = "SELECT j.reason, b.blacklisted_at \
     FROM token_blacklist_outstandingtoken o \
     JOIN token_blacklist_blacklistedtoken b ON b.token_id = o.id \
     LEFT JOIN jwtd_token j ON j.jti = o.jti WHERE o.jti = $1";

/// [`PgBatch::spend_all`]'s statement for the user table `users`: its
/// parameters are one array per column of the rotations (`$1` to `$8`:
/// old jti, exp, text, user; new jti, exp, text, user; `$9` their times),
/// its rows one per rotation, in order: the family, whether it spent, and
/// whether it found the old token's row at all.
pub(super) fn spend_all_sql(users: &str) -> String {
    format!(
        "WITH spends AS ( \
           SELECT * FROM unnest($1::text[], $2::timestamptz[], $3::text[], $4::bigint[], \
                                $5::text[], $6::timestamptz[], $7::text[], $8::bigint[], \
                                $9::timestamptz[]) \
             WITH ORDINALITY AS s(old_jti, old_exp, old_text, old_user, \
                                  new_jti, new_exp, new_text, new_user, at, n)), \
         first AS (SELECT DISTINCT ON (old_jti) * FROM spends ORDER BY old_jti, n), \
         made AS ( \
           INSERT INTO token_blacklist_outstandingtoken \
             (jti, token, created_at, expires_at, user_id) \
           SELECT old_jti, old_text, now(), old_exp, \
                  (SELECT id FROM {users} WHERE id = old_user) \
           FROM first ORDER BY old_jti \
           ON CONFLICT (jti) DO NOTHING RETURNING id, jti), \
         old AS ( \
           SELECT id, jti FROM made UNION ALL \
           SELECT id, jti FROM token_blacklist_outstandingtoken WHERE jti = ANY($1::text[])), \
         won AS ( \
           INSERT INTO token_blacklist_blacklistedtoken (token_id, blacklisted_at) \
           SELECT old.id, f.at FROM old JOIN first f ON f.old_jti = old.jti ORDER BY old.jti \
           ON CONFLICT (token_id) DO NOTHING RETURNING token_id), \
         family AS ( \
           SELECT n, coalesce((SELECT family FROM jwtd_token WHERE jti = old_jti), old_jti) \
             AS family \
           FROM spends), \
         spent AS ( \
           SELECT f.*, family.family FROM won \
           JOIN old ON old.id = won.token_id \
           JOIN first f ON f.old_jti = old.jti \
           JOIN family ON family.n = f.n), \
         reason AS ( \
           INSERT INTO jwtd_token (jti, family, reason) SELECT old_jti, family, 1 FROM spent \
           ON CONFLICT (jti) DO UPDATE SET reason = EXCLUDED.reason), \
         successor AS ( \
           INSERT INTO token_blacklist_outstandingtoken \
             (jti, token, created_at, expires_at, user_id) \
           SELECT new_jti, new_text, now(), new_exp, \
                  (SELECT id FROM {users} WHERE id = new_user) \
           FROM spent \
           ON CONFLICT (jti) DO NOTHING), \
         member AS ( \
           INSERT INTO jwtd_token (jti, family) SELECT new_jti, family FROM spent \
           ON CONFLICT (jti) DO NOTHING) \
         SELECT family.family, spent.n IS NOT NULL, \
                EXISTS (SELECT 1 FROM old JOIN spends s ON s.old_jti = old.jti \
                        WHERE s.n = family.n) \
         FROM family LEFT JOIN spent ON spent.n = family.n ORDER BY family.n"
    )
}

impl PostgresStore {
    /// Why `jti` is blacklisted, if it is, and the user `user_id`, if there
    /// is one: each as this replica remembers it, if it read it less than
    /// [`FRESH_FOR`](super::cache::FRESH_FOR) ago, else read in one
    /// statement (one snapshot).
    pub(crate) fn token_state(
        &self,
        jti: Option<&str>,
        user_id: Option<u64>,
    ) -> Result<(Option<Blacklisted>, Option<User>), StoreError> {
        let known_why = jti.and_then(|jti| self.cache.blacklisting(jti));
        let known_user = user_id.and_then(|id| self.cache.user(id));
        let needs_jti = jti.is_some() && known_why.is_none();
        let needs_user = user_id.is_some() && known_user.is_none();
        if (needs_jti || needs_user) && crate::store::refuse_round_trip() {
            return Err(StoreError::NotInMemory);
        }
        let read = Instant::now();
        let (why, user) = self.read_token_state(
            jti.filter(|_| known_why.is_none()),
            user_id.filter(|_| known_user.is_none()),
        )?;
        let why = match (known_why, jti) {
            (Some(known), _) => known,
            (None, Some(jti)) => {
                self.cache.remember_blacklisting(jti, why, read);
                why
            }
            (None, None) => None,
        };
        let user = match (known_user, user_id) {
            (Some(known), _) => known,
            (None, Some(id)) => {
                self.cache.remember_user(id, user.clone(), read);
                user
            }
            (None, None) => None,
        };
        Ok((why, user))
    }

    /// [`PostgresStore::token_state`] from the database.
    pub(super) fn read_token_state(
        &self,
        jti: Option<&str>,
        user_id: Option<u64>,
    ) -> Result<(Option<Blacklisted>, Option<User>), StoreError> {
        match (jti, user_id) {
            (None, None) => Ok((None, None)),
            (Some(jti), None) => self.pool.read(|db| {
                let row = db.query_opt(BLACKLISTING, &[&jti])?;
                Ok((row.map(|r| reason_from(r.get(0))), None))
            }),
            (None, Some(id)) => {
                let sql = format!("{} WHERE u.id = $1::bigint", self.sql.users.select);
                self.pool.read(|db| {
                    let row = db.query_opt(&sql, &[&big(id)])?;
                    Ok((None, row.map(|r| user_from(&r, 0))))
                })
            }
            (Some(jti), Some(id)) => {
                // The user's row, and beside it the blacklisting if any.
                let sql = format!(
                    "WITH why AS ({BLACKLISTING}) \
                     SELECT (SELECT count(*) FROM why), (SELECT reason FROM why LIMIT 1), u.* \
                     FROM (SELECT 1) one LEFT JOIN ({} WHERE u.id = $2::bigint) u ON true",
                    self.sql.users.select
                );
                self.pool.read(|db| {
                    let Some(row) = db.query_opt(&sql, &[&jti, &big(id)])? else {
                        return Ok((None, None));
                    };
                    let blacklisted: i64 = row.get(0);
                    let why = (blacklisted > 0).then(|| reason_from(row.get(1)));
                    let user = row.get::<_, Option<i64>>(2).map(|_| user_from(&row, 2));
                    Ok((why, user))
                })
            }
        }
    }

    /// Row counts of the outstanding-token table and the blacklist.
    pub(crate) fn token_counts(&self) -> Result<(u64, u64), StoreError> {
        self.pool.read(|db| {
            let row = db.query_opt(
                "SELECT (SELECT count(*) FROM token_blacklist_outstandingtoken), \
                        (SELECT count(*) FROM token_blacklist_blacklistedtoken)",
                &[],
            )?;
            Ok(row.map_or((0, 0), |r| (unsigned(r.get(0)), unsigned(r.get(1)))))
        })
    }

    /// The family of an issued refresh token.
    pub(crate) fn family_of(&self, jti: &str) -> Result<Option<String>, StoreError> {
        self.pool.read(|db| {
            let row = db.query_opt(
                "SELECT coalesce(j.family, o.jti) FROM token_blacklist_outstandingtoken o \
                 LEFT JOIN jwtd_token j ON j.jti = o.jti WHERE o.jti = $1",
                &[&jti],
            )?;
            Ok(row.map(|r| r.get(0)))
        })
    }
}

/// Token reads and writes within a batch.
impl<C: GenericClient> PgBatch<'_, '_, C> {
    /// The family `jti` belongs to; a token with no row is its own.
    pub(super) fn family_of(&mut self, jti: &str) -> Result<String, StoreError> {
        let row = self
            .db
            .query_opt("SELECT family FROM jwtd_token WHERE jti = $1", &[&jti])?;
        Ok(row.map_or_else(|| jti.to_owned(), |r| r.get(0)))
    }

    /// Records `token` as issued, a member of `family`. A token already
    /// recorded (replayed by a retry) is left as it is.
    pub(super) fn issue(&mut self, token: &TokenRecord, family: &str) -> Result<(), StoreError> {
        self.outstand(token)?;
        if family != token.jti {
            self.db.execute(
                "INSERT INTO jwtd_token (jti, family) VALUES ($1, $2) ON CONFLICT (jti) DO NOTHING",
                &[&token.jti, &family],
            )?;
        }
        Ok(())
    }

    /// The outstanding row of `token`, made if it has none (a token minted
    /// elsewhere with the same key). Its `user_id` is `NULL` when it names
    /// no existing user: the foreign key allows nothing else.
    fn outstand(&mut self, token: &TokenRecord) -> Result<(), StoreError> {
        let user = (token.user_id != 0).then(|| big(token.user_id));
        self.db.execute(
            &format!(
                "INSERT INTO token_blacklist_outstandingtoken \
                   (jti, token, created_at, expires_at, user_id) \
                 VALUES ($1, $4, now(), $2, (SELECT id FROM {} WHERE id = $3::bigint)) \
                 ON CONFLICT (jti) DO NOTHING",
                self.users.table
            ),
            &[&token.jti, &at_seconds(token.exp), &user, &token.text],
        )?;
        Ok(())
    }

    /// Blacklists `token` now, for `why`, first giving it an outstanding
    /// row if it has none: `true` if this call did, `false` if it already
    /// was. Concurrent calls for one token, on any replica, get `true`
    /// exactly once: the blacklist's `token_id` is unique, and a second
    /// insert waits for the first to commit, then finds its row.
    pub(super) fn blacklist_once(
        &mut self,
        token: &TokenRecord,
        family: &str,
        now: u64,
        why: Blacklisted,
    ) -> Result<bool, StoreError> {
        self.outstand(token)?;
        let jti = token.jti.as_str();
        let won = self.db.query_opt(
            "INSERT INTO token_blacklist_blacklistedtoken (token_id, blacklisted_at) \
             SELECT id, $2 FROM token_blacklist_outstandingtoken WHERE jti = $1 \
             ON CONFLICT (token_id) DO NOTHING RETURNING id",
            &[&jti, &at_seconds(now)],
        )?;
        if won.is_none() {
            return Ok(false);
        }
        self.db.execute(
            "INSERT INTO jwtd_token (jti, family, reason) VALUES ($1, $2, $3) \
             ON CONFLICT (jti) DO UPDATE SET reason = EXCLUDED.reason",
            &[&jti, &family, &reason_code(why)],
        )?;
        Ok(true)
    }

    /// A rotation in two round trips: `old`'s row made if it has none and
    /// its family read; then, in one statement, the blacklist insert that
    /// decides the winner and, only if it inserted, `old`'s reason and
    /// `new`'s rows. (One statement cannot do it all: the blacklist insert
    /// must see the outstanding row a statement before it made.)
    pub(super) fn spend(
        &mut self,
        old: &TokenRecord,
        new: &TokenRecord,
        now: u64,
    ) -> Result<(String, bool), StoreError> {
        let user = (old.user_id != 0).then(|| big(old.user_id));
        let family: String = self
            .db
            .query_opt(
                &format!(
                    "WITH outstand AS ( \
                       INSERT INTO token_blacklist_outstandingtoken \
                         (jti, token, created_at, expires_at, user_id) \
                       VALUES ($1, $3, now(), $2, (SELECT id FROM {} WHERE id = $4::bigint)) \
                       ON CONFLICT (jti) DO NOTHING) \
                     SELECT coalesce((SELECT family FROM jwtd_token WHERE jti = $1), $1)",
                    self.users.table
                ),
                &[&old.jti, &at_seconds(old.exp), &old.text, &user],
            )?
            .map_or_else(|| old.jti.clone(), |row| row.get(0));
        let new_user = (new.user_id != 0).then(|| big(new.user_id));
        let won = self
            .db
            .query_opt(
                &format!(
                    "WITH won AS ( \
                       INSERT INTO token_blacklist_blacklistedtoken (token_id, blacklisted_at) \
                       SELECT id, $2 FROM token_blacklist_outstandingtoken WHERE jti = $1 \
                       ON CONFLICT (token_id) DO NOTHING RETURNING id), \
                     reason AS ( \
                       INSERT INTO jwtd_token (jti, family, reason) SELECT $1, $3, 1 FROM won \
                       ON CONFLICT (jti) DO UPDATE SET reason = EXCLUDED.reason), \
                     successor AS ( \
                       INSERT INTO token_blacklist_outstandingtoken \
                         (jti, token, created_at, expires_at, user_id) \
                       SELECT $4, $5, now(), $6, (SELECT id FROM {} WHERE id = $7::bigint) \
                       FROM won ON CONFLICT (jti) DO NOTHING), \
                     member AS ( \
                       INSERT INTO jwtd_token (jti, family) SELECT $4, $3 FROM won \
                       ON CONFLICT (jti) DO NOTHING) \
                     SELECT count(*) FROM won",
                    self.users.table
                ),
                &[
                    &old.jti,
                    &at_seconds(now),
                    &family,
                    &new.jti,
                    &new.text,
                    &at_seconds(new.exp),
                    &new_user,
                ],
            )?
            .is_some_and(|row| row.get::<_, i64>(0) > 0);
        Ok((family, won))
    }

    /// Rotations in one statement, so in one round trip (and, outside a
    /// transaction, one commit) however many there are: each `old` given
    /// an outstanding row if it has none; the blacklist insert that
    /// decides, for each distinct `old`, whether this statement spent it
    /// (the first rotation of it, by position, if any); for each spent,
    /// its reason and its successor's rows. Returns, in order, each `old`'s
    /// family and whether its rotation spent it.
    ///
    /// The statement's parts see one snapshot, so the blacklist insert
    /// takes the ids of the outstanding rows the statement made from what
    /// that insert returns, and the others from the snapshot. A row another
    /// transaction made meanwhile (a login's bookkeeping, another replica's
    /// rotation of the same token) is in neither: that rotation is spent
    /// again on its own, in statements that see the row.
    ///
    /// A batch that spends a token an earlier rotation of it mints (which
    /// only a client replaying answers it was never sent can make) is spent
    /// one rotation after another instead.
    pub(super) fn spend_all(
        &mut self,
        spends: &[Spend<'_>],
    ) -> Result<Vec<(String, bool)>, StoreError> {
        let minted: HashSet<&str> = spends.iter().map(|s| s.new.jti.as_str()).collect();
        if spends.iter().any(|s| minted.contains(s.old.jti.as_str())) {
            return spends
                .iter()
                .map(|s| self.spend(s.old, s.new, s.now))
                .collect();
        }
        let user = |id: u64| (id != 0).then(|| big(id));
        let old_jti: Vec<&str> = spends.iter().map(|s| s.old.jti.as_str()).collect();
        let old_text: Vec<&str> = spends.iter().map(|s| s.old.text.as_str()).collect();
        let new_jti: Vec<&str> = spends.iter().map(|s| s.new.jti.as_str()).collect();
        let new_text: Vec<&str> = spends.iter().map(|s| s.new.text.as_str()).collect();
        let old_exp: Vec<_> = spends.iter().map(|s| at_seconds(s.old.exp)).collect();
        let new_exp: Vec<_> = spends.iter().map(|s| at_seconds(s.new.exp)).collect();
        let now: Vec<_> = spends.iter().map(|s| at_seconds(s.now)).collect();
        let old_user: Vec<_> = spends.iter().map(|s| user(s.old.user_id)).collect();
        let new_user: Vec<_> = spends.iter().map(|s| user(s.new.user_id)).collect();
        let rows = self.db.query(
            self.spend_all,
            &[
                &old_jti, &old_exp, &old_text, &old_user, &new_jti, &new_exp, &new_text, &new_user,
                &now,
            ],
        )?;
        if rows.len() != spends.len() {
            return Err(StoreError::io(
                "PostgreSQL answered a rotation batch wrongly",
            ));
        }
        rows.iter()
            .zip(spends)
            .map(|(row, s)| match (row.get(1), row.get::<_, bool>(2)) {
                // Neither made nor seen: another transaction made the row
                // after this statement's snapshot; spent anew, it is seen.
                (false, false) => self.spend(s.old, s.new, s.now),
                (spent, _) => Ok((row.get(0), spent)),
            })
            .collect()
    }

    /// Why `jti` is blacklisted and when, if it is.
    pub(super) fn blacklisting(
        &mut self,
        jti: &str,
    ) -> Result<Option<(Blacklisted, u64)>, StoreError> {
        let row = self.db.query_opt(BLACKLISTING, &[&jti])?;
        Ok(row.map(|row| (reason_from(row.get(0)), seconds_of(row.get(1)))))
    }

    /// Blacklists every member of `family` not yet blacklisted, as revoked.
    pub(super) fn revoke_family(&mut self, family: &str, now: u64) -> Result<u64, StoreError> {
        self.db.execute(
            "WITH members AS ( \
               SELECT id, jti FROM token_blacklist_outstandingtoken \
               WHERE jti = $1 OR jti IN (SELECT jti FROM jwtd_token WHERE family = $1)), \
             won AS ( \
               INSERT INTO token_blacklist_blacklistedtoken (token_id, blacklisted_at) \
               SELECT id, $2 FROM members ON CONFLICT (token_id) DO NOTHING RETURNING token_id) \
             INSERT INTO jwtd_token (jti, family, reason) \
             SELECT m.jti, $1, 3 FROM won JOIN members m ON m.id = won.token_id \
             ON CONFLICT (jti) DO UPDATE SET reason = 3",
            &[&family, &at_seconds(now)],
        )
    }

    /// Revokes everything of a user (who exists): `tokens_valid_after`
    /// raised to at least `valid_after`, and every live outstanding token
    /// of theirs blacklisted; how many.
    pub(super) fn revoke_user(
        &mut self,
        user_id: u64,
        valid_after: u64,
        now: u64,
    ) -> Result<u64, StoreError> {
        set_tokens_valid_after(self.db, user_id, valid_after)?;
        self.db.execute(
            "WITH theirs AS ( \
               SELECT id, jti FROM token_blacklist_outstandingtoken \
               WHERE user_id = $1::bigint AND expires_at > $2), \
             won AS ( \
               INSERT INTO token_blacklist_blacklistedtoken (token_id, blacklisted_at) \
               SELECT id, $2 FROM theirs ON CONFLICT (token_id) DO NOTHING RETURNING token_id) \
             INSERT INTO jwtd_token (jti, family, reason) \
             SELECT t.jti, t.jti, 3 FROM won JOIN theirs t ON t.id = won.token_id \
             ON CONFLICT (jti) DO UPDATE SET reason = 3",
            &[&big(user_id), &at_seconds(now)],
        )
    }
}

/// Rows a purge deletes per transaction: a purge of millions of expired
/// rows never holds one long transaction.
const PURGE_BATCH: i64 = 5_000;

/// The advisory lock key of purges: one replica purges at a time.
pub(super) const PURGE_LOCK: i64 = 0x6a77_7464_0002;

impl PostgresStore {
    /// Deletes the rows of tokens whose `exp` has passed, in batches of
    /// [`PURGE_BATCH`], each its own transaction, as Django's
    /// `flushexpiredtokens` does (a blacklist row goes with its
    /// outstanding row). A replica that finds another purging leaves it
    /// the work and reports nothing purged.
    pub(crate) fn purge(&self, now: u64) -> Result<ChangeOutcome, StoreError> {
        let (mut issued, mut blacklisted) = (0, 0);
        loop {
            let done = self.pool.write(|db| {
                let locked = db
                    .query_opt("SELECT pg_try_advisory_xact_lock($1)", &[&PURGE_LOCK])?
                    .is_some_and(|r| r.get::<_, bool>(0));
                if !locked {
                    return Ok(None);
                }
                let row = db.query_opt(
                    "WITH doomed AS ( \
                       SELECT id, jti FROM token_blacklist_outstandingtoken \
                       WHERE expires_at <= $1 ORDER BY id LIMIT $2 FOR UPDATE SKIP LOCKED), \
                     b AS (DELETE FROM token_blacklist_blacklistedtoken \
                           WHERE token_id IN (SELECT id FROM doomed) RETURNING 1), \
                     j AS (DELETE FROM jwtd_token WHERE jti IN (SELECT jti FROM doomed) RETURNING 1), \
                     o AS (DELETE FROM token_blacklist_outstandingtoken \
                           WHERE id IN (SELECT id FROM doomed) RETURNING 1) \
                     SELECT (SELECT count(*) FROM o), (SELECT count(*) FROM b), \
                            (SELECT count(*) FROM j)",
                    &[&at_seconds(now), &PURGE_BATCH],
                )?;
                Ok(row.map(|r| (r.get::<_, i64>(0), r.get::<_, i64>(1))))
            })?;
            let Some((o, b)) = done else { break };
            issued += unsigned(o);
            blacklisted += unsigned(b);
            if o < PURGE_BATCH {
                break;
            }
        }
        Ok(ChangeOutcome::Purged {
            issued,
            blacklisted,
        })
    }
}
