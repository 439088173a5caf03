//! The profile's settings that have an environment-variable form in the AWS SDKs, as the
//! variables PROGRAM gets. ssox removes `AWS_PROFILE` from PROGRAM's environment (the keys it
//! resolved must win), and with it PROGRAM would lose every other setting of the profile:
//! its output format, CA bundle, endpoints, retry and FIPS settings. These variables carry
//! them over. A variable the user already set wins, as it would in the SDKs. Pure.

use super::parse::sub_properties;
use super::{ConfigSet, Section};
use crate::env::Env;

/// Profile keys and the variable each becomes, where every SDK reads the variable first.
pub const SETTINGS: &[(&str, &str)] = &[
    ("output", "AWS_DEFAULT_OUTPUT"),
    ("ca_bundle", "AWS_CA_BUNDLE"),
    ("retry_mode", "AWS_RETRY_MODE"),
    ("max_attempts", "AWS_MAX_ATTEMPTS"),
    ("use_fips_endpoint", "AWS_USE_FIPS_ENDPOINT"),
    ("use_dualstack_endpoint", "AWS_USE_DUALSTACK_ENDPOINT"),
    ("sts_regional_endpoints", "AWS_STS_REGIONAL_ENDPOINTS"),
    ("defaults_mode", "AWS_DEFAULTS_MODE"),
    ("cli_pager", "AWS_PAGER"),
    ("sdk_ua_app_id", "AWS_SDK_UA_APP_ID"),
    (
        "disable_request_compression",
        "AWS_DISABLE_REQUEST_COMPRESSION",
    ),
    (
        "request_min_compression_size_bytes",
        "AWS_REQUEST_MIN_COMPRESSION_SIZE_BYTES",
    ),
    ("account_id_endpoint_mode", "AWS_ACCOUNT_ID_ENDPOINT_MODE"),
    (
        "request_checksum_calculation",
        "AWS_REQUEST_CHECKSUM_CALCULATION",
    ),
    (
        "response_checksum_validation",
        "AWS_RESPONSE_CHECKSUM_VALIDATION",
    ),
    ("auth_scheme_preference", "AWS_AUTH_SCHEME_PREFERENCE"),
    ("sigv4a_signing_region_set", "AWS_SIGV4A_SIGNING_REGION_SET"),
    ("s3_use_arn_region", "AWS_S3_USE_ARN_REGION"),
    (
        "s3_disable_multiregion_access_points",
        "AWS_S3_DISABLE_MULTIREGION_ACCESS_POINTS",
    ),
    ("metadata_service_timeout", "AWS_METADATA_SERVICE_TIMEOUT"),
    (
        "metadata_service_num_attempts",
        "AWS_METADATA_SERVICE_NUM_ATTEMPTS",
    ),
    (
        "ec2_metadata_service_endpoint",
        "AWS_EC2_METADATA_SERVICE_ENDPOINT",
    ),
    (
        "ec2_metadata_service_endpoint_mode",
        "AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE",
    ),
    ("ec2_metadata_v1_disabled", "AWS_EC2_METADATA_V1_DISABLED"),
    (
        "ignore_configured_endpoint_urls",
        "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS",
    ),
    ("endpoint_url", "AWS_ENDPOINT_URL"),
];

/// `AWS_ENDPOINT_URL_<SERVICE>`: the `[services]` key upper-cased (`elastic_beanstalk` →
/// `AWS_ENDPOINT_URL_ELASTIC_BEANSTALK`), as the SDKs name the variable.
fn service_variable(key: &str) -> String {
    format!(
        "AWS_ENDPOINT_URL_{}",
        key.to_ascii_uppercase().replace('-', "_")
    )
}

/// The variables for `profile`'s settings, in a stable order, leaving out those set (and
/// not empty) in `env`. Endpoint settings are left out when the profile or the environment
/// switches configured endpoints off.
pub fn variables(set: &ConfigSet, profile: &Section, env: &Env) -> Vec<(String, String)> {
    let ignore_endpoints = env.flag("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS")
        || profile
            .get("ignore_configured_endpoint_urls")
            .is_some_and(|v| v.eq_ignore_ascii_case("true"));
    let mut out: Vec<(String, String)> = Vec::new();
    let mut put = |var: String, value: &str| {
        // A value over several lines is a sub-property block, which has no variable form.
        if env.get(&var).is_none() && !value.is_empty() && !value.contains('\n') {
            out.push((var, value.to_string()));
        }
    };
    for (key, var) in SETTINGS {
        if ignore_endpoints && *key == "endpoint_url" {
            continue;
        }
        if let Some(value) = profile.get(key) {
            put((*var).to_string(), value);
        }
    }
    if !ignore_endpoints
        && let Some(services) = profile
            .get_nonempty("services")
            .and_then(|name| set.services.get(name))
    {
        for (key, prop) in &services.props {
            if let Some((_, url)) = sub_properties(&prop.value).find(|(k, _)| k == "endpoint_url") {
                put(service_variable(key), url);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::FileKind;

    fn vars(text: &str, env: &[(&str, &str)]) -> Vec<(String, String)> {
        let mut set = ConfigSet::default();
        set.merge_text(text, FileKind::Config).unwrap();
        variables(
            &set,
            set.profile("p").unwrap(),
            &Env::from_pairs(env.iter().copied()),
        )
    }

    fn pairs(v: &[(&str, &str)]) -> Vec<(String, String)> {
        v.iter().map(|(a, b)| ((*a).into(), (*b).into())).collect()
    }

    #[test]
    fn profile_settings_become_their_variables_unless_the_user_set_them() {
        let text = "[profile p]\noutput = json\nca_bundle = /etc/corp.pem\nretry_mode = adaptive\n\
                    services = mine\nendpoint_url = http://all\nregion = us-west-2\n\
                    [services mine]\nsts =\n  endpoint_url = http://sts.local\nelastic_beanstalk =\n  endpoint_url = http://eb\n";
        assert_eq!(
            vars(text, &[("AWS_DEFAULT_OUTPUT", "text")]),
            pairs(&[
                ("AWS_CA_BUNDLE", "/etc/corp.pem"),
                ("AWS_RETRY_MODE", "adaptive"),
                ("AWS_ENDPOINT_URL", "http://all"),
                ("AWS_ENDPOINT_URL_ELASTIC_BEANSTALK", "http://eb"),
                ("AWS_ENDPOINT_URL_STS", "http://sts.local"),
            ])
        );
    }

    #[test]
    fn switched_off_endpoints_are_not_handed_on() {
        let text =
            "[profile p]\nendpoint_url = http://all\nignore_configured_endpoint_urls = true\n";
        assert_eq!(
            vars(text, &[]),
            pairs(&[("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "true")])
        );
        let text = "[profile p]\nendpoint_url = http://all\n";
        assert!(vars(text, &[("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "true")]).is_empty());
    }
}
