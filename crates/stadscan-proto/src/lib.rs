//! Pure parsers and encoders for the protocols stadscan speaks, with no I/O.
//! Shared by the scanner's probes (client side) and the lab devices (server side).

// Items are `pub` only when another crate may use them.
#![warn(unreachable_pub)]
// Every public item says what it means on the wire or to a caller.
#![warn(missing_docs)]

pub mod bacnet;
pub mod coap;
pub mod digest;
pub mod dns;
pub mod ftp;
pub mod http;
pub mod icmp;
pub mod modbus;
pub mod mqtt;
pub mod onvif;
pub mod pem;
pub mod snmp;
pub mod ssdp;
pub mod ssh;
pub mod tcp;
pub mod telnet;
pub mod tls;
pub mod wsse;
pub mod xml;

/// Why a parser refused its input. `Incomplete` means "read more and call again";
/// the other two mean the peer sent something this parser will never accept.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ParseError {
    /// The input ends before the message does; more bytes may complete it.
    #[error("incomplete message")]
    Incomplete,
    /// The input breaks the protocol's syntax.
    #[error("malformed {field}: {detail}")]
    Malformed {
        /// Which part of the message is wrong.
        field: &'static str,
        /// What is wrong with it, with a short excerpt where one helps.
        detail: String,
    },
    /// A part of the message is longer than this parser accepts.
    #[error("{field} exceeds the limit of {limit} bytes")]
    TooLarge {
        /// Which part of the message is too long.
        field: &'static str,
        /// The most accepted: bytes, or lines or headers where the field counts those.
        limit: usize,
    },
}

pub(crate) fn malformed(field: &'static str, detail: impl Into<String>) -> ParseError {
    ParseError::Malformed {
        field,
        detail: detail.into(),
    }
}

/// The first line of `buf` without its terminator, and the length including the
/// terminator. Both "\r\n" and a bare "\n" end a line, because embedded servers
/// send either. `None` while no "\n" has arrived.
pub(crate) fn next_line(buf: &[u8]) -> Option<(&[u8], usize)> {
    let nl = buf.iter().position(|&b| b == b'\n')?;
    let line = &buf[..nl];
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    Some((line, nl + 1))
}

/// A short, escaped quote of peer-supplied bytes for error details, so that an error
/// message never carries kilobytes of hostile input (Debug ignores `{:.N?}`).
pub(crate) fn excerpt(bytes: impl AsRef<[u8]>) -> String {
    const MAX_CHARS: usize = 40;
    let text = String::from_utf8_lossy(bytes.as_ref());
    let mut out = String::from("\"");
    for (i, c) in text.chars().enumerate() {
        if i == MAX_CHARS {
            out.push_str("...");
            break;
        }
        out.extend(c.escape_debug());
    }
    out.push('"');
    out
}

/// Removes CR and LF so that a caller-supplied string can never start a new
/// line (header or command injection) in a line-based protocol.
pub(crate) fn one_line(s: &str) -> impl Iterator<Item = char> + '_ {
    s.chars().filter(|&c| c != '\r' && c != '\n')
}

/// Input generators for the "never panics" tests of this crate and of the
/// crates whose tests feed protocol code (feature `test-support`).
#[cfg(any(test, feature = "test-support"))]
pub mod fuzz {
    /// Deterministic pseudo-random byte strings for the "never panics" tests;
    /// biased towards the bytes that steer parsers (0x00, 0xff, 0x80, digits, CR/LF).
    pub fn random_inputs(seed: u64, count: usize, max_len: usize) -> Vec<Vec<u8>> {
        let mut state = seed | 1;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        const INTERESTING: &[u8] = b"\x00\xff\x80\x81\x84\x7f\x30\x02\x04\x06\xc0\x20\r\n :-0129SH";
        (0..count)
            .map(|_| {
                let len = (next() as usize) % (max_len + 1);
                (0..len)
                    .map(|_| {
                        let r = next();
                        if r % 3 == 0 {
                            INTERESTING[(r >> 8) as usize % INTERESTING.len()]
                        } else {
                            (r >> 16) as u8
                        }
                    })
                    .collect()
            })
            .collect()
    }

    /// Every prefix of each valid message, then each message with one byte flipped
    /// at every position: the edges a hand-written parser most often gets wrong.
    pub fn mutations(valid: &[&[u8]]) -> Vec<Vec<u8>> {
        let mut out = Vec::new();
        for msg in valid {
            for end in 0..=msg.len() {
                out.push(msg[..end].to_vec());
            }
            for i in 0..msg.len() {
                for flip in [0x01u8, 0x80, 0xff] {
                    let mut m = msg.to_vec();
                    m[i] ^= flip;
                    out.push(m);
                }
            }
        }
        out.extend(random_inputs(0x9e37_79b9_7f4a_7c15, 2000, 96));
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_line_accepts_crlf_and_bare_lf() {
        assert_eq!(next_line(b"ab\r\ncd"), Some((&b"ab"[..], 4)));
        assert_eq!(next_line(b"ab\ncd"), Some((&b"ab"[..], 3)));
        assert_eq!(next_line(b"ab\r"), None);
    }

    #[test]
    fn excerpt_escapes_and_cuts_hostile_input() {
        assert_eq!(excerpt(b"a\"\x00"), r#""a\"\0""#);
        assert_eq!(
            excerpt("x".repeat(1000)),
            format!("\"{}...\"", "x".repeat(40))
        );
    }

    #[test]
    fn errors_render_field_and_limit() {
        assert_eq!(
            malformed("status", "not a number").to_string(),
            "malformed status: not a number"
        );
        let e = ParseError::TooLarge {
            field: "head",
            limit: 10,
        };
        assert_eq!(e.to_string(), "head exceeds the limit of 10 bytes");
    }
}
