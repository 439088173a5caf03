//! SSO OIDC over aws-sdk-ssooidc: RegisterClient, StartDeviceAuthorization and CreateToken
//! (device code, refresh token, authorization code with PKCE). Requests are unsigned, so the
//! client has no credentials provider. Errors are sorted by the OAuth meaning the login
//! loops need (pending, slow down, expired, denied).

use std::time::Duration;

use aws_sdk_ssooidc::config::{BehaviorVersion, Region};
use aws_sdk_ssooidc::error::{ProvideErrorMetadata, SdkError};

use crate::aws::{self, CallError};
use crate::secret::Secret;

pub const DEVICE_GRANT: &str = "urn:ietf:params:oauth:grant-type:device_code";

#[derive(Debug, thiserror::Error)]
pub enum OidcError {
    #[error("authorization pending")]
    Pending,
    #[error("polling too fast")]
    SlowDown,
    #[error("the authorization expired before it was approved ({0})")]
    Expired(String),
    #[error("access denied ({0})")]
    Denied(String),
    #[error("the grant was rejected ({0})")]
    InvalidGrant(String),
    #[error("the client registration was rejected ({0})")]
    InvalidClient(String),
    #[error("the SSO OIDC service at {endpoint} did not answer within {}s", timeout.as_secs_f64())]
    Timeout { endpoint: String, timeout: Duration },
    #[error("cannot reach the SSO OIDC service at {endpoint}: {message}")]
    Unreachable { endpoint: String, message: String },
    #[error("the SSO OIDC service failed: {0}")]
    Service(String),
}

pub struct Oidc {
    client: aws_sdk_ssooidc::Client,
    endpoint: String,
    timeout: Duration,
}

pub struct ClientRegistration {
    pub client_id: String,
    pub client_secret: Secret,
    /// Unix seconds.
    pub expires_at: i64,
}

pub struct DeviceAuthorization {
    pub device_code: Secret,
    pub user_code: String,
    pub verification_uri: String,
    pub verification_uri_complete: Option<String>,
    pub expires_in: i64,
    pub interval: i64,
}

pub struct NewToken {
    pub access_token: Secret,
    pub expires_in: i64,
    pub refresh_token: Option<Secret>,
}

pub enum Grant<'a> {
    Device(&'a Secret),
    Refresh(&'a Secret),
    AuthCode {
        code: &'a Secret,
        redirect_uri: &'a str,
        verifier: &'a Secret,
    },
}

impl Oidc {
    pub fn new(region: &str, override_url: Option<&str>, timeout: Duration) -> Self {
        let endpoint = override_url.map_or_else(
            || format!("https://oidc.{region}.amazonaws.com"),
            str::to_string,
        );
        let mut conf = aws_sdk_ssooidc::Config::builder()
            .behavior_version(BehaviorVersion::latest())
            .region(Region::new(region.to_string()))
            .http_client(aws::http_client())
            .timeout_config(aws::timeouts(timeout))
            .retry_config(aws::retries());
        if let Some(url) = override_url {
            conf = conf.endpoint_url(url);
        }
        Self {
            client: aws_sdk_ssooidc::Client::from_conf(conf.build()),
            endpoint,
            timeout,
        }
    }

    /// `scheme://host[:port]` of the service, where the browser is sent for `/authorize`
    /// (an override's path is dropped, as the AWS CLI does).
    pub fn authorize_base(&self) -> String {
        let (scheme, rest) = self
            .endpoint
            .split_once("://")
            .unwrap_or(("https", &self.endpoint));
        let host = rest.split(['/', '?', '#']).next().unwrap_or(rest);
        format!("{scheme}://{host}")
    }

    pub fn endpoint(&self) -> &str {
        &self.endpoint
    }

    pub async fn register(
        &self,
        name: &str,
        scopes: Option<&[String]>,
        pkce_issuer: Option<&str>,
    ) -> Result<ClientRegistration, OidcError> {
        let mut req = self
            .client
            .register_client()
            .client_name(name)
            .client_type("public")
            .set_scopes(scopes.map(<[String]>::to_vec));
        if let Some(issuer) = pkce_issuer {
            req = req
                .grant_types("authorization_code")
                .grant_types("refresh_token")
                .redirect_uris("http://127.0.0.1/oauth/callback")
                .issuer_url(issuer);
        }
        let out = req.send().await.map_err(|e| self.classify(&e))?;
        Ok(ClientRegistration {
            client_id: out
                .client_id()
                .ok_or_else(|| OidcError::Service("RegisterClient returned no clientId".into()))?
                .to_string(),
            client_secret: Secret::new(out.client_secret().ok_or_else(|| {
                OidcError::Service("RegisterClient returned no clientSecret".into())
            })?),
            expires_at: out.client_secret_expires_at(),
        })
    }

    pub async fn start_device(
        &self,
        client_id: &str,
        client_secret: &Secret,
        start_url: &str,
    ) -> Result<DeviceAuthorization, OidcError> {
        let out = self
            .client
            .start_device_authorization()
            .client_id(client_id)
            .client_secret(client_secret.expose())
            .start_url(start_url)
            .send()
            .await
            .map_err(|e| self.classify(&e))?;
        let missing =
            |what: &str| OidcError::Service(format!("StartDeviceAuthorization returned no {what}"));
        Ok(DeviceAuthorization {
            device_code: Secret::new(out.device_code().ok_or_else(|| missing("deviceCode"))?),
            user_code: out
                .user_code()
                .ok_or_else(|| missing("userCode"))?
                .to_string(),
            verification_uri: out
                .verification_uri()
                .ok_or_else(|| missing("verificationUri"))?
                .to_string(),
            verification_uri_complete: out.verification_uri_complete().map(str::to_string),
            expires_in: i64::from(out.expires_in()),
            interval: i64::from(out.interval()),
        })
    }

    pub async fn create_token(
        &self,
        client_id: &str,
        client_secret: &Secret,
        grant: Grant<'_>,
    ) -> Result<NewToken, OidcError> {
        let req = self
            .client
            .create_token()
            .client_id(client_id)
            .client_secret(client_secret.expose());
        let req = match grant {
            Grant::Device(code) => req.grant_type(DEVICE_GRANT).device_code(code.expose()),
            Grant::Refresh(token) => req
                .grant_type("refresh_token")
                .refresh_token(token.expose()),
            Grant::AuthCode {
                code,
                redirect_uri,
                verifier,
            } => req
                .grant_type("authorization_code")
                .redirect_uri(redirect_uri)
                .code_verifier(verifier.expose())
                .code(code.expose()),
        };
        let out = req.send().await.map_err(|e| self.classify(&e))?;
        Ok(NewToken {
            access_token: Secret::new(
                out.access_token().ok_or_else(|| {
                    OidcError::Service("CreateToken returned no accessToken".into())
                })?,
            ),
            expires_in: i64::from(out.expires_in()),
            refresh_token: out
                .refresh_token()
                .filter(|s| !s.is_empty())
                .map(Secret::new),
        })
    }

    fn classify<E: ProvideErrorMetadata + std::error::Error + 'static>(
        &self,
        err: &SdkError<E>,
    ) -> OidcError {
        let endpoint = self.endpoint.clone();
        match aws::call_error(err) {
            CallError::Timeout => OidcError::Timeout {
                endpoint,
                timeout: self.timeout,
            },
            CallError::Unreachable(message) => OidcError::Unreachable { endpoint, message },
            CallError::Service {
                status,
                code,
                message,
            } => {
                let msg = if message.is_empty() {
                    code.clone()
                } else {
                    message
                };
                match code.as_str() {
                    "AuthorizationPendingException" | "authorization_pending" => OidcError::Pending,
                    "SlowDownException" | "slow_down" => OidcError::SlowDown,
                    "ExpiredTokenException" | "expired_token" => OidcError::Expired(msg),
                    "AccessDeniedException" | "access_denied" => OidcError::Denied(msg),
                    "InvalidGrantException" | "invalid_grant" => OidcError::InvalidGrant(msg),
                    "InvalidClientException" | "invalid_client" | "UnauthorizedClientException" => {
                        OidcError::InvalidClient(msg)
                    }
                    _ => OidcError::Service(format!("{code} (HTTP {status}): {msg}")),
                }
            }
            CallError::Other(message) => OidcError::Service(message),
        }
    }
}
