//! The human-readable summary of a run's metrics.

use serde_json::Value;
use std::io::{self, Write};

/// How to show one figure.
#[derive(Clone, Copy)]
enum Fmt {
    Count,
    Percent,
    Float,
    Ms,
}

/// A row of the table: label, metrics key (empty for the busy / no answer / invalid row), format.
type Row = (&'static str, &'static str, Fmt);

const SECTIONS: &[(&str, &[Row])] = &[
    (
        "outbound",
        &[
            ("dials placed", "outbound.dials", Fmt::Count),
            ("answered by a person", "outbound.human", Fmt::Count),
            ("answered by a machine", "outbound.machine", Fmt::Count),
            ("busy / no answer / invalid", "", Fmt::Count),
            ("connected to an agent", "outbound.connects", Fmt::Count),
            ("abandoned", "outbound.abandons", Fmt::Count),
            ("abandon rate (FCC)", "outbound.abandon_rate", Fmt::Percent),
            ("abandon rate (Ofcom)", "outbound.abandon_rate_ofcom", Fmt::Percent),
            ("AMD false positives", "outbound.amd_false_positives", Fmt::Count),
            ("wait to agent, mean", "outbound.wait_to_agent_ms.mean", Fmt::Ms),
            ("wait to agent, p95", "outbound.wait_to_agent_ms.p95", Fmt::Ms),
        ],
    ),
    (
        "inbound",
        &[
            ("offered", "inbound.offered", Fmt::Count),
            ("blocked (no line)", "inbound.blocked", Fmt::Count),
            ("served", "inbound.served", Fmt::Count),
            ("abandoned", "inbound.abandons", Fmt::Count),
            ("abandon rate", "inbound.abandon_rate", Fmt::Percent),
            ("had to wait", "inbound.p_wait", Fmt::Percent),
            ("mean wait of served (s)", "inbound.mean_wait_served_s", Fmt::Float),
            ("service level (20 s)", "inbound.service_level_20s", Fmt::Percent),
        ],
    ),
    (
        "agents",
        &[
            ("agents", "agents.count", Fmt::Count),
            ("occupancy", "agents.occupancy", Fmt::Percent),
            ("talk minutes per hour", "agents.talk_minutes_per_hour", Fmt::Float),
            ("contacts per hour", "agents.contacts_per_hour", Fmt::Float),
        ],
    ),
    ("lines", &[("peak in use", "lines.peak", Fmt::Count), ("mean in use", "lines.mean", Fmt::Float)]),
];

fn get<'v>(v: &'v Value, key: &str) -> Option<&'v Value> {
    key.split('.').try_fold(v, |v, k| v.get(k))
}

fn show(x: f64, fmt: Fmt) -> String {
    match fmt {
        Fmt::Count if x.fract() == 0.0 => format!("{x:.0}"),
        Fmt::Count => format!("{x:.1}"),
        Fmt::Percent => format!("{:.2}%", x * 100.0),
        Fmt::Float => format!("{x:.2}"),
        Fmt::Ms => format!("{x:.0} ms"),
    }
}

/// Writes a table of the main figures of `summary` (a `metrics.json` object): each with its 95%
/// confidence half-width when the run had replications. Sections with no traffic are left out.
pub fn write_summary(w: &mut impl Write, name: &str, summary: &Value) -> io::Result<()> {
    let ci = summary.get("ci95");
    let runs = summary.get("runs").and_then(Value::as_array).map_or(1, Vec::len);
    let what = if runs > 1 { format!("mean of {runs} replications, ± 95% CI") } else { "one replication".to_owned() };
    writeln!(w, "{name}: {what}")?;
    for (section, rows) in SECTIONS {
        let traffic = match *section {
            "outbound" => get(summary, "outbound.dials"),
            "inbound" => get(summary, "inbound.offered"),
            _ => Some(&Value::Null),
        };
        // No traffic, or a section the summary leaves out (a report without an agent log).
        if traffic.and_then(Value::as_f64) == Some(0.0) || summary.get(*section).is_none() {
            continue;
        }
        writeln!(w, "\n{section}")?;
        for (label, key, fmt) in *rows {
            let value = if key.is_empty() {
                ["busy", "no_answer", "invalid"]
                    .iter()
                    .map(|k| {
                        get(summary, &format!("outbound.{k}"))
                            .and_then(Value::as_f64)
                            .map_or("-".into(), |x| show(x, *fmt))
                    })
                    .collect::<Vec<_>>()
                    .join(" / ")
            } else {
                let Some(x) = get(summary, key).and_then(Value::as_f64) else { continue };
                let half = ci.and_then(|c| get(c, key)).and_then(Value::as_f64);
                match half {
                    Some(h) => format!("{} ± {}", show(x, *fmt), show(h, *fmt)),
                    None => show(x, *fmt),
                }
            };
            writeln!(w, "  {label:<28} {value}")?;
        }
    }
    if let Some(p) = summary.get("perf") {
        let f = |k: &str| p.get(k).and_then(Value::as_f64).unwrap_or(0.0);
        writeln!(
            w,
            "\nspeed: {:.0} events/s, {:.0} dials/s per core ({:.0} ms wall per replication)",
            f("events_per_s"),
            f("dials_per_s"),
            f("wall_ms")
        )?;
    }
    Ok(())
}

/// Writes rows under a header, each column as wide as its widest cell, indented by two spaces;
/// columns from `numeric_from` on are aligned right (numbers), the others left.
pub fn write_grid(w: &mut impl Write, header: &[String], rows: &[Vec<String>], numeric_from: usize) -> io::Result<()> {
    let columns = header.len();
    let width = |i: usize| {
        rows.iter().map(|r| r.get(i).map_or(0, |c| c.chars().count())).max().unwrap_or(0).max(header[i].chars().count())
    };
    let widths: Vec<usize> = (0..columns).map(width).collect();
    let line = |cells: &[String]| {
        let mut text = String::from(" ");
        for (i, cell) in cells.iter().enumerate() {
            let pad = widths[i].saturating_sub(cell.chars().count());
            text.push(' ');
            if i >= numeric_from {
                text.push_str(&" ".repeat(pad));
                text.push_str(cell);
            } else {
                text.push_str(cell);
                text.push_str(&" ".repeat(pad));
            }
            text.push(' ');
        }
        text.trim_end().to_owned()
    };
    writeln!(w, "{}", line(header))?;
    for row in rows {
        writeln!(w, "{}", line(row))?;
    }
    Ok(())
}

/// A number for a table: whole numbers as such, others to about four significant figures.
pub fn number(x: f64) -> String {
    if !x.is_finite() {
        return "-".to_owned();
    }
    if x.fract() == 0.0 && x.abs() < 1e15 {
        return format!("{x:.0}");
    }
    let magnitude = x.abs().log10().floor() as i32;
    let decimals = (3 - magnitude).clamp(0, 6) as usize;
    let text = format!("{x:.decimals$}");
    if text.contains('.') { text.trim_end_matches('0').trim_end_matches('.').to_owned() } else { text }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shows_confidence_intervals_and_skips_silent_sections() {
        let summary = serde_json::json!({
            "outbound": { "dials": 1000.0, "human": 300.0, "connects": 290.0, "abandons": 10.0,
                          "abandon_rate": 0.0333, "busy": 100.0, "no_answer": 400.0, "invalid": 0.0 },
            "inbound": { "offered": 0.0 },
            "agents": { "occupancy": 0.85 },
            "ci95": { "outbound": { "abandon_rate": 0.004 } },
            "runs": [{}, {}],
        });
        let mut out = Vec::new();
        write_summary(&mut out, "demo", &summary).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(text.starts_with("demo: mean of 2 replications"), "{text}");
        assert!(text.contains("abandon rate (FCC)           3.33% ± 0.40%"), "{text}");
        assert!(text.contains("busy / no answer / invalid   100 / 400 / 0"), "{text}");
        assert!(text.contains("occupancy                    85.00%"), "{text}");
        assert!(!text.contains("inbound"), "no inbound traffic, no inbound section: {text}");
    }

    #[test]
    fn grids_align_text_left_and_numbers_right() {
        let header = ["key".to_owned(), "value".to_owned()];
        let rows = vec![vec!["a".to_owned(), "1".to_owned()], vec!["long key".to_owned(), "12.5".to_owned()]];
        let mut out = Vec::new();
        write_grid(&mut out, &header, &rows, 1).unwrap();
        assert_eq!(String::from_utf8(out).unwrap(), "  key       value\n  a             1\n  long key   12.5\n");
    }

    #[test]
    fn numbers_keep_about_four_figures() {
        assert_eq!(number(0.769_123), "0.7691");
        assert_eq!(number(0.012_345), "0.01235");
        assert_eq!(number(1980.35), "1980");
        assert_eq!(number(42.0), "42");
        assert_eq!(number(0.5), "0.5");
        assert_eq!(number(f64::NAN), "-");
    }
}
