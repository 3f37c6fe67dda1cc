//! The subcommands, one file each. A command receives the [`Context`] and its own arguments,
//! talks to the user only through `ctx.ui`, and returns an exit code or an [`crate::error::Error`]
//! (printed by `main`); commands never call each other.

pub(crate) mod completions;
pub(crate) mod doctor;
pub(crate) mod env;
pub(crate) mod header;
pub(crate) mod login;
pub(crate) mod logout;
pub(crate) mod proxy;
pub(crate) mod refresh;
pub mod schedule;
pub(crate) mod setup;
pub(crate) mod status;
pub(crate) mod token;

pub(crate) use crate::app::Context;

#[cfg(test)]
mod tests;
