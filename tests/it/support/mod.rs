//! Test harness: every [`TestEnv`] has its own HOME and XDG directories in a temp dir, a mock
//! authorization server on 127.0.0.1, and a fake `$BROWSER` (a shell script that only records the
//! URL it was given; the test then plays the browser with [`follow`]). Every command run through
//! [`TestEnv::run`] is checked for leaked secrets.

pub mod mcp_server;
pub mod mock;
pub mod pty;

use mock::{MockConfig, MockServer};
use std::collections::HashMap;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{Receiver, RecvTimeoutError};
use std::time::{Duration, Instant};

pub const PAT: &str = "figd_TEST_PAT_CANARY_0123456789";
pub const BIN: &str = env!("CARGO_BIN_EXE_figma-auth");
/// Generous: the machine running the tests may be loaded.
pub const WAIT: Duration = Duration::from_secs(90);

pub struct Out {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl From<std::process::Output> for Out {
    fn from(o: std::process::Output) -> Self {
        Out {
            code: o.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&o.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&o.stderr).into_owned(),
        }
    }
}

impl std::fmt::Debug for Out {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "exit {}\n--- stdout\n{}--- stderr\n{}",
            self.code, self.stdout, self.stderr
        )
    }
}

pub struct TestEnv {
    pub dir: tempfile::TempDir,
    pub server: MockServer,
    /// Extra environment for every command (`None` removes a variable).
    pub vars: HashMap<String, Option<String>>,
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
        let script = dir.path().join("fake-browser");
        std::fs::write(
            &script,
            "#!/bin/sh\n\
             d=\"$FAKE_BROWSER_DIR\"\n\
             printf '%s' \"$#\" > \"$d/argc\"\n\
             env > \"$d/env\"\n\
             printf '%s' \"$1\" > \"$d/url.tmp\"\n\
             mv \"$d/url.tmp\" \"$d/url\"\n",
        )
        .unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
        }
        Self {
            dir,
            server: MockServer::start(config),
            vars: HashMap::new(),
        }
    }

    pub fn path(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }

    pub fn set_var(&mut self, k: &str, v: Option<&str>) {
        self.vars.insert(k.to_string(), v.map(str::to_string));
    }

    /// The binary with a hermetic environment.
    pub fn command(&self, args: &[&str]) -> Command {
        let mut c = Command::new(BIN);
        // Never the repository: project-scope lookups start from the working directory.
        c.args(args)
            .current_dir(self.path("home"))
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("HOME", self.path("home"))
            .env("XDG_CONFIG_HOME", self.path("config"))
            .env("XDG_STATE_HOME", self.path("state"))
            .env("FIGMA_AUTH_SERVER", self.server.url())
            .env("FIGMA_PERSONAL_ACCESS_TOKEN", PAT)
            .env("BROWSER", self.path("fake-browser"))
            .env("FAKE_BROWSER_DIR", self.path("browser"))
            .env("FIGMA_AUTH_HTTP_TIMEOUT", "30s")
            .env("RUST_BACKTRACE", "1");
        for (k, v) in &self.vars {
            match v {
                Some(v) => c.env(k, v),
                None => c.env_remove(k),
            };
        }
        c
    }

    /// Runs a command to completion with stdin closed, and checks it leaked no secret.
    pub fn run(&self, args: &[&str]) -> Out {
        self.finish(self.command(args), args)
    }

    /// [`TestEnv::run`] with `cwd` as the working directory.
    pub fn run_in(&self, cwd: &Path, args: &[&str]) -> Out {
        let mut c = self.command(args);
        c.current_dir(cwd);
        self.finish(c, args)
    }

    /// Runs `c` to completion with stdin closed and checks the output leaked no secret.
    fn finish(&self, mut c: Command, args: &[&str]) -> Out {
        let out: Out = c
            .stdin(Stdio::null())
            .output()
            .expect("run figma-auth")
            .into();
        self.assert_no_leak(&out, prints_token(args));
        out
    }

    /// No secret the server issued or saw, nor the PAT, appears in the output. With
    /// `token_on_stdout`, stdout may hold one access token, once, on one line.
    pub fn assert_no_leak(&self, out: &Out, token_on_stdout: bool) {
        let mut secrets = self.server.secrets();
        secrets.push(PAT.to_string());
        for s in &secrets {
            assert!(
                !out.stderr.contains(s.as_str()),
                "secret {s} on stderr: {out:?}"
            );
            let n = out.stdout.matches(s.as_str()).count();
            let allowed = token_on_stdout && out.code == 0 && self.server.is_access_token(s);
            assert!(
                n == 0 || (allowed && n == 1),
                "secret {s} on stdout: {out:?}"
            );
        }
        if token_on_stdout && out.code == 0 {
            assert!(
                out.stdout.ends_with('\n') && out.stdout.lines().count() == 1,
                "{out:?}"
            );
        }
    }

    /// Starts `login` with `args` (stdin piped so a test can paste), stderr captured line by line.
    pub fn spawn(&self, args: &[&str]) -> Running {
        let mut child = self
            .command(args)
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
        let mut v = self.store(profile).expect("logged in");
        let mut record = serde_json::json!({
            "target": target, "scope": scope, "path": path, "server_name": name, "mode": "inline",
        });
        if let Some(p) = project {
            record["project"] = p.into();
        }
        match v["configs"].as_array_mut() {
            Some(a) => a.push(record),
            None => v["configs"] = serde_json::json!([record]),
        }
        std::fs::write(
            self.store_path(profile),
            serde_json::to_string_pretty(&v).unwrap(),
        )
        .unwrap();
    }

    /// Rewrites the stored token's `expires_at` (to make it due for a refresh).
    pub fn set_expires_at(&self, rfc3339: &str) {
        let mut v = self.store("default").unwrap();
        v["token"]["expires_at"] = rfc3339.into();
        std::fs::write(
            self.store_path("default"),
            serde_json::to_string_pretty(&v).unwrap(),
        )
        .unwrap();
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

/// A running `figma-auth` process.
pub struct Running {
    pub child: Child,
    lines: Receiver<String>,
    pub seen: Vec<String>,
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
        Out {
            code: status.code().unwrap_or(-1),
            stdout,
            stderr: self.seen.iter().map(|l| format!("{l}\n")).collect(),
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

/// The Location the authorization endpoint redirects to (the callback URL with code and state).
pub fn authorize(url: &str) -> String {
    let p = get(url);
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
    #[cfg(unix)]
    pub fn use_fake_crontab(&mut self) {
        use std::os::unix::fs::PermissionsExt;
        let bin = self.path("fakebin");
        std::fs::create_dir_all(&bin).unwrap();
        std::fs::create_dir_all(self.path("cronstate")).unwrap();
        for (name, text) in [("crontab", FAKE_CRONTAB), ("systemctl", NO_SYSTEMD)] {
            std::fs::write(bin.join(name), text).unwrap();
            std::fs::set_permissions(bin.join(name), std::fs::Permissions::from_mode(0o755))
                .unwrap();
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
pub fn with_umask0(c: &mut Command) -> &mut Command {
    use std::os::unix::process::CommandExt;
    // SAFETY: umask is async-signal-safe; nothing else runs between fork and exec.
    unsafe {
        c.pre_exec(|| {
            extern "C" {
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

pub fn file_mode(p: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(p).unwrap().permissions().mode() & 0o777
}
