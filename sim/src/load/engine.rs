//! The load generator's run: a transaction user on one [`UdpEndpoint`], placing calls on the
//! [`Schedule`], holding each for a drawn time and hanging up, with the call mix of the config.
//! One thread, one socket, no task per call: a call is a few hundred bytes in a table.

use super::media::LoadMedia;
use super::numbers::NumberRow;
use super::schedule::Schedule;
use super::stats::{Ending, Latency, LoadStats};
use super::sys;
use crate::dist::Dist;
use crate::rng::uniform;
use compact_str::{CompactString, format_compact};
use dialer::media::sdp::{Direction, LocalMedia, offer};
use dialer::sip::auth::{Credentials, DigestClient};
use dialer::sip::dialog::{Dialog, RequestSpec, ViaSpec, response_to};
use dialer::sip::endpoint::UdpEndpoint;
use dialer::sip::message::MessageExt;
use dialer::sip::transaction::{Config, Event, Peer, TransactionKey};
use dialer::sip::transport::KernelUdpCounters;
use foldhash::{HashMap, HashMapExt};
use rand::Rng;
use rand_pcg::Pcg64Mcg;
use reports::load::{LoadReport, PerSecond};
use rsip::{Method, Request, Response};
use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::{Duration, Instant};

/// Everything a load test is asked to do; built and checked by the CLI.
#[derive(Clone, Debug)]
pub struct LoadConfig {
    /// The Request-URI of every call (its user part replaced per call with `--numbers`).
    pub target: String,
    /// Where requests are sent: the target's host and port.
    pub target_addr: SocketAddr,
    /// Where our socket binds (port 0: any).
    pub local: SocketAddr,
    /// Calls per second once ramped up.
    pub rate: f64,
    /// Linear ramp from 0 to `rate`.
    pub ramp: Duration,
    /// Stop starting calls after this many.
    pub calls: Option<u64>,
    /// Stop starting calls after this long.
    pub duration: Option<Duration>,
    /// At most this many calls in progress; starts wait meanwhile.
    pub max_concurrent: Option<u64>,
    /// How long an answered call is held before our BYE.
    pub hold: Dist,
    /// Credentials for digest challenges.
    pub auth: Option<Credentials>,
    /// Numbers (and credentials) to call, in turn.
    pub numbers: Vec<NumberRow>,
    /// Share of calls cancelled while ringing.
    pub cancel_share: f64,
    /// Share of answered calls re-INVITEd halfway through the hold.
    pub reinvite_share: f64,
    /// A call not answered after this long is cancelled (and counted failed if it then ends).
    pub ring_timeout: Duration,
    /// After the last start, wait at most this long for calls in progress to end.
    pub drain: Duration,
    /// Write every message to this file.
    pub trace: Option<PathBuf>,
    /// Seed of the call mix and hold times.
    pub seed: u64,
    /// Transaction timers.
    pub timers: Config,
    /// Socket buffer size asked for.
    pub buffer_bytes: usize,
    /// UDP or TCP (one connection to the target).
    pub tcp: bool,
    /// Send and receive G.711 RTP during the hold.
    pub media: bool,
}

/// What the run produced.
pub struct LoadOutcome {
    /// `load.json`.
    pub report: LoadReport,
    /// `per_second.csv`.
    pub rows: Vec<PerSecond>,
}

/// Where a call is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Phase {
    /// INVITE sent, no final response yet.
    Inviting,
    /// CANCEL asked for.
    Cancelling,
    /// Answered, holding.
    Held,
    /// Our re-INVITE is out.
    Reinviting,
    /// Our BYE is out.
    Byeing,
}

/// A call in progress.
struct Call {
    call_id: CompactString,
    from_tag: CompactString,
    number: u32,
    cseq: u32,
    /// Our INVITE, until its final response (a dialog and a challenge answer need it).
    invite: Option<Request>,
    invite_key: Option<TransactionKey>,
    sent: Instant,
    provisional: bool,
    ringing: bool,
    answered: Option<Instant>,
    dialog: Option<Box<Dialog>>,
    phase: Phase,
    hold: Duration,
    cancel: bool,
    reinvite: bool,
    auth_tries: u8,
    bye_sent: Option<Instant>,
    /// Bumped whenever a timer is set, so older timers for the call are ignored.
    timer_gen: u32,
}

/// A timer of the TU.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Due {
    /// Cancel while ringing (the mix), or the ring timeout.
    Cancel,
    /// Halfway through the hold: re-INVITE.
    Reinvite,
    /// The hold is over: BYE.
    Bye,
}

/// Runs the load test to its end (call count, duration and drain) and returns its report.
/// Needs a tokio runtime (current-thread is enough and fastest).
pub async fn run(config: LoadConfig, mut status: impl FnMut(&LoadStats, Duration)) -> std::io::Result<LoadOutcome> {
    let mut ep = UdpEndpoint::bind(config.local, config.timers.clone(), config.buffer_bytes)?;
    if let Some(path) = &config.trace {
        let file = std::fs::File::create(path)?;
        ep.set_trace(Box::new(std::io::BufWriter::new(file)));
    }
    // Two transactions a call, lingering after they end: the INVITE 64·T1 (Timer M), the BYE T4
    // (Timer K). Sized up front for the steady state (or every call, if fewer), the tables are
    // not copied and rehashed while the test runs.
    let timers = &config.timers;
    let linger_s = (64 * timers.t1_ms + timers.t4_ms) as f64 / 1000.0;
    let steady = (config.rate * linger_s * 2.0).ceil() as u64;
    ep.layer().reserve(steady.min(config.calls.map_or(u64::MAX, |c| c.saturating_mul(2))).min(1 << 21) as usize);
    let mut ua = Uac::new(&config, ep.local_addr());
    // Over UDP, the socket's buffers and the kernel's drops explain retransmissions; over TCP
    // the kernel retransmits by itself and the UDP socket carries nothing.
    let counters_at_start = if config.tcp { None } else { KernelUdpCounters::read() };
    let start = ep.start();
    if config.media {
        let local = ep.local_addr();
        let rtp = SocketAddr::new(local.ip(), local.port().wrapping_add(2));
        ua.media = Some(LoadMedia::bind(rtp, &ua.sdp, start)?);
    }
    let schedule = Schedule::new(config.rate, config.ramp);
    let mut next_status = start + Duration::from_secs(1);
    let mut started_all_at: Option<Instant> = None;
    loop {
        let now = Instant::now();
        let elapsed = now - start;
        ua.stats.tick(elapsed);
        // Start the calls that are due.
        let mut next_start = None;
        if started_all_at.is_none() {
            let due = schedule.started_by(elapsed);
            while ua.started < due {
                if config.calls.is_some_and(|n| ua.started >= n)
                    || config.duration.is_some_and(|d| schedule.start_of(ua.started) >= d)
                {
                    started_all_at = Some(now);
                    break;
                }
                if config.max_concurrent.is_some_and(|m| ua.stats.in_flight() >= m) {
                    break;
                }
                ua.start_call(&mut ep, now);
            }
            if started_all_at.is_none() {
                if config.calls.is_some_and(|n| ua.started >= n) {
                    started_all_at = Some(now);
                } else {
                    next_start = Some(start + schedule.start_of(ua.started));
                }
            }
        }
        if let Some(done) = started_all_at
            && (ua.calls.is_empty() || now >= done + config.drain)
        {
            break;
        }
        ep.flush();
        // Wait for a datagram, a timer, the next start or the next status line.
        let mut wake = next_status;
        let next_frame = ua.media.as_mut().and_then(LoadMedia::send_due);
        for t in [next_start, ua.next_due(), next_frame].into_iter().flatten() {
            wake = wake.min(t);
        }
        if started_all_at.is_none() && config.max_concurrent.is_some_and(|m| ua.stats.in_flight() >= m) {
            // Starts wait for a call to end: a datagram or a timer will wake us.
            wake = wake.min(next_status);
        }
        ep.wait(Some(wake)).await;
        ep.receive();
        ep.run_timers();
        ep.flush();
        let now = Instant::now();
        while let Some(event) = ep.poll_event() {
            ua.on_event(&mut ep, event, now);
        }
        ua.run_due(&mut ep, now);
        ep.flush();
        if now >= next_status {
            ua.stats.tick(now - start);
            ua.sync_counters(&ep, counters_at_start);
            status(&ua.stats, now - start);
            next_status += Duration::from_secs(1);
        }
    }
    // Calls still in progress at the end of the drain never ended: timed out.
    let left: Vec<u32> = ua.calls.keys().copied().collect();
    for idx in left {
        ua.finish(idx, Ending::TimedOut);
    }
    ep.flush();
    ep.finish_trace()?;
    ua.sync_counters(&ep, counters_at_start);
    let elapsed = start.elapsed();
    let steady = started_all_at.map(|end| {
        let from = config.ramp.min(end - start);
        let calls_after_ramp = ua.started.saturating_sub(schedule.started_by(from).min(ua.started));
        (calls_after_ramp, (end - start).saturating_sub(from))
    });
    let media = ua.media.take();
    let (mut report, rows) = ua.stats.finish(elapsed, steady, sys::cpu_seconds(), sys::peak_rss_kib());
    if let Some(media) = media {
        report.media = Some(media.finish().await);
    }
    Ok(LoadOutcome { report, rows })
}

/// The user agent client: all calls and their timers.
struct Uac<'c> {
    config: &'c LoadConfig,
    stats: LoadStats,
    local: CompactString,
    peer: Peer,
    contact: String,
    /// Our From address, `sip:dialkit@host:port`.
    from: String,
    calls: HashMap<u32, Call>,
    by_key: HashMap<TransactionKey, u32>,
    by_call_id: HashMap<CompactString, u32>,
    timers: BinaryHeap<Reverse<(Instant, u32, u32, Due)>>,
    started: u64,
    rng: Pcg64Mcg,
    digest: DigestClient,
    sdp: Vec<u8>,
    media: Option<LoadMedia>,
}

impl<'c> Uac<'c> {
    fn new(config: &'c LoadConfig, local: SocketAddr) -> Uac<'c> {
        let stats =
            LoadStats::new(&config.target, if config.tcp { "tcp" } else { "udp" }, config.rate, config.max_concurrent);
        Uac {
            config,
            stats,
            local: format_compact!("{local}"),
            peer: if config.tcp { Peer::tcp(config.target_addr) } else { Peer::udp(config.target_addr) },
            contact: if config.tcp {
                format!("sip:dialkit@{local};transport=tcp")
            } else {
                format!("sip:dialkit@{local}")
            },
            from: format!("sip:dialkit@{local}"),
            calls: HashMap::new(),
            by_key: HashMap::new(),
            by_call_id: HashMap::new(),
            timers: BinaryHeap::new(),
            started: 0,
            rng: Pcg64Mcg::new(u128::from(config.seed) | 1 << 64),
            digest: DigestClient::new(),
            sdp: sdp_offer(local, config.media),
            media: None,
        }
    }

    /// Brings the report's transport counts up to now, and the socket's figures with the
    /// kernel's counters since `counters_at_start` (once a second: one read of /proc).
    fn sync_counters(&mut self, ep: &UdpEndpoint, counters_at_start: Option<KernelUdpCounters>) {
        *self.stats.socket() = counters_at_start.and_then(|c| ep.socket_figures(c));
        let c = ep.counters();
        let m = self.stats.messages();
        m.sent = c.sent;
        m.received = c.received;
        m.malformed = c.malformed;
        m.oversized = c.oversized;
        m.stray = ep.transaction_stats().stray_responses;
        let retrans = c.retransmissions;
        while self.stats.report().retransmissions < retrans {
            self.stats.retransmitted();
        }
    }

    fn request_uri(&self, number: u32) -> String {
        match self.config.numbers.get(number as usize) {
            Some(row) => with_user(&self.config.target, &row.number),
            None => self.config.target.clone(),
        }
    }

    fn start_call(&mut self, ep: &mut UdpEndpoint, now: Instant) {
        let k = self.started;
        self.started += 1;
        let idx = k as u32;
        let number = if self.config.numbers.is_empty() { 0 } else { (k % self.config.numbers.len() as u64) as u32 };
        let cancel = uniform(&mut self.rng) < self.config.cancel_share;
        let reinvite = uniform(&mut self.rng) < self.config.reinvite_share;
        let hold = Duration::from_millis(self.config.hold.sample_ms(&mut self.rng));
        let call_id = format_compact!("{:x}-{k}@dialkit", self.config.seed);
        let from_tag = format_compact!("l{k}");
        let mut call = Call {
            call_id: call_id.clone(),
            from_tag,
            number,
            cseq: 1,
            invite: None,
            invite_key: None,
            sent: now,
            provisional: false,
            ringing: false,
            answered: None,
            dialog: None,
            phase: Phase::Inviting,
            hold,
            cancel,
            reinvite,
            auth_tries: 0,
            bye_sent: None,
            timer_gen: 0,
        };
        self.stats.attempted();
        match self.send_invite(ep, &mut call, None) {
            Some(key) => {
                self.by_key.insert(key, idx);
                self.by_call_id.insert(call_id, idx);
                self.calls.insert(idx, call);
                self.set_timer(idx, now + self.config.ring_timeout, Due::Cancel);
            }
            None => self.stats.ended(Ending::Failed, None),
        }
    }

    /// Sends the call's INVITE (again, with `authorization`, after a challenge).
    fn send_invite(
        &mut self,
        ep: &mut UdpEndpoint,
        call: &mut Call,
        authorization: Option<rsip::Header>,
    ) -> Option<TransactionKey> {
        let branch = ep.layer().new_branch();
        let uri = self.request_uri(call.number);
        let mut spec = RequestSpec::invite(&uri)
            .via_over(self.peer.transport, &self.local, &branch)
            .from(&self.from, &call.from_tag)
            .call_id(&call.call_id)
            .cseq(call.cseq)
            .contact(&self.contact)
            .body("application/sdp", self.sdp.clone());
        if let Some(h) = authorization {
            spec = spec.header(h);
        }
        let invite = spec.build().ok()?;
        let now = ep.now();
        let key = ep.layer().send_request(&invite, self.peer, now).ok()?;
        call.invite = Some(invite);
        call.invite_key = Some(key);
        call.sent = Instant::now();
        Some(key)
    }

    fn set_timer(&mut self, idx: u32, at: Instant, due: Due) {
        if let Some(call) = self.calls.get_mut(&idx) {
            call.timer_gen += 1;
            self.timers.push(Reverse((at, idx, call.timer_gen, due)));
        }
    }

    fn next_due(&self) -> Option<Instant> {
        self.timers.peek().map(|Reverse((at, ..))| *at)
    }

    fn run_due(&mut self, ep: &mut UdpEndpoint, now: Instant) {
        while let Some(&Reverse((at, idx, generation, due))) = self.timers.peek() {
            if at > now {
                break;
            }
            self.timers.pop();
            let Some(call) = self.calls.get(&idx) else { continue };
            if call.timer_gen != generation {
                continue;
            }
            match due {
                Due::Cancel if call.phase == Phase::Inviting => {
                    if let Some(key) = call.invite_key {
                        let t = ep.now();
                        if let Ok(cancel_key) = ep.layer().cancel(key, t) {
                            self.by_key.insert(cancel_key, idx);
                        }
                    }
                    if let Some(call) = self.calls.get_mut(&idx) {
                        call.phase = Phase::Cancelling;
                    }
                }
                Due::Reinvite if call.phase == Phase::Held => self.send_in_dialog(ep, idx, Method::Invite),
                Due::Bye if call.phase == Phase::Held => self.send_in_dialog(ep, idx, Method::Bye),
                _ => {}
            }
        }
    }

    fn send_in_dialog(&mut self, ep: &mut UdpEndpoint, idx: u32, method: Method) {
        let branch = ep.layer().new_branch();
        let sdp = self.sdp.clone();
        let Some(call) = self.calls.get_mut(&idx) else { return };
        let Some(dialog) = call.dialog.as_mut() else { return };
        let via = ViaSpec { transport: self.peer.transport, sent_by: &self.local, branch: &branch };
        let request = match method {
            Method::Invite => dialog.reinvite(via, sdp),
            _ => dialog.request(method, via),
        };
        let now = ep.now();
        match ep.layer().send_request(request, self.peer, now) {
            Ok(key) => {
                self.by_key.insert(key, idx);
                if method == Method::Bye {
                    call.phase = Phase::Byeing;
                    call.bye_sent = Some(Instant::now());
                } else {
                    call.phase = Phase::Reinviting;
                }
            }
            Err(_) => self.finish(idx, Ending::Failed),
        }
    }

    fn on_event(&mut self, ep: &mut UdpEndpoint, event: Event, now: Instant) {
        match event {
            Event::Response { key, response, retransmission } => {
                if !retransmission {
                    self.on_response(ep, key, response, now);
                }
            }
            Event::Request { key, request, .. } => self.on_request(ep, key, request),
            Event::Ack { .. } => {}
            Event::Timeout { key, .. } => {
                if let Some(&idx) = self.by_key.get(&key) {
                    let invite = self.calls.get(&idx).is_some_and(|c| c.invite_key == Some(key));
                    let byeing = self.calls.get(&idx).is_some_and(|c| c.phase == Phase::Byeing);
                    if invite || byeing {
                        self.finish(idx, Ending::TimedOut);
                    }
                }
            }
            Event::TransportError { key } => {
                if let Some(&idx) = self.by_key.get(&key) {
                    self.finish(idx, Ending::Failed);
                }
            }
            Event::Terminated { key } => {
                self.by_key.remove(&key);
            }
        }
    }

    fn on_response(&mut self, ep: &mut UdpEndpoint, key: TransactionKey, response: Response, now: Instant) {
        let Some(&idx) = self.by_key.get(&key) else { return };
        let code = response.status_code.code();
        let Some(call) = self.calls.get_mut(&idx) else { return };
        if call.invite_key != Some(key) {
            // BYE, re-INVITE or CANCEL.
            match call.phase {
                Phase::Byeing if code >= 200 => {
                    if let Some(sent) = call.bye_sent {
                        self.stats.latency(Latency::Bye, now - sent);
                    }
                    let ending = if code < 300 { Ending::Completed } else { Ending::Failed };
                    self.finish(idx, ending);
                }
                Phase::Reinviting if code >= 200 => {
                    if (200..300).contains(&code) {
                        let branch = ep.layer().new_branch();
                        if let Some(dialog) = call.dialog.as_mut() {
                            let _ = dialog.on_response(&response);
                            dialog.reinvite_answered();
                            let ack = dialog.ack(ViaSpec {
                                transport: self.peer.transport,
                                sent_by: &self.local,
                                branch: &branch,
                            });
                            let t = ep.now();
                            let _ = ep.layer().send_ack(key, ack, self.peer, t);
                        }
                        self.stats.reinvited();
                    } else if let Some(dialog) = call.dialog.as_mut() {
                        dialog.reinvite_answered();
                    }
                    call.phase = Phase::Held;
                    let rest = call.hold / 2;
                    self.set_timer(idx, now + rest, Due::Bye);
                }
                _ => {}
            }
            return;
        }
        match code {
            100..=199 => {
                if !call.provisional {
                    call.provisional = true;
                    self.stats.latency(Latency::FirstProvisional, now - call.sent);
                }
                if (180..=183).contains(&code) && !call.ringing {
                    call.ringing = true;
                    self.stats.latency(Latency::Ringing, now - call.sent);
                    if call.cancel && call.phase == Phase::Inviting {
                        self.set_timer(idx, now + Duration::from_millis(100), Due::Cancel);
                    }
                }
            }
            200..=299 => {
                self.stats.latency(Latency::Answer, now - call.sent);
                self.stats.final_code(code);
                call.answered = Some(now);
                let invite = call.invite.take();
                let dialog = invite.as_ref().and_then(|inv| Dialog::uac(inv, &response).ok());
                let Some(dialog) = dialog else {
                    self.finish(idx, Ending::Failed);
                    return;
                };
                let branch = ep.layer().new_branch();
                let ack = dialog.ack(ViaSpec { transport: self.peer.transport, sent_by: &self.local, branch: &branch });
                let t = ep.now();
                let _ = ep.layer().send_ack(key, ack, self.peer, t);
                let cancelled = call.phase == Phase::Cancelling;
                if let Some(media) = &mut self.media {
                    media.answered(idx, &response.body, self.config.seed);
                }
                call.dialog = Some(Box::new(dialog));
                call.phase = Phase::Held;
                if cancelled {
                    // The answer crossed our CANCEL: hang up at once.
                    self.send_in_dialog(ep, idx, Method::Bye);
                } else if call.reinvite {
                    let half = call.hold / 2;
                    self.set_timer(idx, now + half, Due::Reinvite);
                } else {
                    let hold = call.hold;
                    self.set_timer(idx, now + hold, Due::Bye);
                }
            }
            401 | 407 if call.auth_tries == 0 => {
                let credentials = self
                    .config
                    .numbers
                    .get(call.number as usize)
                    .and_then(|r| r.credentials.clone())
                    .map(|(username, password)| Credentials { username, password })
                    .or_else(|| self.config.auth.clone());
                let cnonce = format!("{:016x}", self.rng.next_u64());
                let header = match (credentials, call.invite.take()) {
                    (Some(credentials), Some(invite)) => self.digest.answer(&response, &invite, &credentials, &cnonce),
                    _ => None,
                };
                let Some(header) = header else {
                    self.stats.final_code(code);
                    self.finish(idx, Ending::Rejected(code));
                    return;
                };
                call.auth_tries += 1;
                call.cseq += 1;
                let mut call = self.calls.remove(&idx).expect("present: looked up above");
                let sent = call.sent;
                match self.send_invite(ep, &mut call, Some(header)) {
                    Some(new_key) => {
                        // Latencies run from the first INVITE, as a caller experiences them.
                        call.sent = sent;
                        self.by_key.insert(new_key, idx);
                        self.calls.insert(idx, call);
                    }
                    None => {
                        self.calls.insert(idx, call);
                        self.finish(idx, Ending::Failed);
                    }
                }
            }
            _ => {
                self.stats.final_code(code);
                let ending = if code == 487 && call.phase == Phase::Cancelling && call.cancel {
                    Ending::Cancelled
                } else if code == 487 && call.phase == Phase::Cancelling {
                    // Cancelled at the ring timeout: nobody answered.
                    Ending::Rejected(480)
                } else {
                    Ending::Rejected(code)
                };
                self.finish(idx, ending);
            }
        }
    }

    fn on_request(&mut self, ep: &mut UdpEndpoint, key: TransactionKey, request: Request) {
        let call_id = CompactString::from(request.call_id().unwrap_or_default());
        let idx = self.by_call_id.get(&call_id).copied();
        let (code, ends) = match (&request.method, idx) {
            (Method::Bye, Some(_)) => (200, true),
            (Method::Options, _) => (200, false),
            (Method::Bye | Method::Invite | Method::Update | Method::Info, None) => (481, false),
            _ => (501, false),
        };
        let response = response_to(&request, code, None);
        let now = ep.now();
        let _ = ep.layer().send_response(key, response, now);
        if ends && let Some(idx) = idx {
            self.finish(idx, Ending::RemoteHangup);
        }
    }

    fn finish(&mut self, idx: u32, ending: Ending) {
        let Some(call) = self.calls.remove(&idx) else { return };
        self.by_call_id.remove(&call.call_id);
        if let Some(media) = &mut self.media {
            media.ended(idx);
        }
        let held = call.answered.map(|a| a.elapsed());
        self.stats.ended(ending, held);
    }
}

/// `target` (`sip:user@host:port;params`) with its user part replaced by `user`.
fn with_user(target: &str, user: &str) -> String {
    let (scheme, rest) = target.split_once(':').unwrap_or(("sip", target));
    let host = rest.split_once('@').map_or(rest, |(_, h)| h);
    format!("{scheme}:{user}@{host}")
}

/// Our SDP offer: one audio stream (PCMU, PCMA, telephone-event) at our address; the RTP port
/// is the SIP port + 2.
/// The INVITE's offer. Without `--media` nothing listens on the RTP port, so the offer says
/// `a=inactive` (RFC 3264 §5.1): the far end then sends no audio we would only bounce with ICMP
/// errors, and does no media work the run does not measure.
fn sdp_offer(local: SocketAddr, media: bool) -> Vec<u8> {
    let mut ours = LocalMedia::new(local.ip(), local.port().wrapping_add(2), 1);
    if !media {
        ours.direction = Direction::Inactive;
    }
    offer(&ours).to_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_offer_is_inactive_unless_the_run_sends_and_receives_media() {
        let local: SocketAddr = "127.0.0.1:5060".parse().unwrap(); // a literal
        let text = |media| String::from_utf8(sdp_offer(local, media)).unwrap(); // SDP is text
        assert!(text(false).contains("a=inactive\r\n"), "{}", text(false));
        assert!(text(true).contains("a=sendrecv\r\n"), "{}", text(true));
    }

    #[test]
    fn numbers_replace_the_user_part_of_the_target() {
        assert_eq!(with_user("sip:load@127.0.0.1:5060", "+15550100"), "sip:+15550100@127.0.0.1:5060");
        assert_eq!(with_user("sip:127.0.0.1:5060", "bob"), "sip:bob@127.0.0.1:5060");
    }
}
