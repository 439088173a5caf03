//! The SSO portal (`portal.sso.<region>.amazonaws.com`): GetRoleCredentials, which trades a
//! cached access token for a role's temporary credentials. Errors are sorted into what the
//! user must do: log in again, fix the account/role, or retry later.

use std::time::Duration;

use aws_sdk_sso::config::{BehaviorVersion, Region};
use aws_sdk_sso::error::{ProvideErrorMetadata, SdkError};

use crate::aws::{self, CallError};
use crate::credentials::Credentials;
use crate::secret::Secret;

#[derive(Debug, thiserror::Error)]
pub enum PortalError {
    /// 401: the token expired or was revoked at the service.
    #[error("the SSO portal rejected the cached token ({message})")]
    Unauthorized { message: String },
    /// 403/404: the user may not use this role in this account.
    #[error("access denied: the SSO portal refused role `{role}` in account {account} ({message})")]
    Denied {
        account: String,
        role: String,
        message: String,
    },
    #[error("the SSO portal at {endpoint} did not answer within {}s", timeout.as_secs_f64())]
    Timeout { endpoint: String, timeout: Duration },
    #[error("cannot reach the SSO portal at {endpoint}: {message}")]
    Unreachable { endpoint: String, message: String },
    #[error("the SSO portal failed: {message}")]
    Service { message: String },
}

/// Where requests go: an override, or the regional AWS endpoint.
pub fn endpoint_for(region: &str, override_url: Option<&str>) -> String {
    override_url.map_or_else(
        || format!("https://portal.sso.{region}.amazonaws.com"),
        str::to_string,
    )
}

pub fn client(region: &str, endpoint: Option<&str>, timeout: Duration) -> aws_sdk_sso::Client {
    let mut conf = aws_sdk_sso::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new(region.to_string()))
        .http_client(aws::http_client())
        .timeout_config(aws::timeouts(timeout))
        .retry_config(aws::retries());
    if let Some(url) = endpoint {
        conf = conf.endpoint_url(url);
    }
    aws_sdk_sso::Client::from_conf(conf.build())
}

pub async fn get_role_credentials(
    client: &aws_sdk_sso::Client,
    endpoint: &str,
    timeout: Duration,
    token: &Secret,
    account: &str,
    role: &str,
) -> Result<Credentials, PortalError> {
    let out = client
        .get_role_credentials()
        .access_token(token.expose())
        .account_id(account)
        .role_name(role)
        .send()
        .await
        .map_err(|e| classify(&e, endpoint, timeout, account, role))?;
    let rc = out.role_credentials().ok_or_else(|| PortalError::Service {
        message: "the response had no roleCredentials".into(),
    })?;
    let field = |v: Option<&str>, name: &str| {
        v.filter(|s| !s.is_empty())
            .map(Secret::new)
            .ok_or_else(|| PortalError::Service {
                message: format!("the response had no {name}"),
            })
    };
    Ok(Credentials {
        access_key_id: field(rc.access_key_id(), "accessKeyId")?,
        secret_access_key: field(rc.secret_access_key(), "secretAccessKey")?,
        session_token: Some(field(rc.session_token(), "sessionToken")?),
        // GetRoleCredentials gives milliseconds since the epoch.
        expiration: Some(rc.expiration().div_euclid(1000)),
        account_id: Some(account.to_string()),
    })
}

fn classify<E: ProvideErrorMetadata + std::error::Error + 'static>(
    err: &SdkError<E>,
    endpoint: &str,
    timeout: Duration,
    account: &str,
    role: &str,
) -> PortalError {
    let endpoint = endpoint.to_string();
    match aws::call_error(err) {
        CallError::Timeout => PortalError::Timeout { endpoint, timeout },
        CallError::Unreachable(message) => PortalError::Unreachable { endpoint, message },
        CallError::Service {
            status,
            code,
            message,
        } => {
            let message = match (message.is_empty(), code.is_empty()) {
                (false, _) => message,
                (true, false) => code.clone(),
                (true, true) => format!("HTTP {status}"),
            };
            match (status, code.as_str()) {
                (401, _) | (_, "UnauthorizedException") => PortalError::Unauthorized { message },
                (403 | 404, _) | (_, "ForbiddenException" | "ResourceNotFoundException") => {
                    PortalError::Denied {
                        account: account.to_string(),
                        role: role.to_string(),
                        message,
                    }
                }
                _ => PortalError::Service {
                    message: format!("{code} (HTTP {status}): {message}"),
                },
            }
        }
        CallError::Other(message) => PortalError::Service { message },
    }
}
