//! The Markdown summary (`--markdown FILE`), sized for a CI job summary
//! (`$GITHUB_STEP_SUMMARY`): counts, the controls that failed, and what is
//! new since the last run. Device text is escaped so a banner cannot
//! inject Markdown or HTML into the page that shows it.

use std::fmt::Write;

use super::Report;
use super::html::Lang;
use crate::compliance::Status;
use crate::model::{Severity, rfc3339};

/// Rows listed per table before "and N more".
const MAX_ROWS: usize = 20;

/// Escapes text for a Markdown table cell: the characters Markdown or the
/// HTML it may contain would act on, pipes, and line breaks.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '|' => out.push_str("\\|"),
            '\\' | '`' | '*' | '_' | '[' | ']' | '#' | '~' | '!' => {
                out.push('\\');
                out.push(c);
            }
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '\n' | '\r' | '\t' => out.push(' '),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

/// The whole summary.
pub fn render(report: &Report) -> String {
    let mut md = String::new();
    let _ = write_all(report, &mut md);
    md
}

fn write_all(report: &Report, md: &mut String) -> std::fmt::Result {
    writeln!(md, "## stadscan: {}\n", escape(&report.scope.name))?;
    if !report.complete {
        writeln!(
            md,
            "> **Interrupted:** this run did not finish; the results below are partial.\n"
        )?;
    }
    let counts = report.count_by_severity();
    writeln!(
        md,
        "Scanned {} (finished {}): **{} assets**, **{} findings**.\n",
        rfc3339(report.started),
        rfc3339(report.finished),
        report.assets.len(),
        report.findings.len()
    )?;
    writeln!(md, "| severity | findings |")?;
    writeln!(md, "|---|---:|")?;
    for s in Severity::ALL {
        writeln!(
            md,
            "| {} | {} |",
            s.as_str(),
            counts.get(&s).copied().unwrap_or(0)
        )?;
    }
    writeln!(md)?;

    if let Some(c) = &report.compliance {
        writeln!(md, "### Compliance: {}\n", escape(&c.title))?;
        writeln!(
            md,
            "Controls: {} pass, **{} fail**, {} not tested (the evidence is missing: the reason is below), {} not testable by scanning.\n",
            c.counts.pass, c.counts.fail, c.counts.not_tested, c.counts.not_testable
        )?;
        let judged: Vec<_> = c
            .controls
            .iter()
            .filter(|x| matches!(x.status, Status::Pass | Status::NotTested))
            .collect();
        if !judged.is_empty() {
            writeln!(md, "| control | title | status | evidence or reason |")?;
            writeln!(md, "|---|---|---|---|")?;
            for x in judged {
                writeln!(
                    md,
                    "| {} | {} | {} | {} |",
                    escape(&x.reference),
                    escape(&x.title_en),
                    x.status.as_str(),
                    escape(&x.grounds(Lang::En))
                )?;
            }
            writeln!(md)?;
        }
        let failed: Vec<_> = c
            .controls
            .iter()
            .filter(|x| x.status == Status::Fail)
            .collect();
        if !failed.is_empty() {
            writeln!(md, "| control | title | findings | assets | rules |")?;
            writeln!(md, "|---|---|---:|---:|---|")?;
            for x in failed {
                let rules: Vec<String> = x
                    .failed_rules
                    .iter()
                    .map(|(r, n)| format!("`{r}` ({n})"))
                    .collect();
                writeln!(
                    md,
                    "| {} | {} | {} | {} | {} |",
                    escape(&x.reference),
                    escape(&x.title_en),
                    x.findings,
                    x.assets.len(),
                    rules.join(", ")
                )?;
            }
            writeln!(md)?;
        }
    }

    match report.history.as_ref().and_then(|h| h.changes.as_ref()) {
        Some(ch) => {
            writeln!(
                md,
                "### Since the previous run ({})\n",
                rfc3339(ch.previous_started)
            )?;
            writeln!(
                md,
                "**{} new**, {} updated, {} fixed, {} unchanged.\n",
                ch.new.len(),
                ch.updated.len(),
                ch.fixed.len(),
                ch.unchanged
            )?;
            for (title, list) in [("New", &ch.new), ("Fixed", &ch.fixed)] {
                if list.is_empty() {
                    continue;
                }
                writeln!(md, "{title}:\n")?;
                writeln!(md, "| severity | rule | endpoint | message |")?;
                writeln!(md, "|---|---|---|---|")?;
                for f in list.iter().take(MAX_ROWS) {
                    writeln!(
                        md,
                        "| {} | `{}` | {} | {} |",
                        f.severity.as_str(),
                        escape(&f.rule),
                        escape(&f.endpoint),
                        escape(&f.message)
                    )?;
                }
                if list.len() > MAX_ROWS {
                    writeln!(md, "\nand {} more.", list.len() - MAX_ROWS)?;
                }
                writeln!(md)?;
            }
        }
        None if report.history.is_some() => {
            writeln!(
                md,
                "First run of this scope in the history: nothing to compare with yet.\n"
            )?;
        }
        None => {
            writeln!(
                md,
                "No history kept (`--history FILE` shows what changed since the previous run).\n"
            )?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn device_text_cannot_break_the_table_or_inject_markup() {
        let hostile = "a|b <script>alert(1)</script> [x](http://e) **bold**\nnext";
        let e = escape(hostile);
        assert!(!e.contains('\n'));
        assert!(!e.contains("<script"));
        assert!(e.contains("\\|"));
        assert!(e.contains("\\[x\\]"));
        assert!(e.contains("\\*\\*bold\\*\\*"));
    }
}
