//! `dialer fit` round trip: simulate a known scenario, fit its records, and recover every
//! parameter within its confidence interval; then simulate the fitted scenario and find the
//! source run's main metrics again (`dialer compare` within tolerance).

use serde_json::Value;
use std::path::Path;

#[path = "support/cli.rs"]
#[allow(dead_code)] // not every helper is used here
mod cli_support;
use cli_support::{dialer, text};

/// The truth. Two hours at one mix, then a third at a lower human share (a phase), ring times
/// cut by a 20 s timeout, patience censored by agents and by an 8 s drop.
const TRUTH: &str = r#"
name = "truth"
duration = "3h"
seed = 11
start = "2026-03-02T08:00:00Z"

[agents]
count = 20
talk = { dist = "lognormal", mean = "120s", sd = "60s" }
wrap = { dist = "gamma", mean = "10s", sd = "5s" }

[population]
human = 0.35
machine = 0.15
busy = 0.10
no_answer = 0.38
invalid = 0.02
ring = { dist = "lognormal", mean = "10s", sd = "5s" }
busy_after = { dist = "const", value = "3s" }
patience = { dist = "exp", mean = "6s" }

[[population.phases]]
from = "2h"
human = 0.20
machine = 0.15
busy = 0.10
no_answer = 0.53
invalid = 0.02

[dialing]
ring_timeout = "20s"
drop_after = "8s"

[pacing]
mode = "ratio"
ratio = 3.0
"#;

/// The two-sided normal quantile for a family-wise error of 1 % over the 24 stochastic
/// assertions below (Bonferroni: 0.01 / 24 = 4.2e-4 each): z = 3.53. A correct estimator fails
/// one of them with probability under 1 %; the seed is fixed, so the outcome is reproducible.
const Z: f64 = 3.53;

fn run(args: &[&str]) -> std::process::Output {
    let out = dialer(args);
    assert!(out.status.success(), "dialer {args:?}: {}", text(&out.stderr));
    out
}

fn path(p: &Path) -> &str {
    p.to_str().expect("UTF-8 path")
}

/// Asserts |estimate − truth| ≤ Z · se.
fn within(what: &str, estimate: f64, truth: f64, se: f64) {
    assert!(
        (estimate - truth).abs() <= Z * se,
        "{what}: estimate {estimate} is {:.2} standard errors from the truth {truth} (se {se})",
        (estimate - truth).abs() / se
    );
}

#[test]
fn fitting_a_simulated_run_recovers_its_scenario_and_its_metrics() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let truth = tmp.path().join("truth.toml");
    std::fs::write(&truth, TRUTH).expect("temp dir");
    let source = tmp.path().join("source");
    run(&["simulate", path(&truth), "--out", path(&source)]);
    let fitted = tmp.path().join("fitted.toml");
    let out = run(&["fit", path(&source), "--out", path(&fitted), "--pacing", "ratio", "--ratio", "3", "--json"]);
    let fit: Value = serde_json::from_slice(&out.stdout).expect("JSON on stdout");
    let f = |key: &str| -> f64 {
        reports::metric_value(&fit, key)
            .unwrap_or_else(|| panic!("no {key} in {}", serde_json::to_string_pretty(&fit).unwrap()))
    };

    // Deterministic figures.
    assert_eq!(f("agents"), 20.0);
    assert_eq!(f("ring_timeout_ms"), 20_000.0, "no-answer calls ring exactly the timeout");
    assert_eq!(f("drop_after_ms"), 8_000.0, "dropped calls waited exactly drop_after");
    assert_eq!(fit["busy_after"]["candidates"][0]["family"], "const");
    assert_eq!(f("busy_after.candidates.0.params.0"), 3_000.0);

    // The mix: the hours differ, so there are per-hour phases (chi-square p < 1 %: with ~1400
    // dials an hour the 0.35 → 0.20 drop gives χ² in the hundreds, so this has power ≈ 1).
    let phases = fit["phases"].as_array().expect("phases");
    assert_eq!(phases.len(), 3, "one phase per hour: {phases:?}");
    for (i, phase) in phases.iter().enumerate() {
        let truth = if i < 2 { [0.35, 0.15, 0.10, 0.38, 0.02] } else { [0.20, 0.15, 0.10, 0.53, 0.02] };
        let n = phase["dials"].as_f64().expect("dials");
        for (k, name) in ["human", "machine", "busy", "no_answer", "invalid"].iter().enumerate() {
            // Binomial standard error at the true share. The ring-timeout correction adds a
            // little (the fitted F(20 s) is known to ±0.5 %), covered by the margin of Z.
            let p = truth[k];
            let se = (p * (1.0 - p) / n).sqrt();
            within(&format!("hour {i} {name}"), phase["mix"][name].as_f64().expect("share"), p, se);
        }
    }
    // 15 assertions so far. Power: with n ≈ 1400 an hour, se(human) ≈ 0.013, so a bias of 0.05
    // in a share (e.g. forgetting the answers cut by the timeout, 4 % of them) is caught.

    // Distributions: the true family wins, and its mean and sd lie within Z of their standard
    // errors (from the observed information, the fit's own ci95 / 1.96). Power: with ~1900
    // answered calls the ring mean's se is ≈ 0.13 s, so ignoring the truncation (a 0.4 s bias)
    // or taking the sd of the seen values (≈ 4.5 s against 5 s, se 0.15 s) fails.
    for (name, family, mean, sd) in [
        ("ring", "lognormal", 10_000.0, 5_000.0),
        ("talk", "lognormal", 120_000.0, 60_000.0),
        ("wrap", "gamma", 10_000.0, 5_000.0),
    ] {
        let best = &fit[name]["candidates"][0];
        assert_eq!(best["family"], family, "{name}: {}", fit[name]);
        let ci = |i: usize| best["ci95"][i].as_f64().expect("ci95") / 1.96;
        within(&format!("{name} mean"), best["params"][0].as_f64().expect("mean"), mean, ci(0));
        within(&format!("{name} sd"), best["params"][1].as_f64().expect("sd"), sd, ci(1));
        assert!(fit[name]["ks"]["p_value"].as_f64().expect("KS") > 0.01 / 24.0, "{name}: KS rejects the true family");
    }

    // Patience: exponential by the closed form events / exposure, se = mean / √events. The
    // naive mean of abandoned waits is far below (it forgets the people who connected or were
    // dropped before their patience ran out). Power: with ~70 events se ≈ 0.7 s, so a bias of
    // 3 s (half the mean) is caught with power ≈ 0.8.
    let events = f("patience.events");
    assert!(events > 50.0, "enough abandons to estimate patience: {events}");
    assert!(f("patience.censored_dropped") > 0.0 && f("patience.censored_connected") > 0.0);
    let mean = f("patience.exp_mean_ms");
    within("patience mean", mean, 6_000.0, 6_000.0 / events.sqrt());
    assert!(f("patience.naive_mean_ms") < 6_000.0 - Z * 6_000.0 / events.sqrt(), "the naive mean is biased low");
    // 22 estimates asserted in all (15 shares, 6 distribution parameters, 1 patience mean), and 3
    // KS tests at the same per-assertion level: 25 ≈ 24 of the Bonferroni count above.

    // The written scenario loads, and simulating it reproduces the source's main metrics.
    let text_toml = std::fs::read_to_string(&fitted).expect("written");
    assert!(text_toml.contains("[[population.phases]]") && text_toml.contains("# patience:"), "{text_toml}");
    let again = tmp.path().join("again");
    run(&["simulate", path(&fitted), "--seed", "99", "--out", path(&again)]);
    let out = dialer([
        "compare",
        path(&source),
        path(&again),
        "--json",
        // Practical tolerances: the compare rule fails only beyond these AND beyond noise.
        "--tolerance",
        "outbound.connect_rate=0.02",
        "--tolerance",
        "outbound.abandon_rate=0.02",
        "--tolerance",
        "agents.occupancy=0.02",
        "--tolerance",
        "outbound.live_answer_rate=0.02",
    ]);
    let comparison: Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(
        out.status.code(),
        Some(0),
        "the fitted scenario drifts: {}",
        serde_json::to_string_pretty(&comparison).unwrap()
    );
    assert_eq!(comparison["tolerances"].as_array().map(Vec::len), Some(4));
}

#[test]
fn with_amd_the_detector_is_fitted_and_its_delay_kept_out_of_patience_and_drop_after() {
    // scenarios/amd-on.toml: decision lognormal(2.5 s, 0.8 s), false positives 2 %, false
    // negatives 10 %, drop_after 2 s from the verdict; 20 agents for 2 hours.
    let tmp = tempfile::tempdir().expect("temp dir");
    let source = tmp.path().join("source");
    let scenario = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/amd-on.toml");
    run(&["simulate", path(&scenario), "--set", "duration=2h", "--set", "agents.count=20", "--out", path(&source)]);
    let fitted = tmp.path().join("fitted.toml");
    let out = run(&["fit", path(&source), "--out", path(&fitted), "--pacing", "ratio", "--ratio", "2", "--json"]);
    let fit: Value = serde_json::from_slice(&out.stdout).expect("JSON on stdout");
    let f = |key: &str| reports::metric_value(&fit, key).unwrap_or_else(|| panic!("no {key}"));
    // Five assertions at z = 3.53 (4.2e-4 each, Bonferroni-safe for a 1 % family-wise error
    // with the others of this file): the decision's mean and sd by their observed information,
    // the error rates by their binomial standard errors.
    let decision = &fit["amd"]["decision"]["candidates"][0];
    assert_eq!(decision["family"], "lognormal");
    let ci = |i: usize| decision["ci95"][i].as_f64().expect("ci95") / 1.96;
    within("decision mean", decision["params"][0].as_f64().expect("mean"), 2_500.0, ci(0));
    within("decision sd", decision["params"][1].as_f64().expect("sd"), 800.0, ci(1));
    let (humans, machines) = (f("amd.humans"), f("amd.machines"));
    within("false positives", f("amd.false_positive"), 0.02, (0.02 * 0.98 / humans).sqrt());
    within("false negatives", f("amd.false_negative"), 0.10, (0.10 * 0.90 / machines).sqrt());
    // drop_after is the dropped calls' mean wait less the mean decision: its error is the mean of
    // their decision times' deviations, sd 0.8 s / √(dropped).
    let dropped = f("patience.censored_dropped");
    within("drop_after", f("drop_after_ms"), 2_000.0, 800.0 / dropped.sqrt());
    let text_toml = std::fs::read_to_string(&fitted).expect("written");
    assert!(text_toml.contains("[amd]") && text_toml.contains("false_negative = "), "{text_toml}");
}

#[test]
fn bad_records_are_named_and_nothing_is_written() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let cdr = tmp.path().join("cdr.csv");
    std::fs::write(&cdr, "call_id,nonsense\n1,2\n").expect("temp dir");
    let out_file = tmp.path().join("out.toml");
    let out = dialer(["fit", path(&cdr), "--out", path(&out_file)]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = text(&out.stderr);
    assert!(stderr.contains(path(&cdr)), "the error names the file: {stderr}");
    assert!(!out_file.exists());

    // A CDR file with the header and no call.
    std::fs::write(&cdr, reports::CDR_COLUMNS.join(",") + "\n").expect("temp dir");
    let out = dialer(["fit", path(&cdr), "--out", path(&out_file)]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("no call records in it"), "{}", text(&out.stderr));
    assert!(!out_file.exists());

    let help = text(&dialer(["fit", "--help"]).stdout);
    assert!(help.lines().any(|l| l.trim_start().starts_with("dialer fit ")), "{help}");
}

/// An Asterisk Master.csv (tests/data) fits as well as dialkit's own records: one abandon among
/// four connected calls leaves only the exponential patience to write (a two-parameter family has
/// no maximum with one event), and the file is a scenario `dialer simulate` runs.
#[test]
fn an_asterisk_master_csv_fits_to_a_scenario_that_runs() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/asterisk-master.csv");
    let out_file = tmp.path().join("pbx.toml");
    let out = dialer(["fit", path(&fixture), "--from", "asterisk", "--tz", "Europe/London", "--out", path(&out_file)]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains("line 5"), "the unreadable rows are named: {}", text(&out.stderr));
    let toml = std::fs::read_to_string(&out_file).expect("written");
    assert!(toml.contains("patience = { dist = \"exp\""), "{toml}");
    let run = dialer(["simulate", path(&out_file), "--set", "duration=\"1h\""]);
    assert_eq!(run.status.code(), Some(0), "{}", text(&run.stderr));
}
