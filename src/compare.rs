//! `dialer compare`: two runs side by side, with the noise of each difference and overlay plots.

use crate::source::FormatArgs;
use crate::table;
use anyhow::Context;
use reports::compare::{self, Comparison, Run, Test, Tolerance, Verdict};
use std::io::Write;
use std::path::{Path, PathBuf};

#[derive(clap::Args)]
#[command(after_help = "Examples:
  dialer compare out/simulated out/live
  dialer compare out/ratio2 out/predictive --out out/compare
  dialer compare sim/cdr.csv live/cdr.csv --agents-a sim/agents.csv --agents-b live/agents.csv
  dialer compare out/a out/b --tolerance outbound.abandon_rate=0.005 --tolerance agents.occupancy=2%
  dialer compare Master-june.csv Master-july.csv --from asterisk --tz Europe/London

A and B are run directories (cdr.csv and agents.csv in them) or CDR files, both in the format
--from says (docs/import.md: dialkit, Asterisk Master.csv, any CSV with --map). Each metric is shown
for A and B with B − A, its relative size, a 95% interval of the difference and the p-value of a
test suited to it (two-proportion z for rates, Poisson for dials per hour, Welch's t for mean
durations, Kolmogorov-Smirnov for their quantiles, batch means over bins of time for agent
shares); `noise` says whether the difference is within noise (p ≥ 0.05). See docs/compare.md.
--tolerance METRIC=X allows |B − A| ≤ X, METRIC=X% allows X% of |A|. A metric fails when its
difference is beyond its tolerance AND beyond noise (metrics without a test: beyond tolerance).
With --out DIR: compare.json, and overlay plots (.svg and .png): wait_to_agent and talk_time
histograms, abandon_rate, occupancy and dials over time.
Exit codes: 0 no tolerance failed, 1 a metric failed its tolerance, 2 bad input.")]
pub struct Args {
    /// The first run: a run directory or a CDR file
    #[arg(value_name = "A")]
    a: PathBuf,
    /// The second run: a run directory or a CDR file
    #[arg(value_name = "B")]
    b: PathBuf,
    /// The agent log (agents.csv) going with A when A is a CDR file
    #[arg(long, value_name = "FILE")]
    agents_a: Option<PathBuf>,
    /// The agent log going with B when B is a CDR file
    #[arg(long, value_name = "FILE")]
    agents_b: Option<PathBuf>,
    #[command(flatten)]
    format: FormatArgs,
    /// How far B may be from A: METRIC=ABS or METRIC=PCT% (repeatable)
    #[arg(long = "tolerance", value_name = "METRIC=X")]
    tolerances: Vec<String>,
    /// Directory for compare.json and the overlay plots (created if missing)
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
    /// Print compare.json on stdout instead of the table
    #[arg(long)]
    json: bool,
}

impl Args {
    /// Compares; `Ok(false)` if a metric failed its tolerance.
    pub fn exec(self) -> anyhow::Result<bool> {
        let a = self.format.load(&self.a, self.agents_a.as_deref())?;
        let b = self.format.load(&self.b, self.agents_b.as_deref())?;
        let (mut la, mut lb) = (label(&self.a, "A"), label(&self.b, "B"));
        if la == lb {
            (la, lb) = (self.a.display().to_string(), self.b.display().to_string());
        }
        let runs = [
            Run { label: &la, cdrs: &a.cdrs, agents: &a.agents },
            Run { label: &lb, cdrs: &b.cdrs, agents: &b.agents },
        ];
        let comparison = compare::compare(&runs[0], &runs[1]);
        let keys: Vec<&str> = comparison.rows.iter().map(|r| r.metric.as_str()).collect();
        let tolerances = self.tolerances.iter().map(|t| Tolerance::parse(t, &keys)).collect::<Result<Vec<_>, _>>()?;
        let verdicts = compare::verdicts(&comparison, &tolerances);
        let json = serde_json::json!({ "comparison": comparison, "tolerances": verdicts });
        if let Some(dir) = &self.out {
            std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
            let path = dir.join("compare.json");
            reports::plot::write_atomically(&path, (serde_json::to_string_pretty(&json)? + "\n").as_bytes())
                .with_context(|| format!("cannot write {}", path.display()))?;
            compare::write_overlay_plots(dir, &runs)?;
        }
        let mut stdout = std::io::stdout().lock();
        if self.json {
            serde_json::to_writer_pretty(&mut stdout, &json)?;
            writeln!(stdout)?;
        } else {
            write_table(&mut stdout, &comparison, &verdicts)?;
            if let Some(dir) = &self.out {
                writeln!(
                    stdout,
                    "\nwrote {}/compare.json and {{wait_to_agent, talk_time, abandon_rate, occupancy, dials}}.{{svg, png}}",
                    dir.display()
                )?;
            }
        }
        stdout.flush().context("writing to stdout")?;
        Ok(verdicts.iter().all(|v| !v.failed))
    }
}

/// A run's name for tables and legends: its directory or file name.
/// A run's name in the table: its directory's (`out/live` or `out/live/cdr.csv` → `live`), else
/// the file's (`Master.csv`).
fn label(path: &Path, fallback: &str) -> String {
    let named = if path.is_dir() || path.file_name().is_some_and(|n| n == "cdr.csv") {
        path.canonicalize()
            .ok()
            .and_then(|p| p.components().rev().nth(usize::from(!path.is_dir())).map(|c| c.as_os_str().to_owned()))
    } else {
        path.file_name().map(ToOwned::to_owned)
    };
    named.map_or_else(|| fallback.to_owned(), |n| n.to_string_lossy().into_owned())
}

fn write_table(w: &mut impl Write, c: &Comparison, verdicts: &[Verdict]) -> std::io::Result<()> {
    writeln!(w, "A = {}, B = {}", c.a, c.b)?;
    let header =
        ["metric", "A", "B", "B − A", "rel", "95% CI of B − A", "test", "p", "noise", "tolerance"].map(str::to_owned);
    let rows: Vec<Vec<String>> = c
        .rows
        .iter()
        .map(|r| {
            let verdict = verdicts.iter().find(|v| v.metric == r.metric);
            vec![
                r.metric.clone(),
                table::number(r.a),
                table::number(r.b),
                table::number(r.diff),
                r.rel.map_or("-".to_owned(), |x| format!("{:+.1}%", x * 100.0)),
                r.ci95.map_or("-".to_owned(), |(lo, hi)| format!("[{}, {}]", table::number(lo), table::number(hi))),
                test_name(r.test).to_owned(),
                r.p_value.map_or("-".to_owned(), |p| format!("{p:.3}")),
                match r.within_noise() {
                    Some(true) => "within".to_owned(),
                    Some(false) => "BEYOND".to_owned(),
                    None => "-".to_owned(),
                },
                verdict.map_or("-".to_owned(), |v| {
                    format!("{} {}", if v.failed { "FAIL" } else { "pass" }, table::number(v.allowed))
                }),
            ]
        })
        .collect();
    table::write_grid(w, &header, &rows, 1)?;
    let failed = verdicts.iter().filter(|v| v.failed).count();
    if !verdicts.is_empty() {
        writeln!(w, "\n{} tolerance(s): {} passed, {failed} failed", verdicts.len(), verdicts.len() - failed)?;
    }
    Ok(())
}

fn test_name(t: Test) -> &'static str {
    match t {
        Test::TwoProportion => "2-prop z",
        Test::Poisson => "Poisson",
        Test::Welch => "Welch t",
        Test::KolmogorovSmirnov => "KS",
        Test::BatchMeans => "batch means",
        Test::None => "-",
    }
}
