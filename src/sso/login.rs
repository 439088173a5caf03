//! The interactive logins: authorization code with PKCE (the default for sso-session
//! profiles, as in the AWS CLI since 2.22) and the device code flow (legacy profiles,
//! `--use-device-code`, `sso_use_device_code = true`, or no browser here). Client
//! registrations are cached and shared with the AWS CLI. Every wait shows a spinner with the
//! time left (on a terminal), ends at its deadline, and stops cleanly on Ctrl-C. All output
//! goes to stderr.

use std::collections::HashMap;
use std::future::Future;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use base64::Engine;
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use sha2::Digest;
use tokio::net::TcpListener;
use tokio::signal::unix::{Signal, SignalKind};
use tokio::time::Instant;

use crate::browser;
use crate::config::resolve::SsoProfile;
use crate::env::Env;
use crate::error::{Error, Exit};
use crate::log::{notice, vlog};
use crate::loopback::{self, Head, Reply};
use crate::secret::Secret;
use crate::settings::LoginOptions;
use crate::sso::oidc::{Grant, NewToken, Oidc, OidcError};
use crate::sso::token_cache::{self, CachedToken, Registration};
use crate::term::Spinner;
use crate::timefmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flow {
    Pkce,
    Device,
}

/// The login flow for a session, and why: what a login does, and what `doctor` says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FlowChoice {
    pub flow: Flow,
    pub reason: &'static str,
}

impl FlowChoice {
    /// `PKCE: the browser opens ...` or `device code (why)`, for `doctor`.
    pub fn describe(&self) -> String {
        match self.flow {
            Flow::Pkce => format!("PKCE: {}", self.reason),
            Flow::Device => format!("device code ({})", self.reason),
        }
    }
}

/// PKCE needs an sso-session and a browser on this machine (the redirect goes to
/// 127.0.0.1); everything else uses the device code.
pub fn choose_flow(env: &Env, sso: &SsoProfile, opts: &LoginOptions) -> FlowChoice {
    let device = |reason| FlowChoice {
        flow: Flow::Device,
        reason,
    };
    if sso.session_name.is_none() {
        device("legacy profiles cannot use PKCE")
    } else if opts.use_device_code {
        device("--use-device-code was given")
    } else if sso.use_device_code {
        device("sso_use_device_code = true")
    } else if !browser::available(env) {
        device("no browser can be opened here: no $BROWSER and no display")
    } else {
        FlowChoice {
            flow: Flow::Pkce,
            reason: "the browser opens and comes back to 127.0.0.1",
        }
    }
}

/// Runs a login and returns the token to cache.
pub async fn login(
    env: &Env,
    cache_dir: &Path,
    sso: &SsoProfile,
    oidc: &Oidc<'_>,
    opts: &LoginOptions,
) -> Result<CachedToken, Error> {
    // Ctrl-C is ours from the start, so it ends the login cleanly whenever it comes.
    let mut interrupt = tokio::signal::unix::signal(SignalKind::interrupt())
        .map_err(|e| Error::new(Exit::Internal, format!("cannot watch for Ctrl-C: {e}")))?;
    let choice = choose_flow(env, sso, opts);
    let deadline = Instant::now() + opts.timeout;
    let who = match &sso.session_name {
        Some(s) => format!("sso-session `{s}`"),
        None => format!("profile `{}`", sso.profile),
    };
    vlog!(
        "login flow {} for {who} via {}",
        choice.describe(),
        oidc.target().url
    );
    let mut reg = registration(cache_dir, sso, oidc, choice.flow == Flow::Pkce).await?;
    let issued_at = timefmt::now();
    let waits = Waits {
        interrupt: &mut interrupt,
        deadline,
        opts,
        again: sso.login_command(),
    };
    let token = match choice.flow {
        Flow::Pkce => pkce(env, sso, oidc, &reg, waits, &who).await?,
        Flow::Device => {
            let dev = match oidc
                .start_device(&reg.client_id, &reg.client_secret, &sso.start_url)
                .await
            {
                Err(OidcError::InvalidClient(_)) => {
                    // The cached registration was revoked or belongs to another service:
                    // register again once.
                    vlog!("the cached client registration was rejected; registering again");
                    let _ = std::fs::remove_file(token_cache::registration_path(cache_dir, sso)?);
                    reg = registration(cache_dir, sso, oidc, false).await?;
                    oidc.start_device(&reg.client_id, &reg.client_secret, &sso.start_url)
                        .await
                }
                other => other,
            }
            .map_err(|e| e.to_error(sso))?;
            device(env, sso, oidc, &reg, &dev, waits, &who).await?
        }
    };
    notice!("logged in to {} ({who})", sso.start_url);
    Ok(CachedToken {
        start_url: Some(sso.start_url.clone()),
        region: Some(sso.region.clone()),
        access_token: token.access_token,
        expires_at: timefmt::format_rfc3339(issued_at + token.expires_in),
        client_id: Some(reg.client_id.clone()),
        client_secret: Some(reg.client_secret.clone()),
        registration_expires_at: Some(reg.expires_at.clone()),
        refresh_token: token.refresh_token,
        extra: serde_json::Map::new(),
    })
}

/// The cached client registration when it is still good for this flow, else a new one.
async fn registration(
    cache_dir: &Path,
    sso: &SsoProfile,
    oidc: &Oidc<'_>,
    pkce: bool,
) -> Result<Registration, Error> {
    let scopes = sso
        .registration_scopes_set
        .then_some(sso.registration_scopes.as_slice());
    let path = token_cache::registration_path(cache_dir, sso)?;
    let now = timefmt::now();
    if let Some(reg) = token_cache::read_registration(&path).filter(|r| r.usable(now, pkce)) {
        vlog!("reusing the client registration in {}", path.display());
        return Ok(reg);
    }
    let name = match &sso.session_name {
        Some(s) => format!("botocore-client-{s}"),
        None => format!("botocore-client-{now}"),
    };
    let default_scopes = ["sso:account:access".to_string()];
    let (req_scopes, issuer) = if pkce {
        (
            Some(scopes.unwrap_or(&default_scopes)),
            Some(sso.start_url.as_str()),
        )
    } else {
        (scopes, None)
    };
    let reg = oidc
        .register(&name, req_scopes, issuer)
        .await
        .map_err(|e| e.to_error(sso))?;
    let reg = Registration {
        client_id: reg.client_id,
        client_secret: reg.client_secret,
        expires_at: timefmt::format_rfc3339(reg.expires_at),
        scopes: req_scopes.map(<[String]>::to_vec),
        grant_types: pkce.then(|| {
            vec![
                "authorization_code".to_string(),
                "refresh_token".to_string(),
            ]
        }),
        extra: serde_json::Map::new(),
    };
    token_cache::write_registration(&path, &reg)
        .map_err(|e| Error::new(Exit::Io, format!("cannot write {}: {e}", path.display())))?;
    vlog!(
        "registered client {} (cached in {})",
        reg.client_id,
        path.display()
    );
    Ok(reg)
}

pub enum WaitEnd {
    Interrupted,
    TimedOut,
}

/// What every wait of one login shares: Ctrl-C, the deadline, and how to phrase giving up
/// (`again`: the command that tries once more). The sign-in of `aws login` sessions
/// (`signin::flow`) waits the same way.
pub struct Waits<'a> {
    pub interrupt: &'a mut Signal,
    pub deadline: Instant,
    pub opts: &'a LoginOptions,
    pub again: String,
}

impl Waits<'_> {
    /// Awaits `fut` while the spinner turns; gives up at `deadline` or on Ctrl-C.
    pub async fn wait<T>(
        &mut self,
        fut: impl Future<Output = T>,
        spinner: &mut Spinner,
        deadline: Instant,
    ) -> Result<T, WaitEnd> {
        tokio::pin!(fut);
        let timeout = tokio::time::sleep_until(deadline);
        tokio::pin!(timeout);
        let mut tick = tokio::time::interval(Duration::from_millis(120));
        loop {
            tokio::select! {
                r = &mut fut => return Ok(r),
                _ = self.interrupt.recv() => return Err(WaitEnd::Interrupted),
                () = &mut timeout => return Err(WaitEnd::TimedOut),
                _ = tick.tick() => spinner.tick(),
            }
        }
    }

    pub fn error(&self, end: &WaitEnd) -> Error {
        match end {
            WaitEnd::Interrupted => Error::new(Exit::Interrupted, "login cancelled"),
            WaitEnd::TimedOut => Error::new(
                Exit::TempFail,
                format!(
                    "login not completed within {}",
                    timefmt::human_duration(
                        i64::try_from(self.opts.timeout.as_secs()).unwrap_or(i64::MAX)
                    )
                ),
            )
            .hint(format!(
                "run `{}` again (--login-timeout waits longer)",
                self.again
            )),
        }
    }
}

/// Random bytes from the OS.
pub fn random_bytes<const N: usize>() -> Result<[u8; N], Error> {
    let mut b = [0u8; N];
    getrandom::fill(&mut b)
        .map_err(|e| Error::new(Exit::Internal, format!("no randomness from the OS: {e}")))?;
    Ok(b)
}

/// A PKCE verifier: 64 characters from the RFC 7636 unreserved set.
pub fn pkce_verifier() -> Result<Secret, Error> {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~";
    let mut out = String::with_capacity(64);
    while out.len() < 64 {
        for b in random_bytes::<64>()? {
            // Rejection sampling keeps every character equally likely.
            if usize::from(b) < ALPHABET.len() * 3 && out.len() < 64 {
                out.push(char::from(ALPHABET[usize::from(b) % ALPHABET.len()]));
            }
        }
    }
    Ok(Secret::new(out))
}

pub fn pkce_challenge(verifier: &Secret) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD
        .encode(sha2::Sha256::digest(verifier.expose().as_bytes()))
}

/// Everything but RFC 3986's unreserved characters is encoded, as the AWS CLI does.
const QUERY_VALUE: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

pub fn percent_encode(s: &str) -> String {
    utf8_percent_encode(s, QUERY_VALUE).to_string()
}

async fn pkce(
    env: &Env,
    sso: &SsoProfile,
    oidc: &Oidc<'_>,
    reg: &Registration,
    mut waits: Waits<'_>,
    who: &str,
) -> Result<NewToken, Error> {
    // Listen first, so the redirect can never arrive before we are ready for it.
    let opts = waits.opts;
    let deadline = waits.deadline;
    let (listener, redirect_uri) = redirect_listener(opts, "login")?;
    let verifier = pkce_verifier()?;
    let state = crate::fsutil::hex(&random_bytes::<16>()?);
    let scopes = if sso.registration_scopes.is_empty() {
        "sso:account:access".to_string()
    } else {
        sso.registration_scopes.join(" ")
    };
    let url = format!(
        "{}/authorize?response_type=code&client_id={}&redirect_uri={}&state={}&code_challenge_method=S256&scopes={}&code_challenge={}",
        oidc.authorize_base(),
        percent_encode(&reg.client_id),
        percent_encode(&redirect_uri),
        percent_encode(&state),
        percent_encode(&scopes),
        percent_encode(&pkce_challenge(&verifier)),
    );
    notice!(
        "logging in to {} ({who}); approve the request in your browser.",
        sso.start_url
    );
    let opened = if opts.no_browser {
        None
    } else {
        browser::open(env, &url).map(|o| o.name)
    };
    match opened {
        Some(how) => {
            notice!("opened the login page with {how}; if it did not appear, open:\n  {url}");
        }
        None => notice!("open this URL in a browser on this machine:\n  {url}"),
    }
    let mut spinner = Spinner::new("waiting for approval in the browser", deadline.into_std());
    let code = waits
        .wait(accept_callback(listener, state), &mut spinner, deadline)
        .await
        .map_err(|e| waits.error(&e))??;
    spinner.clear();
    let grant = Grant::AuthCode {
        code: &code,
        redirect_uri: &redirect_uri,
        verifier: &verifier,
    };
    waits
        .wait(
            oidc.create_token(&reg.client_id, &reg.client_secret, grant),
            &mut spinner,
            deadline,
        )
        .await
        .map_err(|e| waits.error(&e))?
        .map_err(|e| e.to_error(sso))
}

const DONE_PAGE: &str = "<!doctype html><html><head><meta charset=\"utf-8\"><title>ssox</title></head>\
<body style=\"font-family:sans-serif;margin:3em\"><h1>Logged in</h1>\
<p>ssox has your AWS login. You can close this tab and return to the terminal.</p></body></html>";

const FAILED_PAGE: &str = "<!doctype html><html><head><meta charset=\"utf-8\"><title>ssox</title></head>\
<body style=\"font-family:sans-serif;margin:3em\"><h1>Login failed</h1>\
<p>The login was not approved. Return to the terminal for details.</p></body></html>";

fn page(status: &'static str, body: &str) -> Reply {
    Reply {
        status,
        content_type: "text/html; charset=utf-8",
        body: body.to_string(),
        headers: Vec::new(),
        sent: None,
    }
}

/// What a callback parameter may show on the terminal: no control characters (a forged
/// callback could otherwise move the cursor or clear the screen), and not too much of it.
fn printable(s: &str) -> String {
    s.chars().filter(|c| !c.is_control()).take(300).collect()
}

/// Serves the loopback redirect, concurrently, until a callback with our `state` brings a
/// code (or the browser's refusal). Callbacks with another state are refused and noted once.
/// The listener a browser is redirected to at the end of a login in it (`--redirect-port`,
/// else any free port on 127.0.0.1), and its redirect URI. `what` names the login.
pub fn redirect_listener(opts: &LoginOptions, what: &str) -> Result<(TcpListener, String), Error> {
    let port = opts.redirect_port.unwrap_or(0);
    let listener = loopback::listen(SocketAddr::from(([127, 0, 0, 1], port))).map_err(|e| {
        Error::new(
            Exit::Io,
            format!("cannot listen on 127.0.0.1:{port} for the {what} redirect: {e}"),
        )
        .hint("choose another --redirect-port, or use --use-device-code")
    })?;
    let port = listener
        .local_addr()
        .map_err(|e| Error::new(Exit::Io, format!("cannot read the listening port: {e}")))?
        .port();
    Ok((listener, format!("http://127.0.0.1:{port}/oauth/callback")))
}

pub async fn accept_callback(listener: TcpListener, state: String) -> Result<Secret, Error> {
    let (tx, mut rx) = tokio::sync::mpsc::channel::<Result<Secret, Error>>(1);
    let told = Arc::new(AtomicBool::new(false));
    let server = tokio::spawn(loopback::serve(listener, move |head: Head| {
        let (tx, told, state) = (tx.clone(), told.clone(), state.clone());
        async move {
            if head.path() != "/oauth/callback" {
                return page("404 Not Found", "not found");
            }
            let q: HashMap<String, String> = form_urlencoded::parse(head.query().as_bytes())
                .into_owned()
                .collect();
            if q.get("state") != Some(&state) {
                // Not our login (or a forged request): refuse it and keep waiting for ours.
                if !told.swap(true, Ordering::Relaxed) {
                    notice!("ignored a login callback whose state did not match this login");
                }
                return page("400 Bad Request", FAILED_PAGE);
            }
            if let Some(err) = q.get("error") {
                let desc = q
                    .get("error_description")
                    .map_or(String::new(), |d| format!(": {}", printable(d)));
                let _ = tx.try_send(Err(Error::new(
                    Exit::NoPerm,
                    format!("login refused in the browser ({}{desc})", printable(err)),
                )));
                return page("200 OK", FAILED_PAGE);
            }
            match q.get("code").filter(|c| !c.is_empty()) {
                Some(code) => {
                    let _ = tx.try_send(Ok(Secret::new(code.clone())));
                    page("200 OK", DONE_PAGE)
                }
                None => page("400 Bad Request", FAILED_PAGE),
            }
        }
    }));
    let result = rx.recv().await;
    server.abort();
    result.unwrap_or_else(|| Err(Error::new(Exit::Internal, "the login listener stopped")))
}

async fn device(
    env: &Env,
    sso: &SsoProfile,
    oidc: &Oidc<'_>,
    reg: &Registration,
    dev: &crate::sso::oidc::DeviceAuthorization,
    mut waits: Waits<'_>,
    who: &str,
) -> Result<NewToken, Error> {
    let deadline = waits.deadline;
    let poll = |()| {
        oidc.create_token(
            &reg.client_id,
            &reg.client_secret,
            Grant::Device(&dev.device_code),
        )
    };
    // Pre-approved clients get a token at once (as the AWS CLI tries).
    match poll(()).await {
        Ok(t) => return Ok(t),
        Err(OidcError::Pending | OidcError::SlowDown) => {}
        Err(e) => return Err(e.to_error(sso)),
    }
    let open_url = dev
        .verification_uri_complete
        .clone()
        .unwrap_or_else(|| dev.verification_uri.clone());
    notice!(
        "to log in to {} ({who}), open\n  {}\nand enter the code\n  {}",
        sso.start_url,
        dev.verification_uri,
        dev.user_code
    );
    if !waits.opts.no_browser
        && let Some(how) = browser::open(env, &open_url).map(|o| o.name)
    {
        notice!("opened {open_url} with {how}");
    }
    let device_deadline = deadline.min(
        Instant::now() + Duration::from_secs(u64::try_from(dev.expires_in.max(1)).unwrap_or(600)),
    );
    let mut interval = if dev.interval > 0 { dev.interval } else { 5 };
    let mut spinner = Spinner::new(
        format!("waiting for approval of code {}", dev.user_code),
        device_deadline.into_std(),
    );
    let code_expires_first = device_deadline < deadline;
    let wait_error = |waits: &Waits<'_>, end: &WaitEnd| match end {
        WaitEnd::TimedOut if code_expires_first => Error::new(
            Exit::TempFail,
            "login not completed: the device code expired before it was approved",
        )
        .hint(format!("run `{}` again", sso.login_command())),
        _ => waits.error(end),
    };
    loop {
        let pause = tokio::time::sleep(Duration::from_secs(u64::try_from(interval).unwrap_or(5)));
        waits
            .wait(pause, &mut spinner, device_deadline)
            .await
            .map_err(|e| wait_error(&waits, &e))?;
        match waits
            .wait(poll(()), &mut spinner, device_deadline)
            .await
            .map_err(|e| wait_error(&waits, &e))?
        {
            Ok(t) => return Ok(t),
            Err(OidcError::Pending) => {}
            Err(OidcError::SlowDown) => {
                interval += 5;
                vlog!("slow_down: polling every {interval}s");
            }
            Err(e) => return Err(e.to_error(sso)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pkce_challenge_matches_rfc_7636_appendix_b() {
        let v = Secret::new("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk");
        assert_eq!(
            pkce_challenge(&v),
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        );
        let v = pkce_verifier().unwrap();
        assert_eq!(v.expose().len(), 64);
        assert!(
            v.expose()
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"-._~".contains(&b))
        );
    }

    fn sso(session: Option<&str>, device: bool) -> SsoProfile {
        SsoProfile {
            profile: "p".into(),
            session_name: session.map(str::to_string),
            start_url: "https://x/start".into(),
            region: "us-east-1".into(),
            account_id: None,
            role_name: None,
            registration_scopes: vec![],
            registration_scopes_set: false,
            use_device_code: device,
        }
    }

    #[test]
    fn the_login_flow_is_pkce_only_for_sessions_with_a_browser() {
        let browser = Env::from_pairs([("BROWSER", "firefox")]);
        let none = Env::from_pairs([("PATH", "/nonexistent")]);
        let opts = LoginOptions::default();
        let flow = |env, s, o| choose_flow(env, &s, o);
        assert_eq!(
            flow(&browser, sso(Some("s"), false), &opts).flow,
            Flow::Pkce
        );
        let legacy = flow(&browser, sso(None, false), &opts);
        assert_eq!(legacy.flow, Flow::Device);
        assert_eq!(
            legacy.describe(),
            "device code (legacy profiles cannot use PKCE)"
        );
        assert_eq!(
            flow(&browser, sso(Some("s"), true), &opts).reason,
            "sso_use_device_code = true"
        );
        let asked = LoginOptions {
            use_device_code: true,
            ..LoginOptions::default()
        };
        assert_eq!(
            flow(&browser, sso(Some("s"), false), &asked).reason,
            "--use-device-code was given"
        );
        if cfg!(target_os = "linux") {
            assert!(
                flow(&none, sso(Some("s"), false), &opts)
                    .reason
                    .starts_with("no browser")
            );
        }
    }

    #[test]
    fn urls_are_encoded_like_the_aws_cli() {
        assert_eq!(
            percent_encode("http://127.0.0.1:54321/oauth/callback"),
            "http%3A%2F%2F127.0.0.1%3A54321%2Foauth%2Fcallback"
        );
        assert_eq!(
            percent_encode("sso:account:access x"),
            "sso%3Aaccount%3Aaccess%20x"
        );
        assert_eq!(percent_encode("a~b_c.d-é"), "a~b_c.d-%C3%A9");
    }
}
