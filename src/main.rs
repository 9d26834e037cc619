//! `dialer`: the command line of dialkit. A thin layer: parse, validate into a config, call one
//! library function, print. The work lives in the `dialer`, `sim` and `reports` crates.

mod progress;
mod simulate;
mod table;

use clap::{Parser, Subcommand};
use std::process::ExitCode;

/// Everything went as asked.
const EXIT_OK: u8 = 0;
/// Bad input or usage: nothing was run and nothing written (clap uses 2 for usage errors too).
const EXIT_BAD_INPUT: u8 = 2;

#[derive(Parser)]
#[command(
    name = "dialer",
    version,
    about = "Outbound call-centre toolkit: simulate pacing, load-test SIP, run campaigns",
    after_help = "Examples:\n  dialer simulate scenarios/reference-ratio2.toml --out out/reference\n  dialer simulate scenarios/small-team-5.toml --replications 40 --json"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Simulate a scenario: metrics, CDRs and the agent log of a virtual campaign.
    Simulate(simulate::Args),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Simulate(args) => args.exec(),
    };
    match result {
        Ok(()) => ExitCode::from(EXIT_OK),
        Err(e) => {
            eprintln!("error: {}", describe(&e));
            ExitCode::from(EXIT_BAD_INPUT)
        }
    }
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
