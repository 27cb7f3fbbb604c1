//! The open-file limit: every connection in flight (and every lab device's
//! socket) is one open file. The soft limit is raised to the hard one at
//! start, and the scan sizes its window of jobs in flight from it.

use nix::sys::resource::{Resource, getrlimit, setrlimit};

/// Files kept free for what is not a connection of the window: the
/// runtime, the outputs, the history and audit files, DNS, the log.
pub const RESERVED_FILES: u64 = 128;

/// A job in flight may hold more than one connection (a follow-up while
/// the first one is still open): the window gets this share of the files.
pub const FILES_PER_JOB: u64 = 2;

/// The open-file limit after [`raise`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FileLimit {
    /// The soft limit in force.
    pub soft: u64,
    /// The hard limit (`u64::MAX` when unlimited).
    pub hard: u64,
    /// The soft limit before it was raised (equal to `soft` when it was
    /// already at the hard limit, or could not be raised).
    pub before: u64,
}

impl FileLimit {
    /// The jobs in flight these files allow.
    pub fn window(&self) -> u64 {
        self.window_for(FILES_PER_JOB)
    }

    /// The jobs in flight these files allow when a job holds at most
    /// `per_job` files (none: the files set no bound).
    pub fn window_for(&self, per_job: u64) -> u64 {
        match per_job {
            0 => u64::MAX,
            n => (self.soft.saturating_sub(RESERVED_FILES) / n).max(1),
        }
    }
}

/// Raises the soft open-file limit to the hard limit (once is enough; later
/// calls find it raised). `None` where the limit cannot be read.
pub fn raise() -> Option<FileLimit> {
    let (before, hard) = getrlimit(Resource::RLIMIT_NOFILE).ok()?;
    // An unlimited hard limit still stops at the kernel's `fs.nr_open`.
    let target = hard.min(1 << 20);
    if before < target && setrlimit(Resource::RLIMIT_NOFILE, target, hard).is_err() {
        tracing::debug!(before, hard, "could not raise the open-file limit");
    }
    let (soft, hard) = getrlimit(Resource::RLIMIT_NOFILE).ok()?;
    Some(FileLimit { soft, hard, before })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_soft_limit_reaches_the_hard_one() {
        let l = raise().expect("the limit is readable on Linux");
        assert_eq!(l.soft, l.hard.min(1 << 20), "{l:?}");
        assert!(l.before <= l.soft);
        assert_eq!(
            FileLimit {
                soft: 1024,
                hard: 1024,
                before: 1024
            }
            .window(),
            448
        );
        let l = FileLimit {
            soft: 1024,
            hard: 1024,
            before: 1024,
        };
        assert_eq!(l.window_for(1), 896);
        assert_eq!(l.window_for(0), u64::MAX);
    }
}
