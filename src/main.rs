//! `dialer`: the command line of dialkit. A thin layer: parse, validate into a config, call one
//! library function, print. The work lives in the `dialer`, `sim` and `reports` crates.

mod amd;
mod callee;
mod check;
mod compare;
mod fit;
mod leads;
mod load;
mod progress;
mod report;
mod run;
mod simulate;
mod source;
mod sweep;
mod table;

use clap::{Parser, Subcommand};
use std::process::ExitCode;

/// mimalloc rather than glibc's malloc: the SIP load generator and callee allocate and free a few
/// small strings per header of every message, and glibc spent a fifth of their instructions on it.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Everything went as asked.
const EXIT_OK: u8 = 0;
/// A check ran and a bound failed.
const EXIT_FAILED: u8 = 1;
/// Bad input or usage: nothing was run and nothing written (clap uses 2 for usage errors too).
const EXIT_BAD_INPUT: u8 = 2;

#[derive(Parser)]
#[command(
    name = "dialer",
    version,
    about = "Outbound call-centre toolkit: simulate pacing, load-test SIP, run campaigns",
    after_help = "Examples:
  dialer simulate scenarios/reference-ratio2.toml --out out/reference --plots
  dialer simulate scenarios/small-team-5.toml --replications 40 --json
  dialer sweep scenarios/reference-ratio2.toml --vary pacing.ratio=1..3:0.25 --replications 10 --out out/sweep
  dialer check scenarios/
  dialer load sip:load@127.0.0.1:5060 --rate 100 --calls 1000 --out out/load
  dialer callee --listen 127.0.0.1:5080 --scenario scenarios/reference-ratio2.toml --out out/callee
  dialer amd recording.wav
  dialer leads import campaigns/leads-example.csv --campaign campaigns/example.toml
  dialer run campaigns/example.toml --out out/live
  dialer report out/reference --out out/reference/report
  dialer compare out/simulated out/live --out out/compare --tolerance outbound.abandon_rate=0.005
  dialer fit out/live --out scenarios/fitted.toml --pacing predictive

Exit codes: 0 ok, 1 a checked bound failed, 2 bad input or usage."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Simulate a scenario: metrics, CDRs, the agent log and plots of a virtual campaign.
    Simulate(simulate::Args),
    /// Run a scenario over a grid of settings: sweep.csv and the abandon/talk-time frontier.
    Sweep(sweep::Args),
    /// Check scenarios' [expect] bounds over their replications; exit 1 if one fails.
    Check(check::Args),
    /// Load-test a SIP server with synthetic calls (a SIPp-like generator); exit 1 if calls failed.
    Load(Box<load::Args>),
    /// Answer SIP calls as a scenario's population would: busy, no answer, people, machines.
    Callee(Box<callee::Args>),
    /// Run the answering-machine detector on recordings (8 kHz mono WAV): verdict, cause, time.
    Amd(amd::Args),
    /// Manage a live campaign's store: import leads and do-not-call lists, status, CDRs.
    Leads(leads::Args),
    /// Run a live campaign: dial its store through its trunks, with AMD and agents; CDRs, metrics, plots.
    Run(Box<run::Args>),
    /// Report on a run's records (or Asterisk / any CSV's CDRs): metrics, per hour, per agent, compliance, HTML.
    Report(Box<report::Args>),
    /// Compare two runs (simulated or live): metrics side by side, noise tests, overlay plots; exit 1 past --tolerance.
    Compare(compare::Args),
    /// Fit a scenario to a run's records: outcome mix, ring/talk/wrap distributions, patience.
    Fit(fit::Args),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Simulate(args) => args.exec().map(|()| EXIT_OK),
        Command::Sweep(args) => args.exec().map(|()| EXIT_OK),
        Command::Check(args) => args.exec().map(|passed| if passed { EXIT_OK } else { EXIT_FAILED }),
        Command::Load(args) => args.exec().map(|clean| if clean { EXIT_OK } else { EXIT_FAILED }),
        Command::Callee(args) => args.exec().map(|()| EXIT_OK),
        Command::Amd(args) => args.exec().map(|()| EXIT_OK),
        Command::Leads(args) => args.exec().map(|clean| if clean { EXIT_OK } else { EXIT_FAILED }),
        Command::Run(args) => args.exec().map(|()| EXIT_OK),
        Command::Report(args) => args.exec().map(|ok| if ok { EXIT_OK } else { EXIT_FAILED }),
        Command::Compare(args) => args.exec().map(|passed| if passed { EXIT_OK } else { EXIT_FAILED }),
        Command::Fit(args) => args.exec().map(|()| EXIT_OK),
    };
    match result {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            eprintln!("error: {}", describe(&e));
            ExitCode::from(EXIT_BAD_INPUT)
        }
    }
}

/// A duration flag's value (`--drain 40s`), with the flag named in the error.
fn flag_duration(flag: &str, text: &str) -> anyhow::Result<std::time::Duration> {
    let ms = sim::dist::parse_duration_ms(text).map_err(|e| anyhow::anyhow!("--{flag}: {e}"))?;
    Ok(std::time::Duration::from_secs_f64(ms / 1000.0))
}

/// The error and its causes on one line, leaving out a cause whose text the message already
/// includes (our errors name their cause and the fix in one sentence).
fn describe(e: &anyhow::Error) -> String {
    let mut text = e.to_string();
    for cause in e.chain().skip(1) {
        let cause = cause.to_string();
        if !text.contains(&cause) {
            text = format!("{text}: {cause}");
        }
    }
    text
}
