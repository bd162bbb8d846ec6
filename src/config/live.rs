//! The settings in force for a running server, which a reload (SIGHUP)
//! replaces whole. A reader takes one `Arc` of them, under a read lock
//! held only for the clone, and reads one consistent set for the rest of
//! its request; a reload's write waits for no request.

use std::sync::{Arc, RwLock};

use super::Settings;

/// The settings in force, replaceable while they are read.
#[derive(Debug)]
pub struct LiveSettings {
    current: RwLock<Arc<Settings>>,
}

impl LiveSettings {
    /// `settings` in force.
    pub fn new(settings: Arc<Settings>) -> LiveSettings {
        LiveSettings {
            current: RwLock::new(settings),
        }
    }

    /// The settings in force now.
    pub fn get(&self) -> Arc<Settings> {
        // A panic cannot leave half-written settings: they are replaced whole.
        self.current
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .clone()
    }

    /// Puts `settings` in force from the next [`LiveSettings::get`] on.
    pub fn replace(&self, settings: Arc<Settings>) {
        *self
            .current
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner()) = settings;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_reader_keeps_the_settings_it_took() {
        let live = LiveSettings::new(Arc::new(Settings::default()));
        let taken = live.get();
        live.replace(Arc::new(Settings {
            leeway: 7,
            ..Settings::default()
        }));
        assert_eq!(taken.leeway, 0);
        assert_eq!(live.get().leeway, 7);
    }
}
