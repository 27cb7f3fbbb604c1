//! Lab ONVIF camera: answers WS-Discovery probes for video transmitters and
//! tells anyone its model and firmware through GetDeviceInformation, the
//! unauthenticated disclosure many deployed cameras still allow.

use tokio::io::AsyncWriteExt;
use tokio::net::{TcpStream, UdpSocket};

use super::upnp::read_request;
use crate::proto::http;
use crate::proto::onvif::{self, DeviceInformation, Fault, ProbeMatch};

pub(crate) const MANUFACTURER: &str = "Dahua";
pub(crate) const MODEL: &str = "IPC-HFW2431S-S-S2";
pub(crate) const FIRMWARE_VERSION: &str = "2.800.0000000.25.R, Build Date 2020-06-12";
pub(crate) const SERIAL_NUMBER: &str = "6J0C1A2PAZ12345";
pub(crate) const HARDWARE_ID: &str = "1.00";
pub(crate) const ENDPOINT: &str = "urn:uuid:5f8a1d2e-3b4c-4d5e-8f60-718293a4b5c6";
const SERVICE_PATH: &str = "/onvif/device_service";
const SERVER: &str = "Webs";
const SCOPES: [&str; 6] = [
    "onvif://www.onvif.org/type/video_encoder",
    "onvif://www.onvif.org/Profile/Streaming",
    "onvif://www.onvif.org/Profile/T",
    "onvif://www.onvif.org/hardware/IPC-HFW2431S-S-S2",
    "onvif://www.onvif.org/name/Kade%2012%20camera",
    "onvif://www.onvif.org/location/city/Demo%20City",
];

/// Answers WS-Discovery probes on `socket`; `xaddr` is the device service URL.
pub(crate) async fn run_wsd(socket: UdpSocket, xaddr: String) {
    crate::udp::serve(socket, "wsd", 65536, |datagram| wsd_reply(datagram, &xaddr)).await;
}

/// ProbeMatches for a Probe with no types or NetworkVideoTransmitter among
/// them (whatever its prefix); silence for anything else.
pub(crate) fn wsd_reply(packet: &[u8], xaddr: &str) -> Option<Vec<u8>> {
    let probe = onvif::parse_probe(packet).ok()?;
    let wanted = probe.types.is_empty()
        || probe
            .types
            .iter()
            .any(|t| t.rsplit(':').next() == Some("NetworkVideoTransmitter"));
    if !wanted {
        return None;
    }
    let m = ProbeMatch {
        endpoint: Some(ENDPOINT.into()),
        types: vec!["dn:NetworkVideoTransmitter".into(), "tds:Device".into()],
        scopes: SCOPES.iter().map(|s| s.to_string()).collect(),
        xaddrs: vec![xaddr.to_string()],
        metadata_version: Some("1".into()),
    };
    Some(onvif::encode_probe_matches(
        &probe.message_id,
        &answer_id(&probe.message_id),
        &m,
    ))
}

/// A MessageID for the answer, derived from the probe's (FNV-1a), so the
/// reply stays a pure function of the request.
fn answer_id(probe_id: &str) -> String {
    let mut h: u128 = 0x6c62_272e_07bb_0142_62b8_2175_6295_c58d;
    for b in probe_id.bytes() {
        h ^= u128::from(b);
        h = h.wrapping_mul(0x0000_0000_0100_0000_0000_0000_0000_013b);
    }
    let x = format!("{h:032x}");
    format!(
        "urn:uuid:{}-{}-{}-{}-{}",
        &x[..8],
        &x[8..12],
        &x[12..16],
        &x[16..20],
        &x[20..]
    )
}

pub(crate) fn device_information() -> DeviceInformation {
    DeviceInformation {
        manufacturer: Some(MANUFACTURER.into()),
        model: Some(MODEL.into()),
        firmware_version: Some(FIRMWARE_VERSION.into()),
        serial_number: Some(SERIAL_NUMBER.into()),
        hardware_id: Some(HARDWARE_ID.into()),
    }
}

/// Serves one request to the device service.
pub(crate) async fn serve_onvif(mut stream: TcpStream) {
    let reply = match read_request(&mut stream).await {
        Some((head, body)) => onvif_response(&head.method, &head.target, &body),
        None => http::encode_response(
            "HTTP/1.1",
            400,
            "Bad Request",
            &[("Server", SERVER), ("Connection", "close")],
            b"",
        ),
    };
    let _ = stream.write_all(&reply).await;
    let _ = stream.shutdown().await;
}

/// GetDeviceInformation answers without credentials; other operations get a
/// SOAP fault; other paths and methods plain HTTP errors.
fn onvif_response(method: &str, target: &str, body: &[u8]) -> Vec<u8> {
    let soap = "application/soap+xml; charset=utf-8";
    let headers = |ct: &'static str| {
        vec![
            ("Server", SERVER),
            ("Content-Type", ct),
            ("Connection", "close"),
        ]
    };
    if target.split('?').next() != Some(SERVICE_PATH) {
        return http::encode_response("HTTP/1.1", 404, "Not Found", &headers("text/plain"), b"");
    }
    if !method.eq_ignore_ascii_case("POST") {
        let mut h = headers("text/plain");
        h.push(("Allow", "POST"));
        return http::encode_response("HTTP/1.1", 405, "Method Not Allowed", &h, b"");
    }
    let fault = |code: &str, subcode: &str, reason: &str| {
        onvif::encode_fault(&Fault {
            code: code.into(),
            subcode: Some(subcode.into()),
            reason: Some(reason.into()),
        })
    };
    match onvif::request_operation(body) {
        Ok(op) if op == "GetDeviceInformation" => http::encode_response(
            "HTTP/1.1",
            200,
            "OK",
            &headers(soap),
            &onvif::encode_device_information(&device_information()),
        ),
        Ok(_) => http::encode_response(
            "HTTP/1.1",
            400,
            "Bad Request",
            &headers(soap),
            &fault(
                "s:Receiver",
                "ter:ActionNotSupported",
                "Optional Action Not Implemented",
            ),
        ),
        Err(_) => http::encode_response(
            "HTTP/1.1",
            400,
            "Bad Request",
            &headers(soap),
            &fault("s:Sender", "ter:WellFormed", "Well-formed Error"),
        ),
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::proto::onvif::DeviceInfoReply;
    use crate::proto::onvif::captures::{GDI_REQUEST_ZEEP, PROBE_WSDISCOVERY};

    const XADDR: &str = "http://127.42.0.31:8000/onvif/device_service";

    fn body_of(raw: &[u8]) -> (u16, &[u8]) {
        let head = http::parse_response_head(raw).unwrap();
        (head.status, &raw[head.head_len..])
    }

    #[test]
    fn answers_python_wsdiscoverys_probe_with_its_message_id() {
        let reply = wsd_reply(PROBE_WSDISCOVERY, XADDR).unwrap();
        let id = "urn:uuid:9b75624a-17c6-4944-81fd-90775e47fb42";
        let m = onvif::parse_probe_matches(&reply, id).unwrap();
        assert_eq!(m[0].xaddrs, [XADDR]);
        assert_eq!(m[0].endpoint.as_deref(), Some(ENDPOINT));
        assert_eq!(onvif::scope_values(&m[0].scopes, "hardware"), [MODEL]);
        assert_eq!(
            onvif::scope_values(&m[0].scopes, "name"),
            ["Kade 12 camera"]
        );
        assert_ne!(answer_id(id), id);
    }

    #[test]
    fn answers_untyped_probes_and_ignores_other_types() {
        let ours = onvif::encode_probe("urn:uuid:1");
        assert!(wsd_reply(&ours, XADDR).is_some());
        let untyped = b"<s:Envelope><s:Header><a:MessageID>urn:uuid:2</a:MessageID></s:Header>\
            <s:Body><d:Probe/></s:Body></s:Envelope>";
        assert!(wsd_reply(untyped, XADDR).is_some());
        let printer = b"<s:Envelope><s:Header><a:MessageID>urn:uuid:3</a:MessageID></s:Header>\
            <s:Body><d:Probe><d:Types>wprt:PrintDeviceType</d:Types></d:Probe></s:Body></s:Envelope>";
        assert_eq!(wsd_reply(printer, XADDR), None);
        assert_eq!(wsd_reply(b"M-SEARCH * HTTP/1.1\r\n\r\n", XADDR), None);
    }

    #[test]
    fn tells_zeep_its_device_information_without_credentials() {
        let raw = onvif_response("POST", SERVICE_PATH, GDI_REQUEST_ZEEP);
        let (status, body) = body_of(&raw);
        assert_eq!(status, 200);
        assert_eq!(
            onvif::parse_device_information(body).unwrap(),
            DeviceInfoReply::Info(device_information())
        );
        let raw = onvif_response(
            "POST",
            SERVICE_PATH,
            &onvif::encode_get_device_information(),
        );
        assert_eq!(body_of(&raw).0, 200);
    }

    #[test]
    fn other_operations_and_paths_are_refused() {
        let users = b"<s:Envelope><s:Body><tds:GetUsers/></s:Body></s:Envelope>";
        let raw = onvif_response("POST", SERVICE_PATH, users);
        let (status, body) = body_of(&raw);
        assert_eq!(status, 400);
        let DeviceInfoReply::Fault(f) = onvif::parse_device_information(body).unwrap() else {
            panic!("a fault");
        };
        assert_eq!(f.subcode.as_deref(), Some("ter:ActionNotSupported"));
        let junk = onvif_response("POST", SERVICE_PATH, b"junk");
        let (status, body) = body_of(&junk);
        assert_eq!(status, 400);
        assert!(onvif::parse_device_information(body).is_ok());
        assert_eq!(body_of(&onvif_response("GET", SERVICE_PATH, b"")).0, 405);
        assert_eq!(
            body_of(&onvif_response("POST", "/", GDI_REQUEST_ZEEP)).0,
            404
        );
    }

    #[tokio::test]
    async fn loops_answer_over_real_sockets() {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let udp = UdpSocket::bind("127.88.2.31:0").await.unwrap();
        let wsd_addr = udp.local_addr().unwrap();
        let http = tokio::net::TcpListener::bind("127.88.2.31:0")
            .await
            .unwrap();
        let http_addr = http.local_addr().unwrap();
        tokio::spawn(run_wsd(udp, XADDR.to_string()));
        tokio::spawn(async move {
            let (s, _) = http.accept().await.unwrap();
            serve_onvif(s).await;
        });
        let client = UdpSocket::bind("127.88.2.31:0").await.unwrap();
        client
            .send_to(&onvif::encode_probe("urn:uuid:7"), wsd_addr)
            .await
            .unwrap();
        let mut buf = [0u8; 4096];
        let (n, _) = tokio::time::timeout(Duration::from_secs(2), client.recv_from(&mut buf))
            .await
            .unwrap()
            .unwrap();
        assert!(onvif::parse_probe_matches(&buf[..n], "urn:uuid:7").is_ok());
        let body = onvif::encode_get_device_information();
        let mut s = TcpStream::connect(http_addr).await.unwrap();
        let mut req = format!(
            "POST /onvif/device_service HTTP/1.1\r\nHost: x\r\nContent-Length: {}\r\n\r\n",
            body.len()
        )
        .into_bytes();
        req.extend_from_slice(&body);
        s.write_all(&req).await.unwrap();
        let mut raw = Vec::new();
        s.read_to_end(&mut raw).await.unwrap();
        let (status, body) = body_of(&raw);
        assert_eq!(status, 200);
        assert_eq!(
            onvif::parse_device_information(body).unwrap(),
            DeviceInfoReply::Info(device_information())
        );
    }
}
