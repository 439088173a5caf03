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

/// The soft core-file limit in a /proc/PID/limits text.
#[cfg(target_os = "linux")]
fn core_limit(limits: &str) -> String {
    limits
        .lines()
        .find(|l| l.starts_with("Max core file size"))
        .unwrap()
        .split_whitespace()
        .nth(4)
        .unwrap()
        .to_string()
}

#[cfg(target_os = "linux")]
#[test]
fn ssox_holds_secrets_without_a_core_limit_and_program_keeps_the_users() {
    use nix::sys::resource::{Resource, getrlimit, setrlimit};
    use std::os::unix::process::CommandExt;
    let t = TestEnv::dev();
    t.login_corp();
    let (_, hard) = getrlimit(Resource::RLIMIT_CORE).unwrap();
    let script = "import os; print(open('/proc/%d/limits' % os.getppid()).read()); print('=='); print(open('/proc/self/limits').read())";
    let mut cmd = t.cmd(["-p", "dev", "--server", "--", "python3", "-c", script]);
    // SAFETY (test): setrlimit only, between fork and exec.
    unsafe {
        cmd.pre_exec(move || {
            setrlimit(Resource::RLIMIT_CORE, hard, hard).map_err(std::io::Error::from)
        });
    }
    let run = Run::from(cmd.output().unwrap());
    run.success();
    let (ssox, program) = run.stdout.split_once("==").unwrap();
    assert_eq!(core_limit(ssox), "0", "{ssox}");
    let users = if hard == nix::sys::resource::RLIM_INFINITY {
        "unlimited".to_string()
    } else {
        hard.to_string()
    };
    assert_eq!(core_limit(program), users, "{program}");
}

#[cfg(target_os = "linux")]
#[test]
fn program_gets_sigterm_when_ssox_is_killed() {
    let t = TestEnv::dev();
    t.login_corp();
    let mut ssox = t
        .cmd([
            "-p",
            "dev",
            "--server",
            "--",
            "sh",
            "-c",
            "echo $$; exec sleep 600",
        ])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(ssox.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let pid = line.trim().to_string();
    ssox.kill().unwrap(); // SIGKILL: ssox can do nothing about it
    ssox.wait().unwrap();
    // PROGRAM ends: gone, or a zombie that no one has reaped yet.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    loop {
        let state = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
        let state = state.rsplit(')').next().unwrap_or("").trim().chars().next();
        if matches!(state, None | Some('Z')) {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "PROGRAM {pid} still runs"
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
}
