//! `figma-auth completions SHELL` and `figma-auth man [COMMAND]`: a completion script and a man
//! page generated from the clap definitions (clap_complete, clap_mangen), so they can never
//! disagree with the real options. Neither needs a HOME, the store or the network.

use crate::cli::{Cli, CompletionsArgs, ManArgs};
use crate::error::{exit, Error};
use crate::ui::Ui;
use clap::CommandFactory;

/// The program name the scripts complete.
const BIN: &str = "figma-auth";

/// `figma-auth completions SHELL`: the script on stdout.
pub(crate) fn completions(ui: &Ui, args: &CompletionsArgs) -> Result<u8, Error> {
    let mut cmd = Cli::command();
    let mut buf = Vec::new();
    clap_complete::generate(args.shell, &mut cmd, BIN, &mut buf);
    if args.shell == clap_complete::Shell::Bash {
        buf = fix_bash_state_names(&buf);
    }
    ui.out(&String::from_utf8_lossy(&buf))?;
    Ok(exit::OK)
}

/// clap_complete's bash script tracks the command line in a state such as
/// `figma__auth__subcmd__setup`, but labels the arms that complete a subcommand's options with
/// the hyphen of the binary's name escaped again (`figma__subcmd__auth__subcmd__setup`), so no arm
/// matches and nothing completes after a subcommand. The arms are renamed to the state the loop
/// builds; once clap_complete spells both alike this changes nothing.
fn fix_bash_state_names(script: &[u8]) -> Vec<u8> {
    let text = String::from_utf8_lossy(script);
    let arm = BIN.replace('-', "__subcmd__");
    let state = BIN.replace('-', "__");
    text.replace(&format!("{arm}__subcmd__"), &format!("{state}__subcmd__"))
        .into_bytes()
}

/// `figma-auth man [COMMAND]`: the roff source of figma-auth(1), or of figma-auth-COMMAND(1).
pub(crate) fn man(ui: &Ui, args: &ManArgs) -> Result<u8, Error> {
    ui.out(&String::from_utf8_lossy(&man_page(
        args.command.as_deref(),
    )?))?;
    Ok(exit::OK)
}

/// The man page of the program, or of one of its commands.
pub(crate) fn man_page(command: Option<&str>) -> Result<Vec<u8>, Error> {
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
