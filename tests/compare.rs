//! What a user of `dialer compare` sees: the table, compare.json, the overlay plots and the exit
//! codes of the tolerance rule (docs/compare.md).

use serde_json::Value;
use std::path::Path;

#[path = "support/cli.rs"]
mod cli_support;
use cli_support::{dialer, reference, text};

fn path(p: &Path) -> &str {
    p.to_str().expect("UTF-8 path")
}

/// The reference scenario cut to 15 agents for 2 hours at `ratio`, simulated into `dir`.
fn simulate(dir: &Path, ratio: &str, seed: &str) {
    let out = dialer([
        "simulate",
        path(&reference()),
        "--set",
        "duration=2h",
        "--set",
        "agents.count=15",
        "--set",
        &format!("pacing.ratio={ratio}"),
        "--seed",
        seed,
        "--out",
        path(dir),
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
}

#[test]
fn compare_tells_a_real_change_from_noise_and_applies_tolerances() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let (a, b, c) = (tmp.path().join("ratio2"), tmp.path().join("ratio2-again"), tmp.path().join("ratio3"));
    simulate(&a, "2", "1");
    simulate(&b, "2", "2");
    simulate(&c, "3", "1");

    // Same scenario, another seed: every rate is the same up to noise, and a tolerance of a
    // whole percentage point on the abandon rate holds.
    let out = dialer(["compare", path(&a), path(&b), "--tolerance", "outbound.abandon_rate=0.01", "--json"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let v: Value = serde_json::from_slice(&out.stdout).expect("JSON");
    let rows = v["comparison"]["rows"].as_array().expect("rows");
    let row = |key: &str| rows.iter().find(|r| r["metric"] == key).unwrap_or_else(|| panic!("no {key}"));
    for key in ["outbound.connect_rate", "outbound.dials_per_hour", "agents.occupancy"] {
        assert!(row(key)["p_value"].as_f64().is_some(), "{key} is tested: {}", row(key));
    }
    assert_eq!(v["tolerances"][0]["failed"], false);

    // Ratio 3 against ratio 2: the abandon rate jumps far beyond noise and beyond 0.5 points:
    // exit 1. Both sides of the rule: a loose tolerance passes.
    let dir = tmp.path().join("compare");
    let out =
        dialer(["compare", path(&a), path(&c), "--tolerance", "outbound.abandon_rate=0.005", "--out", path(&dir)]);
    assert_eq!(out.status.code(), Some(1), "{}{}", text(&out.stdout), text(&out.stderr));
    let table = text(&out.stdout);
    assert!(table.contains("outbound.abandon_rate") && table.contains("BEYOND") && table.contains("FAIL"), "{table}");
    let json: Value = serde_json::from_str(&std::fs::read_to_string(dir.join("compare.json")).expect("compare.json"))
        .expect("valid JSON");
    let abandon = json["comparison"]["rows"]
        .as_array()
        .and_then(|r| r.iter().find(|r| r["metric"] == "outbound.abandon_rate"))
        .expect("abandon row");
    assert!(abandon["b"].as_f64() > abandon["a"].as_f64() && abandon["p_value"].as_f64() < Some(0.05));
    for stem in ["wait_to_agent", "talk_time", "abandon_rate", "occupancy", "dials"] {
        for ext in ["svg", "png"] {
            let file = dir.join(format!("{stem}.{ext}"));
            let len = std::fs::metadata(&file).map(|m| m.len()).unwrap_or(0);
            assert!(len > 2_000, "{} missing or empty", file.display());
        }
    }
    let out = dialer(["compare", path(&a), path(&c), "--tolerance", "outbound.abandon_rate=1"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stdout));

    // A CDR file with its agent log named apart gives the same comparison as the directory.
    let out =
        dialer(["compare", path(&a.join("cdr.csv")), path(&c), "--agents-a", path(&a.join("agents.csv")), "--json"]);
    let files: Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(files["comparison"]["rows"], json["comparison"]["rows"]);
}

#[test]
fn bad_input_exits_2_with_the_fix() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let a = tmp.path().join("a");
    simulate(&a, "2", "1");
    let out = dialer(["compare", path(&a), path(&a), "--tolerance", "outbound.abandon=0.01"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("is not a compared metric"), "{}", text(&out.stderr));
    let missing = tmp.path().join("missing");
    let out = dialer(["compare", path(&a), path(&missing)]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains(path(&missing)), "{}", text(&out.stderr));
    let help = text(&dialer(["compare", "--help"]).stdout);
    assert!(help.lines().any(|l| l.trim_start().starts_with("dialer compare ")), "{help}");
}
