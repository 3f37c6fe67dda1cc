//! Text helpers the editors share: line and column of a byte, newline kind, BOM, key paths for
//! messages.

/// 1-based line and column (in characters) of byte `pos` of `text`.
pub(crate) fn line_col(text: &str, pos: usize) -> (usize, usize) {
    let pos = pos.min(text.len());
    let bytes = text.as_bytes();
    let before = &bytes[..pos];
    let line = memchr::memchr_iter(b'\n', before).count() + 1;
    let line_start = memchr::memrchr(b'\n', before).map(|i| i + 1).unwrap_or(0);
    let column = text
        .get(line_start..pos)
        .map(|s| s.chars().count())
        .unwrap_or(pos - line_start)
        + 1;
    (line, column)
}

/// CRLF when every line feed of the input is preceded by a carriage return.
pub(crate) fn uses_crlf(body: &str) -> bool {
    let lf = memchr::memchr_iter(b'\n', body.as_bytes()).count();
    lf > 0 && body.matches("\r\n").count() == lf
}

const BOM: &str = "\u{feff}";

/// Splits a leading UTF-8 BOM off.
pub(crate) fn split_bom(text: &str) -> (&'static str, &str) {
    match text.strip_prefix(BOM) {
        Some(rest) => (BOM, rest),
        None => ("", text),
    }
}

/// Joins a key path for messages: `mcpServers.figma.headers`, quoting keys with dots or spaces.
pub(crate) fn display_path<S: AsRef<str>>(keys: &[S]) -> String {
    let mut out = String::new();
    for (i, k) in keys.iter().enumerate() {
        let k = k.as_ref();
        let plain = !k.is_empty()
            && k.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-' || c == '$');
        if i > 0 {
            out.push('.');
        }
        if plain {
            out.push_str(k);
        } else {
            out.push_str(&serde_json::to_string(k).unwrap_or_default());
        }
    }
    out
}
