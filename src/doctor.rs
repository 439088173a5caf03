//! `ssox doctor`: what ssox would do for a profile and why, from the files alone: which
//! files it read, the chain, the token and its state, the client registration, the cached
//! credentials, the endpoints it would call, whether a login would be needed, and known
//! pitfalls. `--check` also gets credentials once, to prove the whole path works.

use std::fmt::Write as _;

use crate::cli::DoctorCmd;
use crate::config::resolve::{self, Base, Chain, SsoProfile};
use crate::config::{ConfigSet, FileKind, Section};
use crate::endpoints::{self, Service};
use crate::env::Env;
use crate::error::{Error, Exit};
use crate::profiles::token_state;
use crate::settings::Settings;
use crate::sso::token_cache;
use crate::sso::{login, portal};
use crate::timefmt::{self, Timestamp};
use crate::{browser, role_cache};

struct Report(String);

impl Report {
    fn item(&mut self, label: &str, text: &str) {
        let _ = writeln!(self.0, "  {label:<13}{text}");
    }
}

fn endpoint_line(
    env: &Env,
    set: &ConfigSet,
    profile: Option<&Section>,
    service: Service,
    default: &str,
) -> String {
    match endpoints::configured(service, env, set, profile) {
        Ok(Some(e)) => format!("{} (from {})", e.url, e.source),
        Ok(None) => format!("{default} (default)"),
        Err(e) => format!("error: {e}"),
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

fn token_lines(r: &mut Report, env: &Env, sso: &SsoProfile, now: Timestamp) -> (bool, bool) {
    let dir = crate::sso::cache_dir(env);
    let path = token_cache::token_path(&dir, sso.token_cache_input());
    let (state, _) = token_state(env, sso, now);
    let token = token_cache::read(&path).ok().flatten();
    let refresh = token
        .as_ref()
        .is_some_and(|t| sso.session_name.is_some() && t.can_refresh(now));
    r.item(
        "token",
        &format!(
            "{}: {state}{}",
            env.tilde(&path),
            if token.is_some() {
                if refresh {
                    ", refreshable (refresh token and live registration)"
                } else {
                    ", not refreshable"
                }
            } else {
                ""
            }
        ),
    );
    let reg_path = login::registration_path(&dir, sso);
    let reg = token_cache::read_registration(&reg_path);
    r.item(
        "registration",
        &match &reg {
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
        },
    );
    let fresh = token
        .as_ref()
        .is_some_and(|t| t.lasts(now, crate::sso::session::REFRESH_WINDOW));
    (
        fresh || refresh,
        token.as_ref().is_some_and(|t| t.lasts(now, 1)),
    )
}

/// What the cached credentials say, and whether the next run would use them as they are.
fn cached_line(env: &Env, chain: &Chain, now: Timestamp) -> (String, bool) {
    let Some(file) = crate::profiles::last_hop_cache(chain) else {
        return ("not cached for this kind of profile".into(), false);
    };
    let path = role_cache::cache_dir(env).join(file);
    let shown = env.tilde(&path);
    match role_cache::read(&path).and_then(|c| c.expiration) {
        Some(e) if e - now >= role_cache::MIN_REMAINING => (
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

/// Token, registration, login flow and endpoints of an SSO base; returns what the next
/// run would do when it has no cached credentials.
fn sso_block(
    r: &mut Report,
    env: &Env,
    set: &ConfigSet,
    profile: &Section,
    sso: &SsoProfile,
    now: Timestamp,
) -> String {
    let session = sso.session_name.as_ref().map_or_else(
        || ", legacy profile (no refresh tokens)".to_string(),
        |s| format!(", sso-session {s}"),
    );
    r.item(
        "sso",
        &format!("{}, region {}{session}", sso.start_url, sso.region),
    );
    let (usable, valid) = token_lines(r, env, sso, now);
    let opts = login::LoginOptions {
        use_device_code: false,
        no_browser: false,
        redirect_port: None,
        timeout: std::time::Duration::from_mins(10),
    };
    let why = match (
        login::choose_flow(env, sso, &opts),
        sso.session_name.is_some(),
        sso.use_device_code,
    ) {
        (login::Flow::Pkce, ..) => "PKCE: the browser opens and comes back to 127.0.0.1",
        (_, false, _) => "device code (legacy profiles cannot use PKCE)",
        (_, _, true) => "device code (sso_use_device_code = true)",
        _ if !browser::available(env) => {
            "device code (no browser can be opened here: no $BROWSER and no display)"
        }
        _ => "device code",
    };
    r.item("login", why);
    r.item(
        "endpoints",
        &format!(
            "portal {}; oidc {}",
            endpoint_line(
                env,
                set,
                Some(profile),
                Service::Sso,
                &portal::endpoint_for(&sso.region, None)
            ),
            endpoint_line(
                env,
                set,
                Some(profile),
                Service::SsoOidc,
                &format!("https://oidc.{}.amazonaws.com", sso.region)
            )
        ),
    );
    if usable && valid && sso.session_name.is_some() {
        "uses the cached token (refreshing it first if it has under 15 minutes left), then calls GetRoleCredentials".into()
    } else if valid {
        "uses the cached token, then calls GetRoleCredentials".into()
    } else if usable {
        "refreshes the token with its refresh token (no browser), then calls GetRoleCredentials"
            .into()
    } else {
        format!(
            "needs a login: on a terminal ssox starts one; without one it exits 77 (run `{}`)",
            crate::sso::session::login_command(sso)
        )
    }
}

fn chain_block(
    r: &mut Report,
    env: &Env,
    set: &ConfigSet,
    profile: &Section,
    chain: &Chain,
    now: Timestamp,
) {
    r.item("chain", &crate::provider::describe_chain(chain));
    let (cached, warm) = cached_line(env, chain, now);
    r.item("cached creds", &cached);
    let mut next = String::new();
    if let Base::Sso(sso) = &chain.base {
        next = sso_block(r, env, set, profile, sso, now);
    }
    if !chain.roles.is_empty() || matches!(chain.base, Base::WebIdentity { .. }) {
        let region = profile
            .get_nonempty("region")
            .or_else(|| env.get("AWS_REGION"))
            .unwrap_or("us-east-1");
        r.item(
            "sts",
            &endpoint_line(
                env,
                set,
                Some(profile),
                Service::Sts,
                &format!("https://sts.{region}.amazonaws.com"),
            ),
        );
        if !next.contains("login") {
            let sep = if next.is_empty() { "" } else { "; " };
            let _ = write!(
                next,
                "{sep}then AssumeRole for each of the {} role(s)",
                chain.roles.len()
            );
        }
    }
    if warm {
        next = "uses the cached credentials: no token, no network".into();
    }
    if !next.is_empty() {
        r.item("next run", &next);
    }
}

fn check(settings: &Settings, set: &ConfigSet) -> (String, i32) {
    let mut r = Report(String::new());
    let mut exit = 0;
    match crate::app::check_credentials(settings, set) {
        Ok(c) => r.item(
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
        ),
        Err(e) => {
            r.item("check", &format!("failed: {e}"));
            exit = e.exit_code();
        }
    }
    (r.0, exit)
}

pub fn run(cmd: &DoctorCmd, env: Env) -> Result<i32, Error> {
    let settings = Settings::for_target(cmd.profile.as_deref(), env);
    let env = &settings.env;
    let set = crate::app::load_config(env, &settings.paths)?;
    let now = timefmt::now();
    let mut r = Report(format!("ssox doctor: profile `{}`\n", settings.profile));
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
            env.tilde(&settings.paths.config),
            state(FileKind::Config),
            env.tilde(&settings.paths.credentials),
            state(FileKind::Credentials)
        ),
    );
    let Some(profile) = set.profile(&settings.profile) else {
        r.item(
            "error",
            &format!("profile `{}` not found", settings.profile),
        );
        crate::app::print_output(&r.0)?;
        return Ok(Exit::Config as i32);
    };
    r.item(
        "defined in",
        &format!(
            "{} line {}",
            env.tilde(settings.paths.path(profile.origin.file)),
            profile.origin.line
        ),
    );
    let chain = resolve::resolve_chain(&set, &settings.profile);
    let mut exit = 0;
    match &chain {
        Err(e) => {
            r.item("error", &e.to_string());
            exit = Exit::Config as i32;
        }
        Ok(chain) => chain_block(&mut r, env, &set, profile, chain, now),
    }
    for (i, p) in pitfalls(profile, chain.as_ref().ok()).iter().enumerate() {
        r.item(if i == 0 { "notes" } else { "" }, &format!("- {p}"));
    }
    crate::app::print_output(&r.0)?;
    if cmd.check && exit == 0 {
        let (text, code) = check(&settings, &set);
        crate::app::print_output(&text)?;
        exit = code;
    }
    Ok(exit)
}
