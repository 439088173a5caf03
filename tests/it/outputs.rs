//! Credentials out of the process: the output formats, the credentials file, and the role
//! cache shared with the AWS CLI.

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::process::Command;

use crate::support::*;

fn bash(script: &str, file: &std::path::Path) -> String {
    let out = Command::new("bash")
        .args(["-c", script, "bash"])
        .arg(file)
        .env_clear()
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

fn botocore_creds(t: &TestEnv, profile: &str) -> Vec<String> {
    t.python("botocore_creds.py", &[profile])
        .lines()
        .map(String::from)
        .collect()
}

#[test]
fn env_export_works_with_eval_and_with_export_substitution() {
    let t = TestEnv::dev();
    t.login_corp();
    let run = t.run(["-p", "dev", "--env-export"]);
    run.success();
    assert!(run.stderr.is_empty(), "{}", run.stderr);
    let file = t.write("out.sh", &run.stdout);
    let show = "echo \"$AWS_ACCESS_KEY_ID|$AWS_SECRET_ACCESS_KEY|$AWS_SESSION_TOKEN|$AWS_CREDENTIAL_EXPIRATION|$AWS_REGION|$AWS_DEFAULT_REGION\"";
    let via_eval = bash(&format!("eval \"$(cat \"$1\")\"; {show}"), &file);
    let via_export = bash(&format!("export $(cat \"$1\"); {show}"), &file);
    assert_eq!(via_eval, via_export);
    let parts: Vec<&str> = via_eval.trim().split('|').collect();
    assert!(parts[0].starts_with("ASIAFAKE"));
    assert!(parts[2].starts_with("fake-session-111111111111-readOnly"));
    assert!(parts[3].ends_with('Z'));
    assert_eq!(&parts[4..], ["us-west-2", "us-west-2"]);
}

#[test]
fn every_format_parses_back_to_the_same_credentials() {
    let t = TestEnv::dev();
    t.login_corp();
    let json: serde_json::Value =
        serde_json::from_str(&t.run(["-p", "dev", "--json"]).success().stdout).unwrap();
    assert_eq!(json["Version"], 1);
    let key = json["AccessKeyId"].as_str().unwrap().to_string();
    let token = json["SessionToken"].as_str().unwrap().to_string();
    let exp = json["Expiration"].as_str().unwrap().to_string();
    assert!(exp.ends_with('Z'));
    assert_eq!(json["AccountId"], "111111111111");
    // Every later run reuses the cached credentials, so all formats show the same values.
    let pretty = t
        .run(["-p", "dev", "--json", "--pretty"])
        .success()
        .stdout
        .clone();
    assert!(pretty.contains("\n  \"AccessKeyId\""));
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(&pretty).unwrap(),
        json
    );
    let cases: [(&str, &str, &str); 7] = [
        ("--env", "", "="),
        ("env", "export ", "="),
        ("env-no-export", "", "="),
        ("dotenv", "", "="),
        ("powershell", "$Env:", "=\""),
        ("windows-cmd", "set ", "="),
        ("fish", "set -gx ", " "),
    ];
    for (fmt, prefix, sep) in cases {
        let args: Vec<&str> = if fmt.starts_with("--") {
            vec!["-p", "dev", fmt]
        } else {
            vec!["-p", "dev", "--format", fmt]
        };
        let out = t.run(&args).success().stdout.clone();
        let vars: std::collections::HashMap<String, String> = out
            .lines()
            .map(|l| {
                let l = l
                    .strip_prefix(prefix)
                    .unwrap_or_else(|| panic!("{fmt}: {l}"));
                let (k, v) = l.split_once(sep).unwrap();
                (k.to_string(), v.trim_end_matches('"').to_string())
            })
            .collect();
        assert_eq!(vars["AWS_ACCESS_KEY_ID"], key, "{fmt}");
        assert_eq!(vars["AWS_SESSION_TOKEN"], token, "{fmt}");
        assert_eq!(vars["AWS_CREDENTIAL_EXPIRATION"], exp, "{fmt}");
        assert_eq!(vars["AWS_REGION"], "us-west-2", "{fmt}");
        // The SDKs route account-based endpoints by it.
        assert_eq!(vars["AWS_ACCOUNT_ID"], "111111111111", "{fmt}");
        assert_eq!(vars.len(), 7, "{fmt}");
    }
    assert_eq!(t.fake.count(Op::GetRoleCredentials), 1);
}

#[test]
fn output_options_and_a_program_are_a_usage_error() {
    let t = TestEnv::dev();
    t.run(["-p", "dev", "--json", "--", "env"]).code(2);
    t.run(["-p", "dev", "--json", "--env"]).code(2);
    t.run(["-p", "dev", "--format", "yaml"]).code(2);
    assert_eq!(t.fake.total_requests(), 0);
}

#[test]
fn credential_process_json_works_for_botocore() {
    let t = TestEnv::new();
    t.config(&format!(
        "{DEV_CONFIG}\n[profile viaproc]\ncredential_process = {SSOX} -p dev --json\n"
    ));
    t.login_corp();
    let got = botocore_creds(&t, "viaproc");
    assert!(got[0].starts_with("ASIAFAKE"), "{got:?}");
    assert!(got[2].starts_with("fake-session-111111111111-readOnly"));
    assert_eq!(got[3], "custom-process");
}

const CREDS_FILE: &str = "# keep this comment\n[default]\naws_access_key_id = AKIADEFAULT\naws_secret_access_key = keepme\n\n; and this one\n[dev-keys]\nregion = eu-west-3\naws_access_key_id = ASIAOLD\naws_secret_access_key = old\naws_security_token = stale\n\n[zzz]\nfoo=bar\n";

#[test]
fn writing_the_credentials_file_changes_only_that_sections_keys() {
    let t = TestEnv::dev();
    t.login_corp();
    let path = t.credentials(CREDS_FILE);
    fs::set_permissions(&path, fs::Permissions::from_mode(0o640)).unwrap();
    let run = t.run(["-p", "dev", "-c", "dev-keys"]);
    run.success();
    assert!(run.stdout.is_empty());
    assert!(
        run.stderr
            .contains("wrote the credentials of profile `dev` to [dev-keys] in ~/.aws/credentials"),
        "{}",
        run.stderr
    );
    let text = fs::read_to_string(&path).unwrap();
    let (before, after) = CREDS_FILE
        .split_once("aws_access_key_id = ASIAOLD\n")
        .unwrap();
    assert!(text.starts_with(before), "{text}");
    assert!(text.ends_with("\n\n[zzz]\nfoo=bar\n"), "{text}");
    assert!(!text.contains("aws_security_token") && !text.contains("ASIAOLD"));
    assert!(after.contains("[zzz]"));
    assert_eq!(
        fs::metadata(&path).unwrap().permissions().mode() & 0o777,
        0o600,
        "secrets are never group-readable"
    );
    assert!(
        run.stderr
            .contains("was mode 0640; it holds secrets, so ssox wrote it as 0600"),
        "{}",
        run.stderr
    );
    // botocore reads the written profile.
    let got = botocore_creds(&t, "dev-keys");
    assert!(got[0].starts_with("ASIAFAKE"));
    assert!(got[2].starts_with("fake-session-"));
    assert_eq!(got[3], "shared-credentials-file");
}

#[test]
fn a_missing_credentials_file_and_directory_are_created_private() {
    let t = TestEnv::new();
    t.config(DEV_CONFIG);
    t.login_corp();
    let creds_path = t.path("elsewhere/sub/credentials");
    let mut t = t;
    t.var("AWS_SHARED_CREDENTIALS_FILE", creds_path.to_str().unwrap());
    t.run(["-p", "dev", "-c", "dev"]).success();
    assert_eq!(
        fs::metadata(&creds_path).unwrap().permissions().mode() & 0o777,
        0o600
    );
    assert_eq!(
        fs::metadata(creds_path.parent().unwrap())
            .unwrap()
            .permissions()
            .mode()
            & 0o777,
        0o700
    );
    assert!(
        fs::read_to_string(&creds_path)
            .unwrap()
            .starts_with("[dev]\naws_access_key_id = ASIAFAKE")
    );
}

#[test]
fn long_term_keys_are_never_overwritten_without_force() {
    let t = TestEnv::dev();
    t.login_corp();
    let path = t.credentials(CREDS_FILE);
    t.run(["-p", "dev", "-c", "default"]).code(78).error_line(&[
        "[default]",
        "long-term keys",
        "--force",
    ]);
    assert_eq!(fs::read_to_string(&path).unwrap(), CREDS_FILE);
    t.run(["-p", "dev", "-c", "default", "--force"]).success();
    assert!(!fs::read_to_string(&path).unwrap().contains("AKIADEFAULT"));
}

#[test]
fn writing_under_the_sso_profiles_own_name_never_shadows_sso() {
    let t = TestEnv::dev();
    t.login_corp();
    t.credentials("[dev]\naws_access_key_id = ASIASTALE\naws_secret_access_key = stale\naws_session_token = stale\n");
    let run = t.run(["-p", "dev", "-c", "dev", "--", "env"]);
    run.success();
    let key = run.env_var("AWS_ACCESS_KEY_ID").unwrap();
    assert!(key.starts_with("ASIAFAKE"), "{key}");
    assert!(
        fs::read_to_string(t.path(".aws/credentials"))
            .unwrap()
            .contains(&key)
    );
}

fn cache_file(t: &TestEnv) -> std::path::PathBuf {
    let key =
        sha1_hex(r#"{"accountId":"111111111111","roleName":"readOnly","sessionName":"corp"}"#);
    t.path(&format!(".aws/cli/cache/{key}.json"))
}

#[test]
fn role_credentials_are_cached_where_the_aws_cli_keeps_them() {
    let t = TestEnv::dev();
    t.login_corp();
    let first = t.run(["-p", "dev", "--", "env"]);
    first.success();
    let second = t.run(["-p", "dev", "--", "env"]);
    second.success();
    assert_eq!(t.fake.count(Op::GetRoleCredentials), 1);
    assert_eq!(
        first.env_var("AWS_ACCESS_KEY_ID"),
        second.env_var("AWS_ACCESS_KEY_ID")
    );
    let path = cache_file(&t);
    assert_eq!(
        fs::metadata(&path).unwrap().permissions().mode() & 0o777,
        0o600
    );
    let entry: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(&path).unwrap()).unwrap();
    assert_eq!(entry["ProviderType"], "sso");
    assert_eq!(
        entry["Credentials"]["AccessKeyId"],
        first.env_var("AWS_ACCESS_KEY_ID").unwrap().as_str()
    );
    assert_eq!(entry["Credentials"]["AccountId"], "111111111111");
}

#[test]
fn credentials_the_aws_cli_cached_are_used_without_a_token_or_network() {
    let t = TestEnv::dev();
    t.write(
        cache_file(&t).strip_prefix(t.home()).unwrap().to_str().unwrap(),
        &format!(
            r#"{{"ProviderType": "sso", "Credentials": {{"AccessKeyId": "ASIAFROMCLI", "SecretAccessKey": "s", "SessionToken": "t", "Expiration": "{}"}}}}"#,
            rfc3339(now() + 3600)
        ),
    );
    let run = t.run(["-p", "dev", "--", "env"]);
    run.success();
    assert_eq!(
        run.env_var("AWS_ACCESS_KEY_ID").as_deref(),
        Some("ASIAFROMCLI")
    );
    assert_eq!(t.fake.total_requests(), 0);
}

#[test]
fn min_ttl_and_refresh_decide_when_cached_credentials_are_renewed() {
    let t = TestEnv::dev();
    t.login_corp();
    let path = cache_file(&t);
    let cached = |left: i64| {
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(
            &path,
            format!(
                r#"{{"ProviderType": "sso", "Credentials": {{"AccessKeyId": "ASIACACHED", "SecretAccessKey": "s", "SessionToken": "t", "Expiration": "{}"}}}}"#,
                rfc3339(now() + left)
            ),
        )
        .unwrap();
    };
    cached(30 * 60);
    assert_eq!(
        t.run(["-p", "dev", "--", "env"])
            .success()
            .env_var("AWS_ACCESS_KEY_ID")
            .as_deref(),
        Some("ASIACACHED")
    );
    assert_eq!(t.fake.count(Op::GetRoleCredentials), 0);
    let run = t.run(["-p", "dev", "--min-ttl", "50m", "--", "env"]);
    assert_ne!(
        run.success().env_var("AWS_ACCESS_KEY_ID").as_deref(),
        Some("ASIACACHED")
    );
    assert_eq!(t.fake.count(Op::GetRoleCredentials), 1);
    cached(10 * 60);
    t.run(["-p", "dev", "--", "true"]).success();
    assert_eq!(
        t.fake.count(Op::GetRoleCredentials),
        2,
        "under 15 minutes left is renewed"
    );
    t.run(["-p", "dev", "--refresh", "--", "true"]).success();
    assert_eq!(t.fake.count(Op::GetRoleCredentials), 3);
}

#[test]
fn a_min_ttl_the_role_cannot_meet_is_reported() {
    let t = TestEnv::dev();
    t.login_corp();
    t.fake.set_role_ttl(3600);
    let run = t.run(["-p", "dev", "--min-ttl", "2h", "--", "true"]);
    run.success();
    assert!(
        run.stderr.contains("credentials last only")
            && run.stderr.contains("less than the 2h 0m asked for"),
        "{}",
        run.stderr
    );
}

#[test]
fn a_corrupt_cache_entry_is_ignored_and_replaced() {
    let t = TestEnv::dev();
    t.login_corp();
    let path = cache_file(&t);
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    fs::write(&path, "{\"Credentials\": {\"AccessKeyId\": ").unwrap();
    t.run(["-p", "dev", "--", "true"]).success();
    assert_eq!(t.fake.count(Op::GetRoleCredentials), 1);
    let entry: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(&path).unwrap()).unwrap();
    assert_eq!(entry["ProviderType"], "sso");
}

#[test]
fn symlinks_where_lock_files_used_to_be_are_left_alone() {
    let t = TestEnv::dev();
    t.cache_refreshable_corp(60);
    let victim = t.write("victim", "precious");
    let creds = t.credentials("[other]\nx = 1\n");
    // Where ssox used to put its locks, and truncate them.
    std::os::unix::fs::symlink(&victim, t.token_path("corp").with_extension("lock")).unwrap();
    std::os::unix::fs::symlink(&victim, creds.with_extension("ssox-lock")).unwrap();
    t.run(["-p", "dev", "-c", "dev"]).success();
    assert_eq!(fs::read_to_string(&victim).unwrap(), "precious");
}

#[test]
fn a_symlink_planted_where_ssox_keeps_a_lock_is_refused() {
    let t = TestEnv::dev();
    t.cache_refreshable_corp(60);
    let victim = t.write("victim", "precious");
    let lock = t.lock_path("token", &t.token_path("corp"));
    fs::create_dir_all(lock.parent().unwrap()).unwrap();
    std::os::unix::fs::symlink(&victim, &lock).unwrap();
    t.run(["-p", "dev", "--", "true"])
        .code(74)
        .error_line(&["cannot open the lock file", "token-"]);
    assert_eq!(fs::read_to_string(&victim).unwrap(), "precious");
}

#[test]
fn a_credentials_file_linked_into_dotfiles_gets_no_lock_files_beside_it() {
    let t = TestEnv::dev();
    t.login_corp();
    let dotfiles = t.path("dotfiles");
    fs::create_dir_all(&dotfiles).unwrap();
    fs::create_dir_all(t.path(".aws")).unwrap();
    // A dangling link, made before the file: written through, the link kept.
    std::os::unix::fs::symlink(dotfiles.join("credentials"), t.path(".aws/credentials")).unwrap();
    t.run(["-p", "dev", "-c", "dev"]).success();
    t.run(["-p", "dev", "-c", "dev"]).success();
    assert!(
        fs::symlink_metadata(t.path(".aws/credentials"))
            .unwrap()
            .file_type()
            .is_symlink()
    );
    let names: Vec<String> = fs::read_dir(&dotfiles)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names, ["credentials"]);
    assert!(
        fs::read_to_string(dotfiles.join("credentials"))
            .unwrap()
            .starts_with("[dev]\naws_access_key_id = ASIAFAKE")
    );
}

#[test]
fn a_section_name_that_is_not_a_profile_name_is_a_usage_error() {
    let t = TestEnv::dev();
    t.login_corp();
    let path =
        t.credentials("[default]\naws_access_key_id = AKIAKEEP\naws_secret_access_key = k\n");
    let run = t.run(["-p", "dev", "-c", "x]\n[default"]);
    run.code(2);
    assert!(run.stderr.contains("profile name"), "{}", run.stderr);
    assert!(fs::read_to_string(&path).unwrap().contains("AKIAKEEP"));
    assert_eq!(t.fake.total_requests(), 0);
}

#[test]
fn root_rewriting_another_users_credentials_file_keeps_it_theirs() {
    if !nix::unistd::geteuid().is_root() {
        return skipped(
            "root",
            "this test changes a file's owner; run it as root (CI does)",
        );
    }
    use std::os::unix::fs::MetadataExt;
    let t = TestEnv::dev();
    t.login_corp();
    let path = t.credentials("[other]\nx = 1\n");
    std::os::unix::fs::chown(&path, Some(65534), Some(65534)).unwrap();
    t.run(["-p", "dev", "-c", "dev"]).success();
    let meta = fs::metadata(&path).unwrap();
    assert_eq!((meta.uid(), meta.gid()), (65534, 65534));
    assert!(fs::read_to_string(&path).unwrap().contains("[dev]"));
}

#[test]
fn a_config_file_with_old_mac_line_endings_is_read() {
    let t = TestEnv::new();
    t.config(&DEV_CONFIG.replace('\n', "\r"));
    t.login_corp();
    t.run(["-p", "dev", "--", "true"]).success();
}
