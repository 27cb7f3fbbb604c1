//! The lab's hostile devices: servers that stall, drip, flood, reset, lie
//! about lengths or send absurd amounts. A scan of them shows that the
//! scanner keeps to its budgets (time and memory) and reports them as what
//! they are, without a change to what it finds on the devices next to them.
//!
//! Hostile, but bounded on their own side too: fixed buffers (the 1 MB
//! certificate chain is built once and shared), every write gives up after
//! [`READ_TIMEOUT`] without progress, a streaming device stops when its peer
//! closes, and every task ends with the lab. Nothing here panics.

use std::io::Write as _;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, LazyLock};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use rustls::pki_types::CertificateDer;
use rustls::pki_types::pem::PemObject;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::{TcpStream, UdpSocket};
use tokio::task::JoinSet;

use super::{Kind, READ_TIMEOUT, Socket, read_more, spawn_tcp};
use crate::proto::tls::{
    self as wire, ClientHello, encode_alert, encode_certificate, encode_flight,
    encode_server_hello, encode_server_hello_done,
};
use crate::proto::{ParseError, mqtt};

/// Bytes the garbage device sends before it closes.
const GARBAGE_LEN: usize = 4096;
/// The drip's pace and its one byte.
const DRIP_INTERVAL: Duration = Duration::from_secs(2);
const DRIP_BYTE: u8 = b'A';
/// The firehose's opening: an HTTP status line and a header that never ends.
const FIREHOSE_HEAD: &[u8] = b"HTTP/1.1 200 OK\r\nX-Firehose: ";
/// What the firehose repeats (one write's worth).
static FIREHOSE_CHUNK: [u8; 16 * 1024] = [b'x'; 16 * 1024];
/// Largest MQTT CONNECT the liar reads.
const MQTT_CONNECT_LIMIT: usize = 16 * 1024;
/// The remaining length the liar's CONNACK claims (a CONNACK has 2).
const MQTT_CLAIMED_LENGTH: usize = 200 * 1024 * 1024;
/// Bytes of a request the HTTP devices read before they answer.
const HTTP_REQUEST_LIMIT: usize = 8 * 1024;
/// Header lines the HTTP flood sends per write (about 16 KiB).
const FLOOD_BATCH: usize = 16 * 1024;
const FLOOD_HEAD: &[u8] = b"HTTP/1.1 200 OK\r\nServer: lab-flood/1.0\r\n";
const FLOOD_VALUE: &str = "flood-flood-flood-flood-flood-flood-flood";
const CHUNKED_HEAD: &[u8] = b"HTTP/1.1 200 OK\r\nServer: lab-chunked/1.0\r\n\
    Content-Type: text/plain\r\nTransfer-Encoding: chunked\r\n\r\n";
/// Size of one chunk, and chunks per write.
const CHUNK_LEN: usize = 1024;
const CHUNKS_PER_WRITE: usize = 16;
/// Largest ClientHello the TLS devices read.
const HELLO_LIMIT: usize = 64 * 1024;
/// The tls-junk answer: records and handshake lengths that contradict each
/// other, then nothing.
const TLS_JUNK: &[u8] = &[
    // A handshake record of 12 bytes (TLS 1.2) ...
    0x16, 0x03, 0x03, 0x00, 0x0c, //
    // ... holding a ServerHello that claims 16 MiB - 1 of body ...
    0x02, 0xff, 0xff, 0xff, //
    // ... of which 8 bytes follow (a version and the start of a random).
    0x03, 0x03, 0x4a, 0x55, 0x4e, 0x4b, 0x21, 0x21, //
    // A record claiming 65535 bytes (more than 2^14 + 2048 may) ...
    0x16, 0x03, 0x03, 0xff, 0xff, //
    // ... that starts with an empty Certificate whose list claims 16 MiB.
    0x0b, 0x00, 0x00, 0x00, 0xff, 0xff, 0xff,
];
/// Certificates in the tls-bigchain flight, and the size of each filler.
const BIGCHAIN_CERTS: usize = 300;
const BIGCHAIN_BLOB_LEN: usize = 3500;
/// Suites tls-bigchain picks, in its order (static RSA first: the flight
/// then needs no ServerKeyExchange), else any TLS 1.2 suite offered.
const BIGCHAIN_SUITES: &[u16] = &[0x009C, 0x002F, 0xC02F, 0xC02B, 0xC030, 0xC02C];
/// The leaf of the big chain: the lab's legacy RSA-1024 certificate.
const BIGCHAIN_LEAF_PEM: &str = include_str!("lab-legacy-cert.pem");
/// The snmp-absurd answer: BER whose lengths claim gigabytes.
const SNMP_ABSURD: &[u8] = &[
    // SEQUENCE of 2^31 - 1 bytes (long form, 4 length octets)
    0x30, 0x84, 0x7f, 0xff, 0xff, 0xff, //
    // version: INTEGER 1 (v2c)
    0x02, 0x01, 0x01, //
    // community: OCTET STRING claiming 4 GiB - 1, with 6 bytes present
    0x04, 0x84, 0xff, 0xff, 0xff, 0xff, b'p', b'u', b'b', b'l', b'i', b'c', //
    // GetResponse with 8 length octets (2^63 - 1)
    0xa2, 0x88, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, //
    // request-id: INTEGER with 127 length octets announced, 2 present
    0x02, 0xff, 0x01, 0x02,
];

/// Starts the hostile device `kind` on `socket`. False when `kind` is not a
/// hostile device or the transport does not match it.
pub(super) fn spawn(tasks: &mut JoinSet<()>, kind: Kind, socket: Socket) -> bool {
    match (kind, socket) {
        (Kind::Tarpit, Socket::Tcp(l)) => spawn_tcp(tasks, l, serve_tarpit),
        (Kind::Garbage, Socket::Tcp(l)) => spawn_tcp(tasks, l, serve_garbage),
        (Kind::Drip, Socket::Tcp(l)) => spawn_tcp(tasks, l, serve_drip),
        (Kind::Firehose, Socket::Tcp(l)) => spawn_tcp(tasks, l, serve_firehose),
        (Kind::Reset, Socket::Tcp(l)) => spawn_tcp(tasks, l, serve_reset),
        (Kind::MqttLiar, Socket::Tcp(l)) => spawn_tcp(tasks, l, serve_mqtt_liar),
        (Kind::HttpFlood, Socket::Tcp(l)) => spawn_tcp(tasks, l, serve_http_flood),
        (Kind::HttpChunked, Socket::Tcp(l)) => spawn_tcp(tasks, l, serve_http_chunked),
        (Kind::TlsJunk, Socket::Tcp(l)) => spawn_tcp(tasks, l, serve_tls_junk),
        (Kind::TlsBigChain, Socket::Tcp(l)) => {
            let flight = big_chain_flight();
            spawn_tcp(tasks, l, move |s| serve_tls_bigchain(s, flight.clone()));
        }
        (Kind::SnmpAbsurd, Socket::Udp(u)) => {
            tasks.spawn(run_snmp_absurd(u));
        }
        _ => return false,
    }
    true
}

/// Tarpit: accepts, never sends a byte, never closes (reads and discards
/// until the peer goes away or the lab shuts down).
pub(crate) async fn serve_tarpit(mut stream: TcpStream) {
    drain(&mut stream).await;
}

/// Garbage: sends 4 KiB of pseudo-random bytes, then closes.
pub(crate) async fn serve_garbage(mut stream: TcpStream) {
    let bytes = garbage(GARBAGE_LEN);
    let _ = stream.write_all(&bytes).await;
    let _ = stream.shutdown().await;
}

/// Drip: one byte ("A") at once, then one every two seconds, until the peer
/// closes or stops reading.
pub(crate) async fn serve_drip(mut stream: TcpStream) {
    let (mut rd, mut wr) = stream.split();
    let drip = async {
        let mut tick = tokio::time::interval(DRIP_INTERVAL);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            if !send(&mut wr, &[DRIP_BYTE]).await {
                break;
            }
        }
    };
    tokio::select! {
        () = drain(&mut rd) => {}
        () = drip => {}
    }
}

/// Firehose: at once, an HTTP status line and a header line that never ends
/// (`x` after `x`), as fast as the socket takes them, until the peer closes.
pub(crate) async fn serve_firehose(mut stream: TcpStream) {
    let (mut rd, mut wr) = stream.split();
    let hose = async {
        if !send(&mut wr, FIREHOSE_HEAD).await {
            return;
        }
        while send(&mut wr, &FIREHOSE_CHUNK).await {}
    };
    tokio::select! {
        () = drain(&mut rd) => {}
        () = hose => {}
    }
}

/// Reset: reads the first byte the client sends (or waits for the close),
/// then closes with a TCP reset instead of a FIN.
pub(crate) async fn serve_reset(mut stream: TcpStream) {
    let mut first = [0u8; 1];
    let _ = tokio::time::timeout(READ_TIMEOUT, stream.read(&mut first)).await;
    if let Err(e) = stream.set_zero_linger() {
        tracing::debug!(error = %e, "lab reset: SO_LINGER not set");
    }
    drop(stream);
}

/// MQTT liar: answers a CONNECT with a CONNACK whose remaining length claims
/// 200 MB (two bytes follow), then idles; anything else than a CONNECT is
/// closed, as the broker does.
pub(crate) async fn serve_mqtt_liar(mut stream: TcpStream) {
    let mut buf = Vec::with_capacity(256);
    loop {
        match mqtt::decode_connect(&buf) {
            Ok(_) => break,
            Err(ParseError::Incomplete) => {
                if !read_more(&mut stream, &mut buf, MQTT_CONNECT_LIMIT, READ_TIMEOUT).await {
                    return;
                }
            }
            Err(e) => {
                tracing::debug!(error = %e, "lab mqtt-liar: not a CONNECT");
                return;
            }
        }
    }
    if send(&mut stream, &lying_connack()).await {
        idle(&mut stream).await;
    }
}

/// The liar's CONNACK: type 2, a remaining length of 200 MB, then the two
/// bytes a real CONNACK has (no session, accepted).
pub(crate) fn lying_connack() -> Vec<u8> {
    let mut out = vec![0x20];
    mqtt::encode_remaining_length(MQTT_CLAIMED_LENGTH, &mut out);
    out.extend_from_slice(&[0x00, 0x00]);
    out
}

/// HTTP flood: answers the first bytes of any request with `200 OK` and
/// then header lines `X-Flood-N: ...` without end (never the blank line),
/// until the peer closes.
pub(crate) async fn serve_http_flood(mut stream: TcpStream) {
    if !first_request(&mut stream).await {
        return;
    }
    let (mut rd, mut wr) = stream.split();
    let flood = async {
        if !send(&mut wr, FLOOD_HEAD).await {
            return;
        }
        let mut n: u64 = 0;
        let mut batch = Vec::with_capacity(FLOOD_BATCH + 128);
        loop {
            batch.clear();
            while batch.len() < FLOOD_BATCH {
                n = n.wrapping_add(1);
                let _ = write!(batch, "X-Flood-{n}: {FLOOD_VALUE}\r\n");
            }
            if !send(&mut wr, &batch).await {
                break;
            }
        }
    };
    tokio::select! {
        () = drain(&mut rd) => {}
        () = flood => {}
    }
}

/// HTTP chunked: answers the first bytes of any request with a valid head
/// (`Transfer-Encoding: chunked`) and then 1 KiB chunks without end (never
/// the last, empty chunk), until the peer closes.
pub(crate) async fn serve_http_chunked(mut stream: TcpStream) {
    static CHUNKS: LazyLock<Vec<u8>> = LazyLock::new(|| {
        let mut one = format!("{CHUNK_LEN:x}\r\n").into_bytes();
        one.resize(one.len() + CHUNK_LEN, b'c');
        one.extend_from_slice(b"\r\n");
        one.repeat(CHUNKS_PER_WRITE)
    });
    if !first_request(&mut stream).await {
        return;
    }
    let (mut rd, mut wr) = stream.split();
    let chunks = async {
        if !send(&mut wr, CHUNKED_HEAD).await {
            return;
        }
        while send(&mut wr, &CHUNKS).await {}
    };
    tokio::select! {
        () = drain(&mut rd) => {}
        () = chunks => {}
    }
}

/// TLS junk: answers a ClientHello with records whose handshake lengths
/// contradict the record lengths (and the limits), then idles.
pub(crate) async fn serve_tls_junk(mut stream: TcpStream) {
    if read_client_hello(&mut stream).await.is_some() && send(&mut stream, TLS_JUNK).await {
        idle(&mut stream).await;
    }
}

/// TLS big chain: answers a ClientHello with a TLS 1.2 ServerHello, then a
/// Certificate message of about 1 MB (300 certificates) and ServerHelloDone
/// (`flight`, shared by every connection), then idles.
pub(crate) async fn serve_tls_bigchain(mut stream: TcpStream, flight: Arc<[u8]>) {
    let Some(hello) = read_client_hello(&mut stream).await else {
        return;
    };
    match big_chain_hello(&hello) {
        Some(server_hello) => {
            if send(&mut stream, &server_hello).await && send(&mut stream, &flight).await {
                idle(&mut stream).await;
            }
        }
        None => {
            let _ = send(&mut stream, &encode_alert(wire::TLS12, 40)).await;
        }
    }
}

/// The records of a TLS 1.2 ServerHello answering `hello`: a suite it
/// offered and the extensions it asked for. `None` when it offered no
/// TLS 1.2 suite.
pub(crate) fn big_chain_hello(hello: &ClientHello) -> Option<Vec<u8>> {
    let usable = |s: u16| {
        s >> 8 != 0x13 && s != wire::SCSV_EMPTY_RENEGOTIATION_INFO && s != wire::SCSV_FALLBACK
    };
    let suite = BIGCHAIN_SUITES
        .iter()
        .copied()
        .find(|s| hello.suites.contains(s))
        .or_else(|| hello.suites.iter().copied().find(|&s| usable(s)))?;
    let mut extensions = Vec::new();
    if hello.renegotiation_info || hello.suites.contains(&wire::SCSV_EMPTY_RENEGOTIATION_INFO) {
        extensions.push((wire::EXT_RENEGOTIATION_INFO, vec![0]));
    }
    if hello.extended_master_secret {
        extensions.push((wire::EXT_EXTENDED_MASTER_SECRET, Vec::new()));
    }
    if hello.ec_point_formats {
        extensions.push((wire::EXT_EC_POINT_FORMATS, vec![1, 0]));
    }
    let mut random = [0u8; 32];
    for (i, b) in random.iter_mut().enumerate() {
        *b = (i as u8).wrapping_mul(53) ^ 0xa5;
    }
    let server_hello = encode_server_hello(wire::TLS12, random, &[], suite, 0, &extensions);
    Some(encode_flight(wire::TLS12, &[server_hello]))
}

/// Certificate (the lab's legacy certificate, then 299 DER fillers of
/// 3.5 KB: about 1 MB, under the 2^24 - 1 a message may carry) and
/// ServerHelloDone, as TLS 1.2 records.
pub(crate) fn big_chain_flight() -> Arc<[u8]> {
    let leaf = CertificateDer::from_pem_slice(BIGCHAIN_LEAF_PEM.as_bytes())
        .map(|c| c.to_vec())
        .unwrap_or_else(|_| filler_certificate());
    let mut chain = Vec::with_capacity(BIGCHAIN_CERTS);
    chain.push(leaf);
    let filler = filler_certificate();
    chain.resize(BIGCHAIN_CERTS, filler);
    let messages = [encode_certificate(&chain), encode_server_hello_done()];
    encode_flight(wire::TLS12, &messages).into()
}

/// A DER SEQUENCE of 3.5 KB holding one OCTET STRING (no certificate, but
/// shaped like one to a length-only reader).
fn filler_certificate() -> Vec<u8> {
    let outer = (BIGCHAIN_BLOB_LEN - 4) as u16;
    let inner = (BIGCHAIN_BLOB_LEN - 8) as u16;
    let mut der = Vec::with_capacity(BIGCHAIN_BLOB_LEN);
    der.extend_from_slice(&[0x30, 0x82]);
    der.extend_from_slice(&outer.to_be_bytes());
    der.extend_from_slice(&[0x04, 0x82]);
    der.extend_from_slice(&inner.to_be_bytes());
    der.resize(BIGCHAIN_BLOB_LEN, 0x5a);
    der
}

/// SNMP absurd: answers every datagram with [`SNMP_ABSURD`].
pub(crate) async fn run_snmp_absurd(socket: UdpSocket) {
    crate::udp::serve(socket, "snmp-absurd", 2048, |_| Some(SNMP_ABSURD)).await;
}

/// The ClientHello the peer opens with; `None` when it sends something else,
/// too much, or nothing in time.
async fn read_client_hello(stream: &mut TcpStream) -> Option<ClientHello> {
    let mut buf = Vec::with_capacity(1024);
    loop {
        if !read_more(stream, &mut buf, HELLO_LIMIT, READ_TIMEOUT).await {
            return None;
        }
        match wire::parse_client_hello(&buf) {
            Ok(hello) => return Some(hello),
            Err(ParseError::Incomplete) => {}
            Err(e) => {
                tracing::debug!(error = %e, "lab tls: not a ClientHello");
                return None;
            }
        }
    }
}

/// Waits for the first bytes of a request (whatever they are). False when
/// the peer closes or stays silent.
async fn first_request(stream: &mut TcpStream) -> bool {
    let mut buf = Vec::with_capacity(1024);
    read_more(stream, &mut buf, HTTP_REQUEST_LIMIT, READ_TIMEOUT).await
}

/// Writes all of `bytes`; false when the peer is gone or has not taken them
/// within [`READ_TIMEOUT`].
async fn send<W: AsyncWrite + Unpin>(wr: &mut W, bytes: &[u8]) -> bool {
    matches!(
        tokio::time::timeout(READ_TIMEOUT, wr.write_all(bytes)).await,
        Ok(Ok(()))
    )
}

/// Reads and discards until the peer closes (or the connection fails).
async fn drain<R: AsyncRead + Unpin>(rd: &mut R) {
    let mut sink = [0u8; 1024];
    while let Ok(n) = rd.read(&mut sink).await {
        if n == 0 {
            break;
        }
    }
}

/// Reads and discards until the peer closes, fails, or stays silent for
/// [`READ_TIMEOUT`].
async fn idle<R: AsyncRead + Unpin>(rd: &mut R) {
    let mut sink = [0u8; 1024];
    loop {
        match tokio::time::timeout(READ_TIMEOUT, rd.read(&mut sink)).await {
            Ok(Ok(n)) if n > 0 => {}
            _ => break,
        }
    }
}

/// Pseudo-random bytes (xorshift64*, seeded from the clock and a counter).
fn garbage(len: usize) -> Vec<u8> {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as u64);
    let mut state = (nanos
        ^ COUNTER
            .fetch_add(1, Ordering::Relaxed)
            .wrapping_mul(0x9E37_79B9_7F4A_7C15))
        | 1;
    let mut out = Vec::with_capacity(len + 8);
    while out.len() < len {
        state ^= state >> 12;
        state ^= state << 25;
        state ^= state >> 27;
        out.extend_from_slice(&state.wrapping_mul(0x2545_F491_4F6C_DD1D).to_le_bytes());
    }
    out.truncate(len);
    out
}

#[cfg(test)]
mod tests {
    //! Each device on its own address in `127.78.0.0/24` (ephemeral ports),
    //! talked to the way a scan would.

    use std::future::Future;
    use std::net::SocketAddr;

    use tokio::net::TcpListener;

    use super::*;
    use crate::proto::tls::{Handshake, HandshakeReader, encode_client_hello, parse_records};
    use crate::proto::{http, snmp};

    const WAIT: Duration = Duration::from_secs(5);

    /// Serves `serve` on `127.78.0.<host>` (one connection at a time, like
    /// the lab) and connects to it.
    async fn connect<F, Fut>(host: u8, serve: F) -> TcpStream
    where
        F: Fn(TcpStream) -> Fut + Send + 'static,
        Fut: Future<Output = ()> + Send + 'static,
    {
        let l = TcpListener::bind((std::net::Ipv4Addr::new(127, 78, 0, host), 0))
            .await
            .unwrap();
        let addr = l.local_addr().unwrap();
        tokio::spawn(async move {
            while let Ok((s, _)) = l.accept().await {
                tokio::spawn(serve(s));
            }
        });
        TcpStream::connect(addr).await.unwrap()
    }

    /// Reads until `want` bytes arrived, the peer closes, or 5 s pass.
    async fn read_at_least(s: &mut TcpStream, want: usize) -> Vec<u8> {
        let mut buf = Vec::new();
        let mut chunk = [0u8; 16 * 1024];
        let _ = tokio::time::timeout(WAIT, async {
            while buf.len() < want {
                match s.read(&mut chunk).await {
                    Ok(n) if n > 0 => buf.extend_from_slice(&chunk[..n]),
                    _ => break,
                }
            }
        })
        .await;
        buf
    }

    /// Half-closes, then: true when the device closes (EOF or reset) within
    /// 5 s, whatever it still sends.
    async fn closes_after_half_close(s: &mut TcpStream) -> bool {
        let _ = s.shutdown().await;
        let mut chunk = [0u8; 16 * 1024];
        tokio::time::timeout(WAIT, async {
            loop {
                match s.read(&mut chunk).await {
                    Ok(0) | Err(_) => return true,
                    Ok(_) => {}
                }
            }
        })
        .await
        .unwrap_or(false)
    }

    fn client_hello(suites: &[u16]) -> Vec<u8> {
        encode_client_hello(&ClientHello {
            version: wire::TLS12,
            record_version: wire::TLS10,
            suites: suites.to_vec(),
            compression: vec![0],
            extended_master_secret: true,
            renegotiation_info: true,
            ..ClientHello::default()
        })
    }

    const GET: &[u8] = b"GET / HTTP/1.1\r\nHost: x\r\n\r\n";

    #[tokio::test]
    async fn drip_sends_one_byte_every_two_seconds_and_stops_with_the_peer() {
        let mut s = connect(1, serve_drip).await;
        let start = tokio::time::Instant::now();
        assert_eq!(read_at_least(&mut s, 1).await, b"A");
        let mut one = [0u8; 1];
        let early = tokio::time::timeout(Duration::from_millis(1500), s.read(&mut one)).await;
        assert!(early.is_err(), "nothing before two seconds");
        assert_eq!(read_at_least(&mut s, 1).await, b"A");
        let second = start.elapsed();
        assert!(second >= Duration::from_millis(1900), "{second:?}");
        assert!(second < Duration::from_millis(3000), "{second:?}");
        assert!(closes_after_half_close(&mut s).await);
    }

    #[tokio::test]
    async fn firehose_never_ends_its_header_line() {
        let mut s = connect(2, serve_firehose).await;
        let buf = read_at_least(&mut s, 2 * 1024 * 1024).await;
        assert!(buf.len() >= 2 * 1024 * 1024, "{} bytes", buf.len());
        assert!(buf.starts_with(FIREHOSE_HEAD));
        assert!(buf[FIREHOSE_HEAD.len()..].iter().all(|&b| b == b'x'));
        assert!(closes_after_half_close(&mut s).await);
    }

    #[tokio::test]
    async fn reset_answers_the_first_byte_with_a_reset() {
        let mut s = connect(3, serve_reset).await;
        s.write_all(GET).await.unwrap();
        let mut buf = [0u8; 64];
        let got = tokio::time::timeout(WAIT, s.read(&mut buf)).await.unwrap();
        let err = got.expect_err("a reset, not a clean close");
        assert_eq!(err.kind(), std::io::ErrorKind::ConnectionReset);
    }

    #[tokio::test]
    async fn mqtt_liar_claims_200_mb_for_its_connack() {
        let connect_packet = mqtt::encode_connect(&mqtt::Connect {
            protocol_level: 4,
            client_id: "t".into(),
            username: None,
            password: None,
            keep_alive: 10,
            clean_session: true,
        });
        let mut s = connect(4, serve_mqtt_liar).await;
        s.write_all(&connect_packet).await.unwrap();
        let buf = read_at_least(&mut s, 7).await;
        assert_eq!(buf, lying_connack());
        assert_eq!(buf[0], 0x20);
        let (len, used) = mqtt::decode_remaining_length(&buf[1..]).unwrap();
        assert_eq!((len, used), (200 * 1024 * 1024, 4));
        assert!(matches!(
            mqtt::decode_connack(&buf),
            Err(ParseError::TooLarge { .. })
        ));
        // Then it idles: no more bytes, no close.
        let mut one = [0u8; 1];
        let more = tokio::time::timeout(Duration::from_millis(300), s.read(&mut one)).await;
        assert!(more.is_err(), "idle after the lie");
        assert!(closes_after_half_close(&mut s).await);
        // Not a CONNECT: closed without a byte.
        let mut s = connect(5, serve_mqtt_liar).await;
        s.write_all(GET).await.unwrap();
        assert_eq!(read_at_least(&mut s, 1).await, b"");
    }

    #[tokio::test]
    async fn http_flood_never_ends_its_head() {
        let mut s = connect(6, serve_http_flood).await;
        s.write_all(GET).await.unwrap();
        let buf = read_at_least(&mut s, 512 * 1024).await;
        assert!(buf.len() >= 512 * 1024, "{} bytes", buf.len());
        assert!(buf.starts_with(b"HTTP/1.1 200 OK\r\n"));
        assert!(buf.windows(4).all(|w| w != b"\r\n\r\n"));
        let text = String::from_utf8_lossy(&buf);
        assert!(text.contains("\r\nX-Flood-1: flood"));
        assert!(text.contains("\r\nX-Flood-5000: flood"));
        assert!(http::parse_response_head(&buf).is_err());
        assert!(closes_after_half_close(&mut s).await);
    }

    #[tokio::test]
    async fn http_chunked_sends_a_valid_head_and_no_last_chunk() {
        let mut s = connect(7, serve_http_chunked).await;
        s.write_all(GET).await.unwrap();
        let buf = read_at_least(&mut s, 256 * 1024).await;
        let head = http::parse_response_head(&buf).expect("a valid head");
        assert_eq!(head.status, 200);
        assert!(head.is_chunked());
        assert!(head.content_length().is_none());
        // The body is chunk after chunk of 1 KiB, none of them the last one.
        let mut body = &buf[head.head_len..];
        let mut chunks = 0;
        while body.len() >= 5 + CHUNK_LEN + 2 {
            assert!(body.starts_with(b"400\r\n"), "chunk {chunks}");
            assert_eq!(&body[5 + CHUNK_LEN..5 + CHUNK_LEN + 2], b"\r\n");
            body = &body[5 + CHUNK_LEN + 2..];
            chunks += 1;
        }
        assert!(chunks >= 200, "{chunks} chunks");
        assert!(closes_after_half_close(&mut s).await);
    }

    #[tokio::test]
    async fn tls_junk_answers_a_hello_with_contradictions_then_idles() {
        let mut s = connect(8, serve_tls_junk).await;
        s.write_all(&client_hello(&[0xC02F])).await.unwrap();
        let buf = read_at_least(&mut s, TLS_JUNK.len()).await;
        assert_eq!(buf, TLS_JUNK);
        // The second record is longer than TLS allows ...
        assert!(parse_records(&buf).is_err());
        // ... and the first one holds a ServerHello it is far too short for.
        let (records, _) = parse_records(&buf[..17]).unwrap();
        let mut reader = HandshakeReader::default();
        let first = reader.push(&records[0].payload);
        assert!(
            matches!(first, Err(ParseError::TooLarge { .. })),
            "{first:?}"
        );
        let mut one = [0u8; 1];
        let more = tokio::time::timeout(Duration::from_millis(300), s.read(&mut one)).await;
        assert!(more.is_err(), "idle after the junk");
        assert!(closes_after_half_close(&mut s).await);
        // Not a ClientHello: closed without a byte.
        let mut s = connect(9, serve_tls_junk).await;
        s.write_all(GET).await.unwrap();
        assert_eq!(read_at_least(&mut s, 1).await, b"");
    }

    #[test]
    fn the_big_chain_is_a_megabyte_in_one_certificate_message() {
        let flight = big_chain_flight();
        let (records, used) = parse_records(&flight).unwrap();
        assert_eq!(used, flight.len());
        let msg: Vec<u8> = records.iter().flat_map(|r| r.payload.clone()).collect();
        assert_eq!(msg[0], wire::HS_CERTIFICATE);
        let len = usize::from(msg[1]) << 16 | usize::from(msg[2]) << 8 | usize::from(msg[3]);
        assert!(len > 1_000_000 && len < (1 << 24) - 1, "{len}");
        // The certificate list: 300 entries, then ServerHelloDone.
        let list = &msg[7..4 + len];
        let (mut pos, mut count) = (0, 0);
        while pos < list.len() {
            let n = usize::from(list[pos]) << 16
                | usize::from(list[pos + 1]) << 8
                | usize::from(list[pos + 2]);
            pos += 3 + n;
            count += 1;
        }
        assert_eq!((pos, count), (list.len(), BIGCHAIN_CERTS));
        assert_eq!(&msg[4 + len..], [wire::HS_SERVER_HELLO_DONE, 0, 0, 0]);
        // The leaf is the lab's legacy certificate.
        let leaf_len =
            usize::from(list[0]) << 16 | usize::from(list[1]) << 8 | usize::from(list[2]);
        assert!(x509_parser::parse_x509_certificate(&list[3..3 + leaf_len]).is_ok());
    }

    #[tokio::test]
    async fn tls_bigchain_sends_its_whole_flight_to_a_reader() {
        let flight = big_chain_flight();
        let shared = flight.clone();
        let mut s = connect(10, move |st| serve_tls_bigchain(st, shared.clone())).await;
        s.write_all(&client_hello(&[0x1301, 0xC02F, 0x00FF]))
            .await
            .unwrap();
        let hello = big_chain_hello(
            &wire::parse_client_hello(&client_hello(&[0x1301, 0xC02F, 0x00FF])).unwrap(),
        )
        .unwrap();
        let buf = read_at_least(&mut s, hello.len() + flight.len()).await;
        assert_eq!(buf.len(), hello.len() + flight.len());
        let (records, _) = parse_records(&buf[..hello.len()]).unwrap();
        let mut reader = HandshakeReader::default();
        match reader.push(&records[0].payload).unwrap().first() {
            Some(Handshake::ServerHello(h)) => {
                assert_eq!((h.version, h.suite), (wire::TLS12, 0xC02F));
                assert!(h.renegotiation_info);
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(&buf[hello.len()..], &flight[..]);
        assert!(closes_after_half_close(&mut s).await);
        // Only TLS 1.3 suites on offer: a handshake_failure alert.
        let mut s = connect(11, move |st| serve_tls_bigchain(st, flight.clone())).await;
        s.write_all(&client_hello(&[0x1301, 0x1302])).await.unwrap();
        let buf = read_at_least(&mut s, 7).await;
        assert_eq!(buf, encode_alert(wire::TLS12, 40));
    }

    #[tokio::test]
    async fn snmp_absurd_answers_every_datagram_with_absurd_lengths() {
        let agent = UdpSocket::bind("127.78.0.12:0").await.unwrap();
        let addr: SocketAddr = agent.local_addr().unwrap();
        let task = tokio::spawn(run_snmp_absurd(agent));
        let sock = UdpSocket::bind("127.78.0.12:0").await.unwrap();
        let req = snmp::get_request(
            snmp::Version::V2c,
            b"public",
            7,
            &snmp::oids::system_group(),
        );
        for request in [snmp::encode(&req), b"not snmp".to_vec()] {
            sock.send_to(&request, addr).await.unwrap();
            let mut buf = vec![0u8; 65536];
            let (n, _) = tokio::time::timeout(WAIT, sock.recv_from(&mut buf))
                .await
                .unwrap()
                .unwrap();
            assert_eq!(&buf[..n], SNMP_ABSURD);
            assert!(snmp::decode(&buf[..n]).is_err());
        }
        task.abort();
    }

    #[tokio::test]
    async fn lab_shutdown_ends_every_hostile_connection() {
        let lab = crate::Lab::start(crate::LabConfig {
            prefix: [127, 78, 1],
            fixed_ports: false,
            hostile: true,
        })
        .await
        .unwrap();
        let hostile: Vec<SocketAddr> = lab
            .devices()
            .iter()
            .filter(|d| d.class == "hostile" && d.transport == crate::Transport::Tcp)
            .map(|d| SocketAddr::new(d.addr, d.port))
            .collect();
        assert_eq!(hostile.len(), 10);
        // One open connection each, mid-conversation where a client gets one.
        let mut open = Vec::new();
        for addr in &hostile {
            let mut s = TcpStream::connect(addr).await.unwrap();
            s.write_all(&client_hello(&[0xC02F])).await.unwrap();
            open.push(s);
        }
        lab.shutdown().await;
        for (addr, s) in hostile.iter().zip(&mut open) {
            let mut chunk = [0u8; 16 * 1024];
            let closed = tokio::time::timeout(WAIT, async {
                loop {
                    match s.read(&mut chunk).await {
                        Ok(0) | Err(_) => return,
                        Ok(_) => {}
                    }
                }
            })
            .await;
            assert!(closed.is_ok(), "{addr} still open after shutdown");
            let err = TcpStream::connect(addr).await.expect_err("refused");
            assert_eq!(err.kind(), std::io::ErrorKind::ConnectionRefused, "{addr}");
        }
    }

    #[tokio::test]
    async fn spawn_refuses_other_kinds_and_transports() {
        let mut tasks = JoinSet::new();
        let udp = UdpSocket::bind("127.78.0.13:0").await.unwrap();
        assert!(!spawn(&mut tasks, Kind::Drip, Socket::Udp(udp)));
        let tcp = TcpListener::bind("127.78.0.13:0").await.unwrap();
        assert!(!spawn(&mut tasks, Kind::Broker, Socket::Tcp(tcp)));
        let tcp = TcpListener::bind("127.78.0.13:0").await.unwrap();
        assert!(!spawn(&mut tasks, Kind::SnmpAbsurd, Socket::Tcp(tcp)));
        assert!(tasks.is_empty());
    }
}
