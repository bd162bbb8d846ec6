//! `jwtd serve`: its help, its parser, and the start of the server with
//! `--workers` over the `WORKERS` setting (which the service applies, at
//! start and at each reload).

use std::path::Path;

use super::arguments::Arguments;
use super::{unknown_command, CliError, Command, UsageError};
use crate::config::Loaded;
use crate::store::Address;

pub(super) const HELP: &str = "\
Run the server until SIGINT or SIGTERM, then finish requests in flight.
SIGHUP reloads the settings file, the environment as started, and the
signing key file: changes to live settings take effect at once, the
others are logged as needing a restart (`jwtd config` says which is which).

Usage: jwtd serve [--addr 127.0.0.1:8000] [--db jwtd.redb] [--workers N] [--config FILE]

Options:
  --addr ADDR      Address to listen on [default: 127.0.0.1:8000, env: JWTD_ADDR];
                   one that is not loopback needs ALLOWED_HOSTS, the Host names
                   answered (on loopback: .localhost, 127.0.0.1, [::1])
  --workers N      HTTP worker threads [default: WORKERS setting]
  --db PATH        Database: a redb file, or postgres://USER@HOST[:PORT]/DBNAME
                   [default: jwtd.redb, env: JWTD_DB]
  --config FILE    JSON settings file [env: JWTD_CONFIG]

Endpoints (SimpleJWT's first, with its paths, bodies and errors):
  POST   /api/token/              Log in: username and password for an access
                                  and a refresh token
  POST   /api/token/refresh/      A new access token (and, rotating, refresh)
  POST   /api/token/verify/       Whether a token is valid
  POST   /api/token/blacklist/    Log out: blacklist a refresh token
  GET    /api/protected/          An endpoint that needs an access token
  POST   /api/token/revoke-all/   Log the token's user out everywhere
  GET    /api/admin/users/        List users; POST creates one (superusers)
  GET    /api/admin/users/<int:pk>/
                                  One user; PATCH changes, DELETE deletes
  POST   /api/admin/users/<int:pk>/revoke/
                                  Log a user out everywhere (superusers)
  GET    /api/schema/             The OpenAPI document
  GET    /.well-known/jwks.json   The public keys (RFC 7517); empty for HMAC
  GET    /healthz                 200 while the database answers, else 503
  GET    /metrics                 Prometheus counters
  GET    /                        The learner's page (LEARNER_PAGE)
";

/// Parses `serve`.
pub(super) fn parse(words: &[&str], arguments: &Arguments) -> Result<Command, UsageError> {
    match words {
        ["serve"] => {
            arguments.allow_flags(&[])?;
            Ok(Command::Serve {
                addr: arguments
                    .addr
                    .clone()
                    .unwrap_or_else(|| "127.0.0.1:8000".into()),
                workers: arguments.workers,
            })
        }
        _ => Err(unknown_command(words)),
    }
}

/// Runs the server until it is stopped.
pub(super) fn run(
    loaded: Loaded,
    config: Option<&Path>,
    addr: &str,
    workers: Option<usize>,
    db: &Address,
) -> Result<u8, CliError> {
    let start = crate::service::Start {
        config,
        addr,
        db,
        workers,
    };
    crate::service::run(loaded, &start)
        .map(|()| 0)
        .map_err(CliError)
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_help_lists_every_route_with_its_main_method() {
        for route in &crate::api::routes::ROUTES {
            let method = route.allow.split(", ").next().unwrap_or_default();
            let line = super::HELP
                .lines()
                .find(|line| line.split_whitespace().nth(1) == Some(route.path));
            let line = line.unwrap_or_else(|| panic!("{} missing from serve --help", route.path));
            assert!(line.trim_start().starts_with(method), "{line}");
        }
    }

    use std::path::PathBuf;

    use super::*;
    use crate::cli::tests::parse_args;

    #[test]
    fn serve_defaults_and_options() {
        let inv = parse_args("serve").unwrap();
        assert_eq!(
            inv.command,
            Command::Serve {
                addr: "127.0.0.1:8000".into(),
                workers: None
            }
        );
        assert_eq!(inv.db.file(), Some(std::path::Path::new("jwtd.redb")));
        let inv = parse_args(
            "serve --addr 0.0.0.0:9000 --db=/var/lib/jwtd/db --workers 3 --config c.json",
        )
        .unwrap();
        assert_eq!(
            inv.command,
            Command::Serve {
                addr: "0.0.0.0:9000".into(),
                workers: Some(3)
            }
        );
        assert_eq!(
            inv.db.file(),
            Some(std::path::Path::new("/var/lib/jwtd/db"))
        );
        assert_eq!(inv.config, Some(PathBuf::from("c.json")));
    }
}
