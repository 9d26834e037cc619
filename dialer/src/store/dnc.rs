//! The do-not-call list: numbers never to be called, from files (`dialer leads dnc FILE`) and
//! from agents (`dnc_request`). A number on it ends its leads at once.
//!
//! The file format: one number a line, written as in a lead list (normalised to E.164 with the
//! campaign's numbering); `#` starts a comment to the end of the line; blank lines are skipped.

use super::attempts::add_dnc_in;
use super::import::{RowNote, RowProblem};
use super::{DncError, SqliteError, Store, sqlite};
use crate::campaign::Numbering;
use jiff::Timestamp;
use std::io::BufRead;

/// What a do-not-call import did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DncReport {
    /// Numbers new to the list.
    pub added: u64,
    /// Numbers already on it (or twice in the file).
    pub already: u64,
    /// Lines that are not a number.
    pub malformed: u64,
    /// Leads ended `dnc` by this import.
    pub leads_ended: u64,
    /// Each malformed line.
    pub rows: Vec<RowNote>,
}

impl Store {
    /// Adds one E.164 number to the do-not-call list (`source` says where it came from) and ends
    /// every open lead with it that is not in flight, in one transaction. Returns whether the
    /// number was new to the list.
    pub fn add_dnc(&mut self, number: &str, source: &str, now: Timestamp) -> Result<bool, SqliteError> {
        let path = &self.path;
        let tx = self.conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate).map_err(sqlite(path))?;
        let added = add_dnc_in(&tx, path, number, source, now)?;
        tx.commit().map_err(sqlite(path))?;
        Ok(added)
    }

    /// Imports a do-not-call file in one transaction: on a read or store error nothing is added.
    /// `file` names it in messages and in each entry's `source`.
    pub fn import_dnc<R: BufRead>(
        &mut self,
        input: R,
        file: &str,
        numbering: &Numbering,
        now: Timestamp,
    ) -> Result<DncReport, DncError> {
        let path = &self.path;
        let err = sqlite(path);
        let mut report = DncReport::default();
        let tx = self.conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate).map_err(&err)?;
        let open = |tx: &rusqlite::Transaction<'_>| {
            tx.query_row("SELECT COUNT(*) FROM leads WHERE state = 'dnc'", [], |row| row.get::<_, u64>(0)).map_err(&err)
        };
        let dnc_before = open(&tx)?;
        for (i, line) in input.lines().enumerate() {
            let n = i as u64 + 1;
            let line = line.map_err(|source| DncError::Read { file: file.to_owned(), line: n, source })?;
            let text = line.split('#').next().unwrap_or("").trim();
            if text.is_empty() {
                continue;
            }
            match numbering.normalise(text) {
                Ok(number) => {
                    if add_dnc_in(&tx, path, &number, file, now)? {
                        report.added += 1;
                    } else {
                        report.already += 1;
                    }
                }
                Err(e) => {
                    report.malformed += 1;
                    report.rows.push(RowNote {
                        line: n,
                        value: text.to_owned(),
                        problem: RowProblem::Malformed,
                        reason: e.to_string(),
                    });
                }
            }
        }
        report.leads_ended = open(&tx)? - dnc_before;
        tx.commit().map_err(&err)?;
        Ok(report)
    }
}
