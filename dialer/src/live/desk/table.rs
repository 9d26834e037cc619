//! The agents the desk knows, their state as the API shows it, and the rules for what an agent
//! may do in each state. No sockets here: the SIP task, the media tasks, the API and the driver
//! all change the table under one lock and it turns each change into [`DeskEvent`]s.

use super::{DeskEvent, Frame};
use crate::core::{AgentId, CallId};
use jiff::Timestamp;
use std::collections::HashMap;
use tokio::sync::mpsc;

/// The desk's own states (the core's other states come in through [`Table::set_state`]).
pub(crate) const READY: &str = "ready";
pub(crate) const TALK: &str = "talk";
pub(crate) const WRAP: &str = "wrap";
pub(crate) const PAUSED: &str = "paused";
pub(crate) const LOGGED_OUT: &str = "logged_out";

/// The longest disposition code accepted.
pub(crate) const MAX_DISPOSITION: usize = 32;

/// What the media task of an agent's leg is told.
#[derive(Debug)]
pub(crate) enum LegCmd {
    /// Relay this call's audio: the customer's frames come in on `to_agent`, the phone's go out
    /// on `from_agent`.
    Attach { to_agent: mpsc::Receiver<Frame>, from_agent: mpsc::Sender<Frame> },
    /// The call is over: back to silence.
    Detach,
    /// A re-INVITE (or the ACK of a late offer) changed the stream.
    Media(super::leg::LegMedia),
}

/// What the SIP task is asked by the table.
#[derive(Debug)]
pub(crate) enum SipCmd {
    /// Send BYE on the agent's leg (an API logout took effect).
    HangUp(AgentId),
    /// Shut down: BYE every leg, then answer.
    Close(tokio::sync::oneshot::Sender<()>),
}

/// One agent's phone leg, as the table sees it.
#[derive(Debug)]
pub(crate) struct LegRef {
    /// Which leg (a new login is a new leg).
    pub id: u64,
    /// The leg's media task.
    pub media: mpsc::UnboundedSender<LegCmd>,
}

/// One agent.
#[derive(Debug)]
pub(crate) struct Agent {
    pub name: String,
    pub id: AgentId,
    pub state: String,
    pub call: Option<CallId>,
    pub caller: Option<String>,
    pub since: Timestamp,
    /// Asked to pause while busy: the core pauses the agent after the wrap-up.
    pub pause_pending: bool,
    /// Logged out through the API while busy: the leg is hung up after the wrap-up.
    pub logout_pending: bool,
    pub leg: Option<LegRef>,
}

/// Something an agent asks for (API or key press).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Action {
    Pause,
    Resume,
    Hangup,
    Logout,
    Wrapup { disposition: String, callback_at: Option<Timestamp> },
}

/// Why an action was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub(crate) enum ActionError {
    /// No agent of that name has logged in this session.
    #[error("no agent named `{0}` has logged in (fix: call in from the agent's phone to sip:{0}@DESK first)")]
    Unknown(String),
    /// The action makes no sense in the agent's state.
    #[error("{0}")]
    Conflict(String),
}

/// Every agent of the session, by id (index = id − 1) and by name.
pub(crate) struct Table {
    agents: Vec<Agent>,
    by_name: HashMap<String, AgentId>,
    events: mpsc::UnboundedSender<DeskEvent>,
    sip: mpsc::UnboundedSender<SipCmd>,
    next_leg: u64,
}

impl Table {
    pub fn new(events: mpsc::UnboundedSender<DeskEvent>, sip: mpsc::UnboundedSender<SipCmd>) -> Table {
        Table { agents: Vec::new(), by_name: HashMap::new(), events, sip, next_leg: 1 }
    }

    fn emit(&self, event: DeskEvent) {
        // The receiver lives in the Desk; once it is dropped nobody needs the events.
        let _ = self.events.send(event);
    }

    /// Every agent, in id order.
    pub fn agents(&self) -> &[Agent] {
        &self.agents
    }

    /// The agent of that id.
    pub fn get(&self, id: AgentId) -> Option<&Agent> {
        (id.0 as usize).checked_sub(1).and_then(|i| self.agents.get(i))
    }

    fn get_mut(&mut self, id: AgentId) -> Option<&mut Agent> {
        (id.0 as usize).checked_sub(1).and_then(|i| self.agents.get_mut(i))
    }

    /// The id of a name that has logged in this session.
    pub fn id_of(&self, name: &str) -> Option<AgentId> {
        self.by_name.get(name).copied()
    }

    /// Whether the agent of that name has a phone leg up now.
    pub fn has_leg(&self, name: &str) -> bool {
        self.id_of(name).and_then(|id| self.get(id)).is_some_and(|a| a.leg.is_some())
    }

    /// A fresh leg id.
    pub fn new_leg_id(&mut self) -> u64 {
        let id = self.next_leg;
        self.next_leg += 1;
        id
    }

    /// The phone of `name` called in and was answered: the agent is ready (a name keeps its id
    /// for the session; new names take the next id from 1).
    pub fn login(&mut self, name: &str, leg: LegRef, now: Timestamp) -> AgentId {
        let id = match self.by_name.get(name) {
            Some(&id) => id,
            None => {
                let id = AgentId(self.agents.len() as u32 + 1);
                self.agents.push(Agent {
                    name: name.to_owned(),
                    id,
                    state: LOGGED_OUT.to_owned(),
                    call: None,
                    caller: None,
                    since: now,
                    pause_pending: false,
                    logout_pending: false,
                    leg: None,
                });
                self.by_name.insert(name.to_owned(), id);
                id
            }
        };
        if let Some(agent) = self.get_mut(id) {
            agent.leg = Some(leg);
            agent.call = None;
            agent.caller = None;
            agent.pause_pending = false;
            agent.logout_pending = false;
            set(agent, READY, now);
        }
        self.emit(DeskEvent::Login { agent: id, name: name.to_owned() });
        id
    }

    /// The agent's leg `leg` ended (the phone's BYE, no ACK, or our BYE after a logout): a call
    /// in progress is hung up, a wrap-up is closed without a disposition (empty), and the agent
    /// is logged out unless an API logout already said so.
    pub fn phone_gone(&mut self, id: AgentId, leg: u64, now: Timestamp) {
        let Some(agent) = self.get_mut(id) else { return };
        if agent.leg.as_ref().is_none_or(|l| l.id != leg) {
            return;
        }
        agent.leg = None;
        let was = std::mem::replace(&mut agent.state, LOGGED_OUT.to_owned());
        agent.since = now;
        agent.call = None;
        agent.caller = None;
        agent.pause_pending = false;
        // A logout through the API was told to the driver when it was asked for.
        let already = std::mem::take(&mut agent.logout_pending);
        if was == TALK {
            self.emit(DeskEvent::Hangup { agent: id });
        }
        if was == TALK || was == WRAP {
            self.emit(DeskEvent::WrapDone { agent: id, disposition: String::new(), callback_at: None });
        }
        if was != LOGGED_OUT && !already {
            self.emit(DeskEvent::Logout { agent: id });
        }
    }

    /// The driver connected `call` to the agent: the leg's media task relays the call's audio.
    /// `None` if the agent has no leg.
    pub fn connect(&mut self, id: AgentId, call: CallId, caller: &str, now: Timestamp) -> Option<super::AgentAudio> {
        let agent = self.get_mut(id)?;
        let leg = agent.leg.as_ref()?;
        let (to_agent, to_agent_rx) = mpsc::channel(super::AUDIO_QUEUE);
        let (from_agent_tx, from_agent) = mpsc::channel(super::AUDIO_QUEUE);
        if leg.media.send(LegCmd::Attach { to_agent: to_agent_rx, from_agent: from_agent_tx }).is_err() {
            // The media task ended: the leg is going away.
            return None;
        }
        agent.call = Some(call);
        agent.caller = Some(caller.to_owned());
        set(agent, TALK, now);
        Some(super::AgentAudio { to_agent, from_agent })
    }

    /// The customer's call ended: the agent goes to wrap-up (unless it already did, by its own
    /// hang-up).
    pub fn call_ended(&mut self, id: AgentId, call: CallId, now: Timestamp) {
        let Some(agent) = self.get_mut(id) else { return };
        if agent.call != Some(call) {
            return;
        }
        if let Some(leg) = &agent.leg {
            let _ = leg.media.send(LegCmd::Detach);
        }
        if agent.state == TALK {
            set(agent, WRAP, now);
        }
    }

    /// The core's view of the agent's state.
    pub fn set_state(&mut self, id: AgentId, state: &str, now: Timestamp) {
        let Some(agent) = self.get_mut(id) else { return };
        if agent.leg.is_none() || agent.state == LOGGED_OUT {
            return;
        }
        if state != TALK && state != WRAP {
            agent.call = None;
            agent.caller = None;
        }
        if state == PAUSED {
            agent.pause_pending = false;
        }
        set(agent, state, now);
        self.settle(id, now);
    }

    /// Carries out an agent's request, or says why not.
    pub fn act(&mut self, name: &str, action: Action, now: Timestamp) -> Result<AgentId, ActionError> {
        let id = self.id_of(name).ok_or_else(|| ActionError::Unknown(name.to_owned()))?;
        self.act_id(id, action, now)?;
        Ok(id)
    }

    /// [`act`](Self::act) by id (key presses).
    pub fn act_id(&mut self, id: AgentId, action: Action, now: Timestamp) -> Result<(), ActionError> {
        let agent = self.get_mut(id).ok_or_else(|| ActionError::Unknown(id.to_string()))?;
        let conflict = |why: String| Err(ActionError::Conflict(why));
        let state = agent.state.clone();
        if state == LOGGED_OUT {
            return conflict(format!("agent `{}` is logged out (fix: call in from the phone to log in)", agent.name));
        }
        if agent.logout_pending && matches!(action, Action::Pause | Action::Resume | Action::Logout) {
            return conflict(format!("agent `{}` is logging out after this call's wrap-up", agent.name));
        }
        let event = match action {
            Action::Pause => {
                if state == PAUSED || agent.pause_pending {
                    return conflict(format!("agent `{}` is already paused or pausing", agent.name));
                }
                if state == READY {
                    set(agent, PAUSED, now);
                } else {
                    agent.pause_pending = true;
                }
                DeskEvent::Pause { agent: id }
            }
            Action::Resume => {
                if state == PAUSED {
                    set(agent, READY, now);
                } else if agent.pause_pending {
                    agent.pause_pending = false;
                } else {
                    return conflict(format!("agent `{}` is {state}, not paused: nothing to resume", agent.name));
                }
                DeskEvent::Resume { agent: id }
            }
            Action::Hangup => {
                if state != TALK {
                    return conflict(format!("agent `{}` is {state}, not talking: no call to hang up", agent.name));
                }
                if let Some(leg) = &agent.leg {
                    let _ = leg.media.send(LegCmd::Detach);
                }
                set(agent, WRAP, now);
                DeskEvent::Hangup { agent: id }
            }
            Action::Wrapup { disposition, callback_at } => {
                if state != WRAP {
                    return conflict(format!(
                        "agent `{}` is {state}, not in wrap-up: nothing to wrap up (a call's wrap-up starts when it ends)",
                        agent.name
                    ));
                }
                agent.call = None;
                agent.caller = None;
                let next = if std::mem::take(&mut agent.pause_pending) { PAUSED } else { READY };
                set(agent, next, now);
                DeskEvent::WrapDone { agent: id, disposition, callback_at }
            }
            Action::Logout => {
                if state == TALK || state == WRAP {
                    agent.logout_pending = true;
                } else {
                    set(agent, LOGGED_OUT, now);
                    agent.logout_pending = true;
                }
                DeskEvent::Logout { agent: id }
            }
        };
        self.emit(event);
        self.settle(id, now);
        Ok(())
    }

    /// A pending logout takes effect once the agent is neither talking nor wrapping up: the
    /// phone's leg is hung up.
    fn settle(&mut self, id: AgentId, now: Timestamp) {
        let Some(agent) = self.get_mut(id) else { return };
        if !agent.logout_pending || agent.state == TALK || agent.state == WRAP {
            return;
        }
        if agent.state != LOGGED_OUT {
            set(agent, LOGGED_OUT, now);
        }
        if agent.leg.is_some() {
            let _ = self.sip.send(SipCmd::HangUp(id));
        }
    }

    /// The agent's state as the API shows it.
    pub fn view(&self, id: AgentId) -> Option<serde_json::Value> {
        let a = self.get(id)?;
        Some(serde_json::json!({
            "name": a.name,
            "id": a.id.0,
            "state": a.state,
            "call": a.call.map(|c| c.0),
            "caller": a.caller,
            "since": a.since.to_string(),
            "pause_pending": a.pause_pending,
            "logout_pending": a.logout_pending && a.state != LOGGED_OUT,
        }))
    }
}

fn set(agent: &mut Agent, state: &str, now: Timestamp) {
    if agent.state != state {
        agent.state = state.to_owned();
        agent.since = now;
    }
}

/// Whether `text` is a disposition code: 1–32 of `a`–`z`, `0`–`9`, `_`, `-`.
pub(crate) fn is_disposition(text: &str) -> bool {
    !text.is_empty()
        && text.len() <= MAX_DISPOSITION
        && text.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-')
}

/// Whether `text` may be an agent's login name (the user part of `sip:NAME@desk`): 1–64 of
/// letters, digits, `.`, `_`, `-`.
pub(crate) fn is_name(text: &str) -> bool {
    !text.is_empty()
        && text.len() <= 64
        && text.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'_' || b == b'-')
}
