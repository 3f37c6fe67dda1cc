//! Integration tests: the real `figma-auth` binary against a mock of Figma's authorization
//! server on 127.0.0.1, with HOME and the XDG directories in temp dirs and a fake browser.

mod canary;
mod commands;
mod configs;
mod doctor;
mod faults;
mod figma;
mod fs_safety;
mod helper;
mod hostile;
mod login;
mod packaging;
mod proxy;
mod records;
mod refresh;
mod schedule_cli;
mod security;
mod security_cases;
mod setup;
mod shell;
mod store_dirs;
mod stress;
mod support;
mod terminal;
mod token_file;
