//! Format-preserving edits of MCP client config files: text in, text out, no file I/O.
//! JSON/JSONC goes through a fast span scanner (replacing a header is a byte splice) and, when
//! something must be created, the jsonc-parser CST; TOML goes through toml_edit; YAML through a
//! span editor over saphyr-parser's positions (`yaml`).

mod change;
mod desired;
mod error;
mod found;
mod json;
mod json_stdio;
/// The invariants every edit keeps, checked against independent parsers (property tests, fuzz).
#[cfg(feature = "testing")]
pub mod oracle;
mod scan;
mod spec;
mod stdio;
mod strict;
mod surrogates;
mod text;
mod token;
mod toml;
mod yaml;

pub use change::{Edit, Note};
pub(crate) use desired::{verify_op, HeaderValue, Op};
pub use desired::{Desired, SecretHeader};
pub use error::{from_bytes, EditError};
pub use found::{is_reference, EntryState, Inspection, AUTHORIZATION};
use spec::check_supported;
pub use spec::{EntrySpec, Field, Scalar, STRICT_WHY};
pub use stdio::{Stdio, StdioField, StdioSpec};
pub(crate) use text::{display_path, line_col, split_bom, uses_crlf};
pub(crate) use token::validate_token;

/// The dialect a config file is written in, with the strictness its client enforces.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Syntax {
    /// Plain JSON (Claude Code's `~/.claude.json` and `.mcp.json`, Cursor, Windsurf): a comment or
    /// trailing comma already in the file is refused, and none is ever written.
    StrictJson,
    /// JSON with comments and trailing commas (opencode, VS Code, Zed).
    Jsonc,
    /// JSON with comments but no trailing commas (Gemini CLI, which fails on one).
    JsoncNoTrailingCommas,
    /// TOML (Codex CLI).
    Toml,
    /// YAML 1.2, one document (Continue, Goose).
    Yaml,
}

impl Syntax {
    pub fn is_json(self) -> bool {
        !matches!(self, Syntax::Toml | Syntax::Yaml)
    }
}

/// Reads what `text` (`None`: the file does not exist) says about our entry.
pub fn inspect(
    text: Option<&str>,
    syntax: Syntax,
    spec: &EntrySpec,
) -> Result<Inspection, EditError> {
    check_supported(syntax, spec)?;
    match syntax {
        Syntax::Toml => toml::inspect(text, spec),
        Syntax::Yaml => yaml::inspect(text, spec),
        _ => json::inspect(text, syntax, spec),
    }
}

/// Computes the edit that makes our entry hold `desired`: a refresh sets the header (creating
/// the entry, headers object and container as needed) and leaves an entry whose credentials
/// come from elsewhere alone; a removal takes our header away and creates nothing; an explicit
/// mode sets the header and/or the field and removes every other
/// [`EntrySpec::auth_alternatives`] key. The result is verified by re-parsing it with the
/// syntax's strictness and reading the entry back.
pub fn apply(
    text: Option<&str>,
    syntax: Syntax,
    spec: &EntrySpec,
    desired: &Desired,
) -> Result<Edit, EditError> {
    if let Some((k, _)) = &desired.field
        && !spec.auth_alternatives.iter().any(|a| a == k)
    {
        return Err(EditError::Internal(format!(
            "`{k}` is not a credentials field of this client"
        )));
    }
    check_supported(syntax, spec)?;
    match syntax {
        Syntax::Toml => toml::apply(text, spec, Op::of(desired)),
        Syntax::Yaml => match &desired.stdio {
            Some(stdio) if spec.stdio.is_some() => yaml::apply_stdio(text, spec, stdio),
            _ => yaml::apply(text, spec, Op::of(desired)),
        },
        _ => json::apply(text, syntax, spec, Op::of(desired)),
    }
}

/// Computes the edit that makes our entry the local server `stdio` (proxy mode): creates it,
/// switches our remote entry over (its URL, headers and credentials fields removed), or updates
/// the command and arguments of our local entry. An entry named [`EntrySpec::name`] that is not
/// ours is a [`Edit::Conflict`] unless [`EntrySpec::force`]. Verified like [`apply`].
pub fn apply_stdio(
    text: Option<&str>,
    syntax: Syntax,
    spec: &EntrySpec,
    stdio: &Stdio,
) -> Result<Edit, EditError> {
    if spec.stdio.is_none() {
        return Err(EditError::Internal(
            "local server entries are not supported for this file".into(),
        ));
    }
    apply(text, syntax, spec, &Desired::stdio(stdio.clone()))
}

/// Keys of the object at `path` (JSON syntaxes only), `None` when the path does not lead to an
/// object. Used to detect layouts such as opencode's V2 `mcp.servers`.
pub fn object_keys(
    text: &str,
    syntax: Syntax,
    path: &[&str],
) -> Result<Option<Vec<String>>, EditError> {
    match syntax {
        Syntax::Toml => toml::table_keys(text, path),
        Syntax::Yaml => yaml::map_keys(text, path),
        _ => json::object_keys(text, syntax, path),
    }
}

/// Parses and prints the text without an edit (the round-trip guarantee the fixtures test).
pub fn round_trip(text: &str, syntax: Syntax) -> Result<String, EditError> {
    match syntax {
        Syntax::Toml => toml::round_trip(text),
        Syntax::Yaml => yaml::round_trip(text),
        _ => json::round_trip(text, syntax),
    }
}

#[cfg(test)]
mod tests;
