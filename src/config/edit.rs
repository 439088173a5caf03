//! The config-file line editor behind `ssox configure`: removes whole profile sections and
//! appends new sections, and changes no other byte. Comments, order, blank lines, other
//! sections and other keys stay as they were; line endings follow the file's own. Pure: text
//! in, new text and the line operations (for the diff) out.

/// What happened to each line, in order: old lines kept or dropped, new lines added.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LineOp {
    Keep(usize),
    Drop(usize),
    Add(String),
}

/// A section to append: its header's inside (`profile dev`) and its `key = value` lines.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Block {
    pub header: String,
    pub props: Vec<(String, String)>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Edit {
    /// The old text's lines, each with its line ending.
    pub old_lines: Vec<String>,
    pub ops: Vec<LineOp>,
    pub text: String,
}

impl Edit {
    /// The new text: the kept old lines and the added ones, in the order of `ops`.
    fn render(old_lines: Vec<String>, ops: Vec<LineOp>) -> Self {
        let mut text = String::new();
        for op in &ops {
            match op {
                LineOp::Keep(n) => text.push_str(&old_lines[*n]),
                LineOp::Add(s) => text.push_str(s),
                LineOp::Drop(_) => {}
            }
        }
        Edit {
            old_lines,
            ops,
            text,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Blank,
    Comment,
    Header,
    Property,
    Continuation,
}

fn kind(line: &str) -> Kind {
    let body = line.trim_end_matches(['\r', '\n']);
    if body.trim_matches([' ', '\t']).is_empty() {
        Kind::Blank
    } else if body.starts_with(['#', ';']) {
        Kind::Comment
    } else if body.starts_with('[') {
        Kind::Header
    } else if body.starts_with([' ', '\t']) {
        Kind::Continuation
    } else {
        Kind::Property
    }
}

/// The file's line ending: CRLF, a lone CR (old Mac files), else LF.
fn newline_of(text: &str) -> &'static str {
    if text.contains("\r\n") {
        "\r\n"
    } else if text.contains('\r') && !text.contains('\n') {
        "\r"
    } else {
        "\n"
    }
}

/// Removes the sections of the profiles in `remove` (as `profile_of_header` names them) and
/// appends `append`.
pub fn apply(
    text: &str,
    remove: &[String],
    append: &[Block],
    profile_of_header: impl Fn(&str) -> Option<String>,
) -> Edit {
    let newline = newline_of(text);
    let old_lines: Vec<String> = text
        .split_inclusive(if newline == "\r" { '\r' } else { '\n' })
        .map(str::to_string)
        .collect();
    let kinds: Vec<Kind> = old_lines.iter().map(|l| kind(l)).collect();
    let mut dropped = vec![false; old_lines.len()];
    let mut i = 0;
    while i < old_lines.len() {
        if kinds[i] != Kind::Header {
            i += 1;
            continue;
        }
        let header = old_lines[i].trim_end_matches(['\r', '\n']);
        let inside = crate::config::parse::header_inside(header);
        let next_header = (i + 1..old_lines.len())
            .find(|&j| kinds[j] == Kind::Header)
            .unwrap_or(old_lines.len());
        let doomed = inside
            .and_then(&profile_of_header)
            .is_some_and(|name| remove.contains(&name));
        if doomed {
            // The header, its properties and the comments among them; a comment after the
            // last property may be about the next section, so it stays.
            let end = (i + 1..next_header)
                .rev()
                .find(|&j| matches!(kinds[j], Kind::Property | Kind::Continuation))
                .unwrap_or(i);
            let next_text = (end + 1..old_lines.len()).find(|&j| kinds[j] != Kind::Blank);
            let runs_to_header_or_end = next_text.is_none_or(|j| kinds[j] == Kind::Header);
            // The blank lines that separated it from what follows go with it.
            let end = if runs_to_header_or_end {
                next_text.map_or(old_lines.len() - 1, |j| j - 1)
            } else {
                end
            };
            for d in &mut dropped[i..=end] {
                *d = true;
            }
            if next_text.is_none() {
                // Nothing follows: the blank lines before it were its separator.
                let mut k = i;
                while k > 0 && kinds[k - 1] == Kind::Blank && !dropped[k - 1] {
                    dropped[k - 1] = true;
                    k -= 1;
                }
            }
        }
        i = next_header;
    }
    let mut ops: Vec<LineOp> = Vec::with_capacity(old_lines.len() + append.len() * 6);
    let mut kept_last: Option<usize> = None;
    for (n, d) in dropped.iter().enumerate() {
        if *d {
            ops.push(LineOp::Drop(n));
        } else {
            ops.push(LineOp::Keep(n));
            kept_last = Some(n);
        }
    }
    if !append.is_empty() {
        let mut blank_before = kept_last.is_none_or(|n| kinds[n] == Kind::Blank);
        if let Some(n) = kept_last
            && !old_lines[n].ends_with(['\n', '\r'])
        {
            // The last line had no line ending; it gets one so the new sections start on
            // a line of their own.
            let pos = ops
                .iter()
                .position(|op| *op == LineOp::Keep(n))
                .unwrap_or(ops.len());
            ops[pos] = LineOp::Drop(n);
            ops.insert(pos + 1, LineOp::Add(format!("{}{newline}", old_lines[n])));
        }
        for block in append {
            if !blank_before {
                ops.push(LineOp::Add(newline.to_string()));
            }
            blank_before = false;
            ops.push(LineOp::Add(format!("[{}]{newline}", block.header)));
            for (k, v) in &block.props {
                ops.push(LineOp::Add(format!("{k} = {v}{newline}")));
            }
        }
    }
    Edit::render(old_lines, ops)
}

/// Sets `key = value` in profile `profile`: the last line that sets the key in one of the
/// profile's sections is replaced (later keys win), else the line goes right after the
/// profile's last header, else a new section is appended. Nothing else changes.
pub fn set(
    text: &str,
    profile: &str,
    key: &str,
    value: &str,
    profile_of_header: impl Fn(&str) -> Option<String>,
) -> Edit {
    let newline = newline_of(text);
    let old_lines: Vec<String> = text
        .split_inclusive(if newline == "\r" { '\r' } else { '\n' })
        .map(str::to_string)
        .collect();
    let mut in_profile = false;
    let mut last_header = None;
    let mut last_key = None;
    for (n, line) in old_lines.iter().enumerate() {
        let body = line.trim_end_matches(['\r', '\n']);
        match kind(line) {
            Kind::Header => {
                in_profile = crate::config::parse::header_inside(body)
                    .and_then(&profile_of_header)
                    .is_some_and(|p| p == profile);
                if in_profile {
                    last_header = Some(n);
                }
            }
            Kind::Property if in_profile => {
                let name = body.split(['=', ' ', '\t']).next().unwrap_or("");
                if name == key {
                    last_key = Some(n);
                }
            }
            _ => {}
        }
    }
    let line = format!("{key} = {value}{newline}");
    let mut ops: Vec<LineOp> = (0..old_lines.len()).map(LineOp::Keep).collect();
    match (last_key, last_header) {
        (Some(n), _) => {
            ops[n] = LineOp::Drop(n);
            let ending = if old_lines[n].ends_with(['\n', '\r']) {
                line
            } else {
                format!("{key} = {value}")
            };
            ops.insert(n + 1, LineOp::Add(ending));
        }
        (None, Some(h)) => {
            if old_lines[h].ends_with(['\n', '\r']) {
                ops.insert(h + 1, LineOp::Add(line));
            } else {
                ops[h] = LineOp::Drop(h);
                ops.insert(h + 1, LineOp::Add(format!("{}{newline}", old_lines[h])));
                ops.insert(h + 2, LineOp::Add(line));
            }
        }
        (None, None) => {
            let header = if profile == "default" {
                "default".to_string()
            } else {
                format!("profile {profile}")
            };
            return apply(
                text,
                &[],
                &[Block {
                    header,
                    props: vec![(key.to_string(), value.to_string())],
                }],
                profile_of_header,
            );
        }
    }
    Edit::render(old_lines, ops)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn set_replaces_the_key_that_wins_or_adds_it_under_the_profile_or_appends_a_section() {
        let of = crate::config::profile_of_header;
        let text = "[profile a]\nregion = x\n\n[profile b] # c\nregion = y\nlogin_session = old\n[profile c]\n";
        assert_eq!(
            set(text, "b", "login_session", "new", of).text,
            "[profile a]\nregion = x\n\n[profile b] # c\nregion = y\nlogin_session = new\n[profile c]\n"
        );
        assert_eq!(
            set(text, "a", "login_session", "arn", of).text,
            "[profile a]\nlogin_session = arn\nregion = x\n\n[profile b] # c\nregion = y\nlogin_session = old\n[profile c]\n"
        );
        assert_eq!(
            set(
                "[default]\r\nregion = x\r\n",
                "new",
                "login_session",
                "arn",
                of
            )
            .text,
            "[default]\r\nregion = x\r\n\r\n[profile new]\r\nlogin_session = arn\r\n"
        );
        assert_eq!(set("", "default", "k", "v", of).text, "[default]\nk = v\n");
    }

    fn profile_of(header: &str) -> Option<String> {
        header.strip_prefix("profile ").map(str::to_string)
    }

    fn block(name: &str) -> Block {
        Block {
            header: format!("profile {name}"),
            props: vec![("sso_session".into(), "corp".into())],
        }
    }

    #[test]
    fn appending_keeps_every_existing_byte() {
        let text =
            "# mine\n[default]\nregion = eu-west-1 ; note\n  odd = continuation\n[profile x]\nk=v";
        let e = apply(text, &[], &[block("a"), block("b")], profile_of);
        assert_eq!(
            e.text,
            format!(
                "{text}\n\n[profile a]\nsso_session = corp\n\n[profile b]\nsso_session = corp\n"
            )
        );
        assert!(e.text.starts_with(text));
    }

    #[test]
    fn appending_to_an_empty_file_starts_without_a_blank_line() {
        let e = apply("", &[], &[block("a")], profile_of);
        assert_eq!(e.text, "[profile a]\nsso_session = corp\n");
    }

    #[test]
    fn removing_a_section_keeps_its_neighbours_and_their_comments() {
        let text = "[profile a]\nx = 1\n\n[profile gone]\n# inside\ny = 2\n  sub = 3\n\n[profile b]\nz = 3\n";
        let e = apply(text, &["gone".into()], &[], profile_of);
        assert_eq!(e.text, "[profile a]\nx = 1\n\n[profile b]\nz = 3\n");
        let text = "[profile a]\nx = 1\n\n[profile gone]\ny = 2\n# about b\n[profile b]\n";
        let e = apply(text, &["gone".into()], &[], profile_of);
        assert_eq!(e.text, "[profile a]\nx = 1\n\n# about b\n[profile b]\n");
    }

    #[test]
    fn removing_the_last_section_leaves_no_trailing_blank_lines() {
        let text = "[profile a]\nx = 1\n\n[profile gone]\ny = 2\n\n";
        let e = apply(text, &["gone".into()], &[], profile_of);
        assert_eq!(e.text, "[profile a]\nx = 1\n");
    }

    #[test]
    fn crlf_files_get_crlf_lines() {
        let e = apply("[profile x]\r\nk = v\r\n", &[], &[block("a")], profile_of);
        assert_eq!(
            e.text,
            "[profile x]\r\nk = v\r\n\r\n[profile a]\r\nsso_session = corp\r\n"
        );
    }

    #[test]
    fn a_missing_final_newline_is_added_before_new_sections() {
        let e = apply("[profile x]\nk = v", &[], &[block("a")], profile_of);
        assert_eq!(
            e.text,
            "[profile x]\nk = v\n\n[profile a]\nsso_session = corp\n"
        );
        assert!(e.ops.contains(&LineOp::Drop(1)));
    }
}
