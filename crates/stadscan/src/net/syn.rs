//! Stateless SYN discovery through a raw IPv4 socket (needs CAP_NET_RAW).
//!
//! One raw socket sends every SYN of a scan, built whole (IPv4 and TCP
//! headers, `stadscan_proto::tcp`), from one source port and with an
//! initial sequence number keyed by a secret of this scan: a reply proves
//! itself by acknowledging that number plus one, so it is judged without
//! any record of the probe. No socket, file or connection is held per
//! port; the table here only hands an answer to the task waiting for it,
//! and an answer nobody waits for any more still proves the address alive.
//!
//! The source port is reserved for the scan by a TCP socket bound to it
//! and never listening: the kernel does not hand it to the scanner's own
//! connects (or anyone's), and it answers every SYN-ACK that reaches it
//! with a reset, as for any port nobody listens on. So an open port is
//! never left half-open on the device, and the kernel's reset is expected,
//! not a fault.
//!
//! IPv4 only. Sending is visible to `net` alone: every SYN goes through
//! `Net::syn`, which asks the scope gate, the host cap, the rate and writes
//! the audit trail, as for a connect.

use std::collections::{HashMap, HashSet};
use std::io;
use std::net::{IpAddr, Ipv4Addr, SocketAddr, SocketAddrV4};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use ring::rand::SecureRandom;
use socket2::{Domain, Protocol, SockAddr, SockFilter, Socket, Type};
use stadscan_proto::tcp::{self, Answer, Segment, SeqKey};
use tokio::net::UdpSocket;
use tokio::sync::oneshot;

/// How one SYN ended.
#[derive(Debug)]
pub(crate) enum Probed {
    Answered(Answer),
    Silent,
    /// The kernel refused to send it (no buffer space, a firewall rule...).
    Failed(io::Error),
}

/// The addresses that answered something, shared with `Net`.
pub(crate) type Responsive = Arc<Mutex<HashSet<IpAddr>>>;

/// The raw socket of one scan and the task reading its replies.
#[derive(Debug)]
pub struct SynSocket {
    shared: Arc<Shared>,
    reader: tokio::task::JoinHandle<()>,
    /// Holds the source port (bound, never listening) for the scan.
    _port: Socket,
}

#[derive(Debug)]
struct Shared {
    /// The raw socket, driven through tokio's UDP socket type: its
    /// readiness, `recv` and `send_to` serve a raw socket the same way,
    /// without the `unsafe` registration of a bare descriptor.
    raw: UdpSocket,
    port: u16,
    key: SeqKey,
    /// The probes waiting for an answer, by the endpoint they went to.
    waiting: Mutex<HashMap<SocketAddrV4, oneshot::Sender<Answer>>>,
    responsive: Responsive,
    /// The source address towards each destination asked so far.
    sources: Mutex<HashMap<Ipv4Addr, Ipv4Addr>>,
}

/// Socket buffer for replies: a burst of answers from a fast sweep fits.
const RECV_BUFFER: usize = 8 << 20;
/// Destinations whose source address is remembered (about 1.5 MB); the
/// memory is cleared when full, so it stays bounded for any scope.
const SOURCES_KEPT: usize = 65_536;
/// When an unanswered SYN is sent again: the system's initial
/// retransmission timeout for a connect (RFC 6298's one second).
const RESEND_AFTER: Duration = Duration::from_secs(1);
/// Largest packet read (an IPv4 packet's limit: a reply with a payload is
/// read whole).
const MAX_PACKET: usize = 65_535;

impl SynSocket {
    /// Opens the raw socket (an error when the process may not: the caller
    /// falls back to connects), reserves a source port, draws the scan's
    /// secret and starts reading replies. Needs a tokio runtime.
    pub(super) fn open(responsive: Responsive) -> io::Result<SynSocket> {
        let raw = Socket::new(Domain::IPV4, Type::RAW.nonblocking(), Some(Protocol::TCP))?;
        let hold = Socket::new(Domain::IPV4, Type::STREAM, Some(Protocol::TCP))?;
        hold.bind(&SockAddr::from(SocketAddr::from((
            Ipv4Addr::UNSPECIFIED,
            0,
        ))))?;
        let port = hold
            .local_addr()?
            .as_socket()
            .map(|a| a.port())
            .ok_or_else(|| io::Error::other("no port bound"))?;
        raw.set_header_included_v4(true)?;
        if let Err(e) = raw.set_recv_buffer_size(RECV_BUFFER) {
            tracing::debug!(error = %e, "raw socket keeps its default receive buffer");
        }
        // Only segments to the scan's port reach the socket; without the
        // filter every TCP packet the machine receives is copied to it.
        if let Err(e) = raw.attach_filter(&only_to_port(port)) {
            tracing::debug!(error = %e, "raw socket without a port filter");
        }
        let mut secret = [0u8; 32];
        ring::rand::SystemRandom::new()
            .fill(&mut secret)
            .map_err(|_| io::Error::other("no random numbers for the scan's secret"))?;
        let shared = Arc::new(Shared {
            raw: UdpSocket::from_std(std::net::UdpSocket::from(raw))?,
            port,
            key: SeqKey::new(&secret),
            waiting: Mutex::default(),
            responsive,
            sources: Mutex::default(),
        });
        let reader = tokio::spawn(read_replies(shared.clone()));
        Ok(SynSocket {
            shared,
            reader,
            _port: hold,
        })
    }

    /// The source port of every SYN of this scan.
    pub(crate) fn port(&self) -> u16 {
        self.shared.port
    }

    /// Sends a SYN to `dst` and waits up to `wait` for its answer. As the
    /// system does for its own connects, a SYN left unanswered is sent once
    /// more, unchanged, after [`RESEND_AFTER`] (or two thirds of `wait`,
    /// when shorter): a lost SYN or a lost answer then costs a copy, not
    /// the port. An answer to either copy counts.
    pub(super) async fn probe(&self, dst: SocketAddrV4, wait: Duration) -> Probed {
        let src = match self.shared.source_for(*dst.ip()) {
            Ok(ip) => SocketAddrV4::new(ip, self.shared.port),
            Err(e) => return Probed::Failed(e),
        };
        let seq = self.shared.key.seq(src, dst);
        let (tx, rx) = oneshot::channel();
        let mut waiting = Waiting {
            shared: &self.shared,
            dst,
            rx: Some(rx),
        };
        self.shared.lock().insert(dst, tx);
        // Any identification will do for a packet that is never fragmented.
        let packet = Segment::syn(src, dst, seq, (seq >> 16) as u16).encode();
        // A raw socket takes the address from here, the port from the packet.
        let to = SocketAddr::from((*dst.ip(), 0));
        if let Err(e) = self.shared.raw.send_to(&packet, to).await {
            return Probed::Failed(e);
        }
        let deadline = tokio::time::Instant::now() + wait;
        let rx = waiting.rx.as_mut().expect("set above");
        let heard = |r: Result<Answer, oneshot::error::RecvError>| match r {
            Ok(answer) => Probed::Answered(answer),
            // Replaced by a newer probe to the same port.
            Err(_) => Probed::Silent,
        };
        if let Ok(r) = tokio::time::timeout(RESEND_AFTER.min(wait * 2 / 3), &mut *rx).await {
            return heard(r);
        }
        if let Err(e) = self.shared.raw.send_to(&packet, to).await {
            tracing::debug!(%dst, error = %e, "SYN copy not sent");
        }
        match tokio::time::timeout_at(deadline, rx).await {
            Ok(r) => heard(r),
            Err(_) => Probed::Silent,
        }
    }
}

impl Drop for SynSocket {
    fn drop(&mut self) {
        self.reader.abort();
    }
}

impl Shared {
    /// [`source_for`], asked once per destination: each port of an address
    /// has the same route.
    fn source_for(&self, dst: Ipv4Addr) -> io::Result<Ipv4Addr> {
        let known = self
            .sources
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(&dst)
            .copied();
        if let Some(src) = known {
            return Ok(src);
        }
        let src = source_for(dst)?;
        let mut sources = self.sources.lock().unwrap_or_else(|p| p.into_inner());
        if sources.len() >= SOURCES_KEPT {
            sources.clear();
        }
        sources.insert(dst, src);
        Ok(src)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<SocketAddrV4, oneshot::Sender<Answer>>> {
        self.waiting.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// One packet read from the raw socket.
    fn heard(&self, packet: &[u8]) {
        let Ok(segment) = tcp::decode(packet) else {
            return;
        };
        if segment.dst.port() != self.port {
            return;
        }
        let Some(answer) = self.key.answer(&segment) else {
            return;
        };
        let waiter = self.lock().remove(&segment.src);
        let delivered = waiter.is_some_and(|tx| tx.send(answer).is_ok());
        if !delivered {
            answered_late(&self.responsive, IpAddr::V4(*segment.src.ip()));
        }
    }
}

/// A probe's place in the table, removed when the probe ends however it
/// ends (answered, timed out, cancelled).
struct Waiting<'a> {
    shared: &'a Shared,
    dst: SocketAddrV4,
    rx: Option<oneshot::Receiver<Answer>>,
}

impl Drop for Waiting<'_> {
    fn drop(&mut self) {
        drop(self.rx.take());
        let mut waiting = self.shared.lock();
        // Only this probe's own entry (its receiver is gone now); a newer
        // probe to the same port keeps its place.
        if waiting.get(&self.dst).is_some_and(|tx| tx.is_closed()) {
            waiting.remove(&self.dst);
        }
    }
}

async fn read_replies(shared: Arc<Shared>) {
    read_raw(&shared.raw, MAX_PACKET, |packet| shared.heard(packet)).await;
}

/// Reads a raw socket's packets (at most `max` bytes each) until the task
/// is aborted, handing each to `heard`: the reader of the SYN socket and
/// of the raw echo socket.
pub(super) async fn read_raw(raw: &UdpSocket, max: usize, heard: impl Fn(&[u8])) {
    let mut buf = vec![0u8; max];
    loop {
        match raw.recv(&mut buf).await {
            Ok(n) => heard(&buf[..n]),
            Err(e) => {
                // A read error on a raw socket is an ICMP error queued for
                // it, or a lost race; the next read goes on.
                tracing::debug!(error = %e, "raw socket read");
                tokio::time::sleep(Duration::from_millis(1)).await;
            }
        }
    }
}

/// Notes that `addr` answered: an answer too late for its probe still
/// proves the address alive.
pub(super) fn answered_late(responsive: &Responsive, addr: IpAddr) {
    responsive
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .insert(addr);
}

/// The address the kernel sends from towards `dst`: a UDP socket's
/// connect looks up the route and sends nothing.
fn source_for(dst: Ipv4Addr) -> io::Result<Ipv4Addr> {
    let s = Socket::new(Domain::IPV4, Type::DGRAM, Some(Protocol::UDP))?;
    s.connect(&SockAddr::from(SocketAddr::from((dst, 9))))?;
    match s.local_addr()?.as_socket() {
        Some(SocketAddr::V4(a)) => Ok(*a.ip()),
        _ => Err(io::Error::other("no IPv4 source address")),
    }
}

/// A classic BPF program: accept an IPv4 packet whose TCP destination port
/// is `port`, drop the rest. A raw IPv4 socket's packets start at the IP
/// header, and this socket only receives TCP.
fn only_to_port(port: u16) -> [SockFilter; 5] {
    // ldxb 4*([0]&0xf): X = the IP header's length.
    const LDX_MSH: u16 = 0xb1;
    // ldh [x+2]: the TCP destination port.
    const LDH_IND: u16 = 0x48;
    const JEQ: u16 = 0x15;
    const RET: u16 = 0x06;
    [
        SockFilter::new(LDX_MSH, 0, 0, 0),
        SockFilter::new(LDH_IND, 0, 0, 2),
        SockFilter::new(JEQ, 0, 1, u32::from(port)),
        SockFilter::new(RET, 0, 0, u32::from(u16::MAX)),
        SockFilter::new(RET, 0, 0, 0),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_source_for_loopback_is_a_loopback_address() {
        let src = source_for(Ipv4Addr::new(127, 0, 0, 9)).unwrap();
        assert!(src.is_loopback(), "{src}");
    }
}
