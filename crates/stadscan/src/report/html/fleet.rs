//! The report's fleet sections: the riskiest devices, the fixes that close
//! the most findings, the inventory with its personal-data register, vendor
//! concentration, and the notes on the scan itself.

use std::collections::BTreeMap;

use crate::model::{Asset, DeviceClass};
use crate::report::Report;

use super::analysis::{self, Concentration};
use super::i18n;
use super::svg::{self, Bar, Fill};
use super::{
    Lang, address, asset_cell, asset_names, class_name, date_time, escape, figure, para,
    severity_badge, table, vendor_model,
};

/// Rows shown at most in the risk and fix tables.
const TOP: usize = 10;
/// Vendors named in the fleet chart; the rest are one "others" bar.
const VENDOR_BARS: usize = 10;

pub(super) fn risk(report: &Report, lang: Lang) -> String {
    let t = i18n::text(lang);
    let mut out = format!("<section id=\"risk\">\n<h2>{}</h2>\n", escape(t.h_risk));
    out.push_str(&para("intro", t.risk_intro));
    let rows: Vec<Vec<String>> = analysis::riskiest(report, TOP)
        .iter()
        .map(|r| {
            vec![
                r.score.to_string(),
                asset_cell(r.asset),
                escape(&class_name(lang, r.asset.class.as_str())),
                vendor_model(r.asset),
                r.findings.to_string(),
                severity_badge(lang, r.worst),
                r.known_exploited.to_string(),
            ]
        })
        .collect();
    if rows.is_empty() {
        out.push_str(&para("", t.risk_none));
    } else {
        out.push_str(&table(
            &[
                (t.col_score, true),
                (t.col_device, false),
                (t.col_class, false),
                (t.col_vendor, false),
                (t.col_findings, true),
                (t.col_worst, false),
                (t.col_kev, true),
            ],
            &rows,
        ));
    }
    out.push_str("</section>\n");
    out
}

pub(super) fn fixes(report: &Report, lang: Lang) -> String {
    let t = i18n::text(lang);
    let mut out = format!("<section id=\"fixes\">\n<h2>{}</h2>\n", escape(t.h_fixes));
    out.push_str(&para("intro", t.fixes_intro));
    let rows: Vec<Vec<String>> = analysis::top_fixes(report, TOP, lang == Lang::Nl)
        .iter()
        .map(|f| {
            vec![
                format!(
                    "{}<br><span class=\"small mono\">{}</span>",
                    escape(&f.title),
                    escape(&f.rule)
                ),
                severity_badge(lang, f.severity),
                f.findings.to_string(),
                address_list(t, &f.addresses),
                remedy(t, &f.first_step, &f.remediation),
            ]
        })
        .collect();
    if rows.is_empty() {
        out.push_str(&para("", t.fixes_none));
    } else {
        out.push_str(&table(
            &[
                (t.col_fix, false),
                (t.col_severity, false),
                (t.col_closes, true),
                (t.col_devices, false),
                (t.col_first_step, false),
            ],
            &rows,
        ));
    }
    out.push_str("</section>\n");
    out
}

/// Addresses shown before the rest folds away.
const ADDRESSES_SHOWN: usize = 8;

/// The devices a fix closes, as a work list: the count, then every address
/// (after the first few, behind a `<details>` that needs no script).
fn address_list(t: &i18n::Text, addresses: &[std::net::IpAddr]) -> String {
    let cells: Vec<String> = addresses.iter().map(|a| address(&a.to_string())).collect();
    let mut out = format!("<strong>{}</strong><br>", addresses.len());
    out.push_str(&cells[..cells.len().min(ADDRESSES_SHOWN)].join(" "));
    if cells.len() > ADDRESSES_SHOWN {
        out.push_str(&format!(
            "<details><summary>{}</summary>{}</details>",
            escape(&i18n::fill(
                t.more_addresses,
                &[("n", &(cells.len() - ADDRESSES_SHOWN).to_string())]
            )),
            cells[ADDRESSES_SHOWN..].join(" ")
        ));
    }
    out
}

/// The first step of a remedy, and the whole remedy behind a `<details>`
/// when it says more.
fn remedy(t: &i18n::Text, first: &str, whole: &str) -> String {
    if first.trim_end_matches('…') == whole || whole.is_empty() {
        return escape(whole);
    }
    format!(
        "{}<details><summary>{}</summary><p>{}</p></details>",
        escape(first),
        escape(t.whole_remedy),
        escape(whole)
    )
}

fn sorted_assets(report: &Report) -> Vec<&Asset> {
    let mut v: Vec<&Asset> = report.assets.iter().collect();
    v.sort_by(|a, b| a.addr.cmp(&b.addr).then_with(|| a.id.cmp(&b.id)));
    v
}

pub(super) fn inventory(report: &Report, lang: Lang) -> String {
    let t = i18n::text(lang);
    let mut out = format!(
        "<section id=\"inventory\">\n<h2>{}</h2>\n",
        escape(t.h_inventory)
    );
    out.push_str(&para("intro", t.inventory_intro));
    if report.assets.is_empty() {
        out.push_str(&para("", t.inventory_none));
        out.push_str("</section>\n");
        return out;
    }
    let mut classes: BTreeMap<&str, usize> = BTreeMap::new();
    for a in &report.assets {
        *classes.entry(a.class.as_str()).or_default() += 1;
    }
    let mut classes: Vec<(&str, usize)> = classes.into_iter().collect();
    classes.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(b.0)));
    let bars: Vec<Bar> = classes
        .iter()
        .map(|(c, n)| Bar {
            label: class_name(lang, c),
            value: *n,
            value_label: n.to_string(),
            fill: Fill::Plain,
        })
        .collect();
    out.push_str(&figure(
        t.chart_classes,
        &svg::hbar("chart-classes", t.chart_classes, t.count_axis, &bars),
    ));
    let rows: Vec<Vec<String>> = sorted_assets(report)
        .into_iter()
        .map(|a| {
            let services: Vec<String> = a
                .observations
                .iter()
                .map(|o| format!("{}/{}", o.endpoint.port, o.service()))
                .collect();
            vec![
                address(&a.addr.to_string()),
                asset_names(a),
                escape(&class_name(lang, a.class.as_str())),
                maker_and_model(t, a),
                escape(a.firmware.as_deref().unwrap_or("")),
                format!(
                    "<span class=\"mono\">{}</span>",
                    escape(&services.join(" "))
                ),
                device_findings(report, a, lang),
            ]
        })
        .collect();
    out.push_str(&table(
        &[
            (t.col_address, false),
            (t.col_names, false),
            (t.col_class, false),
            (t.col_vendor_model, false),
            (t.col_firmware, false),
            (t.col_services, false),
            (t.col_findings, false),
        ],
        &rows,
    ));
    out.push_str("</section>\n");
    out
}

/// Vendor and model of a device; for a device of unknown kind, the
/// software that answered (its author is not the device's maker).
fn maker_and_model(t: &i18n::Text, a: &Asset) -> String {
    match analysis::device_vendor(a) {
        Some(_) => vendor_model(a),
        None if a.class == DeviceClass::Unknown && a.model.is_some() => {
            let software = [a.model.as_deref(), a.vendor.as_deref()]
                .into_iter()
                .flatten()
                .collect::<Vec<_>>();
            let text = match software.as_slice() {
                [model, vendor] => format!("{model} ({vendor})"),
                other => other.join(" "),
            };
            format!(
                "<span class=\"small\">{}</span> {}",
                escape(t.software),
                escape(&text)
            )
        }
        None => escape(a.model.as_deref().unwrap_or("")),
    }
}

/// A device's findings: count per severity, worst first, and the title of
/// its worst finding.
fn device_findings(report: &Report, a: &Asset, lang: Lang) -> String {
    let mine: Vec<&crate::model::Finding> =
        report.findings.iter().filter(|f| f.asset == a.id).collect();
    let Some(top) = mine.iter().max_by(|x, y| {
        x.severity
            .cmp(&y.severity)
            .then_with(|| y.check_id.cmp(&x.check_id))
    }) else {
        return "–".to_string();
    };
    let mut counts: BTreeMap<std::cmp::Reverse<crate::model::Severity>, usize> = BTreeMap::new();
    for f in &mine {
        *counts.entry(std::cmp::Reverse(f.severity)).or_default() += 1;
    }
    let badges: Vec<String> = counts
        .iter()
        .map(|(s, n)| format!("{n}&#160;{}", severity_badge(lang, s.0)))
        .collect();
    format!(
        "{}<br><span class=\"small\">{}</span>",
        badges.join(" "),
        escape(super::rule_title(report, &top.check_id, lang))
    )
}

/// What personal data the asset's class can process: the recorded text,
/// else its class's (see `DeviceClass::personal_data`), in the reader's
/// language when it is the standard wording.
fn personal_text(lang: Lang, a: &Asset) -> Option<String> {
    let recorded = a
        .personal_data
        .clone()
        .or_else(|| a.class.personal_data().map(str::to_string))?;
    Some(match lang {
        Lang::Nl => i18n::personal_data_nl(a.class, &recorded).map_or(recorded, str::to_string),
        Lang::En => recorded,
    })
}

pub(super) fn personal_data(report: &Report, lang: Lang) -> String {
    let t = i18n::text(lang);
    let mut out = format!(
        "<section id=\"personal-data\">\n<h3>{}</h3>\n",
        escape(t.h_personal)
    );
    out.push_str(&para("intro", t.personal_intro));
    let rows: Vec<Vec<String>> = sorted_assets(report)
        .into_iter()
        .filter_map(|a| {
            let data = personal_text(lang, a)?;
            Some(vec![
                asset_cell(a),
                escape(&class_name(lang, a.class.as_str())),
                vendor_model(a),
                escape(&data),
            ])
        })
        .collect();
    if rows.is_empty() {
        out.push_str(&para("", t.personal_none));
    } else {
        out.push_str(&table(
            &[
                (t.col_device, false),
                (t.col_class, false),
                (t.col_vendor, false),
                (t.col_personal, false),
            ],
            &rows,
        ));
    }
    out.push_str("</section>\n");
    out
}

pub(super) fn vendors(report: &Report, lang: Lang) -> String {
    let t = i18n::text(lang);
    let mut out = format!(
        "<section id=\"vendors\">\n<h2>{}</h2>\n",
        escape(t.h_vendors)
    );
    out.push_str(&para("intro", t.vendors_intro));
    if report.assets.is_empty() {
        out.push_str(&para("", t.inventory_none));
        out.push_str("</section>\n");
        return out;
    }
    let total = report.assets.len();
    let shares = analysis::vendor_shares(&report.assets);
    let bar = |label: String, n: usize| Bar {
        label,
        value: n,
        value_label: format!("{}% ({n})", analysis::percent(n, total)),
        fill: Fill::Plain,
    };
    let mut bars: Vec<Bar> = shares
        .iter()
        .take(VENDOR_BARS)
        .map(|(v, n)| bar(v.to_string(), *n))
        .collect();
    let rest: usize = shares.iter().skip(VENDOR_BARS).map(|(_, n)| n).sum();
    if rest > 0 {
        bars.push(bar(t.vendor_other.to_string(), rest));
    }
    if !bars.is_empty() {
        out.push_str(&figure(
            t.chart_vendors,
            &svg::hbar("chart-vendors", t.chart_vendors, t.count_axis, &bars),
        ));
    }
    let unknown = analysis::not_identified(&report.assets);
    let not_identified =
        |n: usize| i18n::fill(t.not_identified, &[("n", &i18n::devices_n(lang, n))]);
    if unknown > 0 {
        out.push_str(&format!(
            "<p class=\"todo\"><strong>{}</strong> {}</p>\n",
            escape(&not_identified(unknown)),
            escape(t.not_identified_todo)
        ));
    }
    let rows: Vec<Vec<String>> = analysis::class_concentration(&report.assets)
        .iter()
        .map(|c| {
            let mut flag = match c.flag {
                Concentration::Strong => {
                    format!(
                        "<span class=\"badge flag-strong\">{}</span>",
                        escape(t.flag_strong)
                    )
                }
                Concentration::Attention => format!(
                    "<span class=\"badge flag-attention\">{}</span>",
                    escape(t.flag_attention)
                ),
                Concentration::Spread => escape(t.flag_spread),
                Concentration::TooFew => {
                    format!("<span class=\"small\">{}</span>", escape(t.flag_small))
                }
                Concentration::NotIdentified => format!(
                    "<span class=\"todo\">{}</span>",
                    escape(&not_identified(c.not_identified))
                ),
            };
            if c.not_identified > 0 && c.flag != Concentration::NotIdentified {
                flag.push_str(&format!(
                    "<br><span class=\"small\">{}</span>",
                    escape(&not_identified(c.not_identified))
                ));
            }
            vec![
                escape(&class_name(lang, c.class)),
                c.devices.to_string(),
                c.vendor.map_or_else(|| "–".to_string(), escape),
                if c.vendor_devices == 0 {
                    "–".to_string()
                } else {
                    format!("{}% ({}/{})", c.share_pct(), c.vendor_devices, c.devices)
                },
                flag,
            ]
        })
        .collect();
    out.push_str(&table(
        &[
            (t.col_class, false),
            (t.col_devices, true),
            (t.col_largest_vendor, false),
            (t.col_share, true),
            (t.col_signal, false),
        ],
        &rows,
    ));
    out.push_str("</section>\n");
    out
}

pub(super) fn notes(report: &Report, lang: Lang) -> String {
    let t = i18n::text(lang);
    let mut out = format!(
        "<section id=\"notes\">\n<h2>{}</h2>\n<h3>{}</h3>\n",
        escape(t.h_notes),
        escape(t.h_scan_notes)
    );
    if report.notes.is_empty() {
        out.push_str(&para("", t.notes_none));
    } else {
        out.push_str("<ul>");
        for n in &report.notes {
            let class = if n.level == crate::report::NoteLevel::Error {
                " class=\"note-error\""
            } else {
                ""
            };
            out.push_str(&format!(
                "<li{class}><strong>{}:</strong> {}</li>",
                escape(i18n::note_level(lang, n.level)),
                escape(n.text(lang == Lang::Nl))
            ));
        }
        out.push_str("</ul>\n");
    }
    let s = &report.stats;
    let scope = &report.scope;
    let facts: [(&str, String); 10] = [
        (t.scope, escape(&scope.name)),
        (
            t.scope_file,
            format!("<span class=\"mono\">{}</span>", escape(&report.scope_uri)),
        ),
        (
            t.networks_hosts,
            format!("{} / {}", scope.networks.len(), scope.hosts.len()),
        ),
        (t.addresses_ports, format!("{} × {}", s.addresses, s.ports)),
        (t.scan_started, date_time(report.started)),
        (t.duration, format!("{:.1} s", s.elapsed_ms as f64 / 1000.0)),
        (t.tls_policy, escape(&scope.tls_policy)),
        (
            t.credentials_tested,
            escape(if scope.credentials_enabled {
                t.yes
            } else {
                t.no
            }),
        ),
        (t.refused_names, report.refused.len().to_string()),
        (
            t.run_state,
            escape(if report.complete {
                t.run_complete
            } else {
                t.run_partial
            }),
        ),
    ];
    out.push_str(&format!(
        "<h3>{}</h3>\n<dl class=\"facts\">",
        escape(t.h_scope_details)
    ));
    for (k, v) in facts {
        out.push_str(&format!("<dt>{}</dt><dd>{v}</dd>", escape(k)));
    }
    out.push_str("</dl>\n");
    out.push_str(&format!("<h3>{}</h3>\n", escape(t.h_howto)));
    for p in t.howto {
        out.push_str(&para("", p));
    }
    out.push_str("</section>\n");
    out
}
