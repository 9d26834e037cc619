//! The calling window: the hours, days and dates on which a lead may be called, in the lead's own
//! local time (the FCC's 8 am to 9 pm, Ofcom's "reasonable hours", a client's stricter terms).

use jiff::Timestamp;
use jiff::civil::{Date, Time, Weekday};
use jiff::tz::TimeZone;

/// When calls may be placed, as wall-clock time where the callee is.
#[derive(Clone, Debug, PartialEq)]
pub struct CallingWindow {
    /// The first minute calls may be placed (inclusive).
    pub start: Time,
    /// The minute calls stop (exclusive); later than `start` (no windows across midnight).
    pub end: Time,
    /// Weekdays calls may be placed, Monday first.
    pub days: [bool; 7],
    /// Local dates on which no calls are placed (public holidays).
    pub holidays: Vec<Date>,
}

impl Default for CallingWindow {
    /// 09:00 to 21:00 every day.
    fn default() -> CallingWindow {
        CallingWindow {
            start: Time::constant(9, 0, 0, 0),
            end: Time::constant(21, 0, 0, 0),
            days: [true; 7],
            holidays: Vec::new(),
        }
    }
}

impl CallingWindow {
    /// Whether a callee in `tz` may be called at `now`: a permitted weekday, not a holiday, and
    /// `start` ≤ local time < `end`. Local time is read from the time zone's rules at that
    /// instant, so daylight-saving changes move the window with the callee's clocks.
    pub fn allows(&self, now: Timestamp, tz: &TimeZone) -> bool {
        let local = tz.to_datetime(now);
        let day = local.date();
        self.days[weekday_index(day.weekday())]
            && !self.holidays.contains(&day)
            && self.start <= local.time()
            && local.time() < self.end
    }
}

/// Monday 0 … Sunday 6.
pub(crate) fn weekday_index(day: Weekday) -> usize {
    day.to_monday_zero_offset() as usize
}

/// `"mon"` … `"sun"` (also the full English names, any case) as a weekday index, Monday 0.
pub(crate) fn parse_weekday(text: &str) -> Option<usize> {
    const NAMES: [&str; 7] = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"];
    let lower = text.trim().to_ascii_lowercase();
    NAMES.iter().position(|name| lower == *name || (lower.len() == 3 && name.starts_with(&lower)))
}

/// `"HH:MM"` on a 24-hour clock; `"24:00"` is the end of the day.
pub(crate) fn parse_hhmm(text: &str) -> Option<Time> {
    let (h, m) = text.trim().split_once(':')?;
    if h.len() != 2 || m.len() != 2 {
        return None;
    }
    let (h, m): (i8, i8) = (h.parse().ok()?, m.parse().ok()?);
    match (h, m) {
        (24, 0) => Some(Time::MAX),
        (0..=23, 0..=59) => Time::new(h, m, 0, 0).ok(),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> Timestamp {
        text.parse().unwrap() // test literals are valid timestamps
    }

    fn zone(name: &str) -> TimeZone {
        jiff::tz::db().get(name).unwrap() // the bundled database has these zones
    }

    #[test]
    fn the_window_is_read_in_the_callees_own_time() {
        let w = CallingWindow::default();
        let instant = at("2026-03-02T14:30:00Z"); // a Monday
        assert!(w.allows(instant, &zone("Europe/London")), "14:30 in London");
        assert!(w.allows(instant, &zone("America/New_York")), "09:30 in New York");
        assert!(!w.allows(instant, &zone("America/Los_Angeles")), "06:30 in Los Angeles");
        assert!(!w.allows(instant, &zone("Asia/Tokyo")), "23:30 in Tokyo");
    }

    #[test]
    fn days_holidays_and_the_end_minute() {
        let mut w = CallingWindow { days: [true, true, true, true, true, false, false], ..CallingWindow::default() };
        let utc = TimeZone::UTC;
        assert!(!w.allows(at("2026-03-07T12:00:00Z"), &utc), "a Saturday");
        assert!(w.allows(at("2026-03-06T20:59:59Z"), &utc));
        assert!(!w.allows(at("2026-03-06T21:00:00Z"), &utc), "the end is exclusive");
        assert!(w.allows(at("2026-03-06T09:00:00Z"), &utc), "the start is inclusive");
        w.holidays.push(Date::constant(2026, 3, 6));
        assert!(!w.allows(at("2026-03-06T12:00:00Z"), &utc), "a holiday");
    }

    #[test]
    fn daylight_saving_moves_the_window_with_the_clocks() {
        // New York springs forward on 8 March 2026: 09:00 local is 14:00 UTC before, 13:00 after.
        let w = CallingWindow::default();
        let ny = zone("America/New_York");
        assert!(!w.allows(at("2026-03-06T13:30:00Z"), &ny), "08:30 EST on Friday");
        assert!(w.allows(at("2026-03-09T13:30:00Z"), &ny), "09:30 EDT on Monday");
    }

    #[test]
    fn clock_and_day_texts() {
        assert_eq!(parse_hhmm("09:00"), Some(Time::constant(9, 0, 0, 0)));
        assert_eq!(parse_hhmm("24:00"), Some(Time::MAX));
        for bad in ["9:00", "25:00", "12:60", "noon", "12-00"] {
            assert_eq!(parse_hhmm(bad), None, "{bad}");
        }
        assert_eq!(parse_weekday("Mon"), Some(0));
        assert_eq!(parse_weekday("sunday"), Some(6));
        assert_eq!(parse_weekday("mo"), None);
    }
}
