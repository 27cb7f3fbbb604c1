//! The lab's Modbus/TCP device: a PLC in a pumping station that answers Read
//! Device Identification (0x2B/0x0E) for every unit id, and exception 01
//! (illegal function) to every other function code. It has no registers:
//! nothing here reads or writes process values.

use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;

use super::{READ_TIMEOUT, read_more};
use crate::proto::ParseError;
use crate::proto::modbus::{self, FUNCTION_MEI, MAX_ADU, MEI_READ_DEVICE_ID, object};

pub(crate) const VENDOR: &str = "Schneider Electric";
pub(crate) const PRODUCT_CODE: &str = "BMX P34 2020";
pub(crate) const REVISION: &str = "v2.70";
pub(crate) const VENDOR_URL: &str = "http://www.se.com";
pub(crate) const PRODUCT_NAME: &str = "Modicon M340";
pub(crate) const MODEL_NAME: &str = "BMX P34 2020";
pub(crate) const USER_APPLICATION: &str = "GEMAAL-NOORD-PS3";

/// Regular identification, stream and individual access (0x82 | 0x80).
const CONFORMITY_LEVEL: u8 = 0x82;

fn identification() -> Vec<(u8, Vec<u8>)> {
    [
        (object::VENDOR_NAME, VENDOR),
        (object::PRODUCT_CODE, PRODUCT_CODE),
        (object::MAJOR_MINOR_REVISION, REVISION),
        (object::VENDOR_URL, VENDOR_URL),
        (object::PRODUCT_NAME, PRODUCT_NAME),
        (object::MODEL_NAME, MODEL_NAME),
        (object::USER_APPLICATION_NAME, USER_APPLICATION),
    ]
    .into_iter()
    .map(|(id, v)| (id, v.as_bytes().to_vec()))
    .collect()
}

/// Serves one connection: frame after frame until the client closes, is idle
/// for `READ_TIMEOUT`, or sends something that is not Modbus/TCP.
pub(crate) async fn serve_modbus(mut stream: TcpStream) {
    let mut buf = Vec::with_capacity(MAX_ADU);
    loop {
        match modbus::decode_frame(&buf) {
            Ok((frame, used)) => {
                buf.drain(..used.min(buf.len()));
                let pdu = answer(&frame.pdu);
                let reply = modbus::encode_frame(frame.transaction_id, frame.unit_id, &pdu);
                if stream.write_all(&reply).await.is_err() {
                    return;
                }
            }
            Err(ParseError::Incomplete) => {
                if !read_more(&mut stream, &mut buf, MAX_ADU, READ_TIMEOUT).await {
                    break;
                }
            }
            Err(e) => {
                tracing::debug!(error = %e, "lab modbus: not a Modbus/TCP frame");
                break;
            }
        }
    }
    let _ = stream.shutdown().await;
}

/// The response PDU to one request PDU.
pub(crate) fn answer(pdu: &[u8]) -> Vec<u8> {
    let function = pdu.first().copied().unwrap_or(0) & 0x7f;
    if function != FUNCTION_MEI {
        return modbus::encode_exception(function, modbus::ILLEGAL_FUNCTION);
    }
    if pdu.get(1) != Some(&MEI_READ_DEVICE_ID) {
        // CANopen general reference (MEI 0x0D) and the rest: not supported.
        return modbus::encode_exception(function, modbus::ILLEGAL_FUNCTION);
    }
    let request = match modbus::decode_device_id_request(pdu) {
        Ok(r) => r,
        Err(_) => return modbus::encode_exception(function, modbus::ILLEGAL_DATA_VALUE),
    };
    match modbus::serve_device_id(request, &identification(), CONFORMITY_LEVEL) {
        Ok(r) => modbus::encode_device_id_response(&r),
        Err(code) => modbus::encode_exception(function, code),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::proto::modbus::{DeviceIdRequest, ReadDeviceIdCode, Response};
    use tokio::io::AsyncReadExt;
    use tokio::net::TcpListener;

    fn ask(code: ReadDeviceIdCode, object_id: u8) -> Response {
        let pdu = modbus::encode_device_id_request(DeviceIdRequest { code, object_id });
        modbus::decode_response(&answer(&pdu)).unwrap()
    }

    #[test]
    fn basic_and_regular_identification() {
        let Response::DeviceId(basic) = ask(ReadDeviceIdCode::Basic, 0) else {
            panic!("identification");
        };
        assert_eq!(basic.objects.len(), 3);
        assert_eq!(basic.object(0), Some(VENDOR.as_bytes()));
        assert_eq!(basic.conformity_level, CONFORMITY_LEVEL);
        let Response::DeviceId(regular) = ask(ReadDeviceIdCode::Regular, 3) else {
            panic!("identification");
        };
        let ids: Vec<u8> = regular.objects.iter().map(|(i, _)| *i).collect();
        assert_eq!(ids, [3, 4, 5, 6]);
        assert_eq!(regular.object(5), Some(MODEL_NAME.as_bytes()));
        let Response::DeviceId(one) = ask(ReadDeviceIdCode::Individual, 2) else {
            panic!("identification");
        };
        assert_eq!(one.objects, vec![(2, REVISION.as_bytes().to_vec())]);
    }

    #[test]
    fn everything_else_is_an_exception() {
        // Beyond its conformity level the PLC answers at its own level.
        assert!(matches!(
            ask(ReadDeviceIdCode::Extended, 0x80),
            Response::DeviceId(r) if r.objects.len() == 7
        ));
        assert_eq!(
            ask(ReadDeviceIdCode::Individual, 0x80),
            Response::Exception {
                function: 0x2b,
                code: 2
            }
        );
        assert_eq!(answer(&[0x03, 0, 0, 0, 10]), [0x83, 0x01]);
        assert_eq!(answer(&[0x06, 0, 1, 0, 1]), [0x86, 0x01]);
        assert_eq!(answer(&[0x2b, 0x0d, 0, 0]), [0xab, 0x01]);
        assert_eq!(answer(&[0x2b, 0x0e, 0x07, 0]), [0xab, 0x03]);
        assert_eq!(answer(&[]), [0x80, 0x01]);
    }

    #[tokio::test]
    async fn serves_frames_on_a_connection_and_closes_on_garbage() {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move {
            let (s, _) = listener.accept().await.unwrap();
            serve_modbus(s).await;
        });
        let mut c = TcpStream::connect(addr).await.unwrap();
        // Two requests in one write: both answered, in order.
        let mut two = modbus::encode_frame(
            7,
            255,
            &modbus::encode_device_id_request(DeviceIdRequest {
                code: ReadDeviceIdCode::Basic,
                object_id: 0,
            }),
        );
        two.extend(modbus::encode_frame(8, 0, &[0x01, 0, 0, 0, 8]));
        c.write_all(&two).await.unwrap();
        let mut got = Vec::new();
        let mut chunk = [0u8; 512];
        let mut frames = Vec::new();
        while frames.len() < 2 {
            let n = c.read(&mut chunk).await.unwrap();
            assert!(n > 0, "closed early");
            got.extend_from_slice(&chunk[..n]);
            while let Ok((f, used)) = modbus::decode_frame(&got) {
                got.drain(..used);
                frames.push(f);
            }
        }
        assert_eq!((frames[0].transaction_id, frames[0].unit_id), (7, 255));
        assert!(matches!(
            modbus::decode_response(&frames[0].pdu),
            Ok(Response::DeviceId(_))
        ));
        assert_eq!(
            (frames[1].transaction_id, frames[1].pdu.as_slice()),
            (8, &[0x81u8, 0x01][..])
        );
        c.write_all(b"GET / HTTP/1.0\r\n\r\n").await.unwrap();
        let n = tokio::time::timeout(std::time::Duration::from_secs(5), c.read(&mut chunk))
            .await
            .unwrap()
            .unwrap_or(0);
        assert_eq!(n, 0, "closed after garbage");
    }
}
