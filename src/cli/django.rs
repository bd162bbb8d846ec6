//! `jwtd user import-django` and `export-django`: users to and from the
//! output of Django's `manage.py dumpdata` (of `auth.user` or of a whole
//! project). An import is all of the file's users or none, and users
//! already present with the same id and username are left as they are, so
//! running it twice is safe.
//!
//! The work is [`import_dump`] and [`export_dump`], text in and text out,
//! so that a running server could do it too; the commands here only read
//! the file and print.

use std::io;
use std::path::Path;

use super::CliError;
use crate::auth::Accounts;
use crate::dumpdata::{self, DumpUser};
use crate::store::{NewUser, StoreError};

/// `user import-django`: all of the file's users or none.
pub(super) fn import(accounts: &Accounts, file: &Path) -> Result<u8, CliError> {
    let text = if file.as_os_str() == "-" {
        io::read_to_string(io::stdin())?
    } else {
        std::fs::read_to_string(file)
            .map_err(|e| CliError(format!("cannot read {}: {e}", file.display())))?
    };
    let report = import_dump(accounts, &text).map_err(|problem| {
        CliError(format!(
            "{}: {problem}; nothing was imported",
            file.display()
        ))
    })?;
    print!("{report}");
    Ok(0)
}

/// Imports the users of a dump's `text`: the report to show, or why
/// nothing was imported.
pub(crate) fn import_dump(accounts: &Accounts, text: &str) -> Result<String, String> {
    let dump = dumpdata::parse(text, accounts.now_micros()).map_err(|e| e.to_string())?;
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
    Ok(dumpdata::report(&dump, &added))
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
pub(super) fn export(accounts: &Accounts) -> Result<u8, CliError> {
    println!("{}", export_dump(accounts)?);
    Ok(0)
}

/// Every user, as `dumpdata auth.user` writes them (without a final
/// newline).
pub(crate) fn export_dump(accounts: &Accounts) -> Result<String, StoreError> {
    Ok(dumpdata::write(&accounts.all()?))
}
