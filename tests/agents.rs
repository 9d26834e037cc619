//! `dialer callee --agents-to …`: the scenario's agents, emulated against a desk bound in this
//! test, log in, take a call for their talk time, wrap up for their wrap time, and log out when
//! the callee stops.

#[path = "support/callee.rs"]
#[allow(dead_code, reason = "shared by the tests of dialer callee and dialer load")]
mod callee;
#[path = "support/cli.rs"]
#[allow(dead_code, reason = "shared with the other tests")]
mod cli;

use callee::Callee;
use dialer::core::{AgentId, CallId};
use dialer::live::desk::{Desk, DeskConfig, DeskEvent};
use std::collections::BTreeMap;
use std::time::{Duration, Instant};

const SCENARIO: &str = r#"
duration = "1h"
seed = 5
[agents]
count = 3
talk = { dist = "const", value = "1s" }
wrap = { dist = "const", value = "500ms" }
[population]
no_answer = 1.0
ring = { dist = "const", value = "1s" }
[pacing]
mode = "ratio"
ratio = 1.0
"#;

async fn next(desk: &mut Desk, within: Duration) -> DeskEvent {
    tokio::time::timeout(within, desk.next()).await.expect("a desk event in time")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn emulated_agents_log_in_talk_wrap_up_and_log_out() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = dir.path().join("agents.toml");
    std::fs::write(&scenario, SCENARIO).unwrap();
    let any = "127.0.0.1:0".parse().unwrap();
    let mut desk = Desk::bind(DeskConfig { sip: any, api: any }).await.unwrap();
    let to = format!("sip:{}", desk.sip_addr());
    let api = desk.api_addr().to_string();
    let callee = Callee::start(dir.path(), &scenario, 1000, &["--agents-to", &to, "--agents-api", &api]);

    // Every agent logs in.
    let mut ids = BTreeMap::new();
    for _ in 0..3 {
        match next(&mut desk, Duration::from_secs(10)).await {
            DeskEvent::Login { agent, name } => ids.insert(name, agent),
            other => panic!("expected a login, got {other:?}"),
        };
    }
    let names: Vec<&str> = ids.keys().map(String::as_str).collect();
    assert_eq!(names, ["agent-1", "agent-2", "agent-3"]);
    let mut got: Vec<u32> = ids.values().map(|a| a.0).collect();
    got.sort();
    assert_eq!(got, [1, 2, 3]);

    // A call to agent-2: the agent hangs up after its 1 s talk, wraps up 0.5 s later.
    let agent: AgentId = ids["agent-2"];
    let connected = Instant::now();
    let _audio = desk.connect(agent, CallId(1), "+15550100").expect("agent-2 has a leg");
    assert_eq!(next(&mut desk, Duration::from_secs(5)).await, DeskEvent::Hangup { agent });
    let talk = connected.elapsed();
    assert!(talk >= Duration::from_millis(950) && talk <= Duration::from_millis(1700), "talked {talk:?}");
    desk.call_ended(agent, CallId(1));
    let hung_up = Instant::now();
    match next(&mut desk, Duration::from_secs(5)).await {
        DeskEvent::WrapDone { agent: a, disposition, callback_at } => {
            assert_eq!(a, agent);
            assert!(["sale", "callback", "dnc_request", "no_sale"].contains(&disposition.as_str()), "{disposition}");
            assert_eq!(callback_at.is_some(), disposition == "callback");
        }
        other => panic!("expected a wrap-up, got {other:?}"),
    }
    let wrap = hung_up.elapsed();
    assert!(wrap >= Duration::from_millis(450) && wrap <= Duration::from_millis(1200), "wrapped {wrap:?}");

    // A customer who hangs up first: no hang-up from agent-1, only its wrap-up.
    let agent1 = ids["agent-1"];
    let _audio = desk.connect(agent1, CallId(2), "+15550101").unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;
    desk.call_ended(agent1, CallId(2));
    match next(&mut desk, Duration::from_secs(5)).await {
        DeskEvent::WrapDone { agent: a, .. } => assert_eq!(a, agent1),
        other => panic!("expected agent-1's wrap-up, got {other:?}"),
    }

    // Stopping the callee logs every agent out.
    callee.terminate();
    let mut out = Vec::new();
    for _ in 0..3 {
        match next(&mut desk, Duration::from_secs(10)).await {
            DeskEvent::Logout { agent } => out.push(agent.0),
            other => panic!("expected a logout, got {other:?}"),
        }
    }
    out.sort();
    assert_eq!(out, [1, 2, 3]);
    let (stdout, _) = tokio::task::spawn_blocking(move || callee.finish()).await.unwrap();
    assert!(stdout.contains("agent-2: 1 calls (1 hung up by the agent)"), "{stdout}");
    assert!(stdout.contains("agent-1: 1 calls (0 hung up by the agent)"), "{stdout}");
    let mut rows = csv::Reader::from_path(dir.path().join("out/agents.csv")).unwrap();
    let headers = rows.headers().unwrap().clone();
    let rows: Vec<BTreeMap<String, String>> = rows
        .records()
        .map(|r| headers.iter().zip(r.unwrap().iter()).map(|(h, v)| (h.to_owned(), v.to_owned())).collect())
        .collect();
    assert_eq!(rows.len(), 3);
    assert_eq!(rows[1]["name"], "agent-2");
    assert_eq!(rows[1]["calls"], "1");
    let talk_ms: u64 = rows[1]["talk_ms"].parse().unwrap();
    assert!((950..1700).contains(&talk_ms), "{talk_ms}");
    assert!(rows.iter().all(|r| r["end"] == "stopped"), "{rows:?}");
    desk.close().await;
}
