//! Every kind of profile: role chains from SSO (against moto's real STS), static keys,
//! credential_process, web identity, credential_source, MFA, cycles.

use std::fs;

use crate::support::*;

const ACCOUNT: &str = "123456789012";

fn chain_env() -> TestEnv {
    let mut t = TestEnv::new();
    let token_file = t.write(
        "token.jwt",
        "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ0ZXN0In0.c2ln\n",
    );
    t.config(&format!(
        "{DEV_CONFIG}{WORKLOAD_CONFIG}
[profile deeper]
role_arn = arn:aws:iam::{ACCOUNT}:role/deeper
source_profile = workload
role_session_name = deep-session

[profile webid]
role_arn = arn:aws:iam::{ACCOUNT}:role/webid
web_identity_token_file = {}
role_session_name = web-session

[profile from-webid]
role_arn = arn:aws:iam::{ACCOUNT}:role/afterweb
source_profile = webid

[profile mfa-role]
role_arn = arn:aws:iam::{ACCOUNT}:role/mfa
source_profile = keys
mfa_serial = arn:aws:iam::{ACCOUNT}:mfa/alice

[profile from-env]
role_arn = arn:aws:iam::{ACCOUNT}:role/fromenv
credential_source = Environment

[profile from-imds]
role_arn = arn:aws:iam::{ACCOUNT}:role/x
credential_source = Ec2InstanceMetadata

[profile loop-a]
role_arn = arn:aws:iam::{ACCOUNT}:role/a
source_profile = loop-b

[profile loop-b]
role_arn = arn:aws:iam::{ACCOUNT}:role/b
source_profile = loop-a
",
        token_file.display()
    ));
    t.credentials("[keys]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\naws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n");
    t.var("AWS_ENDPOINT_URL_STS", moto_url());
    t
}

fn caller_arn(t: &TestEnv, profile: &str) -> Run {
    let script = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/support/caller_identity.py"
    );
    t.run(["-p", profile, "--", "python3", script])
}

#[test]
fn sso_then_role_runs_as_the_assumed_role_in_the_chained_profiles_region() {
    let t = chain_env();
    t.login_corp();
    let run = caller_arn(&t, "workload");
    run.success();
    let arn = run.stdout.trim();
    assert!(
        arn.starts_with(&format!(
            "arn:aws:sts::{ACCOUNT}:assumed-role/workload/ssox-"
        )),
        "{arn}"
    );
    assert_eq!(t.fake.count(Op::GetRoleCredentials), 1);
    let env = t.run(["-p", "workload", "--", "env"]);
    assert_eq!(
        env.success().env_var("AWS_REGION").as_deref(),
        Some("eu-central-1")
    );
    // The hop is cached under the AWS CLI's key (a generated session name is not part of it).
    let key = sha1_hex(&format!(
        r#"{{"RoleArn": "arn:aws:iam::{ACCOUNT}:role/workload"}}"#
    ));
    let entry: serde_json::Value = serde_json::from_str(
        &fs::read_to_string(t.path(&format!(".aws/cli/cache/{key}.json"))).unwrap(),
    )
    .unwrap();
    assert!(
        entry["Credentials"]["Expiration"]
            .as_str()
            .unwrap()
            .ends_with("UTC")
    );
    assert_eq!(entry["Credentials"]["AccountId"], ACCOUNT);
    assert!(
        entry["AssumedRoleUser"]["Arn"]
            .as_str()
            .unwrap()
            .contains("assumed-role/workload/")
    );
}

#[test]
fn two_hops_use_the_session_name_and_a_warm_run_reuses_the_cache() {
    let t = chain_env();
    t.login_corp();
    let run = caller_arn(&t, "deeper");
    run.success();
    assert_eq!(
        run.stdout.trim(),
        format!("arn:aws:sts::{ACCOUNT}:assumed-role/deeper/deep-session")
    );
    let first = t.run(["-p", "deeper", "--", "env"]);
    let second = t.run(["-p", "deeper", "-v", "--", "env"]);
    assert_eq!(
        first.success().env_var("AWS_ACCESS_KEY_ID"),
        second.success().env_var("AWS_ACCESS_KEY_ID")
    );
    assert!(second.stderr.contains("chain: SSO sso-session corp (profile dev, 111111111111/readOnly) -> arn:aws:iam::123456789012:role/workload (profile workload) -> arn:aws:iam::123456789012:role/deeper (profile deeper)"), "{}", second.stderr);
    assert!(
        !second.stderr.contains("AssumeRole "),
        "warm run called STS: {}",
        second.stderr
    );
    assert_eq!(t.fake.count(Op::GetRoleCredentials), 1);
    // --refresh walks the whole chain again.
    t.run(["-p", "deeper", "--refresh", "--", "true"]).success();
    assert_eq!(t.fake.count(Op::GetRoleCredentials), 2);
}

#[test]
fn parallel_runs_of_a_chain_assume_each_role_once() {
    let t = chain_env();
    t.login_corp();
    let mut keys = std::collections::BTreeSet::new();
    for run in t.run_parallel(12, &["-p", "deeper", "--json"]) {
        run.success();
        let json: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
        keys.insert(json["AccessKeyId"].as_str().unwrap().to_string());
    }
    // Every AssumeRole gives new keys: one set of keys means one call per hop.
    assert_eq!(keys.len(), 1, "{keys:?}");
    assert_eq!(t.fake.count(Op::GetRoleCredentials), 1);
}

#[test]
fn static_keys_then_role() {
    let t = chain_env();
    let run = caller_arn(&t, "static-role");
    run.success();
    assert!(
        run.stdout.contains("assumed-role/fromstatic/ssox-"),
        "{}",
        run.stdout
    );
    assert_eq!(t.fake.total_requests(), 0);
}

#[test]
fn web_identity_and_a_role_on_top_of_it() {
    let t = chain_env();
    let run = caller_arn(&t, "webid");
    run.success();
    assert_eq!(
        run.stdout.trim(),
        format!("arn:aws:sts::{ACCOUNT}:assumed-role/webid/web-session")
    );
    let run = caller_arn(&t, "from-webid");
    run.success();
    assert!(
        run.stdout.contains("assumed-role/afterweb/ssox-"),
        "{}",
        run.stdout
    );
}

#[test]
fn mfa_code_from_the_flag_and_an_error_without_terminal_or_flag() {
    let t = chain_env();
    t.run(["-p", "mfa-role", "--", "true"])
        .code(77)
        .error_line(&[
            "needs an MFA code",
            "arn:aws:iam::123456789012:mfa/alice",
            "--mfa-token",
        ]);
    let run = t.run(["-p", "mfa-role", "--mfa-token", "123456", "--", "env"]);
    assert!(run.success().env_var("AWS_SESSION_TOKEN").is_some());
}

#[test]
fn a_credential_process_with_stderr_captured_is_never_asked_for_an_mfa_code() {
    // As botocore runs a credential_process: the user's terminal as stdin, stderr captured.
    let t = chain_env();
    let err = t.path("captured.txt");
    let ssox = env!("CARGO_BIN_EXE_ssox");
    let run = t.program_on_terminal(
        "sh",
        &[
            "-c",
            &format!(
                "{ssox} -p mfa-role --format process 2>{}; echo status=$?",
                err.display()
            ),
        ],
    );
    assert!(run.stdout.contains("status=77"), "{}", run.stdout);
    assert!(
        !run.stdout.contains("MFA code for"),
        "asked: {}",
        run.stdout
    );
    let captured = std::fs::read_to_string(&err).unwrap();
    assert!(
        captured.contains("needs an MFA code") && captured.contains("stderr is captured"),
        "{captured}"
    );
}

#[test]
fn mfa_code_is_asked_for_on_the_terminal() {
    let mut t = chain_env();
    t.var("PTY_PROMPT", "MFA code for")
        .var("PTY_ANSWER", "654321");
    let run = t.run_on_terminal(["-p", "mfa-role", "--", "sh", "-c", "echo ROLE-OK"]);
    run.success();
    assert!(
        run.stdout
            .contains("MFA code for arn:aws:iam::123456789012:mfa/alice: "),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("ROLE-OK"), "{}", run.stdout);
}

#[test]
fn credential_source_environment_and_unsupported_sources() {
    let mut t = chain_env();
    t.run(["-p", "from-env", "--", "true"])
        .code(78)
        .error_line(&["credential_source = Environment", "AWS_ACCESS_KEY_ID"]);
    t.var("AWS_ACCESS_KEY_ID", "AKIAENVEXAMPLE")
        .var("AWS_SECRET_ACCESS_KEY", "envsecret");
    let run = caller_arn(&t, "from-env");
    run.success();
    assert!(
        run.stdout.contains("assumed-role/fromenv/"),
        "{}",
        run.stdout
    );
    t.run(["-p", "from-imds", "--", "true"])
        .code(78)
        .error_line(&[
            "Ec2InstanceMetadata",
            "does not support",
            "never contacts instance",
        ]);
}

#[test]
fn a_cycle_is_an_error_naming_its_profiles() {
    let t = chain_env();
    t.run(["-p", "loop-a", "--", "true"])
        .code(78)
        .error_line(&["infinite loop", "loop-a -> loop-b -> loop-a"]);
}

fn process_env(command: &str) -> TestEnv {
    let t = TestEnv::new();
    t.config(&format!(
        "[profile proc]\ncredential_process = {command}\nregion = ap-southeast-2\n"
    ));
    t
}

#[test]
fn credential_process_output_becomes_the_credentials() {
    let t = process_env("");
    let script = t.script(
        "creds",
        "#!/bin/sh\necho \"called with: $1 $2\" >&2\necho '{\"Version\": 1, \"AccessKeyId\": \"AKIAPROC\", \"SecretAccessKey\": \"procsecret\", \"SessionToken\": \"proctoken\", \"Expiration\": \"2099-01-01T00:00:00Z\"}'\n",
    );
    t.config(&format!(
        "[profile proc]\ncredential_process = {} --name \"two words\"\nregion = ap-southeast-2\n",
        script.display()
    ));
    let run = t.run(["-p", "proc", "--", "env"]);
    run.success();
    assert_eq!(
        run.env_var("AWS_ACCESS_KEY_ID").as_deref(),
        Some("AKIAPROC")
    );
    assert_eq!(
        run.env_var("AWS_CREDENTIAL_EXPIRATION").as_deref(),
        Some("2099-01-01T00:00:00Z")
    );
    assert!(
        run.stderr.contains("called with: --name two words"),
        "stderr passes through: {}",
        run.stderr
    );
}

#[test]
fn a_process_without_account_id_takes_the_profiles_and_expired_output_is_refused() {
    let t = process_env("");
    let fresh = t.script(
        "fresh",
        "#!/bin/sh\necho '{\"Version\": 1, \"AccessKeyId\": \"AKIAPROC\", \"SecretAccessKey\": \"s\", \"Expiration\": \"2099-01-01T00:00:00Z\"}'\n",
    );
    let stale = t.script(
        "stale",
        "#!/bin/sh\necho '{\"Version\": 1, \"AccessKeyId\": \"AKIAOLD\", \"SecretAccessKey\": \"s\", \"Expiration\": \"2020-01-01T00:00:00Z\"}'\n",
    );
    t.config(&format!(
        "[profile proc]\ncredential_process = {}\naws_account_id = 123456789012\n\
         [profile old]\ncredential_process = {}\n",
        fresh.display(),
        stale.display()
    ));
    let json: serde_json::Value =
        serde_json::from_str(&t.run(["-p", "proc", "--json"]).success().stdout).unwrap();
    assert_eq!(json["AccountId"], "123456789012");
    let run = t.run(["-p", "old", "--", "env"]);
    run.code(69).error_line(&[
        "the credential_process of profile `old` gave credentials that expired at 2020-01-01T00:00:00Z",
    ]);
    assert!(!run.stdout.contains("AKIAOLD"));
    t.run(["-p", "old", "--json"]).code(69);
}

#[test]
fn credential_process_failures_are_clear() {
    let t = process_env("");
    let bad_json = t.script("bad", "#!/bin/sh\necho 'SECRETISH not json'\n");
    let failing = t.script(
        "fail",
        "#!/bin/sh\necho 'token expired, log in' >&2\nexit 3\n",
    );
    let slow = t.script("slow", "#!/bin/sh\nexec sleep 30\n");
    t.config(&format!("[profile bad]\ncredential_process = {}\n[profile fail]\ncredential_process = {}\n[profile slow]\ncredential_process = {}\n[profile missing]\ncredential_process = /no/such/tool\n",
        bad_json.display(), failing.display(), slow.display()));
    let run = t.run(["-p", "bad", "--", "true"]);
    run.code(69)
        .error_line(&["profile `bad`", "not credential JSON"]);
    assert!(!run.stderr.contains("SECRETISH"));
    let run = t.run(["-p", "fail", "--", "true"]);
    run.code(69)
        .final_error(&["profile `fail`", "exited with status 3"]);
    assert!(run.stderr.contains("token expired, log in"));
    t.run(["-p", "slow", "--process-timeout", "1s", "--", "true"])
        .code(75)
        .error_line(&["did not finish within 1s", "--process-timeout"]);
    t.run(["-p", "missing", "--", "true"])
        .code(78)
        .error_line(&["cannot run credential_process `/no/such/tool`"]);
}

#[test]
fn a_process_that_leaves_a_child_holding_its_output_is_stopped_at_the_deadline() {
    let t = process_env("");
    let creds = t.write(
        "creds.json",
        r#"{"Version": 1, "AccessKeyId": "AKIAPROC", "SecretAccessKey": "s"}"#,
    );
    let pidfile = t.path("lingering.pid");
    let lingering = t.script(
        "lingering",
        &format!(
            "#!/bin/sh\ncat {}\n(sleep 600 & echo $! > {})\nexit 0\n",
            creds.display(),
            pidfile.display()
        ),
    );
    t.config(&format!(
        "[profile proc]\ncredential_process = {}\n",
        lingering.display()
    ));
    t.run(["-p", "proc", "--process-timeout", "1s", "--", "true"])
        .code(75)
        .error_line(&[
            "ended, but a process it started kept its output open past 1s",
            "--process-timeout",
        ]);
    // The process it left behind was stopped with it (gone, or a zombie nobody reaped yet).
    let pid = std::fs::read_to_string(&pidfile)
        .unwrap()
        .trim()
        .to_string();
    let ps = std::process::Command::new("ps")
        .args(["-o", "stat=", "-p", &pid])
        .output()
        .unwrap();
    let state = String::from_utf8_lossy(&ps.stdout).trim().to_string();
    assert!(
        state.is_empty() || state.starts_with('Z'),
        "sleep {pid} is {state}"
    );
}

#[test]
fn more_than_a_mebibyte_of_output_is_said_to_be_over_the_limit() {
    let t = process_env("");
    let big = t.script("big", "#!/bin/sh\nhead -c 2000000 /dev/zero | tr '\\0' x\n");
    t.config(&format!(
        "[profile proc]\ncredential_process = {}\n",
        big.display()
    ));
    t.run(["-p", "proc", "--", "true"])
        .code(69)
        .error_line(&["printed more than 1 MiB"]);
}

#[test]
fn a_credential_process_that_calls_ssox_for_its_own_profile_fails_instead_of_looping() {
    let t = process_env(&format!("{SSOX} -p proc --json"));
    let run = t.run(["-p", "proc", "--json"]);
    assert_ne!(run.code, Some(0));
    assert!(run.stderr.contains("loops"), "{}", run.stderr);
    assert!(run.stdout.is_empty());
}

#[test]
fn server_mode_serves_a_role_chain() {
    let t = chain_env();
    t.login_corp();
    let script = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/support/caller_identity.py"
    );
    let run = t.run(["-p", "deeper", "--server", "--", "python3", script]);
    run.success();
    assert_eq!(
        run.stdout.trim(),
        format!("arn:aws:sts::{ACCOUNT}:assumed-role/deeper/deep-session")
    );
}
