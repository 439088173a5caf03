//! The test harness: a throwaway HOME with AWS config files and caches, a fake IAM Identity
//! Center, and a builder that runs the real ssox binary hermetically (only the variables a
//! test sets; endpoints pointed at the fake; no browser).

pub mod fake_aws;
pub mod moto;
pub mod proxy;

use std::ffi::OsStr;
use std::fs;
use std::io::Write as _;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use sha2::Digest as _;

pub use fake_aws::{FakeAws, Op, now};
pub use moto::moto_url;

pub const SSOX: &str = env!("CARGO_BIN_EXE_ssox");

/// Says in one line that a test did not run because `what` is missing, and returns; with
/// SSOX_REQUIRE_PEERS set (CI sets it) a missing peer fails the test instead.
#[track_caller]
pub fn skipped(what: &str, install: &str) {
    assert!(
        std::env::var_os("SSOX_REQUIRE_PEERS").is_none(),
        "{what} is missing ({install}); SSOX_REQUIRE_PEERS is set"
    );
    // Written to the stream itself: eprintln! would be captured with the passing test.
    let _ = writeln!(
        std::io::stderr(),
        "skipped: {what} is not installed ({install})"
    );
}

/// Whether `program` runs here.
pub fn have(program: &str) -> bool {
    Command::new(program)
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// The AWS CLI v2 to test against: `SSOX_TEST_AWS_CLI`, else an `aws` on PATH that is v2.
pub fn aws_cli() -> Option<PathBuf> {
    let candidate =
        std::env::var_os("SSOX_TEST_AWS_CLI").map_or_else(|| PathBuf::from("aws"), PathBuf::from);
    let out = Command::new(&candidate)
        .arg("--version")
        .env_remove("PYTHONPATH")
        .output()
        .ok()?;
    let version = String::from_utf8_lossy(&out.stdout);
    version.starts_with("aws-cli/2.").then_some(candidate)
}

/// RFC 3339 `Z` for a Unix time (the test's own, independent of ssox's code).
/// A loopback port that was just free: nothing listens there (a refused connection), or a
/// test may bind it.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

pub fn rfc3339(ts: i64) -> String {
    let out = Command::new("date")
        .args(["-u", "-d", &format!("@{ts}"), "+%Y-%m-%dT%H:%M:%SZ"])
        .output()
        .unwrap();
    String::from_utf8(out.stdout).unwrap().trim().to_string()
}

pub fn sha1_hex(s: &str) -> String {
    let out = Command::new("python3")
        .args([
            "-c",
            "import hashlib,sys; print(hashlib.sha1(sys.argv[1].encode()).hexdigest())",
            s,
        ])
        .output()
        .unwrap();
    String::from_utf8(out.stdout).unwrap().trim().to_string()
}

pub struct TestEnv {
    pub home: tempfile::TempDir,
    pub fake: FakeAws,
    vars: Vec<(String, String)>,
}

/// The config the issue's "done when" uses, plus a legacy profile.
pub const DEV_CONFIG: &str = "\
[profile dev]
sso_session = corp
sso_account_id = 111111111111
sso_role_name = readOnly
region = us-west-2

[sso-session corp]
sso_start_url = https://corp.awsapps.com/start
sso_region = us-east-1
sso_registration_scopes = sso:account:access

[profile legacy]
sso_start_url = https://legacy.awsapps.com/start
sso_region = eu-west-1
sso_account_id = 222222222222
sso_role_name = admin
";

/// Two roles on top of [`DEV_CONFIG`]: `workload` (source `dev`, an SSO profile) and
/// `static-role` (source `keys`, which the test writes into the credentials file).
pub const WORKLOAD_CONFIG: &str = "
[profile workload]
role_arn = arn:aws:iam::123456789012:role/workload
source_profile = dev
region = eu-central-1

[profile static-role]
role_arn = arn:aws:iam::123456789012:role/fromstatic
source_profile = keys
";

impl TestEnv {
    pub fn new() -> TestEnv {
        let home = tempfile::tempdir().unwrap();
        TestEnv {
            home,
            fake: FakeAws::start(),
            vars: Vec::new(),
        }
    }

    /// A TestEnv with DEV_CONFIG written.
    pub fn dev() -> TestEnv {
        let t = TestEnv::new();
        t.config(DEV_CONFIG);
        t
    }

    pub fn home(&self) -> &Path {
        self.home.path()
    }

    pub fn path(&self, rel: &str) -> PathBuf {
        self.home.path().join(rel)
    }

    pub fn write(&self, rel: &str, text: &str) -> PathBuf {
        let p = self.path(rel);
        fs::create_dir_all(p.parent().unwrap()).unwrap();
        fs::write(&p, text).unwrap();
        p
    }

    pub fn config(&self, text: &str) -> PathBuf {
        self.write(".aws/config", text)
    }

    pub fn credentials(&self, text: &str) -> PathBuf {
        self.write(".aws/credentials", text)
    }

    pub fn token_path(&self, cache_input: &str) -> PathBuf {
        self.path(&format!(".aws/sso/cache/{}.json", sha1_hex(cache_input)))
    }

    /// Caches an access token the way `aws sso login` writes it (no refresh token).
    pub fn cache_token(
        &self,
        cache_input: &str,
        start_url: &str,
        token: &str,
        expires_at: i64,
    ) -> PathBuf {
        let text = format!(
            r#"{{"startUrl": "{start_url}", "region": "us-east-1", "accessToken": "{token}", "expiresAt": "{}"}}"#,
            rfc3339(expires_at)
        );
        let p = self.token_path(cache_input);
        fs::create_dir_all(p.parent().unwrap()).unwrap();
        fs::write(&p, text).unwrap();
        p
    }

    /// The aws login session of the tests' login profiles.
    pub const LOGIN_SESSION: &'static str = "arn:aws:iam::123456789012:user/dev";

    pub fn login_cache_path(&self, session: &str) -> PathBuf {
        let digest = sha2::Sha256::digest(session.as_bytes());
        let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
        self.path(&format!(".aws/login/cache/{hex}.json"))
    }

    /// An aws login cache for [`Self::LOGIN_SESSION`] as the AWS CLI writes it, its
    /// credentials expiring at `expires_at`, with a refresh token the fake honours for its
    /// key. Returns the refresh token.
    pub fn cache_login(&self, expires_at: i64) -> String {
        let key: serde_json::Value =
            serde_json::from_str(&self.python("login_key.py", &[])).unwrap();
        let client = "arn:aws:signin:::devtools/same-device";
        let refresh = self.fake.seed_login(
            key["x"].as_str().unwrap(),
            key["y"].as_str().unwrap(),
            client,
        );
        let file = serde_json::json!({
            "accessToken": {
                "accessKeyId": "ASIACACHED", "secretAccessKey": "cached-secret",
                "sessionToken": "cached-token", "accountId": "123456789012",
                "expiresAt": rfc3339(expires_at),
            },
            "tokenType": "aws_sigv4", "clientId": client, "refreshToken": refresh,
            "idToken": "header.payload.signature", "dpopKey": key["pem"],
        });
        let p = self.login_cache_path(Self::LOGIN_SESSION);
        fs::create_dir_all(p.parent().unwrap()).unwrap();
        fs::write(&p, file.to_string()).unwrap();
        refresh
    }

    pub fn login_json(&self) -> serde_json::Value {
        serde_json::from_slice(&fs::read(self.login_cache_path(Self::LOGIN_SESSION)).unwrap())
            .unwrap()
    }

    /// A valid token for sso-session `corp`, issued by the fake.
    pub fn login_corp(&self) -> String {
        let token = self.fake.issue_access_token(8 * 3600);
        self.cache_token(
            "corp",
            "https://corp.awsapps.com/start",
            &token,
            now() + 8 * 3600,
        );
        token
    }

    pub fn login_legacy(&self) -> String {
        let token = self.fake.issue_access_token(8 * 3600);
        let url = "https://legacy.awsapps.com/start";
        self.cache_token(url, url, &token, now() + 8 * 3600);
        token
    }

    /// A token for sso-session `corp` with `ttl` seconds left, a refresh token and a live client
    /// registration, as `aws sso login` (PKCE) writes it. Returns (access, refresh) tokens.
    pub fn cache_refreshable_corp(&self, ttl: i64) -> (String, String) {
        let access = self.fake.issue_access_token(ttl.max(1));
        let refresh = self.fake.issue_refresh_token();
        let (id, secret) = self
            .fake
            .register_client(&["authorization_code", "refresh_token"]);
        let text = format!(
            r#"{{"startUrl": "https://corp.awsapps.com/start", "region": "us-east-1", "accessToken": "{access}", "expiresAt": "{}", "clientId": "{id}", "clientSecret": "{secret}", "registrationExpiresAt": "{}", "refreshToken": "{refresh}"}}"#,
            rfc3339(now() + ttl),
            rfc3339(now() + 80 * 86_400)
        );
        self.write(&format!(".aws/sso/cache/{}.json", sha1_hex("corp")), &text);
        (access, refresh)
    }

    /// Where ssox keeps the lock of `kind` for `guarded` (as src/lock.rs names it).
    pub fn lock_path(&self, kind: &str, guarded: &Path) -> PathBuf {
        let dir = if cfg!(target_os = "macos") {
            "Library/Caches/ssox/locks"
        } else {
            ".cache/ssox/locks"
        };
        self.path(dir).join(format!(
            "{kind}-{}.lock",
            sha1_hex(guarded.to_str().unwrap())
        ))
    }

    /// Reads a cached token file as JSON.
    pub fn token_json(&self, cache_input: &str) -> serde_json::Value {
        serde_json::from_str(&fs::read_to_string(self.token_path(cache_input)).unwrap()).unwrap()
    }

    /// `$BROWSER` set to the fake browser, logging what it opened to HOME/browser.log.
    pub fn with_fake_browser(&mut self) -> &mut Self {
        let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/support/fake_browser.py");
        let log = self.path("browser.log");
        self.var("BROWSER", &format!("python3 {script} %s"));
        self.var("FAKE_BROWSER_LOG", log.to_str().unwrap());
        self
    }

    pub fn browser_log(&self) -> String {
        fs::read_to_string(self.path("browser.log")).unwrap_or_default()
    }

    /// Runs ssox on a pseudo-terminal (stdout and stderr merged), as a person would.
    pub fn run_on_terminal<I, S>(&self, args: I) -> Run
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        let args: Vec<std::ffi::OsString> = args
            .into_iter()
            .map(|a| a.as_ref().to_os_string())
            .collect();
        self.program_on_terminal(SSOX, &args)
    }

    /// Runs any program on a pseudo-terminal with this env's variables.
    pub fn program_on_terminal<S: AsRef<OsStr>>(&self, program: &str, args: &[S]) -> Run {
        let env_source = self.cmd(std::iter::empty::<&str>());
        let mut c = Command::new("python3");
        c.arg(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/support/pty_run.py"
        ))
        .arg(program)
        .args(args);
        c.env_clear();
        for (k, v) in env_source.get_envs() {
            if let Some(v) = v {
                c.env(k, v);
            }
        }
        c.env("TERM", "dumb");
        Run::from(c.stdin(Stdio::null()).output().unwrap())
    }

    /// Runs a Python helper from tests/support (botocore as a real peer) in this HOME, with
    /// the fake's endpoints; returns its stdout, failing the test if it failed.
    pub fn python(&self, script: &str, args: &[&str]) -> String {
        let out = Command::new("python3")
            .arg(format!(
                "{}/tests/support/{script}",
                env!("CARGO_MANIFEST_DIR")
            ))
            .args(args)
            .env_clear()
            .env("HOME", self.home())
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env(
                "PYTHONPATH",
                std::env::var_os("PYTHONPATH").unwrap_or_default(),
            )
            .env("AWS_ENDPOINT_URL_SSO", self.fake.url())
            .env("AWS_ENDPOINT_URL_SSO_OIDC", self.fake.url())
            .env("AWS_ENDPOINT_URL_SIGNIN", self.fake.url())
            .env("PYTHONDONTWRITEBYTECODE", "1")
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{script} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    }

    /// Runs the AWS CLI v2 in this HOME with the fake's endpoints (and this env's variables);
    /// `None` where there is no AWS CLI v2 (see [`aws_cli`]).
    pub fn aws(&self, args: &[&str]) -> Option<Run> {
        let cli = aws_cli()?;
        let mut c = Command::new(cli);
        c.args(args)
            .env_clear()
            .env("HOME", self.home())
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("AWS_ENDPOINT_URL_SSO", self.fake.url())
            .env("AWS_ENDPOINT_URL_SSO_OIDC", self.fake.url())
            .env("AWS_ENDPOINT_URL_SIGNIN", self.fake.url())
            .env("AWS_PAGER", "")
            .stdin(Stdio::null());
        for (k, v) in &self.vars {
            c.env(k, v);
        }
        Some(Run::from(c.output().unwrap()))
    }

    /// Sets a variable for every command this env runs.
    pub fn var(&mut self, k: &str, v: &str) -> &mut Self {
        self.vars.push((k.into(), v.into()));
        self
    }

    /// ssox with a clean environment: HOME, PATH, the fake's endpoints, a short HTTP timeout,
    /// and no browser.
    pub fn cmd<I, S>(&self, args: I) -> Command
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        let mut c = Command::new(SSOX);
        c.args(args)
            .env_clear()
            .env("HOME", self.home())
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("AWS_ENDPOINT_URL_SSO", self.fake.url())
            .env("AWS_ENDPOINT_URL_SSO_OIDC", self.fake.url())
            .env("AWS_ENDPOINT_URL_SIGNIN", self.fake.url())
            .env("SSOX_HTTP_TIMEOUT", "5")
            .env("BROWSER", "false")
            // The helpers are Python; keep their bytecode out of the source tree, and let
            // them find the peers scripts/test installed.
            .env("PYTHONDONTWRITEBYTECODE", "1")
            .env(
                "PYTHONPATH",
                std::env::var_os("PYTHONPATH").unwrap_or_default(),
            )
            .stdin(Stdio::null());
        for (k, v) in &self.vars {
            c.env(k, v);
        }
        c
    }

    pub fn run<I, S>(&self, args: I) -> Run
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        Run::from(self.cmd(args).output().unwrap())
    }

    /// `n` runs started at once (none waits for another to start), each run to its end.
    pub fn run_parallel(&self, n: usize, args: &[&str]) -> Vec<Run> {
        let children: Vec<_> = (0..n)
            .map(|_| {
                self.cmd(args)
                    .stdout(Stdio::piped())
                    .stderr(Stdio::piped())
                    .spawn()
                    .unwrap()
            })
            .collect();
        children
            .into_iter()
            .map(|c| Run::from(c.wait_with_output().unwrap()))
            .collect()
    }

    /// A run with `input` on its stdin.
    pub fn run_with_input(&self, args: &[&str], input: &[u8]) -> Run {
        use std::io::Write;
        let mut child = self
            .cmd(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        child.stdin.take().unwrap().write_all(input).unwrap();
        Run::from(child.wait_with_output().unwrap())
    }

    /// Writes an executable script into HOME/bin.
    pub fn script(&self, name: &str, body: &str) -> PathBuf {
        let p = self.write(&format!("bin/{name}"), body);
        fs::set_permissions(&p, fs::Permissions::from_mode(0o755)).unwrap();
        p
    }
}

/// A finished ssox run.
#[derive(Debug)]
pub struct Run {
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
}

impl From<Output> for Run {
    fn from(o: Output) -> Run {
        Run {
            code: o.status.code(),
            stdout: String::from_utf8_lossy(&o.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&o.stderr).into_owned(),
        }
    }
}

impl Run {
    #[track_caller]
    pub fn success(&self) -> &Self {
        assert_eq!(
            self.code,
            Some(0),
            "expected success; stderr:\n{}",
            self.stderr
        );
        self
    }

    #[track_caller]
    pub fn code(&self, want: i32) -> &Self {
        assert_eq!(
            self.code,
            Some(want),
            "stderr:\n{}\nstdout:\n{}",
            self.stderr,
            self.stdout
        );
        self
    }

    /// An error run: exactly one `ssox:` line on stderr, containing every fragment.
    #[track_caller]
    pub fn error_line(&self, fragments: &[&str]) -> &Self {
        let lines: Vec<&str> = self.stderr.lines().collect();
        assert_eq!(lines.len(), 1, "want one error line, got:\n{}", self.stderr);
        assert!(lines[0].starts_with("ssox: "), "{}", lines[0]);
        for f in fragments {
            assert!(lines[0].contains(f), "missing {f:?} in {:?}", lines[0]);
        }
        assert!(!self.stderr.contains("panicked"), "{}", self.stderr);
        self
    }

    /// A run that printed instructions first (a login): its last stderr line is the error.
    #[track_caller]
    pub fn final_error(&self, fragments: &[&str]) -> &Self {
        let last = self.stderr.lines().last().unwrap_or("");
        assert!(last.starts_with("ssox: "), "{}", self.stderr);
        for f in fragments {
            assert!(last.contains(f), "missing {f:?} in {last:?}");
        }
        assert!(!self.stderr.contains("panicked"), "{}", self.stderr);
        self
    }

    /// `KEY=VALUE` lines from `env` run as PROGRAM.
    pub fn env_lines(&self) -> Vec<(String, String)> {
        self.stdout
            .lines()
            .filter_map(|l| l.split_once('='))
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    pub fn env_var(&self, key: &str) -> Option<String> {
        let vals: Vec<String> = self
            .env_lines()
            .into_iter()
            .filter(|(k, _)| k == key)
            .map(|(_, v)| v)
            .collect();
        assert!(vals.len() <= 1, "{key} appears {} times", vals.len());
        vals.into_iter().next()
    }
}
