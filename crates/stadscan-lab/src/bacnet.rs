//! Lab BACnet/IP controller: the town hall's air-handling unit. Answers
//! Who-Is with I-Am and ReadProperty of its device object; every other
//! confirmed service is rejected, and nothing it holds can be written.
//! The answer is a pure function; the loop only moves datagrams.

use tokio::net::UdpSocket;

use crate::proto::bacnet::{
    self, Apdu, Content, IAm, Npdu, ObjectId, ReadProperty, ReadPropertyAck, Value, abort, error,
    property, reject, segmentation,
};

/// Device instance of the controller.
pub(crate) const DEVICE_INSTANCE: u32 = 40_101;
/// ASHRAE-assigned vendor identifier of Priva BV.
pub(crate) const VENDOR_ID: u16 = 105;
pub(crate) const VENDOR_NAME: &str = "Priva";
pub(crate) const MODEL_NAME: &str = "Compri HX 8E";
pub(crate) const FIRMWARE_REVISION: &str = "HX-4.2.7";
pub(crate) const APPLICATION_SOFTWARE_VERSION: &str = "4.2.7";
pub(crate) const OBJECT_NAME: &str = "GBS-Stadhuis-AHU1";
pub(crate) const LOCATION: &str = "Stadhuis, technische ruimte";
pub(crate) const DESCRIPTION: &str = "Luchtbehandeling vleugel A";
/// Largest APDU the controller accepts (the BACnet/IP maximum).
const MAX_APDU: u32 = 1476;
/// The network's global broadcast DNET.
const GLOBAL_BROADCAST: u16 = 0xffff;

/// Receives BACnet/IP datagrams and answers the ones addressed to the
/// controller, always unicast back to the sender.
pub(crate) async fn run_bacnet(socket: UdpSocket) {
    crate::udp::serve(socket, "bacnet", 2048, bacnet_reply).await;
}

fn device() -> ObjectId {
    ObjectId::device(DEVICE_INSTANCE)
}

/// The device object's readable properties.
fn read(prop: u32) -> Option<Value> {
    Some(match prop {
        property::OBJECT_IDENTIFIER => Value::ObjectId(device()),
        property::OBJECT_NAME => Value::text(OBJECT_NAME),
        property::OBJECT_TYPE => Value::Enumerated(u64::from(bacnet::DEVICE)),
        property::SYSTEM_STATUS => Value::Enumerated(0), // operational
        property::VENDOR_NAME => Value::text(VENDOR_NAME),
        property::VENDOR_IDENTIFIER => Value::Unsigned(u64::from(VENDOR_ID)),
        property::MODEL_NAME => Value::text(MODEL_NAME),
        property::FIRMWARE_REVISION => Value::text(FIRMWARE_REVISION),
        property::APPLICATION_SOFTWARE_VERSION => Value::text(APPLICATION_SOFTWARE_VERSION),
        property::LOCATION => Value::text(LOCATION),
        property::DESCRIPTION => Value::text(DESCRIPTION),
        property::PROTOCOL_VERSION => Value::Unsigned(1),
        property::PROTOCOL_REVISION => Value::Unsigned(14),
        property::MAX_APDU_LENGTH_ACCEPTED => Value::Unsigned(u64::from(MAX_APDU)),
        property::SEGMENTATION_SUPPORTED => Value::Enumerated(u64::from(segmentation::NONE)),
        _ => return None,
    })
}

fn answer_read(invoke_id: u8, req: &ReadProperty) -> Vec<u8> {
    let ours = req.object == device() || req.object == ObjectId::device(bacnet::WILDCARD_INSTANCE);
    if !ours {
        let (class, code) = (error::CLASS_OBJECT, error::UNKNOWN_OBJECT);
        return bacnet::error(invoke_id, bacnet::READ_PROPERTY, class, code);
    }
    let Some(value) = read(req.property) else {
        let (class, code) = (error::CLASS_PROPERTY, error::UNKNOWN_PROPERTY);
        return bacnet::error(invoke_id, bacnet::READ_PROPERTY, class, code);
    };
    if req.array_index.is_some() {
        let (class, code) = (error::CLASS_PROPERTY, error::PROPERTY_IS_NOT_AN_ARRAY);
        return bacnet::error(invoke_id, bacnet::READ_PROPERTY, class, code);
    }
    // The wildcard instance is answered with the real one, as devices do.
    bacnet::read_property_ack(
        invoke_id,
        &ReadPropertyAck {
            object: device(),
            property: req.property,
            array_index: None,
            value,
        },
    )
}

/// The controller's answer to one datagram: `None` for what it stays silent
/// on (undecodable, not addressed to it, answers, unconfirmed services other
/// than a matching Who-Is, network-layer messages).
pub(crate) fn bacnet_reply(packet: &[u8]) -> Option<Vec<u8>> {
    let frame = bacnet::decode_frame(packet).ok()?;
    let Content::Application { npdu, apdu } = frame.content else {
        return None;
    };
    // Not a router: a frame for another network is not for this device.
    if npdu
        .destination
        .as_ref()
        .is_some_and(|d| d.network != GLOBAL_BROADCAST)
    {
        return None;
    }
    let body = match apdu {
        Apdu::WhoIs(w) => {
            if let Some((low, high)) = w.range
                && !(low..=high).contains(&DEVICE_INSTANCE)
            {
                return None;
            }
            bacnet::i_am(&IAm {
                device: device(),
                max_apdu: MAX_APDU,
                segmentation: segmentation::NONE,
                vendor_id: VENDOR_ID,
            })
        }
        Apdu::ReadProperty { invoke_id, request } => answer_read(invoke_id, &request),
        Apdu::ConfirmedRequest {
            invoke_id,
            segmented: true,
            ..
        } => bacnet::abort(invoke_id, true, abort::SEGMENTATION_NOT_SUPPORTED),
        Apdu::ConfirmedRequest { invoke_id, .. } => {
            bacnet::reject(invoke_id, reject::UNRECOGNIZED_SERVICE)
        }
        _ => return None,
    };
    Some(bacnet::encode_frame(&Npdu::reply_to(&npdu), &body))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::proto::bacnet::{NetAddress, WhoIs};
    use crate::proto::fuzz;

    fn request(apdu: &[u8]) -> Vec<u8> {
        bacnet::encode_frame(&Npdu::local(true), apdu)
    }

    fn answer(packet: &[u8]) -> Apdu {
        let reply = bacnet_reply(packet).expect("an answer");
        bacnet::decode_frame(&reply)
            .expect("decodable")
            .apdu()
            .expect("an APDU")
            .clone()
    }

    fn read_value(instance: u32, prop: u32) -> Apdu {
        answer(&request(&bacnet::read_property(
            7,
            &ReadProperty::device(instance, prop),
        )))
    }

    #[test]
    fn who_is_is_answered_with_i_am() {
        let want = Apdu::IAm(IAm {
            device: ObjectId::device(DEVICE_INSTANCE),
            max_apdu: 1476,
            segmentation: segmentation::NONE,
            vendor_id: 105,
        });
        assert_eq!(answer(&request(&bacnet::who_is(None))), want);
        let in_range = bacnet::who_is(Some((40_000, 41_000)));
        assert_eq!(answer(&request(&in_range)), want);
        let elsewhere = bacnet::who_is(Some((1, 100)));
        assert_eq!(bacnet_reply(&request(&elsewhere)), None);
    }

    #[test]
    fn bacpypes3_client_who_is_is_answered() {
        // bacpypes3 0.0.110 `app.who_is(address=...)` and an I-Am back.
        let whois = [0x81, 0x0a, 0x00, 0x08, 0x01, 0x00, 0x10, 0x08];
        assert!(matches!(
            bacnet::decode_frame(&whois).unwrap().apdu(),
            Some(Apdu::WhoIs(WhoIs { range: None }))
        ));
        assert!(matches!(answer(&whois), Apdu::IAm(_)));
    }

    #[test]
    fn reads_the_device_object_by_instance_and_wildcard() {
        for instance in [DEVICE_INSTANCE, bacnet::WILDCARD_INSTANCE] {
            for (prop, value) in [
                (property::VENDOR_NAME, Value::text("Priva")),
                (property::MODEL_NAME, Value::text("Compri HX 8E")),
                (property::FIRMWARE_REVISION, Value::text("HX-4.2.7")),
                (property::APPLICATION_SOFTWARE_VERSION, Value::text("4.2.7")),
                (property::OBJECT_NAME, Value::text("GBS-Stadhuis-AHU1")),
                (
                    property::LOCATION,
                    Value::text("Stadhuis, technische ruimte"),
                ),
                (property::VENDOR_IDENTIFIER, Value::Unsigned(105)),
            ] {
                let Apdu::ReadPropertyAck { invoke_id, ack } = read_value(instance, prop) else {
                    panic!("no ACK for {prop}");
                };
                assert_eq!(invoke_id, 7);
                assert_eq!(ack.object, ObjectId::device(DEVICE_INSTANCE));
                assert_eq!(ack.property, prop);
                assert_eq!(ack.value, value);
            }
        }
    }

    #[test]
    fn unknown_property_and_object_are_errors() {
        assert_eq!(
            read_value(DEVICE_INSTANCE, 372),
            Apdu::Error {
                invoke_id: 7,
                service: bacnet::READ_PROPERTY,
                class: error::CLASS_PROPERTY,
                code: error::UNKNOWN_PROPERTY
            }
        );
        assert_eq!(
            read_value(1, property::OBJECT_NAME),
            Apdu::Error {
                invoke_id: 7,
                service: bacnet::READ_PROPERTY,
                class: error::CLASS_OBJECT,
                code: error::UNKNOWN_OBJECT
            }
        );
        let indexed = ReadProperty {
            array_index: Some(1),
            ..ReadProperty::device(DEVICE_INSTANCE, property::OBJECT_NAME)
        };
        assert!(matches!(
            answer(&request(&bacnet::read_property(8, &indexed))),
            Apdu::Error {
                code: error::PROPERTY_IS_NOT_AN_ARRAY,
                ..
            }
        ));
    }

    #[test]
    fn other_services_are_rejected_and_nothing_is_written() {
        // WriteProperty (15) of object-name: rejected, never applied.
        let write = [
            0x00, 0x05, 0x21, 0x0f, 0x0c, 0x02, 0x00, 0x9c, 0xa5, 0x19, 0x4d, 0x3e, 0x75, 0x04,
            0x00, 0x78, 0x79, 0x7a, 0x3f,
        ];
        assert_eq!(
            answer(&request(&write)),
            Apdu::Reject {
                invoke_id: 0x21,
                reason: reject::UNRECOGNIZED_SERVICE
            }
        );
        let Apdu::ReadPropertyAck { ack, .. } = read_value(DEVICE_INSTANCE, property::OBJECT_NAME)
        else {
            panic!("object-name unreadable");
        };
        assert_eq!(ack.value, Value::text(OBJECT_NAME));
        // A segmented request: this controller does not reassemble.
        let segmented = [0x08, 0x05, 0x22, 0x00, 0x04, 0x0c];
        assert_eq!(
            answer(&request(&segmented)),
            Apdu::Abort {
                invoke_id: 0x22,
                server: true,
                reason: abort::SEGMENTATION_NOT_SUPPORTED
            }
        );
    }

    #[test]
    fn stays_silent_on_answers_network_messages_and_other_networks() {
        let i_am = bacnet::i_am(&IAm {
            device: ObjectId::device(9),
            max_apdu: 480,
            segmentation: segmentation::NONE,
            vendor_id: 999,
        });
        assert_eq!(bacnet_reply(&request(&i_am)), None);
        assert_eq!(bacnet_reply(&request(&bacnet::reject(1, 0))), None);
        assert_eq!(
            bacnet_reply(&[0x81, 0x0a, 0x00, 0x07, 0x01, 0x80, 0x00]),
            None
        );
        assert_eq!(bacnet_reply(b"GET / HTTP/1.0\r\n\r\n"), None);
        let remote = Npdu::routed(
            Some(NetAddress {
                network: 12,
                mac: vec![3],
            }),
            true,
        );
        let for_elsewhere = bacnet::encode_frame(&remote, &bacnet::who_is(None));
        assert_eq!(bacnet_reply(&for_elsewhere), None);
    }

    #[test]
    fn routed_requests_are_answered_back_through_the_router() {
        let npdu = Npdu {
            source: Some(NetAddress {
                network: 7,
                mac: vec![0x0a],
            }),
            ..Npdu::routed(
                Some(NetAddress {
                    network: 0xffff,
                    mac: Vec::new(),
                }),
                false,
            )
        };
        let reply = bacnet_reply(&bacnet::encode_frame(&npdu, &bacnet::who_is(None))).unwrap();
        let frame = bacnet::decode_frame(&reply).unwrap();
        assert_eq!(frame.npdu().unwrap().destination, npdu.source);
        assert!(matches!(frame.apdu(), Some(Apdu::IAm(_))));
    }

    #[test]
    fn never_panics_on_hostile_datagrams() {
        let valid = [
            request(&bacnet::who_is(None)),
            request(&bacnet::read_property(
                1,
                &ReadProperty::device(DEVICE_INSTANCE, property::VENDOR_NAME),
            )),
        ];
        let refs: Vec<&[u8]> = valid.iter().map(Vec::as_slice).collect();
        for input in fuzz::mutations(&refs) {
            let _ = bacnet_reply(&input);
        }
    }
}
