//! `ssox login [-p PROFILE | --sso-session NAME]`: a new SSO token, by the same flows and under
//! the same lock as the logins a run starts by itself, cached where the AWS CLI reads it.
//! For a `login_session` profile (or a role chain on one), or with `--console`, the console
//! sign-in of `aws login` instead: the session is cached in the login cache, and the profile
//! gets `login_session` when it has none, as the AWS CLI writes it.

use std::time::{Duration, Instant};

use crate::aws::Net;
use crate::cli::LoginCmd;
use crate::config::resolve::{self, Base};
use crate::config::{ConfigSet, region};
use crate::env::Env;
use crate::error::{Error, Exit, NAME_IN_MESSAGE, clip, escaped};
use crate::log::notice;
use crate::settings::{Common, LoginOptions, LoginPolicy};
use crate::signin::cache;
use crate::signin::oauth::SignIn;
use crate::sso::session::Session;

pub fn run(cmd: &LoginCmd, env: Env) -> Result<i32, Error> {
    let opts = LoginOptions::new(&cmd.login, cmd.redirect_port);
    let common = Common::new(cmd.target.profile.as_deref(), env);
    let set = crate::config::load(&common.env, &common.paths)?;
    if cmd.target.sso_session.is_none() {
        let signin_profile = if cmd.console {
            Some(common.profile.clone())
        } else {
            match resolve::resolve_chain(&set, &common.profile) {
                Ok(chain) => match &chain.base {
                    Base::Login(l) => Some(l.profile.clone()),
                    _ => None,
                },
                Err(_) => None,
            }
        };
        if let Some(profile) = signin_profile {
            return console(cmd, &common, &set, &profile, &opts);
        }
    }
    let sso = resolve::sso_target(
        &set,
        &common.env,
        &common.paths,
        (&common.profile, common.profile_source),
        cmd.target.sso_session.as_deref(),
    )?;
    let net = Net::new(&common.env, &set, set.profile(&common.profile))?;
    let policy = LoginPolicy::Allowed(opts.clone());
    let session = Session {
        env: &common.env,
        sso: &sso,
        net: &net,
        policy: &policy,
    };
    let rt = crate::aws::runtime()?;
    let token = session.force_login(&rt, &opts)?;
    notice!(
        "SSO token cached in {}, valid until {}",
        common.env.tilde(&session.token_path()),
        token.expires_at
    );
    Ok(0)
}

/// The console sign-in for `profile`, as `aws login --profile PROFILE`.
fn console(
    cmd: &LoginCmd,
    common: &Common,
    set: &ConfigSet,
    profile: &str,
    opts: &LoginOptions,
) -> Result<i32, Error> {
    let env = &common.env;
    let section = set.profile(profile);
    let existing = section
        .and_then(|p| p.get_nonempty("login_session"))
        .map(str::to_string);
    let region = match &cmd.region {
        Some(r) => r.clone(),
        None => region::choose(None, env, section)
            .map(|c| c.name)
            .ok_or_else(|| {
                Error::new(
                    Exit::Config,
                    format!("no region to sign in at for profile `{}`", clip(profile, NAME_IN_MESSAGE)),
                )
                .hint("give --region REGION (it is written to the profile), or set region in the profile")
            })?,
    };
    if !region::is_region(&region) {
        return Err(Error::new(
            Exit::Usage,
            format!(
                "--region `{}` is not an AWS region",
                clip(&escaped(&region), NAME_IN_MESSAGE)
            ),
        )
        .hint("give one like eu-west-1 or us-east-1"));
    }
    let net = Net::new(env, set, section)?;
    let service = SignIn::new(&net, &region)?;
    let rt = crate::aws::runtime()?;
    let (mut file, session) =
        rt.block_on(crate::signin::flow::sign_in(env, &service, profile, opts))?;
    if let Some(old) = existing.as_deref().filter(|old| *old != session) {
        let question = format!(
            "profile `{profile}` uses the session {}; switch it to {session}? [y/N] ",
            escaped(old)
        );
        let yes = crate::term::conversational()
            && crate::term::prompt(&question, opts.timeout)
                .is_ok_and(|a| matches!(a.trim(), "y" | "Y" | "yes"));
        if !yes {
            return Err(Error::new(
                Exit::NoPerm,
                format!(
                    "profile `{profile}` keeps its session {}; nothing written",
                    escaped(old)
                ),
            )
            .hint("sign in as that identity, or answer yes on a terminal to switch"));
        }
    }
    // Where the session signed in: its refreshes go there too, whoever refreshes it.
    file.extra.insert(
        "signInRegion".into(),
        serde_json::Value::String(region.clone()),
    );
    let path = cache::path(env, &session);
    {
        let _guard = crate::lock::acquire(
            &crate::lock::path(env, "login", &path),
            "is signing in",
            Instant::now() + opts.timeout,
            |holder| notice!("waiting for {holder}"),
        )
        .map_err(|e| e.to_error())?;
        cache::write(&path, &file)
            .map_err(|e| Error::new(Exit::Io, format!("cannot write {}: {e}", env.tilde(&path))))?;
    }
    if existing.as_deref() != Some(session.as_str()) {
        let wrote_region = section.and_then(|p| p.get_nonempty("region")).is_none();
        write_profile(
            common,
            profile,
            &session,
            wrote_region.then_some(region.as_str()),
        )?;
        notice!(
            "updated profile `{profile}` in {} to use {session}",
            env.tilde(&common.paths.config)
        );
    }
    notice!(
        "credentials cached in {}, valid for 15 minutes and refreshed as they are used",
        env.tilde(&path)
    );
    Ok(0)
}

/// Writes `login_session` (and `region`, where the profile has none) into the profile, under
/// the config file's lock, changing no other line.
fn write_profile(
    common: &Common,
    profile: &str,
    session: &str,
    region: Option<&str>,
) -> Result<(), Error> {
    let env = &common.env;
    let target = crate::fsutil::link_target(&common.paths.config);
    let _guard = crate::lock::acquire(
        &crate::lock::path(env, "config", &target),
        "is writing the config file",
        Instant::now() + Duration::from_secs(30),
        |_| {},
    )
    .map_err(|e| e.to_error())?;
    let text = match crate::fsutil::read_limited(&target, crate::fsutil::MAX_CONFIG) {
        Ok(b) => String::from_utf8(b).map_err(|_| {
            Error::new(
                Exit::Config,
                format!(
                    "{} is not UTF-8 text; ssox will not edit it",
                    env.tilde(&target)
                ),
            )
        })?,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
        Err(e) => {
            return Err(Error::new(
                Exit::Io,
                format!("cannot read {}: {e}", env.tilde(&target)),
            ));
        }
    };
    // Region first: each key goes right under the header, so login_session comes out on
    // top, as the AWS CLI writes a new profile.
    let of = crate::config::profile_of_header;
    let mut text = text;
    if let Some(r) = region {
        text = crate::config::edit::set(&text, profile, "region", r, of).text;
    }
    let text = crate::config::edit::set(&text, profile, "login_session", session, of).text;
    crate::fsutil::write_atomic_keeping_mode(&target, text.as_bytes()).map_err(|e| {
        Error::new(
            Exit::Io,
            format!("cannot write {}: {e}", env.tilde(&target)),
        )
    })?;
    Ok(())
}
