//! One replication: the event loop that drives the dialer core and the world in virtual time.

use crate::queue::EventQueue;
use crate::scenario::{self, Rule, Scenario};
use crate::world::World;
use compact_str::CompactString;
use dialer::core::pacer::{AbandonRule, PacingPlan, PredictiveSettings};
use dialer::core::{Config, Dialer, Output, Pacer, Screening, VicidialMethod, VicidialSettings};
use reports::{AgentInterval, Cdr, Metrics, MetricsBuilder, Time};
use std::sync::atomic::{AtomicU64, Ordering};

/// Where a run's records go as they are made.
pub trait Sink {
    /// A finished call.
    fn cdr(&mut self, cdr: &Cdr);
    /// A closed agent interval.
    fn interval(&mut self, interval: &AgentInterval);
}

/// A scenario the simulator cannot run as asked (beyond what file validation catches).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum SimError {
    /// The pacer refused its settings.
    #[error("{file}: pacing: {detail}")]
    Pacing { file: String, detail: String },
}

/// Counts of one replication that are not records.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RunStats {
    /// Events processed: world events plus the dialer's timeouts.
    pub events: u64,
    /// Virtual time when the last call ended.
    pub end: Time,
}

/// The pacer a scenario asks for, built from its `[pacing]` settings alone.
pub fn build_pacer(sc: &Scenario) -> Result<Box<dyn Pacer>, SimError> {
    let plan = PacingPlan {
        mode: sc.pacing.mode,
        ratio: sc.pacing.ratio,
        vicidial: vicidial_settings(sc),
        predictive: predictive_settings(sc),
    };
    plan.build().map_err(|e| SimError::Pacing { file: sc.source.display().to_string(), detail: e.to_string() })
}

/// The predictive pacer's settings from a scenario: its pacing target, its compliance rule, where
/// the UTC day falls, and the dialer's drop time.
pub fn predictive_settings(sc: &Scenario) -> PredictiveSettings {
    const DAY_MS: i64 = 86_400_000;
    PredictiveSettings {
        target_abandon: sc.pacing.target_abandon,
        rule: match sc.compliance.rule {
            Rule::Fcc => AbandonRule::Fcc,
            Rule::Ofcom => AbandonRule::Ofcom { amd_fp_share: sc.compliance.amd_fp_share },
        },
        day_offset_ms: sc.start.as_millisecond().rem_euclid(DAY_MS) as u64,
        ..PredictiveSettings::default()
    }
}

/// The VICIdial pacer's settings from a scenario's `[pacing]` keys and its `start` (the server clock,
/// UTC, at t = 0; any fraction of a second is dropped).
pub fn vicidial_settings(sc: &Scenario) -> VicidialSettings {
    let p = &sc.pacing;
    // Validated as "HH:MM" on a 24-hour clock, so the parses cannot fail.
    let latest = p.latest_server_time.as_deref().map(|hhmm| {
        let (h, m) = hhmm.split_once(':').expect("validated: HH:MM");
        h.parse::<u32>().expect("validated: hours") * 3600 + m.parse::<u32>().expect("validated: minutes") * 60
    });
    VicidialSettings {
        method: match p.vicidial_method {
            scenario::VicidialMethod::HardLimit => VicidialMethod::HardLimit,
            scenario::VicidialMethod::Tapered => VicidialMethod::Tapered,
            scenario::VicidialMethod::Average => VicidialMethod::Average,
        },
        target_abandon: p.target_abandon,
        max_level: p.max_level,
        intensity: p.intensity,
        dl_diff_target: p.dl_diff_target,
        latest_server_time: latest,
        // Below 86 400, so the cast is exact.
        start_of_day_s: sc.start.as_second().rem_euclid(86_400) as u32,
        ..VicidialSettings::default()
    }
}

/// The dialer settings a scenario describes.
pub fn dialer_config(sc: &Scenario) -> Config {
    Config {
        campaign: CompactString::from(sc.name.as_str()),
        ring_timeout_ms: sc.dialing.ring_timeout_ms,
        drop_after_ms: Some(sc.dialing.drop_after_ms),
        lines: sc.dialing.lines,
        screening: if sc.amd.is_some() { Screening::Amd } else { Screening::Perfect },
        ..Config::default()
    }
}

/// Passes records on to a sink, dropping what falls in the warm-up: calls placed before it, and
/// the part of agent intervals before it. The files then hold exactly what the metrics count.
struct Warmup<'a, S: Sink> {
    from: Time,
    sink: &'a mut S,
}

impl<S: Sink> Warmup<'_, S> {
    fn cdr(&mut self, cdr: &Cdr) {
        if cdr.dial_time >= self.from {
            self.sink.cdr(cdr);
        }
    }

    fn interval(&mut self, iv: &AgentInterval) {
        if iv.end > self.from {
            self.sink.interval(&AgentInterval { start: iv.start.max(self.from), ..*iv });
        }
    }
}

/// How often (in events) the loop reports progress.
const PROGRESS_EVERY: u64 = 1 << 16;

/// Runs one replication of `sc` under `seed`, sending every record to `sink`. `progress` is
/// advanced by the simulated milliseconds done (up to `sc.duration`), for a progress bar.
pub fn run<S: Sink>(
    sc: &Scenario,
    seed: u64,
    sink: &mut S,
    progress: Option<&AtomicU64>,
) -> Result<RunStats, SimError> {
    let mut dialer = Dialer::new(dialer_config(sc), build_pacer(sc)?);
    let mut queue = EventQueue::default();
    let mut world = World::new(sc, seed, &mut queue);
    let mut sink = Warmup { from: sc.warmup, sink };
    let mut events = 0u64;
    let mut reported = 0u64;
    loop {
        let timer = dialer.poll_timeout();
        let next = queue.peek_time();
        // The dialer's timers run before world events at the same instant.
        // At the run's end, `Stop` (the first event scheduled at `duration`) goes first: no call
        // starts at `duration`.
        let timer_first = match (timer, next) {
            (Some(t), Some(n)) => t < n || (t == n && n != sc.duration),
            (Some(_), None) => true,
            (None, Some(_)) => false,
            (None, None) => break,
        };
        let (now, input, event) = if let (true, Some(t)) = (timer_first, timer) {
            queue.advance(t);
            (t, dialer::core::Input::Timeout, None)
        } else {
            let (now, event) = queue.pop().expect("peeked");
            let mut inbound = None;
            let input = world.input(event, now, &mut queue, || {
                let id = dialer.inbound_call_id();
                inbound = Some(id);
                id
            });
            match input {
                Some(input) => (now, input, Some((event, inbound))),
                None => continue,
            }
        };
        events += 1;
        // The world only sends inputs that fit the dialer's state; a refusal is a bug in the model.
        if let Err(e) = dialer.handle(input, now) {
            panic!("simulation model fault at {now}: {e}");
        }
        while let Some(output) = dialer.poll_output() {
            match output {
                Output::Cdr(record) => {
                    sink.cdr(&record);
                    dialer.recycle(record);
                }
                Output::AgentInterval(interval) => sink.interval(&interval),
                command => world.command(&command, now, &mut queue),
            }
        }
        if let Some((event, inbound)) = event {
            world.greeting_over(&event, now, &mut queue, inbound);
        }
        if let Some(p) = progress.filter(|_| events.is_multiple_of(PROGRESS_EVERY)) {
            let done = now.as_ms().min(sc.duration.as_ms());
            p.fetch_add(done - reported, Ordering::Relaxed);
            reported = done;
        }
    }
    // Every call ends (ring timeouts, drops, talk and wrap times are finite; callers find the
    // centre closed once no agent is left), so a run that stops with calls in flight is a bug.
    assert!(dialer.is_finished(), "simulation model fault: the run ended with calls or agents still in flight");
    if let Some(p) = progress {
        p.fetch_add(sc.duration.as_ms() - reported, Ordering::Relaxed);
    }
    Ok(RunStats { events, end: queue.now() })
}

/// A sink that only measures.
impl Sink for MetricsBuilder {
    fn cdr(&mut self, cdr: &Cdr) {
        self.add_cdr(cdr);
    }
    fn interval(&mut self, interval: &AgentInterval) {
        self.add_interval(interval);
    }
}

/// Runs one replication and returns its metrics, `perf` included.
pub fn measure(sc: &Scenario, seed: u64, progress: Option<&AtomicU64>) -> Result<Metrics, SimError> {
    let mut builder = MetricsBuilder::new().with_origin(sc.start);
    let started = std::time::Instant::now();
    let stats = run(sc, seed, &mut builder, progress)?;
    let wall = started.elapsed();
    Ok(with_perf(builder.finish(), stats, wall))
}

/// Fills in the `perf` section of a run's metrics.
pub fn with_perf(mut metrics: Metrics, stats: RunStats, wall: std::time::Duration) -> Metrics {
    let secs = wall.as_secs_f64().max(1e-9);
    metrics.perf.events = stats.events;
    metrics.perf.wall_ms = (wall.as_secs_f64() * 1000.0 * 1000.0).round() / 1000.0;
    metrics.perf.events_per_s = (stats.events as f64 / secs).round();
    metrics.perf.dials_per_s = (metrics.outbound.dials as f64 / secs).round();
    metrics
}
