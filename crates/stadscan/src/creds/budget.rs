//! The attempt budget: how many logins one account of one device may get in
//! a window (default 3 in 24 hours), counted in a SQLite file so the count
//! holds across scheduled runs: the scan history when there is one, else a
//! state file of its own.
//!
//! An attempt is written down *before* it is sent (outcome `sent`) and
//! settled after, so a scanner killed mid-attempt still counts it. The
//! same rows remember which default credential worked when, so a finding
//! does not disappear on a night the budget forbids a re-test.

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use rusqlite::{Connection, OptionalExtension, params};

/// Waits up to 10 s for another run holding the file (a history shared by
/// two scans), then creates the table.
const SETUP: &str = "
PRAGMA busy_timeout = 10000;
CREATE TABLE IF NOT EXISTS credential_attempts (
    device  TEXT NOT NULL,
    service TEXT NOT NULL,
    method  TEXT NOT NULL,
    account TEXT NOT NULL,
    entry   TEXT NOT NULL,
    outcome TEXT NOT NULL,
    at      INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS credential_attempts_account
    ON credential_attempts (device, account, at);
";

/// The entry name of a control attempt (a deliberately wrong password).
pub const CONTROL: &str = "control";

/// The budget file cannot be used.
#[derive(Debug, thiserror::Error)]
#[error("{}: credential attempt budget: {kind}", path.display())]
pub struct BudgetError {
    /// The budget file.
    pub path: PathBuf,
    /// What went wrong with it.
    #[source]
    pub kind: BudgetErrorKind,
}

/// What went wrong with a budget file.
#[derive(Debug, thiserror::Error)]
pub enum BudgetErrorKind {
    /// The file could not be opened as an SQLite database.
    #[error("{0}")]
    Open(#[from] crate::sqlite::OpenError),
    /// A query failed.
    #[error("{0}")]
    Sql(#[from] rusqlite::Error),
}

/// Which account of which service an attempt is charged to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Key {
    /// The asset's stable identity.
    pub device: String,
    /// `port/transport`.
    pub service: String,
    /// The login method's name.
    pub method: String,
    /// The user name (empty for an SNMP community).
    pub account: String,
}

/// How an attempt ended, as stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stored {
    /// Written down before the attempt goes out; left so when the scanner
    /// stopped before the answer.
    Sent,
    /// The service let the client in.
    Accepted,
    /// The service said no.
    Refused,
    /// No clear answer (timeout, reset, an answer the tester does not know).
    Inconclusive,
}

impl Stored {
    fn as_str(self) -> &'static str {
        match self {
            Stored::Sent => "sent",
            Stored::Accepted => "accepted",
            Stored::Refused => "refused",
            Stored::Inconclusive => "inconclusive",
        }
    }

    fn parse(s: &str) -> Stored {
        match s {
            "accepted" => Stored::Accepted,
            "refused" => Stored::Refused,
            "inconclusive" => Stored::Inconclusive,
            _ => Stored::Sent,
        }
    }
}

/// The on-disk attempt budget.
#[derive(Debug)]
pub struct Budget {
    conn: Mutex<Connection>,
    path: PathBuf,
    /// Attempts per device and account within `window` seconds.
    pub limit: u32,
    /// The window, in seconds.
    pub window: i64,
}

/// Where the budget lives when neither the history nor the scope names a
/// file: `$XDG_STATE_HOME/stadscan/`, else `~/.local/state/stadscan/`.
pub fn default_path() -> Option<PathBuf> {
    let base = std::env::var_os("XDG_STATE_HOME")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(|| {
            std::env::var_os("HOME")
                .filter(|v| !v.is_empty())
                .map(|h| PathBuf::from(h).join(".local/state"))
        })?;
    Some(base.join("stadscan").join("credential-budget.sqlite"))
}

impl Budget {
    /// Opens (creating, owner-only) the budget at `path`.
    pub fn open(path: &Path, limit: u32, window_secs: i64) -> Result<Budget, BudgetError> {
        let err = |kind: BudgetErrorKind| BudgetError {
            path: path.to_path_buf(),
            kind,
        };
        let conn = crate::sqlite::open_owner_only(path, SETUP).map_err(|e| err(e.into()))?;
        Ok(Budget {
            conn: Mutex::new(conn),
            path: path.to_path_buf(),
            limit,
            window: window_secs,
        })
    }

    /// The budget file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn conn(&self) -> std::sync::MutexGuard<'_, Connection> {
        // A panic elsewhere while holding the lock leaves the connection
        // usable (each statement is its own transaction).
        self.conn.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn fail(&self, e: rusqlite::Error) -> BudgetError {
        BudgetError {
            path: self.path.clone(),
            kind: e.into(),
        }
    }

    /// Attempts charged to the account within the window before `now`.
    pub fn used(&self, key: &Key, now: i64) -> Result<u32, BudgetError> {
        self.conn()
            .query_row(
                "SELECT COUNT(*) FROM credential_attempts WHERE device = ?1 AND account = ?2 AND at > ?3",
                params![key.device, key.account, now - self.window],
                |r| r.get::<_, u32>(0),
            )
            .map_err(|e| self.fail(e))
    }

    /// Charges one attempt of `entry` to the account if the budget allows
    /// it: the row id to settle, or `None` when the budget is spent.
    pub fn take(&self, key: &Key, entry: &str, now: i64) -> Result<Option<i64>, BudgetError> {
        let conn = self.conn();
        let used: u32 = conn
            .query_row(
                "SELECT COUNT(*) FROM credential_attempts WHERE device = ?1 AND account = ?2 AND at > ?3",
                params![key.device, key.account, now - self.window],
                |r| r.get(0),
            )
            .map_err(|e| self.fail(e))?;
        if used >= self.limit {
            return Ok(None);
        }
        conn.execute(
            "INSERT INTO credential_attempts (device, service, method, account, entry, outcome, at)
             VALUES (?1, ?2, ?3, ?4, ?5, 'sent', ?6)",
            params![key.device, key.service, key.method, key.account, entry, now],
        )
        .map_err(|e| self.fail(e))?;
        Ok(Some(conn.last_insert_rowid()))
    }

    /// When the window lets the next attempt on this device and account
    /// through (`None` when one is allowed now).
    pub fn next_allowed(&self, key: &Key, now: i64) -> Result<Option<i64>, BudgetError> {
        let conn = self.conn();
        let mut stmt = conn
            .prepare(
                "SELECT at FROM credential_attempts WHERE device = ?1 AND account = ?2 AND at > ?3
                 ORDER BY at DESC",
            )
            .map_err(|e| self.fail(e))?;
        let times: Vec<i64> = stmt
            .query_map(params![key.device, key.account, now - self.window], |r| {
                r.get(0)
            })
            .map_err(|e| self.fail(e))?
            .collect::<Result<_, _>>()
            .map_err(|e| self.fail(e))?;
        // The attempt whose expiry frees the first slot below the limit.
        let limit = usize::try_from(self.limit).unwrap_or(usize::MAX);
        Ok(times
            .get(limit.saturating_sub(1))
            .filter(|_| times.len() >= limit)
            .map(|at| at + self.window))
    }

    /// Records how attempt `row` ended.
    pub fn settle(&self, row: i64, outcome: Stored) -> Result<(), BudgetError> {
        self.conn()
            .execute(
                "UPDATE credential_attempts SET outcome = ?1 WHERE rowid = ?2",
                params![outcome.as_str(), row],
            )
            .map(drop)
            .map_err(|e| self.fail(e))
    }

    /// A control attempt the service refused within the window (it need
    /// not be repeated).
    pub fn refused_control(&self, key: &Key, now: i64) -> Result<bool, BudgetError> {
        Ok(self
            .last(key, CONTROL, Some(now - self.window))?
            .map(|(o, _)| o)
            == Some(Stored::Refused))
    }

    /// When `entry` was last shown to work on this service, if no later
    /// test showed it changed.
    pub fn still_working(&self, key: &Key, entry: &str) -> Result<Option<i64>, BudgetError> {
        Ok(match self.last(key, entry, None)? {
            Some((Stored::Accepted, at)) => Some(at),
            _ => None,
        })
    }

    /// The last settled outcome of `entry` on the service (after `since`).
    fn last(
        &self,
        key: &Key,
        entry: &str,
        since: Option<i64>,
    ) -> Result<Option<(Stored, i64)>, BudgetError> {
        self.conn()
            .query_row(
                "SELECT outcome, at FROM credential_attempts
                 WHERE device = ?1 AND service = ?2 AND method = ?3 AND account = ?4
                   AND entry = ?5 AND outcome IN ('accepted', 'refused') AND at > ?6
                 ORDER BY at DESC, rowid DESC LIMIT 1",
                params![
                    key.device,
                    key.service,
                    key.method,
                    key.account,
                    entry,
                    since.unwrap_or(i64::MIN)
                ],
                |r| Ok((Stored::parse(&r.get::<_, String>(0)?), r.get(1)?)),
            )
            .optional()
            .map_err(|e| self.fail(e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(account: &str) -> Key {
        Key {
            device: "address:127.0.0.5".into(),
            service: "80/tcp".into(),
            method: "http-auth".into(),
            account: account.into(),
        }
    }

    #[test]
    fn the_budget_holds_across_reopening_and_frees_after_the_window() {
        let dir = tempdir();
        let path = dir.join("b.sqlite");
        let b = Budget::open(&path, 3, 24 * 3600).unwrap();
        let k = key("admin");
        for i in 0..3 {
            assert!(b.take(&k, "e", 1000 + i).unwrap().is_some());
        }
        assert_eq!(b.take(&k, "e", 1010).unwrap(), None);
        // Another account of the same device has its own budget.
        assert!(b.take(&key("root"), "e", 1010).unwrap().is_some());
        drop(b);
        let b = Budget::open(&path, 3, 24 * 3600).unwrap();
        assert_eq!(b.used(&k, 2000).unwrap(), 3);
        assert_eq!(
            b.take(&k, "e", 2000).unwrap(),
            None,
            "a second run sees the first's attempts"
        );
        assert!(
            b.take(&k, "e", 1001 + 24 * 3600).unwrap().is_some(),
            "the oldest expired"
        );
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o600);
        }
    }

    #[test]
    fn a_working_credential_is_remembered_until_a_test_refutes_it() {
        let dir = tempdir();
        let b = Budget::open(&dir.join("b.sqlite"), 10, 3600).unwrap();
        let k = key("admin");
        let row = b.take(&k, "cam-admin", 100).unwrap().unwrap();
        assert_eq!(
            b.still_working(&k, "cam-admin").unwrap(),
            None,
            "sent is not proof"
        );
        b.settle(row, Stored::Accepted).unwrap();
        assert_eq!(b.still_working(&k, "cam-admin").unwrap(), Some(100));
        let row = b.take(&k, "cam-admin", 200).unwrap().unwrap();
        b.settle(row, Stored::Inconclusive).unwrap();
        assert_eq!(b.still_working(&k, "cam-admin").unwrap(), Some(100));
        let row = b.take(&k, "cam-admin", 300).unwrap().unwrap();
        b.settle(row, Stored::Refused).unwrap();
        assert_eq!(b.still_working(&k, "cam-admin").unwrap(), None);
        let row = b.take(&k, CONTROL, 300).unwrap().unwrap();
        b.settle(row, Stored::Refused).unwrap();
        assert!(b.refused_control(&k, 400).unwrap());
        assert!(
            !b.refused_control(&k, 300 + 3600).unwrap(),
            "outside the window"
        );
    }

    #[test]
    fn a_file_that_is_not_sqlite_is_a_clear_error() {
        let dir = tempdir();
        let path = dir.join("b.sqlite");
        std::fs::write(&path, vec![b'x'; 4096]).unwrap();
        let e = Budget::open(&path, 3, 60).unwrap_err();
        assert!(e.to_string().contains("b.sqlite"), "{e}");
        // SQLite's own error is kept as the cause, not only its message.
        let mut chain = std::iter::successors(Some(&e as &dyn std::error::Error), |e| e.source());
        assert!(
            chain.any(|c| c.downcast_ref::<rusqlite::Error>().is_some()),
            "{e:?}"
        );
    }

    fn tempdir() -> PathBuf {
        let d = std::env::temp_dir().join(format!(
            "stadscan-budget-{}-{}",
            std::process::id(),
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_nanos()
        ));
        std::fs::create_dir_all(&d).unwrap();
        d
    }
}
