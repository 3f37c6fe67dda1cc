#![no_main]

#[path = "../../tests/props/check.rs"]
mod check;
mod common;

use std::sync::OnceLock;

use figma_auth::clients::ConfigFile;
use libfuzzer_sys::fuzz_target;

static FILES: OnceLock<Vec<ConfigFile>> = OnceLock::new();

fuzz_target!(|data: &[u8]| {
    let files = FILES.get_or_init(|| common::files(&["opencode", "vscode", "zed"]));
    common::run(data, files);
});
