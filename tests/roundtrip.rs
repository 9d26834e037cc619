//! The simulator has no private counters the records could not reproduce (DESIGN.md, "Output of
//! a run"): for a range of worlds, `reports` recomputes exactly the `metrics.json` of a run from its
//! `cdr.csv` and `agents.csv`; runs are deterministic for a seed; and pacers compared on one seed
//! meet the same callees (common random numbers).
//!
//! Every test drives the real `dialer` binary into a temporary directory.

use serde_json::Value;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The shipped reference scenario.
fn reference() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/reference-ratio2.toml")
}

/// A fixture scenario under `tests/data`.
fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data").join(name)
}

/// AMD on, with both kinds of error, as a `--set` override.
const AMD: &str =
    r#"amd={ decision = { dist = "const", value = "2.5s" }, false_positive = 0.05, false_negative = 0.1 }"#;

/// Inbound callers served by the same agents, as a `--set` override.
const INBOUND: &str = r#"inbound={ per_hour = 300, patience = { dist = "exp", mean = "60s" } }"#;

/// A CSV file read by hand (the simulator's files hold no quoted fields), so that the checks do
/// not lean on the reader under test.
struct Csv {
    header: Vec<String>,
    rows: Vec<Vec<String>>,
}

impl Csv {
    fn read(path: &Path) -> Csv {
        let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let mut lines = text.lines();
        let header: Vec<String> = lines.next().expect("a header line").split(',').map(str::to_owned).collect();
        let rows: Vec<Vec<String>> = lines.map(|l| l.split(',').map(str::to_owned).collect()).collect();
        for (i, row) in rows.iter().enumerate() {
            assert_eq!(row.len(), header.len(), "{} line {}: {} fields", path.display(), i + 2, row.len());
        }
        Csv { header, rows }
    }

    fn col(&self, name: &str) -> usize {
        self.header.iter().position(|h| h == name).unwrap_or_else(|| panic!("no column {name} in {:?}", self.header))
    }

    /// The values of one column, row by row.
    fn column(&self, name: &str) -> impl Iterator<Item = &str> {
        let i = self.col(name);
        self.rows.iter().map(move |r| r[i].as_str())
    }
}

/// The output of one `dialer simulate … --out DIR`.
struct Run {
    _tmp: tempfile::TempDir,
    dir: PathBuf,
    /// metrics.json as written.
    metrics_text: String,
    metrics: Value,
    cdr: Csv,
    agents: Csv,
}

impl Run {
    /// A figure of metrics.json by its dotted key, e.g. `outbound.dials`.
    fn get(&self, key: &str) -> f64 {
        metric(&self.metrics, key)
    }
}

fn metric(v: &Value, key: &str) -> f64 {
    key.split('.')
        .try_fold(v, |v, k| v.get(k))
        .and_then(Value::as_f64)
        .unwrap_or_else(|| panic!("metrics.json has no number at {key}"))
}

/// Runs `dialer simulate SCENARIO --out DIR ARGS…` into a fresh temporary directory.
fn simulate(scenario: &Path, args: &[&str]) -> Run {
    let tmp = tempfile::tempdir().expect("temp dir");
    let dir = tmp.path().join("out");
    let output = Command::new(env!("CARGO_BIN_EXE_dialer"))
        .arg("simulate")
        .arg(scenario)
        .arg("--out")
        .arg(&dir)
        .args(args)
        .output()
        .expect("the dialer binary runs");
    assert!(
        output.status.success(),
        "dialer simulate {} {args:?} failed ({}): {}",
        scenario.display(),
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    let metrics_text = std::fs::read_to_string(dir.join("metrics.json")).expect("metrics.json written");
    let metrics = serde_json::from_str(&metrics_text).expect("metrics.json is JSON");
    let cdr = Csv::read(&dir.join("cdr.csv"));
    let agents = Csv::read(&dir.join("agents.csv"));
    let left: Vec<_> = std::fs::read_dir(&dir)
        .expect("out dir")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".partial"))
        .collect();
    assert!(left.is_empty(), "temporary files left behind: {left:?}");
    Run { _tmp: tmp, dir, metrics_text, metrics, cdr, agents }
}

/// `text` with the content of every `"perf": {…}` object taken out (perf holds no nested object).
///
/// Metrics are compared as the text serde_json writes, not as parsed values: floats are written
/// as the shortest text that reads back to the same bits, so equal text is bit-identical floats,
/// while serde_json's default float parser (no `float_roundtrip` feature) may be one ulp off and
/// could hide or invent a difference.
fn without_perf(text: &str) -> String {
    const KEY: &str = "\"perf\": {";
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find(KEY) {
        let body = at + KEY.len();
        let close = rest[body..].find('}').expect("perf object closes") + body;
        out.push_str(&rest[..body]);
        rest = &rest[close..];
    }
    out.push_str(rest);
    out
}

/// Asserts two texts are equal, pointing at the first line that differs.
fn assert_same_text(left: &str, right: &str, what: &str) {
    if left == right {
        return;
    }
    let (l, r): (Vec<&str>, Vec<&str>) = (left.lines().collect(), right.lines().collect());
    let at = l.iter().zip(&r).position(|(a, b)| a != b).unwrap_or(l.len().min(r.len()));
    panic!(
        "{what} differ at line {}:\n  left:  {}\n  right: {}\n(left has {} lines, right {})",
        at + 1,
        l.get(at).unwrap_or(&"<end>"),
        r.get(at).unwrap_or(&"<end>"),
        l.len(),
        r.len()
    );
}

/// metrics.json of `run` (one replication) equals, bit for bit apart from perf, the metrics that
/// `reports` recomputes from its cdr.csv and agents.csv alone.
fn assert_roundtrip(run: &Run) {
    let again = reports::metrics_from_files(&run.dir.join("cdr.csv"), &run.dir.join("agents.csv"))
        .unwrap_or_else(|e| panic!("the files read back: {e}"));
    assert_eq!(again.perf, reports::Perf::default(), "perf is not in the records");
    let again = serde_json::to_string_pretty(&reports::summarize(&[again])).expect("metrics serialise") + "\n";
    assert_same_text(
        &without_perf(&run.metrics_text),
        &without_perf(&again),
        "metrics.json (left) and the metrics recomputed from the files (right)",
    );
    assert_waits_agree(run);
}

/// The wait percentiles of metrics.json lie within the waits of the connected calls of cdr.csv
/// (the histogram keeps three significant figures), in order.
fn assert_waits_agree(run: &Run) {
    let (outcome, direction) = (run.cdr.col("outcome"), run.cdr.col("direction"));
    let wait = run.cdr.col("wait_ms");
    let waits: Vec<f64> = run
        .cdr
        .rows
        .iter()
        .filter(|r| r[outcome] == "connected" && r[direction] == "outbound")
        .map(|r| r[wait].parse().expect("a connected call has a wait"))
        .collect();
    if waits.is_empty() {
        return;
    }
    let lo = waits.iter().copied().fold(f64::INFINITY, f64::min);
    let hi = waits.iter().copied().fold(0.0, f64::max);
    let mean = waits.iter().sum::<f64>() / waits.len() as f64;
    let got = |k: &str| run.get(&format!("outbound.wait_to_agent_ms.{k}"));
    assert!((got("mean") - mean).abs() <= 1e-9 * mean.max(1.0), "mean wait {} vs cdr.csv {mean}", got("mean"));
    let (p50, p95, p99) = (got("p50"), got("p95"), got("p99"));
    assert!(p50 <= p95 && p95 <= p99, "wait percentiles out of order: {p50}, {p95}, {p99}");
    for (name, p) in [("p50", p50), ("p95", p95), ("p99", p99)] {
        assert!(
            p >= lo * 0.999 && p <= hi * 1.001,
            "wait_to_agent_ms.{name} = {p} ms, outside the waits of the connected calls in cdr.csv \
             ({lo}..={hi} ms, {} calls)",
            waits.len()
        );
    }
}

/// The shortest interesting run: everything placed, connected, logged.
fn assert_busy_run(run: &Run) {
    assert!(run.get("outbound.dials") > 100.0, "dials: {}", run.get("outbound.dials"));
    assert!(run.get("outbound.connects") > 10.0, "connects: {}", run.get("outbound.connects"));
    assert!(run.get("agents.occupancy") > 0.0);
    assert!(run.cdr.rows.len() as f64 >= run.get("outbound.dials"));
}

#[test]
fn reference_shift_recomputes_exactly() {
    let run = simulate(&reference(), &[]);
    assert_roundtrip(&run);
    assert_busy_run(&run);
    assert_eq!(run.get("agents.count"), 100.0);
}

#[test]
fn amd_with_false_positives_and_negatives_recomputes_exactly() {
    let run = simulate(&reference(), &["--set", "duration=2h", "--set", AMD]);
    assert_roundtrip(&run);
    assert_busy_run(&run);
    assert!(run.get("outbound.amd_false_positives") > 0.0, "5% of people classed machine");
    assert!(run.get("outbound.abandon_rate_ofcom") > run.get("outbound.abandon_rate"), "Ofcom counts the FPs");
    // False negatives: machines passed to agents, who spend machine_handle on them.
    assert!(run.agents.column("state").any(|s| s == "machine"), "no agent handled a machine AMD let through");
    // Every connected person waited for the verdict (const 2.5 s), which shows in the wait.
    let connected_waits: Vec<u64> = run
        .cdr
        .rows
        .iter()
        .filter(|r| r[run.cdr.col("outcome")] == "connected")
        .map(|r| r[run.cdr.col("wait_ms")].parse().expect("wait"))
        .collect();
    assert!(connected_waits.iter().all(|w| *w >= 2500), "a connected call skipped the AMD decision");
    for p in ["p50", "p95", "p99"] {
        let v = run.get(&format!("outbound.wait_to_agent_ms.{p}"));
        assert!(v >= 2500.0 * 0.999, "wait_to_agent_ms.{p} = {v} ms, but every connected call waited ≥ 2500 ms");
    }
}

#[test]
fn blended_inbound_recomputes_exactly() {
    let run = simulate(&reference(), &["--set", "duration=2h", "--set", INBOUND]);
    assert_roundtrip(&run);
    assert_busy_run(&run);
    let offered = run.get("inbound.offered");
    assert!(offered > 0.0, "inbound.offered = 0 at 300 callers an hour");
    let inbound_rows = run.cdr.column("direction").filter(|d| *d == "inbound").count();
    assert_eq!(inbound_rows as f64, offered, "one cdr.csv row per inbound caller");
    assert!(run.get("inbound.served") > 0.0);
}

#[test]
fn warmup_is_left_out_of_records_and_metrics() {
    let run = simulate(&reference(), &["--set", "duration=2h", "--set", "warmup=30m"]);
    assert_roundtrip(&run);
    assert_busy_run(&run);
    // Timestamps share one fixed-width UTC form, so text order is time order.
    let from = "2026-01-05T09:30:00.000Z";
    if let Some(early) = run.cdr.column("dial_time").find(|t| *t < from) {
        panic!("cdr.csv has a call dialled at {early}, in the warm-up (before {from})");
    }
    if let Some(early) = run.agents.column("start").find(|t| *t < from) {
        panic!("agents.csv has an interval starting at {early}, in the warm-up (before {from})");
    }
    assert!(run.agents.column("start").any(|t| t == from), "intervals running at the end of the warm-up are cut there");
}

#[test]
fn limited_lines_recompute_exactly() {
    let run = simulate(&reference(), &["--set", "duration=2h", "--set", "dialing.lines=60"]);
    assert_roundtrip(&run);
    assert_busy_run(&run);
    let peak = run.get("lines.peak");
    assert!(peak > 0.0 && peak <= 60.0, "lines.peak = {peak} with 60 lines");
    assert!(run.get("lines.mean") <= peak);
}

#[test]
fn agent_groups_with_shifts_recompute_exactly() {
    let run = simulate(&fixture("shifts.toml"), &[]);
    assert_roundtrip(&run);
    assert_busy_run(&run);
    assert_eq!(run.get("agents.count"), 24.0, "10 + 6 + 8 agents");
    // Agents are numbered group by group: early 0..10 (logout 90m), middle 10..16 (30m to 2h),
    // late 16..24 (from 1h).
    let shift = |agent: u32| match agent {
        0..10 => ("2026-01-05T09:00:00.000Z", Some("2026-01-05T10:30:00.000Z")),
        10..16 => ("2026-01-05T09:30:00.000Z", Some("2026-01-05T11:00:00.000Z")),
        _ => ("2026-01-05T10:00:00.000Z", None),
    };
    let (agent, state, start, end) =
        (run.agents.col("agent"), run.agents.col("state"), run.agents.col("start"), run.agents.col("end"));
    let mut first: HashMap<u32, &str> = HashMap::new();
    for row in &run.agents.rows {
        let id: u32 = row[agent].parse().expect("agent id");
        let (login, logout) = shift(id);
        assert!(row[start].as_str() >= login, "agent {id} has {row:?} before logging in at {login}");
        // An agent may finish a call after the shift, but is not ready for more.
        if let Some(out) = logout
            && ["ready", "reserved", "preview"].contains(&row[state].as_str())
        {
            assert!(row[end].as_str() <= out, "agent {id} waits for calls after logging out at {out}: {row:?}");
        }
        let earliest = first.entry(id).or_insert(row[start].as_str());
        *earliest = (*earliest).min(row[start].as_str());
    }
    assert_eq!(first.len(), 24, "every agent logged time");
    for (id, earliest) in first {
        assert_eq!(earliest, shift(id).0, "agent {id} starts at its group's login");
    }
}

#[test]
fn progressive_mode_recomputes_exactly() {
    let run = simulate(&reference(), &["--set", "duration=2h", "--set", "pacing.mode=progressive"]);
    assert_roundtrip(&run);
    assert_busy_run(&run);
    // One call per free agent, who is held for it: nobody answers to find no agent.
    assert_eq!(run.get("outbound.abandons"), 0.0, "progressive mode abandoned calls");
    assert!(run.agents.column("state").any(|s| s == "reserved"), "no agent was held for a ringing call");
    assert!(run.get("lines.peak") <= 100.0, "more calls in flight than agents");
}

#[test]
fn preview_mode_recomputes_exactly() {
    let preview = r#"agents.preview={ dist = "const", value = "8s" }"#;
    let run = simulate(&reference(), &["--set", "duration=2h", "--set", "pacing.mode=preview", "--set", preview]);
    assert_roundtrip(&run);
    assert_busy_run(&run);
    assert_eq!(run.get("outbound.abandons"), 0.0, "preview mode abandoned calls");
    let previews = run.agents.column("state").filter(|s| *s == "preview").count() as f64;
    assert!(previews >= run.get("outbound.dials"), "each dial follows a preview: {previews} previews");
}

/// Everything but `perf`, with integers exact and floats to a few ulps: the parsed form of two
/// metrics objects that were written apart.
fn assert_same_metrics(left: &Value, right: &Value, at: &str) {
    match (left, right) {
        (Value::Object(a), Value::Object(b)) => {
            let keys =
                |m: &serde_json::Map<String, Value>| m.keys().filter(|k| *k != "perf").cloned().collect::<Vec<_>>();
            assert_eq!(keys(a), keys(b), "keys of {at}");
            for k in keys(a) {
                assert_same_metrics(&a[&k], &b[&k], &format!("{at}.{k}"));
            }
        }
        (Value::Number(a), Value::Number(b)) if a.is_u64() || b.is_u64() => assert_eq!(a, b, "{at}"),
        (Value::Number(a), Value::Number(b)) => {
            let (a, b) = (a.as_f64().expect("number"), b.as_f64().expect("number"));
            assert!((a - b).abs() <= 4.0 * f64::EPSILON * a.abs().max(b.abs()), "{at}: {a} vs {b}");
        }
        (a, b) => assert_eq!(a, b, "{at}"),
    }
}

#[test]
fn same_seed_same_files_other_seed_other_calls() {
    // Every random stream in play: outcomes, rings, patience, talk, wrap, AMD, inbound.
    let args = ["--set", "duration=2h", "--set", AMD, "--set", INBOUND, "--replications", "2"];
    let a = simulate(&reference(), &args);
    let b = simulate(&reference(), &args);
    for file in ["cdr.csv", "agents.csv"] {
        let (x, y) = (std::fs::read(a.dir.join(file)).expect("file"), std::fs::read(b.dir.join(file)).expect("file"));
        assert!(x == y, "{file} differs between two runs of one seed");
    }
    assert!(a.metrics.get("runs").and_then(Value::as_array).is_some_and(|r| r.len() == 2), "two runs in metrics.json");
    assert!(a.metrics_text.matches("\"perf\": {").count() >= 3, "perf in the means, ci95 and each run");
    assert_same_text(&without_perf(&a.metrics_text), &without_perf(&b.metrics_text), "metrics.json of two runs");

    // The files are those of the first replication.
    let files = reports::metrics_from_files(&a.dir.join("cdr.csv"), &a.dir.join("agents.csv")).expect("files read");
    let files = serde_json::to_value(&files).expect("metrics serialise");
    assert_same_metrics(&a.metrics["runs"][0], &files, "runs.0");

    let other = simulate(&reference(), &["--set", "duration=2h", "--set", AMD, "--set", INBOUND, "--seed", "43"]);
    let x = std::fs::read(a.dir.join("cdr.csv")).expect("file");
    assert!(x != std::fs::read(other.dir.join("cdr.csv")).expect("file"), "another seed, the same calls");
}

/// What a pacer cannot change about a dialled lead.
#[derive(Debug, PartialEq)]
struct Callee {
    /// busy, invalid, no_answer, or answered (connected, abandoned or machine).
    class: String,
    answered_by: String,
    ring_ms: String,
}

fn callees(run: &Run) -> HashMap<u64, (Callee, String, String)> {
    let c = |name| run.cdr.col(name);
    let (lead, outcome, answered_by, ring, talk) =
        (c("lead_id"), c("outcome"), c("answered_by"), c("ring_ms"), c("talk_ms"));
    let mut out = HashMap::new();
    for row in &run.cdr.rows {
        let id: u64 = row[lead].parse().expect("outbound rows carry a lead");
        let class = match row[outcome].as_str() {
            "connected" | "abandoned" | "machine" => "answered",
            other => other,
        };
        let callee =
            Callee { class: class.to_owned(), answered_by: row[answered_by].clone(), ring_ms: row[ring].clone() };
        let previous = out.insert(id, (callee, row[outcome].clone(), row[talk].clone()));
        assert!(previous.is_none(), "lead {id} dialled twice in one run");
    }
    out
}

#[test]
fn pacers_on_one_seed_meet_the_same_callees() {
    // No phases, no line limit: a lead's outcome, ring and talk time depend on the lead alone.
    let ratio = simulate(&reference(), &["--set", "duration=2h"]);
    let progressive = simulate(&reference(), &["--set", "duration=2h", "--set", "pacing.mode=progressive"]);
    assert!(ratio.get("outbound.dials") != progressive.get("outbound.dials"), "the pacers should differ");
    let (a, b) = (callees(&ratio), callees(&progressive));
    let mut both = 0;
    let mut talked_in_both = 0;
    for (lead, (callee, outcome, talk)) in &a {
        let Some((other, other_outcome, other_talk)) = b.get(lead) else { continue };
        both += 1;
        assert_eq!(callee, other, "lead {lead}: ratio 2 met {callee:?}, progressive {other:?}");
        if outcome == "connected" && other_outcome == "connected" {
            talked_in_both += 1;
            assert_eq!(talk, other_talk, "lead {lead}: talk_ms differs between pacers");
        }
    }
    assert!(both > 5000, "only {both} leads dialled by both pacers");
    assert!(talked_in_both > 1000, "only {talked_in_both} leads connected by both pacers");
    for class in ["busy", "no_answer", "answered"] {
        assert!(a.values().any(|(c, _, _)| c.class == class), "no {class} lead: the comparison proves little");
    }
}
