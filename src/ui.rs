//! The terminal, owned in one place: one reader of stdin for the whole run (a pasted redirect URL,
//! the hidden personal-access-token prompt and every y/N question take their lines from it, so no
//! line is lost or taken by the wrong reader), the waiting spinner that draws the line being typed
//! itself instead of over it, Ctrl-C during a wait, and the colours of figma-auth's own labels.
//!
//! Limits: the spinner assumes one column per character; a terminal resized during a wait may
//! leave one stale line.

use anstyle::{AnsiColor, Style};
use std::collections::VecDeque;
use std::io::{self, IsTerminal, Read, Write};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, TryRecvError};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

/// `error:` (as clap prints it).
pub const ERROR: Style = Style::new()
    .fg_color(Some(anstyle::Color::Ansi(AnsiColor::Red)))
    .bold();
/// `warning:`.
pub const WARNING: Style = Style::new()
    .fg_color(Some(anstyle::Color::Ansi(AnsiColor::Yellow)))
    .bold();
/// `hint:` (clap's `tip:`) and the ✓ of a success line.
pub const GOOD: Style = Style::new().fg_color(Some(anstyle::Color::Ansi(AnsiColor::Green)));
/// `note:` and other neutral labels.
pub const NOTE: Style = Style::new().bold();

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

// ---------------------------------------------------------------------------------------------
// The one stdin reader.

/// Lines of stdin, read by one thread for the whole process, and the line being typed while a
/// [`Waiting`] shows it.
struct Reader {
    lines: Mutex<Receiver<Option<String>>>,
    closed: AtomicBool,
    typed: Arc<Typed>,
}

/// The partial line of the per-key mode, and a counter that changes with it.
#[derive(Default)]
struct Typed {
    text: Mutex<Vec<u8>>,
    version: AtomicU64,
}

impl Typed {
    fn set(&self, bytes: &[u8]) {
        let mut t = self.text.lock().unwrap_or_else(|e| e.into_inner());
        if *t != bytes {
            t.clear();
            t.extend_from_slice(bytes);
            self.version.fetch_add(1, Ordering::SeqCst);
        }
    }

    fn get(&self) -> String {
        String::from_utf8_lossy(&self.text.lock().unwrap_or_else(|e| e.into_inner())).into_owned()
    }
}

/// The process's reader, started on first use.
fn reader() -> &'static Reader {
    static READER: OnceLock<Reader> = OnceLock::new();
    READER.get_or_init(|| {
        let (tx, rx) = mpsc::channel();
        let typed = Arc::new(Typed::default());
        let shared = Arc::clone(&typed);
        std::thread::Builder::new()
            .name("stdin".into())
            .spawn(move || read_stdin(&tx, &shared))
            .expect("start the stdin reader");
        Reader {
            lines: Mutex::new(rx),
            closed: AtomicBool::new(false),
            typed,
        }
    })
}

impl Reader {
    /// Waits up to `timeout` for a line: `Some(Some(line))`, `Some(None)` at end of input, `None`
    /// when nothing came.
    fn recv(&self, timeout: Duration) -> Option<Option<String>> {
        if self.closed.load(Ordering::SeqCst) {
            return Some(None);
        }
        let rx = self.lines.lock().unwrap_or_else(|e| e.into_inner());
        match rx.recv_timeout(timeout) {
            Ok(Some(line)) => Some(Some(line)),
            Ok(None) | Err(RecvTimeoutError::Disconnected) => {
                self.closed.store(true, Ordering::SeqCst);
                Some(None)
            }
            Err(RecvTimeoutError::Timeout) => None,
        }
    }

    /// A line if one is ready, without waiting (same results as [`Reader::recv`]).
    fn poll(&self) -> Option<Option<String>> {
        if self.closed.load(Ordering::SeqCst) {
            return Some(None);
        }
        let rx = self.lines.lock().unwrap_or_else(|e| e.into_inner());
        match rx.try_recv() {
            Ok(Some(line)) => Some(Some(line)),
            Ok(None) | Err(TryRecvError::Disconnected) => {
                self.closed.store(true, Ordering::SeqCst);
                Some(None)
            }
            Err(TryRecvError::Empty) => None,
        }
    }
}

/// The reader thread: bytes from stdin, cut into lines. In the terminal's normal (canonical)
/// mode the kernel has done the editing; in the per-key mode of a [`Waiting`] this applies
/// backspace, Ctrl-U, Ctrl-W and Ctrl-D itself and skips escape sequences (arrow keys).
fn read_stdin(tx: &mpsc::Sender<Option<String>>, typed: &Typed) {
    let mut stdin = io::stdin().lock();
    let mut buf = [0u8; 4096];
    let mut line: Vec<u8> = Vec::new();
    let mut esc = Esc::None;
    let mut after_cr = false;
    'read: loop {
        let n = match stdin.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(_) => break,
        };
        for &b in &buf[..n] {
            esc = match (esc, b) {
                (Esc::None, 0x1b) => Esc::Start,
                (Esc::None, _) => Esc::None,
                (Esc::Start, b'[') => Esc::Csi,
                (Esc::Start, b'O') => Esc::Ss3,
                (Esc::Start | Esc::Ss3, _) => Esc::Done,
                (Esc::Csi, 0x40..=0x7e) => Esc::Done,
                (Esc::Csi, _) => Esc::Csi,
                (Esc::Done, 0x1b) => Esc::Start,
                (Esc::Done, _) => Esc::None,
            };
            if esc != Esc::None {
                continue;
            }
            let cr = b == b'\r';
            match b {
                b'\n' if after_cr => {}
                b'\r' | b'\n' => {
                    let text = String::from_utf8_lossy(&line).into_owned();
                    line.clear();
                    if tx.send(Some(text)).is_err() {
                        return;
                    }
                }
                0x7f | 0x08 => {
                    while line.last().is_some_and(|c| c & 0xc0 == 0x80) {
                        line.pop();
                    }
                    line.pop();
                }
                0x15 => line.clear(),
                0x17 => {
                    while line.last() == Some(&b' ') {
                        line.pop();
                    }
                    while line.last().is_some_and(|c| *c != b' ') {
                        line.pop();
                    }
                }
                0x04 if line.is_empty() => break 'read,
                b'\t' => line.push(b' '),
                0x00..=0x1f => {}
                _ => line.push(b),
            }
            after_cr = cr;
        }
        typed.set(&line);
    }
    if !line.is_empty() {
        let _ = tx.send(Some(String::from_utf8_lossy(&line).into_owned()));
    }
    typed.set(&[]);
    let _ = tx.send(None);
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Esc {
    None,
    Start,
    Csi,
    Ss3,
    /// The last byte of a sequence: skipped, then back to normal.
    Done,
}

// ---------------------------------------------------------------------------------------------
// Ctrl-C.

/// Waits in progress that handle Ctrl-C themselves.
static COOPERATIVE: AtomicUsize = AtomicUsize::new(0);
/// Ctrl-C arrived during such a wait and was not handled yet.
static INTERRUPTED: AtomicBool = AtomicBool::new(false);

/// While one lives, Ctrl-C is recorded for the waiting code instead of ending the process.
struct Cooperative;

impl Cooperative {
    fn enter() -> Self {
        COOPERATIVE.fetch_add(1, Ordering::SeqCst);
        Cooperative
    }
}

impl Drop for Cooperative {
    fn drop(&mut self) {
        if COOPERATIVE.fetch_sub(1, Ordering::SeqCst) == 1 && INTERRUPTED.load(Ordering::SeqCst) {
            // Ctrl-C arrived while leaving the wait: it still ends the process.
            die_of_interrupt();
        }
    }
}

/// True once after Ctrl-C was pressed during a wait.
fn take_interrupt() -> bool {
    INTERRUPTED.swap(false, Ordering::SeqCst)
}

/// Installs the signal handlers: Ctrl-C during a wait is handled by the waiting code (which puts
/// the terminal back and says what was cancelled); at any other time, and for SIGTERM and SIGHUP,
/// the terminal is put back and the process ends by the signal, as it would without a handler.
pub fn install_signal_handlers() {
    #[cfg(unix)]
    term::install_handlers();
}

/// Ends the process as Ctrl-C does (by SIGINT, so a calling shell script stops too).
pub fn die_of_interrupt() -> ! {
    term::restore();
    #[cfg(unix)]
    // SAFETY: resetting a signal's disposition and raising it have no memory-safety conditions.
    unsafe {
        libc::signal(libc::SIGINT, libc::SIG_DFL);
        libc::raise(libc::SIGINT);
    }
    std::process::exit(130)
}

// ---------------------------------------------------------------------------------------------
// The waiting indicator.

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
    fn new(ui: &Ui, text: &str) -> Self {
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

// ---------------------------------------------------------------------------------------------
// Terminal modes (termios) and the signal handlers that put them back.

#[cfg(unix)]
mod term {
    use std::mem::MaybeUninit;
    use std::sync::atomic::{AtomicBool, Ordering};

    /// How a [`Guard`] changes the terminal on stdin.
    #[derive(Debug, Clone, Copy)]
    pub enum Change {
        /// Lines as usual, without echo (a hidden prompt).
        NoEcho,
        /// Every key delivered at once, without echo; Ctrl-C still interrupts.
        PerKey,
    }

    /// The settings found before the first change, for the signal handlers.
    static mut SAVED: MaybeUninit<libc::termios> = MaybeUninit::uninit();
    static SAVED_SET: AtomicBool = AtomicBool::new(false);

    /// Puts the terminal back as it was on drop.
    pub struct Guard {
        old: libc::termios,
        outermost: bool,
    }

    impl Guard {
        /// Applies `change` to the terminal on stdin; `None` when stdin is not a terminal.
        pub fn set(change: Change) -> Option<Guard> {
            let mut t = MaybeUninit::<libc::termios>::uninit();
            // SAFETY: tcgetattr writes a termios into the pointer it is given, or fails.
            if unsafe { libc::tcgetattr(0, t.as_mut_ptr()) } != 0 {
                return None;
            }
            // SAFETY: tcgetattr succeeded, so `t` is initialised.
            let old = unsafe { t.assume_init() };
            let outermost = !SAVED_SET.load(Ordering::SeqCst);
            if outermost {
                // SAFETY: only written here, before SAVED_SET publishes it, by the one thread
                // that changes terminal modes; read by the signal handlers after SAVED_SET.
                unsafe { (*std::ptr::addr_of_mut!(SAVED)).write(old) };
                SAVED_SET.store(true, Ordering::SeqCst);
            }
            let mut new = old;
            match change {
                Change::NoEcho => new.c_lflag &= !(libc::ECHO | libc::ECHONL),
                Change::PerKey => {
                    new.c_lflag &= !(libc::ECHO | libc::ECHONL | libc::ICANON);
                    new.c_cc[libc::VMIN] = 1;
                    new.c_cc[libc::VTIME] = 0;
                }
            }
            // SAFETY: `new` is a valid termios derived from the current one.
            unsafe { libc::tcsetattr(0, libc::TCSANOW, &new) };
            Some(Guard { old, outermost })
        }
    }

    impl Drop for Guard {
        fn drop(&mut self) {
            // SAFETY: `old` is the termios read from this terminal.
            unsafe { libc::tcsetattr(0, libc::TCSANOW, &self.old) };
            if self.outermost {
                SAVED_SET.store(false, Ordering::SeqCst);
            }
        }
    }

    /// Puts back the settings found before the first change (async-signal-safe).
    pub fn restore() {
        if SAVED_SET.load(Ordering::SeqCst) {
            // SAFETY: SAVED was initialised before SAVED_SET became true; tcsetattr is
            // async-signal-safe.
            unsafe {
                let saved = (*std::ptr::addr_of!(SAVED)).as_ptr();
                libc::tcsetattr(0, libc::TCSANOW, saved);
            }
        }
    }

    /// The width of the terminal on stderr (80 when unknown).
    pub fn width() -> usize {
        let mut ws = MaybeUninit::<libc::winsize>::zeroed();
        // SAFETY: TIOCGWINSZ fills a winsize, or fails and leaves it zeroed.
        let ok = unsafe { libc::ioctl(2, libc::TIOCGWINSZ, ws.as_mut_ptr()) } == 0;
        // SAFETY: zeroed is a valid winsize.
        let ws = unsafe { ws.assume_init() };
        if ok && ws.ws_col > 0 {
            ws.ws_col as usize
        } else {
            80
        }
    }

    extern "C" fn on_interrupt(sig: libc::c_int) {
        if super::COOPERATIVE.load(Ordering::SeqCst) > 0 && sig == libc::SIGINT {
            super::INTERRUPTED.store(true, Ordering::SeqCst);
            return;
        }
        restore();
        // SAFETY: signal and raise are async-signal-safe.
        unsafe {
            libc::signal(sig, libc::SIG_DFL);
            libc::raise(sig);
        }
    }

    pub fn install_handlers() {
        for sig in [libc::SIGINT, libc::SIGTERM, libc::SIGHUP] {
            // SAFETY: a zeroed sigaction with a handler, an empty mask and SA_RESTART is valid;
            // the handler only touches atomics and async-signal-safe calls.
            unsafe {
                let mut sa: libc::sigaction = std::mem::zeroed();
                sa.sa_sigaction = on_interrupt as extern "C" fn(libc::c_int) as libc::sighandler_t;
                sa.sa_flags = libc::SA_RESTART;
                libc::sigemptyset(&mut sa.sa_mask);
                libc::sigaction(sig, &sa, std::ptr::null_mut());
            }
        }
    }
}

#[cfg(not(unix))]
mod term {
    #[derive(Debug, Clone, Copy)]
    pub enum Change {
        NoEcho,
        PerKey,
    }

    /// Terminal modes are not changed on this platform.
    pub struct Guard;

    impl Guard {
        pub fn set(_: Change) -> Option<Guard> {
            None
        }
    }

    pub fn restore() {}

    pub fn width() -> usize {
        80
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

    #[test]
    fn long_lines_are_cut_and_the_typed_tail_shows() {
        assert_eq!(fit("abcdef", 10), "abcdef");
        assert_eq!(fit("abcdef", 4), "abc…");
        assert_eq!(tail("abcdef", 10), "abcdef");
        assert_eq!(tail("abcdef", 4), "…def");
        assert_eq!(tail("http://127.0.0.1/cb?code=x", 8).chars().count(), 8);
    }
}
