//! Charts of the last 30 days, drawn on the server as inline SVG (no chart library, no
//! script): cases per day, the share of each decision per day, and per engine the share of
//! decided cases with a failing check.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use axum::Extension;
use axum::extract::State;
use axum::response::Response;
use serde_json::Value;

use super::html::{esc, layout};
use super::{Fail, Session};
use crate::Shared;

/// Days shown.
pub const DAYS: i64 = 30;
/// Most results read for the failure chart.
const MAX_RESULTS: i64 = 20_000;

const W: f64 = 720.0;
const H: f64 = 220.0;
const PAD_L: f64 = 44.0;
const PAD_B: f64 = 28.0;
const PAD_T: f64 = 10.0;

const COLOURS: [&str; 5] = ["#2f6f4f", "#b23b3b", "#c98a1a", "#3a5a9b", "#7a4a8c"];

#[allow(clippy::cast_precision_loss, reason = "chart coordinates")]
fn x_of(i: usize, n: usize) -> f64 {
    PAD_L + (W - PAD_L - 8.0) * (i as f64) / (n.max(1) as f64)
}

fn y_of(v: f64, max: f64) -> f64 {
    let plot = H - PAD_B - PAD_T;
    H - PAD_B - plot * (v / max.max(f64::MIN_POSITIVE)).clamp(0.0, 1.0)
}

fn axes(svg: &mut String, days: &[i64], max: f64, unit: &str) {
    let _ = write!(
        svg,
        "<line x1=\"{PAD_L}\" y1=\"{b}\" x2=\"{W}\" y2=\"{b}\" stroke=\"#888\"/><line x1=\"{PAD_L}\" y1=\"{PAD_T}\" x2=\"{PAD_L}\" y2=\"{b}\" stroke=\"#888\"/>",
        b = H - PAD_B
    );
    for k in 0..=4 {
        let v = max * f64::from(k) / 4.0;
        let y = y_of(v, max);
        let label = if unit == "%" {
            format!("{:.0}%", v * 100.0)
        } else {
            format!("{v:.0}")
        };
        let _ = write!(
            svg,
            "<line x1=\"{PAD_L}\" y1=\"{y:.1}\" x2=\"{W}\" y2=\"{y:.1}\" stroke=\"#e4e4e4\"/><text x=\"{:.1}\" y=\"{:.1}\" font-size=\"10\" text-anchor=\"end\" fill=\"#555\">{label}</text>",
            PAD_L - 4.0,
            y + 3.0
        );
    }
    for (i, d) in days.iter().enumerate() {
        if i % 5 == 0 {
            let date = crate::api::rfc3339(d * 86_400_000);
            let _ = write!(
                svg,
                "<text x=\"{:.1}\" y=\"{:.1}\" font-size=\"10\" fill=\"#555\">{}</text>",
                x_of(i, days.len()),
                H - 10.0,
                esc(date.get(5..10).unwrap_or(""))
            );
        }
    }
}

fn legend(items: &[(&str, &str)]) -> String {
    let mut out = String::from("<p class=\"legend\">");
    for (colour, label) in items {
        let _ = write!(
            out,
            "<svg width=\"12\" height=\"12\" aria-hidden=\"true\"><rect width=\"12\" height=\"12\" fill=\"{colour}\"/></svg> {} &nbsp; ",
            esc(label)
        );
    }
    out.push_str("</p>");
    out
}

fn open(id: &str, title: &str) -> String {
    format!(
        "<svg id=\"{id}\" class=\"chart\" viewBox=\"0 0 {W} {H}\" width=\"{W}\" height=\"{H}\" role=\"img\" aria-label=\"{}\" xmlns=\"http://www.w3.org/2000/svg\">",
        esc(title)
    )
}

/// Cases per day, as bars.
#[must_use]
pub fn volume_chart(days: &[i64], totals: &[i64]) -> String {
    #[allow(clippy::cast_precision_loss, reason = "counts far below 2^52")]
    let max = totals.iter().copied().max().unwrap_or(0).max(1) as f64;
    // A multiple of 4, so the four grid lines fall on whole numbers.
    let max = (max / 4.0).ceil() * 4.0;
    let mut svg = open("chart-volume", "Cases per day");
    axes(&mut svg, days, max, "");
    let bw = (W - PAD_L - 8.0) / (days.len().max(1) as f64) * 0.8;
    for (i, t) in totals.iter().enumerate() {
        #[allow(clippy::cast_precision_loss, reason = "counts far below 2^52")]
        let y = y_of(*t as f64, max);
        let _ = write!(
            svg,
            "<rect x=\"{:.1}\" y=\"{y:.1}\" width=\"{bw:.1}\" height=\"{:.1}\" fill=\"{}\"><title>{t}</title></rect>",
            x_of(i, days.len()),
            (H - PAD_B - y).max(0.0),
            COLOURS[3]
        );
    }
    svg.push_str("</svg>");
    svg
}

/// Shares of each decision per day, as stacked bars.
#[must_use]
pub fn decision_chart(days: &[i64], shares: &[[f64; 3]]) -> String {
    let mut svg = open("chart-decisions", "Decisions per day");
    axes(&mut svg, days, 1.0, "%");
    let bw = (W - PAD_L - 8.0) / (days.len().max(1) as f64) * 0.8;
    for (i, s) in shares.iter().enumerate() {
        let mut base = 0.0;
        for (k, part) in s.iter().enumerate() {
            let top = y_of(base + part, 1.0);
            let bottom = y_of(base, 1.0);
            let _ = write!(
                svg,
                "<rect x=\"{:.1}\" y=\"{top:.1}\" width=\"{bw:.1}\" height=\"{:.1}\" fill=\"{}\"/>",
                x_of(i, days.len()),
                (bottom - top).max(0.0),
                COLOURS.get(k).copied().unwrap_or("#999")
            );
            base += part;
        }
    }
    svg.push_str("</svg>");
    svg
}

/// Lines of rates (0–1) per day, one per series.
#[must_use]
pub fn rate_chart(days: &[i64], series: &[(String, Vec<Option<f64>>)]) -> String {
    let max = series
        .iter()
        .flat_map(|(_, v)| v.iter().flatten().copied())
        .fold(0.0_f64, f64::max)
        .clamp(0.05, 1.0);
    let mut svg = open("chart-failures", "Check failure rates per day");
    axes(&mut svg, days, max, "%");
    for (k, (_, values)) in series.iter().enumerate() {
        let mut points = String::new();
        for (i, v) in values.iter().enumerate() {
            if let Some(v) = v {
                let _ = write!(points, "{:.1},{:.1} ", x_of(i, days.len()), y_of(*v, max));
            }
        }
        let _ = write!(
            svg,
            "<polyline points=\"{points}\" fill=\"none\" stroke=\"{}\" stroke-width=\"2\"/>",
            COLOURS.get(k).copied().unwrap_or("#999")
        );
    }
    svg.push_str("</svg>");
    svg
}

pub(super) async fn stats(
    State(state): State<Shared>,
    Extension(session): Extension<Session>,
) -> Result<Response, Fail> {
    let today = state.now_ms().div_euclid(86_400_000);
    let first = today - DAYS + 1;
    let days: Vec<i64> = (first..=today).collect();
    let index = |d: i64| usize::try_from(d - first).ok().filter(|i| *i < days.len());
    let mut totals = vec![0i64; days.len()];
    let mut decisions = vec![[0i64; 3]; days.len()];
    for (day, status, n) in state.db.daily_counts(first * 86_400_000).await? {
        let Some(i) = index(day) else { continue };
        if let Some(t) = totals.get_mut(i) {
            *t += n;
        }
        let k = match status.as_str() {
            "approved" => 0,
            "declined" => 1,
            "review" => 2,
            _ => continue,
        };
        if let Some(slot) = decisions.get_mut(i).and_then(|d| d.get_mut(k)) {
            *slot += n;
        }
    }
    #[allow(clippy::cast_precision_loss, reason = "counts far below 2^52")]
    let shares: Vec<[f64; 3]> = decisions
        .iter()
        .map(|d| {
            let sum: i64 = d.iter().sum();
            if sum == 0 {
                [0.0; 3]
            } else {
                d.map(|x| x as f64 / sum as f64)
            }
        })
        .collect();
    // Per engine and day: (decided cases, cases with a failing check of that engine).
    let engines = ["mrz", "chip", "face", "liveness", "document"];
    let mut fails: BTreeMap<&str, Vec<(u32, u32)>> = engines
        .iter()
        .map(|e| (*e, vec![(0, 0); days.len()]))
        .collect();
    for (created, json) in state
        .db
        .results_since(first * 86_400_000, MAX_RESULTS)
        .await?
    {
        let Some(i) = index(created.div_euclid(86_400_000)) else {
            continue;
        };
        let Ok(v) = serde_json::from_str::<Value>(&json) else {
            continue;
        };
        let checks = v.get("checks").and_then(Value::as_array);
        for e in engines {
            let prefix = format!("{e}.");
            let of_engine = checks.into_iter().flatten().filter(|c| {
                c.get("check")
                    .and_then(Value::as_str)
                    .is_some_and(|n| n.starts_with(&prefix))
            });
            let mut performed = false;
            let mut failed = false;
            for c in of_engine {
                match c.get("status").and_then(Value::as_str) {
                    Some("fail") => {
                        performed = true;
                        failed = true;
                    }
                    Some("pass" | "warn") => performed = true,
                    _ => {}
                }
            }
            if let Some(slot) = fails.get_mut(e).and_then(|v| v.get_mut(i))
                && performed
            {
                slot.0 += 1;
                slot.1 += u32::from(failed);
            }
        }
    }
    let series: Vec<(String, Vec<Option<f64>>)> = engines
        .iter()
        .map(|e| {
            let v = fails
                .get(e)
                .map(|d| {
                    d.iter()
                        .map(|(n, f)| (*n > 0).then(|| f64::from(*f) / f64::from(*n)))
                        .collect()
                })
                .unwrap_or_default();
            ((*e).to_owned(), v)
        })
        .collect();
    let total: i64 = totals.iter().sum();
    let body = format!(
        "<p>Last {DAYS} days (UTC): <strong id=\"stats-total\">{total}</strong> case(s).</p>\
<section><h2>Volume</h2>{}</section>\
<section><h2>Decisions</h2>{}{}</section>\
<section><h2>Check failure rates</h2><p class=\"small\">Per engine: the share of decided cases in which one of its checks failed (among cases it examined).</p>{}{}</section>",
        volume_chart(&days, &totals),
        decision_chart(&days, &shares),
        legend(&[
            (COLOURS[0], "approved"),
            (COLOURS[1], "declined"),
            (COLOURS[2], "review")
        ]),
        rate_chart(&days, &series),
        legend(
            &engines
                .iter()
                .enumerate()
                .map(|(k, e)| (COLOURS.get(k).copied().unwrap_or("#999"), *e))
                .collect::<Vec<_>>()
        ),
    );
    Ok(layout(&state, &session, "Charts", &body))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn charts_are_svg_without_inline_style_or_script() {
        let days: Vec<i64> = (0..30).collect();
        let v = volume_chart(&days, &[3; 30]);
        let d = decision_chart(&days, &[[0.5, 0.25, 0.25]; 30]);
        let r = rate_chart(&days, &[("mrz".into(), vec![Some(0.1); 30])]);
        for svg in [v, d, r] {
            assert!(svg.starts_with("<svg") && svg.ends_with("</svg>"));
            assert!(!svg.contains("style=") && !svg.contains("<script"));
        }
        // Empty data draws axes, not NaN.
        assert!(!volume_chart(&days, &[0; 30]).contains("NaN"));
    }
}
