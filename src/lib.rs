//! stadscan — a city-wide security posture scanner for smart-city devices.
//!
//! Data flows one way, one module per stage:
//!
//! ```text
//! scope.toml ─> Scope ─> Target ─> Endpoint ─> Observation ─> Finding ─> Report
//!               scope    discover   discover    probe          check      report
//! ```
//!
//! - [`scope`]: the scope file and the one gate every connection passes;
//! - [`net`]: the only code that opens sockets (rate limit, per-host cap, timeouts);
//! - [`discover`]: lazy, shuffled target enumeration, TCP connect scan, DNS;
//! - [`proto`]: pure parsers and encoders, no I/O (shared with the lab devices);
//! - [`probe`]: conversations with devices over `net`, one file per protocol;
//! - [`tls`]: certificate analysis;
//! - [`creds`]: default-credential tests (opt-in), under an attempt budget
//!   stored across runs;
//! - [`check`]: the checks in `checks/` (data), loaded, validated and evaluated;
//! - [`report`]: SARIF, JSON, the terminal summary (the only writer of output);
//! - [`lab`]: simulated smart-city devices on 127.0.0.0/8 for the demo and tests;
//! - [`scan`]: runs the pipeline for one scope.

pub mod baseline;
pub mod check;
pub mod cli;
pub mod commands;
pub mod creds;
pub mod devinfo;
pub mod discover;
pub mod error;
pub mod facts;
pub mod fingerprint;
pub mod firmware;
pub mod history;
pub mod lab;
pub mod model;
pub mod net;
pub mod probe;
pub mod proto;
pub mod report;
pub mod scan;
pub mod scope;
pub mod tls;
