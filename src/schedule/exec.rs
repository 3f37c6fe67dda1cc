//! Running the scheduler programs (`systemctl`, `launchctl`, `crontab`, `id`): looked up on the
//! PATH captured in the context (so tests can put fakes first), run as argv without a shell,
//! bounded by a timeout, and reported with the command line and its stderr when they fail.

use std::ffi::{OsStr, OsString};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use super::quote::sh_quote;
use super::ScheduleError;

/// One invocation of an external program.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Call {
    /// A bare program name, looked up on the search path.
    pub program: &'static str,
    pub args: Vec<String>,
    /// Text fed on stdin (the new crontab for `crontab -`).
    pub stdin: Option<String>,
}

impl Call {
    pub(crate) fn new(program: &'static str, args: &[&str]) -> Self {
        Call {
            program,
            args: args.iter().map(|a| a.to_string()).collect(),
            stdin: None,
        }
    }

    pub(crate) fn with_stdin(mut self, text: String) -> Self {
        self.stdin = Some(text);
        self
    }

    /// The command line as a user would type it (stdin is not shown).
    pub(crate) fn display(&self) -> String {
        let mut s = self.program.to_string();
        for a in &self.args {
            s.push(' ');
            s.push_str(&sh_quote(a));
        }
        s
    }
}

/// What a finished program returned.
#[derive(Debug, Clone)]
pub(super) struct Output {
    /// The exit code; `None` when killed by a signal.
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
}

impl Output {
    pub(super) fn success(&self) -> bool {
        self.code == Some(0)
    }
}

/// Finds `name` on `search_path` (a PATH-style list): the first entry holding an executable
/// regular file of that name.
pub(crate) fn find_program(name: &str, search_path: Option<&OsStr>) -> Option<PathBuf> {
    let path = search_path?;
    std::env::split_paths(path)
        .filter(|dir| dir.is_absolute())
        .map(|dir| dir.join(name))
        .find(|candidate| is_executable(candidate))
}

/// True for an existing regular file with an execute bit (any file on non-Unix systems).
pub(super) fn is_executable(path: &Path) -> bool {
    match std::fs::metadata(path) {
        Ok(meta) if meta.is_file() => {
            #[cfg(unix)]
            {
                use std::os::unix::fs::PermissionsExt;
                meta.permissions().mode() & 0o111 != 0
            }
            #[cfg(not(unix))]
            {
                true
            }
        }
        _ => false,
    }
}

/// The programs' runner: the search path and the timeout come from the context.
#[derive(Debug, Clone)]
pub(super) struct Runner {
    pub search_path: Option<OsString>,
    pub timeout: Duration,
}

impl Runner {
    pub(super) fn find(&self, program: &str) -> Option<PathBuf> {
        find_program(program, self.search_path.as_deref())
    }

    /// Runs `call` and returns its output whatever its exit status.
    pub(super) fn run(&self, call: &Call) -> Result<Output, ScheduleError> {
        let exe = self
            .find(call.program)
            .ok_or_else(|| ScheduleError::ProgramNotFound {
                program: call.program.to_string(),
            })?;
        let mut cmd = Command::new(&exe);
        cmd.args(&call.args)
            .stdin(if call.stdin.is_some() {
                Stdio::piped()
            } else {
                Stdio::null()
            })
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        if let Some(path) = &self.search_path {
            cmd.env("PATH", path);
        }
        let mut child = cmd.spawn().map_err(|e| ScheduleError::Spawn {
            command: call.display(),
            source: e,
        })?;
        let stdin_thread = match (child.stdin.take(), call.stdin.clone()) {
            (Some(mut pipe), Some(text)) => Some(std::thread::spawn(move || {
                let _ = pipe.write_all(text.as_bytes());
            })),
            _ => None,
        };
        let mut out_pipe = child.stdout.take();
        let mut err_pipe = child.stderr.take();
        let out_thread = std::thread::spawn(move || {
            let mut buf = Vec::new();
            if let Some(p) = out_pipe.as_mut() {
                let _ = p.read_to_end(&mut buf);
            }
            buf
        });
        let err_thread = std::thread::spawn(move || {
            let mut buf = Vec::new();
            if let Some(p) = err_pipe.as_mut() {
                let _ = p.read_to_end(&mut buf);
            }
            buf
        });
        let started = Instant::now();
        let status = loop {
            match child.try_wait() {
                Ok(Some(status)) => break status,
                Ok(None) if started.elapsed() >= self.timeout => {
                    let _ = child.kill();
                    let _ = child.wait();
                    return Err(ScheduleError::Timeout {
                        command: call.display(),
                        after: self.timeout,
                    });
                }
                Ok(None) => std::thread::sleep(Duration::from_millis(5)),
                Err(e) => {
                    return Err(ScheduleError::Spawn {
                        command: call.display(),
                        source: e,
                    })
                }
            }
        };
        if let Some(t) = stdin_thread {
            let _ = t.join();
        }
        let stdout = out_thread.join().unwrap_or_default();
        let stderr = err_thread.join().unwrap_or_default();
        Ok(Output {
            code: status.code(),
            stdout: String::from_utf8_lossy(&stdout).into_owned(),
            stderr: String::from_utf8_lossy(&stderr).into_owned(),
        })
    }

    /// Runs `call` and fails with the command and its stderr unless it exits 0.
    pub(super) fn run_checked(&self, call: &Call) -> Result<Output, ScheduleError> {
        let out = self.run(call)?;
        if out.success() {
            Ok(out)
        } else {
            Err(ScheduleError::CommandFailed {
                command: call.display(),
                code: out.code,
                stderr: out.stderr.trim().to_string(),
            })
        }
    }
}
