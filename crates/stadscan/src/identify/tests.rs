use super::*;
use crate::model::{Endpoint, FactValue};

fn identifier() -> Identifier {
    Identifier::new(Arc::new(
        Fingerprints::embedded().unwrap_or_else(|e| panic!("{e}")),
    ))
    .unwrap_or_else(|e| panic!("{e}"))
}

fn obs(protocol: &str, port: u16, facts: &[(&str, &str)]) -> Observation {
    let mut o = Observation::new(Endpoint::tcp("127.0.0.1".parse().unwrap(), port), None);
    o.protocol = protocol.to_string();
    for (k, v) in facts {
        o.facts
            .insert((*k).to_string(), FactValue::Text((*v).to_string()));
    }
    o
}

fn id(observations: &[Observation]) -> DeviceIdentity {
    identifier()
        .identify(observations)
        .unwrap_or_else(|| panic!("no identity for {observations:?}"))
}

#[test]
fn snmp_econolite_gets_vendor_class_and_firmware() {
    let d = id(&[obs(
        "snmp",
        161,
        &[
            (
                "snmp.sys_descr",
                "Econolite Cobalt ATC traffic signal controller, EOS v3.2.18 (build 20220511)",
            ),
            ("snmp.sys_object_id", "1.3.6.1.4.1.1206.3.5.2.1"),
        ],
    )]);
    assert_eq!(d.vendor.as_deref(), Some("Econolite"));
    assert_eq!(d.version.as_deref(), Some("3.2.18"));
    assert_eq!(d.class, DeviceClass::TrafficController);
}

#[test]
fn telnet_cabinet_controller_no_list_knows() {
    let d = id(&[obs(
        "telnet",
        23,
        &[(
            "telnet.banner",
            "SEPAC-3000 traffic cabinet controller Firmware 4.12.7 (2017-03-02)",
        )],
    )]);
    assert_eq!(d.class, DeviceClass::TrafficController);
    assert_eq!(d.version.as_deref(), Some("4.12.7"));
    assert_eq!(d.product.as_deref(), Some("SEPAC-3000"));
    assert_eq!(d.vendor, None);
}

#[test]
fn device_information_read_after_a_login_gives_model_and_firmware() {
    // Hikvision camera: realm and Server header name the vendor; the ISAPI
    // page read with the default credential names model and firmware.
    let web = obs(
        "http",
        80,
        &[
            ("http.server", "App-webs/"),
            ("http.auth_realm", "hikvision"),
            ("device_info.model", "DS-2CD2132F-IS"),
            ("device_info.firmware", "V5.4.5 build 170124"),
        ],
    );
    let d = id(&[web]);
    assert_eq!(d.vendor.as_deref(), Some("Hikvision"));
    assert_eq!(d.product.as_deref(), Some("DS-2CD2132F-IS"));
    assert_eq!(d.version.as_deref(), Some("5.4.5 build 170124"));
    assert_eq!(d.class, DeviceClass::Camera);
}

#[test]
fn a_device_vendor_in_a_banner_beats_the_software_carrying_it() {
    let d = id(&[obs(
        "ssh",
        22,
        &[("ssh.software", "OpenSSH_2.3.0_Mikrotik_v2.9")],
    )]);
    assert_eq!(d.vendor.as_deref(), Some("MikroTik"));
    let d = id(&[obs(
        "ftp",
        21,
        &[(
            "ftp.banner",
            "ProFTPD 1.3.5a Server (NETGEAR ReadyNAS) [192.168.1.20]",
        )],
    )]);
    assert_eq!(d.vendor.as_deref(), Some("NETGEAR"));
    assert_eq!(d.class, DeviceClass::Nas);
    // Only software speaks: it is still named.
    let d = id(&[obs("ssh", 22, &[("ssh.software", "OpenSSH_9.2p1")])]);
    assert_eq!(d.vendor.as_deref(), Some("OpenBSD"));
}

#[test]
fn the_class_follows_the_product_not_the_vendor() {
    let d = id(&[obs(
        "ftp",
        21,
        &[(
            "ftp.banner",
            "AXIS A1001 Network Door Controller 1.65.2 (2020) ready.",
        )],
    )]);
    assert_eq!(d.vendor.as_deref(), Some("Axis Communications"));
    assert_eq!(d.class, DeviceClass::AccessControl);
}

#[test]
fn structured_self_descriptions_need_no_vendor_rule() {
    let upnp = obs(
        "ssdp",
        1900,
        &[
            ("upnp.manufacturer", "ACME Kiosk Systems"),
            ("upnp.model_name", "Parkmaster 500"),
            ("upnp.model_number", "PM-500"),
            ("upnp.model_description", "parking pay station"),
        ],
    );
    let d = id(&[upnp]);
    assert_eq!(d.vendor.as_deref(), Some("ACME Kiosk Systems"));
    assert_eq!(d.product.as_deref(), Some("Parkmaster 500 PM-500"));
    assert_eq!(d.class, DeviceClass::Parking);
    let bacnet = obs(
        "bacnet",
        47808,
        &[
            ("bacnet.vendor_name", "Priva BV"),
            ("bacnet.model_name", "Compri HX 8E"),
            ("bacnet.firmware_revision", "7.1.3"),
        ],
    );
    let d = id(&[bacnet]);
    assert_eq!(d.vendor.as_deref(), Some("Priva"));
    assert_eq!(d.version.as_deref(), Some("7.1.3"));
    assert_eq!(d.class, DeviceClass::BuildingAutomation);
}

#[test]
fn enterprise_numbers_name_the_vendor() {
    let d = id(&[obs(
        "snmp",
        161,
        &[
            ("snmp.sys_descr", "Linux gw 4.14.0 #1 SMP armv7l"),
            ("snmp.sys_object_id", "1.3.6.1.4.1.14988.1"),
        ],
    )]);
    assert_eq!(d.vendor.as_deref(), Some("MikroTik"));
    assert_eq!(d.class, DeviceClass::Router);
    let e = Enterprises::embedded().unwrap();
    assert_eq!(e.of_object_id(".1.3.6.1.4.1.9.1.1208").unwrap().0, 9);
    assert_eq!(e.of_object_id("iso.3.6.1.4.1.318.1.3.27").unwrap().0, 318);
    assert!(e.of_object_id("1.3.6.1.2.1.1").is_none());
}

#[test]
fn factory_certificate_names_the_maker() {
    let d = id(&[obs(
        "tls",
        443,
        &[("cert.subject", "C=CN, O=Hikvision, CN=DS-2CD2T47G2-L")],
    )]);
    assert_eq!(d.vendor.as_deref(), Some("Hikvision"));
    // A municipal host name in CN is not a vendor.
    assert!(
        identifier()
            .identify(&[obs(
                "tls",
                443,
                &[(
                    "cert.subject",
                    "C=NL, O=Gemeente Utrecht, CN=portal.utrecht.nl"
                )]
            )])
            .is_none()
    );
}

#[test]
fn every_enterprise_vendor_is_in_the_lexicon() {
    let ident = identifier();
    let text = crate::knowledge::embedded::check_files()
        .find(|(p, _)| *p == enterprise::EMBEDDED_PATH)
        .unwrap()
        .1;
    let raw: toml::Table = toml::from_str(text).unwrap();
    for (n, e) in raw["enterprises"].as_table().unwrap() {
        if let Some(v) = e.get("vendor").and_then(|v| v.as_str()) {
            assert!(
                ident.lexicon.vendor_names().contains_key(v),
                "enterprise {n}: vendor {v} is not a lexicon vendor"
            );
        }
    }
}

#[test]
fn a_login_prompts_host_name_names_the_maker_only_when_nothing_else_does() {
    // The banner names replacement firmware; the host name is the owner's.
    let d = id(&[obs(
        "telnet",
        23,
        &[
            (
                "telnet.banner",
                "DD-WRT v3.0-r44715 std (c) 2020 NewMedia-NET GmbH",
            ),
            ("telnet.login_prompt", "ProLiant-lab login:"),
        ],
    )]);
    assert_eq!(d.vendor.as_deref(), Some("DD-WRT"));
    assert_eq!(d.version.as_deref(), Some("3.0-r44715"));
    assert_eq!(d.class, DeviceClass::Router);
    // A factory host name alone still names the device.
    let d = id(&[obs(
        "telnet",
        23,
        &[("telnet.login_prompt", "RT-AX58U login:")],
    )]);
    assert_eq!(d.vendor.as_deref(), Some("ASUS"));
    assert_eq!(d.class, DeviceClass::Router);
}

#[test]
fn certificate_names_written_without_blanks_are_read_per_attribute() {
    let d = id(&[obs(
        "tls",
        443,
        &[(
            "cert.subject",
            "CN=192.168.1.64,OU=Video,O=Hikvision,L=Hangzhou,C=CN",
        )],
    )]);
    assert_eq!(d.vendor.as_deref(), Some("Hikvision"));
    assert_eq!(d.class, DeviceClass::Camera);
}

#[test]
fn an_oem_brand_and_its_maker_are_one_device() {
    // The brand states its model; the maker's firmware answers in its own
    // format: the brand's model and the firmware's version stay together.
    let d = id(&[
        obs(
            "upnp",
            1900,
            &[("upnp.manufacturer", "Lorex"), ("upnp.model_name", "N841")],
        ),
        obs(
            "onvif",
            80,
            &[
                ("onvif.manufacturer", "Dahua"),
                ("onvif.firmware_version", "V4.001.0000000.1"),
            ],
        ),
    ]);
    assert_eq!(d.vendor.as_deref(), Some("Lorex"), "{d:?}");
    assert_eq!(d.product.as_deref(), Some("N841"), "{d:?}");
    assert_eq!(d.version.as_deref(), Some("4.001.0000000.1"), "{d:?}");
}
