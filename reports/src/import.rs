//! Other systems' call records, read into dialkit's [`Cdr`](crate::Cdr)s so that a team can
//! measure its existing PBX or dialer with the same metrics as a simulation (docs/import.md).
//!
//! - [`asterisk`]: cdr_csv's `Master.csv` (default columns, no header, local times).
//! - [`generic`]: any CSV with a header row, its columns named by a [`Mapping`].
//!
//! Both give back rows they cannot read as [`RowProblem`](crate::source::RowProblem)s with their
//! line numbers; [`crate::source::load`] is the entry point.

pub mod asterisk;
pub mod generic;
mod local_time;

pub use generic::{Field, Mapping, MappingError};
pub(crate) use local_time::LocalClock;

/// The number in an agent's name or channel: the first run of digits (`SIP/1001-0000000a` → 1001,
/// `agent7` → 7); `None` if there is none or it does not fit.
pub(crate) fn agent_number(text: &str) -> Option<u32> {
    let start = text.find(|c: char| c.is_ascii_digit())?;
    let digits = &text[start..];
    let end = digits.find(|c: char| !c.is_ascii_digit()).unwrap_or(digits.len());
    digits[..end].parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn agent_numbers_are_the_first_digits() {
        assert_eq!(agent_number("1001"), Some(1001));
        assert_eq!(agent_number("agent7"), Some(7));
        assert_eq!(agent_number("alice"), None);
        assert_eq!(agent_number("99999999999"), None, "too large for u32");
    }
}
