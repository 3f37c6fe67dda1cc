//! The one place untrusted text is made safe to show: control characters and bidirectional
//! overrides escaped, every known secret redacted in every encoding, server bodies cut to a short
//! excerpt.

use base64::Engine;

/// Longest excerpt of a server's error body quoted in a message.
pub(crate) const EXCERPT_MAX: usize = 80;

/// Runs of token characters at least this long are elided from excerpts: whatever secret a
/// server echoes in a form figma-auth does not know, it is not quoted.
const OPAQUE_RUN: usize = 24;

/// Every form of a set of secrets that a server could echo back.
///
/// A server may quote what it received: verbatim, percent-encoded (a form body or a query string,
/// upper- or lower-case hex, `+` or `%20` for a space), JSON-escaped (`\/`), or inside the HTTP
/// Basic header (`base64(urlencode(id) ":" urlencode(secret))`). [`Redactor`] knows all of them;
/// [`sanitize`] uses it. Text that is not an OAuth error is quoted only through [`excerpt`]: its
/// first line, tags stripped, long opaque runs (anything token-shaped) elided, at most
/// [`EXCERPT_MAX`] characters.
#[derive(Default)]
pub(crate) struct Redactor {
    needles: Vec<String>,
}

impl Redactor {
    pub(crate) fn new(secrets: &[&str]) -> Self {
        let mut r = Self::default();
        for s in secrets {
            r.add(s);
        }
        r
    }

    /// Adds `secret` in every encoding (ignored when shorter than 4 characters: such a value
    /// would redact ordinary words).
    pub(crate) fn add(&mut self, secret: &str) {
        if secret.chars().count() < 4 {
            return;
        }
        let mut forms = vec![secret.to_string()];
        // Percent-encodings as forms (`application/x-www-form-urlencoded`), RFC 3986, JavaScript's
        // encodeURIComponent and "everything but letters and digits" produce them, with upper-
        // and lower-case hex digits and `+` or `%20` for a space.
        for keep in ["", "*-._", "-._~", "-_.!~*'()"] {
            for upper in [true, false] {
                for plus in [true, false] {
                    forms.push(percent_encode(secret, keep, upper, plus));
                }
            }
        }
        // JSON string escaping of `/` (`\/`) and of `"`/`\`.
        forms.push(
            secret
                .replace('\\', "\\\\")
                .replace('"', "\\\"")
                .replace('/', "\\/"),
        );
        // Base64 of the secret alone, standard and URL-safe, with and without padding.
        for e in [
            base64::engine::general_purpose::STANDARD.encode(secret),
            base64::engine::general_purpose::STANDARD_NO_PAD.encode(secret),
            base64::engine::general_purpose::URL_SAFE.encode(secret),
            base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(secret),
        ] {
            forms.push(e);
        }
        for f in forms {
            if f.len() >= 4 && !self.needles.contains(&f) {
                self.needles.push(f);
            }
        }
        // Longest first, so that a form containing another is replaced whole.
        self.needles.sort_by_key(|n| std::cmp::Reverse(n.len()));
    }

    /// Adds the HTTP Basic credentials of `id` and `secret` (RFC 6749 §2.3.1 and the plain
    /// `id:secret` form), as the base64 a server could echo from the `Authorization` header.
    pub(crate) fn add_basic(&mut self, id: &str, secret: &str) {
        let enc = |s: &str| url::form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>();
        for raw in [
            format!("{}:{}", enc(id), enc(secret)),
            format!("{id}:{secret}"),
        ] {
            let b64 = base64::engine::general_purpose::STANDARD.encode(&raw);
            if !self.needles.contains(&b64) {
                self.needles.push(b64);
            }
        }
        self.add(secret);
    }

    /// `text` with every known form of every secret replaced by `[redacted]` (ASCII case is
    /// ignored for the encoded forms' hex digits by listing both cases).
    pub(crate) fn apply(&self, text: &str) -> String {
        let mut t = text.to_string();
        for n in &self.needles {
            if t.contains(n.as_str()) {
                t = t.replace(n.as_str(), "[redacted]");
            }
        }
        t
    }
}

/// Percent-encodes every byte of `s` except ASCII letters, digits and `keep`.
fn percent_encode(s: &str, keep: &str, upper: bool, plus_for_space: bool) -> String {
    let mut out = String::with_capacity(s.len() * 3);
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || (b.is_ascii() && keep.contains(b as char)) {
            out.push(b as char);
        } else if b == b' ' && plus_for_space {
            out.push('+');
        } else if upper {
            out.push_str(&format!("%{b:02X}"));
        } else {
            out.push_str(&format!("%{b:02x}"));
        }
    }
    out
}

/// True for characters that must never reach a terminal as they are: control characters (C0,
/// DEL, C1) and the bidirectional formatting characters that reorder displayed text.
pub(crate) fn is_unsafe_char(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// Escapes unsafe characters ([`is_unsafe_char`]) of `text`, for any server-provided text shown
/// on a terminal (a client id, an account name, a scope).
pub(crate) fn clean(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if is_unsafe_char(c) {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    out
}

/// Makes untrusted server text safe to print: `secrets` redacted in every encoding, unsafe
/// characters escaped, at most `max` characters.
pub(crate) fn sanitize(text: &str, secrets: &[&str], max: usize) -> String {
    sanitize_with(text, &Redactor::new(secrets), max)
}

/// [`sanitize`] with a prepared [`Redactor`].
pub(crate) fn sanitize_with(text: &str, redactor: &Redactor, max: usize) -> String {
    let t = redactor.apply(text.trim());
    let mut out = String::new();
    for (n, c) in t.chars().enumerate() {
        if n >= max {
            out.push('…');
            break;
        }
        if is_unsafe_char(c) {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    out
}

/// A short, secret-free excerpt of a server's (non-OAuth) error body: the first non-empty line
/// of its text (HTML tags dropped, whitespace collapsed), secrets redacted, token-shaped runs
/// elided, at most [`EXCERPT_MAX`] characters.
pub(crate) fn excerpt(body: &str, redactor: &Redactor) -> String {
    let text = strip_tags(body);
    let line = text
        .lines()
        .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
        .find(|l| !l.is_empty())
        .unwrap_or_default();
    let redacted = redactor.apply(&line);
    sanitize_with(&elide_opaque(&redacted), &Redactor::default(), EXCERPT_MAX)
}

/// The text of an HTML (or plain) body: markup between `<` and `>` removed, with the content of
/// `<script>` and `<style>` elements.
fn strip_tags(body: &str) -> String {
    if !body.contains('<') {
        return body.to_string();
    }
    let mut out = String::with_capacity(body.len());
    let mut rest = body;
    while let Some(start) = rest.find('<') {
        out.push_str(&rest[..start]);
        let tag = &rest[start..];
        let lower: String = tag.chars().take(8).collect::<String>().to_ascii_lowercase();
        let skip_to = if lower.starts_with("<script") {
            tag.to_ascii_lowercase().find("</script>").map(|i| i + 9)
        } else if lower.starts_with("<style") {
            tag.to_ascii_lowercase().find("</style>").map(|i| i + 8)
        } else {
            tag.find('>').map(|i| i + 1)
        };
        match skip_to {
            Some(i) => {
                // Block elements end a line: keep the first line of text apart from the next.
                out.push('\n');
                rest = &tag[i..];
            }
            None => {
                rest = "";
            }
        }
    }
    out.push_str(rest);
    out
}

/// Replaces every run of [`OPAQUE_RUN`] or more token characters (`A-Z a-z 0-9 - . _ ~ + / = %`)
/// by `[…]`.
fn elide_opaque(text: &str) -> String {
    let is_tok = |c: char| c.is_ascii_alphanumeric() || "-._~+/=%".contains(c);
    let mut out = String::with_capacity(text.len());
    let mut run = String::new();
    let flush = |run: &mut String, out: &mut String| {
        if run.chars().count() >= OPAQUE_RUN {
            out.push_str("[…]");
        } else {
            out.push_str(run);
        }
        run.clear();
    };
    for c in text.chars() {
        if is_tok(c) {
            run.push(c);
        } else {
            flush(&mut run, &mut out);
            out.push(c);
        }
    }
    flush(&mut run, &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const S: &str = "mock_rt_7_0a1b/c+d=e";

    #[test]
    fn every_encoding_is_redacted() {
        let r = Redactor::new(&[S]);
        let form: String = url::form_urlencoded::byte_serialize(S.as_bytes()).collect();
        let upper = percent_encode(S, "", true, true);
        let lower = percent_encode(S, "-._~", false, false);
        let b64 = base64::engine::general_purpose::STANDARD.encode(S);
        for text in [
            format!("got {S}!"),
            format!("refresh_token={form}&x"),
            format!("q={upper}"),
            format!("q={lower}"),
            format!("{{\"t\":\"{}\"}}", S.replace('/', "\\/")),
            format!("b64 {b64}"),
        ] {
            let out = r.apply(&text);
            assert!(out.contains("[redacted]"), "{text} -> {out}");
            assert!(!out.contains("0a1b"), "{text} -> {out}");
        }
        let mut r = Redactor::default();
        r.add_basic("client 1", S);
        let enc = |s: &str| url::form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>();
        let basic = base64::engine::general_purpose::STANDARD.encode(format!(
            "{}:{}",
            enc("client 1"),
            enc(S)
        ));
        assert_eq!(r.apply(&format!("Basic {basic}")), "Basic [redacted]");
    }

    #[test]
    fn clean_escapes_controls_and_bidi() {
        assert_eq!(clean("a\x1b[2Jb"), "a\\u{1b}[2Jb");
        assert_eq!(clean("x\u{202E}y\u{9b}z"), "x\\u{202e}y\\u{9b}z");
        assert_eq!(clean("Grüße"), "Grüße");
    }

    #[test]
    fn excerpts_are_short_and_secret_free() {
        let r = Redactor::new(&["figr_SECRET_9"]);
        let body = "<html><head><title>Bad request</title><style>x{}</style></head>\n<body>token figr_SECRET_9 and AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA</body></html>";
        assert_eq!(excerpt(body, &r), "Bad request");
        let plain = "you sent figr_SECRET_9 and QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVo= there\nmore";
        assert_eq!(excerpt(plain, &r), "you sent [redacted] and […] there");
        assert!(excerpt(&"x ".repeat(200), &r).chars().count() <= EXCERPT_MAX + 1);
        assert_eq!(excerpt("Forbidden", &r), "Forbidden");
    }

    #[test]
    fn sanitize_escapes_redacts_and_truncates() {
        assert_eq!(sanitize("a\x1b[31mb", &[], 100), "a\\u{1b}[31mb");
        assert_eq!(
            sanitize("bad token figu_1234", &["figu_1234"], 100),
            "bad token [redacted]"
        );
        assert_eq!(sanitize("abcdef", &[], 3), "abc…");
    }
}
