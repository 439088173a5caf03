//! `Env`: one snapshot of the process environment, taken once in `main` and passed down, so
//! every decision that depends on a variable is a pure function of this value (and tests
//! build one from pairs instead of mutating the real environment).

use std::ffi::{OsStr, OsString};
use std::path::PathBuf;

#[derive(Debug, Clone, Default)]
pub struct Env {
    vars: Vec<(OsString, OsString)>,
}

impl Env {
    pub fn from_process() -> Self {
        Self {
            vars: std::env::vars_os().collect(),
        }
    }

    #[cfg(test)]
    pub fn from_pairs<K: Into<OsString>, V: Into<OsString>>(
        pairs: impl IntoIterator<Item = (K, V)>,
    ) -> Self {
        Self {
            vars: pairs
                .into_iter()
                .map(|(k, v)| (k.into(), v.into()))
                .collect(),
        }
    }

    /// The variable's value if it is set, non-empty and UTF-8. The AWS tools treat an empty
    /// variable as unset; a non-UTF-8 AWS setting cannot be meaningful.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.get_os(key)
            .and_then(OsStr::to_str)
            .filter(|v| !v.is_empty())
    }

    /// The raw value of the first occurrence, as `getenv` sees it.
    pub fn get_os(&self, key: &str) -> Option<&OsStr> {
        self.vars
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_os_str())
    }

    /// `true`/`1`/`yes`/`on`, any case.
    pub fn flag(&self, key: &str) -> bool {
        self.get(key)
            .is_some_and(|v| matches!(v.to_ascii_lowercase().as_str(), "true" | "1" | "yes" | "on"))
    }

    pub fn vars(&self) -> &[(OsString, OsString)] {
        &self.vars
    }

    /// `~/...` for paths under the home directory, for messages.
    pub fn tilde(&self, p: &std::path::Path) -> String {
        let home = self.home_dir();
        match p.strip_prefix(&home) {
            Ok(rest) if home != std::path::Path::new("/") => format!("~/{}", rest.display()),
            _ => p.display().to_string(),
        }
    }

    /// `$HOME`, else the password database's entry, else `/`.
    pub fn home_dir(&self) -> PathBuf {
        match self.get_os("HOME").filter(|h| !h.is_empty()) {
            Some(h) => PathBuf::from(h),
            None => std::env::home_dir().unwrap_or_else(|| PathBuf::from("/")),
        }
    }
}
