//! The shared config files (`~/.aws/config`, `~/.aws/credentials`): where they are, and the
//! merged model of profiles, sso-sessions and services sections the SDKs build from them;
//! resolving a profile into a chain (`resolve`), and the endpoints the files configure
//! (`endpoints`). Pure apart from reading the two files; never touches the network or a
//! cache.

pub mod edit;
pub mod endpoints;
pub mod generate;
pub mod parse;
pub mod profile_env;
pub mod region;
pub mod resolve;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::env::Env;
use crate::error::{Error, Exit};
use crate::log::vlog;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileKind {
    Config,
    Credentials,
}

/// Where a section or property came from, for error messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Origin {
    pub file: FileKind,
    pub line: usize,
}

#[derive(Debug, Clone)]
pub struct Prop {
    pub value: String,
    pub origin: Origin,
}

/// A profile, sso-session or services section after merging duplicates and both files.
#[derive(Debug, Clone)]
pub struct Section {
    pub name: String,
    /// The first header that opened this section.
    pub origin: Origin,
    pub props: BTreeMap<String, Prop>,
}

impl Section {
    pub fn new(name: &str, origin: Origin) -> Self {
        Self {
            name: name.to_string(),
            origin,
            props: BTreeMap::new(),
        }
    }

    /// The value as written; an empty value counts as set (the SDKs' rule).
    pub fn get(&self, key: &str) -> Option<&str> {
        self.props.get(key).map(|p| p.value.as_str())
    }

    /// The value, treating an empty one as unset.
    pub fn get_nonempty(&self, key: &str) -> Option<&str> {
        self.get(key).filter(|v| !v.is_empty())
    }

    pub fn origin_of(&self, key: &str) -> Origin {
        self.props.get(key).map_or(self.origin, |p| p.origin)
    }
}

/// The two files' locations, as the SDKs find them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FilePaths {
    pub config: PathBuf,
    pub credentials: PathBuf,
}

impl FilePaths {
    /// `AWS_CONFIG_FILE` / `AWS_SHARED_CREDENTIALS_FILE`, else `~/.aws/config` and
    /// `~/.aws/credentials`. An override has its variables and then its `~` expanded, as
    /// botocore does (`os.path.expanduser(os.path.expandvars(path))`).
    pub fn from_env(env: &Env) -> Self {
        let home = env.home_dir();
        let pick = |var: &str, default: &str| match env.get(var) {
            Some(p) => expand_user(&expand_vars(p, env), &home),
            None => home.join(default),
        };
        Self {
            config: pick("AWS_CONFIG_FILE", ".aws/config"),
            credentials: pick("AWS_SHARED_CREDENTIALS_FILE", ".aws/credentials"),
        }
    }

    pub fn path(&self, kind: FileKind) -> &Path {
        match kind {
            FileKind::Config => &self.config,
            FileKind::Credentials => &self.credentials,
        }
    }
}

/// Python's `os.path.expandvars`: `$NAME` and `${NAME}` become the variable's value; a
/// variable that is not set stays as it is written.
fn expand_vars(path: &str, env: &Env) -> String {
    let mut out = String::with_capacity(path.len());
    let mut rest = path;
    while let Some(i) = rest.find('$') {
        out.push_str(&rest[..i]);
        let after = &rest[i + 1..];
        let (name, len) = if let Some(braced) = after.strip_prefix('{') {
            match braced.find('}') {
                Some(end) => (&braced[..end], end + 2),
                None => ("", 0),
            }
        } else {
            let end = after
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .unwrap_or(after.len());
            (&after[..end], end)
        };
        match env.get_os(name).and_then(std::ffi::OsStr::to_str) {
            Some(value) if !name.is_empty() => {
                out.push_str(value);
                rest = &after[len..];
            }
            _ => {
                out.push('$');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// Python's `os.path.expanduser`: `~` is the home directory, `~user` that user's.
fn expand_user(path: &str, home: &Path) -> PathBuf {
    let Some(rest) = path.strip_prefix('~') else {
        return PathBuf::from(path);
    };
    let (user, tail) = rest.split_once('/').map_or((rest, ""), |(u, t)| (u, t));
    let base = if user.is_empty() {
        home.to_path_buf()
    } else {
        match nix::unistd::User::from_name(user) {
            Ok(Some(u)) => u.dir,
            _ => return PathBuf::from(path),
        }
    };
    if tail.is_empty() {
        base
    } else {
        base.join(tail)
    }
}

/// Where the profile name came from: error messages say it, and only `Default` lets the
/// picker step in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProfileSource {
    Flag,
    AwsProfile,
    AwsDefaultProfile,
    Default,
    /// Chosen in the picker, because nothing else named one.
    Picked,
}

impl ProfileSource {
    /// How messages name the source, e.g. "from AWS_PROFILE".
    pub fn describe(self) -> &'static str {
        match self {
            ProfileSource::Flag => "given with -p",
            ProfileSource::AwsProfile => "from AWS_PROFILE",
            ProfileSource::AwsDefaultProfile => "from AWS_DEFAULT_PROFILE",
            ProfileSource::Default => "the default",
            ProfileSource::Picked => "chosen in the picker",
        }
    }
}

/// `-p`, else `AWS_PROFILE`, else `AWS_DEFAULT_PROFILE`, else `default` (the AWS CLI v2's order).
pub fn profile_name(cli: Option<&str>, env: &Env) -> (String, ProfileSource) {
    if let Some(p) = cli.filter(|p| !p.is_empty()) {
        return (p.to_string(), ProfileSource::Flag);
    }
    if let Some(p) = env.get("AWS_PROFILE") {
        return (p.to_string(), ProfileSource::AwsProfile);
    }
    if let Some(p) = env.get("AWS_DEFAULT_PROFILE") {
        return (p.to_string(), ProfileSource::AwsDefaultProfile);
    }
    ("default".to_string(), ProfileSource::Default)
}

/// Everything in both files, merged by the SDKs' rules.
#[derive(Debug, Clone, Default)]
pub struct ConfigSet {
    pub profiles: BTreeMap<String, Section>,
    pub sso_sessions: BTreeMap<String, Section>,
    /// `[services NAME]` sections; their values are raw sub-property blocks.
    pub services: BTreeMap<String, Section>,
    /// Which files existed, so "profile not found" can say that the file is missing.
    pub found: Vec<FileKind>,
    /// Config-file sections the SDKs ignore (`[staging]` without `profile `), by header, so
    /// "profile not found" can point at one that was meant to be a profile.
    pub ignored: Vec<(String, Origin)>,
}

#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("cannot read {}: {source}", path.display())]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{}:{line}: {message}", path.display())]
    Parse {
        path: PathBuf,
        line: usize,
        message: String,
    },
    #[error("{} starts with a UTF-8 byte-order mark, which the AWS SDKs reject", path.display())]
    ByteOrderMark { path: PathBuf },
}

impl ConfigSet {
    /// Reads and merges both files. A missing file is an empty file, as for the SDKs.
    pub fn load(paths: &FilePaths) -> Result<Self, LoadError> {
        let mut set = ConfigSet::default();
        for kind in [FileKind::Config, FileKind::Credentials] {
            let path = paths.path(kind);
            let bytes = match crate::fsutil::read_limited(path, crate::fsutil::MAX_CONFIG) {
                Ok(b) => b,
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
                Err(source) => {
                    return Err(LoadError::Read {
                        path: path.to_path_buf(),
                        source,
                    });
                }
            };
            if bytes.starts_with(b"\xEF\xBB\xBF") {
                return Err(LoadError::ByteOrderMark {
                    path: path.to_path_buf(),
                });
            }
            set.merge_text(&String::from_utf8_lossy(&bytes), kind)
                .map_err(|e| LoadError::Parse {
                    path: path.to_path_buf(),
                    line: e.line,
                    message: e.message,
                })?;
            set.found.push(kind);
        }
        Ok(set)
    }

    /// Parses one file's text and merges it in; later files override earlier keys.
    pub fn merge_text(&mut self, text: &str, kind: FileKind) -> Result<(), parse::ParseError> {
        let sections = parse::parse(text)?;
        let mut classified = Vec::new();
        for s in &sections {
            match classify(&s.header, kind) {
                Some((c, name)) => classified.push((c, name, s)),
                None => self.ignored.push((
                    s.header.trim_matches([' ', '\t']).to_string(),
                    Origin {
                        file: kind,
                        line: s.line,
                    },
                )),
            }
        }
        // `[profile default]` anywhere in the config file beats `[default]`, whatever the order.
        let has_prefixed_default = classified.iter().any(|(c, name, _)| {
            matches!(c, Class::Profile { prefixed: true }) && name == "default"
        });
        for (class, name, raw) in classified {
            let origin = Origin {
                file: kind,
                line: raw.line,
            };
            let map = match class {
                Class::Profile { prefixed } => {
                    if has_prefixed_default && name == "default" && !prefixed {
                        continue;
                    }
                    &mut self.profiles
                }
                Class::SsoSession => &mut self.sso_sessions,
                Class::Services => &mut self.services,
            };
            let section = map
                .entry(name.clone())
                .or_insert_with(|| Section::new(&name, origin));
            for p in &raw.properties {
                if parse::is_identifier(&p.key) {
                    section.props.insert(
                        p.key.clone(),
                        Prop {
                            value: p.value.clone(),
                            origin: Origin {
                                file: kind,
                                line: p.line,
                            },
                        },
                    );
                }
            }
        }
        Ok(())
    }

    pub fn profile(&self, name: &str) -> Option<&Section> {
        self.profiles.get(name)
    }

    /// Existing profile names closest to `name` (for "did you mean"), best first.
    pub fn similar_profiles(&self, name: &str) -> Vec<&str> {
        similar(name, self.profiles.keys().map(String::as_str))
    }
}

/// The `candidates` closest to `name` (for "did you mean"), best first, three at most. Names
/// are compared only up to [`SIMILAR_UP_TO`] characters: a typo is short, and the edit
/// distance grows with the product of the two lengths.
pub fn similar<'a>(name: &str, candidates: impl Iterator<Item = &'a str>) -> Vec<&'a str> {
    let short = |s: &str| -> String {
        s.chars()
            .take(SIMILAR_UP_TO)
            .collect::<String>()
            .to_lowercase()
    };
    if name.chars().count() > SIMILAR_UP_TO {
        return Vec::new();
    }
    let lname = short(name);
    let mut scored: Vec<(usize, &str)> = candidates
        .filter(|p| p.chars().count() <= SIMILAR_UP_TO)
        .filter_map(|p| {
            let lp = short(p);
            let d = strsim::levenshtein(&lname, &lp);
            let close = d <= 2.max(lname.len() / 3) || lp.contains(&lname) || lname.contains(&lp);
            close.then_some((d, p))
        })
        .collect();
    scored.sort_unstable();
    scored.into_iter().take(3).map(|(_, p)| p).collect()
}

/// How much of a name "did you mean" looks at.
pub const SIMILAR_UP_TO: usize = 100;

/// Reads both files, with failures phrased for the user: the file, the line, the fix.
pub fn load(env: &Env, paths: &FilePaths) -> Result<ConfigSet, Error> {
    let set = ConfigSet::load(paths).map_err(|e| match e {
        LoadError::Read { path, source } => Error::new(
            Exit::Io,
            format!("cannot read {}: {source}", env.tilde(&path)),
        ),
        LoadError::Parse {
            path,
            line,
            message,
        } => Error::new(
            Exit::Config,
            format!("{} line {line}: {message}", env.tilde(&path)),
        )
        .hint("fix that line"),
        LoadError::ByteOrderMark { path } => Error::new(
            Exit::Config,
            format!(
                "{} starts with a UTF-8 byte-order mark, which the AWS SDKs cannot read",
                env.tilde(&path)
            ),
        )
        .hint("save the file as UTF-8 without BOM"),
    })?;
    for kind in [FileKind::Config, FileKind::Credentials] {
        let state = if set.found.contains(&kind) {
            "read"
        } else {
            "not found"
        };
        vlog!("{} {state}", env.tilde(paths.path(kind)));
    }
    Ok(set)
}

/// The profile a config-file section header (its inside, as [`parse::header_inside`] gives
/// it) opens, if it opens one.
pub fn profile_of_header(header: &str) -> Option<String> {
    match classify(header, FileKind::Config)? {
        (Class::Profile { .. }, name) => Some(name),
        _ => None,
    }
}

enum Class {
    Profile { prefixed: bool },
    SsoSession,
    Services,
}

/// What a section header means in a file of this kind, and the section's name; `None` for
/// sections the SDKs ignore. A name in quotes (`[profile 'team prof']`, as `aws configure
/// sso` writes a name with a space) is unquoted the way botocore does it, with shlex.
fn classify(header: &str, kind: FileKind) -> Option<(Class, String)> {
    let header = header.trim_matches([' ', '\t']);
    if kind == FileKind::Credentials {
        return parse::is_identifier(header)
            .then(|| (Class::Profile { prefixed: false }, header.to_string()));
    }
    if header == "default" {
        return Some((Class::Profile { prefixed: false }, header.to_string()));
    }
    let (word, rest) = header.split_once([' ', '\t'])?;
    let class = match word {
        "profile" => Class::Profile { prefixed: true },
        "sso-session" => Class::SsoSession,
        "services" => Class::Services,
        _ => return None,
    };
    let rest = rest.trim_matches([' ', '\t']);
    if rest.contains(['\'', '"']) {
        let mut words = crate::shell::split(rest).ok()?;
        return (words.len() == 1 && !words[0].is_empty()).then(|| (class, words.remove(0)));
    }
    parse::is_identifier(rest).then(|| (class, rest.to_string()))
}

#[cfg(test)]
mod tests;
