//! The terminal, owned in one place and received by every command: stdout and stderr (writers a
//! test can capture, [`Ui::test`]), the questions, the waiting spinner ([`spinner`]) and one
//! reader of stdin for the whole run ([`input`]), so no line is lost or taken by the wrong reader.

mod input;
mod spinner;
mod term;

pub use input::{die_of_interrupt, install_signal_handlers};
pub(crate) use spinner::Waiting;

use anstyle::{AnsiColor, Style};
use input::{reader, take_interrupt, Cooperative};
use std::collections::VecDeque;
use std::io::{self, IsTerminal, Write};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// `error:` (as clap prints it).
pub(crate) const ERROR: Style = Style::new()
    .fg_color(Some(anstyle::Color::Ansi(AnsiColor::Red)))
    .bold();
/// `warning:`.
pub(crate) const WARNING: Style = Style::new()
    .fg_color(Some(anstyle::Color::Ansi(AnsiColor::Yellow)))
    .bold();
/// `hint:` (clap's `tip:`) and the ✓ of a success line.
pub(crate) const GOOD: Style = Style::new().fg_color(Some(anstyle::Color::Ansi(AnsiColor::Green)));
/// `note:` and other neutral labels.
pub(crate) const NOTE: Style = Style::new().bold();

/// The terminal of a run: stdout and stderr (colour stripped by anstream where it does not
/// belong), what stdin and stderr are, and where input lines come from. Commands read and write
/// the terminal only through it; [`Ui::test`] gives one that records what a command printed.
#[derive(Clone)]
pub struct Ui {
    pub stdin_tty: bool,
    pub stderr_tty: bool,
    /// stderr can redraw a line in place (a terminal whose `TERM` is not `dumb`).
    pub stderr_redraw: bool,
    out: Sink,
    err: Sink,
    /// Input lines given by a test instead of stdin.
    script: Option<Arc<Mutex<VecDeque<String>>>>,
}

impl std::fmt::Debug for Ui {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Ui")
            .field("stdin_tty", &self.stdin_tty)
            .field("stderr_tty", &self.stderr_tty)
            .field("stderr_redraw", &self.stderr_redraw)
            .finish_non_exhaustive()
    }
}

/// One output stream, shared by the clones of a [`Ui`]. Text is written as it is; labelled lines
/// go through anstream, which strips their colour where it does not belong (not a terminal,
/// `NO_COLOR`).
#[derive(Clone)]
struct Sink {
    raw: Arc<Mutex<Box<dyn Write + Send>>>,
    styled: Arc<Mutex<anstream::AutoStream<Box<dyn Write + Send>>>>,
    color: bool,
}

impl Sink {
    fn new(
        raw: Box<dyn Write + Send>,
        styled: Box<dyn Write + Send>,
        choice: anstream::ColorChoice,
    ) -> Self {
        Sink {
            color: choice != anstream::ColorChoice::Never,
            raw: Arc::new(Mutex::new(raw)),
            styled: Arc::new(Mutex::new(anstream::AutoStream::new(styled, choice))),
        }
    }

    fn write(&self, bytes: &[u8]) -> io::Result<()> {
        let mut s = self.raw.lock().unwrap_or_else(|e| e.into_inner());
        s.write_all(bytes)?;
        s.flush()
    }

    fn write_styled(&self, text: &str) {
        let mut s = self.styled.lock().unwrap_or_else(|e| e.into_inner());
        let _ = s.write_all(text.as_bytes()).and_then(|()| s.flush());
    }
}

/// A [`Write`] onto stdout or stderr of a [`Ui`] (see [`Ui::stdout`]).
pub struct Writer(Sink);

impl Write for Writer {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0.write(buf).map(|()| buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// What a [`Ui::test`] command printed.
#[derive(Clone, Default)]
pub struct Captured {
    out: Buffer,
    err: Buffer,
}

impl Captured {
    /// Everything printed on stdout so far.
    pub fn out(&self) -> String {
        self.out.text()
    }

    /// Everything printed on stderr so far.
    pub fn err(&self) -> String {
        self.err.text()
    }
}

#[derive(Clone, Default)]
struct Buffer(Arc<Mutex<Vec<u8>>>);

impl Buffer {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap_or_else(|e| e.into_inner())).into_owned()
    }
}

impl Write for Buffer {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// How a change is decided: `--write`, `--dry-run`, a question on the terminal, or a preview.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// `--write`: apply without asking.
    Write,
    /// `--dry-run`: show, never ask, never apply.
    DryRun,
    /// No flag, on a terminal: ask once.
    Ask,
    /// No flag, no terminal: show and say how to apply.
    PreviewOnly,
}

/// The user pressed Ctrl-C while figma-auth was waiting for them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Interrupted;

impl Ui {
    /// The terminal of this process.
    pub fn from_process() -> Self {
        let stderr_tty = io::stderr().is_terminal();
        let dumb = std::env::var_os("TERM").is_some_and(|t| t == "dumb");
        Ui {
            stdin_tty: io::stdin().is_terminal(),
            stderr_tty,
            stderr_redraw: stderr_tty && !dumb,
            out: Sink::new(
                Box::new(io::stdout()),
                Box::new(io::stdout()),
                anstream::AutoStream::choice(&io::stdout()),
            ),
            err: Sink::new(
                Box::new(io::stderr()),
                Box::new(io::stderr()),
                anstream::AutoStream::choice(&io::stderr()),
            ),
            script: None,
        }
    }

    /// A terminal for tests: no colour, neither stdin nor stderr a terminal, stdin empty, and
    /// what is printed kept in the returned [`Captured`].
    pub fn test() -> (Self, Captured) {
        let captured = Captured::default();
        let ui = Ui {
            stdin_tty: false,
            stderr_tty: false,
            stderr_redraw: false,
            out: Sink::new(
                Box::new(captured.out.clone()),
                Box::new(captured.out.clone()),
                anstream::ColorChoice::Never,
            ),
            err: Sink::new(
                Box::new(captured.err.clone()),
                Box::new(captured.err.clone()),
                anstream::ColorChoice::Never,
            ),
            script: Some(Arc::default()),
        };
        (ui, captured)
    }

    /// This test terminal with `lines` as its input (what a user would type, one answer each).
    pub fn with_input(mut self, lines: &[&str]) -> Self {
        self.script = Some(Arc::new(Mutex::new(
            lines.iter().map(|l| l.to_string()).collect(),
        )));
        self
    }

    /// Questions can be asked: stdin and stderr are terminals.
    pub fn interactive(&self) -> bool {
        self.stdin_tty && self.stderr_tty
    }

    /// What to do with a planned change.
    pub fn decide(&self, write: bool, dry_run: bool) -> Decision {
        if write {
            Decision::Write
        } else if dry_run {
            Decision::DryRun
        } else if self.interactive() {
            Decision::Ask
        } else {
            Decision::PreviewOnly
        }
    }

    /// Writes `text` on stdout; a closed pipe (`| head`) is not an error worth a panic.
    pub fn out(&self, text: &str) -> Result<(), crate::error::Error> {
        match self.out.write(text.as_bytes()) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == io::ErrorKind::BrokenPipe => Ok(()),
            Err(e) => Err(crate::error::Error::Io(
                "cannot write to stdout".to_string(),
                e,
            )),
        }
    }

    /// Writes `text` on stdout, ignoring failures (text that accompanies a result, not the
    /// result itself).
    pub fn print(&self, text: &str) {
        let _ = self.out.write(text.as_bytes());
    }

    /// One line on stdout, ignoring failures (like [`Ui::print`]).
    pub fn println(&self, msg: impl std::fmt::Display) {
        self.print(&format!("{msg}\n"));
    }

    /// stdout as a [`Write`].
    pub fn stdout(&self) -> Writer {
        Writer(self.out.clone())
    }

    /// stderr as a [`Write`].
    pub fn stderr(&self) -> Writer {
        Writer(self.err.clone())
    }

    /// Whether stdout shows colours (diffs colour themselves when it does).
    pub fn out_color(&self) -> bool {
        self.out.color
    }

    /// Writes `text` on stderr as it is.
    pub fn text(&self, text: &str) {
        let _ = self.err.write(text.as_bytes());
    }

    /// One line on stderr.
    pub fn line(&self, msg: impl std::fmt::Display) {
        self.text(&format!("{msg}\n"));
    }

    fn labelled(&self, style: Style, label: &str, msg: &dyn std::fmt::Display) {
        self.err
            .write_styled(&format!("{style}{label}{style:#} {msg}\n"));
    }

    /// `error: …`
    pub fn error(&self, msg: impl std::fmt::Display) {
        self.labelled(ERROR, "error:", &msg);
    }

    /// `warning: …`
    pub fn warning(&self, msg: impl std::fmt::Display) {
        self.labelled(WARNING, "warning:", &msg);
    }

    /// `hint: …`
    pub fn hint(&self, msg: impl std::fmt::Display) {
        self.labelled(GOOD, "hint:", &msg);
    }

    /// `note: …`
    pub fn note(&self, msg: impl std::fmt::Display) {
        self.labelled(NOTE, "note:", &msg);
    }

    /// `✓ …`: one line per outcome at the end of a run.
    pub fn success(&self, msg: impl std::fmt::Display) {
        self.labelled(GOOD, "✓", &msg);
    }

    /// The next line of stdin (without its line break); `None` at end of input.
    pub fn read_line(&self) -> Result<Option<String>, Interrupted> {
        if let Some(script) = &self.script {
            return Ok(script.lock().unwrap_or_else(|e| e.into_inner()).pop_front());
        }
        let _waiting = Cooperative::enter();
        loop {
            if take_interrupt() {
                return Err(Interrupted);
            }
            match reader().recv(Duration::from_millis(50)) {
                Some(line) => return Ok(line),
                None => continue,
            }
        }
    }

    /// A line if one is ready, without waiting; `None` also after end of input.
    fn poll_line(&self) -> Option<String> {
        match &self.script {
            Some(script) => script.lock().unwrap_or_else(|e| e.into_inner()).pop_front(),
            None => reader().poll().flatten(),
        }
    }

    /// Prints `question [y/N] ` and reads the answer: true only for `y` or `yes`.
    pub fn confirm(&self, question: &str) -> Result<bool, Interrupted> {
        let answer = self.ask(&format!("{question} [y/N] "))?;
        Ok(matches!(answer.as_str(), "y" | "yes"))
    }

    /// Prints `prompt` on stderr and reads one line: trimmed and lower-cased, empty at end of
    /// input.
    pub fn ask(&self, prompt: &str) -> Result<String, Interrupted> {
        self.text(prompt);
        match self.read_line() {
            Ok(line) => Ok(line.unwrap_or_default().trim().to_ascii_lowercase()),
            Err(e) => {
                self.line("");
                Err(e)
            }
        }
    }

    /// Prints `prompt` and reads one line without echoing it (a secret typed or pasted on the
    /// terminal). Off a terminal the line is read as it is.
    pub fn read_hidden(&self, prompt: &str) -> Result<Option<String>, Interrupted> {
        self.text(prompt);
        #[cfg(not(unix))]
        if self.stdin_tty {
            // No termios here: the platform's own hidden read (it bypasses the reader).
            return Ok(rpassword::read_password().ok());
        }
        let guard = if self.stdin_tty {
            term::Guard::set(term::Change::NoEcho)
        } else {
            None
        };
        let line = self.read_line();
        let hidden = guard.is_some();
        // (Off Unix the guard changes nothing and has no Drop.)
        #[cfg_attr(not(unix), allow(clippy::drop_non_drop))]
        drop(guard);
        if hidden || line.is_err() {
            // The line break typed at the end was not echoed.
            self.line("");
        }
        line
    }

    /// A waiting indicator on stderr (a spinner on a terminal, nothing otherwise) that also
    /// receives pasted lines and notices Ctrl-C.
    pub fn waiting(&self, text: &str) -> Waiting {
        Waiting::new(self, text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decisions() {
        let (mut tty, _) = Ui::test();
        tty.stdin_tty = true;
        tty.stderr_tty = true;
        let mut pipe = tty.clone();
        pipe.stdin_tty = false;
        assert_eq!(tty.decide(true, false), Decision::Write);
        assert_eq!(tty.decide(false, true), Decision::DryRun);
        assert_eq!(tty.decide(false, false), Decision::Ask);
        assert_eq!(pipe.decide(false, false), Decision::PreviewOnly);
    }

    #[test]
    fn a_test_terminal_records_output_and_answers_from_its_script() {
        let (ui, seen) = Ui::test();
        let ui = ui.with_input(&["Yes ", "n"]);
        ui.out("result\n").unwrap();
        ui.warning("careful");
        assert_eq!(ui.confirm("Go on?"), Ok(true));
        assert_eq!(ui.confirm("Again?"), Ok(false));
        assert_eq!(ui.read_line(), Ok(None), "end of input after the script");
        assert_eq!(seen.out(), "result\n");
        assert_eq!(
            seen.err(),
            "warning: careful\nGo on? [y/N] Again? [y/N] ",
            "labels are not coloured off a terminal"
        );
    }
}
