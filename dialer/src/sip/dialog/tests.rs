use super::*;
use crate::sip::transaction::headers::{to_tag, top_via};
use rsip::headers::RecordRoute;

fn invite() -> Request {
    RequestSpec::invite("sip:+15550100@trunk.example.com")
        .via("192.0.2.1:5060", "z9hG4bKinv")
        .from("\"Dialer\" <sip:dialer@192.0.2.1>", "a1")
        .to("sip:+15550100@trunk.example.com")
        .call_id("c1@192.0.2.1")
        .cseq(7)
        .contact("sip:dialer@192.0.2.1:5060")
        .body("application/sdp", b"v=0\r\n".to_vec())
        .build()
        .unwrap() // literals
}

/// A response as the callee sends it: its tag, its Contact, two Record-Routes.
fn answer(invite: &Request, code: u16) -> Response {
    let mut r = response_to(invite, code, Some("b2"));
    r.headers.push(Contact::new("<sip:callee@192.0.2.9:5070>").into());
    r.headers.push(RecordRoute::new("<sip:p1.example.com;lr>, <sip:p2.example.com;lr>").into());
    r
}

fn via() -> ViaSpec<'static> {
    ViaSpec::udp("192.0.2.1:5060", "z9hG4bKnew")
}

fn header_values(r: &Request, name: &str) -> Vec<String> {
    r.headers
        .iter()
        .filter_map(|h| {
            let s = h.to_string();
            s.strip_prefix(&format!("{name}: ")).map(str::to_owned)
        })
        .collect()
}

use rsip::headers::Contact;

#[test]
fn uac_dialog_takes_tags_target_and_reversed_route_set() {
    let inv = invite();
    let d = Dialog::uac(&inv, &answer(&inv, 200)).unwrap();
    assert_eq!(d.state(), DialogState::Confirmed);
    assert_eq!(d.role(), Role::Uac);
    assert_eq!(d.id(), &DialogId { call_id: "c1@192.0.2.1".into(), local_tag: "a1".into(), remote_tag: "b2".into() });
    assert_eq!(d.remote_target().to_string(), "sip:callee@192.0.2.9:5070");
    assert_eq!(d.route_set().collect::<Vec<_>>(), ["<sip:p2.example.com;lr>", "<sip:p1.example.com;lr>"]);
    assert_eq!(d.local_seq(), 7);
    assert!(!d.secure());
}

#[test]
fn provisional_with_tag_makes_an_early_dialog_and_without_tag_none() {
    let inv = invite();
    let mut d = Dialog::uac(&inv, &answer(&inv, 180)).unwrap();
    assert_eq!(d.state(), DialogState::Early);
    assert_eq!(Dialog::uac(&inv, &response_to(&inv, 180, None)), Err(DialogError::NoDialog(180)));
    assert_eq!(Dialog::uac(&inv, &response_to(&inv, 100, None)), Err(DialogError::NoDialog(100)));
    d.on_response(&answer(&inv, 200)).unwrap();
    assert_eq!(d.state(), DialogState::Confirmed);
    let mut early = Dialog::uac(&inv, &answer(&inv, 183)).unwrap();
    early.on_response(&answer(&inv, 486)).unwrap();
    assert_eq!(early.state(), DialogState::Terminated);
}

#[test]
fn ack_reuses_the_invite_cseq_with_a_new_branch_and_the_route() {
    let inv = invite();
    let d = Dialog::uac(&inv, &answer(&inv, 200)).unwrap();
    let ack = d.ack(via());
    assert_eq!(ack.method, Method::Ack);
    assert_eq!(cseq(&ack.headers).unwrap(), (7, Method::Ack));
    assert_eq!(top_via(&ack.headers).unwrap().branch, "z9hG4bKnew");
    assert_eq!(ack.uri.to_string(), "sip:callee@192.0.2.9:5070");
    assert_eq!(header_values(&ack, "Route"), ["<sip:p2.example.com;lr>", "<sip:p1.example.com;lr>"]);
    assert_eq!(to_tag(&ack.headers).unwrap().as_deref(), Some("b2"));
    assert_eq!(from_tag(&ack.headers).unwrap().as_deref(), Some("a1"));
    assert_eq!(header_values(&ack, "From"), ["\"Dialer\" <sip:dialer@192.0.2.1>;tag=a1"]);
}

#[test]
fn in_dialog_requests_count_up_and_round_trip_through_rsip() {
    let inv = invite();
    let mut d = Dialog::uac(&inv, &answer(&inv, 200)).unwrap();
    let bye = d.request(Method::Bye, via());
    assert_eq!(cseq(&bye.headers).unwrap(), (8, Method::Bye));
    let info = d.request(Method::Info, via());
    assert_eq!(cseq(&info.headers).unwrap(), (9, Method::Info));
    let parsed = Request::try_from(bye.to_string().as_str()).unwrap();
    assert_eq!(parsed, bye);
}

#[test]
fn strict_routing_puts_the_first_route_in_the_request_uri() {
    let inv = invite();
    let mut ok = response_to(&inv, 200, Some("b2"));
    ok.headers.push(Contact::new("<sip:callee@192.0.2.9>").into());
    ok.headers.push(RecordRoute::new("<sip:strict.example.com>").into());
    let mut d = Dialog::uac(&inv, &ok).unwrap();
    let bye = d.request(Method::Bye, via());
    assert_eq!(bye.uri.to_string(), "sip:strict.example.com");
    assert_eq!(header_values(&bye, "Route"), ["<sip:callee@192.0.2.9>"]);
}

#[test]
fn uas_dialog_mirrors_the_uac_one() {
    let mut inv = invite();
    inv.headers.push(RecordRoute::new("<sip:p1.example.com;lr>").into());
    let mut d = Dialog::uas(&inv, "b2").unwrap();
    assert_eq!(d.state(), DialogState::Early);
    assert_eq!(d.id().local_tag, "b2");
    assert_eq!(d.id().remote_tag, "a1");
    assert_eq!(d.remote_seq(), Some(7));
    assert_eq!(d.remote_target().to_string(), "sip:dialer@192.0.2.1:5060");
    assert_eq!(d.route_set().collect::<Vec<_>>(), ["<sip:p1.example.com;lr>"], "in order for the UAS");
    d.confirm();
    assert_eq!(d.state(), DialogState::Confirmed);
    let bye = d.request(Method::Bye, ViaSpec::udp("192.0.2.9:5070", "z9hG4bKbye"));
    assert_eq!(to_tag(&bye.headers).unwrap().as_deref(), Some("a1"));
    assert_eq!(from_tag(&bye.headers).unwrap().as_deref(), Some("b2"));
    assert_eq!(cseq(&bye.headers).unwrap().0, 1);
    let mut no_tag = invite();
    no_tag.headers.retain(|h| !matches!(h, Header::From(_)));
    no_tag.headers.push(From::new("<sip:x@y>").into());
    assert_eq!(Dialog::uas(&no_tag, "b2"), Err(DialogError::NoFromTag));
}

/// A request the peer sends in the dialog `d` (UAS side: from the UAC).
fn from_peer(method: Method, seq: u32) -> Request {
    RequestSpec::new(method, "sip:callee@192.0.2.9:5070")
        .via("192.0.2.1:5060", "z9hG4bKx")
        .from("sip:dialer@192.0.2.1", "a1")
        .call_id("c1@192.0.2.1")
        .cseq(seq)
        .header(To::new("<sip:+15550100@trunk.example.com>;tag=b2").into())
        .build()
        .unwrap() // literals
}

#[test]
fn incoming_requests_out_of_order_get_500_and_bye_ends_the_dialog() {
    let mut d = Dialog::uas(&invite(), "b2").unwrap();
    d.confirm();
    // RequestSpec puts its own To first; the dialog reads the first To.
    let mut info = from_peer(Method::Info, 9);
    info.headers.retain(|h| !matches!(h, Header::To(_)));
    info.headers.push(To::new("<sip:+15550100@trunk.example.com>;tag=b2").into());
    assert!(d.matches(&info));
    assert_eq!(d.check_request(&info), Ok(()));
    assert_eq!(d.remote_seq(), Some(9));
    let err = d.check_request(&from_peer(Method::Info, 8)).unwrap_err();
    assert_eq!(err, InDialogError::OutOfOrder { got: 8, last: 9 });
    assert_eq!(err.status_code(), 500);
    assert_eq!(d.check_request(&from_peer(Method::Ack, 7)), Ok(()), "ACK is not sequenced");
    assert_eq!(d.check_request(&from_peer(Method::Bye, 10)), Ok(()));
    assert_eq!(d.state(), DialogState::Terminated);
}

#[test]
fn reinvite_glare_gets_491_and_a_second_pending_one_500() {
    let inv = invite();
    let mut uac = Dialog::uac(&inv, &answer(&inv, 200)).unwrap();
    let ours = uac.reinvite(via(), b"v=0\r\n".to_vec());
    assert_eq!(cseq(&ours.headers).unwrap(), (8, Method::Invite));
    let theirs = from_peer(Method::Invite, 3);
    let err = uac.check_request(&theirs).unwrap_err();
    assert_eq!((err, err.status_code()), (InDialogError::Glare, 491));
    // Our re-INVITE got its answer: theirs may come now, and a second one before we answer not.
    let mut ok = response_to(&ours, 200, None);
    ok.headers.push(Contact::new("<sip:callee@192.0.2.9:5080>").into());
    uac.on_response(&ok).unwrap();
    assert_eq!(uac.remote_target().to_string(), "sip:callee@192.0.2.9:5080", "target refresh");
    assert_eq!(
        uac.ack(via()).headers.iter().find(|h| matches!(h, Header::CSeq(_))).unwrap().to_string(),
        "CSeq: 8 ACK"
    );
    assert_eq!(uac.check_request(&theirs), Ok(()));
    assert_eq!(uac.check_request(&from_peer(Method::Invite, 4)).unwrap_err(), InDialogError::Pending);
    uac.reinvite_answered();
    assert_eq!(uac.check_request(&from_peer(Method::Invite, 5)), Ok(()));
}

#[test]
fn cancel_copies_the_invite_fields_section_9_1() {
    let mut inv = invite();
    inv.headers.push(Route::new("<sip:outbound.example.com;lr>").into());
    let cancel = cancel_for(&inv).unwrap();
    assert_eq!(cancel.method, Method::Cancel);
    assert_eq!(cancel.uri, inv.uri);
    assert_eq!(top_via(&cancel.headers).unwrap(), top_via(&inv.headers).unwrap());
    assert_eq!(cseq(&cancel.headers).unwrap(), (7, Method::Cancel));
    for name in ["From", "To", "Call-ID", "Route"] {
        assert_eq!(header_values(&cancel, name), header_values(&inv, name), "{name}");
    }
    assert!(cancel.body.is_empty());
    assert_eq!(cancel_for(&cancel), Err(BuildError::NotInvite(Method::Cancel)));
}

#[test]
fn the_layer_builds_the_same_cancel_as_cancel_for() {
    use crate::sip::transaction::headers::InviteStub;
    let mut inv = invite();
    inv.headers.push(Route::new("<sip:outbound.example.com;lr>").into());
    let from_layer = Request::try_from(InviteStub::new(&inv).unwrap().cancel().as_slice()).unwrap();
    let built = cancel_for(&inv).unwrap();
    for name in ["Via", "From", "To", "Call-ID", "Route", "CSeq", "Max-Forwards"] {
        assert_eq!(header_values(&from_layer, name), header_values(&built, name), "{name}");
    }
    assert_eq!(from_layer.uri, built.uri);
}

#[test]
fn request_specs_build_register_and_options() {
    let reg = RequestSpec::register("sip:registrar.example.com", "sip:dialer@example.com")
        .via("192.0.2.1:5060", "z9hG4bKr")
        .header(rsip::headers::Expires::new("3600").into())
        .build()
        .unwrap();
    assert_eq!(reg.method, Method::Register);
    assert_eq!(header_values(&reg, "To"), ["<sip:dialer@example.com>"]);
    assert_eq!(header_values(&reg, "Content-Length"), ["0"]);
    let options = RequestSpec::options("sip:trunk.example.com").via("192.0.2.1:5060", "z9hG4bKo").build().unwrap();
    assert_eq!(cseq(&options.headers).unwrap(), (1, Method::Options));
    assert!(matches!(RequestSpec::options("sip:trunk").build(), Err(BuildError::NoVia)));
    assert!(matches!(RequestSpec::options("::").via("h", "b").build(), Err(BuildError::Uri(..))));
    assert_eq!(header_values(&invite(), "Content-Length"), ["5"]);
}

#[test]
fn a_dialog_is_small() {
    let inv = invite();
    let d = Dialog::uac(&inv, &answer(&inv, 200)).unwrap();
    let heap = d.local_uri.len() + d.remote_uri.len() + d.route_set.iter().map(|r| r.len() + 16).sum::<usize>() + 64;
    assert!(std::mem::size_of::<Dialog>() + heap < 1024, "{} + {heap}", std::mem::size_of::<Dialog>());
}

#[test]
fn addresses_keep_their_parameters_but_not_the_tag() {
    let mut headers = Headers::default();
    headers.push(From::new("sip:a@192.0.2.1;tag=x").into());
    headers.push(To::new("\"B\" <sip:b@192.0.2.2;user=phone>;tag=y;foo=bar").into());
    assert_eq!(&*address_of(&headers, "From").unwrap(), "sip:a@192.0.2.1");
    assert_eq!(&*address_of(&headers, "To").unwrap(), "\"B\" <sip:b@192.0.2.2;user=phone>;foo=bar");
}

#[test]
fn requests_to_ipv6_and_tel_targets_build_and_keep_their_form_on_the_wire() {
    for target in ["sip:load@[2001:db8::5]:5080", "tel:+15550100;phone-context=example.com"] {
        let request = RequestSpec::invite(target)
            .via("[2001:db8::1]:5060", "z9hG4bKv6")
            .from("sip:dialer@[2001:db8::1]", "a1")
            .build()
            .unwrap_or_else(|e| panic!("{target}: {e}"));
        let mut bytes = Vec::new();
        crate::sip::message::serialize_request(&request, &mut bytes);
        let wire = String::from_utf8(bytes).unwrap(); // we wrote ASCII
        assert!(wire.starts_with(&format!("INVITE {target} SIP/2.0\r\n")), "{wire}");
    }
}

#[test]
fn the_next_hop_is_the_first_route_else_the_remote_target_and_never_a_name() {
    let inv = invite();
    // Routed through p2.example.com first: a name we would have to resolve.
    assert_eq!(Dialog::uac(&inv, &answer(&inv, 200)).unwrap().next_hop(), None);
    let mut direct = response_to(&inv, 200, Some("b2"));
    direct.headers.push(Contact::new("<sip:callee@192.0.2.9:5070>").into());
    let d = Dialog::uac(&inv, &direct).unwrap();
    assert_eq!(d.next_hop(), Some("192.0.2.9:5070".parse().unwrap())); // a literal
    let mut proxied = response_to(&inv, 200, Some("b2"));
    proxied.headers.push(Contact::new("<sip:callee@192.0.2.9:5070>").into());
    proxied.headers.push(RecordRoute::new("<sip:[2001:db8::7];lr>").into());
    let d = Dialog::uac(&inv, &proxied).unwrap();
    assert_eq!(d.next_hop(), Some("[2001:db8::7]:5060".parse().unwrap())); // a literal
}
