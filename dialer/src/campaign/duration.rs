//! Durations as campaign files write them: humantime text (`"2s"`, `"30m"`, `"72h"`, `"1d"`).
//!
//! The one duration parser of dialkit's files: campaign files here, scenario files through
//! `sim::dist::parse_duration_ms` (`sim` depends on `dialer`). It accepts exactly what
//! `humantime::parse_duration` accepts, less negative values.

/// Why a duration's text was refused: the problem and the fix, for the caller to place under a key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DurationError {
    /// What is wrong with the text.
    pub problem: String,
    /// How to put it right.
    pub fix: &'static str,
}

/// Milliseconds of a humantime duration (`"250ms"`, `"15s"`, `"3m"`, `"8h"`, `"1d"`), rounded
/// down to a whole millisecond.
pub fn parse_duration_ms(text: &str) -> Result<u64, DurationError> {
    u64::try_from(parse_duration(text)?.as_millis()).map_err(|_| too_large(text))
}

/// A humantime duration (`"250ms"`, `"15s"`, `"1h 30m"`), zero or more.
pub fn parse_duration(text: &str) -> Result<std::time::Duration, DurationError> {
    let trimmed = text.trim();
    if trimmed.starts_with('-') {
        return Err(DurationError {
            problem: format!("{text:?} is negative"),
            fix: "durations are zero or more; write one such as \"0s\" or \"30m\"",
        });
    }
    match humantime::parse_duration(trimmed) {
        Ok(d) => Ok(d),
        Err(humantime::DurationError::NumberOverflow) => Err(too_large(text)),
        Err(_) => Err(DurationError {
            problem: format!("{text:?} is not a duration"),
            fix: "write a duration such as \"2s\", \"180s\", \"30m\" or \"4h\"",
        }),
    }
}

fn too_large(text: &str) -> DurationError {
    DurationError { problem: format!("{text:?} is too large"), fix: "write a duration under a few centuries" }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn humantime_units_read_as_milliseconds() {
        assert_eq!(parse_duration_ms("2s"), Ok(2_000));
        assert_eq!(parse_duration_ms(" 30m "), Ok(1_800_000));
        assert_eq!(parse_duration_ms("72h"), Ok(259_200_000));
        assert_eq!(parse_duration_ms("1d"), Ok(86_400_000));
        assert_eq!(parse_duration_ms("1h 30m"), Ok(5_400_000));
        assert_eq!(parse_duration_ms("0s"), Ok(0));
    }

    #[test]
    fn nonsense_and_negatives_are_refused_with_a_fix() {
        for bad in ["-2s", "soon", "", "2 parsecs"] {
            let e = parse_duration_ms(bad).unwrap_err();
            assert!(e.problem.contains(&format!("{bad:?}")), "{e:?}");
            assert!(!e.fix.is_empty());
        }
    }
}
