//! Calibration: a scenario's population and agent model estimated from a run's records (`dialer
//! fit`). Each distribution is chosen among the scenario format's families by likelihood (AIC);
//! the outcome mix is corrected for answers the ring timeout cut off; patience is estimated from
//! censored waits. [`Calibration::to_toml`] writes the scenario file, every number commented with
//! where it came from.
//!
//! The method and its limits are in `docs/fit.md`.

mod family;
mod mix;
mod optimize;
mod scenario;
mod survival;

pub use family::{Dist, Family, FamilyFit, Fitted, Sample, fit_families, fit_one};
pub use mix::{Categories, HourTest, Mix, Phase};
pub use survival::{KmPoint, kaplan_meier, survival_at};

use crate::{AgentInterval, AgentState, AmdVerdict, Cdr, Direction, HangupBy, MetricsBuilder, Outcome, Party};
use jiff::Timestamp;
use serde::Serialize;

/// What `dialer fit` is told rather than what it can estimate.
#[derive(Clone, Debug, PartialEq)]
pub struct FitOptions {
    /// The scenario's `name`.
    pub name: String,
    /// `pacing.mode` to write: records cannot tell which pacer made them.
    pub pacing: String,
    /// `pacing.ratio` to write, for `mode = "ratio"`.
    pub ratio: Option<f64>,
    /// An hour with fewer dials is pooled with the hour before it for the per-hour mix.
    pub phase_min_dials: u64,
    /// Per-hour phases are written when the chi-square test of one mix for every hour rejects
    /// at this level.
    pub phase_alpha: f64,
    /// The seed to write.
    pub seed: u64,
}

impl Default for FitOptions {
    fn default() -> FitOptions {
        FitOptions {
            name: "fitted".into(),
            pacing: "predictive".into(),
            ratio: None,
            phase_min_dials: 200,
            phase_alpha: 0.01,
            seed: 1,
        }
    }
}

/// Why records cannot be calibrated.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum FitError {
    /// Nothing was dialled.
    #[error("the records hold no outbound call that was placed (fix: give the cdr.csv of an outbound campaign)")]
    NoDials,
}

/// Customer patience estimated from the waits of live answers.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Patience {
    /// Waits that ended with the person hanging up: their patience was that wait.
    pub events: usize,
    /// Waits that ended with an agent: patience at least that wait.
    pub censored_connected: usize,
    /// Waits the dialer ended (`drop_after`): patience at least that wait.
    pub censored_dropped: usize,
    /// Exponential maximum likelihood in closed form: total waiting time / events, ms. With AMD,
    /// the waiting time is the sum of the waits less the mean decision time each, unclamped.
    pub exp_mean_ms: f64,
    /// Its 95 % half-width: mean · 1.96 / √events (the information of the censored exponential).
    pub exp_mean_ci95_ms: f64,
    /// The naive mean of the abandoned waits alone, ms, shown for contrast (biased low).
    pub naive_mean_ms: f64,
    /// exp, lognormal, gamma and Weibull fitted with the censored likelihood, best first (with
    /// AMD, on the waits less the mean decision time, clamped at 0: approximate).
    pub families: FamilyFit,
    /// The Kaplan–Meier survival against the best family's, at the quartiles of the events.
    pub km_check: Vec<KmCheck>,
}

impl Patience {
    /// One sentence: the counts, the closed-form estimate and the naive mean it replaces.
    pub fn summary(&self) -> String {
        format!(
            "patience: {} abandons (events); censored: {} connected, {} dropped by the dialer. Exponential MLE \
             (waiting time / events): mean {:.2}s ± {:.2}s; the naive mean of abandoned waits, {:.2}s, is biased low.",
            self.events,
            self.censored_connected,
            self.censored_dropped,
            self.exp_mean_ms / 1000.0,
            self.exp_mean_ci95_ms / 1000.0,
            self.naive_mean_ms / 1000.0
        )
    }
}

/// The answering-machine detector as the records show it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Amd {
    /// Answer to hang-up of calls classed machine: the decision time.
    pub decision: Option<FamilyFit>,
    /// People classed machine / people answering (`answered_by = human`); `None` without people.
    pub false_positive: Option<f64>,
    /// People answering, the denominator of `false_positive`.
    pub humans: usize,
    /// Machines classed human / machines answering.
    pub false_negative: Option<f64>,
    /// Machines answering, the denominator of `false_negative`.
    pub machines: usize,
    /// What is subtracted from each wait before patience is estimated: the mean decision time, ms
    /// (the patience clock starts at the verdict; `wait_ms` is measured from the answer).
    pub wait_offset_ms: f64,
}

/// The detector's decision time and error rates, from calls with a verdict. The error rates are
/// only as good as `answered_by`: the simulator knows the truth; a live run knows it from agents.
fn amd(outbound: &[&Cdr]) -> Option<Amd> {
    let judged: Vec<&&Cdr> = outbound.iter().filter(|c| c.amd.is_some()).collect();
    if judged.is_empty() {
        return None;
    }
    let decision = fit_families(
        &Sample::exact(
            judged
                .iter()
                .filter(|c| c.amd == Some(AmdVerdict::Machine) && c.hangup_by == Some(HangupBy::Dialer))
                .filter_map(|c| c.wait_ms())
                .map(|ms| ms as f64)
                .collect(),
        ),
        &Family::ALL,
    );
    let share = |truth: Party, verdict: AmdVerdict| {
        let of: Vec<_> = judged.iter().filter(|c| c.answered_by == Some(truth)).collect();
        let wrong = of.iter().filter(|c| c.amd == Some(verdict)).count();
        ((!of.is_empty()).then(|| wrong as f64 / of.len() as f64), of.len())
    };
    let (false_positive, humans) = share(Party::Human, AmdVerdict::Machine);
    let (false_negative, machines) = share(Party::Machine, AmdVerdict::Human);
    let wait_offset_ms = decision.as_ref().map_or(0.0, |d| d.best().mean);
    Some(Amd { decision, false_positive, humans, false_negative, machines, wait_offset_ms })
}

/// The Kaplan–Meier survival at one time against the fitted model's.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct KmCheck {
    /// ms.
    pub t_ms: f64,
    /// Kaplan–Meier.
    pub km: f64,
    /// The best family's S(t).
    pub model: f64,
}

/// A run's records turned into a scenario's parameters, with where each came from.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Calibration {
    /// The scenario's name.
    pub name: String,
    /// t = 0: the first dial, rounded down to the hour.
    #[serde(serialize_with = "as_text")]
    pub start: Timestamp,
    /// From `start` to the last dial, rounded up to the minute.
    pub duration_ms: u64,
    /// Outbound calls placed.
    pub dials: u64,
    /// The mix over the whole run, corrected for the ring timeout.
    pub mix: Mix,
    /// Counts of each category as recorded.
    pub observed: Categories,
    /// The test of one mix for every hour.
    pub hours: Option<HourTest>,
    /// Per-hour phases, when the test rejects one mix (empty otherwise).
    pub phases: Vec<Phase>,
    /// Dial to answer of answered calls (truncated at the ring timeout).
    pub ring: Option<FamilyFit>,
    /// P(ring < ring_timeout) under the fitted ring distribution: the share of would-be answers
    /// the records show as answered.
    pub answered_before_timeout: f64,
    /// Dial to the busy or invalid response.
    pub busy_after: Option<FamilyFit>,
    /// Talk time of connected outbound calls.
    pub talk: Option<FamilyFit>,
    /// Wrap-up intervals of agents.csv.
    pub wrap: Option<FamilyFit>,
    /// Machine-handling intervals of agents.csv.
    pub machine_handle: Option<FamilyFit>,
    /// Customer patience; `None` when nobody abandoned (patience omitted: forever).
    pub patience: Option<Patience>,
    /// The answering-machine detector, when the records show its verdicts.
    pub amd: Option<Amd>,
    /// Distinct agents.
    pub agents: u64,
    /// The ring timeout: the median ring time of no-answer calls, ms.
    pub ring_timeout_ms: Option<f64>,
    /// The longest wait of a call the dialer dropped, ms; `None` if none was dropped.
    pub drop_after_ms: Option<f64>,
    /// The most lines in use at once.
    pub lines_peak: u64,
    /// Whether some call was blocked for want of a line (then `lines = lines_peak`).
    pub blocked: bool,
    /// `pacing.mode` written.
    pub pacing: String,
    /// `pacing.ratio` written.
    pub ratio: Option<f64>,
    /// The seed written.
    pub seed: u64,
    /// What the records could not tell, for the file's comments and the user.
    pub notes: Vec<String>,
}

/// A timestamp as RFC 3339 text.
fn as_text<S: serde::Serializer>(t: &Timestamp, s: S) -> Result<S::Ok, S::Error> {
    s.collect_str(t)
}

/// Estimates a scenario from a run's records. `origin` is the wall-clock time of [`crate::Time`]
/// zero in the records.
pub fn fit(
    cdrs: &[Cdr],
    agents: &[AgentInterval],
    origin: Timestamp,
    options: &FitOptions,
) -> Result<Calibration, FitError> {
    let outbound: Vec<&Cdr> =
        cdrs.iter().filter(|c| c.direction == Direction::Outbound && c.outcome != Outcome::Blocked).collect();
    let first = outbound.iter().map(|c| c.dial_time).min().ok_or(FitError::NoDials)?;
    let last = outbound.iter().map(|c| c.dial_time).max().unwrap_or(first);
    let mut notes = Vec::new();

    let origin_ms = origin.as_millisecond();
    let first_wall = origin_ms + first.as_ms() as i64;
    // The start is the hour of the first dial, which may lie before the records' origin.
    let into_hour = first_wall.rem_euclid(3_600_000) as u64;
    let start = Timestamp::from_millisecond(first_wall - into_hour as i64).unwrap_or(origin);
    let duration_ms = (last - first + into_hour + 1).div_ceil(60_000) * 60_000;

    let ms = |v: u64| v as f64;
    let no_answer: Vec<f64> =
        outbound.iter().filter(|c| c.outcome == Outcome::NoAnswer).map(|c| ms(c.ring_ms())).collect();
    let ring_timeout_ms = (!no_answer.is_empty()).then(|| {
        let mut sorted = no_answer.clone();
        sorted.sort_by(f64::total_cmp);
        crate::stats::quantile(&sorted, 0.5)
    });
    let ring_sample = Sample {
        exact: outbound.iter().filter(|c| c.answer_time.is_some()).map(|c| ms(c.ring_ms())).collect(),
        censored: Vec::new(),
        truncated_at: ring_timeout_ms,
    };
    let ring = fit_families(&ring_sample, &Family::ALL);
    let answered_before_timeout = match (&ring, ring_timeout_ms) {
        (Some(fit), Some(t)) => Dist::from_params(fit.best().family, &fit.best().params).cdf(t).max(1e-6),
        _ => 1.0,
    };
    let busy_after = fit_families(
        &Sample::exact(
            outbound
                .iter()
                .filter(|c| matches!(c.outcome, Outcome::Busy | Outcome::Invalid))
                .map(|c| ms(c.ring_ms()))
                .collect(),
        ),
        &Family::ALL,
    );
    let talk = fit_families(
        &Sample::exact(
            outbound.iter().filter(|c| c.outcome == Outcome::Connected).filter_map(|c| c.talk_ms()).map(ms).collect(),
        ),
        &Family::ALL,
    );
    let state_sample = |state: AgentState| {
        Sample::exact(agents.iter().filter(|i| i.state == state).map(|i| ms(i.duration_ms())).collect())
    };
    let wrap = fit_families(&state_sample(AgentState::Wrap), &Family::ALL);
    let machine_handle = fit_families(&state_sample(AgentState::Machine), &Family::ALL);

    let (mix, observed, hours, phases) = mix::estimate(
        &outbound,
        (first, into_hour),
        answered_before_timeout,
        options.phase_min_dials,
        options.phase_alpha,
    );

    let amd = amd(&outbound);
    let patience = patience(&outbound, amd.as_ref().map_or(0.0, |a| a.wait_offset_ms));
    // Dropped calls waited drop_after from the end of the greeting: exactly their wait without
    // AMD; with AMD, their wait less the decision time, known only on average.
    let dropped: Vec<f64> = outbound
        .iter()
        .filter(|c| c.outcome == Outcome::Abandoned && c.hangup_by == Some(HangupBy::Dialer))
        .filter_map(|c| c.wait_ms())
        .map(ms)
        .collect();
    let drop_after_ms = match amd.as_ref().map(|a| a.wait_offset_ms) {
        _ if dropped.is_empty() => None,
        Some(offset) if offset > 0.0 => Some((crate::stats::mean_var(&dropped).0 - offset).max(0.0)),
        _ => dropped.iter().copied().reduce(f64::max),
    };

    let mut agent_ids: Vec<u32> = agents.iter().map(|i| i.agent).collect();
    if agent_ids.is_empty() {
        notes.push(
            "no agent log: the agent count is the number of agents named in the CDRs, and wrap-up is unknown (0s)"
                .into(),
        );
        agent_ids = cdrs.iter().filter_map(|c| c.agent).collect();
    }
    agent_ids.sort_unstable();
    agent_ids.dedup();

    let mut metrics = MetricsBuilder::new();
    cdrs.iter().for_each(|c| metrics.add_cdr(c));
    let metrics = metrics.finish();
    if cdrs.iter().any(|c| c.direction == Direction::Inbound) {
        notes.push("the records hold inbound calls: [inbound] is not fitted".into());
    }
    if let Some(a) = &amd {
        notes.push(format!(
            "AMD was on: the waits were shortened by the mean decision time ({:.2}s) before patience was \
             estimated, since the patience clock starts at the verdict",
            a.wait_offset_ms / 1000.0
        ));
    }
    notes.push(format!(
        "pacing.mode = {:?} was given, not estimated: records do not show which pacer made them",
        options.pacing
    ));
    Ok(Calibration {
        name: options.name.clone(),
        start,
        duration_ms,
        dials: outbound.len() as u64,
        mix,
        observed,
        hours,
        phases,
        ring,
        answered_before_timeout,
        busy_after,
        talk,
        wrap,
        machine_handle,
        patience,
        amd,
        agents: agent_ids.len() as u64,
        ring_timeout_ms,
        drop_after_ms,
        lines_peak: metrics.lines.peak,
        blocked: metrics.outbound.blocked > 0,
        pacing: options.pacing.clone(),
        ratio: options.ratio,
        seed: options.seed,
        notes,
    })
}

/// How many different values `xs` holds.
fn sorted_distinct(xs: &[f64]) -> usize {
    let mut v = xs.to_vec();
    v.sort_by(f64::total_cmp);
    v.dedup();
    v.len()
}

/// Patience from the waits of outbound live answers: a person who hung up waiting gives an
/// event; a wait ended by an agent or by the dialer's drop gives a censored value. `offset_ms`
/// (the AMD decision time) is taken off each wait: the patience clock starts at the verdict.
fn patience(outbound: &[&Cdr], offset_ms: f64) -> Option<Patience> {
    let (mut events, mut connected, mut dropped) = (Vec::new(), Vec::new(), Vec::new());
    // The waits less the offset, unclamped: the per-call decision times' deviations from their
    // mean cancel in the sum, where clamping each at 0 would bias it up.
    let mut raw_exposure = 0.0;
    for c in outbound.iter().filter(|c| c.is_live_answer()) {
        let Some(wait) = c.wait_ms() else { continue };
        raw_exposure += wait as f64 - offset_ms;
        let wait = (wait as f64 - offset_ms).max(0.0);
        match (c.outcome, c.hangup_by) {
            (Outcome::Connected, _) => connected.push(wait),
            (_, Some(HangupBy::Dialer)) => dropped.push(wait),
            _ => events.push(wait),
        }
    }
    if events.is_empty() {
        return None;
    }
    let censored: Vec<f64> = connected.iter().chain(&dropped).copied().collect();
    let n = events.len() as f64;
    let exp_mean_ms = raw_exposure.max(events.iter().sum::<f64>()).max(1.0) / n;
    let sample = Sample { exact: events.clone(), censored: censored.clone(), truncated_at: None };
    // Fewer than two distinct events leave the two-parameter families without a maximum (σ → 0,
    // a Weibull shape without bound): only the exponential, whose estimate is closed-form.
    let distinct = sorted_distinct(&events);
    let candidates: &[Family] =
        if distinct < 2 { &[Family::Exp] } else { &[Family::Exp, Family::Lognormal, Family::Gamma, Family::Weibull] };
    let families = fit_families(&sample, candidates)?;
    let curve = kaplan_meier(&events, &censored);
    let best = Dist::from_params(families.best().family, &families.best().params);
    let mut sorted = events.clone();
    sorted.sort_by(f64::total_cmp);
    let km_check = [0.25, 0.5, 0.75]
        .iter()
        .map(|q| {
            let t = crate::stats::quantile(&sorted, *q);
            KmCheck { t_ms: t, km: survival_at(&curve, t), model: best.ln_sf(t).exp() }
        })
        .collect();
    Some(Patience {
        events: events.len(),
        censored_connected: connected.len(),
        censored_dropped: dropped.len(),
        exp_mean_ms,
        exp_mean_ci95_ms: 1.96 * exp_mean_ms / n.sqrt(),
        naive_mean_ms: events.iter().sum::<f64>() / n,
        families,
        km_check,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_records::outbound;
    use crate::{AgentInterval, Time};

    /// Hand-built records whose every estimate is worked out below.
    fn records() -> Vec<Cdr> {
        let mut cdrs = Vec::new();
        let human = Some(Party::Human);
        // Two people connected after 1 s and 3 s (censored), one hung up after 2 s (an event),
        // one dropped by the dialer after 4 s (censored at drop_after).
        cdrs.push(outbound(Outcome::Connected, human, None, 0, Some(10_000), Some(11_000), 70_000));
        cdrs.push(outbound(Outcome::Connected, human, None, 1_000, Some(11_000), Some(14_000), 74_000));
        cdrs.push(outbound(Outcome::Abandoned, human, None, 2_000, Some(12_000), None, 14_000));
        let mut dropped = outbound(Outcome::Abandoned, human, None, 3_000, Some(13_000), None, 17_000);
        dropped.hangup_by = Some(HangupBy::Dialer);
        cdrs.push(dropped);
        cdrs.push(outbound(Outcome::Machine, Some(Party::Machine), None, 4_000, Some(14_000), None, 14_500));
        cdrs.push(outbound(Outcome::Busy, None, None, 5_000, None, None, 8_000));
        for dial in [6_000, 7_000] {
            cdrs.push(outbound(Outcome::NoAnswer, None, None, dial, None, None, dial + 25_000));
        }
        let mut blocked = outbound(Outcome::Blocked, None, None, 8_000, None, None, 8_000);
        blocked.hangup_by = None;
        cdrs.push(blocked);
        cdrs
    }

    #[test]
    fn records_give_the_estimates_worked_out_by_hand() {
        let origin: Timestamp = "2026-01-05T09:30:00Z".parse().expect("valid");
        let agents = [
            AgentInterval {
                agent: 1,
                state: AgentState::Wrap,
                start: Time::from_ms(70_000),
                end: Time::from_ms(80_000),
            },
            AgentInterval {
                agent: 2,
                state: AgentState::Wrap,
                start: Time::from_ms(74_000),
                end: Time::from_ms(84_000),
            },
        ];
        let c = fit(&records(), &agents, origin, &FitOptions::default()).expect("dials");
        assert_eq!(c.dials, 8, "the blocked call was not placed");
        assert_eq!(c.start.to_string(), "2026-01-05T09:00:00Z", "the first dial, down to the hour");
        assert_eq!(c.agents, 2);
        assert_eq!(c.observed.shares_counts(), [4, 1, 1, 2, 0]);
        assert_eq!(c.ring_timeout_ms, Some(25_000.0));
        assert_eq!(c.drop_after_ms, Some(4_000.0));
        assert!(c.phases.is_empty() && c.hours.is_none(), "one hour, one mix");
        // Ring times all 10 s: const, which puts all its mass before the timeout.
        assert_eq!(c.ring.as_ref().map(|r| r.best().family), Some(Family::Const));
        assert_eq!(c.answered_before_timeout, 1.0);
        assert_eq!((c.mix.human, c.mix.machine, c.mix.busy, c.mix.no_answer), (0.5, 0.125, 0.125, 0.25));
        assert_eq!(
            c.wrap.as_ref().map(|w| (w.best().family, w.best().params.clone())),
            Some((Family::Const, vec![10_000.0]))
        );
        // Patience: one event (2 s), censored at 1 s and 3 s (connected) and 4 s (dropped):
        // exposure 10 s over 1 event.
        let p = c.patience.as_ref().expect("an abandon");
        assert_eq!((p.events, p.censored_connected, p.censored_dropped), (1, 2, 1));
        assert_eq!(p.exp_mean_ms, 10_000.0);
        assert_eq!(p.naive_mean_ms, 2_000.0);
        // Kaplan–Meier at 2 s: 3 at risk (the 1 s wait left), 1 event: S = 2/3.
        assert!((p.km_check[1].km - 2.0 / 3.0).abs() < 1e-12);
        let toml = c.to_toml();
        for line in
            ["human = 0.5", "drop_after = \"4s\"", "ring_timeout = \"25s\"", "count = 2", "mode = \"predictive\""]
        {
            assert!(toml.contains(line), "{line} missing from\n{toml}");
        }
        assert_eq!(fit(&[], &[], origin, &FitOptions::default()), Err(FitError::NoDials));
    }
}
