//! What a file says about our server: the entry found ([`EntryState`]) and whether it is ours
//! ([`Inspection`]), with the questions asked of it (current, disabled, indirect).

use super::{Desired, SecretHeader, Stdio};

/// The header name we write.
pub const AUTHORIZATION: &str = "Authorization";

/// An Authorization value that refers to something the client resolves instead of holding a
/// token: `${VAR}`, `$VAR`, `{env:VAR}`, `${env:VAR}`, `${input:id}`, `{file:path}`, a command
/// substitution `$(command)`. (A `$` or a `{` can never be part of a bearer token.)
pub fn is_reference(value: &str) -> bool {
    let b = value.as_bytes();
    value.contains("{env:")
        || value.contains("{file:")
        || b.windows(2).any(|w| {
            w[0] == b'$' && (matches!(w[1], b'{' | b'(' | b'_') || w[1].is_ascii_alphabetic())
        })
}

/// What a file says about our server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Inspection {
    /// No entry named [`EntrySpec::name`] and none with our URL (the container may be missing too).
    Missing,
    /// Our entry: named [`EntrySpec::name`] with our URL, or another name with our URL.
    Found(EntryState),
    /// An entry named [`EntrySpec::name`] whose URL is not ours (or which has no URL), and no
    /// other entry with our URL. Left alone unless [`EntrySpec::force`].
    Conflict(EntryState),
}

impl Inspection {
    pub fn entry(&self) -> Option<&EntryState> {
        match self {
            Inspection::Missing => None,
            Inspection::Found(e) | Inspection::Conflict(e) => Some(e),
        }
    }
}

/// An entry as found in a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EntryState {
    /// Its name in the container (may differ from [`EntrySpec::name`] when found by URL).
    pub name: String,
    /// 1-based line of the entry's key.
    pub line: usize,
    /// The URL it holds, if any (under any of [`EntrySpec::url_keys`]).
    pub url: Option<String>,
    /// `enabled` when present as a boolean (opencode V1).
    pub enabled: Option<bool>,
    /// `disabled` when present as a boolean (opencode V2 and others).
    pub disabled: Option<bool>,
    /// The spelling of the Authorization header key found (`Authorization`, `authorization`…).
    pub authorization_key: Option<String>,
    /// The current Authorization value, raw: treat it as a secret.
    pub authorization: Option<SecretHeader>,
    /// Required fields ([`EntrySpec::required`]) that are missing.
    pub missing_required: Vec<String>,
    /// Keys of [`EntrySpec::auth_alternatives`] present in the entry.
    pub other_auth: Vec<String>,
    /// The same keys with their values (`None` when not a string): a helper command, a
    /// variable name. Not secrets.
    pub auth_fields: Vec<(String, Option<String>)>,
    /// The command and arguments of a local (stdio) entry (`command` and `args`, or opencode's
    /// one `command` array); `None` when the entry has no command of strings.
    pub stdio: Option<Stdio>,
    /// Members of the stdio template ([`StdioSpec::template`]) missing or holding another value.
    pub stdio_mismatch: Vec<String>,
}

impl EntryState {
    /// `enabled: false` or `disabled: true`.
    pub fn is_disabled(&self) -> bool {
        self.enabled == Some(false) || self.disabled == Some(true)
    }

    /// The Authorization value refers to a variable or file instead of holding a token
    /// (`${VAR}`, `{env:VAR}`, `${env:VAR}`, `${input:id}`, `{file:path}`).
    pub fn authorization_is_reference(&self) -> bool {
        self.authorization_reference().is_some()
    }

    /// The Authorization value when it is a reference ([`is_reference`]); not a secret.
    pub fn authorization_reference(&self) -> Option<&str> {
        self.authorization
            .as_ref()
            .map(SecretHeader::expose)
            .filter(|v| is_reference(v))
    }

    /// The string value of the credentials field `key`, when present.
    pub fn auth_field(&self, key: &str) -> Option<&str> {
        self.auth_fields
            .iter()
            .find(|(k, _)| k == key)
            .and_then(|(_, v)| v.as_deref())
    }

    /// The credentials come from elsewhere than a static token we could refresh: an
    /// alternative key, or a reference value.
    pub fn is_indirect(&self) -> bool {
        !self.other_auth.is_empty() || self.authorization_is_reference() || self.is_stdio()
    }

    /// A local (stdio) entry: a command and no URL (proxy mode).
    pub fn is_stdio(&self) -> bool {
        self.url.is_none() && self.stdio.is_some()
    }

    /// The entry already carries exactly `auth` (and its required fields): what `status`
    /// calls current, and what an explicit mode leaves [`Edit::Unchanged`].
    pub fn holds(&self, auth: &Desired) -> bool {
        if let Some(argv) = &auth.stdio {
            return self.is_stdio()
                && self.stdio.as_ref() == Some(argv)
                && self.authorization.is_none()
                && self.other_auth.is_empty()
                && self.stdio_mismatch.is_empty();
        }
        if self.is_stdio() {
            return false;
        }
        let header = match (&auth.header, &self.authorization) {
            (Some(want), Some(have)) => want.expose() == have.expose(),
            (None, None) => true,
            _ => false,
        };
        let field = auth
            .field
            .as_ref()
            .is_none_or(|(k, v)| self.auth_field(k) == Some(v.as_str()));
        let others = self
            .other_auth
            .iter()
            .any(|k| auth.field.as_ref().is_none_or(|(f, _)| f != k));
        header && field && !others && self.missing_required.is_empty()
    }
}
