//! ssox: run programs with AWS IAM Identity Center (SSO) role credentials.
//!
//! `main` only parses, runs the pipeline and turns an error into one line and an exit code.

mod app;
mod aws;
mod browser;
mod child_env;
mod cli;
mod completions;
mod config;
mod credentials;
mod docs;
mod doctor;
mod endpoints;
mod env;
mod error;
mod exec;
mod fsutil;
mod lock;
mod output;
mod process;
mod profiles;
mod provider;
mod pyjson;
mod role_cache;
mod secret;
mod server;
mod settings;
mod sso;
mod sts;
mod term;
mod timefmt;

use clap::Parser;

fn main() {
    let cli = match cli::Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            if let Some(program) = program_without_separator(&e) {
                eprintln!(
                    "ssox: unexpected argument '{program}'; put PROGRAM after `--`, as in: ssox -p PROFILE -- {program}"
                );
                std::process::exit(error::Exit::Usage as i32);
            }
            // --help and --version are not failures.
            let code = if e.use_stderr() {
                error::Exit::Usage as i32
            } else {
                0
            };
            let _ = e.print();
            std::process::exit(code);
        }
    };
    let code = match app::run(cli, env::Env::from_process()) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("ssox: {e}");
            e.exit_code()
        }
    };
    std::process::exit(code);
}

/// The word a user typed where PROGRAM belongs but without the `--` before it.
fn program_without_separator(e: &clap::Error) -> Option<String> {
    use clap::error::{ContextKind, ContextValue, ErrorKind};
    if e.kind() != ErrorKind::UnknownArgument {
        return None;
    }
    match e.get(ContextKind::InvalidArg) {
        Some(ContextValue::String(arg)) if !arg.starts_with('-') => Some(arg.clone()),
        _ => None,
    }
}
