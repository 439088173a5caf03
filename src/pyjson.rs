//! JSON bytes exactly as Python's `json.dumps` writes them, because the AWS CLI's caches are
//! written that way and we want a file ssox rewrote to look like one the CLI wrote:
//! `", "` and `": "` separators (or compact `,`/`:`), non-ASCII escaped as `\uXXXX`
//! (`ensure_ascii`), no trailing newline. Key order is the serializer's field order.

use std::io;

use serde::Serialize;
use serde_json::ser::{CharEscape, Formatter};

struct PyFormatter {
    compact: bool,
}

impl Formatter for PyFormatter {
    fn begin_array_value<W: ?Sized + io::Write>(
        &mut self,
        w: &mut W,
        first: bool,
    ) -> io::Result<()> {
        if first {
            Ok(())
        } else if self.compact {
            w.write_all(b",")
        } else {
            w.write_all(b", ")
        }
    }

    fn begin_object_key<W: ?Sized + io::Write>(
        &mut self,
        w: &mut W,
        first: bool,
    ) -> io::Result<()> {
        self.begin_array_value(w, first)
    }

    fn begin_object_value<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        w.write_all(if self.compact { b":" } else { b": " })
    }

    fn write_string_fragment<W: ?Sized + io::Write>(
        &mut self,
        w: &mut W,
        fragment: &str,
    ) -> io::Result<()> {
        let mut start = 0;
        for (i, ch) in fragment.char_indices() {
            if !ch.is_ascii() {
                w.write_all(&fragment.as_bytes()[start..i])?;
                let mut units = [0u16; 2];
                for u in ch.encode_utf16(&mut units) {
                    write!(w, "\\u{u:04x}")?;
                }
                start = i + ch.len_utf8();
            }
        }
        w.write_all(&fragment.as_bytes()[start..])
    }

    fn write_char_escape<W: ?Sized + io::Write>(
        &mut self,
        w: &mut W,
        esc: CharEscape,
    ) -> io::Result<()> {
        let s: String = match esc {
            CharEscape::Quote => "\\\"".into(),
            CharEscape::ReverseSolidus => "\\\\".into(),
            CharEscape::Solidus => "/".into(),
            CharEscape::Backspace => "\\b".into(),
            CharEscape::FormFeed => "\\f".into(),
            CharEscape::LineFeed => "\\n".into(),
            CharEscape::CarriageReturn => "\\r".into(),
            CharEscape::Tab => "\\t".into(),
            CharEscape::AsciiControl(c) => format!("\\u{c:04x}"),
        };
        w.write_all(s.as_bytes())
    }
}

fn to_bytes<T: Serialize>(value: &T, compact: bool) -> serde_json::Result<Vec<u8>> {
    let mut out = Vec::with_capacity(256);
    let mut ser = serde_json::Serializer::with_formatter(&mut out, PyFormatter { compact });
    value.serialize(&mut ser)?;
    Ok(out)
}

/// `json.dumps(value)`.
pub fn dumps<T: Serialize>(value: &T) -> serde_json::Result<Vec<u8>> {
    to_bytes(value, false)
}

/// A cache file name as the AWS CLI derives one from a key: `sha1(json.dumps(key))` in hex,
/// plus `.json` (`compact`: with `separators=(',', ':')`). A key that cannot be serialised is a bug, never the hash of nothing (which
/// would name a file shared with other keys).
pub fn sha1_file_name<T: Serialize>(key: &T, compact: bool) -> Result<String, crate::error::Error> {
    let bytes = to_bytes(key, compact).map_err(|e| {
        crate::error::Error::new(
            crate::error::Exit::Internal,
            format!("cannot compute a cache file name: {e}"),
        )
    })?;
    Ok(crate::fsutil::sha1_hex(&bytes) + ".json")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn matches_python_json_dumps_byte_for_byte() {
        // python3 -c 'import json; print(json.dumps({"b": "x/é😀\n", "a": [1, None, True]}))'
        let v = json!({"a": [1, null, true], "b": "x/é😀\n\u{1}"});
        assert_eq!(
            String::from_utf8(dumps(&v).unwrap()).unwrap(),
            r#"{"a": [1, null, true], "b": "x/\u00e9\ud83d\ude00\n\u0001"}"#
        );
        assert_eq!(
            String::from_utf8(to_bytes(&v, true).unwrap()).unwrap(),
            r#"{"a":[1,null,true],"b":"x/\u00e9\ud83d\ude00\n\u0001"}"#
        );
    }
}
