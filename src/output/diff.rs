//! Unified diffs (`diff -u`, three lines of context) of an edit whose line operations are
//! already known, so there is nothing to guess: `ssox configure` shows with it what it will
//! change in a config file.

use crate::config::edit::LineOp;

const CONTEXT: usize = 3;

/// One line of the edit with its place in the old and the new file (0-based).
struct Row<'a> {
    op: &'a LineOp,
    old: usize,
    new: usize,
}

/// The diff of `ops` over `old_lines`, headed `--- old_name` / `+++ new_name`; empty when
/// nothing changes. With `color`, removed lines are red, added green, hunk heads cyan.
pub fn unified(
    old_lines: &[String],
    ops: &[LineOp],
    old_name: &str,
    new_name: &str,
    color: bool,
) -> String {
    let mut rows = Vec::with_capacity(ops.len());
    let (mut old, mut new) = (0, 0);
    for op in ops {
        rows.push(Row { op, old, new });
        match op {
            LineOp::Keep(_) => {
                old += 1;
                new += 1;
            }
            LineOp::Drop(_) => old += 1,
            LineOp::Add(_) => new += 1,
        }
    }
    let changed: Vec<usize> = rows
        .iter()
        .enumerate()
        .filter(|(_, r)| !matches!(r.op, LineOp::Keep(_)))
        .map(|(i, _)| i)
        .collect();
    if changed.is_empty() {
        return String::new();
    }
    let paint = |code: &str, s: &str| {
        if color {
            format!("\x1b[{code}m{s}\x1b[0m\n")
        } else {
            format!("{s}\n")
        }
    };
    let mut out = paint("1", &format!("--- {old_name}"));
    out.push_str(&paint("1", &format!("+++ {new_name}")));
    // Changes closer than two contexts apart share a hunk.
    let mut hunks: Vec<(usize, usize)> = Vec::new();
    for &i in &changed {
        match hunks.last_mut() {
            Some((_, end)) if i <= *end + 2 * CONTEXT + 1 => *end = i,
            _ => hunks.push((i, i)),
        }
    }
    for (first, last) in hunks {
        let start = first.saturating_sub(CONTEXT);
        let stop = (last + CONTEXT).min(rows.len() - 1);
        let span = &rows[start..=stop];
        let old_len = span
            .iter()
            .filter(|r| !matches!(r.op, LineOp::Add(_)))
            .count();
        let new_len = span
            .iter()
            .filter(|r| !matches!(r.op, LineOp::Drop(_)))
            .count();
        // As diff -u: an empty range is named by the line before it, and a range of one
        // line by that line alone.
        let range = |first: usize, len: usize| match len {
            0 => format!("{first},0"),
            1 => format!("{}", first + 1),
            _ => format!("{},{len}", first + 1),
        };
        out.push_str(&paint(
            "36",
            &format!(
                "@@ -{} +{} @@",
                range(span[0].old, old_len),
                range(span[0].new, new_len)
            ),
        ));
        for r in span {
            let (mark, text, code) = match r.op {
                LineOp::Keep(n) => (' ', old_lines[*n].as_str(), ""),
                LineOp::Drop(n) => ('-', old_lines[*n].as_str(), "31"),
                LineOp::Add(s) => ('+', s.as_str(), "32"),
            };
            let body = text.trim_end_matches(['\n', '\r']);
            let line = format!("{mark}{body}");
            if code.is_empty() {
                out.push_str(&line);
                out.push('\n');
            } else {
                out.push_str(&paint(code, &line));
            }
            if !text.ends_with(['\n', '\r']) {
                out.push_str("\\ No newline at end of file\n");
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::edit::{Block, apply};

    fn lines(text: &str) -> Vec<String> {
        text.split_inclusive('\n').map(str::to_string).collect()
    }

    #[test]
    fn an_append_is_one_hunk_with_three_lines_of_context() {
        let text = "a\nb\nc\nd\ne\n";
        let e = apply(
            text,
            &[],
            &[Block {
                header: "profile x".into(),
                props: vec![("k".into(), "v".into())],
            }],
            |_| None,
        );
        let d = unified(&e.old_lines, &e.ops, "config", "config", false);
        assert_eq!(
            d,
            "--- config\n+++ config\n@@ -3,3 +3,6 @@\n c\n d\n e\n+\n+[profile x]\n+k = v\n"
        );
    }

    #[test]
    fn matches_gnu_diff_for_removals_far_apart_and_a_new_file() {
        let old = lines("1\n2\n3\n4\n5\n6\n7\n8\n9\n10\n11\n12\n");
        let mut ops: Vec<LineOp> = (0..12).map(LineOp::Keep).collect();
        ops[1] = LineOp::Drop(1);
        ops[10] = LineOp::Drop(10);
        let d = unified(&old, &ops, "a", "b", false);
        assert_eq!(
            d,
            "--- a\n+++ b\n@@ -1,5 +1,4 @@\n 1\n-2\n 3\n 4\n 5\n@@ -8,5 +7,4 @@\n 8\n 9\n 10\n-11\n 12\n"
        );
        let d = unified(&[], &[LineOp::Add("x\n".into())], "a", "b", false);
        assert_eq!(d, "--- a\n+++ b\n@@ -0,0 +1 @@\n+x\n");
    }

    #[test]
    fn nothing_changed_is_no_diff() {
        let old = lines("a\n");
        assert_eq!(unified(&old, &[LineOp::Keep(0)], "a", "b", false), "");
    }
}
