//! The store against its promises: no lead in flight twice, windows in local time, retry rules,
//! callbacks first, the do-not-call list at once, migrations, and all-or-nothing writes.

use super::*;
use crate::campaign::{Numbering, RetryRules, Rule};
use crate::core::{AgentId, CallId, LeadId};
use reports::{AmdVerdict, Cdr, CdrReader, Direction, HangupBy, Outcome, Party, Time};

const MIN: i64 = 60_000;
const HOUR: i64 = 60 * MIN;

fn at(text: &str) -> Timestamp {
    text.parse().unwrap() // test literals are valid timestamps
}

fn plus(t: Timestamp, ms: i64) -> Timestamp {
    Timestamp::from_millisecond(t.as_millisecond() + ms).unwrap() // small offsets stay in range
}

fn zone(name: &str) -> TimeZone {
    jiff::tz::db().get(name).unwrap() // the bundled database has these zones
}

/// Monday 2 March 2026, 15:00 UTC: 15:00 in London, 10:00 in New York, midnight in Tokyo.
fn monday() -> Timestamp {
    at("2026-03-02T15:00:00Z")
}

fn uk() -> Numbering {
    Numbering::new(44, None).unwrap() // 44 is a valid country code
}

fn store_with(rules: Rules, csv: &str) -> Store {
    let mut s = Store::open_in_memory(rules).unwrap(); // in memory: cannot fail to open
    s.import_leads(csv.as_bytes(), "test.csv", &uk(), at("2026-03-01T00:00:00Z"), &mut |_| {}).unwrap();
    s
}

fn london() -> Rules {
    Rules { timezone: zone("Europe/London"), ..Rules::default() }
}

/// A CDR of `outcome` for an attempt begun at `origin` (times are offsets from it).
fn cdr(call: u64, lead: LeadId, outcome: Outcome) -> Cdr {
    let answered = matches!(outcome, Outcome::Connected | Outcome::Abandoned | Outcome::Machine);
    Cdr {
        call_id: call,
        campaign: "test".into(),
        lead_id: Some(lead.0),
        attempt: 1,
        direction: Direction::Outbound,
        caller: "+441632960000".into(),
        callee: "+447700900001".into(),
        dial_time: Time::ZERO,
        answer_time: answered.then(|| Time::from_secs(10)),
        connect_time: (outcome == Outcome::Connected).then(|| Time::from_secs(11)),
        end_time: Time::from_secs(60),
        outcome,
        disposition: "".into(),
        answered_by: match outcome {
            Outcome::Connected | Outcome::Abandoned => Some(Party::Human),
            Outcome::Machine => Some(Party::Machine),
            _ => None,
        },
        amd: None,
        agent: (outcome == Outcome::Connected).then_some(3),
        hangup_by: Some(HangupBy::Callee),
        sip_code: Some(if answered { 200 } else { 486 }),
        call_type: "sales".into(),
        recording: "".into(),
    }
}

/// Places one call to the first due lead and finishes it with `outcome`; returns the lead and
/// its new state.
fn call_once(s: &mut Store, call: u64, now: Timestamp, outcome: Outcome) -> (LeadId, LeadState) {
    let due = s.next_due(now, 1).unwrap();
    let lead = due.first().expect("a lead is due").lead.id;
    s.begin_attempt(lead, CallId(call), now, "primary").unwrap();
    (lead, s.finish_attempt(&cdr(call, lead, outcome), now, plus(now, MIN)).unwrap())
}

#[test]
fn no_lead_is_dialled_twice_at_once() {
    let mut s = store_with(london(), "number\n07700 900001\n07700 900002\n");
    let due = s.next_due(monday(), 10).unwrap();
    assert_eq!(due.len(), 2);
    let lead = due[0].lead.id;
    assert_eq!(s.begin_attempt(lead, CallId(1), monday(), "primary").unwrap(), 1);
    assert!(matches!(
        s.begin_attempt(lead, CallId(2), monday(), "primary"),
        Err(BeginError::NotDialable { state: LeadState::InFlight, .. })
    ));
    assert!(matches!(s.begin_attempt(due[1].lead.id, CallId(1), monday(), "primary"), Err(BeginError::CallIdUsed(_))));
    assert!(matches!(s.begin_attempt(LeadId(99), CallId(3), monday(), "primary"), Err(BeginError::UnknownLead(_))));
    let again: Vec<_> = s.next_due(monday(), 10).unwrap().into_iter().map(|d| d.lead.id).collect();
    assert_eq!(again, vec![due[1].lead.id], "the lead in flight is not offered");
    // The database itself refuses a second attempt in flight for one lead.
    let second = s.conn.execute(
        "INSERT INTO attempts (call_id, lead_id, attempt, started_at, trunk, state) VALUES (9, ?1, 2, 0, 'x', 'in_flight')",
        [lead.0],
    );
    assert!(second.is_err(), "the partial unique index holds");
    let flying = s.in_flight().unwrap();
    assert_eq!(flying.len(), 1);
    assert_eq!((flying[0].call, flying[0].lead, flying[0].attempt), (CallId(1), lead, 1));
    assert_eq!(flying[0].number, "+447700900001");
    assert_eq!(s.max_call_id().unwrap(), Some(CallId(1)));
}

#[test]
fn windows_are_read_in_each_leads_local_time() {
    let csv = "number,timezone\n07700 900001,America/New_York\n07700 900002,Asia/Tokyo\n07700 900003,\n";
    let s = store_with(london(), csv);
    let numbers = |now| s.next_due(now, 10).unwrap().into_iter().map(|d| d.lead.number.to_string()).collect::<Vec<_>>();
    // 15:00 UTC: London 15:00 (open), New York 10:00 (open), Tokyo 00:00 (closed).
    assert_eq!(numbers(monday()), ["+447700900001", "+447700900003"]);
    // 02:30 UTC Tuesday: Tokyo 11:30 only (New York 21:30 Monday, London 02:30).
    assert_eq!(numbers(at("2026-03-03T02:30:00Z")), ["+447700900002"]);
    // New York's clocks go forward on Sunday 8 March: 13:30 UTC is 08:30 before, 09:30 after.
    let ny_only = "number,timezone\n07700 900001,America/New_York\n";
    let s = store_with(Rules { timezone: zone("Asia/Tokyo"), ..Rules::default() }, ny_only);
    assert!(s.next_due(at("2026-03-06T13:30:00Z"), 10).unwrap().is_empty(), "08:30 EST");
    assert_eq!(s.next_due(at("2026-03-09T13:30:00Z"), 10).unwrap().len(), 1, "09:30 EDT");
    // The campaign's default zone applies to leads without one.
    let s = store_with(Rules { timezone: zone("America/Los_Angeles"), ..Rules::default() }, "number\n07700 900001\n");
    assert!(s.next_due(monday(), 10).unwrap().is_empty(), "07:00 in Los Angeles");
}

#[test]
fn each_outcome_waits_its_own_delay() {
    let rules = RetryRules {
        max_attempts: 9,
        busy_ms: 10 * MIN as u64,
        no_answer_ms: 20 * MIN as u64,
        machine_ms: 30 * MIN as u64,
        abandoned_ms: 40 * MIN as u64,
        failed_ms: 50 * MIN as u64,
        callback_ms: 24 * HOUR as u64,
    };
    for (outcome, delay) in [
        (Outcome::Busy, 10 * MIN),
        (Outcome::NoAnswer, 20 * MIN),
        (Outcome::Machine, 30 * MIN),
        (Outcome::Abandoned, 40 * MIN),
        (Outcome::Failed, 50 * MIN),
    ] {
        let mut s = store_with(Rules { retry: rules.clone(), ..london() }, "number\n07700 900001\n");
        let (lead, state) = call_once(&mut s, 1, monday(), outcome);
        assert_eq!(state, LeadState::Pending, "{outcome}");
        let finished = plus(monday(), MIN);
        assert!(s.next_due(plus(finished, delay - 1), 1).unwrap().is_empty(), "{outcome}: not before its delay");
        let due = s.next_due(plus(finished, delay), 1).unwrap();
        assert_eq!((due[0].lead.id, due[0].lead.attempt), (lead, 2), "{outcome}: due after its delay");
    }
    // Final outcomes.
    let mut s = store_with(london(), "number\n07700 900001\n07700 900002\n");
    assert_eq!(call_once(&mut s, 1, monday(), Outcome::Connected).1, LeadState::Done);
    assert_eq!(call_once(&mut s, 2, monday(), Outcome::Invalid).1, LeadState::Invalid);
    assert!(s.is_finished().unwrap());
    // A blocked call was never placed: due again at once, and the attempt does not count.
    let mut s = store_with(london(), "number\n07700 900001\n");
    let (lead, state) = call_once(&mut s, 1, monday(), Outcome::Blocked);
    assert_eq!(state, LeadState::Pending);
    assert_eq!(
        s.next_due(plus(monday(), MIN), 1).unwrap()[0].lead,
        Lead { id: lead, number: "+447700900001".into(), attempt: 1 }
    );
}

use crate::core::Lead;

#[test]
fn ofcom_keeps_abandoned_numbers_for_72_hours() {
    let csv = "number\n07700 900001\n";
    for (rule, wait) in [(Rule::Fcc, HOUR), (Rule::Ofcom, 72 * HOUR)] {
        let mut s = store_with(Rules { rule, ..london() }, csv);
        call_once(&mut s, 1, monday(), Outcome::Abandoned);
        let finished = plus(monday(), MIN);
        assert!(s.next_due(plus(finished, wait - MIN), 1).unwrap().is_empty(), "{rule:?}");
        assert_eq!(s.next_due(plus(finished, wait), 1).unwrap().len(), 1, "{rule:?}");
    }
    // A person AMD hung up on is a silent call: the same 72 hours under Ofcom.
    let mut s = store_with(Rules { rule: Rule::Ofcom, ..london() }, csv);
    let lead = s.next_due(monday(), 1).unwrap()[0].lead.id;
    s.begin_attempt(lead, CallId(1), monday(), "primary").unwrap();
    let silent =
        Cdr { answered_by: Some(Party::Human), amd: Some(AmdVerdict::Machine), ..cdr(1, lead, Outcome::Machine) };
    s.finish_attempt(&silent, monday(), monday()).unwrap();
    assert!(s.next_due(plus(monday(), 71 * HOUR), 1).unwrap().is_empty());
    assert_eq!(s.next_due(plus(monday(), 72 * HOUR), 1).unwrap().len(), 1);
}

#[test]
fn callbacks_come_first_and_keep_their_agent() {
    let mut s = store_with(london(), "number\n07700 900001\n07700 900002\n07700 900003\n");
    let first = s.next_due(monday(), 1).unwrap()[0].lead.id;
    s.begin_attempt(first, CallId(1), monday(), "primary").unwrap();
    let asked = Cdr { disposition: "callback".into(), ..cdr(1, first, Outcome::Connected) };
    assert_eq!(s.finish_attempt(&asked, monday(), monday()).unwrap(), LeadState::Callback);
    // The agent names a time: in an hour, for agent 7.
    let later = plus(monday(), HOUR);
    s.schedule_callback(first, later, Some(AgentId(7)), monday()).unwrap();
    assert_eq!(s.summary().unwrap().open_callbacks, 1, "the default callback was replaced");
    let before = s.next_due(plus(later, -1), 10).unwrap();
    assert!(before.iter().all(|d| d.lead.id != first), "not before its time");
    let due = s.next_due(later, 10).unwrap();
    assert_eq!(due.len(), 3);
    assert_eq!(due[0].lead.id, first, "callbacks first");
    assert_eq!(due[0].callback, Some(DueCallback { due: later, agent: Some(AgentId(7)) }));
    assert_eq!(due[0].lead.attempt, 2);
    assert!(due[1].callback.is_none());
    // Placing it consumes the callback; a connected call without one is done.
    s.begin_attempt(first, CallId(2), later, "primary").unwrap();
    assert_eq!(s.summary().unwrap().open_callbacks, 0);
    s.finish_attempt(&cdr(2, first, Outcome::Connected), later, later).unwrap();
    assert_eq!(s.lead_state(first).unwrap(), Some(LeadState::Done));
    // A disposition set afterwards applies too.
    assert_eq!(s.set_disposition(CallId(2), "callback", later).unwrap(), LeadState::Callback);
    assert_eq!(s.set_disposition(CallId(2), "sale", later).unwrap(), LeadState::Done);
    assert_eq!(s.summary().unwrap().open_callbacks, 0);
}

#[test]
fn max_attempts_ends_a_lead() {
    let rules = Rules { retry: RetryRules { max_attempts: 3, busy_ms: 0, ..RetryRules::default() }, ..london() };
    let mut s = store_with(rules, "number\n07700 900001\n");
    let mut now = monday();
    for call in 1..=3 {
        let (_, state) = call_once(&mut s, call, now, Outcome::Busy);
        now = plus(now, 2 * MIN);
        let expected = if call < 3 { LeadState::Pending } else { LeadState::MaxAttempts };
        assert_eq!(state, expected, "after call {call}");
    }
    assert!(s.next_due(now, 10).unwrap().is_empty());
    assert!(s.is_finished().unwrap());
    assert_eq!(s.summary().unwrap().count(LeadState::MaxAttempts), 1);
}

#[test]
fn the_do_not_call_list_applies_at_once() {
    let mut s = store_with(london(), "number\n07700 900001\n07700 900002\n07700 900003\n");
    // From a file: the pending lead ends at once.
    let file = "# requests this week\n07700 900001  # by phone\n\nnot a number\n07700-900001\n";
    let report = s.import_dnc(file.as_bytes(), "dnc.txt", &uk(), monday()).unwrap();
    assert_eq!((report.added, report.already, report.malformed, report.leads_ended), (1, 1, 1, 1));
    assert_eq!(report.rows[0].line, 4);
    assert_eq!(s.next_due(monday(), 10).unwrap().len(), 2);
    // An agent's dnc_request: the number joins the list in the same transaction as the CDR.
    let lead = s.next_due(monday(), 1).unwrap()[0].lead.id;
    s.begin_attempt(lead, CallId(1), monday(), "primary").unwrap();
    let asked = Cdr { disposition: "dnc_request".into(), ..cdr(1, lead, Outcome::Connected) };
    assert_eq!(s.finish_attempt(&asked, monday(), monday()).unwrap(), LeadState::Dnc);
    assert_eq!(s.summary().unwrap().dnc_numbers, 2);
    // A number listed while its call is in flight: the call finishes, the lead ends dnc.
    let last = s.next_due(monday(), 1).unwrap()[0].clone();
    s.begin_attempt(last.lead.id, CallId(2), monday(), "primary").unwrap();
    assert!(s.add_dnc(&last.lead.number, "test", monday()).unwrap());
    assert_eq!(s.finish_attempt(&cdr(2, last.lead.id, Outcome::Busy), monday(), monday()).unwrap(), LeadState::Dnc);
    assert!(s.is_finished().unwrap());
    // A lead imported after its number was listed is kept as dnc and never offered.
    let report = s.import_leads("number\n07700 900001\n".as_bytes(), "more.csv", &uk(), monday(), &mut |_| {}).unwrap();
    assert_eq!((report.imported, report.on_dnc, report.duplicates), (0, 0, 1), "already in the store");
    s.add_dnc("+447700900009", "test", monday()).unwrap();
    let report = s.import_leads("number\n07700 900009\n".as_bytes(), "more.csv", &uk(), monday(), &mut |_| {}).unwrap();
    assert_eq!((report.imported, report.on_dnc), (1, 1));
    assert!(s.next_due(monday(), 10).unwrap().is_empty());
}

#[test]
fn a_failed_write_leaves_no_half_state() {
    let mut s = store_with(london(), "number\n07700 900001\n");
    let lead = s.next_due(monday(), 1).unwrap()[0].lead.id;
    s.begin_attempt(lead, CallId(1), monday(), "primary").unwrap();
    // Make the lead's update fail after the CDR's row was written.
    s.conn
        .execute_batch(
            "CREATE TRIGGER fail BEFORE UPDATE OF state ON leads WHEN NEW.state != 'in_flight'
             BEGIN SELECT RAISE(ABORT, 'injected failure'); END;",
        )
        .unwrap();
    let asked = Cdr { disposition: "dnc_request".into(), ..cdr(1, lead, Outcome::Connected) };
    let e = s.finish_attempt(&asked, monday(), monday()).unwrap_err();
    assert!(e.to_string().contains("injected failure"), "{e}");
    assert_eq!(s.in_flight().unwrap().len(), 1, "the attempt is still open");
    assert_eq!(s.lead_state(lead).unwrap(), Some(LeadState::InFlight));
    assert_eq!(s.summary().unwrap().dnc_numbers, 0, "the dnc_request was rolled back with it");
    let outcome: Option<String> =
        s.conn.query_row("SELECT outcome FROM attempts WHERE call_id = 1", [], |r| r.get(0)).unwrap();
    assert_eq!(outcome, None, "no CDR without its lead's update");
    // Repaired, the same finish goes through.
    s.conn.execute_batch("DROP TRIGGER fail").unwrap();
    assert_eq!(s.finish_attempt(&asked, monday(), monday()).unwrap(), LeadState::Dnc);
    assert!(matches!(s.finish_attempt(&asked, monday(), monday()), Err(FinishError::AlreadyFinished(_))));
}

#[test]
fn finish_refuses_what_was_not_begun() {
    let mut s = store_with(london(), "number\n07700 900001\n07700 900002\n");
    let due = s.next_due(monday(), 2).unwrap();
    assert!(matches!(
        s.finish_attempt(&cdr(5, due[0].lead.id, Outcome::Busy), monday(), monday()),
        Err(FinishError::UnknownCall(_))
    ));
    s.begin_attempt(due[0].lead.id, CallId(5), monday(), "primary").unwrap();
    assert!(matches!(
        s.finish_attempt(&cdr(5, due[1].lead.id, Outcome::Busy), monday(), monday()),
        Err(FinishError::LeadMismatch { .. })
    ));
}

#[test]
fn import_reports_duplicates_and_malformed_rows_by_line() {
    let csv = "Name, Number ,id,timezone,notes\n\
               Ada,07700 900001,a1,,x\n\
               Bob,+44 7700 900001,b2,,\n\
               Cy,1-800-FLOWERS,c3,,\n\
               Di,07700 900004,d4,Mars/Olympus,\n\
               Ed,,e5,,\n\
               Flo,0044 7700 900006,f6,Europe/Paris,\n";
    let mut s = Store::open_in_memory(london()).unwrap(); // in memory: cannot fail to open
    let r = s.import_leads(csv.as_bytes(), "leads.csv", &uk(), monday(), &mut |_| {}).unwrap();
    assert_eq!((r.imported, r.duplicates, r.malformed, r.on_dnc), (2, 1, 3, 0));
    assert_eq!(r.ignored_columns, ["notes"]);
    let lines: Vec<_> = r.rows.iter().map(|n| (n.line, n.problem)).collect();
    assert_eq!(
        lines,
        [
            (3, RowProblem::Duplicate),
            (4, RowProblem::Malformed),
            (5, RowProblem::Malformed),
            (6, RowProblem::Malformed)
        ]
    );
    assert!(r.rows[0].reason.contains("line 2"), "{:?}", r.rows[0]);
    let text = String::from_utf8(r.write_csv(Vec::new()).unwrap()).unwrap();
    assert!(text.starts_with("line,value,problem,reason\n3,+44 7700 900001,duplicate,"), "{text}");
    // Importing the same file again adds nothing.
    let again = s.import_leads(csv.as_bytes(), "leads.csv", &uk(), monday(), &mut |_| {}).unwrap();
    assert_eq!((again.imported, again.duplicates), (0, 3));
    // A header without a number column is refused whole.
    let e = s.import_leads("phone\n07700 900009\n".as_bytes(), "bad.csv", &uk(), monday(), &mut |_| {}).unwrap_err();
    assert!(matches!(e, ImportError::NoNumberColumn { .. }), "{e}");
    assert_eq!(s.summary().unwrap().total(), 2);
}

/// A reader that fails after `ok` bytes, like a disk or network error mid-file.
struct Failing<'a> {
    data: &'a [u8],
    ok: usize,
}

impl std::io::Read for Failing<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if self.ok == 0 {
            return Err(std::io::Error::other("injected read error"));
        }
        let n = buf.len().min(self.ok).min(self.data.len());
        buf[..n].copy_from_slice(&self.data[..n]);
        self.data = &self.data[n..];
        self.ok -= n;
        Ok(n)
    }
}

#[test]
fn an_import_that_fails_midway_commits_nothing() {
    let mut csv = String::from("number\n");
    for i in 0..20_000 {
        csv.push_str(&format!("07700 9{i:05}\n"));
    }
    let mut s = Store::open_in_memory(london()).unwrap(); // in memory: cannot fail to open
    let input = Failing { data: csv.as_bytes(), ok: csv.len() / 2 };
    let e = s.import_leads(input, "big.csv", &uk(), monday(), &mut |_| {}).unwrap_err();
    assert!(matches!(e, ImportError::Read { .. }), "{e}");
    assert!(e.to_string().contains("big.csv"), "{e}");
    assert_eq!(s.summary().unwrap().total(), 0, "nothing of a failed import is kept");
    let mut seen = 0;
    let r = s.import_leads(csv.as_bytes(), "big.csv", &uk(), monday(), &mut |bytes| seen = bytes).unwrap();
    assert_eq!(r.imported, 20_000);
    assert_eq!(seen, csv.len() as u64, "progress reaches the end");
}

#[test]
fn cdrs_export_as_the_standard_file() {
    let mut s = store_with(london(), "number\n07700 900001\n07700 900002\n");
    let origin = monday();
    let due = s.next_due(origin, 2).unwrap();
    s.begin_attempt(due[0].lead.id, CallId(1), origin, "primary").unwrap();
    s.begin_attempt(due[1].lead.id, CallId(2), origin, "primary").unwrap();
    let mut sale = cdr(1, due[0].lead.id, Outcome::Connected);
    sale.disposition = "sale".into();
    let mut busy = cdr(2, due[1].lead.id, Outcome::Busy);
    busy.dial_time = Time::from_secs(5);
    busy.end_time = Time::from_secs(8);
    s.finish_attempt(&busy, origin, origin).unwrap();
    s.finish_attempt(&sale, origin, origin).unwrap();
    let bytes = s.export_cdrs(Vec::new()).unwrap();
    let back: Vec<Cdr> = CdrReader::new(&bytes[..], origin).unwrap().map(|r| r.unwrap()).collect();
    assert_eq!(back, [sale, busy], "the same records, in dial order");
    let text = String::from_utf8(bytes).unwrap();
    assert!(text.contains("2026-03-02T15:00:05.000Z"), "{text}");
}

#[test]
fn a_v1_store_is_migrated_and_keeps_its_leads() {
    let dir = tempfile::tempdir().unwrap(); // the temp folder is writable
    let path = dir.path().join("old.sqlite");
    {
        let conn = rusqlite::Connection::open(&path).unwrap();
        conn.execute_batch(schema::MIGRATIONS[0]).unwrap();
        conn.pragma_update(None, "user_version", 1).unwrap();
        conn.execute(
            "INSERT INTO leads (number, state, next_attempt_at, imported_at, source) VALUES ('+447700900001', 'pending', 0, 0, 'v1')",
            [],
        )
        .unwrap();
    }
    let mut s = Store::open(&path, london()).unwrap();
    let version: u32 = s.conn.pragma_query_value(None, "user_version", |r| r.get(0)).unwrap();
    assert_eq!(version, schema::latest());
    let mode: String = s.conn.pragma_query_value(None, "journal_mode", |r| r.get(0)).unwrap();
    assert_eq!(mode, "wal");
    let sync: i64 = s.conn.pragma_query_value(None, "synchronous", |r| r.get(0)).unwrap();
    assert_eq!(sync, 2, "FULL");
    let lead = s.next_due(monday(), 1).unwrap()[0].lead.id;
    s.schedule_callback(lead, monday(), None, monday()).unwrap();
    assert_eq!(s.summary().unwrap().open_callbacks, 1, "the v2 table works");
    drop(s);
    // Reopening is a no-op; a store from the future is refused.
    let s = Store::open(&path, london()).unwrap();
    s.conn.pragma_update(None, "user_version", 99).unwrap();
    drop(s);
    assert!(matches!(Store::open(&path, london()), Err(OpenError::TooNew { found: 99, .. })));
}

#[test]
fn the_journal_survives_a_restart() {
    let dir = tempfile::tempdir().unwrap(); // the temp folder is writable
    let path = dir.path().join("c.sqlite");
    let mut s = Store::open(&path, london()).unwrap();
    s.import_leads("number\n07700 900001\n".as_bytes(), "l.csv", &uk(), monday(), &mut |_| {}).unwrap();
    let lead = s.next_due(monday(), 1).unwrap()[0].lead.id;
    s.begin_attempt(lead, CallId(41), monday(), "primary").unwrap();
    std::mem::forget(s); // as if killed: no orderly close
    let s = Store::open(&path, london()).unwrap();
    let flying = s.in_flight().unwrap();
    assert_eq!(flying.len(), 1);
    assert_eq!((flying[0].call, flying[0].started_at, flying[0].trunk.as_str()), (CallId(41), monday(), "primary"));
    assert!(s.next_due(monday(), 1).unwrap().is_empty(), "still in flight after the restart");
}

#[test]
fn every_lead_reaches_a_final_state() {
    // Whatever the outcomes, a campaign run long enough finishes.
    let rules = Rules { retry: RetryRules { max_attempts: 4, ..RetryRules::default() }, ..london() };
    let mut csv = String::from("number\n");
    for i in 0..50 {
        csv.push_str(&format!("07700 9000{i:02}\n"));
    }
    let mut s = store_with(rules, &csv);
    let outcomes =
        [Outcome::Busy, Outcome::NoAnswer, Outcome::Machine, Outcome::Abandoned, Outcome::Failed, Outcome::Blocked];
    let mut now = monday();
    let mut call = 0;
    for round in 0..200 {
        for due in s.next_due(now, 20).unwrap() {
            call += 1;
            s.begin_attempt(due.lead.id, CallId(call), now, "primary").unwrap();
            let outcome =
                if (call + round) % 11 == 0 { Outcome::Connected } else { outcomes[call as usize % outcomes.len()] };
            s.finish_attempt(&cdr(call, due.lead.id, outcome), now, now).unwrap();
        }
        now = plus(now, 6 * HOUR);
    }
    let summary = s.summary().unwrap();
    assert!(s.is_finished().unwrap(), "{summary:?}");
    assert!(summary.is_finished());
    assert_eq!(summary.total(), 50);
}

/// Migration 3: a v2 store with a call in flight gains the dialog journal, and what a restart
/// needs after a crash (where the INVITE went, the CANCEL, the answer and its BYE, the connect)
/// comes back from `in_flight`.
#[test]
fn v3_journals_each_dialog_in_flight_for_a_restart() {
    let dir = tempfile::tempdir().unwrap(); // the temp folder is writable
    let path = dir.path().join("v2.sqlite");
    {
        let mut conn = rusqlite::Connection::open(&path).unwrap();
        let tx = conn.transaction().unwrap();
        tx.execute_batch(schema::MIGRATIONS[0]).unwrap();
        tx.execute_batch(schema::MIGRATIONS[1]).unwrap();
        tx.pragma_update(None, "user_version", 2).unwrap();
        tx.execute(
            "INSERT INTO leads (id, number, state, attempts, next_attempt_at, imported_at, source)
             VALUES (1, '+447700900001', 'in_flight', 1, 0, 0, 'v2'), (2, '+447700900002', 'pending', 0, 0, 0, 'v2')",
            [],
        )
        .unwrap();
        tx.execute(
            "INSERT INTO attempts (call_id, lead_id, attempt, started_at, trunk, state) VALUES (5, 1, 1, 0, 'a', 'in_flight')",
            [],
        )
        .unwrap();
        tx.commit().unwrap();
    }
    let mut s = Store::open(&path, london()).unwrap();
    let version: u32 = s.conn.pragma_query_value(None, "user_version", |r| r.get(0)).unwrap();
    assert_eq!(version, 3);
    let old = s.in_flight().unwrap();
    assert_eq!((old[0].call, old[0].dialog.clone()), (CallId(5), DialogJournal::default()), "nothing journaled yet");

    s.journal_invite(CallId(5), "udp:127.0.0.1:5080", b"CANCEL sip:x SIP/2.0\r\n").unwrap();
    s.mark_answered(CallId(5), monday(), b"BYE sip:x SIP/2.0\r\n").unwrap();
    s.mark_connected(CallId(5), plus(monday(), 900)).unwrap();
    let lead2 = s.next_due(monday(), 1).unwrap()[0].lead.id;
    s.begin_attempt(lead2, CallId(6), monday(), "a").unwrap();
    s.journal_invite(CallId(6), "tcp:[::1]:5060", b"CANCEL 6").unwrap();
    let flying = s.in_flight().unwrap();
    assert_eq!(flying.len(), 2);
    let d = &flying[0].dialog;
    assert_eq!(d.peer.as_deref(), Some("udp:127.0.0.1:5080"));
    assert_eq!(d.cancel_request.as_deref(), Some(&b"CANCEL sip:x SIP/2.0\r\n"[..]));
    assert_eq!((d.answered_at, d.connected_at), (Some(monday()), Some(plus(monday(), 900))));
    assert_eq!(d.bye_request.as_deref(), Some(&b"BYE sip:x SIP/2.0\r\n"[..]));
    assert_eq!((flying[1].dialog.answered_at, flying[1].dialog.peer.as_deref()), (None, Some("tcp:[::1]:5060")));
    // Only calls in flight take journal entries.
    assert!(matches!(s.mark_connected(CallId(99), monday()), Err(JournalError::NotInFlight(CallId(99)))));
    s.finish_attempt(&cdr(5, LeadId(1), Outcome::Connected), monday(), monday()).unwrap();
    assert!(matches!(s.mark_answered(CallId(5), monday(), b""), Err(JournalError::NotInFlight(_))));
}
