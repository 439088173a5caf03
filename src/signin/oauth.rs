//! CreateOAuth2Token at the AWS Sign-In service, over aws-sdk-signin: the refresh of an
//! `aws login` session and the exchange of a sign-in's authorization code. Each call
//! carries a DPoP proof made for its own URL and attempt (an interceptor signs it after the
//! endpoint is resolved, so `htu` is the URL actually called). Requests are unsigned.
//! Errors are sorted by what the user does next: sign in again, get permissions, retry.

use std::sync::Arc;

use aws_sdk_signin::error::SdkError;
use aws_sdk_signin::operation::create_o_auth2_token::CreateOAuth2TokenError;
use aws_sdk_signin::types::{CreateOAuth2TokenRequestBody, OAuth2ErrorCode};
use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::interceptors::Intercept;
use aws_smithy_runtime_api::client::interceptors::context::BeforeTransmitInterceptorContextMut;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_types::config_bag::ConfigBag;

use super::dpop::DpopKey;
use crate::aws::{Failure, Net, Target, TransportError};
use crate::config::endpoints::Service;
use crate::error::{Error, Exit};
use crate::secret::Secret;
use crate::timefmt;

/// The OAuth clients of the AWS CLI's two sign-in flows.
pub const SAME_DEVICE: &str = "arn:aws:signin:::devtools/same-device";
pub const CROSS_DEVICE: &str = "arn:aws:signin:::devtools/cross-device";

#[derive(Debug, thiserror::Error)]
pub enum OauthError {
    /// The session is over (`TOKEN_EXPIRED`), or the user's password or keys changed
    /// (`USER_CREDENTIALS_CHANGED`): only a new sign-in helps.
    #[error("the sign-in session has ended ({0})")]
    SessionEnded(String),
    #[error("the authorization code expired before it was used")]
    CodeExpired,
    /// `INSUFFICIENT_PERMISSIONS`: the identity may not use `aws login`.
    #[error(
        "the signed-in identity lacks the permission to create credentials with aws login ({0})"
    )]
    Insufficient(String),
    #[error("{0}")]
    Transport(TransportError),
    #[error("the AWS Sign-In service failed CreateOAuth2Token: {detail}")]
    Service { status: u16, detail: String },
    #[error("the AWS Sign-In service's answer had no {0}")]
    Malformed(&'static str),
    #[error("cannot sign the request: {0}")]
    Key(#[from] super::dpop::KeyError),
}

/// What CreateOAuth2Token gives.
pub struct Issued {
    pub access_key_id: Secret,
    pub secret_access_key: Secret,
    pub session_token: Secret,
    pub expires_in: i64,
    pub refresh_token: Secret,
    pub token_type: String,
    pub id_token: Option<Secret>,
}

pub enum Grant<'a> {
    Refresh {
        client_id: &'a str,
        refresh_token: &'a Secret,
    },
    Code {
        client_id: &'a str,
        code: &'a Secret,
        verifier: &'a Secret,
        redirect_uri: &'a str,
    },
}

/// Signs each attempt with a fresh DPoP proof for the URL it goes to.
#[derive(Debug)]
struct Dpop(Arc<DpopKey>);

impl Intercept for Dpop {
    fn name(&self) -> &'static str {
        "DPoP"
    }

    fn modify_before_transmit(
        &self,
        context: &mut BeforeTransmitInterceptorContextMut<'_>,
        _components: &RuntimeComponents,
        _cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let request = context.request_mut();
        let proof = self.0.proof(request.uri(), timefmt::now())?;
        request.headers_mut().insert("DPoP", proof);
        Ok(())
    }
}

pub struct SignIn<'n> {
    client: aws_sdk_signin::Client,
    net: &'n Net,
    target: Target,
}

impl<'n> SignIn<'n> {
    pub fn new(net: &'n Net, region: &str) -> Result<Self, Error> {
        let target = net.target(Service::Signin, region)?;
        let client = aws_sdk_signin::Client::from_conf(aws_sdk_signin::Config::from(
            &net.sdk_config(&target)?,
        ));
        Ok(Self {
            client,
            net,
            target,
        })
    }

    pub fn target(&self) -> &Target {
        &self.target
    }

    pub async fn create_token(
        &self,
        key: &Arc<DpopKey>,
        grant: Grant<'_>,
    ) -> Result<Issued, OauthError> {
        let body = match grant {
            Grant::Refresh {
                client_id,
                refresh_token,
            } => CreateOAuth2TokenRequestBody::builder()
                .client_id(client_id)
                .grant_type("refresh_token")
                .refresh_token(refresh_token.expose()),
            Grant::Code {
                client_id,
                code,
                verifier,
                redirect_uri,
            } => CreateOAuth2TokenRequestBody::builder()
                .client_id(client_id)
                .grant_type("authorization_code")
                .code(code.expose())
                .code_verifier(verifier.expose())
                .redirect_uri(redirect_uri),
        }
        .build()
        .map_err(|_| OauthError::Malformed("request"))?;
        let out = self
            .client
            .create_o_auth2_token()
            .token_input(body)
            .customize()
            .interceptor(Dpop(key.clone()))
            .send()
            .await
            .map_err(|e| self.classify(&e))?;
        let output = out
            .token_output()
            .ok_or(OauthError::Malformed("tokenOutput"))?;
        let access = output
            .access_token()
            .ok_or(OauthError::Malformed("accessToken"))?;
        let nonempty = |s: &str, what| {
            if s.is_empty() {
                Err(OauthError::Malformed(what))
            } else {
                Ok(Secret::new(s))
            }
        };
        let expires_in = i64::from(output.expires_in());
        if expires_in <= 0 {
            return Err(OauthError::Malformed("positive expiresIn"));
        }
        Ok(Issued {
            access_key_id: nonempty(access.access_key_id(), "accessKeyId")?,
            secret_access_key: nonempty(access.secret_access_key(), "secretAccessKey")?,
            session_token: nonempty(access.session_token(), "sessionToken")?,
            expires_in,
            refresh_token: nonempty(output.refresh_token(), "refreshToken")?,
            token_type: output.token_type().to_string(),
            id_token: output.id_token().filter(|t| !t.is_empty()).map(Secret::new),
        })
    }

    fn classify(&self, err: &SdkError<CreateOAuth2TokenError>) -> OauthError {
        if let SdkError::ServiceError(se) = err
            && let CreateOAuth2TokenError::AccessDeniedException(e) = se.err()
        {
            let code = e.error().as_str().to_string();
            return match e.error() {
                OAuth2ErrorCode::TokenExpired | OAuth2ErrorCode::UserCredentialsChanged => {
                    OauthError::SessionEnded(code)
                }
                OAuth2ErrorCode::AuthcodeExpired => OauthError::CodeExpired,
                OAuth2ErrorCode::InsufficientPermissions => OauthError::Insufficient(
                    crate::error::printable(e.message())
                        .chars()
                        .take(300)
                        .collect(),
                ),
                _ => OauthError::Service {
                    status: se.raw().status().as_u16(),
                    detail: crate::aws::service_detail(
                        se.raw().status().as_u16(),
                        &code,
                        e.message(),
                    ),
                },
            };
        }
        match self.net.classify(err, &self.target) {
            Failure::Transport(t) => OauthError::Transport(t),
            Failure::Service {
                status,
                code,
                message,
            } => {
                // A rotated-away or unknown refresh token, in OAuth's own words.
                if code == "invalid_grant" || code == "InvalidGrantException" {
                    return OauthError::SessionEnded(code);
                }
                OauthError::Service {
                    status,
                    detail: crate::aws::service_detail(status, &code, &message),
                }
            }
        }
    }
}

impl OauthError {
    /// The error for the person at the terminal. `login` is the command that signs in again.
    pub fn to_error(&self, what: &str, login: &str) -> Error {
        match self {
            OauthError::SessionEnded(_) | OauthError::CodeExpired => {
                Error::new(Exit::NoPerm, format!("{what}: {self}"))
                    .hint(format!("sign in again with `{login}`"))
            }
            OauthError::Insufficient(_) => Error::new(Exit::NoPerm, format!("{what}: {self}")).hint(
                "an administrator must allow the signin:AuthorizeOAuth2Access and signin:CreateOAuth2Token actions for this identity (the SignInLocalDevelopmentAccess managed policy has both)",
            ),
            OauthError::Transport(t) => t.to_error(),
            OauthError::Service { status, .. } => Error::new(Exit::Unavailable, format!("{what}: {self}"))
                .hint(crate::aws::retry_hint(*status).unwrap_or("check the profile's region and any AWS_ENDPOINT_URL_SIGNIN setting")),
            OauthError::Malformed(_) => Error::new(Exit::Unavailable, format!("{what}: {self}")),
            OauthError::Key(_) => Error::new(Exit::NoPerm, format!("{what}: {self}"))
                .hint(format!("sign in again with `{login}`")),
        }
    }
}
