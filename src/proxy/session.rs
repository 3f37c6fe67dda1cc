//! The MCP session the proxy holds on the client's behalf: the server's `Mcp-Session-Id`, the
//! protocol version it chose, and the client's `initialize` kept to re-establish an expired session
//! unnoticed.

use reqwest::header::HeaderValue;
use std::sync::Mutex;

/// The session headers of one request.
#[derive(Debug, Clone, Default)]
pub(crate) struct Snapshot {
    pub id: Option<HeaderValue>,
    pub protocol: Option<HeaderValue>,
    pub generation: u64,
}

#[derive(Default)]
struct State {
    now: Snapshot,
    initialize: Option<Vec<u8>>,
    initialized: Option<Vec<u8>>,
}

/// The protocol version is sent as `MCP-Protocol-Version` on every later request; the client's
/// `initialize` and `notifications/initialized` are replayed after a 404. Each new session gets a
/// new generation number, so concurrent requests that all saw the same 404 start one new session
/// between them.
#[derive(Default)]
pub(crate) struct Session {
    state: Mutex<State>,
    /// Held while a new session is being started.
    pub restart: tokio::sync::Mutex<()>,
}

impl Session {
    pub(crate) fn snapshot(&self) -> Snapshot {
        self.state.lock().expect("session").now.clone()
    }

    pub(crate) fn generation(&self) -> u64 {
        self.state.lock().expect("session").now.generation
    }

    /// The client sent `initialize` (as it goes to the server): a new session begins.
    pub(crate) fn client_initialize(&self, body: &[u8]) {
        let mut st = self.state.lock().expect("session");
        st.initialize = Some(body.to_vec());
        st.initialized = None;
        st.now.id = None;
        st.now.protocol = None;
    }

    /// The client sent `notifications/initialized`.
    pub(crate) fn client_initialized(&self, body: &[u8]) {
        self.state.lock().expect("session").initialized = Some(body.to_vec());
    }

    /// The server answered `initialize`: its session id (if it keeps sessions) and the
    /// protocol version it chose. Returns the new generation.
    pub(crate) fn started(&self, id: Option<HeaderValue>, protocol: Option<&str>) -> u64 {
        let mut st = self.state.lock().expect("session");
        st.now.id = id;
        st.now.protocol = protocol.and_then(|p| HeaderValue::from_str(p).ok());
        st.now.generation += 1;
        st.now.generation
    }

    /// What to replay to start a new session: the client's `initialize` and, once sent, its
    /// `notifications/initialized`. Clears the expired session id.
    pub(crate) fn replay(&self) -> Option<(Vec<u8>, Option<Vec<u8>>)> {
        let mut st = self.state.lock().expect("session");
        let init = st.initialize.clone()?;
        st.now.id = None;
        st.now.protocol = None;
        Some((init, st.initialized.clone()))
    }

    /// The session to close at the end, if the server keeps sessions.
    pub(crate) fn take_for_close(&self) -> Option<Snapshot> {
        let mut st = self.state.lock().expect("session");
        st.now.id.as_ref()?;
        let snap = st.now.clone();
        st.now.id = None;
        Some(snap)
    }
}

/// A session id as a header value: visible ASCII only (0x21–0x7E), as the specification
/// requires; anything else is ignored.
pub(crate) fn session_header(v: &HeaderValue) -> Option<HeaderValue> {
    let b = v.as_bytes();
    (!b.is_empty() && b.len() <= 1024 && b.iter().all(|c| (0x21..=0x7e).contains(c)))
        .then(|| v.clone())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_session_starts_expires_and_is_replayed() {
        let s = Session::default();
        assert!(s.replay().is_none(), "nothing to replay before initialize");
        s.client_initialize(b"{init}");
        let g = s.started(Some(HeaderValue::from_static("abc")), Some("2025-11-25"));
        s.client_initialized(b"{initialized}");
        let snap = s.snapshot();
        assert_eq!(snap.id.as_ref().unwrap(), "abc");
        assert_eq!(snap.protocol.as_ref().unwrap(), "2025-11-25");
        assert_eq!(snap.generation, g);
        let (init, done) = s.replay().unwrap();
        assert_eq!(init, b"{init}");
        assert_eq!(done.unwrap(), b"{initialized}");
        assert!(s.snapshot().id.is_none());
        assert_eq!(
            s.started(Some(HeaderValue::from_static("def")), None),
            g + 1
        );
        assert_eq!(s.take_for_close().unwrap().id.unwrap(), "def");
        assert!(s.take_for_close().is_none());
    }

    #[test]
    fn session_ids_must_be_visible_ascii() {
        assert!(session_header(&HeaderValue::from_static("a-1_B~")).is_some());
        assert!(session_header(&HeaderValue::from_static("a b")).is_none());
        assert!(session_header(&HeaderValue::from_static("")).is_none());
    }
}
