//! `dialer load`'s options on loopback against our own `dialer callee`: the call mix (cancels),
//! numbers files, the concurrency cap, the trace, the files of `--out`, and its refusals of bad
//! input. Interop with other SIP software is in `tests/interop.rs`. Every run is bounded and
//! lasts seconds.

#[path = "support/cli.rs"]
#[allow(dead_code, reason = "shared with the other tests")]
mod cli;

#[path = "support/callee.rs"]
#[allow(dead_code, reason = "shared by the tests of dialer callee and dialer load")]
mod callee;

use callee::{Callee, column, count, load, scenario};

const QUICK: &str =
    "ring = { dist = \"const\", value = \"200ms\" }\nbusy_after = { dist = \"const\", value = \"100ms\" }";

#[test]
fn a_cancel_share_of_one_cancels_every_ringing_call_and_none_fails() {
    let dir = tempfile::tempdir().unwrap();
    // People take 5 s to answer; the mix cancels each call 100 ms after its 180.
    let sc = scenario(dir.path(), "human = 1.0\nring = { dist = \"const\", value = \"5s\" }");
    let callee = Callee::start(dir.path(), &sc, 10, &[]);
    let report = load(&callee, &["--rate", "20", "--calls", "10", "--cancel-share", "1"]);
    assert_eq!(count(&report, "/calls/cancelled"), 10, "{report}");
    assert_eq!(count(&report, "/calls/by_code/487"), 10, "{report}");
    assert_eq!(count(&report, "/calls/failed") + count(&report, "/calls/answered"), 0, "{report}");
    let (_, rows) = callee.finish();
    assert_eq!(column(&rows, "hangup_by"), vec!["cancel"; 10]);
}

#[test]
fn numbers_are_called_in_turn_and_the_trace_shows_every_message() {
    let dir = tempfile::tempdir().unwrap();
    let sc = scenario(dir.path(), &format!("busy = 1.0\n{QUICK}"));
    let numbers = dir.path().join("numbers.csv");
    std::fs::write(&numbers, "number\n15550100001\n15550100002\n15550100003\n").unwrap();
    let trace = dir.path().join("trace.txt");
    let callee = Callee::start(dir.path(), &sc, 6, &["--by-number"]);
    let report = load(
        &callee,
        &["--rate", "20", "--calls", "6", "--numbers", numbers.to_str().unwrap(), "--trace", trace.to_str().unwrap()],
    );
    assert_eq!(count(&report, "/calls/by_code/486"), 6, "{report}");
    let (_, rows) = callee.finish();
    // With --by-number the callee's lead is the number dialled: 1, 2, 3, 1, 2, 3.
    let leads: Vec<&str> = column(&rows, "lead");
    let mut sorted = leads.clone();
    sorted.sort();
    assert_eq!(sorted, vec!["15550100001", "15550100001", "15550100002", "15550100002", "15550100003", "15550100003"]);
    let text = std::fs::read_to_string(&trace).unwrap();
    let invites = text.lines().filter(|l| l.starts_with("INVITE sip:1555010000")).count();
    let busy = text.lines().filter(|l| l.starts_with("SIP/2.0 486")).count();
    assert_eq!((invites, busy), (6, 6), "every INVITE sent and every 486 received is in the trace");
    assert!(text.lines().any(|l| l.contains(" send ")) && text.lines().any(|l| l.contains(" recv ")));
}

#[test]
fn the_concurrency_cap_holds_and_the_out_files_are_written() {
    let dir = tempfile::tempdir().unwrap();
    let sc = scenario(dir.path(), &format!("human = 1.0\n{QUICK}"));
    let out = dir.path().join("load");
    let callee = Callee::start(dir.path(), &sc, 12, &[]);
    // 50 calls/s asked, but at most 4 calls of about 700 ms at once: the starts wait.
    let report = load(
        &callee,
        &["--rate", "50", "--calls", "12", "--hold", "500ms", "--max-concurrent", "4", "--out", out.to_str().unwrap()],
    );
    assert_eq!(count(&report, "/calls/answered"), 12, "{report}");
    assert_eq!(count(&report, "/concurrent/peak"), 4, "{report}");
    assert!(report["duration_s"].as_f64().unwrap() >= 2.0, "12 calls, 4 at a time, ~0.7 s each\n{report}");
    for f in ["load.json", "per_second.csv", "rate.svg", "rate.png", "latency.svg", "latency.png"] {
        assert!(out.join(f).exists(), "{f}");
    }
    let rows = reports::load::read_per_second(std::fs::File::open(out.join("per_second.csv")).unwrap()).unwrap();
    assert_eq!(rows.iter().map(|r| r.attempted).sum::<u64>(), 12);
    assert!(rows.iter().all(|r| r.in_flight <= 4));
    callee.finish();
}

#[cfg(target_os = "linux")]
#[test]
fn the_report_gives_the_granted_socket_buffers_and_the_hosts_udp_drops() {
    let dir = tempfile::tempdir().unwrap();
    let sc = scenario(dir.path(), &format!("busy = 1.0\n{QUICK}"));
    let callee = Callee::start(dir.path(), &sc, 4, &[]);
    let report = load(&callee, &["--rate", "20", "--calls", "3", "--socket-buffer", "131072"]);
    // At a rate where drops begin, asking more than the kernel grants is said at the start, with
    // the sysctl that fixes it.
    let target = format!("sip:load@{}", callee.addr);
    let big = cli::dialer(["load", &target, "--rate", "1000", "--calls", "1", "--socket-buffer", "1073741824"]);
    let (callee_summary, _) = callee.finish();
    let err = cli::text(&big.stderr);
    // The callee says the same of its own socket, asked for the default 4 MiB.
    assert!(
        callee_summary.contains("socket buffers: ")
            && callee_summary.contains("(4 MiB asked); on this host during the run: "),
        "{callee_summary}"
    );
    assert_eq!(count(&report, "/socket/asked_bytes"), 131_072, "{report}");
    // Linux grants the request up to net.core.rmem_max (wmem_max for sending); the report gives
    // the granted size in the same units as the request, so it is exactly the smaller of the two.
    // Kernels before 6.11 hide the caps inside a container's network namespace: then only "no
    // more than asked" can be checked.
    let (receive, send) = (count(&report, "/socket/receive_buffer_bytes"), count(&report, "/socket/send_buffer_bytes"));
    match dialer::sip::transport::buffer_caps().map(|(r, w)| (r as u64, w as u64)) {
        Some((rmem, wmem)) => {
            assert_eq!((receive, send), (131_072.min(rmem), 131_072.min(wmem)), "{report}");
            if rmem.min(wmem) < 1 << 30 {
                assert!(err.contains("net.core.rmem_max = ") && err.contains("fix: sysctl -w"), "{err}");
            }
        }
        None => assert!((1..=131_072).contains(&receive) && (1..=131_072).contains(&send), "{report}"),
    }
    assert!(big.status.success(), "{err}");
    // The drops are host-wide (other tests' sockets count too), so only their presence is ours
    // to check here; the transport's own test makes the kernel count drops and reads them.
    count(&report, "/socket/host_receive_buffer_drops");
    count(&report, "/socket/host_send_buffer_errors");
}

#[test]
fn bad_input_is_refused_with_the_fix_and_nothing_runs() {
    let dir = tempfile::tempdir().unwrap();
    let bad_numbers = dir.path().join("bad.csv");
    std::fs::write(&bad_numbers, "number,user\n1,a\n").unwrap();
    for (args, says) in [
        (vec!["sip:x@127.0.0.1:9", "--rate", "10"], "--calls N or --duration"),
        (vec!["sip:x@127.0.0.1:9", "--calls", "1", "--hold", "normal:3s"], "--hold"),
        (vec!["sip:x@127.0.0.1:9", "--calls", "1", "--cancel-share", "1.5"], "--cancel-share"),
        (vec!["sip:x@127.0.0.1:9", "--calls", "1", "--auth", "nocolon"], "USER:PASSWORD"),
        (vec!["sip:x@127.0.0.1:9", "--calls", "1", "--transport", "sctp"], "udp or tcp"),
        (vec!["sip:x@127.0.0.1:9", "--calls", "1", "--socket-buffer", "100"], "--socket-buffer 100"),
        (vec!["sip:x@127.0.0.1:9", "--calls", "1", "--socket-buffer", "4294967296"], "at most 2147483647"),
        (vec!["not a uri", "--calls", "1"], "sip:user@host:port"),
        (vec!["sip:x@127.0.0.1:9", "--calls", "1", "--numbers", bad_numbers.to_str().unwrap()], "bad.csv:1"),
    ] {
        let out = cli::dialer(std::iter::once("load").chain(args.iter().copied()));
        let err = cli::text(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        assert!(err.contains(says) && err.contains("fix"), "{args:?}: {err}");
        assert!(out.stdout.is_empty(), "{args:?}");
    }
}
