//! `dialer leads`: the campaign store's command line — import leads and do-not-call lists, show
//! where the campaign stands, export its CDRs. The work lives in `dialer::store`.

use anyhow::Context;
use dialer::campaign::{self, Campaign};
use dialer::store::{LeadState, RowNote, Store, Summary};
use std::io::{BufReader, Write};
use std::path::{Path, PathBuf};

#[derive(clap::Args)]
pub struct Args {
    #[command(subcommand)]
    command: LeadsCommand,
}

#[derive(clap::Subcommand)]
enum LeadsCommand {
    /// Import a lead list (CSV) into the campaign's store, all or nothing.
    Import(Import),
    /// Import a do-not-call list: one number a line, `#` comments.
    Dnc(Dnc),
    /// Show the campaign's leads by state.
    Status(Status),
    /// Write the campaign's CDRs as cdr.csv (the same file a simulation writes).
    Cdrs(Cdrs),
}

/// The campaign file every subcommand names.
#[derive(clap::Args)]
struct CampaignArg {
    /// The campaign file (its [campaign] store is the SQLite file used)
    #[arg(long, value_name = "CAMPAIGN.toml")]
    campaign: PathBuf,
}

#[derive(clap::Args)]
#[command(after_help = "Examples:
  dialer leads import campaigns/leads-example.csv --campaign campaigns/example.toml
  dialer leads import leads.csv --campaign spring.toml --report rejected.csv

The CSV needs a header row with a `number` column; `id` (or `external_id`), `timezone` (an IANA
name such as Europe/London; empty: the campaign's) and `name` are optional, other columns are
ignored. Numbers are normalised to E.164 with the campaign's country_code: spaces, dashes, dots
and parentheses are dropped, a leading 00 becomes +, a national trunk prefix (0, or 1 in North
America) is replaced by the country code. Malformed rows and duplicates (in the file or the
store) are left out and listed by line; numbers on the do-not-call list are imported as dnc.
The import is one transaction: on any read or store error nothing is imported.
Exit codes: 0 imported (duplicates and dnc numbers are not errors), 1 imported but some rows
were malformed and left out, 2 nothing imported (bad file, campaign or store).")]
struct Import {
    /// The lead list (CSV with a header row)
    file: PathBuf,
    #[command(flatten)]
    campaign: CampaignArg,
    /// Also write the per-row report (line,value,problem,reason) to FILE
    #[arg(long, value_name = "FILE")]
    report: Option<PathBuf>,
}

#[derive(clap::Args)]
#[command(after_help = "Examples:
  dialer leads dnc campaigns/dnc-example.txt --campaign campaigns/example.toml

One number a line, written as in a lead list; `#` starts a comment; blank lines are skipped.
Listed numbers' leads end at once (state dnc), except calls in flight, which end dnc when they
finish. The import is one transaction.
Exit codes: 0 imported, 1 imported but some lines were not numbers, 2 nothing imported.")]
struct Dnc {
    /// The do-not-call list
    file: PathBuf,
    #[command(flatten)]
    campaign: CampaignArg,
    /// Also write the per-line report (line,value,problem,reason) to FILE
    #[arg(long, value_name = "FILE")]
    report: Option<PathBuf>,
}

#[derive(clap::Args)]
#[command(after_help = "Examples:
  dialer leads status --campaign campaigns/example.toml
  dialer leads status --campaign campaigns/example.toml --json

Leads by state: pending, in_flight and callback are open; done, dnc, max_attempts and invalid
are final. The campaign is finished when no lead is open.")]
struct Status {
    #[command(flatten)]
    campaign: CampaignArg,
    /// Print the counts as JSON
    #[arg(long)]
    json: bool,
}

#[derive(clap::Args)]
#[command(after_help = "Examples:
  dialer leads cdrs --campaign campaigns/example.toml --out out/live/cdr.csv
  dialer report out/live/cdr.csv")]
struct Cdrs {
    #[command(flatten)]
    campaign: CampaignArg,
    /// Where to write cdr.csv (default: standard output)
    #[arg(long, value_name = "FILE")]
    out: Option<PathBuf>,
}

impl Args {
    /// Runs the subcommand; `Ok(false)` when it ran but left some input out.
    pub fn exec(self) -> anyhow::Result<bool> {
        match self.command {
            LeadsCommand::Import(a) => a.exec(),
            LeadsCommand::Dnc(a) => a.exec(),
            LeadsCommand::Status(a) => a.exec().map(|()| true),
            LeadsCommand::Cdrs(a) => a.exec().map(|()| true),
        }
    }
}

impl CampaignArg {
    fn open(&self) -> anyhow::Result<(Campaign, Store)> {
        let campaign = campaign::load(&self.campaign)?;
        let store = Store::open(&campaign.store, campaign.store_rules())?;
        Ok((campaign, store))
    }
}

/// The wall clock, read here at the edge: the store takes time as an argument.
fn now() -> jiff::Timestamp {
    jiff::Timestamp::now()
}

fn open_input(file: &Path) -> anyhow::Result<(std::fs::File, u64)> {
    let f = std::fs::File::open(file).with_context(|| {
        format!("{}: cannot open (fix: check the path and that the file is readable)", file.display())
    })?;
    let size = f.metadata().map(|m| m.len()).unwrap_or(0);
    Ok((f, size))
}

/// A bar of bytes read, drawn on standard error for files over a megabyte (indicatif draws
/// nothing when standard error is not a terminal).
fn byte_bar(size: u64) -> indicatif::ProgressBar {
    if size < 1 << 20 {
        return indicatif::ProgressBar::hidden();
    }
    let bar = indicatif::ProgressBar::new(size);
    // A static template: parsing it cannot fail.
    let style = indicatif::ProgressStyle::with_template("importing [{bar:40}] {bytes}/{total_bytes} ({eta})")
        .expect("static template");
    bar.set_style(style.progress_chars("=> "));
    bar
}

fn write_report(path: &Path, rows: &[RowNote]) -> anyhow::Result<()> {
    let report = dialer::store::ImportReport { rows: rows.to_vec(), ..Default::default() };
    let file = std::fs::File::create(path).with_context(|| format!("{}: cannot write the report", path.display()))?;
    report.write_csv(std::io::BufWriter::new(file))?.flush()?;
    Ok(())
}

fn print_rows(out: &mut impl Write, rows: &[RowNote]) -> std::io::Result<()> {
    for row in rows {
        writeln!(out, "line {}: {} {:?}: {}", row.line, row.problem.as_str(), row.value, row.reason)?;
    }
    Ok(())
}

impl Import {
    fn exec(self) -> anyhow::Result<bool> {
        let (campaign, mut store) = self.campaign.open()?;
        let (input, size) = open_input(&self.file)?;
        let bar = byte_bar(size);
        let name = self.file.display().to_string();
        let report = store
            .import_leads(BufReader::new(input), &name, &campaign.numbering, now(), &mut |b| bar.set_position(b))?;
        bar.finish_and_clear();
        let mut out = std::io::stdout().lock();
        print_rows(&mut out, &report.rows)?;
        if !report.ignored_columns.is_empty() {
            writeln!(out, "ignored columns: {}", report.ignored_columns.join(", "))?;
        }
        writeln!(
            out,
            "{name}: imported {}, duplicates {}, malformed {}, on the do-not-call list {} (into {})",
            report.imported,
            report.duplicates,
            report.malformed,
            report.on_dnc,
            store.path().display()
        )?;
        if let Some(path) = &self.report {
            write_report(path, &report.rows)?;
        }
        Ok(report.malformed == 0)
    }
}

impl Dnc {
    fn exec(self) -> anyhow::Result<bool> {
        let (campaign, mut store) = self.campaign.open()?;
        let (input, _) = open_input(&self.file)?;
        let name = self.file.display().to_string();
        let report = store.import_dnc(BufReader::new(input), &name, &campaign.numbering, now())?;
        let mut out = std::io::stdout().lock();
        print_rows(&mut out, &report.rows)?;
        writeln!(
            out,
            "{name}: added {}, already listed {}, malformed {}, leads ended {}",
            report.added, report.already, report.malformed, report.leads_ended
        )?;
        if let Some(path) = &self.report {
            write_report(path, &report.rows)?;
        }
        Ok(report.malformed == 0)
    }
}

impl Status {
    fn exec(self) -> anyhow::Result<()> {
        let (campaign, store) = self.campaign.open()?;
        let summary = store.summary()?;
        let mut out = std::io::stdout().lock();
        if self.json {
            writeln!(out, "{}", serde_json::to_string_pretty(&json(&campaign, &summary))?)?;
        } else {
            writeln!(out, "campaign {} ({})", campaign.name, store.path().display())?;
            for state in LeadState::ALL {
                writeln!(out, "  {:<13} {:>9}", state.as_str(), summary.count(state))?;
            }
            writeln!(out, "  {:<13} {:>9}", "total", summary.total())?;
            writeln!(
                out,
                "attempts {}, do-not-call numbers {}, callbacks scheduled {}; {}",
                summary.attempts,
                summary.dnc_numbers,
                summary.open_callbacks,
                if summary.is_finished() { "finished" } else { "open" }
            )?;
        }
        Ok(())
    }
}

fn json(campaign: &Campaign, s: &Summary) -> serde_json::Value {
    let leads: serde_json::Map<String, serde_json::Value> =
        LeadState::ALL.iter().map(|st| (st.as_str().to_owned(), s.count(*st).into())).collect();
    serde_json::json!({
        "campaign": campaign.name,
        "store": campaign.store.display().to_string(),
        "leads": leads,
        "total": s.total(),
        "attempts": s.attempts,
        "dnc_numbers": s.dnc_numbers,
        "open_callbacks": s.open_callbacks,
        "finished": s.is_finished(),
    })
}

impl Cdrs {
    fn exec(self) -> anyhow::Result<()> {
        let (_, store) = self.campaign.open()?;
        match &self.out {
            Some(path) => {
                if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
                }
                let file = std::fs::File::create(path).with_context(|| format!("{}: cannot write", path.display()))?;
                store.export_cdrs(std::io::BufWriter::new(file))?.flush()?;
            }
            None => {
                store.export_cdrs(std::io::stdout().lock())?.flush()?;
            }
        }
        Ok(())
    }
}
