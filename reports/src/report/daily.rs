//! The abandon rate per campaign and calendar day, as each regulator counts it (DOMAIN.md, "Rules a
//! predictive dialer must meet"; DESIGN.md, "Semantics"):
//!
//! - **Ofcom**: (abandons + AMD false positives) / (live answers + false positives) of the
//!   campaign's calendar day.
//! - **FCC**: abandons / live answers of the campaign over a 30-day period. For each day this is
//!   the 30 calendar days ending with it (that day and the 29 before), the window an audit on
//!   that day looks at; the day's own rate is given too.
//!
//! Days are calendar days in the records' zone (UTC for dialkit's files, `--tz` for imports).
//! Calls count on the day they were dialled; only outbound calls count. `metrics.json`'s
//! `compliance` section differs on purpose: it counts UTC days and 30-day blocks from the first
//! dial, over all campaigns together.

use crate::source::Records;
use crate::{ABANDON_CAP, Direction, Outcome};
use jiff::civil::Date;
use serde::Serialize;
use std::collections::BTreeMap;

/// Days in the FCC's period.
const FCC_DAYS: i32 = 30;

/// One campaign's day.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct DayCompliance {
    /// The campaign.
    pub campaign: String,
    /// The calendar day, `2026-01-05`.
    pub day: String,
    /// Outbound live answers that day (AMD false positives not included).
    pub live_answers: u64,
    /// Of those, abandoned.
    pub abandons: u64,
    /// People AMD classed machine and hung up on (known in simulation only).
    pub amd_false_positives: u64,
    /// abandons / live answers of the day; `None` without live answers.
    pub fcc_day_rate: Option<f64>,
    /// abandons / live answers over the 30 days ending with this day; `None` without live answers.
    pub fcc_30_day_rate: Option<f64>,
    /// (abandons + false positives) / (live answers + false positives) of the day.
    pub ofcom_rate: Option<f64>,
    /// `fcc_30_day_rate` is above the cap.
    pub fcc_over_cap: bool,
    /// `ofcom_rate` is above the cap.
    pub ofcom_over_cap: bool,
}

#[derive(Clone, Copy, Default)]
struct Counts {
    live: u64,
    abandons: u64,
    false_positives: u64,
}

fn rate(num: u64, den: u64) -> Option<f64> {
    (den > 0).then(|| num as f64 / den as f64)
}

/// One row per campaign and day with a live answer or an AMD false positive, by campaign then day.
pub(crate) fn per_day(records: &Records) -> Vec<DayCompliance> {
    let mut days: BTreeMap<(String, Date), Counts> = BTreeMap::new();
    for cdr in records.cdrs.iter().filter(|c| c.direction == Direction::Outbound) {
        let (live, fp) = (cdr.is_live_answer(), cdr.is_amd_false_positive());
        if !live && !fp {
            continue;
        }
        let day = records.tz.to_datetime(records.wall(cdr.dial_time)).date();
        let counts = days.entry((cdr.campaign.to_string(), day)).or_default();
        counts.live += u64::from(live);
        counts.abandons += u64::from(cdr.outcome == Outcome::Abandoned);
        counts.false_positives += u64::from(fp);
    }
    days.iter()
        .map(|((campaign, day), c)| {
            // The window: this campaign's days from 29 days before this one to this one.
            let first = day.checked_sub(jiff::Span::new().days(FCC_DAYS - 1)).unwrap_or(Date::MIN);
            let window = days.range((campaign.clone(), first)..=(campaign.clone(), *day));
            let (live, abandons) = window.fold((0, 0), |(l, a), (_, w)| (l + w.live, a + w.abandons));
            let fcc_30_day_rate = rate(abandons, live);
            let ofcom_rate = rate(c.abandons + c.false_positives, c.live + c.false_positives);
            DayCompliance {
                campaign: campaign.clone(),
                day: day.to_string(),
                live_answers: c.live,
                abandons: c.abandons,
                amd_false_positives: c.false_positives,
                fcc_day_rate: rate(c.abandons, c.live),
                fcc_30_day_rate,
                ofcom_rate,
                fcc_over_cap: fcc_30_day_rate.is_some_and(|r| r > ABANDON_CAP),
                ofcom_over_cap: ofcom_rate.is_some_and(|r| r > ABANDON_CAP),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::tests::records;
    use crate::test_records::outbound;
    use crate::{AmdVerdict, Cdr, Party};

    const DAY: u64 = 86_400_000;

    fn live(campaign: &str, at: u64, abandoned: bool) -> Cdr {
        let outcome = if abandoned { Outcome::Abandoned } else { Outcome::Connected };
        let connect = (!abandoned).then_some(at + 2000);
        Cdr {
            campaign: campaign.into(),
            ..outbound(outcome, Some(Party::Human), None, at, Some(at + 1000), connect, at + 60_000)
        }
    }

    #[test]
    fn rates_per_campaign_and_day_with_a_thirty_day_fcc_window() {
        let mut cdrs = Vec::new();
        // Campaign a, day 0: 1 abandon in 10 live answers.
        for i in 0..10 {
            cdrs.push(live("a", i * 60_000, i == 0));
        }
        // Campaign a, day 1: 0 in 90. Day 31: 1 in 10 (day 0 is out of its window).
        for i in 0..90 {
            cdrs.push(live("a", DAY + i * 60_000, false));
        }
        for i in 0..10 {
            cdrs.push(live("a", 31 * DAY + i * 60_000, i == 0));
        }
        // Campaign b, day 0: none in 5.
        for i in 0..5 {
            cdrs.push(live("b", i * 60_000, false));
        }
        let rows = per_day(&records(cdrs, Vec::new()));
        let key: Vec<(&str, &str)> = rows.iter().map(|r| (r.campaign.as_str(), r.day.as_str())).collect();
        assert_eq!(key, [("a", "2026-01-05"), ("a", "2026-01-06"), ("a", "2026-02-05"), ("b", "2026-01-05")]);
        let a0 = &rows[0];
        assert_eq!((a0.live_answers, a0.abandons, a0.amd_false_positives), (10, 1, 0));
        assert_eq!((a0.fcc_day_rate, a0.fcc_30_day_rate, a0.ofcom_rate), (Some(0.1), Some(0.1), Some(0.1)));
        assert!(a0.fcc_over_cap && a0.ofcom_over_cap);
        // Day 1: 1 / 100 over the 30 days, 0 that day.
        assert_eq!((rows[1].fcc_day_rate, rows[1].fcc_30_day_rate), (Some(0.0), Some(0.01)));
        assert!(!rows[1].fcc_over_cap && !rows[1].ofcom_over_cap);
        // Day 31 (2026-02-05): its window starts 2026-01-07, so only its own calls: 1 / 10.
        assert_eq!(rows[2].fcc_30_day_rate, Some(0.1));
        assert_eq!(rows[3].fcc_30_day_rate, Some(0.0));
    }

    #[test]
    fn days_are_calendar_days_of_the_records_zone() {
        // Origin 2026-07-05T09:00Z. 14 h 30 min later is 23:30 UTC, already 00:30 on the 6th in
        // London (BST): the same two calls fall on one UTC day and on two London days.
        let cdrs = vec![live("a", 0, true), live("a", 14 * 3_600_000 + 1_800_000, false)];
        let mut r = records(cdrs, Vec::new());
        r.origin = "2026-07-05T09:00:00Z".parse().expect("valid");
        let utc: Vec<String> = per_day(&r).into_iter().map(|d| d.day).collect();
        assert_eq!(utc, ["2026-07-05"]);
        r.tz = jiff::tz::TimeZone::get("Europe/London").expect("the system has the time zone database");
        let london: Vec<(String, Option<f64>)> = per_day(&r).into_iter().map(|d| (d.day, d.fcc_30_day_rate)).collect();
        assert_eq!(london, [("2026-07-05".to_owned(), Some(1.0)), ("2026-07-06".to_owned(), Some(0.5))]);
    }

    #[test]
    fn ofcom_counts_false_positives_in_both_terms() {
        let mut cdrs: Vec<Cdr> = (0..3).map(|i| live("spring", i * 60_000, false)).collect();
        cdrs.push(outbound(Outcome::Machine, Some(Party::Human), Some(AmdVerdict::Machine), 5, Some(100), None, 3000));
        let rows = per_day(&records(cdrs, Vec::new()));
        assert_eq!(rows.len(), 1);
        assert_eq!((rows[0].ofcom_rate, rows[0].fcc_30_day_rate), (Some(0.25), Some(0.0)), "(0 + 1) / (3 + 1)");
    }
}
