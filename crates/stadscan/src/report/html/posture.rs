//! The report's judgement sections: the summary with its verdict,
//! compliance per control, the trend over earlier runs and the changes since
//! the last one.

use crate::compliance::{Compliance, Status};
use crate::history::{Change, RunSummary, View};
use crate::model::{Category, Severity};
use crate::report::Report;

use super::i18n::{self, fill};
use super::svg::{self, Bar, Fill};
use super::{
    Lang, address, analysis, control_title, date_time, escape, figure, more_rows, para, rule_title,
    severity_badge, status_badge, table,
};

/// Runs shown at most in the trend charts (the most recent ones).
const TREND_RUNS: usize = 20;
/// Rows shown at most per table of changes.
const CHANGE_ROWS: usize = 100;

pub(super) fn summary(
    report: &Report,
    compliance: &Compliance,
    baseline: &str,
    lang: Lang,
) -> String {
    let t = i18n::text(lang);
    let by_sev = report.count_by_severity();
    let n = |s: Severity| by_sev.get(&s).copied().unwrap_or(0);
    let mut out = format!(
        "<section id=\"summary\">\n<h2>{}</h2>\n",
        escape(t.h_summary)
    );
    if !report.complete {
        out.push_str(&format!(
            "<div class=\"partial-banner\" role=\"alert\"><strong>{}</strong> {}</div>\n",
            escape(t.run_partial),
            escape(t.partial_banner)
        ));
    }
    let state = if report.complete {
        escape(t.run_complete)
    } else {
        format!("<strong>{}</strong>", escape(t.run_partial))
    };
    let run = match &report.history {
        Some(h) => format!(
            "<dt>{}</dt><dd class=\"mono\">{}</dd>",
            escape(t.history_run),
            h.run_id
        ),
        None => String::new(),
    };
    out.push_str(&format!(
        "<dl class=\"facts\"><dt>{}</dt><dd>{}</dd><dt>{}</dt><dd>{}</dd>\
         <dt>{}</dt><dd>{}</dd><dt>{}</dt><dd>{state}</dd>{run}</dl>\n",
        escape(t.scope),
        escape(&report.scope.name),
        escape(t.scan_started),
        date_time(report.started),
        escape(t.scan_finished),
        date_time(report.finished),
        escape(t.run_state),
    ));
    let kpi = |value: usize, key: String| {
        format!(
            "<div class=\"kpi\"><span class=\"n\">{value}</span><span class=\"k\">{}</span></div>",
            escape(&key)
        )
    };
    out.push_str("<div class=\"kpis\">");
    out.push_str(&kpi(report.assets.len(), t.devices.to_string()));
    out.push_str(&kpi(report.findings.len(), t.findings.to_string()));
    out.push_str(&kpi(
        n(Severity::Critical) + n(Severity::High),
        format!(
            "{} + {}",
            i18n::severity(lang, Severity::Critical),
            i18n::severity(lang, Severity::High)
        ),
    ));
    out.push_str(&kpi(
        compliance.counts.fail,
        format!("{}: {}", baseline, i18n::status(lang, Status::Fail)),
    ));
    out.push_str("</div>\n");

    // The verdict: severity, compliance, the biggest lever.
    let mut lines = Vec::new();
    let urgent_assets = report
        .assets
        .iter()
        .filter(|a| {
            report
                .findings
                .iter()
                .any(|f| f.asset == a.id && f.severity >= Severity::High)
        })
        .count();
    let total = report.assets.len().to_string();
    let mut first = if n(Severity::Critical) + n(Severity::High) > 0 {
        fill(
            t.v_urgent,
            &[
                ("critical", &n(Severity::Critical).to_string()),
                ("high", &n(Severity::High).to_string()),
                ("assets", &urgent_assets.to_string()),
                ("total", &total),
            ],
        )
    } else if report.findings.is_empty() {
        fill(
            t.v_clean,
            &[("devices", &i18n::devices_n(lang, report.assets.len()))],
        )
    } else {
        fill(
            t.v_calm,
            &[("findings", &i18n::findings_n(lang, report.findings.len()))],
        )
    };
    let kev = report
        .findings
        .iter()
        .filter(|f| f.category == Category::KnownExploited)
        .count();
    if kev > 0 {
        first.push(' ');
        first.push_str(&fill(t.v_kev, &[("n", &kev.to_string())]));
    }
    lines.push(escape(&first));
    let c = compliance.counts;
    lines.push(escape(&fill(
        t.v_compliance,
        &[
            ("fail", &c.fail.to_string()),
            ("total", &compliance.controls.len().to_string()),
            ("baseline", baseline),
            ("pass", &c.pass.to_string()),
            ("not_tested", &c.not_tested.to_string()),
            ("not_testable", &c.not_testable.to_string()),
        ],
    )));
    lines.push(
        match analysis::top_fixes(report, 1, lang == Lang::Nl).first() {
            Some(fix) => fill(
                &escape(t.v_fix),
                &[
                    ("fix", &format!("<strong>{}</strong>", escape(&fix.title))),
                    ("findings", &i18n::findings_n(lang, fix.findings)),
                    ("devices", &i18n::devices_n(lang, fix.assets)),
                ],
            ),
            None => escape(t.v_nofix),
        },
    );
    out.push_str(&format!(
        "<div class=\"verdict\"><h3>{}</h3><ol>",
        escape(t.verdict)
    ));
    for l in lines {
        out.push_str(&format!("<li>{l}</li>"));
    }
    out.push_str("</ol></div>\n<div class=\"charts\">");

    let sev_bars: Vec<Bar> = Severity::ALL
        .iter()
        .map(|s| Bar {
            label: i18n::severity(lang, *s).to_string(),
            value: n(*s),
            value_label: n(*s).to_string(),
            fill: Fill::Severity(*s),
        })
        .collect();
    out.push_str(&figure(
        t.chart_severity,
        &svg::hbar("chart-severity", t.chart_severity, t.count_axis, &sev_bars),
    ));
    let status_title = fill(t.chart_status, &[("baseline", baseline)]);
    let status_bars: Vec<Bar> = [
        (Status::Fail, c.fail),
        (Status::Pass, c.pass),
        (Status::NotTested, c.not_tested),
        (Status::NotTestable, c.not_testable),
    ]
    .into_iter()
    .map(|(s, v)| Bar {
        label: i18n::status(lang, s).to_string(),
        value: v,
        value_label: v.to_string(),
        fill: Fill::Status(s),
    })
    .collect();
    out.push_str(&figure(
        &status_title,
        &svg::hbar("chart-status", &status_title, t.count_axis, &status_bars),
    ));
    out.push_str("</div>\n</section>\n");
    out
}

pub(super) fn compliance_section(
    report: &Report,
    compliance: &Compliance,
    baseline: &str,
    lang: Lang,
) -> String {
    let t = i18n::text(lang);
    let mut out = format!(
        "<section id=\"compliance\">\n<h2>{}</h2>\n<p class=\"small\">{}</p>\n",
        escape(&fill(t.h_compliance, &[("baseline", baseline)])),
        escape(compliance.title_in(lang))
    );
    out.push_str(&para("intro", t.compliance_intro));
    let rows: Vec<Vec<String>> = compliance
        .controls
        .iter()
        .map(|c| {
            let rules: Vec<String> = c
                .failed_rules
                .iter()
                .map(|(rule, n)| {
                    format!(
                        "{} ({n}) <span class=\"small mono\">{}</span>",
                        escape(rule_title(report, rule, lang)),
                        escape(rule)
                    )
                })
                .collect();
            vec![
                format!("<span class=\"mono\">{}</span>", escape(&c.id)),
                escape(control_title(lang, c)),
                status_badge(lang, c.status),
                escape(&c.grounds(lang)),
                rules.join("<br>"),
                if c.status == Status::NotTestable {
                    "–".to_string()
                } else {
                    c.assets.len().to_string()
                },
            ]
        })
        .collect();
    out.push_str(&table(
        &[
            (t.col_control, false),
            (t.col_title, false),
            (t.col_status, false),
            (t.col_grounds, false),
            (t.col_failing_rules, false),
            (t.col_devices, true),
        ],
        &rows,
    ));
    out.push_str("</section>\n");
    out
}

pub(super) fn trend(history: Option<&View>, lang: Lang) -> String {
    let t = i18n::text(lang);
    let mut out = format!("<section id=\"trend\">\n<h2>{}</h2>\n", escape(t.h_trend));
    match history {
        None => out.push_str(&para("intro", t.trend_needs_history)),
        Some(v) if v.trend.len() < 2 => out.push_str(&para("intro", t.trend_first_run)),
        Some(v) => {
            let runs: &[RunSummary] = &v.trend[v.trend.len().saturating_sub(TREND_RUNS)..];
            out.push_str(&para(
                "intro",
                &fill(t.trend_intro, &[("n", &TREND_RUNS.to_string())]),
            ));
            out.push_str("<div class=\"charts\">");
            out.push_str(&figure(
                t.chart_trend,
                &svg::trend_findings("trend-findings", lang, runs),
            ));
            out.push_str(&figure(
                t.chart_failed,
                &svg::trend_failed("trend-failed", lang, runs),
            ));
            out.push_str("</div>\n");
            let mut head: Vec<(&str, bool)> = vec![(t.col_date, false), (t.run_state, false)];
            head.extend(
                Severity::ALL
                    .iter()
                    .map(|s| (i18n::severity(lang, *s), true)),
            );
            head.push((t.findings, true));
            head.push((t.col_failed_controls, true));
            let rows: Vec<Vec<String>> = runs
                .iter()
                .map(|r| {
                    let mut row = vec![
                        date_time(r.started),
                        if r.complete {
                            escape(t.run_complete)
                        } else {
                            format!("<strong>{}*</strong>", escape(t.partial_mark))
                        },
                    ];
                    row.extend(
                        Severity::ALL
                            .iter()
                            .map(|s| r.by_severity.get(s).copied().unwrap_or(0).to_string()),
                    );
                    row.push(r.findings().to_string());
                    row.push(r.failed_controls.to_string());
                    row
                })
                .collect();
            out.push_str(&table(&head, &rows));
        }
    }
    out.push_str("</section>\n");
    out
}

fn change_table(report: &Report, lang: Lang, changes: &[Change]) -> String {
    let t = i18n::text(lang);
    if changes.is_empty() {
        return para("small", t.none);
    }
    let mut sorted: Vec<&Change> = changes.iter().collect();
    sorted.sort_by(|a, b| {
        b.severity
            .cmp(&a.severity)
            .then_with(|| a.rule.cmp(&b.rule))
            .then_with(|| a.endpoint.cmp(&b.endpoint))
    });
    // Finding messages are English sentences: the Dutch report names the
    // rule (in Dutch) and the address, which together say the same.
    let with_message = lang == Lang::En;
    let rows: Vec<Vec<String>> = sorted
        .iter()
        .take(CHANGE_ROWS)
        .map(|c| {
            let mut row = vec![
                severity_badge(lang, c.severity),
                format!(
                    "{}<br><span class=\"small mono\">{}</span>",
                    escape(rule_title(report, &c.rule, lang)),
                    escape(&c.rule)
                ),
                address(&c.endpoint),
            ];
            if with_message {
                row.push(escape(&c.message));
            }
            row
        })
        .collect();
    let mut head = vec![
        (t.col_severity, false),
        (t.col_rule, false),
        (t.col_endpoint, false),
    ];
    if with_message {
        head.push((t.col_message, false));
    }
    let mut out = table(&head, &rows);
    out.push_str(&more_rows(t, changes.len(), CHANGE_ROWS));
    out
}

pub(super) fn changes(report: &Report, history: Option<&View>, lang: Lang) -> String {
    let t = i18n::text(lang);
    let mut out = format!(
        "<section id=\"changes\">\n<h2>{}</h2>\n",
        escape(t.h_changes)
    );
    match history.map(|v| v.changes.as_ref()) {
        None => out.push_str(&para("intro", t.changes_needs_history)),
        Some(None) => out.push_str(&para("intro", t.changes_none)),
        Some(Some(ch)) => {
            out.push_str(&para(
                "intro",
                &fill(
                    t.changes_since,
                    &[
                        ("run", &ch.previous_id.to_string()),
                        ("date", &date_time(ch.previous_started)),
                        ("new", &ch.new.len().to_string()),
                        ("updated", &ch.updated.len().to_string()),
                        ("fixed", &ch.fixed.len().to_string()),
                    ],
                ),
            ));
            for (title, list) in [
                (t.h_new, &ch.new),
                (t.h_updated, &ch.updated),
                (t.h_fixed, &ch.fixed),
            ] {
                out.push_str(&format!("<h3>{} ({})</h3>\n", escape(title), list.len()));
                out.push_str(&change_table(report, lang, list));
            }
            out.push_str(&para(
                "",
                &fill(
                    t.unchanged,
                    &[("findings", &i18n::findings_n(lang, ch.unchanged))],
                ),
            ));
        }
    }
    out.push_str("</section>\n");
    out
}
