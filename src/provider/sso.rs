//! The SSO leg: role credentials from IAM Identity Center. Cached role credentials that last
//! are used as they are (no token, no runtime, no SDK client); otherwise the session gives a
//! token (cache, refresh or login) and the portal trades it for credentials, once more with
//! a renewed token if the portal says the token was revoked.

use std::path::Path;
use std::time::Instant;

use crate::config::resolve::SsoProfile;
use crate::credentials::Credentials;
use crate::error::{Error, Exit};
use crate::provider::{Context, cached_meanwhile, ms, reuse, role_cache, save, single_flight};
use crate::sso::portal::{Portal, PortalError};
use crate::sso::session::Session;
use crate::{timefmt, vlog};

pub fn credentials(
    ctx: &Context<'_>,
    sso: &SsoProfile,
    cache: Option<&Path>,
    min_ttl: i64,
) -> Result<Credentials, Error> {
    let (Some(account), Some(role), Some(cache)) =
        (sso.account_id.as_deref(), sso.role_name.as_deref(), cache)
    else {
        let origin = ctx.selected.origin;
        return Err(Error::new(
            Exit::Config,
            format!(
                "profile `{}` names an SSO login but no role: sso_account_id and sso_role_name are required",
                sso.profile
            ),
        )
        .hint(format!(
            "add both to [profile {}] (line {} of the {:?} file)",
            sso.profile, origin.line, origin.file
        )));
    };
    // The warm path: cached role credentials that last long enough.
    if let Some(c) = reuse(ctx, cache, min_ttl) {
        return Ok(c);
    }
    let _flight = single_flight(ctx, cache)?;
    if let Some(c) = cached_meanwhile(ctx, cache, min_ttl) {
        return Ok(c);
    }
    let net = ctx.net()?;
    let rt = ctx.runtime()?;
    let session = Session {
        env: ctx.env,
        sso,
        net,
        policy: ctx.policy,
    };
    let portal = Portal::new(net, &sso.region)?;
    let fetch = |token: &crate::secret::Secret| {
        let started = Instant::now();
        let r = rt.block_on(portal.get_role_credentials(token, account, role));
        vlog!(
            "GetRoleCredentials account {account} role {role} at {}: {:.1} ms",
            portal.target().describe(),
            ms(started)
        );
        r
    };
    let token = session.token(rt, None)?;
    let creds = match fetch(&token.access_token) {
        Err(PortalError::Unauthorized { .. }) => {
            // Revoked at the service although the cache calls it valid: renew once, retry once.
            vlog!("the portal rejected the cached token; renewing it");
            let renewed = session.token(rt, Some(&token.access_token))?;
            fetch(&renewed.access_token)
        }
        other => other,
    }
    .map_err(|e| e.to_error(sso))?;
    if let Some(exp) = creds.expiration {
        vlog!(
            "role credentials for account {} valid until {}",
            creds.account_id.as_deref().unwrap_or("?"),
            timefmt::format_rfc3339(exp)
        );
    }
    save(ctx, cache, role_cache::write_sso(cache, &creds));
    Ok(creds)
}
