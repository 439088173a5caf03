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

use clap::Parser;

use crate::cli::Command;

fn main() {
    limits::protect_secrets();
    let cli = match cli::Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            // --help and --version are not failures.
            if !e.use_stderr() {
                let _ = e.print();
                std::process::exit(0);
            }
            let after_subcommand = std::env::args()
                .skip(1)
                .take_while(|a| a != "--")
                .any(|a| is_subcommand(&a));
            let line = match program_without_separator(&e) {
                Some(word) if is_subcommand(&word) => subcommand_misplaced(&word),
                Some(program) if !after_subcommand => format!(
                    "unexpected argument '{program}'; put PROGRAM after `--`, as in: ssox -p PROFILE -- {program}"
                ),
                _ => usage_line(&e),
            };
            eprintln!("ssox: {line}");
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

fn is_subcommand(word: &str) -> bool {
    use clap::CommandFactory;
    cli::Cli::command()
        .get_subcommands()
        .any(|c| c.get_name() == word)
}

/// `ssox -p prod doctor`: the subcommand comes first, and the options after it.
fn subcommand_misplaced(word: &str) -> String {
    let mut rest: Vec<String> = std::env::args_os()
        .skip(1)
        .map(|a| shell::quote(&a.to_string_lossy()))
        .collect();
    if let Some(i) = rest.iter().position(|a| a == word) {
        rest.remove(i);
    }
    let mut line = vec!["ssox".to_string(), word.to_string()];
    line.extend(rest);
    format!(
        "`{word}` is a subcommand and goes first, before its options: {}",
        line.join(" ")
    )
}

/// clap's usage error as one line: what is wrong, its tip, and where the help is.
fn usage_line(e: &clap::Error) -> String {
    let text = e.render().to_string();
    let mut lines = text.lines();
    let first = lines
        .next()
        .unwrap_or("bad command line")
        .trim_start_matches("error: ")
        .to_string();
    let mut parts = vec![first];
    let mut help = "ssox --help".to_string();
    let mut in_usage = false;
    for l in lines {
        let l = l.trim();
        if l.is_empty() || l.starts_with("For more information") {
            in_usage = false;
            continue;
        }
        if in_usage {
            // The usage's further forms.
            continue;
        }
        if let Some(tip) = l.strip_prefix("tip: ") {
            parts.push(tip.to_string());
        } else if let Some(usage) = l.strip_prefix("Usage: ") {
            in_usage = true;
            // "ssox login [OPTIONS]" → "ssox login --help"
            let words: Vec<&str> = usage
                .split_whitespace()
                .take_while(|w| !w.starts_with(['[', '<', '-']))
                .collect();
            if !words.is_empty() {
                help = format!("{} --help", words.join(" "));
            }
        } else if let Some(last) = parts.last_mut() {
            // The rest of the message: possible values, the missing arguments.
            last.push(' ');
            last.push_str(l);
        }
    }
    format!("{} (see `{help}`)", parts.join("; "))
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
