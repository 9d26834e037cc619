//! SIP dialogs (RFC 3261 §12): the state two user agents share for the life of a call, from which
//! every in-dialog request (ACK of the 2xx, BYE, re-INVITE) is built and against which every
//! incoming one is checked.
//!
//! A dialog is plain data owned by the TU (one per call), next to the call's transaction keys.
//! It never sends anything: its builders return `rsip::Request`s for
//! [`TransactionLayer::send_request`](crate::sip::transaction::TransactionLayer::send_request) (or
//! [`send_ack`](crate::sip::transaction::TransactionLayer::send_ack) for the ACK of a 2xx).
//!
//! ```
//! use dialer::sip::dialog::{Dialog, DialogState, RequestSpec, ViaSpec, response_to};
//! use rsip::headers::UntypedHeader;
//! let invite = RequestSpec::invite("sip:+15550100@trunk.example.com")
//!     .via("192.0.2.1:5060", "z9hG4bK1")
//!     .from("sip:dialer@192.0.2.1", "a1")
//!     .call_id("c1")
//!     .contact("sip:dialer@192.0.2.1:5060")
//!     .build()
//!     .unwrap();
//! // The callee answers (its transaction layer would send this 200).
//! let mut ok = response_to(&invite, 200, Some("b2"));
//! ok.headers.push(rsip::headers::Contact::new("<sip:callee@192.0.2.9:5070>").into());
//! let mut uac = Dialog::uac(&invite, &ok).unwrap();
//! assert_eq!(uac.state(), DialogState::Confirmed);
//! let ack = uac.ack(ViaSpec::udp("192.0.2.1:5060", "z9hG4bK2"));      // CSeq 1 ACK, new branch
//! let bye = uac.request(rsip::Method::Bye, ViaSpec::udp("192.0.2.1:5060", "z9hG4bK3")); // CSeq 2
//! assert_eq!(bye.uri.to_string(), "sip:callee@192.0.2.9:5070");
//! # let _ = ack;
//! ```

mod build;

pub use build::{RequestSpec, cancel_for, response_to};

use crate::sip::message::lex::cat;
use crate::sip::transaction::MessageError;
use crate::sip::transaction::headers::{call_id, cseq, from_tag, to_tag};
use compact_str::CompactString;
use rsip::headers::{CSeq, CallId, ContentLength, ContentType, From, MaxForwards, Route, To, UntypedHeader, Via};
use rsip::{Header, Headers, Method, Request, Response, Transport, Uri, Version};
use std::fmt::Write as _;

/// Why a request could not be built.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum BuildError {
    /// The Request-URI does not parse.
    #[error("request URI `{0}` does not parse ({1}); write it as sip:user@host[:port]")]
    Uri(String, String),
    /// No top Via was given.
    #[error("the request has no Via; give one with RequestSpec::via")]
    NoVia,
    /// A CANCEL can only be built from an INVITE.
    #[error("only an INVITE is cancelled, not a {0}")]
    NotInvite(Method),
    /// The INVITE lacks a header the CANCEL copies.
    #[error(transparent)]
    Message(MessageError),
    /// A body longer than 4 GiB.
    #[error("the body is longer than Content-Length can say")]
    BodyTooLong,
}

/// Why a dialog could not be made from a request or response.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum DialogError {
    /// A header the dialog needs is missing or malformed.
    #[error(transparent)]
    Message(#[from] MessageError),
    /// The response creates no dialog: a 100, a final failure, or a provisional without To tag
    /// (§12.1.2).
    #[error("a {0} response without To tag creates no dialog (§12.1.2)")]
    NoDialog(u16),
    /// The peer's request has no From tag (RFC 2543 peers): we cannot identify the dialog.
    #[error("the request has no From tag; RFC 3261 dialogs need one (§8.1.1.3)")]
    NoFromTag,
}

/// Why an in-dialog request was refused, and the response to send for it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum InDialogError {
    /// The CSeq is lower than the last one seen (§12.2.2): answer 500.
    #[error("CSeq {got} is lower than the last one seen ({last}): out of order, answer 500 (§12.2.2)")]
    OutOfOrder { got: u32, last: u32 },
    /// A re-INVITE while ours is pending: glare, answer 491 (§14.1).
    #[error("re-INVITE while ours is pending: glare, answer 491 (§14.1)")]
    Glare,
    /// A re-INVITE while the peer's previous one is unanswered: answer 500 (§14.2).
    #[error("re-INVITE before the previous one was answered: answer 500 (§14.2)")]
    Pending,
    /// The request has no readable CSeq.
    #[error("the request has no readable CSeq: answer 400")]
    BadCseq,
}

impl InDialogError {
    /// The status code to answer the refused request with.
    pub fn status_code(&self) -> u16 {
        match self {
            InDialogError::OutOfOrder { .. } | InDialogError::Pending => 500,
            InDialogError::Glare => 491,
            InDialogError::BadCseq => 400,
        }
    }
}

/// Which side of the dialog we are.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    /// We sent the INVITE.
    Uac,
    /// We received it.
    Uas,
}

/// Early (after a provisional with a tag) or confirmed (after a 2xx), §12.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DialogState {
    /// Created by a provisional response; a final failure ends it.
    Early,
    /// Created or confirmed by a 2xx.
    Confirmed,
    /// Ended by a BYE, a failure of the INVITE, or the TU.
    Terminated,
}

/// The identity of a dialog (§12): Call-ID and the two tags, from our point of view.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct DialogId {
    /// The Call-ID.
    pub call_id: CompactString,
    /// Our tag (From tag of our requests).
    pub local_tag: CompactString,
    /// The peer's tag.
    pub remote_tag: CompactString,
}

/// Where a request's top Via says we are: transport, our host:port and a fresh branch.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ViaSpec<'a> {
    /// The transport we send over.
    pub transport: Transport,
    /// Our host:port.
    pub sent_by: &'a str,
    /// A fresh branch ([`TransactionLayer::new_branch`](crate::sip::transaction::TransactionLayer::new_branch)).
    pub branch: &'a str,
}

impl<'a> ViaSpec<'a> {
    /// A Via over UDP.
    pub fn udp(sent_by: &'a str, branch: &'a str) -> ViaSpec<'a> {
        ViaSpec { transport: Transport::Udp, sent_by, branch }
    }

    fn header(&self) -> Header {
        Via::new(build::via_value(self.transport, self.sent_by, self.branch)).into()
    }
}

/// One dialog's state (§12.1): what both sides agreed on and the two sequence numbers. Kept
/// compact (strings as written, not parsed trees), as the load generator holds tens of thousands.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Dialog {
    role: Role,
    state: DialogState,
    id: DialogId,
    /// Our address (From of our requests), without tag.
    local_uri: Box<str>,
    /// The peer's address (To of our requests), without tag.
    remote_uri: Box<str>,
    local_seq: u32,
    remote_seq: Option<u32>,
    /// Where in-dialog requests go: the peer's Contact.
    remote_target: Uri,
    /// Route header values of our requests, in the order they go in.
    route_set: Vec<Box<str>>,
    secure: bool,
    /// CSeq number of the last INVITE we sent in this dialog: the ACK of its 2xx reuses it.
    invite_seq: u32,
    /// Our re-INVITE awaits its final response.
    reinvite_out: bool,
    /// The peer's re-INVITE awaits our final response.
    reinvite_in: bool,
}

impl Dialog {
    /// The UAC's dialog from our INVITE and a response to it with a To tag: early for 101–199,
    /// confirmed for 2xx (§12.1.2). The route set is the response's Record-Route, reversed.
    pub fn uac(invite: &Request, response: &Response) -> Result<Dialog, DialogError> {
        let code = response.status_code.code();
        let remote_tag = to_tag(&response.headers)?;
        let (state, remote_tag) = match (code, remote_tag) {
            (101..=199, Some(tag)) => (DialogState::Early, tag),
            (200..=299, Some(tag)) => (DialogState::Confirmed, tag),
            _ => return Err(DialogError::NoDialog(code)),
        };
        let local_tag = from_tag(&invite.headers)?.unwrap_or_default();
        let (seq, _) = cseq(&invite.headers)?;
        let mut route_set = record_route(&response.headers)?;
        route_set.reverse();
        let remote_target = contact_uri(&response.headers)?.unwrap_or_else(|| invite.uri.clone());
        Ok(Dialog {
            role: Role::Uac,
            state,
            id: DialogId { call_id: call_id(&invite.headers)?.into(), local_tag, remote_tag },
            local_uri: address_of(&invite.headers, "From")?,
            remote_uri: address_of(&invite.headers, "To")?,
            local_seq: seq,
            remote_seq: None,
            secure: invite.uri.is_sips().unwrap_or(false),
            remote_target,
            route_set,
            invite_seq: seq,
            reinvite_out: false,
            reinvite_in: false,
        })
    }

    /// The UAS's dialog from the peer's INVITE and our tag (§12.1.1), early until
    /// [`confirm`](Self::confirm) (when we send the 2xx). The route set is the request's
    /// Record-Route in order.
    pub fn uas(invite: &Request, local_tag: &str) -> Result<Dialog, DialogError> {
        let remote_tag = from_tag(&invite.headers)?.ok_or(DialogError::NoFromTag)?;
        let (seq, _) = cseq(&invite.headers)?;
        let remote_target = contact_uri(&invite.headers)?.ok_or(MessageError::Missing("Contact"))?;
        Ok(Dialog {
            role: Role::Uas,
            state: DialogState::Early,
            id: DialogId { call_id: call_id(&invite.headers)?.into(), local_tag: local_tag.into(), remote_tag },
            local_uri: address_of(&invite.headers, "To")?,
            remote_uri: address_of(&invite.headers, "From")?,
            local_seq: 0,
            remote_seq: Some(seq),
            secure: invite.uri.is_sips().unwrap_or(false),
            remote_target,
            route_set: record_route(&invite.headers)?,
            invite_seq: 0,
            reinvite_out: false,
            reinvite_in: false,
        })
    }

    /// Our side.
    pub fn role(&self) -> Role {
        self.role
    }

    /// Early, confirmed or terminated.
    pub fn state(&self) -> DialogState {
        self.state
    }

    /// Call-ID and tags: the TU's key for its table of dialogs.
    pub fn id(&self) -> &DialogId {
        &self.id
    }

    /// Where in-dialog requests go (before the route set applies).
    pub fn remote_target(&self) -> &Uri {
        &self.remote_target
    }

    /// The address our in-dialog requests go to: the first Route's (loose routing), else the
    /// remote target's. `None` when that names a host we would have to resolve (a name, not an
    /// address). The port defaults to 5060.
    pub fn next_hop(&self) -> Option<std::net::SocketAddr> {
        let uri = match self.route_set().next() {
            Some(route) => {
                let inner = route.trim().trim_start_matches('<');
                let inner = inner.split('>').next().unwrap_or(inner);
                crate::sip::message::parse_uri(inner).ok()?.uri
            }
            None => self.remote_target.clone(),
        };
        let ip = match uri.host_with_port.host {
            rsip::Host::IpAddr(ip) => ip,
            rsip::Host::Domain(_) => return None,
        };
        let port = uri.host_with_port.port.map_or(5060, |p| *p.value());
        Some(std::net::SocketAddr::new(ip, port))
    }

    /// Route header values, in the order our requests carry them.
    pub fn route_set(&self) -> impl Iterator<Item = &str> {
        self.route_set.iter().map(|r| &**r)
    }

    /// Whether the dialog was set up over `sips:` (§12.1.1).
    pub fn secure(&self) -> bool {
        self.secure
    }

    /// CSeq number of our last request.
    pub fn local_seq(&self) -> u32 {
        self.local_seq
    }

    /// CSeq number of the peer's last request, if any.
    pub fn remote_seq(&self) -> Option<u32> {
        self.remote_seq
    }

    /// We (UAS) sent a 2xx: the dialog is confirmed.
    pub fn confirm(&mut self) {
        if self.state == DialogState::Early {
            self.state = DialogState::Confirmed;
        }
    }

    /// The call is over (BYE sent or received, or the TU gave up).
    pub fn terminate(&mut self) {
        self.state = DialogState::Terminated;
    }

    /// Whether `request` belongs to this dialog (Call-ID, its To tag is ours, its From tag theirs).
    pub fn matches(&self, request: &Request) -> bool {
        call_id(&request.headers).is_ok_and(|c| c == self.id.call_id)
            && to_tag(&request.headers).is_ok_and(|t| t.as_deref() == Some(self.id.local_tag.as_str()))
            && from_tag(&request.headers).is_ok_and(|t| t.as_deref() == Some(self.id.remote_tag.as_str()))
    }

    /// Takes in a response to one of our requests in this dialog (UAC): a 2xx to an INVITE
    /// confirms the dialog, refreshes the remote target and (on the first 2xx) the route set; a
    /// failure of the initial INVITE ends an early dialog; any final response to our re-INVITE
    /// (491 included) lets us send another.
    pub fn on_response(&mut self, response: &Response) -> Result<(), DialogError> {
        let code = response.status_code.code();
        let (_, method) = cseq(&response.headers)?;
        if method != Method::Invite || code < 200 {
            return Ok(());
        }
        if code < 300 {
            if self.state == DialogState::Early {
                let mut route_set = record_route(&response.headers)?;
                route_set.reverse();
                self.route_set = route_set;
                self.state = DialogState::Confirmed;
            }
            if let Some(target) = contact_uri(&response.headers)? {
                self.remote_target = target;
            }
        } else if self.state == DialogState::Early {
            self.state = DialogState::Terminated;
        }
        self.reinvite_out = false;
        Ok(())
    }

    /// Checks an incoming request of this dialog (§12.2.2) and takes in its CSeq: lower than the
    /// last is refused (500), a re-INVITE during ours is glare (491), a second re-INVITE before we
    /// answered the first is refused (500). A re-INVITE refreshes the remote target; a BYE ends
    /// the dialog. ACK and CANCEL are not sequenced and always pass.
    pub fn check_request(&mut self, request: &Request) -> Result<(), InDialogError> {
        if matches!(request.method, Method::Ack | Method::Cancel) {
            return Ok(());
        }
        let (seq, _) = cseq(&request.headers).map_err(|_| InDialogError::BadCseq)?;
        if let Some(last) = self.remote_seq
            && seq < last
        {
            return Err(InDialogError::OutOfOrder { got: seq, last });
        }
        if request.method == Method::Invite {
            if self.reinvite_out {
                return Err(InDialogError::Glare);
            }
            if self.reinvite_in {
                return Err(InDialogError::Pending);
            }
            self.reinvite_in = true;
            if let Ok(Some(target)) = contact_uri(&request.headers) {
                self.remote_target = target;
            }
        }
        self.remote_seq = Some(seq);
        if request.method == Method::Bye {
            self.state = DialogState::Terminated;
        }
        Ok(())
    }

    /// We sent the final response to the peer's re-INVITE: another may come.
    pub fn reinvite_answered(&mut self) {
        self.reinvite_in = false;
    }

    /// A new in-dialog request (§12.2.1.1): next CSeq, Request-URI and Route from the remote
    /// target and route set (loose or strict routing), our From and their To with tags. For an
    /// INVITE (re-INVITE) it notes the pending transaction for glare checks; use
    /// [`ack`](Self::ack) for ACK (it takes no new CSeq).
    pub fn request(&mut self, method: Method, via: ViaSpec) -> Request {
        self.local_seq = self.local_seq.wrapping_add(1).max(1);
        if method == Method::Invite {
            self.invite_seq = self.local_seq;
            self.reinvite_out = true;
        }
        self.build(method, self.local_seq, via)
    }

    /// A re-INVITE with a new offer (`application/sdp`).
    pub fn reinvite(&mut self, via: ViaSpec, sdp: Vec<u8>) -> Request {
        let mut request = self.request(Method::Invite, via);
        set_body(&mut request, "application/sdp", sdp);
        request
    }

    /// The ACK of the 2xx to our latest INVITE (§13.2.2.4): that INVITE's CSeq number, a new
    /// branch, the dialog's route.
    pub fn ack(&self, via: ViaSpec) -> Request {
        self.build(Method::Ack, self.invite_seq, via)
    }

    fn build(&self, method: Method, seq: u32, via: ViaSpec) -> Request {
        let mut headers = Headers::from(Vec::with_capacity(8 + self.route_set.len()));
        headers.push(via.header());
        headers.push(MaxForwards::new("70").into());
        // Loose routing unless the first route lacks `lr` (strict: it becomes the Request-URI and
        // the remote target goes last, §12.2.1.1).
        let strict = self.route_set.first().is_some_and(|r| !r.contains(";lr"));
        let mut uri = self.remote_target.clone();
        if strict {
            let first = &self.route_set[0];
            let inner = first.trim().trim_start_matches('<').split('>').next().unwrap_or(first);
            if let Ok(u) = crate::sip::message::parse_uri(inner) {
                uri = u.uri;
            }
            for r in &self.route_set[1..] {
                headers.push(Route::new(r.to_string()).into());
            }
            headers.push(Route::new(format!("<{}>", self.remote_target)).into());
        } else {
            for r in &self.route_set {
                headers.push(Route::new(r.to_string()).into());
            }
        }
        headers.push(From::new(cat(&[&self.local_uri, ";tag=", &self.id.local_tag])).into());
        let to = if self.id.remote_tag.is_empty() {
            self.remote_uri.to_string()
        } else {
            cat(&[&self.remote_uri, ";tag=", &self.id.remote_tag])
        };
        headers.push(To::new(to).into());
        headers.push(CallId::new(self.id.call_id.as_str()).into());
        headers.push(CSeq::new(build::cseq_value(seq, &method)).into());
        headers.push(ContentLength::from(0u32).into());
        Request { method, uri, version: Version::V2, headers, body: Vec::new() }
    }
}

/// Replaces a request's body, with its Content-Type and Content-Length.
fn set_body(request: &mut Request, content_type: &str, body: Vec<u8>) {
    request.headers.retain(|h| !matches!(h, Header::ContentLength(_) | Header::ContentType(_)));
    request.headers.push(ContentType::new(content_type).into());
    request.headers.push(ContentLength::from(u32::try_from(body.len()).unwrap_or(u32::MAX)).into());
    request.body = body;
}

/// The From or To header's address with its tag removed, as written (`"Bob" <sip:bob@b>;x=y`).
fn address_of(headers: &Headers, name: &'static str) -> Result<Box<str>, MessageError> {
    let value = headers
        .iter()
        .find_map(|h| match (h, name) {
            (Header::From(f), "From") => Some(f.value()),
            (Header::To(t), "To") => Some(t.value()),
            _ => None,
        })
        .ok_or(MessageError::Missing(name))?;
    // Drop the `;tag=…` parameter (after the angle brackets, or after the bare URI), keep the
    // rest.
    let split = match value.rfind('>') {
        Some(i) => i + 1,
        None => crate::sip::message::lex::pos(value, b';').unwrap_or(value.len()),
    };
    let (addr, params) = value.split_at(split);
    let kept: String = params.split(';').filter(|p| !p.trim().is_empty() && !p.trim_start().starts_with("tag=")).fold(
        String::new(),
        |mut s, p| {
            s.push(';');
            s.push_str(p.trim());
            s
        },
    );
    Ok(cat(&[addr.trim(), &kept]).into())
}

/// The first Contact's URI, if there is a Contact.
fn contact_uri(headers: &Headers) -> Result<Option<Uri>, MessageError> {
    let Some(h) = headers.iter().find_map(|h| match h {
        Header::Contact(c) => Some(c),
        _ => None,
    }) else {
        return Ok(None);
    };
    let list = name_addrs("Contact", h.value())?;
    Ok(list.into_iter().next().map(|na| na.uri))
}

/// Every Record-Route value, one per route (a header may list several), in message order, each
/// written `<uri>;params` by our own writer (rsip's typed header refuses IPv6 hosts).
fn record_route(headers: &Headers) -> Result<Vec<Box<str>>, MessageError> {
    let mut routes = Vec::new();
    for h in headers.iter() {
        if let Header::RecordRoute(rr) = h {
            for na in name_addrs("Record-Route", rr.value())? {
                let mut route = format!("<{}>", crate::sip::message::UriDisplay(&na.uri));
                for (name, value) in &na.params {
                    route.push(';');
                    route.push_str(name);
                    if let Some(v) = value {
                        let plain = !v.is_empty() && v.bytes().all(crate::sip::message::lex::is_gen_value_byte);
                        if plain {
                            let _ = write!(route, "={v}");
                        } else {
                            let _ = write!(route, "=\"{}\"", v.replace('\\', "\\\\").replace('"', "\\\""));
                        }
                    }
                }
                routes.push(route.into_boxed_str());
            }
        }
    }
    Ok(routes)
}

/// A name-addr list header through the message layer's parser.
fn name_addrs(header: &'static str, value: &str) -> Result<Vec<crate::sip::message::NameAddr>, MessageError> {
    crate::sip::message::parse_name_addr_list(value).map_err(|e| MessageError::Malformed {
        header,
        value: value.chars().take(200).collect(),
        reason: e.to_string(),
    })
}

#[cfg(test)]
mod tests;
