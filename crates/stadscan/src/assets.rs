//! The asset stage: observations folded into one asset per device, with a
//! stable identity (the certificate key a device alone presents, else its
//! address), and named (vendor, model, firmware, class) from what its
//! services said.

use std::collections::{BTreeMap, HashMap};
use std::net::IpAddr;

use crate::fingerprint::DeviceClass;
use crate::identify::Identifier;
use crate::model::{Asset, IdentityKind, Observation, Origin};
use crate::scope::Scope;

/// Folds observations into one asset per address, with a stable identity:
/// the certificate key when the address presents exactly one and no other
/// address shares it (factory certificates are often the same on every
/// unit), else the address. Fingerprints name vendor, model, firmware and
/// class from what the services said.
pub fn fold_assets(
    scope: &Scope,
    observations: Vec<Observation>,
    identifier: &Identifier,
) -> Vec<Asset> {
    let mut by_addr: BTreeMap<IpAddr, Vec<Observation>> = BTreeMap::new();
    for o in observations {
        by_addr.entry(o.endpoint.addr).or_default().push(o);
    }
    let key_of = certificate_key;
    let mut key_owners: HashMap<String, usize> = HashMap::new();
    for obs in by_addr.values() {
        if let Some(k) = key_of(obs) {
            *key_owners.entry(k).or_insert(0) += 1;
        }
    }
    by_addr
        .into_iter()
        .map(|(addr, mut obs)| {
            obs.sort_by_key(|o| (o.endpoint.transport, o.endpoint.port));
            let (identity, id) = match key_of(&obs) {
                Some(k) if key_owners.get(&k) == Some(&1) => {
                    (IdentityKind::CertificateKey, certificate_identity(&k))
                }
                _ => (IdentityKind::Address, format!("address:{addr}")),
            };
            let hostnames: Vec<String> = {
                let mut h: Vec<String> = obs.iter().filter_map(|o| o.hostname.clone()).collect();
                h.sort();
                h.dedup();
                h
            };
            let origin = hostnames
                .first()
                .and_then(|name| scope.hosts.iter().position(|h| &h.name == name))
                .map(Origin::Host)
                .or_else(|| {
                    scope
                        .networks
                        .iter()
                        .position(|n| n.net.contains(&addr))
                        .map(Origin::Network)
                })
                .unwrap_or(Origin::Network(0));
            let mut asset = Asset {
                id,
                identity,
                addr,
                hostnames,
                origin,
                label: scope.label_of(origin).map(str::to_string),
                vendor: None,
                model: None,
                firmware: None,
                class: DeviceClass::Unknown,
                fingerprint: None,
                fingerprint_confidence: None,
                personal_data: None,
                cpes: Vec::new(),
                observations: obs,
            };
            identify(&mut asset, identifier);
            asset
        })
        .collect()
}

/// Which addresses present each certificate key (as asset ids), so that
/// `merge` can tell a key two shards each saw once from a unique one.
pub fn certificate_keys(assets: &[(IpAddr, Option<String>)]) -> BTreeMap<String, Vec<IpAddr>> {
    let mut map: BTreeMap<String, Vec<IpAddr>> = BTreeMap::new();
    for (addr, key) in assets {
        if let Some(k) = key {
            map.entry(certificate_identity(k)).or_default().push(*addr);
        }
    }
    map
}

/// The one certificate key an address presents on all its TLS services
/// (none when it presents none or several).
pub fn certificate_key(obs: &[Observation]) -> Option<String> {
    let mut keys: Vec<String> = obs
        .iter()
        .filter_map(|o| o.fact("cert.spki_sha256").map(|v| v.render()))
        .collect();
    keys.sort();
    keys.dedup();
    (keys.len() == 1).then(|| keys.remove(0))
}

/// The asset id of a device named by its certificate key.
pub fn certificate_identity(spki_sha256: &str) -> String {
    format!(
        "cert-key:sha256:{}",
        &spki_sha256[..32.min(spki_sha256.len())]
    )
}

/// Names vendor, model, firmware and class of an asset from what its
/// services said (again after an authenticated read added facts).
pub fn identify(asset: &mut Asset, identifier: &Identifier) {
    let device = identifier.identify(&asset.observations);
    let class = device.as_ref().map_or(DeviceClass::Unknown, |d| d.class);
    asset.vendor = device.as_ref().and_then(|d| d.vendor.clone());
    asset.model = device.as_ref().and_then(|d| d.product.clone());
    asset.firmware = device.as_ref().and_then(|d| d.version.clone());
    asset.class = class;
    asset.fingerprint = device.as_ref().map(|d| d.fingerprint.clone());
    asset.fingerprint_confidence = device.as_ref().map(|d| d.confidence);
    asset.personal_data = class.personal_data().map(str::to_string);
}
