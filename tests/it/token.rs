//! The SSO token lifecycle: refresh (rotated and written back in the AWS CLI's format),
//! self-healing after a revoked token, PKCE and device-code logins, no login without a
//! terminal, one refresh for many processes, and logout.

use std::fs;
use std::io::{BufRead, BufReader};
use std::os::unix::fs::PermissionsExt;
use std::process::Stdio;

use crate::support::*;

fn python_dumps_roundtrip(path: &std::path::Path) -> String {
    let out = std::process::Command::new("python3")
        .args([
            "-c",
            "import json,sys; sys.stdout.write(json.dumps(json.load(open(sys.argv[1]))))",
        ])
        .arg(path)
        .output()
        .unwrap();
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn a_token_near_expiry_is_refreshed_rotated_and_written_back_like_the_cli() {
    let t = TestEnv::dev();
    let (old_access, old_refresh) = t.cache_refreshable_corp(5 * 60);
    t.run(["-p", "dev", "--", "true"]).success();
    assert_eq!(t.fake.count(Op::CreateToken), 1);
    let req = &t.fake.requests(Op::CreateToken)[0];
    assert_eq!(req.body["grantType"], "refresh_token");
    assert_eq!(req.body["refreshToken"], old_refresh.as_str());

    let tok = t.token_json("corp");
    let new_access = tok["accessToken"].as_str().unwrap();
    assert_ne!(new_access, old_access);
    assert!(t.fake.access_token_valid(new_access));
    let new_refresh = tok["refreshToken"].as_str().unwrap();
    assert_ne!(new_refresh, old_refresh);
    assert!(t.fake.refresh_token_valid(new_refresh));
    assert!(!t.fake.refresh_token_valid(&old_refresh));
    assert_eq!(tok["startUrl"], "https://corp.awsapps.com/start");
    assert!(tok["clientSecret"].is_string() && tok["registrationExpiresAt"].is_string());

    let path = t.token_path("corp");
    assert_eq!(
        fs::metadata(&path).unwrap().permissions().mode() & 0o777,
        0o600
    );
    // Byte for byte what Python's json.dumps writes: key order, spacing, no newline.
    assert_eq!(
        fs::read_to_string(&path).unwrap(),
        python_dumps_roundtrip(&path)
    );
    // The portal got the new token.
    let used = &t.fake.requests(Op::GetRoleCredentials)[0];
    assert_eq!(used.headers["x-amz-sso_bearer_token"], new_access);
}

#[test]
fn an_expired_token_is_refreshed_even_without_a_terminal() {
    let t = TestEnv::dev();
    t.cache_refreshable_corp(-3600);
    t.run(["-p", "dev", "--", "true"]).success();
    assert_eq!(t.fake.count(Op::CreateToken), 1);
    assert_eq!(
        t.fake.count(Op::RegisterClient) + t.fake.count(Op::StartDeviceAuthorization),
        0
    );
}

#[test]
fn a_failed_refresh_keeps_the_old_token_while_it_is_valid() {
    let t = TestEnv::dev();
    let (access, refresh) = t.cache_refreshable_corp(5 * 60);
    t.fake.revoke_refresh_token(&refresh);
    let before = fs::read(t.token_path("corp")).unwrap();
    t.run(["-p", "dev", "--", "true"]).success();
    assert_eq!(t.fake.count(Op::CreateToken), 1);
    assert_eq!(fs::read(t.token_path("corp")).unwrap(), before);
    assert_eq!(
        t.fake.requests(Op::GetRoleCredentials)[0].headers["x-amz-sso_bearer_token"],
        access
    );
}

#[test]
fn a_token_revoked_at_the_service_is_refreshed_once_and_the_call_retried() {
    let t = TestEnv::dev();
    let (access, _) = t.cache_refreshable_corp(8 * 3600);
    t.fake.revoke_access_token(&access);
    t.run(["-p", "dev", "--", "true"]).success();
    assert_eq!(t.fake.count(Op::GetRoleCredentials), 2);
    assert_eq!(t.fake.count(Op::CreateToken), 1);
    let tok = t.token_json("corp");
    assert_ne!(tok["accessToken"], access.as_str());
}

#[test]
fn legacy_profiles_never_refresh() {
    let t = TestEnv::dev();
    let url = "https://legacy.awsapps.com/start";
    let token = t.fake.issue_access_token(60);
    let refresh = t.fake.issue_refresh_token();
    let (id, secret) = t.fake.register_client(&[]);
    t.write(
        &format!(".aws/sso/cache/{}.json", sha1_hex(url)),
        &format!(
            r#"{{"startUrl": "{url}", "region": "eu-west-1", "accessToken": "{token}", "expiresAt": "{}", "clientId": "{id}", "clientSecret": "{secret}", "registrationExpiresAt": "{}", "refreshToken": "{refresh}"}}"#,
            rfc3339(now() - 60),
            rfc3339(now() + 86_400)
        ),
    );
    t.run(["-p", "legacy", "--", "true"])
        .code(77)
        .error_line(&["expired", "ssox login -p legacy"]);
    assert_eq!(t.fake.count(Op::CreateToken), 0);
}

#[test]
fn pkce_login_goes_through_the_browser_and_caches_what_the_aws_cli_reads() {
    let mut t = TestEnv::dev();
    t.with_fake_browser();
    let run = t.run(["login", "-p", "dev"]);
    run.success();
    assert!(
        run.stdout.is_empty(),
        "stdout belongs to programs: {}",
        run.stdout
    );
    assert!(
        run.stderr
            .contains("logged in to https://corp.awsapps.com/start"),
        "{}",
        run.stderr
    );
    assert_eq!(t.fake.count(Op::RegisterClient), 1);
    assert_eq!(t.fake.count(Op::Authorize), 1);
    assert_eq!(t.fake.count(Op::CreateToken), 1);

    let reg_req = &t.fake.requests(Op::RegisterClient)[0].body;
    assert_eq!(reg_req["clientName"], "botocore-client-corp");
    assert_eq!(
        reg_req["grantTypes"],
        serde_json::json!(["authorization_code", "refresh_token"])
    );
    assert_eq!(
        reg_req["redirectUris"],
        serde_json::json!(["http://127.0.0.1/oauth/callback"])
    );
    assert_eq!(reg_req["issuerUrl"], "https://corp.awsapps.com/start");

    let auth = &t.fake.requests(Op::Authorize)[0].query;
    assert!(auth["redirect_uri"].starts_with("http://127.0.0.1:"));
    assert!(auth["redirect_uri"].ends_with("/oauth/callback"));
    assert_eq!(auth["code_challenge_method"], "S256");
    assert_eq!(auth["scopes"], "sso:account:access");
    let exchange = &t.fake.requests(Op::CreateToken)[0].body;
    assert_eq!(exchange["grantType"], "authorization_code");
    assert_eq!(exchange["redirectUri"], auth["redirect_uri"].as_str());
    assert!(
        t.browser_log().contains("Logged in"),
        "the browser got the done page"
    );

    let tok = t.token_json("corp");
    assert!(
        t.fake
            .access_token_valid(tok["accessToken"].as_str().unwrap())
    );
    assert!(
        t.fake
            .refresh_token_valid(tok["refreshToken"].as_str().unwrap())
    );
    // The registration is cached under the AWS CLI's key, scopes included.
    let key = sha1_hex(
        r#"{"region": "us-east-1", "scopes": ["sso:account:access"], "session_name": "corp", "startUrl": "https://corp.awsapps.com/start", "tool": "botocore"}"#,
    );
    let reg: serde_json::Value = serde_json::from_str(
        &fs::read_to_string(t.path(&format!(".aws/sso/cache/{key}.json"))).unwrap(),
    )
    .unwrap();
    assert_eq!(
        reg["grantTypes"],
        serde_json::json!(["authorization_code", "refresh_token"])
    );
    assert_eq!(reg["clientId"], tok["clientId"]);

    // Then a run needs no OIDC call at all, and a second login reuses the registration.
    t.run(["-p", "dev", "--", "true"]).success();
    assert_eq!(t.fake.count(Op::CreateToken), 1);
    t.run(["login", "-p", "dev"]).success();
    assert_eq!(t.fake.count(Op::RegisterClient), 1);
    assert_eq!(t.fake.count(Op::CreateToken), 2);
}

#[test]
fn forged_callbacks_are_refused_once_noted_and_the_real_login_still_completes() {
    let mut t = TestEnv::dev();
    t.with_fake_browser().var("FAKE_BROWSER_FORGE_FIRST", "3");
    let run = t.run(["login", "--sso-session", "corp"]);
    run.success();
    assert_eq!(
        run.stderr.matches("state did not match").count(),
        1,
        "{}",
        run.stderr
    );
    assert!(
        t.browser_log().contains("forged: HTTP Error 400"),
        "{}",
        t.browser_log()
    );
    assert_eq!(t.fake.count(Op::CreateToken), 1);
}

#[test]
fn idle_local_connections_do_not_delay_the_login_callback() {
    let mut t = TestEnv::dev();
    // Each would hold a one-at-a-time listener for its whole read timeout; together they
    // would outlast the login timeout.
    t.with_fake_browser().var("FAKE_BROWSER_IDLE", "4");
    t.run(["login", "--sso-session", "corp", "--login-timeout", "6s"])
        .success();
    assert_eq!(t.fake.count(Op::CreateToken), 1);
}

#[test]
fn a_refusal_from_the_browser_is_printed_without_control_characters() {
    let mut t = TestEnv::dev();
    t.with_fake_browser();
    t.fake
        .deny_authorization_saying("\u{1b}]0;owned\u{7}not allowed\r\n\u{1b}[2Jtoday");
    let run = t.run(["login", "-p", "dev"]);
    run.code(77).final_error(&[
        "login refused in the browser (access_denied: ]0;ownednot allowed[2Jtoday)",
    ]);
    assert!(
        !run.stderr.contains(['\u{1b}', '\u{7}', '\r']),
        "{:?}",
        run.stderr
    );
}

#[test]
fn denying_the_login_in_the_browser_is_exit_77() {
    let mut t = TestEnv::dev();
    t.with_fake_browser();
    t.fake.deny_authorization(true);
    t.run(["login", "-p", "dev"])
        .code(77)
        .final_error(&["login refused in the browser (access_denied"]);
    assert_eq!(t.fake.count(Op::CreateToken), 0);
}

#[test]
fn device_code_login_polls_through_pending_and_slow_down() {
    let mut t = TestEnv::dev();
    t.with_fake_browser();
    t.fake
        .script_device_polls(&["pending", "pending", "slow_down"]);
    let run = t.run(["login", "-p", "legacy"]);
    run.success();
    assert!(run.stderr.contains("enter the code"), "{}", run.stderr);
    assert!(run.stderr.contains("ABCD-"), "{}", run.stderr);
    assert_eq!(t.fake.count(Op::StartDeviceAuthorization), 1);
    assert_eq!(t.fake.count(Op::CreateToken), 4);
    assert_eq!(t.fake.count(Op::ApproveDevice), 1);
    let reg = &t.fake.requests(Op::RegisterClient)[0].body;
    assert!(
        reg.get("grantTypes").is_none(),
        "device registrations carry no grant types"
    );
    let url = "https://legacy.awsapps.com/start";
    let tok = t.token_json(url);
    assert_eq!(tok["startUrl"], url);
    assert_eq!(tok["region"], "eu-west-1");
    t.run(["-p", "legacy", "--", "true"]).success();
}

#[test]
fn use_device_code_switches_an_sso_session_login_to_the_device_flow() {
    let mut t = TestEnv::dev();
    t.with_fake_browser();
    t.run(["login", "-p", "dev", "--use-device-code"]).success();
    assert_eq!(t.fake.count(Op::StartDeviceAuthorization), 1);
    assert_eq!(t.fake.count(Op::Authorize), 0);
}

#[test]
fn with_no_browser_available_the_login_falls_back_to_the_device_code() {
    let mut t = TestEnv::dev();
    t.fake.auto_approve_devices(true);
    // No $BROWSER and no display: nothing could open a page on this machine.
    t.var("BROWSER", "");
    t.run(["login", "-p", "dev"]).success();
    assert_eq!(t.fake.count(Op::StartDeviceAuthorization), 1);
    assert_eq!(t.fake.count(Op::Authorize), 0);
}

#[test]
fn an_unapproved_device_code_expires_with_exit_75() {
    let t = TestEnv::dev();
    t.fake.set_device_ttl(2);
    t.run(["login", "-p", "legacy", "--no-browser"])
        .code(75)
        .final_error(&["device code expired", "ssox login -p legacy"]);
    assert_eq!(t.fake.count(Op::ApproveDevice), 0);
}

#[test]
fn a_login_that_is_never_approved_stops_at_its_deadline() {
    let t = TestEnv::dev();
    t.run([
        "login",
        "-p",
        "dev",
        "--no-browser",
        "--login-timeout",
        "1s",
    ])
    .code(75)
    .final_error(&["not completed within 1s", "--login-timeout"]);
}

#[test]
fn ctrl_c_cancels_a_waiting_login_cleanly() {
    let t = TestEnv::dev();
    let mut child = t
        .cmd(["login", "-p", "dev", "--no-browser"])
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut err = BufReader::new(child.stderr.take().unwrap());
    let mut seen = String::new();
    // Wait until ssox shows the URL: it is then waiting for the browser.
    while !seen.contains("/authorize?") {
        let mut line = String::new();
        assert!(
            err.read_line(&mut line).unwrap() > 0,
            "ssox ended early: {seen}"
        );
        seen.push_str(&line);
    }
    let pid = child.id().to_string();
    assert!(
        std::process::Command::new("kill")
            .args(["-INT", &pid])
            .status()
            .unwrap()
            .success()
    );
    let status = child.wait().unwrap();
    let mut rest = String::new();
    std::io::Read::read_to_string(&mut err, &mut rest).unwrap();
    assert_eq!(status.code(), Some(130), "{seen}{rest}");
    assert!(rest.contains("ssox: login cancelled"), "{rest}");
    assert!(!t.token_path("corp").exists());
}

#[test]
fn on_a_terminal_a_run_without_a_token_logs_in_then_runs_the_program() {
    let mut t = TestEnv::dev();
    t.with_fake_browser();
    let run = t.run_on_terminal([
        "-p",
        "dev",
        "--",
        "sh",
        "-c",
        "echo PROGRAM-RAN $SSOX_PROFILE",
    ]);
    run.success();
    assert!(
        run.stdout.contains("login needed for sso-session `corp`"),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("PROGRAM-RAN dev"), "{}", run.stdout);
    assert_eq!(t.fake.count(Op::Authorize), 1);
    assert_eq!(t.fake.count(Op::GetRoleCredentials), 1);
}

#[test]
fn eight_parallel_runs_on_a_stale_token_refresh_it_exactly_once() {
    let t = TestEnv::dev();
    t.cache_refreshable_corp(60);
    for run in t.run_parallel(8, &["-p", "dev", "--", "true"]) {
        run.success();
    }
    assert_eq!(t.fake.count(Op::CreateToken), 1);
    // One fetch of the role's credentials too: the others wait for it and use its cache.
    assert_eq!(t.fake.count(Op::GetRoleCredentials), 1);
    let tok = t.token_json("corp");
    for r in t.fake.requests(Op::GetRoleCredentials) {
        assert_eq!(
            r.headers["x-amz-sso_bearer_token"],
            tok["accessToken"].as_str().unwrap()
        );
    }
}

#[test]
fn fifty_parallel_cold_runs_fetch_the_role_credentials_once() {
    let t = TestEnv::dev();
    t.login_corp();
    for run in t.run_parallel(50, &["-p", "dev", "--", "true"]) {
        run.success();
    }
    assert_eq!(t.fake.count(Op::GetRoleCredentials), 1);
}

#[test]
fn a_token_with_a_control_character_counts_as_no_token() {
    let t = TestEnv::dev();
    for bad in ["tok\u{0}en", "tok\nen"] {
        let json = serde_json::json!({
            "startUrl": "https://corp.awsapps.com/start",
            "region": "us-east-1",
            "accessToken": bad,
            "expiresAt": rfc3339(now() + 3600),
        });
        t.write(
            &format!(".aws/sso/cache/{}.json", sha1_hex("corp")),
            &json.to_string(),
        );
        t.run(["-p", "dev", "--", "true"])
            .code(77)
            .error_line(&["login needed", "no cached SSO token"]);
    }
    assert_eq!(t.fake.total_requests(), 0);
}

#[test]
fn logout_ends_every_session_and_keeps_client_registrations() {
    let t = TestEnv::dev();
    let corp = t.login_corp();
    let legacy = t.login_legacy();
    let reg = t.write(
        ".aws/sso/cache/registration.json",
        r#"{"clientId": "c", "clientSecret": "s", "expiresAt": "2099-01-01T00:00:00Z"}"#,
    );
    let sso_role = t.write(
        ".aws/cli/cache/aaa.json",
        r#"{"ProviderType": "sso", "Credentials": {}}"#,
    );
    let assumed = t.write(
        ".aws/cli/cache/bbb.json",
        r#"{"Credentials": {}, "AssumedRoleUser": {}}"#,
    );
    let run = t.run(["logout"]);
    run.success();
    assert!(
        run.stderr
            .contains("removed 2 cached SSO token(s) and 1 cached role credential file(s)"),
        "{}",
        run.stderr
    );
    assert_eq!(t.fake.count(Op::Logout), 2);
    assert!(!t.fake.access_token_valid(&corp) && !t.fake.access_token_valid(&legacy));
    assert!(!t.token_path("corp").exists());
    assert!(!t.token_path("https://legacy.awsapps.com/start").exists());
    assert!(reg.exists() && assumed.exists());
    assert!(!sso_role.exists());
}

#[test]
fn logout_of_one_profile_leaves_the_other_sessions() {
    let t = TestEnv::dev();
    t.login_corp();
    t.login_legacy();
    t.run(["logout", "-p", "dev"]).success();
    assert_eq!(t.fake.count(Op::Logout), 1);
    assert!(!t.token_path("corp").exists());
    assert!(t.token_path("https://legacy.awsapps.com/start").exists());
}

#[test]
fn a_refresh_lost_to_another_program_uses_the_winners_token_instead_of_a_login() {
    let t = TestEnv::dev();
    t.cache_refreshable_corp(60);
    // The AWS CLI refreshes with the same refresh token a moment earlier and writes its token.
    let winner = t.fake.issue_access_token(8 * 3600);
    let mut doc = t.token_json("corp");
    doc["accessToken"] = winner.clone().into();
    doc["expiresAt"] = rfc3339(now() + 8 * 3600).into();
    t.fake
        .lose_next_refresh_race(t.token_path("corp"), doc.to_string());
    // No terminal: without the re-read this would be exit 77, login needed.
    t.run(["-p", "dev", "--", "true"]).success();
    assert_eq!(t.fake.count(Op::CreateToken), 1);
    assert_eq!(
        t.fake.requests(Op::GetRoleCredentials)[0].headers["x-amz-sso_bearer_token"],
        winner
    );
}

#[test]
fn a_crashed_lock_holder_never_blocks_the_others() {
    let t = TestEnv::dev();
    t.cache_refreshable_corp(60);
    let lock = t.lock_path("token", &t.token_path("corp"));
    std::fs::create_dir_all(lock.parent().unwrap()).unwrap();
    let mut holder = std::process::Command::new("python3")
        .args([
            "-c",
            "import fcntl,sys,time; f=open(sys.argv[1],'w'); fcntl.flock(f, fcntl.LOCK_EX); \
             f.write('ssox (pid 1) is refreshing'); f.flush(); print('locked', flush=True); time.sleep(120)",
        ])
        .arg(&lock)
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(holder.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    assert_eq!(line.trim(), "locked");
    holder.kill().unwrap(); // SIGKILL: no cleanup of any kind
    holder.wait().unwrap();
    let run = t.run(["-p", "dev", "-v", "--", "true"]);
    run.success();
    assert_eq!(t.fake.count(Op::CreateToken), 1);
    // The lock the holder took is the one ssox uses.
    let shown = lock.strip_prefix(t.home()).unwrap();
    assert!(
        run.stderr.contains(&format!("~/{}", shown.display())),
        "{}",
        run.stderr
    );
}

#[test]
fn redirect_port_fixes_the_loopback_port() {
    let mut t = TestEnv::dev();
    t.with_fake_browser();
    let port = free_port();
    t.run(["login", "-p", "dev", "--redirect-port", &port.to_string()])
        .success();
    let auth = &t.fake.requests(Op::Authorize)[0].query;
    assert_eq!(
        auth["redirect_uri"],
        format!("http://127.0.0.1:{port}/oauth/callback")
    );
}

#[test]
fn sso_use_device_code_in_the_session_selects_the_device_flow() {
    let mut t = TestEnv::new();
    t.config(&DEV_CONFIG.replace(
        "[sso-session corp]\n",
        "[sso-session corp]\nsso_use_device_code = true\n",
    ));
    t.with_fake_browser();
    t.run(["login", "-p", "dev"]).success();
    assert_eq!(t.fake.count(Op::StartDeviceAuthorization), 1);
    assert_eq!(t.fake.count(Op::Authorize), 0);
}

#[test]
fn a_rejected_cached_registration_is_replaced_once() {
    let mut t = TestEnv::dev();
    t.with_fake_browser();
    // A registration the service does not know (revoked, or made against another service).
    let key = sha1_hex(
        r#"{"region": "eu-west-1", "scopes": null, "session_name": null, "startUrl": "https://legacy.awsapps.com/start", "tool": "botocore"}"#,
    );
    t.write(
        &format!(".aws/sso/cache/{key}.json"),
        r#"{"clientId": "client-unknown", "clientSecret": "nope", "expiresAt": "2099-01-01T00:00:00Z"}"#,
    );
    t.run(["login", "-p", "legacy"]).success();
    assert_eq!(t.fake.count(Op::StartDeviceAuthorization), 2);
    assert_eq!(t.fake.count(Op::RegisterClient), 1);
    let reg: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(t.path(&format!(".aws/sso/cache/{key}.json"))).unwrap(),
    )
    .unwrap();
    assert_ne!(reg["clientId"], "client-unknown");
}

#[test]
fn a_credential_process_call_with_captured_stderr_never_logs_in() {
    // botocore runs credential_process with the user's terminal as stdin but captures stderr.
    let mut t = TestEnv::dev();
    t.with_fake_browser();
    let run = t.program_on_terminal(
        "sh",
        &["-c", &format!("exec {SSOX} -p dev --json 2>/dev/null")],
    );
    assert_eq!(run.code, Some(77), "{}", run.stdout);
    assert_eq!(t.fake.total_requests(), 0);
}
