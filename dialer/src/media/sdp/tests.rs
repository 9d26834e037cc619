//! SDP tests: descriptions shaped like those real peers send (our own fixtures, written from
//! what SIPp's built-in scenarios, baresip, Asterisk and an IPv6 softphone put on the wire),
//! malformed input, and offer/answer both ways.

use super::*;
use crate::media::G711;
use std::net::{Ipv4Addr, Ipv6Addr, SocketAddr};

/// `sipp -sn uac`'s INVITE body: one PCMU stream, CRLF lines, no direction attribute.
const SIPP_UAC_OFFER: &str = "v=0\r\n\
o=user1 53655765 2353687637 IN IP4 127.0.0.1\r\n\
s=-\r\n\
c=IN IP4 127.0.0.1\r\n\
t=0 0\r\n\
m=audio 6000 RTP/AVP 0\r\n\
a=rtpmap:0 PCMU/8000\r\n";

/// `sipp -sn uas`'s 200 OK body: the same shape, from the answering side.
const SIPP_UAS_ANSWER: &str = "v=0\r\n\
o=user1 53655765 2353687637 IN IP4 10.0.0.2\r\n\
s=-\r\n\
c=IN IP4 10.0.0.2\r\n\
t=0 0\r\n\
m=audio 6002 RTP/AVP 0\r\n\
a=rtpmap:0 PCMU/8000\r\n";

/// A baresip INVITE: wideband codecs first, G.711 after, telephone-event 0-15, its usual
/// extra attributes (label, rtcp-rsize, ssrc, mid), a bandwidth line, LF line ends.
const BARESIP_OFFER: &str = "v=0
o=- 1946383411 3283862478 IN IP4 192.0.2.10
s=-
c=IN IP4 192.0.2.10
t=0 0
m=audio 10004 RTP/AVP 96 9 0 8 101
b=TIAS:64000
a=rtpmap:96 opus/48000/2
a=fmtp:96 stereo=1;sprop-stereo=1
a=rtpmap:9 G722/8000
a=rtpmap:0 PCMU/8000
a=rtpmap:8 PCMA/8000
a=rtpmap:101 telephone-event/8000
a=fmtp:101 0-15
a=sendrecv
a=label:1
a=rtcp-rsize
a=ssrc:1634263187 cname:sip:alice@example.com
a=mid:0
a=minptime:20
a=ptime:20
";

/// An Asterisk INVITE: PCMA preferred, telephone-event 0-16, silenceSupp and maxptime.
const ASTERISK_OFFER: &str = "v=0\r\n\
o=root 19191 19193 IN IP4 198.51.100.7\r\n\
s=Asterisk PBX 18.20.0\r\n\
c=IN IP4 198.51.100.7\r\n\
t=0 0\r\n\
m=audio 13354 RTP/AVP 8 0 3 101\r\n\
a=rtpmap:8 PCMA/8000\r\n\
a=rtpmap:0 PCMU/8000\r\n\
a=rtpmap:3 GSM/8000\r\n\
a=rtpmap:101 telephone-event/8000\r\n\
a=fmtp:101 0-16\r\n\
a=silenceSupp:off - - - -\r\n\
a=ptime:20\r\n\
a=maxptime:150\r\n\
a=sendrecv\r\n";

/// A softphone on IPv6: static PCMA without rtpmap, telephone-event with no fmtp.
const IPV6_OFFER: &str = "v=0\r\n\
o=- 3912 3912 IN IP6 2001:db8:85a3::8a2e:370:7334\r\n\
s=Talk\r\n\
c=IN IP6 2001:db8:85a3::8a2e:370:7334\r\n\
t=0 0\r\n\
m=audio 7078 RTP/AVP 8 101\r\n\
a=rtpmap:101 telephone-event/8000\r\n\
\r\n";

fn local() -> LocalMedia {
    LocalMedia::new(IpAddr::V4(Ipv4Addr::new(192, 0, 2, 1)), 40000, 42)
}

fn parse(text: &str) -> SessionDescription {
    SessionDescription::parse(text).unwrap_or_else(|e| panic!("{e}\n{text}"))
}

fn answer_to(text: &str) -> Answer {
    answer(&parse(text), &local()).unwrap()
}

#[test]
fn parses_sipp_default_offer() {
    let sdp = parse(SIPP_UAC_OFFER);
    assert_eq!(sdp.origin.username, "user1");
    assert_eq!((sdp.origin.session_id, sdp.origin.session_version), (53655765, 2353687637));
    assert_eq!(sdp.origin.address, "127.0.0.1");
    assert_eq!(sdp.session_name, "-");
    assert_eq!(sdp.connection, Some(Connection { address: IpAddr::V4(Ipv4Addr::LOCALHOST) }));
    assert_eq!(sdp.timing, (0, 0));
    assert_eq!(sdp.media.len(), 1);
    let m = &sdp.media[0];
    assert_eq!((m.media.as_str(), m.port, m.protocol.as_str()), ("audio", 6000, "RTP/AVP"));
    assert_eq!(m.payload_types().collect::<Vec<_>>(), [0]);
    assert_eq!(
        m.rtpmap(0),
        Some(&RtpMap { payload_type: 0, encoding: "PCMU".into(), clock_rate: 8000, channels: None })
    );
    assert_eq!(sdp.direction(0), Direction::SendRecv, "no attribute means sendrecv");
    assert_eq!(m.ptime(), None);
}

#[test]
fn parses_baresip_offer_keeping_unknown_attributes() {
    let sdp = parse(BARESIP_OFFER);
    let m = &sdp.media[0];
    assert_eq!(m.payload_types().collect::<Vec<_>>(), [96, 9, 0, 8, 101]);
    assert_eq!(m.rtpmap(96).unwrap().channels, Some(2));
    assert_eq!(m.rtpmap(96).unwrap().clock_rate, 48000);
    assert_eq!(m.fmtp(96), Some("stereo=1;sprop-stereo=1"));
    assert_eq!(m.fmtp(101), Some("0-15"));
    assert_eq!(m.ptime(), Some(20));
    assert_eq!(m.direction(), Some(Direction::SendRecv));
    assert_eq!(m.other_lines, [Line { kind: 'b', value: "TIAS:64000".into() }]);
    assert!(m.attributes.contains(&Attribute::Other { name: "rtcp-rsize".into(), value: None }));
    assert!(m.attributes.contains(&Attribute::Other {
        name: "ssrc".into(),
        value: Some("1634263187 cname:sip:alice@example.com".into())
    }));
}

#[test]
fn parses_ipv6_connections() {
    let sdp = parse(IPV6_OFFER);
    let v6: Ipv6Addr = "2001:db8:85a3::8a2e:370:7334".parse().unwrap();
    assert_eq!(sdp.connection, Some(Connection { address: IpAddr::V6(v6) }));
    assert_eq!(sdp.origin.address_type, "IP6");
    assert_eq!(sdp.to_string().lines().nth(3), Some("c=IN IP6 2001:db8:85a3::8a2e:370:7334"));
}

#[test]
fn writing_then_parsing_gives_the_same_description() {
    for text in [SIPP_UAC_OFFER, SIPP_UAS_ANSWER, BARESIP_OFFER, ASTERISK_OFFER, IPV6_OFFER] {
        let sdp = parse(text);
        let written = sdp.to_string();
        assert!(written.ends_with("\r\n") && !written.contains("\r\n\r\n"));
        assert!(written.lines().all(|l| !l.ends_with('\r')), "every line ends in CRLF");
        assert_eq!(parse(&written), sdp, "{written}");
    }
    // SIPp's body comes back byte for byte.
    assert_eq!(parse(SIPP_UAC_OFFER).to_string(), SIPP_UAC_OFFER);
}

#[test]
fn our_offer_is_pcmu_pcma_and_telephone_event_101() {
    let sdp = offer(&local());
    assert_eq!(
        sdp.to_string(),
        "v=0\r\n\
         o=dialkit 42 42 IN IP4 192.0.2.1\r\n\
         s=-\r\n\
         c=IN IP4 192.0.2.1\r\n\
         t=0 0\r\n\
         m=audio 40000 RTP/AVP 0 8 101\r\n\
         a=rtpmap:0 PCMU/8000\r\n\
         a=rtpmap:8 PCMA/8000\r\n\
         a=rtpmap:101 telephone-event/8000\r\n\
         a=fmtp:101 0-16\r\n\
         a=ptime:20\r\n\
         a=sendrecv\r\n"
    );
    let mut v6 = local();
    v6.address = "2001:db8::1".parse().unwrap();
    v6.telephone_event = None;
    v6.codecs = vec![G711::Pcma];
    let text = offer(&v6).to_string();
    assert!(text.contains("o=dialkit 42 42 IN IP6 2001:db8::1\r\n"));
    assert!(text.contains("c=IN IP6 2001:db8::1\r\n"));
    assert!(text.contains("m=audio 40000 RTP/AVP 8\r\n"));
    assert!(!text.contains("telephone-event"));
}

#[test]
fn answers_sipp_with_pcmu_and_no_events() {
    let a = answer_to(SIPP_UAC_OFFER);
    let audio = a.audio.unwrap();
    assert_eq!(audio.codec, G711::Pcmu);
    assert_eq!(audio.payload_type, 0);
    assert_eq!(audio.telephone_event, None);
    assert_eq!(audio.remote, Some(SocketAddr::from((Ipv4Addr::LOCALHOST, 6000))));
    assert_eq!(audio.direction, Direction::SendRecv);
    assert_eq!(audio.ptime, 20);
    let text = a.sdp.to_string();
    assert!(text.contains("m=audio 40000 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\na=ptime:20\r\na=sendrecv\r\n"), "{text}");
    assert!(text.contains("c=IN IP4 192.0.2.1\r\n"));
}

#[test]
fn answers_baresip_with_its_first_codec_we_support() {
    let a = answer_to(BARESIP_OFFER);
    let audio = a.audio.unwrap();
    // opus and G.722 come first in the offer; PCMU is the first we support.
    assert_eq!((audio.codec, audio.payload_type, audio.telephone_event), (G711::Pcmu, 0, Some(101)));
    assert_eq!(audio.remote, Some("192.0.2.10:10004".parse().unwrap()));
    let m = &a.sdp.media[0];
    assert_eq!(m.formats, ["0", "101"]);
    assert_eq!(m.fmtp(101), Some("0-15"), "the events both sides know");
    assert_eq!(m.protocol, "RTP/AVP");
}

#[test]
fn answers_asterisk_with_pcma_its_preference() {
    let a = answer_to(ASTERISK_OFFER);
    let audio = a.audio.unwrap();
    assert_eq!((audio.codec, audio.payload_type, audio.telephone_event), (G711::Pcma, 8, Some(101)));
    assert_eq!(a.sdp.media[0].fmtp(101), Some("0-16"));
    // Our own preference does not override the offerer's order.
    let mut pcmu_first = local();
    pcmu_first.codecs = vec![G711::Pcmu, G711::Pcma];
    assert_eq!(answer(&parse(ASTERISK_OFFER), &pcmu_first).unwrap().audio.unwrap().codec, G711::Pcma);
    // But a codec we do not support is skipped.
    let mut only_pcmu = local();
    only_pcmu.codecs = vec![G711::Pcmu];
    assert_eq!(answer(&parse(ASTERISK_OFFER), &only_pcmu).unwrap().audio.unwrap().codec, G711::Pcmu);
}

#[test]
fn answers_ipv6_from_ipv6() {
    let mut ours = local();
    ours.address = "2001:db8::5".parse().unwrap();
    let a = answer(&parse(IPV6_OFFER), &ours).unwrap();
    let audio = a.audio.unwrap();
    assert_eq!(audio.codec, G711::Pcma, "static payload type 8 needs no rtpmap");
    assert_eq!(audio.telephone_event, Some(101));
    assert_eq!(audio.remote, Some("[2001:db8:85a3::8a2e:370:7334]:7078".parse().unwrap()));
    assert_eq!(a.sdp.media[0].fmtp(101), Some("0-15"), "no fmtp in the offer means 0-15 (RFC 4733)");
    let text = a.sdp.to_string();
    assert!(text.contains("c=IN IP6 2001:db8::5\r\n") && text.contains("IN IP6 2001:db8::5\r\ns=-"), "{text}");
}

#[test]
fn no_common_codec_rejects_the_stream_with_port_0() {
    let g729 =
        SIPP_UAC_OFFER.replace("RTP/AVP 0", "RTP/AVP 18").replace("a=rtpmap:0 PCMU/8000", "a=rtpmap:18 G729/8000");
    let a = answer_to(&g729);
    assert_eq!(a.audio, None);
    assert_eq!(a.sdp.media.len(), 1);
    let m = &a.sdp.media[0];
    assert_eq!((m.port, m.formats.as_slice()), (0, ["18".to_string()].as_slice()));
    assert!(a.sdp.to_string().contains("m=audio 0 RTP/AVP 18\r\n"));
    // A dynamic payload type whose rtpmap says PCMU at another rate is not G.711.
    let wideband =
        SIPP_UAC_OFFER.replace("RTP/AVP 0", "RTP/AVP 97").replace("a=rtpmap:0 PCMU/8000", "a=rtpmap:97 PCMU/16000");
    assert_eq!(answer_to(&wideband).audio, None);
    // Nor is telephone-event alone.
    let events_only = IPV6_OFFER.replace("RTP/AVP 8 101", "RTP/AVP 101");
    assert_eq!(answer_to(&events_only).audio, None);
}

#[test]
fn other_streams_are_rejected_and_the_first_plain_audio_accepted() {
    let offer = "v=0\r\no=- 1 1 IN IP4 203.0.113.9\r\ns=-\r\nt=0 0\r\n\
        m=audio 5000 RTP/SAVP 0\r\nc=IN IP4 203.0.113.9\r\na=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:x\r\n\
        m=audio 5002 RTP/AVP 0 8\r\nc=IN IP4 203.0.113.10\r\n\
        m=video 5004 RTP/AVP 96\r\nc=IN IP4 203.0.113.9\r\na=rtpmap:96 H264/90000\r\n\
        m=image 5006 udptl t38\r\nc=IN IP4 203.0.113.9\r\n\
        m=audio 5008 RTP/AVP 8\r\nc=IN IP4 203.0.113.9\r\n";
    let a = answer_to(offer);
    let audio = a.audio.unwrap();
    assert_eq!(audio.media_index, 1);
    assert_eq!(audio.remote, Some("203.0.113.10:5002".parse().unwrap()), "the stream's own c= line");
    let ports: Vec<u16> = a.sdp.media.iter().map(|m| m.port).collect();
    assert_eq!(ports, [0, 40000, 0, 0, 0], "one answer line per offered line, only one accepted");
    assert_eq!(a.sdp.media[3].formats, ["t38"]);
    assert_eq!(a.sdp.media[0].protocol, "RTP/SAVP");
}

#[test]
fn directions_are_answered_in_reverse() {
    let cases = [
        ("a=sendrecv", Direction::SendRecv),
        ("a=sendonly", Direction::RecvOnly), // the peer holds us: we listen (to music on hold)
        ("a=recvonly", Direction::SendOnly),
        ("a=inactive", Direction::Inactive),
    ];
    for (attribute, expected) in cases {
        let text = format!("{SIPP_UAC_OFFER}{attribute}\r\n");
        let a = answer_to(&text);
        assert_eq!(a.audio.unwrap().direction, expected, "{attribute}");
        assert_eq!(a.sdp.media[0].direction(), Some(expected));
        // At session level it applies to the stream just the same.
        let session_level = SIPP_UAC_OFFER.replace("t=0 0\r\n", &format!("t=0 0\r\n{attribute}\r\n"));
        assert_eq!(answer_to(&session_level).audio.unwrap().direction, expected, "session {attribute}");
    }
    // Our own limit narrows the answer.
    let mut listen_only = local();
    listen_only.direction = Direction::RecvOnly;
    let a = answer(&parse(SIPP_UAC_OFFER), &listen_only).unwrap();
    assert_eq!(a.audio.unwrap().direction, Direction::RecvOnly);
    let text = format!("{SIPP_UAC_OFFER}a=recvonly\r\n");
    assert_eq!(answer(&parse(&text), &listen_only).unwrap().audio.unwrap().direction, Direction::Inactive);
}

#[test]
fn old_style_hold_with_0_0_0_0_is_answered_recvonly_and_we_do_not_send() {
    let held = SIPP_UAC_OFFER.replace("c=IN IP4 127.0.0.1", "c=IN IP4 0.0.0.0");
    let a = answer_to(&held);
    let audio = a.audio.unwrap();
    assert_eq!(audio.direction, Direction::RecvOnly);
    assert!(!audio.direction.sends());
    assert_eq!(audio.remote, None);
    // Held and inactive: nothing either way.
    let both = format!("{held}a=recvonly\r\n");
    assert_eq!(answer_to(&both).audio.unwrap().direction, Direction::Inactive);
}

#[test]
fn an_offer_without_a_connection_cannot_be_answered() {
    let no_c = SIPP_UAC_OFFER.replace("c=IN IP4 127.0.0.1\r\n", "");
    assert_eq!(answer(&parse(&no_c), &local()), Err(OfferError::NoConnection { media: 0 }));
}

#[test]
fn accepts_sipp_uas_answer_to_our_offer() {
    let ours = offer(&local());
    let agreed = accept_answer(&ours, &parse(SIPP_UAS_ANSWER)).unwrap().unwrap();
    assert_eq!((agreed.codec, agreed.payload_type, agreed.telephone_event), (G711::Pcmu, 0, None));
    assert_eq!(agreed.remote, Some("10.0.0.2:6002".parse().unwrap()));
    assert_eq!(agreed.direction, Direction::SendRecv);
}

#[test]
fn both_ends_agree_on_the_stream() {
    let caller = local();
    for callee_direction in [Direction::SendRecv, Direction::SendOnly, Direction::RecvOnly, Direction::Inactive] {
        for caller_direction in [Direction::SendRecv, Direction::SendOnly] {
            let mut caller = caller.clone();
            caller.direction = caller_direction;
            let mut callee = LocalMedia::new(IpAddr::V4(Ipv4Addr::new(198, 51, 100, 3)), 30000, 7);
            callee.direction = callee_direction;
            callee.codecs = vec![G711::Pcma, G711::Pcmu];
            let sent = offer(&caller);
            // The offer goes over the wire as text.
            let received = parse(&sent.to_string());
            let answered = answer(&received, &callee).unwrap();
            let theirs = answered.audio.unwrap();
            let ours = accept_answer(&sent, &parse(&answered.sdp.to_string())).unwrap().unwrap();
            assert_eq!((ours.codec, ours.payload_type), (G711::Pcmu, 0), "the offerer's first choice");
            assert_eq!((theirs.codec, theirs.payload_type), (ours.codec, ours.payload_type));
            assert_eq!((ours.telephone_event, theirs.telephone_event), (Some(101), Some(101)));
            assert_eq!(ours.remote, Some("198.51.100.3:30000".parse().unwrap()));
            assert_eq!(theirs.remote, Some("192.0.2.1:40000".parse().unwrap()));
            // What one side sends, the other receives.
            assert_eq!(
                ours.direction.sends(),
                theirs.direction.receives(),
                "{caller_direction:?}/{callee_direction:?}"
            );
            assert_eq!(
                ours.direction.receives(),
                theirs.direction.sends(),
                "{caller_direction:?}/{callee_direction:?}"
            );
            assert!(ours.direction.sends() <= caller_direction.sends());
            assert!(theirs.direction.sends() <= callee_direction.sends());
        }
    }
}

#[test]
fn answers_that_break_offer_answer_are_errors() {
    let ours = offer(&local());
    // Rejected: port 0.
    let rejected = SIPP_UAS_ANSWER.replace("m=audio 6002", "m=audio 0");
    assert_eq!(accept_answer(&ours, &parse(&rejected)), Ok(None));
    // One m= line too many.
    let extra = format!("{SIPP_UAS_ANSWER}m=video 0 RTP/AVP 96\r\n");
    assert_eq!(accept_answer(&ours, &parse(&extra)), Err(AnswerError::MediaCount { offered: 1, answered: 2 }));
    // A codec we never offered.
    let g729 =
        SIPP_UAS_ANSWER.replace("RTP/AVP 0", "RTP/AVP 18").replace("a=rtpmap:0 PCMU/8000", "a=rtpmap:18 G729/8000");
    assert_eq!(
        accept_answer(&ours, &parse(&g729)),
        Err(AnswerError::NoOfferedCodec { media: 0, formats: "18".into() })
    );
    // No address.
    let no_c = SIPP_UAS_ANSWER.replace("c=IN IP4 10.0.0.2\r\n", "");
    assert_eq!(accept_answer(&ours, &parse(&no_c)), Err(AnswerError::NoConnection { media: 0 }));
    // Video where our audio was.
    let video = SIPP_UAS_ANSWER.replace("m=audio", "m=video");
    assert_eq!(accept_answer(&ours, &parse(&video)), Err(AnswerError::NotAudio { media: 0, found: "video".into() }));
    // An answer that leaves out rtpmap lines is read with our numbering.
    let bare = "v=0\r\no=- 1 1 IN IP4 10.0.0.2\r\ns=-\r\nc=IN IP4 10.0.0.2\r\nt=0 0\r\nm=audio 6002 RTP/AVP 8 101\r\na=sendonly\r\n";
    let agreed = accept_answer(&ours, &parse(bare)).unwrap().unwrap();
    assert_eq!((agreed.codec, agreed.telephone_event), (G711::Pcma, Some(101)));
    assert_eq!(agreed.direction, Direction::RecvOnly, "the peer holds us");
}

/// Asserts `sdp` fails on line `line` with `problem`, and that the message names the line.
fn assert_line_error(sdp: &str, line: usize, problem: LineProblem) {
    let err = SessionDescription::parse(sdp).expect_err("malformed");
    let message = err.to_string();
    match err {
        SdpParseError::Line { line: got_line, text, problem: got } => {
            assert_eq!((got_line, got), (line, problem), "{message}");
            assert!(message.contains(&format!("line {line} `{text}`")), "{message}");
        }
        other => panic!("expected an error on line {line}, got {other:?}"),
    }
}

#[test]
fn malformed_lines_are_errors_naming_the_line() {
    let base = SIPP_UAC_OFFER;
    let with = |from: &str, to: &str| base.replace(from, to);
    assert_line_error(&with("v=0", "o=x"), 1, LineProblem::NotFirstVersion);
    assert_line_error(&with("v=0", "v=1"), 1, LineProblem::Version);
    assert_line_error(&with("s=-", "s-"), 3, LineProblem::Syntax);
    assert_line_error(&with("s=-", "S=-"), 3, LineProblem::Syntax);
    assert_line_error(&with("c=IN IP4 127.0.0.1", "c=IN IP4 999.0.0.1"), 4, LineProblem::Address("999.0.0.1".into()));
    assert_line_error(&with("c=IN IP4 127.0.0.1", "c=IN IP6 127.0.0.1"), 4, LineProblem::Address("127.0.0.1".into()));
    assert_line_error(
        &with("c=IN IP4 127.0.0.1", "c=IN IP4 pbx.example.com"),
        4,
        LineProblem::Address("pbx.example.com".into()),
    );
    assert_line_error(&with("c=IN IP4 127.0.0.1", "c=IN IP4"), 4, LineProblem::Fields("`c=IN IP4|IP6 <address>`"));
    assert_line_error(&with("t=0 0", "t=now"), 5, LineProblem::Fields("`t=<start> <stop>`"));
    assert_line_error(&with("m=audio 6000", "m=audio 70000"), 6, LineProblem::Number("70000".into()));
    assert_line_error(&with("RTP/AVP 0", "RTP/AVP PCMU"), 6, LineProblem::PayloadType("PCMU".into()));
    assert_line_error(&with("RTP/AVP 0", "RTP/AVP 128"), 6, LineProblem::PayloadType("128".into()));
    assert_line_error(
        &with("RTP/AVP 0", "RTP/AVP"),
        6,
        LineProblem::Fields("`m=<media> <port>[/<count>] <protocol> <format> …`"),
    );
    assert_line_error(
        &with("a=rtpmap:0 PCMU/8000", "a=rtpmap:0 PCMU"),
        7,
        LineProblem::Fields("`a=rtpmap:<payload type> <encoding>/<clock rate>[/<channels>]`"),
    );
    assert_line_error(
        &with("a=rtpmap:0 PCMU/8000", "a=rtpmap:zero PCMU/8000"),
        7,
        LineProblem::PayloadType("zero".into()),
    );
    assert_line_error(&with("a=rtpmap:0 PCMU/8000", "a=rtpmap:0 PCMU/fast"), 7, LineProblem::Number("fast".into()));
    assert_line_error(&format!("{base}a=ptime:soon\r\n"), 8, LineProblem::Number("soon".into()));
    assert_line_error(&format!("{base}x=1\r\n"), 8, LineProblem::UnknownType('x'));
    assert_line_error(&format!("{base}s=again\r\n"), 8, LineProblem::Misplaced('s'));
    assert_line_error(&with("s=-\r\n", "s=-\r\ns=-\r\n"), 4, LineProblem::Repeated('s'));
    assert_line_error(&format!("{base}c=IN IP4 1.2.3.4\r\nc=IN IP4 1.2.3.5\r\n"), 9, LineProblem::Repeated('c'));
    assert_line_error(&format!("{base}v=0\r\n"), 8, LineProblem::Repeated('v'));
    // A blank line still counts in the numbering.
    assert_line_error(&with("t=0 0\r\n", "t=0 0\r\n\r\nm=audio x RTP/AVP 0\r\n"), 7, LineProblem::Number("x".into()));
}

#[test]
fn missing_lines_and_bad_bytes_are_errors() {
    assert_eq!(SessionDescription::parse(""), Err(SdpParseError::Empty));
    assert_eq!(SessionDescription::parse("\r\n\r\n"), Err(SdpParseError::Empty));
    let no_origin = SIPP_UAC_OFFER.replace("o=user1 53655765 2353687637 IN IP4 127.0.0.1\r\n", "");
    assert_eq!(SessionDescription::parse(&no_origin), Err(SdpParseError::Missing('o')));
    let no_timing = SIPP_UAC_OFFER.replace("t=0 0\r\n", "");
    assert_eq!(SessionDescription::parse(&no_timing), Err(SdpParseError::Missing('t')));
    let huge_id = SIPP_UAC_OFFER.replace("53655765", "999999999999999999999");
    assert_line_error(&huge_id, 2, LineProblem::Number("999999999999999999999".into()));
    let mut bytes = SIPP_UAC_OFFER.as_bytes().to_vec();
    let at = SIPP_UAC_OFFER.find("s=-").unwrap() + 2;
    bytes[at] = 0xFF;
    let err = SessionDescription::parse_bytes(&bytes).unwrap_err();
    assert!(matches!(&err, SdpParseError::Line { line: 3, problem: LineProblem::Encoding, .. }), "{err}");
    assert_eq!(SessionDescription::parse_bytes(SIPP_UAC_OFFER.as_bytes()), Ok(parse(SIPP_UAC_OFFER)));
    // Long garbage lines are cut in the message.
    let long = format!("v=0\r\n{}\r\n", "z".repeat(500));
    let message = SessionDescription::parse(&long).unwrap_err().to_string();
    assert!(message.len() < 200, "{message}");
}

#[test]
fn no_truncation_of_a_real_offer_panics() {
    for text in [BARESIP_OFFER, ASTERISK_OFFER, IPV6_OFFER] {
        for end in 0..text.len() {
            if text.is_char_boundary(end) {
                let _ = SessionDescription::parse(&text[..end]);
            }
        }
        for end in 0..text.len() {
            let _ = SessionDescription::parse_bytes(&text.as_bytes()[..end]);
        }
    }
}

#[test]
fn tolerated_variations() {
    // ptime written as a decimal, a multicast TTL, port counts, an fmtp of a non-RTP format.
    let text = format!(
        "{}a=ptime:30.0\r\nm=image 5006/2 udptl t38\r\nc=IN IP4 224.2.1.1/127\r\na=fmtp:t38 T38FaxVersion=0\r\n",
        SIPP_UAC_OFFER
    );
    let sdp = parse(&text);
    assert_eq!(sdp.media[0].ptime(), Some(30));
    assert_eq!(sdp.media[1].port_count, Some(2));
    assert_eq!(sdp.media[1].connection.unwrap().address, IpAddr::V4(Ipv4Addr::new(224, 2, 1, 1)));
    assert_eq!(sdp.media[1].payload_types().count(), 0, "t38 is not RTP");
    assert!(matches!(&sdp.media[1].attributes[0], Attribute::Other { name, .. } if name == "fmtp"));
    assert_eq!(answer_to(&text).audio.unwrap().ptime, 30);
}

#[test]
fn mutated_offers_never_panic_and_what_parses_round_trips() {
    use crate::media::rng::SplitMix64;
    let mut rng = SplitMix64::new(4566);
    let alphabet: Vec<char> = " =/:-.\r\n0123456789abcmtvoIPN".chars().collect();
    let mut parsed = 0;
    for round in 0..4000 {
        let base = [SIPP_UAC_OFFER, BARESIP_OFFER, ASTERISK_OFFER, IPV6_OFFER][round % 4];
        let mut chars: Vec<char> = base.chars().collect();
        for _ in 0..rng.int(1, 3) {
            let at = rng.int(0, chars.len() as u32 - 1) as usize;
            let with = alphabet[rng.int(0, alphabet.len() as u32 - 1) as usize];
            match rng.int(0, 2) {
                0 => chars[at] = with,
                1 => chars.insert(at, with),
                _ => {
                    chars.remove(at);
                }
            }
        }
        let text: String = chars.into_iter().collect();
        let Ok(sdp) = SessionDescription::parse(&text) else { continue };
        parsed += 1;
        let written = sdp.to_string();
        assert_eq!(SessionDescription::parse(&written).as_ref(), Ok(&sdp), "{text:?}\nwrote\n{written:?}");
        // Answering whatever parses must not panic either, and keeps the m= count.
        if let Ok(a) = answer(&sdp, &local()) {
            assert_eq!(a.sdp.media.len(), sdp.media.len());
        }
    }
    assert!(parsed > 1000, "mutations mostly keep the SDP valid: {parsed}");
}
