//! `ssox logout`, as `aws sso logout` does it: for each cached SSO token, tell the service
//! (Logout; failures ignored) and delete the file; keep the client registrations; delete the
//! role credentials cached from SSO. With a profile or session, only that session's token
//! and the role credentials of the profiles that use it.

use std::path::{Path, PathBuf};

use crate::aws::Net;
use crate::config::resolve::SsoProfile;
use crate::env::Env;
use crate::log::vlog;
use crate::sso::portal::Portal;
use crate::sso::token_cache::token_path;

#[derive(Debug, Default)]
pub struct Summary {
    pub tokens: usize,
    pub role_credentials: usize,
}

fn json(path: &Path) -> Option<serde_json::Value> {
    serde_json::from_slice(&crate::fsutil::read_limited(path, crate::fsutil::MAX_SMALL).ok()?).ok()
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
/// `role_files` are the role-cache entries that came from `target`'s session (from every
/// profile that uses it); without a target, every SSO entry in `role_dir` goes.
pub fn logout(
    env: &Env,
    net: &Net,
    target: Option<&SsoProfile>,
    role_dir: &Path,
    role_files: Option<Vec<PathBuf>>,
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
        if let (Some(region), Some(rt)) = (doc.get("region").and_then(|r| r.as_str()), &rt)
            && let Ok(portal) = Portal::new(net, region)
        {
            let result = rt.block_on(portal.logout(token));
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
    let role_files = role_files.unwrap_or_else(|| json_files(role_dir));
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
