//! Opening the authorization URL: `$BROWSER` or the platform opener, always as an argument vector
//! (never through a shell), with the personal access token removed from its environment.

use std::process::{Command, Stdio};

/// Environment variables never passed to a browser process.
pub(crate) const SCRUBBED_ENV: &[&str] = &["FIGMA_PERSONAL_ACCESS_TOKEN"];

/// The outcome of [`open`].
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Opened {
    /// The named program was started.
    Started(String),
    /// Nothing was started; the reason is shown to the user.
    NotStarted(String),
}

/// The argument vectors to try, in order, for `url`. `browser_var` is `$BROWSER`; `graphical`
/// says whether a desktop session is available for the platform opener.
pub(crate) fn candidates(
    url: &str,
    browser_var: Option<&str>,
    graphical: bool,
) -> Vec<Vec<String>> {
    if let Some(var) = browser_var.filter(|v| !v.trim().is_empty()) {
        return var
            .split(':')
            .filter_map(|cmd| {
                let words: Vec<&str> = cmd.split_whitespace().collect();
                if words.is_empty() {
                    return None;
                }
                let mut argv: Vec<String> = Vec::new();
                let mut substituted = false;
                for w in words {
                    if w.contains("%s") {
                        argv.push(w.replace("%s", url));
                        substituted = true;
                    } else {
                        argv.push(w.to_string());
                    }
                }
                if !substituted {
                    argv.push(url.to_string());
                }
                Some(argv)
            })
            .collect();
    }
    let opener: &[&str] = if cfg!(target_os = "macos") {
        &["open"]
    } else if cfg!(windows) {
        &["explorer"]
    } else if graphical {
        &["xdg-open"]
    } else {
        &[]
    };
    opener
        .iter()
        .map(|o| vec![o.to_string(), url.to_string()])
        .collect()
}

/// Tries to open `url` in a browser. Never blocks on the browser: the child is reaped by a
/// background thread.
///
/// `$BROWSER` is a `:`-separated list of commands, each split on whitespace, with `%s` replaced by
/// the URL or the URL appended. When nothing can be started the caller prints the URL.
pub(crate) fn open(url: &str) -> Opened {
    let browser = std::env::var("BROWSER").ok();
    let graphical = std::env::var_os("DISPLAY").is_some_and(|v| !v.is_empty())
        || std::env::var_os("WAYLAND_DISPLAY").is_some_and(|v| !v.is_empty());
    let list = candidates(url, browser.as_deref(), graphical);
    if list.is_empty() {
        return Opened::NotStarted(
            "no browser found ($BROWSER is not set and there is no graphical session)".to_string(),
        );
    }
    let mut last_err = String::new();
    for argv in list {
        let mut cmd = Command::new(&argv[0]);
        cmd.args(&argv[1..])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        for v in SCRUBBED_ENV {
            cmd.env_remove(v);
        }
        match cmd.spawn() {
            Ok(mut child) => {
                std::thread::spawn(move || child.wait());
                return Opened::Started(argv[0].clone());
            }
            Err(e) => last_err = format!("cannot start {:?}: {e}", argv[0]),
        }
    }
    Opened::NotStarted(last_err)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn browser_var_is_split_without_a_shell() {
        let url = "https://x/a?b=1&c='2';rm -rf";
        let c = candidates(url, Some("firefox --new-window:lynx %s"), true);
        assert_eq!(
            c,
            vec![
                vec!["firefox".to_string(), "--new-window".into(), url.into()],
                vec!["lynx".to_string(), url.into()],
            ]
        );
    }

    #[test]
    fn no_browser_without_display_on_linux() {
        if cfg!(target_os = "linux") {
            assert!(candidates("u", None, false).is_empty());
            assert_eq!(candidates("u", None, true)[0][0], "xdg-open");
        }
    }
}
