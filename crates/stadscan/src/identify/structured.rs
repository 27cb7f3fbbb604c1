//! The generic layers applied to one observation: structured
//! self-descriptions, the SNMP enterprise number, and the lexicon over
//! every text fact.
//!
//! A structured self-description is a field whose meaning the protocol
//! fixes (UPnP `manufacturer`, ONVIF `Model`, BACnet `firmware-revision`,
//! Modbus `VendorName`, LwM2M `/3/0/3`, a device-information page's
//! firmware): what is in it is the device's own statement, so it needs no
//! rule per vendor.

use crate::fingerprint::DeviceClass;
use crate::model::{Confidence, Observation};

use super::{Basis, Candidate, Identifier, Layer};

/// Fields in which a protocol lets a device state its identity.
struct SelfDescription {
    source: &'static str,
    vendor: &'static [&'static str],
    model: &'static [&'static str],
    version: &'static [&'static str],
    /// What the protocol is for, and how much that says about the class.
    class: Option<(DeviceClass, Basis)>,
}

const SELF_DESCRIPTIONS: &[SelfDescription] = &[
    SelfDescription {
        source: "structured:device-info",
        vendor: &["device_info.vendor"],
        model: &["device_info.model", "device_info.product"],
        version: &["device_info.firmware"],
        class: None,
    },
    SelfDescription {
        source: "structured:upnp",
        vendor: &["upnp.manufacturer"],
        model: &["upnp.model_name"],
        version: &[],
        class: None,
    },
    SelfDescription {
        source: "structured:onvif",
        vendor: &["onvif.manufacturer"],
        model: &["onvif.model"],
        version: &["onvif.firmware_version"],
        // ONVIF is the video-device protocol; recorders and encoders speak
        // it too, which their model numbers or words then say.
        class: Some((DeviceClass::Camera, Basis::Product)),
    },
    SelfDescription {
        source: "structured:bacnet",
        vendor: &["bacnet.vendor_name"],
        model: &["bacnet.model_name"],
        version: &[
            "bacnet.firmware_revision",
            "bacnet.application_software_version",
        ],
        class: Some((DeviceClass::BuildingAutomation, Basis::Product)),
    },
    SelfDescription {
        source: "structured:modbus",
        vendor: &["modbus.vendor"],
        model: &[
            "modbus.model_name",
            "modbus.product_code",
            "modbus.product_name",
        ],
        version: &["modbus.revision"],
        // Meters, inverters and gateways answer Modbus as well as PLCs.
        class: Some((DeviceClass::Plc, Basis::Vendor)),
    },
    SelfDescription {
        source: "structured:lwm2m",
        vendor: &["coap.lwm2m_manufacturer"],
        model: &["coap.lwm2m_model"],
        version: &["coap.lwm2m_firmware"],
        class: Some((DeviceClass::SensorGateway, Basis::Vendor)),
    },
];

/// The source of the lexicon's reading of a Telnet login prompt.
pub(super) const LOGIN_PROMPT_SOURCE: &str = "lexicon:telnet.login_prompt";

/// Text facts the lexicon reads, with the layer of what it finds there.
const TEXTS: &[(&str, Layer)] = &[
    ("snmp.sys_descr", Layer::Lexicon),
    ("http.title", Layer::Lexicon),
    ("http.server", Layer::Lexicon),
    ("http.auth_realm", Layer::Lexicon),
    ("ssh.software", Layer::Lexicon),
    ("ftp.banner", Layer::Lexicon),
    ("telnet.banner", Layer::Lexicon),
    ("telnet.login_prompt", Layer::Lexicon),
    ("rtsp.server", Layer::Lexicon),
    ("banner.text", Layer::Lexicon),
    ("mqtt.broker_version", Layer::Lexicon),
    ("ssdp.server", Layer::Lexicon),
    ("upnp.model_description", Layer::Lexicon),
    ("upnp.friendly_name", Layer::Lexicon),
    ("upnp.device_type", Layer::Lexicon),
    ("onvif.hardware", Layer::Lexicon),
    ("onvif.name", Layer::Lexicon),
    ("bacnet.model_name", Layer::Lexicon),
    ("bacnet.description", Layer::Lexicon),
    ("modbus.product_name", Layer::Lexicon),
    ("device_info.product", Layer::Lexicon),
    ("device_info.model", Layer::Lexicon),
    ("upnp.model_name", Layer::Lexicon),
    ("onvif.model", Layer::Lexicon),
    ("modbus.product_code", Layer::Lexicon),
    ("coap.lwm2m_model", Layer::Lexicon),
    ("http.powered_by", Layer::Words),
];

fn text<'a>(o: &'a Observation, names: &[&str]) -> Option<&'a str> {
    names.iter().find_map(|n| match o.fact(n) {
        Some(crate::model::FactValue::Text(s)) if !s.trim().is_empty() => Some(s.trim()),
        _ => None,
    })
}

/// A version as a device states it, from its first digit on (the way the
/// fingerprints and advisories write versions): `V5.5.0 build 180202` is
/// `5.5.0 build 180202`, `HX-4.2.7` is `4.2.7`. A field that holds no
/// digit is no version.
fn stated_version(v: &str) -> Option<String> {
    let v = v.trim();
    let from = v.find(|c: char| c.is_ascii_digit())?;
    (v.len() <= 60).then(|| v[from..].to_string())
}

/// Candidates from one observation's structured fields, enterprise number
/// and text facts.
pub fn candidates(id: &Identifier, o: &Observation, out: &mut Vec<Candidate>) {
    for d in SELF_DESCRIPTIONS {
        let vendor = text(o, d.vendor);
        let model = text(o, d.model);
        let mut version = text(o, d.version).and_then(stated_version);
        if vendor.is_none() && model.is_none() && version.is_none() {
            continue;
        }
        // UPnP modelNumber holds a model code on most devices and the
        // firmware on some (Hikvision: `V4.30.085 build 200916`).
        let mut product = model.map(str::to_string);
        if d.source == "structured:upnp"
            && let Some(n) = text(o, &["upnp.model_number"])
        {
            let looks_like_version = n.starts_with(['V', 'v'])
                && n[1..].starts_with(|c: char| c.is_ascii_digit())
                || n.split_whitespace()
                    .next()
                    .is_some_and(|t| t.split('.').count() >= 3);
            if looks_like_version {
                version = stated_version(n);
            } else if product.as_deref().is_some_and(|p| !p.contains(n)) {
                product = product.map(|p| format!("{p} {n}"));
            } else if product.is_none() {
                product = Some(n.to_string());
            }
        }
        let vendor = vendor.map(|v| {
            id.lexicon
                .canonical_vendor(v)
                .map_or_else(|| v.to_string(), str::to_string)
        });
        let (class, basis) = d.class.unwrap_or((DeviceClass::Unknown, Basis::None));
        out.push(Candidate {
            vendor,
            product,
            version: if model.is_some() || vendor_named(o, d) {
                version
            } else {
                None
            },
            class,
            basis,
            confidence: Confidence::High,
            layer: Layer::Structured,
            generic: false,
            source: d.source.to_string(),
        });
    }
    if let Some(oid) = text(o, &["snmp.sys_object_id"])
        && let Some((n, e)) = id.enterprises.of_object_id(oid)
    {
        let class = e
            .class
            .or_else(|| e.vendor.as_deref().and_then(|v| id.lexicon.vendor_class(v)));
        out.push(Candidate {
            vendor: e.vendor.clone(),
            product: None,
            version: None,
            class: class.unwrap_or(DeviceClass::Unknown),
            basis: if class.is_some() {
                Basis::Vendor
            } else {
                Basis::None
            },
            confidence: Confidence::Medium,
            layer: Layer::Enterprise,
            generic: false,
            source: format!("enterprise:{n}"),
        });
    }
    for (fact, layer) in TEXTS {
        if let Some(t) = text(o, &[fact])
            && let Some(c) = id.lexicon.candidate(t, &format!("lexicon:{fact}"), *layer)
        {
            out.push(c);
        }
    }
    // Factory certificates name their maker in O and the model in CN; a
    // host name in CN is the city's own choice, so only a vendor (and a
    // model number's class) counts from here.
    for (fact, layer) in [
        ("cert.subject", Layer::Lexicon),
        ("cert.issuer", Layer::Words),
    ] {
        let Some(dn) = text(o, &[fact]) else { continue };
        for value in dn_values(dn, &["O", "CN", "OU"]) {
            if let Some(mut c) = id
                .lexicon
                .candidate(value, &format!("lexicon:{fact}"), layer)
                && c.vendor.is_some()
            {
                if c.basis == Basis::Words {
                    c.basis = Basis::Vendor;
                }
                c.confidence = Confidence::Low;
                out.push(c);
            }
        }
    }
}

fn vendor_named(o: &Observation, d: &SelfDescription) -> bool {
    text(o, d.vendor).is_some()
}

/// Values of the named attributes of a distinguished name as x509-parser
/// prints it (`C=NL, O=Hikvision, CN=DS-2CD2132F-IS`) or as RFC 4514 writes
/// it (`CN=DS-2CD2132F-IS,O=Hikvision,C=NL`). A comma starts a new
/// attribute only where an attribute name and `=` follow.
fn dn_values<'a>(dn: &'a str, keys: &'a [&str]) -> impl Iterator<Item = &'a str> + 'a {
    let mut starts = vec![0];
    for (i, _) in dn.match_indices(',') {
        let next = dn[i + 1..].trim_start();
        let name_len = next
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '.'))
            .unwrap_or(next.len());
        if name_len > 0 && next[name_len..].starts_with('=') {
            starts.push(i + 1);
        }
    }
    starts.push(dn.len() + 1);
    let parts: Vec<&str> = starts.windows(2).map(|w| &dn[w[0]..w[1] - 1]).collect();
    parts.into_iter().filter_map(move |part| {
        let (k, v) = part.split_once('=')?;
        keys.iter()
            .any(|key| k.trim().eq_ignore_ascii_case(key))
            .then_some(v.trim())
            .filter(|v| !v.is_empty())
    })
}
