//! `sweep.csv`: one row per point — the varied keys, then each main metric's mean and its 95%
//! half-width, then `replications` and `abandon_ok_share` (DESIGN.md, "Command line").

use super::Sweep;
use std::io::{self, Write};

/// The figures `sweep.csv` holds for every point, each followed by a `_ci95` column: what a
/// pacing study compares (abandons and the agents' time), and what it costs (dials, lines).
pub const MAIN_METRICS: &[&str] = &[
    "outbound.dials",
    "outbound.connects",
    "outbound.abandon_rate",
    "outbound.abandon_rate_ofcom",
    "outbound.wait_to_agent_ms.mean",
    "agents.occupancy",
    "agents.talk_minutes_per_hour",
    "agents.contacts_per_hour",
    "inbound.abandon_rate",
    "inbound.service_level_20s",
    "lines.peak",
    "lines.mean",
];

impl Sweep {
    /// The header of `sweep.csv`.
    pub fn csv_header(&self) -> Vec<String> {
        let mut header = self.keys.clone();
        for m in MAIN_METRICS {
            header.push((*m).to_owned());
            header.push(format!("{m}_ci95"));
        }
        header.extend(["replications".to_owned(), "abandon_ok_share".to_owned()]);
        header
    }

    /// Writes `sweep.csv`. Numbers are written in full (the shortest text that reads back as the
    /// same number); a `_ci95` is empty when a point has one replication (no spread to measure).
    pub fn write_csv<W: Write>(&self, w: &mut W) -> io::Result<()> {
        let line = |fields: Vec<String>| fields.iter().map(|f| quote(f)).collect::<Vec<_>>().join(",");
        writeln!(w, "{}", line(self.csv_header()))?;
        for p in &self.points {
            let mut row = p.values.clone();
            for m in MAIN_METRICS {
                row.push(number(p.mean(m)));
                row.push(p.ci95(m).map(number).unwrap_or_default());
            }
            row.push(p.runs.len().to_string());
            row.push(number(p.abandon_ok_share()));
            writeln!(w, "{}", line(row))?;
        }
        Ok(())
    }
}

fn number(x: f64) -> String {
    format!("{x}")
}

/// A CSV field, quoted when it holds a comma, a quote or a line break (RFC 4180).
fn quote(field: &str) -> String {
    if field.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", field.replace('"', "\"\""))
    } else {
        field.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::quote;

    #[test]
    fn quotes_only_what_needs_it() {
        assert_eq!(quote("1.5"), "1.5");
        assert_eq!(quote(r#"{ dist = "exp", mean = "3s" }"#), r#""{ dist = ""exp"", mean = ""3s"" }""#);
    }
}
