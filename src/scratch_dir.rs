//! The unit tests' temporary directories: one per test, named after it and
//! this process, empty when made and removed when dropped, so that a test
//! run leaves nothing behind in the system's temporary directory.

use std::path::{Path, PathBuf};

/// A directory of its own for one test, removed on drop.
pub(crate) struct ScratchDir(PathBuf);

impl ScratchDir {
    /// `$TMPDIR/jwtd-<name>-<pid>`, emptied first: `name` must be unique
    /// among the tests of the crate, which run in parallel.
    pub(crate) fn new(name: &str) -> ScratchDir {
        let dir = std::env::temp_dir().join(format!("jwtd-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("a temporary directory");
        ScratchDir(dir)
    }

    /// The path of `file` in this directory.
    pub(crate) fn join(&self, file: impl AsRef<Path>) -> PathBuf {
        self.0.join(file)
    }
}

impl Drop for ScratchDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}
