//! The SSO leg: role credentials from IAM Identity Center. Cached role credentials that last
//! are used as they are (no token, no runtime, no SDK client); otherwise the session gives a
//! token (cache, refresh or login) and the portal trades it for credentials, once more with
//! a renewed token if the portal says the token was revoked.

use std::path::Path;
use std::time::Instant;

use crate::config::resolve::SsoProfile;
use crate::credentials::Credentials;
use crate::error::{Error, Exit};
use crate::log::vlog;
use crate::provider::context::{
    Context, cached_meanwhile, ms, not_expired, reuse, save, single_flight,
};
use crate::provider::role_cache;
use crate::sso::portal::{Portal, PortalError};
use crate::sso::session::Session;
use crate::timefmt;

pub fn credentials(
    ctx: &Context<'_>,
    sso: &SsoProfile,
    cache: Option<&Path>,
    min_ttl: i64,
) -> Result<Credentials, Error> {
    let (Some(account), Some(role), Some(cache)) =
        (sso.account_id.as_deref(), sso.role_name.as_deref(), cache)
    else {
        // The outlook refuses this before any fetch.
        return Err(crate::provider::outlook::without_role(sso)
            .unwrap_or_else(|| Error::new(Exit::Internal, "no role cache for an SSO role")));
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
    let mut token = session.token(rt, None)?;
    let creds = match fetch(&token.access_token) {
        Err(PortalError::Unauthorized { .. }) => {
            // Revoked at the service although the cache calls it valid: renew once, retry once.
            vlog!("the portal rejected the cached token; renewing it");
            token = session.token(rt, Some(&token.access_token))?;
            fetch(&token.access_token)
        }
        other => other,
    };
    let creds = match creds {
        Ok(c) => c,
        Err(e @ PortalError::Denied { .. }) => {
            let mut err = e.to_error(sso);
            if let Some(hint) = rt.block_on(what_you_can_use(
                &portal,
                &token.access_token,
                account,
                role,
            )) {
                err = err.hint(format!(
                    "{hint}; fix sso_account_id or sso_role_name in profile `{}`",
                    sso.profile
                ));
            }
            return Err(err);
        }
        Err(e) => return Err(e.to_error(sso)),
    };
    // Neither printed nor cached: a portal (or whatever answers for it) that hands out dead
    // credentials would otherwise fail every call PROGRAM makes, for as long as they are cached.
    not_expired(&creds, || {
        format!("GetRoleCredentials (account {account}, role {role})")
    })?;
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

/// Shown with at most this many names.
const LISTED: usize = 10;

fn listed(names: &[String]) -> String {
    let more = names.len().saturating_sub(LISTED);
    let shown = names[..names.len().min(LISTED)].join(", ");
    if more > 0 {
        format!("{shown} and {more} more")
    } else {
        shown
    }
}

/// After a refused GetRoleCredentials: the roles the token can use in that account, or, if
/// none, the accounts it can use, with a "did you mean". `None` when the listing does not
/// explain the refusal (or cannot be had).
async fn what_you_can_use(
    portal: &Portal<'_>,
    token: &crate::secret::Secret,
    account: &str,
    role: &str,
) -> Option<String> {
    if let Ok(roles) = portal.list_account_roles(token, account).await
        && !roles.is_empty()
    {
        if roles.iter().any(|r| r == role) {
            return None;
        }
        let near = crate::config::similar(role, roles.iter().map(String::as_str));
        let guess = near
            .first()
            .map(|n| format!("; did you mean `{n}`?"))
            .unwrap_or_default();
        return Some(format!(
            "roles you can use in account {account}: {}{guess}",
            listed(&roles)
        ));
    }
    let accounts = portal.list_accounts(token).await.ok()?;
    if accounts.iter().any(|a| a.id == account) {
        return Some(format!("you have no role you can use in account {account}"));
    }
    let names: Vec<String> = accounts
        .iter()
        .map(|a| format!("{} ({})", a.id, a.name))
        .collect();
    let near = crate::config::similar(account, accounts.iter().map(|a| a.id.as_str()));
    let guess = near
        .first()
        .map(|n| format!("; did you mean {n}?"))
        .unwrap_or_default();
    Some(format!(
        "account {account} is not one you can use; your accounts: {}{guess}",
        listed(&names)
    ))
}
