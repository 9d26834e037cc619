//! The agents' phones over SIP: a user agent server on one [`UdpEndpoint`] that answers an
//! INVITE to `sip:NAME@desk` (NAME: the agent's login name) at once, keeps the dialog up for
//! the session (re-INVITEs, OPTIONS), logs the agent out on the phone's BYE, and sends BYE
//! itself after an API logout or at shutdown. Each leg's audio is a [`leg`](super::leg) task
//! with its own RTP socket.

use super::leg::{self, LegMedia};
use super::lock;
use super::table::{LegCmd, LegRef, SipCmd, Table, is_name};
use crate::core::AgentId;
use crate::media::G711;
use crate::media::sdp::{LocalMedia, Negotiated, SessionDescription, accept_answer, answer, offer};
use crate::sip::dialog::{Dialog, ViaSpec};
use crate::sip::endpoint::UdpEndpoint;
use crate::sip::message::{MessageExt, response_to};
use crate::sip::transaction::{Event, Peer, Timer, TransactionKey};
use compact_str::{CompactString, format_compact};
use rsip::headers::{Contact, ContentType, UntypedHeader};
use rsip::{Method, Request, Response};
use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::{mpsc, oneshot};

/// At shutdown, wait at most this long for the phones to answer our BYEs.
const CLOSE_WAIT: Duration = Duration::from_secs(2);

/// One agent's phone leg.
struct Leg {
    id: u64,
    agent: AgentId,
    dialog: Dialog,
    call_id: CompactString,
    /// Where the INVITE came from: where our BYE goes if the dialog's target cannot be read.
    peer: Peer,
    local: LocalMedia,
    /// Our offer in a 200 to an INVITE without one: the ACK carries the answer.
    late_offer: Option<SessionDescription>,
    media: mpsc::UnboundedSender<LegCmd>,
    invite_key: Option<TransactionKey>,
    bye_key: Option<TransactionKey>,
}

/// The SIP side of the desk.
pub(crate) struct Phones {
    table: Arc<Mutex<Table>>,
    sent_by: CompactString,
    contact: CompactString,
    /// The address the legs' RTP sockets bind to and the SDP names.
    rtp_ip: IpAddr,
    legs: HashMap<u64, Leg>,
    by_call_id: HashMap<CompactString, u64>,
    by_key: HashMap<TransactionKey, u64>,
    stopping: bool,
    seed: u64,
}

impl Phones {
    pub fn new(table: Arc<Mutex<Table>>, local: SocketAddr) -> Phones {
        let rtp_ip = if local.ip().is_unspecified() { IpAddr::from([127, 0, 0, 1]) } else { local.ip() };
        let seed = {
            use std::hash::{BuildHasher, Hasher};
            // A per-process random seed for the legs' SSRCs and initial sequence numbers.
            std::collections::hash_map::RandomState::new().build_hasher().finish()
        };
        Phones {
            table,
            sent_by: format_compact!("{local}"),
            contact: format_compact!("<sip:desk@{}>", SocketAddr::new(rtp_ip, local.port())),
            rtp_ip,
            legs: HashMap::new(),
            by_call_id: HashMap::new(),
            by_key: HashMap::new(),
            stopping: false,
            seed,
        }
    }

    /// Runs until a [`SipCmd::Close`] has been carried out (or every sender is gone).
    pub async fn run(mut self, mut ep: UdpEndpoint, mut cmds: mpsc::UnboundedReceiver<SipCmd>) {
        let mut closing: Option<(Instant, Vec<oneshot::Sender<()>>)> = None;
        loop {
            ep.flush();
            if let Some((until, _)) = &closing
                && (self.legs.is_empty() || Instant::now() >= *until)
            {
                break;
            }
            let deadline = closing.as_ref().map(|(until, _)| *until);
            tokio::select! {
                _ = ep.wait(deadline) => {}
                cmd = cmds.recv() => match cmd {
                    Some(SipCmd::HangUp(agent)) => {
                        if let Some(id) = self.legs.values().find(|l| l.agent == agent).map(|l| l.id) {
                            self.hang_up(&mut ep, id);
                        }
                    }
                    Some(SipCmd::Close(done)) => {
                        match &mut closing {
                            Some((_, waiting)) => waiting.push(done),
                            None => {
                                self.stopping = true;
                                let all: Vec<u64> = self.legs.keys().copied().collect();
                                for id in all {
                                    self.hang_up(&mut ep, id);
                                }
                                closing = Some((Instant::now() + CLOSE_WAIT, vec![done]));
                            }
                        }
                    }
                    None => break,
                },
            }
            ep.receive();
            ep.run_timers();
            ep.flush();
            while let Some(event) = ep.poll_event() {
                self.on_event(&mut ep, event);
            }
        }
        let left: Vec<u64> = self.legs.keys().copied().collect();
        for id in left {
            self.finish(id);
        }
        ep.flush();
        if let Some((_, waiting)) = closing {
            for done in waiting {
                let _ = done.send(());
            }
        }
    }

    fn reply(&mut self, ep: &mut UdpEndpoint, key: TransactionKey, request: &Request, code: u16) {
        let response = response_to(request, code, None, None);
        let now = ep.now();
        let _ = ep.layer().send_response(key, response, now);
    }

    fn on_event(&mut self, ep: &mut UdpEndpoint, event: Event) {
        match event {
            Event::Request { key, request, peer, cancels } => self.on_request(ep, key, request, peer, cancels),
            Event::Ack { request, .. } => self.on_ack(&request),
            Event::Response { key, response, .. } => {
                if response.status_code.code() >= 200
                    && let Some(&id) = self.by_key.get(&key)
                    && self.legs.get(&id).is_some_and(|l| l.bye_key == Some(key))
                {
                    self.finish(id);
                }
            }
            Event::Timeout { key, timer } => {
                let Some(&id) = self.by_key.get(&key) else { return };
                let Some(leg) = self.legs.get(&id) else { return };
                if leg.bye_key == Some(key) {
                    self.finish(id);
                } else if leg.invite_key == Some(key) && timer == Timer::L {
                    // Our 200 was never acknowledged (§13.3.1.4): end the dialog with a BYE.
                    self.hang_up(ep, id);
                }
            }
            Event::TransportError { key } => {
                if let Some(&id) = self.by_key.get(&key) {
                    self.finish(id);
                }
            }
            Event::Terminated { key } => {
                if let Some(id) = self.by_key.remove(&key)
                    && let Some(leg) = self.legs.get_mut(&id)
                    && leg.invite_key == Some(key)
                {
                    leg.invite_key = None;
                }
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
            // We answer INVITEs at once: a CANCEL comes too late to change anything (§9.2).
            let code = if cancels.is_some() { 200 } else { 481 };
            return self.reply(ep, key, &request, code);
        }
        if request.to_tag().ok().flatten().is_some() {
            return self.in_dialog(ep, key, request);
        }
        match request.method {
            Method::Invite => self.on_invite(ep, key, request, peer),
            Method::Options => self.reply(ep, key, &request, 200),
            Method::Bye | Method::Info | Method::Update | Method::PRack => self.reply(ep, key, &request, 481),
            _ => self.reply(ep, key, &request, 501),
        }
    }

    fn on_invite(&mut self, ep: &mut UdpEndpoint, key: TransactionKey, request: Request, peer: Peer) {
        if self.stopping {
            return self.reply(ep, key, &request, 503);
        }
        let call_id = CompactString::from(request.call_id().unwrap_or_default());
        if self.by_call_id.contains_key(&call_id) {
            // A second INVITE of a leg we hold, on another branch: merged (§8.2.2.2).
            return self.reply(ep, key, &request, 482);
        }
        let name = request.uri.auth.as_ref().map(|a| a.user.clone()).unwrap_or_default();
        if !is_name(&name) {
            return self.reply(ep, key, &request, 404);
        }
        if lock(&self.table).has_leg(&name) {
            // One phone per agent: the one logged in stays.
            return self.reply(ep, key, &request, 486);
        }
        let tag = ep.layer().new_token();
        let Ok(dialog) = Dialog::uas(&request, &tag) else {
            return self.reply(ep, key, &request, 400);
        };
        let socket = match std::net::UdpSocket::bind(SocketAddr::new(self.rtp_ip, 0))
            .and_then(|s| s.set_nonblocking(true).map(|()| s))
            .and_then(tokio::net::UdpSocket::from_std)
        {
            Ok(s) => s,
            Err(_) => return self.reply(ep, key, &request, 500),
        };
        let port = socket.local_addr().map(|a| a.port()).unwrap_or_default();
        let leg_id = lock(&self.table).new_leg_id();
        let mut local = LocalMedia::new(self.rtp_ip, port, leg_id);
        local.username = "dialkit-desk".to_owned();
        let (body, media, late_offer) = if request.body.is_empty() {
            let ours = offer(&local);
            let media =
                LegMedia { codec: G711::Pcmu, payload_type: 0, telephone_event: None, remote: None, sends: true };
            (ours.to_string().into_bytes(), media, Some(ours))
        } else {
            let negotiated = SessionDescription::parse_bytes(&request.body)
                .ok()
                .and_then(|o| answer(&o, &local).ok())
                .and_then(|a| a.audio.map(|n| (a.sdp, n)));
            let Some((sdp, n)) = negotiated else {
                return self.reply(ep, key, &request, 488);
            };
            (sdp.to_bytes(), leg_media(&n), None)
        };
        let (media_tx, media_rx) = mpsc::unbounded_channel();
        let now = jiff::Timestamp::now();
        let agent = lock(&self.table).login(&name, LegRef { id: leg_id, media: media_tx.clone() }, now);
        let seed = self.seed ^ leg_id.wrapping_mul(0x9E37_79B9_7F4A_7C15);
        tokio::spawn(leg::run(socket, agent, media, seed, media_rx, self.table.clone()));
        let mut dialog = dialog;
        dialog.confirm();
        let mut response = response_to(&request, 200, None, Some(&tag));
        self.with_sdp(&mut response, body);
        let t = ep.now();
        let _ = ep.layer().send_response(key, response, t);
        self.by_key.insert(key, leg_id);
        self.by_call_id.insert(call_id.clone(), leg_id);
        self.legs.insert(
            leg_id,
            Leg {
                id: leg_id,
                agent,
                dialog,
                call_id,
                peer,
                local,
                late_offer,
                media: media_tx,
                invite_key: Some(key),
                bye_key: None,
            },
        );
    }

    fn with_sdp(&self, response: &mut Response, body: Vec<u8>) {
        response.headers.push(Contact::new(self.contact.as_str()).into());
        if !body.is_empty() {
            response.headers.push(ContentType::new("application/sdp").into());
        }
        response.body = body;
    }

    fn in_dialog(&mut self, ep: &mut UdpEndpoint, key: TransactionKey, request: Request) {
        let call_id = request.call_id().unwrap_or_default();
        let id = self.by_call_id.get(call_id).copied();
        let Some(leg) = id.and_then(|i| self.legs.get_mut(&i)).filter(|l| l.dialog.matches(&request)) else {
            let code = if request.method == Method::Options { 200 } else { 481 };
            return self.reply(ep, key, &request, code);
        };
        if let Err(e) = leg.dialog.check_request(&request) {
            return self.reply(ep, key, &request, e.status_code());
        }
        let id = leg.id;
        match request.method {
            Method::Bye => {
                self.reply(ep, key, &request, 200);
                self.finish(id);
            }
            Method::Invite => self.on_reinvite(ep, key, id, request),
            // INFO: SIP INFO key presses are not read (RFC 4733 is); accepting keeps the phone calm.
            Method::Options | Method::Info => self.reply(ep, key, &request, 200),
            _ => self.reply(ep, key, &request, 501),
        }
    }

    fn on_reinvite(&mut self, ep: &mut UdpEndpoint, key: TransactionKey, id: u64, request: Request) {
        let Some(leg) = self.legs.get_mut(&id) else { return };
        leg.local.session_version += 1;
        let (code, body) = if request.body.is_empty() {
            // No offer: ours goes in the 200, the answer comes in the ACK.
            let ours = offer(&leg.local);
            let body = ours.to_string().into_bytes();
            leg.late_offer = Some(ours);
            (200, body)
        } else {
            match SessionDescription::parse_bytes(&request.body).ok().and_then(|o| answer(&o, &leg.local).ok()) {
                Some(a) if a.audio.is_some() => {
                    if let Some(n) = a.audio {
                        let _ = leg.media.send(LegCmd::Media(leg_media(&n)));
                    }
                    (200, a.sdp.to_bytes())
                }
                _ => (488, Vec::new()),
            }
        };
        leg.dialog.reinvite_answered();
        let tag = leg.dialog.id().local_tag.clone();
        let mut response = response_to(&request, code, None, Some(&tag));
        if code == 200 {
            self.with_sdp(&mut response, body);
        }
        let t = ep.now();
        let _ = ep.layer().send_response(key, response, t);
    }

    fn on_ack(&mut self, ack: &Request) {
        let Some(&id) = ack.call_id().ok().and_then(|c| self.by_call_id.get(c)) else { return };
        let Some(leg) = self.legs.get_mut(&id) else { return };
        let Some(ours) = leg.late_offer.take() else { return };
        let Ok(theirs) = SessionDescription::parse_bytes(&ack.body) else { return };
        if let Ok(Some(n)) = accept_answer(&ours, &theirs) {
            let _ = leg.media.send(LegCmd::Media(leg_media(&n)));
        }
    }

    /// Sends our BYE on a leg; the leg ends when it is answered (or times out).
    fn hang_up(&mut self, ep: &mut UdpEndpoint, id: u64) {
        let branch = ep.layer().new_branch();
        let Some(leg) = self.legs.get_mut(&id) else { return };
        if leg.bye_key.is_some() {
            return;
        }
        let bye = leg.dialog.request(Method::Bye, ViaSpec::udp(&self.sent_by, &branch));
        let to = leg.dialog.next_hop().unwrap_or(leg.peer.addr);
        let now = ep.now();
        match ep.layer().send_request(bye, Peer::udp(to), now) {
            Ok(key) => {
                leg.bye_key = Some(key);
                self.by_key.insert(key, id);
            }
            Err(_) => self.finish(id),
        }
    }

    /// The leg is over: its media task stops and the table hears of it.
    fn finish(&mut self, id: u64) {
        let Some(leg) = self.legs.remove(&id) else { return };
        self.by_call_id.remove(&leg.call_id);
        self.by_key.retain(|_, l| *l != id);
        // Dropping the sender (here and in the table) ends the media task.
        drop(leg.media);
        lock(&self.table).phone_gone(leg.agent, id, jiff::Timestamp::now());
    }
}

fn leg_media(n: &Negotiated) -> LegMedia {
    LegMedia {
        codec: n.codec,
        payload_type: n.payload_type,
        telephone_event: n.telephone_event,
        remote: n.remote,
        sends: n.direction.sends(),
    }
}
