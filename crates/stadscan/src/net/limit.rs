//! The global rate limit, the controller that lowers it when connects
//! start to time out, and the per-host connection cap.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::atomic::{AtomicU64, Ordering};
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
/// (the later steps of a conversation with a service already found, and
/// retransmissions) skip that line, and its head leaves the next slot to
/// any follow-up waiting for one. A probe that needs a dozen sequential
/// datagrams is not starved by thousands of discovery attempts queued ahead
/// of it, and discovery still gets every slot follow-ups leave.
#[derive(Debug)]
pub struct RateLimiter {
    /// Nanoseconds between two events; changed by [`RateLimiter::set_per_second`].
    interval_ns: AtomicU64,
    last: Mutex<Option<Instant>>,
    first_contacts: tokio::sync::Mutex<()>,
    /// First contacts waiting in (or at the head of) the line.
    in_line: AtomicU64,
    /// Follow-ups waiting for a slot: the head of the line lets them pass.
    follow_ups: AtomicU64,
}

/// Deficits shorter than this are not slept (the timer would round them up
/// to a whole millisecond and halve a fast scan's rate).
const MIN_SLEEP: Duration = Duration::from_millis(1);

/// Which line a caller stands in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Class {
    /// Discovery: a connect, SYN, echo or first datagram to a port not yet
    /// known to answer; waits its turn in one line.
    FirstContact,
    /// A later step of a conversation with a service already found, or a
    /// retransmission; skips the line.
    FollowUp,
}

impl RateLimiter {
    /// A limiter of `per_second` events per second (0 counts as 1).
    pub fn new(per_second: u32) -> Self {
        RateLimiter {
            interval_ns: AtomicU64::new(interval_ns(per_second)),
            last: Mutex::new(None),
            first_contacts: tokio::sync::Mutex::new(()),
            in_line: AtomicU64::new(0),
            follow_ups: AtomicU64::new(0),
        }
    }

    /// Changes the rate from the next event on (the adaptive controller).
    pub fn set_per_second(&self, per_second: u32) {
        self.interval_ns
            .store(interval_ns(per_second), Ordering::Relaxed);
    }

    /// The rate in force now.
    pub fn per_second(&self) -> u32 {
        let ns = self.interval_ns.load(Ordering::Relaxed).max(1);
        u32::try_from(1_000_000_000 / ns).unwrap_or(u32::MAX)
    }

    fn interval(&self) -> Duration {
        Duration::from_nanos(self.interval_ns.load(Ordering::Relaxed))
    }

    /// Waits for a send slot (a first contact).
    pub async fn acquire(&self) {
        self.acquire_as(Class::FirstContact).await;
    }

    /// Waits for a send slot in the line of `class`.
    pub async fn acquire_as(&self, class: Class) {
        // Nobody in the line (and no follow-up waiting) and a slot free
        // now: take it without lining up. Below the configured rate (the usual case of a fast sweep)
        // first contacts then never wait on each other, and the workers
        // of a scan do not hand a lock around between threads.
        let free = match class {
            Class::FollowUp => true,
            Class::FirstContact => {
                self.in_line.load(Ordering::Acquire) == 0
                    && self.follow_ups.load(Ordering::Acquire) == 0
            }
        };
        if free && self.try_slot(Instant::now()).is_ok() {
            return;
        }
        let _line = match class {
            Class::FirstContact => Waiting::InLine {
                _held: InLine::enter(self).await,
            },
            Class::FollowUp => Waiting::FollowUp {
                _held: Counted::enter(&self.follow_ups),
            },
        };
        // The head of the line steps back while a follow-up waits: both
        // would sleep until the same slot, and whichever the scheduler
        // woke first took it (measured: a retransmission lost every slot to
        // a sweep's first contacts for seconds).
        let yields = || class == Class::FirstContact && self.follow_ups.load(Ordering::Acquire) > 0;
        loop {
            if yields() {
                tokio::time::sleep(self.interval().max(MIN_SLEEP)).await;
                continue;
            }
            let wake = match self.try_slot(Instant::now()) {
                Ok(()) => return,
                Err(wake) => wake,
            };
            tokio::time::sleep_until(wake).await;
            // Woken within the timer's slack: keep the schedule (the slot is
            // `wake`, so the average rate holds); woken late by a stall:
            // the caller retries and is spaced from the real time.
            let now = Instant::now();
            if now.saturating_duration_since(wake) <= LATE && !yields() {
                let interval = self.interval();
                let mut last = self.last.lock().unwrap_or_else(|p| p.into_inner());
                if last.is_none_or(|prev| prev + interval <= wake) {
                    *last = Some(wake);
                    return;
                }
            }
        }
    }

    /// Takes the next send slot if it is due by `now` (or so close that
    /// sleeping for it would overshoot); otherwise says when it is due.
    fn try_slot(&self, now: Instant) -> Result<(), Instant> {
        let interval = self.interval();
        let mut last = self.last.lock().unwrap_or_else(|p| p.into_inner());
        let earliest = last.map_or(now, |prev| prev + interval);
        if earliest <= now {
            // Slightly behind (a timer woke late): keep the schedule so the
            // rate is reached. Far behind (idle, or a stall): start again
            // from now, never with a burst.
            *last = Some(if now - earliest <= LATE {
                earliest
            } else {
                now
            });
            return Ok(());
        }
        if earliest - now < MIN_SLEEP {
            *last = Some(earliest);
            return Ok(());
        }
        Err(earliest)
    }
}

/// A place in the first-contact line, counted from the moment the caller
/// starts waiting for it (so no one takes the fast path past a caller
/// already standing in the line) until it is left, even if the wait is
/// cancelled.
struct InLine<'a> {
    _turn: tokio::sync::MutexGuard<'a, ()>,
    _counted: Counted<'a>,
}

impl<'a> InLine<'a> {
    async fn enter(limiter: &'a RateLimiter) -> InLine<'a> {
        let counted = Counted::enter(&limiter.in_line);
        InLine {
            _turn: limiter.first_contacts.lock().await,
            _counted: counted,
        }
    }
}

/// How a caller waits for its slot: in the line, or as a follow-up (held
/// only for what it does on drop).
enum Waiting<'a> {
    InLine { _held: InLine<'a> },
    FollowUp { _held: Counted<'a> },
}

/// One waiting caller in a count, until dropped (also when the wait is
/// cancelled).
struct Counted<'a>(&'a AtomicU64);

impl<'a> Counted<'a> {
    fn enter(count: &'a AtomicU64) -> Counted<'a> {
        count.fetch_add(1, Ordering::AcqRel);
        Counted(count)
    }
}

impl Drop for Counted<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::AcqRel);
    }
}

/// A wake-up later than this after its slot counts as a stall (the slot is
/// then given up rather than caught up with a burst).
const LATE: Duration = Duration::from_millis(5);

fn interval_ns(per_second: u32) -> u64 {
    1_000_000_000 / u64::from(per_second.max(1))
}

/// How the adaptive rate judges what it sees.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ControlSettings {
    /// First contacts judged together.
    pub window: u32,
    /// Lower the rate when a window holds this many percentage points more
    /// timeouts than the calmest window seen (the network's own silence:
    /// filtered ports time out at any rate).
    pub climb_pct: u32,
    /// Calm windows in a row before the rate goes up again.
    pub calm_windows: u32,
}

impl Default for ControlSettings {
    fn default() -> Self {
        ControlSettings {
            window: 100,
            climb_pct: 10,
            calm_windows: 5,
        }
    }
}

/// One change of the rate, and the share of first contacts lost in the
/// window that caused it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateChange {
    /// The rate before, in events per second.
    pub from: u32,
    /// The rate after, in events per second.
    pub to: u32,
    /// Percentage (0 to 100) of the window's first contacts that timed out.
    pub lost_pct: u32,
}

/// The adaptive rate, as a pure function of what first contacts did.
///
/// Timeouts that climb during a scan mean the scanner outruns the network
/// (or the host's own backlog or connection table): answers that would
/// come at a gentler rate are lost. The controller halves the rate when a
/// window of first contacts holds clearly more timeouts than the calmest
/// window so far, never below a floor, and raises it by a quarter after
/// several calm windows, never above the configured rate. Outcomes of
/// attempts started before a change are ignored (they say nothing about
/// the new rate), so one burst of timeouts halves the rate once, not once
/// per window it spills into.
///
/// Limitation: timeouts present from the very first window cost one
/// halving, then count as the network's own silence.
#[derive(Debug, Clone)]
pub struct RateControl {
    settings: ControlSettings,
    ceiling: u32,
    floor: u32,
    current: u32,
    generation: u64,
    seen: u32,
    lost: u32,
    /// Fewest losses in one window so far.
    calmest: Option<u32>,
    calm_in_a_row: u32,
    lowered: u32,
    lowest: u32,
    first_lowering: Option<RateChange>,
    worst_lost_pct: u32,
}

impl RateControl {
    /// A controller that starts at, and never goes above, `per_second`
    /// (the scope's rate).
    pub fn new(per_second: u32, settings: ControlSettings) -> RateControl {
        let ceiling = per_second.max(1);
        RateControl {
            settings: ControlSettings {
                window: settings.window.max(1),
                ..settings
            },
            ceiling,
            floor: floor_of(ceiling),
            current: ceiling,
            generation: 0,
            seen: 0,
            lost: 0,
            calmest: None,
            calm_in_a_row: 0,
            lowered: 0,
            lowest: ceiling,
            first_lowering: None,
            worst_lost_pct: 0,
        }
    }

    /// Tag for an attempt starting now; hand it back to [`Self::observe`].
    pub fn generation(&self) -> u64 {
        self.generation
    }

    /// The rate the controller asks for now, in events per second.
    pub fn per_second(&self) -> u32 {
        self.current
    }

    /// The rate it never goes below.
    pub fn floor(&self) -> u32 {
        self.floor
    }

    /// One first contact ended: `lost` when it timed out (or failed
    /// without an answer). Returns the new rate when it changes.
    pub fn observe(&mut self, generation: u64, lost: bool) -> Option<u32> {
        if generation != self.generation {
            return None;
        }
        self.seen += 1;
        self.lost += u32::from(lost);
        if self.seen < self.settings.window {
            return None;
        }
        let (window, lost) = (self.seen, self.lost);
        self.seen = 0;
        self.lost = 0;
        let lost_pct = lost * 100 / window;
        let allowance = window * self.settings.climb_pct / 100;
        let calmest = self.calmest.unwrap_or(0);
        self.calmest = Some(self.calmest.map_or(lost, |c| c.min(lost)));
        if lost > calmest + allowance {
            self.calm_in_a_row = 0;
            self.worst_lost_pct = self.worst_lost_pct.max(lost_pct);
            let to = (self.current / 2).max(self.floor);
            if to == self.current {
                return None;
            }
            let change = RateChange {
                from: self.current,
                to,
                lost_pct,
            };
            self.first_lowering.get_or_insert(change);
            self.lowered += 1;
            self.lowest = self.lowest.min(to);
            return Some(self.change_to(to));
        }
        if lost <= calmest + allowance / 2 {
            self.calm_in_a_row += 1;
        } else {
            self.calm_in_a_row = 0;
        }
        if self.calm_in_a_row >= self.settings.calm_windows && self.current < self.ceiling {
            self.calm_in_a_row = 0;
            let to = (self.current + (self.current / 4).max(1)).min(self.ceiling);
            return Some(self.change_to(to));
        }
        None
    }

    fn change_to(&mut self, to: u32) -> u32 {
        self.current = to;
        self.generation += 1;
        to
    }

    /// What the controller did over the scan.
    pub fn summary(&self) -> RateSummary {
        RateSummary {
            configured: self.ceiling,
            effective: self.current,
            lowest: self.lowest,
            floor: self.floor,
            lowered: self.lowered,
            first_lowering: self.first_lowering,
            worst_lost_pct: self.worst_lost_pct,
        }
    }
}

/// The floor of the adaptive rate: a sixty-fourth of the configured rate,
/// but not below 10/s (or the configured rate, when that is lower).
fn floor_of(ceiling: u32) -> u32 {
    (ceiling / 64).max(ceiling.min(10))
}

/// What the adaptive rate did during a scan.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateSummary {
    /// The scope's rate, per second: the ceiling.
    pub configured: u32,
    /// The rate in force at the end.
    pub effective: u32,
    /// The lowest rate in force at any time, per second.
    pub lowest: u32,
    /// The rate the controller never goes below, per second.
    pub floor: u32,
    /// How many times the rate was lowered.
    pub lowered: u32,
    /// The first time the rate was lowered (the scan's note cites it);
    /// `None` when it never was.
    pub first_lowering: Option<RateChange>,
    /// The highest share of lost first contacts in a window that lowered
    /// the rate.
    pub worst_lost_pct: u32,
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
    /// At most `cap` connections per address (0 counts as 1).
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

    /// Waits for a slot on `addr`.
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
    async fn the_head_of_the_line_leaves_every_slot_to_a_waiting_follow_up() {
        let rl = Arc::new(RateLimiter::new(10));
        rl.acquire().await;
        // A follow-up waits (as one does while it sleeps until its slot).
        let waiting = Counted::enter(&rl.follow_ups);
        let head = {
            let rl = rl.clone();
            tokio::spawn(async move { rl.acquire().await })
        };
        // Five slots go by: none is the head's.
        tokio::time::sleep(Duration::from_millis(500)).await;
        assert!(!head.is_finished());
        assert_eq!(rl.in_line.load(Ordering::Relaxed), 1);
        // Once no follow-up waits, the head takes the next slot.
        drop(waiting);
        tokio::time::timeout(Duration::from_millis(200), head)
            .await
            .expect("the head goes once no follow-up waits")
            .unwrap();
        assert_eq!(rl.follow_ups.load(Ordering::Relaxed), 0);
    }

    #[tokio::test(start_paused = true)]
    async fn a_first_contact_does_not_pass_the_ones_already_in_line() {
        let rl = Arc::new(RateLimiter::new(10));
        let start = Instant::now();
        rl.acquire().await;
        // B lines up for the slot at 100 ms and sleeps until then.
        let b = {
            let rl = rl.clone();
            tokio::spawn(async move {
                rl.acquire().await;
                start.elapsed()
            })
        };
        tokio::task::yield_now().await;
        assert_eq!(rl.in_line.load(Ordering::Relaxed), 1);
        // The clock reaches B's slot, but B has not run yet: a latecomer
        // finds the slot due. It must line up behind B, not take it.
        tokio::time::advance(Duration::from_millis(100)).await;
        rl.acquire().await;
        let late = start.elapsed();
        let b = b.await.unwrap();
        assert!(b < late, "B at {b:?}, the latecomer at {late:?}");
        assert!(late >= Duration::from_millis(200), "{late:?}");
        assert_eq!(rl.in_line.load(Ordering::Relaxed), 0);
    }

    #[tokio::test(start_paused = true)]
    async fn a_cancelled_wait_leaves_the_line() {
        let rl = RateLimiter::new(1);
        rl.acquire().await;
        let gave_up = tokio::time::timeout(Duration::from_millis(10), rl.acquire()).await;
        assert!(gave_up.is_err());
        assert_eq!(rl.in_line.load(Ordering::Relaxed), 0);
        // With the line empty again, the next free slot is taken at once.
        tokio::time::sleep(Duration::from_secs(2)).await;
        let start = Instant::now();
        rl.acquire().await;
        assert!(start.elapsed() < Duration::from_millis(1));
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

    /// Feeds `n` outcomes of the current generation, `lost_every`-th lost
    /// (0: none lost); returns the rate changes seen.
    fn feed(c: &mut RateControl, n: u32, lost_every: u32) -> Vec<u32> {
        let mut changes = Vec::new();
        for i in 0..n {
            let lost = lost_every > 0 && i % lost_every == 0;
            if let Some(r) = c.observe(c.generation(), lost) {
                changes.push(r);
            }
        }
        changes
    }

    #[test]
    fn climbing_timeouts_halve_the_rate() {
        let mut c = RateControl::new(8_000, ControlSettings::default());
        assert!(
            feed(&mut c, 300, 0).is_empty(),
            "calm windows change nothing"
        );
        // Half of the next window times out.
        assert_eq!(feed(&mut c, 100, 2), vec![4_000]);
        let s = c.summary();
        assert_eq!(s.lowered, 1);
        assert_eq!(
            s.first_lowering,
            Some(RateChange {
                from: 8_000,
                to: 4_000,
                lost_pct: 50
            })
        );
        assert_eq!(s.effective, 4_000);
    }

    #[test]
    fn a_few_timeouts_below_the_climb_threshold_are_tolerated() {
        let mut c = RateControl::new(8_000, ControlSettings::default());
        feed(&mut c, 100, 0);
        // 10 of 100 lost: exactly the allowance, not above it.
        assert!(feed(&mut c, 1_000, 10).is_empty());
        assert_eq!(c.per_second(), 8_000);
    }

    #[test]
    fn outcomes_of_attempts_started_before_a_change_are_ignored() {
        let mut c = RateControl::new(8_000, ControlSettings::default());
        let old = c.generation();
        feed(&mut c, 100, 0);
        assert_eq!(feed(&mut c, 100, 1), vec![4_000]);
        // The burst's other attempts (started at 8,000/s) end in timeouts
        // too: they do not lower the rate again.
        for _ in 0..500 {
            assert_eq!(c.observe(old, true), None);
        }
        assert_eq!(c.per_second(), 4_000);
        assert_eq!(c.summary().lowered, 1);
    }

    #[test]
    fn the_rate_never_goes_below_the_floor() {
        let mut c = RateControl::new(6_400, ControlSettings::default());
        assert_eq!(c.floor(), 100);
        feed(&mut c, 100, 0);
        let changes = feed(&mut c, 5_000, 1);
        assert_eq!(changes.last(), Some(&100), "{changes:?}");
        assert!(changes.iter().all(|r| *r >= 100));
        assert_eq!(c.summary().lowest, 100);
        // A low configured rate is its own floor.
        assert_eq!(RateControl::new(5, ControlSettings::default()).floor(), 5);
        assert_eq!(
            RateControl::new(300, ControlSettings::default()).floor(),
            10
        );
    }

    #[test]
    fn calm_windows_bring_the_rate_back_slowly_up_to_the_configured_one() {
        let mut c = RateControl::new(1_000, ControlSettings::default());
        feed(&mut c, 100, 0);
        assert_eq!(feed(&mut c, 100, 1), vec![500]);
        // Four calm windows: not yet; the fifth raises by a quarter.
        assert!(feed(&mut c, 400, 0).is_empty());
        assert_eq!(feed(&mut c, 100, 0), vec![625]);
        let ups = feed(&mut c, 10_000, 0);
        assert_eq!(ups, vec![781, 976, 1_000]);
        let s = c.summary();
        assert_eq!((s.effective, s.lowest, s.lowered), (1_000, 500, 1));
    }

    #[test]
    fn a_network_that_is_mostly_silent_costs_one_halving_not_the_floor() {
        // Firewalled ports time out at any rate: 80 % lost in every window.
        let mut c = RateControl::new(10_000, ControlSettings::default());
        let mut changes = Vec::new();
        for _ in 0..20 {
            for i in 0..100 {
                if let Some(r) = c.observe(c.generation(), i % 5 != 0) {
                    changes.push(r);
                }
            }
        }
        assert_eq!(changes.first(), Some(&5_000), "{changes:?}");
        assert!(c.per_second() >= 5_000, "{changes:?}");
        assert_eq!(c.summary().lowered, 1);
    }

    #[tokio::test(start_paused = true)]
    async fn a_lowered_rate_spaces_the_next_events_wider() {
        let rl = RateLimiter::new(1_000);
        let start = Instant::now();
        for _ in 0..100 {
            rl.acquire().await;
        }
        let fast = start.elapsed();
        rl.set_per_second(100);
        assert_eq!(rl.per_second(), 100);
        let start = Instant::now();
        for _ in 0..10 {
            rl.acquire().await;
        }
        let slow = start.elapsed();
        assert!(fast < Duration::from_millis(110), "{fast:?}");
        assert!(slow >= Duration::from_millis(90), "{slow:?}");
    }
}
