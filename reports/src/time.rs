//! The one time type of dialkit: milliseconds since the run started.

use std::fmt;
use std::ops::{Add, Sub};

/// A point in a run's time line: whole milliseconds since the run started (`t = 0`).
///
/// The dialer core never reads a clock; the simulator hands it virtual time and the live runtime
/// converts the wall clock at its edge. Millisecond resolution matches the CDR format (RFC 3339 with
/// milliseconds), so a time survives a round trip through `cdr.csv` exactly.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Time(u64);

impl Time {
    /// The start of the run.
    pub const ZERO: Time = Time(0);
    /// Later than any real time; a timer set here never fires.
    pub const NEVER: Time = Time(u64::MAX);

    /// A time `ms` milliseconds after the start.
    #[inline]
    pub const fn from_ms(ms: u64) -> Time {
        Time(ms)
    }

    /// A time `s` whole seconds after the start.
    #[inline]
    pub const fn from_secs(s: u64) -> Time {
        Time(s * 1000)
    }

    /// Milliseconds since the start.
    #[inline]
    pub const fn as_ms(self) -> u64 {
        self.0
    }

    /// Seconds since the start, as a float (for reports and plots).
    #[inline]
    pub fn as_secs_f64(self) -> f64 {
        self.0 as f64 / 1000.0
    }

    /// Milliseconds from `earlier` to `self`, or zero if `earlier` is later.
    #[inline]
    pub const fn since(self, earlier: Time) -> u64 {
        self.0.saturating_sub(earlier.0)
    }

    /// The later of two times.
    #[inline]
    pub fn max(self, other: Time) -> Time {
        Time(self.0.max(other.0))
    }
}

/// `time + ms`: a time that many milliseconds later (saturating at [`Time::NEVER`]).
impl Add<u64> for Time {
    type Output = Time;
    #[inline]
    fn add(self, ms: u64) -> Time {
        Time(self.0.saturating_add(ms))
    }
}

/// `later - earlier`: the milliseconds between two times (zero if `earlier` is later).
impl Sub for Time {
    type Output = u64;
    #[inline]
    fn sub(self, earlier: Time) -> u64 {
        self.since(earlier)
    }
}

impl fmt::Display for Time {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let ms = self.0;
        write!(f, "{}:{:02}:{:02}.{:03}", ms / 3_600_000, ms / 60_000 % 60, ms / 1000 % 60, ms % 1000)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arithmetic_saturates_instead_of_wrapping() {
        assert_eq!(Time::NEVER + 5, Time::NEVER);
        assert_eq!(Time::from_ms(3) - Time::from_ms(10), 0);
        assert_eq!(Time::from_secs(2) - Time::from_ms(500), 1500);
    }

    #[test]
    fn displays_as_hours_minutes_seconds() {
        assert_eq!(Time::from_ms(3_723_004).to_string(), "1:02:03.004");
    }
}
