//! The one factory for AWS SDK clients, and the one classification of their failures.
//!
//! [`Net`] holds what every call of a run shares, decided once: the time bound, the endpoints
//! the environment and the selected profile configure, and one HTTP client (rustls with
//! ring). [`Net::target`] decides where a service's calls go, and why; [`Net::sdk_config`]
//! turns that into an `aws_types::SdkConfig` from which the portal, OIDC and STS clients are
//! all derived (`Config::from(&sdk_config)`). Nothing here reads a default region or
//! credential chain, so no client ever probes EC2 instance metadata. The current-thread
//! runtime is built only when a network call is about to happen; the warm path never gets
//! here.

use std::fmt;
use std::future::Future;
use std::sync::OnceLock;
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use aws_sdk_sso::config::retry::RetryConfig;
use aws_sdk_sso::config::timeout::TimeoutConfig;
use aws_sdk_sso::config::{BehaviorVersion, Region, SharedHttpClient};
use aws_sdk_sso::error::{ProvideErrorMetadata, SdkError};
use aws_smithy_http_client::tls::{self, rustls_provider::CryptoMode};
use aws_types::SdkConfig;

use crate::config::endpoints::{self, Endpoint, Service};
use crate::config::{ConfigSet, Section};
use crate::env::Env;
use crate::error::{Error, Exit};
use crate::vlog;

/// Default bound on one network call (all its retries included), in seconds.
pub const DEFAULT_TIMEOUT_SECS: f64 = 10.0;

/// The per-call time bound: `SSOX_HTTP_TIMEOUT` seconds, else [`DEFAULT_TIMEOUT_SECS`].
pub fn call_timeout(env: &Env) -> Duration {
    let secs = env
        .get("SSOX_HTTP_TIMEOUT")
        .and_then(|v| v.parse::<f64>().ok())
        .filter(|s| s.is_finite() && *s > 0.0)
        .unwrap_or(DEFAULT_TIMEOUT_SECS);
    Duration::from_secs_f64(secs.min(3600.0))
}

/// A runtime for the network legs; the warm path never builds one.
pub fn runtime() -> Result<tokio::runtime::Runtime, Error> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| {
            Error::new(
                Exit::Internal,
                format!("cannot start the async runtime: {e}"),
            )
        })
}

/// Where one service's calls go, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    pub service: Service,
    pub region: String,
    pub url: String,
    /// Where the URL came from: an override (`AWS_ENDPOINT_URL_SSO`, `[services x] sso`, ...)
    /// or the SDK's endpoint rules for the region.
    pub source: String,
    /// Whether the URL is an override handed to the SDK as it is.
    pub overridden: bool,
}

impl Target {
    /// `url (from source)`, for `-v` and `doctor`.
    pub fn describe(&self) -> String {
        format!("{} (from {})", self.url, self.source)
    }
}

/// The network decisions of one run.
pub struct Net {
    timeout: Duration,
    overrides: [(Service, Option<Endpoint>); 3],
    http: OnceLock<SharedHttpClient>,
}

impl Net {
    /// Reads the endpoint overrides of `selected` (botocore takes them from the selected
    /// profile, whichever profile of a chain a call is for) and the time bound.
    pub fn new(env: &Env, set: &ConfigSet, selected: Option<&Section>) -> Result<Self, Error> {
        let configured = |service| {
            endpoints::configured(service, env, set, selected)
                .map_err(|e| Error::new(Exit::Config, e.to_string()))
        };
        Ok(Self {
            timeout: call_timeout(env),
            overrides: [
                (Service::Sso, configured(Service::Sso)?),
                (Service::SsoOidc, configured(Service::SsoOidc)?),
                (Service::Sts, configured(Service::Sts)?),
            ],
            http: OnceLock::new(),
        })
    }

    pub fn timeout(&self) -> Duration {
        self.timeout
    }

    /// Where calls of `service` in `region` go: the configured override, else the SDK's own
    /// endpoint rules (the same resolver the client runs, so what `doctor` shows is what is
    /// called).
    pub fn target(&self, service: Service, region: &str) -> Result<Target, Error> {
        let configured = self
            .overrides
            .iter()
            .find(|(s, _)| *s == service)
            .and_then(|(_, e)| e.as_ref());
        let target = decide(service, region, configured)?;
        vlog!("{service:?} endpoint {}", target.describe());
        Ok(target)
    }

    /// The shared SDK configuration for calls to `target`; every client is derived from it.
    pub fn sdk_config(&self, target: &Target) -> SdkConfig {
        let mut b = SdkConfig::builder()
            .behavior_version(BehaviorVersion::latest())
            .region(Region::new(target.region.clone()))
            .http_client(self.http_client())
            .timeout_config(
                TimeoutConfig::builder()
                    .connect_timeout(self.timeout.min(Duration::from_secs(3)))
                    .operation_attempt_timeout(self.timeout)
                    .operation_timeout(self.timeout)
                    .build(),
            )
            .retry_config(RetryConfig::standard().with_max_attempts(3));
        if target.overridden {
            b = b.endpoint_url(target.url.clone());
        }
        b.build()
    }

    fn http_client(&self) -> SharedHttpClient {
        self.http
            .get_or_init(|| {
                aws_smithy_http_client::Builder::new()
                    .tls_provider(tls::Provider::Rustls(CryptoMode::Ring))
                    .build_https()
            })
            .clone()
    }

    /// Sorts a failed call into what the user can act on.
    pub fn classify<E>(&self, err: &SdkError<E>, target: &Target) -> Failure
    where
        E: ProvideErrorMetadata + std::error::Error + 'static,
    {
        let transport = |kind| {
            Failure::Transport(TransportError {
                service: target.service,
                url: target.url.clone(),
                timeout: self.timeout,
                kind,
            })
        };
        match err {
            SdkError::TimeoutError(_) => transport(Transport::Timeout),
            SdkError::DispatchFailure(d) if d.is_timeout() => transport(Transport::Timeout),
            SdkError::DispatchFailure(_) => {
                transport(Transport::Unreachable(crate::error::source_chain(err)))
            }
            SdkError::ServiceError(se) => Failure::Service {
                status: se.raw().status().as_u16(),
                code: se.err().code().unwrap_or("").to_string(),
                message: se.err().message().unwrap_or("").to_string(),
            },
            _ => transport(Transport::Other(crate::error::source_chain(err))),
        }
    }
}

/// A configured override as it is, else the SDK's rules.
fn decide(service: Service, region: &str, configured: Option<&Endpoint>) -> Result<Target, Error> {
    if let Some(e) = configured {
        return Ok(Target {
            service,
            region: region.to_string(),
            url: e.url.clone(),
            source: e.source.clone(),
            overridden: true,
        });
    }
    let url = default_url(service, region).map_err(|message| {
        Error::new(
            Exit::Config,
            format!(
                "no {} endpoint for region `{region}`: {message}",
                service.name()
            ),
        )
        .hint("check the region setting")
    })?;
    Ok(Target {
        service,
        region: region.to_string(),
        url,
        source: format!("the AWS endpoint rules for {region}"),
        overridden: false,
    })
}

/// The URL the SDK's endpoint rules give `service` in `region`.
fn default_url(service: Service, region: &str) -> Result<String, String> {
    let endpoint = match service {
        Service::Sso => {
            use aws_sdk_sso::config::endpoint::{DefaultResolver, Params, ResolveEndpoint};
            let params = Params::builder()
                .region(region)
                .build()
                .map_err(|e| e.to_string())?;
            ready(DefaultResolver::new().resolve_endpoint(&params))
        }
        Service::SsoOidc => {
            use aws_sdk_ssooidc::config::endpoint::{DefaultResolver, Params, ResolveEndpoint};
            let params = Params::builder()
                .region(region)
                .build()
                .map_err(|e| e.to_string())?;
            ready(DefaultResolver::new().resolve_endpoint(&params))
        }
        Service::Sts => {
            use aws_sdk_sts::config::endpoint::{DefaultResolver, Params, ResolveEndpoint};
            let params = Params::builder()
                .region(region)
                .build()
                .map_err(|e| e.to_string())?;
            ready(DefaultResolver::new().resolve_endpoint(&params))
        }
    };
    match endpoint {
        Some(Ok(e)) => Ok(e.url().to_string()),
        Some(Err(e)) => Err(e.to_string()),
        None => Err("the endpoint resolver did not answer at once".into()),
    }
}

/// The value of a future that is ready at once (the SDK's endpoint resolvers compute their
/// answer before they return it).
fn ready<T>(fut: impl Future<Output = T>) -> Option<T> {
    let mut fut = std::pin::pin!(fut);
    match fut.as_mut().poll(&mut Context::from_waker(Waker::noop())) {
        Poll::Ready(v) => Some(v),
        Poll::Pending => None,
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

#[derive(Debug)]
pub enum Transport {
    Timeout,
    Unreachable(String),
    Other(String),
}

/// A call that got no answer: which service, where, and what went wrong on the way.
#[derive(Debug)]
pub struct TransportError {
    pub service: Service,
    pub url: String,
    pub timeout: Duration,
    pub kind: Transport,
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
            Transport::Other(m) => write!(f, "{what} at {} failed: {m}", self.url),
        }
    }
}

impl std::error::Error for TransportError {}

impl TransportError {
    /// Exit 69 with the fix that can help: a timeout can be waited out, nothing else can.
    pub fn to_error(&self) -> Error {
        let err = Error::new(Exit::Unavailable, self.to_string());
        let settings = match self.service {
            Service::Sso | Service::SsoOidc => "sso_region and any AWS_ENDPOINT_URL* setting",
            Service::Sts => "the region and any AWS_ENDPOINT_URL_STS setting",
        };
        match self.kind {
            Transport::Timeout => err.hint(format!(
                "check the network and {settings}; set SSOX_HTTP_TIMEOUT to wait longer"
            )),
            Transport::Unreachable(_) | Transport::Other(_) => {
                err.hint(format!("check the network and {settings}"))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn net(env: &[(&str, &str)]) -> Net {
        let env = Env::from_pairs(env.iter().copied());
        Net::new(&env, &ConfigSet::default(), None).unwrap()
    }

    #[test]
    fn targets_follow_the_sdk_endpoint_rules_unless_overridden() {
        let n = net(&[]);
        let t = n.target(Service::Sso, "eu-west-1").unwrap();
        assert_eq!(t.url, "https://portal.sso.eu-west-1.amazonaws.com");
        assert!(!t.overridden);
        assert_eq!(
            n.target(Service::SsoOidc, "us-east-1").unwrap().url,
            "https://oidc.us-east-1.amazonaws.com"
        );
        assert_eq!(
            n.target(Service::Sts, "cn-north-1").unwrap().url,
            "https://sts.cn-north-1.amazonaws.com.cn"
        );
        let n = net(&[("AWS_ENDPOINT_URL_STS", "http://127.0.0.1:9")]);
        let t = n.target(Service::Sts, "eu-west-1").unwrap();
        assert_eq!(
            t.describe(),
            "http://127.0.0.1:9 (from AWS_ENDPOINT_URL_STS)"
        );
        assert!(t.overridden);
    }

    #[test]
    fn the_time_bound_comes_from_the_environment_within_limits() {
        let t = |v: &str| call_timeout(&Env::from_pairs([("SSOX_HTTP_TIMEOUT", v)]));
        assert_eq!(t("2.5"), Duration::from_millis(2500));
        assert_eq!(t("-1"), Duration::from_secs(10));
        assert_eq!(t("nan"), Duration::from_secs(10));
        assert_eq!(t("1e9"), Duration::from_hours(1));
    }
}
