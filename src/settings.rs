//! Settings: the command line merged with the environment into the values the pipeline
//! needs (which profile, which files, which region, what to run). Pure.

use std::ffi::OsString;
use std::path::PathBuf;

use crate::cli::RunArgs;
use crate::config::FilePaths;
use crate::env::Env;

/// `-p`, else `AWS_PROFILE`, else `AWS_DEFAULT_PROFILE`, else `default` (the AWS CLI v2's order).
pub fn profile_name(cli: Option<&str>, env: &Env) -> String {
    cli.filter(|p| !p.is_empty())
        .or_else(|| env.get("AWS_PROFILE"))
        .or_else(|| env.get("AWS_DEFAULT_PROFILE"))
        .unwrap_or("default")
        .to_string()
}

#[derive(Debug)]
pub struct Settings {
    pub profile: String,
    pub paths: FilePaths,
    pub region: Option<String>,
    pub program: Vec<OsString>,
    pub env: Env,
    pub cwd: PathBuf,
}

impl Settings {
    pub fn new(args: RunArgs, env: Env) -> Self {
        Self {
            profile: profile_name(args.profile.as_deref(), &env),
            paths: FilePaths::from_env(&env),
            region: args.region.filter(|r| !r.is_empty()),
            program: args.program,
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
