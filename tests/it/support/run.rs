//! One run of the binary ([`Run`], from [`TestEnv::cmd`]) and the invariants checked after every
//! run: no secret in its output, no temp file left behind, and every file it created private
//! (0600; directories 0700). A run that has not ended after its limit is killed and fails the
//! test: a hang guard, not a timing assertion.

use super::files::{is_temp, walk};
use super::{prints_token, Out, Runs, TestEnv, BIN, WAIT};
use std::collections::BTreeMap;
use std::ffi::OsString;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::Ordering;
use std::time::Duration;

/// A command line of the binary, with its working directory, environment, stdin and limits;
/// [`Run::run`] runs it to the end and checks the invariants.
#[must_use = "a Run does nothing until .run()"]
pub struct Run<'a> {
    env: &'a TestEnv,
    args: Vec<OsString>,
    cwd: PathBuf,
    vars: Vec<(String, Option<String>)>,
    stdin: Option<Vec<u8>>,
    umask0: bool,
    uid: Option<u32>,
    limit: Duration,
    signal_ok: bool,
    shows_secrets: bool,
    /// Only these variables (none of the test environment's).
    only: Option<Vec<(String, String)>>,
    /// The binary to run (default [`BIN`]).
    program: Option<PathBuf>,
}

impl<'a> Run<'a> {
    pub(super) fn new<S: AsRef<std::ffi::OsStr>>(env: &'a TestEnv, args: &[S]) -> Self {
        Run {
            env,
            args: args.iter().map(|a| a.as_ref().to_owned()).collect(),
            cwd: env.path("home"),
            vars: Vec::new(),
            stdin: None,
            umask0: false,
            uid: None,
            limit: WAIT,
            signal_ok: false,
            shows_secrets: false,
            only: None,
            program: None,
        }
    }

    /// The working directory: an absolute path, or one relative to the test's root.
    pub fn cwd(mut self, dir: impl AsRef<Path>) -> Self {
        self.cwd = self.env.path_of(dir.as_ref());
        self
    }

    pub fn env(mut self, k: &str, v: impl AsRef<str>) -> Self {
        self.vars
            .push((k.to_string(), Some(v.as_ref().to_string())));
        self
    }

    /// Without the variable `k` (one the test environment sets).
    pub fn env_remove(mut self, k: &str) -> Self {
        self.vars.push((k.to_string(), None));
        self
    }

    /// Only these variables, none of the test environment's (a cron job's environment, say).
    pub fn env_only(mut self, vars: &[(&str, &str)]) -> Self {
        self.only = Some(
            vars.iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        );
        self
    }

    /// With the fault-injection rules `rules` (`FIGMA_AUTH_FAULT`, see `src/fs/fault.rs`); an
    /// `abort` ends the run by a signal, which is then no failure.
    pub fn fault(self, rules: &str) -> Self {
        self.env("FIGMA_AUTH_FAULT", rules).signal_ok()
    }

    /// Every `(name, value)` pair as [`Run::env`].
    pub fn envs(mut self, vars: &[(&str, &str)]) -> Self {
        for (k, v) in vars {
            self = self.env(k, v);
        }
        self
    }

    /// `input` on stdin, then EOF (otherwise stdin is /dev/null).
    pub fn stdin(mut self, input: impl Into<Vec<u8>>) -> Self {
        self.stdin = Some(input.into());
        self
    }

    /// Umask 000, the most permissive: what figma-auth creates must then carry its own modes.
    pub fn umask0(mut self) -> Self {
        self.umask0 = true;
        self
    }

    /// Runs the binary as this uid (and gid) through `setpriv`.
    pub fn run_as(mut self, uid: u32) -> Self {
        self.uid = Some(uid);
        self
    }

    /// The hang guard (default [`WAIT`]): a run still going after `limit` is killed and fails
    /// the test.
    pub fn limit(mut self, limit: Duration) -> Self {
        self.limit = limit;
        self
    }

    /// The run may end by a signal (an injected `abort`); otherwise a signal fails the test.
    pub fn signal_ok(mut self) -> Self {
        self.signal_ok = true;
        self
    }

    /// The run was asked to show secrets on stdout (`--show-secrets`): only stderr is checked
    /// for leaks.
    pub fn shows_secrets(mut self) -> Self {
        self.shows_secrets = true;
        self
    }

    /// Runs the binary at `path` instead of [`BIN`] (a copy installed elsewhere).
    pub fn program(mut self, path: impl AsRef<Path>) -> Self {
        self.program = Some(self.env.path_of(path.as_ref()));
        self
    }

    /// The command as it will be started.
    pub fn command(&self) -> Command {
        let args: Vec<&std::ffi::OsStr> = self.args.iter().map(|a| a.as_os_str()).collect();
        let program = self.program.as_deref().unwrap_or(Path::new(BIN));
        let base = self.env.command_of(program, &args);
        let mut c = match self.uid {
            None => base,
            Some(uid) => {
                let mut c = Command::new("setpriv");
                c.args([
                    format!("--reuid={uid}"),
                    format!("--regid={uid}"),
                    "--clear-groups".into(),
                    program.to_string_lossy().into_owned(),
                ])
                .args(&self.args)
                .env_clear();
                for (k, v) in base.get_envs() {
                    if let Some(v) = v {
                        c.env(k, v);
                    }
                }
                c
            }
        };
        c.current_dir(&self.cwd);
        if let Some(only) = &self.only {
            c.env_clear().envs(only.iter().map(|(k, v)| (k, v)));
        }
        for (k, v) in &self.vars {
            match v {
                Some(v) => c.env(k, v),
                None => c.env_remove(k),
            };
        }
        if self.umask0 {
            super::umask0(&mut c);
        }
        c
    }

    /// Runs the command to its end and checks the invariants (see the module header).
    pub fn run(self) -> Out {
        self.run_with(|| {})
    }

    /// [`Run::run`], with `during` run by the test while the binary runs (playing the browser,
    /// say); if `during` panics, the binary is killed.
    pub fn run_with(mut self, during: impl FnOnce()) -> Out {
        let env = self.env;
        let args: Vec<String> = self
            .args
            .iter()
            .map(|a| a.to_string_lossy().into_owned())
            .collect();
        let mut c = self.command();
        c.stdin(if self.stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
        let watch = Watch::start(env);
        let mut child = c.spawn().expect("run figma-auth");
        if let Some(input) = self.stdin.take() {
            let mut w = child.stdin.take().unwrap();
            std::thread::spawn(move || {
                // The binary may exit without reading it all.
                let _ = std::io::Write::write_all(&mut w, &input);
            });
        }
        let pid = child.id();
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let _ = tx.send(child.wait_with_output());
        });
        let killer = KillOnDrop(Some(pid));
        during();
        let output = match rx.recv_timeout(self.limit) {
            Ok(o) => o.expect("wait for figma-auth"),
            Err(_) => {
                let _ = Command::new("kill").args(["-9", &pid.to_string()]).status();
                watch.abandon(&env.runs);
                panic!("figma-auth {args:?} hung (killed after {:?})", self.limit);
            }
        };
        killer.disarm();
        let out = Out::from(output).at(env.path(""));
        self.check(&args, watch, &out);
        out
    }

    /// The invariants of one finished run: no leak, no signal unless allowed, and what
    /// [`Watch::finish`] checks.
    fn check(&self, args: &[String], watch: Watch, out: &Out) {
        let env = self.env;
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        if self.shows_secrets {
            env.assert_no_leak(
                &Out::printed(out.code, String::new()).with_stderr(out),
                false,
            );
        } else {
            env.assert_no_leak(out, prints_token(&args));
        }
        if !self.signal_ok {
            assert_eq!(out.signal, None, "{args:?} was killed: {out:?}");
        }
        let root = env.path("");
        watch.finish(&env.runs, &root, Some(env), &format!("{args:?}"), out);
    }
}

impl Run<'_> {
    /// Starts `n` copies of the command at once (stdin at EOF) and waits for all of them, each
    /// checked for leaks and signals; all are killed, and the test fails, if they are not done
    /// after the limit. (What they created cannot be told apart: the end-of-test check for temp
    /// files still applies.)
    pub fn race(self, n: usize) -> Vec<Out> {
        assert!(self.stdin.is_none(), "race runs with stdin at EOF");
        let env = self.env;
        let args: Vec<String> = self
            .args
            .iter()
            .map(|a| a.to_string_lossy().into_owned())
            .collect();
        let (tx, rx) = std::sync::mpsc::channel();
        let mut killers = Vec::new();
        let mut watches = Vec::new();
        for i in 0..n {
            let mut c = self.command();
            c.stdin(Stdio::null())
                .stdout(Stdio::piped())
                .stderr(Stdio::piped());
            watches.push(Watch::start(env));
            let child = c.spawn().expect("run figma-auth");
            killers.push(KillOnDrop(Some(child.id())));
            let tx = tx.clone();
            std::thread::spawn(move || {
                let _ = tx.send((i, child.wait_with_output()));
            });
        }
        let deadline = std::time::Instant::now() + self.limit;
        let mut outs: Vec<Option<Out>> = (0..n).map(|_| None).collect();
        for _ in 0..n {
            let left = deadline.saturating_duration_since(std::time::Instant::now());
            match rx.recv_timeout(left) {
                Ok((i, o)) => {
                    outs[i] = Some(Out::from(o.expect("wait for figma-auth")).at(env.path("")))
                }
                Err(_) => {
                    for w in watches {
                        w.abandon(&env.runs);
                    }
                    drop(killers);
                    panic!("{args:?}: processes still running after {:?}", self.limit);
                }
            }
        }
        for k in killers {
            k.disarm();
        }
        let outs: Vec<Out> = outs.into_iter().map(Option::unwrap).collect();
        for (out, watch) in outs.iter().zip(watches) {
            self.check(&args, watch, out);
        }
        outs
    }
}

/// Kills the process when dropped armed (the test panicked while it ran).
struct KillOnDrop(Option<u32>);

impl KillOnDrop {
    fn disarm(mut self) {
        self.0 = None;
    }
}

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        if let Some(pid) = self.0 {
            let _ = Command::new("kill").args(["-9", &pid.to_string()]).status();
        }
    }
}

/// The test-side directories under a test's root that no figma-auth run writes (the fake
/// browser's and fake schedulers' records, fake programs): not scanned.
const HARNESS_DIRS: [&str; 4] = ["browser", "fakebin", "fakestate", "cronstate"];

/// What was under the test's root before a run, to tell what the run created.
pub(crate) struct Watch {
    before: Option<BTreeMap<PathBuf, (bool, u32)>>,
    started: usize,
}

impl Watch {
    /// Takes stock before a run; nothing when other runs are under way in the same test (what
    /// a run created cannot then be told from what the others did).
    pub(crate) fn start(env: &TestEnv) -> Watch {
        let runs = &env.runs;
        let started = runs.started.fetch_add(1, Ordering::SeqCst) + 1;
        let others = runs.active.fetch_add(1, Ordering::SeqCst);
        Watch {
            before: (others == 0).then(|| scan(&env.path(""))),
            started,
        }
    }

    /// The run was not waited for (a process the test killed or left running).
    pub(crate) fn abandon(self, runs: &Runs) {
        runs.active.fetch_sub(1, Ordering::SeqCst);
        runs.signalled.store(true, Ordering::SeqCst);
    }

    /// After the run: a temp file it left (unless a signal ended it), a file it created with
    /// another mode than 0600 or a directory with another than 0700 fails the test. Units for
    /// the scheduler are 0644 (the scheduler reads them; they hold no secret, which the leak
    /// check of their text proves when `env` is given) and `~/Library/LaunchAgents` is 0755, as
    /// macOS makes it.
    pub(crate) fn finish(
        self,
        runs: &Runs,
        root: &Path,
        env: Option<&TestEnv>,
        what: &str,
        out: &Out,
    ) {
        if out.signal.is_some() {
            runs.signalled.store(true, Ordering::SeqCst);
        }
        let others = runs.active.fetch_sub(1, Ordering::SeqCst) - 1;
        let solo = others == 0 && runs.started.load(Ordering::SeqCst) == self.started;
        let Some(before) = self.before.filter(|_| solo) else {
            return;
        };
        let mut problems = Vec::new();
        for (p, (is_dir, m)) in scan(root) {
            if before.contains_key(&p) {
                continue;
            }
            if is_temp(&p) {
                if out.signal.is_none() {
                    problems.push(format!("left the temp file {}", p.display()));
                }
                continue;
            }
            let want = if is_dir {
                if p.ends_with("Library/LaunchAgents") {
                    0o755
                } else {
                    0o700
                }
            } else if is_unit(&p) {
                if let Some(env) = env {
                    env.assert_no_secret_in_file(&p);
                }
                0o644
            } else {
                0o600
            };
            if m != want {
                problems.push(format!(
                    "created {} with mode {m:04o}, not {want:04o}",
                    p.display()
                ));
            }
        }
        assert!(
            problems.is_empty(),
            "{what}: {}\n{out:?}",
            problems.join("\n")
        );
    }
}

/// A scheduler unit: a systemd service or timer, a launchd property list.
fn is_unit(p: &Path) -> bool {
    p.extension()
        .is_some_and(|e| e == "service" || e == "timer" || e == "plist")
}

/// Every directory and regular file under `root` but the harness's own (its top-level files,
/// the fake browsers, and [`HARNESS_DIRS`]): path → (is a directory, mode).
fn scan(root: &Path) -> BTreeMap<PathBuf, (bool, u32)> {
    let mut out = BTreeMap::new();
    let Ok(rd) = std::fs::read_dir(root) else {
        return out;
    };
    for e in rd.flatten() {
        let Ok(m) = std::fs::symlink_metadata(e.path()) else {
            continue;
        };
        if !m.is_dir() || HARNESS_DIRS.iter().any(|h| e.file_name() == *h) {
            continue;
        }
        out.insert(e.path(), (true, m.permissions().mode() & 0o7777));
        for (p, m) in walk(&e.path()) {
            if m.is_dir() || m.is_file() {
                out.insert(p, (m.is_dir(), m.permissions().mode() & 0o7777));
            }
        }
    }
    out
}
