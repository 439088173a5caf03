//! Which URL an AWS service client talks to when the user overrides it, resolved the way
//! botocore and the AWS CLI v2 do: `AWS_ENDPOINT_URL_<SVC>`, then
//! `AWS_ENDPOINT_URL`, then the profile's `[services NAME]` block, then the profile's
//! `endpoint_url`; all off with `AWS_IGNORE_CONFIGURED_ENDPOINT_URLS` or the profile's
//! `ignore_configured_endpoint_urls`. The result is passed to the SDK client explicitly
//! (see `aws::Net::target`, which falls back to the SDK's endpoint rules). Pure.

use crate::config::{ConfigSet, Origin, Section, parse::sub_properties};
use crate::env::Env;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Service {
    Sso,
    SsoOidc,
    Sts,
    /// The AWS Sign-In service (`aws login` sessions: CreateOAuth2Token).
    Signin,
    /// The AWS sign-in federation endpoint (`ssox console`). The SDKs know one `signin`
    /// name, so `AWS_ENDPOINT_URL_SIGNIN` and a `[services]` `signin` key move both.
    Federation,
}

impl Service {
    /// Every service ssox calls, in [`Service::index`] order: what is built per service
    /// (the endpoint overrides of a run, say) is built from this list.
    pub const ALL: [Service; 5] = [
        Service::Sso,
        Service::SsoOidc,
        Service::Sts,
        Service::Signin,
        Service::Federation,
    ];

    /// The service's place in [`Service::ALL`]. A new variant fails to compile here until it
    /// has one, and a unit test checks that `ALL` lists it there.
    pub const fn index(self) -> usize {
        match self {
            Service::Sso => 0,
            Service::SsoOidc => 1,
            Service::Sts => 2,
            Service::Signin => 3,
            Service::Federation => 4,
        }
    }

    /// How messages name the service.
    pub fn name(self) -> &'static str {
        match self {
            Service::Sso => "the SSO portal",
            Service::SsoOidc => "the SSO OIDC service",
            Service::Sts => "STS",
            Service::Signin => "the AWS Sign-In service",
            Service::Federation => "the AWS sign-in endpoint",
        }
    }

    fn env_suffix(self) -> &'static str {
        match self {
            Service::Sso => "SSO",
            Service::SsoOidc => "SSO_OIDC",
            Service::Sts => "STS",
            Service::Signin | Service::Federation => "SIGNIN",
        }
    }

    /// The key inside a `[services]` block: botocore's client name with `-` → `_`.
    fn config_key(self) -> &'static str {
        match self {
            Service::Sso => "sso",
            Service::SsoOidc => "sso_oidc",
            Service::Sts => "sts",
            Service::Signin | Service::Federation => "signin",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "profile `{profile}` sets services = {services}, but there is no [services {services}] section"
)]
pub struct MissingServices {
    pub profile: String,
    pub services: String,
    pub origin: Origin,
}

/// Where the value came from, for `-v`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoint {
    pub url: String,
    pub source: String,
}

pub fn configured(
    service: Service,
    env: &Env,
    set: &ConfigSet,
    profile: Option<&Section>,
) -> Result<Option<Endpoint>, MissingServices> {
    let ignore = env.flag("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS")
        || profile
            .and_then(|p| p.get("ignore_configured_endpoint_urls"))
            .is_some_and(|v| v.eq_ignore_ascii_case("true"));
    if ignore {
        return Ok(None);
    }
    let var = format!("AWS_ENDPOINT_URL_{}", service.env_suffix());
    for name in [var.as_str(), "AWS_ENDPOINT_URL"] {
        if let Some(url) = env.get(name) {
            return Ok(Some(Endpoint {
                url: url.to_string(),
                source: name.to_string(),
            }));
        }
    }
    let Some(profile) = profile else {
        return Ok(None);
    };
    if let Some(services) = profile.get_nonempty("services") {
        let section = set.services.get(services).ok_or_else(|| MissingServices {
            profile: profile.name.clone(),
            services: services.to_string(),
            origin: profile.origin_of("services"),
        })?;
        if let Some(block) = section.get(service.config_key())
            && let Some((_, url)) = sub_properties(block).find(|(k, _)| k == "endpoint_url")
        {
            return Ok(Some(Endpoint {
                url: url.to_string(),
                source: format!("[services {services}] {}", service.config_key()),
            }));
        }
    }
    Ok(profile.get_nonempty("endpoint_url").map(|url| Endpoint {
        url: url.to_string(),
        source: format!("profile {} endpoint_url", profile.name),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_service_is_listed_in_its_place() {
        for (i, s) in Service::ALL.iter().enumerate() {
            assert_eq!(s.index(), i, "{s:?}");
        }
    }
    use crate::config::FileKind;

    fn set(text: &str) -> ConfigSet {
        let mut s = ConfigSet::default();
        s.merge_text(text, FileKind::Config).unwrap();
        s
    }

    fn url(service: Service, env: &[(&str, &str)], text: &str) -> Option<String> {
        let s = set(text);
        let env = Env::from_pairs(env.iter().copied());
        configured(service, &env, &s, s.profile("p"))
            .unwrap()
            .map(|e| e.url)
    }

    const CFG: &str = "[profile p]\nservices = local\nendpoint_url = http://profile\n\
                       [services local]\nsso =\n  endpoint_url = http://svc-sso\nsso_oidc =\n  endpoint_url = http://svc-oidc\n";

    #[test]
    fn follows_botocore_precedence() {
        let both = [
            ("AWS_ENDPOINT_URL_SSO", "http://env-sso"),
            ("AWS_ENDPOINT_URL", "http://env-all"),
        ];
        assert_eq!(
            url(Service::Sso, &both, CFG).as_deref(),
            Some("http://env-sso")
        );
        assert_eq!(
            url(Service::SsoOidc, &both, CFG).as_deref(),
            Some("http://env-all")
        );
        assert_eq!(
            url(Service::SsoOidc, &[], CFG).as_deref(),
            Some("http://svc-oidc")
        );
        assert_eq!(
            url(Service::Sts, &[], CFG).as_deref(),
            Some("http://profile")
        );
        assert_eq!(url(Service::Sts, &[], "[profile p]\n"), None);
    }

    #[test]
    fn empty_variables_and_ignore_switches_are_honoured() {
        assert_eq!(
            url(Service::Sso, &[("AWS_ENDPOINT_URL_SSO", "")], CFG).as_deref(),
            Some("http://svc-sso")
        );
        let ignore = [
            ("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "true"),
            ("AWS_ENDPOINT_URL_SSO", "http://x"),
        ];
        assert_eq!(url(Service::Sso, &ignore, CFG), None);
        assert_eq!(
            url(
                Service::Sso,
                &[],
                "[profile p]\nendpoint_url = http://p\nignore_configured_endpoint_urls = TRUE\n"
            ),
            None
        );
    }

    #[test]
    fn a_missing_services_section_is_a_config_error() {
        let s = set("[profile p]\nservices = nope\n");
        let err = configured(Service::Sso, &Env::default(), &s, s.profile("p")).unwrap_err();
        assert!(err.to_string().contains("[services nope]"));
    }
}
