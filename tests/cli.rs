//! What a user of `dialer simulate` sees: help, errors and exit codes, the JSON and table outputs,
//! and the record files (DESIGN.md, "Output of a run" and "Command line").

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;

#[path = "support/cli.rs"]
mod cli_support;
use cli_support::{dialer, reference, text};

fn reference_text() -> String {
    std::fs::read_to_string(reference()).expect("the reference scenario is readable")
}

/// Runs `dialer ARGS…` and insists it succeeds; returns stdout.
fn ok<I, S>(args: I) -> String
where
    I: IntoIterator<Item = S>,
    S: AsRef<std::ffi::OsStr>,
{
    let args: Vec<std::ffi::OsString> = args.into_iter().map(|a| a.as_ref().to_owned()).collect();
    let out = dialer(&args);
    assert!(out.status.success(), "dialer {args:?} failed ({}): {}", out.status, text(&out.stderr));
    text(&out.stdout)
}

/// The reference text with `from` replaced by `to` (which must be there, or the case tests nothing).
fn edit(text: &str, from: &str, to: &str) -> String {
    assert!(text.contains(from), "the reference scenario no longer contains {from:?}");
    text.replacen(from, to, 1)
}

/// The reference text without its `[population]` section.
fn without_population(text: &str) -> String {
    let start = text.find("[population]").expect("the reference has [population]");
    let end = start + text[start..].find("\n[").expect("a section follows [population]") + 1;
    format!("{}{}", &text[..start], &text[end..])
}

fn entries(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .expect("readable dir")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect()
}

#[test]
fn help_shows_an_example() {
    for args in [&["simulate", "--help"][..], &["--help"], &["help", "simulate"]] {
        let out = dialer(args);
        assert_eq!(out.status.code(), Some(0), "dialer {args:?}: {}", text(&out.stderr));
        let stdout = text(&out.stdout);
        assert!(
            stdout.lines().any(|l| l.trim_start().starts_with("dialer simulate ")),
            "dialer {args:?} shows no example line `dialer simulate …`:\n{stdout}"
        );
    }
}

/// One kind of bad input.
struct Bad {
    what: &'static str,
    /// The scenario text to write (None: pass a file that does not exist).
    scenario: Option<String>,
    /// Extra arguments after the scenario.
    args: Vec<&'static str>,
    /// What stderr must say besides the file's name: the key at fault, at least.
    says: Vec<&'static str>,
    /// A scenario error (one line, naming the file, ending with the fix) rather than clap's usage.
    scenario_error: bool,
}

fn bad_inputs() -> Vec<Bad> {
    let r = reference_text();
    let bad = |what, scenario: Option<String>, args: Vec<&'static str>, says| Bad {
        what,
        scenario,
        args,
        says,
        scenario_error: true,
    };
    let groups = "count = 100\n[[agents.groups]]\nname = \"day\"\ncount = 10\n";
    vec![
        bad("unknown key", Some(edit(&r, "ratio = 2.0", "ratoi = 2.0")), vec![], vec!["pacing.ratoi", "ratio"]),
        bad(
            "probabilities not summing to 1",
            Some(edit(&r, "human = 0.30", "human = 0.40")),
            vec![],
            vec!["population", "sum to 1"],
        ),
        bad(
            "a negative duration",
            Some(edit(&r, "ring_timeout = \"25s\"", "ring_timeout = \"-25s\"")),
            vec![],
            vec!["dialing.ring_timeout", "negative"],
        ),
        bad(
            "an unparsable duration",
            Some(edit(&r, "drop_after = \"1h\"", "drop_after = \"1 hour-ish\"")),
            vec![],
            vec!["dialing.drop_after", "1 hour-ish"],
        ),
        bad("a zero duration", Some(r.clone()), vec!["--set", "duration=0s"], vec!["duration", "--set duration=0s"]),
        bad(
            "both agents.count and agents.groups",
            Some(edit(&r, "count = 100\n", groups)),
            vec![],
            vec!["agents", "count", "groups"],
        ),
        bad("no [population] for an outbound mode", Some(without_population(&r)), vec![], vec!["[population]"]),
        bad("a missing scenario file", None, vec![], vec!["cannot read"]),
        bad(
            "an unknown key given with --set",
            Some(r.clone()),
            vec!["--set", "pacing.ratoi=3"],
            vec!["--set pacing.ratoi=3", "pacing.ratoi"],
        ),
        bad(
            "a --set without =",
            Some(r.clone()),
            vec!["--set", "pacing.ratio"],
            vec!["--set pacing.ratio", "key=value"],
        ),
        bad(
            "an abandon target of zero",
            Some(edit(&r, "mode = \"ratio\"", "mode = \"predictive\"\ntarget_abandon = 0")),
            vec![],
            vec!["pacing.target_abandon", "above 0"],
        ),
        bad(
            "preview mode without a preview time",
            Some(edit(&r, "mode = \"ratio\"", "mode = \"preview\"")),
            vec![],
            vec!["agents.preview"],
        ),
        Bad {
            what: "zero replications (a usage error)",
            scenario: Some(r.clone()),
            args: vec!["--replications", "0"],
            says: vec!["--replications"],
            scenario_error: false,
        },
        Bad {
            what: "an unknown flag (a usage error)",
            scenario: Some(r),
            args: vec!["--sed", "4"],
            says: vec!["--sed"],
            scenario_error: false,
        },
    ]
}

/// Whether `message` ends with its `(fix: …)`: the parenthesis the first `(fix: ` opens closes on
/// the message's last character (a fix may hold parentheses of its own).
fn ends_with_fix(message: &str) -> bool {
    let Some(at) = message.find("(fix: ") else { return false };
    let mut depth = 0;
    for (i, c) in message[at..].char_indices() {
        match c {
            '(' => depth += 1,
            ')' => depth -= 1,
            _ => {}
        }
        if depth == 0 {
            return at + i + 1 == message.len();
        }
    }
    false
}

#[test]
fn bad_input_exits_2_writes_nothing_and_says_where_and_how_to_fix() {
    let mut failures = Vec::new();
    for (i, case) in bad_inputs().into_iter().enumerate() {
        let tmp = tempfile::tempdir().expect("temp dir");
        let file = tmp.path().join(format!("bad-{i}.toml"));
        if let Some(scenario) = &case.scenario {
            std::fs::write(&file, scenario).expect("temp file");
        }
        // Once into a directory that does not exist, once into an empty one that does.
        let absent = tmp.path().join("out-absent");
        let present = tmp.path().join("out-present");
        std::fs::create_dir(&present).expect("temp dir");
        for out in [&absent, &present] {
            let mut args: Vec<std::ffi::OsString> = vec!["simulate".into(), file.clone().into()];
            args.extend(case.args.iter().map(Into::into));
            args.extend(["--out".into(), out.into()]);
            let output = dialer(&args);
            let stderr = text(&output.stderr);
            let mut wrong = Vec::new();
            if output.status.code() != Some(2) {
                wrong.push(format!("exit status {:?}, not 2", output.status.code()));
            }
            if out == &absent && out.exists() {
                wrong.push(format!("created {} holding {:?}", out.display(), entries(out)));
            }
            if out == &present && !entries(out).is_empty() {
                wrong.push(format!("wrote {:?} into {}", entries(out), out.display()));
            }
            if !output.stdout.is_empty() {
                wrong.push(format!("printed on stdout: {}", text(&output.stdout)));
            }
            for says in &case.says {
                if !stderr.contains(says) {
                    wrong.push(format!("stderr does not say {says:?}"));
                }
            }
            if case.scenario_error {
                let message = stderr.trim_end();
                if !message.contains(&file.display().to_string()) {
                    wrong.push("stderr does not name the file".to_owned());
                }
                // DESIGN.md's form: `FILE: [--set ASSIGNMENT: ]KEY: PROBLEM (fix: FIX)`, on one line.
                if !ends_with_fix(message) || message.lines().count() != 1 {
                    wrong.push("stderr is not one line ending with `(fix: …)`".to_owned());
                }
            }
            if !wrong.is_empty() {
                failures.push(format!(
                    "{} (dialer {args:?}):\n    {}\n    stderr: {stderr}",
                    case.what,
                    wrong.join("\n    ")
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{} bad-input run(s) misbehaved:\n{}", failures.len(), failures.join("\n"));
}

/// `metrics.json`'s keys that scripts rely on (DESIGN.md, "Keys of `metrics.json`").
const KEYS: &[&str] = &[
    "outbound.dials",
    "outbound.human",
    "outbound.machine",
    "outbound.busy",
    "outbound.no_answer",
    "outbound.invalid",
    "outbound.blocked",
    "outbound.connects",
    "outbound.abandons",
    "outbound.abandon_rate",
    "outbound.abandon_rate_ofcom",
    "outbound.amd_false_positives",
    "outbound.wait_to_agent_ms.mean",
    "outbound.wait_to_agent_ms.p50",
    "outbound.wait_to_agent_ms.p95",
    "outbound.wait_to_agent_ms.p99",
    "inbound.offered",
    "inbound.blocked",
    "inbound.served",
    "inbound.abandons",
    "inbound.abandon_rate",
    "inbound.p_wait",
    "inbound.mean_wait_served_s",
    "inbound.service_level_20s",
    "agents.count",
    "agents.occupancy",
    "agents.talk_fraction",
    "agents.talk_minutes_per_hour",
    "agents.contacts_per_hour",
    "lines.peak",
    "lines.mean",
    "perf.events",
    "perf.wall_ms",
    "perf.events_per_s",
    "perf.dials_per_s",
];

fn number(v: &Value, key: &str) -> Option<f64> {
    key.split('.').try_fold(v, |v, k| v.get(k)).and_then(Value::as_f64)
}

/// Every number under `v`, with its dotted key.
fn leaves(v: &Value, at: &str, out: &mut Vec<(String, f64)>) {
    match v {
        Value::Object(map) => {
            for (k, child) in map {
                leaves(child, &if at.is_empty() { k.clone() } else { format!("{at}.{k}") }, out);
            }
        }
        Value::Number(n) => out.push((at.to_owned(), n.as_f64().expect("finite"))),
        other => panic!("{at} is {other}, not a number or object"),
    }
}

#[test]
fn replications_print_means_ci95_and_runs_as_json() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let scenario = reference();
    let out = Command::new(env!("CARGO_BIN_EXE_dialer"))
        .current_dir(tmp.path())
        .args(["simulate".as_ref(), scenario.as_os_str()])
        .args(["--replications", "3", "--json", "--set", "duration=1h"])
        .output()
        .expect("runs");
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(entries(tmp.path()).is_empty(), "wrote files without --out: {:?}", entries(tmp.path()));
    // stdout is the JSON object and nothing else.
    let v: Value = serde_json::from_slice(&out.stdout).expect("stdout is one JSON value");
    let runs = v.get("runs").and_then(Value::as_array).expect("a runs array");
    assert_eq!(runs.len(), 3);
    let ci = v.get("ci95").expect("a ci95 object");
    for key in KEYS {
        assert!(number(&v, key).is_some(), "no mean at {key}");
        assert!(number(ci, key).is_some(), "no ci95 at {key}");
        for (i, run) in runs.iter().enumerate() {
            assert!(number(run, key).is_some(), "runs.{i} has no {key}");
        }
    }
    for key in ["outbound.dials", "agents.occupancy", "lines.mean"] {
        let mean = runs.iter().map(|r| number(r, key).expect("number")).sum::<f64>() / 3.0;
        let shown = number(&v, key).expect("number");
        assert!(
            (shown - mean).abs() <= 1e-9 * mean.abs().max(1.0),
            "{key}: {shown} is not the mean {mean} of the runs"
        );
    }
    let mut half_widths = Vec::new();
    leaves(ci, "", &mut half_widths);
    assert!(half_widths.len() >= KEYS.len());
    for (key, h) in &half_widths {
        assert!(h.is_finite() && *h >= 0.0, "ci95.{key} = {h}");
    }
    assert!(
        half_widths.iter().any(|(k, h)| k.starts_with("outbound.") && *h > 0.0),
        "every outbound half-width is 0 over 3 replications: are the replications the same run?"
    );
    assert_ne!(number(&runs[0], "outbound.dials"), number(&runs[1], "outbound.dials"), "replications share a seed");
}

#[test]
fn table_is_readable_and_says_where_it_wrote() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let dir = tmp.path().join("run");
    let scenario = reference();
    let with_out = ok([
        "simulate".as_ref(),
        scenario.as_os_str(),
        "--set".as_ref(),
        "duration=1h".as_ref(),
        "--out".as_ref(),
        dir.as_os_str(),
    ]);
    for label in ["abandon rate (FCC)", "occupancy", "dials placed"] {
        assert!(with_out.contains(label), "the table has no {label:?}:\n{with_out}");
    }
    assert!(serde_json::from_str::<Value>(&with_out).is_err(), "without --json stdout is not JSON");
    let wrote =
        with_out.lines().find(|l| l.contains("wrote")).unwrap_or_else(|| panic!("no `wrote` line:\n{with_out}"));
    assert!(wrote.contains(&dir.display().to_string()), "the `wrote` line does not name {}: {wrote}", dir.display());
    let mut files = entries(&dir);
    files.sort();
    assert_eq!(files, ["agents.csv", "cdr.csv", "metrics.json"]);
    for file in &files {
        assert!(wrote.contains(file.as_str()), "the `wrote` line does not name {file}: {wrote}");
    }

    let without_out = ok(["simulate".as_ref(), scenario.as_os_str(), "--set".as_ref(), "duration=1h".as_ref()]);
    assert!(!without_out.contains("wrote"), "claims to have written files without --out:\n{without_out}");
}

/// DESIGN.md's columns of `cdr.csv`, in order.
const CDR_HEADER: &str = "call_id,campaign,lead_id,attempt,direction,caller,callee,dial_time,answer_time,\
connect_time,end_time,outcome,disposition,answered_by,amd,agent,ring_ms,wait_ms,talk_ms,hangup_by,sip_code,\
call_type,recording";

/// RFC 3339 UTC with milliseconds: `2026-01-05T09:00:00.000Z`.
fn is_timestamp(t: &str) -> bool {
    let b = t.as_bytes();
    b.len() == 24
        && b.iter().enumerate().all(|(i, c)| match i {
            4 | 7 => *c == b'-',
            10 => *c == b'T',
            13 | 16 => *c == b':',
            19 => *c == b'.',
            23 => *c == b'Z',
            _ => c.is_ascii_digit(),
        })
}

/// The rows of a CSV file, after checking its header and that every row has as many fields.
fn rows(path: &Path, header: &str) -> Vec<Vec<String>> {
    let content = std::fs::read_to_string(path).expect("written");
    let mut lines = content.lines();
    assert_eq!(lines.next(), Some(header), "{} header", path.display());
    let width = header.split(',').count();
    let rows: Vec<Vec<String>> = lines.map(|l| l.split(',').map(str::to_owned).collect()).collect();
    assert!(!rows.is_empty(), "{} has no rows", path.display());
    for (i, row) in rows.iter().enumerate() {
        assert_eq!(row.len(), width, "{} line {} has {} fields", path.display(), i + 2, row.len());
    }
    rows
}

#[test]
fn record_files_follow_the_contract() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let dir = tmp.path().join("run");
    let scenario = reference();
    let amd = r#"amd={ decision = { dist = "const", value = "2.5s" }, false_positive = 0.05, false_negative = 0.1 }"#;
    let args = [
        "--set",
        "duration=1h",
        "--set",
        "start=2026-03-02T08:15:00Z",
        "--set",
        "inbound={ per_hour = 200 }",
        "--set",
        amd,
    ];
    ok(["simulate".as_ref(), scenario.as_os_str(), "--out".as_ref(), dir.as_os_str()]
        .into_iter()
        .chain(args.iter().map(|a| a.as_ref())));

    let cdr = rows(&dir.join("cdr.csv"), CDR_HEADER);
    let col = |name: &str| CDR_HEADER.split(',').position(|c| c == name).expect("a DESIGN.md column");
    let allowed: [(&str, &[&str]); 6] = [
        ("direction", &["outbound", "inbound"]),
        ("outcome", &["connected", "abandoned", "machine", "busy", "no_answer", "invalid", "blocked", "failed"]),
        ("answered_by", &["human", "machine", ""]),
        ("amd", &["human", "machine", "notsure", ""]),
        ("hangup_by", &["callee", "agent", "dialer", "network"]),
        ("sip_code", &["200", "486", "487", "404", "503"]),
    ];
    for row in &cdr {
        for (name, values) in allowed {
            assert!(values.contains(&row[col(name)].as_str()), "{name} = {:?} in {row:?}", row[col(name)]);
        }
        for name in ["dial_time", "end_time"] {
            assert!(is_timestamp(&row[col(name)]), "{name} = {:?} is not RFC 3339 UTC with ms", row[col(name)]);
        }
        for name in ["answer_time", "connect_time"] {
            let t = &row[col(name)];
            assert!(t.is_empty() || is_timestamp(t), "{name} = {t:?} is not RFC 3339 UTC with ms");
        }
        assert!(row[col("dial_time")] <= row[col("end_time")], "ends before it starts: {row:?}");
    }
    for direction in ["outbound", "inbound"] {
        assert!(cdr.iter().any(|r| r[col("direction")] == direction), "no {direction} call");
    }
    assert!(cdr.iter().any(|r| r[col("amd")] == "machine"), "AMD on, yet no machine verdict");
    let first_dial = cdr.iter().map(|r| r[col("dial_time")].as_str()).min().expect("rows");
    assert_eq!(first_dial, "2026-03-02T08:15:00.000Z", "the first dial is at the scenario's start");

    let agents = rows(&dir.join("agents.csv"), "agent,state,start,end");
    let states = ["ready", "reserved", "preview", "talk", "wrap", "machine", "paused"];
    for row in &agents {
        assert!(states.contains(&row[1].as_str()), "state {:?}", row[1]);
        assert!(is_timestamp(&row[2]) && is_timestamp(&row[3]), "interval times {row:?}");
        assert!(row[2] <= row[3], "interval ends before it starts: {row:?}");
    }
    let first = agents.iter().map(|r| r[2].as_str()).min().expect("rows");
    assert_eq!(first, "2026-03-02T08:15:00.000Z", "agents log in at the scenario's start");
}

#[test]
fn seed_changes_results_and_set_seed_is_the_flag() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let scenario = tmp.path().join("seeded.toml");
    let r = reference_text();
    let seed_line = r.lines().find(|l| l.starts_with("seed = ")).expect("the reference has a seed").to_owned();
    std::fs::write(&scenario, edit(&r, &seed_line, "seed = 9")).expect("temp file");
    let run = |name: &str, extra: &[&str]| -> (PathBuf, Value) {
        let dir = tmp.path().join(name);
        let mut args: Vec<std::ffi::OsString> = vec!["simulate".into(), scenario.clone().into()];
        args.extend(["--set", "duration=1h", "--json", "--out"].map(Into::into));
        args.push(dir.clone().into());
        args.extend(extra.iter().map(Into::into));
        let mut v: Value = serde_json::from_str(&ok(&args)).expect("JSON on stdout");
        v.as_object_mut().expect("object").remove("perf");
        (dir, v)
    };
    let same = |a: &Path, b: &Path| {
        ["cdr.csv", "agents.csv"].iter().all(|f| std::fs::read(a.join(f)).ok() == std::fs::read(b.join(f)).ok())
    };
    let (one, one_v) = run("seed-1", &["--seed", "1"]);
    let (two, two_v) = run("seed-2", &["--seed", "2"]);
    assert_ne!(one_v, two_v, "--seed 1 and --seed 2 give the same metrics");
    assert!(!same(&one, &two), "--seed 1 and --seed 2 give the same records");
    let (set, set_v) = run("set-seed-1", &["--set", "seed=1"]);
    assert_eq!(one_v, set_v, "--set seed=1 differs from --seed 1");
    assert!(same(&one, &set), "--set seed=1 writes other records than --seed 1");
    let (file, file_v) = run("file-seed", &[]);
    let (flag, flag_v) = run("flag-seed-9", &["--seed", "9"]);
    assert_eq!(file_v, flag_v, "--seed 9 differs from the file's seed = 9");
    assert!(same(&file, &flag), "--seed 9 writes other records than the file's seed = 9");
    assert!(!same(&one, &file));
}
