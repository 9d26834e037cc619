//! Nelder–Mead minimisation and a numerical Hessian: enough to maximise a likelihood of one or
//! two parameters and read the parameters' standard errors from its curvature.

/// The point near `start` where `f` is smallest, by the Nelder–Mead simplex method (reflection
/// 1, expansion 2, contraction ½, shrink ½), from a simplex with steps of `step` along each
/// axis. Stops when the simplex's values agree to 1e-10 (relative) or after 2000 iterations.
/// Non-finite values count as +∞, so `f` may refuse a point by returning NaN.
pub(crate) fn minimize(f: impl Fn(&[f64]) -> f64, start: &[f64], step: f64) -> Vec<f64> {
    let n = start.len();
    let value = |x: &[f64]| {
        let v = f(x);
        if v.is_finite() { v } else { f64::INFINITY }
    };
    let mut simplex: Vec<(Vec<f64>, f64)> = (0..=n)
        .map(|i| {
            let mut x = start.to_vec();
            if i > 0 {
                x[i - 1] += step;
            }
            let v = value(&x);
            (x, v)
        })
        .collect();
    for _ in 0..2000 {
        simplex.sort_by(|a, b| a.1.total_cmp(&b.1));
        let (best, worst) = (simplex[0].1, simplex[n].1);
        if (worst - best).abs() <= 1e-10 * (best.abs() + 1e-10) {
            break;
        }
        let centroid: Vec<f64> = (0..n).map(|j| simplex[..n].iter().map(|p| p.0[j]).sum::<f64>() / n as f64).collect();
        let towards =
            |t: f64| -> Vec<f64> { centroid.iter().zip(&simplex[n].0).map(|(c, w)| c + t * (w - c)).collect() };
        let reflected = towards(-1.0);
        let fr = value(&reflected);
        if fr < best {
            let expanded = towards(-2.0);
            let fe = value(&expanded);
            simplex[n] = if fe < fr { (expanded, fe) } else { (reflected, fr) };
        } else if fr < simplex[n - 1].1 {
            simplex[n] = (reflected, fr);
        } else {
            let contracted = if fr < worst { towards(-0.5) } else { towards(0.5) };
            let fc = value(&contracted);
            if fc < worst.min(fr) {
                simplex[n] = (contracted, fc);
            } else {
                let best_point = simplex[0].0.clone();
                for p in simplex.iter_mut().skip(1) {
                    p.0 = best_point.iter().zip(&p.0).map(|(b, x)| b + 0.5 * (x - b)).collect();
                    p.1 = value(&p.0);
                }
            }
        }
    }
    simplex.sort_by(|a, b| a.1.total_cmp(&b.1));
    simplex.swap_remove(0).0
}

/// The inverse of the Hessian of `f` at `x` (central differences of step 1e-4): at the minimum
/// of a negative log-likelihood, the asymptotic covariance of the estimates. `None` if the
/// Hessian is not positive definite there (a flat or degenerate likelihood).
pub(crate) fn inverse_hessian(f: impl Fn(&[f64]) -> f64, x: &[f64]) -> Option<Vec<Vec<f64>>> {
    let n = x.len();
    let h = 1e-4;
    let at = |di: (usize, f64), dj: (usize, f64)| {
        let mut y = x.to_vec();
        y[di.0] += di.1;
        y[dj.0] += dj.1;
        f(&y)
    };
    let second = |i: usize, j: usize| {
        (at((i, h), (j, h)) - at((i, h), (j, -h)) - at((i, -h), (j, h)) + at((i, -h), (j, -h))) / (4.0 * h * h)
    };
    let hess: Vec<Vec<f64>> = (0..n).map(|i| (0..n).map(|j| second(i, j)).collect()).collect();
    match n {
        1 => (hess[0][0] > 0.0).then(|| vec![vec![1.0 / hess[0][0]]]),
        2 => {
            let det = hess[0][0] * hess[1][1] - hess[0][1] * hess[1][0];
            (hess[0][0] > 0.0 && det > 0.0)
                .then(|| vec![vec![hess[1][1] / det, -hess[0][1] / det], vec![-hess[1][0] / det, hess[0][0] / det]])
        }
        _ => None,
    }
}

/// The standard error of `g(θ)` by the delta method, with the covariance `cov` of θ and the
/// gradient of `g` by central differences.
pub(crate) fn delta_se(g: impl Fn(&[f64]) -> f64, theta: &[f64], cov: &[Vec<f64>]) -> f64 {
    let h = 1e-5;
    let grad: Vec<f64> = (0..theta.len())
        .map(|i| {
            let (mut up, mut down) = (theta.to_vec(), theta.to_vec());
            up[i] += h;
            down[i] -= h;
            (g(&up) - g(&down)) / (2.0 * h)
        })
        .collect();
    let mut var = 0.0;
    for (i, gi) in grad.iter().enumerate() {
        for (j, gj) in grad.iter().enumerate() {
            var += gi * cov[i][j] * gj;
        }
    }
    var.max(0.0).sqrt()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_minimum_of_a_quadratic_and_its_curvature() {
        // f = (x − 3)² + 2(y + 1)² + xy/2: minimum where 2(x−3) + y/2 = 0, 4(y+1) + x/2 = 0.
        let f = |p: &[f64]| (p[0] - 3.0).powi(2) + 2.0 * (p[1] + 1.0).powi(2) + p[0] * p[1] / 2.0;
        let x = minimize(f, &[0.0, 0.0], 1.0);
        // Solving: x = 3 − y/4, 4y + 4 + 1.5 − y/8 = 0 → y = −5.5 / 3.875.
        let y = -5.5 / 3.875;
        assert!((x[1] - y).abs() < 1e-4 && (x[0] - (3.0 - y / 4.0)).abs() < 1e-4, "{x:?}");
        // Hessian [[2, ½], [½, 4]], determinant 7.75.
        let cov = inverse_hessian(f, &x).expect("positive definite");
        assert!((cov[0][0] - 4.0 / 7.75).abs() < 1e-5 && (cov[0][1] + 0.5 / 7.75).abs() < 1e-5, "{cov:?}");
        // g = x + y has variance cov₀₀ + 2cov₀₁ + cov₁₁.
        let se = delta_se(|p| p[0] + p[1], &x, &cov);
        assert!((se * se - (4.0 - 1.0 + 2.0) / 7.75).abs() < 1e-5);
        assert!(inverse_hessian(|p: &[f64]| -p[0] * p[0], &[0.0]).is_none(), "a maximum has no covariance");
    }
}
