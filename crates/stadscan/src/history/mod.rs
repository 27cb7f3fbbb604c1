//! Scan history: what earlier runs of the same scope found, so a report can
//! say what changed and SARIF can carry `baselineState`.
//!
//! The types here are what the reports read (trend, changes); the SQLite
//! store that keeps them is [`store`].

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::model::Severity;

pub mod store;

/// One past (or the current) run, as the trend chart shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunSummary {
    /// Store row id (increasing).
    pub id: i64,
    /// Unix seconds.
    pub started: i64,
    /// False when the run was interrupted (its results are partial).
    pub complete: bool,
    /// Assets the run found.
    pub assets: usize,
    /// Findings per severity (severities with none are absent).
    pub by_severity: BTreeMap<Severity, usize>,
    /// Controls of the run's baseline that failed.
    pub failed_controls: usize,
    /// The baseline those controls belong to (`bio2`).
    pub baseline: String,
}

impl RunSummary {
    /// How many findings the run had, over every severity.
    pub fn findings(&self) -> usize {
        self.by_severity.values().sum()
    }
}

/// How a finding of this run compares with the previous run of the scope
/// (SARIF `baselineState`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum State {
    /// Not in the previous run.
    New,
    /// In both, with the same message and severity.
    Unchanged,
    /// In both, but its message or severity changed (a firmware version
    /// moved, a certificate got closer to expiry...).
    Updated,
    /// In the previous run, not in this one: fixed (or no longer reachable).
    Absent,
}

impl State {
    /// The SARIF `baselineState` value (`new`, `unchanged`, `updated`, `absent`).
    pub fn as_str(self) -> &'static str {
        match self {
            State::New => "new",
            State::Unchanged => "unchanged",
            State::Updated => "updated",
            State::Absent => "absent",
        }
    }
}

/// A finding as the history keeps it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Change {
    /// The finding's stable key (the SARIF `primaryLocationLineHash`).
    pub key: String,
    /// The check that fired (its id in the catalogue, e.g. from `checks/`).
    pub rule: String,
    /// `127.42.0.11:8080/tcp`
    pub endpoint: String,
    /// Asset id.
    pub asset: String,
    /// The finding's severity in that run.
    pub severity: Severity,
    /// The finding's message in that run (English).
    pub message: String,
}

/// This run against the previous complete run of the same scope.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Changes {
    /// When the previous run started (Unix seconds).
    pub previous_started: i64,
    /// The previous run's number in the history file.
    pub previous_id: i64,
    /// Findings of this run that the previous run did not have.
    pub new: Vec<Change>,
    /// Findings in both runs whose message or severity changed.
    pub updated: Vec<Change>,
    /// Findings of the previous run that are gone.
    pub fixed: Vec<Change>,
    /// How many findings are the same in both runs.
    pub unchanged: usize,
    /// Finding key -> state, for every finding of this run.
    #[serde(skip)]
    pub states: BTreeMap<String, State>,
}

/// What the reports show of the history: the trend (oldest run first, this
/// run last) and the changes since the previous run (none on a first run).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct View {
    /// This run's number in the history file (`stadscan history list`,
    /// `stadscan diff --history FILE 4 5`).
    pub run_id: i64,
    /// The scope's last recorded runs (at most [`store::TREND_RUNS`],
    /// complete and partial), oldest first, this run last (the HTML report's
    /// trend chart).
    pub trend: Vec<RunSummary>,
    /// The changes since the previous complete run; `None` on the scope's
    /// first run.
    pub changes: Option<Changes>,
}
