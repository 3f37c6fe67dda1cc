//! What the fuzz targets run: the files of a set of clients, resolved in a fixed environment,
//! and the fuzz body that picks a file and an edit from the input's first byte and asserts
//! every invariant of [`check`] on the rest.

use std::collections::BTreeMap;
use std::path::PathBuf;

use super::{check, Op};
use crate::clients::{self, ConfigFile};
use crate::edit;
use crate::paths::Env;

/// The environment the oracle's files are resolved in: HOME `/home/user`, cwd
/// `/home/user/project`, no variables.
pub fn env() -> Env {
    Env::new(
        PathBuf::from("/home/user"),
        PathBuf::from("/home/user/project"),
        BTreeMap::new(),
    )
}

/// The candidate files of these clients (every scope), for [`fuzz_one`]; `fuzz_yaml` takes
/// the user files only ([`user_files`]).
pub fn files(ids: &[&str]) -> Vec<ConfigFile> {
    let env = env();
    let mut out = Vec::new();
    for id in ids {
        let t = clients::by_id(id).expect("a client");
        for s in t.scopes() {
            if let Some(f) = t.default_file(&env, s) {
                out.push(f);
            }
        }
    }
    out
}

/// The user-scope files of these clients, one each.
pub fn user_files(ids: &[&str]) -> Vec<ConfigFile> {
    let env = env();
    ids.iter()
        .filter_map(|id| clients::by_id(id)?.default_file(&env, clients::Scope::User))
        .collect()
}

/// The fuzz body: the first byte picks the file and the edit, the rest is the file's bytes.
/// Every invariant of [`check`] is asserted (no panic; an error names no value; what the edit
/// accepts the client accepts; the output re-parses with the client's parser, reads back the
/// header or mode asked for, changes nothing but our entry, and a second application is
/// `Unchanged`). A broken invariant panics, which libFuzzer reports.
pub fn fuzz_one(data: &[u8], files: &[ConfigFile]) {
    let Some((&sel, rest)) = data.split_first() else {
        return;
    };
    let Ok(text) = edit::from_bytes(rest) else {
        return;
    };
    let file = &files[(sel as usize) % files.len()];
    let modes = file.client.modes();
    let stdio = usize::from(file.client.entry.stdio.is_some());
    let op = match (sel as usize / files.len()) % (2 + modes.len() + stdio) {
        0 => Op::Refresh,
        1 => Op::Remove,
        k if k - 2 < modes.len() => Op::Mode(modes[k - 2]),
        _ => Op::Stdio,
    };
    if let Err(e) = check(file, Some(text), op, None, false) {
        panic!("{} {op:?}: {e}", file.client.id);
    }
}
