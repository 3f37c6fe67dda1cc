//! The one stdin reader: a thread that reads stdin for the whole process and cuts it into lines
//! (applying backspace, Ctrl-U and Ctrl-W itself while the terminal is in per-key mode), and
//! Ctrl-C, which a wait in progress handles itself and which otherwise ends the process.

use super::term;
use std::io::{self, Read};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, TryRecvError};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

/// Lines of stdin, read by one thread for the whole process, and the line being typed while a
/// [`Waiting`] shows it.
pub(super) struct Reader {
    lines: Mutex<Receiver<Option<String>>>,
    closed: AtomicBool,
    pub(super) typed: Arc<Typed>,
}

/// The partial line of the per-key mode, and a counter that changes with it.
#[derive(Default)]
pub(super) struct Typed {
    text: Mutex<Vec<u8>>,
    pub(super) version: AtomicU64,
}

impl Typed {
    pub(super) fn set(&self, bytes: &[u8]) {
        let mut t = self.text.lock().unwrap_or_else(|e| e.into_inner());
        if *t != bytes {
            t.clear();
            t.extend_from_slice(bytes);
            self.version.fetch_add(1, Ordering::SeqCst);
        }
    }

    pub(super) fn get(&self) -> String {
        String::from_utf8_lossy(&self.text.lock().unwrap_or_else(|e| e.into_inner())).into_owned()
    }
}

/// The process's reader, started on first use.
pub(super) fn reader() -> &'static Reader {
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
    pub(super) fn recv(&self, timeout: Duration) -> Option<Option<String>> {
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
    pub(super) fn poll(&self) -> Option<Option<String>> {
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

/// Waits in progress that handle Ctrl-C themselves.
pub(super) static COOPERATIVE: AtomicUsize = AtomicUsize::new(0);
/// Ctrl-C arrived during such a wait and was not handled yet.
pub(super) static INTERRUPTED: AtomicBool = AtomicBool::new(false);

/// While one lives, Ctrl-C is recorded for the waiting code instead of ending the process.
pub(super) struct Cooperative;

impl Cooperative {
    pub(super) fn enter() -> Self {
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
pub(super) fn take_interrupt() -> bool {
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
    term::die_by(libc::SIGINT);
    std::process::exit(130)
}
