//! Property tests over every public decoder in `crates/stadscan-proto`: arbitrary bytes,
//! protocol-shaped token soup and mutated valid encodings never panic (the
//! checks in `fuzz_parsers/exercise.rs`, shared with the cargo-fuzz targets);
//! a strict prefix of a valid message is `Incomplete` where the module
//! promises that; decode(encode(x)) == x wherever an encoder exists.
//!
//! Cases per property: `PROPTEST_CASES` (default below, sized so that the file
//! runs in well under 20 s in debug on two cores); `scripts/fuzz.sh` raises it
//! on machines without nightly.

#[path = "fuzz_parsers/exercise.rs"]
mod exercise;

use proptest::collection::vec;
use proptest::prelude::*;
use stadscan::proto::{
    ParseError, bacnet, coap, dns, ftp, http, icmp, modbus, mqtt, onvif, pem, snmp, ssdp, ssh, tcp,
    telnet, tls, xml,
};

const DEFAULT_CASES: u32 = 256;

fn config() -> ProptestConfig {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(DEFAULT_CASES);
    ProptestConfig {
        cases,
        // Failures are pinned by hand in the regression section at the end,
        // not in proptest-regressions files beside the sources.
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

// ---------------------------------------------------------------------------------
// Input strategies

/// Bytes that steer parsers (lengths, tags, IAC, line ends, digits) more often
/// than chance would give them.
fn byte() -> impl Strategy<Value = u8> {
    prop_oneof![
        3 => any::<u8>(),
        1 => prop::sample::select(&b"\x00\x01\x02\x03\x04\x06\x0e\x10\x20\x2b\x30\x3c\x3e\x40\x7f\x80\x81\x82\x84\xa0\xc0\xfa\xf0\xfe\xff\r\n :-/;,=\"<>&0129"[..]),
    ]
}

fn bytes(max: usize) -> impl Strategy<Value = Vec<u8>> {
    vec(byte(), 0..max)
}

/// Protocol words glued together with random bytes: reaches the states behind
/// a well-formed first line that uniform bytes almost never do.
fn soup(words: &'static [&'static str]) -> impl Strategy<Value = Vec<u8>> {
    let piece = prop_oneof![
        3 => prop::sample::select(words).prop_map(|w| w.as_bytes().to_vec()),
        1 => bytes(6),
    ];
    vec(piece, 0..40).prop_map(|p| p.concat())
}

const HTTP_WORDS: &[&str] = &[
    "HTTP/1.1 ",
    "HTTP/1.0 ",
    "RTSP/1.0 ",
    "200 ",
    "401 ",
    "OK",
    "\r\n",
    "\n",
    ": ",
    ":",
    "Content-Length: ",
    "Transfer-Encoding: chunked",
    "WWW-Authenticate: ",
    "Basic realm=\"",
    "Digest realm=\"x\", nonce=\"",
    "qop=\"auth\"",
    ", ",
    "=",
    "\"",
    "5\r\nhello\r\n",
    "0\r\n\r\n",
    "ff;ext=1\r\n",
    "<title>",
    "</title>",
    "&amp;",
    "&#39;",
    "GET / HTTP/1.1\r\n",
    "M-SEARCH * HTTP/1.1\r\n",
    "NOTIFY * HTTP/1.1\r\n",
    "MAN: \"ssdp:discover\"\r\n",
    "ST: upnp:rootdevice\r\n",
    "NT: ",
    "NTS: ssdp:alive",
    "USN: uuid:1",
    "LOCATION: http://127.0.0.1/d.xml",
    "MX: 3",
    "Authorization: Basic ",
    "dXNlcjpwYXNz",
    "==",
];

const LINE_WORDS: &[&str] = &[
    "220",
    "220-",
    "230 ",
    "331 ",
    "\r\n",
    "\n",
    " ",
    "USER ",
    "PASS ",
    "anonymous",
    "SSH-2.0-",
    "SSH-1.99-",
    "SSH-",
    "OpenSSH_9.2p1",
    " Debian",
    "login: ",
    "Password:",
    "user name:",
    "\u{ff}\u{fd}",
    "\x1b[0m",
];

const XML_WORDS: &[&str] = &[
    "<?xml version=\"1.0\"?>",
    "<",
    ">",
    "</",
    "/>",
    "<!--",
    "-->",
    "<![CDATA[",
    "]]>",
    "<!DOCTYPE r [<!ENTITY e \"x\">]>",
    "&amp;",
    "&lt;",
    "&#x41;",
    "&#0;",
    "&bogus;",
    " xmlns:s=\"http://www.w3.org/2003/05/soap-envelope\"",
    " a='>'",
    "s:Envelope",
    "s:Header",
    "s:Body",
    "a:MessageID",
    "a:RelatesTo",
    "urn:uuid:1",
    "d:Probe",
    "d:ProbeMatch",
    "d:Types",
    "d:Scopes",
    "onvif://www.onvif.org/name/A%20B ",
    "d:XAddrs",
    "s:Fault",
    "s:Code",
    "s:Subcode",
    "s:Value",
    "s:Reason",
    "s:Text",
    "faultcode",
    "faultstring",
    "GetDeviceInformation",
    "GetDeviceInformationResponse",
    "Manufacturer",
    "root",
    "device",
    "friendlyName",
    "modelName",
    "x",
];

/// One edit of a valid message: the mistakes real peers and attackers make.
#[derive(Debug, Clone)]
enum Edit {
    Flip(usize, u8),
    Set(usize, u8),
    Truncate(usize),
    Insert(usize, Vec<u8>),
    Remove(usize, usize),
    Append(Vec<u8>),
    Duplicate(usize, usize),
}

fn edit() -> impl Strategy<Value = Edit> {
    prop_oneof![
        (any::<usize>(), 1..=255u8).prop_map(|(i, m)| Edit::Flip(i, m)),
        (any::<usize>(), byte()).prop_map(|(i, b)| Edit::Set(i, b)),
        any::<usize>().prop_map(Edit::Truncate),
        (any::<usize>(), bytes(8)).prop_map(|(i, b)| Edit::Insert(i, b)),
        (any::<usize>(), 1..16usize).prop_map(|(i, n)| Edit::Remove(i, n)),
        bytes(16).prop_map(Edit::Append),
        (any::<usize>(), 1..32usize).prop_map(|(i, n)| Edit::Duplicate(i, n)),
    ]
}

fn apply(mut v: Vec<u8>, edits: &[Edit]) -> Vec<u8> {
    for e in edits {
        let at = |i: usize, v: &Vec<u8>| i % (v.len() + 1);
        match e {
            Edit::Flip(i, m) if !v.is_empty() => {
                let i = i % v.len();
                v[i] ^= m;
            }
            Edit::Set(i, b) if !v.is_empty() => {
                let i = i % v.len();
                v[i] = *b;
            }
            Edit::Truncate(i) => v.truncate(at(*i, &v)),
            Edit::Insert(i, b) => {
                let i = at(*i, &v);
                v.splice(i..i, b.iter().copied());
            }
            Edit::Remove(i, n) => {
                let i = at(*i, &v);
                let end = (i + n).min(v.len());
                v.drain(i..end);
            }
            Edit::Append(b) => v.extend_from_slice(b),
            Edit::Duplicate(i, n) => {
                let i = at(*i, &v);
                let end = (i + n).min(v.len());
                let copy = v[i..end].to_vec();
                v.splice(end..end, copy);
            }
            _ => {}
        }
    }
    v
}

fn mutated(valid: impl Strategy<Value = Vec<u8>>) -> impl Strategy<Value = Vec<u8>> {
    (valid, vec(edit(), 1..4)).prop_map(|(v, e)| apply(v, &e))
}

/// Text without leading or trailing blanks (parsers trim values).
fn word(max: usize) -> impl Strategy<Value = String> {
    proptest::string::string_regex(&format!("[A-Za-z0-9._~:/-]{{1,{max}}}")).unwrap()
}

/// Printable text that may hold markup and quoting characters, not at the edges.
fn phrase() -> impl Strategy<Value = String> {
    proptest::string::string_regex("[A-Za-z0-9]([ -~]{0,30}[A-Za-z0-9])?").unwrap()
}

fn strict_prefixes_are_incomplete<T: std::fmt::Debug>(
    wire: &[u8],
    from: usize,
    decode: impl Fn(&[u8]) -> Result<T, ParseError>,
) -> Result<(), TestCaseError> {
    for end in from..wire.len() {
        let r = decode(&wire[..end]);
        prop_assert!(
            matches!(r, Err(ParseError::Incomplete)),
            "prefix of {} of {} bytes gave {:?}",
            end,
            wire.len(),
            r
        );
    }
    Ok(())
}

// ---------------------------------------------------------------------------------
// Valid messages, per module

fn mqtt_connect() -> impl Strategy<Value = mqtt::Connect> {
    (
        prop::sample::select(vec![3u8, 4, 5]),
        ".{0,20}",
        proptest::option::of(".{0,20}"),
        proptest::option::of(vec(any::<u8>(), 0..20)),
        any::<u16>(),
        any::<bool>(),
    )
        .prop_map(
            |(protocol_level, client_id, username, password, keep_alive, clean_session)| {
                mqtt::Connect {
                    protocol_level,
                    client_id,
                    username,
                    password,
                    keep_alive,
                    clean_session,
                }
            },
        )
}

fn mqtt_wire() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        mqtt_connect().prop_map(|c| mqtt::encode_connect(&c)),
        (any::<bool>(), any::<u8>()).prop_map(|(s, r)| mqtt::encode_connack(mqtt::ConnAck {
            session_present: s,
            return_code: r
        })),
        (any::<u16>(), ".{0,30}").prop_map(|(id, t)| mqtt::encode_subscribe(id, &t)),
        Just(mqtt::encode_disconnect()),
    ]
}

fn snmp_oid() -> impl Strategy<Value = snmp::Oid> {
    (
        0..=2u32,
        0..40u32,
        vec(prop_oneof![0..200u32, any::<u32>()], 0..12),
    )
        .prop_map(|(a, b, rest)| {
            let mut arcs = vec![a, b];
            arcs.extend(rest);
            snmp::Oid(arcs)
        })
}

fn snmp_value() -> impl Strategy<Value = snmp::Value> {
    use snmp::Value;
    prop_oneof![
        any::<i64>().prop_map(Value::Integer),
        vec(any::<u8>(), 0..40).prop_map(Value::OctetString),
        Just(Value::Null),
        snmp_oid().prop_map(Value::ObjectId),
        any::<[u8; 4]>().prop_map(Value::IpAddress),
        any::<u32>().prop_map(Value::Counter32),
        any::<u32>().prop_map(Value::Gauge32),
        any::<u32>().prop_map(Value::TimeTicks),
        any::<u64>().prop_map(Value::Counter64),
        Just(Value::NoSuchObject),
        Just(Value::NoSuchInstance),
        Just(Value::EndOfMibView),
        vec(any::<u8>(), 0..8).prop_map(|d| Value::Other(0x44, d)),
    ]
}

fn snmp_message() -> impl Strategy<Value = snmp::Message> {
    use snmp::PduType;
    (
        prop::sample::select(vec![snmp::Version::V1, snmp::Version::V2c]),
        vec(any::<u8>(), 0..16),
        prop::sample::select(vec![
            PduType::GetRequest,
            PduType::GetNextRequest,
            PduType::GetResponse,
            PduType::SetRequest,
            PduType::GetBulkRequest,
        ]),
        any::<i32>(),
        any::<i64>(),
        any::<i64>(),
        vec((snmp_oid(), snmp_value()), 0..6),
    )
        .prop_map(
            |(version, community, kind, request_id, error_status, error_index, varbinds)| {
                snmp::Message {
                    version,
                    community,
                    pdu: snmp::Pdu {
                        kind,
                        request_id,
                        error_status,
                        error_index,
                        varbinds,
                    },
                }
            },
        )
}

fn coap_message() -> impl Strategy<Value = coap::Message> {
    (
        prop::sample::select(vec![
            coap::MessageType::Confirmable,
            coap::MessageType::NonConfirmable,
            coap::MessageType::Acknowledgement,
            coap::MessageType::Reset,
        ]),
        1..=255u8,
        any::<u16>(),
        vec(any::<u8>(), 0..=8),
        vec(
            (
                prop_oneof![0..30u16, any::<u16>()],
                vec(any::<u8>(), 0..300),
            ),
            0..6,
        ),
        vec(any::<u8>(), 0..64),
    )
        .prop_map(|(kind, code, id, token, options, payload)| {
            let mut m = coap::Message::new(kind, coap::Code(code), id, &token);
            let mut options = options;
            options.sort_by_key(|(n, _)| *n);
            for (n, v) in options {
                m.add_option(n, v);
            }
            m.payload = payload;
            m
        })
}

fn coap_links() -> impl Strategy<Value = Vec<coap::Link>> {
    let attr = (
        proptest::string::string_regex("[a-z]{1,6}").unwrap(),
        proptest::option::of(prop_oneof![
            proptest::string::string_regex("[0-9]{1,5}").unwrap(),
            proptest::string::string_regex("[ -~]{1,20}").unwrap(),
        ]),
    );
    let link = (
        proptest::string::string_regex("/[a-z0-9/._-]{0,20}").unwrap(),
        vec(attr, 0..4),
    )
        .prop_map(|(target, attributes)| coap::Link { target, attributes });
    vec(link, 1..6)
}

fn modbus_wire() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        (any::<u16>(), any::<u8>(), vec(any::<u8>(), 1..=253))
            .prop_map(|(t, u, pdu)| { modbus::encode_frame(t, u, &pdu) }),
        (any::<u16>(), any::<u8>(), device_id_response()).prop_map(|(t, u, r)| {
            modbus::encode_frame(t, u, &modbus::encode_device_id_response(&r))
        }),
        (any::<u16>(), 1..=4u8, any::<u8>()).prop_map(|(t, code, object_id)| {
            let req = modbus::DeviceIdRequest {
                code: modbus::ReadDeviceIdCode::from_byte(code).unwrap(),
                object_id,
            };
            modbus::encode_frame(t, 1, &modbus::encode_device_id_request(req))
        }),
        (any::<u8>(), any::<u8>()).prop_map(|(f, c)| modbus::encode_exception(f, c)),
    ]
}

fn device_id_response() -> impl Strategy<Value = modbus::DeviceIdResponse> {
    (
        any::<u8>(),
        any::<u8>(),
        any::<bool>(),
        any::<u8>(),
        vec((any::<u8>(), vec(any::<u8>(), 0..40)), 0..6),
    )
        .prop_map(
            |(code, conformity_level, more_follows, next_object_id, objects)| {
                modbus::DeviceIdResponse {
                    code,
                    conformity_level,
                    more_follows,
                    next_object_id,
                    objects,
                }
            },
        )
}

fn bacnet_object() -> impl Strategy<Value = bacnet::ObjectId> {
    (0..=1023u16, 0..=bacnet::WILDCARD_INSTANCE).prop_map(|(object_type, instance)| {
        bacnet::ObjectId {
            object_type,
            instance,
        }
    })
}

fn bacnet_value() -> impl Strategy<Value = bacnet::Value> {
    use bacnet::Value;
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Boolean),
        any::<u64>().prop_map(Value::Unsigned),
        any::<i64>().prop_map(Value::Signed),
        vec(any::<u8>(), 0..40).prop_map(Value::OctetString),
        ".{0,30}".prop_map(|s| Value::text(&s)),
        any::<u64>().prop_map(Value::Enumerated),
        bacnet_object().prop_map(Value::ObjectId),
    ]
}

fn bacnet_address(min_mac: usize) -> impl Strategy<Value = bacnet::NetAddress> {
    (1..0xffffu16, vec(any::<u8>(), min_mac..8))
        .prop_map(|(network, mac)| bacnet::NetAddress { network, mac })
}

fn bacnet_npdu() -> impl Strategy<Value = bacnet::Npdu> {
    (
        any::<bool>(),
        0..=3u8,
        proptest::option::of(bacnet_address(0)),
        proptest::option::of(bacnet_address(1)),
        any::<u8>(),
    )
        .prop_map(
            |(expecting_reply, priority, destination, source, hops)| bacnet::Npdu {
                expecting_reply,
                priority,
                hop_count: destination.as_ref().map(|_| hops),
                destination,
                source,
            },
        )
}

/// An APDU's bytes and what `decode_apdu` must make of them.
fn bacnet_apdu() -> impl Strategy<Value = (Vec<u8>, bacnet::Apdu)> {
    use bacnet::{Apdu, IAm, ReadProperty, ReadPropertyAck, WhoIs};
    let range =
        proptest::option::of((0..=bacnet::WILDCARD_INSTANCE, 0..=bacnet::WILDCARD_INSTANCE));
    prop_oneof![
        range.prop_map(|r| (bacnet::who_is(r), Apdu::WhoIs(WhoIs { range: r }))),
        (
            0..=bacnet::WILDCARD_INSTANCE,
            any::<u32>(),
            any::<u32>(),
            any::<u16>()
        )
            .prop_map(|(d, m, s, v)| {
                let i = IAm {
                    device: bacnet::ObjectId::device(d),
                    max_apdu: m,
                    segmentation: s,
                    vendor_id: v,
                };
                (bacnet::i_am(&i), Apdu::IAm(i))
            }),
        (
            any::<u8>(),
            bacnet_object(),
            any::<u32>(),
            proptest::option::of(any::<u32>())
        )
            .prop_map(|(invoke_id, object, property, array_index)| {
                let request = ReadProperty {
                    object,
                    property,
                    array_index,
                };
                (
                    bacnet::read_property(invoke_id, &request),
                    Apdu::ReadProperty { invoke_id, request },
                )
            }),
        (
            any::<u8>(),
            bacnet_object(),
            any::<u32>(),
            proptest::option::of(any::<u32>()),
            bacnet_value()
        )
            .prop_map(|(invoke_id, object, property, array_index, value)| {
                let ack = ReadPropertyAck {
                    object,
                    property,
                    array_index,
                    value,
                };
                (
                    bacnet::read_property_ack(invoke_id, &ack),
                    Apdu::ReadPropertyAck { invoke_id, ack },
                )
            }),
        (any::<u8>(), any::<u8>(), any::<u32>(), any::<u32>()).prop_map(
            |(invoke_id, service, class, code)| (
                bacnet::error(invoke_id, service, class, code),
                Apdu::Error {
                    invoke_id,
                    service,
                    class,
                    code
                }
            )
        ),
        (any::<u8>(), any::<u8>()).prop_map(|(invoke_id, reason)| (
            bacnet::reject(invoke_id, reason),
            Apdu::Reject { invoke_id, reason }
        )),
        (any::<u8>(), any::<bool>(), any::<u8>()).prop_map(|(invoke_id, server, reason)| (
            bacnet::abort(invoke_id, server, reason),
            Apdu::Abort {
                invoke_id,
                server,
                reason
            }
        )),
    ]
}

fn bacnet_wire() -> impl Strategy<Value = Vec<u8>> {
    (bacnet_npdu(), bacnet_apdu()).prop_map(|(n, (apdu, _))| bacnet::encode_frame(&n, &apdu))
}

/// A DNS query as `dig` sends one (the module has no query encoder).
fn dns_query() -> impl Strategy<Value = (Vec<u8>, String, u16)> {
    (
        any::<u16>(),
        vec(
            proptest::string::string_regex("[a-zA-Z0-9-]{1,20}").unwrap(),
            1..5,
        ),
        any::<u16>(),
        any::<bool>(),
    )
        .prop_map(|(id, labels, qtype, rd)| {
            let mut q = id.to_be_bytes().to_vec();
            q.extend_from_slice(&[if rd { 0x01 } else { 0x00 }, 0x00, 0, 1, 0, 0, 0, 0, 0, 0]);
            for l in &labels {
                q.push(l.len() as u8);
                q.extend_from_slice(l.as_bytes());
            }
            q.push(0);
            q.extend_from_slice(&qtype.to_be_bytes());
            q.extend_from_slice(&1u16.to_be_bytes());
            (q, labels.join(".").to_lowercase(), qtype)
        })
}

fn client_hello() -> impl Strategy<Value = tls::ClientHello> {
    let u16s = |n: usize| vec(any::<u16>(), 0..n);
    (
        (
            any::<u16>(),
            any::<u16>(),
            any::<[u8; 32]>(),
            vec(any::<u8>(), 0..=32),
            vec(any::<u16>(), 1..40),
            vec(any::<u8>(), 1..4),
            // SNI: a DNS name without the trailing dot (the encoder drops it).
            proptest::option::of(
                proptest::string::string_regex("[a-z][a-z0-9-]{0,9}(\\.[a-z][a-z0-9-]{0,9}){0,3}")
                    .unwrap(),
            ),
        ),
        (
            u16s(6),
            u16s(6),
            vec((any::<u16>(), vec(any::<u8>(), 0..70)), 0..3),
            u16s(8),
            any::<[bool; 5]>(),
            vec(
                proptest::string::string_regex("[a-z0-9/.]{1,10}").unwrap(),
                0..3,
            ),
        ),
    )
        .prop_map(
            |(
                (version, record_version, random, session_id, suites, compression, server_name),
                (supported_versions, groups, key_shares, signature_algorithms, flags, alpn),
            )| {
                let mut key_shares = key_shares;
                key_shares.dedup_by_key(|(g, _)| *g);
                tls::ClientHello {
                    version,
                    record_version,
                    random,
                    session_id,
                    suites,
                    compression,
                    server_name,
                    supported_versions,
                    groups,
                    key_shares,
                    signature_algorithms,
                    ec_point_formats: flags[0],
                    renegotiation_info: flags[1],
                    extended_master_secret: flags[2],
                    status_request: flags[3],
                    alpn,
                    session_ticket: flags[4],
                }
            },
        )
}

fn tls_flight() -> impl Strategy<Value = Vec<u8>> {
    (
        prop::sample::select(vec![tls::SSL3, tls::TLS10, tls::TLS11, tls::TLS12]),
        any::<[u8; 32]>(),
        vec(any::<u8>(), 0..=32),
        any::<u16>(),
        vec(vec(any::<u8>(), 1..200), 1..3),
        vec(any::<u8>(), 0..120),
    )
        .prop_map(|(version, random, sid, suite, chain, ske)| {
            let exts = vec![(0xff01, vec![0]), (23, vec![])];
            tls::encode_flight(
                version,
                &[
                    tls::encode_server_hello(version, random, &sid, suite, 0, &exts),
                    tls::encode_certificate(&chain),
                    tls::encode_handshake(tls::HS_SERVER_KEY_EXCHANGE, &ske),
                    tls::encode_server_hello_done(),
                ],
            )
        })
}

fn http_headers() -> impl Strategy<Value = Vec<(String, String)>> {
    vec(
        (
            proptest::string::string_regex("[A-Za-z][A-Za-z0-9-]{0,15}").unwrap(),
            phrase(),
        ),
        0..6,
    )
}

fn http_wire() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        (word(10), http_headers()).prop_map(|(m, h)| {
            let h: Vec<(&str, &str)> = h.iter().map(|(n, v)| (n.as_str(), v.as_str())).collect();
            http::encode_request(&m, "/", "HTTP/1.1", &h)
        }),
        (100..=599u16, phrase(), http_headers(), bytes(40)).prop_map(|(s, r, h, b)| {
            let h: Vec<(&str, &str)> = h.iter().map(|(n, v)| (n.as_str(), v.as_str())).collect();
            http::encode_response("HTTP/1.1", s, &r, &h, &b)
        }),
        (phrase(), phrase()).prop_map(|(t, u)| format!(
            "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nWWW-Authenticate: Digest realm=\"{u}\", nonce=\"1\"\r\n\r\n{:x}\r\n<title>{t}</title>\r\n0\r\n\r\n",
            t.len() + 15
        )
        .into_bytes()),
    ]
}

fn xml_doc() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        word(30).prop_map(|id| onvif::encode_probe(&id)),
        (word(20), word(20), onvif_match())
            .prop_map(|(r, id, m)| onvif::encode_probe_matches(&r, &id, &m)),
        device_information().prop_map(|i| onvif::encode_device_information(&i)),
        (
            phrase(),
            proptest::option::of(phrase()),
            proptest::option::of(phrase())
        )
            .prop_map(
                |(code, subcode, reason)| onvif::encode_fault(&onvif::Fault {
                    code,
                    subcode,
                    reason
                })
            ),
        Just(onvif::encode_get_device_information()),
        device_description().prop_map(|d| ssdp::encode_description(&d)),
    ]
}

fn onvif_match() -> impl Strategy<Value = onvif::ProbeMatch> {
    (
        proptest::option::of(word(30)),
        vec(word(20), 0..3),
        vec(word(40), 0..4),
        vec(word(30), 0..2),
        proptest::option::of(word(4)),
    )
        .prop_map(
            |(endpoint, types, scopes, xaddrs, metadata_version)| onvif::ProbeMatch {
                endpoint,
                types,
                scopes,
                xaddrs,
                metadata_version,
            },
        )
}

fn device_information() -> impl Strategy<Value = onvif::DeviceInformation> {
    let f = || proptest::option::of(phrase());
    (f(), f(), f(), f(), f()).prop_map(|(a, b, c, d, e)| onvif::DeviceInformation {
        manufacturer: a,
        model: b,
        firmware_version: c,
        serial_number: d,
        hardware_id: e,
    })
}

fn device_description() -> impl Strategy<Value = ssdp::DeviceDescription> {
    let f = || proptest::option::of(phrase());
    ((f(), f(), f(), f(), f()), (f(), f(), f(), f(), f())).prop_map(
        |((a, b, c, d, e), (g, h, i, j, k))| ssdp::DeviceDescription {
            device_type: a,
            friendly_name: b,
            manufacturer: c,
            manufacturer_url: d,
            model_description: e,
            model_name: g,
            model_number: h,
            serial_number: i,
            udn: j,
            presentation_url: k,
        },
    )
}

fn line_wire() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        (100..=599u16, ".{0,40}").prop_map(|(c, t)| ftp::encode_reply(c, &t)),
        (word(8), proptest::option::of(phrase()))
            .prop_map(|(v, a)| ftp::encode_command(&v, a.as_deref())),
        (word(30), proptest::option::of(phrase()))
            .prop_map(|(s, c)| ssh::encode_identification(&s, c.as_deref())),
    ]
}

/// `message` behind a 20-byte IPv4 header (protocol ICMP) from `src`.
fn with_ipv4_header(src: std::net::Ipv4Addr, message: &[u8]) -> Vec<u8> {
    let total = (tcp::IPV4_HEADER + message.len()) as u16;
    let mut p = vec![0x45, 0];
    p.extend_from_slice(&total.to_be_bytes());
    p.extend_from_slice(&[0, 0, 0, 0, 64, icmp::PROTOCOL_ICMP, 0, 0]);
    p.extend_from_slice(&src.octets());
    p.extend_from_slice(&[127, 0, 0, 1]);
    p.extend_from_slice(message);
    p
}

/// An echo request behind its IPv4 header, as a raw socket reads it.
fn echo_packet() -> impl Strategy<Value = Vec<u8>> {
    (
        any::<[u8; 4]>(),
        any::<u16>(),
        any::<u16>(),
        vec(any::<u8>(), 0..24),
    )
        .prop_map(|(src, id, seq, payload)| {
            with_ipv4_header(src.into(), &icmp::echo_request(id, seq, &payload))
        })
}

fn tcp_segment() -> impl Strategy<Value = tcp::Segment> {
    let endpoint = (any::<u32>(), any::<u16>())
        .prop_map(|(ip, port)| std::net::SocketAddrV4::new(ip.into(), port));
    (
        (endpoint.clone(), endpoint),
        (any::<u32>(), any::<u32>(), any::<u8>(), any::<u16>()),
        (
            any::<u16>(),
            any::<u8>(),
            proptest::option::of(any::<u16>()),
        ),
    )
        .prop_map(
            |((src, dst), (seq, ack, flags, window), (id, ttl, mss))| tcp::Segment {
                src,
                dst,
                seq,
                ack,
                flags,
                window,
                id,
                ttl,
                mss,
            },
        )
}

fn telnet_command() -> impl Strategy<Value = telnet::Command> {
    use telnet::Command;
    prop_oneof![
        any::<u8>().prop_map(Command::Will),
        any::<u8>().prop_map(Command::Wont),
        any::<u8>().prop_map(Command::Do),
        any::<u8>().prop_map(Command::Dont),
        (any::<u8>(), vec(byte(), 0..40)).prop_map(|(o, p)| Command::Subnegotiation(o, p)),
        // 240..=249 are the two-byte commands (SE, NOP ... GA).
        (241..=249u8).prop_map(Command::Other),
    ]
}

fn telnet_wire() -> impl Strategy<Value = Vec<u8>> {
    vec(
        prop_oneof![
            telnet_command().prop_map(|c| telnet::encode(&c)),
            bytes(20).prop_map(|d| telnet::escape_data(&d)),
        ],
        0..6,
    )
    .prop_map(|p| p.concat())
}

// ---------------------------------------------------------------------------------
// Never panics: arbitrary bytes, token soup and mutations, for every module

proptest! {
    #![proptest_config(config())]

    #[test]
    fn bacnet_survives_arbitrary_and_mutated_input(
        a in bytes(300),
        m in mutated(bacnet_wire()),
    ) {
        exercise::bacnet(&a);
        exercise::bacnet(&m);
        // The same bytes behind a valid BVLC/NPDU header reach the APDU decoder.
        exercise::bacnet(&bacnet::encode_frame(&bacnet::Npdu::local(false), &a));
    }

    #[test]
    fn coap_survives_arbitrary_and_mutated_input(
        a in bytes(300),
        m in mutated(coap_message().prop_map(|m| m.encode())),
        l in mutated(coap_links().prop_map(|l| coap::encode_link_format(&l).into_bytes())),
    ) {
        exercise::coap(&a);
        exercise::coap(&m);
        exercise::coap(&l);
    }

    #[test]
    fn dns_survives_arbitrary_and_mutated_input(
        a in bytes(300),
        m in mutated(dns_query().prop_map(|(q, _, _)| q)),
    ) {
        exercise::dns(&a);
        exercise::dns(&m);
    }

    #[test]
    fn line_protocols_survive_arbitrary_soup_and_mutated_input(
        a in bytes(300),
        s in soup(LINE_WORDS),
        m in mutated(line_wire()),
    ) {
        for input in [&a, &s, &m] {
            exercise::ftp(input);
            exercise::ssh(input);
            exercise::telnet(input);
        }
    }

    #[test]
    fn http_and_ssdp_survive_arbitrary_soup_and_mutated_input(
        a in bytes(300),
        s in soup(HTTP_WORDS),
        m in mutated(http_wire()),
        n in mutated((word(20), word(20)).prop_map(|(h, st)| ssdp::encode_msearch(&h, &st, 3))),
    ) {
        for input in [&a, &s, &m, &n] {
            exercise::http(input);
            exercise::ssdp(input);
        }
    }

    #[test]
    fn modbus_survives_arbitrary_and_mutated_input(
        a in bytes(300),
        m in mutated(modbus_wire()),
    ) {
        exercise::modbus(&a);
        exercise::modbus(&m);
        exercise::modbus(m.get(modbus::MBAP_LEN..).unwrap_or_default());
    }

    #[test]
    fn mqtt_survives_arbitrary_and_mutated_input(
        a in bytes(300),
        m in mutated(mqtt_wire()),
    ) {
        exercise::mqtt(&a);
        exercise::mqtt(&m);
    }

    #[test]
    fn snmp_survives_arbitrary_and_mutated_input(
        a in bytes(300),
        m in mutated(snmp_message().prop_map(|m| snmp::encode(&m))),
    ) {
        exercise::snmp(&a);
        exercise::snmp(&m);
    }

    #[test]
    fn tcp_survives_arbitrary_and_mutated_input(
        a in bytes(80),
        m in mutated(tcp_segment().prop_map(|s| s.encode())),
    ) {
        exercise::tcp(&a);
        exercise::tcp(&m);
    }

    #[test]
    fn icmp_survives_arbitrary_and_mutated_input(
        a in bytes(80),
        m in mutated(echo_packet()),
    ) {
        exercise::icmp(&a);
        exercise::icmp(&m);
    }

    #[test]
    fn pem_survives_arbitrary_and_mutated_input(
        a in soup(&["-----BEGIN CERTIFICATE-----\n", "-----END CERTIFICATE-----\n", "MAA=", "\r\n", " "]),
        m in mutated(vec(vec(any::<u8>(), 1..80), 0..3).prop_map(|ders| {
            ders.iter().map(|d| pem::encode_certificate(d)).collect::<String>().into_bytes()
        })),
    ) {
        exercise::pem(&a);
        exercise::pem(&m);
    }

    #[test]
    fn telnet_survives_arbitrary_and_mutated_input(
        a in bytes(300),
        m in mutated(telnet_wire()),
    ) {
        exercise::telnet(&a);
        exercise::telnet(&m);
    }

    #[test]
    fn tls_survives_arbitrary_and_mutated_input(
        a in bytes(300),
        h in mutated(client_hello().prop_map(|h| tls::encode_client_hello(&h))),
        f in mutated(tls_flight()),
    ) {
        exercise::tls(&a);
        exercise::tls(&h);
        exercise::tls(&f);
    }

    #[test]
    fn xml_documents_survive_arbitrary_soup_and_mutated_input(
        a in bytes(300),
        s in soup(XML_WORDS),
        m in mutated(xml_doc()),
    ) {
        for input in [&a, &s, &m] {
            exercise::xml(input);
            exercise::onvif(input);
            exercise::ssdp(input);
        }
    }
}

// ---------------------------------------------------------------------------------
// Round trips and prefixes

proptest! {
    #![proptest_config(config())]

    #[test]
    fn mqtt_round_trips_and_prefixes_are_incomplete(
        c in mqtt_connect(),
        ack in (any::<bool>(), any::<u8>()),
        len in 0..=268_435_455usize,
        sub in (any::<u16>(), ".{0,30}"),
    ) {
        let wire = mqtt::encode_connect(&c);
        prop_assert_eq!(mqtt::decode_connect(&wire), Ok((c, wire.len())));
        strict_prefixes_are_incomplete(&wire, 0, mqtt::decode_connect)?;
        let ack = mqtt::ConnAck { session_present: ack.0, return_code: ack.1 };
        let wire = mqtt::encode_connack(ack);
        prop_assert_eq!(mqtt::decode_connack(&wire), Ok((ack, 4)));
        strict_prefixes_are_incomplete(&wire, 0, mqtt::decode_connack)?;
        let mut out = Vec::new();
        mqtt::encode_remaining_length(len, &mut out);
        prop_assert_eq!(mqtt::decode_remaining_length(&out), Ok((len, out.len())));
        strict_prefixes_are_incomplete(&out, 0, mqtt::decode_remaining_length)?;
        let wire = mqtt::encode_subscribe(sub.0, &sub.1);
        prop_assert_eq!(mqtt::decode_packet(&wire), Ok((mqtt::Packet::Other(8), wire.len())));
        strict_prefixes_are_incomplete(&wire, 0, mqtt::decode_packet)?;
    }

    #[test]
    fn tcp_round_trips_with_verifying_checksums_and_prefixes_are_incomplete(
        s in tcp_segment(),
        secret in vec(any::<u8>(), 0..40),
    ) {
        let wire = s.encode();
        prop_assert_eq!(tcp::decode(&wire), Ok(s));
        prop_assert_eq!(tcp::checksum(&wire[..tcp::IPV4_HEADER]), 0);
        prop_assert_eq!(tcp::tcp_checksum(*s.src.ip(), *s.dst.ip(), &wire[tcp::IPV4_HEADER..]), 0);
        strict_prefixes_are_incomplete(&wire, 0, tcp::decode)?;
        // A reply acknowledging the keyed SYN answers it; one number off does not.
        let key = tcp::SeqKey::new(&secret);
        let syn = tcp::Segment::syn(s.src, s.dst, key.seq(s.src, s.dst), s.id);
        let reply = tcp::Segment {
            src: s.dst,
            dst: s.src,
            ack: syn.seq.wrapping_add(1),
            flags: tcp::flags::SYN | tcp::flags::ACK,
            ..s
        };
        prop_assert_eq!(key.answer(&reply), Some(tcp::Answer::Open));
        let off = tcp::Segment { ack: syn.seq, ..reply };
        prop_assert_eq!(key.answer(&off), None);
    }

    #[test]
    fn pem_certificates_round_trip_among_other_text(
        ders in vec(vec(any::<u8>(), 1..300), 0..4),
        noise in vec(word(20), 0..4),
    ) {
        let mut text = String::new();
        for (i, d) in ders.iter().enumerate() {
            if let Some(w) = noise.get(i) {
                text.push_str(w);
                text.push('\n');
            }
            text.push_str(&pem::encode_certificate(d));
        }
        prop_assert_eq!(pem::certificates(text.as_bytes()), Ok(ders));
    }

    #[test]
    fn icmp_echo_round_trips_and_prefixes_are_incomplete(
        src in any::<[u8; 4]>(),
        id in any::<u16>(),
        seq in any::<u16>(),
        payload in vec(any::<u8>(), 0..40),
    ) {
        let src = std::net::Ipv4Addr::from(src);
        let wire = with_ipv4_header(src, &icmp::echo_request(id, seq, &payload));
        let echo = icmp::Echo { src, kind: icmp::ECHO_REQUEST, id, seq };
        prop_assert_eq!(icmp::decode(&wire), Ok(echo));
        strict_prefixes_are_incomplete(&wire, 0, icmp::decode)?;
    }

    #[test]
    fn snmp_round_trips_and_prefixes_are_incomplete(m in snmp_message()) {
        let wire = snmp::encode(&m);
        prop_assert_eq!(snmp::decode(&wire), Ok(m.clone()));
        strict_prefixes_are_incomplete(&wire, 0, snmp::decode)?;
        for (oid, _) in &m.pdu.varbinds {
            prop_assert_eq!(oid.to_string().parse::<snmp::Oid>(), Ok(oid.clone()));
        }
    }

    #[test]
    fn coap_round_trips_and_cut_headers_are_incomplete(m in coap_message()) {
        let wire = m.encode();
        prop_assert_eq!(coap::decode(&wire), Ok(m.clone()));
        // Header and token: documented as Incomplete when cut.
        strict_prefixes_are_incomplete(&wire[..4 + m.token.len()], 0, coap::decode)?;
        for o in &m.options {
            if let Some(b) = coap::Block::decode(&o.value) {
                prop_assert_eq!(coap::Block::decode(&b.encode()), Some(b));
            }
        }
    }

    #[test]
    fn coap_link_format_and_tlv_round_trip(
        links in coap_links(),
        id in any::<u16>(),
        value in vec(any::<u8>(), 0..300),
        uint in any::<u32>(),
    ) {
        let text = coap::encode_link_format(&links);
        prop_assert_eq!(coap::parse_link_format(text.as_bytes()), Ok(links));
        let tlv = coap::lwm2m::encode_tlv_resource(id, &value);
        prop_assert_eq!(
            coap::lwm2m::resource_value(Some(coap::content_format::LWM2M_TLV), &tlv),
            Some(&value[..])
        );
        prop_assert_eq!(coap::decode_uint(&coap::encode_uint(uint)), Some(uint));
    }

    #[test]
    fn modbus_round_trips_and_prefixes_are_incomplete(
        t in any::<u16>(),
        unit in any::<u8>(),
        pdu in vec(any::<u8>(), 1..=253),
        code in 1..=4u8,
        object_id in any::<u8>(),
        r in device_id_response(),
    ) {
        let wire = modbus::encode_frame(t, unit, &pdu);
        let frame = modbus::Frame { transaction_id: t, unit_id: unit, pdu: pdu.clone() };
        prop_assert_eq!(modbus::decode_frame(&wire), Ok((frame, wire.len())));
        strict_prefixes_are_incomplete(&wire, 0, modbus::decode_frame)?;
        strict_prefixes_are_incomplete(&wire[..modbus::MBAP_LEN], 0, modbus::decode_mbap)?;
        let req = modbus::DeviceIdRequest {
            code: modbus::ReadDeviceIdCode::from_byte(code).unwrap(),
            object_id,
        };
        prop_assert_eq!(
            modbus::decode_device_id_request(&modbus::encode_device_id_request(req)),
            Ok(req)
        );
        let resp = modbus::encode_device_id_response(&r);
        prop_assert!(resp.len() <= modbus::MAX_PDU);
        if let Ok(modbus::Response::DeviceId(back)) = modbus::decode_response(&resp) {
            // Objects that fit come back in order; the rest were left out.
            prop_assert_eq!(&back.objects[..], &r.objects[..back.objects.len()]);
            prop_assert_eq!((back.code, back.more_follows), (r.code, r.more_follows));
        } else {
            prop_assert!(false, "{:?}", modbus::decode_response(&resp));
        }
        prop_assert_eq!(
            modbus::decode_response(&modbus::encode_exception(0x2b, object_id)),
            Ok(modbus::Response::Exception { function: 0x2b, code: object_id })
        );
    }

    #[test]
    fn bacnet_round_trips_and_prefixes_are_incomplete(
        npdu in bacnet_npdu(),
        (apdu, want) in bacnet_apdu(),
    ) {
        prop_assert_eq!(bacnet::decode_apdu(&apdu), Ok(want.clone()));
        let wire = bacnet::encode_frame(&npdu, &apdu);
        let frame = bacnet::decode_frame(&wire);
        prop_assert_eq!(
            frame.as_ref().map(|f| (f.function, &f.content)),
            Ok((
                bacnet::Function::OriginalUnicast,
                &bacnet::Content::Application { npdu, apdu: want },
            ))
        );
        strict_prefixes_are_incomplete(&wire, 0, bacnet::decode_frame)?;
    }

    #[test]
    fn dns_query_parses_and_prefixes_are_incomplete(
        (wire, name, qtype) in dns_query(),
        extra in bytes(20),
    ) {
        let q = dns::parse_query(&wire);
        prop_assert_eq!(
            q.as_ref().map(|q| (q.name.as_str(), q.qtype, q.question_end)),
            Ok((name.as_str(), qtype, wire.len()))
        );
        strict_prefixes_are_incomplete(&wire, 0, dns::parse_query)?;
        let mut longer = wire.clone();
        longer.extend(extra);
        prop_assert_eq!(dns::parse_query(&longer), q);
    }

    #[test]
    fn ftp_round_trips_and_prefixes_are_incomplete(
        code in 100..=599u16,
        lines in vec("[ -~]{0,30}", 1..4),
        verb in "[A-Za-z0-9]{1,8}",
        arg in proptest::option::of("[!-~][ -~]{0,30}"),
    ) {
        let wire = ftp::encode_reply(code, &lines.join("\n"));
        let r = ftp::parse_reply(&wire);
        prop_assert_eq!(r.as_ref().map(|r| (r.code, r.len)), Ok((code, wire.len())));
        prop_assert_eq!(r.map(|r| r.lines.len()), Ok(lines.len()));
        strict_prefixes_are_incomplete(&wire, 0, ftp::parse_reply)?;
        let wire = ftp::encode_command(&verb, arg.as_deref());
        let c = ftp::parse_command(&wire);
        prop_assert_eq!(
            c.map(|c| (c.verb, c.arg, c.len)),
            Ok((verb.to_ascii_uppercase(), arg, wire.len()))
        );
        strict_prefixes_are_incomplete(&wire, 0, ftp::parse_command)?;
    }

    #[test]
    fn http_round_trips_and_prefixes_are_incomplete(
        method in "[A-Z]{1,10}",
        target in "/[A-Za-z0-9/._-]{0,30}",
        headers in http_headers(),
        status in 100..=599u16,
        reason in phrase(),
        body in bytes(60),
        user in "[^:\r\n]{0,20}",
        password in ".{0,20}",
    ) {
        let h: Vec<(&str, &str)> = headers.iter().map(|(n, v)| (n.as_str(), v.as_str())).collect();
        let wire = http::encode_request(&method, &target, "HTTP/1.1", &h);
        let req = http::parse_request_head(&wire).map(|r| (r.method, r.target, r.protocol, r.headers, r.head_len));
        prop_assert_eq!(req, Ok((method, target, "HTTP/1.1".to_string(), headers.clone(), wire.len())));
        strict_prefixes_are_incomplete(&wire, 0, http::parse_request_head)?;

        let wire = http::encode_response("RTSP/1.0", status, &reason, &h, &body);
        let resp = http::parse_response_head(&wire);
        let resp = resp.as_ref().map_err(Clone::clone)?;
        prop_assert_eq!((resp.status, resp.reason.as_str()), (status, reason.as_str()));
        prop_assert_eq!(resp.content_length(), Some(body.len()));
        prop_assert_eq!(resp.head_len + body.len(), wire.len());
        let kept: Vec<_> = headers.iter().filter(|(n, _)| !n.eq_ignore_ascii_case("content-length")).cloned().collect();
        prop_assert_eq!(&resp.headers[..kept.len()], &kept[..]);
        strict_prefixes_are_incomplete(&wire[..resp.head_len], 0, http::parse_response_head)?;

        prop_assert_eq!(http::base64_decode(&http::base64_encode(&body)), Some(body.clone()));
        prop_assert_eq!(
            http::decode_basic_auth(&http::encode_basic_auth(&user, &password)),
            Some((user, password))
        );
    }

    #[test]
    fn ssh_identification_round_trips_and_prefixes_are_incomplete(
        software in "[!-~]{1,40}",
        comments in proptest::option::of("[!-~]([ -~]{0,40}[!-~])?"),
    ) {
        let wire = ssh::encode_identification(&software, comments.as_deref());
        let id = ssh::parse_identification(&wire);
        prop_assert_eq!(
            id.map(|i| (i.proto_version, i.software, i.comments, i.len)),
            Ok(("2.0".to_string(), software, comments, wire.len()))
        );
        strict_prefixes_are_incomplete(&wire, 0, ssh::parse_identification)?;
    }

    #[test]
    fn telnet_commands_and_data_round_trip(
        parts in vec((telnet_command(), bytes(20)), 0..6),
    ) {
        let mut wire = Vec::new();
        let mut data = Vec::new();
        for (c, d) in &parts {
            wire.extend(telnet::encode(c));
            wire.extend(telnet::escape_data(d));
            data.extend_from_slice(d);
        }
        let s = telnet::split(&wire);
        let commands: Vec<telnet::Command> = parts.into_iter().map(|(c, _)| c).collect();
        prop_assert_eq!((s.data, s.commands, s.consumed), (data, commands, wire.len()));
        // A cut sequence is left for the next read, never misread.
        for end in 0..wire.len() {
            let p = telnet::split(&wire[..end]);
            prop_assert!(p.consumed <= end);
            prop_assert_eq!(&wire[..p.consumed], &wire[..p.consumed]);
        }
    }

    #[test]
    fn tls_client_hello_and_flight_round_trip(h in client_hello(), flight in tls_flight()) {
        let wire = tls::encode_client_hello(&h);
        prop_assert_eq!(tls::parse_client_hello(&wire), Ok(h));
        strict_prefixes_are_incomplete(&wire, 0, tls::parse_client_hello)?;
        let (records, used) = tls::parse_records(&flight).map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(used, flight.len());
        let mut reader = tls::HandshakeReader::new();
        for r in &records {
            reader.push(&r.payload).map_err(|e| TestCaseError::fail(e.to_string()))?;
        }
        prop_assert_eq!(reader.messages().len(), 4);
        prop_assert_eq!(reader.buffered(), 0);
        prop_assert_eq!(reader.messages().last(), Some(&tls::Handshake::ServerHelloDone));
    }

    #[test]
    fn ssdp_messages_round_trip(
        host in word(30),
        st in word(40),
        mx in any::<u8>(),
        usn in word(40),
        location in word(40),
        server in phrase(),
        max_age in any::<u32>(),
        desc in device_description(),
    ) {
        let search = ssdp::parse_msearch(&ssdp::encode_msearch(&host, &st, mx));
        prop_assert_eq!(search, Ok(ssdp::Search { st: st.clone(), mx: (mx > 0).then_some(mx) }));
        let wire = ssdp::encode_search_response(&ssdp::SearchResponse {
            st: &st, usn: &usn, location: &location, server: &server, max_age,
        });
        let a = ssdp::parse_announcement(&wire);
        prop_assert_eq!(a, Ok(ssdp::Announcement {
            kind: ssdp::Kind::SearchResponse,
            location: Some(location),
            server: Some(server),
            st: Some(st),
            usn: Some(usn),
            cache_control: Some(format!("max-age={}", max_age)),
        }));
        strict_prefixes_are_incomplete(&wire, 0, ssdp::parse_announcement)?;
        let doc = ssdp::encode_description(&desc);
        prop_assert_eq!(ssdp::parse_description(&doc), Ok(desc));
    }

    #[test]
    fn onvif_messages_round_trip(
        id in word(40),
        relates in word(40),
        m in onvif_match(),
        info in device_information(),
        code in phrase(),
        subcode in proptest::option::of(phrase()),
        reason in proptest::option::of(phrase()),
    ) {
        let probe = onvif::parse_probe(&onvif::encode_probe(&id));
        prop_assert_eq!(probe, Ok(onvif::Probe {
            message_id: id.clone(),
            types: vec!["dn:NetworkVideoTransmitter".to_string()],
        }));
        let wire = onvif::encode_probe_matches(&relates, &id, &m);
        prop_assert_eq!(onvif::parse_probe_matches(&wire, &relates), Ok(vec![m]));
        let other = format!("{}x", relates);
        let answer_to_other = onvif::parse_probe_matches(&wire, &other);
        prop_assert!(answer_to_other.is_err());
        let reply = onvif::parse_device_information(&onvif::encode_device_information(&info));
        prop_assert_eq!(reply, Ok(onvif::DeviceInfoReply::Info(info)));
        let fault = onvif::Fault { code, subcode, reason };
        let reply = onvif::parse_device_information(&onvif::encode_fault(&fault));
        prop_assert_eq!(reply, Ok(onvif::DeviceInfoReply::Fault(fault)));
        prop_assert_eq!(
            onvif::request_operation(&onvif::encode_get_device_information()),
            Ok("GetDeviceInformation".to_string())
        );
    }

    #[test]
    fn xml_text_round_trips_and_cut_documents_are_incomplete(
        texts in vec(".{0,30}", 1..5),
        names in vec("[A-Za-z_][A-Za-z0-9_.-]{0,10}", 1..5),
    ) {
        let mut doc = String::from("<?xml version=\"1.0\"?>\n<!-- c --><r:root xmlns:r=\"u\">");
        for (n, t) in names.iter().zip(&texts) {
            doc.push_str(&format!("<p:{n} a=\"&gt;'\">{}</p:{n}>", xml::escape(t)));
        }
        doc.push_str("</r:root>");
        for (n, t) in names.iter().zip(&texts) {
            let got = xml::texts(doc.as_bytes(), n).map_err(|e| TestCaseError::fail(e.to_string()))?;
            prop_assert!(got.contains(&t.trim().to_string()), "{:?} in {:?}", t, got);
        }
        let root = doc.find("<r:root").unwrap_or(0);
        strict_prefixes_are_incomplete(doc.as_bytes(), root + 1, xml::parse)?;
    }
}

// ---------------------------------------------------------------------------------
// Regressions: inputs the fuzzers found, pinned with the bug they showed.

/// crates/stadscan-proto/src/xml.rs: a document cut right after a '<' was `Malformed` ("xml
/// start tag at \"<\"") instead of `Incomplete`, so a reader that waits for
/// more bytes would have given up on a valid answer split at that byte.
/// Found by `xml_text_round_trips_and_cut_documents_are_incomplete`.
#[test]
fn regression_xml_cut_after_a_lone_angle_bracket_is_incomplete() {
    for doc in [
        &b"<a>x<"[..],
        b"<?xml version=\"1.0\"?>\n<",
        b"<r><p>t</p><",
    ] {
        assert_eq!(xml::parse(doc), Err(ParseError::Incomplete), "{doc:?}");
    }
    assert!(matches!(
        xml::parse(b"<a>x<1/></a>"),
        Err(ParseError::Malformed { .. })
    ));
}

/// crates/stadscan-proto/src/xml.rs: an entity followed by a multi-byte character that
/// straddled byte 12 after the '&' stayed undecoded ("&amp;𐀀𐀀" came back as
/// written), because the ';' was searched in a `str::get` window that is
/// `None` off a character boundary. Found by
/// `xml_text_round_trips_and_cut_documents_are_incomplete`.
#[test]
fn regression_xml_entity_before_multibyte_text_is_decoded() {
    let doc =
        "<a>&amp;\u{10000}\u{10000}|&quot;A\u{10000}\u{a1}|&lt;caf\u{e9}\u{e9}\u{e9}\u{e9}</a>";
    assert_eq!(
        xml::first_text(doc.as_bytes(), "a"),
        Ok(Some(
            "&\u{10000}\u{10000}|\"A\u{10000}\u{a1}|<caf\u{e9}\u{e9}\u{e9}\u{e9}".to_string()
        ))
    );
}

/// Not a parser bug but a property that was too strict: a ClientHello whose
/// SNI ends in a dot does not survive re-encoding unchanged, because the
/// encoder drops the dot (documented at `sni_host` in `tls/client_hello.rs`).
/// The fuzz check now asserts that the second round trip is a fixed point.
/// Found by `tls_survives_arbitrary_and_mutated_input`.
#[test]
fn client_hello_with_absolute_sni_reaches_a_fixed_point() {
    let h = tls::ClientHello {
        suites: vec![0xc02f],
        compression: vec![0],
        server_name: Some("camera.stad.exampleX".to_string()),
        ..tls::ClientHello::default()
    };
    // The same bytes with the 'X' turned into the trailing dot of an absolute name.
    let mut wire = tls::encode_client_hello(&h);
    let x = wire.iter().rposition(|&b| b == b'X').unwrap();
    wire[x] = b'.';
    let dotted = tls::parse_client_hello(&wire).unwrap();
    assert_eq!(dotted.server_name.as_deref(), Some("camera.stad.example."));
    let once = tls::parse_client_hello(&tls::encode_client_hello(&dotted)).unwrap();
    assert_eq!(once.server_name.as_deref(), Some("camera.stad.example"));
    exercise::tls(&wire);
}

/// Inputs the cargo-fuzz targets found, fed to every module's checks.
#[test]
fn regression_inputs_stay_fixed() {
    let cases: &[(&str, &[u8])] = &[];
    for (bug, input) in cases {
        let r = std::panic::catch_unwind(|| exercise::all(input));
        assert!(r.is_ok(), "{bug}");
    }
}

/// Seeds for the cargo-fuzz corpora (`fuzz/corpus/<module>/`): one valid
/// message per encoder, so libFuzzer starts past the first length checks.
/// `cargo test --test fuzz_parsers -- --ignored write_seed_corpus`
#[test]
#[ignore = "writes files under fuzz/corpus"]
fn write_seed_corpus() {
    let hello = tls::ClientHello {
        version: tls::TLS12,
        record_version: tls::TLS10,
        suites: tls::ALL_SUITES.to_vec(),
        compression: vec![0],
        server_name: Some("camera.example".to_string()),
        groups: tls::ALL_GROUPS.to_vec(),
        ..tls::ClientHello::default()
    };
    let connect = mqtt::Connect {
        protocol_level: 4,
        client_id: "stadscan".to_string(),
        username: Some("admin".to_string()),
        password: Some(b"admin".to_vec()),
        keep_alive: 60,
        clean_session: true,
    };
    let mut coap_get = coap::get_request(7, b"tk", "/.well-known/core", Some((1, 2)));
    coap_get.payload = b"</3/0>;rt=\"oma.lwm2m\";ct=11542,</s>;obs".to_vec();
    let seeds: Vec<(&str, Vec<u8>)> = vec![
        (
            "bacnet",
            bacnet::encode_frame(&bacnet::Npdu::local(true), &bacnet::who_is(Some((1, 9)))),
        ),
        (
            "bacnet",
            bacnet::encode_frame(
                &bacnet::Npdu::local(false),
                &bacnet::read_property_ack(
                    3,
                    &bacnet::ReadPropertyAck {
                        object: bacnet::ObjectId::device(599),
                        property: 77,
                        array_index: None,
                        value: bacnet::Value::text("Stad BMS"),
                    },
                ),
            ),
        ),
        ("coap", coap_get.encode()),
        (
            "pem",
            pem::encode_certificate(&(0..=255).collect::<Vec<u8>>()).into_bytes(),
        ),
        ("coap", coap_get.payload.clone()),
        (
            "dns",
            b"\x12\x34\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00\x03cam\x04stad\x00\x00\x01\x00\x01"
                .to_vec(),
        ),
        ("ftp", ftp::encode_reply(220, "Welcome\nto the lab")),
        ("ftp", ftp::encode_command("USER", Some("anonymous"))),
        (
            "http",
            http::encode_response(
                "HTTP/1.1",
                401,
                "Unauthorized",
                &[
                    (
                        "WWW-Authenticate",
                        "Digest realm=\"cam\", nonce=\"1\", qop=\"auth\"",
                    ),
                    ("Transfer-Encoding", "chunked"),
                ],
                b"5\r\n<titl\r\n0\r\n\r\n",
            ),
        ),
        (
            "http",
            http::encode_request(
                "GET",
                "/",
                "RTSP/1.0",
                &[("Authorization", "Basic YWRtaW46YWRtaW4=")],
            ),
        ),
        (
            "modbus",
            modbus::encode_frame(
                1,
                1,
                &modbus::encode_device_id_request(modbus::DeviceIdRequest {
                    code: modbus::ReadDeviceIdCode::Basic,
                    object_id: 0,
                }),
            ),
        ),
        (
            "modbus",
            modbus::encode_frame(
                1,
                1,
                &modbus::encode_device_id_response(&modbus::DeviceIdResponse {
                    code: 1,
                    conformity_level: 0x81,
                    more_follows: false,
                    next_object_id: 0,
                    objects: vec![(0, b"Vendor".to_vec()), (1, b"P1".to_vec())],
                }),
            ),
        ),
        ("mqtt", mqtt::encode_connect(&connect)),
        (
            "mqtt",
            mqtt::encode_connack(mqtt::ConnAck {
                session_present: false,
                return_code: 5,
            }),
        ),
        ("onvif", onvif::encode_probe("urn:uuid:1")),
        (
            "onvif",
            onvif::encode_device_information(&onvif::DeviceInformation {
                manufacturer: Some("Lab".into()),
                ..Default::default()
            }),
        ),
        (
            "snmp",
            snmp::encode(&snmp::get_request(
                snmp::Version::V2c,
                b"public",
                1,
                &snmp::oids::system_group(),
            )),
        ),
        (
            "ssdp",
            ssdp::encode_msearch("127.0.0.1:1900", ssdp::ST_ROOT_DEVICE, 1),
        ),
        (
            "ssdp",
            ssdp::encode_description(&ssdp::DeviceDescription {
                friendly_name: Some("Lab".into()),
                ..Default::default()
            }),
        ),
        (
            "ssh",
            ssh::encode_identification("OpenSSH_9.2p1", Some("Debian-2")),
        ),
        (
            "telnet",
            [
                telnet::encode(&telnet::Command::Do(telnet::OPT_TERMINAL_TYPE)),
                b"login: ".to_vec(),
            ]
            .concat(),
        ),
        ("tls", tls::encode_client_hello(&hello)),
        (
            "tls",
            tls::encode_flight(
                tls::TLS12,
                &[
                    tls::encode_server_hello(
                        tls::TLS12,
                        [7; 32],
                        &[],
                        0xc02f,
                        0,
                        &[(0xff01, vec![0])],
                    ),
                    tls::encode_certificate(&[vec![0x30, 0x03, 0x02, 0x01, 0x01]]),
                    tls::encode_server_hello_done(),
                ],
            ),
        ),
        (
            "xml",
            b"<?xml version=\"1.0\"?><!DOCTYPE r><r a='1'><![CDATA[x]]><e>&amp;&#x41;</e><f/></r>"
                .to_vec(),
        ),
    ];
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/corpus");
    for (i, (module, bytes)) in seeds.iter().enumerate() {
        let dir = root.join(module);
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join(format!("seed-{i:02}")), bytes).unwrap();
    }
}
