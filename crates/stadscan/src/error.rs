//! The scanner's own failures (bad scope file, broken check data, unwritable
//! output). A device that misbehaves is never one of these: it is data in an
//! `Observation`.

use std::path::PathBuf;

use crate::knowledge::CheckLoadError;
use crate::scope::ScopeError;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Scope(#[from] ScopeError),
    #[error(transparent)]
    Checks(#[from] CheckLoadError),
    #[error("cannot write {path}: {source}")]
    Output {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot set up the DNS resolver: {0}")]
    Resolver(String),
    #[error(transparent)]
    History(#[from] crate::history::store::HistoryError),
    #[error("{0}")]
    Usage(String),
    #[error("recog database {0}")]
    Recog(#[from] crate::identify::recog::RecogError),
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
