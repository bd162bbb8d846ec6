//! Test-only helper for `tests/interop/check.py`: reads a user's stored
//! password hash from a jwtd database, or adds a user with a given Django
//! hash and id, through jwtd's own `store` module (the code the `jwtd user`
//! commands use). The database must not be held by a running server.

use std::io::Read as _;
use std::path::PathBuf;
use std::process::ExitCode;

use jwtd::store::{NewUser, Store, User};

const USAGE: &str = "usage: jwtd-interop-dbtool get-hash --db PATH NAME\n       \
                     jwtd-interop-dbtool import --db PATH --id N NAME  (hash on stdin)";

fn main() -> ExitCode {
    match run(std::env::args().skip(1).collect()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("jwtd-interop-dbtool: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run(args: Vec<String>) -> Result<(), String> {
    let mut db: Option<PathBuf> = None;
    let mut id: Option<u64> = None;
    let mut words = Vec::new();
    let mut it = args.into_iter();
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "--db" => db = Some(it.next().ok_or(USAGE)?.into()),
            "--id" => {
                let n = it.next().ok_or(USAGE)?;
                id = Some(
                    n.parse()
                        .map_err(|_| format!("--id: not a number: {n:?}"))?,
                );
            }
            _ => words.push(arg),
        }
    }
    let db = db.ok_or(USAGE)?;
    let store =
        Store::open(&db, 4 << 20).map_err(|e| format!("cannot open {}: {e}", db.display()))?;
    match words.as_slice() {
        [cmd, name] if cmd == "get-hash" => {
            let user = store
                .user_by_name(name)
                .map_err(|e| e.to_string())?
                .ok_or_else(|| format!("no user named {name:?}"))?;
            println!("{}", user.password);
            Ok(())
        }
        [cmd, name] if cmd == "import" => {
            let mut hash = String::new();
            std::io::stdin()
                .read_to_string(&mut hash)
                .map_err(|e| e.to_string())?;
            let hash = hash.trim_end_matches(['\r', '\n']).to_owned();
            if hash.is_empty() {
                return Err("no hash on stdin".into());
            }
            let user = store
                .add_user(NewUser {
                    id,
                    user: User {
                        id: 0,
                        username: name.clone(),
                        password: hash,
                        is_active: true,
                        is_staff: false,
                        is_superuser: false,
                        date_joined: jwtd::time::now_micros(),
                        last_login: None,
                    },
                })
                .map_err(|e| e.to_string())?;
            println!("{}", user.id);
            Ok(())
        }
        _ => Err(USAGE.into()),
    }
}
