//! The waiting indicator: a spinner line on stderr and, below it, the line the user is typing (a
//! pasted redirect URL), drawn by figma-auth itself so the spinner never draws over it. Limits:
//! one column per character is assumed; a terminal resized during a wait may leave a stale line.

use super::input::{reader, take_interrupt, Cooperative};
use super::{term, Ui};
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

const FRAMES: [&str; 10] = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"];

/// A wait for something outside (the browser's callback): a spinner line on stderr with, below
/// it, the line the user is typing (a pasted redirect URL), drawn by figma-auth itself so the
/// spinner never draws over it. Off a terminal it draws nothing. Ctrl-C is noticed by
/// [`Waiting::interrupted`].
pub struct Waiting {
    ui: Ui,
    draw: bool,
    /// The terminal is in per-key mode (no echo): the typed line is shown by [`Waiting::draw`].
    keys: Option<term::Guard>,
    text: String,
    prompt: Option<String>,
    frame: usize,
    last: Option<Instant>,
    /// Rows of the block now on screen (0, 1 or 2); the cursor is at the end of the last one.
    rows: usize,
    /// How the typed line is shown (e.g. with a secret in it masked).
    shown_as: fn(&str) -> String,
    seen: u64,
    _cooperative: Cooperative,
}

impl Waiting {
    pub(super) fn new(ui: &Ui, text: &str) -> Self {
        let draw = ui.stderr_redraw;
        let keys = if draw && ui.stdin_tty {
            // Start the reader before the mode changes, so it is the one reading the keys.
            reader();
            term::Guard::set(term::Change::PerKey)
        } else {
            None
        };
        Waiting {
            ui: ui.clone(),
            draw,
            keys,
            text: text.to_string(),
            prompt: None,
            frame: 0,
            last: None,
            rows: 0,
            shown_as: |s| s.to_string(),
            seen: u64::MAX,
            _cooperative: Cooperative::enter(),
        }
    }

    /// True once after Ctrl-C.
    pub fn interrupted(&self) -> bool {
        take_interrupt()
    }

    /// A line the user entered, if one is ready; `None` also after end of input.
    pub fn poll_line(&self) -> Option<String> {
        self.ui.poll_line()
    }

    /// Changes the spinner's text (shown at the next [`Waiting::tick`]).
    pub fn set_text(&mut self, text: &str) {
        self.text = text.to_string();
    }

    /// Shows `prompt` on the input line from now on.
    pub fn set_prompt(&mut self, prompt: &str) {
        self.prompt = Some(prompt.to_string());
        self.redraw();
    }

    /// Shows the typed line through `f` (which may mask a secret in it).
    pub fn show_typed_as(&mut self, f: fn(&str) -> String) {
        self.shown_as = f;
    }

    /// Advances the spinner (at most ten frames a second) and shows what is being typed.
    pub fn tick(&mut self) {
        if !self.draw {
            return;
        }
        let typed = reader_version();
        let due = self
            .last
            .is_none_or(|l| l.elapsed() >= Duration::from_millis(100));
        if !due && typed == self.seen {
            return;
        }
        if due {
            self.frame = (self.frame + 1) % FRAMES.len();
            self.last = Some(Instant::now());
        }
        self.redraw();
    }

    /// Prints `text` (one or more lines) above the spinner.
    pub fn println(&mut self, text: &str) {
        let mut block = if self.draw {
            self.erase()
        } else {
            String::new()
        };
        block.push_str(text);
        block.push('\n');
        let _ = self.ui.err.write(block.as_bytes());
        if self.draw {
            self.rows = 0;
            self.redraw();
        }
    }

    /// Removes the spinner and puts the terminal back (also done on drop).
    pub fn clear(&mut self) {
        if self.draw && self.rows > 0 {
            let _ = self.ui.err.write(self.erase().as_bytes());
            self.rows = 0;
        }
        self.draw = false;
        if self.keys.take().is_some() {
            // What was typed and not entered belonged to this wait.
            reader().typed.set(&[]);
        }
    }

    /// Moves to the first row of the block and clears it and everything below.
    fn erase(&self) -> String {
        match self.rows {
            0 => String::new(),
            1 => "\r\x1b[J".to_string(),
            n => format!("\r\x1b[{}A\x1b[J", n - 1),
        }
    }

    fn redraw(&mut self) {
        if !self.draw {
            return;
        }
        let width = term::width().saturating_sub(1).max(20);
        self.seen = reader_version();
        let mut block = self.erase();
        block.push_str(&fit(
            &format!("{} {}", FRAMES[self.frame], self.text),
            width,
        ));
        let typed = if self.keys.is_some() {
            (self.shown_as)(&reader().typed.get())
        } else {
            String::new()
        };
        self.rows = 1;
        if self.prompt.is_some() || !typed.is_empty() {
            let prompt = self.prompt.as_deref().unwrap_or("");
            block.push('\n');
            block.push_str(prompt);
            block.push_str(&tail(&typed, width.saturating_sub(prompt.chars().count())));
            self.rows = 2;
        }
        let _ = self.ui.err.write(block.as_bytes());
    }
}

impl Drop for Waiting {
    fn drop(&mut self) {
        self.clear();
    }
}

fn reader_version() -> u64 {
    reader().typed.version.load(Ordering::SeqCst)
}

/// `text` cut to `width` characters (with `…`).
fn fit(text: &str, width: usize) -> String {
    if text.chars().count() <= width {
        return text.to_string();
    }
    let mut s: String = text.chars().take(width.saturating_sub(1)).collect();
    s.push('…');
    s
}

/// The end of `text` in `width` characters (with a leading `…`): what was typed last shows.
fn tail(text: &str, width: usize) -> String {
    let n = text.chars().count();
    if n <= width {
        return text.to_string();
    }
    let skip = n + 1 - width.max(1);
    let mut s = String::from("…");
    s.extend(text.chars().skip(skip));
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_lines_are_cut_and_the_typed_tail_shows() {
        assert_eq!(fit("abcdef", 10), "abcdef");
        assert_eq!(fit("abcdef", 4), "abc…");
        assert_eq!(tail("abcdef", 10), "abcdef");
        assert_eq!(tail("abcdef", 4), "…def");
        assert_eq!(tail("http://127.0.0.1/cb?code=x", 8).chars().count(), 8);
    }
}
