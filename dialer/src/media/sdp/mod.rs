//! SDP (RFC 4566) session descriptions and the RFC 3264 offer/answer of one audio stream.
//!
//! - [`SessionDescription::parse`] reads what peers send (LF or CRLF lines, attributes in any
//!   order, unknown attributes kept); a malformed line is an [`SdpParseError`] that names it.
//! - `Display` writes a description back (CRLF lines, RFC 4566 order).
//! - [`offer`] builds our offer: PCMU, PCMA and telephone-event 101.
//! - [`answer`] answers a peer's offer; [`accept_answer`] reads the answer to ours. Both say
//!   what was agreed as a [`Negotiated`] stream: codec, payload types, where to send, direction.
//!
//! Only what a dialer needs is typed: connection addresses, `m=` lines, `a=rtpmap`, `a=fmtp`,
//! `a=ptime` and the direction attributes. Every other attribute survives a parse/write round
//! trip as an [`Attribute::Other`]; other line types (`i=`, `b=`, `k=` …) are kept as
//! [`Line`]s.
//!
//! ```
//! use dialer::media::G711;
//! use dialer::media::sdp::{accept_answer, answer, offer, LocalMedia, SessionDescription};
//! // The dialer offers in its INVITE …
//! let dialer = LocalMedia::new("192.0.2.1".parse().unwrap(), 40000, 1);
//! let ours = offer(&dialer);
//! // … the callee answers what it received (here: A-law only) …
//! let mut callee = LocalMedia::new("198.51.100.7".parse().unwrap(), 30000, 9);
//! callee.codecs = vec![G711::Pcma];
//! let received = SessionDescription::parse(&ours.to_string()).unwrap();
//! let reply = answer(&received, &callee).unwrap();
//! assert_eq!(reply.audio.unwrap().codec, G711::Pcma);
//! // … and the dialer reads the 200 OK's body.
//! let body = reply.sdp.to_string();
//! let agreed = accept_answer(&ours, &SessionDescription::parse(&body).unwrap()).unwrap().unwrap();
//! assert_eq!((agreed.codec, agreed.telephone_event), (G711::Pcma, Some(101)));
//! assert_eq!(agreed.remote, Some("198.51.100.7:30000".parse().unwrap()));
//! ```

mod negotiate;
mod parse;

#[cfg(test)]
mod tests;

pub use negotiate::{Answer, AnswerError, LocalMedia, Negotiated, OfferError, accept_answer, answer, offer};
pub use parse::{LineProblem, SdpParseError};

use std::fmt;
use std::net::IpAddr;

/// A whole session description: the session-level lines, then one [`MediaDescription`] per
/// `m=` line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SessionDescription {
    /// `o=`: who made the description, and its version.
    pub origin: Origin,
    /// `s=`: the session name (`-` for SIP calls, which have none).
    pub session_name: String,
    /// `c=` at session level: the default address of every stream.
    pub connection: Option<Connection>,
    /// `t=`: start and stop times (NTP seconds); `0 0` for a call, which is unbounded.
    pub timing: (u64, u64),
    /// Session-level attributes (a direction here applies to every stream without its own).
    pub attributes: Vec<Attribute>,
    /// Other session-level lines (`i=`, `u=`, `e=`, `p=`, `b=`, `r=`, `z=`, `k=`), in order.
    pub other_lines: Vec<Line>,
    /// The streams, in `m=` order (an answer has as many, in the same order, as its offer).
    pub media: Vec<MediaDescription>,
}

/// The `o=` line: `username sess-id sess-version nettype addrtype address`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Origin {
    /// The user name (`-` when there is none).
    pub username: String,
    /// A number unique to the session, fixed for its life.
    pub session_id: u64,
    /// Increased each time the description changes (a re-INVITE's new offer).
    pub session_version: u64,
    /// The network type, `IN` in practice.
    pub network_type: String,
    /// `IP4` or `IP6`.
    pub address_type: String,
    /// The originating host: an address or a name, kept as written.
    pub address: String,
}

impl Origin {
    /// An `IN IP4`/`IN IP6` origin for our own descriptions.
    pub fn new(username: &str, session_id: u64, session_version: u64, address: IpAddr) -> Origin {
        Origin {
            username: username.to_string(),
            session_id,
            session_version,
            network_type: "IN".to_string(),
            address_type: address_type(address).to_string(),
            address: address.to_string(),
        }
    }
}

fn address_type(address: IpAddr) -> &'static str {
    match address {
        IpAddr::V4(_) => "IP4",
        IpAddr::V6(_) => "IP6",
    }
}

/// A `c=` line: where a stream's media goes (`IN IP4 192.0.2.1`, `IN IP6 2001:db8::1`). A
/// multicast TTL or count suffix (`/127`) is not kept: calls are unicast.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Connection {
    /// The address; its family gives the `IP4`/`IP6` address type.
    pub address: IpAddr,
}

impl Connection {
    /// Whether this is `0.0.0.0` (or `::`): the RFC 2543 way of putting a call on hold, "do not
    /// send me media", still used by older phones and PBXs.
    pub fn is_hold(&self) -> bool {
        self.address.is_unspecified()
    }
}

/// One `m=` section: the media line and the lines under it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MediaDescription {
    /// The media type: `audio`, `video`, `image` (T.38 fax), …
    pub media: String,
    /// The transport port; 0 rejects or disables the stream.
    pub port: u16,
    /// The `/count` after the port, if any (rare: layered multicast).
    pub port_count: Option<u16>,
    /// The transport protocol: `RTP/AVP` for plain RTP, `RTP/SAVP` for SRTP, `udptl` for T.38.
    pub protocol: String,
    /// The formats: RTP payload type numbers for RTP protocols (checked to be 0–127), opaque
    /// tokens otherwise.
    pub formats: Vec<String>,
    /// `c=` for this stream, overriding the session's.
    pub connection: Option<Connection>,
    /// The stream's attributes, in order.
    pub attributes: Vec<Attribute>,
    /// Other lines of the section (`i=`, `b=`, `k=`), in order.
    pub other_lines: Vec<Line>,
}

impl MediaDescription {
    /// Whether the protocol carries RTP (so formats are payload type numbers).
    pub fn is_rtp(&self) -> bool {
        self.protocol.split('/').any(|p| p == "RTP")
    }

    /// The formats as RTP payload types (empty for a non-RTP stream).
    pub fn payload_types(&self) -> impl Iterator<Item = u8> + '_ {
        let rtp = self.is_rtp();
        self.formats.iter().filter(move |_| rtp).filter_map(|f| f.parse().ok())
    }

    /// The `a=rtpmap` for a payload type, if the section has one.
    pub fn rtpmap(&self, payload_type: u8) -> Option<&RtpMap> {
        self.attributes.iter().find_map(|a| match a {
            Attribute::RtpMap(map) if map.payload_type == payload_type => Some(map),
            _ => None,
        })
    }

    /// The `a=fmtp` parameters for a payload type, if the section has them.
    pub fn fmtp(&self, payload_type: u8) -> Option<&str> {
        self.attributes.iter().find_map(|a| match a {
            Attribute::Fmtp { payload_type: pt, params } if *pt == payload_type => Some(params.as_str()),
            _ => None,
        })
    }

    /// The `a=ptime` (milliseconds of media per packet the receiver would like), if any.
    pub fn ptime(&self) -> Option<u32> {
        self.attributes.iter().find_map(|a| match a {
            Attribute::Ptime(ms) => Some(*ms),
            _ => None,
        })
    }

    /// The section's own direction attribute, if it has one (see
    /// [`SessionDescription::direction`] for the one in force).
    pub fn direction(&self) -> Option<Direction> {
        find_direction(&self.attributes)
    }
}

fn find_direction(attributes: &[Attribute]) -> Option<Direction> {
    attributes.iter().find_map(|a| match a {
        Attribute::Direction(d) => Some(*d),
        _ => None,
    })
}

impl SessionDescription {
    /// The connection in force for stream `index`: its own `c=`, else the session's.
    pub fn connection_of(&self, index: usize) -> Option<Connection> {
        self.media.get(index).and_then(|m| m.connection).or(self.connection)
    }

    /// The direction in force for stream `index`: its own attribute, else the session's, else
    /// `sendrecv` (RFC 4566 §6).
    pub fn direction(&self, index: usize) -> Direction {
        self.media
            .get(index)
            .and_then(MediaDescription::direction)
            .or_else(|| find_direction(&self.attributes))
            .unwrap_or(Direction::SendRecv)
    }
}

/// `a=rtpmap:<payload type> <encoding>/<clock rate>[/<channels>]`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RtpMap {
    /// The payload type it names.
    pub payload_type: u8,
    /// The encoding name (`PCMU`, `telephone-event`, `opus`, …), as written.
    pub encoding: String,
    /// The RTP clock rate in Hz.
    pub clock_rate: u32,
    /// The channel count for audio, if given.
    pub channels: Option<u16>,
}

/// Which way media flows on a stream, from the point of view of the description's author.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Direction {
    /// `a=sendrecv`: both ways (the default).
    SendRecv,
    /// `a=sendonly`: the author sends, and will not receive (putting the other side on hold).
    SendOnly,
    /// `a=recvonly`: the author receives only.
    RecvOnly,
    /// `a=inactive`: neither.
    Inactive,
}

impl Direction {
    /// The attribute name.
    pub const fn as_str(self) -> &'static str {
        match self {
            Direction::SendRecv => "sendrecv",
            Direction::SendOnly => "sendonly",
            Direction::RecvOnly => "recvonly",
            Direction::Inactive => "inactive",
        }
    }

    /// The direction an attribute name stands for.
    pub fn from_name(name: &str) -> Option<Direction> {
        [Direction::SendRecv, Direction::SendOnly, Direction::RecvOnly, Direction::Inactive]
            .into_iter()
            .find(|d| d.as_str() == name)
    }

    /// The direction with these capabilities.
    pub const fn from_flags(sends: bool, receives: bool) -> Direction {
        match (sends, receives) {
            (true, true) => Direction::SendRecv,
            (true, false) => Direction::SendOnly,
            (false, true) => Direction::RecvOnly,
            (false, false) => Direction::Inactive,
        }
    }

    /// Whether the author sends media.
    pub const fn sends(self) -> bool {
        matches!(self, Direction::SendRecv | Direction::SendOnly)
    }

    /// Whether the author receives media.
    pub const fn receives(self) -> bool {
        matches!(self, Direction::SendRecv | Direction::RecvOnly)
    }

    /// The same flow seen from the other side: `sendonly` ↔ `recvonly` (RFC 3264 §6.1).
    pub const fn reverse(self) -> Direction {
        Direction::from_flags(self.receives(), self.sends())
    }

    /// What both allow: sending only if both allow sending, receiving likewise.
    pub const fn intersect(self, other: Direction) -> Direction {
        Direction::from_flags(self.sends() && other.sends(), self.receives() && other.receives())
    }
}

/// One `a=` line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Attribute {
    /// `a=rtpmap:…`.
    RtpMap(RtpMap),
    /// `a=fmtp:<payload type> <parameters>`; the parameters are kept as written.
    Fmtp {
        /// The payload type the parameters are for.
        payload_type: u8,
        /// The format-specific parameters (`0-16` for telephone-event).
        params: String,
    },
    /// `a=ptime:<ms>`.
    Ptime(u32),
    /// `a=sendrecv`, `a=sendonly`, `a=recvonly` or `a=inactive`.
    Direction(Direction),
    /// Any other attribute, kept as written: `a=name` or `a=name:value`.
    Other {
        /// The attribute name.
        name: String,
        /// The value after the first `:`, if any.
        value: Option<String>,
    },
}

/// A line of a type this module does not interpret (`b=AS:64`), kept to be written back.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Line {
    /// The type letter.
    pub kind: char,
    /// Everything after `=`.
    pub value: String,
}

impl fmt::Display for Connection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut s = String::with_capacity(24);
        write_connection(&mut s, self);
        f.write_str(&s)
    }
}

impl fmt::Display for Attribute {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut s = String::with_capacity(32);
        write_attribute(&mut s, self);
        f.write_str(&s)
    }
}

/// The description as sent: CRLF lines in RFC 4566 §5's order (see [`SessionDescription::write`]).
impl fmt::Display for SessionDescription {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_text())
    }
}

impl SessionDescription {
    /// Appends the description as sent to `out`: CRLF lines in RFC 4566 §5's order. Written with
    /// `push_str` and [`itoa`] rather than `write!`: the emulated callee writes one per answered
    /// call, and the formatting machinery was a tenth of its instructions under load.
    pub fn write(&self, out: &mut String) {
        let o = &self.origin;
        out.push_str("v=0\r\no=");
        out.push_str(&o.username);
        out.push(' ');
        out.push_str(itoa::Buffer::new().format(o.session_id));
        out.push(' ');
        out.push_str(itoa::Buffer::new().format(o.session_version));
        for part in [&o.network_type, &o.address_type, &o.address] {
            out.push(' ');
            out.push_str(part);
        }
        out.push_str("\r\ns=");
        out.push_str(&self.session_name);
        out.push_str("\r\n");
        write_lines(out, &self.other_lines, "iuep");
        write_connection_line(out, self.connection.as_ref());
        write_lines(out, &self.other_lines, "b");
        out.push_str("t=");
        out.push_str(itoa::Buffer::new().format(self.timing.0));
        out.push(' ');
        out.push_str(itoa::Buffer::new().format(self.timing.1));
        out.push_str("\r\n");
        write_lines(out, &self.other_lines, "trzk");
        write_attributes(out, &self.attributes);
        for m in &self.media {
            out.push_str("m=");
            out.push_str(&m.media);
            out.push(' ');
            out.push_str(itoa::Buffer::new().format(m.port));
            if let Some(count) = m.port_count {
                out.push('/');
                out.push_str(itoa::Buffer::new().format(count));
            }
            out.push(' ');
            out.push_str(&m.protocol);
            for format in &m.formats {
                out.push(' ');
                out.push_str(format);
            }
            out.push_str("\r\n");
            write_lines(out, &m.other_lines, "i");
            write_connection_line(out, m.connection.as_ref());
            write_lines(out, &m.other_lines, "bk");
            write_attributes(out, &m.attributes);
        }
    }

    /// [`write`](Self::write) into a new string.
    pub fn to_text(&self) -> String {
        let mut out = String::with_capacity(256);
        self.write(&mut out);
        out
    }

    /// [`write`](Self::write) as a message body.
    pub fn to_bytes(&self) -> Vec<u8> {
        self.to_text().into_bytes()
    }
}

/// A `c=` line, if there is a connection.
fn write_connection_line(out: &mut String, c: Option<&Connection>) {
    if let Some(c) = c {
        out.push_str("c=");
        write_connection(out, c);
        out.push_str("\r\n");
    }
}

fn write_connection(out: &mut String, c: &Connection) {
    out.push_str("IN ");
    out.push_str(address_type(c.address));
    out.push(' ');
    match c.address {
        IpAddr::V4(ip) => {
            for (i, octet) in ip.octets().into_iter().enumerate() {
                if i > 0 {
                    out.push('.');
                }
                out.push_str(itoa::Buffer::new().format(octet));
            }
        }
        IpAddr::V6(ip) => {
            use fmt::Write as _;
            // Writing into a String cannot fail.
            let _ = write!(out, "{ip}");
        }
    }
}

fn write_attributes(out: &mut String, attributes: &[Attribute]) {
    for a in attributes {
        out.push_str("a=");
        write_attribute(out, a);
        out.push_str("\r\n");
    }
}

fn write_attribute(out: &mut String, a: &Attribute) {
    let mut num = itoa::Buffer::new();
    match a {
        Attribute::RtpMap(m) => {
            out.push_str("rtpmap:");
            out.push_str(num.format(m.payload_type));
            out.push(' ');
            out.push_str(&m.encoding);
            out.push('/');
            out.push_str(num.format(m.clock_rate));
            if let Some(ch) = m.channels {
                out.push('/');
                out.push_str(num.format(ch));
            }
        }
        Attribute::Fmtp { payload_type, params } => {
            out.push_str("fmtp:");
            out.push_str(num.format(*payload_type));
            out.push(' ');
            out.push_str(params);
        }
        Attribute::Ptime(ms) => {
            out.push_str("ptime:");
            out.push_str(num.format(*ms));
        }
        Attribute::Direction(d) => out.push_str(d.as_str()),
        Attribute::Other { name, value } => {
            out.push_str(name);
            if let Some(value) = value {
                out.push(':');
                out.push_str(value);
            }
        }
    }
}

/// Writes the lines of `lines` whose type is in `kinds`, in their stored order.
fn write_lines(out: &mut String, lines: &[Line], kinds: &str) {
    for line in lines.iter().filter(|l| kinds.contains(l.kind)) {
        out.push(line.kind);
        out.push('=');
        out.push_str(&line.value);
        out.push_str("\r\n");
    }
}
