//! AWS STS over aws-sdk-sts: AssumeRole (signed with the previous hop's credentials) and
//! AssumeRoleWithWebIdentity (unsigned), against the regional endpoint or an override, and
//! the decision of which region STS is called in.

use aws_sdk_sts::error::{ProvideErrorMetadata, SdkError};

use std::path::Path;
use std::time::Instant;

use crate::aws::{Failure, Net, Target, TransportError};
use crate::config::endpoints::Service;
use crate::credentials::Credentials;
use crate::error::{Error, Exit};
use crate::log::vlog;
use crate::provider::context::{Context, cached_meanwhile, ms, save, single_flight};
use crate::provider::plan::{Hop, default_session_name};
use crate::provider::role_cache;
use crate::secret::Secret;
use crate::timefmt;

#[derive(Debug, thiserror::Error)]
pub enum StsError {
    /// A 4xx: the role, its trust policy, the MFA code or the credentials are wrong.
    #[error("STS refused {action} of {role_arn}: {detail}")]
    Denied {
        action: &'static str,
        role_arn: String,
        detail: String,
    },
    #[error("{0}")]
    Transport(TransportError),
    /// A 5xx or a throttle.
    #[error("STS failed {action} of {role_arn}: {detail}")]
    Service {
        action: &'static str,
        role_arn: String,
        detail: String,
    },
    #[error("the answer of STS had no Credentials")]
    Malformed,
}

impl StsError {
    /// The error for the person at the terminal, naming the profile whose role failed.
    pub fn to_error(&self, profile: &str) -> Error {
        match self {
            StsError::Denied { .. } => {
                Error::new(Exit::NoPerm, format!("profile `{profile}`: {self}"))
                    .hint("check role_arn, the role's trust policy, external_id and the MFA code")
            }
            StsError::Transport(t) => {
                let e = t.to_error();
                Error {
                    message: format!("profile `{profile}`: {}", e.message),
                    ..e
                }
            }
            StsError::Service { .. } => {
                Error::new(Exit::Unavailable, format!("profile `{profile}`: {self}"))
                    .hint("the service had a problem or is throttling; try again in a minute")
            }
            StsError::Malformed => {
                Error::new(Exit::Unavailable, format!("profile `{profile}`: {self}"))
            }
        }
    }
}

/// One AssumeRole hop, signed with the credentials of the hop before it; cached, one fetch
/// at a time across processes (`need`: how long cached credentials must still last).
pub fn assume(
    ctx: &Context<'_>,
    hop: &Hop<'_>,
    source: &Credentials,
    need: i64,
) -> Result<Credentials, Error> {
    let _flight = single_flight(ctx, &hop.cache)?;
    if let Some(c) = cached_meanwhile(ctx, &hop.cache, need) {
        return Ok(c);
    }
    let role = hop.role;
    let code = match &role.mfa_serial {
        Some(serial) => Some(mfa_code(ctx, &role.profile, serial)?),
        None => None,
    };
    let req = AssumeRequest {
        role_arn: &role.role_arn,
        session_name: &hop.session_name,
        external_id: role.external_id.as_deref(),
        duration_seconds: hop.duration,
        mfa: role.mfa_serial.as_deref().zip(code.as_deref()),
    };
    let client = Sts::new(ctx.net()?, &ctx.sts_region().name, Some(source))?;
    let started = Instant::now();
    let assumed = ctx
        .runtime()?
        .block_on(client.assume_role(&req))
        .map_err(|e| e.to_error(&role.profile))?;
    vlog!(
        "AssumeRole {} as {} (profile {}) at {}: {:.1} ms",
        role.role_arn,
        assumed.arn,
        role.profile,
        client.target().url,
        ms(started)
    );
    save(
        ctx,
        &hop.cache,
        role_cache::write_assumed(
            &hop.cache,
            &assumed.credentials,
            &assumed.arn,
            &assumed.assumed_role_id,
        ),
    );
    Ok(assumed.credentials)
}

/// AssumeRoleWithWebIdentity with the token in `token_file`; cached at `cache`.
pub fn web_identity(
    ctx: &Context<'_>,
    profile: &str,
    role_arn: &str,
    token_file: &str,
    session_name: Option<&str>,
    cache: Option<&Path>,
) -> Result<Credentials, Error> {
    let token = crate::fsutil::read_limited(Path::new(token_file), crate::fsutil::MAX_SMALL)
        .map(|b| String::from_utf8_lossy(&b).into_owned())
        .map_err(|e| {
            Error::new(
                Exit::Config,
                format!(
                    "profile `{profile}`: cannot read web_identity_token_file {token_file}: {e}"
                ),
            )
        })?;
    let token = Secret::new(token.trim());
    let session = session_name.map_or_else(
        || default_session_name(ctx.env, timefmt::now()),
        str::to_string,
    );
    let client = Sts::new(ctx.net()?, &ctx.sts_region().name, None)?;
    let assumed = ctx
        .runtime()?
        .block_on(client.assume_role_with_web_identity(role_arn, &session, &token))
        .map_err(|e| e.to_error(profile))?;
    vlog!("AssumeRoleWithWebIdentity {role_arn} as {}", assumed.arn);
    if let Some(path) = cache {
        let written = role_cache::write_assumed(
            path,
            &assumed.credentials,
            &assumed.arn,
            &assumed.assumed_role_id,
        );
        save(ctx, path, written);
    }
    Ok(assumed.credentials)
}

/// The MFA code: `--mfa-token`, else asked for on the terminal.
fn mfa_code(ctx: &Context<'_>, profile: &str, serial: &str) -> Result<String, Error> {
    if let Some(code) = &ctx.fetch.mfa_token {
        return Ok(code.clone());
    }
    // The run's one decision on whether a person can answer (the login's too): a captured
    // stderr (a credential_process) or --no-login asks nothing on the terminal.
    if let crate::settings::LoginPolicy::Never { reason } = ctx.policy {
        return Err(Error::new(
            Exit::NoPerm,
            format!("profile `{profile}` needs an MFA code (mfa_serial = {serial}) and ssox will not ask for one ({reason})"),
        )
        .hint("pass --mfa-token CODE"));
    }
    let code = crate::term::prompt(
        &format!("MFA code for {serial}: "),
        ctx.fetch.prompt_timeout,
    )
    .map_err(|e| {
        if e.kind() == std::io::ErrorKind::TimedOut {
            Error::new(
                Exit::TempFail,
                format!("no MFA code entered for profile `{profile}` in time"),
            )
        } else {
            Error::new(
                Exit::NoPerm,
                format!("cannot ask for the MFA code of profile `{profile}` on the terminal: {e}"),
            )
            .hint("pass --mfa-token CODE")
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

/// The parameters of one AssumeRole call.
pub struct AssumeRequest<'a> {
    pub role_arn: &'a str,
    pub session_name: &'a str,
    pub external_id: Option<&'a str>,
    pub duration_seconds: Option<i32>,
    pub mfa: Option<(&'a str, &'a str)>,
}

pub struct Sts<'n> {
    client: aws_sdk_sts::Client,
    net: &'n Net,
    target: Target,
}

/// What STS returns: credentials, and the assumed role's ARN (for the cache and `-v`).
#[allow(
    clippy::struct_field_names,
    reason = "`credentials` is the name STS and the SDKs give this part of the answer"
)]
pub struct Assumed {
    pub credentials: Credentials,
    pub arn: String,
    pub assumed_role_id: String,
}

impl<'n> Sts<'n> {
    /// `signer`: the credentials to sign with (`None` for AssumeRoleWithWebIdentity).
    pub fn new(net: &'n Net, region: &str, signer: Option<&Credentials>) -> Result<Self, Error> {
        let target = net.target(Service::Sts, region)?;
        let mut conf = aws_sdk_sts::config::Builder::from(&net.sdk_config(&target)?);
        if let Some(c) = signer {
            conf = conf.credentials_provider(aws_sdk_sts::config::Credentials::new(
                c.access_key_id.expose(),
                c.secret_access_key.expose(),
                c.session_token.as_ref().map(|t| t.expose().to_string()),
                None,
                "ssox",
            ));
        }
        Ok(Self {
            client: aws_sdk_sts::Client::from_conf(conf.build()),
            net,
            target,
        })
    }

    pub fn target(&self) -> &Target {
        &self.target
    }

    pub async fn assume_role(&self, req: &AssumeRequest<'_>) -> Result<Assumed, StsError> {
        let mut call = self
            .client
            .assume_role()
            .role_arn(req.role_arn)
            .role_session_name(req.session_name)
            .set_external_id(req.external_id.map(str::to_string))
            .set_duration_seconds(req.duration_seconds);
        if let Some((serial, code)) = req.mfa {
            call = call.serial_number(serial).token_code(code);
        }
        let out = call
            .send()
            .await
            .map_err(|e| self.classify(&e, "AssumeRole", req.role_arn))?;
        convert(out.credentials(), out.assumed_role_user())
    }

    pub async fn assume_role_with_web_identity(
        &self,
        role_arn: &str,
        session_name: &str,
        token: &Secret,
    ) -> Result<Assumed, StsError> {
        let out = self
            .client
            .assume_role_with_web_identity()
            .role_arn(role_arn)
            .role_session_name(session_name)
            .web_identity_token(token.expose())
            .send()
            .await
            .map_err(|e| self.classify(&e, "AssumeRoleWithWebIdentity", role_arn))?;
        convert(out.credentials(), out.assumed_role_user())
    }

    /// GetFederationToken, signed with an IAM user's long-term keys: temporary credentials
    /// with the user's own permissions (the session policy allows everything, and a session
    /// gets the intersection of it and the user's policies), as aws-vault does.
    pub async fn federation_token(
        &self,
        name: &str,
        duration_seconds: Option<i32>,
    ) -> Result<Assumed, StsError> {
        let out = self
            .client
            .get_federation_token()
            .name(name)
            .policy(ALLOW_ALL)
            .set_duration_seconds(duration_seconds)
            .send()
            .await
            .map_err(|e| self.classify(&e, "GetFederationToken", name))?;
        let c = out.credentials().ok_or(StsError::Malformed)?;
        let arn = out
            .federated_user()
            .map(|u| u.arn().to_string())
            .unwrap_or_default();
        Ok(Assumed {
            credentials: Credentials {
                access_key_id: Secret::new(c.access_key_id()),
                secret_access_key: Secret::new(c.secret_access_key()),
                session_token: Some(Secret::new(c.session_token())),
                expiration: Some(c.expiration().secs()),
                account_id: account_of(&arn),
            },
            assumed_role_id: out
                .federated_user()
                .map(|u| u.federated_user_id().to_string())
                .unwrap_or_default(),
            arn,
        })
    }

    fn classify<E: ProvideErrorMetadata + std::error::Error + 'static>(
        &self,
        err: &SdkError<E>,
        action: &'static str,
        role_arn: &str,
    ) -> StsError {
        match self.net.classify(err, &self.target) {
            Failure::Transport(t) => StsError::Transport(t),
            Failure::Service {
                status,
                code,
                message,
            } => {
                let detail = crate::aws::service_detail(status, &code, &message);
                let role_arn = role_arn.to_string();
                if crate::aws::retry_hint(status).is_some() {
                    StsError::Service {
                        action,
                        role_arn,
                        detail,
                    }
                } else {
                    StsError::Denied {
                        action,
                        role_arn,
                        detail,
                    }
                }
            }
        }
    }
}

/// The session policy of a federation token: everything, so the user's own policies decide.
const ALLOW_ALL: &str =
    r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#;

/// Temporary credentials for the console from an IAM user's long-term keys (the sign-in
/// endpoint takes temporary credentials only); `duration` sets how long they, and so the
/// console session, last.
pub fn console_credentials(
    ctx: &Context<'_>,
    profile: &str,
    keys: &Credentials,
    duration: Option<i32>,
) -> Result<Credentials, Error> {
    let client = Sts::new(ctx.net()?, &ctx.sts_region().name, Some(keys))?;
    let name = federated_name(ctx.env);
    let started = Instant::now();
    let out = ctx
        .runtime()?
        .block_on(client.federation_token(&name, duration))
        .map_err(|e| match e {
            StsError::Denied { .. } => Error::new(Exit::NoPerm, format!("profile `{profile}`: {e}")).hint(
                "the console takes temporary credentials only, so ssox asks STS for a federation token with these long-term keys; the IAM user needs sts:GetFederationToken, or use a profile that assumes a role",
            ),
            e => e.to_error(profile),
        })?;
    vlog!(
        "GetFederationToken as {} at {}: {:.1} ms",
        out.arn,
        client.target().url,
        ms(started)
    );
    Ok(out.credentials)
}

/// The federated user's name: `ssox-USER`, cut to what GetFederationToken accepts (2 to 32
/// of `[A-Za-z0-9_+=,.@-]`).
fn federated_name(env: &crate::env::Env) -> String {
    let user = env
        .get("USER")
        .or_else(|| env.get("LOGNAME"))
        .unwrap_or("user");
    let clean: String = user
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || "_+=,.@-".contains(*c))
        .collect();
    let mut name = format!("ssox-{clean}");
    name.truncate(32);
    name
}

fn convert(
    creds: Option<&aws_sdk_sts::types::Credentials>,
    user: Option<&aws_sdk_sts::types::AssumedRoleUser>,
) -> Result<Assumed, StsError> {
    let c = creds.ok_or(StsError::Malformed)?;
    let arn = user.map(|u| u.arn().to_string()).unwrap_or_default();
    Ok(Assumed {
        credentials: Credentials {
            access_key_id: Secret::new(c.access_key_id()),
            secret_access_key: Secret::new(c.secret_access_key()),
            session_token: Some(Secret::new(c.session_token())),
            expiration: Some(c.expiration().secs()),
            account_id: account_of(&arn),
        },
        assumed_role_id: user
            .map(|u| u.assumed_role_id().to_string())
            .unwrap_or_default(),
        arn,
    })
}

/// The account in an ARN (`arn:aws:sts::123456789012:assumed-role/...`).
pub fn account_of(arn: &str) -> Option<String> {
    arn.split(':')
        .nth(4)
        .filter(|a| a.len() == 12 && a.bytes().all(|b| b.is_ascii_digit()))
        .map(str::to_string)
}
