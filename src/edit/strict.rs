//! Strict JSON validated by serde_json while the root object's members are listed, on both cores
//! for a heavy file. The members of the root object — and of a large object member, such as the
//! `projects` map of a `~/.claude.json` — are walked here (keys, `:`, `,`, whitespace); every key
//! and every other value is validated by serde_json, so what is accepted is what serde_json
//! accepts. A large object is walked from its start on this thread and, on a second one, from a
//! member near its middle (found by its indentation); the second half counts only when the first
//! walk arrives exactly at that member, which proves it one of the object's own members.

use std::ops::Range;
use std::sync::atomic::{AtomicBool, Ordering};

use serde::de::IgnoredAny;

/// Objects at least this large are walked in two halves.
const SPLIT_MIN: usize = 4 << 20;

/// A member of the root object: its key literal and its value, as ranges of the text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct RawMember {
    pub key: Range<usize>,
    pub value: Range<usize>,
}

/// The members of `body`'s root object, when `body` is one valid strict-JSON object (`None`
/// otherwise: the caller's scanner then finds and words the problem).
pub(crate) fn root_members(body: &str) -> Option<Vec<RawMember>> {
    let b = body.as_bytes();
    let open = ws(b, 0);
    if b.get(open) != Some(&b'{') {
        return None;
    }
    let mut members = Vec::new();
    let end = match walk(body, open, None, None, large_value, |key, value| {
        members.push(RawMember { key, value })
    }) {
        Walk::Closed(end) => end,
        _ => return None,
    };
    (ws(b, end) == b.len()).then_some(members)
}

/// Skips JSON whitespace.
fn ws(b: &[u8], mut i: usize) -> usize {
    while matches!(b.get(i), Some(b' ' | b'\n' | b'\t' | b'\r')) {
        i += 1;
    }
    i
}

/// The end of the value that starts at `i`, validated by serde_json.
fn value_end(body: &str, i: usize) -> Option<usize> {
    let rest = body.get(i..)?;
    let mut stream = serde_json::Deserializer::from_str(rest).into_iter::<IgnoredAny>();
    match stream.next() {
        Some(Ok(_)) => Some(i + stream.byte_offset()),
        _ => None,
    }
}

/// [`value_end`], in two halves for a large object.
fn large_value(body: &str, i: usize) -> Option<usize> {
    if body.as_bytes()[i] == b'{' && body.len() - i >= SPLIT_MIN {
        split_object(body, i)
    } else {
        value_end(body, i)
    }
}

/// How a walk over an object's members ended.
enum Walk {
    /// At its `}`: the offset after it.
    Closed(usize),
    /// At the key of the member that starts at `land`.
    Landed,
    /// Told to stop.
    Cancelled,
    Invalid,
}

/// Walks the members of the object whose `{` is at `open`, or — when `open` is a key's opening
/// quote — from that member on, as a member after a comma. Validates each key with serde_json
/// and each value with `value`; `member` receives the key literal's and the value's ranges.
/// Stops at the key that starts at `land.0`, if it is one of the walk's own members (after a
/// comma); sets `land.1` once the walk has gone past that offset without meeting such a key.
fn walk(
    body: &str,
    open: usize,
    land: Option<(usize, &AtomicBool)>,
    cancel: Option<&AtomicBool>,
    value: impl Fn(&str, usize) -> Option<usize>,
    mut member: impl FnMut(Range<usize>, Range<usize>),
) -> Walk {
    let b = body.as_bytes();
    let mut i = if b.get(open) == Some(&b'{') {
        let first = ws(b, open + 1);
        if b.get(first) == Some(&b'}') {
            return Walk::Closed(first + 1);
        }
        first
    } else {
        open
    };
    let mut after_comma = b.get(open) != Some(&b'{');
    loop {
        if let Some((at, passed)) = land {
            if after_comma && i == at {
                return Walk::Landed;
            }
            if i > at {
                passed.store(true, Ordering::Relaxed);
            }
        }
        if cancel.is_some_and(|c| c.load(Ordering::Relaxed)) {
            return Walk::Cancelled;
        }
        if b.get(i) != Some(&b'"') {
            return Walk::Invalid;
        }
        let Some(key_end) = value_end(body, i) else {
            return Walk::Invalid;
        };
        let colon = ws(b, key_end);
        if b.get(colon) != Some(&b':') {
            return Walk::Invalid;
        }
        let start = ws(b, colon + 1);
        if start >= b.len() {
            return Walk::Invalid;
        }
        let Some(end) = value(body, start) else {
            return Walk::Invalid;
        };
        member(i..key_end, start..end);
        let next = ws(b, end);
        match b.get(next) {
            Some(b',') => {
                i = ws(b, next + 1);
                after_comma = true;
            }
            Some(b'}') => return Walk::Closed(next + 1),
            _ => return Walk::Invalid,
        }
    }
}

/// Validates the large object at `open` in two halves: the second from the member after a
/// comma followed by the first member's indentation, nearest after the middle of the rest of
/// the text. Returns the offset after its `}`.
fn split_object(body: &str, open: usize) -> Option<usize> {
    let b = body.as_bytes();
    let first = ws(b, open + 1);
    if b.get(first) != Some(&b'"') {
        return value_end(body, open);
    }
    let mut pattern = Vec::with_capacity(first - open + 1);
    pattern.push(b',');
    pattern.extend_from_slice(&b[open + 1..first]);
    pattern.push(b'"');
    let middle = open + (b.len() - open) / 2;
    let Some(k) = memchr::memmem::find(&b[middle..], &pattern) else {
        return value_end(body, open);
    };
    let second = middle + k + pattern.len() - 1;
    let passed = AtomicBool::new(false);
    std::thread::scope(|s| {
        let tail =
            s.spawn(
                || match walk(body, second, None, Some(&passed), value_end, |_, _| {}) {
                    Walk::Closed(end) => Some(end),
                    _ => None,
                },
            );
        let head = walk(
            body,
            open,
            Some((second, &passed)),
            None,
            value_end,
            |_, _| {},
        );
        #[cfg(test)]
        tests::SPLITS.with(|n| n.set(n.get() + usize::from(matches!(head, Walk::Landed))));
        match head {
            // `second` is a member of this object: the tail walk validated the rest.
            Walk::Landed => tail.join().ok().flatten(),
            // The object ended before `second`, or `second` was not one of its members:
            // the head walk validated all of it.
            Walk::Closed(end) => {
                passed.store(true, Ordering::Relaxed);
                Some(end)
            }
            Walk::Cancelled | Walk::Invalid => {
                passed.store(true, Ordering::Relaxed);
                None
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    thread_local! {
        /// Large objects this test thread validated in two halves.
        pub(super) static SPLITS: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
    }

    fn splits() -> usize {
        SPLITS.with(|n| n.get())
    }

    /// What serde_json says of the whole text (as the editor asks it: lone surrogates are
    /// valid): valid, with an object at the root.
    fn serde_accepts(text: &str) -> bool {
        serde_json::from_str::<IgnoredAny>(text).is_ok()
            && text
                .trim_start_matches([' ', '\n', '\t', '\r'])
                .starts_with('{')
    }

    /// The members serde_json sees, as text: each key literal and value, in order.
    fn listed(text: &str) -> Option<Vec<(String, String)>> {
        root_members(text).map(|m| {
            m.into_iter()
                .map(|m| (text[m.key].to_string(), text[m.value].to_string()))
                .collect()
        })
    }

    #[test]
    fn lists_and_validates_like_serde_json() {
        let ok = r#" {"a": 1, "b\"": [1, {"c": "}"}], "a": {"x": null}, "e": "\ud83d", "n": -0.5e+3}
"#;
        assert!(serde_accepts(ok));
        let members = listed(ok).unwrap();
        let keys: Vec<&str> = members.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(keys, [r#""a""#, r#""b\"""#, r#""a""#, r#""e""#, r#""n""#]);
        assert_eq!(members[1].1, r#"[1, {"c": "}"}]"#);
        assert_eq!(members[4].1, "-0.5e+3");
        assert_eq!(listed("{}"), Some(vec![]));
        for bad in [
            "",
            " ",
            "[]",
            "1",
            "{",
            "{}}",
            "{} 1",
            "{,}",
            "{\"a\"}",
            "{\"a\":}",
            "{\"a\": 1,}",
            "{\"a\": 1 \"b\": 2}",
            "{\"a\": 01}",
            "{\"a\": 1.}",
            "{\"a\": tru}",
            "{\"a\": \"\t\"}",
            "{\"a\": \"\\x\"}",
            "{\"a\": [1,]}",
            "{'a': 1}",
            "{\"a\": 1}\u{feff}",
            "{\"a\":1}/**/",
            "{\"a\": 1} //",
            "{a: 1}",
            "{\"a\": NaN}",
            "{\"a\" : 1\u{a0}}",
        ] {
            assert!(!serde_accepts(bad), "{bad:?}");
            assert_eq!(listed(bad), None, "{bad:?}");
        }
    }

    /// A JSON-ish text: a generated document, then maybe a few bytes changed.
    fn jsonish() -> impl Strategy<Value = String> {
        let leaf = prop_oneof![
            Just("null".to_string()),
            Just("true".to_string()),
            "-?(0|[1-9][0-9]{0,3})(\\.[0-9]{1,2})?([eE][+-]?[0-9])?",
            "\"([a-z ,:{}\\[\\]]|\\\\[nt\"\\\\/]|\\\\u[0-9a-fA-F]{4}){0,6}\"",
        ];
        let value = leaf.prop_recursive(4, 40, 5, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..5)
                    .prop_map(|v| format!("[{}]", v.join(", "))),
                prop::collection::vec(("\"[a-c]{0,2}\"", inner), 0..5).prop_map(|m| {
                    let m: Vec<String> = m.into_iter().map(|(k, v)| format!("{k}: {v}")).collect();
                    format!("{{\n  {}\n}}", m.join(",\n  "))
                }),
            ]
        });
        let doc = prop::collection::vec(("\"[a-c]{0,2}\"", value), 0..6).prop_map(|m| {
            let m: Vec<String> = m.into_iter().map(|(k, v)| format!("{k}: {v}")).collect();
            format!(" {{\n  {}\n}}\n", m.join(",\n  "))
        });
        let edits = prop::collection::vec(
            (
                any::<prop::sample::Index>(),
                prop::sample::select(vec![
                    "", ",", "}", "]", "\"", "\\", ":", " ", "0", "-", "\n", "\t", "x", "\u{1}",
                    "é",
                ]),
            ),
            0..3,
        );
        (doc, edits).prop_map(|(mut doc, edits)| {
            for (at, with) in edits {
                let mut i = at.index(doc.len() + 1);
                while !doc.is_char_boundary(i) {
                    i -= 1;
                }
                let end = (i + 1..=doc.len())
                    .find(|&j| doc.is_char_boundary(j))
                    .unwrap_or(i);
                doc.replace_range(i..end, with);
            }
            doc
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig {
            cases: 1000,
            failure_persistence: None,
            ..ProptestConfig::default()
        })]

        #[test]
        fn accepts_what_serde_json_accepts(text in jsonish()) {
            prop_assert_eq!(root_members(&text).is_some(), serde_accepts(&text), "{:?}", text);
        }
    }

    /// A large pretty-printed object as in a `~/.claude.json`, `n` members under `projects`.
    fn large(n: usize, indent: &str) -> String {
        let mut s = format!("{{{indent}\"numStartups\": 3,{indent}\"projects\": {{");
        for i in 0..n {
            if i > 0 {
                s.push(',');
            }
            s.push_str(&format!(
                "{indent}{indent}\"/p/{i}\": {{\"history\": [\"a,\\n  \\\"b\", {{\"x\": {i}}}], \"n\": {i}}}"
            ));
        }
        s.push_str(&format!("{indent}}},{indent}\"mcpServers\": {{}}\n}}\n"));
        s
    }

    #[test]
    fn a_large_object_is_validated_in_two_halves_exactly() {
        for indent in ["\n  ", ""] {
            let text = large(80_000, indent);
            assert!(text.len() > SPLIT_MIN, "{}", text.len());
            let before = splits();
            let keys: Vec<String> = listed(&text).unwrap().into_iter().map(|m| m.0).collect();
            assert_eq!(keys, ["\"numStartups\"", "\"projects\"", "\"mcpServers\""]);
            assert_eq!(splits(), before + 1, "not split");
            // One bad byte anywhere — the first half, the second, the member the second half
            // starts at, the last member — is found.
            let second = text[text.len() / 2..]
                .find(&format!(",{indent}{indent}\""))
                .unwrap()
                + text.len() / 2;
            for at in [
                100,
                text.len() / 3,
                second,
                second + 1,
                second + 3,
                text.len() - 60,
            ] {
                let mut bad = text.clone().into_bytes();
                bad[at] = if bad[at] == b'0' { b'x' } else { b'0' };
                let bad = String::from_utf8(bad).unwrap();
                assert_eq!(root_members(&bad).is_some(), serde_accepts(&bad), "at {at}");
            }
        }
    }

    #[test]
    fn a_wrong_guess_of_the_middle_member_costs_time_not_correctness() {
        // Minified: the first `,"` after the middle is inside an array of strings, not between
        // members; and an object that ends before the middle of the text.
        let mut members: Vec<String> = (0..250_000)
            .map(|i| format!("\"k{i}\":[\"a\",\"b\",{i}]"))
            .collect();
        let text = format!("{{\"big\":{{{}}}}}", members.join(","));
        assert!(text.len() > SPLIT_MIN);
        let before = splits();
        assert!(listed(&text).is_some());
        assert_eq!(splits(), before, "a wrong guess was used");
        members.truncate(120_000);
        let text = format!(
            "{{\"big\":{{{}}},\"after\":[{}]}}",
            members.join(","),
            "\"x\",".repeat(400_000) + "1"
        );
        assert_eq!(listed(&text).map(|m| m.len()), Some(2));
        let bad = text.replacen("\"x\",1", "\"x\",,1", 1);
        assert!(!serde_accepts(&bad) && listed(&bad).is_none());
    }
}
