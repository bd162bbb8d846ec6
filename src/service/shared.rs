//! Keeping a replica in step with a database other processes share
//! (PostgreSQL): a thread that looks at the signing keys every
//! [`KEY_CHECK_INTERVAL`] and takes up a rotation or a retirement made
//! elsewhere. Users and the blacklist need no thread: the store trusts
//! what it remembers of them for at most half a second.

use std::sync::{Arc, Weak};
use std::thread::{self, JoinHandle};
use std::time::Duration;

use crate::app::App;
use crate::log;

/// How often the keys are compared with the database's: a key rotated on
/// another replica signs here within this time.
pub const KEY_CHECK_INTERVAL: Duration = Duration::from_millis(250);

/// Starts the thread; it ends once the application is dropped.
pub fn follow(app: &Arc<App>) -> std::io::Result<JoinHandle<()>> {
    let app: Weak<App> = Arc::downgrade(app);
    thread::Builder::new()
        .name("jwtd-keys".into())
        .stack_size(128 * 1024)
        .spawn(move || {
            let mut failing = false;
            loop {
                thread::sleep(KEY_CHECK_INTERVAL);
                let Some(app) = app.upgrade() else { break };
                match app.auth.sync_keys() {
                    Ok(changed) => {
                        if changed {
                            log::info(&format!(
                                "signing keys changed in the database: current key {}",
                                app.auth.current_kid().unwrap_or_default()
                            ));
                        }
                        if failing {
                            log::info("signing keys readable again");
                        }
                        failing = false;
                    }
                    Err(e) if !failing => {
                        log::warn(&format!("cannot read the signing keys: {e}"));
                        failing = true;
                    }
                    Err(_) => {}
                }
            }
        })
}
