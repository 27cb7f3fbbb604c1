//! SSDP: one unicast M-SEARCH to the device itself (never to the multicast
//! group), then its device description when LOCATION names the same host.
//! Identifies UPnP media players, NVRs, gateways and signage screens.

use std::time::Duration;

use tokio::time::Instant;

use super::fetch;
use crate::model::{Evidence, Observation, Target, clean_text};
use crate::net::{Net, UdpOutcome};
use crate::proto::ssdp::{self, Announcement, DeviceDescription};

/// Characters kept from a header or description field.
const MAX_FACT_CHARS: usize = 200;

/// Sends the M-SEARCH to `target:port` and follows its LOCATION. `None`
/// when nothing answered.
pub(crate) async fn probe(
    net: &Net,
    target: &Target,
    port: u16,
    timeout: Duration,
) -> Option<Observation> {
    let start = Instant::now();
    let deadline = start + timeout;
    let host = super::authority(target, port);
    let search = ssdp::encode_msearch(&host, ssdp::ST_ALL, 1);
    // The M-SEARCH (and its retransmissions) gets half the budget; the
    // description gets the rest.
    let window = (timeout / 2).max(Duration::from_millis(200));
    let reply = match net
        .udp_request(target, port, "ssdp-msearch", &search, window, 65_536)
        .await
    {
        UdpOutcome::Reply(bytes) => bytes,
        _ => return None,
    };
    let mut obs = super::udp_answered(target, port, "ssdp-msearch", &reply);
    match ssdp::parse_announcement(&reply) {
        Ok(a) => {
            obs.protocol = "ssdp".into();
            record_announcement(&a, &mut obs);
            if let Some(location) = &a.location {
                // The description gets a budget of its own from the answer
                // on: the M-SEARCH may have waited long for its rate slot.
                let deadline = deadline.max(Instant::now() + timeout / 2);
                describe(net, target, location, deadline, &mut obs).await;
            }
        }
        Err(e) => super::protocol_error(
            &mut obs,
            format!("answered an SSDP M-SEARCH with something else: {e}"),
        ),
    }
    obs.elapsed_ms = start.elapsed().as_millis() as u64;
    Some(obs)
}

fn text(v: &str) -> String {
    clean_text(v.as_bytes(), MAX_FACT_CHARS)
}

fn record_announcement(a: &Announcement, obs: &mut Observation) {
    for (name, v) in [
        ("ssdp.server", &a.server),
        ("ssdp.st", &a.st),
        ("ssdp.usn", &a.usn),
        ("ssdp.location", &a.location),
    ] {
        if let Some(v) = v {
            obs.set(name, text(v));
        }
    }
}

/// Fetches and records the description at `location`, only when it is on
/// the target itself.
async fn describe(
    net: &Net,
    target: &Target,
    location: &str,
    deadline: Instant,
    obs: &mut Observation,
) {
    let Some((port, path)) = fetch::local_url(location, target) else {
        return;
    };
    let Some(resp) = fetch::request(
        net,
        target,
        port,
        "upnp-description",
        "GET",
        &path,
        &[],
        &[],
        deadline,
    )
    .await
    else {
        return;
    };
    obs.evidence
        .push(Evidence::from_bytes("upnp-description", &resp.body));
    if resp.head.status != 200 {
        return;
    }
    if let Ok(d) = ssdp::parse_description(&resp.body) {
        record_description(&d, obs);
    }
}

fn record_description(d: &DeviceDescription, obs: &mut Observation) {
    for (name, v) in [
        ("upnp.device_type", &d.device_type),
        ("upnp.friendly_name", &d.friendly_name),
        ("upnp.manufacturer", &d.manufacturer),
        ("upnp.model_name", &d.model_name),
        ("upnp.model_number", &d.model_number),
        ("upnp.model_description", &d.model_description),
        ("upnp.serial_number", &d.serial_number),
        ("upnp.udn", &d.udn),
        ("upnp.presentation_url", &d.presentation_url),
    ] {
        if let Some(v) = v {
            obs.set(name, text(v));
        }
    }
}

#[cfg(test)]
mod tests {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    use tokio::net::{TcpListener, UdpSocket};

    use super::*;
    use crate::model::FactValue;
    use crate::model::ProbeStatus;

    const TIMEOUT: Duration = Duration::from_secs(2);

    fn net_and_target(ip: &str) -> (Net, Target) {
        crate::probe::test_net("127.88.0.0/24", ip)
    }

    const SERVER: &str = "Linux/4.9 UPnP/1.0 test/1";

    fn description() -> DeviceDescription {
        DeviceDescription {
            device_type: Some("urn:schemas-upnp-org:device:Basic:1".into()),
            friendly_name: Some("NVR\u{7} test".into()),
            manufacturer: Some("Hikvision".into()),
            model_name: Some("DS-7608NI-K2".into()),
            model_number: Some("V4.30.085".into()),
            serial_number: Some("S123".into()),
            udn: Some("uuid:1".into()),
            ..DeviceDescription::default()
        }
    }

    /// A device on `ip` answering searches (with the `ssdp` encoder) and
    /// serving its description once per connection; LOCATION names
    /// `location_host` (the device itself or not).
    async fn fake_device(ip: &str, location_host: &str) -> u16 {
        let udp = UdpSocket::bind((ip, 0)).await.unwrap();
        let http = TcpListener::bind((ip, 0)).await.unwrap();
        let location = format!(
            "http://{location_host}:{}/description.xml",
            http.local_addr().unwrap().port()
        );
        let port = udp.local_addr().unwrap().port();
        tokio::spawn(async move {
            let mut buf = [0u8; 2048];
            while let Ok((n, peer)) = udp.recv_from(&mut buf).await {
                if ssdp::parse_msearch(&buf[..n]).is_ok() {
                    let reply = ssdp::encode_search_response(&ssdp::SearchResponse {
                        st: ssdp::ST_ROOT_DEVICE,
                        usn: "uuid:1::upnp:rootdevice",
                        location: &location,
                        server: SERVER,
                        max_age: 1800,
                    });
                    let _ = udp.send_to(&reply, peer).await;
                }
            }
        });
        tokio::spawn(async move {
            while let Ok((mut s, _)) = http.accept().await {
                let mut buf = [0u8; 4096];
                let _ = s.read(&mut buf).await;
                let reply = crate::proto::http::encode_response(
                    "HTTP/1.1",
                    200,
                    "OK",
                    &[("Content-Type", "text/xml")],
                    &ssdp::encode_description(&description()),
                );
                let _ = s.write_all(&reply).await;
            }
        });
        port
    }

    fn text_fact<'a>(obs: &'a Observation, name: &str) -> &'a str {
        match obs.fact(name) {
            Some(FactValue::Text(t)) => t,
            other => panic!("{name}: {other:?}"),
        }
    }

    #[tokio::test]
    async fn identifies_a_device_from_search_and_description() {
        let (net, target) = net_and_target("127.88.0.30");
        let port = fake_device("127.88.0.30", "127.88.0.30").await;
        let obs = probe(&net, &target, port, TIMEOUT)
            .await
            .expect("an answer");
        assert_eq!(obs.protocol, "ssdp");
        assert_eq!(obs.status, ProbeStatus::Ok);
        assert_eq!(text_fact(&obs, "ssdp.server"), SERVER);
        assert_eq!(text_fact(&obs, "ssdp.st"), "upnp:rootdevice");
        assert_eq!(text_fact(&obs, "ssdp.usn"), "uuid:1::upnp:rootdevice");
        assert_eq!(text_fact(&obs, "upnp.manufacturer"), "Hikvision");
        assert_eq!(text_fact(&obs, "upnp.model_name"), "DS-7608NI-K2");
        assert_eq!(text_fact(&obs, "upnp.model_number"), "V4.30.085");
        assert_eq!(text_fact(&obs, "upnp.serial_number"), "S123");
        assert_eq!(text_fact(&obs, "upnp.udn"), "uuid:1");
        // Control characters from the device are dropped.
        assert_eq!(text_fact(&obs, "upnp.friendly_name"), "NVR test");
        assert!(obs.fact("upnp.presentation_url").is_none());
        let labels: Vec<&str> = obs.evidence.iter().map(|e| e.probe.as_str()).collect();
        assert_eq!(labels, ["ssdp-msearch", "upnp-description"]);
    }

    #[tokio::test]
    async fn two_lost_searches_still_yield_the_device_and_its_description() {
        let ip = "127.88.0.34";
        let (net, target) = net_and_target(ip);
        // Known alive (as after host discovery): silence earns retransmissions.
        net.alive(target.addr());
        let device = fake_device(ip, ip).await;
        let (port, sent) =
            crate::probe::lossy_path(std::net::SocketAddr::new(target.addr(), device), 2).await;
        let obs = probe(&net, &target, port, TIMEOUT)
            .await
            .expect("the third copy is answered");
        assert_eq!(text_fact(&obs, "ssdp.server"), SERVER);
        assert_eq!(text_fact(&obs, "upnp.model_name"), "DS-7608NI-K2");
        assert_eq!(sent.load(std::sync::atomic::Ordering::SeqCst), 3);
    }

    #[tokio::test]
    async fn never_follows_a_location_on_another_host() {
        let (net, target) = net_and_target("127.88.0.31");
        let port = fake_device("127.88.0.31", "127.88.0.32").await;
        let obs = probe(&net, &target, port, TIMEOUT)
            .await
            .expect("an answer");
        assert!(text_fact(&obs, "ssdp.location").starts_with("http://127.88.0.32:"));
        assert!(obs.fact("upnp.manufacturer").is_none());
        assert_eq!(obs.evidence.len(), 1);
    }

    #[tokio::test]
    async fn a_non_ssdp_answer_is_a_protocol_error_and_silence_is_none() {
        let (net, target) = net_and_target("127.88.0.33");
        let sock = UdpSocket::bind("127.88.0.33:0").await.unwrap();
        let port = sock.local_addr().unwrap().port();
        tokio::spawn(async move {
            let mut buf = [0u8; 2048];
            while let Ok((_, peer)) = sock.recv_from(&mut buf).await {
                let _ = sock.send_to(b"\x30\x26\x02\x01\x01garbage", peer).await;
            }
        });
        let obs = probe(&net, &target, port, TIMEOUT)
            .await
            .expect("an answer");
        assert_eq!(obs.status, ProbeStatus::ProtocolError);
        assert!(obs.fact("service.note").is_some());
        let silent = UdpSocket::bind("127.88.0.33:0").await.unwrap();
        let port = silent.local_addr().unwrap().port();
        let short = Duration::from_millis(400);
        assert!(probe(&net, &target, port, short).await.is_none());
        drop(silent);
    }
}
