//! The scenario format's families of durations, fitted to a sample by maximum likelihood and
//! ranked by AIC. A sample may hold exact values, right-censored values (the true value was at
//! least this) and a truncation point (only values below it could be observed at all).

use super::optimize::{delta_se, inverse_hessian, minimize};
use crate::stats::{self, KsTest, gamma_p, gamma_q, ln_gamma, ln_normal_cdf, normal_cdf};
use serde::Serialize;

/// The families of the scenario format that a fit chooses among (`empirical` is not a model).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Family {
    /// One value.
    Const,
    /// Exponential.
    Exp,
    /// Log-normal.
    Lognormal,
    /// Gamma.
    Gamma,
    /// Uniform between two values.
    Uniform,
    /// Weibull.
    Weibull,
}

impl Family {
    /// Every family, in the format's order.
    pub const ALL: [Family; 6] =
        [Family::Const, Family::Exp, Family::Lognormal, Family::Gamma, Family::Uniform, Family::Weibull];

    /// The `dist = "…"` spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Family::Const => "const",
            Family::Exp => "exp",
            Family::Lognormal => "lognormal",
            Family::Gamma => "gamma",
            Family::Uniform => "uniform",
            Family::Weibull => "weibull",
        }
    }
}

/// Durations to fit, in milliseconds.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Sample {
    /// Values seen exactly.
    pub exact: Vec<f64>,
    /// Values known only to be at least this (right-censored).
    pub censored: Vec<f64>,
    /// Only values below this could be seen at all (right truncation: longer ones were never
    /// recorded as such), e.g. ring times of answered calls below the ring timeout.
    pub truncated_at: Option<f64>,
}

/// Durations are whole milliseconds, so a recorded 0 means "under half a millisecond": the
/// continuous families see it as 0.5 ms (their density may be infinite or zero at 0).
const ZERO_MS: f64 = 0.5;

impl Sample {
    /// A sample of exact values only.
    pub fn exact(values: Vec<f64>) -> Sample {
        Sample { exact: values, ..Sample::default() }
    }

    /// Number of exact values (events).
    pub fn events(&self) -> usize {
        self.exact.len()
    }

    fn positive(&self) -> Sample {
        let lift = |v: &Vec<f64>| v.iter().map(|x| x.max(ZERO_MS)).collect();
        Sample { exact: lift(&self.exact), censored: lift(&self.censored), truncated_at: self.truncated_at }
    }
}

/// One family fitted to a sample.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Fitted {
    /// The family.
    pub family: Family,
    /// The parameters in the format's terms: const `[value]`, exp `[mean]`, lognormal and
    /// gamma `[mean, sd]`, uniform `[min, max]`, weibull `[shape, scale]` (durations in ms).
    pub params: Vec<f64>,
    /// 95 % confidence half-widths of `params` (asymptotic normal, from the observed
    /// information); `None` where the likelihood gave no curvature (const, uniform).
    pub ci95: Option<Vec<f64>>,
    /// The maximised log-likelihood (densities per millisecond); +∞ for const on a constant sample.
    pub log_likelihood: f64,
    /// Akaike's criterion, 2k − 2 ln L: the smallest fits best.
    pub aic: f64,
    /// The mean of the fitted distribution, ms.
    pub mean: f64,
    /// Its standard deviation, ms.
    pub sd: f64,
}

/// Every family fitted to a sample, best first, and how well the best fits.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct FamilyFit {
    /// The families that could be fitted, by increasing AIC.
    pub candidates: Vec<Fitted>,
    /// The one-sample Kolmogorov–Smirnov test of the exact values against the best fit
    /// (conditional on the truncation where there is one); `None` with censoring, or for const.
    pub ks: Option<KsTest>,
    /// Exact values.
    pub n: usize,
    /// Censored values.
    pub censored: usize,
}

impl FamilyFit {
    /// The best-fitting family.
    pub fn best(&self) -> &Fitted {
        &self.candidates[0]
    }
}

/// Fits every family in `families` to `sample` (at least one exact value) and ranks them by AIC.
/// Const fits only a sample whose exact values are all equal (and is then the only candidate);
/// uniform only a sample without censoring.
pub fn fit_families(sample: &Sample, families: &[Family]) -> Option<FamilyFit> {
    if sample.exact.is_empty() {
        return None;
    }
    // A constant sample is const's alone: the other families' likelihoods grow without bound
    // as they narrow to a point, and their "fits" would mean nothing.
    let constant = families.contains(&Family::Const).then(|| fit_one(Family::Const, sample)).flatten();
    let mut candidates: Vec<Fitted> = match constant {
        Some(c) => vec![c],
        None => families.iter().filter_map(|f| fit_one(*f, sample)).collect(),
    };
    candidates.sort_by(|a, b| a.aic.total_cmp(&b.aic));
    let best = candidates.first()?;
    let ks = (sample.censored.is_empty() && best.family != Family::Const).then(|| {
        let mut sorted = sample.exact.clone();
        sorted.sort_by(f64::total_cmp);
        let dist = Dist::from_params(best.family, &best.params);
        let scale = sample.truncated_at.map_or(1.0, |t| dist.cdf(t));
        stats::ks_one_sample(&sorted, |x| (dist.cdf(x) / scale).min(1.0))
    });
    Some(FamilyFit { candidates, ks, n: sample.exact.len(), censored: sample.censored.len() })
}

/// One family's maximum-likelihood fit, or `None` if it cannot describe the sample.
pub fn fit_one(family: Family, sample: &Sample) -> Option<Fitted> {
    let exact = &sample.exact;
    let (lo, hi) = exact.iter().fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), &x| (lo.min(x), hi.max(x)));
    match family {
        Family::Const => (lo == hi && sample.censored.iter().all(|&c| c <= lo)).then(|| Fitted {
            family,
            params: vec![lo],
            ci95: None,
            log_likelihood: f64::INFINITY,
            aic: f64::NEG_INFINITY,
            mean: lo,
            sd: 0.0,
        }),
        Family::Uniform => {
            if !sample.censored.is_empty() || hi <= lo {
                return None;
            }
            // The likelihood (b − a)^−n grows as the range shrinks to the sample's; truncation
            // above the sample does not change it.
            let log_likelihood = -(exact.len() as f64) * (hi - lo).ln();
            Some(Fitted {
                family,
                params: vec![lo, hi],
                ci95: None,
                log_likelihood,
                aic: 4.0 - 2.0 * log_likelihood,
                mean: (lo + hi) / 2.0,
                sd: (hi - lo) / 12f64.sqrt(),
            })
        }
        _ => fit_smooth(family, &sample.positive()),
    }
}

/// The families with a density on (0, ∞): maximum likelihood over their natural parameters
/// (log scale), started from the moments of the exact values.
fn fit_smooth(family: Family, sample: &Sample) -> Option<Fitted> {
    let (m, v) = stats::mean_var(&sample.exact);
    let v = if v > 0.0 { v } else { m * m };
    let start = match family {
        Family::Exp => vec![m.ln()],
        Family::Lognormal => {
            let logs: Vec<f64> = sample.exact.iter().map(|x| x.ln()).collect();
            let (mu, var) = stats::mean_var(&logs);
            vec![mu, var.max(1e-6).sqrt().ln()]
        }
        Family::Gamma => vec![(m * m / v).ln(), (v / m).ln()],
        Family::Weibull => {
            let k = (v.sqrt() / m).powf(-1.086).clamp(0.1, 50.0);
            vec![k.ln(), (m / (ln_gamma(1.0 + 1.0 / k)).exp()).ln()]
        }
        Family::Const | Family::Uniform => return None,
    };
    let nll = |theta: &[f64]| -log_likelihood(&Dist::from_theta(family, theta), sample);
    let theta = minimize(nll, &start, 0.3);
    let dist = Dist::from_theta(family, &theta);
    let log_likelihood = log_likelihood(&dist, sample);
    if !log_likelihood.is_finite() {
        return None;
    }
    let params = dist.params();
    let ci95 = inverse_hessian(nll, &theta).map(|cov| {
        (0..params.len()).map(|i| 1.96 * delta_se(|t| Dist::from_theta(family, t).params()[i], &theta, &cov)).collect()
    });
    let (mean, sd) = dist.mean_sd();
    Some(Fitted {
        family,
        params,
        ci95,
        log_likelihood,
        aic: 2.0 * theta.len() as f64 - 2.0 * log_likelihood,
        mean,
        sd,
    })
}

/// ln L of `sample` under `dist`: Σ ln f(exact) + Σ ln S(censored) − n_exact · ln F(truncation).
fn log_likelihood(dist: &Dist, sample: &Sample) -> f64 {
    let exact: f64 = sample.exact.iter().map(|&x| dist.ln_pdf(x)).sum();
    let censored: f64 = sample.censored.iter().map(|&c| dist.ln_sf(c)).sum();
    let truncation = sample.truncated_at.map_or(0.0, |t| sample.exact.len() as f64 * dist.cdf(t).ln());
    exact + censored - truncation
}

/// A distribution with its parameters, in the terms its formulas use.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Dist {
    /// Every value is `value`.
    Const { value: f64 },
    /// Rate 1/mean.
    Exp { mean: f64 },
    /// ln X ~ N(mu, sigma²).
    Lognormal { mu: f64, sigma: f64 },
    /// Shape k, scale θ.
    Gamma { shape: f64, scale: f64 },
    /// Uniform on [min, max].
    Uniform { min: f64, max: f64 },
    /// Shape k, scale λ.
    Weibull { shape: f64, scale: f64 },
}

impl Dist {
    /// From the unconstrained parameters the optimiser moves.
    fn from_theta(family: Family, t: &[f64]) -> Dist {
        match family {
            Family::Exp => Dist::Exp { mean: t[0].exp() },
            Family::Lognormal => Dist::Lognormal { mu: t[0], sigma: t[1].exp() },
            Family::Gamma => Dist::Gamma { shape: t[0].exp(), scale: t[1].exp() },
            Family::Weibull => Dist::Weibull { shape: t[0].exp(), scale: t[1].exp() },
            Family::Const => Dist::Const { value: t[0] },
            Family::Uniform => Dist::Uniform { min: t[0], max: t[1] },
        }
    }

    /// From a [`Fitted`]'s parameters in the format's terms.
    pub fn from_params(family: Family, p: &[f64]) -> Dist {
        match family {
            Family::Const => Dist::Const { value: p[0] },
            Family::Exp => Dist::Exp { mean: p[0] },
            Family::Lognormal => {
                let sigma2 = (1.0 + (p[1] / p[0]).powi(2)).ln();
                Dist::Lognormal { mu: p[0].ln() - sigma2 / 2.0, sigma: sigma2.sqrt() }
            }
            Family::Gamma => Dist::Gamma { shape: (p[0] / p[1]).powi(2), scale: p[1] * p[1] / p[0] },
            Family::Uniform => Dist::Uniform { min: p[0], max: p[1] },
            Family::Weibull => Dist::Weibull { shape: p[0], scale: p[1] },
        }
    }

    /// The parameters in the format's terms (see [`Fitted::params`]).
    pub fn params(&self) -> Vec<f64> {
        let (mean, sd) = self.mean_sd();
        match *self {
            Dist::Const { value } => vec![value],
            Dist::Exp { mean } => vec![mean],
            Dist::Lognormal { .. } | Dist::Gamma { .. } => vec![mean, sd],
            Dist::Uniform { min, max } => vec![min, max],
            Dist::Weibull { shape, scale } => vec![shape, scale],
        }
    }

    /// Mean and standard deviation.
    pub fn mean_sd(&self) -> (f64, f64) {
        match *self {
            Dist::Const { value } => (value, 0.0),
            Dist::Exp { mean } => (mean, mean),
            Dist::Lognormal { mu, sigma } => {
                let mean = (mu + sigma * sigma / 2.0).exp();
                (mean, mean * (sigma * sigma).exp_m1().sqrt())
            }
            Dist::Gamma { shape, scale } => (shape * scale, shape.sqrt() * scale),
            Dist::Uniform { min, max } => ((min + max) / 2.0, (max - min) / 12f64.sqrt()),
            Dist::Weibull { shape, scale } => {
                let g1 = ln_gamma(1.0 + 1.0 / shape).exp();
                let g2 = ln_gamma(1.0 + 2.0 / shape).exp();
                (scale * g1, scale * (g2 - g1 * g1).max(0.0).sqrt())
            }
        }
    }

    /// ln f(x), x > 0.
    pub fn ln_pdf(&self, x: f64) -> f64 {
        match *self {
            Dist::Const { value } => {
                if x == value {
                    0.0
                } else {
                    f64::NEG_INFINITY
                }
            }
            Dist::Exp { mean } => -mean.ln() - x / mean,
            Dist::Lognormal { mu, sigma } => {
                let z = (x.ln() - mu) / sigma;
                -z * z / 2.0 - x.ln() - sigma.ln() - 0.5 * (2.0 * std::f64::consts::PI).ln()
            }
            Dist::Gamma { shape, scale } => (shape - 1.0) * x.ln() - x / scale - ln_gamma(shape) - shape * scale.ln(),
            Dist::Uniform { min, max } => {
                if (min..=max).contains(&x) {
                    -(max - min).ln()
                } else {
                    f64::NEG_INFINITY
                }
            }
            Dist::Weibull { shape, scale } => {
                let z = x / scale;
                shape.ln() - scale.ln() + (shape - 1.0) * z.ln() - z.powf(shape)
            }
        }
    }

    /// F(x) = P(X ≤ x).
    pub fn cdf(&self, x: f64) -> f64 {
        if x <= 0.0 {
            return if matches!(self, Dist::Const { value } if *value <= x) { 1.0 } else { 0.0 };
        }
        match *self {
            Dist::Const { value } => f64::from(u8::from(x >= value)),
            Dist::Exp { mean } => -(-x / mean).exp_m1(),
            Dist::Lognormal { mu, sigma } => normal_cdf((x.ln() - mu) / sigma),
            Dist::Gamma { shape, scale } => gamma_p(shape, x / scale),
            Dist::Uniform { min, max } => ((x - min) / (max - min)).clamp(0.0, 1.0),
            Dist::Weibull { shape, scale } => -(-(x / scale).powf(shape)).exp_m1(),
        }
    }

    /// ln S(x) = ln P(X > x), accurate in the upper tail.
    pub fn ln_sf(&self, x: f64) -> f64 {
        if x <= 0.0 {
            return 0.0;
        }
        match *self {
            Dist::Exp { mean } => -x / mean,
            Dist::Lognormal { mu, sigma } => ln_normal_cdf(-(x.ln() - mu) / sigma),
            Dist::Gamma { shape, scale } => gamma_q(shape, x / scale).ln(),
            Dist::Weibull { shape, scale } => -(x / scale).powf(shape),
            Dist::Const { .. } | Dist::Uniform { .. } => (1.0 - self.cdf(x)).ln(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand_distr::Distribution;
    use rand_pcg::Pcg64;

    fn draw(d: impl Distribution<f64>, n: usize, seed: u64) -> Vec<f64> {
        let mut rng = Pcg64::seed_from_u64(seed);
        (0..n).map(|_| d.sample(&mut rng)).collect()
    }

    /// Asserts `estimate` lies within `z` half-widths-of-one-sigma of `truth`, where the fit's own
    /// 95 % half-width is 1.96 σ: |estimate − truth| ≤ z · half_width / 1.96.
    fn within(estimate: f64, half_width: f64, truth: f64, z: f64, what: &str) {
        let sigma = half_width / 1.96;
        assert!((estimate - truth).abs() <= z * sigma, "{what}: {estimate} vs {truth} (σ {sigma})");
    }

    // Each test below makes a handful of assertions at z = 3.5 (two-sided 4.7e-4 each): with
    // Bonferroni over the ~20 assertions of this module, the chance that a correct estimator
    // fails one is under 1 %. The seeds are fixed, so a pass is reproducible.
    const Z: f64 = 3.5;

    #[test]
    fn each_family_recovers_its_own_parameters_and_wins_on_aic() {
        let n = 3000;
        let cases: Vec<(Family, Vec<f64>, Vec<f64>)> = vec![
            (Family::Exp, draw(rand_distr::Exp::new(1.0 / 15_000.0).unwrap(), n, 1), vec![15_000.0]),
            (
                Family::Lognormal,
                // mean 180 s, sd 90 s: σ² = ln 1.25, μ = ln 180000 − σ²/2.
                draw(
                    rand_distr::LogNormal::new(180_000f64.ln() - 1.25f64.ln() / 2.0, 1.25f64.ln().sqrt()).unwrap(),
                    n,
                    2,
                ),
                vec![180_000.0, 90_000.0],
            ),
            (Family::Gamma, draw(rand_distr::Gamma::new(4.0, 3_000.0).unwrap(), n, 3), vec![12_000.0, 6_000.0]),
            (Family::Weibull, draw(rand_distr::Weibull::new(20_000.0, 0.7).unwrap(), n, 4), vec![0.7, 20_000.0]),
        ];
        for (family, xs, truth) in cases {
            let fit = fit_families(&Sample::exact(xs), &Family::ALL).expect("fits");
            let best = fit.best();
            assert_eq!(best.family, family, "{family:?}: AIC ranking {:?}", fit.candidates);
            let ci = best.ci95.as_ref().expect("curvature");
            for (i, t) in truth.iter().enumerate() {
                within(best.params[i], ci[i], *t, Z, family.as_str());
            }
            // A correct model passes KS at the 1 % level (the p-value is conservative here).
            assert!(fit.ks.expect("no censoring").p_value > 0.01, "{family:?}: {:?}", fit.ks);
        }
    }

    #[test]
    fn const_and_uniform_samples_are_recognised() {
        let fit = fit_families(&Sample::exact(vec![3000.0; 50]), &Family::ALL).expect("fits");
        assert_eq!((fit.best().family, fit.best().params.clone()), (Family::Const, vec![3000.0]));
        assert_eq!(fit.candidates.len(), 1, "the other families cannot fit a point");
        let xs = draw(rand_distr::Uniform::new(10_000.0, 60_000.0).unwrap(), 2000, 5);
        let fit = fit_families(&Sample::exact(xs), &Family::ALL).expect("fits");
        assert_eq!(fit.best().family, Family::Uniform);
        // The sample range falls short of the true one by about (max − min)/n = 25 ms per end.
        assert!((fit.best().params[0] - 10_000.0).abs() < 250.0 && (fit.best().params[1] - 60_000.0).abs() < 250.0);
    }

    #[test]
    fn censoring_and_truncation_are_accounted_for() {
        // Patience exp(mean 3 s), observed until an agent came after exp(mean 4 s): a value is
        // exact when patience < service, else censored at the service time.
        let patience = draw(rand_distr::Exp::new(1.0 / 3000.0).unwrap(), 4000, 6);
        let service = draw(rand_distr::Exp::new(1.0 / 4000.0).unwrap(), 4000, 7);
        let mut sample = Sample::default();
        for (p, s) in patience.iter().zip(&service) {
            if p < s { sample.exact.push(*p) } else { sample.censored.push(*s) }
        }
        let exp = fit_one(Family::Exp, &sample).expect("fits");
        // The closed form events / exposure is the same estimate.
        let exposure: f64 = sample.exact.iter().chain(&sample.censored).sum();
        assert!((exp.params[0] - exposure / sample.exact.len() as f64).abs() < 1e-3 * exp.params[0]);
        within(exp.params[0], exp.ci95.as_ref().expect("curvature")[0], 3000.0, Z, "censored exp");
        let naive = stats::mean_var(&sample.exact).0;
        assert!(naive < 2000.0, "the naive mean of the events is biased low ({naive})");

        // Ring times lognormal(mean 12 s, sd 6 s) seen only below a 25 s timeout.
        let sigma2 = 1.25f64.ln();
        let ring = draw(rand_distr::LogNormal::new(12_000f64.ln() - sigma2 / 2.0, sigma2.sqrt()).unwrap(), 4000, 8);
        let seen = Sample {
            exact: ring.into_iter().filter(|&x| x < 25_000.0).collect(),
            censored: vec![],
            truncated_at: Some(25_000.0),
        };
        let fit = fit_one(Family::Lognormal, &seen).expect("fits");
        let ci = fit.ci95.as_ref().expect("curvature");
        within(fit.params[0], ci[0], 12_000.0, Z, "truncated lognormal mean");
        within(fit.params[1], ci[1], 6_000.0, Z, "truncated lognormal sd");
        let untruncated = fit_one(Family::Lognormal, &Sample::exact(seen.exact.clone())).expect("fits");
        assert!(untruncated.params[1] < fit.params[1] - ci[1], "ignoring the truncation shrinks the sd");
    }

    #[test]
    fn distribution_functions_agree_with_their_densities() {
        for dist in [
            Dist::Exp { mean: 5.0 },
            Dist::Lognormal { mu: 1.0, sigma: 0.6 },
            Dist::Gamma { shape: 2.5, scale: 2.0 },
            Dist::Weibull { shape: 1.7, scale: 4.0 },
        ] {
            // ∫₀³ f by Simpson's rule against F(3), and S = 1 − F.
            let h = 3.0 / 2000.0;
            let f = |x: f64| dist.ln_pdf(x.max(1e-12)).exp();
            let integral: f64 = (0..1000)
                .map(|i| {
                    let a = 2.0 * i as f64 * h;
                    h / 3.0 * (f(a) + 4.0 * f(a + h) + f(a + 2.0 * h))
                })
                .sum();
            assert!((integral - dist.cdf(3.0)).abs() < 1e-6, "{dist:?}: {integral} vs {}", dist.cdf(3.0));
            assert!((dist.ln_sf(3.0).exp() - (1.0 - dist.cdf(3.0))).abs() < 1e-12, "{dist:?}");
            let (mean, _) = dist.mean_sd();
            let back = Dist::from_params(
                Family::ALL[match dist {
                    Dist::Exp { .. } => 1,
                    Dist::Lognormal { .. } => 2,
                    Dist::Gamma { .. } => 3,
                    _ => 5,
                }],
                &dist.params(),
            );
            assert!((back.mean_sd().0 - mean).abs() < 1e-9 * mean, "{dist:?} → {back:?}");
        }
    }
}
