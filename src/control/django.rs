//! `jwtd user import-django` and `export-django` on the database: users to
//! and from the output of Django's `manage.py dumpdata` (of `auth.user` or
//! of a whole project). An import is all of the dump's users or none, and
//! users already present with the same id and username are left as they
//! are, so running it twice is safe. The command line reads the file; the
//! dump's text arrives here.

use super::{Operator, Reply};
use crate::auth::Accounts;
use crate::dumpdata::{self, DumpUser};
use crate::store::{NewUser, StoreError};

/// `user import-django`: all of the dump's users or none; `source` names
/// the dump in the refusal.
pub(super) fn import(operator: &Operator<'_>, dump: &str, source: &str) -> Reply {
    match import_dump(operator.accounts(), dump) {
        Ok((report, added)) => {
            operator.log(&format!("imported {added} user(s) from a Django dump"));
            Reply::done(report)
        }
        Err(problem) => Reply::failed(format!("{source}: {problem}; nothing was imported")),
    }
}

/// Imports the users of a dump's `text`: the report and the number of
/// users added, or why nothing was imported.
fn import_dump(accounts: &Accounts, text: &str) -> Result<(String, usize), String> {
    let dump = dumpdata::parse(text, accounts.now_micros()).map_err(|e| e.to_string())?;
    if accounts.emails_are_unique() {
        let existing = accounts.all().map_err(|e| e.to_string())?;
        if let Some(entry) = dumpdata::duplicate_email(&dump, &existing) {
            return Err(format!(
                "entry {}: email {:?} taken (USERNAME_FIELD email)",
                entry.entry + 1,
                entry.user.email
            ));
        }
    }
    let fresh = sort_out(accounts, &dump.users)?;
    let ids: Vec<Option<u64>> = fresh.iter().map(|u| u.id).collect();
    let added = accounts.import(fresh).map_err(|(i, e)| {
        // A user who came meanwhile: the entry is named as `sort_out` does.
        match dump
            .users
            .iter()
            .find(|u| Some(u.user.id) == ids.get(i).copied().flatten())
        {
            Some(u) => format!("entry {}: {e}", u.entry + 1),
            None => e.to_string(),
        }
    })?;
    Ok((dumpdata::report(&dump, &added), added.len()))
}

/// The users to add; the others are present already. A user that repeats
/// another or conflicts with one in the store refuses the whole dump.
fn sort_out(accounts: &Accounts, users: &[DumpUser]) -> Result<Vec<NewUser>, String> {
    let store = |e: StoreError| e.to_string();
    let mut fresh = Vec::new();
    for (i, entry) in users.iter().enumerate() {
        let (n, user) = (entry.entry + 1, &entry.user);
        if let Some(earlier) = users[..i]
            .iter()
            .find(|e| e.user.id == user.id || e.user.username == user.username)
        {
            return Err(format!(
                "entry {n} repeats the id or username of entry {}",
                earlier.entry + 1
            ));
        }
        match (
            accounts.user(user.id).map_err(store)?,
            accounts.user_by_name(&user.username).map_err(store)?,
        ) {
            (Some(a), Some(b)) if a.id == b.id => {}
            (None, None) => fresh.push(NewUser {
                id: Some(user.id),
                user: user.clone(),
            }),
            (Some(holder), _) => {
                return Err(format!(
                    "entry {n}: id {} already belongs to user {:?}",
                    user.id, holder.username
                ))
            }
            (None, Some(holder)) => {
                return Err(format!(
                    "entry {n}: user {:?} already exists with id {}",
                    user.username, holder.id
                ))
            }
        }
    }
    Ok(fresh)
}

/// `user export-django`: every user, as `dumpdata auth.user` prints them.
pub(super) fn export(operator: &Operator<'_>) -> Reply {
    match operator.accounts().all() {
        Ok(users) => Reply::done(format!("{}\n", dumpdata::write(&users))),
        Err(e) => Reply::failed(e),
    }
}
