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
    /// Any other error answer (a 5xx, a throttle, a request the portal rejects).
    #[error("the SSO portal failed {operation}: {detail}")]
    Service {
        operation: &'static str,
        status: u16,
        detail: String,
    },
    /// An answer without what it must carry.
    #[error("the SSO portal's answer to {operation} had no {what}")]
    Malformed {
        operation: &'static str,
        what: &'static str,
    },
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
            PortalError::Service { status, .. } => Error::new(
                Exit::Unavailable,
                format!("profile `{}`: {self}", sso.profile),
            )
            .hint(crate::aws::retry_hint(*status).map_or_else(
                || format!("check sso_region and the SSO settings of profile `{}`", sso.profile),
                str::to_string,
            )),
            PortalError::Malformed { .. } => Error::new(
                Exit::Unavailable,
                format!("profile `{}`: {self}", sso.profile),
            ),
        }
    }
}

/// An account the token may use.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Account {
    pub id: String,
    /// The account's name; its id when the portal gives none.
    pub name: String,
}

/// The most the portal returns in a page; it may return fewer.
const PAGE_SIZE: i32 = 100;
/// A portal that keeps answering with a next page is broken: 1000 pages are 100,000 accounts.
const MAX_PAGES: usize = 1000;

#[derive(Clone)]
pub struct Portal<'n> {
    client: aws_sdk_sso::Client,
    net: &'n Net,
    target: Target,
}

impl<'n> Portal<'n> {
    pub fn new(net: &'n Net, region: &str) -> Result<Self, Error> {
        let target = net.target(Service::Sso, region)?;
        let client =
            aws_sdk_sso::Client::from_conf(aws_sdk_sso::Config::from(&net.sdk_config(&target)?));
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
            .map_err(|e| self.classify(&e, "GetRoleCredentials", account, role))?;
        let malformed = |what| PortalError::Malformed {
            operation: "GetRoleCredentials",
            what,
        };
        let rc = out
            .role_credentials()
            .ok_or_else(|| malformed("roleCredentials"))?;
        let field = |v: Option<&str>, name| {
            v.filter(|s| !s.is_empty())
                .map(Secret::new)
                .ok_or_else(|| malformed(name))
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

    /// Every account the token may use, following pagination.
    pub async fn list_accounts(&self, token: &Secret) -> Result<Vec<Account>, PortalError> {
        let mut out = Vec::new();
        let mut next: Option<String> = None;
        for _ in 0..MAX_PAGES {
            let page = self
                .client
                .list_accounts()
                .access_token(token.expose())
                .max_results(PAGE_SIZE)
                .set_next_token(next.take())
                .send()
                .await
                .map_err(|e| self.classify(&e, "ListAccounts", "", ""))?;
            for a in page.account_list() {
                let Some(id) = a.account_id().filter(|s| !s.is_empty()) else {
                    return Err(PortalError::Malformed {
                        operation: "ListAccounts",
                        what: "accountId",
                    });
                };
                out.push(Account {
                    id: id.to_string(),
                    name: a.account_name().unwrap_or(id).to_string(),
                });
            }
            match page.next_token().filter(|t| !t.is_empty()) {
                Some(t) => next = Some(t.to_string()),
                None => return Ok(out),
            }
        }
        Err(PortalError::Malformed {
            operation: "ListAccounts",
            what: "last page",
        })
    }

    /// The roles the token may use in `account`, following pagination.
    pub async fn list_account_roles(
        &self,
        token: &Secret,
        account: &str,
    ) -> Result<Vec<String>, PortalError> {
        let mut out = Vec::new();
        let mut next: Option<String> = None;
        for _ in 0..MAX_PAGES {
            let page = self
                .client
                .list_account_roles()
                .access_token(token.expose())
                .account_id(account)
                .max_results(PAGE_SIZE)
                .set_next_token(next.take())
                .send()
                .await
                .map_err(|e| self.classify(&e, "ListAccountRoles", account, ""))?;
            out.extend(
                page.role_list()
                    .iter()
                    .filter_map(|r| r.role_name().filter(|s| !s.is_empty()))
                    .map(str::to_string),
            );
            match page.next_token().filter(|t| !t.is_empty()) {
                Some(t) => next = Some(t.to_string()),
                None => return Ok(out),
            }
        }
        Err(PortalError::Malformed {
            operation: "ListAccountRoles",
            what: "last page",
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
            .map_err(|e| self.classify(&e, "Logout", "", ""))
    }

    fn classify<E>(
        &self,
        err: &aws_sdk_sso::error::SdkError<E>,
        operation: &'static str,
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
                let detail = crate::aws::service_detail(status, &code, &message);
                match (status, code.as_str()) {
                    (401, _) | (_, "UnauthorizedException") => {
                        PortalError::Unauthorized { message: detail }
                    }
                    (403 | 404, _) | (_, "ForbiddenException" | "ResourceNotFoundException") => {
                        PortalError::Denied {
                            account: account.to_string(),
                            role: role.to_string(),
                            message: detail,
                        }
                    }
                    _ => PortalError::Service {
                        operation,
                        status,
                        detail,
                    },
                }
            }
        }
    }
}
