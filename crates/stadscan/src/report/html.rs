//! The CISO report: one self-contained HTML file in Dutch or English that a
//! CISO reads in five minutes, on screen, printed or as an attachment.
//!
//! No scripts, no external stylesheets, fonts or images: the style is
//! inline, the charts are hand-written SVG (the `svg` module), and a
//! Content-Security-Policy forbids loading anything. Every piece of text
//! that did not come from this file (device strings, messages, scope names)
//! goes through [`escape`]. The output depends only on the inputs (no clock,
//! no random ids), so two renders of the same run are byte-identical.

mod analysis;
mod fleet;
mod i18n;
mod posture;
mod svg;
#[cfg(test)]
pub(super) mod tests;

use crate::compliance::{Compliance, ControlResult, Status};
use crate::history::View;
use crate::model::{Asset, Severity, rfc3339};
use crate::report::Report;

use i18n::{Text, fill};

pub use crate::model::Lang;

/// Escapes text for HTML element content and quoted attribute values.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Unix seconds as `YYYY-MM-DD HH:MM UTC`.
pub(crate) fn date_time(unix: i64) -> String {
    let r = rfc3339(unix);
    format!("{} {} UTC", &r[..10], &r[11..16])
}

/// The whole report as one HTML document.
pub fn render(
    report: &Report,
    compliance: &Compliance,
    history: Option<&View>,
    lang: Lang,
) -> String {
    let t = i18n::text(lang);
    let baseline = baseline_name(compliance);
    let mut out = String::with_capacity(64 * 1024);
    out.push_str(&format!(
        "<!DOCTYPE html>\n<html lang=\"{}\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <meta name=\"color-scheme\" content=\"light\">\n\
         <meta name=\"generator\" content=\"stadscan {}\">\n\
         <title>{} · {}</title>\n<style>\n{}</style>\n</head>\n<body>\n",
        t.html_lang,
        env!("CARGO_PKG_VERSION"),
        escape(t.title),
        escape(&report.scope.name),
        include_str!("html/style.css"),
    ));
    out.push_str(&svg::pattern_defs());
    out.push_str(&format!(
        "<header class=\"top\"><h1>{}</h1><div class=\"sub\">{} · {}{}</div></header>\n",
        escape(t.title),
        escape(&report.scope.name),
        date_time(report.started),
        if report.complete {
            String::new()
        } else {
            format!(" · <strong>{}</strong>", escape(t.run_partial))
        }
    ));
    out.push_str(&toc(t, &baseline));
    out.push_str(&posture::summary(report, compliance, &baseline, lang));
    out.push_str(&posture::compliance_section(
        report, compliance, &baseline, lang,
    ));
    out.push_str(&posture::trend(history, lang));
    out.push_str(&posture::changes(report, history, lang));
    out.push_str(&fleet::risk(report, lang));
    out.push_str(&fleet::fixes(report, lang));
    out.push_str(&fleet::inventory(report, lang));
    out.push_str(&fleet::personal_data(report, lang));
    out.push_str(&fleet::vendors(report, lang));
    out.push_str(&fleet::notes(report, lang));
    out.push_str(&format!(
        "<footer>{}</footer>\n</body>\n</html>\n",
        escape(&fill(t.tool, &[("version", env!("CARGO_PKG_VERSION"))]))
    ));
    out
}

/// `BIO2`, `BIO 1.04`... for the catalogue ids the project ships; other
/// catalogues by their id.
fn baseline_name(c: &Compliance) -> String {
    match c.baseline.as_str() {
        "bio2" => "BIO2".into(),
        "bio-1.04" => "BIO 1.04".into(),
        "big" => "BIG".into(),
        "etsi" => "ETSI EN 303 645".into(),
        other => other.to_string(),
    }
}

fn toc(t: &Text, baseline: &str) -> String {
    let links = [
        ("summary", t.h_summary.to_string()),
        (
            "compliance",
            fill(t.h_compliance, &[("baseline", baseline)]),
        ),
        ("trend", t.h_trend.to_string()),
        ("risk", t.h_risk.to_string()),
        ("fixes", t.h_fixes.to_string()),
        ("inventory", t.h_inventory.to_string()),
        ("vendors", t.h_vendors.to_string()),
        ("notes", t.h_notes.to_string()),
    ];
    let mut out = format!("<nav class=\"toc\" aria-label=\"{}\">", escape(t.contents));
    for (id, name) in links {
        out.push_str(&format!("<a href=\"#{id}\">{}</a>", escape(&name)));
    }
    out.push_str("</nav>\n");
    out
}

/// A table; `head` is (title, numeric column), rows hold HTML (escaped).
fn table(head: &[(&str, bool)], rows: &[Vec<String>]) -> String {
    let mut out = String::from("<table><thead><tr>");
    for (h, num) in head {
        out.push_str(&format!(
            "<th{}>{}</th>",
            if *num { " class=\"num\"" } else { "" },
            escape(h)
        ));
    }
    out.push_str("</tr></thead><tbody>");
    for row in rows {
        out.push_str("<tr>");
        for (cell, (_, num)) in row.iter().zip(head) {
            out.push_str(&format!(
                "<td{}>{cell}</td>",
                if *num { " class=\"num\"" } else { "" }
            ));
        }
        out.push_str("</tr>");
    }
    out.push_str("</tbody></table>\n");
    out
}

fn para(class: &str, text: &str) -> String {
    format!("<p class=\"{class}\">{}</p>\n", escape(text))
}

fn severity_badge(lang: Lang, s: Severity) -> String {
    format!(
        "<span class=\"badge sev-{}\">{}</span>",
        s.as_str(),
        escape(i18n::severity(lang, s))
    )
}

/// The status as a badge with a symbol and words, so it reads without
/// colour.
fn status_badge(lang: Lang, s: Status) -> String {
    let symbol = match s {
        Status::Fail => "✗",
        Status::Pass => "✓",
        Status::NotTested => "?",
        Status::NotTestable => "–",
    };
    format!(
        "<span class=\"badge st-{}\">{symbol} {}</span>",
        s.as_str(),
        escape(i18n::status(lang, s))
    )
}

fn class_name(lang: Lang, class: &str) -> String {
    i18n::class(lang, class).map_or_else(|| class.to_string(), str::to_string)
}

fn control_title(lang: Lang, c: &ControlResult) -> &str {
    match (lang, &c.title_nl) {
        (Lang::Nl, Some(nl)) => nl,
        _ => &c.title_en,
    }
}

/// The rule's title from the catalogue in the reader's language, or its id.
fn rule_title<'a>(report: &'a Report, rule: &'a str, lang: Lang) -> &'a str {
    report
        .checks
        .checks
        .iter()
        .find(|c| c.id == rule)
        .map_or(rule, |c| c.title_in(lang == Lang::Nl))
}

/// Host names and the scope label of an asset, as one escaped cell.
fn asset_names(a: &Asset) -> String {
    let mut names = a.hostnames.join(", ");
    if let Some(l) = &a.label {
        if names.is_empty() {
            names = l.clone();
        } else {
            names = format!("{names} ({l})");
        }
    }
    escape(&names)
}

/// An address or endpoint, never broken across lines.
fn address(text: &str) -> String {
    format!("<span class=\"mono addr\">{}</span>", escape(text))
}

/// Address, first host name below it.
fn asset_cell(a: &Asset) -> String {
    let mut cell = address(&a.addr.to_string());
    if let Some(h) = a.hostnames.first().or(a.label.as_ref()) {
        cell.push_str(&format!("<br><span class=\"small\">{}</span>", escape(h)));
    }
    cell
}

/// Maker and model; the vendor only where it is the device's maker (see
/// [`analysis::device_vendor`]).
fn vendor_model(a: &Asset) -> String {
    let s = [analysis::device_vendor(a), a.model.as_deref()]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" ");
    escape(&s)
}

fn more_rows(t: &Text, total: usize, shown: usize) -> String {
    if total > shown {
        para(
            "small",
            &fill(t.more_rows, &[("n", &(total - shown).to_string())]),
        )
    } else {
        String::new()
    }
}

fn figure(caption: &str, chart: &str) -> String {
    format!(
        "<figure><figcaption>{}</figcaption>{chart}</figure>\n",
        escape(caption)
    )
}
