//! Where the harness finds the node binaries.

use std::ffi::OsString;
use std::path::PathBuf;

use crate::error::{Error, Result};

/// Environment variable naming the tool cache (default `~/.cache/trestle`); binaries are in its
/// `bin/`.
pub const CACHE_ENV: &str = "TRESTLE_CACHE";

/// The command that installs every tool the harness needs.
pub const SETUP_HINT: &str = "scripts/setup.sh";

/// A node binary the harness starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Tool {
    /// Foundry's anvil.
    Anvil,
    /// Agave's solana-test-validator.
    SolanaTestValidator,
}

impl Tool {
    /// The binary's file name.
    #[must_use]
    pub const fn binary_name(self) -> &'static str {
        match self {
            Self::Anvil => "anvil",
            Self::SolanaTestValidator => "solana-test-validator",
        }
    }

    /// The environment variable that overrides the binary's path.
    #[must_use]
    pub const fn env_var(self) -> &'static str {
        match self {
            Self::Anvil => "TRESTLE_ANVIL",
            Self::SolanaTestValidator => "TRESTLE_SOLANA_TEST_VALIDATOR",
        }
    }

    /// Finds the binary: the path in [`Tool::env_var`] when set, else
    /// `$TRESTLE_CACHE/bin/<name>`, else `$HOME/.cache/trestle/bin/<name>`.
    ///
    /// Does not search `PATH`: the tests run against the pinned versions that setup installs.
    ///
    /// # Errors
    /// [`Error::ToolNotFound`] (whose message says to run `scripts/setup.sh`) when that file
    /// does not exist.
    pub fn locate(self) -> Result<PathBuf> {
        self.resolve(
            std::env::var_os(self.env_var()),
            std::env::var_os(CACHE_ENV),
            std::env::var_os("HOME"),
        )
    }

    /// Checks that an explicitly given binary exists.
    pub(crate) fn check(self, path: PathBuf) -> Result<PathBuf> {
        if path.is_file() {
            Ok(path)
        } else {
            Err(self.not_found(path.display().to_string()))
        }
    }

    fn resolve(
        self,
        override_path: Option<OsString>,
        cache: Option<OsString>,
        home: Option<OsString>,
    ) -> Result<PathBuf> {
        let non_empty = |v: Option<OsString>| v.filter(|v| !v.is_empty());
        if let Some(path) = non_empty(override_path) {
            return self.check(PathBuf::from(path));
        }
        let cache = match (non_empty(cache), non_empty(home)) {
            (Some(cache), _) => PathBuf::from(cache),
            (None, Some(home)) => PathBuf::from(home).join(".cache").join("trestle"),
            (None, None) => {
                return Err(
                    self.not_found(format!("<unknown: neither {CACHE_ENV} nor HOME is set>"))
                );
            }
        };
        self.check(cache.join("bin").join(self.binary_name()))
    }

    fn not_found(self, path: String) -> Error {
        Error::ToolNotFound {
            tool: self.binary_name(),
            path,
            env: self.env_var(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn os(s: &str) -> Option<OsString> {
        Some(OsString::from(s))
    }

    #[test]
    fn override_wins_and_must_exist() {
        let err = Tool::Anvil
            .resolve(os("/nonexistent/anvil"), os("/tmp"), os("/root"))
            .unwrap_err();
        let msg = err.to_string();
        assert!(msg.contains("/nonexistent/anvil"), "{msg}");
        assert!(msg.contains("TRESTLE_ANVIL"), "{msg}");
        assert!(msg.contains("run `scripts/setup.sh`"), "{msg}");
    }

    #[test]
    fn cache_then_home() {
        let dir = tempfile::tempdir().unwrap();
        let bin = dir.path().join("bin");
        std::fs::create_dir_all(&bin).unwrap();
        std::fs::write(bin.join("solana-test-validator"), b"").unwrap();
        let cache = Some(dir.path().as_os_str().to_owned());
        let found = Tool::SolanaTestValidator
            .resolve(None, cache.clone(), os("/nowhere"))
            .unwrap();
        assert_eq!(found, bin.join("solana-test-validator"));
        // An empty override counts as unset.
        let found = Tool::SolanaTestValidator
            .resolve(os(""), cache, None)
            .unwrap();
        assert_eq!(found, bin.join("solana-test-validator"));

        let err = Tool::Anvil.resolve(None, None, os("/nowhere")).unwrap_err();
        assert!(
            err.to_string()
                .contains("/nowhere/.cache/trestle/bin/anvil"),
            "{err}"
        );
        let err = Tool::Anvil.resolve(None, None, None).unwrap_err();
        assert!(err.to_string().contains(SETUP_HINT), "{err}");
    }
}
