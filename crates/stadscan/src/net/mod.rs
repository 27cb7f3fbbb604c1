//! The only code that opens sockets.
//!
//! Every TCP connect, SYN (`--syn`, from a raw socket: `net::syn`) and UDP
//! datagram passes, in this order: the scope gate (asked again here,
//! whatever the caller holds), the per-host connection cap, the global rate
//! limit, and a timeout. Reads are bounded by [`io`].
//! First contacts report how they ended to the adaptive rate
//! ([`RateControl`]), which lowers the global rate when timeouts climb on
//! addresses that answered before (silence of an address that never
//! answered anything is an unused address, not congestion).

pub mod audit;
mod dial;
mod echo;
pub mod files;
pub mod io;
mod limit;
mod syn;

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, SocketAddrV4};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use serde::Serialize;
use tokio::net::{TcpStream, UdpSocket};
use tokio::sync::watch;

use crate::model::Target;
use crate::scope::{Scope, Verdict};
use dial::Dialed;
use syn::{Probed, SynSocket};

pub use audit::{AuditEntry, AuditLog, Audited};
pub use echo::{EchoOutcome, icmp_available};
pub use limit::{
    Class, ControlSettings, HostPermit, HostSlots, RateChange, RateControl, RateLimiter,
    RateSummary,
};

/// Why a connection was not made.
#[derive(Debug, thiserror::Error)]
pub enum ConnectError {
    /// The scope gate refused the address (the verdict says why); nothing
    /// was sent.
    #[error("refused by the scope gate ({0:?})")]
    OutOfScope(Verdict),
    /// The connection was refused: nothing listens on the port.
    #[error("connection refused")]
    Refused,
    /// No answer within the scope's connect timeout.
    #[error("no answer within the connect timeout")]
    Timeout,
    /// The scan was cancelled while waiting.
    #[error("scan cancelled")]
    Cancelled,
    /// The system would not make the connection (no buffer, port or route).
    #[error("{0}")]
    Io(std::io::Error),
}

/// An open connection with the per-host slot it occupies. The stream
/// counts its bytes for the audit trail.
#[derive(Debug)]
pub struct Conn {
    /// The connected stream.
    pub stream: Audited<TcpStream>,
    /// The host slot; the slot is free again when the connection is
    /// dropped.
    pub permit: HostPermit,
}

/// Probe labels that open a conversation with a port not yet known to
/// answer (discovery); every other label continues one.
const FIRST_CONTACTS: &[&str] = &[
    "tcp-connect",
    "tcp-syn",
    "snmp-get",
    "coap-get",
    "bacnet-whois",
    "wsd-probe",
    "ssdp-msearch",
];

/// The rate limiter's line for a probe label.
pub fn class_of(probe: &str) -> Class {
    if FIRST_CONTACTS.contains(&probe) {
        Class::FirstContact
    } else {
        Class::FollowUp
    }
}

/// Copies of one UDP request at most (the first and two retransmissions).
pub const UDP_COPIES: u32 = 3;
/// The shortest wait before a retransmission: below it, fewer copies fit.
const MIN_RESEND_GAP: Duration = Duration::from_millis(20);

/// When the copies of a UDP request listening for `window` go out, from
/// the first send: every wait twice the one before, the last one ending the
/// window. Three copies go at 0, 1/7 and 3/7 of the window, which leaves
/// the last 4/7 for a reply; a window too short for gaps of
/// `MIN_RESEND_GAP` gets fewer copies (one at least).
pub fn resend_offsets(window: Duration) -> Vec<Duration> {
    let mut copies = UDP_COPIES;
    while copies > 1 && window / ((1 << copies) - 1) < MIN_RESEND_GAP {
        copies -= 1;
    }
    let unit = window / ((1 << copies) - 1);
    (0..copies).map(|i| unit * ((1 << i) - 1)).collect()
}

/// What a UDP request got back.
#[derive(Debug)]
pub enum UdpOutcome {
    /// The first reply, cut to the caller's maximum size.
    Reply(Vec<u8>),
    /// No reply within the window, to any copy.
    Silent,
    /// ICMP port unreachable (seen as a refused receive on a connected socket).
    Refused,
    /// The scope gate refused the address; nothing was sent.
    OutOfScope(Verdict),
    /// The scan was cancelled while waiting.
    Cancelled,
    /// The socket could not be opened, connected, written or read.
    Error(std::io::Error),
}

/// How a SYN (`--syn`) ended.
#[derive(Debug)]
pub enum SynOutcome {
    /// SYN-ACK: something listens.
    Open,
    /// RST: nothing listens; the address is in use.
    Closed,
    /// No answer within the connect timeout.
    Silent,
    /// The scope gate refused the address; nothing was sent.
    OutOfScope(Verdict),
    /// The scan was cancelled while waiting.
    Cancelled,
    /// No raw socket in this scan, or an IPv6 target: connect instead.
    Unavailable,
    /// The kernel would not send it.
    Failed(std::io::Error),
}

/// Whether TCP ports are found with SYNs from a raw socket.
#[derive(Debug)]
pub enum SynMode {
    /// Connects (the default).
    Off,
    /// SYNs from this raw socket (IPv4 targets only).
    On(SynSocket),
    /// Asked for, but the raw socket could not be opened: connects, and
    /// why.
    Unavailable(std::io::Error),
}

/// What an audit line describes, before its outcome is known.
struct Attempt<'a> {
    target: &'a Target,
    port: u16,
    transport: &'static str,
    probe: &'static str,
    started: std::time::Instant,
}

/// Counters of what went over the wire.
#[derive(Debug, Default)]
pub struct NetStats {
    /// TCP connects tried (past the gate, the host cap and the rate).
    pub connects: AtomicU64,
    /// Connects the device accepted.
    pub open: AtomicU64,
    /// Connects the device refused.
    pub refused: AtomicU64,
    /// Connects with no answer within the connect timeout.
    pub timeouts: AtomicU64,
    /// UDP datagrams sent, retransmissions included.
    pub datagrams: AtomicU64,
    /// Connections, datagrams, SYNs and echoes the scope gate refused.
    pub gate_refusals: AtomicU64,
    /// Connects and SYNs that timed out on addresses that had answered
    /// nothing yet.
    pub silent_timeouts: AtomicU64,
    /// ICMP echo requests tried.
    pub echoes: AtomicU64,
    /// Echo replies received.
    pub echo_replies: AtomicU64,
    /// SYNs sent from the raw socket.
    pub syns: AtomicU64,
    /// SYNs answered with a SYN-ACK.
    pub syn_open: AtomicU64,
    /// SYNs answered with a reset.
    pub syn_closed: AtomicU64,
    /// SYNs with no answer in time.
    pub syn_timeouts: AtomicU64,
}

/// A snapshot of [`NetStats`].
#[derive(Debug, Clone, Copy, Default, Serialize, PartialEq, Eq)]
pub struct NetCounts {
    /// TCP connects tried.
    pub connects: u64,
    /// Connects the device accepted.
    pub open: u64,
    /// Connects the device refused.
    pub refused: u64,
    /// Connects with no answer within the connect timeout.
    pub timeouts: u64,
    /// UDP datagrams sent, retransmissions included.
    pub datagrams: u64,
    /// Attempts the scope gate refused (nothing was sent for them).
    pub gate_refusals: u64,
    /// Connects and SYNs that timed out on addresses that had not answered
    /// anything (not counted as congestion by the adaptive rate).
    pub silent_timeouts: u64,
    /// ICMP echo requests sent, and replies.
    pub echoes: u64,
    /// Echo replies received.
    pub echo_replies: u64,
    /// SYNs sent from the raw socket (`--syn`, retransmissions included),
    /// and how they ended: SYN-ACK, RST, no answer in time.
    pub syns: u64,
    /// SYNs answered with a SYN-ACK.
    pub syn_open: u64,
    /// SYNs answered with a reset.
    pub syn_closed: u64,
    /// SYNs with no answer in time.
    pub syn_timeouts: u64,
    /// The send rate in force at the end (lower than the scope's when the
    /// adaptive rate lowered it).
    pub rate_per_second: u64,
    /// How many times the adaptive rate lowered the send rate.
    pub rate_lowered: u64,
}

/// Cancellation shared by every task of a scan (Ctrl-C, SIGTERM).
#[derive(Debug, Clone)]
pub struct Shutdown {
    rx: watch::Receiver<bool>,
}

/// Triggers a [`Shutdown`].
#[derive(Debug)]
pub struct ShutdownTrigger {
    tx: watch::Sender<bool>,
}

impl Shutdown {
    /// A new, untriggered cancellation: the trigger for the signal handler
    /// and the handle every task watches (clone it freely).
    pub fn new() -> (ShutdownTrigger, Shutdown) {
        let (tx, rx) = watch::channel(false);
        (ShutdownTrigger { tx }, Shutdown { rx })
    }
    /// True once the scan is cancelled.
    pub fn is_triggered(&self) -> bool {
        *self.rx.borrow()
    }
    /// Resolves once the scan is cancelled.
    pub async fn triggered(&self) {
        let mut rx = self.rx.clone();
        // An error means the trigger is gone: nobody can cancel any more.
        if rx.wait_for(|v| *v).await.is_err() {
            std::future::pending::<()>().await;
        }
    }
}

impl ShutdownTrigger {
    /// Cancels the scan: every waiting connect, datagram and echo ends with
    /// its `Cancelled` outcome.
    pub fn trigger(&self) {
        self.tx.send_replace(true);
    }
}

/// The network access of one scan.
#[derive(Debug)]
pub struct Net {
    scope: Arc<Scope>,
    rate: RateLimiter,
    hosts: HostSlots,
    connect_timeout: Duration,
    shutdown: Shutdown,
    stats: NetStats,
    audit: Option<Arc<AuditLog>>,
    control: std::sync::Mutex<RateControl>,
    /// The controller's generation, readable without its lock.
    generation: AtomicU64,
    /// Addresses that answered something (a connect accepted or refused, a
    /// SYN answered, a datagram answered or refused, an echo reply): memory
    /// follows the live addresses, not the scope.
    responsive: syn::Responsive,
    syn: SynMode,
    /// The raw ICMP socket for echo, where the system allows no
    /// unprivileged one and the process may open a raw one (IPv4).
    raw_echo: Option<echo::RawEcho>,
}

impl Net {
    /// Network access under `scope`'s rate, per-host cap and connect
    /// timeout, with connects (no SYNs, no raw echo socket) and no audit
    /// trail until the `with_*` methods add them.
    pub fn new(scope: Arc<Scope>, shutdown: Shutdown) -> Net {
        let r = &scope.rate;
        Net {
            rate: RateLimiter::new(r.per_second),
            hosts: HostSlots::new(r.per_host_concurrency as usize),
            connect_timeout: r.connect_timeout,
            scope: scope.clone(),
            shutdown,
            stats: NetStats::default(),
            audit: None,
            control: std::sync::Mutex::new(RateControl::new(
                r.per_second,
                ControlSettings::default(),
            )),
            generation: AtomicU64::new(0),
            responsive: Arc::default(),
            syn: SynMode::Off,
            raw_echo: None,
        }
    }

    /// Sends IPv4 echo requests from a raw ICMP socket where the system
    /// allows no unprivileged ICMP socket and the process may open a raw
    /// one (CAP_NET_RAW); otherwise changes nothing. Needs a tokio runtime.
    pub fn with_raw_echo(mut self) -> Net {
        let v4 = IpAddr::V4(Ipv4Addr::LOCALHOST);
        if !icmp_available(v4) {
            match echo::RawEcho::open(self.responsive.clone()) {
                Ok(raw) => self.raw_echo = Some(raw),
                Err(e) => {
                    tracing::info!(error = %e, "no raw ICMP socket: host discovery without echo")
                }
            }
        }
        self
    }

    /// Whether an echo request can be sent to `addr` (through an
    /// unprivileged ICMP socket, or the scan's raw one).
    pub fn can_echo(&self, addr: IpAddr) -> bool {
        icmp_available(addr) || (addr.is_ipv4() && self.raw_echo.is_some())
    }

    /// True when IPv4 echo goes through the scan's raw socket (it is only
    /// opened where no unprivileged ICMP socket is allowed).
    pub fn raw_echo(&self) -> bool {
        self.raw_echo.is_some()
    }

    /// Finds TCP ports with SYNs from a raw socket (IPv4), when the process
    /// may open one; otherwise with connects, and [`Net::syn_mode`] says
    /// why. Needs a tokio runtime.
    pub fn with_syn(mut self) -> Net {
        self.syn = match SynSocket::open(self.responsive.clone()) {
            Ok(s) => SynMode::On(s),
            Err(e) => {
                tracing::info!(error = %e, "no raw socket: TCP discovery by connects");
                SynMode::Unavailable(e)
            }
        };
        self
    }

    /// Whether this scan sends SYNs, and why not when they were asked for.
    pub fn syn_mode(&self) -> &SynMode {
        &self.syn
    }

    /// The source port of the scan's SYNs, when they are sent.
    pub fn syn_port(&self) -> Option<u16> {
        match &self.syn {
            SynMode::On(s) => Some(s.port()),
            _ => None,
        }
    }

    /// True when a port of `addr` is probed with a SYN (not a connect).
    pub fn syn_for(&self, addr: IpAddr) -> bool {
        addr.is_ipv4() && matches!(self.syn, SynMode::On(_))
    }

    /// How long a connect may wait for its answer.
    pub fn connect_timeout(&self) -> Duration {
        self.connect_timeout
    }

    /// True once `addr` answered anything during this scan.
    pub fn showed_life(&self, addr: IpAddr) -> bool {
        self.responsive
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .contains(&addr)
    }

    /// How many addresses answered something so far.
    pub fn responsive_count(&self) -> usize {
        self.responsive
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .len()
    }

    /// Notes that `addr` answered something (tests use it for a device
    /// they know is there, as host discovery would have found it).
    pub(crate) fn alive(&self, addr: IpAddr) {
        self.responsive
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(addr);
    }

    /// Replaces how the adaptive rate judges timeouts (tests).
    pub fn with_rate_control(self, settings: ControlSettings) -> Net {
        let rate = self.scope.rate.per_second;
        *self.control.lock().unwrap_or_else(|p| p.into_inner()) = RateControl::new(rate, settings);
        self.generation.store(0, Ordering::Relaxed);
        self
    }

    /// Hands the outcome of one first contact to the adaptive rate.
    fn judge(&self, generation: u64, lost: bool) {
        let mut control = self.control.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(rate) = control.observe(generation, lost) {
            self.rate.set_per_second(rate);
            self.generation
                .store(control.generation(), Ordering::Relaxed);
            tracing::info!(rate, "adaptive rate changed");
        }
    }

    /// What the adaptive rate did so far.
    pub fn rate_summary(&self) -> RateSummary {
        self.control
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .summary()
    }

    /// Records every connection and datagram in `log`.
    pub fn with_audit(mut self, log: Arc<AuditLog>) -> Net {
        self.audit = Some(log);
        self
    }

    /// Writes one line for an attempt that produced no stream (or a datagram).
    fn audit_attempt(&self, what: &Attempt<'_>, outcome: &'static str, sent: u64, received: u64) {
        if let Some(log) = &self.audit {
            log.record(&AuditEntry {
                time: audit::now_millis(),
                target: what.target.addr(),
                port: what.port,
                transport: what.transport,
                probe: what.probe,
                outcome,
                bytes_sent: sent,
                bytes_received: received,
                duration_ms: what.started.elapsed().as_millis() as u64,
            });
        }
    }

    /// A slot on the host and a send slot of the global rate, in the order
    /// that keeps both limits without starving anyone: a follow-up takes its
    /// host slot, then its send slot (it skips the first-contact line). A
    /// first contact stands in the line holding no host slot (so a line of
    /// discovery attempts cannot lock a device's slots away from the probes
    /// talking to it); when its turn comes and the host is busy, it gives
    /// the turn up, waits for a host slot, and lines up again. Either way a
    /// send follows its send slot at once, so the rate holds at the wire.
    async fn admit(&self, addr: IpAddr, class: Class) -> HostPermit {
        if class == Class::FollowUp {
            let permit = self.hosts.acquire(addr).await;
            self.rate.acquire_as(class).await;
            return permit;
        }
        self.rate.acquire_as(class).await;
        if let Some(permit) = self.hosts.try_acquire(addr) {
            return permit;
        }
        let permit = self.hosts.acquire(addr).await;
        self.rate.acquire_as(class).await;
        permit
    }

    fn gate(&self, target: &Target) -> Result<(), Verdict> {
        match self.scope.verdict(target.addr(), target.origin()) {
            Verdict::Allowed => Ok(()),
            v => {
                self.stats.gate_refusals.fetch_add(1, Ordering::Relaxed);
                tracing::warn!(addr = %target.addr(), verdict = ?v, "scope gate refused a connection");
                Err(v)
            }
        }
    }

    /// Opens a TCP connection to `target:port` for `probe` (a name in the
    /// audit trail).
    pub async fn connect(
        &self,
        target: &Target,
        port: u16,
        probe: &'static str,
    ) -> Result<Conn, ConnectError> {
        self.gate(target).map_err(ConnectError::OutOfScope)?;
        let class = class_of(probe);
        let work = async {
            let permit = self.admit(target.addr(), class).await;
            let generation = self.generation.load(Ordering::Relaxed);
            let judge = |lost: bool| {
                if class == Class::FirstContact {
                    self.judge(generation, lost);
                }
            };
            self.stats.connects.fetch_add(1, Ordering::Relaxed);
            let addr = SocketAddr::new(target.addr(), port);
            let attempt = Attempt {
                target,
                port,
                transport: "tcp",
                probe,
                started: std::time::Instant::now(),
            };
            match dial::dial(addr, self.connect_timeout).await {
                Dialed::Timeout => {
                    // Silence from an address that never answered is an
                    // unused address (or a firewall), whatever the rate:
                    // only a host that answered before and now times out
                    // tells of congestion.
                    if self.showed_life(target.addr()) {
                        judge(true);
                    } else {
                        self.stats.silent_timeouts.fetch_add(1, Ordering::Relaxed);
                    }
                    self.stats.timeouts.fetch_add(1, Ordering::Relaxed);
                    self.audit_attempt(&attempt, "timeout", 0, 0);
                    Err(ConnectError::Timeout)
                }
                Dialed::Refused => {
                    judge(false);
                    self.alive(target.addr());
                    self.stats.refused.fetch_add(1, Ordering::Relaxed);
                    self.audit_attempt(&attempt, "refused", 0, 0);
                    Err(ConnectError::Refused)
                }
                Dialed::Failed(e) => {
                    // The kernel pushed back (no buffer, no local port, no
                    // route): as much a sign of going too fast as a timeout
                    // of a live host.
                    judge(true);
                    self.audit_attempt(&attempt, "failed", 0, 0);
                    Err(ConnectError::Io(e))
                }
                Dialed::Open(stream) => {
                    judge(false);
                    self.alive(target.addr());
                    self.stats.open.fetch_add(1, Ordering::Relaxed);
                    // Best effort: probes write whole requests at once.
                    let _nodelay = stream.set_nodelay(true);
                    let stream =
                        Audited::new(stream, target.addr(), port, probe, self.audit.clone());
                    Ok(Conn { stream, permit })
                }
            }
        };
        tokio::select! {
            r = work => r,
            () = self.shutdown.triggered() => Err(ConnectError::Cancelled),
        }
    }

    /// Sends `payload` (for `probe`) to `target:port` over UDP and listens
    /// up to `window` from the first send for one reply of at most `max`
    /// bytes. A silent request is sent again, unchanged, with backoff (at
    /// the [`resend_offsets`] of the window), but only to an address that
    /// answered something before (an unused address gets one datagram, not
    /// three): a lost request or a lost reply costs one retransmission, not
    /// the answer, and a late reply to any copy counts. Every copy takes a
    /// slot of the global rate (a retransmission without waiting in the
    /// line of first contacts) and is one line of the audit trail; the
    /// caller sees one request.
    pub async fn udp_request(
        &self,
        target: &Target,
        port: u16,
        probe: &'static str,
        payload: &[u8],
        window: Duration,
        max: usize,
    ) -> UdpOutcome {
        if let Err(v) = self.gate(target) {
            return UdpOutcome::OutOfScope(v);
        }
        let work = async {
            let class = class_of(probe);
            let _permit = self.admit(target.addr(), class).await;
            let local: SocketAddr = match target.addr() {
                IpAddr::V4(_) => (Ipv4Addr::UNSPECIFIED, 0).into(),
                IpAddr::V6(_) => (Ipv6Addr::UNSPECIFIED, 0).into(),
            };
            let sock = match UdpSocket::bind(local).await {
                Ok(s) => s,
                Err(e) => return UdpOutcome::Error(e),
            };
            if let Err(e) = sock.connect(SocketAddr::new(target.addr(), port)).await {
                return UdpOutcome::Error(e);
            }
            let mut buf = vec![0u8; max.clamp(1, 65_536)];
            let len = payload.len() as u64;
            let start = tokio::time::Instant::now();
            let end = start + window;
            // The copy sent last: its audit line waits for its outcome.
            let mut open: Option<Attempt<'_>> = None;
            for at in resend_offsets(window) {
                if let Some(sent) = &open {
                    // Listen until the next copy is due and, for an address
                    // that showed life, has its rate slot.
                    let heard = tokio::select! {
                        r = sock.recv(&mut buf) => Ok(r),
                        resend = async {
                            tokio::time::sleep_until(start + at).await;
                            let live = self.showed_life(target.addr());
                            if live {
                                // A retransmission continues a request: it
                                // takes a send slot without standing in
                                // the line of first contacts, or a busy
                                // sweep would hold it past the window.
                                self.rate.acquire_as(Class::FollowUp).await;
                            }
                            live
                        } => Err(resend),
                    };
                    match heard {
                        Ok(r) => return self.udp_heard(r, buf, sent, len),
                        // Silent so far and never answered: listen to the end.
                        Err(false) => break,
                        Err(true) => {}
                    }
                    self.audit_attempt(sent, "timeout", len, 0);
                    if tokio::time::Instant::now() >= end {
                        return UdpOutcome::Silent;
                    }
                }
                self.stats.datagrams.fetch_add(1, Ordering::Relaxed);
                let attempt = Attempt {
                    target,
                    port,
                    transport: "udp",
                    probe,
                    started: std::time::Instant::now(),
                };
                if let Err(e) = sock.send(payload).await {
                    self.audit_attempt(&attempt, "failed", 0, 0);
                    return UdpOutcome::Error(e);
                }
                open = Some(attempt);
            }
            let Some(sent) = open else {
                return UdpOutcome::Silent;
            };
            match tokio::time::timeout_at(end, sock.recv(&mut buf)).await {
                Ok(r) => self.udp_heard(r, buf, &sent, len),
                Err(_) => {
                    self.audit_attempt(&sent, "timeout", len, 0);
                    UdpOutcome::Silent
                }
            }
        };
        tokio::select! {
            r = work => r,
            () = self.shutdown.triggered() => UdpOutcome::Cancelled,
        }
    }

    /// Sends a SYN to `target:port` from the scan's raw socket and waits up
    /// to the connect timeout for a SYN-ACK or RST (a copy goes again
    /// within that time, as the system retransmits a connect's SYN). The
    /// same gate, host cap, rate (a first contact) and adaptive judgement as
    /// a connect, and one line of the audit trail (`tcp-syn`; a SYN carries
    /// no payload).
    pub async fn syn(&self, target: &Target, port: u16) -> SynOutcome {
        let (SynMode::On(sock), IpAddr::V4(ip)) = (&self.syn, target.addr()) else {
            return SynOutcome::Unavailable;
        };
        if let Err(v) = self.gate(target) {
            return SynOutcome::OutOfScope(v);
        }
        let work = async {
            let _permit = self.admit(target.addr(), Class::FirstContact).await;
            let generation = self.generation.load(Ordering::Relaxed);
            self.stats.syns.fetch_add(1, Ordering::Relaxed);
            let attempt = Attempt {
                target,
                port,
                transport: "tcp",
                probe: "tcp-syn",
                started: std::time::Instant::now(),
            };
            let dst = SocketAddrV4::new(ip, port);
            let (outcome, label, counter) = match sock.probe(dst, self.connect_timeout).await {
                Probed::Answered(stadscan_proto::tcp::Answer::Open) => {
                    self.judge(generation, false);
                    self.alive(target.addr());
                    (SynOutcome::Open, "open", &self.stats.syn_open)
                }
                Probed::Answered(stadscan_proto::tcp::Answer::Closed) => {
                    self.judge(generation, false);
                    self.alive(target.addr());
                    (SynOutcome::Closed, "refused", &self.stats.syn_closed)
                }
                Probed::Silent => {
                    // As for a connect: silence of an address that never
                    // answered is not congestion.
                    if self.showed_life(target.addr()) {
                        self.judge(generation, true);
                    } else {
                        self.stats.silent_timeouts.fetch_add(1, Ordering::Relaxed);
                    }
                    (SynOutcome::Silent, "timeout", &self.stats.syn_timeouts)
                }
                Probed::Failed(e) => {
                    // The kernel pushed back: a sign of going too fast.
                    self.judge(generation, true);
                    self.audit_attempt(&attempt, "failed", 0, 0);
                    return SynOutcome::Failed(e);
                }
            };
            counter.fetch_add(1, Ordering::Relaxed);
            self.audit_attempt(&attempt, label, 0, 0);
            outcome
        };
        tokio::select! {
            r = work => r,
            () = self.shutdown.triggered() => SynOutcome::Cancelled,
        }
    }

    /// Sends one ICMP echo request to `target` (through an unprivileged
    /// ICMP socket, or the scan's raw one: [`Net::with_raw_echo`]) and
    /// waits up to `wait` for the reply; a reply marks the address as
    /// alive. Same gate, rate, host cap and audit trail as a connect.
    pub async fn echo(&self, target: &Target, wait: Duration) -> EchoOutcome {
        if let Err(v) = self.gate(target) {
            return EchoOutcome::OutOfScope(v);
        }
        let work = async {
            let _permit = self.admit(target.addr(), Class::FirstContact).await;
            self.stats.echoes.fetch_add(1, Ordering::Relaxed);
            let attempt = Attempt {
                target,
                port: 0,
                transport: "icmp",
                probe: "icmp-echo",
                started: std::time::Instant::now(),
            };
            let outcome = match (target.addr(), &self.raw_echo) {
                (addr, _) if icmp_available(addr) => echo::ping(addr, wait).await,
                (IpAddr::V4(addr), Some(raw)) => raw.ping(addr, wait).await,
                _ => EchoOutcome::Unavailable,
            };
            let (label, sent, received) = match &outcome {
                EchoOutcome::Reply => ("sent", echo::REQUEST_LEN, echo::REQUEST_LEN),
                EchoOutcome::Silent => ("timeout", echo::REQUEST_LEN, 0),
                _ => ("failed", 0, 0),
            };
            if matches!(outcome, EchoOutcome::Reply) {
                self.stats.echo_replies.fetch_add(1, Ordering::Relaxed);
                self.alive(target.addr());
            }
            self.audit_attempt(&attempt, label, sent, received);
            outcome
        };
        tokio::select! {
            r = work => r,
            () = self.shutdown.triggered() => EchoOutcome::Cancelled,
        }
    }

    /// What a receive on a UDP request's socket means, with the audit line
    /// of the copy sent last.
    fn udp_heard(
        &self,
        r: std::io::Result<usize>,
        mut buf: Vec<u8>,
        sent: &Attempt<'_>,
        len: u64,
    ) -> UdpOutcome {
        match r {
            Ok(n) => {
                self.alive(sent.target.addr());
                self.audit_attempt(sent, "sent", len, n as u64);
                buf.truncate(n);
                UdpOutcome::Reply(buf)
            }
            Err(e) if e.kind() == std::io::ErrorKind::ConnectionRefused => {
                self.alive(sent.target.addr());
                self.audit_attempt(sent, "refused", len, 0);
                UdpOutcome::Refused
            }
            Err(e) => {
                self.audit_attempt(sent, "failed", len, 0);
                UdpOutcome::Error(e)
            }
        }
    }

    /// The counters so far (the JSON report's `stats.net`).
    pub fn counts(&self) -> NetCounts {
        let s = &self.stats;
        let g = |a: &AtomicU64| a.load(Ordering::Relaxed);
        let rate = self.rate_summary();
        NetCounts {
            connects: g(&s.connects),
            syns: g(&s.syns),
            syn_open: g(&s.syn_open),
            syn_closed: g(&s.syn_closed),
            syn_timeouts: g(&s.syn_timeouts),
            open: g(&s.open),
            refused: g(&s.refused),
            timeouts: g(&s.timeouts),
            datagrams: g(&s.datagrams),
            gate_refusals: g(&s.gate_refusals),
            silent_timeouts: g(&s.silent_timeouts),
            echoes: g(&s.echoes),
            echo_replies: g(&s.echo_replies),
            rate_per_second: u64::from(rate.effective),
            rate_lowered: u64::from(rate.lowered),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn copies_go_with_doubling_waits_inside_the_window() {
        let ms = |v: Vec<Duration>| v.iter().map(|d| d.as_millis()).collect::<Vec<_>>();
        assert_eq!(
            ms(resend_offsets(Duration::from_millis(700))),
            [0, 100, 300]
        );
        assert_eq!(
            ms(resend_offsets(Duration::from_millis(3000))),
            [0, 428, 1285]
        );
        // Too short for gaps of 20 ms between three copies: two, then one.
        assert_eq!(ms(resend_offsets(Duration::from_millis(100))), [0, 33]);
        assert_eq!(ms(resend_offsets(Duration::from_millis(40))), [0]);
        assert_eq!(ms(resend_offsets(Duration::ZERO)), [0]);
    }
}
