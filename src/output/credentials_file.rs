//! Writing role credentials into a section of the shared credentials file
//! (`-c/--credentials-file-profile NAME`) for tools that only read `~/.aws/credentials`.
//!
//! A line editor, not an INI rewriter: only `aws_access_key_id`, `aws_secret_access_key`,
//! `aws_session_token` and `aws_credential_expiration` change in that section (a stale
//! `aws_security_token` goes); every other byte of the file stays as it was. A section that
//! holds long-term keys is not overwritten without `force`. The file is replaced atomically
//! under a lock, keeping its mode (new files are 0600).

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crate::credentials::Credentials;
use crate::timefmt;

const MANAGED: [&str; 5] = [
    "aws_access_key_id",
    "aws_secret_access_key",
    "aws_session_token",
    "aws_security_token",
    "aws_credential_expiration",
];

#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    #[error(
        "section [{section}] of {} holds long-term keys (an access key without a session token); ssox will not overwrite them",
        path.display()
    )]
    LongTermKeys { path: PathBuf, section: String },
    #[error("{} is not UTF-8 text; ssox will not edit it", path.display())]
    NotText { path: PathBuf },
    #[error("cannot update {}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{0}")]
    Lock(#[from] crate::lock::LockError),
}

/// The section name of a header line in a credentials file, if it is one.
fn header_name(line: &str) -> Option<&str> {
    let t = line.trim_matches([' ', '\t', '\r', '\n']);
    let inner = t.strip_prefix('[')?;
    let end = inner.find(']')?;
    Some(inner[..end].trim_matches([' ', '\t']))
}

/// The (lower-cased) key of a property line.
fn key_of(line: &str) -> Option<String> {
    if line.starts_with([' ', '\t', '#', ';', '[']) {
        return None;
    }
    let (k, _) = line.split_once('=')?;
    Some(k.trim_matches([' ', '\t']).to_ascii_lowercase())
}

fn is_continuation(line: &str) -> bool {
    line.starts_with([' ', '\t']) && !line.trim_matches([' ', '\t', '\r', '\n']).is_empty()
}

/// Returns the new file text. Pure.
pub fn update_text(
    text: &str,
    section: &str,
    creds: &Credentials,
    force: bool,
) -> Result<String, String> {
    let newline = if text.contains("\r\n") { "\r\n" } else { "\n" };
    let lines: Vec<&str> = text.split_inclusive('\n').collect();
    // Each line's section (index of its header among matches) or None.
    let mut in_target = vec![false; lines.len()];
    let mut headers: Vec<usize> = Vec::new();
    let mut current = false;
    for (i, line) in lines.iter().enumerate() {
        if let Some(name) = header_name(line) {
            current = name == section;
            if current {
                headers.push(i);
            }
        } else {
            in_target[i] = current;
        }
    }
    // Long-term keys: an access key and no session token in the merged section.
    let mut has_key = false;
    let mut has_token = false;
    for (i, line) in lines.iter().enumerate() {
        if in_target[i] {
            match key_of(line).as_deref() {
                Some("aws_access_key_id") => has_key = true,
                Some("aws_session_token" | "aws_security_token") => has_token = true,
                _ => {}
            }
        }
    }
    if has_key && !has_token && !force {
        return Err(section.to_string());
    }
    let mut new_lines = vec![
        format!(
            "aws_access_key_id = {}{newline}",
            creds.access_key_id.expose()
        ),
        format!(
            "aws_secret_access_key = {}{newline}",
            creds.secret_access_key.expose()
        ),
    ];
    if let Some(t) = &creds.session_token {
        new_lines.push(format!("aws_session_token = {}{newline}", t.expose()));
    }
    if let Some(e) = creds.expiration {
        new_lines.push(format!(
            "aws_credential_expiration = {}{newline}",
            timefmt::format_rfc3339(e)
        ));
    }
    let mut out = String::with_capacity(text.len() + 512);
    let Some(&last_header) = headers.last() else {
        out.push_str(text);
        if !out.is_empty() && !out.ends_with('\n') {
            out.push_str(newline);
        }
        if !out.is_empty() {
            out.push_str(newline);
        }
        out.push('[');
        out.push_str(section);
        out.push(']');
        out.push_str(newline);
        out.push_str(&new_lines.concat());
        return Ok(out);
    };
    // Where to insert: after the last non-blank, non-comment line of the last matching section.
    let mut insert_after = last_header;
    for (i, line) in lines.iter().enumerate().skip(last_header + 1) {
        if !in_target[i] {
            break;
        }
        let t = line.trim();
        if !t.is_empty() && !t.starts_with(['#', ';']) {
            insert_after = i;
        }
    }
    let mut dropping = false;
    for (i, line) in lines.iter().enumerate() {
        if in_target[i] {
            if key_of(line).is_some_and(|k| MANAGED.contains(&k.as_str())) {
                dropping = true;
            } else if !(dropping && is_continuation(line)) {
                dropping = false;
                out.push_str(line);
            }
        } else {
            dropping = false;
            out.push_str(line);
        }
        if i == insert_after {
            if !out.ends_with('\n') {
                out.push_str(newline);
            }
            out.push_str(&new_lines.concat());
        }
    }
    Ok(out)
}

/// What `write` did.
pub struct Written {
    /// The file written (a symlink's target).
    pub path: PathBuf,
    /// The old mode, when it let others read the file and was narrowed to 0600.
    pub narrowed_from: Option<u32>,
}

/// Updates `section` of the credentials file at `path` atomically, under the lock at
/// `lock_path`.
pub fn write(
    path: &Path,
    lock_path: &Path,
    section: &str,
    creds: &Credentials,
    force: bool,
) -> Result<Written, WriteError> {
    // Edit the file a symlink points to, not the symlink, even when it does not exist yet
    // (a dotfiles link made before the file).
    let path = crate::fsutil::link_target(path);
    let io = |source| WriteError::Io {
        path: path.clone(),
        source,
    };
    if let Some(dir) = path.parent() {
        crate::fsutil::create_private_dir(dir).map_err(io)?;
    }
    let _guard = crate::lock::acquire(
        lock_path,
        "is writing the credentials file",
        Instant::now() + Duration::from_secs(30),
        |_| {},
    )?;
    let text = match crate::fsutil::read_limited(&path, crate::fsutil::MAX_CONFIG) {
        Ok(bytes) => {
            String::from_utf8(bytes).map_err(|_| WriteError::NotText { path: path.clone() })?
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
        Err(e) => return Err(io(e)),
    };
    let new =
        update_text(&text, section, creds, force).map_err(|section| WriteError::LongTermKeys {
            path: path.clone(),
            section,
        })?;
    let old_mode = std::fs::metadata(&path)
        .ok()
        .map(|m| std::os::unix::fs::PermissionsExt::mode(&m.permissions()) & 0o777);
    crate::fsutil::write_atomic(&path, new.as_bytes(), true).map_err(io)?;
    Ok(Written {
        path,
        narrowed_from: old_mode.filter(|m| m & 0o077 != 0),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::secret::Secret;

    fn creds() -> Credentials {
        Credentials {
            access_key_id: Secret::new("ASIANEW"),
            secret_access_key: Secret::new("newsecret"),
            session_token: Some(Secret::new("newtoken")),
            expiration: Some(1_704_139_200),
            account_id: None,
        }
    }

    const NEW: &str = "aws_access_key_id = ASIANEW\naws_secret_access_key = newsecret\naws_session_token = newtoken\naws_credential_expiration = 2024-01-01T20:00:00Z\n";

    #[test]
    fn replaces_only_the_managed_keys_and_keeps_every_other_byte() {
        let text = "# my creds\n[default]\naws_access_key_id=AKIAKEEP\naws_secret_access_key=keep\n\n\
                    [dev]  ; ssox writes here\nregion = us-west-2\naws_access_key_id = ASIAOLD\n\
                    aws_secret_access_key = old\naws_session_token = oldtoken\n  continued-old\naws_security_token = oldtoken\n\
                    # trailing comment\n\n[other]\nx = 1";
        let out = update_text(text, "dev", &creds(), false).unwrap();
        assert_eq!(
            out,
            format!(
                "# my creds\n[default]\naws_access_key_id=AKIAKEEP\naws_secret_access_key=keep\n\n\
                 [dev]  ; ssox writes here\nregion = us-west-2\n{NEW}# trailing comment\n\n[other]\nx = 1"
            )
        );
    }

    #[test]
    fn appends_a_missing_section_and_creates_a_missing_file() {
        assert_eq!(
            update_text("", "dev", &creds(), false).unwrap(),
            format!("[dev]\n{NEW}")
        );
        assert_eq!(
            update_text("[a]\nx = 1", "dev", &creds(), false).unwrap(),
            format!("[a]\nx = 1\n\n[dev]\n{NEW}")
        );
    }

    #[test]
    fn refuses_to_clobber_long_term_keys_without_force() {
        let text = "[dev]\naws_access_key_id = AKIALONGTERM\naws_secret_access_key = s\n";
        assert_eq!(
            update_text(text, "dev", &creds(), false),
            Err("dev".to_string())
        );
        assert_eq!(
            update_text(text, "dev", &creds(), true).unwrap(),
            format!("[dev]\n{NEW}")
        );
    }

    #[test]
    fn keeps_crlf_line_endings() {
        let out = update_text("[dev]\r\nregion = x\r\n", "dev", &creds(), false).unwrap();
        assert!(
            out.starts_with("[dev]\r\nregion = x\r\naws_access_key_id = ASIANEW\r\n"),
            "{out:?}"
        );
        assert!(!out.replace("\r\n", "").contains('\n'));
    }
}
