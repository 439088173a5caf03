//! Cross-process locks on a sidecar file (`<name>.lock` beside the file it guards), so that
//! of many ssox processes started on the same stale token exactly one refreshes or logs in.
//! The lock is `flock`-style: it dies with its holder, so a crashed process never blocks
//! the others. The holder writes its PID and what it is doing into the file, which lets a
//! waiter tell the user whom it is waiting for. Every wait has a deadline.

use std::fs::{File, OpenOptions, TryLockError};
use std::io::{Read, Seek, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// Held while alive; dropping it closes the file and releases the lock.
#[derive(Debug)]
pub struct LockGuard {
    _file: File,
}

#[derive(Debug, thiserror::Error)]
pub enum LockError {
    #[error("cannot open the lock file {}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("gave up after {}s waiting for {holder} (lock {})", waited.as_secs(), path.display())]
    Timeout {
        path: PathBuf,
        holder: String,
        waited: Duration,
    },
}

/// Who holds the lock, as its holder described itself.
fn holder(file: &mut File) -> String {
    let mut s = String::new();
    let _ = file.rewind();
    let _ = file.take(200).read_to_string(&mut s);
    let s = s.trim();
    if s.is_empty() {
        "another ssox process".to_string()
    } else {
        s.to_string()
    }
}

/// Takes the lock at `path`, waiting until `deadline`. `on_wait` is called once, with the
/// holder's description, if the lock is busy. `doing` is what we will say about ourselves.
pub fn acquire(
    path: &Path,
    doing: &str,
    deadline: Instant,
    mut on_wait: impl FnMut(&str),
) -> Result<LockGuard, LockError> {
    if let Some(dir) = path.parent() {
        crate::fsutil::create_private_dir(dir).map_err(|source| LockError::Io {
            path: path.to_path_buf(),
            source,
        })?;
    }
    let io_err = |source| LockError::Io {
        path: path.to_path_buf(),
        source,
    };
    let mut file = OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .mode(0o600)
        .open(path)
        .map_err(io_err)?;
    let started = Instant::now();
    let mut told = false;
    loop {
        match file.try_lock() {
            Ok(()) => break,
            Err(TryLockError::WouldBlock) => {
                let who = holder(&mut file);
                if !told {
                    on_wait(&who);
                    told = true;
                }
                if Instant::now() >= deadline {
                    return Err(LockError::Timeout {
                        path: path.to_path_buf(),
                        holder: who,
                        waited: started.elapsed(),
                    });
                }
                std::thread::sleep(Duration::from_millis(50));
            }
            Err(TryLockError::Error(e)) => return Err(io_err(e)),
        }
    }
    // Best effort: a waiter that cannot read this still waits correctly.
    let _ = file.set_len(0);
    let _ = file.rewind();
    let _ = write!(file, "ssox (pid {}) {doing}", std::process::id());
    let _ = file.flush();
    Ok(LockGuard { _file: file })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_taker_waits_and_learns_who_holds_it() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("x.lock");
        let first = acquire(&path, "refreshing", Instant::now(), |_| {}).unwrap();
        let mut seen = String::new();
        let err = acquire(
            &path,
            "other",
            Instant::now() + Duration::from_millis(120),
            |w| {
                seen = w.to_string();
            },
        )
        .unwrap_err();
        assert!(
            seen.contains("refreshing") && seen.contains("pid"),
            "{seen}"
        );
        assert!(matches!(err, LockError::Timeout { .. }));
        drop(first);
        acquire(&path, "second", Instant::now(), |_| {}).unwrap();
    }
}
