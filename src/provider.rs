//! Walks a resolved chain to credentials. Each kind of base has its own leg here; the SSO
//! leg reads the token cache and calls GetRoleCredentials. Errors are phrased for the
//! person who has to fix them: the profile, the file, and the command to run.

use std::time::Instant;

use crate::config::resolve::{Base, Chain, SsoProfile};
use crate::config::{ConfigSet, Section};
use crate::credentials::Credentials;
use crate::endpoints::{self, Service};
use crate::env::Env;
use crate::error::{Error, Exit};
use crate::sso::portal::{self, PortalError};
use crate::sso::token_cache::{self, CachedToken, TokenFileError};
use crate::timefmt::{self, Timestamp};
use crate::{aws, sso, vlog};

/// What the provider legs may consult.
pub struct Context<'a> {
    pub env: &'a Env,
    pub set: &'a ConfigSet,
    /// The profile the user selected (endpoint settings come from it, as in botocore).
    pub selected: &'a Section,
    pub now: Timestamp,
}

pub fn credentials(ctx: &Context<'_>, chain: &Chain) -> Result<Credentials, Error> {
    if let Some(role) = chain.roles.first() {
        return Err(Error::new(
            Exit::Config,
            format!(
                "profile `{}` assumes role {} (role_arn); role chains are not supported by this version of ssox",
                role.profile, role.role_arn
            ),
        )
        .hint("use the SSO profile at the root of the chain"));
    }
    match &chain.base {
        Base::Sso(sso) => sso_credentials(ctx, sso),
        Base::AccessKey {
            profile,
            access_key_id,
            secret_access_key,
            session_token,
            account_id,
        } => {
            vlog!("profile {profile}: static keys from the config files");
            Ok(Credentials {
                access_key_id: access_key_id.clone(),
                secret_access_key: secret_access_key.clone(),
                session_token: session_token.clone(),
                expiration: None,
                account_id: account_id.clone(),
            })
        }
        Base::NamedSource { profile, .. }
        | Base::WebIdentity { profile, .. }
        | Base::Process { profile, .. } => Err(Error::new(
            Exit::Config,
            format!(
                "profile `{profile}` is not an SSO profile (it uses {}); this version of ssox runs SSO and static-key profiles",
                base_kind(&chain.base)
            ),
        )),
    }
}

fn base_kind(base: &Base) -> &'static str {
    match base {
        Base::AccessKey { .. } => "static keys",
        Base::NamedSource { .. } => "credential_source",
        Base::WebIdentity { .. } => "web_identity_token_file",
        Base::Sso(_) => "SSO",
        Base::Process { .. } => "credential_process",
    }
}

/// How a user logs in for this profile, with the tool that exists today.
pub fn login_command(sso: &SsoProfile) -> String {
    match &sso.session_name {
        Some(s) if sso.account_id.is_none() => format!("aws sso login --sso-session {s}"),
        _ => format!("aws sso login --profile {}", sso.profile),
    }
}

fn describe(sso: &SsoProfile) -> String {
    match &sso.session_name {
        Some(s) => format!("sso-session `{s}` (profile `{}`)", sso.profile),
        None => format!("profile `{}` ({})", sso.profile, sso.start_url),
    }
}

/// Reads the cached token for `sso`, or says which login fixes its absence.
pub fn cached_token(env: &Env, sso: &SsoProfile, now: Timestamp) -> Result<CachedToken, Error> {
    let path = token_cache::token_path(&sso::cache_dir(env), sso.token_cache_input());
    vlog!(
        "SSO token cache: {} (sha1 of {:?})",
        env.tilde(&path),
        sso.token_cache_input()
    );
    let login = login_command(sso);
    let token = token_cache::read(&path).map_err(|e| match e {
        TokenFileError::Read { .. } => Error::new(Exit::Io, e.to_string()),
        TokenFileError::Corrupt { .. } => {
            Error::new(Exit::NoPerm, e.to_string()).hint(format!("log in again: {login}"))
        }
    })?;
    let Some(token) = token else {
        return Err(Error::new(
            Exit::NoPerm,
            format!("not logged in: no cached SSO token for {}", describe(sso)),
        )
        .hint(format!("run `{login}`")));
    };
    if !token.is_valid_at(now) {
        let when = token.expires_at().map_or_else(
            || format!("has an unreadable expiresAt ({:?})", token.expires_at),
            |e| {
                format!(
                    "expired at {} ({} ago)",
                    timefmt::format_rfc3339(e),
                    timefmt::human_duration(now - e)
                )
            },
        );
        return Err(Error::new(
            Exit::NoPerm,
            format!("the SSO token for {} {when}", describe(sso)),
        )
        .hint(format!("run `{login}`")));
    }
    if let Some(e) = token.expires_at() {
        vlog!("SSO token valid for {}", timefmt::human_duration(e - now));
    }
    Ok(token)
}

fn sso_credentials(ctx: &Context<'_>, sso: &SsoProfile) -> Result<Credentials, Error> {
    let (Some(account), Some(role)) = (sso.account_id.as_deref(), sso.role_name.as_deref()) else {
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
    let token = cached_token(ctx.env, sso, ctx.now)?;
    let endpoint = endpoints::configured(Service::Sso, ctx.env, ctx.set, Some(ctx.selected))
        .map_err(|e| Error::new(Exit::Config, e.to_string()))?;
    let url = portal::endpoint_for(&sso.region, endpoint.as_ref().map(|e| e.url.as_str()));
    match &endpoint {
        Some(e) => vlog!("SSO portal endpoint {} (from {})", e.url, e.source),
        None => vlog!("SSO portal endpoint {url}"),
    }
    let timeout = aws::call_timeout(ctx.env);
    let rt = aws::runtime().map_err(|e| {
        Error::new(
            Exit::Internal,
            format!("cannot start the async runtime: {e}"),
        )
    })?;
    let client = portal::client(
        &sso.region,
        endpoint.as_ref().map(|e| e.url.as_str()),
        timeout,
    );
    let started = Instant::now();
    let result = rt.block_on(portal::get_role_credentials(
        &client,
        &url,
        timeout,
        &token.access_token,
        account,
        role,
    ));
    vlog!(
        "GetRoleCredentials account {account} role {role}: {:.1} ms",
        started.elapsed().as_secs_f64() * 1000.0
    );
    let creds = result.map_err(|e| portal_error(&e, sso))?;
    if let Some(exp) = creds.expiration {
        vlog!(
            "role credentials for account {} valid until {}",
            creds.account_id.as_deref().unwrap_or("?"),
            timefmt::format_rfc3339(exp)
        );
    }
    Ok(creds)
}

fn portal_error(e: &PortalError, sso: &SsoProfile) -> Error {
    let login = login_command(sso);
    match e {
        PortalError::Unauthorized { .. } => Error::new(
            Exit::NoPerm,
            format!("{} for {}: it expired or was revoked", e, describe(sso)),
        )
        .hint(format!("run `{login}`")),
        PortalError::Denied { .. } => Error::new(Exit::NoPerm, e.to_string()).hint(format!(
            "check sso_account_id and sso_role_name in profile `{}`, or ask your administrator for the assignment",
            sso.profile
        )),
        PortalError::Timeout { .. } | PortalError::Unreachable { .. } => {
            Error::new(Exit::Unavailable, e.to_string())
                .hint("check the network, sso_region and any AWS_ENDPOINT_URL* setting; set SSOX_HTTP_TIMEOUT to wait longer")
        }
        PortalError::Service { .. } => Error::new(Exit::Unavailable, e.to_string()),
    }
}
