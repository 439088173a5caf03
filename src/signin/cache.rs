//! `aws login` sessions' cache files, shared with the AWS CLI and every SDK that resolves
//! `login_session` profiles: `<dir>/<sha256 hex of the login_session value>.json`, where
//! `dir` is `AWS_LOGIN_CACHE_DIRECTORY` (with `~` and `$VAR` expanded, as botocore does) or
//! `~/.aws/login/cache`. The file holds the session's current credentials (`accessToken`),
//! its rotating `refreshToken`, its `clientId`, its `idToken` and the `dpopKey` every
//! refresh is signed with. A rewrite keeps the AWS CLI's field order and every field ssox
//! does not know; it is atomic and 0600.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use sha2::Digest;

use crate::credentials::Credentials;
use crate::env::Env;
use crate::secret::Secret;
use crate::timefmt::{self, Timestamp};

/// Cached credentials are reused while more than this is left (the SDKs' refresh
/// threshold); a refresh brings at most 15 minutes.
pub const REUSE_WINDOW: i64 = 5 * 60;
/// The longest a session's credentials last (CreateOAuth2Token's `expiresIn` maximum).
pub const LONGEST: i64 = 15 * 60;

/// The login cache directory.
pub fn cache_dir(env: &Env) -> PathBuf {
    match env
        .get("AWS_LOGIN_CACHE_DIRECTORY")
        .filter(|d| !d.is_empty())
    {
        Some(dir) => expand(env, dir),
        None => env.home_dir().join(".aws").join("login").join("cache"),
    }
}

/// `$VAR`, `${VAR}` and a leading `~`, as Python's `expandvars` and `expanduser` (unset
/// variables stay as written).
fn expand(env: &Env, dir: &str) -> PathBuf {
    let mut out = String::new();
    let mut rest = dir;
    while let Some(i) = rest.find('$') {
        out.push_str(&rest[..i]);
        let after = &rest[i + 1..];
        let (name, tail) = if let Some(inner) = after.strip_prefix('{') {
            match inner.find('}') {
                Some(j) => (&inner[..j], &inner[j + 1..]),
                None => ("", after),
            }
        } else {
            let end = after
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .unwrap_or(after.len());
            (&after[..end], &after[end..])
        };
        match env.get(name).filter(|_| !name.is_empty()) {
            Some(v) => out.push_str(v),
            None => out.push_str(&rest[i..rest.len() - tail.len()]),
        }
        rest = tail;
    }
    out.push_str(rest);
    if out == "~" {
        return env.home_dir();
    }
    match out.strip_prefix("~/") {
        Some(tail) => env.home_dir().join(tail),
        None => PathBuf::from(out),
    }
}

pub fn file_name(session: &str) -> String {
    format!(
        "{}.json",
        crate::fsutil::hex(&sha2::Sha256::digest(session.as_bytes()))
    )
}

pub fn path(env: &Env, session: &str) -> PathBuf {
    cache_dir(env).join(file_name(session))
}

/// The credentials part of a cache file.
#[derive(Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AccessToken {
    pub access_key_id: Secret,
    pub secret_access_key: Secret,
    pub session_token: Secret,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account_id: Option<String>,
    pub expires_at: String,
    #[serde(flatten)]
    pub extra: serde_json::Map<String, serde_json::Value>,
}

/// One cache file. Field order is the AWS CLI's, so a rewrite looks like its own; every
/// field is optional here so that a file missing one is named, not called corrupt.
#[derive(Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LoginFile {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub access_token: Option<AccessToken>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token_type: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refresh_token: Option<Secret>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id_token: Option<Secret>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dpop_key: Option<Secret>,
    /// Keys written by other tools (`signInRegion`, say), kept on rewrite.
    #[serde(flatten)]
    pub extra: serde_json::Map<String, serde_json::Value>,
}

impl std::fmt::Debug for LoginFile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LoginFile")
            .field("client_id", &self.client_id)
            .field("expires_at", &self.expires_at())
            .finish_non_exhaustive()
    }
}

impl LoginFile {
    /// The fields without which the file is no usable login, in the SDKs' words.
    pub fn missing(&self) -> Vec<&'static str> {
        let mut missing = Vec::new();
        if self.access_token.is_none() {
            missing.push("accessToken");
        }
        if self.refresh_token.as_ref().is_none_or(Secret::is_empty) {
            missing.push("refreshToken");
        }
        if self.client_id.as_deref().is_none_or(str::is_empty) {
            missing.push("clientId");
        }
        if self.dpop_key.as_ref().is_none_or(Secret::is_empty) {
            missing.push("dpopKey");
        }
        missing
    }

    pub fn expires_at(&self) -> Option<Timestamp> {
        timefmt::parse_rfc3339(&self.access_token.as_ref()?.expires_at)
    }

    /// The region the session signed in at, where a newer AWS CLI recorded it.
    pub fn sign_in_region(&self) -> Option<&str> {
        self.extra
            .get("signInRegion")
            .and_then(serde_json::Value::as_str)
            .filter(|r| crate::config::region::is_region(r))
    }

    pub fn credentials(&self) -> Option<Credentials> {
        let t = self.access_token.as_ref()?;
        Some(Credentials {
            access_key_id: t.access_key_id.clone(),
            secret_access_key: t.secret_access_key.clone(),
            session_token: Some(t.session_token.clone()),
            expiration: self.expires_at(),
            account_id: t
                .account_id
                .clone()
                .filter(|a| crate::config::generate::is_account_id(a)),
        })
    }

    /// The bytes the AWS CLI would write for this file.
    pub fn to_cli_json(&self) -> serde_json::Result<Vec<u8>> {
        crate::pyjson::dumps(self)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum FileError {
    #[error("cannot read the login cache file {}: {source}", path.display())]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("the login cache file {} is not valid ({reason})", path.display())]
    Corrupt { path: PathBuf, reason: String },
}

/// Reads a cache file; `Ok(None)` when there is none.
pub fn read(path: &Path) -> Result<Option<LoginFile>, FileError> {
    let read = crate::fsutil::read_if_exists(path, crate::fsutil::MAX_SMALL);
    let Some(bytes) = read.map_err(|source| FileError::Read {
        path: path.to_path_buf(),
        source,
    })?
    else {
        return Ok(None);
    };
    serde_json::from_slice(&bytes)
        .map(Some)
        .map_err(|e| FileError::Corrupt {
            path: path.to_path_buf(),
            reason: crate::fsutil::json_error_reason(&e),
        })
}

/// Writes a cache file atomically, 0600.
pub fn write(path: &Path, file: &LoginFile) -> std::io::Result<()> {
    let bytes = file.to_cli_json().map_err(std::io::Error::other)?;
    crate::fsutil::write_atomic(path, &bytes, false).map(drop)
}

/// A session's cache as the next run sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LoginState {
    /// No cache file: `aws login` (or `ssox login`) has not run for this session here.
    Missing,
    /// A file that cannot be used (unreadable, not JSON, missing fields, a bad key).
    Unusable { reason: String },
    /// Credentials that last at least as long as asked.
    Valid { expires_at: Timestamp },
    /// Credentials that are expired or about to be: the refresh token renews them.
    Refresh { expires_at: Option<Timestamp> },
}

impl LoginState {
    /// The state of `file` (as read from `path`) for credentials needed for `need` seconds.
    pub fn classify(
        read: &Result<Option<LoginFile>, FileError>,
        need: i64,
        now: Timestamp,
    ) -> Self {
        let file = match read {
            Ok(None) => return Self::Missing,
            Err(e) => {
                return Self::Unusable {
                    reason: e.to_string(),
                };
            }
            Ok(Some(f)) => f,
        };
        let missing = file.missing();
        if !missing.is_empty() {
            return Self::Unusable {
                reason: format!("it has no {}", missing.join(", ")),
            };
        }
        match file.expires_at() {
            Some(e) if e - now >= need => Self::Valid { expires_at: e },
            other => Self::Refresh { expires_at: other },
        }
    }

    /// What `doctor` and `profiles` say about it.
    pub fn summary(&self, now: Timestamp) -> String {
        match self {
            Self::Missing => "not signed in here (no login cache)".into(),
            Self::Unusable { reason } => format!("unusable login cache: {reason}"),
            Self::Valid { expires_at } => format!(
                "credentials valid for {}",
                timefmt::human_duration(expires_at - now)
            ),
            Self::Refresh {
                expires_at: Some(e),
            } if *e > now => format!(
                "credentials valid for {}; the next run refreshes them",
                timefmt::human_duration(e - now)
            ),
            Self::Refresh { .. } => "credentials expired; the next run refreshes them".into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const CLI_FILE: &str = r#"{"accessToken": {"accessKeyId": "AKIA", "secretAccessKey": "sk", "sessionToken": "st", "accountId": "123456789012", "expiresAt": "2026-12-04T12:15:00Z"}, "tokenType": "aws_sigv4", "clientId": "arn:aws:signin:::devtools/same-device", "refreshToken": "rt", "idToken": "a.b.c", "dpopKey": "-----BEGIN EC PRIVATE KEY-----\nx\n-----END EC PRIVATE KEY-----\n"}"#;

    #[test]
    fn file_names_are_the_sha256_of_the_session_as_botocore_computes_them() {
        assert_eq!(
            file_name("arn:aws:iam::123456789012:user/dev"),
            "893f13863f68a08133e541260597f1d60f5bf9b326625782990032cbad201e26.json"
        );
    }

    #[test]
    fn the_cache_directory_follows_aws_login_cache_directory_with_python_expansion() {
        let env = Env::from_pairs([("HOME", "/h"), ("BASE", "/b")]);
        assert_eq!(cache_dir(&env), PathBuf::from("/h/.aws/login/cache"));
        let with = |v: &str| {
            cache_dir(&Env::from_pairs([
                ("HOME", "/h"),
                ("BASE", "/b"),
                ("AWS_LOGIN_CACHE_DIRECTORY", v),
            ]))
        };
        assert_eq!(with("~/x"), PathBuf::from("/h/x"));
        assert_eq!(with("$BASE/x"), PathBuf::from("/b/x"));
        assert_eq!(with("${BASE}/y"), PathBuf::from("/b/y"));
        assert_eq!(with("$NOPE/z"), PathBuf::from("$NOPE/z"));
    }

    #[test]
    fn a_cli_file_rewrites_byte_for_byte_and_hides_its_secrets() {
        let f: LoginFile = serde_json::from_str(CLI_FILE).unwrap();
        assert!(f.missing().is_empty());
        assert_eq!(
            String::from_utf8(f.to_cli_json().unwrap()).unwrap(),
            CLI_FILE
        );
        let debug = format!("{f:?}");
        assert!(!debug.contains("sk") && !debug.contains("rt") && !debug.contains("AKIA"));
        let c = f.credentials().unwrap();
        assert_eq!(c.account_id.as_deref(), Some("123456789012"));
        assert_eq!(c.expiration, timefmt::parse_rfc3339("2026-12-04T12:15:00Z"));
    }

    #[test]
    fn states_follow_the_five_minute_rule_and_name_what_is_missing() {
        let f: LoginFile = serde_json::from_str(CLI_FILE).unwrap();
        let exp = f.expires_at().unwrap();
        let read = Ok(Some(f.clone()));
        assert_eq!(
            LoginState::classify(&read, REUSE_WINDOW, exp - 301),
            LoginState::Valid { expires_at: exp }
        );
        assert_eq!(
            LoginState::classify(&read, REUSE_WINDOW, exp - 299),
            LoginState::Refresh {
                expires_at: Some(exp)
            }
        );
        assert_eq!(LoginState::classify(&Ok(None), 0, 0), LoginState::Missing);
        let mut broken = f;
        broken.dpop_key = None;
        broken.client_id = None;
        let LoginState::Unusable { reason } = LoginState::classify(&Ok(Some(broken)), 0, 0) else {
            panic!()
        };
        assert_eq!(reason, "it has no clientId, dpopKey");
    }
}
