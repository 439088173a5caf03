//! ssox: run programs with AWS IAM Identity Center (SSO) role credentials.
//!
//! `main` only parses the command line, hands it to the command it names, and turns an error
//! into one line and an exit code. ARCHITECTURE.md maps the layers below.

mod aws;
mod browser;
mod child;
mod cli;
mod commands;
mod config;
mod credentials;
mod docs;
mod env;
mod error;
mod fsutil;
mod limits;
mod lock;
mod loopback;
mod output;
mod provider;
mod pyjson;
mod secret;
mod settings;
mod shell;
mod sso;
mod term;
mod timefmt;

use clap::Parser;

use crate::cli::Command;

fn main() {
    limits::protect_secrets();
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
    term::set_verbosity(cli.verbose);
    let env = env::Env::from_process();
    let result = match cli.command {
        Some(Command::Login(cmd)) => commands::login::run(&cmd, env),
        Some(Command::Logout(cmd)) => commands::logout::run(&cmd, env),
        Some(Command::Profiles(cmd)) => commands::profiles::run(&cmd, env),
        Some(Command::Doctor(cmd)) => commands::doctor::run(&cmd, env),
        Some(Command::Completions(cmd)) => commands::completions::run(&cmd),
        None => commands::run::run(cli.run, env),
    };
    let code = match result {
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
