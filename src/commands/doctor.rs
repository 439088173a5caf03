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
use crate::error::Error;
use crate::provider::outlook::need;
use crate::provider::{self, Context, Outcome, Outlook, Plan, role_cache};
use crate::settings::{Common, Fetch, LoginOptions, LoginPolicy};
use crate::sso::login::choose_flow;
use crate::sso::token_cache::{self, TokenState};
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

/// A role-cache file, and whether the run reuses it (the outlook decided that).
fn cache_line(
    env: &Env,
    path: &std::path::Path,
    need: i64,
    now: Timestamp,
    reused: bool,
) -> String {
    let shown = env.tilde(path);
    match role_cache::read(path).and_then(|c| c.expiration) {
        Some(e) if reused => format!(
            "{shown}: valid {} (reused)",
            timefmt::human_duration(e - now)
        ),
        Some(e) if e > now => format!(
            "{shown}: {} left, less than the {} a run needs (renewed on the next run)",
            timefmt::human_duration(e - now),
            timefmt::human_duration(need)
        ),
        Some(_) => format!("{shown}: expired"),
        None => format!("{shown}: none"),
    }
}

/// The SSO base: session, token state, registration, login flow and endpoints.
fn sso_block(r: &mut Report, env: &Env, net: Option<&Net>, sso: &SsoProfile) {
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
}

/// The chain, its caches and the next run, as the run's own [`Outlook`] decides it. Returns
/// the outlook, whose outcome sets doctor's exit status.
fn chain_block(
    r: &mut Report,
    env: &Env,
    set: &ConfigSet,
    profile: &Section,
    plan: &Plan<'_>,
) -> Outlook {
    let now = timefmt::now();
    let fetch = Fetch::default();
    let outlook = Outlook::new(plan, env, &fetch, now);
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
    let last = plan.hops.len();
    let warm = outlook.warm.as_ref().map(|(level, _)| *level);
    if let Some(base) = &plan.base_cache {
        let text = cache_line(env, base, need(0, last, &fetch), now, warm == Some(0));
        r.item("cached creds", &text);
    } else if plan.hops.is_empty() {
        r.item("cached creds", "not cached for this kind of profile");
    }
    for (i, hop) in plan.hops.iter().enumerate() {
        let text = cache_line(
            env,
            &hop.cache,
            need(i + 1, last, &fetch),
            now,
            warm == Some(i + 1),
        );
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
    }
    if let (Base::Sso(sso), None) = (&plan.chain.base, warm) {
        sso_block(r, env, net.as_ref(), sso);
    }
    if outlook.assumes > 0 || matches!(plan.chain.base, Base::WebIdentity { .. }) {
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
    r.item("next run", &outlook.describe());
    outlook
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
    let explain = |e: &resolve::ResolveError| {
        resolve::explain(e, &set, env, &common.paths, common.profile_source)
    };
    let Some(profile) = set.profile(&common.profile) else {
        // As a run says it: did you mean, or the `[profile X]` a section lacks.
        let e = explain(&resolve::ResolveError::ProfileNotFound {
            name: common.profile.clone(),
        });
        r.item("error", &e.to_string());
        crate::output::print(&r.0)?;
        return Ok(e.exit_code());
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
            let e = explain(e);
            r.item("next run", &format!("fails: {e} (exit {})", e.exit_code()));
            exit = e.exit_code();
        }
        Ok(chain) => match Plan::new(chain, env, timefmt::now()) {
            Ok(plan) => {
                // A run would fail whatever the service answers: so does doctor.
                if let Outcome::Config(e) = chain_block(&mut r, env, &set, profile, &plan).outcome {
                    exit = e.exit_code();
                }
            }
            Err(e) => {
                r.item("next run", &format!("fails: {e} (exit {})", e.exit_code()));
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
