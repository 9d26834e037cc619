//! [`TransactionLayer`]: the table of live transactions, the matching of §17.1.3 and §17.2.3, and
//! the dispatch of inputs, commands and timers to each transaction's state machine.

use super::client_invite::ClientInvite;
use super::client_non_invite::ClientNonInvite;
use super::headers::{self, InviteStub, TopVia, ack_key, bytes_of, cseq, rfc2543_via, top_via};
use super::server_invite::ServerInvite;
use super::server_non_invite::ServerNonInvite;
use super::timers::{Deadlines, Entry, Slot, TimerQueue};
use super::{
    AckError, CancelError, Config, Event, Input, Kind, MessageError, Output, Peer, ReceiveError, SendRequestError,
    SendResponseError, State, Stats, Time, Timer, TransactionKey, Transmit,
};
use compact_str::CompactString;
use rsip::{Header, Method, Request, Response, SipMessage, StatusCode};
use std::collections::{HashMap, VecDeque};

/// What a transaction is found by: §17.1.3 (client: branch and CSeq method) and §17.2.3 (server:
/// branch, sent-by and method, an ACK looking up its INVITE).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub(super) struct MatchKey {
    branch: CompactString,
    /// `sent-by` of the top Via for server transactions; empty for client ones.
    sent_by: CompactString,
    method: u8,
    server: bool,
}

impl MatchKey {
    fn client(branch: &str, method: Method) -> MatchKey {
        MatchKey { branch: branch.into(), sent_by: CompactString::default(), method: method as u8, server: false }
    }

    fn server(via: &TopVia, method: Method) -> MatchKey {
        MatchKey { branch: via.branch.clone(), sent_by: via.sent_by.clone(), method: method as u8, server: true }
    }
}

/// What every transaction has: its peer, its key in the table, the message it (re)sends, and its
/// two timer slots.
#[derive(Debug)]
pub(super) struct Common {
    pub peer: Peer,
    pub key: MatchKey,
    /// Client: the request (or, after a non-2xx, the ACK). Server: the latest response.
    pub message: Box<[u8]>,
    pub deadlines: Deadlines,
}

/// Whether a transaction lives on after a step.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Step {
    Alive,
    Done,
}

#[derive(Debug)]
#[allow(clippy::enum_variant_names, reason = "the RFC's names of the four machines")]
enum Machine {
    ClientInvite(ClientInvite),
    ClientNonInvite(ClientNonInvite),
    ServerInvite(ServerInvite),
    ServerNonInvite(ServerNonInvite),
}

#[derive(Debug)]
struct Txn {
    common: Common,
    machine: Machine,
}

impl Txn {
    fn state(&self) -> State {
        match &self.machine {
            Machine::ClientInvite(m) => m.state,
            Machine::ClientNonInvite(m) => m.state,
            Machine::ServerInvite(m) => m.state,
            Machine::ServerNonInvite(m) => m.state,
        }
    }
}

#[derive(Debug, Default)]
struct SlotEntry {
    generation: u32,
    txn: Option<Txn>,
}

/// What a state machine may touch besides its own transaction: the clock, the outputs, the timer
/// queue, the counters.
pub(super) struct Ctx<'a> {
    pub now: Time,
    pub key: TransactionKey,
    pub config: &'a Config,
    pub stats: &'a mut Stats,
    outputs: &'a mut VecDeque<Output>,
    timers: &'a mut TimerQueue,
}

impl Ctx<'_> {
    /// Sends the transaction's message (nothing if it has none).
    pub fn send(&mut self, c: &Common, retransmission: bool) {
        if !c.message.is_empty() {
            self.transmit(c.peer, c.message.to_vec(), Some(self.key), retransmission);
        }
    }

    pub fn transmit(&mut self, peer: Peer, bytes: Vec<u8>, key: Option<TransactionKey>, retransmission: bool) {
        if retransmission {
            self.stats.retransmissions += 1;
        }
        self.outputs.push_back(Output::Transmit(Transmit { peer, bytes, key, retransmission }));
    }

    pub fn event(&mut self, event: Event) {
        self.outputs.push_back(Output::Event(event));
    }

    pub fn duration(&self, timer: Timer, reliable: bool) -> u64 {
        self.config.duration(timer, reliable)
    }

    /// The first interval of a doubling timer (A, E, G), as kept in [`Deadlines::interval_ms`].
    pub fn interval(&self, timer: Timer) -> u32 {
        u32::try_from(self.duration(timer, false)).unwrap_or(u32::MAX)
    }

    pub fn t2(&self) -> u32 {
        u32::try_from(self.config.t2_ms).unwrap_or(u32::MAX)
    }

    /// Sets a slot to fire `after_ms` from now, replacing what it held.
    pub fn arm(&mut self, c: &mut Common, slot: Slot, timer: Timer, after_ms: u64) {
        let at = self.now + after_ms;
        match slot {
            Slot::Retransmit => {
                c.deadlines.retransmit_at = at;
                c.deadlines.retransmit = timer;
            }
            Slot::End => {
                c.deadlines.end_at = at;
                c.deadlines.end = timer;
            }
        }
        self.timers.push(Entry { at, index: self.key.index, generation: self.key.generation, slot });
    }
}

/// A hasher seeded from the layer's seed, for the tables keyed by what peers send: foldhash's
/// quality variant, a few times cheaper than SipHash, and a peer still cannot aim collisions
/// without knowing the seed.
type Seeded = foldhash::quality::FixedState;

/// All transactions of one SIP endpoint, sans-IO.
///
/// Methods come in four groups, as in quinn-proto: input from the network and the clock
/// ([`handle`](Self::handle), [`handle_timeout`](Self::handle_timeout)); commands of the TU
/// ([`send_request`](Self::send_request), [`send_response`](Self::send_response),
/// [`cancel`](Self::cancel), [`send_ack`](Self::send_ack)); outputs
/// ([`poll_output`](Self::poll_output), [`poll_timeout`](Self::poll_timeout)); and getters. After
/// any input or command, drain `poll_output` until `None`, then sleep until `poll_timeout`.
#[derive(Debug)]
pub struct TransactionLayer {
    config: Config,
    slots: Vec<SlotEntry>,
    free: Vec<u32>,
    live: usize,
    by_key: HashMap<MatchKey, u32, Seeded>,
    /// INVITE server transactions whose 2xx awaits its ACK, by Call-ID and CSeq number.
    by_ack: HashMap<u64, u32, Seeded>,
    timers: TimerQueue,
    outputs: VecDeque<Output>,
    now: Time,
    tokens: u64,
    stats: Stats,
}

impl TransactionLayer {
    /// An endpoint with no transactions. T1 is taken as at least 1 ms and T2 as at least T1 (a
    /// zero T1 would retransmit forever within one instant).
    pub fn new(mut config: Config) -> TransactionLayer {
        config.t1_ms = config.t1_ms.max(1);
        config.t2_ms = config.t2_ms.max(config.t1_ms);
        let seed = config.seed;
        TransactionLayer {
            config,
            slots: Vec::new(),
            free: Vec::new(),
            live: 0,
            by_key: HashMap::with_hasher(Seeded::with_seed(seed)),
            by_ack: HashMap::with_hasher(Seeded::with_seed(seed.rotate_left(17))),
            timers: TimerQueue::default(),
            outputs: VecDeque::new(),
            now: Time::ZERO,
            tokens: 0,
            stats: Stats::default(),
        }
    }

    /// Makes room for `additional` more live transactions, so that a run which knows its size
    /// (a load test: its rate times how long transactions linger) does not copy and rehash its
    /// tables while it runs.
    pub fn reserve(&mut self, additional: usize) {
        self.slots.reserve(additional);
        self.by_key.reserve(additional);
        // Each transaction arms two timers at most at a time; about one and a half are queued.
        self.timers.reserve(additional.saturating_add(additional / 2));
    }

    // ---- getters -------------------------------------------------------------------------

    /// The settings the layer runs with.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// Live transactions.
    pub fn len(&self) -> usize {
        self.live
    }

    /// Whether no transaction is alive.
    pub fn is_empty(&self) -> bool {
        self.live == 0
    }

    /// Counters since the layer was made.
    pub fn stats(&self) -> Stats {
        self.stats
    }

    /// The state of a live transaction.
    pub fn state(&self, key: TransactionKey) -> Option<State> {
        self.txn(key).map(Txn::state)
    }

    /// Which machine a live transaction runs.
    pub fn kind(&self, key: TransactionKey) -> Option<Kind> {
        self.txn(key).map(|t| match t.machine {
            Machine::ClientInvite(_) => Kind::ClientInvite,
            Machine::ClientNonInvite(_) => Kind::ClientNonInvite,
            Machine::ServerInvite(_) => Kind::ServerInvite,
            Machine::ServerNonInvite(_) => Kind::ServerNonInvite,
        })
    }

    /// A fresh branch for a new request (`z9hG4bK` and 16 hex digits: it fits a `CompactString`
    /// inline). Deterministic from [`Config::seed`].
    pub fn new_branch(&mut self) -> CompactString {
        let mut out = *b"z9hG4bK0000000000000000";
        hex16(self.next_token(), &mut out[7..]);
        // ASCII throughout.
        CompactString::from_utf8(out).unwrap_or_default()
    }

    /// A fresh random-looking token (16 hex digits) for tags and Call-IDs, from [`Config::seed`].
    pub fn new_token(&mut self) -> CompactString {
        let mut out = [0u8; 16];
        hex16(self.next_token(), &mut out);
        CompactString::from_utf8(out).unwrap_or_default()
    }

    fn next_token(&mut self) -> u64 {
        self.tokens += 1;
        splitmix64(self.config.seed ^ self.tokens.wrapping_mul(0x9E37_79B9_7F4A_7C15))
    }

    // ---- input ---------------------------------------------------------------------------

    /// Feeds a message from the network, a transport error or a timeout. Time never goes back: an
    /// earlier `now` than the last one is taken as the last one.
    pub fn handle(&mut self, input: Input, now: Time) -> Result<(), ReceiveError> {
        self.advance(now);
        match input {
            Input::Received { message: SipMessage::Request(r), peer } => self.receive_request(r, peer),
            Input::Received { message: SipMessage::Response(r), .. } => self.receive_response(r),
            Input::TransportError { key } => {
                let index = self.index(key).ok_or(ReceiveError::UnknownTransaction(key))?;
                self.with(index, |_, ctx| ctx.event(Event::TransportError { key: ctx.key }));
                self.remove(index);
                Ok(())
            }
            Input::Timeout => {
                self.run_timers();
                Ok(())
            }
        }
    }

    /// Runs every timer due at `now`. Calling it early, twice, or with nothing due is harmless.
    pub fn handle_timeout(&mut self, now: Time) {
        self.advance(now);
        self.run_timers();
    }

    fn advance(&mut self, now: Time) -> Time {
        self.now = self.now.max(now);
        self.now
    }

    fn receive_response(&mut self, response: Response) -> Result<(), ReceiveError> {
        let code = response.status_code.code();
        if !(100..=699).contains(&code) {
            return Err(ReceiveError::StatusCode(code));
        }
        let via = top_via(&response.headers)?;
        let (_, method) = cseq(&response.headers)?;
        let Some(&index) = self.by_key.get(&MatchKey::client(&via.branch, method)) else {
            self.stats.stray_responses += 1;
            return Ok(());
        };
        let step = self.with(index, |t, ctx| match &mut t.machine {
            Machine::ClientInvite(m) => m.on_response(&mut t.common, ctx, response, code),
            Machine::ClientNonInvite(m) => m.on_response(&mut t.common, ctx, response, code),
            _ => Step::Alive,
        });
        self.release_held_cancel(index);
        if step == Some(Step::Done) {
            self.remove(index);
        }
        Ok(())
    }

    fn receive_request(&mut self, request: Request, peer: Peer) -> Result<(), ReceiveError> {
        let via = match top_via(&request.headers) {
            Err(MessageError::NoBranch) => rfc2543_via(&request.headers)?,
            via => via?,
        };
        let (_, cseq_method) = cseq(&request.headers)?;
        let method = request.method;
        if method != cseq_method {
            return Err(ReceiveError::CseqMethod { method, cseq: cseq_method });
        }
        if method == Method::Ack {
            return self.receive_ack(request, peer, &via);
        }
        let key = MatchKey::server(&via, method);
        if let Some(&index) = self.by_key.get(&key) {
            self.with(index, |t, ctx| match &mut t.machine {
                Machine::ServerInvite(m) => m.on_retransmission(&mut t.common, ctx),
                Machine::ServerNonInvite(m) => m.on_retransmission(&mut t.common, ctx),
                _ => {}
            });
            return Ok(());
        }
        let cancels = match method {
            Method::Cancel => self.by_key.get(&MatchKey::server(&via, Method::Invite)).and_then(|&i| self.key_of(i)),
            _ => None,
        };
        let (machine, message) = if method == Method::Invite {
            let ack = ack_key(self.config.seed, &request.headers)?;
            let mut trying = Response {
                status_code: StatusCode::Trying,
                version: request.version.clone(),
                headers: headers::response_headers(&request, None),
                body: Vec::new(),
            };
            trying.headers.push(Header::ContentLength(rsip::headers::ContentLength::from(0u32)));
            (Some(ack), bytes_of(&trying))
        } else {
            (None, Vec::new())
        };
        let common = Common { peer, key, message: message.into_boxed_slice(), deadlines: Deadlines::default() };
        let index = self.insert(common, Machine::ServerNonInvite(ServerNonInvite::new()));
        if let Some(ack) = machine {
            self.with(index, |t, ctx| t.machine = Machine::ServerInvite(ServerInvite::start(&mut t.common, ctx, ack)));
        }
        let key = self.key_of(index).unwrap_or(TransactionKey { index, generation: 0 });
        self.outputs.push_back(Output::Event(Event::Request { key, request, peer, cancels }));
        Ok(())
    }

    fn receive_ack(&mut self, request: Request, peer: Peer, via: &TopVia) -> Result<(), ReceiveError> {
        if let Some(&index) = self.by_key.get(&MatchKey::server(via, Method::Invite)) {
            let outcome = self.with(index, |t, ctx| match &mut t.machine {
                Machine::ServerInvite(m) => m.on_ack(&mut t.common, ctx),
                _ => (Step::Alive, false),
            });
            match outcome {
                Some((Step::Done, _)) => self.remove(index),
                Some((Step::Alive, true)) => {
                    let invite = self.key_of(index);
                    self.outputs.push_back(Output::Event(Event::Ack { request, peer, invite }));
                }
                _ => {}
            }
            return Ok(());
        }
        // The ACK of a 2xx: its own branch, matched to our INVITE by Call-ID and CSeq number.
        let ack = ack_key(self.config.seed, &request.headers)?;
        let invite = match self.by_ack.remove(&ack) {
            Some(index) => {
                self.with(index, |t, _| {
                    if let Machine::ServerInvite(m) = &mut t.machine {
                        m.on_2xx_ack(&mut t.common);
                    }
                });
                self.key_of(index)
            }
            None => None,
        };
        self.outputs.push_back(Output::Event(Event::Ack { request, peer, invite }));
        Ok(())
    }

    fn run_timers(&mut self) {
        while let Some(entry) = self.timers.pop_due(self.now) {
            let index = entry.index;
            let step = self.with(index, |t, ctx| {
                if ctx.key.generation != entry.generation || t.common.deadlines.at(entry.slot) != entry.at {
                    return None; // stale: the slot was rearmed or disarmed since
                }
                t.common.deadlines.disarm(entry.slot);
                Some(match &mut t.machine {
                    Machine::ClientInvite(m) => m.on_timer(entry.slot, &mut t.common, ctx),
                    Machine::ClientNonInvite(m) => m.on_timer(entry.slot, &mut t.common, ctx),
                    Machine::ServerInvite(m) => m.on_timer(entry.slot, &mut t.common, ctx),
                    Machine::ServerNonInvite(m) => m.on_timer(entry.slot, &mut t.common, ctx),
                })
            });
            if step == Some(Some(Step::Done)) {
                self.remove(index);
            }
        }
        self.compact_timers();
    }

    // ---- commands ------------------------------------------------------------------------

    /// Starts a client transaction for `request` (anything but ACK) towards `peer`, and sends it.
    /// The request must carry its top Via with a fresh branch ([`new_branch`](Self::new_branch)).
    /// The layer keeps only the request's bytes, so it may be lent (a TU that keeps its INVITE for
    /// the dialog need not clone it).
    pub fn send_request(
        &mut self,
        request: impl std::borrow::Borrow<Request>,
        peer: Peer,
        now: Time,
    ) -> Result<TransactionKey, SendRequestError> {
        let request = request.borrow();
        self.advance(now);
        let method = request.method;
        if method == Method::Ack {
            return Err(SendRequestError::Ack);
        }
        let via = top_via(&request.headers)?;
        let (_, cseq_method) = cseq(&request.headers)?;
        if cseq_method != method {
            return Err(SendRequestError::CseqMethod { method, cseq: cseq_method });
        }
        let key = MatchKey::client(&via.branch, method);
        if self.by_key.contains_key(&key) {
            return Err(SendRequestError::BranchInUse(via.branch.to_string()));
        }
        let machine = match method {
            Method::Invite => Machine::ClientInvite(ClientInvite::new(InviteStub::new(request)?)),
            _ => Machine::ClientNonInvite(ClientNonInvite::new(false)),
        };
        let common =
            Common { peer, key, message: bytes_of(request).into_boxed_slice(), deadlines: Deadlines::default() };
        let index = self.insert(common, machine);
        self.with(index, |t, ctx| match &mut t.machine {
            Machine::ClientInvite(m) => m.start(&mut t.common, ctx),
            Machine::ClientNonInvite(m) => m.start(&mut t.common, ctx),
            _ => {}
        });
        Ok(TransactionKey { index, generation: self.slots[index as usize].generation })
    }

    /// Sends a response through the server transaction `key`: provisional ones as often as the TU
    /// likes, then one final (several 2xx to an INVITE are allowed, RFC 6026). Over UDP the layer
    /// retransmits a final response to an INVITE until its ACK comes (timer G's schedule).
    pub fn send_response(
        &mut self,
        key: TransactionKey,
        response: Response,
        now: Time,
    ) -> Result<(), SendResponseError> {
        self.advance(now);
        let code = response.status_code.code();
        if !(100..=699).contains(&code) {
            return Err(SendResponseError::StatusCode(code));
        }
        let index = self.index(key).ok_or(SendResponseError::UnknownTransaction(key))?;
        let result = self
            .with(index, |t, ctx| match &mut t.machine {
                Machine::ServerInvite(m) => m.on_response(&mut t.common, ctx, &response, code),
                Machine::ServerNonInvite(m) => m.on_response(&mut t.common, ctx, &response, code),
                _ => Err(SendResponseError::NotServer(key)),
            })
            .ok_or(SendResponseError::UnknownTransaction(key))?;
        let step = result?;
        if let Some(Txn { machine: Machine::ServerInvite(m), .. }) = self.slots[index as usize].txn.as_ref()
            && m.state == State::Accepted
            && !m.acked
        {
            self.by_ack.insert(m.ack_key, index);
        }
        if step == Step::Done {
            self.remove(index);
        }
        Ok(())
    }

    /// Cancels the INVITE client transaction `key` (§9.1): builds the CANCEL from the INVITE and
    /// starts its own non-INVITE transaction, whose key is returned. Before any provisional
    /// response the CANCEL is held and sent at the first one (dropped if a final comes first).
    /// 64·T1 after the CANCEL, an INVITE still without a final response is given up
    /// ([`Timer::Cancel`]).
    pub fn cancel(&mut self, key: TransactionKey, now: Time) -> Result<TransactionKey, CancelError> {
        self.advance(now);
        let index = self.index(key).ok_or(CancelError::UnknownTransaction(key))?;
        let Some(txn) = self.slots[index as usize].txn.as_ref() else {
            return Err(CancelError::UnknownTransaction(key));
        };
        let Machine::ClientInvite(invite) = &txn.machine else {
            return Err(CancelError::NotInvite(key));
        };
        let state = invite.state;
        let bytes = match (state, invite.cancel_bytes()) {
            (State::Calling | State::Proceeding, Some(bytes)) => bytes,
            _ => return Err(CancelError::Final { key, state }),
        };
        if invite.cancelling {
            return Err(CancelError::AlreadyCancelled(key));
        }
        let peer = txn.common.peer;
        let match_key = MatchKey::client(&txn.common.key.branch, Method::Cancel);
        if self.by_key.contains_key(&match_key) {
            return Err(CancelError::AlreadyCancelled(key));
        }
        let held = state == State::Calling;
        let common =
            Common { peer, key: match_key, message: bytes.into_boxed_slice(), deadlines: Deadlines::default() };
        let cancel_index = self.insert(common, Machine::ClientNonInvite(ClientNonInvite::new(held)));
        let cancel_key =
            TransactionKey { index: cancel_index, generation: self.slots[cancel_index as usize].generation };
        self.with(index, |t, ctx| {
            if let Machine::ClientInvite(m) = &mut t.machine {
                m.cancelling = true;
                if held {
                    m.held_cancel = Some(cancel_key);
                } else {
                    ctx.arm(&mut t.common, Slot::End, Timer::Cancel, ctx.duration(Timer::Cancel, false));
                }
            }
        });
        if !held {
            self.with(cancel_index, |t, ctx| {
                if let Machine::ClientNonInvite(m) = &mut t.machine {
                    m.start(&mut t.common, ctx);
                }
            });
        }
        Ok(cancel_key)
    }

    /// Sends the TU's ACK for a 2xx to the INVITE `invite` (built by the dialog: new branch, the
    /// INVITE's CSeq number, §13.2.2.4). It belongs to no transaction; while the INVITE
    /// transaction lives, the layer resends it for each retransmission of that 2xx.
    pub fn send_ack(&mut self, invite: TransactionKey, ack: Request, peer: Peer, now: Time) -> Result<(), AckError> {
        self.advance(now);
        if ack.method != Method::Ack {
            return Err(AckError::NotAck(ack.method));
        }
        let bytes = bytes_of(&ack);
        if let Some(index) = self.index(invite) {
            self.with(index, |t, _| {
                if let Machine::ClientInvite(m) = &mut t.machine {
                    m.keep_ack(peer, bytes.clone());
                }
            });
        }
        self.outputs.push_back(Output::Transmit(Transmit { peer, bytes, key: None, retransmission: false }));
        Ok(())
    }

    // ---- output --------------------------------------------------------------------------

    /// The next datagram to send or event for the TU.
    pub fn poll_output(&mut self) -> Option<Output> {
        self.outputs.pop_front()
    }

    /// When to call [`handle_timeout`](Self::handle_timeout) next; `None` with no timer armed.
    pub fn poll_timeout(&mut self) -> Option<Time> {
        while let Some(entry) = self.timers.peek().copied() {
            if self.entry_live(&entry) {
                return Some(entry.at);
            }
            self.timers.pop();
        }
        None
    }

    /// Entries in the timer heap, live and stale (tests check that stale ones are bounded).
    #[cfg(test)]
    pub(super) fn timer_heap_len(&self) -> usize {
        self.timers.len()
    }

    // ---- table ---------------------------------------------------------------------------

    fn txn(&self, key: TransactionKey) -> Option<&Txn> {
        let slot = self.slots.get(key.index as usize)?;
        if slot.generation == key.generation { slot.txn.as_ref() } else { None }
    }

    fn index(&self, key: TransactionKey) -> Option<u32> {
        self.txn(key).map(|_| key.index)
    }

    fn key_of(&self, index: u32) -> Option<TransactionKey> {
        let slot = self.slots.get(index as usize)?;
        slot.txn.as_ref().map(|_| TransactionKey { index, generation: slot.generation })
    }

    fn entry_live(&self, e: &Entry) -> bool {
        match self.slots.get(e.index as usize) {
            Some(SlotEntry { generation, txn: Some(t) }) => {
                *generation == e.generation && t.common.deadlines.at(e.slot) == e.at
            }
            _ => false,
        }
    }

    /// Runs `f` on a live transaction with a context for its outputs and timers.
    fn with<R>(&mut self, index: u32, f: impl FnOnce(&mut Txn, &mut Ctx) -> R) -> Option<R> {
        let TransactionLayer { config, slots, outputs, timers, stats, now, .. } = self;
        let slot = slots.get_mut(index as usize)?;
        let key = TransactionKey { index, generation: slot.generation };
        let txn = slot.txn.as_mut()?;
        let mut ctx = Ctx { now: *now, key, config, stats, outputs, timers };
        Some(f(txn, &mut ctx))
    }

    fn insert(&mut self, common: Common, machine: Machine) -> u32 {
        let key = common.key.clone();
        let index = match self.free.pop() {
            Some(i) => i,
            None => {
                self.slots.push(SlotEntry::default());
                // More than u32::MAX live transactions would exhaust memory long before.
                u32::try_from(self.slots.len() - 1).unwrap_or(u32::MAX)
            }
        };
        self.slots[index as usize].txn = Some(Txn { common, machine });
        self.by_key.insert(key, index);
        self.live += 1;
        self.stats.transactions += 1;
        index
    }

    /// Ends a transaction: out of the tables, its key invalid, the TU told.
    fn remove(&mut self, index: u32) {
        let Some(slot) = self.slots.get_mut(index as usize) else { return };
        let Some(txn) = slot.txn.take() else { return };
        let key = TransactionKey { index, generation: slot.generation };
        slot.generation = slot.generation.wrapping_add(1);
        self.by_key.remove(&txn.common.key);
        match &txn.machine {
            Machine::ServerInvite(m) if self.by_ack.get(&m.ack_key) == Some(&index) => {
                self.by_ack.remove(&m.ack_key);
            }
            Machine::ClientInvite(m) => {
                if let Some(cancel) = m.held_cancel {
                    self.drop_held(cancel);
                }
            }
            _ => {}
        }
        self.free.push(index);
        self.live -= 1;
        self.outputs.push_back(Output::Event(Event::Terminated { key }));
    }

    /// After a response to an INVITE with a held CANCEL: send it at a provisional, drop it at a
    /// final.
    fn release_held_cancel(&mut self, index: u32) {
        let released = self.with(index, |t, ctx| match &mut t.machine {
            Machine::ClientInvite(m) if m.held_cancel.is_some() && m.state != State::Calling => {
                let cancel = m.held_cancel.take();
                let send = m.state == State::Proceeding;
                if send {
                    ctx.arm(&mut t.common, Slot::End, Timer::Cancel, ctx.duration(Timer::Cancel, false));
                }
                cancel.map(|c| (c, send))
            }
            _ => None,
        });
        match released.flatten() {
            Some((cancel, true)) => {
                if let Some(ci) = self.index(cancel) {
                    self.with(ci, |t, ctx| {
                        if let Machine::ClientNonInvite(m) = &mut t.machine {
                            m.start(&mut t.common, ctx);
                        }
                    });
                }
            }
            Some((cancel, false)) => self.drop_held(cancel),
            None => {}
        }
    }

    fn drop_held(&mut self, cancel: TransactionKey) {
        if let Some(ci) = self.index(cancel)
            && self.state(cancel) == Some(State::Held)
        {
            self.remove(ci);
        }
    }

    /// Rebuilds the timer heap when stale entries far outnumber live transactions.
    fn compact_timers(&mut self) {
        if self.timers.len() > 1024 + 4 * self.live {
            let slots = &self.slots;
            self.timers.retain(|e| match slots.get(e.index as usize) {
                Some(SlotEntry { generation, txn: Some(t) }) => {
                    *generation == e.generation && t.common.deadlines.at(e.slot) == e.at
                }
                _ => false,
            });
        }
    }
}

/// `n` as 16 lower-case hex digits into `out` (what `{:016x}` writes, without the formatter:
/// a branch and a tag or Call-ID for every call).
fn hex16(n: u64, out: &mut [u8]) {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    for (i, o) in out.iter_mut().take(16).enumerate() {
        *o = DIGITS[((n >> (60 - 4 * i)) & 0xf) as usize];
    }
}

/// SplitMix64: a tiny, good 64-bit mixer for the seeded tokens.
fn splitmix64(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

#[cfg(test)]
mod size {
    /// The load generator holds tens of thousands of transactions: keep the table's slot within
    /// three cache lines (messages live on the heap beside it).
    #[test]
    fn a_transaction_slot_is_small() {
        let slot = std::mem::size_of::<super::SlotEntry>();
        assert!(slot <= 192, "slot {slot} bytes, of which common {}", std::mem::size_of::<super::Common>());
    }
}

#[cfg(test)]
mod hex_tests {
    use super::*;

    #[test]
    fn branches_and_tokens_are_what_the_formatter_would_write() {
        for n in [0, 1, 0xf, 0x10, 0xdead_beef, u64::MAX, 0x0123_4567_89ab_cdef] {
            let mut out = [0u8; 16];
            hex16(n, &mut out);
            assert_eq!(std::str::from_utf8(&out).unwrap(), format!("{n:016x}"));
        }
        let mut layer = TransactionLayer::new(Config::default());
        let branch = layer.new_branch();
        assert!(branch.starts_with("z9hG4bK") && branch.len() == 23 && !branch.is_heap_allocated(), "{branch}");
        assert!(branch[7..].bytes().all(|b| b.is_ascii_hexdigit()));
        assert_ne!(layer.new_token(), layer.new_token());
    }
}
