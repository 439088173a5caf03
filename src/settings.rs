//! Settings: the command line merged with the environment into what the commands act on.
//! [`Common`] is what every command shares (which profile, and why; where the files are; the
//! environment). [`Run`] is what running, printing or writing credentials adds. [`Fetch`] is
//! how credentials are fetched, with defaults that clap shows in `--help`. The policy for
//! starting a login by itself and the login's own options live here as well, because the
//! command line produces them.
//!
//! Not pure: [`Run::new`] reads whether stdin and stderr are terminals, and the working
//! directory, once, so nothing below has to.

use std::ffi::OsString;
use std::path::PathBuf;
use std::time::Duration;

use crate::cli::{LOGIN_TIMEOUT, LoginArgs, PROCESS_TIMEOUT, RunArgs};
use crate::config::FilePaths;
pub use crate::config::{ProfileSource, profile_name};
use crate::env::Env;
use crate::error::Error;
use crate::output::Format;
/// Cached role credentials are reused only while at least this long remains (the AWS CLI's
/// rule); `--min-ttl` can ask for more, never for less.
pub const MIN_TTL: i64 = 15 * 60;

/// What every command shares.
#[derive(Debug)]
pub struct Common {
    pub profile: String,
    pub profile_source: ProfileSource,
    pub paths: FilePaths,
    pub env: Env,
}

impl Common {
    pub fn new(profile: Option<&str>, env: Env) -> Self {
        let (profile, profile_source) = profile_name(profile, &env);
        Self {
            profile,
            profile_source,
            paths: FilePaths::from_env(&env),
            env,
        }
    }
}

/// With no profile named anywhere and no `[default]`, a person at a terminal picks one, which
/// becomes `common`'s profile; the command line they could have typed is printed once, so
/// next time they can. Nothing changes when a profile was named (or `default` exists, or
/// there are none to pick from). `subcommand` is the one the user ran (`console`), for the
/// command line printed.
pub fn pick_profile(
    common: &mut Common,
    set: &crate::config::ConfigSet,
    interactive: bool,
    timeout: Duration,
    subcommand: Option<&str>,
) -> Result<(), Error> {
    use crate::config::resolve;
    use crate::error::Exit;
    if common.profile_source != ProfileSource::Default
        || set.profile(&common.profile).is_some()
        || set.profiles.is_empty()
    {
        return Ok(());
    }
    if !interactive {
        return Err(resolve::no_profile_named(set, &common.env, &common.paths));
    }
    let width = set
        .profiles
        .keys()
        .map(|n| n.chars().count())
        .max()
        .unwrap_or(0)
        .min(40);
    let names: Vec<&String> = set.profiles.keys().collect();
    let labels: Vec<String> = names
        .iter()
        .map(|name| {
            let what = match resolve::resolve_chain(set, name) {
                Ok(chain) => {
                    let (kind, target, _) = resolve::what_it_is(set, &chain);
                    format!("{kind} {target}")
                }
                Err(_) => "(incomplete)".to_string(),
            };
            format!("{name:<width$}  {what}")
        })
        .collect();
    let prompt = "No profile given: choose one (type to filter, Enter, Esc cancels)";
    let chosen = match crate::picker::one(prompt, &labels, timeout) {
        Ok(i) => names[i].clone(),
        Err(crate::picker::Stop::Cancelled) => {
            return Err(Error::new(Exit::Interrupted, "no profile chosen"));
        }
        Err(crate::picker::Stop::TimedOut) => {
            return Err(Error::new(Exit::TempFail, "no profile chosen in time"));
        }
        Err(crate::picker::Stop::Io(e)) => {
            crate::log::vlog!("cannot show the picker: {e}");
            return Err(resolve::no_profile_named(set, &common.env, &common.paths));
        }
    };
    // The command line as typed, with `-p NAME` after the subcommand (if any).
    let mut args: Vec<String> = std::env::args_os()
        .skip(1)
        .map(|a| crate::shell::quote(&a.to_string_lossy()))
        .collect();
    let mut line = vec!["ssox".to_string()];
    if let Some(sub) = subcommand
        && let Some(i) = args.iter().position(|a| a == sub)
    {
        args.remove(i);
        line.push(sub.to_string());
    }
    line.extend(["-p".to_string(), crate::shell::quote(&chosen)]);
    line.extend(args);
    crate::log::notice!("using profile {chosen}; next time: {}", line.join(" "));
    common.profile = chosen;
    common.profile_source = ProfileSource::Picked;
    Ok(())
}

/// How a login runs, whether asked for (`ssox login`) or started because none was cached.
#[derive(Debug, Clone)]
pub struct LoginOptions {
    pub use_device_code: bool,
    pub no_browser: bool,
    pub redirect_port: Option<u16>,
    /// How long to wait for the user, in all.
    pub timeout: Duration,
}

impl LoginOptions {
    pub fn new(args: &LoginArgs, redirect_port: Option<u16>) -> Self {
        Self {
            use_device_code: args.use_device_code,
            no_browser: args.no_browser,
            redirect_port,
            timeout: args.login_timeout.0,
        }
    }
}

impl Default for LoginOptions {
    /// What a login does when no option changes it.
    fn default() -> Self {
        Self {
            use_device_code: false,
            no_browser: false,
            redirect_port: None,
            timeout: LOGIN_TIMEOUT.0,
        }
    }
}

/// Whether ssox may start a login by itself.
#[derive(Debug, Clone)]
pub enum LoginPolicy {
    /// No terminal, or `--no-login`: fail with the command to run instead.
    Never {
        reason: &'static str,
    },
    Allowed(LoginOptions),
}

/// ssox starts a login by itself only where a person can answer it (`interactive`), and not
/// with `--no-login`. `captured` says that stdin is a terminal but stderr is not (what a
/// credential_process sees), so the reason names what really happened.
pub fn login_policy(
    no_login: bool,
    interactive: bool,
    captured: bool,
    opts: LoginOptions,
) -> LoginPolicy {
    if no_login {
        LoginPolicy::Never {
            reason: "--no-login was given",
        }
    } else if !interactive && captured {
        LoginPolicy::Never {
            reason: "stderr is captured, as when ssox runs as a credential_process, so no one would see a login's URL or code",
        }
    } else if !interactive {
        LoginPolicy::Never {
            reason: "no terminal",
        }
    } else {
        LoginPolicy::Allowed(opts)
    }
}

/// How credentials are fetched: what a run sets on the command line, and what `doctor
/// --check` uses as it is.
#[derive(Debug, Clone)]
pub struct Fetch {
    /// `--region`: ssox's own STS calls go there too.
    pub region: Option<String>,
    /// Seconds cached role credentials must still last to be reused.
    pub min_ttl: i64,
    /// Ignore cached role credentials (`--refresh`).
    pub refresh: bool,
    pub mfa_token: Option<String>,
    /// How long a credential_process may run.
    pub process_timeout: Duration,
    /// How long to wait for a person to answer a prompt (the login timeout).
    pub prompt_timeout: Duration,
}

impl Default for Fetch {
    fn default() -> Self {
        Self {
            region: None,
            min_ttl: MIN_TTL,
            refresh: false,
            mfa_token: None,
            process_timeout: PROCESS_TIMEOUT.0,
            prompt_timeout: LOGIN_TIMEOUT.0,
        }
    }
}

/// `--min-ttl`, never below the AWS CLI's 15 minutes.
pub fn min_ttl(flag: Option<Duration>) -> i64 {
    let asked = flag.map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX));
    asked.max(MIN_TTL)
}

/// What a run does with the credentials: one mode, decided once from the command line.
#[derive(Debug, Clone)]
pub enum Mode {
    /// Become PROGRAM (or `$SHELL` when none is given), the keys in its environment.
    Exec,
    /// `--server`: run PROGRAM as a child that fetches fresh credentials from a loopback
    /// endpoint.
    Server,
    /// Print the credentials in a format (a credential_process, `eval`, a dotenv file).
    Print { format: Format, pretty: bool },
    /// `-c NAME` without PROGRAM: write the credentials file, run nothing.
    Write,
}

/// What `ssox console` adds to [`Common`].
#[derive(Debug)]
pub struct Console {
    pub common: Common,
    pub policy: LoginPolicy,
    pub interactive: bool,
    pub fetch: Fetch,
    /// `--url`: print the URL instead of opening it.
    pub print_url: bool,
    pub service: Option<String>,
    pub destination: Option<String>,
    pub duration: Option<Duration>,
}

impl Console {
    pub fn new(cmd: &crate::cli::ConsoleCmd, env: Env) -> Self {
        let interactive = crate::term::interactive();
        Self {
            common: Common::new(cmd.profile.as_deref(), env),
            // Its stderr is never captured as a credential_process's is.
            policy: login_policy(
                cmd.fetch.no_login,
                interactive,
                false,
                LoginOptions::new(&cmd.login, None),
            ),
            interactive,
            fetch: Fetch {
                region: cmd.region.clone().filter(|r| !r.is_empty()),
                refresh: cmd.fetch.refresh,
                mfa_token: cmd.fetch.mfa_token.clone(),
                process_timeout: cmd.fetch.process_timeout.0,
                prompt_timeout: cmd.login.login_timeout.0,
                ..Fetch::default()
            },
            print_url: cmd.url,
            service: cmd.service.clone(),
            destination: cmd.destination.clone(),
            duration: cmd.duration.map(|d| d.0),
        }
    }
}

/// What running, printing or writing credentials adds to [`Common`].
#[derive(Debug)]
pub struct Run {
    pub common: Common,
    pub program: Vec<OsString>,
    pub cwd: PathBuf,
    pub policy: LoginPolicy,
    /// Whether a person can answer a picker or a login (what the policy was made from,
    /// `--no-login` aside).
    pub interactive: bool,
    pub mode: Mode,
    pub credentials_file_profile: Option<String>,
    pub force: bool,
    pub fetch: Fetch,
    /// `--server --listen`: where the endpoint listens, as given (checked by the server).
    pub listen: Option<String>,
    /// `--server --token-file`.
    pub token_file: Option<PathBuf>,
}

impl Run {
    pub fn new(args: RunArgs, env: Env) -> Self {
        let format = if args.env_export {
            Some(Format::Env)
        } else if args.env {
            Some(Format::Dotenv)
        } else if args.json {
            Some(Format::Process)
        } else {
            args.format
        };
        let mode = match format {
            Some(format) => Mode::Print {
                format,
                pretty: args.pretty,
            },
            None if args.credentials_file_profile.is_some() && args.program.is_empty() => {
                Mode::Write
            }
            None if args.server => Mode::Server,
            None => Mode::Exec,
        };
        // Printing credentials is what a credential_process does; botocore runs one with
        // the user's terminal as stdin but stderr captured, where no one would see a login's
        // URL or code. So there, only a terminal on stderr counts.
        let terminals = crate::term::terminals();
        let stderr_terminal = terminals.stderr;
        let interactive = match mode {
            Mode::Print { .. } => stderr_terminal,
            Mode::Exec | Mode::Server | Mode::Write => crate::term::interactive(),
        };
        let captured = !stderr_terminal && terminals.stdin;
        let opts = LoginOptions::new(&args.login, None);
        Self {
            common: Common::new(args.profile.as_deref(), env),
            program: args.program,
            cwd: std::env::current_dir().unwrap_or_else(|_| PathBuf::from(".")),
            policy: login_policy(args.fetch.no_login, interactive, captured, opts),
            interactive,
            mode,
            credentials_file_profile: args.credentials_file_profile,
            force: args.force,
            listen: args.listen,
            token_file: args.token_file,
            fetch: Fetch {
                region: args.region.filter(|r| !r.is_empty()),
                min_ttl: min_ttl(args.min_ttl.map(|s| s.0)),
                refresh: args.fetch.refresh,
                mfa_token: args.fetch.mfa_token,
                process_timeout: args.fetch.process_timeout.0,
                prompt_timeout: args.login.login_timeout.0,
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn profile_precedence_is_flag_then_aws_profile_then_default_profile() {
        let env = Env::from_pairs([("AWS_PROFILE", "a"), ("AWS_DEFAULT_PROFILE", "b")]);
        assert_eq!(
            profile_name(Some("x"), &env),
            ("x".into(), ProfileSource::Flag)
        );
        assert_eq!(
            profile_name(None, &env),
            ("a".into(), ProfileSource::AwsProfile)
        );
        let env = Env::from_pairs([("AWS_PROFILE", ""), ("AWS_DEFAULT_PROFILE", "b")]);
        assert_eq!(
            profile_name(None, &env),
            ("b".into(), ProfileSource::AwsDefaultProfile)
        );
        assert_eq!(
            profile_name(None, &Env::default()),
            ("default".into(), ProfileSource::Default)
        );
    }

    #[test]
    fn min_ttl_never_goes_below_the_cli_window() {
        assert_eq!(min_ttl(None), MIN_TTL);
        assert_eq!(min_ttl(Some(Duration::from_mins(1))), MIN_TTL);
        assert_eq!(min_ttl(Some(Duration::from_mins(50))), 50 * 60);
    }
}
