//! What a preview must not show — the tokens, every header or environment value, the value of
//! any key that names a secret, a credential after an authorization scheme, anything token-shaped
//! — found line by line with a little structure carried along ([`Tracker`]).

use crate::secret::mask;

/// How many lines before a diff window are read to learn the blocks open at its start.
pub(super) const LOOKBACK: usize = 200;

/// Keys whose object (or array) holds only secrets: HTTP headers and environment variables.
const SECRET_BLOCKS: &[&str] = &[
    "headers",
    "http_headers",
    "env",
    "environment",
    "env_http_headers",
    "requestinit",
];

/// Authorization schemes whose credential follows after one space.
const SCHEMES: &[&str] = &["bearer", "basic", "token", "digest", "negotiate", "apikey"];

/// Prefixes of well-known token formats (Figma, GitHub, GitLab, OpenAI/Anthropic/Stripe, Slack,
/// AWS, Google, npm, PyPI, Hugging Face, DigitalOcean, Shopify, Linear, SendGrid).
const TOKEN_PREFIXES: &[&str] = &[
    "figu_",
    "figd_",
    "figo_",
    "figp_",
    "ghp_",
    "gho_",
    "ghu_",
    "ghs_",
    "ghr_",
    "github_pat_",
    "glpat-",
    "sk-",
    "sk_live_",
    "sk_test_",
    "rk_live_",
    "rk_test_",
    "xoxb-",
    "xoxp-",
    "xoxa-",
    "xoxs-",
    "xapp-",
    "AKIA",
    "ASIA",
    "AIza",
    "ya29.",
    "npm_",
    "pypi-",
    "hf_",
    "dop_v1_",
    "shpat_",
    "lin_api_",
    "SG.",
];

/// One open object or array.
#[derive(Debug, Clone, Copy)]
struct Frame {
    secret: bool,
}

/// The structure open at a point of the text, carried from line to line.
///
/// Diff lines are masked one at a time, with a little structure carried from line to line: a
/// stack of the objects and arrays open at that point (JSON, JSONC) and the current table
/// (TOML), each knowing whether its values are secrets. The lines just before a diff window are
/// run through the same tracker first (a bounded number of them), so a window that starts
/// inside a headers block still knows it. A heuristic, kept on the side of masking too much: a
/// masked value costs a look at the file, a shown one can cost a credential. Masked are the old
/// and new tokens, every value of a header or environment block (`headers`, `http_headers`,
/// `env`, …), every value of a key that names a secret (`X-Figma-Token`, `apiKey`, `password`,
/// …), the credential after an authorization scheme (`Bearer …`, `Basic …`, `token ghp_…`), and
/// anything else that looks like a token (known prefixes such as `ghp_`, `sk-`, `xoxb-`, JWTs,
/// long random strings).
#[derive(Debug, Clone, Default)]
pub(super) struct Tracker {
    stack: Vec<Frame>,
    /// Inside a TOML table whose values are secrets (`[mcp_servers.x.http_headers]`).
    toml_table_secret: bool,
    /// Inside a `/* … */` comment.
    in_block_comment: bool,
}

impl Tracker {
    /// Reads `lines` (the text before a window) to learn what is open after them.
    pub(super) fn prime(lines: &[&str]) -> Self {
        let mut t = Tracker::default();
        for l in lines {
            t.line(l, &[], false);
        }
        t
    }

    fn secret_here(&self) -> bool {
        self.stack
            .last()
            .map_or(self.toml_table_secret, |f| f.secret)
    }

    /// Masks one line (without its terminator) and advances the structure past it. With
    /// `render` false only the structure is followed.
    pub(super) fn line(&mut self, line: &str, secrets: &[&str], render: bool) -> String {
        // Known secrets first: they are masked wherever they appear.
        let replaced;
        let line = if render && secrets.iter().any(|s| !s.is_empty() && line.contains(s)) {
            let mut t = line.to_string();
            for s in secrets.iter().filter(|s| !s.is_empty()) {
                t = t.replace(s, &mask(s));
            }
            replaced = t;
            replaced.as_str()
        } else {
            line
        };
        if let Some(secret) = toml_table_header(line) {
            self.stack.clear();
            self.toml_table_secret = secret;
            return if render {
                mask_credentials(line)
            } else {
                String::new()
            };
        }
        let b = line.as_bytes();
        let mut out = String::with_capacity(line.len());
        let mut last_key: Option<String> = None;
        let mut i = 0;
        let mut copied = 0;
        while i < b.len() {
            if self.in_block_comment {
                match line[i..].find("*/") {
                    Some(k) => {
                        i += k + 2;
                        self.in_block_comment = false;
                        continue;
                    }
                    None => break,
                }
            }
            match b[i] {
                b'"' | b'\'' => {
                    let quote = b[i];
                    let (end, inner_end) = string_end(b, i, quote);
                    let inner = &line[i + 1..inner_end];
                    let after = skip_ws(b, end);
                    let is_key = matches!(b.get(after), Some(b':' | b'='));
                    if is_key {
                        last_key = Some(inner.to_ascii_lowercase());
                    } else if render {
                        let secret =
                            self.secret_here() || last_key.as_deref().is_some_and(secret_key);
                        if secret && let Some(masked) = mask_value(inner) {
                            out.push_str(&line[copied..i + 1]);
                            out.push_str(&masked);
                            copied = inner_end;
                        }
                    }
                    i = end;
                }
                b'#' => break,
                b'/' if b.get(i + 1) == Some(&b'/') => break,
                b'/' if b.get(i + 1) == Some(&b'*') => {
                    self.in_block_comment = true;
                    i += 2;
                }
                b'{' | b'[' => {
                    let named = last_key
                        .as_deref()
                        .is_some_and(|k| SECRET_BLOCKS.contains(&k) || secret_key(k));
                    self.stack.push(Frame {
                        secret: self.secret_here() || named,
                    });
                    last_key = None;
                    i += 1;
                }
                b'}' | b']' => {
                    self.stack.pop();
                    i += 1;
                }
                b',' => {
                    last_key = None;
                    i += 1;
                }
                c if c.is_ascii_alphanumeric() || c == b'_' || c == b'-' => {
                    // A bare TOML key (`X-Api-Key = "…"`, dotted: the last part counts).
                    let start = i;
                    while i < b.len()
                        && (b[i].is_ascii_alphanumeric() || matches!(b[i], b'_' | b'-' | b'.'))
                    {
                        i += 1;
                    }
                    if b.get(skip_ws(b, i)) == Some(&b'=') {
                        let word = &line[start..i];
                        let last = word.rsplit('.').next().unwrap_or(word);
                        last_key = Some(last.to_ascii_lowercase());
                    }
                }
                _ => i += 1,
            }
        }
        if !render {
            return String::new();
        }
        out.push_str(&line[copied..]);
        mask_credentials(&out)
    }
}

/// `Some(secret)` when `line` is a TOML table header (`[a.b]`, `[[a]]`): whether the table's
/// values are secrets (its last key is a header or environment block).
fn toml_table_header(line: &str) -> Option<bool> {
    let t = line.trim();
    let t = t.split_once(" #").map_or(t, |(a, _)| a).trim_end();
    let inner = t
        .strip_prefix("[[")
        .and_then(|r| r.strip_suffix("]]"))
        .or_else(|| t.strip_prefix('[').and_then(|r| r.strip_suffix(']')))?;
    // `["a"]` and `[true]` alone on a line could be JSON array elements: a quoted first key
    // counts only when the header is dotted.
    let first = inner.trim_start().chars().next()?;
    let key_like = !inner.contains(',')
        && (first.is_ascii_alphabetic() || first == '_' || inner.contains('.'))
        && inner
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.' | '"' | '\'' | ' '));
    if !key_like {
        return None;
    }
    let last = inner
        .rsplit('.')
        .next()
        .unwrap_or(inner)
        .trim()
        .trim_matches(['"', '\''])
        .to_ascii_lowercase();
    Some(SECRET_BLOCKS.contains(&last.as_str()) || secret_key(&last))
}

/// For the string literal starting at `i`: the offset just past it (closing quote included)
/// and the end of its content (an unterminated one runs to the end of the line).
fn string_end(b: &[u8], i: usize, quote: u8) -> (usize, usize) {
    let mut j = i + 1;
    while j < b.len() {
        match b[j] {
            b'\\' if quote == b'"' => j += 2,
            c if c == quote => return (j + 1, j),
            _ => j += 1,
        }
    }
    (b.len(), b.len())
}

fn skip_ws(b: &[u8], mut i: usize) -> usize {
    while i < b.len() && matches!(b[i], b' ' | b'\t') {
        i += 1;
    }
    i
}

/// Whether a (lower-cased) key names a secret: `x-figma-token`, `apiKey`, `password`, `cookie`,
/// any `X-…` header, ….
pub(super) fn secret_key(k: &str) -> bool {
    const WORDS: &[&str] = &[
        "token",
        "secret",
        "passw",
        "credential",
        "cookie",
        "session",
        "signature",
        "private",
        "auth",
        "apikey",
        "api_key",
        "api-key",
    ];
    WORDS.iter().any(|w| k.contains(w)) || k.ends_with("key") || k.starts_with("x-")
}

/// The masked form of a secret value (the text between its quotes), or `None` to show it:
/// references (`{env:X}`, `${X}`, `{file:…}`), variable names (`FIGMA_TOKEN`), already masked
/// values and empty ones stay visible; after a scheme only the credential is masked.
fn mask_value(v: &str) -> Option<String> {
    if v.is_empty() || v.contains('…') || is_reference(v) || is_variable_name(v) {
        return None;
    }
    if let Some(sp) = v.find(' ') {
        let (scheme, rest) = (&v[..sp], v[sp + 1..].trim_start());
        if SCHEMES.contains(&scheme.to_ascii_lowercase().as_str()) {
            if rest.is_empty() || rest.contains('…') || is_reference(rest) {
                return None;
            }
            return Some(format!("{scheme} {}", mask(rest)));
        }
    }
    Some(mask(v))
}

fn is_reference(v: &str) -> bool {
    let v = v.trim();
    (v.starts_with("${") || v.starts_with("{env:") || v.starts_with("{file:"))
        || (v.starts_with('$') && is_variable_name(&v[1..]))
}

/// `FIGMA_TOKEN`: an environment variable's name (upper case, digits, `_`), not a value.
fn is_variable_name(v: &str) -> bool {
    v.len() <= 64
        && v.starts_with(|c: char| c.is_ascii_uppercase())
        && v.chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
}

fn token_char(c: u8) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, b'-' | b'.' | b'_' | b'~' | b'+' | b'/' | b'=')
}

/// Masks, anywhere in `line`, the credential after an authorization scheme (`Bearer …`,
/// `Basic …`, `token ghp_…`) and every token-shaped word. References such as `Bearer
/// {env:FIGMA_TOKEN}` and values masked already stay as they are.
pub(crate) fn mask_credentials(line: &str) -> String {
    let b = line.as_bytes();
    let mut out = String::with_capacity(line.len());
    let mut copied = 0;
    let mut i = 0;
    // Set after a scheme word: the next word is its credential.
    let mut after_scheme: Option<&str> = None;
    while i < b.len() {
        if !token_char(b[i]) {
            if b[i] != b' ' {
                after_scheme = None;
            }
            i += 1;
            continue;
        }
        let start = i;
        while i < b.len() && token_char(b[i]) {
            i += 1;
        }
        let word = &line[start..i];
        let masked_already = line[i..].starts_with('…');
        let scheme = after_scheme.take();
        if masked_already {
            continue;
        }
        let credential = match scheme {
            Some("bearer" | "basic") => true,
            Some(_) => word.len() >= 12,
            None => false,
        };
        if credential || looks_like_token(word) {
            out.push_str(&line[copied..start]);
            out.push_str(&mask(word));
            copied = i;
            continue;
        }
        let lower = word.to_ascii_lowercase();
        if b.get(i) == Some(&b' ')
            && let Some(s) = SCHEMES.iter().find(|s| **s == lower)
        {
            after_scheme = Some(s);
            // Exactly one space separates a scheme from its credential.
            if b.get(i + 1) == Some(&b' ') {
                after_scheme = None;
            }
        }
    }
    out.push_str(&line[copied..]);
    out
}

/// Whether a word (a run of token characters) looks like a credential: a known token prefix
/// followed by at least ten characters, a JWT, or a long random string (32+ characters mixing
/// upper case, lower case and digits, or 32+ hex digits) that is not a path or a host name.
pub(super) fn looks_like_token(w: &str) -> bool {
    let w = w.trim_end_matches('=');
    if let Some(p) = TOKEN_PREFIXES.iter().find(|p| w.starts_with(**p)) {
        return w.len() >= p.len() + 10;
    }
    if w.starts_with("eyJ") && w.matches('.').count() == 2 && w.len() >= 30 {
        return true;
    }
    if w.len() < 32 || w.contains('/') || w.contains('.') {
        return false;
    }
    let upper = w.bytes().any(|c| c.is_ascii_uppercase());
    let lower = w.bytes().any(|c| c.is_ascii_lowercase());
    let digit = w.bytes().any(|c| c.is_ascii_digit());
    let hex = w.bytes().all(|c| c.is_ascii_hexdigit());
    (upper && lower && digit) || hex
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(text: &str) -> Vec<String> {
        let mut t = Tracker::default();
        text.lines().map(|l| t.line(l, &[], true)).collect()
    }

    #[test]
    fn header_values_are_masked_wherever_the_block_opens() {
        let out = lines(
            "\"headers\": {\n  \"X-Figma-Token\": \"figd_NEIGHBOUR_PAT_0123456789\",\n  \"Org\": \"acme-tenant-secret\",\n  \"Authorization\": \"Bearer {env:FIGMA_TOKEN}\"\n},\n\"url\": \"https://mcp.figma.com/mcp\"",
        );
        assert_eq!(out[1], "  \"X-Figma-Token\": \"figd_…6789\",");
        assert_eq!(out[2], "  \"Org\": \"…cret\",");
        assert_eq!(out[3], "  \"Authorization\": \"Bearer {env:FIGMA_TOKEN}\"");
        assert_eq!(out[5], "\"url\": \"https://mcp.figma.com/mcp\"");
    }

    #[test]
    fn a_window_inside_a_block_knows_it_from_the_lines_before() {
        let before = ["{", "  \"headers\": {", "    \"A\": \"1\","];
        let mut t = Tracker::prime(&before);
        assert_eq!(
            t.line("    \"Tenant\": \"some-plain-looking-value\",", &[], true),
            "    \"Tenant\": \"…alue\","
        );
        // TOML: the table header sets the state.
        let mut t = Tracker::prime(&["[mcp_servers.figma.http_headers]"]);
        assert_eq!(
            t.line("X-Org = \"org-name-that-is-private\"", &[], true),
            "X-Org = \"…vate\""
        );
        assert_eq!(
            t.line("[mcp_servers.other]", &[], true),
            "[mcp_servers.other]"
        );
        assert_eq!(
            t.line("url = \"https://x.example/mcp\"", &[], true),
            "url = \"https://x.example/mcp\""
        );
    }

    #[test]
    fn schemes_and_token_shapes_are_masked_anywhere() {
        assert_eq!(
            mask_credentials(
                "\"args\": [\"--header\", \"Authorization: token ghp_abcdefghijklmnop1234\"]"
            ),
            "\"args\": [\"--header\", \"Authorization: token ghp_…1234\"]"
        );
        assert_eq!(
            mask_credentials("Authorization: Basic dXNlcjpwYXNzd29yZA=="),
            "Authorization: Basic …ZA=="
        );
        assert_eq!(
            mask_credentials("// old key sk-ant-api03-AAAABBBBCCCCDDDD"),
            "// old key …DDDD"
        );
        // Not credentials: paths, URLs, UUIDs, ordinary words, references.
        for keep in [
            "\"/home/user/Projects/MyProject2024/src\": {",
            "\"url\": \"https://mcp.figma.com/mcp\"",
            "\"id\": \"123e4567-e89b-12d3-a456-426614174000\"",
            "// the token for the server",
            "\"Authorization\": \"Bearer ${FIGMA_TOKEN}\"",
            "\"Authorization\": \"Bearer figu_…abcd\"",
        ] {
            assert_eq!(mask_credentials(keep), keep);
        }
    }

    #[test]
    fn secret_keys_outside_blocks_and_references_kept() {
        let out = lines(
            "{ \"apiKey\": \"plainvalue123\", \"name\": \"figma\", \"bearer_token_env_var\": \"FIGMA_TOKEN\" }",
        );
        assert_eq!(
            out[0],
            "{ \"apiKey\": \"…\", \"name\": \"figma\", \"bearer_token_env_var\": \"FIGMA_TOKEN\" }"
        );
        let out = lines("http_headers = { \"X-Api\" = \"v1\", Other = \"plain-but-private\" }");
        assert_eq!(
            out[0],
            "http_headers = { \"X-Api\" = \"…\", Other = \"…vate\" }"
        );
    }
}
