//! The global rate limit and the per-host connection cap.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio::time::Instant;

/// Spaces events evenly at `per_second`. Each caller reserves the next free
/// slot and sleeps until it; nothing is queued beyond the waiting callers.
#[derive(Debug)]
pub struct RateLimiter {
    interval: Duration,
    next: Mutex<Instant>,
}

impl RateLimiter {
    pub fn new(per_second: u32) -> Self {
        RateLimiter {
            interval: Duration::from_secs(1) / per_second.max(1),
            next: Mutex::new(Instant::now()),
        }
    }

    pub async fn acquire(&self) {
        let now = Instant::now();
        let slot = {
            let mut next = self.next.lock().unwrap_or_else(|p| p.into_inner());
            let slot = (*next).max(now);
            *next = slot + self.interval;
            slot
        };
        if slot > now {
            tokio::time::sleep_until(slot).await;
        }
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
