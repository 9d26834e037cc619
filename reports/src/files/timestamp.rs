//! The one time format of the record files: RFC 3339 UTC with exactly three fractional digits,
//! `2026-01-05T09:00:12.345Z`.
//!
//! Written and read by hand from days since 1970 (Howard Hinnant's `civil_from_days` and
//! `days_from_civil`): a few integer operations a time instead of a general formatter, since a
//! large run writes millions of them. The tests check it against `jiff`.

use jiff::Timestamp;

/// Bytes in a formatted time.
pub(super) const LEN: usize = 24;

/// What a time field must look like, for error messages.
pub(super) const EXPECTED: &str = "an RFC 3339 UTC time with milliseconds, like 2026-01-05T09:00:12.345Z";

const MS_PER_DAY: i64 = 86_400_000;

/// Milliseconds from 1970 to `ts`, rounded down.
pub(super) fn epoch_ms(ts: Timestamp) -> i64 {
    // jiff's range (years −9999 to 9999) is well inside i64 milliseconds.
    ts.as_nanosecond().div_euclid(1_000_000) as i64
}

/// Formats milliseconds since 1970; `None` outside the years 0000 to 9999 that the format holds.
pub(super) fn format(ms: i64) -> Option<[u8; LEN]> {
    let (days, ms_of_day) = (ms.div_euclid(MS_PER_DAY), ms.rem_euclid(MS_PER_DAY));
    let (year, month, day) = civil_from_days(days);
    if !(0..=9999).contains(&year) {
        return None;
    }
    let mut out = *b"0000-00-00T00:00:00.000Z";
    let mut put = |at: usize, width: usize, mut value: u64| {
        for i in (at..at + width).rev() {
            out[i] = b'0' + (value % 10) as u8;
            value /= 10;
        }
    };
    let ms_of_day = ms_of_day as u64;
    put(0, 4, year as u64);
    put(5, 2, u64::from(month));
    put(8, 2, u64::from(day));
    put(11, 2, ms_of_day / 3_600_000);
    put(14, 2, ms_of_day / 60_000 % 60);
    put(17, 2, ms_of_day / 1000 % 60);
    put(20, 3, ms_of_day % 1000);
    Some(out)
}

/// Parses exactly the form [`format()`] writes into milliseconds since 1970; `None` if the text is
/// not that form or not a real date and time of day.
pub(super) fn parse(text: &[u8]) -> Option<i64> {
    let text: &[u8; LEN] = text.try_into().ok()?;
    for (i, &byte) in text.iter().enumerate() {
        let ok = match i {
            4 | 7 => byte == b'-',
            10 => byte == b'T',
            13 | 16 => byte == b':',
            19 => byte == b'.',
            23 => byte == b'Z',
            _ => byte.is_ascii_digit(),
        };
        if !ok {
            return None;
        }
    }
    let num = |from: usize, to: usize| text[from..to].iter().fold(0i64, |n, &d| n * 10 + i64::from(d - b'0'));
    let (year, month, day) = (num(0, 4), num(5, 7), num(8, 10));
    let (hour, minute, second, milli) = (num(11, 13), num(14, 16), num(17, 19), num(20, 23));
    if !(1..=12).contains(&month) || day < 1 || day > days_in_month(year, month) {
        return None;
    }
    if hour > 23 || minute > 59 || second > 59 {
        return None;
    }
    let days = days_from_civil(year, month, day);
    Some(days * MS_PER_DAY + ((hour * 60 + minute) * 60 + second) * 1000 + milli)
}

fn days_in_month(year: i64, month: i64) -> i64 {
    match month {
        4 | 6 | 9 | 11 => 30,
        2 if year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) => 29,
        2 => 28,
        _ => 31,
    }
}

/// (year, month, day) of a day counted from 1970-01-01 (proleptic Gregorian).
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097); // day of era, 0..=146096
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365; // year of era, 0..=399
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100); // day of year from March 1st, 0..=365
    let mp = (5 * doy + 2) / 153; // month from March, 0..=11
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// Days from 1970-01-01 to a (year, month, day) (proleptic Gregorian).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let yoe = year.rem_euclid(400);
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(ms: i64) -> String {
        String::from_utf8(format(ms).expect("in range").to_vec()).expect("ASCII")
    }

    fn jiff_text(ms: i64) -> String {
        Timestamp::from_millisecond(ms).expect("in range").strftime("%Y-%m-%dT%H:%M:%S%.3fZ").to_string()
    }

    #[test]
    fn formats_like_jiff_and_parses_back() {
        let first: i64 = -62_167_219_200_000; // 0000-01-01T00:00:00.000Z
        let last: i64 = 253_402_300_799_999; // 9999-12-31T23:59:59.999Z
        let mut state = 7u64;
        for _ in 0..100_000 {
            state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            let ms = first + ((state >> 11) % (last - first + 1) as u64) as i64;
            let written = text(ms);
            assert_eq!(written, jiff_text(ms));
            assert_eq!(parse(written.as_bytes()), Some(ms), "{written}");
        }
        assert_eq!(text(first), "0000-01-01T00:00:00.000Z");
        assert_eq!(text(last), "9999-12-31T23:59:59.999Z");
        assert_eq!(format(last + 1), None);
        assert_eq!(format(first - 1), None);
    }

    #[test]
    fn every_day_of_four_centuries_round_trips() {
        for day in -400 * 366..400 * 366 {
            let ms = day * MS_PER_DAY + 45_296_789; // 12:34:56.789
            assert_eq!(parse(&format(ms).expect("in range")), Some(ms));
        }
        assert_eq!(text(1_767_603_612_345), "2026-01-05T09:00:12.345Z");
        assert_eq!(text(951_782_400_000), "2000-02-29T00:00:00.000Z");
    }

    #[test]
    fn rejects_anything_but_the_exact_form_and_real_dates() {
        for bad in [
            "2026-01-05T09:00:12.345",
            "2026-01-05T09:00:12Z",
            "2026-01-05 09:00:12.345Z",
            "2026-01-05T09:00:12.345+00:00",
            "2026-1-05T09:00:12.345Z",
            "2026-13-05T09:00:12.345Z",
            "2026-00-05T09:00:12.345Z",
            "2026-02-29T09:00:12.345Z",
            "1900-02-29T09:00:12.345Z",
            "2026-04-31T09:00:12.345Z",
            "2026-01-00T09:00:12.345Z",
            "2026-01-05T24:00:00.000Z",
            "2026-01-05T09:60:00.000Z",
            "2026-01-05T09:00:60.000Z",
            "2026-01-05t09:00:12.345z",
            "+026-01-05T09:00:12.345Z",
            "",
        ] {
            assert_eq!(parse(bad.as_bytes()), None, "{bad}");
        }
        assert!(parse(b"2000-02-29T09:00:12.345Z").is_some());
    }

    #[test]
    fn epoch_ms_rounds_down() {
        let ts = Timestamp::new(1, 999_999).expect("valid");
        assert_eq!(epoch_ms(ts), 1000);
        let ts = Timestamp::new(-1, -1).expect("valid");
        assert_eq!(epoch_ms(ts), -1001);
    }
}
