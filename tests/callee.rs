//! `dialer callee` on loopback, called by our own `dialer load`: each population answers as the
//! scenario says, and the callee's records agree with the caller's report. Every run is bounded
//! (`--calls`, `--duration`) and lasts seconds.

#[path = "support/cli.rs"]
#[allow(dead_code, reason = "shared with the other tests; this one runs no scenario of the library")]
mod cli;

#[path = "support/callee.rs"]
#[allow(dead_code, reason = "shared by the tests of dialer callee and dialer load")]
mod callee;

use callee::{Callee, column, count, load, scenario};

use sim::callee::draw_callee;
use sim::rng::Streams;

const QUICK: &str =
    "ring = { dist = \"const\", value = \"200ms\" }\nbusy_after = { dist = \"const\", value = \"100ms\" }";

#[test]
fn a_busy_population_answers_every_call_486() {
    let dir = tempfile::tempdir().unwrap();
    let sc = scenario(dir.path(), &format!("busy = 1.0\n{QUICK}"));
    let callee = Callee::start(dir.path(), &sc, 10, &[]);
    let report = load(&callee, &["--rate", "20", "--calls", "10"]);
    assert_eq!(count(&report, "/calls/by_code/486"), 10, "{report}");
    let (summary, rows) = callee.finish();
    assert_eq!(column(&rows, "final_code"), vec!["486"; 10]);
    assert_eq!(column(&rows, "kind"), vec!["busy"; 10]);
    assert!(summary.contains("486: 10"), "{summary}");
    // busy_after is 100 ms: no refusal comes sooner.
    for r in &rows {
        let took = r["ended_ms"].parse::<u64>().unwrap() - r["invited_ms"].parse::<u64>().unwrap();
        assert!((95..1_000).contains(&took), "refused after {took} ms");
    }
}

#[test]
fn an_invalid_population_answers_every_call_404() {
    let dir = tempfile::tempdir().unwrap();
    let sc = scenario(dir.path(), &format!("invalid = 1.0\n{QUICK}"));
    let callee = Callee::start(dir.path(), &sc, 8, &[]);
    let report = load(&callee, &["--rate", "20", "--calls", "8"]);
    assert_eq!(count(&report, "/calls/by_code/404"), 8, "{report}");
    let (_, rows) = callee.finish();
    assert_eq!(column(&rows, "final_code"), vec!["404"; 8]);
    assert_eq!(column(&rows, "hangup_by"), vec!["none"; 8]);
}

#[test]
fn people_without_a_patience_limit_answer_and_stay_until_the_callers_bye() {
    let dir = tempfile::tempdir().unwrap();
    let sc = scenario(dir.path(), &format!("human = 1.0\n{QUICK}"));
    let callee = Callee::start(dir.path(), &sc, 20, &[]);
    let report = load(&callee, &["--rate", "20", "--calls", "20", "--hold", "1s", "--reinvite-share", "0.5"]);
    assert_eq!(count(&report, "/calls/answered"), 20, "{report}");
    assert_eq!(count(&report, "/calls/failed"), 0, "{report}");
    assert_eq!(count(&report, "/calls/remote_hangups"), 0, "{report}");
    assert!(count(&report, "/calls/reinvited") > 0, "re-INVITEs answered 200\n{report}");
    let (summary, rows) = callee.finish();
    assert_eq!(column(&rows, "hangup_by"), vec!["caller"; 20]);
    assert_eq!(column(&rows, "final_code"), vec!["200"; 20]);
    // Without --media the load generator offers `a=inactive`, and the callee honours it: no
    // audio to a port nobody reads.
    for r in &rows {
        let sent: u64 = r["rtp_sent"].parse().unwrap();
        assert_eq!(sent, 0, "RTP packets sent against an inactive offer");
        let rang = r["answered_ms"].parse::<u64>().unwrap() - r["invited_ms"].parse::<u64>().unwrap();
        assert!((195..1_000).contains(&rang), "answered after {rang} ms");
    }
    assert!(summary.contains("caller 20"), "{summary}");
}

#[test]
fn nobody_answers_until_the_caller_cancels_then_487() {
    let dir = tempfile::tempdir().unwrap();
    let sc = scenario(dir.path(), &format!("no_answer = 1.0\n{QUICK}"));
    let callee = Callee::start(dir.path(), &sc, 6, &[]);
    let report = load(&callee, &["--rate", "20", "--calls", "6", "--ring-timeout", "600ms"]);
    assert_eq!(count(&report, "/calls/by_code/487"), 6, "{report}");
    assert_eq!(count(&report, "/latency_ms/ringing/count"), 6, "180 on every call\n{report}");
    let (summary, rows) = callee.finish();
    assert_eq!(column(&rows, "hangup_by"), vec!["cancel"; 6]);
    assert!(summary.contains("180: 6") && summary.contains("487: 6"), "{summary}");
}

#[test]
fn people_who_hear_no_one_hang_up_after_greeting_and_patience() {
    let dir = tempfile::tempdir().unwrap();
    let sc = scenario(dir.path(), &format!("human = 1.0\n{QUICK}\npatience = {{ dist = \"exp\", mean = \"3s\" }}"));
    let callee = Callee::start(dir.path(), &sc, 5, &[]);
    // The caller holds 30 s and sends no audio.
    let report = load(&callee, &["--rate", "10", "--calls", "5", "--hold", "30s", "--drain", "35s"]);
    assert_eq!(count(&report, "/calls/remote_hangups"), 5, "{report}");
    let (_, rows) = callee.finish();
    for r in &rows {
        assert_eq!(r["hangup_by"], "callee");
        assert_eq!(r["heard_voice"], "false");
        let held = r["ended_ms"].parse::<i64>().unwrap() - r["answered_ms"].parse::<i64>().unwrap();
        let expected = r["greeting_ms"].parse::<i64>().unwrap() + r["patience_ms"].parse::<i64>().unwrap();
        // Our BYE leaves at greeting + patience; the row ends at its 200, a loopback round trip later.
        assert!((expected..expected + 300).contains(&held), "held {held} ms, expected {expected} ms");
    }
}

#[test]
fn by_number_the_callee_meets_the_simulators_people() {
    let dir = tempfile::tempdir().unwrap();
    let population = "human = 0.4\nmachine = 0.2\nbusy = 0.2\nno_answer = 0.1\ninvalid = 0.1\n\
                      ring = { dist = \"uniform\", min = \"100ms\", max = \"400ms\" }\n\
                      busy_after = { dist = \"const\", value = \"100ms\" }\npatience = { dist = \"exp\", mean = \"20s\" }";
    let sc = scenario(dir.path(), population);
    let numbers = dir.path().join("numbers.csv");
    std::fs::write(&numbers, "number\n".to_owned() + &(101..=112).map(|n| format!("{n}\n")).collect::<String>())
        .unwrap();
    let numbers = numbers.to_str().unwrap();
    let scenario_model = sim::scenario::load(&sc, &[]).unwrap();
    let streams = Streams::new(scenario_model.seed);
    let mut seen = Vec::new();
    for run in 0..2 {
        let rundir = dir.path().join(format!("run{run}"));
        std::fs::create_dir_all(&rundir).unwrap();
        let callee = Callee::start(&rundir, &sc, 12, &["--by-number"]);
        load(
            &callee,
            &["--rate", "30", "--calls", "12", "--numbers", numbers, "--ring-timeout", "1s", "--hold", "200ms"],
        );
        let (_, mut rows) = callee.finish();
        rows.sort_by_key(|r| r["lead"].parse::<u64>().unwrap());
        assert_eq!(column(&rows, "lead"), (101..=112).map(|n| n.to_string()).collect::<Vec<_>>());
        for r in &rows {
            let lead: u64 = r["lead"].parse().unwrap();
            let draw = draw_callee(&scenario_model, &streams, lead, reports::Time::ZERO);
            assert_eq!(r["kind"], sim::emulate::server::kind_name(draw.kind), "lead {lead}");
            assert_eq!(r["ring_ms"], draw.after_ms.map(|v| v.to_string()).unwrap_or_default(), "lead {lead}");
        }
        let people: Vec<Vec<String>> = rows
            .iter()
            .map(|r| ["lead", "kind", "ring_ms", "patience_ms", "greeting_ms"].iter().map(|c| r[*c].clone()).collect())
            .collect();
        seen.push(people);
    }
    assert_eq!(seen[0], seen[1], "same seed, same people");
    let kinds: std::collections::BTreeSet<&str> = seen[0].iter().map(|p| p[1].as_str()).collect();
    assert!(kinds.len() >= 3, "a mixed population: {kinds:?}");
}
