//! Lines over time: the per-run plots.

use super::draw::{self, CAP, LegendItem, PALETTE};
use super::{DrawResult, Figure};
use plotters::coord::Shift;
use plotters::prelude::*;

/// A chart of lines against one x axis, with horizontal guide lines (limits, averages).
#[derive(Clone, Debug, PartialEq)]
pub struct LineChart {
    /// The title: what the chart shows, and of which run.
    pub title: String,
    /// Lines of small print under the title: definitions a newcomer needs.
    pub caption: Vec<String>,
    /// The x axis title, with its unit.
    pub x_label: String,
    /// The y axis title, with its unit.
    pub y_label: String,
    /// The lines, drawn in order (later on top).
    pub lines: Vec<Line>,
    /// Horizontal dashed lines with a label, such as a cap.
    pub guides: Vec<Guide>,
    /// Where the y axis must start, if not at the data's lowest value (usually 0).
    pub y_from: Option<f64>,
    /// A value the y axis must reach even if the data stay below it (a cap to show).
    pub y_at_least: Option<f64>,
    /// Width and height in pixels.
    pub size: (u32, u32),
}

/// One line: `(x, y)` points, a gap where `y` is `None`.
#[derive(Clone, Debug, PartialEq)]
pub struct Line {
    /// The legend's name for it.
    pub name: String,
    /// The points, in x order.
    pub points: Vec<(f64, Option<f64>)>,
    /// How it is drawn.
    pub stroke: Stroke,
}

/// How a line is drawn.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stroke {
    /// A solid line in palette colour `n`.
    Solid(usize),
    /// A thin solid line in palette colour `n` (context, drawn under the rest).
    Thin(usize),
    /// A dashed line in palette colour `n`.
    Dashed(usize),
}

impl Stroke {
    fn colour(self) -> RGBColor {
        let (Stroke::Solid(n) | Stroke::Thin(n) | Stroke::Dashed(n)) = self;
        PALETTE[n % PALETTE.len()]
    }
    fn width(self) -> u32 {
        match self {
            Stroke::Thin(_) => 1,
            _ => 2,
        }
    }
}

/// A horizontal dashed line across the chart, labelled at its left end.
#[derive(Clone, Debug, PartialEq)]
pub struct Guide {
    /// Where it crosses the y axis.
    pub y: f64,
    /// What it is, such as "3% cap".
    pub label: String,
}

impl LineChart {
    fn x_range(&self) -> (f64, f64) {
        let xs = self.lines.iter().flat_map(|l| l.points.iter().map(|p| p.0));
        let (lo, hi) = xs.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), x| (lo.min(x), hi.max(x)));
        if lo.is_finite() && hi > lo { (lo.min(0.0), hi) } else { (0.0, 1.0) }
    }

    fn y_range(&self) -> (f64, f64) {
        let ys =
            self.lines.iter().flat_map(|l| l.points.iter().filter_map(|p| p.1)).chain(self.guides.iter().map(|g| g.y));
        let (lo, hi) = ys.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), y| (lo.min(y), hi.max(y)));
        let (lo, hi) = if lo.is_finite() { (lo, hi) } else { (0.0, 1.0) };
        let hi = self.y_at_least.map_or(hi, |at_least| hi.max(at_least));
        let (mut lo_p, hi_p) = draw::padded(lo, hi, 0.06);
        if let Some(from) = self.y_from {
            lo_p = from.min(lo);
        }
        (lo_p, hi_p)
    }
}

impl Figure for LineChart {
    fn size(&self) -> (u32, u32) {
        self.size
    }

    fn title(&self) -> &str {
        &self.title
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult<DB> {
        root.fill(&WHITE)?;
        let legend: Vec<LegendItem> = self
            .lines
            .iter()
            .map(|l| LegendItem {
                name: l.name.clone(),
                colour: l.stroke.colour(),
                dashed: matches!(l.stroke, Stroke::Dashed(_)),
                marker: None,
                width: l.stroke.width() + 1,
            })
            .chain(self.guides.iter().map(|g| LegendItem {
                name: g.label.clone(),
                colour: CAP,
                dashed: true,
                marker: None,
                width: 2,
            }))
            .collect();
        let body = draw::header(root, &self.title, &self.caption, &legend)?;
        let (x0, x1) = self.x_range();
        let (y0, y1) = self.y_range();
        let mut chart = draw::axes(&body, (x0, x1), (y0, y1), (&self.x_label, &self.y_label), true)?;
        for guide in &self.guides {
            chart.draw_series(DashedLineSeries::new([(x0, guide.y), (x1, guide.y)], 10, 6, CAP.stroke_width(2)))?;
        }
        for line in &self.lines {
            let style = line.stroke.colour().stroke_width(line.stroke.width());
            for segment in segments(&line.points) {
                match line.stroke {
                    Stroke::Dashed(_) => {
                        chart.draw_series(DashedLineSeries::new(segment, 8, 5, style))?;
                    }
                    _ => {
                        chart.draw_series(LineSeries::new(segment, style))?;
                    }
                }
            }
        }
        // Guide labels last, on a white ground so lines do not run through them.
        for guide in &self.guides {
            let at = chart.backend_coord(&(x0, guide.y));
            let style = draw::text(15, CAP);
            let (w, h) = body.estimate_text_size(&guide.label, &style)?;
            let (left, top) = (at.0 + 8 - body.get_base_pixel().0, at.1 - h as i32 - 6 - body.get_base_pixel().1);
            body.draw(&Rectangle::new(
                [(left - 3, top - 2), (left + w as i32 + 3, top + h as i32 + 2)],
                WHITE.filled(),
            ))?;
            body.draw_text(&guide.label, &style, (left, top))?;
        }
        Ok(())
    }
}

/// The runs of consecutive points with a value.
fn segments(points: &[(f64, Option<f64>)]) -> Vec<Vec<(f64, f64)>> {
    let mut out = vec![Vec::new()];
    for &(x, y) in points {
        match y {
            Some(y) if y.is_finite() => out.last_mut().expect("one at least").push((x, y)),
            _ if out.last().is_some_and(|s| !s.is_empty()) => out.push(Vec::new()),
            _ => {}
        }
    }
    out.retain(|s| !s.is_empty());
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gaps_split_lines() {
        let pts =
            [(0.0, Some(1.0)), (1.0, Some(2.0)), (2.0, None), (3.0, None), (4.0, Some(5.0)), (5.0, Some(f64::NAN))];
        assert_eq!(segments(&pts), vec![vec![(0.0, 1.0), (1.0, 2.0)], vec![(4.0, 5.0)]]);
        assert!(segments(&[(0.0, None)]).is_empty());
    }
}
