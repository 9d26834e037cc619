//! The desk over real sockets on loopback: a softphone logs in over SIP, the API drives the agent,
//! audio flows both ways.

use super::softphone::{PhoneEnd, Softphone};
use super::{Desk, DeskConfig, DeskEvent, Frame};
use crate::core::{AgentId, CallId};
use crate::media::{FRAME_SAMPLES, G711, frame_dbfs};
use serde_json::Value;
use std::net::{IpAddr, SocketAddr};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const LOOPBACK: IpAddr = IpAddr::V4(std::net::Ipv4Addr::LOCALHOST);

async fn desk() -> Desk {
    let any: SocketAddr = "127.0.0.1:0".parse().unwrap();
    Desk::bind(DeskConfig { sip: any, api: any }).await.unwrap()
}

/// The next desk event, within 5 s.
async fn next(desk: &mut Desk) -> DeskEvent {
    tokio::time::timeout(Duration::from_secs(5), desk.next()).await.expect("a desk event within 5 s")
}

/// Sends raw bytes, reads what comes back until the server closes.
async fn raw_text(api: SocketAddr, request: &str) -> String {
    let mut stream = tokio::net::TcpStream::connect(api).await.unwrap();
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut text = String::new();
    tokio::time::timeout(Duration::from_secs(5), stream.read_to_string(&mut text)).await.unwrap().unwrap();
    text
}

/// Sends one raw request, reads the response to its end: status and JSON body.
async fn raw(api: SocketAddr, request: &str) -> (u16, Value) {
    let text = raw_text(api, request).await;
    let status = text.get(9..12).and_then(|s| s.parse().ok()).unwrap_or_else(|| panic!("status in {text:?}"));
    let body = text.split_once("\r\n\r\n").map(|(_, b)| b).unwrap_or_default();
    (status, serde_json::from_str(body).unwrap_or_else(|e| panic!("JSON body in {text:?}: {e}")))
}

async fn http(api: SocketAddr, method: &str, path: &str, body: &str) -> (u16, Value) {
    let request = format!(
        "{method} {path} HTTP/1.1\r\nHost: desk\r\nConnection: close\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    raw(api, &request).await
}

/// A 20 ms frame of a loud tone.
fn tone() -> Frame {
    let pcm: Vec<i16> = (0..FRAME_SAMPLES).map(|i| if i % 16 < 8 { 8000 } else { -8000 }).collect();
    let mut payload = vec![0u8; FRAME_SAMPLES];
    G711::Pcma.encode(&pcm, &mut payload);
    Frame { payload_type: 8, payload }
}

async fn logged_in(desk: &mut Desk, name: &str, tone: bool) -> Softphone {
    let mut phone = Softphone::call(desk.sip_addr(), name, LOOPBACK, tone).await.unwrap();
    phone.answered().await.expect("the desk answers");
    phone
}

#[tokio::test]
async fn an_agent_logs_in_takes_a_call_with_audio_both_ways_wraps_up_and_logs_out() {
    let mut desk = desk().await;
    let phone = logged_in(&mut desk, "alice", true).await;
    let agent = AgentId(1);
    assert_eq!(next(&mut desk).await, DeskEvent::Login { agent, name: "alice".into() });
    let (status, all) = http(desk.api_addr(), "GET", "/agents", "").await;
    assert_eq!(status, 200);
    assert_eq!(
        (all[0]["name"].as_str(), all[0]["state"].as_str(), all[0]["id"].as_u64()),
        (Some("alice"), Some("ready"), Some(1))
    );

    let audio = desk.connect(agent, CallId(42), "+15550100").expect("alice has a leg");
    let (_, me) = http(desk.api_addr(), "GET", "/agents/alice", "").await;
    assert_eq!(
        (me["state"].as_str(), me["call"].as_u64(), me["caller"].as_str()),
        (Some("talk"), Some(42), Some("+15550100"))
    );
    // One second of the customer's tone to the phone; the phone's tone back.
    let feeder = tokio::spawn({
        let to_agent = audio.to_agent.clone();
        async move {
            let mut tick = tokio::time::interval(Duration::from_millis(20));
            for _ in 0..50 {
                tick.tick().await;
                if to_agent.send(tone()).await.is_err() {
                    break;
                }
            }
        }
    });
    let mut from_agent = audio.from_agent;
    let mut loud = 0;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(1);
    while let Ok(Some(frame)) = tokio::time::timeout_at(deadline, from_agent.recv()).await {
        assert_eq!(frame.payload.len(), FRAME_SAMPLES);
        assert!(frame.payload_type == 0 || frame.payload_type == 8);
        let codec = if frame.payload_type == 8 { G711::Pcma } else { G711::Pcmu };
        let mut pcm = [0i16; FRAME_SAMPLES];
        codec.decode(&frame.payload, &mut pcm);
        if frame_dbfs(&pcm) > -30.0 {
            loud += 1;
        }
    }
    feeder.await.unwrap();
    assert!(loud >= 30, "the phone's tone reached the driver: {loud} loud frames in 1 s");
    let heard = phone.stats();
    assert!(heard.loud >= 30, "the customer's tone reached the phone: {heard:?}");
    assert!(heard.sent >= 40, "{heard:?}");

    let (status, me) = http(desk.api_addr(), "POST", "/agents/alice/hangup", "").await;
    assert_eq!((status, me["state"].as_str()), (200, Some("wrap")));
    assert_eq!(next(&mut desk).await, DeskEvent::Hangup { agent });
    // Frames the phone sent before the hang-up may still be queued: the pipe ends after them.
    let drained = async { while from_agent.recv().await.is_some() {} };
    assert!(tokio::time::timeout(Duration::from_secs(1), drained).await.is_ok(), "the pipe closes");
    desk.call_ended(agent, CallId(42));

    let at = jiff::Timestamp::now() + jiff::SignedDuration::from_hours(2);
    let body = format!(r#"{{"disposition": "callback", "callback_at": "{at}"}}"#);
    let (status, me) = http(desk.api_addr(), "POST", "/agents/alice/wrapup", &body).await;
    assert_eq!((status, me["state"].as_str()), (200, Some("ready")), "{me}");
    assert_eq!(
        next(&mut desk).await,
        DeskEvent::WrapDone { agent, disposition: "callback".into(), callback_at: Some(at) }
    );

    assert_eq!(phone.hang_up().await, PhoneEnd::ByUs);
    assert_eq!(next(&mut desk).await, DeskEvent::Logout { agent });
    let (_, me) = http(desk.api_addr(), "GET", "/agents/alice", "").await;
    assert_eq!(me["state"], "logged_out");
    desk.close().await;
}

#[tokio::test]
async fn bad_api_requests_get_json_errors() {
    let mut desk = desk().await;
    let _phone = logged_in(&mut desk, "bob", false).await;
    let api = desk.api_addr();
    let cases = [
        ("POST", "/agents/bob/hangup", "", 409),
        ("POST", "/agents/bob/wrapup", r#"{"disposition":"sale"}"#, 409),
        ("POST", "/agents/bob/wrapup", r#"{"disposition":"no sale"}"#, 400),
        ("POST", "/agents/bob/wrapup", r#"{"disposition":"callback","callback_at":"2000-01-01T00:00:00Z"}"#, 400),
        ("POST", "/agents/bob/wrapup", "not json", 400),
        ("GET", "/agents/nobody", "", 404),
        ("POST", "/agents/nobody/pause", "", 404),
        ("POST", "/agents/bob/fly", "", 404),
        ("GET", "/", "", 404),
        ("PUT", "/agents/bob", "", 405),
        ("GET", "/agents/bob/pause", "", 405),
    ];
    for (method, path, body, want) in cases {
        let (status, json) = http(api, method, path, body).await;
        assert_eq!(status, want, "{method} {path} {body}: {json}");
        assert!(json["error"].as_str().is_some_and(|e| e.len() > 10), "{method} {path}: {json}");
    }
    let (status, json) = raw(api, "HELLO\r\n\r\n").await;
    assert_eq!(status, 400, "{json}");
    let (status, _) = raw(api, "POST /agents/bob/pause HTTP/1.1\r\nContent-Length: 100000\r\n\r\n").await;
    assert_eq!(status, 413);
    // Two requests on one connection, the second closing it.
    let text = raw_text(
        api,
        "POST /agents/bob/pause HTTP/1.1\r\nContent-Length: 0\r\n\r\nGET /agents/bob HTTP/1.1\r\nConnection: close\r\n\r\n",
    )
    .await;
    assert_eq!(text.matches("HTTP/1.1 200 OK\r\n").count(), 2, "{text}");
    let (_, me) = http(api, "GET", "/agents/bob", "").await;
    assert_eq!(me["state"], "paused");
}

#[tokio::test]
async fn key_presses_hang_up_and_wrap_up() {
    let mut desk = desk().await;
    let phone = logged_in(&mut desk, "carol", false).await;
    let agent = AgentId(1);
    assert!(matches!(next(&mut desk).await, DeskEvent::Login { .. }));
    let _audio = desk.connect(agent, CallId(1), "100").unwrap();
    phone.press('*');
    assert_eq!(next(&mut desk).await, DeskEvent::Hangup { agent });
    phone.press('1');
    assert_eq!(next(&mut desk).await, DeskEvent::WrapDone { agent, disposition: "sale".into(), callback_at: None });
    phone.press('0');
    assert_eq!(next(&mut desk).await, DeskEvent::Pause { agent });
    phone.press('#');
    assert_eq!(next(&mut desk).await, DeskEvent::Resume { agent });
    drop(phone);
}

#[tokio::test]
async fn names_keep_their_ids_one_phone_per_agent_and_close_hangs_up_everyone() {
    let mut desk = desk().await;
    let a = logged_in(&mut desk, "a", false).await;
    let mut b = Softphone::call(desk.sip_addr(), "b", LOOPBACK, false).await.unwrap();
    b.answered().await.unwrap();
    let mut again = Softphone::call(desk.sip_addr(), "a", LOOPBACK, false).await.unwrap();
    assert_eq!(again.answered().await, Err(486), "a second phone for a logged-in agent is busy");
    let mut bad = Softphone::call(desk.sip_addr(), "no%20such", LOOPBACK, false).await.unwrap();
    assert_eq!(bad.answered().await, Err(404));
    assert_eq!(next(&mut desk).await, DeskEvent::Login { agent: AgentId(1), name: "a".into() });
    assert_eq!(next(&mut desk).await, DeskEvent::Login { agent: AgentId(2), name: "b".into() });
    a.hang_up().await;
    assert_eq!(next(&mut desk).await, DeskEvent::Logout { agent: AgentId(1) });
    let a = logged_in(&mut desk, "a", false).await;
    assert_eq!(next(&mut desk).await, DeskEvent::Login { agent: AgentId(1), name: "a".into() });
    // An API logout of an idle agent hangs up its phone.
    let (status, me) = http(desk.api_addr(), "POST", "/agents/b/logout", "").await;
    assert_eq!((status, me["state"].as_str()), (200, Some("logged_out")));
    assert_eq!(next(&mut desk).await, DeskEvent::Logout { agent: AgentId(2) });
    assert_eq!(tokio::time::timeout(Duration::from_secs(5), b.ended()).await.unwrap(), PhoneEnd::ByDesk);
    tokio::time::timeout(Duration::from_secs(5), desk.close()).await.unwrap();
    assert_eq!(tokio::time::timeout(Duration::from_secs(5), a.ended()).await.unwrap(), PhoneEnd::ByDesk);
    assert_eq!(next(&mut desk).await, DeskEvent::Logout { agent: AgentId(1) });
    assert!(desk.try_next().is_none());
}
