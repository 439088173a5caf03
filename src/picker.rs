//! Fuzzy pickers on the terminal (dialoguer's `FuzzySelect`): type to filter, arrows to
//! move, Enter to choose, Esc to cancel. Drawn on stderr, keys read from the terminal, so
//! stdout stays free for output that is being captured.
//!
//! A picker waits for a person, so like every wait in ssox it has a deadline. When it passes,
//! or on Ctrl-C, the terminal is put back as it was (line mode, echo, a visible cursor)
//! before ssox goes on or exits; dialoguer alone would leave the cursor hidden.

use std::io;
use std::os::fd::{AsRawFd, RawFd};
use std::sync::OnceLock;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use dialoguer::FuzzySelect;
use dialoguer::theme::ColorfulTheme;

/// Why no choice came back.
#[derive(Debug)]
pub enum Stop {
    /// Esc: the person chose nothing.
    Cancelled,
    TimedOut,
    Io(io::Error),
}

/// The terminal's settings before the picker changed them, for the Ctrl-C handler.
static SAVED: OnceLock<(RawFd, nix::libc::termios)> = OnceLock::new();

const SHOW_CURSOR: &[u8] = b"\x1b[?25h\n";

extern "C" fn on_interrupt(_: nix::libc::c_int) {
    // Only async-signal-safe calls: put the terminal back, show the cursor, leave as Ctrl-C.
    if let Some((fd, termios)) = SAVED.get() {
        // SAFETY: tcsetattr, write and _exit are async-signal-safe; the pointers are valid.
        unsafe {
            nix::libc::tcsetattr(*fd, nix::libc::TCSANOW, termios);
        }
    }
    // SAFETY: as above.
    unsafe {
        nix::libc::write(2, SHOW_CURSOR.as_ptr().cast(), SHOW_CURSOR.len());
        nix::libc::_exit(130);
    }
}

/// The terminal ssox is talking to, with its settings saved, for as long as a picker runs.
struct Guard {
    tty: std::fs::File,
}

impl Guard {
    fn new() -> io::Result<Self> {
        let tty = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .open("/dev/tty")?;
        let mut termios = std::mem::MaybeUninit::<nix::libc::termios>::uninit();
        // SAFETY: tcgetattr fills the struct on success, which is checked.
        let rc = unsafe { nix::libc::tcgetattr(tty.as_raw_fd(), termios.as_mut_ptr()) };
        if rc != 0 {
            return Err(io::Error::last_os_error());
        }
        // SAFETY: initialised by tcgetattr above.
        let termios = unsafe { termios.assume_init() };
        // Saved once per process: the terminal's own settings do not change between pickers.
        if SAVED.get().is_none() {
            // A descriptor of its own that stays open, for the handler.
            let fd = std::os::fd::IntoRawFd::into_raw_fd(tty.try_clone()?);
            let _ = SAVED.set((fd, termios));
        }
        let action = nix::sys::signal::SigAction::new(
            nix::sys::signal::SigHandler::Handler(on_interrupt),
            nix::sys::signal::SaFlags::empty(),
            nix::sys::signal::SigSet::empty(),
        );
        // SAFETY: the handler only makes async-signal-safe calls.
        unsafe {
            let _ = nix::sys::signal::sigaction(nix::sys::signal::Signal::SIGINT, &action);
        }
        Ok(Self { tty })
    }

    fn restore(&self) {
        if let Some((_, termios)) = SAVED.get() {
            // SAFETY: a valid fd and a termios saved from this terminal.
            unsafe {
                nix::libc::tcsetattr(self.tty.as_raw_fd(), nix::libc::TCSANOW, termios);
            }
        }
        let _ = io::Write::write_all(&mut io::stderr(), SHOW_CURSOR);
    }
}

impl Drop for Guard {
    fn drop(&mut self) {
        // SAFETY: back to the default action; nothing of ours runs on Ctrl-C from here on.
        unsafe {
            let _ = nix::sys::signal::signal(
                nix::sys::signal::Signal::SIGINT,
                nix::sys::signal::SigHandler::SigDfl,
            );
        }
    }
}

/// One FuzzySelect, on a thread so that the deadline holds while it waits for a key.
fn select(
    guard: &Guard,
    prompt: &str,
    items: &[String],
    position: usize,
    deadline: Instant,
) -> Result<usize, Stop> {
    let (tx, rx) = mpsc::channel();
    let prompt = prompt.to_string();
    let items = items.to_vec();
    // A read blocked on the terminal cannot be cancelled: on timeout the thread is left to
    // end with ssox, and the terminal is put back from here.
    std::thread::spawn(move || {
        let r = FuzzySelect::with_theme(&ColorfulTheme::default())
            .with_prompt(prompt)
            .items(&items)
            .default(position.min(items.len().saturating_sub(1)))
            .report(false)
            .interact_opt();
        let _ = tx.send(r);
    });
    let wait = deadline.saturating_duration_since(Instant::now());
    match rx.recv_timeout(wait) {
        Ok(Ok(Some(i))) => Ok(i),
        Ok(Ok(None)) => Err(Stop::Cancelled),
        Ok(Err(dialoguer::Error::IO(e))) => {
            guard.restore();
            Err(Stop::Io(e))
        }
        Err(_) => {
            guard.restore();
            Err(Stop::TimedOut)
        }
    }
}

/// Lets the person choose one of `items`; returns its index.
pub fn one(prompt: &str, items: &[String], timeout: Duration) -> Result<usize, Stop> {
    let guard = Guard::new().map_err(Stop::Io)?;
    select(&guard, prompt, items, 0, Instant::now() + timeout)
}

/// Lets the person choose any number of `items`, one Enter each (Enter again takes one
/// back), then "done"; returns the chosen indices in order. A fuzzy filter has no
/// multi-select of its own, and a filter is what makes a list of hundreds of roles usable.
pub fn many(prompt: &str, items: &[String], timeout: Duration) -> Result<Vec<usize>, Stop> {
    let guard = Guard::new().map_err(Stop::Io)?;
    let deadline = Instant::now() + timeout;
    let mut chosen = vec![false; items.len()];
    let mut position = 0;
    loop {
        let count = chosen.iter().filter(|c| **c).count();
        let mut rows = vec![format!(
            "» done: {count} chosen (Enter here to finish; Esc cancels)"
        )];
        rows.extend(
            items
                .iter()
                .zip(&chosen)
                .map(|(item, on)| format!("{} {item}", if *on { "[x]" } else { "[ ]" })),
        );
        match select(&guard, prompt, &rows, position, deadline)? {
            0 => {
                return Ok((0..items.len()).filter(|&i| chosen[i]).collect());
            }
            i => {
                chosen[i - 1] = !chosen[i - 1];
                position = i;
            }
        }
    }
}
