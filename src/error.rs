//! The application's error: what a command can fail with, the scanner
//! library's errors and (with the lab) the simulated devices' own.

/// A command's failure; its message names the file, line and field where
/// one is at fault. Exit code 2.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Scanner(#[from] stadscan::error::Error),
    #[cfg(feature = "lab")]
    #[error(transparent)]
    Lab(#[from] stadscan_lab::LabError),
}

impl From<stadscan::history::store::HistoryError> for Error {
    fn from(e: stadscan::history::store::HistoryError) -> Self {
        Error::Scanner(e.into())
    }
}

impl From<stadscan::scope::ScopeError> for Error {
    fn from(e: stadscan::scope::ScopeError) -> Self {
        Error::Scanner(e.into())
    }
}

impl From<stadscan::identify::recog::RecogError> for Error {
    fn from(e: stadscan::identify::recog::RecogError) -> Self {
        Error::Scanner(e.into())
    }
}

impl From<stadscan::check::CheckLoadError> for Error {
    fn from(e: stadscan::check::CheckLoadError) -> Self {
        Error::Scanner(e.into())
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
