//! The journal's CDRs as the project's standard `cdr.csv`, so the live campaign is measured,
//! plotted and compared by the same `reports` code as a simulated one.

use super::{CorruptError, ExportError, Store, sqlite};
use compact_str::CompactString;
use jiff::Timestamp;
use reports::{AmdVerdict, Cdr, CdrWriter, Direction, HangupBy, Outcome, Party, Time};
use rusqlite::Row;
use std::io::Write;
use std::path::Path;

/// One finished attempt's columns, as stored.
struct Stored {
    call_id: u64,
    lead_id: u64,
    attempt: u32,
    campaign: String,
    direction: String,
    caller: String,
    callee: String,
    dial: i64,
    answer: Option<i64>,
    connect: Option<i64>,
    end: i64,
    outcome: String,
    disposition: String,
    answered_by: Option<String>,
    amd: Option<String>,
    agent: Option<u32>,
    hangup_by: Option<String>,
    sip_code: Option<u16>,
    call_type: String,
    recording: String,
}

impl Stored {
    fn read(row: &Row<'_>) -> rusqlite::Result<Stored> {
        Ok(Stored {
            call_id: row.get(0)?,
            lead_id: row.get(1)?,
            attempt: row.get(2)?,
            campaign: row.get::<_, Option<String>>(3)?.unwrap_or_default(),
            direction: row.get::<_, Option<String>>(4)?.unwrap_or_default(),
            caller: row.get::<_, Option<String>>(5)?.unwrap_or_default(),
            callee: row.get::<_, Option<String>>(6)?.unwrap_or_default(),
            dial: row.get::<_, Option<i64>>(7)?.unwrap_or_default(),
            answer: row.get(8)?,
            connect: row.get(9)?,
            end: row.get::<_, Option<i64>>(10)?.unwrap_or_default(),
            outcome: row.get::<_, Option<String>>(11)?.unwrap_or_default(),
            disposition: row.get::<_, Option<String>>(12)?.unwrap_or_default(),
            answered_by: row.get(13)?,
            amd: row.get(14)?,
            agent: row.get(15)?,
            hangup_by: row.get(16)?,
            sip_code: row.get(17)?,
            call_type: row.get::<_, Option<String>>(18)?.unwrap_or_default(),
            recording: row.get::<_, Option<String>>(19)?.unwrap_or_default(),
        })
    }

    /// The CDR, its times as offsets from `start_ms`.
    fn cdr(self, path: &Path, start_ms: i64) -> Result<Cdr, CorruptError> {
        let call = self.call_id;
        let bad = |column: &str, value: &str| CorruptError {
            path: path.to_path_buf(),
            what: format!("call {call}: {column} {value:?} cannot be read"),
        };
        let time = |column: &str, at: i64| {
            at.checked_sub(start_ms)
                .and_then(|d| u64::try_from(d).ok())
                .map(Time::from_ms)
                .ok_or_else(|| bad(column, &at.to_string()))
        };
        fn label<T>(parse: fn(&str) -> Option<T>, text: Option<&str>) -> Result<Option<T>, String> {
            match text {
                None | Some("") => Ok(None),
                Some(t) => parse(t).map(Some).ok_or_else(|| t.to_owned()),
            }
        }
        Ok(Cdr {
            call_id: call,
            campaign: CompactString::from(self.campaign),
            lead_id: Some(self.lead_id),
            attempt: self.attempt,
            direction: Direction::parse(&self.direction).ok_or_else(|| bad("direction", &self.direction))?,
            caller: CompactString::from(self.caller),
            callee: CompactString::from(self.callee),
            dial_time: time("dial_time", self.dial)?,
            answer_time: self.answer.map(|a| time("answer_time", a)).transpose()?,
            connect_time: self.connect.map(|c| time("connect_time", c)).transpose()?,
            end_time: time("end_time", self.end)?,
            outcome: Outcome::parse(&self.outcome).ok_or_else(|| bad("outcome", &self.outcome))?,
            disposition: CompactString::from(self.disposition),
            answered_by: label(Party::parse, self.answered_by.as_deref()).map_err(|v| bad("answered_by", &v))?,
            amd: label(AmdVerdict::parse, self.amd.as_deref()).map_err(|v| bad("amd", &v))?,
            agent: self.agent,
            hangup_by: label(HangupBy::parse, self.hangup_by.as_deref()).map_err(|v| bad("hangup_by", &v))?,
            sip_code: self.sip_code,
            call_type: CompactString::from(self.call_type),
            recording: CompactString::from(self.recording),
        })
    }
}

impl Store {
    /// Writes every finished attempt's CDR as `cdr.csv` (DESIGN.md, "Output of a run"), in order
    /// of dial time. The file's time origin is the first dial; times are written as UTC
    /// timestamps, so the origin only matters to readers that ask for one. Calls still in flight
    /// are not written (they have no CDR yet).
    pub fn export_cdrs<W: Write>(&self, w: W) -> Result<W, ExportError> {
        let err = sqlite(&self.path);
        let first: Option<i64> = self
            .conn
            .query_row("SELECT MIN(dial_at) FROM attempts WHERE state = 'done'", [], |row| row.get(0))
            .map_err(&err)?;
        let start_ms = first.unwrap_or(0);
        let start = Timestamp::from_millisecond(start_ms).map_err(|_| CorruptError {
            path: self.path.clone(),
            what: format!("dial time {start_ms} is not a time"),
        })?;
        let mut out = CdrWriter::new(w, start)?;
        let mut stmt = self
            .conn
            .prepare(
                "SELECT call_id, lead_id, attempt, campaign, direction, caller, callee, dial_at, answer_at,
                        connect_at, end_at, outcome, disposition, answered_by, amd, agent, hangup_by, sip_code,
                        call_type, recording
                 FROM attempts WHERE state = 'done' ORDER BY dial_at, call_id",
            )
            .map_err(&err)?;
        let rows = stmt.query_map([], Stored::read).map_err(&err)?;
        for row in rows {
            let cdr = row.map_err(&err)?.cdr(&self.path, start_ms)?;
            out.write(&cdr)?;
        }
        Ok(out.finish()?)
    }
}
