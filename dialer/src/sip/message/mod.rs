//! SIP messages: bytes ⇄ `rsip` messages, with our own layer around rsip 0.4's defects.
//!
//! rsip's types are the model the rest of `sip` works with (`rsip::SipMessage`, `Request`,
//! `Response`, headers as rsip's untyped `Header` variants holding the raw value). What rsip gets
//! wrong on the way in and out is done here instead:
//!
//! | rsip 0.4 defect | here |
//! |---|---|
//! | ignores Content-Length | [`StreamFramer`] frames streams by it; [`parse`] bounds datagram bodies by it |
//! | compact header names (`v:`, `i:` …) become unknown headers | expanded before the header is built ([`expand_compact`]) |
//! | IPv6 hosts and `tel:` URIs do not parse; `Display` drops brackets | [`parse_uri`] / [`UriDisplay`] |
//! | URI parameter values cut at `:` | our URI, Via and name-addr parsers keep them whole |
//! | quoted display names keep quotes and escapes | [`NameAddr::display_name`] is unquoted |
//! | closed `Method` enum | extension methods are [`ParseError::UnknownMethod`], answered 501 by [`reject`] |
//! | `Display` mangles reason phrases and binary bodies | [`serialize`] |
//!
//! A receiver's loop, over UDP: `parse(datagram)`, and on error `reject(datagram, &err, tag)`
//! gives the stateless answer (or `None`: drop). Over TCP: [`StreamFramer::push`] what was read,
//! then [`StreamFramer::pop`] until `Ok(None)`, [`parse`] each frame; a [`FrameError`] closes the
//! connection. Read headers with [`MessageExt`]; answer with [`response_to`], start requests with
//! [`request`] ([`ack_for_failure`], [`cancel_for`] for the derived ones), and write with
//! [`serialize`].
//!
//! Limits of rsip's model that remain: a request with an extension method cannot be an
//! `rsip::Request` (see above); the reason phrase of a status code rsip names (`200`, `486` …) is
//! not kept (codes it does not name keep theirs); a URI's `transport` parameter is held as rsip's
//! `Transport` and written upper-case (`transport=udp` comes back `transport=UDP`, equivalent per
//! RFC 3261 §19.1.4); URI headers (`?…`) are not held in `rsip::Uri` (see [`ParsedUri`]).

mod access;
mod build;
mod framer;
mod headers;
pub(crate) mod lex;
mod name_addr;
mod parse;
mod uri;
mod via;

pub use access::{AccessError, CSeq, MessageExt};
pub use build::{
    NewRequest, ack_for_failure, cancel_for, reason_phrase, request, response_to, serialize, serialize_request,
    serialize_response, to_bytes,
};
pub use framer::{DEFAULT_MAX_MESSAGE_SIZE, FrameError, StreamFramer};
pub use headers::{expand_compact, header_from_wire, make_header, name_value};
pub(crate) use name_addr::plain_tag;
pub use name_addr::{NameAddr, NameAddrError, parse_name_addr, parse_name_addr_list};
pub use parse::{ParseError, method_from_token, method_token, parse};
pub(crate) use uri::write_uri;
pub use uri::{ParsedUri, UriDisplay, UriError, parse_uri};
pub use via::{Via, ViaError, parse_via, parse_via_list};

use rsip::{Headers, Response, Version};

/// The stateless answer to a request that failed to [`parse`]: 505, 501 or 400 (see
/// [`ParseError::status`]) built from the request's own Via, From, To, Call-ID and CSeq, with
/// `to_tag` added to To. `None` when the message should just be dropped: it is a response, an
/// ACK, or too broken to answer (no parseable top Via to send the answer to, or a missing From,
/// To, Call-ID or CSeq).
pub fn reject(raw: &[u8], error: &ParseError, to_tag: &str) -> Option<Response> {
    let head_end = parse::head_end(raw).unwrap_or(raw.len());
    let head = std::str::from_utf8(&raw[..head_end]).ok()?;
    let mut lines = head.split("\r\n");
    let start = lines.next()?;
    if start.starts_with("SIP/") || start.starts_with("ACK ") {
        return None;
    }
    let mut headers = Vec::new();
    for line in lines {
        let Some((name, value)) = line.split_once(':') else { continue };
        headers.push(header_from_wire(lex::trim_wsp(name), lex::trim_wsp(value).to_owned()));
    }
    let headers = Headers::from(headers);
    let has = |f: fn(&rsip::Header) -> bool| headers.iter().any(f);
    let complete = has(|h| matches!(h, rsip::Header::From(_)))
        && has(|h| matches!(h, rsip::Header::To(_)))
        && has(|h| matches!(h, rsip::Header::CallId(_)))
        && has(|h| matches!(h, rsip::Header::CSeq(_)));
    let code = error.status();
    let response = Response {
        status_code: build::status(code, None),
        version: Version::V2,
        headers: build::response_headers(&headers, code, Some(to_tag)),
        body: Vec::new(),
    };
    (complete && response.top_via().is_ok()).then_some(response)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bad_requests_get_a_stateless_400_and_responses_nothing() {
        let raw = b"INVITE sip:a@b SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\nTo: <sip:a@b>\r\n\
            From: <sip:c@d>;tag=9\r\nCall-ID: x\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n";
        let err = parse(raw).unwrap_err();
        assert_eq!(err, ParseError::CSeqMismatch);
        let resp = reject(raw, &err, "t1").unwrap();
        assert_eq!(resp.status_code.code(), 400);
        assert_eq!(resp.to_tag().unwrap().as_deref(), Some("t1"));
        assert_eq!(resp.call_id().unwrap(), "x");

        let response = b"SIP/2.0 999 Nope\r\nVia: SIP/2.0/UDP h\r\n\r\n";
        assert_eq!(reject(response, &parse(response).unwrap_err(), "t"), None);
        let ack = b"ACK sip:a@b SIP/7.0\r\nVia: SIP/2.0/UDP h\r\n\r\n";
        assert_eq!(reject(ack, &parse(ack).unwrap_err(), "t"), None);
        let no_via = b"OPTIONS sip:a@b SIP/7.0\r\nTo: <sip:a@b>\r\n\r\n";
        assert_eq!(reject(no_via, &parse(no_via).unwrap_err(), "t"), None);
    }
}
