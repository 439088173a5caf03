//! Every failure is one `ssox:` line naming what is wrong and the fix, with a documented exit
//! status, and never a panic.

use crate::support::*;

#[test]
fn an_unknown_profile_names_the_nearest_existing_ones() {
    let t = TestEnv::dev();
    t.run(["-p", "dve", "--", "true"]).code(78).error_line(&[
        "profile `dve` not found",
        "~/.aws/config",
        "did you mean `dev`",
    ]);
    t.run(["-p", "zzzzzzzz", "--", "true"])
        .code(78)
        .error_line(&["existing profiles: dev, legacy"]);
}

#[test]
fn no_config_files_at_all_says_how_to_create_one() {
    let t = TestEnv::new();
    t.run(["-p", "dev", "--", "true"]).code(78).error_line(&[
        "no profiles found",
        "neither file exists",
        "ssox configure --start-url URL --sso-region REGION",
    ]);
}

#[test]
fn a_role_the_token_cannot_use_lists_the_roles_it_can_with_a_guess() {
    let t = TestEnv::new();
    t.config(&DEV_CONFIG.replace("sso_role_name = readOnly", "sso_role_name = admn"));
    t.login_corp();
    t.fake.deny("111111111111", "admn");
    t.run(["-p", "dev", "--", "true"]).code(77).error_line(&[
        "refused role `admn` in account 111111111111",
        "roles you can use in account 111111111111: readOnly, admin; did you mean `admin`?",
        "fix sso_account_id or sso_role_name in profile `dev`",
    ]);
}

#[test]
fn an_account_the_token_cannot_use_lists_the_accounts_it_can_with_a_guess() {
    let t = TestEnv::new();
    t.config(&DEV_CONFIG.replace(
        "sso_account_id = 111111111111",
        "sso_account_id = 111111111112",
    ));
    t.login_corp();
    t.fake.deny("111111111112", "readOnly");
    t.run(["-p", "dev", "--", "true"]).code(77).error_line(&[
        "account 111111111112 is not one you can use",
        "111111111111 (dev), 222222222222 (prod), 333333333333 (Shared Services)",
        "did you mean 111111111111?",
    ]);
}

#[test]
fn a_profile_from_aws_profile_that_does_not_exist_says_where_it_came_from() {
    let mut t = TestEnv::dev();
    t.var("AWS_PROFILE", "deev");
    t.run(["--", "true"]).code(78).error_line(&[
        "profile `deev` (from AWS_PROFILE) not found",
        "did you mean `dev`?",
        "fix or unset AWS_PROFILE",
    ]);
}

#[test]
fn a_mistyped_or_quoted_sso_session_gets_a_fix() {
    let t = TestEnv::new();
    t.config(&DEV_CONFIG.replace("sso_session = corp", "sso_session = corpp"));
    t.run(["-p", "dev", "--", "true"]).code(78).error_line(&[
        "~/.aws/config line 2",
        "sso-session named `corpp`",
        "did you mean sso_session = corp?",
    ]);
    t.config(&DEV_CONFIG.replace("sso_session = corp", "sso_session = \"corp\""));
    t.run(["-p", "dev", "--", "true"]).code(78).error_line(&[
        "quotes are part of the value in AWS config files: write sso_session = corp",
    ]);
}

#[test]
fn a_config_section_without_the_profile_prefix_is_pointed_out() {
    let t = TestEnv::new();
    t.config(&format!("{DEV_CONFIG}\n[staging]\nregion = eu-west-1\n"));
    t.run(["-p", "staging", "--", "true"])
        .code(78)
        .error_line(&[
            "~/.aws/config line 18: [staging] is not a profile",
            "rename the section to [profile staging]",
        ]);
}

#[test]
fn a_subcommand_after_run_options_says_where_it_goes() {
    let t = TestEnv::dev();
    t.run(["-p", "prod", "doctor", "--check"])
        .code(2)
        .error_line(&[
            "`doctor` is a subcommand and goes first",
            "ssox doctor -p prod --check",
        ]);
}

#[test]
fn usage_errors_are_one_line_that_starts_with_ssox() {
    let t = TestEnv::dev();
    t.run(["--frmat", "env"]).code(2).error_line(&[
        "unknown option '--frmat' (did you mean '--format'?)",
        "see `ssox --help`",
    ]);
    t.run(["login", "--bogus"])
        .code(2)
        .error_line(&["unknown option '--bogus'", "see `ssox login --help`"]);
    // Never clap's advice to put the option after `--`, where ssox would take it as PROGRAM.
    let run = t.run(["--dryrun", "--", "true"]);
    run.code(2).error_line(&[
        "unknown option '--dryrun'",
        "ssox's own options go before `--`",
    ]);
    assert!(!run.stderr.contains("'-- --dryrun'"), "{}", run.stderr);
    // -v may stand before a subcommand, as the README says.
    t.run(["-v", "profiles"]).success();
    // A hint is a command that parses: configure takes no -p.
    t.run(["-p", "dev", "configure"]).code(2).error_line(&[
        "`configure` is a subcommand and goes first, before its options: ssox configure (`configure` takes no -p)",
    ]);
    t.run(["--format", "yaml"])
        .code(2)
        .error_line(&["invalid value 'yaml'", "possible values: process, env"]);
}

#[test]
fn without_a_terminal_and_without_a_profile_the_error_names_both_ways_to_give_one() {
    let t = TestEnv::dev();
    t.run(["--", "true"]).code(78).error_line(&[
        "no profile given (no -p, no AWS_PROFILE) and no [default] profile",
        "name one with -p NAME or AWS_PROFILE=NAME; profiles: dev, legacy",
    ]);
}

#[test]
fn with_stderr_captured_as_by_a_credential_process_the_error_says_so() {
    // stdin is a terminal (botocore passes the user's), stderr is a pipe.
    let t = TestEnv::dev();
    let out = std::process::Command::new("python3")
        .args([
            "-c",
            "import os, pty, subprocess, sys\n\
             master, slave = pty.openpty()\n\
             r = subprocess.run(sys.argv[1:], stdin=slave, capture_output=True)\n\
             sys.stdout.write(r.stderr.decode())\n\
             sys.exit(r.returncode)",
            SSOX,
            "-p",
            "dev",
            "--json",
        ])
        .envs(t.cmd(["x"]).get_envs().filter_map(|(k, v)| Some((k, v?))))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(77));
    let stderr = String::from_utf8_lossy(&out.stdout);
    assert!(
        stderr.contains("stderr is captured, as when ssox runs as a credential_process"),
        "{stderr}"
    );
}

#[test]
fn a_syntax_error_names_the_file_and_line() {
    let t = TestEnv::new();
    t.config("[profile dev]\nregion = us-east-1\n[profile broken\n");
    t.run(["-p", "dev", "--", "true"])
        .code(78)
        .error_line(&["~/.aws/config line 3", "must end with ']'"]);
}

#[test]
fn without_a_terminal_a_missing_token_fails_fast_naming_the_login_command() {
    let t = TestEnv::dev();
    t.run(["-p", "dev", "--", "true"]).code(77).error_line(&[
        "login needed",
        "sso-session `corp`",
        "no cached SSO token",
        "no terminal",
        "run `ssox login -p dev`",
    ]);
    t.run(["-p", "legacy", "--", "true"])
        .code(77)
        .error_line(&["https://legacy.awsapps.com/start", "ssox login -p legacy"]);
    assert_eq!(t.fake.total_requests(), 0);
}

#[test]
fn no_login_refuses_to_log_in_even_on_a_terminal() {
    let t = TestEnv::dev();
    t.run(["-p", "dev", "--no-login", "--", "true"])
        .code(77)
        .error_line(&["--no-login was given", "ssox login -p dev"]);
    assert_eq!(t.fake.total_requests(), 0);
}

#[test]
fn an_expired_token_is_reported_with_its_age() {
    let t = TestEnv::dev();
    let token = t.fake.issue_access_token(3600);
    t.cache_token(
        "corp",
        "https://corp.awsapps.com/start",
        &token,
        now() - 7200,
    );
    t.run(["-p", "dev", "--", "true"]).code(77).error_line(&[
        "expired at",
        "2h 0m ago",
        "ssox login -p dev",
    ]);
    assert_eq!(t.fake.total_requests(), 0);
}

#[test]
fn a_corrupt_token_file_counts_as_no_token() {
    let t = TestEnv::dev();
    let p = t.token_path("corp");
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(&p, "{\"accessToken\": \"SECRET-PART\", \"expi").unwrap();
    let run = t.run(["-p", "dev", "-v", "--", "true"]);
    run.code(77);
    assert!(
        run.stderr.contains("not a valid token (truncated"),
        "{}",
        run.stderr
    );
    assert!(!run.stderr.contains("SECRET-PART"));
    assert!(!run.stderr.contains("panicked"));
}

#[test]
fn broken_sso_profiles_get_the_sdk_errors() {
    let t = TestEnv::new();
    t.config(
        "[profile nosession]\nsso_session = oops\nsso_account_id = 1\nsso_role_name = r\n\
         [profile norole]\nsso_start_url = https://x/start\nsso_region = us-east-1\nsso_account_id = 1\n\
         [profile both]\nsso_session = s\nsso_region = us-east-1\n[sso-session s]\nsso_start_url = https://x\nsso_region = us-east-1\n\
         [profile loginonly]\nsso_session = s\n",
    );
    t.run(["-p", "nosession", "--", "true"])
        .code(78)
        .error_line(&[
            "~/.aws/config line 2",
            "sso-session named `oops` (referenced by profile `nosession`) was not found",
        ]);
    t.run(["-p", "norole", "--", "true"])
        .code(78)
        .error_line(&["if `sso_account_id` is set, then `sso_role_name` must also be set"]);
    t.run(["-p", "both", "--", "true"])
        .code(78)
        .error_line(&["`sso_region` can only be specified in the [sso-session] config"]);
    t.run(["-p", "loginonly", "--", "true"])
        .code(78)
        .error_line(&["sso_account_id and sso_role_name are required"]);
    assert_eq!(t.fake.total_requests(), 0);
}

#[test]
fn a_revoked_token_that_cannot_be_refreshed_is_a_login_error() {
    let t = TestEnv::dev();
    let token = t.login_corp();
    t.fake.revoke_access_token(&token);
    t.run(["-p", "dev", "--", "true"])
        .code(77)
        .error_line(&["rejected by the service", "ssox login -p dev"]);
    assert_eq!(t.fake.count(Op::GetRoleCredentials), 1);
}

#[test]
fn a_role_the_user_may_not_use_is_access_denied() {
    let t = TestEnv::dev();
    t.login_corp();
    t.fake.deny("111111111111", "readOnly");
    t.run(["-p", "dev", "--", "true"]).code(77).error_line(&[
        "access denied",
        "role `readOnly` in account 111111111111",
        "sso_role_name",
    ]);
}

#[test]
fn an_unreachable_service_is_exit_69() {
    let mut t = TestEnv::dev();
    t.login_corp();
    // A port that was just free: nothing listens there.
    let port = free_port();
    t.var("AWS_ENDPOINT_URL_SSO", &format!("http://127.0.0.1:{port}"));
    // One short line naming the endpoint: no SDK error chain, no timeout advice.
    let run = t.run(["-p", "dev", "--", "true"]);
    run.code(69).error_line(&[&format!(
        "cannot reach the SSO portal at http://127.0.0.1:{port}: connection refused"
    )]);
    assert!(!run.stderr.contains("dispatch failure") && !run.stderr.contains("SSOX_HTTP_TIMEOUT"));
}

#[test]
fn a_service_that_never_answers_times_out_instead_of_hanging() {
    let mut t = TestEnv::dev();
    t.login_corp();
    t.fake.hang(Op::GetRoleCredentials);
    t.var("SSOX_HTTP_TIMEOUT", "1");
    t.run(["-p", "dev", "--", "true"])
        .code(69)
        .error_line(&["did not answer within 1s", "SSOX_HTTP_TIMEOUT"]);
}

#[test]
fn server_errors_are_exit_69() {
    let t = TestEnv::dev();
    t.login_corp();
    for _ in 0..3 {
        t.fake.fail_next(
            Op::GetRoleCredentials,
            500,
            "InternalServerException",
            "boom",
        );
    }
    t.run(["-p", "dev", "--", "true"])
        .code(69)
        .error_line(&["SSO portal failed", "boom"]);
}

#[test]
fn garbage_config_files_never_panic() {
    let t = TestEnv::new();
    let junk: Vec<u8> = (0..2048u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    std::fs::create_dir_all(t.path(".aws")).unwrap();
    std::fs::write(t.path(".aws/config"), &junk).unwrap();
    let run = t.run(["-p", "dev", "--", "true"]);
    run.code(78);
    assert!(!run.stderr.contains("panicked"));
    t.write(".aws/config", "\u{feff}[profile dev]\n");
    t.run(["-p", "dev", "--", "true"])
        .code(78)
        .error_line(&["byte-order mark"]);
}

#[test]
fn usage_errors_exit_2_and_help_documents_the_exit_statuses() {
    let t = TestEnv::new();
    t.run(["--no-such-flag"]).code(2);
    t.run(["-p", "dev", "terraform", "plan"])
        .code(2)
        .error_line(&[
            "unexpected argument 'terraform'",
            "ssox -p PROFILE -- terraform",
        ]);
    let help = t.run(["--help"]);
    help.success();
    for row in [
        "69   an AWS service failed",
        "77   login needed",
        "78   configuration error",
        "127  PROGRAM not found",
    ] {
        assert!(help.stdout.contains(row), "missing {row:?}");
    }
    // --version: tooling::version_names_the_release_and_the_commit_it_was_built_from.
}

#[test]
fn a_service_error_without_details_still_names_the_profile_operation_and_status() {
    let t = TestEnv::dev();
    t.login_corp();
    for _ in 0..3 {
        t.fake.fail_next(Op::GetRoleCredentials, 503, "", "");
    }
    t.run(["-p", "dev", "--", "true"]).code(69).error_line(&[
        "profile `dev`: the SSO portal failed GetRoleCredentials: HTTP 503 Service Unavailable, with no error details",
        "try again in a minute",
    ]);
}

#[test]
fn an_sts_answer_that_is_not_xml_is_a_clear_line() {
    let mut t = TestEnv::new();
    t.config(
        "[profile keys]\naws_access_key_id = AKIAEXAMPLE\naws_secret_access_key = s\n\
         [profile role]\nrole_arn = arn:aws:iam::123456789012:role/r\nsource_profile = keys\n",
    );
    // The fake is no STS: it answers 404 with a JSON body.
    let url = t.fake.url().to_string();
    t.var("AWS_ENDPOINT_URL_STS", &url);
    let run = t.run(["-p", "role", "--", "true"]);
    run.code(77).error_line(&[
        "profile `role`: STS refused AssumeRole of arn:aws:iam::123456789012:role/r",
        "HTTP 404",
    ]);
}

#[test]
fn a_huge_profile_name_gets_a_short_answer_quickly() {
    let t = TestEnv::new();
    let long: Vec<String> = (0..5).map(|i| format!("{i}{}", "p".repeat(2000))).collect();
    t.config(
        &long
            .iter()
            .map(|n| format!("[profile {n}]\nregion = x\n"))
            .collect::<String>(),
    );
    let huge = "q".repeat(100_000);
    let run = t.run(["-p", &huge, "--", "true"]);
    run.code(78).error_line(&["not found", "more characters)"]);
    assert!(run.stderr.len() < 2500, "{} bytes", run.stderr.len());
    let run = t.run(["-p", "dev", "--", &huge]);
    run.code(127).error_line(&["command not found"]);
    assert!(run.stderr.len() < 300, "{} bytes", run.stderr.len());
}

#[test]
fn expired_role_credentials_from_the_portal_are_neither_used_nor_cached() {
    let t = TestEnv::dev();
    t.login_corp();
    t.fake.set_role_ttl(-60);
    let run = t.run(["-p", "dev", "--json"]);
    run.code(69).error_line(&[
        "GetRoleCredentials (account 111111111111, role readOnly) gave credentials that expired at",
    ]);
    assert_eq!(run.stdout, "", "nothing printed");
    let cached = std::fs::read_dir(t.path(".aws/cli/cache"))
        .map(|d| d.count())
        .unwrap_or(0);
    assert_eq!(cached, 0, "nothing cached");
}
