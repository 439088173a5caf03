//! Talking to the person at the terminal: `-v` progress lines and notices, all on stderr
//! (stdout belongs to PROGRAM and to the output formats), and terminal detection.

use std::io::IsTerminal;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU8, Ordering};
use std::time::Instant;

static VERBOSITY: AtomicU8 = AtomicU8::new(0);
static START: OnceLock<Instant> = OnceLock::new();

pub fn set_verbosity(level: u8) {
    VERBOSITY.store(level, Ordering::Relaxed);
    START.get_or_init(Instant::now);
}

pub fn verbose_enabled() -> bool {
    VERBOSITY.load(Ordering::Relaxed) > 0
}

/// A `-v` line with the milliseconds since start (call through `vlog!`, which checks `-v`).
/// Callers pass no secrets: everything that could be one is a `Secret` and prints as `***`.
pub fn verbose(args: std::fmt::Arguments<'_>) {
    let ms = START
        .get()
        .map_or(0.0, |s| s.elapsed().as_secs_f64() * 1000.0);
    eprintln!("ssox: [{ms:7.1} ms] {args}");
}

/// Whether a spinner line is on the screen: a notice clears it first, so the two never run
/// into one line.
static SPINNING: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// How long a notice may be: names from a portal or a file can be any length.
const NOTICE_MAX: usize = 2000;

/// A notice the user should always see: control characters escaped (the line breaks ssox
/// itself puts in a login's instructions kept), cut to a length a person reads.
pub fn notice(args: std::fmt::Arguments<'_>) {
    if SPINNING.swap(false, Ordering::Relaxed) {
        eprint!("\r\x1b[2K");
    }
    let text = args.to_string();
    let text = text
        .split('\n')
        .map(crate::error::printable)
        .collect::<Vec<_>>()
        .join("\n");
    eprintln!("ssox: {}", crate::error::clip(&text, NOTICE_MAX));
}

/// Asks a question on the terminal (not stdin, which may be PROGRAM's) and reads one line,
/// giving up after `timeout`.
pub fn prompt(question: &str, timeout: std::time::Duration) -> std::io::Result<String> {
    use std::io::{BufRead, Write};
    let mut tty = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open("/dev/tty")?;
    tty.write_all(question.as_bytes())?;
    tty.flush()?;
    let (tx, rx) = std::sync::mpsc::channel();
    // A blocked read cannot be cancelled; on timeout the thread is left to die with ssox.
    std::thread::spawn(move || {
        let mut line = String::new();
        let r = std::io::BufReader::new(tty)
            .read_line(&mut line)
            .map(|_| line);
        let _ = tx.send(r);
    });
    rx.recv_timeout(timeout)
        .map_err(|_| std::io::Error::new(std::io::ErrorKind::TimedOut, "no answer in time"))?
}

/// Which of the standard streams are terminals, probed once per process: every "is a
/// person there?" question is answered from this one look (`settings::login_policy` turns
/// it into the run's decision; the picker, configure's question and the spinner read it).
#[derive(Debug, Clone, Copy)]
pub struct Terminals {
    pub stdin: bool,
    pub stdout: bool,
    pub stderr: bool,
}

static TERMINALS: OnceLock<Terminals> = OnceLock::new();

pub fn terminals() -> Terminals {
    *TERMINALS.get_or_init(|| Terminals {
        stdin: std::io::stdin().is_terminal(),
        stdout: std::io::stdout().is_terminal(),
        stderr: std::io::stderr().is_terminal(),
    })
}

/// Whether a person could answer a login: stdin or stderr is a terminal.
pub fn interactive() -> bool {
    let t = terminals();
    t.stdin || t.stderr
}

/// Whether a person can answer a question and see it: stdin and stderr are terminals.
pub fn conversational() -> bool {
    let t = terminals();
    t.stdin && t.stderr
}

/// A one-line progress display on stderr: a spinner, what we wait for, and the time left.
/// Draws only when stderr is a terminal; elsewhere the instructions printed before it are
/// all the user sees.
pub struct Spinner {
    message: String,
    deadline: Instant,
    frame: usize,
    enabled: bool,
}

impl Spinner {
    pub fn new(message: impl Into<String>, deadline: Instant) -> Self {
        Self {
            message: message.into(),
            deadline,
            frame: 0,
            enabled: terminals().stderr,
        }
    }

    pub fn tick(&mut self) {
        const FRAMES: [char; 10] = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];
        if !self.enabled {
            return;
        }
        let left = self
            .deadline
            .saturating_duration_since(Instant::now())
            .as_secs();
        let left = format!("{}:{:02}", left / 60, left % 60);
        self.frame = (self.frame + 1) % FRAMES.len();
        eprint!(
            "\r\x1b[2K{} {} ({left} left; Ctrl-C to cancel)",
            FRAMES[self.frame], self.message
        );
        SPINNING.store(true, Ordering::Relaxed);
    }

    pub fn clear(&mut self) {
        if self.enabled && SPINNING.swap(false, Ordering::Relaxed) {
            eprint!("\r\x1b[2K");
        }
    }
}

impl Drop for Spinner {
    fn drop(&mut self) {
        self.clear();
    }
}
