//! The fact vocabulary: every name a probe may set on an `Observation`.
//!
//! Checks and fingerprints match on these names, so one list keeps them
//! honest: the data test asserts every fact a check names is here, and the
//! integration tests assert every fact a scan emits is here.

/// (name, meaning)
pub const VOCABULARY: &[(&str, &str)] = &[
    (
        "banner.text",
        "first bytes an unidentified service sent, cleaned",
    ),
    (
        "service.note",
        "why a service was not probed actively (e.g. an OT port)",
    ),
    ("tls.version", "negotiated TLS version (TLSv1.2, TLSv1.3)"),
    ("tls.cipher", "negotiated cipher suite (IANA name)"),
    ("tls.alpn", "negotiated ALPN protocol"),
    (
        "tls.handshake_error",
        "why the modern TLS handshake failed (alert or error)",
    ),
    (
        "tls.policy",
        "the TLS policy the endpoint was judged against (ncsc-2025-05...)",
    ),
    (
        "tls.verdict",
        "worst class of any item (good, sufficient, phase-out, insufficient)",
    ),
    ("tls.versions", "protocol versions accepted"),
    ("tls.suites", "accepted cipher suites, as `version suite`"),
    ("tls.groups", "key-exchange groups accepted"),
    (
        "tls.insufficient_versions",
        "accepted versions the policy calls insufficient",
    ),
    (
        "tls.insufficient_suites",
        "accepted suites the policy calls insufficient",
    ),
    (
        "tls.insufficient_groups",
        "accepted groups or DH parameters the policy calls insufficient",
    ),
    (
        "tls.insufficient_features",
        "session features the policy calls insufficient",
    ),
    (
        "tls.phase_out_versions",
        "accepted versions the policy calls phase-out",
    ),
    (
        "tls.phase_out_suites",
        "accepted suites the policy calls phase-out",
    ),
    (
        "tls.phase_out_groups",
        "accepted groups or DH parameters the policy calls phase-out",
    ),
    (
        "tls.phase_out_features",
        "session features the policy calls phase-out",
    ),
    (
        "cert.weak_key",
        "weakest key in the chain (below the policy)",
    ),
    (
        "cert.weak_key_class",
        "its class (phase-out or insufficient)",
    ),
    (
        "cert.weak_signature",
        "weakest signature hash in the chain (below the policy)",
    ),
    (
        "cert.weak_signature_class",
        "its class (phase-out or insufficient)",
    ),
    ("cert.subject", "leaf certificate subject DN"),
    ("cert.issuer", "leaf certificate issuer DN"),
    ("cert.serial", "leaf certificate serial number (hex)"),
    ("cert.not_before", "start of validity (RFC 3339)"),
    ("cert.not_after", "end of validity (RFC 3339)"),
    (
        "cert.days_left",
        "days until expiry (negative when expired)",
    ),
    ("cert.expired", "the leaf certificate is past not_after"),
    (
        "cert.not_yet_valid",
        "the leaf certificate is before not_before",
    ),
    ("cert.self_signed", "the leaf certificate is its own issuer"),
    (
        "cert.trusted",
        "the chain verifies against public roots plus the scope's trust anchors",
    ),
    (
        "cert.trust_error",
        "why the chain did not verify, for people",
    ),
    (
        "cert.trust_error_code",
        "the verifier's error name and the algorithm or key it concerns",
    ),
    (
        "cert.name_checked",
        "host name from the scope the certificate was checked against",
    ),
    (
        "cert.name_match",
        "the certificate is valid for cert.name_checked",
    ),
    ("cert.san", "subject alternative names (DNS and IP)"),
    (
        "cert.key_type",
        "public key algorithm of the leaf (rsa, ec, ed25519...)",
    ),
    ("cert.key_bits", "public key size in bits"),
    (
        "cert.signature_algorithm",
        "signature algorithm of the leaf",
    ),
    ("cert.sha256", "SHA-256 fingerprint of the leaf certificate"),
    (
        "cert.spki_sha256",
        "SHA-256 of the leaf's public key (asset identity)",
    ),
    ("cert.chain_length", "certificates the server sent"),
    ("http.status", "status code of GET /"),
    ("http.server", "Server header"),
    ("http.title", "HTML title of the response"),
    (
        "http.favicon_mmh3",
        "MurmurHash3 of the base64 favicon (the hash public favicon lists use)",
    ),
    (
        "device_info.endpoint",
        "id of the device-information endpoint that answered (checks/device-info/)",
    ),
    (
        "device_info.unauthenticated",
        "the device-information endpoint answered without a login",
    ),
    (
        "device_info.vendor",
        "vendor the device states on its information endpoint",
    ),
    (
        "device_info.model",
        "model the device states on its information endpoint",
    ),
    (
        "device_info.product",
        "product name the device states on its information endpoint",
    ),
    (
        "device_info.firmware",
        "firmware version the device states on its information endpoint",
    ),
    (
        "device_info.firmware_build",
        "firmware build number the device states on its information endpoint",
    ),
    (
        "device_info.serial",
        "serial number (or MAC) the device states on its information endpoint",
    ),
    (
        "device_info.auth",
        "whether the device says authentication is enabled",
    ),
    (
        "http.auth_scheme",
        "authentication scheme asked for (basic, digest...)",
    ),
    ("http.auth_realm", "authentication realm"),
    ("http.powered_by", "X-Powered-By header"),
    ("http.location", "Location header of a redirect"),
    ("ssh.banner", "SSH identification string"),
    ("ssh.software", "software part of the SSH identification"),
    (
        "ssh.protocol_version",
        "protocol version of the SSH identification",
    ),
    ("ftp.banner", "FTP greeting"),
    ("ftp.anonymous", "the server accepts the anonymous login"),
    ("ftp.system", "answer to SYST"),
    ("telnet.banner", "text before the login prompt"),
    ("telnet.options", "options the server negotiated"),
    ("telnet.login_prompt", "the login prompt line"),
    (
        "mqtt.connack_code",
        "CONNACK return code to a CONNECT without credentials",
    ),
    ("mqtt.connack_meaning", "meaning of the CONNACK return code"),
    (
        "mqtt.anonymous",
        "the broker accepts clients without credentials",
    ),
    (
        "mqtt.broker_version",
        "what the broker publishes on $SYS/broker/version",
    ),
    (
        "ldap.starttls",
        "the LDAP server accepts the StartTLS extended operation",
    ),
    ("rtsp.server", "RTSP Server header"),
    ("rtsp.public", "methods the RTSP server announces"),
    (
        "rtsp.describe_status",
        "status of DESCRIBE without credentials",
    ),
    ("rtsp.auth_required", "DESCRIBE asks for credentials"),
    (
        "rtsp.stream_path",
        "the path whose stream DESCRIBE describes without credentials (`/` or a documented stream path)",
    ),
    (
        "rtsp.paths_tried",
        "documented stream paths asked with DESCRIBE after the root described none",
    ),
    (
        "rtsp.auth_scheme",
        "authentication scheme of the RTSP server",
    ),
    ("snmp.version", "SNMP version that answered"),
    (
        "snmp.community_public",
        "the agent answers the community `public`",
    ),
    ("snmp.sys_descr", "sysDescr.0"),
    ("snmp.sys_object_id", "sysObjectID.0"),
    ("snmp.sys_uptime", "sysUpTime.0 in hundredths of a second"),
    ("snmp.sys_contact", "sysContact.0"),
    ("snmp.sys_name", "sysName.0"),
    ("snmp.sys_location", "sysLocation.0"),
    (
        "coap.code",
        "CoAP response code of GET /.well-known/core (2.05...)",
    ),
    (
        "coap.resources",
        "resource paths listed by /.well-known/core",
    ),
    (
        "coap.resource_types",
        "resource types (rt) listed by /.well-known/core",
    ),
    ("coap.resource_count", "number of resources listed"),
    (
        "coap.unauthenticated",
        "CoAP resources answered without any credentials",
    ),
    (
        "coap.lwm2m_manufacturer",
        "LwM2M device object /3/0/0 (manufacturer)",
    ),
    (
        "coap.lwm2m_model",
        "LwM2M device object /3/0/1 (model number)",
    ),
    (
        "coap.lwm2m_serial",
        "LwM2M device object /3/0/2 (serial number)",
    ),
    (
        "coap.lwm2m_firmware",
        "LwM2M device object /3/0/3 (firmware version)",
    ),
    ("modbus.vendor", "Modbus device identification: VendorName"),
    (
        "modbus.product_code",
        "Modbus device identification: ProductCode",
    ),
    (
        "modbus.revision",
        "Modbus device identification: MajorMinorRevision",
    ),
    (
        "modbus.vendor_url",
        "Modbus device identification: VendorUrl",
    ),
    (
        "modbus.product_name",
        "Modbus device identification: ProductName",
    ),
    (
        "modbus.model_name",
        "Modbus device identification: ModelName",
    ),
    (
        "modbus.user_application_name",
        "Modbus device identification: UserApplicationName",
    ),
    (
        "modbus.conformity_level",
        "Modbus device identification conformity level",
    ),
    ("modbus.exception_code", "numeric Modbus exception code"),
    ("modbus.unit_id", "Modbus unit id that answered"),
    (
        "modbus.exception",
        "Modbus exception the device answered with",
    ),
    ("bacnet.device_instance", "BACnet device object instance"),
    ("bacnet.vendor_id", "BACnet vendor identifier (ASHRAE list)"),
    ("bacnet.vendor_name", "BACnet device property vendor-name"),
    ("bacnet.model_name", "BACnet device property model-name"),
    (
        "bacnet.firmware_revision",
        "BACnet device property firmware-revision",
    ),
    (
        "bacnet.application_software_version",
        "BACnet device property application-software-version",
    ),
    ("bacnet.object_name", "BACnet device property object-name"),
    ("bacnet.location", "BACnet device property location"),
    ("bacnet.description", "BACnet device property description"),
    (
        "bacnet.unauthenticated",
        "BACnet properties were read without authentication",
    ),
    ("ssdp.server", "SERVER header of the SSDP answer"),
    ("ssdp.st", "search target (ST) of the SSDP answer"),
    ("ssdp.usn", "unique service name (USN) of the SSDP answer"),
    ("ssdp.location", "LOCATION of the UPnP device description"),
    ("upnp.device_type", "UPnP deviceType"),
    ("upnp.friendly_name", "UPnP friendlyName"),
    ("upnp.manufacturer", "UPnP manufacturer"),
    ("upnp.model_name", "UPnP modelName"),
    ("upnp.model_number", "UPnP modelNumber"),
    ("upnp.model_description", "UPnP modelDescription"),
    ("upnp.serial_number", "UPnP serialNumber"),
    ("upnp.udn", "UPnP unique device name (UDN)"),
    ("upnp.presentation_url", "UPnP presentationURL"),
    ("wsd.types", "WS-Discovery types of the ProbeMatch"),
    ("wsd.xaddrs", "WS-Discovery transport addresses (XAddrs)"),
    ("wsd.scopes", "WS-Discovery scopes"),
    ("onvif.name", "ONVIF scope name"),
    ("onvif.hardware", "ONVIF scope hardware"),
    ("onvif.location", "ONVIF scope location"),
    (
        "onvif.manufacturer",
        "ONVIF GetDeviceInformation: Manufacturer",
    ),
    ("onvif.model", "ONVIF GetDeviceInformation: Model"),
    (
        "onvif.firmware_version",
        "ONVIF GetDeviceInformation: FirmwareVersion",
    ),
    (
        "onvif.serial_number",
        "ONVIF GetDeviceInformation: SerialNumber",
    ),
    (
        "onvif.hardware_id",
        "ONVIF GetDeviceInformation: HardwareId",
    ),
    (
        "onvif.device_info_unauthenticated",
        "ONVIF GetDeviceInformation answered without credentials",
    ),
    (
        "onvif.device_info_fault",
        "SOAP fault subcode when GetDeviceInformation was refused",
    ),
    (
        "cred.default_id",
        "credential entry (by id, never the password) the service accepted",
    ),
    (
        "cred.default_ids",
        "every credential entry the service accepted, one per account",
    ),
    (
        "cred.account",
        "account (user name) the accepted entry logs in as",
    ),
    (
        "cred.login_as",
        "how the accepted entry logs in, in words (`for the account `admin``)",
    ),
    (
        "cred.method",
        "login method the entry worked with (http-auth, ssh...)",
    ),
    (
        "cred.verified_at",
        "when the accepted entry last worked (UTC, RFC 3339)",
    ),
    (
        "cred.retested",
        "false when the budget allowed no re-test this run and the result is carried over",
    ),
    (
        "cred.cleartext",
        "the accepted login put the password on the wire without TLS",
    ),
    (
        "cred.attempts",
        "login attempts made on the service in this run",
    ),
    (
        "cred.accepts_any",
        "the service let in a deliberately wrong password",
    ),
    (
        "cred.skipped",
        "why credentials were not tested on the service",
    ),
    (
        "cred.inconclusive",
        "why a login test neither succeeded nor was refused",
    ),
    (
        "cred.authenticated_read",
        "device facts were read with a working default credential",
    ),
    ("device.vendor", "vendor of the device"),
    ("device.model", "model of the device"),
    ("device.firmware", "firmware version"),
    ("device.class", "device class (camera, mqtt-broker...)"),
];

/// True when `name` is in the vocabulary.
pub fn is_known(name: &str) -> bool {
    VOCABULARY.iter().any(|(n, _)| *n == name)
}

/// Facts whose value changes from run to run while the device stays the
/// same: times, counters, and bytes a device makes up anew each time. A
/// result message naming one would read as a changed finding on every run
/// (history `updated`, a line in `diff`), so checks name them under
/// `properties`, never in `message`.
pub const VOLATILE: &[&str] = &[
    "banner.text",
    "cert.days_left",
    "cred.attempts",
    "cred.retested",
    "cred.verified_at",
    "snmp.sys_uptime",
];

/// True when `name` changes between runs (see [`VOLATILE`]).
pub fn is_volatile(name: &str) -> bool {
    VOLATILE.contains(&name)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn volatile_facts_are_in_the_vocabulary() {
        for name in VOLATILE {
            assert!(is_known(name), "{name}");
        }
    }

    #[test]
    fn vocabulary_names_are_unique_and_dotted() {
        let mut seen = HashSet::new();
        for (name, meaning) in VOCABULARY {
            assert!(seen.insert(*name), "duplicate fact {name}");
            assert!(name.contains('.'), "fact {name} has no namespace");
            assert!(!meaning.is_empty());
        }
        assert!(is_known("http.server"));
        assert!(!is_known("http.serverr"));
    }
}
