//! Crash handling: the panic hook that never prints a panic's message (it can hold a secret),
//! and the work counters that tests read to prove a check linear. The panic points of the fault
//! injection are [`crate::fs::fault::panic_point`], re-exported here for the commands.

pub(crate) use crate::fs::fault::panic_point;

/// Key comparisons made by the duplicate-key checks of the editors, counted in debug builds so
/// that a test can prove the checks linear without timing them (`FIGMA_AUTH_COUNTERS=1` prints
/// the count at exit: [`print_counters`]). Release builds count nothing.
#[cfg(debug_assertions)]
static KEY_COMPARISONS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

/// Adds `n` to the key-comparison counter (debug builds only).
#[inline]
pub(crate) fn count_key_comparisons(n: usize) {
    #[cfg(debug_assertions)]
    KEY_COMPARISONS.fetch_add(n as u64, std::sync::atomic::Ordering::Relaxed);
    #[cfg(not(debug_assertions))]
    let _ = n;
}

/// Splices written from a copy made while the file was planned ([`crate::fs::prefetch`]),
/// counted in debug builds so that a test can prove a large file takes that path.
#[cfg(debug_assertions)]
static PREFETCHED_SPLICES: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

/// Counts one prefetched splice (debug builds only).
#[inline]
pub(crate) fn count_prefetched_splice() {
    #[cfg(debug_assertions)]
    PREFETCHED_SPLICES.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
}

/// With `FIGMA_AUTH_COUNTERS=1` in a debug build, prints `figma-auth counters:
/// key-comparisons=<n>` and `figma-auth counters: prefetched-splices=<n>` on stderr (called by
/// `main` before it exits).
pub fn print_counters(ui: &crate::ui::Ui) {
    #[cfg(debug_assertions)]
    if std::env::var_os("FIGMA_AUTH_COUNTERS").is_some_and(|v| v == "1") {
        use std::sync::atomic::Ordering::Relaxed;
        ui.line(format_args!(
            "figma-auth counters: key-comparisons={}",
            KEY_COMPARISONS.load(Relaxed)
        ));
        ui.line(format_args!(
            "figma-auth counters: prefetched-splices={}",
            PREFETCHED_SPLICES.load(Relaxed)
        ));
    }
    #[cfg(not(debug_assertions))]
    let _ = ui;
}

/// The environment variable that makes the panic hook print the panic's message.
pub(crate) const PANIC_DETAILS_VAR: &str = "FIGMA_AUTH_PANIC_DETAILS";

/// Replaces the default panic hook (which prints the panic's message, and messages can quote
/// values, tokens included) with one that names only the source location, and the backtrace when
/// `RUST_BACKTRACE` asks for it (symbol names, no values). With `FIGMA_AUTH_PANIC_DETAILS=1` the
/// message is printed too, for a developer reproducing a crash.
pub fn install_panic_hook() {
    std::panic::set_hook(Box::new(|info| {
        let location = info
            .location()
            .map(|l| format!(" at {}:{}", l.file(), l.line()))
            .unwrap_or_default();
        let mut text = format!(
            "figma-auth crashed{location}. This is a bug: please report it with the command you ran.\n\
             The crash message is not shown because it could contain a credential; set {PANIC_DETAILS_VAR}=1 to see it.\n"
        );
        if std::env::var_os(PANIC_DETAILS_VAR).is_some_and(|v| v == "1") {
            let msg = info
                .payload()
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| info.payload().downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "(no message)".to_string());
            text.push_str(&format!("message: {msg}\n"));
        }
        let bt = std::backtrace::Backtrace::capture();
        if bt.status() == std::backtrace::BacktraceStatus::Captured {
            text.push_str(&format!("backtrace:\n{bt}\n"));
        }
        use std::io::Write;
        let _ = std::io::stderr().lock().write_all(text.as_bytes());
    }));
}
