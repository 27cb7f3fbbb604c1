//! stadscan — a city-wide security posture scanner for smart-city devices.
//!
//! Data flows one way, one module per stage:
//!
//! ```text
//! scope.toml ─> Scope ─> Target ─> Endpoint ─> Observation ─> Finding ─> Report
//!               scope    discover   discover    probe          check      report
//! ```
//!
//! The layers below and beside it are crates of their own: the protocol
//! parsers (`stadscan-proto`, re-exported as [`proto`]), the simulated
//! devices (`stadscan-lab`, never a dependency of this crate) and the binary
//! (command line and commands).
//!
//! The modules form layers. Each module uses only modules named in the
//! lines above its own in this list, so there is no cycle (a test reads
//! every import and holds the code to this list):
//!
//! - [`model`] (the pipeline types, credentials, the TLS profile and the
//!   finding key), [`facts`] (the fact vocabulary) and [`sqlite`] (files
//!   opened owner-only): leaves, they use nothing else of this crate;
//! - [`knowledge`]: the built-in data files and the toolkit that loads and
//!   validates every data file (one validator; errors name file, line and
//!   field); [`history`]: runs, findings and budgets in SQLite, in
//!   [`model`] types;
//! - the data, each loaded through [`knowledge`]: [`baseline`] (control
//!   catalogues), [`fingerprint`], [`devinfo`], [`streams`], and
//!   [`scope`], the scope file and the one gate every connection passes;
//! - [`net`]: the only code that opens sockets (rate limit, per-host cap,
//!   timeouts); [`identify`] and [`firmware`]: identification and
//!   advisories;
//! - [`tls`] (enumeration, certificates, policy verdicts), [`assets`]
//!   (observations folded into one asset per device, and named), [`cpe`]
//!   (CPE names for identified devices);
//! - [`probe`]: conversations with devices over [`net`], one file per
//!   protocol; [`nvd`]: a local index of the NVD's CVE feeds;
//! - [`check`]: the checks that turn facts into findings; [`creds`]:
//!   default-credential tests (opt-in) under an attempt budget;
//! - [`compliance`]: judges a scan against a catalogue, once, when it ends;
//! - [`error`]: the library's errors, each with its source;
//! - [`discover`] (lazy, shuffled targets, DNS) and [`knowledge_base`]
//!   (everything the scanner knows, loaded once);
//! - [`report`]: SARIF, JSON, HTML, Markdown, the terminal summary (the only
//!   writer of output);
//! - [`scan`]: runs the stages for one scope; nothing uses it.

// Items are `pub` only when another crate may use them, and each says
// what it is for.
#![warn(unreachable_pub)]
#![warn(missing_docs)]

pub mod assets;
pub mod baseline;
pub mod check;
pub mod compliance;
pub mod cpe;
pub mod creds;
pub mod devinfo;
pub mod discover;
pub mod error;
pub mod facts;
pub mod fingerprint;
pub mod firmware;
pub mod history;
pub mod identify;
pub mod knowledge;
pub mod knowledge_base;
pub mod model;
pub mod net;
pub mod nvd;
pub mod probe;
/// The pure protocol parsers and encoders (the `stadscan-proto` crate).
pub use stadscan_proto as proto;
pub mod report;
pub mod scan;
pub mod scope;
pub mod sqlite;
pub mod streams;
pub mod tls;

#[cfg(test)]
mod layers_tests;
