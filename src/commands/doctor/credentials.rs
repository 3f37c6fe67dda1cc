//! Entries whose credentials come from elsewhere: a helper command that must run an installed
//! figma-auth, a variable that must be set, a token file that must be there.

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
                    out.push(self.helper_check(what, f, e, key, cmd, &via))
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

    /// A helper command should run an installed figma-auth: one that is gone (moved,
    /// uninstalled) is a problem `setup` fixes, `npx` or another figma-auth are worth knowing.
    fn helper_check(
        &self,
        what: &str,
        f: &ConfigFile,
        e: &EntryState,
        key: &str,
        cmd: &str,
        via: &str,
    ) -> Check {
        let c = |level, msg: String| Check::new(Self::AREA, level, msg).at(&f.path);
        let runs = format!("{what}: the `{}` entry's `{key}` command runs", e.name);
        let program = crate::binary::helper_program(cmd);
        let switch = format!(
            "figma-auth setup --target {} --scope {} --mode helper{} --write",
            self.target.id,
            f.scope.as_str(),
            self.ctx.flags()
        );
        if let Some((p, why)) = self.target.broken_helper(e) {
            return c(
                Level::Problem,
                format!(
                    "{runs} {}, which {why} (figma-auth was moved, upgraded elsewhere or uninstalled)",
                    p.display()
                ),
            )
            .run(self.setup_cmd(f, false));
        }
        let runner = program.as_deref().and_then(|p| {
            let name = p.file_name()?.to_str()?;
            ["npx", "bunx", "pnpm", "pnpx", "yarn", "npm"]
                .contains(&name)
                .then_some(name)
                .or_else(|| crate::binary::runner_cache(p))
        });
        if let Some(runner) = runner {
            return c(
                Level::Warning,
                format!(
                    "{runs} figma-auth through {runner}, which adds start-up time to every request, fails offline and may run another version (install figma-auth to name its binary instead)"
                ),
            )
            .run(switch);
        }
        let ours = self.ctx.exe().ok();
        let same = |p: &Path, q: &Path| {
            p == q || std::fs::canonicalize(p).ok() == std::fs::canonicalize(q).ok()
        };
        match (program, ours) {
            (Some(p), Some(ours))
                if p.is_absolute() && p.file_name() == ours.file_name() && !same(&p, &ours) =>
            {
                c(
                    Level::Info,
                    format!(
                        "{runs} {}, not this figma-auth ({}); `{switch}` switches it",
                        p.display(),
                        ours.display()
                    ),
                )
            }
            _ => c(
                Level::Ok,
                format!("{what}: credentials from the `{key}` command{via}"),
            ),
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
        e: &EntryState,
        r: &str,
        out: &mut Vec<Check>,
    ) {
        let flags = self.ctx.flags();
        let c = |level, msg: String| Check::new(Self::AREA, level, msg).at(&f.path);
        // A command substituted in the header (helper mode in the header, `$(…)`).
        if let Some((p, why)) = self.target.broken_helper(e) {
            out.push(
                c(
                    Level::Problem,
                    format!(
                        "{what}: the `{}` entry's header runs {}, which {why} (figma-auth was moved, upgraded elsewhere or uninstalled)",
                        e.name,
                        p.display()
                    ),
                )
                .run(self.setup_cmd(f, false)),
            );
            return;
        }
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
