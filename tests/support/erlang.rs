//! Exact queueing figures for the simulator's validation tests, computed from the birth–death
//! chain of the number of callers in the system, plus the small statistics the tests need
//! (Student's t quantile, sample mean and standard deviation).
//!
//! The chain: callers arrive at rate λ (Poisson); with `n` callers in the system and `c` agents,
//! callers leave at rate r(n) = μ·min(n, c) + θ·max(n − c, 0) (service, plus abandonment at rate θ
//! per waiting caller: exponential patience). With a trunk of `L` lines the chain stops at `L`
//! (an arrival finding all lines busy is blocked); without one it runs until the stationary tail
//! mass is below [`TAIL`]. Erlang B (M/M/L/L), Erlang C (M/M/c, θ = 0) and Erlang A (M/M/c+M) are
//! all special cases.

/// Stationary mass left beyond the last state of an untruncated chain.
pub const TAIL: f64 = 1e-16;

/// The birth–death chain of an M/M/c+M queue, optionally with a trunk of `lines` channels.
#[derive(Clone, Copy, Debug)]
pub struct Chain {
    /// Arrival rate λ.
    pub lambda: f64,
    /// Service rate μ of one agent.
    pub mu: f64,
    /// Agents c.
    pub agents: usize,
    /// Abandonment rate θ of one waiting caller (0: infinite patience).
    pub theta: f64,
    /// Trunk channels L: the chain's last state (an arrival finding L calls in flight is blocked);
    /// `None`: unlimited.
    pub lines: Option<usize>,
}

impl Chain {
    /// Departure rate with `n` callers in the system.
    pub fn death(&self, n: usize) -> f64 {
        let c = self.agents;
        self.mu * n.min(c) as f64 + self.theta * n.saturating_sub(c) as f64
    }

    /// Arrival rate accepted in state `n` (zero at a full trunk).
    pub fn birth(&self, n: usize) -> f64 {
        if self.lines.is_some_and(|l| n >= l) { 0.0 } else { self.lambda }
    }

    /// The stationary distribution π over states 0..=K, by the balance equations
    /// π(n)·λ = π(n+1)·r(n+1), computed in logarithms (a^c/c! overflows for c in the hundreds).
    pub fn stationary(&self) -> Stationary {
        assert!(self.lambda > 0.0 && self.mu > 0.0 && self.agents > 0 && self.theta >= 0.0);
        if self.lines.is_none() && self.theta == 0.0 {
            let rho = self.lambda / (self.agents as f64 * self.mu);
            assert!(rho < 1.0, "M/M/c with load {rho} ≥ 1 has no stationary distribution");
        }
        let mut log_w = vec![0.0f64];
        loop {
            let n = log_w.len() - 1;
            if let Some(lines) = self.lines {
                if n == lines {
                    break;
                }
            } else if n >= self.agents {
                // Past the agents the ratio q(m) = λ / r(m+1) is non-increasing in m, so the tail
                // after state n is at most w(n)·q/(1 − q), q = λ / r(n+1).
                let q = self.lambda / self.death(n + 1);
                if q < 1.0 {
                    let max = log_w.iter().copied().fold(f64::NEG_INFINITY, f64::max);
                    let total: f64 = log_w.iter().map(|l| (l - max).exp()).sum();
                    let tail = (log_w[n] - max).exp() * q / (1.0 - q);
                    if tail < TAIL * total {
                        break;
                    }
                }
            }
            log_w.push(log_w[n] + (self.lambda / self.death(n + 1)).ln());
        }
        let max = log_w.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        let mut pi: Vec<f64> = log_w.iter().map(|l| (l - max).exp()).collect();
        let total: f64 = pi.iter().sum();
        pi.iter_mut().for_each(|p| *p /= total);
        Stationary { chain: *self, pi }
    }

    /// Evolves `p`, a distribution over the first `p.len()` states (the chain reflected at the last
    /// one), for `t` time units, by uniformization: p·e^{Qt} = Σₖ Poisson(Λt; k)·p·Pᵏ with
    /// P = I + Q/Λ and Λ the largest total rate. Done in steps of Λ·Δ ≤ 25 so the Poisson weights
    /// never underflow; each step's sum stops once the weights are past their mode and below 1e-18.
    pub fn evolve(&self, p: &mut [f64], t: f64) {
        let states = p.len();
        let rate = (0..states).map(|n| self.up(n, states) + self.death(n)).fold(0.0, f64::max);
        let steps = (rate * t / 25.0).ceil().max(1.0) as usize;
        let lt = rate * t / steps as f64;
        let (up, down): (Vec<f64>, Vec<f64>) =
            (0..states).map(|n| (self.up(n, states) / rate, self.death(n) / rate)).unzip();
        let mut next = vec![0.0; states];
        for _ in 0..steps {
            let mut term = p.to_vec();
            let mut w = (-lt).exp();
            p.iter_mut().for_each(|x| *x *= w);
            let mut k = 0usize;
            while (k as f64) < lt || w > 1e-18 {
                k += 1;
                next.iter_mut().for_each(|x| *x = 0.0);
                for n in 0..states {
                    next[n] += term[n] * (1.0 - up[n] - down[n]);
                    if n + 1 < states {
                        next[n + 1] += term[n] * up[n];
                    }
                    if n > 0 {
                        next[n - 1] += term[n] * down[n];
                    }
                }
                std::mem::swap(&mut term, &mut next);
                w *= lt / k as f64;
                p.iter_mut().zip(&term).for_each(|(a, x)| *a += w * x);
            }
        }
    }

    /// Births of the chain restricted to `states` states (reflected at the last one).
    fn up(&self, n: usize, states: usize) -> f64 {
        if n + 1 >= states { 0.0 } else { self.birth(n) }
    }

    /// Expected total agent-time spent serving after arrivals stop, from `n` callers in the
    /// system: with no arrivals the chain only falls, staying 1/r(m) in each state m ≤ n with
    /// min(m, c) agents busy, so d(n) = min(n, c)/r(n) + d(n − 1).
    pub fn drain_busy_time(&self, n: usize) -> f64 {
        (1..=n).map(|m| m.min(self.agents) as f64 / self.death(m)).sum()
    }
}

/// The stationary distribution of a [`Chain`] and the figures that follow from it.
#[derive(Clone, Debug)]
pub struct Stationary {
    /// The chain.
    pub chain: Chain,
    /// π(0..=K).
    pub pi: Vec<f64>,
}

impl Stationary {
    /// π at the full trunk (0 without one): the share of arrivals blocked (PASTA).
    pub fn blocking(&self) -> f64 {
        match self.chain.lines {
            Some(l) if l < self.pi.len() => self.pi[l],
            _ => 0.0,
        }
    }

    /// Share of accepted arrivals who find every agent busy, so wait (PASTA): Erlang C's C(c, a)
    /// when θ = 0.
    pub fn p_wait(&self) -> f64 {
        let c = self.chain.agents;
        let last = self.chain.lines.unwrap_or(usize::MAX);
        let waiting: f64 = self.pi.iter().enumerate().filter(|&(n, _)| n >= c && n < last).map(|(_, p)| p).sum();
        waiting / (1.0 - self.blocking())
    }

    /// Mean callers waiting, E[(N − c)⁺].
    pub fn mean_queue(&self) -> f64 {
        let c = self.chain.agents;
        self.pi.iter().enumerate().map(|(n, p)| n.saturating_sub(c) as f64 * p).sum()
    }

    /// Mean agents busy, E[min(N, c)].
    pub fn mean_busy(&self) -> f64 {
        let c = self.chain.agents;
        self.pi.iter().enumerate().map(|(n, p)| n.min(c) as f64 * p).sum()
    }

    /// Rate of accepted arrivals, λ(1 − blocking).
    pub fn accepted_rate(&self) -> f64 {
        self.chain.lambda * (1.0 - self.blocking())
    }

    /// Mean wait of accepted callers (served or not), by Little's law: E[queue] / accepted rate.
    /// With infinite patience every accepted caller is served, so this is the served callers'
    /// mean wait (Erlang C: C(c, a) / (cμ − λ)).
    pub fn mean_wait(&self) -> f64 {
        self.mean_queue() / self.accepted_rate()
    }

    /// Share of accepted callers who abandon: abandonment rate θ·E[queue] over the accepted rate.
    pub fn p_abandon(&self) -> f64 {
        self.chain.theta * self.mean_queue() / self.accepted_rate()
    }

    /// Agent utilisation, E[busy] / c (= accepted rate × (1 − P(abandon)) / (cμ)).
    pub fn utilisation(&self) -> f64 {
        self.mean_busy() / self.chain.agents as f64
    }

    /// Expected agent-time spent serving after arrivals stop, from the stationary state:
    /// Σ π(n)·d(n) (see [`Chain::drain_busy_time`]).
    pub fn mean_drain_busy_time(&self) -> f64 {
        let mut d = 0.0;
        let mut total = 0.0;
        for (n, p) in self.pi.iter().enumerate() {
            if n > 0 {
                d += n.min(self.chain.agents) as f64 / self.chain.death(n);
            }
            total += p * d;
        }
        total
    }

    /// Total variation distance between a distribution over π's states and π.
    pub fn distance(&self, p: &[f64]) -> f64 {
        0.5 * p.iter().zip(&self.pi).map(|(a, b)| (a - b).abs()).sum::<f64>()
    }

    /// The first multiple of `step` from `min` on at which the chain started empty (the
    /// simulator's start: no caller, every agent free) is within `eps` of π in total variation:
    /// the warm-up after which the start no longer shows in any figure by more than about `eps`.
    pub fn warmup(&self, min: f64, step: f64, eps: f64) -> f64 {
        let mut p = vec![0.0; self.pi.len()];
        p[0] = 1.0;
        self.chain.evolve(&mut p, min);
        let mut t = min;
        while self.distance(&p) >= eps {
            self.chain.evolve(&mut p, step);
            t += step;
        }
        t
    }
}

/// Erlang B, B(c, a), by the stable recursion B(0) = 1, B(k) = a·B(k−1) / (k + a·B(k−1)).
pub fn erlang_b(c: usize, a: f64) -> f64 {
    (1..=c).fold(1.0, |b, k| a * b / (k as f64 + a * b))
}

/// Erlang C, C(c, a) = c·B / (c − a·(1 − B)), a < c.
pub fn erlang_c(c: usize, a: f64) -> f64 {
    let b = erlang_b(c, a);
    c as f64 * b / (c as f64 - a * (1.0 - b))
}

// ----- statistics -------------------------------------------------------------------------------

/// Sample mean and (unbiased) standard deviation.
pub fn mean_sd(xs: &[f64]) -> (f64, f64) {
    let n = xs.len() as f64;
    let mean = xs.iter().sum::<f64>() / n;
    let var = xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0).max(1.0);
    (mean, var.sqrt())
}

/// Student's t distribution function: the workspace's one implementation, in `reports::stats`.
pub use reports::stats::student_t_cdf;

/// The `p` quantile of Student's t with `df` degrees of freedom (p > 1/2), by bisection of the
/// distribution function to 1e-12.
pub fn student_t_quantile(p: f64, df: f64) -> f64 {
    assert!(p > 0.5 && p < 1.0);
    let (mut lo, mut hi) = (0.0, 1.0);
    while student_t_cdf(hi, df) < p {
        hi *= 2.0;
    }
    while hi - lo > 1e-12 * hi {
        let mid = 0.5 * (lo + hi);
        if student_t_cdf(mid, df) < p {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    0.5 * (lo + hi)
}
