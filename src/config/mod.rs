//! The shared config files (`~/.aws/config`, `~/.aws/credentials`): where they are, and the
//! merged model of profiles, sso-sessions and services sections the SDKs build from them;
//! resolving a profile into a chain (`resolve`), and the endpoints the files configure
//! (`endpoints`). Pure apart from reading the two files; never touches the network or a
//! cache.

pub mod edit;
pub mod endpoints;
pub mod generate;
mod index;
pub mod parse;
pub mod profile_env;
pub mod region;
pub mod resolve;

use std::collections::{BTreeMap, BTreeSet};
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
    pub props: Props,
}

/// A section's properties by key, in key order: a sorted vector, which for the handful of
/// keys a section has is a third the size of a tree and as fast (a config of 10,000
/// profiles holds 50,000 properties, and `ssox profiles` builds them all).
#[derive(Debug, Clone, Default)]
pub struct Props(Vec<(String, Prop)>);

impl Props {
    fn at(&self, key: &str) -> Result<usize, usize> {
        self.0.binary_search_by(|(k, _)| k.as_str().cmp(key))
    }

    pub fn get(&self, key: &str) -> Option<&Prop> {
        self.at(key).ok().map(|i| &self.0[i].1)
    }

    /// Sets `key`, replacing an earlier value (a later key wins).
    pub fn insert(&mut self, key: String, prop: Prop) {
        match self.at(&key) {
            Ok(i) => self.0[i].1 = prop,
            Err(i) => self.0.insert(i, (key, prop)),
        }
    }

    pub fn iter(&self) -> impl Iterator<Item = (&String, &Prop)> {
        self.0.iter().map(|(k, p)| (k, p))
    }
}

impl Extend<(String, Prop)> for Props {
    fn extend<T: IntoIterator<Item = (String, Prop)>>(&mut self, iter: T) {
        for (k, p) in iter {
            self.insert(k, p);
        }
    }
}

impl IntoIterator for Props {
    type Item = (String, Prop);
    type IntoIter = std::vec::IntoIter<(String, Prop)>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.into_iter()
    }
}

impl<'a> IntoIterator for &'a Props {
    type Item = (&'a String, &'a Prop);
    type IntoIter = std::iter::Map<
        std::slice::Iter<'a, (String, Prop)>,
        fn(&'a (String, Prop)) -> (&'a String, &'a Prop),
    >;
    fn into_iter(self) -> Self::IntoIter {
        self.0.iter().map(|(k, p)| (k, p))
    }
}

impl Section {
    pub fn new(name: &str, origin: Origin) -> Self {
        Self {
            name: name.to_string(),
            origin,
            props: Props::default(),
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
    /// Only the sections one profile needs were read ([`ConfigSet::load_for`]): whatever
    /// else a message wants (every name, for "did you mean") needs a full load.
    pub partial: bool,
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

/// One file's text as the parser reads it, `None` when the file does not exist.
fn read_text(path: &Path) -> Result<Option<String>, LoadError> {
    read_checked(path, None)
}

/// What tells one version of a file from another without reading it: device, inode, size,
/// and modification and change times to the nanosecond.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Identity([i64; 7]);

impl Identity {
    fn of(m: &std::fs::Metadata) -> Self {
        use std::os::unix::fs::MetadataExt;
        #[allow(
            clippy::cast_possible_wrap,
            reason = "device and inode numbers are compared, never computed with"
        )]
        Self([
            m.dev() as i64,
            m.ino() as i64,
            i64::try_from(m.size()).unwrap_or(i64::MAX),
            m.mtime(),
            m.mtime_nsec(),
            m.ctime(),
            m.ctime_nsec(),
        ])
    }
}

/// Reads a file, and with `identity` also says which version of it was read: `None` when it
/// changed while it was read (its identity before and after differ), or when the text is
/// not the file's bytes (a carriage return or invalid UTF-8 was replaced).
fn read_checked(
    path: &Path,
    identity: Option<&mut Option<Identity>>,
) -> Result<Option<String>, LoadError> {
    let before = identity
        .is_some()
        .then(|| std::fs::metadata(path).ok().map(|m| Identity::of(&m)))
        .flatten();
    let read = crate::fsutil::read_if_exists(path, crate::fsutil::MAX_CONFIG);
    let Some(bytes) = read.map_err(|source| LoadError::Read {
        path: path.to_path_buf(),
        source,
    })?
    else {
        return Ok(None);
    };
    if bytes.starts_with(b"\xEF\xBB\xBF") {
        return Err(LoadError::ByteOrderMark {
            path: path.to_path_buf(),
        });
    }
    let (text, mut verbatim) = match String::from_utf8(bytes) {
        Ok(t) => (t, true),
        Err(e) => (String::from_utf8_lossy(e.as_bytes()).into_owned(), false),
    };
    let text = match parse::normalise_newlines(&text) {
        std::borrow::Cow::Borrowed(_) => text,
        std::borrow::Cow::Owned(t) => {
            verbatim = false;
            t
        }
    };
    if let Some(slot) = identity {
        let after = std::fs::metadata(path).ok().map(|m| Identity::of(&m));
        // Only a text whose offsets are the file's may be indexed.
        *slot = before.filter(|b| verbatim && Some(*b) == after);
    }
    Ok(Some(text))
}

/// How long after its last change a file must be before a stamp may vouch for it: on a
/// file system whose times are coarse, a change within the same tick keeps the same times,
/// so a file that changed this recently is checked whole each time (git's "racily clean"
/// rule) until it has been still for this long.
const STILL_FOR: i64 = 2;

/// The stamps of files found free of syntax errors, in ssox's own directory (0700): each is
/// the file's section index (see [`index`]). A stamp vouches for one version of one file: a
/// file whose identity differs (any write changes its size, times or inode), or whose bytes
/// disagree with the index, is checked whole again and indexed anew. Writers replace a
/// stamp atomically, and any two write the same index for the same version.
pub struct Stamps {
    pub dir: PathBuf,
    /// The time of the check (a file must have been still for [`STILL_FOR`] before it).
    pub now: crate::timefmt::Timestamp,
}

impl Stamps {
    fn path(&self, file: &Path) -> PathBuf {
        use std::os::unix::ffi::OsStrExt;
        let name = crate::fsutil::sha1_hex(file.as_os_str().as_bytes());
        self.dir.join(name)
    }

    /// The index of `file` if one vouches for it as it is now (`identity`). Only ssox's own
    /// regular file in its own directory is read: never a link, never another user's file.
    fn index(&self, file: &Path, identity: Identity) -> Option<index::Index> {
        use std::os::unix::fs::{MetadataExt, OpenOptionsExt};
        let f = std::fs::OpenOptions::new()
            .read(true)
            .custom_flags(nix::libc::O_NOFOLLOW | nix::libc::O_NONBLOCK)
            .open(self.path(file))
            .ok()?;
        let meta = f.metadata().ok()?;
        if !meta.is_file() || meta.uid() != nix::unistd::geteuid().as_raw() {
            return None;
        }
        index::Index::open(f, identity.0)
    }

    /// Keeps the index of a file just checked whole, if it has been still long enough and
    /// its text is its bytes (no carriage return, valid UTF-8: the offsets are the file's).
    fn record(&self, file: &Path, id: Identity, kind: FileKind, headers: &[parse::HeaderAt<'_>]) {
        if id.0[3] + STILL_FOR >= self.now || id.0[5] + STILL_FOR >= self.now {
            return;
        }
        let Some(entries) = index::entries(headers) else {
            return;
        };
        let has_prefixed_default = headers.iter().any(|h| is_prefixed_default(h.inside, kind));
        let bytes = index::encode(id.0, has_prefixed_default, &entries);
        let written = crate::fsutil::create_private_dir(&self.dir)
            .and_then(|()| crate::fsutil::write_atomic(&self.path(file), &bytes, false));
        if let Err(e) = written {
            vlog!("could not keep an index of {}: {e}", file.display());
        }
    }
}

/// The names a partial load still has to find, by kind of section.
#[derive(Default)]
struct Wanted {
    profiles: BTreeSet<String>,
    sessions: BTreeSet<String>,
    services: BTreeSet<String>,
}

/// Whether a header (its inside) is `[profile default]` in the config file, which beats a
/// `[default]` wherever each stands. The cheap look at its end comes first: the index
/// asks this of every header.
fn is_prefixed_default(inside: &str, kind: FileKind) -> bool {
    kind == FileKind::Config
        && inside
            .trim_end_matches([' ', '\t'])
            .trim_end_matches(['\'', '"'])
            .ends_with("default")
        && matches!(
            classify_ref(inside, kind),
            Some((Class::Profile { prefixed: true }, n)) if n == "default"
        )
}

impl Wanted {
    fn is_empty(&self) -> bool {
        self.profiles.is_empty() && self.sessions.is_empty() && self.services.is_empty()
    }

    fn wants(&self, class: &Class, name: &str) -> bool {
        match class {
            Class::Profile { .. } => self.profiles.contains(name),
            Class::SsoSession => self.sessions.contains(name),
            Class::Services => self.services.contains(name),
        }
    }

    /// Whether a header could name one of them: a cheap look before classifying it (a
    /// section's name ends its header, before any closing quote; a name with an escape in
    /// its quotes is always classified).
    fn may_name(names: &[&str], inside: &str) -> bool {
        let end = inside
            .trim_end_matches([' ', '\t'])
            .trim_end_matches(['\'', '"']);
        names.iter().any(|n| end.ends_with(n)) || memchr::memchr(b'\\', inside.as_bytes()).is_some()
    }

    fn names(&self) -> Vec<&str> {
        self.profiles
            .iter()
            .chain(&self.sessions)
            .chain(&self.services)
            .map(String::as_str)
            .collect()
    }
}

/// One file of a partial load: read whole and checked line by line, or (vouched for by its
/// index) only its needed sections read where they are.
enum Source {
    Text {
        kind: FileKind,
        path: PathBuf,
        text: String,
        /// Each section's bytes and first line.
        index: Vec<(usize, usize, usize)>,
    },
    Indexed {
        kind: FileKind,
        path: PathBuf,
        file: std::fs::File,
        id: Identity,
        index: index::Index,
        /// Set when a section is not where the index says: the file is not the one indexed.
        moved: std::cell::Cell<bool>,
    },
}

impl Source {
    fn kind(&self) -> FileKind {
        match self {
            Source::Text { kind, .. } | Source::Indexed { kind, .. } => *kind,
        }
    }

    /// The indexed form of `path`, if an index vouches for the file as it is now.
    fn indexed(kind: FileKind, path: &Path, stamps: &Stamps) -> Option<Self> {
        let (file, meta) = crate::fsutil::open_regular(path).ok()?;
        let id = Identity::of(&meta);
        let index = stamps.index(path, id)?;
        Some(Source::Indexed {
            kind,
            path: path.to_path_buf(),
            file,
            id,
            index,
            moved: std::cell::Cell::new(false),
        })
    }

    /// Whether an indexed file is no longer the one its index vouched for.
    fn changed(&self) -> bool {
        match self {
            Source::Text { .. } => false,
            Source::Indexed {
                file, id, moved, ..
            } => moved.get() || file.metadata().map_or(true, |m| Identity::of(&m) != *id),
        }
    }

    /// The sections of this file that `wanted` names, in file order, and whether the file
    /// has a `[profile default]`.
    fn sections(&self, wanted: &Wanted) -> Result<(Vec<parse::RawSection>, bool), LoadError> {
        let kind = self.kind();
        let (Source::Text { path, .. } | Source::Indexed { path, .. }) = self;
        let parse_error = |e: parse::ParseError| LoadError::Parse {
            path: path.clone(),
            line: e.line,
            message: e.message,
        };
        let mut out = Vec::new();
        match self {
            Source::Text { text, index, .. } => {
                let names = wanted.names();
                let mut has_prefixed_default = false;
                for &(start, end, line) in index {
                    let inside = text[start..]
                        .split('\n')
                        .next()
                        .and_then(parse::header_inside)
                        .unwrap_or_default();
                    has_prefixed_default |= is_prefixed_default(inside, kind);
                    if !Wanted::may_name(&names, inside) {
                        continue;
                    }
                    if let Some((class, name)) = classify_ref(inside, kind)
                        && wanted.wants(&class, &name)
                    {
                        out.extend(
                            parse::parse_from(&text[start..end], line).map_err(parse_error)?,
                        );
                    }
                }
                Ok((out, has_prefixed_default))
            }
            Source::Indexed {
                file,
                id,
                index,
                moved,
                ..
            } => {
                let keys: Vec<u64> = wanted.names().into_iter().map(index::key).collect();
                let Some(found) = index.find(&keys) else {
                    moved.set(true);
                    return Ok((out, false));
                };
                #[allow(clippy::cast_sign_loss, reason = "a file's size")]
                let len = id.0[2] as u64;
                for e in &found {
                    let read =
                        index::read_section(file, e, len).map_err(|source| LoadError::Read {
                            path: path.clone(),
                            source,
                        })?;
                    // A section that is not there, does not parse as one section or has
                    // another header: the file changed without its identity saying so. It
                    // is read whole again.
                    let Some(sections) =
                        read.and_then(|t| parse::parse_from(&t, e.line as usize).ok())
                    else {
                        moved.set(true);
                        return Ok((Vec::new(), false));
                    };
                    if sections.len() != 1 || index::key(&sections[0].header) != e.key {
                        moved.set(true);
                        return Ok((Vec::new(), false));
                    }
                    for s in sections {
                        // The hash found it; the name decides.
                        if classify_ref(&s.header, kind).is_some_and(|(c, n)| wanted.wants(&c, &n))
                        {
                            out.push(s);
                        }
                    }
                }
                Ok((out, index.has_prefixed_default))
            }
        }
    }
}

/// Below this a file is parsed on one thread: starting threads would cost more.
const PIECE_FROM: usize = 256 * 1024;

/// `text` (line endings `\n`) cut into pieces for `threads` (up to 8), each at least
/// [`PIECE_FROM`] long and starting at a line that opens with `[` (a header, where the
/// grammar's state starts afresh), with the line it starts at. One piece for a small file.
fn pieces(text: &str, threads: usize) -> Vec<(&str, usize)> {
    let threads = threads.min(8).min(text.len() / PIECE_FROM).max(1);
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(threads);
    let (mut start, mut line) = (0, 1);
    for k in 1..threads {
        let aim = (text.len() * k / threads).max(start);
        let Some(cut) = memchr::memmem::find(&bytes[aim..], b"\n[").map(|i| aim + i + 1) else {
            break;
        };
        out.push((&text[start..cut], line));
        line += memchr::memchr_iter(b'\n', &bytes[start..cut]).count();
        start = cut;
    }
    out.push((&text[start..], line));
    out
}

/// The inside of each well-formed header line of `text`, cheaply (for the look at
/// `[profile default]` before the pieces of a file are merged).
fn header_lines(text: &str) -> impl Iterator<Item = &str> {
    let bytes = text.as_bytes();
    let first = (bytes.first() == Some(&b'[')).then_some(0);
    first
        .into_iter()
        .chain(memchr::memmem::find_iter(bytes, b"\n[").map(|i| i + 1))
        .filter_map(move |at| text[at..].split('\n').next().and_then(parse::header_inside))
}

impl ConfigSet {
    /// Reads and merges both files. A missing file is an empty file, as for the SDKs.
    pub fn load(paths: &FilePaths) -> Result<Self, LoadError> {
        let mut set = ConfigSet::default();
        for kind in [FileKind::Config, FileKind::Credentials] {
            let path = paths.path(kind);
            let Some(text) = read_text(path)? else {
                continue;
            };
            set.merge_text(&text, kind).map_err(|e| LoadError::Parse {
                path: path.to_path_buf(),
                line: e.line,
                message: e.message,
            })?;
            set.found.push(kind);
        }
        Ok(set)
    }

    /// What a run of `profile` needs from both files: the profile, every profile its
    /// `source_profile` chain names, their sso-sessions and the `[services]` they use, merged
    /// exactly as [`ConfigSet::load`] merges them (duplicate sections, later keys win). Both
    /// files are still checked whole (a syntax error anywhere is the same error), but only
    /// those sections are parsed, so a config of 100,000 profiles costs little more than one
    /// of four. `None` when the profile is in neither file: the full load then explains.
    ///
    /// With `stamps`, a file already found free of errors, and unchanged since, is not
    /// read or checked again: its index says where the needed sections are (see [`Stamps`]).
    pub fn load_for(
        paths: &FilePaths,
        profile: &str,
        stamps: Option<&Stamps>,
    ) -> Result<Option<Self>, LoadError> {
        Self::load_needed(paths, profile, stamps, true)
    }

    /// [`ConfigSet::load_for`]; `use_index` false reads both files whole (and indexes them
    /// anew), after an index was found not to match its file.
    fn load_needed(
        paths: &FilePaths,
        profile: &str,
        stamps: Option<&Stamps>,
        use_index: bool,
    ) -> Result<Option<Self>, LoadError> {
        let mut sources = Vec::new();
        for kind in [FileKind::Config, FileKind::Credentials] {
            let path = paths.path(kind);
            if let Some(stamps) = stamps.filter(|_| use_index)
                && let Some(source) = Source::indexed(kind, path, stamps)
            {
                sources.push(source);
                continue;
            }
            let mut id = None;
            let Some(text) = read_checked(path, Some(&mut id))? else {
                continue;
            };
            let index = parse::headers(&text).map_err(|e| LoadError::Parse {
                path: path.to_path_buf(),
                line: e.line,
                message: e.message,
            })?;
            if let (Some(s), Some(id)) = (stamps, id) {
                s.record(path, id, kind, &index);
            }
            let index: Vec<(usize, usize, usize)> =
                index.iter().map(|h| (h.start, h.end, h.line)).collect();
            sources.push(Source::Text {
                kind,
                path: path.to_path_buf(),
                text,
                index,
            });
        }
        let mut set = ConfigSet {
            partial: true,
            found: sources.iter().map(Source::kind).collect(),
            ..ConfigSet::default()
        };
        let mut wanted = Wanted::default();
        wanted.profiles.insert(profile.to_string());
        while !wanted.is_empty() {
            for source in &sources {
                let (sections, has_prefixed_default) = source.sections(&wanted)?;
                set.merge_sections(sections, source.kind(), has_prefixed_default);
            }
            let seen = std::mem::take(&mut wanted);
            wanted = set.references(&seen);
        }
        // An indexed file that changed meanwhile, or that its index no longer matches: read
        // everything again, checked whole, and index it anew (an index whose file changed
        // without its identity saying so would otherwise send every run down this path).
        if sources.iter().any(Source::changed) {
            return Self::load_needed(paths, profile, stamps, false);
        }
        Ok(set.profiles.contains_key(profile).then_some(set))
    }

    /// The sections the ones just loaded name and the set does not have yet.
    fn references(&self, loaded: &Wanted) -> Wanted {
        let mut next = Wanted::default();
        for name in &loaded.profiles {
            let Some(p) = self.profiles.get(name) else {
                continue;
            };
            if let Some(src) = p.get("source_profile")
                && !self.profiles.contains_key(src)
            {
                next.profiles.insert(src.to_string());
            }
            if let Some(s) = p.get("sso_session")
                && !self.sso_sessions.contains_key(s)
            {
                next.sessions.insert(s.to_string());
            }
            if let Some(s) = p.get("services")
                && !self.services.contains_key(s)
            {
                next.services.insert(s.to_string());
            }
        }
        next
    }

    /// Parses one file's text and merges it in; later files override earlier keys. On an
    /// error the set holds part of the file (its sections are merged as they are parsed):
    /// every caller drops it.
    pub fn merge_text(&mut self, text: &str, kind: FileKind) -> Result<(), parse::ParseError> {
        let threads = std::thread::available_parallelism().map_or(1, std::num::NonZero::get);
        self.merge_pieces(text, kind, threads)
    }

    fn merge_pieces(
        &mut self,
        text: &str,
        kind: FileKind,
        threads: usize,
    ) -> Result<(), parse::ParseError> {
        let text = parse::normalise_newlines(text);
        let pieces = pieces(&text, threads);
        // `[profile default]` anywhere in the config file beats `[default]`, whatever the
        // order: known before any section is merged.
        let has_prefixed_default = kind == FileKind::Config
            && pieces
                .iter()
                .any(|&(piece, _)| header_lines(piece).any(|h| is_prefixed_default(h, kind)));
        if let [(piece, line)] = pieces[..] {
            return parse::parse_each(piece, line, |section| {
                self.merge_section(section, kind, has_prefixed_default);
            });
        }
        // A large file: each piece (cut before a header, where the grammar starts afresh) is
        // parsed and merged on its own thread, and the pieces' sets are merged in file
        // order, which is what merging the whole file in order gives. The first error in
        // file order is the error, as it would be.
        let parts: Vec<Result<ConfigSet, parse::ParseError>> = std::thread::scope(|scope| {
            let handles: Vec<_> = pieces
                .iter()
                .map(|&(piece, line)| {
                    scope.spawn(move || {
                        let mut part = ConfigSet::default();
                        parse::parse_each(piece, line, |section| {
                            part.merge_section(section, kind, has_prefixed_default);
                        })?;
                        Ok(part)
                    })
                })
                .collect();
            handles
                .into_iter()
                .map(|h| h.join().unwrap_or_else(|e| std::panic::resume_unwind(e)))
                .collect()
        });
        for part in parts {
            self.absorb(part?);
        }
        Ok(())
    }

    /// Merges `later` (sections that came after everything in `self`) into the set.
    fn absorb(&mut self, later: ConfigSet) {
        for (mine, theirs) in [
            (&mut self.profiles, later.profiles),
            (&mut self.sso_sessions, later.sso_sessions),
            (&mut self.services, later.services),
        ] {
            for (name, section) in theirs {
                match mine.entry(name) {
                    std::collections::btree_map::Entry::Occupied(e) => {
                        e.into_mut().props.extend(section.props);
                    }
                    std::collections::btree_map::Entry::Vacant(e) => {
                        e.insert(section);
                    }
                }
            }
        }
        self.ignored.extend(later.ignored);
    }

    /// Merges parsed sections of one file into the set: later keys win, a duplicate section
    /// adds to the first.
    fn merge_sections(
        &mut self,
        sections: Vec<parse::RawSection>,
        kind: FileKind,
        has_prefixed_default: bool,
    ) {
        for raw in sections {
            self.merge_section(raw, kind, has_prefixed_default);
        }
    }

    fn merge_section(
        &mut self,
        raw: parse::RawSection,
        kind: FileKind,
        has_prefixed_default: bool,
    ) {
        let origin = Origin {
            file: kind,
            line: raw.line,
        };
        let Some((class, name)) = classify(&raw.header, kind) else {
            self.ignored
                .push((raw.header.trim_matches([' ', '\t']).to_string(), origin));
            return;
        };
        let map = match class {
            Class::Profile { prefixed } => {
                if has_prefixed_default && name == "default" && !prefixed {
                    return;
                }
                &mut self.profiles
            }
            Class::SsoSession => &mut self.sso_sessions,
            Class::Services => &mut self.services,
        };
        let section = match map.entry(name) {
            std::collections::btree_map::Entry::Occupied(e) => e.into_mut(),
            std::collections::btree_map::Entry::Vacant(e) => {
                let name = e.key().clone();
                let mut section = Section::new(&name, origin);
                section.props.0.reserve_exact(raw.properties.len());
                e.insert(section)
            }
        };
        for p in raw.properties {
            if parse::is_identifier(&p.key) {
                section.props.insert(
                    p.key,
                    Prop {
                        value: p.value,
                        origin: Origin {
                            file: kind,
                            line: p.line,
                        },
                    },
                );
            }
        }
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

/// A load failure phrased for the user: the file, the line, the fix.
fn explain_load(e: LoadError, env: &Env) -> Error {
    match e {
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
    }
}

/// Reads both files, with failures phrased for the user: the file, the line, the fix.
pub fn load(env: &Env, paths: &FilePaths) -> Result<ConfigSet, Error> {
    let set = ConfigSet::load(paths).map_err(|e| explain_load(e, env))?;
    say_read(env, paths, &set);
    Ok(set)
}

/// What a run of `profile` needs ([`ConfigSet::load_for`]), else (the profile is in neither
/// file) everything, so that the error can list names and suggest one.
pub fn load_for(env: &Env, paths: &FilePaths, profile: &str) -> Result<ConfigSet, Error> {
    let stamps = Stamps {
        dir: crate::lock::dir(env).with_file_name("checked"),
        now: crate::timefmt::now(),
    };
    let Some(set) =
        ConfigSet::load_for(paths, profile, Some(&stamps)).map_err(|e| explain_load(e, env))?
    else {
        return load(env, paths);
    };
    say_read(env, paths, &set);
    vlog!(
        "read the {} profile(s), {} sso-session(s) and {} services section(s) profile `{profile}` needs",
        set.profiles.len(),
        set.sso_sessions.len(),
        set.services.len()
    );
    Ok(set)
}

fn say_read(env: &Env, paths: &FilePaths, set: &ConfigSet) {
    for kind in [FileKind::Config, FileKind::Credentials] {
        let state = if set.found.contains(&kind) {
            "read"
        } else {
            "not found"
        };
        vlog!("{} {state}", env.tilde(paths.path(kind)));
    }
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
    classify_ref(header, kind).map(|(c, n)| (c, n.into_owned()))
}

/// [`classify`] without copying the name unless it was quoted.
fn classify_ref(header: &str, kind: FileKind) -> Option<(Class, std::borrow::Cow<'_, str>)> {
    let header = header.trim_matches([' ', '\t']);
    if kind == FileKind::Credentials {
        return parse::is_identifier(header)
            .then_some((Class::Profile { prefixed: false }, header.into()));
    }
    if header == "default" {
        return Some((Class::Profile { prefixed: false }, header.into()));
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
        return (words.len() == 1 && !words[0].is_empty()).then(|| (class, words.remove(0).into()));
    }
    parse::is_identifier(rest).then_some((class, rest.into()))
}

#[cfg(test)]
mod tests;
