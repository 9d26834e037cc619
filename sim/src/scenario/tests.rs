use std::path::Path;

use super::*;

/// DESIGN.md's example, verbatim but for `mode = "ratio"`.
const DESIGN_EXAMPLE: &str = r#"
name = "retail-100"
duration = "8h"                 # durations are humantime strings: "250ms", "15s", "3m", "8h"
warmup = "0s"                   # excluded from metrics (steady-state studies)
seed = 42
replications = 1                # default for simulate/check; --replications overrides
start = "2026-01-05T09:00:00Z"  # wall-clock time of t = 0, for CDR timestamps

[agents]
count = 100
talk = { dist = "lognormal", mean = "180s", sd = "90s" }
wrap = { dist = "exp", mean = "15s" }
# preview = { dist = "const", value = "8s" }      # preview mode: time to read the record
# machine_handle = { dist = "const", value = "5s" }  # an agent's time on a machine AMD let through
# [[agents.groups]]  name, count, skills, login, logout, talk, wrap   (instead of count)

[population]                    # what happens when a number is dialled; the five sum to 1
human = 0.30
machine = 0.15
busy = 0.10
no_answer = 0.45
invalid = 0.0
ring = { dist = "lognormal", mean = "12s", sd = "6s" }   # dial to answer, human or machine
busy_after = { dist = "const", value = "3s" }
patience = { dist = "exp", mean = "3s" }   # a live answerer's wait for an agent; omitted = forever
# [[population.phases]]  from = "2h", human = 0.2, ...    # time-varying mix and distributions

[dialing]
ring_timeout = "25s"            # give up on no answer
lines = 0                       # trunk channels, 0 = unlimited
drop_after = "2s"               # drop a live answer with the abandon message if no agent by then

[pacing]
mode = "ratio"                  # preview | progressive | ratio | vicidial | predictive | none
ratio = 2.0                     # mode = "ratio"
target_abandon = 0.03           # vicidial, predictive
# vicidial_method = "tapered"   # hard_limit | tapered | average
# max_level = 3.0, intensity = 0, dl_diff_target = 0, latest_server_time = "21:00"

[amd]                           # optional; see "Semantics"
decision = { dist = "const", value = "2.5s" }
false_positive = 0.02           # share of humans classed machine (hung up on)
false_negative = 0.10           # share of machines classed human (passed to agents)

[inbound]                       # optional: Poisson arrivals served by the same agents
per_hour = 400
patience = { dist = "exp", mean = "60s" }   # omitted = forever

[compliance]
rule = "fcc"                    # fcc | ofcom
amd_fp_share = 0.05             # live runs, Ofcom: share of AMD machine verdicts assumed human

[expect]                        # bounds checked by `dialer check`
"outbound.abandon_rate" = { max = 0.03, share = 0.95 }   # share: of replications; omitted = the mean
"agents.occupancy" = { min = 0.85 }
"#;

/// A small valid scenario to break in the error tests.
const MINIMAL: &str = r#"
duration = "1h"
[agents]
count = 5
talk = { dist = "exp", mean = "3m" }
wrap = { dist = "const", value = "0s" }
[population]
human = 0.3
machine = 0.2
no_answer = 0.5
ring = { dist = "const", value = "10s" }
[pacing]
mode = "progressive"
"#;

const FILE: &str = "scenarios/x.toml";

fn ok(text: &str) -> Scenario {
    parse(text, Path::new(FILE), &[]).unwrap_or_else(|e| panic!("{e}"))
}

fn ok_with(text: &str, sets: &[&str]) -> Scenario {
    let sets: Vec<String> = sets.iter().map(|s| s.to_string()).collect();
    parse(text, Path::new(FILE), &sets).unwrap_or_else(|e| panic!("{e}"))
}

/// Parses `text` (with overrides), expects an error, and checks that its message names the
/// file, contains `key` and every one of `words`, and offers a fix.
fn err_with(text: &str, sets: &[&str], key: &str, words: &[&str]) -> ScenarioError {
    let sets: Vec<String> = sets.iter().map(|s| s.to_string()).collect();
    let e = match parse(text, Path::new(FILE), &sets) {
        Ok(s) => panic!("expected an error about {key}, got {s:#?}"),
        Err(e) => e,
    };
    let msg = e.to_string();
    assert!(msg.starts_with(&format!("{FILE}: ")), "no file in: {msg}");
    assert!(msg.contains(key), "no key {key:?} in: {msg}");
    assert!(msg.contains("(fix: "), "no fix in: {msg}");
    for w in words {
        assert!(msg.contains(w), "no {w:?} in: {msg}");
    }
    e
}

fn err(text: &str, key: &str, words: &[&str]) -> ScenarioError {
    err_with(text, &[], key, words)
}

#[test]
fn design_example_resolves() {
    let s = ok(DESIGN_EXAMPLE);
    assert_eq!(s.name, "retail-100");
    assert_eq!(s.source, Path::new(FILE));
    assert_eq!(s.duration, Time::from_secs(8 * 3600));
    assert_eq!(s.warmup, Time::ZERO);
    assert_eq!((s.seed, s.replications), (42, 1));
    assert_eq!(s.start.to_string(), "2026-01-05T09:00:00Z");

    let [group] = &s.agents.groups[..] else { panic!("{:?}", s.agents.groups) };
    assert_eq!((group.name.as_str(), group.count), ("agents", 100));
    assert_eq!((group.login, group.logout), (Time::ZERO, None));
    assert!(group.skills.is_empty() && group.preview.is_none());
    assert_eq!(group.talk, Dist::lognormal(180_000.0, 90_000.0).unwrap());
    assert_eq!(group.wrap, Dist::exp(15_000.0).unwrap());
    assert_eq!(s.agents.machine_handle, Dist::constant(5_000));

    let [phase] = &s.population.phases[..] else { panic!("{:?}", s.population.phases) };
    assert_eq!(phase.from, Time::ZERO);
    assert_eq!(phase.mix, Mix { human: 0.30, machine: 0.15, busy: 0.10, no_answer: 0.45, invalid: 0.0 });
    assert_eq!(phase.ring.to_string(), "lognormal(mean 12s, sd 6s)");
    assert_eq!(phase.busy_after, Dist::constant(3_000));
    assert_eq!(phase.patience, Some(Dist::exp(3_000.0).unwrap()));

    assert_eq!(s.dialing, Dialing { ring_timeout_ms: 25_000, lines: 0, drop_after_ms: 2_000 });
    assert_eq!(s.pacing.mode, PacingMode::Ratio);
    assert_eq!((s.pacing.ratio, s.pacing.target_abandon), (2.0, 0.03));
    assert_eq!(s.pacing.vicidial_method, VicidialMethod::Tapered);
    assert_eq!((s.pacing.max_level, s.pacing.intensity, s.pacing.dl_diff_target), (3.0, 0.0, 0.0));
    assert_eq!(s.pacing.latest_server_time, None);

    let amd = s.amd.as_ref().unwrap();
    assert_eq!(amd.decision, Dist::constant(2_500));
    assert_eq!((amd.false_positive, amd.false_negative), (0.02, 0.10));
    let inbound = s.inbound.as_ref().unwrap();
    assert_eq!(inbound.per_hour, 400.0);
    assert_eq!(inbound.patience, Some(Dist::exp(60_000.0).unwrap()));
    assert_eq!(s.compliance, Compliance { rule: Rule::Fcc, amd_fp_share: 0.05 });
    assert_eq!(
        s.expect,
        vec![
            Expectation { metric: "outbound.abandon_rate".into(), min: None, max: Some(0.03), share: Some(0.95) },
            Expectation { metric: "agents.occupancy".into(), min: Some(0.85), max: None, share: None },
        ]
    );
}

#[test]
fn defaults_fill_what_is_left_out() {
    let s = ok(MINIMAL);
    assert_eq!(s.name, "x", "the file's stem");
    assert_eq!((s.seed, s.replications, s.warmup), (1, 1, Time::ZERO));
    assert_eq!(s.start.to_string(), "2026-01-05T09:00:00Z");
    assert_eq!(s.dialing, Dialing { ring_timeout_ms: 25_000, lines: 0, drop_after_ms: 2_000 });
    assert_eq!(s.pacing.ratio, 1.0);
    assert_eq!(s.compliance, Compliance { rule: Rule::Fcc, amd_fp_share: 0.05 });
    let phase = &s.population.phases[0];
    assert_eq!(phase.mix.busy, 0.0, "an omitted share is 0");
    assert_eq!(phase.busy_after, Dist::constant(0), "unused busy_after defaults to 0s");
    assert_eq!(phase.patience, None, "omitted patience = forever");
    assert!(s.amd.is_none() && s.inbound.is_none() && s.expect.is_empty());
}

const PHASES_AND_GROUPS: &str = r#"
duration = "8h"
start = 2026-03-02T08:00:00+01:00
[agents]
talk = { dist = "lognormal", mean = "180s", sd = "90s" }
wrap = { dist = "exp", mean = "15s" }
preview = { dist = "const", value = "8s" }
[[agents.groups]]
name = "early"
count = 10
skills = ["retail", "fr"]
logout = "4h"
[[agents.groups]]
name = "late"
count = 12
login = "4h"
talk = { dist = "gamma", mean = "200s", sd = "100s" }
[population]
human = 0.3
machine = 0.2
busy = 0.1
no_answer = 0.4
invalid = 0.0
ring = { dist = "const", value = "10s" }
busy_after = { dist = "const", value = "3s" }
[[population.phases]]
from = "2h"
human = 0.5
machine = 0.1
busy = 0.1
no_answer = 0.3
invalid = 0.0
patience = { dist = "exp", mean = "5s" }
[[population.phases]]
from = "5h"
ring = { dist = "uniform", min = "5s", max = "15s" }
[pacing]
mode = "preview"
vicidial_method = "hard_limit"
latest_server_time = "21:00"
"#;

#[test]
fn phases_and_groups_inherit() {
    let s = ok(PHASES_AND_GROUPS);
    assert_eq!(s.start.to_string(), "2026-03-02T07:00:00Z", "a bare TOML date-time works");
    assert_eq!(s.pacing.vicidial_method, VicidialMethod::HardLimit);
    assert_eq!(s.pacing.latest_server_time.as_deref(), Some("21:00"));

    let [early, late] = &s.agents.groups[..] else { panic!() };
    assert_eq!(early.skills, ["retail", "fr"]);
    assert_eq!((early.login, early.logout), (Time::ZERO, Some(Time::from_secs(4 * 3600))));
    assert_eq!(early.talk, Dist::lognormal(180_000.0, 90_000.0).unwrap(), "inherited");
    assert_eq!((late.login, late.logout), (Time::from_secs(4 * 3600), None));
    assert_eq!(late.talk, Dist::gamma(200_000.0, 100_000.0).unwrap(), "its own");
    assert_eq!(late.wrap, early.wrap, "inherited");
    assert_eq!(late.preview, Some(Dist::constant(8_000)), "inherited");

    let [p0, p1, p2] = &s.population.phases[..] else { panic!() };
    assert_eq!((p0.from, p1.from, p2.from), (Time::ZERO, Time::from_secs(7200), Time::from_secs(18_000)));
    assert_eq!(p0.patience, None);
    assert_eq!(p1.mix.human, 0.5);
    assert_eq!(p1.ring, p0.ring, "inherited");
    assert_eq!(p1.busy_after, Dist::constant(3_000), "inherited");
    assert_eq!(p1.patience, Some(Dist::exp(5_000.0).unwrap()));
    assert_eq!(p2.mix, p1.mix, "no shares: the previous phase's");
    assert_eq!(p2.patience, p1.patience, "inherited from the phase before, not [population]");
    assert_eq!(p2.ring, Dist::uniform(5_000, 15_000).unwrap());
}

#[test]
fn phase_at_boundaries() {
    let s = ok(PHASES_AND_GROUPS);
    let from = |ms| s.population.phase_at(Time::from_ms(ms)).from.as_ms();
    assert_eq!(from(0), 0);
    assert_eq!(from(7_199_999), 0);
    assert_eq!(from(7_200_000), 7_200_000);
    assert_eq!(from(17_999_999), 7_200_000);
    assert_eq!(from(18_000_000), 18_000_000);
    assert_eq!(s.population.phase_at(Time::NEVER).from.as_ms(), 18_000_000);
}

#[test]
fn inbound_only_needs_no_pacing_or_population() {
    let s = ok(r#"
duration = "1h"
[agents]
count = 3
talk = { dist = "exp", mean = "3m" }
wrap = { dist = "const", value = "5s" }
[inbound]
per_hour = 60
"#);
    assert_eq!(s.pacing.mode, PacingMode::None);
    assert_eq!(s.population.phases.len(), 1);
    assert!(s.inbound.is_some());
}

#[test]
fn empirical_files_resolve_against_the_scenario_folder() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("data")).unwrap();
    std::fs::write(dir.path().join("data/talk.txt"), "60s\n120s\n").unwrap();
    let text = MINIMAL.replace(
        "talk = { dist = \"exp\", mean = \"3m\" }",
        "talk = { dist = \"empirical\", file = \"data/talk.txt\" }",
    );
    let path = dir.path().join("s.toml");
    std::fs::write(&path, &text).unwrap();
    let s = load(&path, &[]).unwrap();
    assert_eq!(s.agents.groups[0].talk.mean_ms(), 90_000.0);

    std::fs::write(dir.path().join("data/talk.txt"), "60s\nlong\n").unwrap();
    let msg = load(&path, &[]).unwrap_err().to_string();
    assert!(msg.contains("agents.talk.file") && msg.contains("talk.txt line 2"), "{msg}");
    assert!(msg.contains("s.toml: ") && msg.contains("fix:"), "{msg}");
}

#[test]
fn unreadable_file_is_an_error() {
    let e = load(Path::new("/nonexistent/s.toml"), &[]).unwrap_err();
    assert!(matches!(e, ScenarioError::Read { .. }));
    assert!(e.to_string().contains("/nonexistent/s.toml") && e.to_string().contains("fix:"));
}

#[test]
fn shares_must_sum_to_one() {
    let text = MINIMAL.replace("no_answer = 0.5", "no_answer = 0.45");
    let e = err(&text, "population", &["= 0.95, but they must sum to 1", "adjust the shares"]);
    assert_eq!(
        e.to_string(),
        format!(
            "{FILE}: population: human + machine + busy + no_answer + invalid = 0.95, but they must sum to 1 (fix: adjust the shares so they add up to 1)"
        )
    );
    let text = MINIMAL.replace("human = 0.3", "human = 1.3");
    err(&text, "population.human", &["between 0 and 1"]);
}

#[test]
fn phases_give_all_shares_or_none() {
    let text = format!("{MINIMAL}\n[[population.phases]]\nfrom = \"10m\"\nhuman = 0.2\nbusy = 0.1\n");
    err(&text, "population.phases.0", &["gives human, busy but not machine, no_answer, invalid"]);
    let text = format!(
        "{MINIMAL}\n[[population.phases]]\nfrom = \"10m\"\n[[population.phases]]\nfrom = \"20m\"\nhuman = 0.5\nmachine = 0.0\nbusy = 0.0\nno_answer = 0.4\ninvalid = 0.0\n"
    );
    err(&text, "population.phases.1", &["= 0.9"]);
}

#[test]
fn phases_must_be_in_order_and_inside_the_run() {
    let text = format!("{MINIMAL}\n[[population.phases]]\nfrom = \"20m\"\n[[population.phases]]\nfrom = \"10m\"\n");
    err(&text, "population.phases.1.from", &["10m is not after the previous phase's start (20m)"]);
    let text = format!("{MINIMAL}\n[[population.phases]]\nfrom = \"0s\"\n");
    err(&text, "population.phases.0.from", &["[population] itself"]);
    let text = format!("{MINIMAL}\n[[population.phases]]\nfrom = \"2h\"\n");
    err(&text, "population.phases.0.from", &["end of the run"]);
    let text = format!("{MINIMAL}\n[[population.phases]]\nhuman = 0.3\n");
    err(&text, "population.phases.0.from", &["missing"]);
}

#[test]
fn busy_needs_busy_after() {
    let text = MINIMAL.replace("no_answer = 0.5", "no_answer = 0.4\nbusy = 0.1");
    err(&text, "population.busy_after", &["missing"]);
}

#[test]
fn bad_duration_names_key() {
    let text = MINIMAL.replace("mean = \"3m\"", "mean = \"three minutes\"");
    let e = err(&text, "agents.talk.mean", &["\"three minutes\" is not a duration", "\"180s\""]);
    assert_eq!(e.key(), Some("agents.talk.mean"));
    let text = MINIMAL.replace("mean = \"3m\"", "mean = 180");
    err(&text, "agents.talk.mean", &["integer `180`", "duration string"]);
}

#[test]
fn negative_duration_rejected() {
    let text = MINIMAL.replace("value = \"0s\"", "value = \"-5s\"");
    err(&text, "agents.wrap.value", &["negative", "0s"]);
}

#[test]
fn zero_duration_rejected() {
    err(&MINIMAL.replace("\"1h\"", "\"0s\""), "duration", &["zero"]);
    err(&MINIMAL.replace("duration = \"1h\"", ""), "duration", &["missing"]);
}

#[test]
fn unknown_key_names_path_and_alternatives() {
    let text = MINIMAL.replace("mode = \"progressive\"", "mode = \"ratio\"\nratoi = 2");
    let e = err(&text, "unknown key `pacing.ratoi`", &["remove it, or use one of mode, ratio, target_abandon"]);
    assert!(matches!(e, ScenarioError::UnknownKey { .. }));
    err(&format!("{MINIMAL}\ncolour = 1\n"), "pacing.colour", &["unknown key"]);
    err(&format!("colour = 1\n{MINIMAL}"), "unknown key `colour`", &["duration"]);
    let text = MINIMAL.replace("mean = \"3m\"", "means = \"3m\"");
    err(&text, "unknown key `agents.talk.means`", &["mean"]);
    let text = MINIMAL.replace("count = 5", "count = 5\n[[agents.groups]]\nname = \"a\"\ncount = 1\nshift = 2");
    err(&text, "unknown key `agents.groups.0.shift`", &["login"]);
}

#[test]
fn wrong_names_and_types() {
    let text = MINIMAL.replace("\"progressive\"", "\"predictve\"");
    err(&text, "pacing.mode", &["\"predictve\" is not one of preview, progressive", "use one of"]);
    let text = MINIMAL.replace("dist = \"exp\"", "dist = \"normal\"");
    err(&text, "agents.talk.dist", &["\"normal\" is not one of const, exp"]);
    err(&MINIMAL.replace("count = 5", "count = 5.5"), "agents.count", &["a whole number"]);
    err(&MINIMAL.replace("count = 5", "count = -5"), "agents.count", &["a whole number"]);
    let text = MINIMAL.replace("talk = { dist = \"exp\", mean = \"3m\" }", "talk = { mean = \"3m\" }");
    err(&text, "agents.talk", &["missing `dist`", "lognormal"]);
    let text = MINIMAL.replace("talk = { dist = \"exp\", mean = \"3m\" }", "talk = { dist = \"exp\", value = \"3m\" }");
    err(&text, "agents.talk.value", &["exp does not use `value`"]);
}

#[test]
fn count_and_groups_are_exclusive() {
    let text = MINIMAL.replace("count = 5", "count = 5\n[[agents.groups]]\nname = \"a\"\ncount = 1");
    let e = err(&text, "agents", &["both `count` and `groups` are given", "keep one"]);
    assert!(e.to_string().starts_with(&format!("{FILE}: agents: both")));
    err(&MINIMAL.replace("count = 5", ""), "agents", &["neither"]);
    err(&MINIMAL.replace("count = 5", "count = 0"), "agents.count", &["is 0"]);
}

#[test]
fn groups_need_names_counts_and_distributions() {
    let agents =
        "[agents]\ncount = 5\ntalk = { dist = \"exp\", mean = \"3m\" }\nwrap = { dist = \"const\", value = \"0s\" }\n";
    let with = |groups: &str| MINIMAL.replace(agents, &format!("[agents]\n{groups}\n"));
    err(
        &with("[[agents.groups]]\ncount = 1\ntalk = { dist = \"exp\", mean = \"3m\" }"),
        "agents.groups.0.name",
        &["missing"],
    );
    err(
        &with("[[agents.groups]]\nname = \"a\"\ncount = 1\ntalk = { dist = \"exp\", mean = \"3m\" }"),
        "agents.groups.0.wrap",
        &["missing, here and in [agents]"],
    );
    let both = "talk = { dist = \"exp\", mean = \"3m\" }\nwrap = { dist = \"exp\", mean = \"3s\" }";
    let s = ok(&with(&format!("[[agents.groups]]\nname = \"a\"\ncount = 2\n{both}")));
    assert_eq!(s.agents.groups[0].count, 2, "[agents] needs no talk/wrap when every group has its own");
    err(
        &with(&format!(
            "[[agents.groups]]\nname = \"a\"\ncount = 2\n{both}\n[[agents.groups]]\nname = \"a\"\ncount = 1\n{both}"
        )),
        "agents.groups.1.name",
        &["used by an earlier group"],
    );
    err(
        &with(&format!("[[agents.groups]]\nname = \"a\"\ncount = 2\nlogin = \"2h\"\n{both}")),
        "agents.groups.0.login",
        &["end of the run"],
    );
    err(
        &with(&format!("[[agents.groups]]\nname = \"a\"\ncount = 2\nlogin = \"20m\"\nlogout = \"10m\"\n{both}")),
        "agents.groups.0.logout",
        &["not after login"],
    );
    err(&with(&format!("[[agents.groups]]\nname = \"a\"\ncount = 0\n{both}")), "agents.groups", &["count 0"]);
}

#[test]
fn preview_mode_needs_preview_time() {
    err(&MINIMAL.replace("\"progressive\"", "\"preview\""), "agents.preview", &["preview mode"]);
}

#[test]
fn missing_sections() {
    let no_population = MINIMAL.split("[population]").next().unwrap().to_owned() + "[pacing]\nmode = \"ratio\"\n";
    err(&no_population, "missing section [population]", &[]);
    let no_pacing = MINIMAL.replace("[pacing]\nmode = \"progressive\"\n", "");
    err(&no_pacing, "missing section [pacing]", &["mode"]);
    let no_agents = MINIMAL.replace("[agents]\ncount = 5\n", "[other]\n");
    err(&no_agents, "other", &["unknown key"]);
    let no_agents = MINIMAL.replace(
        "[agents]\ncount = 5\ntalk = { dist = \"exp\", mean = \"3m\" }\nwrap = { dist = \"const\", value = \"0s\" }\n",
        "",
    );
    err(&no_agents, "missing section [agents]", &[]);
    err(&MINIMAL.replace("mode = \"progressive\"", ""), "pacing.mode", &["missing"]);
    err(&MINIMAL.replace("\"progressive\"", "\"none\""), "pacing.mode", &["[inbound]"]);
}

#[test]
fn ranges_of_the_other_sections() {
    err(&format!("{MINIMAL}ratio = 0\n"), "pacing.ratio", &["not more than 0"]);
    err(&format!("{MINIMAL}target_abandon = 1.5\n"), "pacing.target_abandon", &["between 0 and 1"]);
    err(&format!("{MINIMAL}latest_server_time = \"25:00\"\n"), "pacing.latest_server_time", &["HH:MM"]);
    err(&format!("{MINIMAL}[inbound]\nper_hour = 0\n"), "inbound.per_hour", &["positive"]);
    err(&format!("{MINIMAL}[amd]\nfalse_positive = 0.1\n"), "amd.decision", &["missing"]);
    err(&format!("{MINIMAL}[compliance]\nrule = \"eu\"\n"), "compliance.rule", &["fcc, ofcom"]);
    err(&format!("{MINIMAL}[dialing]\nring_timeout = \"0s\"\n"), "dialing.ring_timeout", &["zero"]);
    err(&MINIMAL.replace("duration = \"1h\"", "duration = \"1h\"\nwarmup = \"1h\""), "warmup", &["not shorter"]);
    err(&MINIMAL.replace("duration = \"1h\"", "duration = \"1h\"\nreplications = 0"), "replications", &["is 0"]);
    err(&MINIMAL.replace("duration = \"1h\"", "duration = \"1h\"\nstart = \"monday\""), "start", &["RFC 3339"]);
}

#[test]
fn expectations_are_checked() {
    let with = |line: &str| format!("{MINIMAL}[expect]\n{line}\n");
    err(
        &with("\"outbound.abandn_rate\" = { max = 0.03 }"),
        "expect.\"outbound.abandn_rate\"",
        &["did you mean \"outbound.abandon_rate\""],
    );
    err(&with("\"perf.wall_ms\" = { max = 10 }"), "expect.\"perf.wall_ms\"", &["machine"]);
    err(&with("\"agents.occupancy\" = { min = 0.9, max = 0.8 }"), "expect.\"agents.occupancy\"", &["more than max"]);
    err(&with("\"agents.occupancy\" = { share = 0.9 }"), "expect.\"agents.occupancy\"", &["neither min nor max"]);
    err(&with("\"agents.occupancy\" = { min = 0.9, share = 0 }"), "expect.\"agents.occupancy\".share", &["(0, 1]"]);
    err(&with("\"agents.occupancy\" = { min = 0.9, mx = 1 }"), "expect.\"agents.occupancy\".mx", &["unknown key"]);
    let s = ok(&with(
        "\"outbound.wait_to_agent_ms.p95\" = { max = 2000 }\n\"inbound.service_level_20s\" = { min = 0.8 }\n\"lines.peak\" = { max = 50 }",
    ));
    let metrics: Vec<&str> = s.expect.iter().map(|e| e.metric.as_str()).collect();
    assert_eq!(metrics, ["outbound.wait_to_agent_ms.p95", "inbound.service_level_20s", "lines.peak"]);
}

#[test]
fn syntax_errors_show_line_and_column() {
    let text = MINIMAL.replace("count = 5", "count = = 5");
    let e = parse(&text, Path::new(FILE), &[]).unwrap_err();
    let ScenarioError::Syntax { line, column, .. } = &e else { panic!("{e:?}") };
    assert_eq!((*line, *column), (4, 9), "{e}");
    let msg = e.to_string();
    assert!(msg.starts_with(&format!("{FILE}: line 4, column 9: ")) && msg.contains("fix:"), "{msg}");
}

#[test]
fn override_a_number() {
    let s = ok_with(DESIGN_EXAMPLE, &["pacing.ratio=2.5", "agents.count=120", "seed=7"]);
    assert_eq!((s.pacing.ratio, s.agents.groups[0].count, s.seed), (2.5, 120, 7));
}

#[test]
fn override_falls_back_to_a_string() {
    let s = ok_with(DESIGN_EXAMPLE, &["pacing.mode=predictive", "duration=2h", "name = \"quoted\""]);
    assert_eq!(s.pacing.mode, PacingMode::Predictive);
    assert_eq!(s.duration, Time::from_secs(7200));
    assert_eq!(s.name, "quoted");
}

#[test]
fn override_an_inline_table_and_a_new_table() {
    let s = ok_with(DESIGN_EXAMPLE, &["agents.talk={ dist = \"exp\", mean = \"3s\" }"]);
    assert_eq!(s.agents.groups[0].talk, Dist::exp(3_000.0).unwrap());
    let s = ok_with(MINIMAL, &["amd.decision={ dist = \"const\", value = \"1s\" }"]);
    assert_eq!(s.amd.unwrap().decision, Dist::constant(1_000), "the missing [amd] is created");
}

#[test]
fn override_an_array_element() {
    let s = ok_with(PHASES_AND_GROUPS, &["agents.groups.1.count=30", "population.phases.0.from=1h"]);
    assert_eq!(s.agents.groups[1].count, 30);
    assert_eq!(s.population.phases[1].from, Time::from_secs(3600));
    let e = parse(PHASES_AND_GROUPS, Path::new(FILE), &["agents.groups.2.count=1".into()]).unwrap_err();
    let msg = e.to_string();
    assert!(matches!(e, ScenarioError::Override { .. }), "{e:?}");
    assert!(msg.starts_with(&format!("{FILE}: --set agents.groups.2.count=1: ")), "{msg}");
    assert!(msg.contains("no element 2") && msg.contains("fix:"), "{msg}");
}

#[test]
fn overrides_are_validated_like_the_file() {
    let e = err_with(DESIGN_EXAMPLE, &["pacing.ratio=-1"], "pacing.ratio", &["not more than 0"]);
    assert!(e.to_string().starts_with(&format!("{FILE}: --set pacing.ratio=-1: pacing.ratio: ")), "{e}");
    let e = err_with(DESIGN_EXAMPLE, &["seed=3", "population.human=0.5"], "population", &["must sum to 1"]);
    assert!(e.to_string().contains("--set population.human=0.5: population: "), "{e}");
    err_with(DESIGN_EXAMPLE, &["pacing.ratoi=2"], "--set pacing.ratoi=2: unknown key `pacing.ratoi`", &[]);
    // An error the overrides did not touch is the file's.
    let text = DESIGN_EXAMPLE.replace("ratio = 2.0", "ratio = 0.0");
    let e = err_with(&text, &["seed=3"], "pacing.ratio", &[]);
    assert!(!e.to_string().contains("--set"), "{e}");
}

#[test]
fn malformed_overrides() {
    let mut doc: toml::Table = MINIMAL.parse().unwrap();
    for bad in ["pacing.ratio", "pacing..ratio=1", "=3", "agents.count.x=1", "agents.groups.0.count=1"] {
        let e = apply_override(&mut doc, bad).unwrap_err();
        assert!(matches!(e, ScenarioError::Override { .. }), "{bad}: {e:?}");
        assert!(e.to_string().contains(bad) && e.to_string().contains("fix:"), "{e}");
    }
    apply_override(&mut doc, "population.phases=[]").unwrap();
    let e = apply_override(&mut doc, "population.phases.first.from=1h").unwrap_err();
    assert!(e.to_string().contains("not an index"), "{e}");
}
