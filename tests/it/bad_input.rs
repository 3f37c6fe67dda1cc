//! Security cases 14–19 (bad input, and the bytes around an edit) through the real binary. The
//! inputs are the fixtures whose `case.json` names the case (`fixtures/<client>/case-NN-*`), which
//! the fixture walker also checks at the edit level; here each one is written where its client
//! keeps it in the test's HOME and run through `setup --write` and `refresh --write`:
//! - a refused file (`"expect": "error"`): exit 1, an error line naming the file and its line
//!   (`file: line N`) with the fixture's message parts (line, column, the reason), the file and everything else under HOME
//!   byte-identical, no temp file; `refresh` leaves a file that does not mention the server alone,
//!   silently;
//! - a changed one: the fixture's `command` writes exactly its `after` bytes, with the real token.
//!
//! Other tests run chosen fixtures the same way ([`through_binary`]).

use crate::fixtures::{cases, config_file_in, find, read_case, Case};
use crate::support::*;
use figma_auth::paths::Env;
use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

/// The token the fixtures' `after` files hold.
const FIXTURE_TOKEN: &str = "figu_FIXTURE_NEW_TOKEN";

/// One fixture of a security case, placed in a test's HOME.
struct Placed {
    label: String,
    client: String,
    case: Case,
    path: PathBuf,
    before: Vec<u8>,
    after: Option<Vec<u8>>,
}

/// The fixtures `pick` chooses (by label `client/case` and `case.json`), their files resolved
/// as the binary resolves them for `env` run in `project`.
fn placed(env: &TestEnv, project: &Path, pick: impl Fn(&str, &Case) -> bool) -> Vec<Placed> {
    let vars = BTreeMap::from([
        (
            "XDG_CONFIG_HOME".to_string(),
            env.path("config").display().to_string(),
        ),
        (
            "XDG_STATE_HOME".to_string(),
            env.path("state").display().to_string(),
        ),
    ]);
    let resolve = Env::new(env.path("home"), project.to_path_buf(), vars);
    cases()
        .into_iter()
        .filter_map(|(client, dir)| {
            let case = read_case(&dir);
            let label = format!("{client}/{}", dir.file_name().unwrap().to_string_lossy());
            pick(&label, &case).then(|| {
                let path = config_file_in(&resolve, &client, &case).path;
                let read = |stem| find(&dir, stem).map(|p| fs::read(p).unwrap());
                Placed {
                    label,
                    before: read("before").expect("a before file"),
                    after: read("after"),
                    client,
                    case,
                    path,
                }
            })
        })
        .collect()
}

/// The fixtures of security case `n`.
fn fixtures_of(env: &TestEnv, project: &Path, n: u64) -> Vec<Placed> {
    let placed = placed(env, project, |_, case| case.case == Some(n));
    assert!(placed.len() >= 2, "fixtures of case {n}: {}", placed.len());
    placed
}

/// Runs the fixtures `labels` (`client/case`) through the binary as the security cases' are
/// (see the module header): refused ones leave everything identical, changed ones are written
/// exactly. Returns the output of each changed one's command.
pub(crate) fn through_binary(env: &TestEnv, project: &Path, labels: &[&str]) -> Vec<Out> {
    let placed = placed(env, project, |label, _| labels.contains(&label));
    let found: Vec<&str> = placed.iter().map(|f| f.label.as_str()).collect();
    assert_eq!(
        found.len(),
        labels.len(),
        "fixtures {labels:?}, found {found:?}"
    );
    placed
        .iter()
        .filter_map(|f| run_one(env, project, f))
        .collect()
}

/// Runs one placed fixture as its `expect` says.
fn run_one(env: &TestEnv, project: &Path, f: &Placed) -> Option<Out> {
    match f.case.expect.as_deref() {
        Some("error") => {
            refused(env, project, f);
            None
        }
        None | Some("changed") => Some(rewritten(env, project, f)),
        other => panic!("{}: no end-to-end check for {other:?}", f.label),
    }
}

/// Runs every fixture of case `n` through the binary; returns them for case-specific checks.
fn run_case(n: u64) -> (TestEnv, Vec<Placed>) {
    let (env, project) = TestEnv::logged_in();
    let placed = fixtures_of(&env, &project, n);
    for f in &placed {
        run_one(&env, &project, f);
    }
    (env, placed)
}

/// The file is refused by `setup --write` and `refresh --write` (see the module header).
fn refused(env: &TestEnv, project: &Path, f: &Placed) {
    let (p, content) = (&f.path, &f.before);
    write(p, content);
    let ours = content.windows(5).any(|w| w == b"figma");
    if ours {
        // Set up earlier (and damaged since): refresh reads it.
        env.manage(&f.client, "user", p);
    }
    let tree = snapshot_tree(&env.path("home"));
    for cmd in ["setup", "refresh"] {
        let label = format!("{} {cmd}", f.label);
        let out = env.run_in(project, &[cmd, "--write", "--target", &f.client]);
        assert_eq!(&fs::read(p).unwrap(), content, "{label}");
        assert_eq!(snapshot_tree(&env.path("home")), tree, "{label}");
        if cmd == "refresh" && !ours {
            out.success().stdout_is("");
            continue;
        }
        assert_eq!(out.code, 1, "{label}: {out:?}");
        let line = out.error_line();
        let name = p.file_name().unwrap().to_string_lossy();
        assert!(line.contains(&*name), "{label}: {line}");
        // Text errors say where (a file that is not UTF-8 gives the byte offset instead).
        if let Some(l) = f
            .case
            .error_line
            .filter(|_| f.case.error_kind.as_deref() != Some("not-utf8"))
        {
            let at = format!("{name}: line {l}");
            assert!(line.contains(&at), "{label}: want {at:?} in {line}");
        }
        for part in &f.case.error_message {
            assert!(
                line.contains(part.as_str()),
                "{label}: want {part:?} in {line}"
            );
        }
        assert_eq!(all_temps(&env.path("")), Vec::<PathBuf>::new(), "{label}");
    }
    forget(env, p);
}

/// Removes the fixture's file and the records of setup runs: every fixture starts from the same
/// state.
fn forget(env: &TestEnv, p: &Path) {
    fs::remove_file(p).unwrap();
    env.edit_store(|v| v["configs"] = serde_json::json!([]));
}

/// The fixture's `command` turns `before` into exactly `after`, with the real token; returns
/// the command's output.
fn rewritten(env: &TestEnv, project: &Path, f: &Placed) -> Out {
    write(&f.path, &f.before);
    let command = f
        .case
        .command
        .as_deref()
        .expect("a command for a changed case");
    if command == "refresh" {
        env.manage(&f.client, "user", &f.path);
    }
    let first = env.run_in(project, &[command, "--write", "--target", &f.client]);
    assert_eq!(first.code, 0, "{}: {first:?}", f.label);
    let after = String::from_utf8(f.after.clone().expect("an after file")).unwrap();
    let want = after.replace(&format!("Bearer {FIXTURE_TOKEN}"), &env.bearer());
    assert_eq!(read(&f.path), want, "{}", f.label);
    // The next run changes nothing.
    let tree = snapshot_tree(&env.path("home"));
    let out = env.run_in(project, &["refresh", "--write", "--target", &f.client]);
    assert_eq!(out.code, 0, "{}: {out:?}", f.label);
    assert_eq!(snapshot_tree(&env.path("home")), tree, "{}", f.label);
    forget(env, &f.path);
    first
}

/// Case 14: Malformed, truncated, empty-ish and NUL-filled JSON, JSONC and TOML: an error with the
/// file, line and column, and nothing written (`fixtures/*/case-14-*`).
#[test]
fn case_14_malformed_files_are_refused_with_file_line_and_column() {
    run_case(14);
}

/// Case 15: Duplicate keys on the edited path (clients take the last one) are an error naming both
/// lines; nothing is written (`fixtures/*/case-15-*`).
#[test]
fn case_15_duplicate_keys_are_refused_naming_both_lines() {
    run_case(15);
}

/// Case 16: Strict-JSON files (`~/.claude.json`, Cursor's `mcp.json`): a comment or trailing comma
/// already there is refused with the reason, the same content is fine for a JSONC client (its
/// comment kept), and figma-auth never writes one (`fixtures/*/case-16-*`).
#[test]
fn case_16_comments_and_trailing_commas_in_strict_json_are_refused_never_written() {
    let (env, placed) = run_case(16);
    assert!(
        placed
            .iter()
            .any(|f| f.case.expect.is_none() && f.client == "opencode"),
        "the JSONC counterpart"
    );
    // Created and edited strict files contain no comment or trailing comma.
    let project = env.path("home/project");
    write(
        &env.path("home/.claude.json"),
        "{\n  \"numStartups\": 1\n}\n",
    );
    let out = env.run_in(&project, &["setup", "--write", "--target", "claude,cursor"]);
    assert_eq!(out.code, 0, "{out:?}");
    for rel in ["home/.claude.json", "home/.cursor/mcp.json"] {
        let text = read(&env.path(rel));
        serde_json::from_str::<serde_json::Value>(&text)
            .unwrap_or_else(|e| panic!("{rel}: {e}\n{text}"));
        assert!(!text.contains("//") || text.contains("https://"), "{text}");
        assert!(!text.contains("/*"), "{text}");
    }
}

/// Case 17: A BOM, CRLF line ends, tabs and a missing final newline are kept, and an entry created
/// in such a file follows its style; a file that is not UTF-8 is refused with the position of
/// the first bad byte (`fixtures/*/case-17-*`).
#[test]
fn case_17_bom_crlf_tabs_and_no_final_newline_are_kept_non_utf8_refused() {
    let (_, placed) = run_case(17);
    for f in placed.iter().filter(|f| f.after.is_some()) {
        let after = String::from_utf8(f.after.clone().unwrap()).unwrap();
        assert!(after.starts_with('\u{feff}'), "{}", f.label);
        assert!(
            !after.replace("\r\n", "").contains('\n'),
            "{}: a bare LF",
            f.label
        );
        assert!(!after.ends_with('\n'), "{}", f.label);
        assert!(
            !after.contains("  \""),
            "{}: spaces instead of tabs",
            f.label
        );
    }
}

/// Case 18: Wrong types on the edited path (`mcpServers` an array, `headers` null, the entry a
/// string, Codex's `mcp_servers` a string): an error naming the key path and the types, nothing
/// written (`fixtures/*/case-18-*`).
#[test]
fn case_18_wrong_types_are_refused() {
    run_case(18);
}

/// Case 19: Bytes outside the edited span stay identical: number spellings, escapes, key order,
/// blank lines, odd spacing — on a token replacement (a splice) and on an entry creation, which
/// is one insertion (`fixtures/*/case-19-*`).
#[test]
fn case_19_bytes_outside_the_edit_are_identical() {
    let (_, placed) = run_case(19);
    let created: Vec<&Placed> = placed
        .iter()
        .filter(|f| f.case.command.as_deref() == Some("setup"))
        .collect();
    assert!(!created.is_empty());
    for f in created {
        let (before, after) = (&f.before, f.after.as_ref().unwrap());
        let prefix = before.iter().zip(after).take_while(|(a, b)| a == b).count();
        let suffix = before
            .iter()
            .rev()
            .zip(after.iter().rev())
            .take_while(|(a, b)| a == b)
            .count();
        assert!(
            prefix + suffix >= before.len(),
            "{}: more than one insertion",
            f.label
        );
    }
}
