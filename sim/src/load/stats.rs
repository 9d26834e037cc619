//! Counting a load test as it runs: counters, latency histograms (hdrhistogram, microseconds),
//! one row a second, and the final [`LoadReport`].

use hdrhistogram::Histogram;
use reports::load::{LoadReport, PerSecond, Quantiles};
use std::time::Duration;

/// Which latency a sample belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Latency {
    /// INVITE → first provisional response.
    FirstProvisional,
    /// INVITE → 180.
    Ringing,
    /// INVITE → 2xx.
    Answer,
    /// BYE → its final response.
    Bye,
}

/// How a call ended, for the counters.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ending {
    /// Answered, held and hung up by us (BYE answered).
    Completed,
    /// Answered, then hung up by the far end.
    RemoteHangup,
    /// Cancelled while ringing, as the mix asked, and ended with 487.
    Cancelled,
    /// Rejected with a final response of 300 or more (busy, not found, …).
    Rejected(u16),
    /// No final response to the INVITE or BYE in time.
    TimedOut,
    /// A transport error, or a response that made no sense.
    Failed,
}

/// The running counts of a load test.
#[derive(Debug)]
pub struct LoadStats {
    report: LoadReport,
    hist: [Histogram<u64>; 4],
    second_hist: Histogram<u64>,
    current: PerSecond,
    rows: Vec<PerSecond>,
    in_flight: u64,
    held_ms_sum: f64,
    held_n: u64,
}

fn histogram() -> Histogram<u64> {
    // 1 µs to 1 hour at 3 significant figures.
    Histogram::new_with_bounds(1, 3_600_000_000, 3).expect("constant bounds are valid")
}

impl LoadStats {
    /// Empty counts for a test of `target` over `transport` at `target_cps`.
    pub fn new(target: &str, transport: &str, target_cps: f64, max_concurrent: Option<u64>) -> LoadStats {
        let mut report =
            LoadReport { target: target.to_owned(), transport: transport.to_owned(), ..Default::default() };
        report.rate.target_cps = target_cps;
        report.concurrent.max = max_concurrent;
        LoadStats {
            report,
            hist: [histogram(), histogram(), histogram(), histogram()],
            second_hist: histogram(),
            current: PerSecond::default(),
            rows: Vec::new(),
            in_flight: 0,
            held_ms_sum: 0.0,
            held_n: 0,
        }
    }

    /// Moves the per-second row on to the second holding `elapsed`, closing the ones before.
    pub fn tick(&mut self, elapsed: Duration) {
        let second = elapsed.as_secs();
        while self.current.second < second {
            self.close_second();
        }
    }

    fn close_second(&mut self) {
        let mut row = self.current;
        row.in_flight = self.in_flight;
        row.cps = row.attempted as f64;
        if !self.second_hist.is_empty() {
            row.answer_p50_ms = Some(self.second_hist.value_at_quantile(0.5) as f64 / 1000.0);
            row.answer_p99_ms = Some(self.second_hist.value_at_quantile(0.99) as f64 / 1000.0);
        }
        self.second_hist.reset();
        self.rows.push(row);
        self.current = PerSecond { second: row.second + 1, ..Default::default() };
    }

    /// A call's INVITE went out for the first time.
    pub fn attempted(&mut self) {
        self.report.calls.attempted += 1;
        self.current.attempted += 1;
        self.in_flight += 1;
        self.report.concurrent.peak = self.report.concurrent.peak.max(self.in_flight);
    }

    /// A latency sample.
    pub fn latency(&mut self, which: Latency, took: Duration) {
        let us = (took.as_micros() as u64).clamp(1, 3_600_000_000);
        let i = match which {
            Latency::FirstProvisional => 0,
            Latency::Ringing => 1,
            Latency::Answer => 2,
            Latency::Bye => 3,
        };
        // Within the histogram's bounds by the clamp above.
        let _ = self.hist[i].record(us);
        if which == Latency::Answer {
            let _ = self.second_hist.record(us);
            self.report.calls.answered += 1;
            self.current.answered += 1;
        }
    }

    /// The INVITE's final response code (counted by code).
    pub fn final_code(&mut self, code: u16) {
        *self.report.calls.by_code.entry(code.to_string()).or_default() += 1;
    }

    /// A call ended; `held` is how long it was answered (from the 2xx to the end), if it was.
    pub fn ended(&mut self, how: Ending, held: Option<Duration>) {
        self.in_flight = self.in_flight.saturating_sub(1);
        let calls = &mut self.report.calls;
        match how {
            Ending::Completed => {}
            Ending::RemoteHangup => calls.remote_hangups += 1,
            Ending::Cancelled => calls.cancelled += 1,
            Ending::Rejected(_) => {}
            Ending::TimedOut => {
                calls.timed_out += 1;
                self.current.failed += 1;
            }
            Ending::Failed => {
                calls.failed += 1;
                self.current.failed += 1;
            }
        }
        if let Ending::Rejected(code) = how {
            // Busy, no answer, declined: the network did its job; anything else is a failure.
            if !matches!(code, 480 | 486 | 487 | 600 | 603) {
                calls.failed += 1;
                self.current.failed += 1;
            }
        }
        if let Some(held) = held {
            self.held_ms_sum += held.as_secs_f64() * 1000.0;
            self.held_n += 1;
        }
    }

    /// A re-INVITE of the mix was answered.
    pub fn reinvited(&mut self) {
        self.report.calls.reinvited += 1;
    }

    /// A request was retransmitted.
    pub fn retransmitted(&mut self) {
        self.report.retransmissions += 1;
        self.current.retransmissions += 1;
    }

    /// Transport counters, for the report.
    pub fn messages(&mut self) -> &mut reports::load::Messages {
        &mut self.report.messages
    }

    /// The socket's buffers and the kernel's drops so far, for the report.
    pub fn socket(&mut self) -> &mut Option<reports::load::SocketFigures> {
        &mut self.report.socket
    }

    /// Calls in progress now.
    pub fn in_flight(&self) -> u64 {
        self.in_flight
    }

    /// The rows closed so far (for the live status line).
    pub fn rows(&self) -> &[PerSecond] {
        &self.rows
    }

    /// The counts so far (for the live status line).
    pub fn report(&self) -> &LoadReport {
        &self.report
    }

    /// Closes the last second and computes the ratios. `sending` is how long calls were being
    /// started after the ramp (for the achieved rate), `elapsed` the run's length.
    pub fn finish(
        mut self,
        elapsed: Duration,
        steady: Option<(u64, Duration)>,
        cpu_s: f64,
        peak_rss_kib: u64,
    ) -> (LoadReport, Vec<PerSecond>) {
        self.tick(elapsed);
        if self.current.attempted + self.current.answered + self.current.failed > 0 || self.rows.is_empty() {
            self.close_second();
        }
        let r = &mut self.report;
        let q = |h: &Histogram<u64>| -> Quantiles {
            if h.is_empty() {
                return Quantiles::default();
            }
            let ms = |us: u64| us as f64 / 1000.0;
            Quantiles {
                count: h.len(),
                mean: h.mean() / 1000.0,
                p50: ms(h.value_at_quantile(0.5)),
                p95: ms(h.value_at_quantile(0.95)),
                p99: ms(h.value_at_quantile(0.99)),
                max: ms(h.max()),
            }
        };
        r.latency_ms.first_provisional = q(&self.hist[0]);
        r.latency_ms.ringing = q(&self.hist[1]);
        r.latency_ms.answer = q(&self.hist[2]);
        r.latency_ms.bye = q(&self.hist[3]);
        let attempted = r.calls.attempted.max(1) as f64;
        r.asr = r.calls.answered as f64 / attempted;
        let delivered: u64 = r
            .calls
            .by_code
            .iter()
            .filter(|(code, _)| matches!(code.as_str(), "480" | "486" | "487" | "600" | "603") || code.starts_with('2'))
            .map(|(_, n)| n)
            .sum();
        r.ner = delivered as f64 / attempted;
        r.acd_s = if self.held_n > 0 { self.held_ms_sum / self.held_n as f64 / 1000.0 } else { 0.0 };
        r.duration_s = elapsed.as_secs_f64();
        r.rate.achieved_cps = match steady {
            Some((calls, over)) if over > Duration::ZERO => calls as f64 / over.as_secs_f64(),
            _ => r.calls.attempted as f64 / elapsed.as_secs_f64().max(1e-9),
        };
        r.cpu_s = cpu_s;
        r.cpu_us_per_call = cpu_s * 1e6 / attempted;
        r.peak_rss_kib = peak_rss_kib;
        (self.report, self.rows)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_calls_latencies_and_seconds() {
        let mut s = LoadStats::new("sip:x@127.0.0.1", "udp", 10.0, None);
        for i in 0..10u64 {
            s.tick(Duration::from_millis(i * 100));
            s.attempted();
            s.latency(Latency::FirstProvisional, Duration::from_micros(300));
            if i < 8 {
                s.latency(Latency::Answer, Duration::from_millis(2 + i));
                s.final_code(200);
                s.ended(Ending::Completed, Some(Duration::from_secs(3)));
            } else if i == 8 {
                s.final_code(486);
                s.ended(Ending::Rejected(486), None);
            } else {
                s.final_code(503);
                s.ended(Ending::Rejected(503), None);
            }
        }
        s.tick(Duration::from_millis(1500));
        s.attempted();
        s.ended(Ending::TimedOut, None);
        let (r, rows) = s.finish(Duration::from_secs(2), None, 0.5, 1000);
        assert_eq!((r.calls.attempted, r.calls.answered, r.calls.failed, r.calls.timed_out), (11, 8, 1, 1));
        assert_eq!(r.calls.by_code["200"], 8);
        assert!((r.asr - 8.0 / 11.0).abs() < 1e-12);
        assert!((r.ner - 9.0 / 11.0).abs() < 1e-12, "200s and the 486: {}", r.ner);
        assert!((r.acd_s - 3.0).abs() < 1e-12);
        assert_eq!(r.latency_ms.answer.count, 8);
        // 2..9 ms: the median of eight is the fourth (5 ms) at 3 significant figures.
        assert!((r.latency_ms.answer.p50 - 5.0).abs() < 0.01, "{:?}", r.latency_ms.answer);
        assert!((r.latency_ms.answer.max - 9.0).abs() < 0.01);
        assert_eq!(rows.len(), 2);
        assert_eq!((rows[0].attempted, rows[0].answered, rows[0].failed), (10, 8, 1));
        assert_eq!((rows[1].attempted, rows[1].failed, rows[1].in_flight), (1, 1, 0));
        assert_eq!(rows[1].answer_p50_ms, None);
        assert_eq!(r.concurrent.peak, 1);
        assert!((r.cpu_us_per_call - 0.5e6 / 11.0).abs() < 1e-6);
    }
}
