//! `dialer fit`: a scenario estimated from a run's records.

use crate::source::SourceArgs;
use crate::table;
use anyhow::Context;
use reports::fit::{Calibration, FamilyFit, FitOptions};
use std::io::Write;
use std::path::PathBuf;

/// The pacing modes a scenario may name.
const PACING_MODES: [&str; 5] = ["preview", "progressive", "ratio", "vicidial", "predictive"];

#[derive(clap::Args)]
#[command(after_help = "Examples:
  dialer fit out/live/cdr.csv --agents out/live/agents.csv --out scenarios/fitted.toml
  dialer fit out/reference --out fitted.toml --pacing ratio --ratio 2 --name my-centre
  dialer fit out/reference --out fitted.toml --json > fit.json
  dialer fit Master.csv --from asterisk --tz Europe/London --out pbx.toml

Estimates from the records: the outcome mix (per hour when the hours differ: chi-square test at
1%), the ring, busy, talk, wrap-up and machine-handling distributions (the family of least AIC
among const, exp, lognormal, gamma, uniform, weibull, with a KS test of the winner), customer
patience from abandoned (events) and connected or dropped waits (censored), the agent count,
ring_timeout, drop_after and lines. The pacing mode cannot be estimated: give it with --pacing.
Every number in the file has a comment saying where it came from; docs/fit.md has the method.
Exit codes: 0 ok, 2 bad input (the error names the file, line and field; nothing is written).")]
pub struct Args {
    /// A run directory (cdr.csv and agents.csv in it) or a CDR file
    #[arg(value_name = "RUN_DIR|CDR.csv")]
    input: PathBuf,
    #[command(flatten)]
    source: SourceArgs,
    /// The scenario file to write
    #[arg(long, value_name = "SCENARIO.toml")]
    out: PathBuf,
    /// The scenario's name (default: the output file's stem)
    #[arg(long)]
    name: Option<String>,
    /// pacing.mode to write (records do not show which pacer made them)
    #[arg(long, default_value = "predictive", value_parser = PACING_MODES)]
    pacing: String,
    /// pacing.ratio to write (with --pacing ratio; default 1.0)
    #[arg(long)]
    ratio: Option<f64>,
    /// The seed to write
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Print the estimates as JSON instead of the table
    #[arg(long)]
    json: bool,
}

impl Args {
    pub fn exec(self) -> anyhow::Result<()> {
        if self.ratio.is_some() && self.pacing != "ratio" {
            anyhow::bail!("--ratio is for --pacing ratio (fix: add --pacing ratio or drop --ratio)");
        }
        if let Some(r) = self.ratio
            && !(r.is_finite() && r > 0.0)
        {
            anyhow::bail!("--ratio {r}: the dial ratio must be a number above 0 (e.g. --ratio 2)");
        }
        let input = self.source.load(&self.input)?;
        let name = self.name.clone().unwrap_or_else(|| {
            self.out.file_stem().map_or_else(|| "fitted".to_owned(), |s| s.to_string_lossy().into_owned())
        });
        let options = FitOptions {
            name,
            pacing: self.pacing.clone(),
            ratio: self.ratio.or((self.pacing == "ratio").then_some(1.0)),
            seed: self.seed,
            ..FitOptions::default()
        };
        let calibration = reports::fit::fit(&input.cdrs, &input.agents, input.origin, &options)
            .with_context(|| format!("{}", self.input.display()))?;
        let text = calibration.to_toml();
        // The file must load: a failure here is our bug, and nothing is written.
        sim::scenario::parse(&text, &self.out, &[])
            .context("the fitted scenario does not validate (a bug in dialer fit)")?;
        write_atomically(&self.out, &text)?;
        let mut stdout = std::io::stdout().lock();
        if self.json {
            serde_json::to_writer_pretty(&mut stdout, &calibration)?;
            writeln!(stdout)?;
        } else {
            write_report(&mut stdout, &calibration)?;
            writeln!(stdout, "\nwrote {}", self.out.display())?;
        }
        stdout.flush().context("writing to stdout")?;
        Ok(())
    }
}

/// Writes `text` to `path` whole or not at all.
fn write_atomically(path: &std::path::Path, text: &str) -> anyhow::Result<()> {
    reports::plot::write_atomically(path, text.as_bytes())
        .map_err(|e| anyhow::anyhow!("{}: {e} (fix: check that the directory exists and is writable)", path.display()))
}

/// The mix, then one table of every family tried for each distribution.
fn write_report(w: &mut impl Write, c: &Calibration) -> std::io::Result<()> {
    let m = &c.mix;
    writeln!(
        w,
        "{} dials, {} agents. Mix: human {:.4}, machine {:.4}, busy {:.4}, no_answer {:.4}, invalid {:.4}",
        c.dials, c.agents, m.human, m.machine, m.busy, m.no_answer, m.invalid
    )?;
    if let Some(h) = &c.hours {
        writeln!(
            w,
            "One mix for {} hour groups: chi-square {:.1} on {} df, p = {:.3e} → {}",
            h.groups,
            h.chi_square,
            h.df,
            h.p_value,
            if c.phases.is_empty() { "one mix".to_owned() } else { format!("{} per-hour phases", c.phases.len()) }
        )?;
    }
    let header =
        ["distribution", "family", "parameters", "95% CI", "log-lik", "AIC", "KS D", "KS p"].map(str::to_owned);
    let mut rows = Vec::new();
    let mut add = |what: &str, fit: &Option<FamilyFit>| {
        let Some(fit) = fit else { return };
        for (i, f) in fit.candidates.iter().enumerate() {
            let ks = fit.ks.filter(|_| i == 0);
            rows.push(vec![
                if i == 0 { format!("{what} (n {}{})", fit.n, censored(fit)) } else { String::new() },
                if i == 0 { format!("{} ◀", f.family.as_str()) } else { f.family.as_str().to_owned() },
                params(f.family, &f.params),
                f.ci95.as_ref().map_or("-".to_owned(), |ci| params(f.family, ci)),
                table::number(f.log_likelihood),
                table::number(f.aic),
                ks.map_or("-".to_owned(), |k| format!("{:.4}", k.d)),
                ks.map_or("-".to_owned(), |k| format!("{:.3}", k.p_value)),
            ]);
        }
    };
    add("ring", &c.ring);
    add("busy_after", &c.busy_after);
    add("talk", &c.talk);
    add("wrap", &c.wrap);
    add("machine_handle", &c.machine_handle);
    add("patience", &c.patience.as_ref().map(|p| p.families.clone()));
    writeln!(w)?;
    table::write_grid(w, &header, &rows, 4)?;
    if let Some(p) = &c.patience {
        writeln!(w, "\n{}", p.summary())?;
    }
    for note in &c.notes {
        writeln!(w, "note: {note}")?;
    }
    Ok(())
}

fn censored(fit: &FamilyFit) -> String {
    if fit.censored > 0 { format!(", +{} censored", fit.censored) } else { String::new() }
}

/// Parameters in seconds (Weibull's shape as is).
fn params(family: reports::fit::Family, p: &[f64]) -> String {
    p.iter()
        .enumerate()
        .map(|(i, v)| match (family, i) {
            (reports::fit::Family::Weibull, 0) => format!("{v:.3}"),
            _ => format!("{:.3}s", v / 1000.0),
        })
        .collect::<Vec<_>>()
        .join(", ")
}
