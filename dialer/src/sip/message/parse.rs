//! Bytes → `rsip::SipMessage`: our own tokenizer and the checks an endpoint needs before it
//! trusts a message.
//!
//! rsip's tokenizer ignores Content-Length, does not unfold continuation lines, keeps compact
//! header names as unknown headers and fails on IPv6 and `tel:` Request-URIs. So we split the
//! message ourselves and build rsip's structs directly; header values stay raw strings in rsip's
//! untyped headers (re-serialised verbatim), and the headers the upper layers rely on are checked
//! here with our own parsers (see [`validate`]).

use rsip::{Header, Headers, Method, Request, Response, SipMessage, StatusCode, Version};

use super::access::{parse_cseq, parse_max_forwards};
use super::headers::{header_from_wire, name_value};
use super::lex::{is_token, is_wsp, split_at_byte, split_byte, trim_wsp};
use super::name_addr::{NameAddrError, check_name_addr, check_name_addr_list};
use super::uri::{UriError, parse_uri};
use super::via::check_via_list;

/// Why a message was refused. A malformed request is answered with [`ParseError::status`] when
/// enough of it is readable (see [`super::reject`]); a malformed response is dropped.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ParseError {
    /// No blank line ends the header section (or, on a datagram, the message is cut short).
    #[error("the header section is not terminated by an empty line")]
    Incomplete,
    /// The first line is neither `METHOD SP URI SP SIP/x.y` nor `SIP/x.y SP code SP reason`, with
    /// single spaces (RFC 4475 `lwsstart`, `trws`, `lwsruri`).
    #[error("the start line is malformed")]
    BadStartLine,
    /// A version other than SIP/2.0: answer 505 (RFC 4475 `badvers`).
    #[error("unsupported SIP version {0}")]
    UnsupportedVersion(String),
    /// A well-formed request whose method rsip 0.4 cannot represent (its `Method` is a closed
    /// enum); answer 501 Not Implemented (RFC 4475 `intmeth`, `esc02`).
    #[error("method {0:?} is not implemented")]
    UnknownMethod(String),
    /// The status code is not three digits from 100 to 699 (RFC 4475 `bigcode`).
    #[error("the status code is not a number from 100 to 699")]
    BadStatusCode,
    /// A header line has no colon, an empty or non-token name, or starts with white space
    /// where there is no line to continue.
    #[error("header line {line} is malformed")]
    BadHeaderLine {
        /// 1-based line number within the message.
        line: usize,
    },
    /// The header section is not UTF-8 (rsip keeps header values as `String`s).
    #[error("the header section is not valid UTF-8")]
    NotUtf8,
    /// The Request-URI is malformed or carries `?headers` (RFC 4475 `escruri`, `ltgtruri`).
    #[error("bad Request-URI: {0}")]
    BadRequestUri(UriError),
    /// The Request-URI has `?headers`, which RFC 3261 §19.1.5 forbids there.
    #[error("the Request-URI carries URI headers")]
    HeadersInRequestUri,
    /// A header every request and response needs (To, From, Call-ID, CSeq, Via) is missing
    /// (RFC 4475 `insuf`).
    #[error("mandatory header {0} is missing")]
    MissingHeader(&'static str),
    /// A header that may appear once appears more than once (RFC 4475 `multi01`, `mcl01`).
    #[error("header {0} appears more than once")]
    DuplicateHeader(&'static str),
    /// A header value the upper layers rely on does not parse.
    #[error("header {name} is malformed: {reason}")]
    BadHeader {
        /// The header's canonical name.
        name: &'static str,
        /// What is wrong with it.
        reason: String,
    },
    /// The CSeq method differs from the request method (RFC 4475 `mismatch01`).
    #[error("the CSeq method differs from the request method")]
    CSeqMismatch,
    /// Content-Length is not a non-negative decimal number (RFC 4475 `ncl`).
    #[error("Content-Length is not a non-negative number")]
    BadContentLength,
    /// Content-Length says more bytes than the datagram holds (RFC 4475 `clerr`; RFC 3261 §18.3:
    /// answer 400).
    #[error("Content-Length is {declared} but only {available} body bytes arrived")]
    BodyTooShort {
        /// What Content-Length says.
        declared: usize,
        /// What follows the header section.
        available: usize,
    },
}

impl ParseError {
    /// The response code to send back when the refused message was a request: 505 for a bad
    /// version, 501 for a method we do not know, 400 for everything else.
    pub fn status(&self) -> u16 {
        match self {
            ParseError::UnsupportedVersion(_) => 505,
            ParseError::UnknownMethod(_) => 501,
            _ => 400,
        }
    }
}

/// Headers that may appear at most once (RFC 3261 §7.3.1: only list headers may repeat).
const SINGLE: [&str; 7] = ["To", "From", "Call-ID", "CSeq", "Max-Forwards", "Content-Length", "Content-Type"];

/// Parses one complete message as it arrived in a datagram or as a [`super::StreamFramer`]
/// framed it: Content-Length (if any) bounds the body, bytes after it are ignored (RFC 3261
/// §18.3); a body shorter than Content-Length is an error; without Content-Length the body runs
/// to the end of the input (allowed on UDP only, which the framer enforces for streams).
pub fn parse(bytes: &[u8]) -> Result<SipMessage, ParseError> {
    let head_end = head_end(bytes).ok_or(ParseError::Incomplete)?;
    let head = std::str::from_utf8(&bytes[..head_end]).map_err(|_| ParseError::NotUtf8)?;
    let rest = &bytes[head_end + 4..];
    // `crlf_lines` always yields at least one line.
    let start_line = crlf_lines(head).next().unwrap_or(head);
    let header_text = head[start_line.len()..].strip_prefix("\r\n").unwrap_or("");
    let start = parse_start_line(start_line)?;
    let headers = split_headers(header_text)?;
    let body = body_of(&headers, rest)?;
    match start {
        StartLine::Request { method, uri } => {
            validate(&headers, Some(method))?;
            let parsed = parse_uri(uri).map_err(ParseError::BadRequestUri)?;
            if parsed.headers.is_some() {
                return Err(ParseError::HeadersInRequestUri);
            }
            let method = method_from_token(method).ok_or_else(|| ParseError::UnknownMethod(method.to_owned()))?;
            let headers = Headers::from(headers);
            Ok(SipMessage::Request(Request { method, uri: parsed.uri, version: Version::V2, headers, body }))
        }
        StartLine::Response { code, reason } => {
            validate(&headers, None)?;
            let status_code = match StatusCode::from(code) {
                StatusCode::Other(code, _) => StatusCode::Other(code, reason.to_owned()),
                known => known,
            };
            let headers = Headers::from(headers);
            Ok(SipMessage::Response(Response { status_code, version: Version::V2, headers, body }))
        }
    }
}

/// rsip's method for an exact (case-sensitive) SIP method token. rsip's own `FromStr` ignores
/// case, but `invite` is an extension method, not INVITE.
pub fn method_from_token(token: &str) -> Option<Method> {
    Some(match token {
        "ACK" => Method::Ack,
        "BYE" => Method::Bye,
        "CANCEL" => Method::Cancel,
        "INFO" => Method::Info,
        "INVITE" => Method::Invite,
        "MESSAGE" => Method::Message,
        "NOTIFY" => Method::Notify,
        "OPTIONS" => Method::Options,
        "PRACK" => Method::PRack,
        "PUBLISH" => Method::Publish,
        "REFER" => Method::Refer,
        "REGISTER" => Method::Register,
        "SUBSCRIBE" => Method::Subscribe,
        "UPDATE" => Method::Update,
        _ => return None,
    })
}

/// The SIP token of an rsip method (rsip's `Display` gives `PRACK` too, but through a
/// `to_uppercase` allocation on every call).
pub fn method_token(method: &Method) -> &'static str {
    match method {
        Method::Ack => "ACK",
        Method::Bye => "BYE",
        Method::Cancel => "CANCEL",
        Method::Info => "INFO",
        Method::Invite => "INVITE",
        Method::Message => "MESSAGE",
        Method::Notify => "NOTIFY",
        Method::Options => "OPTIONS",
        Method::PRack => "PRACK",
        Method::Publish => "PUBLISH",
        Method::Refer => "REFER",
        Method::Register => "REGISTER",
        Method::Subscribe => "SUBSCRIBE",
        Method::Update => "UPDATE",
    }
}

/// Where the header section ends: the index of the CRLF CRLF after it. A scan for LF checking
/// the bytes before it: cheaper than a substring search on the short inputs SIP has.
pub(crate) fn head_end(bytes: &[u8]) -> Option<usize> {
    let mut from = 3;
    while from < bytes.len() {
        let j = from + memchr::memchr(b'\n', &bytes[from..])?;
        if &bytes[j - 3..=j] == b"\r\n\r\n" {
            return Some(j - 3);
        }
        from = j + 1;
    }
    None
}

/// The lines of a header section (without their CRLFs); a bare LF stays inside its line.
fn crlf_lines(text: &str) -> impl Iterator<Item = &str> {
    let mut rest = Some(text);
    std::iter::from_fn(move || {
        let t = rest?;
        let bytes = t.as_bytes();
        let mut from = 0;
        while let Some(j) = memchr::memchr(b'\n', &bytes[from..]).map(|j| j + from) {
            if j > 0 && bytes[j - 1] == b'\r' {
                rest = Some(&t[j + 1..]);
                return Some(&t[..j - 1]);
            }
            from = j + 1;
        }
        rest = None;
        Some(t)
    })
}

enum StartLine<'a> {
    Request { method: &'a str, uri: &'a str },
    Response { code: u16, reason: &'a str },
}

fn parse_start_line(line: &str) -> Result<StartLine<'_>, ParseError> {
    if let Some(rest) = line.strip_prefix("SIP/") {
        let (version, rest) = split_at_byte(rest, b' ').ok_or(ParseError::BadStartLine)?;
        check_version(version)?;
        let (code, reason) = split_at_byte(rest, b' ').unwrap_or((rest, ""));
        if code.len() != 3 || !code.bytes().all(|b| b.is_ascii_digit()) {
            return Err(ParseError::BadStatusCode);
        }
        // Three digits always fit.
        let code: u16 = code.parse().map_err(|_| ParseError::BadStatusCode)?;
        if !(100..=699).contains(&code) {
            return Err(ParseError::BadStatusCode);
        }
        if reason.bytes().any(|b| b < b' ' && b != b'\t') {
            return Err(ParseError::BadStartLine);
        }
        return Ok(StartLine::Response { code, reason });
    }
    let mut parts = split_byte(line, b' ');
    let (Some(method), Some(uri), Some(version), None) = (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(ParseError::BadStartLine);
    };
    let version = version.strip_prefix("SIP/").ok_or(ParseError::BadStartLine)?;
    if !is_token(method) || uri.is_empty() {
        return Err(ParseError::BadStartLine);
    }
    check_version(version)?;
    Ok(StartLine::Request { method, uri })
}

fn check_version(version: &str) -> Result<(), ParseError> {
    let well_formed = split_at_byte(version, b'.').is_some_and(|(a, b)| {
        !a.is_empty() && !b.is_empty() && (a.bytes().chain(b.bytes())).all(|c| c.is_ascii_digit())
    });
    if !well_formed {
        return Err(ParseError::BadStartLine);
    }
    if version != "2.0" {
        return Err(ParseError::UnsupportedVersion(format!("SIP/{version}")));
    }
    Ok(())
}

/// Splits the header section into rsip headers: continuation lines are unfolded (the CRLF and
/// the white space after it become one space), names are trimmed and compact forms expanded.
fn split_headers(text: &str) -> Result<Vec<Header>, ParseError> {
    let mut headers = Vec::with_capacity(16);
    let mut current: Option<(&str, String)> = None;
    for (i, line) in crlf_lines(text).enumerate() {
        let line_no = i + 2;
        if line.is_empty() && text.is_empty() {
            break;
        }
        if line.as_bytes().first().is_some_and(|&b| is_wsp(b)) {
            let (_, value) = current.as_mut().ok_or(ParseError::BadHeaderLine { line: line_no })?;
            let more = trim_wsp(line);
            if !more.is_empty() {
                if !value.is_empty() {
                    value.push(' ');
                }
                value.push_str(more);
            }
            continue;
        }
        if let Some((name, value)) = current.take() {
            headers.push(header_from_wire(name, value));
        }
        let colon = memchr::memchr(b':', line.as_bytes()).ok_or(ParseError::BadHeaderLine { line: line_no })?;
        let name = trim_wsp(&line[..colon]);
        if !is_token(name) {
            return Err(ParseError::BadHeaderLine { line: line_no });
        }
        current = Some((name, trim_wsp(&line[colon + 1..]).to_owned()));
    }
    if let Some((name, value)) = current {
        headers.push(header_from_wire(name, value));
    }
    Ok(headers)
}

/// The body as Content-Length bounds it (see [`parse`]).
fn body_of(headers: &[Header], rest: &[u8]) -> Result<Vec<u8>, ParseError> {
    let mut declared = None;
    for header in headers {
        if let Header::ContentLength(cl) = header {
            if declared.is_some() {
                return Err(ParseError::DuplicateHeader("Content-Length"));
            }
            declared = Some(parse_content_length(rsip::headers::UntypedHeader::value(cl))?);
        }
    }
    match declared {
        None => Ok(rest.to_vec()),
        Some(n) if n <= rest.len() => Ok(rest[..n].to_vec()),
        Some(n) => Err(ParseError::BodyTooShort { declared: n, available: rest.len() }),
    }
}

/// A Content-Length value: decimal digits only (no sign, no spaces inside).
pub(crate) fn parse_content_length(value: &str) -> Result<usize, ParseError> {
    let value = trim_wsp(value);
    if value.is_empty() || value.len() > 10 || !value.bytes().all(|b| b.is_ascii_digit()) {
        return Err(ParseError::BadContentLength);
    }
    value.parse().map_err(|_| ParseError::BadContentLength)
}

/// The checks an endpoint needs before handing a message up: the headers that identify a
/// transaction and a dialog are present once and parse with our parsers, so the accessors of
/// [`super::MessageExt`] cannot fail on a message that passed. `request_method` is the
/// request's method token (`None` for a response).
fn validate(headers: &[Header], request_method: Option<&str>) -> Result<(), ParseError> {
    let mut counts = [0usize; SINGLE.len()];
    let mut vias = 0;
    for header in headers {
        let (name, value) = name_value(header);
        if let Some(i) = SINGLE.iter().position(|s| *s == name) {
            counts[i] += 1;
            if counts[i] > 1 {
                return Err(ParseError::DuplicateHeader(SINGLE[i]));
            }
        }
        match header {
            Header::Via(_) => {
                vias += check_via_list(value).map_err(|e| bad("Via", e))?;
            }
            Header::To(_) | Header::From(_) => {
                let na = check_name_addr(value).map_err(|e| bad(static_name(name), e))?;
                if na.has_uri_headers() {
                    return Err(bad(static_name(name), NameAddrError::HeadersNeedBrackets));
                }
            }
            Header::Contact(_) if trim_wsp(value) != "*" => {
                check_name_addr_list(value).map_err(|e| bad("Contact", e))?;
            }
            Header::Route(_) | Header::RecordRoute(_) => {
                check_name_addr_list(value).map_err(|e| bad(static_name(name), e))?;
            }
            Header::CallId(_) if value.is_empty() || value.bytes().any(|b| b <= b' ') => {
                return Err(bad("Call-ID", "empty or contains white space"));
            }
            Header::CSeq(_) => {
                let (_, method) = parse_cseq(value).map_err(|e| bad("CSeq", e))?;
                if request_method.is_some_and(|m| m != method) {
                    return Err(ParseError::CSeqMismatch);
                }
            }
            Header::MaxForwards(_) => {
                parse_max_forwards(value).map_err(|e| bad("Max-Forwards", e))?;
            }
            Header::Date(_) if !is_sip_date(value) => {
                return Err(bad("Date", "not an RFC 1123 date in GMT"));
            }
            _ => {}
        }
    }
    for (name, i) in [("To", 0), ("From", 1), ("Call-ID", 2), ("CSeq", 3)] {
        if counts[i] == 0 {
            return Err(ParseError::MissingHeader(name));
        }
    }
    if vias == 0 {
        return Err(ParseError::MissingHeader("Via"));
    }
    Ok(())
}

fn static_name(name: &str) -> &'static str {
    match name {
        "To" => "To",
        "From" => "From",
        "Route" => "Route",
        _ => "Record-Route",
    }
}

fn bad(name: &'static str, reason: impl ToString) -> ParseError {
    ParseError::BadHeader { name, reason: reason.to_string() }
}

/// `Wkday, DD Mon YYYY HH:MM:SS GMT` (RFC 3261 §20.17 allows only GMT; RFC 4475 `baddate`).
fn is_sip_date(value: &str) -> bool {
    const DAYS: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
    const MONTHS: [&str; 12] = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
    let parts: Vec<&str> = trim_wsp(value).split(' ').filter(|p| !p.is_empty()).collect();
    let digits = |s: &str, n: usize| s.len() == n && s.bytes().all(|b| b.is_ascii_digit());
    let [day, dd, mon, year, time, zone] = parts[..] else { return false };
    let time_ok = time.split(':').collect::<Vec<_>>().iter().all(|t| digits(t, 2)) && time.len() == 8;
    day.strip_suffix(',').is_some_and(|d| DAYS.contains(&d))
        && digits(dd, 2)
        && MONTHS.contains(&mon)
        && digits(year, 4)
        && time_ok
        && zone == "GMT"
}

#[cfg(test)]
mod tests {
    use super::*;

    const INVITE: &str = "INVITE sip:bob@example.com SIP/2.0\r\n\
        v: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK776asdhds\r\n\
        Max-Forwards: 70\r\n\
        t: Bob <sip:bob@example.com>\r\n\
        f: \"Alice\" <sip:alice@example.com>;tag=1928301774\r\n\
        i: a84b4c76e66710@pc33.example.com\r\n\
        CSeq: 314159\r\n  INVITE\r\n\
        m: <sip:alice@[2001:db8::1]:5060>\r\n\
        c: application/sdp\r\n\
        l: 4\r\n\
        \r\n\
        v=0\r\nEXTRA";

    #[test]
    fn compact_folded_message_parses_into_rsip_variants() {
        let SipMessage::Request(req) = parse(INVITE.as_bytes()).unwrap() else { panic!("a request") };
        assert_eq!(req.method, Method::Invite);
        assert_eq!(req.body, b"v=0\r");
        assert!(req.headers.iter().any(|h| matches!(h, Header::CallId(_))));
        assert!(req.headers.iter().any(|h| matches!(h, Header::Contact(_))));
        let cseq = req.headers.iter().find_map(|h| match h {
            Header::CSeq(c) => Some(rsip::headers::UntypedHeader::value(c).to_owned()),
            _ => None,
        });
        assert_eq!(cseq.as_deref(), Some("314159 INVITE"));
    }

    #[test]
    fn body_shorter_than_content_length_is_an_error() {
        let msg = INVITE.replace("l: 4", "l: 400");
        assert_eq!(parse(msg.as_bytes()), Err(ParseError::BodyTooShort { declared: 400, available: 10 }));
        let msg = INVITE.replace("l: 4", "l: -4");
        assert_eq!(parse(msg.as_bytes()), Err(ParseError::BadContentLength));
    }

    #[test]
    fn extension_methods_and_versions_have_their_own_errors() {
        let msg = INVITE.replacen("INVITE sip", "FOO sip", 1).replace("INVITE\r\n", "FOO\r\n");
        assert_eq!(parse(msg.as_bytes()), Err(ParseError::UnknownMethod("FOO".into())));
        assert_eq!(ParseError::UnknownMethod("FOO".into()).status(), 501);
        let msg = INVITE.replacen("SIP/2.0\r\n", "SIP/3.0\r\n", 1);
        assert_eq!(parse(msg.as_bytes()).unwrap_err().status(), 505);
        let msg = INVITE.replacen("INVITE sip", "invite sip", 1).replace("INVITE\r\n", "invite\r\n");
        assert_eq!(
            parse(msg.as_bytes()),
            Err(ParseError::UnknownMethod("invite".into())),
            "methods are case-sensitive"
        );
    }

    #[test]
    fn line_and_head_scanning() {
        assert_eq!(head_end(b"A\r\n\r\n"), Some(1));
        assert_eq!(head_end(b"A\n\r\n\r\n"), Some(2));
        assert_eq!(head_end(b"\r\n\r"), None);
        assert_eq!(head_end(b""), None);
        let lines: Vec<&str> = crlf_lines("a\r\nb\nc\r\n").collect();
        assert_eq!(lines, ["a", "b\nc", ""], "a bare LF stays inside its line");
    }

    #[test]
    fn dates_must_be_gmt() {
        assert!(is_sip_date("Sat, 15 Oct 2005 04:44:56 GMT"));
        assert!(!is_sip_date("Fri, 01 Jan 2010 16:00:00 EST"));
        assert!(!is_sip_date("garbage"));
    }

    #[test]
    fn responses_keep_unknown_reason_phrases() {
        let msg = "SIP/2.0 299 Odd Thing\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\nTo: <sip:a@b>;tag=1\r\n\
            From: <sip:c@d>;tag=2\r\nCall-ID: x\r\nCSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n";
        let SipMessage::Response(resp) = parse(msg.as_bytes()).unwrap() else { panic!("a response") };
        assert_eq!(resp.status_code, StatusCode::Other(299, "Odd Thing".into()));
    }
}
