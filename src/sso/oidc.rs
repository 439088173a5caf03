//! SSO OIDC over aws-sdk-ssooidc: RegisterClient, StartDeviceAuthorization and CreateToken
//! (device code, refresh token, authorization code with PKCE). Requests are unsigned, so the
//! client has no credentials provider. Errors are sorted by the OAuth meaning the login
//! loops need (pending, slow down, expired, denied).

use aws_sdk_ssooidc::error::{ProvideErrorMetadata, SdkError};

use crate::aws::{Failure, Net, Target, TransportError};
use crate::config::endpoints::Service;
use crate::config::resolve::SsoProfile;
use crate::error::{Error, Exit};
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
    #[error("{0}")]
    Transport(TransportError),
    /// Any other error answer.
    #[error("the SSO OIDC service failed {operation}: {detail}")]
    Service {
        operation: &'static str,
        status: u16,
        detail: String,
    },
    /// An answer without what it must carry.
    #[error("the SSO OIDC service's answer to {operation} had no {what}")]
    Malformed {
        operation: &'static str,
        what: &'static str,
    },
}

impl OidcError {
    /// The error for the person at the terminal; every failed login says how to try again.
    pub fn to_error(&self, sso: &SsoProfile) -> Error {
        let again = format!("run `{}` to try again", sso.login_command());
        match self {
            OidcError::Transport(t) => t.to_error(),
            OidcError::Service { status, .. } => {
                Error::new(Exit::Unavailable, format!("{}: {self}", sso.describe())).hint(
                    crate::aws::retry_hint(*status)
                        .unwrap_or("check sso_start_url and sso_region of the session"),
                )
            }
            OidcError::Malformed { .. } => {
                Error::new(Exit::Unavailable, format!("{}: {self}", sso.describe()))
            }
            OidcError::Expired(_) => {
                Error::new(Exit::TempFail, format!("login not completed: {self}")).hint(again)
            }
            OidcError::Denied(_) => {
                Error::new(Exit::NoPerm, format!("login refused: {self}")).hint(again)
            }
            OidcError::InvalidGrant(_)
            | OidcError::InvalidClient(_)
            | OidcError::Pending
            | OidcError::SlowDown => {
                Error::new(Exit::NoPerm, format!("login failed: {self}")).hint(again)
            }
        }
    }
}

pub struct Oidc<'n> {
    client: aws_sdk_ssooidc::Client,
    net: &'n Net,
    target: Target,
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

impl<'n> Oidc<'n> {
    pub fn new(net: &'n Net, region: &str) -> Result<Self, Error> {
        let target = net.target(Service::SsoOidc, region)?;
        let client = aws_sdk_ssooidc::Client::from_conf(aws_sdk_ssooidc::Config::from(
            &net.sdk_config(&target)?,
        ));
        Ok(Self {
            client,
            net,
            target,
        })
    }

    /// `scheme://host[:port]` of the service, where the browser is sent for `/authorize`
    /// (an override's path is dropped, as the AWS CLI does).
    pub fn authorize_base(&self) -> String {
        self.target.origin()
    }

    pub fn target(&self) -> &Target {
        &self.target
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
        let out = req
            .send()
            .await
            .map_err(|e| self.classify(&e, "RegisterClient"))?;
        let malformed = |what| OidcError::Malformed {
            operation: "RegisterClient",
            what,
        };
        Ok(ClientRegistration {
            client_id: out
                .client_id()
                .ok_or_else(|| malformed("clientId"))?
                .to_string(),
            client_secret: Secret::new(
                out.client_secret()
                    .ok_or_else(|| malformed("clientSecret"))?,
            ),
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
            .map_err(|e| self.classify(&e, "StartDeviceAuthorization"))?;
        let missing = |what| OidcError::Malformed {
            operation: "StartDeviceAuthorization",
            what,
        };
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
        let out = req
            .send()
            .await
            .map_err(|e| self.classify(&e, "CreateToken"))?;
        Ok(NewToken {
            access_token: Secret::new(out.access_token().ok_or(OidcError::Malformed {
                operation: "CreateToken",
                what: "accessToken",
            })?),
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
        operation: &'static str,
    ) -> OidcError {
        match self.net.classify(err, &self.target) {
            Failure::Transport(t) => OidcError::Transport(t),
            Failure::Service {
                status,
                code,
                message,
            } => {
                let msg = if message.is_empty() {
                    code.clone()
                } else {
                    message.clone()
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
                    _ => OidcError::Service {
                        operation,
                        status,
                        detail: crate::aws::service_detail(status, &code, &message),
                    },
                }
            }
        }
    }
}
