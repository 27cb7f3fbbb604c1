//! ICMP echo (RFC 792) for host discovery through a raw IPv4 socket, where
//! the system allows no unprivileged ICMP socket but the process holds
//! CAP_NET_RAW: the request a raw socket sends (the kernel puts the IPv4
//! header in front of it) and the echo message a raw socket reads (behind
//! its IPv4 header).
//!
//! A raw ICMP socket receives every ICMP packet that reaches the machine,
//! other programs' pings included. The identifier and sequence number of
//! an echo are copied into its reply, so a reply is told apart by the
//! identifier its scan chose and the sequence number of its request.

use std::net::Ipv4Addr;

use super::tcp::{checksum, ipv4};
use super::{ParseError, malformed};

/// The IP protocol number of ICMP.
pub const PROTOCOL_ICMP: u8 = 1;
/// ICMP type of an echo reply.
pub const ECHO_REPLY: u8 = 0;
/// ICMP type of an echo request.
pub const ECHO_REQUEST: u8 = 8;
/// Type, code, checksum, identifier and sequence number.
pub const ECHO_HEADER: usize = 8;

/// An echo request or reply, with the address it came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Echo {
    /// The sender (the IPv4 header's source).
    pub src: Ipv4Addr,
    /// [`ECHO_REQUEST`] or [`ECHO_REPLY`].
    pub kind: u8,
    /// Identifier chosen by the sender; a reply echoes the request's value.
    pub id: u16,
    /// Sequence number chosen by the sender; a reply echoes the request's value.
    pub seq: u16,
}

/// An echo request with `payload`, its checksum filled in.
pub fn echo_request(id: u16, seq: u16, payload: &[u8]) -> Vec<u8> {
    let mut m = Vec::with_capacity(ECHO_HEADER + payload.len());
    m.extend_from_slice(&[ECHO_REQUEST, 0, 0, 0]);
    m.extend_from_slice(&id.to_be_bytes());
    m.extend_from_slice(&seq.to_be_bytes());
    m.extend_from_slice(payload);
    let sum = checksum(&m);
    m[2..4].copy_from_slice(&sum.to_be_bytes());
    m
}

/// Reads an IPv4 packet carrying an ICMP echo request or reply, as a raw
/// socket receives it.
///
/// `Incomplete` while the buffer is shorter than the IPv4 header or the
/// packet's total length. `Malformed`: what the IPv4 header of
/// [`crate::tcp::decode`] refuses (with ICMP as the protocol), a message
/// shorter than the echo header, an ICMP type other than echo request and
/// reply (unreachables, time exceeded...), a code other than 0, or a
/// checksum that does not add up (the raw socket gets its copy before
/// the kernel's ICMP code checks it).
pub fn decode(packet: &[u8]) -> Result<Echo, ParseError> {
    let ip = ipv4(packet, PROTOCOL_ICMP, ECHO_HEADER, "an echo header")?;
    let m = ip.payload;
    if m[0] != ECHO_REPLY && m[0] != ECHO_REQUEST {
        return Err(malformed("icmp type", format!("{}, not an echo", m[0])));
    }
    if m[1] != 0 {
        return Err(malformed("icmp code", format!("{}, expected 0", m[1])));
    }
    if checksum(m) != 0 {
        return Err(malformed("icmp checksum", "does not add up"));
    }
    Ok(Echo {
        src: ip.src,
        kind: m[0],
        id: u16::from_be_bytes([m[4], m[5]]),
        seq: u16::from_be_bytes([m[6], m[7]]),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tcp::IPV4_HEADER;

    /// `message` behind an IPv4 header from `src` to 127.0.0.1.
    fn packet(src: Ipv4Addr, message: &[u8]) -> Vec<u8> {
        let total = (IPV4_HEADER + message.len()) as u16;
        let mut p = vec![0x45, 0];
        p.extend_from_slice(&total.to_be_bytes());
        p.extend_from_slice(&[0, 7, 0x40, 0, 64, PROTOCOL_ICMP, 0, 0]);
        p.extend_from_slice(&src.octets());
        p.extend_from_slice(&Ipv4Addr::LOCALHOST.octets());
        let sum = checksum(&p);
        p[10..12].copy_from_slice(&sum.to_be_bytes());
        p.extend_from_slice(message);
        p
    }

    /// The reply a host sends: the request with its type changed and the
    /// checksum computed again.
    fn reply_to(request: &[u8]) -> Vec<u8> {
        let mut m = request.to_vec();
        m[0] = ECHO_REPLY;
        m[2..4].copy_from_slice(&[0, 0]);
        let sum = checksum(&m);
        m[2..4].copy_from_slice(&sum.to_be_bytes());
        m
    }

    #[test]
    fn a_request_is_an_echo_with_a_checksum_that_adds_up() {
        let r = echo_request(0x1234, 7, b"stadscan");
        assert_eq!(r.len(), ECHO_HEADER + 8);
        assert_eq!(&r[..2], &[ECHO_REQUEST, 0]);
        assert_eq!(&r[4..8], &[0x12, 0x34, 0, 7]);
        assert_eq!(checksum(&r), 0);
        assert_ne!(&r[2..4], &[0, 0]);
    }

    #[test]
    fn a_reply_is_read_with_its_sender_identifier_and_sequence() {
        let src = Ipv4Addr::new(127, 9, 8, 7);
        let p = packet(src, &reply_to(&echo_request(0xbeef, 513, b"stadscan")));
        let echo = decode(&p).unwrap();
        assert_eq!(
            echo,
            Echo {
                src,
                kind: ECHO_REPLY,
                id: 0xbeef,
                seq: 513
            }
        );
        // The request itself, seen on loopback, is an echo too.
        let p = packet(src, &echo_request(1, 2, b""));
        assert_eq!(decode(&p).unwrap().kind, ECHO_REQUEST);
    }

    #[test]
    fn other_messages_and_broken_ones_are_refused() {
        let src = Ipv4Addr::new(127, 0, 0, 2);
        let good = reply_to(&echo_request(1, 1, b"x"));
        let field = |m: Vec<u8>| match decode(&packet(src, &m)) {
            Err(ParseError::Malformed { field, .. }) => field,
            other => panic!("{other:?}"),
        };
        // Destination unreachable, with a checksum that adds up.
        let mut unreachable = vec![3, 1, 0, 0, 0, 0, 0, 0];
        let sum = checksum(&unreachable);
        unreachable[2..4].copy_from_slice(&sum.to_be_bytes());
        assert_eq!(field(unreachable), "icmp type");
        let mut m = good.clone();
        m[1] = 1;
        assert_eq!(field(m), "icmp code");
        let mut m = good.clone();
        m[8] ^= 0xff;
        assert_eq!(field(m), "icmp checksum");
        assert_eq!(field(good[..4].to_vec()), "ip total length");
        // Not ICMP.
        let mut p = packet(src, &good);
        p[9] = 6;
        assert!(matches!(
            decode(&p),
            Err(ParseError::Malformed {
                field: "ip protocol",
                ..
            })
        ));
    }

    #[test]
    fn truncated_packets_are_incomplete() {
        let p = packet(
            Ipv4Addr::new(127, 0, 0, 3),
            &reply_to(&echo_request(5, 6, b"stadscan")),
        );
        for end in 0..p.len() {
            assert_eq!(decode(&p[..end]), Err(ParseError::Incomplete), "{end}");
        }
    }
}
