//! A fake IAM Identity Center on 127.0.0.1: the SSO portal (GetRoleCredentials, ListAccounts,
//! ListAccountRoles, Logout) and SSO OIDC (RegisterClient, StartDeviceAuthorization,
//! CreateToken for device_code / refresh_token / authorization_code with PKCE, and the
//! `/authorize` redirect), speaking real HTTP/1.1 with AWS's error shapes, and counting
//! every call so tests can assert how many requests ssox made.

use std::collections::{HashMap, HashSet, VecDeque};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread;
use std::time::{SystemTime, UNIX_EPOCH};

use base64::Engine;
use serde_json::{Value, json};
use sha2::Digest;

pub fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

/// The operations the fake serves. Tests count and script them by these names, so a typo is
/// a compile error, never an assertion that passes because nothing matched.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Op {
    GetRoleCredentials,
    ListAccounts,
    ListAccountRoles,
    Logout,
    RegisterClient,
    StartDeviceAuthorization,
    CreateToken,
    /// The browser's `/authorize` redirect (PKCE).
    Authorize,
    /// A person approving a device code at `/device`.
    ApproveDevice,
    /// The sign-in federation endpoint: `Action=getSigninToken`.
    GetSigninToken,
    /// The sign-in federation endpoint: `Action=login` (a browser arriving with the URL).
    ConsoleLogin,
    /// The AWS Sign-In service's `/v1/authorize` (a browser signing in for `aws login`).
    SigninAuthorize,
    /// The AWS Sign-In service's CreateOAuth2Token (`POST /v1/token`).
    SigninToken,
    Unknown,
}

/// One request as the fake saw it.
#[derive(Debug, Clone)]
pub struct Request {
    pub op: Op,
    pub query: HashMap<String, String>,
    pub headers: HashMap<String, String>,
    pub body: Value,
}

#[derive(Debug, Clone)]
struct Client {
    secret: String,
    grant_types: Vec<String>,
    expires_at: i64,
}

#[derive(Debug, Clone)]
struct Device {
    client_id: String,
    user_code: String,
    approved: bool,
    expires_at: i64,
}

#[derive(Debug, Clone)]
struct AuthCode {
    client_id: String,
    challenge: String,
    redirect_uri: String,
}

#[derive(Debug, Clone)]
pub struct ScriptedError {
    pub status: u16,
    pub error_type: String,
    pub message: String,
}

/// An account in the fake's directory and the roles the token may use in it.
#[derive(Debug, Clone)]
pub struct Account {
    pub id: String,
    pub name: String,
    pub roles: Vec<String>,
}

impl Account {
    pub fn new(id: &str, name: &str, roles: &[&str]) -> Self {
        Self {
            id: id.into(),
            name: name.into(),
            roles: roles.iter().map(|r| (*r).to_string()).collect(),
        }
    }
}

/// What ListAccounts and ListAccountRoles answer unless a test says otherwise: three
/// accounts, so that with pages of two both listings take more than one page.
pub fn default_directory() -> Vec<Account> {
    vec![
        Account::new("111111111111", "dev", &["readOnly", "admin"]),
        Account::new("222222222222", "prod", &["readOnly", "admin"]),
        Account::new(
            "333333333333",
            "Shared Services",
            &["AdministratorAccess", "ReadOnlyAccess", "Billing"],
        ),
    ]
}

#[derive(Default)]
struct State {
    directory: Vec<Account>,
    /// The most items a List page holds.
    page_size: usize,
    requests: Vec<Request>,
    access_tokens: HashMap<String, i64>,
    refresh_tokens: HashSet<String>,
    clients: HashMap<String, Client>,
    devices: HashMap<String, Device>,
    auth_codes: HashMap<String, AuthCode>,
    denied: HashSet<(String, String)>,
    scripted: HashMap<Op, VecDeque<ScriptedError>>,
    /// Answers to give device-code polls before approval counts: "pending" or "slow_down".
    device_script: VecDeque<&'static str>,
    auto_approve_devices: bool,
    /// `/authorize` redirects back with `error=access_denied` and this description.
    deny_authorization: Option<String>,
    hang: HashSet<Op>,
    /// The next call of this op waits, unanswered, until `release`.
    hold_next: Option<Op>,
    released: bool,
    role_ttl: i64,
    token_ttl: i64,
    device_ttl: i64,
    device_interval: i64,
    rotate_refresh: bool,
    /// Another program wins the next refresh race: it writes this token file, and the
    /// refresh ssox asked for fails as if its refresh token had just been used.
    refresh_race: Option<(std::path::PathBuf, String)>,
    serial: u64,
    /// Sign-in tokens issued, and the session JSON each was issued for.
    signin_tokens: HashMap<String, Value>,
    /// `aws login`: the identity that signs in, codes issued at /v1/authorize, live refresh
    /// tokens (each bound to the DPoP key it was issued to), every jti seen, and how long
    /// the credentials last.
    login_identity: String,
    login_codes: HashMap<String, AuthCode>,
    login_refresh: HashMap<String, LoginGrant>,
    login_jtis: HashSet<String>,
    login_ttl: i64,
    /// Access keys issued by CreateOAuth2Token, in order.
    login_keys: Vec<String>,
    /// Another program wins the next refresh race: it writes this file, with the refresh
    /// token it got, and the refresh asked for fails as that token was already used.
    login_race: Option<(std::path::PathBuf, Value)>,
}

/// A live sign-in refresh token: the key it is bound to, and its client.
#[derive(Debug, Clone)]
struct LoginGrant {
    jwk: (String, String),
    client_id: String,
}

/// Rung whenever any fake records a request, so a test can wait for one that a program
/// outside it (a browser ssox started) makes after ssox has exited.
static RECORDED: std::sync::Condvar = std::sync::Condvar::new();

pub struct FakeAws {
    url: String,
    state: Arc<Mutex<State>>,
}

impl FakeAws {
    pub fn start() -> FakeAws {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let state = Arc::new(Mutex::new(State {
            role_ttl: 3600,
            token_ttl: 8 * 3600,
            device_ttl: 600,
            device_interval: 1,
            rotate_refresh: true,
            directory: default_directory(),
            page_size: 2,
            login_identity: "arn:aws:iam::123456789012:user/dev".into(),
            login_ttl: 900,
            ..State::default()
        }));
        let st = state.clone();
        let base = url.clone();
        thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(stream) = stream else { continue };
                let st = st.clone();
                let base = base.clone();
                thread::spawn(move || serve_connection(stream, &st, &base));
            }
        });
        FakeAws { url, state }
    }

    pub fn url(&self) -> &str {
        &self.url
    }

    /// Serves the same fake over TLS on another loopback port, with the certificate chain
    /// and key in `dir` (from make_certs.py); returns that port. `public_base` is the
    /// https URL clients use for it (links the fake hands out point there).
    pub fn serve_tls(&self, dir: &std::path::Path, public_base: &str) -> u16 {
        use rustls::pki_types::pem::PemObject;
        use rustls::pki_types::{CertificateDer, PrivateKeyDer};
        let chain: Vec<CertificateDer<'static>> =
            CertificateDer::pem_file_iter(dir.join("server.pem"))
                .unwrap()
                .collect::<Result<_, _>>()
                .unwrap();
        let key = PrivateKeyDer::from_pem_file(dir.join("server.key")).unwrap();
        let config = Arc::new(
            rustls::ServerConfig::builder_with_provider(Arc::new(
                rustls::crypto::ring::default_provider(),
            ))
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_no_client_auth()
            .with_single_cert(chain, key)
            .unwrap(),
        );
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let st = self.state.clone();
        let base = public_base.to_string();
        thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(stream) = stream else { continue };
                let st = st.clone();
                let base = base.clone();
                let config = config.clone();
                thread::spawn(move || {
                    let conn = rustls::ServerConnection::new(config).unwrap();
                    serve_connection(rustls::StreamOwned::new(conn, stream), &st, &base);
                });
            }
        });
        port
    }

    fn st(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// How many requests of this operation were served.
    pub fn count(&self, op: Op) -> usize {
        self.st().requests.iter().filter(|r| r.op == op).count()
    }

    pub fn total_requests(&self) -> usize {
        self.st().requests.len()
    }

    pub fn requests(&self, op: Op) -> Vec<Request> {
        self.st()
            .requests
            .iter()
            .filter(|r| r.op == op)
            .cloned()
            .collect()
    }

    /// A fresh access token the portal accepts for `ttl` seconds.
    pub fn issue_access_token(&self, ttl: i64) -> String {
        let mut st = self.st();
        st.serial += 1;
        let t = format!("access-token-{}", st.serial);
        st.access_tokens.insert(t.clone(), now() + ttl);
        t
    }

    /// A refresh token the OIDC service accepts.
    pub fn issue_refresh_token(&self) -> String {
        let mut st = self.st();
        st.serial += 1;
        let t = format!("refresh-token-{}", st.serial);
        st.refresh_tokens.insert(t.clone());
        t
    }

    /// A client registration as RegisterClient would have made it: (id, secret).
    pub fn register_client(&self, grant_types: &[&str]) -> (String, String) {
        let mut st = self.st();
        st.serial += 1;
        let id = format!("client-{}", st.serial);
        let secret = format!("client-secret-{}", st.serial);
        st.clients.insert(
            id.clone(),
            Client {
                secret: secret.clone(),
                grant_types: grant_types.iter().map(|s| s.to_string()).collect(),
                expires_at: now() + 90 * 86_400,
            },
        );
        (id, secret)
    }

    /// The next refresh loses a race: `contents` lands at `path` first, and the refresh
    /// is refused with invalid_grant.
    pub fn lose_next_refresh_race(&self, path: std::path::PathBuf, contents: String) {
        self.st().refresh_race = Some((path, contents));
    }

    pub fn revoke_access_token(&self, token: &str) {
        self.st().access_tokens.remove(token);
    }

    pub fn revoke_refresh_token(&self, token: &str) {
        self.st().refresh_tokens.remove(token);
    }

    pub fn access_token_valid(&self, token: &str) -> bool {
        self.st()
            .access_tokens
            .get(token)
            .is_some_and(|e| *e > now())
    }

    pub fn refresh_token_valid(&self, token: &str) -> bool {
        self.st().refresh_tokens.contains(token)
    }

    /// Replaces the accounts and roles the token may use.
    pub fn set_directory(&self, directory: Vec<Account>) {
        self.state.lock().unwrap().directory = directory;
    }

    /// Waits until `op` has been requested at least once, for at most `timeout`.
    pub fn wait_for(&self, op: Op, timeout: std::time::Duration) -> bool {
        let deadline = std::time::Instant::now() + timeout;
        let mut st = self.state.lock().unwrap();
        while !st.requests.iter().any(|r| r.op == op) {
            let left = deadline.saturating_duration_since(std::time::Instant::now());
            if left.is_zero() {
                return false;
            }
            st = RECORDED.wait_timeout(st, left).unwrap().0;
        }
        true
    }

    /// The session JSON a sign-in token was issued for.
    pub fn signin_session(&self, token: &str) -> Option<Value> {
        self.state.lock().unwrap().signin_tokens.get(token).cloned()
    }

    /// A live refresh token for `client_id`, bound to the DPoP key (x, y).
    pub fn seed_login(&self, x: &str, y: &str, client_id: &str) -> String {
        let mut st = self.st();
        st.serial += 1;
        let token = format!("login-refresh-{}", st.serial);
        st.login_refresh.insert(
            token.clone(),
            LoginGrant {
                jwk: (x.into(), y.into()),
                client_id: client_id.into(),
            },
        );
        token
    }

    pub fn login_refresh_valid(&self, token: &str) -> bool {
        self.st().login_refresh.contains_key(token)
    }

    /// The access keys CreateOAuth2Token issued, in order.
    pub fn login_keys(&self) -> Vec<String> {
        self.st().login_keys.clone()
    }

    pub fn set_login_ttl(&self, secs: i64) {
        self.st().login_ttl = secs;
    }

    /// The next refresh loses a race: `file` is written to `path` first, as another program
    /// that refreshed with the same token would, and the refresh asked for is refused.
    pub fn lose_next_login_race(&self, path: std::path::PathBuf, file: Value) {
        self.st().login_race = Some((path, file));
    }

    pub fn set_role_ttl(&self, secs: i64) {
        self.st().role_ttl = secs;
    }

    pub fn set_token_ttl(&self, secs: i64) {
        self.st().token_ttl = secs;
    }

    pub fn set_device_ttl(&self, secs: i64) {
        self.st().device_ttl = secs;
    }

    /// Device-code polls answer these first (each "pending" or "slow_down"), then succeed
    /// once the device was approved (or at once with `auto_approve_devices`).
    pub fn script_device_polls(&self, answers: &[&'static str]) {
        self.st().device_script = answers.iter().copied().collect();
    }

    /// `/authorize` redirects back with `error=access_denied` (the user clicked Deny).
    pub fn deny_authorization(&self, on: bool) {
        self.st().deny_authorization = on.then(|| "denied".to_string());
    }

    /// As `deny_authorization`, with this `error_description` (sent URL-encoded).
    pub fn deny_authorization_saying(&self, description: &str) {
        self.st().deny_authorization = Some(description.to_string());
    }

    pub fn auto_approve_devices(&self, on: bool) {
        self.st().auto_approve_devices = on;
    }

    /// GetRoleCredentials for this account and role answers 403 ForbiddenException.
    pub fn deny(&self, account: &str, role: &str) {
        self.st().denied.insert((account.into(), role.into()));
    }

    /// The next call of `op` fails with this AWS error.
    pub fn fail_next(&self, op: Op, status: u16, error_type: &str, message: &str) {
        self.st()
            .scripted
            .entry(op)
            .or_default()
            .push_back(ScriptedError {
                status,
                error_type: error_type.into(),
                message: message.into(),
            });
    }

    /// Calls of `op` are read and never answered.
    pub fn hang(&self, op: Op) {
        self.st().hang.insert(op);
    }

    /// The next call of `op` is answered only after [`release`](Self::release); the calls
    /// after it are answered at once. For making two clients overlap without a sleep.
    pub fn hold_next(&self, op: Op) {
        let mut st = self.st();
        st.hold_next = Some(op);
        st.released = false;
    }

    pub fn release(&self) {
        self.st().released = true;
        RECORDED.notify_all();
    }
}

struct Response {
    status: u16,
    headers: Vec<(String, String)>,
    body: String,
}

impl Response {
    fn json(status: u16, body: Value) -> Response {
        Response {
            status,
            headers: vec![("Content-Type".into(), "application/json".into())],
            body: body.to_string(),
        }
    }

    fn error(status: u16, error_type: &str, message: &str) -> Response {
        let oauth = match error_type {
            "AuthorizationPendingException" => "authorization_pending",
            "SlowDownException" => "slow_down",
            "ExpiredTokenException" => "expired_token",
            "InvalidGrantException" => "invalid_grant",
            "AccessDeniedException" => "access_denied",
            "InvalidClientException" => "invalid_client",
            _ => "",
        };
        let body = if oauth.is_empty() {
            json!({ "message": message })
        } else {
            json!({ "error": oauth, "error_description": message })
        };
        let mut r = Response::json(status, body);
        r.headers.push((
            "x-amzn-ErrorType".into(),
            format!("{error_type}:http://internal.amazon.com/coral/"),
        ));
        r
    }

    fn redirect(location: &str) -> Response {
        Response {
            status: 302,
            headers: vec![("Location".into(), location.into())],
            body: String::new(),
        }
    }
}

fn serve_connection<S: Read + Write>(stream: S, state: &Arc<Mutex<State>>, base: &str) {
    let mut reader = BufReader::new(stream);
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap_or(0) == 0 {
            return;
        }
        let mut parts = line.split_whitespace();
        let method = parts.next().unwrap_or("").to_string();
        let target = parts.next().unwrap_or("").to_string();
        let mut headers = HashMap::new();
        loop {
            let mut h = String::new();
            if reader.read_line(&mut h).unwrap_or(0) == 0 {
                return;
            }
            let h = h.trim_end();
            if h.is_empty() {
                break;
            }
            if let Some((k, v)) = h.split_once(':') {
                headers.insert(k.trim().to_ascii_lowercase(), v.trim().to_string());
            }
        }
        let len: usize = headers
            .get("content-length")
            .and_then(|v| v.parse().ok())
            .unwrap_or(0);
        let mut body = vec![0; len];
        if reader.read_exact(&mut body).is_err() {
            return;
        }
        // Through a forward proxy the target comes in absolute form: http://host/path.
        let target = match target.split_once("://") {
            Some((_, rest)) => rest.find('/').map_or("/", |i| &rest[i..]).to_string(),
            None => target,
        };
        let (path, mut query) = match target.split_once('?') {
            Some((p, q)) => (p.to_string(), parse_query(q)),
            None => (target.clone(), HashMap::new()),
        };
        // A form body (the sign-in endpoint's POST) reads like a query.
        if headers
            .get("content-type")
            .is_some_and(|t| t.starts_with("application/x-www-form-urlencoded"))
        {
            query.extend(parse_query(&String::from_utf8_lossy(&body)));
        }
        let body: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
        let op = operation(&method, &path, &query);
        let req = Request {
            op,
            query,
            headers,
            body,
        };
        let response = {
            let mut st = state.lock().unwrap_or_else(|e| e.into_inner());
            st.requests.push(req.clone());
            RECORDED.notify_all();
            if st.hold_next == Some(op) {
                st.hold_next = None;
                while !st.released {
                    st = RECORDED.wait(st).unwrap_or_else(|e| e.into_inner());
                }
            }
            if st.hang.contains(&op) {
                None
            } else if let Some(e) = st.scripted.get_mut(&op).and_then(VecDeque::pop_front) {
                Some(Response::error(e.status, &e.error_type, &e.message))
            } else {
                Some(handle(&mut st, &req, base))
            }
        };
        let Some(response) = response else {
            // Never answer; wait for the client to give up and close.
            let mut sink = Vec::new();
            let _ = reader.read_to_end(&mut sink);
            return;
        };
        let reason = match response.status {
            200 => "OK",
            302 => "Found",
            400 => "Bad Request",
            401 => "Unauthorized",
            403 => "Forbidden",
            404 => "Not Found",
            _ => "Error",
        };
        let mut out = format!(
            "HTTP/1.1 {} {reason}\r\nContent-Length: {}\r\n",
            response.status,
            response.body.len()
        );
        for (k, v) in &response.headers {
            out.push_str(&format!("{k}: {v}\r\n"));
        }
        out.push_str("\r\n");
        out.push_str(&response.body);
        if reader.get_mut().write_all(out.as_bytes()).is_err() {
            return;
        }
    }
}

fn parse_query(q: &str) -> HashMap<String, String> {
    q.split('&')
        .filter_map(|kv| kv.split_once('='))
        .map(|(k, v)| (percent_decode(k), percent_decode(v)))
        .collect()
}

pub fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%'
            && i + 2 < b.len()
            && let Ok(v) = u8::from_str_radix(&s[i + 1..i + 3], 16)
        {
            out.push(v);
            i += 3;
            continue;
        }
        out.push(if b[i] == b'+' { b' ' } else { b[i] });
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn operation(method: &str, path: &str, query: &HashMap<String, String>) -> Op {
    if path == "/federation" {
        return match query.get("Action").map(String::as_str) {
            Some("getSigninToken") => Op::GetSigninToken,
            Some("login") if method == "GET" => Op::ConsoleLogin,
            _ => Op::Unknown,
        };
    }
    match (method, path) {
        ("GET", "/federation/credentials") => Op::GetRoleCredentials,
        ("GET", "/assignment/accounts") => Op::ListAccounts,
        ("GET", "/assignment/roles") => Op::ListAccountRoles,
        ("POST", "/logout") => Op::Logout,
        ("POST", "/client/register") => Op::RegisterClient,
        ("POST", "/device_authorization") => Op::StartDeviceAuthorization,
        ("POST", "/token") => Op::CreateToken,
        ("GET", "/authorize") => Op::Authorize,
        ("GET", "/device") => Op::ApproveDevice,
        ("GET", "/v1/authorize") => Op::SigninAuthorize,
        ("POST", "/v1/token") => Op::SigninToken,
        _ => Op::Unknown,
    }
}

fn s<'a>(body: &'a Value, key: &str) -> &'a str {
    body.get(key).and_then(Value::as_str).unwrap_or("")
}

fn handle(st: &mut State, req: &Request, base: &str) -> Response {
    match req.op {
        Op::GetRoleCredentials | Op::ListAccounts | Op::ListAccountRoles | Op::Logout => {
            portal(st, req)
        }
        Op::GetSigninToken => {
            // As the real endpoint: temporary credentials only, and a console session of
            // 15 minutes to 12 hours if one is asked for.
            let session: Value = req
                .query
                .get("Session")
                .and_then(|s| serde_json::from_str(s).ok())
                .unwrap_or(Value::Null);
            let complete = ["sessionId", "sessionKey", "sessionToken"].iter().all(|k| {
                session
                    .get(k)
                    .and_then(Value::as_str)
                    .is_some_and(|v| !v.is_empty())
            });
            let duration_ok = req
                .query
                .get("SessionDuration")
                .is_none_or(|d| d.parse::<u64>().is_ok_and(|d| (900..=43_200).contains(&d)));
            if !complete || !duration_ok {
                return Response {
                    status: 400,
                    headers: vec![],
                    body: "Bad Request".into(),
                };
            }
            st.serial += 1;
            let token = format!("signin-token-{}", st.serial);
            st.signin_tokens.insert(token.clone(), session);
            Response::json(200, json!({ "SigninToken": token }))
        }
        Op::ConsoleLogin => {
            let known = req
                .query
                .get("SigninToken")
                .is_some_and(|t| st.signin_tokens.contains_key(t));
            Response {
                status: if known { 200 } else { 400 },
                headers: vec![],
                body: if known {
                    "the AWS console".into()
                } else {
                    "Bad Request".into()
                },
            }
        }
        Op::RegisterClient => {
            st.serial += 1;
            let id = format!("client-{}", st.serial);
            let secret = format!("client-secret-{}", st.serial);
            let expires = now() + 90 * 86_400;
            let grant_types = req
                .body
                .get("grantTypes")
                .and_then(Value::as_array)
                .map(|a| {
                    a.iter()
                        .filter_map(Value::as_str)
                        .map(String::from)
                        .collect()
                });
            st.clients.insert(
                id.clone(),
                Client {
                    secret: secret.clone(),
                    grant_types: grant_types.unwrap_or_default(),
                    expires_at: expires,
                },
            );
            Response::json(
                200,
                json!({
                    "clientId": id, "clientSecret": secret,
                    "clientIdIssuedAt": now(), "clientSecretExpiresAt": expires,
                }),
            )
        }
        Op::StartDeviceAuthorization => {
            if let Some(e) = client_error(st, &req.body) {
                return e;
            }
            st.serial += 1;
            let device_code = format!("device-code-{}", st.serial);
            let user_code = format!("ABCD-{:04}", st.serial);
            st.devices.insert(
                device_code.clone(),
                Device {
                    client_id: s(&req.body, "clientId").into(),
                    user_code: user_code.clone(),
                    approved: false,
                    expires_at: now() + st.device_ttl,
                },
            );
            Response::json(
                200,
                json!({
                    "deviceCode": device_code, "userCode": user_code,
                    "verificationUri": format!("{base}/device"),
                    "verificationUriComplete": format!("{base}/device?user_code={user_code}"),
                    "expiresIn": st.device_ttl, "interval": st.device_interval,
                }),
            )
        }
        Op::ApproveDevice => {
            let code = req.query.get("user_code").cloned().unwrap_or_default();
            let mut found = false;
            for d in st.devices.values_mut() {
                if d.user_code == code {
                    d.approved = true;
                    found = true;
                }
            }
            if found {
                Response {
                    status: 200,
                    headers: vec![],
                    body: "approved".into(),
                }
            } else {
                Response {
                    status: 404,
                    headers: vec![],
                    body: "unknown user code".into(),
                }
            }
        }
        Op::Authorize => {
            let q = &req.query;
            let client = q.get("client_id").cloned().unwrap_or_default();
            if !st.clients.contains_key(&client)
                || q.get("response_type").map(String::as_str) != Some("code")
                || q.get("code_challenge_method").map(String::as_str) != Some("S256")
            {
                return Response {
                    status: 400,
                    headers: vec![],
                    body: "bad authorize request".into(),
                };
            }
            let redirect_uri = q.get("redirect_uri").cloned().unwrap_or_default();
            let state = q.get("state").cloned().unwrap_or_default();
            if let Some(desc) = &st.deny_authorization {
                let desc: String = desc
                    .bytes()
                    .map(|b| {
                        if b.is_ascii_alphanumeric() {
                            char::from(b).to_string()
                        } else {
                            format!("%{b:02X}")
                        }
                    })
                    .collect();
                return Response::redirect(&format!(
                    "{redirect_uri}?error=access_denied&error_description={desc}&state={state}"
                ));
            }
            st.serial += 1;
            let code = format!("auth-code-{}", st.serial);
            st.auth_codes.insert(
                code.clone(),
                AuthCode {
                    client_id: client,
                    challenge: q.get("code_challenge").cloned().unwrap_or_default(),
                    redirect_uri: redirect_uri.clone(),
                },
            );
            Response::redirect(&format!("{redirect_uri}?code={code}&state={state}"))
        }
        Op::CreateToken => create_token(st, &req.body),
        Op::SigninAuthorize => signin_authorize(st, req, base),
        Op::SigninToken => signin_token(st, req, base),
        Op::Unknown => Response::error(404, "UnknownOperationException", "no such operation"),
    }
}

/// `/v1/authorize`: the person signs in at once. Same device: back to the loopback
/// redirect with the code; cross-device: the page shows base64 of `state=…&code=…`.
fn signin_authorize(st: &mut State, req: &Request, base: &str) -> Response {
    let q = |k: &str| req.query.get(k).cloned().unwrap_or_default();
    if q("response_type") != "code"
        || q("code_challenge_method") != "SHA-256"
        || q("scope") != "openid"
        || q("code_challenge").is_empty()
    {
        return Response::error(400, "ValidationException", "bad authorize request");
    }
    st.serial += 1;
    let code = format!("login-code-{}", st.serial);
    let redirect_uri = q("redirect_uri");
    st.login_codes.insert(
        code.clone(),
        AuthCode {
            client_id: q("client_id"),
            challenge: q("code_challenge"),
            redirect_uri: redirect_uri.clone(),
        },
    );
    let state = q("state");
    if redirect_uri == format!("{base}/v1/sessions/confirmation") {
        let shown =
            base64::engine::general_purpose::STANDARD.encode(format!("state={state}&code={code}"));
        return Response {
            status: 200,
            headers: vec![],
            body: shown,
        };
    }
    Response::redirect(&format!("{redirect_uri}?code={code}&state={state}"))
}

fn login_error(error: &str, message: &str) -> Response {
    let mut r = Response::json(400, json!({ "error": error, "message": message }));
    r.headers
        .push(("x-amzn-ErrorType".into(), "AccessDeniedException".into()));
    r
}

/// Checks a DPoP proof as the service must: an ES256 JWT of type dpop+jwt, signed by the
/// P-256 key in its own header, for this method and URL, issued within a minute, with a
/// jti never seen before. Returns the key's (x, y).
fn check_dpop(st: &mut State, req: &Request, base: &str) -> Result<(String, String), String> {
    use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
    let proof = req.headers.get("dpop").ok_or("no DPoP header")?;
    let parts: Vec<&str> = proof.split('.').collect();
    let [h, p, sig] = parts[..] else {
        return Err("not a JWT".into());
    };
    let decode = |x: &str| -> Result<Value, String> {
        serde_json::from_slice(&B64.decode(x).map_err(|e| e.to_string())?)
            .map_err(|e| e.to_string())
    };
    let (header, payload) = (decode(h)?, decode(p)?);
    if header["typ"] != "dpop+jwt" || header["alg"] != "ES256" {
        return Err(format!("bad header {header}"));
    }
    let jwk = &header["jwk"];
    if jwk["kty"] != "EC" || jwk["crv"] != "P-256" {
        return Err("not a P-256 key".into());
    }
    let (x, y) = (s(jwk, "x").to_string(), s(jwk, "y").to_string());
    // The AWS CLI (awscrt's get_public_coords) drops a coordinate's leading zero bytes, one
    // key in 128: taken back to 32 bytes here, or the real `aws login` fails that often.
    let mut point = vec![4u8];
    for c in [&x, &y] {
        let c = B64.decode(c).map_err(|e| e.to_string())?;
        if c.len() > 32 {
            return Err("a coordinate longer than 32 bytes".into());
        }
        point.extend(std::iter::repeat_n(0u8, 32 - c.len()));
        point.extend(c);
    }
    let signature = B64.decode(sig).map_err(|e| e.to_string())?;
    ring::signature::UnparsedPublicKey::new(&ring::signature::ECDSA_P256_SHA256_FIXED, &point)
        .verify(format!("{h}.{p}").as_bytes(), &signature)
        .map_err(|_| "bad signature".to_string())?;
    if payload["htm"] != "POST" {
        return Err("htm is not POST".into());
    }
    if s(&payload, "htu") != format!("{base}/v1/token") {
        return Err(format!("htu {} is not this endpoint", payload["htu"]));
    }
    let iat = payload["iat"].as_i64().ok_or("no iat")?;
    if (iat - now()).abs() > 60 {
        return Err("iat too far from now".into());
    }
    let jti = s(&payload, "jti").to_string();
    if jti.is_empty() || !st.login_jtis.insert(jti) {
        return Err("jti missing or reused".into());
    }
    Ok((x, y))
}

fn fake_jwt(claims: &Value) -> String {
    use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
    format!(
        "{}.{}.fake-signature",
        B64.encode(r#"{"alg":"ES256","typ":"JWT"}"#),
        B64.encode(claims.to_string())
    )
}

/// CreateOAuth2Token: `authorization_code` (PKCE-bound, single use) and `refresh_token`
/// (bound to its DPoP key, rotated on every use).
fn signin_token(st: &mut State, req: &Request, base: &str) -> Response {
    let jwk = match check_dpop(st, req, base) {
        Ok(k) => k,
        Err(why) => return Response::error(400, "ValidationException", &format!("DPoP: {why}")),
    };
    let body = &req.body;
    let client_id = s(body, "clientId").to_string();
    match s(body, "grantType") {
        "authorization_code" => {
            let Some(code) = st.login_codes.remove(s(body, "code")) else {
                return login_error("AUTHCODE_EXPIRED", "unknown or used code");
            };
            let challenge = base64::engine::general_purpose::URL_SAFE_NO_PAD
                .encode(sha2::Sha256::digest(s(body, "codeVerifier").as_bytes()));
            if challenge != code.challenge
                || code.client_id != client_id
                || code.redirect_uri != s(body, "redirectUri")
            {
                return Response::error(400, "ValidationException", "PKCE or client mismatch");
            }
        }
        "refresh_token" => {
            let token = s(body, "refreshToken").to_string();
            if let Some((path, file)) = st.login_race.take() {
                // Another program spent this refresh token a moment ago.
                std::fs::write(&path, file.to_string()).unwrap();
                st.login_refresh.remove(&token);
                return login_error("TOKEN_EXPIRED", "refresh token already used");
            }
            match st.login_refresh.get(&token) {
                None => return login_error("TOKEN_EXPIRED", "unknown or used refresh token"),
                Some(g) if g.jwk != jwk => {
                    return Response::error(
                        400,
                        "ValidationException",
                        "DPoP key is not the token's",
                    );
                }
                Some(g) if g.client_id != client_id => {
                    return Response::error(400, "ValidationException", "client mismatch");
                }
                Some(_) => {
                    st.login_refresh.remove(&token);
                }
            }
        }
        other => {
            return Response::error(400, "ValidationException", &format!("grant {other}"));
        }
    }
    st.serial += 1;
    let n = st.serial;
    let refresh = format!("login-refresh-{n}");
    st.login_refresh
        .insert(refresh.clone(), LoginGrant { jwk, client_id });
    let key = format!("ASIALOGIN{n:08}");
    st.login_keys.push(key.clone());
    Response::json(
        200,
        json!({
            "accessToken": {
                "accessKeyId": key,
                "secretAccessKey": format!("login-secret-{n}"),
                "sessionToken": format!("login-session-token-{n}"),
            },
            "tokenType": "aws_sigv4",
            "expiresIn": st.login_ttl,
            "refreshToken": refresh,
            "idToken": fake_jwt(&json!({ "sub": st.login_identity, "iat": now() })),
        }),
    )
}

fn client_error(st: &State, body: &Value) -> Option<Response> {
    match st.clients.get(s(body, "clientId")) {
        Some(c) if c.secret == s(body, "clientSecret") && c.expires_at > now() => None,
        _ => Some(Response::error(
            401,
            "InvalidClientException",
            "Invalid client",
        )),
    }
}

fn new_token(st: &mut State, refresh: bool) -> Value {
    st.serial += 1;
    let access = format!("access-token-{}", st.serial);
    st.access_tokens
        .insert(access.clone(), now() + st.token_ttl);
    let mut out =
        json!({ "accessToken": access, "tokenType": "Bearer", "expiresIn": st.token_ttl });
    if refresh {
        let r = format!("refresh-token-{}", st.serial);
        st.refresh_tokens.insert(r.clone());
        out["refreshToken"] = json!(r);
    }
    out
}

fn create_token(st: &mut State, body: &Value) -> Response {
    if let Some(e) = client_error(st, body) {
        return e;
    }
    match s(body, "grantType") {
        "urn:ietf:params:oauth:grant-type:device_code" => {
            let code = s(body, "deviceCode").to_string();
            let Some(device) = st.devices.get(&code).cloned() else {
                return Response::error(400, "InvalidGrantException", "Invalid device code");
            };
            if device.client_id != s(body, "clientId") {
                return Response::error(
                    400,
                    "InvalidGrantException",
                    "Device code issued to another client",
                );
            }
            if device.expires_at <= now() {
                return Response::error(400, "ExpiredTokenException", "Device code expired");
            }
            if let Some(answer) = st.device_script.pop_front() {
                return match answer {
                    "slow_down" => Response::error(400, "SlowDownException", "Slow down"),
                    _ => Response::error(
                        400,
                        "AuthorizationPendingException",
                        "Authorization is still pending",
                    ),
                };
            }
            if !device.approved && !st.auto_approve_devices {
                return Response::error(
                    400,
                    "AuthorizationPendingException",
                    "Authorization is still pending",
                );
            }
            st.devices.remove(&code);
            Response::json(200, new_token(st, true))
        }
        "refresh_token" => {
            if let Some((path, contents)) = st.refresh_race.take() {
                std::fs::write(path, contents).unwrap();
                return Response::error(400, "InvalidGrantException", "Refresh token already used");
            }
            let rt = s(body, "refreshToken").to_string();
            if !st.refresh_tokens.contains(&rt) {
                return Response::error(400, "InvalidGrantException", "Invalid refresh token");
            }
            let rotate = st.rotate_refresh;
            if rotate {
                st.refresh_tokens.remove(&rt);
            }
            Response::json(200, new_token(st, rotate))
        }
        "authorization_code" => {
            let code = s(body, "code").to_string();
            let Some(ac) = st.auth_codes.remove(&code) else {
                return Response::error(400, "InvalidGrantException", "Invalid authorization code");
            };
            let verifier = s(body, "codeVerifier");
            let challenge = base64::engine::general_purpose::URL_SAFE_NO_PAD
                .encode(sha2::Sha256::digest(verifier.as_bytes()));
            if ac.client_id != s(body, "clientId")
                || ac.challenge != challenge
                || ac.redirect_uri != s(body, "redirectUri")
            {
                return Response::error(400, "InvalidGrantException", "PKCE verification failed");
            }
            let client_ok = st
                .clients
                .get(&ac.client_id)
                .is_some_and(|c| c.grant_types.iter().any(|g| g == "authorization_code"));
            if !client_ok {
                return Response::error(
                    400,
                    "UnauthorizedClientException",
                    "client not registered for authorization_code",
                );
            }
            Response::json(200, new_token(st, true))
        }
        other => Response::error(
            400,
            "UnsupportedGrantTypeException",
            &format!("unsupported grant {other}"),
        ),
    }
}

/// One page of `items` from the request's `next_token` (an offset), and the next token.
fn page_of(items: &[Value], req: &Request, size: usize) -> (Vec<Value>, Value) {
    let start: usize = req
        .query
        .get("next_token")
        .and_then(|t| t.strip_prefix("page-"))
        .and_then(|n| n.parse().ok())
        .unwrap_or(0);
    let size = req
        .query
        .get("max_result")
        .and_then(|m| m.parse::<usize>().ok())
        .unwrap_or(size)
        .min(size);
    let end = (start + size).min(items.len());
    let page = items.get(start..end).unwrap_or(&[]).to_vec();
    let next = if end < items.len() {
        Value::String(format!("page-{end}"))
    } else {
        Value::Null
    };
    (page, next)
}

fn portal(st: &mut State, req: &Request) -> Response {
    let token = req
        .headers
        .get("x-amz-sso_bearer_token")
        .cloned()
        .unwrap_or_default();
    let valid = st.access_tokens.get(&token).is_some_and(|e| *e > now());
    if !valid {
        return Response::error(
            401,
            "UnauthorizedException",
            "Session token not found or invalid",
        );
    }
    match req.op {
        Op::GetRoleCredentials => {
            let account = req.query.get("account_id").cloned().unwrap_or_default();
            let role = req.query.get("role_name").cloned().unwrap_or_default();
            if account.is_empty() || role.is_empty() {
                return Response::error(
                    400,
                    "InvalidRequestException",
                    "account_id and role_name are required",
                );
            }
            if st.denied.contains(&(account.clone(), role.clone())) {
                return Response::error(403, "ForbiddenException", "No access");
            }
            st.serial += 1;
            let n = st.serial;
            Response::json(
                200,
                json!({ "roleCredentials": {
                    "accessKeyId": format!("ASIAFAKE{n:08}"),
                    "secretAccessKey": format!("fake-secret-{n}"),
                    "sessionToken": format!("fake-session-{account}-{role}-{n}"),
                    "expiration": (now() + st.role_ttl) * 1000,
                }}),
            )
        }
        Op::ListAccounts => {
            let accounts: Vec<Value> = st
                .directory
                .iter()
                .map(|a| json!({ "accountId": a.id, "accountName": a.name, "emailAddress": format!("{}@example.com", a.id) }))
                .collect();
            let (page, next) = page_of(&accounts, req, st.page_size);
            Response::json(200, json!({ "accountList": page, "nextToken": next }))
        }
        Op::ListAccountRoles => {
            let account = req.query.get("account_id").cloned().unwrap_or_default();
            let Some(entry) = st.directory.iter().find(|a| a.id == account) else {
                return Response::error(403, "ForbiddenException", "No access");
            };
            let roles: Vec<Value> = entry
                .roles
                .iter()
                .map(|r| json!({ "roleName": r, "accountId": account }))
                .collect();
            let (page, next) = page_of(&roles, req, st.page_size);
            Response::json(200, json!({ "roleList": page, "nextToken": next }))
        }
        Op::Logout => {
            st.access_tokens.remove(&token);
            Response {
                status: 200,
                headers: vec![],
                body: String::new(),
            }
        }
        _ => unreachable!(),
    }
}
