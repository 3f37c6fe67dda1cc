//! figma-auth: OAuth for Figma's remote MCP server, and format-preserving edits of MCP client
//! configs. The binary (`src/main.rs`) is a thin shell over this library.

pub mod app;
pub mod apply;
pub mod authorize;
pub mod binary;
pub mod cli;
pub mod clients;
pub mod commands;
pub mod edit;
pub mod error;
pub mod fault;
pub mod fs;
pub mod mcp;
pub mod oauth;
pub mod paths;
pub mod proxy;
pub mod redact;
pub mod schedule;
pub mod secret;
pub mod session;
pub mod shell_quote;
pub mod store;
pub mod time;
pub mod token_file;
pub mod ui;
