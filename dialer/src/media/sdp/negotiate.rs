//! RFC 3264 offer/answer for one G.711 audio stream with optional RFC 4733 telephone-events.
//!
//! The dialer is usually the offerer (its INVITE carries [`offer`], the 200 OK's body goes to
//! [`accept_answer`]); the emulated callee, and the dialer on inbound calls, answer
//! ([`answer`]). Both ends come out with the same [`Negotiated`] stream.
//!
//! Choices, per RFC 3264 §6: the answer has one `m=` line per offered one, in order; the first
//! offered audio stream over plain RTP with a codec we support is accepted, every other stream
//! is rejected with port 0; the codec is the first of the offer's list that we support (the
//! offerer's preference wins); telephone-event is kept if offered, with the events both sides
//! know; the direction is the offer's reversed and narrowed by ours; a hold (`a=sendonly`, or
//! the old `c=0.0.0.0`) is answered `recvonly`.

use super::{Attribute, Connection, Direction, MediaDescription, Origin, RtpMap, SessionDescription};
use crate::media::{CLOCK_RATE, FRAME_MS, G711};
use std::net::{IpAddr, SocketAddr};

/// The telephone-events we send and understand: the 16 DTMF keys and flash (RFC 4733 §3.2).
const OUR_EVENTS: u32 = (1 << 17) - 1;
/// The events a peer supports when its offer has no `a=fmtp` for telephone-event (RFC 4733 §2.4.1).
const DEFAULT_EVENTS: u32 = (1 << 16) - 1;

/// What we offer and accept: our address, port, codecs and direction.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LocalMedia {
    /// The `o=` user name.
    pub username: String,
    /// The `o=` session id: unique per call, fixed for its life.
    pub session_id: u64,
    /// The `o=` version: raise it for each new offer in the same call (a re-INVITE).
    pub session_version: u64,
    /// Where we receive RTP.
    pub address: IpAddr,
    /// Our RTP port (even, by convention; RTCP on the next one).
    pub port: u16,
    /// The codecs we accept, in the order we offer them.
    pub codecs: Vec<G711>,
    /// The payload type we offer telephone-event under, or `None` to neither offer nor accept it.
    pub telephone_event: Option<u8>,
    /// The most we want: `SendRecv` for a call, `SendOnly` to put the other side on hold.
    pub direction: Direction,
}

impl LocalMedia {
    /// PCMU then PCMA, telephone-event as payload type 101, both directions: what every
    /// carrier and PBX accepts.
    pub fn new(address: IpAddr, port: u16, session_id: u64) -> LocalMedia {
        LocalMedia {
            username: "dialkit".to_string(),
            session_id,
            session_version: session_id,
            address,
            port,
            codecs: vec![G711::Pcmu, G711::Pcma],
            telephone_event: Some(101),
            direction: Direction::SendRecv,
        }
    }

    fn session(&self, timing: (u64, u64), media: Vec<MediaDescription>) -> SessionDescription {
        SessionDescription {
            origin: Origin::new(&self.username, self.session_id, self.session_version, self.address),
            session_name: "-".to_string(),
            connection: Some(Connection { address: self.address }),
            timing,
            attributes: Vec::new(),
            other_lines: Vec::new(),
            media,
        }
    }
}

/// The audio stream both sides agreed on, from our side.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Negotiated {
    /// Which `m=` line (0-based) carries it.
    pub media_index: usize,
    /// The codec to send and expect.
    pub codec: G711,
    /// The payload type the codec goes under on the wire (0 or 8 in practice).
    pub payload_type: u8,
    /// The telephone-event payload type, if both sides do RFC 4733.
    pub telephone_event: Option<u8>,
    /// Where to send RTP: the peer's address and port; `None` when the peer asked for no media
    /// (held with `c=0.0.0.0`).
    pub remote: Option<SocketAddr>,
    /// Our direction: whether we send ([`Direction::sends`]) and whether to expect media.
    pub direction: Direction,
    /// The packet duration the peer asked for (`a=ptime`, default 20 ms). Our sender always
    /// uses 20 ms, which every G.711 peer accepts.
    pub ptime: u32,
}

/// Our answer to an offer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Answer {
    /// The description to send back (as many `m=` lines as the offer).
    pub sdp: SessionDescription,
    /// The accepted audio stream; `None` if every stream was rejected (no common codec): a
    /// SIP user agent then usually answers 488 Not Acceptable Here instead.
    pub audio: Option<Negotiated>,
}

/// Why an offer cannot be answered.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum OfferError {
    /// The audio stream we would accept has no `c=` line, at its level or the session's.
    #[error("offered stream {media} has no connection address (no `c=` in the stream or the session)")]
    NoConnection {
        /// The 0-based `m=` index.
        media: usize,
    },
}

/// Why an answer to our offer is unusable: the peer broke RFC 3264.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum AnswerError {
    /// The answer does not have one `m=` line per offered one.
    #[error("the answer has {answered} media lines for the offer's {offered} (RFC 3264 §6 requires as many)")]
    MediaCount {
        /// `m=` lines in our offer.
        offered: usize,
        /// `m=` lines in the answer.
        answered: usize,
    },
    /// The answer put something other than audio in our audio stream's place.
    #[error("answer stream {media} is `{found}` where the offer had audio")]
    NotAudio {
        /// The 0-based `m=` index.
        media: usize,
        /// The answer's media type.
        found: String,
    },
    /// The answer accepted the stream with no codec we offered.
    #[error("answer stream {media} accepts formats `{formats}`, none of them a codec we offered")]
    NoOfferedCodec {
        /// The 0-based `m=` index.
        media: usize,
        /// The answer's format list.
        formats: String,
    },
    /// The accepted stream has no `c=` line.
    #[error("answer stream {media} has no connection address (no `c=` in the stream or the session)")]
    NoConnection {
        /// The 0-based `m=` index.
        media: usize,
    },
}

/// Our offer: one audio stream with `local`'s codecs, telephone-event (`0-16`), 20 ms packets
/// and `local`'s direction.
pub fn offer(local: &LocalMedia) -> SessionDescription {
    let mut formats = Vec::new();
    let mut attributes = Vec::new();
    for codec in &local.codecs {
        formats.push(codec.payload_type());
        attributes.push(Attribute::RtpMap(codec_map(*codec, codec.payload_type())));
    }
    if let Some(pt) = local.telephone_event {
        formats.push(pt);
        attributes.push(Attribute::RtpMap(event_map(pt)));
        attributes.push(Attribute::Fmtp { payload_type: pt, params: format_events(OUR_EVENTS) });
    }
    attributes.push(Attribute::Ptime(FRAME_MS as u32));
    attributes.push(Attribute::Direction(local.direction));
    let media = MediaDescription {
        media: "audio".to_string(),
        port: local.port,
        port_count: None,
        protocol: "RTP/AVP".to_string(),
        formats: formats.iter().map(u8::to_string).collect(),
        connection: None,
        attributes,
        other_lines: Vec::new(),
    };
    local.session((0, 0), vec![media])
}

/// Answers `offer` with what `local` supports (see the module doc for the rules).
pub fn answer(offer: &SessionDescription, local: &LocalMedia) -> Result<Answer, OfferError> {
    let mut media = Vec::with_capacity(offer.media.len());
    let mut audio = None;
    for (index, offered) in offer.media.iter().enumerate() {
        let codec = if audio.is_none() && offered.media == "audio" && offered.port != 0 && plain_rtp(offered) {
            offered
                .payload_types()
                .find_map(|pt| codec_of(offered, pt).filter(|c| local.codecs.contains(c)).map(|c| (c, pt)))
        } else {
            None
        };
        let Some((codec, payload_type)) = codec else {
            media.push(rejected(offered));
            continue;
        };
        let connection = offer.connection_of(index).ok_or(OfferError::NoConnection { media: index })?;
        let events = local.telephone_event.and_then(|_| offered_events(offered));
        // c=0.0.0.0: the offerer will not receive, whatever its direction attribute says.
        let theirs = offer.direction(index);
        let theirs = if connection.is_hold() { Direction::from_flags(theirs.sends(), false) } else { theirs };
        let direction = theirs.reverse().intersect(local.direction);

        let mut formats = vec![payload_type.to_string()];
        let mut attributes = vec![Attribute::RtpMap(codec_map(codec, payload_type))];
        if let Some((pt, mask)) = events {
            formats.push(pt.to_string());
            attributes.push(Attribute::RtpMap(event_map(pt)));
            attributes.push(Attribute::Fmtp { payload_type: pt, params: format_events(mask) });
        }
        attributes.push(Attribute::Ptime(FRAME_MS as u32));
        attributes.push(Attribute::Direction(direction));
        media.push(MediaDescription {
            media: offered.media.clone(),
            port: local.port,
            port_count: None,
            protocol: offered.protocol.clone(),
            formats,
            connection: None,
            attributes,
            other_lines: Vec::new(),
        });
        audio = Some(Negotiated {
            media_index: index,
            codec,
            payload_type,
            telephone_event: events.map(|(pt, _)| pt),
            remote: (!connection.is_hold()).then(|| SocketAddr::new(connection.address, offered.port)),
            direction,
            ptime: offered.ptime().unwrap_or(FRAME_MS as u32),
        });
    }
    Ok(Answer { sdp: local.session(offer.timing, media), audio })
}

/// Reads the peer's answer to our `offer`: the agreed stream, or `None` if the peer rejected
/// our audio (port 0).
pub fn accept_answer(
    offer: &SessionDescription,
    answer: &SessionDescription,
) -> Result<Option<Negotiated>, AnswerError> {
    if offer.media.len() != answer.media.len() {
        return Err(AnswerError::MediaCount { offered: offer.media.len(), answered: answer.media.len() });
    }
    let Some(index) = offer.media.iter().position(|m| m.media == "audio" && m.port != 0) else {
        return Ok(None);
    };
    let (ours, theirs) = (&offer.media[index], &answer.media[index]);
    if theirs.port == 0 {
        return Ok(None);
    }
    if theirs.media != "audio" {
        return Err(AnswerError::NotAudio { media: index, found: theirs.media.clone() });
    }
    // The answer should repeat our numbering; if it leaves out an rtpmap, ours says what it is.
    let offered: Vec<u8> = ours.payload_types().collect();
    let resolve = |pt: u8| match theirs.rtpmap(pt) {
        Some(_) => codec_of(theirs, pt),
        None => codec_of(ours, pt),
    };
    let Some((codec, payload_type)) =
        theirs.payload_types().filter(|pt| offered.contains(pt)).find_map(|pt| resolve(pt).map(|c| (c, pt)))
    else {
        return Err(AnswerError::NoOfferedCodec { media: index, formats: theirs.formats.join(" ") });
    };
    let telephone_event = theirs
        .payload_types()
        .filter(|pt| offered.contains(pt))
        .find(|&pt| is_telephone_event(theirs.rtpmap(pt).or_else(|| ours.rtpmap(pt))));
    let connection = answer.connection_of(index).ok_or(AnswerError::NoConnection { media: index })?;
    let answered = answer.direction(index);
    let answered = if connection.is_hold() { Direction::from_flags(answered.sends(), false) } else { answered };
    Ok(Some(Negotiated {
        media_index: index,
        codec,
        payload_type,
        telephone_event,
        remote: (!connection.is_hold()).then(|| SocketAddr::new(connection.address, theirs.port)),
        direction: answered.reverse().intersect(offer.direction(index)),
        ptime: theirs.ptime().unwrap_or(FRAME_MS as u32),
    }))
}

/// RTP/AVP, or RTP/AVPF (AVP plus feedback, which a plain AVP answer satisfies); not SRTP.
fn plain_rtp(m: &MediaDescription) -> bool {
    m.protocol == "RTP/AVP" || m.protocol == "RTP/AVPF"
}

/// The G.711 law a payload type stands for in a section: its rtpmap if it has one, else the
/// static assignment.
fn codec_of(m: &MediaDescription, pt: u8) -> Option<G711> {
    match m.rtpmap(pt) {
        Some(map) if map.clock_rate == CLOCK_RATE && map.channels.unwrap_or(1) == 1 => {
            G711::from_encoding_name(&map.encoding)
        }
        Some(_) => None,
        None => G711::from_payload_type(pt),
    }
}

fn is_telephone_event(map: Option<&RtpMap>) -> bool {
    map.is_some_and(|m| m.encoding.eq_ignore_ascii_case("telephone-event") && m.clock_rate == CLOCK_RATE)
}

/// The offered telephone-event payload type and the events both sides know, if any.
fn offered_events(m: &MediaDescription) -> Option<(u8, u32)> {
    m.payload_types().filter(|&pt| is_telephone_event(m.rtpmap(pt))).find_map(|pt| {
        let mask = m.fmtp(pt).map_or(DEFAULT_EVENTS, parse_events) & OUR_EVENTS;
        (mask != 0).then_some((pt, mask))
    })
}

/// The events 0–31 named by a telephone-event fmtp (`0-15,66,70-72`); malformed pieces and
/// events above 31 are left out (we only use 0–16).
fn parse_events(params: &str) -> u32 {
    let mut mask = 0u32;
    for piece in params.split(',') {
        let piece = piece.trim();
        let (lo, hi) = match piece.split_once('-') {
            Some((lo, hi)) => (lo.trim().parse::<u32>(), hi.trim().parse::<u32>()),
            None => (piece.parse::<u32>(), piece.parse::<u32>()),
        };
        if let (Ok(lo), Ok(hi)) = (lo, hi) {
            for event in lo..=hi.min(31) {
                mask |= 1 << event;
            }
        }
    }
    mask
}

/// An event mask written as ranges (`0-16`, `0-11,16`).
fn format_events(mask: u32) -> String {
    let mut out = String::new();
    let mut event = 0;
    while event < 32 {
        if mask & (1 << event) == 0 {
            event += 1;
            continue;
        }
        let start = event;
        while event + 1 < 32 && mask & (1 << (event + 1)) != 0 {
            event += 1;
        }
        if !out.is_empty() {
            out.push(',');
        }
        if start == event {
            out.push_str(&start.to_string());
        } else {
            out.push_str(&format!("{start}-{event}"));
        }
        event += 1;
    }
    out
}

fn codec_map(codec: G711, payload_type: u8) -> RtpMap {
    RtpMap { payload_type, encoding: codec.encoding_name().to_string(), clock_rate: CLOCK_RATE, channels: None }
}

fn event_map(payload_type: u8) -> RtpMap {
    RtpMap { payload_type, encoding: "telephone-event".to_string(), clock_rate: CLOCK_RATE, channels: None }
}

/// A rejected stream (RFC 3264 §6): port 0, the offered formats, no attributes.
fn rejected(offered: &MediaDescription) -> MediaDescription {
    MediaDescription {
        media: offered.media.clone(),
        port: 0,
        port_count: None,
        protocol: offered.protocol.clone(),
        formats: offered.formats.clone(),
        connection: None,
        attributes: Vec::new(),
        other_lines: Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn event_lists_parse_and_format() {
        assert_eq!(parse_events("0-15"), 0xFFFF);
        assert_eq!(parse_events("0-16"), 0x1_FFFF);
        assert_eq!(parse_events(" 0-11 , 16,66,200-300"), 0xFFF | 1 << 16);
        assert_eq!(parse_events("junk,3-x,5"), 1 << 5);
        assert_eq!(format_events(0x1_FFFF), "0-16");
        assert_eq!(format_events(0xFFF | 1 << 16), "0-11,16");
        assert_eq!(format_events(1 << 3 | 1 << 5 | 1 << 6), "3,5-6");
        assert_eq!(format_events(0), "");
    }
}
