//! `dialer callee`: the emulated customers' command line.

use crate::load::check_socket_buffer;
use anyhow::{Context, bail};
use dialer::sip::transaction::Config;
use dialer::sip::transport::DEFAULT_BUFFER_BYTES;
use sim::emulate::agents::{self, AgentsConfig, DispositionMix, local_ip_towards};
use sim::emulate::person::Limits;
use sim::emulate::record::Summary;
use sim::emulate::server::{CalleeConfig, run};
use std::io::Write;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Instant;

#[derive(clap::Args)]
#[command(after_help = "Examples:
  dialer callee --listen 127.0.0.1:5080 --scenario scenarios/reference-ratio2.toml
  dialer callee --listen 127.0.0.1:5080 --scenario tests/interop/callee-all-human.toml --calls 200 --out out/callee
  dialer callee --listen 0.0.0.0:5060 --scenario my.toml --by-number --duration 1h --seed 7

Every INVITE is a lead of the scenario's population, drawn as the simulator draws it: the n-th
INVITE is lead n, or with --by-number the Request-URI's numeric user part (so the dialer's lead n
meets the simulator's person n). Invalid numbers get 404, busy lines 486 after busy_after, no
answer 180 until the caller cancels (487); people and machines 180, then 200 after the ring time,
then a greeting over RTP (a short hello, or a long message ending with a beep). A person hangs up
when they hear no one within their patience after their greeting; a machine after --max-message.
It runs until SIGINT/SIGTERM, --duration or --calls ended calls, then hangs up what is left.
With --out DIR: calls.csv (one row per call) and summary.json.

With --agents-to sip:HOST:PORT and --agents-api HOST:PORT it also plays the scenario's agents
against a live dialer's desk (docs/agents.md): agent-1 … agent-N call in at their group's login
time, poll the agent API every 100 ms, talk for their drawn talk time when put in a call, hang up,
wrap up for their drawn wrap time with a disposition (20% sale, 5% callback an hour later, 2%
dnc_request, else no_sale), repeat, and hang up their phones at their logout time or when the
callee stops. Their counts go in the summary and, with --out, agents.csv:
  dialer callee --listen 127.0.0.1:5080 --scenario s.toml --agents-to sip:127.0.0.1:5070 --agents-api 127.0.0.1:8080
Exit codes: 0 ran and stopped cleanly, 2 bad input.")]
pub struct Args {
    /// Where to listen for SIP over UDP
    #[arg(long, default_value = "127.0.0.1:5060")]
    listen: SocketAddr,
    /// The scenario whose [population] answers
    #[arg(long, value_name = "FILE")]
    scenario: PathBuf,
    /// Override a scenario key (dotted path), e.g. --set population.human=0.5
    #[arg(long = "set", value_name = "KEY=VALUE")]
    set: Vec<String>,
    /// Seed of the people (default: the scenario's)
    #[arg(long)]
    seed: Option<u64>,
    /// Take the lead from the Request-URI's numeric user part instead of counting INVITEs
    #[arg(long)]
    by_number: bool,
    /// Where to bind the RTP socket (default: the SIP address's IP, any port)
    #[arg(long)]
    rtp: Option<SocketAddr>,
    /// Stop after this long (e.g. 60s, 1h)
    #[arg(long)]
    duration: Option<String>,
    /// Stop once this many calls have ended
    #[arg(long)]
    calls: Option<u64>,
    /// An answering machine hangs up this long after answering
    #[arg(long, default_value = "60s")]
    max_message: String,
    /// A person hangs up this long after answering, whatever happens
    #[arg(long, default_value = "1h")]
    max_call: String,
    /// A call nobody answers gets 480 after ringing this long
    #[arg(long, default_value = "5m")]
    max_ring: String,
    /// After stopping, wait at most this long for the calls we hang up
    #[arg(long, default_value = "2s")]
    drain: String,
    /// Write every SIP message sent and received, with timestamps, to FILE
    #[arg(long, value_name = "FILE")]
    trace: Option<PathBuf>,
    /// Directory for calls.csv and summary.json (created if missing)
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
    /// Print the summary as JSON instead of text
    #[arg(long)]
    json: bool,
    /// Receive and send buffer asked of the kernel for each socket, in bytes. Linux grants at
    /// most net.core.rmem_max / wmem_max: raise those (sysctl) to raise this beyond them
    #[arg(long, value_name = "BYTES", default_value_t = DEFAULT_BUFFER_BYTES)]
    socket_buffer: usize,
    /// Also run the scenario's agents: their phones call in to this desk (sip:HOST:PORT)
    #[arg(long, value_name = "SIP_URI", requires = "agents_api")]
    agents_to: Option<String>,
    /// The agent API the emulated agents use (HOST:PORT)
    #[arg(long, value_name = "HOST:PORT", requires = "agents_to")]
    agents_api: Option<SocketAddr>,
    /// With --agents-to: how long after the wrap-up an agent's `callback` asks to be called
    #[arg(long, value_name = "TIME", default_value = "1h", requires = "agents_to")]
    callback_after: String,
}

/// The desk's address in `sip:HOST:PORT` (a user part and parameters are allowed and ignored).
fn desk_addr(text: &str) -> anyhow::Result<SocketAddr> {
    let rest = text.strip_prefix("sip:").unwrap_or(text);
    let rest = rest.rsplit_once('@').map_or(rest, |(_, host)| host);
    let rest = rest.split(';').next().unwrap_or(rest);
    rest.parse().map_err(|_| {
        anyhow::anyhow!(
            "--agents-to `{text}` is not sip:IP:PORT (fix: give the desk's address, e.g. sip:127.0.0.1:5070)"
        )
    })
}

use crate::flag_duration as duration;

fn ms(flag: &str, text: &str) -> anyhow::Result<u64> {
    Ok(duration(flag, text)?.as_millis() as u64)
}

impl Args {
    fn config(&self) -> anyhow::Result<CalleeConfig> {
        let mut scenario = sim::scenario::load(&self.scenario, &self.set)?;
        if let Some(seed) = self.seed {
            scenario.seed = seed;
        }
        if self.calls == Some(0) {
            bail!("--calls 0 would stop before the first call (fix: give at least 1, or leave it out)");
        }
        check_socket_buffer(self.socket_buffer)?;
        let limits = Limits {
            max_ring_ms: ms("max-ring", &self.max_ring)?,
            max_message_ms: ms("max-message", &self.max_message)?,
            max_call_ms: ms("max-call", &self.max_call)?,
        };
        Ok(CalleeConfig {
            scenario,
            listen: self.listen,
            rtp: self.rtp.unwrap_or(SocketAddr::new(self.listen.ip(), 0)),
            by_number: self.by_number,
            duration: self.duration.as_deref().map(|d| duration("duration", d)).transpose()?,
            calls: self.calls,
            limits,
            drain: duration("drain", &self.drain)?,
            trace: self.trace.clone(),
            timers: Config::default(),
            buffer_bytes: self.socket_buffer,
        })
    }

    fn agents(&self) -> anyhow::Result<Option<AgentsConfig>> {
        let (Some(to), Some(api)) = (&self.agents_to, self.agents_api) else { return Ok(None) };
        let desk = desk_addr(to)?;
        let ip = local_ip_towards(desk).with_context(|| format!("no local address reaches the desk at {desk}"))?;
        let callback_after = crate::flag_duration("callback-after", &self.callback_after)?;
        Ok(Some(AgentsConfig { desk, api, ip, mix: DispositionMix { callback_after, ..DispositionMix::default() } }))
    }

    /// Runs the callee until it is stopped.
    pub fn exec(self) -> anyhow::Result<()> {
        let config = self.config()?;
        let agents_config = self.agents()?;
        let scenario = config.scenario.clone();
        let records = match &self.out {
            Some(dir) => {
                std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
                let path = dir.join("calls.csv");
                let file = std::fs::File::create(&path).with_context(|| format!("cannot write {}", path.display()))?;
                Some(csv::Writer::from_writer(std::io::BufWriter::new(file)))
            }
            None => None,
        };
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
        let summary = runtime
            .block_on(async {
                let stop = stop_signal();
                let (stop_agents, stopped) = tokio::sync::watch::channel(false);
                let agents = agents_config
                    .map(|cfg| tokio::spawn(async move { agents::run(&scenario, cfg, Instant::now(), stopped).await }));
                let result = run(
                    config,
                    |bound| eprintln!("dialer callee: listening on {} (SIP/UDP), RTP on {}", bound.sip, bound.rtp),
                    stop,
                    records,
                )
                .await;
                let _ = stop_agents.send(true);
                let records = match agents {
                    Some(task) => task.await.unwrap_or_default(),
                    None => Vec::new(),
                };
                result.map(|mut summary| {
                    summary.agents = records;
                    summary
                })
            })
            .context("the callee stopped")?;
        if let Some(dir) = &self.out
            && !summary.agents.is_empty()
        {
            let path = dir.join("agents.csv");
            let file = std::fs::File::create(&path).with_context(|| format!("cannot write {}", path.display()))?;
            agents::write_csv(&summary.agents, std::io::BufWriter::new(file))
                .with_context(|| format!("cannot write {}", path.display()))?;
        }
        if let Some(dir) = &self.out {
            let path = dir.join("summary.json");
            std::fs::write(&path, serde_json::to_string_pretty(&summary)? + "\n")
                .with_context(|| format!("cannot write {}", path.display()))?;
        }
        let mut out = std::io::stdout().lock();
        write_summary(&mut out, &summary, self.json)?;
        if let Some(dir) = &self.out {
            let agents = if summary.agents.is_empty() { "" } else { ", agents.csv" };
            writeln!(out, "wrote {}/{{calls.csv, summary.json{agents}}}", dir.display())?;
        }
        Ok(())
    }
}

fn write_summary(out: &mut impl Write, summary: &Summary, json: bool) -> anyhow::Result<()> {
    if json {
        serde_json::to_writer_pretty(&mut *out, summary)?;
        writeln!(out)?;
    } else {
        summary.write_text(out)?;
    }
    Ok(())
}

/// Resolves at SIGINT or SIGTERM.
async fn stop_signal() {
    use tokio::signal::unix::{SignalKind, signal};
    let mut term = signal(SignalKind::terminate()).ok();
    let terminate = async {
        match term.as_mut() {
            Some(t) => {
                t.recv().await;
            }
            None => std::future::pending::<()>().await,
        }
    };
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        _ = terminate => {}
    }
}
