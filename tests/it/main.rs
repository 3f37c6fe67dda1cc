//! The one integration-test binary. Most modules run the real `figma-auth` binary against a mock
//! of Figma's authorization server on 127.0.0.1, with HOME and the XDG directories in temp dirs
//! and a fake browser (`support`); `fixtures` walks `fixtures/`, `props` checks the editors on
//! generated documents (with the fuzz targets' oracle), and `schedule` drives the scheduler
//! through the library against fake `systemctl`, `launchctl` and `crontab`.

// A test binary has no API: `pub` in its modules means "shared between the test files".
#![allow(unreachable_pub)]

mod bad_input;
mod canary;
mod case_map;
mod commands;
mod configs;
mod detection;
mod doctor;
mod faults;
mod figma;
mod fixtures;
mod fs_safety;
mod harness;
mod helper;
mod hostile;
mod installed_binary;
mod login;
mod packaging;
mod precedence;
mod props;
mod proxy;
mod proxy_mode;
mod records;
mod refresh;
#[cfg(unix)]
mod schedule;
mod schedule_cli;
mod security;
mod security_cases;
mod setup;
mod shell;
mod snapshots;
mod store_dirs;
mod stress;
mod support;
mod terminal;
mod token_file;
