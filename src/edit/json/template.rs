//! What a new member holds and where it goes: the entry template (URL, credentials, fixed
//! values) as syntax-tree input, and insertion in the template's order.

use jsonc_parser::cst::{CstInputValue, CstObject};

use crate::edit::{EntrySpec, Field, Op, Scalar, AUTHORIZATION};

pub(super) fn scalar_input(s: &Scalar) -> CstInputValue {
    match s {
        Scalar::Str(v) => CstInputValue::String(v.clone()),
        Scalar::Bool(b) => CstInputValue::Bool(*b),
        Scalar::Int(i) => CstInputValue::Number(i.to_string()),
    }
}

pub(super) fn template_input(spec: &EntrySpec, op: Op<'_>) -> CstInputValue {
    let mut members = Vec::new();
    for f in &spec.template {
        match f {
            Field::Url => members.push((
                spec.url_key().to_string(),
                CstInputValue::String(spec.url.clone()),
            )),
            Field::Headers => {
                if let Some((k, v)) = op.field {
                    members.push((k.to_string(), CstInputValue::String(v.to_string())));
                }
                if let Some(h) = op.header {
                    members.push((
                        spec.headers_key.clone(),
                        CstInputValue::Object(vec![(
                            AUTHORIZATION.to_string(),
                            CstInputValue::String(h.to_string()),
                        )]),
                    ));
                }
            }
            Field::Value(k, v) => members.push((k.clone(), scalar_input(v))),
        }
    }
    CstInputValue::Object(members)
}

/// The template position of a key (`None` when the template does not list it). Credentials
/// fields take the place of the headers.
pub(super) fn template_pos(spec: &EntrySpec, key: &str) -> Option<usize> {
    spec.template.iter().position(|f| match f {
        Field::Url => key == spec.url_key(),
        Field::Headers => {
            key == spec.headers_key || spec.auth_alternatives.iter().any(|a| a == key)
        }
        Field::Value(k, _) => k == key,
    })
}

/// Inserts `key` into `obj` where the template order puts it: before the first existing
/// member that the template lists after it, else at the end.
pub(super) fn insert_ordered(obj: &CstObject, spec: &EntrySpec, key: &str, value: CstInputValue) {
    let props = obj.properties();
    let index = template_pos(spec, key).and_then(|p| {
        props.iter().position(|prop| {
            prop.decoded_name()
                .and_then(|n| template_pos(spec, &n))
                .is_some_and(|q| q > p)
        })
    });
    match index {
        Some(i) => {
            obj.insert(i, key, value);
        }
        None => {
            obj.append(key, value);
        }
    }
}
