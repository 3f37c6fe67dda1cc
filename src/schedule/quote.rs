//! Quoting for the scheduler files: crontab lines (`%`), systemd unit files (`ExecStart=`,
//! `Environment=`, per systemd.syntax(7) and systemd.service(5)) and launchd plists (XML,
//! escaped by `crate::markup`), with the splitters `schedule status` reads them back with (for
//! what the quoters produce).

pub(crate) use crate::shell_quote::{sh_quote, sh_split};

/// Escapes a command for a crontab line: cron turns an unescaped `%` into a newline (and feeds
/// the rest as stdin), and turns `\%` back into `%` before the shell sees it (Vixie cron,
/// cronie, macOS).
pub(crate) fn cron_escape(command: &str) -> String {
    command.replace('%', "\\%")
}

/// The inverse of [`cron_escape`].
pub(crate) fn cron_unescape(command: &str) -> String {
    command.replace("\\%", "%")
}

/// Quotes one item of a systemd command line (`ExecStart=`): `%` becomes `%%` (specifiers) and
/// `$` becomes `$$` (variable expansion); items with whitespace, quotes, backslashes or that are
/// empty go in double quotes with C-style escapes.
pub(crate) fn systemd_quote_arg(s: &str) -> String {
    let escaped = s.replace('%', "%%").replace('$', "$$");
    let needs_quotes = s.is_empty()
        || s.chars()
            .any(|c| c.is_whitespace() || matches!(c, '"' | '\'' | '\\' | ';'));
    if needs_quotes {
        format!("\"{}\"", c_escape(&escaped))
    } else {
        escaped
    }
}

/// Quotes a `NAME=value` assignment for `Environment=` (no `$` expansion there, `%` still
/// a specifier): always in double quotes.
pub(crate) fn systemd_quote_env(name: &str, value: &str) -> String {
    format!(
        "\"{}\"",
        c_escape(&format!("{name}={value}").replace('%', "%%"))
    )
}

fn c_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\t' => out.push_str("\\t"),
            c => out.push(c),
        }
    }
    out
}

/// Splits a systemd command line or `Environment=` value written by the quoters above:
/// double and single quotes with C-style escapes, then `%%` → `%` and (when `dollars`) `$$` → `$`.
pub(crate) fn systemd_split(line: &str, dollars: bool) -> Option<Vec<String>> {
    let mut words = Vec::new();
    let mut chars = line.chars().peekable();
    loop {
        while matches!(chars.peek(), Some(' ' | '\t')) {
            chars.next();
        }
        let Some(&first) = chars.peek() else { break };
        let mut cur = String::new();
        if first == '"' || first == '\'' {
            chars.next();
            loop {
                match chars.next()? {
                    c if c == first => break,
                    '\\' => match chars.next()? {
                        'n' => cur.push('\n'),
                        't' => cur.push('\t'),
                        other => cur.push(other),
                    },
                    c => cur.push(c),
                }
            }
        } else {
            while let Some(&c) = chars.peek() {
                if c == ' ' || c == '\t' {
                    break;
                }
                chars.next();
                if c == '\\' {
                    cur.push(chars.next()?);
                } else {
                    cur.push(c);
                }
            }
        }
        let mut word = cur.replace("%%", "%");
        if dollars {
            word = word.replace("$$", "$");
        }
        words.push(word);
    }
    Some(words)
}

/// The inverse of [`crate::markup::escape`] (the five predefined entities and numeric references).
pub(crate) fn xml_unescape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(pos) = rest.find('&') {
        out.push_str(&rest[..pos]);
        rest = &rest[pos..];
        let Some(end) = rest.find(';') else { break };
        let entity = &rest[1..end];
        let decoded = match entity {
            "amp" => Some('&'),
            "lt" => Some('<'),
            "gt" => Some('>'),
            "quot" => Some('"'),
            "apos" => Some('\''),
            e if e.starts_with("#x") => u32::from_str_radix(&e[2..], 16)
                .ok()
                .and_then(char::from_u32),
            e if e.starts_with('#') => e[1..].parse().ok().and_then(char::from_u32),
            _ => None,
        };
        match decoded {
            Some(c) => {
                out.push(c);
                rest = &rest[end + 1..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::shell_quote::tests::AWKWARD;

    #[test]
    fn systemd_quote_round_trips_and_escapes_specifiers() {
        let line: Vec<String> = AWKWARD.iter().map(|a| systemd_quote_arg(a)).collect();
        let line = line.join(" ");
        assert_eq!(systemd_split(&line, true).unwrap(), AWKWARD);
        assert_eq!(systemd_quote_arg("/a b/x"), "\"/a b/x\"");
        assert_eq!(systemd_quote_arg("50%"), "50%%");
        assert_eq!(systemd_quote_arg("$HOME"), "$$HOME");
        assert_eq!(systemd_quote_env("HOME", "/h/50% x"), "\"HOME=/h/50%% x\"");
        assert_eq!(
            systemd_split("\"HOME=/h/50%% x\"", false).unwrap(),
            ["HOME=/h/50% x"]
        );
    }

    #[test]
    fn cron_percent_escaping_round_trips() {
        assert_eq!(cron_escape("'/a/50%'"), "'/a/50\\%'");
        assert_eq!(cron_unescape(&cron_escape("x%y%%")), "x%y%%");
    }

    #[test]
    fn xml_escape_round_trips() {
        let s = "a&b<c>d\"e'f &#x41;";
        assert_eq!(xml_unescape(&crate::markup::escape(s)), s);
        assert_eq!(xml_unescape("&#65;&#x42;"), "AB");
    }
}
