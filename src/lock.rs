//! Cross-process locks, so that of many ssox processes started at once exactly one refreshes
//! a token, fetches a role's credentials or edits the credentials file, and the others use
//! its result. A lock is an `flock` on a file: it dies with its holder, so a crashed process
//! never blocks the others, and every wait has a deadline.
//!
//! All lock files live in one directory of ssox's own, `$XDG_CACHE_HOME/ssox/locks` (else
//! `~/.cache/ssox/locks`, or `~/Library/Caches/ssox/locks` on macOS), mode 0700: not beside
//! the files they guard, which may sit in a dotfiles repository behind a symlink. A lock file
//! is named after a hash of what it guards, opened without following a symlink, never
//! truncated, and never written: the holder describes itself in a `.holder` file beside it
//! that it creates afresh (`O_EXCL`) and removes when it is done, which is how a waiter can
//! say whom it is waiting for.

use std::fs::{File, OpenOptions, TryLockError};
use std::io::{Read, Write};
use std::os::unix::fs::{FileTypeExt, OpenOptionsExt};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crate::env::Env;

/// Held while alive; dropping it removes the holder note and releases the lock.
#[derive(Debug)]
pub struct LockGuard {
    _file: File,
    holder: PathBuf,
}

impl Drop for LockGuard {
    fn drop(&mut self) {
        // The note goes first, while we still hold the lock that owns it.
        let _ = std::fs::remove_file(&self.holder);
    }
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

impl LockError {
    /// The one exit status of each lock failure, wherever it happens: waiting too long for
    /// another ssox is 75 (try again), a lock file that cannot be opened is 74.
    pub fn to_error(&self) -> crate::error::Error {
        use crate::error::{Error, Exit};
        match self {
            LockError::Timeout { .. } => Error::new(Exit::TempFail, self.to_string()),
            LockError::Io { .. } => Error::new(Exit::Io, self.to_string()),
        }
    }
}

/// ssox's own directory of lock files.
pub fn dir(env: &Env) -> PathBuf {
    if let Some(x) = env.get("XDG_CACHE_HOME").filter(|x| x.starts_with('/')) {
        return PathBuf::from(x).join("ssox").join("locks");
    }
    let home = env.home_dir();
    if cfg!(target_os = "macos") {
        home.join("Library/Caches/ssox/locks")
    } else {
        home.join(".cache/ssox/locks")
    }
}

/// The lock file for `what` (a path, or any key), of this `kind` (`token`, `role`, ...).
pub fn path(env: &Env, kind: &str, what: &Path) -> PathBuf {
    let hash = crate::fsutil::sha1_hex(what.as_os_str().as_encoded_bytes());
    dir(env).join(format!("{kind}-{hash}.lock"))
}

fn holder_path(lock: &Path) -> PathBuf {
    let mut p = lock.as_os_str().to_owned();
    p.push(".holder");
    PathBuf::from(p)
}

/// Opens a file that must be a regular file of ours: never through a symlink.
fn open_nofollow(path: &Path, create: bool) -> std::io::Result<File> {
    let file = OpenOptions::new()
        .read(true)
        .write(create)
        .create(create)
        .truncate(false)
        .mode(0o600)
        .custom_flags(nix::libc::O_NOFOLLOW)
        .open(path)?;
    let kind = file.metadata()?.file_type();
    if !kind.is_file() || kind.is_fifo() {
        return Err(std::io::Error::other("not a regular file"));
    }
    Ok(file)
}

/// Who holds the lock, as its holder described itself.
fn holder(lock: &Path) -> String {
    let mut s = String::new();
    if let Ok(f) = open_nofollow(&holder_path(lock), false) {
        let _ = f.take(200).read_to_string(&mut s);
    }
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
    let io_err = |source| LockError::Io {
        path: path.to_path_buf(),
        source,
    };
    if let Some(dir) = path.parent() {
        crate::fsutil::create_private_dir(dir).map_err(io_err)?;
    }
    let file = open_nofollow(path, true).map_err(io_err)?;
    let started = Instant::now();
    let mut told = false;
    loop {
        match file.try_lock() {
            Ok(()) => break,
            Err(TryLockError::WouldBlock) => {
                let who = holder(path);
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
    // A note left by a holder that crashed is ours to remove now; then a fresh one, made by
    // us. Best effort: a waiter that cannot read it still waits correctly.
    let holder = holder_path(path);
    let _ = std::fs::remove_file(&holder);
    if let Ok(mut note) = OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .custom_flags(nix::libc::O_NOFOLLOW)
        .open(&holder)
    {
        let _ = write!(note, "ssox (pid {}), which {doing}", std::process::id());
    }
    Ok(LockGuard {
        _file: file,
        holder,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_taker_waits_and_learns_who_holds_it() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("x.lock");
        let first = acquire(&path, "is refreshing", Instant::now(), |_| {}).unwrap();
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
            seen.contains("is refreshing") && seen.contains("pid"),
            "{seen}"
        );
        assert!(matches!(err, LockError::Timeout { .. }));
        drop(first);
        assert!(!holder_path(&path).exists(), "the note goes with the lock");
        acquire(&path, "second", Instant::now(), |_| {}).unwrap();
    }

    #[test]
    fn a_symlink_where_the_lock_goes_is_neither_followed_nor_emptied() {
        let dir = tempfile::tempdir().unwrap();
        let victim = dir.path().join("victim");
        std::fs::write(&victim, "precious").unwrap();
        let path = dir.path().join("x.lock");
        std::os::unix::fs::symlink(&victim, &path).unwrap();
        assert!(matches!(
            acquire(&path, "x", Instant::now(), |_| {}),
            Err(LockError::Io { .. })
        ));
        assert_eq!(std::fs::read_to_string(&victim).unwrap(), "precious");
    }

    #[test]
    fn lock_files_live_in_ssoxs_own_directory() {
        let env = Env::from_pairs([("HOME", "/h")]);
        let p = path(&env, "token", Path::new("/h/.aws/sso/cache/x.json"));
        if cfg!(target_os = "macos") {
            assert!(p.starts_with("/h/Library/Caches/ssox/locks"));
        } else {
            assert!(p.starts_with("/h/.cache/ssox/locks"));
        }
        assert!(
            p.file_name()
                .unwrap()
                .to_str()
                .unwrap()
                .starts_with("token-")
        );
        let env = Env::from_pairs([("HOME", "/h"), ("XDG_CACHE_HOME", "/xdg")]);
        assert!(path(&env, "role", Path::new("/a")).starts_with("/xdg/ssox/locks"));
    }
}
