//! Walks a resolved chain to credentials. Each kind of base has its own leg here; the SSO
//! leg gets a token from the session (cache, refresh or login) and calls GetRoleCredentials,
//! retrying once with a renewed token if the portal says the token was revoked. Errors are
//! phrased for the person who has to fix them: the profile, the file, the command to run.

use std::time::Instant;

use crate::config::resolve::{AssumeRole, Base, Chain, SsoProfile};
use crate::config::{ConfigSet, Section};
use crate::credentials::Credentials;
use crate::endpoints::{self, Service};
use crate::env::Env;
use crate::error::{Error, Exit};
use crate::secret::Secret;
use crate::sso::portal::{self, PortalError};
use crate::sso::session::{LoginPolicy, Session, describe, login_command};
use crate::timefmt;
use crate::{aws, process, role_cache, sts, vlog};

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
    /// `--mfa-token`.
    pub mfa_token: Option<&'a str>,
    /// How long a credential_process may run.
    pub process_timeout: std::time::Duration,
    /// How long to wait for a person to answer a prompt (the login timeout).
    pub prompt_timeout: std::time::Duration,
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
    vlog!("chain: {}", describe_chain(chain));
    if chain.roles.is_empty() {
        return base_credentials(ctx, &chain.base, ctx.min_ttl);
    }
    let plans = chain
        .roles
        .iter()
        .map(|r| RolePlan::new(ctx, r))
        .collect::<Result<Vec<_>, _>>()?;
    let last = plans.len() - 1;
    // The warm path: the deepest hop whose cached credentials still last.
    let cached = if ctx.refresh {
        None
    } else {
        (0..plans.len()).rev().find_map(|i| {
            let need = if i == last {
                ctx.min_ttl
            } else {
                role_cache::MIN_REMAINING
            };
            cached_for(ctx, &plans[i].cache_path, need).map(|c| (i + 1, c))
        })
    };
    let (start, mut creds) = match cached {
        Some(found) => found,
        None => (
            0,
            base_credentials(ctx, &chain.base, role_cache::MIN_REMAINING)?,
        ),
    };
    if start <= last {
        let rt = runtime()?;
        let region = sts_region(ctx);
        let endpoint = ctx.endpoint(Service::Sts)?;
        let timeout = aws::call_timeout(ctx.env);
        for plan in &plans[start..] {
            let code = match &plan.role.mfa_serial {
                Some(serial) => Some(mfa_code(ctx, &plan.role.profile, serial)?),
                None => None,
            };
            let req = sts::AssumeRequest {
                role_arn: &plan.role.role_arn,
                session_name: &plan.session_name,
                external_id: plan.role.external_id.as_deref(),
                duration_seconds: plan.duration,
                mfa: plan.role.mfa_serial.as_deref().zip(code.as_deref()),
            };
            let client = sts::Sts::new(&region, endpoint.as_deref(), timeout, Some(&creds));
            let started = Instant::now();
            let assumed = rt
                .block_on(client.assume_role(&req))
                .map_err(|e| sts_error(&e, &plan.role.profile))?;
            vlog!(
                "AssumeRole {} as {} (profile {}): {:.1} ms",
                plan.role.role_arn,
                assumed.arn,
                plan.role.profile,
                started.elapsed().as_secs_f64() * 1000.0
            );
            save(
                ctx,
                &plan.cache_path,
                role_cache::write_assumed(&plan.cache_path, &assumed),
            );
            creds = assumed.credentials;
        }
    }
    Ok(creds)
}

/// One AssumeRole hop, with the values derived from its profile.
struct RolePlan<'a> {
    role: &'a AssumeRole,
    session_name: String,
    duration: Option<i32>,
    cache_path: std::path::PathBuf,
}

impl<'a> RolePlan<'a> {
    fn new(ctx: &Context<'_>, role: &'a AssumeRole) -> Result<Self, Error> {
        let duration = role
            .duration_seconds
            .as_deref()
            .map(|d| {
                d.parse::<i32>().map_err(|_| {
                    Error::new(
                        Exit::Config,
                        format!(
                            "profile `{}`: duration_seconds = {d} is not a whole number of seconds",
                            role.profile
                        ),
                    )
                })
            })
            .transpose()?;
        Ok(Self {
            role,
            session_name: role
                .session_name
                .clone()
                .unwrap_or_else(|| default_session_name(ctx.env)),
            duration,
            cache_path: role_cache::cache_dir(ctx.env)
                .join(role_cache::assume_role_file_name(role, duration)),
        })
    }
}

/// `ssox-<user>-<unix time>`: readable in CloudTrail, within STS's 64-character limit.
pub fn default_session_name(env: &Env) -> String {
    let user: String = env
        .get("USER")
        .or_else(|| env.get("LOGNAME"))
        .unwrap_or("user")
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || "+=,.@-_".contains(*c))
        .take(40)
        .collect();
    format!(
        "ssox-{}-{}",
        if user.is_empty() { "user" } else { &user },
        timefmt::now()
    )
}

/// STS goes to the selected profile's region, else the environment's, else us-east-1.
fn sts_region(ctx: &Context<'_>) -> String {
    ctx.selected
        .get_nonempty("region")
        .or_else(|| ctx.env.get("AWS_REGION"))
        .or_else(|| ctx.env.get("AWS_DEFAULT_REGION"))
        .unwrap_or("us-east-1")
        .to_string()
}

fn runtime() -> Result<tokio::runtime::Runtime, Error> {
    aws::runtime().map_err(|e| {
        Error::new(
            Exit::Internal,
            format!("cannot start the async runtime: {e}"),
        )
    })
}

/// Cached credentials at `path` that last at least `need` seconds.
fn cached_for(ctx: &Context<'_>, path: &std::path::Path, need: i64) -> Option<Credentials> {
    let c = role_cache::read(path)?;
    let left = c.expiration.map_or(0, |e| e - timefmt::now());
    if left >= need {
        vlog!(
            "cached credentials in {} valid for {}",
            ctx.env.tilde(path),
            timefmt::human_duration(left)
        );
        Some(c)
    } else {
        vlog!(
            "cached credentials in {} have {} left, less than {}",
            ctx.env.tilde(path),
            timefmt::human_duration(left),
            timefmt::human_duration(need)
        );
        None
    }
}

fn save(ctx: &Context<'_>, path: &std::path::Path, result: std::io::Result<()>) {
    match result {
        Ok(()) => vlog!("cached credentials in {}", ctx.env.tilde(path)),
        // Not fatal: the credentials are good, only the next run will be slower.
        Err(e) => vlog!(
            "could not cache credentials in {}: {e}",
            ctx.env.tilde(path)
        ),
    }
}

/// Says so when the credentials will not last as long as the user asked (`--min-ttl`).
pub fn warn_if_short(creds: &Credentials, min_ttl: i64) {
    if let Some(exp) = creds.expiration {
        let left = exp - timefmt::now();
        if left < min_ttl {
            crate::notice!(
                "the credentials last only {}, less than the {} asked for (the permission set's session duration, or duration_seconds, sets this)",
                timefmt::human_duration(left),
                timefmt::human_duration(min_ttl)
            );
        }
    }
}

/// The MFA code: `--mfa-token`, else asked for on the terminal.
fn mfa_code(ctx: &Context<'_>, profile: &str, serial: &str) -> Result<String, Error> {
    if let Some(code) = ctx.mfa_token {
        return Ok(code.to_string());
    }
    let no_terminal = || {
        Error::new(
            Exit::NoPerm,
            format!("profile `{profile}` needs an MFA code (mfa_serial = {serial}) and there is no terminal to ask on"),
        )
        .hint("pass --mfa-token CODE")
    };
    if !crate::term::interactive() {
        return Err(no_terminal());
    }
    let code = crate::term::prompt(&format!("MFA code for {serial}: "), ctx.prompt_timeout)
        .map_err(|e| {
            if e.kind() == std::io::ErrorKind::TimedOut {
                Error::new(
                    Exit::TempFail,
                    format!("no MFA code entered for profile `{profile}` in time"),
                )
            } else {
                no_terminal()
            }
        })?;
    let code = code.trim().to_string();
    if code.is_empty() {
        return Err(Error::new(
            Exit::NoPerm,
            format!("no MFA code entered for profile `{profile}`"),
        ));
    }
    Ok(code)
}

fn sts_error(e: &sts::StsError, profile: &str) -> Error {
    if e.is_access_problem() {
        Error::new(Exit::NoPerm, format!("profile `{profile}`: {e}"))
            .hint("check role_arn, the role's trust policy, external_id and the MFA code")
    } else {
        Error::new(Exit::Unavailable, format!("profile `{profile}`: {e}"))
            .hint("check the network and any AWS_ENDPOINT_URL_STS setting")
    }
}

pub fn describe_chain(chain: &Chain) -> String {
    let mut parts = vec![match &chain.base {
        Base::Sso(s) => format!(
            "SSO {} (profile {}, {}/{})",
            s.session_name
                .as_deref()
                .map_or_else(|| s.start_url.clone(), |n| format!("sso-session {n}")),
            s.profile,
            s.account_id.as_deref().unwrap_or("?"),
            s.role_name.as_deref().unwrap_or("?")
        ),
        Base::AccessKey { profile, .. } => format!("static keys (profile {profile})"),
        Base::NamedSource { profile, source } => {
            format!("credential_source {source} (profile {profile})")
        }
        Base::WebIdentity {
            profile, role_arn, ..
        } => format!("web identity {role_arn} (profile {profile})"),
        Base::Process { profile, .. } => format!("credential_process (profile {profile})"),
    }];
    parts.extend(
        chain
            .roles
            .iter()
            .map(|r| format!("{} (profile {})", r.role_arn, r.profile)),
    );
    parts.join(" -> ")
}

/// The credentials at the root of the chain.
fn base_credentials(ctx: &Context<'_>, base: &Base, min_ttl: i64) -> Result<Credentials, Error> {
    match base {
        Base::Sso(sso) => sso_credentials(ctx, sso, min_ttl),
        Base::AccessKey {
            access_key_id,
            secret_access_key,
            session_token,
            account_id,
            ..
        } => Ok(Credentials {
            access_key_id: access_key_id.clone(),
            secret_access_key: secret_access_key.clone(),
            session_token: session_token.clone(),
            expiration: None,
            account_id: account_id.clone(),
        }),
        Base::Process { profile, command } => {
            let started = Instant::now();
            let c = process::run(ctx.env, profile, command, ctx.process_timeout)
                .map_err(|e| process_error(&e, profile))?;
            vlog!(
                "credential_process of profile {profile}: {:.1} ms",
                started.elapsed().as_secs_f64() * 1000.0
            );
            Ok(c)
        }
        Base::WebIdentity {
            profile,
            role_arn,
            token_file,
            session_name,
        } => web_identity(
            ctx,
            profile,
            role_arn,
            token_file,
            session_name.as_deref(),
            min_ttl,
        ),
        Base::NamedSource { profile, source } => named_source(ctx, profile, source),
    }
}

fn process_error(e: &process::ProcessError, profile: &str) -> Error {
    use process::ProcessError as P;
    let exit = match e {
        P::Split(_) | P::Empty | P::Spawn { .. } | P::Loop { .. } => Exit::Config,
        P::Timeout { .. } => Exit::TempFail,
        P::Failed { .. } | P::BadOutput { .. } => Exit::Unavailable,
    };
    let err = Error::new(exit, format!("profile `{profile}`: {e}"));
    match e {
        P::Loop { .. } => err.hint("a credential_process must not call ssox for its own profile; point it at the SSO profile instead"),
        P::Timeout { .. } => err.hint("--process-timeout waits longer"),
        _ => err,
    }
}

fn web_identity(
    ctx: &Context<'_>,
    profile: &str,
    role_arn: &str,
    token_file: &str,
    session_name: Option<&str>,
    min_ttl: i64,
) -> Result<Credentials, Error> {
    let cache_path = role_cache::cache_dir(ctx.env)
        .join(role_cache::web_identity_file_name(role_arn, session_name));
    if !ctx.refresh
        && let Some(c) = cached_for(ctx, &cache_path, min_ttl)
    {
        return Ok(c);
    }
    let token = std::fs::read_to_string(token_file).map_err(|e| {
        Error::new(
            Exit::Config,
            format!("profile `{profile}`: cannot read web_identity_token_file {token_file}: {e}"),
        )
    })?;
    let token = Secret::new(token.trim());
    let session = session_name.map_or_else(|| default_session_name(ctx.env), str::to_string);
    let endpoint = ctx.endpoint(Service::Sts)?;
    let client = sts::Sts::new(
        &sts_region(ctx),
        endpoint.as_deref(),
        aws::call_timeout(ctx.env),
        None,
    );
    let rt = runtime()?;
    let assumed = rt
        .block_on(client.assume_role_with_web_identity(role_arn, &session, &token))
        .map_err(|e| sts_error(&e, profile))?;
    vlog!("AssumeRoleWithWebIdentity {role_arn} as {}", assumed.arn);
    save(
        ctx,
        &cache_path,
        role_cache::write_assumed(&cache_path, &assumed),
    );
    Ok(assumed.credentials)
}

fn named_source(ctx: &Context<'_>, profile: &str, source: &str) -> Result<Credentials, Error> {
    match source {
        "Environment" => {
            let (Some(key), Some(secret)) = (ctx.env.get("AWS_ACCESS_KEY_ID"), ctx.env.get("AWS_SECRET_ACCESS_KEY")) else {
                return Err(Error::new(
                    Exit::Config,
                    format!("profile `{profile}` sets credential_source = Environment, but AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are not both set"),
                ));
            };
            Ok(Credentials {
                access_key_id: Secret::new(key),
                secret_access_key: Secret::new(secret),
                session_token: ctx
                    .env
                    .get("AWS_SESSION_TOKEN")
                    .or_else(|| ctx.env.get("AWS_SECURITY_TOKEN"))
                    .map(Secret::new),
                expiration: ctx.env.get("AWS_CREDENTIAL_EXPIRATION").and_then(timefmt::parse_rfc3339),
                account_id: None,
            })
        }
        "Ec2InstanceMetadata" | "EcsContainer" => Err(Error::new(
            Exit::Config,
            format!("profile `{profile}` sets credential_source = {source}, which ssox does not support (it never contacts instance or container metadata)"),
        )
        .hint("on EC2 or ECS let the SDK's own credential chain do this, or use source_profile")),
        other => Err(Error::new(
            Exit::Config,
            format!("profile `{profile}` sets credential_source = {other}, which is not a credential source"),
        )
        .hint("use Environment, Ec2InstanceMetadata or EcsContainer (ssox runs only Environment)")),
    }
}

fn sso_credentials(
    ctx: &Context<'_>,
    sso: &SsoProfile,
    min_ttl: i64,
) -> Result<Credentials, Error> {
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
    if ctx.refresh {
        vlog!("--refresh: not using {}", ctx.env.tilde(&cache_path));
    } else if let Some(c) = cached_for(ctx, &cache_path, min_ttl) {
        return Ok(c);
    }
    let session = ctx.session(sso)?;
    let endpoint = ctx.endpoint(Service::Sso)?;
    let url = portal::endpoint_for(&sso.region, endpoint.as_deref());
    let timeout = aws::call_timeout(ctx.env);
    let rt = runtime()?;
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
    }
    save(ctx, &cache_path, role_cache::write_sso(&cache_path, &creds));
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
