//! End to end on loopback: `dialer run` dials a 40-lead campaign into `dialer callee` (the
//! emulated customers of tests/live/callee.toml: people, machines, busy lines, no answers, invalid
//! numbers), with five agents: the callee's emulated agents through the dialer's desk (their
//! phones over SIP, the agent API over HTTP), and, apart, five scripted agents. Checks that every lead ends
//! in a final state, that the CDRs and agent log give the same metrics through the reports code
//! as the run wrote, that the abandon rate is under the cap, that no lead was dialled twice at
//! once, and that nothing on the do-not-call list or outside its calling window was dialled.

#[path = "support/live.rs"]
mod live_support;

use live_support::{Guard, callee, campaign, dialer, free_port, run_ok};
use std::collections::HashMap;
use std::path::Path;
use std::time::{Duration, Instant};

fn rows(path: &Path) -> Vec<HashMap<String, String>> {
    let mut reader = csv::Reader::from_path(path).unwrap();
    let headers = reader.headers().unwrap().clone();
    reader
        .records()
        .map(|r| headers.iter().zip(r.unwrap().iter()).map(|(h, v)| (h.into(), v.into())).collect())
        .collect()
}

/// Today's weekday in UTC as a campaign's `days` writes it (`mon`).
fn today() -> String {
    let now = jiff::Timestamp::now().to_zoned(jiff::tz::TimeZone::UTC);
    format!("{:?}", now.weekday()).to_lowercase()[..3].to_owned()
}

/// Writes `leads` (CSV text) as leads.csv in `d` and imports it into campaign `c`.
fn import(d: &Path, c: &str, leads: &str) {
    std::fs::write(d.join("leads.csv"), leads).unwrap();
    run_ok(
        dialer().args(["leads", "import", d.join("leads.csv").to_str().unwrap(), "--campaign", c]),
        Duration::from_secs(10),
    );
}

/// `dialer run c --until-done` with `agents` scripted agents talking `talk` (200 ms wrap-up),
/// writing to `out`, within `limit`.
fn run_scripted(c: &str, agents: u32, talk: &str, out: &Path, limit: Duration) -> String {
    run_ok(
        dialer().args(["run", c, "--until-done", "--scripted-agents", &agents.to_string(), "--talk", talk]).args([
            "--wrap",
            "200ms",
            "--out",
            out.to_str().unwrap(),
        ]),
        limit,
    )
}

/// Stops the callee with SIGTERM, so it writes its files, and waits for it (20 s at most).
fn stop(callee: &mut Guard) {
    // SAFETY: kill(2) on our own child's pid.
    assert_eq!(unsafe { libc::kill(callee.0.id() as i32, libc::SIGTERM) }, 0);
    let deadline = Instant::now() + Duration::from_secs(20);
    while callee.0.try_wait().unwrap().is_none() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn a_campaign_runs_end_to_end_with_emulated_agents_through_the_desk() {
    end_to_end(true);
}

#[test]
fn a_campaign_runs_end_to_end_with_scripted_agents() {
    end_to_end(false);
}

fn end_to_end(desk: bool) {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let (desk_sip, desk_api) = (format!("127.0.0.1:{}", free_port()), format!("127.0.0.1:{}", free_port()));
    let (mut the_callee, addr) = callee(d, desk.then_some((desk_sip.as_str(), desk_api.as_str())));
    let day = today();
    let campaign = campaign(d, &addr, &day, (&desk_sip, &desk_api));
    if desk {
        // This trunk wants the dialer registered (the callee binds it for an hour, as a carrier).
        let text = std::fs::read_to_string(&campaign).unwrap();
        std::fs::write(&campaign, text.replacen("caller_id", "register = true\ncaller_id", 1)).unwrap();
    }
    let numbers: Vec<String> = (0..40).map(|i| format!("+1202555{:04}", 100 + i)).collect();
    let dnc = [&numbers[5], &numbers[17]];
    let mut leads = String::from("id,number\n");
    for (i, n) in numbers.iter().enumerate() {
        leads.push_str(&format!("L{i},{n}\n"));
    }
    std::fs::write(d.join("leads.csv"), leads).unwrap();
    std::fs::write(d.join("dnc.txt"), format!("{}\n{}\n", dnc[0], dnc[1])).unwrap();
    let c = campaign.to_str().unwrap();
    run_ok(
        dialer().args(["leads", "dnc", d.join("dnc.txt").to_str().unwrap(), "--campaign", c]),
        Duration::from_secs(10),
    );
    run_ok(
        dialer().args(["leads", "import", d.join("leads.csv").to_str().unwrap(), "--campaign", c]),
        Duration::from_secs(10),
    );

    let out = d.join("out");
    let started = Instant::now();
    let agents: &[&str] = if desk {
        &[]
    } else {
        &[
            "--scripted-agents",
            "5",
            "--talk",
            "1s",
            "--wrap",
            "300ms",
            "--dispositions",
            "sale,sale,callback,dnc_request",
        ]
    };
    let log = run_ok(
        dialer().args(["run", c, "--until-done", "--out", out.to_str().unwrap()]).args(agents),
        Duration::from_secs(240),
    );
    let took = started.elapsed();
    assert!(log.contains("abandon"), "a status line each second:\n{log}");
    if desk {
        assert!(log.contains("agents' desk: phones to sip:"), "the desk served the agents:\n{log}");
        assert!(log.contains(&format!("trunk sip:{addr} registered (for 3600 s)")), "registered:\n{log}");
    }

    if desk {
        // The run over, the desk hung up every agent's phone: the callee, stopped, says so.
        stop(&mut the_callee);
        let agents = rows(&d.join("callee/agents.csv"));
        assert_eq!(agents.len(), 5, "{agents:?}");
        assert!(agents.iter().all(|a| a["end"] == "desk"), "every phone hung up by the desk: {agents:?}");
    }

    // Every lead is final.
    let campaign_file = dialer::campaign::load(&campaign).unwrap();
    let store = dialer::store::Store::open(&campaign_file.store, campaign_file.store_rules()).unwrap();
    let summary = store.summary().unwrap();
    assert!(summary.is_finished(), "every lead final: {summary:?}");
    assert_eq!(summary.total(), 40);

    // The run's files measure the same through the reports code as metrics.json says.
    let cdrs = rows(&out.join("cdr.csv"));
    let recomputed = reports::metrics_from_files(&out.join("cdr.csv"), &out.join("agents.csv")).unwrap();
    let written: reports::Metrics =
        serde_json::from_str(&std::fs::read_to_string(out.join("metrics.json")).unwrap()).unwrap();
    // JSON keeps floats to about 1e-15: compare the two as JSON numbers within that.
    let close = |a: &serde_json::Value, b: &serde_json::Value| match (a.as_f64(), b.as_f64()) {
        (Some(x), Some(y)) => (x - y).abs() <= 1e-9 * x.abs().max(1.0),
        _ => a == b,
    };
    for section in ["outbound", "agents", "lines"] {
        let (a, b) = (serde_json::to_value(&recomputed).unwrap(), serde_json::to_value(&written).unwrap());
        for (key, value) in a[section].as_object().unwrap() {
            let other = &b[section][key];
            let same = match value.as_object() {
                Some(inner) => inner.iter().all(|(k, v)| close(v, &other[k])),
                None => close(value, other),
            };
            assert!(same, "{section}.{key}: recomputed {value}, written {other}");
        }
    }
    assert_eq!(written.outbound.dials as usize, cdrs.len());
    assert_eq!(summary.attempts as usize, cdrs.len(), "every placed call has its CDR");
    assert!(written.outbound.connects > 10, "people reached agents: {:?}", written.outbound);
    assert!(written.outbound.machine > 0 && written.outbound.busy > 0 && written.outbound.invalid > 0);
    assert!(written.outbound.abandon_rate <= reports::ABANDON_CAP, "{:?}", written.outbound);
    for plot in ["abandon", "calls", "occupancy"] {
        assert!(out.join(format!("{plot}.svg")).exists(), "{plot} plot");
    }

    // Never the do-not-call list; never a lead twice at once; nothing after a dnc_request.
    let mut by_lead: HashMap<&str, Vec<&HashMap<String, String>>> = HashMap::new();
    let mut dispositions: HashMap<&str, usize> = HashMap::new();
    for row in &cdrs {
        *dispositions.entry(&row["disposition"]).or_default() += 1;
        assert!(!dnc.contains(&&row["callee"]), "dialled a number on the do-not-call list: {row:?}");
        by_lead.entry(&row["lead_id"]).or_default().push(row);
        if row["outcome"] == "no_answer" && row["hangup_by"] == "dialer" {
            let ring: u64 = row["ring_ms"].parse().unwrap();
            assert!(ring >= 15_000, "cancelled before the 15-second minimum ring: {row:?}");
        }
    }
    let mut callbacks_kept = 0;
    for calls in by_lead.values_mut() {
        calls.sort_by(|a, b| a["dial_time"].cmp(&b["dial_time"]));
        for pair in calls.windows(2) {
            assert!(pair[0]["end_time"] <= pair[1]["dial_time"], "a lead dialled twice at once: {pair:?}");
            if desk && pair[0]["disposition"] == "callback" {
                // The agent asked for 5 s after the wrap-up (the campaign's default is 3 s).
                let at = |row: &HashMap<String, String>, col: &str| row[col].parse::<jiff::Timestamp>().unwrap();
                let gap = at(pair[1], "dial_time").duration_since(at(pair[0], "end_time"));
                assert!(gap >= jiff::SignedDuration::from_secs(5), "called back after {gap:?}, not the agent's time");
                callbacks_kept += 1;
            }
            assert_ne!(pair[0]["disposition"], "dnc_request", "called again after a dnc_request: {pair:?}");
        }
    }
    if desk {
        // Every callback an agent asked for was made, at the agent's time.
        assert_eq!(callbacks_kept, dispositions.get("callback").copied().unwrap_or(0), "{dispositions:?}");
    }
    eprintln!(
        "live e2e (desk: {desk}): {} calls in {:.0?}: {:?}; wait to agent p50 {} ms; dispositions {dispositions:?}",
        cdrs.len(),
        took,
        summary.leads,
        written.outbound.wait_to_agent_ms.p50
    );

    // Leads whose own time zone is on another day are outside the window: a run dials none.
    let hour = jiff::Timestamp::now().to_zoned(jiff::tz::TimeZone::UTC).hour();
    let other_zone = if hour >= 10 { "Pacific/Kiritimati" } else { "Etc/GMT+12" };
    let late = format!("id,number,timezone\nZ1,+12025559001,{other_zone}\nZ2,+12025559002,{other_zone}\n");
    std::fs::write(d.join("late.csv"), late).unwrap();
    drop(store);
    run_ok(
        dialer().args(["leads", "import", d.join("late.csv").to_str().unwrap(), "--campaign", c]),
        Duration::from_secs(10),
    );
    let out2 = d.join("out2");
    run_ok(
        dialer().args(["run", c, "--for", "3s", "--scripted-agents", "2", "--out", out2.to_str().unwrap()]),
        Duration::from_secs(60),
    );
    assert!(rows(&out2.join("cdr.csv")).is_empty(), "nothing dialled outside its calling window");
}

/// A scripted trunk on a loopback UDP port: `answer` gives the replies to each request (not to
/// ACKs or responses), knowing the trunk's address; the thread ends after `quiet` without a
/// request and returns every request it got, with when.
fn fake_trunk(
    quiet: Duration,
    answer: impl Fn(&str, std::net::SocketAddr) -> Vec<String> + Send + 'static,
) -> (std::net::SocketAddr, std::thread::JoinHandle<Vec<(Instant, String)>>) {
    let socket = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    socket.set_read_timeout(Some(quiet)).unwrap();
    let addr = socket.local_addr().unwrap();
    let handle = std::thread::spawn(move || {
        let mut buf = [0u8; 4096];
        let mut got = Vec::new();
        while let Ok((n, from)) = socket.recv_from(&mut buf) {
            let text = String::from_utf8_lossy(&buf[..n]).into_owned();
            if !text.starts_with("SIP/2.0") && !text.starts_with("ACK") {
                for reply in answer(&text, addr) {
                    let _ = socket.send_to(reply.as_bytes(), from);
                }
            }
            got.push((Instant::now(), text));
        }
        got
    });
    (addr, handle)
}

/// A response to `request` with `status`: its Via, From, To (with `to_tag` added, if given),
/// Call-ID and CSeq, then `extra` header lines.
fn reply_to(request: &str, status: &str, to_tag: Option<&str>, extra: &str) -> String {
    let mut reply = format!("SIP/2.0 {status}\r\n");
    for line in request.lines() {
        let name = line.split(':').next().unwrap_or("").to_ascii_lowercase();
        if ["via", "from", "call-id", "cseq"].contains(&name.as_str()) {
            reply.push_str(line);
            reply.push_str("\r\n");
        } else if name == "to" {
            reply.push_str(line);
            if let Some(tag) = to_tag.filter(|_| !line.contains("tag=")) {
                reply.push_str(&format!(";tag={tag}"));
            }
            reply.push_str("\r\n");
        }
    }
    reply.push_str(extra);
    reply.push_str("Content-Length: 0\r\n\r\n");
    reply
}

/// A trunk that refuses everything with 503: what a failing carrier does. Returns the INVITEs it got.
fn refusing_trunk() -> (std::net::SocketAddr, std::thread::JoinHandle<u32>) {
    let (addr, trunk) =
        fake_trunk(Duration::from_secs(3), |request, _| vec![reply_to(request, "503 Service Unavailable", None, "")]);
    let invites = std::thread::spawn(move || {
        trunk.join().unwrap().iter().filter(|(_, r)| r.starts_with("INVITE")).count() as u32
    });
    (addr, invites)
}

/// Two forks of the call answer (a forking proxy): the dialer keeps the first, acknowledges the
/// second and hangs it up at once (RFC 3261 §13.2.2.4); one call, one CDR.
#[test]
fn a_second_forked_answer_is_acknowledged_and_hung_up() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let (addr, trunk) = fake_trunk(Duration::from_secs(3), move |request, addr| {
        let contact = |tag: &str| format!("Contact: <sip:{tag}@{addr}>\r\n");
        if request.starts_with("INVITE") {
            vec![
                reply_to(request, "200 OK", Some("forkA"), &contact("forkA")),
                reply_to(request, "200 OK", Some("forkB"), &contact("forkB")),
            ]
        } else {
            vec![reply_to(request, "200 OK", None, "")]
        }
    });
    let day = today();
    let campaign = campaign(d, &addr.to_string(), &day, ("127.0.0.1:0", "127.0.0.1:0"));
    let c = campaign.to_str().unwrap();
    import(d, c, "number\n+12025550777\n");
    let out = d.join("out");
    run_scripted(c, 1, "1s", &out, Duration::from_secs(60));
    let got: Vec<String> = trunk.join().unwrap().into_iter().map(|(_, r)| r).collect();
    let to_tag = |r: &String| r.lines().find(|l| l.starts_with("To:")).map(|l| l.contains("forkB")).unwrap_or(false);
    let to_b: Vec<&str> = got.iter().filter(|r| to_tag(r)).map(|r| r.split(' ').next().unwrap()).collect();
    assert_eq!(to_b, ["ACK", "BYE"], "the second fork is acknowledged, then hung up");
    let to_a = |r: &String| r.lines().find(|l| l.starts_with("To:")).is_some_and(|l| l.contains("forkA"));
    let a_methods: Vec<&str> = got.iter().filter(|r| to_a(r)).map(|r| r.split(' ').next().unwrap()).collect();
    assert_eq!(a_methods, ["ACK", "BYE"], "the first fork is the call: acknowledged, hung up at its end");
    let cdrs = rows(&out.join("cdr.csv"));
    assert_eq!(cdrs.len(), 1, "{cdrs:?}");
    assert_eq!(cdrs[0]["outcome"], "connected", "{cdrs:?}");
}

/// The first trunk answers every INVITE and OPTIONS with 503: calls go out through the second
/// (failover), the first is marked down and dialing carries on; every lead still ends final.
#[test]
fn a_failing_first_trunk_fails_over_to_the_second() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let (_callee, addr) = callee(d, None);
    let (bad, refused) = refusing_trunk();
    let day = today();
    let campaign = campaign(d, &addr, &day, ("127.0.0.1:0", "127.0.0.1:0"));
    let text = std::fs::read_to_string(&campaign).unwrap();
    let first =
        format!("[[trunks]]\nuri = \"sip:{bad}\"\ncaller_id = \"+12025550100\"\nmax_lines = 10\nmax_cps = 20\n");
    std::fs::write(&campaign, text.replacen("[[trunks]]", &format!("{first}[[trunks]]"), 1)).unwrap();
    let c = campaign.to_str().unwrap();
    let leads: String =
        std::iter::once("number\n".to_owned()).chain((0..10).map(|i| format!("+1202555{:04}\n", 300 + i))).collect();
    import(d, c, &leads);
    let out = d.join("out");
    let log = run_ok(
        dialer()
            .args(["run", c, "--until-done", "--scripted-agents", "3", "--talk", "1s", "--wrap", "200ms"])
            .args(["--out", out.to_str().unwrap()]),
        Duration::from_secs(120),
    );
    assert!(log.contains("is down"), "the failing trunk is marked down:\n{log}");
    let cdrs = rows(&out.join("cdr.csv"));
    assert!(cdrs.iter().all(|r| r["sip_code"] != "503"), "no call failed with the first trunk's 503");
    assert!(cdrs.iter().any(|r| r["outcome"] == "connected"));
    let c = dialer::campaign::load(&campaign).unwrap();
    let store = dialer::store::Store::open(&c.store, c.store_rules()).unwrap();
    assert!(store.summary().unwrap().is_finished());
    let refused = refused.join().unwrap();
    assert!((1..=3).contains(&refused), "the first trunk got INVITEs until it was down: {refused}");
}

/// Ratio pacing with one agent answers more people than it can serve: the ones no agent takes
/// within drop_after hear the abandon message (a 1 s WAV) and are hung up by the dialer, recorded
/// `abandoned` with the message's length in their wait.
#[test]
fn a_live_answer_no_agent_takes_hears_the_message_and_is_dropped() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let (_callee, addr) = callee(d, None);
    let day = today();
    let campaign = campaign(d, &addr, &day, ("127.0.0.1:0", "127.0.0.1:0"));
    let text = std::fs::read_to_string(&campaign).unwrap();
    std::fs::write(&campaign, text.replace("mode = \"progressive\"", "mode = \"ratio\"\nratio = 4.0")).unwrap();
    let c = campaign.to_str().unwrap();
    let leads: String =
        std::iter::once("number\n".to_owned()).chain((0..12).map(|i| format!("+1202555{:04}\n", 500 + i))).collect();
    import(d, c, &leads);
    let out = d.join("out");
    run_scripted(c, 1, "4s", &out, Duration::from_secs(180));
    let cdrs = rows(&out.join("cdr.csv"));
    let dropped: Vec<_> = cdrs.iter().filter(|r| r["outcome"] == "abandoned").collect();
    assert!(!dropped.is_empty(), "ratio 4 with one agent drops some: {cdrs:?}");
    for row in &dropped {
        assert_eq!(row["hangup_by"], "dialer", "{row:?}");
        let wait: u64 = row["wait_ms"].parse().unwrap();
        // The greeting (AMD), then drop_after (2 s), then the 1 s message.
        assert!(wait >= 3_000, "the message played before the hang-up: {row:?}");
    }
    eprintln!("dropped {} of {} calls", dropped.len(), cdrs.len());
}

/// Stopped while a call rings, with a drain shorter than the minimum ring: the dialer still lets it
/// ring 15 s before its CANCEL (FCC and Ofcom), then exits.
#[test]
fn the_drain_waits_for_the_minimum_ring_before_cancelling() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    // Quiet while the call rings: longer than the ring.
    let (addr, trunk) = fake_trunk(Duration::from_secs(20), move |request, _| {
        if request.starts_with("INVITE") {
            vec![reply_to(request, "180 Ringing", Some("ring"), "")]
        } else if request.starts_with("CANCEL") {
            let invite = request.replace(" CANCEL\r\n", " INVITE\r\n");
            vec![reply_to(request, "200 OK", None, ""), reply_to(&invite, "487 Request Terminated", Some("ring"), "")]
        } else {
            vec![reply_to(request, "200 OK", None, "")]
        }
    });
    let day = today();
    let campaign = campaign(d, &addr.to_string(), &day, ("127.0.0.1:0", "127.0.0.1:0"));
    let c = campaign.to_str().unwrap();
    import(d, c, "number\n+12025550778\n");
    run_ok(
        dialer().args(["run", c, "--for", "1s", "--drain", "1s", "--scripted-agents", "1"]),
        Duration::from_secs(60),
    );
    let got = trunk.join().unwrap();
    let at = |method: &str| got.iter().find(|(_, r)| r.starts_with(method)).map(|(t, _)| *t);
    let methods: Vec<&str> = got.iter().map(|(_, r)| r.split(' ').next().unwrap()).collect();
    let (invite, cancel) =
        (at("INVITE ").expect("dialled"), at("CANCEL ").unwrap_or_else(|| panic!("no CANCEL: {methods:?}")));
    let rang = cancel - invite;
    assert!(rang >= Duration::from_secs(15), "cancelled after {rang:?} of ringing");
    assert!(rang < Duration::from_secs(17), "the drain ends once the minimum ring is over: {rang:?}");
}

/// With `machine_message`, a machine's call is not hung up at the verdict: the message plays once
/// the greeting and its beep are over (1 s of quiet), then the dialer hangs up. The callee's own
/// record of each machine call shows it: ended by the caller, after the greeting, a second of
/// quiet and the 1 s message, and it heard a voice.
#[test]
fn answering_machines_get_the_message_after_their_greeting() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let (mut the_callee, addr) = callee(d, None);
    let day = today();
    let campaign = campaign(d, &addr, &day, ("127.0.0.1:0", "127.0.0.1:0"));
    let text = std::fs::read_to_string(&campaign).unwrap();
    // The 1 s tone doubles as the machine message.
    let text = text.replacen("abandon_message", "machine_message = \"abandon.wav\"\nabandon_message", 1);
    std::fs::write(&campaign, text.replace("max_attempts = 2", "max_attempts = 1")).unwrap();
    let c = campaign.to_str().unwrap();
    let leads: String =
        std::iter::once("number\n".to_owned()).chain((0..30).map(|i| format!("+1202555{:04}\n", 800 + i))).collect();
    import(d, c, &leads);
    let out = d.join("out");
    run_scripted(c, 3, "1s", &out, Duration::from_secs(120));
    stop(&mut the_callee);
    let calls = rows(&d.join("callee/calls.csv"));
    let machines: Vec<_> = calls.iter().filter(|r| r["kind"] == "machine" && !r["answered_ms"].is_empty()).collect();
    assert!(!machines.is_empty(), "the population has machines: {calls:?}");
    for m in &machines {
        let ms = |col: &str| m[col].parse::<u64>().unwrap();
        let held = ms("ended_ms") - ms("answered_ms");
        assert_eq!(m["hangup_by"], "caller", "{m:?}");
        // Greeting, 1 s of quiet, the 1 s message; 100 ms for frames and timers.
        assert!(held + 100 >= ms("greeting_ms") + 2_000, "hung up {held} ms after the answer: {m:?}");
        assert!(held <= ms("greeting_ms") + 4_000, "the message waited too long: {m:?}");
        assert_eq!(m["heard_voice"], "true", "the machine recorded the message: {m:?}");
    }
    let cdrs = rows(&out.join("cdr.csv"));
    assert_eq!(cdrs.iter().filter(|r| r["outcome"] == "machine").count(), machines.len());
}
