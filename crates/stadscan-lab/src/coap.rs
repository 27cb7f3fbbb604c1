//! The lab's CoAP device: an air-quality sensor node on a lamp post, plain
//! CoAP on UDP without any authentication. It lists its sensors and the OMA
//! LwM2M Device object in `/.well-known/core`, a document long enough to be
//! served in 64-byte blocks (RFC 7959), as a constrained node would.

use tokio::net::UdpSocket;

use crate::proto::coap::{self, Code, Link, Message, MessageType, content_format, lwm2m, option};

pub(crate) const MANUFACTURER: &str = "Luchtmeet";
pub(crate) const MODEL: &str = "LM-AQ20";
pub(crate) const SERIAL: &str = "LM20-2291-0457";
pub(crate) const FIRMWARE: &str = "2.4.1";

/// Block size exponent the node uses: 64-byte blocks.
const BLOCK_SZX: u8 = 2;
/// Largest datagram read.
const MAX_DATAGRAM: usize = 1500;

/// Path, resource type, interface, observable, value.
const SENSORS: &[(&str, &str, &str, bool, &str)] = &[
    ("/sensors/pm25", "luchtmeet.pm25", "core.s", true, "11.8"),
    ("/sensors/pm10", "luchtmeet.pm10", "core.s", true, "19.3"),
    ("/sensors/no2", "luchtmeet.no2", "core.s", true, "27.0"),
    ("/sensors/temp", "temperature-c", "core.s", false, "8.6"),
    ("/sensors/humidity", "humidity-p", "core.s", false, "81"),
];

/// Answers datagrams until the task is aborted.
pub(crate) async fn run_coap(socket: UdpSocket) {
    crate::udp::serve(socket, "coap", MAX_DATAGRAM, coap_reply).await;
}

/// The node's `/.well-known/core` document.
pub(crate) fn link_document() -> String {
    let text = |s: &str| Some(s.to_string());
    let mut links: Vec<Link> = SENSORS
        .iter()
        .map(|(path, rt, iface, obs, _)| {
            let mut attributes = vec![
                ("rt".to_string(), text(rt)),
                ("if".to_string(), text(iface)),
                ("ct".to_string(), text("0")),
            ];
            if *obs {
                attributes.push(("obs".to_string(), None));
            }
            Link {
                target: path.to_string(),
                attributes,
            }
        })
        .collect();
    links.push(Link {
        target: lwm2m::DEVICE_OBJECT.to_string(),
        attributes: vec![
            ("rt".to_string(), text("oma.lwm2m")),
            ("title".to_string(), text("Device")),
        ],
    });
    coap::encode_link_format(&links)
}

/// The LwM2M Device object's resources 0..=3.
fn device_resources() -> [(u16, &'static str); 4] {
    [(0, MANUFACTURER), (1, MODEL), (2, SERIAL), (3, FIRMWARE)]
}

/// The node's answer to one datagram: `None` (silence) for anything that is
/// not CoAP or is not a request; a Reset for a CoAP ping.
pub(crate) fn coap_reply(packet: &[u8]) -> Option<Vec<u8>> {
    let msg = coap::decode(packet).ok()?;
    if msg.code.is_empty() && msg.kind == MessageType::Confirmable {
        return Some(coap::reset_for(msg.message_id).encode());
    }
    let request = coap::decode_request(packet).ok()?;
    Some(answer(&request).encode())
}

fn answer(req: &Message) -> Message {
    let respond =
        |code: Code, cf: Option<u16>, body: &[u8]| coap::response(req, code, cf, body, BLOCK_SZX);
    if req.code != Code::GET {
        // Read-only node: it measures, nothing on it is writable over CoAP.
        return respond(Code::METHOD_NOT_ALLOWED, None, b"");
    }
    let path = req.uri_path();
    if path == "/.well-known/core" {
        let doc = filtered(&link_document(), req);
        return respond(
            Code::CONTENT,
            Some(content_format::LINK_FORMAT),
            doc.as_bytes(),
        );
    }
    if let Some((_, _, _, _, value)) = SENSORS.iter().find(|s| s.0 == path) {
        return respond(
            Code::CONTENT,
            Some(content_format::TEXT_PLAIN),
            value.as_bytes(),
        );
    }
    let accept = req
        .uint_option(option::ACCEPT)
        .and_then(|a| u16::try_from(a).ok());
    if path == lwm2m::DEVICE_OBJECT {
        if accept.is_some_and(|a| a != content_format::LWM2M_TLV) {
            return respond(Code::NOT_ACCEPTABLE, None, b"");
        }
        let tlv: Vec<u8> = device_resources()
            .iter()
            .flat_map(|(id, v)| lwm2m::encode_tlv_resource(*id, v.as_bytes()))
            .collect();
        return respond(Code::CONTENT, Some(content_format::LWM2M_TLV), &tlv);
    }
    if let Some((id, value)) = device_resources()
        .into_iter()
        .find(|(id, _)| path == format!("{}/{id}", lwm2m::DEVICE_OBJECT))
    {
        return match accept {
            None | Some(content_format::TEXT_PLAIN) => respond(
                Code::CONTENT,
                Some(content_format::TEXT_PLAIN),
                value.as_bytes(),
            ),
            Some(content_format::LWM2M_TLV) => respond(
                Code::CONTENT,
                Some(content_format::LWM2M_TLV),
                &lwm2m::encode_tlv_resource(id, value.as_bytes()),
            ),
            Some(_) => respond(Code::NOT_ACCEPTABLE, None, b""),
        };
    }
    respond(Code::NOT_FOUND, None, b"")
}

/// RFC 6690 4.1 query filtering: `?rt=luchtmeet.*` keeps the links with a
/// matching attribute (a trailing `*` matches a prefix; `href` is the target).
fn filtered(doc: &str, req: &Message) -> String {
    let Some(query) = req.option(option::URI_QUERY) else {
        return doc.to_string();
    };
    let query = String::from_utf8_lossy(query);
    let Some((name, pattern)) = query.split_once('=') else {
        return doc.to_string();
    };
    let matches = |v: &str| match pattern.strip_suffix('*') {
        Some(prefix) => v.starts_with(prefix),
        None => v == pattern,
    };
    let links = coap::parse_link_format(doc.as_bytes()).unwrap_or_default();
    let kept: Vec<Link> = links
        .into_iter()
        .filter(|l| {
            if name == "href" {
                return matches(&l.target);
            }
            l.attributes
                .iter()
                .filter(|(n, _)| n == name)
                .filter_map(|(_, v)| v.as_deref())
                .any(|v| v.split_whitespace().any(matches))
        })
        .collect();
    coap::encode_link_format(&kept)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::proto::coap::{Block, get_request};
    use crate::proto::fuzz;

    fn ask(req: &Message) -> Message {
        coap::decode(&coap_reply(&req.encode()).expect("an answer")).expect("CoAP")
    }

    #[test]
    fn well_known_core_is_served_in_64_byte_blocks() {
        let doc = link_document();
        assert!(doc.len() > 64 && doc.len() <= 8 * 64, "{}", doc.len());
        let mut body = Vec::new();
        let mut next = None;
        for i in 0..8u16 {
            let resp = ask(&get_request(100 + i, &[9, 9], "/.well-known/core", next));
            assert_eq!(
                (resp.kind, resp.message_id),
                (MessageType::Acknowledgement, 100 + i)
            );
            assert_eq!(resp.token, [9, 9]);
            assert_eq!(resp.code, Code::CONTENT);
            assert_eq!(resp.content_format(), Some(40));
            let b = resp.block2().expect("Block2");
            assert_eq!((b.num, b.szx), (u32::from(i), 2));
            body.extend_from_slice(&resp.payload);
            if !b.more {
                break;
            }
            next = Some((b.num + 1, b.szx));
        }
        assert_eq!(body, doc.as_bytes());
        let links = coap::parse_link_format(&body).unwrap();
        assert!(lwm2m::lists_device_object(&links));
        assert_eq!(links[0].target, "/sensors/pm25");
    }

    #[test]
    fn lwm2m_device_resources_answer_in_text_and_tlv() {
        for (path, want) in [
            (lwm2m::MANUFACTURER, MANUFACTURER),
            (lwm2m::MODEL_NUMBER, MODEL),
            (lwm2m::SERIAL_NUMBER, SERIAL),
            (lwm2m::FIRMWARE_VERSION, FIRMWARE),
        ] {
            let resp = ask(&get_request(7, b"t", path, None));
            assert_eq!(resp.code, Code::CONTENT);
            assert_eq!(resp.payload, want.as_bytes());
            let mut tlv = get_request(8, b"t", path, None);
            tlv.add_option(option::ACCEPT, coap::encode_uint(11542));
            let resp = ask(&tlv);
            assert_eq!(
                lwm2m::resource_value(resp.content_format(), &resp.payload),
                Some(want.as_bytes())
            );
        }
        let object = ask(&get_request(9, b"t", "/3/0", None));
        assert_eq!(object.content_format(), Some(11542));
        let mut json = get_request(10, b"t", "/3/0/1", None);
        json.add_option(option::ACCEPT, coap::encode_uint(50));
        assert_eq!(ask(&json).code, Code::NOT_ACCEPTABLE);
    }

    #[test]
    fn sensors_unknown_paths_and_writes() {
        let resp = ask(&get_request(1, b"", "/sensors/no2", None));
        assert_eq!(
            (resp.code, resp.payload.as_slice()),
            (Code::CONTENT, &b"27.0"[..])
        );
        assert_eq!(
            ask(&get_request(2, b"", "/admin", None)).code,
            Code::NOT_FOUND
        );
        let mut put = get_request(3, b"", "/sensors/no2", None);
        put.code = Code::PUT;
        put.payload = b"0".to_vec();
        assert_eq!(ask(&put).code, Code::METHOD_NOT_ALLOWED);
        let mut non = get_request(4, b"n", "/sensors/temp", None);
        non.kind = MessageType::NonConfirmable;
        assert_eq!(ask(&non).kind, MessageType::NonConfirmable);
    }

    #[test]
    fn query_filters_the_link_list() {
        let mut req = get_request(1, b"", "/.well-known/core", None);
        req.add_option(option::URI_QUERY, "rt=luchtmeet.*");
        let links = coap::parse_link_format(filtered(&link_document(), &req).as_bytes()).unwrap();
        assert_eq!(links.len(), 3);
        let mut req = get_request(2, b"", "/.well-known/core", None);
        req.add_option(option::URI_QUERY, "href=/3/0");
        let resp = ask(&req);
        assert_eq!(resp.block2(), None, "short enough for one datagram");
        let links = coap::parse_link_format(&resp.payload).unwrap();
        assert_eq!(links.len(), 1);
    }

    #[test]
    fn pings_get_a_reset_and_the_rest_silence() {
        let ping = Message::new(MessageType::Confirmable, Code::EMPTY, 0x4242, &[]);
        let reset = coap::decode(&coap_reply(&ping.encode()).unwrap()).unwrap();
        assert_eq!((reset.kind, reset.message_id), (MessageType::Reset, 0x4242));
        let ack = Message::new(MessageType::Acknowledgement, Code::EMPTY, 1, &[]);
        assert_eq!(coap_reply(&ack.encode()), None);
        let response = Message::new(MessageType::Confirmable, Code::CONTENT, 1, &[]);
        assert_eq!(coap_reply(&response.encode()), None);
        assert_eq!(coap_reply(b"GET / HTTP/1.1\r\n\r\n"), None);
        assert_eq!(coap_reply(&[]), None);
    }

    #[test]
    fn block_past_the_end_is_bad_option() {
        let resp = ask(&get_request(1, b"", "/.well-known/core", Some((40, 2))));
        assert_eq!(resp.code, Code::BAD_OPTION);
        assert_eq!(resp.block2(), None::<Block>);
    }

    #[test]
    fn never_panics_on_random_or_mutated_datagrams() {
        let valid = [
            get_request(1, b"ab", "/.well-known/core", Some((1, 2))).encode(),
            get_request(2, b"", "/3/0/3", None).encode(),
        ];
        let refs: Vec<&[u8]> = valid.iter().map(Vec::as_slice).collect();
        for input in fuzz::mutations(&refs) {
            if let Some(reply) = coap_reply(&input) {
                assert!(reply.len() <= MAX_DATAGRAM);
            }
        }
    }
}
