//! Streaming import of NVD CVE JSON 2.0 feed files into the index.
//!
//! A year's feed is hundreds of megabytes of JSON: it is read through a
//! buffered reader (and a gzip decoder when the file starts with the gzip
//! magic), and the `vulnerabilities` array is visited one element at a time,
//! each CVE written to SQLite before the next is read. Memory stays that of
//! one CVE plus SQLite's page cache, whatever the feed's size.
//!
//! Re-importing updates: a CVE already in the index is replaced when the
//! feed's `lastModified` is the same or newer, and kept when the index holds
//! a newer record (an old year feed imported after `modified`). A rejected
//! CVE is removed. Each file is one transaction: a broken file leaves the
//! index as it was.

use std::fmt;
use std::io::{BufReader, Read};
use std::path::Path;

use rusqlite::{OptionalExtension, Transaction, params};
use serde::de::{self, DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, Deserializer};

use super::matching::Configuration;
use super::{Index, NvdError, sql_error};
use crate::cpe::Cpe;

/// What one feed file brought.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FeedSummary {
    /// The feed file, as given.
    pub file: String,
    /// The feed's own `timestamp`.
    pub timestamp: Option<String>,
    /// CVE records read.
    pub read: u64,
    /// New to the index.
    pub added: u64,
    /// Replaced an older record.
    pub updated: u64,
    /// The index already held this or a newer record (kept).
    pub unchanged: u64,
    /// Rejected CVEs removed (or not added).
    pub rejected: u64,
}

#[derive(Debug, Deserialize)]
struct FeedItem {
    cve: RawCve,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawCve {
    id: String,
    #[serde(default)]
    vuln_status: Option<String>,
    published: String,
    last_modified: String,
    #[serde(default)]
    descriptions: Vec<LangString>,
    #[serde(default)]
    references: Vec<RawReference>,
    #[serde(default)]
    metrics: RawMetrics,
    #[serde(default)]
    weaknesses: Vec<RawWeakness>,
    #[serde(default)]
    configurations: Vec<Configuration>,
    #[serde(default)]
    cisa_exploit_add: Option<String>,
    #[serde(default)]
    cisa_action_due: Option<String>,
    #[serde(default)]
    cisa_required_action: Option<String>,
}

#[derive(Debug, Deserialize)]
struct LangString {
    lang: String,
    value: String,
}

#[derive(Debug, Deserialize)]
struct RawReference {
    url: String,
}

#[derive(Debug, Default, Deserialize)]
struct RawMetrics {
    #[serde(rename = "cvssMetricV40", default)]
    v40: Vec<RawMetric>,
    #[serde(rename = "cvssMetricV31", default)]
    v31: Vec<RawMetric>,
    #[serde(rename = "cvssMetricV30", default)]
    v30: Vec<RawMetric>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawMetric {
    #[serde(rename = "type", default)]
    kind: String,
    cvss_data: RawCvssData,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawCvssData {
    version: String,
    vector_string: String,
    base_score: f64,
}

#[derive(Debug, Deserialize)]
struct RawWeakness {
    #[serde(default)]
    description: Vec<LangString>,
}

/// The NVD's own ("Primary") metric when there is one, else the first.
fn primary(metrics: &[RawMetric]) -> Option<&RawMetric> {
    metrics
        .iter()
        .find(|m| m.kind == "Primary")
        .or_else(|| metrics.first())
}

/// Imports feed files (`.json` or `.json.gz`) into `index`. `progress` is
/// called now and then with the file and the CVEs read so far.
pub fn import(
    index: &mut Index,
    file: &Path,
    progress: &mut dyn FnMut(&str, u64),
) -> Result<FeedSummary, NvdError> {
    let name = file.display().to_string();
    let open_err = |source: std::io::Error| NvdError::FeedIo {
        file: name.clone(),
        source,
    };
    let mut f = std::fs::File::open(file).map_err(open_err)?;
    let mut magic = [0u8; 2];
    let n = f.read(&mut magic).map_err(open_err)?;
    let head = std::io::Cursor::new(magic[..n].to_vec());
    let raw = head.chain(f);
    let reader: Box<dyn Read> = if magic == [0x1f, 0x8b] {
        Box::new(flate2::read::MultiGzDecoder::new(BufReader::with_capacity(
            1 << 16,
            raw,
        )))
    } else {
        Box::new(raw)
    };
    let reader = BufReader::with_capacity(1 << 16, reader);

    let path = index.path.clone();
    let tx = index.conn.transaction().map_err(sql_error(&path))?;
    let mut writer = Writer {
        tx: &tx,
        summary: FeedSummary {
            file: name.clone(),
            ..FeedSummary::default()
        },
        failure: None,
        progress,
        header: Header::default(),
    };
    let mut de = serde_json::Deserializer::from_reader(reader);
    let parsed = (&mut de)
        .deserialize_map(FeedVisitor {
            writer: &mut writer,
        })
        .and_then(|()| de.end());
    if let Some(e) = writer.failure.take() {
        return Err(e);
    }
    if let Err(e) = parsed {
        let message = e.to_string();
        let suffix = format!(" at line {} column {}", e.line(), e.column());
        return Err(NvdError::FeedJson {
            file: name,
            line: e.line(),
            column: e.column(),
            message: message
                .strip_suffix(&suffix)
                .unwrap_or(&message)
                .to_string(),
        });
    }
    let header = std::mem::take(&mut writer.header);
    match header.format.as_deref() {
        Some("NVD_CVE") => {}
        other => {
            return Err(NvdError::Feed {
                file: name,
                message: format!(
                    "not an NVD CVE feed: `format` is {}, expected \"NVD_CVE\"",
                    other.map_or("missing".to_string(), |f| format!("\"{f}\""))
                ),
            });
        }
    }
    if !header.vulnerabilities {
        return Err(NvdError::Feed {
            file: name,
            message: "not an NVD CVE feed: no `vulnerabilities` array".into(),
        });
    }
    if !header
        .version
        .as_deref()
        .is_some_and(|v| v.starts_with("2."))
    {
        return Err(NvdError::Feed {
            file: name,
            message: format!(
                "NVD feed version {} is not 2.x (the 1.1 feeds are retired; use the 2.0 feeds)",
                header.version.as_deref().unwrap_or("missing")
            ),
        });
    }
    let mut summary = writer.summary;
    summary.timestamp = header.timestamp;
    let feed_name = file
        .file_name()
        .map_or_else(|| name.clone(), |f| f.to_string_lossy().into_owned());
    tx.execute(
        "INSERT INTO feed (file, timestamp, cves, imported_at) VALUES (?1, ?2, ?3, ?4) \
         ON CONFLICT(file) DO UPDATE SET timestamp = excluded.timestamp, cves = excluded.cves, \
         imported_at = excluded.imported_at",
        params![
            feed_name,
            summary.timestamp,
            summary.read as i64,
            crate::model::unix_now()
        ],
    )
    .map_err(sql_error(&path))?;
    tx.commit().map_err(sql_error(&path))?;
    index.cache.clear();
    index.records.clear();
    Ok(summary)
}

#[derive(Debug, Default)]
struct Header {
    format: Option<String>,
    version: Option<String>,
    timestamp: Option<String>,
    vulnerabilities: bool,
}

struct Writer<'a, 't> {
    tx: &'a Transaction<'t>,
    summary: FeedSummary,
    failure: Option<NvdError>,
    progress: &'a mut dyn FnMut(&str, u64),
    header: Header,
}

impl Writer<'_, '_> {
    fn write(&mut self, cve: RawCve) -> Result<(), NvdError> {
        let path = self.tx.path().map(Path::new).unwrap_or(Path::new("index"));
        let err = sql_error(path);
        self.summary.read += 1;
        if self.summary.read.is_multiple_of(2000) {
            (self.progress)(&self.summary.file, self.summary.read);
        }
        let id = cve.id.trim().to_ascii_uppercase();
        let stored: Option<String> = self
            .tx
            .prepare_cached("SELECT last_modified FROM cve WHERE id = ?1")
            .and_then(|mut s| s.query_row(params![id], |r| r.get(0)).optional())
            .map_err(&err)?;
        let rejected = cve
            .vuln_status
            .as_deref()
            .is_some_and(|s| s.eq_ignore_ascii_case("rejected"));
        if stored
            .as_deref()
            .is_some_and(|s| s > cve.last_modified.as_str())
        {
            self.summary.unchanged += 1;
            return Ok(());
        }
        if stored.is_some() {
            self.tx
                .prepare_cached("DELETE FROM criterion WHERE cve = ?1")
                .and_then(|mut s| s.execute(params![id]))
                .map_err(&err)?;
        }
        if rejected {
            self.tx
                .prepare_cached("DELETE FROM cve WHERE id = ?1")
                .and_then(|mut s| s.execute(params![id]))
                .map_err(&err)?;
            self.summary.rejected += 1;
            return Ok(());
        }
        if stored.is_some() {
            self.summary.updated += 1;
        } else {
            self.summary.added += 1;
        }
        let description = cve
            .descriptions
            .iter()
            .find(|d| d.lang == "en")
            .or_else(|| cve.descriptions.first())
            .map(|d| d.value.trim().to_string())
            .unwrap_or_default();
        let v3 = primary(&cve.metrics.v31).or_else(|| primary(&cve.metrics.v30));
        let v4 = primary(&cve.metrics.v40);
        let mut cwes: Vec<&str> = cve
            .weaknesses
            .iter()
            .flat_map(|w| &w.description)
            .map(|d| d.value.as_str())
            .filter(|v| v.starts_with("CWE-"))
            .collect();
        cwes.sort_unstable();
        cwes.dedup();
        let refs: Vec<&str> = cve.references.iter().map(|r| r.url.as_str()).collect();
        let configurations =
            serde_json::to_string(&cve.configurations).unwrap_or_else(|_| "[]".into());
        self.tx
            .prepare_cached(
                "INSERT INTO cve (id, published, last_modified, status, description, cvss, \
                 cvss_version, cvss_vector, cvss4, cvss4_vector, cwes, refs, configurations, \
                 kev_added, kev_due, kev_action) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16) \
                 ON CONFLICT(id) DO UPDATE SET published = excluded.published, \
                 last_modified = excluded.last_modified, status = excluded.status, \
                 description = excluded.description, cvss = excluded.cvss, \
                 cvss_version = excluded.cvss_version, cvss_vector = excluded.cvss_vector, \
                 cvss4 = excluded.cvss4, cvss4_vector = excluded.cvss4_vector, \
                 cwes = excluded.cwes, refs = excluded.refs, \
                 configurations = excluded.configurations, kev_added = excluded.kev_added, \
                 kev_due = excluded.kev_due, kev_action = excluded.kev_action",
            )
            .and_then(|mut s| {
                s.execute(params![
                    id,
                    cve.published,
                    cve.last_modified,
                    cve.vuln_status,
                    description,
                    v3.map(|m| m.cvss_data.base_score),
                    v3.map(|m| m.cvss_data.version.as_str()),
                    v3.map(|m| m.cvss_data.vector_string.as_str()),
                    v4.map(|m| m.cvss_data.base_score),
                    v4.map(|m| m.cvss_data.vector_string.as_str()),
                    cwes.join(", "),
                    serde_json::to_string(&refs).unwrap_or_else(|_| "[]".into()),
                    configurations,
                    cve.cisa_exploit_add,
                    cve.cisa_action_due,
                    cve.cisa_required_action,
                ])
            })
            .map_err(&err)?;
        // The vulnerable criteria, by the (vendor, product) they name: how
        // a device finds its candidates (platform criteria, `vulnerable =
        // false`, never make a CVE apply on their own).
        let mut insert = self
            .tx
            .prepare_cached(
                "INSERT OR IGNORE INTO criterion (vendor, product, cve, seq, criteria, \
                 start_including, start_excluding, end_including, end_excluding, \
                 lo_major, hi_major) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
            )
            .map_err(&err)?;
        let vulnerable = cve
            .configurations
            .iter()
            .flat_map(|c| &c.nodes)
            .flat_map(|n| &n.cpe_match)
            .filter(|m| m.vulnerable);
        for (seq, m) in vulnerable.enumerate() {
            let Some(c) = Cpe::parse(&m.criteria) else {
                continue;
            };
            let (lo, hi) = super::matching::major_span(&c, m);
            let int = |v: Option<u64>| v.and_then(|v| i64::try_from(v).ok());
            insert
                .execute(params![
                    c.vendor,
                    c.product,
                    id,
                    seq as i64,
                    m.criteria,
                    m.version_start_including,
                    m.version_start_excluding,
                    m.version_end_including,
                    m.version_end_excluding,
                    int(lo),
                    int(hi)
                ])
                .map_err(&err)?;
        }
        Ok(())
    }
}

struct FeedVisitor<'w, 'a, 't> {
    writer: &'w mut Writer<'a, 't>,
}

impl<'de> Visitor<'de> for FeedVisitor<'_, '_, '_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an NVD CVE JSON 2.0 feed (an object with `vulnerabilities`)")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while let Some(key) = map.next_key::<String>()? {
            match key.as_str() {
                "format" => self.writer.header.format = Some(map.next_value()?),
                "version" => self.writer.header.version = Some(map.next_value()?),
                "timestamp" => self.writer.header.timestamp = Some(map.next_value()?),
                "vulnerabilities" => {
                    if self.writer.header.format.as_deref() != Some("NVD_CVE") {
                        return Err(de::Error::custom(
                            "not an NVD CVE feed: `format` \"NVD_CVE\" must come before `vulnerabilities`",
                        ));
                    }
                    self.writer.header.vulnerabilities = true;
                    map.next_value_seed(Items {
                        writer: &mut *self.writer,
                    })?;
                }
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(())
    }
}

struct Items<'w, 'a, 't> {
    writer: &'w mut Writer<'a, 't>,
}

impl<'de> DeserializeSeed<'de> for Items<'_, '_, '_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for Items<'_, '_, '_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an array of {\"cve\": {...}} items")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while let Some(item) = seq.next_element::<FeedItem>()? {
            if let Err(e) = self.writer.write(item.cve) {
                let message = e.to_string();
                self.writer.failure = Some(e);
                return Err(de::Error::custom(message));
            }
        }
        Ok(())
    }
}
