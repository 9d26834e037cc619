//! The overlay plots of a comparison: both runs' distributions on one histogram, both runs'
//! time series on one chart, each run's time measured from its own start.

use super::{Run, span};
use crate::plot::{self, HistogramSeries, Line, LineChart, OverlayHistogram, PlotError, Stroke};
use crate::timeseries::TimeSeries;
use crate::{Direction, Outcome};
use std::path::{Path, PathBuf};

const SIZE: (u32, u32) = (1200, 600);

/// Figures with the file stem each is written under.
pub type Stemmed<F> = Vec<(&'static str, F)>;

/// One run's points on a time-series chart, from its series and its dials per hour per bin.
type Points<'a> = dyn Fn(&TimeSeries, &[f64]) -> Vec<(f64, Option<f64>)> + 'a;
const ROLLING_MS: u64 = 30 * 60_000;

/// The overlay plots of `runs` (usually two), each with the stem it is written under:
/// histograms `wait_to_agent` and `talk_time`; time series `abandon_rate` (rolling 30 minutes),
/// `occupancy` and `dials` (per hour, per bin).
pub fn overlay_plots(runs: &[Run<'_>]) -> (Stemmed<OverlayHistogram>, Stemmed<LineChart>) {
    fn connected<'r>(run: &Run<'r>) -> impl Iterator<Item = &'r crate::Cdr> {
        run.cdrs.iter().filter(|c| c.direction == Direction::Outbound && c.outcome == Outcome::Connected)
    }
    let histogram =
        |title: &str, caption: &str, x_label: &str, values: &dyn Fn(&Run<'_>) -> Vec<f64>| OverlayHistogram {
            title: title.to_owned(),
            caption: vec![caption.to_owned()],
            x_label: x_label.to_owned(),
            series: runs.iter().map(|r| HistogramSeries { name: r.label.to_owned(), values: values(r) }).collect(),
            bins: 40,
            range: None,
            size: SIZE,
        };
    let histograms = vec![
        (
            "wait_to_agent",
            histogram(
                "Wait to agent of connected calls",
                "Answer to agent, outbound live answers that reached an agent; share of each run's calls per bin (to its 99th percentile).",
                "wait to agent (s)",
                &|r| connected(r).filter_map(|c| c.wait_ms()).map(|ms| ms as f64 / 1000.0).collect(),
            ),
        ),
        (
            "talk_time",
            histogram(
                "Talk time of connected calls",
                "Agent connect to end, outbound; share of each run's calls per bin (to its 99th percentile).",
                "talk time (min)",
                &|r| connected(r).filter_map(|c| c.talk_ms()).map(|ms| ms as f64 / 60_000.0).collect(),
            ),
        ),
    ];

    let longest = runs.iter().map(|r| span(r)).map(|(s, e)| e - s).max().unwrap_or(1);
    let bin_ms = TimeSeries::new(crate::Time::ZERO, crate::Time::from_ms(longest)).bin_ms;
    let series: Vec<(TimeSeries, Vec<f64>)> = runs
        .iter()
        .map(|r| {
            let (start, end) = span(r);
            let mut ts = TimeSeries::with_bin(start, end, bin_ms);
            r.cdrs.iter().for_each(|c| ts.add_cdr(c));
            r.agents.iter().for_each(|i| ts.add_interval(i));
            let mut dials = vec![0.0; ts.bins.len()];
            for c in r.cdrs.iter().filter(|c| c.direction == Direction::Outbound && c.outcome != Outcome::Blocked) {
                let i = ((c.dial_time - start) / bin_ms) as usize;
                if let Some(d) = dials.get_mut(i) {
                    *d += 1.0;
                }
            }
            let per_hour = dials.iter().enumerate().map(|(i, d)| d / (ts.bin_len(i) as f64 / 3.6e6)).collect();
            (ts, per_hour)
        })
        .collect();
    let chart = |title: &str, caption: &str, y_label: &str, line: &Points<'_>| LineChart {
        title: title.to_owned(),
        caption: vec![caption.to_owned()],
        x_label: "time (hours since each run's first record)".to_owned(),
        y_label: y_label.to_owned(),
        lines: runs
            .iter()
            .zip(&series)
            .enumerate()
            .map(|(i, (r, (ts, dials)))| Line {
                name: r.label.to_owned(),
                points: line(ts, dials),
                stroke: Stroke::Solid(i),
            })
            .collect(),
        guides: Vec::new(),
        y_from: Some(0.0),
        y_at_least: None,
        size: SIZE,
    };
    let zip = |xs: Vec<f64>, ys: Vec<Option<f64>>, scale: f64| -> Vec<(f64, Option<f64>)> {
        xs.into_iter().zip(ys).map(|(x, y)| (x, y.map(|y| y * scale))).collect()
    };
    let window = ROLLING_MS.max(bin_ms);
    let mut abandon = chart(
        "Abandon rate over time",
        &format!("Outbound abandons ÷ live answers over the trailing {} minutes, by answer time.", window / 60_000),
        "abandon rate (% of live answers)",
        &|ts, _| zip(ts.end_hours(), ts.rolling_abandon_rate(window), 100.0),
    );
    abandon.guides.push(plot::Guide { y: crate::ABANDON_CAP * 100.0, label: "3% cap".to_owned() });
    let charts = vec![
        ("abandon_rate", abandon),
        (
            "occupancy",
            chart(
                "Occupancy over time",
                "Agents' (talk + wrap + machine + preview) ÷ logged-in time, per bin.",
                "occupancy (%)",
                &|ts, _| zip(ts.mid_hours(), ts.occupancy(), 100.0),
            ),
        ),
        (
            "dials",
            chart("Dials over time", "Outbound calls placed per hour, per bin.", "dials per hour", &|ts, dials| {
                zip(ts.mid_hours(), dials.iter().map(|d| Some(*d)).collect(), 1.0)
            }),
        ),
    ];
    (histograms, charts)
}

/// Draws the overlay plots of `runs` into `dir` as `STEM.svg` and `STEM.png`; the paths written.
pub fn write_overlay_plots(dir: &Path, runs: &[Run<'_>]) -> Result<Vec<PathBuf>, PlotError> {
    let (histograms, charts) = overlay_plots(runs);
    let mut written = Vec::new();
    for (stem, h) in &histograms {
        written.extend(plot::write(dir, stem, &plot::render(h)?)?);
    }
    for (stem, c) in &charts {
        written.extend(plot::write(dir, stem, &plot::render(c)?)?);
    }
    Ok(written)
}
