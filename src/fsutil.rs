//! Writing files the way every cache and credentials file must be written: a temporary file
//! in the same directory, mode 0600 from the start, fsync, then rename over the target, so a
//! crash or `kill -9` leaves the old file or the new one and never half of one. Directories
//! we create are 0700.

use std::fs;
use std::io::{self, Write};
use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
use std::path::Path;

/// Creates `dir` and its missing parents with mode 0700.
pub fn create_private_dir(dir: &Path) -> io::Result<()> {
    fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
}

/// Atomically replaces `path` with `contents`, in a file that only its owner can read.
/// With `keep_mode`, an existing file's mode is kept as far as that allows (0400 stays 0400;
/// 0644 becomes 0600, since the file holds secrets); the mode written is returned.
pub fn write_atomic(path: &Path, contents: &[u8], keep_mode: bool) -> io::Result<u32> {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    create_private_dir(dir)?;
    let mode = if keep_mode {
        fs::metadata(path).map_or(0o600, |m| m.permissions().mode() & 0o600)
    } else {
        0o600
    };
    // tempfile creates the file 0600 with O_EXCL and removes it if we fail before persisting.
    let mut tmp = tempfile::Builder::new()
        .prefix(".ssox-")
        .suffix(".tmp")
        .tempfile_in(dir)?;
    tmp.write_all(contents)?;
    if mode != 0o600 {
        tmp.as_file()
            .set_permissions(fs::Permissions::from_mode(mode))?;
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
    fn json_errors_never_quote_values() {
        let e = serde_json::from_str::<Vec<u8>>(r#""AKIASECRET""#).unwrap_err();
        let reason = json_error_reason(&e);
        assert!(!reason.contains("AKIASECRET"), "{reason}");
    }
}
