//! Real peers: botocore (the AWS SDK for Python, which the AWS CLI embeds) reads and
//! refreshes what ssox writes, and ssox uses what botocore wrote.

use crate::support::*;

fn botocore_token(t: &TestEnv, profile: &str) -> String {
    t.python("botocore_token.py", &[profile]).trim().to_string()
}

#[test]
fn botocore_refreshes_a_token_ssox_wrote_and_ssox_uses_the_one_botocore_wrote() {
    let mut t = TestEnv::dev();
    t.with_fake_browser();
    // ssox logs in; the token it caches has 10 minutes left, so botocore must refresh it.
    t.fake.set_token_ttl(600);
    t.run(["login", "-p", "dev"]).success();
    let ssox_token = t.token_json("corp")["accessToken"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(t.fake.count(Op::CreateToken), 1);

    t.fake.set_token_ttl(8 * 3600);
    let botocore_token = botocore_token(&t, "dev");
    assert_eq!(
        t.fake.count(Op::CreateToken),
        2,
        "botocore refreshed with ssox's refresh token"
    );
    assert_ne!(botocore_token, ssox_token);
    let cached = t.token_json("corp");
    assert_eq!(cached["accessToken"], botocore_token.as_str());

    // ssox takes botocore's token as it is: no refresh, no login.
    t.run(["-p", "dev", "--", "true"]).success();
    assert_eq!(t.fake.count(Op::CreateToken), 2);
    let used = &t.fake.requests(Op::GetRoleCredentials)[0];
    assert_eq!(used.headers["x-amz-sso_bearer_token"], botocore_token);
}

#[test]
fn botocore_reads_a_token_ssox_refreshed() {
    let t = TestEnv::dev();
    t.cache_refreshable_corp(60);
    t.run(["-p", "dev", "--", "true"]).success();
    let refreshed = t.token_json("corp")["accessToken"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(botocore_token(&t, "dev"), refreshed);
    assert_eq!(
        t.fake.count(Op::CreateToken),
        1,
        "botocore found it fresh and did not refresh"
    );
}

const NO_AWS_CLI: &str = "set SSOX_TEST_AWS_CLI, or run scripts/install-awscli2";

#[test]
fn the_aws_cli_and_ssox_share_one_login_refresh_and_credentials() {
    let t = TestEnv::dev();
    // ssox logs in (PKCE through the fake browser) with a token that lasts 10 minutes.
    let mut t = t;
    t.with_fake_browser();
    t.fake.set_token_ttl(600);
    t.run(["login", "-p", "dev"]).success();
    t.fake.set_token_ttl(8 * 3600);
    // The AWS CLI refreshes that token with ssox's refresh token and gets role credentials.
    let Some(cli) = t.aws(&[
        "configure",
        "export-credentials",
        "--profile",
        "dev",
        "--format",
        "process",
    ]) else {
        return skipped("the AWS CLI v2", NO_AWS_CLI);
    };
    cli.success();
    let from_cli: serde_json::Value = serde_json::from_str(&cli.stdout).unwrap();
    assert_eq!(t.fake.count(Op::CreateToken), 2, "one login, one refresh");
    assert_eq!(t.fake.count(Op::GetRoleCredentials), 1);
    // ssox uses the CLI's token and the role credentials it cached: no call at all.
    let from_ssox: serde_json::Value =
        serde_json::from_str(&t.run(["-p", "dev", "--json"]).success().stdout).unwrap();
    assert_eq!(from_ssox["AccessKeyId"], from_cli["AccessKeyId"]);
    assert_eq!(t.fake.count(Op::GetRoleCredentials), 1);
    assert_eq!(t.fake.count(Op::CreateToken), 2);
    assert_eq!(
        t.token_json("corp")["accessToken"],
        t.fake.requests(Op::GetRoleCredentials)[0].headers["x-amz-sso_bearer_token"]
    );
}

#[test]
fn the_aws_cli_as_program_sees_the_sdk_region_order() {
    let mut t = TestEnv::dev();
    t.login_corp();
    if aws_cli().is_none() {
        return skipped("the AWS CLI v2", NO_AWS_CLI);
    }
    let cli = aws_cli().unwrap();
    t.var("AWS_REGION", "eu-west-1");
    let run = t.run([
        "-p",
        "dev",
        "--",
        cli.to_str().unwrap(),
        "configure",
        "list",
    ]);
    let out = &run.success().stdout;
    let region = out
        .lines()
        .find(|l| l.trim_start().starts_with("region"))
        .unwrap();
    assert!(region.contains("eu-west-1"), "{out}");
    // The same as the AWS CLI itself with the profile.
    let direct = t.aws(&["configure", "list", "--profile", "dev"]).unwrap();
    let direct_region = direct
        .success()
        .stdout
        .lines()
        .find(|l| l.trim_start().starts_with("region"))
        .unwrap()
        .to_string();
    assert!(direct_region.contains("eu-west-1"), "{direct_region}");
}

#[test]
fn quoted_profile_and_session_names_work_with_ssox_and_botocore_alike() {
    let t = TestEnv::new();
    t.config(
        "[profile 'team prof']\nsso_session = my corp\nsso_account_id = 111111111111\nsso_role_name = readOnly\n\
         [sso-session \"my corp\"]\nsso_start_url = https://corp.awsapps.com/start\nsso_region = us-east-1\n",
    );
    // The token cache is named after the unquoted session name, as the AWS CLI names it.
    let access = t.fake.issue_access_token(3600);
    t.cache_token(
        "my corp",
        "https://corp.awsapps.com/start",
        &access,
        now() + 3600,
    );
    t.run(["-p", "team prof", "--", "true"]).success();
    assert_eq!(
        t.fake.requests(Op::GetRoleCredentials)[0].headers["x-amz-sso_bearer_token"],
        access
    );
    assert_eq!(botocore_token(&t, "team prof"), access);
    assert_eq!(
        t.run(["profiles", "--names"]).success().stdout,
        "team prof\n"
    );
}
