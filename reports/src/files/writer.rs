//! Writing one record file: the header, then rows written field by field from stack buffers, so a
//! row costs no allocation.

use super::{WriteError, timestamp};
use crate::Time;
use jiff::Timestamp;
use std::io::Write;

/// A CSV file with a fixed header, written a field at a time.
pub(super) struct TableWriter<W: Write> {
    csv: csv::Writer<W>,
    start_ms: i64,
    start: Timestamp,
}

impl<W: Write> TableWriter<W> {
    /// Writes the header; times will be written as `start` plus their offset.
    pub(super) fn new(w: W, columns: &[&str], start: Timestamp) -> Result<Self, WriteError> {
        let mut csv = csv::WriterBuilder::new().buffer_capacity(64 * 1024).from_writer(w);
        csv.write_record(columns)?;
        Ok(TableWriter { csv, start_ms: timestamp::epoch_ms(start), start })
    }

    /// Free text, quoted where CSV needs it.
    pub(super) fn text(&mut self, text: &str) -> Result<(), WriteError> {
        Ok(self.csv.write_field(text)?)
    }

    /// A whole number.
    pub(super) fn number(&mut self, n: impl Into<u64>) -> Result<(), WriteError> {
        let mut buf = [0u8; 20];
        let mut at = buf.len();
        let mut n: u64 = n.into();
        loop {
            at -= 1;
            buf[at] = b'0' + (n % 10) as u8;
            n /= 10;
            if n == 0 {
                break;
            }
        }
        Ok(self.csv.write_field(&buf[at..])?)
    }

    /// A whole number, or an empty field.
    pub(super) fn opt_number(&mut self, n: Option<impl Into<u64>>) -> Result<(), WriteError> {
        match n {
            Some(n) => self.number(n),
            None => self.text(""),
        }
    }

    /// A label's CSV spelling, or an empty field.
    pub(super) fn opt_label(&mut self, label: Option<&'static str>) -> Result<(), WriteError> {
        self.text(label.unwrap_or(""))
    }

    /// A time as the text of an RFC 3339 UTC timestamp, ready for [`TableWriter::stamp`]. Called
    /// for every time of a row before its first field is written, so that a time out of range
    /// leaves no half-written row. `record` names the row for the error (`call 17`).
    pub(super) fn format_time(
        &self,
        time: Time,
        column: &'static str,
        record: impl FnOnce() -> String,
    ) -> Result<[u8; timestamp::LEN], WriteError> {
        i64::try_from(time.as_ms())
            .ok()
            .and_then(|offset| self.start_ms.checked_add(offset))
            .and_then(timestamp::format)
            .ok_or_else(|| WriteError::TimeOutOfRange {
                record: record(),
                column,
                offset_ms: time.as_ms(),
                start: self.start,
            })
    }

    /// A time formatted by [`TableWriter::format_time`], or an empty field.
    pub(super) fn stamp(&mut self, text: Option<&[u8; timestamp::LEN]>) -> Result<(), WriteError> {
        Ok(self.csv.write_field(text.map_or(&[][..], |t| &t[..]))?)
    }

    /// Ends the row.
    pub(super) fn end_row(&mut self) -> Result<(), WriteError> {
        Ok(self.csv.write_record(None::<&[u8]>)?)
    }

    /// Flushes and hands back the writer.
    pub(super) fn finish(self) -> Result<W, WriteError> {
        self.csv.into_inner().map_err(|e| WriteError::Io(e.into_error()))
    }
}
