//! The global rate limit and the per-host connection cap.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio::time::Instant;

/// Spaces events at `per_second`, measured when they happen: callers
/// queue in order (a fair async mutex), and each one leaves at least one
/// interval after the previous one left. A scheduler stall cannot turn
/// into a burst: after a late wake-up the next caller is spaced from the
/// real time, not from a reserved slot that already passed. Gaps below the
/// timer's resolution are kept on a virtual schedule instead of sleeping,
/// so high rates still reach their target.
#[derive(Debug)]
pub struct RateLimiter {
    interval: Duration,
    last: tokio::sync::Mutex<Option<Instant>>,
}

/// Deficits shorter than this are not slept (the timer would round them up
/// to a whole millisecond and halve a fast scan's rate).
const MIN_SLEEP: Duration = Duration::from_millis(1);

impl RateLimiter {
    pub fn new(per_second: u32) -> Self {
        RateLimiter {
            interval: Duration::from_secs(1) / per_second.max(1),
            last: tokio::sync::Mutex::new(None),
        }
    }

    pub async fn acquire(&self) {
        let mut last = self.last.lock().await;
        let now = Instant::now();
        let at = match *last {
            None => now,
            Some(prev) => {
                let earliest = prev + self.interval;
                if earliest <= now {
                    now
                } else if earliest - now >= MIN_SLEEP {
                    tokio::time::sleep_until(earliest).await;
                    Instant::now().max(earliest)
                } else {
                    earliest
                }
            }
        };
        *last = Some(at);
    }
}

/// At most `cap` connections to one address at a time. Entries for idle
/// addresses are removed, so memory follows the connections in flight, not
/// the size of the scope.
#[derive(Debug, Clone)]
pub struct HostSlots {
    cap: usize,
    inner: Arc<Mutex<HashMap<IpAddr, Arc<Semaphore>>>>,
}

/// A slot held on one address; released on drop.
#[derive(Debug)]
pub struct HostPermit {
    addr: IpAddr,
    permit: Option<OwnedSemaphorePermit>,
    slots: Arc<Mutex<HashMap<IpAddr, Arc<Semaphore>>>>,
}

impl HostSlots {
    pub fn new(cap: usize) -> Self {
        HostSlots {
            cap: cap.max(1),
            inner: Arc::default(),
        }
    }

    pub async fn acquire(&self, addr: IpAddr) -> HostPermit {
        let sem = {
            let mut map = self.inner.lock().unwrap_or_else(|p| p.into_inner());
            map.entry(addr)
                .or_insert_with(|| Arc::new(Semaphore::new(self.cap)))
                .clone()
        };
        // The semaphore is never closed, so acquiring cannot fail.
        let permit = sem.acquire_owned().await.ok();
        HostPermit {
            addr,
            permit,
            slots: self.inner.clone(),
        }
    }

    /// Addresses with a connection in flight (or waiting for one).
    pub fn tracked(&self) -> usize {
        self.inner.lock().unwrap_or_else(|p| p.into_inner()).len()
    }
}

impl Drop for HostPermit {
    fn drop(&mut self) {
        drop(self.permit.take());
        let mut map = self.slots.lock().unwrap_or_else(|p| p.into_inner());
        // Clones are only made under this lock, so a count of one means no
        // holder and no waiter is left for this address.
        if map
            .get(&self.addr)
            .is_some_and(|s| Arc::strong_count(s) == 1)
        {
            map.remove(&self.addr);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn rate_limiter_spaces_events() {
        let rl = RateLimiter::new(10);
        let start = Instant::now();
        for _ in 0..5 {
            rl.acquire().await;
        }
        let spent = start.elapsed();
        assert!(spent >= Duration::from_millis(400), "{spent:?}");
        assert!(spent < Duration::from_millis(500), "{spent:?}");
    }

    #[tokio::test(start_paused = true)]
    async fn concurrent_callers_leave_one_interval_apart() {
        let rl = Arc::new(RateLimiter::new(10));
        let mut tasks = tokio::task::JoinSet::new();
        for _ in 0..12 {
            let rl = rl.clone();
            tasks.spawn(async move {
                rl.acquire().await;
                Instant::now()
            });
        }
        let mut times = tasks.join_all().await;
        times.sort();
        for w in times.windows(2) {
            assert!(
                w[1] - w[0] >= Duration::from_millis(100),
                "{:?}",
                w[1] - w[0]
            );
        }
    }

    #[tokio::test(start_paused = true)]
    async fn rates_above_the_timer_resolution_are_reached() {
        // 100 000 per second: intervals of 10 microseconds, far below the
        // timer's millisecond.
        let rl = RateLimiter::new(100_000);
        let start = Instant::now();
        for _ in 0..10_000 {
            rl.acquire().await;
        }
        let spent = start.elapsed();
        assert!(spent >= Duration::from_millis(98), "{spent:?}");
        assert!(spent < Duration::from_millis(150), "{spent:?}");
    }

    #[tokio::test]
    async fn host_cap_blocks_the_extra_connection_and_forgets_idle_hosts() {
        let slots = HostSlots::new(2);
        let a: IpAddr = "127.0.0.9".parse().unwrap();
        let b: IpAddr = "127.0.0.10".parse().unwrap();
        let p1 = slots.acquire(a).await;
        let p2 = slots.acquire(a).await;
        let third = tokio::time::timeout(Duration::from_millis(50), slots.acquire(a)).await;
        assert!(third.is_err(), "a third slot on one host must wait");
        let pb = slots.acquire(b).await;
        assert_eq!(slots.tracked(), 2);
        drop(p1);
        let p3 = tokio::time::timeout(Duration::from_millis(50), slots.acquire(a))
            .await
            .expect("a freed slot is reusable");
        drop((p2, p3, pb));
        assert_eq!(slots.tracked(), 0);
    }
}
