use super::*;
use crate::test_records::{agent_intervals, assert_close, inbound_calls, outbound, outbound_calls};
use crate::{AgentWriter, AmdVerdict, CdrWriter, Party};
use AgentState::{Ready, Reserved, Talk, Wrap};
use Outcome::{Abandoned, Blocked, Connected, NoAnswer};
use Party::Human as H;

const MIN: u64 = 60_000;

fn minutes(m: f64) -> u64 {
    (m * MIN as f64) as u64
}

fn interval(agent: u32, state: AgentState, from_s: u64, to_s: u64) -> AgentInterval {
    AgentInterval { agent, state, start: Time::from_secs(from_s), end: Time::from_secs(to_s) }
}

#[test]
fn bin_size_follows_the_length_of_the_run() {
    let hours = |h: u64| Time::from_secs(h * 3600);
    assert_eq!(TimeSeries::new(Time::ZERO, hours(8)).bin_ms, MIN, "a shift: one minute");
    assert_eq!(TimeSeries::new(Time::ZERO, hours(8)).bins.len(), 480);
    assert_eq!(TimeSeries::new(Time::ZERO, hours(1)).bin_ms, 10_000, "an hour: 10 s");
    assert_eq!(TimeSeries::new(Time::ZERO, hours(24)).bin_ms, 5 * MIN, "a day: 5 min");
    assert_eq!(TimeSeries::new(Time::ZERO, hours(800)).bin_ms, 2 * 3_600_000, "800 h: 2 h");
    let odd = TimeSeries::with_bin(Time::ZERO, Time::from_secs(150), MIN);
    assert_eq!(odd.bins.len(), 3);
    assert_eq!(odd.bin_len(2), 30_000, "the last bin is short");
    assert_eq!(odd.mid_hours()[2], 135.0 / 3600.0);
}

#[test]
fn an_abandon_shows_in_the_bin_of_its_answer_and_leaves_the_window_after_30_minutes() {
    let mut ts = TimeSeries::with_bin(Time::ZERO, Time::from_secs(3600), MIN);
    // Answered at 7:30 and abandoned 3 s later; another answered at 7:40 and connected.
    ts.add_cdr(&outbound(Abandoned, Some(H), None, minutes(7.3), Some(minutes(7.5)), None, minutes(7.55)));
    ts.add_cdr(&outbound(
        Connected,
        Some(H),
        None,
        minutes(7.4),
        Some(minutes(7.66)),
        Some(minutes(7.7)),
        minutes(10.0),
    ));
    // An AMD false positive (a person hung up on) is not a live answer for the FCC.
    ts.add_cdr(&outbound(
        Outcome::Machine,
        Some(H),
        Some(AmdVerdict::Machine),
        minutes(20.0),
        Some(minutes(20.2)),
        None,
        minutes(20.3),
    ));
    assert_eq!((ts.bins[7].live_answers, ts.bins[7].abandons), (2, 1));
    assert_eq!(ts.bins.iter().map(|b| b.live_answers).sum::<u64>(), 2);
    let rolling = ts.rolling_abandon_rate(30 * MIN);
    assert_eq!(rolling[6], None, "no live answer yet");
    assert_eq!(rolling[7], Some(0.5));
    assert_eq!(rolling[36], Some(0.5), "bins 7 to 36 are the 30 minutes ending at 37:00");
    assert_eq!(rolling[37], None, "bin 7 has left the window");
    let cumulative = ts.cumulative_abandon_rate();
    assert_eq!((cumulative[6], cumulative[7], cumulative[59]), (None, Some(0.5), Some(0.5)));
}

#[test]
fn durations_are_spread_over_the_bins_they_cross() {
    let mut ts = TimeSeries::with_bin(Time::ZERO, Time::from_secs(600), MIN);
    // Rings from 0:50 to 1:20, waits for an agent to 1:21, talks to 3:00.
    ts.add_cdr(&outbound(Connected, Some(H), None, 50_000, Some(80_000), Some(81_000), 180_000));
    assert_eq!(ts.bins[0].ringing_ms, 10_000);
    assert_eq!(ts.bins[1].ringing_ms, 20_000);
    assert_eq!(ts.bins[1].answered_waiting_ms, 1_000);
    assert_eq!((ts.bins[1].outbound_talk_ms, ts.bins[2].outbound_talk_ms), (39_000, 60_000));
    assert_eq!(ts.bins[3], Bin::default());
    // A blocked call never rang.
    ts.add_cdr(&outbound(Blocked, None, None, 200_000, None, None, 200_000));
    assert_eq!(ts.bins[3], Bin::default());
    // Inbound: accepted at 4:00, waits 30 s, talks to 5:30.
    ts.add_cdr(&crate::test_records::inbound(Connected, 240_000, Some(240_000), Some(270_000), 330_000));
    assert_eq!(
        (ts.bins[4].inbound_waiting_ms, ts.bins[4].inbound_talk_ms, ts.bins[5].inbound_talk_ms),
        (30_000, 30_000, 30_000)
    );
    let calls = ts.mean(|b| b.inbound_talk_ms);
    assert_eq!(calls[4], 0.5, "one caller talking for half the minute");
}

#[test]
fn dial_level_and_occupancy_are_per_bin_ratios_of_time() {
    let mut ts = TimeSeries::with_bin(Time::ZERO, Time::from_secs(120), MIN);
    // Minute 0: two calls ring all minute; agent 1 ready all minute, agent 2 talks all minute.
    // Minute 1: agent 1 reserved for 30 s then talks; agent 2 wraps; nothing rings.
    for call in [1, 2] {
        ts.add_cdr(&outbound(NoAnswer, None, None, call, None, None, 60_000));
    }
    for iv in [
        interval(1, Ready, 0, 60),
        interval(2, Talk, 0, 60),
        interval(1, Reserved, 60, 90),
        interval(1, Talk, 90, 120),
        interval(2, Wrap, 60, 120),
    ] {
        ts.add_interval(&iv);
    }
    let level = ts.dial_level();
    assert_close(level[0].expect("agents available"), (2.0 * 60_000.0 - 3.0) / 60_000.0);
    assert_eq!(level[1], Some(0.0), "an agent was reserved, nothing rang");
    assert_eq!(ts.occupancy(), [Some(0.5), Some(0.75)]);
    assert_eq!(ts.mean(|b| b.ready_ms), [1.0, 0.0]);
    assert_eq!(ts.mean(|b| b.logged_in_ms), [2.0, 2.0]);
    assert_eq!(TimeSeries::with_bin(Time::ZERO, Time::from_secs(60), MIN).dial_level(), [None], "no agent");
}

#[test]
fn from_files_gives_what_the_records_give() {
    let dir = tempfile::tempdir().expect("temp dir");
    let start: Timestamp = "2026-01-05T09:00:00Z".parse().expect("valid");
    let (cdr_path, agents_path) = (dir.path().join("cdr.csv"), dir.path().join("agents.csv"));
    let calls: Vec<Cdr> = outbound_calls().into_iter().chain(inbound_calls()).collect();
    let mut cdrs = CdrWriter::new(File::create(&cdr_path).expect("temp"), start).expect("header");
    for c in &calls {
        cdrs.write(c).expect("write");
    }
    cdrs.finish().expect("flush");
    let mut agents = AgentWriter::new(File::create(&agents_path).expect("temp"), start).expect("header");
    for i in agent_intervals() {
        agents.write(&i).expect("write");
    }
    agents.finish().expect("flush");

    let from_files = TimeSeries::from_files(&cdr_path, &agents_path).expect("valid files");
    let mut expected = TimeSeries::new(Time::ZERO, Time::from_secs(400));
    calls.iter().for_each(|c| expected.add_cdr(c));
    agent_intervals().iter().for_each(|i| expected.add_interval(i));
    assert_eq!(from_files.bins, expected.bins);
    assert_eq!(from_files.bin_ms, 10_000);
    assert_eq!(from_files.wall_start, Some(start), "the series starts at the first record, 09:00");
    assert_eq!(from_files.end - from_files.start, 400_000);

    std::fs::write(&agents_path, "agent,state,start\n").expect("temp");
    let e = TimeSeries::from_files(&cdr_path, &agents_path).expect_err("bad header").to_string();
    assert!(e.starts_with(&agents_path.display().to_string()), "names the file: {e}");
}
