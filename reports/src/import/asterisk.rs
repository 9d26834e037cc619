//! Asterisk cdr_csv's `Master.csv`: one row per call, no header, in the columns cdr_csv writes by
//! default — accountcode, src, dst, dcontext, clid, channel, dstchannel, lastapp, lastdata, start,
//! answer, end, duration, billsec, disposition, amaflags — optionally followed by uniqueid and
//! userfield (`loguniqueid`, `loguserfield`) and peeraccount, linkedid, sequence (`newcdrcolumns`).
//! Times are `YYYY-MM-DD HH:MM:SS` in the PBX's local zone (UTC with `usegmtime`).
//!
//! How dispositions become outcomes, and what Asterisk cannot tell us, is in docs/import.md.

use super::{LocalClock, agent_number};
use crate::source::{Read, RowProblem, SourceError, since_min};
use crate::{Cdr, Direction, Outcome, Party};
use csv::StringRecord;
use jiff::SignedDuration;
use jiff::civil::DateTime;
use jiff::tz::TimeZone;
use std::path::Path;

/// The default columns, in order.
pub const COLUMNS: [&str; 16] = [
    "accountcode",
    "src",
    "dst",
    "dcontext",
    "clid",
    "channel",
    "dstchannel",
    "lastapp",
    "lastdata",
    "start",
    "answer",
    "end",
    "duration",
    "billsec",
    "disposition",
    "amaflags",
];

/// Most columns a row may have: the default ones, uniqueid, userfield and the three of
/// `newcdrcolumns`.
const MAX_COLUMNS: usize = COLUMNS.len() + 5;

/// The dispositions Asterisk writes.
const DISPOSITIONS: &str = "ANSWERED, NO ANSWER, BUSY, FAILED or CONGESTION";

/// Reads `path` as a `Master.csv` whose times are local to `tz`.
pub(crate) fn read(path: &Path, tz: &TimeZone) -> Result<Read, SourceError> {
    let failed = |e: &dyn std::fmt::Display| SourceError::Import { path: path.to_owned(), message: e.to_string() };
    let file = std::fs::File::open(path).map_err(|e| failed(&format!("cannot open: {e}")))?;
    let mut csv = csv::ReaderBuilder::new().has_headers(false).flexible(true).from_reader(file);
    let mut clock = LocalClock::new(tz);
    let mut read = Read::default();
    let mut record = StringRecord::new();
    loop {
        match csv.read_record(&mut record) {
            Ok(true) => {}
            Ok(false) => break,
            Err(e) => return Err(failed(&format!("cannot read the file as CSV: {e}"))),
        }
        let line = record.position().map_or(0, |p| p.line());
        match parse(&record, line, &mut clock) {
            Ok(cdr) => read.cdrs.push(cdr),
            Err(reason) => read.problems.push(RowProblem { file: path.to_owned(), line, reason }),
        }
    }
    read.notes = clock.notes();
    Ok(read)
}

/// One row as a [`Cdr`], or what is wrong with it.
fn parse(record: &StringRecord, line: u64, clock: &mut LocalClock<'_>) -> Result<Cdr, String> {
    if !(COLUMNS.len()..=MAX_COLUMNS).contains(&record.len()) {
        return Err(format!(
            "found {} fields, expected {} to {MAX_COLUMNS} (cdr_csv's columns: {}, then optionally uniqueid, userfield)",
            record.len(),
            COLUMNS.len(),
            COLUMNS.join(", ")
        ));
    }
    let field = |name: &str| {
        // Every name asked for is one of COLUMNS, and the row has at least that many fields.
        let i = COLUMNS.iter().position(|c| *c == name).expect("a default column");
        record.get(i).expect("the row has the default columns").trim()
    };
    let civil = |name: &str| -> Result<Option<DateTime>, String> {
        let text = field(name);
        if text.is_empty() {
            return Ok(None);
        }
        DateTime::strptime("%Y-%m-%d %H:%M:%S%.f", text)
            .map(Some)
            .map_err(|_| format!("column {name}: {text:?} is not a time like 2026-01-05 09:00:12"))
    };
    let seconds = |name: &str| -> Result<i64, String> {
        let text = field(name);
        text.parse::<u32>()
            .map(i64::from)
            .map_err(|_| format!("column {name}: {text:?} is not a whole number of seconds"))
    };
    let start_dt = civil("start")?.ok_or("column start is empty: every call has a start time")?;
    let end_dt = civil("end")?.ok_or("column end is empty: every call has an end time")?;
    let answer_dt = civil("answer")?;
    let (duration, billsec) = (seconds("duration")?, seconds("billsec")?);
    let disposition = field("disposition");

    // The start decides a fold by itself (the first occurrence); the end is the occurrence nearer
    // start + duration, the answer the one nearer end − billsec, so a call across the change
    // keeps its length.
    let start = clock.resolve(start_dt);
    let end = clock.resolve_near(end_dt, start.checked_add(SignedDuration::from_secs(duration)).ok());
    let (outcome, sip_code) = match disposition {
        "ANSWERED" => (None, Some(200)),
        "NO ANSWER" => (Some(Outcome::NoAnswer), Some(487)),
        "BUSY" => (Some(Outcome::Busy), Some(486)),
        "FAILED" => (Some(Outcome::Failed), None),
        "CONGESTION" => (Some(Outcome::Failed), Some(503)),
        other => return Err(format!("column disposition: {other:?} is not one of {DISPOSITIONS}")),
    };
    let dstchannel = field("dstchannel");
    let (outcome, answer) = match outcome {
        Some(outcome) => (outcome, None),
        None => {
            let answer_dt = answer_dt.ok_or("column answer is empty, but the disposition is ANSWERED")?;
            let answer = clock.resolve_near(answer_dt, end.checked_sub(SignedDuration::from_secs(billsec)).ok());
            // Answered and bridged to another channel (an agent): connected. Answered and never
            // bridged: nobody took the call, which the FCC counts as abandoned (docs/import.md).
            (if dstchannel.is_empty() { Outcome::Abandoned } else { Outcome::Connected }, Some(answer))
        }
    };
    if end < start {
        return Err(format!("column end: {} is before the start {}", field("end"), field("start")));
    }
    if let Some(answer) = answer
        && !(start..=end).contains(&answer)
    {
        return Err(format!("column answer: {} is not between the start and the end", field("answer")));
    }
    let connected = outcome == Outcome::Connected;
    let campaign = [field("accountcode"), field("dcontext")].into_iter().find(|c| !c.is_empty()).unwrap_or("asterisk");
    Ok(Cdr {
        call_id: line,
        campaign: campaign.into(),
        lead_id: None,
        attempt: 1,
        direction: Direction::Outbound,
        caller: field("src").into(),
        callee: field("dst").into(),
        dial_time: since_min(start),
        answer_time: answer.map(since_min),
        connect_time: answer.filter(|_| connected).map(since_min),
        end_time: since_min(end),
        outcome,
        disposition: "".into(),
        answered_by: answer.map(|_| Party::Human),
        amd: None,
        agent: if connected { channel_agent(dstchannel) } else { None },
        hangup_by: None,
        sip_code,
        call_type: "".into(),
        recording: "".into(),
    })
}

/// The agent's number in a channel name: the digits of its peer part, `SIP/1001-0000000a` → 1001,
/// `PJSIP/agent7-00000012` → 7.
fn channel_agent(channel: &str) -> Option<u32> {
    let peer = channel.split_once('/').map_or(channel, |(_, rest)| rest);
    let peer = peer.rsplit_once('-').map_or(peer, |(name, _)| name);
    agent_number(peer)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn instant(text: &str) -> jiff::Timestamp {
        text.parse().expect("valid")
    }

    fn london() -> TimeZone {
        TimeZone::get("Europe/London").expect("the system has the time zone database")
    }

    fn read_text(text: &str, tz: &TimeZone) -> Read {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("Master.csv");
        std::fs::write(&path, text).expect("temp");
        read(&path, tz).expect("readable")
    }

    const ANSWERED: &str = r#""camp1","01132000000","07700900123","outbound","""Spring"" <0113>","SIP/trunk-00000001","SIP/1001-00000002","Dial","SIP/1001,30","2026-01-05 09:00:00","2026-01-05 09:00:12","2026-01-05 09:03:12",192,180,"ANSWERED","DOCUMENTATION","1767603600.1",""
"#;

    #[test]
    fn an_answered_bridged_call_is_connected_to_the_agent_of_its_channel() {
        let read = read_text(ANSWERED, &TimeZone::UTC);
        assert!(read.problems.is_empty(), "{:?}", read.problems);
        let cdr = &read.cdrs[0];
        assert_eq!(cdr.outcome, Outcome::Connected);
        assert_eq!(cdr.campaign, "camp1");
        assert_eq!((cdr.caller.as_str(), cdr.callee.as_str()), ("01132000000", "07700900123"));
        assert_eq!(cdr.dial_time, since_min(instant("2026-01-05T09:00:00Z")));
        assert_eq!(cdr.ring_ms(), 12_000);
        assert_eq!(cdr.wait_ms(), Some(0), "Asterisk cannot see a wait for an agent");
        assert_eq!(cdr.talk_ms(), Some(180_000));
        assert_eq!(cdr.agent, Some(1001));
        assert_eq!(cdr.answered_by, Some(Party::Human));
        assert_eq!(cdr.call_id, 1, "the line number");
    }

    #[test]
    fn every_disposition_maps_and_unknown_or_malformed_rows_keep_their_lines() {
        let text = [
            ANSWERED.trim_end(),
            // 2: answered, never bridged: abandoned.
            r#""camp1","0113","07700900124","outbound","","SIP/trunk-3","","Playback","abandon-msg","2026-01-05 09:01:00","2026-01-05 09:01:10","2026-01-05 09:01:15",15,5,"ANSWERED","DOCUMENTATION""#,
            r#""","0113","07700900125","outbound","","SIP/trunk-4","","Dial","","2026-01-05 09:02:00","","2026-01-05 09:02:25",25,0,"NO ANSWER","DOCUMENTATION""#,
            r#""","0113","07700900126","outbound","","SIP/trunk-5","","Dial","","2026-01-05 09:03:00","","2026-01-05 09:03:03",3,0,"BUSY","DOCUMENTATION""#,
            r#""","0113","07700900127","outbound","","SIP/trunk-6","","Dial","","2026-01-05 09:04:00","","2026-01-05 09:04:01",1,0,"FAILED","DOCUMENTATION""#,
            r#""","0113","07700900128","outbound","","SIP/trunk-7","","Dial","","2026-01-05 09:05:00","","2026-01-05 09:05:01",1,0,"CONGESTION","DOCUMENTATION""#,
            // 7: unknown disposition; 8: too few fields; 9: bad time; 10: end before start.
            r#""","0113","07700900129","outbound","","SIP/trunk-8","","Dial","","2026-01-05 09:06:00","","2026-01-05 09:06:01",1,0,"LOST","DOCUMENTATION""#,
            r#""","0113","07700900130""#,
            r#""","0113","07700900131","outbound","","SIP/trunk-9","","Dial","","05/01/2026 09:07","","2026-01-05 09:07:01",1,0,"BUSY","DOCUMENTATION""#,
            r#""","0113","07700900132","outbound","","SIP/trunk-10","","Dial","","2026-01-05 09:08:00","","2026-01-05 09:07:00",0,0,"BUSY","DOCUMENTATION""#,
        ]
        .join("\n");
        let read = read_text(&text, &TimeZone::UTC);
        let outcomes: Vec<Outcome> = read.cdrs.iter().map(|c| c.outcome).collect();
        use Outcome::*;
        assert_eq!(outcomes, [Connected, Abandoned, NoAnswer, Busy, Failed, Failed]);
        assert_eq!(read.cdrs[1].wait_ms(), Some(5_000), "the abandoned call's wait runs to its end");
        assert_eq!(read.cdrs[2].campaign, "outbound", "no account code: the context names the campaign");
        let sip: Vec<Option<u16>> = read.cdrs.iter().map(|c| c.sip_code).collect();
        assert_eq!(sip, [Some(200), Some(200), Some(487), Some(486), None, Some(503)]);
        let lines: Vec<u64> = read.problems.iter().map(|p| p.line).collect();
        assert_eq!(lines, [7, 8, 9, 10]);
        assert!(read.problems[0].reason.contains("\"LOST\" is not one of ANSWERED"), "{}", read.problems[0]);
        assert!(read.problems[1].reason.starts_with("found 3 fields, expected 16 to 21"), "{}", read.problems[1]);
        assert!(read.problems[2].reason.starts_with("column start: \"05/01/2026 09:07\""), "{}", read.problems[2]);
        assert!(read.problems[3].reason.contains("is before the start"), "{}", read.problems[3]);
    }

    #[test]
    fn quoted_fields_keep_commas_and_quotes() {
        let text = ANSWERED.replace(r#""SIP/1001,30""#, r#""SIP/1001,30,""tT"" ""#);
        let read = read_text(&text, &TimeZone::UTC);
        assert_eq!(read.cdrs.len(), 1, "{:?}", read.problems);
    }

    #[test]
    fn local_times_convert_across_the_autumn_change() {
        // 2026-10-25 in London: 01:00–02:00 happens twice (BST, then GMT). A call starts at 01:50
        // BST, and ends 20 minutes later at 01:10 GMT, which the file writes as 01:10, before its
        // start on the wall clock: duration (1200 s) tells the occurrence.
        let row = r#""c","1","2","ctx","","SIP/t-1","SIP/7-2","Dial","","2026-10-25 01:50:00","2026-10-25 01:50:10","2026-10-25 01:10:00",1200,1190,"ANSWERED","DOCUMENTATION""#;
        let summer = r#""c","1","2","ctx","","SIP/t-1","SIP/7-2","Dial","","2026-07-01 12:00:00","2026-07-01 12:00:05","2026-07-01 12:01:05",65,60,"ANSWERED","DOCUMENTATION""#;
        let read = read_text(&format!("{row}\n{summer}\n"), &london());
        assert!(read.problems.is_empty(), "{:?}", read.problems);
        let cdr = &read.cdrs[0];
        assert_eq!(cdr.dial_time, since_min(instant("2026-10-25T00:50:00Z")), "01:50 BST");
        assert_eq!(cdr.end_time, since_min(instant("2026-10-25T01:10:00Z")), "01:10 GMT");
        assert_eq!(cdr.end_time - cdr.dial_time, 1_200_000);
        assert_eq!(read.cdrs[1].dial_time, since_min(instant("2026-07-01T11:00:00Z")), "BST is UTC+1");
        assert_eq!(read.notes.len(), 1, "the start in the fold was a choice: {:?}", read.notes);
    }

    #[test]
    fn channel_names_give_agent_numbers() {
        assert_eq!(channel_agent("SIP/1001-0000000a"), Some(1001));
        assert_eq!(channel_agent("PJSIP/agent7-00000012"), Some(7));
        assert_eq!(channel_agent("Local/101@agents-00000001;1"), Some(101));
        assert_eq!(channel_agent("SIP/trunk-00000001"), None);
    }
}
