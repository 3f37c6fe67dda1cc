//! `figma-auth env [--shell sh|fish|powershell] [--var NAME]`: one line that sets an environment
//! variable to the access token, for shell start-up files (`eval "$(figma-auth env)"`) and MCP
//! client configs that read the token from the environment (`{env:FIGMA_TOKEN}` in opencode,
//! `${FIGMA_TOKEN}` in Claude Code, …). It prints a secret on purpose, like `token`.
//!
//! The token is refreshed first when it expires within `--min-valid`, exactly like `token`. The
//! variable holds the token of the moment the line was evaluated: programs started from an old
//! shell get an old token, so keep the access token fresh (`figma-auth refresh`) and open new
//! shells, or prefer `header` (helper mode) where the client supports it.

use super::token::{obtain, write_stdout};
use super::Context;
use crate::cli::{EnvArgs, EnvShell};
use crate::error::{exit, Error};
use crate::time::short_duration;

pub fn run(ctx: &Context, args: &EnvArgs) -> Result<u8, Error> {
    ctx.warn_permissions();
    let got = obtain(ctx, args.min_valid)?;
    crate::fault::panic_point("env", || got.token.access_token.expose().to_string());
    if let Some(e) = &got.refresh_error {
        crate::ui::warning(format_args!(
            "the access token expires in {} and could not be refreshed: {}",
            short_duration(got.remaining()),
            super::header::one_line(ctx, e)
        ));
    }
    write_stdout(&line(
        args.shell,
        &args.var,
        got.token.access_token.expose(),
    ))?;
    Ok(exit::OK)
}

/// The assignment of `value` to `var` in `shell`'s syntax, with a final newline. `var` must be a
/// valid name ([`crate::cli`] checks it); `value` is quoted whatever it holds.
pub fn line(shell: EnvShell, var: &str, value: &str) -> String {
    match shell {
        // Single quotes take everything literally except `'` itself: close, escape, reopen.
        EnvShell::Sh => format!("export {var}='{}'\n", value.replace('\'', r"'\''")),
        // fish: inside single quotes only `\` and `'` are special.
        EnvShell::Fish => format!(
            "set -gx {var} '{}'\n",
            value.replace('\\', r"\\").replace('\'', r"\'")
        ),
        // PowerShell: a single-quoted string doubles its quotes.
        EnvShell::Powershell => format!("$env:{var} = '{}'\n", value.replace('\'', "''")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_shell_quotes_the_value() {
        assert_eq!(
            line(EnvShell::Sh, "FIGMA_TOKEN", "figu_abc"),
            "export FIGMA_TOKEN='figu_abc'\n"
        );
        assert_eq!(line(EnvShell::Sh, "T", "a'b"), "export T='a'\\''b'\n");
        assert_eq!(
            line(EnvShell::Fish, "T", r"a'b\c"),
            "set -gx T 'a\\'b\\\\c'\n"
        );
        assert_eq!(line(EnvShell::Powershell, "T", "a'b"), "$env:T = 'a''b'\n");
    }

    #[cfg(unix)]
    #[test]
    fn sh_line_round_trips_through_a_real_shell() {
        let value = r#"fi'gu_$(echo no)`x`;&|"\ "#;
        let script = format!("{}printf %s \"$T\"", line(EnvShell::Sh, "T", value));
        let out = std::process::Command::new("sh")
            .arg("-c")
            .arg(script)
            .output()
            .unwrap();
        assert_eq!(String::from_utf8(out.stdout).unwrap(), value);
    }
}
