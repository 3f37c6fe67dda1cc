//! Terminal modes (termios: no echo for a hidden prompt, per-key input during a wait), the width
//! of the terminal, and the signal handlers that put the terminal back before the process ends.

#[cfg(not(unix))]
pub(super) use other::*;
#[cfg(unix)]
pub(super) use unix::*;

// Terminal modes and signal dispositions are C interfaces without a safe wrapper in the
// dependency tree: every `unsafe` block below says why it is sound.
#[cfg(unix)]
#[allow(unsafe_code)]
mod unix {
    use std::mem::MaybeUninit;
    use std::sync::atomic::{AtomicBool, Ordering};

    /// How a [`Guard`] changes the terminal on stdin.
    #[derive(Debug, Clone, Copy)]
    pub(crate) enum Change {
        /// Lines as usual, without echo (a hidden prompt).
        NoEcho,
        /// Every key delivered at once, without echo; Ctrl-C still interrupts.
        PerKey,
    }

    /// The settings found before the first change, for the signal handlers.
    static mut SAVED: MaybeUninit<libc::termios> = MaybeUninit::uninit();
    static SAVED_SET: AtomicBool = AtomicBool::new(false);

    /// Puts the terminal back as it was on drop.
    pub(crate) struct Guard {
        old: libc::termios,
        outermost: bool,
    }

    impl Guard {
        /// Applies `change` to the terminal on stdin; `None` when stdin is not a terminal.
        pub(crate) fn set(change: Change) -> Option<Guard> {
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
    pub(crate) fn restore() {
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
    pub(crate) fn width() -> usize {
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
        if super::super::input::COOPERATIVE.load(Ordering::SeqCst) > 0 && sig == libc::SIGINT {
            super::super::input::INTERRUPTED.store(true, Ordering::SeqCst);
            return;
        }
        restore();
        die_by(sig);
    }

    /// Ends the process by `sig` with its default disposition (as it would end without a
    /// handler, so a calling shell sees the signal); returns only if the signal is ignored or
    /// blocked.
    pub(crate) fn die_by(sig: libc::c_int) {
        // SAFETY: resetting a signal's disposition and raising it have no memory-safety
        // conditions, and both are async-signal-safe.
        unsafe {
            libc::signal(sig, libc::SIG_DFL);
            libc::raise(sig);
        }
    }

    pub(crate) fn install_handlers() {
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
mod other {
    #[derive(Debug, Clone, Copy)]
    pub(crate) enum Change {
        NoEcho,
        PerKey,
    }

    /// Terminal modes are not changed on this platform.
    pub(crate) struct Guard;

    impl Guard {
        pub(crate) fn set(_: Change) -> Option<Guard> {
            None
        }
    }

    pub(crate) fn restore() {}

    pub(crate) fn width() -> usize {
        80
    }
}
