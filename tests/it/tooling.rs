//! What a real CLI ships: `ssox profiles`, `ssox doctor`, completions that know the profile
//! names, help and version.

use std::process::Command;

use crate::support::*;

fn kinds_env() -> TestEnv {
    let t = TestEnv::new();
    t.config(&format!(
        "{DEV_CONFIG}
[profile workload]
role_arn = arn:aws:iam::123456789012:role/workload
source_profile = dev
region = eu-central-1

[profile proc]
credential_process = /bin/true

[profile webid]
role_arn = arn:aws:iam::123456789012:role/webid
web_identity_token_file = /tmp/none.jwt

[profile broken]
role_arn = arn:aws:iam::123456789012:role/x

[profile settings-only]
region = eu-north-1

[profile 'team prof']
region = eu-west-1

[profile mixed]
sso_session = corp
sso_start_url = https://corp.awsapps.com/start
sso_account_id = 1
sso_role_name = r
credential_process = /bin/true
"
    ));
    t.credentials("[keys]\naws_access_key_id = AKIAEXAMPLE\naws_secret_access_key = s\n");
    t
}

#[test]
fn profiles_lists_every_profile_with_its_kind_and_credential_state() {
    let t = kinds_env();
    t.login_corp();
    t.run(["-p", "dev", "--", "true"]).success();
    let run = t.run(["profiles"]);
    run.success();
    let out = &run.stdout;
    assert!(
        !out.contains('\x1b'),
        "no colour when stdout is not a terminal"
    );
    let line = |name: &str| {
        out.lines()
            .find(|l| l.starts_with(&format!("{name} ")))
            .unwrap_or_else(|| panic!("{name} missing:\n{out}"))
            .to_string()
    };
    assert!(
        line("dev").contains("sso ")
            && line("dev").contains("111111111111/readOnly")
            && line("dev").contains("us-west-2")
    );
    assert!(
        line("dev").contains("cached credentials valid") && line("dev").contains("token valid"),
        "{}",
        line("dev")
    );
    assert!(line("legacy").contains("sso-legacy") && line("legacy").contains("not logged in"));
    assert!(
        line("workload").contains("role")
            && line("workload").contains("arn:aws:iam::123456789012:role/workload")
            && line("workload").contains(" dev ")
    );
    assert!(line("keys").contains("static") && line("keys").contains("long-term keys"));
    assert!(line("proc").contains("process"));
    assert!(line("webid").contains("web-identity"));
    assert!(line("broken").contains("invalid") && line("broken").contains("source_profile"));
    assert!(line("settings-only").contains("no credentials"));
    // Columns line up: every row's KIND starts where the header's does.
    let col = out.lines().next().unwrap().find("KIND").unwrap();
    assert!(out.lines().all(|l| l[..col].ends_with("  ")), "{out}");
    assert_eq!(t.fake.count(Op::GetRoleCredentials), 1, "no network");

    let json: serde_json::Value =
        serde_json::from_str(&t.run(["profiles", "--json"]).success().stdout).unwrap();
    let dev = json
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["name"] == "dev")
        .unwrap();
    assert_eq!(dev["kind"], "sso");
    assert_eq!(dev["health"], "good");
    assert_eq!(
        t.run(["profiles", "--names"]).success().stdout,
        "broken\ndev\nkeys\nlegacy\nmixed\nproc\nsettings-only\nteam prof\nwebid\nworkload\n"
    );
    assert_eq!(
        t.run(["profiles", "--sso-session-names"]).success().stdout,
        "corp\n"
    );
}

#[test]
fn profiles_colours_only_on_a_terminal_and_never_with_no_color() {
    let mut t = TestEnv::dev();
    t.login_corp();
    assert!(
        t.run_on_terminal(["profiles"])
            .success()
            .stdout
            .contains("\x1b[32m")
    );
    t.var("NO_COLOR", "1");
    assert!(
        !t.run_on_terminal(["profiles"])
            .success()
            .stdout
            .contains('\x1b')
    );
}

#[test]
fn doctor_explains_the_path_without_network() {
    let t = kinds_env();
    let run = t.run(["doctor", "-p", "dev"]);
    run.success();
    for want in [
        "profile `dev`",
        "~/.aws/config (read)",
        "chain        SSO sso-session corp",
        "not logged in",
        "needs a login",
        "ssox login -p dev",
        "(from AWS_ENDPOINT_URL_SSO)",
    ] {
        assert!(
            run.stdout.contains(want),
            "missing {want:?}:\n{}",
            run.stdout
        );
    }
    t.login_corp();
    let run = t.run(["doctor", "-p", "dev"]);
    assert!(
        run.success()
            .stdout
            .contains("then calls GetRoleCredentials"),
        "{}",
        run.stdout
    );
    let run = t.run(["doctor", "-p", "workload"]);
    assert!(
        run.success()
            .stdout
            .contains("then AssumeRole for each of the 1 role(s)"),
        "{}",
        run.stdout
    );
    assert_eq!(t.fake.total_requests(), 0);
}

#[test]
fn doctor_points_out_known_pitfalls() {
    let t = kinds_env();
    let run = t.run(["doctor", "-p", "mixed"]);
    assert_eq!(run.code, Some(78));
    for want in [
        "can only be specified in the [sso-session]",
        "credential_process is ignored",
        "has sso_session and also sso_start_url",
    ] {
        assert!(
            run.stdout.contains(want),
            "missing {want:?}:\n{}",
            run.stdout
        );
    }
}

#[test]
fn doctor_check_gets_credentials_once() {
    let t = kinds_env();
    t.login_corp();
    let run = t.run(["doctor", "-p", "dev", "--check"]);
    run.success();
    assert!(
        run.stdout
            .contains("check        ok: got credentials for account 111111111111"),
        "{}",
        run.stdout
    );
    assert_eq!(t.fake.count(Op::GetRoleCredentials), 1);
    t.run(["doctor", "-p", "legacy", "--check"]).code(77);
}

#[test]
fn completions_match_the_checked_in_files() {
    let t = TestEnv::new();
    for (shell, file) in [
        ("bash", "ssox.bash"),
        ("zsh", "_ssox"),
        ("fish", "ssox.fish"),
        ("powershell", "_ssox.ps1"),
        ("elvish", "ssox.elv"),
    ] {
        let printed = t.run(["completions", shell]).success().stdout.clone();
        let checked_in =
            std::fs::read_to_string(format!("{}/completions/{file}", env!("CARGO_MANIFEST_DIR")))
                .unwrap();
        assert_eq!(
            printed, checked_in,
            "{shell}: run `UPDATE_GENERATED=1 cargo test --locked generated_files`"
        );
    }
}

fn shell_run(t: &TestEnv, shell: &str, script: &str) -> String {
    let bin = std::path::Path::new(SSOX).parent().unwrap();
    let out = Command::new(shell)
        .args(["-c", script])
        .env_clear()
        .env("HOME", t.home())
        .env(
            "PATH",
            format!("{}:{}", bin.display(), std::env::var("PATH").unwrap()),
        )
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{shell}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn bash_completes_profile_and_session_names_from_the_config() {
    let t = kinds_env();
    let script = format!(
        "source {}/completions/ssox.bash
         COMP_WORDS=(ssox -p w); COMP_CWORD=2; _ssox ssox w -p; echo \"p: ${{COMPREPLY[*]}}\"
         COMP_WORDS=(ssox login --profile ''); COMP_CWORD=3; _ssox ssox '' --profile; echo \"login: ${{COMPREPLY[*]}}\"
         COMP_WORDS=(ssox login --sso-session ''); COMP_CWORD=3; _ssox ssox '' --sso-session; echo \"session: ${{COMPREPLY[*]}}\"
         COMP_WORDS=(ssox -p te); COMP_CWORD=2; _ssox ssox te -p; echo \"spaced: ${{COMPREPLY[*]}}\"",
        env!("CARGO_MANIFEST_DIR")
    );
    let out = shell_run(&t, "bash", &script);
    assert!(out.contains("p: webid workload\n"), "{out}");
    assert!(
        out.contains(
            "login: broken dev keys legacy mixed proc settings-only team\\ prof webid workload\n"
        ),
        "{out}"
    );
    assert!(out.contains("spaced: team\\ prof\n"), "{out}");
    assert!(out.contains("session: corp\n"), "{out}");
}

#[test]
fn zsh_and_fish_scripts_parse_and_fish_completes_profile_names() {
    if !(have("zsh") && have("fish")) {
        return skipped(
            "zsh or fish",
            "the zsh and fish completion checks need both shells",
        );
    }
    let t = kinds_env();
    let dir = env!("CARGO_MANIFEST_DIR");
    shell_run(
        &t,
        "zsh",
        &format!(
            "autoload -U compinit && compinit -u -D && source {dir}/completions/_ssox && whence -w _ssox_profile_names"
        ),
    );
    let out = shell_run(
        &t,
        "fish",
        &format!("source {dir}/completions/ssox.fish; complete -C 'ssox -p w'"),
    );
    assert!(out.contains("webid") && out.contains("workload"), "{out}");
}

#[test]
fn help_lists_the_commands_with_examples() {
    let t = TestEnv::new();
    let help = t.run(["--help"]).success().stdout.clone();
    for want in [
        "login",
        "logout",
        "profiles",
        "doctor",
        "completions",
        "ssox -p dev -- terraform plan",
        "ssox login -p dev",
        "ssox profiles",
        "ssox doctor -p dev",
        "--server",
    ] {
        assert!(help.contains(want), "missing {want:?}");
    }
}
