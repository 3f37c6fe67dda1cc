//! Test-only fault injection (debug builds only; release builds compile every hook to nothing).
//!
//! Tests make a write fail, or kill the process, at a chosen step with the environment variable
//! `FIGMA_AUTH_FAULT`, a comma-separated list of rules `<step>:<action>[@<file>][#<n>]`:
//!
//! - `<step>`, in the order a write goes through them:
//!   - `backup`: before the backup copy of a config file is made ([`super::backup_once`];
//!     `<file>` is matched against the file being backed up);
//!   - `write`: the temp file exists, before its content is written (it is empty, except for a
//!     large file spliced from a copy of its unchanged bytes made while it was validated:
//!     [`super::prefetch`]; that copy holds the current bytes);
//!   - `fsync`: the content is written, before the temp file is fsynced;
//!   - `rename`: the temp file is fsynced, before the target is checked for another program's
//!     write and the temp file renamed over it;
//!   - `dirsync`: the target is replaced, before the directory is fsynced (an error here is
//!     ignored, as a real directory-fsync error is: only `abort` and `touch` matter).
//!
//!   Every atomic write goes through `write`, `fsync`, `rename` and `dirsync`: config files, the
//!   credential store (`default.json`), backups (`*.orig`), token files, scheduler units.
//! - `<action>`: `fail` (an I/O error "injected fault"), `enospc` (the OS error ENOSPC, "No space
//!   left on device"), `eio` (the OS error EIO), `abort` (the process is killed by SIGABRT: no
//!   cleanup runs, as after a crash or `kill -9`), or `touch` (another program writes the target
//!   at that moment: a newline is appended to it; the write then goes on).
//! - `@<file>`: only writes whose target's file name is `<file>` (`@.claude.json`,
//!   `@default.json`), or ends with `<suffix>` for `@*<suffix>` (`@*.orig`: backups). Without it,
//!   every write.
//! - `#<n>`: only the n-th matching step of the process (1-based); without it, every one.
//!
//! Examples: `rename:abort@.claude.json`, `write:enospc@default.json`, `rename:touch@mcp.json#1`.
//! Errors name the target's path, as real ones do.
//!
//! The same variable names panic points outside file writes: `<point>:panic` ([`panic_point`],
//! e.g. `token:panic`) panics there with a secret in the message, so that tests can prove the
//! panic hook keeps it out of stderr. Rules for other steps are ignored by each kind of hook.

use std::io;
use std::path::Path;

/// Panics at `point` when `FIGMA_AUTH_FAULT` holds the rule `<point>:panic` in a debug build;
/// the message includes `secret()`. Release builds never panic here and never call `secret`.
pub(crate) fn panic_point(point: &str, secret: impl FnOnce() -> String) {
    #[cfg(debug_assertions)]
    if let Ok(spec) = std::env::var("FIGMA_AUTH_FAULT")
        && spec
            .split(',')
            .any(|rule| rule.trim().split_once(':') == Some((point, "panic")))
    {
        panic!("injected panic at {point} (secret in scope: {})", secret());
    }
    #[cfg(not(debug_assertions))]
    let _ = (point, secret);
}

/// Test-only fault injection at `step` of a write of `target` (see the module documentation).
/// Release builds compile this to nothing.
pub(crate) fn fault_point(step: &str, target: &Path) -> io::Result<()> {
    #[cfg(debug_assertions)]
    rules::hit(step, target)?;
    let _ = (step, target);
    Ok(())
}

#[cfg(debug_assertions)]
mod rules {
    use std::io::{self, Write};
    use std::path::Path;
    use std::sync::{Mutex, OnceLock};

    /// The steps of a write, in order.
    const STEPS: [&str; 5] = ["backup", "write", "fsync", "rename", "dirsync"];

    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    enum Action {
        Fail,
        Enospc,
        Eio,
        Abort,
        Touch,
    }

    #[derive(Debug)]
    struct Rule {
        step: String,
        action: Action,
        file: Option<String>,
        nth: Option<usize>,
    }

    impl Rule {
        fn matches(&self, step: &str, target: &Path) -> bool {
            if self.step != step {
                return false;
            }
            let name = target
                .file_name()
                .map(|n| n.to_string_lossy())
                .unwrap_or_default();
            match self.file.as_deref() {
                None => true,
                Some(pattern) => match pattern.strip_prefix('*') {
                    Some(suffix) => name.ends_with(suffix),
                    None => name == pattern,
                },
            }
        }
    }

    /// Parses `FIGMA_AUTH_FAULT`; a malformed rule for one of our steps panics (a typo must not
    /// make a fault test pass without its fault).
    fn parse(spec: &str) -> Vec<Rule> {
        let mut rules = Vec::new();
        for item in spec.split(',').map(str::trim).filter(|i| !i.is_empty()) {
            let Some((step, rest)) = item.split_once(':') else {
                continue;
            };
            if !STEPS.contains(&step) {
                continue; // e.g. crate::fault's `token:panic`
            }
            let (rest, nth) = match rest.split_once('#') {
                Some((r, n)) => (
                    r,
                    Some(
                        n.parse::<usize>()
                            .ok()
                            .filter(|n| *n > 0)
                            .unwrap_or_else(|| panic!("FIGMA_AUTH_FAULT: bad count in {item:?}")),
                    ),
                ),
                None => (rest, None),
            };
            let (action, file) = match rest.split_once('@') {
                Some((a, f)) => (a, Some(f.to_string())),
                None => (rest, None),
            };
            let action = match action {
                "fail" => Action::Fail,
                "enospc" => Action::Enospc,
                "eio" => Action::Eio,
                "abort" => Action::Abort,
                "touch" => Action::Touch,
                other => panic!(
                    "FIGMA_AUTH_FAULT: unknown action {other:?} in {item:?} (fail, enospc, eio, abort, touch)"
                ),
            };
            rules.push(Rule {
                step: step.to_string(),
                action,
                file,
                nth,
            });
        }
        rules
    }

    fn rules() -> &'static [Rule] {
        static RULES: OnceLock<Vec<Rule>> = OnceLock::new();
        RULES.get_or_init(|| {
            std::env::var("FIGMA_AUTH_FAULT")
                .map(|s| parse(&s))
                .unwrap_or_default()
        })
    }

    pub(super) fn hit(step: &str, target: &Path) -> io::Result<()> {
        let rules = rules();
        if rules.is_empty() {
            return Ok(());
        }
        static SEEN: Mutex<Vec<usize>> = Mutex::new(Vec::new());
        for (i, rule) in rules.iter().enumerate() {
            if !rule.matches(step, target) {
                continue;
            }
            let count = {
                let mut seen = SEEN.lock().unwrap_or_else(|e| e.into_inner());
                seen.resize(rules.len(), 0);
                seen[i] += 1;
                seen[i]
            };
            if rule.nth.is_some_and(|n| n != count) {
                continue;
            }
            match rule.action {
                Action::Abort => std::process::abort(),
                Action::Touch => {
                    // Another program's write: appending changes the size and mtime.
                    let mut f = std::fs::OpenOptions::new().append(true).open(target)?;
                    f.write_all(b"\n")?;
                }
                Action::Fail => return Err(io::Error::other("injected fault (FIGMA_AUTH_FAULT)")),
                Action::Enospc => return Err(os_error(28, io::ErrorKind::StorageFull)),
                Action::Eio => return Err(os_error(5, io::ErrorKind::Other)),
            }
        }
        Ok(())
    }

    /// ENOSPC is 28 and EIO 5 on Linux and macOS.
    fn os_error(code: i32, _kind: io::ErrorKind) -> io::Error {
        #[cfg(unix)]
        return io::Error::from_raw_os_error(code);
        #[cfg(not(unix))]
        return io::Error::new(_kind, format!("injected OS error {code}"));
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        #[test]
        fn rules_parse_and_match() {
            let r = parse("token:panic, rename:abort@.claude.json,write:enospc@*.orig#2,fsync:eio");
            assert_eq!(r.len(), 3);
            assert_eq!(r[0].action, Action::Abort);
            assert!(r[0].matches("rename", Path::new("/h/.claude.json")));
            assert!(!r[0].matches("rename", Path::new("/h/x%2F.claude.json.orig")));
            assert!(!r[0].matches("write", Path::new("/h/.claude.json")));
            assert_eq!(r[1].nth, Some(2));
            assert!(r[1].matches("write", Path::new("/b/h%2F.claude.json.orig")));
            assert!(r[2].matches("fsync", Path::new("/any/file")));
        }

        #[test]
        #[should_panic(expected = "unknown action")]
        fn a_typo_is_loud() {
            parse("rename:abrot");
        }
    }
}
