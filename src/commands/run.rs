//! `ssox [-p PROFILE] [-- PROGRAM ARGS]`, the main command: settings → PROGRAM looked up →
//! config → chain and its plan → credentials → then exec PROGRAM with them, print them, write
//! them into the credentials file, or serve them to PROGRAM (`--server`). The warm path reads
//! as that one line: no runtime, no SDK client, no TLS.

use crate::child::env::{self as child_env, Additions, Injected};
use crate::child::exec::{self, Program};
use crate::child::server;
use crate::cli::RunArgs;
use crate::config::resolve::Base;
use crate::config::{profile_env, region};
use crate::credentials::Credentials;
use crate::env::Env;
use crate::error::{Error, Exit};
use crate::log::{notice, vlog};
use crate::output::{
    self,
    credentials_file::{self, WriteError},
};
use crate::provider::{self, Context, Plan};
use crate::settings::{self, LoginPolicy, Mode};
use crate::timefmt;

/// Runs ssox's main command; returns the exit status (exec returns only on failure).
pub fn run(args: RunArgs, env: Env) -> Result<i32, Error> {
    let mut settings = settings::Run::new(args, env);
    let program = match settings.mode {
        Mode::Exec | Mode::Server => Some(find_program(&settings)?),
        Mode::Print { .. } | Mode::Write => None,
    };
    let endpoint = match settings.mode {
        Mode::Server => Some(bind(&settings)?),
        _ => None,
    };
    let set = crate::config::load_for(
        &settings.common.env,
        &settings.common.paths,
        &settings.common.profile,
    )?;
    settings::pick_profile(
        &mut settings.common,
        &set,
        settings.interactive,
        settings.fetch.prompt_timeout,
        None,
    )?;
    let settings = settings;
    let common = &settings.common;
    let (chain, selected) = provider::resolve(common, &set)?;
    let ctx = Context::new(
        &common.env,
        &set,
        selected,
        &settings.policy,
        &settings.fetch,
    );
    let plan = provider::plan(&ctx, &chain)?;
    let creds = provider::credentials(&ctx, &plan)?;
    let region = region::choose(
        settings.fetch.region.as_deref(),
        &common.env,
        Some(selected),
    );
    let profile_settings = profile_env::variables(&set, selected, &common.env);
    if let Mode::Print { format, pretty } = settings.mode {
        let name = region.as_ref().map(|r| r.name.as_str());
        output::print(&output::render(
            format,
            &creds,
            name,
            &profile_settings,
            pretty,
        ))?;
        return Ok(0);
    }
    if let Some(section) = &settings.credentials_file_profile {
        write_credentials_file(&settings, section, &creds)?;
    }
    provider::warn_if_short(&creds, settings.fetch.min_ttl);
    let Some((program, is_shell)) = program else {
        return Ok(0);
    };
    let ca_bundle = crate::aws::tls::CaBundle::choose(&common.env, Some(selected));
    let account_id = creds.account().map(str::to_string);
    let additions = |injected| Additions {
        injected,
        region: region.as_ref(),
        settings: &profile_settings,
        profile: &common.profile,
        account_id: account_id.as_deref(),
        ca_bundle: ca_bundle.as_ref().map(|b| b.path.as_path()),
    };
    if let Some(mut endpoint) = endpoint {
        if let Some(path) = &settings.token_file {
            endpoint.token_file = Some(server::TokenFile::write(path, &endpoint.token)?);
        }
        let token_file = endpoint.token_file.as_ref().map(server::TokenFile::path);
        let child = child_env::build(
            &common.env,
            &additions(Injected::Container {
                url: &endpoint.url,
                token: &endpoint.token,
                token_file,
            }),
        );
        if settings.listen.is_some() {
            notice!("{}", server::docker_hint(&endpoint));
        }
        return serve(&settings, &ctx, &plan, creds, endpoint, child, &program);
    }
    let child = child_env::build(&common.env, &additions(Injected::Keys(&creds)));
    if is_shell {
        notice!(
            "starting {} with the credentials of profile `{}`{}; type `exit` to leave",
            program.path.display(),
            common.profile,
            valid_until(&creds)
        );
    }
    vlog!("exec {}", program.path.display());
    Err(exec::exec(&program, child))
}

/// The `--server` endpoint, bound (and the token file's place checked) before anything is
/// fetched: a wrong address or directory never costs a login.
fn bind(settings: &settings::Run) -> Result<server::Endpoint, Error> {
    let listen = settings
        .listen
        .as_deref()
        .map(server::parse_listen)
        .transpose()?;
    if let Some(path) = &settings.token_file {
        server::TokenFile::check(path)?;
    }
    server::Endpoint::bind(listen)
}

fn valid_until(creds: &Credentials) -> String {
    creds
        .expiration
        .map(|e| format!(" (valid until {})", timefmt::format_rfc3339(e)))
        .unwrap_or_default()
}

/// `--server`: PROGRAM runs as a child and fetches credentials from a loopback endpoint.
fn serve(
    settings: &settings::Run,
    ctx: &Context<'_>,
    plan: &Plan<'_>,
    creds: Credentials,
    endpoint: server::Endpoint,
    child: Vec<(std::ffi::OsString, std::ffi::OsString)>,
    program: &Program,
) -> Result<i32, Error> {
    let common = &settings.common;
    // The server renews by itself, in the background: never a login, never --refresh.
    let never = LoginPolicy::Never {
        reason: "ssox --server never starts a login by itself",
    };
    let fetch = settings::Fetch {
        refresh: false,
        ..settings.fetch.clone()
    };
    let server_ctx = Context::new(ctx.env, ctx.set, ctx.selected, &never, &fetch);
    let login_hint = match &plan.chain.base {
        Base::Sso(sso) => sso.login_command(),
        Base::Login(l) => l.login_command(),
        Base::AccessKey { .. }
        | Base::NamedSource { .. }
        | Base::WebIdentity { .. }
        | Base::Process { .. } => format!("ssox -p {}", common.profile),
    };
    match server::run(
        endpoint,
        &server_ctx,
        plan,
        creds,
        program,
        child,
        &login_hint,
    )? {}
}

fn write_credentials_file(
    settings: &settings::Run,
    section: &str,
    creds: &Credentials,
) -> Result<(), Error> {
    let common = &settings.common;
    let path = &common.paths.credentials;
    let lock_path = crate::lock::path(&common.env, "credentials", path);
    let written = credentials_file::write(path, &lock_path, section, creds, settings.force).map_err(|e| match e {
        WriteError::LongTermKeys { .. } => Error::new(Exit::Config, e.to_string())
            .hint(format!("choose another section with -c, or add --force if you really mean to replace [{section}]")),
        WriteError::Lock(l) => l.to_error(),
        WriteError::NotText { .. } | WriteError::Io { .. } => Error::new(Exit::Io, e.to_string()),
    })?;
    if let Some(old) = written.narrowed_from {
        notice!(
            "{} was mode {old:04o}; it holds secrets, so ssox wrote it as 0600",
            common.env.tilde(&written.path)
        );
    }
    notice!(
        "wrote the credentials of profile `{}` to [{section}] in {}{}",
        common.profile,
        common.env.tilde(&written.path),
        valid_until(creds)
    );
    Ok(())
}

/// PROGRAM, or `$SHELL` when none is given. Looked up before anything else, so a typo never
/// costs a network call or a login.
fn find_program(settings: &settings::Run) -> Result<(Program, bool), Error> {
    let env = &settings.common.env;
    let path_var = env.get_os("PATH");
    if settings.program.is_empty() {
        let shell = env
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
