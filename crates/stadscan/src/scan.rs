//! Runs the pipeline for one scope: resolve names, walk the target space
//! lazily in a shuffled order, discover and identify each endpoint in a
//! bounded window of tasks, fold observations into assets, apply the checks.
//!
//! Memory follows what is found (open endpoints), not the scope's size: the
//! window holds at most `max_in_flight` jobs (fewer when the open-file limit
//! allows fewer), and the job iterator produces the next one only when a
//! slot frees up.
//!
//! With host discovery (the default) the walk has three passes: every
//! address on a few liveness ports (a handful of common TCP ports and an
//! ICMP echo where the system allows one), every address on the scope's UDP
//! probes, then the other TCP ports on the addresses that answered
//! anything. An unused address costs a few probes instead of every port.

use std::collections::HashMap;
use std::net::IpAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use tokio::task::JoinSet;

use crate::check::advisory;
use crate::discover::{self, PortState, TargetSpace, dns};
use crate::error::Error;
use crate::firmware::Kev;
use crate::knowledge_base::Knowledge;
use crate::model::{Asset, Observation, Transport, unix_now};
use crate::net::{AuditLog, Net, Shutdown};
use crate::probe::Prober;
use crate::report::progress::ProgressSink;
use crate::report::{
    DiscoveryStats, Note, NoteLevel, Report, ScanStats, TcpDiscovery, WindowStats,
};
use crate::scope::{HostDiscovery, LARGE_SCOPE, Scope};
use crate::tls::TlsContext;
use crate::tls::policy::Policy;

/// How to run a scan (what the scope file does not say).
#[derive(Debug, Clone, Default)]
pub struct ScanOptions {
    /// Allow scopes above [`LARGE_SCOPE`] addresses.
    pub allow_large: bool,
    /// Repository root for the SARIF artifact location (default: the
    /// nearest folder above the scope file that holds `.git`).
    pub source_root: Option<PathBuf>,
    /// Stop after discovery: report open ports, identify nothing.
    pub discover_only: bool,
    /// Try every port on every address (`--no-host-discovery`), whatever
    /// the scope's `[discovery] hosts` says.
    pub no_host_discovery: bool,
    /// Find TCP ports with SYNs from a raw socket (`--syn`), as the
    /// scope's `[discovery] syn = true` does.
    pub syn: bool,
    /// Write the audit trail (one JSON line per connection, SYN or datagram).
    pub audit: Option<PathBuf>,
    /// A CISA Known Exploited Vulnerabilities catalogue (JSON file).
    pub kev: Option<PathBuf>,
    /// An NVD index (`stadscan nvd import`); overrides the scope's
    /// `[knowledge] nvd_db`.
    pub nvd_db: Option<PathBuf>,
    /// Scan only slice K of N of the target order.
    pub shard: Option<(u32, u32)>,
    /// The baseline compliance is judged against (default bio2).
    pub baseline: Option<String>,
    /// Continue an interrupted run: skip the steps it finished, keep what
    /// it found there.
    pub resume: Option<Resume>,
    /// Where progress is reported for a later `--resume` (about every
    /// [`CHECKPOINT_EVERY`]).
    pub checkpoint: Option<std::sync::mpsc::Sender<Checkpoint>>,
    /// Where login attempts are counted when the scope names no
    /// `budget_file`: the history file (or the demo's output folder).
    pub budget_file: Option<PathBuf>,
}

/// How often progress is handed to the checkpoint writer.
pub const CHECKPOINT_EVERY: std::time::Duration = std::time::Duration::from_secs(2);

use crate::assets::{certificate_key, fold_assets, identify};
use crate::model::{Checkpoint, Resume};

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

/// What host discovery did, for the reader.
fn discovery_note(
    scope: &Scope,
    hosts: HostDiscovery,
    alive: u64,
    addresses: u128,
    counts: &crate::net::NetCounts,
    raw_echo: bool,
) -> Note {
    if hosts == HostDiscovery::All {
        return Note::new(
            NoteLevel::Info,
            format!(
                "host discovery off: every port of every address was tried; \
                 {alive} of {addresses} addresses answered"
            ),
            format!(
                "hostdetectie uit: elke poort van elk adres is geprobeerd; \
                 {alive} van {addresses} adressen antwoordden"
            ),
        );
    }
    // The liveness probes sent, in English and in Dutch.
    let mut probes: Vec<(String, String)> = Vec::new();
    if !scope.discovery.tcp_ports.is_empty() {
        let ports: Vec<String> = scope
            .discovery
            .tcp_ports
            .iter()
            .map(u16::to_string)
            .collect();
        let tcp = format!("TCP {}", ports.join(", "));
        probes.push((tcp.clone(), tcp));
    }
    if counts.datagrams > 0 {
        probes.push(("the UDP probes".into(), "de UDP-proeven".into()));
    }
    let (icmp, icmp_nl) = if counts.echoes > 0 {
        probes.push(if raw_echo {
            (
                "ICMP echo (raw socket)".into(),
                "ICMP-echo (via een raw socket)".into(),
            )
        } else {
            ("ICMP echo".into(), "ICMP-echo".into())
        });
        ("", "")
    } else if scope.discovery.icmp {
        (
            "; ICMP echo not used: this system allows no unprivileged ICMP socket \
             (net.ipv4.ping_group_range) and this process may not open a raw one (CAP_NET_RAW)",
            "; geen ICMP-echo: dit systeem staat geen ICMP-socket zonder rechten toe \
             (net.ipv4.ping_group_range) en dit proces mag geen raw socket openen (CAP_NET_RAW)",
        )
    } else {
        ("", "")
    };
    let (probes, probes_nl): (Vec<String>, Vec<String>) = probes.into_iter().unzip();
    let rest = scope
        .ports
        .tcp
        .iter()
        .filter(|p| !scope.discovery.tcp_ports.contains(p))
        .count();
    let message = format!(
        "host discovery: {alive} of {addresses} addresses answered a liveness probe \
         ({}){icmp}; only those were tried on the other {rest} TCP ports. A device that \
         answers none of these probes is missed: set `[discovery] hosts = \"all\"` or \
         pass --no-host-discovery to try every port of every address",
        probes.join(", ")
    );
    let nl = format!(
        "hostdetectie: {alive} van {addresses} adressen antwoordden op een levensteken \
         ({}){icmp_nl}; alleen die zijn op de andere {rest} TCP-poorten geprobeerd. Een apparaat dat \
         op geen van deze proeven antwoordt wordt gemist: zet `[discovery] hosts = \"all\"` \
         of geef --no-host-discovery om elke poort van elk adres te proberen",
        probes_nl.join(", ")
    );
    Note::new(NoteLevel::Info, message, nl)
}

/// Says that silence was not taken for congestion, when there was any.
fn silence_note(counts: &crate::net::NetCounts, rate: &crate::net::RateSummary) -> Option<Note> {
    if counts.silent_timeouts == 0 {
        return None;
    }
    let held = if rate.lowered == 0 {
        format!("; the rate stayed at {}/s", rate.effective)
    } else {
        String::new()
    };
    let (what, what_nl) = if counts.syns > 0 {
        ("SYNs and connects", "SYN's en verbindingen")
    } else {
        ("connects", "verbindingen")
    };
    Some(Note::new(
        NoteLevel::Info,
        format!(
            "{} {what} timed out on addresses that never answered anything: unused \
             addresses, not congestion, so they did not lower the rate{held}",
            counts.silent_timeouts
        ),
        format!(
            "{} {what_nl} bleven zonder antwoord op adressen die nooit iets terugzeiden: \
             ongebruikte adressen, geen overbelasting, dus ze verlaagden het tempo niet",
            counts.silent_timeouts
        ),
    ))
}

/// What `--syn` did: SYNs from which source port, or why connects found
/// the ports instead.
fn syn_note(
    net: &Net,
    counts: &crate::net::NetCounts,
    has_v6: bool,
    discover_only: bool,
) -> Option<Note> {
    use crate::net::SynMode;
    match net.syn_mode() {
        SynMode::Off => None,
        SynMode::On(sock) => {
            let port = sock.port();
            let (then, then_nl) = if discover_only {
                (
                    "open ports were not connected to (--discover-only)",
                    "met open poorten is niet verbonden (--discover-only)",
                )
            } else {
                (
                    "open ports were then connected to for identification",
                    "met open poorten is daarna verbonden voor identificatie",
                )
            };
            let v6 = if has_v6 {
                " IPv6 addresses, which a raw IPv4 socket does not reach, were tried with connects."
            } else {
                ""
            };
            let v6_nl = if v6.is_empty() {
                ""
            } else {
                " IPv6-adressen, die een raw IPv4-socket niet bereikt, zijn met verbindingen geprobeerd."
            };
            Some(Note::new(
                NoteLevel::Info,
                format!(
                    "TCP ports were found with SYNs from a raw socket, source port {port}: \
                     {} SYNs, {} answered SYN-ACK (open), {} RST (closed); the system answers \
                     each SYN-ACK with a reset, so no connection is left half-open; {then}.{v6}",
                    counts.syns, counts.syn_open, counts.syn_closed
                ),
                format!(
                    "TCP-poorten zijn gevonden met SYN-pakketten uit een raw socket, bronpoort \
                     {port}: {} SYN's, {} beantwoord met SYN-ACK (open), {} met RST (dicht); \
                     het systeem beantwoordt elke SYN-ACK met een reset, zodat geen verbinding \
                     half open blijft; {then_nl}.{v6_nl}",
                    counts.syns, counts.syn_open, counts.syn_closed
                ),
            ))
        }
        SynMode::Unavailable(e) => {
            let (why, why_nl) = if e.kind() == std::io::ErrorKind::PermissionDenied {
                (
                    "this process may not open a raw socket (it needs CAP_NET_RAW or root)"
                        .to_string(),
                    "dit proces mag geen raw socket openen (daarvoor is CAP_NET_RAW of root nodig)"
                        .to_string(),
                )
            } else {
                (
                    format!("the raw socket could not be opened ({e})"),
                    format!("de raw socket kon niet worden geopend ({e})"),
                )
            };
            Some(Note::new(
                NoteLevel::Warning,
                format!(
                    "SYN discovery (--syn) was asked for, but {why}: TCP ports were found with \
                     connects instead"
                ),
                format!(
                    "SYN-detectie (--syn) was gevraagd, maar {why_nl}: TCP-poorten zijn in plaats \
                     daarvan met verbindingen gevonden"
                ),
            ))
        }
    }
}

/// Says when the open-file limit, not the rate, bounded the scan: the
/// window was cut below what the scope asked for, every slot of it was
/// taken, and the scan sent its first contacts more slowly than the rate
/// allowed.
fn window_note(
    w: &WindowStats,
    scope: &Scope,
    counts: &crate::net::NetCounts,
    elapsed: std::time::Duration,
) -> Option<Note> {
    if !w.limited_by_files {
        return None;
    }
    let sent = counts.connects + counts.datagrams + counts.echoes;
    let achieved = sent as f64 / elapsed.as_secs_f64().max(0.001);
    if achieved >= f64::from(scope.rate.per_second) * 0.9 {
        return None;
    }
    Some(Note {
        level: NoteLevel::Warning,
        message: format!(
            "the open-file limit ({}) held the window to {} jobs in flight instead of {}: \
             the scan sent {achieved:.0} connections and datagrams a second, below its rate \
             of {}/s, so the file limit, not the rate, bounded it; raise the hard limit \
             (`ulimit -Hn`, systemd LimitNOFILE=)",
            w.open_file_limit.unwrap_or(0),
            w.in_flight,
            w.wanted,
            scope.rate.per_second
        ),
        message_nl: Some(format!(
            "de limiet op open bestanden ({}) hield het venster op {} taken tegelijk in plaats \
             van {}: de scan verstuurde {achieved:.0} verbindingen en datagrammen per seconde, \
             onder zijn tempo van {}/s; verhoog de harde limiet (`ulimit -Hn`, systemd \
             LimitNOFILE=)",
            w.open_file_limit.unwrap_or(0),
            w.in_flight,
            w.wanted,
            scope.rate.per_second
        )),
    })
}

/// The note on what the adaptive rate did, when it lowered the rate.
fn rate_note(rate: &crate::net::RateSummary) -> Option<Note> {
    let first = rate.first_lowering?;
    let mut message = format!(
        "rate lowered from {}/s to {}/s after {}% of connects timed out",
        first.from, first.to, first.lost_pct
    );
    let mut nl = format!(
        "tempo verlaagd van {}/s naar {}/s nadat {}% van de verbindingen niet op tijd antwoordde",
        first.from, first.to, first.lost_pct
    );
    if rate.lowered > 1 {
        message.push_str(&format!(
            "; lowered {} times in all (down to {}/s, worst window {}% timed out)",
            rate.lowered, rate.lowest, rate.worst_lost_pct
        ));
        nl.push_str(&format!(
            "; in totaal {} keer verlaagd (tot {}/s, in het slechtste venster {}% zonder antwoord)",
            rate.lowered, rate.lowest, rate.worst_lost_pct
        ));
    }
    message.push_str(&format!(
        "; the scan ended at {}/s (floor {}/s): ports that stayed silent may be \
         answered at a lower rate",
        rate.effective, rate.floor
    ));
    nl.push_str(&format!(
        "; de scan eindigde op {}/s (ondergrens {}/s): poorten die stil bleven kunnen \
         bij een lager tempo wel antwoorden",
        rate.effective, rate.floor
    ));
    Some(Note::new(NoteLevel::Warning, message, nl))
}

/// Runs one scan. Returns the report also when interrupted (then
/// `complete` is false and the results are partial).
pub async fn run(
    scope: Arc<Scope>,
    knowledge: &Knowledge,
    opts: &ScanOptions,
    shutdown: Shutdown,
    progress: &dyn ProgressSink,
) -> Result<Report, Error> {
    let clock = Instant::now();
    let started = unix_now();
    if scope.address_count() > LARGE_SCOPE && !opts.allow_large {
        return Err(Error::LargeScope {
            path: scope.path.clone(),
            addresses: scope.address_count(),
        });
    }
    let tls = TlsContext::new(&scope.trust_anchors)?;
    let kev = match &opts.kev {
        Some(p) => Some(Kev::load(p)?),
        None => None,
    };
    // Open the NVD index before scanning: a missing file is an error now,
    // not after an hour of probing.
    let mut nvd = match opts.nvd_db.as_ref().or(scope.knowledge.nvd_db.as_ref()) {
        Some(p) if !opts.discover_only => Some(crate::nvd::Index::open(p)?),
        _ => None,
    };
    let resolution = dns::resolve_hosts(&scope).await?;
    let mut notes = Vec::new();
    for r in &resolution.refused {
        notes.push(Note::new(
            NoteLevel::Warning,
            format!(
                "{} resolved to {}, which is {}: not scanned",
                r.host, r.addr, r.reason
            ),
            format!(
                "{} wees naar {}, buiten de scope ({}): niet gescand",
                r.host, r.addr, r.reason
            ),
        ));
    }
    for (host, why) in &resolution.failed {
        notes.push(Note::new(
            NoteLevel::Warning,
            format!("{host} did not resolve: {why}"),
            format!("{host} is niet op te zoeken in DNS ({why})"),
        ));
    }

    let space = Arc::new(TargetSpace::new(&scope, &resolution.hosts));
    let has_v6 = scope.networks.iter().any(|n| n.net.addr().is_ipv6())
        || resolution.hosts.iter().any(|h| h.addr.is_ipv6());
    let audit = match &opts.audit {
        Some(path) => Some(Arc::new(AuditLog::create(path).map_err(|source| {
            Error::Output {
                path: path.clone(),
                source,
            }
        })?)),
        None => None,
    };
    let mut net = Net::new(scope.clone(), shutdown.clone());
    if let Some(log) = &audit {
        net = net.with_audit(log.clone());
    }
    if opts.syn || scope.discovery.syn {
        net = net.with_syn();
    }
    if scope.discovery.icmp
        && !opts.no_host_discovery
        && scope.discovery.hosts == HostDiscovery::Probe
    {
        net = net.with_raw_echo();
    }
    let net = Arc::new(net);
    let policy = Policy::embedded(&scope.tls_policy)?;
    let prober = Arc::new(Prober {
        tls,
        timeout: scope.rate.timeout,
        greeting: scope.rate.greeting,
        now: started,
        policy: Arc::new(policy),
        endpoints: knowledge.endpoints.clone(),
        streams: knowledge.streams.clone(),
        ot_safe: scope.rate.profile == crate::scope::RateProfile::OtSafe,
    });
    let seed = discover::seed_for(&scope.name);
    let total = space.len();
    // The window: the scope's `max_in_flight`, unless the open-file limit
    // (raised to the hard limit first) allows fewer.
    let files = crate::net::files::raise();
    let wanted = u64::from(scope.rate.max_in_flight.max(1));
    // A job may hold two connections; a SYN holds no file, so under --syn
    // --discover-only (IPv4) a job holds at most the liveness pass's ICMP
    // echo socket.
    let per_job = if opts.discover_only && net.syn_port().is_some() && !has_v6 {
        u64::from(scope.discovery.icmp)
    } else {
        crate::net::files::FILES_PER_JOB
    };
    let window = files.map_or(wanted, |f| wanted.min(f.window_for(per_job)));
    let workers = usize::try_from(window.min(u64::try_from(total).unwrap_or(u64::MAX)))
        .unwrap_or(usize::MAX)
        .max(1);

    let mut observations: Vec<Observation> = Vec::new();
    let skip_below = opts.resume.as_ref().map_or(0, |r| r.done_below);
    if let Some(r) = &opts.resume {
        observations.extend(r.observations.iter().cloned());
        notes.push(Note::new(
            NoteLevel::Info,
            format!(
                "resumed run {}: {} steps and {} services taken over, the rest scanned now",
                r.from_run,
                r.done_below,
                r.observations.len()
            ),
            format!(
                "scan {} hervat: {} stappen en {} diensten overgenomen, de rest nu gescand",
                r.from_run,
                r.done_below,
                r.observations.len()
            ),
        ));
    }
    // A shard takes whole addresses (all ports of a device stay together,
    // so its assets and identities are the ones an unsharded scan finds);
    // the shards of a scope are disjoint and together complete.
    let (shard_k, shard_n) = opts
        .shard
        .map_or((0, 1), |(k, n)| (u64::from(k), u64::from(n.max(1))));
    let hosts = if opts.no_host_discovery {
        HostDiscovery::All
    } else {
        scope.discovery.hosts
    };
    let passes = plan_passes(&scope, &space, hosts, opts.discover_only);
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
        prober: prober.clone(),
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
                            notes.push(Note::new(NoteLevel::Error, format!("internal error in a probe task: {e}"), format!("interne fout in een taak van de scanner: {e}")));
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
    let (done, open, udp_answers) = (
        discovery.done.load(Ordering::Relaxed),
        discovery.open.load(Ordering::Relaxed),
        discovery.udp_answers.load(Ordering::Relaxed),
    );
    if let Some((k, n)) = opts.shard {
        notes.push(Note::new(
            NoteLevel::Info,
            format!("shard {k}/{n}: this run covers one slice of the scope; join the shards with `stadscan merge`"),
            format!("deel {k}/{n}: deze scan dekt één deel van de scope; voeg de delen samen met `stadscan merge`"),
        ));
    }
    let counts = net.counts();
    let alive = net.responsive_count() as u64;
    notes.extend(rate_note(&net.rate_summary()));
    notes.extend(silence_note(&counts, &net.rate_summary()));
    notes.extend(syn_note(&net, &counts, has_v6, opts.discover_only));
    notes.push(discovery_note(
        &scope,
        hosts,
        alive,
        space.addresses(),
        &counts,
        net.raw_echo(),
    ));
    let window_stats = WindowStats {
        in_flight: window,
        wanted,
        open_file_limit: files.map(|f| f.soft),
        // Cut below what the rate asks for, and every slot was taken.
        limited_by_files: window < wanted
            && discovery.peak_busy.load(Ordering::Relaxed) >= workers as u64,
    };
    notes.extend(window_note(&window_stats, &scope, &counts, clock.elapsed()));
    if interrupted {
        notes.push(Note::new(
            NoteLevel::Error,
            format!(
                "scan interrupted after {done} of {total} positions (address and port pairs): \
                 results are partial"
            ),
            format!(
                "scan afgebroken na {done} van {total} posities (paren van adres en poort): \
                 de resultaten zijn onvolledig"
            ),
        ));
    }
    progress.finish();
    if let Some(log) = &audit {
        log.flush();
    }

    if let Some(recog) = &knowledge.identifier.recog {
        notes.push(recog_note(recog));
    }
    let mut assets = fold_assets(&scope, observations, &knowledge.identifier);
    if scope.credentials.enabled && !interrupted && !opts.discover_only {
        let budget = open_budget(&scope, opts)?;
        let tester = crate::creds::Tester {
            data: knowledge.credentials.clone(),
            policy: scope.credentials.clone(),
            budget: Arc::new(budget),
            net: net.clone(),
            tls: prober.tls.clone(),
            timeout: scope.rate.timeout * 2,
            ot_safe: prober.ot_safe,
            endpoints: knowledge.endpoints.clone(),
            shutdown: shutdown.clone(),
        };
        let sum = tester.run(&mut assets).await;
        for a in assets.iter_mut().filter(|a| {
            a.observations
                .iter()
                .any(|o| o.fact("cred.authenticated_read").is_some())
        }) {
            identify(a, &knowledge.identifier);
        }
        notes.extend(credential_notes(
            &sum,
            tester.budget.path(),
            &scope.credentials,
            &assets,
        ));
        if shutdown.is_triggered() && !interrupted {
            interrupted = true;
            notes.push(Note::new(
                NoteLevel::Error,
                "scan interrupted during the credential tests: their results are partial",
                "scan afgebroken tijdens de wachtwoordtests: die resultaten zijn onvolledig",
            ));
        }
        if let Some(log) = &audit {
            log.flush();
        }
    }
    let assets_for_keys: Vec<(IpAddr, Option<String>)> = assets
        .iter()
        .map(|a| (a.addr, certificate_key(&a.observations)))
        .collect();
    for a in &mut assets {
        a.cpes = knowledge.cpe_rules.asset_cpes(a);
    }
    let mut findings = Vec::new();
    for a in &assets {
        for o in &a.observations {
            findings.extend(knowledge.checks.evaluate(o, &a.id));
        }
        findings.extend(advisory::findings(
            a,
            &knowledge.advisories,
            kev.as_ref(),
            &knowledge.fingerprints,
        ));
    }
    if let Some(index) = nvd.as_mut() {
        let policy = crate::check::nvd::Policy {
            min_cvss: scope.knowledge.min_cvss,
            kev: kev.as_ref(),
        };
        findings.extend(nvd_findings(index, &assets, knowledge, policy)?);
    }
    // The NVD rules only when an index was matched: without one, compliance
    // must not count them as checks that had something to judge and passed.
    let mut rules = knowledge.rules(kev.as_ref());
    if nvd.is_some() {
        let nvd_rules = crate::check::nvd::rules(&rules.dutch);
        rules.checks.extend(nvd_rules);
        rules.checks.sort_by(|a, b| a.id.cmp(&b.id));
    }
    let source_root = opts.source_root.as_deref();
    let mut report = Report {
        scope_uri: crate::report::scope_uri(&scope.path, source_root),
        scope: scope.clone(),
        checks: Arc::new(rules),
        baselines: knowledge.baselines.clone(),
        started,
        finished: unix_now(),
        complete: !interrupted,
        discover_only: opts.discover_only,
        assets,
        findings,
        refused: resolution.refused,
        certificate_keys: crate::assets::certificate_keys(&assets_for_keys),
        notes,
        stats: ScanStats {
            addresses: space.addresses(),
            ports: scope.ports.tcp.len() + scope.ports.udp.len(),
            positions_done: done,
            open_tcp: open,
            udp_answers,
            elapsed_ms: clock.elapsed().as_millis() as u64,
            net: counts,
            discovery: DiscoveryStats {
                hosts,
                liveness_tcp: match hosts {
                    HostDiscovery::Probe => scope.discovery.tcp_ports.clone(),
                    HostDiscovery::All => Vec::new(),
                },
                icmp: counts.echoes > 0,
                addresses_alive: alive,
                tcp: match net.syn_port() {
                    Some(_) => TcpDiscovery::Syn,
                    None => TcpDiscovery::Connect,
                },
            },
            window: window_stats,
        },
        compliance: None,
        history: None,
        sarif_absent: false,
    };
    let baseline = opts
        .baseline
        .as_deref()
        .unwrap_or(crate::compliance::DEFAULT_BASELINE);
    report.compliance = Some(crate::compliance::evaluate(
        &report.scanned(),
        &report.baselines,
        baseline,
    )?);
    Ok(report)
}

/// One finding per device whose CPE names the NVD index matches.
pub fn nvd_findings(
    index: &mut crate::nvd::Index,
    assets: &[Asset],
    knowledge: &Knowledge,
    policy: crate::check::nvd::Policy<'_>,
) -> Result<Vec<crate::model::Finding>, Error> {
    let mut findings = Vec::new();
    for a in assets {
        let names: Vec<crate::cpe::Cpe> = a
            .cpes
            .iter()
            .filter_map(|c| crate::cpe::Cpe::parse(&c.cpe))
            .collect();
        if names.is_empty() {
            continue;
        }
        let matches = index.matches(&names)?;
        if matches.is_empty() {
            continue;
        }
        findings.extend(crate::check::nvd::finding(
            a,
            &a.cpes,
            &matches,
            &knowledge.advisories,
            &knowledge.fingerprints,
            policy,
        ));
    }
    Ok(findings)
}

/// The attempt budget of this scan: the scope's `budget_file`, else the
/// history file, else the default state file.
fn open_budget(scope: &Scope, opts: &ScanOptions) -> Result<crate::creds::budget::Budget, Error> {
    let policy = &scope.credentials;
    let path = policy
        .budget_file
        .clone()
        .or_else(|| opts.budget_file.clone())
        .or_else(crate::creds::budget::default_path)
        .ok_or_else(|| Error::NoBudgetFile {
            scope: scope.path.clone(),
        })?;
    Ok(crate::creds::budget::Budget::open(
        &path,
        policy.attempts,
        i64::try_from(policy.window.as_secs()).unwrap_or(i64::MAX),
    )?)
}

/// What the credential phase tells the reader.
fn credential_notes(
    sum: &crate::creds::Summary,
    budget: &std::path::Path,
    policy: &crate::scope::CredentialPolicy,
    assets: &[Asset],
) -> Vec<Note> {
    let n = |v: u64, one: &str, many: &str| format!("{v} {}", if v == 1 { one } else { many });
    let mut notes = vec![Note::new(
        NoteLevel::Info,
        format!(
            "credentials: {} on {} (budget in {}); {} accepted, {} carried over from an earlier \
             run, {} let a wrong password in",
            n(sum.attempts, "login attempt", "login attempts"),
            n(sum.services, "service", "services"),
            budget.display(),
            n(sum.accepted, "default credential", "default credentials"),
            sum.carried,
            n(sum.accepts_any, "service", "services"),
        ),
        format!(
            "wachtwoorden: {} op {} (teller in {}); {} geaccepteerd, {} overgenomen uit een \
             eerdere scan, {} liet een fout wachtwoord toe",
            n(sum.attempts, "inlogpoging", "inlogpogingen"),
            n(sum.services, "dienst", "diensten"),
            budget.display(),
            n(sum.accepted, "standaardwachtwoord", "standaardwachtwoorden"),
            sum.carried,
            n(sum.accepts_any, "dienst", "diensten"),
        ),
    )];
    if !sum.spent.is_empty() {
        // Name each account: on which device, and when it may be tried.
        let addr = |id: &str| {
            assets
                .iter()
                .find(|a| a.id == id)
                .map_or_else(|| id.to_string(), |a| a.addr.to_string())
        };
        // In a fixed order: the credential jobs run side by side, so the
        // order they met their budget in changes from run to run.
        let mut spent_sorted: Vec<_> = sum.spent.iter().collect();
        spent_sorted.sort_by(|a, b| {
            (&a.device, &a.service, &a.account).cmp(&(&b.device, &b.service, &b.account))
        });
        let list = |until: &str| {
            let mut seen = std::collections::BTreeSet::new();
            spent_sorted
                .iter()
                .filter(|s| seen.insert((&s.device, &s.service, &s.account)))
                .map(|s| {
                    format!(
                        "`{}` on {} ({}){}",
                        s.account,
                        addr(&s.device),
                        s.service,
                        s.next
                            .map(|t| format!(" {until} {}", crate::model::rfc3339(t)))
                            .unwrap_or_default()
                    )
                })
                .collect::<Vec<_>>()
                .join("; ")
        };
        let hours = policy.window.as_secs() / 3600;
        let spent = sum
            .spent
            .iter()
            .map(|s| (&s.device, &s.service, &s.account))
            .collect::<std::collections::BTreeSet<_>>()
            .len() as u64;
        notes.push(Note::new(
            NoteLevel::Warning,
            format!(
                "credentials: the attempt budget ({} per device and account in {hours} h) kept {} \
                 from being tested (again) this run: {}. Scan again after that time, or raise \
                 [credentials] attempts or window_hours in the scope file",
                policy.attempts,
                n(spent, "account", "accounts"),
                list("next attempt from")
            ),
            format!(
                "wachtwoorden: het maximum aantal pogingen ({} per apparaat en account in \
                 {hours} uur) hield {} deze scan buiten de test: {}. Scan na dat tijdstip \
                 opnieuw, of verhoog [credentials] attempts of window_hours in het scopebestand",
                policy.attempts,
                n(spent, "account", "accounts"),
                list("volgende poging vanaf").replace(" on ", " op ")
            ),
        ));
    }
    if sum.ot_skipped > 0 {
        notes.push(Note::new(
            NoteLevel::Info,
            format!(
                "credentials: {} on OT devices not tested (ot-safe profile)",
                n(sum.ot_skipped, "login", "logins")
            ),
            format!(
                "wachtwoorden: {} op OT-apparaten niet getest (profiel ot-safe)",
                n(sum.ot_skipped, "inlog", "inlogs")
            ),
        ));
    }
    if sum.budget_errors > 0 {
        notes.push(Note::new(
            NoteLevel::Error,
            format!(
                "credentials: the budget file failed {}; those logins were not tried",
                n(sum.budget_errors, "time", "times")
            ),
            format!(
                "wachtwoorden: het tellerbestand faalde {} keer; die inlogs zijn niet geprobeerd",
                sum.budget_errors
            ),
        ));
    }
    notes
}

/// The shard (of `n`) an address belongs to: FNV-1a of its bytes.
pub fn shard_of(addr: IpAddr, n: u64) -> u64 {
    let bytes: Vec<u8> = match addr {
        IpAddr::V4(a) => a.octets().to_vec(),
        IpAddr::V6(a) => a.octets().to_vec(),
    };
    let h = bytes.iter().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
        (h ^ u64::from(*b)).wrapping_mul(0x0000_0100_0000_01b3)
    });
    h % n.max(1)
}

/// What loading the recog database found, for the run's notes.
fn recog_note(recog: &crate::identify::Recog) -> Note {
    let s = &recog.stats;
    let mut en = format!(
        "recog database loaded: {} fingerprints from {} files",
        s.fingerprints,
        s.files - s.files_skipped
    );
    let mut nl = format!(
        "recog-database geladen: {} fingerprints uit {} bestanden",
        s.fingerprints,
        s.files - s.files_skipped
    );
    if s.files_skipped > 0 {
        en.push_str(&format!(
            "; {} files describe protocols stadscan does not read",
            s.files_skipped
        ));
        nl.push_str(&format!(
            "; {} bestanden gaan over protocollen die stadscan niet leest",
            s.files_skipped
        ));
    }
    if s.unsupported > 0 {
        en.push_str(&format!(
            "; {} patterns use regex features Rust's regex lacks (look-around, back-references) and were skipped",
            s.unsupported
        ));
        nl.push_str(&format!(
            "; {} patronen gebruiken regex-mogelijkheden die Rust mist (look-around, terugverwijzingen) en zijn overgeslagen",
            s.unsupported
        ));
    }
    Note::new(NoteLevel::Info, en, nl)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::creds::{Spent, Summary};

    /// The host discovery note names its probes in the reader's language,
    /// and says in both why echo was not used when it was not.
    #[test]
    fn discovery_note_names_its_probes_in_each_language() {
        let scope = Scope::parse(
            "name = \"x\"\n[[networks]]\ncidr = \"127.1.2.0/24\"\n",
            std::path::Path::new("s.toml"),
        )
        .unwrap();
        let counts = crate::net::NetCounts {
            datagrams: 3,
            echoes: 2,
            ..Default::default()
        };
        let note = discovery_note(&scope, HostDiscovery::Probe, 1, 256, &counts, true);
        let nl = note.message_nl.clone().unwrap();
        assert!(
            note.message
                .contains("the UDP probes, ICMP echo (raw socket)"),
            "{}",
            note.message
        );
        assert!(
            nl.contains("de UDP-proeven, ICMP-echo (via een raw socket)"),
            "{nl}"
        );
        for english in ["the UDP probes", "ICMP echo", "(raw socket)"] {
            assert!(!nl.contains(english), "{english} in {nl}");
        }
        let silent = crate::net::NetCounts::default();
        let note = discovery_note(&scope, HostDiscovery::Probe, 1, 256, &silent, false);
        assert!(
            note.message.contains("ICMP echo not used"),
            "{}",
            note.message
        );
        let nl = note.message_nl.unwrap();
        assert!(nl.contains("geen ICMP-echo"), "{nl}");
        assert!(!nl.contains("not used"), "{nl}");
    }

    /// The accounts the budget kept from testing are named in one order
    /// whatever order the side-by-side credential jobs met the budget in:
    /// the same run twice writes the same note.
    #[test]
    fn budget_note_names_accounts_in_a_fixed_order() {
        let spent = |device: &str, account: &str| Spent {
            device: device.into(),
            service: "22/tcp".into(),
            account: account.into(),
            next: Some(1_800_000_000),
        };
        let note = |order: Vec<Spent>| {
            let sum = Summary {
                budget_spent: order.len() as u64,
                spent: order,
                ..Summary::default()
            };
            let notes = credential_notes(
                &sum,
                std::path::Path::new("budget.sqlite"),
                &crate::scope::CredentialPolicy::default(),
                &[],
            );
            notes
                .into_iter()
                .map(|n| n.message)
                .find(|m| m.contains("attempt budget"))
                .expect("a budget note")
        };
        let (a, b) = (
            spent("address:127.0.0.9", "root"),
            spent("address:127.0.0.5", "admin"),
        );
        let one = note(vec![a.clone(), b.clone()]);
        assert_eq!(one, note(vec![b, a]));
        assert!(
            one.find("`admin`").unwrap() < one.find("`root`").unwrap(),
            "{one}"
        );
    }
}
