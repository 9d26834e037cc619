//! Histograms of several samples on one chart (a simulated run against a live one, two pacers):
//! each sample's share of values per bin, drawn as a step outline in its own colour so every
//! series stays visible where they overlap. Shares rather than counts, so samples of different
//! sizes compare.

use super::{DrawResult, Figure, Line, LineChart, Stroke};
use plotters::coord::Shift;
use plotters::prelude::*;

/// One sample of an [`OverlayHistogram`].
#[derive(Clone, Debug, PartialEq)]
pub struct HistogramSeries {
    /// The legend's name for it.
    pub name: String,
    /// The values, in the x axis' unit.
    pub values: Vec<f64>,
}

/// Histograms of N samples over common bins.
#[derive(Clone, Debug, PartialEq)]
pub struct OverlayHistogram {
    /// The title.
    pub title: String,
    /// Small print under the title.
    pub caption: Vec<String>,
    /// The x axis title, with its unit.
    pub x_label: String,
    /// The samples, each drawn in palette colour i.
    pub series: Vec<HistogramSeries>,
    /// Number of equal bins.
    pub bins: usize,
    /// The range binned; default: from 0 (or the lowest value, if negative) to the highest
    /// 99th percentile of the samples, so a long tail does not squash the body. Values beyond
    /// the range fall in the end bins.
    pub range: Option<(f64, f64)>,
    /// Width and height in pixels.
    pub size: (u32, u32),
}

impl OverlayHistogram {
    /// The bin range: as given, or 0 (or the lowest value) to the highest 99th percentile.
    fn bin_range(&self) -> (f64, f64) {
        if let Some(range) = self.range {
            return range;
        }
        let mut lo = 0.0f64;
        let mut hi = f64::NEG_INFINITY;
        for s in &self.series {
            let mut sorted: Vec<f64> = s.values.iter().copied().filter(|v| v.is_finite()).collect();
            if sorted.is_empty() {
                continue;
            }
            sorted.sort_by(f64::total_cmp);
            lo = lo.min(sorted[0]);
            hi = hi.max(crate::stats::quantile(&sorted, 0.99));
        }
        if hi > lo { (lo, hi) } else { (lo, lo + 1.0) }
    }

    /// Each series' share of values per bin (in %), as a step outline.
    pub fn to_chart(&self) -> LineChart {
        let (lo, hi) = self.bin_range();
        let bins = self.bins.max(1);
        let width = (hi - lo) / bins as f64;
        let lines = self
            .series
            .iter()
            .enumerate()
            .map(|(i, s)| {
                let mut counts = vec![0u64; bins];
                for v in s.values.iter().filter(|v| v.is_finite()) {
                    let k = (((v - lo) / width).floor().max(0.0) as usize).min(bins - 1);
                    counts[k] += 1;
                }
                let n = s.values.len().max(1) as f64;
                let mut points = vec![(lo, Some(0.0))];
                for (k, c) in counts.iter().enumerate() {
                    let share = Some(*c as f64 / n * 100.0);
                    points.push((lo + k as f64 * width, share));
                    points.push((lo + (k + 1) as f64 * width, share));
                }
                points.push((hi, Some(0.0)));
                Line { name: format!("{} (n = {})", s.name, s.values.len()), points, stroke: Stroke::Solid(i) }
            })
            .collect();
        LineChart {
            title: self.title.clone(),
            caption: self.caption.clone(),
            x_label: self.x_label.clone(),
            y_label: format!("share of values per bin of {} (%)", super::draw::tick(width, 3)),
            lines,
            guides: Vec::new(),
            y_from: Some(0.0),
            y_at_least: None,
            size: self.size,
        }
    }
}

impl Figure for OverlayHistogram {
    fn size(&self) -> (u32, u32) {
        self.size
    }

    fn title(&self) -> &str {
        &self.title
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult<DB> {
        self.to_chart().draw(root)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shares_per_bin_sum_to_a_hundred_for_each_series() {
        let h = OverlayHistogram {
            title: "t".into(),
            caption: vec![],
            x_label: "s".into(),
            series: vec![
                HistogramSeries { name: "a".into(), values: vec![0.5, 1.5, 1.6, 3.9, 100.0] },
                HistogramSeries { name: "b".into(), values: vec![2.0; 3] },
            ],
            bins: 4,
            range: Some((0.0, 4.0)),
            size: (800, 400),
        };
        let chart = h.to_chart();
        assert_eq!(chart.lines.len(), 2);
        // Each bin is two points; the outline starts and ends at 0.
        let shares =
            |l: &Line| l.points[1..l.points.len() - 1].iter().step_by(2).map(|p| p.1.unwrap()).collect::<Vec<_>>();
        // 100.0 lies beyond the range and falls in the last bin.
        assert_eq!(shares(&chart.lines[0]), vec![20.0, 40.0, 0.0, 40.0]);
        assert_eq!(shares(&chart.lines[1]), vec![0.0, 0.0, 100.0, 0.0]);
        assert_eq!(chart.lines[0].name, "a (n = 5)");
        let rendered = super::super::render(&h).expect("draws");
        assert!(rendered.svg.contains("<svg") && rendered.png.starts_with(b"\x89PNG"));
    }
}
