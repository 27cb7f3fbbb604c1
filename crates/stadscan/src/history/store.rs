//! The history store: one SQLite file (`--history FILE`) holding every run
//! of every scope scanned with it: the run, its assets and findings, and
//! when each finding and asset was first and last seen.
//!
//! A run is opened before the scan starts (state `running`) and recorded
//! after it in one transaction. A scanner killed in between leaves the run
//! `running`; the next run of that scope marks it `incomplete`. Runs that
//! were interrupted but wrote their partial results are `partial`. Only
//! `complete` runs serve as the previous run that changes are measured
//! against.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use rusqlite::{Connection, OptionalExtension, params};

use super::{Change, Changes, RunSummary, State, View};
use crate::model::RunOutcome;
use crate::model::Severity;

/// Bumped when the schema changes; older files are refused with a clear
/// error rather than misread.
const SCHEMA_VERSION: i64 = 1;
/// Runs shown in the trend.
pub const TREND_RUNS: usize = 12;

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS runs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    scope_key TEXT NOT NULL,
    scope_name TEXT NOT NULL,
    scope_file TEXT NOT NULL,
    started INTEGER NOT NULL,
    finished INTEGER,
    state TEXT NOT NULL CHECK (state IN ('running', 'complete', 'partial', 'incomplete')),
    tool_version TEXT NOT NULL,
    baseline TEXT,
    failed_controls INTEGER,
    assets INTEGER,
    scope_digest TEXT NOT NULL DEFAULT '',
    done_below INTEGER NOT NULL DEFAULT 0,
    resumed_from INTEGER
);
CREATE TABLE IF NOT EXISTS checkpoints (
    run_id INTEGER NOT NULL REFERENCES runs (id),
    step INTEGER NOT NULL,
    observation TEXT NOT NULL,
    PRIMARY KEY (run_id, step)
);
CREATE INDEX IF NOT EXISTS runs_by_scope ON runs (scope_key, id);
CREATE TABLE IF NOT EXISTS assets (
    run_id INTEGER NOT NULL REFERENCES runs (id),
    asset TEXT NOT NULL,
    addr TEXT NOT NULL,
    class TEXT NOT NULL,
    vendor TEXT, model TEXT, firmware TEXT,
    PRIMARY KEY (run_id, asset)
);
CREATE TABLE IF NOT EXISTS findings (
    run_id INTEGER NOT NULL REFERENCES runs (id),
    key TEXT NOT NULL,
    rule TEXT NOT NULL,
    endpoint TEXT NOT NULL,
    asset TEXT NOT NULL,
    severity TEXT NOT NULL,
    message TEXT NOT NULL,
    PRIMARY KEY (run_id, key)
);
CREATE TABLE IF NOT EXISTS finding_seen (
    scope_key TEXT NOT NULL, key TEXT NOT NULL,
    first_seen INTEGER NOT NULL, last_seen INTEGER NOT NULL,
    PRIMARY KEY (scope_key, key)
);
CREATE TABLE IF NOT EXISTS asset_seen (
    scope_key TEXT NOT NULL, asset TEXT NOT NULL,
    first_seen INTEGER NOT NULL, last_seen INTEGER NOT NULL,
    PRIMARY KEY (scope_key, asset)
);
";

/// Why the history could not be used. Names the file.
#[derive(Debug, thiserror::Error)]
#[error("history {}: {kind}", path.display())]
pub struct HistoryError {
    /// The history file.
    pub path: PathBuf,
    /// What went wrong with it.
    #[source]
    pub kind: HistoryErrorKind,
}

/// What went wrong with a history file.
#[derive(Debug, thiserror::Error)]
pub enum HistoryErrorKind {
    /// The file could not be opened as an SQLite database.
    #[error("{0}")]
    Open(#[from] crate::sqlite::OpenError),
    /// The tables could not be created.
    #[error("cannot create the schema: {0}")]
    Schema(#[source] rusqlite::Error),
    /// The file was written with another schema version.
    #[error("schema version {found}; this stadscan reads version {SCHEMA_VERSION}")]
    Version {
        /// The version the file's `meta` table gives.
        found: String,
    },
    /// A query failed.
    #[error("{0}")]
    Sql(#[from] rusqlite::Error),
    /// A stored observation that does not read back (or write).
    #[error("{0}")]
    Json(#[from] serde_json::Error),
    /// `--resume`: the scope file changed since the unfinished run began.
    #[error(
        "run {run} was a scan of another version of this scope: its progress does not apply; scan without --resume"
    )]
    OtherScope {
        /// The unfinished run.
        run: i64,
    },
    /// No run has this number.
    #[error("no run {0}")]
    NoRun(i64),
    /// `known` lists the runs there are, or says there are none.
    /// The file holds no run by that name (a number, `latest` or `previous`).
    #[error("no run `{name}` (give a run number, `latest` or `previous`); {known}")]
    UnknownRun {
        /// The name as given.
        name: String,
        /// The runs there are, or a note that there are none.
        known: String,
    },
}

/// The state of a stored run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RunState {
    /// Begun and not yet recorded: the scan is still going (or its scanner
    /// stopped and no run of the scope has begun since).
    Running,
    /// Finished and recorded in full.
    Complete,
    /// Recorded, but the scan was interrupted: its results are partial.
    Partial,
    /// Left `running` by a scanner that stopped; marked so when the scope's next
    /// run begins.
    Incomplete,
}

impl RunState {
    fn parse(s: &str) -> RunState {
        match s {
            "complete" => RunState::Complete,
            "partial" => RunState::Partial,
            "running" => RunState::Running,
            _ => RunState::Incomplete,
        }
    }

    /// The state as the `runs` table stores it.
    pub fn as_str(self) -> &'static str {
        match self {
            RunState::Running => "running",
            RunState::Complete => "complete",
            RunState::Partial => "partial",
            RunState::Incomplete => "incomplete",
        }
    }
}

/// A stored run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Run {
    /// The run's number in the file (increasing).
    pub id: i64,
    /// The scope's key (its SARIF `automationDetails.id`, `stadscan/<name>/`).
    pub scope_key: String,
    /// The scope's name (`name` in the scope file).
    pub scope_name: String,
    /// When the run started, in seconds since the Unix epoch.
    pub started: i64,
    /// Where the run got to.
    pub state: RunState,
}

/// An open history file.
pub struct Store {
    conn: Connection,
    path: PathBuf,
}

/// A `runs` row selected as `id, scope_key, scope_name, started, state`.
fn run_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Run> {
    Ok(Run {
        id: r.get(0)?,
        scope_key: r.get(1)?,
        scope_name: r.get(2)?,
        started: r.get(3)?,
        state: RunState::parse(&r.get::<_, String>(4)?),
    })
}

/// An error about the history file at `path`.
fn failed(path: &Path, kind: impl Into<HistoryErrorKind>) -> HistoryError {
    HistoryError {
        path: path.to_path_buf(),
        kind: kind.into(),
    }
}

impl Store {
    /// Opens (creating when absent) the history at `path`.
    pub fn open(path: &Path) -> Result<Store, HistoryError> {
        let err = |kind: HistoryErrorKind| failed(path, kind);
        let conn = crate::sqlite::open_owner_only(
            path,
            "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON;",
        )
        .map_err(|e| err(e.into()))?;
        let store = Store {
            conn,
            path: path.to_path_buf(),
        };
        store
            .conn
            .execute_batch(SCHEMA)
            .map_err(|e| err(HistoryErrorKind::Schema(e)))?;
        let version: Option<String> = store
            .conn
            .query_row("SELECT value FROM meta WHERE key = 'schema'", [], |r| {
                r.get(0)
            })
            .optional()
            .map_err(|e| err(e.into()))?;
        match version {
            None => {
                store
                    .conn
                    .execute(
                        "INSERT INTO meta (key, value) VALUES ('schema', ?1)",
                        [SCHEMA_VERSION.to_string()],
                    )
                    .map_err(|e| err(e.into()))?;
            }
            Some(v) if v.parse::<i64>() == Ok(SCHEMA_VERSION) => {}
            Some(found) => return Err(err(HistoryErrorKind::Version { found })),
        }
        Ok(store)
    }

    fn err(&self, kind: impl Into<HistoryErrorKind>) -> HistoryError {
        failed(&self.path, kind)
    }

    /// Opens a run of scope `scope_key` before scanning. Runs of the scope
    /// left `running` by a scanner that died are marked `incomplete`.
    pub fn begin(
        &mut self,
        scope_key: &str,
        scope_name: &str,
        scope_file: &str,
        started: i64,
    ) -> Result<i64, HistoryError> {
        self.begin_run(scope_key, scope_name, scope_file, "", started, None)
    }

    /// [`Store::begin`] with the scope's digest (a resume only continues a
    /// run of the very same scope) and the run it resumes, if any.
    pub fn begin_run(
        &mut self,
        scope_key: &str,
        scope_name: &str,
        scope_file: &str,
        scope_digest: &str,
        started: i64,
        resumed_from: Option<i64>,
    ) -> Result<i64, HistoryError> {
        let path = &self.path;
        let tx = self.conn.transaction().map_err(|e| failed(path, e))?;
        tx.execute(
            "UPDATE runs SET state = 'incomplete' WHERE scope_key = ?1 AND state = 'running'",
            [scope_key],
        )
        .map_err(|e| failed(path, e))?;
        tx.execute(
            "INSERT INTO runs (scope_key, scope_name, scope_file, started, state, tool_version, scope_digest, resumed_from)
             VALUES (?1, ?2, ?3, ?4, 'running', ?5, ?6, ?7)",
            params![
                scope_key,
                scope_name,
                scope_file,
                started,
                env!("CARGO_PKG_VERSION"),
                scope_digest,
                resumed_from
            ],
        )
        .map_err(|e| failed(path, e))?;
        let id = tx.last_insert_rowid();
        tx.commit().map_err(|e| failed(path, e))?;
        Ok(id)
    }

    /// Records the results of run `id` in one transaction: its assets and
    /// findings (keyed as SARIF keys them), first/last seen, and its state.
    pub fn record(&mut self, id: i64, report: &RunOutcome<'_>) -> Result<(), HistoryError> {
        let path = &self.path;
        let scope_key = self.run(id)?.scope_key;
        let state = if report.complete {
            RunState::Complete
        } else {
            RunState::Partial
        };
        let tx = self.conn.transaction().map_err(|e| failed(path, e))?;
        {
            let mut asset_row = tx
                .prepare(
                    "INSERT OR REPLACE INTO assets (run_id, asset, addr, class, vendor, model, firmware)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                )
                .map_err(|e| failed(path, e))?;
            let mut asset_seen = tx
                .prepare(
                    "INSERT INTO asset_seen (scope_key, asset, first_seen, last_seen) VALUES (?1, ?2, ?3, ?3)
                     ON CONFLICT (scope_key, asset) DO UPDATE SET last_seen = excluded.last_seen",
                )
                .map_err(|e| failed(path, e))?;
            for a in report.assets {
                asset_row
                    .execute(params![
                        id,
                        a.id,
                        a.addr.to_string(),
                        a.class.as_str(),
                        a.vendor,
                        a.model,
                        a.firmware
                    ])
                    .map_err(|e| failed(path, e))?;
                asset_seen
                    .execute(params![scope_key, a.id, report.started])
                    .map_err(|e| failed(path, e))?;
            }
            let mut finding_row = tx
                .prepare(
                    "INSERT OR REPLACE INTO findings (run_id, key, rule, endpoint, asset, severity, message)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                )
                .map_err(|e| failed(path, e))?;
            let mut finding_seen = tx
                .prepare(
                    "INSERT INTO finding_seen (scope_key, key, first_seen, last_seen) VALUES (?1, ?2, ?3, ?3)
                     ON CONFLICT (scope_key, key) DO UPDATE SET last_seen = excluded.last_seen",
                )
                .map_err(|e| failed(path, e))?;
            for f in report.findings {
                let key = f.key();
                finding_row
                    .execute(params![
                        id,
                        key,
                        f.check_id,
                        f.endpoint.to_string(),
                        f.asset,
                        f.severity.as_str(),
                        f.message
                    ])
                    .map_err(|e| failed(path, e))?;
                finding_seen
                    .execute(params![scope_key, key, report.started])
                    .map_err(|e| failed(path, e))?;
            }
        }
        tx.execute(
            "UPDATE runs SET finished = ?2, state = ?3, baseline = ?4, failed_controls = ?5, assets = ?6
             WHERE id = ?1",
            params![
                id,
                report.finished,
                state.as_str(),
                report.baseline.map(|(b, _)| b),
                report.baseline.map(|(_, failed)| failed as i64),
                report.assets.len() as i64
            ],
        )
        .map_err(|e| failed(path, e))?;
        tx.commit().map_err(|e| failed(path, e))
    }

    /// Stores a run's progress: the steps below `done_below` are finished,
    /// and what they found. One transaction, so a crash keeps the previous
    /// checkpoint whole.
    pub fn save_checkpoint(
        &mut self,
        id: i64,
        checkpoint: &crate::model::Checkpoint,
    ) -> Result<(), HistoryError> {
        let path = &self.path;
        let tx = self.conn.transaction().map_err(|e| failed(path, e))?;
        {
            let mut row = tx
                .prepare("INSERT OR REPLACE INTO checkpoints (run_id, step, observation) VALUES (?1, ?2, ?3)")
                .map_err(|e| failed(path, e))?;
            for (step, obs) in &checkpoint.found {
                let json = serde_json::to_string(obs).map_err(|e| failed(path, e))?;
                row.execute(params![id, *step as i64, json])
                    .map_err(|e| failed(path, e))?;
            }
        }
        tx.execute(
            "UPDATE runs SET done_below = MAX(done_below, ?2) WHERE id = ?1",
            params![id, checkpoint.done_below as i64],
        )
        .map_err(|e| failed(path, e))?;
        tx.commit().map_err(|e| failed(path, e))
    }

    /// The run `--resume` continues: the latest run of the scope, when it
    /// did not complete (killed, interrupted) and got somewhere. Refused
    /// when the scope changed since (its steps would not line up).
    pub fn resumable(
        &self,
        scope_key: &str,
        scope_digest: &str,
    ) -> Result<Option<crate::model::Resume>, HistoryError> {
        let last: Option<(i64, RunState, String, i64)> = self
            .conn
            .query_row(
                "SELECT id, state, scope_digest, done_below FROM runs WHERE scope_key = ?1
                 ORDER BY id DESC LIMIT 1",
                [scope_key],
                |r| {
                    Ok((
                        r.get(0)?,
                        RunState::parse(&r.get::<_, String>(1)?),
                        r.get(2)?,
                        r.get(3)?,
                    ))
                },
            )
            .optional()
            .map_err(|e| self.err(e))?;
        let Some((id, state, digest, done_below)) = last else {
            return Ok(None);
        };
        if state == RunState::Complete || done_below <= 0 {
            return Ok(None);
        }
        if digest != scope_digest {
            return Err(self.err(HistoryErrorKind::OtherScope { run: id }));
        }
        let mut stmt = self
            .conn
            .prepare(
                "SELECT observation FROM checkpoints WHERE run_id = ?1 AND step < ?2 ORDER BY step",
            )
            .map_err(|e| self.err(e))?;
        let rows = stmt
            .query_map(params![id, done_below], |r| r.get::<_, String>(0))
            .map_err(|e| self.err(e))?;
        let mut observations = Vec::new();
        for row in rows {
            let text = row.map_err(|e| self.err(e))?;
            observations.push(serde_json::from_str(&text).map_err(|e| self.err(e))?);
        }
        Ok(Some(crate::model::Resume {
            done_below: done_below as u64,
            observations,
            from_run: id,
        }))
    }

    /// How far run `id` got: every step below this number is finished (its
    /// last checkpoint).
    pub fn done_below(&self, id: i64) -> Result<u64, HistoryError> {
        self.conn
            .query_row("SELECT done_below FROM runs WHERE id = ?1", [id], |r| {
                r.get::<_, i64>(0)
            })
            .map(|v| v.max(0) as u64)
            .map_err(|e| self.err(e))
    }

    /// The run with row id `id`.
    pub fn run(&self, id: i64) -> Result<Run, HistoryError> {
        self.conn
            .query_row(
                "SELECT id, scope_key, scope_name, started, state FROM runs WHERE id = ?1",
                [id],
                run_row,
            )
            .optional()
            .map_err(|e| self.err(e))?
            .ok_or_else(|| self.err(HistoryErrorKind::NoRun(id)))
    }

    /// Every run, oldest first (for `stadscan diff` and listings).
    pub fn runs(&self) -> Result<Vec<Run>, HistoryError> {
        let mut stmt = self
            .conn
            .prepare("SELECT id, scope_key, scope_name, started, state FROM runs ORDER BY id")
            .map_err(|e| self.err(e))?;
        let rows = stmt.query_map([], run_row).map_err(|e| self.err(e))?;
        rows.collect::<Result<Vec<_>, _>>().map_err(|e| self.err(e))
    }

    /// A run named the way users name it: its number, `latest` (the most
    /// recent run) or `previous` (the complete run of the same scope before
    /// the latest, what the reports compare it with). An unknown name is
    /// an error that lists the runs there are.
    pub fn resolve(&self, name: &str) -> Result<Run, HistoryError> {
        let runs = self.runs()?;
        let latest = runs.last();
        let found = match name.trim() {
            "latest" => latest.cloned(),
            "previous" => match latest {
                Some(l) => self.previous_complete(&l.scope_key, l.id)?,
                None => None,
            },
            n => n
                .trim_start_matches('#')
                .parse::<i64>()
                .ok()
                .and_then(|id| runs.iter().find(|r| r.id == id).cloned()),
        };
        found.ok_or_else(|| {
            let known = if runs.is_empty() {
                "it holds no runs yet".to_string()
            } else {
                let ids: Vec<String> = runs.iter().map(|r| r.id.to_string()).collect();
                format!(
                    "runs there: {} (`stadscan history list --history {}` shows them)",
                    ids.join(", "),
                    self.path.display()
                )
            };
            self.err(HistoryErrorKind::UnknownRun {
                name: name.to_string(),
                known,
            })
        })
    }

    /// The latest complete run of the scope before run `id`.
    pub fn previous_complete(&self, scope_key: &str, id: i64) -> Result<Option<Run>, HistoryError> {
        let found: Option<i64> = self
            .conn
            .query_row(
                "SELECT id FROM runs WHERE scope_key = ?1 AND id < ?2 AND state = 'complete'
                 ORDER BY id DESC LIMIT 1",
                params![scope_key, id],
                |r| r.get(0),
            )
            .optional()
            .map_err(|e| self.err(e))?;
        found.map(|i| self.run(i)).transpose()
    }

    /// The findings stored for run `id`, by key.
    pub fn findings(&self, id: i64) -> Result<BTreeMap<String, Change>, HistoryError> {
        let mut stmt = self
            .conn
            .prepare("SELECT key, rule, endpoint, asset, severity, message FROM findings WHERE run_id = ?1")
            .map_err(|e| self.err(e))?;
        let rows = stmt
            .query_map([id], |r| {
                Ok(Change {
                    key: r.get(0)?,
                    rule: r.get(1)?,
                    endpoint: r.get(2)?,
                    asset: r.get(3)?,
                    severity: r.get::<_, String>(4)?.parse().unwrap_or(Severity::Info),
                    message: r.get(5)?,
                })
            })
            .map_err(|e| self.err(e))?;
        let mut out = BTreeMap::new();
        for row in rows {
            let c = row.map_err(|e| self.err(e))?;
            out.insert(c.key.clone(), c);
        }
        Ok(out)
    }

    /// When a finding of the scope was first seen.
    pub fn first_seen(&self, scope_key: &str, key: &str) -> Result<Option<i64>, HistoryError> {
        self.conn
            .query_row(
                "SELECT first_seen FROM finding_seen WHERE scope_key = ?1 AND key = ?2",
                params![scope_key, key],
                |r| r.get(0),
            )
            .optional()
            .map_err(|e| self.err(e))
    }

    /// The last `TREND_RUNS` recorded runs of the scope up to run `id`
    /// (complete and partial), oldest first.
    pub fn trend(&self, scope_key: &str, id: i64) -> Result<Vec<RunSummary>, HistoryError> {
        let mut stmt = self
            .conn
            .prepare(
                "SELECT id, started, state, COALESCE(assets, 0), COALESCE(failed_controls, 0), COALESCE(baseline, '')
                 FROM runs WHERE scope_key = ?1 AND id <= ?2 AND state IN ('complete', 'partial')
                 ORDER BY id DESC LIMIT ?3",
            )
            .map_err(|e| self.err(e))?;
        let rows = stmt
            .query_map(params![scope_key, id, TREND_RUNS as i64], |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, i64>(1)?,
                    RunState::parse(&r.get::<_, String>(2)?),
                    r.get::<_, i64>(3)?,
                    r.get::<_, i64>(4)?,
                    r.get::<_, String>(5)?,
                ))
            })
            .map_err(|e| self.err(e))?;
        let mut runs = Vec::new();
        for row in rows {
            let (run_id, started, state, assets, failed, baseline) =
                row.map_err(|e| self.err(e))?;
            let mut by_severity = BTreeMap::new();
            for f in self.findings(run_id)?.values() {
                *by_severity.entry(f.severity).or_insert(0) += 1;
            }
            runs.push(RunSummary {
                id: run_id,
                started,
                complete: state == RunState::Complete,
                assets: assets as usize,
                by_severity,
                failed_controls: failed as usize,
                baseline,
            });
        }
        runs.reverse();
        Ok(runs)
    }

    /// The history as the reports show it for run `id` (already recorded).
    pub fn view(&self, id: i64) -> Result<View, HistoryError> {
        let run = self.run(id)?;
        let trend = self.trend(&run.scope_key, id)?;
        let changes = match self.previous_complete(&run.scope_key, id)? {
            None => None,
            Some(prev) => {
                let before = self.findings(prev.id)?;
                let now = self.findings(id)?;
                let mut c = compare(&before, &now, run.state == RunState::Complete);
                c.previous_started = prev.started;
                c.previous_id = prev.id;
                Some(c)
            }
        };
        Ok(View {
            run_id: id,
            trend,
            changes,
        })
    }
}

/// Compares two runs' findings by key. `fixed` is only filled when `now`
/// is a complete run (a partial run did not look everywhere).
pub fn compare(
    before: &BTreeMap<String, Change>,
    now: &BTreeMap<String, Change>,
    now_complete: bool,
) -> Changes {
    let mut changes = Changes {
        previous_started: 0,
        previous_id: 0,
        new: Vec::new(),
        updated: Vec::new(),
        fixed: Vec::new(),
        unchanged: 0,
        states: BTreeMap::new(),
    };
    for (key, f) in now {
        let state = match before.get(key) {
            None => State::New,
            Some(b) if b.message == f.message && b.severity == f.severity => State::Unchanged,
            Some(_) => State::Updated,
        };
        match state {
            State::New => changes.new.push(f.clone()),
            State::Updated => changes.updated.push(f.clone()),
            _ => changes.unchanged += 1,
        }
        changes.states.insert(key.clone(), state);
    }
    if now_complete {
        let keys: BTreeSet<&String> = now.keys().collect();
        changes.fixed = before
            .iter()
            .filter(|(k, _)| !keys.contains(k))
            .map(|(_, f)| f.clone())
            .collect();
    }
    let order = |a: &Change, b: &Change| {
        (b.severity, &a.rule, &a.endpoint).cmp(&(a.severity, &b.rule, &b.endpoint))
    };
    changes.new.sort_by(order);
    changes.updated.sort_by(order);
    changes.fixed.sort_by(order);
    changes
}

#[cfg(test)]
mod tests {
    use super::*;

    fn change(key: &str, rule: &str, msg: &str, sev: Severity) -> (String, Change) {
        (
            key.to_string(),
            Change {
                key: key.into(),
                rule: rule.into(),
                endpoint: "127.0.0.1:80/tcp".into(),
                asset: "address:127.0.0.1".into(),
                severity: sev,
                message: msg.into(),
            },
        )
    }

    #[test]
    fn compare_sorts_findings_into_new_updated_unchanged_and_fixed() {
        let before: BTreeMap<_, _> = [
            change("a", "r1", "same", Severity::High),
            change("b", "r2", "old text", Severity::Medium),
            change("c", "r3", "gone", Severity::Low),
        ]
        .into();
        let now: BTreeMap<_, _> = [
            change("a", "r1", "same", Severity::High),
            change("b", "r2", "new text", Severity::Medium),
            change("d", "r4", "fresh", Severity::Critical),
        ]
        .into();
        let c = compare(&before, &now, true);
        assert_eq!(c.states["a"], State::Unchanged);
        assert_eq!(c.states["b"], State::Updated);
        assert_eq!(c.states["d"], State::New);
        assert_eq!(c.unchanged, 1);
        assert_eq!(c.fixed.len(), 1);
        assert_eq!(c.fixed[0].key, "c");
        // A partial run claims no fixes.
        assert!(compare(&before, &now, false).fixed.is_empty());
    }

    #[test]
    fn a_run_left_running_is_marked_incomplete_by_the_next_one() {
        let dir = std::env::temp_dir().join(format!("stadscan-hist-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let path = dir.join("h.sqlite");
        let mut s = Store::open(&path).unwrap();
        let first = s.begin("scope/a/", "a", "scope.toml", 100).unwrap();
        drop(s);
        // The scanner "died": the run stays running until the next begins.
        let mut s = Store::open(&path).unwrap();
        assert_eq!(s.run(first).unwrap().state, RunState::Running);
        let second = s.begin("scope/a/", "a", "scope.toml", 200).unwrap();
        assert_eq!(s.run(first).unwrap().state, RunState::Incomplete);
        assert_eq!(s.run(second).unwrap().state, RunState::Running);
        assert!(s.previous_complete("scope/a/", second).unwrap().is_none());
        // Another scope's running run is left alone.
        let other = s.begin("scope/b/", "b", "b.toml", 300).unwrap();
        assert_eq!(s.run(second).unwrap().state, RunState::Running);
        assert_eq!(s.run(other).unwrap().state, RunState::Running);
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn a_checkpoint_is_resumable_only_for_the_same_scope() {
        let dir = std::env::temp_dir().join(format!("stadscan-hist-resume-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let mut s = Store::open(&dir.join("h.sqlite")).unwrap();
        assert!(
            s.resumable("k", "d1").unwrap().is_none(),
            "nothing to resume"
        );
        let id = s.begin_run("k", "n", "f", "d1", 1, None).unwrap();
        let obs = crate::model::Observation::new(
            crate::model::Endpoint::tcp("127.0.0.9".parse().unwrap(), 22),
            None,
        );
        s.save_checkpoint(
            id,
            &crate::model::Checkpoint {
                done_below: 5,
                found: vec![(3, obs.clone())],
            },
        )
        .unwrap();
        // A later checkpoint never moves the mark back.
        s.save_checkpoint(
            id,
            &crate::model::Checkpoint {
                done_below: 4,
                found: vec![(7, obs)],
            },
        )
        .unwrap();
        let r = s.resumable("k", "d1").unwrap().expect("resumable");
        assert_eq!((r.done_below, r.from_run, r.observations.len()), (5, id, 1));
        let e = s.resumable("k", "d2").unwrap_err();
        assert!(
            e.to_string().contains("another version of this scope"),
            "{e}"
        );
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[cfg(unix)]
    #[test]
    fn the_history_and_its_journal_are_owner_only() {
        use std::os::unix::fs::PermissionsExt;
        let dir = std::env::temp_dir().join(format!("stadscan-hist-perm-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let path = dir.join("h.sqlite");
        let mut s = Store::open(&path).unwrap();
        s.begin("k", "n", "f", 1).unwrap();
        for p in [path.clone(), dir.join("h.sqlite-wal")] {
            let mode = std::fs::metadata(&p).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o600, "{}", p.display());
        }
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn a_file_that_is_not_a_history_is_refused_with_its_name() {
        let dir = std::env::temp_dir().join(format!("stadscan-hist-bad-{}", std::process::id()));
        let _ = std::fs::create_dir_all(&dir);
        let path = dir.join("not-sqlite.db");
        std::fs::write(&path, b"this is a text file, not a database\n".repeat(200)).unwrap();
        let e = Store::open(&path).err().expect("refused");
        assert!(e.to_string().contains("not-sqlite.db"), "{e}");
        // SQLite's own error is kept as the cause, not only its message.
        let mut chain = std::iter::successors(Some(&e as &dyn std::error::Error), |e| e.source());
        assert!(
            chain.any(|c| c.downcast_ref::<rusqlite::Error>().is_some()),
            "{e:?}"
        );
        let _ = std::fs::remove_dir_all(&dir);
    }
}
