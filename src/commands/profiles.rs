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
) -> (Option<Timestamp>, Option<bool>) {
    match state {
        TokenState::Missing | TokenState::Corrupt => (None, None),
        TokenState::Rejected { refreshable } => (None, Some(*refreshable)),
        TokenState::Valid { expires_at } => (Some(*expires_at), refreshable_file),
        TokenState::Expiring {
            expires_at,
            refreshable,
        } => (Some(*expires_at), Some(*refreshable)),
        TokenState::Expired {
            expired_at,
            refreshable,
        } => (*expired_at, Some(*refreshable)),
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

/// What the rows of one listing share: the files read once, and each SSO token's summary
/// and expiry in words, formatted once for the thousands of profiles that share a token.
struct Lister {
    memo: Memo,
    token_texts: std::collections::HashMap<String, (String, Option<String>)>,
}

/// Fills the SSO fields of a row, and says the token's state in words.
fn sso_fields(
    token_texts: &mut std::collections::HashMap<String, (String, Option<String>)>,
    sso: &resolve::SsoProfile,
    state: &TokenState,
    cached_token: Option<&crate::sso::token_cache::CachedToken>,
    now: Timestamp,
    fields: &mut Fields,
) -> String {
    let refreshable =
        sso.session_name.is_some() && cached_token.is_some_and(|t| t.can_refresh(now));
    let (expires, refreshable) = token_fields(state, Some(refreshable));
    let (summary, expires) = token_texts
        .entry(sso.token_cache_input().to_string())
        .or_insert_with(|| (state.summary(now), expires.map(timefmt::format_rfc3339)))
        .clone();
    fields.account_id.clone_from(&sso.account_id);
    fields.role_name.clone_from(&sso.role_name);
    fields.sso_session.clone_from(&sso.session_name);
    fields.sso_start_url = Some(sso.start_url.clone());
    fields.token_expires_at = expires;
    fields.token_refreshable = refreshable;
    summary
}

fn row(env: &Env, set: &ConfigSet, name: &str, now: Timestamp, lister: &mut Lister) -> Row {
    let memo = &mut lister.memo;
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
    let token_summary = match (base_sso, token) {
        (Some(sso), Some(state)) => Some(sso_fields(
            &mut lister.token_texts,
            sso,
            state,
            cached_token,
            now,
            &mut fields,
        )),
        _ => None,
    };
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
    let mut state = match (cache_state, token_summary) {
        (Some(c), Some(t)) => format!("{c}; {t}"),
        (Some(c), None) => c,
        (None, Some(t)) => t,
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

/// Appends `text` to `out`, in its health's colour when `color`.
fn paint(out: &mut String, text: &str, health: Health, color: bool) {
    let code = match health {
        Health::Good => "32",
        Health::Warn => "33",
        Health::Bad => "31",
        Health::None => "",
    };
    if color && !code.is_empty() {
        out.push_str("\x1b[");
        out.push_str(code);
        out.push('m');
        out.push_str(text);
        out.push_str("\x1b[0m");
    } else {
        out.push_str(text);
    }
}

/// An aligned table, one row a profile.
pub fn table(rows: &[Row], color: bool) -> String {
    const HEADER: [&str; 5] = ["PROFILE", "KIND", "ACCOUNT/ROLE", "SOURCE", "REGION"];
    fn cells(r: &Row) -> [&str; 5] {
        [
            &r.name,
            r.kind,
            &r.target,
            r.source.as_deref().unwrap_or("-"),
            r.region.as_deref().unwrap_or("-"),
        ]
    }
    let width = |v: &str| {
        if v.is_ascii() {
            v.len()
        } else {
            v.chars().count()
        }
    };
    let mut widths: Vec<usize> = HEADER.iter().map(|h| h.len()).collect();
    for r in rows {
        for (w, v) in widths.iter_mut().zip(cells(r)) {
            *w = (*w).max(width(v));
        }
    }
    let mut out = String::with_capacity(rows.len() * (widths.iter().sum::<usize>() + 60));
    let line = |out: &mut String, cols: [&str; 5], last: &str, health: Health| {
        for (w, v) in widths.iter().zip(cols) {
            out.push_str(v);
            out.extend(std::iter::repeat_n(' ', w - width(v) + 2));
        }
        paint(out, last, health, color);
        out.push('\n');
    };
    line(&mut out, HEADER, "CREDENTIALS", Health::None);
    for r in rows {
        line(&mut out, cells(r), &r.state, r.health);
    }
    out
}

/// The rows of `names`, on as many threads as the machine has cores (up to 8): each row
/// reads only the files, and thousands of them are most of what `profiles` does.
fn rows(env: &Env, set: &ConfigSet, names: &[&String], now: Timestamp) -> Vec<Row> {
    let cache_dir = role_cache::cache_dir(env);
    let present = Memo::present(&cache_dir);
    let threads = std::thread::available_parallelism()
        .map_or(1, std::num::NonZero::get)
        .min(8);
    let per = names.len().div_ceil(threads).max(256);
    let chunk_rows = |chunk: &[&String]| {
        let mut lister = Lister {
            memo: Memo::with_present(present.clone()),
            token_texts: std::collections::HashMap::new(),
        };
        chunk
            .iter()
            .map(|n| row(env, set, n, now, &mut lister))
            .collect::<Vec<Row>>()
    };
    if names.len() <= per {
        return chunk_rows(names);
    }
    std::thread::scope(|scope| {
        let handles: Vec<_> = names
            .chunks(per)
            .map(|chunk| scope.spawn(move || chunk_rows(chunk)))
            .collect();
        // A thread that panicked has already said why (and panic = "abort" in releases).
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap_or_default())
            .collect()
    })
}

pub fn run(cmd: &ProfilesCmd, env: Env) -> Result<i32, Error> {
    let settings = Common::new(None, env);
    let set = crate::config::load(&settings.env, &settings.paths)?;
    let text = if cmd.names {
        set.profiles.keys().map(|n| n.clone() + "\n").collect()
    } else if cmd.sso_session_names {
        set.sso_sessions.keys().map(|n| n.clone() + "\n").collect()
    } else {
        let names: Vec<&String> = set.profiles.keys().collect();
        let rows = rows(&settings.env, &set, &names, timefmt::now());
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
    // The process ends next: freeing a config of 10,000 profiles piece by piece would cost
    // more than the listing's rows did.
    std::mem::forget(set);
    Ok(0)
}
