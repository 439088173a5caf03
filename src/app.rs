//! The pipeline: settings → program lookup → config → profile chain → credentials → child
//! environment → exec. Each step is a named function; the warm path reads as one line.

use crate::child_env::{self, Injected};
use crate::cli::{Cli, Command, LoginCmd, LogoutCmd, RunArgs};
use crate::config::resolve::{self, Base, ResolveError, SsoProfile};
use crate::config::{ConfigSet, FileKind, FilePaths, LoadError, Origin};
use crate::credentials::Credentials;
use crate::endpoints::Service;
use crate::env::Env;
use crate::error::{Error, Exit};
use crate::exec::{self, Program};
use crate::output::{
    self,
    credentials_file::{self, WriteError},
};
use crate::provider::{self, Context};
use crate::server;
use crate::settings::{self, Output, Settings};
use crate::sso::session::{LoginPolicy, Session};
use crate::{notice, term, timefmt, vlog};

/// Runs ssox; returns the exit status (running PROGRAM returns only on failure).
pub fn run(cli: Cli, env: Env) -> Result<i32, Error> {
    term::set_verbosity(cli.verbose);
    match cli.command {
        Some(Command::Login(cmd)) => login(&cmd, env),
        Some(Command::Logout(cmd)) => logout(&cmd, env),
        Some(Command::Completions(cmd)) => {
            print_output(&crate::completions::script(cmd.shell))?;
            Ok(0)
        }
        Some(Command::Profiles(cmd)) => crate::profiles::run(&cmd, env),
        Some(Command::Doctor(cmd)) => crate::doctor::run(&cmd, env),
        None => run_program(cli.run, env),
    }
}

fn run_program(args: RunArgs, env: Env) -> Result<i32, Error> {
    let settings = Settings::new(args, env);
    let program = match settings.output {
        Output::Exec => Some(find_program(&settings)?),
        Output::Print { .. } | Output::WriteOnly => None,
    };
    crate::process::check_loop(&settings.env, &settings.profile).map_err(|e| {
        Error::new(Exit::Config, e.to_string())
            .hint("a credential_process must not call ssox for its own profile; point it at the SSO profile instead")
    })?;
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
        policy: &settings.policy,
        min_ttl: settings.min_ttl,
        refresh: settings.refresh,
        mfa_token: settings.mfa_token.as_deref(),
        process_timeout: settings.process_timeout,
        prompt_timeout: settings.login_timeout,
    };
    let creds = provider::credentials(&ctx, &chain)?;
    let region = settings
        .region
        .as_deref()
        .or_else(|| selected.get_nonempty("region"));
    if let Output::Print { format, pretty } = settings.output {
        print_output(&output::render(format, &creds, region, pretty))?;
        return Ok(0);
    }
    if let Some(section) = &settings.credentials_file_profile {
        write_credentials_file(&settings, section, &creds)?;
    }
    provider::warn_if_short(&creds, settings.min_ttl);
    let Some((program, is_shell)) = program else {
        return Ok(0);
    };
    if settings.server {
        return serve(&settings, &ctx, &chain, creds, region, &program);
    }
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

/// `ssox doctor --check`: fresh credentials from the service, without a login.
pub fn check_credentials(settings: &Settings, set: &ConfigSet) -> Result<Credentials, Error> {
    let chain = resolve::resolve_chain(set, &settings.profile)
        .map_err(|e| resolve_error(&e, set, settings))?;
    let selected = set
        .profile(&settings.profile)
        .ok_or_else(|| Error::new(Exit::Internal, "resolved profile vanished"))?;
    let never = LoginPolicy::Never {
        reason: "ssox doctor never logs in",
    };
    let ctx = Context {
        env: &settings.env,
        set,
        selected,
        policy: &never,
        min_ttl: settings.min_ttl,
        refresh: true,
        mfa_token: None,
        process_timeout: settings.process_timeout,
        prompt_timeout: settings.login_timeout,
    };
    provider::credentials(&ctx, &chain)
}

/// `--server`: PROGRAM runs as a child and fetches credentials from a loopback endpoint.
fn serve(
    settings: &Settings,
    ctx: &Context<'_>,
    chain: &resolve::Chain,
    creds: Credentials,
    region: Option<&str>,
    program: &Program,
) -> Result<i32, Error> {
    let endpoint = server::Endpoint::bind()?;
    let child = child_env::build(
        &settings.env,
        &Injected::Container {
            url: &endpoint.url,
            token: &endpoint.token,
        },
        region,
        &settings.profile,
    );
    let never = LoginPolicy::Never {
        reason: "ssox --server never starts a login by itself",
    };
    let server_ctx = Context {
        policy: &never,
        refresh: false,
        ..*ctx
    };
    let login_hint = match &chain.base {
        Base::Sso(sso) => crate::sso::session::login_command(sso),
        _ => format!("ssox -p {}", settings.profile),
    };
    match server::run(
        &endpoint,
        &server_ctx,
        chain,
        creds,
        program,
        child,
        &login_hint,
    )? {}
}

/// Writes the whole output to stdout; a closed pipe is not ssox's failure to report loudly.
pub fn print_output(text: &str) -> Result<(), Error> {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        Err(e) => Err(Error::new(Exit::Io, format!("cannot write to stdout: {e}"))),
    }
}

fn write_credentials_file(
    settings: &Settings,
    section: &str,
    creds: &Credentials,
) -> Result<(), Error> {
    let path = &settings.paths.credentials;
    let written = credentials_file::write(path, section, creds, settings.force).map_err(|e| match e {
        WriteError::LongTermKeys { .. } => Error::new(Exit::Config, e.to_string())
            .hint(format!("choose another section with -c, or add --force if you really mean to replace [{section}]")),
        WriteError::NotText { .. } | WriteError::Io { .. } | WriteError::Lock(_) => Error::new(Exit::Io, e.to_string()),
    })?;
    if let Some(old) = written.narrowed_from {
        notice!(
            "{} was mode {old:04o}; it holds secrets, so ssox wrote it as 0600",
            settings.env.tilde(&written.path)
        );
    }
    notice!(
        "wrote the credentials of profile `{}` to [{section}] in {}{}",
        settings.profile,
        settings.env.tilde(&written.path),
        creds
            .expiration
            .map(|e| format!(" (valid until {})", timefmt::format_rfc3339(e)))
            .unwrap_or_default()
    );
    Ok(())
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

pub fn load_config(env: &Env, paths: &FilePaths) -> Result<ConfigSet, Error> {
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

/// The SSO settings `ssox login`/`logout` act on: a named sso-session, or the SSO base of
/// the profile's chain.
fn sso_target(
    set: &ConfigSet,
    settings: &Settings,
    session: Option<&str>,
) -> Result<SsoProfile, Error> {
    if let Some(name) = session {
        if !set.sso_sessions.contains_key(name) {
            let names: Vec<&str> = set.sso_sessions.keys().map(String::as_str).collect();
            return Err(Error::new(
                Exit::Config,
                format!(
                    "no [sso-session {name}] in {}",
                    settings.env.tilde(&settings.paths.config)
                ),
            )
            .hint(if names.is_empty() {
                "add one with `aws configure sso-session`".to_string()
            } else {
                format!("existing sessions: {}", names.join(", "))
            }));
        }
        return resolve::sso_session_profile(set, name)
            .map_err(|e| resolve_error(&e, set, settings));
    }
    let chain = resolve::resolve_chain(set, &settings.profile)
        .map_err(|e| resolve_error(&e, set, settings))?;
    match chain.base {
        Base::Sso(sso) => Ok(sso),
        _ => Err(Error::new(
            Exit::Config,
            format!("profile `{}` does not use IAM Identity Center (SSO); there is nothing to log in to", settings.profile),
        )
        .hint("give the profile sso_session (or sso_start_url and sso_region)")),
    }
}

fn login(cmd: &LoginCmd, env: Env) -> Result<i32, Error> {
    let opts = settings::login_options(&cmd.login, cmd.redirect_port);
    let settings = Settings::for_target(cmd.target.profile.as_deref(), env);
    let set = load_config(&settings.env, &settings.paths)?;
    let sso = sso_target(&set, &settings, cmd.target.sso_session.as_deref())?;
    let selected = set.profile(&settings.profile);
    let policy = LoginPolicy::Allowed(opts.clone());
    let oidc_endpoint =
        crate::endpoints::configured(Service::SsoOidc, &settings.env, &set, selected)
            .map_err(|e| Error::new(Exit::Config, e.to_string()))?
            .map(|e| e.url);
    let session = Session {
        env: &settings.env,
        sso: &sso,
        oidc_endpoint,
        policy: &policy,
        timeout: crate::aws::call_timeout(&settings.env),
    };
    let rt = crate::aws::runtime().map_err(|e| {
        Error::new(
            Exit::Internal,
            format!("cannot start the async runtime: {e}"),
        )
    })?;
    let token = session.force_login(&rt, &opts)?;
    notice!(
        "SSO token cached in {}, valid until {}",
        settings.env.tilde(&session.token_path()),
        token.expires_at
    );
    Ok(0)
}

fn logout(cmd: &LogoutCmd, env: Env) -> Result<i32, Error> {
    let settings = Settings::for_target(cmd.profile.as_deref(), env);
    let set = load_config(&settings.env, &settings.paths)?;
    let target = if cmd.profile.is_some() || cmd.sso_session.is_some() {
        Some(sso_target(&set, &settings, cmd.sso_session.as_deref())?)
    } else {
        None
    };
    let endpoint = crate::endpoints::configured(
        Service::Sso,
        &settings.env,
        &set,
        set.profile(&settings.profile),
    )
    .map_err(|e| Error::new(Exit::Config, e.to_string()))?
    .map(|e| e.url);
    let summary = crate::sso::logout::logout(
        &settings.env,
        &set,
        target.as_ref(),
        endpoint.as_deref(),
        crate::aws::call_timeout(&settings.env),
    );
    let scope = target.as_ref().map_or_else(
        || "all SSO sessions".to_string(),
        |t| match &t.session_name {
            Some(s) => format!("sso-session `{s}`"),
            None => format!("{} (profile `{}`)", t.start_url, t.profile),
        },
    );
    notice!(
        "logged out of {scope}: removed {} cached SSO token(s) and {} cached role credential file(s); client registrations kept",
        summary.tokens,
        summary.role_credentials
    );
    Ok(0)
}
