//! Agents' side of the live dialer: each agent's phone calls in and stays connected for the
//! session; a local HTTP/JSON API (and RFC 4733 key presses) carries what agents do.
//!
//! The driver's side, in its loop (docs/agents.md has the API and the key map):
//!
//! ```no_run
//! # async fn go() -> std::io::Result<()> {
//! use dialer::live::desk::{Desk, DeskConfig, DeskEvent};
//! let mut desk = Desk::bind(DeskConfig {
//!     sip: "127.0.0.1:5070".parse().unwrap(),
//!     api: "127.0.0.1:8080".parse().unwrap(),
//! })
//! .await?;
//! loop {
//!     match desk.next().await {
//!         DeskEvent::Login { agent, .. } => { /* core: AgentLogin */ let _ = agent; }
//!         DeskEvent::WrapDone { agent, disposition, .. } => { /* core: WrapDone */ let _ = (agent, disposition); }
//!         _ => {}
//!     }
//!     # break;
//! }
//! // The core says Connect { call, agent }: relay the customer's audio through `audio`.
//! # let (agent, call) = (dialer::core::AgentId(1), dialer::core::CallId(1));
//! if let Some(audio) = desk.connect(agent, call, "+15550100") { let _ = audio; }
//! desk.close().await;
//! # Ok(()) }
//! ```
//!
//! Inside: one task runs the SIP endpoint ([`phone`]), one task per phone leg its RTP
//! ([`leg`]), one task per API connection ([`http`], routes in [`api`]); they share the agent
//! [`table`] under one lock, which turns every change into [`DeskEvent`]s for [`Desk::next`].

mod api;
mod http;
mod leg;
mod phone;
pub mod softphone;
mod table;

#[cfg(test)]
mod tests;

use crate::core::{AgentId, CallId};
use crate::sip::endpoint::UdpEndpoint;
use crate::sip::transaction::Config;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};
use table::{SipCmd, Table};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

/// Frames queued in each direction of a call's audio, at most (one second).
pub(crate) const AUDIO_QUEUE: usize = 50;

/// SIP socket buffers: a desk carries a few hundred phones, not load.
const SIP_BUFFER_BYTES: usize = 1 << 20;

/// Where the desk listens (the campaign's `[agents]` `sip` and `api`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DeskConfig {
    /// Agents' phones call in here (SIP over UDP).
    pub sip: SocketAddr,
    /// The HTTP/JSON agent API.
    pub api: SocketAddr,
}

/// The agents' desk: their phones' SIP legs, the agent API, the audio bridged to them.
pub struct Desk {
    sip: SocketAddr,
    api: SocketAddr,
    table: Arc<Mutex<Table>>,
    events: mpsc::UnboundedReceiver<DeskEvent>,
    sip_cmds: mpsc::UnboundedSender<SipCmd>,
    phones: Option<JoinHandle<()>>,
    server: JoinHandle<()>,
}

/// A call's audio between the driver and an agent's phone.
#[derive(Debug)]
pub struct AgentAudio {
    /// The customer's audio for the agent's phone (send 20 ms G.711 frames, PCMU or PCMA).
    pub to_agent: mpsc::Sender<Frame>,
    /// The agent's audio for the customer (20 ms frames in the leg's codec, payload type 0 or 8).
    /// Ends (`None`) when the call is over for the agent.
    pub from_agent: mpsc::Receiver<Frame>,
}

/// One 20 ms G.711 frame.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Frame {
    /// 0 (PCMU) or 8 (PCMA).
    pub payload_type: u8,
    /// 160 bytes.
    pub payload: Vec<u8>,
}

/// Something an agent did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DeskEvent {
    /// The agent's phone called in and was answered: the agent is logged in and ready.
    Login { agent: AgentId, name: String },
    /// The agent's phone hung up, or the agent logged out through the API.
    Logout { agent: AgentId },
    /// The agent asked to pause (at once if free, after the wrap-up if busy).
    Pause { agent: AgentId },
    /// The agent is ready again.
    Resume { agent: AgentId },
    /// The agent ended the customer call (API or key press), or its phone hung up mid-call.
    Hangup { agent: AgentId },
    /// The agent finished wrap-up: disposition (sale, callback, dnc_request, no_sale, …) and, for
    /// a callback, when. An empty disposition: the phone hung up before the wrap-up was done.
    WrapDone { agent: AgentId, disposition: String, callback_at: Option<jiff::Timestamp> },
}

/// The table's lock. A task that panicked while holding it cannot leave the table half-changed
/// (every change is a few assignments), so a poisoned lock is used as it is.
pub(crate) fn lock(table: &Mutex<Table>) -> MutexGuard<'_, Table> {
    table.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl Desk {
    /// Binds the SIP socket and the API listener and starts serving. Needs a tokio runtime.
    pub async fn bind(config: DeskConfig) -> std::io::Result<Desk> {
        let ep = UdpEndpoint::bind(config.sip, Config::default(), SIP_BUFFER_BYTES)?;
        let listener = tokio::net::TcpListener::bind(config.api).await?;
        let sip = ep.local_addr();
        let api = listener.local_addr()?;
        let (events_tx, events) = mpsc::unbounded_channel();
        let (sip_tx, sip_rx) = mpsc::unbounded_channel();
        let table = Arc::new(Mutex::new(Table::new(events_tx, sip_tx.clone())));
        let phones = phone::Phones::new(table.clone(), sip);
        let phones = tokio::spawn(phones.run(ep, sip_rx));
        let server = tokio::spawn(http::serve(listener, table.clone()));
        Ok(Desk { sip, api, table, events, sip_cmds: sip_tx, phones: Some(phones), server })
    }

    /// Where the phones call in (the port the kernel chose for port 0).
    pub fn sip_addr(&self) -> SocketAddr {
        self.sip
    }

    /// Where the API listens.
    pub fn api_addr(&self) -> SocketAddr {
        self.api
    }

    /// The next thing an agent did. Cancel-safe (a channel receive).
    pub async fn next(&mut self) -> DeskEvent {
        match self.events.recv().await {
            Some(event) => event,
            // The table holds the sender as long as the desk lives: not reached.
            None => std::future::pending().await,
        }
    }

    /// The next event if one is waiting.
    pub fn try_next(&mut self) -> Option<DeskEvent> {
        self.events.try_recv().ok()
    }

    /// The core connected `call` to `agent`: the API shows `talk` and the caller's number, and
    /// the returned pipes carry the call's audio. `None` if the agent has no leg.
    pub fn connect(&mut self, agent: AgentId, call: CallId, caller: &str) -> Option<AgentAudio> {
        lock(&self.table).connect(agent, call, caller, jiff::Timestamp::now())
    }

    /// The customer's call ended (either side hung up): the agent goes to wrap-up in the API,
    /// and the call's audio pipes close.
    pub fn call_ended(&mut self, agent: AgentId, call: CallId) {
        lock(&self.table).call_ended(agent, call, jiff::Timestamp::now());
    }

    /// The core's view of the agent's state (ready, reserved, talk, wrap, paused, …) for the API.
    /// Ignored for an agent without a leg.
    pub fn set_state(&mut self, agent: AgentId, state: &str) {
        lock(&self.table).set_state(agent, state, jiff::Timestamp::now());
    }

    /// The agent's state as the API shows it (`GET /agents/NAME`), by id.
    pub fn agent_json(&self, agent: AgentId) -> Option<serde_json::Value> {
        lock(&self.table).view(agent)
    }

    /// Shutdown: BYE every agent leg (waiting up to 2 s for the phones' answers), stop the API.
    /// New calls from phones are refused meanwhile. Logouts of the legs still come from
    /// [`next`](Self::next).
    pub async fn close(&mut self) {
        let (done, wait) = tokio::sync::oneshot::channel();
        if self.sip_cmds.send(SipCmd::Close(done)).is_ok() {
            let _ = wait.await;
        }
        if let Some(phones) = self.phones.take() {
            let _ = phones.await;
        }
        self.server.abort();
    }
}

impl Drop for Desk {
    fn drop(&mut self) {
        if let Some(phones) = &self.phones {
            phones.abort();
        }
        self.server.abort();
    }
}
