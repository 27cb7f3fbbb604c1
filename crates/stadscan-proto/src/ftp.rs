//! FTP control-connection replies and commands (RFC 959 4.2): banners, USER/PASS
//! logins, and the multi-line replies that vsftpd, ProFTPD and camera firmwares send.

use super::{ParseError, excerpt, malformed, next_line, one_line};

/// Largest reply (all lines) accepted; banners longer than this are not banners.
pub const MAX_REPLY: usize = 16 * 1024;
/// Most lines accepted in one multi-line reply.
pub const MAX_REPLY_LINES: usize = 200;
/// Longest command line accepted from a client.
pub const MAX_COMMAND: usize = 4096;

/// A server reply: a three-digit code and its text, possibly over several lines.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reply {
    /// The reply code, 100 to 699; its first digit says preliminary (1), success (2), more needed (3), transient failure (4) or permanent failure (5).
    pub code: u16,
    /// The text of each line after the code and separator; lines inside a multi-line reply that lack the code are kept whole.
    pub lines: Vec<String>,
    /// Bytes the reply took in the input, line ends included.
    pub len: usize,
}

impl Reply {
    /// All lines joined with "\n".
    pub fn text(&self) -> String {
        self.lines.join("\n")
    }
}

fn reply_too_large() -> ParseError {
    ParseError::TooLarge {
        field: "reply",
        limit: MAX_REPLY,
    }
}

/// Checks the code as soon as its bytes are there, so a non-FTP peer is rejected
/// without waiting for a line end.
fn check_code_prefix(buf: &[u8]) -> Result<(), ParseError> {
    for (i, &b) in buf.iter().take(3).enumerate() {
        let ok = if i == 0 {
            (b'1'..=b'6').contains(&b)
        } else {
            b.is_ascii_digit()
        };
        if !ok {
            return Err(malformed(
                "reply code",
                format!("{:?}", String::from_utf8_lossy(&buf[..buf.len().min(3)])),
            ));
        }
    }
    match buf.get(3) {
        None | Some(b' ' | b'-' | b'\r' | b'\n') => Ok(()),
        Some(b) => Err(malformed("reply code", format!("followed by 0x{b:02x}"))),
    }
}

/// Reads one complete reply, single- or multi-line, from the start of `buf`.
pub fn parse_reply(buf: &[u8]) -> Result<Reply, ParseError> {
    check_code_prefix(buf)?;
    let window = &buf[..buf.len().min(MAX_REPLY)];
    let incomplete = || {
        if buf.len() >= MAX_REPLY {
            reply_too_large()
        } else {
            ParseError::Incomplete
        }
    };
    let (first, mut pos) = next_line(window).ok_or_else(incomplete)?;
    let code_str = first
        .get(..3)
        .ok_or_else(|| malformed("reply code", "short line"))?;
    let code = code_str
        .iter()
        .fold(0u16, |acc, &d| acc * 10 + u16::from(d - b'0'));
    let text =
        |line: &[u8]| String::from_utf8_lossy(line.get(4..).unwrap_or_default()).into_owned();
    let mut lines = vec![text(first)];
    if first.get(3) != Some(&b'-') {
        return Ok(Reply {
            code,
            lines,
            len: pos,
        });
    }
    loop {
        let (line, len) = next_line(&window[pos..]).ok_or_else(incomplete)?;
        pos += len;
        if lines.len() == MAX_REPLY_LINES {
            return Err(ParseError::TooLarge {
                field: "reply lines",
                limit: MAX_REPLY_LINES,
            });
        }
        let same_code = line.starts_with(code_str);
        match line.get(3) {
            // "220 text" (or a bare "220") ends the reply; "220-text" continues it.
            None | Some(b' ') if same_code => {
                lines.push(text(line));
                return Ok(Reply {
                    code,
                    lines,
                    len: pos,
                });
            }
            Some(b'-') if same_code => lines.push(text(line)),
            _ => lines.push(String::from_utf8_lossy(line).into_owned()),
        }
    }
}

/// A command line "VERB\[ arg\]\r\n"; line breaks in `verb` or `arg` cannot end the line early.
pub fn encode_command(verb: &str, arg: Option<&str>) -> Vec<u8> {
    let mut out: String = one_line(verb).collect();
    if let Some(arg) = arg {
        out.push(' ');
        out.extend(one_line(arg));
    }
    out.push_str("\r\n");
    out.into_bytes()
}

/// A command line as a server receives it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Command {
    /// The command verb, upper-cased ("USER", "PASS", ...).
    pub verb: String,
    /// Everything after the first space; `None` when there is nothing.
    pub arg: Option<String>,
    /// Bytes the line took in the input, line end included.
    pub len: usize,
}

/// Reads one command line from the start of `buf`; a verb must be 1 to 8 ASCII letters or digits.
pub fn parse_command(buf: &[u8]) -> Result<Command, ParseError> {
    let window = &buf[..buf.len().min(MAX_COMMAND)];
    let Some((line, len)) = next_line(window) else {
        return Err(if buf.len() >= MAX_COMMAND {
            ParseError::TooLarge {
                field: "command",
                limit: MAX_COMMAND,
            }
        } else {
            ParseError::Incomplete
        });
    };
    let (verb, arg) = match line.iter().position(|&b| b == b' ') {
        Some(sp) => (&line[..sp], Some(&line[sp + 1..])),
        None => (line, None),
    };
    if verb.is_empty() || verb.len() > 8 || !verb.iter().all(u8::is_ascii_alphanumeric) {
        return Err(malformed("command verb", excerpt(verb)));
    }
    Ok(Command {
        verb: String::from_utf8_lossy(verb).to_ascii_uppercase(),
        arg: arg
            .filter(|a| !a.is_empty())
            .map(|a| String::from_utf8_lossy(a).into_owned()),
        len,
    })
}

/// Text with several lines becomes a multi-line reply whose inner lines all carry
/// "code-", so none of them can end the reply early. Codes above 999 are clamped.
pub fn encode_reply(code: u16, text: &str) -> Vec<u8> {
    let code = code.min(999);
    let lines: Vec<&str> = text.split('\n').map(|l| l.trim_end_matches('\r')).collect();
    let mut out = String::new();
    for (i, line) in lines.iter().enumerate() {
        let sep = if i + 1 == lines.len() { ' ' } else { '-' };
        out.push_str(&format!("{code:03}{sep}"));
        out.extend(one_line(line));
        out.push_str("\r\n");
    }
    out.into_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fuzz;

    const VSFTPD_BANNER: &[u8] = b"220-#########################################\r\n220-# Gemeente parkeerautomaat 17 - FTP       #\r\n220-#########################################\r\n220 (vsFTPd 3.0.3)\r\n";
    const PROFTPD_FEAT: &[u8] = b"211-Features:\r\n MDTM\r\n SIZE\r\n UTF8\r\n211 End\r\n";

    #[test]
    fn parses_vsftpd_multi_line_banner() {
        let r = parse_reply(VSFTPD_BANNER).unwrap();
        assert_eq!(r.code, 220);
        assert_eq!(r.lines.len(), 4);
        assert_eq!(r.lines[1], "# Gemeente parkeerautomaat 17 - FTP       #");
        assert_eq!(r.lines[3], "(vsFTPd 3.0.3)");
        assert_eq!(r.len, VSFTPD_BANNER.len());
        assert!(r.text().ends_with("#\n(vsFTPd 3.0.3)"));
    }

    #[test]
    fn keeps_unprefixed_inner_lines_verbatim() {
        let r = parse_reply(PROFTPD_FEAT).unwrap();
        assert_eq!(r.lines, ["Features:", " MDTM", " SIZE", " UTF8", "End"]);
    }

    #[test]
    fn inner_line_with_other_code_does_not_end_reply() {
        let r = parse_reply(b"220-hello\r\n230 not the end\r\n220 end\n").unwrap();
        assert_eq!(r.lines, ["hello", "230 not the end", "end"]);
    }

    #[test]
    fn parses_single_line_reply_and_leaves_the_rest() {
        let buf = b"331 Please specify the password.\r\n230 Login successful.\r\n";
        let r = parse_reply(buf).unwrap();
        assert_eq!(
            (r.code, r.text().as_str(), r.len),
            (331, "Please specify the password.", 34)
        );
        assert_eq!(parse_reply(&buf[r.len..]).unwrap().code, 230);
        assert_eq!(parse_reply(b"220\n").unwrap().lines, [""]);
    }

    #[test]
    fn truncated_multi_line_reply_is_incomplete() {
        for end in 0..VSFTPD_BANNER.len() {
            assert_eq!(
                parse_reply(&VSFTPD_BANNER[..end]),
                Err(ParseError::Incomplete),
                "{end}"
            );
        }
    }

    #[test]
    fn rejects_non_ftp_greetings_early() {
        for bad in [
            &b"SSH-2.0-x"[..],
            b"HTTP/1.1 400",
            b"2a",
            b"22\r\n",
            b"2200 x\r\n",
            b"720 x\r\n",
            b"099 x\r\n",
        ] {
            assert!(
                matches!(parse_reply(bad), Err(ParseError::Malformed { .. })),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn endless_multi_line_reply_is_too_large() {
        let mut buf = b"220-start\r\n".to_vec();
        while buf.len() < MAX_REPLY + 10 {
            buf.extend_from_slice(format!("220-{}\r\n", "m".repeat(1000)).as_bytes());
        }
        assert_eq!(parse_reply(&buf), Err(reply_too_large()));
        let mut many = b"220-start\r\n".to_vec();
        many.extend(b"x\n".repeat(MAX_REPLY_LINES));
        assert!(matches!(
            parse_reply(&many),
            Err(ParseError::TooLarge {
                field: "reply lines",
                ..
            })
        ));
    }

    #[test]
    fn command_round_trips_and_uppercases_verb() {
        assert_eq!(
            encode_command("USER", Some("anonymous")),
            b"USER anonymous\r\n"
        );
        assert_eq!(encode_command("PASV", None), b"PASV\r\n");
        let c = parse_command(b"user anonymous\r\nPASS x\r\n").unwrap();
        assert_eq!(
            (c.verb.as_str(), c.arg.as_deref(), c.len),
            ("USER", Some("anonymous"), 16)
        );
        let c = parse_command(&encode_command("RETR", Some("my file.txt"))).unwrap();
        assert_eq!(c.arg.as_deref(), Some("my file.txt"));
        let c = parse_command(b"NOOP\n").unwrap();
        assert_eq!((c.verb.as_str(), c.arg), ("NOOP", None));
    }

    #[test]
    fn command_encoding_strips_injected_newlines() {
        let raw = encode_command("USER", Some("x\r\nDELE /etc/passwd"));
        assert_eq!(raw, b"USER xDELE /etc/passwd\r\n");
    }

    #[test]
    fn rejects_malformed_commands() {
        for bad in [
            &b"\r\n"[..],
            b" USER x\r\n",
            b"US\xffER x\r\n",
            b"VERYLONGVERB x\r\n",
        ] {
            assert!(
                matches!(parse_command(bad), Err(ParseError::Malformed { .. })),
                "{bad:?}"
            );
        }
        assert_eq!(parse_command(b"USER anonym"), Err(ParseError::Incomplete));
        assert!(matches!(
            parse_command(&[b'A'; MAX_COMMAND + 1]),
            Err(ParseError::TooLarge { .. })
        ));
    }

    #[test]
    fn reply_round_trips_single_and_multi_line() {
        assert_eq!(
            encode_reply(230, "Login successful."),
            b"230 Login successful.\r\n"
        );
        let raw = encode_reply(220, "Welcome\r\n220 fake end\nready");
        assert_eq!(raw, b"220-Welcome\r\n220-220 fake end\r\n220 ready\r\n");
        let r = parse_reply(&raw).unwrap();
        assert_eq!((r.code, r.len), (220, raw.len()));
        assert_eq!(r.text(), "Welcome\n220 fake end\nready");
    }

    #[test]
    fn parsers_never_panic_on_random_or_mutated_input() {
        for input in fuzz::mutations(&[VSFTPD_BANNER, PROFTPD_FEAT, b"USER anonymous\r\n"]) {
            if let Ok(r) = parse_reply(&input) {
                assert!(r.len <= input.len());
            }
            let _ = parse_command(&input);
        }
    }
}
