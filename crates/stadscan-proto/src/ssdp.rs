//! SSDP (UPnP discovery over HTTPU) messages and UPnP device descriptions.
//! The scanner sends one unicast M-SEARCH to the device it probes and reads
//! the description the answer points at; the lab answers both.

use super::http::{self, ResponseHead};
use super::xml;
use super::{ParseError, excerpt, malformed};

/// What every SSDP search carries in MAN (quotes included).
pub const DISCOVER: &str = "\"ssdp:discover\"";
/// Search target for every device and service.
pub const ST_ALL: &str = "ssdp:all";
/// Search target for root devices only.
pub const ST_ROOT_DEVICE: &str = "upnp:rootdevice";
/// Longest header value kept from an answer.
const MAX_VALUE: usize = 512;

/// An M-SEARCH request (`HOST` is `addr:port`; `mx` 0 leaves MX out, as UPnP
/// 2.0 asks for unicast searches).
pub fn encode_msearch(host: &str, st: &str, mx: u8) -> Vec<u8> {
    let mx_text = mx.to_string();
    let mut headers: Vec<(&str, &str)> = vec![("HOST", host), ("MAN", DISCOVER)];
    if mx > 0 {
        headers.push(("MX", &mx_text));
    }
    headers.push(("ST", st));
    http::encode_request("M-SEARCH", "*", "HTTP/1.1", &headers)
}

/// An M-SEARCH as a device sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Search {
    /// Search target (ST), trimmed.
    pub st: String,
    /// MX, the most seconds the device may wait before answering; `None` when absent or not a number.
    pub mx: Option<u8>,
}

/// Parses an M-SEARCH (`M-SEARCH * HTTP/1.1` with `MAN: "ssdp:discover"` and an ST).
pub fn parse_msearch(buf: &[u8]) -> Result<Search, ParseError> {
    let head = http::parse_request_head(buf)?;
    if !head.method.eq_ignore_ascii_case("M-SEARCH") || head.target != "*" {
        return Err(malformed(
            "request line",
            format!(
                "not an M-SEARCH: {} {}",
                excerpt(&head.method),
                excerpt(&head.target)
            ),
        ));
    }
    if head.header("man").map(str::trim) != Some(DISCOVER) {
        return Err(malformed("MAN", "not \"ssdp:discover\""));
    }
    let st = head
        .header("st")
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .ok_or_else(|| malformed("ST", "missing"))?;
    let mx = head.header("mx").and_then(|v| v.trim().parse().ok());
    Ok(Search {
        st: st.to_string(),
        mx,
    })
}

/// Which kind of SSDP message announced the device.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Kind {
    /// `HTTP/1.1 200 OK` to an M-SEARCH.
    SearchResponse,
    /// `NOTIFY * HTTP/1.1`, with its NTS (`ssdp:alive`, `ssdp:byebye`...).
    Notify {
        /// NTS, the notification subtype; `None` when absent or empty.
        nts: Option<String>,
    },
}

/// The headers of an M-SEARCH answer or a NOTIFY that identify a device.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Announcement {
    /// Whether an M-SEARCH answer or a NOTIFY brought these headers.
    pub kind: Kind,
    /// LOCATION: the URL of the device description.
    pub location: Option<String>,
    /// SERVER: typically "OS/version UPnP/x.y product/version".
    pub server: Option<String>,
    /// ST of an answer, NT of a NOTIFY.
    pub st: Option<String>,
    /// USN, the unique service name ("uuid:...", possibly with "::" and a type).
    pub usn: Option<String>,
    /// CACHE-CONTROL, normally "max-age=N" seconds for which the announcement holds.
    pub cache_control: Option<String>,
}

/// Parses an M-SEARCH answer or a NOTIFY. A status other than 200, or a
/// message with none of ST/NT, USN and LOCATION, is not SSDP (`Malformed`).
pub fn parse_announcement(buf: &[u8]) -> Result<Announcement, ParseError> {
    let notify = buf.len() >= 7 && buf[..7].eq_ignore_ascii_case(b"NOTIFY ");
    let (kind, headers) = if notify {
        let head = http::parse_request_head(buf)?;
        if head.target != "*" {
            return Err(malformed("request line", "NOTIFY target is not *"));
        }
        let nts = value(&head.headers, "nts");
        (Kind::Notify { nts }, head.headers)
    } else {
        let ResponseHead {
            protocol,
            status,
            headers,
            ..
        } = http::parse_response_head(buf)?;
        if !protocol.starts_with("HTTP/") || status != 200 {
            return Err(malformed(
                "status line",
                format!("{} {status} is not an SSDP answer", excerpt(&protocol)),
            ));
        }
        (Kind::SearchResponse, headers)
    };
    let st_name = if notify { "nt" } else { "st" };
    let a = Announcement {
        kind,
        location: value(&headers, "location"),
        server: value(&headers, "server"),
        st: value(&headers, st_name),
        usn: value(&headers, "usn"),
        cache_control: value(&headers, "cache-control"),
    };
    if a.st.is_none() && a.usn.is_none() && a.location.is_none() {
        return Err(malformed("ssdp headers", "none of ST/NT, USN, LOCATION"));
    }
    Ok(a)
}

fn value(headers: &[(String, String)], name: &str) -> Option<String> {
    headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.trim().chars().take(MAX_VALUE).collect::<String>())
        .filter(|v| !v.is_empty())
}

/// An M-SEARCH answer as a device sends it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchResponse<'a> {
    /// ST: the search target this answer matches.
    pub st: &'a str,
    /// USN: the unique service name.
    pub usn: &'a str,
    /// LOCATION: the URL of the device description.
    pub location: &'a str,
    /// SERVER: the OS, UPnP version and product tokens.
    pub server: &'a str,
    /// Seconds the answer stays valid, sent as CACHE-CONTROL max-age.
    pub max_age: u32,
}

/// The answer with exactly CACHE-CONTROL, EXT, LOCATION, SERVER, ST and USN; line breaks in values are removed.
pub fn encode_search_response(r: &SearchResponse<'_>) -> Vec<u8> {
    let cache = format!("max-age={}", r.max_age);
    // No body, so no Content-Length either: UDA lists exactly these headers.
    let mut out = String::from("HTTP/1.1 200 OK\r\n");
    for (n, v) in [
        ("CACHE-CONTROL", cache.as_str()),
        ("EXT", ""),
        ("LOCATION", r.location),
        ("SERVER", r.server),
        ("ST", r.st),
        ("USN", r.usn),
    ] {
        out.push_str(n);
        out.push_str(": ");
        out.extend(super::one_line(v));
        out.push_str("\r\n");
    }
    out.push_str("\r\n");
    out.into_bytes()
}

/// The root device's identity from a UPnP device description (fields of an
/// embedded device are never taken for the root's). Empty fields are `None`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DeviceDescription {
    /// `deviceType`, a URN such as "urn:schemas-upnp-org:device:MediaRenderer:1".
    pub device_type: Option<String>,
    /// `friendlyName`, the name meant for people.
    pub friendly_name: Option<String>,
    /// `manufacturer`: the maker's name.
    pub manufacturer: Option<String>,
    /// `manufacturerURL`: the maker's web site.
    pub manufacturer_url: Option<String>,
    /// `modelDescription`: a longer description of the model, meant for people.
    pub model_description: Option<String>,
    /// `modelName`: the model's name as the maker gives it.
    pub model_name: Option<String>,
    /// `modelNumber`: the model's number or version.
    pub model_number: Option<String>,
    /// `serialNumber`: this unit's serial number.
    pub serial_number: Option<String>,
    /// `UDN`, the unique device name ("uuid:...").
    pub udn: Option<String>,
    /// `presentationURL`, the device's web interface, possibly relative to the description.
    pub presentation_url: Option<String>,
}

/// Element names of the description fields, in the schema's order.
const FIELDS: [&str; 10] = [
    "deviceType",
    "friendlyName",
    "manufacturer",
    "manufacturerURL",
    "modelDescription",
    "modelName",
    "modelNumber",
    "serialNumber",
    "UDN",
    "presentationURL",
];

impl DeviceDescription {
    fn field_mut(&mut self, name: &str) -> Option<&mut Option<String>> {
        Some(match name {
            "deviceType" => &mut self.device_type,
            "friendlyName" => &mut self.friendly_name,
            "manufacturer" => &mut self.manufacturer,
            "manufacturerURL" => &mut self.manufacturer_url,
            "modelDescription" => &mut self.model_description,
            "modelName" => &mut self.model_name,
            "modelNumber" => &mut self.model_number,
            "serialNumber" => &mut self.serial_number,
            "UDN" => &mut self.udn,
            "presentationURL" => &mut self.presentation_url,
            _ => return None,
        })
    }

    fn field(&self, name: &str) -> Option<&str> {
        match name {
            "deviceType" => self.device_type.as_deref(),
            "friendlyName" => self.friendly_name.as_deref(),
            "manufacturer" => self.manufacturer.as_deref(),
            "manufacturerURL" => self.manufacturer_url.as_deref(),
            "modelDescription" => self.model_description.as_deref(),
            "modelName" => self.model_name.as_deref(),
            "modelNumber" => self.model_number.as_deref(),
            "serialNumber" => self.serial_number.as_deref(),
            "UDN" => self.udn.as_deref(),
            "presentationURL" => self.presentation_url.as_deref(),
            _ => None,
        }
    }
}

/// Parses `<root><device>...</device></root>`: the `device` that is a direct
/// child of `root`. Another document (an HTML page, a SOAP answer) is `Malformed`.
pub fn parse_description(doc: &[u8]) -> Result<DeviceDescription, ParseError> {
    let d = xml::parse(doc)?;
    let root = d.root();
    if d.name(root) != "root" {
        return Err(malformed(
            "device description",
            format!("root element is {}", excerpt(d.name(root))),
        ));
    }
    let device = d
        .child(root, "device")
        .ok_or_else(|| malformed("device description", "no device element"))?;
    let mut out = DeviceDescription::default();
    for name in FIELDS {
        let text = d
            .child_text(device, name)
            .map(|t| t.chars().take(MAX_VALUE).collect());
        if let Some(slot) = out.field_mut(name) {
            *slot = text;
        }
    }
    Ok(out)
}

/// A UPnP 1.0 description of one root device without services.
pub fn encode_description(desc: &DeviceDescription) -> Vec<u8> {
    let mut out = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
         <root xmlns=\"urn:schemas-upnp-org:device-1-0\">\n\
         <specVersion><major>1</major><minor>0</minor></specVersion>\n<device>\n",
    );
    for name in FIELDS {
        if let Some(v) = desc.field(name) {
            out.push_str(&format!("<{name}>{}</{name}>\n", xml::escape(v)));
        }
    }
    out.push_str("</device>\n</root>\n");
    out.into_bytes()
}

#[cfg(any(test, feature = "test-support"))]
pub mod captures {
    //! Bytes from async-upnp-client 0.49.0 (Python, Home Assistant's UPnP
    //! library) running its `UpnpServer` on 127.0.0.1:1900 (SSDP) and
    //! 127.0.0.1:8200 (HTTP) inside a private network namespace holding only
    //! `lo`; the searches were sent unicast to 127.0.0.1:1900.

    /// The M-SEARCH its client side builds (`build_ssdp_search_packet`, ST upnp:rootdevice, MX 1).
    pub const MSEARCH_ROOTDEVICE: &[u8] = concat!(
        "M-SEARCH * HTTP/1.1\r\n",
        "HOST:239.255.255.250:1900\r\n",
        "MAN:\"ssdp:discover\"\r\n",
        "MX:1\r\n",
        "ST:upnp:rootdevice\r\n",
        "\r\n",
    )
    .as_bytes();

    /// Its answer to that M-SEARCH.
    pub const RESPONSE_ROOTDEVICE: &[u8] =
        include_bytes!("../../../tests/data/captures/ssdp-response-rootdevice.txt");

    /// The fifth of its five answers to `ssdp:all`: the embedded device's type.
    pub const RESPONSE_EMBEDDED_TYPE: &[u8] = concat!(
        "HTTP/1.1 200 OK\r\n",
        "CACHE-CONTROL:max-age=1800\r\n",
        "DATE:Sun, 29 Nov 2026 06:19:30 GMT\r\n",
        "SERVER:async-upnp-client/0.49.0 UPnP/2.0 Server/1.0\r\n",
        "ST:urn:schemas-upnp-org:device:MediaServer:1\r\n",
        "USN:uuid:aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee::urn:schemas-upnp-org:device:MediaServer:1\r\n",
        "EXT:\r\n",
        "LOCATION:http://127.0.0.1:8200/device.xml\r\n",
        "BOOTID.UPNP.ORG:1\r\n",
        "CONFIGID.UPNP.ORG:1\r\n",
        "\r\n",
)
    .as_bytes();

    /// The first ssdp:alive its announcer builds for the same device (`_build_advertisements`, formatted by `build_ssdp_packet`; built by the library, not taken off the wire).
    pub const NOTIFY_ALIVE: &[u8] =
        include_bytes!("../../../tests/data/captures/ssdp-notify-alive.txt");

    /// Its device description (GET /device.xml): a root device with one embedded device.
    pub const DESCRIPTION: &[u8] =
        include_bytes!("../../../tests/data/captures/upnp-description.xml");
}

#[cfg(test)]
mod tests {
    use super::captures::*;
    use super::*;
    use crate::fuzz;

    #[test]
    fn encodes_a_unicast_msearch_that_parses_back() {
        let raw = encode_msearch("127.0.0.1:1900", ST_ALL, 1);
        assert_eq!(
            raw,
            b"M-SEARCH * HTTP/1.1\r\nHOST: 127.0.0.1:1900\r\nMAN: \"ssdp:discover\"\r\n\
              MX: 1\r\nST: ssdp:all\r\n\r\n"
        );
        assert_eq!(
            parse_msearch(&raw).unwrap(),
            Search {
                st: ST_ALL.into(),
                mx: Some(1)
            }
        );
        let no_mx = encode_msearch("[::1]:1900", "upnp:rootdevice\r\nX: y", 0);
        assert!(!String::from_utf8_lossy(&no_mx).contains("MX"));
        assert_eq!(parse_msearch(&no_mx).unwrap().st, "upnp:rootdeviceX: y");
    }

    #[test]
    fn parses_the_msearch_async_upnp_client_sends() {
        assert_eq!(
            parse_msearch(MSEARCH_ROOTDEVICE).unwrap(),
            Search {
                st: ST_ROOT_DEVICE.into(),
                mx: Some(1)
            }
        );
    }

    #[test]
    fn rejects_searches_without_discover_or_target() {
        let no_man = b"M-SEARCH * HTTP/1.1\r\nHOST: a:1900\r\nST: ssdp:all\r\n\r\n";
        let no_st = b"M-SEARCH * HTTP/1.1\r\nMAN: \"ssdp:discover\"\r\n\r\n";
        let get = b"GET / HTTP/1.1\r\nMAN: \"ssdp:discover\"\r\nST: ssdp:all\r\n\r\n";
        for bad in [&no_man[..], no_st, get] {
            assert!(matches!(
                parse_msearch(bad),
                Err(ParseError::Malformed { .. })
            ));
        }
        assert_eq!(
            parse_msearch(&MSEARCH_ROOTDEVICE[..20]),
            Err(ParseError::Incomplete)
        );
    }

    #[test]
    fn parses_async_upnp_client_search_responses() {
        let a = parse_announcement(RESPONSE_ROOTDEVICE).unwrap();
        assert_eq!(a.kind, Kind::SearchResponse);
        assert_eq!(
            a.location.as_deref(),
            Some("http://127.0.0.1:8200/device.xml")
        );
        assert_eq!(
            a.server.as_deref(),
            Some("async-upnp-client/0.49.0 UPnP/2.0 Server/1.0")
        );
        assert_eq!(a.st.as_deref(), Some("upnp:rootdevice"));
        assert_eq!(
            a.usn.as_deref(),
            Some("uuid:aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee::upnp:rootdevice")
        );
        assert_eq!(a.cache_control.as_deref(), Some("max-age=1800"));
        let e = parse_announcement(RESPONSE_EMBEDDED_TYPE).unwrap();
        assert_eq!(
            e.st.as_deref(),
            Some("urn:schemas-upnp-org:device:MediaServer:1")
        );
    }

    #[test]
    fn parses_a_notify_with_nt_as_the_target() {
        let a = parse_announcement(NOTIFY_ALIVE).unwrap();
        assert_eq!(
            a.kind,
            Kind::Notify {
                nts: Some("ssdp:alive".into())
            }
        );
        assert_eq!(a.st.as_deref(), Some("upnp:rootdevice"));
        assert_eq!(
            a.location.as_deref(),
            Some("http://127.0.0.1:8200/device.xml")
        );
    }

    #[test]
    fn truncated_announcements_are_incomplete() {
        for msg in [RESPONSE_ROOTDEVICE, NOTIFY_ALIVE] {
            for end in 0..msg.len() - 1 {
                let r = parse_announcement(&msg[..end]);
                assert!(
                    r == Err(ParseError::Incomplete)
                        || matches!(r, Err(ParseError::Malformed { .. })),
                    "cut at {end}: {r:?}"
                );
            }
            assert_eq!(
                parse_announcement(&msg[..msg.len() - 2]),
                Err(ParseError::Incomplete)
            );
        }
    }

    #[test]
    fn rejects_answers_that_are_not_ssdp() {
        for bad in [
            &b"HTTP/1.1 404 Not Found\r\nST: x\r\n\r\n"[..],
            b"RTSP/1.0 200 OK\r\nST: x\r\n\r\n",
            b"HTTP/1.1 200 OK\r\nServer: lighttpd\r\n\r\n",
            b"NOTIFY /x HTTP/1.1\r\nNT: a\r\n\r\n",
            b"\x30\x82\x01\x00\x02\x01\x01\r\n\r\n",
        ] {
            assert!(
                matches!(parse_announcement(bad), Err(ParseError::Malformed { .. })),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn search_response_round_trips_and_resists_header_injection() {
        let raw = encode_search_response(&SearchResponse {
            st: "upnp:rootdevice",
            usn: "uuid:1::upnp:rootdevice",
            location: "http://127.0.0.1:49152/description.xml\r\nX-Evil: 1",
            server: "Linux/4.9 UPnP/1.0 lab/1",
            max_age: 1800,
        });
        let a = parse_announcement(&raw).unwrap();
        assert_eq!(
            a.location.as_deref(),
            Some("http://127.0.0.1:49152/description.xmlX-Evil: 1")
        );
        assert_eq!(a.cache_control.as_deref(), Some("max-age=1800"));
        assert_eq!(a.usn.as_deref(), Some("uuid:1::upnp:rootdevice"));
    }

    #[test]
    fn takes_the_root_device_fields_not_the_embedded_ones() {
        let d = parse_description(DESCRIPTION).unwrap();
        assert_eq!(
            d,
            DeviceDescription {
                device_type: Some("urn:schemas-upnp-org:device:Basic:1".into()),
                friendly_name: Some("Kade <12> camera & NVR".into()),
                manufacturer: Some("Demo Vision".into()),
                manufacturer_url: Some("http://www.example.com/".into()),
                model_description: Some("Network video recorder".into()),
                model_name: Some("DV-NVR 8".into()),
                model_number: Some("4.1.7".into()),
                serial_number: Some("DV8-0042".into()),
                udn: Some("uuid:aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee".into()),
                presentation_url: Some("http://127.0.0.1:8200/".into()),
            }
        );
    }

    #[test]
    fn an_embedded_device_listed_first_is_still_not_the_root() {
        let doc = b"<root><device><deviceList><device><friendlyName>inner</friendlyName>\
            </device></deviceList><friendlyName>outer</friendlyName></device></root>";
        let d = parse_description(doc).unwrap();
        assert_eq!(d.friendly_name.as_deref(), Some("outer"));
        assert_eq!(d.manufacturer, None);
    }

    #[test]
    fn description_round_trips() {
        let d = parse_description(DESCRIPTION).unwrap();
        assert_eq!(parse_description(&encode_description(&d)).unwrap(), d);
    }

    #[test]
    fn rejects_documents_that_are_not_descriptions() {
        for bad in [
            &b"<html><head><title>x</title></head></html>"[..],
            b"<root><specVersion/></root>",
            b"<root><device>",
            b"not xml",
        ] {
            assert!(parse_description(bad).is_err(), "{bad:?}");
        }
        assert_eq!(
            parse_description(&DESCRIPTION[..DESCRIPTION.len() - 10]),
            Err(ParseError::Incomplete)
        );
    }

    #[test]
    fn parsers_never_panic_on_random_or_mutated_input() {
        for input in fuzz::mutations(&[RESPONSE_ROOTDEVICE, NOTIFY_ALIVE, MSEARCH_ROOTDEVICE]) {
            let _ = parse_announcement(&input);
            let _ = parse_msearch(&input);
        }
        for input in fuzz::mutations(&[&DESCRIPTION[..400]]) {
            let _ = parse_description(&input);
        }
    }
}
