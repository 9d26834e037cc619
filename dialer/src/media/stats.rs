//! Receive statistics per RTP source: packets received and expected, loss, duplicates,
//! reordering and interarrival jitter, as RFC 3550 defines them for receiver reports.
//!
//! Sequence numbers are extended past their 16-bit wrap as in RFC 3550 Appendix A.1 (a jump
//! of fewer than 3000 ahead is a new highest number, up to 100 behind is a late packet, anything
//! else is a restart of the sender that needs a second packet to confirm it). Jitter is the
//! §6.4.1 / A.8 estimator: `J += (|D| − J) / 16`, where `D` is the change in transit time
//! between consecutive packets, in timestamp units.
//!
//! Differences from Appendix A.1, on purpose:
//! - no probation: the first packet counts. The SSRC and address come from our own SDP
//!   session, so a stray stream is filtered before it gets here, and a call's first packets
//!   matter to the statistics of a call that may last seconds;
//! - a late packet older than the first one moves the base back, so a reordered start does not
//!   show as negative loss;
//! - a restart keeps the counts so far instead of zeroing them (`expected` carries over).
//!
//! [`RtpReceiver`] parses datagrams and keeps one [`StreamStats`] per SSRC.

use super::rtp::{RtpPacket, RtpParseError};
use reports::Time;

/// RFC 3550 A.1: a jump ahead of at least this many is a restart, not loss.
const MAX_DROPOUT: u16 = 3000;
/// RFC 3550 A.1: a packet at most this many behind the highest is late, not a restart.
const MAX_MISORDER: u16 = 100;
/// Sequence numbers remembered behind the highest, to tell duplicates from late packets.
const WINDOW: u16 = 128;
const _: () = assert!(MAX_MISORDER < WINDOW);

/// How one packet fitted its stream's sequence.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Arrival {
    /// The first packet of the stream.
    First,
    /// A new highest sequence number (possibly after a gap: the packets in between are lost
    /// until they turn up late).
    InOrder,
    /// Behind the highest sequence number and not seen before: reordered in the network.
    Late,
    /// A sequence number seen before (within the last 128).
    Duplicate,
    /// A big jump in sequence numbers, held until the next packet confirms it: not counted.
    Suspect,
    /// The confirmation of a suspect jump: the sender restarted its sequence (a new call leg
    /// behind an SBC, say); counting goes on from here.
    Restart,
}

/// The receive statistics of one RTP source (SSRC).
#[derive(Clone, Debug)]
pub struct StreamStats {
    ssrc: u32,
    clock_rate: u32,
    /// Extended sequence number of the oldest packet counted (since the last restart).
    base: i64,
    max_seq: u16,
    /// Wraps of the sequence number so far, times 65536.
    cycles: i64,
    /// A.1's `bad_seq`: the sequence number that would confirm a restart.
    bad_seq: Option<u16>,
    /// Packets expected before the last restart.
    expected_before: u64,
    received: u64,
    duplicates: u64,
    reordered: u64,
    restarts: u64,
    /// Bit `i` set: extended sequence number `highest − i` has been seen.
    seen: u128,
    /// The previous packet's transit time (arrival − timestamp), in timestamp units.
    transit: Option<u32>,
    jitter: f64,
    payload_type: u8,
    last_arrival_us: u64,
}

impl StreamStats {
    fn new(ssrc: u32, clock_rate: u32, seq: u16) -> StreamStats {
        StreamStats {
            ssrc,
            clock_rate,
            base: i64::from(seq),
            max_seq: seq,
            cycles: 0,
            bad_seq: None,
            expected_before: 0,
            received: 0,
            duplicates: 0,
            reordered: 0,
            restarts: 0,
            seen: 0,
            transit: None,
            jitter: 0.0,
            payload_type: 0,
            last_arrival_us: 0,
        }
    }

    /// The source's SSRC.
    pub fn ssrc(&self) -> u32 {
        self.ssrc
    }

    /// The highest sequence number received, extended with the count of wraps (RFC 3550's
    /// "extended highest sequence number received").
    pub fn extended_highest(&self) -> i64 {
        self.cycles + i64::from(self.max_seq)
    }

    /// Packets received, duplicates and late ones included (RFC 3550 §6.4.1's count).
    pub fn received(&self) -> u64 {
        self.received
    }

    /// Packets expected: extended highest − base + 1, plus those expected before a restart.
    pub fn expected(&self) -> u64 {
        self.expected_before + (self.extended_highest() - self.base + 1).max(0) as u64
    }

    /// RFC 3550's cumulative number of packets lost: expected − received. Duplicates make it
    /// smaller and can make it negative; this is the figure a receiver report carries.
    pub fn cumulative_lost(&self) -> i64 {
        self.expected() as i64 - self.received as i64
    }

    /// Packets that never arrived: expected − distinct packets received (never negative).
    pub fn lost(&self) -> u64 {
        self.expected().saturating_sub(self.received - self.duplicates)
    }

    /// The share of expected packets lost, in [0, 1] (0 before any packet).
    pub fn loss_fraction(&self) -> f64 {
        match self.expected() {
            0 => 0.0,
            expected => self.lost() as f64 / expected as f64,
        }
    }

    /// Packets whose sequence number had been seen already.
    pub fn duplicates(&self) -> u64 {
        self.duplicates
    }

    /// Packets that arrived after a higher sequence number (reordered, not lost).
    pub fn reordered(&self) -> u64 {
        self.reordered
    }

    /// Times the sender restarted its sequence numbers.
    pub fn restarts(&self) -> u64 {
        self.restarts
    }

    /// The interarrival jitter estimate in timestamp units (RFC 3550 §6.4.1).
    pub fn jitter(&self) -> f64 {
        self.jitter
    }

    /// The interarrival jitter estimate in milliseconds.
    pub fn jitter_ms(&self) -> f64 {
        self.jitter * 1000.0 / f64::from(self.clock_rate)
    }

    /// The payload type of the latest packet (the audio codec, or telephone-event during a digit).
    pub fn payload_type(&self) -> u8 {
        self.payload_type
    }

    /// When the latest packet arrived, in microseconds on the receiver's time line (for a
    /// media-timeout check: no RTP for 30 s on an answered call means the far end is gone).
    pub fn last_arrival_us(&self) -> u64 {
        self.last_arrival_us
    }

    /// Counts one packet: sequence accounting first (A.1), then jitter (A.8).
    fn update(&mut self, seq: u16, timestamp: u32, payload_type: u8, arrival_us: u64, first: bool) -> Arrival {
        let arrival = if first {
            self.received = 1;
            self.seen = 1;
            Arrival::First
        } else {
            let udelta = seq.wrapping_sub(self.max_seq);
            if udelta < MAX_DROPOUT {
                if udelta == 0 {
                    self.received += 1;
                    self.duplicates += 1;
                    Arrival::Duplicate
                } else {
                    if seq < self.max_seq {
                        self.cycles += 1 << 16;
                    }
                    self.max_seq = seq;
                    self.seen = if udelta >= WINDOW { 1 } else { (self.seen << udelta) | 1 };
                    self.bad_seq = None;
                    self.received += 1;
                    Arrival::InOrder
                }
            } else if udelta <= u16::MAX - MAX_MISORDER + 1 {
                // A.1: `udelta <= RTP_SEQ_MOD - MAX_MISORDER`, a big jump either way.
                if self.bad_seq == Some(seq) {
                    self.expected_before = self.expected();
                    self.base = i64::from(seq);
                    self.max_seq = seq;
                    self.cycles = 0;
                    self.seen = 1;
                    self.bad_seq = None;
                    self.transit = None;
                    self.received += 1;
                    self.restarts += 1;
                    Arrival::Restart
                } else {
                    self.bad_seq = Some(seq.wrapping_add(1));
                    return Arrival::Suspect;
                }
            } else {
                // Behind the highest by 1..=MAX_MISORDER.
                let behind = self.max_seq.wrapping_sub(seq);
                self.received += 1;
                let bit = 1u128 << behind;
                if self.seen & bit != 0 {
                    self.duplicates += 1;
                    Arrival::Duplicate
                } else {
                    self.seen |= bit;
                    self.reordered += 1;
                    self.base = self.base.min(self.extended_highest() - i64::from(behind));
                    Arrival::Late
                }
            }
        };
        self.payload_type = payload_type;
        self.last_arrival_us = arrival_us;
        // A.8: transit = arrival − timestamp, both in timestamp units and both wrapping, so
        // only differences mean anything.
        let arrival_units = (u128::from(arrival_us) * u128::from(self.clock_rate) / 1_000_000) as u32;
        let transit = arrival_units.wrapping_sub(timestamp);
        if let Some(previous) = self.transit {
            let d = f64::from((transit.wrapping_sub(previous) as i32).unsigned_abs());
            self.jitter += (d - self.jitter) / 16.0;
        }
        self.transit = Some(transit);
        arrival
    }
}

/// Why a datagram was not counted.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ReceiveError {
    /// Not an RTP packet.
    #[error(transparent)]
    Parse(#[from] RtpParseError),
    /// A new SSRC when [`MAX_STREAMS`] are already tracked: a flood or a misrouted stream.
    #[error("RTP from a new SSRC {ssrc:#010x} while {MAX_STREAMS} sources are already tracked; dropped")]
    TooManySources {
        /// The SSRC that was not tracked.
        ssrc: u32,
    },
}

/// The most sources one receiver tracks: a call has one, a few more after re-INVITEs or
/// transfers; the bound keeps a hostile sender from growing memory.
pub const MAX_STREAMS: usize = 8;

/// A packet that was parsed and counted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Received<'a> {
    /// The packet (its payload borrows the datagram).
    pub packet: RtpPacket<'a>,
    /// How it fitted its stream's sequence; a [`Arrival::Suspect`] packet was not counted and
    /// is better not played.
    pub arrival: Arrival,
}

/// The receive half of a call's audio: parses datagrams and keeps [`StreamStats`] per SSRC.
///
/// Sans-IO: the driver hands it each datagram with its arrival time.
///
/// ```
/// use dialer::core::Time;
/// use dialer::media::{G711, RtpReceiver, RtpSender, FRAME_SAMPLES};
/// let mut sender = RtpSender::new(G711::Pcmu, 1, Time::ZERO);
/// let mut receiver = RtpReceiver::new(8000);
/// let mut buf = Vec::new();
/// for ms in (0..200).step_by(20) {
///     sender.poll_transmit(Time::from_ms(ms), &mut || [0i16; FRAME_SAMPLES], &mut buf).unwrap();
///     receiver.receive(&buf, Time::from_ms(ms + 30)).unwrap(); // 30 ms in the network
/// }
/// let stats = receiver.stream(sender.ssrc()).unwrap();
/// assert_eq!((stats.received(), stats.expected(), stats.lost()), (10, 10, 0));
/// assert_eq!(stats.jitter(), 0.0);
/// ```
#[derive(Clone, Debug)]
pub struct RtpReceiver {
    clock_rate: u32,
    streams: Vec<StreamStats>,
}

impl RtpReceiver {
    /// A receiver for a stream clocked at `clock_rate` Hz (8000 for G.711 and its
    /// telephone-events).
    pub fn new(clock_rate: u32) -> RtpReceiver {
        RtpReceiver { clock_rate: clock_rate.max(1), streams: Vec::new() }
    }

    /// Parses and counts a datagram that arrived at `arrival`.
    pub fn receive<'a>(&mut self, datagram: &'a [u8], arrival: Time) -> Result<Received<'a>, ReceiveError> {
        self.receive_at_micros(datagram, arrival.as_ms().saturating_mul(1000))
    }

    /// [`receive`](Self::receive) with the arrival time in microseconds, for drivers that have
    /// a finer clock: jitter in 8 kHz units is then not rounded to the millisecond (8 units).
    pub fn receive_at_micros<'a>(&mut self, datagram: &'a [u8], arrival_us: u64) -> Result<Received<'a>, ReceiveError> {
        let packet = RtpPacket::parse(datagram)?;
        let (stream, first) = match self.streams.iter().position(|s| s.ssrc == packet.ssrc) {
            Some(i) => (&mut self.streams[i], false),
            None if self.streams.len() >= MAX_STREAMS => {
                return Err(ReceiveError::TooManySources { ssrc: packet.ssrc });
            }
            None => {
                self.streams.push(StreamStats::new(packet.ssrc, self.clock_rate, packet.sequence));
                // Just pushed, so the vector is not empty.
                (self.streams.last_mut().expect("just pushed"), true)
            }
        };
        let arrival = stream.update(packet.sequence, packet.timestamp, packet.payload_type, arrival_us, first);
        Ok(Received { packet, arrival })
    }

    /// The statistics of one source, if it has sent anything.
    pub fn stream(&self, ssrc: u32) -> Option<&StreamStats> {
        self.streams.iter().find(|s| s.ssrc == ssrc)
    }

    /// Every source seen, in order of first arrival.
    pub fn streams(&self) -> &[StreamStats] {
        &self.streams
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::media::rtp::Csrcs;

    const SSRC: u32 = 0xCAFE_F00D;

    fn datagram(seq: u16, timestamp: u32) -> Vec<u8> {
        let payload = [0xFFu8; 160];
        let packet = RtpPacket {
            marker: false,
            payload_type: 0,
            sequence: seq,
            timestamp,
            ssrc: SSRC,
            csrcs: Csrcs::EMPTY,
            extension: None,
            payload: &payload,
            padding: 0,
        };
        let mut out = Vec::new();
        packet.write(&mut out).unwrap();
        out
    }

    /// Feeds sequence numbers 20 ms apart (timestamps follow the sequence, arrival the order).
    fn feed(seqs: &[u16]) -> (RtpReceiver, Vec<Arrival>) {
        let mut rx = RtpReceiver::new(8000);
        let arrivals = seqs
            .iter()
            .enumerate()
            .map(|(i, &seq)| {
                rx.receive(&datagram(seq, u32::from(seq) * 160), Time::from_ms(20 * i as u64)).unwrap().arrival
            })
            .collect();
        (rx, arrivals)
    }

    fn stats(rx: &RtpReceiver) -> &StreamStats {
        rx.stream(SSRC).unwrap()
    }

    #[test]
    fn loss_is_counted_from_gaps() {
        let (rx, arrivals) = feed(&[100, 101, 103, 104, 107]);
        let s = stats(&rx);
        assert_eq!(arrivals, [Arrival::First, Arrival::InOrder, Arrival::InOrder, Arrival::InOrder, Arrival::InOrder]);
        assert_eq!(s.extended_highest(), 107);
        assert_eq!((s.received(), s.expected(), s.lost(), s.cumulative_lost()), (5, 8, 3, 3));
        assert!((s.loss_fraction() - 3.0 / 8.0).abs() < 1e-12);
        assert_eq!((s.duplicates(), s.reordered()), (0, 0));
    }

    #[test]
    fn sequence_numbers_wrap_at_65535() {
        let (rx, _) = feed(&[65533, 65534, 65535, 0, 2]);
        let s = stats(&rx);
        assert_eq!(s.extended_highest(), 65536 + 2);
        assert_eq!((s.received(), s.expected(), s.lost()), (5, 6, 1));
    }

    #[test]
    fn reordered_packets_are_late_not_lost() {
        let (rx, arrivals) = feed(&[10, 11, 13, 12, 14]);
        let s = stats(&rx);
        assert_eq!(arrivals[3], Arrival::Late);
        assert_eq!((s.received(), s.expected(), s.lost(), s.reordered(), s.duplicates()), (5, 5, 0, 1, 0));
        // Reordered across the wrap.
        let (rx, arrivals) = feed(&[65534, 0, 65535, 1]);
        let s = stats(&rx);
        assert_eq!(arrivals[2], Arrival::Late);
        assert_eq!((s.received(), s.expected(), s.lost(), s.reordered()), (4, 4, 0, 1));
        assert_eq!(s.extended_highest(), 65537);
        // A packet older than the first one moves the base back instead of making loss negative.
        let (rx, arrivals) = feed(&[5, 4, 6]);
        let s = stats(&rx);
        assert_eq!(arrivals[1], Arrival::Late);
        assert_eq!((s.received(), s.expected(), s.cumulative_lost()), (3, 3, 0));
    }

    #[test]
    fn duplicates_are_told_from_late_packets() {
        let (rx, arrivals) = feed(&[10, 11, 11, 12, 10, 13]);
        let s = stats(&rx);
        assert_eq!(arrivals[2], Arrival::Duplicate);
        assert_eq!(arrivals[4], Arrival::Duplicate);
        assert_eq!((s.received(), s.expected(), s.duplicates(), s.reordered()), (6, 4, 2, 0));
        assert_eq!(s.cumulative_lost(), -2, "RFC 3550: duplicates make the cumulative loss negative");
        assert_eq!(s.lost(), 0);
        // A packet 99 behind the highest is late (A.1's misorder limit is 100).
        let mut seqs: Vec<u16> = (0..=150).filter(|&q| q != 51).collect();
        seqs.push(51);
        seqs.push(30);
        let (rx, arrivals) = feed(&seqs);
        assert_eq!(arrivals[arrivals.len() - 2], Arrival::Late);
        let s = stats(&rx);
        assert_eq!((s.expected(), s.lost(), s.reordered()), (151, 0, 1));
        // 30 is 120 behind 150: beyond A.1's misorder limit of 100, so a suspect jump, not counted.
        assert_eq!(arrivals[arrivals.len() - 1], Arrival::Suspect);
        assert_eq!(s.received(), 151);
    }

    #[test]
    fn a_restart_needs_two_packets_and_keeps_the_counts() {
        let (rx, arrivals) = feed(&[100, 101, 40000, 40001, 40002]);
        let s = stats(&rx);
        assert_eq!(arrivals[2..], [Arrival::Suspect, Arrival::Restart, Arrival::InOrder]);
        assert_eq!(s.restarts(), 1);
        // 100 and 101, then 40001 and 40002: the suspect 40000 is not counted, as in A.1.
        assert_eq!((s.received(), s.expected(), s.lost()), (4, 4, 0));
        // A single stray jump is ignored and does not disturb the stream.
        let (rx, arrivals) = feed(&[7, 8, 30000, 9, 10]);
        let s = stats(&rx);
        assert_eq!(arrivals[2], Arrival::Suspect);
        assert_eq!((s.received(), s.expected(), s.lost(), s.restarts()), (4, 4, 0, 0));
    }

    #[test]
    fn jitter_of_a_constant_delay_is_zero() {
        let mut rx = RtpReceiver::new(8000);
        // Timestamps start near the 32-bit wrap; the network adds 47 ms to every packet.
        let ts0 = u32::MAX - 800;
        for i in 0..50u32 {
            let d = datagram(1000 + i as u16, ts0.wrapping_add(160 * i));
            rx.receive(&d, Time::from_ms(5000 + 20 * u64::from(i) + 47)).unwrap();
        }
        assert_eq!(stats(&rx).jitter(), 0.0);
        assert_eq!(stats(&rx).jitter_ms(), 0.0);
    }

    #[test]
    fn jitter_of_alternating_delay_matches_the_closed_form() {
        // Delays alternate 0 and 10 ms: every |D| is 10 ms = 80 units, so after n updates
        // J_n = 80 (1 − (15/16)^n), tending to 80 units = 10 ms.
        let mut rx = RtpReceiver::new(8000);
        let packets = 40u32;
        for i in 0..packets {
            let delay = if i % 2 == 1 { 10 } else { 0 };
            let d = datagram(i as u16, 160 * i);
            rx.receive(&d, Time::from_ms(20 * u64::from(i) + delay)).unwrap();
            let expected = 80.0 * (1.0 - (15.0f64 / 16.0).powi(i as i32));
            assert!((stats(&rx).jitter() - expected).abs() < 1e-9, "after {} packets", i + 1);
        }
        let expected_ms = 10.0 * (1.0 - (15.0f64 / 16.0).powi(packets as i32 - 1));
        assert!((stats(&rx).jitter_ms() - expected_ms).abs() < 1e-9);
        assert!(stats(&rx).jitter_ms() > 9.0);
    }

    #[test]
    fn microsecond_arrivals_keep_sub_millisecond_jitter() {
        // 0.5 ms alternating delay: 4 units per step, invisible at millisecond resolution.
        let mut rx = RtpReceiver::new(8000);
        for i in 0..2u32 {
            let d = datagram(i as u16, 160 * i);
            rx.receive_at_micros(&d, 20_000 * u64::from(i) + 500 * u64::from(i % 2)).unwrap();
        }
        assert!((stats(&rx).jitter() - 4.0 / 16.0).abs() < 1e-12);
    }

    #[test]
    fn sources_are_kept_apart_and_bounded() {
        let mut rx = RtpReceiver::new(8000);
        for ssrc in 0..MAX_STREAMS as u32 + 1 {
            let mut d = datagram(1, 160);
            d[8..12].copy_from_slice(&ssrc.to_be_bytes());
            let result = rx.receive(&d, Time::ZERO);
            if (ssrc as usize) < MAX_STREAMS {
                assert_eq!(result.unwrap().arrival, Arrival::First);
            } else {
                assert_eq!(result, Err(ReceiveError::TooManySources { ssrc }));
            }
        }
        assert_eq!(rx.streams().len(), MAX_STREAMS);
        assert!(rx.stream(3).is_some() && rx.stream(99).is_none());
        assert_eq!(rx.receive(&[0x80, 0], Time::ZERO), Err(ReceiveError::Parse(RtpParseError::TooShort { len: 2 })));
    }
}
