//! Arbitrary bytes through everything `dialer::sip::message` and `dialer::sip::auth` read from the
//! network: the datagram parser, the stream framer, the header accessors, the stateless reject
//! path, serialisation, and the digest header parsers. Nothing may panic, and a message we parse
//! must come back unchanged from serialize + parse.

#![no_main]

use dialer::sip::auth::{Answer, Challenge};
use dialer::sip::message::{MessageExt, StreamFramer, parse, reject, to_bytes};
use libfuzzer_sys::fuzz_target;
use rsip::SipMessage;

fn without_content_length(msg: &SipMessage) -> SipMessage {
    let mut msg = msg.clone();
    let headers = match &mut msg {
        SipMessage::Request(r) => &mut r.headers,
        SipMessage::Response(r) => &mut r.headers,
    };
    headers.retain(|h| !matches!(h, rsip::Header::ContentLength(_)));
    msg
}

fn exercise(bytes: &[u8]) {
    match parse(bytes) {
        Ok(msg) => {
            let _ = (msg.vias(), msg.cseq(), msg.from_tag(), msg.to_tag(), msg.max_forwards());
            let _ = (msg.contact_uri(), msg.record_routes(), msg.routes(), msg.content_type());
            let written = to_bytes(&msg);
            let again = parse(&written).expect("a message we wrote parses");
            assert_eq!(without_content_length(&again), without_content_length(&msg), "round trip");
        }
        Err(error) => {
            if let Some(answer) = reject(bytes, &error, "fuzz") {
                let _ = to_bytes(&SipMessage::Response(answer));
            }
        }
    }
}

fuzz_target!(|data: &[u8]| {
    exercise(data);

    // The same bytes as a TCP stream, split in two reads.
    let mut framer = StreamFramer::new(8192);
    let (first, second) = data.split_at(data.len() / 2);
    for chunk in [first, second] {
        framer.push(chunk);
        while let Ok(Some(frame)) = framer.pop() {
            exercise(&frame);
        }
    }

    if let Ok(text) = std::str::from_utf8(data) {
        let _ = Challenge::parse(text);
        let _ = Answer::parse(text);
    }
});
