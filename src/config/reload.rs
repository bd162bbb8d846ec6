//! What a reload of the settings (SIGHUP) changes: the settings loaded
//! again are compared with those in force, setting by setting through the
//! one table ([`SETTINGS`]); the changes to live settings are taken up,
//! those to settings read only at start-up are kept out and reported as
//! needing a restart, so that the settings in force always say what the
//! server does.

use super::names::{Reload, Setting, SETTINGS};
use super::shown::Shown;
use super::Settings;

/// One setting whose value differs.
#[derive(Debug, Clone)]
pub struct Change {
    /// The setting.
    pub setting: &'static Setting,
    /// Its value in force.
    pub from: Shown,
    /// Its value as loaded now.
    pub to: Shown,
}

impl Change {
    /// `NAME old -> new`, file forms, secrets redacted.
    pub fn describe(&self) -> String {
        let name = self.setting.name;
        format!(
            "{name} {} -> {}",
            self.from.written(name, None),
            self.to.written(name, None)
        )
    }
}

/// The outcome of a reload.
#[derive(Debug, Clone)]
pub struct Reloaded {
    /// The settings in force from now on: the live settings as loaded,
    /// the others as they were.
    pub settings: Settings,
    /// The live settings that changed, now in force.
    pub applied: Vec<Change>,
    /// The settings that changed but are read only at start-up: not in
    /// force until a restart.
    pub needs_restart: Vec<Change>,
}

impl Settings {
    /// The settings whose values differ between `self` and `other`.
    pub fn differences<'a>(&'a self, other: &'a Settings) -> impl Iterator<Item = Change> + 'a {
        SETTINGS.iter().filter_map(move |setting| {
            let (from, to) = (setting.value(self), setting.value(other));
            (from != to).then_some(Change { setting, from, to })
        })
    }

    /// Takes up `loaded` as far as a running server can: its live
    /// settings, with every other setting kept as in `self`.
    pub fn reload(&self, loaded: Settings) -> Reloaded {
        let mut settings = loaded;
        let mut applied = Vec::new();
        let mut needs_restart = Vec::new();
        for change in self.differences(&settings).collect::<Vec<_>>() {
            match change.setting.reload {
                Reload::Live => applied.push(change),
                Reload::Restart => needs_restart.push(change),
            }
        }
        for change in &needs_restart {
            change.setting.copy(&mut settings, self);
        }
        Reloaded {
            settings,
            applied,
            needs_restart,
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::config::tests::load;

    #[test]
    fn live_changes_are_taken_up_and_the_others_kept_for_a_restart() {
        let before = load(&[("JWTD_WORKERS", "4")]).unwrap();
        let loaded = load(&[
            ("JWTD_WORKERS", "8"),
            ("JWTD_ACCESS_TOKEN_LIFETIME", "300"),
            ("JWTD_ALLOWED_HOSTS", "a.example"),
        ])
        .unwrap();
        let reloaded = before.reload(loaded);
        let names = |changes: &[super::Change]| -> Vec<&str> {
            changes.iter().map(|c| c.setting.name).collect()
        };
        assert_eq!(
            names(&reloaded.applied),
            ["ACCESS_TOKEN_LIFETIME", "ALLOWED_HOSTS"]
        );
        assert_eq!(names(&reloaded.needs_restart), ["WORKERS"]);
        assert_eq!(reloaded.needs_restart[0].describe(), "WORKERS 4 -> 8");
        assert_eq!(reloaded.settings.workers, 4, "kept until a restart");
        assert_eq!(reloaded.settings.access_token_lifetime, 300);
        assert_eq!(
            reloaded.settings.allowed_hosts,
            Some(vec!["a.example".to_owned()])
        );
        let again = reloaded.settings.reload(reloaded.settings.clone());
        assert!(again.applied.is_empty() && again.needs_restart.is_empty());
    }

    #[test]
    fn every_field_is_in_the_table() {
        // Each row reads and shows its own field: changing one setting
        // from its default changes exactly that row's value.
        let base = crate::config::Settings::default();
        for (name, value) in [
            ("JWTD_LEEWAY", "5"),
            ("JWTD_CONTROL_SOCKET", ""),
            ("JWTD_MAX_CONNECTIONS_PER_ADDRESS", "3"),
            ("JWTD_SHUTDOWN_TIMEOUT", "3"),
            ("JWTD_LOG_PROBES", "true"),
        ] {
            let other = load(&[(name, value)]).unwrap();
            let changed: Vec<_> = base.differences(&other).map(|c| c.setting.name).collect();
            assert_eq!(changed, [&name[5..]]);
        }
    }
}
