//! Scenario tests of the four state machines, in virtual time through the network model of
//! [`net`](super::net), and of a lone layer fed by hand where exact timings matter.

use super::net::{Pair, Side};
use super::*;
use crate::sip::dialog::{RequestSpec, response_to};
use rsip::headers::UntypedHeader;
use rsip::{Method, Request, SipMessage, Transport};

fn client_peer() -> Peer {
    Peer::udp("192.0.2.1:5060".parse().unwrap()) // a literal address
}

fn server_peer() -> Peer {
    Peer::udp("192.0.2.2:5060".parse().unwrap()) // a literal address
}

/// A request as a peer would send it.
fn request(method: Method, branch: &str, seq: u32) -> Request {
    RequestSpec::new(method, "sip:callee@192.0.2.2:5060")
        .via("192.0.2.1:5060", branch)
        .from("sip:dialer@192.0.2.1", "uac")
        .call_id("call-1")
        .cseq(seq)
        .contact("sip:dialer@192.0.2.1:5060")
        .build()
        .unwrap() // literals
}

/// Drains a lone layer: (transmitted start lines, events).
fn drain(layer: &mut TransactionLayer) -> (Vec<String>, Vec<Event>) {
    let mut lines = Vec::new();
    let mut events = Vec::new();
    while let Some(o) = layer.poll_output() {
        match o {
            Output::Transmit(t) => {
                lines.push(String::from_utf8_lossy(&t.bytes).lines().next().unwrap_or_default().to_owned())
            }
            Output::Event(e) => events.push(e),
        }
    }
    (lines, events)
}

/// Runs a lone layer's timers up to `until`, returning when it transmitted and what the TU heard.
fn run(layer: &mut TransactionLayer, until: u64) -> (Vec<u64>, Vec<(u64, Event)>) {
    let mut sent = Vec::new();
    let mut events = Vec::new();
    let mut now = 0;
    loop {
        let (lines, evs) = drain(layer);
        sent.extend(lines.iter().map(|_| now));
        events.extend(evs.into_iter().map(|e| (now, e)));
        match layer.poll_timeout() {
            Some(t) if t.as_ms() <= until => {
                now = t.as_ms();
                layer.handle_timeout(t);
            }
            _ => return (sent, events),
        }
    }
}

fn received(message: impl Into<SipMessage>, peer: Peer) -> Input {
    Input::Received { message: message.into(), peer }
}

// ---- retransmission schedules -------------------------------------------------------------

#[test]
fn invite_over_udp_is_retransmitted_on_timer_a_until_timer_b() {
    let mut pair = Pair::new(1);
    pair.net.loss = 1.0;
    let key = pair.send_invite();
    pair.drive();
    assert_eq!(pair.sent_times(Side::Client, "INVITE"), [0, 500, 1500, 3500, 7500, 15500, 31500]);
    assert_eq!(pair.timed_out(key), Some(Timer::B));
    let (at, _) = pair.client_events.iter().find(|(_, e)| matches!(e, Event::Timeout { .. })).unwrap();
    assert_eq!(at.as_ms(), 32_000);
    assert!(pair.client.is_empty());
    assert_eq!(pair.client.stats().retransmissions, 6);
    assert_eq!(pair.log.iter().filter(|s| s.retransmission).count(), 6, "all but the first flagged");
}

#[test]
fn non_invite_retransmissions_double_up_to_t2_until_timer_f() {
    let mut layer = TransactionLayer::new(Config::default());
    layer.send_request(request(Method::Options, "z9hG4bKopt", 1), server_peer(), Time::ZERO).unwrap();
    let (sent, events) = run(&mut layer, 100_000);
    assert_eq!(sent, [0, 500, 1500, 3500, 7500, 11500, 15500, 19500, 23500, 27500, 31500]);
    assert!(matches!(events[0], (32_000, Event::Timeout { timer: Timer::F, .. })));
    assert!(matches!(events[1], (32_000, Event::Terminated { .. })));
}

#[test]
fn non_invite_retransmits_every_t2_after_a_provisional() {
    let mut layer = TransactionLayer::new(Config::default());
    let register = request(Method::Register, "z9hG4bKreg", 1);
    layer.send_request(register.clone(), server_peer(), Time::ZERO).unwrap();
    drain(&mut layer);
    layer.handle(received(response_to(&register, 100, None), server_peer()), Time::from_ms(100)).unwrap();
    let (_, events) = drain(&mut layer);
    assert!(matches!(&events[..], [Event::Response { retransmission: false, .. }]));
    assert_eq!(layer.state(TransactionKey { index: 0, generation: 0 }), Some(State::Proceeding));
    let (sent, _) = run(&mut layer, 13_000);
    // The E armed before the 100 still fires at 500; from then on every T2.
    assert_eq!(sent, [500, 4500, 8500, 12500]);
}

#[test]
fn server_retransmits_its_2xx_until_the_ack_comes() {
    let mut layer = TransactionLayer::new(Config::default());
    let invite = request(Method::Invite, "z9hG4bKinv", 1);
    layer.handle(received(invite.clone(), client_peer()), Time::ZERO).unwrap();
    let (_, events) = drain(&mut layer);
    let Event::Request { key, .. } = events[0] else { panic!("expected the INVITE, got {events:?}") };
    layer.send_response(key, response_to(&invite, 200, Some("uas")), Time::ZERO).unwrap();
    let (sent, _) = run(&mut layer, 10_000);
    assert_eq!(sent, [0, 500, 1500, 3500, 7500]);
    // The ACK of a 2xx has its own branch; it is matched by Call-ID and CSeq.
    let ack = request(Method::Ack, "z9hG4bKack", 1);
    layer.handle(received(ack, client_peer()), Time::from_ms(10_000)).unwrap();
    let (_, events) = drain(&mut layer);
    assert!(matches!(&events[..], [Event::Ack { invite: Some(k), .. }] if *k == key));
    let (sent, events) = run(&mut layer, 100_000);
    assert!(sent.is_empty(), "no 2xx after the ACK: {sent:?}");
    // Timer L (64·T1 after the 2xx) ends it quietly.
    assert!(matches!(&events[..], [(32_000, Event::Terminated { .. })]));
}

#[test]
fn server_2xx_without_ack_is_reported_at_timer_l() {
    let mut layer = TransactionLayer::new(Config::default());
    let invite = request(Method::Invite, "z9hG4bKinv", 1);
    layer.handle(received(invite.clone(), client_peer()), Time::ZERO).unwrap();
    drain(&mut layer);
    layer
        .send_response(TransactionKey { index: 0, generation: 0 }, response_to(&invite, 200, Some("t")), Time::ZERO)
        .unwrap();
    let (sent, events) = run(&mut layer, 100_000);
    assert_eq!(sent, [0, 500, 1500, 3500, 7500, 11500, 15500, 19500, 23500, 27500, 31500]);
    assert!(matches!(events[0], (32_000, Event::Timeout { timer: Timer::L, .. })));
}

#[test]
fn timer_h_gives_up_on_a_missing_ack_for_a_failure() {
    let mut layer = TransactionLayer::new(Config::default());
    let invite = request(Method::Invite, "z9hG4bKinv", 1);
    layer.handle(received(invite.clone(), client_peer()), Time::ZERO).unwrap();
    drain(&mut layer);
    layer
        .send_response(TransactionKey { index: 0, generation: 0 }, response_to(&invite, 486, Some("t")), Time::ZERO)
        .unwrap();
    let (sent, events) = run(&mut layer, 100_000);
    assert_eq!(sent, [0, 500, 1500, 3500, 7500, 11500, 15500, 19500, 23500, 27500, 31500]);
    assert!(matches!(events[0], (32_000, Event::Timeout { timer: Timer::H, .. })));
    assert!(matches!(events[1], (32_000, Event::Terminated { .. })));
}

#[test]
fn hundred_trying_goes_out_after_200_ms_unless_the_tu_answered() {
    let mut layer = TransactionLayer::new(Config::default());
    layer.handle(received(request(Method::Invite, "z9hG4bKa", 1), client_peer()), Time::ZERO).unwrap();
    let (sent, _) = run(&mut layer, 1_000);
    assert_eq!(sent, [200]);

    let mut layer = TransactionLayer::new(Config::default());
    let invite = request(Method::Invite, "z9hG4bKb", 1);
    layer.handle(received(invite.clone(), client_peer()), Time::ZERO).unwrap();
    drain(&mut layer);
    let key = TransactionKey { index: 0, generation: 0 };
    layer.send_response(key, response_to(&invite, 180, Some("t")), Time::from_ms(100)).unwrap();
    let (lines, _) = drain(&mut layer);
    assert_eq!(lines, ["SIP/2.0 180 Ringing"]);
    layer.handle_timeout(Time::from_ms(200));
    assert_eq!(drain(&mut layer).0, Vec::<String>::new(), "no 100 after a 180");
}

// ---- RFC 6026: Accepted ---------------------------------------------------------------------

#[test]
fn client_passes_2xx_retransmissions_flagged_and_resends_its_ack_until_timer_m() {
    let mut layer = TransactionLayer::new(Config::default());
    let invite = request(Method::Invite, "z9hG4bKinv", 1);
    let key = layer.send_request(invite.clone(), server_peer(), Time::ZERO).unwrap();
    drain(&mut layer);
    let ok = response_to(&invite, 200, Some("uas"));
    layer.handle(received(ok.clone(), server_peer()), Time::from_ms(50)).unwrap();
    let (_, events) = drain(&mut layer);
    assert!(matches!(&events[..], [Event::Response { retransmission: false, .. }]));
    assert_eq!(layer.state(key), Some(State::Accepted));
    layer.send_ack(key, request(Method::Ack, "z9hG4bKack", 1), server_peer(), Time::from_ms(50)).unwrap();
    assert_eq!(drain(&mut layer).0, ["ACK sip:callee@192.0.2.2:5060 SIP/2.0"]);
    // The 2xx again (our ACK was lost): the TU hears it flagged, the ACK goes again.
    layer.handle(received(ok.clone(), server_peer()), Time::from_ms(550)).unwrap();
    let (lines, events) = drain(&mut layer);
    assert_eq!(lines, ["ACK sip:callee@192.0.2.2:5060 SIP/2.0"]);
    assert!(matches!(&events[..], [Event::Response { retransmission: true, .. }]));
    // Timer M ends the transaction 64·T1 after the first 2xx; later 2xx are stray.
    let (_, events) = run(&mut layer, 100_000);
    assert!(matches!(&events[..], [(32_050, Event::Terminated { .. })]));
    layer.handle(received(ok, server_peer()), Time::from_ms(40_000)).unwrap();
    assert!(drain(&mut layer).1.is_empty());
    assert_eq!(layer.stats().stray_responses, 1);
}

#[test]
fn server_absorbs_invite_retransmissions_after_its_2xx() {
    let mut layer = TransactionLayer::new(Config::default());
    let invite = request(Method::Invite, "z9hG4bKinv", 1);
    layer.handle(received(invite.clone(), client_peer()), Time::ZERO).unwrap();
    drain(&mut layer);
    layer
        .send_response(TransactionKey { index: 0, generation: 0 }, response_to(&invite, 200, Some("t")), Time::ZERO)
        .unwrap();
    drain(&mut layer);
    layer.handle(received(invite, client_peer()), Time::from_ms(100)).unwrap();
    let (lines, events) = drain(&mut layer);
    assert!(lines.is_empty() && events.is_empty(), "absorbed: {lines:?} {events:?}");
    assert_eq!(layer.stats().absorbed_requests, 1);
}

// ---- faults through the network model -------------------------------------------------------

#[test]
fn a_lost_invite_is_recovered_by_retransmission() {
    let mut pair = Pair::new(2);
    pair.net.lose_next(Side::Server, "INVITE", 1);
    let key = pair.send_invite();
    pair.drive();
    assert_eq!(pair.sent_times(Side::Client, "INVITE"), [0, 500]);
    assert_eq!(pair.finals(key), [200]);
    assert!(pair.errors.is_empty(), "{:?}", pair.errors);
    // The 2xx was acknowledged: the server stopped retransmitting it after the ACK arrived.
    assert_eq!(pair.sent_times(Side::Server, "200 OK").len(), 1);
    assert!(pair.server_events.iter().any(|(_, e)| matches!(e, Event::Ack { invite: Some(_), .. })));
    assert!(pair.client.is_empty() && pair.server.is_empty());
}

#[test]
fn a_lost_ack_makes_the_server_retransmit_and_the_client_ack_again() {
    let mut pair = Pair::new(3);
    pair.net.lose_next(Side::Server, "ACK", 1);
    let key = pair.send_invite();
    pair.drive();
    assert_eq!(pair.sent_times(Side::Server, "200 OK").len(), 2);
    assert_eq!(pair.sent_times(Side::Client, "ACK").len(), 2);
    assert_eq!(pair.finals(key), [200]);
    let retransmitted =
        pair.client_events.iter().filter(|(_, e)| matches!(e, Event::Response { retransmission: true, .. }));
    assert_eq!(retransmitted.count(), 1);
    assert!(!pair.server_events.iter().any(|(_, e)| matches!(e, Event::Timeout { .. })));
}

#[test]
fn duplicated_requests_are_absorbed_and_the_last_response_resent() {
    let mut pair = Pair::new(4);
    pair.net.duplicate = 1.0; // every datagram arrives twice
    let options = pair.request(Method::Options);
    let key = pair.send(options);
    pair.drive();
    let requests = pair.server_events.iter().filter(|(_, e)| matches!(e, Event::Request { .. })).count();
    assert_eq!(requests, 1, "one server transaction for the two copies");
    assert_eq!(pair.finals(key), [200], "one final response for the TU, whatever the copies");
    assert!(pair.server.stats().absorbed_requests >= 1);
}

#[test]
fn the_second_copy_of_a_request_after_the_response_gets_that_response_again() {
    let mut layer = TransactionLayer::new(Config::default());
    let bye = request(Method::Bye, "z9hG4bKbye", 2);
    layer.handle(received(bye.clone(), client_peer()), Time::ZERO).unwrap();
    let (_, events) = drain(&mut layer);
    let Event::Request { key, .. } = events[0] else { panic!("{events:?}") };
    layer.handle(received(bye.clone(), client_peer()), Time::from_ms(10)).unwrap();
    let (lines, events) = drain(&mut layer);
    assert!(lines.is_empty() && events.is_empty(), "Trying: nothing to resend yet");
    layer.send_response(key, response_to(&bye, 200, Some("t")), Time::from_ms(20)).unwrap();
    assert_eq!(drain(&mut layer).0, ["SIP/2.0 200 OK"]);
    layer.handle(received(bye, client_peer()), Time::from_ms(600)).unwrap();
    let (lines, events) = drain(&mut layer);
    assert_eq!(lines, ["SIP/2.0 200 OK"]);
    assert!(events.is_empty());
    assert_eq!(layer.stats().absorbed_requests, 2);
}

#[test]
fn a_200_overtaking_the_180_is_final_and_the_late_180_is_dropped() {
    let mut layer = TransactionLayer::new(Config::default());
    let invite = request(Method::Invite, "z9hG4bKinv", 1);
    let key = layer.send_request(invite.clone(), server_peer(), Time::ZERO).unwrap();
    drain(&mut layer);
    layer.handle(received(response_to(&invite, 200, Some("t")), server_peer()), Time::from_ms(30)).unwrap();
    layer.handle(received(response_to(&invite, 180, Some("t")), server_peer()), Time::from_ms(31)).unwrap();
    let (_, events) = drain(&mut layer);
    let codes: Vec<u16> = events
        .iter()
        .filter_map(|e| match e {
            Event::Response { response, .. } => Some(response.status_code.code()),
            _ => None,
        })
        .collect();
    assert_eq!(codes, [200]);
    assert_eq!(layer.state(key), Some(State::Accepted));
}

#[test]
fn reordering_on_the_wire_still_gives_one_final_response() {
    for seed in 0..20 {
        let mut pair = Pair::new(seed);
        pair.net.jitter_ms = 200; // the 180 (sent at 10 ms) and 200 (at 50 ms) cross often
        let key = pair.send_invite();
        pair.drive();
        assert_eq!(pair.finals(key), [200], "seed {seed}");
        assert!(pair.client.is_empty() && pair.server.is_empty(), "seed {seed}");
    }
}

#[test]
fn a_failure_is_acked_by_the_client_transaction_on_the_invite_branch() {
    let mut pair = Pair::new(5);
    pair.uas = Some(net::UasScript { ringing_after: None, final_after: Some(30), final_code: 486 });
    let key = pair.send_invite();
    let invite = pair.invites[&key].clone();
    pair.drive();
    assert_eq!(pair.finals(key), [486]);
    let ack = pair.log.iter().find(|s| s.from == Side::Client && s.line.starts_with("ACK")).expect("an ACK");
    let ack = Request::try_from(ack.text.as_str()).unwrap(); // our own bytes parse
    let branch = |r: &Request| headers::top_via(&r.headers).unwrap().branch;
    assert_eq!(branch(&ack), branch(&invite), "same branch as the INVITE (§17.1.1.3)");
    assert_eq!(headers::cseq(&ack.headers).unwrap(), (1, Method::Ack));
    assert_eq!(headers::to_tag(&ack.headers).unwrap().as_deref(), Some("uas"), "To from the response");
    assert_eq!(ack.uri, invite.uri);
    // The server went Completed → Confirmed: no timer H.
    assert!(!pair.server_events.iter().any(|(_, e)| matches!(e, Event::Timeout { .. })));
    assert_eq!(pair.sent_times(Side::Server, "486").len(), 1);
}

#[test]
fn a_lost_ack_for_a_failure_is_resent_when_the_failure_is_retransmitted() {
    let mut pair = Pair::new(6);
    pair.uas = Some(net::UasScript { ringing_after: None, final_after: Some(30), final_code: 486 });
    pair.net.lose_next(Side::Server, "ACK", 1);
    let key = pair.send_invite();
    pair.drive();
    assert_eq!(pair.finals(key), [486], "the retransmitted 486 is absorbed");
    assert_eq!(pair.sent_times(Side::Server, "486").len(), 2);
    assert_eq!(pair.sent_times(Side::Client, "ACK").len(), 2);
}

// ---- CANCEL ---------------------------------------------------------------------------------

#[test]
fn cancel_gets_200_then_the_invite_487_which_is_acked() {
    let mut pair = Pair::new(7);
    pair.uas = Some(net::UasScript { ringing_after: Some(10), final_after: None, final_code: 200 });
    let invite = pair.send_invite();
    pair.drive_until(Time::from_ms(1_000));
    assert_eq!(pair.client.state(invite), Some(State::Proceeding));
    let cancel = pair.client.cancel(invite, pair.now).unwrap();
    pair.drive();
    assert_eq!(pair.finals(cancel), [200]);
    assert_eq!(pair.finals(invite), [487]);
    // The server TU was told which INVITE the CANCEL is for.
    let cancels = pair.server_events.iter().find_map(|(_, e)| match e {
        Event::Request { request, cancels, .. } if request.method == Method::Cancel => Some(*cancels),
        _ => None,
    });
    assert!(matches!(cancels, Some(Some(_))));
    let cancel_text = &pair.log.iter().find(|s| s.line.starts_with("CANCEL")).unwrap().text;
    let cancel_req = Request::try_from(cancel_text.as_str()).unwrap();
    let invite_req = &pair.invites[&invite];
    assert_eq!(headers::top_via(&cancel_req.headers).unwrap(), headers::top_via(&invite_req.headers).unwrap());
    assert_eq!(headers::cseq(&cancel_req.headers).unwrap(), (1, Method::Cancel));
    assert_eq!(cancel_req.uri, invite_req.uri);
    assert_eq!(pair.sent_times(Side::Client, "ACK").len(), 1);
    assert!(pair.client.is_empty() && pair.server.is_empty());
    assert!(!pair.server_events.iter().any(|(_, e)| matches!(e, Event::Timeout { .. })));
    assert!(pair.errors.is_empty(), "{:?}", pair.errors);
}

#[test]
fn cancel_before_any_provisional_waits_for_one() {
    let mut pair = Pair::new(8);
    pair.uas = Some(net::UasScript { ringing_after: Some(300), final_after: None, final_code: 200 });
    pair.server.handle_timeout(Time::ZERO);
    let invite = pair.send_invite();
    let cancel = pair.client.cancel(invite, Time::ZERO).unwrap();
    assert_eq!(pair.client.state(cancel), Some(State::Held));
    assert_eq!(pair.client.cancel(invite, Time::ZERO), Err(CancelError::AlreadyCancelled(invite)));
    pair.drive();
    // The INVITE lands at 20 ms, its 100 Trying leaves at 220 and lands at 240: the CANCEL goes.
    assert_eq!(pair.sent_times(Side::Client, "CANCEL"), [240]);
    assert_eq!(pair.finals(invite), [487]);
}

#[test]
fn a_held_cancel_is_dropped_when_a_final_comes_first() {
    let mut layer = TransactionLayer::new(Config::default());
    let invite = request(Method::Invite, "z9hG4bKinv", 1);
    let key = layer.send_request(invite.clone(), server_peer(), Time::ZERO).unwrap();
    let cancel = layer.cancel(key, Time::ZERO).unwrap();
    drain(&mut layer);
    layer.handle(received(response_to(&invite, 486, Some("t")), server_peer()), Time::from_ms(40)).unwrap();
    let (lines, events) = drain(&mut layer);
    assert_eq!(lines, ["ACK sip:callee@192.0.2.2:5060 SIP/2.0"], "an ACK and no CANCEL");
    assert!(events.iter().any(|e| matches!(e, Event::Terminated { key } if *key == cancel)));
    assert_eq!(layer.state(cancel), None);
    assert!(matches!(layer.cancel(key, Time::from_ms(50)), Err(CancelError::Final { .. })));
}

#[test]
fn an_invite_cancelled_without_final_response_is_given_up_after_64_t1() {
    let mut layer = TransactionLayer::new(Config::default());
    let invite = request(Method::Invite, "z9hG4bKinv", 1);
    let key = layer.send_request(invite.clone(), server_peer(), Time::ZERO).unwrap();
    layer.handle(received(response_to(&invite, 180, Some("t")), server_peer()), Time::from_ms(40)).unwrap();
    layer.cancel(key, Time::from_ms(1_000)).unwrap();
    let (_, events) = run(&mut layer, 100_000);
    let timeout = events.iter().find_map(|(at, e)| match e {
        Event::Timeout { key: k, timer } if *k == key => Some((*at, *timer)),
        _ => None,
    });
    assert_eq!(timeout, Some((33_000, Timer::Cancel)));
}

#[test]
fn a_cancel_matching_no_invite_is_still_passed_up_for_a_481() {
    let mut layer = TransactionLayer::new(Config::default());
    layer.handle(received(request(Method::Cancel, "z9hG4bKnone", 1), client_peer()), Time::ZERO).unwrap();
    let (_, events) = drain(&mut layer);
    assert!(matches!(&events[..], [Event::Request { cancels: None, .. }]));
}

// ---- reliable transports ---------------------------------------------------------------------

#[test]
fn nothing_is_retransmitted_over_tcp() {
    let mut pair = Pair::with(Config::default(), 9, Transport::Tcp);
    pair.net.loss = 1.0;
    let invite = pair.send_invite();
    let options = pair.request(Method::Options);
    let options = pair.send(options);
    pair.drive();
    assert_eq!(pair.sent_times(Side::Client, "INVITE"), [0]);
    assert_eq!(pair.sent_times(Side::Client, "OPTIONS"), [0]);
    assert_eq!(pair.timed_out(invite), Some(Timer::B));
    assert_eq!(pair.timed_out(options), Some(Timer::F));

    let mut layer = TransactionLayer::new(Config::default());
    let req = request(Method::Invite, "z9hG4bKinv", 1);
    let tcp = Peer::tcp("192.0.2.1:5060".parse().unwrap()); // a literal address
    layer.handle(received(req.clone(), tcp), Time::ZERO).unwrap();
    drain(&mut layer);
    layer
        .send_response(TransactionKey { index: 0, generation: 0 }, response_to(&req, 486, Some("t")), Time::ZERO)
        .unwrap();
    let (sent, events) = run(&mut layer, 100_000);
    assert_eq!(sent, [0], "no timer G over TCP");
    assert!(matches!(events[0], (32_000, Event::Timeout { timer: Timer::H, .. })), "timer H still runs");
}

#[test]
fn timers_d_i_j_k_depend_on_the_transport() {
    let config = Config::default();
    for (timer, udp, tcp) in [(Timer::D, 32_000, 0), (Timer::I, 5_000, 0), (Timer::J, 32_000, 0), (Timer::K, 5_000, 0)]
    {
        assert_eq!(config.duration(timer, false), udp, "{timer:?} over UDP");
        assert_eq!(config.duration(timer, true), tcp, "{timer:?} over TCP");
    }
    // And the layer keeps each transaction exactly that long.
    for peer in [server_peer(), Peer::tcp("192.0.2.2:5060".parse().unwrap())] {
        let reliable = peer.reliable();
        let end_of = |events: &[(u64, Event)]| {
            events.iter().find_map(|(at, e)| matches!(e, Event::Terminated { .. }).then_some(*at))
        };
        // D: client INVITE after a failure.
        let mut layer = TransactionLayer::new(config.clone());
        let invite = request(Method::Invite, "z9hG4bKd", 1);
        layer.send_request(invite.clone(), peer, Time::ZERO).unwrap();
        layer.handle(received(response_to(&invite, 486, Some("t")), peer), Time::ZERO).unwrap();
        assert_eq!(end_of(&run(&mut layer, 100_000).1), Some(config.duration(Timer::D, reliable)), "D {reliable}");
        // K: client non-INVITE after its final.
        let mut layer = TransactionLayer::new(config.clone());
        let options = request(Method::Options, "z9hG4bKk", 1);
        layer.send_request(options.clone(), peer, Time::ZERO).unwrap();
        layer.handle(received(response_to(&options, 200, Some("t")), peer), Time::ZERO).unwrap();
        assert_eq!(end_of(&run(&mut layer, 100_000).1), Some(config.duration(Timer::K, reliable)), "K {reliable}");
        // J: server non-INVITE after its final.
        let mut layer = TransactionLayer::new(config.clone());
        layer.handle(received(options.clone(), peer), Time::ZERO).unwrap();
        layer
            .send_response(TransactionKey { index: 0, generation: 0 }, response_to(&options, 200, None), Time::ZERO)
            .unwrap();
        assert_eq!(end_of(&run(&mut layer, 100_000).1), Some(config.duration(Timer::J, reliable)), "J {reliable}");
        // I: server INVITE after the ACK of its failure.
        let mut layer = TransactionLayer::new(config.clone());
        layer.handle(received(invite.clone(), peer), Time::ZERO).unwrap();
        layer
            .send_response(TransactionKey { index: 0, generation: 0 }, response_to(&invite, 486, Some("t")), Time::ZERO)
            .unwrap();
        layer.handle(received(request(Method::Ack, "z9hG4bKd", 1), peer), Time::ZERO).unwrap();
        assert_eq!(end_of(&run(&mut layer, 100_000).1), Some(config.duration(Timer::I, reliable)), "I {reliable}");
    }
}

// ---- the table --------------------------------------------------------------------------------

#[test]
fn stray_responses_are_counted_and_dropped() {
    let mut layer = TransactionLayer::new(Config::default());
    let invite = request(Method::Invite, "z9hG4bKnobody", 1);
    layer.handle(received(response_to(&invite, 200, Some("t")), server_peer()), Time::ZERO).unwrap();
    assert!(layer.poll_output().is_none());
    assert_eq!(layer.stats().stray_responses, 1);
}

#[test]
fn a_response_matches_by_branch_and_cseq_method() {
    let mut layer = TransactionLayer::new(Config::default());
    let invite = request(Method::Invite, "z9hG4bKsame", 1);
    let key = layer.send_request(invite.clone(), server_peer(), Time::ZERO).unwrap();
    drain(&mut layer);
    // Same branch, but a response to a CANCEL: it does not belong to the INVITE transaction.
    let mut cancel = invite.clone();
    cancel.method = Method::Cancel;
    cancel.headers.retain(|h| !matches!(h, rsip::Header::CSeq(_)));
    cancel.headers.push(rsip::headers::CSeq::new("1 CANCEL").into());
    layer.handle(received(response_to(&cancel, 200, Some("t")), server_peer()), Time::ZERO).unwrap();
    assert!(drain(&mut layer).1.is_empty());
    assert_eq!(layer.state(key), Some(State::Calling));
}

#[test]
fn requests_match_by_sent_by_too() {
    let mut layer = TransactionLayer::new(Config::default());
    let a = request(Method::Options, "z9hG4bKdup", 1);
    let b = RequestSpec::new(Method::Options, "sip:callee@192.0.2.2:5060")
        .via("198.51.100.7:5060", "z9hG4bKdup")
        .call_id("other")
        .build()
        .unwrap();
    layer.handle(received(a, client_peer()), Time::ZERO).unwrap();
    layer.handle(received(b, client_peer()), Time::ZERO).unwrap();
    let requests = drain(&mut layer).1.into_iter().filter(|e| matches!(e, Event::Request { .. })).count();
    assert_eq!(requests, 2, "one branch from two hosts is two transactions");
}

#[test]
fn spurious_and_early_timeouts_do_nothing() {
    let mut layer = TransactionLayer::new(Config::default());
    layer.send_request(request(Method::Options, "z9hG4bKs", 1), server_peer(), Time::ZERO).unwrap();
    drain(&mut layer);
    for t in [0, 100, 499] {
        layer.handle(Input::Timeout, Time::from_ms(t)).unwrap();
        assert!(layer.poll_output().is_none());
    }
    assert_eq!(layer.poll_timeout(), Some(Time::from_ms(500)));
}

#[test]
fn ended_keys_are_refused_and_never_reused() {
    let mut layer = TransactionLayer::new(Config { t1_ms: 1, ..Config::default() });
    let options = request(Method::Options, "z9hG4bK1", 1);
    let first = layer.send_request(options, server_peer(), Time::ZERO).unwrap();
    run(&mut layer, 1_000);
    assert_eq!(layer.state(first), None);
    let second =
        layer.send_request(request(Method::Options, "z9hG4bK2", 1), server_peer(), Time::from_ms(1_000)).unwrap();
    assert_ne!(first, second);
    assert_eq!(second.index, first.index, "the slot is reused, under a new generation");
    let bye = request(Method::Bye, "z9hG4bK3", 2);
    assert_eq!(
        layer.send_response(first, response_to(&bye, 200, None), Time::from_ms(1_000)),
        Err(SendResponseError::UnknownTransaction(first))
    );
    assert_eq!(
        layer.handle(Input::TransportError { key: first }, Time::from_ms(1_000)),
        Err(ReceiveError::UnknownTransaction(first))
    );
}

#[test]
fn commands_that_do_not_fit_are_refused() {
    let mut layer = TransactionLayer::new(Config::default());
    let invite = request(Method::Invite, "z9hG4bKc", 1);
    let key = layer.send_request(invite.clone(), server_peer(), Time::ZERO).unwrap();
    assert_eq!(
        layer.send_request(invite.clone(), server_peer(), Time::ZERO),
        Err(SendRequestError::BranchInUse("z9hG4bKc".into()))
    );
    assert_eq!(
        layer.send_request(request(Method::Ack, "z9hG4bKa", 1), server_peer(), Time::ZERO),
        Err(SendRequestError::Ack)
    );
    assert_eq!(
        layer.send_response(key, response_to(&invite, 200, None), Time::ZERO),
        Err(SendResponseError::NotServer(key))
    );
    let mut no_branch = invite.clone();
    no_branch.headers.retain(|h| !matches!(h, rsip::Header::Via(_)));
    no_branch.headers.push(rsip::headers::Via::new("SIP/2.0/UDP 192.0.2.1:5060").into());
    assert_eq!(
        layer.send_request(no_branch, server_peer(), Time::ZERO),
        Err(SendRequestError::Message(MessageError::NoBranch))
    );
    assert!(matches!(layer.send_ack(key, invite, server_peer(), Time::ZERO), Err(AckError::NotAck(Method::Invite))));
}

#[test]
fn a_transport_error_ends_the_transaction_and_tells_the_tu() {
    let mut layer = TransactionLayer::new(Config::default());
    let key = layer.send_request(request(Method::Options, "z9hG4bKt", 1), server_peer(), Time::ZERO).unwrap();
    drain(&mut layer);
    layer.handle(Input::TransportError { key }, Time::from_ms(5)).unwrap();
    let (_, events) = drain(&mut layer);
    assert!(matches!(&events[..], [Event::TransportError { .. }, Event::Terminated { .. }]));
    assert!(layer.is_empty());
    assert_eq!(layer.poll_timeout(), None, "its timers went with it");
}

#[test]
fn many_ended_transactions_do_not_pile_up_in_the_timer_heap() {
    let mut layer = TransactionLayer::new(Config::default());
    for i in 0..20_000u32 {
        let now = Time::from_ms(u64::from(i));
        let options = request(Method::Options, &format!("z9hG4bK{i}"), 1);
        layer.send_request(options.clone(), server_peer(), now).unwrap();
        layer.handle(received(response_to(&options, 200, Some("t")), Peer::tcp(server_peer().addr)), now).unwrap();
        layer.handle_timeout(now);
        while layer.poll_output().is_some() {}
    }
    // Each OPTIONS leaves stale E and F entries behind; only the last 5 s (timer K) are alive.
    assert!(layer.len() <= 5_001, "{}", layer.len());
    assert!(
        layer.timer_heap_len() <= 1024 + 4 * layer.len() + 2,
        "heap {} for {} live",
        layer.timer_heap_len(),
        layer.len()
    );
}

#[test]
fn branches_and_tokens_are_fresh_and_reproducible() {
    let mut a = TransactionLayer::new(Config::default());
    let mut b = TransactionLayer::new(Config::default());
    let branches: Vec<_> = (0..1000).map(|_| a.new_branch()).collect();
    assert!(branches.iter().all(|x| x.starts_with("z9hG4bK") && x.len() == 23 && !x.is_heap_allocated()));
    let mut unique = branches.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), 1000);
    assert_eq!(b.new_branch(), branches[0]);
}

#[test]
fn messages_are_serialised_by_the_message_layer() {
    let invite = RequestSpec::invite("sip:callee@192.0.2.2")
        .via("192.0.2.1:5060", "z9hG4bKser")
        .call_id("c")
        .body("application/sdp", "v=0\r\ns=caf\u{e9}\r\n".as_bytes().to_vec())
        .build()
        .unwrap();
    let written = headers::bytes_of(&invite);
    let rsip::SipMessage::Request(read) = crate::sip::message::parse(&written).unwrap() else { panic!("a request") };
    assert_eq!((read.method, read.uri.to_string(), &read.body), (invite.method, invite.uri.to_string(), &invite.body));
    let text = String::from_utf8_lossy(&written);
    assert_eq!(text.matches("Content-Length:").count(), 1, "one Content-Length, the body's: {text}");
    assert!(text.contains(&format!("Content-Length: {}\r\n", invite.body.len())), "{text}");
    // Reason phrases as RFC 3261 spells them, not rsip's identifiers.
    let busy = response_to(&invite, 486, Some("t"));
    assert!(headers::bytes_of(&busy).starts_with(b"SIP/2.0 486 Busy Here\r\n"));
    let mut binary = invite.clone();
    binary.body = vec![0xff, 0x00, 0x80];
    assert!(headers::bytes_of(&binary).ends_with(&[0xff, 0x00, 0x80]), "bodies are copied as bytes");
}

#[test]
fn an_ipv6_invite_and_the_layers_own_cancel_keep_the_brackets() {
    let text = "INVITE sip:bob@[2001:db8::2]:5060 SIP/2.0\r\nVia: SIP/2.0/UDP [2001:db8::1]:5060;branch=z9hG4bKv6\r\n\
                From: <sip:a@[2001:db8::1]>;tag=f\r\nTo: <sip:bob@[2001:db8::2]>\r\nCall-ID: c6\r\n\
                CSeq: 1 INVITE\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n";
    let rsip::SipMessage::Request(invite) = crate::sip::message::parse(text.as_bytes()).unwrap() else {
        panic!("a request")
    };
    let written = headers::bytes_of(&invite);
    assert!(
        written.starts_with(b"INVITE sip:bob@[2001:db8::2]:5060 SIP/2.0\r\n"),
        "{}",
        String::from_utf8_lossy(&written)
    );
    let cancel = headers::InviteStub::new(&invite).unwrap().cancel();
    assert!(
        cancel.starts_with(b"CANCEL sip:bob@[2001:db8::2]:5060 SIP/2.0\r\n"),
        "{}",
        String::from_utf8_lossy(&cancel)
    );
    assert!(crate::sip::message::parse(&cancel).is_ok(), "our own parser reads the CANCEL");
}

#[test]
fn a_zero_t1_is_raised_to_one_ms_so_retransmissions_still_end() {
    let mut layer = TransactionLayer::new(Config { t1_ms: 0, t2_ms: 0, ..Config::default() });
    assert_eq!((layer.config().t1_ms, layer.config().t2_ms), (1, 1));
    layer.send_request(request(Method::Options, "z9hG4bKz", 1), server_peer(), Time::ZERO).unwrap();
    let (sent, events) = run(&mut layer, 1_000);
    assert_eq!(sent.len(), 64, "every 1 ms until timer F at 64 ms");
    assert!(matches!(events[0], (64, Event::Timeout { timer: Timer::F, .. })));
}

#[test]
fn a_whole_call_over_tcp_sends_each_message_once_and_ends_at_once() {
    let mut pair = Pair::with(Config::default(), 10, Transport::Tcp);
    pair.uas = Some(net::UasScript { ringing_after: Some(10), final_after: Some(500), final_code: 200 });
    let invite = pair.send_invite();
    let bye = pair.request(Method::Bye);
    pair.drive_until(Time::from_ms(2_000));
    let bye = pair.send(bye);
    pair.drive();
    assert_eq!(pair.finals(invite), [200]);
    assert_eq!(pair.finals(bye), [200]);
    for line in ["INVITE", "ACK", "BYE"] {
        assert_eq!(pair.sent_times(Side::Client, line).len(), 1, "{line}");
    }
    assert_eq!(pair.sent_times(Side::Server, "100 Trying").len(), 0, "the 180 came within 200 ms");
    assert_eq!(pair.sent_times(Side::Server, "180").len(), 1);
    assert_eq!(pair.sent_times(Side::Server, "200 OK").len(), 2, "one 200 for the INVITE, one for the BYE");
    assert_eq!(pair.client.stats().retransmissions + pair.server.stats().retransmissions, 0);
    // The BYE's transactions ended the moment their final response passed (timers J and K are
    // zero); only the INVITE's Accepted states wait out timers L and M.
    let bye_end = pair
        .client_events
        .iter()
        .find_map(|(at, e)| matches!(e, Event::Terminated { key } if *key == bye).then_some(*at));
    assert_eq!(bye_end, Some(Time::from_ms(2_000 + 20 + 5 + 20)));
}
