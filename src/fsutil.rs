//! Writing files the way every cache and credentials file must be written: a temporary file
//! in the same directory, mode 0600 from the start, fsync, then rename over the target, so a
//! crash or `kill -9` leaves the old file or the new one and never half of one. A temporary
//! file that a killed run left behind (it may hold secrets) is removed by the next write in
//! that directory. Directories we create are 0700. A file rewritten by root for another
//! user keeps that user as its owner.
//!
//! Reading what someone else may have put at a path ([`read_limited`]): only a regular file,
//! and only up to a size, so `/dev/zero` or a FIFO where a config or a CA bundle should be
//! fails at once instead of growing or hanging.

use std::fs;
use std::io::{self, Write};
use std::os::unix::fs::{DirBuilderExt, MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

/// How temporary files are named: `.ssox-XXXXXX.tmp`.
const TMP_PREFIX: &str = ".ssox-";
const TMP_SUFFIX: &str = ".tmp";
/// A temporary file older than this was left by a run that died: a write takes milliseconds.
const ABANDONED: Duration = Duration::from_secs(10);

/// How much of a config or credentials file ssox reads: far past the largest real one
/// (100,000 profiles is about 11 MB).
pub const MAX_CONFIG: u64 = 64 << 20;
/// How much of a cache file (JSON), a token file or a CA bundle ssox reads.
pub const MAX_SMALL: u64 = 16 << 20;

/// [`read_limited`], with a missing file as `None`: for the config files and the caches, to
/// which a missing file is no error.
pub fn read_if_exists(path: &Path, max: u64) -> io::Result<Option<Vec<u8>>> {
    match read_limited(path, max) {
        Ok(b) => Ok(Some(b)),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e),
    }
}

/// The bytes of the regular file at `path` (symlinks followed), or an error that says what
/// is wrong with it: not a regular file (the open does not wait on a FIFO), or larger than
/// `max` bytes. `NotFound` passes through, for callers to whom a missing file is empty.
pub fn read_limited(path: &Path, max: u64) -> io::Result<Vec<u8>> {
    use std::io::Read;
    let (file, meta) = open_regular(path)?;
    let too_large = || {
        io::Error::new(
            io::ErrorKind::InvalidData,
            format!("it is larger than {} MiB", max >> 20),
        )
    };
    if meta.len() > max {
        return Err(too_large());
    }
    // One read of the whole file where it can (std sizes the buffer from the file's
    // length); a regular file is finite, and one that grew past the limit meanwhile is
    // refused after all. (Through `Read::take` the reads came in growing small pieces: a
    // config of 100,000 profiles took 40 of them.)
    let mut bytes = Vec::with_capacity(usize::try_from(meta.len()).unwrap_or(0).saturating_add(1));
    (&file).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > max {
        return Err(too_large());
    }
    Ok(bytes)
}

/// The regular file at `path` (symlinks followed), open for reading, and its metadata; an
/// error that says what it is when it is not a regular file. The open never waits (on a
/// FIFO, say) and never makes a terminal ssox's own.
pub fn open_regular(path: &Path) -> io::Result<(fs::File, fs::Metadata)> {
    use std::os::unix::fs::{FileTypeExt, OpenOptionsExt};
    let file = fs::OpenOptions::new()
        .read(true)
        .custom_flags(nix::libc::O_NONBLOCK | nix::libc::O_NOCTTY)
        .open(path)?;
    let meta = file.metadata()?;
    let ft = meta.file_type();
    if !ft.is_file() {
        let what = if ft.is_dir() {
            "a directory"
        } else if ft.is_fifo() {
            "a FIFO"
        } else if ft.is_char_device() || ft.is_block_device() {
            "a device"
        } else if ft.is_socket() {
            "a socket"
        } else {
            "something else"
        };
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("it is {what}, not a regular file"),
        ));
    }
    Ok((file, meta))
}

/// Where a chain of symlinks at `path` ends, whether or not that file exists yet.
pub fn link_target(path: &Path) -> PathBuf {
    let mut current = path.to_path_buf();
    // As the kernel: give up on a loop after 40 links.
    for _ in 0..40 {
        let Ok(next) = fs::read_link(&current) else {
            return current;
        };
        current = match current.parent() {
            Some(dir) if next.is_relative() => dir.join(next),
            _ => next,
        };
    }
    current
}

/// Removes the temporary files of ours in `dir` that a killed run left behind.
fn remove_abandoned(dir: &Path) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    let me = nix::unistd::geteuid().as_raw();
    let now = SystemTime::now();
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(name) = name.to_str() else { continue };
        if !(name.starts_with(TMP_PREFIX) && name.ends_with(TMP_SUFFIX)) {
            continue;
        }
        // DirEntry::metadata does not follow a symlink: only our own regular files go.
        let Ok(meta) = entry.metadata() else { continue };
        let old = meta
            .modified()
            .ok()
            .and_then(|m| now.duration_since(m).ok())
            .is_some_and(|age| age > ABANDONED);
        if meta.is_file() && meta.uid() == me && old {
            let _ = fs::remove_file(entry.path());
        }
    }
}

/// Creates `dir` and its missing parents with mode 0700.
pub fn create_private_dir(dir: &Path) -> io::Result<()> {
    fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
}

/// Lowercase hex of `bytes`: digests that name cache files, random nonces.
pub fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(char::from(DIGITS[usize::from(b >> 4)]));
        s.push(char::from(DIGITS[usize::from(b & 15)]));
    }
    s
}

/// The SHA-1 of `bytes` in lower-case hex, as the caches' file names use it (a listing of
/// 10,000 profiles makes 10,000 of them: no formatting machinery).
pub fn sha1_hex(bytes: &[u8]) -> String {
    hex(&sha1_smol::Sha1::from(bytes).digest().bytes())
}

/// Whether [`write_atomic`] could replace `path` now: its directory exists (or is made,
/// 0700) and a file can be created in it. Checked before a step whose result must not be
/// lost, such as spending a refresh token that rotates.
pub fn check_writable(path: &Path) -> io::Result<()> {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    create_private_dir(dir)?;
    tempfile::Builder::new()
        .prefix(TMP_PREFIX)
        .suffix(TMP_SUFFIX)
        .tempfile_in(dir)
        .map(drop)
}

/// Atomically replaces `path` with `contents`, in a file that only its owner can read.
/// With `keep_mode`, an existing file's mode is kept as far as that allows (0400 stays 0400;
/// 0644 becomes 0600, since the file holds secrets); the mode written is returned.
pub fn write_atomic(path: &Path, contents: &[u8], keep_mode: bool) -> io::Result<u32> {
    write_with_mode(path, contents, |old| match old {
        Some(m) if keep_mode => m & 0o600,
        _ => 0o600,
    })
}

/// Atomically replaces a file that holds no secret (`~/.aws/config`) and keeps its mode
/// exactly, 0644 included; a new one is 0600, as the AWS CLI creates it.
pub fn write_atomic_keeping_mode(path: &Path, contents: &[u8]) -> io::Result<u32> {
    write_with_mode(path, contents, |old| old.map_or(0o600, |m| m & 0o7777))
}

fn write_with_mode(
    path: &Path,
    contents: &[u8],
    mode_for: impl Fn(Option<u32>) -> u32,
) -> io::Result<u32> {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    create_private_dir(dir)?;
    remove_abandoned(dir);
    let old = fs::metadata(path).ok();
    let mode = mode_for(old.as_ref().map(|m| m.permissions().mode()));
    // tempfile creates the file 0600 with O_EXCL and removes it if we fail before persisting.
    let mut tmp = tempfile::Builder::new()
        .prefix(TMP_PREFIX)
        .suffix(TMP_SUFFIX)
        .tempfile_in(dir)?;
    tmp.write_all(contents)?;
    if mode != 0o600 {
        tmp.as_file()
            .set_permissions(fs::Permissions::from_mode(mode))?;
    }
    // Root editing another user's file: the file stays theirs.
    if let Some(m) = &old
        && nix::unistd::geteuid().is_root()
        && m.uid() != 0
    {
        std::os::unix::fs::fchown(tmp.as_file(), Some(m.uid()), Some(m.gid()))?;
    }
    tmp.as_file().sync_all()?;
    tmp.persist(path).map_err(|e| e.error)?;
    // Make the rename itself durable.
    if let Ok(d) = fs::File::open(dir) {
        let _ = d.sync_all();
    }
    Ok(mode)
}

/// Why a JSON document did not parse, without quoting any of its values (they may be
/// secrets).
pub fn json_error_reason(e: &serde_json::Error) -> String {
    use serde_json::error::Category;
    let what = match e.classify() {
        Category::Io => "unreadable".to_string(),
        Category::Eof => "truncated".to_string(),
        Category::Syntax => "not valid JSON".to_string(),
        Category::Data => {
            let msg = e.to_string();
            match msg.split_once(" at line") {
                Some((m, _)) if m.starts_with("missing field") => m.to_string(),
                _ => "a key is missing or has the wrong type".to_string(),
            }
        }
    };
    format!("{what} at line {} column {}", e.line(), e.column())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_0600_and_replaces_atomically() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub/dir/file.json");
        write_atomic(&path, b"one", false).unwrap();
        write_atomic(&path, b"two", false).unwrap();
        assert_eq!(fs::read(&path).unwrap(), b"two");
        assert_eq!(
            fs::metadata(&path).unwrap().permissions().mode() & 0o777,
            0o600
        );
        let sub = fs::metadata(dir.path().join("sub/dir")).unwrap();
        assert_eq!(sub.permissions().mode() & 0o777, 0o700);
        let leftovers: Vec<_> = fs::read_dir(path.parent().unwrap()).unwrap().collect();
        assert_eq!(leftovers.len(), 1, "no temp files left behind");
    }

    #[test]
    fn keeps_an_existing_mode_but_never_lets_others_read() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("credentials");
        fs::write(&path, "x").unwrap();
        fs::set_permissions(&path, fs::Permissions::from_mode(0o400)).unwrap();
        assert_eq!(write_atomic(&path, b"y", true).unwrap(), 0o400);
        assert_eq!(
            fs::metadata(&path).unwrap().permissions().mode() & 0o777,
            0o400
        );
        fs::set_permissions(&path, fs::Permissions::from_mode(0o644)).unwrap();
        assert_eq!(write_atomic(&path, b"z", true).unwrap(), 0o600);
        assert_eq!(
            fs::metadata(&path).unwrap().permissions().mode() & 0o777,
            0o600
        );
    }

    #[test]
    fn a_file_without_secrets_keeps_its_exact_mode() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config");
        assert_eq!(write_atomic_keeping_mode(&path, b"x").unwrap(), 0o600);
        fs::set_permissions(&path, fs::Permissions::from_mode(0o644)).unwrap();
        assert_eq!(write_atomic_keeping_mode(&path, b"y").unwrap(), 0o644);
        assert_eq!(
            fs::metadata(&path).unwrap().permissions().mode() & 0o777,
            0o644
        );
    }

    #[test]
    fn abandoned_temporary_files_go_and_fresh_ones_stay() {
        let dir = tempfile::tempdir().unwrap();
        let old = dir.path().join(".ssox-abandoned.tmp");
        fs::write(&old, "secret").unwrap();
        let hour_ago = SystemTime::now() - Duration::from_hours(1);
        fs::File::options()
            .write(true)
            .open(&old)
            .unwrap()
            .set_modified(hour_ago)
            .unwrap();
        let fresh = dir.path().join(".ssox-inprogress.tmp");
        fs::write(&fresh, "x").unwrap();
        let other = dir.path().join("notes.tmp");
        fs::write(&other, "x").unwrap();
        write_atomic(&dir.path().join("f"), b"y", false).unwrap();
        assert!(!old.exists());
        assert!(fresh.exists() && other.exists());
    }

    #[test]
    fn symlink_chains_are_followed_to_a_file_that_may_not_exist() {
        let dir = tempfile::tempdir().unwrap();
        let a = dir.path().join("a");
        std::os::unix::fs::symlink("b", &a).unwrap();
        std::os::unix::fs::symlink(dir.path().join("c"), dir.path().join("b")).unwrap();
        assert_eq!(link_target(&a), dir.path().join("c"));
        assert_eq!(
            link_target(&dir.path().join("plain")),
            dir.path().join("plain")
        );
    }

    #[test]
    fn json_errors_never_quote_values() {
        let e = serde_json::from_str::<Vec<u8>>(r#""AKIASECRET""#).unwrap_err();
        let reason = json_error_reason(&e);
        assert!(!reason.contains("AKIASECRET"), "{reason}");
    }
}
