//! Bars over a numeric axis, stacked when there are several series: histograms (how long people
//! waited, how long they talked) and counts per hour (the outcome mix).

use super::draw::{self, LegendItem, PALETTE};
use super::{DrawResult, Figure};
use plotters::coord::Shift;
use plotters::prelude::*;

/// Bars between consecutive `edges`, one stacked segment per series.
#[derive(Clone, Debug, PartialEq)]
pub struct BarChart {
    /// The title: what the chart shows, and of which run.
    pub title: String,
    /// Lines of small print under the title.
    pub caption: Vec<String>,
    /// The x axis title, with its unit.
    pub x_label: String,
    /// The y axis title, with its unit.
    pub y_label: String,
    /// The bars' edges on the x axis, increasing: bar `i` spans `edges[i]..edges[i + 1]`.
    pub edges: Vec<f64>,
    /// The series, stacked bottom-up in order; each has one value per bar.
    pub series: Vec<BarSeries>,
    /// Width and height in pixels.
    pub size: (u32, u32),
}

/// One stacked series of a [`BarChart`].
#[derive(Clone, Debug, PartialEq)]
pub struct BarSeries {
    /// The legend's name for it.
    pub name: String,
    /// One value per bar (missing values count as zero).
    pub values: Vec<f64>,
    /// Palette colour index.
    pub colour: usize,
}

impl BarChart {
    /// The height of the tallest stack.
    fn top(&self) -> f64 {
        let bars = self.edges.len().saturating_sub(1);
        (0..bars)
            .map(|i| self.series.iter().map(|s| s.values.get(i).copied().unwrap_or(0.0).max(0.0)).sum::<f64>())
            .fold(0.0, f64::max)
    }
}

impl Figure for BarChart {
    fn size(&self) -> (u32, u32) {
        self.size
    }

    fn title(&self) -> &str {
        &self.title
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult<DB> {
        root.fill(&WHITE)?;
        let legend: Vec<LegendItem> = self
            .series
            .iter()
            .map(|s| LegendItem {
                name: s.name.clone(),
                colour: PALETTE[s.colour % PALETTE.len()],
                dashed: false,
                marker: None,
                width: 10,
            })
            .collect();
        let body = draw::header(root, &self.title, &self.caption, &legend)?;
        let (x0, x1) = match (self.edges.first(), self.edges.last()) {
            (Some(&a), Some(&b)) if b > a => (a, b),
            _ => (0.0, 1.0),
        };
        let y1 = if self.top() > 0.0 { self.top() * 1.08 } else { 1.0 };
        let mut chart = draw::axes(&body, (x0, x1), (0.0, y1), (&self.x_label, &self.y_label), false)?;
        for (i, pair) in self.edges.windows(2).enumerate() {
            // A small gap between bars, so neighbours of one colour stay apart.
            let gap = (pair[1] - pair[0]) * 0.06;
            let (left, right) = (pair[0] + gap, pair[1] - gap);
            let mut base = 0.0;
            for s in &self.series {
                let v = s.values.get(i).copied().unwrap_or(0.0).max(0.0);
                if v > 0.0 {
                    let colour = PALETTE[s.colour % PALETTE.len()];
                    chart.draw_series([Rectangle::new([(left, base), (right, base + v)], colour.filled())])?;
                    base += v;
                }
            }
        }
        Ok(())
    }
}

/// Shared bins for a histogram of one or more samples: edges from 0 in a round width (1, 2, 2.5
/// or 5 × a power of ten) chosen so that about `target` bars reach the largest of the samples'
/// 99th percentiles; values beyond the last edge count in the last bar. Returns the edges and each
/// sample's counts.
pub fn histogram(samples: &[&[f64]], target: usize) -> (Vec<f64>, Vec<Vec<f64>>) {
    // The widest of the samples' 99th percentiles: a small sample (abandoned calls beside many
    // connected ones) keeps its own shape instead of being folded into the last bar.
    let p99 = samples
        .iter()
        .map(|s| {
            let mut sorted: Vec<f64> = s.iter().copied().filter(|v| v.is_finite()).collect();
            sorted.sort_by(f64::total_cmp);
            sorted.get(((sorted.len() as f64 * 0.99).ceil() as usize).saturating_sub(1)).copied().unwrap_or(0.0)
        })
        .fold(0.0, f64::max);
    let raw = (p99.max(0.0) / target.max(1) as f64).max(f64::MIN_POSITIVE);
    let magnitude = 10f64.powf(raw.log10().floor());
    let width =
        [1.0, 2.0, 2.5, 5.0, 10.0].iter().map(|m| m * magnitude).find(|w| *w >= raw).unwrap_or(10.0 * magnitude);
    let width = if p99 <= 0.0 { 1.0 } else { width };
    let bars = ((p99 / width).floor() as usize + 1).max(1);
    let edges: Vec<f64> = (0..=bars).map(|i| i as f64 * width).collect();
    let counts = samples
        .iter()
        .map(|s| {
            let mut c = vec![0.0; bars];
            for v in s.iter().filter(|v| v.is_finite()) {
                c[((v.max(0.0) / width).floor() as usize).min(bars - 1)] += 1.0;
            }
            c
        })
        .collect();
    (edges, counts)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn histogram_bins_are_round_and_keep_every_value() {
        // 0..=99 s: the 99th percentile is 98, so about 20 bars of 5 s (98 / 20 = 4.9 → 5).
        let values: Vec<f64> = (0..100).map(f64::from).collect();
        let (edges, counts) = histogram(&[&values], 20);
        assert_eq!(edges[1] - edges[0], 5.0);
        assert_eq!(edges.len(), 21, "20 bars cover 0 to 100");
        assert_eq!(counts[0].iter().sum::<f64>(), 100.0, "every value is in a bar");
        assert_eq!(counts[0][0], 5.0);
        // A far outlier lands in the last bar rather than stretching the axis.
        let with_outlier: Vec<f64> = values.iter().copied().chain([10_000.0]).collect();
        let (edges2, counts2) = histogram(&[&with_outlier, &[1.0]], 20);
        assert_eq!(edges2.last(), Some(&100.0), "the 99th percentile of the 101 values is 99");
        assert_eq!(counts2[0].iter().sum::<f64>(), 101.0);
        assert_eq!(counts2[1][0], 1.0);
        // No values: one empty bar.
        let (edges3, counts3) = histogram(&[&[]], 20);
        assert_eq!((edges3, counts3), (vec![0.0, 1.0], vec![vec![0.0]]));
    }

    #[test]
    fn stacks_are_as_tall_as_their_sum() {
        let chart = BarChart {
            title: "t".into(),
            caption: Vec::new(),
            x_label: "x".into(),
            y_label: "y".into(),
            edges: vec![0.0, 1.0, 2.0],
            series: vec![
                BarSeries { name: "a".into(), values: vec![1.0, 4.0], colour: 0 },
                BarSeries { name: "b".into(), values: vec![2.0], colour: 1 },
            ],
            size: (400, 300),
        };
        assert_eq!(chart.top(), 4.0);
        let drawn = super::super::render(&chart).expect("draws");
        assert!(drawn.svg.contains("<svg") && drawn.png.starts_with(b"\x89PNG"));
    }
}
