//! `ssox login [-p PROFILE | --sso-session NAME]`: a new SSO token, by the same flows and under
//! the same lock as the logins a run starts by itself, cached where the AWS CLI reads it.

use crate::aws::Net;
use crate::cli::LoginCmd;
use crate::config::resolve;
use crate::env::Env;
use crate::error::Error;
use crate::log::notice;
use crate::settings::{Common, LoginOptions, LoginPolicy};
use crate::sso::session::Session;

pub fn run(cmd: &LoginCmd, env: Env) -> Result<i32, Error> {
    let opts = LoginOptions::new(&cmd.login, cmd.redirect_port);
    let common = Common::new(cmd.target.profile.as_deref(), env);
    let set = crate::config::load(&common.env, &common.paths)?;
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
