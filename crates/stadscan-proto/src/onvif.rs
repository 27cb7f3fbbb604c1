//! WS-Discovery (the 2005/04 draft ONVIF uses) probes and the ONVIF device
//! service's GetDeviceInformation, both SOAP 1.2. The scanner probes one
//! camera by unicast and asks it who it is without credentials; the lab
//! camera answers both.

use super::xml::{self, Document, Element};
use super::{ParseError, excerpt, malformed};

/// Namespace of SOAP 1.2 envelopes.
pub const NS_SOAP: &str = "http://www.w3.org/2003/05/soap-envelope";
/// Namespace of WS-Addressing (2004/08), for MessageID, RelatesTo, To and Action headers.
pub const NS_ADDRESSING: &str = "http://schemas.xmlsoap.org/ws/2004/08/addressing";
/// Namespace of WS-Discovery (2005/04 draft), for Probe and ProbeMatches.
pub const NS_DISCOVERY: &str = "http://schemas.xmlsoap.org/ws/2005/04/discovery";
/// Namespace of ONVIF network types, whose `NetworkVideoTransmitter` a Probe asks for.
pub const NS_NETWORK: &str = "http://www.onvif.org/ver10/network/wsdl";
/// Namespace of the ONVIF device service (GetDeviceInformation and its response).
pub const NS_DEVICE: &str = "http://www.onvif.org/ver10/device/wsdl";
/// Namespace of ONVIF fault subcodes such as `ter:NotAuthorized`.
pub const NS_ERROR: &str = "http://www.onvif.org/ver10/error";
/// Where a WS-Discovery answer goes back to: the sender of the request.
const ANONYMOUS: &str = "http://schemas.xmlsoap.org/ws/2004/08/addressing/role/anonymous";
/// The well-known address a Probe is sent to.
const DISCOVERY_TO: &str = "urn:schemas-xmlsoap-org:ws:2005:04:discovery";
/// Prefix of ONVIF's scope URIs (`.../name/...`, `.../hardware/...`).
pub const SCOPE_PREFIX: &str = "onvif://www.onvif.org/";
/// Items kept from one space-separated list (types, scopes, addresses).
pub const MAX_ITEMS: usize = 32;
/// Characters kept from one item or field.
const MAX_ITEM_CHARS: usize = 512;

const ENVELOPE_OPEN: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";

/// A WS-Discovery Probe for ONVIF video transmitters, with `message_id`
/// (a fresh `urn:uuid:...`) that the answer's RelatesTo must repeat.
pub fn encode_probe(message_id: &str) -> Vec<u8> {
    format!(
        "{ENVELOPE_OPEN}<s:Envelope xmlns:s=\"{NS_SOAP}\" xmlns:a=\"{NS_ADDRESSING}\" \
         xmlns:d=\"{NS_DISCOVERY}\" xmlns:dn=\"{NS_NETWORK}\"><s:Header>\
         <a:Action s:mustUnderstand=\"1\">{NS_DISCOVERY}/Probe</a:Action>\
         <a:MessageID>{}</a:MessageID>\
         <a:ReplyTo><a:Address>{ANONYMOUS}</a:Address></a:ReplyTo>\
         <a:To s:mustUnderstand=\"1\">{DISCOVERY_TO}</a:To></s:Header>\
         <s:Body><d:Probe><d:Types>dn:NetworkVideoTransmitter</d:Types></d:Probe></s:Body>\
         </s:Envelope>",
        xml::escape(message_id)
    )
    .into_bytes()
}

/// A Probe as a device sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Probe {
    /// The header's MessageID, which the answer must repeat in RelatesTo.
    pub message_id: String,
    /// Qualified names as written (`dn:NetworkVideoTransmitter`); empty: any type.
    pub types: Vec<String>,
}

/// The SOAP envelope's Body, or `Malformed` when `doc` is no envelope.
fn body(d: &Document) -> Result<Element, ParseError> {
    let root = d.root();
    if d.name(root) != "Envelope" {
        return Err(malformed(
            "soap envelope",
            format!("root element is {}", excerpt(d.name(root))),
        ));
    }
    d.child(root, "Body")
        .ok_or_else(|| malformed("soap envelope", "no Body"))
}

fn header_text(d: &Document, name: &str) -> Option<String> {
    let header = d.child(d.root(), "Header")?;
    let e = d.descendants(header, name).next()?;
    Some(d.text(e).to_string()).filter(|t| !t.is_empty())
}

fn list(text: &str) -> Vec<String> {
    text.split_ascii_whitespace()
        .take(MAX_ITEMS)
        .map(|s| s.chars().take(MAX_ITEM_CHARS).collect())
        .collect()
}

fn field(d: &Document, parent: Element, name: &str) -> Option<String> {
    d.child_text(parent, name)
        .map(|t| t.chars().take(MAX_ITEM_CHARS).collect())
}

/// Parses a WS-Discovery Probe: a SOAP envelope with a Probe in its Body and a MessageID header.
pub fn parse_probe(doc: &[u8]) -> Result<Probe, ParseError> {
    let d = xml::parse(doc)?;
    let body = body(&d)?;
    let probe = d
        .child(body, "Probe")
        .ok_or_else(|| malformed("probe", "no Probe in the Body"))?;
    let message_id =
        header_text(&d, "MessageID").ok_or_else(|| malformed("MessageID", "missing"))?;
    let types = d
        .child(probe, "Types")
        .map(|t| list(d.text(t)))
        .unwrap_or_default();
    Ok(Probe { message_id, types })
}

/// One device's answer to a Probe.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProbeMatch {
    /// EndpointReference Address (usually `urn:uuid:...`).
    pub endpoint: Option<String>,
    /// Device types as qualified names, such as `dn:NetworkVideoTransmitter`.
    pub types: Vec<String>,
    /// Scope URIs as sent (still percent-encoded).
    pub scopes: Vec<String>,
    /// Device service URLs.
    pub xaddrs: Vec<String>,
    /// MetadataVersion, which a device increases when its metadata changes.
    pub metadata_version: Option<String>,
}

/// Parses ProbeMatches answering the probe `message_id`: RelatesTo must repeat
/// it (an answer to someone else's probe is `Malformed`). ProbeMatch elements
/// are taken wherever they sit in the Body (some cameras leave out the
/// ProbeMatches wrapper).
pub fn parse_probe_matches(doc: &[u8], message_id: &str) -> Result<Vec<ProbeMatch>, ParseError> {
    let d = xml::parse(doc)?;
    let body = body(&d)?;
    match header_text(&d, "RelatesTo") {
        Some(r) if r == message_id => {}
        Some(r) => {
            return Err(malformed(
                "RelatesTo",
                format!("{} is not our probe", excerpt(&r)),
            ));
        }
        None => return Err(malformed("RelatesTo", "missing")),
    }
    let matches: Vec<ProbeMatch> = d
        .descendants(body, "ProbeMatch")
        .take(MAX_ITEMS)
        .map(|m| ProbeMatch {
            endpoint: d
                .descendants(m, "Address")
                .next()
                .map(|a| d.text(a).chars().take(MAX_ITEM_CHARS).collect::<String>())
                .filter(|a| !a.is_empty()),
            types: d
                .child(m, "Types")
                .map(|t| list(d.text(t)))
                .unwrap_or_default(),
            scopes: d
                .child(m, "Scopes")
                .map(|t| list(d.text(t)))
                .unwrap_or_default(),
            xaddrs: d
                .child(m, "XAddrs")
                .map(|t| list(d.text(t)))
                .unwrap_or_default(),
            metadata_version: field(&d, m, "MetadataVersion"),
        })
        .collect();
    if matches.is_empty() {
        return Err(malformed("probe matches", "no ProbeMatch in the Body"));
    }
    Ok(matches)
}

/// The answer to a Probe (`relates_to` is the probe's MessageID).
pub fn encode_probe_matches(relates_to: &str, message_id: &str, m: &ProbeMatch) -> Vec<u8> {
    let join = |v: &[String]| xml::escape(&v.join(" "));
    let mut body = String::from("<d:ProbeMatches><d:ProbeMatch>");
    if let Some(e) = &m.endpoint {
        body.push_str(&format!(
            "<a:EndpointReference><a:Address>{}</a:Address></a:EndpointReference>",
            xml::escape(e)
        ));
    }
    body.push_str(&format!(
        "<d:Types>{}</d:Types><d:Scopes>{}</d:Scopes><d:XAddrs>{}</d:XAddrs>",
        join(&m.types),
        join(&m.scopes),
        join(&m.xaddrs)
    ));
    if let Some(v) = &m.metadata_version {
        body.push_str(&format!(
            "<d:MetadataVersion>{}</d:MetadataVersion>",
            xml::escape(v)
        ));
    }
    body.push_str("</d:ProbeMatch></d:ProbeMatches>");
    format!(
        "{ENVELOPE_OPEN}<s:Envelope xmlns:s=\"{NS_SOAP}\" xmlns:a=\"{NS_ADDRESSING}\" \
         xmlns:d=\"{NS_DISCOVERY}\" xmlns:dn=\"{NS_NETWORK}\" xmlns:tds=\"{NS_DEVICE}\">\
         <s:Header><a:Action>{NS_DISCOVERY}/ProbeMatches</a:Action>\
         <a:MessageID>{}</a:MessageID><a:RelatesTo>{}</a:RelatesTo>\
         <a:To>{ANONYMOUS}</a:To></s:Header><s:Body>{body}</s:Body></s:Envelope>",
        xml::escape(message_id),
        xml::escape(relates_to)
    )
    .into_bytes()
}

/// Values of the ONVIF scopes of one category (`name`, `hardware`,
/// `location`, `type`, `Profile`...), percent-decoded, in order.
/// `onvif://www.onvif.org/location/city/Demo%20City` under `location` gives
/// `city/Demo City`.
pub fn scope_values(scopes: &[String], category: &str) -> Vec<String> {
    scopes
        .iter()
        .filter_map(|s| {
            let head = s.get(..SCOPE_PREFIX.len())?;
            if !head.eq_ignore_ascii_case(SCOPE_PREFIX) {
                return None;
            }
            let rest = &s[SCOPE_PREFIX.len()..];
            let (cat, value) = rest.split_once('/')?;
            cat.eq_ignore_ascii_case(category)
                .then(|| percent_decode(value))
                .filter(|v| !v.is_empty())
        })
        .collect()
}

/// `%XX` to bytes, then UTF-8 (lossy); a `%` not followed by two hex digits stays.
pub fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let hex = |k: usize| b.get(k).and_then(|&c| (c as char).to_digit(16));
        match (b[i], hex(i + 1), hex(i + 2)) {
            (b'%', Some(h), Some(l)) => {
                out.push((h * 16 + l) as u8);
                i += 3;
            }
            (c, _, _) => {
                out.push(c);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// GetDeviceInformation without any credentials (no WS-Security header).
pub fn encode_get_device_information() -> Vec<u8> {
    format!(
        "{}<s:Envelope xmlns:s=\"{NS_SOAP}\"><s:Body>\
         <GetDeviceInformation xmlns=\"{NS_DEVICE}\"/></s:Body></s:Envelope>",
        ENVELOPE_OPEN.trim_end()
    )
    .into_bytes()
}

/// The local name of the operation in a request's Body (`GetDeviceInformation`).
pub fn request_operation(doc: &[u8]) -> Result<String, ParseError> {
    let d = xml::parse(doc)?;
    let body = body(&d)?;
    let op = d
        .first_child(body)
        .ok_or_else(|| malformed("soap body", "empty"))?;
    Ok(d.name(op).to_string())
}

/// The answer to GetDeviceInformation; an element that is absent or empty is `None`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DeviceInformation {
    /// `Manufacturer`: the maker's name.
    pub manufacturer: Option<String>,
    /// `Model`, the model name.
    pub model: Option<String>,
    /// `FirmwareVersion`, as free text in the maker's own format.
    pub firmware_version: Option<String>,
    /// `SerialNumber`, the unit's serial number.
    pub serial_number: Option<String>,
    /// `HardwareId`, the maker's hardware identifier.
    pub hardware_id: Option<String>,
}

/// A SOAP fault: `code` (`s:Sender`), the innermost `subcode`
/// (`ter:NotAuthorized`), the first reason text. SOAP 1.1 faults give
/// faultcode and faultstring.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fault {
    /// Fault code value, such as `s:Sender` (SOAP 1.1: `faultcode`).
    pub code: String,
    /// Innermost subcode value, such as `ter:NotAuthorized`; `None` in SOAP 1.1.
    pub subcode: Option<String>,
    /// First reason text (SOAP 1.1: `faultstring`).
    pub reason: Option<String>,
}

/// What came back for GetDeviceInformation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DeviceInfoReply {
    /// The device answered with its information.
    Info(DeviceInformation),
    /// The device answered with a SOAP fault, typically because credentials are required.
    Fault(Fault),
}

/// Parses a GetDeviceInformation response or a fault in its place.
pub fn parse_device_information(doc: &[u8]) -> Result<DeviceInfoReply, ParseError> {
    let d = xml::parse(doc)?;
    let body = body(&d)?;
    if let Some(fault) = d.descendants(body, "Fault").next() {
        return parse_fault(&d, fault).map(DeviceInfoReply::Fault);
    }
    let r = d
        .descendants(body, "GetDeviceInformationResponse")
        .next()
        .ok_or_else(|| malformed("device information", "no GetDeviceInformationResponse"))?;
    Ok(DeviceInfoReply::Info(DeviceInformation {
        manufacturer: field(&d, r, "Manufacturer"),
        model: field(&d, r, "Model"),
        firmware_version: field(&d, r, "FirmwareVersion"),
        serial_number: field(&d, r, "SerialNumber"),
        hardware_id: field(&d, r, "HardwareId"),
    }))
}

fn parse_fault(d: &Document, fault: Element) -> Result<Fault, ParseError> {
    let short = |t: String| -> String { t.chars().take(MAX_ITEM_CHARS).collect() };
    if let Some(code) = d.child(fault, "Code") {
        let value = d
            .child_text(code, "Value")
            .ok_or_else(|| malformed("fault", "Code without Value"))?;
        // Subcode nests inside Subcode; the innermost one is the most specific.
        let subcode = d
            .descendants(code, "Subcode")
            .filter_map(|s| d.child_text(s, "Value"))
            .last();
        let reason = d
            .child(fault, "Reason")
            .and_then(|r| d.descendants(r, "Text").next())
            .map(|t| d.text(t).to_string())
            .filter(|t| !t.is_empty());
        return Ok(Fault {
            code: short(value),
            subcode: subcode.map(short),
            reason: reason.map(short),
        });
    }
    let code = d
        .child_text(fault, "faultcode")
        .ok_or_else(|| malformed("fault", "no Code or faultcode"))?;
    Ok(Fault {
        code: short(code),
        subcode: None,
        reason: d.child_text(fault, "faultstring").map(short),
    })
}

fn envelope(body: &str) -> Vec<u8> {
    format!(
        "{ENVELOPE_OPEN}<s:Envelope xmlns:s=\"{NS_SOAP}\" xmlns:tds=\"{NS_DEVICE}\" \
         xmlns:ter=\"{NS_ERROR}\"><s:Body>{body}</s:Body></s:Envelope>"
    )
    .into_bytes()
}

/// A GetDeviceInformationResponse envelope; `None` fields are left out.
pub fn encode_device_information(info: &DeviceInformation) -> Vec<u8> {
    let mut body = String::from("<tds:GetDeviceInformationResponse>");
    for (name, v) in [
        ("Manufacturer", &info.manufacturer),
        ("Model", &info.model),
        ("FirmwareVersion", &info.firmware_version),
        ("SerialNumber", &info.serial_number),
        ("HardwareId", &info.hardware_id),
    ] {
        let v = v.as_deref().unwrap_or("");
        body.push_str(&format!("<tds:{name}>{}</tds:{name}>", xml::escape(v)));
    }
    body.push_str("</tds:GetDeviceInformationResponse>");
    envelope(&body)
}

/// A SOAP 1.2 fault; `code` and `subcode` are qualified names using the `s`
/// and `ter` prefixes the envelope declares.
pub fn encode_fault(f: &Fault) -> Vec<u8> {
    let sub = f
        .subcode
        .as_deref()
        .map(|s| {
            format!(
                "<s:Subcode><s:Value>{}</s:Value></s:Subcode>",
                xml::escape(s)
            )
        })
        .unwrap_or_default();
    let reason = xml::escape(f.reason.as_deref().unwrap_or(""));
    envelope(&format!(
        "<s:Fault><s:Code><s:Value>{}</s:Value>{sub}</s:Code>\
         <s:Reason><s:Text xml:lang=\"en\">{reason}</s:Text></s:Reason></s:Fault>",
        xml::escape(&f.code)
    ))
}

#[cfg(any(test, feature = "test-support"))]
pub mod captures {
    //! Bytes from real WS-Discovery and ONVIF implementations, each run inside
    //! a private network namespace holding only `lo`, talking on 127.0.0.x.

    /// python WSDiscovery 2.1.2 (`searchServices` with a NetworkVideoTransmitter type,
    /// unicast to 127.0.0.2:3702, read by a plain UDP socket there).
    pub const PROBE_WSDISCOVERY: &[u8] = concat!(
        "<?xml version=\"1.0\" ?>\n",
        "<s:Envelope xmlns:a=\"http://schemas.xmlsoap.org/ws/2004/08/addressing\" xmlns:d=\"http://schemas.xmlsoap.org/ws/2005/04/discovery\" xmlns:s=\"http://www.w3.org/2003/05/soap-envelope\" xmlns:dp0=\"http://www.onvif.org/ver10/network/wsdl\">\n",
        "\t<s:Header>\n",
        "\t\t<a:Action>http://schemas.xmlsoap.org/ws/2005/04/discovery/Probe</a:Action>\n",
        "\t\t<a:MessageID>urn:uuid:9b75624a-17c6-4944-81fd-90775e47fb42</a:MessageID>\n",
        "\t\t<a:To>urn:schemas-xmlsoap-org:ws:2005:04:discovery</a:To>\n",
        "\t</s:Header>\n",
        "\t<s:Body>\n",
        "\t\t<d:Probe>\n",
        "\t\t\t<d:Types>dp0:NetworkVideoTransmitter</d:Types>\n",
        "\t\t</d:Probe>\n",
        "\t</s:Body>\n",
        "</s:Envelope>\n",
)
    .as_bytes();

    /// python WSDiscovery 2.1.2 `ThreadedWSPublishing` on 127.0.0.1:3702 answering
    /// PROBE_WSDISCOVERY (its scopes, types and XAddr were given to `publishService`).
    pub const PROBE_MATCHES_WSDISCOVERY: &[u8] =
        include_bytes!("../../../tests/data/captures/onvif-probe-matches-wsdiscovery.xml");

    /// ipycam 1.3.0 (a Python virtual ONVIF camera) `WSDiscoveryServer` on
    /// 127.0.0.1:3702 answering PROBE_WSDISCOVERY: no ProbeMatches wrapper, the
    /// EndpointReference in the discovery namespace, a name scope with raw spaces.
    pub const PROBE_MATCH_IPYCAM: &[u8] = concat!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n",
        "<soap:Envelope xmlns:soap=\"http://www.w3.org/2003/05/soap-envelope\"\n",
        "               xmlns:wsa=\"http://schemas.xmlsoap.org/ws/2004/08/addressing\"\n",
        "               xmlns:d=\"http://schemas.xmlsoap.org/ws/2005/04/discovery\"\n",
        "               xmlns:dn=\"http://www.onvif.org/ver10/network/wsdl\"\n",
        "               xmlns:tds=\"http://www.onvif.org/ver10/device/wsdl\">\n",
        "    <soap:Header>\n",
        "        <wsa:To>http://schemas.xmlsoap.org/ws/2004/08/addressing/role/anonymous</wsa:To>\n",
        "        <wsa:Action>http://schemas.xmlsoap.org/ws/2005/04/discovery/ProbeMatch</wsa:Action>\n",
        "        <wsa:MessageID>urn:uuid:68cc5d2f-789b-4080-8c20-e0f0a9c66d75</wsa:MessageID>\n",
        "        <wsa:RelatesTo>urn:uuid:9b75624a-17c6-4944-81fd-90775e47fb42</wsa:RelatesTo>\n",
        "    </soap:Header>\n",
        "    <soap:Body>\n",
        "        <d:ProbeMatch>\n",
        "            <d:EndpointReference>",
        "<wsa:Address>urn:uuid:f4e0085d-506d-4b8f-b7ad-904ed6942c3a</wsa:Address>",
        "</d:EndpointReference>\n",
        "            <d:Types>dn:NetworkVideoTransmitter tds:Device</d:Types>\n",
        "            <d:Scopes>onvif://www.onvif.org/type/video_encoder onvif://www.onvif.org/Profile/Streaming onvif://www.onvif.org/name/Kade 12 Noord</d:Scopes>\n",
        "            <d:XAddrs>http://127.0.0.1:8080/onvif/device_service</d:XAddrs>\n",
        "            <d:MetadataVersion>1</d:MetadataVersion>\n",
        "        </d:ProbeMatch>\n",
        "    </soap:Body>\n",
        "</soap:Envelope>\n",
)
    .as_bytes();

    /// onvif-zeep 0.2.12 on zeep 4.3.3 calling GetDeviceInformation through a
    /// logging relay on 127.0.0.4:8080 (body only; an empty-user UsernameToken).
    pub const GDI_REQUEST_ZEEP: &[u8] = concat!(
        "<?xml version='1.0' encoding='utf-8'?>\n",
        "<soap-env:Envelope xmlns:soap-env=\"http://www.w3.org/2003/05/soap-envelope\">",
        "<soap-env:Header>",
        "<wsse:Security xmlns:wsse=\"http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd\">",
        "<wsse:UsernameToken><wsse:Username></wsse:Username>",
        "<wsse:Password Type=\"http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-username-token-profile-1.0#PasswordDigest\">IY8R0rLLZoNiGYJ5VMv5UWa0Ob0=</wsse:Password>",
        "<wsse:Nonce EncodingType=\"http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-soap-message-security-1.0#Base64Binary\">nzjLWwACoCoJZtWdKtt29Q==</wsse:Nonce>",
        "<wsu:Created xmlns:wsu=\"http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd\">2026-11-29T06:21:54+00:00</wsu:Created>",
        "</wsse:UsernameToken></wsse:Security></soap-env:Header><soap-env:Body>",
        "<ns0:GetDeviceInformation xmlns:ns0=\"http://www.onvif.org/ver10/device/wsdl\"/>",
        "</soap-env:Body></soap-env:Envelope>",
)
    .as_bytes();

    /// ipycam 1.3.0's ONVIF HTTP handler on 127.0.0.1:8080 answering our
    /// `encode_get_device_information` envelope without credentials (body only).
    pub const GDI_RESPONSE_IPYCAM: &[u8] =
        include_bytes!("../../../tests/data/captures/onvif-gdi-response-ipycam.xml");

    /// The same with credentials configured: HTTP 401 and this SOAP fault
    /// (code only, no subcode; body only).
    pub const FAULT_IPYCAM: &[u8] = concat!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n",
        "<s:Envelope xmlns:s=\"http://www.w3.org/2003/05/soap-envelope\">\n",
        "    <s:Body>\n",
        "        <s:Fault>\n",
        "            <s:Code><s:Value>s:Receiver</s:Value></s:Code>\n",
        "            <s:Reason><s:Text xml:lang=\"en\">Sender not authorized</s:Text></s:Reason>\n",
        "        </s:Fault>\n",
        "    </s:Body>\n",
        "</s:Envelope>\n",
    )
    .as_bytes();

    /// Not captured: the NotAuthorized fault as the ONVIF Core specification
    /// describes it (SOAP 1.2 Sender code, subcode ter:NotAuthorized, reason
    /// "Sender not Authorized"), written out by hand from those facts
    /// because no installable ONVIF server emits a subcode.
    pub const NOT_AUTHORIZED_SPEC: &[u8] = concat!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n",
        "<env:Envelope xmlns:env=\"http://www.w3.org/2003/05/soap-envelope\" ",
        "xmlns:ter=\"http://www.onvif.org/ver10/error\">",
        "<env:Body><env:Fault><env:Code><env:Value>env:Sender</env:Value>",
        "<env:Subcode><env:Value>ter:NotAuthorized</env:Value></env:Subcode></env:Code>",
        "<env:Reason><env:Text xml:lang=\"en\">Sender not Authorized</env:Text></env:Reason>",
        "</env:Fault></env:Body></env:Envelope>",
    )
    .as_bytes();
}

#[cfg(test)]
mod tests {
    use super::captures::*;
    use super::*;
    use crate::fuzz;

    /// The MessageID of PROBE_WSDISCOVERY, which both captured answers repeat.
    const CAPTURED_ID: &str = "urn:uuid:9b75624a-17c6-4944-81fd-90775e47fb42";
    const OUR_ID: &str = "urn:uuid:0f1e2d3c-4b5a-4697-8877-665544332211";

    #[test]
    fn our_probe_parses_back_with_its_message_id_and_type() {
        let p = parse_probe(&encode_probe(OUR_ID)).unwrap();
        assert_eq!(p.message_id, OUR_ID);
        assert_eq!(p.types, ["dn:NetworkVideoTransmitter"]);
    }

    #[test]
    fn parses_the_probe_python_wsdiscovery_sends() {
        let p = parse_probe(PROBE_WSDISCOVERY).unwrap();
        assert_eq!(p.message_id, CAPTURED_ID);
        assert_eq!(p.types, ["dp0:NetworkVideoTransmitter"]);
        let untyped = b"<s:Envelope xmlns:s=\"x\"><s:Header><a:MessageID>urn:uuid:1</a:MessageID>\
            </s:Header><s:Body><d:Probe/></s:Body></s:Envelope>";
        assert!(parse_probe(untyped).unwrap().types.is_empty());
    }

    #[test]
    fn parses_wsdiscovery_probe_matches_and_decodes_scopes() {
        let m = parse_probe_matches(PROBE_MATCHES_WSDISCOVERY, CAPTURED_ID).unwrap();
        assert_eq!(m.len(), 1);
        let m = &m[0];
        assert_eq!(
            m.endpoint.as_deref(),
            Some("urn:uuid:3aea33bc-3b56-42df-a7dd-60e6267fe8d9")
        );
        assert_eq!(m.types, ["dn:NetworkVideoTransmitter"]);
        assert_eq!(m.xaddrs, ["http://127.0.0.1:8080/onvif/device_service"]);
        assert_eq!(m.metadata_version.as_deref(), Some("1"));
        assert_eq!(m.scopes.len(), 4);
        assert_eq!(scope_values(&m.scopes, "name"), ["Kade 12 Noord"]);
        assert_eq!(scope_values(&m.scopes, "hardware"), ["IPC-HFW2431S"]);
        assert_eq!(scope_values(&m.scopes, "location"), ["city/Demo City"]);
        assert_eq!(scope_values(&m.scopes, "type"), ["video_encoder"]);
    }

    #[test]
    fn parses_ipycam_probe_match_without_the_wrapper() {
        let m = parse_probe_matches(PROBE_MATCH_IPYCAM, CAPTURED_ID).unwrap();
        assert_eq!(m[0].types, ["dn:NetworkVideoTransmitter", "tds:Device"]);
        assert_eq!(
            m[0].endpoint.as_deref(),
            Some("urn:uuid:f4e0085d-506d-4b8f-b7ad-904ed6942c3a")
        );
        // The raw spaces split "Kade 12 Noord" into three list items.
        assert_eq!(scope_values(&m[0].scopes, "name"), ["Kade"]);
        assert_eq!(scope_values(&m[0].scopes, "profile"), ["Streaming"]);
    }

    #[test]
    fn rejects_an_answer_to_another_probe() {
        for doc in [PROBE_MATCHES_WSDISCOVERY, PROBE_MATCH_IPYCAM] {
            assert!(matches!(
                parse_probe_matches(doc, OUR_ID),
                Err(ParseError::Malformed {
                    field: "RelatesTo",
                    ..
                })
            ));
        }
        let no_relates = b"<s:Envelope><s:Body><d:ProbeMatches/></s:Body></s:Envelope>";
        assert!(parse_probe_matches(no_relates, OUR_ID).is_err());
    }

    #[test]
    fn probe_matches_round_trip() {
        let m = ProbeMatch {
            endpoint: Some("urn:uuid:1".into()),
            types: vec!["dn:NetworkVideoTransmitter".into(), "tds:Device".into()],
            scopes: vec!["onvif://www.onvif.org/name/A%26B".into()],
            xaddrs: vec!["http://127.0.0.1/onvif/device_service".into()],
            metadata_version: Some("1".into()),
        };
        let raw = encode_probe_matches(OUR_ID, "urn:uuid:2", &m);
        let back = parse_probe_matches(&raw, OUR_ID).unwrap();
        assert_eq!(back, [m]);
        assert_eq!(scope_values(&back[0].scopes, "name"), ["A&B"]);
    }

    #[test]
    fn truncated_and_malformed_discovery_answers_are_refused() {
        let doc = PROBE_MATCHES_WSDISCOVERY;
        for end in [0, 40, 300, doc.len() / 2, doc.len() - 3] {
            assert!(
                parse_probe_matches(&doc[..end], CAPTURED_ID).is_err(),
                "{end}"
            );
        }
        let mut flipped = doc.to_vec();
        let at = doc.windows(9).position(|w| w == b"</s:Body>").unwrap();
        flipped[at + 4] = b'X';
        assert!(matches!(
            parse_probe_matches(&flipped, CAPTURED_ID),
            Err(ParseError::Malformed { .. })
        ));
        let html = b"<html><body>ProbeMatch</body></html>";
        assert!(parse_probe_matches(html, CAPTURED_ID).is_err());
    }

    #[test]
    fn percent_decoding_leaves_broken_escapes_alone() {
        assert_eq!(percent_decode("a%20b%2"), "a b%2");
        assert_eq!(percent_decode("%zz%41"), "%zzA");
        assert_eq!(percent_decode("caf%C3%A9"), "café");
        assert_eq!(percent_decode("%ff"), "\u{fffd}");
        let s = vec!["ONVIF://www.onvif.org/Name/x".to_string(), "short".into()];
        assert_eq!(scope_values(&s, "name"), ["x"]);
    }

    #[test]
    fn our_request_and_zeeps_request_name_the_operation() {
        assert_eq!(
            request_operation(&encode_get_device_information()).unwrap(),
            "GetDeviceInformation"
        );
        assert_eq!(
            request_operation(GDI_REQUEST_ZEEP).unwrap(),
            "GetDeviceInformation"
        );
        assert!(request_operation(b"<a/>").is_err());
        assert!(request_operation(b"<s:Envelope><s:Body/></s:Envelope>").is_err());
    }

    #[test]
    fn parses_ipycam_device_information() {
        assert_eq!(
            parse_device_information(GDI_RESPONSE_IPYCAM).unwrap(),
            DeviceInfoReply::Info(DeviceInformation {
                manufacturer: Some("PythonCam".into()),
                model: Some("VirtualCam-1".into()),
                firmware_version: Some("1.3.0".into()),
                serial_number: Some("PY-000001".into()),
                hardware_id: Some("PY-HW-01".into()),
            })
        );
    }

    #[test]
    fn parses_faults_with_and_without_subcode() {
        assert_eq!(
            parse_device_information(FAULT_IPYCAM).unwrap(),
            DeviceInfoReply::Fault(Fault {
                code: "s:Receiver".into(),
                subcode: None,
                reason: Some("Sender not authorized".into()),
            })
        );
        let spec = Fault {
            code: "env:Sender".into(),
            subcode: Some("ter:NotAuthorized".into()),
            reason: Some("Sender not Authorized".into()),
        };
        assert_eq!(
            parse_device_information(NOT_AUTHORIZED_SPEC).unwrap(),
            DeviceInfoReply::Fault(spec)
        );
        let nested = b"<e:Envelope><e:Body><e:Fault><e:Code><e:Value>e:Receiver</e:Value>\
            <e:Subcode><e:Value>ter:ActionNotSupported</e:Value><e:Subcode><e:Value>ter:X</e:Value>\
            </e:Subcode></e:Subcode></e:Code></e:Fault></e:Body></e:Envelope>";
        let DeviceInfoReply::Fault(f) = parse_device_information(nested).unwrap() else {
            panic!("a fault");
        };
        assert_eq!(f.subcode.as_deref(), Some("ter:X"));
        let soap11 = b"<S:Envelope><S:Body><S:Fault><faultcode>S:Client</faultcode>\
            <faultstring>Unauthorized</faultstring></S:Fault></S:Body></S:Envelope>";
        assert_eq!(
            parse_device_information(soap11).unwrap(),
            DeviceInfoReply::Fault(Fault {
                code: "S:Client".into(),
                subcode: None,
                reason: Some("Unauthorized".into())
            })
        );
    }

    #[test]
    fn device_information_and_faults_round_trip() {
        let info = DeviceInformation {
            manufacturer: Some("Dahua".into()),
            model: Some("IPC-HFW2431S-S-S2".into()),
            firmware_version: Some("2.800.0000000.25.R, Build Date 2020-06-12".into()),
            serial_number: Some("6J0C1A2PAZ12345".into()),
            hardware_id: Some("1.00".into()),
        };
        assert_eq!(
            parse_device_information(&encode_device_information(&info)).unwrap(),
            DeviceInfoReply::Info(info)
        );
        let f = Fault {
            code: "s:Sender".into(),
            subcode: Some("ter:NotAuthorized".into()),
            reason: Some("Sender not Authorized".into()),
        };
        assert_eq!(
            parse_device_information(&encode_fault(&f)).unwrap(),
            DeviceInfoReply::Fault(f)
        );
    }

    #[test]
    fn rejects_device_information_that_is_not_there() {
        for bad in [
            &b"<s:Envelope><s:Body><tds:GetScopesResponse/></s:Body></s:Envelope>"[..],
            b"<html><title>401</title></html>",
            b"<s:Envelope><s:Body><s:Fault><s:Code/></s:Fault></s:Body></s:Envelope>",
            b"",
        ] {
            assert!(
                matches!(
                    parse_device_information(bad),
                    Err(ParseError::Malformed { .. })
                ),
                "{bad:?}"
            );
        }
        let doc = GDI_RESPONSE_IPYCAM;
        assert_eq!(
            parse_device_information(&doc[..doc.len() - 20]),
            Err(ParseError::Incomplete)
        );
    }

    #[test]
    fn parsers_never_panic_on_random_or_mutated_input() {
        let ours = encode_probe(OUR_ID);
        for input in fuzz::mutations(&[&PROBE_MATCHES_WSDISCOVERY[..420], &ours[..300]]) {
            let _ = parse_probe_matches(&input, CAPTURED_ID);
            let _ = parse_probe(&input);
        }
        for input in fuzz::mutations(&[&NOT_AUTHORIZED_SPEC[..300], &GDI_RESPONSE_IPYCAM[..300]]) {
            let _ = parse_device_information(&input);
            let _ = request_operation(&input);
        }
    }
}
