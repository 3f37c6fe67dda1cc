//! A client's proxy-mode entry, checked from outside: the program it starts exists and is
//! executable ([`program_problem`]), and the command line completes one `initialize` round trip
//! when run with `--check` ([`probe`]) — what `status` and `doctor` report.

use std::io::Read;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Why the entry's program cannot be started, or `None` when it can: an absolute path to an
/// executable regular file (a bare name is the client's PATH's business, not checked).
pub(crate) fn program_problem(argv: &[String]) -> Option<String> {
    let Some(program) = argv.first() else {
        return Some("the entry has an empty command".into());
    };
    let path = Path::new(program);
    if !path.is_absolute() {
        // Looked up on the client's PATH, which may differ from this process's.
        return None;
    }
    match std::fs::metadata(path) {
        Err(_) => Some(format!("the entry runs {program}, which does not exist")),
        Ok(m) if !m.is_file() => Some(format!("the entry runs {program}, which is not a file")),
        Ok(m) => {
            #[cfg(unix)]
            {
                use std::os::unix::fs::PermissionsExt;
                if m.permissions().mode() & 0o111 == 0 {
                    return Some(format!("the entry runs {program}, which is not executable"));
                }
            }
            let _ = m;
            None
        }
    }
}

/// What `<command line> --check` said.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Probe {
    /// Its exit code (`None`: killed, or ended by a signal): 0 accepted, 3 log in, 4 try later.
    pub code: Option<i32>,
    /// Its one-line result (stdout on success, else stderr's first line), shortened.
    pub line: String,
}

/// Runs the entry's command line with `--check` (one `initialize` round trip, then exit),
/// without a shell and with stdin closed, killed after `timeout`.
pub(crate) fn probe(argv: &[String], timeout: Duration) -> Result<Probe, String> {
    let (program, args) = argv.split_first().ok_or("the entry has an empty command")?;
    let secs = timeout.as_secs().max(2);
    let mut child = Command::new(program)
        .args(args)
        .arg("--check")
        .arg("--timeout")
        .arg(format!("{}s", secs.saturating_sub(1)))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot start {program}: {e}"))?;
    let read = |pipe: Option<Box<dyn Read + Send>>| {
        std::thread::spawn(move || {
            let mut buf = Vec::new();
            if let Some(p) = pipe {
                let _ = p.take(64 * 1024).read_to_end(&mut buf);
            }
            buf
        })
    };
    let out = read(
        child
            .stdout
            .take()
            .map(|p| Box::new(p) as Box<dyn Read + Send>),
    );
    let err = read(
        child
            .stderr
            .take()
            .map(|p| Box::new(p) as Box<dyn Read + Send>),
    );
    let started = Instant::now();
    let status = loop {
        match child.try_wait() {
            Ok(Some(s)) => break Some(s),
            Ok(None) if started.elapsed() >= timeout => {
                let _ = child.kill();
                let _ = child.wait();
                break None;
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(20)),
            Err(e) => return Err(format!("cannot wait for {program}: {e}")),
        }
    };
    let out = String::from_utf8_lossy(&out.join().unwrap_or_default()).into_owned();
    let err = String::from_utf8_lossy(&err.join().unwrap_or_default()).into_owned();
    let Some(status) = status else {
        return Ok(Probe {
            code: None,
            line: format!("no answer within {}s", timeout.as_secs()),
        });
    };
    let first = |s: &str| {
        s.lines()
            .map(str::trim)
            .find(|l| !l.is_empty())
            .map(|l| crate::oauth::sanitize(l, &[], 300))
    };
    let line = if status.success() {
        first(&out)
    } else {
        first(&err).or_else(|| first(&out))
    }
    .unwrap_or_default();
    Ok(Probe {
        code: status.code(),
        line,
    })
}
