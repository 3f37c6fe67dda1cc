//! `figma-auth schedule install|status|remove`: the periodic `refresh --write`, planned, shown
//! and applied by [`crate::schedule`].

use super::Context;
use crate::cli::{ScheduleArgs, ScheduleCommand};
use crate::error::Error;
use crate::schedule::{install, remove, status, ScheduleError};

pub fn run(ctx: &Context, args: &ScheduleArgs) -> Result<u8, Error> {
    let result = match &args.command {
        ScheduleCommand::Install(a) => install::run(ctx, a),
        ScheduleCommand::Status(a) => status::run(ctx, a),
        ScheduleCommand::Remove(a) => remove::run(ctx, a),
    };
    result.map_err(|e| match e {
        ScheduleError::Cancelled => Error::Cancelled(e.to_string()),
        e => e.into(),
    })
}
