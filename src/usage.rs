//! What ssox says about a command line that clap refused, in one line, from one place. Every
//! command line it suggests has been parsed before it is shown, so a hint is always a
//! command that works; clap's own advice to put `--` before an unknown option is not passed
//! on (in ssox, what follows `--` is PROGRAM). Also lets `-v` stand before a subcommand, as
//! the README promises.

use std::ffi::OsString;

use clap::error::{ContextKind, ContextValue, ErrorKind};
use clap::{CommandFactory, Parser};

use crate::cli::Cli;
use crate::shell;

fn is_verbose_flag(a: &str) -> bool {
    a == "--verbose" || (a.len() > 1 && a.starts_with('-') && a[1..].bytes().all(|b| b == b'v'))
}

fn is_subcommand(word: &str) -> bool {
    Cli::command()
        .get_subcommands()
        .any(|c| c.get_name() == word)
}

/// argv with `-v` flags that stand before a subcommand moved after it (`ssox -v profiles`
/// is `ssox profiles -v`); anything else is left for clap to judge. (Arguments need not be
/// UTF-8: PROGRAM's are passed on as they are.)
pub fn hoist_verbose(argv: Vec<OsString>) -> Vec<OsString> {
    let text = lossy(&argv);
    let Some(i) = text
        .iter()
        .skip(1)
        .take_while(|a| *a != "--")
        .position(|a| !is_verbose_flag(a))
        .map(|i| i + 1)
    else {
        return argv;
    };
    if i == 1 || !is_subcommand(&text[i]) {
        return argv;
    }
    let mut out = vec![argv[0].clone(), argv[i].clone()];
    out.extend(argv[1..i].iter().cloned());
    out.extend(argv[i + 1..].iter().cloned());
    out
}

/// Whether `line` (without the program name) is a command line ssox accepts.
fn parses(line: &[String]) -> bool {
    let mut full = vec!["ssox".to_string()];
    full.extend(line.iter().cloned());
    match Cli::try_parse_from(&full) {
        Ok(_) => true,
        Err(e) => !e.use_stderr(),
    }
}

/// Arguments as text, for judging and quoting them in a message.
pub fn lossy(argv: &[OsString]) -> Vec<String> {
    argv.iter()
        .map(|a| a.to_string_lossy().into_owned())
        .collect()
}

/// The one line for a refused command line. `argv` is what clap was given.
pub fn explain(e: &clap::Error, argv: &[OsString]) -> String {
    let argv = &lossy(argv);
    let words: Vec<&String> = argv.iter().skip(1).take_while(|a| *a != "--").collect();
    let after_subcommand = words.iter().any(|a| is_subcommand(a));
    if e.kind() == ErrorKind::UnknownArgument
        && let Some(ContextValue::String(arg)) = e.get(ContextKind::InvalidArg)
    {
        if !arg.starts_with('-') {
            if is_subcommand(arg) {
                return misplaced(arg, argv);
            }
            if !after_subcommand {
                return format!(
                    "unexpected argument '{}'; put PROGRAM after `--`, as in: ssox -p PROFILE -- {}",
                    shell::quote(arg),
                    shell::quote(arg)
                );
            }
        }
        let mut line = format!("unknown option '{arg}'");
        if let Some(ContextValue::String(s)) = e.get(ContextKind::SuggestedArg) {
            line = format!("{line} (did you mean '{s}'?)");
        }
        if !after_subcommand {
            line.push_str("; ssox's own options go before `--`, PROGRAM's after it");
        }
        return format!("{line} (see `{}`)", help_of(argv));
    }
    rendered(e, argv)
}

/// `ssox --help`, or `ssox SUBCOMMAND --help` when one was named.
fn help_of(argv: &[String]) -> String {
    argv.iter()
        .skip(1)
        .take_while(|a| *a != "--")
        .find(|a| is_subcommand(a))
        .map_or_else(|| "ssox --help".to_string(), |s| format!("ssox {s} --help"))
}

/// Any other refusal: clap's message and its tips (not the one about `--`), on one line.
fn rendered(e: &clap::Error, argv: &[String]) -> String {
    let text = e.render().to_string();
    let mut lines = text.lines();
    let first = lines
        .next()
        .unwrap_or("bad command line")
        .trim_start_matches("error: ")
        .to_string();
    let mut parts = vec![first];
    let mut in_usage = false;
    for l in lines {
        let l = l.trim();
        if l.is_empty() || l.starts_with("For more information") {
            in_usage = false;
            continue;
        }
        if in_usage {
            continue;
        }
        if let Some(tip) = l.strip_prefix("tip: ") {
            if !tip.contains("use '--") {
                parts.push(tip.to_string());
            }
        } else if l.starts_with("Usage: ") {
            in_usage = true;
        } else if let Some(last) = parts.last_mut() {
            // The rest of the message: possible values, the missing arguments.
            last.push(' ');
            last.push_str(l);
        }
    }
    format!("{} (see `{}`)", parts.join("; "), help_of(argv))
}

/// `ssox -p prod doctor`: the subcommand goes first, with only the options it takes; the
/// corrected line is shown only once it parses.
fn misplaced(word: &str, argv: &[String]) -> String {
    let mut root = Cli::command();
    root.build();
    let Some(sub) = root.find_subcommand(word) else {
        return format!("`{word}` is a subcommand and goes first (see `ssox {word} --help`)");
    };
    let Some(at) = argv.iter().position(|a| a == word) else {
        return format!("`{word}` is a subcommand and goes first (see `ssox {word} --help`)");
    };
    let (before, after) = (&argv[1..at], &argv[at + 1..]);
    let mut kept: Vec<String> = Vec::new();
    let mut dropped: Vec<String> = Vec::new();
    let mut i = 0;
    while i < before.len() {
        let a = &before[i];
        let name = a.split('=').next().unwrap_or(a);
        let arg = sub.get_arguments().find(|x| {
            x.get_long().is_some_and(|l| name == format!("--{l}"))
                || x.get_short().is_some_and(|s| name == format!("-{s}"))
        });
        let takes_value = arg.map_or_else(
            // An option of the run that the subcommand lacks: does it take a value there?
            || {
                root.get_arguments().any(|x| {
                    x.get_action().takes_values()
                        && (x.get_long().is_some_and(|l| name == format!("--{l}"))
                            || x.get_short().is_some_and(|s| name == format!("-{s}")))
                })
            },
            |x| x.get_action().takes_values(),
        );
        let mut group = vec![a.clone()];
        if takes_value && !a.contains('=') && i + 1 < before.len() {
            group.push(before[i + 1].clone());
            i += 1;
        }
        if arg.is_some() {
            kept.extend(group);
        } else {
            dropped.push(name.to_string());
        }
        i += 1;
    }
    let mut line = vec![word.to_string()];
    line.extend(kept);
    line.extend(after.iter().cloned());
    let takes_no = if dropped.is_empty() {
        String::new()
    } else {
        format!(" (`{word}` takes no {})", dropped.join(" or "))
    };
    if parses(&line) {
        let shown: Vec<String> = line.iter().map(|a| shell::quote(a)).collect();
        format!(
            "`{word}` is a subcommand and goes first, before its options: ssox {}{takes_no}",
            shown.join(" ")
        )
    } else {
        format!("`{word}` is a subcommand and goes first{takes_no} (see `ssox {word} --help`)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn argv(line: &str) -> Vec<OsString> {
        std::iter::once("ssox")
            .chain(line.split_whitespace())
            .map(OsString::from)
            .collect()
    }

    fn said(line: &str) -> String {
        let argv = hoist_verbose(argv(line));
        let e = Cli::try_parse_from(&argv).expect_err(line);
        explain(&e, &argv)
    }

    #[test]
    fn verbose_may_stand_before_a_subcommand() {
        assert_eq!(hoist_verbose(argv("-v profiles")), argv("profiles -v"));
        assert_eq!(
            hoist_verbose(argv("-vv doctor -p x")),
            argv("doctor -vv -p x")
        );
        assert_eq!(
            hoist_verbose(argv("-v -- profiles")),
            argv("-v -- profiles")
        );
        assert!(Cli::try_parse_from(hoist_verbose(argv("-v profiles"))).is_ok());
    }

    #[test]
    fn every_corrected_command_line_parses() {
        for (line, want) in [
            (
                "-p dev configure",
                "ssox configure (`configure` takes no -p)",
            ),
            ("-p X profiles", "ssox profiles (`profiles` takes no -p)"),
            (
                "-p X completions bash",
                "ssox completions bash (`completions` takes no -p)",
            ),
            ("-p prod doctor", "ssox doctor -p prod"),
            (
                "-p prod --region eu-west-1 console --url",
                "ssox console -p prod --region eu-west-1 --url",
            ),
        ] {
            let got = said(line);
            assert!(got.ends_with(want), "{line}: {got}");
            let suggested = got.split(": ssox ").nth(1).unwrap();
            let suggested = suggested.split(" (`").next().unwrap();
            assert!(
                parses(&suggested.split(' ').map(str::to_string).collect::<Vec<_>>()),
                "{suggested}"
            );
        }
    }

    #[test]
    fn an_unknown_option_is_never_told_to_go_after_the_separator() {
        let got = said("--dryrun -- true");
        assert!(!got.contains("'-- --dryrun'"), "{got}");
        assert!(got.starts_with("unknown option '--dryrun'"), "{got}");
        let got = said("--frmat env");
        assert!(
            got.starts_with("unknown option '--frmat' (did you mean '--format'?);"),
            "{got}"
        );
    }
}
