//! The lab's stream devices beyond HTTP: MQTT broker, Telnet login, FTP drop
//! (who may log in is in `login_svc.rs`, the SSH gateways are in `ssh.rs`,
//! the hostile servers in `hostile.rs`).

use std::time::Duration;

use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;

use super::login_svc::{self, BrokerLogin, FtpLogin, ShellReply, TelnetLogin};
use super::{READ_TIMEOUT, read_more};
use crate::proto::telnet::{self, Command as Telnet};
use crate::proto::{ParseError, ftp, mqtt};

/// Largest MQTT packet the broker accepts (more: close).
const MQTT_MAX_PACKET: usize = 16 * 1024;
/// Longest idle time the broker allows a client with a long keep-alive.
const MQTT_MAX_IDLE: Duration = Duration::from_secs(300);
/// Bytes of Telnet input buffered before a line ends.
const TELNET_MAX_LINE: usize = 256;
const TELNET_MAX_FAILURES: u32 = 3;
const TELNET_BANNER: &[u8] = b"\r\nTRAFCON-5 Intersection Controller v4.1\r\nlogin: ";
/// Longest FTP command line.
const FTP_MAX_LINE: usize = 1024;

/// MQTT: answers a CONNECT as `login` says (anonymous brokers accept every
/// CONNECT; others CONNACK 5 and close, as mosquitto does), answers
/// PINGREQ, closes on DISCONNECT or anything malformed.
pub(crate) async fn serve_mqtt(mut stream: TcpStream, login: &'static BrokerLogin) {
    let mut buf = Vec::with_capacity(512);
    let connect = loop {
        match mqtt::decode_connect(&buf) {
            Ok((connect, used)) => {
                buf.drain(..used.min(buf.len()));
                break connect;
            }
            Err(ParseError::Incomplete) => {
                if !read_more(&mut stream, &mut buf, MQTT_MAX_PACKET, READ_TIMEOUT).await {
                    return;
                }
            }
            Err(e) => {
                tracing::debug!(error = %e, "lab mqtt: not a CONNECT");
                return;
            }
        }
    };
    tracing::debug!(client = %connect.client_id, user = ?connect.username, "lab mqtt: connect");
    let code = login.connack(connect.username.as_deref(), connect.password.as_deref());
    let ack = mqtt::encode_connack(mqtt::ConnAck {
        session_present: false,
        return_code: code,
    });
    if stream.write_all(&ack).await.is_err() {
        return;
    }
    if code != 0 {
        let _ = stream.shutdown().await;
        return;
    }
    // The broker allows 1.5 times the keep-alive (MQTT 3.1.1, 3.1.2.10).
    let idle = if connect.keep_alive == 0 {
        READ_TIMEOUT
    } else {
        (Duration::from_millis(u64::from(connect.keep_alive) * 1500))
            .clamp(READ_TIMEOUT, MQTT_MAX_IDLE)
    };
    loop {
        let need = match buf.get(1..).map(mqtt::decode_remaining_length) {
            Some(Ok((len, used))) => Some(1 + used + len),
            None | Some(Err(ParseError::Incomplete)) => None,
            Some(Err(_)) => break,
        };
        let total = match need {
            Some(total) if total > MQTT_MAX_PACKET => break,
            Some(total) if buf.len() >= total => total,
            _ => {
                if !read_more(&mut stream, &mut buf, MQTT_MAX_PACKET, idle).await {
                    break;
                }
                continue;
            }
        };
        let kind = buf.first().map_or(0, |b| b >> 4);
        let packet: Vec<u8> = buf.drain(..total).collect();
        match kind {
            // PINGREQ -> PINGRESP
            12 if stream.write_all(&[0xD0, 0x00]).await.is_err() => break,
            12 => {}
            // SUBSCRIBE -> SUBACK granting QoS 0 to every filter; nothing is
            // ever published to them (this broker has no `$SYS` topics).
            8 => match suback(&packet) {
                Some(ack) if stream.write_all(&ack).await.is_ok() => {}
                _ => break,
            },
            // DISCONNECT, a second CONNECT, reserved types: the end.
            14 | 1 | 0 | 15 => break,
            // PUBLISH and the rest: accepted and dropped.
            _ => {}
        }
    }
    let _ = stream.shutdown().await;
}

/// The SUBACK for one whole SUBSCRIBE packet (fixed header included):
/// its packet identifier and a granted QoS 0 per topic filter. `None` for
/// a packet that does not parse (the session ends, as a broker would end it).
fn suback(packet: &[u8]) -> Option<Vec<u8>> {
    let (len, used) = mqtt::decode_remaining_length(packet.get(1..)?).ok()?;
    let body = packet.get(1 + used..1 + used + len)?;
    let (id, mut rest) = (body.get(..2)?, body.get(2..)?);
    let mut filters = 0usize;
    while !rest.is_empty() {
        let n = usize::from(u16::from_be_bytes([*rest.first()?, *rest.get(1)?]));
        rest = rest.get(2 + n + 1..)?;
        filters += 1;
    }
    if filters == 0 {
        return None;
    }
    let mut out = vec![0x90];
    mqtt::encode_remaining_length(2 + filters, &mut out);
    out.extend_from_slice(id);
    out.extend(std::iter::repeat_n(0u8, filters));
    Some(out)
}

/// Where a Telnet session is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum TelnetPhase {
    ExpectUser,
    ExpectPassword,
    Shell,
}

/// Telnet: offers ECHO and SUPPRESS-GO-AHEAD, asks for a login and a
/// password, lets `login`'s account into a shell that only knows `exit`,
/// refuses everyone else and closes after three failures. Typed user names
/// and shell lines are echoed when the client agreed to the server's ECHO;
/// passwords never are.
pub(crate) async fn serve_telnet(mut stream: TcpStream, login: &'static TelnetLogin) {
    let mut greeting = telnet::encode(&Telnet::Will(telnet::OPT_ECHO));
    greeting.extend(telnet::encode(&Telnet::Will(telnet::OPT_SUPPRESS_GO_AHEAD)));
    greeting.extend_from_slice(TELNET_BANNER);
    if stream.write_all(&greeting).await.is_err() {
        return;
    }
    let mut raw = Vec::with_capacity(256);
    let mut line = Vec::with_capacity(TELNET_MAX_LINE);
    let mut last_cr = false;
    let mut echo = false;
    let mut phase = TelnetPhase::ExpectUser;
    let mut user = Vec::new();
    let mut failures = 0u32;
    while read_more(&mut stream, &mut raw, 2048, READ_TIMEOUT).await {
        let split = telnet::split(&raw);
        raw.drain(..split.consumed.min(raw.len()));
        let mut out = Vec::new();
        for cmd in &split.commands {
            match cmd {
                // Agreement to what the device offered: nothing to answer.
                Telnet::Do(telnet::OPT_ECHO) => echo = true,
                Telnet::Dont(telnet::OPT_ECHO) => echo = false,
                Telnet::Do(telnet::OPT_SUPPRESS_GO_AHEAD) => {}
                other => {
                    if let Some(refusal) = telnet::refusal(other) {
                        out.extend_from_slice(&refusal);
                    }
                }
            }
        }
        let mut closing = false;
        for &b in &split.data {
            if last_cr && (b == b'\n' || b == 0) {
                last_cr = false;
                continue;
            }
            last_cr = b == b'\r';
            let echoing = echo && phase != TelnetPhase::ExpectPassword;
            if b != b'\r' && b != b'\n' {
                if line.len() < TELNET_MAX_LINE {
                    line.push(b);
                }
                if echoing {
                    out.push(b);
                }
                continue;
            }
            if echoing {
                out.extend_from_slice(b"\r\n");
            }
            let typed = std::mem::take(&mut line);
            match phase {
                TelnetPhase::ExpectUser => {
                    user = typed;
                    out.extend_from_slice(b"Password: ");
                    phase = TelnetPhase::ExpectPassword;
                }
                TelnetPhase::ExpectPassword if login.account.admits(&user, &typed) => {
                    out.extend(login_svc::telnet_welcome(login));
                    phase = TelnetPhase::Shell;
                }
                TelnetPhase::ExpectPassword => {
                    phase = TelnetPhase::ExpectUser;
                    failures += 1;
                    if failures >= TELNET_MAX_FAILURES {
                        out.extend_from_slice(b"\r\nLogin incorrect\r\n");
                        closing = true;
                        break;
                    }
                    out.extend_from_slice(b"\r\nLogin incorrect\r\nlogin: ");
                }
                TelnetPhase::Shell => match login_svc::shell_line(login, &typed) {
                    ShellReply::Print(text) => out.extend(text),
                    ShellReply::Logout => {
                        out.extend_from_slice(b"logout\r\n");
                        closing = true;
                        break;
                    }
                },
            }
        }
        if !out.is_empty() && stream.write_all(&out).await.is_err() {
            return;
        }
        if closing {
            break;
        }
    }
    let _ = stream.shutdown().await;
}

/// FTP: the logins `login` allows (anonymous, and one local account), the
/// rest refused; no data connections. `AUTH TLS` is offered (not
/// required): after 234 the session continues as a TLS handshake, and ends
/// there.
pub(crate) async fn serve_ftp(
    mut stream: TcpStream,
    tls: tokio_rustls::TlsAcceptor,
    login: &'static FtpLogin,
) {
    let banner = ftp::encode_reply(220, "(lab-ftpd 1.0) Sensor data drop");
    if stream.write_all(&banner).await.is_err() {
        return;
    }
    let mut buf = Vec::with_capacity(256);
    let mut user: Option<String> = None;
    let mut logged_in = false;
    loop {
        let cmd = match ftp::parse_command(&buf) {
            Ok(cmd) => cmd,
            Err(ParseError::Incomplete) => {
                if !read_more(&mut stream, &mut buf, FTP_MAX_LINE, READ_TIMEOUT).await {
                    break;
                }
                continue;
            }
            Err(_) => match buf.iter().position(|&b| b == b'\n') {
                Some(end) => {
                    buf.drain(..=end);
                    let reply = ftp::encode_reply(500, "Syntax error, command unrecognized.");
                    if stream.write_all(&reply).await.is_err() {
                        return;
                    }
                    continue;
                }
                None => break,
            },
        };
        let used = cmd.len.min(buf.len());
        if used == 0 {
            break;
        }
        buf.drain(..used);
        let (code, text, quit) = match cmd.verb.as_str() {
            "USER" => {
                user = cmd.arg.clone();
                logged_in = false;
                (331, "Please specify the password.", false)
            }
            "PASS" => match user.as_deref() {
                None => (503, "Login with USER first.", false),
                Some(u) if login.admits(u, cmd.arg.as_deref().unwrap_or_default().as_bytes()) => {
                    logged_in = true;
                    (230, "Login successful.", false)
                }
                Some(_) => {
                    user = None;
                    (530, "Login incorrect.", false)
                }
            },
            "SYST" => (215, "UNIX Type: L8", false),
            "AUTH"
                if cmd
                    .arg
                    .as_deref()
                    .is_some_and(|a| a.eq_ignore_ascii_case("TLS")) =>
            {
                if stream
                    .write_all(&ftp::encode_reply(234, "Proceed with negotiation."))
                    .await
                    .is_err()
                {
                    return;
                }
                if let Ok(Ok(mut session)) =
                    tokio::time::timeout(READ_TIMEOUT, tls.accept(stream)).await
                {
                    let _ = session.shutdown().await;
                }
                return;
            }
            "NOOP" => (200, "NOOP ok.", false),
            "PWD" | "XPWD" if logged_in => (257, "\"/\" is the current directory", false),
            "PWD" | "XPWD" => (530, "Please login with USER and PASS.", false),
            "QUIT" => (221, "Goodbye.", true),
            _ => (502, "Command not implemented.", false),
        };
        if stream
            .write_all(&ftp::encode_reply(code, text))
            .await
            .is_err()
            || quit
        {
            break;
        }
    }
    let _ = stream.shutdown().await;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_subscribe_gets_a_suback_with_its_id_and_one_grant_per_filter() {
        let one = suback(&mqtt::encode_subscribe(7, "$SYS/broker/version")).unwrap();
        assert_eq!(one, [0x90, 0x03, 0x00, 0x07, 0x00]);
        assert!(matches!(
            mqtt::decode_packet(&one),
            Ok((mqtt::Packet::SubAck, 5))
        ));
        // Two filters in one SUBSCRIBE.
        let mut two = mqtt::encode_subscribe(9, "a/b");
        two.extend_from_slice(&[0x00, 0x01, b'c', 0x01]);
        two[1] += 4;
        assert_eq!(suback(&two).unwrap(), [0x90, 0x04, 0x00, 0x09, 0x00, 0x00]);
        // Cut short, or without any filter: no answer.
        let whole = mqtt::encode_subscribe(7, "topic");
        assert_eq!(suback(&whole[..whole.len() - 1]), None);
        assert_eq!(suback(&[0x82, 0x02, 0x00, 0x01]), None);
    }
}
