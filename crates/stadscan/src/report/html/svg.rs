//! Hand-written inline SVG charts for the CISO report: horizontal bars with
//! value labels and stacked/line charts over runs. Every chart carries
//! `role="img"`, a `<title>` and a `<desc>` with the numbers in words, and
//! never relies on colour alone: fills are hatched patterns that stay apart
//! in black and white, and every bar has its value written beside it.

use crate::compliance::Status;
use crate::history::RunSummary;
use crate::model::Severity;

use super::{Lang, escape, i18n};

/// The fill of a bar or segment (a CSS class; see `style.css`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Fill {
    Severity(Severity),
    Status(Status),
    Plain,
}

impl Fill {
    fn class(self) -> &'static str {
        match self {
            Fill::Severity(s) => match s {
                Severity::Critical => "f-critical",
                Severity::High => "f-high",
                Severity::Medium => "f-medium",
                Severity::Low => "f-low",
                Severity::Info => "f-info",
            },
            Fill::Status(s) => match s {
                Status::Fail => "f-fail",
                Status::Pass => "f-pass",
                Status::NotTested => "f-not-tested",
                Status::NotTestable => "f-not-testable",
            },
            Fill::Plain => "f-plain",
        }
    }
}

/// The hatch patterns the fills refer to, defined once per document in a
/// zero-size SVG (not `display:none`, which would hide the patterns too).
pub(crate) fn pattern_defs() -> String {
    // (id, background, foreground, shape): the shapes differ per severity so
    // a black-and-white print keeps them apart.
    let hatch = |id: &str, bg: &str, fg: &str, shape: &str| {
        format!(
            "<pattern id=\"{id}\" width=\"6\" height=\"6\" patternUnits=\"userSpaceOnUse\">\
             <rect width=\"6\" height=\"6\" fill=\"{bg}\"/>{}</pattern>",
            shape.replace("FG", fg)
        )
    };
    let cross = "<path d=\"M0,0 L6,6 M6,0 L0,6\" stroke=\"FG\" stroke-width=\"1\"/>";
    let diagonal =
        "<path d=\"M-1,1 L1,-1 M0,6 L6,0 M5,7 L7,5\" stroke=\"FG\" stroke-width=\"1.2\"/>";
    let dots = "<circle cx=\"3\" cy=\"3\" r=\"1.2\" fill=\"FG\"/>";
    let lines = "<path d=\"M0,3 L6,3\" stroke=\"FG\" stroke-width=\"1\"/>";
    let none = "";
    let mut out = String::from(
        "<svg class=\"defs\" width=\"0\" height=\"0\" aria-hidden=\"true\" focusable=\"false\"><defs>",
    );
    for p in [
        hatch("p-critical", "#7a0c1d", "#ffffff", cross),
        hatch("p-high", "#c2410c", "#ffffff", diagonal),
        hatch("p-medium", "#e0a800", "#5c4400", dots),
        hatch("p-low", "#9cc3e6", "#1f4e79", lines),
        hatch("p-info", "#d9d9d9", "#d9d9d9", none),
        hatch("p-fail", "#9b1c1c", "#ffffff", cross),
        hatch("p-pass", "#2f7d4f", "#2f7d4f", none),
        hatch("p-not-tested", "#e5e5e5", "#555555", diagonal),
        hatch("p-not-testable", "#ffffff", "#777777", dots),
        hatch("p-plain", "#4a6fa5", "#4a6fa5", none),
    ] {
        out.push_str(&p);
    }
    out.push_str("</defs></svg>\n");
    out
}

/// One horizontal bar.
pub(crate) struct Bar {
    /// Device text allowed: escaped here.
    pub label: String,
    pub value: usize,
    /// What is written after the bar (`12`, `40% (12)`).
    pub value_label: String,
    pub fill: Fill,
}

const WIDTH: f64 = 500.0;
const LABEL_W: f64 = 200.0;
const BAR_AREA: f64 = 220.0;
const ROW_H: f64 = 24.0;
const BAR_H: f64 = 16.0;
const LABEL_CHARS: usize = 30;

fn shorten(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_string()
    } else {
        let mut t: String = s.chars().take(max - 1).collect();
        t.push('…');
        t
    }
}

fn open_svg(id: &str, width: f64, height: f64, title: &str, desc: &str) -> String {
    format!(
        "<svg id=\"{id}\" class=\"chart\" role=\"img\" aria-labelledby=\"{id}-t {id}-d\" \
         viewBox=\"0 0 {width:.0} {height:.0}\" width=\"{width:.0}\" height=\"{height:.0}\">\
         <title id=\"{id}-t\">{}</title><desc id=\"{id}-d\">{}</desc>",
        escape(title),
        escape(desc)
    )
}

/// A horizontal bar chart: one labelled row per bar, the value written after
/// the bar, an axis line and the axis label under the bars.
pub(crate) fn hbar(id: &str, title: &str, axis: &str, bars: &[Bar]) -> String {
    let max = bars.iter().map(|b| b.value).max().unwrap_or(0).max(1) as f64;
    let top = 6.0;
    let height = top + ROW_H * bars.len() as f64 + 30.0;
    let desc: Vec<String> = bars
        .iter()
        .map(|b| format!("{}: {}", b.label, b.value_label))
        .collect();
    let mut out = open_svg(id, WIDTH, height, title, &desc.join("; "));
    for (i, b) in bars.iter().enumerate() {
        let y = top + ROW_H * i as f64;
        let w = if b.value == 0 {
            0.0
        } else {
            (b.value as f64 / max * BAR_AREA).max(2.0)
        };
        out.push_str(&format!(
            "<g class=\"row\"><text class=\"lbl\" x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\">{}</text>\
             <rect class=\"{}\" x=\"{LABEL_W:.1}\" y=\"{:.1}\" width=\"{w:.1}\" height=\"{BAR_H:.1}\"/>\
             <text class=\"val\" x=\"{:.1}\" y=\"{:.1}\">{}</text></g>",
            LABEL_W - 8.0,
            y + BAR_H - 3.0,
            escape(&shorten(&b.label, LABEL_CHARS)),
            b.fill.class(),
            y,
            LABEL_W + w + 6.0,
            y + BAR_H - 3.0,
            escape(&b.value_label),
        ));
    }
    let axis_y = top + ROW_H * bars.len() as f64;
    out.push_str(&format!(
        "<line class=\"axis\" x1=\"{LABEL_W:.1}\" y1=\"{:.1}\" x2=\"{LABEL_W:.1}\" y2=\"{axis_y:.1}\"/>\
         <line class=\"axis\" x1=\"{LABEL_W:.1}\" y1=\"{axis_y:.1}\" x2=\"{:.1}\" y2=\"{axis_y:.1}\"/>\
         <text class=\"tick\" x=\"{LABEL_W:.1}\" y=\"{:.1}\" text-anchor=\"middle\">0</text>\
         <text class=\"tick\" x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{}</text>\
         <text class=\"axis-label\" x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{}</text></svg>",
        top - 2.0,
        LABEL_W + BAR_AREA,
        axis_y + 12.0,
        LABEL_W + BAR_AREA,
        axis_y + 12.0,
        max as usize,
        LABEL_W + BAR_AREA / 2.0,
        axis_y + 25.0,
        escape(axis),
    ));
    out
}

/// A legend of fills with their names, as its own small SVG row.
fn legend(items: &[(Fill, &str)], y: f64) -> String {
    let mut out = String::new();
    let mut x = 44.0;
    for (fill, name) in items {
        out.push_str(&format!(
            "<rect class=\"{}\" x=\"{x:.1}\" y=\"{:.1}\" width=\"12\" height=\"12\"/>\
             <text class=\"lbl\" x=\"{:.1}\" y=\"{:.1}\">{}</text>",
            fill.class(),
            y,
            x + 16.0,
            y + 10.0,
            escape(name)
        ));
        x += 24.0 + 7.0 * name.chars().count() as f64;
    }
    out
}

const T_WIDTH: f64 = 510.0;
const T_LEFT: f64 = 44.0;
const T_RIGHT: f64 = 10.0;
const T_TOP: f64 = 18.0;
const T_PLOT_H: f64 = 170.0;

/// `2026-11-29` -> `11-29`; the run label under a bar, `*` when partial.
fn run_label(run: &RunSummary) -> String {
    let day = super::date_time(run.started);
    let short = day.get(5..10).unwrap_or(&day).to_string();
    if run.complete {
        short
    } else {
        format!("{short}*")
    }
}

/// Y axis with ticks at 0, half and the top, and the x labels of the runs
/// (every k-th when there are many).
fn trend_axes(runs: &[RunSummary], ymax: usize, axis: &str, slot: f64) -> String {
    let base = T_TOP + T_PLOT_H;
    let mut out = format!(
        "<line class=\"axis\" x1=\"{T_LEFT:.1}\" y1=\"{T_TOP:.1}\" x2=\"{T_LEFT:.1}\" y2=\"{base:.1}\"/>\
         <line class=\"axis\" x1=\"{T_LEFT:.1}\" y1=\"{base:.1}\" x2=\"{:.1}\" y2=\"{base:.1}\"/>",
        T_WIDTH - T_RIGHT
    );
    let mut ticks = vec![0, ymax];
    if ymax >= 4 && ymax.is_multiple_of(2) {
        ticks.insert(1, ymax / 2);
    }
    for t in ticks {
        let y = base - t as f64 / ymax as f64 * T_PLOT_H;
        out.push_str(&format!(
            "<text class=\"tick\" x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\">{t}</text>\
             <line class=\"grid\" x1=\"{T_LEFT:.1}\" y1=\"{y:.1}\" x2=\"{:.1}\" y2=\"{y:.1}\"/>",
            T_LEFT - 4.0,
            y + 4.0,
            T_WIDTH - T_RIGHT
        ));
    }
    out.push_str(&format!(
        "<text class=\"axis-label\" transform=\"translate(11,{:.1}) rotate(-90)\" text-anchor=\"middle\">{}</text>",
        T_TOP + T_PLOT_H / 2.0,
        escape(axis)
    ));
    let every = runs.len().div_ceil(12).max(1);
    for (i, run) in runs.iter().enumerate() {
        if i % every != 0 && i + 1 != runs.len() {
            continue;
        }
        out.push_str(&format!(
            "<text class=\"tick\" x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{}</text>",
            T_LEFT + slot * (i as f64 + 0.5),
            base + 14.0,
            escape(&run_label(run))
        ));
    }
    out
}

/// Findings per severity per run as stacked bars (critical at the bottom),
/// the total above each bar, segment values inside when they fit.
pub(crate) fn trend_findings(id: &str, lang: Lang, runs: &[RunSummary]) -> String {
    let t = i18n::text(lang);
    let ymax = runs
        .iter()
        .map(RunSummary::findings)
        .max()
        .unwrap_or(0)
        .max(1);
    let slot = (T_WIDTH - T_LEFT - T_RIGHT) / runs.len().max(1) as f64;
    let bar_w = (slot * 0.6).min(40.0);
    let height = T_TOP + T_PLOT_H + 48.0;
    let desc: Vec<String> = runs
        .iter()
        .map(|r| {
            let parts: Vec<String> = Severity::ALL
                .iter()
                .map(|s| {
                    format!(
                        "{} {}",
                        r.by_severity.get(s).copied().unwrap_or(0),
                        i18n::severity(lang, *s)
                    )
                })
                .collect();
            format!(
                "{}{}: {}",
                super::date_time(r.started),
                if r.complete {
                    String::new()
                } else {
                    format!(" ({})", t.partial_mark)
                },
                parts.join(", ")
            )
        })
        .collect();
    let mut out = open_svg(id, T_WIDTH, height, t.chart_trend, &desc.join("; "));
    out.push_str(&trend_axes(runs, ymax, t.count_axis, slot));
    let base = T_TOP + T_PLOT_H;
    for (i, run) in runs.iter().enumerate() {
        let x = T_LEFT + slot * i as f64 + (slot - bar_w) / 2.0;
        let mut y = base;
        out.push_str(&format!(
            "<g class=\"run{}\">",
            if run.complete { "" } else { " partial" }
        ));
        for s in Severity::ALL.iter().copied() {
            let n = run.by_severity.get(&s).copied().unwrap_or(0);
            if n == 0 {
                continue;
            }
            let h = n as f64 / ymax as f64 * T_PLOT_H;
            y -= h;
            out.push_str(&format!(
                "<rect class=\"{}\" x=\"{x:.1}\" y=\"{y:.1}\" width=\"{bar_w:.1}\" height=\"{h:.1}\"/>",
                Fill::Severity(s).class()
            ));
            if h >= 12.0 && bar_w >= 16.0 {
                out.push_str(&format!(
                    "<text class=\"seg\" x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{n}</text>",
                    x + bar_w / 2.0,
                    y + h / 2.0 + 4.0
                ));
            }
        }
        if !run.complete {
            // The non-colour mark of a partial run: a dashed outline.
            out.push_str(&format!(
                "<rect class=\"partial-outline\" x=\"{x:.1}\" y=\"{y:.1}\" width=\"{bar_w:.1}\" height=\"{:.1}\"/>",
                (base - y).max(1.0)
            ));
        }
        out.push_str(&format!(
            "<text class=\"val\" x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{}</text></g>",
            x + bar_w / 2.0,
            y - 4.0,
            run.findings()
        ));
    }
    let names: Vec<(Fill, &str)> = Severity::ALL
        .iter()
        .map(|s| (Fill::Severity(*s), i18n::severity(lang, *s)))
        .collect();
    out.push_str(&legend(&names, base + 26.0));
    out.push_str("</svg>");
    out
}

/// Failed controls per run as a line with a marker and value per run;
/// partial runs get a hollow marker and a `*` under the axis.
pub(crate) fn trend_failed(id: &str, lang: Lang, runs: &[RunSummary]) -> String {
    let t = i18n::text(lang);
    let ymax = runs
        .iter()
        .map(|r| r.failed_controls)
        .max()
        .unwrap_or(0)
        .max(1);
    let slot = (T_WIDTH - T_LEFT - T_RIGHT) / runs.len().max(1) as f64;
    let height = T_TOP + T_PLOT_H + 24.0;
    let desc: Vec<String> = runs
        .iter()
        .map(|r| {
            format!(
                "{}{}: {}",
                super::date_time(r.started),
                if r.complete {
                    String::new()
                } else {
                    format!(" ({})", t.partial_mark)
                },
                r.failed_controls
            )
        })
        .collect();
    let mut out = open_svg(id, T_WIDTH, height, t.chart_failed, &desc.join("; "));
    out.push_str(&trend_axes(runs, ymax, t.count_axis, slot));
    let base = T_TOP + T_PLOT_H;
    let points: Vec<(f64, f64)> = runs
        .iter()
        .enumerate()
        .map(|(i, r)| {
            (
                T_LEFT + slot * (i as f64 + 0.5),
                base - r.failed_controls as f64 / ymax as f64 * T_PLOT_H,
            )
        })
        .collect();
    let path: Vec<String> = points
        .iter()
        .map(|(x, y)| format!("{x:.1},{y:.1}"))
        .collect();
    out.push_str(&format!(
        "<polyline class=\"line\" points=\"{}\"/>",
        path.join(" ")
    ));
    for (run, (x, y)) in runs.iter().zip(&points) {
        out.push_str(&format!(
            "<circle class=\"{}\" cx=\"{x:.1}\" cy=\"{y:.1}\" r=\"4\"/>\
             <text class=\"val\" x=\"{x:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{}</text>",
            if run.complete { "dot" } else { "dot partial" },
            y - 8.0,
            run.failed_controls
        ));
    }
    out.push_str("</svg>");
    out
}
