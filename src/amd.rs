//! `dialer amd`: the answering-machine detector on recordings.

use crate::table;
use anyhow::Context;
use dialer::media::amd::{Amd, AmdConfig, AmdDecision};
use dialer::media::wav;
use reports::AmdVerdict;
use std::io::Write;
use std::path::{Path, PathBuf};

#[derive(clap::Args)]
#[command(after_help = "Examples:
  dialer amd call-0001.wav call-0002.wav
  dialer amd --truth-from-name corpus/*.wav
  dialer amd --config amd.toml recordings/*.wav

Runs dialkit's answering-machine detector (app_amd's rules and defaults: initial silence 2500 ms,
greeting 1500 ms, after-greeting silence 800 ms, total analysis 5000 ms, minimum word 100 ms,
between-words silence 50 ms, machine above 2 words, maximum word 5000 ms, silence threshold 256)
on each file from its first sample, as if it were the audio of an answered call, and prints the
verdict, its cause and the time it took, then a summary. Files are 8 kHz mono 16-bit PCM WAV;
convert others with `sox IN -r 8000 -c 1 -b 16 -e signed-integer OUT.wav`. A file that ends
before the detector decides is `undecided`. --config reads a TOML file of amd.conf's [general]
keys (initial_silence = 2500, maximum_number_of_words = 2, ...); missing keys keep their
defaults. scripts/amd-corpus DIR synthesises a test corpus with espeak-ng.
Exit codes: 0 every file analysed, 2 bad input (a file that is not such a WAV, a bad --config;
nothing is analysed).")]
pub struct Args {
    /// Recordings: 8 kHz mono 16-bit PCM WAV files
    #[arg(required = true, value_name = "FILE.wav")]
    files: Vec<PathBuf>,
    /// Detector parameters: a TOML file with amd.conf's [general] keys
    #[arg(long, value_name = "FILE.toml")]
    config: Option<PathBuf>,
    /// Take the truth from each file's name (starting `human` or `machine`) and report accuracy
    #[arg(long)]
    truth_from_name: bool,
}

/// One file's result.
struct Analysed {
    file: String,
    truth: Option<AmdVerdict>,
    /// `None`: the file ended first.
    decision: Option<AmdDecision>,
    length_ms: u64,
}

impl Args {
    /// Analyses every file and prints the table and the summary.
    pub fn exec(self) -> anyhow::Result<()> {
        let config = match &self.config {
            Some(path) => read_config(path)?,
            None => AmdConfig::default(),
        };
        config.validate()?;
        let recordings =
            self.files.iter().map(|path| wav::read(path).map(|pcm| (path, pcm))).collect::<Result<Vec<_>, _>>()?;
        let mut results = Vec::with_capacity(recordings.len());
        for (path, pcm) in recordings {
            let truth = if self.truth_from_name { Some(truth_of(path)?) } else { None };
            // The configuration is validated above, so this cannot fail.
            let mut amd = Amd::new(config)?;
            results.push(Analysed {
                file: path.display().to_string(),
                truth,
                decision: amd.push_pcm(&pcm),
                length_ms: pcm.len() as u64 / 8,
            });
        }
        let mut stdout = std::io::stdout().lock();
        write_report(&mut stdout, &results)?;
        stdout.flush().context("writing to stdout")?;
        Ok(())
    }
}

fn read_config(path: &Path) -> anyhow::Result<AmdConfig> {
    let text = std::fs::read_to_string(path).with_context(|| format!("{}: cannot read it", path.display()))?;
    toml::from_str(&text).with_context(|| {
        format!(
            "{}: not an AMD configuration (TOML with amd.conf's [general] keys, e.g. initial_silence = 2500)",
            path.display()
        )
    })
}

/// The truth a file's name claims: `human…` or `machine…`.
fn truth_of(path: &Path) -> anyhow::Result<AmdVerdict> {
    let name = path.file_name().map(|n| n.to_string_lossy().to_lowercase()).unwrap_or_default();
    if name.starts_with("human") {
        Ok(AmdVerdict::Human)
    } else if name.starts_with("machine") {
        Ok(AmdVerdict::Machine)
    } else {
        anyhow::bail!(
            "{}: --truth-from-name needs file names starting with `human` or `machine`; rename it or leave the flag out",
            path.display()
        )
    }
}

/// The table, one row a file, then the counts and decision times.
fn write_report(w: &mut impl Write, results: &[Analysed]) -> std::io::Result<()> {
    let with_truth = results.iter().any(|r| r.truth.is_some());
    let mut header = vec!["file".to_owned()];
    if with_truth {
        header.push("truth".to_owned());
    }
    header.extend(["verdict", "cause", "decided at (ms)", "words", "voice (ms)"].map(str::to_owned));
    let rows: Vec<Vec<String>> = results
        .iter()
        .map(|r| {
            let mut row = vec![r.file.clone()];
            if let Some(truth) = r.truth {
                row.push(truth.as_str().to_owned());
            }
            match r.decision {
                Some(d) => row.extend([
                    d.verdict.as_str().to_owned(),
                    d.cause.label().to_owned(),
                    d.after_ms.to_string(),
                    d.words.to_string(),
                    d.voiced_ms.to_string(),
                ]),
                None => row.extend([
                    "undecided".to_owned(),
                    format!("file ends at {} ms", r.length_ms),
                    "-".to_owned(),
                    "-".to_owned(),
                    "-".to_owned(),
                ]),
            }
            row
        })
        .collect();
    table::write_grid(w, &header, &rows, header.len() - 3)?;
    let count = |v: AmdVerdict| results.iter().filter(|r| r.decision.is_some_and(|d| d.verdict == v)).count();
    let undecided = results.iter().filter(|r| r.decision.is_none()).count();
    writeln!(
        w,
        "\n{} file(s): {} human, {} machine, {} notsure, {undecided} undecided",
        results.len(),
        count(AmdVerdict::Human),
        count(AmdVerdict::Machine),
        count(AmdVerdict::NotSure),
    )?;
    let mut times: Vec<u32> = results.iter().filter_map(|r| r.decision.map(|d| d.after_ms)).collect();
    if !times.is_empty() {
        times.sort_unstable();
        let mean = times.iter().map(|&t| f64::from(t)).sum::<f64>() / times.len() as f64;
        writeln!(w, "decision time: mean {mean:.0} ms, p95 {} ms, max {} ms", p95(&times), times[times.len() - 1])?;
    }
    if with_truth {
        for (label, truth) in [("humans", AmdVerdict::Human), ("machines", AmdVerdict::Machine)] {
            let of: Vec<&Analysed> = results.iter().filter(|r| r.truth == Some(truth)).collect();
            let right = of.iter().filter(|r| r.decision.is_some_and(|d| d.verdict == truth)).count();
            writeln!(w, "{label}: {right}/{} right", of.len())?;
        }
        let right = results.iter().filter(|r| r.decision.is_some_and(|d| Some(d.verdict) == r.truth)).count();
        let share = 100.0 * right as f64 / results.len() as f64;
        writeln!(w, "accuracy: {right}/{} = {share:.1}% (notsure and undecided count as wrong)", results.len())?;
    }
    Ok(())
}

/// The 95th percentile of sorted values (nearest rank).
fn p95(sorted: &[u32]) -> u32 {
    let rank = (0.95 * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}
