//! SNMP `sysObjectID` -> vendor, from the IANA Private Enterprise Numbers
//! registry (`checks/identify/enterprise-numbers.toml`).
//!
//! Every agent's `sysObjectID` sits under `1.3.6.1.4.1.<enterprise>`, the
//! number IANA assigned to the organisation that wrote the agent. The data
//! file keeps the enterprises that make network-connected equipment (how
//! it is made and regenerated: the file's header and
//! `scripts/enterprise-numbers.py`). A few numbers belong to software or
//! standards bodies (Net-SNMP, NTCIP's NEMA tree): they name no vendor, and
//! NTCIP's names a class.

use std::collections::HashMap;

use serde::Deserialize;

use crate::fingerprint::DeviceClass;
use crate::knowledge::CheckLoadError;
use crate::knowledge::validate::{DataFile, Problem};

/// Where the built-in table lives among the embedded files.
pub const EMBEDDED_PATH: &str = "checks/identify/enterprise-numbers.toml";

/// The prefix of every private enterprise OID.
const ENTERPRISES: &str = "1.3.6.1.4.1.";

/// What an enterprise number says about a device.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Enterprise {
    /// The registrant as IANA lists it.
    pub organization: String,
    /// The device vendor it is (the lexicon's canonical name); absent for
    /// software and standards bodies.
    pub vendor: Option<String>,
    /// A class the number implies on its own (NTCIP: traffic equipment).
    pub class: Option<DeviceClass>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    source: String,
    date: String,
    #[serde(default)]
    note: Option<String>,
    enterprises: HashMap<String, Enterprise>,
}

/// The loaded table.
#[derive(Debug, Clone, Default)]
pub struct Enterprises {
    by_number: HashMap<u32, Enterprise>,
    /// Where the data came from and when (the file's `source` and `date`).
    pub source: String,
    /// The data's date (the file's `date`).
    pub date: String,
}

impl Enterprises {
    /// The table built into the binary (`checks/identify/enterprise-numbers.toml`).
    pub fn embedded() -> Result<Enterprises, CheckLoadError> {
        let text = crate::knowledge::embedded::check_files()
            .find(|(p, _)| *p == EMBEDDED_PATH)
            .map_or("", |(_, t)| t);
        Enterprises::parse(EMBEDDED_PATH, text)
    }

    /// Parses an enterprise-numbers file; `path` names it in errors.
    pub fn parse(path: &str, text: &str) -> Result<Enterprises, CheckLoadError> {
        let raw: RawFile = DataFile::new(path, text).parse("enterprise-numbers")?;
        let _ = raw.note;
        let mut by_number = HashMap::new();
        for (key, e) in raw.enterprises {
            let n: u32 = key.parse().map_err(|_| {
                let line = text
                    .lines()
                    .position(|l| l.trim_start().starts_with(&format!("{key} ")))
                    .map_or(0, |i| i + 1);
                let problem = Problem::new(
                    format!("enterprises.{key}"),
                    "an enterprise number is a whole number",
                );
                CheckLoadError::from_problem(path, line, "", problem)
            })?;
            by_number.insert(n, e);
        }
        Ok(Enterprises {
            by_number,
            source: raw.source,
            date: raw.date,
        })
    }

    /// How many enterprise numbers the table holds.
    pub fn len(&self) -> usize {
        self.by_number.len()
    }

    /// True when the table is empty.
    pub fn is_empty(&self) -> bool {
        self.by_number.is_empty()
    }

    /// The enterprise of a `sysObjectID` (`1.3.6.1.4.1.9.1.1208`, also
    /// with a leading dot or `iso.` as some tools print it).
    pub fn of_object_id(&self, oid: &str) -> Option<(u32, &Enterprise)> {
        let oid = oid.trim().trim_start_matches('.');
        let oid = oid
            .strip_prefix("iso.")
            .map(|r| format!("1.{r}"))
            .unwrap_or_else(|| oid.to_string());
        let rest = oid.strip_prefix(ENTERPRISES)?;
        let n: u32 = rest.split('.').next()?.parse().ok()?;
        self.by_number.get(&n).map(|e| (n, e))
    }
}
