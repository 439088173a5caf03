//! `ssox configure`: from a start URL to one profile per account and role, written the way a
//! person would edit the file (every other byte kept), idempotent, and read alike by ssox,
//! botocore and the AWS CLI v2. Also the profile picker of a run without a profile.

use std::fs;
use std::os::unix::fs::PermissionsExt;

use crate::support::fake_aws::{Account, default_directory};
use crate::support::*;

const URL: &str = "https://corp.awsapps.com/start";

/// `ssox configure` for sso-session `corp` at the fake.
const CONFIGURE: [&str; 7] = [
    "configure",
    "--start-url",
    URL,
    "--sso-region",
    "us-east-1",
    "--sso-session",
    "corp",
];

/// `ssox configure` for sso-session `corp`, with `extra` arguments.
fn configure_args<'a>(extra: &[&'a str]) -> Vec<&'a str> {
    let mut args = CONFIGURE.to_vec();
    args.extend_from_slice(extra);
    args
}

fn configure(t: &TestEnv, extra: &[&str]) -> Run {
    t.run(configure_args(extra))
}

/// The profile names in the config file, in file order.
fn profile_headers(t: &TestEnv) -> Vec<String> {
    fs::read_to_string(t.path(".aws/config"))
        .unwrap_or_default()
        .lines()
        .filter_map(|l| l.strip_prefix("[profile ")?.strip_suffix(']'))
        .map(str::to_string)
        .collect()
}

const ALL: [&str; 7] = [
    "Shared-Services.AdministratorAccess",
    "Shared-Services.Billing",
    "Shared-Services.ReadOnlyAccess",
    "dev.admin",
    "dev.readOnly",
    "prod.admin",
    "prod.readOnly",
];

#[test]
fn configure_writes_every_role_over_several_pages_and_a_second_run_changes_nothing() {
    let t = TestEnv::new();
    t.login_corp();
    let run = configure(&t, &["--yes"]);
    run.success();
    // Three accounts and up to three roles each, two to a page: every page was read.
    assert_eq!(t.fake.count(Op::ListAccounts), 2);
    assert_eq!(t.fake.count(Op::ListAccountRoles), 4);
    let mut names = profile_headers(&t);
    names.sort();
    assert_eq!(names, ALL);
    let text = fs::read_to_string(t.path(".aws/config")).unwrap();
    assert!(
        text.starts_with(
            "[sso-session corp]\nsso_start_url = https://corp.awsapps.com/start\nsso_region = us-east-1\nsso_registration_scopes = sso:account:access\n\n"
        ),
        "{text}"
    );
    assert!(
        text.contains(
            "[profile dev.admin]\nsso_session = corp\nsso_account_id = 111111111111\nsso_role_name = admin\nregion = us-east-1\nssox_generated = true\n"
        ),
        "{text}"
    );
    assert!(
        run.stderr
            .contains("added 7 profiles and the sso-session in ~/.aws/config"),
        "{}",
        run.stderr
    );
    assert_eq!(
        fs::metadata(t.path(".aws/config"))
            .unwrap()
            .permissions()
            .mode()
            & 0o777,
        0o600
    );
    // Every generated profile works.
    let env = t.run(["-p", "Shared-Services.Billing", "--", "env"]);
    env.success();
    let creds = t.fake.requests(Op::GetRoleCredentials);
    assert_eq!(creds[0].query["account_id"], "333333333333");
    assert_eq!(creds[0].query["role_name"], "Billing");

    let again = configure(&t, &["--yes"]);
    again.success();
    assert_eq!(again.stdout, "", "no diff the second time");
    assert!(
        again.stderr.contains("nothing to change"),
        "{}",
        again.stderr
    );
    assert_eq!(fs::read_to_string(t.path(".aws/config")).unwrap(), text);
}

#[test]
fn configure_keeps_every_byte_of_the_file_and_roles_that_already_have_a_profile() {
    let t = TestEnv::new();
    let before = format!(
        "# my settings\r\n[default]\r\nregion = eu-west-1 ; keep\r\n\r\n{}",
        DEV_CONFIG.replace('\n', "\r\n")
    );
    let path = t.config(&before);
    fs::set_permissions(&path, fs::Permissions::from_mode(0o644)).unwrap();
    t.login_corp();
    configure(&t, &["--yes", "--region", "eu-central-1"]).success();
    let after = fs::read_to_string(&path).unwrap();
    assert!(after.starts_with(&before), "{after}");
    assert!(!after.replace("\r\n", "").contains('\n'), "CRLF kept");
    // `dev` (hand-written) already gives 111111111111/readOnly: no twin is written.
    let names = profile_headers(&t);
    assert!(!names.iter().any(|n| n == "dev.readOnly"), "{names:?}");
    assert!(names.iter().any(|n| n == "dev.admin"));
    assert!(
        after.contains(
            "sso_role_name = admin\r\nregion = eu-central-1\r\nssox_generated = true\r\n"
        )
    );
    // The session existed: not written twice.
    assert_eq!(after.matches("[sso-session corp]").count(), 1);
    assert_eq!(
        fs::metadata(&path).unwrap().permissions().mode() & 0o777,
        0o644,
        "the file's mode is kept"
    );
}

#[test]
fn configure_edits_the_file_a_symlinked_config_points_to() {
    let t = TestEnv::new();
    let real = t.write(
        "dotfiles/aws-config",
        "[profile mine]\nregion = eu-west-1\n",
    );
    fs::create_dir_all(t.path(".aws")).unwrap();
    std::os::unix::fs::symlink(&real, t.path(".aws/config")).unwrap();
    t.login_corp();
    configure(&t, &["--yes"]).success();
    assert!(
        fs::symlink_metadata(t.path(".aws/config"))
            .unwrap()
            .file_type()
            .is_symlink()
    );
    assert!(
        fs::read_to_string(&real)
            .unwrap()
            .contains("[profile dev.admin]")
    );
}

#[test]
fn dry_run_shows_a_unified_diff_and_writes_nothing() {
    let t = TestEnv::new();
    let path = t.config("[profile mine]\nregion = eu-west-1\n");
    t.login_corp();
    let run = configure(&t, &["--dry-run"]);
    run.success();
    assert!(
        run.stdout.starts_with(
            "--- ~/.aws/config\n+++ ~/.aws/config\n@@ -1,2 +1,56 @@\n [profile mine]\n region = eu-west-1\n+\n+[sso-session corp]\n"
        ),
        "{}",
        run.stdout
    );
    assert!(run.stderr.contains("dry run"), "{}", run.stderr);
    assert_eq!(
        fs::read_to_string(&path).unwrap(),
        "[profile mine]\nregion = eu-west-1\n"
    );
}

#[test]
fn without_a_terminal_and_without_yes_the_diff_is_shown_and_nothing_written() {
    let t = TestEnv::new();
    t.login_corp();
    let run = configure(&t, &[]);
    run.code(2);
    assert!(
        run.stdout.contains("+[profile dev.admin]"),
        "{}",
        run.stdout
    );
    let last = run.stderr.lines().last().unwrap();
    assert!(
        last.starts_with("ssox: not written:") && last.contains("--yes"),
        "{last}"
    );
    assert!(!t.path(".aws/config").exists());
}

#[test]
fn on_a_terminal_configure_asks_before_writing() {
    let mut t = TestEnv::new();
    t.login_corp();
    // The region question first (Enter takes the SSO region), then the confirmation.
    t.var(
        "PTY_SCRIPT",
        r#"[["region of the new profiles [us-east-1]: ", "\r"], ["? [y/N]", "n\r"]]"#,
    );
    let no = t.run_on_terminal(CONFIGURE);
    no.success();
    assert!(no.stdout.contains("nothing written"), "{}", no.stdout);
    assert!(!t.path(".aws/config").exists());
    let mut t2 = TestEnv::new();
    t2.login_corp();
    t2.var(
        "PTY_SCRIPT",
        r#"[["region of the new profiles [us-east-1]: ", "eu-west-2\r"], ["? [y/N]", "y\r"]]"#,
    );
    t2.run_on_terminal(CONFIGURE).success();
    assert_eq!(profile_headers(&t2).len(), 7);
    let text = fs::read_to_string(t2.path(".aws/config")).unwrap();
    assert_eq!(text.matches("\nregion = eu-west-2\n").count(), 7, "{text}");
}

#[test]
fn clashing_names_get_the_account_id_and_are_reported() {
    let t = TestEnv::new();
    t.fake.set_directory(vec![
        Account::new("111111111111", "dev", &["admin"]),
        Account::new("444444444444", "dev", &["admin"]),
        Account::new("555555555555", "taken", &["admin"]),
    ]);
    t.config("[profile taken.admin]\nregion = eu-west-1\n");
    t.login_corp();
    let run = configure(&t, &["--yes"]);
    run.success();
    let names = profile_headers(&t);
    assert_eq!(
        names,
        [
            "taken.admin",
            "dev.admin-111111111111",
            "dev.admin-444444444444",
            "taken.admin-555555555555"
        ]
    );
    assert!(
        run.stderr.contains(
            "profile name `dev.admin` clashes (2 roles would share it); using `dev.admin-111111111111`, `dev.admin-444444444444`"
        ),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr
            .contains("`taken.admin` clashes (another profile already has that name)")
    );
    // Deterministic: nothing changes the second time.
    configure(&t, &["--yes"]).success();
    assert_eq!(profile_headers(&t), names);
}

#[test]
fn prune_removes_only_generated_profiles_whose_role_is_gone() {
    let t = TestEnv::new();
    t.login_corp();
    configure(&t, &["--yes"]).success();
    // A hand-written profile for a role that will vanish too.
    let mut text = fs::read_to_string(t.path(".aws/config")).unwrap();
    text.push_str("\n[profile mine]\nsso_session = corp\nsso_account_id = 333333333333\nsso_role_name = Billing\n");
    t.config(&text);
    let mut dir = default_directory();
    dir[2].roles.retain(|r| r != "Billing");
    dir.remove(1);
    t.fake.set_directory(dir);

    let kept = configure(&t, &["--yes"]);
    kept.success();
    assert!(
        kept.stderr.contains("3 profiles that ssox wrote in ~/.aws/config name a role you no longer have: Shared-Services.Billing, prod.admin, prod.readOnly; --prune removes them"),
        "{}",
        kept.stderr
    );
    assert_eq!(fs::read_to_string(t.path(".aws/config")).unwrap(), text);

    let pruned = configure(&t, &["--yes", "--prune"]);
    pruned.success();
    let names = profile_headers(&t);
    assert!(
        !names
            .iter()
            .any(|n| n.starts_with("prod.") || n == "Shared-Services.Billing"),
        "{names:?}"
    );
    assert!(
        names.contains(&"mine".to_string()),
        "hand-written profiles stay"
    );
    assert!(names.contains(&"dev.admin".to_string()));
    let after = fs::read_to_string(t.path(".aws/config")).unwrap();
    assert!(!after.contains("\n\n\n"), "no gaps left behind:\n{after}");
}

#[test]
fn a_template_names_profiles_and_a_bad_one_is_refused() {
    let t = TestEnv::new();
    t.login_corp();
    configure(
        &t,
        &["--yes", "--template", "{session}-{account_id}-{role_name}"],
    )
    .success();
    assert!(profile_headers(&t).contains(&"corp-111111111111-admin".to_string()));
    configure(&t, &["--template", "{acount}.{role_name}"])
        .code(2)
        .error_line(&["unknown placeholder `{acount}`", "{account_name}"]);
    configure(&t, &["--template", "{role_name} x"])
        .code(2)
        .error_line(&["the template's text ` x` is not allowed in a profile name"]);
}

#[test]
fn configure_logs_in_when_no_token_is_cached() {
    let mut t = TestEnv::new();
    t.with_fake_browser();
    // On a terminal only: elsewhere configure never starts a login.
    t.run_on_terminal(configure_args(&["--yes"])).success();
    assert_eq!(t.fake.count(Op::Authorize), 1, "one browser login");
    assert!(t.token_path("corp").exists());
    assert_eq!(profile_headers(&t).len(), 7);
}

#[test]
fn configure_finds_the_session_in_the_config_or_says_which_to_give() {
    let t = TestEnv::new();
    t.run(["configure"]).code(2).error_line(&[
        "no sso-session in ~/.aws/config",
        "--start-url URL and --sso-region REGION",
    ]);
    t.config(DEV_CONFIG);
    t.login_corp();
    // The config's only sso-session is used.
    t.run(["configure", "--yes"]).success();
    assert!(profile_headers(&t).contains(&"dev.admin".to_string()));
    t.run(["configure", "--sso-session", "corpp"])
        .code(78)
        .error_line(&[
            "no [sso-session corpp]",
            "did you mean `--sso-session corp`?",
        ]);
    t.run([
        "configure",
        "--start-url",
        "https://other.awsapps.com/start",
        "--sso-region",
        "us-east-1",
        "--sso-session",
        "corp",
    ])
    .code(78)
    .error_line(&[
        "[sso-session corp] in ~/.aws/config has sso_start_url https://corp.awsapps.com/start",
    ]);
}

#[test]
fn botocore_and_the_aws_cli_use_every_generated_profile() {
    let t = TestEnv::new();
    t.login_corp();
    configure(&t, &["--yes"]).success();
    for name in ALL {
        let out = t.python("botocore_creds.py", &[name]);
        let lines: Vec<&str> = out.lines().collect();
        assert!(lines[0].starts_with("ASIAFAKE"), "{name}: {out}");
        assert_eq!(lines[3], "sso", "{name}");
    }
    let Some(_) = aws_cli() else {
        return skipped(
            "the AWS CLI v2",
            "set SSOX_TEST_AWS_CLI, or run scripts/install-awscli2",
        );
    };
    for name in ALL {
        let run = t
            .aws(&[
                "configure",
                "export-credentials",
                "--profile",
                name,
                "--format",
                "process",
            ])
            .unwrap();
        run.success();
        let v: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
        assert!(
            v["AccessKeyId"].as_str().unwrap().starts_with("ASIAFAKE"),
            "{name}"
        );
    }
}

#[test]
fn pick_writes_only_the_roles_chosen_in_the_picker() {
    let mut t = TestEnv::new();
    t.login_corp();
    // Type to filter, Enter to choose, then finish on the "done" row.
    t.var(
        "PTY_SCRIPT",
        r#"[["Roles without a profile", "Billing"], ["Billing", "\r"], ["1 chosen", "done:"], ["done:", "\r"]]"#,
    );
    let run = t.run_on_terminal(configure_args(&["--pick", "--yes"]));
    run.success();
    assert_eq!(profile_headers(&t), ["Shared-Services.Billing"]);
    assert!(
        run.stdout
            .contains("added 1 profile and the sso-session in ~/.aws/config"),
        "{}",
        run.stdout
    );
}

#[test]
fn esc_in_the_picker_cancels_with_status_130_and_writes_nothing() {
    let mut t = TestEnv::new();
    t.login_corp();
    t.var("PTY_SCRIPT", r#"[["Roles without a profile", "\u001b"]]"#);
    let run = t.run_on_terminal(configure_args(&["--pick", "--yes"]));
    run.code(130);
    assert!(!t.path(".aws/config").exists());
}

#[test]
fn a_run_without_a_profile_picks_one_on_a_terminal_and_teaches_the_command() {
    let mut t = TestEnv::new();
    // DEV_CONFIG has no [default].
    t.config(DEV_CONFIG);
    t.login_legacy();
    t.var(
        "PTY_SCRIPT",
        r#"[["choose one", "legac"], ["legacy", "\r"]]"#,
    );
    let run = t.run_on_terminal(["--", "sh", "-c", "echo key=$AWS_ACCESS_KEY_ID"]);
    run.success();
    assert!(
        run.stdout.contains("ssox: using profile legacy; next time: ssox -p legacy -- sh -c 'echo key=$AWS_ACCESS_KEY_ID'"),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("key=ASIAFAKE"), "{}", run.stdout);
    let creds = t.fake.requests(Op::GetRoleCredentials);
    assert_eq!(creds[0].query["account_id"], "222222222222");
}

#[test]
fn esc_in_the_profile_picker_exits_130_and_runs_nothing() {
    let mut t = TestEnv::new();
    t.config(DEV_CONFIG);
    t.var("PTY_SCRIPT", r#"[["choose one", "\u001b"]]"#);
    let run = t.run_on_terminal(["--", "touch", t.path("ran").to_str().unwrap()]);
    run.code(130);
    assert!(!t.path("ran").exists());
    assert_eq!(t.fake.total_requests(), 0);
}

#[test]
fn a_hostile_portal_cannot_write_into_the_config_and_its_names_reach_the_terminal_escaped() {
    let t = TestEnv::new();
    let long_name = format!("\u{1b}[2J{}", "n".repeat(100_000));
    t.fake.set_directory(vec![
        Account::new(
            "111111111111",
            "dev",
            &[
                "admin",
                "readOnly\n[profile evil]\ncredential_process = /bin/sh -c 'touch PWNED'\n",
                "ro\rkey = x",
            ],
        ),
        Account::new("../../etc", "evil", &["admin"]),
        Account::new("1 2", "space", &["admin"]),
        Account::new("222222222222", &long_name, &["admin"]),
    ]);
    t.login_corp();
    let run = configure(&t, &["--yes"]);
    run.success();
    let text = fs::read_to_string(t.path(".aws/config")).unwrap();
    for bad in [
        "evil",
        "credential_process",
        "PWNED",
        "\r",
        "etc",
        "1 2",
        "\u{1b}",
    ] {
        assert!(!text.contains(bad), "{bad:?} reached the config:\n{text}");
    }
    let account_name = format!("2J{}", "n".repeat(62));
    assert_eq!(
        profile_headers(&t),
        [format!("{account_name}.admin"), "dev.admin".to_string()]
    );
    assert!(
        run.stderr
            .contains("skipped 4 roles the portal named as no AWS account or role can be named: "),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr
            .contains("role `readOnly\\n[profile evil]\\ncredential_process = /bin/sh -c 'touch PWNED'\\n` in account 111111111111 (not an IAM role name)"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr
            .contains("account id `../../etc` (not 12 digits)")
    );
    assert!(!run.stderr.contains('\u{1b}') && !run.stderr.contains('\r'));
    assert!(run.stderr.len() < 10_000, "{} bytes", run.stderr.len());
    // botocore reads the whole file (a duplicate section or a stray key would fail it).
    let out = t.python("botocore_creds.py", &["dev.admin"]);
    assert!(out.starts_with("ASIA"), "{out}");
}

#[test]
fn two_configures_that_overlap_never_write_a_profile_twice() {
    let t = TestEnv::new();
    t.login_corp();
    // The first run has read the config and is waiting on ListAccounts while the second
    // runs from start to end.
    t.fake.hold_next(Op::ListAccounts);
    let first = t
        .cmd(configure_args(&["--yes"]))
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    assert!(
        t.fake
            .wait_for(Op::ListAccounts, std::time::Duration::from_secs(30))
    );
    configure(&t, &["--yes"]).success();
    t.fake.release();
    let first = Run::from(first.wait_with_output().unwrap());
    first.success();
    assert!(
        first.stderr.contains(
            "nothing written: ~/.aws/config changed meanwhile and already has every profile"
        ),
        "{}",
        first.stderr
    );
    let mut names = profile_headers(&t);
    names.sort();
    assert_eq!(names, ALL);
    let text = fs::read_to_string(t.path(".aws/config")).unwrap();
    assert_eq!(text.matches("[sso-session corp]").count(), 1);
    t.python("botocore_creds.py", &["dev.admin"]);
}

#[test]
fn a_read_only_config_is_refused_before_any_login_or_listing() {
    let t = TestEnv::new();
    let path = t.config("[profile mine]\nregion = eu-west-1\n");
    fs::set_permissions(&path, fs::Permissions::from_mode(0o444)).unwrap();
    t.login_corp();
    configure(&t, &["--yes"]).code(74).error_line(&[
        "~/.aws/config is read-only (mode 0444); ssox will not replace it",
        "chmod u+w",
    ]);
    assert_eq!(t.fake.count(Op::ListAccounts), 0);
    assert_eq!(
        fs::read_to_string(&path).unwrap(),
        "[profile mine]\nregion = eu-west-1\n"
    );
    assert_eq!(
        fs::metadata(&path).unwrap().permissions().mode() & 0o777,
        0o444
    );
}

#[test]
fn without_a_terminal_configure_never_starts_a_login() {
    // A new session: the hint is to run configure where it can log in.
    let t = TestEnv::new();
    let run = configure(&t, &["--dry-run"]);
    run.code(77).error_line(&[
        "login needed for",
        "no terminal",
        "run this `ssox configure` in a terminal",
    ]);
    assert_eq!(t.fake.count(Op::RegisterClient), 0);
    assert!(!t.path(".aws/config").exists());
    // A session already in the config: the hint is the login command.
    let t = TestEnv::new();
    t.config(
        "[sso-session corp]\nsso_start_url = https://corp.awsapps.com/start\nsso_region = us-east-1\n",
    );
    t.run(["configure", "--dry-run"])
        .code(77)
        .error_line(&["ssox login --sso-session corp"]);
    assert_eq!(t.fake.count(Op::RegisterClient), 0);
}

#[test]
fn every_new_profile_gets_a_region_so_the_suggested_command_works() {
    let t = TestEnv::new();
    t.login_corp();
    let run = configure(&t, &["--yes"]);
    run.success();
    assert!(
        run.stderr
            .contains("the new profiles get region us-east-1, the SSO region; --region REGION gives them another"),
        "{}",
        run.stderr
    );
    let text = fs::read_to_string(t.path(".aws/config")).unwrap();
    assert_eq!(text.matches("\nregion = us-east-1\n").count(), 7, "{text}");
    // The command configure suggests: botocore (as the AWS CLI) finds a region.
    let suggested = run
        .stderr
        .lines()
        .find_map(|l| l.strip_prefix("ssox: try it: ssox -p "))
        .and_then(|l| l.split_whitespace().next())
        .unwrap()
        .to_string();
    let env = t.run(["-p", &suggested, "--", "env"]);
    assert_eq!(
        env.success().env_var("AWS_REGION").as_deref(),
        Some("us-east-1")
    );
}

#[test]
fn a_mistyped_sso_region_is_refused_with_the_close_one() {
    let t = TestEnv::new();
    configure_args(&[]);
    t.run([
        "configure",
        "--start-url",
        URL,
        "--sso-region",
        "eu-wst-1",
        "--dry-run",
    ])
    .code(2)
    .error_line(&["--sso-region `eu-wst-1` is not an AWS region; did you mean eu-west-1?"]);
    assert_eq!(t.fake.total_requests(), 0);
}

#[test]
fn prune_messages_read_as_sentences() {
    let t = TestEnv::new();
    t.login_corp();
    configure(&t, &["--yes"]).success();
    t.fake.set_directory(vec![Account::new(
        "111111111111",
        "dev",
        &["admin", "readOnly"],
    )]);
    let dry = configure(&t, &["--prune", "--dry-run"]);
    dry.success();
    assert!(
        dry.stderr
            .contains("dry run: nothing written; this would remove 5 profiles"),
        "{}",
        dry.stderr
    );
    let done = configure(&t, &["--prune", "--yes"]);
    done.success();
    assert!(
        done.stderr.contains("removed 5 profiles in ~/.aws/config"),
        "{}",
        done.stderr
    );
}

#[test]
fn a_start_url_that_names_its_region_needs_no_sso_region_and_others_say_so() {
    let t = TestEnv::new();
    t.login_corp();
    let url = "https://ssoins-7223a3d4e1f8c2b0.portal.us-east-1.app.aws";
    t.run([
        "configure",
        "--start-url",
        url,
        "--sso-session",
        "corp",
        "--yes",
    ])
    .success();
    let config = fs::read_to_string(t.path(".aws/config")).unwrap();
    assert!(
        config.contains(&format!(
            "[sso-session corp]\nsso_start_url = {url}\nsso_region = us-east-1\n"
        )),
        "{config}"
    );
    let other = TestEnv::new();
    other
        .run(["configure", "--start-url", URL])
        .code(2)
        .final_error(&["--start-url needs --sso-region", "does not name its region"]);
}
