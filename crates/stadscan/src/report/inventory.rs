//! The device register: one row per device, from a scan's JSON report, as
//! JSON or CSV (`stadscan inventory`). It answers "what is out there?" for
//! the asset inventory (BIO2 5.9) and, with the personal-data column, the
//! register a DPIA and the AVG information duty need.

use serde::Serialize;

use super::json::{ReportDoc, Unreadable};
use crate::model::Finding;

/// One device.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Device {
    /// The device's IP address.
    pub address: String,
    /// The scope's host names that led to the address; empty when it came in
    /// through a network entry.
    pub hostnames: Vec<String>,
    /// The label of the scope entry that brought the address in.
    pub label: Option<String>,
    /// Device class (`camera`, `nvr`... or `unknown`).
    pub class: String,
    /// Vendor, when identification named one.
    pub vendor: Option<String>,
    /// Model, when identification named one.
    pub model: Option<String>,
    /// Firmware version, when identification found one.
    pub firmware: Option<String>,
    /// The asset's stable identity (`cert-key:sha256:...`, `address:...`).
    pub identity: String,
    /// What personal data devices of this class can process; `None` when the
    /// class processes none by design.
    pub personal_data: Option<String>,
    /// `port/service`, e.g. `443/https`.
    pub services: Vec<String>,
    /// How many findings the device has.
    pub findings: usize,
    /// The highest severity among its findings (`critical`, `high`...); `None`
    /// without findings.
    pub worst_severity: Option<String>,
}

/// The register of one scan.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Register {
    /// The scope's name, as the report gives it.
    pub scope: String,
    /// When the scan finished (RFC 3339, UTC).
    pub scanned: String,
    /// The devices, in the report's order.
    pub devices: Vec<Device>,
}

/// A file that is not a JSON report this stadscan reads.
#[derive(Debug, thiserror::Error)]
pub enum InventoryError {
    /// The text is not JSON, or not shaped like a JSON report.
    #[error("not a stadscan JSON report: {0}")]
    NotReport(#[source] serde_json::Error),
    #[error(
        "format {format} version {version} is not one this stadscan reads (stadscan-report version {})",
        super::json::FORMAT_VERSION
    )]
    /// A JSON report of another format or a version this build does not read.
    Format {
        /// The document's `format` field.
        format: String,
        /// The document's format version.
        version: u32,
    },
}

impl Register {
    /// Reads a report written by `stadscan scan --json`.
    pub fn from_report_json(text: &str) -> Result<Register, InventoryError> {
        let doc = ReportDoc::read(text).map_err(|e| match e {
            Unreadable::NotReport(source) => InventoryError::NotReport(source),
            Unreadable::Format { format, version } => InventoryError::Format { format, version },
        })?;
        let devices = doc
            .assets
            .iter()
            .map(|a| {
                let mine: Vec<&Finding> = doc.findings.iter().filter(|f| f.asset == a.id).collect();
                Device {
                    address: a.addr.to_string(),
                    hostnames: a.hostnames.clone(),
                    label: a.label.clone(),
                    class: a.class.as_str().to_string(),
                    vendor: a.vendor.clone(),
                    model: a.model.clone(),
                    firmware: a.firmware.clone(),
                    identity: a.id.clone(),
                    personal_data: a.personal_data.clone(),
                    services: a
                        .observations
                        .iter()
                        .map(|o| format!("{}/{}", o.endpoint.port, o.service()))
                        .collect(),
                    findings: mine.len(),
                    worst_severity: mine
                        .iter()
                        .map(|f| f.severity)
                        .max()
                        .map(|s| s.as_str().to_string()),
                }
            })
            .collect();
        Ok(Register {
            scope: doc.run.scope,
            scanned: doc.run.finished,
            devices,
        })
    }

    /// The register as pretty-printed JSON, ending in a newline.
    pub fn to_json(&self) -> Vec<u8> {
        let mut v = serde_json::to_vec_pretty(self).unwrap_or_default();
        v.push(b'\n');
        v
    }

    /// RFC 4180 CSV with a header row. Cells that a spreadsheet would run
    /// as a formula (device text is hostile input) get a leading quote.
    pub fn to_csv(&self) -> String {
        let mut out = String::from(
            "address,hostnames,label,class,vendor,model,firmware,identity,personal_data,services,findings,worst_severity\r\n",
        );
        for d in &self.devices {
            let cells = [
                d.address.clone(),
                d.hostnames.join(" "),
                d.label.clone().unwrap_or_default(),
                d.class.clone(),
                d.vendor.clone().unwrap_or_default(),
                d.model.clone().unwrap_or_default(),
                d.firmware.clone().unwrap_or_default(),
                d.identity.clone(),
                d.personal_data.clone().unwrap_or_default(),
                d.services.join(" "),
                d.findings.to_string(),
                d.worst_severity.clone().unwrap_or_default(),
            ];
            let row: Vec<String> = cells.iter().map(|c| csv_cell(c)).collect();
            out.push_str(&row.join(","));
            out.push_str("\r\n");
        }
        out
    }
}

fn csv_cell(value: &str) -> String {
    let mut v = value.to_string();
    if v.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        v.insert(0, '\'');
    }
    if v.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", v.replace('"', "\"\""))
    } else {
        v
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_quotes_and_defuses_formulas() {
        assert_eq!(csv_cell("plain"), "plain");
        assert_eq!(csv_cell("a,b"), "\"a,b\"");
        assert_eq!(csv_cell("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(csv_cell("=HYPERLINK(\"x\")"), "\"'=HYPERLINK(\"\"x\"\")\"");
        assert_eq!(csv_cell("-1"), "'-1");
    }

    #[test]
    fn rejects_other_documents() {
        assert!(Register::from_report_json("{\"format\": \"x\"}").is_err());
        assert!(Register::from_report_json("not json").is_err());
    }
}
