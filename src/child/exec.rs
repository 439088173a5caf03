//! Finding PROGRAM and becoming it. Lookup happens before any network or browser work, so a
//! typo costs nothing and never triggers a login. `exec` replaces ssox (same PID; signals,
//! terminal and stdin go straight to PROGRAM; its exit status is the exit status). std's
//! `exec` restores default SIGPIPE handling and the signal mask before the call.

use std::ffi::{OsStr, OsString};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::error::{Error, Exit, NAME_IN_MESSAGE, clip};

/// PROGRAM, found on PATH (or given as a path), ready to exec.
#[derive(Debug, Clone)]
pub struct Program {
    pub path: PathBuf,
    /// What the user typed, passed as argv[0].
    pub name: OsString,
    pub args: Vec<OsString>,
}

fn not_found(name: &OsStr) -> Error {
    Error::new(
        Exit::NotFound,
        format!(
            "{}: command not found",
            clip(&name.to_string_lossy(), NAME_IN_MESSAGE)
        ),
    )
}

fn not_executable(name: &OsStr) -> Error {
    Error::new(
        Exit::CannotExecute,
        format!(
            "{}: permission denied",
            clip(&name.to_string_lossy(), NAME_IN_MESSAGE)
        ),
    )
}

fn is_executable_file(p: &Path) -> bool {
    std::fs::metadata(p).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

/// Resolves PROGRAM like `execvp` would: a name with a `/` is a path, anything else is
/// searched on `path_var`. A match that exists but cannot run is exit 126, none is 127.
pub fn resolve(
    command: &[OsString],
    path_var: Option<&OsStr>,
    cwd: &Path,
) -> Result<Program, Error> {
    let (name, args) = command
        .split_first()
        .ok_or_else(|| Error::new(Exit::Usage, "no PROGRAM given"))?;
    if name.is_empty() {
        return Err(not_found(name));
    }
    let found = if name.as_bytes().contains(&b'/') {
        let p = cwd.join(name);
        if !p.exists() {
            return Err(not_found(name));
        }
        if !is_executable_file(&p) {
            return Err(not_executable(name));
        }
        p
    } else if let Ok(p) = which::which_in(name, path_var, cwd) {
        p
    } else {
        // `which` skips non-executable files; the shell reports those as 126.
        let blocked = path_var
            .into_iter()
            .flat_map(std::env::split_paths)
            .any(|dir| {
                let p = dir.join(name);
                p.is_file() && !is_executable_file(&p)
            });
        return Err(if blocked {
            not_executable(name)
        } else {
            not_found(name)
        });
    };
    Ok(Program {
        path: found,
        name: name.clone(),
        args: args.to_vec(),
    })
}

/// Replaces this process with `program`, with the user's own core-file limit. Only returns
/// on failure.
pub fn exec(program: &Program, env: Vec<(OsString, OsString)>) -> Error {
    crate::limits::restore_core();
    let err = Command::new(&program.path)
        .arg0(&program.name)
        .args(&program.args)
        .env_clear()
        .envs(env)
        .exec();
    let name = clip(&program.name.to_string_lossy(), NAME_IN_MESSAGE);
    if err.kind() == std::io::ErrorKind::NotFound {
        not_found(&program.name)
    } else {
        Error::new(
            Exit::CannotExecute,
            format!("{name}: cannot execute: {err}"),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;

    #[test]
    fn finds_programs_and_tells_missing_from_unrunnable() {
        let dir = tempfile::tempdir().unwrap();
        let runnable = dir.path().join("tool");
        fs::write(&runnable, "#!/bin/sh\n").unwrap();
        fs::set_permissions(&runnable, fs::Permissions::from_mode(0o755)).unwrap();
        let plain = dir.path().join("data");
        fs::write(&plain, "x").unwrap();
        let path = dir.path().as_os_str();
        let argv = |s: &str| vec![OsString::from(s), OsString::from("arg")];

        let p = resolve(&argv("tool"), Some(path), dir.path()).unwrap();
        assert_eq!(p.path, runnable);
        assert_eq!(p.args, vec![OsString::from("arg")]);
        assert_eq!(
            resolve(&argv("nope"), Some(path), dir.path())
                .unwrap_err()
                .exit,
            Exit::NotFound
        );
        assert_eq!(
            resolve(&argv("data"), Some(path), dir.path())
                .unwrap_err()
                .exit,
            Exit::CannotExecute
        );
        assert_eq!(
            resolve(&argv("./data"), None, dir.path()).unwrap_err().exit,
            Exit::CannotExecute
        );
        assert_eq!(
            resolve(&argv("./nope"), None, dir.path()).unwrap_err().exit,
            Exit::NotFound
        );
        assert!(resolve(&argv("./tool"), None, dir.path()).is_ok());
    }
}
