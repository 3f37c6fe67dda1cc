//! What our entry should hold ([`Desired`]: a refresh, a logout's removal, an explicit mode), the
//! header values it carries, and the editor's view of it ([`Op`]) with the check of an edited
//! entry against it.

use std::fmt;

/// A header value that carries a secret (`Bearer <token>`): redacted `Debug`, no `Display`.
#[derive(Clone, PartialEq, Eq)]
pub struct SecretHeader(String);

impl SecretHeader {
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    /// `Bearer <token>`.
    pub fn bearer(token: &crate::secret::AccessToken) -> Self {
        Self(format!("Bearer {}", token.expose()))
    }

    pub fn expose(&self) -> &str {
        &self.0
    }

    /// The token part of a `Bearer …` value, if it is one.
    pub fn bearer_token(&self) -> Option<&str> {
        let v = self.0.trim_start();
        let (scheme, rest) = v.split_at(v.find(' ')?);
        scheme.eq_ignore_ascii_case("bearer").then(|| rest.trim())
    }

    pub fn masked(&self) -> String {
        match self.bearer_token() {
            Some(t) => format!("Bearer {}", crate::secret::mask(t)),
            None => crate::secret::mask(&self.0),
        }
    }
}

impl fmt::Debug for SecretHeader {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SecretHeader([redacted])")
    }
}

/// The Authorization value our entry should hold.
#[derive(Clone, PartialEq, Eq)]
pub enum HeaderValue {
    /// `Bearer <token>`: a secret (redacted `Debug`).
    Token(SecretHeader),
    /// A value the client resolves when it connects (`Bearer {file:/abs/path}`,
    /// `Bearer ${FIGMA_TOKEN}`): not a secret, never validated as a token.
    Reference(String),
}

impl HeaderValue {
    /// The value to write (a secret for [`HeaderValue::Token`]).
    pub fn expose(&self) -> &str {
        match self {
            HeaderValue::Token(h) => h.expose(),
            HeaderValue::Reference(r) => r,
        }
    }
}

impl fmt::Debug for HeaderValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            HeaderValue::Token(h) => f.debug_tuple("Token").field(h).finish(),
            HeaderValue::Reference(r) => f.debug_tuple("Reference").field(r).finish(),
        }
    }
}

/// What to do with an entry whose credentials come from elsewhere (an
/// [`super::EntrySpec::auth_alternatives`] key, or an Authorization value that is a reference such as
/// `Bearer ${FIGMA_TOKEN}`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OnIndirect {
    /// Leave it alone ([`super::Edit::Indirect`]): a refresh never undoes an indirection.
    Leave,
    /// Make it hold exactly what is desired, removing every other mechanism (an explicit mode).
    Replace,
}

/// What our entry should hold: the one description of a wanted change — a refresh (set the
/// token), a logout (remove our header) or an explicit mode (exactly this header and field).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Desired {
    /// The Authorization value; `None`: no Authorization header (ours is removed, and the
    /// headers object with it when nothing else is left in it).
    pub header: Option<HeaderValue>,
    /// A string member of the entry that supplies the credentials (`headersHelper`,
    /// `http_headers_helper`, `bearer_token_env_var`); must be one of
    /// [`super::EntrySpec::auth_alternatives`]. Not a secret.
    pub field: Option<(String, String)>,
    pub indirect: OnIndirect,
    /// Create what is missing (container, entry, required fields); false for a removal, which
    /// creates nothing.
    pub create: bool,
    /// A local (stdio) entry running this command line (the program first) instead of a URL:
    /// the entry's URL, headers and credentials fields go ([`super::EntrySpec::stdio`]). Not a
    /// secret.
    pub stdio: Option<super::Stdio>,
}

impl Desired {
    /// A refresh: our header holds `header` (the entry is created when missing); an entry whose
    /// credentials come from elsewhere is left alone.
    pub fn header(header: SecretHeader) -> Self {
        Desired {
            header: Some(HeaderValue::Token(header)),
            field: None,
            indirect: OnIndirect::Leave,
            create: true,
            stdio: None,
        }
    }

    /// A logout: only the `Authorization` key of our entry goes; nothing is created.
    pub fn removal() -> Self {
        Desired {
            header: None,
            field: None,
            indirect: OnIndirect::Leave,
            create: false,
            stdio: None,
        }
    }

    /// An explicit mode: exactly this header (or none) and this field (or none), every other
    /// credentials key removed.
    pub fn exactly(header: Option<HeaderValue>, field: Option<(String, String)>) -> Self {
        Desired {
            header,
            field,
            indirect: OnIndirect::Replace,
            create: true,
            stdio: None,
        }
    }

    /// Proxy mode: a local (stdio) entry running `argv`, no URL, header or credentials field.
    pub fn stdio(stdio: super::Stdio) -> Self {
        Desired {
            stdio: Some(stdio),
            ..Desired::exactly(None, None)
        }
    }

    /// Nothing is created, only our header removed.
    pub fn is_removal(&self) -> bool {
        !self.create
    }

    /// The bearer token this puts into a file, if any (masked in previews; refused for tracked
    /// files).
    pub fn token(&self) -> Option<&str> {
        match &self.header {
            Some(HeaderValue::Token(h)) => h.bearer_token(),
            _ => None,
        }
    }
}

/// The editor's view of a [`Desired`].
#[derive(Clone, Copy)]
pub(crate) struct Op<'a> {
    /// The Authorization value wanted; `None`: no Authorization header.
    pub header: Option<&'a str>,
    /// A credentials field to set.
    pub field: Option<(&'a str, &'a str)>,
    /// Create what is missing (container, entry, required fields); false for a removal.
    pub create: bool,
    /// Leave an entry whose credentials come from elsewhere alone (a refresh).
    pub refresh: bool,
    /// Remove every other credentials mechanism (an explicit mode).
    pub switch: bool,
    /// A local (stdio) entry running this command line ([`Desired::stdio`]).
    pub stdio: Option<&'a super::Stdio>,
}

impl<'a> Op<'a> {
    pub(crate) fn of(d: &'a Desired) -> Self {
        Op {
            header: d.header.as_ref().map(HeaderValue::expose),
            field: d.field.as_ref().map(|(k, v)| (k.as_str(), v.as_str())),
            create: d.create,
            refresh: d.create && d.indirect == OnIndirect::Leave,
            switch: d.indirect == OnIndirect::Replace,
            stdio: d.stdio.as_ref(),
        }
    }

    /// Whether `key` (an auth alternative present in the entry) must go.
    pub(crate) fn removes_field(&self, key: &str) -> bool {
        self.switch && self.field.is_none_or(|(k, _)| k != key)
    }
}

/// Checks an edited entry against the op: the header, the field, no other mechanism left
/// (switch), required fields present. `fields` are the auth alternatives present with their
/// string values. The message names what is wrong, never a value.
pub(crate) fn verify_op(
    op: Op<'_>,
    have: Option<&str>,
    fields: &[(&str, Option<&str>)],
    required_ok: bool,
) -> Result<(), String> {
    if !op.create {
        return match have {
            Some(_) => Err("the header is still present".into()),
            None => Ok(()),
        };
    }
    match (op.header, have) {
        (Some(want), Some(h)) if want == h => {}
        (Some(_), _) => return Err("the header does not hold the new value".into()),
        (None, Some(_)) => return Err("the header is still present".into()),
        (None, None) => {}
    }
    if let Some((k, v)) = op.field
        && !fields.iter().any(|(fk, fv)| *fk == k && *fv == Some(v))
    {
        return Err(format!("`{k}` does not hold the new value"));
    }
    if let Some((k, _)) = fields.iter().find(|(k, _)| op.removes_field(k)) {
        return Err(format!("`{k}` is still present"));
    }
    if !required_ok {
        return Err("a required field is missing".into());
    }
    Ok(())
}
