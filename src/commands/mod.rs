//! The subcommands, one file each. A command receives the [`Context`] and its own arguments,
//! talks to the user only through `ctx.ui`, and returns an exit code or an [`crate::error::Error`]
//! (printed by `main`); commands never call each other.

pub mod completions;
pub mod doctor;
pub mod env;
pub mod header;
pub mod login;
pub mod logout;
pub mod proxy;
pub mod refresh;
pub mod schedule;
pub mod setup;
pub mod status;
pub mod token;

pub use crate::app::Context;

#[cfg(test)]
mod tests;
