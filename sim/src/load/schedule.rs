//! When each call starts: a steady rate reached by a linear ramp, so a server is not hit by the
//! full rate at once. Start times are computed, not accumulated, so a long run does not drift.

use std::time::Duration;

/// The start times of calls at `rate` calls per second after a linear ramp from 0 over `ramp`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Schedule {
    rate: f64,
    ramp_s: f64,
}

impl Schedule {
    /// `rate` > 0 calls per second; `ramp` may be zero.
    pub fn new(rate: f64, ramp: Duration) -> Schedule {
        Schedule { rate, ramp_s: ramp.as_secs_f64() }
    }

    /// The time, from the start, at which call `k` (from 0) starts. During the ramp the rate
    /// grows as `rate · t / ramp`, so `k` calls have started by `t = sqrt(2 k ramp / rate)`;
    /// after it, `rate` per second.
    pub fn start_of(&self, k: u64) -> Duration {
        let k = k as f64;
        let ramp_calls = self.rate * self.ramp_s / 2.0;
        let t = if k < ramp_calls {
            (2.0 * k * self.ramp_s / self.rate).sqrt()
        } else {
            self.ramp_s + (k - ramp_calls) / self.rate
        };
        Duration::from_secs_f64(t)
    }

    /// How many calls have started by `t` (those with `start_of(k) <= t`).
    pub fn started_by(&self, t: Duration) -> u64 {
        let t = t.as_secs_f64();
        let n = if t < self.ramp_s {
            self.rate * t * t / (2.0 * self.ramp_s)
        } else {
            self.rate * self.ramp_s / 2.0 + self.rate * (t - self.ramp_s)
        };
        // Call k starts at start_of(k); k = 0 starts at once.
        let mut k = n.floor() as u64 + 1;
        // Floating point may be off by one at the boundary: settle it exactly.
        while k > 0 && self.start_of(k - 1) > Duration::from_secs_f64(t) {
            k -= 1;
        }
        while self.start_of(k) <= Duration::from_secs_f64(t) {
            k += 1;
        }
        k
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn without_a_ramp_calls_are_evenly_spaced() {
        let s = Schedule::new(100.0, Duration::ZERO);
        assert_eq!(s.start_of(0), Duration::ZERO);
        assert_eq!(s.start_of(1), Duration::from_millis(10));
        assert_eq!(s.start_of(1000), Duration::from_secs(10));
        assert_eq!(s.started_by(Duration::from_millis(999)), 100);
        assert_eq!(s.started_by(Duration::from_secs(1)), 101);
    }

    #[test]
    fn a_ramp_starts_half_the_calls_of_its_length_then_the_full_rate() {
        let s = Schedule::new(100.0, Duration::from_secs(10));
        // Over a 10 s ramp to 100/s: 500 calls, the rate growing linearly.
        assert_eq!(s.started_by(Duration::from_secs(10)), 501);
        assert_eq!(s.started_by(Duration::from_secs(5)), 126); // 100 · 25 / 20 = 125, plus call 0
        // After the ramp, one per 10 ms.
        let a = s.start_of(600);
        let b = s.start_of(601);
        assert!((b - a).as_secs_f64() - 0.01 < 1e-9);
        // Start times never go back.
        assert!((0..2000).all(|k| s.start_of(k) <= s.start_of(k + 1)));
    }
}
