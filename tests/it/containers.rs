//! `--server --listen`: credentials for programs in containers. No Docker daemon here:
//! network namespaces joined to the host by a bridge stand in for containers on a Docker
//! network whose gateway is 169.254.170.2 (root only; the rest runs anywhere).

use std::io::Write;
use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::ExitStatusExt;
use std::process::Command;

use crate::support::*;

const CHILD: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/support/server_child.py");

#[test]
fn listen_refuses_an_address_the_sdks_would_not_take_before_any_login() {
    let t = TestEnv::dev();
    for addr in [
        "10.1.2.3",
        "0.0.0.0:9911",
        "169.254.169.254",
        "[fd00::1]:80",
    ] {
        let run = t.run(["-p", "dev", "--server", "--listen", addr, "--", "true"]);
        run.code(2);
        assert!(
            run.stderr
                .contains("only from loopback, 169.254.170.2, 169.254.170.23 or fd00:ec2::23"),
            "{addr}: {}",
            run.stderr
        );
        assert_eq!(run.stderr.lines().count(), 1, "{}", run.stderr);
    }
    let run = t.run([
        "-p",
        "dev",
        "--server",
        "--listen",
        "dockerhost",
        "--",
        "true",
    ]);
    run.code(2);
    assert!(run.stderr.contains("not an address"), "{}", run.stderr);
    assert_eq!(t.fake.total_requests(), 0, "nothing was fetched");
}

#[test]
fn a_container_address_this_machine_lacks_names_the_docker_network_that_makes_it() {
    let t = TestEnv::dev();
    let run = t.run([
        "-p",
        "dev",
        "--server",
        "--listen",
        "169.254.170.23",
        "--",
        "true",
    ]);
    run.code(69);
    assert!(
        run.stderr.contains(
            "create it once with `docker network create --subnet 169.254.170.0/24 --gateway 169.254.170.23 ssox`"
        ),
        "{}",
        run.stderr
    );
    assert_eq!(t.fake.total_requests(), 0);
}

#[test]
fn the_token_file_is_private_has_no_newline_and_is_gone_after_any_exit() {
    let t = TestEnv::dev();
    t.login_corp();
    let dir = t.home.path().join("run/ssox");
    let file = dir.join("token");
    let file_arg = file.to_str().unwrap();
    let run = t.run([
        "-p",
        "dev",
        "--server",
        "--listen",
        "127.0.0.1",
        "--token-file",
        file_arg,
        "--",
        "python3",
        CHILD,
        "tokenfile",
    ]);
    run.success();
    for want in [
        "file mode: 0o600\n",
        "dir mode: 0o700\n",
        "newline: False\n",
        "token in environment: False\n",
        "fetch: 200\n",
    ] {
        assert!(
            run.stdout.contains(want),
            "missing {want:?} in {}",
            run.stdout
        );
    }
    // The one docker run fragment, on stderr.
    let dir_text = dir.display().to_string();
    assert!(
        run.stderr.contains(&format!(
            "docker run --network host -v {dir_text}:{dir_text}:ro -e AWS_CONTAINER_CREDENTIALS_FULL_URI -e AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE IMAGE"
        )),
        "{}",
        run.stderr
    );
    assert!(!file.exists(), "the token file outlived ssox");
    // A program that dies of a signal, or that cannot start: the file goes all the same.
    let status = t
        .cmd([
            "-p",
            "dev",
            "--server",
            "--token-file",
            file_arg,
            "--",
            "sh",
            "-c",
            "kill -TERM $$",
        ])
        .status()
        .unwrap();
    assert_eq!(status.signal(), Some(15));
    assert!(!file.exists(), "left after a signal death");
    // A relative path reaches PROGRAM (and a container's mount) absolute.
    let out = t
        .cmd([
            "-p",
            "dev",
            "--server",
            "--token-file",
            "rel/token",
            "--",
            "sh",
            "-c",
            "echo \"$AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE\"",
        ])
        .current_dir(t.home.path())
        .output()
        .unwrap();
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        // The working directory as the OS gives it (macOS's temporary directories are
        // behind a link).
        t.home
            .path()
            .canonicalize()
            .unwrap()
            .join("rel/token")
            .display()
            .to_string()
    );
    // A directory others can enter is refused before anything is fetched.
    let open = t.home.path().join("open");
    std::fs::create_dir(&open).unwrap();
    std::fs::set_permissions(&open, std::fs::Permissions::from_mode(0o755)).unwrap();
    let before = t.fake.total_requests();
    let run = t.run([
        "-p",
        "dev",
        "--server",
        "--token-file",
        open.join("token").to_str().unwrap(),
        "--",
        "true",
    ]);
    run.code(78);
    assert!(
        run.stderr
            .contains("(mode 0755); use a directory only you can enter"),
        "{}",
        run.stderr
    );
    assert_eq!(t.fake.total_requests(), before);
}

/// Two namespaces on a bridge whose host address is 169.254.170.2, removed on drop
/// whatever happened.
struct Network {
    tag: String,
}

impl Network {
    fn ip(args: &[&str]) -> bool {
        Command::new("ip")
            .args(args)
            .status()
            .is_ok_and(|s| s.success())
    }

    fn ns(&self, n: char) -> String {
        format!("{}{n}", self.tag)
    }

    fn make() -> Network {
        let tag = format!("sx{}", std::process::id() % 10_000_000);
        let net = Network { tag };
        let bridge = format!("{}br", net.tag);
        assert!(Self::ip(&["link", "add", &bridge, "type", "bridge"]));
        assert!(Self::ip(&[
            "addr",
            "add",
            "169.254.170.2/24",
            "dev",
            &bridge
        ]));
        assert!(Self::ip(&["link", "set", &bridge, "up"]));
        for (n, addr) in [('a', "169.254.170.10/24"), ('b', "169.254.170.11/24")] {
            let ns = net.ns(n);
            let (host, inside) = (format!("{ns}h"), format!("{ns}c"));
            assert!(Self::ip(&["netns", "add", &ns]));
            assert!(Self::ip(&[
                "link", "add", &host, "type", "veth", "peer", "name", &inside
            ]));
            assert!(Self::ip(&["link", "set", &inside, "netns", &ns]));
            assert!(Self::ip(&["link", "set", &host, "master", &bridge]));
            assert!(Self::ip(&["link", "set", &host, "up"]));
            assert!(Self::ip(&[
                "netns", "exec", &ns, "ip", "addr", "add", addr, "dev", &inside
            ]));
            assert!(Self::ip(&[
                "netns", "exec", &ns, "ip", "link", "set", &inside, "up"
            ]));
        }
        net
    }
}

impl Drop for Network {
    fn drop(&mut self) {
        for n in ['a', 'b'] {
            let ns = self.ns(n);
            Self::ip(&["link", "del", &format!("{ns}h")]);
            Self::ip(&["netns", "del", &ns]);
        }
        Self::ip(&["link", "del", &format!("{}br", self.tag)]);
    }
}

/// Whether namespaces can be made here (root, and iproute2's `ip`). Where they cannot, the
/// test says so and passes, unless SSOX_REQUIRE_NETNS is set (`.ci/run`, which runs as
/// root, and the root step of the GitHub workflow set it): a test suite run as a user, or on
/// macOS, has no namespaces to make.
fn namespaces_here() -> bool {
    if nix::unistd::geteuid().is_root() && Network::ip(&["-V"]) {
        return true;
    }
    assert!(
        std::env::var_os("SSOX_REQUIRE_NETNS").is_none(),
        "network namespaces need root and iproute2's ip; SSOX_REQUIRE_NETNS is set"
    );
    let _ = writeln!(
        std::io::stderr(),
        "skipped: the container test makes network namespaces, which needs root and iproute2"
    );
    false
}

#[test]
fn a_container_on_the_docker_address_follows_renewals_and_a_stranger_gets_nothing() {
    if !namespaces_here() {
        return;
    }
    let t = TestEnv::dev();
    t.login_corp();
    // Four-second credentials: the server renews them every two seconds or so.
    t.fake.set_role_ttl(4);
    let net = Network::make();
    let (a, b) = (net.ns('a'), net.ns('b'));
    let script = format!(
        "ip netns exec {a} python3 {CHILD} botokeys 3 && ip netns exec {b} python3 {CHILD} stranger"
    );
    let run = t.run([
        "-p",
        "dev",
        "--server",
        "--listen",
        "169.254.170.2",
        "--",
        "sh",
        "-c",
        &script,
    ]);
    run.success();
    assert!(
        run.stdout.contains("botocore keys: 3 container-role\n"),
        "{}\n{}",
        run.stdout,
        run.stderr
    );
    assert!(run.stdout.contains("no token: 401\n"), "{}", run.stdout);
    assert!(run.stdout.contains("wrong token: 403\n"), "{}", run.stdout);
    assert!(
        run.stderr.contains(
            "docker run --network ssox -e AWS_CONTAINER_CREDENTIALS_FULL_URI -e AWS_CONTAINER_AUTHORIZATION_TOKEN IMAGE"
        ),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr
            .contains("serving credentials at http://169.254.170.2:"),
        "{}",
        run.stderr
    );
    // The real AWS CLI in the namespace, the token from a file as a mounted directory gives it.
    let Some(cli) = aws_cli() else {
        return skipped(
            "the AWS CLI v2",
            "scripts/install-awscli2 DIR; SSOX_TEST_AWS_CLI",
        );
    };
    let token = t.home.path().join("run/token");
    let script = format!(
        "ip netns exec {} {} configure export-credentials --format process",
        net.ns('a'),
        cli.display()
    );
    let run = t.run([
        "-p",
        "dev",
        "--server",
        "--listen",
        "169.254.170.2:0",
        "--token-file",
        token.to_str().unwrap(),
        "--",
        "sh",
        "-c",
        &script,
    ]);
    run.success();
    assert!(
        run.stdout.contains("\"AccessKeyId\": \"ASIAFAKE"),
        "{}\n{}",
        run.stdout,
        run.stderr
    );
    assert!(!token.exists());
}

#[test]
fn a_fixed_port_is_free_again_at_once_and_a_taken_one_is_one_line() {
    let t = TestEnv::dev();
    t.login_corp();
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = taken.local_addr().unwrap().to_string();
    let run = t.run(["-p", "dev", "--server", "--listen", &addr, "--", "true"]);
    run.code(69);
    assert!(
        run.stderr.contains("the port is in use; choose another"),
        "{}",
        run.stderr
    );
    drop(taken);
    // A compose file names the port: ssox started again right after a run that served
    // requests gets it back (no wait for the old connections' TIME_WAIT).
    for _ in 0..2 {
        t.run([
            "-p", "dev", "--server", "--listen", &addr, "--", "python3", CHILD, "probe",
        ])
        .success();
    }
}
