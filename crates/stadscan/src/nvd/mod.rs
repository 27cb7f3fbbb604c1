//! The NVD's published CVEs, offline: NVD CVE JSON 2.0 feed files (per
//! year, `modified`, `recent`; `.json` or `.json.gz`) and the CISA Known
//! Exploited Vulnerabilities catalogue imported into a local SQLite index
//! ([`Index`], `stadscan nvd import`), and identified devices matched
//! against it ([`Index::matches`]).
//!
//! The index keeps per CVE its description, CVSS v3.x and v4.0 base score
//! and vector, CWEs, dates, references, KEV dates and its configurations
//! (stored as the feed gives them, without the match-criteria ids). A
//! second table holds each CVE's vulnerable match criteria by (vendor,
//! product), with their version ranges: a device's candidates are read from
//! it, and a CVE whose criteria cannot match the device's version is
//! dropped there, without reading or parsing its configurations (most
//! candidates of a product are for other versions). Each criterion also
//! keeps the lowest and highest major version it can cover, so SQLite
//! itself skips the criteria of other major releases.

pub mod feed;
pub mod matching;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rusqlite::{Connection, OpenFlags, OptionalExtension, params};

use crate::cpe::Cpe;
use crate::firmware::Kev;
use matching::{Configuration, DeviceCpe, Hit};

/// The index layout this build reads and writes.
pub const SCHEMA_VERSION: i64 = 2;

/// An index that cannot be used: names the file.
#[derive(Debug, thiserror::Error)]
pub enum NvdError {
    /// The index file is missing, of another layout, or holds data this
    /// stadscan cannot read.
    #[error("{}: {message}", path.display())]
    Index {
        /// The index file.
        path: PathBuf,
        /// What went wrong.
        message: String,
    },
    /// SQLite failed on the index file.
    #[error("{}: {source}", path.display())]
    Sql {
        /// The index file.
        path: PathBuf,
        /// SQLite's error.
        source: rusqlite::Error,
    },
    /// A feed file that cannot be opened or read.
    #[error("{file}: {source}")]
    FeedIo {
        /// The feed file, as given.
        file: String,
        /// The system's error.
        source: std::io::Error,
    },
    /// A feed file that is no NVD CVE 2.x feed.
    #[error("{file}: {message}")]
    Feed {
        /// The feed file, as given.
        file: String,
        /// What went wrong.
        message: String,
    },
    /// A feed file whose JSON is broken or does not fit the feed schema.
    #[error("{file}:{line}:{column}: {message}")]
    FeedJson {
        /// The feed file, as given.
        file: String,
        /// 1-based line of the error in the (decompressed) JSON.
        line: usize,
        /// 1-based column of the error.
        column: usize,
        /// The JSON parser's message, without its position.
        message: String,
    },
}

fn sql_error(path: &Path) -> impl Fn(rusqlite::Error) -> NvdError + '_ {
    move |source| NvdError::Sql {
        path: path.to_path_buf(),
        source,
    }
}

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS cve (
    id TEXT PRIMARY KEY,
    published TEXT NOT NULL,
    last_modified TEXT NOT NULL,
    status TEXT,
    description TEXT NOT NULL,
    cvss REAL,
    cvss_version TEXT,
    cvss_vector TEXT,
    cvss4 REAL,
    cvss4_vector TEXT,
    cwes TEXT NOT NULL,
    refs TEXT NOT NULL,
    configurations TEXT NOT NULL,
    kev_added TEXT,
    kev_due TEXT,
    kev_action TEXT
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS criterion (
    vendor TEXT NOT NULL,
    product TEXT NOT NULL,
    cve TEXT NOT NULL,
    seq INTEGER NOT NULL,
    criteria TEXT NOT NULL,
    start_including TEXT,
    start_excluding TEXT,
    end_including TEXT,
    end_excluding TEXT,
    lo_major INTEGER,
    hi_major INTEGER,
    PRIMARY KEY (vendor, product, cve, seq)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS criterion_by_cve ON criterion (cve);
CREATE TABLE IF NOT EXISTS kev (
    cve TEXT PRIMARY KEY,
    date_added TEXT NOT NULL,
    due_date TEXT NOT NULL,
    required_action TEXT NOT NULL,
    vendor_project TEXT NOT NULL,
    product TEXT NOT NULL,
    name TEXT NOT NULL,
    ransomware INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS feed (
    file TEXT PRIMARY KEY,
    timestamp TEXT,
    cves INTEGER NOT NULL,
    imported_at INTEGER NOT NULL
);
";

/// KEV dates of a CVE (from the catalogue, else from the NVD record).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KevDates {
    /// When CISA added the CVE to the catalogue (`YYYY-MM-DD`).
    pub added: String,
    /// The remediation due date CISA set for US federal agencies.
    pub due: String,
    /// CISA's required action, in its words.
    pub action: String,
}

/// One CVE as the index keeps it.
#[derive(Debug, Clone)]
pub struct CveRecord {
    /// `CVE-YYYY-NNNN`.
    pub id: String,
    /// The English description (else the first one the feed gives).
    pub description: String,
    /// When the NVD published the CVE, as the feed writes it.
    pub published: String,
    /// When the NVD last changed the record, as the feed writes it.
    pub last_modified: String,
    /// CVSS v3.x base score (the NVD's own when it scored, else the CNA's).
    pub cvss: Option<f64>,
    /// The CVSS version of `cvss` (`3.0`, `3.1`).
    pub cvss_version: Option<String>,
    /// The CVSS v3.x vector of `cvss`.
    pub cvss_vector: Option<String>,
    /// CVSS v4.0 base score, when the record has one.
    pub cvss4: Option<f64>,
    /// The CVSS v4.0 vector of `cvss4`.
    pub cvss4_vector: Option<String>,
    /// CWE ids of the weaknesses (`CWE-787`), sorted; empty when none is
    /// named.
    pub cwes: Vec<String>,
    /// Reference URLs from the record.
    pub references: Vec<String>,
    /// The NVD configurations that say which products are affected.
    pub configurations: Vec<Configuration>,
    /// CISA KEV dates; `None` when the CVE is not on the KEV list.
    pub kev: Option<KevDates>,
}

impl CveRecord {
    /// The score severity follows: CVSS v3.x, else v4.0.
    pub fn score(&self) -> Option<f64> {
        self.cvss.or(self.cvss4)
    }

    /// `9.8 (CVSS:3.1/AV:N/...)`, or `not scored`.
    pub fn score_text(&self) -> String {
        match (self.cvss, &self.cvss_vector, self.cvss4, &self.cvss4_vector) {
            (Some(s), Some(v), _, _) => format!("{s:.1} ({v})"),
            (Some(s), None, _, _) => format!("{s:.1}"),
            (None, _, Some(s), Some(v)) => format!("{s:.1} ({v})"),
            (None, _, Some(s), None) => format!("{s:.1}"),
            _ => "not scored".to_string(),
        }
    }
}

/// A CVE that applies to a device, and the criteria that made it apply.
#[derive(Debug, Clone)]
pub struct CveMatch {
    /// The CVE.
    pub cve: Arc<CveRecord>,
    /// The vulnerable criteria that matched the device's names (at least
    /// one).
    pub hits: Vec<Hit>,
}

impl CveMatch {
    /// True when every hit needed more of the version than the device gave.
    pub fn imprecise(&self) -> bool {
        self.hits.iter().all(|h| h.imprecise)
    }
}

/// What an index holds.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IndexStats {
    /// CVE records.
    pub cves: u64,
    /// Distinct (vendor, product) pairs named by vulnerable criteria.
    pub products: u64,
    /// Entries of the KEV catalogue kept in the index.
    pub kev: u64,
    /// Each imported feed file, by name: its own `timestamp` (when it had
    /// one) and the CVEs it held.
    pub feeds: Vec<(String, Option<String>, u64)>,
}

/// The local CVE index (SQLite).
pub struct Index {
    conn: Connection,
    path: PathBuf,
    /// What a device with these CPE names matched: identical devices (a
    /// city has hundreds of one camera) are matched once per run.
    cache: HashMap<Vec<String>, Vec<CveMatch>>,
    /// Parsed configurations by CVE id: a CVE naming several products is
    /// read and parsed once per run.
    configurations: HashMap<Arc<str>, Arc<[Configuration]>>,
    /// Whole records, read only for the CVEs that matched a device.
    records: HashMap<Arc<str>, Arc<CveRecord>>,
}

impl std::fmt::Debug for Index {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Index").field("path", &self.path).finish()
    }
}

impl Index {
    /// Opens (creating when absent) an index for writing.
    pub fn create(path: &Path) -> Result<Index, NvdError> {
        let conn = Connection::open(path).map_err(sql_error(path))?;
        conn.execute_batch(
            "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA cache_size = -65536;",
        )
        .map_err(sql_error(path))?;
        conn.execute_batch(SCHEMA).map_err(sql_error(path))?;
        let index = Index {
            conn,
            path: path.to_path_buf(),
            cache: HashMap::new(),
            configurations: HashMap::new(),
            records: HashMap::new(),
        };
        match index.schema_version()? {
            None => {
                index
                    .conn
                    .execute(
                        "INSERT INTO meta (key, value) VALUES ('schema', ?1)",
                        params![SCHEMA_VERSION.to_string()],
                    )
                    .map_err(sql_error(path))?;
            }
            Some(v) => index.check_version(v)?,
        }
        Ok(index)
    }

    /// Opens an existing index for matching (read-only).
    pub fn open(path: &Path) -> Result<Index, NvdError> {
        if !path.is_file() {
            return Err(NvdError::Index {
                path: path.to_path_buf(),
                message:
                    "no such NVD index; build one with `stadscan nvd import FEED... --db FILE`"
                        .into(),
            });
        }
        let conn = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .map_err(sql_error(path))?;
        // Matching reads candidates all over the file: a larger page cache
        // and the file mapped into memory instead of one read per page.
        conn.execute_batch("PRAGMA cache_size = -131072; PRAGMA mmap_size = 2147483648;")
            .map_err(sql_error(path))?;
        let index = Index {
            conn,
            path: path.to_path_buf(),
            cache: HashMap::new(),
            configurations: HashMap::new(),
            records: HashMap::new(),
        };
        match index.schema_version() {
            Ok(Some(v)) => index.check_version(v)?,
            _ => {
                return Err(NvdError::Index {
                    path: path.to_path_buf(),
                    message: "not an NVD index written by `stadscan nvd import`".into(),
                });
            }
        }
        Ok(index)
    }

    fn schema_version(&self) -> Result<Option<i64>, NvdError> {
        let v: Option<String> = self
            .conn
            .query_row("SELECT value FROM meta WHERE key = 'schema'", [], |r| {
                r.get(0)
            })
            .optional()
            .map_err(sql_error(&self.path))?;
        Ok(v.and_then(|v| v.parse().ok()))
    }

    fn check_version(&self, v: i64) -> Result<(), NvdError> {
        if v == SCHEMA_VERSION {
            return Ok(());
        }
        Err(NvdError::Index {
            path: self.path.clone(),
            message: format!(
                "index layout {v}, this stadscan reads layout {SCHEMA_VERSION}: import the feeds into a new file"
            ),
        })
    }

    /// The index file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Counts of what the index holds.
    pub fn stats(&self) -> Result<IndexStats, NvdError> {
        let count = |sql: &str| -> Result<u64, NvdError> {
            self.conn
                .query_row(sql, [], |r| r.get::<_, i64>(0))
                .map(|n| n as u64)
                .map_err(sql_error(&self.path))
        };
        let mut stmt = self
            .conn
            .prepare("SELECT file, timestamp, cves FROM feed ORDER BY file")
            .map_err(sql_error(&self.path))?;
        let feeds = stmt
            .query_map([], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get::<_, i64>(2)? as u64))
            })
            .and_then(Iterator::collect)
            .map_err(sql_error(&self.path))?;
        Ok(IndexStats {
            cves: count("SELECT count(*) FROM cve")?,
            products: count(
                "SELECT count(*) FROM (SELECT DISTINCT vendor, product FROM criterion)",
            )?,
            kev: count("SELECT count(*) FROM kev")?,
            feeds,
        })
    }

    /// Replaces the KEV catalogue kept in the index; returns its entries.
    pub fn import_kev(&mut self, kev: &Kev) -> Result<usize, NvdError> {
        let path = self.path.clone();
        let tx = self.conn.transaction().map_err(sql_error(&path))?;
        tx.execute("DELETE FROM kev", [])
            .map_err(sql_error(&path))?;
        {
            let mut stmt = tx
                .prepare(
                    "INSERT INTO kev (cve, date_added, due_date, required_action, vendor_project, \
                     product, name, ransomware) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                )
                .map_err(sql_error(&path))?;
            for e in kev.entries() {
                stmt.execute(params![
                    e.cve_id.trim().to_ascii_uppercase(),
                    e.date_added,
                    e.due_date,
                    e.required_action,
                    e.vendor_project,
                    e.product,
                    e.vulnerability_name,
                    e.ransomware()
                ])
                .map_err(sql_error(&path))?;
            }
        }
        tx.execute(
            "INSERT INTO meta (key, value) VALUES ('kev_catalog', ?1) \
             ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            params![format!("{} ({})", kev.catalog_version, kev.date_released)],
        )
        .map_err(sql_error(&path))?;
        tx.commit().map_err(sql_error(&path))?;
        self.cache.clear();
        self.configurations.clear();
        self.records.clear();
        Ok(kev.len())
    }

    /// The CVEs that apply to a device with these CPE names.
    pub fn matches(&mut self, cpes: &[Cpe]) -> Result<Vec<CveMatch>, NvdError> {
        let key: Vec<String> = cpes.iter().map(Cpe::to_string).collect();
        if let Some(found) = self.cache.get(&key) {
            return Ok(found.clone());
        }
        let device: Vec<DeviceCpe> = cpes.iter().cloned().map(DeviceCpe::new).collect();
        let mut out = Vec::new();
        for id in self.candidates(cpes, &device)? {
            let configurations = self.configurations(&id)?;
            let hits = matching::evaluate(&configurations, &device);
            if !hits.is_empty() {
                out.push(CveMatch {
                    cve: self.record(&id, &configurations)?,
                    hits,
                });
            }
        }
        out.sort_by(|a, b| a.cve.id.cmp(&b.cve.id));
        self.cache.insert(key, out.clone());
        Ok(out)
    }

    /// The CVEs with a vulnerable criterion that matches one of the
    /// device's names: read in place from the criteria of each (vendor,
    /// product) the device has, without parsing any configuration. A CVE
    /// applies only through such a criterion, so no other can apply.
    fn candidates(&self, cpes: &[Cpe], device: &[DeviceCpe]) -> Result<Vec<Arc<str>>, NvdError> {
        let err = sql_error(&self.path);
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT cve, criteria, start_including, start_excluding, end_including, \
                 end_excluding FROM criterion WHERE vendor = ?1 AND product = ?2 \
                 AND (?3 IS NULL OR ((lo_major IS NULL OR lo_major <= ?3) \
                 AND (hi_major IS NULL OR hi_major >= ?3)))",
            )
            .map_err(&err)?;
        let mut out: Vec<Arc<str>> = Vec::new();
        let mut seen = std::collections::HashSet::new();
        let mut pairs = std::collections::HashSet::new();
        for c in cpes {
            if !pairs.insert((&c.vendor, &c.product)) {
                continue;
            }
            // The device's major version for this product, when it names
            // exactly one: criteria of other majors cannot match.
            let mut majors = device
                .iter()
                .filter(|d| d.cpe.vendor == c.vendor && d.cpe.product == c.product)
                .map(|d| d.version.as_ref().and_then(matching::major));
            let major = match (majors.next().flatten(), majors.next()) {
                (Some(m), None) => i64::try_from(m).ok(),
                _ => None,
            };
            let mut rows = stmt
                .query(params![c.vendor, c.product, major])
                .map_err(&err)?;
            while let Some(row) = rows.next().map_err(&err)? {
                let text = |i| -> Result<Option<&str>, NvdError> {
                    let v = row.get_ref(i).map_err(&err)?;
                    v.as_str_or_null().map_err(|e| err(e.into()))
                };
                let id = text(0)?.unwrap_or_default();
                if out.last().is_some_and(|last| **last == *id) {
                    continue;
                }
                let bounds = [text(2)?, text(3)?, text(4)?, text(5)?];
                let Some(criterion) =
                    matching::CriterionRef::new(text(1)?.unwrap_or_default(), bounds)
                else {
                    continue;
                };
                if matching::any_applies(&criterion, device) && !seen.contains(id) {
                    let id: Arc<str> = Arc::from(id);
                    seen.insert(id.clone());
                    out.push(id);
                }
            }
        }
        Ok(out)
    }

    /// A CVE's configurations, parsed once per run.
    fn configurations(&mut self, id: &Arc<str>) -> Result<Arc<[Configuration]>, NvdError> {
        if let Some(c) = self.configurations.get(id) {
            return Ok(c.clone());
        }
        let path = self.path.clone();
        let text: String = self
            .conn
            .prepare_cached("SELECT configurations FROM cve WHERE id = ?1")
            .and_then(|mut s| s.query_row(params![&**id], |r| r.get(0)))
            .map_err(sql_error(&path))?;
        let configurations: Vec<Configuration> =
            serde_json::from_str(&text).map_err(|e| NvdError::Index {
                path: path.clone(),
                message: format!("{id}: stored configurations unreadable: {e}"),
            })?;
        let configurations: Arc<[Configuration]> = Arc::from(configurations);
        self.configurations
            .insert(id.clone(), configurations.clone());
        Ok(configurations)
    }

    /// The whole record of a CVE that matched (read once per run).
    fn record(
        &mut self,
        id: &Arc<str>,
        configurations: &[Configuration],
    ) -> Result<Arc<CveRecord>, NvdError> {
        if let Some(r) = self.records.get(id) {
            return Ok(r.clone());
        }
        let path = self.path.clone();
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT c.description, c.published, c.last_modified, c.cvss, c.cvss_version, \
                 c.cvss_vector, c.cvss4, c.cvss4_vector, c.cwes, c.refs, \
                 coalesce(k.date_added, c.kev_added), coalesce(k.due_date, c.kev_due), \
                 coalesce(k.required_action, c.kev_action) \
                 FROM cve c LEFT JOIN kev k ON k.cve = c.id WHERE c.id = ?1",
            )
            .map_err(sql_error(&path))?;
        let record = stmt
            .query_row(params![&**id], |r| {
                let cwes: String = r.get(8)?;
                let refs: String = r.get(9)?;
                let added: Option<String> = r.get(10)?;
                Ok(CveRecord {
                    id: id.to_string(),
                    description: r.get(0)?,
                    published: r.get(1)?,
                    last_modified: r.get(2)?,
                    cvss: r.get(3)?,
                    cvss_version: r.get(4)?,
                    cvss_vector: r.get(5)?,
                    cvss4: r.get(6)?,
                    cvss4_vector: r.get(7)?,
                    cwes: split_list(&cwes),
                    references: serde_json::from_str(&refs).unwrap_or_default(),
                    configurations: configurations.to_vec(),
                    kev: added.map(|added| KevDates {
                        added,
                        due: r
                            .get::<_, Option<String>>(11)
                            .ok()
                            .flatten()
                            .unwrap_or_default(),
                        action: r
                            .get::<_, Option<String>>(12)
                            .ok()
                            .flatten()
                            .unwrap_or_default(),
                    }),
                })
            })
            .map_err(sql_error(&path))?;
        let record = Arc::new(record);
        self.records.insert(id.clone(), record.clone());
        Ok(record)
    }
}

/// `CWE-78, CWE-20` -> ["CWE-78", "CWE-20"].
fn split_list(s: &str) -> Vec<String> {
    s.split(", ")
        .filter(|p| !p.is_empty())
        .map(str::to_string)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::error::Error as _;

    #[test]
    fn errors_keep_the_error_that_caused_them() {
        let dir = std::env::temp_dir().join(format!("stadscan-nvd-errors-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        // A folder where the index file should be: SQLite cannot open it.
        let Err(err) = Index::create(&dir) else {
            panic!("a folder is no index");
        };
        assert!(matches!(err, NvdError::Sql { .. }), "{err:?}");
        let cause = err.source().expect("SQLite's error");
        assert!(cause.downcast_ref::<rusqlite::Error>().is_some());
        assert!(
            err.to_string().starts_with(&dir.display().to_string()),
            "{err}"
        );
        // A feed that is not there: the system's error, named by the file.
        let mut index = Index::create(&dir.join("nvd.sqlite")).unwrap();
        let missing = dir.join("no-such-feed.json");
        let Err(err) = feed::import(&mut index, &missing, &mut |_, _| {}) else {
            panic!("no such feed");
        };
        let io = err
            .source()
            .and_then(|e| e.downcast_ref::<std::io::Error>());
        assert_eq!(
            io.map(std::io::Error::kind),
            Some(std::io::ErrorKind::NotFound)
        );
        assert!(
            err.to_string().starts_with(&missing.display().to_string()),
            "{err}"
        );
        drop(index);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
