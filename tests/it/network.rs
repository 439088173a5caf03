//! Corporate networks: the fake reachable only through a loopback proxy, under host names
//! that resolve nowhere, over TLS with a certificate from a CA made for the test; FIPS and
//! dual-stack endpoints seen by that proxy.

use std::net::SocketAddr;

use crate::support::proxy::Proxy;
use crate::support::*;

/// The fake behind a proxy, over TLS for `names`, with the CA in `dir/ca.pem`.
struct Corp {
    t: TestEnv,
    proxy: Proxy,
    dir: tempfile::TempDir,
}

fn corp(names: &[&str]) -> Corp {
    let t = TestEnv::dev();
    let dir = tempfile::tempdir().unwrap();
    let mut args = vec![dir.path().to_str().unwrap()];
    args.extend(names);
    let made = std::process::Command::new("python3")
        .arg(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/support/make_certs.py"
        ))
        .args(&args)
        .status()
        .unwrap();
    assert!(
        made.success(),
        "make_certs.py failed (pip install cryptography)"
    );
    let tls_port = t
        .fake
        .serve_tls(dir.path(), &format!("https://{}", names[0]));
    let plain: SocketAddr = t.fake.url().trim_start_matches("http://").parse().unwrap();
    let proxy = Proxy::start(plain, Some(SocketAddr::from(([127, 0, 0, 1], tls_port))));
    Corp { t, proxy, dir }
}

impl Corp {
    fn ca(&self) -> String {
        self.dir.path().join("ca.pem").to_str().unwrap().to_string()
    }
}

const HOST: &str = "sso.ssox-test.invalid";

#[test]
fn https_proxy_and_a_private_ca_reach_the_service_over_tls() {
    let mut c = corp(&[HOST]);
    let url = format!("https://{HOST}");
    let (proxy, ca) = (c.proxy.url().to_string(), c.ca());
    c.t.var("AWS_ENDPOINT_URL_SSO", &url)
        .var("AWS_ENDPOINT_URL_SSO_OIDC", &url)
        .var("HTTPS_PROXY", &proxy)
        .var("AWS_CA_BUNDLE", &ca);
    // A token that needs a refresh: CreateToken (OIDC) and GetRoleCredentials (portal) both
    // go through the proxy.
    c.t.cache_refreshable_corp(60);
    c.t.run(["-p", "dev", "--", "true"]).success();
    assert_eq!(c.t.fake.count(Op::CreateToken), 1);
    assert_eq!(c.t.fake.count(Op::GetRoleCredentials), 1);
    // One tunnel or two: the portal and OIDC share a host here, so a connection may be reused.
    let seen = c.proxy.seen();
    assert!(!seen.is_empty());
    assert!(
        seen.iter()
            .all(|l| l.starts_with(&format!("CONNECT {HOST}:443 "))),
        "{seen:?}"
    );
}

#[test]
fn the_profiles_ca_bundle_is_trusted_too() {
    let mut c = corp(&[HOST]);
    let ca = c.ca();
    c.t.config(&format!("{DEV_CONFIG}\n[profile with-ca]\nsso_session = corp\nsso_account_id = 1\nsso_role_name = r\nca_bundle = {ca}\n"));
    let proxy = c.proxy.url().to_string();
    c.t.var("AWS_ENDPOINT_URL_SSO", &format!("https://{HOST}"))
        .var("https_proxy", &proxy);
    c.t.login_corp();
    c.t.run(["-p", "with-ca", "--", "true"]).success();
    assert_eq!(c.proxy.seen().len(), 1);
    // Without it, the certificate does not verify: one line with the host and the fix.
    c.t.run(["-p", "dev", "--", "true"]).code(69).error_line(&[
        "TLS certificate of sso.ssox-test.invalid",
        "does not verify",
        "authority this machine does not trust",
        "AWS_CA_BUNDLE",
    ]);
}

#[test]
fn http_endpoints_go_through_the_proxy_in_absolute_form() {
    let mut c = corp(&[HOST]);
    let proxy = c.proxy.url().to_string();
    c.t.var("AWS_ENDPOINT_URL_SSO", &format!("http://{HOST}"))
        .var("HTTP_PROXY", &proxy);
    c.t.login_corp();
    c.t.run(["-p", "dev", "--", "true"]).success();
    let seen = c.proxy.seen();
    assert_eq!(seen.len(), 1, "{seen:?}");
    assert!(
        seen[0].starts_with(&format!("GET http://{HOST}/federation/credentials?")),
        "{seen:?}"
    );
}

#[test]
fn no_proxy_bypasses_the_proxy() {
    let mut t = TestEnv::dev();
    let refusing = Proxy::refusing();
    t.var("HTTP_PROXY", refusing.url())
        .var("NO_PROXY", "localhost,127.0.0.1");
    t.login_corp();
    t.run(["-p", "dev", "--", "true"]).success();
    assert!(refusing.seen().is_empty());
}

#[test]
fn a_proxy_that_cannot_be_reached_or_refuses_is_exit_69_naming_it() {
    let mut t = TestEnv::dev();
    let port = free_port();
    t.var("AWS_ENDPOINT_URL_SSO", &format!("https://{HOST}"))
        .var(
            "HTTPS_PROXY",
            &format!("http://alice:s3cret@127.0.0.1:{port}"),
        );
    t.login_corp();
    let run = t.run(["-p", "dev", "--", "true"]);
    run.code(69).error_line(&[
        &format!("cannot reach the proxy http://alice:***@127.0.0.1:{port} (from HTTPS_PROXY)"),
        "connection refused",
        "NO_PROXY",
    ]);
    assert!(!run.stderr.contains("s3cret"));
    let refusing = Proxy::refusing();
    t.var("HTTPS_PROXY", refusing.url());
    t.run(["-p", "dev", "--", "true"])
        .code(69)
        .error_line(&["would not connect to the SSO portal", "(from HTTPS_PROXY)"]);
}

#[test]
fn a_ca_bundle_that_is_not_pem_is_a_config_error() {
    let mut t = TestEnv::dev();
    let bad = t.write("bad.pem", "not a certificate\n");
    t.var("AWS_ENDPOINT_URL_SSO", &format!("https://{HOST}"))
        .var("AWS_CA_BUNDLE", bad.to_str().unwrap());
    t.login_corp();
    t.run(["-p", "dev", "--", "true"])
        .code(78)
        .error_line(&["the CA bundle ~/bad.pem (from AWS_CA_BUNDLE) holds no certificate"]);
}

#[test]
fn a_ca_bundle_cut_short_is_named_as_such_not_shown_as_bytes() {
    let mut t = TestEnv::dev();
    let cut = t.write(
        "cut.pem",
        "-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIUQ0FfY2VydA==\n",
    );
    t.var("AWS_ENDPOINT_URL_SSO", &format!("https://{HOST}"))
        .var("AWS_CA_BUNDLE", cut.to_str().unwrap());
    t.login_corp();
    let run = t.run(["-p", "dev", "--", "true"]);
    run.code(78).error_line(&[
        "the CA bundle ~/cut.pem (from AWS_CA_BUNDLE) is not valid PEM (a certificate has no END line: is the file cut short?)",
    ]);
    assert!(!run.stderr.contains("[45, 45"), "{}", run.stderr);
}

#[test]
fn a_fifo_or_a_device_as_a_file_fails_at_once_with_one_line() {
    let mut t = TestEnv::dev();
    let fifo = t.path("bundle.fifo");
    assert!(
        std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap()
            .success()
    );
    t.var("AWS_ENDPOINT_URL_SSO", &format!("https://{HOST}"))
        .var("AWS_CA_BUNDLE", fifo.to_str().unwrap());
    t.login_corp();
    // No writer ever opens the FIFO: reading it would wait forever.
    t.run(["-p", "dev", "--", "true"]).code(78).error_line(&[
        "the CA bundle ~/bundle.fifo (from AWS_CA_BUNDLE) cannot be read: it is a FIFO, not a regular file",
    ]);
    // /dev/zero as the config file would grow until the kernel stops ssox.
    let mut t = TestEnv::dev();
    t.var("AWS_CONFIG_FILE", "/dev/zero");
    t.run(["-p", "dev", "--", "true"])
        .code(74)
        .error_line(&["cannot read /dev/zero: it is a device, not a regular file"]);
}

/// A region name that follows the AWS partition's pattern but exists nowhere, so the
/// endpoint rules give real-looking host names that no DNS resolves.
const REGION: &str = "us-ssoxtest-1";

fn fips_env(names: &[&str], config_extra: &str) -> Corp {
    let mut c = corp(names);
    c.t.config(&format!(
        "[profile dev]\nsso_session = corp\nsso_account_id = 111111111111\nsso_role_name = readOnly\n{config_extra}\
         [sso-session corp]\nsso_start_url = https://corp.awsapps.com/start\nsso_region = {REGION}\n"
    ));
    let (proxy, ca) = (c.proxy.url().to_string(), c.ca());
    // No endpoint override: the SDK's endpoint rules decide.
    c.t.var("AWS_ENDPOINT_URL_SSO", "")
        .var("AWS_ENDPOINT_URL_SSO_OIDC", "")
        .var("HTTPS_PROXY", &proxy)
        .var("AWS_CA_BUNDLE", &ca);
    c.t.login_corp();
    c
}

#[test]
fn fips_selects_the_fips_endpoint_that_ssox_calls_and_doctor_shows() {
    let host = format!("portal.sso-fips.{REGION}.amazonaws.com");
    let mut c = fips_env(&[&host], "");
    c.t.var("AWS_USE_FIPS_ENDPOINT", "true");
    let doctor = c.t.run(["doctor", "-p", "dev"]);
    assert!(
        doctor.success().stdout.contains(&format!(
            "portal https://{host} (from the AWS endpoint rules for {REGION}, FIPS from AWS_USE_FIPS_ENDPOINT), via proxy"
        )),
        "{}",
        doctor.stdout
    );
    c.t.run(["-p", "dev", "--", "true"]).success();
    assert_eq!(c.proxy.seen(), [format!("CONNECT {host}:443 HTTP/1.1")]);
}

#[test]
fn dual_stack_in_the_profile_selects_the_dual_stack_endpoint() {
    let host = format!("portal.sso.{REGION}.api.aws");
    let c = fips_env(&[&host], "use_dualstack_endpoint = true\n");
    c.t.run(["-p", "dev", "--", "true"]).success();
    assert_eq!(c.proxy.seen(), [format!("CONNECT {host}:443 HTTP/1.1")]);
}
