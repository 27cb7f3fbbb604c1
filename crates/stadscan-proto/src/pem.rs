//! The textual encoding of certificates (RFC 7468): Base64 between a
//! `-----BEGIN CERTIFICATE-----` and an `-----END CERTIFICATE-----` line.
//!
//! Only certificate blocks are read: a trust-anchor file may hold anything
//! else between them (comments, other blocks), and that is skipped
//! unread. Decoding names the line at fault.

use crate::http::base64_decode;

const BEGIN: &str = "-----BEGIN CERTIFICATE-----";
const END: &str = "-----END CERTIFICATE-----";

/// A certificate block that cannot be decoded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PemError {
    /// A block starts at `line` and never ends.
    #[error("line {line}: the certificate block that starts here has no `{END}` line")]
    Unterminated {
        /// The block's first line (1-based).
        line: usize,
    },
    /// A block's body is not Base64 (or is empty).
    #[error("line {line}: the certificate block that starts here is not valid Base64")]
    Base64 {
        /// The block's first line (1-based).
        line: usize,
    },
}

/// The DER bytes of every certificate block in `text`, in file order.
/// Lines may end in CRLF, and the labels may be indented (RFC 7468 allows
/// white space around them); a body is all lines between the labels.
pub fn certificates(text: &[u8]) -> Result<Vec<Vec<u8>>, PemError> {
    let text = String::from_utf8_lossy(text);
    let mut out = Vec::new();
    let mut lines = text.lines().enumerate();
    while let Some((i, line)) = lines.next() {
        if line.trim() != BEGIN {
            continue;
        }
        let start = i + 1;
        let mut body = String::new();
        let mut ended = false;
        for (_, l) in lines.by_ref() {
            if l.trim() == END {
                ended = true;
                break;
            }
            body.extend(l.chars().filter(|c| !c.is_whitespace()));
        }
        if !ended {
            return Err(PemError::Unterminated { line: start });
        }
        match base64_decode(&body) {
            Some(der) if !der.is_empty() => out.push(der),
            _ => return Err(PemError::Base64 { line: start }),
        }
    }
    Ok(out)
}

/// `der` as one certificate block, its Base64 in lines of 64 characters
/// (as RFC 7468 writes it).
pub fn encode_certificate(der: &[u8]) -> String {
    let b64 = crate::http::base64_encode(der);
    let mut out = String::with_capacity(b64.len() + b64.len() / 64 + 64);
    out.push_str(BEGIN);
    out.push('\n');
    for chunk in b64.as_bytes().chunks(64) {
        out.push_str(&String::from_utf8_lossy(chunk));
        out.push('\n');
    }
    out.push_str(END);
    out.push('\n');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_every_certificate_block_and_skips_the_rest() {
        let a: Vec<u8> = (0..=255).collect();
        let b = b"\x30\x03\x02\x01\x05".to_vec();
        let text = format!(
            "city CA, issued 2024\n{}\n-----BEGIN SOMETHING ELSE-----\nAAAA\n\
             -----END SOMETHING ELSE-----\n  {}",
            encode_certificate(&a),
            encode_certificate(&b).replace('\n', "\r\n")
        );
        assert_eq!(certificates(text.as_bytes()), Ok(vec![a, b]));
        assert_eq!(certificates(b"no blocks here\n"), Ok(vec![]));
    }

    #[test]
    fn a_broken_block_names_its_first_line() {
        let good = encode_certificate(b"\x30\x00");
        let open = format!("{good}\n{BEGIN}\nMAA=\n");
        assert_eq!(
            certificates(open.as_bytes()),
            Err(PemError::Unterminated { line: 5 })
        );
        let bad = format!("{BEGIN}\nnot*base64\n{END}\n");
        assert_eq!(
            certificates(bad.as_bytes()),
            Err(PemError::Base64 { line: 1 })
        );
        let empty = format!("\n{BEGIN}\n{END}\n");
        assert_eq!(
            certificates(empty.as_bytes()),
            Err(PemError::Base64 { line: 2 })
        );
        assert_eq!(
            PemError::Unterminated { line: 5 }.to_string(),
            "line 5: the certificate block that starts here has no \
             `-----END CERTIFICATE-----` line"
        );
    }

    #[test]
    fn long_bodies_are_wrapped_at_64_characters() {
        let der = vec![0xab; 200];
        let pem = encode_certificate(&der);
        assert!(pem.lines().all(|l| l.len() <= 64 || l.starts_with("-----")));
        assert_eq!(certificates(pem.as_bytes()), Ok(vec![der]));
    }
}
