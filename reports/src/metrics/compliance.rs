//! Compliance accounting: the abandon rate per period of each rule (DOMAIN.md, "Rules a
//! predictive dialer must meet"; DESIGN.md, "Semantics").
//!
//! - **FCC** (47 CFR 64.1200(a)(7)): abandons / live answers per campaign over 30-day periods.
//!   dialkit's periods are consecutive blocks of 30 × 24 h starting at the UTC hour of the earliest
//!   dial, so a run shorter than 30 days is one period.
//! - **Ofcom**: (abandons + AMD false positives) / (live answers + false positives) per calendar
//!   day, in UTC.
//!
//! Calls count in the period of their dial time. The tally keeps one small counter triple per
//! hour of records (a 30-day run holds 720), so memory grows only with the length of the run in
//! hours, never with its calls.

use super::{Compliance, ComplianceRule};
use crate::{Cdr, Direction, Outcome, Time};

/// The cap both rules set: 3 % of live answers.
pub const ABANDON_CAP: f64 = 0.03;

const HOUR_MS: i64 = 3_600_000;
const FCC_PERIOD_HOURS: i64 = 30 * 24;

/// Live answers, abandons and AMD false positives of one hour.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct Counts {
    live: u64,
    abandons: u64,
    false_positives: u64,
}

impl Counts {
    fn add(&mut self, other: Counts) {
        self.live += other.live;
        self.abandons += other.abandons;
        self.false_positives += other.false_positives;
    }
}

/// Streams outbound CDRs into hourly counts.
#[derive(Clone, Debug, Default)]
pub(super) struct ComplianceTally {
    /// Milliseconds from the Unix epoch to [`Time::ZERO`] (negative before 1970).
    origin_ms: i64,
    /// Hours (since the epoch, UTC) with any count, sorted; records arrive nearly in order, so the
    /// last entry is almost always the one to bump.
    hours: Vec<(i64, Counts)>,
}

impl ComplianceTally {
    pub(super) fn new(origin_ms: i64) -> Self {
        ComplianceTally { origin_ms, hours: Vec::new() }
    }

    #[inline]
    pub(super) fn add(&mut self, cdr: &Cdr) {
        if cdr.direction != Direction::Outbound {
            return;
        }
        let c = Counts {
            live: u64::from(cdr.is_live_answer()),
            abandons: u64::from(cdr.outcome == Outcome::Abandoned),
            false_positives: u64::from(cdr.is_amd_false_positive()),
        };
        if c == Counts::default() {
            return;
        }
        let hour = self.hour(cdr.dial_time);
        match self.hours.last_mut() {
            Some((h, counts)) if *h == hour => counts.add(c),
            _ => match self.hours.binary_search_by_key(&hour, |&(h, _)| h) {
                Ok(i) => self.hours[i].1.add(c),
                Err(i) => self.hours.insert(i, (hour, c)),
            },
        }
    }

    fn hour(&self, t: Time) -> i64 {
        // A Time is at most u64::MAX ms, but records come from runs of days: saturate rather than
        // wrap for absurd values.
        let ms = self.origin_ms.saturating_add(i64::try_from(t.as_ms()).unwrap_or(i64::MAX));
        ms.div_euclid(HOUR_MS)
    }

    pub(super) fn finish(&self) -> Compliance {
        let first = self.hours.first().map_or(0, |&(h, _)| h);
        let fcc = per_period(&self.hours, |h| (h - first).div_euclid(FCC_PERIOD_HOURS), |c| (c.abandons, c.live));
        let ofcom = per_period(
            &self.hours,
            |h| h.div_euclid(24),
            |c| (c.abandons + c.false_positives, c.live + c.false_positives),
        );
        Compliance { cap: ABANDON_CAP, fcc, ofcom }
    }
}

/// Groups sorted hours into periods and rates each with `rate_of` (numerator, denominator).
fn per_period(
    hours: &[(i64, Counts)],
    period_of: impl Fn(i64) -> i64,
    rate_of: impl Fn(Counts) -> (u64, u64),
) -> ComplianceRule {
    let mut rule = ComplianceRule::default();
    let mut close = |counts: Counts| {
        let (num, den) = rate_of(counts);
        if den == 0 {
            return;
        }
        let rate = num as f64 / den as f64;
        rule.periods += 1;
        rule.worst_rate = rule.worst_rate.max(rate);
        rule.periods_over_cap += u64::from(rate > ABANDON_CAP);
    };
    let mut current: Option<(i64, Counts)> = None;
    for &(hour, counts) in hours {
        let period = period_of(hour);
        match &mut current {
            Some((p, acc)) if *p == period => acc.add(counts),
            _ => {
                if let Some((_, acc)) = current.take() {
                    close(acc);
                }
                current = Some((period, counts));
            }
        }
    }
    if let Some((_, acc)) = current {
        close(acc);
    }
    rule
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_records::outbound_calls;

    /// A live answer (abandoned or connected) dialled at `hours` after the origin.
    fn live(hours: f64, abandoned: bool) -> Cdr {
        let template = outbound_calls()
            .into_iter()
            .find(|c| c.outcome == if abandoned { Outcome::Abandoned } else { Outcome::Connected })
            .expect("the set has both");
        let at = Time::from_ms((hours * 3_600_000.0) as u64);
        Cdr { dial_time: at, end_time: at + 60_000, answer_time: Some(at + 10_000), ..template }
    }

    #[test]
    fn ofcom_counts_calendar_days_and_fcc_the_whole_month() {
        // Origin 2026-01-05T20:00Z: the first four hours are one day, the rest the next.
        let mut t = ComplianceTally::new(1_767_643_200_000);
        // Day 1 (hours 0–3): 1 abandon in 10 live answers. Day 2: none in 90.
        for i in 0..10 {
            t.add(&live(0.1 * f64::from(i), i == 0));
        }
        for i in 0..90 {
            t.add(&live(5.0 + 0.1 * f64::from(i), false));
        }
        let c = t.finish();
        assert_eq!(c.ofcom, ComplianceRule { periods: 2, worst_rate: 0.1, periods_over_cap: 1 });
        // FCC: one 30-day period, 1 / 100.
        assert_eq!(c.fcc, ComplianceRule { periods: 1, worst_rate: 0.01, periods_over_cap: 0 });
    }

    #[test]
    fn fcc_periods_are_thirty_days_from_the_first_dial() {
        let mut t = ComplianceTally::new(0);
        // Two abandons in the first period's last hour, none in the second period.
        t.add(&live(3.0, false));
        t.add(&live(3.0 + 719.5, true));
        t.add(&live(3.0 + 720.5, false));
        let c = t.finish();
        assert_eq!(c.fcc, ComplianceRule { periods: 2, worst_rate: 0.5, periods_over_cap: 1 });
        // Out of order arrival lands in the right hour.
        let mut u = ComplianceTally::new(0);
        u.add(&live(3.0 + 720.5, false));
        u.add(&live(3.0 + 719.5, true));
        u.add(&live(3.0, false));
        assert_eq!(u.finish(), c);
    }

    #[test]
    fn ofcom_counts_amd_false_positives_as_abandons() {
        let fp = outbound_calls().into_iter().find(Cdr::is_amd_false_positive).expect("the set has a false positive");
        let mut t = ComplianceTally::new(0);
        t.add(&Cdr { dial_time: Time::ZERO, ..fp });
        for _ in 0..3 {
            t.add(&live(0.5, false));
        }
        let c = t.finish();
        assert_eq!(c.ofcom.worst_rate, 0.25, "(0 + 1) / (3 + 1)");
        assert_eq!(c.fcc.worst_rate, 0.0);
    }

    #[test]
    fn no_live_answers_no_periods() {
        assert_eq!(ComplianceTally::new(0).finish(), Compliance { cap: ABANDON_CAP, ..Compliance::default() });
    }
}
