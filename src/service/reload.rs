//! SIGHUP: the settings file and the environment read again, and the
//! signing key file. The live settings that changed take effect from the
//! next request on (the application's settings are replaced whole, see
//! `config::LiveSettings`); the others keep their values and are logged
//! as needing a restart; a changed key file becomes the signing key. No
//! connection is touched. A reload that fails is logged and changes
//! nothing: the server goes on as it was.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use super::Overrides;
use crate::app::App;
use crate::config::{Change, Settings};
use crate::files;
use crate::keys;
use crate::log;

/// What a reload needs of how the server was started.
#[derive(Debug)]
pub(super) struct Reloader {
    /// The settings file, if any.
    pub(super) config: Option<PathBuf>,
    /// `--workers` and the descriptor limit.
    pub(super) overrides: Overrides,
    /// Where the server listens (for the `ALLOWED_HOSTS` check).
    pub(super) local: SocketAddr,
}

/// `A 1 -> 2, B x -> y`.
fn list(changes: &[Change]) -> String {
    changes
        .iter()
        .map(Change::describe)
        .collect::<Vec<_>>()
        .join(", ")
}

impl Reloader {
    /// Reloads the settings and the key file into `app`, logging what
    /// changed. Never fails: a problem is logged and the server goes on.
    pub(super) fn reload(&self, app: &Arc<App>) {
        let from = match &self.config {
            Some(path) => format!("the settings file {} and the environment", path.display()),
            None => "the environment (no settings file)".into(),
        };
        log::info(&format!("SIGHUP received: reloading {from}"));
        let settings_changed = self.reload_settings(app);
        let key_changed = self.reload_key_file(app);
        if !settings_changed && !key_changed {
            log::info("settings reloaded: nothing changed");
        }
    }

    /// Whether any setting differed from those in force.
    fn reload_settings(&self, app: &App) -> bool {
        let mut loaded = match Settings::load(self.config.as_deref(), std::env::vars()) {
            Ok(loaded) => loaded,
            Err(e) => {
                log::warn(&format!(
                    "cannot reload the settings: {e}; the settings in force are kept"
                ));
                return false;
            }
        };
        for warning in &loaded.warnings {
            log::warn(warning);
        }
        self.overrides
            .apply(&mut loaded.settings, &mut loaded.sources);
        let in_force = app.settings();
        let reloaded = in_force.reload(loaded.settings);
        if reloaded.settings.allowed_hosts.is_none() && !self.local.ip().is_loopback() {
            log::warn(&format!(
                "not reloading the settings: ALLOWED_HOSTS would be unset while jwtd listens on \
                 {}, which is not loopback (see the start-up message); the settings in force are kept",
                self.local
            ));
            return false;
        }
        if !reloaded.applied.is_empty() {
            app.auth.apply_settings(Arc::new(reloaded.settings));
            log::info(&format!("settings reloaded: {}", list(&reloaded.applied)));
        }
        if !reloaded.needs_restart.is_empty() {
            log::warn(&format!(
                "settings changed that need a restart, kept as they were until then: {}",
                list(&reloaded.needs_restart)
            ));
        }
        !(reloaded.applied.is_empty() && reloaded.needs_restart.is_empty())
    }

    /// Reads the signing key file again, if the key comes from one.
    /// Whether the key changed.
    fn reload_key_file(&self, app: &App) -> bool {
        let Some(file) = keys::configured_file(&app.settings()) else {
            return false;
        };
        match files::exposure(&file) {
            Ok(None) => {}
            Ok(Some(exposure)) => {
                log::warn(&format!(
                    "not reloading the signing key file {path}: it is {exposure}; \
                     chmod 600 {path}; the key in force is kept",
                    path = file.display()
                ));
                return false;
            }
            Err(e) => {
                log::warn(&format!(
                    "cannot reload the signing key file {}: {e}; the key in force is kept",
                    file.display()
                ));
                return false;
            }
        }
        match app.auth.reload_configured_key() {
            Ok(true) => {
                log::info(&format!("signing key reloaded from {}", file.display()));
                true
            }
            Ok(false) => false,
            Err(e) => {
                log::warn(&format!(
                    "cannot reload the signing key: {e}; the key in force is kept"
                ));
                false
            }
        }
    }
}
