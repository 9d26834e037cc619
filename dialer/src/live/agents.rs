//! The agents' side of the live driver, as the driver sees it: events in ([`AgentEvent`], the
//! desk's [`DeskEvent`]s), calls bridged out ([`AgentSide::connect`]). The desk ([`Desk`]:
//! agents' phones and the HTTP API) is one implementation; [`Scripted`] is another, agents that follow a script in
//! wall-clock time, for runs on loopback with nobody at the phones and for the driver's tests.

use crate::core::{AgentId, CallId};
use crate::media::{FRAME_SAMPLES, G711};
use std::collections::HashMap;
use std::future::Future;
use std::time::Duration;
use tokio::sync::mpsc;

pub use super::desk::{AgentAudio, Frame};
use super::desk::{Desk, DeskEvent};

/// What an agent did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AgentEvent {
    /// Logged in, ready for calls.
    Login { agent: AgentId, name: String },
    /// Logs out (once the current call and wrap-up end).
    Logout { agent: AgentId },
    /// Pauses.
    Pause { agent: AgentId },
    /// Ready again after a pause.
    Resume { agent: AgentId },
    /// Hung up the customer.
    Hangup { agent: AgentId },
    /// Finished wrap-up with a disposition (`sale`, `callback`, `dnc_request`, …) and, for a
    /// callback, the time the customer asked for.
    WrapDone { agent: AgentId, disposition: String, callback_at: Option<jiff::Timestamp> },
}

/// Where agent events come from and where calls are bridged to: what the driver needs of the
/// desk.
pub trait AgentSide: Send {
    /// The next event. Cancel-safe: the driver waits on it in a `select!`.
    fn next(&mut self) -> impl Future<Output = AgentEvent> + Send;
    /// Bridges `call` (from `caller`) to `agent`; `None` when the agent's phone is not there.
    fn connect(&mut self, agent: AgentId, call: CallId, caller: &str) -> Option<AgentAudio>;
    /// The customer's call with `agent` ended.
    fn call_ended(&mut self, agent: AgentId, call: CallId);
    /// The agent's state as the dialer sees it (`ready`, `talk`, `wrap`, `paused`, …), to show.
    fn set_state(&mut self, agent: AgentId, state: &str);
    /// The run is over: hang up the agents' phones. Nothing to do by default.
    fn close(&mut self) -> impl Future<Output = ()> + Send {
        std::future::ready(())
    }
}

/// The desk: agents' phones over SIP and the HTTP/JSON agent API (docs/agents.md).
impl AgentSide for Desk {
    async fn next(&mut self) -> AgentEvent {
        match Desk::next(self).await {
            DeskEvent::Login { agent, name } => AgentEvent::Login { agent, name },
            DeskEvent::Logout { agent } => AgentEvent::Logout { agent },
            DeskEvent::Pause { agent } => AgentEvent::Pause { agent },
            DeskEvent::Resume { agent } => AgentEvent::Resume { agent },
            DeskEvent::Hangup { agent } => AgentEvent::Hangup { agent },
            DeskEvent::WrapDone { agent, disposition, callback_at } => {
                AgentEvent::WrapDone { agent, disposition, callback_at }
            }
        }
    }

    fn connect(&mut self, agent: AgentId, call: CallId, caller: &str) -> Option<AgentAudio> {
        Desk::connect(self, agent, call, caller)
    }

    fn call_ended(&mut self, agent: AgentId, call: CallId) {
        Desk::call_ended(self, agent, call)
    }

    fn set_state(&mut self, agent: AgentId, state: &str) {
        Desk::set_state(self, agent, state)
    }

    async fn close(&mut self) {
        Desk::close(self).await
    }
}

/// How scripted agents behave.
#[derive(Clone, Debug, PartialEq)]
pub struct Script {
    /// Agents logged in at the start (ids 0, 1, …).
    pub agents: u32,
    /// Talk time of every call (the agent then hangs up).
    pub talk: Duration,
    /// Wrap-up time after every call.
    pub wrap: Duration,
    /// Dispositions given in turn, call after call (`callback` with a call back `callback_in`
    /// later).
    pub dispositions: Vec<String>,
    /// When a `callback` disposition asks to be called back, from the end of wrap-up.
    pub callback_in: Duration,
}

impl Default for Script {
    /// Three agents, 3 s talk, 1 s wrap, every call a sale.
    fn default() -> Script {
        Script {
            agents: 3,
            talk: Duration::from_secs(3),
            wrap: Duration::from_secs(1),
            dispositions: vec!["sale".to_owned()],
            callback_in: Duration::from_secs(5),
        }
    }
}

/// Agents following a [`Script`]: they log in at once, speak a tone for the talk time on every
/// call they are given (so the emulated callee hears someone), hang up, wrap up for the wrap
/// time, and give the next disposition of the script.
pub struct Scripted {
    script: Script,
    tx: mpsc::UnboundedSender<AgentEvent>,
    rx: mpsc::UnboundedReceiver<AgentEvent>,
    talking: HashMap<AgentId, tokio::task::JoinHandle<()>>,
    calls: u64,
}

impl Scripted {
    /// Agents per `script`, logging in at once. Must be called inside a tokio runtime.
    pub fn new(script: Script) -> Scripted {
        let (tx, rx) = mpsc::unbounded_channel();
        for a in 0..script.agents {
            // The receiver is held by `self`: the send cannot fail.
            let _ = tx.send(AgentEvent::Login { agent: AgentId(a), name: format!("scripted-{a}") });
        }
        Scripted { script, tx, rx, talking: HashMap::new(), calls: 0 }
    }
}

/// A 400 Hz tone at about −12 dBFS, µ-law: clearly voice to a listener's energy detector.
fn tone_frame(phase: &mut f64) -> Vec<u8> {
    let mut pcm = [0i16; FRAME_SAMPLES];
    for s in &mut pcm {
        *s = (8000.0 * phase.sin()) as i16;
        *phase += 2.0 * std::f64::consts::PI * 400.0 / 8000.0;
    }
    let mut out = vec![0; FRAME_SAMPLES];
    G711::Pcmu.encode(&pcm, &mut out);
    out
}

impl AgentSide for Scripted {
    async fn next(&mut self) -> AgentEvent {
        match self.rx.recv().await {
            Some(event) => event,
            // `self.tx` keeps the channel open: never reached, but never panic either.
            None => std::future::pending().await,
        }
    }

    fn connect(&mut self, agent: AgentId, _call: CallId, _caller: &str) -> Option<AgentAudio> {
        let (to_agent, mut heard) = mpsc::channel::<Frame>(64);
        let (speak, from_agent) = mpsc::channel::<Frame>(64);
        let (tx, talk) = (self.tx.clone(), self.script.talk);
        let task = tokio::spawn(async move {
            let end = tokio::time::Instant::now() + talk;
            let mut tick = tokio::time::interval(Duration::from_millis(20));
            let mut phase = 0.0;
            // The talk time runs whether or not the call has audio (a call without media drops
            // both channels at once); the call's end aborts this task.
            let mut listening = true;
            loop {
                tokio::select! {
                    _ = tokio::time::sleep_until(end) => break,
                    _ = tick.tick() => {
                        let frame = Frame { payload_type: 0, payload: tone_frame(&mut phase) };
                        let _ = speak.try_send(frame);
                    }
                    got = heard.recv(), if listening => listening = got.is_some(),
                }
            }
            let _ = tx.send(AgentEvent::Hangup { agent });
        });
        if let Some(old) = self.talking.insert(agent, task) {
            old.abort();
        }
        Some(AgentAudio { to_agent, from_agent })
    }

    fn call_ended(&mut self, agent: AgentId, _call: CallId) {
        if let Some(task) = self.talking.remove(&agent) {
            task.abort();
        }
    }

    fn set_state(&mut self, agent: AgentId, state: &str) {
        if state != "wrap" {
            return;
        }
        let n = self.calls;
        self.calls += 1;
        let disposition = match self.script.dispositions.len() {
            0 => String::new(),
            len => self.script.dispositions[(n % len as u64) as usize].clone(),
        };
        let (tx, wrap, callback_in) = (self.tx.clone(), self.script.wrap, self.script.callback_in);
        tokio::spawn(async move {
            tokio::time::sleep(wrap).await;
            let callback_at =
                (disposition == "callback").then(|| jiff::Timestamp::now().checked_add(callback_in).ok()).flatten();
            let _ = tx.send(AgentEvent::WrapDone { agent, disposition, callback_at });
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn scripted_agents_log_in_talk_hang_up_and_wrap_up() {
        let script = Script {
            agents: 2,
            talk: Duration::from_secs(2),
            wrap: Duration::from_secs(1),
            dispositions: vec!["sale".into(), "callback".into()],
            callback_in: Duration::from_secs(60),
        };
        let mut side = Scripted::new(script);
        assert_eq!(side.next().await, AgentEvent::Login { agent: AgentId(0), name: "scripted-0".into() });
        assert_eq!(side.next().await, AgentEvent::Login { agent: AgentId(1), name: "scripted-1".into() });
        let mut audio = side.connect(AgentId(1), CallId(9), "+12025550123").unwrap();
        let frame = audio.from_agent.recv().await.unwrap();
        assert_eq!((frame.payload_type, frame.payload.len()), (0, FRAME_SAMPLES));
        let started = tokio::time::Instant::now();
        assert_eq!(side.next().await, AgentEvent::Hangup { agent: AgentId(1) });
        assert!(started.elapsed() >= Duration::from_millis(1900));
        side.call_ended(AgentId(1), CallId(9));
        side.set_state(AgentId(1), "wrap");
        assert!(matches!(side.next().await, AgentEvent::WrapDone { disposition, .. } if disposition == "sale"));
        side.set_state(AgentId(1), "wrap");
        match side.next().await {
            AgentEvent::WrapDone { disposition, callback_at, .. } => {
                assert_eq!(disposition, "callback");
                assert!(callback_at.is_some());
            }
            other => panic!("{other:?}"),
        }
    }
}
