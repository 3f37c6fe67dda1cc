//! The systemd user-timer backend, as pure text functions: the `.service` (a oneshot running our
//! command with `HOME` set) and the `.timer` (first run a minute after activation, then every
//! interval after the last run), and reading both back for `schedule status`.

use std::path::{Path, PathBuf};
use std::time::Duration;

use super::quote::{systemd_quote_arg, systemd_quote_env, systemd_split};
use super::ScheduledCommand;

/// The unit name (without suffix) for a profile.
pub(super) fn unit_base(profile: &str) -> String {
    format!("figma-auth-refresh-{profile}")
}

/// `$XDG_CONFIG_HOME/systemd/user`, where user units live.
pub(super) fn unit_dir(xdg_config_home: &Path) -> PathBuf {
    xdg_config_home.join("systemd").join("user")
}

/// A duration in systemd's time-span syntax (`30min`, `2h`, `90s`).
pub(super) fn span(d: Duration) -> String {
    let s = d.as_secs();
    if s.is_multiple_of(3600) {
        format!("{}h", s / 3600)
    } else if s.is_multiple_of(60) {
        format!("{}min", s / 60)
    } else {
        format!("{s}s")
    }
}

const HEADER: &str =
    "# Written by `figma-auth schedule install`; `figma-auth schedule remove` deletes it.\n";

/// The `.service` unit.
pub(super) fn service(profile: &str, cmd: &ScheduledCommand) -> String {
    let mut s = String::from(HEADER);
    s.push_str("[Unit]\n");
    s.push_str(&format!(
        "Description=figma-auth: refresh the Figma MCP token and configs (profile {profile})\n\n"
    ));
    s.push_str("[Service]\nType=oneshot\n");
    for (k, v) in &cmd.env {
        s.push_str(&format!("Environment={}\n", systemd_quote_env(k, v)));
    }
    let argv: Vec<String> = cmd.argv.iter().map(|a| systemd_quote_arg(a)).collect();
    s.push_str(&format!("ExecStart={}\n", argv.join(" ")));
    s
}

/// The `.timer` unit.
pub(super) fn timer(profile: &str, interval: Duration) -> String {
    let base = unit_base(profile);
    format!(
        "{HEADER}[Unit]\nDescription=figma-auth: refresh the Figma MCP token every {} (profile {profile})\n\n\
         [Timer]\nOnActiveSec=1min\nOnUnitActiveSec={}\nAccuracySec=1min\nUnit={base}.service\n\n\
         [Install]\nWantedBy=timers.target\n",
        span(interval),
        span(interval),
    )
}

fn values<'a>(unit: &'a str, key: &str) -> impl Iterator<Item = &'a str> + use<'a> {
    let prefix = format!("{key}=");
    unit.lines()
        .filter_map(move |l| l.trim().strip_prefix(prefix.as_str()).map(str::trim))
}

/// The command a `.service` runs (environment from `Environment=`, argv from `ExecStart=`).
pub(super) fn parse_service(unit: &str) -> ScheduledCommand {
    let mut cmd = ScheduledCommand::default();
    for v in values(unit, "Environment") {
        for assignment in systemd_split(v, false).unwrap_or_default() {
            if let Some((k, v)) = assignment.split_once('=') {
                cmd.env.push((k.to_string(), v.to_string()));
            }
        }
    }
    if let Some(exec) = values(unit, "ExecStart").last() {
        cmd.argv = systemd_split(exec, true).unwrap_or_default();
    }
    cmd
}

/// The interval of a `.timer` (`OnUnitActiveSec=`).
pub(super) fn parse_timer(unit: &str) -> Option<Duration> {
    let v = values(unit, "OnUnitActiveSec").last()?;
    humantime::parse_duration(v).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn units_parse_back() {
        let cmd = ScheduledCommand {
            env: vec![
                ("HOME".into(), "/home/j doe".into()),
                ("XDG_CONFIG_HOME".into(), "/home/j doe/50%/cfg".into()),
            ],
            argv: vec![
                "/opt/my tools/figma-auth".into(),
                "refresh".into(),
                "--log".into(),
            ],
        };
        let svc = service("default", &cmd);
        assert!(
            svc.contains("ExecStart=\"/opt/my tools/figma-auth\" refresh --log\n"),
            "{svc}"
        );
        assert!(
            svc.contains("Environment=\"XDG_CONFIG_HOME=/home/j doe/50%%/cfg\"\n"),
            "{svc}"
        );
        assert_eq!(parse_service(&svc), cmd);
        let t = timer("default", Duration::from_secs(1800));
        assert!(t.contains("OnUnitActiveSec=30min\n"));
        assert!(t.contains("Unit=figma-auth-refresh-default.service\n"));
        assert_eq!(parse_timer(&t), Some(Duration::from_secs(1800)));
        assert_eq!(
            parse_timer(&timer("x", Duration::from_secs(7200))),
            Some(Duration::from_secs(7200))
        );
        assert_eq!(
            parse_timer(&timer("x", Duration::from_secs(90))),
            Some(Duration::from_secs(90))
        );
    }
}
