//! One plan, shown as it will run: for each state a user can be in, `ssox doctor`'s "next
//! run", `ssox profiles --json`'s `login_needed` and `health`, and the exit status of a run
//! that may not log in (`--no-login`) agree, and are what the case expects.

use crate::support::*;

const PARITY_CONFIG: &str = "
[profile chain]
role_arn = arn:aws:iam::123456789012:role/chain
source_profile = dev

[profile typo]
role_arn = arn:aws:iam::123456789012:role/x
credential_source = Enviroment

[profile from-env]
role_arn = arn:aws:iam::123456789012:role/x
credential_source = Environment

[profile login-only]
sso_session = corp

[profile via-login-only]
role_arn = arn:aws:iam::123456789012:role/x
source_profile = login-only
";

/// How a case leaves the caches before the three are asked.
#[derive(Clone, Copy, Debug)]
enum Fixture {
    /// Role credentials cached for an hour; the token has expired and cannot refresh.
    FreshCredentials,
    /// Role credentials cached for 5 minutes (less than the 15 a run needs); a valid token.
    ShortCredentialsValidToken,
    /// Role credentials cached for 5 minutes; the token has expired and cannot refresh.
    ShortCredentialsDeadToken,
    /// No role credentials; the token has expired but has a refresh token.
    Refreshable,
    /// No token at all.
    NoToken,
}

fn expired_token(t: &TestEnv) {
    t.cache_token(
        "corp",
        "https://corp.awsapps.com/start",
        "expired",
        now() - 60,
    );
}

fn prepare(t: &TestEnv, fixture: Fixture) {
    let cache_role = |ttl: i64| {
        t.fake.set_role_ttl(ttl);
        t.login_corp();
        t.run(["-p", "dev", "--min-ttl", "1m", "--", "true"])
            .success();
        t.fake.set_role_ttl(3600);
    };
    match fixture {
        Fixture::FreshCredentials => {
            cache_role(3600);
            expired_token(t);
        }
        Fixture::ShortCredentialsValidToken => cache_role(300),
        Fixture::ShortCredentialsDeadToken => {
            cache_role(300);
            expired_token(t);
        }
        Fixture::Refreshable => {
            t.cache_refreshable_corp(-60);
        }
        Fixture::NoToken => {}
    }
}

struct Seen {
    run: i32,
    run_stderr: String,
    doctor: i32,
    next_run: String,
    login_needed: bool,
    health: String,
}

fn observe(t: &TestEnv, profile: &str) -> Seen {
    let doctor = t.run(["doctor", "-p", profile]);
    let next_run = doctor
        .stdout
        .lines()
        .find_map(|l| l.trim_start().strip_prefix("next run"))
        .unwrap_or_default()
        .trim()
        .to_string();
    let profiles = t.run(["profiles", "--json"]);
    profiles.success();
    let rows: serde_json::Value = serde_json::from_str(&profiles.stdout).unwrap();
    let row = rows
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["name"] == profile)
        .unwrap_or_else(|| panic!("no row for {profile}: {}", profiles.stdout))
        .clone();
    let run = t.run(["-p", profile, "--no-login", "--", "true"]);
    Seen {
        run: run.code.unwrap(),
        run_stderr: run.stderr,
        doctor: doctor.code.unwrap(),
        next_run,
        login_needed: row["login_needed"].as_bool().unwrap(),
        health: row["health"].as_str().unwrap().to_string(),
    }
}

#[test]
fn doctor_profiles_and_the_run_agree_on_every_state() {
    use Fixture::*;
    // (profile, fixture, the run's exit status, what doctor's next run says, profiles' health)
    let cases: &[(&str, Fixture, i32, &str, &str)] = &[
        (
            "dev",
            FreshCredentials,
            0,
            "uses the cached credentials",
            "good",
        ),
        (
            "dev",
            ShortCredentialsValidToken,
            0,
            "uses the cached token",
            "good",
        ),
        ("dev", ShortCredentialsDeadToken, 77, "needs a login", "bad"),
        ("dev", Refreshable, 0, "refreshes the token", "warn"),
        ("dev", NoToken, 77, "needs a login", "bad"),
        ("chain", NoToken, 77, "needs a login", "bad"),
        ("typo", NoToken, 78, "did you mean Environment?", "bad"),
        ("from-env", NoToken, 78, "are not both set", "bad"),
        (
            "via-login-only",
            NoToken,
            78,
            "names an SSO login but no role",
            "bad",
        ),
        (
            "login-only",
            NoToken,
            78,
            "names an SSO login but no role",
            "none",
        ),
    ];
    for &(profile, fixture, exit, next, health) in cases {
        let t = TestEnv::new();
        t.config(&format!("{DEV_CONFIG}{PARITY_CONFIG}"));
        prepare(&t, fixture);
        let seen = observe(&t, profile);
        let case = format!("{profile} with {fixture:?}");
        assert_eq!(seen.run, exit, "{case}: the run: {}", seen.run_stderr);
        assert!(
            seen.next_run.contains(next),
            "{case}: doctor's next run: {}",
            seen.next_run
        );
        assert_eq!(seen.health, health, "{case}: profiles' health");
        // The three agree with each other, whatever the case.
        assert_eq!(seen.login_needed, exit == 77, "{case}: login_needed");
        assert_eq!(
            seen.next_run.contains("needs a login"),
            exit == 77,
            "{case}: {}",
            seen.next_run
        );
        assert_eq!(
            seen.doctor,
            if exit == 78 { 78 } else { 0 },
            "{case}: doctor's exit status"
        );
    }
}

#[test]
fn a_source_profile_without_a_role_is_named_with_its_own_line_and_file() {
    let t = TestEnv::new();
    t.config(&format!("{DEV_CONFIG}{PARITY_CONFIG}"));
    let line = format!("{DEV_CONFIG}{PARITY_CONFIG}")
        .lines()
        .position(|l| l == "[profile login-only]")
        .unwrap()
        + 1;
    t.run(["-p", "via-login-only", "--", "true"])
        .code(78)
        .error_line(&[&format!(
            "~/.aws/config line {line}: profile `login-only` (the source_profile of `via-login-only`) names an SSO login but no role"
        )]);
}
