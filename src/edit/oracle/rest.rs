//! The document apart from our entry, before and after an edit: the entry taken out of its
//! container (a map, or a list with `list_key`), the container levels the edit created
//! pruned, and the two rests compared.

use serde_json::{Map, Value};

use super::parse::is_blank_doc;
use crate::clients::ConfigFile;
use crate::edit::{EntrySpec, Syntax};

/// Takes our entry (`name`) out of the document before and after, and checks that what is
/// left is the same: containers the edit created (and YAML's empty ones it filled) and, in a
/// created document, the members of a new file do not count. Returns the two entries.
pub(super) fn take_entries(
    file: &ConfigFile,
    before: Option<&str>,
    before_value: &Value,
    after_value: Value,
    spec: &EntrySpec,
    name: &str,
    out: &str,
) -> Result<(Option<Value>, Option<Value>), String> {
    let list_key = spec.list_key.as_deref();
    let (mut before_rest, before_entry) =
        take_entry(before_value.clone(), &spec.container, name, list_key);
    let (mut after_rest, after_entry) = take_entry(after_value, &spec.container, name, list_key);
    prune_created(&mut after_rest, &before_rest, &spec.container);
    if file.syntax() == Syntax::Yaml {
        // An empty container (`key:`, `[]`, `{}`) the edit filled counts as created.
        drop_empty_chain(&mut before_rest, &spec.container);
        drop_empty_chain(&mut after_rest, &spec.container);
    }
    let created_doc = before.is_none_or(|b| is_blank_doc(file.syntax(), b));
    if created_doc {
        if let Value::Object(m) = &mut after_rest {
            for (k, _) in &spec.new_file_members {
                m.remove(k);
            }
        }
        if before_rest.as_object().is_some_and(Map::is_empty) {
            before_rest = Value::Object(Map::new());
        }
    }
    if before_rest != after_rest {
        return Err(format!(
            "something besides the entry changed\n--- before\n{}\n--- after\n{out}",
            before.unwrap_or("(missing)")
        ));
    }
    Ok((before_entry, after_entry))
}

/// Removes `container/name` from the document, returning the rest and the entry. With
/// `list_key`, the container is a list and the entry the item whose `list_key` is `name`.
fn take_entry(
    mut doc: Value,
    container: &[String],
    name: &str,
    list_key: Option<&str>,
) -> (Value, Option<Value>) {
    let mut cur = &mut doc;
    for (i, k) in container.iter().enumerate() {
        let last = i + 1 == container.len();
        match cur.get_mut(k.as_str()) {
            Some(v) if v.is_object() || (last && list_key.is_some() && v.is_array()) => cur = v,
            _ => return (doc, None),
        }
    }
    let taken = match (list_key, cur) {
        (Some(nk), Value::Array(items)) => items
            .iter()
            .position(|it| it.get(nk).and_then(Value::as_str) == Some(name))
            .map(|i| items.remove(i)),
        (None, Value::Object(m)) => m.remove(name),
        _ => None,
    };
    (doc, taken)
}

/// Removes container levels of `after` that `before` did not have (created by the edit, now
/// empty once the entry is taken out).
fn prune_created(after: &mut Value, before: &Value, container: &[String]) {
    let Some((k, rest)) = container.split_first() else {
        return;
    };
    let (Some(a), b) = (after.as_object_mut(), before.as_object()) else {
        return;
    };
    match b.and_then(|b| b.get(k.as_str())) {
        Some(bv) => {
            if let Some(av) = a.get_mut(k.as_str()) {
                prune_created(av, bv, rest);
            }
        }
        None => {
            if a.get(k.as_str()).is_some_and(|v| is_empty_chain(v, rest)) {
                a.remove(k.as_str());
            }
        }
    }
}

/// Removes the first level of `container` that is null or holds nothing but empty levels.
fn drop_empty_chain(doc: &mut Value, container: &[String]) {
    let Some((k, rest)) = container.split_first() else {
        return;
    };
    let Some(m) = doc.as_object_mut() else {
        return;
    };
    match m.get_mut(k.as_str()) {
        Some(v)
            if v.is_null()
                || is_empty_chain(v, rest)
                || v.as_object().is_some_and(Map::is_empty) =>
        {
            m.remove(k.as_str());
        }
        Some(v) => drop_empty_chain(v, rest),
        None => {}
    }
}

fn is_empty_chain(v: &Value, rest: &[String]) -> bool {
    if rest.is_empty() && v.as_array().is_some_and(Vec::is_empty) {
        return true;
    }
    let Some(m) = v.as_object() else {
        return false;
    };
    match rest.split_first() {
        None => m.is_empty() || v.as_array().is_some_and(Vec::is_empty),
        Some((k, r)) => m.len() == 1 && m.get(k.as_str()).is_some_and(|c| is_empty_chain(c, r)),
    }
}
