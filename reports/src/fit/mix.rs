//! The outcome mix: what share of dialled numbers a person answers, a machine answers, is busy,
//! rings out or does not exist — over the whole run, and per hour when the hours differ.

use crate::stats::chi_square_sf;
use crate::{Cdr, Outcome, Party};
use serde::Serialize;

/// Counts of dialled calls by what answered, as the records show it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Categories {
    /// A person answered (`answered_by = human`, or connected/abandoned).
    pub human: u64,
    /// A machine answered.
    pub machine: u64,
    /// Busy.
    pub busy: u64,
    /// Rang out.
    pub no_answer: u64,
    /// Not a working number.
    pub invalid: u64,
    /// Failed in the network: left out of the shares (the scenario has no such outcome).
    pub failed: u64,
}

impl Categories {
    fn add(&mut self, c: &Cdr) {
        let slot = match (c.answered_by, c.outcome) {
            (Some(Party::Human), _) | (None, Outcome::Connected | Outcome::Abandoned) => &mut self.human,
            (Some(Party::Machine), _) | (None, Outcome::Machine) => &mut self.machine,
            (_, Outcome::Busy) => &mut self.busy,
            (_, Outcome::Invalid) => &mut self.invalid,
            (_, Outcome::NoAnswer) => &mut self.no_answer,
            _ => &mut self.failed,
        };
        *slot += 1;
    }

    fn merge(&mut self, o: &Categories) {
        self.human += o.human;
        self.machine += o.machine;
        self.busy += o.busy;
        self.no_answer += o.no_answer;
        self.invalid += o.invalid;
        self.failed += o.failed;
    }

    /// The five counts the shares are made of.
    pub fn shares_counts(&self) -> [u64; 5] {
        [self.human, self.machine, self.busy, self.no_answer, self.invalid]
    }

    /// Calls in the shares (all but failed).
    pub fn total(&self) -> u64 {
        self.shares_counts().iter().sum()
    }
}

/// The five shares of the scenario format, summing to 1.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize)]
pub struct Mix {
    /// A person answers.
    pub human: f64,
    /// A machine answers.
    pub machine: f64,
    /// Busy.
    pub busy: f64,
    /// Nobody answers.
    pub no_answer: f64,
    /// Not a working number.
    pub invalid: f64,
}

impl Mix {
    /// The mix behind `counts` when a share `answered` of would-be answers came before the ring
    /// timeout: the rest rang out and were recorded no_answer, so they move back to human and
    /// machine in proportion. Rounded to 4 decimals, the rounding put on the largest share so
    /// the five sum to 1.
    pub fn from_counts(counts: &Categories, answered: f64) -> Mix {
        let [h, m, b, na, inv] = counts.shares_counts().map(|c| c as f64);
        let total = (h + m + b + na + inv).max(1.0);
        let lost = ((h + m) * (1.0 / answered - 1.0)).min(na);
        let (h, m) = if h + m > 0.0 { (h + lost * h / (h + m), m + lost * m / (h + m)) } else { (h, m) };
        let mut shares = [h, m, b, na - lost, inv].map(|x| (x / total * 1e4).round() / 1e4);
        let sum: f64 = shares.iter().sum();
        let largest = (0..5).max_by(|&i, &j| shares[i].total_cmp(&shares[j])).unwrap_or(0);
        shares[largest] = ((shares[largest] + 1.0 - sum) * 1e4).round() / 1e4;
        let [human, machine, busy, no_answer, invalid] = shares;
        Mix { human, machine, busy, no_answer, invalid }
    }
}

/// One per-hour phase of the population.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Phase {
    /// When it starts, ms from t = 0.
    pub from_ms: u64,
    /// Dials it holds.
    pub dials: u64,
    /// Its mix.
    pub mix: Mix,
}

/// Pearson's chi-square test of homogeneity: one mix for every hour (hours with too few dials
/// pooled with the hour before).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct HourTest {
    /// The groups of hours tested.
    pub groups: usize,
    /// Σ (observed − expected)² / expected over groups × categories.
    pub chi_square: f64,
    /// (groups − 1)(categories seen − 1).
    pub df: f64,
    /// P(χ² ≥ statistic) under one mix.
    pub p_value: f64,
}

/// The run's mix, its counts, the hour test and the per-hour phases (empty when the test does
/// not reject at `alpha`). `first` is the first dial, `into_hour` how far into its hour it came
/// (the scenario's t = 0 is that hour's start).
pub(super) fn estimate(
    outbound: &[&Cdr],
    (first, into_hour): (crate::Time, u64),
    answered: f64,
    min_dials: u64,
    alpha: f64,
) -> (Mix, Categories, Option<HourTest>, Vec<Phase>) {
    let mut all = Categories::default();
    let mut hours: Vec<Categories> = Vec::new();
    for c in outbound {
        all.add(c);
        let hour = ((c.dial_time - first + into_hour) / 3_600_000) as usize;
        if hours.len() <= hour {
            hours.resize(hour + 1, Categories::default());
        }
        hours[hour].add(c);
    }
    // Pool thin hours with the one before (the first with the next).
    let mut groups: Vec<(usize, Categories)> = Vec::new();
    for (hour, counts) in hours.iter().enumerate() {
        match groups.last_mut() {
            Some((_, last)) if counts.total() < min_dials || last.total() < min_dials => last.merge(counts),
            _ => groups.push((hour, *counts)),
        }
    }
    if groups.len() > 1 && groups.last().is_some_and(|g| g.1.total() < min_dials) {
        let (_, thin) = groups.pop().expect("more than one");
        groups.last_mut().expect("one left").1.merge(&thin);
    }
    let test = homogeneity(&groups.iter().map(|g| g.1).collect::<Vec<_>>());
    let phases = match &test {
        Some(t) if t.p_value < alpha => groups
            .iter()
            .map(|(hour, counts)| Phase {
                from_ms: *hour as u64 * 3_600_000,
                dials: counts.total(),
                mix: Mix::from_counts(counts, answered),
            })
            .collect(),
        _ => Vec::new(),
    };
    (Mix::from_counts(&all, answered), all, test, phases)
}

/// The chi-square test of one mix for all `groups`; `None` with fewer than two groups.
fn homogeneity(groups: &[Categories]) -> Option<HourTest> {
    if groups.len() < 2 {
        return None;
    }
    let totals: Vec<f64> = groups.iter().map(|g| g.total() as f64).collect();
    let n: f64 = totals.iter().sum();
    let columns: Vec<f64> =
        (0..5).map(|k| groups.iter().map(|g| g.shares_counts()[k] as f64).sum()).filter(|c| *c > 0.0).collect();
    let seen: Vec<usize> = (0..5).filter(|&k| groups.iter().any(|g| g.shares_counts()[k] > 0)).collect();
    let mut chi_square = 0.0;
    for (g, total) in groups.iter().zip(&totals) {
        for (col, &k) in columns.iter().zip(&seen) {
            let expected = total * col / n;
            let observed = g.shares_counts()[k] as f64;
            chi_square += (observed - expected).powi(2) / expected;
        }
    }
    let df = ((groups.len() - 1) * (seen.len().max(1) - 1)) as f64;
    let p_value = if df > 0.0 { chi_square_sf(chi_square, df) } else { 1.0 };
    Some(HourTest { groups: groups.len(), chi_square, df, p_value })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn counts(h: u64, m: u64, b: u64, na: u64) -> Categories {
        Categories { human: h, machine: m, busy: b, no_answer: na, invalid: 0, failed: 0 }
    }

    #[test]
    fn the_mix_puts_answers_the_timeout_cut_back() {
        // 90 % of answers came before the timeout: 270 humans seen means 300, the 30 lost (and
        // 15 machines of 150) were counted no_answer.
        let mix = Mix::from_counts(&counts(270, 135, 100, 495), 0.9);
        assert_eq!(mix, Mix { human: 0.3, machine: 0.15, busy: 0.1, no_answer: 0.45, invalid: 0.0 });
        let plain = Mix::from_counts(&counts(1, 1, 1, 0), 1.0);
        let sum = plain.human + plain.machine + plain.busy + plain.no_answer + plain.invalid;
        assert!((sum - 1.0).abs() < 1e-12, "{plain:?}");
    }

    #[test]
    fn homogeneity_rejects_different_hours_only() {
        // Same shares each hour: χ² = 0.
        let same = homogeneity(&[counts(30, 15, 10, 45), counts(60, 30, 20, 90)]).expect("two groups");
        assert!(same.chi_square.abs() < 1e-12 && same.p_value > 0.99 && same.df == 3.0);
        // Human share 30 % against 15 % over 1000 dials each: overwhelming.
        let differ = homogeneity(&[counts(300, 150, 100, 450), counts(150, 150, 100, 600)]).expect("two groups");
        assert!(differ.p_value < 1e-10, "{differ:?}");
        assert!(homogeneity(&[counts(1, 1, 1, 1)]).is_none());
    }
}
