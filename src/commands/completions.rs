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

/// After `--`, the rest of the line is PROGRAM's: bash-completion's `_command_offset` completes
/// it as if ssox were not there (the command name, then that command's own completion).
/// Without bash-completion, command names only.
const BASH_PROGRAM: &str = "    local __ssox_i
    for (( __ssox_i=1; __ssox_i < COMP_CWORD; __ssox_i++ )); do
        if [[ ${COMP_WORDS[__ssox_i]} == -- ]]; then
            if declare -F _command_offset >/dev/null; then
                _command_offset $((__ssox_i + 1))
            elif (( COMP_CWORD == __ssox_i + 1 )); then
                COMPREPLY=($(compgen -c -- \"${COMP_WORDS[COMP_CWORD]}\"))
            else
                COMPREPLY=($(compgen -f -- \"${COMP_WORDS[COMP_CWORD]}\"))
            fi
            return 0
        fi
    done
";

fn bash(text: &str) -> String {
    // In every `case "${prev}"` block, the profile options complete names, not files.
    let mut out = String::with_capacity(text.len() + 1024);
    out.push_str(BASH_NAMES);
    let text = text.replacen(
        "_ssox() {\n    local i cur prev opts cmd\n",
        &format!("_ssox() {{\n{BASH_PROGRAM}    local i cur prev opts cmd\n"),
        1,
    );
    let mut pending: Option<&str> = None;
    for line in text.split_inclusive('\n') {
        let t = line.trim();
        if t == "--profile)" || t == "-p)" || t == "--credentials-file-profile)" || t == "-c)" {
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

/// After `--`, zsh completes PROGRAM and its arguments with `_normal`, as if ssox were not
/// there.
const ZSH_PROGRAM: &str = "    local __ssox_dd=${words[(i)--]}
    if (( __ssox_dd < CURRENT )); then
        words=(\"${(@)words[__ssox_dd+1,-1]}\")
        (( CURRENT -= __ssox_dd ))
        _normal
        return
    fi
";

fn zsh(text: &str) -> String {
    // clap declares PROGRAM as the first positional, before the subcommand, so `ssox <Tab>`
    // offered files and `ssox login --sso-session <Tab>` looked for the subcommand in the
    // wrong word. PROGRAM only ever comes after `--`, which the block above handles.
    let mut lines: Vec<&str> = text
        .lines()
        .filter(|l| !l.starts_with("'::program -- "))
        .collect();
    if let Some(i) = lines
        .iter()
        .position(|l| l.trim() == "words=($line[2] \"${words[@]}\")")
    {
        lines[i] = "        words=($line[1] \"${words[@]}\")";
        for l in lines.iter_mut().skip(i).take(4) {
            if l.contains("ssox-command-$line[2]") {
                *l = "        curcontext=\"${curcontext%:*:*}:ssox-command-$line[1]:\"";
            } else if l.trim() == "case $line[2] in" {
                *l = "        case $line[1] in";
            }
        }
    }
    let joined = lines.join("\n") + "\n";
    let text = joined.replacen(
        "    local context curcontext=\"$curcontext\" state line\n",
        &format!("{ZSH_PROGRAM}    local context curcontext=\"$curcontext\" state line\n"),
        1,
    );
    // Every NAME is a profile name, except an sso-session's.
    let mut out: String = text
        .split_inclusive('\n')
        .map(|l| {
            if !l.contains(":NAME:_default'") {
                l.to_string()
            } else if l.contains("--sso-session=[") {
                l.replace(":NAME:_default'", ":NAME:_ssox_sso_session_names'")
            } else {
                l.replace(":NAME:_default'", ":NAME:_ssox_profile_names'")
            }
        })
        .collect();
    // Defined before the generated function is called at the end of the file.
    let helpers = "\n(( $+functions[_ssox_profile_names] )) ||\n_ssox_profile_names() {\n    local -a names\n    names=(${(f)\"$(ssox profiles --names 2>/dev/null)\"})\n    _describe -t profiles 'profile' names\n}\n\n(( $+functions[_ssox_sso_session_names] )) ||\n_ssox_sso_session_names() {\n    local -a names\n    names=(${(f)\"$(ssox profiles --sso-session-names 2>/dev/null)\"})\n    _describe -t sso-sessions 'sso-session' names\n}\n";
    if let Some(i) = out.find("\n(( $+functions[_ssox_commands] ))") {
        out.insert_str(i, helpers);
    } else {
        out.push_str(helpers);
    }
    out
}

/// fish: after `--`, PROGRAM and its arguments complete as if ssox were not there; before it,
/// no file names (ssox takes none).
const FISH_PROGRAM: &str = "
function __fish_ssox_after_dashdash
    contains -- -- (commandline -opc)
end

function __fish_ssox_program
    set -l tokens (commandline -opc) (commandline -ct)
    set -l i (contains -i -- -- $tokens)
    __fish_complete_subcommand --commandline $tokens[(math $i + 1)..-1]
end

complete -c ssox -n __fish_ssox_after_dashdash -x -a \"(__fish_ssox_program)\"
complete -c ssox -n \"not __fish_ssox_after_dashdash\" -f
";

/// Values right after a top-level option: clap's `__fish_ssox_needs_command` cannot parse a
/// command line whose last option still waits for its value, so these say it again without it.
const FISH_TOP_VALUES: &str = "
set -l __ssox_top \"not __fish_ssox_after_dashdash; and not __fish_seen_subcommand_from login logout profiles doctor configure console completions help\"
complete -c ssox -n $__ssox_top -s p -l profile -r -f -a \"(ssox profiles --names 2>/dev/null)\"
complete -c ssox -n $__ssox_top -s c -l credentials-file-profile -r -f -a \"(ssox profiles --names 2>/dev/null)\"
";

fn fish(text: &str) -> String {
    let mut out: Vec<String> = Vec::new();
    let mut format_values: Option<String> = None;
    let mut lines = text.lines().peekable();
    while let Some(l) = lines.next() {
        // A multi-line `-a "..."` (the formats) is one command.
        let mut l = l.to_string();
        while l.matches('"').count() % 2 == 1 {
            match lines.next() {
                Some(next) => {
                    l.push('\n');
                    l.push_str(next);
                }
                None => break,
            }
        }
        let l = if let Some(rest) = l.strip_prefix("complete -c ssox -n \"") {
            format!("complete -c ssox -n \"not __fish_ssox_after_dashdash; and {rest}")
        } else {
            l
        };
        if l.contains("__fish_ssox_needs_command\" -l format ")
            && let Some(i) = l.find(" -a \"")
        {
            format_values = Some(l[i..].to_string());
        }
        let l = if (l.contains(" -s p -l profile ")
            || l.contains(" -s c -l credentials-file-profile "))
            && l.ends_with(" -r")
        {
            format!("{l} -f -a \"(ssox profiles --names 2>/dev/null)\"")
        } else if l.contains(" -l sso-session ") && l.ends_with(" -r") {
            format!("{l} -f -a \"(ssox profiles --sso-session-names 2>/dev/null)\"")
        } else {
            l
        };
        out.push(l);
    }
    let mut text = out.join("\n") + "\n" + FISH_PROGRAM + FISH_TOP_VALUES;
    if let Some(values) = format_values {
        text.push_str("complete -c ssox -n $__ssox_top -l format -r -f");
        text.push_str(&values);
        text.push('\n');
    }
    text
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
