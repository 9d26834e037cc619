//! Registration with trunks that ask for it (`register = true`): RFC 3261 §10. The driver
//! REGISTERs each such trunk when it starts, answers a 401 or 407 with its digest credentials,
//! refreshes the binding halfway through the time the registrar granted, and takes no call through
//! the trunk while it is not registered. One Call-ID per trunk for the whole run, CSeq rising by
//! one a request (§10.2.4); the binding is the dialer's Contact, so calls to the trunk's number
//! could reach it (the dialer refuses inbound INVITEs it did not expect).

use super::Driver;
use crate::live::agents::AgentSide;
use crate::sip::dialog::RequestSpec;
use crate::sip::message::MessageExt;
use crate::sip::transaction::TransactionKey;
use rsip::headers::UntypedHeader;
use rsip::{Request, Response};
use std::time::Duration;
use tokio::time::Instant;

/// The binding asked for: an hour, a common registrar default.
pub const ASK_EXPIRES_S: u64 = 3600;
/// After a refused or unanswered REGISTER, the next try.
pub const RETRY: Duration = Duration::from_secs(30);
/// The shortest refresh interval, whatever a registrar grants.
const MIN_REFRESH: Duration = Duration::from_secs(1);

/// One trunk's registration state.
#[derive(Debug)]
pub struct Registration {
    /// The same for every REGISTER of this trunk in a run.
    pub call_id: String,
    /// The last CSeq used.
    pub cseq: u32,
    /// The REGISTER in flight and the request itself (to answer a challenge).
    pub in_flight: Option<(TransactionKey, Request)>,
    /// Challenges answered for the request in flight: one per REGISTER, then it has failed.
    pub auth_tries: u32,
    /// Whether the registrar holds our binding now.
    pub registered: bool,
    /// When the next REGISTER goes (a refresh or a retry).
    pub next: Instant,
}

impl Registration {
    /// A registration to make at `now`, under a Call-ID unique to this run and trunk.
    pub fn new(trunk: usize, run_tag: u64, now: Instant) -> Registration {
        Registration {
            call_id: format!("reg-{trunk}-{run_tag:016x}@dialkit"),
            cseq: 0,
            in_flight: None,
            auth_tries: 0,
            registered: false,
            next: now,
        }
    }
}

/// How long the registrar bound us for: our Contact's `expires` parameter in the 200 (the same
/// user, host and port as `contact`, our Contact URI as sent, however the registrar spells the
/// rest), else the shortest `expires` among its Contacts, else its Expires header, else what we
/// asked (§10.2.4).
pub fn granted_expires(response: &Response, contact: &str) -> u64 {
    let key = |uri: &rsip::Uri| (uri.auth.as_ref().map(|a| a.user.clone()), uri.host_with_port.to_string());
    let ours = crate::sip::message::parse_uri(contact).ok().map(|p| key(&p.uri));
    let mut shortest: Option<u64> = None;
    if let Ok(contacts) = response.contacts() {
        for c in contacts {
            let Some(e) = c.param("expires").flatten().and_then(|v| v.trim().parse::<u64>().ok()) else { continue };
            if ours.as_ref() == Some(&key(&c.uri)) {
                return e;
            }
            shortest = Some(shortest.map_or(e, |s| s.min(e)));
        }
    }
    shortest.or_else(|| response.expires()).unwrap_or(ASK_EXPIRES_S)
}

/// When to refresh a binding granted for `expires_s` seconds: halfway through it.
pub fn refresh_after(expires_s: u64) -> Duration {
    Duration::from_millis(expires_s.saturating_mul(500)).max(MIN_REFRESH)
}

impl<A: AgentSide> Driver<A> {
    /// The user part of trunk `i`'s address of record: its username, else its caller ID.
    fn aor_user(&self, i: usize) -> String {
        let c = &self.trunks[i].config;
        c.username.clone().unwrap_or_else(|| c.caller_id.clone())
    }

    /// Our Contact for trunk `i`'s registration.
    fn register_contact(&self, i: usize) -> String {
        let transport = if self.trunks[i].peer.transport == rsip::Transport::Tcp { ";transport=tcp" } else { "" };
        format!("sip:{}@{}{transport}", self.aor_user(i), self.local)
    }

    /// REGISTERs every trunk whose registration (or refresh, or retry) is due.
    pub(super) fn register_due(&mut self, now: Instant) {
        for i in 0..self.trunks.len() {
            let due = match &self.trunks[i].registration {
                Some(r) => r.in_flight.is_none() && r.next <= now,
                None => false,
            };
            if due {
                self.send_register(i, None);
            }
        }
    }

    /// Sends trunk `i`'s next REGISTER, with `authorization` when it answers a challenge.
    fn send_register(&mut self, i: usize, authorization: Option<rsip::Header>) {
        let user = self.aor_user(i);
        let contact = self.register_contact(i);
        let branch = self.ep.layer().new_branch();
        let t = &self.trunks[i];
        let host = super::sip::bracket(&t.config.host);
        let registrar = format!("sip:{host}:{}", t.config.port);
        let aor = format!("sip:{user}@{host}");
        let peer = t.peer;
        let Some(reg) = &self.trunks[i].registration else { return };
        let cseq = reg.cseq + 1;
        let mut spec = RequestSpec::register(&registrar, &aor)
            .via_over(peer.transport, &self.local, &branch)
            .from(&aor, &format!("{:x}", self.seq.wrapping_add(cseq.into())))
            .call_id(&reg.call_id)
            .cseq(cseq)
            .contact(&contact)
            .header(rsip::headers::Expires::new(ASK_EXPIRES_S.to_string()).into());
        if let Some(h) = authorization {
            spec = spec.header(h);
        }
        let request = match spec.build() {
            Ok(r) => r,
            Err(e) => {
                eprintln!("dialer: trunk {}: cannot build its REGISTER: {e}", self.trunks[i].config.uri);
                return self.register_failed(i, "unbuildable REGISTER");
            }
        };
        let time = self.ep.now();
        match self.ep.layer().send_request(&request, peer, time) {
            Ok(key) => {
                self.register_keys.insert(key, i);
                if let Some(reg) = &mut self.trunks[i].registration {
                    reg.cseq = cseq;
                    reg.in_flight = Some((key, request));
                }
            }
            Err(e) => {
                eprintln!("dialer: trunk {}: REGISTER not sent: {e}", self.trunks[i].config.uri);
                self.register_failed(i, "send failed");
            }
        }
    }

    /// A final response to a REGISTER of trunk `i`.
    pub(super) fn on_register_response(&mut self, i: usize, key: TransactionKey, response: Response) {
        let code = response.status_code.code();
        if code < 200 {
            return;
        }
        self.register_keys.remove(&key);
        let uri = self.trunks[i].config.uri.clone();
        let Some(reg) = &mut self.trunks[i].registration else { return };
        let Some((_, request)) = reg.in_flight.take() else { return };
        match code {
            200..=299 => {
                let expires = granted_expires(&response, &self.register_contact(i));
                if expires == 0 {
                    // Bound for no time at all: as good as refused.
                    eprintln!("dialer: trunk {uri}: REGISTER granted 0 s");
                    return self.register_failed(i, "granted 0 s");
                }
                let Some(reg) = &mut self.trunks[i].registration else { return };
                let first = !reg.registered;
                reg.registered = true;
                reg.auth_tries = 0;
                reg.next = Instant::now() + refresh_after(expires);
                if first {
                    eprintln!("dialer: trunk {uri} registered (for {expires} s)");
                }
            }
            401 | 407 if reg.auth_tries == 0 => {
                reg.auth_tries += 1;
                let cnonce = format!("{:016x}", self.seq.wrapping_mul(0x9e37_79b9_7f4a_7c15) ^ u64::from(reg.cseq));
                let header = match &self.trunks[i].credentials {
                    Some(credentials) => self.digest.answer(&response, &request, credentials, &cnonce),
                    None => None,
                };
                match header {
                    Some(h) => self.send_register(i, Some(h)),
                    None => {
                        eprintln!("dialer: trunk {uri}: REGISTER challenged ({code}) and no username to answer with");
                        self.register_failed(i, "challenged");
                    }
                }
            }
            _ => {
                eprintln!("dialer: trunk {uri}: REGISTER answered {code}");
                self.register_failed(i, "refused");
            }
        }
    }

    /// Trunk `i`'s REGISTER failed (refused, unanswered, or challenged twice): no calls through it
    /// until a later try succeeds.
    pub(super) fn register_failed(&mut self, i: usize, why: &str) {
        let uri = self.trunks[i].config.uri.clone();
        let Some(reg) = &mut self.trunks[i].registration else { return };
        if let Some((key, _)) = reg.in_flight.take() {
            self.register_keys.remove(&key);
        }
        reg.auth_tries = 0;
        reg.next = Instant::now() + RETRY;
        if reg.registered {
            eprintln!("dialer: trunk {uri} is not registered ({why}); no calls through it until it is");
        }
        reg.registered = false;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn response(headers: &str) -> Response {
        let text = format!(
            "SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bKr\r\nFrom: <sip:u@h>;tag=1\r\nTo: <sip:u@h>;tag=2\r\nCall-ID: c\r\nCSeq: 1 REGISTER\r\n{headers}Content-Length: 0\r\n\r\n"
        );
        match crate::sip::message::parse(text.as_bytes()).unwrap() {
            rsip::SipMessage::Response(r) => r,
            rsip::SipMessage::Request(_) => unreachable!(),
        }
    }

    #[test]
    fn the_granted_time_is_our_contacts_then_the_expires_header_then_ours() {
        let ours = "sip:dialer@127.0.0.1:5070";
        let both = response(
            "Contact: <sip:other@10.0.0.1>;expires=60, <sip:dialer@127.0.0.1:5070>;expires=120\r\nExpires: 900\r\n",
        );
        assert_eq!(granted_expires(&both, ours), 120, "our binding's own expires");
        let spelled = response("Contact: <sip:dialer@127.0.0.1:5070;transport=TCP;ob>;expires=600\r\n");
        assert_eq!(granted_expires(&spelled, "sip:dialer@127.0.0.1:5070;transport=tcp"), 600, "our binding, respelled");
        let others =
            response("Contact: <sip:other@10.0.0.1>;expires=60, <sip:x@10.0.0.2>;expires=30\r\nExpires: 900\r\n");
        assert_eq!(granted_expires(&others, ours), 30, "the shortest binding when ours is not listed");
        let header = response("Contact: <sip:other@10.0.0.1>\r\nExpires: 900\r\n");
        assert_eq!(granted_expires(&header, ours), 900, "the Expires header when no Contact has its own");
        assert_eq!(granted_expires(&response(""), ours), ASK_EXPIRES_S, "what we asked, when the 200 says nothing");
        assert_eq!(refresh_after(3600), Duration::from_secs(1800));
        assert_eq!(refresh_after(0), MIN_REFRESH, "never a busy loop");
    }
}
