//! figma-auth: OAuth for Figma's remote MCP server, and format-preserving edits of MCP client
//! configs. The binary (`src/main.rs`) is a thin shell over this library.

pub mod edit;
pub mod paths;
pub mod secret;
pub mod targets;
