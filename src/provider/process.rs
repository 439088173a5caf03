//! `credential_process`: split the command like the AWS CLI does (POSIX shell words, no
//! shell), run it with stdout captured and stderr passed through, stop it at a deadline,
//! and read its Version 1 JSON. A guard variable stops a process that calls ssox for the
//! same profile from looping forever.

use std::io::Read;
use std::os::unix::process::CommandExt;
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use serde::Deserialize;

use crate::credentials::Credentials;
use crate::env::Env;
use crate::error::{Error, Exit};
use crate::secret::Secret;
use crate::timefmt;

/// Profiles whose credential_process is running, outermost first (comma-separated).
pub const CHAIN_VAR: &str = "SSOX_CREDENTIAL_PROCESS_CHAIN";

#[derive(Debug, thiserror::Error)]
pub enum ProcessError {
    /// Names only the program: the rest of the command line may hold a secret.
    #[error("cannot parse the credential_process of `{program}`: {reason}")]
    Split {
        program: String,
        reason: &'static str,
    },
    #[error("credential_process is empty")]
    Empty,
    #[error("cannot run credential_process `{program}`: {source}")]
    Spawn {
        program: String,
        #[source]
        source: std::io::Error,
    },
    #[error("credential_process `{program}` exited with status {status}")]
    Failed { program: String, status: String },
    #[error("{}", timeout_message(program, *timeout, *lingering))]
    Timeout {
        program: String,
        timeout: Duration,
        /// The process ended, but something it started kept its output open.
        lingering: bool,
    },
    #[error(
        "credential_process `{program}` printed more than 1 MiB; ssox reads credentials of at most that size, and stopped it"
    )]
    TooMuch { program: String },
    #[error("credential_process `{program}` printed {reason}")]
    BadOutput { program: String, reason: String },
    #[error(
        "profile `{profile}` loops: its credential_process runs ssox for a profile already being resolved ({chain})"
    )]
    Loop { profile: String, chain: String },
}

impl ProcessError {
    /// The error for the person at the terminal, with the exit status that fits.
    pub fn to_error(&self, profile: &str) -> Error {
        use ProcessError as P;
        let exit = match self {
            P::Split { .. } | P::Empty | P::Spawn { .. } | P::Loop { .. } => Exit::Config,
            P::Timeout { .. } => Exit::TempFail,
            P::Failed { .. } | P::BadOutput { .. } | P::TooMuch { .. } => Exit::Unavailable,
        };
        let err = Error::new(exit, format!("profile `{profile}`: {self}"));
        match self {
            P::Loop { .. } => err.hint(LOOP_HINT),
            P::Timeout { .. } => err.hint("--process-timeout waits longer"),
            _ => err,
        }
    }
}

fn timeout_message(program: &str, timeout: Duration, lingering: bool) -> String {
    if lingering {
        format!(
            "credential_process `{program}` ended, but a process it started kept its output open past {}s; ssox stopped them all",
            timeout.as_secs()
        )
    } else {
        format!(
            "credential_process `{program}` did not finish within {}s and was stopped",
            timeout.as_secs()
        )
    }
}

/// What to do about a credential_process that calls ssox for its own profile.
pub const LOOP_HINT: &str = "a credential_process must not call ssox for its own profile; point it at the SSO profile instead";

/// The first word of a command line, for messages.
fn program_name(cmd: &str) -> String {
    cmd.split_whitespace().next().unwrap_or("").to_string()
}

/// The command line split into words as botocore splits it, or an error that names only
/// the program.
pub fn split(cmd: &str) -> Result<Vec<String>, ProcessError> {
    crate::shell::split(cmd).map_err(|reason| ProcessError::Split {
        program: program_name(cmd),
        reason,
    })
}

/// Whether `profile` is already being resolved by an outer credential_process call.
pub fn check_loop(env: &Env, profile: &str) -> Result<(), ProcessError> {
    let chain = env.get(CHAIN_VAR).unwrap_or("");
    if chain.split(',').any(|p| p == profile) {
        return Err(ProcessError::Loop {
            profile: profile.to_string(),
            chain: chain.replace(',', " -> "),
        });
    }
    Ok(())
}

#[derive(Deserialize)]
struct Output {
    #[serde(rename = "Version")]
    version: serde_json::Value,
    #[serde(rename = "AccessKeyId")]
    access_key_id: Secret,
    #[serde(rename = "SecretAccessKey")]
    secret_access_key: Secret,
    #[serde(rename = "SessionToken", default)]
    session_token: Option<Secret>,
    #[serde(rename = "Expiration", default)]
    expiration: Option<String>,
    #[serde(rename = "AccountId", default)]
    account_id: Option<String>,
}

/// Parses Version 1 output.
pub fn parse(program: &str, stdout: &[u8]) -> Result<Credentials, ProcessError> {
    let bad = |reason: String| ProcessError::BadOutput {
        program: program.to_string(),
        reason,
    };
    let out: Output = serde_json::from_slice(stdout).map_err(|e| {
        bad(format!(
            "output that is not credential JSON ({})",
            crate::fsutil::json_error_reason(&e)
        ))
    })?;
    if out.version != serde_json::json!(1) {
        return Err(bad(format!(
            "Version {} (ssox reads Version 1)",
            out.version
        )));
    }
    if out.access_key_id.is_empty() || out.secret_access_key.is_empty() {
        return Err(bad("an empty AccessKeyId or SecretAccessKey".into()));
    }
    let expiration = match &out.expiration {
        None => None,
        Some(s) => Some(
            timefmt::parse_rfc3339(s)
                .ok_or_else(|| bad(format!("an Expiration that is not a date ({s:?})")))?,
        ),
    };
    Ok(Credentials {
        access_key_id: out.access_key_id,
        secret_access_key: out.secret_access_key,
        session_token: out.session_token.filter(|t| !t.is_empty()),
        expiration,
        account_id: out.account_id,
    })
}

/// Runs the credential_process of `profile`, with the loop guard extended by it.
pub fn run(
    env: &Env,
    profile: &str,
    command: &str,
    timeout: Duration,
) -> Result<Credentials, ProcessError> {
    check_loop(env, profile)?;
    let words = split(command)?;
    let (program, args) = words.split_first().ok_or(ProcessError::Empty)?;
    let chain = match env.get(CHAIN_VAR) {
        Some(c) => format!("{c},{profile}"),
        None => profile.to_string(),
    };
    let mut child = Command::new(program)
        .args(args)
        .env(CHAIN_VAR, chain)
        .stdin(Stdio::inherit())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        // Its own process group, so a timeout stops its children too.
        .process_group(0)
        .spawn()
        .map_err(|source| ProcessError::Spawn {
            program: program.clone(),
            source,
        })?;
    let pid = i32::try_from(child.id())
        .ok()
        .map(nix::unistd::Pid::from_raw);
    let stop = || {
        if let Some(pid) = pid {
            let _ = nix::sys::signal::killpg(pid, nix::sys::signal::Signal::SIGKILL);
        }
    };
    // The output, the exit and the deadline, whichever comes first: a process can exit while
    // something it started keeps its output open.
    let (tx, events) = mpsc::channel();
    let mut stdout = child.stdout.take();
    let out_tx = tx.clone();
    std::thread::spawn(move || {
        let mut buf = Vec::new();
        if let Some(out) = stdout.as_mut() {
            let _ = out.take(OUTPUT_LIMIT + 1).read_to_end(&mut buf);
        }
        let _ = out_tx.send(Event::Output(buf));
    });
    std::thread::spawn(move || {
        let _ = tx.send(Event::Exited(child.wait()));
    });
    let deadline = Instant::now() + timeout;
    let (mut output, mut status) = (None, None);
    while output.is_none() || status.is_none() {
        match events.recv_timeout(deadline.saturating_duration_since(Instant::now())) {
            Ok(Event::Output(buf)) if buf.len() > usize::try_from(OUTPUT_LIMIT).unwrap_or(0) => {
                stop();
                return Err(ProcessError::TooMuch {
                    program: program.clone(),
                });
            }
            Ok(Event::Output(buf)) => output = Some(buf),
            Ok(Event::Exited(s)) => {
                status = Some(s.map_err(|source| ProcessError::Spawn {
                    program: program.clone(),
                    source,
                })?);
            }
            Err(_) => {
                stop();
                return Err(ProcessError::Timeout {
                    program: program.clone(),
                    timeout,
                    lingering: status.is_some(),
                });
            }
        }
    }
    let (Some(stdout), Some(status)) = (output, status) else {
        return Err(ProcessError::Empty);
    };
    if !status.success() {
        return Err(ProcessError::Failed {
            program: program.clone(),
            status: status
                .code()
                .map_or_else(|| format!("{status}"), |c| c.to_string()),
        });
    }
    parse(program, &stdout)
}

/// The most credential_process output ssox reads.
const OUTPUT_LIMIT: u64 = 1 << 20;

enum Event {
    Output(Vec<u8>),
    Exited(std::io::Result<std::process::ExitStatus>),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_parse_error_names_only_the_program() {
        let e = split("tool --key 'SECRETVALUE").unwrap_err().to_string();
        assert!(e.contains("`tool`") && !e.contains("SECRETVALUE"), "{e}");
    }

    #[test]
    fn parses_version_1_and_rejects_the_rest() {
        let c = parse("p", br#"{"Version": 1, "AccessKeyId": "A", "SecretAccessKey": "S", "SessionToken": "T", "Expiration": "2024-01-01T20:00:00Z"}"#).unwrap();
        assert_eq!(c.expiration, Some(1_704_139_200));
        assert!(
            parse(
                "p",
                br#"{"Version": 1, "AccessKeyId": "A", "SecretAccessKey": "S"}"#
            )
            .unwrap()
            .expiration
            .is_none()
        );
        for bad in [
            &br#"{"Version": 2, "AccessKeyId": "A", "SecretAccessKey": "S"}"#[..],
            br#"{"Version": "1", "AccessKeyId": "A", "SecretAccessKey": "S"}"#,
            b"not json",
            br#"{"Version": 1, "AccessKeyId": "A"}"#,
        ] {
            assert!(parse("p", bad).is_err());
        }
        let e = parse(
            "p",
            br#"{"Version": 1, "AccessKeyId": "SECRETKEY", "SecretAccessKey": 5}"#,
        )
        .unwrap_err();
        assert!(!e.to_string().contains("SECRETKEY"));
    }

    #[test]
    fn the_guard_spots_a_profile_already_being_resolved() {
        let env = Env::from_pairs([(CHAIN_VAR, "a,b")]);
        assert!(check_loop(&env, "b").is_err());
        assert!(check_loop(&env, "c").is_ok());
    }
}
