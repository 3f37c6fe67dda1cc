//! What the editor produced for one file's text ([`Edit`]), the steps it took ([`Note`]), and
//! the new text it stands for; its `Debug` never shows the secret it carries.

use std::fmt;
use std::ops::Range;

use super::EntryState;

/// What the editor produced for one file's text.
#[derive(Clone, PartialEq, Eq)]
pub enum Edit {
    /// The file already says what we want (or there is nothing to remove).
    Unchanged,
    /// Not changed: an entry named [`EntrySpec::name`] points at another URL; use `force`.
    Conflict(EntryState),
    /// Not changed: the entry takes its credentials from elsewhere
    /// ([`EntryState::other_auth`]); a static header would not be used.
    Indirect(EntryState),
    /// Replace `range` of the original bytes (BOM included) with `replacement`, the new literal
    /// already escaped (secret); every other byte is untouched.
    Splice {
        range: Range<usize>,
        replacement: String,
        notes: Vec<Note>,
    },
    /// The whole new text (secret): the file is created, or members were inserted or removed.
    Rewrite { text: String, notes: Vec<Note> },
}

impl Edit {
    /// The file must change.
    pub fn changes(&self) -> bool {
        matches!(self, Edit::Splice { .. } | Edit::Rewrite { .. })
    }

    pub fn is_splice(&self) -> bool {
        matches!(self, Edit::Splice { .. })
    }

    /// What was done, in order, for messages and previews.
    pub fn notes(&self) -> &[Note] {
        match self {
            Edit::Splice { notes, .. } | Edit::Rewrite { notes, .. } => notes,
            _ => &[],
        }
    }

    /// The full new text (contains the secret), given the original text (`None` for a missing
    /// file); `None` when nothing changes.
    pub fn materialize(&self, original: Option<&str>) -> Option<String> {
        match self {
            Edit::Splice {
                range, replacement, ..
            } => {
                let original = original.unwrap_or("");
                let mut out = String::with_capacity(original.len() + replacement.len());
                out.push_str(&original[..range.start]);
                out.push_str(replacement);
                out.push_str(&original[range.end..]);
                Some(out)
            }
            Edit::Rewrite { text, .. } => Some(text.clone()),
            _ => None,
        }
    }
}

impl fmt::Debug for Edit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Edit::Unchanged => f.write_str("Unchanged"),
            Edit::Conflict(e) => f.debug_tuple("Conflict").field(e).finish(),
            Edit::Indirect(e) => f.debug_tuple("Indirect").field(e).finish(),
            Edit::Splice { range, notes, .. } => f
                .debug_struct("Splice")
                .field("range", range)
                .field("replacement", &"[redacted]")
                .field("notes", notes)
                .finish(),
            Edit::Rewrite { text, notes } => f
                .debug_struct("Rewrite")
                .field("text", &format_args!("[{} bytes, redacted]", text.len()))
                .field("notes", notes)
                .finish(),
        }
    }
}

/// One step of a change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Note {
    CreatedDocument,
    CreatedContainer(String),
    CreatedEntry(String),
    AddedField(String),
    SetUrl,
    AddedHeader,
    ReplacedHeader,
    RemovedHeader,
    /// A credentials field (`headersHelper`, `bearer_token_env_var`…) was added or changed.
    SetField(String),
    /// A credentials field of another mechanism was removed (mode switch).
    RemovedField(String),
    /// A one-line object was expanded onto several lines to receive a member.
    Reformatted,
}
