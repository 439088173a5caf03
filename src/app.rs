//! The pipeline: settings → program lookup → config → profile chain → credentials → child
//! environment → exec. Each step is a named function; the warm path reads as one line.

use crate::child_env::{self, Injected};
use crate::cli::Cli;
use crate::config::resolve::{self, ResolveError};
use crate::config::{ConfigSet, FileKind, FilePaths, LoadError, Origin};
use crate::env::Env;
use crate::error::{Error, Exit};
use crate::exec::{self, Program};
use crate::provider::{self, Context};
use crate::settings::Settings;
use crate::{notice, term, timefmt, vlog};

/// Runs ssox; returns only on failure (success is `exec`).
pub fn run(cli: Cli, env: Env) -> Result<i32, Error> {
    term::set_verbosity(cli.run.verbose);
    let settings = Settings::new(cli.run, env);
    let (program, is_shell) = find_program(&settings)?;
    let set = load_config(&settings.env, &settings.paths)?;
    let chain = resolve::resolve_chain(&set, &settings.profile)
        .map_err(|e| resolve_error(&e, &set, &settings))?;
    let selected = set
        .profile(&settings.profile)
        .ok_or_else(|| Error::new(Exit::Internal, "resolved profile vanished"))?;
    let ctx = Context {
        env: &settings.env,
        set: &set,
        selected,
        now: timefmt::now(),
    };
    let creds = provider::credentials(&ctx, &chain)?;
    let region = settings
        .region
        .as_deref()
        .or_else(|| selected.get_nonempty("region"));
    let child = child_env::build(
        &settings.env,
        &Injected::Keys(&creds),
        region,
        &settings.profile,
    );
    if is_shell {
        notice!(
            "starting {} with the credentials of profile `{}`{}; type `exit` to leave",
            program.path.display(),
            settings.profile,
            creds
                .expiration
                .map(|e| format!(" (valid until {})", timefmt::format_rfc3339(e)))
                .unwrap_or_default()
        );
    }
    vlog!("exec {}", program.path.display());
    Err(exec::exec(&program, child))
}

/// PROGRAM, or `$SHELL` when none is given. Looked up before anything else.
fn find_program(settings: &Settings) -> Result<(Program, bool), Error> {
    let path_var = settings.env.get_os("PATH");
    if settings.program.is_empty() {
        let shell = settings
            .env
            .get_os("SHELL")
            .filter(|s| !s.is_empty())
            .map_or_else(|| "/bin/sh".into(), std::ffi::OsStr::to_os_string);
        return Ok((exec::resolve(&[shell], path_var, &settings.cwd)?, true));
    }
    Ok((
        exec::resolve(&settings.program, path_var, &settings.cwd)?,
        false,
    ))
}

fn load_config(env: &Env, paths: &FilePaths) -> Result<ConfigSet, Error> {
    let set = ConfigSet::load(paths).map_err(|e| match e {
        LoadError::Read { path, source } => Error::new(
            Exit::Io,
            format!("cannot read {}: {source}", env.tilde(&path)),
        ),
        LoadError::Parse {
            path,
            line,
            message,
        } => Error::new(
            Exit::Config,
            format!("{} line {line}: {message}", env.tilde(&path)),
        )
        .hint("fix that line (the AWS CLI rejects it too)"),
        LoadError::ByteOrderMark { path } => Error::new(
            Exit::Config,
            format!(
                "{} starts with a UTF-8 byte-order mark, which the AWS SDKs cannot read",
                env.tilde(&path)
            ),
        )
        .hint("save the file as UTF-8 without BOM"),
    })?;
    for kind in [FileKind::Config, FileKind::Credentials] {
        let state = if set.found.contains(&kind) {
            "read"
        } else {
            "not found"
        };
        vlog!("{} {state}", env.tilde(paths.path(kind)));
    }
    Ok(set)
}

fn at(settings: &Settings, origin: Option<Origin>) -> String {
    origin.map_or_else(String::new, |o| {
        format!(
            "{} line {}: ",
            settings.env.tilde(settings.paths.path(o.file)),
            o.line
        )
    })
}

fn resolve_error(e: &ResolveError, set: &ConfigSet, settings: &Settings) -> Error {
    let files = format!(
        "{} or {}",
        settings.env.tilde(&settings.paths.config),
        settings.env.tilde(&settings.paths.credentials)
    );
    match e {
        ResolveError::NoProfiles => {
            let missing = if set.found.is_empty() {
                " (neither file exists)"
            } else {
                ""
            };
            Error::new(
                Exit::Config,
                format!("no profiles found in {files}{missing}"),
            )
            .hint(format!(
                "create profile `{}` with `aws configure sso --profile {}`",
                settings.profile, settings.profile
            ))
        }
        ResolveError::ProfileNotFound { name } => {
            let near = set.similar_profiles(name);
            let msg = format!("profile `{name}` not found in {files}");
            if near.is_empty() {
                let names: Vec<&str> = set.profiles.keys().map(String::as_str).take(8).collect();
                let more = set.profiles.len().saturating_sub(names.len());
                let more = if more > 0 { format!(" and {more} more") } else { String::new() };
                Error::new(Exit::Config, msg).hint(format!(
                    "existing profiles: {}{more}",
                    names.join(", ")
                ))
            } else {
                let near: Vec<String> = near.iter().map(|n| format!("`{n}`")).collect();
                Error::new(Exit::Config, msg).hint(format!("did you mean {}?", near.join(" or ")))
            }
        }
        ResolveError::SourceNotFound { source_name, .. } => {
            Error::new(Exit::Config, format!("{}{e}", at(settings, e.origin())))
                .hint(format!("define [profile {source_name}] or fix source_profile"))
        }
        ResolveError::InfiniteLoop { .. } => {
            Error::new(Exit::Config, format!("{}{e}", at(settings, e.origin())))
                .hint("one of these profiles must have credentials of its own instead of a source_profile")
        }
        ResolveError::NoCredentials { profile, .. } => {
            Error::new(Exit::Config, format!("{}{e}", at(settings, e.origin())))
                .hint(format!(
                    "give [profile {profile}] sso_session (or sso_start_url), sso_account_id and sso_role_name, or keys"
                ))
        }
        ResolveError::Invalid { .. } => {
            Error::new(Exit::Config, format!("{}{e}", at(settings, e.origin())))
        }
    }
}
