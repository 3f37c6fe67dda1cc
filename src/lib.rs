//! figma-auth: OAuth for Figma's remote MCP server, and format-preserving edits of MCP client
//! configs. The binary (`src/main.rs`) is a thin shell over this library.

pub mod diff;
pub mod fsx;
pub mod patch;
pub mod paths;
pub mod schedule;
pub mod secret;
