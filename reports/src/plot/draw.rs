//! What every figure shares: colours, text styles, the header (title, caption, legend) and the
//! formatting of tick labels.

use super::FONT;
use plotters::coord::types::RangedCoordf64;
use plotters::coord::{CoordTranslate, Shift};
use plotters::prelude::*;
use plotters::style::FontStyle;

/// Series colours: the Okabe–Ito palette, told apart by colour-blind readers too.
/// A grey closes it, so that the eight call outcomes have a colour each.
pub(crate) const PALETTE: [RGBColor; 8] = [
    RGBColor(0, 114, 178),   // blue
    RGBColor(213, 94, 0),    // vermillion
    RGBColor(0, 158, 115),   // green
    RGBColor(204, 121, 167), // purple
    RGBColor(230, 159, 0),   // orange
    RGBColor(86, 180, 233),  // sky blue
    RGBColor(0, 0, 0),       // black
    RGBColor(150, 150, 150), // grey
];

/// The colour of limits and caps.
pub(crate) const CAP: RGBColor = RGBColor(200, 0, 0);

/// Grey for secondary text.
pub(crate) const GREY: RGBColor = RGBColor(90, 90, 90);

/// Text of `size` pixels, regular, in `colour`.
pub(crate) fn text(size: u32, colour: RGBColor) -> TextStyle<'static> {
    TextStyle { color: colour.to_backend_color(), ..TextStyle::from((FONT, size).into_font()) }
}

/// Bold text of `size` pixels, black.
pub(crate) fn bold(size: u32) -> TextStyle<'static> {
    TextStyle::from((FONT, size, FontStyle::Bold).into_font()).color(&BLACK)
}

/// One entry of a legend.
pub(crate) struct LegendItem {
    pub name: String,
    pub colour: RGBColor,
    pub dashed: bool,
    pub marker: Option<Marker>,
    pub width: u32,
}

/// The shape that marks a series' points, so that series at the same place stay visible.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Marker {
    /// A filled dot.
    Dot,
    /// An open square, larger than a dot: a dot inside it still shows.
    Square,
    /// A filled triangle.
    Triangle,
    /// A cross.
    Cross,
}

impl Marker {
    /// The marker of series `i`.
    pub(crate) fn of(i: usize) -> Marker {
        [Marker::Dot, Marker::Square, Marker::Triangle, Marker::Cross][i % 4]
    }

    /// Draws the marker centred on `at` (in the area's coordinates).
    pub(crate) fn draw<DB: DrawingBackend, CT: CoordTranslate>(
        self,
        area: &DrawingArea<DB, CT>,
        at: CT::From,
        colour: RGBColor,
    ) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>>
    where
        CT::From: Clone,
    {
        let c = || EmptyElement::at(at.clone());
        match self {
            Marker::Dot => area.draw(&(c() + Circle::new((0, 0), 4, colour.filled()))),
            Marker::Square => area.draw(&(c() + Rectangle::new([(-6, -6), (6, 6)], colour.stroke_width(2)))),
            Marker::Triangle => area.draw(&(c() + TriangleMarker::new((0, 0), 6, colour.filled()))),
            Marker::Cross => area.draw(&(c() + Cross::new((0, 0), 5, colour.stroke_width(2)))),
        }
    }
}

const TITLE_PX: u32 = 26;
const CAPTION_PX: u32 = 16;
const LEGEND_PX: u32 = 16;
const ROW: i32 = 24;
const SAMPLE: i32 = 36;

/// Splits off and draws the header of `root` — title, caption lines, legend rows — and returns
/// the area below it.
pub(crate) fn header<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    title: &str,
    caption: &[String],
    legend: &[LegendItem],
) -> Result<DrawingArea<DB, Shift>, DrawingAreaErrorKind<DB::ErrorType>> {
    let (width, _) = root.dim_in_pixel();
    // Lay the legend out in rows that fit the width.
    let mut rows: Vec<Vec<(i32, &LegendItem)>> = vec![Vec::new()];
    let mut x = 20;
    for item in legend {
        let (w, _) = root.estimate_text_size(&item.name, &text(LEGEND_PX, BLACK))?;
        let needed = SAMPLE + 8 + w as i32 + 28;
        if x + needed > width as i32 - 10 && x > 20 {
            rows.push(Vec::new());
            x = 20;
        }
        rows.last_mut().expect("one row at least").push((x, item));
        x += needed;
    }
    rows.retain(|r| !r.is_empty());
    let height = 14 + TITLE_PX as i32 + 10 + caption.len() as i32 * 21 + rows.len() as i32 * ROW + 8;
    let (head, body) = root.split_vertically(height);
    head.draw_text(title, &bold(TITLE_PX), (20, 12))?;
    let mut y = 12 + TITLE_PX as i32 + 10;
    for line in caption {
        head.draw_text(line, &text(CAPTION_PX, GREY), (20, y))?;
        y += 21;
    }
    for row in rows {
        for (x, item) in row {
            let mid = y + ROW / 2 - 2;
            let style = item.colour.stroke_width(item.width);
            if item.dashed {
                for k in 0..3 {
                    let a = x + k * 14;
                    head.draw(&PathElement::new(vec![(a, mid), (a + 8, mid)], style))?;
                }
            } else {
                head.draw(&PathElement::new(vec![(x, mid), (x + SAMPLE, mid)], style))?;
            }
            if let Some(marker) = item.marker {
                marker.draw(&head, (x + SAMPLE / 2, mid), item.colour)?;
            }
            head.draw_text(&item.name, &text(LEGEND_PX, BLACK), (x + SAMPLE + 8, y + 3))?;
        }
        y += ROW;
    }
    Ok(body)
}

/// A chart with numeric x and y axes, to draw series on.
pub(crate) type Axes<'a, DB> = ChartContext<'a, DB, Cartesian2d<RangedCoordf64, RangedCoordf64>>;

/// The axes of an x–y figure on `body`: its margins and label areas, a light grid (without vertical
/// lines unless `x_grid`), axis titles, and tick labels with the decimals their range needs.
pub(crate) fn axes<'a, DB: DrawingBackend>(
    body: &'a DrawingArea<DB, Shift>,
    (x0, x1): (f64, f64),
    (y0, y1): (f64, f64),
    (x_label, y_label): (&str, &str),
    x_grid: bool,
) -> Result<Axes<'a, DB>, DrawingAreaErrorKind<DB::ErrorType>> {
    let (xd, yd) = (decimals(x1 - x0), decimals(y1 - y0));
    let mut chart = ChartBuilder::on(body)
        .margin_left(10)
        .margin_right(30)
        .margin_bottom(10)
        .margin_top(6)
        .x_label_area_size(55)
        .y_label_area_size(80)
        .build_cartesian_2d(x0..x1, y0..y1)?;
    let (x_tick, y_tick) = (|x: &f64| tick(*x, xd), |y: &f64| tick(*y, yd));
    let mut mesh = chart.configure_mesh();
    mesh.x_desc(x_label)
        .y_desc(y_label)
        .axis_desc_style(text(18, BLACK))
        .label_style(text(15, BLACK))
        .light_line_style(RGBColor(238, 238, 238))
        .bold_line_style(RGBColor(215, 215, 215))
        .x_labels(12)
        .y_labels(8)
        .x_label_formatter(&x_tick)
        .y_label_formatter(&y_tick);
    if !x_grid {
        mesh.disable_x_mesh();
    }
    mesh.draw()?;
    Ok(chart)
}

/// A tick label: at most `decimals` decimals, trailing zeros dropped.
pub(crate) fn tick(x: f64, decimals: usize) -> String {
    let s = format!("{x:.decimals$}");
    let s = if s.contains('.') { s.trim_end_matches('0').trim_end_matches('.').to_owned() } else { s };
    if s == "-0" { "0".to_owned() } else { s }
}

/// Decimals that tell ticks over a range of `span` apart.
pub(crate) fn decimals(span: f64) -> usize {
    match span {
        s if s >= 20.0 => 0,
        s if s >= 2.0 => 1,
        s if s >= 0.2 => 2,
        _ => 3,
    }
}

/// `lo..hi` widened by `pad` of its span on each side (a flat range gets some room).
pub(crate) fn padded(lo: f64, hi: f64, pad: f64) -> (f64, f64) {
    let span = hi - lo;
    if span <= 0.0 || !span.is_finite() {
        let room = if lo.abs() > 0.0 { lo.abs() * 0.1 } else { 1.0 };
        return (lo - room, hi + room);
    }
    (lo - span * pad, hi + span * pad)
}
