//! Campaign files: the shipped example parses, and each kind of mistake names its key and a fix.

use super::*;
use std::path::Path;

const FILE: &str = "campaigns/test.toml";

const MINIMAL: &str = r#"
[campaign]
store = "test.sqlite"
country_code = 1
timezone = "America/New_York"
abandon_message = "abandon.wav"
[pacing]
mode = "progressive"
[[trunks]]
uri = "sip:127.0.0.1:5080"
caller_id = "(202) 555-0100"
max_lines = 4
[agents]
api = "127.0.0.1:8089"
sip = "127.0.0.1:5070"
"#;

fn ok(text: &str) -> Campaign {
    parse(text, Path::new(FILE)).unwrap_or_else(|e| panic!("{e}"))
}

/// Insists `text` is refused with a message naming `key` and containing each of `needles`.
fn err(text: &str, key: &str, needles: &[&str]) -> CampaignError {
    let e = parse(text, Path::new(FILE)).expect_err("the campaign should be refused");
    let message = e.to_string();
    assert!(message.starts_with(FILE), "names the file: {message}");
    assert!(message.contains(key), "names {key}: {message}");
    assert!(message.contains("(fix: "), "gives a fix: {message}");
    for needle in needles {
        assert!(message.contains(needle), "{needle:?} in {message}");
    }
    e
}

#[test]
fn the_shipped_example_parses() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../campaigns/example.toml");
    let c = load(&path).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(c.name, "example");
    assert!(c.store.ends_with("campaigns/example.sqlite"), "{}", c.store.display());
    assert!(c.abandon_message.ends_with("campaigns/abandon.wav"));
    assert_eq!(c.rule, Rule::Ofcom);
    assert_eq!(c.numbering.country_code(), 44);
    assert_eq!(c.pacing.mode, PacingMode::Predictive);
    assert_eq!(c.trunks.len(), 2);
    assert_eq!(c.trunks[0].caller_id, "+441134960000");
    assert_eq!(
        (c.trunks[1].host.as_str(), c.trunks[1].port, c.trunks[1].transport),
        ("127.0.0.1", 5082, Transport::Tcp)
    );
    assert!(c.trunks[1].register && c.trunks[1].username.is_some());
    assert_eq!(c.agents.api.port(), 8089);
    assert_eq!(c.window.days, [true, true, true, true, true, true, false]);
    assert_eq!(c.window.holidays.len(), 2);
    assert_eq!(c.retry.max_attempts, 5);
    assert_eq!(c.retry.busy_ms, 30 * 60_000);
    assert_eq!(c.drop_after_ms, 2_000);
    let start: jiff::Timestamp = "2026-03-02T09:00:00Z".parse().unwrap(); // a valid literal
    assert_eq!(c.pacer(start).unwrap().name(), "predictive");
}

#[test]
fn defaults_fill_what_is_left_out() {
    let mut c = ok(MINIMAL);
    assert_eq!(c.name, "test", "the file's stem");
    assert_eq!(c.rule, Rule::Fcc);
    assert_eq!((c.ring_timeout_ms, c.drop_after_ms), (25_000, 2_000));
    assert_eq!(c.window, CallingWindow::default());
    assert_eq!(c.retry, RetryRules::default());
    assert_eq!(c.trunks[0].caller_id, "+12025550100");
    assert_eq!((c.trunks[0].port, c.trunks[0].max_cps, c.trunks[0].register), (5080, 10.0, false));
    let start: jiff::Timestamp = "2026-03-02T09:00:00Z".parse().unwrap(); // a valid literal
    c.pacing = Pacing { mode: PacingMode::Ratio, ratio: 0.0, ..c.pacing };
    assert!(c.pacer(start).is_err(), "a ratio changed after loading is refused, not a panic");
    for (mode, name) in [("preview", "preview"), ("ratio", "ratio"), ("vicidial", "vicidial")] {
        let c = ok(&MINIMAL.replace("\"progressive\"", &format!("\"{mode}\"")));
        assert_eq!(c.pacer(start).unwrap().name(), name);
    }
}

#[test]
fn mistakes_name_the_key_and_the_fix() {
    err(&MINIMAL.replace("store = \"test.sqlite\"\n", ""), "campaign.store", &["missing"]);
    err(&MINIMAL.replace("\"America/New_York\"", "\"Mars/Olympus\""), "campaign.timezone", &["Mars/Olympus", "IANA"]);
    err(&MINIMAL.replace("country_code = 1", "country_code = 0"), "campaign.country_code", &[]);
    err(&MINIMAL.replace("\"progressive\"", "\"predictve\""), "pacing.mode", &["predictve", "predictive"]);
    err(&MINIMAL.replace("max_lines = 4", "max_lines = 0"), "trunks.0.max_lines", &["1 or more"]);
    err(&MINIMAL.replace("sip:127.0.0.1:5080", "http://x"), "trunks.0.uri", &["sip:"]);
    err(&MINIMAL.replace("(202) 555-0100", "CALL-ME"), "trunks.0.caller_id", &["not a digit"]);
    err(&MINIMAL.replace("127.0.0.1:8089", "localhost"), "agents.api", &["IP address"]);
    err(&format!("{MINIMAL}[windows]\nstart = \"21:00\"\nend = \"09:00\"\n"), "windows.end", &["midnight"]);
    err(&format!("{MINIMAL}[windows]\ndays = [\"mon\", \"funday\"]\n"), "windows.days.1", &["funday"]);
    err(&format!("{MINIMAL}[windows]\nholidays = [\"25/12\"]\n"), "windows.holidays.0", &[]);
    err(&format!("{MINIMAL}[retry]\nbusy = \"soon\"\n"), "retry.busy", &["not a duration"]);
    err(&format!("{MINIMAL}[retry]\nmax_attempts = 0\n"), "retry.max_attempts", &[]);
    err(&MINIMAL.replace("[campaign]\n", "[campaign]\nring_timeout = \"10s\"\n"), "campaign.ring_timeout", &["15 s"]);
    err(&MINIMAL.replace("[campaign]\n", "[campaign]\ndrop_after = \"5s\"\n"), "campaign.drop_after", &["2 s"]);
    err(&MINIMAL.replace("[campaign]\n", "[campaign]\nrule = \"eu\"\n"), "campaign.rule", &["fcc, ofcom"]);
    err(&format!("{MINIMAL}[pacing.x]\n"), "", &[]);
    let e = err(
        &MINIMAL.replace("max_lines = 4", "max_lines = 4\npasword = \"x\""),
        "line 13",
        &["unknown field `pasword`"],
    );
    assert!(matches!(e, CampaignError::Syntax { line: 13, .. }), "{e}");
    err(&MINIMAL.replace("mode = \"progressive\"", "mode = \"ratio\"\nratio = -1"), "pacing.ratio", &["more than 0"]);
    err(&MINIMAL.replace("mode = \"progressive\"", "mode = \"vicidial\"\nmax_level = 0"), "pacing.max_level", &[]);
    err(&MINIMAL.replace("[[trunks]]\nuri", "[[trunks]]\npassword = \"x\"\nuri"), "trunks.0.password", &["username"]);
    assert!(matches!(load(Path::new("no/such/campaign.toml")), Err(CampaignError::Read { .. })));
}

#[test]
fn amd_takes_amd_conf_keys_and_is_checked() {
    assert_eq!(ok(MINIMAL).amd, None, "no [amd]: dialer run's default");
    let c = ok(&format!("{MINIMAL}\n[amd]\nmaximum_number_of_words = 3\n"));
    let amd = c.amd.unwrap();
    assert_eq!(amd.max_words, 3);
    assert_eq!(amd, crate::media::amd::AmdConfig { max_words: 3, ..Default::default() }, "the rest default");
    err(&format!("{MINIMAL}\n[amd]\nmaximum_number_of_words = 0\n"), "amd", &["maximum_number_of_words"]);
}
