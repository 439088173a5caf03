//! The HTTP side of `Net`: one client per (TLS or not, proxy), its connector built on
//! the first call and kept (roots parsed once, connections pooled), rustls with ring for
//! https, and the one raw POST no SDK client makes (the sign-in federation endpoint).

use std::sync::{Arc, Mutex, OnceLock, PoisonError};
use std::time::Duration;

use aws_sdk_sso::config::SharedHttpClient;
use aws_smithy_http_client::proxy::ProxyConfig;
use aws_smithy_http_client::tls::{Provider, TlsContext, rustls_provider::CryptoMode};
use aws_smithy_runtime_api::client::http::{
    HttpConnector, HttpConnectorFuture, SharedHttpConnector, http_client_fn,
};
use aws_smithy_runtime_api::client::orchestrator::HttpRequest;

use super::failure::{Transport, TransportError, transport_kind_of};
use super::target::Target;
use super::tls::{self, CaBundle};
use crate::env::Env;
use crate::error::{Error, Exit};
use crate::log::vlog;

/// The most of an answer `Net::post_form` reads.
const MAX_RAW_BODY: usize = 1 << 20;

/// What tells HTTP clients apart: TLS or not, and the proxy URL.
type ClientKey = (bool, Option<String>);

/// The HTTP clients of a run, and the TLS settings they share (made once).
#[derive(Default)]
pub struct Clients {
    tls: OnceLock<TlsContext>,
    /// One HTTP client per (TLS or not, proxy), so calls to one host share connections.
    clients: Mutex<Vec<(ClientKey, SharedHttpClient)>>,
}

impl Clients {
    /// The TLS settings, made once per run (the system roots are read once per process).
    fn tls_context(&self, ca: Option<&CaBundle>, env: &Env) -> Result<TlsContext, Error> {
        if let Some(t) = self.tls.get() {
            return Ok(t.clone());
        }
        let t = tls::context(ca, env)?;
        if let Some(b) = ca {
            vlog!("trusting the system roots and {}", b.describe(env));
        }
        Ok(self.tls.get_or_init(|| t).clone())
    }

    /// The client for calls to `target`.
    pub fn client(
        &self,
        target: &Target,
        ca: Option<&CaBundle>,
        env: &Env,
    ) -> Result<SharedHttpClient, Error> {
        let proxy = target.route.proxy();
        let key = (target.tls(), proxy.map(|p| p.url.clone()));
        let mut clients = self.clients.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some((_, c)) = clients.iter().find(|(k, _)| *k == key) {
            return Ok(c.clone());
        }
        let (tls, proxy_config) = self.connector_parts(target, ca, env)?;
        let client = client_for(tls, proxy_config);
        clients.push((key, client.clone()));
        Ok(client)
    }

    /// What a connector to `target` needs: the TLS settings (for https or an https proxy)
    /// and the proxy.
    fn connector_parts(
        &self,
        target: &Target,
        ca: Option<&CaBundle>,
        env: &Env,
    ) -> Result<(Option<TlsContext>, ProxyConfig), Error> {
        let tls = if target.tls() {
            Some(self.tls_context(ca, env)?)
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
        ca: Option<&CaBundle>,
        env: &Env,
        timeout: Duration,
    ) -> Result<(u16, Vec<u8>), TransportError> {
        use aws_smithy_types::body::SdkBody;
        let failed = |kind| TransportError {
            service: target.service,
            url: target.url.clone(),
            proxy: target.route.proxy().cloned(),
            timeout,
            kind,
        };
        let (tls, proxy) = self
            .connector_parts(target, ca, env)
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
        tag(&mut request);
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
        tokio::time::timeout(timeout, call)
            .await
            .map_err(|_| failed(Transport::Timeout))?
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
        let shared = SharedHttpConnector::new(Tagged(connector(b, tls.as_ref())));
        *slot = Some(shared.clone());
        shared
    })
}

/// How ssox names itself to AWS, after the SDK's own user agent.
pub const USER_AGENT: &str = concat!("ssox/", env!("CARGO_PKG_VERSION"));

/// Adds [`USER_AGENT`] to a request's user agents, so that a service's logs (and an
/// administrator reading CloudTrail) can tell ssox's calls apart.
fn tag(request: &mut HttpRequest) {
    for name in ["user-agent", "x-amz-user-agent"] {
        let value = match request.headers().get(name) {
            Some(ua) if ua.contains(USER_AGENT) => continue,
            Some(ua) => format!("{ua} {USER_AGENT}"),
            None if name == "user-agent" => USER_AGENT.to_string(),
            None => continue,
        };
        request.headers_mut().insert(name, value);
    }
}

/// A connector that tags every request with [`USER_AGENT`].
#[derive(Debug)]
struct Tagged(aws_smithy_http_client::Connector);

impl HttpConnector for Tagged {
    fn call(&self, mut request: HttpRequest) -> HttpConnectorFuture {
        tag(&mut request);
        self.0.call(request)
    }
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
