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
    /// A scope above [`crate::scope::LARGE_SCOPE`] addresses without
    /// `allow_large`.
    #[error(
        "{path}: the scope holds {addresses} addresses, more than {}; check the networks, \
         then pass --allow-large to scan it anyway",
        crate::scope::LARGE_SCOPE
    )]
    LargeScope { path: PathBuf, addresses: u128 },
    #[error(transparent)]
    Checks(#[from] CheckLoadError),
    #[error(transparent)]
    Baseline(#[from] crate::compliance::UnknownBaseline),
    #[error(transparent)]
    TlsPolicy(#[from] crate::tls::policy::PolicyError),
    /// The TLS client could not be set up (trust anchors, configuration).
    #[error(transparent)]
    Tls(#[from] crate::tls::TlsError),
    #[error(transparent)]
    Kev(#[from] crate::firmware::KevError),
    #[error(transparent)]
    Nvd(#[from] crate::nvd::NvdError),
    #[error("cannot write {path}: {source}")]
    Output {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot set up the DNS resolver: {0}")]
    Resolver(String),
    #[error(transparent)]
    History(#[from] crate::history::store::HistoryError),
    /// Credentials are to be tested, but no file can count the attempts.
    #[error(
        "{scope}: [credentials] is enabled but there is nowhere to count login attempts: \
         set credentials.budget_file, pass --history, or set HOME"
    )]
    NoBudgetFile { scope: PathBuf },
    #[error(transparent)]
    Budget(#[from] crate::creds::budget::BudgetError),
    #[error("recog database {0}")]
    Recog(#[from] crate::identify::recog::RecogError),
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
