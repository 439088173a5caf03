//! The section index kept beside a config file's stamp: where each section of a file that
//! was checked whole is, as a small on-disk hash table, so that a run of one profile in a
//! config of 100,000 reads a few hundred bytes of the index and the bytes of the sections it
//! needs, never the rest of the file.
//!
//! The index vouches for one version of the file (its identity: device, inode, size and
//! both times to the nanosecond) and is only written for a file that has been still for a
//! while (see `config::STILL_FOR`). Because times cannot always be trusted (a copy that
//! keeps them, a file system with coarse ones), every section read through the index is
//! also checked against the file's bytes: it must start a line with `[`, end where the next
//! one starts (or at the end of the file), and its header must name what was looked up. A
//! mismatch is a changed file, read and checked whole again.
//!
//! Layout, little-endian: the magic line, the identity (7 × i64), flags, the number of
//! buckets (a power of two) and of entries (u64 each), then the bucket directory (u32 per
//! bucket and one more: where its entries start), then the entries sorted by bucket, each
//! the header's [`key`], the section's start (u64), length and first line (u32 each).

use std::fs::File;
use std::os::unix::fs::FileExt;

/// The first bytes of every index file (a format change changes the number).
const MAGIC: &[u8; 16] = b"ssox-index 1\n\0\0\0";
const HEAD: usize = 16 + 7 * 8 + 3 * 8;
const ENTRY: usize = 24;

/// One section: the key of its header, its bytes and its first line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Entry {
    pub key: u64,
    pub start: u64,
    pub len: u32,
    pub line: u32,
}

impl Entry {
    pub fn end(&self) -> u64 {
        self.start + u64::from(self.len)
    }
}

/// What a header is looked up by, cheap to compute: a hash (FNV-1a) of its last word, which
/// is the section's name or the end of it (`[profile dev]` gives `dev`, `[profile 'team
/// prof']` gives `prof`). A header with a backslash (an escape inside quotes) gets [`ANY`],
/// which every look-up includes. The caller parses what it finds and keeps only the
/// sections that really are the ones it wants.
pub fn key(name: &str) -> u64 {
    let b = name.as_bytes();
    if memchr::memchr(b'\\', b).is_some() {
        return ANY;
    }
    let trimmed = trim_end(b);
    let word = match trimmed
        .iter()
        .rposition(|c| matches!(c, b' ' | b'\t' | b'\'' | b'"'))
    {
        Some(i) => &trimmed[i + 1..],
        None => trimmed,
    };
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &c in word {
        h ^= u64::from(c);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    if h == ANY { 0 } else { h }
}

/// The key of headers that every look-up includes.
pub const ANY: u64 = u64::MAX;

/// `b` without trailing blanks and closing quotes.
fn trim_end(mut b: &[u8]) -> &[u8] {
    while let [rest @ .., c] = b
        && matches!(c, b' ' | b'\t' | b'\'' | b'"')
    {
        b = rest;
    }
    b
}

/// The entries of a file's sections, as [`super::parse::headers`] finds them; `None` when
/// one does not fit the format (a section or line number past 4 Gi, which the config size
/// limit rules out).
pub fn entries(headers: &[super::parse::HeaderAt<'_>]) -> Option<Vec<Entry>> {
    headers
        .iter()
        .map(|h| {
            Some(Entry {
                key: key(h.inside),
                start: h.start as u64,
                len: u32::try_from(h.end - h.start).ok()?,
                line: u32::try_from(h.line).ok()?,
            })
        })
        .collect()
}

/// The bytes of an index of `entries` (in file order) for the file version `identity`.
pub fn encode(identity: [i64; 7], has_prefixed_default: bool, entries: &[Entry]) -> Vec<u8> {
    let buckets = entries.len().max(1).next_power_of_two();
    let mask = (buckets - 1) as u64;
    let mut sorted: Vec<&Entry> = entries.iter().collect();
    // Stable: within a bucket, entries stay in file order.
    sorted.sort_by_key(|e| e.key & mask);
    let mut out = Vec::with_capacity(HEAD + (buckets + 1) * 4 + entries.len() * ENTRY);
    out.extend_from_slice(MAGIC);
    for v in identity {
        out.extend_from_slice(&v.to_le_bytes());
    }
    out.extend_from_slice(&u64::from(has_prefixed_default).to_le_bytes());
    out.extend_from_slice(&(buckets as u64).to_le_bytes());
    out.extend_from_slice(&(entries.len() as u64).to_le_bytes());
    let mut at = 0usize;
    for b in 0..=buckets as u64 {
        while at < sorted.len() && (sorted[at].key & mask) < b {
            at += 1;
        }
        out.extend_from_slice(&u32::try_from(at).unwrap_or(u32::MAX).to_le_bytes());
    }
    for e in sorted {
        out.extend_from_slice(&e.key.to_le_bytes());
        out.extend_from_slice(&e.start.to_le_bytes());
        out.extend_from_slice(&e.len.to_le_bytes());
        out.extend_from_slice(&e.line.to_le_bytes());
    }
    out
}

/// An index file, opened and found to be for the file version it was asked about.
#[derive(Debug)]
pub struct Index {
    file: File,
    pub has_prefixed_default: bool,
    buckets: u64,
    entries: u64,
}

impl Index {
    /// The index in `file` if it is well-formed and vouches for `identity`.
    pub fn open(file: File, identity: [i64; 7]) -> Option<Self> {
        let mut head = [0u8; HEAD];
        file.read_exact_at(&mut head, 0).ok()?;
        if &head[..16] != MAGIC {
            return None;
        }
        let word = |i: usize| le64(&head, 16 + i * 8);
        #[allow(clippy::cast_possible_wrap, reason = "read back as it was written")]
        if (0..7).any(|i| word(i) as i64 != identity[i]) {
            return None;
        }
        let (flags, buckets, entries) = (word(7), word(8), word(9));
        let len = file.metadata().ok()?.len();
        let expected = (HEAD as u64)
            .checked_add(buckets.checked_add(1)?.checked_mul(4)?)?
            .checked_add(entries.checked_mul(ENTRY as u64)?)?;
        if !buckets.is_power_of_two() || len != expected {
            return None;
        }
        Some(Self {
            file,
            has_prefixed_default: flags & 1 == 1,
            buckets,
            entries,
        })
    }

    /// The sections that may have one of these keys, in file order: two small reads of
    /// the index per key. `None` when the index is not what it claims to be.
    pub fn find(&self, keys: &[u64]) -> Option<Vec<Entry>> {
        let mut buckets: Vec<u64> = keys
            .iter()
            .chain([&ANY])
            .map(|k| k & (self.buckets - 1))
            .collect();
        buckets.sort_unstable();
        buckets.dedup();
        let entries_at = HEAD as u64 + (self.buckets + 1) * 4;
        let mut out = Vec::new();
        for b in buckets {
            let mut range = [0u8; 8];
            self.file
                .read_exact_at(&mut range, HEAD as u64 + b * 4)
                .ok()?;
            let (lo, hi) = (u64::from(le32(&range, 0)), u64::from(le32(&range, 4)));
            if lo > hi || hi > self.entries {
                return None;
            }
            let mut bytes = vec![0u8; usize::try_from(hi - lo).ok()? * ENTRY];
            self.file
                .read_exact_at(&mut bytes, entries_at + lo * ENTRY as u64)
                .ok()?;
            for e in bytes.chunks_exact(ENTRY) {
                let entry = Entry {
                    key: le64(e, 0),
                    start: le64(e, 8),
                    len: le32(e, 16),
                    line: le32(e, 20),
                };
                if entry.key == ANY || keys.contains(&entry.key) {
                    out.push(entry);
                }
            }
        }
        out.sort_unstable_by_key(|e| e.start);
        Some(out)
    }
}

/// The little-endian u64 at `at` in `b` (always within it: the callers' layouts are fixed).
fn le64(b: &[u8], at: usize) -> u64 {
    let mut a = [0u8; 8];
    a.copy_from_slice(&b[at..at + 8]);
    u64::from_le_bytes(a)
}

fn le32(b: &[u8], at: usize) -> u32 {
    let mut a = [0u8; 4];
    a.copy_from_slice(&b[at..at + 4]);
    u32::from_le_bytes(a)
}

/// The text of a section, read from where the index says it is, if the file's bytes agree
/// that a section is there: it starts a line with `[` and the next line after it (if any)
/// starts with `[`. `None` when they do not (the file is not the one indexed).
pub fn read_section(file: &File, e: &Entry, file_len: u64) -> std::io::Result<Option<String>> {
    let from = e.start.saturating_sub(1);
    let to = (e.end() + 1).min(file_len);
    if e.end() > file_len || to < from {
        return Ok(None);
    }
    let mut bytes = vec![0u8; usize::try_from(to - from).unwrap_or(0)];
    file.read_exact_at(&mut bytes, from)?;
    let before_ok = e.start == 0 || bytes.first() == Some(&b'\n');
    let body_from = usize::from(e.start > 0);
    let body_to = body_from + e.len as usize;
    let after_ok = e.end() == file_len || bytes.get(body_to) == Some(&b'[');
    if !before_ok || !after_ok || bytes.get(body_from) != Some(&b'[') {
        return Ok(None);
    }
    // The section ends with a newline unless it ends the file.
    if e.end() < file_len && bytes.get(body_to - 1) != Some(&b'\n') {
        return Ok(None);
    }
    bytes.truncate(body_to);
    bytes.drain(..body_from);
    Ok(String::from_utf8(bytes).ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entries_of(text: &str) -> Vec<Entry> {
        entries(&crate::config::parse::headers(text).unwrap()).unwrap()
    }

    #[test]
    fn finds_each_section_of_a_large_file_with_a_few_small_reads() {
        let mut text = String::new();
        for i in 0..20_000 {
            use std::fmt::Write;
            let _ = write!(text, "[profile p{i}]\nregion = eu-west-1\n\n");
        }
        text.push_str("[profile \"a\\\"b\"]\nx = 1\n[profile last]\nregion = z");
        let dir = tempfile::tempdir().unwrap();
        let config = dir.path().join("config");
        std::fs::write(&config, &text).unwrap();
        let entries = entries_of(&text);
        let id = [1, 2, 3, 4, 5, 6, 7];
        std::fs::write(dir.path().join("index"), encode(id, true, &entries)).unwrap();
        let open = || File::open(dir.path().join("index")).unwrap();
        let index = Index::open(open(), id).unwrap();
        assert!(index.has_prefixed_default);
        let file = File::open(&config).unwrap();
        let len = text.len() as u64;
        for (name, i) in [("p0", 0), ("p7", 7), ("p19999", 19_999), ("last", 20_001)] {
            let found = index.find(&[key(name)]).unwrap();
            // The escaped header (ANY) comes with every look-up, in file order.
            assert_eq!(found.len(), 2, "{name}");
            let e = found.iter().find(|e| e.key != ANY).unwrap();
            assert_eq!(*e, entries[i]);
            let section = read_section(&file, e, len).unwrap().unwrap();
            assert!(section.contains(&format!("{name}]")), "{section}");
        }
        assert_eq!(index.find(&[key("absent")]).unwrap().len(), 1);
        // Another version of the file: the index does not vouch for it.
        assert!(Index::open(open(), [1, 2, 3, 4, 5, 6, 8]).is_none());
        // A cut or foreign index is refused, never read past.
        std::fs::write(
            dir.path().join("index"),
            &encode(id, false, &entries)[..500],
        )
        .unwrap();
        assert!(Index::open(open(), id).is_none());
        std::fs::write(dir.path().join("index"), b"ssox-checked 1 1 2 3\n").unwrap();
        assert!(Index::open(open(), id).is_none());
    }

    #[test]
    fn a_section_the_file_no_longer_has_where_the_index_says_is_not_read() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config");
        let text = "[profile a]\nx = 1\n[profile b]\ny = 2\n";
        let entries = entries_of(text);
        std::fs::write(&path, text).unwrap();
        let file = File::open(&path).unwrap();
        assert!(
            read_section(&file, &entries[1], text.len() as u64)
                .unwrap()
                .is_some()
        );
        // Same length, other bytes: the section moved.
        let moved = "[profile a]\nx = 12\nprofile b]\ny = 2\n";
        assert_eq!(moved.len(), text.len());
        std::fs::write(&path, moved).unwrap();
        let file = File::open(&path).unwrap();
        assert!(
            read_section(&file, &entries[1], text.len() as u64)
                .unwrap()
                .is_none()
        );
        assert!(
            read_section(&file, &entries[0], text.len() as u64)
                .unwrap()
                .is_none()
        );
    }

    #[test]
    fn the_key_of_a_header_is_the_key_of_the_name_it_gives() {
        assert_eq!(key("profile dev"), key("dev"));
        assert_eq!(key("profile 'team prof' "), key("team prof"));
        assert_eq!(key("profile \"a\\\"b\""), ANY);
    }
}
