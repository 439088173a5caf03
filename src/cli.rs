//! The command line, declared with clap derive. Doc comments here are the help text, the man
//! page and the completions; no logic lives in this file.

use std::ffi::OsString;

use clap::{ArgAction, Args, Parser};

use crate::error::EXIT_STATUS_TABLE;

const EXAMPLES: &str = "\
Examples:
  ssox -p dev -- terraform plan         run a program with the role's credentials
  ssox -p dev -- Rscript job.R
  ssox -p dev                           start $SHELL with the credentials (exit to leave)
  ssox -p dev -v -- aws sts get-caller-identity
                                        show each step on stderr";

#[derive(Debug, Parser)]
#[command(
    name = "ssox",
    version,
    about = "Run programs with AWS IAM Identity Center (SSO) role credentials",
    long_about = "Run programs with AWS IAM Identity Center (SSO) role credentials.\n\n\
        ssox resolves PROFILE from the AWS config files, takes the SSO token that `aws sso login` \
        cached, gets the role's temporary credentials, and replaces itself with PROGRAM, the \
        credentials in its environment (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, \
        AWS_SESSION_TOKEN, AWS_CREDENTIAL_EXPIRATION, AWS_REGION). It shares every cache with \
        the AWS CLI v2.",
    after_help = concat!(
        "Examples:\n  ssox -p dev -- terraform plan\n  ssox -p dev            (starts $SHELL)\n\n",
        "Run 'ssox --help' for more."
    ),
    after_long_help = format!("{EXAMPLES}\n\n{EXIT_STATUS_TABLE}"),
)]
pub struct Cli {
    #[command(flatten)]
    pub run: RunArgs,
}

#[derive(Debug, Args)]
pub struct RunArgs {
    /// The AWS profile to use [default: $AWS_PROFILE, else $AWS_DEFAULT_PROFILE, else "default"]
    #[arg(short, long, value_name = "NAME")]
    pub profile: Option<String>,

    /// Region to give PROGRAM (AWS_REGION and AWS_DEFAULT_REGION) [default: the profile's region]
    #[arg(long, value_name = "REGION")]
    pub region: Option<String>,

    /// Show each step on stderr (files read, cache keys, endpoints, timings); secrets never
    #[arg(short, long, action = ArgAction::Count)]
    pub verbose: u8,

    /// The program to run and its arguments, after `--` [default: $SHELL]
    #[arg(last = true, value_name = "PROGRAM")]
    pub program: Vec<OsString>,
}
