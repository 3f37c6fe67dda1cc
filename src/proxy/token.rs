//! The access token the proxy sends: cached, checked against the store file on every request (one
//! `stat`), refreshed ahead of expiry and when the server rejects it, through [`ensure_fresh`].

use crate::app::Context;
use crate::error::{exit, Error};
use crate::secret::AccessToken;
use crate::session::{ensure_fresh, Policy};
use crate::store::TokenRecord;
use crate::time::{short_duration, Timestamp};
use reqwest::header::HeaderValue;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

/// Refresh at most this long before expiry (less for short-lived tokens: a quarter of the
/// lifetime).
const REFRESH_AHEAD: Duration = Duration::from_secs(120);

/// After a temporary refresh failure, a still-valid token is used without trying again for this
/// long.
const RETRY_AFTER_FAILURE: Duration = Duration::from_secs(10);

/// The token of one request.
#[derive(Debug)]
pub(crate) struct Bearer {
    pub token: AccessToken,
    /// `Bearer …`, marked sensitive.
    pub header: HeaderValue,
    expires_at: Timestamp,
    ahead: Duration,
}

impl Bearer {
    fn new(t: &TokenRecord) -> Option<Self> {
        let mut header =
            HeaderValue::from_str(&format!("Bearer {}", t.access_token.expose())).ok()?;
        header.set_sensitive(true);
        let lifetime = t
            .expires_at
            .0
            .duration_since(t.obtained_at.0)
            .unwrap_or_default();
        Some(Self {
            token: t.access_token.clone(),
            header,
            expires_at: t.expires_at,
            ahead: REFRESH_AHEAD.min(lifetime / 4),
        })
    }

    /// Valid for longer than the refresh margin.
    fn fresh(&self) -> bool {
        self.expires_at
            .remaining_at(Timestamp::now())
            .is_some_and(|r| r > self.ahead)
    }

    fn expired(&self) -> bool {
        self.expires_at.remaining_at(Timestamp::now()).is_none()
    }
}

/// Why no token can be had.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum TokenFailure {
    /// `figma-auth login` is needed (the message names the command).
    Login(String),
    /// The authorization server could not be asked right now.
    Temporary(String),
    /// Anything else (a damaged store, …); the message says what to fix.
    Failed(String),
}

impl TokenFailure {
    fn from_error(e: &Error, flags: &str) -> Self {
        let hint = e.hint(flags);
        match e.exit_code() {
            exit::LOGIN_REQUIRED => TokenFailure::Login(format!(
                "Figma login required: run `figma-auth login{flags}` in a terminal, then retry (the proxy picks the new login up without a restart). Reason: {}",
                crate::error::chain(e)
            )),
            exit::TEMPORARY | exit::BUSY => TokenFailure::Temporary(format!(
                "figma-auth could not refresh the Figma access token right now: {}; retry in a moment",
                crate::error::chain(e)
            )),
            _ => TokenFailure::Failed(match hint {
                Some(h) => format!(
                    "figma-auth cannot get an access token: {}; {h}",
                    crate::error::chain(e)
                ),
                None => format!(
                    "figma-auth cannot get an access token: {}",
                    crate::error::chain(e)
                ),
            }),
        }
    }

    pub(crate) fn message(&self) -> &str {
        match self {
            TokenFailure::Login(m) | TokenFailure::Temporary(m) | TokenFailure::Failed(m) => m,
        }
    }
}

/// The store file's identity: changes whenever the file is replaced or written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Stamp {
    len: u64,
    modified: Option<SystemTime>,
    #[cfg(unix)]
    ino: u64,
}

fn stamp(path: &std::path::Path) -> Option<Stamp> {
    let m = std::fs::metadata(path).ok()?;
    Some(Stamp {
        len: m.len(),
        modified: m.modified().ok(),
        #[cfg(unix)]
        ino: std::os::unix::fs::MetadataExt::ino(&m),
    })
}

#[derive(Default)]
struct State {
    /// The store as it was when `current` and `failure` were decided.
    stamp: Option<Stamp>,
    current: Option<Arc<Bearer>>,
    failure: Option<TokenFailure>,
    /// A temporary failure: do not ask again before this.
    quiet_until: Option<Instant>,
    /// The token that replaced one the server rejected, until the server accepts it. Rejected
    /// in turn, it means the server takes no token of this login (another --mcp-url than the
    /// login's, a revoked grant): no more refreshes until the store changes.
    replacement: Option<AccessToken>,
}

/// A login, a scheduled refresh or another proxy's refresh is picked up at once. A token that
/// expires soon (within a quarter of its lifetime, at most two minutes) is refreshed before use,
/// and a token the server rejects (401) is replaced, under the profile's store lock, so N proxies
/// and a scheduled refresh make one token request between them and a rotated refresh token is never
/// spent twice. Within one proxy, concurrent requests wait for one refresh.
///
/// A refresh that fails because a login is needed is remembered until the store changes: every
/// request gets the same error (naming `figma-auth login`) without touching the network, and the
/// first request after the user logged in goes through.
pub(crate) struct Tokens {
    ctx: Context,
    path: PathBuf,
    state: Mutex<State>,
    /// One refresh at a time in this process.
    refresh: tokio::sync::Mutex<()>,
    /// The threads of refreshes that may still run (joined at shutdown: a refresh in flight
    /// must save the rotated refresh token before the process ends).
    workers: Mutex<Vec<std::thread::JoinHandle<()>>>,
}

impl Tokens {
    /// One line on stderr (the client's log).
    pub(crate) fn log(&self, message: &str) {
        self.ctx
            .ui
            .line(format_args!("figma-auth proxy: {message}"));
    }

    pub(crate) fn new(ctx: Context) -> Self {
        Self {
            path: ctx.store.path(ctx.profile()),
            ctx,
            state: Mutex::new(State::default()),
            refresh: tokio::sync::Mutex::new(()),
            workers: Mutex::new(Vec::new()),
        }
    }

    /// The token for the next request: from memory when the store has not changed and it is
    /// fresh, else from the store, else refreshed.
    pub(crate) async fn get(&self) -> Result<Arc<Bearer>, TokenFailure> {
        if let Some(r) = self.cached(stamp(&self.path), None) {
            return r;
        }
        self.renew(None).await
    }

    /// The server rejected `used`: a token it may accept (another one, or a refreshed one).
    pub(crate) async fn rejected(&self, used: &Arc<Bearer>) -> Result<Arc<Bearer>, TokenFailure> {
        let twice = {
            let st = self.state.lock().expect("token state");
            st.replacement.as_ref() == Some(&used.token)
        };
        if twice {
            let f = TokenFailure::Login(format!(
                "the MCP server rejects the access token even after a refresh: run `figma-auth login{}` in a terminal, then retry (and check that --mcp-url is the server you logged in for)",
                self.ctx.flags()
            ));
            self.log(f.message());
            return self.remember(stamp(&self.path), Err(f));
        }
        let r = self.renew(Some(used.clone())).await;
        if let Ok(b) = &r {
            self.state.lock().expect("token state").replacement = Some(b.token.clone());
        }
        r
    }

    /// The server accepted `used`.
    pub(crate) fn accepted(&self, used: &Bearer) {
        let mut st = self.state.lock().expect("token state");
        if st.replacement.as_ref() == Some(&used.token) {
            st.replacement = None;
        }
    }

    /// The answer from memory, if memory can answer.
    fn cached(
        &self,
        now: Option<Stamp>,
        rejected: Option<&Arc<Bearer>>,
    ) -> Option<Result<Arc<Bearer>, TokenFailure>> {
        let st = self.state.lock().expect("token state");
        if st.stamp != now {
            return None;
        }
        if let Some(c) = &st.current {
            let usable = match rejected {
                None => c.fresh(),
                Some(r) => c.token != r.token && !c.expired(),
            };
            if usable {
                return Some(Ok(c.clone()));
            }
            let quiet = st.quiet_until.is_some_and(|t| Instant::now() < t);
            if quiet && rejected.is_none() && !c.expired() {
                return Some(Ok(c.clone()));
            }
        }
        match &st.failure {
            Some(f @ (TokenFailure::Login(_) | TokenFailure::Failed(_))) => Some(Err(f.clone())),
            Some(f @ TokenFailure::Temporary(_))
                if st.quiet_until.is_some_and(|t| Instant::now() < t) =>
            {
                Some(Err(f.clone()))
            }
            _ => None,
        }
    }

    async fn renew(&self, rejected: Option<Arc<Bearer>>) -> Result<Arc<Bearer>, TokenFailure> {
        let _one = self.refresh.lock().await;
        // Another request may have done it while this one waited.
        let now = stamp(&self.path);
        if let Some(r) = self.cached(now, rejected.as_ref()) {
            return r;
        }
        // The store may hold a usable token already (a login, another process's refresh).
        if let Ok(Some(data)) = self.ctx.store.load(self.ctx.profile())
            && let Some(b) = data.token.as_ref().and_then(Bearer::new)
        {
            let usable = match &rejected {
                None => b.fresh(),
                Some(r) => b.token != r.token && !b.expired(),
            };
            if usable && self.same_server(data.token.as_ref()) {
                return self.remember(now, Ok(Arc::new(b)));
            }
        }
        let policy = match &rejected {
            Some(r) => Policy::Rejected(r.token.clone()),
            None => {
                let ahead = self.stored_ahead();
                Policy::IfExpiringWithin(ahead)
            }
        };
        let result = self.run_refresh(policy).await;
        let now = stamp(&self.path);
        match result {
            Ok((record, refreshed)) => {
                let b = Bearer::new(&record).ok_or_else(|| {
                    TokenFailure::Failed(
                        "the stored access token cannot be sent in an HTTP header".into(),
                    )
                });
                let b = match b {
                    Ok(b) => b,
                    Err(f) => return self.remember(now, Err(f)),
                };
                if refreshed {
                    self.log(&format!(
                        "refreshed the access token (profile {}); it expires in {}",
                        self.ctx.profile(),
                        short_duration(
                            record
                                .expires_at
                                .remaining_at(Timestamp::now())
                                .unwrap_or_default()
                        )
                    ));
                }
                self.remember(now, Ok(Arc::new(b)))
            }
            Err(f) => {
                // A token that still works is better than an error (the next request tries again
                // after a pause).
                if let TokenFailure::Temporary(m) = &f {
                    let keep = self.state.lock().expect("token state").current.clone();
                    if let Some(c) = keep.filter(|c| {
                        !c.expired() && rejected.as_ref().is_none_or(|r| r.token != c.token)
                    }) {
                        self.log(&format!("{m}; using the current token until it expires"));
                        let mut st = self.state.lock().expect("token state");
                        st.quiet_until = Some(Instant::now() + RETRY_AFTER_FAILURE);
                        return Ok(c);
                    }
                }
                self.log(f.message());
                self.remember(now, Err(f))
            }
        }
    }

    fn remember(
        &self,
        now: Option<Stamp>,
        r: Result<Arc<Bearer>, TokenFailure>,
    ) -> Result<Arc<Bearer>, TokenFailure> {
        let mut st = self.state.lock().expect("token state");
        st.stamp = now;
        match &r {
            Ok(b) => {
                st.current = Some(b.clone());
                st.failure = None;
                st.quiet_until = None;
            }
            Err(f) => {
                st.failure = Some(f.clone());
                st.quiet_until = matches!(f, TokenFailure::Temporary(_))
                    .then(|| Instant::now() + RETRY_AFTER_FAILURE);
                if !matches!(f, TokenFailure::Temporary(_)) {
                    st.current = None;
                }
            }
        }
        r
    }

    /// The refresh margin of the stored token (what [`Bearer::fresh`] uses).
    fn stored_ahead(&self) -> Duration {
        self.ctx
            .store
            .load(self.ctx.profile())
            .ok()
            .flatten()
            .and_then(|d| d.token)
            .and_then(|t| Bearer::new(&t))
            .map(|b| b.ahead)
            .unwrap_or(REFRESH_AHEAD)
    }

    fn same_server(&self, token: Option<&TokenRecord>) -> bool {
        match (&self.ctx.global.auth_server, token) {
            (Some(a), Some(t)) => crate::oauth::issuer_string(a) == t.auth_server,
            _ => true,
        }
    }

    /// [`ensure_fresh`] on a thread of its own (it blocks: the store lock, the token request).
    async fn run_refresh(&self, policy: Policy) -> Result<(TokenRecord, bool), TokenFailure> {
        let (tx, rx) = tokio::sync::oneshot::channel();
        let ctx = self.ctx.clone();
        let handle = std::thread::Builder::new()
            .name("refresh".into())
            .spawn(move || {
                let flags = ctx.flags();
                let r = ensure_fresh(&ctx, policy)
                    .map(|f| (f.token, f.refreshed))
                    .map_err(|e| TokenFailure::from_error(&e, &flags));
                let _ = tx.send(r);
            })
            .map_err(|e| TokenFailure::Failed(format!("cannot start a thread: {e}")))?;
        {
            let mut w = self.workers.lock().expect("workers");
            w.retain(|h| !h.is_finished());
            w.push(handle);
        }
        rx.await.unwrap_or_else(|_| {
            Err(TokenFailure::Failed(
                "the token refresh ended unexpectedly".into(),
            ))
        })
    }

    /// Waits for a refresh in flight (so that a rotated refresh token is saved before exit).
    pub(crate) fn finish(&self) {
        let running = std::mem::take(&mut *self.workers.lock().expect("workers"));
        for h in running {
            let _ = h.join();
        }
    }

    /// A short description of the stored login, for the start-up line (never the token).
    pub(crate) fn describe(&self) -> Option<String> {
        match self.ctx.store.load(self.ctx.profile()) {
            Ok(Some(d)) if d.token.is_some() => None,
            _ => Some(format!(
                "not logged in (profile {}): run `figma-auth login{}`; requests fail until then",
                self.ctx.profile(),
                self.ctx.flags()
            )),
        }
    }
}
