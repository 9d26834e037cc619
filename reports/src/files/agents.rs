//! `agents.csv`: one row per stretch of an agent's time in one state (DESIGN.md, "Output of a run").

use super::reader::{Row, TableReader};
use super::writer::TableWriter;
use super::{RecordError, WriteError};
use crate::AgentInterval;
use jiff::Timestamp;
use std::io::{Read, Write};

/// The columns of `agents.csv`, in order: the header line other tools rely on.
pub const AGENT_COLUMNS: [&str; 4] = ["agent", "state", "start", "end"];

/// [`AGENT_COLUMNS`] as a line, for error messages.
const HEADER: &str = "agent,state,start,end";

/// Writes [`AgentInterval`]s as `agents.csv`, so that agents' time can be re-measured later.
///
/// Times are written as [`CdrWriter`](super::CdrWriter) writes them.
pub struct AgentWriter<W: Write> {
    table: TableWriter<W>,
}

impl<W: Write> AgentWriter<W> {
    /// Writes the header. `start` is the wall-clock time of the run's `t = 0`.
    pub fn new(w: W, start: Timestamp) -> Result<Self, WriteError> {
        Ok(AgentWriter { table: TableWriter::new(w, &AGENT_COLUMNS, start)? })
    }

    /// Writes one row. On an error nothing of the row has been written unless the writer failed.
    pub fn write(&mut self, interval: &AgentInterval) -> Result<(), WriteError> {
        let agent = || format!("agent {}", interval.agent);
        let t = &mut self.table;
        let start = t.format_time(interval.start, "start", agent)?;
        let end = t.format_time(interval.end, "end", agent)?;
        t.number(interval.agent)?;
        t.text(interval.state.as_str())?;
        t.stamp(Some(&start))?;
        t.stamp(Some(&end))?;
        t.end_row()
    }

    /// Flushes and hands back the underlying writer.
    pub fn finish(self) -> Result<W, WriteError> {
        self.table.finish()
    }
}

/// Reads `agents.csv` back into [`AgentInterval`]s, so that agent figures can be computed from
/// files alone.
///
/// Parsed as strictly as [`CdrReader`](super::CdrReader) parses `cdr.csv`; an interval must not
/// end before it starts. Iterating yields one `Result` per row; a bad row is an error and reading
/// goes on with the next, while a read error ends the iteration.
pub struct AgentReader<R: Read> {
    table: TableReader<R>,
}

impl<R: Read> AgentReader<R> {
    /// Reads and checks the header. Times are read as milliseconds since `origin`.
    pub fn new(r: R, origin: Timestamp) -> Result<Self, RecordError> {
        Ok(AgentReader { table: TableReader::new(r, &AGENT_COLUMNS, HEADER, origin)? })
    }
}

impl<R: Read> Iterator for AgentReader<R> {
    type Item = Result<AgentInterval, RecordError>;

    fn next(&mut self) -> Option<Self::Item> {
        Some(self.table.next_row()?.and_then(parse))
    }
}

fn parse(mut row: Row<'_>) -> Result<AgentInterval, RecordError> {
    let agent = row.number()?;
    let state = row.label()?;
    let start = row.time()?;
    let end_at = row.position();
    let end = row.time()?;
    if end < start {
        return Err(row.error(end_at, "a time at or after start"));
    }
    Ok(AgentInterval { agent, state, start, end })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_records::agent_intervals;
    use crate::{AgentState, Time};

    fn start() -> Timestamp {
        "2026-01-05T09:00:00.000Z".parse().expect("valid")
    }

    fn written(intervals: &[AgentInterval]) -> String {
        let mut w = AgentWriter::new(Vec::new(), start()).expect("vec");
        for interval in intervals {
            w.write(interval).expect("in range");
        }
        String::from_utf8(w.finish().expect("vec")).expect("UTF-8")
    }

    fn read(text: &str) -> Result<Vec<AgentInterval>, RecordError> {
        AgentReader::new(text.as_bytes(), start())?.collect()
    }

    #[test]
    fn round_trips_every_state() {
        let intervals = agent_intervals();
        for state in AgentState::ALL {
            assert!(intervals.iter().any(|i| i.state == *state), "{state} missing from the test set");
        }
        assert_eq!(read(&written(&intervals)).expect("valid"), intervals);
    }

    #[test]
    fn writes_the_contract_format() {
        let one =
            AgentInterval { agent: 7, state: AgentState::Wrap, start: Time::from_ms(1), end: Time::from_secs(3600) };
        assert_eq!(
            written(&[one]),
            "agent,state,start,end\n7,wrap,2026-01-05T09:00:00.001Z,2026-01-05T10:00:00.000Z\n"
        );
        assert_eq!(HEADER, AGENT_COLUMNS.join(","));
    }

    #[test]
    fn errors_name_line_and_column() {
        let text = written(&agent_intervals()[..3]).replacen(",talk,", ",lunch,", 1);
        assert_eq!(
            read(&text).expect_err("bad state").to_string(),
            "line 4, column state: \"lunch\" is not one of ready, reserved, preview, talk, wrap, machine, paused"
        );
        let text = "agent,state,begin,end\n";
        assert_eq!(
            read(text).expect_err("bad header").to_string(),
            "line 1, column 3: found \"begin\", expected \"start\"; the header must be agent,state,start,end"
        );
        let text = "agent,state,start,end\n1,ready,2026-01-05T09:00:10.000Z,2026-01-05T09:00:09.999Z\n";
        assert_eq!(
            read(text).expect_err("backwards").to_string(),
            "line 2, column end: \"2026-01-05T09:00:09.999Z\" is not a time at or after start"
        );
    }
}
