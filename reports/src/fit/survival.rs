//! Customer patience from censored waits: the Kaplan–Meier estimate of its survival curve, the
//! check on the parametric fit.

use serde::Serialize;

/// One step of a Kaplan–Meier curve.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct KmPoint {
    /// The time of the events, ms.
    pub t_ms: f64,
    /// People still waiting just before `t_ms` (the risk set).
    pub at_risk: usize,
    /// Events (abandons) at `t_ms`.
    pub events: usize,
    /// Estimated P(patience > t).
    pub survival: f64,
}

/// The Kaplan–Meier product-limit estimate from `events` (patience ran out at that wait) and
/// `censored` (still waiting at that wait when an agent came or the dialer dropped the call).
/// At a tie, events come before censorings (the usual convention).
pub fn kaplan_meier(events: &[f64], censored: &[f64]) -> Vec<KmPoint> {
    let mut all: Vec<(f64, bool)> =
        events.iter().map(|&t| (t, true)).chain(censored.iter().map(|&t| (t, false))).collect();
    // Events first at equal times.
    all.sort_by(|a, b| a.0.total_cmp(&b.0).then(b.1.cmp(&a.1)));
    let mut at_risk = all.len();
    let mut survival = 1.0;
    let mut out = Vec::new();
    let mut i = 0;
    while i < all.len() {
        let t = all[i].0;
        let (mut d, mut leaving) = (0, 0);
        while i < all.len() && all[i].0 == t {
            d += usize::from(all[i].1);
            leaving += 1;
            i += 1;
        }
        if d > 0 {
            survival *= 1.0 - d as f64 / at_risk as f64;
            out.push(KmPoint { t_ms: t, at_risk, events: d, survival });
        }
        at_risk -= leaving;
    }
    out
}

/// The Kaplan–Meier survival at `t`: the last step at or before it (1 before the first).
pub fn survival_at(curve: &[KmPoint], t: f64) -> f64 {
    curve.iter().take_while(|p| p.t_ms <= t).last().map_or(1.0, |p| p.survival)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_product_limit_follows_the_textbook_example() {
        // Events at 1, 3, 3, 6; censored at 2, 4, 7: n = 7.
        // t=1: 7 at risk, S = 6/7. t=3: 5 at risk (one censored at 2), 2 events, S = 6/7·3/5.
        // t=6: 2 at risk (censored at 4 left), S = 18/35 · 1/2.
        let km = kaplan_meier(&[1.0, 3.0, 3.0, 6.0], &[2.0, 4.0, 7.0]);
        let s: Vec<(f64, usize, f64)> = km.iter().map(|p| (p.t_ms, p.at_risk, p.survival)).collect();
        assert_eq!(s.len(), 3);
        assert!((s[0].2 - 6.0 / 7.0).abs() < 1e-12 && s[0].1 == 7);
        assert!((s[1].2 - 18.0 / 35.0).abs() < 1e-12 && s[1].1 == 5);
        assert!((s[2].2 - 9.0 / 35.0).abs() < 1e-12 && s[2].1 == 2);
        assert_eq!(survival_at(&km, 0.5), 1.0);
        assert!((survival_at(&km, 4.5) - 18.0 / 35.0).abs() < 1e-12);
        // Without censoring it is the empirical survival function.
        let plain = kaplan_meier(&[1.0, 2.0, 3.0, 4.0], &[]);
        assert!((survival_at(&plain, 2.0) - 0.5).abs() < 1e-12);
    }
}
