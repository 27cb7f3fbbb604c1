//! Telnet (RFC 854/855): separating IAC option negotiation from the data stream,
//! refusing options, and spotting login prompts in what a device prints.

/// Interpret As Command: the escape byte that starts every command.
pub const IAC: u8 = 255;
/// The sender wants to enable an option on its side, or confirms it did.
pub const WILL: u8 = 251;
/// The sender refuses, or stops, an option on its side.
pub const WONT: u8 = 252;
/// The sender asks the peer to enable an option on the peer's side.
pub const DO: u8 = 253;
/// The sender asks the peer to disable, or not enable, an option.
pub const DONT: u8 = 254;
/// Subnegotiation begin: option-specific parameters follow until `IAC SE`.
pub const SB: u8 = 250;
/// Subnegotiation end.
pub const SE: u8 = 240;
/// Option 1: the side that enables it echoes what it receives (RFC 857).
pub const OPT_ECHO: u8 = 1;
/// Option 3: no Go Ahead signal after each transmission (RFC 858).
pub const OPT_SUPPRESS_GO_AHEAD: u8 = 3;
/// Option 24: the client reports its terminal type (RFC 1091).
pub const OPT_TERMINAL_TYPE: u8 = 24;
/// Option 31: Negotiate About Window Size, the client's terminal width and height (RFC 1073).
pub const OPT_NAWS: u8 = 31;
/// Longest subnegotiation payload kept; a peer cannot make `split` buffer more.
pub const MAX_SUBNEGOTIATION: usize = 1024;
/// Longest prompt line `find_prompt` returns, in characters.
pub const MAX_PROMPT_CHARS: usize = 120;

/// A Telnet command taken out of the data stream; option numbers as on the wire.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    /// `IAC WILL opt`.
    Will(u8),
    /// `IAC WONT opt`.
    Wont(u8),
    /// `IAC DO opt`.
    Do(u8),
    /// `IAC DONT opt`.
    Dont(u8),
    /// `IAC SB opt ... IAC SE`: the option and its payload, IAC IAC pairs already undoubled.
    Subnegotiation(u8, Vec<u8>),
    /// Any other two-byte command `IAC x` (NOP, GA, AYT, ...), by its code.
    Other(u8),
}

/// What [`split`] found in a buffer.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Split {
    /// The data bytes, with escaped 0xff bytes undoubled.
    pub data: Vec<u8>,
    /// The commands, in the order they came.
    pub commands: Vec<Command>,
    /// Bytes of the input accounted for; the rest is an unfinished command to keep for the next call.
    pub consumed: usize,
}

/// Outcome of scanning a subnegotiation that starts at `IAC SB opt`.
enum Sub {
    Done(Vec<u8>, usize),
    NeedMore,
}

/// Raw bytes of an unterminated subnegotiation after which `split` gives up waiting
/// for IAC SE, so a peer cannot make the caller's buffer grow without bound.
pub const MAX_PENDING_SUBNEGOTIATION: usize = 4 * MAX_SUBNEGOTIATION;

/// `start` is the index of the first payload byte.
fn scan_subnegotiation(buf: &[u8], start: usize) -> Sub {
    let mut payload = Vec::new();
    let mut i = start;
    while let Some(&b) = buf.get(i) {
        let byte = if b == IAC {
            match buf.get(i + 1) {
                None => break,
                Some(&SE) => return Sub::Done(payload, i + 2),
                // IAC IAC is a literal 0xff; IAC followed by anything else is not
                // defined inside SB, so the IAC is dropped and the byte kept.
                Some(&x) => {
                    i += 2;
                    x
                }
            }
        } else {
            i += 1;
            b
        };
        if payload.len() < MAX_SUBNEGOTIATION {
            payload.push(byte);
        }
    }
    if i - start > MAX_PENDING_SUBNEGOTIATION {
        // The rest of this subnegotiation, if it ever ends, will surface as data.
        Sub::Done(payload, i)
    } else {
        Sub::NeedMore
    }
}

/// Separates data from commands; an unfinished command at the end is left unconsumed.
pub fn split(buf: &[u8]) -> Split {
    let mut out = Split::default();
    let mut i = 0;
    while i < buf.len() {
        if buf[i] != IAC {
            out.data.push(buf[i]);
            i += 1;
            out.consumed = i;
            continue;
        }
        let Some(&cmd) = buf.get(i + 1) else { break };
        let step = match cmd {
            IAC => {
                out.data.push(IAC);
                2
            }
            WILL | WONT | DO | DONT => {
                let Some(&opt) = buf.get(i + 2) else { break };
                out.commands.push(match cmd {
                    WILL => Command::Will(opt),
                    WONT => Command::Wont(opt),
                    DO => Command::Do(opt),
                    _ => Command::Dont(opt),
                });
                3
            }
            SB => {
                let Some(&opt) = buf.get(i + 2) else { break };
                match scan_subnegotiation(buf, i + 3) {
                    Sub::Done(payload, end) => {
                        out.commands.push(Command::Subnegotiation(opt, payload));
                        end - i
                    }
                    Sub::NeedMore => break,
                }
            }
            other => {
                out.commands.push(Command::Other(other));
                2
            }
        };
        i += step;
        out.consumed = i;
    }
    out
}

/// The answer that refuses a DO or WILL (`IAC WONT opt` or `IAC DONT opt`); `None` for any other command.
pub fn refusal(cmd: &Command) -> Option<[u8; 3]> {
    match cmd {
        Command::Do(opt) => Some([IAC, WONT, *opt]),
        Command::Will(opt) => Some([IAC, DONT, *opt]),
        _ => None,
    }
}

/// The wire form of `cmd`, with 0xff bytes in a subnegotiation payload doubled.
pub fn encode(cmd: &Command) -> Vec<u8> {
    match cmd {
        Command::Will(o) => vec![IAC, WILL, *o],
        Command::Wont(o) => vec![IAC, WONT, *o],
        Command::Do(o) => vec![IAC, DO, *o],
        Command::Dont(o) => vec![IAC, DONT, *o],
        Command::Subnegotiation(o, payload) => {
            let mut out = vec![IAC, SB, *o];
            for &b in payload {
                out.push(b);
                if b == IAC {
                    out.push(IAC);
                }
            }
            out.extend_from_slice(&[IAC, SE]);
            out
        }
        Command::Other(c) => vec![IAC, *c],
    }
}

/// Data to send: each 0xff doubled so the peer does not read it as IAC.
pub fn escape_data(data: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(data.len());
    for &b in data {
        out.push(b);
        if b == IAC {
            out.push(IAC);
        }
    }
    out
}

/// A readable name for an option number, such as "terminal-type"; "option-N" for ones without a name here.
pub fn option_name(opt: u8) -> String {
    let name = match opt {
        0 => "binary",
        1 => "echo",
        3 => "suppress-go-ahead",
        5 => "status",
        6 => "timing-mark",
        24 => "terminal-type",
        31 => "naws",
        32 => "terminal-speed",
        33 => "remote-flow-control",
        34 => "linemode",
        35 => "x-display-location",
        36 => "environ",
        37 => "authentication",
        38 => "encrypt",
        39 => "new-environ",
        42 => "charset",
        _ => return format!("option-{opt}"),
    };
    name.to_string()
}

/// What a login prompt asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PromptKind {
    /// A user name ("login:", "Username:", ...).
    Username,
    /// A password ("Password:", "passwd:").
    Password,
}

/// Only the tail is inspected: the prompt is whatever the device printed last.
const PROMPT_WINDOW: usize = 4096;

/// Drops NUL, other control characters and ANSI escape sequences, which devices mix
/// into prompts (colour codes, "\r\0" line ends); CR counts as a line break, tab as a space.
/// The text as a person at a terminal would read it, for matching prompts and messages.
pub fn clean(data: &[u8]) -> String {
    let text = String::from_utf8_lossy(data);
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\n' | '\r' => out.push('\n'),
            '\t' => out.push(' '),
            '\u{1b}' => {
                // CSI: ESC '[' parameters, ended by a byte in 0x40..=0x7e.
                if chars.next_if_eq(&'[').is_some() {
                    for p in chars.by_ref() {
                        if ('\u{40}'..='\u{7e}').contains(&p) {
                            break;
                        }
                    }
                }
            }
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

/// The kind of login prompt the last non-empty line printed asks for, with that line cleaned; `None` when it is no prompt.
pub fn find_prompt(data: &[u8]) -> Option<(PromptKind, String)> {
    let tail = &data[data.len().saturating_sub(PROMPT_WINDOW)..];
    let cleaned = clean(tail);
    let line = cleaned.lines().map(str::trim).rfind(|l| !l.is_empty())?;
    let lower = line.to_lowercase();
    let kind = if ["login:", "username:", "user name:", "user:"]
        .iter()
        .any(|s| lower.ends_with(s))
    {
        PromptKind::Username
    } else if ["password:", "passwd:"].iter().any(|s| lower.ends_with(s)) {
        PromptKind::Password
    } else {
        return None;
    };
    // Keep the end of an over-long line: that is where the prompt word is.
    let count = line.chars().count();
    let shown: String = line
        .chars()
        .skip(count.saturating_sub(MAX_PROMPT_CHARS))
        .collect();
    Some((kind, shown))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fuzz;

    /// BusyBox telnetd's opening: WILL ECHO, WILL SGA, DO NAWS, then "\r\n" and a prompt.
    const BUSYBOX: &[u8] = b"\xff\xfb\x01\xff\xfb\x03\xff\xfd\x1f\r\nstreetlight-ctl login: ";

    #[test]
    fn splits_busybox_negotiation_from_login_prompt() {
        let s = split(BUSYBOX);
        assert_eq!(
            s.commands,
            [
                Command::Will(OPT_ECHO),
                Command::Will(OPT_SUPPRESS_GO_AHEAD),
                Command::Do(OPT_NAWS)
            ]
        );
        assert_eq!(s.data, b"\r\nstreetlight-ctl login: ");
        assert_eq!(s.consumed, BUSYBOX.len());
        let (kind, line) = find_prompt(&s.data).unwrap();
        assert_eq!(
            (kind, line.as_str()),
            (PromptKind::Username, "streetlight-ctl login:")
        );
    }

    #[test]
    fn refuses_everything_the_server_offers_or_asks() {
        let s = split(BUSYBOX);
        let replies: Vec<[u8; 3]> = s.commands.iter().filter_map(refusal).collect();
        assert_eq!(replies, [[IAC, DONT, 1], [IAC, DONT, 3], [IAC, WONT, 31]]);
        assert_eq!(refusal(&Command::Wont(1)), None);
        assert_eq!(refusal(&Command::Other(241)), None);
    }

    #[test]
    fn truncated_iac_sequence_is_not_consumed() {
        for (buf, consumed) in [
            (&b"ab\xff"[..], 2),
            (b"ab\xff\xfd", 2),
            (b"\xff\xfa\x18\x01", 0),
            (b"x\xff\xfa\x18\x00vt100\xff", 1),
        ] {
            let s = split(buf);
            assert_eq!(s.consumed, consumed, "{buf:?}");
            assert!(s.commands.is_empty());
        }
        let mut partial = split(&BUSYBOX[..4]);
        assert_eq!((partial.consumed, partial.commands.len()), (3, 1));
        partial = split(&BUSYBOX[3..]);
        assert_eq!(partial.commands.len(), 2);
    }

    #[test]
    fn iac_iac_is_literal_ff_in_data_and_subnegotiation() {
        let s = split(b"a\xff\xffb\xff\xfa\x18\x00x\xff\xffy\xff\xf0\xff\xf1");
        assert_eq!(s.data, b"a\xffb");
        assert_eq!(
            s.commands,
            [
                Command::Subnegotiation(OPT_TERMINAL_TYPE, b"\x00x\xffy".to_vec()),
                Command::Other(241)
            ]
        );
        assert_eq!(s.consumed, 16);
    }

    #[test]
    fn encode_round_trips_every_command() {
        let cmds = [
            Command::Will(1),
            Command::Wont(3),
            Command::Do(24),
            Command::Dont(31),
            Command::Subnegotiation(31, vec![0, 80, 0xff, 24]),
            Command::Other(249),
        ];
        let mut wire = Vec::new();
        for c in &cmds {
            wire.extend(encode(c));
        }
        wire.extend(escape_data(b"\xffok"));
        let s = split(&wire);
        assert_eq!(s.commands, cmds);
        assert_eq!(s.data, b"\xffok");
        assert_eq!(s.consumed, wire.len());
    }

    #[test]
    fn oversized_subnegotiation_is_capped_and_still_consumed() {
        let mut buf = vec![IAC, SB, OPT_TERMINAL_TYPE];
        buf.extend(std::iter::repeat_n(b'A', 5000));
        buf.extend_from_slice(&[IAC, SE, b'z']);
        let s = split(&buf);
        assert_eq!(
            s.commands,
            [Command::Subnegotiation(
                OPT_TERMINAL_TYPE,
                vec![b'A'; MAX_SUBNEGOTIATION]
            )]
        );
        assert_eq!((s.data.as_slice(), s.consumed), (&b"z"[..], buf.len()));
    }

    #[test]
    fn unterminated_subnegotiation_cannot_stall_the_stream() {
        let mut buf = vec![IAC, SB, OPT_TERMINAL_TYPE];
        buf.extend(std::iter::repeat_n(b'A', MAX_PENDING_SUBNEGOTIATION));
        assert_eq!(split(&buf).consumed, 0, "still waiting for IAC SE");
        buf.push(b'A');
        let s = split(&buf);
        assert!(s.consumed > 0, "a peer must not be able to pin the buffer");
        assert!(
            matches!(&s.commands[0], Command::Subnegotiation(_, p) if p.len() == MAX_SUBNEGOTIATION)
        );
    }

    #[test]
    fn names_known_and_unknown_options() {
        assert_eq!(option_name(OPT_ECHO), "echo");
        assert_eq!(option_name(OPT_SUPPRESS_GO_AHEAD), "suppress-go-ahead");
        assert_eq!(option_name(OPT_TERMINAL_TYPE), "terminal-type");
        assert_eq!(option_name(OPT_NAWS), "naws");
        assert_eq!(option_name(200), "option-200");
    }

    #[test]
    fn finds_password_prompt_through_nul_and_ansi_noise() {
        let data = b"admin\r\n\x1b[1;32mPassword\x1b[0m: \x00";
        let (kind, line) = find_prompt(data).unwrap();
        assert_eq!((kind, line.as_str()), (PromptKind::Password, "Password:"));
    }

    #[test]
    fn recognises_username_prompt_variants_case_insensitively() {
        for p in [
            "Login:",
            "UserName: ",
            "User Name:",
            "user:\r\n\r\n",
            "Username:\t",
        ] {
            assert_eq!(
                find_prompt(p.as_bytes()).map(|(k, _)| k),
                Some(PromptKind::Username),
                "{p:?}"
            );
        }
    }

    #[test]
    fn only_the_last_non_empty_line_counts() {
        assert_eq!(
            find_prompt(b"login: admin\r\nWelcome to the controller\r\n# "),
            None
        );
        assert_eq!(find_prompt(b"Last login: Mon Jan 1\r\n"), None);
        assert_eq!(find_prompt(b""), None);
        assert_eq!(find_prompt(b"\r\n\x00\r\n"), None);
    }

    #[test]
    fn clean_text_keeps_what_a_terminal_shows() {
        assert_eq!(clean(b"\x1b[0;32mroot@cam\x1b[0m:~# \x00"), "root@cam:~# ");
        assert_eq!(clean(b"a\r\nb\tc\x07"), "a\n\nb c");
        assert_eq!(clean(b"\x1b[1;3"), "", "an unterminated CSI ends the text");
    }

    #[test]
    fn long_prompt_line_keeps_its_last_120_chars() {
        let data = format!("{}Password:", "x".repeat(500));
        let (_, line) = find_prompt(data.as_bytes()).unwrap();
        assert_eq!(line.chars().count(), MAX_PROMPT_CHARS);
        assert!(line.ends_with("Password:"));
    }

    #[test]
    fn split_and_find_prompt_never_panic() {
        for input in fuzz::mutations(&[BUSYBOX, b"\xff\xfa\x18\x01\xff\xf0Password: "]) {
            let s = split(&input);
            assert!(s.consumed <= input.len());
            let _ = find_prompt(&s.data);
            let _ = find_prompt(&input);
        }
    }
}
