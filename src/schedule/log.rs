//! The scheduled runs' log: `<state dir>/refresh.log`, one line per run
//! (`<RFC 3339 UTC time> profile=<name> exit=<code> <summary>`), 0600 in a 0700 directory,
//! rotated to `refresh.log.1` at 1 MiB so it stays bounded. `schedule status` reads it back.

use std::fs::{self, OpenOptions};
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::time::SystemTime;

#[cfg(unix)]
use std::os::unix::fs::OpenOptionsExt;

/// The log's file name inside the state directory.
pub(crate) const LOG_FILE: &str = "refresh.log";
/// The previous log, kept after a rotation.
pub(crate) const ROTATED_LOG_FILE: &str = "refresh.log.1";
/// The log is rotated when appending would take it past this size.
pub const ROTATE_BYTES: u64 = 1024 * 1024;

/// The path of the log in `state_dir`.
pub(crate) fn log_path(state_dir: &Path) -> PathBuf {
    state_dir.join(LOG_FILE)
}

fn named(path: &Path, action: &str, e: io::Error) -> io::Error {
    io::Error::new(e.kind(), format!("{action} {}: {e}", path.display()))
}

/// Appends one line to `<state_dir>/refresh.log`: the directory is created 0700 and the file
/// 0600 when missing; newlines in `line` become spaces and `Bearer <credential>` values are
/// masked (a last line of defence: callers must not pass secrets). When the file would grow past
/// [`ROTATE_BYTES`] it is first renamed to `refresh.log.1` (replacing the older one).
pub fn append_run_log(state_dir: &Path, line: &str) -> io::Result<()> {
    crate::fs::create_private_dir(state_dir)
        .map_err(|e| io::Error::other(crate::error::chain(&e)))?;
    let path = log_path(state_dir);
    let mut text: String = line
        .trim_end()
        .chars()
        .map(|c| if c == '\n' || c == '\r' { ' ' } else { c })
        .collect();
    text = crate::apply::preview::mask_bearer_values(&text);
    text.push('\n');
    match fs::metadata(&path) {
        Ok(meta) if meta.len() > 0 && meta.len() + text.len() as u64 > ROTATE_BYTES => {
            let rotated = state_dir.join(ROTATED_LOG_FILE);
            fs::rename(&path, &rotated).map_err(|e| named(&path, "cannot rotate", e))?;
        }
        _ => {}
    }
    let mut options = OpenOptions::new();
    options.create(true).append(true);
    #[cfg(unix)]
    options.mode(0o600);
    let mut file = options
        .open(&path)
        .map_err(|e| named(&path, "cannot open", e))?;
    // One write call per line, so concurrent appenders (O_APPEND) never interleave within a line.
    file.write_all(text.as_bytes())
        .map_err(|e| named(&path, "cannot append to", e))
}

/// Formats a log line: `2025-06-01T12:00:00Z profile=work exit=0 token refreshed, expires in 59m`.
pub fn format_run_log_line(at: SystemTime, profile: &str, exit_code: i32, summary: &str) -> String {
    format!(
        "{} profile={profile} exit={exit_code} {}",
        humantime::format_rfc3339_seconds(at),
        summary.trim()
    )
}

/// One parsed log line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunLogEntry {
    /// When the run ended (`None` when the timestamp did not parse).
    pub at: Option<SystemTime>,
    /// The timestamp as written.
    pub when: String,
    pub profile: String,
    pub exit_code: i32,
    pub summary: String,
}

/// Parses a line written by [`format_run_log_line`].
pub(crate) fn parse_run_log_line(line: &str) -> Option<RunLogEntry> {
    let mut parts = line.trim_end().splitn(4, ' ');
    let when = parts.next()?.to_string();
    let profile = parts.next()?.strip_prefix("profile=")?.to_string();
    let exit_code = parts.next()?.strip_prefix("exit=")?.parse().ok()?;
    let summary = parts.next().unwrap_or("").to_string();
    Some(RunLogEntry {
        at: humantime::parse_rfc3339(&when).ok(),
        when,
        profile,
        exit_code,
        summary,
    })
}

/// The most recent logged run for `profile`: the last matching line of `refresh.log` (its last
/// 64 KiB), else of `refresh.log.1`. A missing log is `Ok(None)`.
pub fn last_run(state_dir: &Path, profile: &str) -> io::Result<Option<RunLogEntry>> {
    for name in [LOG_FILE, ROTATED_LOG_FILE] {
        let path = state_dir.join(name);
        let tail = match read_tail(&path, 64 * 1024) {
            Ok(t) => t,
            Err(e) if e.kind() == io::ErrorKind::NotFound => continue,
            Err(e) => return Err(named(&path, "cannot read", e)),
        };
        if let Some(entry) = tail
            .lines()
            .rev()
            .filter_map(parse_run_log_line)
            .find(|e| e.profile == profile)
        {
            return Ok(Some(entry));
        }
    }
    Ok(None)
}

fn read_tail(path: &Path, max: u64) -> io::Result<String> {
    let mut file = fs::File::open(path)?;
    let len = file.metadata()?.len();
    if len > max {
        file.seek(SeekFrom::Start(len - max))?;
    }
    let mut bytes = Vec::new();
    file.read_to_end(&mut bytes)?;
    let text = String::from_utf8_lossy(&bytes).into_owned();
    // Drop a partial first line when we started mid-file.
    Ok(if len > max {
        text.split_once('\n')
            .map(|(_, r)| r.to_string())
            .unwrap_or_default()
    } else {
        text
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, UNIX_EPOCH};

    #[test]
    fn line_format_parses_back() {
        let at = UNIX_EPOCH + Duration::from_secs(1_750_000_000);
        let line = format_run_log_line(at, "work", 3, "log in again: invalid_grant");
        assert_eq!(
            line,
            "2025-06-15T15:06:40Z profile=work exit=3 log in again: invalid_grant"
        );
        let e = parse_run_log_line(&line).unwrap();
        assert_eq!(e.at, Some(at));
        assert_eq!(e.profile, "work");
        assert_eq!(e.exit_code, 3);
        assert_eq!(e.summary, "log in again: invalid_grant");
        assert!(parse_run_log_line("garbage").is_none());
    }
}
