//! What the next run of a plan will do, decided before any network call, by one function
//! ([`Outlook::new`]): which cached credentials it starts from (one reuse rule, [`need`]),
//! what the base of the chain needs (a token as it is, a refresh, a login, keys, a
//! process), and whether it can succeed at all (a config error is known here, not half way
//! through). The run executes it; `doctor` and `profiles` only render it, so what they say
//! is what a run does. Reads cache and token files; never the network.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

use crate::config::resolve::{Base, CredentialSource, LoginProfile, SsoProfile};
use crate::credentials::Credentials;
use crate::env::Env;
use crate::error::{Error, Exit};
use crate::provider::plan::Plan;
use crate::provider::role_cache;
use crate::settings::{Fetch, MIN_TTL};
use crate::signin::cache::{self as login_cache, LoginState};
use crate::sso::token_cache::{CachedToken, TokenAction, TokenState};
use crate::timefmt::Timestamp;

/// How long cached credentials at `level` must still last to be reused: the final level
/// (what PROGRAM gets) `--min-ttl`, every level below it the AWS CLI's 15 minutes, enough
/// for the next hop to be assumed with them. Level 0 is the base, level i the i-th hop.
pub fn need(level: usize, last: usize, fetch: &Fetch) -> i64 {
    if level == last {
        fetch.min_ttl
    } else {
        MIN_TTL
    }
}

/// How long an `aws login` session's cached credentials must still last to be reused at
/// `level`: what [`need`] asks, except that such credentials last 15 minutes at most, so a
/// need that long (every level's, since `--min-ttl` is never below 15 minutes) is the SDKs'
/// 5 minutes instead. Asking more would refresh on every run and still not be met.
pub fn login_need(level: usize, last: usize, fetch: &Fetch) -> i64 {
    let n = need(level, last, fetch);
    if n >= login_cache::LONGEST {
        login_cache::REUSE_WINDOW
    } else {
        n
    }
}

/// The cache files the outlooks of one command read, each read once: `profiles` asks about
/// thousands of profiles that share one SSO token, and most of them have no role cache.
#[derive(Default)]
pub struct Memo {
    /// The role-cache files that exist, when the directory was listed once.
    present: Option<HashSet<PathBuf>>,
    tokens: HashMap<String, std::rc::Rc<(TokenState, Option<CachedToken>)>>,
}

impl Memo {
    /// The files in the role-cache directory, for [`Memo::with_present`].
    pub fn present(dir: &Path) -> HashSet<PathBuf> {
        std::fs::read_dir(dir)
            .map(|entries| entries.filter_map(|e| e.ok().map(|e| e.path())).collect())
            .unwrap_or_default()
    }

    /// A memo for many profiles, given the role-cache files that exist (the directory
    /// listed once): a profile with no cached credentials costs no system call.
    pub fn with_present(present: HashSet<PathBuf>) -> Self {
        Self {
            present: Some(present),
            tokens: HashMap::new(),
        }
    }

    /// The credentials cached at `path`, if any.
    pub fn role_cache(&self, path: &Path) -> Option<Credentials> {
        if self.present.as_ref().is_some_and(|p| !p.contains(path)) {
            return None;
        }
        role_cache::read(path)
    }

    /// The state of the SSO token `sso` uses, and the token, read once per token.
    pub fn token(
        &mut self,
        env: &Env,
        sso: &SsoProfile,
        now: Timestamp,
    ) -> std::rc::Rc<(TokenState, Option<CachedToken>)> {
        if let Some(t) = self.tokens.get(sso.token_cache_input()) {
            return t.clone();
        }
        let t = std::rc::Rc::new(TokenState::read(&crate::sso::cache_dir(env), sso, now));
        self.tokens
            .insert(sso.token_cache_input().to_string(), t.clone());
        t
    }
}

/// What the base of the chain needs when no cached credentials above it are reused.
#[derive(Debug)]
pub enum BaseStep {
    /// The SSO token: use, refresh or log in (its state says why).
    Token(TokenState),
    /// An `aws login` session's cache: use, refresh or sign in again (its state says why).
    Login(LoginState),
    /// Keys in the config files, or the environment's (`credential_source = Environment`).
    Keys,
    Process,
    WebIdentity,
}

/// How the run ends, if nothing fails at the service.
#[derive(Debug)]
pub enum Outcome {
    /// Cached credentials (or keys) suffice: no network.
    Ready,
    /// The network is needed (a token refresh, GetRoleCredentials, AssumeRole, a process).
    Fetch,
    /// Only a login helps: a run starts one on a terminal, else exits 77 with `command`.
    Login { command: String },
    /// The profile cannot give credentials as configured: exit 78 whatever happens.
    Config(Error),
}

#[derive(Debug)]
pub struct Outlook {
    /// The level whose cached credentials the run starts from (0: the base's, i: hop i's),
    /// and those credentials.
    pub warm: Option<(usize, Credentials)>,
    /// What the base needs, when the run starts below every cache.
    pub base: Option<BaseStep>,
    /// How many AssumeRole calls the run makes.
    pub assumes: usize,
    pub outcome: Outcome,
}

impl Outlook {
    pub fn new(plan: &Plan<'_>, env: &Env, fetch: &Fetch, now: Timestamp) -> Self {
        Self::with(plan, env, fetch, now, &mut Memo::default())
    }

    /// As [`Outlook::new`], reading the cache files through `memo`.
    pub fn with(
        plan: &Plan<'_>,
        env: &Env,
        fetch: &Fetch,
        now: Timestamp,
        memo: &mut Memo,
    ) -> Self {
        let last = plan.hops.len();
        let caches = std::iter::once(plan.base_cache.as_deref())
            .chain(plan.hops.iter().map(|h| Some(h.cache.as_path())));
        let mut warm = None;
        if !fetch.refresh {
            let levels: Vec<_> = caches.enumerate().collect();
            warm = levels.into_iter().rev().find_map(|(level, path)| {
                let c = memo.role_cache(path?)?;
                let left = c.expiration.map_or(0, |e| e - now);
                (left >= need(level, last, fetch)).then_some((level, c))
            });
        }
        let assumes = warm.as_ref().map_or(last, |(level, _)| last - level);
        if warm.is_some() {
            let outcome = if assumes == 0 {
                Outcome::Ready
            } else {
                Outcome::Fetch
            };
            return Self {
                warm,
                base: None,
                assumes,
                outcome,
            };
        }
        if let Base::Login(login) = &plan.chain.base {
            let need = login_need(0, last, fetch);
            let read = login_cache::read(&login_cache::path(env, &login.session));
            let mut state = LoginState::classify(&read, need, now);
            if fetch.refresh && matches!(state, LoginState::Valid { .. }) {
                state = LoginState::Refresh {
                    expires_at: read
                        .as_ref()
                        .ok()
                        .and_then(Option::as_ref)
                        .and_then(login_cache::LoginFile::expires_at),
                };
            }
            if let (LoginState::Valid { .. }, Ok(Some(file))) = (&state, &read)
                && let Some(c) = file.credentials()
            {
                let outcome = if last == 0 {
                    Outcome::Ready
                } else {
                    Outcome::Fetch
                };
                return Self {
                    warm: Some((0, c)),
                    base: Some(BaseStep::Login(state)),
                    assumes: last,
                    outcome,
                };
            }
            let outcome = login_outcome(login, &state);
            return Self {
                warm: None,
                base: Some(BaseStep::Login(state)),
                assumes: last,
                outcome,
            };
        }
        let (base, outcome) = base_step(&plan.chain.base, env, now, memo);
        let outcome = match outcome {
            Outcome::Ready if assumes > 0 => Outcome::Fetch,
            other => other,
        };
        Self {
            warm,
            base,
            assumes,
            outcome,
        }
    }

    /// Whether using the profile now needs a login (`profiles`' `login_needed`).
    pub fn login_needed(&self) -> bool {
        matches!(self.outcome, Outcome::Login { .. })
    }

    /// The next run in one sentence.
    pub fn describe(&self) -> String {
        let mut steps: Vec<String> = Vec::new();
        match (&self.warm, &self.base) {
            (Some((0, _)), _) => steps.push("uses the cached credentials of the base".into()),
            (Some((level, _)), _) => {
                steps.push(format!("uses the cached credentials of hop {level}"));
            }
            (None, Some(BaseStep::Token(state))) => steps.push(match state.action() {
                TokenAction::Use => "uses the cached token, then calls GetRoleCredentials".into(),
                TokenAction::Refresh => "refreshes the token with its refresh token (no browser), then calls GetRoleCredentials".into(),
                TokenAction::Login => String::new(),
            }),
            (None, Some(BaseStep::Login(_))) => steps.push(
                "refreshes the aws login session with its refresh token (no browser)".into(),
            ),
            (None, Some(BaseStep::Keys)) => steps.push("uses the keys".into()),
            (None, Some(BaseStep::Process)) => steps.push("runs the credential_process".into()),
            (None, Some(BaseStep::WebIdentity)) => {
                steps.push("calls AssumeRoleWithWebIdentity".into());
            }
            (None, None) => {}
        }
        match &self.outcome {
            Outcome::Login { command } => {
                return format!(
                    "needs a login: on a terminal ssox starts one; without one it exits 77 (run `{command}`)"
                );
            }
            Outcome::Config(e) => return format!("fails: {e} (exit {})", e.exit_code()),
            Outcome::Ready if self.warm.is_some() => {
                return "uses the cached credentials: no token, no network".into();
            }
            Outcome::Ready | Outcome::Fetch => {}
        }
        if self.assumes > 0 {
            steps.push(format!(
                "then AssumeRole for each of the {} role(s)",
                self.assumes
            ));
        }
        steps.retain(|s| !s.is_empty());
        steps.join("; ")
    }
}

fn base_step(
    base: &Base,
    env: &Env,
    now: Timestamp,
    memo: &mut Memo,
) -> (Option<BaseStep>, Outcome) {
    match base {
        Base::Sso(sso) => {
            if let Some(e) = without_role(sso) {
                return (None, Outcome::Config(e));
            }
            let state = memo.token(env, sso, now).0.clone();
            let outcome = match state.action() {
                TokenAction::Login => Outcome::Login {
                    command: sso.login_command(),
                },
                TokenAction::Use | TokenAction::Refresh => Outcome::Fetch,
            };
            (Some(BaseStep::Token(state)), outcome)
        }
        Base::Login(login) => {
            // Outlook::with decides login profiles itself; this is for completeness.
            let read = login_cache::read(&login_cache::path(env, &login.session));
            let state = LoginState::classify(&read, login_cache::REUSE_WINDOW, now);
            let outcome = login_outcome(login, &state);
            (Some(BaseStep::Login(state)), outcome)
        }
        Base::AccessKey { .. } => (Some(BaseStep::Keys), Outcome::Ready),
        Base::Process { .. } => (Some(BaseStep::Process), Outcome::Fetch),
        Base::WebIdentity { .. } => (Some(BaseStep::WebIdentity), Outcome::Fetch),
        Base::NamedSource { profile, source } => match named_source(profile, *source, env) {
            Ok(()) => (Some(BaseStep::Keys), Outcome::Ready),
            Err(e) => (None, Outcome::Config(e)),
        },
    }
}

/// What a login session's state leaves the run to do.
fn login_outcome(login: &LoginProfile, state: &LoginState) -> Outcome {
    match state {
        LoginState::Missing | LoginState::Unusable { .. } => Outcome::Login {
            command: login.login_command(),
        },
        LoginState::Valid { .. } => Outcome::Ready,
        LoginState::Refresh { .. } => Outcome::Fetch,
    }
}

/// An SSO profile used for credentials without a role: a config error (the same profile
/// is fine for `ssox login`).
pub fn without_role(sso: &SsoProfile) -> Option<Error> {
    if sso.account_id.is_some() && sso.role_name.is_some() {
        return None;
    }
    Some(
        Error::new(
            Exit::Config,
            format!(
                "profile `{}` names an SSO login but no role: sso_account_id and sso_role_name are required",
                sso.profile
            ),
        )
        .hint(format!(
            "add both to [profile {}], or use it only with `ssox login -p {}`",
            sso.profile, sso.profile
        )),
    )
}

/// Whether a named credential source can give credentials here.
pub fn named_source(profile: &str, source: CredentialSource, env: &Env) -> Result<(), Error> {
    match source {
        CredentialSource::Environment => {
            if env.get("AWS_ACCESS_KEY_ID").is_some() && env.get("AWS_SECRET_ACCESS_KEY").is_some() {
                Ok(())
            } else {
                Err(Error::new(
                    Exit::Config,
                    format!("profile `{profile}` sets credential_source = Environment, but AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are not both set"),
                ))
            }
        }
        CredentialSource::Ec2InstanceMetadata | CredentialSource::EcsContainer => Err(Error::new(
            Exit::Config,
            format!("profile `{profile}` sets credential_source = {source}, which ssox does not support (it never contacts instance or container metadata)"),
        )
        .hint("on EC2 or ECS let the SDK's own credential chain do this, or use source_profile")),
    }
}
