//! `ssox logout`, as `aws sso logout` does it: for each cached SSO token, tell the service
//! (Logout; failures ignored) and delete the file; keep the client registrations; delete the
//! role credentials cached from SSO. With a profile or session, only that session's token
//! and the role credentials of the profiles that use it.

use std::path::{Path, PathBuf};

use crate::config::ConfigSet;
use crate::config::resolve::{SsoProfile, sso_profile};
use crate::env::Env;
use crate::role_cache;
use crate::sso::portal;
use crate::sso::token_cache::token_path;
use crate::vlog;

#[derive(Debug, Default)]
pub struct Summary {
    pub tokens: usize,
    pub role_credentials: usize,
}

fn json(path: &Path) -> Option<serde_json::Value> {
    serde_json::from_slice(&std::fs::read(path).ok()?).ok()
}

fn json_files(dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut files: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort();
    files
}

/// Logs out of every cached session (`target` None) or of `target`'s session.
pub fn logout(
    env: &Env,
    set: &ConfigSet,
    target: Option<&SsoProfile>,
    endpoint: Option<&str>,
    timeout: std::time::Duration,
) -> Summary {
    let sso_dir = crate::sso::cache_dir(env);
    let token_files = match target {
        Some(sso) => vec![token_path(&sso_dir, sso.token_cache_input())],
        None => json_files(&sso_dir),
    };
    let mut summary = Summary::default();
    let rt = crate::aws::runtime().ok();
    for path in token_files {
        let Some(doc) = json(&path) else { continue };
        let Some(token) = doc.get("accessToken").and_then(|t| t.as_str()) else {
            continue;
        };
        if let (Some(region), Some(rt)) = (doc.get("region").and_then(|r| r.as_str()), &rt) {
            let client = portal::client(region, endpoint, timeout);
            let result = rt.block_on(client.logout().access_token(token).send());
            vlog!(
                "Logout in {region}: {}",
                if result.is_ok() {
                    "ok"
                } else {
                    "failed (ignored)"
                }
            );
        }
        if std::fs::remove_file(&path).is_ok() {
            vlog!("removed {}", env.tilde(&path));
            summary.tokens += 1;
        }
    }
    let role_dir = role_cache::cache_dir(env);
    let role_files = match target {
        None => json_files(&role_dir),
        Some(t) => set
            .profiles
            .values()
            .filter_map(|p| sso_profile(set, p).ok().flatten())
            .filter(|s| s.token_cache_input() == t.token_cache_input())
            .filter_map(|s| {
                Some(role_dir.join(role_cache::sso_file_name(
                    s.account_id.as_deref()?,
                    s.role_name.as_deref()?,
                    &s,
                )))
            })
            .collect(),
    };
    for path in role_files {
        let is_sso = json(&path)
            .is_some_and(|d| d.get("ProviderType").and_then(|p| p.as_str()) == Some("sso"));
        if is_sso && std::fs::remove_file(&path).is_ok() {
            vlog!("removed {}", env.tilde(&path));
            summary.role_credentials += 1;
        }
    }
    summary
}
