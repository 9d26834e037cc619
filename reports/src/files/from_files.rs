//! Recomputing a run's metrics from its two record files alone (DESIGN.md: "The metrics are a
//! function of `cdr.csv` and `agents.csv` alone").

use super::{AgentReader, CdrReader, RecordError};
use crate::{Metrics, MetricsBuilder};
use jiff::Timestamp;
use std::fs::File;
use std::path::Path;

/// Streams `cdr.csv` and `agents.csv` through a [`MetricsBuilder`]: the figures of a finished run,
/// a live campaign or an imported system, with `perf` at zero.
///
/// Gives the same figures as the run that wrote the files, since every figure depends only on
/// differences of times. Errors name the file, line and column.
pub fn metrics_from_files(cdr: &Path, agents: &Path) -> Result<Metrics, RecordError> {
    // The earliest instant a timestamp can name: no record is before it.
    let origin = Timestamp::MIN;
    let mut builder = MetricsBuilder::new().with_origin(origin);
    let open = |path: &Path| File::open(path).map_err(|source| RecordError::Open { path: path.into(), source });
    let in_cdr = |e: RecordError| e.in_file(cdr);
    for record in CdrReader::new(open(cdr)?, origin).map_err(in_cdr)? {
        builder.add_cdr(&record.map_err(in_cdr)?);
    }
    let in_agents = |e: RecordError| e.in_file(agents);
    for record in AgentReader::new(open(agents)?, origin).map_err(in_agents)? {
        builder.add_interval(&record.map_err(in_agents)?);
    }
    Ok(builder.finish())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_records::{agent_intervals, inbound_calls, outbound_calls};
    use crate::{AgentWriter, CdrWriter};

    fn write_run(dir: &Path) -> (std::path::PathBuf, std::path::PathBuf, Metrics) {
        let start: Timestamp = "2026-01-05T09:00:00Z".parse().expect("valid");
        let mut builder = MetricsBuilder::new();
        let cdr_path = dir.join("cdr.csv");
        let mut cdrs = CdrWriter::new(File::create(&cdr_path).expect("temp dir"), start).expect("header");
        for cdr in outbound_calls().iter().chain(&inbound_calls()) {
            cdrs.write(cdr).expect("write");
            builder.add_cdr(cdr);
        }
        cdrs.finish().expect("flush");
        let agents_path = dir.join("agents.csv");
        let mut agents = AgentWriter::new(File::create(&agents_path).expect("temp dir"), start).expect("header");
        for interval in agent_intervals() {
            agents.write(&interval).expect("write");
            builder.add_interval(&interval);
        }
        agents.finish().expect("flush");
        (cdr_path, agents_path, builder.finish())
    }

    #[test]
    fn the_files_give_the_metrics_of_the_run() {
        let dir = tempfile::tempdir().expect("temp dir");
        let (cdr, agents, expected) = write_run(dir.path());
        let metrics = metrics_from_files(&cdr, &agents).expect("valid files");
        assert_eq!(metrics, expected);
        assert_eq!(metrics.outbound.dials, 11, "the files held the records");
    }

    #[test]
    fn errors_name_the_file() {
        let dir = tempfile::tempdir().expect("temp dir");
        let (cdr, agents, _) = write_run(dir.path());
        let text = std::fs::read_to_string(&agents).expect("written").replacen(",talk,", ",tlak,", 1);
        std::fs::write(&agents, text).expect("temp dir");
        let e = metrics_from_files(&cdr, &agents).expect_err("bad state").to_string();
        assert_eq!(
            e,
            format!(
                "{}: line 4, column state: \"tlak\" is not one of ready, reserved, preview, talk, wrap, machine, paused",
                agents.display()
            )
        );
        let missing = dir.path().join("missing.csv");
        let e = metrics_from_files(&missing, &agents).expect_err("no file").to_string();
        assert!(e.starts_with(&format!("cannot open {}: ", missing.display())), "{e}");
    }
}
