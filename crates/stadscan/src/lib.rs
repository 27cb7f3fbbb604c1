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
//! - [`model`]: the pipeline types, the TLS profile and the finding key (a
//!   leaf: it uses nothing else of this crate);
//! - [`knowledge`]: the built-in data files and the toolkit that loads and
//!   validates every data file (one validator; errors name file, line and
//!   field);
//! - [`scope`]: the scope file and the one gate every connection passes;
//! - [`net`]: the only code that opens sockets (rate limit, per-host cap, timeouts);
//! - [`discover`]: lazy, shuffled target enumeration, TCP connect scan, DNS;
//! - [`probe`]: conversations with devices over `net`, one file per protocol;
//! - [`tls`]: TLS enumeration, certificate analysis, policy verdicts;
//! - [`creds`]: default-credential tests (opt-in), under an attempt budget
//!   stored across runs;
//! - [`assets`]: observations folded into one asset per device, and named;
//! - [`identify`], [`fingerprint`], [`devinfo`], [`firmware`]: identification
//!   and advisories;
//! - [`check`], [`baseline`]: the checks and control catalogues;
//! - [`compliance`]: judges a scan against a catalogue, once, when it ends
//!   (the renderers only print the result);
//! - [`cpe`] and [`nvd`]: CPE names for identified devices, matched against a
//!   local index of the NVD's CVE feeds and the CISA KEV catalogue;
//! - [`history`]: runs, findings and budgets in SQLite (it reads only
//!   [`model`] types; files opened owner-only by [`sqlite`]);
//! - [`report`]: SARIF, JSON, HTML, Markdown, the terminal summary (the only
//!   writer of output);
//! - [`scan`]: runs the pipeline for one scope.

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
