//! TOML (Codex) edits via toml_edit.
use super::{EditError, EditOutcome, EntrySpec, HeaderChange, Inspection};

pub(super) fn inspect(_text: Option<&str>, _spec: &EntrySpec) -> Result<Inspection, EditError> {
    Err(EditError::Internal("todo".into()))
}
pub(super) fn apply(
    _text: Option<&str>,
    _spec: &EntrySpec,
    _c: &HeaderChange,
) -> Result<EditOutcome, EditError> {
    Err(EditError::Internal("todo".into()))
}
pub(super) fn table_keys(_text: &str, _path: &[&str]) -> Result<Option<Vec<String>>, EditError> {
    Err(EditError::Internal("todo".into()))
}
pub(super) fn round_trip(_text: &str) -> Result<String, EditError> {
    Err(EditError::Internal("todo".into()))
}
