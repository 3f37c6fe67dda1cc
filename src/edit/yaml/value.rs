//! Values: how the core schema reads a plain scalar, what makes two mapping keys the same key,
//! and a node's value ([`Val`]) for comparing a document with the one intended.

use saphyr_parser::ScalarStyle;

use super::tree::{Kind, Node};

/// How the core schema (YAML 1.2, as Continue's and Goose's parsers resolve it) reads a plain
/// scalar.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum PlainType {
    Null,
    Bool(bool),
    Number,
    Str,
}

pub(crate) fn plain_type(s: &str) -> PlainType {
    match s {
        "" | "~" | "null" | "Null" | "NULL" => return PlainType::Null,
        "true" | "True" | "TRUE" => return PlainType::Bool(true),
        "false" | "False" | "FALSE" => return PlainType::Bool(false),
        ".inf" | ".Inf" | ".INF" | "+.inf" | "+.Inf" | "+.INF" | "-.inf" | "-.Inf" | "-.INF"
        | ".nan" | ".NaN" | ".NAN" => return PlainType::Number,
        _ => {}
    }
    let b = s.as_bytes();
    let digits = |t: &[u8], f: fn(&u8) -> bool| !t.is_empty() && t.iter().all(f);
    if let Some(h) = s.strip_prefix("0x")
        && digits(h.as_bytes(), u8::is_ascii_hexdigit)
    {
        return PlainType::Number;
    }
    if let Some(o) = s.strip_prefix("0o")
        && digits(o.as_bytes(), |c| (b'0'..=b'7').contains(c))
    {
        return PlainType::Number;
    }
    // [-+]? ( \. [0-9]+ | [0-9]+ ( \. [0-9]* )? ) ( [eE] [-+]? [0-9]+ )?
    let mut i = usize::from(matches!(b.first(), Some(b'-' | b'+')));
    let int_start = i;
    while b.get(i).is_some_and(u8::is_ascii_digit) {
        i += 1;
    }
    let int_digits = i - int_start;
    let mut frac_digits = 0;
    if b.get(i) == Some(&b'.') {
        i += 1;
        let f = i;
        while b.get(i).is_some_and(u8::is_ascii_digit) {
            i += 1;
        }
        frac_digits = i - f;
    }
    if int_digits == 0 && frac_digits == 0 {
        return PlainType::Str;
    }
    if matches!(b.get(i), Some(b'e' | b'E')) {
        let mut j = i + 1;
        if matches!(b.get(j), Some(b'-' | b'+')) {
            j += 1;
        }
        let e = j;
        while b.get(j).is_some_and(u8::is_ascii_digit) {
            j += 1;
        }
        if j == e {
            return PlainType::Str;
        }
        i = j;
    }
    if i == b.len() {
        PlainType::Number
    } else {
        PlainType::Str
    }
}

/// What makes two keys the same key for the client: strings by their text, other scalars by
/// their value (`1`, `0x1` and `1.0`… are compared as numbers; `null` and `~` are one key).
pub(super) fn key_identity(k: &Node) -> Option<String> {
    let Kind::Scalar { value, style, .. } = &k.kind else {
        return None;
    };
    // A tagged or anchored key (`!!str a`, `&x a`) is the same key for the clients.
    if *style != ScalarStyle::Plain || k.props {
        return Some(format!("s:{value}"));
    }
    Some(match plain_type(value) {
        PlainType::Str => format!("s:{value}"),
        PlainType::Null => "null".into(),
        PlainType::Bool(b) => format!("b:{b}"),
        PlainType::Number => {
            let v = value.replace('_', "");
            let n = if let Some(h) = v.strip_prefix("0x") {
                i128::from_str_radix(h, 16).ok().map(|n| n.to_string())
            } else if let Some(o) = v.strip_prefix("0o") {
                i128::from_str_radix(o, 8).ok().map(|n| n.to_string())
            } else {
                v.parse::<i128>().ok().map(|n| n.to_string())
            };
            match n {
                Some(n) => format!("n:{n}"),
                None => match v.to_ascii_lowercase().trim_start_matches('+') {
                    ".inf" => "n:inf".into(),
                    "-.inf" => "n:-inf".into(),
                    ".nan" => "n:nan".into(),
                    f => match f.parse::<f64>() {
                        Ok(x) if x.fract() == 0.0 && x.abs() < 1e30 => format!("n:{}", x as i128),
                        Ok(x) => format!("n:{x:e}"),
                        Err(_) => format!("p:{value}"),
                    },
                },
            }
        }
    })
}

/// A node's value, for comparing documents: scalars by text and style kind (plain or quoted),
/// anchors and tags included, maps in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Val {
    Scalar {
        value: String,
        plain: bool,
        props: bool,
    },
    Seq(Vec<Val>),
    Map(Vec<(Val, Val)>),
    Alias,
}

impl Val {
    pub(super) fn of(n: &Node) -> Val {
        let v = match &n.kind {
            Kind::Scalar { value, style, .. } => Val::Scalar {
                value: value.clone(),
                plain: *style == ScalarStyle::Plain,
                props: n.props,
            },
            Kind::Seq { items, .. } => Val::Seq(items.iter().map(Val::of).collect()),
            Kind::Map { pairs, .. } => Val::Map(
                pairs
                    .iter()
                    .map(|(k, v)| (Val::of(k), Val::of(v)))
                    .collect(),
            ),
            Kind::Alias => Val::Alias,
        };
        if n.props && !matches!(v, Val::Scalar { .. }) {
            // Keep collections with props distinct from those without.
            return Val::Seq(vec![
                Val::Scalar {
                    value: "(props)".into(),
                    plain: false,
                    props: true,
                },
                v,
            ]);
        }
        v
    }

    pub(super) fn str(s: &str) -> Val {
        Val::Scalar {
            value: s.to_string(),
            plain: false,
            props: false,
        }
    }

    /// The document value of an empty document.
    pub(super) fn null() -> Val {
        Val::Scalar {
            value: String::new(),
            plain: true,
            props: false,
        }
    }

    pub(super) fn key_is(&self, key: &str) -> bool {
        match self {
            Val::Scalar {
                value,
                plain,
                props: false,
            } => value == key && (!plain || plain_type(value) == PlainType::Str),
            _ => false,
        }
    }

    /// The value under `key` of a map.
    pub(super) fn get_mut(&mut self, key: &str) -> Option<&mut Val> {
        match self {
            Val::Map(pairs) => pairs
                .iter_mut()
                .rev()
                .find(|(k, _)| k.key_is(key))
                .map(|(_, v)| v),
            _ => None,
        }
    }

    /// Equal, with plain and quoted scalars that read as the same string taken as equal.
    pub(super) fn same(&self, other: &Val) -> bool {
        match (self, other) {
            (
                Val::Scalar {
                    value: a,
                    plain: pa,
                    props: xa,
                },
                Val::Scalar {
                    value: b,
                    plain: pb,
                    props: xb,
                },
            ) => {
                a == b
                    && xa == xb
                    && (pa == pb
                        || (*pa && plain_type(a) == PlainType::Str)
                        || (*pb && plain_type(b) == PlainType::Str))
            }
            (Val::Seq(a), Val::Seq(b)) => {
                a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x.same(y))
            }
            (Val::Map(a), Val::Map(b)) => {
                a.len() == b.len()
                    && a.iter()
                        .zip(b)
                        .all(|((ka, va), (kb, vb))| ka.same(kb) && va.same(vb))
            }
            (Val::Alias, Val::Alias) => true,
            _ => false,
        }
    }
}
