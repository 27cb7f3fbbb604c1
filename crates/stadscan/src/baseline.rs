//! Control catalogues (`baselines/`): BIO2, ETSI EN 303 645 and the others,
//! as data. Checks name the controls they evidence (`bio2:8.24`); this
//! module loads the catalogues so those names can be validated and shown.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use toml::Spanned;

use crate::knowledge::CheckLoadError;
use crate::knowledge::validate::{DataFile, Problem};

/// What a judgement stands on: the kind of thing a check looks at, and
/// what a control needs to have seen before it can pass. Checks declare
/// theirs (`evidence = "tls-endpoint"`), controls may require some
/// (`requires = ["tls-endpoint"]`); `compliance` counts them.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize, Serialize,
)]
#[serde(rename_all = "kebab-case")]
pub enum EvidenceKind {
    /// An identified service of a protocol the check's `when` names (any
    /// identified service when it names none).
    #[default]
    Service,
    /// An endpoint whose TLS (protocol versions, suites, certificate) was
    /// assessed.
    TlsEndpoint,
    /// A service that takes a login (Telnet, SSH, FTP, MQTT, RTSP, SNMP, a
    /// web login) or on which credentials were tried.
    LoginSurface,
    /// A device whose kind was identified; devices left unidentified
    /// stop a pass.
    DeviceIdentity,
    /// A device whose vendor, model and firmware version are known, so
    /// advisories could be matched.
    FirmwareVersion,
}

impl EvidenceKind {
    /// Every kind, in declaration order.
    pub const ALL: [EvidenceKind; 5] = [
        EvidenceKind::Service,
        EvidenceKind::TlsEndpoint,
        EvidenceKind::LoginSurface,
        EvidenceKind::DeviceIdentity,
        EvidenceKind::FirmwareVersion,
    ];

    /// The kebab-case name used in `requires` and the JSON report (`tls-endpoint`).
    pub fn as_str(self) -> &'static str {
        match self {
            EvidenceKind::Service => "service",
            EvidenceKind::TlsEndpoint => "tls-endpoint",
            EvidenceKind::LoginSurface => "login-surface",
            EvidenceKind::DeviceIdentity => "device-identity",
            EvidenceKind::FirmwareVersion => "firmware-version",
        }
    }
}

/// One control of a catalogue.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Control {
    /// The control's number within its catalogue (`8.24`), `id` in the file.
    pub id: String,
    /// The control's Dutch title (`title_nl`), when the file gives one.
    pub title_nl: Option<String>,
    /// The control's English title (`title_en`).
    pub title_en: String,
    /// Whether a network scan can produce evidence for it at all.
    #[serde(default = "yes")]
    pub testable: bool,
    /// A one-line English summary of what the control asks (`summary`).
    #[serde(default)]
    pub summary: Option<String>,
    /// For catalogues in another numbering (BIO 1.04, BIG): the BIO2
    /// controls whose checks evidence this one (`bio2:8.24`).
    #[serde(default)]
    pub maps_to: Vec<String>,
    /// What the scan must have seen before the control can pass (on top of
    /// its checks having judged something): 8.24 needs an endpoint whose
    /// cryptography was assessed, 5.9 an identified inventory.
    #[serde(default)]
    pub requires: Vec<EvidenceKind>,
    /// BIO 1.04 only: the BIG (2005 numbering) controls it replaced.
    #[serde(default)]
    pub big: Vec<String>,
}

fn yes() -> bool {
    true
}

/// A control catalogue.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Catalogue {
    /// Prefix used in references (`bio2` in `bio2:8.24`).
    pub id: String,
    /// The catalogue's English title.
    pub title: String,
    /// The title in Dutch (for the Dutch report).
    #[serde(default)]
    pub title_nl: Option<String>,
    /// Where the catalogue's text comes from (`source`), e.g. the published
    /// standard.
    #[serde(default)]
    pub source: Option<String>,
    /// The `[[control]]` tables, in file order.
    #[serde(rename = "control", default)]
    pub controls: Vec<Control>,
}

/// A catalogue file's id, where it stands (for an error).
#[derive(Deserialize)]
struct Head {
    id: Spanned<String>,
}

/// Every loaded catalogue, by id.
#[derive(Debug, Clone, Default)]
pub struct Baselines {
    /// Catalogue id (`bio2`, `bio-1.04`, `big`, `etsi`) -> the catalogue, from
    /// the files under `baselines/`.
    pub catalogues: BTreeMap<String, Catalogue>,
}

impl Baselines {
    /// Parses catalogue files given as (path, text). Files without a
    /// `[[control]]` table (policy tables such as the TLS guidelines) are
    /// skipped here.
    pub fn parse(files: &[(&str, &str)]) -> Result<Baselines, CheckLoadError> {
        let mut out = Baselines::default();
        let mut sources: BTreeMap<String, DataFile<'_>> = BTreeMap::new();
        for (path, text) in files {
            let file = DataFile::new(path, text);
            let value: toml::Table = file.parse("catalogue")?;
            if !value.contains_key("control") {
                continue;
            }
            let cat: Catalogue = file.parse("catalogue")?;
            if let Some(first) = sources.get(&cat.id) {
                let head: Head = file.parse("id")?;
                let problem = Problem::new(
                    "id",
                    format!(
                        "catalogue id `{}` defined twice (first in {})",
                        cat.id, first.path
                    ),
                );
                return Err(file.error("", head.id.span(), problem));
            }
            sources.insert(cat.id.clone(), file);
            out.catalogues.insert(cat.id.clone(), cat);
        }
        for cat in out.catalogues.values() {
            for c in &cat.controls {
                for m in &c.maps_to {
                    if out.control(m).is_none() {
                        let file = sources
                            .get(&cat.id)
                            .copied()
                            .unwrap_or(DataFile::new("", ""));
                        let at = file.text.find(&format!("\"{m}\"")).unwrap_or(0);
                        let problem = Problem::new(
                            "maps_to",
                            format!("`{m}` is a control no catalogue defines"),
                        );
                        return Err(file.error(&c.id, at..at, problem));
                    }
                }
            }
        }
        Ok(out)
    }

    /// The built-in catalogues.
    pub fn embedded() -> Result<Baselines, CheckLoadError> {
        Baselines::parse(crate::knowledge::embedded::BASELINE_FILES)
    }

    /// Looks up `prefix:id`.
    pub fn control(&self, reference: &str) -> Option<&Control> {
        let (cat, id) = reference.split_once(':')?;
        self.catalogues
            .get(cat)?
            .controls
            .iter()
            .find(|c| c.id == id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_catalogues_load_with_unique_control_ids() {
        let b = Baselines::embedded().unwrap();
        let bio = b.catalogues.get("bio2").expect("bio2 catalogue");
        assert!(bio.controls.len() >= 10);
        for cat in b.catalogues.values() {
            let mut ids: Vec<_> = cat.controls.iter().map(|c| &c.id).collect();
            let n = ids.len();
            ids.sort();
            ids.dedup();
            assert_eq!(ids.len(), n, "duplicate control id in {}", cat.id);
        }
        assert_eq!(
            b.control("bio2:8.24").unwrap().title_en,
            "Use of cryptography"
        );
        assert!(b.control("bio2:99.1").is_none());
    }

    /// A control that can pass must say what a scan has to have seen: else
    /// a check with nothing of the right kind to judge could make it pass.
    /// Controls in another numbering take the grounds of the BIO2 controls
    /// they map to.
    #[test]
    fn every_testable_builtin_control_names_its_evidence() {
        let b = Baselines::embedded().unwrap();
        let mut missing = Vec::new();
        for cat in b.catalogues.values() {
            for c in &cat.controls {
                if !c.testable || !c.requires.is_empty() {
                    continue;
                }
                let mapped = !c.maps_to.is_empty()
                    && c.maps_to.iter().all(|m| {
                        b.control(m)
                            .is_some_and(|t| !t.testable || !t.requires.is_empty())
                    });
                if !mapped {
                    missing.push(format!("{}:{}", cat.id, c.id));
                }
            }
        }
        assert!(missing.is_empty(), "no `requires`: {missing:?}");
    }
}
