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

mod failure;
mod http;
pub mod proxy;
mod rules;
mod target;
pub mod tls;

pub use failure::{Failure, TransportError, retry_hint, service_detail};
pub use target::Target;

use std::fmt::Write as _;
use std::time::Duration;

use aws_sdk_sso::config::retry::RetryConfig;
use aws_sdk_sso::config::timeout::TimeoutConfig;
use aws_sdk_sso::config::{BehaviorVersion, Region};
use aws_types::SdkConfig;

use crate::config::endpoints::{self, Endpoint, Service};
use crate::config::{ConfigSet, Section};
use crate::env::Env;
use crate::error::{Error, Exit};
use crate::log::vlog;
use proxy::Proxies;
use rules::default_url;
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

/// The network decisions of one run.
pub struct Net {
    env: Env,
    timeout: Duration,
    /// The configured endpoint of each service, by [`Service::index`].
    overrides: [Option<Endpoint>; Service::ALL.len()],
    pub fips: Option<Flag>,
    pub dualstack: Option<Flag>,
    pub ca_bundle: Option<CaBundle>,
    proxies: Proxies,
    clients: http::Clients,
}

impl Net {
    /// Reads the settings of `selected` (botocore takes them from the selected profile,
    /// whichever profile of a chain a call is for) and of the environment.
    pub fn new(env: &Env, set: &ConfigSet, selected: Option<&Section>) -> Result<Self, Error> {
        let mut overrides = [const { None }; Service::ALL.len()];
        for service in Service::ALL {
            overrides[service.index()] = endpoints::configured(service, env, set, selected)
                .map_err(|e| Error::new(Exit::Config, e.to_string()))?;
        }
        Ok(Self {
            env: env.clone(),
            timeout: call_timeout(env),
            overrides,
            fips: flag(env, "AWS_USE_FIPS_ENDPOINT", selected, "use_fips_endpoint"),
            dualstack: flag(
                env,
                "AWS_USE_DUALSTACK_ENDPOINT",
                selected,
                "use_dualstack_endpoint",
            ),
            ca_bundle: CaBundle::choose(env, selected),
            proxies: Proxies::from_env(env),
            clients: http::Clients::default(),
        })
    }

    pub fn timeout(&self) -> Duration {
        self.timeout
    }

    fn on(flag: Option<&Flag>) -> bool {
        flag.is_some_and(|f| f.on)
    }

    /// POSTs a form to `url` at `target` (an endpoint no SDK client serves: the sign-in
    /// federation endpoint), through the same proxy and TLS settings as every SDK call,
    /// within the call timeout. Returns the status and the body.
    pub async fn post_form(
        &self,
        target: &Target,
        url: &str,
        form: &crate::secret::Secret,
    ) -> Result<(u16, Vec<u8>), TransportError> {
        self.clients
            .post_form(
                target,
                url,
                form,
                self.ca_bundle.as_ref(),
                &self.env,
                self.timeout,
            )
            .await
    }

    /// Sorts a failed call into what the user can act on.
    pub fn classify<E>(&self, err: &aws_sdk_sso::error::SdkError<E>, target: &Target) -> Failure
    where
        E: aws_sdk_sso::error::ProvideErrorMetadata + std::error::Error + 'static,
    {
        failure::classify(err, target, self.timeout)
    }

    /// Where calls of `service` in `region` go: the configured override, else the SDK's own
    /// endpoint rules with FIPS and dual-stack as set (the same resolver the client runs, so
    /// what `doctor` shows is what is called); and through which proxy.
    pub fn target(&self, service: Service, region: &str) -> Result<Target, Error> {
        let configured = self.overrides[service.index()].as_ref();
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
            .http_client(
                self.clients
                    .client(target, self.ca_bundle.as_ref(), &self.env)?,
            )
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
}

#[cfg(test)]
mod tests {
    use super::*;
    use proxy::Route;

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
