//! `dialer run` → kamailio (the trunk's proxy, challenging every INVITE with a 407) →
//! `dialer callee` (customers, and agents through the dialer's desk), on loopback: the live
//! end-to-end test with a real SIP proxy in the middle. Behind the `interop` feature, like
//! tests/interop.rs: `cargo test --features interop --test live_interop -- --test-threads=1`.

#![cfg(feature = "interop")]

#[path = "support/peers.rs"]
mod peers;

#[path = "support/live.rs"]
#[allow(dead_code, reason = "each test binary uses part of the helpers")]
mod live;

use peers::{AUTH_PASSWORD, AUTH_USER, Kamailio, KamailioMode};
use std::process::Stdio;
use std::time::{Duration, Instant};

#[test]
fn a_campaign_runs_through_kamailio_with_digest_auth() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let (desk_sip, desk_api) = (format!("127.0.0.1:{}", live::free_port()), format!("127.0.0.1:{}", live::free_port()));
    let (_callee, addr) = live::callee(d, Some((&desk_sip, &desk_api)));
    let kamailio = Kamailio::start(KamailioMode::Auth, peers::free_port(), addr.parse().unwrap()).unwrap();
    let today = jiff::Timestamp::now().to_zoned(jiff::tz::TimeZone::UTC);
    let day = format!("{:?}", today.weekday()).to_lowercase()[..3].to_owned();
    let campaign = live::campaign(d, &kamailio.addr().to_string(), &day, (&desk_sip, &desk_api));
    let text = std::fs::read_to_string(&campaign).unwrap();
    // The trunk wants the dialer registered, with the same credentials.
    let auth = format!("register = true\nusername = \"{AUTH_USER}\"\npassword = \"{AUTH_PASSWORD}\"\ncaller_id");
    std::fs::write(&campaign, text.replacen("caller_id", &auth, 1)).unwrap();
    let c = campaign.to_str().unwrap();
    let leads: String =
        std::iter::once("number\n".to_owned()).chain((0..20).map(|i| format!("+1202555{:04}\n", 700 + i))).collect();
    std::fs::write(d.join("leads.csv"), leads).unwrap();
    let status =
        live::dialer().args(["leads", "import", d.join("leads.csv").to_str().unwrap(), "--campaign", c]).status();
    assert!(status.unwrap().success());
    let out = d.join("out");
    let mut run = live::Guard(
        live::dialer()
            .args(["run", c, "--until-done", "--out", out.to_str().unwrap()])
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap(),
    );
    let started = Instant::now();
    let mut err = String::new();
    std::io::Read::read_to_string(&mut run.0.stderr.take().unwrap(), &mut err).unwrap();
    let status = run.0.wait().unwrap();
    assert!(status.success(), "{err}\n{}", kamailio.log());
    assert!(started.elapsed() < Duration::from_secs(180));
    let cdrs: Vec<csv::StringRecord> =
        csv::Reader::from_path(out.join("cdr.csv")).unwrap().records().map(Result::unwrap).collect();
    let headers = csv::Reader::from_path(out.join("cdr.csv")).unwrap().headers().unwrap().clone();
    let col = |name: &str| headers.iter().position(|h| h == name).unwrap();
    assert!(cdrs.iter().all(|r| &r[col("sip_code")] != "407"), "every challenge answered");
    // Registered before the first call (a trunk that must be registered takes no call until it
    // is), answering kamailio's 401; refreshed every 30 s of the 60 s granted.
    assert!(err.contains(&format!("trunk sip:{} registered (for 60 s)", kamailio.addr())), "{err}");
    let registrations = kamailio.stderr().matches(&format!("registered {AUTH_USER} at <sip:{AUTH_USER}@")).count();
    let expected = 1 + started.elapsed().as_secs() / 30;
    assert!(
        registrations >= 1 && registrations as u64 <= expected + 1,
        "{registrations} REGISTERs accepted in {:?}\n{}",
        started.elapsed(),
        kamailio.log()
    );
    assert!(cdrs.iter().any(|r| &r[col("outcome")] == "connected"), "people reached agents through kamailio");
    let c = dialer::campaign::load(&campaign).unwrap();
    let store = dialer::store::Store::open(&c.store, c.store_rules()).unwrap();
    assert!(store.summary().unwrap().is_finished());
    eprintln!("through kamailio: {} calls", cdrs.len());
}
