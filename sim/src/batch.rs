//! Many scenarios, each with its replications, run as one pool of jobs over the cores: what a
//! sweep (one scenario at many points) and a check (many scenario files) both need.

use crate::engine::{self, SimError};
use crate::rng::replication_seed;
use crate::scenario::Scenario;
use rayon::prelude::*;
use reports::Metrics;
use std::sync::atomic::AtomicU64;

/// One scenario and how many replications of it to run.
#[derive(Clone, Copy, Debug)]
pub struct Job<'a> {
    /// The scenario.
    pub scenario: &'a Scenario,
    /// Replications (at least 1 is run).
    pub replications: u32,
}

impl Job<'_> {
    /// Simulated milliseconds the job covers, for a progress bar: replications × duration.
    pub fn work_ms(&self) -> u64 {
        self.scenario.duration.as_ms() * u64::from(self.replications.max(1))
    }
}

/// Runs every replication of every job in parallel (one flat pool, so a job with many
/// replications does not wait for a slow one with few) and returns each job's metrics in
/// replication order. Replication `i` of a scenario uses the seed `replication_seed(seed, i)`,
/// exactly as [`crate::replicate::simulate`] does: two jobs with the same seed meet the same
/// callees (common random numbers), and a job gives the figures `dialer simulate` gives.
/// `progress` is advanced by simulated milliseconds (of Σ [`Job::work_ms`]).
pub fn measure_all(jobs: &[Job<'_>], progress: Option<&AtomicU64>) -> Result<Vec<Vec<Metrics>>, SimError> {
    for job in jobs {
        engine::build_pacer(job.scenario)?; // refuse an impossible scenario before running any
    }
    let pairs: Vec<(usize, u32)> =
        jobs.iter().enumerate().flat_map(|(j, job)| (0..job.replications.max(1)).map(move |i| (j, i))).collect();
    let results = pairs
        .into_par_iter()
        .map(|(j, i)| {
            let sc = jobs[j].scenario;
            engine::measure(sc, replication_seed(sc.seed, i), progress).map(|m| (j, m))
        })
        .collect::<Result<Vec<_>, SimError>>()?;
    let mut grouped: Vec<Vec<Metrics>> = jobs.iter().map(|job| Vec::with_capacity(job.replications as usize)).collect();
    // The parallel iterator is indexed, so results come back in (job, replication) order.
    for (j, metrics) in results {
        grouped[j].push(metrics);
    }
    Ok(grouped)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    fn scenario(overrides: &[&str]) -> Scenario {
        let overrides: Vec<String> = overrides.iter().map(|s| (*s).to_owned()).collect();
        crate::scenario::parse(crate::TINY_SCENARIO, Path::new("batch.toml"), &overrides).expect("valid")
    }

    #[test]
    fn gives_each_job_its_replications_with_the_seeds_simulate_uses() {
        let (a, b) = (scenario(&[]), scenario(&["pacing.ratio=1.0"]));
        let jobs = [Job { scenario: &a, replications: 3 }, Job { scenario: &b, replications: 2 }];
        let progress = AtomicU64::new(0);
        let runs = measure_all(&jobs, Some(&progress)).expect("runs");
        assert_eq!(runs.iter().map(Vec::len).collect::<Vec<_>>(), [3, 2]);
        assert_eq!(progress.into_inner(), jobs.iter().map(Job::work_ms).sum::<u64>());
        let simulated = crate::replicate::simulate(&a, 3, None, None).expect("runs");
        let strip = |m: &Metrics| Metrics { perf: Default::default(), ..m.clone() };
        let same: Vec<Metrics> = simulated.runs.iter().map(strip).collect();
        assert_eq!(runs[0].iter().map(strip).collect::<Vec<_>>(), same, "the figures of dialer simulate");
        assert_ne!(strip(&runs[0][0]), strip(&runs[0][1]), "replications differ");
    }
}
