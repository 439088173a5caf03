//! Passing signals on to PROGRAM while ssox supervises it (`--server`), on every Unix.
//!
//! A signal sent to ssox alone (`kill -TERM <ssox>`, a supervisor stopping the job) must reach
//! PROGRAM; a signal the terminal sent to the whole foreground process group (Ctrl-C, Ctrl-\,
//! a resize, a hangup) already reached PROGRAM, which is in that group too, and must not
//! arrive twice. The mechanism is the same everywhere: a `SA_SIGINFO` handler writes the
//! signal number, `si_code` and `si_pid` into a self-pipe (`write(2)` is async-signal-safe),
//! and a thread reads the pipe and decides. How to tell the two kinds apart differs:
//!
//! - **Linux**: the kernel marks what it generates itself, the terminal's signals included,
//!   with `si_code == SI_KERNEL` (0x80); `kill(2)` gives `SI_USER` (0) with the sender in
//!   `si_pid`, `tgkill`/`sigqueue` give negative codes. So: skip `SI_KERNEL`, forward the rest.
//! - **macOS**: XNU gives every caught signal `si_code == 0` and puts the current process at
//!   the time of sending in `si_pid` (for a terminal signal that is whoever wrote the control
//!   character: Terminal, iTerm, sshd, tmux). `siginfo` cannot tell them apart, so the rule
//!   is about the terminal instead: a signal a terminal can send (INT, QUIT, HUP, WINCH) is
//!   skipped while ssox is in its terminal's foreground process group, because then PROGRAM,
//!   in the same group, got it as well. Every other signal, and every signal while ssox runs
//!   without a terminal or in the background, is forwarded. (A `kill -INT` aimed at ssox
//!   alone while it runs in the foreground of a terminal is therefore not passed on there.)

use std::io::Read;
use std::os::fd::{AsFd, IntoRawFd};
use std::sync::atomic::{AtomicI32, Ordering};

use nix::libc;
use nix::sys::signal::{SaFlags, SigAction, SigHandler, SigSet, Signal};
use nix::unistd::Pid;

/// Signals passed on to PROGRAM.
pub const FORWARDED: [Signal; 7] = [
    Signal::SIGINT,
    Signal::SIGTERM,
    Signal::SIGHUP,
    Signal::SIGQUIT,
    Signal::SIGUSR1,
    Signal::SIGUSR2,
    Signal::SIGWINCH,
];

/// `si_code` of a signal the Linux kernel generated itself (`SI_KERNEL`).
const SI_KERNEL: i32 = 0x80;

/// How this platform tells a terminal's signal from one sent to ssox alone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rule {
    /// Linux: `si_code == SI_KERNEL` marks the terminal's signals.
    SiCode,
    /// macOS and other BSDs: whether ssox is in its terminal's foreground process group.
    ForegroundGroup,
}

pub const RULE: Rule = if cfg!(any(target_os = "linux", target_os = "android")) {
    Rule::SiCode
} else {
    Rule::ForegroundGroup
};

/// Whether a signal that reached ssox must be sent on to PROGRAM. `in_foreground`: ssox is in
/// the foreground process group of its controlling terminal right now.
pub fn forward(rule: Rule, sig: Signal, si_code: i32, in_foreground: bool) -> bool {
    match rule {
        Rule::SiCode => si_code != SI_KERNEL,
        Rule::ForegroundGroup => {
            let terminal_sends = matches!(
                sig,
                Signal::SIGINT | Signal::SIGQUIT | Signal::SIGHUP | Signal::SIGWINCH
            );
            !(terminal_sends && in_foreground)
        }
    }
}

/// The write end of the self-pipe, for the handler; -1 until installed.
static PIPE: AtomicI32 = AtomicI32::new(-1);
/// The process that installed the handler: a forked child that has not exec'd yet must not
/// report its signals as ours.
static OWNER: AtomicI32 = AtomicI32::new(0);

/// One record in the pipe: signal, `si_code`, `si_pid`.
const RECORD: usize = 12;

extern "C" fn on_signal(sig: libc::c_int, info: *mut libc::siginfo_t, _: *mut libc::c_void) {
    let saved = nix::errno::Errno::last_raw();
    let fd = PIPE.load(Ordering::Relaxed);
    // SAFETY: getpid and write are async-signal-safe; `info` is the kernel's siginfo for
    // this delivery (checked for null), read before the handler returns.
    unsafe {
        if fd >= 0 && !info.is_null() && libc::getpid() == OWNER.load(Ordering::Relaxed) {
            let mut rec = [0u8; RECORD];
            rec[0..4].copy_from_slice(&sig.to_ne_bytes());
            rec[4..8].copy_from_slice(&(*info).si_code.to_ne_bytes());
            rec[8..12].copy_from_slice(&(*info).si_pid().to_ne_bytes());
            // A full pipe drops the record: the write end is non-blocking, never stuck.
            let _ = libc::write(fd, rec.as_ptr().cast(), RECORD);
        }
    }
    nix::errno::Errno::set_raw(saved);
}

/// Signals caught since [`Forwarder::install`], read from the self-pipe.
pub struct Forwarder {
    reader: std::io::PipeReader,
    tty: Option<std::fs::File>,
}

impl Forwarder {
    /// Installs the handler for [`FORWARDED`]. From here on these signals no longer end
    /// ssox; [`Forwarder::run`] passes them on.
    pub fn install() -> std::io::Result<Self> {
        let (reader, writer) = std::io::pipe()?;
        let fd = writer.into_raw_fd();
        // SAFETY: fcntl on a descriptor we own, with flags we read first.
        unsafe {
            let flags = libc::fcntl(fd, libc::F_GETFL);
            if flags < 0 || libc::fcntl(fd, libc::F_SETFL, flags | libc::O_NONBLOCK) < 0 {
                return Err(std::io::Error::last_os_error());
            }
        }
        OWNER.store(
            i32::try_from(std::process::id()).unwrap_or(0),
            Ordering::Relaxed,
        );
        PIPE.store(fd, Ordering::Relaxed);
        let action = SigAction::new(
            SigHandler::SigAction(on_signal),
            SaFlags::SA_SIGINFO | SaFlags::SA_RESTART,
            SigSet::empty(),
        );
        for sig in FORWARDED {
            // SAFETY: the handler only calls async-signal-safe functions (see on_signal).
            unsafe { nix::sys::signal::sigaction(sig, &action) }.map_err(std::io::Error::from)?;
        }
        let tty = if RULE == Rule::ForegroundGroup {
            std::fs::File::open("/dev/tty").ok()
        } else {
            None
        };
        Ok(Self { reader, tty })
    }

    fn in_foreground(&self) -> bool {
        self.tty.as_ref().is_some_and(|tty| {
            nix::unistd::tcgetpgrp(tty.as_fd()).is_ok_and(|pg| pg == nix::unistd::getpgrp())
        })
    }

    /// Passes each caught signal on to `child` by the platform's rule, until the pipe ends.
    pub fn run(mut self, child: Pid) {
        let mut rec = [0u8; RECORD];
        while self.reader.read_exact(&mut rec).is_ok() {
            let field = |i: usize| {
                let mut b = [0u8; 4];
                b.copy_from_slice(&rec[i..i + 4]);
                i32::from_ne_bytes(b)
            };
            let Ok(sig) = Signal::try_from(field(0)) else {
                continue;
            };
            if forward(RULE, sig, field(4), self.in_foreground()) {
                let _ = nix::sys::signal::kill(child, sig);
            }
        }
    }
}

/// Ends ssox with the signal that ended PROGRAM, so the shell reports the same thing.
pub fn die_of(sig: i32) -> i32 {
    if let Ok(s) = Signal::try_from(sig) {
        // SAFETY: restoring the default disposition installs no handler code.
        let _ = unsafe { nix::sys::signal::signal(s, SigHandler::SigDfl) };
        let mut only = SigSet::empty();
        only.add(s);
        let _ = nix::sys::signal::pthread_sigmask(
            nix::sys::signal::SigmaskHow::SIG_UNBLOCK,
            Some(&only),
            None,
        );
        let _ = nix::sys::signal::raise(s);
    }
    128 + sig
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn linux_skips_only_what_the_kernel_generated() {
        assert!(!forward(Rule::SiCode, Signal::SIGINT, SI_KERNEL, true));
        assert!(forward(Rule::SiCode, Signal::SIGINT, 0, true));
        assert!(forward(Rule::SiCode, Signal::SIGTERM, -6, false));
    }

    #[test]
    fn macos_skips_terminal_signals_only_in_the_foreground() {
        let r = Rule::ForegroundGroup;
        assert!(!forward(r, Signal::SIGINT, 0, true));
        assert!(!forward(r, Signal::SIGWINCH, 0, true));
        assert!(forward(r, Signal::SIGINT, 0, false));
        assert!(forward(r, Signal::SIGTERM, 0, true));
        assert!(forward(r, Signal::SIGUSR1, 0x10001, true));
    }
}
