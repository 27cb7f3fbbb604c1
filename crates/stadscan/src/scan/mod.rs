//! Runs the pipeline for one scope, stage by stage:
//!
//! 1. `prepare`: load the files the run was given, resolve the scope's
//!    names, build the network path and the prober;
//! 2. `walk`: discover and identify each position, pass by pass, in a
//!    bounded window of workers over a lazy, shuffled feed;
//! 3. [`crate::assets`]: fold the observations into one asset per device,
//!    and name it;
//! 4. `credentials` (opt-in): test factory credentials under the budget;
//! 5. `findings`: CPE names, checks, advisories and the NVD's CVEs;
//! 6. the report, judged once against the baseline by
//!    [`crate::compliance`].
//!
//! `notes` writes what the stages tell the reader about themselves.
//!
//! Memory follows what is found (open endpoints), not the scope's size: the
//! window holds at most `max_in_flight` jobs (fewer when the open-file limit
//! allows fewer), and the job feed produces the next one only when a slot
//! frees up.

mod credentials;
mod findings;
mod notes;
mod prepare;
mod walk;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

pub use findings::nvd_findings;

use crate::assets::{certificate_key, fold_assets};
use crate::error::Error;
use crate::knowledge_base::Knowledge;
use crate::model::{Checkpoint, Resume, unix_now};
use crate::net::Shutdown;
use crate::report::Report;
use crate::report::progress::ProgressSink;
use crate::scope::{LARGE_SCOPE, Scope};

/// How to run a scan (what the scope file does not say).
#[derive(Debug, Clone, Default)]
pub struct ScanOptions {
    /// Allow scopes above [`LARGE_SCOPE`] addresses.
    pub allow_large: bool,
    /// Repository root for the SARIF artifact location (default: the
    /// nearest folder above the scope file that holds `.git`).
    pub source_root: Option<PathBuf>,
    /// Stop after discovery: report open ports, identify nothing.
    pub discover_only: bool,
    /// Try every port on every address (`--no-host-discovery`), whatever
    /// the scope's `[discovery] hosts` says.
    pub no_host_discovery: bool,
    /// Find TCP ports with SYNs from a raw socket (`--syn`), as the
    /// scope's `[discovery] syn = true` does.
    pub syn: bool,
    /// Write the audit trail (one JSON line per connection, SYN or datagram).
    pub audit: Option<PathBuf>,
    /// A CISA Known Exploited Vulnerabilities catalogue (JSON file).
    pub kev: Option<PathBuf>,
    /// An NVD index (`stadscan nvd import`); overrides the scope's
    /// `[knowledge] nvd_db`.
    pub nvd_db: Option<PathBuf>,
    /// Scan only slice K of N of the target order.
    pub shard: Option<(u32, u32)>,
    /// The baseline compliance is judged against (default bio2).
    pub baseline: Option<String>,
    /// Continue an interrupted run: skip the steps it finished, keep what
    /// it found there.
    pub resume: Option<Resume>,
    /// Where progress is reported for a later `--resume` (about every
    /// [`CHECKPOINT_EVERY`]).
    pub checkpoint: Option<std::sync::mpsc::Sender<Checkpoint>>,
    /// Where login attempts are counted when the scope names no
    /// `budget_file`: the history file (or the demo's output folder).
    pub budget_file: Option<PathBuf>,
}

/// How often progress is handed to the checkpoint writer.
pub const CHECKPOINT_EVERY: std::time::Duration = std::time::Duration::from_secs(2);

/// Runs every stage for `scope` and returns the report, judged against the
/// baseline. An interrupted run (`shutdown`) returns what it found, marked
/// incomplete.
pub async fn run(
    scope: Arc<Scope>,
    knowledge: &Knowledge,
    opts: &ScanOptions,
    shutdown: Shutdown,
    progress: &dyn ProgressSink,
) -> Result<Report, Error> {
    let clock = Instant::now();
    let started = unix_now();
    if scope.address_count() > LARGE_SCOPE && !opts.allow_large {
        return Err(Error::LargeScope {
            path: scope.path.clone(),
            addresses: scope.address_count(),
        });
    }
    let mut setup = prepare::Setup::new(&scope, knowledge, opts, &shutdown, started).await?;
    let mut notes = notes::resolution(&setup.resolution);
    let mut taken_over = Vec::new();
    if let Some(r) = &opts.resume {
        taken_over.extend(r.observations.iter().cloned());
        notes.push(notes::resumed(r));
    }

    let walked = walk::walk(
        &scope, &setup, opts, &shutdown, progress, taken_over, &mut notes,
    )
    .await;
    let mut stats = walked.stats(&scope, &setup);
    notes.extend(notes::after_walk(
        &scope,
        opts,
        &setup,
        &walked,
        &stats,
        clock.elapsed(),
    ));
    progress.finish();
    if let Some(log) = &setup.audit {
        log.flush();
    }

    if let Some(recog) = &knowledge.identifier.recog {
        notes.push(notes::recog(recog));
    }
    let mut interrupted = walked.interrupted;
    let mut assets = fold_assets(&scope, walked.observations, &knowledge.identifier);
    if scope.credentials.enabled && !interrupted && !opts.discover_only {
        interrupted = credentials::test(
            &scope,
            knowledge,
            opts,
            &setup,
            &shutdown,
            &mut assets,
            &mut notes,
        )
        .await?;
    }
    let keys: Vec<_> = assets
        .iter()
        .map(|a| (a.addr, certificate_key(&a.observations)))
        .collect();
    let (findings, rules) = findings::judge(
        &scope,
        knowledge,
        &mut assets,
        setup.kev.as_ref(),
        setup.nvd.as_mut(),
    )?;

    stats.elapsed_ms = clock.elapsed().as_millis() as u64;
    let mut report = Report {
        scope_uri: crate::report::scope_uri(&scope.path, opts.source_root.as_deref()),
        scope: scope.clone(),
        checks: Arc::new(rules),
        baselines: knowledge.baselines.clone(),
        started,
        finished: unix_now(),
        complete: !interrupted,
        discover_only: opts.discover_only,
        assets,
        findings,
        refused: std::mem::take(&mut setup.resolution.refused),
        certificate_keys: crate::assets::certificate_keys(&keys),
        notes,
        stats,
        compliance: None,
        history: None,
        sarif_absent: false,
    };
    let baseline = opts
        .baseline
        .as_deref()
        .unwrap_or(crate::compliance::DEFAULT_BASELINE);
    report.compliance = Some(crate::compliance::evaluate(
        &report.scanned(),
        &report.baselines,
        baseline,
    )?);
    Ok(report)
}
