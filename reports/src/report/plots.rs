//! The report's plots: the abandon rate over time against the cap, the outcome mix per hour, the
//! wait for an agent and the talk time as histograms, and occupancy over time.

use super::{Report, outcome_label};
use crate::plot::{self, BarChart, BarSeries, LineChart, PlotError, Rendered};
use crate::source::Records;
use crate::{ABANDON_CAP, Direction, Outcome};

/// The size of every report plot.
const SIZE: (u32, u32) = (1200, 600);

/// Bars a histogram aims for.
const HISTOGRAM_BARS: usize = 40;

/// A report figure: lines over time or bars.
#[derive(Clone, Debug)]
pub enum ReportFigure {
    /// Lines over time.
    Lines(LineChart),
    /// Bars: histograms and counts per hour.
    Bars(BarChart),
}

impl ReportFigure {
    /// The title.
    pub fn title(&self) -> &str {
        match self {
            ReportFigure::Lines(c) => &c.title,
            ReportFigure::Bars(c) => &c.title,
        }
    }

    /// Draws it as SVG and PNG.
    pub fn render(&self) -> Result<Rendered, PlotError> {
        match self {
            ReportFigure::Lines(c) => plot::render(c),
            ReportFigure::Bars(c) => plot::render(c),
        }
    }
}

/// The report's figures with their file stems: `abandon`, `outcomes`, `wait`, `talk`,
/// `occupancy`.
pub fn report_plots(report: &Report, records: &Records) -> Vec<(&'static str, ReportFigure)> {
    let name = &records.label;
    let series = records.time_series();
    let mut lines = plot::run_plots(&series, name, ABANDON_CAP);
    let mut take = |stem: &str| {
        // run_plots draws both the abandon and the occupancy plot.
        let i = lines.iter().position(|(s, _)| *s == stem).expect("run_plots draws it");
        lines.swap_remove(i).1
    };
    let abandon = take("abandon");
    let mut occupancy = take("occupancy");
    if records.agent_log.is_none() {
        occupancy.caption.push("No agent log was given, so there is no occupancy to draw.".to_owned());
    }
    let zone = records.tz.iana_name().unwrap_or("UTC");
    let first_hour = report.per_hour.first().map_or(String::new(), |h| h.start.clone());

    let hours = report.per_hour.len();
    let edges: Vec<f64> = (0..=hours).map(|i| i as f64).collect();
    let mix: Vec<BarSeries> = Outcome::ALL
        .iter()
        .enumerate()
        .filter(|(_, o)| report.per_hour.iter().any(|h| h.outcomes.get(**o) > 0))
        .map(|(i, o)| BarSeries {
            name: outcome_label(*o),
            values: report.per_hour.iter().map(|h| h.outcomes.get(*o) as f64).collect(),
            colour: i,
        })
        .collect();
    let outcomes = BarChart {
        title: format!("{name}: how outbound calls ended, per hour"),
        caption: vec![format!(
            "Outbound calls by outcome, counted in the hour they were dialled (hours in {zone}). Outcomes no call had are left out."
        )],
        x_label: format!("time (hours since {first_hour} {zone})"),
        y_label: "calls".to_owned(),
        edges,
        series: mix,
        size: SIZE,
    };

    let outbound = || records.cdrs.iter().filter(|c| c.direction == Direction::Outbound);
    let secs = |ms: u64| ms as f64 / 1000.0;
    let connected_waits: Vec<f64> =
        outbound().filter(|c| c.outcome == Outcome::Connected).filter_map(|c| c.wait_ms()).map(secs).collect();
    let abandoned_waits: Vec<f64> =
        outbound().filter(|c| c.outcome == Outcome::Abandoned).filter_map(|c| c.wait_ms()).map(secs).collect();
    let (edges, counts) = plot::histogram(&[&connected_waits, &abandoned_waits], HISTOGRAM_BARS);
    let mut wait_series = Vec::new();
    for (i, (label, values)) in
        ["connected to an agent", "abandoned (hung up or dropped)"].into_iter().zip(counts).enumerate()
    {
        if values.iter().any(|v| *v > 0.0) {
            wait_series.push(BarSeries { name: label.to_owned(), values, colour: if i == 0 { 0 } else { 1 } });
        }
    }
    let mut wait_caption = vec![
        "Outbound live answers: from the answer to the agent (connected) or to the hang-up (abandoned), AMD analysis included.".to_owned(),
        format!("Bars of {} s; the last bar also holds the longer waits (beyond the 99th percentile of each kind).", plot_tick(edges[1] - edges[0])),
    ];
    if !connected_waits.is_empty() && connected_waits.iter().all(|w| *w == 0.0) {
        wait_caption.push(
            "Every connected call had its agent at the answer: nobody waited, or the records do not say when the agent was bridged (Asterisk's do not).".to_owned(),
        );
    }
    let wait = BarChart {
        title: format!("{name}: wait for an agent"),
        caption: wait_caption,
        x_label: "wait (seconds from the answer)".to_owned(),
        y_label: "calls".to_owned(),
        edges,
        series: wait_series,
        size: SIZE,
    };

    let talks: Vec<f64> = outbound().filter_map(|c| c.talk_ms()).map(secs).collect();
    let (edges, mut counts) = plot::histogram(&[&talks], HISTOGRAM_BARS);
    let mean = if talks.is_empty() { 0.0 } else { talks.iter().sum::<f64>() / talks.len() as f64 };
    let talk = BarChart {
        title: format!("{name}: talk time"),
        caption: vec![
            format!(
                "Outbound calls connected to an agent, from the connection to the hang-up: {} calls, mean {mean:.0} s.",
                talks.len()
            ),
            format!(
                "Bars of {} s; the last bar also holds the calls longer than it (the top 1%).",
                plot_tick(edges[1] - edges[0])
            ),
        ],
        x_label: "talk time (seconds)".to_owned(),
        y_label: "calls".to_owned(),
        edges,
        series: vec![BarSeries { name: "connected calls".to_owned(), values: counts.remove(0), colour: 2 }],
        size: SIZE,
    };

    vec![
        ("abandon", ReportFigure::Lines(abandon)),
        ("outcomes", ReportFigure::Bars(outcomes)),
        ("wait", ReportFigure::Bars(wait)),
        ("talk", ReportFigure::Bars(talk)),
        ("occupancy", ReportFigure::Lines(occupancy)),
    ]
}

/// A bar width for a caption: `2.5`, `10`.
fn plot_tick(x: f64) -> String {
    let s = format!("{x:.3}");
    s.trim_end_matches('0').trim_end_matches('.').to_owned()
}
