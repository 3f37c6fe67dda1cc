//! [`Test`]: a test's world built in one expression — logged in or not, a project to run in,
//! the files it starts from — then runs of the real binary checked in a chain:
//!
//! ```ignore
//! let t = Test::new().logged_in().project().file("home/.cursor/mcp.json", cursor_json(OLD));
//! t.run(&["refresh", "--write", "--target", "cursor"])
//!     .success()
//!     .stdout_has("updated")
//!     .file_is("home/.cursor/mcp.json", cursor_json(&t.token()));
//! ```
//!
//! Every run goes through [`Run::run`], so the invariants (no leaked secret, no leftover temp
//! file, private modes for what it created) hold for each. A `Test` is a [`TestEnv`] (`Deref`)
//! for everything else: the mock server, the store, spawned runs.

use super::mock::MockConfig;
use super::{write, Out, Run, TestEnv};
use std::ops::{Deref, DerefMut};
use std::path::{Path, PathBuf};

pub struct Test {
    env: TestEnv,
    /// The working directory of runs (default HOME).
    cwd: PathBuf,
}

impl Default for Test {
    fn default() -> Self {
        Test::new()
    }
}

impl Test {
    pub fn new() -> Self {
        Test::from_env(TestEnv::new())
    }

    pub fn with_config(config: MockConfig) -> Self {
        Test::from_env(TestEnv::with_config(config))
    }

    fn from_env(env: TestEnv) -> Self {
        let cwd = env.path("home");
        Test { env, cwd }
    }

    /// A completed login of the default profile.
    pub fn logged_in(self) -> Self {
        self.env.login();
        self
    }

    /// `home/project`, a git work tree (a `.git` marker), becomes the working directory.
    pub fn project(mut self) -> Self {
        let p = self.env.path("home/project");
        std::fs::create_dir_all(p.join(".git")).unwrap();
        self.cwd = p;
        self
    }

    /// The working directory of the following runs (relative to the root, or absolute).
    pub fn cwd(mut self, dir: impl AsRef<Path>) -> Self {
        self.cwd = self.env.path_of(dir.as_ref());
        self
    }

    /// A file at `rel` (relative to the root), its directories created.
    pub fn file(self, rel: &str, content: impl AsRef<[u8]>) -> Self {
        write(&self.env.path(rel), content);
        self
    }

    /// A fake `crontab` (and a `systemctl` without a user manager) first on PATH.
    pub fn fake_crontab(mut self) -> Self {
        self.env.use_fake_crontab();
        self
    }

    /// A variable for every run (`None` removes it).
    pub fn env(mut self, k: &str, v: Option<&str>) -> Self {
        self.env.set_var(k, v);
        self
    }

    /// A run in the test's working directory, to adjust before [`Run::run`].
    pub fn cmd(&self, args: &[&str]) -> Run<'_> {
        self.env.cmd(args).cwd(&self.cwd)
    }

    /// Runs `args` in the test's working directory; every invariant checked.
    pub fn run(&self, args: &[&str]) -> Out {
        self.cmd(args).run()
    }

    /// The stored access token of the default profile.
    pub fn token(&self) -> String {
        self.env.stored_access_token()
    }

    /// The text of the file at `rel`.
    pub fn read(&self, rel: &str) -> String {
        super::read(&self.env.path(rel))
    }
}

impl Deref for Test {
    type Target = TestEnv;
    fn deref(&self) -> &TestEnv {
        &self.env
    }
}

impl DerefMut for Test {
    fn deref_mut(&mut self) -> &mut TestEnv {
        &mut self.env
    }
}
