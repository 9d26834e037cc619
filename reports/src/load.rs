//! The record of a SIP load test (`dialer load`): `load.json`, `per_second.csv` and its plots.
//!
//! These are contracts (DESIGN.md, "Output of a load test"): scripts read `load.json` by its
//! keys, so fields are added, never renamed. The generator fills a [`LoadReport`] and a
//! [`PerSecond`] row each second; this module writes them and draws them, so a run's files can
//! be re-plotted or compared without the generator.

use crate::plot::{Guide, Line, LineChart, Stroke};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::io::Write;

/// Everything `load.json` holds.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct LoadReport {
    /// The target, as given.
    pub target: String,
    /// `udp` or `tcp`.
    pub transport: String,
    /// Call counts by how they ended.
    pub calls: Calls,
    /// Requests the generator retransmitted (UDP): a sign of loss or of a slow server, not of
    /// failed calls.
    pub retransmissions: u64,
    /// Rates asked for and reached.
    pub rate: Rate,
    /// Calls in progress at once.
    pub concurrent: Concurrent,
    /// Latencies in milliseconds from the INVITE (or BYE) sent to the response received.
    pub latency_ms: Latencies,
    /// Answer-seizure ratio: answered / attempted.
    pub asr: f64,
    /// Network effectiveness ratio: (answered + busy + no answer + user rejected) / attempted,
    /// the calls the network delivered to the user, whatever the user did (ITU-T E.425).
    pub ner: f64,
    /// Mean held duration of answered calls, seconds (from the 200 to the BYE's response).
    pub acd_s: f64,
    /// Wall-clock duration of the run, seconds.
    pub duration_s: f64,
    /// The generator's CPU time (user + system), seconds.
    pub cpu_s: f64,
    /// CPU time per attempted call, microseconds.
    pub cpu_us_per_call: f64,
    /// The generator's peak resident memory, KiB.
    pub peak_rss_kib: u64,
    /// What the transport saw.
    pub messages: Messages,
    /// RTP figures, when `--media` was on.
    pub media: Option<Media>,
    /// The generator's UDP socket and the kernel's drops while the run lasted: `null` over TCP
    /// and where the system does not tell; absent in files written before it was added.
    #[serde(default)]
    pub socket: Option<SocketFigures>,
}

/// The UDP socket's buffers and the kernel's drops: with a busy generator or server, datagrams
/// dropped at a full receive buffer are the usual cause of retransmissions on loopback.
///
/// The kernel's counts are for the whole network namespace, which is the whole host unless the
/// program runs in a container: the far end's drops count too when it runs on the same machine,
/// and so do other programs', RTP's included (`--media`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct SocketFigures {
    /// Receive buffer asked for (`--socket-buffer`), bytes.
    pub asked_bytes: u64,
    /// Receive buffer the kernel granted, bytes (at most `net.core.rmem_max`, for root too).
    pub receive_buffer_bytes: u64,
    /// Send buffer the kernel granted, bytes (at most `net.core.wmem_max`).
    pub send_buffer_bytes: u64,
    /// UDP datagrams the kernel dropped at a full receive buffer during the run
    /// (`RcvbufErrors`, IPv4 and IPv6), host-wide.
    pub host_receive_buffer_drops: u64,
    /// UDP sends the kernel refused at a full send buffer during the run (`SndbufErrors`),
    /// host-wide. A non-blocking socket's `EAGAIN` counts too, and our endpoints queue and retry
    /// those: a count here is a sign of pressure, not of lost messages.
    pub host_send_buffer_errors: u64,
}

impl SocketFigures {
    /// One line for a report: `socket buffers: 4 MiB receive, 4 MiB send (4 MiB asked); on this
    /// host during the run: 0 UDP datagrams dropped at full receive buffers, 0 sends refused at
    /// full send buffers`.
    pub fn describe(&self) -> String {
        format!(
            "socket buffers: {} receive, {} send ({} asked); on this host during the run: {} UDP datagrams dropped at full receive buffers, {} sends refused at full send buffers",
            size(self.receive_buffer_bytes),
            size(self.send_buffer_bytes),
            size(self.asked_bytes),
            self.host_receive_buffer_drops,
            self.host_send_buffer_errors
        )
    }
}

/// A buffer size as people write it: whole MiB or KiB when it is one, else bytes.
fn size(bytes: u64) -> String {
    match bytes {
        b if b >= 1 << 20 && b % (1 << 20) == 0 => format!("{} MiB", b >> 20),
        b if b >= 1 << 10 && b % (1 << 10) == 0 => format!("{} KiB", b >> 10),
        b => format!("{b} B"),
    }
}

/// Calls by how they ended.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Calls {
    /// INVITEs sent (first transmissions).
    pub attempted: u64,
    /// Calls answered (2xx to the INVITE).
    pub answered: u64,
    /// Calls that ended with a final response of 300 or more that the call mix did not ask
    /// for, or a transport error: what a QA engineer must look at.
    pub failed: u64,
    /// Calls whose INVITE or BYE got no final response in time (timer B or F).
    pub timed_out: u64,
    /// Calls the mix cancelled while ringing (`--cancel-share`), ended by 487 as asked.
    pub cancelled: u64,
    /// Answered calls re-INVITEd during the hold (`--reinvite-share`).
    pub reinvited: u64,
    /// Calls the far end hung up (a BYE received).
    pub remote_hangups: u64,
    /// Final response code to the INVITE → count (`"200"`, `"486"`, …).
    pub by_code: BTreeMap<String, u64>,
}

/// Rates asked for and reached.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Rate {
    /// The steady rate asked for, calls per second.
    pub target_cps: f64,
    /// Attempted calls per second over the time calls were being started (after the ramp).
    pub achieved_cps: f64,
}

/// Calls in progress at once.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Concurrent {
    /// The most calls in progress at one moment.
    pub peak: u64,
    /// The cap asked for, if any.
    pub max: Option<u64>,
}

/// The latency distributions of a load test.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Latencies {
    /// INVITE → first provisional response (usually 100 Trying).
    pub first_provisional: Quantiles,
    /// INVITE → 180 Ringing.
    pub ringing: Quantiles,
    /// INVITE → 200 OK.
    pub answer: Quantiles,
    /// BYE → its 200 OK.
    pub bye: Quantiles,
}

/// Percentiles of one latency, milliseconds (0 when nothing was measured; see `count`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Quantiles {
    /// How many were measured.
    pub count: u64,
    /// Mean.
    pub mean: f64,
    /// Median.
    pub p50: f64,
    /// 95th percentile.
    pub p95: f64,
    /// 99th percentile.
    pub p99: f64,
    /// The largest.
    pub max: f64,
}

/// Transport counts.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Messages {
    /// SIP messages sent (retransmissions included).
    pub sent: u64,
    /// SIP messages received.
    pub received: u64,
    /// Datagrams or stream data that did not parse as SIP, counted and dropped.
    pub malformed: u64,
    /// Datagrams over the size limit, counted and dropped.
    pub oversized: u64,
    /// Responses that matched no transaction (late retransmissions of a final response).
    pub stray: u64,
}

/// RTP figures over all calls.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Media {
    /// RTP packets sent.
    pub packets_sent: u64,
    /// RTP packets received.
    pub packets_received: u64,
    /// Packets expected but not received (RFC 3550 cumulative loss, summed over streams).
    pub packets_lost: u64,
    /// Mean over streams of the RFC 3550 interarrival jitter at the end of the call, ms.
    pub mean_jitter_ms: f64,
    /// The largest stream jitter seen, ms.
    pub max_jitter_ms: f64,
}

/// One second of a load test: a row of `per_second.csv`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct PerSecond {
    /// Seconds since the start (the row covers [second, second + 1)).
    pub second: u64,
    /// INVITEs first sent this second.
    pub attempted: u64,
    /// 2xx answers received this second.
    pub answered: u64,
    /// Calls failed or timed out this second.
    pub failed: u64,
    /// Calls in progress at the end of the second.
    pub in_flight: u64,
    /// Calls started per second over this second (= attempted; kept for scripts).
    pub cps: f64,
    /// Retransmissions sent this second.
    pub retransmissions: u64,
    /// Median INVITE → 200 latency of the answers this second, ms (empty when none).
    pub answer_p50_ms: Option<f64>,
    /// 99th percentile of the same, ms.
    pub answer_p99_ms: Option<f64>,
}

/// Writes `per_second.csv`, header first.
pub fn write_per_second<W: Write>(out: W, rows: &[PerSecond]) -> Result<(), csv::Error> {
    let mut w = csv::Writer::from_writer(out);
    for row in rows {
        w.serialize(row)?;
    }
    w.flush()?;
    Ok(())
}

/// Reads `per_second.csv` back (to re-plot or compare a run).
pub fn read_per_second<R: std::io::Read>(input: R) -> Result<Vec<PerSecond>, csv::Error> {
    csv::Reader::from_reader(input).deserialize().collect()
}

/// The load test's plots, each with its file stem:
/// - `rate`: calls attempted, answered and failed per second, and calls in flight;
/// - `latency`: the INVITE → 200 latency per second (median and 99th percentile), with the
///   run's p99 of each latency as guides.
pub fn load_plots(report: &LoadReport, rows: &[PerSecond]) -> Vec<(&'static str, LineChart)> {
    let series = |f: fn(&PerSecond) -> Option<f64>| -> Vec<(f64, Option<f64>)> {
        rows.iter().map(|r| (r.second as f64 + 0.5, f(r))).collect()
    };
    let line = |name: &str, points, stroke| Line { name: name.to_owned(), points, stroke };
    let subject = format!("{} over {}", report.target, report.transport.to_uppercase());
    let rate = LineChart {
        title: format!("Load test: calls per second ({subject})"),
        caption: vec![
            format!(
                "Target {} calls/s; reached {:.0} calls/s. Attempted = INVITEs first sent; failed = final response ≥ 300 not asked for, or a timeout.",
                report.rate.target_cps, report.rate.achieved_cps
            ),
            "In flight = calls started and not yet ended, at the end of each second (right-hand scale is the same)."
                .to_owned(),
        ],
        x_label: "time (seconds since the start)".to_owned(),
        y_label: "calls per second / calls in flight".to_owned(),
        lines: vec![
            line("in flight", series(|r| Some(r.in_flight as f64)), Stroke::Thin(3)),
            line("attempted", series(|r| Some(r.attempted as f64)), Stroke::Solid(0)),
            line("answered", series(|r| Some(r.answered as f64)), Stroke::Dashed(2)),
            line("failed", series(|r| Some(r.failed as f64)), Stroke::Solid(1)),
        ],
        guides: vec![Guide { label: format!("target {} calls/s", report.rate.target_cps), y: report.rate.target_cps }],
        y_from: Some(0.0),
        y_at_least: None,
        size: (1200, 600),
    };
    let l = &report.latency_ms;
    let mut guides = Vec::new();
    if l.answer.count > 0 {
        guides.push(Guide { label: format!("p99 over the run: {:.1} ms", l.answer.p99), y: l.answer.p99 });
    }
    let others: Vec<String> =
        [("INVITE → first response", l.first_provisional), ("INVITE → 180", l.ringing), ("BYE → 200", l.bye)]
            .iter()
            .filter(|(_, q)| q.count > 0)
            .map(|(name, q)| format!("{name} p50 {:.2} / p99 {:.2} ms", q.p50, q.p99))
            .collect();
    let latency = LineChart {
        title: format!("Load test: answer latency ({subject})"),
        caption: vec![
            "Time from sending the INVITE to receiving its 200 OK, for the calls answered in each second. \
             It includes the ring time the callee chose."
                .to_owned(),
            format!(
                "Dashed: its 99th percentile over the whole run. Other latencies over the run: {}.",
                if others.is_empty() { "none".to_owned() } else { others.join("; ") }
            ),
        ],
        x_label: "time (seconds since the start)".to_owned(),
        y_label: "latency (ms)".to_owned(),
        lines: vec![
            line("p50 per second", series(|r| r.answer_p50_ms), Stroke::Solid(0)),
            line("p99 per second", series(|r| r.answer_p99_ms), Stroke::Solid(1)),
        ],
        guides,
        y_from: Some(0.0),
        y_at_least: None,
        size: (1200, 600),
    };
    vec![("rate", rate), ("latency", latency)]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn per_second_rows_round_trip_through_csv_with_empty_latencies() {
        let rows = vec![
            PerSecond { second: 0, attempted: 10, cps: 10.0, in_flight: 10, ..Default::default() },
            PerSecond {
                second: 1,
                attempted: 10,
                answered: 9,
                failed: 1,
                in_flight: 10,
                cps: 10.0,
                retransmissions: 2,
                answer_p50_ms: Some(1.5),
                answer_p99_ms: Some(3.25),
            },
        ];
        let mut bytes = Vec::new();
        write_per_second(&mut bytes, &rows).expect("writes to memory");
        let text = String::from_utf8(bytes.clone()).expect("utf-8");
        assert!(text.starts_with(
            "second,attempted,answered,failed,in_flight,cps,retransmissions,answer_p50_ms,answer_p99_ms\n"
        ));
        assert!(text.contains("\n0,10,0,0,10,10.0,0,,\n"), "{text}");
        assert_eq!(read_per_second(&bytes[..]).expect("reads back"), rows);
    }

    #[test]
    fn load_json_has_the_keys_scripts_rely_on() {
        let mut report = LoadReport::default();
        report.calls.by_code.insert("200".into(), 5);
        let json = serde_json::to_value(&report).expect("serialises");
        for key in [
            "/calls/attempted",
            "/calls/answered",
            "/calls/failed",
            "/calls/timed_out",
            "/calls/by_code/200",
            "/retransmissions",
            "/rate/target_cps",
            "/rate/achieved_cps",
            "/concurrent/peak",
            "/latency_ms/first_provisional/p50",
            "/latency_ms/ringing/p95",
            "/latency_ms/answer/p99",
            "/latency_ms/bye/max",
            "/asr",
            "/ner",
            "/acd_s",
            "/cpu_s",
            "/cpu_us_per_call",
            "/peak_rss_kib",
        ] {
            assert!(json.pointer(key).is_some(), "load.json lacks {key}");
        }
    }

    #[test]
    fn a_load_json_from_before_the_socket_figures_still_reads() {
        let mut old = serde_json::to_value(LoadReport::default()).expect("serialises");
        old.as_object_mut().expect("an object").remove("socket");
        let read: LoadReport = serde_json::from_value(old).expect("reads without the socket figures");
        assert_eq!(read.socket, None);
        let now = LoadReport {
            socket: Some(SocketFigures { asked_bytes: 4 << 20, host_receive_buffer_drops: 7, ..Default::default() }),
            ..Default::default()
        };
        let json = serde_json::to_value(&now).expect("serialises");
        assert_eq!(json.pointer("/socket/host_receive_buffer_drops").and_then(|v| v.as_u64()), Some(7));
        assert_eq!(serde_json::from_value::<LoadReport>(json).expect("round trip"), now);
        let figures = SocketFigures {
            asked_bytes: 33_554_432,
            receive_buffer_bytes: 212_992,
            send_buffer_bytes: 1000,
            host_receive_buffer_drops: 12,
            host_send_buffer_errors: 0,
        };
        assert_eq!(
            figures.describe(),
            "socket buffers: 208 KiB receive, 1000 B send (32 MiB asked); on this host during the run: \
             12 UDP datagrams dropped at full receive buffers, 0 sends refused at full send buffers"
        );
    }

    #[test]
    fn the_plots_draw_with_and_without_answers() {
        let mut report =
            LoadReport { target: "sip:load@127.0.0.1".into(), transport: "udp".into(), ..Default::default() };
        report.rate.target_cps = 100.0;
        report.latency_ms.answer = Quantiles { count: 3, p99: 4.0, ..Default::default() };
        let rows: Vec<PerSecond> = (0..5)
            .map(|s| PerSecond {
                second: s,
                attempted: 100,
                answered: if s > 0 { 100 } else { 0 },
                answer_p50_ms: (s > 0).then_some(2.0),
                answer_p99_ms: (s > 0).then_some(4.0),
                ..Default::default()
            })
            .collect();
        for (stem, chart) in load_plots(&report, &rows) {
            let rendered = crate::plot::render(&chart).expect("draws");
            assert!(rendered.svg.contains("Load test"), "{stem}");
            assert!(rendered.png.starts_with(b"\x89PNG"), "{stem}");
        }
    }
}
