//! The shared fuzz body: the first byte picks the client file and the edit, the rest is the
//! file's bytes. Every invariant of `tests/props/check.rs` is asserted (no panic; an error
//! names no value; what the edit accepts the client accepts; the output re-parses with the
//! client's parser, reads back the header/mode asked for, changes nothing but our entry, and a
//! second application is `Unchanged`). A broken invariant panics, which libFuzzer reports.

use std::collections::BTreeMap;
use std::path::PathBuf;

use figma_auth::clients::{self, ConfigFile};
use figma_auth::paths::Env;

use crate::check::{check, Op};

fn env() -> Env {
    Env::new(
        PathBuf::from("/home/user"),
        PathBuf::from("/home/user/project"),
        BTreeMap::new(),
    )
}

/// The candidate files of these clients (every scope).
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

pub fn run(data: &[u8], files: &[ConfigFile]) {
    let Some((&sel, rest)) = data.split_first() else {
        return;
    };
    let Ok(text) = figma_auth::edit::from_bytes(rest) else {
        return;
    };
    let file = &files[(sel as usize) % files.len()];
    let modes = file.client.modes();
    let op = match (sel as usize / files.len()) % (2 + modes.len()) {
        0 => Op::Refresh,
        1 => Op::Remove,
        k => Op::Mode(modes[k - 2]),
    };
    if let Err(e) = check(file, Some(text), op, None, false) {
        panic!("{} {op:?}: {e}", file.client.id);
    }
}
