//! The terminal summary: assets and findings by severity, the findings
//! themselves, and where the outputs went. Device-provided text reaches it
//! only as cleaned facts, so it cannot move the cursor or recolour a terminal.

use std::io::Write;
use std::path::PathBuf;

use super::html::Lang;
use super::{NoteLevel, Report};
use crate::compliance::Status;
use crate::model::{Severity, printable};

/// `1 address`, `3 addresses`.
fn count(n: u128, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// Writes the summary to `out`. `outputs` are (kind, path) pairs.
pub fn write(
    report: &Report,
    outputs: &[(&str, PathBuf)],
    out: &mut dyn Write,
) -> std::io::Result<()> {
    let s = &report.stats;
    writeln!(
        out,
        "stadscan {} · scope \"{}\" ({})",
        env!("CARGO_PKG_VERSION"),
        printable(report.scope.name.as_bytes()),
        report.scope_uri
    )?;
    let services = report
        .assets
        .iter()
        .map(|a| a.observations.len())
        .sum::<usize>();
    let space = format!(
        "{} x {}",
        count(s.addresses, "address", "addresses"),
        count(s.ports as u128, "port", "ports")
    );
    let found = format!(
        "{}, {}",
        count(report.assets.len() as u128, "asset", "assets"),
        count(services as u128, "service", "services")
    );
    let seconds = s.elapsed_ms as f64 / 1000.0;
    if report.complete {
        writeln!(out, "scanned {space} in {seconds:.1} s: {found}")?;
    } else {
        // One unit throughout: positions are (address, port) pairs.
        writeln!(
            out,
            "INTERRUPTED after {} of {} positions (address x port) of {space}, in {seconds:.1} s: \
             partial results, {found}",
            s.positions_done,
            s.addresses.saturating_mul(s.ports as u128),
        )?;
    }
    let counts = report.count_by_severity();
    let line: Vec<String> = Severity::ALL
        .iter()
        .map(|sev| format!("{} {}", counts.get(sev).copied().unwrap_or(0), sev))
        .collect();
    writeln!(out, "inventory:")?;
    let class_width = report
        .assets
        .iter()
        .map(|a| a.class.as_str().len())
        .max()
        .unwrap_or(0)
        .max(8);
    for a in &report.assets {
        let name = [
            a.vendor.as_deref(),
            a.model.as_deref(),
            a.firmware.as_deref(),
        ]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" ");
        let services: Vec<String> = a
            .observations
            .iter()
            .map(|o| format!("{}/{}", o.endpoint.port, o.service()))
            .collect();
        writeln!(
            out,
            "  {:<16} {:<class_width$} {:<34} {}",
            a.addr.to_string(),
            a.class.as_str(),
            printable(if name.is_empty() { "-" } else { &name }.as_bytes()),
            services.join(" ")
        )?;
    }
    writeln!(
        out,
        "findings: {} ({})",
        report.findings.len(),
        line.join(", ")
    )?;
    // Columns as wide as their longest entry, so long rule ids stay aligned.
    let rule_width = report
        .findings
        .iter()
        .map(|f| f.check_id.len())
        .max()
        .unwrap_or(0);
    let endpoint_width = report
        .findings
        .iter()
        .map(|f| f.endpoint.to_string().len())
        .max()
        .unwrap_or(0);
    let mut findings: Vec<_> = report.findings.iter().collect();
    findings.sort_by(|a, b| {
        (b.severity, a.endpoint, &a.check_id).cmp(&(a.severity, b.endpoint, &b.check_id))
    });
    for f in findings {
        writeln!(
            out,
            "  {:<8} {:<rule_width$} {:<endpoint_width$} {}",
            f.severity.as_str().to_uppercase(),
            f.check_id,
            f.endpoint.to_string(),
            printable(f.message.as_bytes())
        )?;
    }
    if let Some(c) = &report.compliance {
        let failed: Vec<&str> = c.failed().map(|x| x.reference.as_str()).collect();
        writeln!(
            out,
            "compliance {}: {} pass, {} fail, {} not tested, {} not testable{}",
            c.baseline,
            c.counts.pass,
            c.counts.fail,
            c.counts.not_tested,
            c.counts.not_testable,
            if failed.is_empty() {
                String::new()
            } else {
                format!(" (failed: {})", failed.join(", "))
            }
        )?;
        // The grounds of each pass, and why the others were not tested.
        let width = c
            .controls
            .iter()
            .map(|x| x.reference.len())
            .max()
            .unwrap_or(0);
        for x in c
            .controls
            .iter()
            .filter(|x| matches!(x.status, Status::Pass | Status::NotTested))
        {
            writeln!(
                out,
                "  {:<10} {:<width$}  {}",
                x.status.as_str(),
                x.reference,
                x.grounds(Lang::En)
            )?;
        }
    }
    match report.history.as_ref().map(|h| h.changes.as_ref()) {
        Some(Some(ch)) => writeln!(
            out,
            "history: run {}; since run {} ({}): {} new, {} updated, {} fixed, {} unchanged",
            report.history.as_ref().map_or(0, |h| h.run_id),
            ch.previous_id,
            crate::model::rfc3339(ch.previous_started),
            ch.new.len(),
            ch.updated.len(),
            ch.fixed.len(),
            ch.unchanged
        )?,
        Some(None) => writeln!(
            out,
            "history: run {}, the first of this scope",
            report.history.as_ref().map_or(0, |h| h.run_id)
        )?,
        None => {}
    }
    for n in &report.notes {
        let tag = match n.level {
            NoteLevel::Info => "note",
            NoteLevel::Warning => "warning",
            NoteLevel::Error => "error",
        };
        writeln!(out, "{tag}: {}", printable(n.message.as_bytes()))?;
    }
    for (kind, path) in outputs {
        writeln!(out, "{kind}: {}", path.display())?;
    }
    Ok(())
}

/// The loaded checks and fingerprints (`stadscan checks`).
pub fn write_checks(
    knowledge: &crate::knowledge_base::Knowledge,
    out: &mut dyn Write,
) -> std::io::Result<()> {
    let checks = &knowledge.checks;
    let id_width = checks
        .checks
        .iter()
        .map(|c| c.id.len())
        .max()
        .unwrap_or(0)
        .max(2);
    writeln!(
        out,
        "{:<id_width$} {:<9} {:<24} title",
        "id", "severity", "category"
    )?;
    for c in &checks.checks {
        writeln!(
            out,
            "{:<id_width$} {:<9} {:<24} {}",
            c.id,
            c.severity.as_str(),
            c.category.as_str(),
            c.title
        )?;
    }
    writeln!(out, "{} checks", checks.checks.len())?;
    let fps = &knowledge.fingerprints;
    let mut classes: Vec<&str> = fps.iter().map(|f| f.class.as_str()).collect();
    classes.sort();
    classes.dedup();
    writeln!(
        out,
        "{} fingerprints covering {}",
        fps.len(),
        classes.join(", ")
    )?;
    writeln!(out)?;
    let advisories: Vec<&crate::firmware::Advisory> = knowledge.advisories.iter().collect();
    let id_width = advisories
        .iter()
        .map(|a| a.id.len())
        .max()
        .unwrap_or(0)
        .max(2);
    writeln!(
        out,
        "{:<id_width$} {:<9} {:<4} {:<24} title",
        "advisory", "severity", "KEV", "CVE"
    )?;
    for a in &advisories {
        writeln!(
            out,
            "{:<id_width$} {:<9} {:<4} {:<24} {}",
            a.id,
            a.severity().as_str(),
            if a.known_exploited(None) { "yes" } else { "no" },
            a.cves.join(" "),
            a.title
        )?;
    }
    writeln!(out, "{} firmware advisories", advisories.len())?;
    Ok(())
}

/// The runs of a history file (`stadscan history list`).
pub fn write_runs(
    runs: &[(crate::history::store::Run, usize)],
    out: &mut dyn Write,
) -> std::io::Result<()> {
    if runs.is_empty() {
        return writeln!(out, "no runs in this history file yet");
    }
    let width = runs
        .iter()
        .map(|(r, _)| r.id.to_string().len())
        .max()
        .unwrap_or(1)
        .max(3);
    writeln!(
        out,
        "{:>width$}  {:<20}  {:<10}  {:>8}  scope",
        "run", "started", "state", "findings"
    )?;
    for (r, findings) in runs {
        writeln!(
            out,
            "{:>width$}  {:<20}  {:<10}  {:>8}  {}",
            r.id,
            crate::model::rfc3339(r.started),
            r.state.as_str(),
            findings,
            printable(r.scope_name.as_bytes())
        )?;
    }
    Ok(())
}
