//! Quoting for POSIX `sh`: the commands figma-auth prints or schedules (crontab lines, helper
//! commands in client configs, suggested commands), and the splitter that reads them back.

/// Quotes `s` for a POSIX shell: unchanged when it only holds safe characters, else in single
/// quotes (a `'` inside becomes `'\''`).
pub fn sh_quote(s: &str) -> String {
    let safe = !s.is_empty()
        && s.bytes().all(|b| {
            b.is_ascii_alphanumeric()
                || matches!(
                    b,
                    b'_' | b'-' | b'.' | b'/' | b':' | b'=' | b'@' | b'+' | b',' | b'%'
                )
        });
    if safe {
        s.to_string()
    } else {
        format!("'{}'", s.replace('\'', "'\\''"))
    }
}

/// A command line for a shell: each word quoted with [`sh_quote`], joined by spaces.
pub fn sh_join<S: AsRef<str>>(words: &[S]) -> String {
    words
        .iter()
        .map(|w| sh_quote(w.as_ref()))
        .collect::<Vec<_>>()
        .join(" ")
}

/// Splits a shell command line into words: unquoted words, single quotes, double quotes (with
/// `\"`, `\\`, `\$`, `` \` `` escapes) and backslash escapes outside quotes. Stops at an
/// unquoted `>`, `<`, `|`, `;`, `&` or `#` that starts a word (redirections and comments).
/// `None` for an unterminated quote.
pub(crate) fn sh_split(line: &str) -> Option<Vec<String>> {
    let mut words = Vec::new();
    let mut cur = String::new();
    let mut in_word = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            ' ' | '\t' => {
                if in_word {
                    words.push(std::mem::take(&mut cur));
                    in_word = false;
                }
            }
            '>' | '<' | '|' | ';' | '&' | '#' if !in_word => break,
            '\'' => {
                in_word = true;
                loop {
                    match chars.next()? {
                        '\'' => break,
                        ch => cur.push(ch),
                    }
                }
            }
            '"' => {
                in_word = true;
                loop {
                    match chars.next()? {
                        '"' => break,
                        '\\' => match chars.peek() {
                            Some(&n @ ('"' | '\\' | '$' | '`')) => {
                                cur.push(n);
                                chars.next();
                            }
                            _ => cur.push('\\'),
                        },
                        ch => cur.push(ch),
                    }
                }
            }
            '\\' => {
                in_word = true;
                if let Some(n) = chars.next() {
                    cur.push(n);
                }
            }
            ch => {
                in_word = true;
                cur.push(ch);
            }
        }
    }
    if in_word {
        words.push(cur);
    }
    Some(words)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    pub(crate) const AWKWARD: &[&str] = &[
        "/usr/local/bin/figma-auth",
        "/Users/J Doe/My Tools/figma-auth",
        "it's",
        "50%off",
        "$HOME",
        "back\\slash",
        "quo\"te",
        "tab\there",
        "",
        "a;b",
    ];

    #[test]
    fn sh_quote_round_trips() {
        let line: Vec<String> = AWKWARD.iter().map(|a| sh_quote(a)).collect();
        let line = line.join(" ");
        assert_eq!(sh_split(&line).unwrap(), AWKWARD);
        assert_eq!(sh_quote("plain/path-1.0"), "plain/path-1.0");
        assert_eq!(sh_quote("a b"), "'a b'");
    }

    #[test]
    fn sh_split_stops_at_redirections_and_comments() {
        assert_eq!(
            sh_split("HOME=/h '/a b/x' refresh >/dev/null 2>&1 # marker").unwrap(),
            ["HOME=/h", "/a b/x", "refresh"]
        );
    }
}
