//! Entries whose credentials come from elsewhere: a helper command that must exist, a variable
//! that must be set, a token file that must be there.

use super::configs::TargetCtx;
use super::{Check, Context, Level};
use crate::clients::{ConfigFile, Mode};
use crate::edit::EntryState;
use std::path::Path;

impl TargetCtx<'_> {
    /// Credentials from another key: a helper command must exist, a variable must be set here.
    pub(super) fn indirect_checks(
        &self,
        what: &str,
        f: &ConfigFile,
        e: &EntryState,
        keys: &[String],
        mode: Mode,
        out: &mut Vec<Check>,
    ) {
        let flags = self.ctx.flags();
        let c = |level, msg: String| Check::new(Self::AREA, level, msg).at(&f.path);
        let via = if mode == Mode::Inline {
            String::new()
        } else {
            format!(" ({} mode)", mode.as_str())
        };
        for key in keys {
            let value = e.auth_field(key);
            match (key.as_str(), value) {
                ("headersHelper" | "http_headers_helper", Some(cmd)) => {
                    match helper_program(cmd).filter(|p| p.is_absolute() && !p.is_file()) {
                        Some(p) => out.push(
                            c(
                                Level::Problem,
                                format!(
                                    "{what}: the `{key}` command runs {}, which does not exist",
                                    p.display()
                                ),
                            )
                            .run(format!(
                                "figma-auth setup --target {} --scope {} --mode helper{flags} --write",
                                self.target.id,
                                f.scope.as_str()
                            )),
                        ),
                        None => out.push(c(
                            Level::Ok,
                            format!("{what}: credentials from the `{key}` command{via}"),
                        )),
                    }
                }
                ("bearer_token_env_var", Some(var)) => {
                    self.variable_check(what, f, &format!("${var}"), var, out)
                }
                _ => out.push(c(
                    Level::Ok,
                    format!("{what}: credentials from `{key}`{via}"),
                )),
            }
        }
    }

    /// The token is read from `var`: it should be set in this environment (where the client is
    /// probably started from).
    pub(super) fn variable_check(
        &self,
        what: &str,
        f: &ConfigFile,
        r: &str,
        var: &str,
        out: &mut Vec<Check>,
    ) {
        let flags = self.ctx.flags();
        let c = |level, msg: String| Check::new(Self::AREA, level, msg).at(&f.path);
        if std::env::var_os(var).is_none_or(|v| v.is_empty()) {
            out.push(
                c(
                    Level::Warning,
                    format!(
                        "{what}: reads the token from {r}, but {var} is not set in this environment"
                    ),
                )
                .then_run(
                    &format!(
                        "set it where {} starts, e.g. `eval \"$(figma-auth env --var {var}{flags})\"` in your shell start-up file",
                        self.target.name
                    ),
                    format!("figma-auth env --var {var}{flags}"),
                ),
            );
        } else {
            out.push(c(Level::Ok, format!("{what}: reads the token from {r}")));
        }
    }

    /// `{file:…}` must exist (and be our token file, checked under "token file"); a variable is
    /// checked in this environment.
    pub(super) fn reference_checks(
        &self,
        what: &str,
        f: &ConfigFile,
        r: &str,
        out: &mut Vec<Check>,
    ) {
        let flags = self.ctx.flags();
        let c = |level, msg: String| Check::new(Self::AREA, level, msg).at(&f.path);
        if let Some(file) = r.strip_prefix("{file:").and_then(|s| s.strip_suffix('}')) {
            let p = expand_home(self.ctx, file, &f.path);
            if p.exists() {
                out.push(c(Level::Ok, format!("{what}: reads the token from {r}")));
            } else {
                out.push(
                    c(
                        Level::Problem,
                        format!("{what}: reads the token from {r}, which does not exist"),
                    )
                    .run(format!(
                        "figma-auth setup --target {} --mode file{flags} --write",
                        self.target.id
                    )),
                );
            }
            return;
        }
        match reference_var(r) {
            Some(var) => self.variable_check(what, f, r, var, out),
            None => out.push(c(Level::Ok, format!("{what}: reads the token from {r}"))),
        }
    }
}

/// The `{file:…}` / `${…}` / `{env:…}` part of a header value (references are not secrets; the
/// rest of the value is not shown).
pub(super) fn reference_text(v: &str) -> String {
    let start = ["${", "{env:", "{file:"]
        .iter()
        .filter_map(|m| v.find(m))
        .min()
        .unwrap_or(0);
    let end = v[start..]
        .find('}')
        .map(|i| start + i + 1)
        .unwrap_or(v.len());
    crate::oauth::sanitize(&v[start..end], &[], 200)
}

/// The variable a reference reads, if it reads one.
fn reference_var(r: &str) -> Option<&str> {
    let inner = r.strip_prefix("${").or_else(|| r.strip_prefix('{'))?;
    let inner = inner.strip_suffix('}')?;
    let inner = inner.strip_prefix("env:").unwrap_or(inner);
    (!inner.is_empty() && inner.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'))
        .then_some(inner)
}

/// The program a helper command runs: its first shell word (single quotes understood).
fn helper_program(cmd: &str) -> Option<std::path::PathBuf> {
    let cmd = cmd.trim_start();
    let word = if let Some(rest) = cmd.strip_prefix('\'') {
        rest.split('\'').next()?
    } else {
        cmd.split_whitespace().next()?
    };
    (!word.is_empty()).then(|| std::path::PathBuf::from(word))
}

/// A `{file:…}` path as opencode resolves it: `~/` is the home, relative paths are relative to
/// the config file's directory.
fn expand_home(ctx: &Context, file: &str, config: &Path) -> std::path::PathBuf {
    if let Some(rest) = file.strip_prefix("~/") {
        return ctx.env.home.join(rest);
    }
    let p = Path::new(file);
    if p.is_absolute() {
        p.to_path_buf()
    } else {
        config.parent().unwrap_or(Path::new(".")).join(p)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    pub(super) fn references_are_shown_without_the_rest_of_the_value() {
        assert_eq!(
            reference_text("Bearer {file:~/t.token}"),
            "{file:~/t.token}"
        );
        assert_eq!(reference_text("Bearer ${FIGMA_TOKEN}"), "${FIGMA_TOKEN}");
        assert_eq!(reference_text("Bearer {env:X}"), "{env:X}");
        assert_eq!(reference_var("${FIGMA_TOKEN}"), Some("FIGMA_TOKEN"));
        assert_eq!(reference_var("${env:FIGMA_TOKEN}"), Some("FIGMA_TOKEN"));
        assert_eq!(reference_var("{env:T}"), Some("T"));
        assert_eq!(reference_var("${input:token}"), None);
    }
}
