//! Building responses and writing messages to bytes.
//!
//! rsip's `Display` writes the Request-URI with its own (lossy) URI writer, spells reason
//! phrases as Rust identifiers (`408 RequestTimeout`), goes through `String::from_utf8_lossy`
//! for the body (so a binary body is corrupted) and leaves Content-Length to the caller. The
//! load generator writes tens of thousands of messages a second, so [`serialize`] appends
//! straight into a reusable buffer and always writes a Content-Length that matches the body.

use rsip::headers::UntypedHeader;
use rsip::headers::untyped as h;
use rsip::{Header, Headers, Request, Response, SipMessage, StatusCode, Version};

use super::headers::name_value;
use super::lex::trim_wsp;
use super::name_addr::parse_name_addr;
use super::parse::method_token;
use super::uri::write_uri;

/// Appends the wire form of `msg` to `out`: start line, headers in order (any Content-Length
/// among them is replaced by one computed from the body, written last), blank line, body bytes.
pub fn serialize(msg: &SipMessage, out: &mut Vec<u8>) {
    match msg {
        SipMessage::Request(r) => serialize_request(r, out),
        SipMessage::Response(r) => serialize_response(r, out),
    }
}

/// [`serialize`] into a fresh buffer.
pub fn to_bytes(msg: &SipMessage) -> Vec<u8> {
    let mut out = Vec::with_capacity(512 + msg.body().len());
    serialize(msg, &mut out);
    out
}

/// Writes a request (see [`serialize`]).
pub fn serialize_request(req: &Request, out: &mut Vec<u8>) {
    out.extend_from_slice(method_token(&req.method).as_bytes());
    out.push(b' ');
    let mut uri = String::with_capacity(64);
    // Writing into a String cannot fail.
    let _ = write_uri(&mut uri, &req.uri);
    out.extend_from_slice(uri.as_bytes());
    out.extend_from_slice(b" SIP/2.0\r\n");
    write_headers_and_body(&req.headers, &req.body, out);
}

/// Writes a response (see [`serialize`]).
pub fn serialize_response(resp: &Response, out: &mut Vec<u8>) {
    let code = resp.status_code.code();
    out.extend_from_slice(b"SIP/2.0 ");
    push_decimal(out, code as usize);
    out.push(b' ');
    match &resp.status_code {
        StatusCode::Other(_, reason) => out.extend_from_slice(reason.as_bytes()),
        _ => out.extend_from_slice(reason_phrase(code).as_bytes()),
    }
    out.extend_from_slice(b"\r\n");
    write_headers_and_body(&resp.headers, &resp.body, out);
}

fn write_headers_and_body(headers: &Headers, body: &[u8], out: &mut Vec<u8>) {
    for header in headers.iter() {
        if matches!(header, Header::ContentLength(_)) {
            continue;
        }
        let (name, value) = name_value(header);
        out.extend_from_slice(name.as_bytes());
        out.extend_from_slice(b": ");
        out.extend_from_slice(value.as_bytes());
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(b"Content-Length: ");
    push_decimal(out, body.len());
    out.extend_from_slice(b"\r\n\r\n");
    out.extend_from_slice(body);
}

fn push_decimal(out: &mut Vec<u8>, mut n: usize) {
    let mut digits = [0u8; 20];
    let mut i = digits.len();
    loop {
        i -= 1;
        digits[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    out.extend_from_slice(&digits[i..]);
}

/// The reason phrase RFC 3261 §21 (and the extensions we meet) give a status code.
pub fn reason_phrase(code: u16) -> &'static str {
    match code {
        100 => "Trying",
        180 => "Ringing",
        181 => "Call Is Being Forwarded",
        182 => "Queued",
        183 => "Session Progress",
        200 => "OK",
        202 => "Accepted",
        300 => "Multiple Choices",
        301 => "Moved Permanently",
        302 => "Moved Temporarily",
        305 => "Use Proxy",
        380 => "Alternative Service",
        400 => "Bad Request",
        401 => "Unauthorized",
        402 => "Payment Required",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        406 => "Not Acceptable",
        407 => "Proxy Authentication Required",
        408 => "Request Timeout",
        410 => "Gone",
        413 => "Request Entity Too Large",
        414 => "Request-URI Too Long",
        415 => "Unsupported Media Type",
        416 => "Unsupported URI Scheme",
        420 => "Bad Extension",
        421 => "Extension Required",
        423 => "Interval Too Brief",
        480 => "Temporarily Unavailable",
        481 => "Call/Transaction Does Not Exist",
        482 => "Loop Detected",
        483 => "Too Many Hops",
        484 => "Address Incomplete",
        485 => "Ambiguous",
        486 => "Busy Here",
        487 => "Request Terminated",
        488 => "Not Acceptable Here",
        491 => "Request Pending",
        493 => "Undecipherable",
        500 => "Server Internal Error",
        501 => "Not Implemented",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Server Time-out",
        505 => "Version Not Supported",
        513 => "Message Too Large",
        600 => "Busy Everywhere",
        603 => "Decline",
        604 => "Does Not Exist Anywhere",
        606 => "Not Acceptable",
        _ => match code / 100 {
            1 => "Session Progress",
            2 => "OK",
            3 => "Redirection",
            4 => "Request Failure",
            5 => "Server Failure",
            _ => "Global Failure",
        },
    }
}

/// A response to `req` as a UAS builds it (RFC 3261 §8.2.6.2): Via (all, in order), From,
/// Call-ID and CSeq copied, To copied with `to_tag` added when given and the request's To had
/// none; Record-Route copied on 1xx/2xx (§12.1.1); Timestamp copied on 100 (§8.2.6.1). `reason`
/// overrides the standard phrase (the status then becomes `StatusCode::Other`: compare with
/// `.code()`). The body is empty.
pub fn response_to(req: &Request, code: u16, reason: Option<&str>, to_tag: Option<&str>) -> Response {
    Response {
        status_code: status(code, reason),
        version: Version::V2,
        headers: response_headers(&req.headers, code, to_tag),
        body: Vec::new(),
    }
}

pub(crate) fn status(code: u16, reason: Option<&str>) -> StatusCode {
    match reason {
        Some(r) if r != reason_phrase(code) => StatusCode::Other(code, r.to_owned()),
        _ => StatusCode::from(code),
    }
}

/// The headers of [`response_to`], from a request's headers (also used for requests rsip cannot
/// represent, see [`super::reject`]).
pub(crate) fn response_headers(req: &Headers, code: u16, to_tag: Option<&str>) -> Headers {
    let mut headers = Vec::with_capacity(8);
    for header in req.iter() {
        match header {
            Header::Via(_) | Header::From(_) | Header::CallId(_) | Header::CSeq(_) => headers.push(header.clone()),
            Header::RecordRoute(_) if (101..300).contains(&code) => headers.push(header.clone()),
            Header::Timestamp(_) if code == 100 => headers.push(header.clone()),
            Header::To(to) => headers.push(Header::To(h::To::new(with_tag(to.value(), to_tag)))),
            _ => {}
        }
    }
    Headers::from(headers)
}

/// What a UAC chooses for a new request outside a dialog (RFC 3261 §8.1.1). The text fields are
/// header values as they go on the wire (`"Dialkit" <sip:dialer@192.0.2.10>`), so IPv6 and `tel:`
/// need no special care; the branch must start with `z9hG4bK` (§8.1.1.7).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewRequest<'a> {
    /// The method.
    pub method: rsip::Method,
    /// The Request-URI.
    pub uri: rsip::Uri,
    /// The Via transport token: `UDP`, `TCP`, `TLS`.
    pub transport: &'a str,
    /// The Via sent-by: `host[:port]`, IPv6 in brackets.
    pub sent_by: &'a str,
    /// The Via branch (transaction id).
    pub branch: &'a str,
    /// The From value without its tag.
    pub from: &'a str,
    /// The From tag.
    pub from_tag: &'a str,
    /// The To value (with a tag only inside a dialog).
    pub to: &'a str,
    /// The Call-ID.
    pub call_id: &'a str,
    /// The CSeq number.
    pub cseq: u32,
    /// The Contact value, if the request has one (INVITE, REGISTER, SUBSCRIBE …).
    pub contact: Option<&'a str>,
    /// Max-Forwards (70 in RFC 3261's examples).
    pub max_forwards: u8,
}

/// Builds the request `spec` describes, with `extra` headers (Route, Content-Type, Allow, …)
/// after the mandatory ones and `body`. Content-Length is left to [`serialize`].
pub fn request(spec: &NewRequest<'_>, extra: Vec<Header>, body: Vec<u8>) -> Request {
    let method = method_token(&spec.method);
    let mut headers = Vec::with_capacity(8 + extra.len());
    headers
        .push(Header::Via(h::Via::new(format!("SIP/2.0/{} {};branch={}", spec.transport, spec.sent_by, spec.branch))));
    headers.push(Header::MaxForwards(h::MaxForwards::new(spec.max_forwards.to_string())));
    headers.push(Header::From(h::From::new(format!("{};tag={}", spec.from, spec.from_tag))));
    headers.push(Header::To(h::To::new(spec.to)));
    headers.push(Header::CallId(h::CallId::new(spec.call_id)));
    headers.push(Header::CSeq(h::CSeq::new(format!("{} {method}", spec.cseq))));
    if let Some(contact) = spec.contact {
        headers.push(Header::Contact(h::Contact::new(contact)));
    }
    headers.extend(extra);
    Request { method: spec.method, uri: spec.uri.clone(), version: Version::V2, headers: Headers::from(headers), body }
}

/// The ACK for a non-2xx final response to `invite` (RFC 3261 §17.1.1.3): Request-URI, Call-ID,
/// From, CSeq number and the top Via of the INVITE, To of the response, the INVITE's Route set.
/// (The ACK for a 2xx is a new transaction built by the dialog layer.)
pub fn ack_for_failure(invite: &Request, response: &Response) -> Request {
    derived(invite, rsip::Method::Ack, response.headers.iter().find(|h| matches!(h, Header::To(_))))
}

/// The CANCEL for a request (RFC 3261 §9.1): same Request-URI, Call-ID, To, From, CSeq number
/// and top Via (so it matches the request's transaction), the request's Route set, method CANCEL.
pub fn cancel_for(req: &Request) -> Request {
    derived(req, rsip::Method::Cancel, req.headers.iter().find(|h| matches!(h, Header::To(_))))
}

/// A request derived from `req` for ACK and CANCEL: its top Via, Max-Forwards, From, Call-ID,
/// Route set and CSeq number, with `method` and the given To.
fn derived(req: &Request, method: rsip::Method, to: Option<&Header>) -> Request {
    let mut headers = Vec::with_capacity(8);
    if let Some(via) = req.headers.iter().find(|h| matches!(h, Header::Via(_))) {
        headers.push(top_value_only(via));
    }
    for header in req.headers.iter() {
        match header {
            Header::MaxForwards(_) | Header::From(_) | Header::CallId(_) | Header::Route(_) => {
                headers.push(header.clone())
            }
            Header::CSeq(cseq) => {
                let seq = cseq.value().split([' ', '\t']).next().unwrap_or("0");
                headers.push(Header::CSeq(h::CSeq::new(format!("{seq} {}", method_token(&method)))));
            }
            _ => {}
        }
    }
    headers.extend(to.cloned());
    Request { method, uri: req.uri.clone(), version: Version::V2, headers: Headers::from(headers), body: Vec::new() }
}

/// A Via header holding only the first value of `via` (a line may carry several).
fn top_value_only(via: &Header) -> Header {
    let value = name_value(via).1;
    let first = super::lex::split_list(value).and_then(|l| l.first().map(|s| s.to_string()));
    Header::Via(h::Via::new(first.unwrap_or_else(|| value.to_owned())))
}

/// The To value with `;tag=…` appended, unless no tag is wanted or it already has one.
fn with_tag(to: &str, tag: Option<&str>) -> String {
    let to = trim_wsp(to);
    match tag {
        Some(tag) if parse_name_addr(to).is_ok_and(|na| na.tag().is_none()) => format!("{to};tag={tag}"),
        _ => to.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sip::message::{MessageExt, parse};

    const INVITE: &[u8] = b"INVITE sip:bob@[2001:db8::2]:5060;transport=UDP SIP/2.0\r\n\
        Via: SIP/2.0/UDP pc33.example.com;branch=z9hG4bKnashds8\r\n\
        Via: SIP/2.0/UDP [2001:db8::1];branch=z9hG4bK1;received=2001:db8::1\r\n\
        Record-Route: <sip:p1.example.com;lr>\r\n\
        Max-Forwards: 70\r\n\
        To: Bob <sip:bob@example.com>\r\n\
        From: Alice <sip:alice@example.com>;tag=1928301774\r\n\
        Call-ID: a84b4c76e66710\r\n\
        CSeq: 314159 INVITE\r\n\
        Contact: <sip:alice@pc33.example.com>\r\n\
        Content-Type: application/sdp\r\n\
        Content-Length: 3\r\n\
        \r\n\
        \x00\xffz";

    fn invite() -> Request {
        match parse(INVITE).unwrap() {
            SipMessage::Request(r) => r,
            SipMessage::Response(_) => unreachable!("the fixture is a request"),
        }
    }

    #[test]
    fn parse_then_serialize_is_the_identity_on_a_canonical_message() {
        let req = invite();
        assert_eq!(to_bytes(&SipMessage::Request(req.clone())), INVITE, "binary body and IPv6 URI survive");
    }

    #[test]
    fn responses_copy_what_rfc_3261_says() {
        let req = invite();
        let resp = response_to(&req, 180, None, Some("a6c85cf"));
        let bytes = to_bytes(&SipMessage::Response(resp.clone()));
        let text = String::from_utf8(bytes.clone()).unwrap();
        assert!(text.starts_with("SIP/2.0 180 Ringing\r\n"), "{text}");
        assert_eq!(resp.to_tag().unwrap().as_deref(), Some("a6c85cf"));
        assert_eq!(resp.from_tag().unwrap().as_deref(), Some("1928301774"));
        assert_eq!(resp.vias().unwrap().len(), 2);
        assert_eq!(resp.branch().unwrap().as_deref(), Some("z9hG4bKnashds8"));
        assert_eq!(resp.record_routes().unwrap().len(), 1);
        assert_eq!(resp.cseq().unwrap().seq, 314159);
        assert!(text.ends_with("Content-Length: 0\r\n\r\n"));
        // And what we write, we read back.
        let mut expected = resp.clone();
        expected.headers.push(Header::ContentLength(h::ContentLength::new("0")));
        assert_eq!(parse(&bytes).unwrap(), SipMessage::Response(expected));

        let busy = response_to(&req, 486, None, Some("x"));
        assert!(busy.record_routes().unwrap().is_empty(), "no Record-Route on a failure");
        let trying = response_to(&req, 100, None, None);
        assert_eq!(trying.to_tag().unwrap(), None);
        let custom = response_to(&req, 500, Some("Database Down"), None);
        assert_eq!(custom.status_code.code(), 500);
        assert!(to_bytes(&SipMessage::Response(custom)).starts_with(b"SIP/2.0 500 Database Down\r\n"));
    }

    #[test]
    fn an_existing_to_tag_is_kept() {
        let mut req = invite();
        for header in req.headers.iter_mut() {
            if let Header::To(to) = header {
                *to = h::To::new("<sip:bob@example.com>;tag=old");
            }
        }
        assert_eq!(response_to(&req, 200, None, Some("new")).to_tag().unwrap().as_deref(), Some("old"));
    }

    #[test]
    fn content_length_always_matches_the_body() {
        let mut req = invite();
        req.body = b"longer body".to_vec();
        let text = String::from_utf8(to_bytes(&SipMessage::Request(req))).unwrap();
        assert_eq!(text.matches("Content-Length").count(), 1);
        assert!(text.contains("Content-Length: 11\r\n\r\nlonger body"));
    }

    #[test]
    fn requests_acks_and_cancels() {
        let spec = NewRequest {
            method: rsip::Method::Invite,
            uri: crate::sip::message::parse_uri("sip:+15551234567@[2001:db8::2]").unwrap().uri,
            transport: "UDP",
            sent_by: "[2001:db8::1]:5060",
            branch: "z9hG4bKabc",
            from: "\"Dialkit\" <sip:dialer@[2001:db8::1]>",
            from_tag: "f1",
            to: "<sip:+15551234567@[2001:db8::2]>",
            call_id: "c1@dialkit",
            cseq: 7,
            contact: Some("<sip:dialer@[2001:db8::1]:5060>"),
            max_forwards: 70,
        };
        let route = Header::Route(h::Route::new("<sip:[2001:db8::5];lr>"));
        let invite = request(&spec, vec![route], b"v=0\r\n".to_vec());
        let bytes = to_bytes(&SipMessage::Request(invite.clone()));
        let SipMessage::Request(back) = parse(&bytes).unwrap() else { unreachable!("a request") };
        assert_eq!(back.uri, invite.uri);
        assert_eq!(back.branch().unwrap().as_deref(), Some("z9hG4bKabc"));
        assert_eq!(back.top_via().unwrap().port, Some(5060));
        assert_eq!(back.from_tag().unwrap().as_deref(), Some("f1"));
        assert_eq!(back.cseq().unwrap(), crate::sip::message::CSeq { seq: 7, method: rsip::Method::Invite });
        assert_eq!(back.max_forwards().unwrap(), Some(70));
        assert_eq!(back.body, b"v=0\r\n");

        let busy = response_to(&invite, 486, None, Some("t9"));
        let ack = ack_for_failure(&invite, &busy);
        assert_eq!(ack.method, rsip::Method::Ack);
        assert_eq!(ack.uri, invite.uri);
        assert_eq!(ack.cseq().unwrap(), crate::sip::message::CSeq { seq: 7, method: rsip::Method::Ack });
        assert_eq!(ack.to_tag().unwrap().as_deref(), Some("t9"));
        assert_eq!(ack.branch().unwrap().as_deref(), Some("z9hG4bKabc"));
        assert_eq!(ack.routes().unwrap().len(), 1);
        assert!(parse(&to_bytes(&SipMessage::Request(ack))).is_ok());

        let cancel = cancel_for(&invite);
        assert_eq!(cancel.method, rsip::Method::Cancel);
        assert_eq!(cancel.cseq().unwrap(), crate::sip::message::CSeq { seq: 7, method: rsip::Method::Cancel });
        assert_eq!(cancel.to_tag().unwrap(), None);
        assert_eq!(cancel.branch().unwrap().as_deref(), Some("z9hG4bKabc"));
        assert_eq!(cancel.vias().unwrap().len(), 1);
        assert!(parse(&to_bytes(&SipMessage::Request(cancel))).is_ok());
    }

    #[test]
    fn reason_phrases() {
        assert_eq!(reason_phrase(487), "Request Terminated");
        assert_eq!(reason_phrase(499), "Request Failure");
        assert_eq!(status(200, Some("OK")), StatusCode::OK);
    }
}
