//! `jwtd user import-django` and `export-django`: users to and from the
//! output of Django's `manage.py dumpdata auth.user`. An import is all of
//! the file or nothing, and users already present with the same id and
//! username are left as they are, so running it twice is safe.

use std::io;
use std::path::Path;

use super::CliError;
use crate::auth::Accounts;
use crate::dumpdata;
use crate::store::{NewUser, User};

/// `user import-django`: all of the file or nothing.
pub(super) fn import(accounts: &Accounts, file: &Path) -> Result<u8, CliError> {
    let text = if file.as_os_str() == "-" {
        io::read_to_string(io::stdin())?
    } else {
        std::fs::read_to_string(file)
            .map_err(|e| CliError(format!("cannot read {}: {e}", file.display())))?
    };
    let nothing = |problem: String| {
        CliError(format!(
            "{}: {problem}; nothing was imported",
            file.display()
        ))
    };
    let imported = dumpdata::parse(&text).map_err(|e| nothing(e.to_string()))?;
    let (fresh, present) = sort_out(accounts, &imported, nothing)?;
    let added = accounts
        .import(fresh)
        .map_err(|(i, e)| nothing(format!("user {i}: {e}")))?;
    report(&imported, &added, present);
    Ok(0)
}

/// The entries to add, and how many are present already; an entry that
/// repeats another or conflicts with a user in `store` refuses the whole
/// file, with the message `nothing` makes.
fn sort_out(
    accounts: &Accounts,
    imported: &[dumpdata::Imported],
    nothing: impl Fn(String) -> CliError,
) -> Result<(Vec<NewUser>, usize), CliError> {
    let mut fresh = Vec::new();
    let mut present = 0;
    for (i, entry) in imported.iter().enumerate() {
        let user = &entry.user;
        let earlier = &imported[..i];
        if let Some(j) = earlier
            .iter()
            .position(|e| e.user.id == user.id || e.user.username == user.username)
        {
            return Err(nothing(format!(
                "entry {} repeats the id or username of entry {}",
                i + 1,
                j + 1
            )));
        }
        match (
            accounts.user(user.id)?,
            accounts.user_by_name(&user.username)?,
        ) {
            (Some(a), Some(b)) if a.id == b.id => present += 1,
            (None, None) => fresh.push(NewUser {
                id: Some(user.id),
                user: user.clone(),
            }),
            (Some(holder), _) => {
                return Err(nothing(format!(
                    "entry {}: id {} already belongs to user {:?}",
                    i + 1,
                    user.id,
                    holder.username
                )))
            }
            (None, Some(holder)) => {
                return Err(nothing(format!(
                    "entry {}: user {:?} already exists with id {}",
                    i + 1,
                    user.username,
                    holder.id
                )))
            }
        }
    }
    Ok((fresh, present))
}

/// Prints what was imported, and which users cannot log in yet.
fn report(imported: &[dumpdata::Imported], added: &[User], present: usize) {
    println!(
        "Imported {} user(s); {present} already present and left unchanged.",
        added.len()
    );
    let unusable: Vec<&dumpdata::Imported> = imported
        .iter()
        .filter(|e| e.unusable.is_some() && added.iter().any(|a| a.id == e.user.id))
        .collect();
    if !unusable.is_empty() {
        println!(
            "{} user(s) were imported with an unusable password:",
            unusable.len()
        );
        for entry in unusable {
            println!(
                "  {} ({})",
                entry.user.username,
                entry.unusable.as_deref().unwrap_or("")
            );
        }
        println!("They cannot log in until you set a password: jwtd user passwd NAME");
    }
}

/// `user export-django`: every user, as `dumpdata auth.user` prints them.
pub(super) fn export(accounts: &Accounts) -> Result<u8, CliError> {
    println!("{}", dumpdata::write(&accounts.all()?));
    Ok(0)
}
