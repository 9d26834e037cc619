//! Plots, each drawn once and rendered twice: SVG (to zoom and to put in reports) and PNG (to
//! look at anywhere). Text is set in DejaVu Sans, which the `dejavu` crate embeds, through
//! plotters' `ab_glyph` feature: no system font or font library is needed.
//!
//! - [`LineChart`]: lines over time with guide lines (the per-run plots of [`run_plots`]).
//! - [`BarChart`]: bars, stacked by series: histograms ([`histogram`]) and counts per hour.
//! - [`Frontier`]: abandon rate against agents' talk time and occupancy, one series per pacing
//!   mode, with confidence whiskers (the plot of a sweep).
//! - [`OverlayHistogram`]: histograms of several samples on one chart (`dialer compare`).
//!
//! A figure is data; [`render`] turns it into bytes and [`write`] puts them in a directory,
//! each file appearing only when complete.

mod bars;
mod draw;
mod frontier;
mod lines;
mod overlay;
mod run;

use plotters::prelude::*;
use plotters::style::FontStyle;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

pub use bars::{BarChart, BarSeries, histogram};
pub use frontier::{Estimate, Frontier, FrontierPoint, FrontierSeries};
pub use lines::{Guide, Line, LineChart, Stroke};
pub use overlay::{HistogramSeries, OverlayHistogram};
pub use run::run_plots;

/// What went wrong making a plot.
#[derive(Debug, thiserror::Error)]
pub enum PlotError {
    /// plotters could not draw the figure (a bug, or a font that failed to load).
    #[error("cannot draw the plot {what}: {message}")]
    Draw {
        /// The figure's title.
        what: String,
        /// plotters' message.
        message: String,
    },
    /// The records to plot could not be read.
    #[error(transparent)]
    Records(#[from] crate::RecordError),
    /// A plot file could not be written.
    #[error("{}: {source} (fix: check that the directory is writable and the disk has space)", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// Why not.
        source: std::io::Error,
    },
}

/// A figure: its size in pixels and how to draw it on any plotters backend.
pub trait Figure {
    /// Width and height in pixels.
    fn size(&self) -> (u32, u32);
    /// The title, for messages.
    fn title(&self) -> &str;
    /// Draws the figure on `root`, which has [`Figure::size`].
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, plotters::coord::Shift>) -> DrawResult<DB>;
}

/// The result of drawing on a backend.
pub type DrawResult<DB> = Result<(), DrawingAreaErrorKind<<DB as DrawingBackend>::ErrorType>>;

/// A figure as files hold it.
#[derive(Clone, Debug)]
pub struct Rendered {
    /// The SVG document.
    pub svg: String,
    /// The PNG image.
    pub png: Vec<u8>,
}

/// The family name the plots' text uses; registered once with DejaVu Sans.
pub(crate) const FONT: &str = "sans-serif";

/// Registers DejaVu Sans (regular and bold) under [`FONT`], once per process.
fn fonts() -> Result<(), String> {
    static REGISTERED: OnceLock<Result<(), String>> = OnceLock::new();
    REGISTERED
        .get_or_init(|| {
            let bad = |_| "the embedded DejaVu Sans font did not load".to_owned();
            plotters::style::register_font(FONT, FontStyle::Normal, dejavu::sans::regular()).map_err(bad)?;
            plotters::style::register_font(FONT, FontStyle::Bold, dejavu::sans::bold()).map_err(bad)
        })
        .clone()
}

/// Draws `figure` as SVG and as PNG.
pub fn render(figure: &impl Figure) -> Result<Rendered, PlotError> {
    let failed = |message: String| PlotError::Draw { what: figure.title().to_owned(), message };
    fonts().map_err(failed)?;
    let (w, h) = figure.size();
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (w, h)).into_drawing_area();
        figure.draw(&root).and_then(|()| root.present()).map_err(|e| failed(e.to_string()))?;
    }
    let mut rgb = vec![0u8; w as usize * h as usize * 3];
    {
        let root = BitMapBackend::with_buffer(&mut rgb, (w, h)).into_drawing_area();
        figure.draw(&root).and_then(|()| root.present()).map_err(|e| failed(e.to_string()))?;
    }
    let mut png = Vec::new();
    image::ImageEncoder::write_image(image::codecs::png::PngEncoder::new(&mut png), &rgb, w, h, image::ColorType::Rgb8)
        .map_err(|e| failed(format!("PNG encoding: {e}")))?;
    Ok(Rendered { svg, png })
}

/// Writes `dir/STEM.svg` and `dir/STEM.png`, each under a temporary name first and renamed into
/// place when complete. Returns the two paths.
pub fn write(dir: &Path, stem: &str, rendered: &Rendered) -> Result<[PathBuf; 2], PlotError> {
    let svg = dir.join(format!("{stem}.svg"));
    let png = dir.join(format!("{stem}.png"));
    write_file(&svg, rendered.svg.as_bytes())?;
    write_file(&png, &rendered.png)?;
    Ok([svg, png])
}

/// [`write_atomically`], its error naming the file.
pub(crate) fn write_file(path: &Path, bytes: &[u8]) -> Result<(), PlotError> {
    write_atomically(path, bytes).map_err(|source| PlotError::Io { path: path.to_owned(), source })
}

/// Writes `bytes` to `path` under a temporary name (`PATH.partial`) first, renamed into place
/// when complete: a failure leaves no half file (and removes the partial one). Every file the
/// commands write whole goes through here.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let mut partial = path.as_os_str().to_owned();
    partial.push(".partial");
    let partial = PathBuf::from(partial);
    std::fs::write(&partial, bytes).and_then(|()| std::fs::rename(&partial, path)).inspect_err(|_| {
        let _ = std::fs::remove_file(&partial);
    })
}

/// Draws the plots of the run whose records are `dir/cdr.csv` and `dir/agents.csv` (see
/// [`run_plots`]) and writes each as `dir/STEM.svg` and `dir/STEM.png`. `name` titles them; `cap`
/// is the abandon-rate cap. Returns the paths written.
pub fn write_run_plots(dir: &Path, name: &str, cap: f64) -> Result<Vec<PathBuf>, PlotError> {
    let series = crate::timeseries::TimeSeries::from_files(&dir.join("cdr.csv"), &dir.join("agents.csv"))?;
    let mut written = Vec::new();
    for (stem, chart) in run_plots(&series, name, cap) {
        written.extend(write(dir, stem, &render(&chart)?)?);
    }
    Ok(written)
}
