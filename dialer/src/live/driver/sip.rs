//! The driver's SIP: INVITEs through the trunks (failover, digest, pacing, the minimum ring),
//! answers with their audio, CANCEL and BYE, requests from the far end, OPTIONS keep-alive.

use super::{Driver, LiveCall, MIN_RING, SipState};
use crate::core::{CallId, Input, LeadId, Rejection};
use crate::live::agents::AgentSide;
use crate::live::codes::classify;
use crate::live::media::{self, MediaCmd};
use crate::media::sdp::{LocalMedia, SessionDescription, accept_answer, offer};
use crate::sip::dialog::{Dialog, RequestSpec, ViaSpec, cancel_for, response_to};
use crate::sip::message::{MessageExt, serialize_request};
use crate::sip::transaction::{Event, TransactionKey};
use compact_str::CompactString;
use rsip::{Method, Request, Response};
use tokio::time::Instant;

impl<A: AgentSide> Driver<A> {
    /// `Output::Dial`: journal the attempt, then queue the INVITE for a trunk line.
    pub(super) fn dial(&mut self, call: CallId, lead: LeadId, number: CompactString) {
        let (_, ts) = self.now();
        let trunk = self.trunks.iter().find(|t| t.usable()).or(self.trunks.first()).map(|t| t.config.uri.clone());
        if let Err(e) = self.store.begin_attempt(lead, call, ts, trunk.as_deref().unwrap_or("none")) {
            eprintln!("dialer: store refused {call} to {lead}: {e}");
            self.unjournaled.insert(call);
            self.deferred.push_back(Input::Rejected { call, reason: Rejection::Failed(503) });
            return;
        }
        self.status.dials += 1;
        self.seq += 1;
        let live = LiveCall {
            lead,
            number,
            state: SipState::Pending,
            trunk: None,
            tried: 0,
            invite: None,
            invite_key: None,
            sip_call_id: format!("{:x}-{}-{}@dialkit", self.origin.as_millisecond(), call.0, self.seq),
            from_tag: format!("d{}", call.0),
            cseq: 1,
            auth_tries: 0,
            invited_at: None,
            cancel_at: None,
            ended_in_core: false,
            ringing_told: false,
            socket: None,
            offer: None,
            dialog: None,
            media: None,
            agent: None,
            answered_at: None,
            leave_message: false,
        };
        self.by_sip_call_id.insert(live.sip_call_id.clone(), call);
        self.calls.insert(call, live);
        self.pending.push_back(call);
        self.send_pending(Instant::now());
    }

    /// Sends queued INVITEs while a trunk has a line and its pace allows.
    pub(super) fn send_pending(&mut self, now: Instant) {
        while let Some(&id) = self.pending.front() {
            let Some(call) = self.calls.get(&id) else {
                self.pending.pop_front();
                continue;
            };
            let tried = call.tried;
            let untried = |i: usize| tried & (1 << i.min(63)) == 0;
            if !self.trunks.iter().enumerate().any(|(i, t)| t.usable() && untried(i)) {
                // No trunk left to try: the call fails (dialing pauses meanwhile: no leads are
                // offered while every trunk is down).
                self.pending.pop_front();
                self.fail(id, Rejection::Failed(503));
                continue;
            }
            let Some(i) = self.trunks.iter().enumerate().position(|(i, t)| t.has_line() && untried(i)) else {
                return; // lines full: wait for one
            };
            if self.trunks[i].next_invite > now {
                return; // calls per second: wait for the slot
            }
            self.pending.pop_front();
            if !self.send_invite(id, i, None) {
                self.fail(id, Rejection::Failed(503));
            }
        }
    }

    /// Fails every call still waiting for a line or its calls-per-second slot (the drain is over:
    /// nothing more goes out). Each was journaled at its dial and ends `failed` (503), as when no
    /// trunk can take a call.
    pub(super) fn fail_pending(&mut self) {
        while let Some(id) = self.pending.pop_front() {
            self.fail(id, Rejection::Failed(503));
        }
    }

    /// Ends a call that could not go out (or whose trunks all failed) in the core and in SIP.
    fn fail(&mut self, id: CallId, reason: Rejection) {
        if let Some(c) = self.calls.get_mut(&id)
            && !c.ended_in_core
        {
            c.ended_in_core = true;
            self.input(Input::Rejected { call: id, reason });
        }
        self.end_sip(id);
    }

    /// Sends (or sends again, after a challenge or on another trunk) the call's INVITE through
    /// trunk `i`, journaling its CANCEL first. False if it could not be built or sent.
    fn send_invite(&mut self, id: CallId, i: usize, authorization: Option<rsip::Header>) -> bool {
        let local_ip = self.config.local_ip;
        let local = self.local.clone();
        let trunk = &self.trunks[i];
        let peer = trunk.peer;
        let Some(call) = self.calls.get_mut(&id) else { return false };
        if call.socket.is_none() && call.offer.is_none() {
            let Ok(std_socket) = std::net::UdpSocket::bind((local_ip, 0)) else { return false };
            let _ = std_socket.set_nonblocking(true);
            let Ok(port) = std_socket.local_addr().map(|a| a.port()) else { return false };
            let Ok(socket) = tokio::net::UdpSocket::from_std(std_socket) else { return false };
            call.socket = Some(socket);
            call.offer = Some(offer(&LocalMedia::new(local_ip, port, id.0)));
        }
        let sdp = call.offer.as_ref().map(|o| o.to_bytes()).unwrap_or_default();
        let branch = self.ep.layer().new_branch();
        let uri = trunk.request_uri(&call.number);
        let caller = &trunk.config.caller_id;
        let contact = match trunk.peer.transport {
            rsip::Transport::Tcp => format!("sip:dialkit@{local};transport=tcp"),
            _ => format!("sip:dialkit@{local}"),
        };
        let mut spec = RequestSpec::invite(&uri)
            .via_over(peer.transport, &local, &branch)
            .from(&format!("sip:{caller}@{}", trunk.config.host), &call.from_tag)
            .call_id(&call.sip_call_id)
            .cseq(call.cseq)
            .contact(&contact)
            .body("application/sdp", sdp);
        if let Some(h) = authorization {
            spec = spec.header(h);
        }
        let Ok(invite) = spec.build() else { return false };
        let mut cancel = Vec::new();
        if let Ok(c) = cancel_for(&invite) {
            serialize_request(&c, &mut cancel);
        }
        let peer_text = trunk.peer_text();
        if let Err(e) = self.store.journal_invite(id, &peer_text, &cancel) {
            // Unjournaled, the call could not be hung up after a crash: it does not go out.
            eprintln!("dialer: store: {e}; {id} not placed");
            return false;
        }
        let now = self.ep.now();
        let Ok(key) = self.ep.layer().send_request(&invite, peer, now) else { return false };
        let Some(call) = self.calls.get_mut(&id) else { return false };
        if call.trunk != Some(i) {
            if let Some(old) = call.trunk {
                self.trunks[old].lines = self.trunks[old].lines.saturating_sub(1);
            }
            self.trunks[i].invited(Instant::now());
        }
        // The minimum ring counts from the INVITE that may be answered: after a failover, the
        // new trunk's.
        if call.trunk != Some(i) {
            call.invited_at = Some(Instant::now());
        }
        call.trunk = Some(i);
        call.tried |= 1 << i.min(63);
        call.invite = Some(invite);
        call.invite_key = Some(key);
        call.state = SipState::Inviting;
        call.invited_at.get_or_insert_with(Instant::now);
        self.by_key.insert(key, id);
        true
    }

    /// `Output::Hangup`: CANCEL an unanswered call (not before the minimum ring), BYE an
    /// answered one, forget one not yet sent.
    pub(super) fn hang_up(&mut self, id: CallId) {
        let Some(call) = self.calls.get_mut(&id) else { return };
        call.ended_in_core = true;
        match call.state {
            SipState::Pending => {
                self.pending.retain(|c| *c != id);
                self.end_sip(id);
            }
            SipState::Inviting => {
                let earliest = call.invited_at.map_or_else(Instant::now, |t| t + MIN_RING);
                call.cancel_at = Some(earliest);
                self.run_cancels(Instant::now());
            }
            SipState::Answered => match (&call.media, &self.config.machine_message) {
                // A machine: the message once its greeting (and beep) is over, then BYE.
                (Some(media), Some(message)) if call.leave_message => media.send(MediaCmd::PlayAfterGreeting {
                    samples: message.clone(),
                    silence: media::GREETING_OVER,
                    at_most: media::GREETING_WAIT,
                }),
                _ => self.bye(id),
            },
            SipState::Byeing => {}
        }
    }

    /// Sends the CANCELs whose minimum ring has passed.
    pub(super) fn run_cancels(&mut self, now: Instant) {
        let due: Vec<CallId> =
            self.calls.iter().filter(|(_, c)| c.cancel_at.is_some_and(|t| t <= now)).map(|(id, _)| *id).collect();
        for id in due {
            let Some(call) = self.calls.get_mut(&id) else { continue };
            call.cancel_at = None;
            if call.state != SipState::Inviting {
                continue;
            }
            if let Some(key) = call.invite_key {
                let t = self.ep.now();
                if let Ok(cancel_key) = self.ep.layer().cancel(key, t) {
                    self.by_key.insert(cancel_key, id);
                }
            }
        }
    }

    /// Sends BYE on an answered call (once).
    pub(super) fn bye(&mut self, id: CallId) {
        let branch = self.ep.layer().new_branch();
        let local = self.local.clone();
        let Some(call) = self.calls.get_mut(&id) else { return };
        if call.state != SipState::Answered {
            return;
        }
        call.media.take();
        let (Some(dialog), Some(i)) = (call.dialog.as_mut(), call.trunk) else { return };
        let peer = self.trunks[i].peer;
        let request =
            dialog.request(Method::Bye, ViaSpec { transport: peer.transport, sent_by: &local, branch: &branch });
        call.state = SipState::Byeing;
        let now = self.ep.now();
        match self.ep.layer().send_request(request, peer, now) {
            Ok(key) => {
                self.by_key.insert(key, id);
            }
            Err(_) => self.end_sip(id),
        }
    }

    /// Forgets a call whose SIP is over: frees its line and stops its audio.
    pub(super) fn end_sip(&mut self, id: CallId) {
        let Some(call) = self.calls.remove(&id) else { return };
        if let Some(i) = call.trunk {
            self.trunks[i].lines = self.trunks[i].lines.saturating_sub(1);
        }
        if let Some(media) = &call.media {
            media.send(MediaCmd::Stop);
        }
        self.by_sip_call_id.remove(&call.sip_call_id);
        self.pending.retain(|c| *c != id);
        if let (Some(agent), false) = (call.agent, call.ended_in_core) {
            self.agents.call_ended(agent, id);
        }
    }

    /// Reads what arrived and runs the transaction timers, handling every event.
    pub(super) fn pump_sip(&mut self) {
        self.ep.receive();
        self.ep.run_timers();
        while let Some(event) = self.ep.poll_event() {
            match event {
                Event::Response { key, response, retransmission } => {
                    if !retransmission {
                        self.on_response(key, response);
                    }
                }
                Event::Request { key, request, .. } => self.on_request(key, request),
                Event::Ack { .. } => {}
                Event::Timeout { key, .. } | Event::TransportError { key } => self.on_failure(key),
                Event::Terminated { key } => {
                    self.by_key.remove(&key);
                    self.options_keys.remove(&key);
                }
            }
        }
    }

    fn on_failure(&mut self, key: TransactionKey) {
        if let Some(i) = self.register_keys.get(&key).copied() {
            eprintln!("dialer: trunk {}: no answer to REGISTER", self.trunks[i].config.uri);
            return self.register_failed(i, "no answer");
        }
        if let Some(i) = self.options_keys.remove(&key) {
            self.trunks[i].options = None;
            if self.trunks[i].failed() {
                eprintln!("dialer: trunk {} is down (no answer to OPTIONS)", self.trunks[i].config.uri);
            }
            return;
        }
        let Some(&id) = self.by_key.get(&key) else { return };
        let Some(call) = self.calls.get(&id) else { return };
        if call.invite_key == Some(key) && call.state == SipState::Inviting {
            // No answer from the trunk at all: it failed; try the next.
            self.invite_failed(id, 408, None);
        } else if call.state == SipState::Byeing {
            self.end_sip(id);
        }
    }

    fn on_response(&mut self, key: TransactionKey, response: Response) {
        let code = response.status_code.code();
        if let Some(i) = self.register_keys.get(&key).copied() {
            return self.on_register_response(i, key, response);
        }
        if let Some(i) = self.options_keys.get(&key).copied() {
            if code >= 200 {
                self.options_keys.remove(&key);
                self.trunks[i].options = None;
                // Any answer but a server failure or a timeout says the trunk serves (a 404 or
                // 405 to OPTIONS is common); 5xx and 408 count as failures.
                if code >= 500 || code == 408 {
                    if self.trunks[i].failed() {
                        eprintln!("dialer: trunk {} is down ({code} to OPTIONS)", self.trunks[i].config.uri);
                    }
                } else if self.trunks[i].alive() {
                    eprintln!("dialer: trunk {} is up", self.trunks[i].config.uri);
                }
            }
            return;
        }
        let Some(&id) = self.by_key.get(&key) else { return };
        let Some(call) = self.calls.get_mut(&id) else { return };
        if call.invite_key != Some(key) {
            // BYE or CANCEL.
            if call.state == SipState::Byeing && code >= 200 {
                self.end_sip(id);
            }
            return;
        }
        match code {
            100..=199 => {
                if (180..=183).contains(&code) && !call.ringing_told && !call.ended_in_core {
                    call.ringing_told = true;
                    self.input(Input::Ringing { call: id });
                }
            }
            200..=299 => self.answered(id, key, response),
            401 | 407 if call.auth_tries == 0 => {
                let i = call.trunk.unwrap_or(0);
                let cnonce = format!("{:016x}", id.0.wrapping_mul(0x9e37_79b9_7f4a_7c15) ^ self.seq);
                let header = match (&self.trunks[i].credentials, &call.invite) {
                    (Some(credentials), Some(invite)) => self.digest.answer(&response, invite, credentials, &cnonce),
                    _ => None,
                };
                match header {
                    Some(h) if !call.ended_in_core => {
                        call.auth_tries += 1;
                        call.cseq += 1;
                        if !self.send_invite(id, i, Some(h)) {
                            self.invite_failed(id, code, None);
                        }
                    }
                    _ => self.invite_failed(id, code, None),
                }
            }
            _ => {
                let reason = response.headers.iter().find_map(|h| match h {
                    rsip::Header::Other(name, value) if name.eq_ignore_ascii_case("Reason") => Some(value.clone()),
                    _ => None,
                });
                self.invite_failed(id, code, reason.as_deref());
            }
        }
    }

    /// A final failure of the INVITE: over to the next trunk when the trunk failed, else the
    /// outcome of docs/live.md's table.
    fn invite_failed(&mut self, id: CallId, code: u16, reason: Option<&str>) {
        let Some(call) = self.calls.get_mut(&id) else { return };
        call.invite_key = None;
        if call.ended_in_core {
            // Our CANCEL (or the core's ring timeout) ended it: nothing more to tell.
            self.end_sip(id);
            return;
        }
        let answer = classify(code, reason);
        if answer.failover
            && let Some(i) = call.trunk
        {
            if self.trunks[i].failed() {
                eprintln!("dialer: trunk {} is down ({code} to an INVITE)", self.trunks[i].config.uri);
            }
            let tried = call.tried;
            let other = self.trunks.iter().enumerate().any(|(j, t)| t.usable() && tried & (1 << j.min(63)) == 0);
            if other {
                call.state = SipState::Pending;
                call.cseq += 1;
                call.auth_tries = 0;
                self.pending.push_front(id);
                self.send_pending(Instant::now());
                return;
            }
        }
        call.ended_in_core = true;
        self.input(Input::Rejected { call: id, reason: answer.rejection });
        self.end_sip(id);
    }

    /// A 2xx to our INVITE: ACK, the dialog, the audio, the journal, the core.
    fn answered(&mut self, id: CallId, key: TransactionKey, response: Response) {
        let branch = self.ep.layer().new_branch();
        let bye_branch = self.ep.layer().new_branch();
        let local = self.local.clone();
        let Some(call) = self.calls.get_mut(&id) else { return };
        let Some(i) = call.trunk else { return };
        let peer = self.trunks[i].peer;
        self.trunks[i].alive();
        if call.dialog.is_some() {
            // A second fork answered too (its To tag differs: the transaction layer passes on the
            // first 2xx's retransmissions itself): acknowledge it and hang it up (§13.2.2.4).
            if let Some(mut extra) = call.invite.as_ref().and_then(|inv| Dialog::uac(inv, &response).ok()) {
                let ack = extra.ack(ViaSpec { transport: peer.transport, sent_by: &local, branch: &branch });
                let bye = extra
                    .request(Method::Bye, ViaSpec { transport: peer.transport, sent_by: &local, branch: &bye_branch });
                let t = self.ep.now();
                let _ = self.ep.layer().send_ack(key, ack, peer, t);
                let _ = self.ep.layer().send_request(&bye, peer, t);
            }
            return;
        }
        let Some(dialog) = call.invite.as_ref().and_then(|inv| Dialog::uac(inv, &response).ok()) else {
            // An answer we cannot make a dialog of: fail the call (the far end will time out).
            call.ended_in_core = true;
            self.input(Input::Rejected { call: id, reason: Rejection::Failed(500) });
            self.end_sip(id);
            return;
        };
        let ack = dialog.ack(ViaSpec { transport: peer.transport, sent_by: &local, branch: &branch });
        let t = self.ep.now();
        let _ = self.ep.layer().send_ack(key, ack, peer, t);
        call.cancel_at = None;
        call.dialog = Some(dialog);
        call.state = SipState::Answered;
        call.answered_at = Some(Instant::now());
        if call.ended_in_core {
            // The answer crossed our CANCEL: hang up at once.
            self.bye(id);
            return;
        }
        // The BYE a restarted dialer would send, journaled with the answer.
        let mut bye = Vec::new();
        if let Some(mut d) = call.dialog.clone() {
            let req =
                d.request(Method::Bye, ViaSpec { transport: peer.transport, sent_by: &local, branch: &bye_branch });
            serialize_request(&req, &mut bye);
        }
        let negotiated = call
            .offer
            .as_ref()
            .zip(SessionDescription::parse_bytes(&response.body).ok())
            .and_then(|(offer, answer)| accept_answer(offer, &answer).ok().flatten());
        if let (Some(negotiated), Some(socket)) = (negotiated, call.socket.take()) {
            call.media = Some(media::spawn(id, socket, negotiated, Some(self.config.amd), self.media_tx.clone()));
        }
        let no_media = call.media.is_none();
        let (_, ts) = self.now();
        if let Err(e) = self.store.mark_answered(id, ts, &bye) {
            eprintln!("dialer: store: {e}");
        }
        self.input(Input::Answered { call: id, truth: None });
        if no_media {
            // No audio to judge: treat as a person (notsure), as the detector does at its limit.
            self.input(Input::AmdVerdict { call: id, verdict: reports::AmdVerdict::NotSure });
        }
    }

    fn on_request(&mut self, key: TransactionKey, request: Request) {
        let id = request.call_id().ok().and_then(|c| self.by_sip_call_id.get(c).copied());
        let code = match (&request.method, id) {
            (Method::Bye, Some(_)) => 200,
            (Method::Options, _) => 200,
            (Method::Invite, None) => 480,
            (Method::Bye | Method::Invite | Method::Update | Method::Info, _) => 481,
            _ => 501,
        };
        let response = response_to(&request, code, None);
        let now = self.ep.now();
        let _ = self.ep.layer().send_response(key, response, now);
        if request.method == Method::Bye
            && let Some(id) = id
            && let Some(call) = self.calls.get_mut(&id)
        {
            call.media.take();
            let agent = call.agent;
            if !call.ended_in_core {
                call.ended_in_core = true;
                if let Some(agent) = agent {
                    self.agents.call_ended(agent, id);
                }
                self.input(Input::RemoteHangup { call: id });
            }
            self.end_sip(id);
        }
    }

    /// OPTIONS to each trunk every `options_interval`.
    pub(super) fn keep_alive(&mut self, now: Instant) {
        for i in 0..self.trunks.len() {
            if self.trunks[i].next_options > now || self.trunks[i].options.is_some() {
                continue;
            }
            self.trunks[i].next_options = now + self.config.options_interval;
            let branch = self.ep.layer().new_branch();
            let t = &self.trunks[i];
            let uri = format!("sip:{}:{}", bracket(&t.config.host), t.config.port);
            let spec = RequestSpec::options(&uri)
                .via_over(t.peer.transport, &self.local, &branch)
                .from(&format!("sip:dialkit@{}", self.local), &branch);
            let peer = t.peer;
            let Ok(request) = spec.build() else { continue };
            let time = self.ep.now();
            match self.ep.layer().send_request(request, peer, time) {
                Ok(key) => {
                    self.options_keys.insert(key, i);
                    self.trunks[i].options = Some(key);
                }
                Err(_) => {
                    self.trunks[i].failed();
                }
            }
        }
    }
}

pub(super) fn bracket(host: &str) -> String {
    if host.contains(':') { format!("[{host}]") } else { host.to_owned() }
}
