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

/// A `-v` line with the milliseconds since start. Callers pass no secrets: everything that
/// could be one is a `Secret` and prints as `***`.
pub fn verbose(args: std::fmt::Arguments<'_>) {
    if verbose_enabled() {
        let ms = START
            .get()
            .map_or(0.0, |s| s.elapsed().as_secs_f64() * 1000.0);
        eprintln!("ssox: [{ms:7.1} ms] {args}");
    }
}

/// A notice the user should always see.
pub fn notice(args: std::fmt::Arguments<'_>) {
    eprintln!("ssox: {args}");
}

#[macro_export]
macro_rules! vlog {
    ($($arg:tt)*) => { $crate::term::verbose(format_args!($($arg)*)) };
}

#[macro_export]
macro_rules! notice {
    ($($arg:tt)*) => { $crate::term::notice(format_args!($($arg)*)) };
}

/// Whether a person could answer a login: stdin or stderr is a terminal.
#[expect(dead_code, reason = "the login flow uses it")]
pub fn interactive() -> bool {
    std::io::stdin().is_terminal() || std::io::stderr().is_terminal()
}
