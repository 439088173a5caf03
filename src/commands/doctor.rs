//! `ssox doctor`: what ssox would do for a profile and why, from the files alone. It prints
//! the decisions the run path makes, computed by the same functions: the chain's plan (each
//! hop and its cache file), the token's state, the login flow, the endpoint of each service
//! and the STS region; then what the next run would do, and known pitfalls. `--check` also
//! gets credentials once, through the run path itself, to prove it works.

use std::fmt::Write as _;

use crate::aws::Net;
use crate::cli::DoctorCmd;
use crate::config::endpoints::Service;
use crate::config::region;
use crate::config::resolve::{self, Base, Chain, SsoProfile};
use crate::config::{ConfigSet, FileKind, Section};
use crate::env::Env;
use crate::error::{Error, Exit};
use crate::provider::{self, Context, Plan, role_cache};
use crate::settings::{Common, Fetch, LoginOptions, LoginPolicy, MIN_TTL};
use crate::sso::login::choose_flow;
use crate::sso::token_cache::{self, TokenAction, TokenState};
use crate::timefmt::{self, Timestamp};

struct Report(String);

impl Report {
    fn item(&mut self, label: &str, text: &str) {
        let _ = writeln!(self.0, "  {label:<13}{text}");
    }
}

/// Known pitfalls in this profile, each as one sentence.
fn pitfalls(profile: &Section, chain: Option<&Chain>) -> Vec<String> {
    let mut out = Vec::new();
    let has_sso = ["sso_session", "sso_start_url", "sso_account_id"]
        .iter()
        .any(|k| profile.get(k).is_some());
    if has_sso && profile.get("credential_process").is_some() {
        out.push("credential_process is ignored: the profile also has sso_* keys, and SSO comes first (as in the AWS SDKs)".into());
    }
    if profile.get("sso_session").is_some()
        && (profile.get("sso_start_url").is_some() || profile.get("sso_region").is_some())
    {
        out.push("the profile has sso_session and also sso_start_url/sso_region; the AWS SDKs reject this: keep them in the [sso-session] section only".into());
    }
    let keys_in_credentials = profile
        .props
        .get("aws_access_key_id")
        .is_some_and(|p| p.origin.file == FileKind::Credentials);
    if has_sso && keys_in_credentials {
        out.push(format!(
            "keys for [{}] in the credentials file are ignored: it is an SSO profile (they may be from ssox -c or aws-export-credentials)",
            profile.name
        ));
    }
    if let Some(chain) = chain {
        if matches!(chain.base, Base::Sso(_)) {
            out.push("how long role credentials last is set by the permission set's session duration in IAM Identity Center, not by ssox; --min-ttl cannot stretch it".into());
        }
        if !chain.roles.is_empty() {
            out.push("an assumed role lasts duration_seconds (default 1h, at most the role's maximum session duration); role chaining caps it at 1h".into());
        }
    }
    out
}

/// What HTTPS trusts, and FIPS and dual-stack where they are set (proxies show per
/// endpoint).
fn network_line(net: &Net, env: &Env) -> String {
    let mut parts = vec![match &net.ca_bundle {
        Some(b) => format!("trusts the system roots and {}", b.describe(env)),
        None => "trusts the system roots".to_string(),
    }];
    for (flag, what) in [(&net.fips, "FIPS"), (&net.dualstack, "dual-stack")] {
        if let Some(f) = flag {
            parts.push(format!(
                "{what} {} (from {})",
                if f.on { "on" } else { "off" },
                f.source
            ));
        }
    }
    parts.join("; ")
}

/// A role-cache file and whether a run would reuse what is in it.
fn cache_line(env: &Env, path: &std::path::Path, need: i64, now: Timestamp) -> (String, bool) {
    let shown = env.tilde(path);
    match role_cache::read(path).and_then(|c| c.expiration) {
        Some(e) if e - now >= need => (
            format!(
                "{shown}: valid {} (reused)",
                timefmt::human_duration(e - now)
            ),
            true,
        ),
        Some(e) if e > now => (
            format!(
                "{shown}: only {} left (renewed on the next run)",
                timefmt::human_duration(e - now)
            ),
            false,
        ),
        Some(_) => (format!("{shown}: expired"), false),
        None => (format!("{shown}: none"), false),
    }
}

/// The SSO base: session, token state, registration, login flow and endpoints. Returns what
/// the next run does to get the base's credentials.
fn sso_block(r: &mut Report, env: &Env, net: Option<&Net>, sso: &SsoProfile) -> String {
    let now = timefmt::now();
    let session = sso.session_name.as_ref().map_or_else(
        || ", legacy profile (no refresh tokens)".to_string(),
        |s| format!(", sso-session {s}"),
    );
    r.item(
        "sso",
        &format!("{}, region {}{session}", sso.start_url, sso.region),
    );
    let dir = crate::sso::cache_dir(env);
    let state = TokenState::of(&dir, sso, now);
    let path = token_cache::token_path(&dir, sso.token_cache_input());
    r.item(
        "token",
        &format!("{}: {}", env.tilde(&path), state.summary(now)),
    );
    match token_cache::registration_path(&dir, sso) {
        Ok(reg_path) => {
            let text = match token_cache::read_registration(&reg_path) {
                Some(g) => format!(
                    "{}: client {}, expires {}{}",
                    env.tilde(&reg_path),
                    g.client_id,
                    g.expires_at,
                    if g.grant_types
                        .as_ref()
                        .is_some_and(|t| t.iter().any(|x| x == "authorization_code"))
                    {
                        ", for PKCE"
                    } else {
                        ", for the device code"
                    }
                ),
                None => format!("{}: none (a login registers one)", env.tilde(&reg_path)),
            };
            r.item("registration", &text);
        }
        Err(e) => r.item("registration", &format!("error: {e}")),
    }
    r.item(
        "login",
        &choose_flow(env, sso, &LoginOptions::default()).describe(),
    );
    if let Some(net) = net {
        let line = |service| {
            net.target(service, &sso.region)
                .map_or_else(|e| format!("error: {e}"), |t| t.describe())
        };
        r.item(
            "endpoints",
            &format!(
                "portal {}; oidc {}",
                line(Service::Sso),
                line(Service::SsoOidc)
            ),
        );
    }
    match state.action() {
        TokenAction::Use => "uses the cached token, then calls GetRoleCredentials".into(),
        TokenAction::Refresh => {
            "refreshes the token with its refresh token (no browser), then calls GetRoleCredentials"
                .into()
        }
        TokenAction::Login => format!(
            "needs a login: on a terminal ssox starts one; without one it exits 77 (run `{}`)",
            sso.login_command()
        ),
    }
}

fn chain_block(r: &mut Report, env: &Env, set: &ConfigSet, profile: &Section, plan: &Plan<'_>) {
    let now = timefmt::now();
    r.item("chain", &plan.describe());
    let net = match Net::new(env, set, Some(profile)) {
        Ok(n) => Some(n),
        Err(e) => {
            r.item("error", &e.to_string());
            None
        }
    };
    if let Some(n) = &net {
        r.item("network", &network_line(n, env));
    }
    // The hop a run starts from: the deepest whose cached credentials last (as the provider).
    let last = plan.hops.len();
    let mut warm_from = None;
    if let Some(base) = &plan.base_cache {
        let (text, reused) = cache_line(env, base, MIN_TTL, now);
        r.item("cached creds", &text);
        if reused {
            warm_from = Some(0);
        }
    } else if plan.hops.is_empty() {
        r.item("cached creds", "not cached for this kind of profile");
    }
    for (i, hop) in plan.hops.iter().enumerate() {
        let (text, reused) = cache_line(env, &hop.cache, MIN_TTL, now);
        r.item(
            if i == 0 { "hops" } else { "" },
            &format!(
                "{}. {} as {} (profile {}): {text}",
                i + 1,
                hop.role.role_arn,
                hop.session_name,
                hop.role.profile
            ),
        );
        if reused {
            warm_from = Some(i + 1);
        }
    }
    let mut then = match (&plan.chain.base, warm_from) {
        (_, Some(0)) => "uses the cached credentials of the base (no token)".into(),
        (_, Some(_)) => String::new(),
        (Base::Sso(sso), None) => sso_block(r, env, net.as_ref(), sso),
        (Base::AccessKey { .. }, None) => "uses the keys in the config files".into(),
        (Base::Process { .. }, None) => "runs the credential_process".into(),
        (Base::WebIdentity { .. }, None) => "calls AssumeRoleWithWebIdentity".into(),
        (Base::NamedSource { source, .. }, None) => format!("uses credential_source {source}"),
    };
    if !plan.hops.is_empty() || matches!(plan.chain.base, Base::WebIdentity { .. }) {
        let region = region::for_sts(None, env, Some(profile));
        let url = net.as_ref().map_or_else(
            || "?".to_string(),
            |n| {
                n.target(Service::Sts, &region.name)
                    .map_or_else(|e| format!("error: {e}"), |t| t.describe())
            },
        );
        r.item("sts", &format!("{url}; region {}", region.describe()));
    }
    let start = warm_from.unwrap_or(0);
    if warm_from == Some(last) {
        then = "uses the cached credentials: no token, no network".into();
    } else if !then.contains("needs a login") && start < last {
        let sep = if then.is_empty() { "" } else { "; " };
        let from = if start > 0 {
            format!("from the cached credentials of hop {start}, ")
        } else {
            String::new()
        };
        let _ = write!(
            then,
            "{sep}{from}then AssumeRole for each of the {} role(s)",
            last - start
        );
    }
    r.item("next run", &then);
}

fn check(common: &Common, set: &ConfigSet, selected: &Section, chain: &Chain) -> (String, i32) {
    let mut r = Report(String::new());
    let never = LoginPolicy::Never {
        reason: "ssox doctor never logs in",
    };
    let fetch = Fetch {
        refresh: true,
        ..Fetch::default()
    };
    let ctx = Context::new(&common.env, set, selected, &never, &fetch);
    let result = provider::plan(&ctx, chain).and_then(|p| provider::credentials(&ctx, &p));
    let exit = match result {
        Ok(c) => {
            r.item(
                "check",
                &format!(
                    "ok: got credentials{}{}",
                    c.account_id
                        .map(|a| format!(" for account {a}"))
                        .unwrap_or_default(),
                    c.expiration
                        .map(|e| format!(", valid until {}", timefmt::format_rfc3339(e)))
                        .unwrap_or_default()
                ),
            );
            0
        }
        Err(e) => {
            r.item("check", &format!("failed: {e}"));
            e.exit_code()
        }
    };
    (r.0, exit)
}

pub fn run(cmd: &DoctorCmd, env: Env) -> Result<i32, Error> {
    let common = Common::new(cmd.profile.as_deref(), env);
    let env = &common.env;
    let set = crate::config::load(env, &common.paths)?;
    let mut r = Report(format!(
        "ssox doctor: profile `{}` ({})\n",
        common.profile,
        common.profile_source.describe()
    ));
    let state = |k| {
        if set.found.contains(&k) {
            "read"
        } else {
            "not found"
        }
    };
    r.item(
        "files",
        &format!(
            "{} ({}), {} ({})",
            env.tilde(&common.paths.config),
            state(FileKind::Config),
            env.tilde(&common.paths.credentials),
            state(FileKind::Credentials)
        ),
    );
    let Some(profile) = set.profile(&common.profile) else {
        r.item("error", &format!("profile `{}` not found", common.profile));
        crate::output::print(&r.0)?;
        return Ok(Exit::Config as i32);
    };
    r.item(
        "defined in",
        &format!(
            "{} line {}",
            env.tilde(common.paths.path(profile.origin.file)),
            profile.origin.line
        ),
    );
    let chain = resolve::resolve_chain(&set, &common.profile);
    let mut exit = 0;
    match &chain {
        Err(e) => {
            r.item("error", &e.to_string());
            exit = Exit::Config as i32;
        }
        Ok(chain) => match Plan::new(chain, env, timefmt::now()) {
            Ok(plan) => chain_block(&mut r, env, &set, profile, &plan),
            Err(e) => {
                r.item("error", &e.to_string());
                exit = e.exit_code();
            }
        },
    }
    for (i, p) in pitfalls(profile, chain.as_ref().ok()).iter().enumerate() {
        r.item(if i == 0 { "notes" } else { "" }, &format!("- {p}"));
    }
    crate::output::print(&r.0)?;
    if cmd.check
        && exit == 0
        && let Ok(chain) = &chain
    {
        let (text, code) = check(&common, &set, profile, chain);
        crate::output::print(&text)?;
        exit = code;
    }
    Ok(exit)
}
