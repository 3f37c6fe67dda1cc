//! An incremental `text/event-stream` parser: fed network chunks, it hands out each event as soon
//! as its blank line is seen, with bounded memory (an event over the limit is an error).

/// One dispatched event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Event {
    /// The `event` field; empty means `message`.
    pub kind: String,
    /// The `data` lines joined by `\n`.
    pub data: Vec<u8>,
}

impl Event {
    /// An MCP message event (`event: message` or no event type).
    pub(crate) fn is_message(&self) -> bool {
        self.kind.is_empty() || self.kind == "message"
    }
}

/// The stream carried an event (or a line) larger than the limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct TooLarge {
    pub limit: usize,
}

/// The WHATWG event stream interpretation: lines end with LF, CRLF or CR (also split across
/// chunks); `:` lines are comments; `data` lines are joined with `\n`; `id` and `retry` are
/// remembered for resuming the stream.
#[derive(Debug)]
pub(crate) struct Parser {
    limit: usize,
    /// The current, unfinished line.
    line: Vec<u8>,
    /// The last chunk ended with CR: a LF starting the next one belongs to it.
    after_cr: bool,
    data: Vec<u8>,
    has_data: bool,
    kind: String,
    /// The `id` of the last dispatched event or of the event being read (the stream's cursor).
    last_id: Option<String>,
    /// The last `retry` value, in milliseconds.
    retry_ms: Option<u64>,
    started: bool,
}

impl Parser {
    /// A parser that refuses events (data plus the line being read) larger than `limit` bytes.
    pub(crate) fn new(limit: usize) -> Self {
        Self {
            limit,
            line: Vec::new(),
            after_cr: false,
            data: Vec::new(),
            has_data: false,
            kind: String::new(),
            last_id: None,
            retry_ms: None,
            started: false,
        }
    }

    /// The `Last-Event-ID` to resume the stream with.
    pub(crate) fn last_id(&self) -> Option<&str> {
        self.last_id.as_deref().filter(|s| !s.is_empty())
    }

    /// The reconnection delay the server asked for.
    pub(crate) fn retry_ms(&self) -> Option<u64> {
        self.retry_ms
    }

    /// Feeds one chunk; `emit` gets every event completed by it, in order.
    pub(crate) fn feed(
        &mut self,
        mut chunk: &[u8],
        emit: &mut dyn FnMut(Event),
    ) -> Result<(), TooLarge> {
        if !self.started && !chunk.is_empty() {
            self.started = true;
            chunk = chunk.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(chunk);
        }
        if self.after_cr {
            self.after_cr = false;
            chunk = chunk.strip_prefix(b"\n").unwrap_or(chunk);
        }
        while let Some(end) = memchr::memchr2(b'\n', b'\r', chunk) {
            let (head, rest) = chunk.split_at(end);
            if self.line.is_empty() {
                self.check(head.len())?;
                self.process_line(head, emit)?;
            } else {
                self.push_partial(head)?;
                let line = std::mem::take(&mut self.line);
                let r = self.process_line(&line, emit);
                self.line = line;
                self.line.clear();
                r?;
            }
            chunk = match (rest[0], rest.get(1)) {
                (b'\r', Some(b'\n')) => &rest[2..],
                (b'\r', None) => {
                    self.after_cr = true;
                    &rest[1..]
                }
                _ => &rest[1..],
            };
        }
        self.push_partial(chunk)
    }

    fn check(&self, more: usize) -> Result<(), TooLarge> {
        if self.line.len() + more + self.data.len() > self.limit {
            return Err(TooLarge { limit: self.limit });
        }
        Ok(())
    }

    fn push_partial(&mut self, bytes: &[u8]) -> Result<(), TooLarge> {
        self.check(bytes.len())?;
        self.line.extend_from_slice(bytes);
        Ok(())
    }

    fn process_line(&mut self, line: &[u8], emit: &mut dyn FnMut(Event)) -> Result<(), TooLarge> {
        if line.is_empty() {
            self.dispatch(emit);
            return Ok(());
        }
        if line[0] == b':' {
            return Ok(());
        }
        let (field, value) = match memchr::memchr(b':', line) {
            Some(i) => {
                let v = &line[i + 1..];
                (&line[..i], v.strip_prefix(b" ").unwrap_or(v))
            }
            None => (line, &[][..]),
        };
        match field {
            b"data" => {
                if self.data.len() + value.len() + 1 > self.limit {
                    return Err(TooLarge { limit: self.limit });
                }
                if self.has_data {
                    self.data.push(b'\n');
                }
                self.data.extend_from_slice(value);
                self.has_data = true;
            }
            b"event" => self.kind = String::from_utf8_lossy(value).into_owned(),
            b"id" if !value.contains(&0) => {
                self.last_id = Some(String::from_utf8_lossy(value).into_owned());
            }
            b"retry" if !value.is_empty() && value.iter().all(u8::is_ascii_digit) => {
                self.retry_ms = std::str::from_utf8(value).ok().and_then(|s| s.parse().ok());
            }
            _ => {}
        }
        Ok(())
    }

    fn dispatch(&mut self, emit: &mut dyn FnMut(Event)) {
        let kind = std::mem::take(&mut self.kind);
        if !self.has_data {
            self.data.clear();
            return;
        }
        self.has_data = false;
        let data = std::mem::take(&mut self.data);
        emit(Event { kind, data });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn events(chunks: &[&[u8]]) -> (Vec<Event>, Parser) {
        let mut p = Parser::new(1024);
        let mut out = Vec::new();
        for c in chunks {
            p.feed(c, &mut |e| out.push(e)).unwrap();
        }
        (out, p)
    }

    fn data(e: &[Event]) -> Vec<String> {
        e.iter()
            .map(|e| String::from_utf8(e.data.clone()).unwrap())
            .collect()
    }

    #[test]
    fn events_end_at_blank_lines_and_data_lines_join() {
        let (e, p) = events(&[b"id: 7\nevent: message\ndata: {\"a\":\ndata: 1}\n\ndata: x\n\n"]);
        assert_eq!(data(&e), ["{\"a\":\n1}", "x"]);
        assert!(e.iter().all(Event::is_message));
        assert_eq!(p.last_id(), Some("7"));
    }

    #[test]
    fn any_split_of_any_line_ending_gives_the_same_events() {
        let text: &[u8] = b"\xEF\xBB\xBF: comment\r\nid:a1\r\ndata:one\r\n\r\nretry: 1500\rdata: two\r\rdata:three\n\nevent: ping\ndata: p\n\n";
        let (whole, p) = events(&[text]);
        assert_eq!(data(&whole), ["one", "two", "three", "p"]);
        assert_eq!(whole[3].kind, "ping");
        assert!(!whole[3].is_message());
        assert_eq!(p.retry_ms(), Some(1500));
        for cut in 0..text.len() {
            for cut2 in cut..text.len() {
                let (parts, _) = events(&[&text[..cut], &text[cut..cut2], &text[cut2..]]);
                assert_eq!(parts, whole, "cut at {cut} and {cut2}");
            }
        }
    }

    #[test]
    fn an_event_without_data_only_moves_the_cursor() {
        let (e, p) = events(&[b"id: prime-1\ndata:\n\n", b"id: prime-2\n\n"]);
        // `data:` with an empty value is an event with empty data (the priming event).
        assert_eq!(data(&e), [""]);
        assert_eq!(p.last_id(), Some("prime-2"));
    }

    #[test]
    fn an_unfinished_event_is_not_dispatched() {
        let (e, _) = events(&[b"data: half"]);
        assert!(e.is_empty());
    }

    #[test]
    fn oversized_events_are_refused() {
        let mut p = Parser::new(16);
        let r = p.feed(b"data: 0123456789\ndata: 0123456789\n\n", &mut |_| {});
        assert_eq!(r, Err(TooLarge { limit: 16 }));
        let mut p = Parser::new(16);
        let r = p.feed(&[b'x'; 40], &mut |_| {});
        assert_eq!(r, Err(TooLarge { limit: 16 }));
    }
}
