//! `dialer run`: a live campaign. The work lives in `dialer::live::driver`; this file parses the
//! flags, opens the campaign and its store, runs the driver and writes the run's files.

use crate::flag_duration;
use anyhow::{Context, bail};
use dialer::live::agents::{AgentSide, Script, Scripted};
use dialer::live::desk::{Desk, DeskConfig};
use dialer::live::driver::{Driver, DriverConfig, RunRecords, Status};
use dialer::store::Store;
use reports::{AgentWriter, CdrWriter, MetricsBuilder};
use std::io::{BufWriter, Write};
use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;

#[derive(clap::Args)]
#[command(after_help = "Examples:
  dialer run campaigns/example.toml --out out/live
  dialer run campaigns/example.toml --for 8h --out out/monday
  dialer callee --listen 127.0.0.1:5080 --scenario s.toml --agents-to sip:127.0.0.1:5070 --agents-api 127.0.0.1:8089
  dialer run campaigns/example.toml --until-done --scripted-agents 3 --talk 3s --wrap 1s --out out/loopback

Dials the campaign's store (import leads first with `dialer leads import`) through its trunks,
paced by its [pacing], inside its calling windows, with its retry rules; answered calls are
screened by AMD and bridged to agents. A status line each second on standard error: calls
placed, ringing, talking; agents ready, talking, in wrap-up; the abandon rate so far against the
3% cap. SIGINT or SIGTERM stops dialing, lets calls in flight end (at most --drain), then exits 0.
After kill -9, the next start hangs up the calls left in flight and closes their records.
With --out DIR: cdr.csv and agents.csv (the simulator's formats), metrics.json (the same metrics
code) and plots (abandon, dial_level, agents, calls, occupancy; .svg and .png).
Agents' phones call in to the campaign's [agents] sip address and act through its HTTP/JSON api
(docs/agents.md). For runs with nobody at the phones, --scripted-agents N replaces the desk with
N agents that talk for --talk, wrap up for --wrap and give --dispositions in turn.
Exit codes: 0 ran and stopped cleanly, 2 bad input (campaign, store, addresses).")]
pub struct Args {
    /// The campaign file
    campaign: PathBuf,
    /// Directory for cdr.csv, agents.csv, metrics.json and plots (created if missing)
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
    /// Stop dialing after this long (e.g. 8h, 30m)
    #[arg(long = "for", value_name = "DURATION")]
    run_for: Option<String>,
    /// Stop dialing once every lead is in a final state
    #[arg(long)]
    until_done: bool,
    /// After stopping, wait at most this long for calls in flight to end
    #[arg(long, default_value = "60s")]
    drain: String,
    /// The local IP address SIP and RTP use (default: the one that routes to the first trunk)
    #[arg(long)]
    local_ip: Option<IpAddr>,
    /// OPTIONS keep-alive interval per trunk
    #[arg(long, default_value = "30s")]
    options_interval: String,
    /// Scripted agents instead of the desk: this many log in at the start
    #[arg(long, value_name = "N")]
    scripted_agents: Option<u32>,
    /// Scripted agents' talk time per call
    #[arg(long, default_value = "3s")]
    talk: String,
    /// Scripted agents' wrap-up time per call
    #[arg(long, default_value = "1s")]
    wrap: String,
    /// Scripted agents' dispositions, given in turn (callback asks to be called back 5 s later)
    #[arg(long, value_delimiter = ',', default_value = "sale")]
    dispositions: Vec<String>,
}

impl Args {
    pub fn exec(self) -> anyhow::Result<()> {
        let campaign = dialer::campaign::load(&self.campaign)?;
        let samples = dialer::media::wav::read(&campaign.abandon_message)
            .with_context(|| format!("{}: [campaign] abandon_message", self.campaign.display()))?;
        let store = Store::open(&campaign.store, campaign.store_rules())?;
        let Some(first) = campaign.trunks.first() else { bail!("{}: no [[trunks]]", self.campaign.display()) };
        let local_ip = match self.local_ip {
            Some(ip) => ip,
            None => route_to(&first.host, first.port)?,
        };
        let machine_message = match &campaign.machine_message {
            Some(path) => Some(Arc::from(
                dialer::media::wav::read(path)
                    .with_context(|| format!("{}: [campaign] machine_message", self.campaign.display()))?,
            )),
            None => None,
        };
        let amd = campaign.amd.unwrap_or_else(DriverConfig::default_amd);
        let config = DriverConfig {
            campaign,
            abandon_message: Arc::from(samples),
            machine_message,
            amd,
            local_ip,
            options_interval: flag_duration("options-interval", &self.options_interval)?,
            run_for: self.run_for.as_deref().map(|t| flag_duration("for", t)).transpose()?,
            until_done: self.until_done,
            drain: flag_duration("drain", &self.drain)?,
        };
        let name = config.campaign.name.clone();
        let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build()?;
        let records = match self.scripted_agents {
            Some(agents) => {
                let script = Script {
                    agents,
                    talk: flag_duration("talk", &self.talk)?,
                    wrap: flag_duration("wrap", &self.wrap)?,
                    dispositions: self.dispositions.clone(),
                    callback_in: std::time::Duration::from_secs(5),
                };
                runtime.block_on(async move { drive(config, store, Scripted::new(script)).await })?
            }
            None => {
                let endpoints = config.campaign.agents;
                runtime.block_on(async move {
                    let desk =
                        Desk::bind(DeskConfig { sip: endpoints.sip, api: endpoints.api }).await.with_context(|| {
                            format!(
                                "binding the agents' desk ([agents] sip = {}, api = {})",
                                endpoints.sip, endpoints.api
                            )
                        })?;
                    eprintln!(
                        "dialer: agents' desk: phones to sip:{}, API on http://{}",
                        desk.sip_addr(),
                        desk.api_addr()
                    );
                    drive(config, store, desk).await
                })?
            }
        };
        eprintln!(
            "dialer: stopped: {} calls this run, {} closed from the last run, {} left in flight",
            records.cdrs.len(),
            records.recovered,
            records.left_in_flight
        );
        if let Some(dir) = &self.out {
            write_outputs(dir, &name, &records)?;
            println!("wrote {}/{{cdr.csv, agents.csv, metrics.json}} and plots", dir.display());
        }
        Ok(())
    }
}

/// Runs the driver with `agents` until it stops.
async fn drive<A: AgentSide>(config: DriverConfig, store: Store, agents: A) -> anyhow::Result<RunRecords> {
    let name = config.campaign.name.clone();
    let driver = Driver::new(config, store, agents).await?;
    eprintln!("dialer: {name}: SIP on {}", driver.sip_addr());
    Ok(driver.run(shutdown(), print_status).await?)
}

/// The local address the kernel would use to reach `host:port` (no packet is sent).
fn route_to(host: &str, port: u16) -> anyhow::Result<IpAddr> {
    let socket = std::net::UdpSocket::bind("0.0.0.0:0").context("binding a UDP socket")?;
    socket
        .connect((host, port))
        .with_context(|| format!("no route to the first trunk {host}:{port} (fix: --local-ip)"))?;
    Ok(socket.local_addr()?.ip())
}

/// SIGINT or SIGTERM.
async fn shutdown() {
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending().await,
        }
    };
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        _ = term => {}
    }
}

fn print_status(s: &Status) {
    eprintln!(
        "{:>6}s  dials {:>5}  ringing {:>3}  talking {:>3} | agents ready {} talk {} wrap {} paused {} | abandon {:.1}% of {} live (cap {:.0}%) | trunks up {}{}",
        s.elapsed.as_secs(),
        s.dials,
        s.ringing,
        s.talking,
        s.agents_ready,
        s.agents_talk,
        s.agents_wrap,
        s.agents_paused,
        100.0 * s.abandon_rate(),
        s.live_answers,
        100.0 * reports::ABANDON_CAP,
        s.trunks_up,
        if s.stopping { " | stopping" } else { "" },
    );
}

/// cdr.csv, agents.csv, metrics.json and the run plots, as `dialer simulate` writes them.
fn write_outputs(dir: &Path, name: &str, records: &RunRecords) -> anyhow::Result<()> {
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    let origin = records.origin.unwrap_or_else(jiff::Timestamp::now);
    let create = |file: &str| -> anyhow::Result<BufWriter<std::fs::File>> {
        let path = dir.join(file);
        Ok(BufWriter::new(std::fs::File::create(&path).with_context(|| format!("creating {}", path.display()))?))
    };
    let mut metrics = MetricsBuilder::new().with_origin(origin);
    let mut cdrs = records.cdrs.clone();
    cdrs.sort_by_key(|c| (c.dial_time, c.call_id));
    let mut w = CdrWriter::new(create("cdr.csv")?, origin)?;
    for cdr in &cdrs {
        metrics.add_cdr(cdr);
        w.write(cdr)?;
    }
    w.finish()?.flush()?;
    let mut w = AgentWriter::new(create("agents.csv")?, origin)?;
    for interval in &records.intervals {
        metrics.add_interval(interval);
        w.write(interval)?;
    }
    w.finish()?.flush()?;
    let mut out = create("metrics.json")?;
    serde_json::to_writer_pretty(&mut out, &metrics.finish())?;
    writeln!(out)?;
    out.flush()?;
    reports::plot::write_run_plots(dir, name, reports::ABANDON_CAP)?;
    Ok(())
}
