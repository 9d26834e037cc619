//! Reading SDP text: line by line, each line checked on its own, errors naming the line.
//!
//! Lenient where real peers differ (LF or CRLF, blank lines, session lines in any order,
//! unknown attributes), strict where RFC 4566 is (`v=0` first, one `o=`, `s=` and `t=`, an
//! unknown line type rejects the description) and where a mistake would misroute media (`c=`
//! addresses, ports, payload types).

use super::{Attribute, Connection, Direction, Line, MediaDescription, Origin, RtpMap, SessionDescription};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// Why a body is not a session description we can use.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum SdpParseError {
    /// No lines at all.
    #[error("SDP is empty; a description starts with `v=0`")]
    Empty,
    /// One line is malformed or out of place.
    #[error("SDP line {line} `{text}`: {problem}")]
    Line {
        /// The 1-based line number (blank lines counted).
        line: usize,
        /// The line (cut at 80 characters).
        text: String,
        /// What is wrong with it.
        problem: LineProblem,
    },
    /// A line RFC 4566 requires is missing.
    #[error("SDP has no `{0}=` line; RFC 4566 requires one")]
    Missing(char),
}

/// What is wrong with one line of SDP.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum LineProblem {
    /// Not `<letter>=<value>`.
    #[error("not of the form `x=value` with a lowercase type letter")]
    Syntax,
    /// The bytes are not UTF-8.
    #[error("not UTF-8 text")]
    Encoding,
    /// The description does not start with `v=`.
    #[error("the first line must be `v=0`")]
    NotFirstVersion,
    /// `v=` is not 0.
    #[error("SDP version must be 0 (the only one RFC 4566 defines)")]
    Version,
    /// A type letter RFC 4566 does not define.
    #[error("unknown line type `{0}=`; RFC 4566 says a description with one must be ignored")]
    UnknownType(char),
    /// A line that may appear once appears again.
    #[error("a second `{0}=` line where only one is allowed")]
    Repeated(char),
    /// A session-level line inside a media section.
    #[error("`{0}=` belongs to the session part, before the first `m=`")]
    Misplaced(char),
    /// The wrong number or shape of fields.
    #[error("expected {0}")]
    Fields(&'static str),
    /// A field that should be a number is not, or is out of range.
    #[error("`{0}` is not a number in range")]
    Number(String),
    /// A connection address that is not an address of its stated family.
    #[error("`{0}` is not an address of the stated type (IP4 or IP6; host names are not supported)")]
    Address(String),
    /// An RTP format that is not a payload type number.
    #[error("`{0}` is not an RTP payload type (0-127)")]
    PayloadType(String),
}

const ORIGIN_SHAPE: &str = "`o=<username> <session id> <version> IN IP4|IP6 <address>`";
const CONNECTION_SHAPE: &str = "`c=IN IP4|IP6 <address>`";
const TIMING_SHAPE: &str = "`t=<start> <stop>`";
const MEDIA_SHAPE: &str = "`m=<media> <port>[/<count>] <protocol> <format> …`";
const RTPMAP_SHAPE: &str = "`a=rtpmap:<payload type> <encoding>/<clock rate>[/<channels>]`";

impl SessionDescription {
    /// Parses a description from text (LF or CRLF line ends; blank lines ignored).
    pub fn parse(text: &str) -> Result<SessionDescription, SdpParseError> {
        Parser::default().run(text)
    }

    /// Parses a SIP body: like [`parse`](Self::parse), but bytes that are not UTF-8 are an error
    /// naming their line.
    pub fn parse_bytes(body: &[u8]) -> Result<SessionDescription, SdpParseError> {
        match std::str::from_utf8(body) {
            Ok(text) => SessionDescription::parse(text),
            Err(e) => {
                let before = &body[..e.valid_up_to()];
                let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
                let start = before.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
                let end = body[start..].iter().position(|&b| b == b'\n').map_or(body.len(), |i| start + i);
                let text = String::from_utf8_lossy(&body[start..end]);
                Err(line_error(line, text.trim_end_matches('\r'), LineProblem::Encoding))
            }
        }
    }
}

impl std::str::FromStr for SessionDescription {
    type Err = SdpParseError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        SessionDescription::parse(text)
    }
}

fn line_error(line: usize, text: &str, problem: LineProblem) -> SdpParseError {
    let text = match text.char_indices().nth(80) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text.to_string(),
    };
    SdpParseError::Line { line, text, problem }
}

#[derive(Default)]
struct Parser {
    version_seen: bool,
    origin: Option<Origin>,
    session_name: Option<String>,
    connection: Option<Connection>,
    timing: Option<(u64, u64)>,
    attributes: Vec<Attribute>,
    other_lines: Vec<Line>,
    media: Vec<MediaDescription>,
}

impl Parser {
    fn run(mut self, text: &str) -> Result<SessionDescription, SdpParseError> {
        for (i, raw) in text.split('\n').enumerate() {
            let line = raw.strip_suffix('\r').unwrap_or(raw);
            if line.is_empty() {
                continue;
            }
            self.line(line).map_err(|problem| line_error(i + 1, line, problem))?;
        }
        if !self.version_seen {
            return Err(SdpParseError::Empty);
        }
        Ok(SessionDescription {
            origin: self.origin.ok_or(SdpParseError::Missing('o'))?,
            session_name: self.session_name.ok_or(SdpParseError::Missing('s'))?,
            connection: self.connection,
            timing: self.timing.ok_or(SdpParseError::Missing('t'))?,
            attributes: self.attributes,
            other_lines: self.other_lines,
            media: self.media,
        })
    }

    fn line(&mut self, line: &str) -> Result<(), LineProblem> {
        let bytes = line.as_bytes();
        if bytes.len() < 2 || bytes[1] != b'=' || !bytes[0].is_ascii_lowercase() {
            return Err(LineProblem::Syntax);
        }
        let kind = bytes[0] as char;
        let value = &line[2..];
        if !self.version_seen {
            if kind != 'v' {
                return Err(LineProblem::NotFirstVersion);
            }
            if value.trim() != "0" {
                return Err(LineProblem::Version);
            }
            self.version_seen = true;
            return Ok(());
        }
        let in_media = !self.media.is_empty();
        if in_media && "ostuepzr".contains(kind) {
            return Err(LineProblem::Misplaced(kind));
        }
        match kind {
            'v' => return Err(LineProblem::Repeated('v')),
            'o' => set_once(&mut self.origin, parse_origin(value)?, 'o')?,
            's' => set_once(&mut self.session_name, value.to_string(), 's')?,
            'c' => {
                let connection = parse_connection(value)?;
                match self.media.last_mut() {
                    Some(m) => set_once(&mut m.connection, connection, 'c')?,
                    None => set_once(&mut self.connection, connection, 'c')?,
                }
            }
            't' => {
                let timing = parse_timing(value)?;
                // Further `t=` lines (more active periods) are legal; a call uses the first.
                if self.timing.is_none() {
                    self.timing = Some(timing);
                } else {
                    self.other_lines.push(Line { kind, value: value.to_string() });
                }
            }
            'm' => self.media.push(parse_media(value)?),
            'a' => {
                let attribute = parse_attribute(value)?;
                match self.media.last_mut() {
                    Some(m) => m.attributes.push(attribute),
                    None => self.attributes.push(attribute),
                }
            }
            'i' | 'u' | 'e' | 'p' | 'b' | 'r' | 'z' | 'k' => {
                let line = Line { kind, value: value.to_string() };
                match self.media.last_mut() {
                    Some(m) => m.other_lines.push(line),
                    None => self.other_lines.push(line),
                }
            }
            other => return Err(LineProblem::UnknownType(other)),
        }
        Ok(())
    }
}

fn set_once<T>(slot: &mut Option<T>, value: T, kind: char) -> Result<(), LineProblem> {
    if slot.is_some() {
        return Err(LineProblem::Repeated(kind));
    }
    *slot = Some(value);
    Ok(())
}

fn number<T: std::str::FromStr>(field: &str) -> Result<T, LineProblem> {
    field.parse().map_err(|_| LineProblem::Number(field.to_string()))
}

fn payload_type(field: &str) -> Result<u8, LineProblem> {
    match field.parse::<u8>() {
        Ok(pt) if pt <= 127 => Ok(pt),
        _ => Err(LineProblem::PayloadType(field.to_string())),
    }
}

fn parse_origin(value: &str) -> Result<Origin, LineProblem> {
    let fields: Vec<&str> = value.split_whitespace().collect();
    let [username, id, version, network_type, address_type, address] = fields[..] else {
        return Err(LineProblem::Fields(ORIGIN_SHAPE));
    };
    Ok(Origin {
        username: username.to_string(),
        session_id: number(id)?,
        session_version: number(version)?,
        network_type: network_type.to_string(),
        address_type: address_type.to_string(),
        address: address.to_string(),
    })
}

fn parse_connection(value: &str) -> Result<Connection, LineProblem> {
    let fields: Vec<&str> = value.split_whitespace().collect();
    let [network_type, address_type, address] = fields[..] else {
        return Err(LineProblem::Fields(CONNECTION_SHAPE));
    };
    if network_type != "IN" {
        return Err(LineProblem::Fields(CONNECTION_SHAPE));
    }
    // A multicast address may carry `/ttl[/count]`; calls are unicast, so only the address counts.
    let host = address.split('/').next().unwrap_or(address);
    let address = match address_type {
        "IP4" => host.parse::<Ipv4Addr>().map(IpAddr::V4),
        "IP6" => host.parse::<Ipv6Addr>().map(IpAddr::V6),
        _ => return Err(LineProblem::Fields(CONNECTION_SHAPE)),
    }
    .map_err(|_| LineProblem::Address(host.to_string()))?;
    Ok(Connection { address })
}

fn parse_timing(value: &str) -> Result<(u64, u64), LineProblem> {
    let fields: Vec<&str> = value.split_whitespace().collect();
    let [start, stop] = fields[..] else {
        return Err(LineProblem::Fields(TIMING_SHAPE));
    };
    Ok((number(start)?, number(stop)?))
}

fn parse_media(value: &str) -> Result<MediaDescription, LineProblem> {
    let fields: Vec<&str> = value.split_whitespace().collect();
    let [media, port, protocol, formats @ ..] = &fields[..] else {
        return Err(LineProblem::Fields(MEDIA_SHAPE));
    };
    if formats.is_empty() {
        return Err(LineProblem::Fields(MEDIA_SHAPE));
    }
    let (port, port_count) = match port.split_once('/') {
        Some((port, count)) => (number(port)?, Some(number(count)?)),
        None => (number(port)?, None),
    };
    let mut description = MediaDescription {
        media: media.to_string(),
        port,
        port_count,
        protocol: protocol.to_string(),
        formats: formats.iter().map(|f| f.to_string()).collect(),
        connection: None,
        attributes: Vec::new(),
        other_lines: Vec::new(),
    };
    if description.is_rtp() {
        for format in formats {
            payload_type(format)?;
        }
    }
    description.formats.shrink_to_fit();
    Ok(description)
}

fn parse_attribute(value: &str) -> Result<Attribute, LineProblem> {
    let (name, rest) = match value.split_once(':') {
        Some((name, rest)) => (name, Some(rest)),
        None => (value, None),
    };
    let attribute = match (name, rest) {
        ("rtpmap", Some(rest)) => Attribute::RtpMap(parse_rtpmap(rest)?),
        ("fmtp", Some(rest)) => {
            let (format, params) = rest.trim_start().split_once(char::is_whitespace).unwrap_or((rest.trim(), ""));
            match format.parse::<u8>() {
                // An fmtp of a non-RTP format (`a=fmtp:t38 …`) stays opaque.
                Err(_) => Attribute::Other { name: name.to_string(), value: Some(rest.to_string()) },
                Ok(_) => Attribute::Fmtp { payload_type: payload_type(format)?, params: params.trim().to_string() },
            }
        }
        ("ptime", Some(rest)) => {
            let rest = rest.trim();
            // Some phones write `a=ptime:20.0`.
            let ms = match rest.parse::<u32>() {
                Ok(ms) => ms,
                Err(_) => match rest.parse::<f64>() {
                    Ok(ms) if (1.0..=10_000.0).contains(&ms) => ms.round() as u32,
                    _ => return Err(LineProblem::Number(rest.to_string())),
                },
            };
            Attribute::Ptime(ms)
        }
        (name, None) if Direction::from_name(name).is_some() => {
            // Just checked that the name is a direction.
            Attribute::Direction(Direction::from_name(name).expect("checked"))
        }
        (name, rest) => Attribute::Other { name: name.to_string(), value: rest.map(str::to_string) },
    };
    Ok(attribute)
}

fn parse_rtpmap(rest: &str) -> Result<RtpMap, LineProblem> {
    let (pt, encoding) = rest.trim().split_once(char::is_whitespace).ok_or(LineProblem::Fields(RTPMAP_SHAPE))?;
    let payload_type = payload_type(pt)?;
    let mut parts = encoding.trim().split('/');
    let (Some(name), Some(rate)) = (parts.next(), parts.next()) else {
        return Err(LineProblem::Fields(RTPMAP_SHAPE));
    };
    if name.is_empty() {
        return Err(LineProblem::Fields(RTPMAP_SHAPE));
    }
    let channels = parts.next().map(number).transpose()?;
    if parts.next().is_some() {
        return Err(LineProblem::Fields(RTPMAP_SHAPE));
    }
    Ok(RtpMap { payload_type, encoding: name.to_string(), clock_rate: number(rate)?, channels })
}
