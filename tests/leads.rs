//! `dialer leads` end to end: the shipped example campaign and lists imported into a fresh store
//! by the real binary, the per-row report, exit codes, and that a failed import changes nothing.

use serde_json::Value;
use std::path::{Path, PathBuf};

#[path = "support/cli.rs"]
#[allow(dead_code)] // `reference` serves the scenario tests
mod cli_support;
use cli_support::{dialer, text};

fn shipped(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("campaigns").join(name)
}

/// The example campaign copied into a fresh folder, so its store is created there.
fn campaign() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().expect("a temp folder");
    let path = dir.path().join("example.toml");
    std::fs::copy(shipped("example.toml"), &path).expect("the example campaign copies");
    (dir, path)
}

/// `dialer leads status --json`.
fn status(campaign: &Path) -> Value {
    let out =
        dialer(["leads".as_ref(), "status".as_ref(), "--campaign".as_ref(), campaign.as_os_str(), "--json".as_ref()]);
    assert!(out.status.success(), "status failed: {}", text(&out.stderr));
    serde_json::from_slice(&out.stdout).expect("status prints JSON")
}

#[test]
fn the_example_lists_import_with_a_report_by_line() {
    let (dir, campaign) = campaign();
    let report = dir.path().join("rejected.csv");
    let out = dialer([
        "leads".as_ref(),
        "import".as_ref(),
        shipped("leads-example.csv").as_os_str(),
        "--campaign".as_ref(),
        campaign.as_os_str(),
        "--report".as_ref(),
        report.as_os_str(),
    ]);
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "malformed rows were left out: {stdout}{}", text(&out.stderr));
    assert!(stdout.contains("line 6: duplicate \"+44 7700 900001\": +447700900001 is on line 2 already"), "{stdout}");
    assert!(stdout.contains("line 7: malformed \"07700 9OO OO6\": 'O' is not a digit"), "{stdout}");
    assert!(stdout.contains("line 8: malformed \"+1 555 0147\""), "{stdout}");
    assert!(stdout.contains("imported 6, duplicates 1, malformed 2, on the do-not-call list 0"), "{stdout}");
    let written = std::fs::read_to_string(&report).expect("the report was written");
    let lines: Vec<&str> = written.lines().collect();
    assert_eq!(lines[0], "line,value,problem,reason");
    assert_eq!(lines.len(), 4, "{written}");
    assert!(lines[1].starts_with("6,+44 7700 900001,duplicate,"), "{written}");
    assert!(dir.path().join("example.sqlite").exists(), "the store is made beside the campaign");

    let s = status(&campaign);
    assert_eq!((s["total"].as_u64(), s["leads"]["pending"].as_u64()), (Some(6), Some(6)), "{s}");
    assert_eq!(s["finished"], false);

    // The do-not-call list ends the listed lead at once.
    let out = dialer([
        "leads".as_ref(),
        "dnc".as_ref(),
        shipped("dnc-example.txt").as_os_str(),
        "--campaign".as_ref(),
        campaign.as_os_str(),
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).contains("added 2, already listed 0, malformed 0, leads ended 1"),
        "{}",
        text(&out.stdout)
    );
    let s = status(&campaign);
    assert_eq!(
        (s["leads"]["pending"].as_u64(), s["leads"]["dnc"].as_u64(), s["dnc_numbers"].as_u64()),
        (Some(5), Some(1), Some(2))
    );

    // Importing again adds nothing: every good row is a duplicate now.
    let out = dialer([
        "leads".as_ref(),
        "import".as_ref(),
        shipped("leads-example.csv").as_os_str(),
        "--campaign".as_ref(),
        campaign.as_os_str(),
    ]);
    assert!(text(&out.stdout).contains("imported 0, duplicates 7, malformed 2"), "{}", text(&out.stdout));
    assert_eq!(status(&campaign)["total"].as_u64(), Some(6));

    // No call has been made: the CDR export is the header alone.
    let out = dialer(["leads".as_ref(), "cdrs".as_ref(), "--campaign".as_ref(), campaign.as_os_str()]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stdout).starts_with("call_id,campaign,lead_id,attempt,"), "{}", text(&out.stdout));
}

#[test]
fn a_clean_import_exits_zero() {
    let (dir, campaign) = campaign();
    let file = dir.path().join("clean.csv");
    std::fs::write(&file, "number\n07700 900101\n07700 900102\n07700 900101\n").expect("writable temp folder");
    let out =
        dialer(["leads".as_ref(), "import".as_ref(), file.as_os_str(), "--campaign".as_ref(), campaign.as_os_str()]);
    assert_eq!(out.status.code(), Some(0), "duplicates alone are not a failure: {}", text(&out.stdout));
    assert!(text(&out.stdout).contains("imported 2, duplicates 1, malformed 0"));
}

#[test]
fn a_failed_import_leaves_the_store_unchanged() {
    let (dir, campaign) = campaign();
    let good = dir.path().join("good.csv");
    std::fs::write(&good, "number\n07700 900201\n").expect("writable temp folder");
    let out =
        dialer(["leads".as_ref(), "import".as_ref(), good.as_os_str(), "--campaign".as_ref(), campaign.as_os_str()]);
    assert!(out.status.success());
    let before = status(&campaign);

    // No `number` column: refused whole, naming the file and the fix.
    let bad = dir.path().join("bad.csv");
    std::fs::write(&bad, "phone,name\n07700 900202,Ada\n").expect("writable temp folder");
    let out =
        dialer(["leads".as_ref(), "import".as_ref(), bad.as_os_str(), "--campaign".as_ref(), campaign.as_os_str()]);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("bad.csv") && stderr.contains("`number`") && stderr.contains("fix:"), "{stderr}");
    assert_eq!(status(&campaign), before);

    // Not a file at all.
    let out = dialer([
        "leads".as_ref(),
        "import".as_ref(),
        dir.path().as_os_str(),
        "--campaign".as_ref(),
        campaign.as_os_str(),
    ]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    assert_eq!(status(&campaign), before);

    // A broken campaign file: nothing is opened, the message names the key.
    let broken = dir.path().join("broken.toml");
    let textual =
        std::fs::read_to_string(&campaign).expect("readable").replace("country_code = 44", "country_code = 0");
    std::fs::write(&broken, textual).expect("writable temp folder");
    let out =
        dialer(["leads".as_ref(), "import".as_ref(), good.as_os_str(), "--campaign".as_ref(), broken.as_os_str()]);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("broken.toml: campaign.country_code"), "{stderr}");
    assert_eq!(status(&campaign), before);
}

#[test]
fn help_shows_an_example() {
    for sub in ["import", "dnc", "status", "cdrs"] {
        let out = dialer(["leads", sub, "--help"]);
        assert!(out.status.success());
        assert!(text(&out.stdout).contains("dialer leads"), "{sub}: {}", text(&out.stdout));
    }
}
