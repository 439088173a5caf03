//! The `aws login` leg: credentials from a `login_session` profile's cache, refreshed with
//! its rotating refresh token when they run low (`signin::session` decides and locks). The
//! Sign-In endpoint's region is the one the session signed in at where the cache records
//! it, else the run's region, else the login profile's own.

use crate::config::region;
use crate::config::resolve::LoginProfile;
use crate::credentials::Credentials;
use crate::error::Error;
use crate::provider::context::{Context, not_expired};
use crate::signin::session::LoginSession;

pub fn credentials(
    ctx: &Context<'_>,
    login: &LoginProfile,
    need: i64,
) -> Result<Credentials, Error> {
    let run_region = region::choose(ctx.fetch.region.as_deref(), ctx.env, Some(ctx.selected));
    let session = LoginSession {
        env: ctx.env,
        login,
        net: ctx.net()?,
        policy: ctx.policy,
        run_region: run_region.as_ref().map(|r| r.name.as_str()),
    };
    let creds = session.credentials(ctx.runtime()?, need, ctx.fetch.refresh)?;
    not_expired(&creds, || login.describe())?;
    Ok(creds)
}
