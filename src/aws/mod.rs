//! The one factory for AWS SDK clients, and the one classification of their failures.
//!
//! [`Net`] holds what every call of a run shares, decided once from the environment and the
//! selected profile: the time bound, the endpoints configured for each service, FIPS and
//! dual-stack, the proxies (`proxy`) and what HTTPS trusts (`tls`). [`Net::target`] decides
//! where a service's calls go and why (the SDK's own endpoint rules unless an endpoint is
//! configured); [`Net::sdk_config`] turns that into an `aws_types::SdkConfig` from which the
//! portal, OIDC and STS clients are all derived (`Config::from(&sdk_config)`). Nothing here
//! reads a default region or credential chain, so no client ever probes EC2 instance
//! metadata. The runtime, the HTTP clients and the system's root certificates are made on
//! first use only; the warm path never gets here.

pub mod proxy;
pub mod tls;

use std::fmt::{self, Write as _};
use std::future::Future;
use std::sync::{Arc, Mutex, OnceLock, PoisonError};
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use aws_sdk_sso::config::retry::RetryConfig;
use aws_sdk_sso::config::timeout::TimeoutConfig;
use aws_sdk_sso::config::{BehaviorVersion, Region, SharedHttpClient};
use aws_sdk_sso::error::{ProvideErrorMetadata, SdkError};
use aws_smithy_http_client::proxy::ProxyConfig;
use aws_smithy_http_client::tls::{Provider, TlsContext, rustls_provider::CryptoMode};
use aws_smithy_runtime_api::client::http::{SharedHttpConnector, http_client_fn};
use aws_types::SdkConfig;

use crate::config::endpoints::{self, Endpoint, Service};
use crate::config::{ConfigSet, Section};
use crate::env::Env;
use crate::error::{Error, Exit};
use crate::log::vlog;
use proxy::{Proxies, ProxyChoice, Route};
use tls::CaBundle;

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

/// A yes/no setting and where it was set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Flag {
    pub on: bool,
    pub source: String,
}

/// `AWS_<VAR>` first, then the profile's key, as every SDK reads them; `true` in any case is
/// on, anything else off.
fn flag(env: &Env, var: &'static str, selected: Option<&Section>, key: &str) -> Option<Flag> {
    if let Some(v) = env.get(var) {
        return Some(Flag {
            on: v.eq_ignore_ascii_case("true"),
            source: var.to_string(),
        });
    }
    let p = selected?;
    Some(Flag {
        on: p.get_nonempty(key)?.eq_ignore_ascii_case("true"),
        source: format!("{key} in profile {}", p.name),
    })
}

/// Where one service's calls go, how, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    pub service: Service,
    pub region: String,
    pub url: String,
    /// Where the URL came from: an override (`AWS_ENDPOINT_URL_SSO`, `[services x] sso`, ...)
    /// or the SDK's endpoint rules for the region (with FIPS or dual-stack where asked).
    pub source: String,
    /// Whether the URL is an override handed to the SDK as it is.
    pub overridden: bool,
    pub route: Route,
}

impl Target {
    /// `url (from source)`, and the proxy if one is used, for `-v` and `doctor`.
    pub fn describe(&self) -> String {
        match &self.route {
            Route::Direct => format!("{} (from {})", self.url, self.source),
            route => format!("{} (from {}), {}", self.url, self.source, route.describe()),
        }
    }

    fn tls(&self) -> bool {
        self.url.starts_with("https:")
            || self
                .route
                .proxy()
                .is_some_and(|p| p.url.starts_with("https:"))
    }
}

/// What tells HTTP clients apart: TLS or not, and the proxy URL.
type ClientKey = (bool, Option<String>);

/// The network decisions of one run.
pub struct Net {
    env: Env,
    timeout: Duration,
    overrides: [(Service, Option<Endpoint>); 4],
    pub fips: Option<Flag>,
    pub dualstack: Option<Flag>,
    pub ca_bundle: Option<CaBundle>,
    proxies: Proxies,
    tls: OnceLock<TlsContext>,
    /// One HTTP client per (TLS or not, proxy), so calls to one host share connections.
    clients: Mutex<Vec<(ClientKey, SharedHttpClient)>>,
}

impl Net {
    /// Reads the settings of `selected` (botocore takes them from the selected profile,
    /// whichever profile of a chain a call is for) and of the environment.
    pub fn new(env: &Env, set: &ConfigSet, selected: Option<&Section>) -> Result<Self, Error> {
        let configured = |service| {
            endpoints::configured(service, env, set, selected)
                .map_err(|e| Error::new(Exit::Config, e.to_string()))
        };
        Ok(Self {
            env: env.clone(),
            timeout: call_timeout(env),
            overrides: [
                (Service::Sso, configured(Service::Sso)?),
                (Service::SsoOidc, configured(Service::SsoOidc)?),
                (Service::Sts, configured(Service::Sts)?),
                (Service::Signin, configured(Service::Signin)?),
            ],
            fips: flag(env, "AWS_USE_FIPS_ENDPOINT", selected, "use_fips_endpoint"),
            dualstack: flag(
                env,
                "AWS_USE_DUALSTACK_ENDPOINT",
                selected,
                "use_dualstack_endpoint",
            ),
            ca_bundle: CaBundle::choose(env, selected),
            proxies: Proxies::from_env(env),
            tls: OnceLock::new(),
            clients: Mutex::new(Vec::new()),
        })
    }

    pub fn timeout(&self) -> Duration {
        self.timeout
    }

    fn on(flag: Option<&Flag>) -> bool {
        flag.is_some_and(|f| f.on)
    }

    /// Where calls of `service` in `region` go: the configured override, else the SDK's own
    /// endpoint rules with FIPS and dual-stack as set (the same resolver the client runs, so
    /// what `doctor` shows is what is called); and through which proxy.
    pub fn target(&self, service: Service, region: &str) -> Result<Target, Error> {
        let configured = self
            .overrides
            .iter()
            .find(|(s, _)| *s == service)
            .and_then(|(_, e)| e.as_ref());
        let (url, source, overridden) = if let Some(e) = configured {
            (e.url.clone(), e.source.clone(), true)
        } else {
            let fips = Self::on(self.fips.as_ref());
            let dualstack = Self::on(self.dualstack.as_ref());
            let url = default_url(service, region, fips, dualstack).map_err(|message| {
                Error::new(
                    Exit::Config,
                    format!(
                        "no {} endpoint for region `{region}`: {message}",
                        service.name()
                    ),
                )
                .hint("check the region, and the FIPS and dual-stack settings")
            })?;
            let mut source = format!("the AWS endpoint rules for {region}");
            for (on, flag, what) in [
                (fips, &self.fips, "FIPS"),
                (dualstack, &self.dualstack, "dual-stack"),
            ] {
                if let (true, Some(f)) = (on, flag) {
                    let _ = write!(source, ", {what} from {}", f.source);
                }
            }
            (url, source, false)
        };
        let route = self.proxies.route(&url);
        let target = Target {
            service,
            region: region.to_string(),
            url,
            source,
            overridden,
            route,
        };
        vlog!("{service:?} endpoint {}", target.describe());
        Ok(target)
    }

    /// The shared SDK configuration for calls to `target`; every client is derived from it.
    pub fn sdk_config(&self, target: &Target) -> Result<SdkConfig, Error> {
        let mut b = SdkConfig::builder()
            .behavior_version(BehaviorVersion::latest())
            .region(Region::new(target.region.clone()))
            .http_client(self.http_client(target)?)
            .timeout_config(
                TimeoutConfig::builder()
                    .connect_timeout(self.timeout.min(Duration::from_secs(3)))
                    .operation_attempt_timeout(self.timeout)
                    .operation_timeout(self.timeout)
                    .build(),
            )
            .retry_config(RetryConfig::standard().with_max_attempts(3));
        if target.overridden {
            // As botocore: a configured endpoint is used as it is, FIPS and dual-stack apart.
            b = b.endpoint_url(target.url.clone());
        } else {
            b = b
                .use_fips(Self::on(self.fips.as_ref()))
                .use_dual_stack(Self::on(self.dualstack.as_ref()));
        }
        Ok(b.build())
    }

    /// The TLS settings, made once per run (the system roots are read once per process).
    fn tls_context(&self) -> Result<TlsContext, Error> {
        if let Some(t) = self.tls.get() {
            return Ok(t.clone());
        }
        let t = tls::context(self.ca_bundle.as_ref(), &self.env)?;
        if let Some(b) = &self.ca_bundle {
            vlog!("trusting the system roots and {}", b.describe(&self.env));
        }
        Ok(self.tls.get_or_init(|| t).clone())
    }

    fn http_client(&self, target: &Target) -> Result<SharedHttpClient, Error> {
        let proxy = target.route.proxy();
        let key = (target.tls(), proxy.map(|p| p.url.clone()));
        let mut clients = self.clients.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some((_, c)) = clients.iter().find(|(k, _)| *k == key) {
            return Ok(c.clone());
        }
        let (tls, proxy_config) = self.connector_parts(target)?;
        let client = client_for(tls, proxy_config);
        clients.push((key, client.clone()));
        Ok(client)
    }

    /// What a connector to `target` needs: the TLS settings (for https or an https proxy)
    /// and the proxy.
    fn connector_parts(&self, target: &Target) -> Result<(Option<TlsContext>, ProxyConfig), Error> {
        let tls = if target.tls() {
            Some(self.tls_context()?)
        } else {
            None
        };
        let proxy_config = match target.route.proxy() {
            Some(p) => ProxyConfig::all(p.url.as_str()).map_err(|e| {
                Error::new(
                    Exit::Config,
                    format!("the proxy {} cannot be used: {e}", p.describe()),
                )
                .hint("set an http:// or https:// proxy URL")
            })?,
            None => ProxyConfig::disabled(),
        };
        Ok((tls, proxy_config))
    }

    /// POSTs a form to `url` at `target` (an endpoint no SDK client serves: the sign-in
    /// federation endpoint), through the same proxy and TLS settings as every SDK call, within
    /// the call timeout. Returns the status and the body (up to [`MAX_RAW_BODY`]).
    pub async fn post_form(
        &self,
        target: &Target,
        url: &str,
        form: &crate::secret::Secret,
    ) -> Result<(u16, Vec<u8>), TransportError> {
        use aws_smithy_runtime_api::client::http::HttpConnector;
        use aws_smithy_types::body::SdkBody;
        let failed = |kind| TransportError {
            service: target.service,
            url: target.url.clone(),
            proxy: target.route.proxy().cloned(),
            timeout: self.timeout,
            kind,
        };
        let (tls, proxy) = self
            .connector_parts(target)
            .map_err(|e| failed(Transport::Other(e.message)))?;
        // No sleep implementation, so no connector timeouts: the whole call is bounded below.
        let connector = connector(
            aws_smithy_http_client::Connector::builder().proxy_config(proxy),
            tls.as_ref(),
        );
        let mut request = aws_smithy_runtime_api::http::Request::new(SdkBody::from(
            form.expose().as_bytes().to_vec(),
        ));
        request
            .set_uri(url)
            .map_err(|e| failed(Transport::Other(format!("bad URL: {e}"))))?;
        request
            .set_method("POST")
            .map_err(|e| failed(Transport::Other(e.to_string())))?;
        request.headers_mut().insert(
            "content-type",
            "application/x-www-form-urlencoded; charset=utf-8",
        );
        let call = async {
            let response = connector.call(request).await.map_err(|e| {
                failed(if e.is_timeout() {
                    Transport::Timeout
                } else {
                    transport_kind_of(&e, target)
                })
            })?;
            let status = response.status().as_u16();
            let too_big = response
                .headers()
                .get("content-length")
                .and_then(|l| l.parse::<usize>().ok())
                .is_some_and(|l| l > MAX_RAW_BODY);
            if too_big {
                return Err(failed(Transport::Other("its answer is too large".into())));
            }
            let body = aws_smithy_types::byte_stream::ByteStream::new(response.into_body())
                .collect()
                .await
                .map_err(|e| failed(Transport::Other(e.to_string())))?
                .into_bytes();
            Ok((status, body.to_vec()))
        };
        tokio::time::timeout(self.timeout, call)
            .await
            .map_err(|_| failed(Transport::Timeout))?
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
                proxy: target.route.proxy().cloned(),
                timeout: self.timeout,
                kind,
            })
        };
        match err {
            SdkError::TimeoutError(_) => transport(Transport::Timeout),
            SdkError::DispatchFailure(d) if d.is_timeout() => transport(Transport::Timeout),
            SdkError::DispatchFailure(_) => transport(transport_kind(err, target)),
            SdkError::ServiceError(se) => Failure::Service {
                status: se.raw().status().as_u16(),
                code: se.err().code().unwrap_or("").to_string(),
                message: se.err().message().unwrap_or("").to_string(),
            },
            _ => transport(Transport::Other(crate::error::source_chain(err))),
        }
    }
}

/// An HTTP client that builds its connector on the first call and keeps it, so the roots
/// are parsed once and connections are pooled.
fn client_for(tls: Option<TlsContext>, proxy: ProxyConfig) -> SharedHttpClient {
    let built: Arc<Mutex<Option<SharedHttpConnector>>> = Arc::new(Mutex::new(None));
    http_client_fn(move |settings, components| {
        let mut slot = built.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(c) = slot.as_ref() {
            return c.clone();
        }
        let mut b = aws_smithy_http_client::Connector::builder()
            .connector_settings(settings.clone())
            .proxy_config(proxy.clone());
        b.set_sleep_impl(components.sleep_impl());
        let shared = SharedHttpConnector::new(connector(b, tls.as_ref()));
        *slot = Some(shared.clone());
        shared
    })
}

/// The connector `b` builds: rustls with ring and our trust settings for https, plain TCP
/// otherwise.
fn connector(
    b: aws_smithy_http_client::ConnectorBuilder,
    tls: Option<&TlsContext>,
) -> aws_smithy_http_client::Connector {
    match tls {
        Some(ctx) => b
            .tls_provider(Provider::Rustls(CryptoMode::Ring))
            .tls_context(ctx.clone())
            .build(),
        None => b.build_http(),
    }
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

/// The most of an answer `Net::post_form` reads.
const MAX_RAW_BODY: usize = 1 << 20;

/// What went wrong before the service could answer.
fn transport_kind<E>(err: &SdkError<E>, target: &Target) -> Transport
where
    E: std::error::Error + 'static,
{
    transport_kind_of(err, target)
}

/// What went wrong before the service could answer, from any error chain.
fn transport_kind_of(err: &(dyn std::error::Error + 'static), target: &Target) -> Transport {
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

/// The URL the SDK's endpoint rules give `service` in `region`.
fn default_url(
    service: Service,
    region: &str,
    fips: bool,
    dualstack: bool,
) -> Result<String, String> {
    let endpoint = match service {
        // No SDK serves the sign-in endpoint: its host is the partition's (no FIPS or
        // dual-stack variant exists).
        Service::Signin => {
            return crate::config::region::partition(region)
                .map(|p| p.signin.to_string())
                .ok_or_else(|| format!("`{region}` is in an isolated partition, which has no public sign-in endpoint"));
        }
        Service::Sso => {
            use aws_sdk_sso::config::endpoint::{DefaultResolver, Params, ResolveEndpoint};
            let params = Params::builder()
                .region(region)
                .use_fips(fips)
                .use_dual_stack(dualstack)
                .build()
                .map_err(|e| e.to_string())?;
            ready(DefaultResolver::new().resolve_endpoint(&params))
        }
        Service::SsoOidc => {
            use aws_sdk_ssooidc::config::endpoint::{DefaultResolver, Params, ResolveEndpoint};
            let params = Params::builder()
                .region(region)
                .use_fips(fips)
                .use_dual_stack(dualstack)
                .build()
                .map_err(|e| e.to_string())?;
            ready(DefaultResolver::new().resolve_endpoint(&params))
        }
        Service::Sts => {
            use aws_sdk_sts::config::endpoint::{DefaultResolver, Params, ResolveEndpoint};
            let params = Params::builder()
                .region(region)
                .use_fips(fips)
                .use_dual_stack(dualstack)
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
            Service::Signin => "the region and any AWS_ENDPOINT_URL_SIGNIN setting",
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

    fn net(env: &[(&str, &str)], config: &str) -> Net {
        let env = Env::from_pairs(env.iter().copied());
        let mut set = ConfigSet::default();
        set.merge_text(config, crate::config::FileKind::Config)
            .unwrap();
        Net::new(&env, &set, set.profile("p")).unwrap()
    }

    #[test]
    fn targets_follow_the_sdk_endpoint_rules_unless_overridden() {
        let n = net(&[], "");
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
        let n = net(&[("AWS_ENDPOINT_URL_STS", "http://127.0.0.1:9")], "");
        let t = n.target(Service::Sts, "eu-west-1").unwrap();
        assert_eq!(
            t.describe(),
            "http://127.0.0.1:9 (from AWS_ENDPOINT_URL_STS)"
        );
        assert!(t.overridden);
    }

    #[test]
    fn fips_and_dual_stack_select_their_endpoints_from_the_environment_or_the_profile() {
        let n = net(&[("AWS_USE_FIPS_ENDPOINT", "true")], "");
        let t = n.target(Service::Sso, "us-east-1").unwrap();
        assert_eq!(t.url, "https://portal.sso-fips.us-east-1.amazonaws.com");
        assert!(
            t.source.contains("FIPS from AWS_USE_FIPS_ENDPOINT"),
            "{}",
            t.source
        );
        assert_eq!(
            n.target(Service::Sts, "us-west-2").unwrap().url,
            "https://sts-fips.us-west-2.amazonaws.com"
        );
        let n = net(&[], "[profile p]\nuse_dualstack_endpoint = true\n");
        let t = n.target(Service::SsoOidc, "eu-west-1").unwrap();
        assert_eq!(t.url, "https://oidc.eu-west-1.api.aws");
        assert!(
            t.source
                .contains("dual-stack from use_dualstack_endpoint in profile p")
        );
        // The environment says no: the profile's yes does not count.
        let n = net(
            &[("AWS_USE_FIPS_ENDPOINT", "false")],
            "[profile p]\nuse_fips_endpoint = true\n",
        );
        assert_eq!(
            n.target(Service::Sso, "us-east-1").unwrap().url,
            "https://portal.sso.us-east-1.amazonaws.com"
        );
        // A configured endpoint is used as it is.
        let n = net(
            &[
                ("AWS_USE_FIPS_ENDPOINT", "true"),
                ("AWS_ENDPOINT_URL_SSO", "http://x"),
            ],
            "",
        );
        assert_eq!(n.target(Service::Sso, "us-east-1").unwrap().url, "http://x");
    }

    #[test]
    fn targets_carry_their_route_through_the_proxy() {
        let n = net(
            &[
                ("HTTPS_PROXY", "http://127.0.0.1:3128"),
                ("NO_PROXY", "oidc.us-east-1.amazonaws.com"),
            ],
            "",
        );
        let t = n.target(Service::Sso, "us-east-1").unwrap();
        assert!(
            t.describe()
                .ends_with("via proxy http://127.0.0.1:3128 (from HTTPS_PROXY)")
        );
        let t = n.target(Service::SsoOidc, "us-east-1").unwrap();
        assert_eq!(t.route, Route::Bypassed("NO_PROXY"));
    }

    #[test]
    fn service_errors_without_details_still_say_what_happened() {
        assert_eq!(
            service_detail(503, "", ""),
            "HTTP 503 Service Unavailable, with no error details"
        );
        assert_eq!(
            service_detail(400, "InvalidRequestException", ""),
            "InvalidRequestException (HTTP 400)"
        );
        assert_eq!(
            service_detail(500, "InternalServerException", "boom"),
            "InternalServerException: boom (HTTP 500)"
        );
        assert!(retry_hint(503).is_some() && retry_hint(400).is_none());
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
