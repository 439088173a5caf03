//! Shell completion scripts, generated from the clap definitions with clap_complete and then
//! taught one thing clap cannot know: after `-p/--profile` (and `--sso-session`) they ask
//! `ssox profiles --names` (`--sso-session-names`) for the names in the user's config files.
//! `ssox completions SHELL` prints them; the copies in completions/ are checked by a test.

use clap::CommandFactory;
use clap_complete::Shell;

use crate::cli::{Cli, CompletionsCmd};
use crate::error::Error;

pub fn run(cmd: &CompletionsCmd) -> Result<i32, Error> {
    crate::output::print(&script(cmd.shell))?;
    Ok(0)
}

/// The script for `shell`, with profile and sso-session names completed from the config.
pub fn script(shell: Shell) -> String {
    let mut cmd = Cli::command();
    let mut buf = Vec::new();
    clap_complete::generate(shell, &mut cmd, "ssox", &mut buf);
    let text = String::from_utf8_lossy(&buf).into_owned();
    match shell {
        Shell::Bash => bash(&text),
        Shell::Zsh => zsh(&text),
        Shell::Fish => fish(&text),
        Shell::PowerShell => powershell(&text),
        Shell::Elvish => elvish(&text),
        _ => text,
    }
}

/// The file name each script is installed under (as checked in under completions/).
#[cfg(test)]
pub fn file_name(shell: Shell) -> &'static str {
    match shell {
        Shell::Bash => "ssox.bash",
        Shell::Zsh => "_ssox",
        Shell::Fish => "ssox.fish",
        Shell::PowerShell => "_ssox.ps1",
        Shell::Elvish => "ssox.elv",
        _ => "ssox.completion",
    }
}

#[cfg(test)]
pub const SHELLS: [Shell; 5] = [
    Shell::Bash,
    Shell::Zsh,
    Shell::Fish,
    Shell::PowerShell,
    Shell::Elvish,
];

const BASH_FILES: &str = "COMPREPLY=($(compgen -f \"${cur}\"))";

/// Names one a line into COMPREPLY; a name with spaces (`[profile 'team prof']`) stays one
/// word, with its spaces escaped as the command line needs them.
const BASH_NAMES: &str = "_ssox_names() {
    local IFS=$'\\n'
    COMPREPLY=($(compgen -W \"$(ssox profiles \"$1\" 2>/dev/null)\" -- \"$2\"))
    COMPREPLY=(\"${COMPREPLY[@]// /\\\\ }\")
}

";

fn bash(text: &str) -> String {
    // In every `case "${prev}"` block, the profile options complete names, not files.
    let mut out = String::with_capacity(text.len() + 1024);
    out.push_str(BASH_NAMES);
    let mut pending: Option<&str> = None;
    for line in text.split_inclusive('\n') {
        let t = line.trim();
        if t == "--profile)" || t == "-p)" {
            pending = Some("--names");
        } else if t == "--sso-session)" {
            pending = Some("--sso-session-names");
        }
        if let Some(flag) = pending
            && t.starts_with(BASH_FILES)
        {
            out.push_str(&line.replace(BASH_FILES, &format!("_ssox_names {flag} \"${{cur}}\"")));
            pending = None;
            continue;
        }
        out.push_str(line);
    }
    out
}

fn zsh(text: &str) -> String {
    let mut out = text
        .replace(":NAME:_default'", ":NAME:_ssox_profile_names'")
        .replace(
            "[An \\[sso-session NAME\\] section of the config file]:NAME:_ssox_profile_names'",
            "[An \\[sso-session NAME\\] section of the config file]:NAME:_ssox_sso_session_names'",
        )
        .replace(
            "[Only this sso-session]:NAME:_ssox_profile_names'",
            "[Only this sso-session]:NAME:_ssox_sso_session_names'",
        );
    // Defined before the generated function is called at the end of the file.
    let helpers = "\n(( $+functions[_ssox_profile_names] )) ||\n_ssox_profile_names() {\n    local -a names\n    names=(${(f)\"$(ssox profiles --names 2>/dev/null)\"})\n    _describe -t profiles 'profile' names\n}\n\n(( $+functions[_ssox_sso_session_names] )) ||\n_ssox_sso_session_names() {\n    local -a names\n    names=(${(f)\"$(ssox profiles --sso-session-names 2>/dev/null)\"})\n    _describe -t sso-sessions 'sso-session' names\n}\n";
    if let Some(i) = out.find("\n(( $+functions[_ssox_commands] ))") {
        out.insert_str(i, helpers);
    } else {
        out.push_str(helpers);
    }
    out
}

fn fish(text: &str) -> String {
    text.lines()
        .map(|l| {
            if l.contains(" -s p -l profile ") && l.ends_with(" -r") {
                format!("{l} -f -a \"(ssox profiles --names 2>/dev/null)\"")
            } else if l.contains(" -l sso-session ") && l.ends_with(" -r") {
                format!("{l} -f -a \"(ssox profiles --sso-session-names 2>/dev/null)\"")
            } else {
                l.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
        + "\n# Profile names right after the top-level -p/--profile: clap's condition above cannot\n\
           # parse a command line whose last option still waits for its value.\n\
           complete -c ssox -n \"not __fish_seen_subcommand_from login logout profiles doctor completions help\" \
           -s p -l profile -r -f -a \"(ssox profiles --names 2>/dev/null)\"\n"
}

const PS_HOOK: &str = "    $commandElements = $commandAst.CommandElements";

fn powershell(text: &str) -> String {
    let names = "    $previous = if ($commandAst.CommandElements.Count -gt 1) { $commandAst.CommandElements[-1].ToString() } else { '' }\n    if ($wordToComplete -ne '' -and $commandAst.CommandElements.Count -gt 2) { $previous = $commandAst.CommandElements[-2].ToString() }\n    $nameFlag = switch ($previous) { { $_ -in '-p', '--profile' } { '--names' } '--sso-session' { '--sso-session-names' } default { $null } }\n    if ($nameFlag) {\n        ssox profiles $nameFlag 2>$null | Where-Object { $_ -like \"$wordToComplete*\" } | ForEach-Object {\n            [CompletionResult]::new($_, $_, [CompletionResultType]::ParameterValue, $_)\n        }\n        return\n    }\n";
    text.replacen(PS_HOOK, &format!("{names}{PS_HOOK}"), 1)
}

const ELVISH_HOOK: &str = "    var completions = [";

fn elvish(text: &str) -> String {
    let names = "    if (and (> (count $words) 1) (has-value [-p --profile] $words[-2])) {\n        ssox profiles --names 2>/dev/null | from-lines\n        return\n    }\n    if (and (> (count $words) 1) (eq $words[-2] --sso-session)) {\n        ssox profiles --sso-session-names 2>/dev/null | from-lines\n        return\n    }\n";
    text.replacen(ELVISH_HOOK, &format!("{names}{ELVISH_HOOK}"), 1)
}
