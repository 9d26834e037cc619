//! A run over time: its records cut into equal bins (a minute for a shift, shorter for a short
//! run, longer for a long one), each holding what happened in it — live answers and abandons,
//! the time calls spent ringing, waiting and talking, and the time agents spent in each state.
//! From these come the per-run plots: the rolling abandon rate, the dial level, idle agents, calls
//! in flight and occupancy.
//!
//! Computed from records alone, like the metrics, so a simulated run and a live campaign are
//! plotted by the same code. [`TimeSeries::from_files`] streams `cdr.csv` and `agents.csv`
//! twice (once for the time span, which sets the bin size, once to fill the bins) and never holds
//! the records; memory is one small bin per step of time.

use crate::files::{AgentReader, CdrReader, RecordError};
use crate::{AgentInterval, AgentState, Cdr, Direction, Outcome, Time};
use jiff::Timestamp;
use std::fs::File;
use std::path::Path;

/// Most bins a series has: enough points for a smooth line on a plot, few enough to read.
pub const MAX_BINS: u64 = 600;

/// The bin sizes a series may use, shortest first: the shortest that keeps the run within
/// [`MAX_BINS`] is chosen (one minute for an 8-hour shift, 10 s for an hour, 5 min for a day).
const BIN_SIZES_MS: [u64; 15] = [
    10_000, 15_000, 30_000, 60_000, 120_000, 300_000, 600_000, 900_000, 1_800_000, 3_600_000, 7_200_000, 14_400_000,
    21_600_000, 43_200_000, 86_400_000,
];

/// What happened in one bin. Durations are summed over calls or agents, in milliseconds, so that
/// a duration divided by the bin's length is the mean number of calls or agents in that state.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Bin {
    /// Outbound live answers (answered by a person and not hung up on by AMD), by answer time.
    pub live_answers: u64,
    /// Of those, the ones abandoned (by answer time, so they fall in the same bin).
    pub abandons: u64,
    /// Outbound calls ringing: dial to answer, or to the end if never answered.
    pub ringing_ms: u64,
    /// Outbound calls answered and not (yet) with an agent: answer to connect, or to the end.
    pub answered_waiting_ms: u64,
    /// Outbound calls with an agent: connect to end.
    pub outbound_talk_ms: u64,
    /// Inbound callers accepted and waiting for an agent: answer to connect, or to the end.
    pub inbound_waiting_ms: u64,
    /// Inbound callers with an agent: connect to end.
    pub inbound_talk_ms: u64,
    /// Agents ready (idle, waiting for a call).
    pub ready_ms: u64,
    /// Agents reserved for a ringing call.
    pub reserved_ms: u64,
    /// Agents paused.
    pub paused_ms: u64,
    /// Agents working: talk, wrap, machine handling, preview (as in `occupancy`).
    pub work_ms: u64,
    /// Agents logged in (every state).
    pub logged_in_ms: u64,
}

/// A run's records in bins of `bin_ms` from `start` to `end`.
#[derive(Clone, Debug, PartialEq)]
pub struct TimeSeries {
    /// The start of the first bin.
    pub start: Time,
    /// The end of the last bin (it may be shorter than the others).
    pub end: Time,
    /// The length of a bin.
    pub bin_ms: u64,
    /// The bins, in time order; never empty.
    pub bins: Vec<Bin>,
    /// The wall-clock time of `start`, when known (from files).
    pub wall_start: Option<Timestamp>,
}

impl TimeSeries {
    /// Empty bins covering `start` to `end`, their size chosen from the span.
    pub fn new(start: Time, end: Time) -> TimeSeries {
        let span = end.since(start).max(1);
        let bin_ms = BIN_SIZES_MS.iter().copied().find(|b| span.div_ceil(*b) <= MAX_BINS).unwrap_or_else(|| {
            // Longer than MAX_BINS days: whole days per bin.
            span.div_ceil(MAX_BINS).div_ceil(86_400_000) * 86_400_000
        });
        TimeSeries::with_bin(start, end, bin_ms)
    }

    /// Empty bins of `bin_ms` (> 0) covering `start` to `end`.
    pub fn with_bin(start: Time, end: Time, bin_ms: u64) -> TimeSeries {
        let bin_ms = bin_ms.max(1);
        let count = end.since(start).div_ceil(bin_ms).max(1);
        TimeSeries {
            start,
            end: end.max(start + 1),
            bin_ms,
            bins: vec![Bin::default(); count as usize],
            wall_start: None,
        }
    }

    /// Streams `cdr.csv` and `agents.csv` into a series: a first pass finds the span of the
    /// records (its start rounded down to a whole minute of wall-clock time), a second fills the
    /// bins. Errors name the file, line and column.
    pub fn from_files(cdr: &Path, agents: &Path) -> Result<TimeSeries, RecordError> {
        let origin = Timestamp::MIN;
        let mut first = Time::NEVER;
        let mut last = Time::ZERO;
        read(cdr, agents, origin, |record| {
            let (from, to) = match record {
                Record::Call(c) => (c.dial_time, c.end_time),
                Record::Interval(i) => (i.start, i.end),
            };
            first = first.min(from);
            last = last.max(to);
        })?;
        if first == Time::NEVER {
            first = Time::ZERO;
        }
        // Round the start down to a whole minute of wall-clock time, for readable axis labels.
        let origin_ms = origin.as_millisecond();
        let wall = origin_ms + first.as_ms() as i64;
        let start = Time::from_ms(first.as_ms() - wall.rem_euclid(60_000) as u64);
        let mut series = TimeSeries::new(start, last);
        series.wall_start = Timestamp::from_millisecond(origin_ms + start.as_ms() as i64).ok();
        read(cdr, agents, origin, |record| match record {
            Record::Call(c) => series.add_cdr(c),
            Record::Interval(i) => series.add_interval(i),
        })?;
        Ok(series)
    }

    /// Counts one call.
    pub fn add_cdr(&mut self, cdr: &Cdr) {
        match cdr.direction {
            Direction::Outbound => {
                if cdr.outcome == Outcome::Blocked {
                    return; // never placed, held no line
                }
                let answered = cdr.answer_time;
                self.spread(cdr.dial_time, answered.unwrap_or(cdr.end_time), |b| &mut b.ringing_ms);
                if let Some(answer) = answered {
                    self.spread(answer, cdr.connect_time.unwrap_or(cdr.end_time), |b| &mut b.answered_waiting_ms);
                    if cdr.is_live_answer()
                        && let Some(bin) = self.bin_mut(answer)
                    {
                        bin.live_answers += 1;
                        bin.abandons += u64::from(cdr.outcome == Outcome::Abandoned);
                    }
                }
                if let Some(connect) = cdr.connect_time {
                    self.spread(connect, cdr.end_time, |b| &mut b.outbound_talk_ms);
                }
            }
            Direction::Inbound => {
                if let Some(answer) = cdr.answer_time {
                    self.spread(answer, cdr.connect_time.unwrap_or(cdr.end_time), |b| &mut b.inbound_waiting_ms);
                }
                if let Some(connect) = cdr.connect_time {
                    self.spread(connect, cdr.end_time, |b| &mut b.inbound_talk_ms);
                }
            }
        }
    }

    /// Counts one stretch of an agent's time.
    pub fn add_interval(&mut self, interval: &AgentInterval) {
        let (s, e) = (interval.start, interval.end);
        self.spread(s, e, |b| &mut b.logged_in_ms);
        match interval.state {
            AgentState::Ready => self.spread(s, e, |b| &mut b.ready_ms),
            AgentState::Reserved => self.spread(s, e, |b| &mut b.reserved_ms),
            AgentState::Paused => self.spread(s, e, |b| &mut b.paused_ms),
            state if state.is_work() => self.spread(s, e, |b| &mut b.work_ms),
            _ => {}
        }
    }

    fn bin_mut(&mut self, t: Time) -> Option<&mut Bin> {
        let i = t.as_ms().checked_sub(self.start.as_ms())? / self.bin_ms;
        self.bins.get_mut(i as usize)
    }

    /// Adds the part of `[from, to)` inside each bin to the field `field` picks.
    fn spread(&mut self, from: Time, to: Time, field: impl Fn(&mut Bin) -> &mut u64) {
        let (from, to) = (from.max(self.start), to.min(self.end));
        if to <= from {
            return;
        }
        let (offset, stop) = (from - self.start, to - self.start);
        let mut i = offset / self.bin_ms;
        let mut at = offset;
        while at < stop {
            let bin_end = ((i + 1) * self.bin_ms).min(stop);
            if let Some(bin) = self.bins.get_mut(i as usize) {
                *field(bin) += bin_end - at;
            }
            at = bin_end;
            i += 1;
        }
    }

    /// The length of bin `i` (the last may be short).
    pub fn bin_len(&self, i: usize) -> u64 {
        let begin = i as u64 * self.bin_ms;
        (begin + self.bin_ms).min(self.end - self.start).saturating_sub(begin).max(1)
    }

    /// Hours from `start` to the middle of each bin: the x of per-bin means.
    pub fn mid_hours(&self) -> Vec<f64> {
        (0..self.bins.len()).map(|i| (i as u64 * self.bin_ms) as f64 / 3.6e6 + self.bin_len(i) as f64 / 7.2e6).collect()
    }

    /// Hours from `start` to the end of each bin: the x of running and trailing figures.
    pub fn end_hours(&self) -> Vec<f64> {
        (0..self.bins.len()).map(|i| (i as u64 * self.bin_ms + self.bin_len(i)) as f64 / 3.6e6).collect()
    }

    /// The mean number of calls or agents over each bin, of the duration `field` picks.
    pub fn mean(&self, field: impl Fn(&Bin) -> u64) -> Vec<f64> {
        self.bins.iter().enumerate().map(|(i, b)| field(b) as f64 / self.bin_len(i) as f64).collect()
    }

    /// `num / den` of each bin; `None` where `den` is zero.
    pub fn ratio(&self, num: impl Fn(&Bin) -> u64, den: impl Fn(&Bin) -> u64) -> Vec<Option<f64>> {
        self.bins.iter().map(|b| (den(b) > 0).then(|| num(b) as f64 / den(b) as f64)).collect()
    }

    /// Abandons / live answers over the trailing `window_ms` (whole bins, at least one) ending
    /// with each bin; `None` where the window holds no live answer.
    pub fn rolling_abandon_rate(&self, window_ms: u64) -> Vec<Option<f64>> {
        let width = window_ms.div_ceil(self.bin_ms).max(1) as usize;
        let (mut live, mut abandons) = (0u64, 0u64);
        let mut out = Vec::with_capacity(self.bins.len());
        for (i, b) in self.bins.iter().enumerate() {
            live += b.live_answers;
            abandons += b.abandons;
            if let Some(old) = i.checked_sub(width).map(|j| self.bins[j]) {
                live -= old.live_answers;
                abandons -= old.abandons;
            }
            out.push((live > 0).then(|| abandons as f64 / live as f64));
        }
        out
    }

    /// Abandons / live answers from the start to the end of each bin; `None` before the first
    /// live answer.
    pub fn cumulative_abandon_rate(&self) -> Vec<Option<f64>> {
        let (mut live, mut abandons) = (0u64, 0u64);
        self.bins
            .iter()
            .map(|b| {
                live += b.live_answers;
                abandons += b.abandons;
                (live > 0).then(|| abandons as f64 / live as f64)
            })
            .collect()
    }

    /// Dial level per bin: the mean number of outbound calls ringing over the mean number of
    /// agents available for them (ready or reserved); `None` where no agent was available.
    pub fn dial_level(&self) -> Vec<Option<f64>> {
        self.ratio(|b| b.ringing_ms, |b| b.ready_ms + b.reserved_ms)
    }

    /// Occupancy per bin: work / logged-in time; `None` where nobody was logged in.
    pub fn occupancy(&self) -> Vec<Option<f64>> {
        self.ratio(|b| b.work_ms, |b| b.logged_in_ms)
    }
}

/// One record of either file.
enum Record<'a> {
    Call(&'a Cdr),
    Interval(&'a AgentInterval),
}

/// Streams both files, calls first, through `visit`.
fn read(cdr: &Path, agents: &Path, origin: Timestamp, mut visit: impl FnMut(Record<'_>)) -> Result<(), RecordError> {
    let open = |path: &Path| File::open(path).map_err(|source| RecordError::Open { path: path.into(), source });
    let in_cdr = |e: RecordError| e.in_file(cdr);
    for record in CdrReader::new(open(cdr)?, origin).map_err(in_cdr)? {
        visit(Record::Call(&record.map_err(in_cdr)?));
    }
    let in_agents = |e: RecordError| e.in_file(agents);
    for record in AgentReader::new(open(agents)?, origin).map_err(in_agents)? {
        visit(Record::Interval(&record.map_err(in_agents)?));
    }
    Ok(())
}

#[cfg(test)]
mod tests;
