//! Progress on a terminal: one line on stderr, redrawn, only when stderr is a
//! terminal (never in CI logs, never in machine-readable output).

use std::io::{IsTerminal, Write};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Where the scan reports how far it is.
pub trait ProgressSink: Send + Sync {
    /// `done` of `total` (address, port) positions, `open` services found.
    fn update(&self, done: u64, total: u128, open: u64);
    /// The scan is over: clear what `update` drew. Does nothing by default.
    fn finish(&self) {}
}

/// Reports nothing.
pub struct Silent;

impl ProgressSink for Silent {
    fn update(&self, _: u64, _: u128, _: u64) {}
}

/// A redrawn status line on stderr, at most ten times a second.
pub struct TerminalProgress {
    last: Mutex<Option<Instant>>,
}

impl TerminalProgress {
    /// `None` when stderr is not a terminal, or under CI.
    pub fn new() -> Option<TerminalProgress> {
        let wanted = std::io::stderr().is_terminal() && std::env::var_os("CI").is_none();
        wanted.then(|| TerminalProgress {
            last: Mutex::new(None),
        })
    }
}

impl ProgressSink for TerminalProgress {
    fn update(&self, done: u64, total: u128, open: u64) {
        let mut last = self.last.lock().unwrap_or_else(|p| p.into_inner());
        if last.is_some_and(|t| t.elapsed() < Duration::from_millis(100)) {
            return;
        }
        *last = Some(Instant::now());
        let pct = if total == 0 {
            100.0
        } else {
            done as f64 * 100.0 / total as f64
        };
        let mut err = std::io::stderr().lock();
        // A failed progress write must not disturb the scan.
        let _ignored = write!(
            err,
            "\r\x1b[2Kscanning {done}/{total} ({pct:.0}%), {open} open"
        );
        let _ignored = err.flush();
    }

    fn finish(&self) {
        let mut err = std::io::stderr().lock();
        let _ignored = write!(err, "\r\x1b[2K");
        let _ignored = err.flush();
    }
}
