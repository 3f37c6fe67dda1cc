//! `schedule`'s subcommands and their options.

use std::time::Duration;

/// `figma-auth schedule …`.
#[derive(Debug, Clone, clap::Args)]
pub struct ScheduleArgs {
    #[command(subcommand)]
    pub command: ScheduleCommand,
}

/// The schedule subcommands.
#[derive(Debug, Clone, clap::Subcommand)]
pub enum ScheduleCommand {
    /// Run `figma-auth refresh --write --log` periodically (systemd timer, LaunchAgent or cron).
    /// Shows the change first; applies it with --write.
    Install(InstallArgs),
    /// Show where the schedule lives, its interval and command, and the last logged run.
    Status(ScheduleStatusArgs),
    /// Remove the schedule (only figma-auth's own timer, agent or crontab line). Shows the change
    /// first; applies it with --write.
    Remove(RemoveArgs),
}

#[derive(Debug, Clone, clap::Args)]
pub struct InstallArgs {
    /// How often to run the refresh (1m to 24h; cron rounds down to a step it can express).
    #[arg(long, value_name = "DURATION", default_value = crate::schedule::DEFAULT_INTERVAL,
          value_parser = crate::schedule::parse_interval)]
    pub every: Duration,
    /// Apply the change (without it, only the preview is shown).
    #[arg(long, conflicts_with = "dry_run")]
    pub write: bool,
    /// Show the change and exit without asking.
    #[arg(long)]
    pub dry_run: bool,
    /// Use this scheduler instead of the detected one.
    #[arg(long, value_enum)]
    pub backend: Option<crate::schedule::Backend>,
}

#[derive(Debug, Clone, clap::Args)]
pub struct ScheduleStatusArgs {
    /// Only look at this scheduler.
    #[arg(long, value_enum)]
    pub backend: Option<crate::schedule::Backend>,
}

#[derive(Debug, Clone, clap::Args)]
pub struct RemoveArgs {
    /// Apply the change (without it, only the preview is shown).
    #[arg(long, conflicts_with = "dry_run")]
    pub write: bool,
    /// Show the change and exit without asking.
    #[arg(long)]
    pub dry_run: bool,
    /// Only remove from this scheduler (default: every scheduler holding one).
    #[arg(long, value_enum)]
    pub backend: Option<crate::schedule::Backend>,
}
