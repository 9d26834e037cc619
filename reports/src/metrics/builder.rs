//! [`MetricsBuilder`]: records in, [`Metrics`] out, with memory that does not grow with the run.

use super::agents::AgentTally;
use super::compliance::ComplianceTally;
use super::inbound::InboundTally;
use super::lines::LineTally;
use super::outbound::OutboundTally;
use super::{Lines, Metrics, Perf};
use crate::{AgentInterval, Cdr, Direction, Time};

/// Builds [`Metrics`] from records as they stream past, keeping no rows.
///
/// Every figure depends only on differences of times except the compliance section, whose Ofcom
/// periods are calendar days: give the wall-clock instant of [`Time::ZERO`] with
/// [`MetricsBuilder::with_origin`].
///
/// Feed every record of a run (in any interleaving of CDRs and agent intervals), then call
/// [`MetricsBuilder::finish`]. The same builder measures a simulation as it runs and a set of
/// files read back (with the same origin), so both give the same figures, bit-identical for the
/// same records in the same order.
///
/// Each record costs a few counter updates, a histogram bucket and two pushes into reused
/// buckets; nothing is allocated per record once the buckets' pool has grown. Memory is a fixed
/// set of counters, the start and end times of the last two hours of calls (for the exact peak of
/// lines in use, [`Lines::peak`]), one bit per agent, and three counters per hour of records for
/// the compliance periods.
///
/// `lines.peak` is exact when CDRs arrive in roughly the order their calls ended (as a run emits
/// them) and no call lasts longer than two hours; a longer call that arrives after two hours of
/// later calls is counted from the point the count had reached.
#[derive(Clone, Debug, Default)]
pub struct MetricsBuilder {
    outbound: OutboundTally,
    inbound: InboundTally,
    agents: AgentTally,
    lines: LineTally,
    compliance: ComplianceTally,
    span: Span,
}

impl MetricsBuilder {
    /// An empty builder; [`Time::ZERO`] is taken to be the Unix epoch (midnight UTC) until
    /// [`MetricsBuilder::with_origin`] says otherwise.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets the wall-clock instant of [`Time::ZERO`]. Only the compliance section depends on it:
    /// Ofcom's periods are calendar days. Set it before adding records.
    pub fn with_origin(mut self, origin: jiff::Timestamp) -> Self {
        self.compliance = ComplianceTally::new(origin.as_millisecond());
        self
    }

    /// Counts one call attempt.
    #[inline]
    pub fn add_cdr(&mut self, cdr: &Cdr) {
        match cdr.direction {
            Direction::Outbound => self.outbound.add(cdr),
            Direction::Inbound => self.inbound.add(cdr),
        }
        self.compliance.add(cdr);
        self.span.see(cdr.dial_time, cdr.end_time);
        if cdr.holds_line() {
            self.lines.add_call(cdr.dial_time.as_ms(), cdr.end_time.as_ms());
        }
    }

    /// Counts one agent interval.
    #[inline]
    pub fn add_interval(&mut self, interval: &AgentInterval) {
        self.agents.add(interval);
        self.span.see(interval.start, interval.end);
    }

    /// The figures; `perf` is left at zero for the caller to fill.
    pub fn finish(self) -> Metrics {
        let contacts = self.outbound.connects() + self.inbound.served();
        let span_ms = self.span.ms();
        let (peak, held_ms) = self.lines.finish();
        Metrics {
            outbound: self.outbound.finish(),
            inbound: self.inbound.finish(),
            agents: self.agents.finish(contacts),
            lines: Lines { peak, mean: if span_ms == 0 { 0.0 } else { held_ms as f64 / span_ms as f64 } },
            compliance: self.compliance.finish(),
            perf: Perf::default(),
        }
    }
}

/// The earliest and latest times of any record: the stretch `lines.mean` averages over.
#[derive(Clone, Copy, Debug)]
struct Span {
    first: Time,
    last: Time,
}

impl Default for Span {
    fn default() -> Self {
        Span { first: Time::NEVER, last: Time::ZERO }
    }
}

impl Span {
    #[inline]
    fn see(&mut self, from: Time, to: Time) {
        self.first = self.first.min(from).min(to);
        self.last = self.last.max(from).max(to);
    }

    /// Milliseconds from the first time to the last; zero before any record.
    fn ms(&self) -> u64 {
        self.last - self.first
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_records::{agent_intervals, assert_close, inbound_calls, outbound_calls};
    use crate::{Outbound, Percentiles};

    fn all_records() -> MetricsBuilder {
        let mut m = MetricsBuilder::new();
        for interval in agent_intervals() {
            m.add_interval(&interval);
        }
        for cdr in outbound_calls().iter().chain(&inbound_calls()) {
            m.add_cdr(cdr);
        }
        m
    }

    #[test]
    fn every_figure_of_a_small_run() {
        let m = all_records().finish();
        assert_eq!(
            m.outbound,
            Outbound {
                dials: 11,
                human: 5,
                machine: 2,
                busy: 1,
                no_answer: 1,
                invalid: 1,
                blocked: 1,
                connects: 3,
                abandons: 1,
                abandon_rate: 0.25,
                abandon_rate_ofcom: 0.4,
                amd_false_positives: 1,
                wait_to_agent_ms: Percentiles { mean: 1900.0 / 3.0, p50: 400.0, p95: 1500.0, p99: 1500.0 },
            }
        );
        assert_eq!((m.inbound.offered, m.inbound.served, m.inbound.abandons), (5, 3, 1));
        assert_eq!(m.agents.count, 3);
        // 3 outbound connects + 3 inbound served over 900 s = 0.25 h logged.
        assert_close(m.agents.contacts_per_hour, 24.0);
        // 530.2 s of line time over the 400 s from the first record to the last.
        assert_close(m.lines.mean, 530_200.0 / 400_000.0);
        assert_eq!(m.lines.peak, 9);
        assert_eq!(m.perf, Perf::default());
    }

    #[test]
    fn the_origin_and_the_interleaving_do_not_matter() {
        let shift: i64 = 1_767_603_600_000; // 2026-01-05T09:00:00Z in ms since 1970
        // Shifted records against an origin shifted back by as much: the same wall-clock times.
        let origin = jiff::Timestamp::from_millisecond(-shift).expect("in range");
        let mut shifted = MetricsBuilder::new().with_origin(origin);
        for cdr in outbound_calls().iter().chain(&inbound_calls()) {
            let at = |t: Time| Time::from_ms(t.as_ms() + shift as u64);
            shifted.add_cdr(&Cdr {
                dial_time: at(cdr.dial_time),
                answer_time: cdr.answer_time.map(at),
                connect_time: cdr.connect_time.map(at),
                end_time: at(cdr.end_time),
                ..cdr.clone()
            });
        }
        for interval in agent_intervals() {
            let at = |t: Time| Time::from_ms(t.as_ms() + shift as u64);
            shifted.add_interval(&AgentInterval { start: at(interval.start), end: at(interval.end), ..interval });
        }
        assert_eq!(shifted.finish(), all_records().finish());
    }

    #[test]
    fn blocked_calls_hold_no_line_but_widen_the_span() {
        let mut m = MetricsBuilder::new();
        let calls = outbound_calls();
        let blocked = calls.iter().find(|c| !c.holds_line()).expect("the set has a blocked call");
        m.add_cdr(&Cdr { dial_time: Time::ZERO, end_time: Time::from_secs(10), ..blocked.clone() });
        m.add_cdr(&Cdr { dial_time: Time::from_secs(10), end_time: Time::from_secs(20), ..calls[0].clone() });
        let lines = m.finish().lines;
        assert_eq!((lines.peak, lines.mean), (1, 0.5));
    }

    #[test]
    fn no_records_give_zeros() {
        let none = Metrics { compliance: crate::Compliance { cap: 0.03, ..Default::default() }, ..Metrics::default() };
        assert_eq!(MetricsBuilder::new().finish(), none);
    }
}
