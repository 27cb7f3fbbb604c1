//! The stages after the probes: the fingerprint matcher, the check engine and
//! the TLS policy verdict, on the project's own data.
//!
//! The observations are the examples the data files carry (every
//! `[[fingerprint.example]]` and every check example in `checks/`): real
//! banners, headers and TLS facts, each placed on its own lab address, so the
//! matcher and the engine see the same mix of protocols and facts a city scan
//! produces (a few hundred observations, the examples twice over).
//!
//!   cargo bench --bench checks
//!   STADSCAN_RECOG_DIR=recog/xml cargo bench --bench checks -- identify

mod common;

use std::hint::black_box;
use std::net::{IpAddr, Ipv4Addr};

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use stadscan::baseline::Baselines;
use stadscan::check::Catalogue;
use stadscan::creds::data::Credentials;
use stadscan::devinfo::Endpoints;
use stadscan::fingerprint::Fingerprints;
use stadscan::firmware::Advisories;
use stadscan::identify::Recog;
use stadscan::knowledge_base::Knowledge;
use stadscan::model::{Endpoint, Facts, Observation};
use stadscan::proto::tls as wire;
use stadscan::tls::assess::{DhParams, TlsProfile, VersionProfile};
use stadscan::tls::policy::{DEFAULT_POLICY, Policy};
use stadscan::tls::verdict;

fn observation(i: usize, protocol: &str, tls: bool, facts: &Facts) -> Observation {
    let addr = IpAddr::V4(Ipv4Addr::new(127, 42, (i / 250) as u8, (i % 250 + 1) as u8));
    let mut obs = Observation::new(Endpoint::tcp(addr, if tls { 443 } else { 80 }), None);
    obs.protocol = protocol.to_string();
    obs.tls = tls;
    obs.facts = facts.clone();
    obs
}

/// Every example observation of the embedded fingerprints and checks (187
/// when this was written), repeated on further addresses up to at least 300.
fn observations(fps: &Fingerprints, catalogue: &Catalogue) -> Vec<Observation> {
    let mut out = Vec::new();
    while out.len() < 300 {
        for ex in fps.iter().flat_map(|f| &f.examples) {
            out.push(observation(out.len(), &ex.protocol, false, &ex.facts));
        }
        for ex in catalogue.checks.iter().flat_map(|c| &c.examples) {
            out.push(observation(out.len(), &ex.protocol, ex.tls, &ex.facts));
        }
    }
    out
}

/// The identification corpus (tests/data/identify-corpus.toml) repeated to
/// `n` observations.
fn corpus_observations(n: usize) -> Vec<Observation> {
    #[derive(serde::Deserialize)]
    struct Corpus {
        device: Vec<Device>,
    }
    #[derive(serde::Deserialize)]
    struct Device {
        protocol: String,
        facts: Facts,
    }
    let corpus: Corpus =
        toml::from_str(include_str!("../tests/data/identify-corpus.toml")).unwrap();
    (0..n)
        .map(|i| {
            let d = &corpus.device[i % corpus.device.len()];
            observation(i, &d.protocol, false, &d.facts)
        })
        .collect()
}

fn bench_load(c: &mut Criterion) {
    let mut g = c.benchmark_group("load");
    g.bench_function("Fingerprints::embedded", |b| {
        b.iter(|| black_box(Fingerprints::embedded().unwrap().len()))
    });
    let baselines = Baselines::embedded().unwrap();
    g.bench_function("Catalogue::embedded", |b| {
        b.iter(|| black_box(Catalogue::embedded(&baselines).unwrap().checks.len()))
    });
    g.bench_function("Policy::embedded (default)", |b| {
        b.iter(|| black_box(Policy::embedded(DEFAULT_POLICY).unwrap()))
    });
    g.bench_function("Advisories::embedded", |b| {
        b.iter(|| black_box(Advisories::embedded().unwrap().len()))
    });
    g.bench_function("Endpoints::embedded", |b| {
        b.iter(|| black_box(Endpoints::embedded().unwrap()))
    });
    g.bench_function("Credentials::embedded", |b| {
        b.iter(|| black_box(Credentials::embedded().unwrap()))
    });
    // What a scan loads before its first packet.
    g.bench_function("Knowledge::load (all of the above)", |b| {
        b.iter(|| black_box(Knowledge::load(None).unwrap()))
    });
    g.finish();
}

fn bench_fingerprints_and_checks(c: &mut Criterion) {
    let fps = Fingerprints::embedded().unwrap();
    let baselines = Baselines::embedded().unwrap();
    let catalogue = Catalogue::embedded(&baselines).unwrap();
    let obs = observations(&fps, &catalogue);
    assert!(obs.len() >= 300, "only {} example observations", obs.len());
    let identified = obs
        .iter()
        .filter(|o| fps.identify(&o.protocol, &o.facts).is_some())
        .count();
    let findings: usize = obs
        .iter()
        .map(|o| catalogue.evaluate(o, "asset").len())
        .sum();
    assert!(identified > 0 && findings > 0);
    let n = obs.len() as u64;

    let mut g = c.benchmark_group("fingerprint");
    g.throughput(Throughput::Elements(n));
    g.bench_function(
        format!(
            "identify ({n} observations, {} fingerprints, {identified} match)",
            fps.len()
        ),
        |b| {
            b.iter(|| {
                for o in &obs {
                    black_box(fps.identify(black_box(&o.protocol), black_box(&o.facts)));
                }
            })
        },
    );
    // Assets of four observations each, the best identity per asset.
    g.bench_function(
        format!("identify_asset ({n} observations in assets of 4)"),
        |b| {
            b.iter(|| {
                for asset in obs.chunks(4) {
                    black_box(fps.identify_asset(black_box(asset)));
                }
            })
        },
    );
    g.finish();

    // All identification layers (structured fields, enterprise numbers,
    // the lexicon, the fingerprints) over the identification corpus,
    // repeated to 10,000 observations, one observation per device.
    let identifier = Knowledge::load(None).unwrap().identifier;
    let corpus = corpus_observations(10_000);
    let named = corpus
        .iter()
        .filter(|o| identifier.identify(std::slice::from_ref(o)).is_some())
        .count();
    let mut g = c.benchmark_group("identify");
    g.throughput(Throughput::Elements(corpus.len() as u64));
    g.sample_size(10);
    g.bench_function(
        format!("Identifier::identify (10,000 corpus observations, {named} named)"),
        |b| {
            b.iter(|| {
                for o in &corpus {
                    black_box(identifier.identify(std::slice::from_ref(black_box(o))));
                }
            })
        },
    );
    // With a recog checkout (STADSCAN_RECOG_DIR=.../recog/xml): loading it,
    // the first pass (which compiles the patterns it tries) and the steady
    // state.
    if let Some(dir) = std::env::var_os("STADSCAN_RECOG_DIR") {
        let dir = std::path::PathBuf::from(dir);
        let started = std::time::Instant::now();
        let recog = Recog::load(&dir).unwrap();
        let load = started.elapsed();
        let mut with_recog = (*identifier).clone();
        with_recog.recog = Some(recog);
        let started = std::time::Instant::now();
        let named = corpus
            .iter()
            .filter(|o| with_recog.identify(std::slice::from_ref(o)).is_some())
            .count();
        eprintln!(
            "recog: {} fingerprints loaded in {:.1} ms; first pass over 10,000 observations \
             (compiling what it tries) {:.1} ms, {named} named",
            with_recog
                .recog
                .as_ref()
                .map_or(0, |r| r.stats.fingerprints),
            load.as_secs_f64() * 1e3,
            started.elapsed().as_secs_f64() * 1e3
        );
        g.bench_function(
            format!("Identifier::identify with recog (10,000 corpus observations, {named} named)"),
            |b| {
                b.iter(|| {
                    for o in &corpus {
                        black_box(with_recog.identify(std::slice::from_ref(black_box(o))));
                    }
                })
            },
        );
        g.bench_function("Recog::load", |b| {
            b.iter(|| black_box(Recog::load(&dir).unwrap().stats.fingerprints))
        });
    }
    g.finish();

    let mut g = c.benchmark_group("checks");
    g.throughput(Throughput::Elements(n));
    g.bench_function(
        format!(
            "evaluate ({n} observations, {} checks, {findings} findings)",
            catalogue.checks.len()
        ),
        |b| {
            b.iter(|| {
                for o in &obs {
                    black_box(catalogue.evaluate(black_box(o), "127.42.0.1"));
                }
            })
        },
    );
    g.finish();
}

/// The three TLS servers of bench/tls-vs-sslyze.sh as the enumeration profiles them.
fn profiles() -> Vec<(&'static str, TlsProfile)> {
    let legacy = TlsProfile {
        versions: vec![
            VersionProfile::new(wire::TLS11, &[0xC013, 0x002F, 0x0035], Some(true)),
            VersionProfile::new(wire::TLS10, &[0xC013, 0x002F, 0x0035], Some(true)),
        ],
        groups: vec![0x001D, 0x0017, 0x0018],
        secure_renegotiation: Some(true),
        extended_master_secret: Some(true),
        compression: Some(false),
        ..TlsProfile::default()
    };
    let dhe = TlsProfile {
        versions: vec![VersionProfile::new(
            wire::TLS12,
            &[0x009E, 0x009F],
            Some(false),
        )],
        dh: Some(DhParams {
            bits: 2048,
            group: Some("ffdhe2048".into()),
        }),
        secure_renegotiation: Some(true),
        extended_master_secret: Some(true),
        compression: Some(false),
        sha1_kex_signature: Some(false),
        ..TlsProfile::default()
    };
    let modern = TlsProfile {
        versions: vec![VersionProfile::new(
            wire::TLS13,
            &[0x1302, 0x1303, 0x1301],
            Some(true),
        )],
        groups: vec![0x001D, 0x0017, 0x0018],
        ..TlsProfile::default()
    };
    vec![("legacy", legacy), ("dhe", dhe), ("modern", modern)]
}

fn der_of(pem: &str) -> Vec<u8> {
    let b64: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
    stadscan::proto::http::base64_decode(&b64).expect("valid base64")
}

fn bench_tls_verdict(c: &mut Criterion) {
    let policy = Policy::embedded(DEFAULT_POLICY).unwrap();
    let mut g = c.benchmark_group("tls verdict");
    for (name, p) in profiles() {
        g.bench_function(format!("judge profile ({name})"), |b| {
            b.iter(|| {
                let mut facts = Facts::new();
                verdict::judge(black_box(&p), &policy, &mut facts);
                black_box(facts)
            })
        });
    }
    let chains = [
        (
            "RSA-1024/SHA-1",
            der_of(include_str!(
                "../crates/stadscan-lab/src/lab-legacy-cert.pem"
            )),
        ),
        (
            "lab CA",
            der_of(include_str!("../crates/stadscan-lab/src/lab-ca.pem")),
        ),
    ];
    for (name, der) in &chains {
        g.bench_function(format!("judge chain ({name})"), |b| {
            b.iter(|| {
                let mut facts = Facts::new();
                verdict::judge_chain(black_box(std::slice::from_ref(der)), &policy, &mut facts);
                black_box(facts)
            })
        });
    }
    g.finish();
}

criterion_group! {
    name = checks;
    config = common::config();
    targets = bench_load, bench_fingerprints_and_checks, bench_tls_verdict
}
criterion_main!(checks);
