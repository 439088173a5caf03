//! The AWS CLI v2's role-credential cache, `~/.aws/cli/cache/<sha1>.json` (aws-formats.md
//! §4): which file holds a role's credentials. Shared both ways with the AWS CLI.

use std::path::PathBuf;

use serde::Serialize;

use crate::config::resolve::SsoProfile;
use crate::env::Env;

pub fn cache_dir(env: &Env) -> PathBuf {
    env.home_dir().join(".aws").join("cli").join("cache")
}

/// The file name botocore's `SSOCredentialFetcher` uses: sha1 of the compact, sorted-keys
/// JSON of account, role and session name (or start URL for legacy profiles).
pub fn sso_file_name(account_id: &str, role_name: &str, sso: &SsoProfile) -> String {
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
    let json = crate::pyjson::dumps_compact(&key).unwrap_or_default();
    format!("{}.json", sha1_smol::Sha1::from(json).hexdigest())
}

#[cfg(test)]
mod tests {
    use super::*;

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
    fn sso_keys_match_botocore() {
        assert_eq!(
            sso_file_name("012345678901", "SampleRole", &sso(Some("dev"))),
            "4f0072b03f86a95e613340c2868ab49e9cc60d6e.json"
        );
        assert_eq!(
            sso_file_name("012345678901", "SampleRole", &sso(None)),
            "6bb8ec4da2026aa60b9286aa331acd17d55a6f86.json"
        );
    }
}
