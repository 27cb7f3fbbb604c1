//! The integration tests, one binary (each test binary links the whole
//! scanner, so one binary builds and links far faster than one per area):
//! a module per area, and `common` with what they share (the built binary,
//! lab and real-server helpers, SARIF/JSON readers).

mod common;

mod audit;
mod bad_scope;
mod cli;
mod compliance;
mod data_files;
mod discovery;
mod echo;
mod fuzz_parsers;
mod history;
mod hostile;
mod hostile_lab;
mod identify;
mod identify_corpus;
mod lab_city;
mod lab_creds;
mod lab_scan;
mod machine_failures;
mod nvd;
mod rates;
mod readme;
mod real_creds;
mod real_nvd;
mod real_ot;
mod real_rtsp;
mod real_servers;
mod scope_gate;
mod secrets;
mod shard;
mod syn;
mod tls_matrix;
mod tls_openssl;
mod tls_postfix;
