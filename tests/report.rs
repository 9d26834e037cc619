//! `dialer report` end to end: on a simulated run its figures are the run's own metrics.json, and
//! on an Asterisk Master.csv it reads local times, maps dispositions and names the bad lines.

use serde_json::Value;
use std::path::{Path, PathBuf};

#[path = "support/cli.rs"]
mod cli_support;
#[path = "support/small_run.rs"]
mod small_run;
use cli_support::{dialer, text};
use small_run::simulate_small as simulate;

/// The Asterisk fixture: 11 lines, line 5 has 3 fields, line 9 an unknown disposition.
fn master_csv() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/asterisk-master.csv")
}

fn json_stdout(out: &std::process::Output) -> Value {
    assert_eq!(out.status.code(), Some(0), "stderr: {}", text(&out.stderr));
    serde_json::from_slice(&out.stdout).expect("stdout is one JSON value")
}

#[test]
fn a_simulated_run_reports_its_own_metrics() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let run = tmp.path().join("run");
    simulate(&run);
    let out_dir = tmp.path().join("report");
    let report = json_stdout(&dialer([
        "report".as_ref(),
        run.as_os_str(),
        "--out".as_ref(),
        out_dir.as_os_str(),
        "--json".as_ref(),
    ]));

    // The same figures as the run measured while it ran, bit for bit, apart from its speed.
    let mut expected: Value =
        serde_json::from_str(&std::fs::read_to_string(run.join("metrics.json")).expect("written")).expect("JSON");
    let mut got = report["metrics"].clone();
    for v in [&mut expected, &mut got] {
        v.as_object_mut().expect("an object").remove("perf");
    }
    assert_eq!(got, expected);
    let dials = expected["outbound"]["dials"].as_u64().expect("a count");
    assert!(dials > 100, "the run dialled: {dials}");

    // Every dial is in one hour; the outcome mix adds up to the outbound rows.
    let hours = report["per_hour"].as_array().expect("per_hour");
    assert!(hours.len() >= 2, "an hour of calls, plus the calls still in flight: {}", hours.len());
    assert_eq!(hours.iter().map(|h| h["dials"].as_u64().expect("count")).sum::<u64>(), dials);
    let mix: u64 = hours
        .iter()
        .flat_map(|h| h["outcomes"].as_object().expect("object").values())
        .map(|v| v.as_u64().expect("count"))
        .sum();
    assert_eq!(mix, dials + expected["outbound"]["blocked"].as_u64().expect("count"));
    assert_eq!(hours[0]["start"], "2026-01-05 09:00");

    // Each agent's calls add up to the connected calls; every agent of the run is there.
    let agents = report["per_agent"].as_array().expect("per_agent");
    assert_eq!(agents.len(), 10);
    let calls: u64 = agents.iter().map(|a| a["calls"].as_u64().expect("count")).sum();
    assert_eq!(calls, expected["outbound"]["connects"].as_u64().expect("count"));
    for a in agents {
        let occupancy = a["occupancy"].as_f64().expect("an agent log was read");
        assert!((0.0..=1.0).contains(&occupancy), "{a}");
    }

    // One campaign-day, agreeing with the run's own FCC rate (one day, one campaign).
    let days = report["compliance"].as_array().expect("compliance");
    assert_eq!(days.len(), 1);
    assert_eq!(days[0]["day"], "2026-01-05");
    assert_eq!(days[0]["fcc_30_day_rate"], expected["outbound"]["abandon_rate"]);
    assert_eq!(report["problems"], Value::Array(Vec::new()));

    // The files: the JSON printed, the page with five inline plots, each plot as SVG and PNG.
    let written: Value =
        serde_json::from_str(&std::fs::read_to_string(out_dir.join("report.json")).expect("written")).expect("JSON");
    assert_eq!(written, report);
    let html = std::fs::read_to_string(out_dir.join("report.html")).expect("written");
    for stem in ["abandon", "outcomes", "wait", "talk", "occupancy"] {
        assert!(html.contains(&format!("<figure class=\"plot\" id=\"plot-{stem}\"")), "no {stem} plot in the page");
        let png = std::fs::read(out_dir.join(format!("{stem}.png"))).expect("PNG written");
        assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
        let svg = std::fs::read_to_string(out_dir.join(format!("{stem}.svg"))).expect("SVG written");
        assert!(svg.contains("</svg>"));
    }
    assert_eq!(html.matches("<svg").count(), 5, "the plots are inline");
    assert!(html.contains("Compliance per campaign and day") && html.contains("Per agent"));
}

#[test]
fn a_cdr_file_without_an_agent_log_says_agent_figures_are_absent() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let run = tmp.path().join("run");
    simulate(&run);
    let out = dialer(["report".as_ref(), run.join("cdr.csv").as_os_str()]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(stdout.contains("no agent log"), "{stdout}");
    assert!(!stdout.contains("\nagents\n"), "no agent section of zeros: {stdout}");
    assert!(stdout.contains("per hour (UTC") && stdout.contains("compliance per campaign and day"), "{stdout}");
}

/// `dialer report` on the Asterisk fixture in Europe/London, with extra arguments.
fn asterisk(args: &[&str]) -> std::process::Output {
    let mut all: Vec<std::ffi::OsString> = vec!["report".into(), master_csv().into()];
    all.extend(["--from", "asterisk", "--tz", "Europe/London"].iter().chain(args).map(Into::into));
    dialer(all)
}

#[test]
fn an_asterisk_master_csv_is_measured_and_its_bad_lines_named() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let out = tmp.path().join("report");
    let report = json_stdout(&asterisk(&["--json", "--out", out.to_str().expect("UTF-8 path")]));
    // 11 lines, 2 bad: 9 calls. 4 answered and bridged, 1 answered and never bridged.
    let m = &report["metrics"]["outbound"];
    assert_eq!(m["dials"], 9);
    assert_eq!((m["connects"].as_u64(), m["abandons"].as_u64()), (Some(4), Some(1)));
    assert_eq!((m["busy"].as_u64(), m["no_answer"].as_u64()), (Some(1), Some(1)));
    assert_eq!(m["abandon_rate"], 0.2);
    let problems = report["problems"].as_array().expect("problems");
    let lines: Vec<u64> = problems.iter().map(|p| p["line"].as_u64().expect("a line")).collect();
    assert_eq!(lines, [5, 9]);
    assert!(problems[1]["reason"].as_str().expect("text").contains("\"TRANSFERRED\" is not one of ANSWERED"));

    // July in London is BST (UTC+1): the first call, at 09:00 local, is 08:00 UTC.
    assert_eq!(report["origin"], "2026-07-02T08:00:00Z");
    let hours = report["per_hour"].as_array().expect("per_hour");
    assert_eq!(hours[0]["start"], "2026-07-02 09:00");
    assert_eq!(hours[0]["dials"], 6);
    assert_eq!(hours[1]["dials"], 2);
    assert_eq!(hours.iter().map(|h| h["dials"].as_u64().expect("count")).sum::<u64>(), 9);

    // Day 1: 1 abandon in 4 live answers. Day 2: none in 1, but 1 in 5 over the 30 days.
    let days = report["compliance"].as_array().expect("compliance");
    let rows: Vec<(&str, &str, f64, f64, bool)> = days
        .iter()
        .map(|d| {
            (
                d["campaign"].as_str().expect("text"),
                d["day"].as_str().expect("text"),
                d["ofcom_rate"].as_f64().expect("a rate"),
                d["fcc_30_day_rate"].as_f64().expect("a rate"),
                d["fcc_over_cap"].as_bool().expect("a flag"),
            )
        })
        .collect();
    assert_eq!(rows, [("spring", "2026-07-02", 0.25, 0.25, true), ("spring", "2026-07-03", 0.0, 0.2, true)]);

    // Agents from the bridged channels: SIP/1001 twice (180 + 300 s), SIP/1002 twice (120 + 120 s).
    let agents: Vec<(u64, u64, f64)> = report["per_agent"]
        .as_array()
        .expect("per_agent")
        .iter()
        .map(|a| (a["agent"].as_u64().expect("n"), a["calls"].as_u64().expect("n"), a["talk_s"].as_f64().expect("s")))
        .collect();
    assert_eq!(agents, [(1001, 2, 480.0), (1002, 2, 240.0)]);

    // The page says what the records cannot: when an agent was bridged, and the agents' time.
    let html = std::fs::read_to_string(out.join("report.html")).expect("written");
    assert!(html.contains("the records do not say when the agent was bridged"), "the wait plot explains its zeros");
    assert!(html.contains("Agent log: none"));
    assert!(html.contains("line 5: found 3 fields") && html.contains("line 9: column disposition"));
}

#[test]
fn asterisk_problems_go_to_stderr_and_flags_decide_the_exit_code() {
    let out = asterisk(&[]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let stderr = text(&out.stderr);
    assert!(stderr.contains("2 row(s) could not be read"), "{stderr}");
    assert!(stderr.contains("asterisk-master.csv: line 5: found 3 fields"), "{stderr}");
    assert!(text(&out.stdout).contains("OVER CAP (FCC, Ofcom)"), "{}", text(&out.stdout));

    assert_eq!(asterisk(&["--fail-over-cap"]).status.code(), Some(1), "a day over the cap fails the check");
    let strict = asterisk(&["--strict"]);
    assert_eq!(strict.status.code(), Some(2));
    assert!(text(&strict.stderr).contains("line 5"), "{}", text(&strict.stderr));

    let no_tz = dialer(["report".as_ref(), master_csv().as_os_str(), "--from".as_ref(), "asterisk".as_ref()]);
    assert_eq!(no_tz.status.code(), Some(2));
    assert!(text(&no_tz.stderr).contains("--from asterisk needs --tz ZONE"), "{}", text(&no_tz.stderr));
    let mut args: Vec<std::ffi::OsString> = vec!["report".into(), master_csv().into()];
    args.extend(["--from", "asterisk", "--tz", "Mars/Olympus"].map(Into::into));
    let bad_tz = dialer(args);
    assert_eq!(bad_tz.status.code(), Some(2));
    assert!(text(&bad_tz.stderr).contains("\"Mars/Olympus\" is not a time zone"), "{}", text(&bad_tz.stderr));
}

#[test]
fn help_has_examples() {
    let out = dialer(["report", "--help"]);
    assert_eq!(out.status.code(), Some(0));
    let help = text(&out.stdout);
    for flag in ["dialer report out/reference", "--from asterisk --tz", "--map dial_time=", "--agents", "--strict"] {
        assert!(help.contains(flag), "report --help lacks {flag}:\n{help}");
    }
}

#[test]
fn a_generic_export_is_read_through_its_mapping() {
    // docs/import.md's example.
    let tmp = tempfile::tempdir().expect("temp dir");
    let calls = tmp.path().join("calls.csv");
    std::fs::write(
        &calls,
        "id,queue,number,start,answered,bridged,end,status,agent_id
1,spring,07700900123,2026-01-05 09:00:00,2026-01-05 09:00:12,2026-01-05 09:00:13,2026-01-05 09:03:12,ANSWER,agent3
2,spring,07700900124,2026-01-05 09:00:05,,,2026-01-05 09:00:30,NOANSWER,
3,spring,07700900125,2026-01-05 09:00:09,2026-01-05 09:00:15,,2026-01-05 09:00:19,DROP,
4,spring,07700900126,2026-01-05 09:00:10,2026-01-05 09:00:14,,2026-01-05 09:00:20,AM,
5,spring,07700900127,2026-01-05 09:00:11,,,2026-01-05 09:00:20,VOICEMAIL,
",
    )
    .expect("temp");
    let mut args: Vec<std::ffi::OsString> = vec!["report".into(), calls.into()];
    args.extend(
        [
            "--from",
            "generic",
            "--tz",
            "America/New_York",
            "--map",
            "call_id=id,campaign=queue,callee=number,dial_time=start,answer_time=answered",
            "--map",
            "connect_time=bridged,end_time=end,outcome=status,agent=agent_id",
            "--map-outcome",
            "ANSWER=connected,NOANSWER=no_answer,DROP=abandoned,AM=machine",
            "--json",
        ]
        .map(Into::into),
    );
    let report = json_stdout(&dialer(args));
    let m = &report["metrics"]["outbound"];
    assert_eq!((m["dials"].as_u64(), m["connects"].as_u64(), m["abandons"].as_u64()), (Some(4), Some(1), Some(1)));
    assert_eq!(m["machine"], 1);
    assert_eq!(m["abandon_rate"], 0.5);
    // Answered 09:00:12, bridged 09:00:13: a one-second wait.
    assert_eq!(m["wait_to_agent_ms"]["mean"], 1000.0);
    // January in New York is EST (UTC−5).
    assert_eq!(report["origin"], "2026-01-05T14:00:00Z");
    assert_eq!(report["per_agent"][0]["agent"], 3);
    assert_eq!(report["problems"][0]["line"], 6);
    assert!(report["problems"][0]["reason"].as_str().expect("text").contains("--map-outcome VOICEMAIL=connected"));
}
