//! What both criterion benches share.

use std::time::Duration;

use criterion::Criterion;

/// Short runs: the suites are many and small, and the machine is shared;
/// criterion's defaults would take minutes per bench.
pub fn config() -> Criterion {
    Criterion::default()
        .warm_up_time(Duration::from_millis(300))
        .measurement_time(Duration::from_secs(1))
        .sample_size(30)
}
