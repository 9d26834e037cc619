//! `[population]` and its phases, each inheriting from the one before.

use reports::Time;

use super::{Ctx, Result, human, join, show, time};
use crate::dist::Dist;
use crate::scenario::raw::{RawPopulation, Shares};
use crate::scenario::{Mix, Phase, Population, ScenarioError};

impl Ctx<'_> {
    pub(super) fn population(&self, raw: RawPopulation, duration: Time) -> Result<Population> {
        let mix = mix_from("population", raw.shares(), false)?.ok_or_else(|| {
            ScenarioError::invalid(
                "population",
                "no shares given",
                "add human, machine, busy, no_answer and invalid, summing to 1",
            )
        })?;
        let Some(ring_spec) = raw.ring.as_ref() else {
            return Err(ScenarioError::invalid(
                "population.ring",
                "missing",
                "add ring = { dist = \"lognormal\", mean = \"12s\", sd = \"6s\" } (dial to answer)",
            ));
        };
        let mut carried = Carried {
            mix,
            ring: self.dist("population.ring", ring_spec)?,
            busy_after: self.opt_dist("population.busy_after", raw.busy_after.as_ref())?,
            patience: self.opt_dist("population.patience", raw.patience.as_ref())?,
        };
        let mut phases = vec![carried.phase(Time::ZERO, "population")?];
        for (i, p) in raw.phases.unwrap_or_default().into_iter().enumerate() {
            let key = format!("population.phases.{i}");
            let Some(from_text) = p.from.as_ref() else {
                return Err(ScenarioError::invalid(
                    join(&key, "from"),
                    "missing",
                    "add from = \"2h\" (when the phase starts)",
                ));
            };
            let from = time(&join(&key, "from"), from_text)?;
            let previous = phases.last().map_or(Time::ZERO, |p: &Phase| p.from);
            if from <= previous {
                let fix = if i == 0 {
                    "start the first phase after 0s ([population] itself is the phase from 0s)"
                } else {
                    "list phases in order of from, each later than the one before"
                };
                return Err(ScenarioError::invalid(
                    join(&key, "from"),
                    format!("{} is not after the previous phase's start ({})", human(from), human(previous)),
                    fix,
                ));
            }
            if from >= duration {
                return Err(ScenarioError::invalid(
                    join(&key, "from"),
                    format!("{} is not before the end of the run ({})", human(from), human(duration)),
                    "start the phase before duration, or remove it",
                ));
            }
            if let Some(mix) = mix_from(&key, p.shares(), true)? {
                carried.mix = mix;
            }
            if let Some(spec) = &p.ring {
                carried.ring = self.dist(&join(&key, "ring"), spec)?;
            }
            if let Some(spec) = &p.busy_after {
                carried.busy_after = Some(self.dist(&join(&key, "busy_after"), spec)?);
            }
            if let Some(spec) = &p.patience {
                carried.patience = Some(self.dist(&join(&key, "patience"), spec)?);
            }
            phases.push(carried.phase(from, &key)?);
        }
        Ok(Population { phases })
    }
}

/// What a phase inherits from the one before: all of it, until the phase replaces a part.
struct Carried {
    mix: Mix,
    ring: Dist,
    busy_after: Option<Dist>,
    patience: Option<Dist>,
}

impl Carried {
    /// The phase from `from` (given at `key`); `busy_after` may be left out only while no
    /// number is busy or invalid (the network refuses both after it).
    fn phase(&self, from: Time, key: &str) -> Result<Phase> {
        if self.mix.busy + self.mix.invalid > 0.0 && self.busy_after.is_none() {
            return Err(ScenarioError::invalid(
                join(key, "busy_after"),
                "missing, and busy + invalid is more than 0 (busy lines and invalid numbers are refused after it)",
                "add busy_after = { dist = \"const\", value = \"3s\" } to [population]",
            ));
        }
        Ok(Phase {
            from,
            mix: self.mix,
            ring: self.ring.clone(),
            busy_after: self.busy_after.clone().unwrap_or(Dist::constant(0)),
            patience: self.patience.clone(),
        })
    }
}

impl Population {
    /// The population of an inbound-only scenario, which never dials: one phase in which
    /// every number rings out.
    pub(super) fn idle() -> Population {
        Population {
            phases: vec![Phase {
                from: Time::ZERO,
                mix: Mix { human: 0.0, machine: 0.0, busy: 0.0, no_answer: 1.0, invalid: 0.0 },
                ring: Dist::constant(0),
                busy_after: Dist::constant(0),
                patience: None,
            }],
        }
    }
}

/// The shares at `key`: all five or none when `all_or_none` (phases), otherwise omitted ones
/// are 0; each in [0, 1] and summing to 1. `None` when none is given.
fn mix_from(key: &str, shares: Shares, all_or_none: bool) -> Result<Option<Mix>> {
    let given: Vec<&str> = shares.iter().filter(|(_, v)| v.is_some()).map(|(k, _)| *k).collect();
    if given.is_empty() {
        return Ok(None);
    }
    if all_or_none && given.len() < shares.len() {
        let absent: Vec<&str> = shares.iter().filter(|(_, v)| v.is_none()).map(|(k, _)| *k).collect();
        return Err(ScenarioError::invalid(
            key,
            format!("gives {} but not {}", given.join(", "), absent.join(", ")),
            "give all five shares or none (a phase without shares keeps the previous phase's)",
        ));
    }
    let mut values = [0.0; 5];
    for (slot, (name, value)) in values.iter_mut().zip(shares) {
        let v = value.unwrap_or(0.0);
        if !(0.0..=1.0).contains(&v) {
            return Err(ScenarioError::invalid(
                join(key, name),
                format!("{v} is not between 0 and 1"),
                "write a share from 0 to 1",
            ));
        }
        *slot = v;
    }
    let sum: f64 = values.iter().sum();
    if (sum - 1.0).abs() > 1e-9 {
        return Err(ScenarioError::invalid(
            key,
            format!("human + machine + busy + no_answer + invalid = {}, but they must sum to 1", show(sum)),
            "adjust the shares so they add up to 1",
        ));
    }
    let [human, machine, busy, no_answer, invalid] = values;
    Ok(Some(Mix { human, machine, busy, no_answer, invalid }))
}
