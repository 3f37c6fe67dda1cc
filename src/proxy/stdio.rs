//! The stdio side: one thread reads newline-delimited messages from stdin (a line over the limit is
//! skipped and reported), and one thread is the only writer of stdout, one whole message per line.

use std::io::{BufRead, BufReader, Read, Write};
use std::sync::Arc;
use tokio::sync::{mpsc, Notify};

/// What the reader saw.
#[derive(Debug)]
pub(crate) enum Input {
    Line(Vec<u8>),
    /// A line longer than the limit (its length so far), skipped.
    TooLarge(usize),
    /// End of input: the client closed stdin.
    Eof,
    Failed(std::io::Error),
}

/// Reads lines from `input` on a thread of its own and sends them to `tx`; blank lines are
/// skipped and a trailing CR is removed.
///
/// A proxy process asks no questions, so the ui's line reader, which starts only when a prompt
/// needs it, never competes with this one.
pub(crate) fn spawn_reader<R: Read + Send + 'static>(
    input: R,
    limit: usize,
    tx: mpsc::Sender<Input>,
) -> std::thread::JoinHandle<()> {
    std::thread::Builder::new()
        .name("stdin".into())
        .spawn(move || read_lines(input, limit, &tx))
        .expect("spawn the stdin thread")
}

fn read_lines<R: Read>(input: R, limit: usize, tx: &mpsc::Sender<Input>) {
    let mut r = BufReader::with_capacity(64 * 1024, input);
    let mut line = Vec::new();
    let mut skipped: Option<usize> = None;
    loop {
        let buf = match r.fill_buf() {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => {
                let _ = tx.blocking_send(Input::Failed(e));
                return;
            }
        };
        if buf.is_empty() {
            if skipped.is_none() && !line.is_empty() {
                // The last message may come without its newline.
                if deliver(tx, std::mem::take(&mut line)).is_err() {
                    return;
                }
            }
            let _ = tx.blocking_send(Input::Eof);
            return;
        }
        let (part, found) = match memchr::memchr(b'\n', buf) {
            Some(i) => (&buf[..i], Some(i + 1)),
            None => (buf, None),
        };
        match &mut skipped {
            Some(n) => *n += part.len(),
            None if line.len() + part.len() > limit => {
                skipped = Some(line.len() + part.len());
                line = Vec::new();
            }
            None => line.extend_from_slice(part),
        }
        let used = found.unwrap_or(buf.len());
        r.consume(used);
        if found.is_some() {
            let sent = match skipped.take() {
                Some(n) => tx.blocking_send(Input::TooLarge(n)).map_err(|_| ()),
                None => deliver(tx, std::mem::take(&mut line)),
            };
            if sent.is_err() {
                return;
            }
        }
    }
}

fn deliver(tx: &mpsc::Sender<Input>, mut line: Vec<u8>) -> Result<(), ()> {
    if line.last() == Some(&b'\r') {
        line.pop();
    }
    if line.iter().all(u8::is_ascii_whitespace) {
        return Ok(());
    }
    tx.blocking_send(Input::Line(line)).map_err(|_| ())
}

/// Writes every line received on `rx` to `output`, flushing when no other line is waiting.
/// When the output is closed (the client went away), `closed` is notified and the thread ends.
pub(crate) fn spawn_writer<W: Write + Send + 'static>(
    mut output: W,
    mut rx: mpsc::Receiver<Vec<u8>>,
    closed: Arc<Notify>,
) -> std::thread::JoinHandle<()> {
    std::thread::Builder::new()
        .name("stdout".into())
        .spawn(move || {
            while let Some(line) = rx.blocking_recv() {
                let ok = output.write_all(&line).and_then(|_| {
                    if rx.is_empty() {
                        output.flush()
                    } else {
                        Ok(())
                    }
                });
                if ok.is_err() {
                    closed.notify_one();
                    return;
                }
            }
            let _ = output.flush();
        })
        .expect("spawn the stdout thread")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read_all(input: &[u8], limit: usize) -> Vec<String> {
        let (tx, mut rx) = mpsc::channel(64);
        read_lines(std::io::Cursor::new(input.to_vec()), limit, &tx);
        drop(tx);
        let mut out = Vec::new();
        while let Some(i) = rx.blocking_recv() {
            out.push(match i {
                Input::Line(l) => String::from_utf8(l).unwrap(),
                Input::TooLarge(n) => format!("<too large: {n}>"),
                Input::Eof => "<eof>".to_string(),
                Input::Failed(e) => format!("<failed: {e}>"),
            });
        }
        out
    }

    #[test]
    fn lines_are_split_trimmed_and_bounded() {
        assert_eq!(
            read_all(b"{\"a\":1}\r\n\n  \n{\"b\":2}\n{\"c\":3}", 100),
            ["{\"a\":1}", "{\"b\":2}", "{\"c\":3}", "<eof>"]
        );
        let mut big = vec![b'x'; 300];
        big.extend_from_slice(b"\n{\"ok\":1}\n");
        assert_eq!(
            read_all(&big, 100),
            ["<too large: 300>", "{\"ok\":1}", "<eof>"]
        );
    }

    #[test]
    fn the_writer_reports_a_closed_output() {
        struct Closed;
        impl Write for Closed {
            fn write(&mut self, _: &[u8]) -> std::io::Result<usize> {
                Err(std::io::ErrorKind::BrokenPipe.into())
            }
            fn flush(&mut self) -> std::io::Result<()> {
                Ok(())
            }
        }
        let (tx, rx) = mpsc::channel(4);
        let closed = Arc::new(Notify::new());
        let t = spawn_writer(Closed, rx, closed.clone());
        tx.blocking_send(b"x\n".to_vec()).unwrap();
        t.join().unwrap();
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .build()
            .unwrap();
        // The permit was stored: this returns at once.
        rt.block_on(closed.notified());
    }
}
