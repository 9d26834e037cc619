//! `cdr.csv`: one row per call attempt (DESIGN.md, "Output of a run").

use super::reader::{Row, TableReader};
use super::writer::TableWriter;
use super::{RecordError, WriteError};
use crate::{Cdr, Time};
use jiff::Timestamp;
use std::io::{Read, Write};

/// The columns of `cdr.csv`, in order: the header line other tools rely on.
pub const CDR_COLUMNS: [&str; 23] = [
    "call_id",
    "campaign",
    "lead_id",
    "attempt",
    "direction",
    "caller",
    "callee",
    "dial_time",
    "answer_time",
    "connect_time",
    "end_time",
    "outcome",
    "disposition",
    "answered_by",
    "amd",
    "agent",
    "ring_ms",
    "wait_ms",
    "talk_ms",
    "hangup_by",
    "sip_code",
    "call_type",
    "recording",
];

/// [`CDR_COLUMNS`] as a line, for error messages.
const HEADER: &str = "call_id,campaign,lead_id,attempt,direction,caller,callee,dial_time,answer_time,\
connect_time,end_time,outcome,disposition,answered_by,amd,agent,ring_ms,wait_ms,talk_ms,hangup_by,\
sip_code,call_type,recording";

/// Writes [`Cdr`]s as `cdr.csv`, so that runs can be kept, compared and re-measured later.
///
/// Times become RFC 3339 UTC timestamps with milliseconds (`start` plus the record's offset;
/// a `start` finer than a millisecond is rounded down to one); `None` becomes an empty field;
/// `ring_ms`, `wait_ms` and `talk_ms` are derived from the times.
pub struct CdrWriter<W: Write> {
    table: TableWriter<W>,
}

impl<W: Write> CdrWriter<W> {
    /// Writes the header. `start` is the wall-clock time of the run's `t = 0`.
    pub fn new(w: W, start: Timestamp) -> Result<Self, WriteError> {
        Ok(CdrWriter { table: TableWriter::new(w, &CDR_COLUMNS, start)? })
    }

    /// Writes one row. On an error nothing of the row has been written unless the writer failed.
    pub fn write(&mut self, cdr: &Cdr) -> Result<(), WriteError> {
        let call = || format!("call {}", cdr.call_id);
        let t = &mut self.table;
        let dial = t.format_time(cdr.dial_time, "dial_time", call)?;
        let answer = cdr.answer_time.map(|a| t.format_time(a, "answer_time", call)).transpose()?;
        let connect = cdr.connect_time.map(|c| t.format_time(c, "connect_time", call)).transpose()?;
        let end = t.format_time(cdr.end_time, "end_time", call)?;
        t.number(cdr.call_id)?;
        t.text(&cdr.campaign)?;
        t.opt_number(cdr.lead_id)?;
        t.number(cdr.attempt)?;
        t.text(cdr.direction.as_str())?;
        t.text(&cdr.caller)?;
        t.text(&cdr.callee)?;
        t.stamp(Some(&dial))?;
        t.stamp(answer.as_ref())?;
        t.stamp(connect.as_ref())?;
        t.stamp(Some(&end))?;
        t.text(cdr.outcome.as_str())?;
        t.text(&cdr.disposition)?;
        t.opt_label(cdr.answered_by.map(|p| p.as_str()))?;
        t.opt_label(cdr.amd.map(|a| a.as_str()))?;
        t.opt_number(cdr.agent)?;
        t.number(cdr.ring_ms())?;
        t.opt_number(cdr.wait_ms())?;
        t.opt_number(cdr.talk_ms())?;
        t.opt_label(cdr.hangup_by.map(|h| h.as_str()))?;
        t.opt_number(cdr.sip_code)?;
        t.text(&cdr.call_type)?;
        t.text(&cdr.recording)?;
        t.end_row()
    }

    /// Flushes and hands back the underlying writer.
    pub fn finish(self) -> Result<W, WriteError> {
        self.table.finish()
    }
}

/// Reads `cdr.csv` back into [`Cdr`]s, so that metrics, plots and comparisons can be computed
/// from files alone.
///
/// Every field is parsed strictly: labels must be spelled exactly, times must be RFC 3339 UTC with
/// milliseconds and not before `origin`, numbers must be plain digits. Times must not run
/// backwards (`dial_time` ≤ `answer_time` ≤ `connect_time` ≤ `end_time`, where present), and the
/// derived columns `ring_ms`, `wait_ms` and `talk_ms` must agree with the times: a file edited by
/// hand or by another tool cannot silently measure something other than what it says.
///
/// Iterating yields one `Result` per row; a bad row is an error and reading goes on with the next,
/// while a read error (I/O, malformed CSV) ends the iteration.
pub struct CdrReader<R: Read> {
    table: TableReader<R>,
}

impl<R: Read> CdrReader<R> {
    /// Reads and checks the header. Times are read as milliseconds since `origin` (the run's start
    /// or any earlier instant: metrics depend only on differences of times).
    pub fn new(r: R, origin: Timestamp) -> Result<Self, RecordError> {
        Ok(CdrReader { table: TableReader::new(r, &CDR_COLUMNS, HEADER, origin)? })
    }
}

impl<R: Read> Iterator for CdrReader<R> {
    type Item = Result<Cdr, RecordError>;

    fn next(&mut self) -> Option<Self::Item> {
        Some(self.table.next_row()?.and_then(parse))
    }
}

fn parse(mut row: Row<'_>) -> Result<Cdr, RecordError> {
    // Fields are taken in column order.
    let call_id = row.number()?;
    let campaign = row.text()?;
    let lead_id = row.opt_number()?;
    let attempt = row.number()?;
    let direction = row.label()?;
    let caller = row.text()?;
    let callee = row.text()?;
    let dial_time = row.time()?;
    let answer_time = row.opt_time()?;
    let connect_time = row.opt_time()?;
    let end_time = row.time()?;
    let outcome = row.label()?;
    let disposition = row.text()?;
    let answered_by = row.opt_label()?;
    let amd = row.opt_label()?;
    let agent = row.opt_number()?;
    let derived_at = row.position();
    let derived = [row.opt_number()?, row.opt_number()?, row.opt_number()?];
    let cdr = Cdr {
        call_id,
        campaign,
        lead_id,
        attempt,
        direction,
        caller,
        callee,
        dial_time,
        answer_time,
        connect_time,
        end_time,
        outcome,
        disposition,
        answered_by,
        amd,
        agent,
        hangup_by: row.opt_label()?,
        sip_code: row.opt_number()?,
        call_type: row.text()?,
        recording: row.text()?,
    };
    check_order(&row, &cdr)?;
    check_derived(&row, &cdr, derived_at, derived)?;
    Ok(cdr)
}

/// The time columns with their indices, in the order they must not run backwards.
const TIMES: [(usize, &str); 4] = [(7, "dial_time"), (8, "answer_time"), (9, "connect_time"), (10, "end_time")];

fn check_order(row: &Row<'_>, cdr: &Cdr) -> Result<(), RecordError> {
    let times = [Some(cdr.dial_time), cdr.answer_time, cdr.connect_time, Some(cdr.end_time)];
    let mut previous: Option<(Time, &str)> = None;
    for (&(column, name), time) in TIMES.iter().zip(times) {
        let Some(time) = time else { continue };
        if let Some((earlier, earlier_name)) = previous
            && time < earlier
        {
            return Err(row.error(column, format!("a time at or after {earlier_name}")));
        }
        previous = Some((time, name));
    }
    Ok(())
}

/// `ring_ms`, `wait_ms` and `talk_ms` (from column `first` on) must be what the times give.
fn check_derived(row: &Row<'_>, cdr: &Cdr, first: usize, found: [Option<u64>; 3]) -> Result<(), RecordError> {
    let want = [Some(cdr.ring_ms()), cdr.wait_ms(), cdr.talk_ms()];
    for (i, (found, want)) in found.into_iter().zip(want).enumerate() {
        if found != want {
            return Err(row.error(first + i, explain_derived(cdr, i, want)));
        }
    }
    Ok(())
}

/// What derived column `i` (0 `ring_ms`, 1 `wait_ms`, 2 `talk_ms`) should hold, and why.
fn explain_derived(cdr: &Cdr, i: usize, want: Option<u64>) -> String {
    let or_end = |time: Option<Time>, name: &'static str| if time.is_some() { name } else { "end_time" };
    match (i, want) {
        (0, Some(ms)) => format!("{ms}, the milliseconds from dial_time to {}", or_end(cdr.answer_time, "answer_time")),
        (1, Some(ms)) => {
            format!("{ms}, the milliseconds from answer_time to {}", or_end(cdr.connect_time, "connect_time"))
        }
        (_, Some(ms)) => format!("{ms}, the milliseconds from connect_time to end_time"),
        (1, None) => "empty, as answer_time is empty".to_owned(),
        (_, None) => "empty, as connect_time is empty".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_records::{inbound_calls, outbound_calls};
    use crate::{AmdVerdict, Direction, HangupBy, Outcome, Party};

    fn start() -> Timestamp {
        "2026-01-05T09:00:00Z".parse().expect("valid")
    }

    fn records() -> Vec<Cdr> {
        let mut cdrs = outbound_calls();
        cdrs.extend(inbound_calls());
        let awkward = Cdr {
            call_id: u64::MAX,
            campaign: "spring, \"promo\"".into(),
            lead_id: None,
            attempt: 3,
            direction: Direction::Outbound,
            caller: "line one\nline two".into(),
            callee: "+44 7700 900123 ☎".into(),
            dial_time: Time::from_ms(12_345),
            answer_time: Some(Time::from_ms(15_000)),
            connect_time: Some(Time::from_ms(15_001)),
            end_time: Time::from_ms(86_400_000 * 40 + 7),
            outcome: Outcome::Connected,
            disposition: "dnc_request".into(),
            answered_by: Some(Party::Human),
            amd: Some(AmdVerdict::NotSure),
            agent: Some(u32::MAX),
            hangup_by: Some(HangupBy::Agent),
            sip_code: None,
            call_type: "sales".into(),
            recording: "rec/2026/01/05/1.wav".into(),
        };
        cdrs.push(awkward);
        cdrs
    }

    fn written(cdrs: &[Cdr]) -> String {
        let mut w = CdrWriter::new(Vec::new(), start()).expect("vec");
        for cdr in cdrs {
            w.write(cdr).expect("in range");
        }
        String::from_utf8(w.finish().expect("vec")).expect("UTF-8")
    }

    fn read(text: &str, origin: Timestamp) -> Result<Vec<Cdr>, RecordError> {
        CdrReader::new(text.as_bytes(), origin)?.collect()
    }

    fn error(text: &str) -> String {
        read(text, start()).expect_err("the file is bad").to_string()
    }

    #[test]
    fn round_trips_every_field() {
        let cdrs = records();
        assert_eq!(read(&written(&cdrs), start()).expect("valid"), cdrs);
    }

    #[test]
    fn an_earlier_origin_shifts_every_time() {
        let cdrs = records();
        let day_before: Timestamp = "2026-01-04T09:00:00Z".parse().expect("valid");
        let back = read(&written(&cdrs), day_before).expect("valid");
        let day = 86_400_000;
        for (b, c) in back.iter().zip(&cdrs) {
            assert_eq!(b.dial_time.as_ms(), c.dial_time.as_ms() + day);
            assert_eq!(b.answer_time.map(|t| t.as_ms()), c.answer_time.map(|t| t.as_ms() + day));
            assert_eq!(b.end_time.as_ms(), c.end_time.as_ms() + day);
        }
    }

    #[test]
    fn writes_the_contract_format() {
        let text = written(&records()[..1]);
        let mut lines = text.lines();
        assert_eq!(lines.next(), Some(HEADER));
        assert_eq!(HEADER, CDR_COLUMNS.join(","));
        assert_eq!(
            lines.next(),
            Some(
                "0,spring,1000,1,outbound,+441130000000,+447700900123,2026-01-05T09:00:00.000Z,\
                 2026-01-05T09:00:10.000Z,2026-01-05T09:00:10.400Z,2026-01-05T09:01:40.000Z,connected,,human,,\
                 1,10000,400,89600,callee,200,,"
            )
        );
        let awkward = written(&records()[17..]);
        assert!(awkward.contains(",2026-01-05T09:00:12.345Z,"), "{awkward}");
        assert!(awkward.contains(",2026-02-14T09:00:00.007Z,"), "{awkward}");
        assert!(awkward.contains("\"spring, \"\"promo\"\"\""), "{awkward}");
    }

    #[test]
    fn a_misspelt_label_names_line_column_and_the_choices() {
        let text = written(&outbound_calls()[..2]).replacen(",connected,", ",conected,", 2).replacen(
            ",conected,",
            ",connected,",
            1,
        );
        assert_eq!(
            error(&text),
            "line 3, column outcome: \"conected\" is not one of connected, abandoned, machine, busy, no_answer, \
             invalid, blocked, failed"
        );
        let text = written(&outbound_calls()[..1]).replace(",human,", ",person,");
        assert_eq!(error(&text), "line 2, column answered_by: \"person\" is not one of human, machine, or empty");
    }

    #[test]
    fn a_bad_time_names_line_and_column() {
        let text = written(&outbound_calls()[..1]).replace("2026-01-05T09:00:10.000Z", "2026-01-05 09:00:10.000Z");
        assert_eq!(
            error(&text),
            "line 2, column answer_time: \"2026-01-05 09:00:10.000Z\" is not an RFC 3339 UTC time with \
             milliseconds, like 2026-01-05T09:00:12.345Z, or empty"
        );
        let text = written(&outbound_calls()[..1]).replace("2026-01-05T09:00:00.000Z", "2026-02-30T09:00:00.000Z");
        assert_eq!(
            error(&text),
            "line 2, column dial_time: \"2026-02-30T09:00:00.000Z\" is not an RFC 3339 UTC time with \
             milliseconds, like 2026-01-05T09:00:12.345Z"
        );
        let later: Timestamp = "2026-01-05T09:00:05Z".parse().expect("valid");
        let e = read(&written(&outbound_calls()[..1]), later).expect_err("before the origin").to_string();
        assert_eq!(
            e,
            "line 2, column dial_time: \"2026-01-05T09:00:00.000Z\" is not a time at or after the origin \
             2026-01-05T09:00:05Z"
        );
    }

    #[test]
    fn a_wrong_header_names_the_first_wrong_column() {
        let text = written(&outbound_calls()[..1]).replacen("lead_id", "lead", 1);
        let e = error(&text);
        assert!(
            e.starts_with("line 1, column 3: found \"lead\", expected \"lead_id\"; the header must be call_id,"),
            "{e}"
        );
        let text = written(&outbound_calls()[..1]).replacen(",recording", "", 1);
        let e = error(&text);
        assert!(e.starts_with("line 1, column 23: found the end of the line, expected \"recording\""), "{e}");
        let text = written(&outbound_calls()[..1]).replacen(",recording", ",recording,extra", 1);
        let e = error(&text);
        assert!(e.starts_with("line 1, column 24: found \"extra\", expected the end of the line"), "{e}");
        assert!(matches!(read("", start()), Err(RecordError::Empty { .. })));
    }

    #[test]
    fn a_byte_order_mark_before_the_header_is_allowed() {
        let text = format!("\u{feff}{}", written(&outbound_calls()));
        assert_eq!(read(&text, start()).expect("valid"), outbound_calls());
    }

    #[test]
    fn derived_columns_must_agree_with_the_times() {
        let text = written(&outbound_calls()[..1]).replace(",10000,400,89600,", ",10000,401,89600,");
        assert_eq!(
            error(&text),
            "line 2, column wait_ms: \"401\" is not 400, the milliseconds from answer_time to connect_time"
        );
        let text = written(&outbound_calls()[..1]).replace(",10000,400,89600,", ",10000,400,,");
        assert_eq!(
            error(&text),
            "line 2, column talk_ms: \"\" is not 89600, the milliseconds from connect_time to end_time"
        );
        let busy = &outbound_calls()[6];
        let text = written(std::slice::from_ref(busy)).replace(",3000,,,", ",3000,0,,");
        assert_eq!(error(&text), "line 2, column wait_ms: \"0\" is not empty, as answer_time is empty");
    }

    #[test]
    fn times_must_not_run_backwards() {
        let mut late_answer = outbound_calls()[0].clone();
        late_answer.answer_time = Some(Time::from_ms(10_500));
        let text = written(&[late_answer]);
        assert_eq!(
            error(&text),
            "line 2, column connect_time: \"2026-01-05T09:00:10.400Z\" is not a time at or after answer_time"
        );
    }

    #[test]
    fn numbers_are_plain_digits_within_range() {
        let text = written(&outbound_calls()[..1]).replace(",1000,1,outbound,", ",1000,-1,outbound,");
        assert_eq!(error(&text), "line 2, column attempt: \"-1\" is not a whole number from 0 to 4294967295");
        let text = written(&outbound_calls()[..1]).replace(",callee,200,", ",callee,70000,");
        assert_eq!(error(&text), "line 2, column sip_code: \"70000\" is not a whole number from 0 to 65535, or empty");
        let text = written(&outbound_calls()[..1]).replacen("\n0,", "\n,", 1);
        assert_eq!(error(&text), "line 2, column call_id: \"\" is not a whole number from 0 to 18446744073709551615");
    }

    #[test]
    fn line_numbers_count_lines_inside_quoted_fields() {
        let cdrs = records();
        let awkward = cdrs.last().expect("non-empty").clone();
        let text = written(&[awkward, outbound_calls()[0].clone()]).replace(",human,,1,", ",human,,x,");
        assert_eq!(error(&text), "line 4, column agent: \"x\" is not a whole number from 0 to 4294967295, or empty");
    }

    #[test]
    fn reading_goes_on_after_a_bad_row() {
        let text = written(&outbound_calls()[..3]);
        let mut lines: Vec<&str> = text.lines().collect();
        lines[2] = "1,2,3";
        let text = lines.join("\n");
        let results: Vec<_> = CdrReader::new(text.as_bytes(), start()).expect("header").collect();
        assert_eq!(results.len(), 3);
        assert_eq!(results[0].as_ref().expect("good"), &outbound_calls()[0]);
        let e = results[1].as_ref().expect_err("bad").to_string();
        assert!(e.starts_with("line 3: found 3 fields, expected 23 (call_id,campaign,"), "{e}");
        assert_eq!(results[2].as_ref().expect("good"), &outbound_calls()[2]);
    }

    #[test]
    fn text_must_be_utf8() {
        let mut bytes = written(&outbound_calls()[..1]).into_bytes();
        let at = bytes.windows(6).position(|w| w == b"spring").expect("campaign");
        bytes[at] = 0xff;
        let e = CdrReader::new(&bytes[..], start()).expect("header").next().expect("a row");
        assert_eq!(e.expect_err("bad").to_string(), "line 2, column campaign: \"\u{fffd}pring\" is not UTF-8 text");
    }

    #[test]
    fn a_time_past_year_9999_is_an_error_and_writes_nothing() {
        let mut w = CdrWriter::new(Vec::new(), Timestamp::MAX).expect("vec");
        w.write(&outbound_calls()[6]).expect("busy call ends at 7 s");
        let two_days = Cdr { end_time: Time::from_secs(2 * 86_400), ..outbound_calls()[0].clone() };
        let e = w.write(&two_days).expect_err("ends after 9999");
        assert_eq!(
            e.to_string(),
            "call 0, column end_time: 172800000 ms after 9999-12-30T22:00:00.999999999Z is outside the years 0000 \
             to 9999"
        );
        let text = String::from_utf8(w.finish().expect("vec")).expect("UTF-8");
        assert_eq!(text.lines().count(), 2, "the header and the busy call: {text}");
        assert!(text.ends_with(",9999-12-30T22:00:07.999Z,busy,,,,,3000,,,callee,200,,\n"), "{text}");
    }
}
