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

impl fmt::Display for Error {
    /// One line: the problem, then the fix.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let one_line = |s: &str| s.replace(['\n', '\r'], " ");
        write!(f, "{}", one_line(&self.message))?;
        if let Some(h) = &self.hint {
            write!(f, "; {}", one_line(h))?;
        }
        Ok(())
    }
}

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
