//! The walk: discovery and identification, pass by pass, in a fixed
//! window of workers. Each worker takes the next position from a lazy,
//! shuffled feed as soon as it finishes one; the coordinating loop only
//! redraws progress, writes checkpoints and waits for the end.
//!
//! With host discovery (the default) the walk has three passes: every
//! address on a few liveness ports (a handful of common TCP ports and an
//! ICMP echo where the system allows one), every address on the scope's UDP
//! probes, then the other TCP ports on the addresses that answered
//! anything. An unused address costs a few probes instead of every port.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use tokio::task::JoinSet;

use super::prepare::Setup;
use super::{CHECKPOINT_EVERY, ScanOptions};
use crate::discover::{self, PortState, TargetSpace};
use crate::model::{Checkpoint, Observation, Transport};
use crate::net::{Net, Shutdown};
use crate::probe::Prober;
use crate::report::progress::ProgressSink;
use crate::report::{DiscoveryStats, Note, NoteLevel, ScanStats, TcpDiscovery};
use crate::scope::{HostDiscovery, Scope};

/// What the walk found, and how far it got.
pub(super) struct Walked {
    /// Every service found (with those a resumed run took over).
    pub(super) observations: Vec<Observation>,
    /// The run was stopped before the walk ended.
    pub(super) interrupted: bool,
    /// Positions finished.
    pub(super) done: u64,
    /// Positions in the scope.
    pub(super) total: u128,
    /// TCP ports found open.
    pub(super) open: u64,
    /// UDP probes answered.
    pub(super) udp_answers: u64,
    /// The most workers busy at once.
    pub(super) peak_busy: u64,
}

impl Walked {
    /// The run's counters as the walk left them (the duration is set when
    /// the run ends).
    pub(super) fn stats(&self, scope: &Scope, setup: &Setup) -> ScanStats {
        let net = &setup.net;
        let counts = net.counts();
        ScanStats {
            addresses: setup.space.addresses(),
            ports: scope.ports.tcp.len() + scope.ports.udp.len(),
            positions_done: self.done,
            open_tcp: self.open,
            udp_answers: self.udp_answers,
            elapsed_ms: 0,
            net: counts,
            discovery: DiscoveryStats {
                hosts: setup.hosts,
                liveness_tcp: match setup.hosts {
                    HostDiscovery::Probe => scope.discovery.tcp_ports.clone(),
                    HostDiscovery::All => Vec::new(),
                },
                icmp: counts.echoes > 0,
                addresses_alive: net.responsive_count() as u64,
                tcp: match net.syn_port() {
                    Some(_) => TcpDiscovery::Syn,
                    None => TcpDiscovery::Connect,
                },
            },
            window: setup.window.stats(self.peak_busy),
        }
    }
}

/// Walks every pass; `observations` holds what a resumed run took over.
/// A panicking probe task adds a note to `out` and costs only its step.
pub(super) async fn walk(
    scope: &Arc<Scope>,
    setup: &Setup,
    opts: &ScanOptions,
    shutdown: &Shutdown,
    progress: &dyn ProgressSink,
    mut observations: Vec<Observation>,
    out: &mut Vec<Note>,
) -> Walked {
    let (net, space, hosts) = (&setup.net, &setup.space, setup.hosts);
    let workers = setup.window.workers;
    let seed = discover::seed_for(&scope.name);
    let total = space.len();
    let skip_below = opts.resume.as_ref().map_or(0, |r| r.done_below);
    // A shard takes whole addresses (all ports of a device stay together,
    // so its assets and identities are the ones an unsharded scan finds);
    // the shards of a scope are disjoint and together complete.
    let (shard_k, shard_n) = opts
        .shard
        .map_or((0, 1), |(k, n)| (u64::from(k), u64::from(n.max(1))));
    let passes = plan_passes(scope, space, hosts, opts.discover_only);
    let discovery = Arc::new(Discovery {
        feed: std::sync::Mutex::new(Feed {
            jobs: Box::new(std::iter::empty()),
            next_step: skip_below,
        }),
        current: (0..workers).map(|_| AtomicU64::new(IDLE)).collect(),
        found: std::sync::Mutex::default(),
        done: AtomicU64::new(0),
        busy: AtomicU64::new(0),
        peak_busy: AtomicU64::new(0),
        open: AtomicU64::new(0),
        udp_answers: AtomicU64::new(0),
        net: net.clone(),
        prober: setup.prober.clone(),
        discover_only: opts.discover_only,
        // Only the liveness pass of host discovery probes finished steps again.
        resumed_below: if hosts == HostDiscovery::Probe {
            skip_below
        } else {
            0
        },
        echo_with: std::sync::Mutex::new(None),
    });
    let mut interrupted = shutdown.is_triggered();
    let mut ticker = tokio::time::interval(CHECKPOINT_EVERY);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut redraw = tokio::time::interval(PROGRESS_EVERY);
    redraw.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut total_shown = total;
    for pass in &passes {
        if interrupted {
            break;
        }
        let (live_only, liveness, first_step) = (pass.live_only, pass.liveness, pass.first_step);
        let net_f = net.clone();
        let jobs = pass
            .space
            .clone()
            .into_numbered_jobs(scope.clone(), seed)
            .map(move |(step, job)| (step + first_step, job))
            .filter(move |(_, job)| shard_of(job.target.addr(), shard_n) == shard_k)
            // The liveness pass probes every address again on resume (to
            // learn which are alive); other passes skip what is done.
            .filter(move |(step, _)| liveness || *step >= skip_below)
            // Named hosts are scanned whether they answered or not: the
            // scope says they exist.
            .filter(move |(_, job)| {
                !live_only
                    || job.target.hostname().is_some()
                    || net_f.showed_life(job.target.addr())
            });
        if live_only {
            // What is left: the live addresses' other ports.
            let live = net.responsive_count() as u128;
            total_shown = u128::from(discovery.done.load(Ordering::Relaxed))
                + live * pass.space.len() / space.addresses().max(1);
        }
        discovery.start_pass(Box::new(jobs), first_step, pass.echo_with);
        let mut tasks: JoinSet<()> = JoinSet::new();
        let mut slot_of_task: HashMap<tokio::task::Id, usize> = HashMap::new();
        for slot in 0..workers {
            let handle = tasks.spawn(discovery.clone().work(slot));
            slot_of_task.insert(handle.id(), slot);
        }
        let report_progress = |d: &Discovery| {
            progress.update(
                d.done.load(Ordering::Relaxed),
                total_shown,
                d.open.load(Ordering::Relaxed),
            );
        };
        while !interrupted {
            tokio::select! {
                joined = tasks.join_next_with_id() => match joined {
                    None => break,
                    Some(Ok((id, ()))) => {
                        slot_of_task.remove(&id);
                    }
                    Some(Err(e)) => {
                        let slot = slot_of_task.remove(&e.id());
                        if e.is_panic() {
                            // A bug in a probe must not cost the other results:
                            // its step counts as finished, a new worker takes
                            // the slot.
                            out.push(task_failed(&e));
                            if let Some(slot) = slot {
                                discovery.current[slot].store(IDLE, Ordering::Relaxed);
                                let handle = tasks.spawn(discovery.clone().work(slot));
                                slot_of_task.insert(handle.id(), slot);
                            }
                        }
                    }
                },
                _ = redraw.tick() => report_progress(&discovery),
                _ = ticker.tick(), if opts.checkpoint.is_some() => {
                    checkpoint(opts, &discovery, &mut observations);
                }
                () = shutdown.triggered() => interrupted = true,
            }
        }
        if interrupted {
            // Keep what finished, drop what was in flight (the workers' steps
            // stay marked as not done for the checkpoint).
            tasks.abort_all();
            while tasks.join_next().await.is_some() {}
        }
        report_progress(&discovery);
    }
    checkpoint(opts, &discovery, &mut observations);
    Walked {
        observations,
        interrupted,
        done: discovery.done.load(Ordering::Relaxed),
        total,
        open: discovery.open.load(Ordering::Relaxed),
        udp_answers: discovery.udp_answers.load(Ordering::Relaxed),
        peak_busy: discovery.peak_busy.load(Ordering::Relaxed),
    }
}

/// How often the progress line is fed.
const PROGRESS_EVERY: std::time::Duration = std::time::Duration::from_millis(100);

/// A worker's step when it holds none.
const IDLE: u64 = u64::MAX;

/// Numbered jobs, produced lazily.
type Jobs = Box<dyn Iterator<Item = (u64, discover::Job)> + Send>;

/// The job feed: the permutation's jobs (after shard and resume filters).
struct Feed {
    jobs: Jobs,
    /// One past the last step handed out.
    next_step: u64,
}

/// What the discovery workers share. A fixed window of workers each take
/// the next job from the feed as soon as they finish one: no job passes
/// through the coordinating loop, which only redraws progress, writes
/// checkpoints and waits for the end (a task per job cost two thread
/// hand-offs per position, the larger part of discovery's time on loopback).
struct Discovery {
    feed: std::sync::Mutex<Feed>,
    /// The step each worker is on ([`IDLE`] when none); set under the feed's
    /// lock, so the feed's low-water mark is consistent.
    current: Vec<AtomicU64>,
    /// Observations found and not yet handed to the coordinating loop.
    found: std::sync::Mutex<Vec<(u64, Observation)>>,
    done: AtomicU64,
    /// Workers holding a job now, and the most at once: whether the
    /// window, not the rate, was the bound.
    busy: AtomicU64,
    peak_busy: AtomicU64,
    open: AtomicU64,
    udp_answers: AtomicU64,
    net: Arc<Net>,
    prober: Arc<Prober>,
    discover_only: bool,
    /// Steps below this one finished in the run being resumed: a liveness
    /// position among them is probed again (to learn which addresses are
    /// alive), but what it finds is already in the resumed results.
    resumed_below: u64,
    /// The position that also carries an address's ICMP echo (the first
    /// liveness port), in the liveness pass.
    echo_with: std::sync::Mutex<Option<(u16, Transport)>>,
}

impl Discovery {
    /// The next job, marking it as this worker's step.
    fn take(&self, slot: usize) -> Option<(u64, discover::Job)> {
        let mut feed = self.feed.lock().unwrap_or_else(|p| p.into_inner());
        let next = feed.jobs.next();
        let step = next.as_ref().map_or(IDLE, |(step, _)| *step);
        if step != IDLE {
            feed.next_step = feed.next_step.max(step + 1);
        }
        // A liveness position the resumed run already finished does not
        // hold the checkpoint back.
        let marked = if step == IDLE {
            IDLE
        } else {
            step.max(self.resumed_below)
        };
        self.current[slot].store(marked, Ordering::Relaxed);
        next
    }

    /// Starts a pass: its jobs, numbered from `first_step`.
    fn start_pass(&self, jobs: Jobs, first_step: u64, echo_with: Option<(u16, Transport)>) {
        let mut feed = self.feed.lock().unwrap_or_else(|p| p.into_inner());
        feed.jobs = jobs;
        feed.next_step = feed.next_step.max(first_step.max(self.resumed_below));
        *self.echo_with.lock().unwrap_or_else(|p| p.into_inner()) = echo_with;
    }

    /// Every step below this one has finished (and its observation is in
    /// `found` or already taken from it).
    fn done_below(&self) -> u64 {
        let feed = self.feed.lock().unwrap_or_else(|p| p.into_inner());
        self.current
            .iter()
            .map(|c| c.load(Ordering::Relaxed))
            .fold(feed.next_step, u64::min)
    }

    async fn work(self: Arc<Self>, slot: usize) {
        while let Some((step, job)) = self.take(slot) {
            let busy = self.busy.fetch_add(1, Ordering::Relaxed) + 1;
            self.peak_busy.fetch_max(busy, Ordering::Relaxed);
            let echo = *self.echo_with.lock().unwrap_or_else(|p| p.into_inner())
                == Some((job.port, job.transport))
                && self.net.can_echo(job.target.addr());
            let obs = if echo {
                let target = job.target.clone();
                let wait = self.net.connect_timeout();
                let (obs, _) = tokio::join!(self.position(job), self.net.echo(&target, wait));
                obs
            } else {
                self.position(job).await
            };
            if let Some(o) = obs.filter(|_| step >= self.resumed_below) {
                self.found
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .push((step, o));
            }
            self.done.fetch_add(1, Ordering::Relaxed);
            self.busy.fetch_sub(1, Ordering::Relaxed);
        }
    }

    /// Identifies the service behind an open connection.
    async fn identify(&self, job: discover::Job, conn: crate::net::Conn) -> Option<Observation> {
        let (net, prober) = (&self.net, &self.prober);
        // Boxed: identification is a large future, and most positions never
        // get here (closed ports); the worker's own future stays small.
        Box::pin(async {
            let mut o = prober.identify(net, &job.target, job.port, conn).await;
            prober.assess_tls(net, &job.target, job.port, &mut o).await;
            Some(o)
        })
        .await
    }

    /// Discovers (and unless discovery only, identifies) one position.
    async fn position(&self, job: discover::Job) -> Option<Observation> {
        let (net, prober) = (&self.net, &self.prober);
        match job.transport {
            Transport::Tcp => match discover::tcp_port(net, &job.target, job.port).await {
                PortState::Open(conn) => {
                    self.open.fetch_add(1, Ordering::Relaxed);
                    if self.discover_only {
                        let _rst = conn.stream.get_ref().set_zero_linger();
                        return Some(unidentified(&job, "discovery only: not identified"));
                    }
                    self.identify(job, conn).await
                }
                PortState::Listening => {
                    self.open.fetch_add(1, Ordering::Relaxed);
                    if self.discover_only {
                        return Some(unidentified(&job, "discovery only: not identified"));
                    }
                    // Found by a SYN: identification needs a connection.
                    match net.connect(&job.target, job.port, "tcp-connect").await {
                        Ok(conn) => self.identify(job, conn).await,
                        Err(e) => Some(unidentified(
                            &job,
                            &format!(
                                "answered a SYN, but the connection for identification failed: {e}"
                            ),
                        )),
                    }
                }
                _ => None,
            },
            Transport::Udp if self.discover_only => None,
            Transport::Udp => {
                let o = Box::pin(crate::probe::udp(
                    net,
                    &job.target,
                    job.port,
                    prober.timeout,
                    prober.ot_safe,
                ))
                .await;
                if o.is_some() {
                    self.udp_answers.fetch_add(1, Ordering::Relaxed);
                }
                o
            }
        }
    }
}

/// A probe task that panicked: its step counts as finished.
fn task_failed(e: &tokio::task::JoinError) -> Note {
    Note::new(
        NoteLevel::Error,
        format!("internal error in a probe task: {e}"),
        format!("interne fout in een taak van de scanner: {e}"),
    )
}

/// An open port that was not identified, and why.
fn unidentified(job: &discover::Job, why: &str) -> Observation {
    let mut o = Observation::new(
        crate::model::Endpoint::tcp(job.target.addr(), job.port),
        job.target.hostname().map(str::to_string),
    );
    o.set("service.note", why);
    o
}

/// Moves what the workers found into `observations`, and hands the progress
/// so far to the checkpoint writer (when there is one).
fn checkpoint(opts: &ScanOptions, d: &Discovery, observations: &mut Vec<Observation>) {
    let done_below = d.done_below();
    let found = std::mem::take(&mut *d.found.lock().unwrap_or_else(|p| p.into_inner()));
    match &opts.checkpoint {
        Some(tx) => {
            observations.extend(found.iter().map(|(_, o)| o.clone()));
            let _gone = tx.send(Checkpoint { done_below, found });
        }
        None => observations.extend(found.into_iter().map(|(_, o)| o)),
    }
}

/// One walk over part of the target space.
struct Pass {
    space: Arc<TargetSpace>,
    /// Step number of the pass's first position.
    first_step: u64,
    /// A pass of host discovery over every address (the liveness ports, the
    /// UDP probes): probed again on resume, to learn which are alive.
    liveness: bool,
    /// Only addresses that answered in an earlier pass.
    live_only: bool,
    /// The position that also carries the address's ICMP echo.
    echo_with: Option<(u16, Transport)>,
}

/// The passes of a scan. With host discovery: the liveness ports of every
/// address (TCP, with the ICMP echo), then the scope's UDP ports of every
/// address, then the other TCP ports of the live ones. Without: every TCP
/// position, then every UDP position. Step numbers run on from one pass to
/// the next (a resume point stays meaningful).
///
/// UDP comes after TCP because a UDP request is retransmitted only to an
/// address that answered something before (an unused address gets one
/// datagram, not three): by then every live device's TCP answers are in,
/// so a lost request or reply costs a device a retransmission, not its
/// UDP services (measured in bench/RESULTS.md, "Findings under latency and
/// loss").
fn plan_passes(
    scope: &Scope,
    space: &Arc<TargetSpace>,
    hosts: HostDiscovery,
    discover_only: bool,
) -> Vec<Pass> {
    let on = |ports: &[u16], transport: Transport| -> Vec<(u16, Transport)> {
        ports.iter().map(|p| (*p, transport)).collect()
    };
    let mut passes: Vec<Pass> = Vec::new();
    let mut next_step = 0u64;
    let mut plan = |ports: Vec<(u16, Transport)>, liveness: bool, live_only: bool, echo: bool| {
        let echo_with = ports.first().copied().filter(|_| echo);
        let pass_space = Arc::new(space.with_ports(ports));
        let first_step = next_step;
        next_step = next_step.saturating_add(u64::try_from(pass_space.len()).unwrap_or(u64::MAX));
        passes.push(Pass {
            space: pass_space,
            first_step,
            liveness,
            live_only,
            echo_with,
        });
    };
    if hosts == HostDiscovery::All {
        plan(on(&scope.ports.tcp, Transport::Tcp), false, false, false);
        plan(on(&scope.ports.udp, Transport::Udp), false, false, false);
        return passes;
    }
    let liveness_tcp = &scope.discovery.tcp_ports;
    let icmp = scope.discovery.icmp;
    // The echo goes with the first liveness position (a UDP one when no TCP
    // port is a liveness port).
    plan(on(liveness_tcp, Transport::Tcp), true, false, icmp);
    // A quick discovery sends no UDP (as without host discovery).
    if !discover_only {
        plan(
            on(&scope.ports.udp, Transport::Udp),
            true,
            false,
            icmp && liveness_tcp.is_empty(),
        );
    }
    let rest: Vec<u16> = (scope.ports.tcp.iter().copied())
        .filter(|p| !liveness_tcp.contains(p))
        .collect();
    plan(on(&rest, Transport::Tcp), false, true, false);
    passes
}

/// The shard (of `n`) an address belongs to: FNV-1a of its bytes.
fn shard_of(addr: IpAddr, n: u64) -> u64 {
    let bytes: Vec<u8> = match addr {
        IpAddr::V4(a) => a.octets().to_vec(),
        IpAddr::V6(a) => a.octets().to_vec(),
    };
    let h = bytes.iter().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
        (h ^ u64::from(*b)).wrapping_mul(0x0000_0100_0000_01b3)
    });
    h % n.max(1)
}
