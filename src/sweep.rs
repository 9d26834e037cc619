//! `dialer sweep`: one scenario over a grid of settings.

use crate::{progress, table};
use anyhow::Context;
use sim::sweep::{Plan, Sweep, Vary};
use std::io::Write;
use std::path::PathBuf;

#[derive(clap::Args)]
#[command(after_help = "Examples:
  dialer sweep scenarios/reference-ratio2.toml --vary pacing.ratio=1..3:0.25 --replications 10 --out out/sweep
  dialer sweep scenarios/small-team-5.toml --vary pacing.mode=progressive,ratio --vary pacing.ratio=1,1.5,2 --out out/small
  dialer sweep scenarios/reference-ratio2.toml --vary agents.count=50..150:50 --vary dialing.drop_after=2s,1h --json

--vary KEY=VALUES takes a list (1.5,2,2.5 or ratio,progressive) or a range a..b:step, which
includes b (0.01..0.05:0.01 is five values); give --vary once per key. Every point runs the same
replication seeds (common random numbers), so differences between points come from the settings.
Outputs (with --out DIR): sweep.csv (the varied keys, then each main metric and its _ci95,
replications, abandon_ok_share: the share of replications within the 3% abandon cap) and
frontier.svg / frontier.png (abandon rate against talk time and occupancy, a series per pacing mode).
Exit codes: 0 ok, 2 bad input (nothing is run or written).")]
pub struct Args {
    /// Scenario file (TOML; see the README for the format)
    scenario: PathBuf,
    /// A key and its values: `pacing.ratio=1.5,2,2.5` or `pacing.ratio=1..3:0.5` (repeat per key)
    #[arg(long = "vary", value_name = "KEY=VALUES", required = true)]
    varies: Vec<String>,
    /// Replications at each point (overrides the scenario's `replications`)
    #[arg(long, short = 'r', value_parser = clap::value_parser!(u32).range(1..))]
    replications: Option<u32>,
    /// Seed of the random streams (overrides the scenario's `seed`; the same at every point)
    #[arg(long)]
    seed: Option<u64>,
    /// Override a scenario key at every point, e.g. `--set agents.count=50`
    #[arg(long = "set", value_name = "KEY=VALUE")]
    sets: Vec<String>,
    /// Directory for sweep.csv, frontier.svg and frontier.png (created if missing)
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
    /// Print the sweep as JSON on stdout instead of the table
    #[arg(long)]
    json: bool,
}

impl Args {
    pub fn exec(self) -> anyhow::Result<()> {
        let varies = self.varies.iter().map(|v| Vary::parse(v)).collect::<Result<Vec<_>, _>>()?;
        let mut sets = self.sets.clone();
        sets.extend(self.seed.map(|s| format!("seed={s}")));
        sets.extend(self.replications.map(|r| format!("replications={r}")));
        let plan = Plan::new(&self.scenario, &sets, &varies)?;
        let name = plan.points.first().map_or_else(String::new, |p| p.scenario.name.clone());
        let label = format!("{name}: {} points", plan.points.len());
        let sweep = progress::track(&label, plan.work_ms(), |done| plan.run(Some(done)))?;
        let written = match &self.out {
            Some(dir) => sweep.write_files(dir)?,
            None => Vec::new(),
        };
        let mut stdout = std::io::stdout().lock();
        if self.json {
            serde_json::to_writer_pretty(&mut stdout, &sweep.to_json())?;
            writeln!(stdout)?;
        } else {
            write_table(&mut stdout, &sweep)?;
            match &self.out {
                Some(dir) => {
                    let names: Vec<String> = written
                        .iter()
                        .filter_map(|p| p.file_name())
                        .map(|n| n.to_string_lossy().into_owned())
                        .collect();
                    writeln!(stdout, "\nwrote {}/{{{}}}", dir.display(), names.join(", "))?;
                }
                None => writeln!(stdout, "\n(add --out DIR to write sweep.csv and the frontier plot)")?,
            }
        }
        stdout.flush().context("writing to stdout")?;
        Ok(())
    }
}

/// The sweep as a table: the varied keys, then the figures a pacing study compares.
fn write_table(w: &mut impl Write, sweep: &Sweep) -> std::io::Result<()> {
    let replications = sweep.points.first().map_or(0, |p| p.runs.len());
    let ci = if replications > 1 {
        format!("mean of {replications} replications ± 95% CI")
    } else {
        "one replication".into()
    };
    let ofcom = sweep.points.first().is_some_and(|p| p.abandon_key().ends_with("ofcom"));
    writeln!(w, "{}: {} points, {ci}\n", sweep.name(), sweep.points.len())?;
    let mut header = sweep.keys.clone();
    header.extend(
        [
            if ofcom { "abandon (Ofcom)" } else { "abandon (FCC)" },
            "runs ≤ 3%",
            "occupancy",
            "talk min/h",
            "contacts/h",
            "dials",
        ]
        .map(str::to_owned),
    );
    let percent = |x: f64| format!("{:.2}%", x * 100.0);
    let with_ci = |p: &sim::sweep::PointResult, key: &str, show: &dyn Fn(f64) -> String| match p.ci95(key) {
        Some(h) => format!("{} ± {}", show(p.mean(key)), show(h)),
        None => show(p.mean(key)),
    };
    let rows: Vec<Vec<String>> = sweep
        .points
        .iter()
        .map(|p| {
            let mut row = p.values.clone();
            row.push(with_ci(p, p.abandon_key(), &percent));
            row.push(format!("{:.0}%", p.abandon_ok_share() * 100.0));
            row.push(with_ci(p, "agents.occupancy", &percent));
            row.push(with_ci(p, "agents.talk_minutes_per_hour", &|x| format!("{x:.2}")));
            row.push(with_ci(p, "agents.contacts_per_hour", &|x| format!("{x:.2}")));
            row.push(table::number(p.mean("outbound.dials")));
            row
        })
        .collect();
    table::write_grid(w, &header, &rows, sweep.keys.len())
}
