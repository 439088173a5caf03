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

    /// Usable while `expiresAt` is in the future; an unreadable date counts as expired.
    pub fn is_valid_at(&self, now: Timestamp) -> bool {
        self.expires_at().is_some_and(|e| e > now) && !self.access_token.is_empty()
    }
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
        assert!(t.is_valid_at(1_704_139_199));
        assert!(!t.is_valid_at(1_704_139_200));
        assert_eq!(t.extra["future"], 1);
        assert!(!format!("{t:?}").contains("tok\""));
    }

    #[test]
    fn a_token_with_an_unreadable_date_is_not_valid() {
        let t: CachedToken =
            serde_json::from_str(r#"{"accessToken": "tok", "expiresAt": "soon"}"#).unwrap();
        assert!(!t.is_valid_at(0));
    }
}
