//! Media for live calls: G.711 codecs, RTP packetisation and receive statistics, SDP offer/answer.
//!
//! Everything here is sans-IO and pure, like the dialer core: no sockets, no clock, no entropy.
//! Time comes in as [`Time`](crate::core::Time) arguments and randomness as seeds, so the
//! simulator, the load generator and the live dialer drive the same code.
//!
//! - [`g711`]: PCMU and PCMA sample codecs;
//! - [`rtp`]: RTP packets and [`RtpSender`], which paces 20 ms frames;
//! - [`stats`]: [`RtpReceiver`] and per-source [`StreamStats`] (loss, reordering, jitter);
//! - [`dtmf`]: RFC 4733 telephone-event payloads;
//! - [`audio`]: seeded synthetic greetings (a person, an answering machine) and frame energy;
//! - [`amd`]: answering-machine detection with Asterisk app_amd's parameters, [`Amd`];
//! - [`wav`]: reading 8 kHz mono 16-bit PCM WAV files (recordings, the compliance message);
//! - [`sdp`]: session descriptions and the offer/answer that sets a call's codec and addresses.
//!
//! A call's audio in one loop (the network and the clock belong to the driver):
//!
//! ```
//! use dialer::core::Time;
//! use dialer::media::{G711, RtpReceiver, RtpSender, FRAME_SAMPLES};
//! let mut sender = RtpSender::new(G711::Pcma, 7, Time::ZERO);
//! let mut receiver = RtpReceiver::new(8000);
//! let mut tone = || [1000i16; FRAME_SAMPLES];
//! let mut datagram = Vec::new();
//! let mut now = Time::ZERO;
//! while now < Time::from_secs(1) {
//!     while sender.poll_transmit(now, &mut tone, &mut datagram).is_some() {
//!         let got = receiver.receive(&datagram, now).unwrap(); // the network is perfect here
//!         let mut pcm = [0i16; FRAME_SAMPLES];
//!         G711::Pcma.decode(got.packet.payload, &mut pcm);
//!         assert!(pcm.iter().all(|&s| (s - 1000).abs() <= 16));
//!     }
//!     now = sender.poll_timeout(); // sleep until then
//! }
//! assert_eq!(receiver.stream(sender.ssrc()).unwrap().received(), 50);
//! ```

pub mod amd;
pub mod audio;
pub mod dtmf;
pub mod g711;
mod rng;
pub mod rtp;
pub mod sdp;
pub mod stats;
pub mod wav;

pub use amd::{Amd, AmdCause, AmdConfig, AmdConfigError, AmdDecision};
pub use audio::{Greeting, GreetingKind, GreetingPlan, frame_dbfs};
pub use dtmf::{TelephoneEvent, TelephoneEventError};
pub use g711::G711;
pub use rtp::{Csrcs, Extension, RtpPacket, RtpParseError, RtpSender, RtpWriteError, Transmit};
pub use stats::{Arrival, ReceiveError, Received, RtpReceiver, StreamStats};

/// The sampling rate of narrowband telephony (G.711) and its RTP clock, in Hz.
pub const CLOCK_RATE: u32 = 8000;
/// The packetisation interval every peer accepts for G.711 (`a=ptime:20`), in milliseconds.
pub const FRAME_MS: u64 = 20;
/// Samples in one 20 ms frame at 8 kHz.
pub const FRAME_SAMPLES: usize = 160;

/// Where a sender's audio comes from: one 20 ms frame of 16-bit PCM at 8 kHz per call, in
/// order. Synthetic greetings implement it, and so does any `FnMut() -> [i16; 160]`.
pub trait FrameSource {
    /// The next 160 samples.
    fn next_frame(&mut self) -> [i16; FRAME_SAMPLES];
}

impl<F: FnMut() -> [i16; FRAME_SAMPLES]> FrameSource for F {
    fn next_frame(&mut self) -> [i16; FRAME_SAMPLES] {
        self()
    }
}
