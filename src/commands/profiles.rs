//! `ssox profiles`: every profile with its kind, what it signs in as, its region, and the
//! state of its credentials (SSO token, refreshability, cached role credentials), read from
//! the files alone: no network, no login. `--names` feeds the shell completions.

use serde::Serialize;

use crate::cli::ProfilesCmd;
use crate::config::ConfigSet;
use crate::config::resolve::{self, Base};
use crate::env::Env;
use crate::error::Error;
use crate::provider::outlook::{BaseStep, Memo};
use crate::provider::{Outcome, Outlook, Plan, role_cache};
use crate::settings::{Common, Fetch};
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
    /// The state as fields, for scripts (`--json`); absent from the table.
    #[serde(flatten)]
    pub fields: Fields,
}

/// What `state` says in prose, as fields. Every key is always present (null when it does not
/// apply), so a script can rely on it.
#[derive(Debug, Default, Serialize)]
pub struct Fields {
    pub account_id: Option<String>,
    pub role_name: Option<String>,
    pub role_arn: Option<String>,
    pub sso_session: Option<String>,
    pub sso_start_url: Option<String>,
    /// When the cached SSO token expires (RFC 3339), or expired.
    pub token_expires_at: Option<String>,
    /// Whether the cached SSO token can be refreshed without a browser.
    pub token_refreshable: Option<bool>,
    /// When the cached role credentials expire (RFC 3339), if any are cached.
    pub credentials_expire_at: Option<String>,
    /// Whether using the profile now would need a login (no usable credentials or token).
    pub login_needed: bool,
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

fn cached(memo: &Memo, path: &std::path::Path, now: Timestamp) -> Option<(String, Timestamp)> {
    let e = memo.role_cache(path)?.expiration?;
    (e > now).then(|| (format!("cached credentials valid {}", left(now, e)), e))
}

/// The token's expiry and refreshability, as `TokenState` knows them.
fn token_fields(
    state: &TokenState,
    refreshable_file: Option<bool>,
) -> (Option<String>, Option<bool>) {
    let at = |t: Timestamp| Some(timefmt::format_rfc3339(t));
    match state {
        TokenState::Missing | TokenState::Corrupt => (None, None),
        TokenState::Rejected { refreshable } => (None, Some(*refreshable)),
        TokenState::Valid { expires_at } => (at(*expires_at), refreshable_file),
        TokenState::Expiring {
            expires_at,
            refreshable,
        } => (at(*expires_at), Some(*refreshable)),
        TokenState::Expired {
            expired_at,
            refreshable,
        } => (expired_at.and_then(at), Some(*refreshable)),
    }
}

/// How a run would fare now, as the outlook says: bad where it would fail or needs a login.
fn health_of(outlook: &Outlook, base: &Base, login_only: bool) -> Health {
    match &outlook.outcome {
        _ if login_only => Health::None,
        Outcome::Config(_) | Outcome::Login { .. } => Health::Bad,
        Outcome::Ready => Health::Good,
        Outcome::Fetch => match (&outlook.base, base) {
            (Some(BaseStep::Token(t)), _) => token_health(t),
            // A refresh with the session's refresh token: no person needed.
            (_, Base::Login(_)) => Health::Warn,
            // What a credential_process gives is known only when it runs.
            (_, Base::Process { .. }) => Health::None,
            (
                _,
                Base::Sso(_)
                | Base::AccessKey { .. }
                | Base::NamedSource { .. }
                | Base::WebIdentity { .. },
            ) => Health::Good,
        },
    }
}

pub fn row(env: &Env, set: &ConfigSet, name: &str, now: Timestamp, memo: &mut Memo) -> Row {
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
        fields: Fields::default(),
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
                fields: Fields::default(),
            };
        }
        Err(e) => return invalid(e.to_string(), region),
    };
    let plan = match Plan::new(&chain, env, now) {
        Ok(p) => p,
        Err(e) => return invalid(e.message, region),
    };
    let cache = plan.final_cache().and_then(|f| cached(memo, f, now));
    let base_sso = match &chain.base {
        Base::Sso(s) => Some(s),
        _ => None,
    };
    let (kind, target, source) = resolve::what_it_is(set, &chain);
    let read = base_sso.map(|sso| memo.token(env, sso, now));
    let token = read.as_ref().map(|r| &r.0);
    let cached_token = read.as_ref().and_then(|r| r.1.as_ref());
    let mut fields = Fields {
        role_arn: chain.roles.last().map(|r| r.role_arn.clone()),
        credentials_expire_at: cache.as_ref().map(|(_, e)| timefmt::format_rfc3339(*e)),
        ..Fields::default()
    };
    if let (Some(sso), Some(state)) = (base_sso, token) {
        let refreshable =
            sso.session_name.is_some() && cached_token.is_some_and(|t| t.can_refresh(now));
        let (expires, refreshable) = token_fields(state, Some(refreshable));
        fields.account_id.clone_from(&sso.account_id);
        fields.role_name.clone_from(&sso.role_name);
        fields.sso_session.clone_from(&sso.session_name);
        fields.sso_start_url = Some(sso.start_url.clone());
        fields.token_expires_at = expires;
        fields.token_refreshable = refreshable;
    }
    // What a run would do now, decided as the run decides it.
    let outlook = Outlook::with(&plan, env, &Fetch::default(), now, memo);
    fields.login_needed = outlook.login_needed();
    let login_only =
        matches!(&chain.base, Base::Sso(s) if s.account_id.is_none()) && chain.roles.is_empty();
    let cache_state = cache.map(|(text, _)| text);
    let login_state = match &outlook.base {
        Some(crate::provider::outlook::BaseStep::Login(l)) => Some(l.summary(now)),
        _ => None,
    };
    let cache_state = cache_state.or(login_state);
    let mut state = match (cache_state, token) {
        (Some(c), Some(t)) => format!("{c}; {}", t.summary(now)),
        (Some(c), None) => c,
        (None, Some(t)) => t.summary(now),
        (None, None) => match &chain.base {
            Base::AccessKey { .. } => "keys in the config files".into(),
            Base::Process { .. } => "fetched when used".into(),
            Base::NamedSource { source, .. } => format!("credential_source {source}"),
            Base::Sso(_) | Base::WebIdentity { .. } | Base::Login(_) => {
                "no cached credentials".into()
            }
        },
    };
    let health = health_of(&outlook, &chain.base, login_only);
    if login_only {
        state = format!("login only (no role); {state}");
    } else if let Outcome::Config(e) = &outlook.outcome {
        state = e.to_string();
    }
    Row {
        name: name.into(),
        kind,
        target,
        source,
        region,
        state,
        health,
        fields,
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
        let mut memo = Memo::listing(&role_cache::cache_dir(&settings.env));
        let rows: Vec<Row> = set
            .profiles
            .keys()
            .map(|n| row(&settings.env, &set, n, now, &mut memo))
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
            crate::log::notice!(
                "no profiles in {} or {}",
                settings.env.tilde(&settings.paths.config),
                settings.env.tilde(&settings.paths.credentials)
            );
            String::new()
        } else {
            let color = crate::term::terminals().stdout && settings.env.get("NO_COLOR").is_none();
            table(&rows, color)
        }
    };
    crate::output::print(&text)?;
    Ok(0)
}
