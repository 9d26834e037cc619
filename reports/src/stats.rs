//! The statistics that comparing runs and fitting records rest on: the special functions behind
//! the normal, chi-square, gamma and Student's t distributions, and the Kolmogorov–Smirnov
//! tests. One implementation each, for the whole workspace (the simulator's Weibull mean uses
//! [`ln_gamma`] too).
//!
//! Written out rather than taken from a crate: each is a few lines of a textbook method
//! (Lanczos, the series and continued fractions of the incomplete gamma and beta functions,
//! Kolmogorov's series), tested against published values below.

use std::f64::consts::PI;

/// ln Γ(x) for x > 0 (Lanczos, g = 7, n = 9; relative error below 1e-14).
pub fn ln_gamma(x: f64) -> f64 {
    const G: f64 = 7.0;
    const C: [f64; 9] = [
        0.999_999_999_999_809_9,
        676.520_368_121_885_1,
        -1_259.139_216_722_402_8,
        771.323_428_777_653_1,
        -176.615_029_162_140_6,
        12.507_343_278_686_905,
        -0.138_571_095_265_720_12,
        9.984_369_578_019_572e-6,
        1.505_632_735_149_311_6e-7,
    ];
    if x < 0.5 {
        // Reflection: Γ(x)Γ(1 − x) = π / sin(πx).
        return (PI / (PI * x).sin()).ln() - ln_gamma(1.0 - x);
    }
    let x = x - 1.0;
    let mut a = C[0];
    for (i, c) in C.iter().enumerate().skip(1) {
        a += c / (x + i as f64);
    }
    let t = x + G + 0.5;
    0.5 * (2.0 * PI).ln() + (x + 0.5) * t.ln() - t + a.ln()
}

/// The regularized lower incomplete gamma function P(a, x) = γ(a, x) / Γ(a): the distribution
/// function of the gamma distribution with shape `a` and scale 1.
pub fn gamma_p(a: f64, x: f64) -> f64 {
    if x <= 0.0 {
        0.0
    } else if x < a + 1.0 {
        gamma_series(a, x)
    } else {
        1.0 - gamma_fraction(a, x)
    }
}

/// Q(a, x) = 1 − P(a, x), computed without cancellation in the upper tail.
pub fn gamma_q(a: f64, x: f64) -> f64 {
    if x <= 0.0 {
        1.0
    } else if x < a + 1.0 {
        1.0 - gamma_series(a, x)
    } else {
        gamma_fraction(a, x)
    }
}

/// P(a, x) by its series, for x < a + 1.
fn gamma_series(a: f64, x: f64) -> f64 {
    let (mut term, mut sum, mut n) = (1.0 / a, 1.0 / a, a);
    for _ in 0..10_000 {
        n += 1.0;
        term *= x / n;
        sum += term;
        if term.abs() < sum.abs() * 1e-16 {
            break;
        }
    }
    sum * (-x + a * x.ln() - ln_gamma(a)).exp()
}

/// Q(a, x) by its continued fraction (modified Lentz), for x ≥ a + 1.
fn gamma_fraction(a: f64, x: f64) -> f64 {
    let tiny = 1e-300;
    let mut b = x + 1.0 - a;
    let mut c = 1.0 / tiny;
    let mut d = 1.0 / b;
    let mut h = d;
    for i in 1..10_000 {
        let an = -(i as f64) * (i as f64 - a);
        b += 2.0;
        d = an * d + b;
        if d.abs() < tiny {
            d = tiny;
        }
        c = b + an / c;
        if c.abs() < tiny {
            c = tiny;
        }
        d = 1.0 / d;
        let step = d * c;
        h *= step;
        if (step - 1.0).abs() < 1e-16 {
            break;
        }
    }
    (-x + a * x.ln() - ln_gamma(a)).exp() * h
}

/// The regularized incomplete beta function I_x(a, b), by its continued fraction (modified Lentz).
pub fn incomplete_beta(x: f64, a: f64, b: f64) -> f64 {
    if x <= 0.0 {
        return 0.0;
    }
    if x >= 1.0 {
        return 1.0;
    }
    // The fraction converges fast for x < (a + 1)/(a + b + 2); use the symmetry otherwise.
    if x > (a + 1.0) / (a + b + 2.0) {
        return 1.0 - incomplete_beta(1.0 - x, b, a);
    }
    let front = (ln_gamma(a + b) - ln_gamma(a) - ln_gamma(b) + a * x.ln() + b * (1.0 - x).ln()).exp();
    let tiny = 1e-300;
    let mut c = 1.0;
    let mut d = 1.0 - (a + b) * x / (a + 1.0);
    if d.abs() < tiny {
        d = tiny;
    }
    d = 1.0 / d;
    let mut f = d;
    for m in 1..10_000 {
        let m = m as f64;
        for num in [
            m * (b - m) * x / ((a + 2.0 * m - 1.0) * (a + 2.0 * m)),
            -(a + m) * (a + b + m) * x / ((a + 2.0 * m) * (a + 2.0 * m + 1.0)),
        ] {
            d = 1.0 + num * d;
            if d.abs() < tiny {
                d = tiny;
            }
            c = 1.0 + num / c;
            if c.abs() < tiny {
                c = tiny;
            }
            d = 1.0 / d;
            f *= c * d;
        }
        if (c * d - 1.0).abs() < 1e-16 {
            break;
        }
    }
    front * f / a
}

/// Student's t distribution function with `df` (> 0, not necessarily whole) degrees of freedom.
pub fn student_t_cdf(t: f64, df: f64) -> f64 {
    let tail = 0.5 * incomplete_beta(df / (df + t * t), df / 2.0, 0.5);
    if t >= 0.0 { 1.0 - tail } else { tail }
}

/// The standard normal distribution function Φ(x), through erfc(z) = Q(½, z²).
pub fn normal_cdf(x: f64) -> f64 {
    let tail = 0.5 * gamma_q(0.5, x * x / 2.0);
    if x >= 0.0 { 1.0 - tail } else { tail }
}

/// ln Φ(x), accurate far into the lower tail (where Φ itself underflows to 0).
pub fn ln_normal_cdf(x: f64) -> f64 {
    if x > -30.0 {
        normal_cdf(x).ln()
    } else {
        // Mills' ratio: Φ(x) ≈ φ(x)/|x| · (1 − 1/x²), relative error below 1e-6 here.
        -x * x / 2.0 - (2.0 * PI).sqrt().ln() - (-x).ln() + (1.0 - 1.0 / (x * x)).ln()
    }
}

/// The `p` quantile of the standard normal distribution (0 < p < 1), by bisection of
/// [`normal_cdf`] to 1e-12.
pub fn normal_quantile(p: f64) -> f64 {
    let (mut lo, mut hi) = (-40.0, 40.0);
    while hi - lo > 1e-12 {
        let mid = 0.5 * (lo + hi);
        if normal_cdf(mid) < p {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    0.5 * (lo + hi)
}

/// The upper tail of the chi-square distribution with `df` degrees of freedom at `x`: the
/// p-value of a chi-square statistic.
pub fn chi_square_sf(x: f64, df: f64) -> f64 {
    gamma_q(df / 2.0, x / 2.0)
}

/// Kolmogorov's limiting distribution, Q(λ) = 2 Σₖ (−1)^(k−1) e^(−2k²λ²): the chance that the
/// scaled largest distance between two distribution functions exceeds λ under the null.
fn kolmogorov_sf(lambda: f64) -> f64 {
    if lambda < 0.2 {
        return 1.0;
    }
    let mut sum = 0.0;
    for k in 1..=100 {
        let k = k as f64;
        let term = (-2.0 * k * k * lambda * lambda).exp();
        sum += if (k as u64).is_multiple_of(2) { -term } else { term };
        if term < 1e-16 {
            break;
        }
    }
    (2.0 * sum).clamp(0.0, 1.0)
}

/// A Kolmogorov–Smirnov test: the largest distance `d` between two distribution functions and
/// its p-value.
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize)]
pub struct KsTest {
    /// sup |F₁ − F₂|.
    pub d: f64,
    /// The chance of a distance at least `d` if both samples came from one distribution
    /// (Kolmogorov's asymptotic law with Stephens' small-sample correction).
    pub p_value: f64,
}

impl KsTest {
    fn new(d: f64, effective_n: f64) -> KsTest {
        let root = effective_n.sqrt();
        KsTest { d, p_value: kolmogorov_sf((root + 0.12 + 0.11 / root) * d) }
    }
}

/// The two-sample Kolmogorov–Smirnov test of `a` against `b` (each sorted ascending, non-empty).
pub fn ks_two_sample(a: &[f64], b: &[f64]) -> KsTest {
    let (na, nb) = (a.len(), b.len());
    let (mut i, mut j, mut d) = (0, 0, 0.0f64);
    while i < na && j < nb {
        let x = a[i].min(b[j]);
        while i < na && a[i] <= x {
            i += 1;
        }
        while j < nb && b[j] <= x {
            j += 1;
        }
        d = d.max((i as f64 / na as f64 - j as f64 / nb as f64).abs());
    }
    KsTest::new(d, (na * nb) as f64 / (na + nb) as f64)
}

/// The one-sample Kolmogorov–Smirnov test of `sorted` (ascending, non-empty) against the
/// continuous distribution function `cdf`. With parameters fitted from the same sample the
/// p-value is conservative (too large): a small one is still a clear misfit.
pub fn ks_one_sample(sorted: &[f64], cdf: impl Fn(f64) -> f64) -> KsTest {
    let n = sorted.len() as f64;
    let d = sorted.iter().enumerate().fold(0.0f64, |d, (i, &x)| {
        let f = cdf(x);
        d.max(f - i as f64 / n).max((i as f64 + 1.0) / n - f)
    });
    KsTest::new(d, n)
}

/// Sample mean and unbiased variance (0 for fewer than two values).
pub fn mean_var(xs: &[f64]) -> (f64, f64) {
    let n = xs.len() as f64;
    if xs.is_empty() {
        return (0.0, 0.0);
    }
    let mean = xs.iter().sum::<f64>() / n;
    let var = if xs.len() < 2 { 0.0 } else { xs.iter().map(|x| (x - mean) * (x - mean)).sum::<f64>() / (n - 1.0) };
    (mean, var)
}

/// The `q` quantile (0 ≤ q ≤ 1) of `sorted` (ascending, non-empty), by linear interpolation
/// between order statistics.
pub fn quantile(sorted: &[f64], q: f64) -> f64 {
    let at = q.clamp(0.0, 1.0) * (sorted.len() - 1) as f64;
    let (lo, hi) = (at.floor() as usize, at.ceil() as usize);
    sorted[lo] + (sorted[hi] - sorted[lo]) * (at - lo as f64)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64, tol: f64) {
        assert!((a - b).abs() <= tol, "{a} vs {b}");
    }

    #[test]
    fn special_functions_match_published_values() {
        close(ln_gamma(0.25), 3.625_609_908_221_908_f64.ln(), 1e-13);
        close(ln_gamma(10.0), 362_880f64.ln(), 1e-12);
        // Φ(1.96) = 0.975002104851780; Φ(−3) = 0.001349898031630.
        close(normal_cdf(1.96), 0.975_002_104_851_780, 1e-13);
        close(normal_cdf(-3.0), 0.001_349_898_031_630, 1e-14);
        close(normal_quantile(0.975), 1.959_963_984_540_054, 1e-9);
        close(ln_normal_cdf(-40.0), -804.608_442_013_754, 1e-5);
        close(ln_normal_cdf(-5.0), normal_cdf(-5.0).ln(), 1e-12);
        // χ²: P(X > 3.841458820694124 | 1 df) = 0.05; P(X > 18.307 | 10 df) = 0.05.
        close(chi_square_sf(3.841_458_820_694_124, 1.0), 0.05, 1e-12);
        close(chi_square_sf(18.307_038_053_275_146, 10.0), 0.05, 1e-12);
        // The gamma CDF with shape 1 is the exponential's.
        close(gamma_p(1.0, 2.0), 1.0 - (-2.0f64).exp(), 1e-14);
        close(gamma_p(3.0, 30.0) + gamma_q(3.0, 30.0), 1.0, 1e-15);
        // t: the 97.5 % point of t(5) is 2.570581836.
        close(student_t_cdf(2.570_581_836, 5.0), 0.975, 1e-9);
        close(student_t_cdf(-2.570_581_836, 5.0), 0.025, 1e-9);
    }

    #[test]
    fn kolmogorov_smirnov_matches_its_definition() {
        // Kolmogorov's law: Q(1.358) ≈ 0.05, Q(1.628) ≈ 0.01.
        close(kolmogorov_sf(1.358_1), 0.05, 1e-3);
        close(kolmogorov_sf(1.627_6), 0.01, 1e-3);
        let a = [1.0, 2.0, 3.0, 4.0];
        let b = [3.5, 5.0, 6.0, 7.0];
        // After 3.0 the first sample has 3/4 and the second 0: D = 0.75.
        assert_eq!(ks_two_sample(&a, &b).d, 0.75);
        assert_eq!(ks_two_sample(&a, &a).d, 0.0);
        assert_eq!(ks_two_sample(&a, &a).p_value, 1.0);
        // The uniform grid i/(n+1)… is close to uniform: D = 1/(n+1) for the midpoints' shift.
        let grid: Vec<f64> = (1..=99).map(|i| i as f64 / 100.0).collect();
        let t = ks_one_sample(&grid, |x| x.clamp(0.0, 1.0));
        close(t.d, 0.01, 1e-12);
        assert!(t.p_value > 0.99);
        let shifted: Vec<f64> = grid.iter().map(|x| x * x).collect();
        assert!(ks_one_sample(&shifted, |x| x.clamp(0.0, 1.0)).p_value < 1e-3);
    }

    #[test]
    fn quantiles_interpolate_and_moments_are_unbiased() {
        let xs = [1.0, 2.0, 3.0, 4.0, 5.0];
        assert_eq!(quantile(&xs, 0.5), 3.0);
        assert_eq!(quantile(&xs, 0.95), 4.8);
        assert_eq!(mean_var(&xs), (3.0, 2.5));
        assert_eq!(mean_var(&[]), (0.0, 0.0));
    }
}
