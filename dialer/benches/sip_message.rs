//! Cost of one SIP message through `dialer::sip::message`: parse (with the header checks),
//! serialize, and the accessors a transaction layer calls on every message; rsip 0.4's own
//! `SipMessage::try_from` on the same bytes for comparison. The load generator handles about
//! six messages per call (INVITE, 100, 180, 200, ACK, BYE, 200 …) at >20 000 calls/s.
//!
//! `cargo bench -p dialer --bench sip_message`

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use dialer::sip::message::{MessageExt, parse, serialize};

const INVITE: &[u8] = b"INVITE sip:+15551234567@198.51.100.20:5060 SIP/2.0\r\n\
Via: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bK74bf9f1a2b3c;rport\r\n\
Max-Forwards: 70\r\n\
From: \"Dialkit\" <sip:dialer@192.0.2.10>;tag=9fxced76sl\r\n\
To: <sip:+15551234567@198.51.100.20>\r\n\
Call-ID: 3848276298220188511@192.0.2.10\r\n\
CSeq: 1 INVITE\r\n\
Contact: <sip:dialer@192.0.2.10:5060>\r\n\
User-Agent: dialkit/0.1\r\n\
Allow: INVITE, ACK, CANCEL, BYE, OPTIONS\r\n\
Content-Type: application/sdp\r\n\
Content-Length: 130\r\n\
\r\n\
v=0\r\n\
o=dialkit 1 1 IN IP4 192.0.2.10\r\n\
s=-\r\n\
c=IN IP4 192.0.2.10\r\n\
t=0 0\r\n\
m=audio 40000 RTP/AVP 0 8 101\r\n\
a=rtpmap:101 telephone-event/8000\r\n";

const OK: &[u8] = b"SIP/2.0 200 OK\r\n\
Via: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bK74bf9f1a2b3c;rport=5060;received=192.0.2.10\r\n\
From: \"Dialkit\" <sip:dialer@192.0.2.10>;tag=9fxced76sl\r\n\
To: <sip:+15551234567@198.51.100.20>;tag=8321234356\r\n\
Call-ID: 3848276298220188511@192.0.2.10\r\n\
CSeq: 1 INVITE\r\n\
Contact: <sip:+15551234567@198.51.100.20:5060>\r\n\
Content-Length: 0\r\n\
\r\n";

fn messages(c: &mut Criterion) {
    let mut group = c.benchmark_group("sip_message");
    group.throughput(Throughput::Elements(1));
    for (name, bytes) in [("INVITE with SDP", INVITE), ("200 OK", OK)] {
        let msg = parse(bytes).expect("the bench messages parse");
        group.bench_function(format!("parse {name}"), |b| b.iter(|| parse(black_box(bytes)).expect("parses")));
        group.bench_function(format!("rsip try_from {name}"), |b| {
            b.iter(|| rsip::SipMessage::try_from(black_box(bytes)).expect("rsip parses these"))
        });
        let mut out = Vec::with_capacity(1024);
        group.bench_function(format!("serialize {name}"), |b| {
            b.iter(|| {
                out.clear();
                serialize(black_box(&msg), &mut out);
                out.len()
            })
        });
        group.bench_function(format!("rsip to_string {name}"), |b| b.iter(|| black_box(&msg).to_string()));
        group.bench_function(format!("accessors {name}"), |b| {
            b.iter(|| {
                let m = black_box(&msg);
                (
                    m.branch().expect("via"),
                    m.cseq().expect("cseq"),
                    m.call_id().expect("call-id").len(),
                    m.to_tag().expect("to"),
                )
            })
        });
    }
    group.finish();
}

criterion_group!(benches, messages);
criterion_main!(benches);
