//! `jwtd user import-django`: the dump read here (a file, or standard
//! input), then imported where the database is. `export-django` needs
//! nothing read and is a plain [`ControlCommand`].
//!
//! [`ControlCommand`]: crate::control::ControlCommand

use std::io::{self, Read as _};
use std::path::Path;

use super::{session, CliError, Creates};
use crate::config::Settings;
use crate::control::{ControlCommand, Secret};
use crate::store::Address;

/// The largest dump read: the control socket's limit on a request.
const MAX_DUMP: u64 = 60 << 20;

/// `user import-django FILE`.
pub(super) fn import(settings: &Settings, db: &Address, file: &Path) -> Result<u8, CliError> {
    let (mut input, source): (Box<dyn io::Read>, _) = if file.as_os_str() == "-" {
        (Box::new(io::stdin()), "standard input".to_owned())
    } else {
        let opened = std::fs::File::open(file)
            .map_err(|e| CliError(format!("cannot read {}: {e}", file.display())))?;
        (Box::new(opened), file.display().to_string())
    };
    let mut dump = String::new();
    input
        .by_ref()
        .take(MAX_DUMP + 1)
        .read_to_string(&mut dump)
        .map_err(|e| CliError(format!("cannot read {source}: {e}")))?;
    if dump.len() as u64 > MAX_DUMP {
        return Err(CliError(format!(
            "{source} is larger than {} MiB; split the dump",
            MAX_DUMP >> 20
        )));
    }
    let command = ControlCommand::ImportDjango {
        dump: Secret(dump),
        source,
    };
    session::run(&command, settings, db, Creates::Yes)
}
