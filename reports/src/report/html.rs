//! `report.html`: one self-contained page — inline CSS, the plots as inline SVG, the tables — that
//! needs no network and no script to read. A few lines of script at the end only check that the
//! plots rendered and say so on `<body data-plots-rendered="N">`, for the browser test.

use super::{Report, outcome_label};
use crate::{ABANDON_CAP, Outcome};
use serde_json::Value;
use std::fmt::Write;

/// Problems listed on the page; the rest are counted (report.json has them all).
const PROBLEMS_SHOWN: usize = 50;

const STYLE: &str = "
body { font-family: 'DejaVu Sans', 'Segoe UI', Helvetica, Arial, sans-serif; color: #1d1d1f; margin: 0; background: #f5f6f8; }
main { max-width: 1280px; margin: 0 auto; padding: 24px 32px 48px; }
h1 { font-size: 28px; margin: 8px 0 4px; }
h2 { font-size: 20px; margin: 36px 0 12px; border-bottom: 2px solid #d8dce3; padding-bottom: 6px; }
p.meta { color: #5a5f69; margin: 0 0 16px; }
.cards { display: flex; flex-wrap: wrap; gap: 12px; }
.card { background: #fff; border: 1px solid #d8dce3; border-radius: 8px; padding: 12px 16px; min-width: 150px; }
.card .v { font-size: 24px; font-weight: bold; }
.card .k { color: #5a5f69; font-size: 13px; }
figure.plot { background: #fff; border: 1px solid #d8dce3; border-radius: 8px; margin: 0 0 20px; padding: 8px; }
figure.plot svg { width: 100%; height: auto; display: block; }
table { border-collapse: collapse; background: #fff; font-size: 14px; margin-bottom: 8px; }
th, td { border: 1px solid #d8dce3; padding: 4px 10px; white-space: nowrap; }
th { background: #eef0f4; text-align: left; }
td.n { text-align: right; font-variant-numeric: tabular-nums; }
tr.over td { background: #fde2e1; }
td.bad { color: #b00020; font-weight: bold; }
.note { background: #fff8e1; border: 1px solid #f0d58a; border-radius: 6px; padding: 8px 12px; margin: 8px 0; }
.problems { background: #fdecec; border-color: #e8a5a5; }
.scroll { overflow-x: auto; }
";

/// Escapes text for HTML.
fn esc(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

/// A count with thin spaces between thousands: `12 345`.
fn count(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push('\u{2009}');
        }
        out.push(c);
    }
    out
}

fn pct(x: Option<f64>) -> String {
    x.map_or_else(|| "–".to_owned(), |x| format!("{:.2}%", x * 100.0))
}

fn num(x: Option<f64>, decimals: usize) -> String {
    x.map_or_else(|| "–".to_owned(), |x| format!("{x:.decimals$}"))
}

/// A table row: an optional class, then (text, is a number) per cell.
type Row<'a> = (Option<&'a str>, Vec<(String, bool)>);

/// A table: header cells, then the rows; numbers are aligned right.
fn table(out: &mut String, header: &[&str], rows: &[Row<'_>]) {
    out.push_str("<div class=\"scroll\"><table><thead><tr>");
    for h in header {
        let _ = write!(out, "<th>{}</th>", esc(h));
    }
    out.push_str("</tr></thead><tbody>\n");
    for (class, cells) in rows {
        match class {
            Some(c) => {
                let _ = write!(out, "<tr class=\"{c}\">");
            }
            None => out.push_str("<tr>"),
        }
        for (cell, numeric) in cells {
            let _ = write!(out, "<td{}>{}</td>", if *numeric { " class=\"n\"" } else { "" }, esc(cell));
        }
        out.push_str("</tr>\n");
    }
    out.push_str("</tbody></table></div>\n");
}

/// Every figure of `metrics.json` (but `perf`) as (dotted key, formatted value), formatted by
/// what the key names: rates and shares as percentages, `_ms` as milliseconds.
fn metric_rows(metrics: &Value) -> Vec<(String, String)> {
    fn walk(prefix: &str, v: &Value, out: &mut Vec<(String, String)>) {
        match v {
            Value::Object(map) => {
                for (k, child) in map {
                    let key = if prefix.is_empty() { k.clone() } else { format!("{prefix}.{k}") };
                    if key != "perf" {
                        walk(&key, child, out);
                    }
                }
            }
            Value::Number(n) => {
                let x = n.as_f64().unwrap_or(f64::NAN);
                let share = ["rate", "occupancy", "fraction", "p_wait", "service_level", "cap"];
                let text = if n.is_u64() {
                    count(n.as_u64().unwrap_or(0))
                } else if share.iter().any(|s| prefix.rsplit('.').next().unwrap_or("").contains(s)) {
                    pct(Some(x))
                } else if prefix.contains("_ms.") {
                    format!("{x:.0} ms")
                } else {
                    format!("{x:.2}")
                };
                out.push((prefix.to_owned(), text));
            }
            other => out.push((prefix.to_owned(), other.to_string())),
        }
    }
    let mut out = Vec::new();
    walk("", metrics, &mut out);
    out
}

/// The page. `figures` are (stem, title, SVG document).
pub(super) fn page(report: &Report, figures: &[(&str, &str, &str)]) -> String {
    let m = &report.metrics;
    let mut out = String::with_capacity(1 << 20);
    let title = format!("dialkit report: {}", report.source);
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>{}</title>\n<style>{STYLE}</style>\n</head>\n<body data-plots-expected=\"{}\">\n<main>\n<h1>{}</h1>\n",
        esc(&title),
        figures.len(),
        esc(&title)
    );
    let calls = m.outbound.dials + m.outbound.blocked + m.inbound.offered;
    let _ = writeln!(
        out,
        "<p class=\"meta\">{} call records from {} ({}); hours and days in {}. Agent log: {}.</p>",
        count(calls),
        esc(&report.origin),
        esc(&report.source),
        esc(&report.time_zone),
        if report.agent_log { "yes" } else { "none, so agent figures are absent" }
    );
    for note in &report.notes {
        let _ = writeln!(out, "<div class=\"note\">{}</div>", esc(note));
    }
    if !report.problems.is_empty() {
        let _ = write!(
            out,
            "<div class=\"note problems\"><strong>{} row(s) could not be read and are not counted:</strong><ul>",
            report.problems.len()
        );
        for p in report.problems.iter().take(PROBLEMS_SHOWN) {
            let _ = write!(out, "<li>{}</li>", esc(&p.to_string()));
        }
        if report.problems.len() > PROBLEMS_SHOWN {
            let _ =
                write!(out, "<li>… and {} more (all are in report.json)</li>", report.problems.len() - PROBLEMS_SHOWN);
        }
        out.push_str("</ul></div>\n");
    }

    let cards = [
        ("dials placed", count(m.outbound.dials)),
        ("live answers", count(m.outbound.connects + m.outbound.abandons)),
        ("abandon rate (FCC)", pct(Some(m.outbound.abandon_rate))),
        ("abandon rate (Ofcom)", pct(Some(m.outbound.abandon_rate_ofcom))),
        ("wait to agent, p95", format!("{:.0} ms", m.outbound.wait_to_agent_ms.p95)),
        ("occupancy", if report.agent_log { pct(Some(m.agents.occupancy)) } else { "–".to_owned() }),
        ("days over the 3% cap", count(report.days_over_cap() as u64)),
    ];
    out.push_str("<div class=\"cards\">");
    for (k, v) in cards {
        let _ = write!(
            out,
            "<div class=\"card\"><div class=\"v\">{}</div><div class=\"k\">{}</div></div>",
            esc(&v),
            esc(k)
        );
    }
    out.push_str("</div>\n<h2>Plots</h2>\n");
    for (stem, title, svg) in figures {
        // plotters writes a bare <svg> element; anything before it (a declaration) is dropped.
        let svg = svg.find("<svg").map_or(*svg, |i| &svg[i..]);
        let _ = writeln!(
            out,
            "<figure class=\"plot\" id=\"plot-{stem}\" role=\"img\" aria-label=\"{}\">\n{svg}\n</figure>",
            esc(title)
        );
    }

    out.push_str("<h2>Compliance per campaign and day</h2>\n");
    let _ = writeln!(
        out,
        "<p>FCC: abandons ÷ live answers over the 30 days ending with the day (the day's own rate beside it). Ofcom: (abandons + AMD false positives) ÷ (live answers + false positives) of the day. Cap {}; rows over it are marked.</p>",
        pct(Some(ABANDON_CAP))
    );
    let rows: Vec<_> = report
        .compliance
        .iter()
        .map(|d| {
            let class = (d.fcc_over_cap || d.ofcom_over_cap).then_some("over");
            let cells = vec![
                (d.campaign.clone(), false),
                (d.day.clone(), false),
                (count(d.live_answers), true),
                (count(d.abandons), true),
                (count(d.amd_false_positives), true),
                (pct(d.fcc_day_rate), true),
                (pct(d.fcc_30_day_rate), true),
                (pct(d.ofcom_rate), true),
            ];
            (class, cells)
        })
        .collect();
    let header =
        ["campaign", "day", "live answers", "abandons", "AMD false positives", "FCC day", "FCC 30 days", "Ofcom day"];
    table(&mut out, &header, &rows);

    out.push_str("<h2>Per hour</h2>\n");
    let quiet = report.per_hour.iter().filter(|h| h.is_quiet()).count();
    if quiet > 0 {
        let _ = writeln!(
            out,
            "<p>{quiet} hour(s) without calls or logged-in agents are left out (report.json has every hour).</p>"
        );
    }
    let used: Vec<Outcome> =
        Outcome::ALL.iter().copied().filter(|o| report.per_hour.iter().any(|h| h.outcomes.get(*o) > 0)).collect();
    let mut header: Vec<String> = vec!["hour".into(), "dials".into()];
    header.extend(used.iter().map(|o| outcome_label(*o)));
    header.extend(["live answers", "abandons", "abandon rate", "inbound", "agents", "occupancy"].map(String::from));
    let rows: Vec<_> = report
        .per_hour
        .iter()
        .filter(|h| !h.is_quiet())
        .map(|h| {
            let mut cells = vec![(h.start.clone(), false), (count(h.dials), true)];
            cells.extend(used.iter().map(|o| (count(h.outcomes.get(*o)), true)));
            cells.extend([
                (count(h.live_answers), true),
                (count(h.abandons), true),
                (pct(h.abandon_rate), true),
                (count(h.inbound), true),
                (num(h.agents, 1), true),
                (pct(h.occupancy), true),
            ]);
            (None, cells)
        })
        .collect();
    table(&mut out, &header.iter().map(String::as_str).collect::<Vec<_>>(), &rows);

    out.push_str("<h2>Per agent</h2>\n");
    if report.per_agent.is_empty() {
        out.push_str("<p>No agent is named in the records.</p>\n");
    } else {
        let rows: Vec<_> = report
            .per_agent
            .iter()
            .map(|a| {
                let cells = vec![
                    (a.agent.to_string(), false),
                    (count(a.calls), true),
                    (num(Some(a.talk_s / 60.0), 1), true),
                    (num(a.wrap_s.map(|s| s / 60.0), 1), true),
                    (num(Some(a.handle_s / 60.0), 1), true),
                    (num(a.mean_handle_s, 0), true),
                    (num(a.idle_s.map(|s| s / 60.0), 1), true),
                    (num(a.reserved_s.map(|s| s / 60.0), 1), true),
                    (num(a.paused_s.map(|s| s / 60.0), 1), true),
                    (num(a.logged_in_s.map(|s| s / 60.0), 1), true),
                    (pct(a.occupancy), true),
                ];
                (None, cells)
            })
            .collect();
        let header = [
            "agent",
            "calls",
            "talk (min)",
            "wrap-up (min)",
            "handle (min)",
            "mean handle (s)",
            "idle (min)",
            "reserved (min)",
            "paused (min)",
            "logged in (min)",
            "occupancy",
        ];
        table(&mut out, &header, &rows);
    }

    out.push_str("<h2>All figures</h2>\n<p>The keys of <code>metrics.json</code>, recomputed from the records.</p>\n");
    // Metrics are numbers in objects, which always serialise.
    let metrics = serde_json::to_value(m).expect("metrics serialise to JSON");
    let rows: Vec<_> = metric_rows(&metrics)
        .into_iter()
        // Without an agent log the agent figures are zeros that mean nothing.
        .filter(|(k, _)| report.agent_log || !k.starts_with("agents."))
        .map(|(k, v)| (None, vec![(k, false), (v, true)]))
        .collect();
    table(&mut out, &["figure", "value"], &rows);
    out.push_str("</main>\n");
    // Not needed to read the page: counts the plots that were laid out with something drawn in
    // them and records it on <body>, where a headless browser's --dump-dom shows it.
    out.push_str(
        "<script>\n(function () {\n  var n = 0;\n  document.querySelectorAll('figure.plot > svg').forEach(function (svg) {\n    var box = svg.getBoundingClientRect();\n    var drawn = svg.getBBox();\n    var marks = svg.querySelectorAll('rect, path, polyline, line, circle, text').length;\n    if (box.width > 0 && box.height > 0 && drawn.width > 0 && drawn.height > 0 && marks > 10) { n += 1; }\n  });\n  document.body.setAttribute('data-plots-rendered', String(n));\n})();\n</script>\n",
    );
    out.push_str("</body>\n</html>\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_escaped_and_numbers_read_well() {
        assert_eq!(esc("<a & \"b\">"), "&lt;a &amp; &quot;b&quot;&gt;");
        assert_eq!(count(1_234_567), "1\u{2009}234\u{2009}567");
        assert_eq!(count(999), "999");
        assert_eq!(pct(Some(0.0312)), "3.12%");
        assert_eq!(pct(None), "–");
        let rows = metric_rows(&serde_json::json!({
            "outbound": { "dials": 12, "abandon_rate": 0.025, "wait_to_agent_ms": { "p95": 1500.4 } },
            "perf": { "wall_ms": 3.0 }
        }));
        let expected = [
            ("outbound.dials", "12"),
            ("outbound.abandon_rate", "2.50%"),
            ("outbound.wait_to_agent_ms.p95", "1500 ms"),
        ];
        let expected: Vec<(String, String)> =
            expected.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect();
        assert_eq!(rows, expected);
    }
}
