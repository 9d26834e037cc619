//! The emulated callee's run: a transaction user on one [`UdpEndpoint`] answering INVITEs as the
//! scenario's population would ([`Person`]), and one RTP socket shared by every call for the
//! greetings and for listening to the callers. One thread, no task per call: a call is an entry
//! in a table, its timer an entry in a heap.

use super::person::{Action, Limits, Person};
use super::record::{CallRecord, HangUpBy, Summary};
use crate::callee::{CalleeKind, draw_callee};
use crate::rng::{Purpose, Streams};
use crate::scenario::Scenario;
use compact_str::{CompactString, format_compact};
use dialer::media::rtp::is_rtcp;
use dialer::media::sdp::{Answer, LocalMedia, SessionDescription, accept_answer, answer, offer};
use dialer::media::{FRAME_MS, FRAME_SAMPLES, G711, Greeting, GreetingKind, RtpReceiver, RtpSender, frame_dbfs};
use dialer::sip::dialog::{Dialog, ViaSpec};
use dialer::sip::endpoint::UdpEndpoint;
use dialer::sip::message::{MessageExt, response_to};
use dialer::sip::transaction::{Config, Event, Peer, Timer, TransactionKey};
use dialer::sip::transport::{KernelUdpCounters, bind_udp};
use foldhash::{HashMap, HashMapExt};
use rand::RngExt;
use reports::Time;
use rsip::headers::{Contact, ContentType, UntypedHeader};
use rsip::{Method, Request, Response};
use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::future::Future;
use std::io::{self, Write};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::{Duration, Instant};

/// Everything the emulated callee is asked to do; built and checked by the CLI.
#[derive(Clone, Debug)]
pub struct CalleeConfig {
    /// The population (and its phases, keyed by time since the callee started) and the seed.
    pub scenario: Scenario,
    /// Where the SIP socket binds.
    pub listen: SocketAddr,
    /// Where the RTP socket binds (port 0: any).
    pub rtp: SocketAddr,
    /// Take the lead from the Request-URI's numeric user part instead of counting INVITEs.
    pub by_number: bool,
    /// Stop after this long.
    pub duration: Option<Duration>,
    /// Stop once this many calls have ended.
    pub calls: Option<u64>,
    /// Bounds on ringing, messages and calls.
    pub limits: Limits,
    /// After a stop, wait at most this long for the calls we hang up to end.
    pub drain: Duration,
    /// Write every SIP message to this file.
    pub trace: Option<PathBuf>,
    /// Transaction timers.
    pub timers: Config,
    /// Socket buffer size asked for.
    pub buffer_bytes: usize,
}

/// Why the callee could not run.
#[derive(Debug, thiserror::Error)]
pub enum CalleeError {
    /// The SIP address could not be bound.
    #[error("cannot listen for SIP on {addr}: {source} (fix: pick a free port with --listen, or 127.0.0.1:0)")]
    Listen {
        /// The address asked for.
        addr: SocketAddr,
        /// Why.
        source: io::Error,
    },
    /// The RTP address could not be bound.
    #[error("cannot bind the RTP socket on {addr}: {source} (fix: pick a free port with --rtp)")]
    Rtp {
        /// The address asked for.
        addr: SocketAddr,
        /// Why.
        source: io::Error,
    },
    /// The trace file could not be written.
    #[error("cannot write the trace {path}: {source}")]
    Trace {
        /// The file.
        path: PathBuf,
        /// Why.
        source: io::Error,
    },
    /// A call record could not be written.
    #[error("cannot write a call record: {0}")]
    Record(#[from] csv::Error),
}

/// Where the callee listens, told once the sockets are bound (port 0 is resolved).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Bound {
    /// The SIP socket.
    pub sip: SocketAddr,
    /// The RTP socket.
    pub rtp: SocketAddr,
}

/// Runs the callee until `shutdown` resolves, `duration` passes or `calls` calls have ended;
/// calls still in progress are then hung up (BYE, or 480 while ringing) and given `drain` to
/// end. Each ended call goes to `records` as a CSV row when given. Needs a tokio runtime
/// (current-thread is enough).
pub async fn run<W: Write>(
    config: CalleeConfig,
    ready: impl FnOnce(Bound),
    shutdown: impl Future<Output = ()>,
    records: Option<csv::Writer<W>>,
) -> Result<Summary, CalleeError> {
    let addr = config.listen;
    let mut ep = UdpEndpoint::bind(addr, config.timers.clone(), config.buffer_bytes)
        .map_err(|source| CalleeError::Listen { addr, source })?;
    if let Some(calls) = config.calls {
        // Two transactions a call (INVITE, BYE), both lingering after they end (Timers L and J):
        // sized up front, the tables are not copied and rehashed while calls come in.
        ep.layer().reserve(calls.saturating_mul(2).min(1 << 20) as usize);
    }
    let rtp_addr = config.rtp;
    let rtp = bind_udp(rtp_addr, config.buffer_bytes)
        .and_then(tokio::net::UdpSocket::from_std)
        .map_err(|source| CalleeError::Rtp { addr: rtp_addr, source })?;
    let rtp_local = rtp.local_addr().map_err(|source| CalleeError::Rtp { addr: rtp_addr, source })?;
    if let Some(path) = &config.trace {
        let file = std::fs::File::create(path).map_err(|source| CalleeError::Trace { path: path.clone(), source })?;
        ep.set_trace(Box::new(io::BufWriter::new(file)));
    }
    ready(Bound { sip: ep.local_addr(), rtp: rtp_local });
    let counters_at_start = KernelUdpCounters::read();
    let start = ep.start();
    let mut uas = Uas::new(&config, ep.local_addr(), rtp_local, start, records);
    tokio::pin!(shutdown);
    let mut signalled = false;
    let mut drain_until: Option<Instant> = None;
    let end_at = config.duration.map(|d| start + d);
    loop {
        let now = Instant::now();
        if drain_until.is_none()
            && (signalled || end_at.is_some_and(|e| now >= e) || config.calls.is_some_and(|n| uas.summary.ended() >= n))
        {
            drain_until = Some(now + config.drain);
            uas.stop_all(&mut ep);
        }
        if let Some(until) = drain_until
            && (uas.calls.is_empty() || now >= until)
        {
            break;
        }
        ep.flush();
        let mut wake = now + Duration::from_secs(1);
        for t in [uas.next_due(), uas.next_media(), end_at, drain_until].into_iter().flatten() {
            wake = wake.min(t);
        }
        tokio::select! {
            _ = ep.wait(Some(wake)) => {}
            _ = rtp.readable() => {}
            _ = &mut shutdown, if !signalled => signalled = true,
        }
        ep.receive();
        ep.run_timers();
        ep.flush();
        while let Some(event) = ep.poll_event() {
            uas.on_event(&mut ep, event);
        }
        uas.receive_rtp(&rtp);
        uas.run_due(&mut ep);
        uas.send_media(&rtp);
        ep.flush();
        uas.flush_records()?;
    }
    let left: Vec<u32> = uas.calls.keys().copied().collect();
    for idx in left {
        uas.finish(idx, HangUpBy::Shutdown);
    }
    ep.flush();
    let _ = ep.finish_trace();
    uas.flush_records()?;
    let c = ep.counters();
    let mut summary = uas.summary;
    summary.sip_sent = c.sent;
    summary.sip_received = c.received;
    summary.retransmissions = c.retransmissions;
    summary.duration_s = start.elapsed().as_secs_f64();
    summary.socket = counters_at_start.and_then(|c| ep.socket_figures(c));
    if let Some(mut w) = uas.records {
        w.flush().map_err(|e| CalleeError::Record(e.into()))?;
    }
    Ok(summary)
}

/// A call's audio: the greeting going out, the caller's stream coming in.
struct Media {
    greeting: Greeting,
    sender: RtpSender,
    receiver: RtpReceiver,
    codec: G711,
    payload_type: u8,
    /// Where the caller receives; `None`: on hold or no address.
    remote: Option<SocketAddr>,
    /// Whether we send (not after our BYE, nor when the caller asked us not to).
    sending: bool,
}

/// A call in progress.
struct Call {
    call_id: CompactString,
    lead: u64,
    person: Person,
    tag: CompactString,
    /// The INVITE, until its final response.
    invite: Option<Request>,
    invite_key: Option<TransactionKey>,
    dialog: Box<Dialog>,
    /// Where the INVITE came from: where our BYE goes if the dialog's target cannot be read.
    peer: Peer,
    greeting_seed: u64,
    greeting_ms: Option<u64>,
    /// The offer of a 200 we sent without one in the INVITE: the ACK carries the answer.
    late_offer: Option<SessionDescription>,
    media: Option<Box<Media>>,
    final_code: Option<u16>,
    invited_ms: u64,
    answered_ms: Option<u64>,
    bye_key: Option<TransactionKey>,
    hangup: Option<HangUpBy>,
    timer_gen: u32,
}

/// The user agent server: all calls, their timers, the records.
struct Uas<'c, W: Write> {
    sc: &'c Scenario,
    by_number: bool,
    limits: Limits,
    streams: Streams,
    start: Instant,
    local: CompactString,
    contact: CompactString,
    rtp_local: SocketAddr,
    calls: HashMap<u32, Call>,
    by_key: HashMap<TransactionKey, u32>,
    by_call_id: HashMap<CompactString, u32>,
    by_rtp: HashMap<SocketAddr, u32>,
    timers: BinaryHeap<Reverse<(Instant, u32, u32)>>,
    next_idx: u32,
    next_lead: u64,
    stopping: bool,
    summary: Summary,
    records: Option<csv::Writer<W>>,
    pending: Vec<CallRecord>,
    datagram: Vec<u8>,
    buf: Vec<u8>,
    next_frame: Option<Instant>,
    /// The last offer answered and our answer to it: a load generator offers the same SDP on
    /// every call, and parsing and answering it was a fifth of the callee's work per call. Our
    /// answers differ between calls only in the `o=` session id and version.
    last_answer: Option<(Vec<u8>, Answer)>,
}

impl<'c, W: Write> Uas<'c, W> {
    fn new(
        config: &'c CalleeConfig,
        local: SocketAddr,
        rtp_local: SocketAddr,
        start: Instant,
        records: Option<csv::Writer<W>>,
    ) -> Uas<'c, W> {
        Uas {
            sc: &config.scenario,
            by_number: config.by_number,
            limits: config.limits,
            streams: Streams::new(config.scenario.seed),
            start,
            local: format_compact!("{local}"),
            contact: format_compact!("<sip:callee@{local}>"),
            rtp_local,
            calls: HashMap::new(),
            by_key: HashMap::new(),
            by_call_id: HashMap::new(),
            by_rtp: HashMap::new(),
            timers: BinaryHeap::new(),
            next_idx: 0,
            next_lead: 1,
            stopping: false,
            summary: Summary::default(),
            records,
            pending: Vec::new(),
            datagram: Vec::with_capacity(256),
            buf: vec![0; 2048],
            next_frame: None,
            last_answer: None,
        }
    }

    fn now(&self) -> Time {
        Time::from_ms(self.start.elapsed().as_millis() as u64)
    }

    fn at(&self, t: Time) -> Instant {
        self.start + Duration::from_millis(t.as_ms())
    }

    fn next_due(&self) -> Option<Instant> {
        self.timers.peek().map(|Reverse((at, ..))| *at)
    }

    fn next_media(&self) -> Option<Instant> {
        self.next_frame
    }

    fn flush_records(&mut self) -> Result<(), CalleeError> {
        if let Some(w) = &mut self.records {
            for r in self.pending.drain(..) {
                w.serialize(&r)?;
            }
        }
        self.pending.clear();
        Ok(())
    }

    fn respond(&mut self, ep: &mut UdpEndpoint, key: TransactionKey, response: Response) {
        let code = response.status_code.code();
        let now = ep.now();
        if ep.layer().send_response(key, response, now).is_ok() {
            *self.summary.responses.entry(code).or_default() += 1;
        }
    }

    fn reply(&mut self, ep: &mut UdpEndpoint, key: TransactionKey, request: &Request, code: u16, tag: Option<&str>) {
        let response = response_to(request, code, None, tag);
        self.respond(ep, key, response);
    }

    fn on_event(&mut self, ep: &mut UdpEndpoint, event: Event) {
        match event {
            Event::Request { key, request, peer, cancels } => self.on_request(ep, key, request, peer, cancels),
            Event::Ack { request, .. } => self.on_ack(&request),
            Event::Response { key, response, .. } => {
                if response.status_code.code() >= 200
                    && let Some(&idx) = self.by_key.get(&key)
                    && self.calls.get(&idx).is_some_and(|c| c.bye_key == Some(key))
                {
                    self.finish(idx, HangUpBy::Callee);
                }
            }
            Event::Timeout { key, timer } => {
                let Some(&idx) = self.by_key.get(&key) else { return };
                let Some(call) = self.calls.get(&idx) else { return };
                if call.bye_key == Some(key) {
                    self.finish(idx, HangUpBy::Callee);
                } else if call.invite_key == Some(key) && timer == Timer::L && call.bye_key.is_none() {
                    // Our 200 was never acknowledged (§13.3.1.4): end the dialog with a BYE.
                    self.hang_up(ep, idx, HangUpBy::Callee);
                }
            }
            Event::TransportError { key } => {
                if let Some(&idx) = self.by_key.get(&key) {
                    self.finish(idx, HangUpBy::Callee);
                }
            }
            Event::Terminated { key } => {
                self.by_key.remove(&key);
            }
        }
    }

    fn on_request(
        &mut self,
        ep: &mut UdpEndpoint,
        key: TransactionKey,
        request: Request,
        peer: Peer,
        cancels: Option<TransactionKey>,
    ) {
        if request.method == Method::Cancel {
            return self.on_cancel(ep, key, &request, cancels);
        }
        let in_dialog = request.to_tag().ok().flatten().is_some();
        if in_dialog {
            return self.in_dialog(ep, key, request);
        }
        match request.method {
            Method::Invite => self.on_invite(ep, key, request, peer),
            Method::Options => self.reply(ep, key, &request, 200, None),
            Method::Register => {
                let response = registered(&request);
                self.respond(ep, key, response);
            }
            Method::Bye | Method::Info | Method::Update | Method::PRack => self.reply(ep, key, &request, 481, None),
            _ => self.reply(ep, key, &request, 501, None),
        }
    }

    fn on_invite(&mut self, ep: &mut UdpEndpoint, key: TransactionKey, request: Request, peer: Peer) {
        if self.stopping {
            return self.reply(ep, key, &request, 503, None);
        }
        let call_id = CompactString::from(request.call_id().unwrap_or_default());
        if self.by_call_id.contains_key(&call_id) {
            // A second INVITE of a call we hold, on another branch: merged (§8.2.2.2).
            return self.reply(ep, key, &request, 482, None);
        }
        let lead = if self.by_number {
            match number_of(&request) {
                Some(n) => n,
                None => {
                    *self.summary.calls.entry("refused").or_default() += 1;
                    return self.reply(ep, key, &request, 404, None);
                }
            }
        } else {
            let n = self.next_lead;
            self.next_lead += 1;
            n
        };
        let tag = ep.layer().new_token();
        let dialog = match Dialog::uas(&request, &tag) {
            Ok(d) => d,
            Err(_) => {
                *self.summary.calls.entry("refused").or_default() += 1;
                return self.reply(ep, key, &request, 400, None);
            }
        };
        let now = self.now();
        let draw = draw_callee(self.sc, &self.streams, lead, now);
        let greeting_seed = self.streams.get(Purpose::Greeting, lead).random::<u64>();
        let greeting_ms = greeting_kind(draw.kind).map(|k| u64::from(Greeting::new(k, greeting_seed).plan().end_ms()));
        let person = Person::new(draw, greeting_ms.unwrap_or(0), self.limits, now);
        let idx = self.next_idx;
        self.next_idx = self.next_idx.wrapping_add(1);
        self.by_key.insert(key, idx);
        self.by_call_id.insert(call_id.clone(), idx);
        self.calls.insert(
            idx,
            Call {
                call_id,
                lead,
                person,
                tag,
                invite: Some(request),
                invite_key: Some(key),
                dialog: Box::new(dialog),
                peer,
                greeting_seed,
                greeting_ms,
                late_offer: None,
                media: None,
                final_code: None,
                invited_ms: now.as_ms(),
                answered_ms: None,
                bye_key: None,
                hangup: None,
                timer_gen: 0,
            },
        );
        self.advance(ep, idx);
    }

    fn on_cancel(
        &mut self,
        ep: &mut UdpEndpoint,
        key: TransactionKey,
        cancel: &Request,
        cancels: Option<TransactionKey>,
    ) {
        let idx = cancels.and_then(|k| self.by_key.get(&k).copied());
        let Some(idx) = idx.filter(|i| self.calls.contains_key(i)) else {
            return self.reply(ep, key, cancel, 481, None);
        };
        let tag = self.calls.get(&idx).map(|c| c.tag.clone());
        self.reply(ep, key, cancel, 200, tag.as_deref());
        // Only a call still ringing is cancelled; after our final response CANCEL has no effect.
        let Some(call) = self.calls.get_mut(&idx) else { return };
        if let (Some(invite), Some(invite_key)) = (call.invite.take(), call.invite_key) {
            call.final_code = Some(487);
            let tag = call.tag.clone();
            self.reply(ep, invite_key, &invite, 487, Some(&tag));
            self.finish(idx, HangUpBy::Cancel);
        }
    }

    fn in_dialog(&mut self, ep: &mut UdpEndpoint, key: TransactionKey, request: Request) {
        let call_id = request.call_id().unwrap_or_default();
        let idx = self.by_call_id.get(call_id).copied();
        let Some(call) = idx.and_then(|i| self.calls.get_mut(&i)).filter(|c| c.dialog.matches(&request)) else {
            let code = if request.method == Method::Options { 200 } else { 481 };
            return self.reply(ep, key, &request, code, None);
        };
        if let Err(e) = call.dialog.check_request(&request) {
            return self.reply(ep, key, &request, e.status_code(), None);
        }
        // `idx` is Some: `call` was found through it.
        let idx = idx.expect("found above");
        match request.method {
            Method::Bye => {
                self.reply(ep, key, &request, 200, None);
                // A BYE in the early dialog ends the INVITE too (§15.1.2).
                if let Some(call) = self.calls.get_mut(&idx)
                    && let (Some(invite), Some(invite_key)) = (call.invite.take(), call.invite_key)
                {
                    call.final_code = Some(487);
                    let tag = call.tag.clone();
                    self.reply(ep, invite_key, &invite, 487, Some(&tag));
                }
                self.finish(idx, HangUpBy::Caller);
            }
            Method::Invite => self.on_reinvite(ep, key, idx, request),
            Method::Options => self.reply(ep, key, &request, 200, None),
            _ => self.reply(ep, key, &request, 501, None),
        }
    }

    fn on_reinvite(&mut self, ep: &mut UdpEndpoint, key: TransactionKey, idx: u32, request: Request) {
        let local = self.local_media(idx);
        let Some(call) = self.calls.get_mut(&idx) else { return };
        let offered = SessionDescription::parse_bytes(&request.body).ok();
        let (code, body, negotiated) = match offered.as_ref().map(|o| answer(o, &local)) {
            Some(Ok(a)) if a.audio.is_some() => (200, a.sdp.to_bytes(), a.audio),
            // No offer in the re-INVITE: ours goes in the 200, the answer in the ACK.
            None if request.body.is_empty() => (200, offer(&local).to_bytes(), None),
            _ => (488, Vec::new(), None),
        };
        if let Some(n) = negotiated
            && let Some(media) = call.media.as_mut()
        {
            let remote = n.remote;
            let old = media.remote;
            media.remote = remote;
            media.sending = n.direction.sends() && call.bye_key.is_none();
            if let Some(old) = old.filter(|o| Some(*o) != remote)
                && self.by_rtp.get(&old) == Some(&idx)
            {
                self.by_rtp.remove(&old);
            }
            if let Some(r) = remote {
                self.by_rtp.insert(r, idx);
            }
        }
        if code == 200 && body.starts_with(b"v=") && negotiated.is_none() {
            call.late_offer = SessionDescription::parse_bytes(&body).ok();
        }
        call.dialog.reinvite_answered();
        let tag = call.tag.clone();
        let mut response = response_to(&request, code, None, Some(&tag));
        if code == 200 {
            self.with_sdp(&mut response, body);
        }
        self.respond(ep, key, response);
        let now = self.now();
        self.wake_media(now);
    }

    fn on_ack(&mut self, ack: &Request) {
        let now = self.now();
        let Some(&idx) = ack.call_id().ok().and_then(|c| self.by_call_id.get(c)) else { return };
        let Some(call) = self.calls.get_mut(&idx) else { return };
        let Some(our_offer) = call.late_offer.take() else { return };
        let Ok(theirs) = SessionDescription::parse_bytes(&ack.body) else { return };
        if let (Ok(Some(n)), Some(media)) = (accept_answer(&our_offer, &theirs), call.media.as_mut()) {
            media.codec = n.codec;
            media.payload_type = n.payload_type;
            media.remote = n.remote;
            media.sending = n.direction.sends() && call.bye_key.is_none();
            media.sender = RtpSender::new(n.codec, call.greeting_seed, now).with_payload_type(n.payload_type);
            if let Some(r) = n.remote {
                self.by_rtp.insert(r, idx);
            }
            self.wake_media(now);
        }
    }

    /// Makes sure the 20 ms media tick runs.
    fn wake_media(&mut self, now: Time) {
        if self.next_frame.is_none() {
            self.next_frame = Some(self.at(now));
        }
    }

    fn local_media(&self, idx: u32) -> LocalMedia {
        let mut local = LocalMedia::new(self.rtp_local.ip(), self.rtp_local.port(), u64::from(idx) + 1);
        local.username = "dialkit-callee".to_owned();
        local
    }

    /// Adds our Contact and an SDP body to a 2xx.
    fn with_sdp(&self, response: &mut Response, body: Vec<u8>) {
        response.headers.push(Contact::new(self.contact.as_str()).into());
        if !body.is_empty() {
            response.headers.push(ContentType::new("application/sdp").into());
        }
        response.body = body;
    }

    fn set_timer(&mut self, idx: u32) {
        // Timers of ended calls wait in the heap until due (up to the longest call): drop them
        // when they outnumber the live ones, so memory follows the calls in progress.
        if self.timers.len() > 2 * self.calls.len() + 1024 {
            let calls = &self.calls;
            self.timers.retain(|Reverse((_, i, g))| calls.get(i).is_some_and(|c| c.timer_gen == *g));
        }
        let Some(call) = self.calls.get_mut(&idx) else { return };
        call.timer_gen = call.timer_gen.wrapping_add(1);
        if let Some(t) = call.person.poll_timeout() {
            let generation = call.timer_gen;
            let at = self.at(t);
            self.timers.push(Reverse((at, idx, generation)));
        }
    }

    fn run_due(&mut self, ep: &mut UdpEndpoint) {
        let now = Instant::now();
        while let Some(&Reverse((at, idx, generation))) = self.timers.peek() {
            if at > now {
                break;
            }
            self.timers.pop();
            if self.calls.get(&idx).is_some_and(|c| c.timer_gen == generation) {
                self.advance(ep, idx);
            }
        }
    }

    /// Carries out the person's actions due now, then sets the call's timer.
    fn advance(&mut self, ep: &mut UdpEndpoint, idx: u32) {
        let now = self.now();
        // A person has at most a ring, an answer and a hang-up due at once.
        for _ in 0..4 {
            let Some(call) = self.calls.get_mut(&idx) else { return };
            let Some(action) = call.person.poll_action(now) else { break };
            self.act(ep, idx, action);
        }
        self.set_timer(idx);
    }

    fn act(&mut self, ep: &mut UdpEndpoint, idx: u32, action: Action) {
        match action {
            Action::Ring => {
                let Some(call) = self.calls.get(&idx) else { return };
                let (Some(invite), Some(key)) = (call.invite.as_ref(), call.invite_key) else { return };
                let mut response = response_to(invite, 180, None, Some(&call.tag));
                response.headers.push(Contact::new(self.contact.as_str()).into());
                self.respond(ep, key, response);
            }
            Action::Reject(code) => self.refuse(ep, idx, code, HangUpBy::None),
            Action::RangOut => self.refuse(ep, idx, 480, HangUpBy::Callee),
            Action::Answer => self.answer(ep, idx),
            Action::HangUp(_) => self.hang_up(ep, idx, HangUpBy::Callee),
        }
    }

    fn refuse(&mut self, ep: &mut UdpEndpoint, idx: u32, code: u16, by: HangUpBy) {
        let Some(call) = self.calls.get_mut(&idx) else { return };
        let (Some(invite), Some(key)) = (call.invite.take(), call.invite_key) else { return };
        call.final_code = Some(code);
        call.person.end();
        let tag = call.tag.clone();
        self.reply(ep, key, &invite, code, Some(&tag));
        self.finish(idx, by);
    }

    fn answer(&mut self, ep: &mut UdpEndpoint, idx: u32) {
        let local = self.local_media(idx);
        let now = self.now();
        let Some(call) = self.calls.get_mut(&idx) else { return };
        let Some(invite) = call.invite.as_ref() else { return };
        let cached = match &mut self.last_answer {
            // The same offer as the call before: that answer, with this call's session id and
            // version, written straight from the cache (a clone of the description was a score
            // of allocations per call).
            Some((offer, a)) if !invite.body.is_empty() && *offer == invite.body => {
                a.sdp.origin.session_id = local.session_id;
                a.sdp.origin.session_version = local.session_version;
                Some((a.sdp.to_bytes(), a.audio))
            }
            _ => None,
        };
        let offered = if cached.is_some() || invite.body.is_empty() {
            None
        } else {
            Some(SessionDescription::parse_bytes(&invite.body))
        };
        let (body, negotiated) = match (cached, offered) {
            (Some(cached), _) => cached,
            (None, None) => {
                let ours = offer(&local);
                let body = ours.to_bytes();
                call.late_offer = Some(ours);
                (body, None)
            }
            (None, Some(Ok(o))) => match answer(&o, &local) {
                Ok(a) if a.audio.is_some() => {
                    let body = a.sdp.to_bytes();
                    let audio = a.audio;
                    self.last_answer = Some((invite.body.clone(), a));
                    (body, audio)
                }
                _ => return self.refuse(ep, idx, 488, HangUpBy::Callee),
            },
            (None, Some(Err(_))) => return self.refuse(ep, idx, 488, HangUpBy::Callee),
        };
        let Some(invite) = call.invite.take() else { return };
        let Some(key) = call.invite_key else { return };
        let kind = greeting_kind(call.person.draw().kind).unwrap_or(GreetingKind::Human);
        let (codec, payload_type, remote, sending) = match negotiated {
            Some(n) => (n.codec, n.payload_type, n.remote, n.direction.sends()),
            None => (G711::Pcmu, 0, None, true),
        };
        call.media = Some(Box::new(Media {
            greeting: Greeting::new(kind, call.greeting_seed),
            sender: RtpSender::new(codec, call.greeting_seed, now).with_payload_type(payload_type),
            receiver: RtpReceiver::new(dialer::media::CLOCK_RATE),
            codec,
            payload_type,
            remote,
            sending,
        }));
        call.final_code = Some(200);
        call.answered_ms = Some(now.as_ms());
        call.dialog.confirm();
        let tag = call.tag.clone();
        if let Some(r) = remote {
            self.by_rtp.insert(r, idx);
        }
        let mut response = response_to(&invite, 200, None, Some(&tag));
        self.with_sdp(&mut response, body);
        self.respond(ep, key, response);
        self.wake_media(now);
    }

    /// Sends our BYE (through the dialog's route set) and waits for its response.
    fn hang_up(&mut self, ep: &mut UdpEndpoint, idx: u32, by: HangUpBy) {
        let branch = ep.layer().new_branch();
        let Some(call) = self.calls.get_mut(&idx) else { return };
        if call.bye_key.is_some() {
            return;
        }
        call.person.end();
        if let Some(m) = call.media.as_mut() {
            m.sending = false;
        }
        call.hangup = Some(by);
        let bye = call.dialog.request(Method::Bye, ViaSpec::udp(&self.local, &branch));
        let to = call.dialog.next_hop().unwrap_or(call.peer.addr);
        let now = ep.now();
        match ep.layer().send_request(bye, Peer::udp(to), now) {
            Ok(key) => {
                call.bye_key = Some(key);
                self.by_key.insert(key, idx);
            }
            Err(_) => self.finish(idx, by),
        }
    }

    /// Ends every call: BYE to the answered, 480 to the ringing; no new call is taken.
    fn stop_all(&mut self, ep: &mut UdpEndpoint) {
        self.stopping = true;
        let all: Vec<u32> = self.calls.keys().copied().collect();
        for idx in all {
            let Some(call) = self.calls.get(&idx) else { continue };
            if call.invite.is_some() {
                self.refuse(ep, idx, 480, HangUpBy::Shutdown);
            } else {
                self.hang_up(ep, idx, HangUpBy::Shutdown);
            }
        }
    }

    fn receive_rtp(&mut self, socket: &tokio::net::UdpSocket) {
        // Bounded: at most this many datagrams per wake-up; the rest wake us again.
        for _ in 0..4096 {
            let (len, from) = match socket.try_recv_from(&mut self.buf) {
                Ok(got) => got,
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                Err(_) => continue,
            };
            let datagram = &self.buf[..len];
            if is_rtcp(datagram) {
                continue;
            }
            let Some(&idx) = self.by_rtp.get(&from) else {
                self.summary.rtp_stray += 1;
                continue;
            };
            let arrival = self.start.elapsed().as_micros() as u64;
            let Some(call) = self.calls.get_mut(&idx) else { continue };
            let Some(media) = call.media.as_mut() else { continue };
            let Ok(got) = media.receiver.receive_at_micros(datagram, arrival) else { continue };
            if got.packet.payload_type != media.payload_type {
                continue;
            }
            let mut pcm = [0i16; FRAME_SAMPLES * 3];
            let n = got.packet.payload.len().min(pcm.len());
            media.codec.decode(&got.packet.payload[..n], &mut pcm[..n]);
            if call.person.hear(frame_dbfs(&pcm[..n])) {
                self.set_timer(idx);
            }
        }
    }

    fn send_media(&mut self, socket: &tokio::net::UdpSocket) {
        let Some(due) = self.next_frame else { return };
        let now = Instant::now();
        if now < due {
            return;
        }
        let t = self.now();
        let mut any = false;
        for call in self.calls.values_mut() {
            let Some(media) = call.media.as_mut() else { continue };
            if !media.sending {
                continue;
            }
            any = true;
            let Some(remote) = media.remote else { continue };
            let Media { greeting, sender, .. } = &mut **media;
            while sender.poll_transmit(t, greeting, &mut self.datagram).is_some() {
                // A full buffer or an unreachable port loses the frame, as the network would.
                let _ = socket.try_send_to(&self.datagram, remote);
            }
        }
        let frame = Duration::from_millis(FRAME_MS);
        let next = if due + frame > now { due + frame } else { now + frame };
        self.next_frame = any.then_some(next);
    }

    /// The call is over: its record is written and it leaves every table.
    fn finish(&mut self, idx: u32, by: HangUpBy) {
        let Some(call) = self.calls.remove(&idx) else { return };
        self.by_call_id.remove(&call.call_id);
        let by = call.hangup.unwrap_or(by);
        let (mut sent, mut received, mut lost, mut jitter) = (0, 0, 0, None);
        if let Some(m) = &call.media {
            if let Some(r) = m.remote
                && self.by_rtp.get(&r) == Some(&idx)
            {
                self.by_rtp.remove(&r);
            }
            sent = m.sender.packets_sent();
            for s in m.receiver.streams() {
                received += s.received();
                lost += s.lost();
                jitter = Some(jitter.unwrap_or(0f64).max(s.jitter_ms()));
            }
        }
        let draw = call.person.draw();
        let record = CallRecord {
            call_id: call.call_id.to_string(),
            lead: call.lead,
            kind: kind_name(draw.kind),
            ring_ms: draw.after_ms,
            patience_ms: draw.patience_ms,
            greeting_ms: call.greeting_ms,
            final_code: call.final_code,
            invited_ms: call.invited_ms,
            answered_ms: call.answered_ms,
            ended_ms: self.now().as_ms(),
            hangup_by: by.as_str(),
            heard_voice: call.person.heard_someone(),
            rtp_sent: sent,
            rtp_received: received,
            rtp_lost: lost,
            jitter_ms: jitter,
        };
        self.summary.add(&record);
        if self.records.is_some() {
            self.pending.push(record);
        }
    }
}

fn greeting_kind(kind: CalleeKind) -> Option<GreetingKind> {
    match kind {
        CalleeKind::Human => Some(GreetingKind::Human),
        CalleeKind::Machine => Some(GreetingKind::Machine),
        _ => None,
    }
}

/// The CSV name of a kind.
pub fn kind_name(kind: CalleeKind) -> &'static str {
    match kind {
        CalleeKind::Human => "human",
        CalleeKind::Machine => "machine",
        CalleeKind::Busy => "busy",
        CalleeKind::NoAnswer => "no_answer",
        CalleeKind::Invalid => "invalid",
    }
}

/// A registrar's 200 to a REGISTER, as a carrier's trunk gives a dialer registering with it:
/// every Contact bound for what it asked (the Expires header, else an hour), at most an hour
/// (§10.3). Nothing is stored: calls reach the callee by its address, not through bindings.
fn registered(request: &Request) -> Response {
    let asked = request.expires().unwrap_or(3600).min(3600);
    let mut response = response_to(request, 200, None, None);
    if let Ok(contacts) = request.contacts() {
        for c in contacts {
            response.headers.push(Contact::new(format!("<{}>;expires={asked}", c.uri)).into());
        }
    }
    response
}

/// The lead a Request-URI names: its user part as a number (a leading `+` allowed).
fn number_of(request: &Request) -> Option<u64> {
    let user = request.uri.auth.as_ref()?.user.as_str();
    let digits = user.strip_prefix('+').unwrap_or(user);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok()
}
