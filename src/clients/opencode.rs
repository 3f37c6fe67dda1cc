//! What data cannot say about opencode: which of its two layouts a file uses (`mcp.<name>` or
//! `mcp.servers.<name>`), and what it ends up using after deep-merging every file.

use crate::edit::{self, EditError, Inspection, SecretHeader, Syntax};

/// The `$schema` of a new opencode file.
pub(crate) const SCHEMA: &str = "https://opencode.ai/config.json";

/// The V2 layout: `mcp.servers` is an object of servers (not a V1 server named `servers`).
pub(crate) fn is_v2(syntax: Syntax, text: Option<&str>) -> Result<bool, EditError> {
    let Some(text) = text else { return Ok(false) };
    Ok(
        edit::object_keys(text, syntax, &["mcp", "servers"])?.is_some_and(|keys| {
            !keys
                .iter()
                .any(|k| k == "type" || k == "url" || k == "command")
        }),
    )
}

/// What opencode ends up using for our entry after deep-merging every file.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) struct Effective {
    /// Index (into the slice given to [`effective`]) of the file whose URL wins, and the URL.
    pub url: Option<(usize, String)>,
    /// The file whose `Authorization` wins, and its value (secret).
    pub authorization: Option<(usize, SecretHeader)>,
    /// The file whose `enabled`/`disabled` wins, and whether the server ends up enabled.
    pub enabled: Option<(usize, bool)>,
    /// The file whose `command` (a local server's command line) wins.
    pub command: Option<usize>,
}

/// Merges the inspections of all opencode files, given in load order (the user files, then the
/// project files; `None` for a missing or unreadable file), the way opencode deep-merges them:
/// per field, the last file that sets it wins. Only entries named `name` merge (an entry found
/// by URL under another name is a different server).
pub(crate) fn effective(states: &[Option<&Inspection>], name: &str) -> Effective {
    let mut out = Effective::default();
    for (i, st) in states.iter().enumerate() {
        let Some(e) = st.and_then(|s| s.entry()) else {
            continue;
        };
        if e.name != name {
            continue;
        }
        if let Some(u) = &e.url {
            out.url = Some((i, u.clone()));
        }
        if let Some(a) = &e.authorization {
            out.authorization = Some((i, a.clone()));
        }
        if e.stdio.is_some() {
            out.command = Some(i);
        }
        if let Some(en) = e.enabled {
            out.enabled = Some((i, en));
        }
        if let Some(d) = e.disabled {
            out.enabled = Some((i, !d));
        }
    }
    out
}
