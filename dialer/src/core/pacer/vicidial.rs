//! `mode = "vicidial"`: a model of VICIdial's adaptive dial level (`ADAPT_HARD_LIMIT`,
//! `ADAPT_TAPERED`, `ADAPT_AVERAGE`), kept faithful weaknesses included, as the baseline peer that
//! dialkit's own pacers are measured against.
//!
//! VICIdial paces with two independent scripts, and so does this model. `AST_VDadapt.pl` samples
//! the campaign every second and rewrites the campaign's dial level every 15 seconds;
//! `AST_VDauto_dial.pl` wakes every 2.5 seconds and places as many calls as the current level asks
//! for. What follows is our own description of their behaviour (VICIdial 2.14, read for this
//! model, nothing copied), in dialkit's terms.
//!
//! # The adapt loop: one sample a second, an adjustment every 15
//!
//! At each whole second `t_k = k s` (k = 1, 2, …) the model takes sample k:
//! `R_k` = agents ready ([`PacerView::ready`]), `W_k` = live answers waiting for an agent
//! ([`PacerView::waiting`]), `N_k` = agents logged in in any state, paused and wrapping included
//! ([`PacerView::logged_in`]). It averages the last `n = min(k, 15)` samples: `R̄`, `W̄`, `N̄`.
//! When `N̄ > 0`, and only then:
//!
//! - the **drop statistics** are refreshed (see below) at the first such loop and then once 60
//!   loops have passed since the last refresh (k = 1, 61, 121, … in a campaign that always has
//!   agents). Adjustments in between use statistics up to a minute old.
//! - the **level is adjusted** once 15 loops have passed since the last adjustment: first at
//!   k = 16 (from samples 2 to 16), then k = 31, 46, … At k = 61 the refresh comes first.
//!
//! Both counters keep counting while `N̄ = 0`, so both fire at the first loop with agents.
//!
//! ## One adjustment of the level `L`
//!
//! 1. Differential: `d = R̄ − W̄ + dl_diff_target`; as a percentage of the average team,
//!    `p = 100 · d / N̄` (0 when `d = 0`).
//! 2. Intensity `i`: `p' = p · (1 + i/100)` when `p ≥ 0`, `p' = p · |i/100 − 1|` when `p < 0`.
//!    A positive intensity raises the level faster and lowers it slower; a negative one the reverse.
//! 3. `L ← round₃(L · (1 + p'/100))`, rounded to three decimals as VICIdial stores it; then
//!    `L ← max_level` if above it, and `L ← 1.0` if below 1 (the cap first: a `max_level` below 1
//!    yields 1.0).
//! 4. **Bad minute**: if the last minute logged `C₁ > 20` calls and `100 · D₁ / C₁ > 50` (rounded to
//!    two decimals; `D₁` drops, as a share of *all* calls, not of live answers): `L ← L / 2`.
//! 5. **Over target**: if today logged `C > 50` calls and `100 · D / max(A, 1) > 100 ·
//!    target_abandon` (rounded to two decimals; `D` drops, `A` live answers, drops included):
//!    - `hard_limit`: `L ← 1.0`;
//!    - `average`: `L ← L / 2`;
//!    - `tapered`: with `h = latest − now`, both written as the numbers HHMM (21:00 at 14:30 gives
//!      `2100 − 1430 = 670`, 14:59 gives 641 and 15:00 gives 600: minutes are not hundredths of an
//!      hour, as in VICIdial): `L ← 1.0` when `h < 0`, else `L ← L · min(1, h / 1000)`, so nothing
//!      happens earlier than ten hours before `latest_server_time`, and after that the factor is
//!      applied again at every adjustment while the day stays over target.
//! 6. `L ← 1.0` if below 1 (the floor).
//!
//! The level starts at [`VicidialSettings::initial_level`] (VICIdial: the campaign's
//! `auto_dial_level` when adaptive dialing is switched on).
//!
//! ## Drop statistics: what VICIdial's call log shows
//!
//! VICIdial counts rows of its outbound call log by status. The model counts each outbound record
//! passed to [`Pacer::call_ended`], stamped with its end time, the moment the record exists:
//!
//! - a **call**: every outbound record except `blocked` (never placed: VICIdial does not place
//!   calls beyond its trunks). Inbound calls are another campaign's (`campaign_allow_inbound = N`).
//! - a **drop** (`DROP`): a live answer that never reached an agent, as VICIdial sees it: outcome
//!   `abandoned`, or an answer AMD passed as a person (verdict human or notsure) that no agent took
//!   (the simulator knows it was a machine and writes `machine`; VICIdial, which does not, logs a
//!   drop). Whether the person hung up or the dialer dropped the call makes no difference.
//! - a **live answer** (a human-answered status): a drop, or an outcome `connected` (an agent
//!   talked to a person). Machines an agent handled are dispositioned as machines: not counted.
//! - **today**: records stamped since the last midnight, server time (UTC here:
//!   [`VicidialSettings::start_of_day_s`] places t = 0 on the clock). All three counts restart at
//!   midnight.
//! - **last minute**: records stamped after `t − 60 s` at the refresh time `t`.
//!
//! # The auto-dial loop: calls every 2.5 seconds
//!
//! At each `t = j · dial_interval_ms` (j = 1, 2, …; VICIdial's default loop delay is 2.5 s) the model
//! counts, with `available_only_ratio_tally = N` (VICIdial's default):
//!
//! - `A` = agents that can take or are on a call: ready, reserved, or talking (VICIdial's `READY`,
//!   `QUEUE`, `INCALL` with a live call); agents paused or in wrap-up (VICIdial's `PAUSED` and
//!   `INCALL` on a call already hung up, "dead") are left out;
//! - `T` = agents talking (each on a campaign call VICIdial still lists as `XFER`);
//! - `goal = round(L · A)`, to the nearest integer with ties to even (Perl's `sprintf "%.0f"`);
//! - calls in progress = ringing + in AMD + waiting for an agent + `T`;
//! - it starts `max(0, goal − in progress)` calls, no more than the free lines. Between loops it
//!   holds.
//!
//! With `L = 1` the talking agents and their calls cancel out: one outstanding call per ready
//! agent, not reserved to it. With `available_only_ratio_tally = Y`
//! ([`VicidialSettings::available_only`]) `A` is the ready agents alone and `T` is added to the
//! goal before rounding: `round(L · ready + T) − in progress`.
//!
//! # Constants
//!
//! | what | value | VICIdial |
//! |---|---|---|
//! | adapt loop | 1 s | `AST_VDadapt.pl --delay` default |
//! | samples averaged | 15 | `stat_it` |
//! | loops between adjustments | 15 | `diff_ratio_updater >= 15` |
//! | loops between drop refreshes | 60 (first at loop 1) | `drop_count_updater >= 60`, starting at 61 |
//! | bad minute | > 20 calls and > 50 % of them dropped | `calculate_dial_level` |
//! | warm-up | > 50 calls today | `calculate_dial_level` |
//! | taper span | 1000 (10h00 as HHMM) | `tapered_rate` |
//! | floor | 1.0 | `calculate_dial_level` |
//! | default `latest_server_time` | 21:00 | `adaptive_latest_server_time` column default `2100` |
//! | level's precision | 3 decimals | `sprintf "%.3f"` |
//! | auto-dial loop | 2.5 s (a setting) | `AST_VDauto_dial.pl` `loop_delay` default 2500 ms |
//!
//! # Where our model lacks what VICIdial reads: the closest faithful reading
//!
//! - VICIdial's agent rows are written by each agent's browser about once a second and its scripts
//!   read them with some lag; here the view is exact at the instant of each loop.
//! - After a call the agent's wrap-up is VICIdial's dead-call and disposition time (`INCALL`
//!   without a call, then `PAUSED`): in the adapt sample's logged-in count, not in the auto-dial's
//!   agents.
//! - VICIdial stamps answered calls with their answer time; the model only sees a record when the
//!   call ends and stamps every record with its end time. Over a minute the count of calls is the
//!   same in a steady state; a call spanning midnight counts on the day it ends.
//! - Server time is UTC; `latest_server_time` unset means VICIdial's default 21:00.
//! - An agent talking to an inbound caller (when the scenario has inbound traffic) is counted as a
//!   talking agent on a campaign call; VICIdial, with `campaign_allow_inbound = N`, would not serve
//!   inbound calls from this campaign's agents at all.
//!
//! # Deliberate differences
//!
//! - The loops run on exact 1 s and 2.5 s grids (VICIdial's sleep comes after its database work,
//!   so its loops drift later).
//! - Not modelled (each is off by default in VICIdial): `campaign_allow_inbound = Y` (the blended
//!   differential from the auto-dial's own 20-sample average), available-only tally thresholds, dial
//!   level thresholds, `dl_diff_target_method = CALLS_PLACED` (default `ADAPT_CALC_ONLY`: the
//!   differential target only enters the adjustment), drop-rate groups, the UK Ofcom drop formula,
//!   shared-agent campaigns, several dialer servers, call-time windows, the hopper, the trunk
//!   shortage bookkeeping, and the script restart at the timeclock's end of day.
//! - VICIdial stores the level in a six-character column, which truncates the products of steps 4
//!   and 5 to four decimals; the model keeps them whole (a difference below 10⁻⁴).
//!
//! # Known weaknesses, kept on purpose (each has a test)
//!
//! - **The daily window**: the drop rate that matters is today's. A bad morning is forgiven at
//!   midnight; a good morning hides a bad afternoon. The FCC measures 30 days, Ofcom a day per
//!   campaign: neither is what the level reacts to.
//! - **The 50-call warm-up**: no drop rate, however high, slows the dialer until the day has more
//!   than 50 calls.
//! - **The 1.0 floor**: the level never goes below one line per agent, and those lines are never
//!   reserved to an agent: the adaptive methods cannot fall back to progressive dialing, which is
//!   what small teams do to stop abandoning. In the simulator's world, where agents' states are
//!   seen at once and nobody pauses during a ring, a level of 1.0 loses nothing without inbound
//!   traffic; when inbound callers take the agents calls were placed for, a five-agent team at the
//!   floor abandons several percent of its live answers (`sim/tests/vicidial.rs`).
//! - Also: the bad-minute rule measures drops against all calls, so with 30 % live answers it can
//!   never fire; the taper does nothing until ten hours before `latest_server_time` and then
//!   compounds; adjustments use drop statistics up to a minute old.

#[cfg(test)]
mod tests;

use super::{Pacer, PacerView, Plan};
use crate::core::Time;
use reports::{AgentState, AmdVerdict, Cdr, Direction, Outcome};
use std::collections::VecDeque;

/// Which of VICIdial's adaptive methods reacts to a day over its drop target.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum VicidialMethod {
    /// `ADAPT_HARD_LIMIT`: the level goes to 1.0.
    HardLimit,
    /// `ADAPT_TAPERED`: the level shrinks with the time left before `latest_server_time`.
    #[default]
    Tapered,
    /// `ADAPT_AVERAGE`: the level is halved at every adjustment.
    Average,
}

/// A campaign's adaptive-dialing settings, VICIdial's names in brackets.
#[derive(Clone, Debug, PartialEq)]
pub struct VicidialSettings {
    /// The method (`dial_method`); default tapered.
    pub method: VicidialMethod,
    /// Today's drops over live answers not to exceed, as a share (`adaptive_dropped_percentage` / 100);
    /// default 0.03.
    pub target_abandon: f64,
    /// The highest level (`adaptive_maximum_level`); default 3.0.
    pub max_level: f64,
    /// Scales each adjustment, in percent (`adaptive_intensity`); default 0.
    pub intensity: f64,
    /// Ready agents minus waiting calls to aim at (`adaptive_dl_diff_target`): −1 aims at one agent
    /// waiting more, +1 at one call waiting; default 0.
    pub dl_diff_target: f64,
    /// When the tapered method runs out of time, in seconds since midnight
    /// (`adaptive_latest_server_time`); `None`: VICIdial's default, 21:00.
    pub latest_server_time: Option<u32>,
    /// The server's clock at t = 0, in seconds since midnight (UTC): places the daily window and
    /// `latest_server_time`.
    pub start_of_day_s: u32,
    /// The level before the first adjustment (`auto_dial_level`); default 1.0.
    pub initial_level: f64,
    /// Count only ready agents when turning the level into calls (`available_only_ratio_tally`);
    /// default false.
    pub available_only: bool,
    /// The auto-dial loop's period in milliseconds (`AST_VDauto_dial.pl` loop delay); default 2500.
    pub dial_interval_ms: u64,
}

impl Default for VicidialSettings {
    fn default() -> VicidialSettings {
        VicidialSettings {
            method: VicidialMethod::Tapered,
            target_abandon: 0.03,
            max_level: 3.0,
            intensity: 0.0,
            dl_diff_target: 0.0,
            latest_server_time: None,
            start_of_day_s: 0,
            initial_level: 1.0,
            available_only: false,
            dial_interval_ms: 2500,
        }
    }
}

/// A [`VicidialSettings`] value that cannot describe a campaign.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
#[error("vicidial pacing: {setting} = {value} is not valid (fix: give {expected})")]
pub struct VicidialSettingsError {
    /// The setting's field name.
    pub setting: &'static str,
    /// The value given.
    pub value: String,
    /// What would be valid.
    pub expected: &'static str,
}

/// Loops of the adapt script between adjustments of the level.
const ADJUST_EVERY: u32 = 15;
/// Samples averaged.
const SAMPLES: usize = 15;
/// Loops of the adapt script between refreshes of the drop statistics.
const DROPS_EVERY: u32 = 60;
/// The adapt loop's period.
const SAMPLE_MS: u64 = 1000;
/// The "last minute" of the bad-minute rule.
const MINUTE_MS: u64 = 60_000;
/// The bad minute: more calls than this in the last minute ...
const BAD_MINUTE_CALLS: u32 = 20;
/// ... and more than this percentage of them dropped.
const BAD_MINUTE_DROP_PCT: f64 = 50.0;
/// The daily rule only applies once today has more calls than this.
const WARMUP_CALLS: u32 = 50;
/// The tapered method's full span, in HHMM units (10h00).
const TAPER_SPAN_HHMM: f64 = 1000.0;
/// The lowest level.
const FLOOR: f64 = 1.0;
/// VICIdial's default `adaptive_latest_server_time`, 21:00.
const DEFAULT_LATEST_S: u32 = 21 * 3600;
const DAY_S: u64 = 86_400;

/// One second's sample.
#[derive(Clone, Copy, Debug, Default)]
struct Sample {
    ready: u32,
    waiting: u32,
    logged_in: u32,
}

/// The drop statistics as of the last refresh (VICIdial's `vicidial_campaign_stats` row).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
struct DropStats {
    calls_today: u32,
    answers_today: u32,
    drops_today: u32,
    calls_minute: u32,
    drops_minute: u32,
}

impl DropStats {
    /// Today's drops as a percentage of live answers (at least one), two decimals; 0 with no drop.
    fn drop_pct_today(&self) -> f64 {
        if self.drops_today == 0 {
            return 0.0;
        }
        round_to(100.0 * f64::from(self.drops_today) / f64::from(self.answers_today.max(1)), 2)
    }

    /// The last minute's drops as a percentage of all its calls, two decimals.
    fn drop_pct_minute(&self) -> f64 {
        if self.drops_minute == 0 {
            return 0.0;
        }
        round_to(100.0 * f64::from(self.drops_minute) / f64::from(self.calls_minute), 2)
    }
}

/// The call log as records arrive: today's counts and the recent records.
#[derive(Clone, Debug, Default)]
struct CallLog {
    /// The day (since t = 0's day) the counts are for.
    day: u64,
    calls: u32,
    answers: u32,
    drops: u32,
    /// Recent records, oldest first: stamp and whether it is a drop. Kept for a minute.
    recent: VecDeque<(Time, bool)>,
}

/// `mode = "vicidial"`: VICIdial's adaptive dial level. See the module documentation.
#[derive(Clone, Debug)]
pub struct Vicidial {
    settings: VicidialSettings,
    /// `target_abandon` as the percentage VICIdial compares with.
    target_pct: f64,
    /// `latest_server_time` as HHMM.
    latest_hhmm: i64,
    level: f64,
    /// When the next sample is due.
    next_sample: Time,
    /// Samples taken so far (VICIdial's `stat_count`).
    loops: u64,
    /// The last [`SAMPLES`] samples, by `loops % SAMPLES`.
    samples: [Sample; SAMPLES],
    /// Loops since the last adjustment (`diff_ratio_updater`).
    since_adjust: u32,
    /// Loops since the last drop refresh (`drop_count_updater`).
    since_drops: u32,
    stats: DropStats,
    log: CallLog,
    /// When the auto-dial loop next runs.
    next_dial: Time,
}

impl Vicidial {
    /// A VICIdial pacer, after checking that every setting can describe a campaign.
    pub fn new(settings: VicidialSettings) -> Result<Vicidial, VicidialSettingsError> {
        let s = &settings;
        let bad = |setting, value: &dyn std::fmt::Display, expected| {
            Err(VicidialSettingsError { setting, value: value.to_string(), expected })
        };
        if !(0.0..=1.0).contains(&s.target_abandon) {
            return bad("target_abandon", &s.target_abandon, "a share from 0 to 1, such as 0.03");
        }
        if !(s.max_level.is_finite() && s.max_level > 0.0) {
            return bad("max_level", &s.max_level, "a positive level, such as 3.0");
        }
        if !s.intensity.is_finite() {
            return bad("intensity", &s.intensity, "a finite percentage, such as 0");
        }
        if !s.dl_diff_target.is_finite() {
            return bad("dl_diff_target", &s.dl_diff_target, "a finite number of agents, such as 0");
        }
        if let Some(latest) = s.latest_server_time.filter(|&l| u64::from(l) >= DAY_S) {
            return bad("latest_server_time", &latest, "seconds since midnight, below 86400");
        }
        if u64::from(s.start_of_day_s) >= DAY_S {
            return bad("start_of_day_s", &s.start_of_day_s, "seconds since midnight, below 86400");
        }
        if !(s.initial_level.is_finite() && s.initial_level >= 0.0) {
            return bad("initial_level", &s.initial_level, "a level of 0 or more, such as 1.0");
        }
        if s.dial_interval_ms == 0 {
            return bad("dial_interval_ms", &s.dial_interval_ms, "a positive period, such as 2500");
        }
        let latest = s.latest_server_time.unwrap_or(DEFAULT_LATEST_S);
        Ok(Vicidial {
            target_pct: round_to(100.0 * s.target_abandon, 6),
            latest_hhmm: i64::from(latest / 3600 * 100 + latest / 60 % 60),
            level: s.initial_level,
            next_sample: Time::from_ms(SAMPLE_MS),
            loops: 0,
            samples: [Sample::default(); SAMPLES],
            since_adjust: 0,
            // VICIdial starts this counter past 60 so that the first loop takes a baseline.
            since_drops: DROPS_EVERY + 1,
            stats: DropStats::default(),
            log: CallLog::default(),
            next_dial: Time::from_ms(s.dial_interval_ms),
            settings,
        })
    }

    /// The current dial level (calls per counted agent), for reports and tests.
    pub fn level(&self) -> f64 {
        self.level
    }

    /// The day number (0 = the day of t = 0) and the server clock as HHMM at `t`.
    fn clock(&self, t: Time) -> (u64, i64) {
        let s = u64::from(self.settings.start_of_day_s) + t.as_ms() / 1000;
        let of_day = s % DAY_S;
        (s / DAY_S, (of_day / 3600 * 100 + of_day / 60 % 60) as i64)
    }

    /// One loop of the adapt script at `t`.
    fn adapt_loop(&mut self, view: &PacerView<'_>, t: Time) {
        self.samples[(self.loops % SAMPLES as u64) as usize] =
            Sample { ready: view.ready, waiting: view.waiting, logged_in: view.logged_in };
        self.loops += 1;
        let n = self.loops.min(SAMPLES as u64) as usize;
        let sum = |f: fn(&Sample) -> u32| self.samples.iter().take(n).map(|s| f64::from(f(s))).sum::<f64>();
        let (ready, waiting, logged_in) =
            (sum(|s| s.ready) / n as f64, sum(|s| s.waiting) / n as f64, sum(|s| s.logged_in) / n as f64);
        let (mut refreshed, mut adjusted) = (false, false);
        if logged_in > 0.0 {
            if self.since_drops >= DROPS_EVERY {
                self.refresh_drops(t);
                refreshed = true;
            }
            if self.since_adjust >= ADJUST_EVERY {
                self.adjust(ready - waiting, logged_in, t);
                adjusted = true;
            }
        }
        self.since_drops = if refreshed { 1 } else { self.since_drops.saturating_add(1) };
        self.since_adjust = if adjusted { 1 } else { self.since_adjust.saturating_add(1) };
    }

    /// Reads the call log into the drop statistics, as of `t`.
    fn refresh_drops(&mut self, t: Time) {
        let (day, _) = self.clock(t);
        if day != self.log.day {
            self.log.new_day(day);
        }
        self.log.forget_before(t);
        let log = &self.log;
        self.stats = DropStats {
            calls_today: log.calls,
            answers_today: log.answers,
            drops_today: log.drops,
            calls_minute: log.recent.len() as u32,
            drops_minute: log.recent.iter().filter(|&&(_, drop)| drop).count() as u32,
        };
    }

    /// One adjustment of the level at `t`, from the averaged differential and team.
    fn adjust(&mut self, differential: f64, logged_in: f64, t: Time) {
        let s = &self.settings;
        let target = differential + s.dl_diff_target;
        let pct = if target != 0.0 { 100.0 * target / logged_in } else { 0.0 };
        let intensity = s.intensity / 100.0;
        let pct = if pct < 0.0 { pct * (intensity - 1.0).abs() } else { pct * (intensity + 1.0) };
        let mut level = round_to(self.level * (1.0 + pct / 100.0), 3);
        if level > s.max_level {
            level = s.max_level;
        }
        if level < FLOOR {
            level = FLOOR;
        }
        let stats = self.stats;
        if stats.calls_minute > BAD_MINUTE_CALLS && stats.drop_pct_minute() > BAD_MINUTE_DROP_PCT {
            level /= 2.0;
        }
        if stats.calls_today > WARMUP_CALLS && stats.drop_pct_today() > self.target_pct {
            level = match s.method {
                VicidialMethod::HardLimit => FLOOR,
                VicidialMethod::Average => level / 2.0,
                VicidialMethod::Tapered => {
                    let left = self.latest_hhmm - self.clock(t).1;
                    if left < 0 { FLOOR } else { level * (left as f64 / TAPER_SPAN_HHMM).min(1.0) }
                }
            };
        }
        self.level = level.max(FLOOR);
    }

    /// The auto-dial loop: how many calls to start now.
    fn calls_to_place(&self, view: &PacerView<'_>) -> u32 {
        // Reserved agents (VICIdial's `QUEUE`: a call is on its way to them) count among the
        // agents but are not ready; their calls are among the ringing ones.
        let (mut ready, mut reserved, mut talking) = (0u32, 0u32, 0u32);
        for agent in view.agents.iter().flatten() {
            match agent.state {
                AgentState::Ready => ready += 1,
                AgentState::Reserved => reserved += 1,
                AgentState::Talk | AgentState::Machine => talking += 1,
                AgentState::Preview | AgentState::Wrap | AgentState::Paused => {}
            }
        }
        let goal = if self.settings.available_only {
            self.level * f64::from(ready) + f64::from(talking)
        } else {
            self.level * f64::from(ready + reserved + talking)
        };
        let in_progress = i64::from(view.outstanding() + talking);
        let start = (goal.round_ties_even() as i64 - in_progress).max(0);
        let start = u32::try_from(start).unwrap_or(u32::MAX);
        view.lines_free.map_or(start, |free| start.min(free))
    }
}

impl CallLog {
    /// Midnight: today's counts start again.
    fn new_day(&mut self, day: u64) {
        *self = CallLog { day, recent: std::mem::take(&mut self.recent), ..CallLog::default() };
    }

    /// Drops records stamped a minute or more before `t` from the recent ones.
    fn forget_before(&mut self, t: Time) {
        while self.recent.front().is_some_and(|&(stamp, _)| stamp + MINUTE_MS <= t) {
            self.recent.pop_front();
        }
    }
}

impl Pacer for Vicidial {
    fn name(&self) -> &'static str {
        "vicidial"
    }

    fn plan(&mut self, view: &PacerView<'_>) -> Plan {
        // The driver wakes the pacer at each loop's time (see `wakeup`); a loop missed by a late
        // driver runs on the state of now.
        while self.next_sample <= view.now {
            let t = self.next_sample;
            self.adapt_loop(view, t);
            self.next_sample = t + SAMPLE_MS;
        }
        if view.now < self.next_dial {
            return Plan::Hold;
        }
        while self.next_dial <= view.now {
            self.next_dial = self.next_dial + self.settings.dial_interval_ms;
        }
        Plan::Start(self.calls_to_place(view))
    }

    fn call_ended(&mut self, cdr: &Cdr) {
        if cdr.direction != Direction::Outbound || cdr.outcome == Outcome::Blocked {
            return;
        }
        let stamp = cdr.end_time;
        let (day, _) = self.clock(stamp);
        if day != self.log.day {
            self.log.new_day(day);
        }
        let passed_as_person = matches!(cdr.amd, Some(AmdVerdict::Human | AmdVerdict::NotSure));
        let drop = cdr.outcome == Outcome::Abandoned
            || (cdr.outcome == Outcome::Machine && passed_as_person && cdr.connect_time.is_none());
        let log = &mut self.log;
        log.calls += 1;
        log.answers += u32::from(drop || cdr.is_live_answer());
        log.drops += u32::from(drop);
        log.forget_before(stamp);
        log.recent.push_back((stamp, drop));
    }

    fn wakeup(&self) -> Option<Time> {
        Some(self.next_sample.min(self.next_dial))
    }
}

/// `x` rounded to `decimals` places (VICIdial's `sprintf "%.Nf"`).
fn round_to(x: f64, decimals: i32) -> f64 {
    let scale = 10f64.powi(decimals);
    (x * scale).round() / scale
}
