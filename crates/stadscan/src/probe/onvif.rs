//! ONVIF: a WS-Discovery Probe sent by unicast to the camera itself (never
//! to the multicast group), then GetDeviceInformation without credentials
//! at the first device service address on the same host. A camera that
//! answers the latter tells anyone its model and firmware.

use std::time::Duration;

use tokio::time::Instant;

use super::fetch;
use crate::model::{Evidence, Observation, ProbeStatus, Target, clean_text};
use crate::net::{Net, UdpOutcome};
use crate::proto::onvif::{self, DeviceInfoReply, ProbeMatch};

/// Characters kept from one field.
const MAX_FACT_CHARS: usize = 200;
/// Scopes kept in `wsd.scopes`.
const MAX_SCOPES: usize = 16;
const SOAP_CONTENT_TYPE: &str = "application/soap+xml; charset=utf-8";

/// Probes `target:port` (the WS-Discovery port, 3702). `None` when nothing answered.
pub(crate) async fn probe(
    net: &Net,
    target: &Target,
    port: u16,
    timeout: Duration,
) -> Option<Observation> {
    let start = Instant::now();
    let deadline = start + timeout;
    let message_id = fresh_message_id()?;
    // The probe (and its retransmissions) gets half the budget;
    // GetDeviceInformation gets the rest.
    let window = (timeout / 2).max(Duration::from_millis(200));
    let reply = match net
        .udp_request(
            target,
            port,
            "wsd-probe",
            &onvif::encode_probe(&message_id),
            window,
            65_536,
        )
        .await
    {
        UdpOutcome::Reply(bytes) => bytes,
        _ => return None,
    };
    let mut obs = super::udp_answered(target, port, "wsd-probe", &reply);
    match onvif::parse_probe_matches(&reply, &message_id) {
        Ok(matches) => {
            obs.protocol = "ws-discovery".into();
            // A unicast probe reaches one device: its first match is it.
            if let Some(m) = matches.first() {
                record_match(m, &mut obs);
                let local = m.xaddrs.iter().find_map(|x| fetch::local_url(x, target));
                if let Some((port, path)) = local {
                    // A budget of its own from the answer on (the probe
                    // may have waited long for its rate slot).
                    let deadline = deadline.max(Instant::now() + timeout / 2);
                    device_information(net, target, port, &path, deadline, &mut obs).await;
                }
            }
        }
        Err(e) => {
            obs.status = ProbeStatus::ProtocolError;
            obs.set(
                "service.note",
                format!("answered a WS-Discovery probe with something else: {e}"),
            );
        }
    }
    obs.elapsed_ms = start.elapsed().as_millis() as u64;
    Some(obs)
}

/// A random (version 4) `urn:uuid:`; `None` only if the system RNG fails.
fn fresh_message_id() -> Option<String> {
    use ring::rand::SecureRandom;
    let mut b = [0u8; 16];
    ring::rand::SystemRandom::new().fill(&mut b).ok()?;
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let h: String = b.iter().map(|x| format!("{x:02x}")).collect();
    Some(format!(
        "urn:uuid:{}-{}-{}-{}-{}",
        &h[..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..]
    ))
}

fn texts(v: &[String], max: usize) -> Vec<String> {
    v.iter()
        .take(max)
        .map(|s| clean_text(s.as_bytes(), MAX_FACT_CHARS))
        .collect()
}

fn record_match(m: &ProbeMatch, obs: &mut Observation) {
    obs.set("wsd.types", texts(&m.types, onvif::MAX_ITEMS));
    obs.set("wsd.xaddrs", texts(&m.xaddrs, onvif::MAX_ITEMS));
    obs.set("wsd.scopes", texts(&m.scopes, MAX_SCOPES));
    for (fact, category) in [
        ("onvif.name", "name"),
        ("onvif.hardware", "hardware"),
        ("onvif.location", "location"),
    ] {
        let values = onvif::scope_values(&m.scopes, category);
        if !values.is_empty() {
            let joined = values.join(", ");
            obs.set(fact, clean_text(joined.as_bytes(), MAX_FACT_CHARS));
        }
    }
}

async fn device_information(
    net: &Net,
    target: &Target,
    port: u16,
    path: &str,
    deadline: Instant,
    obs: &mut Observation,
) {
    let Some(resp) = fetch::request(
        net,
        target,
        port,
        "onvif-device-info",
        "POST",
        path,
        &[("Content-Type", SOAP_CONTENT_TYPE)],
        &onvif::encode_get_device_information(),
        deadline,
    )
    .await
    else {
        return;
    };
    obs.evidence
        .push(Evidence::from_bytes("onvif-device-info", &resp.body));
    match onvif::parse_device_information(&resp.body) {
        Ok(DeviceInfoReply::Info(info)) if resp.head.status == 200 => {
            obs.set("onvif.device_info_unauthenticated", true);
            for (name, v) in [
                ("onvif.manufacturer", &info.manufacturer),
                ("onvif.model", &info.model),
                ("onvif.firmware_version", &info.firmware_version),
                ("onvif.serial_number", &info.serial_number),
                ("onvif.hardware_id", &info.hardware_id),
            ] {
                if let Some(v) = v {
                    obs.set(name, clean_text(v.as_bytes(), MAX_FACT_CHARS));
                }
            }
        }
        Ok(DeviceInfoReply::Fault(f)) => {
            obs.set("onvif.device_info_unauthenticated", false);
            let what = f.subcode.as_deref().unwrap_or(&f.code);
            obs.set(
                "onvif.device_info_fault",
                clean_text(what.as_bytes(), MAX_FACT_CHARS),
            );
        }
        _ if matches!(resp.head.status, 401 | 403) => {
            // Refused at the HTTP layer (Digest or Basic), before any SOAP.
            obs.set("onvif.device_info_unauthenticated", false);
            obs.set(
                "onvif.device_info_fault",
                format!("HTTP {}", resp.head.status),
            );
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn message_ids_are_fresh_version_4_uuids() {
        let a = fresh_message_id().unwrap();
        let b = fresh_message_id().unwrap();
        assert_ne!(a, b);
        assert_eq!(a.len(), "urn:uuid:".len() + 36);
        let uuid = a.strip_prefix("urn:uuid:").unwrap();
        let parts: Vec<&str> = uuid.split('-').collect();
        assert_eq!(
            parts.iter().map(|p| p.len()).collect::<Vec<_>>(),
            [8, 4, 4, 4, 12]
        );
        assert!(parts[2].starts_with('4'));
        assert!(matches!(parts[3].as_bytes()[0], b'8' | b'9' | b'a' | b'b'));
    }
}

#[cfg(test)]
mod conversation_tests {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    use tokio::net::{TcpListener, UdpSocket};

    use super::*;
    use crate::model::FactValue;

    const TIMEOUT: Duration = Duration::from_secs(2);

    fn net_and_target(ip: &str) -> (Net, Target) {
        crate::probe::test_net("127.88.1.0/24", ip)
    }

    /// WS-Discovery on a UDP port of `ip` (with the `onvif` encoder),
    /// XAddr pointing at `http`'s port.
    async fn wsd(ip: &str, http: &TcpListener) -> u16 {
        let udp = UdpSocket::bind((ip, 0)).await.unwrap();
        let xaddr = format!(
            "http://{ip}:{}/onvif/device_service",
            http.local_addr().unwrap().port()
        );
        let port = udp.local_addr().unwrap().port();
        tokio::spawn(async move {
            let mut buf = [0u8; 4096];
            while let Ok((n, peer)) = udp.recv_from(&mut buf).await {
                let Ok(p) = onvif::parse_probe(&buf[..n]) else {
                    continue;
                };
                let m = ProbeMatch {
                    endpoint: Some("urn:uuid:1".into()),
                    types: vec!["dn:NetworkVideoTransmitter".into()],
                    scopes: vec![
                        "onvif://www.onvif.org/name/Kade%2012%20camera".into(),
                        "onvif://www.onvif.org/hardware/IPC-HFW2431S-S-S2".into(),
                        "onvif://www.onvif.org/location/city/Demo%20City".into(),
                    ],
                    xaddrs: vec!["http://127.0.0.99/elsewhere".into(), xaddr.clone()],
                    metadata_version: Some("1".into()),
                };
                let reply = onvif::encode_probe_matches(&p.message_id, "urn:uuid:2", &m);
                let _ = udp.send_to(&reply, peer).await;
            }
        });
        port
    }

    /// Answers every connection on `http` with `status` and `body` (SOAP).
    fn serve(http: TcpListener, status: u16, body: Vec<u8>) {
        tokio::spawn(async move {
            while let Ok((mut s, _)) = http.accept().await {
                let mut buf = [0u8; 4096];
                let _ = s.read(&mut buf).await;
                let reply = crate::proto::http::encode_response(
                    "HTTP/1.1",
                    status,
                    "X",
                    &[("Content-Type", SOAP_CONTENT_TYPE)],
                    &body,
                );
                let _ = s.write_all(&reply).await;
            }
        });
    }

    fn fact<'a>(obs: &'a Observation, name: &str) -> &'a FactValue {
        obs.fact(name)
            .unwrap_or_else(|| panic!("{name} missing: {:?}", obs.facts))
    }

    #[tokio::test]
    async fn two_lost_probes_still_yield_the_camera() {
        let ip = "127.88.1.34";
        let (net, target) = net_and_target(ip);
        // Known alive (as after host discovery): silence earns retransmissions.
        net.alive(target.addr());
        let http = TcpListener::bind((ip, 0)).await.unwrap();
        let device = wsd(ip, &http).await;
        serve(http, 401, Vec::new());
        let (port, sent) =
            crate::probe::lossy_path(std::net::SocketAddr::new(target.addr(), device), 2).await;
        let obs = probe(&net, &target, port, TIMEOUT)
            .await
            .expect("the third copy is answered");
        assert_eq!(obs.protocol, "ws-discovery");
        assert_eq!(fact(&obs, "onvif.name").render(), "Kade 12 camera");
        assert_eq!(sent.load(std::sync::atomic::Ordering::SeqCst), 3);
    }

    #[tokio::test]
    async fn reads_device_information_given_without_credentials() {
        let ip = "127.88.1.30";
        let (net, target) = net_and_target(ip);
        let http = TcpListener::bind((ip, 0)).await.unwrap();
        let port = wsd(ip, &http).await;
        let info = onvif::DeviceInformation {
            manufacturer: Some("Dahua".into()),
            model: Some("IPC-HFW2431S-S-S2".into()),
            firmware_version: Some("2.800.0000000.25.R, Build Date 2020-06-12".into()),
            serial_number: Some("6J0C1A2PAZ12345".into()),
            hardware_id: Some("1.00".into()),
        };
        serve(http, 200, onvif::encode_device_information(&info));
        let obs = probe(&net, &target, port, TIMEOUT)
            .await
            .expect("an answer");
        assert_eq!(obs.protocol, "ws-discovery");
        let text = |n: &str| fact(&obs, n).render();
        assert_eq!(text("onvif.manufacturer"), "Dahua");
        assert_eq!(text("onvif.model"), "IPC-HFW2431S-S-S2");
        assert_eq!(
            text("onvif.firmware_version"),
            "2.800.0000000.25.R, Build Date 2020-06-12"
        );
        assert_eq!(text("onvif.serial_number"), "6J0C1A2PAZ12345");
        assert_eq!(text("onvif.hardware_id"), "1.00");
        assert_eq!(
            fact(&obs, "onvif.device_info_unauthenticated"),
            &FactValue::Bool(true)
        );
        assert_eq!(text("onvif.name"), "Kade 12 camera");
        assert_eq!(text("onvif.hardware"), "IPC-HFW2431S-S-S2");
        assert_eq!(text("onvif.location"), "city/Demo City");
        assert!(text("wsd.types").contains("dn:NetworkVideoTransmitter"));
        assert!(matches!(fact(&obs, "wsd.scopes"), FactValue::List(v) if v.len() == 3));
        assert!(text("wsd.xaddrs").contains("127.0.0.99"));
    }

    #[tokio::test]
    async fn records_the_fault_of_a_camera_that_wants_credentials() {
        let ip = "127.88.1.31";
        let (net, target) = net_and_target(ip);
        let http = TcpListener::bind((ip, 0)).await.unwrap();
        let port = wsd(ip, &http).await;
        let fault = onvif::encode_fault(&onvif::Fault {
            code: "s:Sender".into(),
            subcode: Some("ter:NotAuthorized".into()),
            reason: Some("Sender not Authorized".into()),
        });
        serve(http, 400, fault);
        let obs = probe(&net, &target, port, TIMEOUT)
            .await
            .expect("an answer");
        assert_eq!(
            fact(&obs, "onvif.device_info_fault").render(),
            "ter:NotAuthorized"
        );
        assert_eq!(
            fact(&obs, "onvif.device_info_unauthenticated"),
            &FactValue::Bool(false)
        );
        assert!(obs.fact("onvif.model").is_none());
    }

    #[tokio::test]
    async fn an_http_401_counts_as_refused() {
        let ip = "127.88.1.32";
        let (net, target) = net_and_target(ip);
        let http = TcpListener::bind((ip, 0)).await.unwrap();
        let port = wsd(ip, &http).await;
        serve(http, 401, Vec::new());
        let obs = probe(&net, &target, port, TIMEOUT)
            .await
            .expect("an answer");
        assert_eq!(fact(&obs, "onvif.device_info_fault").render(), "HTTP 401");
    }
}
