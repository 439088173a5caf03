//! `ssox logout [-p PROFILE | --sso-session NAME]`: what `aws sso logout` does, for every
//! cached session or for one, plus the role credentials cached from it.

use crate::aws::Net;
use crate::cli::LogoutCmd;
use crate::config::resolve::{self, sso_profile};
use crate::env::Env;
use crate::error::Error;
use crate::log::notice;
use crate::provider::role_cache;
use crate::settings::Common;

pub fn run(cmd: &LogoutCmd, env: Env) -> Result<i32, Error> {
    let common = Common::new(cmd.profile.as_deref(), env);
    let set = crate::config::load(&common.env, &common.paths)?;
    // A login_session profile: its aws login cache, as `aws logout --profile` removes it.
    if cmd.profile.is_some()
        && let Some(session) = set
            .profile(&common.profile)
            .and_then(|p| p.get_nonempty("login_session"))
    {
        let path = crate::signin::cache::path(&common.env, session);
        let removed = std::fs::remove_file(&path).is_ok();
        notice!(
            "{} the aws login cache of profile `{}`; tools that already hold its credentials keep them until they expire (15 minutes at most)",
            if removed { "removed" } else { "there was no" },
            common.profile
        );
        return Ok(0);
    }
    let target = if cmd.profile.is_some() || cmd.sso_session.is_some() {
        Some(resolve::sso_target(
            &set,
            &common.env,
            &common.paths,
            (&common.profile, common.profile_source),
            cmd.sso_session.as_deref(),
        )?)
    } else {
        None
    };
    let net = Net::new(&common.env, &set, set.profile(&common.profile))?;
    let role_dir = role_cache::cache_dir(&common.env);
    // With a target, only the role credentials of the profiles that use its session.
    let role_files = match &target {
        None => None,
        Some(t) => {
            let mut files = Vec::new();
            // Profiles that do not resolve cannot have cached anything.
            for s in set
                .profiles
                .values()
                .filter_map(|p| sso_profile(&set, p).ok().flatten())
                .filter(|s| s.token_cache_input() == t.token_cache_input())
            {
                if let (Some(account), Some(role)) = (&s.account_id, &s.role_name) {
                    files.push(role_dir.join(role_cache::sso_file_name(account, role, &s)?));
                }
            }
            Some(files)
        }
    };
    let summary =
        crate::sso::logout::logout(&common.env, &net, target.as_ref(), &role_dir, role_files);
    let scope = target.as_ref().map_or_else(
        || "all SSO sessions".to_string(),
        |t| match &t.session_name {
            Some(s) => format!("sso-session `{s}`"),
            None => format!("{} (profile `{}`)", t.start_url, t.profile),
        },
    );
    notice!(
        "logged out of {scope}: removed {} cached SSO token(s) and {} cached role credential file(s); client registrations kept",
        summary.tokens,
        summary.role_credentials
    );
    if target.is_none() {
        let n = sweep_logins(&crate::signin::cache::cache_dir(&common.env));
        if n > 0 {
            notice!("removed {n} aws login cache file(s), as `aws logout --all` does");
        }
    }
    Ok(0)
}

/// Removes every aws login cache file (a JSON object whose `accessToken` has an
/// `accessKeyId`, the AWS CLI's own test), leaving anything else in the directory alone.
fn sweep_logins(dir: &std::path::Path) -> usize {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return 0;
    };
    let mut n = 0;
    for entry in entries.flatten() {
        let path = entry.path();
        let is_login = crate::fsutil::read_limited(&path, crate::fsutil::MAX_SMALL)
            .ok()
            .and_then(|b| serde_json::from_slice::<serde_json::Value>(&b).ok())
            .is_some_and(|v| v["accessToken"].get("accessKeyId").is_some());
        if is_login && std::fs::remove_file(&path).is_ok() {
            n += 1;
        }
    }
    n
}
