//! Reading one record file: the header check, rows with their line numbers, and strict parsing of
//! each field in column order, so every error can name its line and column.

use super::RecordError;
use super::timestamp;
use crate::{AgentState, AmdVerdict, Direction, HangupBy, Outcome, Party, Time};
use compact_str::CompactString;
use csv::ByteRecord;
use jiff::Timestamp;
use std::io::Read;

/// A CSV file with a fixed header, read a row at a time into one reused buffer.
pub(super) struct TableReader<R: Read> {
    csv: csv::Reader<R>,
    record: ByteRecord,
    columns: &'static [&'static str],
    header: &'static str,
    origin_ms: i64,
    origin: Timestamp,
    /// Set after a read error: the reader is not trusted to make progress.
    failed: bool,
}

impl<R: Read> TableReader<R> {
    /// Reads and checks the header. `header` is `columns` joined by commas, for messages.
    pub(super) fn new(
        r: R,
        columns: &'static [&'static str],
        header: &'static str,
        origin: Timestamp,
    ) -> Result<Self, RecordError> {
        let csv = csv::ReaderBuilder::new().has_headers(false).flexible(true).buffer_capacity(64 * 1024).from_reader(r);
        let mut table = TableReader {
            csv,
            record: ByteRecord::new(),
            columns,
            header,
            origin_ms: timestamp::epoch_ms(origin),
            origin,
            failed: false,
        };
        if !table.csv.read_byte_record(&mut table.record).map_err(RecordError::Read)? {
            return Err(RecordError::Empty { header });
        }
        table.check_header()?;
        Ok(table)
    }

    fn check_header(&self) -> Result<(), RecordError> {
        let quote = |text: &[u8]| format!("{:?}", String::from_utf8_lossy(text));
        let end = || "the end of the line".to_owned();
        let found = self.record.iter().map(Some).chain(std::iter::repeat(None));
        let expected = self.columns.iter().map(|c| Some(c.as_bytes())).chain(std::iter::repeat(None));
        for (i, (found, expected)) in found.zip(expected).enumerate() {
            // A UTF-8 byte-order mark before the first name is allowed (spreadsheets add one).
            let found = match found {
                Some(name) if i == 0 => Some(name.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(name)),
                other => other,
            };
            match (found, expected) {
                (None, None) => return Ok(()),
                (Some(f), Some(e)) if f == e => continue,
                (found, expected) => {
                    return Err(RecordError::Header {
                        position: i + 1,
                        found: found.map_or_else(end, quote),
                        expected: expected.map_or_else(end, quote),
                        header: self.header,
                    });
                }
            }
        }
        unreachable!("the chained iterators end only when both run out")
    }

    /// The next row, its field count checked; `None` at the end of the file (or after a read
    /// error, which is returned once).
    pub(super) fn next_row(&mut self) -> Option<Result<Row<'_>, RecordError>> {
        if self.failed {
            return None;
        }
        match self.csv.read_byte_record(&mut self.record) {
            Ok(true) => {}
            Ok(false) => return None,
            Err(e) => {
                self.failed = true;
                return Some(Err(RecordError::Read(e)));
            }
        }
        let line = self.record.position().map_or(0, |p| p.line());
        if self.record.len() != self.columns.len() {
            return Some(Err(RecordError::FieldCount {
                line,
                found: self.record.len(),
                expected: self.columns.len(),
                header: self.header,
            }));
        }
        Some(Ok(Row {
            record: &self.record,
            columns: self.columns,
            line,
            origin_ms: self.origin_ms,
            origin: self.origin,
            next: 0,
        }))
    }
}

/// One row, parsed field by field in column order: each getter takes the next field.
pub(super) struct Row<'a> {
    record: &'a ByteRecord,
    columns: &'static [&'static str],
    line: u64,
    origin_ms: i64,
    origin: Timestamp,
    next: usize,
}

impl<'a> Row<'a> {
    /// The next field's column index and bytes.
    fn take(&mut self) -> (usize, &'a [u8]) {
        let column = self.next;
        self.next += 1;
        // Rows are checked to have one field per column, and getters are called once per column.
        (column, self.record.get(column).expect("one getter call per column"))
    }

    /// The error for the field in `column`, which must be `expected`.
    pub(super) fn error(&self, column: usize, expected: impl Into<String>) -> RecordError {
        let found = self.record.get(column).unwrap_or_default();
        RecordError::Field {
            line: self.line,
            column: self.columns[column],
            found: String::from_utf8_lossy(found).into_owned(),
            expected: expected.into(),
        }
    }

    /// The index of the next field's column, to refer back to it in a later error.
    pub(super) fn position(&self) -> usize {
        self.next
    }

    /// The next field as `parse` reads it, or the error saying it must be `expected`.
    fn parse<T>(
        &mut self,
        parse: impl FnOnce(&[u8]) -> Option<T>,
        expected: impl FnOnce() -> String,
    ) -> Result<T, RecordError> {
        let (column, bytes) = self.take();
        parse(bytes).ok_or_else(|| self.error(column, expected()))
    }

    /// Like [`Row::parse`], an empty field being `None`.
    fn optional<T>(
        &mut self,
        parse: impl FnOnce(&[u8]) -> Option<T>,
        expected: impl FnOnce() -> String,
    ) -> Result<Option<T>, RecordError> {
        self.parse(
            |bytes| {
                if bytes.is_empty() { Some(None) } else { parse(bytes).map(Some) }
            },
            || format!("{}, or empty", expected()),
        )
    }

    /// Free text: any UTF-8.
    pub(super) fn text(&mut self) -> Result<CompactString, RecordError> {
        self.parse(|b| std::str::from_utf8(b).ok().map(CompactString::new), || "UTF-8 text".into())
    }

    /// A whole number.
    pub(super) fn number<T: Bounded>(&mut self) -> Result<T, RecordError> {
        self.parse(T::parse, T::expected)
    }

    /// A whole number, or nothing.
    pub(super) fn opt_number<T: Bounded>(&mut self) -> Result<Option<T>, RecordError> {
        self.optional(T::parse, T::expected)
    }

    /// One of a closed set of labels.
    pub(super) fn label<L: Label>(&mut self) -> Result<L, RecordError> {
        self.parse(L::parse_bytes, L::expected)
    }

    /// One of a closed set of labels, or nothing.
    pub(super) fn opt_label<L: Label>(&mut self) -> Result<Option<L>, RecordError> {
        self.optional(L::parse_bytes, L::expected)
    }

    /// A time.
    pub(super) fn time(&mut self) -> Result<Time, RecordError> {
        let column = self.next;
        let ms = self.parse(timestamp::parse, || timestamp::EXPECTED.into())?;
        self.since_origin(column, ms)
    }

    /// A time, or nothing.
    pub(super) fn opt_time(&mut self) -> Result<Option<Time>, RecordError> {
        let column = self.next;
        let ms = self.optional(timestamp::parse, || timestamp::EXPECTED.into())?;
        ms.map(|ms| self.since_origin(column, ms)).transpose()
    }

    /// Milliseconds since 1970, read from `column`, as a [`Time`] since the origin.
    fn since_origin(&self, column: usize, ms: i64) -> Result<Time, RecordError> {
        u64::try_from(ms - self.origin_ms)
            .map(Time::from_ms)
            .map_err(|_| self.error(column, format!("a time at or after the origin {}", self.origin)))
    }
}

/// An unsigned integer type a field can hold: plain ASCII digits, no sign, within range.
pub(super) trait Bounded: Sized {
    /// The value of `digits`, or `None` if they are not digits or out of range.
    fn parse(digits: &[u8]) -> Option<Self>;
    /// What the field must hold.
    fn expected() -> String;
}

macro_rules! bounded {
    ($($t:ty),+) => {$(
        impl Bounded for $t {
            fn parse(digits: &[u8]) -> Option<Self> {
                if digits.is_empty() {
                    return None;
                }
                digits.iter().try_fold(0 as $t, |n, &b| {
                    let digit = b.checked_sub(b'0').filter(|d| *d <= 9)?;
                    n.checked_mul(10)?.checked_add(<$t>::from(digit))
                })
            }
            fn expected() -> String {
                format!("a whole number from 0 to {}", <$t>::MAX)
            }
        }
    )+};
}

bounded!(u16, u32, u64);

/// A closed set of labels with CSV spellings (the enums of [`crate::record`]).
pub(super) trait Label: Copy + 'static {
    /// Every value.
    const ALL: &'static [Self];
    /// The CSV spelling.
    fn as_str(self) -> &'static str;
    /// The value spelt `text`.
    fn parse(text: &str) -> Option<Self>;

    /// The value spelt `bytes`.
    fn parse_bytes(bytes: &[u8]) -> Option<Self> {
        std::str::from_utf8(bytes).ok().and_then(Self::parse)
    }

    /// What the field must hold: `one of a, b, c`.
    fn expected() -> String {
        let names: Vec<&str> = Self::ALL.iter().map(|l| l.as_str()).collect();
        format!("one of {}", names.join(", "))
    }
}

macro_rules! label {
    ($($name:ident),+) => {$(
        impl Label for $name {
            const ALL: &'static [Self] = $name::ALL;
            fn as_str(self) -> &'static str {
                $name::as_str(self)
            }
            fn parse(text: &str) -> Option<Self> {
                $name::parse(text)
            }
        }
    )+};
}

label!(AgentState, AmdVerdict, Direction, HangupBy, Outcome, Party);
