//! Where a run's records come from: a dialkit run directory, a dialkit `cdr.csv`, or another
//! system's records ([`crate::import`]: Asterisk's `Master.csv`, a generic CSV with a column
//! mapping). [`load`] reads any of them into one [`Records`] value, so `dialer report`, `compare`
//! and `fit` measure every source with the same code.
//!
//! Rows that cannot be read are never dropped silently: each becomes a [`RowProblem`] naming its
//! file and line, and the caller shows them (or refuses to go on, with `--strict`). Only what makes
//! the whole file unreadable (it cannot be opened, its header is wrong, the CSV is malformed) is an
//! error.

use crate::import::{self, Mapping};
use crate::timeseries::TimeSeries;
use crate::{AgentInterval, AgentReader, Cdr, CdrReader, Metrics, MetricsBuilder, RecordError, Time};
use jiff::Timestamp;
use jiff::tz::TimeZone;
use std::fs::File;
use std::path::{Path, PathBuf};

const HOUR_MS: i64 = 3_600_000;

/// The kind of file [`load`] reads.
#[derive(Clone, Debug)]
pub enum Format {
    /// dialkit's own `cdr.csv` and `agents.csv` (DESIGN.md, "Output of a run"). Days and hours are
    /// UTC.
    Dialkit,
    /// Asterisk cdr_csv's `Master.csv`: default columns, no header, local times in `tz`.
    Asterisk {
        /// The zone the PBX wrote its times in (an IANA name, e.g. `Europe/London`).
        tz: TimeZone,
    },
    /// A CSV with a header row whose columns `mapping` names.
    Generic {
        /// Which column holds which field, and how outcomes are spelt.
        mapping: Mapping,
        /// The zone of times written without an offset; `None` if every time has one.
        tz: Option<TimeZone>,
    },
}

impl Format {
    /// The zone the report's hours and days are counted in: the source's own, UTC for dialkit
    /// files.
    pub fn zone(&self) -> TimeZone {
        match self {
            Format::Dialkit | Format::Generic { tz: None, .. } => TimeZone::UTC,
            Format::Asterisk { tz } | Format::Generic { tz: Some(tz), .. } => tz.clone(),
        }
    }
}

/// One row that was not read, and why: shown to the user, never dropped silently.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct RowProblem {
    /// The file.
    pub file: PathBuf,
    /// The 1-based line the row starts on.
    pub line: u64,
    /// What is wrong with it and, where it helps, the fix.
    pub reason: String,
}

impl std::fmt::Display for RowProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: line {}: {}", self.file.display(), self.line, self.reason)
    }
}

/// A run's records, whatever their source, with times counted from `origin`.
#[derive(Clone, Debug)]
pub struct Records {
    /// What to call the source in titles: the run directory's or the file's name.
    pub label: String,
    /// Call attempts, in file order.
    pub cdrs: Vec<Cdr>,
    /// Agent intervals, in file order; empty without an agent log.
    pub agents: Vec<AgentInterval>,
    /// The agent log read, if any: without one, agent figures are absent.
    pub agent_log: Option<PathBuf>,
    /// The wall-clock instant of [`Time::ZERO`]: the earliest record, rounded down to a whole UTC
    /// hour, so that hourly figures fall on the clock's hours.
    pub origin: Timestamp,
    /// The zone hours and calendar days are counted in ([`Format::zone`]).
    pub tz: TimeZone,
    /// Rows not read, with their lines.
    pub problems: Vec<RowProblem>,
    /// What the reader assumed that the user should know (DST folds resolved, and the like).
    pub notes: Vec<String>,
}

impl Records {
    /// The figures of `metrics.json`, from these records alone (`perf` at zero).
    pub fn metrics(&self) -> Metrics {
        let mut builder = MetricsBuilder::new().with_origin(self.origin);
        for cdr in &self.cdrs {
            builder.add_cdr(cdr);
        }
        for interval in &self.agents {
            builder.add_interval(interval);
        }
        builder.finish()
    }

    /// The records over time, in bins sized for plots ([`TimeSeries::new`]) from the origin to the
    /// last record; the series' `wall_start` is the origin.
    pub fn time_series(&self) -> TimeSeries {
        let last = self.cdrs.iter().map(|c| c.end_time).chain(self.agents.iter().map(|i| i.end)).max();
        let mut series = TimeSeries::new(Time::ZERO, last.unwrap_or(Time::ZERO));
        series.wall_start = Some(self.origin);
        for cdr in &self.cdrs {
            series.add_cdr(cdr);
        }
        for interval in &self.agents {
            series.add_interval(interval);
        }
        series
    }

    /// The wall-clock instant of `t`.
    pub fn wall(&self, t: Time) -> Timestamp {
        let ms = self.origin.as_millisecond().saturating_add(i64::try_from(t.as_ms()).unwrap_or(i64::MAX));
        Timestamp::from_millisecond(ms).unwrap_or(Timestamp::MAX)
    }
}

/// Why a source could not be read at all.
#[derive(Debug, thiserror::Error)]
pub enum SourceError {
    /// A dialkit record file: it cannot be opened, or its header or CSV is broken.
    #[error(transparent)]
    Record(#[from] RecordError),
    /// A directory without `cdr.csv`.
    #[error("{}: no cdr.csv in this directory (fix: give a run directory written by `dialer simulate --out` or `dialer run`, or the CDR file itself)", dir.display())]
    NoCdr {
        /// The directory.
        dir: PathBuf,
    },
    /// An imported file cannot be opened or read as CSV.
    #[error("{}: {message}", path.display())]
    Import {
        /// The file.
        path: PathBuf,
        /// What went wrong, and the fix.
        message: String,
    },
    /// Every row had a problem: nothing to measure.
    #[error("{}: no row could be read ({} problem(s); the first: {first})", path.display(), count)]
    NothingRead {
        /// The file.
        path: PathBuf,
        /// How many rows failed.
        count: usize,
        /// The first problem.
        first: RowProblem,
    },
    /// The file holds no call at all (empty, or a header only): nothing to measure.
    #[error("{}: no call records in it (an empty file, or a header only): nothing to measure", path.display())]
    Empty {
        /// The file.
        path: PathBuf,
    },
}

/// Reads a run's records. `path` is a run directory (its `cdr.csv`, and its `agents.csv` if there
/// is one) or a CDR file in `format`; `agents` is an agent log in dialkit's `agents.csv` form,
/// which replaces the directory's own.
///
/// Rows that cannot be read become [`Records::problems`]; a file that cannot be read at all, or
/// whose rows all fail, is an error.
pub fn load(path: &Path, agents: Option<&Path>, format: &Format) -> Result<Records, SourceError> {
    let (cdr_path, agent_path) = if path.is_dir() {
        let cdr = path.join("cdr.csv");
        if !cdr.is_file() {
            return Err(SourceError::NoCdr { dir: path.to_owned() });
        }
        let own = path.join("agents.csv");
        (cdr, agents.map(Path::to_owned).or_else(|| own.is_file().then_some(own)))
    } else {
        (path.to_owned(), agents.map(Path::to_owned))
    };
    let mut read = match format {
        Format::Dialkit => read_dialkit_cdrs(&cdr_path)?,
        Format::Asterisk { tz } => import::asterisk::read(&cdr_path, tz)?,
        Format::Generic { mapping, tz } => import::generic::read(&cdr_path, mapping, tz.as_ref())?,
    };
    if read.cdrs.is_empty() {
        return Err(match read.problems.first() {
            Some(first) => {
                SourceError::NothingRead { path: cdr_path, count: read.problems.len(), first: first.clone() }
            }
            None => SourceError::Empty { path: cdr_path },
        });
    }
    let mut agents_read = Vec::new();
    if let Some(agent_path) = &agent_path {
        agents_read = read_dialkit_agents(agent_path, &mut read.problems)?;
    } else {
        read.notes.push(
            "no agent log (agents.csv, or --agents FILE): agent figures (occupancy, idle time, handle time) are absent"
                .to_owned(),
        );
    }
    let label = path.file_name().map_or_else(|| path.display().to_string(), |n| n.to_string_lossy().into_owned());
    Ok(rebase(label, read, agents_read, agent_path, format.zone()))
}

/// Records as read, their times counted from [`Timestamp::MIN`]: every instant a timestamp can
/// name is at or after it.
#[derive(Debug, Default)]
pub(crate) struct Read {
    pub(crate) cdrs: Vec<Cdr>,
    pub(crate) problems: Vec<RowProblem>,
    pub(crate) notes: Vec<String>,
}

/// A wall-clock instant as a [`Time`] counted from [`Timestamp::MIN`].
pub(crate) fn since_min(ts: Timestamp) -> Time {
    // Every timestamp is at or after MIN, and the span (20 000 years) fits in u64 milliseconds.
    Time::from_ms((ts.as_millisecond() - Timestamp::MIN.as_millisecond()) as u64)
}

/// A dialkit reader error as a problem with one row, or `None` if it is about the whole file.
fn row_problem(file: &Path, e: RecordError) -> Result<RowProblem, RecordError> {
    let (line, reason) = match e {
        RecordError::FieldCount { line, found, expected, header } => {
            (line, format!("found {found} fields, expected {expected} ({header})"))
        }
        RecordError::Field { line, column, found, expected } => {
            (line, format!("column {column}: {found:?} is not {expected}"))
        }
        other => return Err(other.in_file(file)),
    };
    Ok(RowProblem { file: file.to_owned(), line, reason })
}

fn open(path: &Path) -> Result<File, RecordError> {
    File::open(path).map_err(|source| RecordError::Open { path: path.into(), source })
}

fn read_dialkit_cdrs(path: &Path) -> Result<Read, SourceError> {
    let mut read = Read::default();
    let reader = CdrReader::new(open(path)?, Timestamp::MIN).map_err(|e| e.in_file(path))?;
    for row in reader {
        match row {
            Ok(cdr) => read.cdrs.push(cdr),
            Err(e) => read.problems.push(row_problem(path, e)?),
        }
    }
    Ok(read)
}

fn read_dialkit_agents(path: &Path, problems: &mut Vec<RowProblem>) -> Result<Vec<AgentInterval>, SourceError> {
    let mut intervals = Vec::new();
    let reader = AgentReader::new(open(path)?, Timestamp::MIN).map_err(|e| e.in_file(path))?;
    for row in reader {
        match row {
            Ok(interval) => intervals.push(interval),
            Err(e) => problems.push(row_problem(path, e)?),
        }
    }
    Ok(intervals)
}

/// Moves the origin from [`Timestamp::MIN`] to the earliest record, rounded down to an hour.
fn rebase(
    label: String,
    read: Read,
    mut agents: Vec<AgentInterval>,
    agent_log: Option<PathBuf>,
    tz: TimeZone,
) -> Records {
    let Read { mut cdrs, problems, notes } = read;
    let first = cdrs.iter().map(|c| c.dial_time).chain(agents.iter().map(|i| i.start)).min().unwrap_or(Time::ZERO);
    let first_ms = Timestamp::MIN.as_millisecond() + first.as_ms() as i64;
    let origin_ms = first_ms - first_ms.rem_euclid(HOUR_MS);
    let shift = (origin_ms - Timestamp::MIN.as_millisecond()) as u64;
    let at = |t: Time| Time::from_ms(t.as_ms() - shift);
    for cdr in &mut cdrs {
        cdr.dial_time = at(cdr.dial_time);
        cdr.answer_time = cdr.answer_time.map(at);
        cdr.connect_time = cdr.connect_time.map(at);
        cdr.end_time = at(cdr.end_time);
    }
    for interval in &mut agents {
        interval.start = at(interval.start);
        interval.end = at(interval.end);
    }
    // origin_ms is an hour within the range of the records' own timestamps.
    let origin = Timestamp::from_millisecond(origin_ms).unwrap_or(Timestamp::MIN);
    Records { label, cdrs, agents, agent_log, origin, tz, problems, notes }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_records::{agent_intervals, outbound_calls};
    use crate::{AgentWriter, CdrWriter};

    fn write_run(dir: &Path) -> Metrics {
        let start: Timestamp = "2026-01-05T09:10:30Z".parse().expect("valid");
        let mut builder = MetricsBuilder::new().with_origin(start);
        let mut cdrs = CdrWriter::new(File::create(dir.join("cdr.csv")).expect("temp"), start).expect("header");
        for cdr in outbound_calls() {
            cdrs.write(&cdr).expect("write");
            builder.add_cdr(&cdr);
        }
        cdrs.finish().expect("flush");
        let mut agents = AgentWriter::new(File::create(dir.join("agents.csv")).expect("temp"), start).expect("header");
        for interval in agent_intervals() {
            agents.write(&interval).expect("write");
            builder.add_interval(&interval);
        }
        agents.finish().expect("flush");
        builder.finish()
    }

    #[test]
    fn a_run_directory_gives_its_metrics_and_an_hour_origin() {
        let dir = tempfile::tempdir().expect("temp dir");
        let expected = write_run(dir.path());
        let records = load(dir.path(), None, &Format::Dialkit).expect("valid run");
        assert_eq!(records.metrics(), expected);
        assert_eq!(records.origin, "2026-01-05T09:00:00Z".parse::<Timestamp>().expect("valid"));
        assert!(records.agent_log.is_some() && records.problems.is_empty() && records.notes.is_empty());
        // The first record (dialled at 0 ms of a run starting at 09:10:30) is 630 s after the origin.
        assert_eq!(records.cdrs.iter().map(|c| c.dial_time).min(), Some(Time::from_secs(630)));
    }

    #[test]
    fn bad_rows_are_problems_with_their_lines_and_a_missing_log_is_a_note() {
        let dir = tempfile::tempdir().expect("temp dir");
        write_run(dir.path());
        let cdr = dir.path().join("cdr.csv");
        let text = std::fs::read_to_string(&cdr).expect("written");
        let mut lines: Vec<&str> = text.lines().collect();
        lines[3] = "1,2,3";
        std::fs::write(&cdr, lines.join("\n") + "\n").expect("temp");
        std::fs::remove_file(dir.path().join("agents.csv")).expect("written");
        let records = load(&cdr, None, &Format::Dialkit).expect("readable");
        assert_eq!(records.problems.len(), 1);
        assert_eq!(records.problems[0].line, 4);
        assert!(records.problems[0].reason.starts_with("found 3 fields, expected 23"), "{}", records.problems[0]);
        assert_eq!(records.cdrs.len(), outbound_calls().len() - 1);
        assert!(records.agent_log.is_none() && records.agents.is_empty());
        assert!(records.notes[0].contains("no agent log"), "{:?}", records.notes);
    }

    #[test]
    fn a_directory_without_cdrs_and_a_broken_header_are_errors() {
        let dir = tempfile::tempdir().expect("temp dir");
        let e = load(dir.path(), None, &Format::Dialkit).expect_err("empty dir").to_string();
        assert!(e.contains("no cdr.csv in this directory"), "{e}");
        let cdr = dir.path().join("x.csv");
        std::fs::write(&cdr, "a,b\n1,2\n").expect("temp");
        let e = load(&cdr, None, &Format::Dialkit).expect_err("bad header").to_string();
        assert!(e.starts_with(&format!("{}: line 1, column 1", cdr.display())), "{e}");
    }
}
