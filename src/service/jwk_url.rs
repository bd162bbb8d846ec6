//! The thread that keeps `JWK_URL`'s key set fresh ([`crate::jwk_url`]):
//! a first fetch before the server answers anything, then one whenever
//! the set is due, each taken up whole by the next request.

use std::sync::{Arc, Weak};
use std::thread::{self, JoinHandle};

use crate::app::App;
use crate::jwk_url::JwkUrl;
use crate::log;

/// Fetches the set once, now (bounded by [`crate::jwk_url::FETCH_TIMEOUT`]);
/// a failure is logged and the server starts without the set's keys, which
/// the thread keeps trying to fetch.
pub fn first_fetch(app: &App, set: &JwkUrl) {
    match set.fetch() {
        Ok((ring, skipped)) => take_up(app, set, ring, &skipped),
        Err(why) => {
            app.auth.set_keyring(set.empty_ring());
            log::warn(&format!(
                "JWK_URL {}: {why}; tokens are refused until a fetch succeeds",
                set.shown()
            ));
        }
    }
}

/// Starts the thread; it ends once the application is dropped or the set
/// is stopped.
pub fn follow(app: &Arc<App>, set: Arc<JwkUrl>) -> std::io::Result<JoinHandle<()>> {
    let nudge = Arc::downgrade(&set);
    app.auth.on_unknown_key(Box::new(move || {
        if let Some(set) = nudge.upgrade() {
            set.unknown_kid();
        }
    }));
    let app: Weak<App> = Arc::downgrade(app);
    thread::Builder::new()
        .name("jwtd-jwks".into())
        .stack_size(256 * 1024)
        .spawn(move || {
            let mut failing = false;
            while set.wait_for_turn() {
                let result = set.fetch();
                let Some(app) = app.upgrade() else { break };
                match result {
                    Ok((ring, skipped)) => {
                        if failing {
                            log::info(&format!("JWK_URL {}: fetched again", set.shown()));
                        }
                        failing = false;
                        take_up(&app, &set, ring, &skipped);
                    }
                    Err(why) => {
                        if !failing {
                            log::warn(&format!(
                                "JWK_URL {}: {why}; the last keys fetched stay in use",
                                set.shown()
                            ));
                        }
                        failing = true;
                    }
                }
            }
        })
}

/// Puts `ring` in force, logging what changed.
fn take_up(app: &App, set: &JwkUrl, ring: crate::jwt::Keyring, skipped: &[String]) {
    let before: Vec<String> = app.auth.key_ids();
    let after: Vec<String> = ring.kids().map(str::to_owned).collect();
    app.auth.set_keyring(ring);
    if before != after {
        log::info(&format!(
            "JWK_URL {}: verifying with key(s) {}",
            set.shown(),
            if after.is_empty() {
                "(none)".to_owned()
            } else {
                after.join(", ")
            }
        ));
        for why in skipped {
            log::warn(&format!("JWK_URL {}: key left out: {why}", set.shown()));
        }
    }
}
