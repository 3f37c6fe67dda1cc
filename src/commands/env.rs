//! `figma-auth env [--shell sh|fish|powershell] [--var NAME]`: one line that exports the access
//! token (`eval "$(figma-auth env)"`) for clients whose config reads it from the environment; a
//! secret on stdout, on purpose.

use super::Context;
use crate::cli::{EnvArgs, EnvShell};
use crate::error::{exit, Error};
use crate::session::obtain;

/// The variable keeps the token of the moment the line was evaluated, so `header` (helper mode) is
/// preferable where the client supports it.
pub(crate) fn run(ctx: &Context, args: &EnvArgs) -> Result<u8, Error> {
    ctx.warn_permissions();
    let got = obtain(ctx, args.min_valid)?;
    crate::fault::panic_point("env", || got.token.access_token.expose().to_string());
    if let Some(w) = got.refresh_warning(&ctx.flags()) {
        ctx.ui.warning(w);
    }
    ctx.ui.out(&line(
        args.shell,
        &args.var,
        got.token.access_token.expose(),
    ))?;
    Ok(exit::OK)
}

/// The assignment of `value` to `var` in `shell`'s syntax, with a final newline. `var` must be a
/// valid name ([`crate::cli`] checks it); `value` is quoted whatever it holds.
pub(crate) fn line(shell: EnvShell, var: &str, value: &str) -> String {
    match shell {
        // Single quotes take everything literally except `'` itself: close, escape, reopen.
        EnvShell::Sh => format!("export {var}='{}'\n", value.replace('\'', r"'\''")),
        // fish: inside single quotes only `\` and `'` are special.
        EnvShell::Fish => format!(
            "set -gx {var} '{}'\n",
            value.replace('\\', r"\\").replace('\'', r"\'")
        ),
        // PowerShell: in a single-quoted string each of its five single-quote characters (' and
        // U+2018–U+201B) ends the string unless doubled.
        EnvShell::Powershell => {
            let mut q = String::with_capacity(value.len() + 2);
            for c in value.chars() {
                q.push(c);
                if is_powershell_quote(c) {
                    q.push(c);
                }
            }
            format!("$env:{var} = '{q}'\n")
        }
    }
}

/// The characters PowerShell treats as a single quote: `'`, `‘`, `’`, `‚`, `‛`.
pub(crate) fn is_powershell_quote(c: char) -> bool {
    matches!(c, '\'' | '\u{2018}' | '\u{2019}' | '\u{201A}' | '\u{201B}')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_export_line_of_the_stored_token_goes_to_stdout() {
        let (ctx, seen, _home) = crate::app::testing::context();
        let valid = std::time::Duration::from_secs(3600);
        crate::app::testing::save_login(&ctx, "figu_env_command_5", valid);
        let args = EnvArgs {
            shell: EnvShell::Fish,
            var: "FIGMA_TOKEN".into(),
            min_valid: std::time::Duration::from_secs(300),
        };
        assert_eq!(run(&ctx, &args).unwrap(), exit::OK);
        assert_eq!(seen.out(), "set -gx FIGMA_TOKEN 'figu_env_command_5'\n");
        assert_eq!(seen.err(), "");
    }

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

    /// Reads a PowerShell single-quoted string the way PowerShell's tokenizer does: any of the
    /// five quote characters ends it unless the next character is one of them too.
    fn powershell_single_quoted(s: &str) -> Option<(String, &str)> {
        let mut chars = s.char_indices();
        let (_, first) = chars.next()?;
        if !is_powershell_quote(first) {
            return None;
        }
        let mut out = String::new();
        let mut it = s[first.len_utf8()..].char_indices().peekable();
        let base = first.len_utf8();
        while let Some((i, c)) = it.next() {
            if is_powershell_quote(c) {
                match it.peek() {
                    Some((_, n)) if is_powershell_quote(*n) => {
                        out.push(c);
                        it.next();
                    }
                    _ => return Some((out, &s[base + i + c.len_utf8()..])),
                }
            } else {
                out.push(c);
            }
        }
        None
    }

    #[test]
    fn powershell_quoting_survives_every_single_quote_character() {
        for value in [
            "a'b",
            "x\u{2018}$(calc)\u{2019}y",
            "\u{201A}\u{201B}'\u{2019}",
            "plain_token_123",
        ] {
            let l = line(EnvShell::Powershell, "T", value);
            let rest = l.strip_prefix("$env:T = ").unwrap();
            let (parsed, after) = powershell_single_quoted(rest).unwrap();
            assert_eq!(parsed, value, "{l}");
            assert_eq!(after, "\n", "{l}");
        }
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
