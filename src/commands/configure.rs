//! `ssox configure`: from an AWS access portal URL to one profile per account and role. It
//! finds or creates the sso-session, logs in if needed (as `ssox login` does), lists what the
//! token can reach, plans the profiles (`config::generate`), shows the change as a unified
//! diff, and writes it into the config file with the line editor (`config::edit`): atomically,
//! under a lock, keeping the file's mode and every byte it does not change.
//!
//! Off a terminal, without `--yes`, it prints the diff and writes nothing, with exit status
//! 2: a script that forgot `--yes` must not believe it configured anything. Off a terminal it
//! never starts a login either (exit 77 with the command to run).
//!
//! What the portal answers is not trusted: an account id that is not 12 digits or a role
//! name IAM would not allow is skipped with a notice, never written. The plan is made from
//! one snapshot of the config file's text; under the lock the file is read again, and if
//! anything changed meanwhile (another `ssox configure`, an editor) the plan is made again
//! from the new text: written when it is the same change, refused when it is not, so two
//! runs that overlap never append the same profiles twice.
//!
//! Every new profile gets a `region`, so the first command ssox suggests works: `--region`,
//! else the answer to a question on a terminal (the SSO region as the default, as `aws
//! configure sso` asks), else the SSO region, said in a notice.

use std::collections::BTreeSet;
use std::path::Path;
use std::time::{Duration, Instant};

use crate::aws::Net;
use crate::cli::ConfigureCmd;
use crate::config::edit::{self, Block};
use crate::config::generate::{self, Assignment, Plan, SessionSpec, Template};
use crate::config::resolve::{self, SsoProfile};
use crate::config::{ConfigSet, FilePaths, region};
use crate::env::Env;
use crate::error::{Error, Exit, NAME_IN_MESSAGE, clip};
use crate::log::{notice, vlog};
use crate::output::diff;
use crate::picker;
use crate::settings::{LoginOptions, LoginPolicy};
use crate::sso::directory;
use crate::sso::portal::{Portal, PortalError};
use crate::sso::session::Session;
use crate::term;

/// The scope `aws configure sso` registers new sessions with; ssox writes the same.
const SCOPES: &str = "sso:account:access";

pub fn run(cmd: &ConfigureCmd, env: &Env) -> Result<i32, Error> {
    let template = Template::parse(&cmd.template)
        .map_err(|m| Error::new(Exit::Usage, format!("--template: {m}")))?;
    if let Some(r) = &cmd.region {
        check_region("--region", r)?;
    }
    let paths = FilePaths::from_env(env);
    let target = crate::fsutil::link_target(&paths.config);
    // The text the plan is made from, read before the merged config: a write that comes
    // between the two is seen under the lock, never missed.
    let original = read_text(&target, env)?;
    check_writable(&target, env, &paths.config)?;
    let set = crate::config::load(env, &paths)?;
    let (session, sso) = choose_session(cmd, &set, env, &paths)?;
    let interactive = term::conversational();
    if cmd.pick && !interactive {
        return Err(
            Error::new(Exit::Usage, "--pick needs a terminal to show the picker on").hint(
                "run it in a terminal, or leave out --pick to write a profile for every role",
            ),
        );
    }
    let listing = list_roles(cmd, env, &set, &sso, interactive)?;
    let listing = valid_only(listing, &session.name);
    let options = |chosen| generate::Options {
        session: &session,
        template: &template,
        chosen,
        prune: cmd.prune,
    };
    let mut plan = generate::plan(&set, &listing, &options(None));
    let mut chosen = None;
    if cmd.pick {
        chosen = Some(pick(&plan, cmd.login.login_timeout.0)?);
        plan = generate::plan(&set, &listing, &options(chosen.as_ref()));
    }
    report(&plan, env, &paths.config);
    if plan.changes_nothing() {
        let have = if plan.present.len() == 1 {
            "has"
        } else {
            "have"
        };
        notice!(
            "nothing to change in {}: {} of the {} role{} already {have} a profile",
            env.tilde(&paths.config),
            plan.present.len(),
            listing.len(),
            plural(listing.len()),
        );
        return Ok(0);
    }
    let region = profile_region(cmd, &plan, &session, interactive)?;
    let change = edit_for(&original, &plan, &session, region.as_deref());
    let shown = env.tilde(&paths.config);
    let color = term::terminals().stdout && env.get("NO_COLOR").is_none();
    let text = diff::unified(&change.old_lines, &change.ops, &shown, &shown, color);
    crate::output::print(&text)?;
    let (todo, done) = (summary(&plan, false), summary(&plan, true));
    if cmd.dry_run {
        notice!("dry run: nothing written; this would {todo}");
        return Ok(0);
    }
    if !cmd.yes && !confirmed(cmd, interactive, &todo, &shown)? {
        notice!("nothing written");
        return Ok(0);
    }
    let replan = |text: &str| -> Result<Option<String>, Error> {
        // The file changed after the plan was made: plan again from what is there now (under
        // the lock, so no other ssox changes it meanwhile).
        let set = crate::config::load(env, &paths)?;
        let again = generate::plan(&set, &listing, &options(chosen.as_ref()));
        if again.changes_nothing() {
            return Ok(None);
        }
        if again == plan {
            return Ok(Some(
                edit_for(text, &again, &session, region.as_deref()).text,
            ));
        }
        Err(Error::new(
            Exit::TempFail,
            format!("{shown} changed while ssox was preparing its change, and the change would now be another; nothing written"),
        )
        .hint("run `ssox configure` again to see the new change"))
    };
    if !write(env, &target, &original, &change.text, replan)? {
        notice!(
            "nothing written: {shown} changed meanwhile and already has every profile this run would have added"
        );
        return Ok(0);
    }
    notice!("{done} in {shown}");
    if let Some(first) = plan.add.first() {
        notice!(
            "try it: ssox -p {} -- aws sts get-caller-identity",
            first.name
        );
    }
    Ok(0)
}

/// The roles whose account id and role name can be written into a profile; the rest are
/// named in one notice, escaped and cut.
fn valid_only(listing: Vec<Assignment>, session: &str) -> Vec<Assignment> {
    let (listing, skipped): (Vec<Assignment>, Vec<Assignment>) = listing
        .into_iter()
        .partition(|a| generate::invalid(a).is_none());
    if !skipped.is_empty() {
        let shown: Vec<String> = skipped
            .iter()
            .take(5)
            .filter_map(generate::invalid)
            .collect();
        let more = skipped.len().saturating_sub(shown.len());
        notice!(
            "skipped {} role{} the portal named as no AWS account or role can be named: {}{}",
            skipped.len(),
            plural(skipped.len()),
            shown.join(", "),
            if more > 0 {
                format!(" and {more} more")
            } else {
                String::new()
            }
        );
    }
    let accounts: BTreeSet<&str> = listing.iter().map(|a| a.account_id.as_str()).collect();
    notice!(
        "sso-session `{session}` can use {} role{} in {} account{}",
        listing.len(),
        plural(listing.len()),
        accounts.len(),
        plural(accounts.len())
    );
    listing
}

/// Asks on the terminal before writing; off a terminal the change is not confirmed, exit 2.
fn confirmed(
    cmd: &ConfigureCmd,
    interactive: bool,
    todo: &str,
    shown: &str,
) -> Result<bool, Error> {
    if !interactive {
        return Err(Error::new(
                Exit::Usage,
                format!(
                    "not written: the change above ({todo}) needs confirming, and there is no terminal to ask on"
                ),
            )
            .hint("run it again with --yes to write it, or in a terminal"));
    }
    let answer = ask(cmd, &format!("ssox: {todo} in {shown}? [y/N] "))?;
    Ok(matches!(
        answer.trim().to_ascii_lowercase().as_str(),
        "y" | "yes"
    ))
}

/// A question on the terminal, within the login timeout; no answer writes nothing.
fn ask(cmd: &ConfigureCmd, question: &str) -> Result<String, Error> {
    term::prompt(question, cmd.login.login_timeout.0)
        .map_err(|e| Error::new(Exit::TempFail, format!("no answer: {e}; nothing written")))
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

/// The change as a verb phrase: "add 3 profiles and the sso-session, and remove 1 profile",
/// or in the past tense for the line after writing ("added …, and removed …").
fn summary(plan: &Plan, done: bool) -> String {
    let mut added = Vec::new();
    if !plan.add.is_empty() {
        let n = plan.add.len();
        added.push(format!("{n} profile{}", plural(n)));
    }
    if plan.add_session {
        added.push("the sso-session".to_string());
    }
    let mut parts = Vec::new();
    if !added.is_empty() {
        let verb = if done { "added" } else { "add" };
        parts.push(format!("{verb} {}", added.join(" and ")));
    }
    if !plan.remove.is_empty() {
        let n = plan.remove.len();
        let verb = if done { "removed" } else { "remove" };
        parts.push(format!("{verb} {n} profile{}", plural(n)));
    }
    parts.join(", and ")
}

/// The `region` of the new profiles, and the notice that says where it came from.
fn profile_region(
    cmd: &ConfigureCmd,
    plan: &Plan,
    session: &SessionSpec,
    interactive: bool,
) -> Result<Option<String>, Error> {
    if plan.add.is_empty() {
        return Ok(None);
    }
    if let Some(r) = &cmd.region {
        return Ok(Some(r.clone()));
    }
    let default = session.region.clone();
    if interactive && !cmd.dry_run && !cmd.yes {
        let answer = ask(
            cmd,
            &format!("ssox: region of the new profiles [{default}]: "),
        )?;
        let answer = answer.trim();
        if answer.is_empty() {
            return Ok(Some(default));
        }
        check_region("the region", answer)?;
        return Ok(Some(answer.to_string()));
    }
    notice!(
        "the new profiles get region {default}, the SSO region; --region REGION gives them another"
    );
    Ok(Some(default))
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
    match crate::fsutil::read_limited(path, crate::fsutil::MAX_CONFIG) {
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

/// Refuses a config file the user cannot write (a read-only file is a choice: the shell and
/// `aws configure set` would refuse it too), before any login or listing.
fn check_writable(target: &Path, env: &Env, shown: &Path) -> Result<(), Error> {
    use std::os::unix::fs::PermissionsExt;
    let Ok(meta) = std::fs::metadata(target) else {
        return Ok(());
    };
    let read_only = meta.permissions().mode() & 0o200 == 0;
    let denied = std::fs::OpenOptions::new()
        .append(true)
        .open(target)
        .is_err_and(|e| e.kind() == std::io::ErrorKind::PermissionDenied);
    if read_only || denied {
        return Err(Error::new(
            Exit::Io,
            format!(
                "{} is read-only (mode {:04o}); ssox will not replace it",
                env.tilde(shown),
                meta.permissions().mode() & 0o7777
            ),
        )
        .hint(format!(
            "make it writable (chmod u+w {}) to let configure edit it",
            env.tilde(shown)
        )));
    }
    Ok(())
}

/// Replaces the config file under its lock. The text is read again there: unchanged since the
/// plan, `new` is written; changed, `replan` decides from the new text (`None`: nothing left
/// to write, and `false` is returned).
fn write(
    env: &Env,
    target: &Path,
    original: &str,
    new: &str,
    replan: impl FnOnce(&str) -> Result<Option<String>, Error>,
) -> Result<bool, Error> {
    let lock_path = crate::lock::path(env, "config", target);
    let _guard = crate::lock::acquire(
        &lock_path,
        "is writing the config file",
        Instant::now() + Duration::from_secs(30),
        |_| {},
    )
    .map_err(|e| e.to_error())?;
    let now = read_text(target, env)?;
    let new = if now == original {
        new.to_string()
    } else {
        match replan(&now)? {
            Some(text) => text,
            None => return Ok(false),
        }
    };
    check_writable(target, env, target)?;
    crate::fsutil::write_atomic_keeping_mode(target, new.as_bytes())
        .map_err(|e| Error::new(Exit::Io, format!("cannot write {}: {e}", env.tilde(target))))?;
    Ok(true)
}

fn check_region(flag: &str, region: &str) -> Result<(), Error> {
    if region::is_region(region) {
        return Ok(());
    }
    let near = crate::config::similar(region, region::REGIONS.iter().copied());
    let hint = match near.first() {
        Some(n) => format!("did you mean {n}?"),
        None => "give one like eu-west-1 or us-east-1".to_string(),
    };
    Err(Error::new(
        Exit::Usage,
        format!(
            "{flag} `{}` is not an AWS region",
            clip(&crate::error::escaped(region), NAME_IN_MESSAGE)
        ),
    )
    .hint(hint))
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
    // Newer portals name their region (`https://ssoins-….portal.eu-west-1.app.aws`); as the
    // AWS CLI, take it from there when --sso-region is not given.
    let from_url = start.and_then(region::of_start_url);
    if let (None, Some(r)) = (&cmd.sso_region, &from_url) {
        vlog!("the start URL names its region: {r}");
    }
    let sso_region = cmd.sso_region.clone().or(from_url);
    let existing = |name: &str| existing_session(cmd, set, env, paths, name);
    let names: Vec<&str> = set.sso_sessions.keys().map(String::as_str).collect();
    match (cmd.sso_session.as_deref(), start, sso_region.as_deref()) {
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
        (None, Some(_), None) => Err(Error::new(
            Exit::Usage,
            "--start-url needs --sso-region: this start URL does not name its region",
        )
        .hint("give --sso-region REGION, the region of your IAM Identity Center (your administrator knows it)")),
    }
}

/// Logs in if needed and lists every role the token can use, renewing the token once if the
/// portal says it was revoked.
fn list_roles(
    cmd: &ConfigureCmd,
    env: &Env,
    set: &ConfigSet,
    sso: &SsoProfile,
    interactive: bool,
) -> Result<Vec<Assignment>, Error> {
    let opts = LoginOptions::new(&cmd.login, None);
    let policy = if interactive {
        LoginPolicy::Allowed(opts)
    } else {
        LoginPolicy::Never {
            reason: "no terminal",
        }
    };
    let net = Net::new(env, set, None)?;
    let session = Session {
        env,
        sso,
        net: &net,
        policy: &policy,
    };
    let rt = crate::aws::runtime()?;
    let token = session.token(&rt, None).map_err(|e| {
        let unwritten = sso
            .session_name
            .as_deref()
            .is_some_and(|n| !set.sso_sessions.contains_key(n));
        if e.exit == Exit::NoPerm && !interactive && unwritten {
            // `ssox login --sso-session` needs the section this run has not written yet.
            e.hint("run this `ssox configure` in a terminal, where it can log you in")
        } else {
            e
        }
    })?;
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
                crate::error::clip(&crate::error::escaped(&p.assignment.account_name), 64),
                p.assignment.account_id,
                p.assignment.role_name,
                p.name
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
    fn regions_are_checked_by_shape_and_typos_get_a_suggestion() {
        for ok in [
            "eu-west-1",
            "us-gov-west-1",
            "us-isob-east-1",
            "eusc-de-east-1",
        ] {
            assert!(region::is_region(ok), "{ok}");
        }
        // A region newer than the list, of the right shape, is accepted.
        assert!(region::is_region("eu-southwest-9"));
        for bad in [
            "eu-wst-1",
            "",
            "eu-west",
            "eu-west-1a",
            "EU-WEST-1",
            "xx-west-1",
            "eu--1",
        ] {
            assert!(!region::is_region(bad), "{bad}");
        }
        let e = check_region("--sso-region", "eu-wst-1").unwrap_err();
        assert_eq!(
            e.to_string(),
            "--sso-region `eu-wst-1` is not an AWS region; did you mean eu-west-1?"
        );
    }

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
