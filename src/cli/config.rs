//! `jwtd config`: every setting in force with its value, as it would be
//! written, and where it came from (default, the settings file, or
//! `JWTD_<NAME>`), secrets redacted; and where the signing key comes from,
//! never the key.

use std::path::Path;

use serde_json::{json, Value};

use super::arguments::Arguments;
use super::{unknown_command, CliError, Command, UsageError};
use crate::config::{is_secret, Reload, Settings, Shown, Source, REDACTED, SETTINGS};
use crate::keys;
use crate::store::Address;

pub(super) const HELP: &str = "\
Print every setting in force with its value and where it came from:
default, the settings file, or the environment (JWTD_<NAME>). Values are
written as in the settings file (JSON), or as in the variable for those
from the environment. Secrets are never shown; the signing key's source
is named, not the key. The last column says whether a running server
takes up a change on SIGHUP (live) or needs a restart.

Usage: jwtd config [--json] [--db PATH] [--config FILE]

Options:
  --json           Print the same as one JSON object
  --db PATH        Database: a redb file, or postgres://USER@HOST[:PORT]/DBNAME
                   [default: jwtd.redb, env: JWTD_DB]
  --config FILE    JSON settings file [env: JWTD_CONFIG]
";

/// Parses `config`.
pub(super) fn parse(words: &[&str], arguments: &Arguments) -> Result<Command, UsageError> {
    match words {
        ["config"] => {
            arguments.allow_flags(&["--json"])?;
            Ok(Command::Config {
                json: arguments.flag("--json"),
            })
        }
        _ => Err(unknown_command(words)),
    }
}

/// Loads the settings as `serve` would and prints them.
pub(super) fn run(config: Option<&Path>, db: &Address, json: bool) -> Result<u8, CliError> {
    let loaded = Settings::load(config, std::env::vars()).map_err(|e| CliError(e.to_string()))?;
    for warning in &loaded.warnings {
        eprintln!("jwtd: warning: {warning}");
    }
    let key = signing_key(&loaded.settings, db);
    let rows: Vec<Row> = SETTINGS
        .iter()
        .map(|setting| {
            let source = loaded.sources.of(setting.name);
            Row {
                name: setting.name,
                value: setting.value(&loaded.settings),
                written: setting
                    .value(&loaded.settings)
                    .written(setting.name, Some(source)),
                source,
                live: setting.reload == Reload::Live,
            }
        })
        .collect();
    if json {
        println!("{}", as_json(&rows, config, &key));
    } else {
        print!("{}", as_text(&rows, config, &key));
    }
    Ok(0)
}

/// One setting as printed.
struct Row<'a> {
    name: &'static str,
    value: Shown,
    written: String,
    source: &'a Source,
    live: bool,
}

/// Where the signing key comes from.
fn signing_key(settings: &Settings, db: &Address) -> String {
    keys::configured_source(settings)
        .unwrap_or_else(|| format!("the database {db} (generated there; `jwtd key` rotates it)"))
}

fn as_text(rows: &[Row<'_>], config: Option<&Path>, key: &str) -> String {
    let mut out = format!(
        "settings file: {}\n\n",
        config.map_or("none (--config or JWTD_CONFIG names one)".into(), |path| {
            path.display().to_string()
        })
    );
    let width = rows
        .iter()
        .map(|r| r.written.len())
        .max()
        .unwrap_or(0)
        .min(24);
    out.push_str(&format!(
        "{:<28} {:<width$}  {:<7}  SOURCE\n",
        "SETTING", "VALUE", "RELOAD"
    ));
    for row in rows {
        out.push_str(&format!(
            "{:<28} {:<width$}  {:<7}  {}\n",
            row.name,
            row.written,
            if row.live { "live" } else { "restart" },
            row.source,
        ));
    }
    out.push_str(&format!("\nsigning key: from {key}; not shown\n"));
    out
}

fn as_json(rows: &[Row<'_>], config: Option<&Path>, key: &str) -> Value {
    let settings: Vec<Value> = rows
        .iter()
        .map(|row| {
            let value = match &row.value {
                _ if row.written == REDACTED && is_secret(row.name) => Value::from(REDACTED),
                Shown::Value(value) => value.clone(),
                Shown::Unset(_) => Value::Null,
            };
            let mut entry = json!({
                "name": row.name,
                "value": value,
                "source": row.source.label(),
                "reload": if row.live { "live" } else { "restart" },
            });
            if let Shown::Unset(meaning) = &row.value {
                entry["unset"] = Value::from(*meaning);
            }
            if let Source::File(path) = row.source {
                entry["file"] = Value::from(path.to_string_lossy());
            }
            entry
        })
        .collect();
    json!({
        "config_file": config.map(|path| path.to_string_lossy()),
        "settings": settings,
        "signing_key": key,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cli::tests::parse_args;

    #[test]
    fn config_takes_json_and_nothing_else() {
        assert_eq!(
            parse_args("config").unwrap().command,
            Command::Config { json: false }
        );
        assert_eq!(
            parse_args("config --json").unwrap().command,
            Command::Config { json: true }
        );
        assert_eq!(
            parse_args("config --help").unwrap().command,
            Command::Help(HELP)
        );
        assert!(parse_args("config extra").is_err());
        assert!(parse_args("config --superuser").is_err());
    }
}
