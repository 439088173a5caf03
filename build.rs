//! Stamps the version `ssox --version` prints with the commit it was built from: from git
//! when building in a checkout, else from `.git-commit`, which `git archive` fills in (its
//! `export-subst` attribute) for a source tarball such as the one Homebrew builds. Without
//! either, the version is the bare crate version.

use std::path::Path;
use std::process::Command;

fn git(args: &[&str]) -> Option<String> {
    let out = Command::new("git").args(args).output().ok()?;
    let text = String::from_utf8(out.stdout).ok()?;
    let text = text.trim();
    (out.status.success() && !text.is_empty()).then(|| text.to_string())
}

fn main() {
    let version = env!("CARGO_PKG_VERSION");
    println!("cargo:rerun-if-changed=.git-commit");
    let from_git = git(&["log", "-1", "--format=%h %cs"]);
    if let Some(dir) = git(&["rev-parse", "--git-dir"]) {
        // A new commit moves HEAD or the branch it names; rebuild the stamp then.
        let dir = Path::new(&dir);
        for file in ["HEAD", "packed-refs"] {
            if dir.join(file).exists() {
                println!("cargo:rerun-if-changed={}", dir.join(file).display());
            }
        }
        if let Some(branch) = git(&["symbolic-ref", "-q", "HEAD"]) {
            let r = dir.join(branch);
            if r.exists() {
                println!("cargo:rerun-if-changed={}", r.display());
            }
        }
    }
    let stamp = from_git.or_else(|| {
        let text = std::fs::read_to_string(".git-commit").ok()?;
        let text = text.trim();
        (!text.is_empty() && !text.starts_with("$Format")).then(|| text.to_string())
    });
    match stamp {
        Some(stamp) => println!("cargo:rustc-env=SSOX_VERSION={version} ({stamp})"),
        None => println!("cargo:rustc-env=SSOX_VERSION={version}"),
    }
}
