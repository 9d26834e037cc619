//! The flags that say where a run's records come from, shared by `report`, `compare` and `fit`
//! (`#[command(flatten)]`): the agent log, the format of the CDR file, its time zone and column
//! mapping, and whether unreadable rows are fatal.

use anyhow::{Context, bail};
use reports::import::Mapping;
use reports::source::{Format, Records};
use std::path::{Path, PathBuf};

/// How many unreadable rows are printed; the rest are counted.
const PROBLEMS_SHOWN: usize = 5;

/// The kind of CDR file.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum InputFormat {
    /// dialkit's cdr.csv (and agents.csv), or a run directory holding them
    Dialkit,
    /// Asterisk cdr_csv's Master.csv (default columns, no header); needs --tz
    Asterisk,
    /// Any CSV with a header row; needs --map
    Generic,
}

/// Where one run's records are: the CDR input's format flags and its agent log.
#[derive(clap::Args, Clone, Debug)]
pub struct SourceArgs {
    /// Agent log in dialkit's agents.csv form (default: the run directory's agents.csv, if any)
    #[arg(long, value_name = "FILE")]
    pub agents: Option<PathBuf>,
    #[command(flatten)]
    pub format: FormatArgs,
}

impl SourceArgs {
    /// Reads the records at `path` with the agent log of `--agents` (see [`FormatArgs::load`]).
    pub fn load(&self, path: &Path) -> anyhow::Result<Records> {
        self.format.load(path, self.agents.as_deref())
    }
}

/// How CDR files are written: format, zone, column mapping; shared by every input of a command
/// (`dialer compare` reads both runs with them).
#[derive(clap::Args, Clone, Debug)]
pub struct FormatArgs {
    /// Format of the CDR file
    #[arg(long, value_enum, default_value = "dialkit", value_name = "FORMAT")]
    pub from: InputFormat,
    /// Time zone of times written without an offset (IANA name, e.g. Europe/London); required with
    /// --from asterisk
    #[arg(long, value_name = "ZONE")]
    pub tz: Option<String>,
    /// With --from generic: CDR field = the file's column, e.g.
    /// `--map dial_time=start,end_time=end,outcome=status` (repeatable; see docs/import.md)
    #[arg(long = "map", value_name = "FIELD=COLUMN,…")]
    pub map: Vec<String>,
    /// With --from generic: the file's outcome text = dialkit's outcome, e.g.
    /// `--map-outcome ANSWER=connected,DROP=abandoned` (repeatable)
    #[arg(long = "map-outcome", value_name = "VALUE=OUTCOME,…")]
    pub map_outcome: Vec<String>,
    /// Stop (exit 2) if any row cannot be read, instead of reporting and skipping it
    #[arg(long)]
    pub strict: bool,
}

impl FormatArgs {
    /// The format the flags describe.
    pub fn format(&self) -> anyhow::Result<Format> {
        let zone = |name: &str| {
            jiff::tz::TimeZone::get(name).with_context(|| {
                format!("--tz {name:?} is not a time zone of the system's database (fix: an IANA name like Europe/London or America/New_York)")
            })
        };
        if self.from != InputFormat::Generic && !(self.map.is_empty() && self.map_outcome.is_empty()) {
            bail!("--map and --map-outcome go with --from generic");
        }
        Ok(match self.from {
            InputFormat::Dialkit => {
                if self.tz.is_some() {
                    bail!("--tz goes with --from asterisk or generic: dialkit's files are in UTC");
                }
                Format::Dialkit
            }
            InputFormat::Asterisk => {
                let Some(tz) = &self.tz else {
                    bail!(
                        "--from asterisk needs --tz ZONE: Master.csv holds local times (use --tz UTC if cdr.conf has usegmtime=yes)"
                    )
                };
                Format::Asterisk { tz: zone(tz)? }
            }
            InputFormat::Generic => Format::Generic {
                mapping: Mapping::parse(&self.map, &self.map_outcome)?,
                tz: self.tz.as_deref().map(zone).transpose()?,
            },
        })
    }

    /// Reads the records at `path` (a run directory or a CDR file) and the agent log `agents`
    /// (default: a run directory's agents.csv), printing a count and the first few of the rows that
    /// could not be read to stderr; with `--strict` such rows are an error.
    pub fn load(&self, path: &Path, agents: Option<&Path>) -> anyhow::Result<Records> {
        let format = self.format()?;
        let records = reports::source::load(path, agents, &format)?;
        if !records.problems.is_empty() {
            let n = records.problems.len();
            if self.strict {
                bail!("{n} row(s) cannot be read (--strict); the first: {}", records.problems[0]);
            }
            eprintln!("warning: {n} row(s) could not be read and are not counted:");
            for p in records.problems.iter().take(PROBLEMS_SHOWN) {
                eprintln!("  {p}");
            }
            if n > PROBLEMS_SHOWN {
                eprintln!("  … and {} more", n - PROBLEMS_SHOWN);
            }
        }
        Ok(records)
    }
}
