//! The SSH identification exchange (RFC 4253 4.2): the one cleartext line that
//! names the server's software before key exchange starts.

use super::{ParseError, excerpt, malformed, next_line};

/// Longest identification line, CR LF included (RFC 4253 4.2).
pub const MAX_LINE: usize = 255;
/// Most bytes of other lines (banners) tolerated before the identification line.
pub const MAX_PREAMBLE: usize = 1024;

/// The parsed identification line "SSH-protoversion-softwareversion\[ comments\]".
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identification {
    /// The protocol version after "SSH-", such as "2.0" (or "1.99" for a server that also speaks SSH 1).
    pub proto_version: String,
    /// The software version, up to the first space; may itself contain '-'.
    pub software: String,
    /// Free text after the first space following the software version; `None` when there is none.
    pub comments: Option<String>,
    /// Bytes consumed: any preceding banner lines plus the identification line with its line end.
    pub len: usize,
}

/// Finds the identification line in what the server sent first, skipping banner lines before it.
/// `Incomplete` while no full line is in `buf`; `TooLarge` past [`MAX_LINE`] or [`MAX_PREAMBLE`].
pub fn parse_identification(buf: &[u8]) -> Result<Identification, ParseError> {
    let mut pos = 0;
    loop {
        let rest = &buf[pos..];
        let might_be_ident =
            (rest.len() < 4 && b"SSH-".starts_with(rest)) || rest.starts_with(b"SSH-");
        let Some((line, len)) = next_line(rest) else {
            let limit = if might_be_ident {
                MAX_LINE
            } else {
                MAX_PREAMBLE
            };
            let used = if might_be_ident {
                rest.len()
            } else {
                buf.len()
            };
            // A line that cannot be complete within the limit never will be.
            return Err(if used >= limit {
                too_large(might_be_ident)
            } else {
                ParseError::Incomplete
            });
        };
        if line.starts_with(b"SSH-") {
            if len > MAX_LINE {
                return Err(too_large(true));
            }
            let mut id = parse_line(line)?;
            id.len = pos + len;
            return Ok(id);
        }
        pos += len;
        if pos > MAX_PREAMBLE {
            return Err(too_large(false));
        }
    }
}

fn too_large(ident: bool) -> ParseError {
    if ident {
        ParseError::TooLarge {
            field: "identification line",
            limit: MAX_LINE,
        }
    } else {
        ParseError::TooLarge {
            field: "pre-identification lines",
            limit: MAX_PREAMBLE,
        }
    }
}

fn parse_line(line: &[u8]) -> Result<Identification, ParseError> {
    if let Some(b) = line.iter().find(|&&b| b < 0x20 || b == 0x7f) {
        return Err(malformed(
            "identification line",
            format!("control byte 0x{b:02x}"),
        ));
    }
    let text = String::from_utf8_lossy(&line[4..]);
    let (proto_version, rest) = text
        .split_once('-')
        .ok_or_else(|| malformed("identification line", "no '-' after the protocol version"))?;
    // Software names such as "Cisco-1.25" contain '-', so only the first one separates.
    let (software, comments) = match rest.split_once(' ') {
        Some((s, c)) => (s, (!c.is_empty()).then(|| c.to_string())),
        None => (rest, None),
    };
    if proto_version.is_empty() || proto_version.contains(' ') {
        return Err(malformed("protocol version", excerpt(proto_version)));
    }
    if software.is_empty() {
        return Err(malformed("software version", "empty"));
    }
    Ok(Identification {
        proto_version: proto_version.to_string(),
        software: software.to_string(),
        comments,
        len: 0,
    })
}

/// "SSH-2.0-software\[ comments\]\r\n", for the lab's SSH-like devices. Spaces and
/// control characters in `software` would change the parse, so they become '_'.
pub fn encode_identification(software: &str, comments: Option<&str>) -> Vec<u8> {
    let clean = |s: &str, keep_space: bool| -> String {
        s.chars()
            .map(|c| {
                if c.is_control() || (c == ' ' && !keep_space) {
                    '_'
                } else {
                    c
                }
            })
            .collect()
    };
    let mut line = format!("SSH-2.0-{}", clean(software, false));
    if let Some(c) = comments.filter(|c| !c.is_empty()) {
        line.push(' ');
        line.push_str(&clean(c, true));
    }
    // Keep the line (with CR LF) within what parse_identification accepts.
    let mut end = line.len().min(MAX_LINE - 2);
    while !line.is_char_boundary(end) {
        end -= 1;
    }
    line.truncate(end);
    line.push_str("\r\n");
    line.into_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fuzz;

    const OPENSSH: &[u8] = b"SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3\r\n";

    #[test]
    fn parses_openssh_debian_identification() {
        let id = parse_identification(OPENSSH).unwrap();
        assert_eq!(id.proto_version, "2.0");
        assert_eq!(id.software, "OpenSSH_9.2p1");
        assert_eq!(id.comments.as_deref(), Some("Debian-2+deb12u3"));
        assert_eq!(id.len, OPENSSH.len());
    }

    #[test]
    fn parses_dropbear_with_bare_lf_and_trailing_kex_bytes() {
        let mut buf = b"SSH-2.0-dropbear_2020.81\n".to_vec();
        buf.extend_from_slice(&[0, 0, 1, 0x14, 0x0a, 0x14]);
        let id = parse_identification(&buf).unwrap();
        assert_eq!(
            (id.software.as_str(), id.comments, id.len),
            ("dropbear_2020.81", None, 25)
        );
    }

    #[test]
    fn keeps_dashes_inside_software_version() {
        let id = parse_identification(b"SSH-1.99-Cisco-1.25\r\n").unwrap();
        assert_eq!(
            (id.proto_version.as_str(), id.software.as_str()),
            ("1.99", "Cisco-1.25")
        );
    }

    #[test]
    fn skips_banner_lines_before_identification() {
        let buf = b"Welcome to the lamp-post controller\r\nAuthorized use only\r\nSSH-2.0-libssh_0.9.6\r\n";
        let id = parse_identification(buf).unwrap();
        assert_eq!(id.software, "libssh_0.9.6");
        assert_eq!(id.len, buf.len());
    }

    #[test]
    fn truncated_identification_is_incomplete() {
        for end in 0..OPENSSH.len() {
            assert_eq!(
                parse_identification(&OPENSSH[..end]),
                Err(ParseError::Incomplete),
                "{end}"
            );
        }
    }

    #[test]
    fn identification_longer_than_255_bytes_is_too_large() {
        let mut long = b"SSH-2.0-".to_vec();
        long.resize(253, b'x');
        long.extend_from_slice(b"\r\n");
        assert!(
            parse_identification(&long).is_ok(),
            "exactly 255 bytes is allowed"
        );
        long.insert(10, b'x');
        assert!(matches!(
            parse_identification(&long),
            Err(ParseError::TooLarge {
                limit: MAX_LINE,
                ..
            })
        ));
        assert!(matches!(
            parse_identification(&long[..255]),
            Err(ParseError::TooLarge { .. })
        ));
    }

    #[test]
    fn endless_preamble_is_too_large() {
        let line = b"this is not ssh at all\r\n";
        let buf: Vec<u8> = line
            .iter()
            .copied()
            .cycle()
            .take(MAX_PREAMBLE + 200)
            .collect();
        assert!(matches!(
            parse_identification(&buf),
            Err(ParseError::TooLarge {
                limit: MAX_PREAMBLE,
                ..
            })
        ));
        let no_newline = vec![b'a'; MAX_PREAMBLE + 1];
        assert!(matches!(
            parse_identification(&no_newline),
            Err(ParseError::TooLarge { .. })
        ));
    }

    #[test]
    fn rejects_malformed_identification_lines() {
        for bad in [
            &b"SSH-2.0\r\n"[..],
            b"SSH--OpenSSH\r\n",
            b"SSH-2.0-\r\n",
            b"SSH-2.0-Open\x00SSH\r\n",
            b"SSH-2 0-x\r\n",
        ] {
            assert!(
                matches!(parse_identification(bad), Err(ParseError::Malformed { .. })),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn encode_round_trips_and_neutralises_spaces_and_newlines() {
        let raw = encode_identification("OpenSSH_8.4p1", Some("Raspbian-5+deb11u3"));
        assert_eq!(raw, b"SSH-2.0-OpenSSH_8.4p1 Raspbian-5+deb11u3\r\n");
        let id =
            parse_identification(&encode_identification("evil name\r\nSSH-1.0-x", None)).unwrap();
        assert_eq!(id.software, "evil_name__SSH-1.0-x");
        let long = encode_identification(&"\u{e9}".repeat(300), None);
        assert!(long.len() <= MAX_LINE);
        assert!(parse_identification(&long).is_ok());
    }

    #[test]
    fn parser_never_panics_on_random_or_mutated_input() {
        for input in fuzz::mutations(&[OPENSSH, b"banner\nSSH-1.99-x y\n"]) {
            if let Ok(id) = parse_identification(&input) {
                assert!(id.len <= input.len());
            }
        }
    }
}
