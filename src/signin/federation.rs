//! The AWS sign-in federation endpoint (`https://signin.aws.amazon.com/federation`, per
//! partition): temporary credentials in, a sign-in token out (`Action=getSigninToken`), and
//! the console login URL that carries it (`Action=login`). `AWS_ENDPOINT_URL_SIGNIN` (or a
//! `[services]` `signin` block) replaces the host for both, like every
//! `AWS_ENDPOINT_URL_<SERVICE>`.
//!
//! The token request is a POST with the session JSON in its form body, so the credentials are
//! in no URL that a proxy might log. The login URL is a secret for as long as it is valid
//! (about 15 minutes): it lives in a [`Secret`].

use crate::aws::{Net, Target, TransportError};
use crate::config::endpoints::Service;
use crate::credentials::Credentials;
use crate::error::{Error, Exit};
use crate::secret::Secret;

/// What the console calls the issuer: where a user whose session expired is sent. ssox has
/// no sign-in page, so it names itself.
const ISSUER: &str = "ssox";

#[derive(Debug, thiserror::Error)]
pub enum SigninError {
    #[error("{0}")]
    Transport(TransportError),
    /// A 4xx: the credentials are expired, not temporary, or the duration is not allowed.
    #[error("the AWS sign-in endpoint refused the credentials (HTTP {status})")]
    Refused { status: u16 },
    /// A 5xx.
    #[error("the AWS sign-in endpoint failed (HTTP {status})")]
    Service { status: u16 },
    #[error("the AWS sign-in endpoint's answer had no SigninToken")]
    Malformed,
}

impl SigninError {
    pub fn to_error(&self, profile: &str) -> Error {
        match self {
            SigninError::Transport(t) => t.to_error(),
            SigninError::Refused { .. } => Error::new(
                Exit::NoPerm,
                format!("profile `{profile}`: {self}"),
            )
            .hint("the credentials may have expired or been revoked: try again with --refresh (and without --duration)"),
            SigninError::Service { .. } => {
                Error::new(Exit::Unavailable, format!("profile `{profile}`: {self}"))
                    .hint("the service had a problem; try again in a minute")
            }
            SigninError::Malformed => {
                Error::new(Exit::Unavailable, format!("profile `{profile}`: {self}"))
            }
        }
    }
}

pub struct Federation<'n> {
    net: &'n Net,
    target: Target,
}

impl<'n> Federation<'n> {
    /// The federation endpoint of `region`'s partition, or the configured one.
    pub fn new(net: &'n Net, region: &str) -> Result<Self, Error> {
        Ok(Self {
            net,
            target: net.target(Service::Federation, region)?,
        })
    }

    pub fn target(&self) -> &Target {
        &self.target
    }

    fn endpoint(&self) -> String {
        format!("{}/federation", self.target.url.trim_end_matches('/'))
    }

    /// A sign-in token for `creds` (which must be temporary). `session_duration` (seconds)
    /// sets how long the console session lasts, where AWS allows it.
    pub async fn signin_token(
        &self,
        creds: &Credentials,
        session_duration: Option<u64>,
    ) -> Result<Secret, SigninError> {
        let session = Secret::new(
            serde_json::json!({
                "sessionId": creds.access_key_id.expose(),
                "sessionKey": creds.secret_access_key.expose(),
                "sessionToken": creds.session_token.as_ref().map_or("", Secret::expose),
            })
            .to_string(),
        );
        let mut form = form_urlencoded::Serializer::new(String::new());
        form.append_pair("Action", "getSigninToken");
        if let Some(d) = session_duration {
            form.append_pair("SessionDuration", &d.to_string());
        }
        form.append_pair("Session", session.expose());
        let form = Secret::new(form.finish());
        let (status, body) = self
            .net
            .post_form(&self.target, &self.endpoint(), &form)
            .await
            .map_err(SigninError::Transport)?;
        match status {
            200 => {}
            400..=499 => return Err(SigninError::Refused { status }),
            _ => return Err(SigninError::Service { status }),
        }
        let value: serde_json::Value =
            serde_json::from_slice(&body).map_err(|_| SigninError::Malformed)?;
        value
            .get("SigninToken")
            .and_then(serde_json::Value::as_str)
            .filter(|t| !t.is_empty())
            .map(Secret::new)
            .ok_or(SigninError::Malformed)
    }

    /// The URL that signs the browser in with `token` and sends it to `destination`.
    pub fn login_url(&self, token: &Secret, destination: &str) -> Secret {
        let query = form_urlencoded::Serializer::new(String::new())
            .append_pair("Action", "login")
            .append_pair("Issuer", ISSUER)
            .append_pair("Destination", destination)
            .append_pair("SigninToken", token.expose())
            .finish();
        Secret::new(format!("{}?{query}", self.endpoint()))
    }
}
