//! The real binary on a pseudo-terminal, as a user runs it: the pty is its controlling terminal
//! (stdin, stdout and stderr), with echo and line editing on, so Ctrl-C, hidden input and
//! per-key input behave as they do for a person. Everything it prints is kept as bytes and drawn
//! on a vt100 screen, so a test can check what the user saw.

use super::{Out, TestEnv, WAIT};
use portable_pty::{Child, CommandBuilder, MasterPty, PtySize};
use std::io::{Read, Write};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

pub const ROWS: u16 = 40;
pub const COLS: u16 = 100;

pub struct Term {
    child: Box<dyn Child + Send + Sync>,
    master: Box<dyn MasterPty + Send>,
    writer: Box<dyn Write + Send>,
    shared: Arc<Mutex<Shared>>,
    status: Option<portable_pty::ExitStatus>,
}

struct Shared {
    bytes: Vec<u8>,
    screen: vt100::Parser,
    /// The pty was closed (the binary and every process holding the terminal ended).
    closed: bool,
}

impl TestEnv {
    /// Starts the binary with `args` on a new pseudo-terminal, with this environment's
    /// variables and `TERM=xterm-256color`.
    pub fn pty(&self, args: &[&str]) -> Term {
        self.pty_in(&self.path("home"), args)
    }

    /// [`TestEnv::pty`] with `cwd` as the working directory.
    pub fn pty_in(&self, cwd: &std::path::Path, args: &[&str]) -> Term {
        let std_cmd = self.command(args);
        let mut cmd = CommandBuilder::new(std_cmd.get_program());
        cmd.args(std_cmd.get_args());
        cmd.env_clear();
        for (k, v) in std_cmd.get_envs() {
            match v {
                Some(v) => cmd.env(k, v),
                None => cmd.env_remove(k),
            }
        }
        if !self.vars.contains_key("TERM") {
            cmd.env("TERM", "xterm-256color");
        }
        cmd.cwd(cwd);
        let pair = portable_pty::native_pty_system()
            .openpty(PtySize {
                rows: ROWS,
                cols: COLS,
                pixel_width: 0,
                pixel_height: 0,
            })
            .expect("open a pty");
        let child = pair.slave.spawn_command(cmd).expect("start figma-auth");
        // Only the child holds the terminal now: reading ends when it is gone.
        drop(pair.slave);
        let mut reader = pair.master.try_clone_reader().unwrap();
        let writer = pair.master.take_writer().unwrap();
        let shared = Arc::new(Mutex::new(Shared {
            bytes: Vec::new(),
            screen: vt100::Parser::new(
                std::num::NonZeroU16::new(ROWS).unwrap(),
                std::num::NonZeroU16::new(COLS).unwrap(),
                0,
            ),
            closed: false,
        }));
        let s = Arc::clone(&shared);
        std::thread::spawn(move || {
            let mut buf = [0u8; 4096];
            loop {
                match reader.read(&mut buf) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => {
                        let mut s = s.lock().unwrap();
                        s.bytes.extend_from_slice(&buf[..n]);
                        s.screen.process(&buf[..n]);
                    }
                }
            }
            s.lock().unwrap().closed = true;
        });
        Term {
            child,
            master: pair.master,
            writer,
            shared,
            status: None,
        }
    }
}

impl Term {
    /// Everything printed so far, escape sequences removed.
    pub fn text(&self) -> String {
        strip_escapes(&String::from_utf8_lossy(&self.shared.lock().unwrap().bytes))
    }

    /// Everything printed so far, as bytes.
    pub fn raw(&self) -> Vec<u8> {
        self.shared.lock().unwrap().bytes.clone()
    }

    /// The screen as the user sees it now.
    pub fn screen(&self) -> String {
        self.shared.lock().unwrap().screen.screen().contents()
    }

    /// The screen row the cursor is on.
    pub fn cursor_line(&self) -> String {
        let s = self.shared.lock().unwrap();
        let (row, _) = s.screen.screen().cursor_position();

        s.screen
            .screen()
            .rows(0, COLS)
            .nth(row as usize)
            .unwrap_or_default()
    }

    /// The colour and boldness of the first character of the first screen line that starts
    /// with `prefix` (after leading spaces).
    pub fn style_of(&self, prefix: &str) -> Option<(vt100::Color, bool)> {
        let s = self.shared.lock().unwrap();
        let screen = s.screen.screen();
        let (row, line) = screen
            .rows(0, COLS)
            .enumerate()
            .find(|(_, l)| l.trim_start().starts_with(prefix))?;
        let col = line.len() - line.trim_start().len();
        let cell = screen.cell(row as u16, col as u16)?;
        Some((cell.fgcolor(), cell.bold()))
    }

    /// Waits until `pred` holds for the text printed so far; panics with the screen after
    /// [`WAIT`].
    pub fn wait_for(&self, what: &str, pred: impl Fn(&str) -> bool) -> String {
        let deadline = Instant::now() + WAIT;
        loop {
            let text = self.text();
            if pred(&text) {
                return text;
            }
            let closed = self.shared.lock().unwrap().closed;
            assert!(
                !closed && Instant::now() < deadline,
                "waited for {what}; the terminal shows:\n{}\n--- all output:\n{text}",
                self.screen()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Waits until the output contains `needle`.
    pub fn expect(&self, needle: &str) -> String {
        self.wait_for(&format!("{needle:?}"), |t| t.contains(needle))
    }

    /// Types `text` (a `\r` is the Enter key, `\x03` Ctrl-C).
    pub fn send(&mut self, text: &str) {
        self.writer.write_all(text.as_bytes()).unwrap();
        self.writer.flush().unwrap();
    }

    /// Waits for the binary to exit by itself; kills it and panics after [`WAIT`].
    pub fn wait_exit(&mut self) -> portable_pty::ExitStatus {
        if let Some(s) = &self.status {
            return s.clone();
        }
        let deadline = Instant::now() + WAIT;
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                // Let the reader drain what was printed last.
                let until = Instant::now() + Duration::from_secs(10);
                while !self.shared.lock().unwrap().closed && Instant::now() < until {
                    std::thread::sleep(Duration::from_millis(10));
                }
                self.status = Some(status.clone());
                return status;
            }
            if Instant::now() >= deadline {
                let _ = self.child.kill();
                panic!(
                    "figma-auth did not exit; the terminal shows:\n{}",
                    self.screen()
                );
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// The terminal's settings now, as `stty -a` prints them.
    pub fn stty(&self) -> String {
        let name = self.master.tty_name().expect("the pty has a name");
        let o = std::process::Command::new("stty")
            .arg("-F")
            .arg(&name)
            .arg("-a")
            .output()
            .expect("run stty");
        String::from_utf8_lossy(&o.stdout).into_owned()
    }

    /// Echo and line editing are on, as before the binary ran.
    pub fn assert_terminal_restored(&self) {
        let settings = self.stty();
        let words: Vec<&str> = settings.split_whitespace().collect();
        for flag in ["echo", "icanon", "isig"] {
            assert!(
                words.contains(&flag),
                "the terminal was left without {flag}: {settings}"
            );
        }
    }

    /// The output as an [`Out`] (all on stdout) for the leak check.
    pub fn out(&mut self) -> Out {
        let code = self.wait_exit().exit_code() as i32;
        Out::printed(code, self.text())
    }
}

impl Drop for Term {
    fn drop(&mut self) {
        if self.status.is_none() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// `text` without CSI and two-byte escape sequences, and without carriage returns.
pub fn strip_escapes(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\x1b' => match chars.next() {
                Some('[') => {
                    for c in chars.by_ref() {
                        if ('\x40'..='\x7e').contains(&c) {
                            break;
                        }
                    }
                }
                Some(']') => {
                    for c in chars.by_ref() {
                        if c == '\x07' {
                            break;
                        }
                    }
                }
                _ => {}
            },
            '\r' => {}
            c => out.push(c),
        }
    }
    out
}
