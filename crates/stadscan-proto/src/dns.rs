//! Just enough DNS (RFC 1035) for the lab's authoritative server: read one question,
//! answer it with A/AAAA records or NXDOMAIN. The scanner itself resolves with hickory.

use std::net::IpAddr;

use super::{ParseError, malformed};

/// Record type A: an IPv4 address.
pub const TYPE_A: u16 = 1;
/// Record type AAAA: an IPv6 address (RFC 3596).
pub const TYPE_AAAA: u16 = 28;
/// Class IN, the Internet.
pub const CLASS_IN: u16 = 1;
/// Response code 3: the queried name does not exist.
pub const RCODE_NXDOMAIN: u8 = 3;
/// Longest name on the wire, length bytes and root label included (RFC 1035 2.3.4).
pub const MAX_NAME: usize = 255;
/// Longest label in bytes (RFC 1035 2.3.4).
pub const MAX_LABEL: usize = 63;
/// Answers are kept within a classic UDP message; the rest is dropped and TC set.
pub const MAX_UDP_MESSAGE: usize = 512;

const HEADER_LEN: usize = 12;
const FLAG_QR: u16 = 0x8000;
const FLAG_AA: u16 = 0x0400;
const FLAG_TC: u16 = 0x0200;
const FLAG_RD: u16 = 0x0100;

/// The question of a standard query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Query {
    /// Transaction ID; the response carries the same value.
    pub id: u16,
    /// Queried name in lower case, labels joined with '.', no trailing dot.
    pub name: String,
    /// Queried record type, such as [`TYPE_A`].
    pub qtype: u16,
    /// Queried class, normally [`CLASS_IN`].
    pub qclass: u16,
    /// The RD flag: the client asked for recursion; the response echoes it.
    pub recursion_desired: bool,
    /// Offset just past the question in the message.
    pub question_end: usize,
}

fn be16(b: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_be_bytes([*b.get(at)?, *b.get(at + 1)?]))
}

/// Records after the question (an EDNS OPT, say) are not read: `question_end` says
/// where they start.
pub fn parse_query(buf: &[u8]) -> Result<Query, ParseError> {
    if buf.len() < HEADER_LEN {
        return Err(ParseError::Incomplete);
    }
    let id = be16(buf, 0).ok_or(ParseError::Incomplete)?;
    let flags = be16(buf, 2).ok_or(ParseError::Incomplete)?;
    let qdcount = be16(buf, 4).ok_or(ParseError::Incomplete)?;
    if flags & FLAG_QR != 0 {
        return Err(malformed("flags", "QR is set: a response, not a query"));
    }
    let opcode = (flags >> 11) & 0xf;
    if opcode != 0 {
        return Err(malformed(
            "opcode",
            format!("{opcode} is not a standard query"),
        ));
    }
    if qdcount != 1 {
        return Err(malformed(
            "qdcount",
            format!("{qdcount} questions, expected 1"),
        ));
    }
    let mut pos = HEADER_LEN;
    let mut name = String::new();
    let mut wire_len = 0;
    loop {
        let &len = buf.get(pos).ok_or(ParseError::Incomplete)?;
        match len & 0xc0 {
            0x00 => {}
            0xc0 => return Err(malformed("name", "compression pointer in the question")),
            _ => return Err(malformed("name", format!("label type 0x{len:02x}"))),
        }
        let len = usize::from(len);
        wire_len += 1 + len;
        if wire_len > MAX_NAME {
            return Err(ParseError::TooLarge {
                field: "name",
                limit: MAX_NAME,
            });
        }
        pos += 1;
        if len == 0 {
            break;
        }
        let label = buf.get(pos..pos + len).ok_or(ParseError::Incomplete)?;
        // A '.' or a control byte inside a label would make the text form ambiguous.
        if let Some(b) = label.iter().find(|&&b| !b.is_ascii_graphic() || b == b'.') {
            return Err(malformed("name", format!("byte 0x{b:02x} in a label")));
        }
        if !name.is_empty() {
            name.push('.');
        }
        name.extend(label.iter().map(|b| char::from(b.to_ascii_lowercase())));
        pos += len;
    }
    let qtype = be16(buf, pos).ok_or(ParseError::Incomplete)?;
    let qclass = be16(buf, pos + 2).ok_or(ParseError::Incomplete)?;
    Ok(Query {
        id,
        name,
        qtype,
        qclass,
        recursion_desired: flags & FLAG_RD != 0,
        question_end: pos + 4,
    })
}

/// Labels longer than 63 bytes are cut and the name stops before it would pass
/// 255 bytes: a hand-built `Query` must still give a well-formed message.
fn put_name(out: &mut Vec<u8>, name: &str) {
    let mut used = 1;
    for label in name.split('.').filter(|l| !l.is_empty()) {
        let label = &label.as_bytes()[..label.len().min(MAX_LABEL)];
        if used + 1 + label.len() > MAX_NAME {
            break;
        }
        used += 1 + label.len();
        out.push(label.len() as u8);
        out.extend_from_slice(label);
    }
    out.push(0);
}

/// Header (answer count zero for now) and the echoed question.
fn response_start(q: &Query, rcode: u8) -> Vec<u8> {
    let mut flags = FLAG_QR | FLAG_AA | u16::from(rcode & 0x0f);
    if q.recursion_desired {
        flags |= FLAG_RD;
    }
    let mut out = Vec::with_capacity(MAX_UDP_MESSAGE);
    out.extend_from_slice(&q.id.to_be_bytes());
    out.extend_from_slice(&flags.to_be_bytes());
    out.extend_from_slice(&[0, 1, 0, 0, 0, 0, 0, 0]);
    put_name(&mut out, &q.name);
    out.extend_from_slice(&q.qtype.to_be_bytes());
    out.extend_from_slice(&q.qclass.to_be_bytes());
    out
}

/// An authoritative response to `q` with the addresses that match its type, as many as fit in a UDP message (TC set when some do not).
pub fn encode_answer(q: &Query, addrs: &[IpAddr], ttl: u32) -> Vec<u8> {
    let mut out = response_start(q, 0);
    let rdata: Vec<Vec<u8>> = addrs
        .iter()
        .filter_map(|a| match (a, q.qtype) {
            (IpAddr::V4(v4), TYPE_A) => Some(v4.octets().to_vec()),
            (IpAddr::V6(v6), TYPE_AAAA) => Some(v6.octets().to_vec()),
            _ => None,
        })
        .collect();
    let mut count: u16 = 0;
    for data in &rdata {
        if out.len() + 12 + data.len() > MAX_UDP_MESSAGE {
            out[2] |= (FLAG_TC >> 8) as u8;
            break;
        }
        // 0xC00C: the question name, always at offset 12.
        out.extend_from_slice(&[0xc0, 0x0c]);
        out.extend_from_slice(&q.qtype.to_be_bytes());
        out.extend_from_slice(&CLASS_IN.to_be_bytes());
        out.extend_from_slice(&ttl.to_be_bytes());
        out.extend_from_slice(&(data.len() as u16).to_be_bytes());
        out.extend_from_slice(data);
        count += 1;
    }
    out[6..8].copy_from_slice(&count.to_be_bytes());
    out
}

/// An authoritative NXDOMAIN response to `q`.
pub fn encode_nxdomain(q: &Query) -> Vec<u8> {
    response_start(q, RCODE_NXDOMAIN)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fuzz;
    use std::net::{Ipv4Addr, Ipv6Addr};

    /// `dig +noadflag Camera01.Stad.Lab A`: RD set, one question, an EDNS OPT record.
    const DIG_QUERY: &[u8] = b"\x7b\x3a\x01\x00\x00\x01\x00\x00\x00\x00\x00\x01\x08Camera01\x04Stad\x03Lab\x00\x00\x01\x00\x01\x00\x00\x29\x04\xd0\x00\x00\x00\x00\x00\x00";
    const QUESTION_END: usize = 12 + 19 + 4;

    fn query(qtype: u16) -> Query {
        Query {
            qtype,
            ..parse_query(DIG_QUERY).unwrap()
        }
    }

    #[test]
    fn parses_dig_query_and_lowercases_the_name() {
        let q = parse_query(DIG_QUERY).unwrap();
        assert_eq!(q.id, 0x7b3a);
        assert_eq!(q.name, "camera01.stad.lab");
        assert_eq!(
            (q.qtype, q.qclass, q.recursion_desired),
            (TYPE_A, CLASS_IN, true)
        );
        assert_eq!(q.question_end, QUESTION_END);
    }

    #[test]
    fn truncated_query_is_incomplete() {
        for end in 0..QUESTION_END {
            assert_eq!(
                parse_query(&DIG_QUERY[..end]),
                Err(ParseError::Incomplete),
                "{end}"
            );
        }
    }

    #[test]
    fn rejects_responses_other_opcodes_and_question_counts() {
        let cases: [(usize, u8); 4] = [(2, 0x81), (2, 0x29), (5, 0x02), (5, 0x00)];
        for (i, v) in cases {
            let mut bad = DIG_QUERY.to_vec();
            bad[i] = v;
            assert!(
                matches!(parse_query(&bad), Err(ParseError::Malformed { .. })),
                "byte {i} = {v:#x}"
            );
        }
    }

    #[test]
    fn rejects_compression_pointers_and_bad_labels() {
        let mut pointer = DIG_QUERY[..12].to_vec();
        pointer.extend_from_slice(b"\xc0\x0c\x00\x01\x00\x01");
        assert!(matches!(
            parse_query(&pointer),
            Err(ParseError::Malformed { field: "name", .. })
        ));
        let mut long_label = DIG_QUERY[..12].to_vec();
        long_label.push(64);
        long_label.extend([b'a'; 64]);
        assert!(matches!(
            parse_query(&long_label),
            Err(ParseError::Malformed { .. })
        ));
        for label in [&b"\x03a.b"[..], b"\x03a\x00b", b"\x03a b"] {
            let mut bad = DIG_QUERY[..12].to_vec();
            bad.extend_from_slice(label);
            bad.extend_from_slice(b"\x00\x00\x01\x00\x01");
            assert!(
                matches!(parse_query(&bad), Err(ParseError::Malformed { .. })),
                "{label:?}"
            );
        }
    }

    #[test]
    fn name_longer_than_255_bytes_is_too_large() {
        let mut buf = DIG_QUERY[..12].to_vec();
        for _ in 0..5 {
            buf.push(50);
            buf.extend([b'x'; 50]);
        }
        buf.extend_from_slice(b"\x00\x00\x01\x00\x01");
        assert_eq!(
            parse_query(&buf),
            Err(ParseError::TooLarge {
                field: "name",
                limit: MAX_NAME
            })
        );
    }

    #[test]
    fn answers_a_query_with_a_pointer_to_the_question() {
        let q = query(TYPE_A);
        let addrs = [
            IpAddr::V4(Ipv4Addr::new(127, 0, 10, 1)),
            IpAddr::V6(Ipv6Addr::LOCALHOST),
        ];
        let raw = encode_answer(&q, &addrs, 300);
        let mut want = b"\x7b\x3a\x85\x00\x00\x01\x00\x01\x00\x00\x00\x00\x08camera01\x04stad\x03lab\x00\x00\x01\x00\x01".to_vec();
        want.extend_from_slice(b"\xc0\x0c\x00\x01\x00\x01\x00\x00\x01\x2c\x00\x04\x7f\x00\x0a\x01");
        assert_eq!(raw, want);
    }

    #[test]
    fn answers_aaaa_only_with_ipv6_and_other_types_with_nothing() {
        let addrs = [
            IpAddr::V4(Ipv4Addr::LOCALHOST),
            IpAddr::V6(Ipv6Addr::LOCALHOST),
        ];
        let raw = encode_answer(&query(TYPE_AAAA), &addrs, 60);
        assert_eq!(&raw[6..8], [0, 1]);
        assert_eq!(raw.len(), QUESTION_END + 12 + 16);
        assert_eq!(&raw[raw.len() - 16..], Ipv6Addr::LOCALHOST.octets());
        let mx = encode_answer(&query(15), &addrs, 60);
        assert_eq!(
            (&mx[2..4], &mx[6..8], mx.len()),
            (&[0x85, 0x00][..], &[0, 0][..], QUESTION_END)
        );
    }

    #[test]
    fn too_many_answers_are_truncated_with_tc() {
        let addrs: Vec<IpAddr> = (0..40)
            .map(|i| IpAddr::V6(Ipv6Addr::new(0xfd00, 0, 0, 0, 0, 0, 0, i)))
            .collect();
        let raw = encode_answer(&query(TYPE_AAAA), &addrs, 60);
        assert!(raw.len() <= MAX_UDP_MESSAGE);
        assert_ne!(raw[2] & 0x02, 0, "TC set");
        assert_eq!(
            usize::from(u16::from_be_bytes([raw[6], raw[7]])),
            (raw.len() - QUESTION_END) / 28
        );
    }

    #[test]
    fn nxdomain_echoes_the_question() {
        let raw = encode_nxdomain(&query(TYPE_A));
        assert_eq!(&raw[..8], b"\x7b\x3a\x85\x03\x00\x01\x00\x00");
        let mut as_query = raw.clone();
        as_query[2] &= 0x7f;
        let q = parse_query(&as_query).unwrap();
        assert_eq!(
            (q.name.as_str(), q.qtype, q.question_end),
            ("camera01.stad.lab", TYPE_A, raw.len())
        );
    }

    #[test]
    fn hand_built_overlong_names_still_encode_within_limits() {
        let q = Query {
            name: format!("{}.{}", "a".repeat(100), "b.".repeat(200)),
            ..query(TYPE_A)
        };
        let raw = encode_nxdomain(&q);
        let mut as_query = raw.clone();
        as_query[2] &= 0x7f;
        let parsed = parse_query(&as_query).unwrap();
        assert!(parsed.name.starts_with(&"a".repeat(63)));
        assert_eq!(parsed.question_end, raw.len());
    }

    #[test]
    fn parser_never_panics_on_random_or_mutated_input() {
        for input in fuzz::mutations(&[DIG_QUERY]) {
            if let Ok(q) = parse_query(&input) {
                assert!(q.question_end <= input.len());
                let _ = encode_answer(&q, &[IpAddr::V4(Ipv4Addr::LOCALHOST)], 1);
            }
        }
    }
}
