//! Lab UPnP device: the NVR at the quay answering SSDP searches and serving
//! its device description. Its firmware version is in modelNumber, as many
//! NVRs put it there.

use tokio::io::AsyncWriteExt;
use tokio::net::{TcpStream, UdpSocket};

use super::{READ_TIMEOUT, read_more};
use crate::proto::ParseError;
use crate::proto::http::{self, RequestHead};
use crate::proto::ssdp::{self, DeviceDescription, SearchResponse};

pub(crate) const DEVICE_TYPE: &str = "urn:schemas-upnp-org:device:Basic:1";
pub(crate) const UDN: &str = "uuid:2a5f3e1c-7b8d-4e6f-9a0b-1c2d3e4f5a6b";
pub(crate) const SERVER: &str = "Linux/4.9.37, UPnP/1.0, DS-7608NI-K2/V4.30.085";
pub(crate) const FRIENDLY_NAME: &str = "NVR Kade 12";
pub(crate) const MANUFACTURER: &str = "Hikvision";
pub(crate) const MODEL_NAME: &str = "DS-7608NI-K2";
/// The firmware version, where this NVR reports it.
pub(crate) const MODEL_NUMBER: &str = "V4.30.085 build 200916";
pub(crate) const SERIAL_NUMBER: &str = "DS-7608NI-K20820200916CCRRE12345678WCVU";
const DESCRIPTION_PATH: &str = "/description.xml";
const MAX_AGE: u32 = 1800;
/// Largest request (head and body) the description server reads.
pub(super) const MAX_REQUEST: usize = 64 * 1024;

/// Answers M-SEARCH datagrams on `socket`; `location` is the description URL.
pub(crate) async fn run_ssdp(socket: UdpSocket, location: String) {
    crate::udp::serve(socket, "ssdp", 65536, |datagram| {
        ssdp_reply(datagram, &location)
    })
    .await;
}

/// The answer to one datagram: one response for `ssdp:all`,
/// `upnp:rootdevice`, the device type or the UDN; silence for anything else.
pub(crate) fn ssdp_reply(packet: &[u8], location: &str) -> Option<Vec<u8>> {
    let search = ssdp::parse_msearch(packet).ok()?;
    let st = search.st.as_str();
    let (st, usn) = if st == ssdp::ST_ALL || st == ssdp::ST_ROOT_DEVICE {
        (
            ssdp::ST_ROOT_DEVICE,
            format!("{UDN}::{}", ssdp::ST_ROOT_DEVICE),
        )
    } else if st == DEVICE_TYPE {
        (DEVICE_TYPE, format!("{UDN}::{DEVICE_TYPE}"))
    } else if st == UDN {
        (UDN, UDN.to_string())
    } else {
        return None;
    };
    Some(ssdp::encode_search_response(&SearchResponse {
        st,
        usn: &usn,
        location,
        server: SERVER,
        max_age: MAX_AGE,
    }))
}

pub(crate) fn description() -> DeviceDescription {
    DeviceDescription {
        device_type: Some(DEVICE_TYPE.into()),
        friendly_name: Some(FRIENDLY_NAME.into()),
        manufacturer: Some(MANUFACTURER.into()),
        manufacturer_url: Some("http://www.hikvision.com".into()),
        model_description: Some("Network Video Recorder".into()),
        model_name: Some(MODEL_NAME.into()),
        model_number: Some(MODEL_NUMBER.into()),
        serial_number: Some(SERIAL_NUMBER.into()),
        udn: Some(UDN.into()),
        presentation_url: Some("/".into()),
    }
}

/// Reads one HTTP request (head and Content-Length body). `None` when the
/// peer closes, stalls, or sends something that is not a request.
pub(super) async fn read_request(stream: &mut TcpStream) -> Option<(RequestHead, Vec<u8>)> {
    let mut buf = Vec::with_capacity(1024);
    let head = loop {
        match http::parse_request_head(&buf) {
            Ok(h) => break h,
            Err(ParseError::Incomplete) => {
                if !read_more(stream, &mut buf, MAX_REQUEST, READ_TIMEOUT).await {
                    return None;
                }
            }
            Err(_) => return None,
        }
    };
    let len = match head.header("content-length") {
        None => 0,
        Some(v) => v.trim().parse::<usize>().ok()?,
    };
    let total = head.head_len.checked_add(len)?;
    if total > MAX_REQUEST || head.header("transfer-encoding").is_some() {
        return None;
    }
    while buf.len() < total {
        if !read_more(stream, &mut buf, total, READ_TIMEOUT).await {
            return None;
        }
    }
    let body = buf[head.head_len..total].to_vec();
    Some((head, body))
}

/// Serves one request: GET (or HEAD) of the description, 404 elsewhere.
pub(crate) async fn serve_description(mut stream: TcpStream) {
    let reply = match read_request(&mut stream).await {
        Some((head, _)) => description_response(&head),
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

fn description_response(head: &RequestHead) -> Vec<u8> {
    let method = head.method.to_ascii_uppercase();
    let path = head.target.split('?').next().unwrap_or("");
    let headers_for = |ct: &'static str| {
        vec![
            ("Server", SERVER),
            ("Content-Type", ct),
            ("Connection", "close"),
        ]
    };
    if method != "GET" && method != "HEAD" {
        let mut h = headers_for("text/plain");
        h.push(("Allow", "GET, HEAD"));
        return http::encode_response("HTTP/1.1", 405, "Method Not Allowed", &h, b"");
    }
    if path != DESCRIPTION_PATH {
        return http::encode_response(
            "HTTP/1.1",
            404,
            "Not Found",
            &headers_for("text/plain"),
            b"not found\n",
        );
    }
    let body = ssdp::encode_description(&description());
    let body: &[u8] = if method == "HEAD" { b"" } else { &body };
    http::encode_response(
        "HTTP/1.1",
        200,
        "OK",
        &headers_for("text/xml; charset=\"utf-8\""),
        body,
    )
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::proto::ssdp::captures::MSEARCH_ROOTDEVICE;

    const LOCATION: &str = "http://127.42.0.30:49152/description.xml";

    #[test]
    fn answers_async_upnp_clients_search_with_its_root_device() {
        let reply = ssdp_reply(MSEARCH_ROOTDEVICE, LOCATION).unwrap();
        let a = ssdp::parse_announcement(&reply).unwrap();
        assert_eq!(a.st.as_deref(), Some("upnp:rootdevice"));
        assert_eq!(a.usn, Some(format!("{UDN}::upnp:rootdevice")));
        assert_eq!(a.location.as_deref(), Some(LOCATION));
        assert_eq!(a.server.as_deref(), Some(SERVER));
    }

    #[test]
    fn answers_all_its_type_and_udn_and_ignores_the_rest() {
        for st in [ssdp::ST_ALL, DEVICE_TYPE, UDN] {
            let search = ssdp::encode_msearch("127.42.0.30:1900", st, 1);
            assert!(ssdp_reply(&search, LOCATION).is_some(), "{st}");
        }
        let other = ssdp::encode_msearch(
            "127.42.0.30:1900",
            "urn:dial-multiscreen-org:service:dial:1",
            1,
        );
        assert_eq!(ssdp_reply(&other, LOCATION), None);
        assert_eq!(ssdp_reply(b"garbage", LOCATION), None);
        let reply = ssdp_reply(&ssdp::encode_msearch("h", UDN, 0), LOCATION).unwrap();
        assert_eq!(
            ssdp::parse_announcement(&reply).unwrap().usn.as_deref(),
            Some(UDN)
        );
    }

    #[test]
    fn description_names_the_nvr_and_its_firmware() {
        let head =
            http::parse_request_head(b"GET /description.xml HTTP/1.1\r\nHost: x\r\n\r\n").unwrap();
        let raw = description_response(&head);
        let resp = http::parse_response_head(&raw).unwrap();
        assert_eq!(resp.status, 200);
        let d = ssdp::parse_description(&raw[resp.head_len..]).unwrap();
        assert_eq!(d, description());
        assert_eq!(d.model_number.as_deref(), Some(MODEL_NUMBER));
        let head = http::parse_request_head(b"GET / HTTP/1.1\r\n\r\n").unwrap();
        assert!(description_response(&head).starts_with(b"HTTP/1.1 404"));
        let head = http::parse_request_head(b"POST /description.xml HTTP/1.1\r\n\r\n").unwrap();
        assert!(description_response(&head).starts_with(b"HTTP/1.1 405"));
    }

    #[tokio::test]
    async fn loops_answer_over_real_sockets() {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let udp = UdpSocket::bind("127.88.2.30:0").await.unwrap();
        let http = tokio::net::TcpListener::bind("127.88.2.30:0")
            .await
            .unwrap();
        let ssdp_addr = udp.local_addr().unwrap();
        let location = format!("http://{}/description.xml", http.local_addr().unwrap());
        let http_addr = http.local_addr().unwrap();
        tokio::spawn(run_ssdp(udp, location.clone()));
        tokio::spawn(async move {
            let (s, _) = http.accept().await.unwrap();
            serve_description(s).await;
        });
        let client = UdpSocket::bind("127.88.2.30:0").await.unwrap();
        client.send_to(MSEARCH_ROOTDEVICE, ssdp_addr).await.unwrap();
        let mut buf = [0u8; 2048];
        let (n, _) = tokio::time::timeout(Duration::from_secs(2), client.recv_from(&mut buf))
            .await
            .unwrap()
            .unwrap();
        let a = ssdp::parse_announcement(&buf[..n]).unwrap();
        assert_eq!(a.location, Some(location));
        let mut s = TcpStream::connect(http_addr).await.unwrap();
        s.write_all(b"GET /description.xml HTTP/1.1\r\nHost: x\r\n\r\n")
            .await
            .unwrap();
        let mut raw = Vec::new();
        s.read_to_end(&mut raw).await.unwrap();
        let head = http::parse_response_head(&raw).unwrap();
        let d = ssdp::parse_description(&raw[head.head_len..]).unwrap();
        assert_eq!(d.manufacturer.as_deref(), Some(MANUFACTURER));
    }
}
