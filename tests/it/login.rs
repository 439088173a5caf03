//! `aws login` profiles (`login_session`): credentials from the login cache, one
//! DPoP-signed refresh for any number of processes, rotated refresh tokens written back for
//! the AWS CLI and botocore to use, races lost to them, `ssox login --console`, and the real
//! AWS CLI's `aws login` against the fake Sign-In service.

use std::fs;
use std::os::unix::fs::PermissionsExt;

use crate::support::fake_aws::{Op, now};
use crate::support::moto::moto_url;
use crate::support::{TestEnv, aws_cli, rfc3339, skipped};

const SESSION: &str = TestEnv::LOGIN_SESSION;

fn login_env() -> TestEnv {
    let t = TestEnv::new();
    t.config(&format!(
        "[profile signed]\nlogin_session = {SESSION}\nregion = us-east-1\n\n\
         [profile deploy]\nrole_arn = arn:aws:iam::123456789012:role/deploy\nsource_profile = signed\n"
    ));
    t
}

fn env_of(t: &TestEnv, profile: &str) -> crate::support::Run {
    t.run(["-p", profile, "--", "env"])
}

#[test]
fn an_expired_login_is_refreshed_once_and_the_rotated_token_is_written_back() {
    let t = login_env();
    let old_refresh = t.cache_login(now() - 60);
    let before = t.login_json();
    let run = env_of(&t, "signed");
    run.success();
    let keys = t.fake.login_keys();
    assert_eq!(keys.len(), 1);
    assert_eq!(
        run.env_var("AWS_ACCESS_KEY_ID").as_deref(),
        Some(keys[0].as_str())
    );
    assert_eq!(
        run.env_var("AWS_ACCOUNT_ID").as_deref(),
        Some("123456789012")
    );
    let after = t.login_json();
    let new_refresh = after["refreshToken"].as_str().unwrap();
    assert_ne!(new_refresh, old_refresh);
    assert!(!t.fake.login_refresh_valid(&old_refresh));
    assert!(t.fake.login_refresh_valid(new_refresh));
    for kept in ["clientId", "idToken", "dpopKey", "tokenType"] {
        assert_eq!(after[kept], before[kept], "{kept}");
    }
    assert_eq!(after["accessToken"]["accountId"], "123456789012");
    let mode = fs::metadata(t.login_cache_path(SESSION))
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o600);
    // Fresh for 15 minutes: the next run uses them as they are.
    let again = env_of(&t, "signed");
    again.success();
    assert_eq!(
        again.env_var("AWS_ACCESS_KEY_ID").as_deref(),
        Some(keys[0].as_str())
    );
    assert_eq!(t.fake.count(Op::SigninToken), 1);
}

#[test]
fn twenty_runs_on_an_expired_login_make_one_refresh() {
    let t = login_env();
    t.cache_login(now() - 60);
    let runs = t.run_parallel(20, &["-p", "signed", "--", "env"]);
    for r in &runs {
        r.success();
    }
    assert_eq!(t.fake.count(Op::SigninToken), 1);
    let key = t.fake.login_keys()[0].clone();
    assert!(
        runs.iter()
            .all(|r| r.env_var("AWS_ACCESS_KEY_ID").as_deref() == Some(key.as_str()))
    );
}

#[test]
fn an_ended_login_session_exits_77_naming_both_ways_to_sign_in_again() {
    let t = login_env();
    t.cache_login(now() - 60);
    let mut file = t.login_json();
    file["refreshToken"] = "revoked".into();
    fs::write(t.login_cache_path(SESSION), file.to_string()).unwrap();
    let run = env_of(&t, "signed");
    run.code(77)
        .final_error(&["sign-in needed", "session has ended", "TOKEN_EXPIRED"]);
    assert!(
        run.stderr.contains("ssox login -p signed"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("aws login --profile signed"),
        "{}",
        run.stderr
    );
    // Nothing the user had is lost.
    assert_eq!(t.login_json(), file);
    // No cache at all: the same exit, before any call.
    fs::remove_file(t.login_cache_path(SESSION)).unwrap();
    env_of(&t, "signed")
        .code(77)
        .final_error(&["not signed in here"]);
    assert_eq!(t.fake.count(Op::SigninToken), 1);
}

#[test]
fn a_refresh_that_loses_a_race_to_another_program_uses_the_winners_result() {
    let t = login_env();
    t.cache_login(now() - 60);
    let mut winner = t.login_json();
    winner["accessToken"]["accessKeyId"] = "ASIAWINNER".into();
    winner["accessToken"]["expiresAt"] = rfc3339(now() + 900).into();
    winner["refreshToken"] = "winners-refresh".into();
    t.fake
        .lose_next_login_race(t.login_cache_path(SESSION), winner);
    let run = env_of(&t, "signed");
    run.success();
    assert_eq!(
        run.env_var("AWS_ACCESS_KEY_ID").as_deref(),
        Some("ASIAWINNER")
    );
    assert_eq!(t.login_json()["refreshToken"], "winners-refresh");
}

#[test]
fn doctor_and_profiles_say_what_the_next_run_of_a_login_profile_does() {
    let t = login_env();
    t.cache_login(now() - 60);
    let doctor = t.run(["doctor", "-p", "signed"]);
    assert!(
        doctor.stdout.contains("refreshes the aws login session"),
        "{}",
        doctor.stdout
    );
    let profiles = t.run(["profiles"]);
    let line = profiles
        .stdout
        .lines()
        .find(|l| l.starts_with("signed"))
        .unwrap_or_else(|| panic!("{}", profiles.stdout));
    assert!(line.contains("login"), "{line}");
    assert!(line.contains("the next run refreshes them"), "{line}");
    assert_eq!(t.fake.count(Op::SigninToken), 0);
}

#[test]
fn a_role_chain_on_a_login_profile_assumes_with_the_sessions_credentials() {
    let mut t = login_env();
    t.var("AWS_ENDPOINT_URL_STS", moto_url());
    t.cache_login(now() - 60);
    let script = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/support/caller_identity.py"
    );
    let run = t.run(["-p", "deploy", "--", "python3", script]);
    run.success();
    assert!(
        run.stdout
            .trim()
            .starts_with("arn:aws:sts::123456789012:assumed-role/deploy/"),
        "{}",
        run.stdout
    );
    assert_eq!(t.fake.count(Op::SigninToken), 1);
}

#[test]
fn botocore_and_ssox_each_refresh_with_the_token_the_other_rotated() {
    let t = login_env();
    t.cache_login(now() - 60);
    // Short credentials: inside both refresh windows, so each reader refreshes.
    t.fake.set_login_ttl(200);
    let boto = t.python("botocore_creds.py", &["signed"]);
    assert_eq!(boto.lines().nth(3), Some("login"), "{boto}");
    assert_eq!(boto.lines().next(), Some(t.fake.login_keys()[0].as_str()));
    let run = env_of(&t, "signed");
    run.success();
    assert_eq!(
        run.env_var("AWS_ACCESS_KEY_ID").as_deref(),
        Some(t.fake.login_keys()[1].as_str())
    );
    let boto = t.python("botocore_creds.py", &["signed"]);
    assert_eq!(boto.lines().next(), Some(t.fake.login_keys()[2].as_str()));
    assert_eq!(t.fake.count(Op::SigninToken), 3);
}

#[test]
fn the_server_follows_a_login_sessions_refreshes() {
    let t = login_env();
    t.cache_login(now() - 60);
    t.fake.set_login_ttl(4);
    let child = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/support/server_child.py");
    let run = t.run([
        "-p", "signed", "--server", "--", "python3", child, "keys", "3",
    ]);
    run.success();
    assert!(run.stdout.contains("distinct keys: 3"), "{}", run.stdout);
    assert!(
        run.stdout.contains("account: 123456789012"),
        "{}",
        run.stdout
    );
}

#[test]
fn ssox_login_console_signs_in_writes_the_profile_and_the_aws_cli_uses_the_result() {
    let mut t = TestEnv::new();
    t.config("[default]\nregion = eu-west-1\n");
    t.with_fake_browser();
    let run = t.run_on_terminal(["login", "-p", "fresh", "--console", "--region", "us-east-1"]);
    run.success();
    let config = fs::read_to_string(t.path(".aws/config")).unwrap();
    assert!(
        config.ends_with(&format!(
            "[profile fresh]\nlogin_session = {SESSION}\nregion = us-east-1\n"
        )),
        "{config}"
    );
    let file = t.login_json();
    assert_eq!(file["clientId"], "arn:aws:signin:::devtools/same-device");
    assert_eq!(file["accessToken"]["accountId"], "123456789012");
    assert!(
        file["dpopKey"]
            .as_str()
            .unwrap()
            .starts_with("-----BEGIN EC PRIVATE KEY-----\n")
    );
    let key = t.fake.login_keys()[0].clone();
    // ssox's key signs a refresh the fake verifies.
    let refreshed = t.run(["-p", "fresh", "--refresh", "--", "env"]);
    refreshed.success();
    assert_eq!(t.fake.count(Op::SigninToken), 2);
    let Some(cli) = t.aws(&["configure", "export-credentials", "--profile", "fresh"]) else {
        return skipped("the AWS CLI v2 peer", "scripts/install-awscli2");
    };
    let cli = cli.success();
    assert!(
        cli.stdout.contains(&t.fake.login_keys()[1]),
        "{}",
        cli.stdout
    );
    assert_ne!(t.fake.login_keys()[1], key);
    assert_eq!(
        t.fake.count(Op::SigninToken),
        2,
        "the AWS CLI used ssox's cache as it was"
    );
}

#[test]
fn a_profile_the_real_aws_login_wrote_works_under_ssox() {
    if aws_cli().is_none() {
        return skipped("the AWS CLI v2 peer", "scripts/install-awscli2");
    }
    let mut t = TestEnv::new();
    t.config("");
    // The CLI opens its callback listener after the browser command returns: the browser
    // works in the background and waits for it.
    let browser = t.script(
        "browser",
        &format!(
            "#!/bin/sh\nFAKE_BROWSER_RETRY=1 python3 {}/tests/support/fake_browser.py \"$1\" >/dev/null 2>&1 &\n",
            env!("CARGO_MANIFEST_DIR")
        ),
    );
    t.var("BROWSER", &format!("{} %s", browser.display()));
    t.var("FAKE_BROWSER_LOG", t.path("browser.log").to_str().unwrap());
    // The region of the user's shell; the AWS CLI writes none into the profile then.
    t.var("AWS_REGION", "us-east-1");
    let cli = t.aws(&["login", "--profile", "cli"]).unwrap();
    cli.success();
    let config = fs::read_to_string(t.path(".aws/config")).unwrap();
    assert!(
        config.contains(&format!("login_session = {SESSION}")),
        "{config}"
    );
    let run = env_of(&t, "cli");
    run.success();
    assert_eq!(
        run.env_var("AWS_ACCESS_KEY_ID").as_deref(),
        Some(t.fake.login_keys()[0].as_str())
    );
    // A refresh signed with the key the AWS CLI made (awscrt's SEC1 PEM).
    let run = t.run(["-p", "cli", "--refresh", "--", "env"]);
    run.success();
    assert_eq!(
        run.env_var("AWS_ACCESS_KEY_ID").as_deref(),
        Some(t.fake.login_keys()[1].as_str())
    );
    assert_eq!(t.fake.count(Op::SigninToken), 2);
}
