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

/// Parses one file. The message texts match the SDKs' (the conformance vectors check them).
/// Lines may end in `\n`, `\r\n` or a lone `\r` (old Mac files), as Python reads them.
pub fn parse(text: &str) -> Result<Vec<RawSection>, ParseError> {
    let text: std::borrow::Cow<'_, str> = if text.contains('\r') {
        text.replace("\r\n", "\n").replace('\r', "\n").into()
    } else {
        text.into()
    };
    let mut sections: Vec<RawSection> = Vec::new();
    // Whether the last property line started a sub-property block (`s3 =` with no value).
    let mut in_property = false;
    let mut is_subproperty = false;
    for (idx, line) in text.lines().enumerate() {
        let lineno = idx + 1;
        let err = |message: &str| ParseError {
            line: lineno,
            message: message.to_string(),
        };
        if line.trim_matches(WHITESPACE).is_empty() || line.starts_with(COMMENT) {
            continue;
        }
        if line.starts_with('[') {
            let inner =
                header_inside(line).ok_or_else(|| err("Profile definition must end with ']'"))?;
            sections.push(RawSection {
                header: inner.to_string(),
                line: lineno,
                properties: Vec::new(),
            });
            in_property = false;
            is_subproperty = false;
        } else if line.starts_with(WHITESPACE) {
            let Some(section) = sections.last_mut() else {
                return Err(err("Expected a profile definition"));
            };
            if !in_property {
                return Err(err("Expected a property definition, found continuation"));
            }
            if is_subproperty && !line.trim_matches(WHITESPACE).is_empty() {
                split_property(line).map_err(|e| err(&e.message("sub-property")))?;
            }
            if let Some(prop) = section.properties.last_mut() {
                prop.value.push('\n');
                prop.value.push_str(line.trim_matches(WHITESPACE));
            }
        } else {
            let Some(section) = sections.last_mut() else {
                return Err(err("Expected a profile definition"));
            };
            let (key, value) = split_property(line).map_err(|e| err(&e.message("property")))?;
            is_subproperty = value.is_empty();
            in_property = true;
            section.properties.push(RawProperty {
                key: key.to_ascii_lowercase(),
                value: value.to_string(),
                line: lineno,
            });
        }
    }
    Ok(sections)
}

/// The inside of a section header line (`[profile dev] ; x` gives `profile dev`), or `None`
/// when the line is not a well-formed header.
pub fn header_inside(line: &str) -> Option<&str> {
    strip_comment(line, false)
        .strip_prefix('[')
        .and_then(|l| l.strip_suffix(']'))
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
    let line = strip_comment(line, true);
    let (k, v) = line.split_once('=').ok_or(PropertyError::NoEquals)?;
    let k = k.trim_matches(WHITESPACE);
    if k.is_empty() {
        return Err(PropertyError::NoName);
    }
    Ok((k, v.trim_matches(WHITESPACE)))
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
