//! The SSO token cache, `~/.aws/sso/cache/<sha1>.json`, and the client registration cache
//! beside it, in the AWS CLI v2's formats: which file holds what, what is in it, and what a
//! cached token is good for ([`TokenState`], the one classification that both the run path
//! and `doctor`/`profiles` use). Tokens `aws sso login` wrote are read as they are; unknown
//! keys are kept.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::config::resolve::SsoProfile;
use crate::error::Error;
use crate::secret::Secret;
use crate::timefmt::{self, Timestamp};

/// A token with less than this left is refreshed (the AWS CLI's window).
pub const REFRESH_WINDOW: i64 = 15 * 60;

/// The file name the AWS CLI uses for a token: sha1 of the session name (or of the legacy
/// profile's start URL, byte for byte) in lowercase hex.
pub fn token_file_name(cache_input: &str) -> String {
    crate::fsutil::sha1_hex(cache_input.as_bytes()) + ".json"
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
}

impl CachedToken {
    /// The bytes the AWS CLI would write for this token.
    pub fn to_cli_json(&self) -> serde_json::Result<Vec<u8>> {
        crate::pyjson::dumps(self)
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
    let bytes = token.to_cli_json().map_err(std::io::Error::other)?;
    crate::fsutil::write_atomic(path, &bytes, false).map(drop)
}

/// A cached client registration, in the file and format `aws sso login` uses.
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

/// Where the client registration for `sso` is cached (the AWS CLI's key).
pub fn registration_path(cache_dir: &Path, sso: &SsoProfile) -> Result<PathBuf, Error> {
    let scopes = sso
        .registration_scopes_set
        .then_some(sso.registration_scopes.as_slice());
    Ok(cache_dir.join(registration_file_name(
        &sso.start_url,
        &sso.region,
        scopes,
        sso.session_name.as_deref(),
    )?))
}

/// The registration cache file name, as the AWS CLI computes it: sha1 of a sorted-keys JSON.
pub fn registration_file_name(
    start_url: &str,
    region: &str,
    scopes: Option<&[String]>,
    session_name: Option<&str>,
) -> Result<String, Error> {
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
    crate::pyjson::sha1_file_name(&key, false)
}

pub fn read_registration(path: &Path) -> Option<Registration> {
    // A missing or unreadable registration just means we register again.
    serde_json::from_slice(&crate::fsutil::read_limited(path, crate::fsutil::MAX_SMALL).ok()?).ok()
}

pub fn write_registration(path: &Path, reg: &Registration) -> std::io::Result<()> {
    let bytes = crate::pyjson::dumps(reg).map_err(std::io::Error::other)?;
    crate::fsutil::write_atomic(path, &bytes, false).map(drop)
}

/// What a cached SSO token is good for at a moment: the one classification that the run path
/// acts on ([`TokenState::action`]) and that `doctor` and `profiles` print.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TokenState {
    /// No token file.
    Missing,
    /// A file that is not a usable token (bad JSON, no access token, control characters in
    /// it); as good as none: a refresh or login replaces it.
    Corrupt,
    /// The portal refused this token although the cache calls it valid (revoked).
    Rejected { refreshable: bool },
    /// At least [`REFRESH_WINDOW`] left.
    Valid { expires_at: Timestamp },
    /// Valid, but for less than the window.
    Expiring {
        expires_at: Timestamp,
        refreshable: bool,
    },
    /// Expired, or with no readable expiry (`None`).
    Expired {
        expired_at: Option<Timestamp>,
        refreshable: bool,
    },
}

/// What to do with a cached token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenAction {
    /// Use it as it is.
    Use,
    /// Refresh it with the refresh token; if that fails, use it while it lasts, else log in.
    Refresh,
    /// Only a login helps.
    Login,
}

impl TokenState {
    /// Classifies `token` at `now`. Only sso-session tokens refresh (legacy profiles have no
    /// refresh tokens in the AWS CLI either); `rejected` is a token the portal just refused.
    pub fn classify(
        token: Option<&CachedToken>,
        session_based: bool,
        now: Timestamp,
        rejected: Option<&Secret>,
    ) -> Self {
        let Some(t) = token else {
            return TokenState::Missing;
        };
        // A NUL or line break cannot be sent in an HTTP header; such a file is damaged.
        if t.access_token.is_empty() || t.access_token.expose().chars().any(char::is_control) {
            return TokenState::Corrupt;
        }
        let refreshable = session_based && t.can_refresh(now);
        if rejected.is_some_and(|r| r == &t.access_token) {
            return TokenState::Rejected { refreshable };
        }
        match t.expires_at() {
            Some(e) if e - now >= REFRESH_WINDOW => TokenState::Valid { expires_at: e },
            Some(e) if e > now => TokenState::Expiring {
                expires_at: e,
                refreshable,
            },
            expired_at => TokenState::Expired {
                expired_at,
                refreshable,
            },
        }
    }

    pub fn action(&self) -> TokenAction {
        match self {
            TokenState::Valid { .. }
            | TokenState::Expiring {
                refreshable: false, ..
            } => TokenAction::Use,
            TokenState::Expiring {
                refreshable: true, ..
            }
            | TokenState::Expired {
                refreshable: true, ..
            }
            | TokenState::Rejected { refreshable: true } => TokenAction::Refresh,
            TokenState::Missing
            | TokenState::Corrupt
            | TokenState::Expired {
                refreshable: false, ..
            }
            | TokenState::Rejected { refreshable: false } => TokenAction::Login,
        }
    }

    /// Whether the token still works for a while (after a refresh failed).
    pub fn still_valid(&self) -> bool {
        matches!(self, TokenState::Valid { .. } | TokenState::Expiring { .. })
    }

    /// Why the token cannot be used as it is, for "login needed for ...: WHY".
    pub fn reason(&self, now: Timestamp) -> String {
        match self {
            TokenState::Missing | TokenState::Corrupt => "no cached SSO token".into(),
            TokenState::Rejected { .. } => {
                "the cached SSO token was rejected by the service".into()
            }
            TokenState::Valid { .. } => "the cached SSO token is valid".into(),
            TokenState::Expiring { .. } => "the cached SSO token is about to expire".into(),
            TokenState::Expired {
                expired_at: Some(e),
                ..
            } => format!(
                "the cached SSO token expired at {} ({} ago)",
                timefmt::format_rfc3339(*e),
                timefmt::human_duration(now - e)
            ),
            TokenState::Expired {
                expired_at: None, ..
            } => "the cached SSO token has no readable expiry".into(),
        }
    }

    /// The state of the token cached for `sso`, read from its file.
    pub fn of(cache_dir: &Path, sso: &SsoProfile, now: Timestamp) -> Self {
        Self::read(cache_dir, sso, now).0
    }

    /// The state of the token cached for `sso`, and the token, from one read of its file.
    pub fn read(cache_dir: &Path, sso: &SsoProfile, now: Timestamp) -> (Self, Option<CachedToken>) {
        match read(&token_path(cache_dir, sso.token_cache_input())) {
            Ok(t) => (
                Self::classify(t.as_ref(), sso.session_name.is_some(), now, None),
                t,
            ),
            Err(_) => (TokenState::Corrupt, None),
        }
    }

    /// The state in a few words, for `profiles` and `doctor`.
    pub fn summary(&self, now: Timestamp) -> String {
        let until = |e: Timestamp| {
            format!(
                "{} (until {} UTC)",
                timefmt::human_duration(e - now),
                &timefmt::format_rfc3339(e)[11..16]
            )
        };
        match self {
            TokenState::Missing => "not logged in".into(),
            TokenState::Corrupt => "token file unreadable".into(),
            TokenState::Rejected { .. } => "token rejected by the service".into(),
            TokenState::Valid { expires_at } => format!("token valid {}", until(*expires_at)),
            TokenState::Expiring {
                expires_at,
                refreshable,
            } => format!(
                "token valid {}{}",
                until(*expires_at),
                if *refreshable {
                    ", refreshed on next use"
                } else {
                    ", not refreshable"
                }
            ),
            TokenState::Expired {
                refreshable: true, ..
            } => "token expired, refreshable".into(),
            TokenState::Expired {
                refreshable: false, ..
            } => "token expired".into(),
        }
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
    let read = crate::fsutil::read_if_exists(path, crate::fsutil::MAX_SMALL);
    let Some(bytes) = read.map_err(|source| TokenFileError::Read {
        path: path.to_path_buf(),
        source,
    })?
    else {
        return Ok(None);
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
        assert_eq!(t.extra["future"], 1);
        assert!(!format!("{t:?}").contains("tok\""));
    }

    #[test]
    fn rewrites_byte_for_byte_like_the_cli() {
        let text = r#"{"startUrl": "https://x/start", "region": "us-east-1", "accessToken": "tok", "expiresAt": "2024-01-01T20:00:00Z", "clientId": "cid", "clientSecret": "cs", "registrationExpiresAt": "2024-03-31T12:00:00Z", "refreshToken": "rt"}"#;
        let t: CachedToken = serde_json::from_str(text).unwrap();
        assert_eq!(String::from_utf8(t.to_cli_json().unwrap()).unwrap(), text);
        assert!(t.can_refresh(1_704_139_200));
        assert!(!t.can_refresh(1_711_886_400));
    }

    #[test]
    fn registration_keys_match_the_cli() {
        let url = "https://d-abc123.awsapps.com/start";
        assert_eq!(
            registration_file_name(url, "us-east-1", None, Some("dev")).unwrap(),
            "f84477c4544ffee122d4e7b0f5d942797620c4b1.json"
        );
        assert_eq!(
            registration_file_name(url, "us-east-1", None, None).unwrap(),
            "c7029af06842ab71c7d71a4f2d85fc584e0c5528.json"
        );
        let scopes = vec!["sso:account:access".to_string()];
        assert_eq!(
            registration_file_name(url, "us-east-1", Some(&scopes), Some("dev")).unwrap(),
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

    fn token(expires: &str, refresh: bool) -> CachedToken {
        let extra = if refresh {
            r#", "clientId": "c", "clientSecret": "s", "registrationExpiresAt": "2030-01-01T00:00:00Z", "refreshToken": "r""#
        } else {
            ""
        };
        serde_json::from_str(&format!(
            r#"{{"accessToken": "tok", "expiresAt": "{expires}"{extra}}}"#
        ))
        .unwrap()
    }

    #[test]
    fn token_states_decide_between_use_refresh_and_login() {
        let now = 1_704_139_200; // 2024-01-01T20:00:00Z
        let classify = |t: &CachedToken, session| TokenState::classify(Some(t), session, now, None);
        let valid = token("2024-01-01T21:00:00Z", true);
        assert_eq!(classify(&valid, true).action(), TokenAction::Use);
        let expiring = token("2024-01-01T20:10:00Z", true);
        assert_eq!(classify(&expiring, true).action(), TokenAction::Refresh);
        assert!(classify(&expiring, true).still_valid());
        // Legacy profiles never refresh: the last minutes are used as they are.
        assert_eq!(classify(&expiring, false).action(), TokenAction::Use);
        let expired = token("2024-01-01T18:00:00Z", true);
        assert_eq!(classify(&expired, true).action(), TokenAction::Refresh);
        assert_eq!(classify(&expired, false).action(), TokenAction::Login);
        assert_eq!(
            classify(&expired, false).reason(now),
            "the cached SSO token expired at 2024-01-01T18:00:00Z (2h 0m ago)"
        );
        assert_eq!(
            classify(&expired, true).summary(now),
            "token expired, refreshable"
        );
        let no_refresh = token("2024-01-01T18:00:00Z", false);
        assert_eq!(classify(&no_refresh, true).action(), TokenAction::Login);
        assert_eq!(
            TokenState::classify(None, true, now, None).summary(now),
            "not logged in"
        );
        let rejected = TokenState::classify(Some(&valid), true, now, Some(&Secret::new("tok")));
        assert_eq!(rejected, TokenState::Rejected { refreshable: true });
        assert_eq!(rejected.action(), TokenAction::Refresh);
    }

    #[test]
    fn a_token_with_control_characters_is_corrupt() {
        let mut t = token("2030-01-01T00:00:00Z", false);
        t.access_token = Secret::new("abc\ndef");
        assert_eq!(
            TokenState::classify(Some(&t), true, 0, None),
            TokenState::Corrupt
        );
        t.access_token = Secret::new("abc\0def");
        assert_eq!(
            TokenState::classify(Some(&t), true, 0, None),
            TokenState::Corrupt
        );
    }

    #[test]
    fn a_token_with_an_unreadable_date_is_not_valid() {
        let t: CachedToken =
            serde_json::from_str(r#"{"accessToken": "tok", "expiresAt": "soon"}"#).unwrap();
        assert_eq!(
            TokenState::classify(Some(&t), true, 0, None),
            TokenState::Expired {
                expired_at: None,
                refreshable: false
            }
        );
    }
}
