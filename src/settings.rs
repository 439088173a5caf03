//! Settings: the command line merged with the environment into the values the pipeline
//! needs (which profile, which files, which region, what to run). Pure.

use std::ffi::OsString;
use std::path::PathBuf;

use crate::cli::{LoginArgs, RunArgs};
use crate::config::FilePaths;
use crate::env::Env;
use crate::output::Format;
use crate::sso::login::LoginOptions;
use crate::sso::session::LoginPolicy;

/// `-p`, else `AWS_PROFILE`, else `AWS_DEFAULT_PROFILE`, else `default` (the AWS CLI v2's order).
pub fn profile_name(cli: Option<&str>, env: &Env) -> String {
    cli.filter(|p| !p.is_empty())
        .or_else(|| env.get("AWS_PROFILE"))
        .or_else(|| env.get("AWS_DEFAULT_PROFILE"))
        .unwrap_or("default")
        .to_string()
}

pub fn login_options(args: &LoginArgs, redirect_port: Option<u16>) -> LoginOptions {
    LoginOptions {
        use_device_code: args.use_device_code,
        no_browser: args.no_browser,
        redirect_port,
        timeout: args.login_timeout,
    }
}

/// ssox starts a login by itself only where a person can answer it: stdin or stderr is a
/// terminal, and `--no-login` was not given.
pub fn login_policy(no_login: bool, interactive: bool, opts: LoginOptions) -> LoginPolicy {
    if no_login {
        LoginPolicy::Never {
            reason: "--no-login was given",
        }
    } else if !interactive {
        LoginPolicy::Never {
            reason: "no terminal",
        }
    } else {
        LoginPolicy::Allowed(opts)
    }
}

/// What to do with the credentials.
#[derive(Debug, Clone)]
pub enum Output {
    /// Run PROGRAM (or `$SHELL` when none is given).
    Exec,
    Print {
        format: Format,
        pretty: bool,
    },
    /// `-c NAME` without PROGRAM: write the credentials file, run nothing.
    WriteOnly,
}

#[derive(Debug)]
pub struct Settings {
    pub profile: String,
    pub paths: FilePaths,
    pub region: Option<String>,
    pub program: Vec<OsString>,
    pub policy: LoginPolicy,
    pub output: Output,
    pub credentials_file_profile: Option<String>,
    pub force: bool,
    /// Seconds cached role credentials must still last to be reused.
    pub min_ttl: i64,
    pub refresh: bool,
    pub server: bool,
    pub mfa_token: Option<String>,
    pub process_timeout: std::time::Duration,
    /// How long to wait for a person: logins, MFA prompts.
    pub login_timeout: std::time::Duration,
    pub env: Env,
    pub cwd: PathBuf,
}

/// `--min-ttl`, never below the AWS CLI's 15 minutes.
pub fn min_ttl(flag: Option<std::time::Duration>) -> i64 {
    let asked = flag.map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX));
    asked.max(crate::role_cache::MIN_REMAINING)
}

impl Settings {
    /// Settings for `login`/`logout`, which run no program.
    pub fn for_target(profile: Option<&str>, env: Env) -> Self {
        Self {
            profile: profile_name(profile, &env),
            paths: FilePaths::from_env(&env),
            region: None,
            program: Vec::new(),
            policy: LoginPolicy::Never {
                reason: "not running a program",
            },
            output: Output::WriteOnly,
            credentials_file_profile: None,
            force: false,
            min_ttl: min_ttl(None),
            refresh: false,
            server: false,
            mfa_token: None,
            process_timeout: std::time::Duration::from_mins(5),
            login_timeout: std::time::Duration::from_mins(10),
            cwd: PathBuf::from("."),
            env,
        }
    }

    pub fn new(args: RunArgs, env: Env) -> Self {
        let opts = login_options(&args.login, None);
        let format = if args.env_export {
            Some(Format::Env)
        } else if args.env {
            Some(Format::Dotenv)
        } else if args.json {
            Some(Format::Process)
        } else {
            args.format
        };
        let output = match format {
            Some(format) => Output::Print {
                format,
                pretty: args.pretty,
            },
            None if args.credentials_file_profile.is_some() && args.program.is_empty() => {
                Output::WriteOnly
            }
            None => Output::Exec,
        };
        // Printing credentials is what a credential_process does; botocore runs one with
        // the user's terminal as stdin but stderr captured, where no one would see a login's
        // URL or code. So there, only a terminal on stderr counts.
        let interactive = match output {
            Output::Print { .. } => std::io::IsTerminal::is_terminal(&std::io::stderr()),
            Output::Exec | Output::WriteOnly => crate::term::interactive(),
        };
        Self {
            profile: profile_name(args.profile.as_deref(), &env),
            paths: FilePaths::from_env(&env),
            region: args.region.filter(|r| !r.is_empty()),
            program: args.program,
            policy: login_policy(args.no_login, interactive, opts),
            output,
            credentials_file_profile: args.credentials_file_profile,
            force: args.force,
            min_ttl: min_ttl(args.min_ttl),
            refresh: args.refresh,
            server: args.server,
            mfa_token: args.mfa_token,
            process_timeout: args.process_timeout,
            login_timeout: args.login.login_timeout,
            cwd: std::env::current_dir().unwrap_or_else(|_| PathBuf::from(".")),
            env,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn profile_precedence_is_flag_then_aws_profile_then_default_profile() {
        let env = Env::from_pairs([("AWS_PROFILE", "a"), ("AWS_DEFAULT_PROFILE", "b")]);
        assert_eq!(profile_name(Some("x"), &env), "x");
        assert_eq!(profile_name(None, &env), "a");
        let env = Env::from_pairs([("AWS_PROFILE", ""), ("AWS_DEFAULT_PROFILE", "b")]);
        assert_eq!(profile_name(None, &env), "b");
        assert_eq!(profile_name(None, &Env::default()), "default");
    }
}
