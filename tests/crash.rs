//! Crash safety: `dialer run` is killed with SIGKILL at 12 seeded random moments (between 0.3 s
//! and 4 s into each run: while it dials, journals, answers and writes CDRs; SQLite writes are
//! constant in a busy run, so several kills land in or right next to one) against `dialer callee`
//! on loopback, and restarted each time. After every kill: no lead has two calls in flight. After
//! every restart: the calls the last run left in flight are closed (the log says so), no lead is
//! lost (all 40 are there, each in a valid state). At the end a run to completion leaves every
//! lead final, every attempt closed with its CDR, and every call the callee received among the
//! journal's attempts.

use std::collections::HashSet;
use std::io::{BufRead, BufReader, Read};
use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, Instant};

#[path = "support/live.rs"]
#[allow(dead_code, reason = "crash.rs uses some of the helpers")]
mod live;

use live::{Guard, dialer};

/// A seeded generator of kill moments (SplitMix64).
fn next(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

fn open_store(campaign: &Path) -> dialer::store::Store {
    let c = dialer::campaign::load(campaign).unwrap();
    dialer::store::Store::open(&c.store, c.store_rules()).unwrap()
}

#[test]
fn kill_9_at_seeded_moments_loses_nothing_and_dials_no_lead_twice_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let (callee, addr) = live::callee(d, None);
    let today = jiff::Timestamp::now().to_zoned(jiff::tz::TimeZone::UTC);
    let day = format!("{:?}", today.weekday()).to_lowercase()[..3].to_owned();
    let campaign = live::campaign(d, &addr, &day, ("127.0.0.1:0", "127.0.0.1:0"));
    let c = campaign.to_str().unwrap();
    let mut leads = String::from("id,number\n");
    for i in 0..40 {
        leads.push_str(&format!("L{i},+1202555{:04}\n", 100 + i));
    }
    std::fs::write(d.join("leads.csv"), leads).unwrap();
    let status = dialer().args(["leads", "import", d.join("leads.csv").to_str().unwrap(), "--campaign", c]).status();
    assert!(status.unwrap().success());
    let run = || {
        dialer()
            .args(["run", c, "--until-done", "--scripted-agents", "5", "--talk", "1s", "--wrap", "200ms"])
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap()
    };

    let mut seed = 20_261_121;
    let mut closed_after_restart = 0;
    for kill in 0..12 {
        let mut child = Guard(run());
        let stderr = child.0.stderr.take().unwrap();
        let log = std::thread::spawn(move || {
            BufReader::new(stderr).lines().map_while(Result::ok).filter(|l| l.contains("closing call-")).count()
        });
        let at = Duration::from_millis(300 + next(&mut seed) % 3700);
        std::thread::sleep(at);
        child.0.kill().unwrap(); // SIGKILL
        child.0.wait().unwrap();
        closed_after_restart += log.join().unwrap();
        let store = open_store(&campaign);
        let flying = store.in_flight().unwrap();
        let leads: HashSet<_> = flying.iter().map(|f| f.lead).collect();
        assert_eq!(leads.len(), flying.len(), "kill {kill} at {at:?}: a lead in flight twice: {flying:?}");
        let summary = store.summary().unwrap();
        assert_eq!(summary.total(), 40, "kill {kill}: no lead lost: {summary:?}");
        assert_eq!(
            summary.count(dialer::store::LeadState::InFlight) as usize,
            flying.len(),
            "kill {kill}: leads in flight are exactly those with a journaled call"
        );
        eprintln!("kill {kill} at {at:?}: {} calls left in flight, {:?}", flying.len(), summary.leads);
    }

    // The last start closes what the last kill left and runs the campaign to its end.
    let started = Instant::now();
    let mut last = Guard(run());
    let mut err = String::new();
    last.0.stderr.take().unwrap().read_to_string(&mut err).unwrap();
    assert!(last.0.wait().unwrap().success(), "{err}");
    closed_after_restart += err.lines().filter(|l| l.contains("closing call-")).count();
    let store = open_store(&campaign);
    let summary = store.summary().unwrap();
    assert!(summary.is_finished(), "every lead final: {summary:?}");
    assert!(store.in_flight().unwrap().is_empty(), "every attempt closed");
    assert!(closed_after_restart > 0, "some kills left calls in flight that a restart closed");
    drop(store);

    // Every call the callee received is in the journal with its CDR.
    let cdr_path = d.join("all-cdrs.csv");
    let out = dialer().args(["leads", "cdrs", "--campaign", c, "--out", cdr_path.to_str().unwrap()]).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let cdrs = csv::Reader::from_path(&cdr_path).unwrap().records().count();
    assert_eq!(cdrs as u64, summary.attempts, "one CDR per attempt");
    unsafe {
        // SAFETY: signalling our own child process by its pid.
        libc::kill(callee.0.id() as i32, libc::SIGTERM);
    }
    let mut callee = callee;
    let deadline = Instant::now() + Duration::from_secs(20);
    while callee.0.try_wait().unwrap().is_none() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(100));
    }
    let received = csv::Reader::from_path(d.join("callee/calls.csv")).unwrap().records().count();
    assert!(
        received as u64 <= summary.attempts,
        "the callee received {received} calls, the journal has {} attempts",
        summary.attempts
    );
    eprintln!(
        "crash: 12 kills, {closed_after_restart} calls closed by restarts, {} attempts, callee saw {received}, last run {:.0?}",
        summary.attempts,
        started.elapsed()
    );
}

#[test]
fn sigterm_stops_dialing_lets_calls_end_and_exits_0() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let (_callee, addr) = live::callee(d, None);
    let today = jiff::Timestamp::now().to_zoned(jiff::tz::TimeZone::UTC);
    let day = format!("{:?}", today.weekday()).to_lowercase()[..3].to_owned();
    let campaign = live::campaign(d, &addr, &day, ("127.0.0.1:0", "127.0.0.1:0"));
    let c = campaign.to_str().unwrap();
    let leads: String =
        std::iter::once("number\n".to_owned()).chain((0..40).map(|i| format!("+1202555{:04}\n", 100 + i))).collect();
    std::fs::write(d.join("leads.csv"), leads).unwrap();
    let status = dialer().args(["leads", "import", d.join("leads.csv").to_str().unwrap(), "--campaign", c]).status();
    assert!(status.unwrap().success());
    let mut child = Guard(
        dialer()
            .args(["run", c, "--scripted-agents", "5", "--talk", "2s", "--wrap", "200ms", "--drain", "30s"])
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap(),
    );
    std::thread::sleep(Duration::from_secs(4));
    unsafe {
        // SAFETY: signalling our own child process by its pid.
        libc::kill(child.0.id() as i32, libc::SIGTERM);
    }
    let stopped = Instant::now();
    let mut err = String::new();
    child.0.stderr.take().unwrap().read_to_string(&mut err).unwrap();
    let status = child.0.wait().unwrap();
    assert!(status.success(), "exit 0 after SIGTERM: {status}\n{err}");
    assert!(err.contains("stopping: no new calls"), "{err}");
    assert!(stopped.elapsed() < Duration::from_secs(30), "bounded by --drain");
    let store = open_store(&campaign);
    assert!(store.in_flight().unwrap().is_empty(), "calls in flight ended before the exit:\n{err}");
    assert!(!store.is_finished().unwrap(), "dialing stopped early, leads left for later");
}
