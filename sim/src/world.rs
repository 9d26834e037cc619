//! The world the dialer calls into: the people dialled, the agents' behaviour and inbound callers,
//! all drawn from the scenario's distributions with seeded streams.
//!
//! The world turns the dialer's commands ([`Output`]) into future events, and due events into the
//! dialer's inputs ([`Input`]). It never decides anything a dialer decides (ring timeouts, drops,
//! which agent takes a call): those stay in the core.

use crate::callee::{CalleeKind, draw_callee};
use crate::queue::EventQueue;
use crate::rng::{Purpose, Stream, Streams, uniform};
use crate::scenario::{AgentGroup, Scenario};
use compact_str::CompactString;
use dialer::core::{AgentId, CallId, CallTable, Input, LeadId, Output, Rejection, e164};
use reports::{AmdVerdict, Party, Time};

/// Something that happens in the world at a given time.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Event {
    /// An agent logs in.
    Login(AgentId),
    /// An agent's shift ends.
    Logout(AgentId),
    /// The called party picks up.
    Answer(CallId),
    /// The network refuses the call.
    Reject(CallId, Rejection),
    /// The detector decides.
    Verdict(CallId, AmdVerdict),
    /// A waiting person's patience runs out.
    Patience(CallId),
    /// The conversation ends.
    TalkEnd(CallId),
    /// An agent finishes wrap-up.
    WrapEnd(AgentId),
    /// An agent finishes reading a record.
    PreviewEnd(AgentId),
    /// The next inbound caller arrives.
    Arrival,
    /// The end of the run: no new calls.
    Stop,
}

/// Who is at the other end of a call.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Callee {
    Human,
    Machine,
    Busy,
    Invalid,
    Inbound,
}

/// The world's side of a call in flight.
#[derive(Clone, Copy, Debug)]
struct WorldCall {
    callee: Callee,
    /// The lead (outbound) or caller number (inbound) the call's streams are keyed by.
    key: u64,
    /// How long the person waits for an agent once the greeting is over; `None`: forever.
    patience_ms: Option<u64>,
    connected: bool,
}

/// The world model of one replication.
pub struct World<'s> {
    sc: &'s Scenario,
    streams: Streams,
    /// Agent id → index of its group in `sc.agents.groups`.
    group_of: Vec<usize>,
    /// One wrap-up stream per agent.
    wrap: Vec<Stream>,
    calls: CallTable<WorldCall>,
    arrivals: Stream,
    inbound_seq: u64,
}

impl<'s> World<'s> {
    /// The world of `sc` under `seed`, with its first events (logins, logouts, first arrival,
    /// stop) scheduled on `queue`.
    pub fn new(sc: &'s Scenario, seed: u64, queue: &mut EventQueue<Event>) -> World<'s> {
        let mut group_of = Vec::new();
        for (g, group) in sc.agents.groups.iter().enumerate() {
            for _ in 0..group.count {
                let agent = AgentId(group_of.len() as u32);
                group_of.push(g);
                if group.login < sc.duration {
                    queue.schedule(group.login, Event::Login(agent));
                    if let Some(logout) = group.logout.filter(|l| *l < sc.duration) {
                        queue.schedule(logout, Event::Logout(agent));
                    }
                }
            }
        }
        let streams = Streams::new(seed);
        let wrap = (0..group_of.len() as u64).map(|a| streams.get(Purpose::Wrap, a)).collect();
        let arrivals = streams.get(Purpose::Arrivals, 0);
        let mut world = World { sc, streams, group_of, wrap, calls: CallTable::default(), arrivals, inbound_seq: 0 };
        world.schedule_arrival(Time::ZERO, queue);
        queue.schedule(sc.duration, Event::Stop);
        world
    }

    fn group(&self, agent: AgentId) -> &'s AgentGroup {
        &self.sc.agents.groups[self.group_of[agent.0 as usize]]
    }

    fn schedule_arrival(&mut self, now: Time, queue: &mut EventQueue<Event>) {
        let Some(inbound) = &self.sc.inbound else { return };
        // Exponential inter-arrival times: a Poisson stream of `per_hour` callers an hour.
        let mean_ms = 3_600_000.0 / inbound.per_hour;
        let gap = -mean_ms * (1.0 - uniform(&mut self.arrivals)).ln();
        let at = now + gap.round() as u64;
        if at < self.sc.duration {
            queue.schedule(at, Event::Arrival);
        }
    }

    /// Reacts to a command of the dialer by scheduling what the world will do about it.
    #[inline]
    pub fn command(&mut self, output: &Output, now: Time, queue: &mut EventQueue<Event>) {
        match *output {
            Output::Dial { call, lead, .. } => self.dial(call, lead.0, now, queue),
            Output::Connect { call, agent } => self.connect(call, agent, now, queue),
            Output::Hangup { call } | Output::Drop { call } | Output::Reject { call } => {
                self.calls.remove(call);
            }
            Output::OfferPreview { agent, lead } => self.offer_preview(agent, lead, now, queue),
            Output::StartWrap { agent } => self.start_wrap(agent, now, queue),
            Output::Cdr(_) | Output::AgentInterval(_) => {}
        }
    }

    fn connect(&mut self, call: CallId, agent: AgentId, now: Time, queue: &mut EventQueue<Event>) {
        let Some(wc) = self.calls.get_mut(call) else { return };
        wc.connected = true;
        let (callee, key) = (wc.callee, wc.key);
        let talk = match callee {
            Callee::Machine => {
                self.sc.agents.machine_handle.sample_ms(&mut self.streams.get(Purpose::MachineHandle, key))
            }
            Callee::Inbound => self.group(agent).talk.sample_ms(&mut self.streams.get(Purpose::InboundTalk, key)),
            _ => self.group(agent).talk.sample_ms(&mut self.streams.get(Purpose::Talk, key)),
        };
        queue.schedule(now + talk, Event::TalkEnd(call));
    }

    fn offer_preview(&mut self, agent: AgentId, lead: LeadId, now: Time, queue: &mut EventQueue<Event>) {
        let preview = self
            .group(agent)
            .preview
            .as_ref()
            .map_or(0, |d| d.sample_ms(&mut self.streams.get(Purpose::Preview, lead.0)));
        queue.schedule(now + preview, Event::PreviewEnd(agent));
    }

    fn start_wrap(&mut self, agent: AgentId, now: Time, queue: &mut EventQueue<Event>) {
        let wrap = self.group(agent).wrap.sample_ms(&mut self.wrap[agent.0 as usize]);
        queue.schedule(now + wrap, Event::WrapEnd(agent));
    }

    fn dial(&mut self, call: CallId, lead: u64, now: Time, queue: &mut EventQueue<Event>) {
        let draw = draw_callee(self.sc, &self.streams, lead, now);
        let callee = match draw.kind {
            CalleeKind::Human => Callee::Human,
            CalleeKind::Machine => Callee::Machine,
            CalleeKind::Busy => Callee::Busy,
            CalleeKind::Invalid => Callee::Invalid,
            // Nobody will ever answer: the dialer's ring timeout ends the call, and the world
            // has nothing to remember about it.
            CalleeKind::NoAnswer => return,
        };
        let Some(after) = draw.after_ms else { return };
        let event = match callee {
            Callee::Busy => Event::Reject(call, Rejection::Busy),
            Callee::Invalid => Event::Reject(call, Rejection::Invalid),
            _ => Event::Answer(call),
        };
        queue.schedule(now + after, event);
        self.calls.insert(call, WorldCall { callee, key: lead, patience_ms: draw.patience_ms, connected: false });
    }

    /// Turns a due event into the dialer's input, if it still means something (events for calls
    /// the dialer has ended are dropped here). `new_call_id` hands out inbound call ids.
    pub fn input(
        &mut self,
        event: Event,
        now: Time,
        queue: &mut EventQueue<Event>,
        new_call_id: impl FnOnce() -> CallId,
    ) -> Option<Input> {
        Some(match event {
            Event::Login(agent) => Input::AgentLogin { agent },
            Event::Logout(agent) => Input::AgentLogout { agent },
            Event::Stop => Input::Stop,
            Event::WrapEnd(agent) => Input::WrapDone { agent, disposition: CompactString::const_new("") },
            Event::PreviewEnd(agent) => Input::PreviewDone { agent, dial: true },
            Event::Answer(call) => {
                let wc = self.calls.get(call)?;
                let truth = if wc.callee == Callee::Machine { Party::Machine } else { Party::Human };
                if let Some(amd) = &self.sc.amd {
                    let key = wc.key;
                    let delay = amd.decision.sample_ms(&mut self.streams.get(Purpose::AmdDelay, key));
                    let wrong = uniform(&mut self.streams.get(Purpose::AmdError, key));
                    let verdict = match truth {
                        Party::Human if wrong < amd.false_positive => AmdVerdict::Machine,
                        Party::Human => AmdVerdict::Human,
                        Party::Machine if wrong < amd.false_negative => AmdVerdict::Human,
                        Party::Machine => AmdVerdict::Machine,
                    };
                    queue.schedule(now + delay, Event::Verdict(call, verdict));
                }
                Input::Answered { call, truth: Some(truth) }
            }
            Event::Verdict(call, verdict) => {
                self.calls.get(call)?;
                Input::AmdVerdict { call, verdict }
            }
            Event::Reject(call, reason) => {
                self.calls.remove(call)?;
                Input::Rejected { call, reason }
            }
            Event::Patience(call) => {
                let wc = self.calls.get(call)?;
                if wc.connected {
                    return None;
                }
                self.calls.remove(call);
                Input::RemoteHangup { call }
            }
            Event::TalkEnd(call) => {
                let wc = self.calls.remove(call)?;
                if wc.callee == Callee::Inbound {
                    Input::RemoteHangup { call }
                } else {
                    Input::AgentHangup { call, machine: wc.callee == Callee::Machine }
                }
            }
            Event::Arrival => {
                self.schedule_arrival(now, queue);
                let call = new_call_id();
                self.inbound_seq += 1;
                let key = self.inbound_seq;
                let patience_ms = self
                    .sc
                    .inbound
                    .as_ref()
                    .and_then(|i| i.patience.as_ref())
                    .map(|d| d.sample_ms(&mut self.streams.get(Purpose::InboundPatience, key)));
                self.calls.insert(call, WorldCall { callee: Callee::Inbound, key, patience_ms, connected: false });
                Input::InboundOffered { call, caller: e164(1, 3_000_000_000 + key) }
            }
        })
    }

    /// After the dialer took an input that ended a person's greeting (an answer without AMD, an
    /// AMD verdict, an inbound arrival): if the person is now waiting for an agent, their
    /// patience clock starts.
    pub fn greeting_over(&mut self, event: &Event, now: Time, queue: &mut EventQueue<Event>, inbound: Option<CallId>) {
        let call = match (event, inbound) {
            (Event::Answer(call), _) if self.sc.amd.is_none() => *call,
            (Event::Verdict(call, _), _) => *call,
            (Event::Arrival, Some(call)) => call,
            _ => return,
        };
        if let Some(&WorldCall { connected: false, patience_ms: Some(p), .. }) = self.calls.get(call) {
            queue.schedule(now + p, Event::Patience(call));
        }
    }
}
