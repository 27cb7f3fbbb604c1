//! Device classes: the closed set of kinds of device an asset can be, with
//! the personal data each kind typically processes (for the AVG/DPIA
//! register).

use std::fmt;
use std::str::FromStr;

/// Device classes (closed set; the JSON and SARIF carry these strings).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "kebab-case")]
pub enum DeviceClass {
    /// IP camera or video encoder.
    Camera,
    /// Network video recorder (or DVR).
    Nvr,
    /// Gateway or monitor that collects sensor data (presence, counts,
    /// environment).
    SensorGateway,
    /// MQTT broker.
    MqttBroker,
    /// Traffic signal controller.
    TrafficController,
    /// Street lighting controller.
    StreetlightController,
    /// Controller of building services (heating, ventilation, rooms).
    BuildingAutomation,
    /// Programmable logic controller or HMI (pumps, locks, bridges).
    Plc,
    /// LoRaWAN gateway.
    LorawanGateway,
    /// Network equipment that is not clearly a router, switch, firewall or
    /// access point (device servers, wireless controllers).
    NetworkGear,
    /// Printer, scanner or multifunction device.
    Printer,
    /// General-purpose computer or its management controller.
    Server,
    /// Door controller, badge reader or alarm panel.
    AccessControl,
    /// UPS or power distribution unit.
    UpsPower,
    /// Network-attached storage.
    Nas,
    /// Charging point for electric vehicles.
    EvCharger,
    /// Parking system: pay stations, barriers, guidance.
    Parking,
    /// Router.
    Router,
    /// Switch.
    Switch,
    /// Firewall or VPN gateway.
    Firewall,
    /// Wi-Fi access point.
    AccessPoint,
    /// Not identified.
    Unknown,
}

impl DeviceClass {
    /// Every class, in declaration order.
    pub const ALL: [DeviceClass; 22] = [
        DeviceClass::Camera,
        DeviceClass::Nvr,
        DeviceClass::SensorGateway,
        DeviceClass::MqttBroker,
        DeviceClass::TrafficController,
        DeviceClass::StreetlightController,
        DeviceClass::BuildingAutomation,
        DeviceClass::Plc,
        DeviceClass::LorawanGateway,
        DeviceClass::NetworkGear,
        DeviceClass::Printer,
        DeviceClass::Server,
        DeviceClass::AccessControl,
        DeviceClass::UpsPower,
        DeviceClass::Nas,
        DeviceClass::EvCharger,
        DeviceClass::Parking,
        DeviceClass::Router,
        DeviceClass::Switch,
        DeviceClass::Firewall,
        DeviceClass::AccessPoint,
        DeviceClass::Unknown,
    ];

    /// The kebab-case name the JSON report, SARIF and the data files use.
    pub fn as_str(self) -> &'static str {
        match self {
            DeviceClass::Camera => "camera",
            DeviceClass::Nvr => "nvr",
            DeviceClass::SensorGateway => "sensor-gateway",
            DeviceClass::MqttBroker => "mqtt-broker",
            DeviceClass::TrafficController => "traffic-controller",
            DeviceClass::StreetlightController => "streetlight-controller",
            DeviceClass::BuildingAutomation => "building-automation",
            DeviceClass::Plc => "plc",
            DeviceClass::LorawanGateway => "lorawan-gateway",
            DeviceClass::NetworkGear => "network-gear",
            DeviceClass::Printer => "printer",
            DeviceClass::Server => "server",
            DeviceClass::AccessControl => "access-control",
            DeviceClass::UpsPower => "ups-power",
            DeviceClass::Nas => "nas",
            DeviceClass::EvCharger => "ev-charger",
            DeviceClass::Parking => "parking",
            DeviceClass::Router => "router",
            DeviceClass::Switch => "switch",
            DeviceClass::Firewall => "firewall",
            DeviceClass::AccessPoint => "access-point",
            DeviceClass::Unknown => "unknown",
        }
    }

    /// What personal data the class can process (for the DPIA register), e.g.
    /// Camera -> Some("video of people in public space"); None when the class
    /// processes none by design.
    ///
    /// The register is kept per device, so the answer is about what the kind
    /// of device *can* do as deployed by a municipality, erring towards a
    /// question for the privacy officer rather than a silent "none". `None`
    /// is only given where processing personal data is not part of what the
    /// device is for; a sensor or camera mounted next to such a device is its
    /// own device with its own class.
    pub fn personal_data(self) -> Option<&'static str> {
        match self {
            // Images of identifiable people (and number plates) are personal
            // data under the AVG, recorded or not.
            DeviceClass::Camera => Some("video of people in public space"),
            // A recorder stores what the cameras saw: the same data, kept.
            DeviceClass::Nvr => Some("recorded video of people from the cameras it serves"),
            // Gateways relay whatever their sensors measure. Air quality or
            // noise is not personal, but crowd counting by Wi-Fi/Bluetooth
            // probes (the Dutch DPA fined a municipality for Wi-Fi tracking in
            // 2021) and presence sensing are; which one applies depends on the
            // sensors, so the register must ask.
            DeviceClass::SensorGateway => Some(
                "presence, counts or Wi-Fi/Bluetooth device identifiers, depending on the sensors",
            ),
            // A broker holds and forwards every message its clients publish,
            // so it carries whatever personal data the sensors produce.
            DeviceClass::MqttBroker => Some(
                "whatever its clients publish: presence, counts or device identifiers where sensors produce them",
            ),
            // Classic signal controllers see vehicles on detector loops, not
            // people. Connected controllers (iVRI, Talking Traffic) also take
            // position and priority requests from individual road users' apps
            // and vehicles, which are pseudonymous personal data.
            DeviceClass::TrafficController => Some(
                "positions and priority requests of individual road users on connected (iVRI) controllers; none from detector loops alone",
            ),
            // Dimming schedules, energy use and lamp faults. Motion-triggered
            // dimming registers movement, not who moved; a camera or counter
            // on the same pole is a separate device.
            DeviceClass::StreetlightController => None,
            // Room occupancy is workplace monitoring of staff, and where access
            // control is integrated the controller logs who entered when.
            DeviceClass::BuildingAutomation => {
                Some("room occupancy and, where access control is integrated, who entered when")
            }
            // Pumps, locks, bridges and barriers: process values only.
            DeviceClass::Plc => None,
            // A gateway receives every LoRaWAN frame in range, including from
            // trackers people carry; payloads stay encrypted to the network
            // server, device identifiers and signal metadata do not.
            DeviceClass::LorawanGateway => Some(
                "identifiers and signal metadata of every LoRaWAN device in range, including trackers people carry",
            ),
            // Switches and routers move traffic for the systems that process
            // the data; those are registered themselves.
            DeviceClass::NetworkGear => None,
            // Print and scan jobs of municipal staff hold citizens' data and
            // many devices keep a job history or stored scans.
            DeviceClass::Printer => {
                Some("printed and scanned documents, job history and stored scans")
            }
            // Door controllers and readers log who entered where and when
            // (badge ids tied to staff or visitors; some keep biometric
            // templates): personal data by design.
            DeviceClass::AccessControl => Some(
                "who entered where and when (badge or PIN events, with some readers biometric templates)",
            ),
            // Load, battery and power events only.
            DeviceClass::UpsPower => None,
            // A file store holds whatever its users put there, often
            // documents with citizens' data and camera recordings.
            DeviceClass::Nas => {
                Some("whatever is stored on it: documents, backups and often camera recordings")
            }
            // Charging sessions are tied to a charge card (RFID token) and
            // so to a person or a lease car: who charged where, when and
            // how much.
            DeviceClass::EvCharger => Some(
                "charging sessions tied to a charge card: who charged where, when and how much",
            ),
            // Pay stations, barriers and guidance systems read number plates
            // (ANPR) or take payments and permits tied to a plate.
            DeviceClass::Parking => {
                Some("number plates, parking times and payments or permits tied to a plate")
            }
            // Routers, switches and firewalls move traffic; firewalls and
            // routers may keep connection logs with addresses of people's
            // devices; access points see every phone that probes for Wi-Fi.
            DeviceClass::Router | DeviceClass::Firewall => {
                Some("connection logs with the addresses of people's devices, where logging is on")
            }
            DeviceClass::Switch => None,
            DeviceClass::AccessPoint => Some(
                "MAC addresses and presence of every phone or laptop that probes for or joins its Wi-Fi",
            ),
            // Neither can be answered from the network: say so rather than
            // claim "none".
            DeviceClass::Server => Some("unknown: depends on the applications it runs"),
            DeviceClass::Unknown => Some("unknown: identify the device first"),
        }
    }
}

impl fmt::Display for DeviceClass {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for DeviceClass {
    type Err = UnknownDeviceClass;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        DeviceClass::ALL
            .into_iter()
            .find(|c| c.as_str().eq_ignore_ascii_case(s.trim()))
            .ok_or_else(|| UnknownDeviceClass(s.to_string()))
    }
}

/// A name that is none of the [`DeviceClass`]es.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown device class `{0}` (expected one of {known})", known = DeviceClass::ALL.map(DeviceClass::as_str).join(", "))]
pub struct UnknownDeviceClass(pub String);
