//! Tests for `proto::snmp`: hand-assembled BER fixtures checked byte for byte against the encoder.

use super::*;
use crate::fuzz;

/// Net-SNMP snmpd on a street camera answering `snmpget -v2c -c public cam sysDescr.0`.
const SYSDESCR_RESPONSE: &[u8] = b"\x30\x51\x02\x01\x01\x04\x06public\xa2\x44\x02\x04\x1a\x2b\x3c\x4d\x02\x01\x00\x02\x01\x00\x30\x36\x30\x34\x06\x08\x2b\x06\x01\x02\x01\x01\x01\x00\x04\x28Linux cam01 4.9.37 #1 SMP PREEMPT armv7l";

fn response(varbinds: Vec<(Oid, Value)>) -> Message {
    Message {
        version: Version::V2c,
        community: b"public".to_vec(),
        pdu: Pdu {
            kind: PduType::GetResponse,
            request_id: 0x1a2b_3c4d,
            error_status: 0,
            error_index: 0,
            varbinds,
        },
    }
}

#[test]
fn decodes_net_snmp_sysdescr_get_response() {
    assert_eq!(SYSDESCR_RESPONSE.len(), 2 + 0x51, "fixture lengths add up");
    let m = decode(SYSDESCR_RESPONSE).unwrap();
    let want = response(vec![(
        oids::sys_descr(),
        Value::OctetString(b"Linux cam01 4.9.37 #1 SMP PREEMPT armv7l".to_vec()),
    )]);
    assert_eq!(m, want);
    assert_eq!(
        encode(&want),
        SYSDESCR_RESPONSE,
        "encoding is the same minimal BER"
    );
}

#[test]
fn encodes_v2c_get_request_for_sysdescr_like_net_snmp() {
    let m = get_request(Version::V2c, b"public", 0x1234_5678, &[oids::sys_descr()]);
    let want: &[u8] = b"\x30\x29\x02\x01\x01\x04\x06public\xa0\x1c\x02\x04\x12\x34\x56\x78\x02\x01\x00\x02\x01\x00\x30\x0e\x30\x0c\x06\x08\x2b\x06\x01\x02\x01\x01\x01\x00\x05\x00";
    assert_eq!(encode(&m), want);
    assert_eq!(decode(want).unwrap(), m);
    let small = encode(&get_request(
        Version::V1,
        b"public",
        1,
        &[oids::sys_descr()],
    ));
    assert_eq!(
        &small[..5],
        b"\x30\x26\x02\x01\x00",
        "shorter request id, version 0"
    );
}

#[test]
fn truncated_snmp_message_is_incomplete() {
    for end in 0..SYSDESCR_RESPONSE.len() {
        assert_eq!(
            decode(&SYSDESCR_RESPONSE[..end]),
            Err(ParseError::Incomplete),
            "{end}"
        );
    }
    assert_eq!(
        decode(b"\x30\x82\x01"),
        Err(ParseError::Incomplete),
        "cut inside the length"
    );
}

#[test]
fn inner_length_beyond_the_message_is_malformed() {
    let mut lying = SYSDESCR_RESPONSE.to_vec();
    lying[6] = 0x7f; // community claims 127 bytes
    assert!(matches!(
        decode(&lying),
        Err(ParseError::Malformed {
            field: "community",
            ..
        })
    ));
    let mut short = SYSDESCR_RESPONSE.to_vec();
    short[42] = 0x29; // the string claims one byte more than its varbind holds
    assert!(matches!(decode(&short), Err(ParseError::Malformed { .. })));
}

#[test]
fn absurd_ber_lengths_are_errors_without_allocation() {
    assert_eq!(
        decode(b"\x30\x84\x7f\xff\xff\xff\x02\x01\x01"),
        Err(ParseError::TooLarge {
            field: "message",
            limit: MAX_MESSAGE
        })
    );
    let inner = b"\x30\x0b\x02\x01\x01\x04\x84\x7f\xff\xff\xff\xa2\x00";
    assert!(matches!(
        decode(inner),
        Err(ParseError::Malformed {
            field: "community",
            ..
        })
    ));
    assert!(matches!(
        decode(b"\x30\x85\x00\x00\x00\x00\x05"),
        Err(ParseError::Malformed {
            field: "length",
            ..
        })
    ));
}

#[test]
fn rejects_indefinite_lengths() {
    assert!(matches!(
        decode(b"\x30\x80\x02\x01\x01\x00\x00"),
        Err(ParseError::Malformed { .. })
    ));
    let mut inner = SYSDESCR_RESPONSE.to_vec();
    inner[14] = 0x80; // PDU length
    assert!(matches!(decode(&inner), Err(ParseError::Malformed { .. })));
}

#[test]
fn rejects_wrong_outer_tag_version_and_pdu_tag() {
    let cases: [(usize, u8); 4] = [(0, 0x31), (4, 0x03), (13, 0x02), (2, 0x04)];
    for (i, v) in cases {
        let mut bad = SYSDESCR_RESPONSE.to_vec();
        bad[i] = v;
        assert!(
            matches!(decode(&bad), Err(ParseError::Malformed { .. })),
            "byte {i} = {v:#x}"
        );
    }
}

#[test]
fn long_form_lengths_are_minimal_and_round_trip() {
    for n in [127, 128, 200, 255, 256, 300, 4000] {
        let m = response(vec![(oids::sys_descr(), Value::OctetString(vec![b'x'; n]))]);
        let raw = encode(&m);
        assert_eq!(decode(&raw).unwrap(), m, "{n}");
        let at = raw
            .windows(3)
            .position(|w| w == [0x01, 0x00, 0x04])
            .unwrap()
            + 3;
        let want: &[u8] = match n {
            0..128 => &[n as u8],
            128..256 => &[0x81, n as u8],
            _ => &[0x82, (n >> 8) as u8, n as u8],
        };
        assert_eq!(&raw[at..at + want.len()], want, "{n}");
    }
}

#[test]
fn every_value_type_round_trips() {
    let values = vec![
        Value::Integer(i64::MIN),
        Value::Integer(-129),
        Value::Integer(-128),
        Value::Integer(-1),
        Value::Integer(0),
        Value::Integer(127),
        Value::Integer(128),
        Value::Integer(i64::MAX),
        Value::OctetString(vec![]),
        Value::Null,
        Value::ObjectId("1.3.6.1.4.1.2011.2.23".parse().unwrap()),
        Value::IpAddress([192, 0, 2, 7]),
        Value::Counter32(u32::MAX),
        Value::Gauge32(0),
        Value::TimeTicks(8_640_000),
        Value::Counter64(u64::MAX),
        Value::NoSuchObject,
        Value::NoSuchInstance,
        Value::EndOfMibView,
        Value::Other(0x44, vec![1, 2]),
    ];
    let m = response(
        values
            .into_iter()
            .map(|v| (oids::sys_uptime(), v))
            .collect(),
    );
    assert_eq!(decode(&encode(&m)).unwrap(), m);
}

#[test]
fn integers_use_minimal_twos_complement() {
    for (v, want) in [
        (0, &[0x00][..]),
        (127, &[0x7f]),
        (128, &[0x00, 0x80]),
        (-128, &[0x80]),
        (-129, &[0xff, 0x7f]),
        (256, &[0x01, 0x00]),
    ] {
        assert_eq!(int_bytes(v), want, "{v}");
        assert_eq!(decode_int(want, "t"), Ok(v));
    }
    assert_eq!(uint_bytes(u64::from(u32::MAX)), [0, 0xff, 0xff, 0xff, 0xff]);
    assert!(decode_int(&[1; 9], "t").is_err());
    assert!(decode_int(&[], "t").is_err());
    assert_eq!(
        decode_u32(&[0xff; 4], "t"),
        Ok(u32::MAX),
        "agents that forget the 0x00"
    );
    assert!(decode_u32(&[1, 0, 0, 0, 0], "t").is_err());
}

#[test]
fn request_id_beyond_i32_is_malformed() {
    let mut m = encode(&get_request(Version::V2c, b"public", i32::MAX, &[]));
    // 02 04 7f ff ff ff -> 02 05 01 7f ff ff ff: 2^32 + i32::MAX.
    m[1] += 1;
    m[14] += 1;
    m[16] = 5;
    m.insert(17, 0x01);
    assert!(matches!(
        decode(&m),
        Err(ParseError::Malformed {
            field: "request id",
            ..
        })
    ));
}

#[test]
fn oid_text_and_ber_forms_agree() {
    let o: Oid = ".1.3.6.1.4.1.2011.2.23".parse().unwrap();
    assert_eq!(o.to_string(), "1.3.6.1.4.1.2011.2.23");
    assert_eq!(oid_bytes(&o), [0x2b, 6, 1, 4, 1, 0x8f, 0x5b, 2, 23]);
    assert_eq!(decode_oid(&oid_bytes(&o)), Ok(o.clone()));
    assert!(o.starts_with(&"1.3.6.1.4.1".parse().unwrap()));
    let big = Oid(vec![2, 999, u32::MAX]);
    assert_eq!(decode_oid(&oid_bytes(&big)), Ok(big));
    assert_eq!(oids::system_group().len(), 6);
    assert_eq!(oids::sys_location().to_string(), "1.3.6.1.2.1.1.6.0");
}

#[test]
fn rejects_bad_oids() {
    for bad in ["", "1", "1..3", "3.1", "1.40", "1.3.x", "1.3.4294967296"] {
        assert!(bad.parse::<Oid>().is_err(), "{bad:?}");
    }
    assert!(decode_oid(&[]).is_err());
    assert!(decode_oid(&[0x2b, 0x86]).is_err(), "cut subidentifier");
    assert!(
        decode_oid(&[0x2b, 0x90, 0x80, 0x80, 0x80, 0x00]).is_err(),
        "arc > u32"
    );
    assert!(decode_oid(&[0x2b; MAX_OID_ARCS + 1]).is_err());
}

#[test]
fn decoder_never_panics_on_random_or_mutated_input() {
    let walk = encode(&response(vec![
        (oids::sys_uptime(), Value::TimeTicks(42)),
        (oids::sys_name(), Value::EndOfMibView),
    ]));
    for input in fuzz::mutations(&[SYSDESCR_RESPONSE, &walk]) {
        if let Ok(m) = decode(&input) {
            let _ = encode(&m);
        }
    }
}
