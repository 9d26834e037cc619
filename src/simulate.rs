//! `dialer simulate`: one scenario, one or more replications.

use crate::{progress, table};
use anyhow::Context;
use sim::replicate;
use sim::scenario;
use std::io::Write;
use std::path::PathBuf;

#[derive(clap::Args)]
#[command(after_help = "Examples:
  dialer simulate scenarios/reference-ratio2.toml --out out/reference
  dialer simulate scenarios/reference-ratio2.toml --replications 40 --json > metrics.json
  dialer simulate scenarios/reference-ratio2.toml --set pacing.ratio=1.5 --set agents.count=50
  dialer simulate scenarios/reference-ratio2.toml --out out/reference --plots

Outputs (with --out DIR): metrics.json, cdr.csv, agents.csv; the files of replication 1.
With --plots, also drawn from those files, each as .svg and .png: abandon (rolling 30-minute and
running abandon rate against the 3% cap), dial_level, agents (idle agents), calls (calls in
flight) and occupancy, over the hours of the run.
Exit codes: 0 ok, 2 bad input (the error names the file, the key and the fix; nothing is written).")]
pub struct Args {
    /// Scenario file (TOML; see the README for the format)
    scenario: PathBuf,
    /// Seed of the random streams (overrides the scenario's `seed`)
    #[arg(long)]
    seed: Option<u64>,
    /// Replications, run in parallel (overrides the scenario's `replications`)
    #[arg(long, short = 'r', value_parser = clap::value_parser!(u32).range(1..))]
    replications: Option<u32>,
    /// Override a scenario key, e.g. `--set pacing.ratio=1.5` or `--set agents.groups.0.count=20`
    #[arg(long = "set", value_name = "KEY=VALUE")]
    sets: Vec<String>,
    /// Directory for metrics.json, cdr.csv and agents.csv (created if missing)
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
    /// Also draw the run's plots over time into DIR (SVG and PNG); needs --out
    #[arg(long, requires = "out")]
    plots: bool,
    /// Print metrics.json on stdout instead of the summary table
    #[arg(long)]
    json: bool,
}

impl Args {
    pub fn exec(self) -> anyhow::Result<()> {
        let mut overrides = self.sets.clone();
        overrides.extend(self.seed.map(|s| format!("seed={s}")));
        overrides.extend(self.replications.map(|r| format!("replications={r}")));
        let sc = scenario::load(&self.scenario, &overrides)?;
        let total = sc.duration.as_ms() * u64::from(sc.replications);
        let label = format!("{} × {}", sc.name, sc.replications);
        let simulated = progress::track(&label, total, |done| {
            replicate::simulate(&sc, sc.replications, self.out.as_deref(), Some(done))
        })?;
        let summary = simulated.summary();
        let plots = match (&self.out, self.plots) {
            (Some(dir), true) => reports::plot::write_run_plots(dir, &sc.name, reports::ABANDON_CAP)?,
            _ => Vec::new(),
        };
        let mut stdout = std::io::stdout().lock();
        if self.json {
            serde_json::to_writer_pretty(&mut stdout, &summary)?;
            writeln!(stdout)?;
        } else {
            table::write_summary(&mut stdout, &sc.name, &summary)?;
            if let Some(dir) = &self.out {
                writeln!(stdout, "\nwrote {}/{{metrics.json, cdr.csv, agents.csv}}", dir.display())?;
                if !plots.is_empty() {
                    let mut stems: Vec<String> = Vec::new();
                    for stem in plots.iter().filter_map(|p| p.file_stem()) {
                        let stem = stem.to_string_lossy().into_owned();
                        if !stems.contains(&stem) {
                            stems.push(stem);
                        }
                    }
                    writeln!(stdout, "wrote {}/{{{}}}.{{svg, png}}", dir.display(), stems.join(", "))?;
                }
                writeln!(stdout, "(the speed of replication 1 includes writing its CSV files)")?;
            }
        }
        stdout.flush().context("writing to stdout")?;
        Ok(())
    }
}
