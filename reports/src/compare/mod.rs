//! Two runs side by side (`dialer compare`): each main metric of A and B, the difference, and
//! whether the difference is within statistical noise, by a test suited to the metric's kind;
//! then [`tolerance`]: which differences are too large to accept. Works from records alone.
//!
//! The tests (docs/compare.md has the details):
//! - rates (connect, live answer, abandon FCC and Ofcom): the two-proportion z-test (pooled for
//!   the p-value, unpooled Wald interval for the difference);
//! - dials per hour: two Poisson counts over their spans;
//! - means of per-call durations (wait to agent, talk): Welch's t;
//! - quantiles of those durations: the two-sample Kolmogorov–Smirnov test of the distributions;
//! - agent time shares (occupancy, talk fraction, contacts per hour): batch means over bins of
//!   time (an hour, or a tenth of the run if shorter, at least 15 minutes), compared by Welch's t,
//!   since consecutive calls of one agent are not independent but bins far apart nearly are.

mod plots;
mod tolerance;

pub use plots::{overlay_plots, write_overlay_plots};
pub use tolerance::{Tolerance, ToleranceError, Verdict, verdicts};

use crate::stats::{self, normal_cdf, student_t_cdf};
use crate::timeseries::TimeSeries;
use crate::{AgentInterval, Cdr, Direction, MetricsBuilder, Outcome, Time, student_t_975};
use serde::Serialize;

/// The significance level below which a difference is called beyond noise.
pub const ALPHA: f64 = 0.05;

/// One run's records.
#[derive(Clone, Copy, Debug)]
pub struct Run<'a> {
    /// What to call it in tables and legends.
    pub label: &'a str,
    /// Its calls.
    pub cdrs: &'a [Cdr],
    /// Its agents' intervals (may be empty: the agent figures are then left out).
    pub agents: &'a [AgentInterval],
}

/// The statistical test behind a row.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Test {
    /// Two-proportion z-test.
    TwoProportion,
    /// Two Poisson rates.
    Poisson,
    /// Welch's unequal-variance t-test.
    Welch,
    /// Two-sample Kolmogorov–Smirnov test of the distribution the quantile is of.
    KolmogorovSmirnov,
    /// Welch's t on batch means over bins of time.
    BatchMeans,
    /// No test: a count or an extreme with no noise model.
    None,
}

/// One metric of both runs.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Row {
    /// The dotted key (as in `metrics.json` where the metric is there).
    pub metric: String,
    /// A: the first run's value.
    pub a: f64,
    /// B: the second's.
    pub b: f64,
    /// B − A.
    pub diff: f64,
    /// (B − A) / |A|; `None` when A is 0.
    pub rel: Option<f64>,
    /// How the noise was judged.
    pub test: Test,
    /// The test's two-sided p-value; `None` without a test or without data.
    pub p_value: Option<f64>,
    /// A 95 % confidence interval of B − A, where the test gives one.
    pub ci95: Option<(f64, f64)>,
}

impl Row {
    /// Whether the difference is within noise: p ≥ [`ALPHA`]; `None` without a test.
    pub fn within_noise(&self) -> Option<bool> {
        self.p_value.map(|p| p >= ALPHA)
    }

    fn new(metric: &str, a: f64, b: f64, test: Test, p_value: Option<f64>, ci95: Option<(f64, f64)>) -> Row {
        Row {
            metric: metric.to_owned(),
            a,
            b,
            diff: b - a,
            rel: (a != 0.0).then(|| (b - a) / a.abs()),
            test,
            p_value: p_value.filter(|p| p.is_finite()),
            ci95: ci95.filter(|c| c.0.is_finite() && c.1.is_finite()),
        }
    }
}

/// The comparison of two runs.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Comparison {
    /// A's label.
    pub a: String,
    /// B's label.
    pub b: String,
    /// The metrics, in table order.
    pub rows: Vec<Row>,
}

impl Comparison {
    /// The row of `metric`.
    pub fn row(&self, metric: &str) -> Option<&Row> {
        self.rows.iter().find(|r| r.metric == metric)
    }
}

/// What the tests need of one run.
struct Figures {
    dials: u64,
    span_hours: f64,
    live: u64,
    connects: u64,
    abandons: u64,
    amd_fp: u64,
    waits: Vec<f64>,
    talks: Vec<f64>,
    metrics: crate::Metrics,
    bins: Vec<BinShares>,
}

/// Agent shares of one bin of time.
struct BinShares {
    occupancy: f64,
    talk_fraction: f64,
    contacts_per_hour: f64,
}

/// The bin length of the batch means for runs spanning `span_ms`: an hour, or a tenth of the
/// span if shorter, but at least 15 minutes (several handle times, so bins are nearly
/// independent).
fn batch_ms(span_ms: u64) -> u64 {
    (span_ms / 10).clamp(900_000, 3_600_000)
}

fn span(run: &Run<'_>) -> (Time, Time) {
    let starts = run.cdrs.iter().map(|c| c.dial_time).chain(run.agents.iter().map(|i| i.start));
    let ends = run.cdrs.iter().map(|c| c.end_time).chain(run.agents.iter().map(|i| i.end));
    let start = starts.min().unwrap_or(Time::ZERO);
    (start, ends.max().unwrap_or(start).max(start))
}

impl Figures {
    fn of(run: &Run<'_>, bin_ms: u64) -> Figures {
        let mut builder = MetricsBuilder::new();
        run.cdrs.iter().for_each(|c| builder.add_cdr(c));
        run.agents.iter().for_each(|i| builder.add_interval(i));
        let metrics = builder.finish();
        let outbound: Vec<&Cdr> = run.cdrs.iter().filter(|c| c.direction == Direction::Outbound).collect();
        let connected = || outbound.iter().filter(|c| c.outcome == Outcome::Connected);
        let (start, end) = span(run);
        let mut series = TimeSeries::with_bin(start, end, bin_ms);
        run.cdrs.iter().for_each(|c| series.add_cdr(c));
        run.agents.iter().for_each(|i| series.add_interval(i));
        let bins = series
            .bins
            .iter()
            .enumerate()
            // A bin shorter than half the others, or with nobody logged in, says little.
            .filter(|(i, b)| series.bin_len(*i) * 2 >= bin_ms && b.logged_in_ms > 0)
            .map(|(_, b)| {
                let logged = b.logged_in_ms as f64;
                BinShares {
                    occupancy: b.work_ms as f64 / logged,
                    talk_fraction: (b.outbound_talk_ms + b.inbound_talk_ms) as f64 / logged,
                    contacts_per_hour: (b.live_answers - b.abandons) as f64 / (logged / 3.6e6),
                }
            })
            .collect();
        Figures {
            dials: metrics.outbound.dials,
            span_hours: (end - start) as f64 / 3.6e6,
            live: metrics.outbound.connects + metrics.outbound.abandons,
            connects: metrics.outbound.connects,
            abandons: metrics.outbound.abandons,
            amd_fp: metrics.outbound.amd_false_positives,
            waits: sorted(connected().filter_map(|c| c.wait_ms())),
            talks: sorted(connected().filter_map(|c| c.talk_ms())),
            metrics,
            bins,
        }
    }
}

fn sorted(values: impl Iterator<Item = u64>) -> Vec<f64> {
    let mut v: Vec<f64> = values.map(|x| x as f64).collect();
    v.sort_by(f64::total_cmp);
    v
}

/// Compares run `b` with run `a`, metric by metric.
pub fn compare(a: &Run<'_>, b: &Run<'_>) -> Comparison {
    let (sa, ea) = span(a);
    let (sb, eb) = span(b);
    let bin_ms = batch_ms((ea - sa).max(eb - sb));
    let (fa, fb) = (Figures::of(a, bin_ms), Figures::of(b, bin_ms));
    let mut rows = vec![
        Row::new("outbound.dials", fa.dials as f64, fb.dials as f64, Test::None, None, None),
        poisson("outbound.dials_per_hour", (fa.dials, fa.span_hours), (fb.dials, fb.span_hours)),
        proportion("outbound.live_answer_rate", (fa.live, fa.dials), (fb.live, fb.dials)),
        proportion("outbound.connect_rate", (fa.connects, fa.dials), (fb.connects, fb.dials)),
        proportion("outbound.abandon_rate", (fa.abandons, fa.live), (fb.abandons, fb.live)),
        proportion(
            "outbound.abandon_rate_ofcom",
            (fa.abandons + fa.amd_fp, fa.live + fa.amd_fp),
            (fb.abandons + fb.amd_fp, fb.live + fb.amd_fp),
        ),
    ];
    for (key, xa, xb) in
        [("outbound.wait_to_agent_ms", &fa.waits, &fb.waits), ("outbound.talk_ms", &fa.talks, &fb.talks)]
    {
        rows.push(welch(&format!("{key}.mean"), xa, xb));
        let ks = (!xa.is_empty() && !xb.is_empty()).then(|| stats::ks_two_sample(xa, xb).p_value);
        for (name, q) in [("p50", 0.5), ("p95", 0.95)] {
            let at = |xs: &[f64]| if xs.is_empty() { 0.0 } else { stats::quantile(xs, q) };
            rows.push(Row::new(&format!("{key}.{name}"), at(xa), at(xb), Test::KolmogorovSmirnov, ks, None));
        }
    }
    if !a.agents.is_empty() && !b.agents.is_empty() {
        let (ma, mb) = (&fa.metrics.agents, &fb.metrics.agents);
        for (key, va, vb, pick) in [
            ("agents.occupancy", ma.occupancy, mb.occupancy, (|s: &BinShares| s.occupancy) as fn(&BinShares) -> f64),
            ("agents.talk_fraction", ma.talk_fraction, mb.talk_fraction, |s| s.talk_fraction),
            ("agents.contacts_per_hour", ma.contacts_per_hour, mb.contacts_per_hour, |s| s.contacts_per_hour),
        ] {
            let xa: Vec<f64> = fa.bins.iter().map(pick).collect();
            let xb: Vec<f64> = fb.bins.iter().map(pick).collect();
            // The interval's half-width is the bin means'; it is centred on the difference of
            // the whole-run ratios shown.
            let (p, ci) = welch_test(&xa, &xb).unzip();
            let ci = ci.map(|(lo, hi)| (vb - va - (hi - lo) / 2.0, vb - va + (hi - lo) / 2.0));
            rows.push(Row::new(key, va, vb, Test::BatchMeans, p, ci));
        }
        rows.push(Row::new("agents.count", ma.count as f64, mb.count as f64, Test::None, None, None));
    }
    rows.push(Row::new(
        "lines.peak",
        fa.metrics.lines.peak as f64,
        fb.metrics.lines.peak as f64,
        Test::None,
        None,
        None,
    ));
    Comparison { a: a.label.to_owned(), b: b.label.to_owned(), rows }
}

fn mean(xs: &[f64]) -> f64 {
    stats::mean_var(xs).0
}

/// The two-proportion z-test of x₁/n₁ against x₂/n₂: the p-value from the pooled proportion,
/// the 95 % interval of the difference from the unpooled standard error (Wald).
fn proportion(metric: &str, (xa, na): (u64, u64), (xb, nb): (u64, u64)) -> Row {
    let rate = |x: u64, n: u64| if n == 0 { 0.0 } else { x as f64 / n as f64 };
    let (pa, pb) = (rate(xa, na), rate(xb, nb));
    let test = (na > 0 && nb > 0).then(|| {
        let (fa, fb) = (na as f64, nb as f64);
        let pooled = (xa + xb) as f64 / (fa + fb);
        let se0 = (pooled * (1.0 - pooled) * (1.0 / fa + 1.0 / fb)).sqrt();
        let p = if se0 > 0.0 { 2.0 * normal_cdf(-((pb - pa) / se0).abs()) } else { 1.0 };
        let se = (pa * (1.0 - pa) / fa + pb * (1.0 - pb) / fb).sqrt();
        (p, (pb - pa - 1.96 * se, pb - pa + 1.96 * se))
    });
    let (p, ci) = test.unzip();
    Row::new(metric, pa, pb, Test::TwoProportion, p, ci)
}

/// Two Poisson counts over exposures (hours): rates x/t, difference tested by the normal
/// approximation with variance x₁/t₁² + x₂/t₂².
fn poisson(metric: &str, (xa, ta): (u64, f64), (xb, tb): (u64, f64)) -> Row {
    let rate = |x: u64, t: f64| if t > 0.0 { x as f64 / t } else { 0.0 };
    let (ra, rb) = (rate(xa, ta), rate(xb, tb));
    let test = (ta > 0.0 && tb > 0.0 && xa + xb > 0).then(|| {
        let se = (xa as f64 / (ta * ta) + xb as f64 / (tb * tb)).sqrt();
        (2.0 * normal_cdf(-((rb - ra) / se).abs()), (rb - ra - 1.96 * se, rb - ra + 1.96 * se))
    });
    let (p, ci) = test.unzip();
    Row::new(metric, ra, rb, Test::Poisson, p, ci)
}

/// Welch's t-test of the means of two samples.
fn welch(metric: &str, xa: &[f64], xb: &[f64]) -> Row {
    let (p, ci) = welch_test(xa, xb).unzip();
    Row::new(metric, mean(xa), mean(xb), Test::Welch, p, ci)
}

/// Welch's t: the two-sided p-value and the 95 % interval of mean(b) − mean(a), with the
/// Welch–Satterthwaite degrees of freedom. `None` with fewer than two values a side.
fn welch_test(xa: &[f64], xb: &[f64]) -> Option<(f64, (f64, f64))> {
    if xa.len() < 2 || xb.len() < 2 {
        return None;
    }
    let ((ma, va), (mb, vb)) = (stats::mean_var(xa), stats::mean_var(xb));
    let (qa, qb) = (va / xa.len() as f64, vb / xb.len() as f64);
    let se = (qa + qb).sqrt();
    let d = mb - ma;
    if se == 0.0 {
        return Some((if d == 0.0 { 1.0 } else { 0.0 }, (d, d)));
    }
    let df = (qa + qb).powi(2) / (qa * qa / (xa.len() - 1) as f64 + qb * qb / (xb.len() - 1) as f64);
    let p = 2.0 * student_t_cdf(-(d / se).abs(), df);
    let half = student_t_975(df.floor().max(1.0) as u64) * se;
    Some((p, (d - half, d + half)))
}

#[cfg(test)]
mod tests;
