//! The one classification of a failed call: no answer (timeout, unreachable, a proxy or a
//! certificate in the way, each with the host and the fix) or the service's own error
//! answer, worded for the user.

use std::fmt;
use std::time::Duration;

use aws_sdk_sso::error::{ProvideErrorMetadata, SdkError};

use super::proxy::ProxyChoice;
use super::target::Target;
use super::tls;
use crate::config::endpoints::Service;
use crate::error::{Error, Exit};

/// Sorts a failed call into what the user can act on.
pub fn classify<E>(err: &SdkError<E>, target: &Target, timeout: Duration) -> Failure
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
{
    let transport = |kind| {
        Failure::Transport(TransportError {
            service: target.service,
            url: target.url.clone(),
            proxy: target.route.proxy().cloned(),
            timeout,
            kind,
        })
    };
    match err {
        SdkError::TimeoutError(_) => transport(Transport::Timeout),
        SdkError::DispatchFailure(d) if d.is_timeout() => transport(Transport::Timeout),
        SdkError::DispatchFailure(_) => transport(transport_kind(err, target)),
        SdkError::ServiceError(se) => {
            let (code, message) =
                se.raw()
                    .body()
                    .bytes()
                    .and_then(kms_reason)
                    .unwrap_or_else(|| {
                        (
                            se.err().code().unwrap_or("").to_string(),
                            se.err().message().unwrap_or("").to_string(),
                        )
                    });
            Failure::Service {
                status: se.raw().status().as_u16(),
                code,
                message,
            }
        }
        _ => transport(Transport::Other(crate::error::source_chain(err))),
    }
}

/// IAM Identity Center's `reason` for a failure caused by its customer-managed KMS key
/// (`KMS_AccessDeniedException` and its kin), as the error's code and a plain message: the
/// user can do nothing but ask for access to the key, and a generic "access denied" or
/// "log in again" would send them the wrong way.
pub(super) fn kms_reason(body: &[u8]) -> Option<(String, String)> {
    let doc: serde_json::Value = serde_json::from_slice(body).ok()?;
    let reason = doc.get("reason")?.as_str()?;
    let what = match reason {
        "KMS_AccessDeniedException" => "your identity may not use it",
        "KMS_DisabledException" => "the key is disabled",
        "KMS_InvalidKeyUsageException" => "the key cannot be used this way",
        "KMS_InvalidStateException" => "the key is not in a usable state",
        "KMS_NotFoundException" => "the key does not exist",
        _ => return None,
    };
    Some((
        reason.to_string(),
        format!(
            "IAM Identity Center encrypts with a customer-managed KMS key and {what}; an administrator must fix the key or its policy (kms:Decrypt for you)"
        ),
    ))
}

/// Every error in a chain, looking inside `io::Error`s (whose `source` skips their payload).
fn causes<'a>(
    err: &'a (dyn std::error::Error + 'static),
) -> impl Iterator<Item = &'a (dyn std::error::Error + 'static)> {
    std::iter::successors(Some(err), |&e| match e.downcast_ref::<std::io::Error>() {
        Some(io) => io
            .get_ref()
            .map(|inner| inner as &(dyn std::error::Error + 'static)),
        None => e.source(),
    })
}

/// What went wrong before the service could answer.
fn transport_kind<E>(err: &SdkError<E>, target: &Target) -> Transport
where
    E: std::error::Error + 'static,
{
    transport_kind_of(err, target)
}

/// What went wrong before the service could answer, from any error chain.
pub(super) fn transport_kind_of(
    err: &(dyn std::error::Error + 'static),
    target: &Target,
) -> Transport {
    let mut refused = false;
    let mut dns = false;
    let mut tunnel = None;
    for e in causes(err) {
        if let Some(t) = e.downcast_ref::<rustls::Error>() {
            return Transport::Certificate(tls::describe(t));
        }
        if let Some(io) = e.downcast_ref::<std::io::Error>() {
            refused |= io.kind() == std::io::ErrorKind::ConnectionRefused;
        }
        let text = e.to_string();
        dns |= text.contains("dns error") || text.contains("failed to lookup address");
        if tunnel.is_none() && text.contains("tunnel") {
            tunnel = Some(text);
        }
    }
    match (target.route.proxy().is_some(), refused, tunnel) {
        (true, true, _) => Transport::ProxyUnreachable("connection refused".into()),
        (true, false, Some(why)) => Transport::ProxyRefused(why),
        (false, true, _) => Transport::Unreachable("connection refused".into()),
        _ if dns => Transport::Unreachable("its host name does not resolve".into()),
        (true, false, None) => Transport::ProxyUnreachable(crate::error::source_chain(err)),
        (false, false, _) => Transport::Unreachable(crate::error::source_chain(err)),
    }
}

/// How a call failed.
pub enum Failure {
    /// The request did not get an answer from the service.
    Transport(TransportError),
    /// The service answered with an error.
    Service {
        status: u16,
        code: String,
        message: String,
    },
}

/// A service's error answer in one phrase: its code and message, else the HTTP status.
pub fn service_detail(status: u16, code: &str, message: &str) -> String {
    let reason = match status {
        400 => " Bad Request",
        401 => " Unauthorized",
        403 => " Forbidden",
        404 => " Not Found",
        429 => " Too Many Requests",
        500 => " Internal Server Error",
        502 => " Bad Gateway",
        503 => " Service Unavailable",
        504 => " Gateway Timeout",
        _ => "",
    };
    match (code.trim(), message.trim()) {
        ("", "") => format!("HTTP {status}{reason}, with no error details"),
        (code, "") => format!("{code} (HTTP {status})"),
        ("", message) => format!("{message} (HTTP {status})"),
        (code, message) => format!("{code}: {message} (HTTP {status})"),
    }
}

/// What helps with a service's error answer: wait for a 5xx or a throttle, else nothing
/// general (the caller knows the setting that fits).
pub fn retry_hint(status: u16) -> Option<&'static str> {
    (status >= 500 || status == 429)
        .then_some("the service had a problem or is throttling; try again in a minute")
}

#[derive(Debug)]
pub enum Transport {
    Timeout,
    Unreachable(String),
    /// The proxy itself could not be reached.
    ProxyUnreachable(String),
    /// The proxy answered but would not connect to the service.
    ProxyRefused(String),
    /// The service's certificate did not verify (the reason in words).
    Certificate(String),
    Other(String),
}

/// A call that got no answer: which service, where, through which proxy, what went wrong.
#[derive(Debug)]
pub struct TransportError {
    pub service: Service,
    pub url: String,
    pub proxy: Option<ProxyChoice>,
    pub timeout: Duration,
    pub kind: Transport,
}

impl TransportError {
    fn host(&self) -> &str {
        let rest = self
            .url
            .split_once("://")
            .map_or(self.url.as_str(), |(_, r)| r);
        rest.split(['/', '?', '#', ':']).next().unwrap_or(rest)
    }

    fn proxy_shown(&self) -> String {
        self.proxy.as_ref().map_or_else(
            || "the proxy".into(),
            |p| format!("the proxy {}", p.describe()),
        )
    }
}

impl fmt::Display for TransportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let what = self.service.name();
        match &self.kind {
            Transport::Timeout => write!(
                f,
                "{what} at {} did not answer within {}s",
                self.url,
                self.timeout.as_secs_f64()
            ),
            Transport::Unreachable(m) => write!(f, "cannot reach {what} at {}: {m}", self.url),
            Transport::ProxyUnreachable(m) => write!(
                f,
                "cannot reach {} to call {what} at {}: {m}",
                self.proxy_shown(),
                self.url
            ),
            Transport::ProxyRefused(m) => write!(
                f,
                "{} would not connect to {what} at {}: {m}",
                self.proxy_shown(),
                self.url
            ),
            Transport::Certificate(why) => write!(
                f,
                "the TLS certificate of {} ({what}) does not verify: {why}",
                self.host()
            ),
            Transport::Other(m) => write!(f, "{what} at {} failed: {m}", self.url),
        }
    }
}

impl std::error::Error for TransportError {}

impl TransportError {
    /// Exit 69 with the fix that can help.
    pub fn to_error(&self) -> Error {
        let err = Error::new(Exit::Unavailable, self.to_string());
        let settings = match self.service {
            Service::Sso | Service::SsoOidc => "sso_region and any AWS_ENDPOINT_URL* setting",
            Service::Sts => "the region and any AWS_ENDPOINT_URL_STS setting",
            Service::Signin | Service::Federation => {
                "the region and any AWS_ENDPOINT_URL_SIGNIN setting"
            }
        };
        match &self.kind {
            Transport::Timeout => err.hint(format!(
                "check the network and {settings}; set SSOX_HTTP_TIMEOUT to wait longer"
            )),
            Transport::ProxyUnreachable(_) | Transport::ProxyRefused(_) => err.hint(format!(
                "check the proxy, or name {} in NO_PROXY to go direct",
                self.host()
            )),
            Transport::Certificate(_) => err.hint(
                "if a proxy or firewall inspects TLS, set AWS_CA_BUNDLE (or ca_bundle in the profile) to a PEM file with its CA certificate",
            ),
            Transport::Unreachable(_) | Transport::Other(_) => {
                err.hint(format!("check the network and {settings}"))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_customer_managed_kms_key_failure_becomes_one_plain_line() {
        let (code, msg) =
            kms_reason(br#"{"error":"access_denied","reason":"KMS_AccessDeniedException"}"#)
                .unwrap();
        assert_eq!(code, "KMS_AccessDeniedException");
        assert!(msg.contains("customer-managed KMS key and your identity may not use it"));
        assert!(kms_reason(br#"{"reason":"OTHER"}"#).is_none());
        assert!(kms_reason(b"not json").is_none());
    }
}
