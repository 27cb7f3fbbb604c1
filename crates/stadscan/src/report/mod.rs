//! Output: everything a run produced, written as SARIF, JSON and the terminal
//! summary. Nothing else in the crate prints or writes results.

pub mod diff;
pub mod html;
pub mod inventory;
pub mod json;
pub mod markdown;
pub mod merge;
pub mod progress;
pub mod sarif;
pub mod summary;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::baseline::Baselines;
use crate::check::Catalogue;
use crate::compliance;
use crate::discover::dns::RefusedAddress;
use crate::error::Error;
use crate::model::{Asset, Finding, Severity};
use crate::net::NetCounts;
use crate::scope::Scope;

/// Counters of one run.
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct ScanStats {
    /// Addresses in the target space.
    pub addresses: u128,
    /// Ports per address.
    pub ports: usize,
    /// (address, port) positions visited.
    pub positions_done: u64,
    /// TCP ports found open, by connect or by SYN.
    pub open_tcp: u64,
    /// UDP probes that got an answer.
    pub udp_answers: u64,
    /// Wall-clock time of the run in milliseconds (summed over the shards in a
    /// merged JSON report).
    pub elapsed_ms: u64,
    /// What the network layer sent and received (connects, datagrams, echoes...).
    pub net: NetCounts,
    /// What host discovery did.
    pub discovery: DiscoveryStats,
    /// How many jobs ran at once and what held the window there.
    pub window: WindowStats,
}

/// What host discovery did.
#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct DiscoveryStats {
    /// `probe` (only live addresses get every port) or `all`.
    pub hosts: crate::scope::HostDiscovery,
    /// The TCP ports every address was tried on first (empty under `all`).
    pub liveness_tcp: Vec<u16>,
    /// Whether ICMP echo requests were sent.
    pub icmp: bool,
    /// Addresses that answered anything (a connect accepted or refused, a
    /// SYN answered, a datagram answered or refused, an echo reply).
    pub addresses_alive: u64,
    /// How TCP ports were found: `connect`, or `syn` (from a raw socket).
    pub tcp: TcpDiscovery,
}

/// How TCP ports were found.
#[derive(Debug, Clone, Copy, Default, Serialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum TcpDiscovery {
    /// A TCP connect per port.
    #[default]
    Connect,
    /// A SYN per port from a raw socket (`--syn`); IPv6 addresses, which
    /// it does not reach, by connects.
    Syn,
}

/// The window of jobs in flight and what sized it.
#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct WindowStats {
    /// The window the scan ran with: `wanted`, or less when the open-file limit
    /// leaves no room for it.
    pub in_flight: u64,
    /// What the scope's rate asked for (`max_in_flight`).
    pub wanted: u64,
    /// The soft open-file limit after raising it to the hard one.
    pub open_file_limit: Option<u64>,
    /// The open-file limit cut the window below `wanted`, and the window
    /// was full at some point.
    pub limited_by_files: bool,
}

/// A note for the reader of the outputs (not a finding): a name that
/// resolved outside the scope, an interrupted run...
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Note {
    /// How much it matters to the reader; SARIF shows it as the notification level.
    pub level: NoteLevel,
    /// The note in English (the SARIF notification, the English report).
    pub message: String,
    /// The same in Dutch, for the Dutch report.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message_nl: Option<String>,
}

impl Note {
    /// A note in English and Dutch.
    pub fn new(level: NoteLevel, en: impl Into<String>, nl: impl Into<String>) -> Note {
        Note {
            level,
            message: en.into(),
            message_nl: Some(nl.into()),
        }
    }

    /// The message in the reader's language (English when it has no Dutch).
    pub fn text(&self, dutch: bool) -> &str {
        match (&self.message_nl, dutch) {
            (Some(nl), true) => nl,
            _ => &self.message,
        }
    }
}

/// How serious a [`Note`] is.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum NoteLevel {
    /// Context: what host discovery did, a shard's slice, a resumed run.
    Info,
    /// Something held the run back, e.g. a rate it could not reach or a window
    /// cut by the open-file limit.
    Warning,
    /// Part of the run failed or was cut short (an interrupted scan, a failed
    /// credential budget file): results are partial.
    Error,
}

/// Everything one run produced.
#[derive(Debug, Clone)]
pub struct Report {
    /// The scope that was scanned.
    pub scope: Arc<Scope>,
    /// The scope file's path relative to the repository root, with `/`
    /// separators (the SARIF artifact location).
    pub scope_uri: String,
    /// The checks the run judged with (the built-in catalogue under `checks/`,
    /// plus the NVD rules when an index was matched); SARIF lists them as rules.
    pub checks: Arc<Catalogue>,
    /// The baseline catalogues (`baselines/`) compliance is judged against.
    pub baselines: Arc<Baselines>,
    /// When the run started, in seconds since the Unix epoch (UTC).
    pub started: i64,
    /// When the run finished, in seconds since the Unix epoch (UTC).
    pub finished: i64,
    /// False when the run was interrupted: the outputs hold partial results.
    pub complete: bool,
    /// `--discover-only`: ports found, nothing identified, no control judged.
    pub discover_only: bool,
    /// The devices found, one per identity.
    pub assets: Vec<Asset>,
    /// What the checks found, in every output.
    pub findings: Vec<Finding>,
    /// Named hosts whose addresses resolved outside the scope or into an
    /// exclusion, and were not scanned.
    pub refused: Vec<RefusedAddress>,
    /// Certificate-key identities and the addresses that present each.
    pub certificate_keys: BTreeMap<String, Vec<std::net::IpAddr>>,
    /// Notes for the reader of the outputs (SARIF notifications, the summary).
    pub notes: Vec<Note>,
    /// The run's counters (the JSON report's `stats`, the summary).
    pub stats: ScanStats,
    /// Compliance with the chosen baseline (`--baseline`, default bio2).
    pub compliance: Option<compliance::Compliance>,
    /// What the history says about this run (with `--history`).
    pub history: Option<crate::history::View>,
    /// Write the previous run's findings that are gone as SARIF results
    /// with baselineState `absent` (`--sarif-absent`).
    pub sarif_absent: bool,
}

impl Report {
    /// How many findings there are of each severity; severities without
    /// findings are absent.
    pub fn count_by_severity(&self) -> BTreeMap<Severity, usize> {
        let mut m = BTreeMap::new();
        for f in &self.findings {
            *m.entry(f.severity).or_insert(0) += 1;
        }
        m
    }

    /// The highest severity among the findings.
    pub fn worst(&self) -> Option<Severity> {
        self.findings.iter().map(|f| f.severity).max()
    }

    /// The asset with identity `id` (an [`Asset::id`]), if the run found it.
    pub fn asset(&self, id: &str) -> Option<&Asset> {
        self.assets.iter().find(|a| a.id == id)
    }

    /// What compliance is judged on.
    pub fn scanned(&self) -> crate::compliance::Scanned<'_> {
        crate::compliance::Scanned {
            checks: &self.checks,
            assets: &self.assets,
            findings: &self.findings,
            discover_only: self.discover_only,
        }
    }

    /// What the scan history keeps of this run.
    pub fn outcome(&self) -> crate::model::RunOutcome<'_> {
        crate::model::RunOutcome {
            started: self.started,
            finished: self.finished,
            complete: self.complete,
            assets: &self.assets,
            findings: &self.findings,
            baseline: self
                .compliance
                .as_ref()
                .map(|c| (c.baseline.as_str(), c.counts.fail)),
        }
    }
}

/// The CISO report of `report` as one HTML page in `lang` (`nl`, `en`).
/// The compliance is the one judged when the scan ended; a report without
/// one shows none.
pub fn html_page(report: &Report, lang: &str) -> String {
    let lang = lang.parse().unwrap_or(html::Lang::Nl);
    let none;
    let compliance = match &report.compliance {
        Some(c) => c,
        None => {
            none = compliance::Compliance {
                baseline: compliance::DEFAULT_BASELINE.into(),
                title: String::new(),
                title_nl: None,
                counts: compliance::Counts::default(),
                controls: Vec::new(),
            };
            &none
        }
    };
    html::render(report, compliance, report.history.as_ref(), lang)
}

/// Writes `bytes` to `path` through a temporary file in the same folder, so
/// a crash never leaves half a file where the last good one was.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), Error> {
    let err = |source| Error::Output {
        path: path.to_path_buf(),
        source,
    };
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(err)?;
    }
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "output".into());
    let tmp = path.with_file_name(format!(".{name}.tmp-{}", std::process::id()));
    // Written and flushed to the disk before it replaces the old file; on
    // any failure (a full disk...) the half-written copy is removed, so it
    // neither hides the old file nor keeps eating the space.
    let write = || -> std::io::Result<()> {
        use std::io::Write as _;
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        std::fs::rename(&tmp, path)
    };
    write().map_err(|e| {
        let _cleanup = std::fs::remove_file(&tmp);
        err(e)
    })
}

/// The scope file as a repository-relative URI: relative to `source_root`
/// when given, else to the nearest folder above the file that holds `.git`,
/// else to the current folder.
pub fn scope_uri(scope_path: &Path, source_root: Option<&Path>) -> String {
    let abs = std::fs::canonicalize(scope_path).unwrap_or_else(|_| scope_path.to_path_buf());
    let root: Option<PathBuf> = match source_root {
        Some(r) => std::fs::canonicalize(r).ok(),
        None => abs
            .ancestors()
            .skip(1)
            .find(|d| d.join(".git").exists())
            .map(Path::to_path_buf)
            .or_else(|| {
                std::env::current_dir()
                    .ok()
                    .and_then(|c| std::fs::canonicalize(c).ok())
            }),
    };
    let rel = root
        .as_deref()
        .and_then(|r| abs.strip_prefix(r).ok())
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from(scope_path.file_name().unwrap_or_default()));
    let parts: Vec<String> = rel
        .components()
        .map(|c| percent_encode(&c.as_os_str().to_string_lossy()))
        .collect();
    parts.join("/")
}

fn percent_encode(segment: &str) -> String {
    let mut out = String::new();
    for b in segment.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scope_uri_is_relative_to_the_given_root_and_encoded() {
        let dir = std::env::temp_dir().join(format!("stadscan-uri-{}", std::process::id()));
        let sub = dir.join("sites").join("centrum oost");
        std::fs::create_dir_all(&sub).unwrap();
        let file = sub.join("scope.toml");
        std::fs::write(&file, "x").unwrap();
        assert_eq!(
            scope_uri(&file, Some(&dir)),
            "sites/centrum%20oost/scope.toml"
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn write_atomic_replaces_and_reports_unwritable_paths() {
        let dir = std::env::temp_dir().join(format!("stadscan-atomic-{}", std::process::id()));
        let path = dir.join("out").join("r.json");
        write_atomic(&path, b"one").unwrap();
        write_atomic(&path, b"two").unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"two");
        let blocked = path.join("below-a-file.json");
        let err = write_atomic(&blocked, b"x").unwrap_err();
        assert!(err.to_string().contains("below-a-file.json"), "{err}");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
