//! Property tests of the editors: for generated valid documents of every dialect, each edit
//! (refresh, logout, every mode a client supports) gives a document the client's parser accepts,
//! whose only semantic change is our entry, whose bytes outside the edited object are unchanged,
//! and which a second application leaves unchanged; the outcome is the one the generated state
//! calls for. Invalid input (random bytes, truncations, NULs) gives an error or a valid outcome,
//! never a panic. The invariants are `figma_auth::edit::oracle`'s (the fuzz targets check the
//! same ones). Case counts are bounded so the suite stays within seconds; raise them with
//! `PROPTEST_CASES=5000 cargo test --release --test it props::`.

mod json_gen;
mod toml_gen;
mod yaml_gen;

use figma_auth::clients::{self, ConfigFile, Mode, Scope, Server};
use figma_auth::edit::oracle::{self, check, env, Kind, Op};
use figma_auth::edit::Syntax;
use proptest::prelude::*;
use proptest::test_runner::Config;

fn file(id: &str, scope: Scope) -> ConfigFile {
    clients::by_id(id).unwrap().files(&env(), scope)[0].clone()
}

/// How many JSON-dialect files [`json_file`] picks from.
const JSON_FILES: usize = 12;

/// A JSON-dialect file and the container layout to generate (opencode twice: V1 and V2).
fn json_file(i: usize) -> (ConfigFile, Option<Vec<String>>) {
    match i % JSON_FILES {
        0 => (file("claude", Scope::User), None),
        1 => (file("claude", Scope::Local), None),
        2 => (file("cursor", Scope::User), None),
        3 => (file("windsurf", Scope::User), None),
        4 => (file("opencode", Scope::User), None),
        5 => (
            file("opencode", Scope::User),
            Some(vec!["mcp".into(), "servers".into()]),
        ),
        6 => (file("vscode", Scope::User), None),
        7 => (file("zed", Scope::User), None),
        8 => (file("gemini", Scope::User), None),
        9 => (file("cline", Scope::User), None),
        10 => (file("kilo", Scope::User), None),
        _ => (file("auggie", Scope::User), None),
    }
}

fn cases() -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(64)
}

fn config() -> Config {
    Config {
        cases: cases(),
        // Shrinking a multi-part document can take long; a failure prints the input anyway.
        max_shrink_iters: 2000,
        ..Config::default()
    }
}

/// The refresh outcome the generated state calls for.
fn expected_refresh(g: &json_gen::DocGen, required_all: bool, has_alternatives: bool) -> Kind {
    let Some(e) = &g.entry else {
        return Kind::Rewrite;
    };
    if g.blank.is_some() {
        return Kind::Rewrite;
    }
    if !e.ours() {
        return if e.other_name {
            Kind::Rewrite
        } else {
            Kind::Conflict
        };
    }
    if (e.alt.is_some() && has_alternatives) || e.headers == 5 {
        return Kind::Indirect;
    }
    if e.headers == 3 && required_all {
        return Kind::Unchanged;
    }
    if matches!(e.headers, 2 | 4 | 6) && required_all {
        return Kind::Splice;
    }
    Kind::Rewrite
}

fn run_json(i: usize, g: &json_gen::DocGen) -> Result<(), TestCaseError> {
    let (file, layout) = json_file(i);
    let server = Server::default();
    let base = file.spec(None, &server).unwrap();
    let container = layout.unwrap_or_else(|| base.container.clone());
    let mut g = g.clone();
    if container.len() == 2 && container[0] == "mcp" {
        // opencode V2 exists only with `mcp.servers` present.
        g.levels = container.len();
        g.blank = None;
    }
    let shape = json_gen::Shape {
        container: &container,
        url_keys: &base.url_keys,
        headers_key: &base.headers_key,
        required: &base.required,
        alternatives: &base.auth_alternatives,
    };
    let r = g.render(file.syntax(), &shape);
    let text = r.text.as_str();
    let spec = file.spec(Some(text), &server).unwrap();
    let levels_complete = g.levels.min(container.len()) == container.len();
    if levels_complete && g.blank.is_none() {
        prop_assert_eq!(&spec.container, &container, "layout detection\n{}", text);
    }
    let region = r.spans.last().cloned();
    let required_all = g.entry.as_ref().is_some_and(|e| {
        (0..spec.required.len()).all(|k| e.required.get(k).copied().unwrap_or(true))
    });
    let mut g_eff = g.clone();
    if !levels_complete {
        g_eff.entry = None;
    }
    let want = expected_refresh(&g_eff, required_all, !spec.auth_alternatives.is_empty());
    let got = check(&file, Some(text), Op::Refresh, region.clone(), true)
        .map_err(|e| TestCaseError::fail(format!("{}: refresh: {e}\n{text}", file.client.id)))?;
    prop_assert_eq!(got, want, "{} refresh\n{}", file.client.id, text);
    check(&file, Some(text), Op::Remove, region.clone(), true)
        .map_err(|e| TestCaseError::fail(format!("{}: remove: {e}\n{text}", file.client.id)))?;
    for m in file.client.modes() {
        check(&file, Some(text), Op::Mode(m), region.clone(), true).map_err(|e| {
            TestCaseError::fail(format!("{}: mode {m}: {e}\n{text}", file.client.id))
        })?;
    }
    Ok(())
}

fn run_toml(g: &toml_gen::TomlDoc) -> Result<(), TestCaseError> {
    let file = file("codex", Scope::User);
    let r = g.render();
    let text = r.text.as_str();
    for op in [
        Op::Refresh,
        Op::Remove,
        Op::Mode(Mode::Inline),
        Op::Mode(Mode::Helper),
        Op::Mode(Mode::Env),
    ] {
        let got = check(&file, Some(text), op, None, true)
            .map_err(|e| TestCaseError::fail(format!("codex {op:?}: {e}\n{text}")))?;
        if op == Op::Refresh {
            prop_assert_eq!(got, g.expected_refresh(), "refresh\n{}", text);
        }
        if matches!(got, Kind::Rewrite) {
            let out = apply_out(&file, text, op);
            toml_gen::lines_kept(&r, &out).map_err(|e| {
                TestCaseError::fail(format!(
                    "codex {op:?}: {e}\n--- before\n{text}\n--- after\n{out}"
                ))
            })?;
        }
    }
    Ok(())
}

fn run_yaml(g: &yaml_gen::YamlDoc) -> Result<(), TestCaseError> {
    let file = g.client.file();
    let r = g.render();
    let text = r.text.as_str();
    let region = Some(r.region.clone());
    let id = file.client.id;
    let got = check(&file, Some(text), Op::Refresh, region.clone(), true)
        .map_err(|e| TestCaseError::fail(format!("{id}: refresh: {e}\n{text}")))?;
    prop_assert_eq!(got, g.expected_refresh(), "{} refresh\n{}", id, text);
    for op in [
        Op::Remove,
        Op::Mode(Mode::Inline),
        Op::Mode(Mode::Env),
        Op::Stdio,
    ] {
        check(&file, Some(text), op, region.clone(), true)
            .map_err(|e| TestCaseError::fail(format!("{id} {op:?}: {e}\n{text}")))?;
    }
    Ok(())
}

fn apply_out(file: &ConfigFile, text: &str, op: Op) -> String {
    use figma_auth::edit::{Desired, SecretHeader};
    let server = Server::default();
    let out = match op {
        Op::Refresh => file.apply(
            Some(text),
            &server,
            &Desired::header(SecretHeader::new(format!("Bearer {}", oracle::NEW_TOKEN))),
        ),
        Op::Remove => file.apply(Some(text), &server, &Desired::removal()),
        Op::Mode(m) => file.apply(Some(text), &server, &oracle::auth_for(file, m)),
        Op::Stdio => file.apply_stdio(Some(text), &server, &oracle::proxy_stdio()),
    };
    out.unwrap()
        .materialize(Some(text))
        .unwrap_or_else(|| text.to_string())
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn strict_json_edits_keep_every_invariant(i in 0usize..4, g in json_gen::doc(Syntax::StrictJson)) {
        // claude user, claude local, cursor, windsurf
        run_json(i, &g)?;
    }

    #[test]
    fn jsonc_edits_keep_every_invariant(i in 4usize..8, g in json_gen::doc(Syntax::Jsonc)) {
        // opencode V1, opencode V2, vscode, zed
        run_json(i, &g)?;
    }

    #[test]
    fn jsonc_without_trailing_commas_edits_keep_every_invariant(g in json_gen::doc(Syntax::JsoncNoTrailingCommas)) {
        run_json(8, &g)?;
    }

    #[test]
    fn cline_edits_keep_every_invariant(g in json_gen::doc(Syntax::StrictJson)) {
        run_json(9, &g)?;
    }

    #[test]
    fn kilo_and_auggie_edits_keep_every_invariant(i in 10usize..12, g in json_gen::doc(Syntax::Jsonc)) {
        run_json(i, &g)?;
    }

    #[test]
    fn toml_edits_keep_every_invariant(g in toml_gen::doc()) {
        run_toml(&g)?;
    }

    #[test]
    fn yaml_edits_keep_every_invariant(g in yaml_gen::doc()) {
        run_yaml(&g)?;
    }

    #[test]
    fn damaged_yaml_never_panics(
        g in yaml_gen::doc(),
        cut in any::<prop::sample::Index>(),
        nul in any::<prop::sample::Index>(),
        how in 0u8..3,
    ) {
        let damaged = damage(&g.render().text, cut, nul, how);
        for op in [Op::Refresh, Op::Remove, Op::Mode(Mode::Env), Op::Stdio] {
            check(&g.client.file(), Some(&damaged), op, None, false)
                .map_err(|e| TestCaseError::fail(format!("{op:?}: {e}\n{damaged:?}")))?;
        }
    }

    /// Truncations and NUL bytes in valid documents: an error or a checked outcome, no panic.
    #[test]
    fn damaged_json_never_panics(
        i in 0usize..JSON_FILES,
        g in json_gen::doc(Syntax::Jsonc),
        cut in any::<prop::sample::Index>(),
        nul in any::<prop::sample::Index>(),
        how in 0u8..3,
    ) {
        let (file, _) = json_file(i);
        let base = file.spec(None, &Server::default()).unwrap();
        let shape = json_gen::Shape {
            container: &base.container,
            url_keys: &base.url_keys,
            headers_key: &base.headers_key,
            required: &base.required,
            alternatives: &base.auth_alternatives,
        };
        let text = g.render(file.syntax(), &shape).text;
        let damaged = damage(&text, cut, nul, how);
        for op in [Op::Refresh, Op::Remove, Op::Mode(Mode::Inline)] {
            check(&file, Some(&damaged), op, None, false)
                .map_err(|e| TestCaseError::fail(format!("{op:?}: {e}\n{damaged:?}")))?;
        }
    }

    #[test]
    fn damaged_toml_never_panics(
        g in toml_gen::doc(),
        cut in any::<prop::sample::Index>(),
        nul in any::<prop::sample::Index>(),
        how in 0u8..3,
    ) {
        let file = file("codex", Scope::User);
        let damaged = damage(&g.render().text, cut, nul, how);
        for op in [Op::Refresh, Op::Remove, Op::Mode(Mode::Env)] {
            check(&file, Some(&damaged), op, None, false)
                .map_err(|e| TestCaseError::fail(format!("{op:?}: {e}\n{damaged:?}")))?;
        }
    }

    /// Arbitrary bytes, as the command layer reads them: UTF-8 check, then every editor.
    #[test]
    fn random_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..200), ascii in any::<bool>()) {
        let bytes: Vec<u8> = if ascii {
            let pool = b"{}[]\":,/*\n tfnu0123\\ab#=.-";
            bytes.iter().map(|b| pool[*b as usize % pool.len()]).collect()
        } else {
            bytes
        };
        let Ok(text) = figma_auth::edit::from_bytes(&bytes) else { return Ok(()) };
        for i in 0..JSON_FILES {
            let (file, _) = json_file(i);
            check(&file, Some(text), Op::Refresh, None, false)
                .map_err(|e| TestCaseError::fail(format!("{}: {e}\n{text:?}", file.client.id)))?;
        }
        let codex = file("codex", Scope::User);
        check(&codex, Some(text), Op::Refresh, None, false)
            .map_err(|e| TestCaseError::fail(format!("codex: {e}\n{text:?}")))?;
    }

    /// Arbitrary YAML-ish text: every edit of both YAML clients.
    #[test]
    fn random_yaml_never_panics(bytes in prop::collection::vec(any::<u8>(), 0..200)) {
        let pool = b"ab:- \n\n  #'\"{}[],&*!|>~?%@mcpServers:extensions:name: figma\nurl: uri: headers:Authorization: ";
        let text: String = bytes.iter().map(|b| pool[*b as usize % pool.len()] as char).collect();
        for id in ["continue", "goose"] {
            let f = file(id, Scope::User);
            for op in [Op::Refresh, Op::Remove, Op::Mode(Mode::Env), Op::Stdio] {
                check(&f, Some(&text), op, None, false)
                    .map_err(|e| TestCaseError::fail(format!("{id} {op:?}: {e}\n{text:?}")))?;
            }
        }
    }
}

/// Cuts the text at a char boundary (0), puts a NUL in (1), or both (2).
fn damage(text: &str, cut: prop::sample::Index, nul: prop::sample::Index, how: u8) -> String {
    let boundary = |i: prop::sample::Index| {
        let mut p = i.index(text.len() + 1);
        while !text.is_char_boundary(p) {
            p -= 1;
        }
        p
    };
    let mut s = text.to_string();
    if how != 1 {
        s.truncate(boundary(cut));
    }
    if how != 0 {
        let p = boundary(nul).min(s.len());
        let mut p = p;
        while !s.is_char_boundary(p) {
            p -= 1;
        }
        s.insert(p, '\0');
    }
    s
}

#[test]
fn missing_files_are_created_in_every_mode() {
    for id in clients::all().iter().map(|t| t.id) {
        let t = clients::by_id(id).unwrap();
        for scope in t.scopes() {
            let f = t.default_file(&env(), scope).unwrap();
            if t.remote() {
                check(&f, None, Op::Refresh, None, true).unwrap();
            }
            for m in t.modes() {
                assert_eq!(
                    check(&f, None, Op::Mode(m), None, true),
                    Ok(Kind::Rewrite),
                    "{id} {m}"
                );
            }
            assert_eq!(check(&f, None, Op::Remove, None, true), Ok(Kind::Unchanged));
            if t.entry.stdio.is_some() {
                assert_eq!(
                    check(&f, None, Op::Stdio, None, true),
                    Ok(Kind::Rewrite),
                    "{id} stdio"
                );
            }
        }
    }
}

#[test]
fn the_oracles_reject_what_clients_reject() {
    use oracle::parse_client;
    assert!(parse_client(Syntax::StrictJson, "{\"a\": 1} // c", false).is_err());
    assert!(parse_client(Syntax::StrictJson, "{\"a\": [1,]}", false).is_err());
    assert!(parse_client(Syntax::JsoncNoTrailingCommas, "{\"a\": 1 /* , */}", false).is_ok());
    assert!(parse_client(Syntax::JsoncNoTrailingCommas, "{\"a\": 1, // c\n}", false).is_err());
    assert!(parse_client(Syntax::Jsonc, "{\"a\": [1, /* x */], // c\n}", false).is_ok());
    assert!(parse_client(Syntax::Jsonc, "{\"a\": \"//,]\"}", false).is_ok());
    assert!(parse_client(Syntax::Jsonc, "", false).is_err());
    assert!(parse_client(Syntax::Jsonc, "// c", true).is_ok());
    assert!(parse_client(Syntax::Toml, "a = 1\na = 2\n", false).is_err());
    assert!(parse_client(Syntax::Yaml, "a: 1\na: 2\n", false).is_err());
    assert!(parse_client(Syntax::Yaml, "a: 1\n---\nb: 2\n", false).is_err());
    assert!(parse_client(Syntax::Yaml, "a:\n\t- b\n", false).is_err());
    assert!(parse_client(Syntax::Yaml, "# c\n", true).is_ok());
}

/// Every input the fuzzers ever failed on (`fuzz/regressions/<target>/`), replayed through the
/// fuzz body: each must now pass every invariant.
#[test]
fn fuzz_regressions_replay() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/regressions");
    let mut n = 0;
    for (target, ids) in [
        (
            "fuzz_json_strict",
            &["claude", "cursor", "windsurf", "cline"][..],
        ),
        (
            "fuzz_jsonc",
            &["opencode", "vscode", "zed", "kilo", "auggie"][..],
        ),
        ("fuzz_jsonc_no_trailing", &["gemini"][..]),
        ("fuzz_toml", &["codex"][..]),
        ("fuzz_yaml", &["continue", "goose"][..]),
    ] {
        // As the targets pick them (`fuzz/fuzz_targets/`).
        let files = if target == "fuzz_yaml" {
            oracle::user_files(ids)
        } else {
            oracle::files(ids)
        };
        let Ok(dir) = std::fs::read_dir(root.join(target)) else {
            continue;
        };
        for entry in dir {
            let path = entry.unwrap().path();
            if path.extension().is_some_and(|e| e == "md") {
                continue;
            }
            let bytes = std::fs::read(&path).unwrap();
            let r = std::panic::catch_unwind(|| oracle::fuzz_one(&bytes, &files));
            assert!(r.is_ok(), "{}", path.display());
            n += 1;
        }
    }
    assert!(n >= 5, "regressions found: {n}");
}
