#![no_main]

#[path = "../../tests/props/check.rs"]
mod check;
#[path = "../../tests/props/client.rs"]
mod client;
mod common;

use std::sync::OnceLock;

use figma_auth::targets::ConfigFile;
use libfuzzer_sys::fuzz_target;

static FILES: OnceLock<Vec<ConfigFile>> = OnceLock::new();

fuzz_target!(|data: &[u8]| {
    let files = FILES.get_or_init(|| common::files(&["claude", "cursor", "windsurf"]));
    common::run(data, files);
});
