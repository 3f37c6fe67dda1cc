//! `figma-auth completions SHELL` and `figma-auth man [COMMAND]`: a completion script and a man
//! page generated from the clap definitions (clap_complete, clap_mangen), so they can never
//! disagree with the real options. Neither needs a HOME, the store or the network.

use crate::cli::{Cli, CompletionsArgs, ManArgs};
use crate::error::{exit, Error};
use clap::CommandFactory;

/// The program name the scripts complete.
const BIN: &str = "figma-auth";

/// `figma-auth completions SHELL`: the script on stdout.
pub fn completions(args: &CompletionsArgs) -> Result<u8, Error> {
    let mut cmd = Cli::command();
    let mut buf = Vec::new();
    clap_complete::generate(args.shell, &mut cmd, BIN, &mut buf);
    write(&buf)
}

/// `figma-auth man [COMMAND]`: the roff source of figma-auth(1), or of figma-auth-COMMAND(1).
pub fn man(args: &ManArgs) -> Result<u8, Error> {
    write(&man_page(args.command.as_deref())?)
}

/// The man page of the program, or of one of its commands.
pub fn man_page(command: Option<&str>) -> Result<Vec<u8>, Error> {
    let mut cmd = Cli::command();
    // Building sets the subcommands' names as they appear in a synopsis (`figma-auth login`).
    cmd.build();
    let page = match command {
        None => cmd,
        Some(name) => {
            let Some(sub) = cmd.find_subcommand(name) else {
                let names: Vec<&str> = cmd
                    .get_subcommands()
                    .filter(|s| !s.is_hide_set())
                    .map(|s| s.get_name())
                    .collect();
                return Err(Error::Usage(format!(
                    "no command named {name:?}; man pages exist for: {}",
                    names.join(", ")
                )));
            };
            sub.clone().version(env!("CARGO_PKG_VERSION"))
        }
    };
    let mut buf = Vec::new();
    clap_mangen::Man::new(page)
        .source(format!("{BIN} {}", env!("CARGO_PKG_VERSION")))
        .manual("figma-auth manual")
        .render(&mut buf)
        .map_err(|e| Error::Io("cannot render the man page".to_string(), e))?;
    Ok(buf)
}

fn write(bytes: &[u8]) -> Result<u8, Error> {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    match out.write_all(bytes).and_then(|_| out.flush()) {
        Ok(()) => Ok(exit::OK),
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(exit::OK),
        Err(e) => Err(Error::Io("cannot write to stdout".to_string(), e)),
    }
}
