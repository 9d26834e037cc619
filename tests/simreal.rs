//! Sim versus real: `dialer simulate` of a scenario and a live run of the same world on loopback
//! (`dialer run` → `dialer callee` playing tests/live/simreal.toml: its customers and its agents,
//! through the dialer's desk) agree on the main metrics.
//!
//! The simulator's model of the one thing the two worlds do differently, answering-machine
//! detection, is measured first: the live dialer runs its energy detector on the greetings the
//! callee plays, so the test runs the same detector, with the same settings, over the same greeting
//! generator and gives the simulator the measured decision times (an `empirical` distribution) and
//! error rates. Everything else comes from the one scenario file.
//!
//! The statistics: the simulator runs the scenario [`REPLICATIONS`] times (independent seeds), which
//! gives, for every metric, the mean and the spread of what one 120-second run of that world
//! produces. Under the hypothesis that the live run is one more run of the same world, its value
//! minus the simulated mean, divided by `sd · √(1 + 1/R)`, is about standard normal (each metric
//! is an average over hundreds of calls). The test fails when any of the [`METRICS`] lies beyond
//! [`Z_CRIT`]: a family-wise false-alarm rate of 1% over the seven metrics (Bonferroni). The
//! replications' spread is the right yardstick where a per-call test would not be: calls within a
//! run are correlated through the agents they wait for, and the replications carry that.
//!
//! Power: a true difference of `(Z_CRIT + 0.84) · sd` is found with probability 80% (0.84 is the
//! normal's 80% quantile). The test prints that detectable difference for each metric and asserts
//! it is small enough to matter. With ten agents at ratio 3 for two minutes (about 460 calls,
//! 220 live answers) it was: 64 dials (14%), 7 points of connect rate, 7 of occupancy, 0.27 s of
//! mean wait to an agent and 0.35 s of its 95th percentile. For the abandon rate, which rests on
//! about two dozen abandons, it is 11 points: enough to catch a dialer that drops or loses calls
//! wholesale, not a one-point bias (that would take a run of hours, not minutes).

#[path = "support/live.rs"]
#[allow(dead_code, reason = "each test binary uses part of the helpers")]
mod live;

use dialer::media::{Amd, Greeting, GreetingKind};
use live::{callee_with, campaign, dialer, free_port, run_ok};
use reports::AmdVerdict;
use serde_json::Value;
use std::fmt::Write as _;
use std::path::Path;
use std::time::Duration;

/// Simulated runs of the scenario: the yardstick for one run's spread.
const REPLICATIONS: u32 = 400;
/// Two-sided normal quantile for α = 0.01 / 7 per metric: Φ⁻¹(1 − 0.000714) = 3.19.
const Z_CRIT: f64 = 3.19;
/// The normal's 80% quantile: the power the detectable differences are stated at.
const Z_POWER: f64 = 0.84;

/// A metric compared: its name, how to read it from one run's metrics, and the largest difference
/// the test must be able to detect with 80% power for its verdict to mean anything.
struct Metric {
    name: &'static str,
    read: fn(&Value) -> f64,
    detectable: f64,
}

const METRICS: [Metric; 7] = [
    Metric { name: "dials", read: |m| m["outbound"]["dials"].as_f64().unwrap(), detectable: 80.0 },
    Metric {
        name: "connect rate (connects / dials)",
        read: |m| m["outbound"]["connects"].as_f64().unwrap() / m["outbound"]["dials"].as_f64().unwrap(),
        detectable: 0.08,
    },
    Metric { name: "abandon rate", read: |m| m["outbound"]["abandon_rate"].as_f64().unwrap(), detectable: 0.12 },
    Metric { name: "occupancy", read: |m| m["agents"]["occupancy"].as_f64().unwrap(), detectable: 0.08 },
    Metric {
        name: "wait to agent, mean (ms)",
        read: |m| m["outbound"]["wait_to_agent_ms"]["mean"].as_f64().unwrap(),
        detectable: 400.0,
    },
    Metric {
        name: "wait to agent, p50 (ms)",
        read: |m| m["outbound"]["wait_to_agent_ms"]["p50"].as_f64().unwrap(),
        detectable: 400.0,
    },
    Metric {
        name: "wait to agent, p95 (ms)",
        read: |m| m["outbound"]["wait_to_agent_ms"]["p95"].as_f64().unwrap(),
        detectable: 600.0,
    },
];

/// The live dialer's detector on the callee's greetings: each person's decision time, and the
/// share of people called machine and of machines called human. The live run uses the campaign's
/// default settings (no `[amd]` in its file).
fn measure_amd() -> (Vec<u32>, f64, f64) {
    const SEEDS: u64 = 1000;
    let config = dialer::live::driver::DriverConfig::default_amd();
    let decide = |kind, seed| {
        let mut amd = Amd::new(config).unwrap();
        Greeting::new(kind, seed).take(500).find_map(|f| amd.push_frame(&f)).expect("a verdict within 10 s")
    };
    let mut times = Vec::new();
    let mut false_positives = 0;
    for seed in 0..SEEDS {
        let d = decide(GreetingKind::Human, seed);
        false_positives += u32::from(d.verdict == AmdVerdict::Machine);
        times.push(d.after_ms);
    }
    let false_negatives = (0..SEEDS).filter(|&s| decide(GreetingKind::Machine, s).verdict == AmdVerdict::Human).count();
    (times, f64::from(false_positives) / SEEDS as f64, false_negatives as f64 / SEEDS as f64)
}

fn json(path: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

#[test]
fn a_live_run_agrees_with_the_simulation_of_its_world() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let world = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/live/simreal.toml");
    let world_text = std::fs::read_to_string(&world).unwrap();
    let scenario: toml::Value = toml::from_str(&world_text).unwrap();
    let agents = scenario["agents"]["count"].as_integer().unwrap();
    let ratio = scenario["pacing"]["ratio"].as_float().unwrap();
    let duration = scenario["duration"].as_str().unwrap();

    // The simulator's scenario: the world plus the detector as measured.
    let (times, false_positive, false_negative) = measure_amd();
    let decisions: String = times.iter().map(|t| format!("{t}ms\n")).collect();
    std::fs::write(d.join("amd-decision.txt"), decisions).unwrap();
    let mut sim_text = world_text.clone();
    write!(
        sim_text,
        "\n[amd]\ndecision = {{ dist = \"empirical\", file = \"amd-decision.txt\" }}\n\
         false_positive = {false_positive}\nfalse_negative = {false_negative}\n"
    )
    .unwrap();
    std::fs::write(d.join("sim.toml"), sim_text).unwrap();
    let runs = simulate(&d.join("sim.toml"), &d.join("sim"), &[]);
    // A negative control: the same world dialled at ratio 2, which a sound test must tell apart.
    let other = simulate(&d.join("sim.toml"), &d.join("sim-ratio2"), &["--set", "pacing.ratio=2.0"]);

    // The live run: the same world over SIP, for the scenario's duration.
    let (desk_sip, desk_api) = (format!("127.0.0.1:{}", free_port()), format!("127.0.0.1:{}", free_port()));
    let (_callee, trunk) = callee_with(d, &world, Some((&desk_sip, &desk_api)), &[]);
    let today = jiff::Timestamp::now().to_zoned(jiff::tz::TimeZone::UTC);
    let day = format!("{:?}", today.weekday()).to_lowercase()[..3].to_owned();
    let campaign = campaign(d, &trunk, &day, (&desk_sip, &desk_api));
    // The world's pacing; lines and calls per second never the limit; one attempt per number,
    // fresh numbers for every call as the simulator's leads are.
    let text = std::fs::read_to_string(&campaign).unwrap();
    for key in ["ring_timeout", "drop_after"] {
        let value = scenario["dialing"][key].as_str().unwrap();
        assert!(text.contains(&format!("{key} = \"{value}\"")), "the campaign's {key} is the world's {value}");
    }
    let text = text
        .replace("mode = \"progressive\"", &format!("mode = \"ratio\"\nratio = {ratio}"))
        .replace("max_lines = 10", "max_lines = 500")
        .replace("max_cps = 20", "max_cps = 500")
        .replace("max_attempts = 2", "max_attempts = 1");
    std::fs::write(&campaign, text).unwrap();
    // Fresh numbers for every call, as the simulator's leads are: far more than two minutes use.
    let leads: String =
        std::iter::once("number\n".to_owned()).chain((0..5000).map(|i| format!("+1202556{i:04}\n"))).collect();
    std::fs::write(d.join("leads.csv"), leads).unwrap();
    let c = campaign.to_str().unwrap();
    run_ok(
        dialer().args(["leads", "import", d.join("leads.csv").to_str().unwrap(), "--campaign", c]),
        Duration::from_secs(30),
    );
    let live_out = d.join("live");
    run_ok(dialer().args(["run", c, "--for", duration, "--out", live_out.to_str().unwrap()]), Duration::from_secs(300));
    let real = json(&live_out.join("metrics.json"));
    assert_eq!(real["agents"]["count"].as_i64(), Some(agents), "every emulated agent logged in");

    let heading = format!(
        "sim versus real, {agents} agents, ratio {ratio}, {duration}; simulated AMD: {} decision times, \
         false positives {false_positive}, false negatives {false_negative}",
        times.len()
    );
    let same = compare(&real, &runs, &heading);
    let control = compare(&real, &other, "the same live run against a simulation at ratio 2 (a negative control)");
    eprintln!("{}\n{}", same.table, control.table);
    assert!(same.weak.is_empty(), "too few calls to detect these differences: {:?}\n{}", same.weak, same.table);
    assert!(same.beyond.is_empty(), "the live run differs from its simulation: {:?}\n{}", same.beyond, same.table);
    assert!(!control.beyond.is_empty(), "a world dialled at ratio 2 was not told apart:\n{}", control.table);
}

/// `dialer simulate` of `scenario` with [`REPLICATIONS`] replications and `extra` flags: each
/// replication's metrics.
fn simulate(scenario: &Path, out: &Path, extra: &[&str]) -> Vec<Value> {
    run_ok(
        dialer()
            .arg("simulate")
            .arg(scenario)
            .args(extra)
            .args(["--replications", &REPLICATIONS.to_string(), "--out"])
            .arg(out),
        Duration::from_secs(120),
    );
    let runs = json(&out.join("metrics.json"))["runs"].as_array().unwrap().clone();
    assert_eq!(runs.len(), REPLICATIONS as usize);
    runs
}

/// One live run's metrics set against simulated replications.
struct Comparison {
    table: String,
    /// Metrics whose z lies beyond [`Z_CRIT`].
    beyond: Vec<String>,
    /// Metrics whose detectable difference is wider than the test wants.
    weak: Vec<String>,
}

/// Each of [`METRICS`]: the live value against the replications' mean and spread.
fn compare(real: &Value, runs: &[Value], heading: &str) -> Comparison {
    let r = runs.len() as f64;
    let mut table = format!(
        "{heading}\n{:<32} {:>10} {:>10} {:>10} {:>7} {:>11}\n",
        "metric", "live", "sim mean", "sim sd", "z", "detectable"
    );
    let (mut beyond, mut weak) = (Vec::new(), Vec::new());
    for metric in &METRICS {
        let values: Vec<f64> = runs.iter().map(metric.read).collect();
        let mean = values.iter().sum::<f64>() / r;
        let sd = (values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (r - 1.0)).sqrt();
        assert!(sd > 0.0, "{}: the replications do not vary: no yardstick", metric.name);
        let live = (metric.read)(real);
        let spread = sd * (1.0 + 1.0 / r).sqrt();
        let z = (live - mean) / spread;
        let detectable = (Z_CRIT + Z_POWER) * spread;
        writeln!(table, "{:<32} {live:>10.4} {mean:>10.4} {sd:>10.4} {z:>7.2} {detectable:>11.4}", metric.name)
            .unwrap();
        if detectable > metric.detectable {
            weak.push(format!("{}: {detectable:.4}, wanted at most {}", metric.name, metric.detectable));
        }
        if z.abs() > Z_CRIT {
            beyond.push(format!("{} (z = {z:.2})", metric.name));
        }
    }
    Comparison { table, beyond, weak }
}
