//! Proxy-mode entries: the program the client starts exists and is executable, and with
//! `--online` its command line completes one `initialize` round trip (`--check`), once per
//! command line.

use super::configs::TargetCtx;
use super::{Check, Level};
use crate::clients::ConfigFile;
use crate::proxy::entry::{probe, program_problem, Probe};
use std::time::Duration;

/// The `--check` result of each proxy command line run so far.
pub(super) type Probes = std::cell::RefCell<Vec<(Vec<String>, Result<Probe, String>)>>;

/// How long `doctor --online` waits for a proxy's `--check`.
const PROBE_TIMEOUT: Duration = Duration::from_secs(60);

/// The `--profile` a proxy command line names (`default` when none).
fn proxy_profile(argv: &[String]) -> String {
    argv.iter()
        .position(|a| a == "--profile")
        .and_then(|i| argv.get(i + 1))
        .cloned()
        .unwrap_or_else(|| "default".to_string())
}

impl TargetCtx<'_> {
    /// Proxy mode: the program the client starts must exist and be executable; with
    /// `--online`, the command line must complete one `initialize` round trip (`--check`).
    pub(super) fn proxy_checks(
        &self,
        what: &str,
        f: &ConfigFile,
        argv: &[String],
        out: &mut Vec<Check>,
    ) {
        let c = |level, msg: String| Check::new(Self::AREA, level, msg).at(&f.path);
        let shown = crate::shell_quote::sh_join(argv);
        let setup = format!(
            "figma-auth setup --target {} --scope {} --mode proxy{} --write",
            self.target.id,
            f.scope.as_str(),
            self.ctx.flags()
        );
        if let Some(problem) = program_problem(argv) {
            out.push(c(Level::Problem, format!("{what}: proxy mode, but {problem}")).run(setup));
            return;
        }
        let on_path = !std::path::Path::new(&argv[0]).is_absolute();
        if !self.online {
            out.push(c(
                Level::Ok,
                if on_path {
                    format!(
                        "{what}: proxy mode, the client starts `{shown}` (found on its own PATH)"
                    )
                } else {
                    format!("{what}: proxy mode, the client starts `{shown}`")
                },
            ));
            return;
        }
        let cached = self
            .probes
            .borrow()
            .iter()
            .find(|(a, _)| a == argv)
            .map(|(_, r)| r.clone());
        let result = cached.unwrap_or_else(|| {
            let r = probe(argv, PROBE_TIMEOUT);
            self.probes.borrow_mut().push((argv.to_vec(), r.clone()));
            r
        });
        let again = format!("{shown} --check");
        match result {
            Ok(Probe {
                code: Some(0),
                line,
            }) => out.push(c(
                Level::Ok,
                format!("{what}: proxy mode, `{again}` answered: {line}"),
            )),
            Ok(Probe {
                code: Some(3),
                line,
            }) => out.push(
                c(
                    Level::Problem,
                    format!("{what}: proxy mode, but the proxy needs a login: {line}"),
                )
                .run(format!(
                    "figma-auth login --profile {}",
                    proxy_profile(argv)
                )),
            ),
            Ok(Probe {
                code: Some(4),
                line,
            }) => out.push(
                c(
                    Level::Warning,
                    format!("{what}: proxy mode, `{again}` failed for now: {line}"),
                )
                .then_run("try again later", again.clone())
                .temporary(),
            ),
            Ok(Probe { code, line }) => out.push(
                c(
                    Level::Problem,
                    format!(
                        "{what}: proxy mode, `{again}` failed ({}): {line}",
                        code.map_or("no exit code".to_string(), |c| format!("exit {c}"))
                    ),
                )
                .then_run("see what it says", again.clone()),
            ),
            Err(e) => out.push(c(Level::Problem, format!("{what}: proxy mode: {e}")).run(setup)),
        }
    }
}
