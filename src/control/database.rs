//! The database's upkeep: `jwtd flushexpiredtokens` (SimpleJWT's command,
//! which the server also runs every `PURGE_INTERVAL`) and `jwtd backup
//! PATH`, a consistent copy of the live database.

use std::path::Path;

use super::{Operator, Reply};

/// `flushexpiredtokens`: rows of refresh tokens expired (more than
/// `LEEWAY` ago, as the server keeps them) and their blacklist entries.
pub(super) fn flush_expired_tokens(operator: &Operator<'_>) -> Reply {
    match operator.accounts().flush_expired_tokens() {
        Ok((issued, blacklisted)) => {
            operator.log(&format!(
                "flushexpiredtokens: {issued} token row(s), {blacklisted} blacklist row(s)"
            ));
            Reply::done(format!(
                "Deleted {issued} expired refresh token(s) and {blacklisted} blacklist entr(ies).\n"
            ))
        }
        Err(e) => Reply::failed(e),
    }
}

/// `backup PATH`: users, tokens and keys as of one instant, in a new file
/// readable by its owner only.
pub(super) fn backup(operator: &Operator<'_>, path: &Path) -> Reply {
    match operator.accounts().backup(path) {
        Ok(copied) => {
            operator.log(&format!("backup written to {}", path.display()));
            Reply::done(format!(
                "Backed up {} user(s), {} refresh token(s) and {} signing key(s) to {} \
                 (mode 0600).\n",
                copied.users,
                copied.tokens,
                copied.keys,
                path.display()
            ))
        }
        Err(e) => Reply::failed(format!("no backup written: {e}")),
    }
}
