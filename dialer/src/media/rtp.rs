//! RTP packets (RFC 3550 §5.1) and a sans-IO sender of 20 ms G.711 frames.
//!
//! [`RtpPacket::parse`] reads any RTP datagram (version 2, padding, header extension, up to 15
//! CSRCs) without copying the payload, and refuses malformed input with an [`RtpParseError`]
//! instead of panicking: the bytes come from the network. [`RtpPacket::write`] is its inverse.
//!
//! [`RtpSender`] is the transmit half of a call's audio: given `now`, it says whether a frame is
//! due, takes 160 samples from a [`FrameSource`], and writes the packet. It never reads a clock.

use super::{CLOCK_RATE, FRAME_MS, FRAME_SAMPLES, FrameSource, G711, rng::SplitMix64};
use reports::Time;

/// The RTP version this module speaks (RFC 3550); versions 0 and 1 are long dead.
pub const RTP_VERSION: u8 = 2;
/// The fixed part of an RTP header, in bytes.
pub const HEADER_LEN: usize = 12;
/// The most CSRCs a header can list (a 4-bit count).
pub const MAX_CSRCS: usize = 15;

/// The contributing sources of a mixed packet (RFC 3550 §5.1 CSRC list), stored inline: at most
/// 15, so a packet needs no allocation to parse.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Csrcs {
    len: u8,
    ids: [u32; MAX_CSRCS],
}

impl Csrcs {
    /// An empty list (what a plain two-party call carries).
    pub const EMPTY: Csrcs = Csrcs { len: 0, ids: [0; MAX_CSRCS] };

    /// A list of these ids, or `None` if there are more than 15.
    pub fn from_slice(ids: &[u32]) -> Option<Csrcs> {
        if ids.len() > MAX_CSRCS {
            return None;
        }
        let mut list = Csrcs::EMPTY;
        list.ids[..ids.len()].copy_from_slice(ids);
        list.len = ids.len() as u8;
        Some(list)
    }

    /// The ids, in header order.
    pub fn as_slice(&self) -> &[u32] {
        &self.ids[..self.len as usize]
    }
}

/// A header extension (RFC 3550 §5.3.1): a profile-defined 16-bit tag and a body whose length
/// is a whole number of 32-bit words.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Extension<'a> {
    /// The profile's tag (0xBEDE for RFC 8285 one-byte header extensions, for instance).
    pub profile: u16,
    /// The body, without the 4-byte extension header; a multiple of 4 bytes long.
    pub data: &'a [u8],
}

/// One RTP packet, borrowing its payload from the datagram it was parsed from (or from the
/// caller, when writing).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RtpPacket<'a> {
    /// The marker bit: for audio, the first packet of a talkspurt (RFC 3551 §4.1).
    pub marker: bool,
    /// The payload type, 0–127 (0 PCMU, 8 PCMA, a dynamic number for telephone-event).
    pub payload_type: u8,
    /// The sequence number, +1 per packet, wrapping at 65535.
    pub sequence: u16,
    /// The sampling instant of the first sample, in clock-rate units (8000 Hz for G.711).
    pub timestamp: u32,
    /// The synchronisation source: the stream's random 32-bit id.
    pub ssrc: u32,
    /// Contributing sources (empty unless a mixer made the packet).
    pub csrcs: Csrcs,
    /// The header extension, if the X bit is set.
    pub extension: Option<Extension<'a>>,
    /// The payload, without padding.
    pub payload: &'a [u8],
    /// How many padding bytes follow the payload (0 = the P bit is clear). When writing, the
    /// last padding byte carries the count and the others are zero.
    pub padding: u8,
}

/// Why a datagram is not a valid RTP packet. Every case is the sender's fault (or line noise):
/// drop the datagram and count it.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum RtpParseError {
    /// Shorter than the 12-byte fixed header.
    #[error("RTP packet of {len} bytes is shorter than the 12-byte fixed header")]
    TooShort {
        /// The datagram's length.
        len: usize,
    },
    /// The version bits are not 2.
    #[error("RTP version {0} is not 2 (RFC 3550); not an RTP packet (STUN or another protocol on the port?)")]
    Version(u8),
    /// The CSRC count says more ids than the datagram holds.
    #[error("RTP header lists {count} CSRCs but the {len}-byte packet has no room for them")]
    CsrcTruncated {
        /// The header's CSRC count.
        count: usize,
        /// The datagram's length.
        len: usize,
    },
    /// The X bit is set but the extension header or its body runs past the end.
    #[error("RTP header extension needs {needed} bytes but the packet has {len}")]
    ExtensionTruncated {
        /// Bytes the header and extension need.
        needed: usize,
        /// The datagram's length.
        len: usize,
    },
    /// The P bit is set but the padding count is zero or longer than what follows the header.
    #[error("RTP padding count {count} is invalid: {available} bytes follow the header")]
    Padding {
        /// The last byte of the datagram.
        count: u8,
        /// Bytes after the header and extension.
        available: usize,
    },
}

/// Why a packet cannot be written: a caller's mistake, never the network's.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum RtpWriteError {
    /// The payload type does not fit in 7 bits.
    #[error("RTP payload type {0} does not fit in 7 bits (0–127)")]
    PayloadType(u8),
    /// The extension body is not a whole number of 32-bit words, or is longer than 65535 words.
    #[error("RTP header extension body of {0} bytes is not a whole number of 32-bit words (at most 65535)")]
    Extension(usize),
}

fn be16(b: &[u8], at: usize) -> u16 {
    u16::from_be_bytes([b[at], b[at + 1]])
}

fn be32(b: &[u8], at: usize) -> u32 {
    u32::from_be_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]])
}

impl<'a> RtpPacket<'a> {
    /// Parses one datagram. The payload, extension body and CSRCs are taken as they are; only
    /// the framing is checked.
    pub fn parse(datagram: &'a [u8]) -> Result<RtpPacket<'a>, RtpParseError> {
        let len = datagram.len();
        if len < HEADER_LEN {
            return Err(RtpParseError::TooShort { len });
        }
        let b0 = datagram[0];
        let version = b0 >> 6;
        if version != RTP_VERSION {
            return Err(RtpParseError::Version(version));
        }
        let has_padding = b0 & 0x20 != 0;
        let has_extension = b0 & 0x10 != 0;
        let count = (b0 & 0x0F) as usize;
        let b1 = datagram[1];
        let mut offset = HEADER_LEN + 4 * count;
        if len < offset {
            return Err(RtpParseError::CsrcTruncated { count, len });
        }
        let mut csrcs = Csrcs::EMPTY;
        for i in 0..count {
            csrcs.ids[i] = be32(datagram, HEADER_LEN + 4 * i);
        }
        csrcs.len = count as u8;
        let extension = if has_extension {
            if len < offset + 4 {
                return Err(RtpParseError::ExtensionTruncated { needed: offset + 4, len });
            }
            let profile = be16(datagram, offset);
            let words = be16(datagram, offset + 2) as usize;
            let body = offset + 4;
            offset = body + 4 * words;
            if len < offset {
                return Err(RtpParseError::ExtensionTruncated { needed: offset, len });
            }
            Some(Extension { profile, data: &datagram[body..offset] })
        } else {
            None
        };
        let mut end = len;
        let mut padding = 0;
        if has_padding {
            let count = datagram[len - 1];
            let available = len - offset;
            if count == 0 || count as usize > available {
                return Err(RtpParseError::Padding { count, available });
            }
            padding = count;
            end -= count as usize;
        }
        Ok(RtpPacket {
            marker: b1 & 0x80 != 0,
            payload_type: b1 & 0x7F,
            sequence: be16(datagram, 2),
            timestamp: be32(datagram, 4),
            ssrc: be32(datagram, 8),
            csrcs,
            extension,
            payload: &datagram[offset..end],
            padding,
        })
    }

    /// The length [`write`](Self::write) appends.
    pub fn len(&self) -> usize {
        HEADER_LEN
            + 4 * self.csrcs.as_slice().len()
            + self.extension.map_or(0, |e| 4 + e.data.len())
            + self.payload.len()
            + self.padding as usize
    }

    /// Whether the packet has no payload (and so is header only).
    pub fn is_empty(&self) -> bool {
        self.payload.is_empty()
    }

    /// Appends the packet to `out` (reuse one buffer per stream: no allocation once it has grown)
    /// and returns the number of bytes written.
    pub fn write(&self, out: &mut Vec<u8>) -> Result<usize, RtpWriteError> {
        if self.payload_type > 0x7F {
            return Err(RtpWriteError::PayloadType(self.payload_type));
        }
        if let Some(ext) = self.extension
            && (ext.data.len() % 4 != 0 || ext.data.len() / 4 > u16::MAX as usize)
        {
            return Err(RtpWriteError::Extension(ext.data.len()));
        }
        let start = out.len();
        out.reserve(self.len());
        let csrcs = self.csrcs.as_slice();
        let b0 = (RTP_VERSION << 6)
            | if self.padding > 0 { 0x20 } else { 0 }
            | if self.extension.is_some() { 0x10 } else { 0 }
            | csrcs.len() as u8;
        out.push(b0);
        out.push(if self.marker { 0x80 } else { 0 } | self.payload_type);
        out.extend_from_slice(&self.sequence.to_be_bytes());
        out.extend_from_slice(&self.timestamp.to_be_bytes());
        out.extend_from_slice(&self.ssrc.to_be_bytes());
        for id in csrcs {
            out.extend_from_slice(&id.to_be_bytes());
        }
        if let Some(ext) = self.extension {
            out.extend_from_slice(&ext.profile.to_be_bytes());
            out.extend_from_slice(&((ext.data.len() / 4) as u16).to_be_bytes());
            out.extend_from_slice(ext.data);
        }
        out.extend_from_slice(self.payload);
        if self.padding > 0 {
            out.extend(std::iter::repeat_n(0, self.padding as usize - 1));
            out.push(self.padding);
        }
        Ok(out.len() - start)
    }
}

/// Whether a datagram on a multiplexed RTP/RTCP port (RFC 5761 §4) is RTCP: its second byte,
/// read as marker + payload type, falls in 192–223 (RTCP packet types SR 200, RR 201, …).
/// Call it before [`RtpPacket::parse`] on a port negotiated with `a=rtcp-mux`.
pub fn is_rtcp(datagram: &[u8]) -> bool {
    datagram.len() >= 2 && (192..=223).contains(&datagram[1])
}

/// A sender that falls further behind than this many frames skips the oldest instead of
/// bursting them all: the receiver's jitter buffer would drop them anyway.
pub const MAX_BURST_FRAMES: u64 = 5;

/// What [`RtpSender::poll_transmit`] wrote.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Transmit {
    /// The packet's sequence number.
    pub sequence: u16,
    /// The packet's RTP timestamp.
    pub timestamp: u32,
    /// The index of the 20 ms frame since the stream started (0 for the first).
    pub frame: u64,
    /// Whether the marker bit is set (first packet, or first after skipped frames).
    pub marker: bool,
    /// The packet's length in bytes.
    pub len: usize,
}

/// The transmit half of one call's audio: 20 ms G.711 frames (160 samples at 8 kHz), sequence
/// +1 and timestamp +160 per frame, from a random initial sequence number, timestamp and SSRC
/// drawn from the injected seed (RFC 3550 §5.1).
///
/// Sans-IO: the driver asks [`poll_timeout`](Self::poll_timeout) when the next frame is due,
/// and at or after that time calls [`poll_transmit`](Self::poll_transmit) until it returns
/// `None`, sending each packet it writes.
///
/// ```
/// use dialer::core::Time;
/// use dialer::media::{FRAME_SAMPLES, G711, RtpSender};
/// let mut sender = RtpSender::new(G711::Pcmu, 42, Time::ZERO);
/// let mut silence = || [0i16; FRAME_SAMPLES];
/// let mut datagram = Vec::new();
/// let now = Time::from_ms(45); // frames at 0, 20 and 40 ms are due
/// let mut sent = 0;
/// while let Some(tx) = sender.poll_transmit(now, &mut silence, &mut datagram) {
///     assert_eq!(tx.len, 12 + 160);
///     sent += 1; // socket.send_to(&datagram, peer)
/// }
/// assert_eq!(sent, 3);
/// assert_eq!(sender.poll_timeout(), Time::from_ms(60));
/// ```
#[derive(Clone, Debug)]
pub struct RtpSender {
    codec: G711,
    payload_type: u8,
    ssrc: u32,
    sequence: u16,
    timestamp: u32,
    next_due: Time,
    frame: u64,
    marker: bool,
    packets: u64,
    octets: u64,
    skipped: u64,
    scratch: [u8; FRAME_SAMPLES],
}

impl RtpSender {
    /// A sender whose first frame is due at `start`, with the law's static payload type.
    pub fn new(codec: G711, seed: u64, start: Time) -> RtpSender {
        let mut rng = SplitMix64::new(seed);
        let draw = rng.next_u64();
        RtpSender {
            codec,
            payload_type: codec.payload_type(),
            ssrc: draw as u32,
            sequence: (draw >> 32) as u16,
            timestamp: rng.next_u64() as u32,
            next_due: start,
            frame: 0,
            marker: true,
            packets: 0,
            octets: 0,
            skipped: 0,
            scratch: [0; FRAME_SAMPLES],
        }
    }

    /// The same sender with the payload type the offer/answer settled on
    /// ([`Negotiated::payload_type`](crate::media::sdp::Negotiated::payload_type)), for a peer
    /// that maps G.711 to a dynamic number. Only the low 7 bits count (payload types are 0–127).
    pub fn with_payload_type(mut self, payload_type: u8) -> RtpSender {
        self.payload_type = payload_type & 0x7F;
        self
    }

    /// The stream's SSRC.
    pub fn ssrc(&self) -> u32 {
        self.ssrc
    }

    /// The codec frames are encoded with.
    pub fn codec(&self) -> G711 {
        self.codec
    }

    /// The sequence number the next packet will carry.
    pub fn next_sequence(&self) -> u16 {
        self.sequence
    }

    /// The RTP timestamp the next frame will carry.
    pub fn next_timestamp(&self) -> u32 {
        self.timestamp
    }

    /// When the next frame is due: the driver's next wake-up.
    pub fn poll_timeout(&self) -> Time {
        self.next_due
    }

    /// Packets written so far (for RTCP sender reports).
    pub fn packets_sent(&self) -> u64 {
        self.packets
    }

    /// Payload octets written so far (RTCP's sender octet count: payload only).
    pub fn octets_sent(&self) -> u64 {
        self.octets
    }

    /// Frames skipped because the driver fell more than [`MAX_BURST_FRAMES`] behind.
    pub fn frames_skipped(&self) -> u64 {
        self.skipped
    }

    /// If a frame is due at `now`, takes it from `source`, writes its packet into `datagram`
    /// (cleared first) and says what it wrote; `None` when nothing is due before the next
    /// [`poll_timeout`](Self::poll_timeout).
    ///
    /// A driver more than [`MAX_BURST_FRAMES`] late skips the older frames: their audio is
    /// drawn from `source` and dropped (the audio stays in step with the clock), the timestamp
    /// moves on, the sequence number does not (nothing was lost in the network), and the next
    /// packet carries the marker bit, as after a silence.
    pub fn poll_transmit(
        &mut self,
        now: Time,
        source: &mut impl FrameSource,
        datagram: &mut Vec<u8>,
    ) -> Option<Transmit> {
        if now < self.next_due {
            return None;
        }
        let due = (now - self.next_due) / FRAME_MS + 1;
        if due > MAX_BURST_FRAMES {
            for _ in 0..due - MAX_BURST_FRAMES {
                let _ = source.next_frame();
                self.advance();
                self.skipped += 1;
            }
            self.marker = true;
        }
        let pcm = source.next_frame();
        self.codec.encode(&pcm, &mut self.scratch);
        let packet = RtpPacket {
            marker: self.marker,
            payload_type: self.payload_type,
            sequence: self.sequence,
            timestamp: self.timestamp,
            ssrc: self.ssrc,
            csrcs: Csrcs::EMPTY,
            extension: None,
            payload: &self.scratch,
            padding: 0,
        };
        datagram.clear();
        // The payload type is masked to 7 bits and there is no extension, so writing cannot fail.
        let len = packet.write(datagram).expect("a G.711 packet without extension is always valid");
        let tx = Transmit {
            sequence: self.sequence,
            timestamp: self.timestamp,
            frame: self.frame,
            marker: self.marker,
            len,
        };
        self.marker = false;
        self.packets += 1;
        self.octets += FRAME_SAMPLES as u64;
        self.sequence = self.sequence.wrapping_add(1);
        self.advance();
        Some(tx)
    }

    /// Moves the clock-driven state on by one frame.
    fn advance(&mut self) {
        self.timestamp = self.timestamp.wrapping_add(FRAME_SAMPLES as u32);
        self.frame += 1;
        self.next_due = self.next_due + FRAME_MS;
    }
}

const _: () = assert!(FRAME_SAMPLES as u64 == CLOCK_RATE as u64 * FRAME_MS / 1000);

#[cfg(test)]
mod tests {
    use super::*;

    fn sample_packet<'a>(payload: &'a [u8]) -> RtpPacket<'a> {
        RtpPacket {
            marker: true,
            payload_type: 101,
            sequence: 0xBEEF,
            timestamp: 0xDEAD_BEEF,
            ssrc: 0x1234_5678,
            csrcs: Csrcs::EMPTY,
            extension: None,
            payload,
            padding: 0,
        }
    }

    #[test]
    fn parses_a_hand_made_header() {
        // V=2, no P/X, CC=0; M=0, PT=0; seq 0x0102; ts 0x03040506; SSRC 0x0708090A; payload 0xFF 0xFF.
        let bytes = [0x80, 0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0A, 0xFF, 0xFF];
        let p = RtpPacket::parse(&bytes).unwrap();
        assert!(!p.marker);
        assert_eq!(p.payload_type, 0);
        assert_eq!(p.sequence, 0x0102);
        assert_eq!(p.timestamp, 0x0304_0506);
        assert_eq!(p.ssrc, 0x0708_090A);
        assert_eq!(p.payload, &[0xFF, 0xFF]);
        assert_eq!(p.padding, 0);
        assert!(p.extension.is_none() && p.csrcs.as_slice().is_empty());
        // Marker and payload type share the second byte.
        let mut marked = bytes;
        marked[1] = 0x80 | 8;
        let p = RtpPacket::parse(&marked).unwrap();
        assert!(p.marker);
        assert_eq!(p.payload_type, 8);
    }

    #[test]
    fn round_trips_every_optional_part() {
        let ext_body = [1, 2, 3, 4, 5, 6, 7, 8];
        let payload = [9u8; 33];
        let mut packet = sample_packet(&payload);
        packet.csrcs = Csrcs::from_slice(&[1, 2, 0xFFFF_FFFF]).unwrap();
        packet.extension = Some(Extension { profile: 0xBEDE, data: &ext_body });
        packet.padding = 3;
        let mut buf = vec![0xAA]; // write appends
        let n = packet.write(&mut buf).unwrap();
        assert_eq!(n, 12 + 12 + 4 + 8 + 33 + 3);
        assert_eq!(n, packet.len());
        assert_eq!(buf[1] & 0xB0, 0xB0, "V=2, P and X set");
        assert_eq!(&buf[buf.len() - 3..], &[0, 0, 3]);
        let parsed = RtpPacket::parse(&buf[1..]).unwrap();
        assert_eq!(parsed, packet);
    }

    #[test]
    fn malformed_datagrams_are_errors() {
        let payload = [0u8; 4];
        let mut good = Vec::new();
        sample_packet(&payload).write(&mut good).unwrap();
        assert_eq!(RtpPacket::parse(&good[..11]), Err(RtpParseError::TooShort { len: 11 }));
        assert_eq!(RtpPacket::parse(&[]), Err(RtpParseError::TooShort { len: 0 }));
        let mut v1 = good.clone();
        v1[0] = 0x40;
        assert_eq!(RtpPacket::parse(&v1), Err(RtpParseError::Version(1)));
        // A STUN binding request starts with two zero bits: version 0.
        let mut stun = good.clone();
        stun[0] = 0x00;
        assert_eq!(RtpPacket::parse(&stun), Err(RtpParseError::Version(0)));
        let mut csrc = good.clone();
        csrc[0] |= 0x0F; // 15 CSRCs = 60 bytes, only 4 follow the header
        assert_eq!(RtpPacket::parse(&csrc), Err(RtpParseError::CsrcTruncated { count: 15, len: 16 }));
        let mut ext = good.clone();
        ext[0] |= 0x10;
        ext[14] = 0;
        ext[15] = 2; // 2 words of extension body, none present
        assert_eq!(RtpPacket::parse(&ext), Err(RtpParseError::ExtensionTruncated { needed: 24, len: 16 }));
        assert_eq!(RtpPacket::parse(&ext[..14]), Err(RtpParseError::ExtensionTruncated { needed: 16, len: 14 }));
        let mut pad = good.clone();
        pad[0] |= 0x20;
        *pad.last_mut().unwrap() = 0;
        assert_eq!(RtpPacket::parse(&pad), Err(RtpParseError::Padding { count: 0, available: 4 }));
        *pad.last_mut().unwrap() = 5;
        assert_eq!(RtpPacket::parse(&pad), Err(RtpParseError::Padding { count: 5, available: 4 }));
        *pad.last_mut().unwrap() = 4; // the whole payload is padding: valid, empty payload
        assert!(RtpPacket::parse(&pad).unwrap().is_empty());
    }

    #[test]
    fn no_prefix_of_any_packet_panics() {
        let ext_body = [0u8; 4];
        let payload = [7u8; 20];
        let mut packet = sample_packet(&payload);
        packet.csrcs = Csrcs::from_slice(&[5, 6]).unwrap();
        packet.extension = Some(Extension { profile: 1, data: &ext_body });
        packet.padding = 2;
        let mut buf = Vec::new();
        packet.write(&mut buf).unwrap();
        for end in 0..buf.len() {
            let _ = RtpPacket::parse(&buf[..end]);
            // And with every first byte (all flag combinations).
            let mut mutated = buf[..end].to_vec();
            for b0 in 0..=255u8 {
                if let Some(first) = mutated.first_mut() {
                    *first = b0;
                }
                let _ = RtpPacket::parse(&mutated);
            }
        }
    }

    #[test]
    fn write_refuses_invalid_packets() {
        let payload = [0u8; 1];
        let mut p = sample_packet(&payload);
        p.payload_type = 128;
        assert_eq!(p.write(&mut Vec::new()), Err(RtpWriteError::PayloadType(128)));
        let odd = [0u8; 3];
        let mut p = sample_packet(&payload);
        p.extension = Some(Extension { profile: 0, data: &odd });
        assert_eq!(p.write(&mut Vec::new()), Err(RtpWriteError::Extension(3)));
        assert!(Csrcs::from_slice(&[0; 16]).is_none());
    }

    #[test]
    fn rtcp_is_told_apart() {
        let mut sr = vec![0x80, 200, 0, 6];
        sr.extend([0; 24]);
        assert!(is_rtcp(&sr));
        let mut rtp = Vec::new();
        sample_packet(&[1]).write(&mut rtp).unwrap(); // M=1, PT=101: byte 229
        assert!(!is_rtcp(&rtp));
        assert!(!is_rtcp(&[0x80]));
    }

    fn counting_source() -> impl FnMut() -> [i16; FRAME_SAMPLES] {
        let mut n = 0i16;
        move || {
            n += 1;
            [n * 100; FRAME_SAMPLES]
        }
    }

    #[test]
    fn sender_paces_20_ms_frames() {
        let start = Time::from_ms(1000);
        let mut sender = RtpSender::new(G711::Pcma, 7, start);
        let (seq0, ts0, ssrc) = (sender.next_sequence(), sender.next_timestamp(), sender.ssrc());
        let mut source = counting_source();
        let mut buf = Vec::new();
        assert_eq!(sender.poll_transmit(Time::from_ms(999), &mut source, &mut buf), None);
        assert_eq!(sender.poll_timeout(), start);
        let mut sent = Vec::new();
        for now in (1000..1100).step_by(10) {
            while let Some(tx) = sender.poll_transmit(Time::from_ms(now), &mut source, &mut buf) {
                let p = RtpPacket::parse(&buf).unwrap();
                assert_eq!((p.sequence, p.timestamp, p.marker, p.ssrc), (tx.sequence, tx.timestamp, tx.marker, ssrc));
                assert_eq!(p.payload_type, 8);
                assert_eq!(p.payload.len(), 160);
                assert_eq!(p.payload[0], G711::Pcma.encode_sample(100 * (tx.frame as i16 + 1)));
                sent.push((now, tx));
            }
        }
        // Due at 1000, 1020, …, 1080: one each, sent at the first poll at or after it.
        assert_eq!(sent.len(), 5);
        for (i, (now, tx)) in sent.iter().enumerate() {
            assert_eq!(*now, 1000 + 20 * i as u64);
            assert_eq!(tx.frame, i as u64);
            assert_eq!(tx.sequence, seq0.wrapping_add(i as u16));
            assert_eq!(tx.timestamp, ts0.wrapping_add(160 * i as u32));
            assert_eq!(tx.marker, i == 0, "marker on the first packet only");
            assert_eq!(tx.len, 172);
        }
        assert_eq!(sender.poll_timeout(), Time::from_ms(1100));
        assert_eq!((sender.packets_sent(), sender.octets_sent()), (5, 800));
    }

    #[test]
    fn a_negotiated_payload_type_goes_on_the_wire() {
        let mut sender = RtpSender::new(G711::Pcmu, 5, Time::ZERO).with_payload_type(97);
        let mut buf = Vec::new();
        sender.poll_transmit(Time::ZERO, &mut counting_source(), &mut buf).unwrap();
        assert_eq!(RtpPacket::parse(&buf).unwrap().payload_type, 97);
        let sender = RtpSender::new(G711::Pcmu, 5, Time::ZERO).with_payload_type(0xFF);
        assert_eq!(sender.payload_type, 0x7F);
    }

    #[test]
    fn seeds_draw_the_initial_values() {
        let a = RtpSender::new(G711::Pcmu, 1, Time::ZERO);
        let b = RtpSender::new(G711::Pcmu, 1, Time::ZERO);
        let c = RtpSender::new(G711::Pcmu, 2, Time::ZERO);
        let ids = |s: &RtpSender| (s.ssrc(), s.next_sequence(), s.next_timestamp());
        assert_eq!(ids(&a), ids(&b));
        assert_ne!(ids(&a), ids(&c));
        // Over many seeds the initial sequence numbers spread over the whole range.
        let (lo, hi) = (0..200u64)
            .map(|s| RtpSender::new(G711::Pcmu, s, Time::ZERO).next_sequence())
            .fold((u16::MAX, 0), |(lo, hi), q| (lo.min(q), hi.max(q)));
        assert!(lo < 4096 && hi > 61440, "{lo}..{hi}");
    }

    #[test]
    fn sequence_and_timestamp_wrap() {
        let mut sender = RtpSender::new(G711::Pcmu, 3, Time::ZERO);
        sender.sequence = u16::MAX;
        sender.timestamp = u32::MAX - 100;
        let mut source = counting_source();
        let mut buf = Vec::new();
        let first = sender.poll_transmit(Time::ZERO, &mut source, &mut buf).unwrap();
        let second = sender.poll_transmit(Time::from_ms(20), &mut source, &mut buf).unwrap();
        assert_eq!((first.sequence, second.sequence), (u16::MAX, 0));
        assert_eq!(second.timestamp, 59);
    }

    #[test]
    fn a_late_driver_skips_old_frames_instead_of_bursting() {
        let mut sender = RtpSender::new(G711::Pcmu, 9, Time::ZERO);
        let mut source = counting_source();
        let mut buf = Vec::new();
        let first = sender.poll_transmit(Time::ZERO, &mut source, &mut buf).unwrap();
        // 200 ms late: frames 1..=10 are due; 5 are skipped, 5 sent in a burst.
        let mut burst = Vec::new();
        while let Some(tx) = sender.poll_transmit(Time::from_ms(200), &mut source, &mut buf) {
            burst.push(tx);
        }
        assert_eq!(burst.len(), MAX_BURST_FRAMES as usize);
        assert_eq!(sender.frames_skipped(), 5);
        assert_eq!(burst[0].frame, 6);
        assert_eq!(burst[0].sequence, first.sequence.wrapping_add(1), "no sequence gap: nothing was lost");
        assert_eq!(burst[0].timestamp, first.timestamp.wrapping_add(6 * 160), "the timestamp keeps time");
        assert!(burst[0].marker && !burst[1].marker);
        // The audio kept time too: the last packet, frame 10, carries the source's 11th frame.
        let p = RtpPacket::parse(&buf).unwrap();
        assert_eq!(p.payload[0], G711::Pcmu.encode_sample(1100));
        assert_eq!(sender.poll_timeout(), Time::from_ms(220));
    }
}
