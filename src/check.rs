//! `dialer check`: scenarios' `[expect]` bounds over their replications.

use crate::{progress, table};
use anyhow::Context;
use sim::check::{ScenarioCheck, Verdict};
use sim::scenario;
use std::io::Write;
use std::path::PathBuf;

#[derive(clap::Args)]
#[command(after_help = "Examples:
  dialer check scenarios/
  dialer check scenarios/small-team-5.toml scenarios/amd-on.toml --replications 40
  dialer check scenarios/ --seed 7

Each scenario runs its own `replications` (--replications overrides them all). A bound without
`share` holds the mean over the replications; with `share`, at least that share of replications
must each be within the bound. A DIR means every *.toml in it, sorted by name.
Exit codes: 0 every bound holds, 1 a bound failed, 2 bad input (a scenario that cannot be read or
is not valid, an [expect] key that is not a metric; nothing is run).")]
pub struct Args {
    /// Scenario files, or directories of them
    #[arg(required = true, value_name = "SCENARIO|DIR")]
    paths: Vec<PathBuf>,
    /// Replications of every scenario (overrides each scenario's `replications`)
    #[arg(long, short = 'r', value_parser = clap::value_parser!(u32).range(1..))]
    replications: Option<u32>,
    /// Seed of the random streams (overrides each scenario's `seed`)
    #[arg(long)]
    seed: Option<u64>,
}

impl Args {
    /// Checks every scenario; `Ok(false)` if a bound failed.
    pub fn exec(self) -> anyhow::Result<bool> {
        let mut overrides = Vec::new();
        overrides.extend(self.seed.map(|s| format!("seed={s}")));
        overrides.extend(self.replications.map(|r| format!("replications={r}")));
        let files = sim::check::scenario_files(&self.paths)?;
        let scenarios = files.iter().map(|f| scenario::load(f, &overrides)).collect::<Result<Vec<_>, _>>()?;
        let label = format!("checking {} scenario(s)", scenarios.len());
        let checks =
            progress::track(&label, sim::check::work_ms(&scenarios), |done| sim::check::check(&scenarios, Some(done)))?;
        let mut stdout = std::io::stdout().lock();
        write_report(&mut stdout, &checks)?;
        stdout.flush().context("writing to stdout")?;
        Ok(checks.iter().all(|c| c.failed() == 0))
    }
}

/// A table per scenario, then the counts.
fn write_report(w: &mut impl Write, checks: &[ScenarioCheck]) -> std::io::Result<()> {
    for (i, check) in checks.iter().enumerate() {
        if i > 0 {
            writeln!(w)?;
        }
        let failed = check.failed();
        let status = if failed > 0 { format!("{failed} FAILED") } else { "pass".to_owned() };
        let runs = if check.replications == 1 {
            "1 replication".to_owned()
        } else {
            format!("{} replications", check.replications)
        };
        writeln!(w, "{} ({}): {runs}, {status}", check.name, check.source.display())?;
        if check.verdicts.is_empty() {
            writeln!(w, "  no [expect] bounds")?;
            continue;
        }
        let header = ["metric", "bound", "value", "95% CI", "result"].map(str::to_owned);
        let rows: Vec<Vec<String>> = check.verdicts.iter().map(row).collect();
        table::write_grid(w, &header, &rows, 5)?;
    }
    let bounds: usize = checks.iter().map(|c| c.verdicts.len()).sum();
    let failed: usize = checks.iter().map(ScenarioCheck::failed).sum();
    let scenarios_failed = checks.iter().filter(|c| c.failed() > 0).count();
    writeln!(
        w,
        "\n{} scenario(s), {bounds} bound(s): {} passed, {failed} failed{}",
        checks.len(),
        bounds - failed,
        if failed > 0 { format!(" (in {scenarios_failed} scenario(s))") } else { String::new() }
    )
}

fn row(v: &Verdict) -> Vec<String> {
    let value = match v.expectation.share {
        Some(_) => format!(
            "{:.0}% of runs ({}/{}), mean {}",
            v.share_within() * 100.0,
            v.runs_within,
            v.runs,
            table::number(v.mean)
        ),
        None => table::number(v.mean),
    };
    vec![
        v.expectation.metric.clone(),
        sim::check::describe(&v.expectation),
        value,
        v.ci95.map_or_else(|| "-".to_owned(), |h| format!("± {}", table::number(h))),
        if v.pass { "pass".to_owned() } else { "FAIL".to_owned() },
    ]
}
