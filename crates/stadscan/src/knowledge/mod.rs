//! The scanner's knowledge as data: the files compiled in from `checks/`
//! and `baselines/`, and the toolkit every loader of a data file shares
//! (TOML parsing whose errors name file, line and field; folders of data
//! files; id rules), and the one validator every data-file loader uses
//! (`validate`: a problem names the field path inside an entry, and
//! becomes an error naming file, line and field in one place; the rules
//! several kinds of data share). A leaf: it knows no stage of the
//! pipeline, so the checks, baselines, fingerprints, advisories,
//! credentials and TLS policies all load through it without depending on
//! one another.

pub mod pattern;
pub(crate) mod validate;

use std::ops::Range;
use std::path::{Path, PathBuf};

/// The data files compiled into the binary (`build.rs`).
pub mod embedded {
    use std::sync::OnceLock;

    include!(concat!(env!("OUT_DIR"), "/embedded.rs"));

    static EXTRA: OnceLock<&'static [(&'static str, &'static str)]> = OnceLock::new();

    /// Adds data files to the built-in ones, as if they were under
    /// `checks/` (the lab's fictional products, when the binary carries the
    /// lab). Only the first call counts (false for a later one); call it
    /// before loading knowledge.
    pub fn add_check_files(files: &'static [(&'static str, &'static str)]) -> bool {
        EXTRA.set(files).is_ok()
    }

    /// The built-in files and the lab's (which live in the lab crate), for
    /// the tests of this crate that pin how lab devices are judged.
    #[cfg(test)]
    pub(crate) fn with_lab() -> Vec<(&'static str, &'static str)> {
        CHECK_FILES
            .iter()
            .chain(stadscan_lab::DATA_FILES)
            .copied()
            .collect()
    }

    /// Every built-in data file under `checks/`: `(path, text)`.
    pub fn check_files() -> impl Iterator<Item = &'static (&'static str, &'static str)> {
        CHECK_FILES
            .iter()
            .chain(EXTRA.get().copied().unwrap_or_default())
    }

    /// The built-in data files whose path starts with `prefix`
    /// (`checks/device-info/`...): `(path, text)`.
    pub fn under(prefix: &str) -> Vec<(&'static str, &'static str)> {
        check_files()
            .filter(|(path, _)| path.starts_with(prefix))
            .copied()
            .collect()
    }
}

/// A check file that cannot be used: names the file, line and field.
#[derive(Debug, thiserror::Error)]
#[error("{file}:{line}: {field}: {message}")]
pub struct CheckLoadError {
    /// The data file's path (`checks/...` for the built-in data), or the
    /// folder that could not be read.
    pub file: String,
    /// The line at fault (1-based; 0 when no line could be named).
    pub line: usize,
    /// The entry and field at fault (`<entry id>: <field>`); either part is
    /// left out when unknown.
    pub field: String,
    /// What is wrong.
    pub message: String,
}

/// What a check or advisory id may look like (they are SARIF rule ids).
pub const ID_RULE: &str =
    "ids are lowercase letters, digits and dashes (at most 64), starting with a letter";

/// True for an id that follows [`ID_RULE`].
pub fn valid_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 64
        && id.starts_with(|c: char| c.is_ascii_lowercase())
        && id
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
}

/// The 1-based line of byte `offset` in `text`.
pub fn line_of(text: &str, offset: usize) -> usize {
    text.as_bytes()[..offset.min(text.len())]
        .iter()
        .filter(|b| **b == b'\n')
        .count()
        + 1
}

impl CheckLoadError {
    /// An error at byte range `span` of the data file `path` with `text`.
    pub fn at(path: &str, text: &str, span: Range<usize>, field: &str, message: String) -> Self {
        CheckLoadError {
            file: path.to_string(),
            line: line_of(text, span.start),
            field: field.to_string(),
            message,
        }
    }
}

/// Parses a data file; a TOML error names the file, the line and `what`.
pub fn parse_toml<T: serde::de::DeserializeOwned>(
    path: &str,
    text: &str,
    what: &str,
) -> Result<T, CheckLoadError> {
    toml::from_str(text).map_err(|e| {
        CheckLoadError::at(
            path,
            text,
            e.span().unwrap_or(0..0),
            what,
            e.message().trim().to_string(),
        )
    })
}

/// Every `*.toml` under `dir` (in path order) as (path, text); `what`
/// names the data in an error.
pub fn read_data_dir(dir: &Path, what: &str) -> Result<Vec<(String, String)>, CheckLoadError> {
    let mut files = Vec::new();
    collect(dir, &mut files).map_err(|e| CheckLoadError {
        file: dir.display().to_string(),
        line: 0,
        field: what.to_string(),
        message: e.to_string(),
    })?;
    files
        .iter()
        .map(|f| {
            std::fs::read_to_string(f)
                .map(|text| (f.display().to_string(), text))
                .map_err(|e| CheckLoadError {
                    file: f.display().to_string(),
                    line: 0,
                    field: "file".into(),
                    message: e.to_string(),
                })
        })
        .collect()
}

/// Borrows (path, text) pairs the way the parsers take them.
pub fn as_refs(texts: &[(String, String)]) -> Vec<(&str, &str)> {
    texts
        .iter()
        .map(|(p, t)| (p.as_str(), t.as_str()))
        .collect()
}

fn collect(dir: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)?
        .filter_map(Result::ok)
        .map(|e| e.path())
        .collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            collect(&p, out)?;
        } else if p.extension().is_some_and(|e| e == "toml") {
            out.push(p);
        }
    }
    Ok(())
}
