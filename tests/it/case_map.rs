//! `docs/security-cases.md` maps every security case to the tests that prove it. Every name it
//! gives exists: an integration test `file::function` of `tests/it/`, a unit test or an item of
//! `src/` by its module path (`module::tests::function`, `module::item`, `Type::member`); a name
//! ending in `…` or `*` is a prefix (`*` alone: every test of a module), and `…::function` is a
//! function of the module named before it. And every `case_NN_…` test
//! of `tests/it/` is named in the map.

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};

const MAP: &str = "docs/security-cases.md";

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The `a::b::c` names in backticks (the placeholder `file::function` and the standard
/// library's excepted); a
/// `name_{a,b}` stands for `name_a` and `name_b`.
fn names_in(text: &str) -> BTreeSet<String> {
    let ident = |s: &str| {
        !s.is_empty()
            && s.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '…' || c == '*')
    };
    text.split('`')
        .skip(1)
        .step_by(2)
        .filter(|s| s.contains("::") && *s != "file::function")
        // The standard library's (`mem::forget`).
        .filter(|s| !["std", "core", "mem"].contains(&s.split("::").next().unwrap()))
        .flat_map(expand)
        .filter(|s| s.split("::").all(ident))
        .collect()
}

/// `a{x,y}b` → `axb`, `ayb` (one pair of braces).
fn expand(s: &str) -> Vec<String> {
    match (s.find('{'), s.find('}')) {
        (Some(open), Some(close)) if open < close => s[open + 1..close]
            .split(',')
            .map(|alt| format!("{}{}{}", &s[..open], alt.trim(), &s[close + 1..]))
            .collect(),
        _ => vec![s.to_string()],
    }
}

/// The Rust files under `dir`, recursively.
fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(rust_files(&p));
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
    out
}

/// Whether `text` defines `name` (a function, type, constant, module or enum variant); a
/// name ending in `…` matches every definition it begins, `*` any.
fn defines(text: &str, name: &str) -> bool {
    if name == "*" {
        return true;
    }
    let (stem, prefix) = match name.strip_suffix(['…', '*']) {
        Some(s) => (s, true),
        None => (name, false),
    };
    let words: Vec<&str> = text
        .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .filter(|w| !w.is_empty())
        .collect();
    let matches = |w: &str| {
        if prefix {
            w.starts_with(stem)
        } else {
            w == stem
        }
    };
    let keywords = [
        "fn", "struct", "enum", "trait", "type", "const", "static", "mod",
    ];
    let defined = words
        .windows(2)
        .any(|w| keywords.contains(&w[0]) && matches(w[1]));
    // An enum variant or a field: `Name,`, `Name(`, `Name {` at the start of a line.
    defined
        || text.lines().any(|l| {
            let l = l.trim_start();
            l.strip_prefix(stem)
                .is_some_and(|rest| !prefix && rest.starts_with([',', '(', ' ', '{', ':']))
        })
}

/// The source file of module path `module` in `src/` (or in `tests/it/`), if there is one.
fn module_file(module: &[&str]) -> Option<PathBuf> {
    ["src", "tests/it"].into_iter().find_map(|dir| {
        let base = root().join(dir).join(module.join("/"));
        [base.with_extension("rs"), base.join("mod.rs")]
            .into_iter()
            .find(|p| p.is_file())
    })
}

/// Why `name` names nothing, or `None` when it exists.
fn missing(name: &str) -> Option<String> {
    let segs: Vec<&str> = name.split("::").collect();
    let last = segs[segs.len() - 1];
    if segs[0] == "…" {
        // `…::function`: a function of the module named just before.
        let ok = rust_files(&root().join("src"))
            .iter()
            .any(|f| defines(&fs::read_to_string(f).unwrap(), last));
        return (!ok).then(|| format!("no `{last}` in src/"));
    }
    let it = root().join("tests/it").join(format!("{}.rs", segs[0]));
    if segs.len() == 2 && it.is_file() {
        let text = fs::read_to_string(&it).unwrap();
        let stem = last.trim_end_matches(['…', '*']);
        let found = text.lines().any(|l| {
            l.trim_start().strip_prefix("fn ").is_some_and(|rest| {
                if stem.len() < last.len() {
                    rest.starts_with(stem)
                } else {
                    rest.strip_prefix(stem).is_some_and(|r| r.starts_with('('))
                }
            })
        });
        return (!found).then(|| format!("no test `{last}` in tests/it/{}.rs", segs[0]));
    }
    if segs.len() == 3 && it.is_file() && segs[1].starts_with(|c: char| c.is_ascii_uppercase()) {
        // `file::Type::member`: a helper of that test file.
        let text = fs::read_to_string(&it).unwrap();
        let ok = defines(&text, segs[1]) && defines(&text, last);
        return (!ok).then(|| format!("no `{}::{last}` in tests/it/{}.rs", segs[1], segs[0]));
    }
    if segs[0].starts_with(|c: char| c.is_ascii_uppercase()) {
        // `Type::member`: a type of `src/` or of the test support, and its member.
        let files: Vec<PathBuf> = rust_files(&root().join("src"))
            .into_iter()
            .chain(rust_files(&root().join("tests/it/support")))
            .collect();
        let ok = files.iter().any(|f| {
            let text = fs::read_to_string(f).unwrap();
            defines(&text, segs[0]) && defines(&text, segs[1])
        });
        return (!ok).then(|| format!("no type `{}` with `{}`", segs[0], segs[1]));
    }
    // A module path of `src/`, then what it holds.
    for split in (1..=segs.len()).rev() {
        let Some(file) = module_file(&segs[..split]) else {
            continue;
        };
        let text = fs::read_to_string(&file).unwrap();
        let rest = &segs[split..];
        let ok = match rest {
            [] => true,
            ["tests"] => text.contains("mod tests"),
            ["tests", f] => text.contains("mod tests") && defines(&text, f),
            [item] => defines(&text, item),
            _ => false,
        };
        return (!ok).then(|| format!("{} holds no `{}`", file.display(), rest.join("::")));
    }
    Some(format!("no module `{}` in src/", segs[0]))
}

#[test]
fn every_test_the_security_case_map_names_exists() {
    let text = fs::read_to_string(root().join(MAP)).unwrap();
    let names = names_in(&text);
    assert!(names.len() > 100, "{} names in {MAP}", names.len());
    let wrong: Vec<String> = names
        .iter()
        .filter_map(|n| missing(n).map(|why| format!("`{n}`: {why}")))
        .collect();
    assert!(wrong.is_empty(), "{MAP} names:\n{}", wrong.join("\n"));
}

#[test]
fn every_case_test_is_in_the_security_case_map() {
    let text = fs::read_to_string(root().join(MAP)).unwrap();
    let names = names_in(&text);
    let mut unmapped = Vec::new();
    for f in rust_files(&root().join("tests/it")) {
        let Some(module) = f.file_stem().map(|s| s.to_string_lossy().into_owned()) else {
            continue;
        };
        for l in fs::read_to_string(&f).unwrap().lines() {
            let Some(test) = l.strip_prefix("fn case_") else {
                continue;
            };
            let test = format!("case_{}", test.split('(').next().unwrap());
            let mapped = names.iter().any(|n| {
                n.strip_prefix(&format!("{module}::")).is_some_and(|t| {
                    t == test || t.strip_suffix('…').is_some_and(|p| test.starts_with(p))
                })
            });
            if !mapped {
                unmapped.push(format!("{module}::{test}"));
            }
        }
    }
    assert!(unmapped.is_empty(), "not in {MAP}: {unmapped:#?}");
}
