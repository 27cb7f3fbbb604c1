//! The global rate limit and the per-host connection cap.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio::time::Instant;

/// Spaces events at `per_second`, measured when they happen: each one
/// leaves at least one interval after the previous one left, so a
/// scheduler stall cannot turn into a burst (after a late wake-up the next
/// caller is spaced from the real time, not from a slot that already
/// passed). Gaps below the timer's resolution are kept on a virtual
/// schedule instead of sleeping, so high rates still reach their target.
///
/// Two classes share the rate. First contacts (discovery: a TCP connect or
/// the first datagram to a port) line up in order, one at a time; follow-ups
/// (the later steps of a conversation with a service already found) skip
/// that line and compete only with its head. A probe that needs a dozen
/// sequential datagrams is not starved by thousands of discovery attempts
/// queued ahead of it, and discovery still gets every slot follow-ups leave.
#[derive(Debug)]
pub struct RateLimiter {
    interval: Duration,
    last: Mutex<Option<Instant>>,
    first_contacts: tokio::sync::Mutex<()>,
}

/// Deficits shorter than this are not slept (the timer would round them up
/// to a whole millisecond and halve a fast scan's rate).
const MIN_SLEEP: Duration = Duration::from_millis(1);

/// Which line a caller stands in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Class {
    FirstContact,
    FollowUp,
}

impl RateLimiter {
    pub fn new(per_second: u32) -> Self {
        RateLimiter {
            interval: Duration::from_secs(1) / per_second.max(1),
            last: Mutex::new(None),
            first_contacts: tokio::sync::Mutex::new(()),
        }
    }

    /// Waits for a send slot (a first contact).
    pub async fn acquire(&self) {
        self.acquire_as(Class::FirstContact).await;
    }

    pub async fn acquire_as(&self, class: Class) {
        let _line = match class {
            Class::FirstContact => Some(self.first_contacts.lock().await),
            Class::FollowUp => None,
        };
        loop {
            let now = Instant::now();
            let wake = {
                let mut last = self.last.lock().unwrap_or_else(|p| p.into_inner());
                let earliest = last.map_or(now, |prev| prev + self.interval);
                if earliest <= now {
                    // Slightly behind (a timer woke late): keep the
                    // schedule so the rate is reached. Far behind (idle, or a
                    // stall): start again from now, never with a burst.
                    *last = Some(if now - earliest <= LATE {
                        earliest
                    } else {
                        now
                    });
                    return;
                }
                if earliest - now < MIN_SLEEP {
                    *last = Some(earliest);
                    return;
                }
                earliest
            };
            tokio::time::sleep_until(wake).await;
            // Woken within the timer's slack: keep the schedule (the slot is
            // `wake`, so the average rate holds); woken late by a stall:
            // the caller retries and is spaced from the real time.
            let now = Instant::now();
            if now.saturating_duration_since(wake) <= LATE {
                let mut last = self.last.lock().unwrap_or_else(|p| p.into_inner());
                if last.is_none_or(|prev| prev + self.interval <= wake) {
                    *last = Some(wake);
                    return;
                }
            }
        }
    }
}

/// A wake-up later than this after its slot counts as a stall (the slot is
/// then given up rather than caught up with a burst).
const LATE: Duration = Duration::from_millis(5);

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

    /// A slot on `addr` if one is free right now.
    pub fn try_acquire(&self, addr: IpAddr) -> Option<HostPermit> {
        let sem = self.semaphore(addr);
        match sem.try_acquire_owned() {
            Ok(p) => Some(HostPermit {
                addr,
                permit: Some(p),
                slots: self.inner.clone(),
            }),
            Err(_) => {
                // Let the map forget an address nobody holds or waits for.
                drop(HostPermit {
                    addr,
                    permit: None,
                    slots: self.inner.clone(),
                });
                None
            }
        }
    }

    fn semaphore(&self, addr: IpAddr) -> Arc<Semaphore> {
        let mut map = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        map.entry(addr)
            .or_insert_with(|| Arc::new(Semaphore::new(self.cap)))
            .clone()
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
    async fn follow_ups_do_not_wait_behind_the_discovery_line() {
        let rl = Arc::new(RateLimiter::new(100));
        // 200 first contacts queued: two seconds of discovery.
        let mut line = tokio::task::JoinSet::new();
        for _ in 0..200 {
            let rl = rl.clone();
            line.spawn(async move { rl.acquire().await });
        }
        tokio::task::yield_now().await;
        let start = Instant::now();
        for _ in 0..5 {
            rl.acquire_as(Class::FollowUp).await;
        }
        let spent = start.elapsed();
        // Five follow-ups share the slots with the head of the line only.
        assert!(spent < Duration::from_millis(150), "{spent:?}");
        line.join_all().await;
        // Everyone got a slot, and the rate held: 205 events at 100/s.
        assert!(
            start.elapsed() >= Duration::from_millis(1990),
            "{:?}",
            start.elapsed()
        );
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
