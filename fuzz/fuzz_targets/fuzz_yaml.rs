#![no_main]

#[path = "../../tests/props/check.rs"]
mod check;
#[path = "../../tests/props/client.rs"]
mod client;
mod common;

use client::Yaml;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    common::run(data, &[Yaml::Continue, Yaml::Goose]);
});
