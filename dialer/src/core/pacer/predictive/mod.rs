//! `mode = "predictive"`: dialkit's own pacer. It dials ahead of agents becoming free, placing a
//! call only while the chance that its live answer finds no agent stays under a threshold that a
//! feedback loop tunes to the abandon target.
//!
//! # What it observes
//! Only what a real dialer has: the [`PacerView`] (ready agents; each busy agent's state and for
//! how long; the calls ringing and since when; calls in AMD and waiting), the records of its own
//! finished calls and the agents' finished intervals. From these it learns, over a sliding window
//! of the last minutes (`model`):
//! - how calls resolve: for a call ringing for `a` seconds, the chance it needs an agent within
//!   the next `h` seconds (a live answer, or a machine AMD passes on), from the empirical ring
//!   times of recent calls by outcome, plus the AMD decision delay;
//! - how long talk, wrap-up and machine handling last, so an agent `e` seconds into a call is
//!   free within `h` seconds with the conditional probability P(T + W ≤ e + h | T > e);
//! - inbound arrivals per second, which take agents before they free for outbound calls.
//!
//! # How it decides
//! Consider placing one more call. Its live answer, if any, needs an agent `τ` after it is placed,
//! `τ` drawn from the need-time distribution (evaluated at its 1/6, 1/2 and 5/6 quantiles). It is
//! served if the agents free by `τ` (ready now, plus each busy agent's chance of freeing)
//! outnumber the live answers ahead of it (waiting now, plus each ringing call's chance of
//! needing an agent by `τ`, plus inbound arrivals, plus the other new calls). Both counts are sums
//! of independent Bernoulli variables; with a normal approximation (continuity-corrected) the
//! chance the new call is abandoned is Φ((½ − μ) / σ). The pacer places calls one by one while
//! that chance, averaged over the three `τ`, stays at or under the threshold θ.
//!
//! θ is the one tuned quantity. After each live answer it moves by the stochastic-approximation
//! step θ ← θ · exp(η (s − x)), x = 1 for an abandon and 0 for a connection: it settles where
//! the share of abandoned live answers equals the setpoint s, a fixed fraction below
//! `target_abandon`, so the realised rate approaches the target from below. Under Ofcom the
//! false positives the pacer books (see [`AbandonRule`]) take their part of the rate first, so s
//! is the share of live answers that leaves the period's rate, false positives included, at that
//! fraction of the target. θ starts at s the first time the pacer dials ahead.
//!
//! # Safety
//! The abandon rate is counted over the compliance period as the regulator counts it
//! ([`AbandonRule`]). Whenever one more abandon would take the period's rate above
//! `target_abandon` — at the start of every period, and whenever the rate nears the cap — the
//! pacer falls back to progressive dialing (no abandons possible) until live answers have made
//! room again; calls it placed ahead keep their claim on the agents who free meanwhile. So a small team starts progressive and dials ahead only once it has earned a
//! margin, and no run can drift over the cap by more than the calls already in flight.
//!
//! It never reads the population the simulator draws from: it is built from
//! [`PredictiveSettings`] alone.

mod model;
mod window;

pub use window::AbandonRule;

use super::{Pacer, PacerView, Plan};
use crate::core::Time;
use model::{Durations, RingModel};
use reports::{AgentInterval, AgentState, Cdr, Direction, Outcome};
use std::collections::VecDeque;
use window::AbandonWindow;

/// The settings of the predictive pacer: what a campaign configures.
#[derive(Clone, Debug, PartialEq)]
pub struct PredictiveSettings {
    /// The abandon rate to stay under, over the compliance period (0.03 by the rules).
    pub target_abandon: f64,
    /// Which regulator's periods and counts apply.
    pub rule: AbandonRule,
    /// Milliseconds past UTC midnight at t = 0 (where Ofcom's calendar days fall).
    pub day_offset_ms: u64,
    /// The feedback loop's setpoint as a share of `target_abandon` (default 0.85).
    pub setpoint_share: f64,
    /// Most calls outstanding (not reserved) per agent that could take one (default 8): a bound
    /// for when the estimates are poor.
    pub max_calls_per_agent: f64,
}

impl Default for PredictiveSettings {
    fn default() -> Self {
        PredictiveSettings {
            target_abandon: 0.03,
            rule: AbandonRule::Fcc,
            day_offset_ms: 0,
            setpoint_share: 0.85,
            max_calls_per_agent: 8.0,
        }
    }
}

/// Why settings were refused.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum SettingsError {
    /// A setting out of its range.
    #[error("{name} = {value} is out of range: {fix}")]
    OutOfRange { name: &'static str, value: f64, fix: &'static str },
}

/// Horizons (quantiles of the need time) at which the risk of a new call is averaged.
const HORIZONS: [f64; 3] = [1.0 / 6.0, 0.5, 5.0 / 6.0];
/// Re-plan at least this often while dialing ahead, and not more often unless the agents' or
/// waiting counts change.
const REPLAN_MS: u64 = 1000;
/// Calls that must have needed an agent before the ring model is trusted.
const MIN_NEEDERS: u32 = 20;
/// Talks that must have finished before the service-time model is trusted.
const MIN_TALKS: usize = 20;
/// The feedback loop pays back an abandon count above its setpoint over this many live answers.
const PAYBACK_LIVE: f64 = 1000.0;
/// Step of the feedback loop per live answer.
const GAIN: f64 = 0.05;
/// The smallest risk threshold: below it the pacer would hardly ever dial ahead.
const THETA_MIN: f64 = 1e-4;
/// Inbound arrivals are counted over this trailing window.
const INBOUND_WINDOW_MS: u64 = 30 * 60_000;

/// The predictive pacer; see the [module docs](self).
#[derive(Clone, Debug)]
pub struct Predictive {
    settings: PredictiveSettings,
    ring: RingModel,
    talk: Durations,
    wrap: Durations,
    machine: Durations,
    window: AbandonWindow,
    inbound: VecDeque<Time>,
    /// The risk threshold the feedback loop tunes; `None` until the pacer first dials ahead.
    theta: Option<f64>,
    last: Option<Decision>,
}

/// The last full computation, and what it saw.
#[derive(Clone, Copy, Debug)]
struct Decision {
    at: Time,
    seen: (u32, u32, u32, u32, u32),
    progressive: bool,
}

impl Predictive {
    /// A predictive pacer; settings out of range are refused.
    pub fn new(settings: PredictiveSettings) -> Result<Predictive, SettingsError> {
        let check = |name, value: f64, ok: bool, fix| {
            if ok { Ok(()) } else { Err(SettingsError::OutOfRange { name, value, fix }) }
        };
        let s = &settings;
        check(
            "target_abandon",
            s.target_abandon,
            s.target_abandon > 0.0 && s.target_abandon < 1.0,
            "give a share in (0, 1), e.g. 0.03",
        )?;
        check(
            "setpoint_share",
            s.setpoint_share,
            s.setpoint_share > 0.0 && s.setpoint_share <= 1.0,
            "give a share in (0, 1]",
        )?;
        check(
            "max_calls_per_agent",
            s.max_calls_per_agent,
            s.max_calls_per_agent >= 1.0 && s.max_calls_per_agent.is_finite(),
            "give at least 1",
        )?;
        if let AbandonRule::Ofcom { amd_fp_share } = s.rule {
            check("amd_fp_share", amd_fp_share, (0.0..=1.0).contains(&amd_fp_share), "give a share in [0, 1]")?;
        }
        Ok(Predictive {
            window: AbandonWindow::new(s.rule, s.day_offset_ms),
            theta: None,
            ring: RingModel::new(),
            talk: Durations::new(),
            wrap: Durations::new(),
            machine: Durations::new(),
            inbound: VecDeque::new(),
            last: None,
            settings,
        })
    }

    /// The risk threshold now (for tests and traces); `None` before the pacer first dials ahead.
    pub fn threshold(&self) -> Option<f64> {
        self.theta
    }

    /// The feedback loop's setpoint: the share of live answers that may be abandoned for the
    /// period's rate to settle at `setpoint_share` × the target. Under Ofcom the estimated false
    /// positives take their part first. While the period is over that rate it aims lower, to pay
    /// the excess back.
    fn setpoint(&self) -> f64 {
        let base = self.settings.target_abandon * self.settings.setpoint_share;
        let share = self.window.abandon_share_for(base);
        (share - self.window.excess_over(base) / PAYBACK_LIVE).max(0.0)
    }

    fn inbound_per_ms(&mut self, now: Time) -> f64 {
        while self.inbound.front().is_some_and(|&t| now.since(t) > INBOUND_WINDOW_MS) {
            self.inbound.pop_front();
        }
        let span = now.as_ms().clamp(1, INBOUND_WINDOW_MS);
        self.inbound.len() as f64 / span as f64
    }

    /// The full computation: how many calls to start now.
    fn decide(&mut self, view: &PacerView<'_>) -> Plan {
        let now = view.now;
        if view.logged_in == 0 {
            return Plan::Hold;
        }
        let s = self.settings.clone();
        if !self.window.can_afford_one_more(now, s.target_abandon) {
            return Plan::Progressive;
        }
        self.ring.refresh();
        for (state, durations) in [
            (AgentState::Talk, &mut self.talk),
            (AgentState::Wrap, &mut self.wrap),
            (AgentState::Machine, &mut self.machine),
        ] {
            if durations.due(now) {
                let running = view.agents.iter().flatten().filter(|a| a.state == state).map(|a| now.since(a.since));
                durations.rebuild(now, running);
            }
        }
        // Too little seen to forecast: the first talks to finish are the short ones, and an
        // estimate from them alone would expect agents free far too soon.
        if self.ring.needers() < MIN_NEEDERS || self.talk.samples() < MIN_TALKS {
            return Plan::Progressive;
        }
        let tau: [u64; 3] = HORIZONS.map(|q| self.ring.need_time_quantile(q));
        // Wrap-up after a talk, at its median: finer quadrature over it changed nothing measurable.
        let wrap = self.wrap.quantile(0.5);

        // Agents free by τ: ready ones, and each busy one by its chance. (Counting also those who
        // free within a grace after τ dialled more and abandoned more for the same occupancy:
        // impatient people hang up within that grace, and later arrivals compete for those agents.)
        let mut free = [f64::from(view.ready); 3];
        let mut free_var = [0.0; 3];
        let mut able = view.ready;
        for agent in view.agents.iter().flatten() {
            if agent.leaving {
                continue;
            }
            let elapsed = now.since(agent.since);
            let chance = |k: usize| -> f64 {
                let h = tau[k];
                match agent.state {
                    AgentState::Talk => self.talk.ends_within(elapsed, h.saturating_sub(wrap)),
                    AgentState::Wrap => self.wrap.ends_within(elapsed, h),
                    AgentState::Machine => self.machine.ends_within(elapsed, h),
                    _ => 0.0,
                }
            };
            if matches!(agent.state, AgentState::Talk | AgentState::Wrap | AgentState::Machine) {
                able += 1;
                for k in 0..3 {
                    let q = chance(k);
                    free[k] += q;
                    free_var[k] += q * (1.0 - q);
                }
            }
        }

        // Live answers ahead of a new call's: waiting now, the ringing calls and calls in AMD that
        // will need an agent by τ, and inbound arrivals meanwhile.
        let inbound_rate = self.inbound_per_ms(now);
        let waiting = f64::from(view.waiting + view.inbound_waiting);
        let mut ahead: [f64; 3] = tau.map(|t| waiting + inbound_rate * t as f64);
        let mut ahead_var: [f64; 3] = tau.map(|t| inbound_rate * t as f64);
        let in_amd = f64::from(view.amd_pending);
        let p_amd = self.ring.needed_share_of_answered();
        for k in 0..3 {
            ahead[k] += in_amd * p_amd;
            ahead_var[k] += in_amd * p_amd * (1.0 - p_amd);
        }
        for call in view.ringing_calls.iter() {
            if call.reserved {
                continue;
            }
            let age = now.since(call.dialed);
            for k in 0..3 {
                let p = self.ring.need_within(age, tau[k]);
                ahead[k] += p;
                ahead_var[k] += p * (1.0 - p);
            }
        }
        let fresh: [f64; 3] = tau.map(|t| self.ring.need_within(0, t));
        // The loop starts at its setpoint the first time the pacer dials ahead, when the share of
        // false positives is known; started earlier it would begin far too high under Ofcom, and
        // a burst of abandons at the start of a day would hold the rest of it progressive.
        let start = self.setpoint().max(THETA_MIN);
        let theta = *self.theta.get_or_insert(start);

        // Place calls one by one while the next one's risk stays under θ.
        let most = (s.max_calls_per_agent * f64::from(able)).floor() as u32;
        let mut room = most.saturating_sub(view.unclaimed());
        if let Some(lines) = view.lines_free {
            room = room.min(lines);
        }
        let mut n = 0;
        while n < room {
            let risk = (0..3)
                .map(|k| {
                    let others = f64::from(n) * fresh[k];
                    let mean = free[k] - ahead[k] - others;
                    let var = free_var[k] + ahead_var[k] + others * (1.0 - fresh[k]) + 0.01;
                    normal_cdf((0.5 - mean) / var.sqrt())
                })
                .sum::<f64>()
                / 3.0;
            if risk > theta {
                break;
            }
            n += 1;
        }
        Plan::Start(n)
    }
}

impl Pacer for Predictive {
    fn name(&self) -> &'static str {
        "predictive"
    }

    fn plan(&mut self, view: &PacerView<'_>) -> Plan {
        let seen = (view.ready, view.waiting, view.inbound_waiting, view.logged_in, view.paused);
        if let Some(last) = self.last
            && last.seen == seen
            && view.now.since(last.at) < REPLAN_MS
        {
            // Nothing an agent count shows has changed since the last plan, made moments ago.
            return if last.progressive { Plan::Progressive } else { Plan::Hold };
        }
        let plan = self.decide(view);
        self.last = Some(Decision { at: view.now, seen, progressive: plan == Plan::Progressive });
        plan
    }

    fn call_ended(&mut self, cdr: &Cdr) {
        if cdr.direction == Direction::Inbound {
            self.inbound.push_back(cdr.dial_time);
            return;
        }
        self.ring.learn(cdr);
        self.window.learn(cdr);
        if !cdr.is_live_answer() {
            return;
        }
        let abandoned = f64::from(u8::from(cdr.outcome == Outcome::Abandoned));
        let setpoint = self.setpoint();
        if let Some(theta) = &mut self.theta {
            *theta = (*theta * (GAIN * (setpoint - abandoned)).exp()).clamp(THETA_MIN, 0.5);
        }
    }

    fn needs_agent(&mut self, dialed: Time, answered: Time, now: Time) {
        self.ring.learn_need(dialed, answered, now);
    }

    fn interval_ended(&mut self, interval: &AgentInterval) {
        let ms = interval.end.since(interval.start);
        match interval.state {
            AgentState::Talk => self.talk.learn(ms),
            AgentState::Wrap => self.wrap.learn(ms),
            AgentState::Machine => self.machine.learn(ms),
            _ => {}
        }
    }

    fn wakeup(&self) -> Option<Time> {
        // While agents are logged in, look again every second: busy agents near the end of
        // their calls make room for calls even when nothing else happens.
        self.last.filter(|d| d.seen.3 > 0).map(|d| d.at + REPLAN_MS)
    }
}

/// The standard normal distribution function Φ, by Abramowitz and Stegun's formula 26.2.17
/// (absolute error under 7.5e-8): plenty for risks compared with thresholds of a few percent.
fn normal_cdf(x: f64) -> f64 {
    const P: f64 = 0.231_641_9;
    const B: [f64; 5] = [0.319_381_530, -0.356_563_782, 1.781_477_937, -1.821_255_978, 1.330_274_429];
    let z = x.abs();
    let t = 1.0 / (1.0 + P * z);
    let poly = t * (B[0] + t * (B[1] + t * (B[2] + t * (B[3] + t * B[4]))));
    let density = (-0.5 * z * z).exp() / (2.0 * std::f64::consts::PI).sqrt();
    let upper = density * poly;
    if x >= 0.0 { 1.0 - upper } else { upper }
}

#[cfg(test)]
mod tests;
