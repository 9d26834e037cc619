use super::*;
use crate::test_records::{agent_intervals, outbound, outbound_calls};
use crate::{AgentState, Party};

/// A run of `n` outbound dials: every `live_every`-th a live answer, of which every
/// `abandon_every`-th is abandoned; connected calls wait `wait(i)` ms and talk 60 s.
fn run(n: u64, live_every: u64, abandon_every: u64, wait: impl Fn(u64) -> u64) -> Vec<Cdr> {
    (0..n)
        .map(|i| {
            let dial = i * 10_000;
            if !i.is_multiple_of(live_every) {
                return outbound(Outcome::NoAnswer, None, None, dial, None, None, dial + 25_000);
            }
            let answer = dial + 5_000;
            if (i / live_every).is_multiple_of(abandon_every) {
                outbound(Outcome::Abandoned, Some(Party::Human), None, dial, Some(answer), None, answer + 2_000)
            } else {
                let connect = answer + wait(i);
                outbound(
                    Outcome::Connected,
                    Some(Party::Human),
                    None,
                    dial,
                    Some(answer),
                    Some(connect),
                    connect + 60_000,
                )
            }
        })
        .collect()
}

#[test]
fn two_proportions_follow_the_textbook_formula() {
    // 30/1000 against 50/1000: pooled p = 0.04, se₀ = √(0.04·0.96·2/1000) = 0.0087636,
    // z = 0.02 / se₀ = 2.2822, two-sided p = 0.02248.
    let row = proportion("r", (30, 1000), (50, 1000));
    assert!((row.p_value.expect("tested") - 0.022_48).abs() < 1e-4, "{row:?}");
    let se = (0.03f64 * 0.97 / 1000.0 + 0.05 * 0.95 / 1000.0).sqrt();
    let ci = row.ci95.expect("interval");
    assert!((ci.0 - (0.02 - 1.96 * se)).abs() < 1e-12 && (ci.1 - (0.02 + 1.96 * se)).abs() < 1e-12);
    assert_eq!(row.within_noise(), Some(false));
    assert_eq!(proportion("r", (30, 1000), (31, 1000)).within_noise(), Some(true));
    assert_eq!(proportion("r", (0, 0), (3, 10)).p_value, None, "no data on one side: no test");
}

#[test]
fn welch_matches_a_worked_example() {
    // a: mean 2, s² = 2.5 (n 5); b: mean 5, s² = 2.5 (n 5): se = 1, t = 3, df = 8,
    // p = 2·(1 − T₈(3)) = 0.01707.
    let a = [0.0, 1.0, 2.0, 3.0, 4.0];
    let b = [3.0, 4.0, 5.0, 6.0, 7.0];
    let (p, (lo, hi)) = welch_test(&a, &b).expect("enough values");
    assert!((p - 0.017_07).abs() < 1e-4, "{p}");
    // t₀.₉₇₅(8) = 2.306004135.
    assert!((lo - (3.0 - 2.306_004_135)).abs() < 1e-9 && (hi - (3.0 + 2.306_004_135)).abs() < 1e-9);
    assert!(welch_test(&a, &[1.0]).is_none());
}

#[test]
fn a_run_against_itself_is_within_noise_everywhere() {
    let cdrs = run(3000, 3, 20, |i| 300 + i % 700);
    let agents = agent_intervals();
    let a = Run { label: "a", cdrs: &cdrs, agents: &agents };
    let c = compare(&a, &a);
    for row in &c.rows {
        assert_eq!(row.diff, 0.0, "{row:?}");
        assert!(row.within_noise() != Some(false), "{row:?}");
    }
    assert!(c.row("agents.occupancy").is_some() && c.row("outbound.talk_ms.p95").is_some());
}

#[test]
fn a_real_change_is_beyond_noise_and_the_tolerance_rule_needs_both() {
    // A abandons 1 in 20 live answers, B 1 in 5, over 1000 live answers each; waits differ too.
    let (ca, cb) = (run(3000, 3, 20, |i| 300 + i % 700), run(3000, 3, 5, |i| 900 + i % 700));
    let a = Run { label: "a", cdrs: &ca, agents: &[] };
    let b = Run { label: "b", cdrs: &cb, agents: &[] };
    let c = compare(&a, &b);
    let abandon = c.row("outbound.abandon_rate").expect("row");
    assert_eq!((abandon.a, abandon.b), (0.05, 0.2));
    assert_eq!(abandon.within_noise(), Some(false));
    assert_eq!(c.row("outbound.wait_to_agent_ms.mean").and_then(Row::within_noise), Some(false));
    assert_eq!(c.row("outbound.wait_to_agent_ms.p50").and_then(Row::within_noise), Some(false), "KS sees the shift");
    assert!(c.row("agents.occupancy").is_none(), "no agent log, no agent figures");

    let keys: Vec<&str> = c.rows.iter().map(|r| r.metric.as_str()).collect();
    let tol = |t: &str| Tolerance::parse(t, &keys).expect("valid");
    // Beyond a 0.1 tolerance and beyond noise: fails. Within a 0.2 tolerance: passes.
    let v = verdicts(&c, &[tol("outbound.abandon_rate=0.1"), tol("outbound.connect_rate=50%")]);
    assert!(v[0].failed && v[0].beyond_tolerance && v[0].beyond_noise, "{v:?}");
    assert!(!v[1].failed, "{v:?}");
    assert!(!verdicts(&c, &[tol("outbound.abandon_rate=0.2")])[0].failed);
    // Relative: 0.15 is 300 % of 0.05.
    assert!(verdicts(&c, &[tol("outbound.abandon_rate=250%")])[0].failed);
    assert!(!verdicts(&c, &[tol("outbound.abandon_rate=350%")])[0].failed);

    // Beyond tolerance but within noise: passes. 2 abandons of 10 against 1 of 10.
    let (sa, sb) = (run(30, 3, 5, |_| 500), run(30, 3, 10, |_| 500));
    let small = compare(&Run { label: "a", cdrs: &sa, agents: &[] }, &Run { label: "b", cdrs: &sb, agents: &[] });
    let v = verdicts(&small, &[tol("outbound.abandon_rate=0.01")]);
    assert!(v[0].beyond_tolerance && !v[0].beyond_noise && !v[0].failed, "{v:?}");

    // A test with too little data for a p-value is not beyond noise; a metric without a test is
    // judged on its tolerance alone.
    let mut thin = small.clone();
    let row = thin.rows.iter_mut().find(|r| r.metric == "outbound.abandon_rate").expect("row");
    row.p_value = None;
    let v = verdicts(&thin, &[tol("outbound.abandon_rate=0.01")]);
    assert!(v[0].beyond_tolerance && !v[0].beyond_noise && !v[0].failed, "{v:?}");
    let v = verdicts(&small, &[tol("outbound.dials=0")]);
    assert_eq!(small.row("outbound.dials").map(|r| r.test), Some(Test::None));
    assert!(v[0].beyond_noise && !v[0].beyond_tolerance && !v[0].failed, "no test: the tolerance decides: {v:?}");
}

#[test]
fn tolerances_are_read_strictly() {
    let keys = ["outbound.abandon_rate", "agents.occupancy"];
    assert_eq!(
        Tolerance::parse("agents.occupancy=2%", &keys),
        Ok(Tolerance { metric: "agents.occupancy".into(), value: 0.02, relative: true })
    );
    for bad in ["agents.occupancy", "agents.ocupancy=0.1", "agents.occupancy=-1", "agents.occupancy=x%"] {
        let e = Tolerance::parse(bad, &keys).expect_err(bad);
        assert!(e.to_string().contains("fix:"), "{e}");
    }
}

#[test]
fn batch_means_see_occupancy_that_differs_by_the_hour() {
    // Two agents over 10 hours; A works 50 % of each hour, B 60 %: the same every hour, so the
    // bins have no spread and the difference is certain.
    let hours = |work_share: f64| -> Vec<AgentInterval> {
        (0..10u64)
            .flat_map(|h| {
                let start = h * 3_600_000;
                let work = (3_600_000.0 * work_share) as u64;
                [1, 2].into_iter().flat_map(move |agent| {
                    [
                        AgentInterval {
                            agent,
                            state: AgentState::Talk,
                            start: Time::from_ms(start),
                            end: Time::from_ms(start + work),
                        },
                        AgentInterval {
                            agent,
                            state: AgentState::Ready,
                            start: Time::from_ms(start + work),
                            end: Time::from_ms(start + 3_600_000),
                        },
                    ]
                })
            })
            .collect()
    };
    let (ia, ib) = (hours(0.5), hours(0.6));
    let cdrs = outbound_calls();
    let c = compare(&Run { label: "a", cdrs: &cdrs, agents: &ia }, &Run { label: "b", cdrs: &cdrs, agents: &ib });
    let occ = c.row("agents.occupancy").expect("row");
    assert!((occ.diff - 0.1).abs() < 1e-12 && occ.test == Test::BatchMeans);
    assert_eq!(occ.within_noise(), Some(false));
    let same = compare(&Run { label: "a", cdrs: &cdrs, agents: &ia }, &Run { label: "b", cdrs: &cdrs, agents: &ia });
    assert_eq!(same.row("agents.occupancy").and_then(Row::within_noise), Some(true));
}

#[test]
fn overlay_plots_draw_both_runs() {
    let (ca, cb) = (run(600, 3, 20, |i| 300 + i % 700), run(600, 3, 5, |i| 900 + i % 700));
    let agents = agent_intervals();
    let runs = [Run { label: "sim", cdrs: &ca, agents: &agents }, Run { label: "live", cdrs: &cb, agents: &agents }];
    let dir = tempfile::tempdir().expect("temp dir");
    let written = write_overlay_plots(dir.path(), &runs).expect("plots");
    assert_eq!(written.len(), 10, "five plots, SVG and PNG each");
    let (histograms, charts) = overlay_plots(&runs);
    assert!(histograms.iter().all(|(_, h)| h.series.len() == 2 && h.series[0].values.len() == 190));
    assert!(charts.iter().all(|(_, c)| c.lines.len() == 2));
}
