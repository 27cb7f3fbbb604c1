//! IPv4 and TCP headers for stateless SYN discovery (RFC 791, RFC 9293):
//! the SYN a raw socket sends, the segment a reply carries, the Internet
//! checksum (RFC 1071), and a keyed initial sequence number that lets a
//! reply be matched to its probe without remembering the probe.
//!
//! A reply to a SYN acknowledges the SYN's sequence number plus one. When
//! that sequence number is a keyed hash of the probe's two endpoints, a
//! receiver recomputes it from the reply's own addresses and ports and
//! checks the acknowledgement: no table of sent probes is needed, and a
//! segment that is not an answer to this scan (another program's traffic,
//! a forged reply without the key) does not pass.

use std::net::{Ipv4Addr, SocketAddrV4};

use super::{ParseError, malformed};

/// An IPv4 header without options.
pub const IPV4_HEADER: usize = 20;
/// A TCP header without options.
pub const TCP_HEADER: usize = 20;
/// The maximum-segment-size option: kind, length and a 16-bit value.
const MSS_OPTION: usize = 4;
/// A SYN as [`Segment::syn`] builds it: IPv4, TCP and the MSS option.
pub const SYN_LEN: usize = IPV4_HEADER + TCP_HEADER + MSS_OPTION;
/// The IP protocol number of TCP.
pub const PROTOCOL_TCP: u8 = 6;

/// TCP control bits (RFC 9293 section 3.1).
pub mod flags {
    /// No more data from the sender.
    pub const FIN: u8 = 0x01;
    /// Synchronize sequence numbers: opens a connection.
    pub const SYN: u8 = 0x02;
    /// Reset the connection.
    pub const RST: u8 = 0x04;
    /// Push buffered data to the application.
    pub const PSH: u8 = 0x08;
    /// The acknowledgment number field is significant.
    pub const ACK: u8 = 0x10;
    /// The urgent pointer field is significant.
    pub const URG: u8 = 0x20;
}

/// The fields of an IPv4 packet carrying a TCP header that discovery reads
/// and writes. Options other than the maximum segment size, the type of
/// service, the urgent pointer and any payload are neither kept nor sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Segment {
    /// Source address and port (IPv4 header and TCP header).
    pub src: SocketAddrV4,
    /// Destination address and port.
    pub dst: SocketAddrV4,
    /// Sequence number.
    pub seq: u32,
    /// Acknowledgment number, meaningful when [`flags::ACK`] is set.
    pub ack: u32,
    /// Control bits ([`flags`]).
    pub flags: u8,
    /// Receive window in bytes, unscaled.
    pub window: u16,
    /// The IPv4 identification field.
    pub id: u16,
    /// IPv4 time to live.
    pub ttl: u8,
    /// The maximum-segment-size option, when present.
    pub mss: Option<u16>,
}

/// What a reply says about the port a SYN went to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Answer {
    /// SYN and ACK: something listens there.
    Open,
    /// RST: nothing listens, but the address is in use.
    Closed,
}

impl Segment {
    /// The SYN discovery sends: no payload, the maximum segment size of an
    /// Ethernet path (some stacks drop a SYN without options), a small
    /// window, time to live 64, and "don't fragment".
    pub fn syn(src: SocketAddrV4, dst: SocketAddrV4, seq: u32, id: u16) -> Segment {
        Segment {
            src,
            dst,
            seq,
            ack: 0,
            flags: flags::SYN,
            window: 1024,
            id,
            ttl: 64,
            mss: Some(1460),
        }
    }

    fn tcp_len(&self) -> usize {
        TCP_HEADER + if self.mss.is_some() { MSS_OPTION } else { 0 }
    }

    /// The whole packet, both checksums filled in.
    pub fn encode(&self) -> Vec<u8> {
        let tcp_len = self.tcp_len();
        let total = IPV4_HEADER + tcp_len;
        let mut p = Vec::with_capacity(total);
        // Version 4, header of five 32-bit words; type of service 0.
        p.extend_from_slice(&[0x45, 0]);
        p.extend_from_slice(&(total as u16).to_be_bytes());
        p.extend_from_slice(&self.id.to_be_bytes());
        // Flags: don't fragment; fragment offset 0.
        p.extend_from_slice(&[0x40, 0]);
        p.extend_from_slice(&[self.ttl, PROTOCOL_TCP, 0, 0]);
        p.extend_from_slice(&self.src.ip().octets());
        p.extend_from_slice(&self.dst.ip().octets());
        let ip_sum = checksum(&p[..IPV4_HEADER]);
        p[10..12].copy_from_slice(&ip_sum.to_be_bytes());

        p.extend_from_slice(&self.src.port().to_be_bytes());
        p.extend_from_slice(&self.dst.port().to_be_bytes());
        p.extend_from_slice(&self.seq.to_be_bytes());
        p.extend_from_slice(&self.ack.to_be_bytes());
        p.push(((tcp_len / 4) as u8) << 4);
        p.push(self.flags);
        p.extend_from_slice(&self.window.to_be_bytes());
        // Checksum (below) and urgent pointer.
        p.extend_from_slice(&[0, 0, 0, 0]);
        if let Some(mss) = self.mss {
            p.extend_from_slice(&[2, 4]);
            p.extend_from_slice(&mss.to_be_bytes());
        }
        let tcp_sum = tcp_checksum(*self.src.ip(), *self.dst.ip(), &p[IPV4_HEADER..]);
        p[IPV4_HEADER + 16..IPV4_HEADER + 18].copy_from_slice(&tcp_sum.to_be_bytes());
        p
    }

    /// What this segment answers to the SYN that carried sequence number
    /// `probe_seq` from this segment's destination to its source: `None`
    /// unless it acknowledges exactly that SYN.
    pub fn answer(&self, probe_seq: u32) -> Option<Answer> {
        if self.flags & flags::ACK == 0 || self.ack != probe_seq.wrapping_add(1) {
            return None;
        }
        if self.flags & flags::RST != 0 {
            Some(Answer::Closed)
        } else if self.flags & flags::SYN != 0 {
            Some(Answer::Open)
        } else {
            None
        }
    }
}

/// Reads an IPv4 packet carrying a TCP header, as a raw socket receives it.
///
/// `Incomplete` while the buffer is shorter than the IPv4 header or the
/// packet's total length. `Malformed`: not IPv4, a header length below
/// five words, a total length without room for both headers, a protocol
/// other than TCP, a fragment
/// (only a first fragment carries the TCP header, and a reply to a SYN is
/// never fragmented), a TCP data offset below five words or beyond the
/// packet. Checksums are not checked: the kernel checked the IP header
/// before delivering it, and a packet that never left the machine carries
/// a TCP checksum the sending side left for the hardware to fill in. TCP
/// options are read until the first malformed one.
pub fn decode(packet: &[u8]) -> Result<Segment, ParseError> {
    let ip = ipv4(packet, PROTOCOL_TCP, TCP_HEADER, "a TCP header")?;
    let tcp = &ip.payload[..TCP_HEADER];
    let data_offset = usize::from(tcp[12] >> 4) * 4;
    if data_offset < TCP_HEADER || data_offset > ip.payload.len() {
        return Err(malformed(
            "tcp data offset",
            format!("{data_offset} bytes in a {}-byte segment", ip.payload.len()),
        ));
    }
    let port = |at: usize| u16::from_be_bytes([tcp[at], tcp[at + 1]]);
    let word = |at: usize| u32::from_be_bytes([tcp[at], tcp[at + 1], tcp[at + 2], tcp[at + 3]]);
    Ok(Segment {
        src: SocketAddrV4::new(ip.src, port(0)),
        dst: SocketAddrV4::new(ip.dst, port(2)),
        seq: word(4),
        ack: word(8),
        flags: tcp[13],
        window: port(14),
        id: ip.id,
        ttl: ip.ttl,
        mss: mss_option(&ip.payload[TCP_HEADER..data_offset]),
    })
}

/// The IPv4 header fields a raw socket's reader uses, and what the packet
/// carries after the header (up to its total length).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Ipv4<'a> {
    pub(crate) src: Ipv4Addr,
    pub(crate) dst: Ipv4Addr,
    pub(crate) id: u16,
    pub(crate) ttl: u8,
    pub(crate) payload: &'a [u8],
}

/// Reads the IPv4 header of a packet as a raw socket receives it. The
/// packet must carry `protocol`, be whole (not a fragment) and hold at
/// least `min` bytes after its header (`what` names them in the error).
/// `Incomplete` while the buffer is shorter than the header or the total
/// length; trailing bytes past the total length (a link's padding) are
/// left out of the payload.
pub(crate) fn ipv4<'a>(
    packet: &'a [u8],
    protocol: u8,
    min: usize,
    what: &str,
) -> Result<Ipv4<'a>, ParseError> {
    let Some(ip) = packet.get(..IPV4_HEADER) else {
        return Err(ParseError::Incomplete);
    };
    if ip[0] >> 4 != 4 {
        return Err(malformed(
            "ip version",
            format!("{}, expected 4", ip[0] >> 4),
        ));
    }
    let ihl = usize::from(ip[0] & 0x0f) * 4;
    if ihl < IPV4_HEADER {
        return Err(malformed("ip header length", format!("{ihl} bytes")));
    }
    let total = usize::from(u16::from_be_bytes([ip[2], ip[3]]));
    if total < ihl {
        return Err(malformed(
            "ip total length",
            format!("{total} bytes, shorter than its {ihl}-byte header"),
        ));
    }
    if packet.len() < total {
        return Err(ParseError::Incomplete);
    }
    if ip[9] != protocol {
        return Err(malformed(
            "ip protocol",
            format!("{}, expected {protocol}", ip[9]),
        ));
    }
    let more_fragments = ip[6] & 0x20 != 0;
    let offset = u16::from_be_bytes([ip[6] & 0x1f, ip[7]]);
    if more_fragments || offset != 0 {
        return Err(malformed("ip fragment", format!("offset {}", offset * 8)));
    }
    if total < ihl + min {
        return Err(malformed(
            "ip total length",
            format!("{total} bytes leave no room for {what}"),
        ));
    }
    let addr = |a: &[u8]| Ipv4Addr::new(a[0], a[1], a[2], a[3]);
    Ok(Ipv4 {
        src: addr(&ip[12..16]),
        dst: addr(&ip[16..20]),
        id: u16::from_be_bytes([ip[4], ip[5]]),
        ttl: ip[8],
        payload: &packet[ihl..total],
    })
}

/// The maximum segment size among TCP options, up to the first malformed
/// option or the end-of-list option.
fn mss_option(mut options: &[u8]) -> Option<u16> {
    loop {
        match options {
            [] | [0, ..] => return None,
            [1, rest @ ..] => options = rest,
            [2, 4, a, b, ..] => return Some(u16::from_be_bytes([*a, *b])),
            [_, len, ..] if usize::from(*len) >= 2 && usize::from(*len) <= options.len() => {
                options = &options[usize::from(*len)..];
            }
            _ => return None,
        }
    }
}

/// The Internet checksum (RFC 1071) of `data`: the ones' complement of the
/// ones' complement sum of its 16-bit words. A header whose checksum field
/// is filled in sums to zero.
pub fn checksum(data: &[u8]) -> u16 {
    fold(sum(data, 0))
}

/// The TCP checksum of `segment` (header and payload) between `src` and
/// `dst`: over the pseudo-header of addresses, protocol and length, then
/// the segment.
pub fn tcp_checksum(src: Ipv4Addr, dst: Ipv4Addr, segment: &[u8]) -> u16 {
    let mut pseudo = [0u8; 12];
    pseudo[..4].copy_from_slice(&src.octets());
    pseudo[4..8].copy_from_slice(&dst.octets());
    pseudo[9] = PROTOCOL_TCP;
    pseudo[10..].copy_from_slice(&(segment.len() as u16).to_be_bytes());
    fold(sum(segment, sum(&pseudo, 0)))
}

fn sum(data: &[u8], mut acc: u64) -> u64 {
    let mut words = data.chunks_exact(2);
    for w in &mut words {
        acc += u64::from(u16::from_be_bytes([w[0], w[1]]));
    }
    if let [last] = words.remainder() {
        acc += u64::from(*last) << 8;
    }
    acc
}

fn fold(mut acc: u64) -> u16 {
    while acc > 0xffff {
        acc = (acc & 0xffff) + (acc >> 16);
    }
    !(acc as u16)
}

/// The key of one scan's initial sequence numbers: HMAC-SHA256 of the two
/// endpoints of a probe, cut to 32 bits. Without the key a third party
/// cannot guess the number an answer must acknowledge.
pub struct SeqKey(ring::hmac::Key);

impl std::fmt::Debug for SeqKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SeqKey(..)")
    }
}

impl SeqKey {
    /// A key from `secret`; one random secret per scan.
    pub fn new(secret: &[u8]) -> SeqKey {
        SeqKey(ring::hmac::Key::new(ring::hmac::HMAC_SHA256, secret))
    }

    /// The initial sequence number of the SYN from `src` to `dst`.
    pub fn seq(&self, src: SocketAddrV4, dst: SocketAddrV4) -> u32 {
        let mut msg = [0u8; 12];
        msg[..4].copy_from_slice(&src.ip().octets());
        msg[4..6].copy_from_slice(&src.port().to_be_bytes());
        msg[6..10].copy_from_slice(&dst.ip().octets());
        msg[10..].copy_from_slice(&dst.port().to_be_bytes());
        let tag = ring::hmac::sign(&self.0, &msg);
        let t = tag.as_ref();
        u32::from_be_bytes([t[0], t[1], t[2], t[3]])
    }

    /// What `reply` answers, when it answers a SYN sent with this key (from
    /// the reply's destination to its source); `None` for anything else.
    pub fn answer(&self, reply: &Segment) -> Option<Answer> {
        reply.answer(self.seq(reply.dst, reply.src))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ep(s: &str) -> SocketAddrV4 {
        s.parse().unwrap()
    }

    /// A reply from `probe`'s destination: flags, acknowledging `ack`.
    fn reply(probe: &Segment, flags: u8, ack: u32) -> Segment {
        Segment {
            src: probe.dst,
            dst: probe.src,
            seq: 0x0101_0101,
            ack,
            flags,
            window: 65_483,
            id: 0,
            ttl: 64,
            mss: (flags & flags::SYN != 0).then_some(65_495),
        }
    }

    #[test]
    fn a_syn_is_laid_out_as_rfc_791_and_9293_say() {
        let syn = Segment::syn(ep("127.0.0.1:40000"), ep("127.0.0.9:80"), 0xdead_beef, 7);
        let p = syn.encode();
        assert_eq!(p.len(), SYN_LEN);
        assert_eq!(p[0], 0x45, "IPv4, five-word header");
        assert_eq!(u16::from_be_bytes([p[2], p[3]]), 44, "total length");
        assert_eq!(u16::from_be_bytes([p[4], p[5]]), 7, "identification");
        assert_eq!(p[6], 0x40, "don't fragment");
        assert_eq!((p[8], p[9]), (64, PROTOCOL_TCP));
        assert_eq!(&p[12..16], &[127, 0, 0, 1]);
        assert_eq!(&p[16..20], &[127, 0, 0, 9]);
        let t = &p[IPV4_HEADER..];
        assert_eq!(u16::from_be_bytes([t[0], t[1]]), 40_000);
        assert_eq!(u16::from_be_bytes([t[2], t[3]]), 80);
        assert_eq!(&t[4..8], &[0xde, 0xad, 0xbe, 0xef]);
        assert_eq!(&t[8..12], &[0, 0, 0, 0], "no acknowledgement");
        assert_eq!(t[12], 0x60, "data offset: six words (the MSS option)");
        assert_eq!(t[13], flags::SYN);
        assert_eq!(&t[20..24], &[2, 4, 0x05, 0xb4], "MSS 1460");
    }

    #[test]
    fn checksums_verify_to_zero_and_match_a_known_header() {
        // The IPv4 header of RFC 1071's usual worked example (Wikipedia's
        // "IPv4 header checksum"): its checksum is 0xb861.
        let mut h = [
            0x45, 0x00, 0x00, 0x73, 0x00, 0x00, 0x40, 0x00, 0x40, 0x11, 0x00, 0x00, 0xc0, 0xa8,
            0x00, 0x01, 0xc0, 0xa8, 0x00, 0xc7,
        ];
        assert_eq!(checksum(&h), 0xb861);
        h[10..12].copy_from_slice(&0xb861u16.to_be_bytes());
        assert_eq!(checksum(&h), 0);
        // An odd length pads with a zero byte.
        assert_eq!(checksum(&[0x01]), !0x0100);
        let syn = Segment::syn(ep("198.19.255.1:33000"), ep("198.18.0.5:443"), 1, 2).encode();
        assert_eq!(checksum(&syn[..IPV4_HEADER]), 0);
        assert_eq!(
            tcp_checksum(
                Ipv4Addr::new(198, 19, 255, 1),
                Ipv4Addr::new(198, 18, 0, 5),
                &syn[IPV4_HEADER..]
            ),
            0
        );
        // The pseudo-header counts: the same segment between other
        // addresses does not verify.
        assert_ne!(
            tcp_checksum(
                Ipv4Addr::new(198, 19, 255, 2),
                Ipv4Addr::new(198, 18, 0, 5),
                &syn[IPV4_HEADER..]
            ),
            0
        );
    }

    #[test]
    fn decode_reads_back_what_encode_wrote() {
        let syn = Segment::syn(ep("127.0.0.1:40000"), ep("127.0.0.9:8080"), 42, 9);
        assert_eq!(decode(&syn.encode()), Ok(syn));
        let rst = reply(&syn, flags::RST | flags::ACK, 43);
        assert_eq!(decode(&rst.encode()), Ok(rst));
        // Trailing bytes past the total length (a link's padding) are ignored.
        let mut padded = rst.encode();
        padded.extend_from_slice(&[0; 6]);
        assert_eq!(decode(&padded), Ok(rst));
    }

    #[test]
    fn truncated_packets_are_incomplete() {
        let p = Segment::syn(ep("127.0.0.1:1"), ep("127.0.0.2:2"), 0, 0).encode();
        for end in 0..p.len() {
            assert_eq!(decode(&p[..end]), Err(ParseError::Incomplete), "{end}");
        }
    }

    #[test]
    fn rejects_what_is_not_an_unfragmented_tcp_over_ipv4_packet() {
        let good = Segment::syn(ep("127.0.0.1:1"), ep("127.0.0.2:2"), 0, 0).encode();
        let field = |p: Vec<u8>| match decode(&p) {
            Err(ParseError::Malformed { field, .. }) => field,
            other => panic!("{other:?}"),
        };
        let edit = |at: usize, v: u8| {
            let mut p = good.clone();
            p[at] = v;
            p
        };
        assert_eq!(field(edit(0, 0x65)), "ip version");
        assert_eq!(field(edit(0, 0x44)), "ip header length");
        assert_eq!(field(edit(9, 17)), "ip protocol");
        assert_eq!(field(edit(6, 0x20)), "ip fragment");
        assert_eq!(field(edit(7, 0x01)), "ip fragment");
        assert_eq!(field(edit(3, 10)), "ip total length");
        assert_eq!(field(edit(3, 30)), "ip total length");
        assert_eq!(field(edit(IPV4_HEADER + 12, 0x40)), "tcp data offset");
        assert_eq!(field(edit(IPV4_HEADER + 12, 0x70)), "tcp data offset");
    }

    #[test]
    fn ip_options_are_skipped_and_tcp_options_read_leniently() {
        // A header of six words: four bytes of options (NOP x 3, end).
        let syn = Segment::syn(ep("127.0.0.1:1"), ep("127.0.0.2:2"), 5, 0);
        let mut p = syn.encode();
        p.splice(IPV4_HEADER..IPV4_HEADER, [1, 1, 1, 0]);
        p[0] = 0x46;
        p[2..4].copy_from_slice(&48u16.to_be_bytes());
        assert_eq!(decode(&p), Ok(syn));
        assert_eq!(mss_option(&[1, 1, 2, 4, 0x05, 0xb4]), Some(1460));
        // Window scale (3 bytes) then MSS.
        assert_eq!(mss_option(&[3, 3, 7, 2, 4, 0x02, 0x18]), Some(536));
        assert_eq!(mss_option(&[0, 2, 4, 0x05, 0xb4]), None, "after the end");
        assert_eq!(mss_option(&[8, 0, 2, 4, 0, 1]), None, "length 0");
        assert_eq!(mss_option(&[8, 10, 2, 4]), None, "length past the end");
        assert_eq!(mss_option(&[2]), None);
    }

    #[test]
    fn only_an_acknowledgement_of_the_probe_answers_it() {
        let key = SeqKey::new(b"one scan's secret");
        let syn = Segment::syn(ep("127.0.0.1:40000"), ep("127.0.0.9:80"), 0, 0);
        let seq = key.seq(syn.src, syn.dst);
        let open = reply(&syn, flags::SYN | flags::ACK, seq.wrapping_add(1));
        let closed = reply(&syn, flags::RST | flags::ACK, seq.wrapping_add(1));
        assert_eq!(key.answer(&open), Some(Answer::Open));
        assert_eq!(key.answer(&closed), Some(Answer::Closed));
        // Off by one, another key, another port or address: no answer.
        assert_eq!(key.answer(&Segment { ack: seq, ..open }), None);
        assert_eq!(SeqKey::new(b"another scan").answer(&open), None);
        let moved = Segment {
            src: ep("127.0.0.9:81"),
            ..open
        };
        assert_eq!(key.answer(&moved), None);
        let other_host = Segment {
            src: ep("127.0.0.8:80"),
            ..open
        };
        assert_eq!(key.answer(&other_host), None);
        // A RST without ACK, a bare ACK, our own SYN looping back: nothing.
        assert_eq!(
            key.answer(&Segment {
                flags: flags::RST,
                ..closed
            }),
            None
        );
        assert_eq!(
            key.answer(&Segment {
                flags: flags::ACK,
                ..open
            }),
            None
        );
        assert_eq!(key.answer(&Segment { seq, ..syn }), None);
        // The sequence number wraps.
        assert_eq!(
            reply(&syn, flags::SYN | flags::ACK, 0).answer(u32::MAX),
            Some(Answer::Open)
        );
    }

    #[test]
    fn sequence_numbers_depend_on_every_part_of_the_probe() {
        let key = SeqKey::new(b"k");
        let base = key.seq(ep("10.0.0.1:1000"), ep("10.0.0.2:80"));
        assert_eq!(base, key.seq(ep("10.0.0.1:1000"), ep("10.0.0.2:80")));
        for (s, d) in [
            ("10.0.0.3:1000", "10.0.0.2:80"),
            ("10.0.0.1:1001", "10.0.0.2:80"),
            ("10.0.0.1:1000", "10.0.0.4:80"),
            ("10.0.0.1:1000", "10.0.0.2:81"),
        ] {
            assert_ne!(base, key.seq(ep(s), ep(d)), "{s} -> {d}");
        }
        assert_eq!(format!("{key:?}"), "SeqKey(..)");
    }
}
