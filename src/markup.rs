//! Escaping for the markup figma-auth writes: the HTML page the login callback shows and the
//! launchd property lists the scheduler installs. One function serves both: `&#39;` is the
//! apostrophe's reference that HTML and XML alike accept.

/// Escapes `& < > " '` for HTML or XML text and attribute values.
pub(crate) fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::escape;

    #[test]
    fn the_five_markup_characters_are_escaped_and_the_rest_kept() {
        assert_eq!(escape("<script>&\"' é"), "&lt;script&gt;&amp;&quot;&#39; é");
    }
}
