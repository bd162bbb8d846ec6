//! `jwtd user import-django` and `export-django` on the database: users to
//! and from the output of Django's `manage.py dumpdata`. An import is all
//! of the dump or nothing, and users already present with the same id and
//! username are left as they are, so running it twice is safe. The command
//! line reads the file; the dump's text arrives here.

use super::{Operator, Reply};
use crate::auth::Accounts;
use crate::dumpdata;
use crate::store::{NewUser, User};

/// `user import-django`: all of the dump or nothing; `source` names it.
pub(super) fn import(operator: &Operator<'_>, dump: &str, source: &str) -> Reply {
    let nothing =
        |problem: String| Reply::failed(format!("{source}: {problem}; nothing was imported"));
    let imported = match dumpdata::parse(dump) {
        Ok(imported) => imported,
        Err(e) => return nothing(e.to_string()),
    };
    let accounts = operator.accounts();
    let (fresh, present) = match sort_out(accounts, &imported) {
        Ok(sorted) => sorted,
        Err(problem) => return nothing(problem),
    };
    let added = match accounts.import(fresh) {
        Ok(added) => added,
        Err((i, e)) => return nothing(format!("user {i}: {e}")),
    };
    operator.log(&format!(
        "imported {} user(s) from a Django dump",
        added.len()
    ));
    Reply::done(report(&imported, &added, present))
}

/// The entries to add, and how many are present already; an entry that
/// repeats another or conflicts with a user refuses the whole dump.
fn sort_out(
    accounts: &Accounts,
    imported: &[dumpdata::Imported],
) -> Result<(Vec<NewUser>, usize), String> {
    let mut fresh = Vec::new();
    let mut present = 0;
    for (i, entry) in imported.iter().enumerate() {
        let user = &entry.user;
        let earlier = &imported[..i];
        if let Some(j) = earlier
            .iter()
            .position(|e| e.user.id == user.id || e.user.username == user.username)
        {
            return Err(format!(
                "entry {} repeats the id or username of entry {}",
                i + 1,
                j + 1
            ));
        }
        let by_id = accounts.user(user.id).map_err(|e| e.to_string())?;
        let by_name = accounts
            .user_by_name(&user.username)
            .map_err(|e| e.to_string())?;
        match (by_id, by_name) {
            (Some(a), Some(b)) if a.id == b.id => present += 1,
            (None, None) => fresh.push(NewUser {
                id: Some(user.id),
                user: user.clone(),
            }),
            (Some(holder), _) => {
                return Err(format!(
                    "entry {}: id {} already belongs to user {:?}",
                    i + 1,
                    user.id,
                    holder.username
                ))
            }
            (None, Some(holder)) => {
                return Err(format!(
                    "entry {}: user {:?} already exists with id {}",
                    i + 1,
                    user.username,
                    holder.id
                ))
            }
        }
    }
    Ok((fresh, present))
}

/// What was imported, and which users cannot log in yet.
fn report(imported: &[dumpdata::Imported], added: &[User], present: usize) -> String {
    let mut out = format!(
        "Imported {} user(s); {present} already present and left unchanged.\n",
        added.len()
    );
    let unusable: Vec<&dumpdata::Imported> = imported
        .iter()
        .filter(|e| e.unusable.is_some() && added.iter().any(|a| a.id == e.user.id))
        .collect();
    if !unusable.is_empty() {
        out.push_str(&format!(
            "{} user(s) were imported with an unusable password:\n",
            unusable.len()
        ));
        for entry in unusable {
            out.push_str(&format!(
                "  {} ({})\n",
                entry.user.username,
                entry.unusable.as_deref().unwrap_or("")
            ));
        }
        out.push_str("They cannot log in until you set a password: jwtd user passwd NAME\n");
    }
    out
}

/// `user export-django`: every user, as `dumpdata auth.user` prints them.
pub(super) fn export(operator: &Operator<'_>) -> Reply {
    match operator.accounts().all() {
        Ok(users) => Reply::done(format!("{}\n", dumpdata::write(&users))),
        Err(e) => Reply::failed(e),
    }
}
