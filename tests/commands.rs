//! What a user of `dialer sweep`, `dialer check` and `dialer simulate --plots` sees: the files,
//! the tables, the exit codes (DESIGN.md, "Command line" and "Output of a run").

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

#[path = "support/cli.rs"]
mod cli_support;
use cli_support::{dialer, reference, text};

/// Arguments that make the reference scenario small and quick: 10 agents for 20 minutes.
const SMALL: [&str; 4] = ["--set", "duration=20m", "--set", "agents.count=10"];

/// `dialer sweep reference SMALL ARGS…`.
fn sweep(args: &[&str]) -> Output {
    let mut all: Vec<std::ffi::OsString> = vec!["sweep".into(), reference().into()];
    all.extend(SMALL.iter().chain(args).map(Into::into));
    dialer(all)
}

fn csv(path: &Path) -> (Vec<String>, Vec<Vec<String>>) {
    let content = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut lines = content.lines().map(|l| l.split(',').map(str::to_owned).collect::<Vec<_>>());
    let header = lines.next().expect("a header");
    (header, lines.collect())
}

/// A PNG starts with its signature; an SVG document holds an `<svg` element.
fn assert_images(dir: &Path, stem: &str) {
    let png = std::fs::read(dir.join(format!("{stem}.png"))).unwrap_or_else(|e| panic!("{stem}.png: {e}"));
    assert!(png.len() > 10_000, "{stem}.png is only {} bytes", png.len());
    assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n", "{stem}.png is not a PNG");
    let svg = std::fs::read_to_string(dir.join(format!("{stem}.svg"))).unwrap_or_else(|e| panic!("{stem}.svg: {e}"));
    assert!(svg.contains("<svg") && svg.contains("</svg>") && svg.len() > 2_000, "{stem}.svg is not a drawing");
}

fn entries(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .expect("readable dir")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[test]
fn help_shows_an_example_for_each_command() {
    for command in ["sweep", "check"] {
        let out = dialer([command, "--help"]);
        assert_eq!(out.status.code(), Some(0));
        let stdout = text(&out.stdout);
        assert!(
            stdout.lines().any(|l| l.trim_start().starts_with(&format!("dialer {command} "))),
            "dialer {command} --help shows no example:\n{stdout}"
        );
    }
    let top = text(&dialer(["--help"]).stdout);
    for command in ["sweep", "check", "--plots"] {
        assert!(top.contains(command), "dialer --help does not mention {command}:\n{top}");
    }
}

#[test]
fn sweep_writes_a_row_per_point_of_the_grid_and_the_frontier() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let dir = tmp.path().join("sweep");
    let out = sweep(&[
        "--vary",
        "pacing.ratio=1.5..2:0.5",
        "--vary",
        "pacing.mode=ratio,progressive",
        "--replications",
        "2",
        "--out",
        dir.to_str().expect("UTF-8 path"),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(entries(&dir), ["frontier.png", "frontier.svg", "sweep.csv"]);
    let (header, rows) = csv(&dir.join("sweep.csv"));
    assert_eq!(header[..2], ["pacing.ratio", "pacing.mode"], "the varied keys first, in --vary order");
    for metric in [
        "outbound.dials",
        "outbound.abandon_rate",
        "outbound.abandon_rate_ofcom",
        "outbound.wait_to_agent_ms.mean",
        "agents.occupancy",
        "agents.talk_minutes_per_hour",
        "agents.contacts_per_hour",
        "inbound.abandon_rate",
        "inbound.service_level_20s",
        "lines.peak",
    ] {
        let at = header.iter().position(|h| h == metric).unwrap_or_else(|| panic!("no column {metric}"));
        assert_eq!(header[at + 1], format!("{metric}_ci95"), "{metric} is followed by its _ci95");
    }
    assert_eq!(header[header.len() - 2..], ["replications", "abandon_ok_share"]);
    assert_eq!(rows.len(), 4, "a 2 × 2 grid");
    let points: Vec<(&str, &str)> = rows.iter().map(|r| (r[0].as_str(), r[1].as_str())).collect();
    assert_eq!(points, [("1.5", "ratio"), ("1.5", "progressive"), ("2.0", "ratio"), ("2.0", "progressive")]);
    let col = |name: &str| header.iter().position(|h| h == name).expect("column");
    for row in &rows {
        assert_eq!(row.len(), header.len());
        assert_eq!(row[col("replications")], "2");
        let ci: f64 = row[col("agents.occupancy_ci95")].parse().expect("a number");
        assert!(ci > 0.0, "two replications with different seeds: some spread: {row:?}");
    }
    // Progressive ignores the ratio: with the same seeds, its two points are the same runs.
    let progressive: Vec<&Vec<String>> = rows.iter().filter(|r| r[1] == "progressive").collect();
    assert_eq!(progressive[0][2..], progressive[1][2..]);
    assert_ne!(rows[0][2..], rows[2][2..], "ratio 1.5 and 2 differ");
    assert_images(&dir, "frontier");
    let svg = std::fs::read_to_string(dir.join("frontier.svg")).expect("written");
    for words in ["reference-ratio2", "abandon rate", "talk time", "occupancy", "3% cap", "progressive"] {
        assert!(svg.contains(words), "the frontier does not say {words:?}");
    }
    let stdout = text(&out.stdout);
    assert!(stdout.contains("pacing.ratio") && stdout.contains("abandon (FCC)"), "{stdout}");
    assert!(stdout.contains("sweep.csv"), "says where it wrote: {stdout}");
}

#[test]
fn the_same_point_twice_gives_the_same_row() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let dir = tmp.path().join("twice");
    let out = sweep(&["--vary", "pacing.ratio=2,2", "--replications", "3", "--out", dir.to_str().expect("UTF-8")]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let (_, rows) = csv(&dir.join("sweep.csv"));
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[0], rows[1], "common random numbers: every point runs the same seeds");
}

#[test]
fn sweep_json_has_every_point() {
    let out = sweep(&["--vary", "pacing.ratio=1,3", "--json"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let v: Value = serde_json::from_slice(&out.stdout).expect("stdout is one JSON value");
    assert_eq!(v["scenario"], "reference-ratio2");
    let points = v["points"].as_array().expect("points");
    assert_eq!(points.len(), 2);
    assert_eq!(points[1]["values"]["pacing.ratio"], "3");
    assert!(points[0]["metrics"]["outbound"]["abandon_rate"].is_number());
    assert!(points[0]["abandon_ok_share"].is_number());
}

#[test]
fn sweep_refuses_bad_input_with_exit_2_and_writes_nothing() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let dir = tmp.path().join("never");
    let out_dir = dir.to_str().expect("UTF-8");
    for (args, says) in [
        (
            vec!["--vary", "pacing.ratio=1..2:0.3"],
            vec!["--vary pacing.ratio=1..2:0.3", "whole number of steps", "(fix: "],
        ),
        (vec!["--vary", "pacing.ratio=2,-1"], vec!["sweep point pacing.ratio=-1", "pacing.ratio", "(fix: "]),
        (vec!["--vary", "pacing.ratoi=2"], vec!["pacing.ratoi"]),
        (vec!["--vary", "pacing.ratio=1", "--vary", "pacing.ratio=2"], vec!["varied twice"]),
        (vec![], vec!["--vary"]),
    ] {
        let mut all = args.clone();
        all.extend(["--out", out_dir]);
        let out = sweep(&all);
        let stderr = text(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        for s in says {
            assert!(stderr.contains(s), "{args:?}: stderr does not say {s:?}: {stderr}");
        }
        assert!(!dir.exists(), "{args:?} created {}", dir.display());
        assert!(out.stdout.is_empty(), "{args:?} printed {}", text(&out.stdout));
    }
}

/// A copy of the reference, small, with the given `[expect]` lines.
fn scenario_with_bounds(dir: &Path, name: &str, bounds: &str) -> PathBuf {
    let reference = std::fs::read_to_string(reference()).expect("readable");
    let start = reference.find("[expect]").expect("the reference has [expect]");
    let text = format!("{}[expect]\n{bounds}\n", &reference[..start])
        .replacen("duration = \"8h\"", "duration = \"20m\"", 1)
        .replacen("count = 100", "count = 10", 1)
        .replacen("replications = 1", "replications = 3", 1);
    let path = dir.join(name);
    std::fs::write(&path, text).expect("temp file");
    path
}

#[test]
fn check_passes_and_fails_bounds_with_a_table_and_exit_code() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let pass = r#""agents.occupancy" = { min = 0.1 }
"outbound.abandon_rate" = { max = 0.5, share = 0.9 }"#;
    scenario_with_bounds(tmp.path(), "a-pass.toml", pass);
    scenario_with_bounds(tmp.path(), "b-fail.toml", r#""agents.occupancy" = { min = 0.999 }"#);
    std::fs::write(tmp.path().join("notes.txt"), "not a scenario").expect("temp file");

    let out = dialer(["check".as_ref(), tmp.path().as_os_str()]);
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "a failed bound exits 1: {stdout}{}", text(&out.stderr));
    let a = stdout.find("a-pass.toml").expect("the first scenario is named");
    let b = stdout.find("b-fail.toml").expect("the second scenario is named");
    assert!(a < b, "a directory's scenarios in name order");
    let fail_line = stdout.lines().find(|l| l.contains("≥ 0.999")).expect("the failing row");
    assert!(fail_line.contains("agents.occupancy") && fail_line.trim_end().ends_with("FAIL"), "{fail_line}");
    let share_line = stdout.lines().find(|l| l.contains("outbound.abandon_rate")).expect("the share row");
    assert!(share_line.contains("of runs (3/3)") && share_line.trim_end().ends_with("pass"), "{share_line}");
    assert!(stdout.contains("3 replications"), "{stdout}");
    assert!(stdout.contains("95% CI") && stdout.contains("± "), "a CI column: {stdout}");
    let last = stdout.lines().last().expect("a final line");
    assert_eq!(last, "2 scenario(s), 3 bound(s): 2 passed, 1 failed (in 1 scenario(s))");

    let only_pass = dialer(["check".as_ref(), tmp.path().join("a-pass.toml").as_os_str()]);
    assert_eq!(only_pass.status.code(), Some(0), "{}", text(&only_pass.stdout));
    // --replications overrides the file.
    let more =
        dialer(["check".as_ref(), tmp.path().join("a-pass.toml").as_os_str(), "--replications".as_ref(), "4".as_ref()]);
    assert!(text(&more.stdout).contains("4 replications"), "{}", text(&more.stdout));
}

#[test]
fn check_refuses_bad_scenarios_with_exit_2_before_running() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let good = scenario_with_bounds(tmp.path(), "good.toml", r#""agents.occupancy" = { min = 0.1 }"#);
    let typo = scenario_with_bounds(tmp.path(), "typo.toml", r#""agents.ocupancy" = { min = 0.1 }"#);
    let missing = tmp.path().join("missing.toml");
    let empty = tmp.path().join("empty");
    std::fs::create_dir(&empty).expect("temp dir");
    for (paths, says) in [
        (vec![good.clone(), typo.clone()], vec!["typo.toml", "expect.\"agents.ocupancy\"", "agents.occupancy"]),
        (vec![missing.clone()], vec!["missing.toml", "cannot read"]),
        (vec![empty.clone()], vec!["no *.toml"]),
    ] {
        let mut args: Vec<std::ffi::OsString> = vec!["check".into()];
        args.extend(paths.iter().map(Into::into));
        let out = dialer(&args);
        let stderr = text(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{paths:?}: {stderr}");
        assert!(out.stdout.is_empty(), "nothing ran: {}", text(&out.stdout));
        for s in says {
            assert!(stderr.contains(s), "{paths:?}: stderr does not say {s:?}: {stderr}");
        }
    }
}

#[test]
fn simulate_plots_draw_the_run_from_its_files() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let dir = tmp.path().join("run");
    let mut args: Vec<std::ffi::OsString> = vec!["simulate".into(), reference().into()];
    args.extend(SMALL.iter().map(Into::into));
    args.extend(["--set".into(), "pacing.ratio=3".into(), "--out".into(), dir.clone().into(), "--plots".into()]);
    let out = dialer(&args);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let stems = ["abandon", "dial_level", "agents", "calls", "occupancy"];
    for stem in stems {
        assert_images(&dir, stem);
    }
    assert_eq!(entries(&dir).len(), 3 + 2 * stems.len(), "no partial files left: {:?}", entries(&dir));
    let abandon = std::fs::read_to_string(dir.join("abandon.svg")).expect("written");
    for words in ["reference-ratio2", "abandon rate (% of live answers)", "3% cap", "rolling", "hours since"] {
        assert!(abandon.contains(words), "abandon.svg does not say {words:?}");
    }
    let dial = std::fs::read_to_string(dir.join("dial_level.svg")).expect("written");
    assert!(dial.contains("ready or reserved"), "the dial level is defined in its caption");
    let stdout = text(&out.stdout);
    assert!(stdout.contains("abandon, dial_level, agents, calls, occupancy"), "says what it drew: {stdout}");

    // --plots without --out is a usage error: exit 2, nothing written.
    let cwd = tempfile::tempdir().expect("temp dir");
    let out = Command::new(env!("CARGO_BIN_EXE_dialer"))
        .current_dir(cwd.path())
        .args(["simulate".as_ref(), reference().as_os_str(), "--plots".as_ref()])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("--out"), "{}", text(&out.stderr));
    assert!(entries(cwd.path()).is_empty());
}
