//! `--server`: PROGRAM fetches credentials from a loopback container-credentials endpoint
//! that keeps them fresh; ssox supervises it like a shell would.

use std::io::{BufRead, BufReader, Write};
use std::os::unix::process::ExitStatusExt;
use std::process::Stdio;

use crate::support::*;

const CHILD: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/support/server_child.py");

#[test]
fn botocore_fetches_from_the_endpoint_and_short_credentials_cost_one_call() {
    let t = TestEnv::dev();
    t.login_corp();
    // Twelve-minute credentials: botocore asks again on every use (they are inside its
    // 15-minute refresh window); ssox answers from memory instead of calling upstream.
    t.fake.set_role_ttl(12 * 60);
    let run = t.run(["-p", "dev", "--server", "--", "python3", CHILD, "rotate"]);
    run.success();
    assert!(run.stdout.contains("static: none\n"), "{}", run.stdout);
    assert!(
        run.stdout.contains("profile: dev us-west-2\n"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("method: container-role\n"),
        "{}",
        run.stdout
    );
    let keys: Vec<&str> = run
        .stdout
        .lines()
        .find_map(|l| l.strip_prefix("keys: "))
        .unwrap()
        .split(' ')
        .collect();
    assert!(keys[0].starts_with("ASIAFAKE"));
    assert_eq!(
        keys[0], keys[1],
        "the second fetch was answered from memory"
    );
    assert_eq!(t.fake.count(Op::GetRoleCredentials), 1);
}

#[test]
fn the_endpoint_refuses_strangers_and_closes_with_the_program() {
    let t = TestEnv::dev();
    t.login_corp();
    let run = t.run(["-p", "dev", "--server", "--", "python3", CHILD, "probe"]);
    run.success();
    let out = &run.stdout;
    for want in [
        "missing: 401",
        "wrong: 403",
        "post: 405",
        "other path: 404",
        "ok: 200 ['AccessKeyId', 'AccountId', 'Expiration', 'SecretAccessKey', 'Token']",
    ] {
        assert!(out.contains(want), "missing {want:?} in {out}");
    }
    let url = out.lines().find_map(|l| l.strip_prefix("url: ")).unwrap();
    assert!(url.starts_with("http://127.0.0.1:"));
    let addr = url.trim_start_matches("http://").split('/').next().unwrap();
    assert!(
        std::net::TcpStream::connect(addr).is_err(),
        "port still open after the program ended"
    );
}

#[test]
fn the_programs_exit_status_and_signal_death_come_back() {
    let t = TestEnv::dev();
    t.login_corp();
    t.run(["-p", "dev", "--server", "--", "sh", "-c", "exit 7"])
        .code(7);
    let status = t
        .cmd(["-p", "dev", "--server", "--", "sh", "-c", "kill -TERM $$"])
        .status()
        .unwrap();
    assert_eq!(status.signal(), Some(15));
}

#[test]
fn sigterm_to_ssox_reaches_the_program() {
    let t = TestEnv::dev();
    t.login_corp();
    let mut child = t
        .cmd(["-p", "dev", "--server", "--", "python3", CHILD, "signal"])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut out = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    out.read_line(&mut line).unwrap();
    assert_eq!(line, "ready\n");
    let pid = child.id().to_string();
    assert!(
        std::process::Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .unwrap()
            .success()
    );
    let status = child.wait().unwrap();
    let mut rest = String::new();
    std::io::Read::read_to_string(&mut out, &mut rest).unwrap();
    assert_eq!(rest, "got TERM\n");
    assert_eq!(status.code(), Some(42));
}

#[test]
fn when_a_login_is_needed_it_says_so_answers_503_and_recovers_from_the_cache() {
    let t = TestEnv::dev();
    let token = t.login_corp();
    // Credentials that last two seconds: the server renews them all the time.
    t.fake.set_role_ttl(2);
    let mut child = t
        .cmd(["-p", "dev", "--server", "--", "python3", CHILD, "steps"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let mut out = BufReader::new(child.stdout.take().unwrap());
    let mut step = |until: Option<&str>| {
        if let Some(status) = until {
            stdin
                .write_all(format!("until {status}\n").as_bytes())
                .unwrap();
        }
        let mut l = String::new();
        out.read_line(&mut l).unwrap();
        l
    };
    assert_eq!(step(None), "status: 200\n");
    // The session is revoked at the service and cannot be refreshed (no refresh token): once
    // the credentials run out, the endpoint says a login is needed.
    t.fake.revoke_access_token(&token);
    assert_eq!(step(Some("503")), "status: 503\n");
    assert_eq!(
        t.fake.count(Op::CreateToken) + t.fake.count(Op::StartDeviceAuthorization),
        0,
        "no login started"
    );
    // The user logs in elsewhere; the server picks the new token up from the cache.
    t.login_corp();
    assert_eq!(step(Some("200")), "status: 200\n");
    drop(stdin);
    let output = child.wait_with_output().unwrap();
    assert!(output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("run `ssox login -p dev` in another terminal"),
        "{stderr}"
    );
    assert_eq!(
        stderr.matches("in another terminal").count(),
        1,
        "said once: {stderr}"
    );
    assert!(stderr.contains("got a new SSO token"), "{stderr}");
}

#[test]
fn ctrl_c_on_the_terminal_reaches_the_program_exactly_once() {
    let mut t = TestEnv::dev();
    t.login_corp();
    t.var("PTY_PROMPT", "ready").var("PTY_ANSWER", "\u{3}");
    let run = t.run_on_terminal(["-p", "dev", "--server", "--", "python3", CHILD, "ctrlc"]);
    run.success();
    assert!(run.stdout.contains("INT count 1"), "{}", run.stdout);
}

#[test]
fn a_trickling_connection_neither_holds_up_the_program_nor_stays_open() {
    let t = TestEnv::dev();
    t.login_corp();
    let run = t.run(["-p", "dev", "--server", "--", "python3", CHILD, "slowloris"]);
    run.success();
    assert!(run.stdout.contains("real: 200\n"), "{}", run.stdout);
    assert!(
        run.stdout.contains("slow: closed by the server\n"),
        "{}",
        run.stdout
    );
}
