//! A fuzz entry point: bytes become a sequence of network messages, clock ticks and TU commands
//! against one layer. Whatever the bytes, nothing may panic; errors are the expected answer to
//! nonsense. A cargo-fuzz target calls [`fuzz_drive`] with the fuzzer's input.

use super::{Config, Input, Output, Peer, Time, TransactionKey, TransactionLayer};
use crate::sip::dialog::{Dialog, RequestSpec, ViaSpec, cancel_for, response_to};
use rsip::headers::UntypedHeader;
use rsip::{Header, Method, Request, SipMessage};

const METHODS: [Method; 7] =
    [Method::Invite, Method::Ack, Method::Cancel, Method::Bye, Method::Options, Method::Register, Method::Info];
/// Few branches, so that messages often hit the same transactions.
const BRANCHES: [&str; 4] = ["z9hG4bKa", "z9hG4bKb", "z9hG4bKc", "z9hG4bK"];
const HOSTS: [&str; 3] = ["192.0.2.1:5060", "192.0.2.7", "[2001:db8::1]:5070"];
const CODES: [u16; 12] = [100, 180, 183, 200, 202, 300, 401, 486, 487, 500, 603, 699];
/// Characters a fuzzed header field is made of: tokens and the separators parsers trip on.
const ALPHABET: &[u8] = b"abcz09.-_;,=<>\":@ \t%[]";

/// Reads the fuzzer's bytes one by one; zero once they run out.
struct Bytes<'a>(&'a [u8]);

impl Bytes<'_> {
    fn next(&mut self) -> Option<u8> {
        let (&b, rest) = self.0.split_first()?;
        self.0 = rest;
        Some(b)
    }

    fn byte(&mut self) -> u8 {
        self.next().unwrap_or(0)
    }

    fn pick<'t, T>(&mut self, table: &'t [T]) -> &'t T {
        &table[usize::from(self.byte()) % table.len()]
    }

    /// A short string from [`ALPHABET`].
    fn text(&mut self) -> String {
        let len = usize::from(self.byte() % 12);
        (0..len).map(|_| char::from(*self.pick(ALPHABET))).collect()
    }

    /// A branch: usually one of a few, sometimes made up.
    fn branch(&mut self) -> String {
        match self.byte() % 8 {
            0 => format!("z9hG4bK{}", self.text()),
            _ => (*self.pick(&BRANCHES)).to_owned(),
        }
    }
}

/// A request from a template with fuzzed method, branch, sent-by, CSeq, Call-ID and tags.
fn request(b: &mut Bytes) -> Option<Request> {
    let method = *b.pick(&METHODS);
    let cseq_method = if b.byte().is_multiple_of(16) { *b.pick(&METHODS) } else { method };
    let branch = b.branch();
    let host = *b.pick(&HOSTS);
    let seq = u32::from(b.byte());
    let call_id = if b.byte().is_multiple_of(4) { b.text() } else { "call-1".to_owned() };
    let from_tag = if b.byte().is_multiple_of(8) { b.text() } else { "f".to_owned() };
    let mut r = RequestSpec::new(method, "sip:callee@192.0.2.2")
        .via(host, &branch)
        .from("sip:a@192.0.2.1", &from_tag)
        .call_id(&call_id)
        .cseq(seq)
        .build()
        .ok()?;
    r.headers.retain(|h| !matches!(h, Header::CSeq(_)));
    r.headers.push(rsip::headers::CSeq::new(format!("{seq} {cseq_method}")).into());
    if b.byte().is_multiple_of(4) {
        // Headers dialogs read, garbled.
        match b.byte() % 3 {
            0 => r.headers.push(rsip::headers::Contact::new(b.text()).into()),
            1 => r.headers.push(rsip::headers::RecordRoute::new(b.text()).into()),
            _ => {
                r.headers.retain(|h| !matches!(h, Header::To(_)));
                r.headers.push(rsip::headers::To::new(b.text()).into());
            }
        }
    }
    if b.byte().is_multiple_of(8) {
        // Drop a header matching needs, or garble one.
        match b.byte() % 3 {
            0 => r.headers.retain(|h| !matches!(h, Header::Via(_))),
            1 => r.headers.retain(|h| !matches!(h, Header::CSeq(_))),
            _ => r.headers.push(rsip::headers::Via::new(b.text()).into()),
        }
    }
    Some(r)
}

fn code(b: &mut Bytes) -> u16 {
    if b.byte().is_multiple_of(8) { u16::from_le_bytes([b.byte(), b.byte()]) % 1000 } else { *b.pick(&CODES) }
}

fn key(b: &mut Bytes, keys: &[TransactionKey]) -> TransactionKey {
    let i = usize::from(b.byte());
    keys.get(i % keys.len().max(1)).copied().unwrap_or(TransactionKey { index: u32::from(b.byte()), generation: 0 })
}

/// Drives one layer with operations read from `data`. Never panics (that is what it checks);
/// results and errors are ignored, as the fuzzer only looks for crashes and hangs.
#[doc(hidden)]
pub fn fuzz_drive(data: &[u8]) {
    drive(data);
}

/// [`fuzz_drive`], returning the layer's counters so tests can see the bytes did something.
pub(super) fn drive(data: &[u8]) -> super::Stats {
    let mut b = Bytes(data);
    let t1 = 1 + u64::from(b.byte() % 4) * 250;
    let mut layer = TransactionLayer::new(Config {
        t1_ms: t1,
        trying_after_ms: u64::from(b.byte() % 3) * 100,
        ..Config::default()
    });
    let udp = Peer::udp(std::net::SocketAddr::from(([192, 0, 2, 1], 5060)));
    let tcp = Peer::tcp(std::net::SocketAddr::from(([192, 0, 2, 1], 5060)));
    let mut now = Time::ZERO;
    let mut keys: Vec<TransactionKey> = Vec::new();
    let mut ops = 0;
    while let Some(op) = b.next() {
        ops += 1;
        if ops > 10_000 {
            break;
        }
        let peer = if op & 0x80 == 0 { udp } else { tcp };
        match op % 9 {
            0 => {
                if let Some(r) = request(&mut b) {
                    // The TU's side: a dialog from it, and the in-dialog checks.
                    if let Ok(mut d) = Dialog::uas(&r, "t") {
                        let _ = d.check_request(&r);
                        let _ = d.request(Method::Bye, ViaSpec::udp("192.0.2.2", "z9hG4bKf"));
                    }
                    let _ = layer.handle(Input::Received { message: SipMessage::Request(r), peer }, now);
                }
            }
            1 => {
                if let Some(r) = request(&mut b) {
                    let tag = b.byte().is_multiple_of(2).then_some("t");
                    let mut response = response_to(&r, code(&mut b), tag);
                    if b.byte().is_multiple_of(2) {
                        response.headers.push(rsip::headers::RecordRoute::new(b.text()).into());
                    }
                    if let Ok(mut d) = Dialog::uac(&r, &response) {
                        let _ = d.on_response(&response);
                        let _ = d.ack(ViaSpec::udp("192.0.2.1", "z9hG4bKf"));
                    }
                    let _ = cancel_for(&r);
                    let _ = layer.handle(Input::Received { message: SipMessage::Response(response), peer }, now);
                }
            }
            2 => {
                now = now + u64::from(b.byte()) * 97;
                layer.handle_timeout(now);
            }
            3 => {
                if let Some(r) = request(&mut b)
                    && let Ok(k) = layer.send_request(r, peer, now)
                {
                    keys.push(k);
                }
            }
            4 => {
                let k = key(&mut b, &keys);
                if let Some(r) = request(&mut b) {
                    let _ = layer.send_response(k, response_to(&r, code(&mut b), Some("s")), now);
                }
            }
            5 => {
                if let Ok(k) = layer.cancel(key(&mut b, &keys), now) {
                    keys.push(k);
                }
            }
            6 => {
                let k = key(&mut b, &keys);
                if let Some(r) = request(&mut b) {
                    let _ = layer.send_ack(k, r, peer, now);
                }
            }
            7 => {
                let _ = layer.handle(Input::TransportError { key: key(&mut b, &keys) }, now);
            }
            _ => {
                let _ = layer.handle(Input::Timeout, now);
                let _ = layer.poll_timeout();
            }
        }
        while let Some(output) = layer.poll_output() {
            if let Output::Event(super::Event::Request { key, .. }) = output {
                keys.push(key);
            }
        }
        if keys.len() > 64 {
            keys.drain(..32);
        }
    }
    // Run the timers out (a server INVITE the TU never answered has none, and stays).
    let mut rounds = 0;
    while let Some(t) = layer.poll_timeout() {
        rounds += 1;
        if rounds > 100_000 {
            break;
        }
        layer.handle_timeout(t);
        while layer.poll_output().is_some() {}
    }
    layer.stats()
}
