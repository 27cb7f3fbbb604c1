//! Identification: what a device is, from everything its services said.
//!
//! Layers, each giving a candidate vendor / product / version / class with
//! its own confidence, before and beside the per-product fingerprints:
//!
//! 1. **Structured self-descriptions** ([`structured`]): fields in which a
//!    device states its maker, model and firmware (device-information
//!    pages, UPnP, ONVIF, BACnet, Modbus identification, the LwM2M device
//!    object) set the identity without any per-vendor rule.
//! 2. **SNMP enterprise numbers** ([`enterprise`]): `sysObjectID` names the
//!    vendor through IANA's registry.
//! 3. **The vendor lexicon** ([`lexicon`]): vendor names, product lines,
//!    model prefixes and class words in every text fact (banners, titles,
//!    realms, sysDescr, certificate names).
//! 4. **Fingerprints** (`checks/fingerprints/`) and, when loaded, the recog
//!    database ([`recog`]).
//!
//! [`Identifier::identify`] merges them field by field: the most specific
//! evidence names the vendor, a device maker beats the software it carries
//! (`OpenSSH_2.3.0_Mikrotik_v2.9` is a MikroTik, not OpenBSD), product and
//! version come from evidence about that vendor, and the class follows the
//! product (a model prefix or the device's own words) before the vendor's
//! usual class.

pub mod enterprise;
pub mod lexicon;
mod prefilter;
pub mod recog;
pub mod structured;

use std::sync::Arc;

use crate::fingerprint::{DeviceClass, DeviceIdentity, Fingerprints};
use crate::knowledge::CheckLoadError;
use crate::model::{Confidence, Observation};

pub use enterprise::Enterprises;
pub use lexicon::Lexicon;
pub use recog::Recog;

/// Which layer a candidate came from; later is more specific evidence.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Layer {
    /// Class words alone, or the lexicon on a field that is not the
    /// device's description (a certificate issuer).
    Words,
    /// An SNMP enterprise number.
    Enterprise,
    /// The lexicon reading a banner, title or sysDescr.
    Lexicon,
    /// A field in which the device states its identity.
    Structured,
    /// A per-product fingerprint (built in or recog): a rule that knows
    /// how this vendor writes its fields ranks above reading them as they
    /// stand.
    Fingerprint,
}

/// What a candidate's class rests on; later is stronger.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub enum Basis {
    /// No class.
    #[default]
    None,
    /// The vendor's usual kind of product.
    Vendor,
    /// The protocol or the product (line) as a fingerprint or the lexicon
    /// knows it.
    Product,
    /// The device's own words (`Network Door Controller`).
    Words,
    /// The vendor's model numbering (`AXIS A1001`).
    Model,
}

/// One layer's view of a device.
#[derive(Debug, Clone, PartialEq)]
pub struct Candidate {
    /// The vendor the layer named; `None` when it named none.
    pub vendor: Option<String>,
    /// The product the layer named; `None` when it named none.
    pub product: Option<String>,
    /// The version the layer read; `None` when it found none.
    pub version: Option<String>,
    /// The device class it suggests (`Unknown` when none).
    pub class: DeviceClass,
    /// What the class rests on.
    pub basis: Basis,
    /// How sure the layer is.
    pub confidence: Confidence,
    /// The layer it came from.
    pub layer: Layer,
    /// Names software found on many kinds of device, not the device.
    pub generic: bool,
    /// What produced it: a fingerprint id, `recog:<file>:<line>`,
    /// `lexicon:<fact>`, `structured:<protocol>`, `enterprise:<number>`.
    pub source: String,
}

impl Candidate {
    fn specificity(&self) -> u8 {
        u8::from(self.vendor.is_some())
            + u8::from(self.product.is_some())
            + u8::from(self.version.is_some() && self.product.is_some())
    }

    fn from_identity(id: DeviceIdentity, generic: bool) -> Candidate {
        Candidate {
            vendor: id.vendor,
            product: id.product,
            version: id.version,
            basis: if id.class == DeviceClass::Unknown {
                Basis::None
            } else {
                Basis::Product
            },
            class: id.class,
            confidence: id.confidence,
            layer: Layer::Fingerprint,
            generic,
            source: id.fingerprint,
        }
    }
}

/// Everything identification knows: the built-in layers, the fingerprints
/// and, when the user has it, the recog database.
#[derive(Debug, Clone, Default)]
pub struct Identifier {
    /// The device fingerprints (`checks/fingerprints/`).
    pub fingerprints: Arc<Fingerprints>,
    /// Vendor names, product lines and class words
    /// (`checks/identify/lexicon.toml`).
    pub lexicon: Lexicon,
    /// SNMP enterprise numbers and their vendors
    /// (`checks/identify/enterprise-numbers.toml`).
    pub enterprises: Enterprises,
    /// The recog database (`--recog`, or the scope's `[knowledge] recog`);
    /// `None` without one.
    pub recog: Option<Recog>,
}

impl Identifier {
    /// The built-in lexicon and enterprise numbers with these fingerprints.
    pub fn new(fingerprints: Arc<Fingerprints>) -> Result<Identifier, CheckLoadError> {
        Ok(Identifier {
            fingerprints,
            lexicon: Lexicon::embedded()?,
            enterprises: Enterprises::embedded()?,
            recog: None,
        })
    }

    /// Every candidate the layers find in one observation.
    pub fn candidates(&self, o: &Observation, out: &mut Vec<Candidate>) {
        let first = out.len();
        structured::candidates(self, o, out);
        if let Some((fp, id)) = self.fingerprints.first_match(&o.protocol, &o.facts) {
            out.push(Candidate::from_identity(id, fp.generic));
        }
        if let Some(recog) = &self.recog {
            recog.candidates(&self.lexicon, o, out);
        }
        // The name in a login prompt is the host's (`RT-AC68U login:`): a
        // factory default on most devices, but the owner's choice. It names
        // the maker only when nothing else the service said does, software
        // included (a `DD-WRT v3.0` banner over a host called `ProLiant-lab`).
        let prompt = |c: &Candidate| c.source == structured::LOGIN_PROMPT_SOURCE;
        if out[first..]
            .iter()
            .any(|c| !prompt(c) && c.vendor.is_some())
        {
            let kept: Vec<Candidate> = out.drain(first..).filter(|c| !prompt(c)).collect();
            out.extend(kept);
        }
    }

    /// The identity of one device from all its observations.
    pub fn identify(&self, observations: &[Observation]) -> Option<DeviceIdentity> {
        let mut found = Vec::new();
        for o in observations {
            self.candidates(o, &mut found);
        }
        // One name per maker, whichever layer or field stated it
        // (`HIKVISION`, `Dahua` as ONVIF gives them).
        for c in &mut found {
            if let Some(v) = &c.vendor
                && let Some(canonical) = self.lexicon.canonical_vendor(v)
                && canonical != v
            {
                c.vendor = Some(canonical.to_string());
            }
        }
        self.merge(found)
    }

    /// Merges candidates field by field (see the module doc).
    pub fn merge(&self, mut found: Vec<Candidate>) -> Option<DeviceIdentity> {
        if found.is_empty() {
            return None;
        }
        let rank = |c: &Candidate| (!c.generic, c.specificity(), c.layer, c.confidence);
        // Stable: among equals the earlier observation stays first.
        found.sort_by_key(|c| std::cmp::Reverse(rank(c)));
        // Software found on many kinds of device (OpenSSH, ProFTPD) speaks
        // for the device only when nothing else does.
        let any_specific = found.iter().any(|c| !c.generic);
        let pool: Vec<&Candidate> = found
            .iter()
            .filter(|c| !c.generic || !any_specific)
            .collect();
        let lead = *pool
            .iter()
            .find(|c| c.vendor.is_some())
            .or_else(|| pool.first())?;
        let vendor = lead.vendor.clone();
        // Evidence about the chosen vendor (an OEM brand and its maker are
        // one), or about no vendor.
        let same = |c: &&&Candidate| match (c.vendor.as_deref(), vendor.as_deref()) {
            (None, _) => true,
            (Some(a), Some(b)) => a.eq_ignore_ascii_case(b) || self.lexicon.same_maker(a, b),
            (Some(_), None) => false,
        };
        let with_product = pool.iter().filter(same).find(|c| c.product.is_some());
        let product = with_product.and_then(|c| c.product.clone());
        let version = with_product.and_then(|c| c.version.clone()).or_else(|| {
            pool.iter()
                .filter(same)
                .find(|c| {
                    c.version.is_some()
                        && (c.product.is_none() || c.product == product)
                        && c.specificity() > 0
                })
                .and_then(|c| c.version.clone())
        });
        let mut by_class: Vec<&&Candidate> = pool
            .iter()
            .filter(same)
            .filter(|c| c.class != DeviceClass::Unknown)
            .collect();
        by_class.sort_by_key(|c| std::cmp::Reverse((c.basis, !c.generic, c.layer, c.confidence)));
        let mut class = by_class.first().map_or(DeviceClass::Unknown, |c| c.class);
        let mut basis = by_class.first().map_or(Basis::None, |c| c.basis);
        if let (Some(v), Some(p)) = (&vendor, &product)
            && basis < Basis::Model
            && let Some(c) = self.lexicon.model_class(v, p)
        {
            class = c;
            basis = Basis::Model;
        }
        if basis < Basis::Vendor
            && let Some(c) = vendor.as_deref().and_then(|v| self.lexicon.vendor_class(v))
        {
            class = c;
        }
        let named_by = if vendor.is_some() {
            lead
        } else {
            with_product.copied().unwrap_or(lead)
        };
        Some(DeviceIdentity {
            vendor,
            product,
            version,
            class,
            fingerprint: named_by.source.clone(),
            confidence: named_by.confidence,
        })
    }
}

#[cfg(test)]
mod tests;
