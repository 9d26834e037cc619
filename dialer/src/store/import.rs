//! Importing a lead list (CSV) into the store, all or nothing.
//!
//! The file has a header row naming its columns: `number` (required), and optionally `id` (or
//! `external_id`), `timezone` (an IANA name such as `Europe/London`; empty: the campaign's) and
//! `name`; other columns are ignored. Column names are matched without regard to case or
//! surrounding spaces. Each number is normalised to E.164 with the campaign's numbering; rows
//! whose number or time zone cannot be read, and numbers already seen (in the file or the store)
//! are left out and reported by line. Numbers on the do-not-call list are imported as `dnc`, so
//! they count and are never called.

use super::{ImportError, Store, ms, sqlite};
use crate::campaign::{Numbering, time_zone};
use jiff::Timestamp;
use rusqlite::{OptionalExtension, params};
use std::collections::HashMap;
use std::io::{Read, Write};

/// Why a row was left out or marked.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RowProblem {
    /// The number (or time zone) cannot be read; not imported.
    Malformed,
    /// The number was seen earlier in the file or is in the store already; not imported.
    Duplicate,
    /// The number is on the do-not-call list; imported as `dnc`, never called.
    OnDnc,
}

impl RowProblem {
    /// The spelling in the report file.
    pub const fn as_str(self) -> &'static str {
        match self {
            RowProblem::Malformed => "malformed",
            RowProblem::Duplicate => "duplicate",
            RowProblem::OnDnc => "dnc",
        }
    }
}

/// One row of an import that was left out or marked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RowNote {
    /// The line of the file (the header is line 1).
    pub line: u64,
    /// The number as written (or the time zone, for a bad one).
    pub value: String,
    /// What kind of problem.
    pub problem: RowProblem,
    /// Why, in words.
    pub reason: String,
}

/// What a lead import did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ImportReport {
    /// Leads added (those on the do-not-call list included).
    pub imported: u64,
    /// Rows left out as duplicates.
    pub duplicates: u64,
    /// Rows left out as malformed.
    pub malformed: u64,
    /// Leads added as `dnc` because their number is on the list.
    pub on_dnc: u64,
    /// Header columns that were not used.
    pub ignored_columns: Vec<String>,
    /// Each row left out or marked, in file order.
    pub rows: Vec<RowNote>,
}

impl ImportReport {
    /// Writes the per-row report as CSV: `line,value,problem,reason`.
    pub fn write_csv<W: Write>(&self, w: W) -> Result<W, csv::Error> {
        let mut out = csv::Writer::from_writer(w);
        out.write_record(["line", "value", "problem", "reason"])?;
        for row in &self.rows {
            out.write_record([row.line.to_string().as_str(), &row.value, row.problem.as_str(), &row.reason])?;
        }
        out.into_inner().map_err(|e| csv::Error::from(e.into_error()))
    }
}

/// Where the columns are.
struct Columns {
    number: usize,
    id: Option<usize>,
    timezone: Option<usize>,
    name: Option<usize>,
}

fn columns(header: &csv::ByteRecord, file: &str) -> Result<(Columns, Vec<String>), ImportError> {
    let mut found: HashMap<&'static str, usize> = HashMap::new();
    let mut ignored = Vec::new();
    for (i, raw) in header.iter().enumerate() {
        let text = String::from_utf8_lossy(raw);
        let name = text.trim_start_matches('\u{feff}').trim().to_ascii_lowercase();
        let known = match name.as_str() {
            "number" => "number",
            "id" | "external_id" => "id",
            "timezone" => "timezone",
            "name" => "name",
            _ => {
                ignored.push(text.into_owned());
                continue;
            }
        };
        if found.insert(known, i).is_some() {
            return Err(ImportError::DuplicateColumn { file: file.to_owned(), column: known.to_owned() });
        }
    }
    let Some(&number) = found.get("number") else {
        let header = header.iter().map(|f| String::from_utf8_lossy(f).into_owned()).collect::<Vec<_>>().join(",");
        return Err(ImportError::NoNumberColumn { file: file.to_owned(), header });
    };
    let cols = Columns {
        number,
        id: found.get("id").copied(),
        timezone: found.get("timezone").copied(),
        name: found.get("name").copied(),
    };
    Ok((cols, ignored))
}

impl Store {
    /// Imports a lead list in one transaction: on a read or store error nothing is committed.
    /// `file` names the input in messages and in each lead's `source` (`file:line`).
    /// `progress` is told the bytes read so far, now and then (for a progress bar).
    pub fn import_leads<R: Read>(
        &mut self,
        input: R,
        file: &str,
        numbering: &Numbering,
        now: Timestamp,
        progress: &mut dyn FnMut(u64),
    ) -> Result<ImportReport, ImportError> {
        let path = &self.path;
        let err = sqlite(path);
        let read_err = |line: Option<u64>| move |source| ImportError::Read { file: file.to_owned(), line, source };
        let mut reader = csv::ReaderBuilder::new().flexible(true).has_headers(true).from_reader(input);
        let header = reader.byte_headers().map_err(read_err(Some(1)))?.clone();
        let (cols, ignored_columns) = columns(&header, file)?;
        let mut report = ImportReport { ignored_columns, ..ImportReport::default() };

        let tx = self.conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate).map_err(&err)?;
        {
            let mut in_store = tx.prepare("SELECT EXISTS (SELECT 1 FROM leads WHERE number = ?1)").map_err(&err)?;
            let mut on_dnc = tx.prepare("SELECT EXISTS (SELECT 1 FROM dnc WHERE number = ?1)").map_err(&err)?;
            let mut insert = tx
                .prepare(
                    "INSERT INTO leads (number, external_id, name, timezone, state, next_attempt_at, imported_at, source)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6, ?7)",
                )
                .map_err(&err)?;
            let mut seen: HashMap<String, u64> = HashMap::new();
            let mut record = csv::ByteRecord::new();
            let mut last_line = 1;
            let mut rows = 0u64;
            loop {
                match reader.read_byte_record(&mut record) {
                    Ok(true) => {}
                    Ok(false) => break,
                    Err(e) => return Err(read_err(Some(last_line + 1))(e)),
                }
                let line = record.position().map_or(last_line + 1, |p| p.line());
                last_line = line;
                rows += 1;
                if rows.is_multiple_of(4096) {
                    progress(record.position().map_or(0, |p| p.byte()));
                }
                let field = |i: Option<usize>| -> Result<Option<&str>, String> {
                    match i.and_then(|i| record.get(i)) {
                        None => Ok(None),
                        Some(bytes) => std::str::from_utf8(bytes)
                            .map(|s| Some(s.trim()).filter(|s| !s.is_empty()))
                            .map_err(|_| "not UTF-8 text".to_owned()),
                    }
                };
                let mut note = |value: &str, problem, reason: String| {
                    report.rows.push(RowNote { line, value: value.to_owned(), problem, reason });
                };
                let raw_number = match field(Some(cols.number)) {
                    Ok(Some(n)) => n,
                    Ok(None) => {
                        report.malformed += 1;
                        note("", RowProblem::Malformed, "no number on this row".to_owned());
                        continue;
                    }
                    Err(why) => {
                        report.malformed += 1;
                        note("", RowProblem::Malformed, format!("the number is {why}"));
                        continue;
                    }
                };
                let number = match numbering.normalise(raw_number) {
                    Ok(n) => n,
                    Err(e) => {
                        report.malformed += 1;
                        note(raw_number, RowProblem::Malformed, e.to_string());
                        continue;
                    }
                };
                let (id, zone, name) = match (field(cols.id), field(cols.timezone), field(cols.name)) {
                    (Ok(id), Ok(zone), Ok(name)) => (id, zone, name),
                    _ => {
                        report.malformed += 1;
                        note(raw_number, RowProblem::Malformed, "a field is not UTF-8 text".to_owned());
                        continue;
                    }
                };
                if let Some(zone) = zone
                    && time_zone(zone).is_none()
                {
                    report.malformed += 1;
                    note(
                        zone,
                        RowProblem::Malformed,
                        format!("{zone:?} is not a known time zone (write an IANA name such as Europe/London)"),
                    );
                    continue;
                }
                if let Some(first) = seen.get(&number) {
                    report.duplicates += 1;
                    note(raw_number, RowProblem::Duplicate, format!("{number} is on line {first} already"));
                    continue;
                }
                seen.insert(number.clone(), line);
                if in_store.query_row([&number], |row| row.get::<_, bool>(0)).map_err(&err)? {
                    report.duplicates += 1;
                    note(raw_number, RowProblem::Duplicate, format!("{number} is in the store already"));
                    continue;
                }
                let dnc =
                    on_dnc.query_row([&number], |row| row.get::<_, bool>(0)).optional().map_err(&err)?.unwrap_or(false);
                if dnc {
                    report.on_dnc += 1;
                    note(
                        raw_number,
                        RowProblem::OnDnc,
                        format!("{number} is on the do-not-call list: imported as dnc, never called"),
                    );
                }
                let state = if dnc { "dnc" } else { "pending" };
                insert
                    .execute(params![number, id, name, zone, state, ms(now), format!("{file}:{line}")])
                    .map_err(&err)?;
                report.imported += 1;
            }
            progress(reader.position().byte());
        }
        tx.commit().map_err(&err)?;
        Ok(report)
    }
}
