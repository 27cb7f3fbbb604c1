//! ICMP echo through an unprivileged ICMP socket (`SOCK_DGRAM`,
//! `IPPROTO_ICMP`): Linux lets a process open one when its group is in
//! `net.ipv4.ping_group_range`, fills in the identifier and the checksum,
//! and hands back only the replies to this socket.
//!
//! Where the system allows no such socket (Debian's default range admits
//! no group, root's neither) but the process holds CAP_NET_RAW, IPv4 echo
//! goes through one raw ICMP socket per scan ([`RawEcho`]): the scan's own
//! identifier in every request, a sequence number per request, and a
//! reader that hands each reply to the request waiting for it. Where
//! neither is allowed, host discovery goes without echo (and says so).

use std::collections::HashMap;
use std::io;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::atomic::{AtomicU16, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use ring::rand::SecureRandom;
use socket2::{Domain, Protocol, SockFilter, Socket, Type};
use stadscan_proto::icmp;
use tokio::net::UdpSocket;
use tokio::sync::oneshot;

use super::syn::{Responsive, answered_late, read_raw};

use crate::scope::Verdict;

/// How an echo request ended.
#[derive(Debug)]
pub enum EchoOutcome {
    /// An echo reply came back: the address is alive.
    Reply,
    /// No reply within the wait.
    Silent,
    /// The system allows no unprivileged ICMP socket here.
    Unavailable,
    /// The scope gate refused the address; nothing was sent.
    OutOfScope(Verdict),
    /// The scan was cancelled while waiting.
    Cancelled,
    /// The socket could not be opened, connected, written or read.
    Error(io::Error),
}

/// Bytes of one request: the 8-byte ICMP header and a short payload.
pub(crate) const REQUEST_LEN: u64 = 16;
const PAYLOAD: &[u8; 8] = b"stadscan";

fn open(addr: IpAddr) -> io::Result<Socket> {
    let (domain, proto) = match addr {
        IpAddr::V4(_) => (Domain::IPV4, Protocol::ICMPV4),
        IpAddr::V6(_) => (Domain::IPV6, Protocol::ICMPV6),
    };
    Socket::new(domain, Type::DGRAM.nonblocking(), Some(proto))
}

/// Whether this process may open an unprivileged ICMP socket for `addr`'s
/// family (asked once per family).
pub fn icmp_available(addr: IpAddr) -> bool {
    static V4: OnceLock<bool> = OnceLock::new();
    static V6: OnceLock<bool> = OnceLock::new();
    let cell = if addr.is_ipv4() { &V4 } else { &V6 };
    *cell.get_or_init(|| open(addr).is_ok())
}

/// The echo request: type, code, checksum and identifier are the kernel's
/// to fill in (it overwrites the identifier with the socket's own).
fn request(addr: IpAddr, seq: u16) -> Vec<u8> {
    let kind = if addr.is_ipv4() { 8 } else { 128 };
    let mut out = vec![kind, 0, 0, 0, 0, 0];
    out.extend_from_slice(&seq.to_be_bytes());
    out.extend_from_slice(PAYLOAD);
    out
}

fn is_reply(addr: IpAddr, packet: &[u8]) -> bool {
    let kind = if addr.is_ipv4() { 0 } else { 129 };
    packet.first() == Some(&kind)
}

/// One echo request to `addr`, waiting up to `wait` for its reply.
pub(crate) async fn ping(addr: IpAddr, wait: Duration) -> EchoOutcome {
    if !icmp_available(addr) {
        return EchoOutcome::Unavailable;
    }
    let sock = match open(addr) {
        Ok(s) => s,
        Err(e) => return EchoOutcome::Error(e),
    };
    let sock = match UdpSocket::from_std(std::net::UdpSocket::from(sock)) {
        Ok(s) => s,
        Err(e) => return EchoOutcome::Error(e),
    };
    if let Err(e) = sock.connect(SocketAddr::new(addr, 0)).await {
        return EchoOutcome::Error(e);
    }
    if let Err(e) = sock.send(&request(addr, 1)).await {
        return EchoOutcome::Error(e);
    }
    let mut buf = [0u8; 128];
    let deadline = tokio::time::Instant::now() + wait;
    loop {
        match tokio::time::timeout_at(deadline, sock.recv(&mut buf)).await {
            Err(_) => return EchoOutcome::Silent,
            Ok(Ok(n)) if is_reply(addr, &buf[..n]) => return EchoOutcome::Reply,
            // Anything else on this socket (an error report) is not a reply.
            Ok(Ok(_)) => {}
            Ok(Err(e)) => return EchoOutcome::Error(e),
        }
    }
}

/// The raw ICMP socket of one scan (IPv4) and the task reading its
/// replies.
#[derive(Debug)]
pub(crate) struct RawEcho {
    shared: Arc<RawShared>,
    reader: tokio::task::JoinHandle<()>,
}

#[derive(Debug)]
struct RawShared {
    /// The raw socket, driven through tokio's UDP socket type (readiness,
    /// `recv` and `send_to` serve a raw socket the same way).
    raw: UdpSocket,
    /// The identifier of this scan's requests.
    id: u16,
    next_seq: AtomicU16,
    /// The requests waiting for a reply, by address and sequence number.
    waiting: Mutex<HashMap<(Ipv4Addr, u16), oneshot::Sender<()>>>,
    responsive: Responsive,
}

/// Largest reply read: an echo reply carries the request's 8 bytes back,
/// so anything longer is cut, which the checksum then refuses.
const MAX_REPLY: usize = 1500;

impl RawEcho {
    /// Opens the raw socket (an error when the process may not), draws the
    /// scan's identifier and starts reading replies. Needs a tokio runtime.
    pub(super) fn open(responsive: Responsive) -> io::Result<RawEcho> {
        let raw = Socket::new(
            Domain::IPV4,
            Type::RAW.nonblocking(),
            Some(Protocol::ICMPV4),
        )?;
        let mut id = [0u8; 2];
        ring::rand::SystemRandom::new()
            .fill(&mut id)
            .map_err(|_| io::Error::other("no random numbers for the echo identifier"))?;
        let id = u16::from_be_bytes(id);
        // Only echo replies with this scan's identifier reach the socket;
        // without the filter every ICMP packet the machine receives does.
        if let Err(e) = raw.attach_filter(&only_replies_to(id)) {
            tracing::debug!(error = %e, "raw ICMP socket without a filter");
        }
        let shared = Arc::new(RawShared {
            raw: UdpSocket::from_std(std::net::UdpSocket::from(raw))?,
            id,
            next_seq: AtomicU16::new(0),
            waiting: Mutex::default(),
            responsive,
        });
        let reader = tokio::spawn(read_replies(shared.clone()));
        Ok(RawEcho { shared, reader })
    }

    /// One echo request to `addr`, waiting up to `wait` for its reply.
    pub(super) async fn ping(&self, addr: Ipv4Addr, wait: Duration) -> EchoOutcome {
        let seq = self.shared.next_seq.fetch_add(1, Ordering::Relaxed);
        let (tx, rx) = oneshot::channel();
        let _waiting = Waiting {
            shared: &self.shared,
            key: (addr, seq),
        };
        self.shared.lock().insert((addr, seq), tx);
        let request = icmp::echo_request(self.shared.id, seq, PAYLOAD);
        if let Err(e) = self
            .shared
            .raw
            .send_to(&request, SocketAddr::from((addr, 0)))
            .await
        {
            return EchoOutcome::Error(e);
        }
        match tokio::time::timeout(wait, rx).await {
            Ok(Ok(())) => EchoOutcome::Reply,
            _ => EchoOutcome::Silent,
        }
    }
}

impl Drop for RawEcho {
    fn drop(&mut self) {
        self.reader.abort();
    }
}

impl RawShared {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<(Ipv4Addr, u16), oneshot::Sender<()>>> {
        self.waiting.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// One packet read from the raw socket.
    fn heard(&self, packet: &[u8]) {
        let Ok(echo) = icmp::decode(packet) else {
            return;
        };
        if echo.kind != icmp::ECHO_REPLY || echo.id != self.id {
            return;
        }
        let waiter = self.lock().remove(&(echo.src, echo.seq));
        let delivered = waiter.is_some_and(|tx| tx.send(()).is_ok());
        if !delivered {
            answered_late(&self.responsive, IpAddr::V4(echo.src));
        }
    }
}

/// A request's place in the table, removed when the request ends however
/// it ends (answered, timed out, cancelled).
struct Waiting<'a> {
    shared: &'a RawShared,
    key: (Ipv4Addr, u16),
}

impl Drop for Waiting<'_> {
    fn drop(&mut self) {
        self.shared.lock().remove(&self.key);
    }
}

async fn read_replies(shared: Arc<RawShared>) {
    read_raw(&shared.raw, MAX_REPLY, |packet| shared.heard(packet)).await;
}

/// A classic BPF program: accept an IPv4 packet carrying an ICMP echo
/// reply with identifier `id`, drop the rest. A raw IPv4 socket's packets
/// start at the IP header, and this socket only receives ICMP.
fn only_replies_to(id: u16) -> [SockFilter; 7] {
    // ldxb 4*([0]&0xf): X = the IP header's length.
    const LDX_MSH: u16 = 0xb1;
    // ldb [x+k], ldh [x+k]: a byte or half-word of the ICMP message.
    const LDB_IND: u16 = 0x50;
    const LDH_IND: u16 = 0x48;
    const JEQ: u16 = 0x15;
    const RET: u16 = 0x06;
    [
        SockFilter::new(LDX_MSH, 0, 0, 0),
        SockFilter::new(LDB_IND, 0, 0, 0),
        SockFilter::new(JEQ, 0, 3, u32::from(icmp::ECHO_REPLY)),
        SockFilter::new(LDH_IND, 0, 0, 4),
        SockFilter::new(JEQ, 0, 1, u32::from(id)),
        SockFilter::new(RET, 0, 0, u32::from(u16::MAX)),
        SockFilter::new(RET, 0, 0, 0),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_are_echo_requests_and_replies_are_told_apart() {
        let v4: IpAddr = "127.0.0.1".parse().unwrap();
        let v6: IpAddr = "::1".parse().unwrap();
        assert_eq!(request(v4, 1)[0], 8);
        assert_eq!(request(v6, 1)[0], 128);
        assert_eq!(request(v4, 1).len() as u64, REQUEST_LEN);
        assert!(is_reply(v4, &[0, 0, 1, 2]));
        assert!(!is_reply(v4, &[3, 3]));
        assert!(is_reply(v6, &[129, 0]));
        assert!(!is_reply(v6, &[]));
    }

    /// Where this process may open a raw ICMP socket (CI runs as root), a
    /// loopback address answers through it, and a reply for another
    /// request is not taken for this one; where it may not, opening says
    /// so (permission denied) rather than anything else.
    #[tokio::test]
    async fn raw_echo_hears_its_own_replies_where_raw_sockets_are_allowed() {
        let responsive = Responsive::default();
        let raw = match RawEcho::open(responsive.clone()) {
            Ok(r) => r,
            Err(e) => {
                assert_eq!(e.kind(), io::ErrorKind::PermissionDenied, "{e}");
                return;
            }
        };
        let a = Ipv4Addr::new(127, 0, 0, 1);
        let b = Ipv4Addr::new(127, 77, 0, 9);
        for addr in [a, b] {
            let out = raw.ping(addr, Duration::from_secs(5)).await;
            assert!(matches!(out, EchoOutcome::Reply), "{addr}: {out:?}");
        }
        assert!(
            raw.shared.lock().is_empty(),
            "answered requests leave the table"
        );
        // A reply to a request nobody waits for (another sequence number)
        // wakes no one, but its sender showed life.
        let (tx, mut rx) = oneshot::channel();
        raw.shared.lock().insert((a, 60_000), tx);
        raw.shared.heard(&reply_packet(a, raw.shared.id, 60_001));
        assert!(rx.try_recv().is_err(), "another request's reply");
        assert!(responsive.lock().unwrap().contains(&IpAddr::V4(a)));
        // Nor does a reply with another scan's identifier.
        raw.shared
            .heard(&reply_packet(a, raw.shared.id.wrapping_add(1), 60_000));
        assert!(rx.try_recv().is_err(), "another scan's reply");
        // The reply to the waiting request wakes it.
        raw.shared.heard(&reply_packet(a, raw.shared.id, 60_000));
        assert_eq!(rx.try_recv(), Ok(()));
    }

    /// An echo reply from `src` as a raw socket reads it.
    fn reply_packet(src: Ipv4Addr, id: u16, seq: u16) -> Vec<u8> {
        let mut message = icmp::echo_request(id, seq, PAYLOAD);
        message[0] = icmp::ECHO_REPLY;
        message[2..4].copy_from_slice(&[0, 0]);
        let sum = stadscan_proto::tcp::checksum(&message);
        message[2..4].copy_from_slice(&sum.to_be_bytes());
        let total = (20 + message.len()) as u8;
        let mut p = vec![0x45, 0, 0, total, 0, 0, 0, 0, 64, icmp::PROTOCOL_ICMP, 0, 0];
        p.extend_from_slice(&src.octets());
        p.extend_from_slice(&[127, 0, 0, 1]);
        p.extend_from_slice(&message);
        p
    }

    #[tokio::test]
    async fn loopback_answers_where_icmp_sockets_are_allowed() {
        let addr: IpAddr = "127.0.0.1".parse().unwrap();
        let out = ping(addr, Duration::from_secs(5)).await;
        // Where `net.ipv4.ping_group_range` leaves this process out, the
        // probe must say so rather than report silence.
        if icmp_available(addr) {
            assert!(matches!(out, EchoOutcome::Reply), "{out:?}");
        } else {
            assert!(matches!(out, EchoOutcome::Unavailable), "{out:?}");
        }
    }
}
