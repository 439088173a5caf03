//! `--server`: serve credentials to PROGRAM over the container credentials protocol on
//! 127.0.0.1, so a long job's SDK fetches fresh credentials whenever it needs them, and
//! supervise PROGRAM as a child: forward signals (`signals`: without doubling the ones the
//! terminal already sent to the whole process group), and end with the child's exit status
//! or die of the same signal. The server never starts a login; when one is needed it says so on
//! stderr, answers 503, and picks up the new token as soon as it is in the cache.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::process::Command;
use std::time::Duration;

use base64::Engine;
use nix::unistd::Pid;

use crate::child::exec::Program;
use crate::child::signals::{self, Forwarder};
use crate::credentials::Credentials;
use crate::error::{Error, Exit};
use crate::provider::{self, Context, Plan};
use crate::secret::Secret;
use crate::timefmt;
use crate::{notice, vlog};

/// Credentials are served while at least this long remains (botocore refreshes inside it).
const SERVE_WINDOW: i64 = 15 * 60;
pub const PATH: &str = "/ssox/credentials";

/// The listening endpoint, bound before PROGRAM starts.
pub struct Endpoint {
    listener: TcpListener,
    pub url: String,
    pub token: Secret,
}

impl Endpoint {
    pub fn bind() -> Result<Self, Error> {
        let listener = TcpListener::bind("127.0.0.1:0")
            .map_err(|e| Error::new(Exit::Io, format!("cannot listen on 127.0.0.1: {e}")))?;
        let port = listener
            .local_addr()
            .map_err(|e| Error::new(Exit::Io, format!("cannot read the listening port: {e}")))?
            .port();
        let mut raw = [0u8; 32];
        getrandom::fill(&mut raw)
            .map_err(|e| Error::new(Exit::Internal, format!("no randomness from the OS: {e}")))?;
        Ok(Self {
            listener,
            url: format!("http://127.0.0.1:{port}{PATH}"),
            token: Secret::new(base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(raw)),
        })
    }
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

struct Request {
    method: String,
    path: String,
    authorization: Option<String>,
}

fn read_request(stream: &mut TcpStream) -> Option<Request> {
    stream.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
    let mut buf = Vec::with_capacity(1024);
    let mut chunk = [0u8; 1024];
    while !buf.windows(4).any(|w| w == b"\r\n\r\n") && buf.len() < 16 * 1024 {
        let n = stream.read(&mut chunk).ok()?;
        if n == 0 {
            break;
        }
        buf.extend_from_slice(&chunk[..n]);
    }
    let head = String::from_utf8_lossy(&buf);
    let mut lines = head.split("\r\n");
    let mut first = lines.next()?.split_whitespace();
    let method = first.next()?.to_string();
    let target = first.next()?;
    let path = target.split('?').next().unwrap_or(target).to_string();
    let authorization = lines.find_map(|l| {
        let (k, v) = l.split_once(':')?;
        k.trim()
            .eq_ignore_ascii_case("authorization")
            .then(|| v.trim().to_string())
    });
    Some(Request {
        method,
        path,
        authorization,
    })
}

fn respond(stream: &mut TcpStream, status: &str, body: &str) {
    let head = format!(
        "HTTP/1.1 {status}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    let _ = stream.write_all(head.as_bytes());
    let _ = stream.write_all(body.as_bytes());
}

fn error_body(code: &str, message: &str) -> String {
    serde_json::json!({ "Code": code, "Message": message }).to_string()
}

/// The container-credentials JSON the SDKs expect.
pub fn credentials_body(c: &Credentials) -> String {
    serde_json::Value::Object(crate::output::json_fields(c, "Token")).to_string()
}

/// Serves requests until the process ends. `current` is what was fetched before PROGRAM
/// started; it is renewed through the provider when it runs low.
fn serve(
    endpoint: &Endpoint,
    ctx: &Context<'_>,
    plan: &Plan<'_>,
    mut current: Credentials,
    login_hint: &str,
) {
    let window = SERVE_WINDOW.max(ctx.fetch.min_ttl);
    let mut told_login = false;
    for stream in endpoint.listener.incoming() {
        let Ok(mut stream) = stream else { continue };
        let Some(req) = read_request(&mut stream) else {
            continue;
        };
        if req.path != PATH {
            respond(
                &mut stream,
                "404 Not Found",
                &error_body("NotFound", "no such path"),
            );
            continue;
        }
        match &req.authorization {
            None => {
                respond(
                    &mut stream,
                    "401 Unauthorized",
                    &error_body("Unauthorized", "missing Authorization"),
                );
                continue;
            }
            Some(a) if !constant_time_eq(a.as_bytes(), endpoint.token.expose().as_bytes()) => {
                respond(
                    &mut stream,
                    "403 Forbidden",
                    &error_body("Forbidden", "wrong Authorization"),
                );
                continue;
            }
            Some(_) => {}
        }
        if req.method != "GET" {
            respond(
                &mut stream,
                "405 Method Not Allowed",
                &error_body("MethodNotAllowed", "use GET"),
            );
            continue;
        }
        let left = current.expiration.map_or(i64::MAX, |e| e - timefmt::now());
        if left < window {
            match provider::credentials(ctx, plan) {
                Ok(c) => {
                    vlog!(
                        "server: renewed credentials, valid until {}",
                        c.expiration
                            .map(timefmt::format_rfc3339)
                            .unwrap_or_default()
                    );
                    current = c;
                    if told_login {
                        notice!("got a new SSO token; serving fresh credentials again");
                        told_login = false;
                    }
                }
                Err(e) if e.exit == Exit::NoPerm => {
                    if !told_login {
                        notice!(
                            "{e}; ssox --server never logs in by itself: run `{login_hint}` in another terminal"
                        );
                        told_login = true;
                    }
                    if current.expiration.is_none_or(|exp| exp <= timefmt::now()) {
                        respond(
                            &mut stream,
                            "503 Service Unavailable",
                            &error_body("LoginNeeded", &format!("run `{login_hint}`")),
                        );
                        continue;
                    }
                }
                Err(e) => {
                    notice!("cannot renew the credentials: {e}");
                    if current.expiration.is_none_or(|exp| exp <= timefmt::now()) {
                        respond(
                            &mut stream,
                            "503 Service Unavailable",
                            &error_body("RenewFailed", &e.to_string()),
                        );
                        continue;
                    }
                }
            }
        }
        respond(&mut stream, "200 OK", &credentials_body(&current));
    }
}

/// Runs PROGRAM under the endpoint and never returns: ssox exits as PROGRAM did.
pub fn run(
    endpoint: &Endpoint,
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
    let mut command = Command::new(&program.path);
    command
        .arg0(&program.name)
        .args(&program.args)
        .env_clear()
        .envs(env);
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
    std::thread::scope(|scope| {
        scope.spawn(move || forwarder.run(child_pid));
        scope.spawn(move || serve(endpoint, ctx, plan, first, login_hint));
        let status = child.wait();
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
        let e = Endpoint::bind().unwrap();
        assert!(e.token.expose().len() >= 43);
        assert!(!e.token.expose().contains(['\n', '\r']));
        assert!(e.url.starts_with("http://127.0.0.1:"));
    }
}
