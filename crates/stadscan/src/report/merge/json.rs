//! Joins the JSON reports of the shards of one scope into the report one
//! unsharded scan would have written. Shards take whole addresses, so the
//! assets are folded again per address and keep their identities, except a
//! certificate key that turns out to be shared between addresses of
//! different shards: as in one scan, those devices fall back to address
//! identity. Findings follow their asset and are kept once per fingerprint.
//!
//! Compliance is recomputed, not averaged: a control fails when a merged
//! finding comes from one of its checks; otherwise its evidence is the sum
//! of the shards' (shards hold disjoint addresses) and judged as one scan's
//! would be: a pass needs evidence, every required kind, and no device left
//! unidentified where identity is the evidence. That needs every shard to have judged the
//! same catalogue with the same checks; when they did not, the section is
//! dropped and a note says why.
//!
//! The shards are read into, and the merged report written from, the one
//! `ReportDoc` of `report::json`.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::net::IpAddr;

use serde_json::{Map, Value};

use super::MergeError;
use crate::assets::certificate_key;
use crate::compliance::{Reason, Status, judge};
use crate::model::{Asset, Finding, IdentityKind};
use crate::report::json::{
    ComplianceDoc, Counts, Fields, ReportDoc, Stats, Summary, Unreadable, sort_findings,
};
use crate::report::{Note, NoteLevel};

/// A note of the merge itself (in English only).
fn note(level: NoteLevel, message: String) -> Note {
    Note {
        level,
        message,
        message_nl: None,
    }
}

/// The shards' counters added up. `addresses` and `ports` describe the
/// scope, the same in every shard; the rest are counters of work done,
/// summed (`elapsed_ms` too: the shards' time together, not the wall time
/// of the whole).
#[derive(Default)]
struct StatsSum {
    stats: Stats,
    /// Summed by name, so a counter added later is summed, not lost.
    net: BTreeMap<String, u64>,
    /// Host discovery: the mode and liveness ports are the scope's, the
    /// same in every shard; `addresses_alive` is summed (shards hold
    /// disjoint addresses).
    discovery: Option<Map<String, Value>>,
}

impl StatsSum {
    fn add(&mut self, other: Stats) {
        let s = &mut self.stats;
        s.addresses = s.addresses.max(other.addresses);
        s.ports = s.ports.max(other.ports);
        s.positions_done += other.positions_done;
        s.open_tcp += other.open_tcp;
        s.udp_answers += other.udp_answers;
        s.elapsed_ms += other.elapsed_ms;
        for (k, v) in other.net.0 {
            *self.net.entry(k).or_default() += v;
        }
        if let Some(d) = other.discovery {
            let d: Map<String, Value> = d.0.into_iter().collect();
            match &mut self.discovery {
                None => self.discovery = Some(d),
                Some(mine) => {
                    let alive = |m: &Map<String, Value>| {
                        m.get("addresses_alive")
                            .and_then(Value::as_u64)
                            .unwrap_or(0)
                    };
                    let sum = alive(mine) + alive(&d);
                    mine.insert("addresses_alive".into(), sum.into());
                }
            }
        }
    }

    /// The sums, in name order. The window of jobs in flight was each
    /// shard's own: the merged report has none.
    fn into_stats(self) -> Stats {
        Stats {
            net: self.net.into_iter().collect(),
            discovery: self
                .discovery
                .map(|d| d.into_iter().collect::<Fields<Value>>()),
            window: None,
            ..self.stats
        }
    }
}

/// Merges (file name, JSON report text) pairs into one JSON report.
pub fn merge_json(inputs: &[(String, String)]) -> Result<Vec<u8>, MergeError> {
    merge_json_docs(super::parse_docs(inputs)?)
}

pub(super) fn merge_json_docs(docs: Vec<(String, Value)>) -> Result<Vec<u8>, MergeError> {
    let mut shards = Vec::with_capacity(docs.len());
    for (name, doc) in docs {
        match ReportDoc::read_value(doc) {
            Ok(shard) => shards.push((name, shard)),
            Err(Unreadable::NotReport(source)) => {
                return Err(MergeError::NotReport { name, source });
            }
            Err(Unreadable::Format { format, version }) => {
                return Err(MergeError::Format {
                    name,
                    format,
                    version,
                });
            }
        }
    }
    let Some((first_name, first)) = shards.first() else {
        return Err(MergeError::Empty {
            what: "JSON reports",
        });
    };
    for (name, s) in &shards[1..] {
        if s.run.scope != first.run.scope {
            return Err(MergeError::OtherScope {
                name: name.clone(),
                scope: s.run.scope.clone(),
                first: first_name.clone(),
                first_scope: first.run.scope.clone(),
            });
        }
        if (&s.run.ports_tcp, &s.run.ports_udp) != (&first.run.ports_tcp, &first.run.ports_udp) {
            return Err(MergeError::OtherPorts {
                name: name.clone(),
                first: first_name.clone(),
            });
        }
    }

    let mut notes: Vec<Note> = Vec::new();
    let versions: BTreeSet<&str> = shards
        .iter()
        .map(|(_, s)| s.tool.version.as_str())
        .collect();
    if versions.len() > 1 {
        notes.push(note(
            NoteLevel::Warning,
            format!(
                "the shards were written by different stadscan versions ({}): their checks may differ",
                versions.into_iter().collect::<Vec<_>>().join(", ")
            ),
        ));
    }
    let mut run = first.run.clone();
    // A shard's run number is a row of its own history file.
    run.history_id = None;
    let tool = first.tool.clone();
    let mut stats = StatsSum::default();
    let mut refused = Vec::new();
    let mut shard_notes: Vec<Note> = Vec::new();
    let mut had_history = false;
    let mut by_addr: BTreeMap<IpAddr, Asset> = BTreeMap::new();
    let mut findings: Vec<Finding> = Vec::new();
    let mut compliances: Vec<Option<ComplianceDoc>> = Vec::new();
    let count = shards.len();
    for (_, s) in shards {
        run.started = run.started.min(s.run.started);
        run.finished = run.finished.max(s.run.finished);
        run.complete &= s.run.complete;
        stats.add(s.stats);
        for r in s.refused_addresses {
            if !refused.contains(&r) {
                refused.push(r);
            }
        }
        // Every shard says it is a shard; the merged report is not one.
        for n in s.notes {
            if !n.message.starts_with("shard ") && !shard_notes.contains(&n) {
                shard_notes.push(n);
            }
        }
        had_history |= s.history.is_some();
        for a in s.assets {
            fold_asset(&mut by_addr, a);
        }
        findings.extend(s.findings);
        compliances.push(s.compliance);
    }

    let renamed = shared_keys_to_addresses(&mut by_addr);
    let assets: Vec<Asset> = by_addr.into_values().collect();
    let mut seen = BTreeSet::new();
    let mut kept = Vec::with_capacity(findings.len());
    for mut f in findings {
        if let Some(id) = renamed.get(&(f.asset.clone(), f.endpoint.addr)) {
            f.asset = id.clone();
        }
        if seen.insert(f.key()) {
            kept.push(f);
        }
    }
    let mut findings = kept;
    sort_findings(&mut findings);

    let compliance = match recompute_compliance(compliances, &findings) {
        Ok(c) => c,
        Err(why) => {
            notes.push(note(
                NoteLevel::Warning,
                format!("compliance left out of the merged report: {why}"),
            ));
            None
        }
    };
    notes.push(note(
        NoteLevel::Info,
        format!("joined from {count} shard reports by `stadscan merge`"),
    ));
    if had_history {
        notes.push(note(
            NoteLevel::Info,
            "the shards' history sections describe each shard alone and were left out".into(),
        ));
    }
    notes.extend(shard_notes);

    let doc = ReportDoc {
        format: crate::report::json::FORMAT.to_string(),
        format_version: crate::report::json::FORMAT_VERSION,
        tool,
        run,
        summary: Summary::of(&assets, &findings),
        assets,
        findings,
        refused_addresses: refused,
        notes,
        stats: stats.into_stats(),
        compliance,
        history: None,
    };
    doc.to_json().map_err(MergeError::Encode)
}

/// Adds `a` to the assets by address. The same address twice (a file
/// merged with itself, overlapping shards) is one device: its services are
/// united by endpoint, the first copy winning.
fn fold_asset(by_addr: &mut BTreeMap<IpAddr, Asset>, a: Asset) {
    let Some(have) = by_addr.get_mut(&a.addr) else {
        by_addr.insert(a.addr, a);
        return;
    };
    for o in a.observations {
        if !have.observations.iter().any(|h| h.endpoint == o.endpoint) {
            have.observations.push(o);
        }
    }
    have.observations
        .sort_by_key(|o| (o.endpoint.transport, o.endpoint.port));
    for h in a.hostnames {
        if !have.hostnames.contains(&h) {
            have.hostnames.push(h);
        }
    }
    have.hostnames.sort();
}

/// A certificate key each shard saw on one address may be on several
/// addresses of the whole scope: then, as in one scan, none of them is
/// named by it. Returns (old id, address) -> new id for the findings.
fn shared_keys_to_addresses(
    by_addr: &mut BTreeMap<IpAddr, Asset>,
) -> HashMap<(String, IpAddr), String> {
    let mut owners: HashMap<String, usize> = HashMap::new();
    for a in by_addr.values() {
        if let Some(k) = certificate_key(&a.observations) {
            *owners.entry(k).or_default() += 1;
        }
    }
    // Two addresses with one key id are shared too, even when the facts
    // that named it were not written out.
    let mut id_owners: HashMap<&str, usize> = HashMap::new();
    for a in by_addr.values() {
        *id_owners.entry(a.id.as_str()).or_default() += 1;
    }
    let shared: Vec<IpAddr> = by_addr
        .values()
        .filter(|a| a.identity == IdentityKind::CertificateKey)
        .filter(|a| {
            id_owners.get(a.id.as_str()).copied().unwrap_or(0) > 1
                || certificate_key(&a.observations)
                    .is_some_and(|k| owners.get(&k).copied().unwrap_or(0) > 1)
        })
        .map(|a| a.addr)
        .collect();
    let mut renamed = HashMap::new();
    for addr in shared {
        if let Some(a) = by_addr.get_mut(&addr) {
            let id = format!("address:{addr}");
            renamed.insert((std::mem::replace(&mut a.id, id.clone()), addr), id);
            a.identity = IdentityKind::Address;
        }
    }
    renamed
}

/// Why the shards' compliance cannot be judged again over the merged
/// findings (the merged report then carries none, and says why).
#[derive(Debug, thiserror::Error)]
enum Unjudged {
    #[error("some shards carry no compliance section")]
    Missing,
    #[error("the shards were judged against different baselines ({0} and {1})")]
    Baselines(String, String),
    #[error("the shards judged the controls with different checks (other check data?)")]
    Checks,
}

/// The shards' compliance judged again over the merged findings (see the
/// module comment). `Ok(None)` when no shard carried the section.
fn recompute_compliance(
    shards: Vec<Option<ComplianceDoc>>,
    findings: &[Finding],
) -> Result<Option<ComplianceDoc>, Unjudged> {
    if shards.iter().all(Option::is_none) {
        return Ok(None);
    }
    if shards.iter().any(Option::is_none) {
        return Err(Unjudged::Missing);
    }
    let mut shards = shards.into_iter().flatten();
    let Some(mut merged) = shards.next() else {
        return Ok(None);
    };
    let rest: Vec<ComplianceDoc> = shards.collect();
    for other in &rest {
        if other.baseline != merged.baseline {
            return Err(Unjudged::Baselines(
                merged.baseline.clone(),
                other.baseline.clone(),
            ));
        }
        let same_controls = other.controls.len() == merged.controls.len()
            && other
                .controls
                .iter()
                .zip(&merged.controls)
                .all(|(a, b)| a.reference == b.reference && a.checks == b.checks);
        if !same_controls {
            return Err(Unjudged::Checks);
        }
        for (c, o) in merged.controls.iter_mut().zip(&other.controls) {
            for (k, n) in &o.evidence {
                *c.evidence.entry(*k).or_default() += n;
            }
            c.unidentified += o.unidentified;
            if o.reason == Some(Reason::DiscoverOnly) {
                c.reason = o.reason;
            }
        }
    }
    let mut counts = Counts::default();
    for c in &mut merged.controls {
        let checks: BTreeSet<&str> = c.checks.iter().map(String::as_str).collect();
        let mut failed_rules: BTreeMap<String, usize> = BTreeMap::new();
        let mut assets: BTreeSet<String> = BTreeSet::new();
        for f in findings
            .iter()
            .filter(|f| checks.contains(f.check_id.as_str()))
        {
            *failed_rules.entry(f.check_id.clone()).or_default() += 1;
            assets.insert(f.asset.clone());
        }
        let findings_here: usize = failed_rules.values().sum();
        let discover_only = c.reason == Some(Reason::DiscoverOnly);
        let (status, reason) = if c.status == Status::NotTestable.as_str() {
            (Status::NotTestable, None)
        } else if findings_here > 0 {
            (Status::Fail, None)
        } else {
            judge(&c.evidence, &c.requires, c.unidentified, discover_only)
        };
        c.reason = reason;
        match status {
            Status::Pass => counts.pass += 1,
            Status::Fail => counts.fail += 1,
            Status::NotTested => counts.not_tested += 1,
            Status::NotTestable => counts.not_testable += 1,
        }
        c.status = status.as_str().into();
        c.failed_rules = failed_rules;
        c.findings = findings_here;
        c.assets = assets.into_iter().collect();
    }
    merged.counts = counts;
    Ok(Some(merged))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    const KEY: &str = "4f9c2a7be01d3c5a6b7e8f9012345678aabbccddeeff00112233445566778899";

    fn asset(addr: &str, id: &str, identity: &str, key: Option<&str>) -> Value {
        let mut facts = json!({});
        if let Some(k) = key {
            facts["cert.spki_sha256"] = json!(k);
        }
        json!({
            "id": id, "identity": identity, "addr": addr,
            "origin": {"kind": "network", "index": 0}, "class": "camera",
            "observations": [{
                "endpoint": {"addr": addr, "port": 443, "transport": "tcp"},
                "protocol": "http", "tls": true, "status": "ok", "facts": facts, "elapsed_ms": 3
            }]
        })
    }

    fn finding(addr: &str, asset: &str, check: &str) -> Value {
        json!({
            "check_id": check, "category": "cert-untrusted", "severity": "medium",
            "confidence": "high", "endpoint": {"addr": addr, "port": 443, "transport": "tcp"},
            "service": "https", "asset": asset, "message": "m", "evidence": {},
            "controls": ["bio2:8.24"]
        })
    }

    fn control(reference: &str, status: &str, checks: &[&str]) -> Value {
        json!({"id": reference, "reference": reference, "title_en": "t", "status": status,
               "checks": checks, "failed_rules": {}, "findings": 0, "assets": []})
    }

    fn report(assets: Value, findings: Value, controls: Value, complete: bool) -> Value {
        json!({
            "format": "stadscan-report", "format_version": 1,
            "tool": {"name": "stadscan", "version": "0.1.0"},
            "run": {"scope": "city", "scope_file": "city.toml",
                    "started": "2026-11-29T01:00:00Z", "finished": "2026-11-29T01:05:00Z",
                    "complete": complete, "ports_tcp": [443], "ports_udp": []},
            "summary": {},
            "assets": assets, "findings": findings,
            "refused_addresses": [{"host": "evil.test", "addr": "8.8.8.8", "reason": "outside the scope"}],
            "notes": [{"level": "info", "message": "shard 0/2: this run covers one slice"},
                      {"level": "warning", "message": "name x.test did not resolve"}],
            "stats": {"addresses": 256, "ports": 1, "positions_done": 128, "open_tcp": 1,
                      "udp_answers": 0, "elapsed_ms": 100,
                      "net": {"connects": 128, "open": 1, "refused": 127, "timeouts": 0,
                              "datagrams": 0, "gate_refusals": 0},
                      "discovery": {"hosts": "probe", "liveness_tcp": [443], "icmp": false,
                                    "addresses_alive": 3}},
            "compliance": {"baseline": "bio2", "title": "BIO2",
                           "counts": {"pass": 0, "fail": 0, "not_tested": 0, "not_testable": 0},
                           "controls": controls}
        })
    }

    fn merged(docs: &[&Value]) -> Value {
        let docs = docs
            .iter()
            .enumerate()
            .map(|(i, d)| (format!("s{i}.json"), (*d).clone()))
            .collect();
        serde_json::from_slice(&merge_json_docs(docs).unwrap()).unwrap()
    }

    fn controls_of(doc: &Value) -> BTreeMap<String, String> {
        doc["compliance"]["controls"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| {
                (
                    c["reference"].as_str().unwrap().to_string(),
                    c["status"].as_str().unwrap().to_string(),
                )
            })
            .collect()
    }

    #[test]
    fn joins_assets_sums_stats_and_recomputes_the_summary() {
        let a = report(
            json!([asset("10.0.0.1", "address:10.0.0.1", "address", None)]),
            json!([finding("10.0.0.1", "address:10.0.0.1", "cert-a")]),
            json!([control("bio2:8.24", "fail", &["cert-a"])]),
            true,
        );
        let b = report(
            json!([asset("10.0.0.2", "address:10.0.0.2", "address", None)]),
            json!([]),
            json!([control("bio2:8.24", "pass", &["cert-a"])]),
            true,
        );
        let m = merged(&[&a, &b]);
        assert_eq!(m["assets"].as_array().unwrap().len(), 2);
        assert_eq!(m["summary"]["assets"], 2);
        assert_eq!(m["summary"]["findings"], 1);
        assert_eq!(m["summary"]["by_severity"]["medium"], 1);
        assert_eq!(m["stats"]["positions_done"], 256);
        assert_eq!(m["stats"]["discovery"]["addresses_alive"], 6);
        assert_eq!(m["stats"]["discovery"]["hosts"], "probe");
        assert_eq!(m["stats"]["net"]["connects"], 256);
        // The scope's size is the same in every shard: not summed.
        assert_eq!(m["stats"]["addresses"], 256);
        assert_eq!(m["refused_addresses"].as_array().unwrap().len(), 1);
        let notes: Vec<&str> = m["notes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|n| n["message"].as_str().unwrap())
            .collect();
        assert!(!notes.iter().any(|n| n.starts_with("shard ")), "{notes:?}");
        assert_eq!(
            notes
                .iter()
                .filter(|n| n.contains("did not resolve"))
                .count(),
            1
        );
        assert_eq!(m["run"]["complete"], true);
        assert_eq!(controls_of(&m)["bio2:8.24"], "fail");
        assert_eq!(m["compliance"]["controls"][0]["findings"], 1);
        assert_eq!(m["compliance"]["counts"]["fail"], 1);
    }

    #[test]
    fn merging_a_report_with_itself_duplicates_nothing() {
        let a = report(
            json!([asset("10.0.0.1", "address:10.0.0.1", "address", None)]),
            json!([finding("10.0.0.1", "address:10.0.0.1", "cert-a")]),
            json!([control("bio2:8.24", "fail", &["cert-a"])]),
            true,
        );
        let m = merged(&[&a, &a]);
        assert_eq!(m["assets"].as_array().unwrap().len(), 1);
        assert_eq!(m["assets"][0]["observations"].as_array().unwrap().len(), 1);
        assert_eq!(m["findings"].as_array().unwrap().len(), 1);
        assert_eq!(m["compliance"]["controls"][0]["findings"], 1);
    }

    #[test]
    fn compliance_passes_when_one_shard_judged_and_none_failed() {
        // The shards' evidence adds up (they hold disjoint addresses); a
        // required kind no shard saw keeps the control not tested.
        let controls = |s: &str, tls: usize, identified: usize, unidentified: usize| {
            let mut c824 = control("bio2:8.24", s, &["cert-a"]);
            c824["evidence"] = json!({"tls-endpoint": tls});
            c824["requires"] = json!(["tls-endpoint"]);
            let mut c59 = control("bio2:5.9", s, &[]);
            c59["evidence"] = json!({"device-identity": identified});
            c59["unidentified"] = json!(unidentified);
            json!([c824, c59, control("bio2:8.15", "not-testable", &[])])
        };
        let a = report(json!([]), json!([]), controls("not-tested", 0, 0, 0), true);
        let b = report(json!([]), json!([]), controls("pass", 2, 3, 0), true);
        let c = report(json!([]), json!([]), controls("not-tested", 0, 1, 2), true);
        let m = merged(&[&a, &b]);
        assert_eq!(controls_of(&m)["bio2:8.24"], "pass");
        assert_eq!(
            m["compliance"]["controls"][0]["evidence"]["tls-endpoint"],
            2
        );
        assert_eq!(controls_of(&m)["bio2:5.9"], "pass");
        assert_eq!(controls_of(&m)["bio2:8.15"], "not-testable");
        assert_eq!(m["compliance"]["counts"]["pass"], 2);
        assert_eq!(m["compliance"]["counts"]["not_testable"], 1);
        let m = merged(&[&a, &c]);
        assert_eq!(controls_of(&m)["bio2:8.24"], "not-tested");
        assert_eq!(
            m["compliance"]["controls"][0]["reason"],
            json!({"code": "missing", "evidence": "tls-endpoint"})
        );
        // One shard's unidentified devices stop the other's pass.
        let m = merged(&[&b, &c]);
        assert_eq!(controls_of(&m)["bio2:5.9"], "not-tested");
        assert_eq!(m["compliance"]["controls"][1]["unidentified"], 2);
    }

    #[test]
    fn compliance_of_different_checks_is_dropped_with_a_note() {
        let a = report(
            json!([]),
            json!([]),
            json!([control("bio2:8.24", "pass", &["cert-a"])]),
            true,
        );
        let b = report(
            json!([]),
            json!([]),
            json!([control("bio2:8.24", "pass", &["cert-b"])]),
            true,
        );
        let m = merged(&[&a, &b]);
        assert!(m.get("compliance").is_none());
        assert!(
            m["notes"].as_array().unwrap().iter().any(|n| n["message"]
                .as_str()
                .unwrap()
                .starts_with("compliance left out")),
            "{}",
            m["notes"]
        );
    }

    #[test]
    fn one_interrupted_shard_makes_the_merge_incomplete() {
        let a = report(json!([]), json!([]), json!([]), true);
        let b = report(json!([]), json!([]), json!([]), false);
        assert_eq!(merged(&[&a, &b])["run"]["complete"], false);
    }

    #[test]
    fn a_key_two_shards_each_saw_once_falls_back_to_addresses() {
        // Two cameras with one factory certificate, in different shards:
        // each shard named its camera by the key.
        let id = crate::assets::certificate_identity(KEY);
        let shard = |addr: &str| {
            report(
                json!([asset(addr, &id, "certificate-key", Some(KEY))]),
                json!([finding(addr, &id, "cert-a")]),
                json!([control("bio2:8.24", "fail", &["cert-a"])]),
                true,
            )
        };
        let m = merged(&[&shard("10.0.0.1"), &shard("10.0.0.2")]);
        let assets = m["assets"].as_array().unwrap();
        assert_eq!(assets.len(), 2, "two devices, not one");
        for a in assets {
            assert_eq!(a["id"], format!("address:{}", a["addr"].as_str().unwrap()));
            assert_eq!(a["identity"], "address");
        }
        let findings = m["findings"].as_array().unwrap();
        assert_eq!(findings.len(), 2, "one finding per device");
        for f in findings {
            assert_eq!(
                f["asset"],
                format!("address:{}", f["endpoint"]["addr"].as_str().unwrap())
            );
        }
        assert_eq!(
            m["compliance"]["controls"][0]["assets"],
            json!(["address:10.0.0.1", "address:10.0.0.2"])
        );
    }

    #[test]
    fn a_key_seen_once_in_the_whole_scope_keeps_its_identity() {
        let id = crate::assets::certificate_identity(KEY);
        let a = report(
            json!([asset("10.0.0.1", &id, "certificate-key", Some(KEY))]),
            json!([]),
            json!([]),
            true,
        );
        let b = report(
            json!([asset("10.0.0.2", "address:10.0.0.2", "address", None)]),
            json!([]),
            json!([]),
            true,
        );
        assert_eq!(merged(&[&a, &b])["assets"][0]["id"], json!(id));
    }

    #[test]
    fn refuses_reports_of_different_scopes_or_formats() {
        let a = report(json!([]), json!([]), json!([]), true);
        let mut b = a.clone();
        b["run"]["scope"] = json!("other");
        let err = merge_json_docs(vec![("a.json".into(), a.clone()), ("b.json".into(), b)])
            .unwrap_err()
            .to_string();
        assert!(err.contains("one scope"), "{err}");
        let mut c = a.clone();
        c["format_version"] = json!(99);
        let err = merge_json_docs(vec![("a.json".into(), a), ("c.json".into(), c)])
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("c.json") && err.contains("version 99"),
            "{err}"
        );
    }
}
