//! `--server`: serve credentials to PROGRAM over the container credentials protocol on
//! 127.0.0.1, so a long job's SDK fetches fresh credentials whenever it needs them, and
//! supervise PROGRAM as a child: forward signals (`signals`: without doubling the ones the
//! terminal already sent to the whole process group), and end with the child's exit status
//! or die of the same signal.
//!
//! Requests are answered from memory: a renewer thread replaces the credentials in the
//! background, ahead of their expiry (at the refresh window, or half-way through credentials
//! that last less than twice that), so no request waits for an upstream call and a job whose
//! credentials last 15 minutes costs one call per 15 minutes, however often its SDK asks. A
//! renewal that fails while the current credentials are valid keeps serving them. Only a
//! request that finds no valid credentials waits, for one renewal shared by every such
//! request. The server never starts a login; when one is needed it says so once on stderr,
//! answers 503, and picks up the new token as soon as it is in the cache. Connections are
//! served concurrently with a deadline each (`loopback`), so another local user cannot
//! stall PROGRAM's requests.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Arc, Condvar, Mutex, PoisonError};
use std::time::{Duration, Instant};

use base64::Engine;
use nix::unistd::Pid;

use crate::child::exec::Program;
use crate::child::signals::{self, Forwarder};
use crate::credentials::Credentials;
use crate::error::{Error, Exit};
use crate::limits;
use crate::log::{notice, vlog};
use crate::loopback::{self, Head, Reply};
use crate::provider::{self, Context, Plan};
use crate::secret::Secret;
use crate::timefmt::{self, Timestamp};

/// Credentials are renewed when this much is left (botocore refreshes inside it), or
/// half-way through credentials that last less than twice this.
const SERVE_WINDOW: i64 = 15 * 60;
/// While a login is needed, the token cache is looked at this often (a file read, no call).
const LOGIN_POLL: Duration = Duration::from_secs(2);
/// Retries after other failures back off up to this.
const MAX_BACKOFF: Duration = Duration::from_secs(30);
pub const PATH: &str = "/ssox/credentials";

/// The listening endpoint, bound before PROGRAM starts, with the runtime that serves it.
pub struct Endpoint {
    runtime: tokio::runtime::Runtime,
    listener: tokio::net::TcpListener,
    pub url: String,
    /// Where it listens (a port 0 asked for resolved).
    pub addr: SocketAddr,
    pub token: Secret,
    /// `--token-file`, once written: removed when the endpoint goes.
    pub token_file: Option<TokenFile>,
}

/// The addresses besides loopback where every SDK accepts container credentials over plain
/// http (the ECS and EKS Pod Identity agents' addresses): botocore, the JavaScript and Go
/// SDKs and the AWS CLI refuse any other host, a name included.
const CONTAINER_ADDRESSES: [IpAddr; 3] = [
    IpAddr::V4(Ipv4Addr::new(169, 254, 170, 2)),
    IpAddr::V4(Ipv4Addr::new(169, 254, 170, 23)),
    IpAddr::V6(Ipv6Addr::new(0xfd00, 0xec2, 0, 0, 0, 0, 0, 0x23)),
];

/// `--listen ADDR[:PORT]` (an IPv6 address with a port in brackets), checked: only an
/// address the SDKs accept. No port, or port 0: any free one.
pub fn parse_listen(text: &str) -> Result<SocketAddr, Error> {
    let addr = text.parse::<SocketAddr>().or_else(|_| {
        text.trim_start_matches('[')
            .trim_end_matches(']')
            .parse::<IpAddr>()
            .map(|ip| SocketAddr::new(ip, 0))
    });
    let Ok(addr) = addr else {
        return Err(Error::new(
            Exit::Usage,
            format!(
                "--listen {}: not an address; give ADDR or ADDR:PORT, e.g. 169.254.170.2 or 169.254.170.2:9911",
                crate::error::printable(text)
            ),
        ));
    };
    if !addr.ip().is_loopback() && !CONTAINER_ADDRESSES.contains(&addr.ip()) {
        return Err(Error::new(
            Exit::Usage,
            format!(
                "--listen {}: the AWS SDKs take container credentials over http only from loopback, 169.254.170.2, 169.254.170.23 or fd00:ec2::23; listen on one of those (169.254.170.2 for a Docker network)",
                addr.ip()
            ),
        ));
    }
    Ok(addr)
}

/// The one command that gives this machine `ip`, for a container address it lacks.
fn network_command(ip: IpAddr) -> Option<String> {
    match ip {
        IpAddr::V4(v4) if CONTAINER_ADDRESSES.contains(&ip) => Some(format!(
            "docker network create --subnet 169.254.170.0/24 --gateway {v4} ssox"
        )),
        IpAddr::V6(v6) if CONTAINER_ADDRESSES.contains(&ip) => Some(format!(
            "docker network create --ipv6 --subnet fd00:ec2::/64 --gateway {v6} ssox"
        )),
        _ => None,
    }
}

impl Endpoint {
    /// Listens on `listen` (checked by [`parse_listen`]), or on 127.0.0.1 at any free port.
    pub fn bind(listen: Option<SocketAddr>) -> Result<Self, Error> {
        let addr = listen.unwrap_or(SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), 0));
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .map_err(|e| Error::new(Exit::Internal, format!("cannot start the server: {e}")))?;
        let listener = {
            let _in_runtime = runtime.enter();
            loopback::listen(addr)
        }
        .map_err(|e| cannot_listen(addr, &e))?;
        let local = listener
            .local_addr()
            .map_err(|e| Error::new(Exit::Io, format!("cannot read the listening port: {e}")))?;
        let mut raw = [0u8; 32];
        getrandom::fill(&mut raw)
            .map_err(|e| Error::new(Exit::Internal, format!("no randomness from the OS: {e}")))?;
        Ok(Self {
            runtime,
            listener,
            url: format!("http://{local}{PATH}"),
            addr: local,
            token_file: None,
            token: Secret::new(base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(raw)),
        })
    }
}

fn cannot_listen(addr: SocketAddr, e: &std::io::Error) -> Error {
    let ip = addr.ip();
    match (e.kind(), network_command(ip)) {
        (std::io::ErrorKind::AddrNotAvailable, Some(create)) => Error::new(
            Exit::Unavailable,
            format!(
                "--listen {ip}: this machine has no such address; create it once with `{create}`"
            ),
        ),
        (std::io::ErrorKind::AddrNotAvailable, None) => Error::new(
            Exit::Unavailable,
            format!("--listen {ip}: this machine has no such address; use 127.0.0.1"),
        ),
        (std::io::ErrorKind::AddrInUse, _) => Error::new(
            Exit::Unavailable,
            format!(
                "--listen {addr}: the port is in use; choose another, or give none for any free port"
            ),
        ),
        _ => Error::new(Exit::Io, format!("cannot listen on {addr}: {e}")),
    }
}

/// `--token-file PATH`: the endpoint's token in a file a container can mount, so that it
/// never appears in an environment (`docker inspect` shows those). The file is 0600, with no
/// trailing newline (every SDK sends the file's bytes as they are, and a newline breaks the
/// header), in a directory only the user can enter; it is removed when ssox exits, whatever
/// PROGRAM did (only a SIGKILL of ssox itself leaves it, and the next start replaces it).
pub struct TokenFile {
    path: PathBuf,
}

impl TokenFile {
    /// Checks where the file would go, before anything is fetched: its directory must be
    /// the user's own and closed to everyone else (it is made 0700 if missing).
    pub fn check(path: &Path) -> Result<(), Error> {
        use std::os::unix::fs::MetadataExt;
        let bad = |why: String| {
            Error::new(
                Exit::Config,
                format!("--token-file {}: {why}", path.display()),
            )
        };
        let dir = path
            .parent()
            .filter(|d| !d.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        if path.file_name().is_none() {
            return Err(bad("give the path of a file".into()));
        }
        if path
            .to_str()
            .is_none_or(|p| p.chars().any(char::is_control))
        {
            return Err(bad("give a path in UTF-8 without control characters".into()));
        }
        crate::fsutil::create_private_dir(dir)
            .map_err(|e| bad(format!("cannot create {}: {e}", dir.display())))?;
        let meta = std::fs::symlink_metadata(dir)
            .map_err(|e| bad(format!("cannot read {}: {e}", dir.display())))?;
        if !meta.is_dir() || meta.uid() != nix::unistd::geteuid().as_raw() {
            return Err(bad(format!(
                "{} is not a directory of yours; use one that is, e.g. ~/.cache/ssox/container/token",
                dir.display()
            )));
        }
        if meta.mode() & 0o077 != 0 {
            return Err(bad(format!(
                "others can enter {} (mode {:04o}); use a directory only you can enter (chmod 700), e.g. ~/.cache/ssox/container/token",
                dir.display(),
                meta.mode() & 0o7777
            )));
        }
        if std::fs::symlink_metadata(path).is_ok_and(|m| m.is_dir()) {
            return Err(bad("it is a directory; give the path of a file".into()));
        }
        Ok(())
    }

    /// Writes the token (atomically, 0600, replacing a file a killed ssox left). The path
    /// is made absolute: PROGRAM hands it to a container, whose working directory is not
    /// ssox's, and a bind mount needs it absolute.
    pub fn write(path: &Path, token: &Secret) -> Result<Self, Error> {
        let path = std::path::absolute(path)
            .map_err(|e| Error::new(Exit::Io, format!("--token-file {}: {e}", path.display())))?;
        Self::check(&path)?;
        crate::fsutil::write_atomic(&path, token.expose().as_bytes(), false).map_err(|e| {
            Error::new(
                Exit::Io,
                format!("--token-file {}: cannot write it: {e}", path.display()),
            )
        })?;
        Ok(Self { path })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for TokenFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

/// What hands the endpoint to a container, for stderr at the start of `--listen`: the
/// `docker run` options, which take the variables' values from PROGRAM's environment.
pub fn docker_hint(endpoint: &Endpoint) -> String {
    let url = &endpoint.url;
    let network = if endpoint.addr.ip().is_loopback() {
        "--network host"
    } else {
        "--network ssox"
    };
    let token_file = endpoint.token_file.as_ref().map(TokenFile::path);
    match token_file {
        Some(path) => {
            let dir =
                crate::shell::quote(&path.parent().unwrap_or(Path::new("/")).to_string_lossy());
            format!(
                "serving credentials at {url}; a container gets them with: docker run {network} -v {dir}:{dir}:ro -e AWS_CONTAINER_CREDENTIALS_FULL_URI -e AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE IMAGE"
            )
        }
        None => format!(
            "serving credentials at {url}; a container gets them with: docker run {network} -e AWS_CONTAINER_CREDENTIALS_FULL_URI -e AWS_CONTAINER_AUTHORIZATION_TOKEN IMAGE"
        ),
    }
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

fn error_body(code: &str, message: &str) -> String {
    serde_json::json!({ "Code": code, "Message": message }).to_string()
}

/// The container-credentials JSON the SDKs expect.
pub fn credentials_body(c: &Credentials) -> String {
    serde_json::Value::Object(crate::output::json_fields(c, "Token")).to_string()
}

fn json(status: &'static str, body: String) -> Reply {
    Reply {
        status,
        content_type: "application/json",
        body,
        headers: Vec::new(),
        sent: None,
    }
}

/// Why the current credentials could not be renewed.
#[derive(Clone)]
enum Trouble {
    LoginNeeded,
    Failed(String),
}

/// What is served, and how the last renewal went.
struct State {
    creds: Credentials,
    fetched_at: Timestamp,
    trouble: Option<Trouble>,
    /// Failed renewals in a row, for the back-off.
    failures: u32,
    /// A request found no valid credentials and waits for a renewal.
    kicked: bool,
}

fn valid(c: &Credentials, now: Timestamp) -> bool {
    c.expiration.is_none_or(|e| e > now)
}

/// What the renewer says about a renewal, on stderr.
enum Notice {
    Recovered,
    LoginNeeded(Error),
    /// The first of a run of failures.
    Failed(Error),
}

impl State {
    /// Takes a renewal's result: new valid credentials replace the current ones; a failure
    /// keeps them (they are served while they last) and is remembered for the back-off and
    /// for the 503 a request gets once they have run out.
    fn record(&mut self, result: Result<Credentials, Error>, now: Timestamp) -> Option<Notice> {
        match result {
            Ok(c) if valid(&c, now) => {
                vlog!(
                    "server: renewed credentials, valid until {}",
                    c.expiration
                        .map(timefmt::format_rfc3339)
                        .unwrap_or_default()
                );
                let was_login = matches!(self.trouble, Some(Trouble::LoginNeeded));
                self.creds = c;
                self.fetched_at = now;
                self.trouble = None;
                self.failures = 0;
                was_login.then_some(Notice::Recovered)
            }
            Ok(_) => {
                self.trouble = Some(Trouble::Failed(
                    "the source gave credentials that had already expired".into(),
                ));
                self.failures += 1;
                None
            }
            Err(e) if e.exit == Exit::NoPerm => {
                self.trouble = Some(Trouble::LoginNeeded);
                Some(Notice::LoginNeeded(e))
            }
            Err(e) => {
                self.trouble = Some(Trouble::Failed(e.to_string()));
                self.failures += 1;
                (self.failures == 1).then_some(Notice::Failed(e))
            }
        }
    }

    /// When the renewer should next act, from now.
    fn next_renewal(&self, window: i64, now: Timestamp) -> Option<Duration> {
        let secs = |s: i64| Duration::from_secs(u64::try_from(s.max(0)).unwrap_or(0));
        match &self.trouble {
            Some(Trouble::LoginNeeded) => return Some(LOGIN_POLL),
            Some(Trouble::Failed(_)) => {
                let backoff = Duration::from_secs(1 << self.failures.min(5));
                return Some(backoff.min(MAX_BACKOFF));
            }
            None => {}
        }
        let exp = self.creds.expiration?;
        let lifetime = (exp - self.fetched_at).max(0);
        let at = (exp - window.min(lifetime / 2)).max(self.fetched_at + 1);
        Some(secs(at - now))
    }
}

/// The shared state, the renewer's wake-up, and a watch for requests waiting on a renewal.
struct Shared {
    state: Mutex<State>,
    wake: Condvar,
    renewed: tokio::sync::watch::Sender<u64>,
}

impl Shared {
    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// Renews in the background until the process ends.
fn renew_forever(shared: &Shared, ctx: &Context<'_>, plan: &Plan<'_>, login_hint: &str) {
    let window = SERVE_WINDOW.max(ctx.fetch.min_ttl);
    let mut told_login = false;
    let mut generation = 0u64;
    loop {
        {
            let mut st = shared.lock();
            let started = Instant::now();
            while !st.kicked {
                let wait = st.next_renewal(window, timefmt::now());
                let left = wait.map(|w| w.saturating_sub(started.elapsed()));
                if left == Some(Duration::ZERO) {
                    break;
                }
                st = match left {
                    Some(d) => {
                        shared
                            .wake
                            .wait_timeout(st, d)
                            .unwrap_or_else(PoisonError::into_inner)
                            .0
                    }
                    None => shared.wake.wait(st).unwrap_or_else(PoisonError::into_inner),
                };
            }
            st.kicked = false;
        }
        let result = provider::credentials(ctx, plan);
        let mut st = shared.lock();
        match st.record(result, timefmt::now()) {
            Some(Notice::Recovered) => {
                notice!("got a new SSO token; serving fresh credentials again");
                told_login = false;
            }
            Some(Notice::LoginNeeded(e)) if !told_login => {
                notice!(
                    "{e}; ssox --server never logs in by itself: run `{login_hint}` in another terminal"
                );
                told_login = true;
            }
            Some(Notice::Failed(e)) => notice!("cannot renew the credentials: {e}"),
            Some(Notice::LoginNeeded(_)) | None => {}
        }
        drop(st);
        generation += 1;
        shared.renewed.send_replace(generation);
    }
}

/// One request, answered from memory when the credentials are valid.
async fn answer(
    head: Head,
    shared: Arc<Shared>,
    token: Arc<Secret>,
    login_hint: Arc<str>,
    wait_limit: Duration,
) -> Reply {
    if head.path() != PATH {
        return json("404 Not Found", error_body("NotFound", "no such path"));
    }
    match head.header("authorization") {
        None => {
            return json(
                "401 Unauthorized",
                error_body("Unauthorized", "missing Authorization"),
            );
        }
        Some(a) if !constant_time_eq(a.as_bytes(), token.expose().as_bytes()) => {
            return json(
                "403 Forbidden",
                error_body("Forbidden", "wrong Authorization"),
            );
        }
        Some(_) => {}
    }
    if head.method != "GET" {
        return json(
            "405 Method Not Allowed",
            error_body("MethodNotAllowed", "use GET"),
        );
    }
    let mut renewed = shared.renewed.subscribe();
    {
        let mut st = shared.lock();
        if valid(&st.creds, timefmt::now()) {
            return json("200 OK", credentials_body(&st.creds));
        }
        // No valid credentials: ask for a renewal and wait for it, with every other such
        // request.
        st.kicked = true;
        shared.wake.notify_one();
    }
    let _ = tokio::time::timeout(wait_limit, renewed.changed()).await;
    let st = shared.lock();
    if valid(&st.creds, timefmt::now()) {
        return json("200 OK", credentials_body(&st.creds));
    }
    match &st.trouble {
        Some(Trouble::LoginNeeded) => json(
            "503 Service Unavailable",
            error_body("LoginNeeded", &format!("run `{login_hint}`")),
        ),
        Some(Trouble::Failed(why)) => {
            json("503 Service Unavailable", error_body("RenewFailed", why))
        }
        None => json(
            "503 Service Unavailable",
            error_body(
                "RenewFailed",
                "the credentials are being renewed; try again",
            ),
        ),
    }
}

/// Runs PROGRAM under the endpoint and never returns: ssox exits as PROGRAM did.
pub fn run(
    endpoint: Endpoint,
    ctx: &Context<'_>,
    plan: &Plan<'_>,
    first: Credentials,
    program: &Program,
    env: Vec<(std::ffi::OsString, std::ffi::OsString)>,
    login_hint: &str,
) -> Result<std::convert::Infallible, Error> {
    // Caught from before PROGRAM exists, so none is lost; exec resets the handlers to the
    // defaults in PROGRAM.
    let forwarder = Forwarder::install()
        .map_err(|e| Error::new(Exit::Internal, format!("cannot watch signals: {e}")))?;
    limits::more_descriptors();
    let mut command = Command::new(&program.path);
    command
        .arg0(&program.name)
        .args(&program.args)
        .env_clear()
        .envs(env);
    // SAFETY: the closure runs between fork and exec and only calls setrlimit and prctl,
    // which are async-signal-safe; it allocates nothing and takes no lock.
    unsafe {
        command.pre_exec(limits::in_child_of_server);
    }
    let mut child = command.spawn().map_err(|e| {
        Error::new(
            Exit::CannotExecute,
            format!("{}: cannot execute: {e}", program.name.to_string_lossy()),
        )
    })?;
    let child_pid = Pid::from_raw(i32::try_from(child.id()).unwrap_or(i32::MAX));
    vlog!(
        "server: {} serving {} to pid {child_pid}",
        endpoint.url,
        program.path.display()
    );
    let (renewed, _) = tokio::sync::watch::channel(0u64);
    let shared = Arc::new(Shared {
        state: Mutex::new(State {
            creds: first,
            fetched_at: timefmt::now(),
            trouble: None,
            failures: 0,
            kicked: false,
        }),
        wake: Condvar::new(),
        renewed,
    });
    // A waiting request gives a renewal the time of one network call, and a little more.
    let wait_limit = ctx.net()?.timeout() + Duration::from_secs(2);
    let Endpoint {
        runtime,
        listener,
        token,
        token_file,
        ..
    } = endpoint;
    let token = Arc::new(token);
    let hint: Arc<str> = Arc::from(login_hint);
    let for_requests = shared.clone();
    std::thread::scope(|scope| {
        scope.spawn(move || forwarder.run(child_pid));
        scope.spawn(|| renew_forever(&shared, ctx, plan, login_hint));
        scope.spawn(move || {
            runtime.block_on(loopback::serve(listener, move |head| {
                answer(
                    head,
                    for_requests.clone(),
                    token.clone(),
                    hint.clone(),
                    wait_limit,
                )
            }));
        });
        let status = child.wait();
        // Gone before ssox is: exit runs no destructor, and dying of a signal none either.
        drop(token_file);
        let code = match status {
            Ok(s) => match (s.code(), s.signal()) {
                (Some(code), _) => code,
                (None, Some(sig)) => signals::die_of(sig),
                (None, None) => 1,
            },
            Err(_) => 1,
        };
        std::process::exit(code);
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_compare_only_equal_when_equal() {
        assert!(constant_time_eq(b"abc", b"abc"));
        assert!(!constant_time_eq(b"abc", b"abd"));
        assert!(!constant_time_eq(b"abc", b"abcd"));
    }

    #[test]
    fn the_endpoint_token_is_long_and_has_no_newline() {
        let e = Endpoint::bind(None).unwrap();
        assert!(e.token.expose().len() >= 43);
        assert!(!e.token.expose().contains(['\n', '\r']));
        assert!(e.url.starts_with("http://127.0.0.1:"));
    }

    fn state(fetched_at: Timestamp, expires: Option<Timestamp>) -> State {
        State {
            creds: Credentials {
                access_key_id: Secret::new("A"),
                secret_access_key: Secret::new("S"),
                session_token: None,
                expiration: expires,
                account_id: None,
            },
            fetched_at,
            trouble: None,
            failures: 0,
            kicked: false,
        }
    }

    #[test]
    fn a_failed_renewal_keeps_serving_the_valid_credentials() {
        let mut s = state(0, Some(900));
        let failed = s.record(
            Err(Error::new(Exit::Unavailable, "the SSO portal failed")),
            500,
        );
        assert!(matches!(failed, Some(Notice::Failed(_))));
        assert_eq!(s.creds.access_key_id.expose(), "A");
        assert!(valid(&s.creds, 500));
        // Only the first of a run of failures is told; the back-off grows.
        let again = s.record(Err(Error::new(Exit::Unavailable, "again")), 510);
        assert!(again.is_none());
        assert_eq!(
            s.next_renewal(SERVE_WINDOW, 510),
            Some(Duration::from_secs(4))
        );
        // A login is needed: said, and the next success says it recovered.
        assert!(matches!(
            s.record(Err(Error::new(Exit::NoPerm, "login")), 520),
            Some(Notice::LoginNeeded(_))
        ));
        let fresh = Credentials {
            access_key_id: Secret::new("B"),
            expiration: Some(1500),
            ..s.creds.clone()
        };
        assert!(matches!(s.record(Ok(fresh), 600), Some(Notice::Recovered)));
        assert_eq!(s.creds.access_key_id.expose(), "B");
        assert_eq!(s.fetched_at, 600);
    }

    #[test]
    fn renewals_come_at_the_window_or_half_way_through_short_credentials() {
        let w = SERVE_WINDOW;
        // An hour: renewed with 15 minutes left.
        assert_eq!(
            state(0, Some(3600)).next_renewal(w, 0),
            Some(Duration::from_mins(45))
        );
        // 15 minutes: once, half-way, not on every request.
        assert_eq!(
            state(0, Some(900)).next_renewal(w, 0),
            Some(Duration::from_secs(450))
        );
        // Keys that never expire are never renewed.
        assert_eq!(state(0, None).next_renewal(w, 0), None);
        let mut s = state(0, Some(900));
        s.trouble = Some(Trouble::LoginNeeded);
        assert_eq!(s.next_renewal(w, 0), Some(LOGIN_POLL));
        s.trouble = Some(Trouble::Failed("x".into()));
        s.failures = 10;
        assert_eq!(s.next_renewal(w, 0), Some(MAX_BACKOFF));
    }
}
