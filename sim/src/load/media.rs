//! `dialer load --media`: G.711 RTP both ways during the hold, on one UDP socket for all calls.
//!
//! Each answered call gets a sender that streams 20 ms frames of synthetic speech (the
//! speech-like generator of `dialer::media::audio`, so an emulated person hears a voice) to the
//! address the answer's SDP gave. A receiving task counts what comes back per SSRC — received,
//! lost, jitter (RFC 3550) — with its own arrival times, so the jitter is the network's and not
//! the generator's loop's.

use dialer::core::Time;
use dialer::media::audio::Greeting;
use dialer::media::rtp::RtpSender;
use dialer::media::sdp::{Negotiated, SessionDescription, accept_answer};
use dialer::media::stats::RtpReceiver;
use reports::load::Media;
use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Instant;

/// One call's outgoing stream.
struct Stream {
    sender: RtpSender,
    voice: Greeting,
    to: SocketAddr,
}

/// The media side of a load test.
pub struct LoadMedia {
    socket: Arc<tokio::net::UdpSocket>,
    offer: SessionDescription,
    streams: HashMap<u32, Stream>,
    start: Instant,
    buf: Vec<u8>,
    packets_sent: u64,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    receiving: Option<tokio::task::JoinHandle<Media>>,
}

impl LoadMedia {
    /// Binds the RTP socket at `addr` (the port our SDP offers) and starts counting what
    /// arrives. Needs a tokio runtime.
    pub fn bind(addr: SocketAddr, offer: &[u8], start: Instant) -> std::io::Result<LoadMedia> {
        let std_socket = dialer::sip::transport::bind_udp(addr, dialer::sip::transport::DEFAULT_BUFFER_BYTES)?;
        let socket = Arc::new(tokio::net::UdpSocket::from_std(std_socket)?);
        let offer = SessionDescription::parse_bytes(offer)
            .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidData, e.to_string()))?;
        let (stop, stopped) = tokio::sync::oneshot::channel();
        let receiving = tokio::spawn(receive(socket.clone(), start, stopped));
        Ok(LoadMedia {
            socket,
            offer,
            streams: HashMap::new(),
            start,
            buf: Vec::with_capacity(256),
            packets_sent: 0,
            stop: Some(stop),
            receiving: Some(receiving),
        })
    }

    /// The call `call` was answered with `answer_sdp`: start sending to where it says. An
    /// answer without usable audio is ignored (the call goes on without media).
    pub fn answered(&mut self, call: u32, answer_sdp: &[u8], seed: u64) {
        let Ok(answer) = SessionDescription::parse_bytes(answer_sdp) else { return };
        let Ok(Some(Negotiated { codec, payload_type, remote: Some(to), direction, .. })) =
            accept_answer(&self.offer, &answer)
        else {
            return;
        };
        if !direction.sends() {
            return;
        }
        let now = self.now();
        let stream_seed = seed ^ (u64::from(call) << 20);
        let sender = RtpSender::new(codec, stream_seed, now).with_payload_type(payload_type);
        self.streams.insert(call, Stream { sender, voice: Greeting::machine(stream_seed), to });
    }

    /// The call ended: stop its stream.
    pub fn ended(&mut self, call: u32) {
        self.streams.remove(&call);
    }

    fn now(&self) -> Time {
        Time::from_ms(self.start.elapsed().as_millis() as u64)
    }

    /// Sends every frame that is due; returns when the next one is.
    pub fn send_due(&mut self) -> Option<Instant> {
        let now = self.now();
        let mut next: Option<Time> = None;
        for stream in self.streams.values_mut() {
            while stream.sender.poll_transmit(now, &mut stream.voice, &mut self.buf).is_some() {
                if self.socket.try_send_to(&self.buf, stream.to).is_ok() {
                    self.packets_sent += 1;
                }
            }
            let due = stream.sender.poll_timeout();
            next = Some(next.map_or(due, |n| n.min(due)));
        }
        next.map(|t| self.start + std::time::Duration::from_millis(t.as_ms()))
    }

    /// Stops receiving and returns the figures for `load.json`.
    pub async fn finish(mut self) -> Media {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        let mut media = match self.receiving.take() {
            Some(task) => task.await.unwrap_or_default(),
            None => Media::default(),
        };
        media.packets_sent = self.packets_sent;
        media
    }
}

/// Counts RTP per SSRC until told to stop.
async fn receive(
    socket: Arc<tokio::net::UdpSocket>,
    start: Instant,
    mut stop: tokio::sync::oneshot::Receiver<()>,
) -> Media {
    // One receiver per source: a receiver tracks a handful of SSRCs, a load test thousands.
    let mut sources: HashMap<u32, RtpReceiver> = HashMap::new();
    let mut buf = vec![0u8; 2048];
    let mut media = Media::default();
    loop {
        tokio::select! {
            _ = &mut stop => break,
            got = socket.recv_from(&mut buf) => {
                let Ok((len, _)) = got else { continue };
                let data = &buf[..len];
                let Ok(packet) = dialer::media::rtp::RtpPacket::parse(data) else { continue };
                let arrival_us = start.elapsed().as_micros() as u64;
                let receiver = sources.entry(packet.ssrc).or_insert_with(|| RtpReceiver::new(8000));
                let _ = receiver.receive_at_micros(data, arrival_us);
            }
        }
    }
    let mut jitter_sum = 0.0;
    let mut n = 0.0;
    for stream in sources.values().flat_map(|r| r.streams()) {
        media.packets_received += stream.received();
        media.packets_lost += stream.lost();
        jitter_sum += stream.jitter_ms();
        n += 1.0;
        media.max_jitter_ms = media.max_jitter_ms.max(stream.jitter_ms());
    }
    media.mean_jitter_ms = if n > 0.0 { jitter_sum / n } else { 0.0 };
    media
}
