//! The scenario file of a [`Calibration`] (DESIGN.md, "Scenario file (TOML)"), each number with a
//! comment saying where it came from.

use super::{Calibration, Family, FamilyFit, Fitted, Mix};
use std::fmt::Write;

/// A duration as the scenario format writes it: seconds with up to 3 decimals (`"12.345s"`).
pub fn duration(ms: f64) -> String {
    let s = format!("{:.3}", ms.max(0.0) / 1000.0);
    let s = s.trim_end_matches('0').trim_end_matches('.');
    format!("\"{s}s\"")
}

/// `{ dist = "…", … }` of a fitted family.
pub fn dist_table(f: &Fitted) -> String {
    let p = &f.params;
    match f.family {
        Family::Const => format!("{{ dist = \"const\", value = {} }}", duration(p[0])),
        Family::Exp => format!("{{ dist = \"exp\", mean = {} }}", duration(p[0])),
        Family::Lognormal | Family::Gamma => {
            format!("{{ dist = \"{}\", mean = {}, sd = {} }}", f.family.as_str(), duration(p[0]), duration(p[1]))
        }
        Family::Uniform => format!("{{ dist = \"uniform\", min = {}, max = {} }}", duration(p[0]), duration(p[1])),
        Family::Weibull => format!("{{ dist = \"weibull\", shape = {:.4}, scale = {} }}", p[0], duration(p[1])),
    }
}

/// The comment above a fitted distribution: n, the family, its CI, the runner-up and the KS test.
fn provenance(what: &str, fit: &FamilyFit) -> String {
    let best = fit.best();
    let mut line = format!("# {what}: n = {}", fit.n);
    if fit.censored > 0 {
        let _ = write!(line, " (+{} censored)", fit.censored);
    }
    let _ = write!(line, "; {} fitted best by AIC", best.family.as_str());
    if let Some(ci) = &best.ci95 {
        let names: &[&str] = match best.family {
            Family::Weibull => &["shape", "scale"],
            Family::Exp => &["mean"],
            _ => &["mean", "sd"],
        };
        let parts: Vec<String> = names
            .iter()
            .zip(best.params.iter().zip(ci))
            .map(|(n, (v, h))| match best.family {
                Family::Weibull if *n == "shape" => format!("{n} {v:.3} ± {h:.3}"),
                _ => format!("{n} {:.2}s ± {:.2}s", v / 1000.0, h / 1000.0),
            })
            .collect();
        let _ = write!(line, " ({}; 95% CI)", parts.join(", "));
    }
    if let Some(next) = fit.candidates.get(1) {
        let _ = write!(line, "; next {} (ΔAIC {:.1})", next.family.as_str(), next.aic - best.aic);
    }
    if let Some(ks) = fit.ks {
        let _ = write!(line, "; KS D = {:.4}, p = {:.3}", ks.d, ks.p_value);
    }
    line.push('\n');
    line
}

/// `key = { … }` of the best fit with its provenance, or the `fallback` constant (if any) with a
/// comment saying the records held no such duration.
fn dist_entry(t: &mut String, key: &str, what: &str, fit: Option<&FamilyFit>, fallback: Option<&str>) {
    match (fit, fallback) {
        (Some(fit), _) => {
            t.push_str(&provenance(&format!("{key} ({what})"), fit));
            let _ = writeln!(t, "{key} = {}", dist_table(fit.best()));
        }
        (None, Some(value)) => {
            let _ = writeln!(t, "{key} = {{ dist = \"const\", value = \"{value}\" }}   # none in the records ({what})");
        }
        (None, None) => {}
    }
}

fn shares(mix: &Mix) -> String {
    format!(
        "human = {}\nmachine = {}\nbusy = {}\nno_answer = {}\ninvalid = {}\n",
        mix.human, mix.machine, mix.busy, mix.no_answer, mix.invalid
    )
}

impl Calibration {
    /// The scenario file: loads with `sim::scenario::load` and runs with `dialer simulate`.
    pub fn to_toml(&self) -> String {
        let mut t = String::new();
        let _ = writeln!(t, "# Fitted by `dialer fit` from {} outbound dials (see docs/fit.md).", self.dials);
        for note in &self.notes {
            let _ = writeln!(t, "# Note: {note}.");
        }
        // JSON's string escapes are valid in a TOML basic string.
        let _ = writeln!(t, "name = {}", serde_json::Value::from(self.name.as_str()));
        let _ = writeln!(
            t,
            "duration = {}   # first dial (rounded down to the hour) to the last",
            duration(self.duration_ms as f64)
        );
        t.push_str("warmup = \"0s\"\n");
        let _ = writeln!(t, "seed = {}", self.seed);
        let _ = writeln!(t, "start = \"{}\"", self.start);

        let _ = writeln!(t, "\n[agents]\ncount = {}   # distinct agents in the records", self.agents.max(1));
        dist_entry(&mut t, "talk", "connect to end of connected calls", self.talk.as_ref(), Some("60s"));
        dist_entry(&mut t, "wrap", "wrap intervals of agents.csv", self.wrap.as_ref(), Some("0s"));
        dist_entry(&mut t, "machine_handle", "machine intervals of agents.csv", self.machine_handle.as_ref(), None);

        let _ = writeln!(t, "\n[population]");
        let o = &self.observed;
        let _ = writeln!(
            t,
            "# Recorded: {} human, {} machine, {} busy, {} no_answer, {} invalid ({} failed, left out).",
            o.human, o.machine, o.busy, o.no_answer, o.invalid, o.failed
        );
        if self.answered_before_timeout < 1.0 {
            let _ = writeln!(
                t,
                "# {:.2}% of answers would come after the ring timeout (fitted ring distribution): they were\n# recorded no_answer and are moved back to human and machine here.",
                (1.0 - self.answered_before_timeout) * 100.0
            );
        }
        if let Some(h) = &self.hours {
            let _ = writeln!(
                t,
                "# One mix for all {} hour groups: chi-square {:.1} on {} df, p = {:.3e}: {}.",
                h.groups,
                h.chi_square,
                h.df,
                h.p_value,
                if self.phases.is_empty() { "no per-hour phases" } else { "per-hour phases below" }
            );
        }
        match self.phases.first() {
            Some(first) => {
                let m = &self.mix;
                let _ = writeln!(
                    t,
                    "# Hour 0 ({} dials). The whole run's mix: human {}, machine {}, busy {}, no_answer {}, invalid {}.",
                    first.dials, m.human, m.machine, m.busy, m.no_answer, m.invalid
                );
                t.push_str(&shares(&first.mix));
            }
            None => t.push_str(&shares(&self.mix)),
        }
        dist_entry(&mut t, "ring", "dial to answer, truncated at the ring timeout", self.ring.as_ref(), Some("10s"));
        dist_entry(&mut t, "busy_after", "dial to the busy or invalid response", self.busy_after.as_ref(), Some("3s"));
        match &self.patience {
            Some(p) => {
                let _ = writeln!(t, "# {}", p.summary());
                for k in &p.km_check {
                    let _ =
                        writeln!(t, "# Kaplan-Meier S({:.2}s) = {:.3}, model {:.3}", k.t_ms / 1000.0, k.km, k.model);
                }
                if self.amd.as_ref().is_some_and(|a| a.wait_offset_ms > 0.0) {
                    // Each wait less its unknown decision time is known only on average: the
                    // closed form's sum is right on average, the per-wait likelihoods are not.
                    let _ = writeln!(
                        t,
                        "# With AMD the exponential closed form is written (the families' fits above are approximate)."
                    );
                    let _ = writeln!(t, "patience = {{ dist = \"exp\", mean = {} }}", duration(p.exp_mean_ms));
                } else {
                    dist_entry(&mut t, "patience", "censored likelihood", Some(&p.families), None);
                }
            }
            None => t.push_str("# patience: nobody hung up waiting: omitted (forever)\n"),
        }
        for phase in self.phases.iter().skip(1) {
            let _ = writeln!(
                t,
                "\n[[population.phases]]   # hour {} ({} dials)\nfrom = \"{}h\"",
                phase.from_ms / 3_600_000,
                phase.dials,
                phase.from_ms / 3_600_000
            );
            t.push_str(&shares(&phase.mix));
        }

        if let Some(a) = &self.amd {
            t.push_str("\n[amd]\n");
            dist_entry(
                &mut t,
                "decision",
                "answer to hang-up of calls classed machine",
                a.decision.as_ref(),
                Some("2.5s"),
            );
            let _ = writeln!(
                t,
                "false_positive = {:.4}   # people classed machine, of {} people answering (as answered_by tells)",
                a.false_positive.unwrap_or(0.0),
                a.humans
            );
            let _ = writeln!(
                t,
                "false_negative = {:.4}   # machines classed human, of {} machines answering",
                a.false_negative.unwrap_or(0.0),
                a.machines
            );
        }
        t.push_str("\n[dialing]\n");
        match self.ring_timeout_ms {
            Some(ms) => {
                let _ = writeln!(t, "ring_timeout = {}   # median ring time of no_answer calls", duration(ms));
            }
            None => t.push_str("ring_timeout = \"25s\"   # no no_answer call: the default\n"),
        }
        if self.blocked {
            let _ = writeln!(t, "lines = {}   # calls were blocked: the peak lines in use", self.lines_peak);
        } else {
            let _ = writeln!(t, "lines = 0   # no call was blocked (peak {} in use): unlimited", self.lines_peak);
        }
        match self.drop_after_ms {
            Some(ms) => {
                let _ = writeln!(
                    t,
                    "drop_after = {}   # the wait of calls the dialer dropped (with AMD: their mean, less the decision time)",
                    duration(ms)
                );
            }
            None => t.push_str("drop_after = \"1h\"   # the dialer dropped no call: never\n"),
        }

        let _ = writeln!(t, "\n[pacing]   # given to `dialer fit`, not estimated\nmode = \"{}\"", self.pacing);
        if let Some(r) = self.ratio {
            let _ = writeln!(t, "ratio = {r}");
        }
        t
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_are_seconds_with_milliseconds() {
        assert_eq!(duration(12_345.4), "\"12.345s\"");
        assert_eq!(duration(3000.0), "\"3s\"");
        assert_eq!(duration(0.0), "\"0s\"");
        assert_eq!(duration(1500.0), "\"1.5s\"");
    }
}
