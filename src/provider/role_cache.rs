//! The AWS CLI v2's role-credential cache, `~/.aws/cli/cache/<sha1>.json`: which file holds
//! a role's credentials (botocore's keys), reading it, and writing it the way the CLI does,
//! so each reuses what the other cached. A corrupt or unreadable entry is a miss, never an
//! error; writes are atomic and 0600.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::config::resolve::{AssumeRole, SsoProfile};
use crate::credentials::Credentials;
use crate::env::Env;
use crate::error::Error;
use crate::secret::Secret;
use crate::timefmt;

#[derive(Serialize, Deserialize)]
struct Entry {
    #[serde(
        rename = "ProviderType",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    provider_type: Option<String>,
    #[serde(rename = "Credentials")]
    credentials: EntryCredentials,
    #[serde(flatten)]
    extra: serde_json::Map<String, serde_json::Value>,
}

#[derive(Serialize, Deserialize)]
struct EntryCredentials {
    #[serde(rename = "AccessKeyId")]
    access_key_id: Secret,
    #[serde(rename = "SecretAccessKey")]
    secret_access_key: Secret,
    #[serde(rename = "SessionToken")]
    session_token: Secret,
    #[serde(rename = "Expiration")]
    expiration: String,
    #[serde(rename = "AccountId", default, skip_serializing_if = "Option::is_none")]
    account_id: Option<String>,
}

/// Reads an entry; `None` for a missing, corrupt or incomplete one.
pub fn read(path: &Path) -> Option<Credentials> {
    let bytes = crate::fsutil::read_limited(path, crate::fsutil::MAX_SMALL).ok()?;
    let entry: Entry = match serde_json::from_slice(&bytes) {
        Ok(e) => e,
        Err(e) => {
            crate::log::vlog!(
                "ignoring {}: {}",
                path.display(),
                crate::fsutil::json_error_reason(&e)
            );
            return None;
        }
    };
    let c = entry.credentials;
    let expiration = timefmt::parse_rfc3339(&c.expiration)?;
    if c.access_key_id.is_empty() || c.secret_access_key.is_empty() {
        return None;
    }
    Some(Credentials {
        access_key_id: c.access_key_id,
        secret_access_key: c.secret_access_key,
        session_token: Some(c.session_token).filter(|t| !t.is_empty()),
        expiration: Some(expiration),
        account_id: c.account_id,
    })
}

/// Writes SSO role credentials as botocore's `SSOCredentialFetcher` caches them.
pub fn write_sso(path: &Path, creds: &Credentials) -> std::io::Result<()> {
    let (Some(token), Some(exp)) = (&creds.session_token, creds.expiration) else {
        return Ok(());
    };
    let entry = Entry {
        provider_type: Some("sso".into()),
        credentials: EntryCredentials {
            access_key_id: creds.access_key_id.clone(),
            secret_access_key: creds.secret_access_key.clone(),
            session_token: token.clone(),
            expiration: timefmt::format_rfc3339(exp),
            account_id: creds.account_id.clone(),
        },
        extra: serde_json::Map::new(),
    };
    let bytes = crate::pyjson::dumps(&entry).map_err(std::io::Error::other)?;
    crate::fsutil::write_atomic(path, &bytes, false).map(drop)
}

pub fn cache_dir(env: &Env) -> PathBuf {
    env.home_dir().join(".aws").join("cli").join("cache")
}

/// The arguments that name an AssumeRole (or web identity) cache entry, as botocore's
/// `BaseAssumeRoleCredentialFetcher` builds them; a generated session name is left out.
#[derive(Serialize)]
struct RoleKey<'a> {
    #[serde(rename = "DurationSeconds", skip_serializing_if = "Option::is_none")]
    duration_seconds: Option<i32>,
    #[serde(rename = "ExternalId", skip_serializing_if = "Option::is_none")]
    external_id: Option<&'a str>,
    #[serde(rename = "RoleArn")]
    role_arn: &'a str,
    #[serde(rename = "RoleSessionName", skip_serializing_if = "Option::is_none")]
    session_name: Option<&'a str>,
    #[serde(rename = "SerialNumber", skip_serializing_if = "Option::is_none")]
    serial_number: Option<&'a str>,
}

/// `sha1(json.dumps(args, sort_keys=True))`: Python's default separators, field order sorted.
fn role_file_name(key: &RoleKey<'_>) -> Result<String, Error> {
    crate::pyjson::sha1_file_name(key, false)
}

/// The entry an AssumeRole hop is cached under (`duration`: its parsed duration_seconds).
pub fn assume_role_file_name(role: &AssumeRole, duration: Option<i32>) -> Result<String, Error> {
    role_file_name(&RoleKey {
        duration_seconds: duration,
        external_id: role.external_id.as_deref(),
        role_arn: &role.role_arn,
        session_name: role.session_name.as_deref(),
        serial_number: role.mfa_serial.as_deref(),
    })
}

/// The entry AssumeRoleWithWebIdentity is cached under.
pub fn web_identity_file_name(role_arn: &str, session_name: Option<&str>) -> Result<String, Error> {
    role_file_name(&RoleKey {
        duration_seconds: None,
        external_id: None,
        role_arn,
        session_name,
        serial_number: None,
    })
}

#[derive(Serialize)]
struct AssumedEntry<'a> {
    #[serde(rename = "Credentials")]
    credentials: AssumedCredentials<'a>,
    #[serde(rename = "AssumedRoleUser")]
    user: AssumedUser<'a>,
}

#[derive(Serialize)]
struct AssumedCredentials<'a> {
    #[serde(rename = "AccessKeyId")]
    access_key_id: &'a str,
    #[serde(rename = "SecretAccessKey")]
    secret_access_key: &'a str,
    #[serde(rename = "SessionToken")]
    session_token: &'a str,
    #[serde(rename = "Expiration")]
    expiration: String,
    #[serde(rename = "AccountId", skip_serializing_if = "Option::is_none")]
    account_id: Option<&'a str>,
}

#[derive(Serialize)]
struct AssumedUser<'a> {
    #[serde(rename = "AssumedRoleId")]
    assumed_role_id: &'a str,
    #[serde(rename = "Arn")]
    arn: &'a str,
}

/// Writes assumed-role credentials as the AWS CLI caches an STS response (`...UTC` dates),
/// with the role's ARN and id as STS returned them.
pub fn write_assumed(
    path: &Path,
    c: &Credentials,
    arn: &str,
    assumed_role_id: &str,
) -> std::io::Result<()> {
    let (Some(token), Some(exp)) = (&c.session_token, c.expiration) else {
        return Ok(());
    };
    let entry = AssumedEntry {
        credentials: AssumedCredentials {
            access_key_id: c.access_key_id.expose(),
            secret_access_key: c.secret_access_key.expose(),
            session_token: token.expose(),
            expiration: timefmt::format_cli_utc(exp),
            account_id: c.account_id.as_deref(),
        },
        user: AssumedUser {
            assumed_role_id,
            arn,
        },
    };
    let bytes = crate::pyjson::dumps(&entry).map_err(std::io::Error::other)?;
    crate::fsutil::write_atomic(path, &bytes, false).map(drop)
}

/// The file name botocore's `SSOCredentialFetcher` uses: sha1 of the compact, sorted-keys
/// JSON of account, role and session name (or start URL for legacy profiles).
pub fn sso_file_name(account_id: &str, role_name: &str, sso: &SsoProfile) -> Result<String, Error> {
    #[derive(Serialize)]
    struct Key<'a> {
        #[serde(rename = "accountId")]
        account_id: &'a str,
        #[serde(rename = "roleName")]
        role_name: &'a str,
        #[serde(rename = "sessionName", skip_serializing_if = "Option::is_none")]
        session_name: Option<&'a str>,
        #[serde(rename = "startUrl", skip_serializing_if = "Option::is_none")]
        start_url: Option<&'a str>,
    }
    let key = Key {
        account_id,
        role_name,
        session_name: sso.session_name.as_deref(),
        start_url: sso.session_name.is_none().then_some(sso.start_url.as_str()),
    };
    crate::pyjson::sha1_file_name(&key, true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_the_cli_format_and_ignores_junk() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("x.json");
        let creds = Credentials {
            access_key_id: Secret::new("ASIA1"),
            secret_access_key: Secret::new("s"),
            session_token: Some(Secret::new("t")),
            expiration: Some(1_704_139_200),
            account_id: Some("123456789012".into()),
        };
        write_sso(&path, &creds).unwrap();
        assert_eq!(
            std::fs::read_to_string(&path).unwrap(),
            r#"{"ProviderType": "sso", "Credentials": {"AccessKeyId": "ASIA1", "SecretAccessKey": "s", "SessionToken": "t", "Expiration": "2024-01-01T20:00:00Z", "AccountId": "123456789012"}}"#
        );
        let back = read(&path).unwrap();
        assert_eq!(back.expiration, Some(1_704_139_200));
        assert_eq!(back.access_key_id.expose(), "ASIA1");
        // The assume-role flavour the CLI writes, with its `UTC` suffix.
        std::fs::write(&path, r#"{"Credentials": {"AccessKeyId": "A", "SecretAccessKey": "B", "SessionToken": "C", "Expiration": "2024-01-01T20:00:00UTC"}, "AssumedRoleUser": {}}"#).unwrap();
        assert_eq!(read(&path).unwrap().expiration, Some(1_704_139_200));
        for junk in ["", "{", "[]", r#"{"Credentials": {}}"#, "\0\0"] {
            std::fs::write(&path, junk).unwrap();
            assert!(read(&path).is_none(), "{junk}");
        }
    }

    fn sso(session: Option<&str>) -> SsoProfile {
        SsoProfile {
            profile: "p".into(),
            session_name: session.map(str::to_string),
            start_url: "https://d-abc123.awsapps.com/start".into(),
            region: "us-east-1".into(),
            account_id: None,
            role_name: None,
            registration_scopes: vec![],
            registration_scopes_set: false,
            use_device_code: false,
        }
    }

    #[test]
    fn assume_role_keys_match_botocore() {
        let key = |session| RoleKey {
            duration_seconds: None,
            external_id: None,
            role_arn: "arn:aws:iam::123456789012:role/Admin",
            session_name: session,
            serial_number: None,
        };
        assert_eq!(
            role_file_name(&key(Some("mysess"))).unwrap(),
            "b2217ad4a66602db814e3926729f71f185547714.json"
        );
        assert_eq!(
            role_file_name(&key(None)).unwrap(),
            "51e7b105b5040ce662656c8dc6ab4de70c4de7ad.json"
        );
    }

    #[test]
    fn sso_keys_match_botocore() {
        assert_eq!(
            sso_file_name("012345678901", "SampleRole", &sso(Some("dev"))).unwrap(),
            "4f0072b03f86a95e613340c2868ab49e9cc60d6e.json"
        );
        assert_eq!(
            sso_file_name("012345678901", "SampleRole", &sso(None)).unwrap(),
            "6bb8ec4da2026aa60b9286aa331acd17d55a6f86.json"
        );
    }
}
