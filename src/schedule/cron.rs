//! The crontab backend, as pure text functions: the schedule fields for an interval (cron can
//! only express steps that divide an hour or a day, so other intervals round down), our line with
//! its marker comment, and edits of the user's table that touch no other line.

use std::time::Duration;

use super::quote::{cron_escape, cron_unescape, sh_quote, sh_split};
use super::ScheduledCommand;

/// The marker that ends our line; the profile name follows it.
pub(super) const MARKER: &str = "# figma-auth schedule profile=";

/// Minute steps cron can run evenly: the divisors of 60, then of 24 hours.
const STEPS_MINUTES: &[u64] = &[
    1, 2, 3, 4, 5, 6, 10, 12, 15, 20, 30, 60, 120, 180, 240, 360, 480, 720, 1440,
];

/// The five schedule fields for `interval` and the interval they really give: the largest step
/// cron can express evenly that is not longer than `interval` (at least one minute).
pub(super) fn schedule_fields(interval: Duration) -> (String, Duration) {
    let wanted = (interval.as_secs() / 60).max(1);
    let step = STEPS_MINUTES
        .iter()
        .copied()
        .filter(|s| *s <= wanted)
        .max()
        .unwrap_or(1);
    let fields = match step {
        1 => "* * * * *".to_string(),
        m if m < 60 => format!("*/{m} * * * *"),
        60 => "0 * * * *".to_string(),
        1440 => "0 0 * * *".to_string(),
        m => format!("0 */{} * * *", m / 60),
    };
    (fields, Duration::from_secs(step * 60))
}

/// The interval a line's schedule fields give, for fields written by [`schedule_fields`].
pub(super) fn parse_fields(fields: &[&str]) -> Option<Duration> {
    let minutes = match fields {
        ["*", "*", "*", "*", "*"] => 1,
        [m, "*", "*", "*", "*"] if m.starts_with("*/") => m[2..].parse().ok()?,
        ["0", "*", "*", "*", "*"] => 60,
        ["0", h, "*", "*", "*"] if h.starts_with("*/") => h[2..].parse::<u64>().ok()? * 60,
        ["0", "0", "*", "*", "*"] => 1440,
        _ => return None,
    };
    Some(Duration::from_secs(minutes * 60))
}

/// The command part of our line: environment assignments then the argv, shell-quoted, output
/// discarded (the run's result goes to figma-auth's log through `--log`), `%` escaped for cron.
pub(super) fn command_text(cmd: &ScheduledCommand) -> String {
    let mut words: Vec<String> = cmd
        .env
        .iter()
        .map(|(k, v)| format!("{k}={}", sh_quote(v)))
        .collect();
    words.extend(cmd.argv.iter().map(|a| sh_quote(a)));
    cron_escape(&format!("{} >/dev/null 2>&1", words.join(" ")))
}

/// Our whole crontab line (no newline).
pub(super) fn line(fields: &str, cmd: &ScheduledCommand, profile: &str) -> String {
    format!("{fields} {} {MARKER}{profile}", command_text(cmd))
}

/// The profile named by a line's marker, if the line is one of ours.
pub(super) fn marker_profile(line: &str) -> Option<&str> {
    let (_, profile) = line.trim_end().rsplit_once(MARKER)?;
    Some(profile)
}

/// `table` with every line marked for `profile` removed and `new_line` put in place of the first
/// one (or appended). Other lines are kept byte for byte; a missing final newline is added
/// before appending.
pub(super) fn upsert(table: &str, profile: &str, new_line: Option<&str>) -> String {
    let mut out = String::with_capacity(table.len() + 200);
    let mut placed = new_line.is_none();
    for piece in table.split_inclusive('\n') {
        let content = piece.trim_end_matches(['\n', '\r']);
        if marker_profile(content) == Some(profile) {
            if !placed {
                out.push_str(new_line.unwrap_or_default());
                out.push('\n');
                placed = true;
            }
            continue;
        }
        out.push_str(piece);
    }
    if !placed {
        if !out.is_empty() && !out.ends_with('\n') {
            out.push('\n');
        }
        out.push_str(new_line.unwrap_or_default());
        out.push('\n');
    }
    out
}

/// Our line for `profile` in `table`, parsed: (interval, environment, argv, raw line).
pub(super) fn find(
    table: &str,
    profile: &str,
) -> Option<(Option<Duration>, ScheduledCommand, String)> {
    let raw = table
        .lines()
        .find(|l| marker_profile(l) == Some(profile))?
        .to_string();
    let mut rest = raw.trim_start();
    let mut fields = Vec::new();
    for _ in 0..5 {
        let end = rest.find([' ', '\t'])?;
        fields.push(&rest[..end]);
        rest = rest[end..].trim_start();
    }
    let interval = parse_fields(&fields);
    let words = sh_split(&cron_unescape(rest)).unwrap_or_default();
    let mut cmd = ScheduledCommand::default();
    let mut iter = words.into_iter().peekable();
    while let Some(w) = iter.peek() {
        match w.split_once('=') {
            Some((k, v))
                if !k.is_empty() && k.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') =>
            {
                cmd.env.push((k.to_string(), v.to_string()));
                iter.next();
            }
            _ => break,
        }
    }
    cmd.argv = iter.collect();
    Some((interval, cmd, raw))
}

/// True when `crontab -l`'s failure means "this user has no crontab yet" (an empty table).
pub(super) fn is_no_crontab(stderr: &str) -> bool {
    stderr.to_ascii_lowercase().contains("no crontab for")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cmd() -> ScheduledCommand {
        ScheduledCommand {
            env: vec![("HOME".into(), "/home/j doe".into())],
            argv: vec![
                "/opt/my tools/figma-auth".into(),
                "refresh".into(),
                "--write".into(),
                "--profile".into(),
                "default".into(),
                "--log".into(),
            ],
        }
    }

    #[test]
    fn intervals_round_down_to_what_cron_can_express() {
        let m = |n: u64| Duration::from_secs(n * 60);
        assert_eq!(schedule_fields(m(30)), ("*/30 * * * *".into(), m(30)));
        assert_eq!(schedule_fields(m(45)), ("*/30 * * * *".into(), m(30)));
        assert_eq!(schedule_fields(m(1)), ("* * * * *".into(), m(1)));
        assert_eq!(schedule_fields(m(90)), ("0 * * * *".into(), m(60)));
        assert_eq!(schedule_fields(m(300)), ("0 */4 * * *".into(), m(240)));
        assert_eq!(schedule_fields(m(1440)), ("0 0 * * *".into(), m(1440)));
        for step in STEPS_MINUTES {
            let (fields, got) = schedule_fields(m(*step));
            let parts: Vec<&str> = fields.split(' ').collect();
            assert_eq!(parse_fields(&parts), Some(got));
        }
    }

    #[test]
    fn upsert_keeps_other_lines_and_replaces_ours() {
        let ours = line("*/30 * * * *", &cmd(), "default");
        let table = "MAILTO=me\n0 1 * * * backup.sh\n";
        let once = upsert(table, "default", Some(&ours));
        assert_eq!(once, format!("{table}{ours}\n"));
        assert_eq!(upsert(&once, "default", Some(&ours)), once);
        // Other profiles' lines stay; ours is replaced in place.
        let other = line("*/5 * * * *", &cmd(), "work");
        let both = upsert(&once, "work", Some(&other));
        let newer = line("*/10 * * * *", &cmd(), "default");
        let replaced = upsert(&both, "default", Some(&newer));
        assert_eq!(replaced, format!("{table}{newer}\n{other}\n"));
        assert_eq!(
            upsert(&replaced, "default", None),
            format!("{table}{other}\n")
        );
        // No final newline: one is added before appending.
        assert_eq!(upsert("x", "default", Some("y")), "x\ny\n");
    }

    #[test]
    fn our_line_parses_back() {
        let ours = line("*/15 * * * *", &cmd(), "default");
        let table = format!("# keep\n{ours}\n");
        let (interval, parsed, raw) = find(&table, "default").unwrap();
        assert_eq!(interval, Some(Duration::from_secs(900)));
        assert_eq!(parsed, cmd());
        assert_eq!(raw, ours);
        assert!(find(&table, "defaul").is_none());
    }
}
