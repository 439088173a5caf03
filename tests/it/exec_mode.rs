//! `ssox -p PROFILE -- PROGRAM`: the child's environment, exec semantics, profile selection.

use std::os::unix::process::ExitStatusExt;
use std::process::Stdio;

use crate::support::*;

#[test]
fn runs_the_program_with_the_roles_credentials_and_region() {
    let mut t = TestEnv::dev();
    let token = t.login_corp();
    t.var("AWS_PROFILE", "something-else");
    let run = t.run(["-p", "dev", "--", "env"]);
    run.success();
    let key = run.env_var("AWS_ACCESS_KEY_ID").unwrap();
    assert!(key.starts_with("ASIAFAKE"), "{key}");
    assert!(
        run.env_var("AWS_SECRET_ACCESS_KEY")
            .unwrap()
            .starts_with("fake-secret-")
    );
    let session = run.env_var("AWS_SESSION_TOKEN").unwrap();
    assert!(
        session.starts_with("fake-session-111111111111-readOnly-"),
        "{session}"
    );
    let exp = run.env_var("AWS_CREDENTIAL_EXPIRATION").unwrap();
    assert!(exp.len() == 20 && exp.ends_with('Z'), "{exp}");
    assert_eq!(run.env_var("AWS_REGION").as_deref(), Some("us-west-2"));
    assert_eq!(
        run.env_var("AWS_DEFAULT_REGION").as_deref(),
        Some("us-west-2")
    );
    assert_eq!(run.env_var("AWS_PROFILE"), None);
    assert_eq!(run.env_var("SSOX_PROFILE").as_deref(), Some("dev"));
    assert_eq!(t.fake.count(Op::GetRoleCredentials), 1);
    let req = &t.fake.requests(Op::GetRoleCredentials)[0];
    assert_eq!(req.headers["x-amz-sso_bearer_token"], token);
    assert_eq!(req.query["account_id"], "111111111111");
    assert_eq!(req.query["role_name"], "readOnly");
    assert!(run.stderr.is_empty(), "stderr: {}", run.stderr);
}

#[test]
fn legacy_profiles_use_the_token_cached_under_the_start_url() {
    let t = TestEnv::dev();
    t.login_legacy();
    let run = t.run(["-p", "legacy", "--", "env"]);
    run.success();
    assert!(
        run.env_var("AWS_SESSION_TOKEN")
            .unwrap()
            .contains("222222222222-admin")
    );
    // A legacy profile without `region` leaves the region variables alone.
    assert_eq!(run.env_var("AWS_REGION"), None);
}

#[test]
fn profile_comes_from_aws_profile_then_aws_default_profile() {
    let mut t = TestEnv::dev();
    t.login_corp();
    t.login_legacy();
    t.var("AWS_DEFAULT_PROFILE", "legacy");
    let run = t.run(["--", "env"]);
    assert_eq!(
        run.success().env_var("SSOX_PROFILE").as_deref(),
        Some("legacy")
    );
    t.var("AWS_PROFILE", "dev");
    let run = t.run(["--", "env"]);
    assert_eq!(
        run.success().env_var("SSOX_PROFILE").as_deref(),
        Some("dev")
    );
}

#[test]
fn inherited_credentials_and_selectors_are_removed_without_duplicates() {
    let mut t = TestEnv::dev();
    t.login_corp();
    for (k, v) in [
        ("AWS_ACCESS_KEY_ID", "AKIAOLD"),
        ("AWS_SECRET_ACCESS_KEY", "old-secret"),
        ("AWS_SESSION_TOKEN", "old-token"),
        ("AWS_SECURITY_TOKEN", "old-token"),
        ("AWS_CREDENTIAL_EXPIRATION", "2000-01-01T00:00:00Z"),
        ("AWS_CREDENTIAL_FILE", "/tmp/x"),
        ("AWS_SDK_LOAD_CONFIG", "1"),
        ("AWS_DEFAULT_PROFILE", "legacy"),
        ("SSOX_PROFILE", "outer"),
    ] {
        t.var(k, v);
    }
    let run = t.run(["-p", "dev", "--", "env"]);
    run.success();
    for gone in [
        "AWS_SECURITY_TOKEN",
        "AWS_CREDENTIAL_FILE",
        "AWS_SDK_LOAD_CONFIG",
        "AWS_DEFAULT_PROFILE",
    ] {
        assert_eq!(run.env_var(gone), None, "{gone}");
    }
    // env_var asserts each appears once.
    assert_ne!(run.env_var("AWS_ACCESS_KEY_ID").as_deref(), Some("AKIAOLD"));
    assert_ne!(
        run.env_var("AWS_SESSION_TOKEN").as_deref(),
        Some("old-token")
    );
    assert_eq!(run.env_var("SSOX_PROFILE").as_deref(), Some("dev"));
}

#[test]
fn the_region_follows_the_sdk_order_flag_then_environment_then_profile() {
    let mut t = TestEnv::dev();
    t.login_corp();
    t.login_legacy();
    // dev has region = us-west-2 in its profile; nothing in the environment yet.
    let run = t.run(["-p", "dev", "--", "env"]);
    assert_eq!(
        run.success().env_var("AWS_REGION").as_deref(),
        Some("us-west-2")
    );
    assert_eq!(
        run.env_var("AWS_DEFAULT_REGION").as_deref(),
        Some("us-west-2")
    );
    // The environment comes before the profile, as for `aws` and every SDK.
    t.var("AWS_REGION", "ap-south-1")
        .var("AWS_DEFAULT_REGION", "ap-south-2");
    let run = t.run(["-p", "dev", "--", "env"]);
    assert_eq!(
        run.success().env_var("AWS_REGION").as_deref(),
        Some("ap-south-1")
    );
    assert_eq!(
        run.env_var("AWS_DEFAULT_REGION").as_deref(),
        Some("ap-south-2")
    );
    // --region comes before everything and sets both.
    let run = t.run(["-p", "dev", "--region", "eu-central-1", "--", "env"]);
    assert_eq!(
        run.success().env_var("AWS_REGION").as_deref(),
        Some("eu-central-1")
    );
    assert_eq!(
        run.env_var("AWS_DEFAULT_REGION").as_deref(),
        Some("eu-central-1")
    );
    // Only AWS_DEFAULT_REGION set: PROGRAM gets AWS_REGION too, for SDKs that read only it.
    let mut t2 = TestEnv::dev();
    t2.login_corp();
    t2.var("AWS_DEFAULT_REGION", "ca-central-1");
    let run = t2.run(["-p", "dev", "--", "env"]);
    assert_eq!(
        run.success().env_var("AWS_REGION").as_deref(),
        Some("ca-central-1")
    );
}

#[test]
fn the_programs_exit_status_is_the_exit_status() {
    let t = TestEnv::dev();
    t.login_corp();
    t.run(["-p", "dev", "--", "sh", "-c", "exit 42"]).code(42);
    t.run(["-p", "dev", "--", "true"]).code(0);
}

#[test]
fn a_program_killed_by_a_signal_shows_that_signal() {
    let t = TestEnv::dev();
    t.login_corp();
    let status = t
        .cmd(["-p", "dev", "--", "sh", "-c", "kill -TERM $$"])
        .status()
        .unwrap();
    assert_eq!(status.signal(), Some(15));
}

#[test]
fn the_program_replaces_ssox_in_the_same_process() {
    let t = TestEnv::dev();
    t.login_corp();
    let child = t
        .cmd(["-p", "dev", "--", "sh", "-c", "echo $$"])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let pid = child.id();
    let out = child.wait_with_output().unwrap();
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), pid.to_string());
}

#[test]
fn stdin_passes_straight_through() {
    let t = TestEnv::dev();
    t.login_corp();
    let out = t.run_with_input(&["-p", "dev", "--", "cat"], b"hello through ssox\n");
    assert_eq!(out.stdout, "hello through ssox\n");
}

#[test]
fn missing_program_exits_127_before_any_network_call() {
    let t = TestEnv::dev();
    t.login_corp();
    t.run(["-p", "dev", "--", "no-such-program-xyz"])
        .code(127)
        .error_line(&["ssox: no-such-program-xyz: command not found"]);
    assert_eq!(t.fake.total_requests(), 0);
}

#[test]
fn a_program_that_is_not_executable_exits_126() {
    let t = TestEnv::dev();
    t.login_corp();
    let p = t.write("bin/data-file", "not a program");
    t.run(["-p", "dev", "--", p.to_str().unwrap()])
        .code(126)
        .error_line(&["permission denied"]);
    assert_eq!(t.fake.total_requests(), 0);
}

#[test]
fn without_a_program_it_starts_the_users_shell_and_says_so() {
    let mut t = TestEnv::dev();
    t.login_corp();
    t.var("SHELL", "/bin/sh");
    let out = t.run_with_input(&["-p", "dev"], b"echo \"in $SSOX_PROFILE\"\n");
    assert_eq!(out.stdout, "in dev\n");
    let stderr = &out.stderr;
    assert!(
        stderr.contains("starting /bin/sh") && stderr.contains("`dev`"),
        "{stderr}"
    );
}

#[test]
fn a_nested_ssox_resolves_its_own_profile() {
    let t = TestEnv::dev();
    t.login_corp();
    t.login_legacy();
    let run = t.run(["-p", "dev", "--", SSOX, "-p", "legacy", "--", "env"]);
    run.success();
    assert!(
        run.env_var("AWS_SESSION_TOKEN")
            .unwrap()
            .contains("222222222222-admin")
    );
    assert_eq!(run.env_var("SSOX_PROFILE").as_deref(), Some("legacy"));
    assert_eq!(t.fake.count(Op::GetRoleCredentials), 2);
}

#[test]
fn verbose_shows_each_step_and_never_a_secret() {
    let t = TestEnv::dev();
    let token = t.login_corp();
    let run = t.run(["-p", "dev", "-v", "--", "env"]);
    run.success();
    let err = &run.stderr;
    for want in [
        "~/.aws/config read",
        "SSO token cache: ~/.aws/sso/cache/",
        "\"corp\"",
        "Sso endpoint http://127.0.0.1",
        "GetRoleCredentials account 111111111111 role readOnly",
    ] {
        assert!(err.contains(want), "missing {want:?} in:\n{err}");
    }
    for secret in [
        token,
        run.env_var("AWS_SECRET_ACCESS_KEY").unwrap(),
        run.env_var("AWS_SESSION_TOKEN").unwrap(),
    ] {
        assert!(!err.contains(&secret), "secret leaked into -v output");
    }
}

#[test]
fn static_key_profiles_run_without_any_network_call() {
    let t = TestEnv::new();
    t.config("[profile keys]\nregion = eu-north-1\n");
    t.credentials(
        "[keys]\naws_access_key_id = AKIASTATIC\naws_secret_access_key = static-secret\n",
    );
    let run = t.run(["-p", "keys", "--", "env"]);
    run.success();
    assert_eq!(
        run.env_var("AWS_ACCESS_KEY_ID").as_deref(),
        Some("AKIASTATIC")
    );
    assert_eq!(run.env_var("AWS_SESSION_TOKEN"), None);
    assert_eq!(run.env_var("AWS_REGION").as_deref(), Some("eu-north-1"));
    assert_eq!(t.fake.total_requests(), 0);
}

#[test]
fn the_profiles_other_settings_reach_the_program_as_variables() {
    let mut t = TestEnv::new();
    t.config(
        "[profile dev]\nsso_session = corp\nsso_account_id = 111111111111\nsso_role_name = readOnly\n\
         region = us-west-2\noutput = json\nca_bundle = /etc/corp-ca.pem\nservices = local\n\
         [sso-session corp]\nsso_start_url = https://corp.awsapps.com/start\nsso_region = us-east-1\n\
         [services local]\nsts =\n  endpoint_url = http://127.0.0.1:9/sts\n\
         [default]\noutput = text\n",
    );
    t.login_corp();
    let run = t.run(["-p", "dev", "--", "env"]);
    run.success();
    assert_eq!(run.env_var("AWS_DEFAULT_OUTPUT").as_deref(), Some("json"));
    assert_eq!(
        run.env_var("AWS_CA_BUNDLE").as_deref(),
        Some("/etc/corp-ca.pem")
    );
    assert_eq!(
        run.env_var("AWS_ENDPOINT_URL_STS").as_deref(),
        Some("http://127.0.0.1:9/sts")
    );
    // botocore in PROGRAM uses the profile's STS endpoint and CA bundle, not the public ones.
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/support/sdk_view.py");
    let view = t.run(["-p", "dev", "--", "python3", script]);
    let out = &view.success().stdout;
    assert!(out.contains("sts: http://127.0.0.1:9/sts\n"), "{out}");
    assert!(out.contains("ca_bundle: /etc/corp-ca.pem\n"), "{out}");
    assert!(out.contains("region: us-west-2\n"), "{out}");
    // A variable the user set wins over the profile, and --env-export prints the same lines.
    t.var("AWS_DEFAULT_OUTPUT", "table");
    let run = t.run(["-p", "dev", "--", "env"]);
    assert_eq!(
        run.success().env_var("AWS_DEFAULT_OUTPUT").as_deref(),
        Some("table")
    );
    let printed = t.run(["-p", "dev", "--env-export"]);
    let out = &printed.success().stdout;
    assert!(
        out.contains("export AWS_CA_BUNDLE=/etc/corp-ca.pem\n"),
        "{out}"
    );
    assert!(!out.contains("AWS_DEFAULT_OUTPUT"), "{out}");
}

#[cfg(target_os = "linux")]
#[test]
fn the_program_gets_the_users_core_limit_back() {
    use nix::sys::resource::{Resource, getrlimit, setrlimit};
    use std::os::unix::process::CommandExt;
    let t = TestEnv::dev();
    t.login_corp();
    let (_, hard) = getrlimit(Resource::RLIMIT_CORE).unwrap();
    let mut cmd = t.cmd([
        "-p",
        "dev",
        "--",
        "python3",
        "-c",
        "import resource; print(resource.getrlimit(resource.RLIMIT_CORE)[0])",
    ]);
    // SAFETY (test): setrlimit only, between fork and exec.
    unsafe {
        cmd.pre_exec(move || {
            setrlimit(Resource::RLIMIT_CORE, hard, hard).map_err(std::io::Error::from)
        });
    }
    let run = Run::from(cmd.output().unwrap());
    let want = if hard == nix::sys::resource::RLIM_INFINITY {
        "-1".to_string()
    } else {
        hard.to_string()
    };
    assert_eq!(run.success().stdout.trim(), want);
}
