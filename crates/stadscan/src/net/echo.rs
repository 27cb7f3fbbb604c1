//! ICMP echo through an unprivileged ICMP socket (`SOCK_DGRAM`,
//! `IPPROTO_ICMP`): Linux lets a process open one when its group is in
//! `net.ipv4.ping_group_range`, fills in the identifier and the checksum,
//! and hands back only the replies to this socket. Where the system does
//! not allow it, host discovery goes without echo (and says so).

use std::io;
use std::net::{IpAddr, SocketAddr};
use std::sync::OnceLock;
use std::time::Duration;

use socket2::{Domain, Protocol, Socket, Type};
use tokio::net::UdpSocket;

use crate::scope::Verdict;

/// How an echo request ended.
#[derive(Debug)]
pub enum EchoOutcome {
    Reply,
    Silent,
    /// The system allows no unprivileged ICMP socket here.
    Unavailable,
    OutOfScope(Verdict),
    Cancelled,
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
