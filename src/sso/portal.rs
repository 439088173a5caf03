//! The SSO portal (`portal.sso.<region>.amazonaws.com`): GetRoleCredentials, which trades a
//! cached access token for a role's temporary credentials, and Logout. Errors are sorted
//! into what the user must do: log in again, fix the account/role, or retry later.

use crate::aws::{Failure, Net, Target, TransportError};
use crate::config::endpoints::Service;
use crate::config::resolve::SsoProfile;
use crate::credentials::Credentials;
use crate::error::{Error, Exit};
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
    #[error("{0}")]
    Transport(TransportError),
    #[error("the SSO portal failed: {message}")]
    Service { message: String },
}

impl PortalError {
    /// The error for the person at the terminal, with the command or setting that fixes it.
    pub fn to_error(&self, sso: &SsoProfile) -> Error {
        match self {
            PortalError::Unauthorized { .. } => Error::new(
                Exit::NoPerm,
                format!("{self} for {}: it expired or was revoked", sso.describe()),
            )
            .hint(format!("run `{}`", sso.login_command())),
            PortalError::Denied { .. } => Error::new(Exit::NoPerm, self.to_string()).hint(format!(
                "check sso_account_id and sso_role_name in profile `{}`, or ask your administrator for the assignment",
                sso.profile
            )),
            PortalError::Transport(t) => t.to_error(),
            PortalError::Service { .. } => Error::new(Exit::Unavailable, self.to_string()),
        }
    }
}

pub struct Portal<'n> {
    client: aws_sdk_sso::Client,
    net: &'n Net,
    target: Target,
}

impl<'n> Portal<'n> {
    pub fn new(net: &'n Net, region: &str) -> Result<Self, Error> {
        let target = net.target(Service::Sso, region)?;
        let client =
            aws_sdk_sso::Client::from_conf(aws_sdk_sso::Config::from(&net.sdk_config(&target)));
        Ok(Self {
            client,
            net,
            target,
        })
    }

    pub fn target(&self) -> &Target {
        &self.target
    }

    pub async fn get_role_credentials(
        &self,
        token: &Secret,
        account: &str,
        role: &str,
    ) -> Result<Credentials, PortalError> {
        let out = self
            .client
            .get_role_credentials()
            .access_token(token.expose())
            .account_id(account)
            .role_name(role)
            .send()
            .await
            .map_err(|e| self.classify(&e, account, role))?;
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

    /// Ends the session at the service (what `aws sso logout` does first).
    pub async fn logout(&self, token: &str) -> Result<(), PortalError> {
        self.client
            .logout()
            .access_token(token)
            .send()
            .await
            .map(drop)
            .map_err(|e| self.classify(&e, "", ""))
    }

    fn classify<E>(
        &self,
        err: &aws_sdk_sso::error::SdkError<E>,
        account: &str,
        role: &str,
    ) -> PortalError
    where
        E: aws_sdk_sso::error::ProvideErrorMetadata + std::error::Error + 'static,
    {
        match self.net.classify(err, &self.target) {
            Failure::Transport(t) => PortalError::Transport(t),
            Failure::Service {
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
                    (401, _) | (_, "UnauthorizedException") => {
                        PortalError::Unauthorized { message }
                    }
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
        }
    }
}
