//! A minimal agent phone for tests and for the emulated agents of `dialer callee`: it calls in to
//! the desk (`sip:NAME@desk`), stays up, sends a steady 20 ms stream (silence, or a tone to be
//! heard), counts what it hears, presses keys (RFC 4733) and hangs up. One task, one SIP socket
//! and one RTP socket per phone.
//!
//! Key presses go out as their own RTP stream (their own SSRC and sequence numbers) next to the
//! audio: simpler than sharing the audio's numbering, and a receiver keyed on payload type (the
//! desk) does not mind.

use crate::core::Time;
use crate::media::sdp::{LocalMedia, SessionDescription, accept_answer, offer};
use crate::media::{Csrcs, FRAME_SAMPLES, G711, RtpPacket, RtpSender, TelephoneEvent, frame_dbfs};
use crate::sip::dialog::{Dialog, RequestSpec, ViaSpec};
use crate::sip::endpoint::UdpEndpoint;
use crate::sip::message::response_to;
use crate::sip::transaction::{Config, Event, Peer, TransactionKey};
use rsip::Method;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::{mpsc, oneshot};

/// Frames louder than this (dBFS) count as heard audio rather than silence.
const LOUD_DBFS: f64 = -40.0;

/// What a phone has done and heard so far.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PhoneStats {
    /// RTP audio packets sent.
    pub sent: u64,
    /// RTP audio packets received.
    pub received: u64,
    /// Received frames louder than silence.
    pub loud: u64,
}

/// How a phone's call in ended, or why it never started.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PhoneEnd {
    /// The desk refused the INVITE with this code (or 408: no answer).
    Refused(u16),
    /// The desk hung up (its BYE).
    ByDesk,
    /// We hung up.
    ByUs,
}

enum Cmd {
    Press(char),
    HangUp,
}

/// A phone that calls in to a desk.
pub struct Softphone {
    cmds: mpsc::UnboundedSender<Cmd>,
    answered: Option<oneshot::Receiver<Result<(), u16>>>,
    stats: Arc<Mutex<PhoneStats>>,
    task: tokio::task::JoinHandle<PhoneEnd>,
}

impl Softphone {
    /// Calls `sip:NAME@desk` from sockets on `ip`; `tone` sends a 400 Hz tone instead of silence.
    /// Needs a tokio runtime.
    pub async fn call(desk: SocketAddr, name: &str, ip: IpAddr, tone: bool) -> std::io::Result<Softphone> {
        let ep = UdpEndpoint::bind(SocketAddr::new(ip, 0), Config::default(), 256 * 1024)?;
        let rtp = tokio::net::UdpSocket::bind(SocketAddr::new(ip, 0)).await?;
        let (cmds, rx) = mpsc::unbounded_channel();
        let (answered_tx, answered) = oneshot::channel();
        let stats = Arc::new(Mutex::new(PhoneStats::default()));
        let task = tokio::spawn(run(ep, rtp, desk, name.to_owned(), tone, rx, answered_tx, stats.clone()));
        Ok(Softphone { cmds, answered: Some(answered), stats, task })
    }

    /// Waits for the desk's answer: `Err(code)` if it refused.
    pub async fn answered(&mut self) -> Result<(), u16> {
        match self.answered.take() {
            Some(rx) => rx.await.unwrap_or(Err(408)),
            None => Ok(()),
        }
    }

    /// Presses a key (RFC 4733): `0`–`9`, `*`, `#`, `A`–`D`.
    pub fn press(&self, key: char) {
        let _ = self.cmds.send(Cmd::Press(key));
    }

    /// What the phone sent and heard so far.
    pub fn stats(&self) -> PhoneStats {
        *self.stats.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Whether the call is over (the desk hung up, or it never started).
    pub fn is_finished(&self) -> bool {
        self.task.is_finished()
    }

    /// Hangs up (BYE) and waits for the end.
    pub async fn hang_up(self) -> PhoneEnd {
        let _ = self.cmds.send(Cmd::HangUp);
        self.task.await.unwrap_or(PhoneEnd::ByUs)
    }

    /// Waits for the call to end without hanging up (the desk's BYE).
    pub async fn ended(self) -> PhoneEnd {
        let Softphone { cmds, task, .. } = self;
        let end = task.await.unwrap_or(PhoneEnd::ByDesk);
        drop(cmds);
        end
    }
}

struct Media {
    remote: SocketAddr,
    payload_type: u8,
    telephone_event: Option<u8>,
    sender: RtpSender,
}

#[allow(clippy::too_many_arguments)]
async fn run(
    mut ep: UdpEndpoint,
    rtp: tokio::net::UdpSocket,
    desk: SocketAddr,
    name: String,
    tone: bool,
    mut cmds: mpsc::UnboundedReceiver<Cmd>,
    answered: oneshot::Sender<Result<(), u16>>,
    stats: Arc<Mutex<PhoneStats>>,
) -> PhoneEnd {
    let local = ep.local_addr();
    let sent_by = local.to_string();
    let rtp_local = rtp.local_addr().unwrap_or(local);
    let start = Instant::now();
    let peer = Peer::udp(desk);
    let mut answered = Some(answered);
    let ours = offer(&LocalMedia::new(rtp_local.ip(), rtp_local.port(), 1));
    let branch = ep.layer().new_branch();
    let tag = ep.layer().new_token();
    let call_id = format!("{}@{}", ep.layer().new_token(), local);
    let invite = RequestSpec::invite(&format!("sip:{name}@{desk}"))
        .via(&sent_by, &branch)
        .from(&format!("sip:{name}@{local}"), &tag)
        .call_id(&call_id)
        .contact(&format!("sip:{name}@{local}"))
        .body("application/sdp", ours.to_bytes())
        .build();
    let Ok(invite) = invite else {
        return PhoneEnd::Refused(400);
    };
    let t = ep.now();
    let Ok(invite_key) = ep.layer().send_request(invite.clone(), peer, t) else {
        return PhoneEnd::Refused(503);
    };
    let mut dialog: Option<Dialog> = None;
    let mut media: Option<Media> = None;
    let mut bye_key: Option<TransactionKey> = None;
    let mut datagram = Vec::with_capacity(256);
    let mut buf = vec![0u8; 2048];
    let mut phase = 0u32;
    // The key presses' own stream: SSRC, sequence number, timestamp.
    let event_ssrc = u32::from(local.port()) << 16 | 0xD7;
    let mut event_seq = 0u16;
    let mut event_ts = 0u32;
    let mut cmds_open = true;
    let end = loop {
        ep.flush();
        let due = media.as_ref().map(|m| start + Duration::from_millis(m.sender.poll_timeout().as_ms()));
        tokio::select! {
            _ = ep.wait(due) => {}
            got = rtp.recv_from(&mut buf) => {
                if let Ok((len, _)) = got
                    && let Ok(packet) = RtpPacket::parse(&buf[..len])
                    && media.as_ref().is_some_and(|m| m.payload_type == packet.payload_type)
                {
                    let codec = if packet.payload_type == 8 { G711::Pcma } else { G711::Pcmu };
                    let mut pcm = [0i16; FRAME_SAMPLES];
                    let n = packet.payload.len().min(FRAME_SAMPLES);
                    codec.decode(&packet.payload[..n], &mut pcm[..n]);
                    let mut s = stats.lock().unwrap_or_else(|p| p.into_inner());
                    s.received += 1;
                    if frame_dbfs(&pcm[..n]) > LOUD_DBFS {
                        s.loud += 1;
                    }
                }
            }
            cmd = cmds.recv(), if cmds_open => match cmd {
                Some(Cmd::Press(key)) => {
                    if let (Some(m), Some(event)) = (media.as_ref(), TelephoneEvent::event_for_digit(key))
                        && let Some(pt) = m.telephone_event
                    {
                        event_ts = event_ts.wrapping_add(8000);
                        for (i, end) in [false, false, true, true, true].into_iter().enumerate() {
                            let ev = TelephoneEvent { event, end, volume: 10, duration: 160 * (i as u16 + 1).min(3) };
                            let bytes = ev.to_bytes();
                            let packet = RtpPacket {
                                marker: i == 0,
                                payload_type: pt,
                                sequence: event_seq,
                                timestamp: event_ts,
                                ssrc: event_ssrc,
                                csrcs: Csrcs::EMPTY,
                                extension: None,
                                payload: &bytes,
                                padding: 0,
                            };
                            event_seq = event_seq.wrapping_add(1);
                            let mut out = Vec::with_capacity(16);
                            if packet.write(&mut out).is_ok() {
                                let _ = rtp.try_send_to(&out, m.remote);
                            }
                        }
                    }
                }
                Some(Cmd::HangUp) | None => {
                    cmds_open = false;
                    if let Some(d) = dialog.as_mut() && bye_key.is_none() {
                        let branch = ep.layer().new_branch();
                        let bye = d.request(Method::Bye, ViaSpec::udp(&sent_by, &branch));
                        let t = ep.now();
                        match ep.layer().send_request(bye, peer, t) {
                            Ok(key) => bye_key = Some(key),
                            Err(_) => break PhoneEnd::ByUs,
                        }
                    } else if dialog.is_none() {
                        break PhoneEnd::ByUs;
                    }
                }
            },
        }
        ep.receive();
        ep.run_timers();
        ep.flush();
        let mut ended = None;
        while let Some(event) = ep.poll_event() {
            match event {
                Event::Response { key, response, retransmission: false } if key == invite_key => {
                    let code = response.status_code.code();
                    if (200..300).contains(&code) && dialog.is_none() {
                        let Ok(d) = Dialog::uac(&invite, &response) else {
                            ended = Some(PhoneEnd::Refused(code));
                            break;
                        };
                        let branch = ep.layer().new_branch();
                        let ack = d.ack(ViaSpec::udp(&sent_by, &branch));
                        let t = ep.now();
                        let _ = ep.layer().send_ack(key, ack, peer, t);
                        let theirs = SessionDescription::parse_bytes(&response.body).ok();
                        if let Some(Ok(Some(n))) = theirs.map(|s| accept_answer(&ours, &s))
                            && let Some(remote) = n.remote
                        {
                            let now = Time::from_ms(start.elapsed().as_millis() as u64);
                            media = Some(Media {
                                remote,
                                payload_type: n.payload_type,
                                telephone_event: n.telephone_event,
                                sender: RtpSender::new(n.codec, u64::from(local.port()), now)
                                    .with_payload_type(n.payload_type),
                            });
                        }
                        dialog = Some(d);
                        if let Some(tx) = answered.take() {
                            let _ = tx.send(Ok(()));
                        }
                    } else if code >= 300 {
                        if let Some(tx) = answered.take() {
                            let _ = tx.send(Err(code));
                        }
                        ended = Some(PhoneEnd::Refused(code));
                    }
                }
                Event::Response { key, response, .. } if Some(key) == bye_key && response.status_code.code() >= 200 => {
                    ended = Some(PhoneEnd::ByUs);
                }
                Event::Timeout { key, .. } if key == invite_key && dialog.is_none() => {
                    ended = Some(PhoneEnd::Refused(408));
                }
                Event::Timeout { key, .. } if Some(key) == bye_key => ended = Some(PhoneEnd::ByUs),
                Event::Request { key, request, .. } => {
                    let ours = dialog.as_ref().is_some_and(|d| d.matches(&request));
                    let code = match request.method {
                        Method::Bye if ours => 200,
                        Method::Options => 200,
                        _ => 481,
                    };
                    let t = ep.now();
                    let _ = ep.layer().send_response(key, response_to(&request, code, None, None), t);
                    if request.method == Method::Bye && ours {
                        ended = Some(PhoneEnd::ByDesk);
                    }
                }
                _ => {}
            }
        }
        if let Some(end) = ended {
            ep.flush();
            break end;
        }
        if let Some(m) = media.as_mut() {
            let now = Time::from_ms(start.elapsed().as_millis() as u64);
            let mut source = || {
                let mut frame = [0i16; FRAME_SAMPLES];
                if tone {
                    for s in frame.iter_mut() {
                        // 400 Hz at 8 kHz: 20 samples a period, a triangle wave at -12 dBFS.
                        let p = (phase % 20) as i32;
                        *s = ((if p < 10 { p } else { 20 - p } - 5) * 1600) as i16;
                        phase = phase.wrapping_add(1);
                    }
                }
                frame
            };
            while m.sender.poll_transmit(now, &mut source, &mut datagram).is_some() {
                let _ = rtp.try_send_to(&datagram, m.remote);
                stats.lock().unwrap_or_else(|p| p.into_inner()).sent += 1;
            }
        }
    };
    if let Some(tx) = answered.take() {
        let _ = tx.send(Err(match end {
            PhoneEnd::Refused(code) => code,
            _ => 408,
        }));
    }
    end
}
