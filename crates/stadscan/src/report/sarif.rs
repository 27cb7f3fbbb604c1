//! SARIF 2.1.0 for GitHub code scanning and other consumers.
//!
//! The contract (DESIGN.md): one run; a file also with zero results; every
//! result located in the scope file at the line of the entry that brought
//! the target in, with the endpoint as logical location; rule indexes from a
//! map; fingerprints of our own (rule + stable asset identity + port +
//! transport) so an alert stays one alert across runs and address changes.

use std::collections::BTreeMap;

use serde_json::{Value, json};
use serde_sarif::sarif::{
    ArtifactLocation, Invocation, Location, LogicalLocation, Message, MultiformatMessageString,
    Notification, PhysicalLocation, PropertyBag, Region, ReportingConfiguration,
    ReportingDescriptor, Result as SarifResult, ResultLevel, Run, RunAutomationDetails, Sarif,
    Tool, ToolComponent,
};

use super::html::Lang;
use super::{NoteLevel, Report};
use crate::check::Check;
use crate::compliance::Status;
use crate::model::{Confidence, Finding, Severity, rfc3339};

/// The JSON schema the SARIF log's `$schema` names (SARIF 2.1.0).
pub const SCHEMA_URI: &str = "https://json.schemastore.org/sarif-2.1.0.json";
/// The tool's home page, the SARIF driver's `informationUri`.
pub const INFORMATION_URI: &str = "https://github.com/stadscan/stadscan";
/// Key of our fingerprint in `partialFingerprints`; the same value is given
/// as `primaryLocationLineHash` so upload tools do not compute a line hash
/// (which would merge every host of one scope line into one alert).
pub const FINGERPRINT_KEY: &str = "stadscanFinding/v1";

/// SARIF level for a severity. Medium is a warning, never a note.
pub fn level(s: Severity) -> ResultLevel {
    match s {
        Severity::Critical | Severity::High => ResultLevel::Error,
        Severity::Medium => ResultLevel::Warning,
        Severity::Low | Severity::Info => ResultLevel::Note,
    }
}

/// `automationDetails.id`: stable per scope, so each site or segment is its
/// own code-scanning category and replaces only its own previous results.
pub fn automation_id(scope_name: &str) -> String {
    format!("stadscan/{}/", slug(scope_name))
}

fn slug(s: &str) -> String {
    let mut out = String::new();
    for c in s.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.ends_with('-') {
            out.push('-');
        }
    }
    let t = out.trim_matches('-').to_string();
    if t.is_empty() { "scope".into() } else { t }
}

fn text(s: impl Into<String>) -> MultiformatMessageString {
    MultiformatMessageString::builder().text(s.into()).build()
}

fn bag(map: BTreeMap<String, Value>, tags: Option<Vec<String>>) -> PropertyBag {
    match tags {
        Some(t) => PropertyBag::builder()
            .tags(t)
            .additional_properties(map)
            .build(),
        None => PropertyBag::builder().additional_properties(map).build(),
    }
}

fn precision(c: Confidence) -> &'static str {
    match c {
        Confidence::High => "high",
        Confidence::Medium => "medium",
        Confidence::Low => "low",
    }
}

fn rule(check: &Check, report: &Report) -> ReportingDescriptor {
    let mut tags = vec!["security".to_string(), check.category.as_str().to_string()];
    // GitHub keeps 10 tags at most; controls beyond that stay in `controls`.
    tags.extend(check.controls.iter().take(8).cloned());
    let mut props = BTreeMap::new();
    props.insert(
        "security-severity".to_string(),
        json!(format!("{:.1}", check.security_severity)),
    );
    props.insert("precision".to_string(), json!(precision(check.confidence)));
    props.insert(
        "problem.severity".to_string(),
        json!(match check.severity {
            Severity::Critical | Severity::High => "error",
            Severity::Medium => "warning",
            _ => "recommendation",
        }),
    );
    props.insert("category".to_string(), json!(check.category.as_str()));
    props.insert("controls".to_string(), json!(check.controls));
    ReportingDescriptor::builder()
        .id(check.id.clone())
        .name(check.name.clone())
        .short_description(text(check.title.clone()))
        .full_description(text(check.description.replace('\n', " ")))
        .help(
            MultiformatMessageString::builder()
                .text(help_text(check, report))
                .markdown(help_markdown(check, report))
                .build(),
        )
        .default_configuration(
            ReportingConfiguration::builder()
                .level(json!(level(check.severity)))
                .build(),
        )
        .properties(bag(props, Some(tags)))
        .build()
}

fn control_lines(check: &Check, report: &Report, markdown: bool) -> Vec<String> {
    check
        .controls
        .iter()
        .map(|c| {
            let title = report
                .baselines
                .control(c)
                .map(|ctl| ctl.title_en.clone())
                .unwrap_or_default();
            if markdown {
                format!("- `{c}` {title}")
            } else {
                format!("- {c} {title}")
            }
        })
        .collect()
}

fn help_text(check: &Check, report: &Report) -> String {
    format!(
        "{}\n\nWhy it matters: {}\n\nHow to fix: {}\n\nBaseline controls:\n{}",
        check.title,
        check.description.replace('\n', " "),
        check.remediation.replace('\n', " "),
        control_lines(check, report, false).join("\n")
    )
}

fn help_markdown(check: &Check, report: &Report) -> String {
    let mut md = format!(
        "**{}**\n\n### Why it matters\n{}\n\n### How to fix\n{}\n\n### Baseline controls\n{}\n",
        check.title,
        check.description.replace('\n', " "),
        check.remediation.replace('\n', " "),
        control_lines(check, report, true).join("\n")
    );
    if !check.references.is_empty() {
        md.push_str("\n### References\n");
        for r in &check.references {
            md.push_str(&format!("- <{r}>\n"));
        }
    }
    md
}

fn result(f: &Finding, report: &Report, index: usize) -> SarifResult {
    let asset = report.asset(&f.asset);
    let line = asset.map_or(1, |a| report.scope.line_of(a.origin)).max(1);
    let fp = f.key();
    let fp_key = fp.clone();
    let physical = PhysicalLocation::builder()
        .artifact_location(
            ArtifactLocation::builder()
                .uri(report.scope_uri.clone())
                .build(),
        )
        .region(Region::builder().start_line(line as i64).build())
        .build();
    let logical = LogicalLocation::builder()
        .fully_qualified_name(f.endpoint.to_string())
        .name(f.endpoint.to_string())
        .kind("resource")
        .build();
    let location = Location::builder()
        .physical_location(physical)
        .logical_locations(vec![logical])
        .build();
    let mut props = BTreeMap::new();
    props.insert("host".into(), json!(f.endpoint.addr.to_string()));
    props.insert("port".into(), json!(f.endpoint.port));
    props.insert("transport".into(), json!(f.endpoint.transport.as_str()));
    props.insert("service".into(), json!(f.service));
    props.insert("asset".into(), json!(f.asset));
    if let Some(h) = &f.hostname {
        props.insert("hostname".into(), json!(h));
    }
    props.insert("severity".into(), json!(f.severity.as_str()));
    props.insert("category".into(), json!(f.category.as_str()));
    props.insert("confidence".into(), json!(precision(f.confidence)));
    props.insert("controls".into(), json!(f.controls));
    props.insert("evidence".into(), json!(f.evidence));
    if let Some(a) = asset {
        if let Some(l) = &a.label {
            props.insert("label".into(), json!(l));
        }
        props.insert("deviceClass".into(), json!(a.class));
    }
    let fingerprints = BTreeMap::from([
        (FINGERPRINT_KEY.to_string(), fp.clone()),
        ("primaryLocationLineHash".to_string(), fp),
    ]);
    let state = report
        .history
        .as_ref()
        .and_then(|h| h.changes.as_ref())
        .and_then(|c| c.states.get(&fp_key))
        .copied();
    let mut result = SarifResult::builder()
        .rule_id(f.check_id.clone())
        .rule_index(index as i64)
        .level(level(f.severity))
        .message(Message::builder().text(f.message.clone()).build())
        .locations(vec![location])
        .partial_fingerprints(fingerprints)
        .properties(bag(props, None))
        .build();
    if let Some(s) = state {
        result.baseline_state = Some(json!(s.as_str()));
    }
    result
}

/// A finding of the previous run that this run lacks, as a result with
/// baselineState `absent` (only with `--sarif-absent`).
fn absent_result(
    c: &crate::history::Change,
    report: &Report,
    index: usize,
    since: i64,
) -> SarifResult {
    let line = report
        .asset(&c.asset)
        .map_or(1, |a| report.scope.line_of(a.origin))
        .max(1);
    let location = Location::builder()
        .physical_location(
            PhysicalLocation::builder()
                .artifact_location(
                    ArtifactLocation::builder()
                        .uri(report.scope_uri.clone())
                        .build(),
                )
                .region(Region::builder().start_line(line as i64).build())
                .build(),
        )
        .logical_locations(vec![
            LogicalLocation::builder()
                .fully_qualified_name(c.endpoint.clone())
                .name(c.endpoint.clone())
                .kind("resource")
                .build(),
        ])
        .build();
    let fingerprints = BTreeMap::from([
        (FINGERPRINT_KEY.to_string(), c.key.clone()),
        ("primaryLocationLineHash".to_string(), c.key.clone()),
    ]);
    let mut props = BTreeMap::new();
    // `127.0.0.5:443/tcp` or `[::1]:161/udp`
    if let Some((addr_port, transport)) = c.endpoint.rsplit_once('/')
        && let Some((host, port)) = addr_port.rsplit_once(':')
    {
        props.insert(
            "host".into(),
            json!(host.trim_start_matches('[').trim_end_matches(']')),
        );
        props.insert("port".into(), json!(port.parse::<u16>().unwrap_or(0)));
        props.insert("transport".into(), json!(transport));
    }
    props.insert("asset".into(), json!(c.asset));
    props.insert("severity".into(), json!(c.severity.as_str()));
    // The time belongs to the properties: a message stays the same.
    props.insert("lastSeenRun".into(), json!(rfc3339(since)));
    let mut result = SarifResult::builder()
        .rule_id(c.rule.clone())
        .rule_index(index as i64)
        .level(ResultLevel::None)
        .properties(bag(props, None))
        .message(
            Message::builder()
                .text(format!(
                    "No longer found (present in the previous run): {}",
                    c.message
                ))
                .build(),
        )
        .locations(vec![location])
        .partial_fingerprints(fingerprints)
        .build();
    result.baseline_state = Some(json!("absent"));
    result
}

/// Builds the SARIF log of a run.
pub fn build(report: &Report) -> Sarif {
    let index: BTreeMap<&str, usize> = report
        .checks
        .checks
        .iter()
        .enumerate()
        .map(|(i, c)| (c.id.as_str(), i))
        .collect();
    let rules: Vec<ReportingDescriptor> = report
        .checks
        .checks
        .iter()
        .map(|c| rule(c, report))
        .collect();
    let mut findings: Vec<&Finding> = report.findings.iter().collect();
    findings.sort_by(|a, b| (&a.check_id, a.endpoint).cmp(&(&b.check_id, b.endpoint)));
    let mut results: Vec<SarifResult> = findings
        .iter()
        .filter_map(|f| {
            index
                .get(f.check_id.as_str())
                .map(|i| result(f, report, *i))
        })
        .collect();
    let changes = report.history.as_ref().and_then(|h| h.changes.as_ref());
    if let Some(ch) = changes.filter(|_| report.sarif_absent) {
        results.extend(ch.fixed.iter().filter_map(|c| {
            index
                .get(c.rule.as_str())
                .map(|i| absent_result(c, report, *i, ch.previous_started))
        }));
    }

    let notifications: Vec<Notification> = report
        .notes
        .iter()
        .map(|n| {
            Notification::builder()
                .message(Message::builder().text(n.message.clone()).build())
                .level(json!(match n.level {
                    NoteLevel::Info => "note",
                    NoteLevel::Warning => "warning",
                    NoteLevel::Error => "error",
                }))
                .build()
        })
        .collect();
    let invocation = Invocation::builder()
        .execution_successful(report.complete)
        .start_time_utc(rfc3339(report.started))
        .end_time_utc(rfc3339(report.finished))
        .tool_execution_notifications(notifications)
        .build();

    let driver = ToolComponent::builder()
        .name("stadscan")
        .full_name(format!("stadscan {}", env!("CARGO_PKG_VERSION")))
        .version(env!("CARGO_PKG_VERSION"))
        .semantic_version(env!("CARGO_PKG_VERSION"))
        .information_uri(INFORMATION_URI)
        .rules(rules)
        .build();
    let mut run_props = BTreeMap::new();
    run_props.insert("scope".into(), json!(report.scope.name));
    run_props.insert("complete".into(), json!(report.complete));
    run_props.insert("assets".into(), json!(report.assets.len()));
    run_props.insert("stats".into(), json!(report.stats));
    // Lets `stadscan merge` see a key that several shards each saw once.
    run_props.insert("certificateKeys".into(), json!(report.certificate_keys));
    if let Some(c) = &report.compliance {
        let failed: Vec<&str> = c.failed().map(|x| x.reference.as_str()).collect();
        // Each pass with its grounds, each untested control with its reason.
        let passed: BTreeMap<&str, &BTreeMap<_, usize>> = c
            .controls
            .iter()
            .filter(|x| x.status == Status::Pass)
            .map(|x| (x.reference.as_str(), &x.evidence))
            .collect();
        let not_tested: BTreeMap<&str, String> = c
            .controls
            .iter()
            .filter(|x| x.status == Status::NotTested)
            .map(|x| (x.reference.as_str(), x.grounds(Lang::En)))
            .collect();
        run_props.insert(
            "compliance".into(),
            json!({ "baseline": c.baseline, "counts": c.counts, "failed": failed,
                    "passed": passed, "notTested": not_tested }),
        );
    }
    if let Some(h) = &report.history {
        run_props.insert("historyId".into(), json!(h.run_id));
    }
    if let Some(ch) = changes {
        run_props.insert(
            "sinceLastRun".into(),
            json!({
                "previousRunId": ch.previous_id,
                "previousRun": rfc3339(ch.previous_started),
                "new": ch.new.len(),
                "updated": ch.updated.len(),
                "absent": ch.fixed.len(),
                "unchanged": ch.unchanged,
            }),
        );
    }
    let run = Run::builder()
        .tool(Tool::builder().driver(driver).build())
        .automation_details(
            RunAutomationDetails::builder()
                .id(automation_id(&report.scope.name))
                .description(
                    Message::builder()
                        .text(format!("stadscan scan of scope `{}`", report.scope.name))
                        .build(),
                )
                .build(),
        )
        .invocations(vec![invocation])
        .results(results)
        .column_kind(json!("utf16CodeUnits"))
        .properties(bag(run_props, None))
        .build();
    Sarif::builder()
        .schema(SCHEMA_URI)
        .version(json!("2.1.0"))
        .runs(vec![run])
        .build()
}

/// The SARIF log as pretty JSON.
pub fn to_json(report: &Report) -> Vec<u8> {
    let mut v = serde_json::to_vec_pretty(&build(report)).unwrap_or_default();
    v.push(b'\n');
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn medium_is_a_warning_not_a_note() {
        assert_eq!(level(Severity::Medium), ResultLevel::Warning);
        assert_eq!(level(Severity::High), ResultLevel::Error);
        assert_eq!(level(Severity::Critical), ResultLevel::Error);
        assert_eq!(level(Severity::Low), ResultLevel::Note);
        assert_eq!(json!(level(Severity::Medium)), "warning");
    }

    #[test]
    fn automation_id_is_a_stable_slug_category() {
        assert_eq!(
            automation_id("Demo City / Centrum-Oost"),
            "stadscan/demo-city-centrum-oost/"
        );
        assert_eq!(automation_id("***"), "stadscan/scope/");
    }

    #[test]
    fn fingerprint_ignores_the_address_but_not_port_or_rule() {
        let f = |addr: &str, port: u16, rule: &str| Finding {
            check_id: rule.into(),
            category: crate::model::Category::CleartextAdmin,
            severity: Severity::High,
            confidence: Confidence::High,
            endpoint: crate::model::Endpoint::tcp(addr.parse().unwrap(), port),
            service: "telnet".into(),
            asset: "cert-key:abc".into(),
            hostname: None,
            message: String::new(),
            evidence: BTreeMap::new(),
            controls: vec![],
        };
        let a = f("127.0.0.5", 23, "r").key();
        assert_eq!(a, f("127.0.0.9", 23, "r").key(), "same device, new address");
        assert_ne!(a, f("127.0.0.5", 2323, "r").key());
        assert_ne!(a, f("127.0.0.5", 23, "s").key());
        assert_eq!(a.len(), 32);
    }
}
