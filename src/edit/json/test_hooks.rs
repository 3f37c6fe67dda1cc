//! Probes the edit tests compare the paths with: whether the skeleton carries a change over,
//! and the one-pass strict listing next to the scanner's.

use super::analyse::{analyse, list_strict};
use super::cst::cst_edit;
use super::locate::locate;
use super::skeleton::Skeleton;
use crate::edit::scan::{Root, Scanner};
use crate::edit::{EntrySpec, Op, Syntax};

/// Whether a CST change to `text` can be carried over from its skeleton (tests).
pub(crate) fn skeleton_applies(text: &str, spec: &EntrySpec, op: Op<'_>) -> bool {
    let root = analyse(text, Syntax::StrictJson, Some(spec), &[]).unwrap();
    let Root::Object(obj) = &root else {
        return false;
    };
    let sk = Skeleton::new(text, obj, spec);
    let sk_root = analyse(&sk.text, Syntax::StrictJson, Some(spec), &[]).unwrap();
    let sk_loc = locate(&sk.text, &sk_root, spec).unwrap();
    let (out, _) = cst_edit(&sk.text, Syntax::StrictJson, spec, op, &sk_loc).unwrap();
    sk.text.len() < text.len() / 2 && sk.map_back(text, &out).is_some()
}

/// The one-pass listing of strict JSON next to the scanner's, for `text` and `spec` (tests):
/// `None` when the one-pass listing declines the document.
pub(crate) fn listings(text: &str, spec: &EntrySpec) -> (Option<Root>, Option<Root>) {
    let c = spec.container.len();
    let descend = |depth: usize, key: &str| {
        (depth < c && spec.container[depth] == key)
            || depth == c
            || (depth == c + 1 && key == spec.headers_key)
    };
    let scanned = Scanner::new(text, descend).scan().ok().map(|r| r.0);
    (list_strict(text, descend), scanned)
}
