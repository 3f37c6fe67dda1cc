//! Test harness: every [`TestEnv`] has its own HOME and XDG directories in a temp dir, a mock
//! authorization server on 127.0.0.1, and a fake `$BROWSER` (a shell script that only records the
//! URL it was given; the test then plays the browser with [`follow`]). Every run of the binary
//! ([`TestEnv::cmd`], [`TestEnv::run`], [`Test`]) is checked for leaked secrets, leftover temp
//! files and the modes of what it created (`run.rs`); the mock servers check on drop that no
//! handler panicked and that the hits a test declared happened.

pub mod files;
pub mod mcp_server;
pub mod mock;
pub mod mounts;
pub mod pty;
mod run;
mod test;

pub use files::*;
pub use mounts::*;
pub use run::Run;
pub use test::Test;

use mock::{MockConfig, MockServer};
use run::Watch;
use std::collections::HashMap;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::mpsc::{Receiver, RecvTimeoutError};
use std::sync::Arc;
use std::time::{Duration, Instant};

pub const PAT: &str = "figd_TEST_PAT_CANARY_0123456789";
pub const BIN: &str = env!("CARGO_BIN_EXE_figma-auth");
/// Generous: the machine running the tests may be loaded.
pub const WAIT: Duration = Duration::from_secs(90);

/// What a run printed and how it ended, with chainable checks.
pub struct Out {
    /// The exit code (-1 when a signal ended the process).
    pub code: i32,
    /// The signal that ended the process.
    pub signal: Option<i32>,
    pub stdout: String,
    pub stderr: String,
    /// The test's root, for [`Out::file_is`] and friends (empty when not a test's run).
    root: PathBuf,
}

impl From<std::process::Output> for Out {
    fn from(o: std::process::Output) -> Self {
        Out::new(
            o.status,
            String::from_utf8_lossy(&o.stdout).into_owned(),
            String::from_utf8_lossy(&o.stderr).into_owned(),
        )
    }
}

impl std::fmt::Debug for Out {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.signal {
            Some(sig) => write!(f, "killed by signal {sig}")?,
            None => write!(f, "exit {}", self.code)?,
        }
        write!(
            f,
            "\n--- stdout\n{}--- stderr\n{}",
            self.stdout, self.stderr
        )
    }
}

impl Out {
    pub fn new(status: std::process::ExitStatus, stdout: String, stderr: String) -> Out {
        use std::os::unix::process::ExitStatusExt;
        Out {
            code: status.code().unwrap_or(-1),
            signal: status.signal(),
            stdout,
            stderr,
            root: PathBuf::new(),
        }
    }

    /// Output that was read some other way (a terminal), all of it on stdout.
    pub fn printed(code: i32, stdout: String) -> Out {
        Out {
            code,
            signal: None,
            stdout,
            stderr: String::new(),
            root: PathBuf::new(),
        }
    }

    /// A copy of `other`'s stderr on this output.
    pub(crate) fn with_stderr(mut self, other: &Out) -> Out {
        self.stderr = other.stderr.clone();
        self
    }

    pub(crate) fn at(mut self, root: PathBuf) -> Out {
        self.root = root;
        self
    }

    /// Exit code 0.
    pub fn success(&self) -> &Self {
        self.status(0)
    }

    /// Exit code `code`.
    pub fn status(&self, code: i32) -> &Self {
        assert_eq!(self.code, code, "exit code: {self:?}");
        self
    }

    pub fn stdout_has(&self, part: &str) -> &Self {
        assert!(
            self.stdout.contains(part),
            "stdout lacks {part:?}: {self:?}"
        );
        self
    }

    pub fn stderr_has(&self, part: &str) -> &Self {
        assert!(
            self.stderr.contains(part),
            "stderr lacks {part:?}: {self:?}"
        );
        self
    }

    pub fn stdout_lacks(&self, part: &str) -> &Self {
        assert!(!self.stdout.contains(part), "stdout has {part:?}: {self:?}");
        self
    }

    pub fn stderr_lacks(&self, part: &str) -> &Self {
        assert!(!self.stderr.contains(part), "stderr has {part:?}: {self:?}");
        self
    }

    pub fn stdout_is(&self, text: &str) -> &Self {
        assert_eq!(self.stdout, text, "stdout: {self:?}");
        self
    }

    /// The file at `rel` (relative to the test's root) holds exactly `content`.
    pub fn file_is(&self, rel: &str, content: impl AsRef<[u8]>) -> &Self {
        let p = self.root.join(rel);
        let got = std::fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}\n{self:?}", p.display()));
        assert!(
            got == content.as_ref(),
            "{rel}:\n{}\n--- expected\n{}\n{self:?}",
            String::from_utf8_lossy(&got),
            String::from_utf8_lossy(content.as_ref())
        );
        self
    }

    /// The file at `rel` holds `part`.
    pub fn file_has(&self, rel: &str, part: &str) -> &Self {
        let text = read(&self.root.join(rel));
        assert!(
            text.contains(part),
            "{rel} lacks {part:?}:\n{text}\n{self:?}"
        );
        self
    }

    /// Nothing exists at `rel`.
    pub fn no_file(&self, rel: &str) -> &Self {
        let p = self.root.join(rel);
        assert!(
            std::fs::symlink_metadata(&p).is_err(),
            "{} exists\n{self:?}",
            p.display()
        );
        self
    }

    /// Stdout parsed as JSON.
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.stdout).unwrap_or_else(|e| panic!("{e}: {self:?}"))
    }

    /// The `error` (or `refused`) line printed for a file.
    pub fn error_line(&self) -> &str {
        self.stdout
            .lines()
            .find(|l| l.starts_with("error") || l.starts_with("refused"))
            .unwrap_or_else(|| panic!("no error line: {self:?}"))
    }

    /// The first stdout line that holds every one of `parts`.
    pub fn line_with(&self, parts: &[&str]) -> &str {
        self.stdout
            .lines()
            .find(|l| parts.iter().all(|p| l.contains(p)))
            .unwrap_or_else(|| panic!("no line with {parts:?}: {self:?}"))
    }
}

/// See [`TestEnv::another_program`].
pub struct AnotherProgram(Arc<Runs>);

impl Drop for AnotherProgram {
    fn drop(&mut self) {
        self.0.active.fetch_sub(1, Ordering::SeqCst);
    }
}

/// How many runs of the binary a test has started and has under way, to tell whether a run was
/// alone (only then can the files it created be told apart), and whether a signal ended one.
#[derive(Default)]
pub(crate) struct Runs {
    started: AtomicUsize,
    active: AtomicUsize,
    signalled: AtomicBool,
}

pub struct TestEnv {
    pub dir: tempfile::TempDir,
    pub server: MockServer,
    /// Extra environment for every command (`None` removes a variable).
    pub vars: HashMap<String, Option<String>>,
    runs: Arc<Runs>,
}

impl TestEnv {
    pub fn new() -> Self {
        Self::with_config(MockConfig::default())
    }

    pub fn with_config(config: MockConfig) -> Self {
        let dir = tempfile::tempdir().unwrap();
        for d in ["home", "config", "state", "browser"] {
            std::fs::create_dir_all(dir.path().join(d)).unwrap();
        }
        write_exec(
            &dir.path().join("fake-browser"),
            "#!/bin/sh\n\
             d=\"$FAKE_BROWSER_DIR\"\n\
             printf '%s' \"$#\" > \"$d/argc\"\n\
             env > \"$d/env\"\n\
             printf '%s' \"$1\" > \"$d/url.tmp\"\n\
             mv \"$d/url.tmp\" \"$d/url\"\n",
        );
        // A browser that follows the URL it is given, redirects included, as a real one does.
        write_exec(
            &dir.path().join("following-browser"),
            "#!/bin/sh\n\
             d=\"$FAKE_BROWSER_DIR\"\n\
             printf '%s' \"$#\" > \"$d/argc\"\n\
             printf '%s' \"$1\" > \"$d/followed\"\n\
             exec curl -s -S -L --noproxy '*' --max-redirs 5 --max-time 90 \
               -o \"$d/page\" -w '%{http_code}' \"$1\" > \"$d/status\" 2> \"$d/curl-err\"\n",
        );
        Self {
            dir,
            server: MockServer::start(config),
            vars: HashMap::new(),
            runs: Arc::default(),
        }
    }

    /// A logged-in environment and a project directory (`home/project`, a git work tree
    /// marker) to run in.
    pub fn logged_in() -> (TestEnv, PathBuf) {
        let env = TestEnv::new();
        let project = env.path("home/project");
        std::fs::create_dir_all(project.join(".git")).unwrap();
        env.login();
        (env, project)
    }

    pub fn path(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }

    /// `p` itself when absolute, else relative to the test's root.
    pub fn path_of(&self, p: &Path) -> PathBuf {
        if p.is_absolute() {
            p.to_path_buf()
        } else {
            self.dir.path().join(p)
        }
    }

    /// Marks another program writing under the test's root until the guard is dropped: runs
    /// meanwhile do not check what they created, as for runs that overlap.
    pub fn another_program(&self) -> AnotherProgram {
        self.runs.started.fetch_add(1, Ordering::SeqCst);
        self.runs.active.fetch_add(1, Ordering::SeqCst);
        AnotherProgram(self.runs.clone())
    }

    pub fn set_var(&mut self, k: &str, v: Option<&str>) {
        self.vars.insert(k.to_string(), v.map(str::to_string));
    }

    /// `$BROWSER` becomes a script that follows the URL it gets (curl, redirects included), so a
    /// login completes on its own: `env.run(&["login", …])` just works.
    pub fn following_browser(&mut self) {
        let b = self.path("following-browser");
        self.set_var("BROWSER", Some(&b.display().to_string()));
    }

    /// The binary with a hermetic environment (nothing checked: prefer [`TestEnv::cmd`]).
    pub fn command<S: AsRef<std::ffi::OsStr>>(&self, args: &[S]) -> Command {
        self.command_of(Path::new(BIN), args)
    }

    /// [`TestEnv::command`] of the binary at `program` (a copy of [`BIN`] installed elsewhere).
    pub fn command_of<S: AsRef<std::ffi::OsStr>>(&self, program: &Path, args: &[S]) -> Command {
        let mut c = Command::new(program);
        // Never the repository: project-scope lookups start from the working directory.
        c.args(args)
            .current_dir(self.path("home"))
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            // Clients are found on this (empty) path only, not on the developer's PATH.
            .env("FIGMA_AUTH_TEST_SEARCH_PATH", "")
            .env("HOME", self.path("home"))
            .env("XDG_CONFIG_HOME", self.path("config"))
            .env("XDG_STATE_HOME", self.path("state"))
            .env("FIGMA_AUTH_SERVER", self.server.url())
            .env("FIGMA_PERSONAL_ACCESS_TOKEN", PAT)
            .env("BROWSER", self.path("fake-browser"))
            .env("FAKE_BROWSER_DIR", self.path("browser"))
            .env("FIGMA_AUTH_HTTP_TIMEOUT", "30s")
            // Hermetic: any request beyond loopback (the default MCP URL, for `whoami` after a
            // login) fails at once instead of reaching the network.
            .env("HTTPS_PROXY", "http://127.0.0.1:9")
            .env("NO_PROXY", "127.0.0.1,localhost")
            .env("RUST_BACKTRACE", "1");
        for (k, v) in &self.vars {
            match v {
                Some(v) => c.env(k, v),
                None => c.env_remove(k),
            };
        }
        c
    }

    /// A run of the binary in HOME, stdin at EOF, to adjust and then [`Run::run`].
    pub fn cmd<S: AsRef<std::ffi::OsStr>>(&self, args: &[S]) -> Run<'_> {
        Run::new(self, args)
    }

    /// Runs a command to completion in HOME with stdin closed; every invariant checked.
    pub fn run(&self, args: &[&str]) -> Out {
        self.cmd(args).run()
    }

    /// [`TestEnv::run`] with `input` on stdin (then EOF).
    pub fn run_with_stdin(&self, args: &[&str], input: &str) -> Out {
        self.cmd(args).stdin(input).run()
    }

    /// [`TestEnv::run`] with `cwd` as the working directory.
    pub fn run_in(&self, cwd: &Path, args: &[&str]) -> Out {
        self.cmd(args).cwd(cwd).run()
    }

    /// Runs git in `repo` with a hermetic configuration (HOME, no system config).
    pub fn git(&self, repo: &Path, args: &[&str]) {
        let st = Command::new("git")
            .args(args)
            .current_dir(repo)
            .env("HOME", self.path("home"))
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .expect("git is installed");
        assert!(st.success(), "git {args:?}");
    }

    /// `Bearer <the stored access token>`.
    pub fn bearer(&self) -> String {
        format!("Bearer {}", self.stored_access_token())
    }

    /// No secret the server issued or saw, nor the PAT, is in the file at `p`.
    pub fn assert_no_secret_in_file(&self, p: &Path) {
        let text = String::from_utf8_lossy(&std::fs::read(p).unwrap_or_default()).into_owned();
        let mut secrets = self.server.secrets();
        secrets.push(PAT.to_string());
        for s in &secrets {
            assert!(!text.contains(s.as_str()), "secret {s} in {}", p.display());
        }
    }

    /// No secret the server issued or saw, nor the PAT, appears in the output. With
    /// `token_on_stdout`, stdout may hold one access token, once, on one line.
    pub fn assert_no_leak(&self, out: &Out, token_on_stdout: bool) {
        self.server.leak_check().assert_clean(out, token_on_stdout);
    }

    /// Starts `login` with `args` (stdin piped so a test can paste), stderr captured line by line.
    pub fn spawn(&self, args: &[&str]) -> Running {
        self.spawn_command(self.command(args))
    }

    /// Starts `c` (a figma-auth command line), stdin at EOF, stderr captured line by line.
    pub fn spawn_command(&self, mut c: Command) -> Running {
        let args: Vec<String> = c
            .get_args()
            .map(|a| a.to_string_lossy().into_owned())
            .collect();
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let leaks = (self.server.leak_check(), prints_token(&args));
        let watch = Watch::start(self);
        let mut child = c
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn figma-auth");
        let stderr = child.stderr.take().unwrap();
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines() {
                match line {
                    Ok(l) => {
                        if tx.send(l).is_err() {
                            return;
                        }
                    }
                    Err(_) => return,
                }
            }
        });
        Running {
            child,
            lines: rx,
            seen: Vec::new(),
            watch: Some((watch, self.runs.clone(), self.path(""))),
            leaks,
        }
    }

    /// Starts `login` with stdin at EOF (`</dev/null`).
    pub fn spawn_closed_stdin(&self, args: &[&str]) -> Running {
        let mut r = self.spawn(args);
        drop(r.child.stdin.take());
        r
    }

    /// Waits for the fake browser to be started; returns the URL it got.
    pub fn browser_url(&self) -> String {
        let p = self.path("browser/url");
        let start = Instant::now();
        loop {
            if let Ok(u) = std::fs::read_to_string(&p) {
                std::fs::remove_file(&p).unwrap();
                return u;
            }
            assert!(start.elapsed() < WAIT, "the browser was never started");
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// A complete successful login with `--port 0`.
    pub fn login(&self) -> Out {
        self.login_with(&["login", "--port", "0", "--timeout", "90s"])
    }

    pub fn login_with(&self, args: &[&str]) -> Out {
        let run = self.spawn_closed_stdin(args);
        let url = self.browser_url();
        let page = follow(&url).expect("the authorization redirect reaches the listener");
        assert_eq!(page.status, 200, "{page:?}");
        let out = run.finish();
        self.assert_no_leak(&out, false);
        assert_eq!(out.code, 0, "{out:?}");
        out
    }

    /// The store file of a profile, parsed.
    pub fn store(&self, profile: &str) -> Option<serde_json::Value> {
        let p = self.store_path(profile);
        let t = std::fs::read_to_string(p).ok()?;
        Some(serde_json::from_str(&t).unwrap())
    }

    pub fn store_path(&self, profile: &str) -> PathBuf {
        self.path(&format!("config/figma-auth/credentials/{profile}.json"))
    }

    pub fn stored_access_token(&self) -> String {
        self.store("default").unwrap()["token"]["access_token"]
            .as_str()
            .unwrap()
            .to_string()
    }

    pub fn stored_refresh_token(&self) -> String {
        self.store("default").unwrap()["token"]["refresh_token"]
            .as_str()
            .unwrap()
            .to_string()
    }

    /// Makes the stored access token expire `secs` seconds from now.
    pub fn expire_in(&self, secs: u64) {
        let at = figma_auth::time::Timestamp::now().plus(Duration::from_secs(secs));
        self.set_expires_at(&at.rfc3339());
    }

    /// Takes the profile's store lock as another figma-auth would (released on drop).
    pub fn hold_store_lock(&self, profile: &str) -> std::fs::File {
        let p = self.path(&format!("config/figma-auth/credentials/{profile}.lock"));
        let f = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(p)
            .unwrap();
        f.lock().unwrap();
        f
    }

    /// Records, in `profile`'s store, that the profile manages the `figma` entry of `path` (as a
    /// `setup` of that file would have): for tests that write the config themselves.
    pub fn manage(&self, target: &str, scope: &str, path: &Path) {
        self.manage_as("default", target, scope, path, None, "figma");
    }

    /// [`TestEnv::manage`] with every field of the record.
    pub fn manage_as(
        &self,
        profile: &str,
        target: &str,
        scope: &str,
        path: &Path,
        project: Option<&str>,
        name: &str,
    ) {
        let mut record = serde_json::json!({
            "target": target, "scope": scope, "path": path, "server_name": name, "mode": "inline",
        });
        if let Some(p) = project {
            record["project"] = p.into();
        }
        self.edit_store_of(profile, |v| match v["configs"].as_array_mut() {
            Some(a) => a.push(record),
            None => v["configs"] = serde_json::json!([record]),
        });
    }

    /// Rewrites the stored token's `expires_at` (to make it due for a refresh).
    pub fn set_expires_at(&self, rfc3339: &str) {
        self.edit_store(|v| v["token"]["expires_at"] = rfc3339.into());
    }

    /// Edits the default profile's store file as JSON (as another program, or a hand, would).
    pub fn edit_store(&self, f: impl FnOnce(&mut serde_json::Value)) {
        self.edit_store_of("default", f);
    }

    /// [`TestEnv::edit_store`] for `profile`.
    pub fn edit_store_of(&self, profile: &str, f: impl FnOnce(&mut serde_json::Value)) {
        let mut v = self.store(profile).expect("logged in");
        f(&mut v);
        std::fs::write(
            self.store_path(profile),
            serde_json::to_string_pretty(&v).unwrap(),
        )
        .unwrap();
    }
}

impl Drop for TestEnv {
    /// At the end of a test that passed, no temp file of figma-auth is left anywhere under its
    /// root, unless a signal ended one of its runs.
    fn drop(&mut self) {
        if std::thread::panicking() || self.runs.signalled.load(Ordering::SeqCst) {
            return;
        }
        let temps = all_temps(self.dir.path());
        assert!(temps.is_empty(), "temp files left at the end: {temps:#?}");
    }
}

/// A store file's content without the `login_required` mark a rejected refresh token leaves
/// (everything else must stay as it was).
pub fn without_login_mark(store: &[u8]) -> serde_json::Value {
    let mut v: serde_json::Value = serde_json::from_slice(store).unwrap();
    if let Some(o) = v.as_object_mut() {
        o.remove("login_required");
    }
    v
}

/// The commands that print the access token on stdout on purpose.
pub fn prints_token(args: &[&str]) -> bool {
    // The subcommand: the first word that is not an option or an option's value.
    let mut words = args.iter();
    let mut command = None;
    while let Some(a) = words.next() {
        if matches!(*a, "--profile" | "--auth-server" | "--mcp-url") {
            words.next();
        } else if !a.starts_with('-') {
            command = Some(*a);
            break;
        }
    }
    matches!(command, Some("token" | "header" | "env"))
        && !args
            .iter()
            .any(|a| matches!(*a, "--help" | "-h" | "--version" | "-V"))
}

/// Runs the binary with an empty environment (no HOME, no PATH) and stdin at EOF, for what needs
/// none (help, completions, the man page); the leak check is moot: there is no secret.
pub fn bare(args: &[&str]) -> Out {
    let o = Command::new(BIN)
        .args(args)
        .env_clear()
        .stdin(Stdio::null())
        .output()
        .expect("run figma-auth");
    Out::from(o)
}

/// A running `figma-auth` process.
pub struct Running {
    pub child: Child,
    lines: Receiver<String>,
    pub seen: Vec<String>,
    /// What was there before it started (the invariants are checked by [`Running::finish`]).
    watch: Option<(Watch, Arc<Runs>, PathBuf)>,
    /// The leak check of its output, and whether it prints the token on purpose.
    leaks: (mock::LeakCheck, bool),
}

impl Running {
    /// Waits for a stderr line satisfying `pred`; returns it.
    pub fn wait_line(&mut self, pred: impl Fn(&str) -> bool) -> String {
        let deadline = Instant::now() + WAIT;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.lines.recv_timeout(left) {
                Ok(l) => {
                    self.seen.push(l.clone());
                    if pred(&l) {
                        return l;
                    }
                }
                Err(RecvTimeoutError::Timeout) => panic!("no such line; saw: {:#?}", self.seen),
                Err(RecvTimeoutError::Disconnected) => {
                    panic!("process ended; saw: {:#?}", self.seen)
                }
            }
        }
    }

    /// The authorization URL printed on stderr (indented by two spaces).
    pub fn printed_url(&mut self) -> String {
        self.wait_line(|l| l.starts_with("  http"))
            .trim()
            .to_string()
    }

    pub fn paste(&mut self, line: &str) {
        use std::io::Write;
        let stdin = self.child.stdin.as_mut().expect("stdin piped");
        writeln!(stdin, "{line}").unwrap();
        stdin.flush().unwrap();
    }

    /// Waits for the process to end (it has its own --timeout) and collects its output.
    pub fn finish(mut self) -> Out {
        drop(self.child.stdin.take());
        let mut stdout = String::new();
        if let Some(mut s) = self.child.stdout.take() {
            std::io::Read::read_to_string(&mut s, &mut stdout).unwrap();
        }
        let status = self.child.wait().unwrap();
        while let Ok(l) = self.lines.recv_timeout(Duration::from_secs(10)) {
            self.seen.push(l);
        }
        let stderr = self.seen.iter().map(|l| format!("{l}\n")).collect();
        let out = Out::new(status, stdout, stderr);
        self.leaks.0.assert_clean(&out, self.leaks.1);
        if let Some((watch, runs, root)) = self.watch.take() {
            watch.finish(&runs, &root, None, "a spawned run", &out);
        }
        out
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        if let Some((watch, runs, _)) = self.watch.take() {
            watch.abandon(&runs);
        }
    }
}

/// A response seen by the test browser.
#[derive(Debug)]
pub struct Page {
    pub status: u16,
    pub headers: HashMap<String, String>,
    pub body: String,
}

fn client() -> reqwest::blocking::Client {
    reqwest::blocking::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(WAIT)
        .no_proxy()
        .build()
        .unwrap()
}

/// GETs `url` (no redirects followed).
pub fn get(url: &str) -> Page {
    get_with_host(url, None)
}

/// GETs `url` with an explicit Host header.
pub fn get_with_host(url: &str, host: Option<&str>) -> Page {
    let mut rb = client().get(url);
    if let Some(h) = host {
        rb = rb.header("Host", h);
    }
    let r = rb.send().expect("GET");
    let status = r.status().as_u16();
    let headers = r
        .headers()
        .iter()
        .map(|(k, v)| {
            (
                k.as_str().to_ascii_lowercase(),
                v.to_str().unwrap_or("").to_string(),
            )
        })
        .collect();
    Page {
        status,
        headers,
        body: r.text().unwrap_or_default(),
    }
}

/// The authorization URL behind a one-time start link (`http://127.0.0.1:PORT/start/…`, what
/// figma-auth gives the browser): fetches the link once. Other URLs are returned as they are.
pub fn resolve_start(url: &str) -> String {
    if !url.contains("/start/") {
        return url.to_string();
    }
    let p = get(url);
    assert_eq!(p.status, 302, "the start link redirects: {p:?}");
    assert_eq!(p.headers["cache-control"], "no-store");
    p.headers["location"].clone()
}

/// The Location the authorization endpoint redirects to (the callback URL with code and state),
/// through the start link when `url` is one.
pub fn authorize(url: &str) -> String {
    let p = get(&resolve_start(url));
    assert_eq!(p.status, 302, "{p:?}");
    p.headers["location"].clone()
}

/// Plays the browser: the authorization URL, then its redirect to the callback listener.
pub fn follow(url: &str) -> Option<Page> {
    let location = authorize(url);
    Some(get(&location))
}

/// `url` with parameter `name` replaced (or removed when `value` is None).
pub fn with_param(url: &str, name: &str, value: Option<&str>) -> String {
    let mut u = url::Url::parse(url).unwrap();
    let pairs: Vec<(String, String)> = u
        .query_pairs()
        .filter(|(k, _)| k != name)
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    {
        let mut q = u.query_pairs_mut();
        q.clear();
        for (k, v) in &pairs {
            q.append_pair(k, v);
        }
        if let Some(v) = value {
            q.append_pair(name, v);
        }
    }
    u.to_string()
}

/// A port that was free a moment ago.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A `crontab` that keeps the table in `../cronstate/crontab`.
pub const FAKE_CRONTAB: &str = r#"#!/bin/sh
D="$(dirname "$0")/../cronstate"
case "$1" in
  -l) if [ -f "$D/crontab" ]; then cat "$D/crontab"; else echo "no crontab for tester" >&2; exit 1; fi ;;
  -) cat > "$D/crontab" ;;
  *) echo "usage: crontab [-l | -]" >&2; exit 2 ;;
esac
"#;

/// A `systemctl` without a user manager (as in a container or over plain SSH).
const NO_SYSTEMD: &str =
    "#!/bin/sh\necho 'Failed to connect to bus: No medium found' >&2\nexit 1\n";

impl TestEnv {
    /// Puts a fake `crontab` (its table in [`TestEnv::crontab`]) and a `systemctl` without a
    /// user manager first on PATH, so schedules go to the crontab and nothing real is touched.
    pub fn use_fake_crontab(&mut self) {
        let bin = self.path("fakebin");
        std::fs::create_dir_all(self.path("cronstate")).unwrap();
        for (name, text) in [("crontab", FAKE_CRONTAB), ("systemctl", NO_SYSTEMD)] {
            write_exec(&bin.join(name), text);
        }
        self.set_var("PATH", Some(&format!("{}:/usr/bin:/bin", bin.display())));
    }

    /// The fake crontab's table (`None`: no crontab yet).
    pub fn crontab(&self) -> Option<String> {
        std::fs::read_to_string(self.path("cronstate/crontab")).ok()
    }
}

/// Makes `c` run with umask 000 (the most permissive): what figma-auth creates must then carry
/// its own explicit modes.
#[allow(unsafe_code)] // `pre_exec` is the only way to run code between fork and exec.
pub fn umask0(c: &mut Command) -> &mut Command {
    use std::os::unix::process::CommandExt;
    // SAFETY: umask is async-signal-safe; nothing else runs between fork and exec.
    unsafe {
        c.pre_exec(|| {
            unsafe extern "C" {
                fn umask(mask: u32) -> u32;
            }
            umask(0);
            Ok(())
        })
    }
}

/// A work counter a debug build printed with `FIGMA_AUTH_COUNTERS=1`
/// (`figma-auth counters: <name>=<n>`).
pub fn counter(out: &Out, name: &str) -> u64 {
    let prefix = format!("figma-auth counters: {name}=");
    out.stderr
        .lines()
        .find_map(|l| l.strip_prefix(&prefix))
        .unwrap_or_else(|| panic!("no counter {name}: {out:?}"))
        .parse()
        .unwrap()
}
