//! Builders of out-of-dialog requests (INVITE, REGISTER, OPTIONS …), of responses, and of the
//! CANCEL of an INVITE (§9.1).

use super::BuildError;
use crate::sip::message::lex::cat;
use crate::sip::message::parse_uri;
use crate::sip::transaction::headers::{response_headers, top_via_value};
use rsip::headers::{CSeq, CallId, Contact, ContentLength, ContentType, From, MaxForwards, To, UntypedHeader, Via};
use rsip::{Header, Headers, Method, Request, Response, StatusCode, Transport, Version};

/// A request to build from a few strings, for the load generator and the emulated callee: the
/// fields an out-of-dialog request needs, with defaults for the rest. Headers are written as
/// given (rsip untyped headers), so nothing here parses except the Request-URI.
#[derive(Clone, Debug)]
pub struct RequestSpec {
    method: Method,
    uri: String,
    via: Option<String>,
    from: String,
    to: Option<String>,
    call_id: Option<String>,
    cseq: u32,
    contact: Option<String>,
    max_forwards: u32,
    headers: Vec<Header>,
    body: Option<(String, Vec<u8>)>,
}

impl RequestSpec {
    /// A `method` request to `uri`. Defaults: From `<sip:dialkit@invalid>;tag=dialkit`, To the
    /// Request-URI, Call-ID derived from the branch, CSeq 1, Max-Forwards 70, no body.
    pub fn new(method: Method, uri: &str) -> RequestSpec {
        RequestSpec {
            method,
            uri: uri.to_owned(),
            via: None,
            from: "<sip:dialkit@invalid>;tag=dialkit".to_owned(),
            to: None,
            call_id: None,
            cseq: 1,
            contact: None,
            max_forwards: 70,
            headers: Vec::new(),
            body: None,
        }
    }

    /// An INVITE to `uri` (add the SDP with [`body`](Self::body)).
    pub fn invite(uri: &str) -> RequestSpec {
        RequestSpec::new(Method::Invite, uri)
    }

    /// A REGISTER of address-of-record `aor` at `registrar` (To is the AOR, §10.2).
    pub fn register(registrar: &str, aor: &str) -> RequestSpec {
        let mut spec = RequestSpec::new(Method::Register, registrar);
        spec.to = Some(format!("<{aor}>"));
        spec
    }

    /// An OPTIONS to `uri`: the keep-alive ping of trunks.
    pub fn options(uri: &str) -> RequestSpec {
        RequestSpec::new(Method::Options, uri)
    }

    /// The top Via over UDP: our `sent_by` (host:port) and the branch (from
    /// [`TransactionLayer::new_branch`](crate::sip::transaction::TransactionLayer::new_branch)).
    pub fn via(self, sent_by: &str, branch: &str) -> RequestSpec {
        self.via_over(Transport::Udp, sent_by, branch)
    }

    /// The top Via over `transport`.
    pub fn via_over(mut self, transport: Transport, sent_by: &str, branch: &str) -> RequestSpec {
        self.via = Some(via_value(transport, sent_by, branch));
        self
    }

    /// The From header: an address (`sip:…` or `"Name" <sip:…>`) and our tag.
    pub fn from(mut self, address: &str, tag: &str) -> RequestSpec {
        self.from = cat(&[&bracket(address), ";tag=", tag]);
        self
    }

    /// The To header's address (no tag outside a dialog).
    pub fn to(mut self, address: &str) -> RequestSpec {
        self.to = Some(bracket(address));
        self
    }

    /// The Call-ID.
    pub fn call_id(mut self, call_id: &str) -> RequestSpec {
        self.call_id = Some(call_id.to_owned());
        self
    }

    /// The CSeq number.
    pub fn cseq(mut self, seq: u32) -> RequestSpec {
        self.cseq = seq;
        self
    }

    /// The Contact URI (required in an INVITE, §8.1.1.8).
    pub fn contact(mut self, uri: &str) -> RequestSpec {
        self.contact = Some(bracket(uri));
        self
    }

    /// One more header, as is (Route, Expires, Authorization …).
    pub fn header(mut self, header: Header) -> RequestSpec {
        self.headers.push(header);
        self
    }

    /// A body and its content type (`application/sdp`).
    pub fn body(mut self, content_type: &str, body: Vec<u8>) -> RequestSpec {
        self.body = Some((content_type.to_owned(), body));
        self
    }

    /// The request, with Content-Length set.
    pub fn build(self) -> Result<Request, BuildError> {
        // Our URI parser, not rsip's: rsip fails on IPv6 hosts and `tel:` and is slow.
        let uri = parse_uri(&self.uri).map_err(|e| BuildError::Uri(self.uri.clone(), e.to_string()))?.uri;
        let via = self.via.ok_or(BuildError::NoVia)?;
        let call_id = match self.call_id {
            Some(c) => c,
            None => cat(&[via.rsplit("branch=").next().unwrap_or("0"), "@dialkit"]),
        };
        // Room for the usual headers up front: growing the vector was a realloc per request.
        let mut headers = Headers::from(Vec::with_capacity(12));
        headers.push(Via::new(via).into());
        headers.push(MaxForwards::new(itoa::Buffer::new().format(self.max_forwards)).into());
        headers.push(From::new(self.from).into());
        headers.push(To::new(self.to.unwrap_or_else(|| cat(&["<", &self.uri, ">"]))).into());
        headers.push(CallId::new(call_id).into());
        headers.push(CSeq::new(cseq_value(self.cseq, &self.method)).into());
        if let Some(contact) = self.contact {
            headers.push(Contact::new(contact).into());
        }
        headers.extend(self.headers);
        let body = match self.body {
            Some((content_type, body)) => {
                headers.push(ContentType::new(content_type).into());
                body
            }
            None => Vec::new(),
        };
        headers.push(ContentLength::from(u32::try_from(body.len()).map_err(|_| BuildError::BodyTooLong)?).into());
        Ok(Request { method: self.method, uri, version: Version::V2, headers, body })
    }
}

fn bracket(address: &str) -> String {
    if address.contains('<') { address.to_owned() } else { cat(&["<", address, ">"]) }
}

/// A response to `request` (§8.2.6): its Via, From, To, Call-ID and CSeq copied, `to_tag` added
/// to the To when it has none (pass the dialog's local tag for anything but 100), no body.
pub fn response_to(request: &Request, status: impl Into<StatusCode>, to_tag: Option<&str>) -> Response {
    let mut headers = response_headers(request, to_tag);
    headers.push(ContentLength::from(0u32).into());
    Response { status_code: status.into(), version: request.version.clone(), headers, body: Vec::new() }
}

/// The CANCEL of `invite` (§9.1): same Request-URI, Call-ID, From, To, CSeq number and Route, the
/// INVITE's top Via only (so the same branch), CSeq method CANCEL. The transaction layer's
/// [`cancel`](crate::sip::transaction::TransactionLayer::cancel) builds the same request without
/// needing the INVITE; this one is for TUs that keep it.
pub fn cancel_for(invite: &Request) -> Result<Request, BuildError> {
    if invite.method != Method::Invite {
        return Err(BuildError::NotInvite(invite.method));
    }
    let via = top_via_value(&invite.headers).map_err(BuildError::Message)?;
    let (seq, _) = crate::sip::transaction::headers::cseq(&invite.headers).map_err(BuildError::Message)?;
    let mut headers = Headers::default();
    headers.push(Via::new(via).into());
    for h in invite.headers.iter() {
        match h {
            Header::MaxForwards(_) | Header::Route(_) | Header::From(_) | Header::To(_) | Header::CallId(_) => {
                headers.push(h.clone())
            }
            _ => {}
        }
    }
    headers.push(CSeq::new(cseq_value(seq, &Method::Cancel)).into());
    headers.push(ContentLength::from(0u32).into());
    Ok(Request {
        method: Method::Cancel,
        uri: invite.uri.clone(),
        version: invite.version.clone(),
        headers,
        body: Vec::new(),
    })
}

/// A Via value: `SIP/2.0/UDP host:port;branch=…`.
pub(crate) fn via_value(transport: Transport, sent_by: &str, branch: &str) -> String {
    let transport = match transport {
        Transport::Udp => "UDP",
        Transport::Tcp => "TCP",
        Transport::Tls => "TLS",
        Transport::Sctp => "SCTP",
        Transport::TlsSctp => "TLS-SCTP",
        Transport::Ws => "WS",
        Transport::Wss => "WSS",
    };
    cat(&["SIP/2.0/", transport, " ", sent_by, ";branch=", branch])
}

/// A CSeq value: `1 INVITE`.
pub(crate) fn cseq_value(seq: u32, method: &Method) -> String {
    cat(&[itoa::Buffer::new().format(seq), " ", crate::sip::message::method_token(method)])
}
