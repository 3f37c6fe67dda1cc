#![no_main]

use std::sync::OnceLock;

use figma_auth::clients::ConfigFile;
use figma_auth::edit::oracle;
use libfuzzer_sys::fuzz_target;

static FILES: OnceLock<Vec<ConfigFile>> = OnceLock::new();

fuzz_target!(|data: &[u8]| {
    let files = FILES.get_or_init(|| oracle::files(&["opencode", "vscode", "zed", "kilo", "auggie"]));
    oracle::fuzz_one(data, files);
});
