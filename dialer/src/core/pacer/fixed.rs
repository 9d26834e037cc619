//! The fixed pacing modes: none, preview, progressive and ratio.

use super::{Pacer, PacerView, Plan};

/// `mode = "none"`: never dial (an inbound-only centre).
#[derive(Clone, Debug, Default)]
pub struct NoDialing;

impl Pacer for NoDialing {
    fn name(&self) -> &'static str {
        "none"
    }
    fn plan(&mut self, _: &PacerView<'_>) -> Plan {
        Plan::Hold
    }
}

/// `mode = "preview"`: each ready agent reads a lead's record, then dials it. No abandons possible.
#[derive(Clone, Debug, Default)]
pub struct Preview;

impl Pacer for Preview {
    fn name(&self) -> &'static str {
        "preview"
    }
    fn plan(&mut self, _: &PacerView<'_>) -> Plan {
        Plan::Preview
    }
}

/// `mode = "progressive"`: one call per ready agent, the agent reserved while it rings.
#[derive(Clone, Debug, Default)]
pub struct Progressive;

impl Pacer for Progressive {
    fn name(&self) -> &'static str {
        "progressive"
    }
    fn plan(&mut self, _: &PacerView<'_>) -> Plan {
        Plan::Progressive
    }
}

/// `mode = "ratio"`: keep `ceil(ratio × ready agents)` calls outstanding. The naive baseline of
/// predictive dialing: it ignores how soon busy agents free up, and abandons follow.
#[derive(Clone, Debug)]
pub struct Ratio {
    ratio: f64,
}

impl Ratio {
    /// A ratio pacer; `ratio` must be positive and finite.
    pub fn new(ratio: f64) -> Option<Ratio> {
        (ratio.is_finite() && ratio > 0.0).then_some(Ratio { ratio })
    }
}

impl Pacer for Ratio {
    fn name(&self) -> &'static str {
        "ratio"
    }
    fn plan(&mut self, view: &PacerView<'_>) -> Plan {
        // ceil(ratio × ready), with a tiny tolerance so float noise (2.0 × 3 = 6.000000000000001)
        // adds no call. (Written out: `f64::ceil` is a library call on baseline x86-64, and this
        // runs after every input.)
        let x = self.ratio * f64::from(view.ready) - 1e-9;
        let whole = x as u32; // saturates; x ≥ −1e-9
        let target = if f64::from(whole) < x { whole + 1 } else { whole };
        Plan::Start(target.saturating_sub(view.outstanding()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::Time;
    use crate::core::pacer::RingingCalls;

    fn view(ready: u32, ringing: u32, waiting: u32) -> PacerView<'static> {
        PacerView {
            now: Time::ZERO,
            logged_in: ready + 5,
            ready,
            reserved: 0,
            paused: 0,
            ringing,
            amd_pending: 0,
            waiting,
            inbound_waiting: 0,
            lines_free: None,
            agents: &[],
            ringing_calls: RingingCalls::none(),
        }
    }

    #[test]
    fn ratio_keeps_ceil_of_ratio_times_ready_outstanding() {
        let mut r = Ratio::new(2.0).unwrap();
        assert_eq!(r.plan(&view(3, 0, 0)), Plan::Start(6));
        assert_eq!(r.plan(&view(3, 4, 0)), Plan::Start(2));
        assert_eq!(r.plan(&view(3, 7, 0)), Plan::Start(0), "never negative");
        assert_eq!(r.plan(&view(0, 0, 0)), Plan::Start(0));
        let mut r = Ratio::new(1.5).unwrap();
        assert_eq!(r.plan(&view(3, 0, 0)), Plan::Start(5), "ceil(4.5)");
    }

    #[test]
    fn ratio_rejects_nonsense() {
        assert!(Ratio::new(0.0).is_none());
        assert!(Ratio::new(f64::NAN).is_none());
        assert!(Ratio::new(-1.0).is_none());
    }
}
