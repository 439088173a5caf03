//! `ssox configure`: from an AWS access portal URL to one profile per account and role. It
//! finds or creates the sso-session, logs in if needed (as `ssox login` does), lists what the
//! token can reach, plans the profiles (`config::generate`), shows the change as a unified
//! diff, and writes it into the config file with the line editor (`config::edit`): atomically,
//! under a lock, keeping the file's mode and every byte it does not change.
//!
//! Off a terminal, without `--yes`, it prints the diff and writes nothing, with exit status
//! 2: a script that forgot `--yes` must not believe it configured anything.

use std::collections::BTreeSet;
use std::io::IsTerminal;
use std::path::Path;
use std::time::{Duration, Instant};

use crate::aws::Net;
use crate::cli::ConfigureCmd;
use crate::config::edit::{self, Block};
use crate::config::generate::{self, Assignment, Plan, SessionSpec, Template};
use crate::config::resolve::{self, SsoProfile};
use crate::config::{ConfigSet, FilePaths};
use crate::env::Env;
use crate::error::{Error, Exit, NAME_IN_MESSAGE, clip};
use crate::output::diff;
use crate::picker;
use crate::settings::{LoginOptions, LoginPolicy};
use crate::sso::directory;
use crate::sso::portal::{Portal, PortalError};
use crate::sso::session::Session;
use crate::{notice, term, vlog};

/// The scope `aws configure sso` registers new sessions with; ssox writes the same.
const SCOPES: &str = "sso:account:access";

pub fn run(cmd: &ConfigureCmd, env: &Env) -> Result<i32, Error> {
    let template = Template::parse(&cmd.template)
        .map_err(|m| Error::new(Exit::Usage, format!("--template: {m}")))?;
    if let Some(r) = &cmd.region {
        check_region("--region", r)?;
    }
    let paths = FilePaths::from_env(env);
    let set = crate::config::load(env, &paths)?;
    let (session, sso) = choose_session(cmd, &set, env, &paths)?;
    let interactive = std::io::stdin().is_terminal() && std::io::stderr().is_terminal();
    if cmd.pick && !interactive {
        return Err(
            Error::new(Exit::Usage, "--pick needs a terminal to show the picker on").hint(
                "run it in a terminal, or leave out --pick to write a profile for every role",
            ),
        );
    }
    let listing = list_roles(cmd, env, &set, &sso)?;
    let accounts: BTreeSet<&str> = listing.iter().map(|a| a.account_id.as_str()).collect();
    notice!(
        "sso-session `{}` can use {} role{} in {} account{}",
        session.name,
        listing.len(),
        plural(listing.len()),
        accounts.len(),
        plural(accounts.len())
    );
    let options = |chosen| generate::Options {
        session: &session,
        template: &template,
        chosen,
        prune: cmd.prune,
    };
    let mut plan = generate::plan(&set, &listing, &options(None));
    if cmd.pick {
        let chosen = pick(&plan, cmd.login.login_timeout.0)?;
        plan = generate::plan(&set, &listing, &options(Some(&chosen)));
    }
    report(&plan, env, &paths.config);
    if plan.changes_nothing() {
        notice!(
            "nothing to change in {}: {} of the {} role{} already {} a profile",
            env.tilde(&paths.config),
            plan.present.len(),
            listing.len(),
            plural(listing.len()),
            if plan.present.len() == 1 {
                "has"
            } else {
                "have"
            },
        );
        return Ok(0);
    }
    let target = crate::fsutil::link_target(&paths.config);
    let original = read_text(&target, env)?;
    let change = edit_for(&original, &plan, &session, cmd.region.as_deref());
    let shown = env.tilde(&paths.config);
    let color = std::io::stdout().is_terminal() && env.get("NO_COLOR").is_none();
    let text = diff::unified(&change.old_lines, &change.ops, &shown, &shown, color);
    crate::output::print(&text)?;
    let summary = summary(&plan);
    if cmd.dry_run {
        notice!("dry run: {summary} not written");
        return Ok(0);
    }
    if !cmd.yes {
        if !interactive {
            return Err(Error::new(
                Exit::Usage,
                format!(
                    "not written: {summary} need confirming, and there is no terminal to ask on"
                ),
            )
            .hint("run it again with --yes to write the change above, or in a terminal"));
        }
        let answer = term::prompt(
            &format!("ssox: write {summary} to {shown}? [y/N] "),
            cmd.login.login_timeout.0,
        )
        .map_err(|e| Error::new(Exit::TempFail, format!("no answer: {e}; nothing written")))?;
        if !matches!(answer.trim().to_ascii_lowercase().as_str(), "y" | "yes") {
            notice!("nothing written");
            return Ok(0);
        }
    }
    write(env, &paths, &target, &original, &change.text)?;
    notice!("wrote {summary} to {shown}");
    if let Some(first) = plan.add.first() {
        notice!(
            "try it: ssox -p {} -- aws sts get-caller-identity",
            first.name
        );
    }
    Ok(0)
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

/// "3 new profiles and the sso-session, 1 removed".
fn summary(plan: &Plan) -> String {
    let mut parts = Vec::new();
    if !plan.add.is_empty() {
        let n = plan.add.len();
        parts.push(format!("{n} new profile{}", plural(n)));
    }
    if plan.add_session {
        parts.push("the sso-session".to_string());
    }
    let mut out = parts.join(" and ");
    if !plan.remove.is_empty() {
        let n = plan.remove.len();
        if !out.is_empty() {
            out.push_str(", ");
        }
        out.push_str(&n.to_string());
        out.push_str(if n == 1 {
            " profile removed"
        } else {
            " profiles removed"
        });
    }
    out
}

/// Clashes and stale profiles, said once, before the diff.
fn report(plan: &Plan, env: &Env, config: &Path) {
    for c in &plan.clashes {
        let why = if c.taken {
            "another profile already has that name".to_string()
        } else {
            format!("{} roles would share it", c.given.len())
        };
        notice!(
            "profile name `{}` clashes ({why}); using {}",
            c.wanted,
            c.given
                .iter()
                .map(|g| format!("`{g}`"))
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    if !plan.stale.is_empty() {
        notice!(
            "{} profile{} that ssox wrote in {} name{} a role you no longer have: {}; --prune removes {}",
            plan.stale.len(),
            plural(plan.stale.len()),
            env.tilde(config),
            if plan.stale.len() == 1 { "s" } else { "" },
            plan.stale.join(", "),
            if plan.stale.len() == 1 { "it" } else { "them" }
        );
    }
}

/// The sections to append and remove, as text.
fn edit_for(text: &str, plan: &Plan, session: &SessionSpec, region: Option<&str>) -> edit::Edit {
    let mut blocks = Vec::new();
    if plan.add_session {
        blocks.push(Block {
            header: format!("sso-session {}", session.name),
            props: vec![
                ("sso_start_url".into(), session.start_url.clone()),
                ("sso_region".into(), session.region.clone()),
                ("sso_registration_scopes".into(), SCOPES.into()),
            ],
        });
    }
    for p in &plan.add {
        let mut props = vec![
            ("sso_session".to_string(), session.name.clone()),
            ("sso_account_id".into(), p.assignment.account_id.clone()),
            ("sso_role_name".into(), p.assignment.role_name.clone()),
        ];
        if let Some(r) = region {
            props.push(("region".into(), r.to_string()));
        }
        props.push((generate::MARKER.into(), "true".into()));
        blocks.push(Block {
            header: format!("profile {}", p.name),
            props,
        });
    }
    edit::apply(
        text,
        &plan.remove,
        &blocks,
        crate::config::profile_of_header,
    )
}

fn read_text(path: &Path, env: &Env) -> Result<String, Error> {
    match std::fs::read(path) {
        Ok(bytes) => String::from_utf8(bytes).map_err(|_| {
            Error::new(
                Exit::Config,
                format!(
                    "{} is not UTF-8 text; ssox will not edit it",
                    env.tilde(path)
                ),
            )
        }),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(String::new()),
        Err(e) => Err(Error::new(
            Exit::Io,
            format!("cannot read {}: {e}", env.tilde(path)),
        )),
    }
}

/// Replaces the config file, under its lock, if it is still what the diff was made from.
fn write(
    env: &Env,
    paths: &FilePaths,
    target: &Path,
    original: &str,
    new: &str,
) -> Result<(), Error> {
    let lock_path = crate::lock::path(env, "config", target);
    let _guard = crate::lock::acquire(
        &lock_path,
        "is writing the config file",
        Instant::now() + Duration::from_secs(30),
        |_| {},
    )
    .map_err(|e| match e {
        crate::lock::LockError::Timeout { .. } => Error::new(Exit::TempFail, e.to_string()),
        crate::lock::LockError::Io { .. } => Error::new(Exit::Io, e.to_string()),
    })?;
    if read_text(target, env)? != original {
        return Err(Error::new(
            Exit::TempFail,
            format!(
                "{} changed while ssox was preparing its change; nothing written",
                env.tilde(&paths.config)
            ),
        )
        .hint("run `ssox configure` again"));
    }
    crate::fsutil::write_atomic_keeping_mode(target, new.as_bytes()).map_err(|e| {
        Error::new(
            Exit::Io,
            format!("cannot write {}: {e}", env.tilde(&paths.config)),
        )
    })?;
    Ok(())
}

fn check_region(flag: &str, region: &str) -> Result<(), Error> {
    let ok = !region.is_empty()
        && region
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
    if ok {
        Ok(())
    } else {
        Err(Error::new(
            Exit::Usage,
            format!(
                "{flag} `{}` is not a region name",
                clip(region, NAME_IN_MESSAGE)
            ),
        )
        .hint("give one like eu-west-1 or us-east-1"))
    }
}

/// The sso-session's name made from a start URL: the host's first label
/// (`https://my-corp.awsapps.com/start` gives `my-corp`).
fn name_from_url(url: &str) -> String {
    let host = url
        .split_once("://")
        .map_or(url, |(_, rest)| rest)
        .split(['/', ':', '?', '#'])
        .next()
        .unwrap_or("");
    let label = host.split('.').next().unwrap_or("");
    if label.chars().any(|c| c.is_ascii_alphabetic()) {
        generate::normalise(label, "sso")
    } else {
        "sso".to_string()
    }
}

fn check_url(url: &str) -> Result<(), Error> {
    let host = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))
        .unwrap_or("");
    if host.is_empty() || host.starts_with('/') || url.chars().any(char::is_whitespace) {
        return Err(Error::new(
            Exit::Usage,
            format!("--start-url `{}` is not a URL", clip(url, NAME_IN_MESSAGE)),
        )
        .hint("give your AWS access portal's URL, like https://d-0123456789.awsapps.com/start"));
    }
    Ok(())
}

/// An sso-session of the config, checked against `--start-url` and `--sso-region`.
fn existing_session(
    cmd: &ConfigureCmd,
    set: &ConfigSet,
    env: &Env,
    paths: &FilePaths,
    name: &str,
) -> Result<(SessionSpec, SsoProfile), Error> {
    let config = env.tilde(&paths.config);
    let start = cmd.start_url.as_deref().map(str::trim);
    let sso = resolve::sso_session_profile(set, name)
        .map_err(|e| resolve::explain(&e, set, env, paths, crate::config::ProfileSource::Flag))?;
    if let Some(url) = start
        && url.trim_end_matches('/') != sso.start_url.trim().trim_end_matches('/')
    {
        return Err(Error::new(
            Exit::Config,
            format!(
                "[sso-session {name}] in {config} has sso_start_url {}, not {url}",
                sso.start_url
            ),
        )
        .hint("name a new session with --sso-session, or leave out --start-url to use this one"));
    }
    if let Some(region) = &cmd.sso_region
        && *region != sso.region
    {
        return Err(Error::new(
            Exit::Config,
            format!(
                "[sso-session {name}] in {config} has sso_region {}, not {region}",
                sso.region
            ),
        )
        .hint("leave out --sso-region, or fix sso_region in that section"));
    }
    let spec = SessionSpec {
        name: name.to_string(),
        start_url: sso.start_url.clone(),
        region: sso.region.clone(),
    };
    Ok((spec, sso))
}

/// An sso-session to create, with the settings its section will have.
fn new_session(name: String, url: &str, region: &str) -> (SessionSpec, SsoProfile) {
    let spec = SessionSpec {
        name: name.clone(),
        start_url: url.to_string(),
        region: region.to_string(),
    };
    let sso = SsoProfile {
        profile: name.clone(),
        session_name: Some(name),
        start_url: url.to_string(),
        region: region.to_string(),
        account_id: None,
        role_name: None,
        registration_scopes: vec![SCOPES.to_string()],
        registration_scopes_set: true,
        use_device_code: false,
    };
    (spec, sso)
}

/// Which sso-session to use or create, and its SSO settings for the login.
fn choose_session(
    cmd: &ConfigureCmd,
    set: &ConfigSet,
    env: &Env,
    paths: &FilePaths,
) -> Result<(SessionSpec, SsoProfile), Error> {
    let config = env.tilde(&paths.config);
    let start = cmd.start_url.as_deref().map(str::trim);
    if let Some(url) = start {
        check_url(url)?;
    }
    if let Some(r) = &cmd.sso_region {
        check_region("--sso-region", r)?;
    }
    let existing = |name: &str| existing_session(cmd, set, env, paths, name);
    let names: Vec<&str> = set.sso_sessions.keys().map(String::as_str).collect();
    match (cmd.sso_session.as_deref(), start, cmd.sso_region.as_deref()) {
        (Some(name), _, _) if set.sso_sessions.contains_key(name) => existing(name),
        (Some(name), Some(url), Some(region)) => Ok(new_session(name.to_string(), url, region)),
        (Some(name), _, _) => {
            let near = crate::config::similar(name, names.iter().copied());
            let hint = match near.first() {
                Some(n) => format!("did you mean `--sso-session {n}`? To create `{name}`, also give --start-url and --sso-region"),
                None => "to create it, also give --start-url and --sso-region (from your AWS access portal)".to_string(),
            };
            Err(Error::new(
                Exit::Config,
                format!("no [sso-session {}] in {config}", clip(name, NAME_IN_MESSAGE)),
            )
            .hint(hint))
        }
        (None, Some(url), Some(region)) => {
            // A session for this portal already exists: use it rather than write a twin.
            for name in &names {
                if let Some(s) = set.sso_sessions.get(*name)
                    && s.get("sso_start_url")
                        .is_some_and(|u| u.trim().trim_end_matches('/') == url.trim_end_matches('/'))
                {
                    vlog!("[sso-session {name}] already has this start URL");
                    return existing(name);
                }
            }
            let name = name_from_url(url);
            if set.sso_sessions.contains_key(&name) {
                return Err(Error::new(
                    Exit::Config,
                    format!("[sso-session {name}] in {config} is for another start URL"),
                )
                .hint("name the new session with --sso-session NAME"));
            }
            Ok(new_session(name, url, region))
        }
        (None, None, _) => match names.as_slice() {
            [only] => existing(only),
            [] => Err(Error::new(
                Exit::Usage,
                format!("no sso-session in {config} to configure from"),
            )
            .hint("give --start-url URL and --sso-region REGION from your AWS access portal (ask your administrator, or look at the portal's \"Access keys\" page)")),
            many => Err(Error::new(
                Exit::Usage,
                format!("{config} has {} sso-sessions; say which one", many.len()),
            )
            .hint(format!("add --sso-session with one of: {}", many.join(", ")))),
        },
        // clap makes --start-url and --sso-region come together.
        (None, Some(_), None) => Err(Error::new(
            Exit::Usage,
            "--start-url and --sso-region go together",
        )),
    }
}

/// Logs in if needed and lists every role the token can use, renewing the token once if the
/// portal says it was revoked.
fn list_roles(
    cmd: &ConfigureCmd,
    env: &Env,
    set: &ConfigSet,
    sso: &SsoProfile,
) -> Result<Vec<Assignment>, Error> {
    let opts = LoginOptions::new(&cmd.login, None);
    let policy = LoginPolicy::Allowed(opts);
    let net = Net::new(env, set, None)?;
    let session = Session {
        env,
        sso,
        net: &net,
        policy: &policy,
    };
    let rt = crate::aws::runtime()?;
    let token = session.token(&rt, None)?;
    let portal = Portal::new(&net, &sso.region)?;
    let started = Instant::now();
    let listed = match rt.block_on(directory::list(&portal, &token.access_token)) {
        Err(PortalError::Unauthorized { .. }) => {
            vlog!("the portal rejected the cached token; renewing it");
            let renewed = session.token(&rt, Some(&token.access_token))?;
            rt.block_on(directory::list(&portal, &renewed.access_token))
        }
        other => other,
    }
    .map_err(|e| e.to_error(sso))?;
    vlog!(
        "listed {} roles at {} in {:.0} ms",
        listed.len(),
        portal.target().describe(),
        started.elapsed().as_secs_f64() * 1000.0
    );
    Ok(listed)
}

/// `--pick`: the roles that have no profile yet, in a fuzzy picker.
fn pick(plan: &Plan, timeout: Duration) -> Result<BTreeSet<Assignment>, Error> {
    if plan.add.is_empty() {
        return Ok(BTreeSet::new());
    }
    let labels: Vec<String> = plan
        .add
        .iter()
        .map(|p| {
            format!(
                "{} ({})  {}  → {}",
                p.assignment.account_name, p.assignment.account_id, p.assignment.role_name, p.name
            )
        })
        .collect();
    let prompt = format!(
        "Roles without a profile ({}): Enter chooses, type to filter",
        labels.len()
    );
    match picker::many(&prompt, &labels, timeout) {
        Ok(chosen) => Ok(chosen
            .into_iter()
            .map(|i| plan.add[i].assignment.clone())
            .collect()),
        Err(picker::Stop::Cancelled) => {
            Err(Error::new(Exit::Interrupted, "cancelled; nothing written"))
        }
        Err(picker::Stop::TimedOut) => Err(Error::new(
            Exit::TempFail,
            "no choice made in time; nothing written",
        )),
        Err(picker::Stop::Io(e)) => {
            Err(Error::new(Exit::Io, format!("cannot show the picker: {e}")))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn session_names_come_from_the_portal_host() {
        assert_eq!(
            name_from_url("https://my-corp.awsapps.com/start"),
            "my-corp"
        );
        assert_eq!(
            name_from_url("https://d-0123456789.awsapps.com/start/#"),
            "d-0123456789"
        );
        assert_eq!(name_from_url("http://127.0.0.1:9/start"), "sso");
    }
}
