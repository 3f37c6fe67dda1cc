//! The `figma-auth` binary: parse the command line, run the command, report the error chain and
//! one hint, exit with the documented code.

use clap::Parser;
use figma_auth::cli::Cli;
use figma_auth::error::Error;
use figma_auth::ui::{self, Ui};
use std::process::ExitCode;

fn main() -> ExitCode {
    figma_auth::fault::install_panic_hook();
    // Before any thread starts: no child process may inherit the personal access token.
    // SAFETY: no other thread exists yet (the panic hook starts none).
    #[allow(unsafe_code)]
    unsafe {
        figma_auth::secret::capture_env_secrets()
    };
    ui::install_signal_handlers();
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(e.exit_code().clamp(0, 255) as u8);
        }
    };
    let flags = figma_auth::app::profile_flags(&cli.global.profile);
    let ui = Ui::from_process();
    let result = figma_auth::app::run(cli, &ui);
    figma_auth::fault::print_counters(&ui);
    match result {
        Ok(code) => ExitCode::from(code),
        Err(Error::Cancelled(what)) => {
            ui.line(what);
            ui::die_of_interrupt()
        }
        Err(Error::Reported(code)) => ExitCode::from(code),
        Err(e) => {
            figma_auth::error::report(&ui, &e, &flags);
            ExitCode::from(e.exit_code())
        }
    }
}
