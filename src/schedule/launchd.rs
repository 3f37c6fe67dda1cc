//! The launchd backend (macOS), as pure text functions: a LaunchAgent property list whose
//! `ProgramArguments` holds each argument as its own string (no shell), with `HOME` in
//! `EnvironmentVariables` and `StartInterval` in seconds; and reading it back for `status`.

use std::path::{Path, PathBuf};
use std::time::Duration;

use super::quote::xml_unescape;
use super::ScheduledCommand;
use crate::markup;

/// The job label for a profile.
pub(super) fn label(profile: &str) -> String {
    format!("figma-auth.refresh.{profile}")
}

/// `~/Library/LaunchAgents/<label>.plist`.
pub(super) fn plist_path(home: &Path, profile: &str) -> PathBuf {
    home.join("Library")
        .join("LaunchAgents")
        .join(format!("{}.plist", label(profile)))
}

/// The property list.
pub(super) fn plist(profile: &str, cmd: &ScheduledCommand, interval: Duration) -> String {
    let mut s = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
         <!DOCTYPE plist PUBLIC \"-//Apple//DTD PLIST 1.0//EN\" \"http://www.apple.com/DTDs/PropertyList-1.0.dtd\">\n\
         <!-- Written by `figma-auth schedule install`; `figma-auth schedule remove` deletes it. -->\n\
         <plist version=\"1.0\">\n<dict>\n",
    );
    s.push_str(&format!(
        "\t<key>Label</key>\n\t<string>{}</string>\n",
        markup::escape(&label(profile))
    ));
    s.push_str("\t<key>ProgramArguments</key>\n\t<array>\n");
    for a in &cmd.argv {
        s.push_str(&format!("\t\t<string>{}</string>\n", markup::escape(a)));
    }
    s.push_str("\t</array>\n");
    if !cmd.env.is_empty() {
        s.push_str("\t<key>EnvironmentVariables</key>\n\t<dict>\n");
        for (k, v) in &cmd.env {
            s.push_str(&format!(
                "\t\t<key>{}</key>\n\t\t<string>{}</string>\n",
                markup::escape(k),
                markup::escape(v)
            ));
        }
        s.push_str("\t</dict>\n");
    }
    s.push_str(&format!(
        "\t<key>StartInterval</key>\n\t<integer>{}</integer>\n",
        interval.as_secs()
    ));
    s.push_str("\t<key>RunAtLoad</key>\n\t<true/>\n");
    s.push_str("\t<key>ProcessType</key>\n\t<string>Background</string>\n");
    s.push_str("</dict>\n</plist>\n");
    s
}

/// The text after `<key>{key}</key>` up to the closing tag `close` (exclusive).
fn section<'a>(text: &'a str, key: &str, close: &str) -> Option<&'a str> {
    let start = text.find(&format!("<key>{key}</key>"))? + key.len() + 11;
    let rest = &text[start..];
    let end = rest.find(close)?;
    Some(&rest[..end])
}

/// The `<string>` values in `text`, in order.
fn strings(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(p) = rest.find("<string>") {
        rest = &rest[p + 8..];
        let Some(end) = rest.find("</string>") else {
            break;
        };
        out.push(xml_unescape(&rest[..end]));
        rest = &rest[end + 9..];
    }
    out
}

/// The command and interval of a plist written by [`plist`].
pub(super) fn parse(text: &str) -> (ScheduledCommand, Option<Duration>) {
    let mut cmd = ScheduledCommand {
        argv: section(text, "ProgramArguments", "</array>")
            .map(strings)
            .unwrap_or_default(),
        env: Vec::new(),
    };
    if let Some(env) = section(text, "EnvironmentVariables", "</dict>") {
        let mut rest = env;
        while let Some(p) = rest.find("<key>") {
            rest = &rest[p + 5..];
            let Some(end) = rest.find("</key>") else {
                break;
            };
            let key = xml_unescape(&rest[..end]);
            rest = &rest[end + 6..];
            if let Some(v) = strings(rest).into_iter().next() {
                cmd.env.push((key, v));
            }
        }
    }
    let interval = section(text, "StartInterval", "</integer>")
        .and_then(|s| s.trim().strip_prefix("<integer>"))
        .and_then(|n| n.trim().parse().ok())
        .map(Duration::from_secs);
    (cmd, interval)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plist_parses_back() {
        let cmd = ScheduledCommand {
            env: vec![("HOME".into(), "/Users/j&d".into())],
            argv: vec![
                "/Applications/My <Tools>/figma-auth".into(),
                "refresh".into(),
            ],
        };
        let text = plist("default", &cmd, Duration::from_secs(1800));
        assert!(text.contains("<string>/Applications/My &lt;Tools&gt;/figma-auth</string>"));
        assert!(text.contains("<key>StartInterval</key>\n\t<integer>1800</integer>"));
        assert_eq!(parse(&text), (cmd, Some(Duration::from_secs(1800))));
    }
}
