//! The audio of one agent's phone leg: a task with its own RTP socket. It sends the phone a
//! steady 20 ms stream (silence between calls, the customer's audio during one, re-encoded in
//! the leg's codec with its own SSRC, sequence and timestamps), hands the phone's audio to the
//! driver as 20 ms frames while a call is attached, and turns RFC 4733 key presses into agent
//! actions.

use super::table::{Action, LegCmd, Table};
use super::{Frame, lock};
use crate::core::{AgentId, Time};
use crate::media::rtp::is_rtcp;
use crate::media::{FRAME_SAMPLES, G711, RtpPacket, RtpSender, TelephoneEvent};
use std::collections::VecDeque;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::mpsc;

/// The customer audio buffered for the phone, at most (samples): 200 ms. Older audio is
/// dropped so the delay stays short when the two clocks drift.
const MAX_BUFFERED: usize = 10 * FRAME_SAMPLES;

/// The stream the offer/answer settled on, from the desk's side.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct LegMedia {
    pub codec: G711,
    pub payload_type: u8,
    pub telephone_event: Option<u8>,
    /// Where the phone receives; `None` until known (late offer, or held): the first packet
    /// from the phone sets it (symmetric RTP).
    pub remote: Option<SocketAddr>,
    /// Whether we send (not while the phone holds the call).
    pub sends: bool,
}

/// What the key presses mean (docs/agents.md): `*` hang up, `0` pause, `#` ready (resume), and in
/// wrap-up `1` sale, `2` no_sale, `3` callback (at the campaign's default delay), `4` dnc_request.
pub(crate) fn key_action(key: char) -> Option<Action> {
    let wrap = |d: &str| Some(Action::Wrapup { disposition: d.to_owned(), callback_at: None });
    match key {
        '*' => Some(Action::Hangup),
        '0' => Some(Action::Pause),
        '#' => Some(Action::Resume),
        '1' => wrap("sale"),
        '2' => wrap("no_sale"),
        '3' => wrap("callback"),
        '4' => wrap("dnc_request"),
        _ => None,
    }
}

/// One leg's media, until its command channel closes.
pub(crate) async fn run(
    socket: tokio::net::UdpSocket,
    agent: AgentId,
    mut media: LegMedia,
    seed: u64,
    mut cmds: mpsc::UnboundedReceiver<LegCmd>,
    table: Arc<Mutex<Table>>,
) {
    let start = Instant::now();
    let mut sender = RtpSender::new(media.codec, seed, Time::ZERO).with_payload_type(media.payload_type);
    let mut pcm: VecDeque<i16> = VecDeque::with_capacity(MAX_BUFFERED + 4 * FRAME_SAMPLES);
    let mut from_phone: VecDeque<u8> = VecDeque::with_capacity(4 * FRAME_SAMPLES);
    let mut call: Option<(mpsc::Receiver<Frame>, mpsc::Sender<Frame>)> = None;
    let mut datagram = Vec::with_capacity(256);
    let mut buf = vec![0u8; 2048];
    let mut last_key: Option<u32> = None;
    let mut decoded = [0i16; 1024];
    loop {
        let due = start + Duration::from_millis(sender.poll_timeout().as_ms());
        tokio::select! {
            _ = tokio::time::sleep_until(due.into()) => {
                if let Some((to_agent, _)) = call.as_mut() {
                    while let Ok(frame) = to_agent.try_recv() {
                        let Some(codec) = codec_of(frame.payload_type) else { continue };
                        let n = frame.payload.len().min(decoded.len());
                        codec.decode(&frame.payload[..n], &mut decoded[..n]);
                        pcm.extend(&decoded[..n]);
                    }
                    let excess = pcm.len().saturating_sub(MAX_BUFFERED);
                    pcm.drain(..excess);
                }
                let now = Time::from_ms(start.elapsed().as_millis() as u64);
                let mut source = || {
                    let mut frame = [0i16; FRAME_SAMPLES];
                    if pcm.len() >= FRAME_SAMPLES {
                        for (s, p) in frame.iter_mut().zip(pcm.drain(..FRAME_SAMPLES)) {
                            *s = p;
                        }
                    }
                    frame
                };
                while sender.poll_transmit(now, &mut source, &mut datagram).is_some() {
                    if media.sends && let Some(to) = media.remote {
                        // A full buffer or an unreachable port loses the frame, as the network would.
                        let _ = socket.try_send_to(&datagram, to);
                    }
                }
            }
            got = socket.recv_from(&mut buf) => {
                let Ok((len, from)) = got else { continue };
                let datagram = &buf[..len];
                if is_rtcp(datagram) {
                    continue;
                }
                let Ok(packet) = RtpPacket::parse(datagram) else { continue };
                if media.remote.is_none() {
                    media.remote = Some(from);
                }
                if packet.payload_type == media.payload_type {
                    let Some((_, from_agent)) = call.as_ref() else { continue };
                    from_phone.extend(packet.payload);
                    while from_phone.len() >= FRAME_SAMPLES {
                        let payload: Vec<u8> = from_phone.drain(..FRAME_SAMPLES).collect();
                        // A driver that falls behind loses frames rather than delaying the phone.
                        let _ = from_agent.try_send(Frame { payload_type: media.codec.payload_type(), payload });
                    }
                } else if Some(packet.payload_type) == media.telephone_event {
                    let Ok(event) = TelephoneEvent::parse(packet.payload) else { continue };
                    // One action per key press: its end packets (sent three times) share a timestamp.
                    if !event.end || last_key == Some(packet.timestamp) {
                        continue;
                    }
                    last_key = Some(packet.timestamp);
                    if let Some(action) = event.digit().and_then(key_action) {
                        let now = jiff::Timestamp::now();
                        // A key that makes no sense now (say `*` while ready) is ignored.
                        let _ = lock(&table).act_id(agent, action, now);
                    }
                }
            }
            cmd = cmds.recv() => match cmd {
                None => break,
                Some(LegCmd::Attach { to_agent, from_agent }) => {
                    pcm.clear();
                    from_phone.clear();
                    call = Some((to_agent, from_agent));
                }
                Some(LegCmd::Detach) => {
                    call = None;
                    pcm.clear();
                }
                Some(LegCmd::Media(new)) => {
                    if new.codec != media.codec || new.payload_type != media.payload_type {
                        let now = Time::from_ms(start.elapsed().as_millis() as u64);
                        sender = RtpSender::new(new.codec, seed, now).with_payload_type(new.payload_type);
                    }
                    let remote = new.remote.or(media.remote);
                    media = LegMedia { remote, ..new };
                }
            },
        }
    }
}

/// The law of a static G.711 payload type.
fn codec_of(payload_type: u8) -> Option<G711> {
    match payload_type {
        0 => Some(G711::Pcmu),
        8 => Some(G711::Pcma),
        _ => None,
    }
}
