//! The scanner's own failures (bad scope file, broken check data, unwritable
//! output). A device that misbehaves is never one of these: it is data in an
//! `Observation`.

use std::path::PathBuf;

use crate::knowledge::CheckLoadError;
use crate::scope::ScopeError;

/// Why a scan, or writing its output, could not go on. The message names
/// the file at fault where there is one.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The scope file cannot be read or breaks a rule.
    #[error(transparent)]
    Scope(#[from] ScopeError),
    /// A scope above [`crate::scope::LARGE_SCOPE`] addresses without
    /// `allow_large`.
    #[error(
        "{path}: the scope holds {addresses} addresses, more than {}; check the networks, \
         then pass --allow-large to scan it anyway",
        crate::scope::LARGE_SCOPE
    )]
    LargeScope {
        /// The scope file.
        path: PathBuf,
        /// The addresses its networks and hosts hold.
        addresses: u128,
    },
    /// A check, fingerprint, advisory or other data file cannot be loaded.
    #[error(transparent)]
    Checks(#[from] CheckLoadError),
    /// The chosen baseline is not among the loaded control catalogues.
    #[error(transparent)]
    Baseline(#[from] crate::compliance::UnknownBaseline),
    /// The chosen TLS policy is unknown or its file is broken.
    #[error(transparent)]
    TlsPolicy(#[from] crate::tls::policy::PolicyError),
    /// The TLS client could not be set up (trust anchors, configuration).
    #[error(transparent)]
    Tls(#[from] crate::tls::TlsError),
    /// The KEV file (`--kev`) cannot be read or parsed.
    #[error(transparent)]
    Kev(#[from] crate::firmware::KevError),
    /// The NVD index cannot be opened or read.
    #[error(transparent)]
    Nvd(#[from] crate::nvd::NvdError),
    /// An output file (report, audit trail) cannot be written.
    #[error("cannot write {path}: {source}")]
    Output {
        /// The file.
        path: PathBuf,
        /// The system's error.
        source: std::io::Error,
    },
    /// The DNS resolver cannot be built (system configuration or the
    /// scope's name servers); the resolver's own error.
    #[error("cannot set up the DNS resolver: {0}")]
    Resolver(#[source] hickory_resolver::net::NetError),
    /// The scan history file cannot be opened, read or written.
    #[error(transparent)]
    History(#[from] crate::history::store::HistoryError),
    /// Credentials are to be tested, but no file can count the attempts.
    #[error(
        "{scope}: [credentials] is enabled but there is nowhere to count login attempts: \
         set credentials.budget_file, pass --history, or set HOME"
    )]
    NoBudgetFile {
        /// The scope file that enables the credential tests.
        scope: PathBuf,
    },
    /// The credential attempt budget file cannot be used.
    #[error(transparent)]
    Budget(#[from] crate::creds::budget::BudgetError),
    /// A recog fingerprint folder cannot be read.
    #[error("recog database {0}")]
    Recog(#[from] crate::identify::recog::RecogError),
}

/// A result whose error is the scanner's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
