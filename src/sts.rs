//! AWS STS over aws-sdk-sts: AssumeRole (signed with the previous hop's credentials) and
//! AssumeRoleWithWebIdentity (unsigned), against the regional endpoint or an override.

use std::time::Duration;

use aws_sdk_sts::config::{BehaviorVersion, Region};
use aws_sdk_sts::error::{ProvideErrorMetadata, SdkError};

use crate::aws::{self, CallError};
use crate::credentials::Credentials;
use crate::secret::Secret;

#[derive(Debug, thiserror::Error)]
pub enum StsError {
    #[error("STS refused {action} {role_arn}: {code}: {message}")]
    Denied {
        action: &'static str,
        role_arn: String,
        code: String,
        message: String,
    },
    #[error("STS at {endpoint} did not answer within {}s", timeout.as_secs_f64())]
    Timeout { endpoint: String, timeout: Duration },
    #[error("cannot reach STS at {endpoint}: {message}")]
    Unreachable { endpoint: String, message: String },
    #[error("STS failed: {0}")]
    Service(String),
}

impl StsError {
    pub fn is_access_problem(&self) -> bool {
        matches!(self, StsError::Denied { .. })
    }
}

/// The parameters of one AssumeRole call.
pub struct AssumeRequest<'a> {
    pub role_arn: &'a str,
    pub session_name: &'a str,
    pub external_id: Option<&'a str>,
    pub duration_seconds: Option<i32>,
    pub mfa: Option<(&'a str, &'a str)>,
}

pub struct Sts {
    client: aws_sdk_sts::Client,
    endpoint: String,
    timeout: Duration,
}

/// What STS returns: credentials, and the assumed role's ARN (for the cache and `-v`).
#[allow(clippy::struct_field_names)]
pub struct Assumed {
    pub credentials: Credentials,
    pub arn: String,
    pub assumed_role_id: String,
}

impl Sts {
    /// `signer`: the credentials to sign with (`None` for AssumeRoleWithWebIdentity).
    pub fn new(
        region: &str,
        override_url: Option<&str>,
        timeout: Duration,
        signer: Option<&Credentials>,
    ) -> Self {
        let endpoint = override_url.map_or_else(
            || format!("https://sts.{region}.amazonaws.com"),
            str::to_string,
        );
        let mut conf = aws_sdk_sts::Config::builder()
            .behavior_version(BehaviorVersion::latest())
            .region(Region::new(region.to_string()))
            .http_client(aws::http_client())
            .timeout_config(aws::timeouts(timeout))
            .retry_config(aws::retries());
        if let Some(url) = override_url {
            conf = conf.endpoint_url(url);
        }
        if let Some(c) = signer {
            conf = conf.credentials_provider(aws_sdk_sts::config::Credentials::new(
                c.access_key_id.expose(),
                c.secret_access_key.expose(),
                c.session_token.as_ref().map(|t| t.expose().to_string()),
                None,
                "ssox",
            ));
        }
        Self {
            client: aws_sdk_sts::Client::from_conf(conf.build()),
            endpoint,
            timeout,
        }
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

    fn classify<E: ProvideErrorMetadata + std::error::Error + 'static>(
        &self,
        err: &SdkError<E>,
        action: &'static str,
        role_arn: &str,
    ) -> StsError {
        let endpoint = self.endpoint.clone();
        match aws::call_error(err) {
            CallError::Timeout => StsError::Timeout {
                endpoint,
                timeout: self.timeout,
            },
            CallError::Unreachable(message) => StsError::Unreachable { endpoint, message },
            CallError::Service {
                status,
                code,
                message,
            } if status < 500 => StsError::Denied {
                action,
                role_arn: role_arn.to_string(),
                code,
                message,
            },
            CallError::Service {
                status,
                code,
                message,
            } => StsError::Service(format!("{code} (HTTP {status}): {message}")),
            CallError::Other(message) => StsError::Service(message),
        }
    }
}

fn convert(
    creds: Option<&aws_sdk_sts::types::Credentials>,
    user: Option<&aws_sdk_sts::types::AssumedRoleUser>,
) -> Result<Assumed, StsError> {
    let c = creds.ok_or_else(|| StsError::Service("the response had no Credentials".into()))?;
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
