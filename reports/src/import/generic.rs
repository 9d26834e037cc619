//! Any dialer's or PBX's CSV export with a header row: a [`Mapping`] says which column holds which
//! of dialkit's CDR fields and how the export spells its outcomes (`dialer report calls.csv --from
//! generic --map dial_time=start,end_time=end,outcome=status --map-outcome ANSWER=connected`).
//!
//! Times are RFC 3339 with an offset (`2026-01-05T09:00:12Z`, `…+01:00`) or local
//! `YYYY-MM-DD HH:MM:SS[.fff]` (a `T` for the space also does) in the zone given with `--tz`.

use super::{LocalClock, agent_number};
use crate::source::{Read, RowProblem, SourceError, since_min};
use crate::{Cdr, Direction, Outcome, Party};
use csv::StringRecord;
use jiff::Timestamp;
use jiff::civil::DateTime;
use jiff::tz::TimeZone;
use std::path::Path;

/// A CDR field a column can be mapped to, named as in `cdr.csv`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Field {
    /// `call_id`: a whole number (default: the line number).
    CallId,
    /// `campaign` (default: `generic`).
    Campaign,
    /// `lead_id`: a whole number.
    LeadId,
    /// `direction`: outbound/inbound, out/in (default: outbound).
    Direction,
    /// `caller`.
    Caller,
    /// `callee`.
    Callee,
    /// `dial_time`, required.
    DialTime,
    /// `answer_time`.
    AnswerTime,
    /// `connect_time`.
    ConnectTime,
    /// `end_time`, required.
    EndTime,
    /// `outcome`, required.
    Outcome,
    /// `disposition`: the agent's wrap-up code.
    Disposition,
    /// `agent`: the first number in the text (`agent7` → 7).
    Agent,
}

/// Every field with its name.
const FIELDS: [(&str, Field); 13] = [
    ("call_id", Field::CallId),
    ("campaign", Field::Campaign),
    ("lead_id", Field::LeadId),
    ("direction", Field::Direction),
    ("caller", Field::Caller),
    ("callee", Field::Callee),
    ("dial_time", Field::DialTime),
    ("answer_time", Field::AnswerTime),
    ("connect_time", Field::ConnectTime),
    ("end_time", Field::EndTime),
    ("outcome", Field::Outcome),
    ("disposition", Field::Disposition),
    ("agent", Field::Agent),
];

const REQUIRED: [Field; 3] = [Field::DialTime, Field::EndTime, Field::Outcome];

impl Field {
    /// The field's name, as in `cdr.csv`.
    pub fn name(self) -> &'static str {
        // FIELDS lists every variant.
        FIELDS.iter().find(|(_, f)| *f == self).map(|(n, _)| *n).expect("every field is listed")
    }
}

/// Which column of an export holds which field, and how its outcomes are spelt.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Mapping {
    /// (field, the export's column name).
    columns: Vec<(Field, String)>,
    /// (the export's outcome text, dialkit's outcome); matched exactly, then ignoring case.
    outcomes: Vec<(String, Outcome)>,
}

/// What is wrong with a `--map` or `--map-outcome`.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum MappingError {
    /// An entry is not `NAME=VALUE`.
    #[error("{flag}: {entry:?} is not NAME=VALUE (example: {example})")]
    Syntax {
        /// `--map` or `--map-outcome`.
        flag: &'static str,
        /// The entry.
        entry: String,
        /// A valid example.
        example: &'static str,
    },
    /// A field name that is not a CDR field.
    #[error("--map: {0:?} is not a CDR field; the fields are {names}", names = field_names())]
    UnknownField(String),
    /// A field mapped twice.
    #[error("--map: {0} is mapped twice")]
    Twice(&'static str),
    /// A required field left out.
    #[error(
        "--map must name the columns of dial_time, end_time and outcome; missing: {0} (example: --map dial_time=start,end_time=end,outcome=status)"
    )]
    Missing(String),
    /// An outcome that is not dialkit's.
    #[error("--map-outcome: {found:?} is not one of {}", outcome_names())]
    UnknownOutcome {
        /// The text after `=`.
        found: String,
    },
}

fn field_names() -> String {
    FIELDS.iter().map(|(n, _)| *n).collect::<Vec<_>>().join(", ")
}

fn outcome_names() -> String {
    Outcome::ALL.iter().map(|o| o.as_str()).collect::<Vec<_>>().join(", ")
}

/// `a=b,c=d` entries of repeated flags, as pairs.
fn pairs<'a>(
    flag: &'static str,
    entries: &'a [String],
    example: &'static str,
) -> impl Iterator<Item = Result<(&'a str, &'a str), MappingError>> {
    entries.iter().flat_map(|e| e.split(',')).filter(|e| !e.trim().is_empty()).map(move |entry| {
        entry
            .split_once('=')
            .map(|(a, b)| (a.trim(), b.trim()))
            .filter(|(a, b)| !a.is_empty() && !b.is_empty())
            .ok_or_else(|| MappingError::Syntax { flag, entry: entry.to_owned(), example })
    })
}

impl Mapping {
    /// Builds a mapping from `--map FIELD=COLUMN[,…]` and `--map-outcome VALUE=OUTCOME[,…]`
    /// (each may be repeated).
    pub fn parse(map: &[String], outcomes: &[String]) -> Result<Mapping, MappingError> {
        let mut mapping = Mapping::default();
        for pair in pairs("--map", map, "--map dial_time=start") {
            let (name, column) = pair?;
            let field = FIELDS
                .iter()
                .find(|(n, _)| *n == name)
                .map(|(_, f)| *f)
                .ok_or_else(|| MappingError::UnknownField(name.to_owned()))?;
            if mapping.column(field).is_some() {
                return Err(MappingError::Twice(field.name()));
            }
            mapping.columns.push((field, column.to_owned()));
        }
        let missing: Vec<&str> = REQUIRED.iter().filter(|f| mapping.column(**f).is_none()).map(|f| f.name()).collect();
        if !missing.is_empty() {
            return Err(MappingError::Missing(missing.join(", ")));
        }
        for pair in pairs("--map-outcome", outcomes, "--map-outcome ANSWER=connected") {
            let (text, outcome) = pair?;
            let outcome =
                Outcome::parse(outcome).ok_or_else(|| MappingError::UnknownOutcome { found: outcome.to_owned() })?;
            mapping.outcomes.push((text.to_owned(), outcome));
        }
        Ok(mapping)
    }

    /// The export's column for `field`, if mapped.
    pub fn column(&self, field: Field) -> Option<&str> {
        self.columns.iter().find(|(f, _)| *f == field).map(|(_, c)| c.as_str())
    }

    /// dialkit's outcome for the export's `text`: a `--map-outcome` entry (exact, then ignoring
    /// case), else dialkit's own spelling ignoring case.
    pub fn outcome(&self, text: &str) -> Option<Outcome> {
        let text = text.trim();
        let exact = self.outcomes.iter().find(|(t, _)| t == text);
        let loose = || self.outcomes.iter().find(|(t, _)| t.eq_ignore_ascii_case(text));
        exact
            .or_else(loose)
            .map(|(_, o)| *o)
            .or_else(|| Outcome::ALL.iter().copied().find(|o| o.as_str().eq_ignore_ascii_case(text)))
    }
}

/// Reads `path`, a CSV with a header row, through `mapping`; naive times are local to `tz`.
pub(crate) fn read(path: &Path, mapping: &Mapping, tz: Option<&TimeZone>) -> Result<Read, SourceError> {
    let failed = |message: String| SourceError::Import { path: path.to_owned(), message };
    let file = std::fs::File::open(path).map_err(|e| failed(format!("cannot open: {e}")))?;
    let mut csv = csv::ReaderBuilder::new().flexible(true).from_reader(file);
    let header = csv.headers().map_err(|e| failed(format!("cannot read the header row: {e}")))?.clone();
    let name = |i: usize| header.get(i).unwrap_or_default().trim().trim_start_matches('\u{feff}');
    let mut columns = Vec::new();
    for (field, column) in &mapping.columns {
        let index = (0..header.len()).find(|&i| name(i) == column).ok_or_else(|| {
            let names: Vec<&str> = (0..header.len()).map(name).collect();
            failed(format!(
                "line 1: no column {column:?} (mapped to {} by --map); the header has {}",
                field.name(),
                names.join(", ")
            ))
        })?;
        columns.push((*field, index));
    }
    let utc = TimeZone::UTC;
    let mut clock = LocalClock::new(tz.unwrap_or(&utc));
    let row = RowReader { columns: &columns, mapping, has_tz: tz.is_some() };
    let mut read = Read::default();
    let mut record = StringRecord::new();
    let mut answered_at_dial = 0u64;
    loop {
        match csv.read_record(&mut record) {
            Ok(true) => {}
            Ok(false) => break,
            Err(e) => return Err(failed(format!("cannot read the file as CSV: {e}"))),
        }
        let line = record.position().map_or(0, |p| p.line());
        match row.parse(&record, line, &mut clock) {
            Ok((cdr, at_dial)) => {
                answered_at_dial += u64::from(at_dial);
                read.cdrs.push(cdr);
            }
            Err(reason) => read.problems.push(RowProblem { file: path.to_owned(), line, reason }),
        }
    }
    read.notes = clock.notes();
    if answered_at_dial > 0 {
        read.notes.push(format!(
            "no answer_time column: {answered_at_dial} answered call(s) are taken as answered when dialled (ring time 0, waits counted from the dial)"
        ));
    }
    Ok(read)
}

/// Parses rows through the mapped column indices.
struct RowReader<'a> {
    columns: &'a [(Field, usize)],
    mapping: &'a Mapping,
    has_tz: bool,
}

impl RowReader<'_> {
    /// One row as a [`Cdr`] and whether its answer time was taken from the dial time; or what is
    /// wrong with it.
    fn parse(&self, record: &StringRecord, line: u64, clock: &mut LocalClock<'_>) -> Result<(Cdr, bool), String> {
        let get = |field: Field| -> Option<&str> {
            let (_, i) = self.columns.iter().find(|(f, _)| *f == field)?;
            record.get(*i).map(str::trim).filter(|t| !t.is_empty())
        };
        let mut time = |field: Field| -> Result<Option<Timestamp>, String> {
            get(field).map(|text| self.time(field, text, clock)).transpose()
        };
        let dial = time(Field::DialTime)?.ok_or("dial_time is empty")?;
        let end = time(Field::EndTime)?.ok_or("end_time is empty")?;
        let answer = time(Field::AnswerTime)?;
        let connect = time(Field::ConnectTime)?;
        let text = get(Field::Outcome).unwrap_or_default();
        let outcome = self.mapping.outcome(text).ok_or_else(|| {
            format!(
                "outcome {text:?} is not one of {} (fix: map it, e.g. --map-outcome {}=connected)",
                outcome_names(),
                if text.is_empty() { "VALUE" } else { text }
            )
        })?;
        let live = matches!(outcome, Outcome::Connected | Outcome::Abandoned);
        let answer_mapped = self.mapping.column(Field::AnswerTime).is_some();
        let (answer, connect, at_dial) = match outcome {
            Outcome::Connected => {
                let answer = answer.or(connect).or((!answer_mapped).then_some(dial));
                let answer = answer.ok_or("a connected call needs answer_time or connect_time")?;
                (Some(answer), Some(connect.unwrap_or(answer)), !answer_mapped && connect.is_none())
            }
            Outcome::Abandoned | Outcome::Machine => {
                let at_dial = answer.is_none() && !answer_mapped && live;
                let answer = answer.or(at_dial.then_some(dial));
                if live && answer.is_none() {
                    return Err("an abandoned call needs answer_time".to_owned());
                }
                (answer, None, at_dial)
            }
            _ => (None, None, false),
        };
        let times =
            [("dial_time", Some(dial)), ("answer_time", answer), ("connect_time", connect), ("end_time", Some(end))];
        let mut previous: Option<(&str, Timestamp)> = None;
        for (name, t) in times {
            let Some(t) = t else { continue };
            if let Some((earlier, e)) = previous
                && t < e
            {
                return Err(format!("{name} is before {earlier}"));
            }
            previous = Some((name, t));
        }
        let number = |field: Field| -> Result<Option<u64>, String> {
            get(field)
                .map(|t| t.parse::<u64>().map_err(|_| format!("{}: {t:?} is not a whole number", field.name())))
                .transpose()
        };
        let direction = match get(Field::Direction).map(str::to_ascii_lowercase).as_deref() {
            None | Some("outbound" | "out") => Direction::Outbound,
            Some("inbound" | "in") => Direction::Inbound,
            Some(other) => return Err(format!("direction: {other:?} is not outbound, inbound, out or in")),
        };
        let agent = match get(Field::Agent) {
            None => None,
            Some(t) => Some(agent_number(t).ok_or_else(|| format!("agent: {t:?} holds no agent number"))?),
        };
        let text = |field: Field| get(field).unwrap_or_default().into();
        let cdr = Cdr {
            call_id: number(Field::CallId)?.unwrap_or(line),
            campaign: get(Field::Campaign).unwrap_or("generic").into(),
            lead_id: number(Field::LeadId)?,
            attempt: 1,
            direction,
            caller: text(Field::Caller),
            callee: text(Field::Callee),
            dial_time: since_min(dial),
            answer_time: answer.map(since_min),
            connect_time: connect.map(since_min),
            end_time: since_min(end),
            outcome,
            disposition: text(Field::Disposition),
            answered_by: match outcome {
                _ if live => Some(Party::Human),
                Outcome::Machine => Some(Party::Machine),
                _ => None,
            },
            amd: None,
            agent: if outcome == Outcome::Abandoned { None } else { agent },
            hangup_by: None,
            sip_code: None,
            call_type: "".into(),
            recording: "".into(),
        };
        Ok((cdr, at_dial))
    }

    /// A time field: RFC 3339 with an offset, or local with `--tz`.
    fn time(&self, field: Field, text: &str, clock: &mut LocalClock<'_>) -> Result<Timestamp, String> {
        if let Ok(ts) = text.parse::<Timestamp>() {
            return Ok(ts);
        }
        let expected = "a time like 2026-01-05T09:00:12Z (RFC 3339) or 2026-01-05 09:00:12 (with --tz)";
        let civil: DateTime = text.parse().map_err(|_| format!("{}: {text:?} is not {expected}", field.name()))?;
        if !self.has_tz {
            return Err(format!(
                "{}: {text:?} has no UTC offset (fix: give its zone with --tz, e.g. --tz Europe/London)",
                field.name()
            ));
        }
        Ok(clock.resolve(civil))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(items: &[&str]) -> Vec<String> {
        items.iter().map(|s| (*s).to_owned()).collect()
    }

    fn mapping() -> Mapping {
        Mapping::parse(
            &strings(&["dial_time=start,end_time=end", "answer_time=answered,outcome=status,agent=agent_id"]),
            &strings(&["ANSWER=connected,DROP=abandoned", "NOANSWER=no_answer", "AM=machine"]),
        )
        .expect("valid")
    }

    fn read_text(text: &str, mapping: &Mapping, tz: Option<&TimeZone>) -> Read {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("calls.csv");
        std::fs::write(&path, text).expect("temp");
        read(&path, mapping, tz).expect("readable")
    }

    #[test]
    fn mappings_parse_and_say_what_is_wrong() {
        let m = mapping();
        assert_eq!(m.column(Field::Outcome), Some("status"));
        assert_eq!(m.outcome("ANSWER"), Some(Outcome::Connected));
        assert_eq!(m.outcome("answer"), Some(Outcome::Connected), "case is ignored after an exact miss");
        assert_eq!(m.outcome("Busy"), Some(Outcome::Busy), "dialkit's own spellings need no mapping");
        assert_eq!(m.outcome("LOST"), None);
        let err =
            |map: &[&str], out: &[&str]| Mapping::parse(&strings(map), &strings(out)).expect_err("bad").to_string();
        assert!(err(&["dial_time=a"], &[]).contains("missing: end_time, outcome"));
        assert!(err(&["dial=a"], &[]).starts_with("--map: \"dial\" is not a CDR field"));
        assert!(err(&["dial_time"], &[]).starts_with("--map: \"dial_time\" is not NAME=VALUE"));
        assert!(err(&["dial_time=a,dial_time=b"], &[]).contains("dial_time is mapped twice"));
        let ok = ["dial_time=a,end_time=b,outcome=c"];
        assert!(err(&ok, &["X=won"]).starts_with("--map-outcome: \"won\" is not one of connected"));
    }

    #[test]
    fn rows_map_to_cdrs_and_bad_rows_keep_their_lines() {
        let text = "\
start,answered,end,status,agent_id
2026-01-05T09:00:00Z,2026-01-05T09:00:10Z,2026-01-05T09:03:10Z,ANSWER,agent3
2026-01-05T09:01:00Z,2026-01-05T09:01:08Z,2026-01-05T09:01:12Z,DROP,
2026-01-05T09:02:00Z,,2026-01-05T09:02:25Z,NOANSWER,
2026-01-05T09:03:00Z,2026-01-05T09:03:05Z,2026-01-05T09:03:07Z,AM,
2026-01-05T09:04:00Z,,2026-01-05T09:04:25Z,LOST,
2026-01-05T09:05:00Z,,2026-01-05T09:04:25Z,busy,
2026-01-05 09:06:00,,2026-01-05 09:06:25,busy,
";
        let read = read_text(text, &mapping(), None);
        use Outcome::*;
        let outcomes: Vec<Outcome> = read.cdrs.iter().map(|c| c.outcome).collect();
        assert_eq!(outcomes, [Connected, Abandoned, NoAnswer, Machine]);
        let first = &read.cdrs[0];
        assert_eq!((first.ring_ms(), first.wait_ms(), first.talk_ms()), (10_000, Some(0), Some(180_000)));
        assert_eq!(first.agent, Some(3));
        assert_eq!(read.cdrs[1].wait_ms(), Some(4_000));
        assert_eq!(read.cdrs[3].answered_by, Some(Party::Machine));
        let lines: Vec<u64> = read.problems.iter().map(|p| p.line).collect();
        assert_eq!(lines, [6, 7, 8]);
        assert!(read.problems[0].reason.contains("--map-outcome LOST=connected"), "{}", read.problems[0]);
        assert_eq!(read.problems[1].reason, "end_time is before dial_time");
        assert!(read.problems[2].reason.contains("fix: give its zone with --tz"), "{}", read.problems[2]);
    }

    #[test]
    fn local_times_use_the_zone_and_a_missing_column_is_an_error() {
        let m = Mapping::parse(&strings(&["dial_time=start,end_time=end,outcome=status"]), &[]).expect("valid");
        let tz = TimeZone::get("America/New_York").expect("the system has the time zone database");
        let read = read_text("start,end,status\n2026-07-01 09:00:00,2026-07-01 09:05:00,connected\n", &m, Some(&tz));
        let cdr = &read.cdrs[0];
        assert_eq!(cdr.dial_time, since_min("2026-07-01T13:00:00Z".parse().expect("valid")), "EDT is UTC−4");
        assert_eq!(cdr.ring_ms(), 0, "no answer column: answered at the dial");
        assert!(read.notes.iter().any(|n| n.contains("no answer_time column")), "{:?}", read.notes);

        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("calls.csv");
        std::fs::write(&path, "begin,end,status\n").expect("temp");
        let e = super::read(&path, &m, None).expect_err("no start column").to_string();
        assert!(
            e.contains("no column \"start\" (mapped to dial_time by --map); the header has begin, end, status"),
            "{e}"
        );
    }
}
