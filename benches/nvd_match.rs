//! Matching 10,000 identified devices against an NVD index, the whole path
//! a scan takes after identification: CPE names from the identity
//! (`checks/cpe/`), candidates from the index, the configurations evaluated,
//! and one finding per device.
//!
//! The index is one built from the synthetic feeds of
//! `bench/nvd-feed-gen.py` (vendors `vendor0..3999`, products
//! `product0..4`), so most devices hit CVEs:
//!
//!   python3 bench/nvd-feed-gen.py /tmp/nvd-feeds
//!   stadscan nvd import /tmp/nvd-feeds/*.json --db /tmp/nvd.sqlite
//!   NVD_DB=/tmp/nvd.sqlite cargo bench --bench nvd_match
//!
//! Prints the time of five runs over fresh indexes (each run opens the index
//! anew, so its cache starts cold) and the findings made.

use std::net::{IpAddr, Ipv4Addr};
use std::time::Instant;

use stadscan::check::nvd::Policy;
use stadscan::cpe::Cpe;
use stadscan::fingerprint::DeviceClass;
use stadscan::knowledge_base::Knowledge;
use stadscan::model::{Asset, Confidence, Endpoint, IdentityKind, Observation, Origin};
use stadscan::nvd::Index;
use stadscan::scan::nvd_findings;

const DEVICES: usize = 10_000;

fn asset(i: usize) -> Asset {
    let addr = IpAddr::V4(Ipv4Addr::new(10, (i >> 16) as u8, (i >> 8) as u8, i as u8));
    let mut obs = Observation::new(Endpoint::tcp(addr, 80), None);
    obs.protocol = "http".into();
    // A cheap deterministic spread over the generator's vendors and versions.
    let h = (i as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15);
    let class = if i.is_multiple_of(2) {
        DeviceClass::Camera
    } else {
        DeviceClass::Server
    };
    Asset {
        id: format!("address:{addr}"),
        identity: IdentityKind::Address,
        addr,
        hostnames: Vec::new(),
        origin: Origin::Network(0),
        label: None,
        vendor: Some(format!("vendor{}", h % 4000)),
        model: Some(format!("product{}", (h >> 20) % 5)),
        firmware: Some(format!(
            "{}.{}.{}",
            (h >> 30) % 9 + 1,
            (h >> 36) % 21,
            (h >> 42) % 41
        )),
        class,
        fingerprint: None,
        fingerprint_confidence: Some(Confidence::Medium),
        personal_data: None,
        cpes: Vec::new(),
        observations: vec![obs],
    }
}

/// Time this thread spent on a CPU (Linux), so that runs on a shared
/// machine can be compared: the wall time includes waiting for a core.
fn cpu_seconds() -> f64 {
    std::fs::read_to_string("/proc/thread-self/schedstat")
        .ok()
        .and_then(|s| s.split_whitespace().next()?.parse::<f64>().ok())
        .map_or(f64::NAN, |ns| ns / 1e9)
}

fn main() {
    let Some(db) = std::env::var_os("NVD_DB") else {
        eprintln!(
            "set NVD_DB to an index built from bench/nvd-feed-gen.py's feeds (see the file's header)"
        );
        return;
    };
    let knowledge = Knowledge::load(None).expect("the built-in data loads");
    let mut assets: Vec<Asset> = (0..DEVICES).map(asset).collect();
    for a in &mut assets {
        a.cpes = knowledge.cpe_rules.asset_cpes(a);
    }
    for run in 1..=5 {
        let (clock, cpu) = (Instant::now(), cpu_seconds());
        let mut index = Index::open(std::path::Path::new(&db)).expect("the index opens");
        let findings = nvd_findings(&mut index, &assets, &knowledge, Policy::default())
            .expect("matching runs");
        let cves: usize = findings
            .iter()
            .map(|f| f.evidence["cve_count"].parse::<usize>().unwrap_or(0))
            .sum();
        println!(
            "run {run}: {DEVICES} devices matched in {:.3} s ({:.3} s on a CPU): {} findings, {cves} CVEs",
            clock.elapsed().as_secs_f64(),
            cpu_seconds() - cpu,
            findings.len()
        );
    }
    // The share of the index alone: candidates, configurations, records.
    let (clock, cpu) = (Instant::now(), cpu_seconds());
    let mut index = Index::open(std::path::Path::new(&db)).expect("the index opens");
    let mut matched = 0;
    for a in &assets {
        let names: Vec<_> = a.cpes.iter().filter_map(|c| Cpe::parse(&c.cpe)).collect();
        matched += index.matches(&names).expect("matching runs").len();
    }
    println!(
        "index lookups alone: {:.3} s ({:.3} s on a CPU) for {matched} CVE matches",
        clock.elapsed().as_secs_f64(),
        cpu_seconds() - cpu
    );
}
