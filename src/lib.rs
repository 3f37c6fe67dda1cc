//! figma-auth: OAuth for Figma's remote MCP server, and format-preserving edits of MCP client
//! configs. The binary (`src/main.rs`) is a thin shell over this library.
//!
//! The public modules are what the binary, the integration tests and the fuzz targets use (the
//! command line and its runner, the client table, the editors and their oracle, the scheduler,
//! the environment and the secrets); inside them, only those items are `pub`. Everything else is
//! private to the crate (`unreachable_pub` keeps it so).

pub mod app;
pub mod cli;
pub mod clients;
pub mod commands;
pub mod edit;
pub mod error;
pub mod fault;
pub mod oauth;
pub mod paths;
pub mod schedule;
pub mod secret;
pub mod shell_quote;
pub mod time;
pub mod ui;

mod apply;
mod authorize;
mod binary;
mod fs;
mod markup;
mod mcp;
mod proxy;
mod redact;
mod session;
mod store;
mod token_file;
