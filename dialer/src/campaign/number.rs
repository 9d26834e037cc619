//! Telephone numbers as lead lists write them, normalised to E.164 (`+441632960001`).
//!
//! Lists come from spreadsheets and CRMs: `(020) 7946 0018`, `07700-900123`, `+1 202.555.0123`,
//! `0044 20 7946 0018`. A campaign names one country (its calling code) for numbers written
//! without an international prefix; such national numbers lose their trunk prefix (the `0` of
//! most of Europe, the `1` of North America) and gain the country code. The result is the only
//! form the store keeps, so duplicates and do-not-call entries match however they were written.

use std::fmt;

/// The longest E.164 number: 15 digits, country code included (ITU-T E.164 §6).
pub const MAX_DIGITS: usize = 15;
/// The shortest number accepted: 7 digits, country code included (the shortest numbering plans
/// in use, such as Niue's +683 and four digits, have this many).
pub const MIN_DIGITS: usize = 7;

/// How national numbers are read in a campaign's home country.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Numbering {
    country_code: u16,
    trunk_prefix: String,
}

/// Why a country code or trunk prefix was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum NumberingError {
    /// Country codes have one to three digits and do not start with 0.
    #[error("country code {0} is not one to three digits starting 1-9")]
    CountryCode(u32),
    /// A trunk prefix is a few digits, or empty for none.
    #[error("trunk prefix {0:?} is not up to two digits")]
    TrunkPrefix(String),
}

impl Numbering {
    /// National numbers belong to `country_code` (1 for North America, 44 for the UK, …) and lose
    /// `trunk_prefix` if they start with it; `None` takes the country's usual prefix
    /// ([`default_trunk_prefix`]).
    pub fn new(country_code: u32, trunk_prefix: Option<&str>) -> Result<Numbering, NumberingError> {
        let country_code = u16::try_from(country_code)
            .ok()
            .filter(|&c| (1..=999).contains(&c))
            .ok_or(NumberingError::CountryCode(country_code))?;
        let trunk_prefix = trunk_prefix.unwrap_or_else(|| default_trunk_prefix(country_code));
        if trunk_prefix.len() > 2 || !trunk_prefix.bytes().all(|b| b.is_ascii_digit()) {
            return Err(NumberingError::TrunkPrefix(trunk_prefix.to_owned()));
        }
        Ok(Numbering { country_code, trunk_prefix: trunk_prefix.to_owned() })
    }

    /// The country calling code of national numbers.
    pub fn country_code(&self) -> u16 {
        self.country_code
    }

    /// The trunk prefix removed from national numbers (may be empty).
    pub fn trunk_prefix(&self) -> &str {
        &self.trunk_prefix
    }

    /// `text` as E.164: `+`, the country code, the national number; digits only.
    ///
    /// Spaces, dashes, dots and parentheses are dropped. A leading `+` or `00` (and `011` in
    /// North America) marks an international number; anything else is national. Letters,
    /// extensions and a second `+` are refused, as are numbers of fewer than [`MIN_DIGITS`] or
    /// more than [`MAX_DIGITS`] digits, and North American numbers that are not ten digits with
    /// an area code starting 2-9.
    pub fn normalise(&self, text: &str) -> Result<String, NumberError> {
        let mut plus = false;
        let mut digits = String::with_capacity(text.len());
        for (i, c) in text.trim().chars().enumerate() {
            match c {
                '0'..='9' => digits.push(c),
                '+' if i == 0 => plus = true,
                ' ' | '\t' | '\u{a0}' | '-' | '.' | '(' | ')' => {}
                other => return Err(NumberError::Character(other)),
            }
        }
        if digits.is_empty() {
            return Err(NumberError::Empty);
        }
        let international = if plus {
            digits
        } else if let Some(rest) = digits.strip_prefix("00") {
            rest.to_owned()
        } else if let Some(rest) = digits.strip_prefix("011").filter(|_| self.country_code == 1) {
            rest.to_owned()
        } else {
            let national = match digits.strip_prefix(self.trunk_prefix.as_str()) {
                Some(rest) if !self.trunk_prefix.is_empty() => rest,
                _ => digits.as_str(),
            };
            format!("{}{national}", self.country_code)
        };
        check(&international)?;
        Ok(format!("+{international}"))
    }
}

/// The trunk prefix a country's national numbers are written with: `1` in the North American
/// Numbering Plan, `0` where national numbers start with a `0` that is dropped when dialling from
/// abroad (UK, Ireland, France, Germany, the Netherlands, Belgium, Switzerland, Austria, Sweden,
/// Finland, Australia, New Zealand, Japan, China, India, South Africa, Turkey, …), and none
/// elsewhere (Italy keeps its `0`; Spain, Denmark, Norway, Portugal have none).
pub fn default_trunk_prefix(country_code: u16) -> &'static str {
    const ZERO: &[u16] = &[
        7, 20, 27, 30, 31, 32, 33, 36, 40, 41, 43, 44, 46, 48, 49, 51, 52, 55, 61, 62, 63, 64, 66, 81, 82, 84, 86, 90,
        91, 92, 94, 353, 358, 972,
    ];
    match country_code {
        1 => "1",
        c if ZERO.contains(&c) => "0",
        _ => "",
    }
}

fn check(digits: &str) -> Result<(), NumberError> {
    let n = digits.len();
    if digits.starts_with('0') {
        return Err(NumberError::LeadingZero);
    }
    if n < MIN_DIGITS {
        return Err(NumberError::TooShort(n));
    }
    if n > MAX_DIGITS {
        return Err(NumberError::TooLong(n));
    }
    if let Some(nanp) = digits.strip_prefix('1')
        && (nanp.len() != 10 || matches!(nanp.as_bytes()[0], b'0' | b'1'))
    {
        return Err(NumberError::Nanp);
    }
    Ok(())
}

/// Why a number could not be read as E.164. Its text is what a lead import's report shows.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum NumberError {
    /// Nothing but separators.
    Empty,
    /// A character that is not a digit or a separator (letters, `x` of an extension, a `+`
    /// inside the number).
    Character(char),
    /// A country code cannot start with 0 (a `+0…` or `000…` number).
    LeadingZero,
    /// Fewer than [`MIN_DIGITS`] digits.
    TooShort(usize),
    /// More than [`MAX_DIGITS`] digits.
    TooLong(usize),
    /// A +1 number that is not ten digits with an area code starting 2-9.
    Nanp,
}

impl fmt::Display for NumberError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            NumberError::Empty => write!(f, "no digits"),
            NumberError::Character(c) => write!(f, "{c:?} is not a digit (letters and extensions are not dialable)"),
            NumberError::LeadingZero => write!(f, "a country code cannot start with 0"),
            NumberError::TooShort(n) => write!(f, "{n} digits is too short (E.164 numbers have at least {MIN_DIGITS})"),
            NumberError::TooLong(n) => write!(f, "{n} digits is too long (E.164 allows at most {MAX_DIGITS})"),
            NumberError::Nanp => write!(f, "a +1 number needs ten digits after the 1, the first 2-9"),
        }
    }
}

impl std::error::Error for NumberError {}

#[cfg(test)]
mod tests {
    use super::*;

    fn uk() -> Numbering {
        Numbering::new(44, None).unwrap()
    }

    fn us() -> Numbering {
        Numbering::new(1, None).unwrap()
    }

    #[test]
    fn national_numbers_lose_the_trunk_prefix_and_gain_the_country_code() {
        assert_eq!(uk().normalise("020 7946 0018").as_deref(), Ok("+442079460018"));
        assert_eq!(uk().normalise("(07700) 900-123").as_deref(), Ok("+447700900123"));
        assert_eq!(us().normalise("(202) 555-0123").as_deref(), Ok("+12025550123"));
        assert_eq!(us().normalise("1-202-555-0123").as_deref(), Ok("+12025550123"));
        assert_eq!(us().normalise("202.555.0123").as_deref(), Ok("+12025550123"));
        // Italy keeps its leading 0.
        let it = Numbering::new(39, None).unwrap();
        assert_eq!(it.normalise("06 6982 0000").as_deref(), Ok("+390669820000"));
    }

    #[test]
    fn international_prefixes_become_a_plus() {
        assert_eq!(uk().normalise("+44 20 7946 0018").as_deref(), Ok("+442079460018"));
        assert_eq!(uk().normalise("0044 20 7946 0018").as_deref(), Ok("+442079460018"));
        assert_eq!(us().normalise("011 44 20 7946 0018").as_deref(), Ok("+442079460018"));
        assert_eq!(uk().normalise("+1 202 555 0123").as_deref(), Ok("+12025550123"));
    }

    #[test]
    fn malformed_numbers_say_why() {
        assert_eq!(uk().normalise(""), Err(NumberError::Empty));
        assert_eq!(uk().normalise(" - "), Err(NumberError::Empty));
        assert_eq!(us().normalise("1-800-FLOWERS"), Err(NumberError::Character('F')));
        assert_eq!(uk().normalise("020 7946 0018 x12"), Err(NumberError::Character('x')));
        assert_eq!(uk().normalise("+44+20"), Err(NumberError::Character('+')));
        assert_eq!(uk().normalise("+0 123 4567"), Err(NumberError::LeadingZero));
        assert_eq!(uk().normalise("123"), Err(NumberError::TooShort(5)));
        assert_eq!(uk().normalise("+44 1234 5678 9012 34"), Err(NumberError::TooLong(16)));
        assert_eq!(us().normalise("555-0123"), Err(NumberError::Nanp));
        assert_eq!(us().normalise("(102) 555-0123"), Err(NumberError::Nanp));
        for e in [NumberError::TooLong(16), NumberError::Character('x')] {
            assert!(!e.to_string().is_empty());
        }
    }

    #[test]
    fn country_codes_and_prefixes_are_checked() {
        assert_eq!(Numbering::new(0, None), Err(NumberingError::CountryCode(0)));
        assert_eq!(Numbering::new(1000, None), Err(NumberingError::CountryCode(1000)));
        assert_eq!(Numbering::new(44, Some("x")), Err(NumberingError::TrunkPrefix("x".into())));
        let none = Numbering::new(44, Some("")).unwrap();
        assert_eq!(none.normalise("020 7946 0018").as_deref(), Ok("+4402079460018"), "no prefix: the 0 is kept");
        assert_eq!(default_trunk_prefix(34), "");
        assert_eq!(default_trunk_prefix(1), "1");
    }
}
