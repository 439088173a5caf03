//! The one error type that reaches `main`: a message naming what is wrong, the fix, and the
//! exit status. Exit statuses are an API (scripts branch on them); they live here, in one
//! enum, and the table below is printed by `--help` and copied into README and the man page.

use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    /// Bad command line.
    Usage = 2,
    /// An AWS service failed or could not be reached (EX_UNAVAILABLE).
    Unavailable = 69,
    /// A bug in ssox (EX_SOFTWARE).
    Internal = 70,
    /// Reading or writing a local file failed (EX_IOERR).
    Io = 74,
    /// Timed out waiting for a login or for another ssox (EX_TEMPFAIL).
    TempFail = 75,
    /// Login needed, or access denied (EX_NOPERM).
    NoPerm = 77,
    /// The AWS config is wrong or incomplete (EX_CONFIG).
    Config = 78,
    /// PROGRAM exists but cannot be executed.
    CannotExecute = 126,
    /// PROGRAM not found.
    NotFound = 127,
    /// Interrupted with Ctrl-C.
    Interrupted = 130,
}

/// The exit status table, as `--help` prints it. README.md and man/ssox.1 carry the same.
pub const EXIT_STATUS_TABLE: &str = "\
Exit status:
  0    success (with PROGRAM: PROGRAM's own exit status)
  2    usage error on the command line
  69   an AWS service failed or could not be reached
  70   internal error (a bug in ssox)
  74   a local file could not be read or written
  75   timed out waiting for a login or for another ssox process
  77   login needed, or access denied
  78   configuration error in the AWS config or credentials file
  126  PROGRAM is not executable
  127  PROGRAM not found
  130  interrupted (Ctrl-C)";

#[derive(Debug)]
pub struct Error {
    pub exit: Exit,
    pub message: String,
    /// What to do about it, phrased as an instruction.
    pub hint: Option<String>,
}

impl Error {
    pub fn new(exit: Exit, message: impl Into<String>) -> Self {
        Self {
            exit,
            message: message.into(),
            hint: None,
        }
    }

    #[must_use]
    pub fn hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }

    pub fn exit_code(&self) -> i32 {
        self.exit as i32
    }
}

/// The longest error line; anything past it is cut (a name from the command line or a file
/// can be of any length).
const MAX_LINE: usize = 2000;

impl fmt::Display for Error {
    /// One line: the problem, then the fix.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut line = printable(&self.message);
        if let Some(h) = &self.hint {
            line.push_str("; ");
            line.push_str(&printable(h));
        }
        f.write_str(&clip(&line, MAX_LINE))
    }
}

/// `s` safe for a terminal on one line: a line break becomes a space, every other control
/// character (an escape sequence from a hostile portal or file could move the cursor or
/// rewrite the screen) is shown escaped, as `\u{1b}`.
pub fn printable(s: &str) -> String {
    if !s.chars().any(char::is_control) {
        return s.to_string();
    }
    escaped(&s.replace(['\n', '\r'], " "))
}

/// `s` with every control character shown escaped (`\n`, `\u{1b}`), line breaks included:
/// for quoting a value someone else chose inside a message.
pub fn escaped(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if c.is_control() {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    out
}

/// `s` cut to at most `max` characters, saying how much was left out: for names in messages.
pub fn clip(s: &str, max: usize) -> String {
    let count = s.chars().count();
    if count <= max {
        return s.to_string();
    }
    let kept: String = s.chars().take(max.saturating_sub(1)).collect();
    format!("{kept}… ({} more characters)", count - kept.chars().count())
}

/// How long a name may be in a message before [`clip`] cuts it.
pub const NAME_IN_MESSAGE: usize = 80;

/// An error and its sources joined with `: `, deduplicated (the SDK repeats itself).
pub fn source_chain(err: &(dyn std::error::Error + 'static)) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut cur: Option<&(dyn std::error::Error + 'static)> = Some(err);
    while let Some(e) = cur {
        let s = e.to_string();
        if !s.is_empty() && !parts.iter().any(|p| p.contains(&s)) {
            parts.push(s);
        }
        cur = e.source();
    }
    parts.join(": ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_names_and_lines_are_cut_saying_how_much() {
        assert_eq!(clip("short", 10), "short");
        assert_eq!(clip("abcdefghij", 5), "abcd… (6 more characters)");
        let e = Error::new(Exit::Config, "x".repeat(10_000)).hint("fix it");
        let shown = e.to_string();
        assert!(shown.chars().count() < MAX_LINE + 40, "{}", shown.len());
        assert!(shown.ends_with("more characters)"));
    }

    #[test]
    fn control_characters_never_reach_the_terminal_raw() {
        let e = Error::new(Exit::Config, "role `a\x1b[2Jb\nc\rd\te`");
        assert_eq!(e.to_string(), "role `a\\u{1b}[2Jb c d\\te`");
    }
}
