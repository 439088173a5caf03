//! Walks a resolved chain to credentials. Each kind of base has its own leg here; the SSO
//! leg gets a token from the session (cache, refresh or login) and calls GetRoleCredentials,
//! retrying once with a renewed token if the portal says the token was revoked. Errors are
//! phrased for the person who has to fix them: the profile, the file, the command to run.

use std::time::Instant;

use crate::config::resolve::{Base, Chain, SsoProfile};
use crate::config::{ConfigSet, Section};
use crate::credentials::Credentials;
use crate::endpoints::{self, Service};
use crate::env::Env;
use crate::error::{Error, Exit};
use crate::sso::portal::{self, PortalError};
use crate::sso::session::{LoginPolicy, Session, login_command};
use crate::timefmt;
use crate::{aws, role_cache, vlog};

/// What the provider legs may consult.
pub struct Context<'a> {
    pub env: &'a Env,
    pub set: &'a ConfigSet,
    /// The profile the user selected (endpoint settings come from it, as in botocore).
    pub selected: &'a Section,
    pub policy: &'a LoginPolicy,
    /// Cached role credentials must last this many seconds to be reused.
    pub min_ttl: i64,
    /// Ignore cached role credentials (`--refresh`).
    pub refresh: bool,
}

impl Context<'_> {
    pub fn endpoint(&self, service: Service) -> Result<Option<String>, Error> {
        let e = endpoints::configured(service, self.env, self.set, Some(self.selected))
            .map_err(|e| Error::new(Exit::Config, e.to_string()))?;
        if let Some(e) = &e {
            vlog!("{service:?} endpoint {} (from {})", e.url, e.source);
        }
        Ok(e.map(|e| e.url))
    }

    pub fn session<'s>(&'s self, sso: &'s SsoProfile) -> Result<Session<'s>, Error> {
        Ok(Session {
            env: self.env,
            sso,
            oidc_endpoint: self.endpoint(Service::SsoOidc)?,
            policy: self.policy,
            timeout: aws::call_timeout(self.env),
        })
    }
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

fn describe(sso: &SsoProfile) -> String {
    match &sso.session_name {
        Some(s) => format!("sso-session `{s}` (profile `{}`)", sso.profile),
        None => format!("profile `{}` ({})", sso.profile, sso.start_url),
    }
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
    // The warm path: cached role credentials that last long enough. No token, no runtime,
    // no SDK client.
    let cache_path =
        role_cache::cache_dir(ctx.env).join(role_cache::sso_file_name(account, role, sso));
    let now = timefmt::now();
    if ctx.refresh {
        vlog!("--refresh: not using {}", ctx.env.tilde(&cache_path));
    } else if let Some(c) = role_cache::read(&cache_path) {
        let left = c.expiration.map_or(0, |e| e - now);
        if left >= ctx.min_ttl {
            vlog!(
                "cached role credentials in {} valid for {}",
                ctx.env.tilde(&cache_path),
                timefmt::human_duration(left)
            );
            return Ok(c);
        }
        vlog!(
            "cached role credentials in {} have {} left, less than {}",
            ctx.env.tilde(&cache_path),
            timefmt::human_duration(left),
            timefmt::human_duration(ctx.min_ttl)
        );
    }
    let session = ctx.session(sso)?;
    let endpoint = ctx.endpoint(Service::Sso)?;
    let url = portal::endpoint_for(&sso.region, endpoint.as_deref());
    let timeout = aws::call_timeout(ctx.env);
    let rt = aws::runtime().map_err(|e| {
        Error::new(
            Exit::Internal,
            format!("cannot start the async runtime: {e}"),
        )
    })?;
    let client = portal::client(&sso.region, endpoint.as_deref(), timeout);
    let fetch = |token: &crate::secret::Secret| {
        let started = Instant::now();
        let r = rt.block_on(portal::get_role_credentials(
            &client, &url, timeout, token, account, role,
        ));
        vlog!(
            "GetRoleCredentials account {account} role {role} at {url}: {:.1} ms",
            started.elapsed().as_secs_f64() * 1000.0
        );
        r
    };
    let token = session.token(&rt, None)?;
    let creds = match fetch(&token.access_token) {
        Err(PortalError::Unauthorized { .. }) => {
            // Revoked at the service although the cache calls it valid: renew once, retry once.
            vlog!("the portal rejected the cached token; renewing it");
            let renewed = session.token(&rt, Some(&token.access_token))?;
            fetch(&renewed.access_token)
        }
        other => other,
    }
    .map_err(|e| portal_error(&e, sso))?;
    if let Some(exp) = creds.expiration {
        vlog!(
            "role credentials for account {} valid until {}",
            creds.account_id.as_deref().unwrap_or("?"),
            timefmt::format_rfc3339(exp)
        );
        let left = exp - timefmt::now();
        if left < ctx.min_ttl {
            crate::notice!(
                "the role's credentials last only {}, less than the {} asked for; the permission set's session duration sets this",
                timefmt::human_duration(left),
                timefmt::human_duration(ctx.min_ttl)
            );
        }
    }
    match role_cache::write_sso(&cache_path, &creds) {
        Ok(()) => vlog!("cached role credentials in {}", ctx.env.tilde(&cache_path)),
        // Not fatal: the credentials are good, only the next run will be slower.
        Err(e) => vlog!(
            "could not cache role credentials in {}: {e}",
            ctx.env.tilde(&cache_path)
        ),
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
