//! figma-auth: OAuth for Figma's remote MCP server, and format-preserving edits of MCP client
//! configs. The binary (`src/main.rs`) is a thin shell over this library.

pub mod configs;
pub mod diff;
pub mod edit;
pub mod fsx;
pub mod patch;
pub mod paths;
pub mod secret;
pub mod targets;
