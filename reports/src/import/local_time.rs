//! Local wall-clock times (`2026-03-29 01:30:00` in `Europe/London`) turned into instants, with the
//! two hours a year where that is not one-to-one: the gap when clocks go forward (the time never
//! happened) and the fold when they go back (it happened twice).

use jiff::Timestamp;
use jiff::civil::DateTime;
use jiff::tz::{AmbiguousOffset, TimeZone};

/// Resolves local times in one zone and counts the ones that needed a choice.
#[derive(Debug)]
pub(crate) struct LocalClock<'a> {
    tz: &'a TimeZone,
    /// Times in a fold resolved without a hint (taken as the first occurrence).
    folds: u64,
    /// Times in a gap (moved forward by the gap's length).
    gaps: u64,
}

impl<'a> LocalClock<'a> {
    pub(crate) fn new(tz: &'a TimeZone) -> Self {
        LocalClock { tz, folds: 0, gaps: 0 }
    }

    /// The instant of `dt`: in a fold the first occurrence; in a gap the time as if the clock
    /// had not yet moved (RFC 5545's "compatible" choice), which lands after the gap.
    pub(crate) fn resolve(&mut self, dt: DateTime) -> Timestamp {
        self.resolve_near(dt, None)
    }

    /// Like [`LocalClock::resolve`], but in a fold the occurrence nearer `hint` (an instant this
    /// time is known to be close to, such as start + duration for an end time).
    pub(crate) fn resolve_near(&mut self, dt: DateTime, hint: Option<Timestamp>) -> Timestamp {
        let ambiguous = self.tz.to_ambiguous_timestamp(dt);
        let (first, second) = match ambiguous.offset() {
            AmbiguousOffset::Unambiguous { offset } => return at(dt, offset),
            AmbiguousOffset::Gap { before, .. } => {
                self.gaps += 1;
                return at(dt, before);
            }
            AmbiguousOffset::Fold { before, after } => (at(dt, before), at(dt, after)),
        };
        match hint {
            Some(h) if distance(second, h) < distance(first, h) => second,
            Some(_) => first,
            None => {
                self.folds += 1;
                first
            }
        }
    }

    /// What the user should know about the choices made, if any were.
    pub(crate) fn notes(&self) -> Vec<String> {
        let zone = self.tz.iana_name().unwrap_or("the given zone");
        let mut notes = Vec::new();
        if self.folds > 0 {
            notes.push(format!(
                "{} time(s) fell in the hour {zone} repeats when clocks go back; each was taken as the first occurrence",
                self.folds
            ));
        }
        if self.gaps > 0 {
            notes.push(format!(
                "{} time(s) fell in the hour {zone} skips when clocks go forward (they cannot happen); each was read with the offset before the change, which lands after the gap",
                self.gaps
            ));
        }
        notes
    }
}

/// `dt` at a fixed offset from UTC.
fn at(dt: DateTime, offset: jiff::tz::Offset) -> Timestamp {
    // A civil time of the years jiff holds, at an offset under a day, stays within Timestamp's
    // range except at its very ends, where saturating is right.
    offset.to_timestamp(dt).unwrap_or(if offset.seconds() < 0 { Timestamp::MAX } else { Timestamp::MIN })
}

fn distance(a: Timestamp, b: Timestamp) -> i64 {
    (a.as_millisecond() - b.as_millisecond()).abs()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn london() -> TimeZone {
        TimeZone::get("Europe/London").expect("the system has the time zone database")
    }

    fn dt(text: &str) -> DateTime {
        text.parse().expect("valid")
    }

    fn ts(text: &str) -> Timestamp {
        text.parse().expect("valid")
    }

    #[test]
    fn ordinary_times_take_the_offset_of_the_season() {
        let tz = london();
        let mut clock = LocalClock::new(&tz);
        assert_eq!(clock.resolve(dt("2026-01-05T09:00:00")), ts("2026-01-05T09:00:00Z"));
        assert_eq!(clock.resolve(dt("2026-07-05T09:00:00")), ts("2026-07-05T08:00:00Z"));
        assert!(clock.notes().is_empty());
    }

    #[test]
    fn a_fold_takes_the_first_occurrence_or_the_one_nearer_the_hint() {
        // 2026-10-25: London goes from BST (+1) back to GMT at 02:00 BST, so 01:30 happens twice.
        let tz = london();
        let mut clock = LocalClock::new(&tz);
        assert_eq!(clock.resolve(dt("2026-10-25T01:30:00")), ts("2026-10-25T00:30:00Z"));
        let hint = Some(ts("2026-10-25T01:29:00Z"));
        assert_eq!(clock.resolve_near(dt("2026-10-25T01:30:00"), hint), ts("2026-10-25T01:30:00Z"));
        let notes = clock.notes();
        assert_eq!(notes.len(), 1);
        assert!(notes[0].starts_with("1 time(s) fell in the hour Europe/London repeats"), "{notes:?}");
    }

    #[test]
    fn a_gap_moves_forward() {
        // 2026-03-29: London jumps from 01:00 GMT to 02:00 BST; 01:30 never happens.
        let tz = london();
        let mut clock = LocalClock::new(&tz);
        assert_eq!(clock.resolve(dt("2026-03-29T01:30:00")), ts("2026-03-29T01:30:00Z"));
        assert!(clock.notes()[0].contains("skips"));
    }
}
