//! The plots of one run over time, from its [`TimeSeries`]: what a supervisor watches on a
//! wallboard, after the fact.

use super::{Guide, Line, LineChart, Stroke};
use crate::timeseries::{Bin, TimeSeries};

/// A duration field of a bin.
type Field = fn(&Bin) -> u64;

/// The trailing window of the rolling abandon rate.
const ROLLING_MS: u64 = 30 * 60_000;

/// The size of every run plot.
const SIZE: (u32, u32) = (1200, 600);

/// The run's plots, each with the file stem it is written under:
///
/// - `abandon`: the abandon rate over the trailing 30 minutes and since the start, against the cap;
/// - `dial_level`: outbound calls ringing per available agent;
/// - `agents`: agents ready (idle), reserved and paused;
/// - `calls`: calls ringing, waiting for an agent and talking, outbound and inbound;
/// - `occupancy`: the agents' occupancy per bin, and over the whole run.
///
/// `name` is the run's name for titles; `cap` the abandon-rate cap (a fraction).
pub fn run_plots(ts: &TimeSeries, name: &str, cap: f64) -> Vec<(&'static str, LineChart)> {
    let bin = duration_text(ts.bin_ms);
    let x_label = match ts.wall_start {
        Some(t) => format!("time (hours since {})", t.strftime("%Y-%m-%d %H:%M UTC")),
        None => "time (hours since the first record)".to_owned(),
    };
    let mid = ts.mid_hours();
    let end = ts.end_hours();
    let zip = |xs: &[f64], ys: Vec<Option<f64>>, scale: f64| -> Vec<(f64, Option<f64>)> {
        xs.iter().zip(ys).map(|(x, y)| (*x, y.map(|y| y * scale))).collect()
    };
    let means = |field: Field| zip(&mid, ts.mean(field).into_iter().map(Some).collect(), 1.0);
    let chart = |title: String, caption: Vec<String>, y_label: &str, lines: Vec<Line>| LineChart {
        title,
        caption,
        x_label: x_label.clone(),
        y_label: y_label.to_owned(),
        lines,
        guides: Vec::new(),
        y_from: Some(0.0),
        y_at_least: None,
        size: SIZE,
    };
    let line = |name: &str, points, stroke| Line { name: name.to_owned(), points, stroke };
    let any = |field: Field| ts.bins.iter().any(|b| field(b) > 0);

    let window = ROLLING_MS.max(ts.bin_ms);
    let mut abandon = chart(
        format!("{name}: abandoned calls over time"),
        vec![
            "Outbound abandons ÷ live answers (people answering; those AMD hung up on are not counted, as the FCC rule has it),".to_owned(),
            format!("each call counted at its answer. Rolling: over the {} ending at each point; since the start: all calls so far.", duration_text(window)),
        ],
        "abandon rate (% of live answers)",
        vec![
            line(&format!("rolling {}", duration_text(window)), zip(&end, ts.rolling_abandon_rate(window), 100.0), Stroke::Solid(0)),
            line("since the start", zip(&end, ts.cumulative_abandon_rate(), 100.0), Stroke::Solid(6)),
        ],
    );
    if ts.bins.iter().all(|b| b.live_answers == 0) {
        abandon.caption.push("This run has no outbound live answer, so there is no abandon rate to draw.".to_owned());
    }
    abandon
        .guides
        .push(Guide { y: cap * 100.0, label: format!("{}% cap (FCC, Ofcom)", super::draw::tick(cap * 100.0, 2)) });
    abandon.y_at_least = Some(cap * 100.0 * 1.5);

    let dial_level = chart(
        format!("{name}: dial level"),
        vec![
            format!("Dial level = mean outbound calls ringing ÷ mean agents available (ready or reserved), per {bin}."),
            "Above 1 the dialer is dialling ahead of its agents. No point where no agent was available.".to_owned(),
        ],
        "dial level (calls ringing per available agent)",
        vec![line("dial level", zip(&mid, ts.dial_level(), 1.0), Stroke::Solid(0))],
    );

    let logged_in = ts.bins.iter().map(|b| b.logged_in_ms).sum::<u64>() as f64 / (ts.end - ts.start).max(1) as f64;
    let mut agent_lines = vec![line("ready (idle)", means(|b| b.ready_ms), Stroke::Solid(2))];
    if any(|b| b.reserved_ms) {
        agent_lines.push(line("reserved for a ringing call", means(|b| b.reserved_ms), Stroke::Solid(4)));
    }
    if any(|b| b.paused_ms) {
        agent_lines.push(line("paused", means(|b| b.paused_ms), Stroke::Solid(3)));
    }
    let agents = chart(
        format!("{name}: idle agents"),
        vec![format!(
            "Mean number of agents in each state, per {bin}. On average {logged_in:.1} agents were logged in; the rest of them were working."
        )],
        "agents (mean number)",
        agent_lines,
    );

    let mut call_lines = Vec::new();
    let kinds: [(&str, Field, usize); 5] = [
        ("outbound ringing", |b| b.ringing_ms, 0),
        ("outbound answered, waiting for an agent", |b| b.answered_waiting_ms, 1),
        ("outbound talking", |b| b.outbound_talk_ms, 2),
        ("inbound waiting", |b| b.inbound_waiting_ms, 4),
        ("inbound talking", |b| b.inbound_talk_ms, 3),
    ];
    for (label, field, colour) in kinds {
        if any(field) {
            call_lines.push(line(label, means(field), Stroke::Solid(colour)));
        }
    }
    let calls = chart(
        format!("{name}: calls in flight"),
        vec![if any(|b| b.answered_waiting_ms) {
            format!(
                "Mean number of calls in each stage, per {bin}. \"Waiting for an agent\" runs from the answer (AMD analysis included) to the agent or the hang-up."
            )
        } else {
            format!("Mean number of calls in each stage, per {bin}. Stages no call went through are left out.")
        }],
        "calls (mean number in flight)",
        call_lines,
    );

    let total_work: u64 = ts.bins.iter().map(|b| b.work_ms).sum();
    let total_logged: u64 = ts.bins.iter().map(|b| b.logged_in_ms).sum();
    let mut occupancy_lines = vec![line(&format!("per {bin}"), zip(&mid, ts.occupancy(), 100.0), Stroke::Solid(0))];
    if total_logged > 0 {
        let overall = total_work as f64 / total_logged as f64 * 100.0;
        occupancy_lines.push(line(
            &format!("whole run: {overall:.1}%"),
            vec![(0.0, Some(overall)), (*end.last().unwrap_or(&0.0), Some(overall))],
            Stroke::Dashed(6),
        ));
    }
    let mut occupancy = chart(
        format!("{name}: agent occupancy"),
        vec![format!("Occupancy = (talk + wrap-up + machine handling + preview) ÷ logged-in time, per {bin}.")],
        "occupancy (% of logged-in time)",
        occupancy_lines,
    );
    occupancy.y_at_least = Some(100.0);

    vec![
        ("abandon", abandon),
        ("dial_level", dial_level),
        ("agents", agents),
        ("calls", calls),
        ("occupancy", occupancy),
    ]
}

/// `10 s`, `1 min`, `2 h`, `1 day`.
fn duration_text(ms: u64) -> String {
    match ms {
        ms if ms % 86_400_000 == 0 => plural(ms / 86_400_000, "day"),
        ms if ms % 3_600_000 == 0 => format!("{} h", ms / 3_600_000),
        ms if ms % 60_000 == 0 => format!("{} min", ms / 60_000),
        ms if ms % 1000 == 0 => format!("{} s", ms / 1000),
        ms => format!("{ms} ms"),
    }
}

fn plural(n: u64, unit: &str) -> String {
    if n == 1 { format!("1 {unit}") } else { format!("{n} {unit}s") }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Time;

    #[test]
    fn five_plots_with_titles_units_and_the_cap() {
        let ts = TimeSeries::new(Time::ZERO, Time::from_secs(3600));
        let plots = run_plots(&ts, "demo", 0.03);
        let stems: Vec<&str> = plots.iter().map(|(s, _)| *s).collect();
        assert_eq!(stems, ["abandon", "dial_level", "agents", "calls", "occupancy"]);
        for (_, chart) in &plots {
            assert!(chart.title.starts_with("demo: "), "{}", chart.title);
            assert!(chart.x_label.contains("hours"), "{}", chart.x_label);
            assert!(chart.y_label.contains(" ("), "a unit: {}", chart.y_label);
        }
        assert_eq!(plots[0].1.guides, [Guide { y: 3.0, label: "3% cap (FCC, Ofcom)".into() }]);
        assert_eq!(plots[0].1.lines[0].name, "rolling 30 min");
        assert!(plots[0].1.caption.iter().any(|c| c.contains("no outbound live answer")), "says why it is empty");
        assert_eq!(duration_text(86_400_000), "1 day");
        assert_eq!(duration_text(10_000), "10 s");
    }
}
