//! ssox: run programs with AWS IAM Identity Center (SSO) role credentials.
//!
//! `main` only parses the command line, hands it to the command it names, and turns an error
//! into one line and an exit code. ARCHITECTURE.md maps the layers below.

/// musl's allocator serialises threads and is several times slower than glibc's on the
/// thousands of small allocations of a large config (`ssox profiles` at 10,000 profiles:
/// 136 ms with it, see scripts/bench.sh); the static Linux build uses mimalloc instead.
/// Elsewhere the system's allocator is as fast, and one dependency fewer.
#[cfg(target_env = "musl")]
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

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
mod log;
mod loopback;
mod output;
mod picker;
mod provider;
mod pyjson;
mod secret;
mod settings;
mod shell;
mod signin;
mod sso;
mod term;
mod timefmt;
mod usage;

use clap::Parser;

use crate::cli::Command;

fn main() {
    limits::protect_secrets();
    let argv = usage::hoist_verbose(std::env::args_os().collect());
    let cli = match cli::Cli::try_parse_from(&argv) {
        Ok(cli) => cli,
        Err(e) => {
            // --help and --version are not failures.
            if !e.use_stderr() {
                let _ = e.print();
                std::process::exit(0);
            }
            eprintln!("ssox: {}", usage::explain(&e, &argv));
            std::process::exit(error::Exit::Usage as i32);
        }
    };
    term::set_verbosity(cli.verbose);
    let env = env::Env::from_process();
    let result = match cli.command {
        Some(Command::Login(cmd)) => commands::login::run(&cmd, env),
        Some(Command::Logout(cmd)) => commands::logout::run(&cmd, env),
        Some(Command::Profiles(cmd)) => commands::profiles::run(&cmd, env),
        Some(Command::Doctor(cmd)) => commands::doctor::run(&cmd, env),
        Some(Command::Configure(cmd)) => commands::configure::run(&cmd, &env),
        Some(Command::Console(cmd)) => commands::console::run(&cmd, env),
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
