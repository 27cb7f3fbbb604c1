//! The terminal summary: assets and findings by severity, the findings
//! themselves, and where the outputs went. Device-provided text reaches it
//! only as cleaned facts, so it cannot move the cursor or recolour a terminal.

use std::io::Write;
use std::path::PathBuf;

use super::{NoteLevel, Report};
use crate::model::{Severity, printable};

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
    writeln!(
        out,
        "scanned {} addresses x {} ports in {:.1} s: {} assets, {} services{}",
        s.addresses,
        s.ports,
        s.elapsed_ms as f64 / 1000.0,
        report.assets.len(),
        report
            .assets
            .iter()
            .map(|a| a.observations.len())
            .sum::<usize>(),
        if report.complete {
            ""
        } else {
            " (INTERRUPTED: partial results)"
        }
    )?;
    let counts = report.count_by_severity();
    let line: Vec<String> = Severity::ALL
        .iter()
        .map(|sev| format!("{} {}", counts.get(sev).copied().unwrap_or(0), sev))
        .collect();
    writeln!(out, "inventory:")?;
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
            "  {:<16} {:<22} {:<34} {}",
            a.addr.to_string(),
            a.class,
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
    let mut findings: Vec<_> = report.findings.iter().collect();
    findings.sort_by(|a, b| {
        (b.severity, a.endpoint, &a.check_id).cmp(&(a.severity, b.endpoint, &b.check_id))
    });
    for f in findings {
        writeln!(
            out,
            "  {:<8} {:<26} {:<24} {}",
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
    }
    match report.history.as_ref().map(|h| h.changes.as_ref()) {
        Some(Some(ch)) => writeln!(
            out,
            "since the previous run ({}): {} new, {} updated, {} fixed, {} unchanged",
            crate::model::rfc3339(ch.previous_started),
            ch.new.len(),
            ch.updated.len(),
            ch.fixed.len(),
            ch.unchanged
        )?,
        Some(None) => writeln!(out, "history: first run of this scope")?,
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
    knowledge: &crate::scan::Knowledge,
    out: &mut dyn Write,
) -> std::io::Result<()> {
    let checks = &knowledge.checks;
    writeln!(
        out,
        "{:<28} {:<9} {:<24} title",
        "id", "severity", "category"
    )?;
    for c in &checks.checks {
        writeln!(
            out,
            "{:<28} {:<9} {:<24} {}",
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
    Ok(())
}
