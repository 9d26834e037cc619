//! How fast the SIP transaction layer runs and how much memory a call holds in it.
//!
//! `cargo run --release -p dialer --example sip_txn_bench [calls]`
//!
//! Two layers (a UAC and a UAS) pass messages to each other directly, without a network and
//! without parsing (the receiving side gets a clone of the sent `rsip` message, the part a parser
//! would produce), so the figures are the transaction and dialog layers' own cost, message
//! serialisation included. Memory is counted by a global allocator that tracks bytes in use.

use dialer::core::Time;
use dialer::sip::dialog::{Dialog, RequestSpec, ViaSpec, response_to};
use dialer::sip::transaction::{Config, Event, Input, Output, Peer, TransactionKey, TransactionLayer};
use rsip::headers::UntypedHeader;
use rsip::{Method, Request, SipMessage};
use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

/// Bytes allocated and not yet freed.
static IN_USE: AtomicUsize = AtomicUsize::new(0);

struct Counting;

// SAFETY: forwards to the system allocator unchanged and only counts.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        IN_USE.fetch_add(layout.size(), Ordering::Relaxed);
        // SAFETY: same layout contract as ours.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        IN_USE.fetch_sub(layout.size(), Ordering::Relaxed);
        // SAFETY: `ptr` came from `alloc` with this layout.
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        IN_USE.fetch_add(new_size, Ordering::Relaxed);
        IN_USE.fetch_sub(layout.size(), Ordering::Relaxed);
        // SAFETY: as for `dealloc` and `alloc`.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

const SDP: &[u8] = b"v=0\r\no=dialkit 1 1 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 192.0.2.1\r\nt=0 0\r\n\
m=audio 40000 RTP/AVP 0 8 101\r\na=rtpmap:0 PCMU/8000\r\na=rtpmap:8 PCMA/8000\r\n\
a=rtpmap:101 telephone-event/8000\r\na=sendrecv\r\n";

struct Bench {
    uac: TransactionLayer,
    uas: TransactionLayer,
    uac_peer: Peer,
    uas_peer: Peer,
}

impl Bench {
    fn new() -> Bench {
        Bench {
            uac: TransactionLayer::new(Config { seed: 1, ..Config::default() }),
            uas: TransactionLayer::new(Config { seed: 2, trying_after_ms: 0, ..Config::default() }),
            uac_peer: Peer::udp("192.0.2.1:5060".parse().unwrap()),
            uas_peer: Peer::udp("192.0.2.2:5060".parse().unwrap()),
        }
    }

    fn invite(&mut self, i: u64) -> Request {
        let branch = self.uac.new_branch();
        let tag = self.uac.new_token();
        RequestSpec::invite(&format!("sip:+1555{:07}@192.0.2.2:5060", i % 10_000_000))
            .via("192.0.2.1:5060", &branch)
            .from("sip:+15550100000@192.0.2.1", &tag)
            .call_id(&format!("{}@192.0.2.1", self.uac.new_token()))
            .contact("sip:dialer@192.0.2.1:5060")
            .body("application/sdp", SDP.to_vec())
            .build()
            .unwrap()
    }

    /// Drains both layers (the bytes would go to a socket), returning the server transaction
    /// the UAS heard of last.
    fn drain(&mut self) -> Option<TransactionKey> {
        let mut server = None;
        while self.uac.poll_output().is_some() {}
        while let Some(o) = self.uas.poll_output() {
            if let Output::Event(Event::Request { key, .. }) = o {
                server = Some(key);
            }
        }
        server
    }

    /// INVITE → 180 → 200 → ACK of the 2xx, to the point of an answered call with its dialog.
    fn answered_call(&mut self, i: u64, now: Time) -> (TransactionKey, Dialog) {
        let invite = self.invite(i);
        let key = self.uac.send_request(invite.clone(), self.uas_peer, now).unwrap();
        self.drain();
        self.uas
            .handle(Input::Received { message: SipMessage::Request(invite.clone()), peer: self.uac_peer }, now)
            .unwrap();
        let skey = self.drain().unwrap();
        let ringing = response_to(&invite, 180, Some("uas"));
        self.uas.send_response(skey, ringing.clone(), now).unwrap();
        let mut ok = response_to(&invite, 200, Some("uas"));
        ok.headers.push(rsip::headers::Contact::new("<sip:callee@192.0.2.2:5060>").into());
        self.uas.send_response(skey, ok.clone(), now).unwrap();
        self.drain();
        for r in [ringing, ok.clone()] {
            self.uac.handle(Input::Received { message: SipMessage::Response(r), peer: self.uas_peer }, now).unwrap();
        }
        let dialog = Dialog::uac(&invite, &ok).unwrap();
        let branch = self.uac.new_branch();
        let ack = dialog.ack(ViaSpec::udp("192.0.2.1:5060", &branch));
        self.uac.send_ack(key, ack.clone(), self.uas_peer, now).unwrap();
        self.uas.handle(Input::Received { message: SipMessage::Request(ack), peer: self.uac_peer }, now).unwrap();
        self.drain();
        (key, dialog)
    }

    /// An OPTIONS over TCP, answered at once: two transactions made and ended.
    fn options_tcp(&mut self, now: Time) {
        let branch = self.uac.new_branch();
        let options =
            RequestSpec::options("sip:192.0.2.2:5060").via_over(rsip::Transport::Tcp, "192.0.2.1:5060", &branch);
        let options = options.build().unwrap();
        let tcp_uas = Peer::tcp(self.uas_peer.addr);
        let tcp_uac = Peer::tcp(self.uac_peer.addr);
        self.uac.send_request(options.clone(), tcp_uas, now).unwrap();
        self.drain();
        self.uas.handle(Input::Received { message: SipMessage::Request(options.clone()), peer: tcp_uac }, now).unwrap();
        let skey = self.drain().unwrap();
        let ok = response_to(&options, 200, Some("uas"));
        self.uas.send_response(skey, ok.clone(), now).unwrap();
        self.drain();
        self.uac.handle(Input::Received { message: SipMessage::Response(ok), peer: tcp_uas }, now).unwrap();
        self.drain();
    }

    fn run_timers(&mut self, now: Time) {
        self.uac.handle_timeout(now);
        self.uas.handle_timeout(now);
        self.drain();
    }
}

fn main() {
    let calls: u64 = std::env::args().nth(1).and_then(|a| a.parse().ok()).unwrap_or(100_000);

    // 1. OPTIONS over TCP: the bare cost of a transaction's life on both sides, with the
    //    messages built beforehand (so this is the layers' work alone: matching, state,
    //    serialising what is sent, timers), then with them built in the loop.
    let mut b = Bench::new();
    let messages: Vec<(Request, rsip::Response)> = (0..calls)
        .map(|_| {
            let branch = b.uac.new_branch();
            let options = RequestSpec::options("sip:192.0.2.2:5060")
                .via_over(rsip::Transport::Tcp, "192.0.2.1:5060", &branch)
                .build()
                .unwrap();
            let ok = response_to(&options, 200, Some("uas"));
            (options, ok)
        })
        .collect();
    let (tcp_uas, tcp_uac) = (Peer::tcp(b.uas_peer.addr), Peer::tcp(b.uac_peer.addr));
    let start = Instant::now();
    for (i, (options, ok)) in messages.into_iter().enumerate() {
        let now = Time::from_ms(i as u64);
        b.uac.send_request(options.clone(), tcp_uas, now).unwrap();
        b.drain();
        b.uas.handle(Input::Received { message: SipMessage::Request(options), peer: tcp_uac }, now).unwrap();
        let skey = b.drain().unwrap();
        b.uas.send_response(skey, ok.clone(), now).unwrap();
        b.drain();
        b.uac.handle(Input::Received { message: SipMessage::Response(ok), peer: tcp_uas }, now).unwrap();
        b.drain();
    }
    let ns = start.elapsed().as_nanos() as f64 / calls as f64;
    println!(
        "OPTIONS over TCP, layers only (messages prebuilt): {ns:.0} ns per request ({:.0} ns per transaction)",
        ns / 2.0
    );
    let mut b = Bench::new();
    let start = Instant::now();
    for i in 0..calls {
        b.options_tcp(Time::from_ms(i));
    }
    let ns = start.elapsed().as_nanos() as f64 / calls as f64;
    println!(
        "OPTIONS over TCP, messages built in the loop too: {ns:.0} ns per request ({:.0} ns per transaction)",
        ns / 2.0
    );

    // 2. Answered calls over UDP at 20 000 calls/s of virtual time, every timer (G, L, M) run.
    let mut b = Bench::new();
    let start = Instant::now();
    let mut peak = 0;
    for i in 0..calls {
        let now = Time::from_ms(i / 20);
        b.answered_call(i, now);
        b.run_timers(now);
        peak = peak.max(b.uac.len() + b.uas.len());
    }
    let ns = start.elapsed().as_nanos() as f64 / calls as f64;
    println!(
        "INVITE/180/200/ACK over UDP with dialog, timers run, 20k calls/s: {ns:.0} ns per call (both sides); peak {peak} live transactions"
    );
    let mut now = Time::from_ms(calls / 20);
    while let Some(t) = b.uac.poll_timeout().into_iter().chain(b.uas.poll_timeout()).min() {
        now = t;
        b.run_timers(now);
    }
    assert!(b.uac.is_empty() && b.uas.is_empty(), "all ended by {now}");

    // 3. Memory: 10 000 ringing calls (INVITE client transaction in Proceeding + early dialog),
    //    then the same answered (Accepted + confirmed dialog).
    let n = 10_000u64;
    let mut b = Bench::new();
    let before = IN_USE.load(Ordering::Relaxed);
    let mut dialogs = Vec::with_capacity(n as usize);
    for i in 0..n {
        let invite = b.invite(i);
        b.uac.send_request(invite.clone(), b.uas_peer, Time::ZERO).unwrap();
        while b.uac.poll_output().is_some() {}
        let ringing = response_to(&invite, 180, Some("uas"));
        let dialog = Dialog::uac(&invite, &ringing).unwrap();
        b.uac.handle(Input::Received { message: SipMessage::Response(ringing), peer: b.uas_peer }, Time::ZERO).unwrap();
        while b.uac.poll_output().is_some() {}
        dialogs.push(dialog);
    }
    let ringing = (IN_USE.load(Ordering::Relaxed) - before) as f64 / n as f64;
    println!(
        "UAC memory, ringing call (INVITE client transaction in Proceeding + early dialog): {ringing:.0} bytes per call (dialog alone {} bytes inline)",
        std::mem::size_of::<Dialog>()
    );
    drop(dialogs);
    drop(b);

    let mut b = Bench::new();
    let before_uac = IN_USE.load(Ordering::Relaxed);
    let mut dialogs = Vec::with_capacity(n as usize);
    for i in 0..n {
        let (_, d) = b.answered_call(i, Time::ZERO);
        dialogs.push(d);
    }
    let both = (IN_USE.load(Ordering::Relaxed) - before_uac) as f64 / n as f64;
    println!(
        "UAC+UAS memory, answered call (client Accepted + server Accepted holding its 2xx + UAC dialog): {both:.0} bytes per call"
    );
    drop(dialogs);
    drop(b);

    // 4. Memory of a bare transaction: 10 000 OPTIONS client transactions waiting in Trying.
    let mut b = Bench::new();
    let before = IN_USE.load(Ordering::Relaxed);
    let mut request_bytes = 0;
    for _ in 0..n {
        let branch = b.uac.new_branch();
        let options =
            RequestSpec::new(Method::Options, "sip:192.0.2.2:5060").via("192.0.2.1:5060", &branch).build().unwrap();
        request_bytes = options.to_string().len();
        b.uac.send_request(options, b.uas_peer, Time::ZERO).unwrap();
        while b.uac.poll_output().is_some() {}
    }
    let per = (IN_USE.load(Ordering::Relaxed) - before) as f64 / n as f64;
    println!(
        "client non-INVITE transaction in Trying: {per:.0} bytes each, of which {request_bytes} the request kept for retransmission"
    );
}
