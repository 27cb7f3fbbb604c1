//! The lab: simulated smart-city devices as small tokio servers on 127.0.0.0/8.
//!
//! Used by `stadscan demo`, `stadscan lab` and the integration tests; every
//! device speaks through the pure protocol code of `stadscan-proto`, the same
//! code the scanner's probes use. A crate of its own, so a city's build of
//! the scanner carries no simulated device, lab key or lab data.

// Items are `pub` only when another crate may use them.
#![warn(unreachable_pub)]
#![warn(missing_docs)]

mod bacnet;
mod certs;
mod coap;
mod devices;
mod hostile;
mod legacy_tls;
mod login_svc;
mod login_web;
mod modbus;
mod onvif;
mod ssh;
mod table;
mod udp;
mod upnp;
mod web;

#[cfg(test)]
mod tests;

use std::collections::HashMap;
use std::future::Future;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use tokio::io::{AsyncRead, AsyncReadExt};
use tokio::net::{TcpListener, TcpStream, UdpSocket};
use tokio::task::JoinSet;
use tokio_rustls::TlsAcceptor;

use stadscan_proto as proto;

pub use table::{write_city_lab, write_lab};

/// Transport of a lab endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Transport {
    /// A TCP listener.
    Tcp,
    /// A UDP socket.
    Udp,
}

impl Transport {
    /// `tcp` or `udp`, as the scanner writes it.
    pub fn as_str(self) -> &'static str {
        match self {
            Transport::Tcp => "tcp",
            Transport::Udp => "udp",
        }
    }
}

/// The data of the lab's fictional products (fingerprints, default
/// credentials, firmware advisories and their Dutch wording), under the names they would have in
/// `checks/`: the binary adds them to the built-in data when it carries the
/// lab, so a city's build without the lab knows nothing of them.
pub static DATA_FILES: &[(&str, &str)] = &[
    (
        "checks/credentials/lab.toml",
        include_str!("../data/credentials/lab.toml"),
    ),
    (
        "checks/fingerprints/lab.toml",
        include_str!("../data/fingerprints/lab.toml"),
    ),
    (
        "checks/firmware/lab.toml",
        include_str!("../data/firmware/lab.toml"),
    ),
    (
        "checks/lang/lab/nl.toml",
        include_str!("../data/lang/nl.toml"),
    ),
];

/// The lab's DNS domain (a reserved `.test` name: it never leaks to real DNS).
pub const LAB_DOMAIN: &str = "demo-city.test";
/// The lab CA certificate; scans of the lab trust it as a trust anchor.
pub const LAB_CA_PEM: &str = include_str!("lab-ca.pem");
/// The lab CA's private key (PKCS#8 P-256). Lab-only: it signs the portal.
const LAB_CA_KEY_PEM: &str = include_str!("lab-ca-key.pem");

/// Idle time a connection may spend without sending anything.
pub(crate) const READ_TIMEOUT: Duration = Duration::from_secs(10);
/// Connections one listener serves at once; more are closed on accept.
const MAX_CONNECTIONS: usize = 256;
/// TTL of the lab DNS answers.
const DNS_TTL: u32 = 60;

/// Where and how to run a lab.
#[derive(Debug, Clone)]
pub struct LabConfig {
    /// `[127, a, b]`: devices listen on `127.a.b.<host>`.
    pub prefix: [u8; 3],
    /// True: the demo's fixed ports; false: port 0 everywhere (OS-chosen).
    pub fixed_ports: bool,
    /// Also start the hostile devices (class `hostile`: tarpit, garbage,
    /// drip, firehose, reset, liars and floods; see `hostile.rs`).
    pub hostile: bool,
}

impl LabConfig {
    /// The demo lab: `127.42.0.0/24`, fixed ports, no hostile devices.
    pub fn demo() -> Self {
        LabConfig {
            prefix: [127, 42, 0],
            fixed_ports: true,
            hostile: false,
        }
    }
}

/// One listening endpoint of a lab device.
#[derive(Debug, Clone, serde::Serialize)]
pub struct DeviceInfo {
    /// The device's name in the lab table (`camera-01`); shared by every
    /// endpoint of the same device.
    pub name: String,
    /// The kind of device (`camera`, `mqtt-broker`, `hostile`...).
    pub class: String,
    /// The loopback address the device listens on (in `127.0.0.0/8`).
    pub addr: IpAddr,
    /// The port actually bound: the table's port, or the one the OS chose
    /// when the lab runs without fixed ports.
    pub port: u16,
    /// Whether the endpoint is a TCP listener or a UDP socket.
    pub transport: Transport,
    /// The service spoken on the endpoint (`http`, `snmp`, `unknown`...).
    pub service: String,
    /// The name under [`LAB_DOMAIN`] the lab DNS answers with this address;
    /// `None` for devices without one.
    pub hostname: Option<String>,
    /// What the device does and which weaknesses it has, as `stadscan lab`
    /// prints it.
    pub notes: String,
}

/// Why a lab could not start.
#[derive(Debug, thiserror::Error)]
pub enum LabError {
    /// A device's socket could not be bound (also returned for a prefix
    /// outside `127.0.0.0/8`).
    #[error("cannot bind {addr}: {source}")]
    Bind {
        /// The address and port the device wanted (port 0: OS-chosen).
        addr: SocketAddr,
        /// The operating system's error.
        source: std::io::Error,
    },
    /// A lab key or certificate (`context`: which one) could not be made.
    #[error("lab certificate: {context}: {source}")]
    Certificate {
        /// Which key or certificate failed.
        context: &'static str,
        /// The certificate generator's error.
        source: rcgen::Error,
    },
    /// A TLS server configuration for a lab device was refused by rustls.
    #[error("lab certificate: TLS configuration: {0}")]
    Tls(#[from] rustls::Error),
    /// The system gave no random bytes for an SSH host key.
    #[error("lab SSH host key: no randomness for the SSH host key")]
    HostKey,
    /// A city lab was asked for no devices or more than fit its /16.
    #[error("a city lab holds 1 to {capacity} devices, not {devices}")]
    Devices {
        /// The number of devices asked for.
        devices: usize,
        /// The most a city lab holds (254 addresses in each of 256 /24s).
        capacity: usize,
    },
    /// The soft limit on open files is too low for the city lab's sockets.
    #[error(
        "{devices} devices need about {needed} open files, the limit here is {limit}: \
         raise it with `ulimit -n {needed}` (up to the hard limit, `ulimit -Hn`) or start fewer devices"
    )]
    OpenFiles {
        /// The number of devices asked for.
        devices: usize,
        /// Open files the lab needs: one per endpoint plus a margin of 64.
        needed: usize,
        /// The process's current soft limit.
        limit: u64,
    },
}

/// What a device endpoint runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    CameraHttp,
    CameraHttps,
    Broker,
    Snmp,
    Telnet,
    Ftp,
    /// A broker that needs its image's default account.
    BrokerDefaultAccount,
    /// The same broker with the account's password changed.
    BrokerChanged,
    /// A second streetlight controller whose communities were changed.
    SnmpChanged,
    /// A second traffic controller whose Telnet password was changed.
    TelnetChanged,
    /// A second FTP drop: no anonymous login, password changed.
    FtpChanged,
    Portal,
    Rtsp,
    /// SSH with the factory password.
    Ssh,
    /// SSH with a changed password.
    SshChanged,
    Dns,
    LegacyTls,
    Relay,
    Coap,
    Modbus,
    Bacnet,
    Ssdp,
    UpnpDescription,
    Wsd,
    Onvif,
    CameraDigest,
    RtspDigest,
    LightCtl,
    Tarpit,
    Garbage,
    Drip,
    Firehose,
    Reset,
    MqttLiar,
    HttpFlood,
    HttpChunked,
    TlsJunk,
    TlsBigChain,
    SnmpAbsurd,
}

impl Kind {
    /// Devices found by their well-known port (UDP discovery protocols,
    /// Modbus): they listen there even when the lab's other ports are
    /// chosen by the OS. Each lab has its own addresses, so two labs do not
    /// collide.
    fn fixed_port(self) -> bool {
        matches!(
            self,
            Kind::Coap | Kind::Modbus | Kind::Bacnet | Kind::Ssdp | Kind::Wsd
        )
    }

    /// Devices that exist for credential tests: a second unit of a product
    /// already in the table, configured otherwise. City labs leave them out
    /// (a city holds the demo's mix of products).
    fn credential_twin(self) -> bool {
        matches!(
            self,
            Kind::BrokerDefaultAccount
                | Kind::BrokerChanged
                | Kind::SnmpChanged
                | Kind::TelnetChanged
                | Kind::FtpChanged
                | Kind::SshChanged
        )
    }

    fn hostile(self) -> bool {
        matches!(
            self,
            Kind::Tarpit
                | Kind::Garbage
                | Kind::Drip
                | Kind::Firehose
                | Kind::Reset
                | Kind::MqttLiar
                | Kind::HttpFlood
                | Kind::HttpChunked
                | Kind::TlsJunk
                | Kind::TlsBigChain
                | Kind::SnmpAbsurd
        )
    }
}

/// The device table: one row per listening endpoint.
struct Spec {
    name: &'static str,
    class: &'static str,
    host: u8,
    port: u16,
    transport: Transport,
    service: &'static str,
    hostname: Option<&'static str>,
    kind: Kind,
    notes: &'static str,
}

const CAMERA_HOST: Option<&str> = Some("camera-01.demo-city.test");
const PORTAL_HOST: Option<&str> = Some("portal.demo-city.test");
const TCP: Transport = Transport::Tcp;
const UDP: Transport = Transport::Udp;

#[rustfmt::skip]
const SPECS: &[Spec] = &[
    Spec { name: "camera-01", class: "camera", host: 11, port: 8080, transport: TCP, service: "http",
           hostname: CAMERA_HOST, kind: Kind::CameraHttp,
           notes: "IP camera web UI, HTTP Basic over cleartext, default credentials admin/lab-cam-pass" },
    Spec { name: "camera-01", class: "camera", host: 11, port: 8443, transport: TCP, service: "https",
           hostname: CAMERA_HOST, kind: Kind::CameraHttps,
           notes: "same web UI over TLS with an expired self-signed certificate (CN IPC)" },
    Spec { name: "broker-01", class: "mqtt-broker", host: 12, port: 1883, transport: TCP, service: "mqtt",
           hostname: None, kind: Kind::Broker,
           notes: "MQTT broker accepting anonymous clients (and any user name and password)" },
    Spec { name: "streetlight-01", class: "streetlight-controller", host: 13, port: 1161, transport: UDP,
           service: "snmp", hostname: None, kind: Kind::Snmp,
           notes: "SNMP v1/v2c agent answering communities `public` and `lab-snmp-private` (the product's default)" },
    Spec { name: "trafficctl-01", class: "traffic-controller", host: 14, port: 2323, transport: TCP,
           service: "telnet", hostname: None, kind: Kind::Telnet,
           notes: "Telnet login on a traffic controller (cleartext administration), default account admin/lab-traffic-pass" },
    Spec { name: "ftp-01", class: "sensor-gateway", host: 15, port: 2121, transport: TCP, service: "ftp",
           hostname: None, kind: Kind::Ftp,
           notes: "FTP sensor data drop allowing anonymous login, default account ftpuser/lab-ftp-pass; AUTH TLS offered, not required" },
    Spec { name: "portal", class: "server", host: 16, port: 8443, transport: TCP, service: "https",
           hostname: PORTAL_HOST, kind: Kind::Portal,
           notes: "services portal with a certificate from the lab CA: the clean reference" },
    Spec { name: "rtsp-cam-01", class: "camera", host: 17, port: 8554, transport: TCP, service: "rtsp",
           hostname: None, kind: Kind::Rtsp,
           notes: "RTSP camera describing its stream without authentication" },
    Spec { name: "gateway-01", class: "sensor-gateway", host: 18, port: 2222, transport: TCP, service: "ssh",
           hostname: None, kind: Kind::Ssh,
           notes: "SSH gateway speaking as dropbear 2019.78: password login with the image's root/root still set, no shell" },
    Spec { name: "gateway-02", class: "sensor-gateway", host: 50, port: 2222, transport: TCP, service: "ssh",
           hostname: None, kind: Kind::SshChanged,
           notes: "the same SSH gateway with its root password changed: root/root is refused" },
    Spec { name: "bms-01", class: "building-automation", host: 19, port: 10443, transport: TCP,
           service: "tls", hostname: None, kind: Kind::LegacyTls,
           notes: "building management controller: TLS 1.0/1.1 only, static-RSA CBC suites, RSA-1024 SHA-1 certificate" },
    Spec { name: "relay-01", class: "building-automation", host: 20, port: 8081, transport: TCP,
           service: "http", hostname: None, kind: Kind::Relay,
           notes: "lighting relay in the town hall speaking like a Shelly Plus 1 with beta firmware 0.10.2: device information without a login" },
    Spec { name: "aq-sensor-01", class: "sensor-gateway", host: 21, port: 5683, transport: UDP,
           service: "coap", hostname: None, kind: Kind::Coap,
           notes: "air-quality sensor node on a lamp post: CoAP resources and the LwM2M device object readable by anyone" },
    Spec { name: "plc-01", class: "plc", host: 22, port: 5020, transport: TCP,
           service: "modbus", hostname: None, kind: Kind::Modbus,
           notes: "pumping-station PLC answering Modbus Read Device Identification (vendor, product code, revision)" },
    Spec { name: "ahu-01", class: "building-automation", host: 23, port: 47808, transport: UDP,
           service: "bacnet", hostname: None, kind: Kind::Bacnet,
           notes: "air-handling-unit controller: BACnet/IP Who-Is and ReadProperty of its device object" },
    Spec { name: "nvr-01", class: "nvr", host: 24, port: 1900, transport: UDP,
           service: "ssdp", hostname: None, kind: Kind::Ssdp,
           notes: "video recorder announcing itself over SSDP; its UPnP description names make, model and serial" },
    Spec { name: "nvr-01", class: "nvr", host: 24, port: 49152, transport: TCP,
           service: "http", hostname: None, kind: Kind::UpnpDescription,
           notes: "the recorder's UPnP device description (HTTP)" },
    Spec { name: "camera-02", class: "camera", host: 25, port: 3702, transport: UDP,
           service: "ws-discovery", hostname: None, kind: Kind::Wsd,
           notes: "ONVIF camera answering WS-Discovery probes" },
    Spec { name: "camera-02", class: "camera", host: 25, port: 8000, transport: TCP,
           service: "http", hostname: None, kind: Kind::Onvif,
           notes: "the camera's ONVIF device service: GetDeviceInformation without credentials" },
    Spec { name: "camera-03", class: "camera", host: 30, port: 8080, transport: TCP, service: "http",
           hostname: None, kind: Kind::CameraDigest,
           notes: "IP camera web UI (lab-cam-httpd/3.1) with HTTP Digest (MD5, qop=auth), and its ONVIF device service at /onvif/device_service on the same port wanting a UsernameToken; the owner changed the password: only admin/q7Vr-Lk2m-9Xe4-Tz8w-Hc3n-Bf5p is accepted, the product default admin/lab-cam-pass is refused" },
    Spec { name: "rtsp-cam-02", class: "camera", host: 31, port: 8554, transport: TCP, service: "rtsp",
           hostname: None, kind: Kind::RtspDigest,
           notes: "RTSP camera (lab-rtspd/1.2) asking for Digest (MD5, no qop) on DESCRIBE; default credentials admin/lab-cam-pass accepted" },
    Spec { name: "lightctl-01", class: "streetlight-controller", host: 32, port: 8080, transport: TCP,
           service: "http", hostname: None, kind: Kind::LightCtl,
           notes: "streetlight controller web UI titled `LSC Streetlight Controller`: form login with a CSRF token (POST /login), default credentials admin/lab-light-pass accepted; vendor Lumenlab, model LSC-200, firmware 1.4.2 shown only after login (/api/device)" },
    Spec { name: "trafficctl-02", class: "traffic-controller", host: 40, port: 2323, transport: TCP,
           service: "telnet", hostname: None, kind: Kind::TelnetChanged,
           notes: "the same traffic controller with its admin password changed: the default is refused" },
    Spec { name: "ftp-02", class: "sensor-gateway", host: 41, port: 2121, transport: TCP, service: "ftp",
           hostname: None, kind: Kind::FtpChanged,
           notes: "the same FTP sensor data drop hardened: no anonymous login, ftpuser's password changed" },
    Spec { name: "broker-02", class: "mqtt-broker", host: 42, port: 1883, transport: TCP, service: "mqtt",
           hostname: None, kind: Kind::BrokerDefaultAccount,
           notes: "MQTT broker requiring a login, still with its image's default account iot/lab-mqtt-pass (CONNACK 5 otherwise)" },
    Spec { name: "broker-03", class: "mqtt-broker", host: 43, port: 1883, transport: TCP, service: "mqtt",
           hostname: None, kind: Kind::BrokerChanged,
           notes: "the same MQTT broker with the iot password changed (CONNACK 5 for the default)" },
    Spec { name: "streetlight-02", class: "streetlight-controller", host: 44, port: 1161, transport: UDP,
           service: "snmp", hostname: None, kind: Kind::SnmpChanged,
           notes: "the same streetlight controller with its communities changed: `public` and the default get no answer" },
    Spec { name: "dns", class: "dns-server", host: 53, port: 10053, transport: UDP, service: "dns",
           hostname: None, kind: Kind::Dns,
           notes: "the lab DNS server for demo-city.test" },
    Spec { name: "tarpit", class: "hostile", host: 66, port: 8081, transport: TCP, service: "unknown",
           hostname: None, kind: Kind::Tarpit,
           notes: "accepts and never answers" },
    Spec { name: "garbage", class: "hostile", host: 67, port: 8082, transport: TCP, service: "unknown",
           hostname: None, kind: Kind::Garbage,
           notes: "sends 4 KiB of random bytes, then closes" },
    Spec { name: "drip", class: "hostile", host: 68, port: 8083, transport: TCP, service: "unknown",
           hostname: None, kind: Kind::Drip,
           notes: "sends one byte (\"A\") at once, then one every 2 seconds, forever" },
    Spec { name: "firehose", class: "hostile", host: 69, port: 8084, transport: TCP, service: "unknown",
           hostname: None, kind: Kind::Firehose,
           notes: "streams an endless HTTP header line as fast as the socket takes it" },
    Spec { name: "reset", class: "hostile", host: 70, port: 8085, transport: TCP, service: "unknown",
           hostname: None, kind: Kind::Reset,
           notes: "reads the first byte, then closes with a TCP reset" },
    Spec { name: "mqtt-liar", class: "hostile", host: 71, port: 1883, transport: TCP, service: "mqtt",
           hostname: None, kind: Kind::MqttLiar,
           notes: "answers CONNECT with a CONNACK claiming 200 MB, then idles" },
    Spec { name: "http-flood", class: "hostile", host: 72, port: 8080, transport: TCP, service: "http",
           hostname: None, kind: Kind::HttpFlood,
           notes: "answers any request with 200 and endless headers, never the blank line" },
    Spec { name: "http-chunked", class: "hostile", host: 73, port: 8080, transport: TCP, service: "http",
           hostname: None, kind: Kind::HttpChunked,
           notes: "answers any request with a valid chunked head, then endless chunks" },
    Spec { name: "tls-junk", class: "hostile", host: 74, port: 8443, transport: TCP, service: "tls",
           hostname: None, kind: Kind::TlsJunk,
           notes: "answers a ClientHello with contradictory record and handshake lengths, then idles" },
    Spec { name: "tls-bigchain", class: "hostile", host: 75, port: 8443, transport: TCP, service: "tls",
           hostname: None, kind: Kind::TlsBigChain,
           notes: "answers a ClientHello with TLS 1.2 and a 1 MB Certificate message (300 certificates)" },
    Spec { name: "snmp-absurd", class: "hostile", host: 76, port: 1162, transport: UDP, service: "snmp",
           hostname: None, kind: Kind::SnmpAbsurd,
           notes: "answers any datagram with BER whose lengths claim gigabytes" },
];

type Records = Arc<RwLock<HashMap<String, Vec<IpAddr>>>>;

/// A running lab. Dropping it stops every device.
pub struct Lab {
    devices: Vec<DeviceInfo>,
    /// `127.a.b.0/24`, or `127.a.0.0/16` for a city lab.
    network: String,
    dns_addr: SocketAddr,
    records: Records,
    tasks: JoinSet<()>,
}

enum Socket {
    Tcp(TcpListener),
    Udp(UdpSocket),
}

impl Lab {
    /// Binds every device, then starts serving. Returns once all listeners
    /// are bound, so a scan can start right away.
    pub async fn start(config: LabConfig) -> Result<Lab, LabError> {
        Lab::start_without(config, &[]).await
    }

    /// [`Lab::start`] without the named devices (a device taken away
    /// between two scans, for history tests and demos of `stadscan diff`).
    pub async fn start_without(config: LabConfig, skip: &[&str]) -> Result<Lab, LabError> {
        let [first, a, b] = config.prefix;
        let placed: Vec<(&'static Spec, IpAddr)> = SPECS
            .iter()
            .filter(|s| config.hostile || !s.kind.hostile())
            .filter(|s| !skip.contains(&s.name))
            .map(|s| (s, IpAddr::V4(Ipv4Addr::new(first, a, b, s.host))))
            .collect();
        let network = format!("{first}.{a}.{b}.0/24");
        let dns = IpAddr::V4(Ipv4Addr::new(first, a, b, 53));
        Lab::start_placed(placed, config.fixed_ports, network, config.prefix, dns).await
    }

    /// A city at scale: `devices` simulated devices (the demo's mix, every
    /// service of each, in table order, round robin) on their own addresses
    /// in `127.<block>.0.0/16`, at the demo's fixed ports. Each device holds
    /// one socket per service, so the open-file limit must allow about
    /// 1.5 per device (checked first: the error says how to raise it).
    pub async fn start_city(block: u8, devices: usize) -> Result<Lab, LabError> {
        let kinds: Vec<&'static str> = {
            let mut names: Vec<&'static str> = Vec::new();
            // gateway-02 is gateway-01 with its password changed: a city
            // repeats the kinds of device, not that variant.
            for s in SPECS
                .iter()
                .filter(|s| !s.kind.hostile() && !s.kind.credential_twin() && s.kind != Kind::Dns)
            {
                if !names.contains(&s.name) {
                    names.push(s.name);
                }
            }
            names
        };
        let capacity = 254 * 256;
        if devices == 0 || devices > capacity {
            return Err(LabError::Devices { devices, capacity });
        }
        let mut placed = Vec::new();
        for i in 0..devices {
            let name = kinds[i % kinds.len()];
            let ip = IpAddr::V4(Ipv4Addr::new(
                127,
                block,
                (i / 254) as u8,
                (i % 254 + 1) as u8,
            ));
            placed.extend(SPECS.iter().filter(|s| s.name == name).map(|s| (s, ip)));
        }
        let needed = placed.len() + 64;
        if let Some(limit) = open_file_limit()
            && (limit as usize) < needed
        {
            return Err(LabError::OpenFiles {
                devices,
                needed,
                limit,
            });
        }
        let network = format!("127.{block}.0.0/16");
        let dns = IpAddr::V4(Ipv4Addr::new(127, block, 255, 53));
        Lab::start_placed(placed, true, network, [127, block, 0], dns).await
    }

    async fn start_placed(
        placed: Vec<(&'static Spec, IpAddr)>,
        fixed_ports: bool,
        network: String,
        prefix: [u8; 3],
        dns_fallback: IpAddr,
    ) -> Result<Lab, LabError> {
        let [first, a, b] = prefix;
        if first != 127 {
            return Err(LabError::Bind {
                addr: SocketAddr::new(IpAddr::V4(Ipv4Addr::new(first, a, b, 0)), 0),
                source: std::io::Error::new(
                    std::io::ErrorKind::InvalidInput,
                    "lab devices only ever listen on 127.0.0.0/8",
                ),
            });
        }
        let camera_tls = certs::expired_camera_config()?;
        let portal_tls = certs::portal_config()?;

        let mut bound = Vec::new();
        for (s, ip) in placed {
            let fixed = fixed_ports || s.kind.fixed_port();
            let addr = SocketAddr::new(ip, if fixed { s.port } else { 0 });
            let bind_err = |source| LabError::Bind { addr, source };
            let (socket, local) = match s.transport {
                Transport::Tcp => {
                    let l = TcpListener::bind(addr).await.map_err(bind_err)?;
                    let local = l.local_addr().map_err(bind_err)?;
                    (Socket::Tcp(l), local)
                }
                Transport::Udp => {
                    let u = UdpSocket::bind(addr).await.map_err(bind_err)?;
                    let local = u.local_addr().map_err(bind_err)?;
                    (Socket::Udp(u), local)
                }
            };
            let info = DeviceInfo {
                name: s.name.to_string(),
                class: s.class.to_string(),
                addr: ip,
                port: local.port(),
                transport: s.transport,
                service: s.service.to_string(),
                hostname: s.hostname.map(str::to_string),
                notes: s.notes.to_string(),
            };
            bound.push((s.kind, socket, info));
        }

        let mut records = HashMap::new();
        for (_, _, info) in &bound {
            if let Some(h) = &info.hostname {
                let list: &mut Vec<IpAddr> = records.entry(h.clone()).or_default();
                if !list.contains(&info.addr) {
                    list.push(info.addr);
                }
            }
        }
        let records: Records = Arc::new(RwLock::new(records));

        // Where a device's sibling service listens (a UPnP LOCATION, an
        // ONVIF XAddr), now that every port is known.
        let url_of = |addr: IpAddr, kind: Kind, path: &str| -> String {
            bound
                .iter()
                .find(|(k, _, i)| *k == kind && i.addr == addr)
                .map(|(_, _, i)| format!("http://{}:{}{path}", i.addr, i.port))
                .unwrap_or_default()
        };
        let sibling: HashMap<IpAddr, String> = bound
            .iter()
            .filter_map(|(k, _, i)| match k {
                Kind::Ssdp => Some((
                    i.addr,
                    url_of(i.addr, Kind::UpnpDescription, "/description.xml"),
                )),
                Kind::Wsd => Some((i.addr, url_of(i.addr, Kind::Onvif, "/onvif/device_service"))),
                _ => None,
            })
            .collect();

        let started = Instant::now();
        let mut tasks = JoinSet::new();
        let mut devices = Vec::new();
        let mut dns_addr = None;
        for (kind, socket, info) in bound {
            match (kind, socket) {
                (Kind::Snmp, Socket::Udp(u)) => {
                    tasks.spawn(udp::run_snmp(u, started, &login_svc::LIGHTLINK_DEFAULT));
                }
                (Kind::SnmpChanged, Socket::Udp(u)) => {
                    tasks.spawn(udp::run_snmp(u, started, &login_svc::LIGHTLINK_CHANGED));
                }
                (Kind::Dns, Socket::Udp(u)) => {
                    dns_addr = Some(SocketAddr::new(info.addr, info.port));
                    tasks.spawn(udp::run_dns(u, records.clone()));
                }
                (Kind::CameraHttps, Socket::Tcp(l)) => {
                    spawn_tls(
                        &mut tasks,
                        l,
                        TlsAcceptor::from(camera_tls.clone()),
                        web::App::Camera,
                    );
                }
                (Kind::Portal, Socket::Tcp(l)) => {
                    spawn_tls(
                        &mut tasks,
                        l,
                        TlsAcceptor::from(portal_tls.clone()),
                        web::App::Portal,
                    );
                }
                (Kind::CameraHttp, Socket::Tcp(l)) => {
                    spawn_tcp(&mut tasks, l, |s| web::serve_http(s, web::App::Camera));
                }
                (Kind::Rtsp, Socket::Tcp(l)) => {
                    spawn_tcp(&mut tasks, l, |s| web::serve_rtsp(s, None))
                }
                (Kind::RtspDigest, Socket::Tcp(l)) => {
                    let guard = Arc::new(login_web::rtsp_guard());
                    spawn_tcp(&mut tasks, l, move |s| {
                        web::serve_rtsp(s, Some(guard.clone()))
                    });
                }
                (Kind::CameraDigest, Socket::Tcp(l)) => {
                    let guard = Arc::new(login_web::camera03_guard());
                    spawn_tcp(&mut tasks, l, move |s| {
                        login_web::serve_camera03(s, guard.clone())
                    });
                }
                (Kind::LightCtl, Socket::Tcp(l)) => {
                    let key = Arc::new(login_web::LightKey::new());
                    spawn_tcp(&mut tasks, l, move |s| {
                        login_web::serve_lightctl(s, key.clone())
                    });
                }
                (Kind::Coap, Socket::Udp(u)) => {
                    tasks.spawn(coap::run_coap(u));
                }
                (Kind::Bacnet, Socket::Udp(u)) => {
                    tasks.spawn(bacnet::run_bacnet(u));
                }
                (Kind::Ssdp, Socket::Udp(u)) => {
                    let location = sibling.get(&info.addr).cloned().unwrap_or_default();
                    tasks.spawn(upnp::run_ssdp(u, location));
                }
                (Kind::Wsd, Socket::Udp(u)) => {
                    let xaddr = sibling.get(&info.addr).cloned().unwrap_or_default();
                    tasks.spawn(onvif::run_wsd(u, xaddr));
                }
                (Kind::Modbus, Socket::Tcp(l)) => spawn_tcp(&mut tasks, l, modbus::serve_modbus),
                (Kind::UpnpDescription, Socket::Tcp(l)) => {
                    spawn_tcp(&mut tasks, l, upnp::serve_description)
                }
                (Kind::Onvif, Socket::Tcp(l)) => spawn_tcp(&mut tasks, l, onvif::serve_onvif),
                (Kind::Relay, Socket::Tcp(l)) => {
                    spawn_tcp(&mut tasks, l, |s| web::serve_http(s, web::App::Relay));
                }
                (Kind::Broker, Socket::Tcp(l)) => spawn_tcp(&mut tasks, l, |s| {
                    devices::serve_mqtt(s, &login_svc::BrokerLogin::Anyone)
                }),
                (Kind::BrokerDefaultAccount, Socket::Tcp(l)) => spawn_tcp(&mut tasks, l, |s| {
                    devices::serve_mqtt(s, &login_svc::BROKER_DEFAULT)
                }),
                (Kind::BrokerChanged, Socket::Tcp(l)) => spawn_tcp(&mut tasks, l, |s| {
                    devices::serve_mqtt(s, &login_svc::BROKER_CHANGED)
                }),
                (Kind::Telnet, Socket::Tcp(l)) => spawn_tcp(&mut tasks, l, |s| {
                    devices::serve_telnet(s, &login_svc::TRAFCON_DEFAULT)
                }),
                (Kind::TelnetChanged, Socket::Tcp(l)) => spawn_tcp(&mut tasks, l, |s| {
                    devices::serve_telnet(s, &login_svc::TRAFCON_CHANGED)
                }),
                (kind @ (Kind::Ftp | Kind::FtpChanged), Socket::Tcp(l)) => {
                    // AUTH TLS with the portal's lab-CA certificate.
                    let acceptor = TlsAcceptor::from(portal_tls.clone());
                    let login = if kind == Kind::Ftp {
                        &login_svc::FTP_DROP_DEFAULT
                    } else {
                        &login_svc::FTP_DROP_CHANGED
                    };
                    spawn_tcp(&mut tasks, l, move |s| {
                        devices::serve_ftp(s, acceptor.clone(), login)
                    });
                }
                (Kind::Ssh | Kind::SshChanged, Socket::Tcp(l)) => {
                    let password = if kind == Kind::Ssh {
                        ssh::DEFAULT_PASSWORD
                    } else {
                        ssh::CHANGED_PASSWORD
                    };
                    let gateway = ssh::Gateway::new(password)?;
                    spawn_tcp(&mut tasks, l, move |s| ssh::serve_ssh(s, gateway.clone()));
                }
                (Kind::LegacyTls, Socket::Tcp(l)) => {
                    spawn_tcp(&mut tasks, l, legacy_tls::serve_legacy_tls)
                }
                (kind, socket) if kind.hostile() => {
                    if !hostile::spawn(&mut tasks, kind, socket) {
                        tracing::debug!(?kind, "lab: transport does not match the device kind");
                        continue;
                    }
                }
                (kind, _) => {
                    tracing::debug!(?kind, "lab: transport does not match the device kind");
                    continue;
                }
            }
            devices.push(info);
        }
        let dns_addr = dns_addr.unwrap_or_else(|| SocketAddr::new(dns_fallback, 0));
        tracing::debug!(network = %network, devices = devices.len(), "lab started");
        Ok(Lab {
            devices,
            network,
            dns_addr,
            records,
            tasks,
        })
    }

    /// Every listening endpoint, in table order (a device with two services
    /// appears twice: `camera-01` has `http` and `https`).
    pub fn devices(&self) -> &[DeviceInfo] {
        &self.devices
    }

    /// The first endpoint of the named device.
    pub fn device(&self, name: &str) -> Option<&DeviceInfo> {
        self.devices.iter().find(|d| d.name == name)
    }

    /// The endpoint of the named device that runs `service` (`https`...).
    pub fn device_service(&self, name: &str, service: &str) -> Option<&DeviceInfo> {
        self.devices
            .iter()
            .find(|d| d.name == name && d.service == service)
    }

    /// The lab DNS server (UDP).
    pub fn dns_addr(&self) -> SocketAddr {
        self.dns_addr
    }

    /// The lab network, `127.a.b.0/24`.
    pub fn network(&self) -> String {
        self.network.clone()
    }

    /// Makes the lab DNS answer `name` with `addr` (in addition to earlier
    /// records for it). Tests use it to point a name outside a scope.
    pub fn add_dns_record(&self, name: &str, addr: IpAddr) {
        let key = udp::normalize_name(name);
        let mut map = self.records.write().unwrap_or_else(|e| e.into_inner());
        let list = map.entry(key).or_default();
        if !list.contains(&addr) {
            list.push(addr);
        }
    }

    /// Stops every device task and waits until their sockets are closed.
    pub async fn shutdown(mut self) {
        self.tasks.shutdown().await;
        tracing::debug!(network = %self.network(), "lab stopped");
    }

    /// The networks a scope of this lab names: the lab's /24, or for a city
    /// lab the fewest networks that hold its devices' addresses (a /24 whose
    /// 254 host addresses are all devices counts whole), not its /16: 20
    /// devices are 32 addresses to scan, not 65,536.
    pub fn scope_networks(&self) -> Vec<String> {
        if !self.network.ends_with("/16") {
            return vec![self.network.clone()];
        }
        let mut nets: Vec<ipnet::IpNet> = self
            .devices
            .iter()
            .map(|d| ipnet::IpNet::from(d.addr))
            .collect();
        // A device with several services counts once.
        let mut addrs: Vec<IpAddr> = self.devices.iter().map(|d| d.addr).collect();
        addrs.sort_unstable();
        addrs.dedup();
        let mut per_24: HashMap<[u8; 3], usize> = HashMap::new();
        for a in &addrs {
            if let IpAddr::V4(a) = a {
                let [x, y, z, _] = a.octets();
                *per_24.entry([x, y, z]).or_default() += 1;
            }
        }
        for ([x, y, z], n) in per_24 {
            if n == 254 {
                nets.push(ipnet::IpNet::from(IpAddr::V4(Ipv4Addr::new(x, y, z, 0))));
                nets.push(ipnet::IpNet::from(IpAddr::V4(Ipv4Addr::new(x, y, z, 255))));
            }
        }
        ipnet::IpNet::aggregate(&nets)
            .iter()
            .map(ToString::to_string)
            .collect()
    }

    /// Scope-file TOML for this lab: its network, the two named hosts, exactly
    /// the lab's ports, the given timeout, the lab DNS server and `ca_file`
    /// as trust anchor (written as given).
    pub fn scope_toml(&self, name: &str, ca_file: &str, timeout_ms: u64) -> String {
        let ports = |t: Transport| {
            let mut p: Vec<u16> = self
                .devices
                .iter()
                .filter(|d| d.transport == t)
                .map(|d| d.port)
                .collect();
            p.sort_unstable();
            p.dedup();
            p.iter().map(u16::to_string).collect::<Vec<_>>().join(", ")
        };
        let mut out = String::new();
        out.push_str(&format!("name = {}\n", toml_str(name)));
        out.push_str(&format!("trust_anchors = [{}]\n\n", toml_str(ca_file)));
        for cidr in self.scope_networks() {
            out.push_str("[[networks]]\n");
            out.push_str(&format!("cidr = {}\n", toml_str(&cidr)));
            out.push_str(&format!(
                "label = {}\n\n",
                toml_str(&format!("stadscan lab ({LAB_DOMAIN})"))
            ));
        }
        let has_dns = self.dns_addr.port() != 0;
        let hosts = [
            (format!("portal.{LAB_DOMAIN}"), "portal"),
            (format!("camera-01.{LAB_DOMAIN}"), "camera-01"),
        ];
        for (host, label) in hosts.into_iter().filter(|_| has_dns) {
            out.push_str("[[hosts]]\n");
            out.push_str(&format!("name = {}\n", toml_str(&host)));
            out.push_str(&format!("label = {}\n\n", toml_str(label)));
        }
        out.push_str("[ports]\n");
        out.push_str(&format!("tcp = [{}]\n", ports(Transport::Tcp)));
        out.push_str(&format!("udp = [{}]\n\n", ports(Transport::Udp)));
        out.push_str("[rate]\n");
        out.push_str(&format!("timeout_ms = {timeout_ms}\n\n"));
        if has_dns {
            out.push_str("[dns]\n");
            out.push_str(&format!(
                "nameservers = [{}]\n",
                toml_str(&self.dns_addr.to_string())
            ));
        }
        out
    }
}

impl Drop for Lab {
    /// A forgotten lab does not leak listeners: every task is aborted (the
    /// connection tasks belong to their listener's task and go with it).
    fn drop(&mut self) {
        self.tasks.abort_all();
    }
}

/// The soft limit on open files (Linux `/proc/self/limits`), if readable.
fn open_file_limit() -> Option<u64> {
    let text = std::fs::read_to_string("/proc/self/limits").ok()?;
    let line = text.lines().find(|l| l.starts_with("Max open files"))?;
    line.split_whitespace().nth(3)?.parse().ok()
}

/// A TOML basic string.
fn toml_str(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() => out.push_str(&format!("\\u{:04X}", u32::from(c))),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Runs an accept loop; each connection gets its own task, owned by the
/// loop's task so that aborting the loop closes its connections too.
fn spawn_tcp<F, Fut>(tasks: &mut JoinSet<()>, listener: TcpListener, handler: F)
where
    F: Fn(TcpStream) -> Fut + Send + 'static,
    Fut: Future<Output = ()> + Send + 'static,
{
    tasks.spawn(async move {
        let mut conns = JoinSet::new();
        loop {
            tokio::select! {
                accepted = listener.accept() => match accepted {
                    Ok((stream, peer)) => {
                        if conns.len() >= MAX_CONNECTIONS {
                            tracing::debug!(%peer, "lab: too many connections, closing");
                            continue;
                        }
                        conns.spawn(handler(stream));
                    }
                    Err(e) => {
                        tracing::debug!(error = %e, "lab: accept failed");
                        tokio::time::sleep(Duration::from_millis(50)).await;
                    }
                },
                Some(_) = conns.join_next(), if !conns.is_empty() => {}
            }
        }
    });
}

/// [`spawn_tcp`] with a TLS handshake (bounded by the read timeout) first.
fn spawn_tls(tasks: &mut JoinSet<()>, listener: TcpListener, acceptor: TlsAcceptor, app: web::App) {
    spawn_tcp(tasks, listener, move |stream| {
        let acceptor = acceptor.clone();
        async move {
            match tokio::time::timeout(READ_TIMEOUT, acceptor.accept(stream)).await {
                Ok(Ok(tls)) => web::serve_http(tls, app).await,
                Ok(Err(e)) => tracing::debug!(error = %e, "lab: TLS handshake failed"),
                Err(_) => tracing::debug!("lab: TLS handshake timed out"),
            }
        }
    });
}

/// Reads once more into `buf` (at most up to `limit` bytes in total),
/// waiting at most `idle`. False on end of stream, error, timeout, or when
/// `buf` is already full: the caller closes the connection.
pub async fn read_more<S: AsyncRead + Unpin>(
    stream: &mut S,
    buf: &mut Vec<u8>,
    limit: usize,
    idle: Duration,
) -> bool {
    let room = limit.saturating_sub(buf.len()).min(4096);
    if room == 0 {
        return false;
    }
    let mut chunk = [0u8; 4096];
    match tokio::time::timeout(idle, stream.read(&mut chunk[..room])).await {
        Ok(Ok(n)) if n > 0 => {
            buf.extend_from_slice(&chunk[..n]);
            true
        }
        _ => false,
    }
}
