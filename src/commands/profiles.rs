//! `ssox profiles`: every profile with its kind, what it signs in as, its region, and the
//! state of its credentials (SSO token, refreshability, cached role credentials), read from
//! the files alone: no network, no login. `--names` feeds the shell completions.

use std::io::IsTerminal;

use serde::Serialize;

use crate::cli::ProfilesCmd;
use crate::config::ConfigSet;
use crate::config::resolve::{self, Base, Chain};
use crate::env::Env;
use crate::error::Error;
use crate::provider::{Plan, role_cache};
use crate::settings::Common;
use crate::sso::token_cache::TokenState;
use crate::timefmt::{self, Timestamp};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Health {
    Good,
    Warn,
    Bad,
    None,
}

#[derive(Debug, Serialize)]
pub struct Row {
    pub name: String,
    pub kind: &'static str,
    /// `account/role` for SSO, the role ARN for roles, else what it uses.
    pub target: String,
    /// For roles: where their source credentials come from.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    pub state: String,
    pub health: Health,
}

fn left(now: Timestamp, until: Timestamp) -> String {
    format!(
        "{} (until {} UTC)",
        timefmt::human_duration(until - now),
        &timefmt::format_rfc3339(until)[11..16]
    )
}

fn token_health(state: &TokenState) -> Health {
    match state {
        TokenState::Valid { .. } | TokenState::Expiring { .. } => Health::Good,
        TokenState::Expired {
            refreshable: true, ..
        }
        | TokenState::Rejected { refreshable: true } => Health::Warn,
        _ => Health::Bad,
    }
}

fn cached(path: &std::path::Path, now: Timestamp) -> Option<String> {
    let e = role_cache::read(path)?.expiration?;
    (e > now).then(|| format!("cached credentials valid {}", left(now, e)))
}

/// The kind of a profile, what it signs in as, and where a role's source credentials come from.
fn what_it_is(set: &ConfigSet, chain: &Chain) -> (&'static str, String, Option<String>) {
    if let Some(role) = chain.roles.last() {
        let p = set.profile(&role.profile);
        let source = p.and_then(|p| {
            p.get("source_profile").map(str::to_string).or_else(|| {
                p.get("credential_source")
                    .map(|s| format!("credential_source {s}"))
            })
        });
        ("role", role.role_arn.clone(), source)
    } else {
        match &chain.base {
            Base::Sso(s) => (
                if s.session_name.is_some() {
                    "sso"
                } else {
                    "sso-legacy"
                },
                match (&s.account_id, &s.role_name) {
                    (Some(a), Some(r)) => format!("{a}/{r}"),
                    _ => "(login only)".into(),
                },
                s.session_name.as_ref().map(|n| format!("sso-session {n}")),
            ),
            Base::AccessKey { session_token, .. } => (
                "static",
                if session_token.is_some() {
                    "session keys".into()
                } else {
                    "long-term keys".into()
                },
                None,
            ),
            Base::Process { command, .. } => ("process", command.clone(), None),
            Base::WebIdentity { role_arn, .. } => ("web-identity", role_arn.clone(), None),
            Base::NamedSource { source, .. } => ("source", source.clone(), None),
        }
    }
}

pub fn row(env: &Env, set: &ConfigSet, name: &str, now: Timestamp) -> Row {
    let profile = set.profile(name);
    let region = profile
        .and_then(|p| p.get_nonempty("region"))
        .map(str::to_string);
    let invalid = |state: String, region| Row {
        name: name.into(),
        kind: "invalid",
        target: "-".into(),
        source: None,
        region,
        state,
        health: Health::Bad,
    };
    let chain = match resolve::resolve_chain(set, name) {
        Ok(c) => c,
        Err(resolve::ResolveError::NoCredentials { .. }) => {
            return Row {
                name: name.into(),
                kind: "config",
                target: "-".into(),
                source: None,
                region,
                state: "no credentials (settings only)".into(),
                health: Health::None,
            };
        }
        Err(e) => return invalid(e.to_string(), region),
    };
    let plan = match Plan::new(&chain, env, now) {
        Ok(p) => p,
        Err(e) => return invalid(e.message, region),
    };
    let cache_state = plan.final_cache().and_then(|f| cached(f, now));
    let base_sso = match &chain.base {
        Base::Sso(s) => Some(s),
        _ => None,
    };
    let (kind, target, source) = what_it_is(set, &chain);
    let token = base_sso.map(|sso| TokenState::of(&crate::sso::cache_dir(env), sso, now));
    let (state, health) = match (cache_state, token) {
        (Some(c), Some(t)) => {
            let h = token_health(&t);
            (
                format!("{c}; {}", t.summary(now)),
                if h == Health::Bad {
                    Health::Warn
                } else {
                    Health::Good
                },
            )
        }
        (Some(c), None) => (c, Health::Good),
        (None, Some(t)) => (t.summary(now), token_health(&t)),
        (None, None) => match &chain.base {
            Base::AccessKey { .. } => ("keys in the config files".into(), Health::Good),
            Base::Process { .. } => ("fetched when used".into(), Health::None),
            _ => ("no cached credentials".into(), Health::None),
        },
    };
    Row {
        name: name.into(),
        kind,
        target,
        source,
        region,
        state,
        health,
    }
}

fn paint(text: &str, health: Health, color: bool) -> String {
    let code = match health {
        Health::Good => "32",
        Health::Warn => "33",
        Health::Bad => "31",
        Health::None => return text.to_string(),
    };
    if color {
        format!("\x1b[{code}m{text}\x1b[0m")
    } else {
        text.to_string()
    }
}

/// An aligned table, one row a profile.
pub fn table(rows: &[Row], color: bool) -> String {
    let header = [
        "PROFILE",
        "KIND",
        "ACCOUNT/ROLE",
        "SOURCE",
        "REGION",
        "CREDENTIALS",
    ];
    let cells: Vec<[String; 5]> = rows
        .iter()
        .map(|r| {
            [
                r.name.clone(),
                r.kind.to_string(),
                r.target.clone(),
                r.source.clone().unwrap_or_else(|| "-".into()),
                r.region.clone().unwrap_or_else(|| "-".into()),
            ]
        })
        .collect();
    let mut widths: Vec<usize> = header[..5].iter().map(|h| h.len()).collect();
    for c in &cells {
        for (w, v) in widths.iter_mut().zip(c) {
            *w = (*w).max(v.chars().count());
        }
    }
    let mut out = String::new();
    let line = |out: &mut String, cols: &[String], last: &str| {
        for (w, v) in widths.iter().zip(cols) {
            out.push_str(v);
            out.push_str(&" ".repeat(w - v.chars().count() + 2));
        }
        out.push_str(last);
        out.push('\n');
    };
    let head: Vec<String> = header[..5].iter().map(|s| (*s).to_string()).collect();
    line(&mut out, &head, header[5]);
    for (c, r) in cells.iter().zip(rows) {
        line(&mut out, c, &paint(&r.state, r.health, color));
    }
    out
}

pub fn run(cmd: &ProfilesCmd, env: Env) -> Result<i32, Error> {
    let settings = Common::new(None, env);
    let set = crate::config::load(&settings.env, &settings.paths)?;
    let text = if cmd.names {
        set.profiles.keys().map(|n| n.clone() + "\n").collect()
    } else if cmd.sso_session_names {
        set.sso_sessions.keys().map(|n| n.clone() + "\n").collect()
    } else {
        let now = timefmt::now();
        let rows: Vec<Row> = set
            .profiles
            .keys()
            .map(|n| row(&settings.env, &set, n, now))
            .collect();
        if cmd.json {
            let mut s = serde_json::to_string_pretty(&rows).map_err(|e| {
                Error::new(
                    crate::error::Exit::Internal,
                    format!("cannot write JSON: {e}"),
                )
            })?;
            s.push('\n');
            s
        } else if rows.is_empty() {
            crate::notice!(
                "no profiles in {} or {}",
                settings.env.tilde(&settings.paths.config),
                settings.env.tilde(&settings.paths.credentials)
            );
            String::new()
        } else {
            let color = std::io::stdout().is_terminal() && settings.env.get("NO_COLOR").is_none();
            table(&rows, color)
        }
    };
    crate::output::print(&text)?;
    Ok(0)
}
