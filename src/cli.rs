//! The command line, declared with clap derive. Doc comments here are the help text, the man
//! page and the completions; no logic lives in this file.

use clap::{ArgAction, Args, Parser, Subcommand};
use std::ffi::OsString;

use crate::error::EXIT_STATUS_TABLE;
use crate::timefmt::Span;

/// How long a credential_process may run, unless `--process-timeout` says otherwise.
pub const PROCESS_TIMEOUT: Span = Span(std::time::Duration::from_mins(5));
/// How long to wait for a person (a login, an MFA code), unless `--login-timeout` says.
pub const LOGIN_TIMEOUT: Span = Span(std::time::Duration::from_mins(10));

const EXAMPLES: &str = "\
Examples:
  ssox configure --start-url https://d-0123456789.awsapps.com/start --sso-region eu-west-1
                                        write a profile for every account and role
  ssox -p dev -- terraform plan         run a program with the role's credentials
  ssox -- terraform plan                no profile given: pick one (on a terminal)
  ssox -p dev -- Rscript job.R
  ssox -p dev                           start $SHELL with the credentials (exit to leave)
  eval \"$(ssox -p dev --env-export)\"     put the credentials into this shell
  ssox -p dev -c dev                    write them into ~/.aws/credentials [dev]
  ssox -p dev --server -- terraform apply   keep credentials fresh for a long job
  credential_process = ssox -p dev --json   (in another profile of ~/.aws/config)
  ssox login -p dev                     log in (browser, PKCE); shared with `aws sso login`
  ssox login -p dev --use-device-code   log in with a code, e.g. over SSH
  ssox logout                           log out of every SSO session
  ssox profiles                         list profiles and the state of their credentials
  ssox doctor -p dev                    explain what ssox would do for dev, and why
  ssox console -p dev                   open the AWS console as dev in the browser
  ssox console -p dev --service s3 --url   print a sign-in URL for the S3 console
  ssox completions bash > ~/.local/share/bash-completion/completions/ssox
  ssox -p dev -v -- aws sts get-caller-identity
                                        show each step on stderr";

/// A credentials-file section name: only what the config parser accepts as a profile name,
/// so `-c` can never write a second header or a line botocore cannot read.
fn section_name(s: &str) -> Result<String, String> {
    if crate::config::parse::is_identifier(s) {
        Ok(s.to_string())
    } else {
        Err("a profile name uses only letters, digits and _ - / . % @ : +".to_string())
    }
}

#[derive(Debug, Parser)]
#[command(
    name = "ssox",
    version = env!("SSOX_VERSION"),
    about = "Run programs with AWS IAM Identity Center (SSO) role credentials",
    long_about = "Run programs with AWS IAM Identity Center (SSO) role credentials.\n\n\
        ssox resolves PROFILE from the AWS config files, takes the SSO token that `aws sso login` \
        or `ssox login` cached (refreshing it when it runs low, logging in when there is none and \
        a terminal is present), gets the role's temporary credentials, and replaces itself with \
        PROGRAM, the credentials in its environment (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, \
        AWS_SESSION_TOKEN, AWS_CREDENTIAL_EXPIRATION, AWS_REGION). It shares every cache with \
        the AWS CLI v2.",
    after_help = "Examples:\n  ssox -p dev -- terraform plan\n  ssox login -p dev\n\nRun 'ssox --help' for more.",
    after_long_help = format!("{EXAMPLES}\n\n{EXIT_STATUS_TABLE}"),
    args_conflicts_with_subcommands = true,
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,

    #[command(flatten)]
    pub run: RunArgs,

    /// Show each step on stderr (files read, cache keys, endpoints, timings); secrets never
    #[arg(short, long, action = ArgAction::Count, global = true)]
    pub verbose: u8,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Log in to IAM Identity Center, or sign in with console credentials (aws login), and cache the result where the AWS CLI reads it
    Login(LoginCmd),
    /// Log out: end SSO sessions, delete their cached tokens, the role credentials cached from them, and aws login caches
    Logout(LogoutCmd),
    /// List the profiles with their kind, account and role, region, and the state of their credentials
    Profiles(ProfilesCmd),
    /// Explain what ssox would do for a profile, and why (no network unless --check)
    Doctor(DoctorCmd),
    /// Write a profile for every account and role your SSO login can use into ~/.aws/config
    Configure(ConfigureCmd),
    /// Open the AWS web console as a profile, in the browser (or print the sign-in URL)
    Console(ConsoleCmd),
    /// Print the completion script for a shell (profile names complete from your config files)
    Completions(CompletionsCmd),
}

#[derive(Debug, Args)]
pub struct ConsoleCmd {
    /// The profile to sign in as [default: $AWS_PROFILE, else $AWS_DEFAULT_PROFILE, else "default"]
    #[arg(short, long, value_name = "NAME")]
    pub profile: Option<String>,

    /// Print the sign-in URL on stdout instead of opening it (it signs in whoever has it, for
    /// about 15 minutes)
    #[arg(long)]
    pub url: bool,

    /// The console's region [default: $AWS_REGION, else $AWS_DEFAULT_REGION, else the
    /// profile's region, else us-east-1]
    #[arg(long, value_name = "REGION")]
    pub region: Option<String>,

    /// Open this service's console page (s3, ec2, cloudformation, ...) instead of the home page
    #[arg(long, value_name = "NAME", conflicts_with = "destination")]
    pub service: Option<String>,

    /// Open this console URL after signing in
    #[arg(long, value_name = "URL")]
    pub destination: Option<String>,

    /// How long the console session lasts (15m to 12h; up to 36h for an IAM user's keys)
    /// [default: as long as the credentials]
    #[arg(long, value_name = "DURATION")]
    pub duration: Option<Span>,

    #[command(flatten)]
    pub fetch: FetchArgs,

    #[command(flatten)]
    pub login: LoginArgs,
}

#[allow(
    clippy::struct_excessive_bools,
    reason = "each bool is an independent command-line switch, as clap parses them"
)]
#[derive(Debug, Args)]
pub struct ConfigureCmd {
    /// Your AWS access portal URL (e.g. https://d-0123456789.awsapps.com/start), for a new
    /// sso-session
    #[arg(long, value_name = "URL")]
    pub start_url: Option<String>,

    /// The region of your IAM Identity Center, for a new sso-session (e.g. eu-west-1)
    #[arg(long, value_name = "REGION", requires = "start_url")]
    pub sso_region: Option<String>,

    /// The sso-session to use, or to create with --start-url [default: the config's only
    /// sso-session, or a name made from the portal's host]
    #[arg(long, value_name = "NAME", value_parser = section_name)]
    pub sso_session: Option<String>,

    /// How to name the profiles, from {account_name}, {account_id}, {role_name} and {session}
    #[arg(long, value_name = "TEMPLATE", default_value = crate::config::generate::DEFAULT_TEMPLATE)]
    pub template: String,

    /// Set `region` in every profile written (the region PROGRAM's AWS calls go to)
    #[arg(long, value_name = "REGION")]
    pub region: Option<String>,

    /// Choose the accounts and roles to write in a fuzzy picker
    #[arg(long)]
    pub pick: bool,

    /// Also remove profiles that ssox configure wrote for this sso-session whose role you no
    /// longer have
    #[arg(long)]
    pub prune: bool,

    /// Print the change as a unified diff, and write nothing
    #[arg(long, conflicts_with = "yes")]
    pub dry_run: bool,

    /// Write the change without asking
    #[arg(short, long)]
    pub yes: bool,

    #[command(flatten)]
    pub login: LoginArgs,
}

#[derive(Debug, Args)]
pub struct ProfilesCmd {
    /// Print JSON for scripts
    #[arg(long, conflicts_with_all = ["names", "sso_session_names"])]
    pub json: bool,

    /// Print the profile names only, one a line
    #[arg(long, conflicts_with = "sso_session_names")]
    pub names: bool,

    /// Print the sso-session names only, one a line
    #[arg(long)]
    pub sso_session_names: bool,
}

#[derive(Debug, Args)]
pub struct DoctorCmd {
    /// The profile to examine [default: $AWS_PROFILE, else $AWS_DEFAULT_PROFILE, else "default"]
    #[arg(short, long, value_name = "NAME")]
    pub profile: Option<String>,

    /// Also get credentials once from the service, to prove the whole path works
    #[arg(long)]
    pub check: bool,
}

#[derive(Debug, Args)]
pub struct CompletionsCmd {
    /// The shell to print the completion script for
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

#[allow(
    clippy::struct_excessive_bools,
    reason = "each bool is an independent command-line switch, as clap parses them"
)]
#[derive(Debug, Args)]
pub struct RunArgs {
    /// The AWS profile to use [default: $AWS_PROFILE, else $AWS_DEFAULT_PROFILE, else "default"]
    #[arg(short, long, value_name = "NAME")]
    pub profile: Option<String>,

    /// Region to give PROGRAM (AWS_REGION and AWS_DEFAULT_REGION) [default: the profile's region]
    #[arg(long, value_name = "REGION")]
    pub region: Option<String>,

    /// Print `export AWS_...=...` lines instead of running a program (for eval)
    #[arg(long, group = "output")]
    pub env_export: bool,

    /// Print `AWS_...=...` lines instead of running a program (dotenv-compatible)
    #[arg(long, group = "output")]
    pub env: bool,

    /// Print credential_process JSON instead of running a program
    #[arg(long, group = "output")]
    pub json: bool,

    /// Print the credentials in this format instead of running a program
    #[arg(long, value_name = "FORMAT", group = "output")]
    pub format: Option<crate::output::Format>,

    /// Indent the JSON output
    #[arg(long)]
    pub pretty: bool,

    /// Write the credentials into section [NAME] of the shared credentials file
    #[arg(short = 'c', long, value_name = "NAME", conflicts_with = "output", value_parser = section_name)]
    pub credentials_file_profile: Option<String>,

    /// With -c: overwrite a section that holds long-term keys
    #[arg(long, requires = "credentials_file_profile")]
    pub force: bool,

    /// Reuse cached role credentials only if they last at least this long (e.g. 50m) [default: 15m]
    #[arg(long, value_name = "DURATION")]
    pub min_ttl: Option<Span>,

    /// Run PROGRAM as a child and serve it fresh credentials on 127.0.0.1 for as long as it
    /// runs (the SDKs' container credentials provider), instead of fixed AWS_* variables
    #[arg(long, conflicts_with_all = ["output", "credentials_file_profile"])]
    pub server: bool,

    /// With --server: listen on ADDR[:PORT] instead of 127.0.0.1, for containers:
    /// 169.254.170.2 (a Docker network's gateway), 169.254.170.23, fd00:ec2::23 or loopback,
    /// the addresses the SDKs accept over http
    #[arg(long, value_name = "ADDR[:PORT]", requires = "server")]
    pub listen: Option<String>,

    /// With --server: also write the endpoint's token to PATH (0600, in a directory only
    /// you can enter; removed on exit), and give PROGRAM AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE
    /// instead of the token
    #[arg(long, value_name = "PATH", requires = "server")]
    pub token_file: Option<std::path::PathBuf>,

    #[command(flatten)]
    pub fetch: FetchArgs,

    #[command(flatten)]
    pub login: LoginArgs,

    /// The program to run and its arguments, after `--` [default: $SHELL]
    #[arg(last = true, value_name = "PROGRAM", conflicts_with = "output")]
    pub program: Vec<OsString>,
}

/// How credentials are fetched, for every command that fetches them (a run, `console`):
/// declared once, so the options and their help are the same everywhere.
#[derive(Debug, Args)]
pub struct FetchArgs {
    /// Never start a login; fail with exit status 77 when no usable token is cached
    #[arg(long)]
    pub no_login: bool,

    /// Ignore cached role credentials and fetch new ones
    #[arg(long)]
    pub refresh: bool,

    /// The MFA code for a role with mfa_serial (else ssox asks on the terminal)
    #[arg(long, value_name = "CODE")]
    pub mfa_token: Option<String>,

    /// How long a profile's credential_process may run
    #[arg(long, value_name = "DURATION", default_value_t = PROCESS_TIMEOUT)]
    pub process_timeout: Span,
}

/// How a login runs, whether asked for (`ssox login`) or started because none was cached.
#[derive(Debug, Args, Clone)]
pub struct LoginArgs {
    /// Log in with a device code instead of a browser redirect (for SSH sessions and containers)
    #[arg(long)]
    pub use_device_code: bool,

    /// Do not open a browser; only print the URL to open
    #[arg(long)]
    pub no_browser: bool,

    /// How long to wait for the login to be approved (e.g. 10m, 90s)
    #[arg(long, value_name = "DURATION", default_value_t = LOGIN_TIMEOUT)]
    pub login_timeout: Span,
}

/// Which SSO session to act on.
#[derive(Debug, Args)]
pub struct Target {
    /// A profile whose SSO session to use [default: $AWS_PROFILE, else $AWS_DEFAULT_PROFILE, else "default"]
    #[arg(short, long, value_name = "NAME", conflicts_with = "sso_session")]
    pub profile: Option<String>,

    /// An [sso-session NAME] section of the config file
    #[arg(long, value_name = "NAME")]
    pub sso_session: Option<String>,
}

#[derive(Debug, Args)]
pub struct LoginCmd {
    #[command(flatten)]
    pub target: Target,

    #[command(flatten)]
    pub login: LoginArgs,

    /// Port for the browser's redirect to 127.0.0.1 [default: a random free port]
    #[arg(long, value_name = "PORT")]
    pub redirect_port: Option<u16>,

    /// Sign in with AWS console credentials, as `aws login` does, and write login_session into the profile (the default for profiles that have login_session)
    #[arg(long, conflicts_with = "sso_session")]
    pub console: bool,

    /// The region to sign in at with --console [default: the profile's region, else $AWS_REGION]
    #[arg(long, value_name = "REGION")]
    pub region: Option<String>,
}

#[derive(Debug, Args)]
pub struct LogoutCmd {
    /// Only this profile's SSO session [default: every cached session]
    #[arg(short, long, value_name = "NAME", conflicts_with = "sso_session")]
    pub profile: Option<String>,

    /// Only this sso-session
    #[arg(long, value_name = "NAME")]
    pub sso_session: Option<String>,
}
