//! Interop tests against real SIP peers on loopback: kamailio, baresip and SIPp, installed by
//! `.ci/install-peers`, started and stopped by `tests/support/peers.rs`. Behind the `interop`
//! feature, one test at a time (kamailio runs one worker and the machine has two cores):
//!
//! ```sh
//! .ci/install-peers
//! cargo test --features interop --test interop -- --test-threads=1
//! ```
//!
//! First the peers' configurations are proven with SIPp alone, so the tests of dialkit's own tools
//! start from known-good peers. Then, each with zero failed calls and our counts checked against
//! the peer's own (every load bounded in calls and in time):
//! - `dialer load` → `Sipp::uas`, over UDP and over TCP;
//! - `dialer load` with digest credentials → kamailio `Auth` → SIPp uas: every INVITE challenged
//!   (407) and answered once; a wrong password fails every call without retrying forever;
//! - `dialer load --media` → `Baresip`: answered, with RTP both ways;
//! - `sipp -sn uac` (`Sipp::uac`) → `dialer callee` (`tests/interop/callee-all-human.toml`);
//! - `dialer load` → kamailio `Proxy` → `dialer callee`: ACK and BYE follow the Record-Route
//!   through kamailio, the callee's own BYE too.

#![cfg(feature = "interop")]

#[path = "support/peers.rs"]
mod peers;

#[path = "support/cli.rs"]
#[allow(dead_code, reason = "each test binary uses part of the helpers")]
mod cli;

#[path = "support/callee.rs"]
#[allow(dead_code, reason = "shared by the tests of dialer callee and dialer load")]
mod callee;

use callee::{Callee, count, load_to};

use peers::{
    AUTH_PASSWORD, AUTH_USER, BARESIP_USER, Baresip, Kamailio, KamailioMode, Sipp, SippRun, SippUac, free_port,
    free_port_block, process_group_alive, uac_auth_scenario,
};
use std::time::Duration;

/// Asserts that a SIPp caller ran `calls` calls, all of them to the end.
fn assert_all_succeeded(run: &SippRun, calls: u64) {
    let s = &run.stats;
    assert!(
        run.status.success() && s.outgoing == calls && s.successful == calls && s.failed == 0,
        "expected {calls} successful calls and none failed\n{}",
        run.summary()
    );
}

/// Asserts that a SIPp answerer received `calls` calls and completed every one.
fn assert_answered(run: &SippRun, calls: u64) {
    let s = &run.stats;
    assert!(
        run.status.success() && s.incoming == calls && s.successful == calls && s.failed == 0,
        "expected the answerer to complete {calls} calls\n{}",
        run.summary()
    );
}

#[test]
fn sipp_calls_through_the_stateful_proxy() {
    let calls = 200;
    let uas = Sipp::uas_bounded(free_port(), Some(calls), Duration::from_secs(60)).unwrap();
    let kamailio = Kamailio::start(KamailioMode::Proxy, free_port(), uas.addr()).unwrap();
    let caller = Sipp::uac(kamailio.addr(), 50.0, calls).unwrap();
    assert_all_succeeded(&caller, calls);
    assert_answered(&uas.finish().unwrap(), calls);
}

#[test]
fn sipp_answers_the_proxy_auth_challenge() {
    let calls = 200;
    let uas = Sipp::uas_bounded(free_port(), Some(calls), Duration::from_secs(60)).unwrap();
    let kamailio = Kamailio::start(KamailioMode::Auth, free_port(), uas.addr()).unwrap();
    let caller = SippUac::new(kamailio.addr())
        .scenario(uac_auth_scenario())
        .auth(AUTH_USER, AUTH_PASSWORD)
        .rate(50.0)
        .calls(calls)
        .run()
        .unwrap();
    assert_all_succeeded(&caller, calls);
    // Every call reached the answerer once, after its challenge.
    assert_answered(&uas.finish().unwrap(), calls);
}

#[test]
fn the_proxy_auth_refuses_a_wrong_password() {
    let calls = 5;
    let uas = Sipp::uas(free_port()).unwrap();
    let kamailio = Kamailio::start(KamailioMode::Auth, free_port(), uas.addr()).unwrap();
    let caller = SippUac::new(kamailio.addr())
        .scenario(uac_auth_scenario())
        .auth(AUTH_USER, "not-the-password")
        .quiet_abort()
        .rate(10.0)
        .calls(calls)
        .timeout(Duration::from_secs(20))
        .run()
        .unwrap();
    // Challenged again instead of relayed: SIPp gets a 407 where it waits for the 200.
    assert!(
        !caller.status.success() && caller.stats.failed == calls && caller.stats.successful == 0,
        "expected every call to fail\n{}",
        caller.summary()
    );
    let answerer = uas.finish().unwrap();
    assert_eq!(answerer.stats.incoming, 0, "a call got through\n{}", answerer.summary());
}

#[test]
fn sipp_calls_the_stateless_responder() {
    let calls = 50;
    let kamailio = Kamailio::start(KamailioMode::Stateless, free_port(), "127.0.0.1:9".parse().unwrap()).unwrap();
    let caller = Sipp::uac(kamailio.addr(), 50.0, calls).unwrap();
    assert_all_succeeded(&caller, calls);
}

#[test]
fn baresip_answers_sipp() {
    let calls = 6;
    // baresip also listens on TCP port + 1.
    let baresip = Baresip::start(free_port_block(2)).unwrap();
    let caller = SippUac::new(baresip.addr())
        .service(BARESIP_USER)
        .rate(2.0)
        .calls(calls)
        .timeout(Duration::from_secs(30))
        .run()
        .unwrap();
    assert_all_succeeded(&caller, calls);
}

#[test]
fn stopping_kamailio_leaves_none_of_its_processes() {
    let kamailio = Kamailio::start(KamailioMode::Stateless, free_port(), "127.0.0.1:9".parse().unwrap()).unwrap();
    let group = kamailio.pid();
    assert!(process_group_alive(group));
    drop(kamailio);
    assert!(!process_group_alive(group), "kamailio processes outlived their guard");
}

// --- dialer load ---

/// Runs `dialer load TARGET ARGS… --json --out DIR` and returns its exit code and load.json.
fn load(target: &str, args: &[&str]) -> (Option<i32>, serde_json::Value, String) {
    let dir = tempfile::tempdir().unwrap();
    let mut all = vec!["load".to_owned(), target.to_owned()];
    all.extend(args.iter().map(|a| a.to_string()));
    all.extend(["--json".to_owned(), "--out".to_owned(), dir.path().display().to_string()]);
    let out = cli::dialer(&all);
    let stderr = cli::text(&out.stderr);
    let json: serde_json::Value =
        serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("load.json on stdout: {e}\nstderr:\n{stderr}"));
    let file: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("load.json")).unwrap()).unwrap();
    assert_eq!(json, file, "stdout and load.json agree");
    for f in ["per_second.csv", "rate.svg", "rate.png", "latency.svg", "latency.png"] {
        assert!(dir.path().join(f).exists(), "{f} written");
    }
    (out.status.code(), json, stderr)
}

#[test]
fn dialer_load_calls_sipp_uas() {
    let calls = 300;
    let uas = Sipp::uas_bounded(free_port(), Some(calls), Duration::from_secs(60)).unwrap();
    let target = format!("sip:service@{}", uas.addr());
    let (code, json, stderr) = load(&target, &["--rate", "100", "--calls", "300", "--hold", "200ms"]);
    assert_eq!(code, Some(0), "{stderr}\n{json:#}");
    assert_eq!(count(&json, "/calls/attempted"), calls);
    assert_eq!(count(&json, "/calls/answered"), calls);
    assert_eq!(count(&json, "/calls/failed") + count(&json, "/calls/timed_out"), 0);
    assert_eq!(count(&json, "/calls/by_code/200"), calls);
    assert_eq!(count(&json, "/latency_ms/answer/count"), calls);
    assert_eq!(count(&json, "/latency_ms/bye/count"), calls);
    // SIPp's own view: every call came in and completed.
    assert_answered(&uas.finish().unwrap(), calls);
}

#[test]
fn dialer_load_calls_sipp_uas_over_tcp() {
    let calls = 200;
    let uas = Sipp::uas_over(free_port(), Some(calls), Duration::from_secs(60), true).unwrap();
    let target = format!("sip:service@{};transport=tcp", uas.addr());
    let (code, json, stderr) = load(&target, &["--transport", "tcp", "--rate", "100", "--calls", "200"]);
    assert_eq!(code, Some(0), "{stderr}\n{json:#}");
    assert_eq!(json["transport"], "tcp");
    assert_eq!(count(&json, "/calls/answered"), calls);
    assert_eq!(count(&json, "/retransmissions"), 0, "nothing is retransmitted over TCP");
    assert!(json.get("socket").is_none_or(serde_json::Value::is_null), "no UDP socket figures over TCP: {json:#}");
    assert_answered(&uas.finish().unwrap(), calls);
}

#[test]
fn dialer_load_answers_the_proxy_auth_challenge() {
    let calls = 200;
    let uas = Sipp::uas_bounded(free_port(), Some(calls), Duration::from_secs(60)).unwrap();
    let kamailio = Kamailio::start(KamailioMode::Auth, free_port(), uas.addr()).unwrap();
    let target = format!("sip:service@{}", kamailio.addr());
    let auth = format!("{AUTH_USER}:{AUTH_PASSWORD}");
    let (code, json, stderr) = load(&target, &["--rate", "50", "--calls", "200", "--auth", &auth]);
    assert_eq!(code, Some(0), "{stderr}\n{json:#}\n{}", kamailio.log());
    assert_eq!(count(&json, "/calls/answered"), calls);
    assert_eq!(count(&json, "/calls/by_code/200"), calls, "each call challenged once, then answered");
    assert_answered(&uas.finish().unwrap(), calls);
}

#[test]
fn dialer_load_with_a_wrong_password_fails_every_call_once() {
    let uas = Sipp::uas(free_port()).unwrap();
    let kamailio = Kamailio::start(KamailioMode::Auth, free_port(), uas.addr()).unwrap();
    let target = format!("sip:service@{}", kamailio.addr());
    let auth = format!("{AUTH_USER}:not-the-password");
    let (code, json, _) = load(&target, &["--rate", "10", "--calls", "5", "--auth", &auth]);
    assert_eq!(code, Some(1), "failed calls exit 1");
    // Answered the first challenge, challenged again: a 407 final, no endless retry.
    assert_eq!(count(&json, "/calls/by_code/407"), 5, "{json:#}");
    assert_eq!(count(&json, "/calls/failed"), 5);
    assert_eq!(uas.finish().unwrap().stats.incoming, 0);
}

#[test]
fn dialer_load_calls_baresip() {
    let baresip = Baresip::start(free_port_block(2)).unwrap();
    let (code, json, stderr) = load(&baresip.uri(), &["--rate", "2", "--calls", "6", "--hold", "2s", "--media"]);
    assert_eq!(code, Some(0), "{stderr}\n{json:#}\n{}", baresip.log());
    assert_eq!(count(&json, "/calls/answered"), 6);
    assert_eq!(count(&json, "/latency_ms/bye/count"), 6, "every BYE answered");
    // RTP both ways: 6 calls × 2 s of 20 ms frames is 600 packets each way; allow for the
    // first and last frames around the answer and the BYE.
    let sent = count(&json, "/media/packets_sent");
    let received = count(&json, "/media/packets_received");
    assert!((500..=620).contains(&sent), "sent {sent}\n{json:#}");
    assert!(received >= 400, "baresip's audio came back: {received}\n{json:#}");
    assert!(count(&json, "/media/packets_lost") * 100 <= received, "under 1% lost on loopback\n{json:#}");
}

// --- dialer callee ---

fn callee_all_human() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/interop/callee-all-human.toml")
}

#[test]
fn sipp_calls_dialer_callee() {
    let calls = 200;
    let dir = tempfile::tempdir().unwrap();
    let callee = Callee::start(dir.path(), &callee_all_human(), calls, &[]);
    let caller = Sipp::uac(callee.addr.parse().unwrap(), 50.0, calls).unwrap();
    assert_all_succeeded(&caller, calls);
    let (summary, rows) = callee.finish();
    assert_eq!(rows.len() as u64, calls, "{summary}");
    assert!(
        rows.iter().all(|r| r["kind"] == "human" && r["final_code"] == "200" && r["hangup_by"] == "caller"),
        "every call answered and ended by SIPp's BYE\n{summary}"
    );
}

#[test]
fn dialer_load_calls_dialer_callee_through_the_proxy() {
    let calls = 300;
    let dir = tempfile::tempdir().unwrap();
    let callee = Callee::start(dir.path(), &callee_all_human(), calls, &[]);
    let kamailio = Kamailio::start(KamailioMode::Proxy, free_port(), callee.addr.parse().unwrap()).unwrap();
    let target = format!("sip:callee@{}", kamailio.addr());
    let report = load_to(&target, &["--rate", "30", "--calls", "300", "--hold", "1s"]);
    assert_eq!(count(&report, "/calls/answered"), calls, "{report}");
    assert_eq!(count(&report, "/calls/failed"), 0, "{report}");
    assert_eq!(count(&report, "/calls/timed_out"), 0, "{report}");
    let (summary, rows) = callee.finish();
    assert_eq!(rows.len() as u64, calls, "{summary}");
    // Every BYE came back to the callee along kamailio's Record-Route.
    assert!(rows.iter().all(|r| r["final_code"] == "200" && r["hangup_by"] == "caller"), "{summary}");
}

#[test]
fn dialer_callee_hangs_up_through_the_proxy() {
    let calls = 20;
    // People with no patience at all hang up right after their greeting: our BYE follows the
    // Record-Route through kamailio back to the caller.
    let dir = tempfile::tempdir().unwrap();
    let callee = Callee::start(
        dir.path(),
        &callee_all_human(),
        calls,
        &["--set", "population.patience={ dist = \"const\", value = \"0s\" }"],
    );
    let kamailio = Kamailio::start(KamailioMode::Proxy, free_port(), callee.addr.parse().unwrap()).unwrap();
    let target = format!("sip:callee@{}", kamailio.addr());
    let report = load_to(&target, &["--rate", "10", "--calls", "20", "--hold", "30s", "--drain", "40s"]);
    assert_eq!(count(&report, "/calls/answered"), calls, "{report}");
    assert_eq!(count(&report, "/calls/remote_hangups"), calls, "{report}");
    assert_eq!(count(&report, "/calls/failed"), 0, "{report}");
    let (summary, rows) = callee.finish();
    assert!(rows.iter().all(|r| r["final_code"] == "200" && r["hangup_by"] == "callee"), "{summary}");
}
