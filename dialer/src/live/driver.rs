//! The live driver: one tokio task that owns the dialer core and drives it in wall-clock time.
//!
//! Inputs come from the trunks (SIP), from each answered call's audio (the AMD verdict, the end
//! of the abandon message) and from the agents' side; outputs become SIP requests and audio
//! commands. The pacing and the campaign's rules are the core's and the store's: the driver
//! decides nothing but how to carry a decision out.
//!
//! The order that keeps a crash harmless: before every input the core's lead list is replaced by
//! what the store says is due ([`Store::next_due`]); every `Output::Dial` is journaled
//! ([`Store::begin_attempt`], then [`Store::journal_invite`] with the CANCEL) before its INVITE
//! goes; every answer is journaled with its BYE ([`Store::mark_answered`]) and every bridge
//! ([`Store::mark_connected`]); every finished CDR goes through [`Store::finish_attempt`] while
//! its output is drained, before the next input, so the next decision rests on it. A restart
//! ends what a crash left in flight ([`recover`]) before dialing.
//!
//! ```text
//! loop {
//!     select! { SIP datagram or transaction timer | agent event | audio event
//!             | the core's timer (re-armed only when poll_timeout changes) | shutdown }
//!     refresh the core's leads from the store; core.handle(input, now)
//!     drain core.poll_output(): journal, send SIP, command audio, write records
//! }
//! ```

mod recover;
mod register;
mod sip;
pub mod trunks;

use super::agents::{AgentEvent, AgentSide};
use super::media::{MediaCmd, MediaEvent, MediaHandle};
use crate::campaign::Campaign;
use crate::core::{AgentId, CallId, Config, Dialer, Input, LeadId, LeadSource, Output, Screening, Time};
use crate::media::amd::AmdConfig;
use crate::sip::auth::DigestClient;
use crate::sip::dialog::Dialog;
use crate::sip::endpoint::UdpEndpoint;
use crate::sip::transaction::TransactionKey;
use crate::store::Store;
use compact_str::CompactString;
use jiff::Timestamp;
use reports::{AgentInterval, AgentState, Cdr, Outcome};
use rsip::Request;
use std::collections::{HashMap, HashSet, VecDeque};
use std::future::Future;
use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::mpsc;
use tokio::time::Instant;
use trunks::TrunkState;

/// How many due leads the core is offered before each input: more than it can dial at once.
const LEAD_BATCH: usize = 64;
/// The shortest ring before the dialer may cancel an unanswered call (FCC, Ofcom).
pub const MIN_RING: Duration = Duration::from_secs(15);

/// After the drain: how long the driver stays to see its last BYEs and CANCELs answered.
const EXIT_GRACE: Duration = Duration::from_secs(2);

/// What a live run needs beyond the campaign.
#[derive(Clone, Debug)]
pub struct DriverConfig {
    /// The campaign (trunks, windows, pacing, retry rules).
    pub campaign: Campaign,
    /// The abandon message, 8 kHz mono samples.
    pub abandon_message: Arc<[i16]>,
    /// The message left on answering machines after their greeting; `None`: hang up at once.
    pub machine_message: Option<Arc<[i16]>>,
    /// The answering-machine detector's settings.
    pub amd: AmdConfig,
    /// The local address SIP and RTP bind to and advertise.
    pub local_ip: IpAddr,
    /// How often each trunk is sent OPTIONS.
    pub options_interval: Duration,
    /// Stop dialing after this long.
    pub run_for: Option<Duration>,
    /// Stop dialing once every lead is in a final state.
    pub until_done: bool,
    /// After stopping, wait at most this long for calls in flight to end; what is left stays
    /// journaled and is closed by the next start.
    pub drain: Duration,
}

impl DriverConfig {
    /// The detector settings a campaign should start from (see [`crate::media::amd`]): app_amd's
    /// defaults with `maximum_number_of_words = 3`.
    pub fn default_amd() -> AmdConfig {
        AmdConfig { max_words: 3, ..AmdConfig::default() }
    }
}

/// Why a live run could not start or went wrong.
#[derive(Debug, thiserror::Error)]
pub enum DriverError {
    /// The campaign store failed.
    #[error("campaign store: {0}")]
    Store(String),
    /// A socket could not be bound.
    #[error("cannot bind {what} on {addr}: {source} (fix: choose another local address)")]
    Bind {
        /// Which socket.
        what: &'static str,
        /// Where.
        addr: String,
        /// Why.
        source: std::io::Error,
    },
    /// A trunk's address could not be found.
    #[error(transparent)]
    Resolve(#[from] trunks::ResolveError),
    /// The campaign's pacing settings build no pacer.
    #[error(transparent)]
    Pacing(#[from] crate::campaign::PacingError),
}

/// What the status line shows, once a second.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Status {
    /// Since the start.
    pub elapsed: Duration,
    /// Calls placed.
    pub dials: u64,
    /// Calls not yet answered.
    pub ringing: u32,
    /// Calls bridged to an agent.
    pub talking: u32,
    /// Agents ready, talking, in wrap-up, paused.
    pub agents_ready: u32,
    /// Agents talking.
    pub agents_talk: u32,
    /// Agents in wrap-up.
    pub agents_wrap: u32,
    /// Agents paused.
    pub agents_paused: u32,
    /// Live answers so far (connected and abandoned).
    pub live_answers: u64,
    /// Abandoned calls so far.
    pub abandons: u64,
    /// Trunks up.
    pub trunks_up: u32,
    /// Whether dialing has stopped.
    pub stopping: bool,
}

impl Status {
    /// Abandons / live answers so far.
    pub fn abandon_rate(&self) -> f64 {
        if self.live_answers == 0 { 0.0 } else { self.abandons as f64 / self.live_answers as f64 }
    }
}

/// What a run produced: this run's records (calls closed after a crash are in the store only).
#[derive(Debug, Default)]
pub struct RunRecords {
    /// Wall-clock time of `Time::ZERO`.
    pub origin: Option<Timestamp>,
    /// One per call finished in this run.
    pub cdrs: Vec<Cdr>,
    /// Agents' intervals.
    pub intervals: Vec<AgentInterval>,
    /// Calls a previous run left in flight, ended and closed at the start.
    pub recovered: usize,
    /// Calls still in flight when the drain ran out (left journaled for the next start).
    pub left_in_flight: usize,
}

/// Where a call's SIP stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum SipState {
    /// Journaled, waiting for a trunk line or its calls-per-second slot.
    Pending,
    /// INVITE sent, no final answer.
    Inviting,
    /// Answered; dialog confirmed.
    Answered,
    /// Our BYE is out.
    Byeing,
}

/// One call the driver carries.
struct LiveCall {
    lead: LeadId,
    number: CompactString,
    state: SipState,
    /// The trunk it went out on, and the trunks tried (bit i: trunk i).
    trunk: Option<usize>,
    tried: u64,
    invite: Option<Request>,
    invite_key: Option<TransactionKey>,
    sip_call_id: String,
    from_tag: String,
    cseq: u32,
    auth_tries: u8,
    invited_at: Option<Instant>,
    /// A CANCEL waiting for the 15-second minimum ring.
    cancel_at: Option<Instant>,
    /// The core has ended the call: an answer that crosses our CANCEL is hung up at once.
    ended_in_core: bool,
    ringing_told: bool,
    socket: Option<tokio::net::UdpSocket>,
    offer: Option<crate::media::sdp::SessionDescription>,
    dialog: Option<Dialog>,
    media: Option<MediaHandle>,
    agent: Option<AgentId>,
    answered_at: Option<Instant>,
    /// AMD said machine and the campaign leaves a message: the hang-up waits for it.
    leave_message: bool,
}

/// The live driver. Build with [`Driver::new`], then [`Driver::run`].
pub struct Driver<A: AgentSide> {
    config: DriverConfig,
    core: Dialer,
    store: Store,
    agents: A,
    ep: UdpEndpoint,
    local: CompactString,
    trunks: Vec<TrunkState>,
    digest: DigestClient,
    start: Instant,
    origin: Timestamp,
    calls: HashMap<CallId, LiveCall>,
    by_key: HashMap<TransactionKey, CallId>,
    by_sip_call_id: HashMap<String, CallId>,
    options_keys: HashMap<TransactionKey, usize>,
    /// REGISTERs in flight and the trunk each is for.
    register_keys: HashMap<TransactionKey, usize>,
    pending: VecDeque<CallId>,
    media_tx: mpsc::UnboundedSender<(CallId, MediaEvent)>,
    media_rx: mpsc::UnboundedReceiver<(CallId, MediaEvent)>,
    /// Calls the store refused to begin (the core's records of them are not the store's).
    unjournaled: HashSet<CallId>,
    /// Callbacks asked for at wrap-up, scheduled once the call's CDR is in the store.
    callbacks: HashMap<CallId, (LeadId, Timestamp, AgentId)>,
    /// The call each agent is (or was last) bridged to.
    /// Each agent's latest connected call and its lead (kept past the call's end: the agent's
    /// wrap-up, and with it a callback's time, comes after the call has left `calls`).
    agent_call: HashMap<AgentId, (CallId, LeadId)>,
    agent_state: HashMap<AgentId, AgentState>,
    deferred: VecDeque<Input>,
    records: RunRecords,
    status: Status,
    stopping: bool,
    drain_deadline: Option<Instant>,
    seq: u64,
}

impl<A: AgentSide> Driver<A> {
    /// Binds the SIP endpoint, resolves the trunks and sets up the core, numbering calls after
    /// the store's last. Must be called inside a tokio runtime.
    pub async fn new(config: DriverConfig, store: Store, agents: A) -> Result<Driver<A>, DriverError> {
        let start = Instant::now();
        let origin = Timestamp::now();
        let bind = std::net::SocketAddr::new(config.local_ip, 0);
        let mut ep = UdpEndpoint::bind(bind, crate::sip::transaction::Config::default(), 1 << 20)
            .map_err(|source| DriverError::Bind { what: "SIP", addr: bind.to_string(), source })?;
        ep.listen_tcp().map_err(|source| DriverError::Bind { what: "SIP over TCP", addr: bind.to_string(), source })?;
        let local = compact_str::format_compact!("{}", ep.local_addr());
        let mut trunks = Vec::new();
        // Registrations' Call-IDs differ from one run to the next (§10.2.4): the run's start.
        let run_tag = origin.as_nanosecond() as u64;
        for (i, t) in config.campaign.trunks.iter().enumerate() {
            let mut trunk = TrunkState::resolve(t.clone(), start).await?;
            if t.register {
                trunk.registration = Some(register::Registration::new(i, run_tag, start));
            }
            trunks.push(trunk);
        }
        let c = &config.campaign;
        let core_config = Config {
            campaign: c.name.as_str().into(),
            caller_id: c.trunks.first().map(|t| t.caller_id.as_str()).unwrap_or("").into(),
            ring_timeout_ms: c.ring_timeout_ms,
            drop_after_ms: Some(c.drop_after_ms),
            lines: c.trunks.iter().map(|t| t.max_lines).sum(),
            screening: Screening::Amd,
            leads: LeadSource::List(VecDeque::new()),
        };
        let mut core = Dialer::new(core_config, c.pacer(origin)?);
        let last = store.max_call_id().map_err(|e| DriverError::Store(e.to_string()))?;
        if let Some(last) = last {
            core.number_calls_after(last);
        }
        let (media_tx, media_rx) = mpsc::unbounded_channel();
        let records = RunRecords { origin: Some(origin), ..RunRecords::default() };
        Ok(Driver {
            config,
            core,
            store,
            agents,
            ep,
            local,
            trunks,
            digest: DigestClient::new(),
            start,
            origin,
            calls: HashMap::new(),
            by_key: HashMap::new(),
            by_sip_call_id: HashMap::new(),
            options_keys: HashMap::new(),
            register_keys: HashMap::new(),
            pending: VecDeque::new(),
            media_tx,
            media_rx,
            unjournaled: HashSet::new(),
            callbacks: HashMap::new(),
            agent_call: HashMap::new(),
            agent_state: HashMap::new(),
            deferred: VecDeque::new(),
            records,
            status: Status::default(),
            stopping: false,
            drain_deadline: None,
            seq: 0,
        })
    }

    /// The SIP address the driver sends from.
    pub fn sip_addr(&self) -> std::net::SocketAddr {
        self.ep.local_addr()
    }

    /// Runs the campaign until it stops (`run_for`, `until_done`, or `shutdown` resolving:
    /// SIGINT/SIGTERM in `dialer run`), then lets calls in flight end (at most `drain`).
    /// `status` is called once a second.
    pub async fn run(
        mut self,
        shutdown: impl Future<Output = ()>,
        mut status: impl FnMut(&Status),
    ) -> Result<RunRecords, DriverError> {
        self.records.recovered = self.recover().await?;
        let run_until = self.config.run_for.map(|d| self.start + d);
        let core_sleep = tokio::time::sleep_until(far_future());
        tokio::pin!(core_sleep);
        tokio::pin!(shutdown);
        let mut armed: Option<Time> = None;
        let mut shutdown_done = false;
        let mut next_status = self.start + Duration::from_secs(1);
        if self.config.until_done && self.store.is_finished().map_err(|e| DriverError::Store(e.to_string()))? {
            self.stop();
        }
        self.input(Input::Timeout);
        loop {
            if armed != self.core.poll_timeout() {
                armed = self.core.poll_timeout();
                core_sleep.as_mut().reset(armed.map_or_else(far_future, |t| self.instant_of(t)));
            }
            let wake = [Some(next_status), self.next_wake(), run_until.filter(|_| !self.stopping), self.drain_deadline]
                .into_iter()
                .flatten()
                .min()
                .unwrap_or_else(far_future);
            enum Woke {
                Sip,
                Agent(AgentEvent),
                Media(CallId, MediaEvent),
                Core,
                Shutdown,
            }
            let woke = tokio::select! {
                _ = self.ep.wait(Some(wake.into_std())) => Woke::Sip,
                event = self.agents.next() => Woke::Agent(event),
                Some((call, event)) = self.media_rx.recv() => Woke::Media(call, event),
                _ = &mut core_sleep, if armed.is_some() => Woke::Core,
                _ = &mut shutdown, if !shutdown_done => Woke::Shutdown,
            };
            match woke {
                Woke::Sip => {}
                Woke::Agent(event) => self.on_agent(event),
                Woke::Media(call, event) => self.on_media(call, event),
                Woke::Core => {
                    armed = None;
                    core_sleep.as_mut().reset(far_future());
                    self.input(Input::Timeout);
                }
                Woke::Shutdown => {
                    shutdown_done = true;
                    eprintln!("dialer: stopping: no new calls; letting calls in flight end");
                    self.stop();
                }
            }
            self.pump_sip();
            let now = Instant::now();
            self.run_cancels(now);
            self.send_pending(now);
            self.keep_alive(now);
            self.register_due(now);
            self.ep.flush();
            if run_until.is_some_and(|t| now >= t) && !self.stopping {
                self.stop();
            }
            if now >= next_status {
                next_status += Duration::from_secs(1);
                // A periodic input lets leads whose retry time has come reach the pacer.
                self.input(Input::Timeout);
                self.refresh_status();
                status(&self.status);
            }
            if self.stopping && self.core.is_finished() && self.calls.is_empty() {
                break;
            }
            if let Some(deadline) = self.drain_deadline
                && now >= deadline
            {
                // Calls still queued for a line go no further: nothing is placed after the drain.
                self.fail_pending();
                // Not before every ringing call has rung its minimum: the drain waits for those.
                match self.ring_floor().filter(|&floor| floor > now) {
                    Some(floor) => self.drain_deadline = Some(floor),
                    None => {
                        eprintln!(
                            "dialer: drain time over with {} calls in flight; they stay journaled",
                            self.calls.len()
                        );
                        break;
                    }
                }
            }
        }
        self.records.left_in_flight = self.calls.len();
        self.hang_up_leftovers().await;
        // The agents' phones: BYE on every leg (the desk waits up to 2 s for their answers).
        self.agents.close().await;
        self.refresh_status();
        status(&self.status);
        Ok(self.records)
    }

    /// When the last call still ringing will have rung [`MIN_RING`].
    fn ring_floor(&self) -> Option<Instant> {
        self.calls
            .values()
            .filter(|c| c.state == SipState::Inviting)
            .filter_map(|c| c.invited_at.map(|t| t + MIN_RING))
            .max()
    }

    /// Calls left when the drain ran out: BYE or CANCEL them on the way out (their journal closes
    /// their records at the next start), then answer what comes back for up to [`EXIT_GRACE`]:
    /// a 2xx crossing a CANCEL is acknowledged and hung up, as during the run.
    async fn hang_up_leftovers(&mut self) {
        let ids: Vec<CallId> = self.calls.keys().copied().collect();
        for id in ids {
            if let Some(c) = self.calls.get_mut(&id) {
                // The core is done with the run: what happens now is not its input (an answer is
                // hung up at once, a BYE crossing ours writes no record: the journal closes it).
                c.ended_in_core = true;
            }
            match self.calls.get(&id).map(|c| c.state) {
                Some(SipState::Answered) => self.bye(id),
                Some(SipState::Inviting) => {
                    if let Some(key) = self.calls.get(&id).and_then(|c| c.invite_key) {
                        let now = self.ep.now();
                        let _ = self.ep.layer().cancel(key, now);
                    }
                }
                _ => {}
            }
        }
        self.ep.flush();
        let until = Instant::now() + EXIT_GRACE;
        while !self.calls.is_empty() && Instant::now() < until {
            self.ep.wait(Some(until.into_std())).await;
            self.pump_sip();
            self.ep.flush();
        }
    }

    // ----- time -------------------------------------------------------------------------------

    fn now(&self) -> (Time, Timestamp) {
        let elapsed = self.start.elapsed();
        let ts = self.origin.checked_add(elapsed).unwrap_or(self.origin);
        (Time::from_ms(elapsed.as_millis() as u64), ts)
    }

    fn instant_of(&self, t: Time) -> Instant {
        self.start + Duration::from_millis(t.as_ms())
    }

    /// The earliest of the driver's own deadlines: a deferred CANCEL, a paced INVITE, a keep-alive.
    fn next_wake(&self) -> Option<Instant> {
        let cancels = self.calls.values().filter_map(|c| c.cancel_at);
        let pacing =
            self.pending.front().and_then(|_| self.trunks.iter().filter(|t| t.has_line()).map(|t| t.next_invite).min());
        let options = self.trunks.iter().map(|t| t.next_options);
        let registers = self.trunks.iter().filter_map(|t| t.registration.as_ref()).filter(|r| r.in_flight.is_none());
        cancels.chain(pacing).chain(options).chain(registers.map(|r| r.next)).min()
    }

    // ----- the core ---------------------------------------------------------------------------

    /// Stops dialing: the core starts no call; calls in flight run to their end.
    fn stop(&mut self) {
        if self.stopping {
            return;
        }
        self.stopping = true;
        self.drain_deadline = Some(Instant::now() + self.config.drain);
        self.input(Input::Stop);
    }

    /// Feeds one input: the core's leads are refreshed from the store first, then its outputs
    /// are carried out, records first written to the store.
    fn input(&mut self, input: Input) {
        self.deferred.push_back(input);
        while let Some(input) = self.deferred.pop_front() {
            self.refresh_leads();
            let (now, _) = self.now();
            if let Err(e) = self.core.handle(input.clone(), now) {
                // A late network event for a call already ended is normal.
                log_refused(&input, &e);
            }
            while let Some(output) = self.core.poll_output() {
                self.on_output(output);
            }
        }
    }

    fn refresh_leads(&mut self) {
        let dialing = !self.stopping && self.trunks.iter().any(TrunkState::usable);
        let leads = if dialing {
            let (_, ts) = self.now();
            match self.store.next_due(ts, LEAD_BATCH) {
                Ok(due) => due.into_iter().map(|d| d.lead).collect(),
                Err(e) => {
                    eprintln!("dialer: store: {e}");
                    VecDeque::new()
                }
            }
        } else {
            VecDeque::new()
        };
        *self.core.leads_mut() = LeadSource::List(leads);
    }

    fn on_output(&mut self, output: Output) {
        match output {
            Output::Dial { call, lead, number, .. } => self.dial(call, lead, number),
            Output::Connect { call, agent } => self.connect(call, agent),
            Output::Hangup { call } => self.hang_up(call),
            Output::Drop { call } => self.drop_call(call),
            Output::Reject { .. } => {}
            Output::OfferPreview { agent, .. } => {
                // The desk has no preview screen yet: the agent dials what is offered.
                self.deferred.push_back(Input::PreviewDone { agent, dial: true });
            }
            Output::StartWrap { agent } => {
                self.agent_state.insert(agent, AgentState::Wrap);
                self.agents.set_state(agent, "wrap");
            }
            Output::Cdr(cdr) => self.finish_cdr(*cdr),
            Output::AgentInterval(interval) => self.records.intervals.push(interval),
        }
    }

    /// A finished call's record: into the store (with the lead's next state) before anything
    /// else happens, then into this run's records.
    fn finish_cdr(&mut self, cdr: Cdr) {
        let call = CallId(cdr.call_id);
        if self.unjournaled.remove(&call) {
            return;
        }
        let (_, ts) = self.now();
        if let Err(e) = self.store.finish_attempt(&cdr, self.origin, ts) {
            eprintln!("dialer: store: {call}: {e}");
        }
        if let Some((lead, at, agent)) = self.callbacks.remove(&call)
            && let Err(e) = self.store.schedule_callback(lead, at, Some(agent), ts)
        {
            eprintln!("dialer: store: callback for {lead}: {e}");
        }
        if matches!(cdr.outcome, Outcome::Connected | Outcome::Abandoned) {
            self.status.live_answers += 1;
        }
        if cdr.outcome == Outcome::Abandoned {
            self.status.abandons += 1;
        }
        self.records.cdrs.push(cdr);
        if self.config.until_done && !self.stopping && self.store.is_finished().unwrap_or(false) {
            eprintln!("dialer: every lead is in a final state");
            self.stop();
        }
    }

    // ----- agents -----------------------------------------------------------------------------

    fn on_agent(&mut self, event: AgentEvent) {
        match event {
            AgentEvent::Login { agent, .. } => {
                self.agent_state.insert(agent, AgentState::Ready);
                self.input(Input::AgentLogin { agent });
            }
            AgentEvent::Logout { agent } => {
                self.agent_state.remove(&agent);
                self.input(Input::AgentLogout { agent });
            }
            AgentEvent::Pause { agent } => {
                self.agent_state.insert(agent, AgentState::Paused);
                self.input(Input::AgentPause { agent });
            }
            AgentEvent::Resume { agent } => {
                self.agent_state.insert(agent, AgentState::Ready);
                self.input(Input::AgentResume { agent });
            }
            AgentEvent::Hangup { agent } => {
                let Some(&(call, _)) = self.agent_call.get(&agent) else { return };
                if self.calls.get(&call).is_some_and(|c| c.agent == Some(agent) && !c.ended_in_core) {
                    if let Some(c) = self.calls.get_mut(&call) {
                        c.ended_in_core = true;
                    }
                    self.input(Input::AgentHangup { call, machine: false });
                    self.agents.call_ended(agent, call);
                    self.bye(call);
                }
            }
            AgentEvent::WrapDone { agent, disposition, callback_at } => {
                if let (Some(at), Some(&(call, lead))) = (callback_at, self.agent_call.get(&agent))
                    && disposition == crate::campaign::retry::CALLBACK
                {
                    self.callbacks.insert(call, (lead, at, agent));
                }
                self.agent_state.insert(agent, AgentState::Ready);
                self.input(Input::WrapDone { agent, disposition: disposition.into() });
            }
        }
    }

    fn connect(&mut self, call: CallId, agent: AgentId) {
        let (_, ts) = self.now();
        if let Err(e) = self.store.mark_connected(call, ts) {
            eprintln!("dialer: store: {e}");
        }
        self.agent_state.insert(agent, AgentState::Talk);
        let Some(c) = self.calls.get_mut(&call) else { return };
        self.agent_call.insert(agent, (call, c.lead));
        c.agent = Some(agent);
        let audio = self.agents.connect(agent, call, &c.number);
        self.agents.set_state(agent, "talk");
        match (audio, &c.media) {
            (Some(audio), Some(media)) => media.send(MediaCmd::Bridge(audio)),
            (None, _) => eprintln!("dialer: {agent}'s phone is not connected: {call} has no audio to the agent"),
            _ => {}
        }
    }

    // ----- audio ------------------------------------------------------------------------------

    fn on_media(&mut self, call: CallId, event: MediaEvent) {
        match event {
            MediaEvent::Amd(decision) => {
                if let Some(c) = self.calls.get_mut(&call)
                    && !c.ended_in_core
                {
                    c.leave_message =
                        decision.verdict == reports::AmdVerdict::Machine && self.config.machine_message.is_some();
                    self.input(decision.input(call));
                }
            }
            MediaEvent::Played => self.bye(call),
        }
    }

    fn drop_call(&mut self, call: CallId) {
        let Some(c) = self.calls.get_mut(&call) else { return };
        c.ended_in_core = true;
        match &c.media {
            Some(media) => media.send(MediaCmd::Play(self.config.abandon_message.clone())),
            None => self.bye(call),
        }
    }

    // ----- status -----------------------------------------------------------------------------

    fn refresh_status(&mut self) {
        let s = &mut self.status;
        s.elapsed = self.start.elapsed();
        s.ringing =
            self.calls.values().filter(|c| matches!(c.state, SipState::Pending | SipState::Inviting)).count() as u32;
        s.talking = self.calls.values().filter(|c| c.agent.is_some() && !c.ended_in_core).count() as u32;
        let count = |state| self.agent_state.values().filter(|s| **s == state).count() as u32;
        s.agents_ready = count(AgentState::Ready);
        s.agents_talk = count(AgentState::Talk);
        s.agents_wrap = count(AgentState::Wrap);
        s.agents_paused = count(AgentState::Paused);
        s.trunks_up = self.trunks.iter().filter(|t| t.usable()).count() as u32;
        s.stopping = self.stopping;
    }
}

fn far_future() -> Instant {
    Instant::now() + Duration::from_secs(86_400 * 365)
}

fn log_refused(input: &Input, e: &crate::core::InputError) {
    match input {
        // Late answers, verdicts and hang-ups for calls the core has ended are expected.
        Input::Answered { .. } | Input::AmdVerdict { .. } | Input::RemoteHangup { .. } | Input::Ringing { .. } => {}
        _ => eprintln!("dialer: {e}"),
    }
}
