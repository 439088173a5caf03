//! Opening the user's browser on a login URL: `$BROWSER` when set (a `:`-separated list of
//! commands, `%s` standing for the URL, as Python's `webbrowser` reads it; it counts as a
//! browser even without a display), else the platform's opener: `open` on macOS (the default
//! browser of the logged-in desktop; not over SSH, where that desktop is someone else's
//! screen), `wslview` on WSL, `xdg-open` under X11 or Wayland. The opener runs detached with
//! its output discarded, and the URL is always printed as well, so a failed open costs
//! nothing.

use std::process::{Command, Stdio};

use crate::env::Env;

/// Candidate commands, in order; each is argv with the URL already in place.
fn candidates(env: &Env, url: &str) -> Vec<Vec<String>> {
    if let Some(list) = env.get("BROWSER") {
        return list
            .split(':')
            .filter(|c| !c.trim().is_empty())
            .map(|c| {
                let mut argv: Vec<String> = c.split_whitespace().map(str::to_string).collect();
                if argv.iter().any(|a| a.contains("%s")) {
                    for a in &mut argv {
                        *a = a.replace("%s", url);
                    }
                } else {
                    argv.push(url.to_string());
                }
                argv
            })
            .collect();
    }
    let path = env.get_os("PATH");
    let on_path = |p: &str| which::which_in(p, path, "/").is_ok();
    let mut out = Vec::new();
    let over_ssh = env.get("SSH_CONNECTION").is_some() || env.get("SSH_TTY").is_some();
    if cfg!(target_os = "macos") && !over_ssh {
        out.push(vec!["open".to_string(), url.to_string()]);
    }
    if is_wsl() && on_path("wslview") {
        out.push(vec!["wslview".to_string(), url.to_string()]);
    }
    let display = env.get("DISPLAY").is_some() || env.get("WAYLAND_DISPLAY").is_some();
    if display && on_path("xdg-open") {
        out.push(vec!["xdg-open".to_string(), url.to_string()]);
    }
    out
}

/// WSL is Linux under Windows; its kernel release says so. Elsewhere there is no WSL.
fn is_wsl() -> bool {
    cfg!(target_os = "linux")
        && std::fs::read_to_string("/proc/sys/kernel/osrelease")
            .is_ok_and(|s| s.to_ascii_lowercase().contains("microsoft"))
}

/// Whether a browser could be opened here at all. Over SSH with no display, or in a
/// container, there is none, and the login falls back to the device code flow.
pub fn available(env: &Env) -> bool {
    !candidates(env, "x").is_empty()
}

/// An opener that was started.
pub struct Opened {
    pub name: String,
    ended: std::sync::mpsc::Receiver<Option<std::process::ExitStatus>>,
}

impl Opened {
    /// The opener's exit status if it has ended and failed (a `$BROWSER` that is `false`, an
    /// `xdg-open` with no handler); `None` while it runs or after it succeeded.
    pub fn failed(&self) -> Option<std::process::ExitStatus> {
        match self.ended.try_recv() {
            Ok(Some(status)) if !status.success() => Some(status),
            _ => None,
        }
    }
}

/// Starts the first opener that can be started.
pub fn open(env: &Env, url: &str) -> Option<Opened> {
    for argv in candidates(env, url) {
        let Some((prog, args)) = argv.split_first() else {
            continue;
        };
        let spawned = Command::new(prog)
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn();
        if let Ok(mut child) = spawned {
            // Reap it whenever it ends; a browser may outlive the login.
            let (tx, ended) = std::sync::mpsc::channel();
            std::thread::spawn(move || {
                let _ = tx.send(child.wait().ok());
            });
            return Some(Opened {
                name: prog.clone(),
                ended,
            });
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn browser_variable_substitutes_or_appends_the_url() {
        let env = Env::from_pairs([("BROWSER", "firefox --new-tab %s:lynx")]);
        assert_eq!(
            candidates(&env, "http://u"),
            vec![
                vec!["firefox".to_string(), "--new-tab".into(), "http://u".into()],
                vec!["lynx".to_string(), "http://u".into()],
            ]
        );
        assert!(available(&env));
    }

    #[test]
    fn no_display_and_no_browser_variable_means_no_browser_on_linux() {
        if cfg!(target_os = "linux") && !is_wsl() {
            assert!(!available(&Env::from_pairs([("PATH", "/usr/bin:/bin")])));
        }
    }
}
