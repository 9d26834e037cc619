//! Test support: a seeded network model between a client and a server transaction layer, and
//! scripted TUs on both ends, all in virtual time (the shape of quinn's test `Pair`).
//!
//! The network delays every datagram, and can lose, duplicate and reorder them: by probability
//! (seeded) or by rule (`lose_next`). Each step drains both layers, then jumps to the earliest
//! of: a delivery, a layer's timer, a TU's scheduled action.

use super::*;
use crate::sip::dialog::{Dialog, ViaSpec, response_to};
use rsip::{Method, Request, SipMessage};
use std::collections::{BTreeMap, HashMap};

/// A small seeded generator (SplitMix64) for the network's dice.
#[derive(Clone, Debug)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// True with probability `p`.
    pub fn chance(&mut self, p: f64) -> bool {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64 <= p && p > 0.0
    }

    pub fn below(&mut self, n: u64) -> u64 {
        if n == 0 { 0 } else { self.next_u64() % n }
    }
}

/// Which end.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Side {
    Client,
    Server,
}

impl Side {
    fn other(self) -> Side {
        match self {
            Side::Client => Side::Server,
            Side::Server => Side::Client,
        }
    }
}

/// One datagram on the wire, as logged.
#[derive(Clone, Debug)]
pub struct Sent {
    pub at: Time,
    pub from: Side,
    /// The start line: `INVITE sip:… SIP/2.0` or `SIP/2.0 200 OK`.
    pub line: String,
    pub text: String,
    pub retransmission: bool,
}

/// The network: latency, faults, and what is in flight.
#[derive(Debug)]
pub struct Net {
    pub rng: Rng,
    pub delay_ms: u64,
    /// Extra random delay up to this: reorders datagrams sent close together.
    pub jitter_ms: u64,
    pub loss: f64,
    pub duplicate: f64,
    /// Deterministic losses: (toward side, start-line fragment, how many more to lose).
    rules: Vec<(Side, String, u32)>,
    /// (deliver at, sequence) → (to side, bytes).
    in_flight: BTreeMap<(Time, u64), (Side, Vec<u8>)>,
    seq: u64,
}

impl Net {
    pub fn new(seed: u64) -> Net {
        Net {
            rng: Rng::new(seed),
            delay_ms: 20,
            jitter_ms: 0,
            loss: 0.0,
            duplicate: 0.0,
            rules: Vec::new(),
            in_flight: BTreeMap::new(),
            seq: 0,
        }
    }

    /// Loses the next `count` datagrams toward `to` whose start line contains `fragment`.
    pub fn lose_next(&mut self, to: Side, fragment: &str, count: u32) {
        self.rules.push((to, fragment.to_owned(), count));
    }

    fn send(&mut self, now: Time, to: Side, line: &str, bytes: Vec<u8>) {
        for rule in &mut self.rules {
            if rule.0 == to && rule.2 > 0 && line.contains(&rule.1) {
                rule.2 -= 1;
                return;
            }
        }
        if self.rng.chance(self.loss) {
            return;
        }
        let copies = if self.rng.chance(self.duplicate) { 2 } else { 1 };
        for _ in 0..copies {
            let at = now + self.delay_ms + self.rng.below(self.jitter_ms + 1);
            self.seq += 1;
            self.in_flight.insert((at, self.seq), (to, bytes.clone()));
        }
    }

    fn next(&self) -> Option<Time> {
        self.in_flight.keys().next().map(|k| k.0)
    }
}

/// How the scripted UAS answers INVITEs.
#[derive(Clone, Debug)]
pub struct UasScript {
    /// Send 180 this long after the INVITE (None: no provisional).
    pub ringing_after: Option<u64>,
    /// Send the final this long after the INVITE (None: never, wait for CANCEL).
    pub final_after: Option<u64>,
    pub final_code: u16,
}

impl Default for UasScript {
    fn default() -> UasScript {
        UasScript { ringing_after: Some(10), final_after: Some(50), final_code: 200 }
    }
}

/// A TU action scheduled for later.
#[derive(Clone, Debug)]
struct Action {
    key: TransactionKey,
    request: Request,
    code: u16,
}

/// Two layers, the network between them, and scripted TUs.
pub struct Pair {
    pub now: Time,
    pub client: TransactionLayer,
    pub server: TransactionLayer,
    pub net: Net,
    pub client_events: Vec<(Time, Event)>,
    pub server_events: Vec<(Time, Event)>,
    pub log: Vec<Sent>,
    pub client_peer: Peer,
    pub server_peer: Peer,
    /// `None`: the server TU does nothing by itself (tests act by hand).
    pub uas: Option<UasScript>,
    /// The client TU ACKs every 2xx to an INVITE through a dialog.
    pub uac_acks: bool,
    /// INVITEs the client sent, to build their ACKs.
    pub invites: HashMap<TransactionKey, Request>,
    /// Server INVITE transactions still without a final response from the TU.
    open_invites: HashMap<TransactionKey, Request>,
    actions: BTreeMap<(Time, u64), Action>,
    action_seq: u64,
    /// Rejected inputs (parse failures, receive errors): should stay empty.
    pub errors: Vec<String>,
}

impl Pair {
    pub fn new(seed: u64) -> Pair {
        Pair::with(Config::default(), seed, rsip::Transport::Udp)
    }

    pub fn with(config: Config, seed: u64, transport: rsip::Transport) -> Pair {
        let client_addr = "192.0.2.1:5060".parse().unwrap(); // a literal address
        let server_addr = "192.0.2.2:5060".parse().unwrap(); // a literal address
        Pair {
            now: Time::ZERO,
            client: TransactionLayer::new(Config { seed: seed ^ 1, ..config.clone() }),
            server: TransactionLayer::new(Config { seed: seed ^ 2, ..config }),
            net: Net::new(seed),
            client_events: Vec::new(),
            server_events: Vec::new(),
            log: Vec::new(),
            client_peer: Peer { addr: client_addr, transport },
            server_peer: Peer { addr: server_addr, transport },
            uas: Some(UasScript::default()),
            uac_acks: true,
            invites: HashMap::new(),
            open_invites: HashMap::new(),
            actions: BTreeMap::new(),
            action_seq: 0,
            errors: Vec::new(),
        }
    }

    /// A request from the client, built with a fresh branch and a Call-ID of its own.
    pub fn request(&mut self, method: Method) -> Request {
        let branch = self.client.new_branch();
        let call = self.client.new_token();
        let transport = self.client_peer.transport;
        crate::sip::dialog::RequestSpec::new(method, "sip:callee@192.0.2.2:5060")
            .via_over(transport, "192.0.2.1:5060", &branch)
            .from("sip:dialer@192.0.2.1", "uac")
            .call_id(&call)
            .contact("sip:dialer@192.0.2.1:5060")
            .build()
            .unwrap() // every field above is a literal or a token of hex digits
    }

    /// The client sends `request`; INVITEs are remembered for their ACK.
    pub fn send(&mut self, request: Request) -> TransactionKey {
        let invite = request.method == Method::Invite;
        let copy = invite.then(|| request.clone());
        let key = self.client.send_request(request, self.server_peer, self.now).unwrap();
        if let Some(r) = copy {
            self.invites.insert(key, r);
        }
        key
    }

    pub fn send_invite(&mut self) -> TransactionKey {
        let r = self.request(Method::Invite);
        self.send(r)
    }

    /// Drains both layers, running the scripted TUs, until nothing is left to do now.
    fn drain(&mut self) {
        loop {
            let mut any = false;
            while let Some(o) = self.client.poll_output() {
                any = true;
                self.output(Side::Client, o);
            }
            while let Some(o) = self.server.poll_output() {
                any = true;
                self.output(Side::Server, o);
            }
            if !any {
                break;
            }
        }
    }

    fn output(&mut self, side: Side, output: Output) {
        match output {
            Output::Transmit(t) => {
                let text = String::from_utf8_lossy(&t.bytes).into_owned();
                let line = text.lines().next().unwrap_or_default().to_owned();
                self.log.push(Sent {
                    at: self.now,
                    from: side,
                    line: line.clone(),
                    text,
                    retransmission: t.retransmission,
                });
                self.net.send(self.now, side.other(), &line, t.bytes);
            }
            Output::Event(e) => {
                match side {
                    Side::Client => self.client_tu(&e),
                    Side::Server => self.server_tu(&e),
                }
                match side {
                    Side::Client => self.client_events.push((self.now, e)),
                    Side::Server => self.server_events.push((self.now, e)),
                }
            }
        }
    }

    fn client_tu(&mut self, e: &Event) {
        if !self.uac_acks {
            return;
        }
        if let Event::Response { key, response, retransmission: false } = e
            && (200..300).contains(&response.status_code.code())
            && let Some(invite) = self.invites.get(key)
            && let Ok(dialog) = Dialog::uac(invite, response)
        {
            let branch = self.client.new_branch();
            let ack = dialog.ack(ViaSpec {
                transport: self.client_peer.transport,
                sent_by: "192.0.2.1:5060",
                branch: &branch,
            });
            self.client.send_ack(*key, ack, self.server_peer, self.now).unwrap(); // it is an ACK
        }
    }

    fn server_tu(&mut self, e: &Event) {
        let Some(script) = self.uas.clone() else { return };
        match e {
            Event::Request { key, request, cancels, .. } => match request.method {
                Method::Invite => {
                    self.open_invites.insert(*key, request.clone());
                    if let Some(after) = script.ringing_after {
                        self.schedule(after, *key, request.clone(), 180);
                    }
                    if let Some(after) = script.final_after {
                        self.schedule(after, *key, request.clone(), script.final_code);
                    }
                }
                Method::Cancel => {
                    self.schedule(0, *key, request.clone(), 200);
                    if let Some(invite) = cancels
                        && let Some(r) = self.open_invites.get(invite).cloned()
                    {
                        self.schedule(0, *invite, r, 487);
                    }
                }
                _ => self.schedule(5, *key, request.clone(), 200),
            },
            Event::Terminated { key } | Event::Timeout { key, .. } => {
                self.open_invites.remove(key);
            }
            _ => {}
        }
    }

    fn schedule(&mut self, after: u64, key: TransactionKey, request: Request, code: u16) {
        self.action_seq += 1;
        self.actions.insert((self.now + after, self.action_seq), Action { key, request, code });
    }

    /// One step: drain, then move time to the next thing that happens. False when idle.
    pub fn step(&mut self) -> bool {
        self.step_before(Time::NEVER)
    }

    /// A step that moves time no further than `limit` (then false).
    fn step_before(&mut self, limit: Time) -> bool {
        self.drain();
        let next = [
            self.client.poll_timeout(),
            self.server.poll_timeout(),
            self.net.next(),
            self.actions.keys().next().map(|k| k.0),
        ]
        .into_iter()
        .flatten()
        .min();
        let Some(next) = next else { return false };
        if next > limit {
            self.now = self.now.max(limit);
            return false;
        }
        self.now = self.now.max(next);
        while let Some(entry) = self.net.in_flight.first_entry() {
            if entry.key().0 > self.now {
                break;
            }
            let (to, bytes) = entry.remove();
            self.deliver(to, bytes);
        }
        while let Some(entry) = self.actions.first_entry() {
            if entry.key().0 > self.now {
                break;
            }
            let action = entry.remove();
            self.act(action);
        }
        self.client.handle_timeout(self.now);
        self.server.handle_timeout(self.now);
        self.drain();
        true
    }

    fn act(&mut self, a: Action) {
        if a.request.method == Method::Invite {
            if !self.open_invites.contains_key(&a.key) {
                return; // already answered (CANCEL came first) or gone
            }
            if a.code >= 200 {
                self.open_invites.remove(&a.key);
            }
        }
        let tag = (a.code > 100).then_some("uas");
        let response = response_to(&a.request, a.code, tag);
        // A transaction that ended meanwhile (timer H, CANCEL race) refuses: that is fine here.
        let _ = self.server.send_response(a.key, response, self.now);
    }

    fn deliver(&mut self, to: Side, bytes: Vec<u8>) {
        let message = match SipMessage::try_from(bytes.as_slice()) {
            Ok(m) => m,
            Err(e) => {
                self.errors.push(format!("parse: {e}: {}", String::from_utf8_lossy(&bytes)));
                return;
            }
        };
        let (layer, peer) = match to {
            Side::Client => (&mut self.client, self.server_peer),
            Side::Server => (&mut self.server, self.client_peer),
        };
        if let Err(e) = layer.handle(Input::Received { message, peer }, self.now) {
            self.errors.push(format!("receive: {e}"));
        }
    }

    /// Steps until idle or `until`, whichever first; time then stands at `until` (or at the
    /// last event, when idle before it).
    pub fn drive_until(&mut self, until: Time) {
        while self.step_before(until) {}
        self.drain();
    }

    /// Steps until nothing is left: no timer, no datagram, no scripted action.
    pub fn drive(&mut self) {
        let mut guard = 0;
        while self.step() {
            guard += 1;
            assert!(guard < 1_000_000, "the pair never goes idle");
        }
    }

    /// Times at which the given side sent a datagram whose start line contains `fragment`.
    pub fn sent_times(&self, from: Side, fragment: &str) -> Vec<u64> {
        self.log.iter().filter(|s| s.from == from && s.line.contains(fragment)).map(|s| s.at.as_ms()).collect()
    }

    /// Final responses (≥ 200, not retransmissions) the client TU saw for `key`.
    pub fn finals(&self, key: TransactionKey) -> Vec<u16> {
        self.client_events
            .iter()
            .filter_map(|(_, e)| match e {
                Event::Response { key: k, response, retransmission: false } if *k == key => {
                    Some(response.status_code.code())
                }
                _ => None,
            })
            .filter(|c| *c >= 200)
            .collect()
    }

    /// Whether the client TU heard a timeout for `key`.
    pub fn timed_out(&self, key: TransactionKey) -> Option<Timer> {
        self.client_events.iter().find_map(|(_, e)| match e {
            Event::Timeout { key: k, timer } if *k == key => Some(*timer),
            _ => None,
        })
    }
}
