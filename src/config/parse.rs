//! The shared-config file grammar of the AWS SDKs (the spec behind the cross-SDK
//! `profile-parser-tests.json` vectors): sections, `key = value` properties, comments,
//! continuation lines and sub-property blocks. Pure: text in, raw sections out, each property
//! tagged with its line so errors can say "file:line".
//!
//! We parse by hand rather than with rust-ini: the vectors require continuation lines,
//! sub-properties and the "comment only after whitespace" rule, none of which a generic INI
//! reader does, and an error must name the line.

const WHITESPACE: &[char] = &[' ', '\t'];
const COMMENT: &[char] = &['#', ';'];

/// A section header's inside (`profile dev`, `default`, `sso-session corp`) and its properties.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawSection {
    pub header: String,
    pub line: usize,
    /// In file order; a later duplicate key wins when merged.
    pub properties: Vec<RawProperty>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawProperty {
    /// Lower-cased: keys are case-insensitive.
    pub key: String,
    pub value: String,
    pub line: usize,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    pub line: usize,
    pub message: String,
}

/// One line of a file, as the grammar sees it.
enum Line<'t> {
    /// `[inside]`.
    Header(&'t str),
    /// `key = value` (the key as written).
    Property(&'t str, &'t str),
    /// An indented line after a property: more of its value, or a sub-property.
    Continuation(&'t str),
}

/// Walks the lines of `text` (line endings already `\n`), checking the grammar as the SDKs
/// do (the messages match theirs; the conformance vectors check them) and telling `on` of
/// each meaningful line with its number and byte offset. Blank and comment lines are passed
/// over. Nothing is copied: `parse` and `headers` are two ways of listening.
fn scan<'t>(text: &'t str, mut on: impl FnMut(usize, usize, Line<'t>)) -> Result<(), ParseError> {
    let mut have_section = false;
    // Whether the last property line started a sub-property block (`s3 =` with no value).
    let mut in_property = false;
    let mut is_subproperty = false;
    let mut offset = 0;
    for (idx, line) in text.split('\n').enumerate() {
        let lineno = idx + 1;
        let at = offset;
        offset += line.len() + 1;
        let err = |message: &str| ParseError {
            line: lineno,
            message: message.to_string(),
        };
        let Some(&first) = line.as_bytes().first() else {
            continue;
        };
        // Only a line that starts with whitespace can be blank.
        if first == b'#'
            || first == b';'
            || ((first == b' ' || first == b'\t') && line.trim_matches(WHITESPACE).is_empty())
        {
            continue;
        }
        if first == b'[' {
            let inner =
                header_inside(line).ok_or_else(|| err("Profile definition must end with ']'"))?;
            have_section = true;
            in_property = false;
            is_subproperty = false;
            on(lineno, at, Line::Header(inner));
        } else if first == b' ' || first == b'\t' {
            if !have_section {
                return Err(err("Expected a profile definition"));
            }
            if !in_property {
                return Err(err("Expected a property definition, found continuation"));
            }
            let trimmed = line.trim_matches(WHITESPACE);
            if is_subproperty && !trimmed.is_empty() {
                split_property(line).map_err(|e| err(&e.message("sub-property")))?;
            }
            on(lineno, at, Line::Continuation(trimmed));
        } else {
            if !have_section {
                return Err(err("Expected a profile definition"));
            }
            let (key, value) = split_property(line).map_err(|e| err(&e.message("property")))?;
            is_subproperty = value.is_empty();
            in_property = true;
            on(lineno, at, Line::Property(key, value));
        }
    }
    Ok(())
}

/// `text` with every line ending a `\n` (`\r\n` and a lone `\r` too, as Python reads them).
pub fn normalise_newlines(text: &str) -> std::borrow::Cow<'_, str> {
    if memchr::memchr(b'\r', text.as_bytes()).is_some() {
        text.replace("\r\n", "\n").replace('\r', "\n").into()
    } else {
        text.into()
    }
}

/// Parses one file. Lines may end in `\n`, `\r\n` or a lone `\r` (old Mac files), as
/// Python reads them. (`ConfigSet::merge_text` does the same, in pieces for a large file.)
#[cfg(test)]
pub fn parse(text: &str) -> Result<Vec<RawSection>, ParseError> {
    parse_from(&normalise_newlines(text), 1)
}

/// Parses text whose first line is line `first_line` of its file (line endings `\n`).
pub fn parse_from(text: &str, first_line: usize) -> Result<Vec<RawSection>, ParseError> {
    let mut sections = Vec::new();
    parse_each(text, first_line, |s| sections.push(s))?;
    Ok(sections)
}

/// [`parse_from`], handing each section to `on` as soon as it is complete, so that a large
/// file never holds all its raw sections at once. On an error, the sections before it
/// have been handed over; the caller drops what it made of them.
pub fn parse_each(
    text: &str,
    first_line: usize,
    mut on: impl FnMut(RawSection),
) -> Result<(), ParseError> {
    let mut current: Option<RawSection> = None;
    let shift = first_line - 1;
    scan(text, |lineno, _, line| match line {
        Line::Header(inner) => {
            if let Some(done) = current.replace(RawSection {
                header: inner.to_string(),
                line: lineno + shift,
                properties: Vec::new(),
            }) {
                on(done);
            }
        }
        Line::Property(key, value) => {
            if let Some(section) = current.as_mut() {
                section.properties.push(RawProperty {
                    key: key.to_ascii_lowercase(),
                    value: value.to_string(),
                    line: lineno + shift,
                });
            }
        }
        Line::Continuation(more) => {
            if let Some(prop) = current.as_mut().and_then(|s| s.properties.last_mut()) {
                prop.value.push('\n');
                prop.value.push_str(more);
            }
        }
    })
    .map_err(|e| ParseError {
        line: e.line + shift,
        ..e
    })?;
    if let Some(done) = current {
        on(done);
    }
    Ok(())
}

/// Where a section is in its file: its header's inside, its line, and its bytes (from the
/// header line to the next header).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HeaderAt<'t> {
    pub inside: &'t str,
    pub line: usize,
    pub start: usize,
    pub end: usize,
}

/// Checks all of `text` as [`parse`] would (the same errors at the same lines) and says
/// where each section is, copying nothing: a run that needs three sections of a file with
/// 100,000 parses only those three ([`parse_from`] on their bytes).
pub fn headers(text: &str) -> Result<Vec<HeaderAt<'_>>, ParseError> {
    let mut out: Vec<HeaderAt<'_>> = Vec::new();
    scan(text, |lineno, at, line| {
        if let Line::Header(inside) = line {
            if let Some(last) = out.last_mut() {
                last.end = at;
            }
            out.push(HeaderAt {
                inside,
                line: lineno,
                start: at,
                end: text.len(),
            });
        }
    })?;
    Ok(out)
}

/// The inside of a section header line (`[profile dev] ; x` gives `profile dev`), or `None`
/// when the line is not a well-formed header.
pub fn header_inside(line: &str) -> Option<&str> {
    let cut = if line.is_ascii() {
        // In a section line a comment starts at any `#` or `;`.
        let end = memchr::memchr2(b'#', b';', line.as_bytes()).unwrap_or(line.len());
        line[..end].trim_matches(WHITESPACE)
    } else {
        strip_comment(line, false)
    };
    cut.strip_prefix('[').and_then(|l| l.strip_suffix(']'))
}

enum PropertyError {
    NoEquals,
    NoName,
}

impl PropertyError {
    fn message(&self, what: &str) -> String {
        match self {
            PropertyError::NoEquals => format!("Expected an '=' sign defining a {what}"),
            PropertyError::NoName => {
                let mut chars = what.chars();
                let first = chars.next().map(|c| c.to_ascii_uppercase());
                format!(
                    "{}{} did not have a name",
                    first.unwrap_or(' '),
                    chars.as_str()
                )
            }
        }
    }
}

fn split_property(line: &str) -> Result<(&str, &str), PropertyError> {
    if line.is_ascii() {
        return split_ascii_property(line);
    }
    let line = strip_comment(line, true);
    let (k, v) = line.split_once('=').ok_or(PropertyError::NoEquals)?;
    let k = k.trim_matches(WHITESPACE);
    if k.is_empty() {
        return Err(PropertyError::NoName);
    }
    Ok((k, v.trim_matches(WHITESPACE)))
}

/// [`split_property`] for an ASCII line, in one pass over its bytes and without decoding
/// characters: the same answer (a unit test compares the two), for the lines of a config of
/// 100,000 profiles. A comment starts at `#` or `;` after whitespace; a comment before the
/// `=` leaves no `=`.
fn split_ascii_property(line: &str) -> Result<(&str, &str), PropertyError> {
    let b = line.as_bytes();
    let is_comment = |c: u8| c == b'#' || c == b';';
    // What `char::is_whitespace` says of an ASCII byte (vertical tab and form feed too).
    let is_ws = |c: u8| matches!(c, b' ' | b'\t' | b'\n' | b'\x0b' | b'\x0c' | b'\r');
    let mut prev_ws = false;
    let mut eq = None;
    // Leading whitespace is trimmed before the comment rule applies.
    let start = b
        .iter()
        .position(|c| *c != b' ' && *c != b'\t')
        .unwrap_or(b.len());
    for (i, &c) in b.iter().enumerate().skip(start) {
        if c == b'=' {
            eq = Some(i);
            break;
        }
        if is_comment(c) && prev_ws {
            return Err(PropertyError::NoEquals);
        }
        prev_ws = is_ws(c);
    }
    let eq = eq.ok_or(PropertyError::NoEquals)?;
    let key = line[..eq].trim_matches(WHITESPACE);
    if key.is_empty() {
        return Err(PropertyError::NoName);
    }
    let rest = &b[eq + 1..];
    let mut prev_ws = false;
    let mut end = rest.len();
    for (i, &c) in rest.iter().enumerate() {
        if is_comment(c) && prev_ws {
            end = i;
            break;
        }
        prev_ws = is_ws(c);
    }
    Ok((key, line[eq + 1..eq + 1 + end].trim_matches(WHITESPACE)))
}

/// Cuts a trailing comment. In property lines a comment starts only after whitespace
/// (`value;x` keeps `;x`); in section lines anywhere.
fn strip_comment(line: &str, needs_whitespace: bool) -> &str {
    let line = line.trim_matches(WHITESPACE);
    let mut prev_ws = false;
    for (idx, ch) in line.char_indices() {
        if COMMENT.contains(&ch) && (prev_ws || !needs_whitespace) {
            return line[..idx].trim_matches(WHITESPACE);
        }
        prev_ws = ch.is_whitespace();
    }
    line
}

/// Reads a sub-property block (`\nendpoint_url = http://...`) into its pairs.
pub fn sub_properties(value: &str) -> impl Iterator<Item = (String, &str)> {
    value.split('\n').filter_map(|line| {
        let (k, v) = line.split_once('=')?;
        Some((
            k.trim_matches(WHITESPACE).to_ascii_lowercase(),
            v.trim_matches(WHITESPACE),
        ))
    })
}

/// Whether a profile, section or property name uses only the characters the SDKs accept.
pub fn is_identifier(name: &str) -> bool {
    !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "_-/.%@:+".contains(c))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_carry_the_line_number() {
        let e = parse("[profile a]\nx = 1\n\n[profile b\n").unwrap_err();
        assert_eq!(e.line, 4);
        assert!(e.message.contains("must end with ']'"));
    }

    #[test]
    fn old_mac_line_endings_read_as_python_reads_them() {
        let s = parse("[profile a]\rregion = x\r\r[profile b]\r\nregion = y\r\n").unwrap();
        assert_eq!(s.len(), 2);
        assert_eq!(s[0].properties[0].value, "x");
        assert_eq!(s[1].properties[0].line, 5);
    }

    #[test]
    fn headers_find_every_section_and_its_bytes_and_check_all_the_rest() {
        let text = "# top\n[profile a]\nx = 1\n\n[sso-session s]\ny = 2\n  more\n[profile b]\n";
        let h = headers(text).unwrap();
        let insides: Vec<_> = h.iter().map(|h| (h.inside, h.line)).collect();
        assert_eq!(
            insides,
            [("profile a", 2), ("sso-session s", 5), ("profile b", 8)]
        );
        // Parsing one section's bytes gives what parsing the whole file gives for it.
        let one = parse_from(&text[h[1].start..h[1].end], h[1].line).unwrap();
        let all = parse(text).unwrap();
        assert_eq!(one[0], all[1]);
        // An error anywhere is found, at its own line.
        let e = headers("[profile a]\nx = 1\n[profile b]\nnot a property\n").unwrap_err();
        assert_eq!(
            e,
            parse("[profile a]\nx = 1\n[profile b]\nnot a property\n").unwrap_err()
        );
        assert_eq!(e.line, 4);
    }

    #[test]
    fn the_fast_header_cut_agrees_with_the_general_one() {
        for line in [
            "[profile a]",
            "  [profile a]  ",
            "[profile a] ; c",
            "[profile a]# c",
            "[profile a;b]",
            "[profile a",
            "[default]\t",
        ] {
            let general = strip_comment(line, false)
                .strip_prefix('[')
                .and_then(|l| l.strip_suffix(']'));
            assert_eq!(header_inside(line), general, "{line:?}");
        }
    }

    #[test]
    fn the_fast_property_split_agrees_with_the_general_one() {
        fn general(line: &str) -> Result<(&str, &str), i32> {
            let line = strip_comment(line, true);
            let (k, v) = line.split_once('=').ok_or(0)?;
            let k = k.trim_matches(WHITESPACE);
            if k.is_empty() {
                return Err(1);
            }
            Ok((k, v.trim_matches(WHITESPACE)))
        }
        let fast = |line| {
            split_ascii_property(line).map_err(|e| match e {
                PropertyError::NoEquals => 0,
                PropertyError::NoName => 1,
            })
        };
        for line in [
            "key = value",
            "key=value",
            "key = #x",
            "key =#x",
            "key = v #c",
            "key = v#c",
            "key = a;b ; c",
            "ke ;y = v",
            "k;ey = v",
            " = v",
            "=",
            "novalue",
            "key =",
            "key = \t",
            "key\t=\tv\t;c",
            "a = b = c",
            "k # = v",
            "k = v\x0b;c",
        ] {
            assert_eq!(fast(line), general(line), "{line:?}");
        }
    }

    #[test]
    fn sub_properties_are_split_and_lowercased() {
        let got: Vec<_> = sub_properties("\nEndpoint_URL = http://x\nother=y").collect();
        assert_eq!(
            got,
            vec![
                ("endpoint_url".to_string(), "http://x"),
                ("other".to_string(), "y")
            ]
        );
    }
}
