//! The callee and a tiny caller built from the same endpoint, in one process on loopback: RTP
//! both ways, and the patience rule with and without the caller's voice.

use super::person::Limits;
use super::server::{Bound, CalleeConfig, run};
use dialer::media::sdp::{LocalMedia, SessionDescription, accept_answer, offer};
use dialer::media::{FRAME_SAMPLES, G711, RtpSender};
use dialer::sip::dialog::{Dialog, RequestSpec, ViaSpec};
use dialer::sip::endpoint::UdpEndpoint;
use dialer::sip::message::response_to;
use dialer::sip::transaction::{Config, Event, Peer};
use rsip::Method;
use std::net::SocketAddr;
use std::path::Path;
use std::time::{Duration, Instant};

/// Everyone answers at once and waits 300 ms after their greeting.
const IMPATIENT: &str = r#"
duration = "1h"
seed = 3
[agents]
count = 1
talk = { dist = "const", value = "10s" }
wrap = { dist = "const", value = "0s" }
[population]
human = 1.0
ring = { dist = "const", value = "0s" }
patience = { dist = "const", value = "300ms" }
[pacing]
mode = "ratio"
ratio = 1.0
"#;

/// What the caller saw.
#[derive(Debug, Default)]
struct Seen {
    answered: bool,
    bye_from_callee: bool,
    rtp_received: u64,
}

/// One call to `callee`: INVITE with an offer, ACK, audio (a loud tone when `voice`, nothing
/// otherwise), and our BYE after `hold` unless the callee hung up first. Bounded by 10 s.
async fn call(callee: SocketAddr, voice: bool, hold: Duration) -> Seen {
    let mut ep = UdpEndpoint::bind("127.0.0.1:0".parse().unwrap(), Config::default(), 1 << 20).unwrap();
    let rtp = tokio::net::UdpSocket::bind("127.0.0.1:0").await.unwrap();
    let local = ep.local_addr().to_string();
    let ours = offer(&LocalMedia::new(rtp.local_addr().unwrap().ip(), rtp.local_addr().unwrap().port(), 1));
    let branch = ep.layer().new_branch();
    let invite = RequestSpec::invite(&format!("sip:1@{callee}"))
        .via(&local, &branch)
        .from(&format!("sip:caller@{local}"), "from1")
        .call_id("emulate-test-1")
        .cseq(1)
        .contact(&format!("sip:caller@{local}"))
        .body("application/sdp", ours.to_bytes())
        .build()
        .unwrap();
    let peer = Peer::udp(callee);
    let now = ep.now();
    let invite_key = ep.layer().send_request(invite.clone(), peer, now).unwrap();
    ep.flush();
    let start = Instant::now();
    let deadline = start + Duration::from_secs(10);
    let mut seen = Seen::default();
    let mut dialog: Option<Dialog> = None;
    let mut media: Option<(RtpSender, SocketAddr)> = None;
    let mut hang_up_at = None;
    let mut bye_key = None;
    let mut buf = vec![0u8; 2048];
    let mut datagram = Vec::new();
    let mut loud = || [6000i16; FRAME_SAMPLES];
    while Instant::now() < deadline {
        ep.wait(Some(Instant::now() + Duration::from_millis(10))).await;
        ep.receive();
        ep.run_timers();
        ep.flush();
        while let Some(event) = ep.poll_event() {
            match event {
                Event::Response { key, response, retransmission: false } if key == invite_key => {
                    if response.status_code.code() != 200 {
                        continue;
                    }
                    seen.answered = true;
                    let d = Dialog::uac(&invite, &response).unwrap();
                    let branch = ep.layer().new_branch();
                    let ack = d.ack(ViaSpec::udp(&local, &branch));
                    let now = ep.now();
                    ep.layer().send_ack(key, ack, peer, now).unwrap();
                    let answer = SessionDescription::parse_bytes(&response.body).unwrap();
                    let agreed = accept_answer(&ours, &answer).unwrap().unwrap();
                    media = Some((RtpSender::new(G711::Pcmu, 9, ep.now()), agreed.remote.unwrap()));
                    dialog = Some(d);
                    hang_up_at = Some(Instant::now() + hold);
                }
                Event::Request { key, request, .. } if request.method == Method::Bye => {
                    seen.bye_from_callee = true;
                    let now = ep.now();
                    ep.layer().send_response(key, response_to(&request, 200, None, None), now).unwrap();
                    ep.flush();
                    return seen;
                }
                Event::Response { key, .. } if Some(key) == bye_key => return seen,
                _ => {}
            }
        }
        while let Ok((len, _)) = rtp.try_recv_from(&mut buf) {
            if len > 12 {
                seen.rtp_received += 1;
            }
        }
        if let Some((sender, to)) = media.as_mut()
            && voice
        {
            let now = ep.now();
            while sender.poll_transmit(now, &mut loud, &mut datagram).is_some() {
                rtp.send_to(&datagram, *to).await.unwrap();
            }
        }
        if hang_up_at.is_some_and(|t| Instant::now() >= t)
            && let Some(d) = dialog.as_mut()
        {
            hang_up_at = None;
            let branch = ep.layer().new_branch();
            let bye = d.request(Method::Bye, ViaSpec::udp(&local, &branch));
            let now = ep.now();
            bye_key = Some(ep.layer().send_request(bye, peer, now).unwrap());
        }
        ep.flush();
    }
    panic!("the call did not end within 10 s: {seen:?}");
}

/// Runs the callee for one call and `caller` against it.
fn with_callee(voice: bool, hold: Duration) -> (Seen, super::record::Summary) {
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    runtime.block_on(async {
        let scenario = crate::scenario::parse(IMPATIENT, Path::new("impatient.toml"), &[]).unwrap();
        let config = CalleeConfig {
            scenario,
            listen: "127.0.0.1:0".parse().unwrap(),
            rtp: "127.0.0.1:0".parse().unwrap(),
            by_number: false,
            duration: Some(Duration::from_secs(15)),
            calls: Some(1),
            limits: Limits::default(),
            drain: Duration::from_secs(1),
            trace: None,
            timers: Config::default(),
            buffer_bytes: 1 << 20,
        };
        let (tx, rx) = tokio::sync::oneshot::channel::<Bound>();
        let callee = run(
            config,
            move |bound| {
                let _ = tx.send(bound);
            },
            std::future::pending(),
            None::<csv::Writer<Vec<u8>>>,
        );
        let caller = async move { call(rx.await.unwrap().sip, voice, hold).await };
        let (summary, seen) = tokio::join!(callee, caller);
        (seen, summary.unwrap())
    })
}

#[test]
fn a_person_who_hears_no_one_hangs_up_after_the_greeting() {
    let (seen, summary) = with_callee(false, Duration::from_secs(6));
    assert!(seen.answered && seen.bye_from_callee, "{seen:?}");
    assert!(seen.rtp_received > 10, "the greeting came over RTP: {seen:?}");
    assert_eq!(summary.hangups.get("callee"), Some(&1), "{summary:?}");
}

#[test]
fn a_person_who_hears_someone_stays_until_the_callers_bye() {
    // The greeting is under 2.5 s and patience 300 ms: without our voice they would be gone by 3 s.
    let (seen, summary) = with_callee(true, Duration::from_secs(4));
    assert!(seen.answered && !seen.bye_from_callee, "{seen:?}");
    assert_eq!(summary.hangups.get("caller"), Some(&1), "{summary:?}");
    assert!(summary.rtp_received > 100, "our tone reached the callee: {summary:?}");
}
