//! Words from a command line exactly as Python's `shlex.split` makes them. botocore splits a
//! `credential_process` this way, and the section headers of the config files
//! (`[profile 'team prof']`), so ssox must split both the same way. Pure.

/// `word` as a POSIX shell reads it back as one word (Python's `shlex.quote`): unchanged
/// when it is made of safe characters only, else in single quotes.
pub fn quote(word: &str) -> String {
    let safe = |c: char| c.is_ascii_alphanumeric() || "@%+=:,./-_".contains(c);
    if !word.is_empty() && word.chars().all(safe) {
        word.to_string()
    } else {
        format!("'{}'", word.replace('\'', "'\"'\"'"))
    }
}

/// Splits a command line into words exactly as Python's `shlex.split` does (what botocore
/// runs a credential_process with): POSIX quoting, no shell. In double quotes a backslash
/// escapes only `"` and `\\` (so `"\$"` stays `\$`); outside quotes it escapes any
/// character, a newline included; a trailing backslash or an open quote is an error.
pub fn split(cmd: &str) -> Result<Vec<String>, &'static str> {
    #[derive(Clone, Copy, PartialEq, Eq)]
    enum State {
        Between,
        Word,
        Quote(char),
        Escape { from: Option<char> },
    }
    let is_space = |c: char| matches!(c, ' ' | '\t' | '\r' | '\n');
    let mut words = Vec::new();
    let mut token = String::new();
    // Whether the current word had quotes: `''` is an empty word, nothing is no word.
    let mut quoted = false;
    let mut state = State::Between;
    for c in cmd.chars() {
        state = match state {
            State::Between | State::Word if is_space(c) => {
                if state == State::Word || quoted {
                    words.push(std::mem::take(&mut token));
                    quoted = false;
                }
                State::Between
            }
            State::Between | State::Word => match c {
                '\\' => State::Escape { from: None },
                '\'' | '"' => State::Quote(c),
                _ => {
                    token.push(c);
                    State::Word
                }
            },
            State::Quote(q) => {
                quoted = true;
                if c == q {
                    State::Word
                } else if c == '\\' && q == '"' {
                    State::Escape { from: Some(q) }
                } else {
                    token.push(c);
                    State::Quote(q)
                }
            }
            State::Escape { from } => {
                // In double quotes only the quote and the backslash itself are escaped.
                if from.is_some() && c != '\\' && Some(c) != from {
                    token.push('\\');
                }
                token.push(c);
                from.map_or(State::Word, State::Quote)
            }
        };
    }
    match state {
        State::Quote(_) => return Err("no closing quotation"),
        State::Escape { .. } => return Err("nothing after the last backslash"),
        State::Word => words.push(token),
        State::Between if quoted => words.push(token),
        State::Between => {}
    }
    Ok(words)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::process::Stdio;

    #[test]
    fn quoted_words_split_back_into_themselves() {
        for w in [
            "plain",
            "",
            "two words",
            "it's",
            "$HOME",
            "a\\b",
            "x*y",
            "-p",
        ] {
            assert_eq!(split(&quote(w)).unwrap(), vec![w.to_string()], "{w:?}");
        }
        assert_eq!(quote("terraform"), "terraform");
        assert_eq!(quote("it's"), "'it'\"'\"'s'");
    }

    #[test]
    fn splits_like_shlex() {
        assert_eq!(split("a b  c").unwrap(), ["a", "b", "c"]);
        assert_eq!(
            split(r#"/bin/tool --name "my profile" 'x y' a\ b"#).unwrap(),
            ["/bin/tool", "--name", "my profile", "x y", "a b"]
        );
        assert_eq!(split(r#""a\"b" '' x"#).unwrap(), ["a\"b", "", "x"]);
        assert!(split("tool --key 'SECRETVALUE").is_err());
        assert!(split("").unwrap().is_empty());
    }

    /// Command lines where a hand-written splitter and Python's `shlex.split` are easy to
    /// tell apart; each is split by both and must give the same words or both fail.
    const TRICKY: &[&str] = &[
        r#"a "\$HOME" b"#,
        r#""\`x\`""#,
        "tail\\",
        "a\\\nb",
        "\"a\\\nb\"",
        r#"'a\b' "a\b" a\b"#,
        r#""a\"b" 'it'\''s'"#,
        r#"x"" ""y '' """#,
        "a\tb\rc\x0bd\x0ce",
        "a\u{a0}b",
        r#"say "\\\"""#,
        r#""unterminated"#,
        r"a\ b\  c",
        r#"--json='{"k": "v"}' --x="$(y)""#,
        "#not-a-comment x",
        "  lead  and trail  ",
        "é \"ü\\é\"",
    ];

    #[test]
    fn splits_exactly_like_python_shlex() {
        let script = "import json, shlex, sys\nfor line in json.load(sys.stdin):\n    try:\n        print(json.dumps(shlex.split(line)))\n    except ValueError:\n        print('null')\n";
        let mut child = std::process::Command::new("python3")
            .args(["-c", script])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("python3 is needed for the tests");
        let input = serde_json::to_vec(TRICKY).unwrap();
        std::io::Write::write_all(&mut child.stdin.take().unwrap(), &input).unwrap();
        let out = child.wait_with_output().unwrap();
        let python: Vec<Option<Vec<String>>> = String::from_utf8(out.stdout)
            .unwrap()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        assert_eq!(python.len(), TRICKY.len());
        for (line, want) in TRICKY.iter().zip(python) {
            assert_eq!(split(line).ok(), want, "{line:?}");
        }
    }
}
