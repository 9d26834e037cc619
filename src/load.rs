//! `dialer load`: the SIP load generator's command line.

use anyhow::{Context, bail};
use dialer::sip::auth::Credentials;
use dialer::sip::message::parse_uri;
use dialer::sip::transaction::Config;
use dialer::sip::transport::{DEFAULT_BUFFER_BYTES, MAX_BUFFER_BYTES, buffer_caps};
use reports::load::{LoadReport, load_plots, write_per_second};
use sim::dist::Dist;
use sim::load::engine::{LoadConfig, run};
use sim::load::numbers::read_numbers;
use sim::load::stats::LoadStats;
use std::io::{IsTerminal, Write};
use std::net::{SocketAddr, ToSocketAddrs};
use std::path::PathBuf;
use std::time::Duration;

#[derive(clap::Args)]
#[command(after_help = "Examples:
  dialer load sip:load@127.0.0.1:5060 --rate 100 --calls 1000
  dialer load sip:load@127.0.0.1:5060 --rate 500 --ramp 10s --duration 60s --hold exp:30s --max-concurrent 20000
  dialer load sip:load@127.0.0.1:5060 --rate 50 --calls 500 --auth loadtest:s3cret --out out/load
  dialer load sip:127.0.0.1:5060 --numbers numbers.csv --cancel-share 0.1 --reinvite-share 0.2 --calls 1000

It always stops by itself: after --calls calls or --duration, whichever comes first (one of them is
required), then waits at most --drain for calls in progress. A status line each second on stderr;
the final report (calls by code, ASR, NER, retransmissions, latency percentiles) on stdout.
--hold takes a duration (0s, 30s) or a distribution: exp:30s, lognormal:180s:90s, uniform:10s:60s.
--numbers: a CSV with the header `number` or `number,user,password` (one call per row, in turn).
Outputs (with --out DIR): load.json, per_second.csv, rate.{svg,png}, latency.{svg,png}.
Exit codes: 0 every call went as asked, 1 some calls failed or timed out, 2 bad input.")]
pub struct Args {
    /// The SIP URI to call, e.g. sip:load@127.0.0.1:5060 (requests go to its host and port)
    target: String,
    /// Calls started per second, once ramped up
    #[arg(long, default_value_t = 10.0)]
    rate: f64,
    /// Ramp the rate up linearly from 0 over this long
    #[arg(long, default_value = "0s")]
    ramp: String,
    /// Stop after starting this many calls
    #[arg(long)]
    calls: Option<u64>,
    /// Stop starting calls after this long (e.g. 60s, 5m)
    #[arg(long)]
    duration: Option<String>,
    /// At most this many calls in progress at once (starts wait meanwhile)
    #[arg(long)]
    max_concurrent: Option<u64>,
    /// How long to hold an answered call before hanging up: 0s, 30s, exp:30s, lognormal:180s:90s, uniform:10s:60s
    #[arg(long, default_value = "0s")]
    hold: String,
    /// Transport: udp, or tcp (one connection to the target, framed by Content-Length)
    #[arg(long, default_value = "udp")]
    transport: String,
    /// Answer digest challenges (401/407) as USER:PASSWORD
    #[arg(long, value_name = "USER:PASSWORD")]
    auth: Option<String>,
    /// CSV of numbers to call (header `number` or `number,user,password`)
    #[arg(long, value_name = "FILE")]
    numbers: Option<PathBuf>,
    /// Share of calls cancelled while ringing (0–1)
    #[arg(long, default_value_t = 0.0)]
    cancel_share: f64,
    /// Share of answered calls re-INVITEd halfway through the hold (0–1)
    #[arg(long, default_value_t = 0.0)]
    reinvite_share: f64,
    /// Cancel a call not answered after this long
    #[arg(long, default_value = "60s")]
    ring_timeout: String,
    /// After the last call starts, wait at most this long for calls in progress
    #[arg(long, default_value = "40s")]
    drain: String,
    /// Local address to bind (port 0: any free port)
    #[arg(long, default_value = "127.0.0.1:0")]
    local: SocketAddr,
    /// Send and receive G.711 RTP (20 ms frames of synthetic speech) during the hold; RTP uses the SIP port + 2
    #[arg(long)]
    media: bool,
    /// Write every SIP message sent and received, with timestamps, to FILE
    #[arg(long, value_name = "FILE")]
    trace: Option<PathBuf>,
    /// Seed of the call mix and hold times
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// RFC 3261 timer T1 (retransmission base)
    #[arg(long, default_value = "500ms")]
    t1: String,
    /// RFC 3261 timer T2 (retransmission cap)
    #[arg(long, default_value = "4s")]
    t2: String,
    /// Directory for load.json, per_second.csv and the plots (created if missing)
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
    /// Print load.json on stdout instead of the report table
    #[arg(long)]
    json: bool,
    /// Receive and send buffer asked of the kernel for each socket, in bytes. Linux grants at
    /// most net.core.rmem_max / wmem_max: raise those (sysctl) to raise this beyond them
    #[arg(long, value_name = "BYTES", default_value_t = DEFAULT_BUFFER_BYTES)]
    socket_buffer: usize,
}

use crate::flag_duration as duration;

/// `--socket-buffer` must hold at least one datagram of the largest size (less is a typo), and
/// fit the socket option's C `int` (more would wrap to the kernel's minimum).
pub(crate) fn check_socket_buffer(bytes: usize) -> anyhow::Result<()> {
    if bytes < 65_536 {
        bail!(
            "--socket-buffer {bytes} is too small to hold one large datagram (fix: give at least 65536, e.g. 4194304)"
        );
    }
    if bytes > MAX_BUFFER_BYTES {
        bail!(
            "--socket-buffer {bytes} is more than a socket can be asked for (fix: give at most {MAX_BUFFER_BYTES}, e.g. 33554432)"
        );
    }
    Ok(())
}

fn share(flag: &str, value: f64) -> anyhow::Result<f64> {
    if !(0.0..=1.0).contains(&value) {
        bail!("--{flag} {value} is not a share (fix: give a number from 0 to 1, e.g. 0.1)");
    }
    Ok(value)
}

impl Args {
    fn config(&self) -> anyhow::Result<LoadConfig> {
        let parsed = parse_uri(&self.target).map_err(|e| {
            anyhow::anyhow!("the target {:?} is not a SIP URI: {e} (fix: write it as sip:user@host:port)", self.target)
        })?;
        let host = parsed.uri.host_with_port.host.to_string();
        let port = parsed.uri.host_with_port.port.map_or(5060, |p| *p.value());
        let host = host.trim_start_matches('[').trim_end_matches(']').to_owned();
        let target_addr = (host.as_str(), port)
            .to_socket_addrs()
            .with_context(|| format!("cannot resolve the target's host {host:?}"))?
            .next()
            .with_context(|| format!("the target's host {host:?} has no address"))?;
        let tcp = match self.transport.as_str() {
            "udp" => false,
            "tcp" => true,
            other => bail!("--transport {other}: not a transport (fix: give udp or tcp)"),
        };
        if !(self.rate > 0.0 && self.rate.is_finite()) {
            bail!("--rate {} must be above 0 (fix: give calls per second, e.g. 100)", self.rate);
        }
        if self.calls.is_none() && self.duration.is_none() {
            bail!("a load test must be bounded (fix: give --calls N or --duration TIME, e.g. --calls 1000)");
        }
        if self.calls == Some(0) {
            bail!("--calls 0 places no call (fix: give at least 1)");
        }
        check_socket_buffer(self.socket_buffer)?;
        let hold: Dist = self.hold.parse().map_err(|e| anyhow::anyhow!("--hold: {e}"))?;
        let auth = match &self.auth {
            Some(text) => {
                let Some((user, password)) = text.split_once(':') else {
                    bail!("--auth {text:?} has no colon (fix: write USER:PASSWORD)");
                };
                if user.is_empty() {
                    bail!("--auth has an empty user (fix: write USER:PASSWORD)");
                }
                Some(Credentials { username: user.to_owned(), password: password.to_owned() })
            }
            None => None,
        };
        let numbers = match &self.numbers {
            Some(file) => read_numbers(file)?,
            None => Vec::new(),
        };
        let t1 = duration("t1", &self.t1)?;
        let t2 = duration("t2", &self.t2)?;
        let timers =
            Config { t1_ms: t1.as_millis() as u64, t2_ms: t2.as_millis() as u64, seed: self.seed, ..Config::default() };
        Ok(LoadConfig {
            target: self.target.clone(),
            target_addr,
            local: self.local,
            rate: self.rate,
            ramp: duration("ramp", &self.ramp)?,
            calls: self.calls,
            duration: self.duration.as_deref().map(|d| duration("duration", d)).transpose()?,
            max_concurrent: self.max_concurrent,
            hold,
            auth,
            numbers,
            cancel_share: share("cancel-share", self.cancel_share)?,
            reinvite_share: share("reinvite-share", self.reinvite_share)?,
            ring_timeout: duration("ring-timeout", &self.ring_timeout)?,
            drain: duration("drain", &self.drain)?,
            trace: self.trace.clone(),
            seed: self.seed,
            timers,
            buffer_bytes: self.socket_buffer,
            tcp,
            media: self.media,
        })
    }

    /// Runs the test; `Ok(true)` when no call failed or timed out.
    pub fn exec(self) -> anyhow::Result<bool> {
        let config = self.config()?;
        // Below a thousand calls a second small buffers keep up; from there on, say when the
        // kernel will grant less than asked. (Where the caps cannot be read, e.g. in a container
        // on an older kernel, the report's `socket buffers` line still says what was granted.)
        if !config.tcp
            && self.rate >= 1000.0
            && let Some((rmem, wmem)) = buffer_caps()
            && rmem.min(wmem) < self.socket_buffer
        {
            let asked = self.socket_buffer;
            let default = if asked == DEFAULT_BUFFER_BYTES { " (the default)" } else { "" };
            eprintln!(
                "dialer load: --socket-buffer {asked}{default} is above the kernel's caps (net.core.rmem_max = {rmem}, \
                 wmem_max = {wmem}), which it grants instead. At 1000 calls/s and more a small buffer overflows whenever \
                 a process falls behind, and every datagram dropped is a retransmission (fix: sysctl -w \
                 net.core.rmem_max={asked} net.core.wmem_max={asked}, as root, here and where the far end runs)"
            );
        }
        if let Some(dir) = &self.out {
            std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
        }
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
        let tty = std::io::stderr().is_terminal();
        let outcome = runtime
            .block_on(run(config, |stats, elapsed| status_line(stats, elapsed, tty)))
            .context("the load test stopped")?;
        if tty {
            eprintln!();
        }
        let report = &outcome.report;
        if let Some(dir) = &self.out {
            write_json(&dir.join("load.json"), report)?;
            let path = dir.join("per_second.csv");
            let file = std::fs::File::create(&path).with_context(|| format!("cannot write {}", path.display()))?;
            write_per_second(std::io::BufWriter::new(file), &outcome.rows)?;
            for (stem, chart) in load_plots(report, &outcome.rows) {
                reports::plot::write(dir, stem, &reports::plot::render(&chart)?)?;
            }
        }
        let mut out = std::io::stdout().lock();
        if self.json {
            serde_json::to_writer_pretty(&mut out, report)?;
            writeln!(out)?;
        } else {
            write_report(&mut out, report)?;
            if let Some(dir) = &self.out {
                writeln!(
                    out,
                    "\nwrote {}/{{load.json, per_second.csv, rate.svg, rate.png, latency.svg, latency.png}}",
                    dir.display()
                )?;
            }
        }
        Ok(report.calls.failed == 0 && report.calls.timed_out == 0)
    }
}

fn write_json(path: &std::path::Path, report: &LoadReport) -> anyhow::Result<()> {
    let text = serde_json::to_string_pretty(report)? + "\n";
    reports::plot::write_atomically(path, text.as_bytes()).with_context(|| format!("cannot write {}", path.display()))
}

/// The live line: one a second, overwritten in place on a terminal.
fn status_line(stats: &LoadStats, elapsed: Duration, tty: bool) {
    let r = stats.report();
    let last = stats.rows().last().copied().unwrap_or_default();
    let drops = r.socket.as_ref().map_or(String::new(), |s| format!("  {:>6} drops", s.host_receive_buffer_drops));
    let line = format!(
        "{:>5.0} s  {:>7} calls  {:>7.0} calls/s  {:>6} in flight  {:>7} answered  {:>5} failed  {:>5} timed out  {:>6} retrans{drops}",
        elapsed.as_secs_f64(),
        r.calls.attempted,
        last.cps,
        stats.in_flight(),
        r.calls.answered,
        r.calls.failed,
        r.calls.timed_out,
        r.retransmissions,
    );
    if tty {
        eprint!("\r{line}");
    } else {
        eprintln!("{line}");
    }
}

fn write_report(out: &mut impl Write, r: &LoadReport) -> std::io::Result<()> {
    let c = &r.calls;
    writeln!(out, "load test of {} over {} ({:.1} s)", r.target, r.transport.to_uppercase(), r.duration_s)?;
    writeln!(
        out,
        "calls: {} attempted, {} answered, {} failed, {} timed out, {} cancelled, {} re-INVITEd, {} hung up by the far end",
        c.attempted, c.answered, c.failed, c.timed_out, c.cancelled, c.reinvited, c.remote_hangups
    )?;
    let codes: Vec<String> = c.by_code.iter().map(|(code, n)| format!("{code}: {n}")).collect();
    writeln!(out, "final codes: {}", if codes.is_empty() { "none".to_owned() } else { codes.join(", ") })?;
    writeln!(
        out,
        "rate: {:.1} calls/s asked, {:.1} reached; peak {} calls at once",
        r.rate.target_cps, r.rate.achieved_cps, r.concurrent.peak
    )?;
    writeln!(out, "ASR {:.1}%  NER {:.1}%  mean hold {:.1} s", r.asr * 100.0, r.ner * 100.0, r.acd_s)?;
    writeln!(
        out,
        "messages: {} sent, {} received, {} retransmissions, {} malformed, {} stray",
        r.messages.sent, r.messages.received, r.retransmissions, r.messages.malformed, r.messages.stray
    )?;
    if let Some(s) = &r.socket {
        writeln!(out, "{}", s.describe())?;
        if s.host_receive_buffer_drops > 0 && r.retransmissions > 0 {
            let rtp = if r.media.is_some() { " (with --media, RTP's drops count too)" } else { "" };
            writeln!(
                out,
                "  those drops are the likely cause of the retransmissions{rtp}: a process fell behind and its socket buffer \
                 overflowed (fix: a larger --socket-buffer here and at the far end, with net.core.rmem_max raised to match, \
                 or a lower --rate)"
            )?;
        }
    }
    if let Some(m) = &r.media {
        writeln!(
            out,
            "RTP: {} packets sent, {} received, {} lost, jitter mean {:.2} ms, max {:.2} ms",
            m.packets_sent, m.packets_received, m.packets_lost, m.mean_jitter_ms, m.max_jitter_ms
        )?;
    }
    writeln!(out, "latency (ms)          count      p50      p95      p99      max")?;
    let l = &r.latency_ms;
    for (name, q) in [
        ("INVITE → first 1xx", l.first_provisional),
        ("INVITE → 180", l.ringing),
        ("INVITE → 200", l.answer),
        ("BYE → 200", l.bye),
    ] {
        writeln!(out, "  {name:<18} {:>8} {:>8.2} {:>8.2} {:>8.2} {:>8.2}", q.count, q.p50, q.p95, q.p99, q.max)?;
    }
    writeln!(
        out,
        "generator: {:.2} s CPU, {:.1} µs per call, peak RSS {} KiB",
        r.cpu_s, r.cpu_us_per_call, r.peak_rss_kib
    )
}
