//! The SSO token cache, `~/.aws/sso/cache/<sha1>.json`, in the AWS CLI v2's format
//! (aws-formats.md §1): which file holds a session's token, what is in it, and whether it is
//! usable. Tokens `aws sso login` wrote are read as they are; unknown keys are kept.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::secret::Secret;
use crate::timefmt::{self, Timestamp};

/// The file name the AWS CLI uses for a token: sha1 of the session name (or of the legacy
/// profile's start URL, byte for byte) in lowercase hex.
pub fn token_file_name(cache_input: &str) -> String {
    format!("{}.json", sha1_smol::Sha1::from(cache_input).hexdigest())
}

pub fn token_path(cache_dir: &Path, cache_input: &str) -> PathBuf {
    cache_dir.join(token_file_name(cache_input))
}

/// One cached token. Field order is the AWS CLI's, so a rewrite looks like its own.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CachedToken {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start_url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    pub access_token: Secret,
    pub expires_at: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_secret: Option<Secret>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub registration_expires_at: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refresh_token: Option<Secret>,
    /// Keys written by other tools, kept on rewrite.
    #[serde(flatten)]
    pub extra: serde_json::Map<String, serde_json::Value>,
}

impl CachedToken {
    pub fn expires_at(&self) -> Option<Timestamp> {
        timefmt::parse_rfc3339(&self.expires_at)
    }

    /// Whether the token has at least `window` seconds left at `now`; an unreadable date
    /// counts as expired.
    pub fn lasts(&self, now: Timestamp, window: i64) -> bool {
        self.expires_at().is_some_and(|e| e - now >= window) && !self.access_token.is_empty()
    }
}

impl CachedToken {
    /// The bytes the AWS CLI would write for this token.
    pub fn to_cli_json(&self) -> Vec<u8> {
        // Serializing plain strings and maps cannot fail.
        crate::pyjson::dumps(self).unwrap_or_default()
    }

    /// Whether a refresh could work: a refresh token and a live client registration.
    pub fn can_refresh(&self, now: Timestamp) -> bool {
        self.refresh_token.as_ref().is_some_and(|r| !r.is_empty())
            && self.client_id.is_some()
            && self.client_secret.is_some()
            && self
                .registration_expires_at
                .as_deref()
                .and_then(timefmt::parse_rfc3339)
                .is_some_and(|e| e > now)
    }
}

/// Writes a token atomically, 0600, in the AWS CLI's format.
pub fn write(path: &Path, token: &CachedToken) -> std::io::Result<()> {
    crate::fsutil::write_atomic(path, &token.to_cli_json(), false).map(drop)
}

/// The sidecar lock that serialises refreshes and logins of one token.
pub fn lock_path(token_path: &Path) -> PathBuf {
    token_path.with_extension("lock")
}

/// A cached client registration (aws-formats.md §1.4), shared with the AWS CLI.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Registration {
    pub client_id: String,
    pub client_secret: Secret,
    pub expires_at: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scopes: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub grant_types: Option<Vec<String>>,
    #[serde(flatten)]
    pub extra: serde_json::Map<String, serde_json::Value>,
}

/// The AWS CLI refuses registrations within 15 minutes of expiry.
pub const REGISTRATION_WINDOW: i64 = 15 * 60;

impl Registration {
    /// Reusable for this flow: not expiring within the window, and registered for the grant
    /// (PKCE needs `authorization_code`; the device flow must not use such a registration).
    pub fn usable(&self, now: Timestamp, pkce: bool) -> bool {
        let fresh =
            timefmt::parse_rfc3339(&self.expires_at).is_some_and(|e| e - now > REGISTRATION_WINDOW);
        let for_auth_code = self
            .grant_types
            .as_ref()
            .is_some_and(|g| g.iter().any(|t| t == "authorization_code"));
        fresh && for_auth_code == pkce
    }
}

/// The registration cache file name, as the AWS CLI computes it: sha1 of a sorted-keys JSON.
pub fn registration_file_name(
    start_url: &str,
    region: &str,
    scopes: Option<&[String]>,
    session_name: Option<&str>,
) -> String {
    #[derive(Serialize)]
    struct Key<'a> {
        region: &'a str,
        scopes: Option<&'a [String]>,
        session_name: Option<&'a str>,
        #[serde(rename = "startUrl")]
        start_url: &'a str,
        tool: &'a str,
    }
    let key = Key {
        region,
        scopes,
        session_name,
        start_url,
        tool: "botocore",
    };
    let bytes = crate::pyjson::dumps(&key).unwrap_or_default();
    format!("{}.json", sha1_smol::Sha1::from(bytes).hexdigest())
}

pub fn read_registration(path: &Path) -> Option<Registration> {
    // A missing or unreadable registration just means we register again.
    serde_json::from_slice(&std::fs::read(path).ok()?).ok()
}

pub fn write_registration(path: &Path, reg: &Registration) -> std::io::Result<()> {
    let bytes = crate::pyjson::dumps(reg).map_err(std::io::Error::other)?;
    crate::fsutil::write_atomic(path, &bytes, false).map(drop)
}

#[derive(Debug, thiserror::Error)]
pub enum TokenFileError {
    #[error("cannot read the SSO token cache file {}: {source}", path.display())]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("the SSO token cache file {} is not a valid token ({reason})", path.display())]
    Corrupt { path: PathBuf, reason: String },
}

/// Reads a token file; `Ok(None)` when there is none.
pub fn read(path: &Path) -> Result<Option<CachedToken>, TokenFileError> {
    let bytes = match std::fs::read(path) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(source) => {
            return Err(TokenFileError::Read {
                path: path.to_path_buf(),
                source,
            });
        }
    };
    serde_json::from_slice(&bytes)
        .map(Some)
        .map_err(|e| TokenFileError::Corrupt {
            path: path.to_path_buf(),
            reason: crate::fsutil::json_error_reason(&e),
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_match_the_aws_cli() {
        assert_eq!(
            token_file_name("dev"),
            "34c6fceca75e456f25e7e99531e2425c6c1de443.json"
        );
        assert_eq!(
            token_file_name("my-sso"),
            "0ad374308c5a4e22f723adf10145eafad7c4031c.json"
        );
        assert_eq!(
            token_file_name("https://d-abc123.awsapps.com/start"),
            "40a89917e3175433e361b710a9d43528d7f1890a.json"
        );
    }

    #[test]
    fn reads_the_cli_format_and_keeps_unknown_keys() {
        let text = r#"{"startUrl": "https://x/start", "region": "us-east-1", "accessToken": "tok", "expiresAt": "2024-01-01T20:00:00Z", "clientId": "cid", "clientSecret": "cs", "registrationExpiresAt": "2024-03-31T12:00:00Z", "refreshToken": "rt", "future": 1}"#;
        let t: CachedToken = serde_json::from_str(text).unwrap();
        assert_eq!(t.expires_at(), Some(1_704_139_200));
        assert!(t.lasts(1_704_139_199, 1));
        assert!(!t.lasts(1_704_139_200, 1));
        assert!(!t.lasts(1_704_139_200 - 899, 900));
        assert_eq!(t.extra["future"], 1);
        assert!(!format!("{t:?}").contains("tok\""));
    }

    #[test]
    fn rewrites_byte_for_byte_like_the_cli() {
        let text = r#"{"startUrl": "https://x/start", "region": "us-east-1", "accessToken": "tok", "expiresAt": "2024-01-01T20:00:00Z", "clientId": "cid", "clientSecret": "cs", "registrationExpiresAt": "2024-03-31T12:00:00Z", "refreshToken": "rt"}"#;
        let t: CachedToken = serde_json::from_str(text).unwrap();
        assert_eq!(String::from_utf8(t.to_cli_json()).unwrap(), text);
        assert!(t.can_refresh(1_704_139_200));
        assert!(!t.can_refresh(1_711_886_400));
    }

    #[test]
    fn registration_keys_match_the_cli() {
        let url = "https://d-abc123.awsapps.com/start";
        assert_eq!(
            registration_file_name(url, "us-east-1", None, Some("dev")),
            "f84477c4544ffee122d4e7b0f5d942797620c4b1.json"
        );
        assert_eq!(
            registration_file_name(url, "us-east-1", None, None),
            "c7029af06842ab71c7d71a4f2d85fc584e0c5528.json"
        );
        let scopes = vec!["sso:account:access".to_string()];
        assert_eq!(
            registration_file_name(url, "us-east-1", Some(&scopes), Some("dev")),
            "c6b2fc6aec0d9c2d2652036ffbe173a43a8ba2c3.json"
        );
    }

    #[test]
    fn registrations_are_reused_only_for_their_grant_and_before_the_window() {
        let reg = |grants: Option<Vec<&str>>| Registration {
            client_id: "c".into(),
            client_secret: Secret::new("s"),
            expires_at: "2024-01-01T20:00:00Z".into(),
            scopes: None,
            grant_types: grants.map(|g| g.into_iter().map(String::from).collect()),
            extra: serde_json::Map::new(),
        };
        let now = 1_704_139_200 - 3600;
        assert!(reg(None).usable(now, false));
        assert!(!reg(None).usable(now, true));
        assert!(reg(Some(vec!["authorization_code", "refresh_token"])).usable(now, true));
        assert!(!reg(Some(vec!["authorization_code", "refresh_token"])).usable(now, false));
        assert!(!reg(None).usable(1_704_139_200 - 600, false));
    }

    #[test]
    fn a_token_with_an_unreadable_date_is_not_valid() {
        let t: CachedToken =
            serde_json::from_str(r#"{"accessToken": "tok", "expiresAt": "soon"}"#).unwrap();
        assert!(!t.lasts(0, 1));
    }
}
