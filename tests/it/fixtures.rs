//! Walks `fixtures/<client>/<case>/`: editing `before.*` gives `after.*` byte for byte, editing
//! `after.*` changes nothing, error cases fail with the expected kind and line, and parsing then
//! printing every input without an edit returns it unchanged.
//!
//! `case.json` (optional) holds: `scope` (`user`, `project`, `local`; default `user`), `file` (a
//! suffix choosing among the scope's candidate files; default the first), `change` (`set` or
//! `remove`; default `set`), `mode` (`inline`, `helper`, `file`, `env`, `proxy`: an explicit mode, applied
//! instead of `change`), `force`, `expect` (`changed`, `unchanged`, `conflict`,
//! `indirect`, `error`; default `changed`), `splice` (the change must be a splice), `error`
//! (`{"kind", "line", "message"}`: `message` lists parts of the error's text). With a `mode`, the
//! result (or an unchanged input) must also hold that mode's auth and be recognised as being in
//! that mode. `case` (a security case number) and `command` (`refresh`, `setup`) make the case
//! one of those `bad_input` also runs through the binary. A `before.*` that is not UTF-8 is
//! refused as the binary refuses it. `stdio` (true): the case writes the proxy's local server
//! entry (`apply_stdio`) instead. `inspect` (`"ok"`): an error case whose file `inspect` still
//! reads (a refusal of the edit only).
//! A case without `before.*` edits a missing file. `FIGMA_AUTH_BLESS=1` writes missing `after.*`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use figma_auth::clients::{self, AuthContext, ConfigFile, Mode, Scope, Server};
use figma_auth::edit::{self, Desired, Edit, SecretHeader};
use figma_auth::paths::Env;
use figma_auth::secret::AccessToken;

const NEW_TOKEN: &str = "figu_FIXTURE_NEW_TOKEN";
/// What `setup --mode helper` would write (a path with a space, quoted for the shell).
const HELPER: &str = "'/home/user/My Tools/figma-auth' header --json --profile default";
/// What `setup --mode helper` embeds in a header (Crush's `Bearer $(…)`).
const TOKEN_COMMAND: &str = "'/home/user/My Tools/figma-auth' token --profile default";
const TOKEN_FILE: &str = "/home/user/.local/state/figma-auth/default.token";
/// What `setup --mode proxy` would write (the command line the clients' own fixtures name).
const PROXY: [&str; 4] = ["/usr/local/bin/figma-auth", "proxy", "--profile", "default"];

#[derive(Debug, Default)]
pub(crate) struct Case {
    pub scope: Option<String>,
    pub file: Option<String>,
    pub change: Option<String>,
    pub mode: Option<Mode>,
    force: bool,
    stdio: bool,
    inspect_ok: bool,
    pub expect: Option<String>,
    splice: Option<bool>,
    pub error_kind: Option<String>,
    pub error_line: Option<usize>,
    /// Parts of the error's text.
    pub error_message: Vec<String>,
    /// The security case this fixture belongs to (run through the binary by `bad_input`).
    pub case: Option<u64>,
    /// How `bad_input` applies a changed case: `refresh` or `setup`.
    pub command: Option<String>,
}

pub(crate) fn read_case(dir: &Path) -> Case {
    let Ok(text) = std::fs::read_to_string(dir.join("case.json")) else {
        return Case::default();
    };
    let v: serde_json::Value = serde_json::from_str(&text).expect("case.json parses");
    let s = |k: &str| v.get(k).and_then(|x| x.as_str()).map(String::from);
    Case {
        scope: s("scope"),
        file: s("file"),
        change: s("change"),
        mode: s("mode").map(|m| Mode::parse(&m).unwrap()),
        force: v.get("force").and_then(|x| x.as_bool()).unwrap_or(false),
        stdio: v.get("stdio").and_then(|x| x.as_bool()).unwrap_or(false),
        inspect_ok: v.get("inspect").and_then(|x| x.as_str()) == Some("ok"),
        expect: s("expect"),
        splice: v.get("splice").and_then(|x| x.as_bool()),
        error_kind: v
            .pointer("/error/kind")
            .and_then(|x| x.as_str())
            .map(String::from),
        error_line: v
            .pointer("/error/line")
            .and_then(|x| x.as_u64())
            .map(|n| n as usize),
        error_message: v
            .pointer("/error/message")
            .and_then(|x| x.as_array())
            .map(|a| {
                a.iter()
                    .map(|m| m.as_str().expect("messages are strings").to_string())
                    .collect()
            })
            .unwrap_or_default(),
        case: v.get("case").and_then(|x| x.as_u64()),
        command: s("command"),
    }
}

fn env() -> Env {
    Env::new(
        PathBuf::from("/home/user"),
        PathBuf::from("/home/user/project"),
        BTreeMap::new(),
    )
}

fn config_file(client: &str, case: &Case) -> ConfigFile {
    config_file_in(&env(), client, case)
}

/// The file a case edits, for a client whose files are resolved in `env`.
pub(crate) fn config_file_in(env: &Env, client: &str, case: &Case) -> ConfigFile {
    let target = clients::by_id(client).unwrap_or_else(|| panic!("unknown client {client}"));
    let scope = match case.scope.as_deref().unwrap_or("user") {
        "user" => Scope::User,
        "project" => Scope::Project,
        "local" => Scope::Local,
        other => panic!("bad scope {other}"),
    };
    let files = target.files(env, scope);
    match &case.file {
        None => files.into_iter().next().expect("a candidate file"),
        Some(suffix) => files
            .into_iter()
            .find(|f| f.path.to_string_lossy().ends_with(suffix.as_str()))
            .unwrap_or_else(|| panic!("no {client} file ending in {suffix}")),
    }
}

pub(crate) fn find(dir: &Path, stem: &str) -> Option<PathBuf> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.file_stem().is_some_and(|s| s == stem))
}

/// Every case directory with its client, sorted.
pub(crate) fn cases() -> Vec<(String, PathBuf)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
    let mut out = Vec::new();
    for client in std::fs::read_dir(&root).unwrap() {
        let client = client.unwrap().path();
        if !client.is_dir() {
            continue;
        }
        for case in std::fs::read_dir(&client).unwrap() {
            let case = case.unwrap().path();
            if case.is_dir() {
                let name = client.file_name().unwrap().to_string_lossy().into_owned();
                out.push((name, case));
            }
        }
    }
    out.sort();
    assert!(out.len() > 40, "fixtures found: {}", out.len());
    out
}

/// The text of a fixture file, or the error the binary gives for bytes that are not UTF-8.
fn read(p: &Path) -> Result<String, edit::EditError> {
    let bytes = std::fs::read(p).unwrap();
    edit::from_bytes(&bytes).map(str::to_string)
}

#[test]
fn every_fixture_edits_as_expected() {
    let bless = std::env::var_os("FIGMA_AUTH_BLESS").is_some();
    let mut failures = Vec::new();
    for (client, dir) in cases() {
        let label = format!("{client}/{}", dir.file_name().unwrap().to_string_lossy());
        let case = read_case(&dir);
        let file = config_file(&client, &case);
        let server = Server {
            force: case.force,
            ..Server::default()
        };
        let change = match case.change.as_deref().unwrap_or("set") {
            "set" => Desired::header(SecretHeader::new(format!("Bearer {NEW_TOKEN}"))),
            "remove" => Desired::removal(),
            other => panic!("bad change {other}"),
        };
        let token = AccessToken::new(NEW_TOKEN);
        let proxy = PROXY.map(String::from);
        let ctx = AuthContext {
            token: Some(&token),
            helper_command: Some(HELPER),
            token_command: Some(TOKEN_COMMAND),
            token_file: Some(Path::new(TOKEN_FILE)),
            proxy_command: Some(&proxy),
            ..AuthContext::default()
        };
        let auth: Option<Desired> = case.mode.map(|m| {
            file.auth(m, &ctx)
                .unwrap_or_else(|e| panic!("{label}: {e}"))
        });
        let stdio = figma_auth::edit::oracle::proxy_stdio();
        let run = |text: Option<&str>| {
            if case.stdio {
                file.apply_stdio(text, &server, &stdio)
            } else {
                file.apply(text, &server, auth.as_ref().unwrap_or(&change))
            }
        };
        // With a mode, the text holds it exactly and is recognised as being in it.
        let holds_mode = |text: &str| -> Result<(), String> {
            let (Some(a), Some(m)) = (&auth, case.mode) else {
                return Ok(());
            };
            let i = file
                .inspect(Some(text), &server)
                .map_err(|e| e.to_string())?;
            let e = i.entry().ok_or("no entry")?;
            if !e.holds(a) {
                return Err(format!("does not hold the {m} auth: {e:?}"));
            }
            if file.mode_of(e) != Some(m) {
                return Err(format!("seen as mode {:?}", file.mode_of(e)));
            }
            Ok(())
        };
        let before_path = find(&dir, "before");
        let (before, result) = match before_path.as_deref().map(read).transpose() {
            Ok(before) => {
                let result = run(before.as_deref());
                (before, result)
            }
            Err(e) => (None, Err(e)),
        };
        let expect = case.expect.as_deref().unwrap_or("changed");
        let mut check = |ok: bool, what: String| {
            if !ok {
                failures.push(format!("{label}: {what}"));
            }
        };
        match (expect, &result) {
            ("error", Err(e)) => {
                let msg = e.to_string();
                check(
                    !msg.contains("FIXTURE"),
                    format!("error message leaks a value: {msg}"),
                );
                check(
                    case.error_kind.as_deref() == Some(e.kind()),
                    format!("error kind {} ({msg})", e.kind()),
                );
                check(
                    case.error_line == e.line(),
                    format!("error line {:?} ({msg})", e.line()),
                );
                for part in &case.error_message {
                    check(
                        msg.contains(part.as_str()),
                        format!("error lacks {part:?}: {msg}"),
                    );
                }
                // Inspection refuses the same file the same way (bytes that are not UTF-8 never
                // reach it), unless the case says it reads it: an edit-only refusal, such as a
                // header written as a YAML block scalar.
                if case.inspect_ok {
                    let inspected = file.inspect(before.as_deref(), &server);
                    check(inspected.is_ok(), format!("inspect fails: {inspected:?}"));
                } else if e.kind() != "not-utf8" {
                    let inspected = file.inspect(before.as_deref(), &server);
                    check(
                        inspected.as_ref().err().map(|e| e.kind()) == case.error_kind.as_deref(),
                        "inspect does not fail the same way".into(),
                    );
                }
            }
            ("unchanged", Ok(Edit::Unchanged)) => {
                check(
                    find(&dir, "after").is_none(),
                    "an unchanged case must not have an after file".into(),
                );
                if let Some(b) = &before
                    && let Err(e) = holds_mode(b)
                {
                    check(false, e);
                }
            }
            ("conflict", Ok(Edit::Conflict(_))) | ("indirect", Ok(Edit::Indirect(_))) => {
                check(
                    find(&dir, "after").is_none(),
                    "an unchanged case must not have an after file".into(),
                );
            }
            ("changed", Ok(c)) if c.changes() => {
                if let Some(want) = case.splice {
                    check(c.is_splice() == want, format!("splice: {c:?}"));
                }
                let out = c.materialize(before.as_deref()).expect("a change");
                let ext = before_path
                    .as_ref()
                    .and_then(|p| p.extension())
                    .map(|e| e.to_string_lossy().into_owned())
                    .unwrap_or_else(|| {
                        file.path
                            .extension()
                            .unwrap()
                            .to_string_lossy()
                            .into_owned()
                    });
                match find(&dir, "after") {
                    Some(after_path) => {
                        let after = read(&after_path).unwrap();
                        check(out == after, format!("output differs from after:\n{out}"));
                        match run(Some(&after)) {
                            Ok(Edit::Unchanged) => {}
                            other => check(false, format!("editing after again: {other:?}")),
                        }
                        if let Err(e) = holds_mode(&after) {
                            check(false, e);
                        }
                        if case.stdio {
                            let i = file.inspect(Some(&after), &server);
                            let ok = matches!(&i, Ok(edit::Inspection::Found(e))
                                if e.stdio.as_ref() == Some(&stdio));
                            check(ok, format!("after is not the local entry: {i:?}"));
                        }
                    }
                    None if bless => {
                        std::fs::write(dir.join(format!("after.{ext}")), &out).unwrap();
                    }
                    None => check(false, "no after file".into()),
                }
            }
            (_, other) => check(false, format!("expected {expect}, got {other:?}")),
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn parsing_and_printing_returns_every_input() {
    for (client, dir) in cases() {
        let case = read_case(&dir);
        let file = config_file(&client, &case);
        for stem in ["before", "after"] {
            let Some(p) = find(&dir, stem) else { continue };
            let Ok(text) = read(&p) else {
                assert_eq!(case.expect.as_deref(), Some("error"), "{}", p.display());
                continue;
            };
            if let Ok(printed) = edit::round_trip(&text, file.syntax()) {
                assert_eq!(printed, text, "{}", p.display());
            } else {
                assert_eq!(case.expect.as_deref(), Some("error"), "{}", p.display());
            }
        }
    }
}

#[test]
fn fixtures_hold_no_real_looking_token() {
    for (_, dir) in cases() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let p = entry.unwrap().path();
            let text = String::from_utf8_lossy(&std::fs::read(&p).unwrap()).into_owned();
            for (i, _) in text.match_indices("figu_") {
                let run = text[i + 5..]
                    .bytes()
                    .take_while(|b| b.is_ascii_alphanumeric() || *b == b'_' || *b == b'-')
                    .count();
                assert!(run < 30, "{} has a real-looking token", p.display());
            }
        }
    }
}
