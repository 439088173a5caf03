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
    // The states as fields, timestamps in RFC 3339, for scripts.
    assert_eq!(dev["account_id"], "111111111111");
    assert_eq!(dev["role_name"], "readOnly");
    assert_eq!(dev["sso_session"], "corp");
    assert_eq!(dev["login_needed"], false);
    assert_eq!(
        dev["token_refreshable"], false,
        "login_corp caches no refresh token"
    );
    for key in ["token_expires_at", "credentials_expire_at"] {
        let at = dev[key].as_str().unwrap_or_else(|| panic!("{key}: {dev}"));
        assert!(
            at.len() == 20 && at.ends_with('Z') && at.as_bytes()[10] == b'T',
            "{key}: {at}"
        );
    }
    let legacy = json
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["name"] == "legacy")
        .unwrap();
    assert_eq!(legacy["login_needed"], true);
    assert_eq!(legacy["token_expires_at"], serde_json::Value::Null);
    assert_eq!(legacy["credentials_expire_at"], serde_json::Value::Null);
    let workload = json
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["name"] == "workload")
        .unwrap();
    assert_eq!(
        workload["role_arn"],
        "arn:aws:iam::123456789012:role/workload"
    );
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
    // An expired token that can be refreshed says so once.
    t.cache_refreshable_corp(-60);
    let run = t.run(["doctor", "-p", "dev"]);
    let token = run
        .success()
        .stdout
        .lines()
        .find(|l| l.trim_start().starts_with("token"))
        .unwrap()
        .to_string();
    assert!(token.ends_with(": token expired, refreshable"), "{token}");
    assert_eq!(token.matches("refreshable").count(), 1, "{token}");
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

/// What zsh offers for `line`, driven on a pseudo-terminal as a person pressing Tab.
fn zsh_offers(t: &TestEnv, line: &str, setup: &str) -> Vec<String> {
    let bin = std::path::Path::new(SSOX).parent().unwrap();
    let dir = env!("CARGO_MANIFEST_DIR");
    let out = Command::new("zsh")
        .arg(format!("{dir}/tests/support/zsh_complete.zsh"))
        .arg(format!("{dir}/completions"))
        .arg(line)
        .env_clear()
        .env("HOME", t.home())
        .env("TERM", "dumb")
        .env("ZSH_COMPLETE_SETUP", setup)
        .env(
            "PATH",
            format!("{}:{}", bin.display(), std::env::var("PATH").unwrap()),
        )
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(str::to_string)
        .collect()
}

fn shells_present(shells: &[&str]) -> bool {
    let missing: Vec<&&str> = shells.iter().filter(|s| !have(s)).collect();
    if missing.is_empty() {
        return true;
    }
    skipped(
        &format!("{missing:?}"),
        "the completion checks need zsh and fish (apt-get install zsh fish)",
    );
    false
}

#[test]
fn zsh_offers_subcommands_at_the_start_and_each_subcommands_own_options() {
    if !shells_present(&["zsh"]) {
        return;
    }
    let t = kinds_env();
    let first = zsh_offers(&t, "ssox ", ":");
    for want in ["login", "configure", "doctor", "profiles"] {
        assert!(first.contains(&want.to_string()), "{first:?}");
    }
    // Not the files of the working directory, not every command on PATH.
    assert!(
        !first.iter().any(|w| w == "Cargo.toml" || w == "ls"),
        "{first:?}"
    );
    assert_eq!(zsh_offers(&t, "ssox login --sso-session ", ":"), ["corp"]);
    assert_eq!(
        zsh_offers(&t, "ssox configure --sso-session ", ":"),
        ["corp"]
    );
    let login_options = zsh_offers(&t, "ssox login --", ":");
    assert!(
        login_options.contains(&"--use-device-code".to_string()),
        "{login_options:?}"
    );
    assert!(zsh_offers(&t, "ssox -p w", ":").contains(&"workload".to_string()));
}

#[test]
fn after_the_separator_every_shell_hands_over_to_programs_own_completion() {
    if !shells_present(&["zsh", "fish"]) {
        return;
    }
    let t = kinds_env();
    // A program with a completion of its own: what it offers must come through ssox.
    let zsh = zsh_offers(
        &t,
        "ssox -p dev -- mytool al",
        "_mytool() { compadd alpha beta }; compdef _mytool mytool",
    );
    assert_eq!(zsh, ["alpha"]);
    let dir = env!("CARGO_MANIFEST_DIR");
    let fish = shell_run(
        &t,
        "fish",
        &format!(
            "source {dir}/completions/ssox.fish; complete -c mytool -f -a 'alpha beta'
             complete -C 'ssox -p dev -- mytool al'; echo ---; complete -C 'ssox -p dev -- ssox pro'"
        ),
    );
    let (program, names) = fish.split_once("---\n").unwrap();
    assert_eq!(program.trim(), "alpha");
    // The command name itself completes from PATH (ssox is on it).
    assert!(names.starts_with("profiles"), "{names}");
    // Debian's, then Homebrew's bash-completion@2 (Apple silicon, Intel).
    let Some(bash_completion) = [
        "/usr/share/bash-completion/bash_completion",
        "/opt/homebrew/share/bash-completion/bash_completion",
        "/usr/local/share/bash-completion/bash_completion",
    ]
    .into_iter()
    .find(|p| std::path::Path::new(p).exists()) else {
        return skipped(
            "bash-completion",
            "the bash hand-over uses bash-completion's _command_offset (apt-get install bash-completion, brew install bash-completion@2)",
        );
    };
    let bash = shell_run(
        &t,
        "bash",
        &format!(
            "source {bash_completion}; source {dir}/completions/ssox.bash; complete -W 'alpha beta' mytool
             COMP_WORDS=(ssox -p dev -- mytool al); COMP_CWORD=5; COMP_LINE='ssox -p dev -- mytool al'; COMP_POINT=${{#COMP_LINE}}
             _ssox ssox al mytool; echo \"${{COMPREPLY[*]}}\""
        ),
    );
    assert_eq!(bash.trim(), "alpha");
}

#[test]
fn fish_completes_formats_and_names_right_after_their_options() {
    if !shells_present(&["fish"]) {
        return;
    }
    let t = kinds_env();
    let dir = env!("CARGO_MANIFEST_DIR");
    let out = shell_run(
        &t,
        "fish",
        &format!(
            "source {dir}/completions/ssox.fish; complete -C 'ssox --format '; echo ---; complete -C 'ssox -p w'; echo ---; complete -C 'ssox '"
        ),
    );
    let parts: Vec<&str> = out.split("---\n").collect();
    let formats: Vec<&str> = parts[0]
        .lines()
        .map(|l| l.split('\t').next().unwrap())
        .collect();
    for f in ["process", "env", "dotenv", "powershell", "fish"] {
        assert!(formats.contains(&f), "{formats:?}");
    }
    assert!(
        parts[1].contains("webid") && parts[1].contains("workload"),
        "{}",
        parts[1]
    );
    // Subcommands, no file names.
    assert!(
        parts[2].contains("configure") && !parts[2].contains("Cargo.toml"),
        "{}",
        parts[2]
    );
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

#[test]
fn version_names_the_release_and_the_commit_it_was_built_from() {
    let t = TestEnv::new();
    let run = t.run(["--version"]);
    run.success();
    let want = format!("ssox {} (", env!("CARGO_PKG_VERSION"));
    assert!(run.stdout.starts_with(&want), "{}", run.stdout);
    // Built in this checkout, so the commit is git's HEAD.
    let head = Command::new("git")
        .args(["log", "-1", "--format=%h %cs"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .unwrap();
    let head = String::from_utf8(head.stdout).unwrap();
    if !head.trim().is_empty() {
        assert_eq!(run.stdout.trim(), format!("{want}{})", head.trim()));
    }
}

#[test]
fn check_layers_refuses_its_fixture_cycle_and_upward_use_and_passes_the_tree() {
    let root = env!("CARGO_MANIFEST_DIR");
    let check = |src: &str| {
        let out = Command::new("python3")
            .arg(format!("{root}/scripts/check-layers"))
            .arg(format!("{root}/{src}"))
            .output()
            .unwrap();
        (out.status.code(), String::from_utf8(out.stdout).unwrap())
    };
    // A child that takes a helper from its parent while the parent walks through it.
    let (code, out) = check("tests/fixtures/layers/cycle/src");
    assert_eq!(code, Some(1), "{out}");
    assert!(
        out.contains("cycle: provider -> provider::sso -> provider"),
        "{out}"
    );
    // A leaf that reaches a command through `super::` in a use tree.
    let (code, out) = check("tests/fixtures/layers/upward/src");
    assert_eq!(code, Some(1), "{out}");
    assert!(
        out.contains("error uses commands::run, a layer above it"),
        "{out}"
    );
    let (code, out) = check("src");
    assert_eq!(code, Some(0), "{out}");
}
