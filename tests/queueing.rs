//! The simulator against queueing theory: inbound-only scenarios with Poisson arrivals,
//! exponential talk times, no wrap-up and (for Erlang A) exponential patience reproduce the exact
//! figures of the birth–death chain of the number of callers in the system.
//!
//! - Erlang C (M/M/c): probability of waiting and mean wait, loads 0.5 to 0.95, c = 1 to 100.
//! - Erlang A (M/M/c+M): abandonment probability, probability of waiting and agent utilisation,
//!   loads 0.8 to 1.2, c = 1 to 100.
//! - Erlang B (M/M/L/L): blocking on a trunk of L lines served by 2L agents (so nobody waits).
//!
//! Each grid point is run as [`REPLICATIONS`] independent replications (seeds
//! `sim::rng::replication_seed`), each with a warm-up computed from the chain so that the empty
//! start has washed out, and each figure's replication mean is compared with the analytic value
//! through a Student-t confidence interval, Bonferroni-corrected for every statistical assertion
//! in this file ([`ASSERTIONS`]): the whole file fails spuriously with probability at most
//! [`ALPHA`] = 1 % (over the choice of seeds: the seeds are fixed, so a run is reproducible and
//! only a change to the simulator's random streams draws new ones). The analytic values are computed here (`support/erlang.rs`) and cross-checked
//! against the closed forms (Erlang B recursion, Erlang C from B) in this file's unit tests.
//!
//! Every test prints its table (`cargo test --test queueing -- --nocapture` shows it on success
//! too) and fails naming the point, the figure, the analytic and simulated values and the
//! half-width.

#[path = "support/erlang.rs"]
mod erlang;

use erlang::{Chain, Stationary, mean_sd, student_t_cdf, student_t_quantile};
use reports::Metrics;
use sim::scenario::Scenario;
use std::path::Path;
use std::time::Instant;

/// Mean talk time 1/μ, seconds.
const TALK_S: f64 = 180.0;
/// Mean patience 1/θ of the Erlang A points, seconds: half the talk time (θ = 2μ), so patience
/// and talk differ (θ = μ would make the number in system Poisson whatever c is, an M/M/∞ that
/// hides any mix-up of the two clocks).
const PATIENCE_S: f64 = 90.0;

/// Replications per point: independent runs, the CI's sample.
const REPLICATIONS: u32 = 40;
/// Family-wise error rate: the probability that a correct simulator fails any assertion here.
const ALPHA: f64 = 0.01;
/// Warm-up: at least 20 mean talk times, and then as many more talk times as it takes the chain
/// started empty (the simulator's start: no caller, every agent free) to come within
/// [`WARMUP_TV`] of the stationary distribution in total variation.
const WARMUP_MIN_S: f64 = 20.0 * TALK_S;
const WARMUP_TV: f64 = 1e-3;
/// Least expected number of the events a figure counts (waits, abandons, blocks) over a point's
/// measured arrivals, so that replication means are close to normal and a CI means something.
const MIN_EVENTS: f64 = 1000.0;

/// Bias allowed on top of the confidence half-width, relative to the analytic value: 0.2 %.
/// What the simulator does differently from the continuous-time model, and how much it moves
/// the figures:
/// - times are whole milliseconds: a caller who finds every agent busy and is answered within the
///   same millisecond (an agent freed at that instant) counts as not having waited. That lowers
///   P(wait) by about P(served | waited)·(departure rate × 1 ms) ≤ 100/180 s⁻¹ × 1 ms = 0.06 % at
///   c = 100, less at smaller c. Rounding exponential draws to the nearest millisecond moves
///   their means by under 1e-9 relative.
/// - ratio estimators (a replication's counts or waits over its accepted callers): O(1/n) bias,
///   below 0.05 % with the ten thousand callers and more of each replication.
/// - the warm-up leaves at most [`WARMUP_TV`] of the start's bias, which then decays over a
///   measured span of over a hundred relaxation times: below 0.01 %.
///
/// The end of the run (agents work on after arrivals stop, and that time counts in occupancy) is
/// not an allowance: it is computed exactly from the chain and built into the utilisation
/// reference (see [`expected_occupancy`]).
const BIAS_REL: f64 = 0.002;

/// Erlang C points: (agents c, load ρ = λ/(cμ), measured arrivals over all replications).
/// c = 100 at ρ = 0.5 is left out: P(wait) = C(100, 50) ≈ 3e-10, so no feasible run sees a wait;
/// ρ = 0.5 is covered at c = 1 and 10, and c = 100 gets ρ = 0.9 instead. Heavy traffic at small c
/// needs many more callers: the M/M/1 mean wait at ρ = 0.95 has an asymptotic variance of
/// ρ(2 + 5ρ − 4ρ² + ρ³)/(1 − ρ)⁴ ≈ 6·10⁵ (in talk times squared) per caller.
const ERLANG_C: [(usize, f64, f64); 9] = [
    (1, 0.5, 400_000.0),
    (1, 0.8, 1_000_000.0),
    (1, 0.95, 8_000_000.0),
    (10, 0.5, 1_600_000.0),
    (10, 0.8, 1_600_000.0),
    (10, 0.95, 6_000_000.0),
    (100, 0.8, 8_000_000.0),
    (100, 0.9, 6_000_000.0),
    (100, 0.95, 6_000_000.0),
];

/// Erlang A points: (agents c, load ρ = λ/(cμ), measured arrivals), patience [`PATIENCE_S`].
const ERLANG_A: [(usize, f64, f64); 9] = [
    (1, 0.8, 400_000.0),
    (1, 1.0, 400_000.0),
    (1, 1.2, 400_000.0),
    (10, 0.8, 400_000.0),
    (10, 1.0, 400_000.0),
    (10, 1.2, 400_000.0),
    (100, 0.8, 6_000_000.0),
    (100, 1.0, 1_200_000.0),
    (100, 1.2, 400_000.0),
];

/// Erlang B points: (lines L, offered load a = λ/μ in Erlangs, measured arrivals); 2L agents, so
/// every accepted caller is answered at once and the lines are the only bottleneck.
const ERLANG_B: [(usize, f64, f64); 3] = [(1, 0.25, 400_000.0), (10, 7.0, 400_000.0), (50, 45.0, 1_200_000.0)];

/// The point [`tolerance_rejects_wrong_references`] runs (an Erlang C point).
const PROBE: (usize, f64, f64) = (10, 0.8, 400_000.0);

/// Statistical assertions in this file: the Bonferroni family.
const ASSERTIONS: usize = 2 * ERLANG_C.len() + 3 * ERLANG_A.len() + ERLANG_B.len() + 1;

/// The two-sided Bonferroni-corrected Student-t factor: the 1 − α/(2m) quantile with R − 1
/// degrees of freedom.
fn t_factor() -> f64 {
    student_t_quantile(1.0 - ALPHA / (2.0 * ASSERTIONS as f64), f64::from(REPLICATIONS - 1))
}

// ----- running a point --------------------------------------------------------------------------

/// One grid point: a chain, its stationary figures, and the scenario that simulates it.
struct Point {
    model: &'static str,
    label: String,
    stationary: Stationary,
    scenario: Scenario,
    /// Expected measured arrivals over all replications.
    arrivals: f64,
}

impl Point {
    /// A point of `chain` with `arrivals` measured arrivals over all replications.
    fn new(model: &'static str, label: String, chain: Chain, arrivals: f64, seed: u64) -> Point {
        let stationary = chain.stationary();
        let warmup_s = stationary.warmup(WARMUP_MIN_S, TALK_S, WARMUP_TV);
        let measured_s = arrivals / (f64::from(REPLICATIONS) * chain.lambda);
        let ms = |s: f64| (s * 1000.0).round() as u64;
        let patience = if chain.theta > 0.0 {
            format!("patience = {{ dist = \"exp\", mean = \"{}ms\" }}\n", ms(1.0 / chain.theta))
        } else {
            String::new()
        };
        let text = format!(
            "name = \"{model} {label}\"\n\
             duration = \"{duration}ms\"\n\
             warmup = \"{warmup}ms\"\n\
             seed = {seed}\n\
             [agents]\n\
             count = {agents}\n\
             talk = {{ dist = \"exp\", mean = \"{talk}ms\" }}\n\
             wrap = {{ dist = \"const\", value = \"0s\" }}\n\
             [dialing]\n\
             lines = {lines}\n\
             [inbound]\n\
             per_hour = {per_hour:?}\n\
             {patience}",
            duration = ms(warmup_s + measured_s),
            warmup = ms(warmup_s),
            agents = chain.agents,
            talk = ms(1.0 / chain.mu),
            lines = chain.lines.unwrap_or(0),
            per_hour = chain.lambda * 3600.0,
        );
        let scenario = sim::scenario::parse(&text, Path::new("queueing.toml"), &[])
            .unwrap_or_else(|e| panic!("{model} {label}: scenario refused: {e}\n{text}"));
        Point { model, label, stationary, scenario, arrivals }
    }

    /// Measured seconds of one replication (duration − warm-up).
    fn measured_s(&self) -> f64 {
        (self.scenario.duration.as_ms() - self.scenario.warmup.as_ms()) as f64 / 1000.0
    }

    /// Runs the replications (in parallel over cores).
    fn run(&self) -> Run {
        let started = Instant::now();
        let runs = sim::replicate::simulate(&self.scenario, REPLICATIONS, None, None)
            .unwrap_or_else(|e| panic!("{} {}: simulation failed: {e}", self.model, self.label))
            .runs;
        Run { runs, wall_s: started.elapsed().as_secs_f64() }
    }

    /// Guards the design of the grid: a figure counting events of probability `p` per accepted
    /// caller must expect at least [`MIN_EVENTS`] of them.
    fn expect_events(&self, figure: &str, p: f64) {
        let accepted = self.arrivals * (1.0 - self.stationary.blocking());
        assert!(
            p * accepted >= MIN_EVENTS,
            "{} {}: {figure} expects only {:.0} events over {accepted:.0} accepted callers: raise the point's arrivals",
            self.model,
            self.label,
            p * accepted
        );
    }
}

/// The replications of a point.
struct Run {
    runs: Vec<Metrics>,
    wall_s: f64,
}

impl Run {
    fn sample(&self, f: impl Fn(&Metrics) -> f64) -> Vec<f64> {
        self.runs.iter().map(f).collect()
    }
}

/// The mean occupancy the simulator's definition gives in a stationary run: over the measured
/// span T every agent is logged in, busy E[busy]·T in all; when arrivals stop, agents with a
/// caller work on until nothing is left and then log out, so the drain's busy time D is added to
/// both work and logged-in time. E[D] = Σ π(n)·d(n) from the chain (Stationary::
/// mean_drain_busy_time); it moves occupancy by (1 − u)·E[D]/(cT), up to a few 0.01 % here.
fn expected_occupancy(st: &Stationary, measured_s: f64) -> f64 {
    let drain = st.mean_drain_busy_time();
    (st.mean_busy() * measured_s + drain) / (st.chain.agents as f64 * measured_s + drain)
}

// ----- checks -------------------------------------------------------------------------------------

/// One figure of one point: the analytic reference against the replications.
struct Check {
    model: &'static str,
    point: String,
    figure: &'static str,
    /// The stationary value from the chain.
    analytic: f64,
    /// What the simulator's mean should be: the analytic value, with any exactly computed
    /// finite-run term (only occupancy has one).
    reference: f64,
    mean: f64,
    half_width: f64,
    allowance: f64,
    /// The point's warm-up, in mean talk times.
    warmup_talks: f64,
    wall_s: f64,
}

impl Check {
    fn new(point: &Point, run: &Run, figure: &'static str, analytic: f64, reference: f64, sample: &[f64]) -> Check {
        assert_eq!(sample.len(), REPLICATIONS as usize);
        let (mean, sd) = mean_sd(sample);
        Check {
            model: point.model,
            point: point.label.clone(),
            figure,
            analytic,
            reference,
            mean,
            half_width: t_factor() * sd / f64::from(REPLICATIONS).sqrt(),
            allowance: BIAS_REL * reference.abs(),
            warmup_talks: point.scenario.warmup.as_ms() as f64 / 1000.0 / TALK_S,
            wall_s: run.wall_s,
        }
    }

    fn passes(&self) -> bool {
        (self.mean - self.reference).abs() <= self.half_width + self.allowance
    }

    fn row(&self) -> String {
        format!(
            "{:<8} {:<22} {:<20} {:>12.6} {:>12.6} {:>12.6} {:>10.6} {:>7.2}% {:>6.2} {:>7.0} {:>6.1}s  {}",
            self.model,
            self.point,
            self.figure,
            self.analytic,
            self.reference,
            self.mean,
            self.half_width,
            100.0 * (self.half_width + self.allowance) / self.reference.abs().max(1e-300),
            (self.mean - self.reference) / (self.half_width + self.allowance),
            self.warmup_talks,
            self.wall_s,
            if self.passes() { "ok" } else { "FAIL" }
        )
    }
}

/// Prints the table and fails with every check that is out of tolerance.
fn verdict(title: &str, checks: &[Check]) {
    let header = format!(
        "{:<8} {:<22} {:<20} {:>12} {:>12} {:>12} {:>10} {:>8} {:>6} {:>7} {:>7}",
        "model", "point", "figure", "analytic", "reference", "simulated", "±t·s/√R", "tol", "dev", "warm-up", "wall"
    );
    let mut table = format!(
        "{title}: {REPLICATIONS} replications a point; t = {:.3} (two-sided {:.2e} per assertion, {ASSERTIONS} \
         assertions, α = {ALPHA}); tol = (half-width + {:.1} % bias allowance) / reference; dev = \
         (simulated − reference) / tol; warm-up in mean talk times ({TALK_S} s)\n{header}\n",
        t_factor(),
        ALPHA / ASSERTIONS as f64,
        100.0 * BIAS_REL
    );
    for check in checks {
        table.push_str(&check.row());
        table.push('\n');
    }
    eprintln!("{table}");
    let failed: Vec<String> = checks
        .iter()
        .filter(|c| !c.passes())
        .map(|c| {
            format!(
                "{} {} {}: analytic {:.6}, expected {:.6}, simulated {:.6} ± {:.6} (+ {:.6} bias allowance)",
                c.model, c.point, c.figure, c.analytic, c.reference, c.mean, c.half_width, c.allowance
            )
        })
        .collect();
    assert!(failed.is_empty(), "{title}: the simulator disagrees with theory:\n{}\n\n{table}", failed.join("\n"));
}

// ----- the grids ----------------------------------------------------------------------------------

fn mm_c(agents: usize, rho: f64, theta: f64, lines: Option<usize>) -> Chain {
    let mu = 1.0 / TALK_S;
    Chain { lambda: rho * agents as f64 * mu, mu, agents, theta, lines }
}

fn erlang_c_point(i: usize, (c, rho, arrivals): (usize, f64, f64)) -> Point {
    let label = format!("c={c} ρ={rho:.2}");
    let point = Point::new("erlang-c", label, mm_c(c, rho, 0.0, None), arrivals, 1000 + i as u64);
    point.expect_events("P(wait)", point.stationary.p_wait());
    point
}

fn erlang_c_checks(point: &Point, run: &Run) -> Vec<Check> {
    let st = &point.stationary;
    // Exact, not statistical: nobody is blocked or abandons with unlimited lines and patience.
    for m in &run.runs {
        assert_eq!((m.inbound.blocked, m.inbound.abandons), (0, 0), "{} {}", point.model, point.label);
        assert_eq!(m.inbound.served, m.inbound.offered, "{} {}: every caller is served", point.model, point.label);
    }
    let p_wait = run.sample(|m| m.inbound.p_wait);
    let wait = run.sample(|m| m.inbound.mean_wait_served_s);
    vec![
        Check::new(point, run, "P(wait)", st.p_wait(), st.p_wait(), &p_wait),
        Check::new(point, run, "mean wait (s)", st.mean_wait(), st.mean_wait(), &wait),
    ]
}

#[test]
fn erlang_c() {
    let mut checks = Vec::new();
    for (i, &spec) in ERLANG_C.iter().enumerate() {
        let point = erlang_c_point(i, spec);
        let run = point.run();
        checks.extend(erlang_c_checks(&point, &run));
    }
    assert_eq!(checks.len(), 2 * ERLANG_C.len());
    verdict("Erlang C (M/M/c)", &checks);
}

#[test]
fn erlang_a() {
    let mut checks = Vec::new();
    for (i, &(c, rho, arrivals)) in ERLANG_A.iter().enumerate() {
        let label = format!("c={c} ρ={rho:.2} θ=μ·{:.1}", TALK_S / PATIENCE_S);
        let point = Point::new("erlang-a", label, mm_c(c, rho, 1.0 / PATIENCE_S, None), arrivals, 2000 + i as u64);
        let st = &point.stationary;
        point.expect_events("P(abandon)", st.p_abandon());
        point.expect_events("P(wait)", st.p_wait());
        let run = point.run();
        for m in &run.runs {
            assert_eq!(m.inbound.blocked, 0, "{} {}: unlimited lines", point.model, point.label);
            assert_eq!(m.inbound.served + m.inbound.abandons, m.inbound.offered, "{} {}", point.model, point.label);
        }
        let occupancy = expected_occupancy(st, point.measured_s());
        checks.push(Check::new(
            &point,
            &run,
            "P(abandon)",
            st.p_abandon(),
            st.p_abandon(),
            &run.sample(|m| m.inbound.abandon_rate),
        ));
        checks.push(Check::new(&point, &run, "P(wait)", st.p_wait(), st.p_wait(), &run.sample(|m| m.inbound.p_wait)));
        checks.push(Check::new(
            &point,
            &run,
            "utilisation",
            st.utilisation(),
            occupancy,
            &run.sample(|m| m.agents.occupancy),
        ));
    }
    assert_eq!(checks.len(), 3 * ERLANG_A.len());
    verdict("Erlang A (M/M/c+M)", &checks);
}

#[test]
fn erlang_b() {
    let mut checks = Vec::new();
    for (i, &(lines, a, arrivals)) in ERLANG_B.iter().enumerate() {
        let label = format!("L={lines} a={a} agents={}", 2 * lines);
        let chain = mm_c(2 * lines, a / (2 * lines) as f64, 0.0, Some(lines));
        let point = Point::new("erlang-b", label, chain, arrivals, 3000 + i as u64);
        let st = &point.stationary;
        point.expect_events("blocking", st.blocking() / (1.0 - st.blocking()));
        let run = point.run();
        for m in &run.runs {
            // Exact: with more agents than lines every accepted caller is answered at once.
            assert_eq!((m.inbound.p_wait, m.inbound.abandons), (0.0, 0), "{} {}", point.model, point.label);
            assert_eq!(m.inbound.served + m.inbound.blocked, m.inbound.offered, "{} {}", point.model, point.label);
        }
        let blocking = run.sample(|m| m.inbound.blocked as f64 / m.inbound.offered as f64);
        checks.push(Check::new(&point, &run, "blocking", st.blocking(), st.blocking(), &blocking));
    }
    assert_eq!(checks.len(), ERLANG_B.len());
    verdict("Erlang B (M/M/L/L)", &checks);
}

/// The tolerance is tight enough to mean something: at one point, the machinery that accepts the
/// right Erlang C value rejects a reference 10 % off either way, and the value of a centre with
/// one agent fewer.
#[test]
fn tolerance_rejects_wrong_references() {
    let point = erlang_c_point(ERLANG_C.len(), PROBE);
    let run = point.run();
    let sample = run.sample(|m| m.inbound.p_wait);
    let right = point.stationary.p_wait();
    let (c, rho, _) = PROBE;
    let one_agent_fewer = erlang::erlang_c(c - 1, rho * c as f64);
    let mut checks = vec![Check::new(&point, &run, "P(wait)", right, right, &sample)];
    verdict("Tolerance probe", &checks);
    for (figure, wrong) in
        [("P(wait) × 1.1", right * 1.1), ("P(wait) × 0.9", right * 0.9), ("P(wait), c − 1 agents", one_agent_fewer)]
    {
        checks.push(Check::new(&point, &run, figure, wrong, wrong, &sample));
    }
    for wrong in &checks[1..] {
        eprintln!("{}", wrong.row());
        assert!(
            !wrong.passes(),
            "{} {}: a wrong reference {:.6} ({}) is accepted: simulated {:.6} ± {:.6} is too loose to test anything",
            wrong.model,
            wrong.point,
            wrong.reference,
            wrong.figure,
            wrong.mean,
            wrong.half_width + wrong.allowance
        );
    }
}

// ----- the analytic side, checked against closed forms ----------------------------------------

fn close(a: f64, b: f64, tol: f64) -> bool {
    (a - b).abs() <= tol * b.abs().max(1.0)
}

#[test]
fn chain_reproduces_erlang_b_and_c_closed_forms() {
    for c in [1, 2, 5, 10, 37, 50, 100, 200] {
        for rho in [0.3, 0.5, 0.8, 0.9, 0.95, 0.99] {
            let a = rho * c as f64;
            let st = mm_c(c, rho, 0.0, None).stationary();
            assert!(
                close(st.p_wait(), erlang::erlang_c(c, a), 1e-9),
                "C({c}, {a}): {} vs {}",
                st.p_wait(),
                erlang::erlang_c(c, a)
            );
            let w = erlang::erlang_c(c, a) / (c as f64 / TALK_S - a / TALK_S);
            assert!(close(st.mean_wait(), w, 1e-9), "W({c}, {a}): {} vs {w}", st.mean_wait());
            assert!(close(st.utilisation(), rho, 1e-9), "u({c}, {a})");
            assert!(st.pi.iter().skip(c).all(|p| *p >= 0.0));
        }
        for a in [0.1, 1.0, 0.7 * c as f64, c as f64, 1.5 * c as f64] {
            // Erlang B: c lines, and agents c or more (nobody ever waits with agents ≥ lines).
            for agents in [c, 2 * c] {
                let st = mm_c(agents, a / agents as f64, 0.0, Some(c)).stationary();
                assert_eq!(st.pi.len(), c + 1);
                assert!(
                    close(st.blocking(), erlang::erlang_b(c, a), 1e-9),
                    "B({c}, {a}): {} vs {}",
                    st.blocking(),
                    erlang::erlang_b(c, a)
                );
                if agents > c {
                    assert_eq!(st.p_wait(), 0.0);
                }
            }
        }
    }
    // M/M/1: P(wait) = ρ, W = ρ/(μ − λ).
    let st = mm_c(1, 0.95, 0.0, None).stationary();
    assert!(close(st.p_wait(), 0.95, 1e-9) && close(st.mean_wait(), 0.95 * TALK_S / 0.05, 1e-9));
}

#[test]
fn chain_is_consistent_for_erlang_a() {
    for c in [1, 10, 100] {
        for rho in [0.5, 0.8, 1.0, 1.2, 2.0] {
            for theta_per_mu in [0.1, 0.5, 2.0] {
                let st = mm_c(c, rho, theta_per_mu / TALK_S, None).stationary();
                let total: f64 = st.pi.iter().sum();
                assert!(close(total, 1.0, 1e-12));
                // Flow balance: served rate = μ·E[busy] = λ·(1 − P(abandon)).
                let served = st.mean_busy() / TALK_S;
                let lambda = st.chain.lambda;
                assert!(close(served, lambda * (1.0 - st.p_abandon()), 1e-9), "c={c} ρ={rho} θ/μ={theta_per_mu}");
                assert!(
                    st.p_abandon() < st.p_wait() && st.p_wait() <= 1.0 + 1e-12,
                    "c={c} ρ={rho} θ/μ={theta_per_mu}: {} {}",
                    st.p_abandon(),
                    st.p_wait()
                );
            }
            // θ = μ: abandoning at the service rate makes the number in system Poisson(a) (M/M/∞).
            let a = rho * c as f64;
            let st = mm_c(c, rho, 1.0 / TALK_S, None).stationary();
            let mut poisson = (-a).exp();
            for (n, p) in st.pi.iter().enumerate().take(3 * c) {
                assert!(close(*p, poisson, 1e-9), "c={c} a={a}: π({n}) {p} vs {poisson}");
                poisson *= a / (n + 1) as f64;
            }
        }
        // θ → 0: Erlang A tends to Erlang C.
        let st = mm_c(c, 0.8, 1e-12, None).stationary();
        assert!(close(st.p_wait(), erlang::erlang_c(c, 0.8 * c as f64), 1e-6));
    }
}

#[test]
fn drain_time_and_warmup_behave() {
    // One agent, one caller, no arrivals: the drain is one talk time.
    let chain = mm_c(1, 0.5, 0.0, None);
    assert!(close(chain.drain_busy_time(1), TALK_S, 1e-12));
    // Two callers with one agent: two talk times (infinite patience); with patience θ the second
    // waits 1/(μ + θ) with the agent busy, then the last talk: 1/(μ + θ) + 1/μ.
    assert!(close(chain.drain_busy_time(2), 2.0 * TALK_S, 1e-12));
    let chain = mm_c(1, 0.5, 1.0 / PATIENCE_S, None);
    assert!(close(chain.drain_busy_time(2), 1.0 / (1.0 / TALK_S + 1.0 / PATIENCE_S) + TALK_S, 1e-12));
    // Uniformization: the transient of M/M/1 stays a distribution and converges to π.
    let st = mm_c(1, 0.8, 0.0, None).stationary();
    let mut p = vec![0.0; st.pi.len()];
    p[0] = 1.0;
    st.chain.evolve(&mut p, 10.0 * TALK_S);
    assert!(close(p.iter().sum(), 1.0, 1e-12));
    let early = st.distance(&p);
    st.chain.evolve(&mut p, 1000.0 * TALK_S);
    assert!(early > 0.1 && st.distance(&p) < 1e-6, "{early} then {}", st.distance(&p));
    // M/M/1/1 from empty: P(busy at t) = ρ'(1 − e^{−(λ+μ)t}) with ρ' = λ/(λ+μ).
    let chain = mm_c(2, 0.25, 0.0, Some(1));
    let (l, m) = (chain.lambda, chain.mu);
    let mut p = vec![1.0, 0.0];
    chain.evolve(&mut p, 300.0);
    assert!(close(p[1], l / (l + m) * (1.0 - (-(l + m) * 300.0).exp()), 1e-12));
}

#[test]
fn student_t_quantiles_match_published_values() {
    // Closed forms: df = 1 (Cauchy) t = tan(π(p − ½)); df = 2, t = (2p − 1)/√(2p(1 − p)).
    for p in [0.6, 0.9, 0.975, 0.995, 0.9999] {
        let cauchy = (std::f64::consts::PI * (p - 0.5)).tan();
        assert!(close(student_t_quantile(p, 1.0), cauchy, 1e-9), "df 1, p {p}");
        let two = (2.0 * p - 1.0) / (2.0 * p * (1.0 - p)).sqrt();
        assert!(close(student_t_quantile(p, 2.0), two, 1e-9), "df 2, p {p}");
    }
    // Tables: t(0.975, 9) = 2.262157163, t(0.995, 19) = 2.860934606, t(0.9995, 39) = 3.558120,
    // and the normal limit z(0.975) = 1.959963985.
    for (p, df, t) in [(0.975, 9.0, 2.262_157_163), (0.995, 19.0, 2.860_934_606), (0.9995, 39.0, 3.558_120_08)] {
        assert!(close(student_t_quantile(p, df), t, 1e-7), "t({p}, {df}) = {}", student_t_quantile(p, df));
    }
    assert!(close(student_t_quantile(0.975, 1e7), 1.959_963_985, 1e-6));
    assert!(close(student_t_cdf(0.0, 5.0), 0.5, 1e-15));
}
