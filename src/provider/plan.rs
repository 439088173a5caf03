//! The plan of a chain: for the base and for each role hop, the values sent to STS and the
//! role-cache file that holds its credentials (the AWS CLI's key). Computed from the chain
//! alone, without reading anything; the provider walks it, `doctor` and `profiles` print it,
//! so what they say is what a run does.

use std::path::{Path, PathBuf};

use crate::config::resolve::{AssumeRole, Base, Chain};
use crate::env::Env;
use crate::error::{Error, Exit};
use crate::provider::role_cache;
use crate::timefmt::Timestamp;

/// One AssumeRole hop.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hop<'c> {
    pub role: &'c AssumeRole,
    /// `role_session_name`, else `ssox-<user>-<unix time>`.
    pub session_name: String,
    /// `duration_seconds`, parsed.
    pub duration: Option<i32>,
    pub cache: PathBuf,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan<'c> {
    pub chain: &'c Chain,
    /// Where the base's own credentials are cached: SSO role credentials and web identity.
    pub base_cache: Option<PathBuf>,
    pub hops: Vec<Hop<'c>>,
}

impl<'c> Plan<'c> {
    pub fn new(chain: &'c Chain, env: &Env, now: Timestamp) -> Result<Self, Error> {
        let dir = role_cache::cache_dir(env);
        let base_cache = match &chain.base {
            Base::Sso(s) => match (&s.account_id, &s.role_name) {
                (Some(account), Some(role)) => {
                    Some(dir.join(role_cache::sso_file_name(account, role, s)?))
                }
                _ => None,
            },
            Base::WebIdentity {
                role_arn,
                session_name,
                ..
            } => Some(dir.join(role_cache::web_identity_file_name(
                role_arn,
                session_name.as_deref(),
            )?)),
            // A login session's cache is its own file (`signin::cache`), read by the outlook.
            Base::AccessKey { .. }
            | Base::NamedSource { .. }
            | Base::Process { .. }
            | Base::Login(_) => None,
        };
        let hops = chain
            .roles
            .iter()
            .map(|role| {
                let duration = parse_duration_seconds(role)?;
                Ok(Hop {
                    role,
                    session_name: role
                        .session_name
                        .clone()
                        .unwrap_or_else(|| default_session_name(env, now)),
                    duration,
                    cache: dir.join(role_cache::assume_role_file_name(role, duration)?),
                })
            })
            .collect::<Result<Vec<_>, Error>>()?;
        Ok(Self {
            chain,
            base_cache,
            hops,
        })
    }

    /// The cache file of what the run hands out: the last hop's, else the base's.
    pub fn final_cache(&self) -> Option<&Path> {
        self.hops
            .last()
            .map(|h| h.cache.as_path())
            .or(self.base_cache.as_deref())
    }

    /// The chain in one line: base, then each role (names and ARNs, never secrets).
    pub fn describe(&self) -> String {
        let mut parts = vec![match &self.chain.base {
            Base::Sso(s) => format!(
                "SSO {} (profile {}, {}/{})",
                s.session_name
                    .as_deref()
                    .map_or_else(|| s.start_url.clone(), |n| format!("sso-session {n}")),
                s.profile,
                s.account_id.as_deref().unwrap_or("?"),
                s.role_name.as_deref().unwrap_or("?")
            ),
            Base::AccessKey { profile, .. } => format!("static keys (profile {profile})"),
            Base::Login(l) => format!("aws login session {} (profile {})", l.session, l.profile),
            Base::NamedSource { profile, source } => {
                format!("credential_source {source} (profile {profile})")
            }
            Base::WebIdentity {
                profile, role_arn, ..
            } => format!("web identity {role_arn} (profile {profile})"),
            Base::Process { profile, .. } => format!("credential_process (profile {profile})"),
        }];
        parts.extend(
            self.hops
                .iter()
                .map(|h| format!("{} (profile {})", h.role.role_arn, h.role.profile)),
        );
        parts.join(" -> ")
    }
}

fn parse_duration_seconds(role: &AssumeRole) -> Result<Option<i32>, Error> {
    role.duration_seconds
        .as_deref()
        .map(|d| {
            d.parse::<i32>().map_err(|_| {
                Error::new(
                    Exit::Config,
                    format!(
                        "profile `{}`: duration_seconds = {d} is not a whole number of seconds",
                        role.profile
                    ),
                )
            })
        })
        .transpose()
}

/// `ssox-<user>-<unix time>`: readable in CloudTrail, within STS's 64-character limit.
pub fn default_session_name(env: &Env, now: Timestamp) -> String {
    let user: String = env
        .get("USER")
        .or_else(|| env.get("LOGNAME"))
        .unwrap_or("user")
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || "+=,.@-_".contains(*c))
        .take(40)
        .collect();
    format!(
        "ssox-{}-{now}",
        if user.is_empty() { "user" } else { &user }
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::resolve::resolve_chain;
    use crate::config::{ConfigSet, FileKind};

    fn chain(text: &str, profile: &str) -> Chain {
        let mut set = ConfigSet::default();
        set.merge_text(text, FileKind::Config).unwrap();
        resolve_chain(&set, profile).unwrap()
    }

    #[test]
    fn a_chain_plans_each_hop_with_its_cache_file_and_session_name() {
        let c = chain(
            "[profile dev]\nsso_session = corp\nsso_account_id = 111111111111\nsso_role_name = r\n\
             [sso-session corp]\nsso_start_url = https://x/start\nsso_region = us-east-1\n\
             [profile a]\nrole_arn = arn:aws:iam::123456789012:role/a\nsource_profile = dev\n\
             [profile b]\nrole_arn = arn:aws:iam::123456789012:role/b\nsource_profile = a\nrole_session_name = mine\nduration_seconds = 900\n",
            "b",
        );
        let env = Env::from_pairs([("HOME", "/h"), ("USER", "alice")]);
        let plan = Plan::new(&c, &env, 1000).unwrap();
        assert_eq!(plan.hops.len(), 2);
        assert_eq!(plan.hops[0].session_name, "ssox-alice-1000");
        assert_eq!(plan.hops[1].session_name, "mine");
        assert_eq!(plan.hops[1].duration, Some(900));
        // The generated session name is not part of the key, so the cache file is stable.
        let again = Plan::new(&c, &env, 2000).unwrap();
        assert_eq!(plan.hops[0].cache, again.hops[0].cache);
        assert!(plan.hops[0].cache.starts_with("/h/.aws/cli/cache"));
        assert_eq!(plan.final_cache(), Some(plan.hops[1].cache.as_path()));
        assert!(plan.base_cache.is_some());
        assert_eq!(
            plan.describe(),
            "SSO sso-session corp (profile dev, 111111111111/r) -> arn:aws:iam::123456789012:role/a (profile a) -> arn:aws:iam::123456789012:role/b (profile b)"
        );
    }

    #[test]
    fn a_duration_that_is_not_a_number_is_a_config_error() {
        let c = chain(
            "[profile k]\naws_access_key_id = A\naws_secret_access_key = S\n\
             [profile r]\nrole_arn = arn:aws:iam::1:role/r\nsource_profile = k\nduration_seconds = 1h\n",
            "r",
        );
        let e = Plan::new(&c, &Env::default(), 0).unwrap_err();
        assert_eq!(e.exit, Exit::Config);
        assert!(e.message.contains("duration_seconds = 1h"), "{}", e.message);
    }
}
