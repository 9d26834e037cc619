//! Replications of a scenario, in parallel over cores, and the output directory of a run.

use crate::engine::{self, RunStats, SimError, Sink};
use crate::rng::replication_seed;
use crate::scenario::Scenario;
use rayon::prelude::*;
use reports::{AgentInterval, AgentWriter, Cdr, CdrWriter, Metrics, MetricsBuilder, WriteError};
use std::fs::{self, File};
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicU64;
use std::time::Instant;

/// What went wrong running a scenario.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    /// The scenario cannot be simulated as asked.
    #[error(transparent)]
    Sim(#[from] SimError),
    /// An output file could not be written.
    #[error("{path}: {source} (fix: check that the directory is writable and the disk has space)")]
    Io { path: PathBuf, source: std::io::Error },
    /// A record could not be written.
    #[error("{path}: {source}")]
    Write { path: PathBuf, source: WriteError },
}

/// The result of [`simulate`]: each replication's metrics, in replication order.
#[derive(Debug, Clone)]
pub struct Simulated {
    /// One entry per replication; the first is the one whose records were written.
    pub runs: Vec<Metrics>,
}

impl Simulated {
    /// `metrics.json`'s content: one run's metrics, or means with `ci95` and `runs`.
    pub fn summary(&self) -> serde_json::Value {
        reports::summarize(&self.runs)
    }
}

/// Runs `replications` replications of `sc` in parallel. With `out`, replication 0's records go
/// to `out/cdr.csv` and `out/agents.csv` and the summary to `out/metrics.json`; files appear only
/// when complete (written under a temporary name, then renamed). `progress` counts simulated
/// milliseconds done over all replications (of `replications × duration`).
pub fn simulate(
    sc: &Scenario,
    replications: u32,
    out: Option<&Path>,
    progress: Option<&AtomicU64>,
) -> Result<Simulated, RunError> {
    engine::build_pacer(sc)?; // refuse an impossible scenario before creating anything
    let runs = (0..replications.max(1))
        .into_par_iter()
        .map(|i| {
            let seed = replication_seed(sc.seed, i);
            match out {
                Some(dir) if i == 0 => run_with_files(sc, seed, dir, progress),
                _ => Ok(engine::measure(sc, seed, progress)?),
            }
        })
        .collect::<Result<Vec<_>, RunError>>()?;
    let simulated = Simulated { runs };
    if let Some(dir) = out {
        let json = serde_json::to_string_pretty(&simulated.summary()).expect("metrics serialise");
        write_atomically(&dir.join("metrics.json"), |w| w.write_all(format!("{json}\n").as_bytes()))?;
    }
    Ok(simulated)
}

/// Writes `path` through `fill` under a temporary name, renaming it into place only on success.
pub fn write_atomically(
    path: &Path,
    fill: impl FnOnce(&mut BufWriter<File>) -> std::io::Result<()>,
) -> Result<(), RunError> {
    let io = |source| RunError::Io { path: path.to_owned(), source };
    let part = partial(path);
    let mut w = BufWriter::new(File::create(&part).map_err(io)?);
    let done = fill(&mut w).and_then(|()| w.flush());
    drop(w);
    match done.and_then(|()| fs::rename(&part, path)) {
        Ok(()) => Ok(()),
        Err(e) => {
            let _ = fs::remove_file(&part);
            Err(io(e))
        }
    }
}

fn partial(path: &Path) -> PathBuf {
    let mut name = path.file_name().unwrap_or_default().to_owned();
    name.push(".partial");
    path.with_file_name(name)
}

/// Measures one replication while writing its records to `cdr.csv` and `agents.csv` in `dir`.
fn run_with_files(sc: &Scenario, seed: u64, dir: &Path, progress: Option<&AtomicU64>) -> Result<Metrics, RunError> {
    fs::create_dir_all(dir).map_err(|source| RunError::Io { path: dir.to_owned(), source })?;
    let (cdr_path, agents_path) = (dir.join("cdr.csv"), dir.join("agents.csv"));
    let create = |path: &Path| {
        File::create(partial(path)).map(BufWriter::new).map_err(|source| RunError::Io { path: path.to_owned(), source })
    };
    let cdrs = CdrWriter::new(create(&cdr_path)?, sc.start)
        .map_err(|source| RunError::Write { path: cdr_path.clone(), source })?;
    let agents = AgentWriter::new(create(&agents_path)?, sc.start)
        .map_err(|source| RunError::Write { path: agents_path.clone(), source })?;
    let mut sink = FileSink { metrics: MetricsBuilder::new().with_origin(sc.start), cdrs, agents, failed: None };
    let started = Instant::now();
    let outcome = engine::run(sc, seed, &mut sink, progress).map_err(RunError::from).and_then(|stats: RunStats| {
        let wall = started.elapsed();
        if let Some((path, source)) = sink.failed.take() {
            return Err(RunError::Write { path: dir.join(path), source });
        }
        let cdr_done = sink.cdrs.finish().map_err(|source| RunError::Write { path: cdr_path.clone(), source });
        let agents_done = sink.agents.finish().map_err(|source| RunError::Write { path: agents_path.clone(), source });
        cdr_done?;
        agents_done?;
        Ok(engine::with_perf(sink.metrics.finish(), stats, wall))
    });
    let renamed = outcome.and_then(|metrics| {
        for path in [&cdr_path, &agents_path] {
            fs::rename(partial(path), path).map_err(|source| RunError::Io { path: path.clone(), source })?;
        }
        Ok(metrics)
    });
    if renamed.is_err() {
        for path in [&cdr_path, &agents_path] {
            let _ = fs::remove_file(partial(path));
        }
    }
    renamed
}

/// Measures and writes records; remembers the first write error (a run is not stopped midway,
/// its result is refused at the end).
struct FileSink {
    metrics: MetricsBuilder,
    cdrs: CdrWriter<BufWriter<File>>,
    agents: AgentWriter<BufWriter<File>>,
    failed: Option<(&'static str, WriteError)>,
}

impl Sink for FileSink {
    fn cdr(&mut self, cdr: &Cdr) {
        self.metrics.add_cdr(cdr);
        if self.failed.is_none()
            && let Err(e) = self.cdrs.write(cdr)
        {
            self.failed = Some(("cdr.csv", e));
        }
    }
    fn interval(&mut self, interval: &AgentInterval) {
        self.metrics.add_interval(interval);
        if self.failed.is_none()
            && let Err(e) = self.agents.write(interval)
        {
            self.failed = Some(("agents.csv", e));
        }
    }
}
