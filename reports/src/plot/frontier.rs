//! The frontier of a sweep: what each setting buys in agents' time for what it costs in
//! abandoned calls. Two panels share the x axis (abandon rate): talk minutes per agent-hour on
//! the left, occupancy on the right; one series per pacing mode, its points joined in order of
//! the varied value, each with 95% confidence whiskers both ways; the cap as a dashed line.

use super::draw::{self, CAP, GREY, LegendItem, Marker, PALETTE};
use super::{DrawResult, Figure};
use plotters::coord::Shift;
use plotters::prelude::*;

/// A mean and the half-width of its 95% confidence interval (0 when unknown).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Estimate {
    /// The mean over replications.
    pub mean: f64,
    /// The 95% half-width.
    pub ci95: f64,
}

/// One point of the grid, as the frontier shows it.
#[derive(Clone, Debug, PartialEq)]
pub struct FrontierPoint {
    /// Written beside the point: the varied value, such as `2.5`.
    pub label: String,
    /// Abandon rate, a fraction of live answers.
    pub abandon: Estimate,
    /// Talk minutes per agent-hour.
    pub talk_minutes: Estimate,
    /// Occupancy, a fraction of logged-in time.
    pub occupancy: Estimate,
}

/// Points joined by a line, in order.
#[derive(Clone, Debug, PartialEq)]
pub struct FrontierSeries {
    /// The legend's name: the pacing mode (and any other setting that tells series apart).
    pub name: String,
    /// The points, in the order they are joined.
    pub points: Vec<FrontierPoint>,
}

/// The frontier figure.
#[derive(Clone, Debug, PartialEq)]
pub struct Frontier {
    /// The title, naming the scenario.
    pub title: String,
    /// Small print under the title: replications, what the whiskers and labels are.
    pub caption: Vec<String>,
    /// The x axis title (which rule's abandon rate).
    pub abandon_label: String,
    /// The abandon-rate cap, a fraction (0.03).
    pub cap: f64,
    /// The series.
    pub series: Vec<FrontierSeries>,
}

impl Frontier {
    fn points(&self) -> impl Iterator<Item = &FrontierPoint> {
        self.series.iter().flat_map(|s| &s.points)
    }

    /// Whether to write each point's label: not when there are so many they would be a blur.
    fn labelled(&self) -> bool {
        self.points().count() <= 60
    }

    fn panel<DB: DrawingBackend>(
        &self,
        area: &DrawingArea<DB, Shift>,
        y_label: &str,
        y: impl Fn(&FrontierPoint) -> Estimate,
    ) -> DrawResult<DB> {
        let pct = |e: Estimate| Estimate { mean: e.mean * 100.0, ci95: e.ci95 * 100.0 };
        let x = |p: &FrontierPoint| pct(p.abandon);
        let cap = self.cap * 100.0;
        let x_hi = self.points().map(|p| x(p).mean + x(p).ci95).fold(cap * 1.3, f64::max) * 1.06;
        let (y_lo, y_hi) = self
            .points()
            .map(&y)
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), e| (lo.min(e.mean - e.ci95), hi.max(e.mean + e.ci95)));
        let (y_lo, y_hi) = if y_lo.is_finite() { draw::padded(y_lo, y_hi, 0.1) } else { (0.0, 1.0) };
        let (xd, yd) = (draw::decimals(x_hi), draw::decimals(y_hi - y_lo));
        let mut chart = ChartBuilder::on(area)
            .margin_left(10)
            .margin_right(25)
            .margin_bottom(10)
            .margin_top(10)
            .x_label_area_size(55)
            .y_label_area_size(80)
            .build_cartesian_2d(0.0..x_hi, y_lo..y_hi)?;
        chart
            .configure_mesh()
            .x_desc(self.abandon_label.as_str())
            .y_desc(y_label)
            .axis_desc_style(draw::text(18, BLACK))
            .label_style(draw::text(15, BLACK))
            .light_line_style(RGBColor(238, 238, 238))
            .bold_line_style(RGBColor(215, 215, 215))
            .x_label_formatter(&|v| draw::tick(*v, xd))
            .y_label_formatter(&|v| draw::tick(*v, yd))
            .draw()?;
        chart.draw_series(DashedLineSeries::new([(cap, y_lo), (cap, y_hi)], 10, 6, CAP.stroke_width(2)))?;
        let cap_label = format!("{}% cap", draw::tick(cap, 2));
        let at = chart.backend_coord(&(cap, y_hi));
        let base = area.get_base_pixel();
        area.draw_text(&cap_label, &draw::text(15, CAP), (at.0 + 6 - base.0, at.1 + 6 - base.1))?;
        let cap_px = (chart.backend_coord(&(cap, y_hi)).0, chart.backend_coord(&(x_hi, y_hi)).0);
        for (i, series) in self.series.iter().enumerate() {
            let colour = PALETTE[i % PALETTE.len()];
            let thin = colour.mix(0.7).stroke_width(1);
            let xy: Vec<(f64, f64)> = series.points.iter().map(|p| (x(p).mean, y(p).mean)).collect();
            chart.draw_series(LineSeries::new(xy.iter().copied(), colour.stroke_width(2)))?;
            for p in &series.points {
                let (px, py) = (x(p), y(p));
                chart.draw_series([
                    PathElement::new(vec![(px.mean - px.ci95, py.mean), (px.mean + px.ci95, py.mean)], thin),
                    PathElement::new(vec![(px.mean, py.mean - py.ci95), (px.mean, py.mean + py.ci95)], thin),
                ])?;
                // Small end ticks make the whiskers readable as intervals.
                chart.draw_series(
                    [(px.mean - px.ci95, py.mean), (px.mean + px.ci95, py.mean)]
                        .map(|c| EmptyElement::at(c) + PathElement::new(vec![(0, -4), (0, 4)], thin)),
                )?;
                chart.draw_series(
                    [(px.mean, py.mean - py.ci95), (px.mean, py.mean + py.ci95)]
                        .map(|c| EmptyElement::at(c) + PathElement::new(vec![(-4, 0), (4, 0)], thin)),
                )?;
                Marker::of(i).draw(chart.plotting_area(), (px.mean, py.mean), colour)?;
            }
        }
        if self.labelled() {
            for (i, series) in self.series.iter().enumerate() {
                for (k, (at, label)) in labels(series, &x, &y).into_iter().enumerate() {
                    let px = chart.backend_coord(&at).0;
                    // Labels right of the point, or left of it near the right edge; above and
                    // below it by turns (series by series too), so that neighbours do not overwrite each
                    // other.
                    let dx = if px + 60 > cap_px.1 { -(8 * label.chars().count() as i32) - 8 } else { 9 };
                    let dy = if (k + i) % 2 == 0 { -20 } else { 5 };
                    chart.draw_series(std::iter::once(
                        EmptyElement::at(at) + Text::new(label, (dx, dy), draw::text(13, GREY)),
                    ))?;
                }
            }
        }
        Ok(())
    }
}

/// Where to write which label: one per point, except that points of a series at the same place
/// (a setting the mode ignores, such as the ratio in progressive mode) share one label, `first–last`.
fn labels(
    series: &FrontierSeries,
    x: &impl Fn(&FrontierPoint) -> Estimate,
    y: &impl Fn(&FrontierPoint) -> Estimate,
) -> Vec<((f64, f64), String)> {
    let mut out: Vec<((f64, f64), String, String)> = Vec::new();
    for p in &series.points {
        let at = (x(p).mean, y(p).mean);
        match out.last_mut() {
            Some((last, _, end)) if *last == at => *end = p.label.clone(),
            _ => out.push((at, p.label.clone(), p.label.clone())),
        }
    }
    out.into_iter()
        .map(|(at, first, last)| (at, if first == last { first } else { format!("{first}–{last}") }))
        .collect()
}

impl Figure for Frontier {
    fn size(&self) -> (u32, u32) {
        (1500, 720)
    }

    fn title(&self) -> &str {
        &self.title
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult<DB> {
        root.fill(&WHITE)?;
        let legend: Vec<LegendItem> = self
            .series
            .iter()
            .enumerate()
            .map(|(i, s)| LegendItem {
                name: s.name.clone(),
                colour: PALETTE[i % PALETTE.len()],
                dashed: false,
                marker: Some(Marker::of(i)),
                width: 2,
            })
            .chain(std::iter::once(LegendItem {
                name: format!("{}% abandon cap", draw::tick(self.cap * 100.0, 2)),
                colour: CAP,
                dashed: true,
                marker: None,
                width: 2,
            }))
            .collect();
        let body = draw::header(root, &self.title, &self.caption, &legend)?;
        let (w, _) = body.dim_in_pixel();
        let (left, right) = body.split_horizontally(w / 2);
        self.panel(&left, "talk time (minutes per agent-hour)", |p| p.talk_minutes)?;
        self.panel(&right, "occupancy (% of logged-in time)", |p| Estimate {
            mean: p.occupancy.mean * 100.0,
            ci95: p.occupancy.ci95 * 100.0,
        })
    }
}
