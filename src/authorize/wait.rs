//! Waiting for the browser's callback, or for the redirect URL pasted on the terminal.

use super::{cancelled, Context};
use crate::cli::LoginArgs;
use crate::error::Error;
use crate::oauth::callback::{Event, Expected, Listener, Reply};
use crate::oauth::{browser, CallbackError};
use crate::time::short_duration;
use std::time::{Duration, Instant};

/// Waits for the browser's callback (or a pasted redirect URL) with a spinner on a terminal.
/// The authorization URL and the note for SSH users are printed only when no browser could be
/// started, or when the callback has not come after `ctx.show_url_after`.
pub(super) fn wait_for_callback(
    ctx: &Context,
    args: &LoginArgs,
    listener: Listener,
    expected: &Expected,
    url: &str,
    opened: &browser::Opened,
) -> Result<crate::secret::AuthCode, Error> {
    let port = listener.port();
    let mut wait = ctx.ui.waiting("Log in to Figma in the browser…");
    let mut shown = false;
    if let browser::Opened::NotStarted(why) = opened {
        if !args.no_browser {
            wait.println(&format!("Could not open a browser ({why})."));
        }
        show_url(ctx, &mut wait, url, port);
        shown = true;
    }
    if !ctx.ui.stderr_redraw {
        ctx.ui.line(format_args!(
            "Waiting for the login (up to {}; Ctrl-C to cancel)…",
            short_duration(args.timeout)
        ));
    }
    let started = Instant::now();
    let code = listener.wait(expected, args.timeout, &mut |ev| match ev {
        Event::Tick { remaining } => {
            if wait.interrupted() {
                return Reply::Cancel;
            }
            if !shown && started.elapsed() >= ctx.show_url_after {
                shown = true;
                wait.println("The browser has not come back yet.");
                show_url(ctx, &mut wait, url, port);
            }
            wait.set_text(&format!(
                "Log in to Figma in the browser… ({} left; Ctrl-C to cancel)",
                short_duration(Duration::from_secs(remaining.as_secs()))
            ));
            wait.tick();
            match wait.poll_line() {
                Some(line) => Reply::Pasted(line),
                None => Reply::Continue,
            }
        }
        Event::Ignored(why) => {
            wait.println(&format!("note: {why}"));
            Reply::Continue
        }
    });
    wait.clear();
    match code {
        Err(CallbackError::Cancelled) => Err(cancelled()),
        other => Ok(other?),
    }
}

/// The authorization URL, and how to finish over SSH by pasting the final address.
fn show_url(ctx: &Context, wait: &mut crate::ui::Waiting, url: &str, port: u16) {
    wait.println(&format!(
        "Open this URL in a browser to log in to Figma:\n\n  {url}\n\n\
         If the browser cannot reach this machine (SSH), paste the address it ends up on \
         (http://127.0.0.1:{port}…) here and press Enter."
    ));
    if ctx.ui.stdin_tty {
        wait.show_typed_as(mask_code);
        wait.set_prompt("Paste the address here: ");
    }
}

/// A pasted redirect URL as it is shown while typed: the authorization code masked.
fn mask_code(typed: &str) -> String {
    let mut out = String::with_capacity(typed.len());
    let mut rest = typed;
    while let Some(i) = rest.find("code=") {
        let (head, tail) = rest.split_at(i + "code=".len());
        out.push_str(head);
        let end = tail.find(['&', '#', ' ']).unwrap_or(tail.len());
        if end > 0 {
            out.push_str(&crate::secret::mask(&tail[..end]));
        }
        rest = &tail[end..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_typed_code_is_masked() {
        assert_eq!(
            super::mask_code("http://127.0.0.1:1/cb?code=mock_code_1_0123456789abcdef&state=s"),
            "http://127.0.0.1:1/cb?code=mock_…cdef&state=s"
        );
        assert_eq!(super::mask_code("http://x/cb?co"), "http://x/cb?co");
        assert_eq!(super::mask_code("?code=ab"), "?code=…");
    }
}
