//! figma-auth: OAuth for Figma's remote MCP server, and format-preserving edits of MCP client configs.
