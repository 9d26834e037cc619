//! The few header fields transactions and dialogs read, taken from rsip's typed headers and
//! returning errors instead of panicking; and the byte templates of the ACK and CANCEL the layer
//! builds itself. To be merged with the message layer's accessors later.

use super::MessageError;
use crate::sip::message::lex::{cat, is_gen_value_byte, is_token, split_at_byte, split_byte};
use crate::sip::message::plain_tag;
use compact_str::CompactString;
use rsip::prelude::*;
use rsip::{Header, Headers, Method, Request, Transport};
use std::fmt::Write as _;
use std::hash::{BuildHasher, Hash, Hasher};

/// What matching needs from the top Via.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct TopVia {
    pub branch: CompactString,
    pub sent_by: CompactString,
    pub transport: Transport,
}

/// The first value of the first Via header (a header may hold several, comma-separated).
pub(crate) fn top_via_value(headers: &Headers) -> Result<&str, MessageError> {
    let value = headers
        .iter()
        .find_map(|h| match h {
            Header::Via(v) => Some(v.value()),
            _ => None,
        })
        .ok_or(MessageError::Missing("Via"))?;
    // Whatever follows the first comma is the next Via.
    Ok(split_byte(value, b',').next().unwrap_or(value).trim())
}

/// Branch, sent-by and transport of the top Via. Every message in and out is matched by these,
/// so the usual shape (`SIP/2.0/UDP host:port;…;branch=…`) is read directly: rsip's typed Via
/// took a third of the layer's time (its parser formats an error string for each alternative it
/// tries). Anything less plain goes through rsip's typed header.
pub(crate) fn top_via(headers: &Headers) -> Result<TopVia, MessageError> {
    let value = top_via_value(headers)?;
    if let Some(via) = plain_via(value) {
        return via;
    }
    let (via, sent_by, transport) = parsed_via(value)?;
    match via.branch() {
        Some(branch) if !branch.is_empty() => Ok(TopVia { branch: branch.into(), sent_by: sent_by.into(), transport }),
        _ => Err(MessageError::NoBranch),
    }
}

/// A Via value through the message layer's parser, which takes every spelling RFC 3261 allows
/// (white space around the slashes, IPv6 sent-by, parameters with colons).
fn parsed_via(value: &str) -> Result<(crate::sip::message::Via, String, Transport), MessageError> {
    let via = crate::sip::message::parse_via(value).map_err(|e| MessageError::Malformed {
        header: "Via",
        value: value.chars().take(200).collect(),
        reason: e.to_string(),
    })?;
    let transport = match via.transport.to_ascii_uppercase().as_str() {
        "TCP" => Transport::Tcp,
        "TLS" => Transport::Tls,
        "WS" => Transport::Ws,
        "WSS" => Transport::Wss,
        _ => Transport::Udp,
    };
    let sent_by = match via.port {
        Some(port) => format!("{}:{port}", via.host),
        None => via.host.to_string(),
    };
    Ok((via, sent_by, transport))
}

/// The matching key of a request from an RFC 2543 element, whose top Via has no branch
/// (RFC 3261 §17.2.3 asks servers to still match those): a branch made of the Call-ID, the CSeq
/// number and the From tag, which an INVITE, its retransmissions and the ACK of its failure
/// share, with the Via's sent-by and transport.
pub(crate) fn rfc2543_via(headers: &Headers) -> Result<TopVia, MessageError> {
    let (_, sent_by, transport) = parsed_via(top_via_value(headers)?)?;
    let (seq, _) = cseq(headers)?;
    let tag = from_tag(headers)?.unwrap_or_default();
    let branch = format!("rfc2543:{}:{seq}:{tag}", call_id(headers)?);
    Ok(TopVia { branch: branch.into(), sent_by: sent_by.into(), transport })
}

/// The top Via read directly, or `None` when it is not of the plain shape (then rsip reads it).
fn plain_via(value: &str) -> Option<Result<TopVia, MessageError>> {
    let (protocol, rest) = split_at_byte(value, b' ')?;
    let transport = protocol.strip_prefix("SIP/2.0/")?;
    let transport = match transport {
        "UDP" => Transport::Udp,
        "TCP" => Transport::Tcp,
        "TLS" => Transport::Tls,
        "WS" => Transport::Ws,
        "WSS" => Transport::Wss,
        _ => return None,
    };
    let mut params = split_byte(rest, b';');
    let sent_by = params.next()?;
    // Tokens, and for hosts and values also `:` and the brackets of IPv6 references.
    let value_like = |s: &str| !s.is_empty() && s.bytes().all(is_gen_value_byte);
    if !value_like(sent_by) {
        return None;
    }
    let mut branch = None;
    for param in params {
        let (name, value) = split_at_byte(param, b'=').unwrap_or((param, ""));
        if !is_token(name) || !(value.is_empty() || value_like(value)) {
            return None;
        }
        if name.eq_ignore_ascii_case("branch") && branch.is_none() {
            branch = Some(value);
        }
    }
    Some(match branch {
        Some(b) if !b.is_empty() => Ok(TopVia { branch: b.into(), sent_by: sent_by.into(), transport }),
        _ => Err(MessageError::NoBranch),
    })
}

/// CSeq number and method.
pub(crate) fn cseq(headers: &Headers) -> Result<(u32, Method), MessageError> {
    let h = headers
        .iter()
        .find_map(|h| match h {
            Header::CSeq(c) => Some(c),
            _ => None,
        })
        .ok_or(MessageError::Missing("CSeq"))?;
    // The usual `<seq> <METHOD>` read directly, as rsip's tokenizer splits it (up to the first
    // space, then spaces, then the method); anything else goes through rsip for its error.
    if let Some((seq, method)) = split_at_byte(h.value(), b' ')
        && let Ok(seq) = seq.parse::<u32>()
    {
        let method = method.trim_start_matches(' ');
        // The exact token first (rsip's FromStr upper-cases a copy of every method it reads).
        if let Some(method) = crate::sip::message::method_from_token(method).or_else(|| method.parse().ok()) {
            return Ok((seq, method));
        }
    }
    let c = h.typed().map_err(|e| malformed("CSeq", h.value(), e))?;
    Ok((c.seq, c.method))
}

pub(crate) fn call_id(headers: &Headers) -> Result<&str, MessageError> {
    headers
        .iter()
        .find_map(|h| match h {
            Header::CallId(c) => Some(c.value().trim()),
            _ => None,
        })
        .ok_or(MessageError::Missing("Call-ID"))
}

/// The To tag, if any.
pub(crate) fn to_tag(headers: &Headers) -> Result<Option<CompactString>, MessageError> {
    let h = headers
        .iter()
        .find_map(|h| match h {
            Header::To(t) => Some(t),
            _ => None,
        })
        .ok_or(MessageError::Missing("To"))?;
    if let Some(tag) = plain_tag(h.value()) {
        return Ok(tag.map(CompactString::from));
    }
    let to = h.typed().map_err(|e| malformed("To", h.value(), e))?;
    Ok(to.tag().map(|t| CompactString::from(t.value())))
}

/// The From tag, if any.
pub(crate) fn from_tag(headers: &Headers) -> Result<Option<CompactString>, MessageError> {
    let h = headers
        .iter()
        .find_map(|h| match h {
            Header::From(f) => Some(f),
            _ => None,
        })
        .ok_or(MessageError::Missing("From"))?;
    if let Some(tag) = plain_tag(h.value()) {
        return Ok(tag.map(CompactString::from));
    }
    let from = h.typed().map_err(|e| malformed("From", h.value(), e))?;
    Ok(from.tag().map(|t| CompactString::from(t.value())))
}

pub(crate) fn malformed(header: &'static str, value: &str, e: rsip::Error) -> MessageError {
    MessageError::Malformed { header, value: value.chars().take(200).collect(), reason: e.to_string() }
}

/// A seeded hash of some byte strings (keys of the layer's tables; seeded so a peer cannot aim
/// collisions without knowing the seed).
pub(crate) fn hash_parts(seed: u64, parts: &[&[u8]]) -> u64 {
    let mut h = foldhash::quality::FixedState::with_seed(seed).build_hasher();
    for p in parts {
        p.hash(&mut h);
    }
    h.finish()
}

/// The key that identifies the 2xx-acknowledging ACK of an INVITE: Call-ID and CSeq number.
pub(crate) fn ack_key(seed: u64, headers: &Headers) -> Result<u64, MessageError> {
    let call_id = call_id(headers)?;
    let (seq, _) = cseq(headers)?;
    Ok(hash_parts(seed, &[call_id.as_bytes(), &seq.to_le_bytes()]))
}

/// What an INVITE client transaction keeps to build its ACK for a non-2xx (§17.1.1.3) and its
/// CANCEL (§9.1) without the INVITE: the request line's tail and the header lines both copy.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct InviteStub {
    /// ` <uri> SIP/2.0\r\n` then the top Via, Max-Forwards, Route, From and Call-ID lines.
    head: Box<str>,
    /// The INVITE's `To: …\r\n` line (the CANCEL copies it; the ACK takes the response's).
    to: Box<str>,
    seq: u32,
}

impl InviteStub {
    pub fn new(invite: &Request) -> Result<InviteStub, MessageError> {
        let (seq, _) = cseq(&invite.headers)?;
        let mut head = String::with_capacity(256);
        head.push(' ');
        let _ = crate::sip::message::write_uri(&mut head, &invite.uri);
        for part in [" SIP/2.0\r\nVia: ", top_via_value(&invite.headers)?, "\r\n"] {
            head.push_str(part);
        }
        let line = |h: &Header| {
            let (name, value) = crate::sip::message::name_value(h);
            let mut line = String::with_capacity(name.len() + value.len() + 4);
            for part in [name, ": ", value, "\r\n"] {
                line.push_str(part);
            }
            line
        };
        let mut to = None;
        let mut from = false;
        let mut call_id = false;
        for h in invite.headers.iter() {
            match h {
                Header::MaxForwards(_) | Header::Route(_) => head.push_str(&line(h)),
                Header::From(_) if !from => {
                    from = true;
                    head.push_str(&line(h));
                }
                Header::CallId(_) if !call_id => {
                    call_id = true;
                    head.push_str(&line(h));
                }
                Header::To(_) if to.is_none() => to = Some(line(h)),
                _ => {}
            }
        }
        if !from {
            return Err(MessageError::Missing("From"));
        }
        if !call_id {
            return Err(MessageError::Missing("Call-ID"));
        }
        let to = to.ok_or(MessageError::Missing("To"))?;
        Ok(InviteStub { head: head.into(), to: to.into(), seq })
    }

    /// The ACK for a non-2xx final response: the INVITE's fields with the response's To.
    pub fn ack(&self, response_to: &str) -> Vec<u8> {
        let mut s = String::with_capacity(self.head.len() + response_to.len() + 64);
        let _ = write!(s, "ACK{}To: {}\r\nCSeq: {} ACK\r\nContent-Length: 0\r\n\r\n", self.head, response_to, self.seq);
        s.into_bytes()
    }

    /// The CANCEL of the INVITE.
    pub fn cancel(&self) -> Vec<u8> {
        let mut s = String::with_capacity(self.head.len() + self.to.len() + 64);
        let _ = write!(s, "CANCEL{}{}CSeq: {} CANCEL\r\nContent-Length: 0\r\n\r\n", self.head, self.to, self.seq);
        s.into_bytes()
    }
}

/// The headers a response copies from its request (§8.2.6.2): every Via, From, To, Call-ID,
/// CSeq. Adds the To tag when given and the To has none.
pub(crate) fn response_headers(request: &Request, to_tag: Option<&str>) -> Headers {
    // Via, From, To, Call-ID, CSeq and what the caller adds (Contact, Content-Type, Content-Length).
    let mut out = Headers::from(Vec::with_capacity(10));
    for h in request.headers.iter() {
        match h {
            Header::Via(_) | Header::From(_) | Header::CallId(_) | Header::CSeq(_) => out.push(h.clone()),
            Header::To(to) => match to_tag {
                Some(tag) if !to.value().contains(";tag=") => {
                    out.push(Header::To(rsip::headers::To::new(cat(&[to.value(), ";tag=", tag]))))
                }
                _ => out.push(h.clone()),
            },
            _ => {}
        }
    }
    out
}

/// A message's bytes, as sent and retransmitted, written by the message layer's serializer: the
/// one writer of the stack (reason phrases as RFC 3261 spells them, IPv6 hosts in brackets, one
/// Content-Length that matches the body, bodies copied as bytes).
pub(crate) fn bytes_of(message: &impl Serialize) -> Vec<u8> {
    let mut out = Vec::with_capacity(512);
    message.write(&mut out);
    out
}

/// Requests and responses, as [`bytes_of`] writes them.
pub(crate) trait Serialize {
    fn write(&self, out: &mut Vec<u8>);
}

impl Serialize for Request {
    fn write(&self, out: &mut Vec<u8>) {
        crate::sip::message::serialize_request(self, out);
    }
}

impl Serialize for rsip::Response {
    fn write(&self, out: &mut Vec<u8>) {
        crate::sip::message::serialize_response(self, out);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn via(value: &str) -> Result<TopVia, MessageError> {
        let mut headers = Headers::default();
        headers.push(rsip::headers::Via::new(value).into());
        top_via(&headers)
    }

    fn typed(value: &str) -> TopVia {
        let via = rsip::headers::Via::new(value).typed().unwrap();
        TopVia {
            branch: via.branch().unwrap().value().into(),
            sent_by: via.uri.host_with_port.to_string().into(),
            transport: via.transport,
        }
    }

    #[test]
    fn plain_vias_read_as_rsip_reads_them() {
        for value in [
            "SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK776asdhds",
            "SIP/2.0/TCP pc33.example.com;branch=z9hG4bK-1.2;rport",
            "SIP/2.0/UDP 192.0.2.1:5060;rport=5061;received=192.0.2.9;branch=z9hG4bKa",
            "SIP/2.0/TLS host-a.example.org:5061;branch=z9hG4bK0123456789abcdef",
        ] {
            assert!(plain_via(value).is_some(), "{value} takes the direct path");
            assert_eq!(via(value).unwrap(), typed(value), "{value}");
        }
    }

    #[test]
    fn other_vias_go_through_the_message_layers_parser_or_are_refused() {
        // A lower-case transport.
        let lower = "SIP/2.0/udp 192.0.2.1:5060;branch=z9hG4bKx";
        assert!(plain_via(lower).is_none());
        assert_eq!(via(lower).unwrap().branch, "z9hG4bKx");
        // White space RFC 3261 allows (RFC 4475's wsinv): read whole, not lost as rsip 0.4 did.
        let spaced = "SIP  /   2.0  / UDP    192.0.2.1:5060 ;branch=z9hG4bKx";
        assert!(plain_via(spaced).is_none());
        let read = via(spaced).unwrap();
        assert_eq!((read.branch.as_str(), read.sent_by.as_str()), ("z9hG4bKx", "192.0.2.1:5060"));
        assert_eq!(via("SIP/2.0/UDP 192.0.2.1:5060;rport"), Err(MessageError::NoBranch));
        assert_eq!(via("SIP/2.0/UDP 192.0.2.1:5060;branch="), Err(MessageError::NoBranch));
        assert!(via("garbage").is_err());
        let two = "SIP/2.0/UDP a.example.com;branch=z9hG4bK1, SIP/2.0/UDP b.example.com;branch=z9hG4bK2";
        assert_eq!(via(two).unwrap().branch, "z9hG4bK1", "the first of a list is the top one");
    }

    #[test]
    fn plain_tags_read_as_rsip_reads_them() {
        for value in [
            "<sip:bench@127.0.0.1:5060>",
            "<sip:dialkit@127.0.0.1:40000>;tag=l17",
            "Bob <sip:bob@example.com>;tag=a6c85cf;x-id=2",
            "<sip:+15550100@192.0.2.1;user=phone>;foo;tag=9fxced76sl",
            " <sip:a@b>;tag=x",
            "Bob  Smith <sip:a@b>;tag=x",
        ] {
            let Some(tag) = plain_tag(value) else { panic!("{value:?} should take the direct path") };
            let rsip = rsip::headers::To::new(value).typed().unwrap();
            assert_eq!(tag.map(str::to_owned), rsip.tag().map(|t| t.value().to_owned()), "{value:?}");
        }
        for unusual in [
            "\"A;B\" <sip:a@b>;tag=1",
            "sip:a@b;tag=1",
            "<sip:a@b>;TAG=1",
            "<sip:a@b>;tag=1;tag=2",
            " <sip:a@b> ;tag=x",
            "<sip:a@b>;tag=x ",
            "\tBob <sip:a@b>;tag=x",
        ] {
            assert_eq!(plain_tag(unusual), None, "{unusual:?} is left to rsip");
        }
    }
}
