//! `ssox console`: the credentials a run would use, traded at the sign-in federation endpoint
//! (the fake's, through `AWS_ENDPOINT_URL_SIGNIN`) for a sign-in URL, printed or opened in the
//! browser, and never shown anywhere else.

use std::collections::HashMap;

use crate::support::*;

fn console_env() -> TestEnv {
    let mut t = TestEnv::new();
    t.config(&format!("{DEV_CONFIG}{WORKLOAD_CONFIG}"));
    t.credentials("[keys]\naws_access_key_id = AKIASSOXTESTUSER0001\naws_secret_access_key = ssox-test-user-secret\n");
    let url = t.fake.url().to_string();
    t.var("AWS_ENDPOINT_URL_SIGNIN", &url);
    t
}

/// The query of a URL, decoded.
fn query(url: &str) -> HashMap<String, String> {
    let q = url.split_once('?').map_or("", |(_, q)| q);
    q.split('&')
        .filter_map(|kv| kv.split_once('='))
        .map(|(k, v)| (fake_aws::percent_decode(k), fake_aws::percent_decode(v)))
        .collect()
}

/// The printed URL, checked to be the fake's login URL; returns its parameters.
fn login_url(t: &TestEnv, run: &Run) -> HashMap<String, String> {
    let url = run.stdout.trim();
    assert!(
        url.starts_with(&format!("{}/federation?Action=login&", t.fake.url())),
        "{url}"
    );
    assert_eq!(run.stdout.lines().count(), 1);
    let q = query(url);
    assert_eq!(q["Issuer"], "ssox");
    // Never on stderr.
    assert!(!run.stderr.contains(&q["SigninToken"]), "{}", run.stderr);
    assert!(!run.stderr.contains("federation?"), "{}", run.stderr);
    q
}

#[test]
fn url_for_an_sso_profile_carries_the_token_for_its_credentials() {
    let t = console_env();
    t.login_corp();
    let run = t.run(["console", "-p", "dev", "--url", "-v"]);
    run.success();
    let q = login_url(&t, &run);
    assert_eq!(
        q["Destination"],
        "https://console.aws.amazon.com/console/home?region=us-west-2"
    );
    // The session JSON holds exactly the role credentials the portal gave for dev.
    let session = t.fake.signin_session(&q["SigninToken"]).unwrap();
    let creds = t.run(["-p", "dev", "--json"]).success().stdout.clone();
    let creds: serde_json::Value = serde_json::from_str(&creds).unwrap();
    assert_eq!(session["sessionId"], creds["AccessKeyId"]);
    assert_eq!(session["sessionKey"], creds["SecretAccessKey"]);
    assert_eq!(session["sessionToken"], creds["SessionToken"]);
    assert!(
        session["sessionToken"]
            .as_str()
            .unwrap()
            .starts_with("fake-session-111111111111-readOnly-")
    );
    let req = &t.fake.requests(Op::GetSigninToken)[0];
    assert!(!req.query.contains_key("SessionDuration"));
    // The secret key and token went in the POST body, not in a URL.
    assert!(!run.stderr.contains(session["sessionKey"].as_str().unwrap()));
}

#[test]
fn duration_service_and_region_shape_the_request_and_the_destination() {
    let t = console_env();
    t.login_corp();
    let run = t.run([
        "console",
        "-p",
        "dev",
        "--url",
        "--duration",
        "4h",
        "--service",
        "s3",
        "--region",
        "eu-west-1",
    ]);
    run.success();
    let q = login_url(&t, &run);
    assert_eq!(
        q["Destination"],
        "https://console.aws.amazon.com/s3/home?region=eu-west-1"
    );
    assert_eq!(
        t.fake.requests(Op::GetSigninToken)[0].query["SessionDuration"],
        "14400"
    );
    let run = t.run(["console", "-p", "dev", "--url", "--region", "cn-north-1"]);
    assert_eq!(
        login_url(&t, run.success())["Destination"],
        "https://console.amazonaws.cn/console/home?region=cn-north-1"
    );
    let run = t.run([
        "console",
        "-p",
        "dev",
        "--url",
        "--destination",
        "https://console.aws.amazon.com/ec2/home?region=eu-west-1#Instances:",
    ]);
    assert_eq!(
        login_url(&t, run.success())["Destination"],
        "https://console.aws.amazon.com/ec2/home?region=eu-west-1#Instances:"
    );
}

#[test]
fn a_role_chain_sends_no_session_duration_and_says_so() {
    let mut t = console_env();
    t.login_corp();
    t.var("AWS_ENDPOINT_URL_STS", moto_url());
    let run = t.run(["console", "-p", "workload", "--url", "--duration", "2h"]);
    run.success();
    let q = login_url(&t, &run);
    assert!(
        run.stderr
            .contains("--duration is left out: AWS sets no console session length for credentials from a role chain"),
        "{}",
        run.stderr
    );
    assert!(
        !t.fake.requests(Op::GetSigninToken)[0]
            .query
            .contains_key("SessionDuration")
    );
    assert_eq!(
        q["Destination"],
        "https://console.aws.amazon.com/console/home?region=eu-central-1"
    );
    // The role's credentials (cached by the run), not the SSO ones.
    let creds: serde_json::Value =
        serde_json::from_str(&t.run(["-p", "workload", "--json"]).success().stdout).unwrap();
    let session = t.fake.signin_session(&q["SigninToken"]).unwrap();
    assert_eq!(session["sessionId"], creds["AccessKeyId"]);
    assert!(
        !session["sessionToken"]
            .as_str()
            .unwrap()
            .starts_with("fake-session-")
    );
}

#[test]
fn long_term_keys_get_a_federation_token_first() {
    let mut t = console_env();
    t.var("AWS_ENDPOINT_URL_STS", moto_url());
    let run = t.run(["console", "-p", "keys", "--url", "--duration", "20h"]);
    run.success();
    let q = login_url(&t, &run);
    let session = t.fake.signin_session(&q["SigninToken"]).unwrap();
    // Temporary credentials from STS's GetFederationToken (moto answers with its fixed
    // example), not the IAM user's keys.
    assert_ne!(session["sessionId"], "AKIASSOXTESTUSER0001");
    assert!(
        session["sessionToken"]
            .as_str()
            .unwrap()
            .starts_with("AQoDYXdzEPT//////////wEXAMPLEtc764bNrC9SAPBSM"),
        "{session}"
    );
    // The duration went to GetFederationToken, where AWS takes it for such credentials.
    assert!(
        !t.fake.requests(Op::GetSigninToken)[0]
            .query
            .contains_key("SessionDuration")
    );
    t.run(["console", "-p", "keys", "--url", "--duration", "40h"])
        .code(2)
        .error_line(&["--duration must be between 15m and 36h for an IAM user's keys"]);
    // A role assumed with the user's keys is not a chain: its duration is sent.
    let run = t.run(["console", "-p", "static-role", "--url", "--duration", "1h"]);
    run.success();
    let last = t.fake.requests(Op::GetSigninToken);
    assert_eq!(last.last().unwrap().query["SessionDuration"], "3600");
}

#[test]
fn the_browser_is_sent_to_the_url_through_a_one_time_local_address() {
    let mut t = console_env();
    t.login_corp();
    t.with_fake_browser();
    let run = t.run(["console", "-p", "dev", "-v"]);
    run.success();
    assert!(
        run.stderr
            .contains("opened the AWS console (us-west-2) as profile `dev`")
    );
    let log = t.browser_log();
    let started = log.lines().next().unwrap();
    // The browser's argv (which every local user can read) held only the name of a private
    // page, never the sign-in URL nor the one-time address that leads to it.
    let page = started.strip_prefix("file://").expect(&log);
    assert!(
        page.starts_with(t.path(".cache/ssox/console/").to_str().unwrap()),
        "{log}"
    );
    assert!(
        !started.contains("SigninToken") && !started.contains("127.0.0.1"),
        "{log}"
    );
    assert!(log.contains("file-mode: 600 dir-mode: 700"), "{log}");
    let forwarded = log
        .lines()
        .find_map(|l| l.strip_prefix("forwarded: "))
        .expect(&log);
    assert!(
        forwarded.starts_with("http://127.0.0.1:") && forwarded.contains("/console/"),
        "{log}"
    );
    // The page is gone once the browser has been sent on.
    assert!(!std::path::Path::new(page).exists(), "{page} left behind");
    // The browser follows the redirect to the fake's console login, with the token the
    // fake issued; it may get there after ssox has exited.
    assert!(
        t.fake
            .wait_for(Op::ConsoleLogin, std::time::Duration::from_secs(30)),
        "the browser never arrived at the console login"
    );
    let login = &t.fake.requests(Op::ConsoleLogin)[0];
    let token = &login.query["SigninToken"];
    assert!(t.fake.signin_session(token).is_some());
    assert_eq!(
        login.query["Destination"],
        "https://console.aws.amazon.com/console/home?region=us-west-2"
    );
    assert!(!run.stderr.contains(token.as_str()), "{}", run.stderr);
    assert!(!run.stdout.contains(token.as_str()));
}

#[test]
fn a_browser_that_fails_is_one_line_with_the_way_out() {
    let t = console_env();
    t.login_corp();
    // TestEnv's BROWSER is `false`.
    t.run(["console", "-p", "dev"])
        .code(69)
        .error_line(&["the browser command `false` failed", "--url"]);
}

#[test]
fn sign_in_failures_are_one_line_with_a_documented_status() {
    let mut t = console_env();
    t.login_corp();
    t.fake.fail_next(Op::GetSigninToken, 400, "", "");
    t.run(["console", "-p", "dev", "--url"])
        .code(77)
        .error_line(&[
            "profile `dev`: the AWS sign-in endpoint refused the credentials (HTTP 400)",
            "--refresh",
        ]);
    t.fake.fail_next(Op::GetSigninToken, 503, "", "");
    t.run(["console", "-p", "dev", "--url"])
        .code(69)
        .error_line(&["the AWS sign-in endpoint failed (HTTP 503)"]);
    let port = free_port();
    t.var(
        "AWS_ENDPOINT_URL_SIGNIN",
        &format!("http://127.0.0.1:{port}"),
    );
    t.run(["console", "-p", "dev", "--url"])
        .code(69)
        .error_line(&[&format!(
            "cannot reach the AWS sign-in endpoint at http://127.0.0.1:{port}: connection refused"
        )]);
    t.run(["console", "-p", "dev", "--url", "--service", "S 3"])
        .code(2)
        .error_line(&["--service `S 3` is not a console service name"]);
    t.run(["console", "-p", "dev", "--url", "--duration", "1m"])
        .code(2)
        .error_line(&["--duration must be between 15m and 12h"]);
}

#[test]
fn without_a_token_and_a_terminal_console_asks_for_a_login() {
    let t = console_env();
    t.run(["console", "-p", "dev", "--url"])
        .code(77)
        .error_line(&["login needed", "ssox login -p dev"]);
    assert_eq!(t.fake.count(Op::GetSigninToken), 0);
}
