//! Property tests: many seeded runs over random loss, duplication, reordering and callee
//! behaviour, checking the invariants the TU relies on; and the fuzz entry point over random
//! bytes.

use super::net::{Pair, Rng, UasScript};
use super::*;
use std::collections::HashMap;

/// One random world: network faults and a callee script drawn from `seed`.
fn random_pair(seed: u64) -> Pair {
    let mut rng = Rng::new(seed);
    let mut pair = Pair::new(seed);
    pair.net.loss = [0.0, 0.05, 0.2, 0.5][rng.below(4) as usize];
    pair.net.duplicate = [0.0, 0.1, 0.5][rng.below(3) as usize];
    pair.net.jitter_ms = [0, 50, 600][rng.below(3) as usize];
    pair.net.delay_ms = 1 + rng.below(200);
    pair.uas = Some(UasScript {
        ringing_after: [None, Some(5), Some(300)][rng.below(3) as usize],
        final_after: [None, Some(20), Some(2_000)][rng.below(3) as usize],
        final_code: [200, 486, 404, 603][rng.below(4) as usize],
    });
    pair
}

/// Every INVITE ends with exactly one final response or a timeout, never both and never two;
/// 2xx repeats are flagged; nothing is left alive once the pair is idle; no message is rejected.
#[test]
fn every_invite_ends_once_whatever_the_network_does() {
    for seed in 0..300u64 {
        let mut pair = random_pair(seed);
        let mut rng = Rng::new(seed ^ 0xfeed);
        let mut invites = Vec::new();
        for _ in 0..1 + rng.below(4) {
            invites.push(pair.send_invite());
            let until = pair.now + rng.below(400);
            pair.drive_until(until);
        }
        // Cancel some calls that are still ringing, as the dialer's ring timeout does.
        pair.drive_until(pair.now + 3_000);
        for &k in &invites {
            if rng.chance(0.5) && pair.client.state(k) == Some(State::Proceeding) {
                pair.client.cancel(k, pair.now).unwrap(); // a Proceeding INVITE can be cancelled
            }
        }
        pair.drive();

        let mut finals: HashMap<TransactionKey, u32> = HashMap::new();
        let mut timeouts: HashMap<TransactionKey, u32> = HashMap::new();
        for (_, e) in &pair.client_events {
            match e {
                Event::Response { key, response, retransmission } => {
                    let code = response.status_code.code();
                    if *retransmission {
                        assert!((200..300).contains(&code), "seed {seed}: only 2xx are flagged repeats");
                    } else if code >= 200 {
                        *finals.entry(*key).or_default() += 1;
                    }
                }
                Event::Timeout { key, .. } => *timeouts.entry(*key).or_default() += 1,
                _ => {}
            }
        }
        for k in &invites {
            let f = finals.get(k).copied().unwrap_or(0);
            let t = timeouts.get(k).copied().unwrap_or(0);
            let script = pair.uas.clone().unwrap_or_default();
            let never_answers = script.final_after.is_none() && pair.client_events.iter().all(|(_, e)| {
                !matches!(e, Event::Response { key, response, .. } if key == k && response.status_code.code() >= 200)
            });
            if never_answers && t == 0 && f == 0 {
                // A callee that rings forever and was never cancelled: the TU's ring timeout
                // owns that case (§17.1.1.2: no timer in Proceeding).
                assert_eq!(pair.client.state(*k), Some(State::Proceeding), "seed {seed}");
                continue;
            }
            assert_eq!(f + t, 1, "seed {seed}: {k} had {f} finals and {t} timeouts");
        }
        assert!(pair.errors.is_empty(), "seed {seed}: {:?}", pair.errors);
        // The server TU hears of each INVITE once, however often it was sent.
        let invites_heard = pair
            .server_events
            .iter()
            .filter(|(_, e)| matches!(e, Event::Request { request, .. } if request.method == rsip::Method::Invite))
            .count();
        assert!(invites_heard <= invites.len(), "seed {seed}: {invites_heard} INVITEs heard of {}", invites.len());
        // Idle means every transaction ended but INVITEs left ringing on purpose, and their
        // server sides which wait for their TU.
        let ringing = invites.iter().filter(|k| pair.client.state(**k).is_some()).count();
        assert_eq!(pair.client.len(), ringing, "seed {seed}");
        let terminated = pair.client_events.iter().filter(|(_, e)| matches!(e, Event::Terminated { .. })).count();
        assert_eq!(terminated as u64 + pair.client.len() as u64, pair.client.stats().transactions, "seed {seed}");
    }
}

/// Same seed, same run: every datagram and event at the same instant (the sans-IO promise the
/// simulator rests on).
#[test]
fn runs_are_reproducible_from_their_seed() {
    fn run(seed: u64) -> Vec<String> {
        let mut pair = random_pair(seed);
        for _ in 0..3 {
            pair.send_invite();
            let options = pair.request(rsip::Method::Options);
            pair.send(options);
        }
        pair.drive();
        let mut trace: Vec<String> = pair.log.iter().map(|s| format!("{} {:?} {}", s.at, s.from, s.text)).collect();
        trace.extend(pair.client_events.iter().chain(&pair.server_events).map(|(at, e)| format!("{at} {e:?}")));
        trace
    }
    for seed in [1, 7, 99] {
        let a = run(seed);
        assert!(a.len() > 20, "seed {seed}: the run did something");
        assert_eq!(a, run(seed), "seed {seed}");
    }
    assert_ne!(run(1), run(7), "and different seeds give different runs");
}

/// Non-INVITE requests over a lossy network: one final response or timer F, exactly.
#[test]
fn every_non_invite_ends_once_whatever_the_network_does() {
    for seed in 0..300u64 {
        let mut pair = random_pair(seed);
        let mut keys = Vec::new();
        for method in [rsip::Method::Options, rsip::Method::Register, rsip::Method::Bye] {
            let r = pair.request(method);
            keys.push(pair.send(r));
        }
        pair.drive();
        for k in keys {
            let finals = pair.finals(k).len();
            let timeout = pair.timed_out(k).is_some();
            assert_eq!(finals + usize::from(timeout), 1, "seed {seed}: {k}");
        }
        assert!(pair.client.is_empty() && pair.server.is_empty(), "seed {seed}");
        assert!(pair.errors.is_empty(), "seed {seed}: {:?}", pair.errors);
    }
}

/// Thousands of random byte strings through the fuzz entry point: no panic.
#[test]
fn fuzz_drive_survives_random_bytes() {
    let mut rng = Rng::new(42);
    let mut total = Stats::default();
    for _ in 0..4_000 {
        let len = rng.below(600) as usize;
        let data: Vec<u8> = (0..len).map(|_| rng.next_u64() as u8).collect();
        let stats = super::fuzz::drive(&data);
        total.transactions += stats.transactions;
        total.retransmissions += stats.retransmissions;
        total.stray_responses += stats.stray_responses;
        total.absorbed_requests += stats.absorbed_requests;
    }
    // The bytes reached every corner: transactions, retransmissions, strays, absorbed copies.
    assert!(total.transactions > 10_000, "{total:?}");
    assert!(total.retransmissions > 1_000, "{total:?}");
    assert!(total.stray_responses > 1_000, "{total:?}");
    assert!(total.absorbed_requests > 20, "{total:?}");
}
