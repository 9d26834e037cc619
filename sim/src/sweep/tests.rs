use super::*;
use crate::scenario::PacingMode;
use std::path::PathBuf;

fn file(dir: &tempfile::TempDir) -> PathBuf {
    let path = dir.path().join("tiny.toml");
    let text = format!("name = \"tiny\"\nreplications = 2{}", crate::TINY_SCENARIO);
    std::fs::write(&path, text).expect("temp file");
    path
}

fn varies(specs: &[&str]) -> Vec<Vary> {
    specs.iter().map(|s| Vary::parse(s).expect("valid")).collect()
}

#[test]
fn the_grid_is_the_cartesian_product_first_key_slowest() {
    let dir = tempfile::tempdir().expect("temp dir");
    let plan = Plan::new(&file(&dir), &[], &varies(&["pacing.mode=ratio,progressive", "pacing.ratio=1..2:0.5"]))
        .expect("valid");
    assert_eq!(plan.keys, ["pacing.mode", "pacing.ratio"]);
    let values: Vec<Vec<&str>> = plan.points.iter().map(|p| p.values.iter().map(String::as_str).collect()).collect();
    assert_eq!(values.len(), 6);
    assert_eq!(values[0], ["ratio", "1.0"]);
    assert_eq!(values[2], ["ratio", "2.0"]);
    assert_eq!(values[3], ["progressive", "1.0"]);
    assert_eq!(plan.points[1].scenario.pacing.ratio, 1.5);
    assert_eq!(plan.points[4].scenario.pacing.mode, PacingMode::Progressive);
    assert_eq!(plan.work_ms(), 6 * 2 * 20 * 60_000, "6 points × 2 replications × 20 min");
}

#[test]
fn every_point_uses_the_same_seeds() {
    let dir = tempfile::tempdir().expect("temp dir");
    let plan = Plan::new(&file(&dir), &["replications=3".into()], &varies(&["pacing.ratio=1.5,1.5,2"])).expect("valid");
    let sweep = plan.run(None).expect("runs");
    let figures =
        |p: &PointResult| p.runs.iter().map(|m| Metrics { perf: Default::default(), ..m.clone() }).collect::<Vec<_>>();
    assert_eq!(figures(&sweep.points[0]), figures(&sweep.points[1]), "the same point twice: the same figures");
    assert_ne!(figures(&sweep.points[0]), figures(&sweep.points[2]));
    assert_ne!(figures(&sweep.points[0])[0], figures(&sweep.points[0])[1], "replications differ");
    // The same callees at every point: ratio 2 dials more of the same leads, the first ones alike.
    assert_eq!(sweep.points[0].runs.len(), 3);
}

#[test]
fn bad_points_and_grids_are_refused_before_running() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = file(&dir);
    let e = Plan::new(&path, &[], &varies(&["pacing.ratio=2,-1"])).expect_err("a negative ratio").to_string();
    assert!(e.starts_with("sweep point pacing.ratio=-1: "), "{e}");
    assert!(e.contains("pacing.ratio") && e.contains("tiny.toml") && e.ends_with(')'), "{e}");
    let e =
        Plan::new(&path, &["pacing.ratoi=3".into()], &varies(&["pacing.ratio=2"])).expect_err("bad --set").to_string();
    assert!(!e.starts_with("sweep point"), "a --set error is not a point's: {e}");
    let e = Plan::new(&path, &[], &varies(&["pacing.ratio=1", "pacing.ratio=2"])).expect_err("twice").to_string();
    assert!(e.contains("varied twice"), "{e}");
    assert!(matches!(Plan::new(&path, &[], &[]), Err(SweepError::NoVary)));
    let e = Plan::new(&path, &[], &varies(&["pacing.target_abandon=0.03,0"])).expect_err("a zero target").to_string();
    assert!(e.contains("sweep point pacing.target_abandon=0") && e.contains("above 0"), "{e}");
    let big = varies(&["a=1..1000:1", "b=1..1000:1"]);
    assert!(matches!(Plan::new(&path, &[], &big), Err(SweepError::TooLarge { points: 1_000_000 })));
    let e = Plan::new(&dir.path().join("none.toml"), &[], &varies(&["pacing.ratio=2"])).expect_err("no file");
    assert!(e.to_string().contains("cannot read"), "{e}");
}

#[test]
fn csv_has_keys_metrics_with_ci_and_shares() {
    let dir = tempfile::tempdir().expect("temp dir");
    let plan = Plan::new(&file(&dir), &[], &varies(&["pacing.ratio=1,3"])).expect("valid");
    let sweep = plan.run(None).expect("runs");
    let mut out = Vec::new();
    sweep.write_csv(&mut out).expect("into a vec");
    let text = String::from_utf8(out).expect("UTF-8");
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 3);
    let header: Vec<&str> = lines[0].split(',').collect();
    assert_eq!(header[..3], ["pacing.ratio", "outbound.dials", "outbound.dials_ci95"]);
    assert_eq!(header[header.len() - 2..], ["replications", "abandon_ok_share"]);
    assert_eq!(header.len(), 1 + 2 * MAIN_METRICS.len() + 2);
    for line in &lines[1..] {
        let row: Vec<&str> = line.split(',').collect();
        assert_eq!(row.len(), header.len());
        assert_eq!(row[header.len() - 2], "2");
        let share: f64 = row[header.len() - 1].parse().expect("a number");
        assert!((0.0..=1.0).contains(&share));
    }
    // At ratio 1 nothing can be abandoned; at ratio 3 with 5 agents, plenty is.
    let col = |name: &str| header.iter().position(|h| *h == name).expect("column");
    let rate =
        |line: &str| line.split(',').nth(col("outbound.abandon_rate")).expect("field").parse::<f64>().expect("number");
    assert_eq!(rate(lines[1]), 0.0);
    assert!(rate(lines[2]) > 0.03, "{}", lines[2]);
    assert_eq!(sweep.points[0].abandon_ok_share(), 1.0);
    assert_eq!(sweep.points[1].abandon_ok_share(), 0.0);
}

#[test]
fn the_frontier_has_a_series_per_mode_ordered_by_the_varied_value() {
    let dir = tempfile::tempdir().expect("temp dir");
    let v = varies(&["pacing.ratio=3,1,2", "pacing.mode=ratio,progressive"]);
    let sweep = Plan::new(&file(&dir), &["replications=1".into()], &v).expect("valid").run(None).expect("runs");
    assert_eq!(sweep.order_key(), Some(0));
    let f = sweep.frontier();
    assert_eq!(f.title, "tiny: pacing frontier");
    assert_eq!(f.cap, 0.03);
    let names: Vec<&str> = f.series.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(names, ["ratio", "progressive"]);
    let labels: Vec<&str> = f.series[0].points.iter().map(|p| p.label.as_str()).collect();
    assert_eq!(labels, ["1", "2", "3"], "sorted by value");
    assert!(f.series[0].points[0].abandon.mean < f.series[0].points[2].abandon.mean);
    assert!(f.series[1].points.iter().all(|p| p.abandon.mean == 0.0), "progressive never abandons");
    assert!(f.series[0].points.iter().all(|p| p.abandon.ci95 == 0.0), "one replication: no whiskers");
    let json = sweep.to_json();
    assert_eq!(json["points"].as_array().map(Vec::len), Some(6));
    assert_eq!(json["points"][0]["values"]["pacing.ratio"], "3");
    assert!(json["points"][0]["metrics"]["agents"]["occupancy"].is_number());
}
