//! The application's error: what a command can fail with, the scanner
//! library's errors and (with the lab) the simulated devices' own.

use std::path::PathBuf;

use stadscan::report::merge::InputKind;

/// A command's failure; its message names the file, line and field where
/// one is at fault. Exit code 2.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Scanner(#[from] stadscan::error::Error),
    #[cfg(feature = "lab")]
    #[error(transparent)]
    Lab(#[from] stadscan_lab::LabError),
    #[cfg(not(feature = "lab"))]
    #[error("this build of stadscan carries no lab (built without the `lab` feature)")]
    NoLab,
    #[error("--resume continues a run kept in the history: give --history FILE")]
    ResumeWithoutHistory,
    #[error("--baseline: {0}")]
    Baseline(#[source] stadscan::compliance::UnknownBaseline),
    /// The thread writing `--resume` checkpoints panicked.
    #[error("the checkpoint writer crashed: {0}")]
    CheckpointWriter(String),
    #[error("cannot read {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path}:{}:{}: {source}", source.line(), source.column())]
    Json {
        path: PathBuf,
        source: serde_json::Error,
    },
    #[error("{path}: {source}")]
    Sarif {
        path: PathBuf,
        source: stadscan::report::diff::SarifError,
    },
    #[error("{0}: no such history file (`stadscan scan --history FILE` creates one)")]
    NoHistory(PathBuf),
    #[error(transparent)]
    Merge(#[from] stadscan::report::merge::MergeError),
    #[error("{output} is named .sarif, but the merged file is {}: name it .json", kind.describe())]
    NotSarif { output: PathBuf, kind: InputKind },
    #[error("{path}: {source}")]
    Inventory {
        path: PathBuf,
        source: stadscan::report::inventory::InventoryError,
    },
    #[error("name an output: --json FILE and/or --csv FILE")]
    NoOutput,
    /// `checks lint --recog`: examples that do not match their pattern,
    /// one line each.
    #[error("{} recog examples fail:\n{}", .0.len(), .0.join("\n"))]
    RecogExamples(Vec<String>),
}

/// Library errors that reach a command directly.
macro_rules! scanner_errors {
    ($($t:ty),* $(,)?) => {$(
        impl From<$t> for Error {
            fn from(e: $t) -> Self {
                Error::Scanner(e.into())
            }
        }
    )*};
}

scanner_errors!(
    stadscan::history::store::HistoryError,
    stadscan::scope::ScopeError,
    stadscan::identify::recog::RecogError,
    stadscan::knowledge::CheckLoadError,
    stadscan::nvd::NvdError,
    stadscan::firmware::KevError,
);

pub type Result<T, E = Error> = std::result::Result<T, E>;
