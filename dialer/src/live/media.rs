//! One answered call's audio: its own UDP socket, a task that receives the callee's RTP, runs
//! the answering-machine detector on it, plays the abandon message, and relays audio to and
//! from the agent once the call is bridged. The driver sends [`MediaCmd`]s and hears
//! [`MediaEvent`]s; the task ends on [`MediaCmd::Stop`] or when the driver drops its handle.

use super::agents::{AgentAudio, Frame};
use crate::core::{CallId, Time};
use crate::media::amd::{Amd, AmdCause, AmdConfig, AmdDecision};
use crate::media::sdp::Negotiated;
use crate::media::{FRAME_SAMPLES, G711, RtpReceiver, RtpSender};
use reports::AmdVerdict;
use std::collections::VecDeque;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::UdpSocket;
use tokio::sync::mpsc;
use tokio::time::Instant;

/// What the driver asks of a call's audio.
#[derive(Debug)]
pub enum MediaCmd {
    /// Relay the call's audio to and from an agent.
    Bridge(AgentAudio),
    /// Play these samples (8 kHz mono) to the callee, then report [`MediaEvent::Played`].
    Play(Arc<[i16]>),
    /// Play these samples once the far end has been quiet for `silence` (an answering machine's
    /// greeting and beep are over), or after `at_most` whatever it does; then report
    /// [`MediaEvent::Played`].
    PlayAfterGreeting { samples: Arc<[i16]>, silence: Duration, at_most: Duration },
    /// Stop: the call is over.
    Stop,
}

/// What a call's audio tells the driver.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MediaEvent {
    /// The detector decided (or gave up: no audio within its analysis time, `notsure`).
    Amd(AmdDecision),
    /// A [`MediaCmd::Play`] finished.
    Played,
}

/// The driver's end of a call's audio task.
pub struct MediaHandle {
    cmd: mpsc::UnboundedSender<MediaCmd>,
    task: tokio::task::JoinHandle<()>,
}

impl MediaHandle {
    /// Sends a command; a task that has ended ignores it.
    pub fn send(&self, cmd: MediaCmd) {
        let _ = self.cmd.send(cmd);
    }
}

impl Drop for MediaHandle {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Starts the audio of `call` on `socket`, as negotiated; `amd` runs the detector (`None`: no
/// detection). Events go to `events` tagged with the call. Must be called inside a tokio runtime.
pub fn spawn(
    call: CallId,
    socket: UdpSocket,
    negotiated: Negotiated,
    amd: Option<AmdConfig>,
    events: mpsc::UnboundedSender<(CallId, MediaEvent)>,
) -> MediaHandle {
    let (cmd, rx) = mpsc::unbounded_channel();
    let amd = amd.and_then(|config| Amd::new(config).ok());
    let task = tokio::spawn(run(call, socket, negotiated, amd, rx, events));
    MediaHandle { cmd, task }
}

/// The quiet after a machine's beep that says its recording has started.
pub const GREETING_OVER: Duration = Duration::from_millis(1_000);
/// The longest a message waits for a machine's greeting to end (some never go quiet).
pub const GREETING_WAIT: Duration = Duration::from_secs(30);
/// Louder than this (dBFS) is the far end speaking or beeping, not quiet: app_amd's default
/// silence threshold, an average amplitude of 256.
const QUIET_DBFS: f64 = -42.14;

/// The longest the agent's audio may queue before frames are dropped (200 ms).
const MAX_QUEUED: usize = 10;

async fn run(
    call: CallId,
    socket: UdpSocket,
    negotiated: Negotiated,
    mut amd: Option<Amd>,
    mut cmds: mpsc::UnboundedReceiver<MediaCmd>,
    events: mpsc::UnboundedSender<(CallId, MediaEvent)>,
) {
    let start = Instant::now();
    let remote: Option<SocketAddr> = negotiated.remote;
    let mut sender = RtpSender::new(negotiated.codec, call.0, Time::ZERO).with_payload_type(negotiated.payload_type);
    let mut receiver = RtpReceiver::new(crate::media::CLOCK_RATE);
    let mut tick = tokio::time::interval(Duration::from_millis(crate::media::FRAME_MS));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    // No audio at all must not leave the call waiting for a verdict: give up after the
    // detector's analysis time and a second's grace, as `notsure` (connected as a person).
    let amd_deadline = start + Duration::from_millis(5_000 + 1_000);
    let mut buf = vec![0u8; 2048];
    let mut datagram = Vec::with_capacity(256);
    let mut playing: Option<(Arc<[i16]>, usize)> = None;
    // A message waiting for the far end to go quiet: it, when the far end was last loud, and
    // when to play it regardless.
    let mut waiting: Option<(Arc<[i16]>, Duration, Instant, Instant)> = None;
    let mut pcm = [0i16; FRAME_SAMPLES];
    let mut agent: Option<AgentAudio> = None;
    let mut from_agent: VecDeque<[i16; FRAME_SAMPLES]> = VecDeque::new();
    loop {
        tokio::select! {
            got = socket.recv_from(&mut buf) => {
                let Ok((len, _)) = got else { continue };
                let now = Time::from_ms(start.elapsed().as_millis() as u64);
                let Ok(received) = receiver.receive(&buf[..len], now) else { continue };
                let (pt, payload) = (received.packet.payload_type, received.packet.payload);
                let law = match pt { 0 => Some(G711::Pcmu), 8 => Some(G711::Pcma), _ => None };
                if let (Some(detector), Some(law)) = (amd.as_mut(), law)
                    && let Some(decision) = detector.push_g711(law, payload)
                {
                    let _ = events.send((call, MediaEvent::Amd(decision)));
                    amd = None;
                }
                if let (Some((_, _, loud_at, _)), Some(law)) = (waiting.as_mut(), law) {
                    let n = payload.len().min(FRAME_SAMPLES);
                    law.decode(&payload[..n], &mut pcm[..n]);
                    if crate::media::frame_dbfs(&pcm[..n]) > QUIET_DBFS {
                        *loud_at = Instant::now();
                    }
                }
                if let Some(a) = &agent && law.is_some() {
                    // A slow agent leg loses frames rather than holding up the call.
                    let _ = a.to_agent.try_send(Frame { payload_type: pt, payload: payload.to_vec() });
                }
            }
            cmd = cmds.recv() => match cmd {
                Some(MediaCmd::Bridge(audio)) => agent = Some(audio),
                Some(MediaCmd::Play(samples)) => playing = Some((samples, 0)),
                Some(MediaCmd::PlayAfterGreeting { samples, silence, at_most }) => {
                    let now = Instant::now();
                    waiting = Some((samples, silence, now, now + at_most));
                }
                Some(MediaCmd::Stop) | None => return,
            },
            frame = async { match agent.as_mut() { Some(a) => a.from_agent.recv().await, None => std::future::pending().await } } => {
                match frame {
                    Some(frame) => {
                        let law = match frame.payload_type { 8 => G711::Pcma, _ => G711::Pcmu };
                        let mut pcm = [0i16; FRAME_SAMPLES];
                        let n = frame.payload.len().min(FRAME_SAMPLES);
                        law.decode(&frame.payload[..n], &mut pcm[..n]);
                        if from_agent.len() >= MAX_QUEUED {
                            from_agent.pop_front();
                        }
                        from_agent.push_back(pcm);
                    }
                    None => agent = None,
                }
            }
            _ = tick.tick() => {
                if amd.is_some() && Instant::now() >= amd_deadline {
                    let decision = AmdDecision {
                        verdict: AmdVerdict::NotSure,
                        cause: AmdCause::TooLong,
                        after_ms: start.elapsed().as_millis() as u32,
                        words: 0,
                        voiced_ms: 0,
                    };
                    let _ = events.send((call, MediaEvent::Amd(decision)));
                    amd = None;
                }
                if let Some((_, silence, loud_at, give_up)) = &waiting {
                    let now = Instant::now();
                    if now >= *loud_at + *silence || now >= *give_up {
                        playing = waiting.take().map(|(samples, ..)| (samples, 0));
                    }
                }
                let Some(remote) = remote else {
                    // Nowhere to send a message: it is over at once, so the call's BYE follows.
                    if playing.take().is_some() {
                        let _ = events.send((call, MediaEvent::Played));
                    }
                    continue;
                };
                let now = Time::from_ms(start.elapsed().as_millis() as u64);
                let mut finished = false;
                let mut source = || next_frame(&mut playing, &mut finished, &mut from_agent);
                while sender.poll_transmit(now, &mut source, &mut datagram).is_some() {
                    let _ = socket.send_to(&datagram, remote).await;
                }
                if finished {
                    let _ = events.send((call, MediaEvent::Played));
                }
            }
        }
    }
}

/// The next 20 ms to send: the message being played, else the agent's voice, else silence.
/// Sets `finished` when the message's last frame is taken.
fn next_frame(
    playing: &mut Option<(Arc<[i16]>, usize)>,
    finished: &mut bool,
    agent: &mut VecDeque<[i16; FRAME_SAMPLES]>,
) -> [i16; FRAME_SAMPLES] {
    let mut frame = [0i16; FRAME_SAMPLES];
    if let Some((samples, at)) = playing {
        let end = (*at + FRAME_SAMPLES).min(samples.len());
        frame[..end - *at].copy_from_slice(&samples[*at..end]);
        *at = end;
        if end == samples.len() {
            *playing = None;
            *finished = true;
        }
        return frame;
    }
    agent.pop_front().unwrap_or(frame)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_message_plays_whole_then_the_agent_then_silence() {
        let samples: Arc<[i16]> = (0..400).map(|i| i as i16).collect::<Vec<_>>().into();
        let mut playing = Some((samples, 0));
        let mut agent = VecDeque::from([[7i16; FRAME_SAMPLES]]);
        let mut finished = false;
        let first = next_frame(&mut playing, &mut finished, &mut agent);
        assert_eq!((first[0], first[159], finished), (0, 159, false));
        let _ = next_frame(&mut playing, &mut finished, &mut agent);
        let last = next_frame(&mut playing, &mut finished, &mut agent);
        assert_eq!((last[0], last[79], last[80], finished), (320, 399, 0, true), "padded with silence");
        assert_eq!(next_frame(&mut playing, &mut finished, &mut agent)[0], 7, "then the agent");
        assert_eq!(next_frame(&mut playing, &mut finished, &mut agent), [0; FRAME_SAMPLES]);
    }
}
