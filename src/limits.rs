//! Process limits that keep secrets where they belong. Before ssox holds any secret it sets
//! its own core-file limit to 0 and, on Linux, marks itself not dumpable, so a crash of ssox
//! (or `--server` dying of the signal that killed PROGRAM) writes no core with a token or key
//! in it. PROGRAM gets the user's own limits back. Under `--server`, ssox also raises its own
//! descriptor limit (macOS starts at 256) for the concurrent connections, and PROGRAM is told
//! by Linux to stop (SIGTERM) if ssox is killed; macOS has no such signal, so there PROGRAM
//! goes on after a `kill -9` of ssox and its SDK reports the endpoint gone at its next
//! refresh.

use std::sync::atomic::{AtomicBool, AtomicI32, AtomicU64, Ordering};

use nix::sys::resource::{Resource, getrlimit, setrlimit};

/// The user's soft core-file limit, for PROGRAM, once `CORE_SAVED` (unlimited is u64::MAX,
/// so no value of it can mean "not read").
static CORE: AtomicU64 = AtomicU64::new(0);
static CORE_SAVED: AtomicBool = AtomicBool::new(false);
/// The user's soft descriptor limit, for PROGRAM, once `NOFILE_SAVED`.
static NOFILE: AtomicU64 = AtomicU64::new(0);
static NOFILE_SAVED: AtomicBool = AtomicBool::new(false);
/// ssox's pid, for PROGRAM to check that it has not already lost its parent.
static PARENT: AtomicI32 = AtomicI32::new(0);

/// Call first, before any secret is read.
pub fn protect_secrets() {
    if let Ok((soft, hard)) = getrlimit(Resource::RLIMIT_CORE) {
        CORE.store(soft, Ordering::Relaxed);
        CORE_SAVED.store(true, Ordering::Relaxed);
        let _ = setrlimit(Resource::RLIMIT_CORE, 0, hard);
    }
    #[cfg(any(target_os = "linux", target_os = "android"))]
    let _ = nix::sys::prctl::set_dumpable(false);
}

/// The user's core-file limit again, for PROGRAM (exec keeps resource limits). Safe between
/// fork and exec: one setrlimit, no allocation.
pub fn restore_core() {
    if CORE_SAVED.load(Ordering::Relaxed)
        && let Ok((_, hard)) = getrlimit(Resource::RLIMIT_CORE)
    {
        let soft = CORE.load(Ordering::Relaxed);
        let _ = setrlimit(Resource::RLIMIT_CORE, soft.min(hard), hard);
    }
}

/// Room for the server's connections: the soft descriptor limit up to 8192 (or the hard one).
pub fn more_descriptors() {
    PARENT.store(
        i32::try_from(std::process::id()).unwrap_or(0),
        Ordering::Relaxed,
    );
    if let Ok((soft, hard)) = getrlimit(Resource::RLIMIT_NOFILE) {
        let want = hard.min(8192);
        if want > soft && setrlimit(Resource::RLIMIT_NOFILE, want, hard).is_ok() {
            NOFILE.store(soft, Ordering::Relaxed);
            NOFILE_SAVED.store(true, Ordering::Relaxed);
        }
    }
}

/// In the `--server` child, between fork and exec: the user's limits back, and on Linux a
/// SIGTERM when ssox dies. Only async-signal-safe calls.
pub fn in_child_of_server() -> std::io::Result<()> {
    restore_core();
    if NOFILE_SAVED.load(Ordering::Relaxed)
        && let Ok((_, hard)) = getrlimit(Resource::RLIMIT_NOFILE)
    {
        let _ = setrlimit(
            Resource::RLIMIT_NOFILE,
            NOFILE.load(Ordering::Relaxed),
            hard,
        );
    }
    #[cfg(any(target_os = "linux", target_os = "android"))]
    {
        nix::sys::prctl::set_pdeathsig(nix::sys::signal::Signal::SIGTERM)
            .map_err(std::io::Error::from)?;
        // ssox may have died before the line above: then there is no one to serve us.
        if nix::unistd::getppid().as_raw() != PARENT.load(Ordering::Relaxed) {
            return Err(std::io::Error::other("ssox ended before PROGRAM started"));
        }
    }
    Ok(())
}
