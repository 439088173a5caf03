//! Where each section of a file is, found by reading the file once in fixed-size pieces and
//! keeping none of it: for a file a stamp vouches for (checked whole before, unchanged
//! since; see `Stamps`), so that a run of one profile in a config of 100,000 reads the file
//! at the speed of a copy, allocates a few megabytes at most, and then reads only the bytes
//! of the sections it needs. A file with a carriage return in it is not indexed here (its
//! line numbers follow Python's rules): the caller reads it whole instead.

use std::fs::File;
use std::io::Read;
use std::os::unix::fs::FileExt;

use super::parse::header_inside;

/// How much of the file is read at a time.
const PIECE: usize = 256 * 1024;

/// One section: the hash of what its header names, its bytes and its first line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Entry {
    pub key: u64,
    pub start: u64,
    pub end: u64,
    pub line: usize,
}

/// The sections of one file, in file order.
#[derive(Debug, Default)]
pub struct Index {
    entries: Vec<Entry>,
}

/// What a header is looked up by, cheap to compute for 100,000 of them: a hash (FNV-1a) of
/// its last word, which is the section's name or the end of it (`[profile dev]` gives `dev`,
/// `[profile 'team prof']` gives `prof`). A header with a backslash (an escape inside
/// quotes) gets [`ANY`], which every look-up includes. The caller parses what it finds and
/// keeps only the sections that really are the ones it wants.
pub fn key(name: &str) -> u64 {
    key_of(name.as_bytes())
}

fn key_of(b: &[u8]) -> u64 {
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

impl Index {
    /// Reads `file` from its start. Each header gets its [`key`]; `seen` is told of each
    /// header's inside whose key is `watch` (the caller's look at `[profile default]`).
    /// `None` when the file has a carriage return.
    pub fn build(
        file: &mut File,
        watch: u64,
        mut seen: impl FnMut(&str),
    ) -> std::io::Result<Option<Self>> {
        let mut meaning = |line: &[u8]| -> Option<u64> {
            let inside = inside_of(line)?;
            let key = key_of(inside);
            if key == watch {
                seen(std::str::from_utf8(inside).ok()?);
            }
            Some(key)
        };
        let mut buf = vec![0u8; PIECE];
        let mut entries: Vec<Entry> = Vec::new();
        let mut open: Option<(Option<u64>, u64, usize)> = None;
        let close = |entries: &mut Vec<Entry>, open: Option<(Option<u64>, u64, usize)>, end| {
            if let Some((Some(key), start, line)) = open {
                entries.push(Entry {
                    key,
                    start,
                    end,
                    line,
                });
            }
        };
        // Where buf[0] is in the file, and its line.
        let mut offset: u64 = 0;
        let mut line = 1usize;
        let mut at_line_start = true;
        // A header line cut by the end of a piece: its start, line and bytes so far.
        let mut pending: Option<(u64, usize, Vec<u8>)> = None;
        loop {
            let n = file.read(&mut buf)?;
            if n == 0 {
                break;
            }
            let piece = &buf[..n];
            if memchr::memchr(b'\r', piece).is_some() {
                return Ok(None);
            }
            let mut from = 0;
            if let Some((start, hline, mut bytes)) = pending.take() {
                if let Some(nl) = memchr::memchr(b'\n', piece) {
                    bytes.extend_from_slice(&piece[..nl]);
                    let key = meaning(&bytes);
                    close(&mut entries, open.take(), start);
                    open = Some((key, start, hline));
                    from = nl;
                } else {
                    bytes.extend_from_slice(piece);
                    pending = Some((start, hline, bytes));
                    offset += n as u64;
                    continue;
                }
            }
            let mut starts: Vec<usize> = Vec::new();
            if at_line_start && from == 0 && piece.first() == Some(&b'[') {
                starts.push(0);
            }
            starts.extend(memchr::memmem::find_iter(&piece[from..], b"\n[").map(|i| from + i + 1));
            let mut counted = 0;
            for s in starts {
                line += memchr::memchr_iter(b'\n', &piece[counted..s]).count();
                counted = s;
                let start = offset + s as u64;
                match memchr::memchr(b'\n', &piece[s..]) {
                    Some(len) => {
                        let key = meaning(&piece[s..s + len]);
                        close(&mut entries, open.take(), start);
                        open = Some((key, start, line));
                    }
                    None => pending = Some((start, line, piece[s..].to_vec())),
                }
            }
            line += memchr::memchr_iter(b'\n', &piece[counted..]).count();
            at_line_start = piece[n - 1] == b'\n';
            offset += n as u64;
        }
        if let Some((start, hline, bytes)) = pending.take() {
            let key = meaning(&bytes);
            close(&mut entries, open.take(), start);
            open = Some((key, start, hline));
        }
        close(&mut entries, open.take(), offset);
        Ok(Some(Self { entries }))
    }

    /// The sections that may have one of these keys, in file order (a pass over the
    /// entries: a few look-ups a run, so no table is built).
    pub fn find(&self, keys: &[u64]) -> Vec<Entry> {
        self.entries
            .iter()
            .filter(|e| e.key == ANY || keys.contains(&e.key))
            .copied()
            .collect()
    }
}

/// The inside of a header line, as [`header_inside`] gives it, from its bytes: without
/// decoding them where the line has no comment (a file that a stamp vouches for has only
/// well-formed headers).
fn inside_of(line: &[u8]) -> Option<&[u8]> {
    if memchr::memchr2(b'#', b';', line).is_none() {
        let line = line.trim_ascii();
        return line.strip_prefix(b"[")?.strip_suffix(b"]");
    }
    header_inside(std::str::from_utf8(line).ok()?).map(str::as_bytes)
}

/// The text of a section, read from where the index says it is.
pub fn read_section(file: &File, e: &Entry) -> std::io::Result<String> {
    let len = usize::try_from(e.end - e.start).unwrap_or(0);
    let mut bytes = vec![0u8; len];
    file.read_exact_at(&mut bytes, e.start)?;
    Ok(match String::from_utf8(bytes) {
        Ok(t) => t,
        Err(e) => String::from_utf8_lossy(e.as_bytes()).into_owned(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_every_section_as_the_checked_index_does_across_piece_boundaries() {
        // Long enough to cross several pieces, with headers on both sides of every cut.
        let mut text = String::new();
        for i in 0..20_000 {
            use std::fmt::Write;
            let _ = write!(
                text,
                "[profile p{i}]\nregion = eu-west-1 ; {}\nsso_session = s\n\n",
                "x".repeat(i % 37)
            );
        }
        text.push_str("[profile last]\nregion = z");
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config");
        std::fs::write(&path, &text).unwrap();
        let mut file = File::open(&path).unwrap();
        let index = Index::build(&mut file, 0, |_| {}).unwrap().unwrap();
        let checked = crate::config::parse::headers(&text).unwrap();
        assert_eq!(index.entries.len(), checked.len());
        for (h, e) in checked.iter().zip(&index.entries) {
            assert_eq!(e.key, key(h.inside));
            assert_eq!(
                (e.start, e.end, e.line),
                (h.start as u64, h.end as u64, h.line)
            );
            assert_eq!(read_section(&file, e).unwrap(), &text[h.start..h.end]);
        }
        assert_eq!(index.find(&[key("p7")]), [index.entries[7]]);
        // A carriage return anywhere: not indexed here.
        std::fs::write(&path, "[profile a]\r\nx = 1\r\n").unwrap();
        let mut file = File::open(&path).unwrap();
        assert!(Index::build(&mut file, 0, |_| {}).unwrap().is_none());
        // The key of a header is the key of the name it gives.
        assert_eq!(key("profile dev"), key("dev"));
        assert_eq!(key("profile 'team prof' "), key("team prof"));
        assert_eq!(key("profile \"a\\\"b\""), ANY);
    }
}
