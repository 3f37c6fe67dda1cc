//! Why a file cannot be read or edited ([`EditError`]): messages name lines, columns and key
//! paths, never values.

use super::line_col;

/// Why a file cannot be read or edited. Messages name lines, columns and key paths, never values.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EditError {
    #[error("line {line}, column {column}: not valid UTF-8 (byte offset {offset})")]
    NotUtf8 {
        offset: usize,
        line: usize,
        column: usize,
    },
    #[error("line {line}, column {column}: {message}")]
    Syntax {
        line: usize,
        column: usize,
        message: String,
    },
    #[error("line {line}, column {column}: {what} is not allowed here: {why}")]
    Strictness {
        line: usize,
        column: usize,
        what: &'static str,
        why: &'static str,
    },
    #[error(
        "line {line}, column {column}: duplicate key `{path}` (also on line {first_line}); \
         clients use only one of them or refuse the file — remove one of them"
    )]
    DuplicateKey {
        path: String,
        first_line: usize,
        line: usize,
        column: usize,
    },
    #[error("line {line}, column {column}: `{path}` is {found}, expected {expected}")]
    WrongType {
        path: String,
        found: &'static str,
        expected: &'static str,
        line: usize,
        column: usize,
    },
    #[error(
        "line {line}, column {column}: `{path}` is written on one line with {members} members; \
         figma-auth reformats a one-line object only up to {max} members (the syntax tree's \
         cost grows with the square of their number) — spread it over several lines and retry"
    )]
    TooLarge {
        path: String,
        members: usize,
        max: usize,
        line: usize,
        column: usize,
    },
    #[error("internal error: {0} (nothing was written; please report this)")]
    Internal(String),
}

impl EditError {
    /// The 1-based line the error points at, if any.
    pub fn line(&self) -> Option<usize> {
        match self {
            EditError::NotUtf8 { line, .. }
            | EditError::Syntax { line, .. }
            | EditError::Strictness { line, .. }
            | EditError::DuplicateKey { line, .. }
            | EditError::WrongType { line, .. }
            | EditError::TooLarge { line, .. } => Some(*line),
            EditError::Internal(_) => None,
        }
    }

    /// A short stable name of the variant (used by fixtures).
    pub fn kind(&self) -> &'static str {
        match self {
            EditError::NotUtf8 { .. } => "not-utf8",
            EditError::Syntax { .. } => "syntax",
            EditError::Strictness { .. } => "strictness",
            EditError::DuplicateKey { .. } => "duplicate-key",
            EditError::WrongType { .. } => "wrong-type",
            EditError::TooLarge { .. } => "too-large",
            EditError::Internal(_) => "internal",
        }
    }
}

/// Checks that `bytes` are UTF-8 and returns them as text; the error gives the byte offset of
/// the first invalid byte.
pub fn from_bytes(bytes: &[u8]) -> Result<&str, EditError> {
    std::str::from_utf8(bytes).map_err(|e| {
        let offset = e.valid_up_to();
        // The prefix is valid UTF-8 by definition.
        let prefix = std::str::from_utf8(&bytes[..offset]).unwrap_or("");
        let (line, column) = line_col(prefix, offset);
        EditError::NotUtf8 {
            offset,
            line,
            column,
        }
    })
}
