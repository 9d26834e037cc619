//! The VICIdial model driven by hand: samples fed one second at a time through the view, records
//! through `call_ended`, and each level checked against a value computed in the comments.

use super::*;
use crate::core::pacer::{AgentView, RingingCalls};
use compact_str::CompactString;
use reports::Party;

/// 09:00:00 UTC at t = 0, as in the shipped scenarios.
const NINE_AM: u32 = 9 * 3600;

fn settings(method: VicidialMethod, initial_level: f64) -> VicidialSettings {
    VicidialSettings { method, initial_level, start_of_day_s: NINE_AM, ..VicidialSettings::default() }
}

fn pacer(method: VicidialMethod, initial_level: f64) -> Vicidial {
    Vicidial::new(settings(method, initial_level)).unwrap()
}

/// What the adapt loop samples: agents logged in, of which ready, and live answers waiting.
#[derive(Clone, Copy, Debug)]
struct Sampled {
    logged_in: u32,
    ready: u32,
    waiting: u32,
}

const fn sampled(logged_in: u32, ready: u32, waiting: u32) -> Sampled {
    Sampled { logged_in, ready, waiting }
}

fn view_at(now: Time, s: Sampled, agents: &[Option<AgentView>]) -> PacerView<'_> {
    PacerView {
        now,
        logged_in: s.logged_in,
        ready: s.ready,
        reserved: 0,
        paused: 0,
        ringing: 0,
        amd_pending: 0,
        waiting: s.waiting,
        inbound_waiting: 0,
        lines_free: None,
        agents,
        ringing_calls: RingingCalls::none(),
    }
}

/// Runs the pacer through whole seconds `from..=to`: at each second first the records (sorted by
/// end time) that end in the second before it, then a `plan` on that second's sample (the wake-up
/// the driver would give).
fn run(p: &mut Vicidial, from: u64, to: u64, sample: impl Fn(u64) -> Sampled, records: &[Cdr]) {
    for k in from..=to {
        let now = Time::from_secs(k);
        let first = records.partition_point(|c| c.end_time <= Time::from_secs(k - 1));
        let last = records.partition_point(|c| c.end_time <= now);
        for cdr in &records[first..last] {
            p.call_ended(cdr);
        }
        p.plan(&view_at(now, sample(k), &[]));
    }
}

/// An outbound record with this outcome ending at `end`.
fn record(outcome: Outcome, end: Time) -> Cdr {
    let answered = matches!(outcome, Outcome::Connected | Outcome::Abandoned | Outcome::Machine);
    Cdr {
        call_id: 1,
        campaign: CompactString::const_new("test"),
        lead_id: Some(1),
        attempt: 1,
        direction: Direction::Outbound,
        caller: CompactString::const_new("+15550100000"),
        callee: CompactString::const_new("+15550199999"),
        dial_time: Time::from_ms(end.as_ms().saturating_sub(1000)),
        answer_time: answered.then_some(end),
        connect_time: (outcome == Outcome::Connected).then_some(end),
        end_time: end,
        outcome,
        disposition: CompactString::const_new(""),
        answered_by: match outcome {
            Outcome::Connected | Outcome::Abandoned => Some(Party::Human),
            Outcome::Machine => Some(Party::Machine),
            _ => None,
        },
        amd: None,
        agent: None,
        hangup_by: None,
        sip_code: None,
        call_type: CompactString::const_new(""),
        recording: CompactString::const_new(""),
    }
}

/// `n` records of each outcome, one every second from second `first` on, in the order given
/// (round robin, so every stretch of the list mixes them).
fn records(first: u64, mix: &[(Outcome, u32)]) -> Vec<Cdr> {
    let mut left: Vec<(Outcome, u32)> = mix.to_vec();
    let mut out = Vec::new();
    while left.iter().any(|&(_, n)| n > 0) {
        for (outcome, n) in left.iter_mut().filter(|(_, n)| *n > 0) {
            out.push(record(*outcome, Time::from_secs(first + out.len() as u64)));
            *n -= 1;
        }
    }
    out
}

fn assert_level(p: &Vicidial, expected: f64, when: &str) {
    assert!((p.level() - expected).abs() < 1e-9, "{when}: level {} where {expected} was computed", p.level());
}

// ----- settings -------------------------------------------------------------------------------

#[test]
fn settings_are_checked_and_name_the_bad_one() {
    assert!(Vicidial::new(VicidialSettings::default()).is_ok());
    let bad = |change: fn(&mut VicidialSettings)| {
        let mut s = VicidialSettings::default();
        change(&mut s);
        Vicidial::new(s).unwrap_err().setting
    };
    assert_eq!(bad(|s| s.target_abandon = 1.5), "target_abandon");
    assert_eq!(bad(|s| s.target_abandon = f64::NAN), "target_abandon");
    assert_eq!(bad(|s| s.max_level = 0.0), "max_level");
    assert_eq!(bad(|s| s.max_level = f64::INFINITY), "max_level");
    assert_eq!(bad(|s| s.intensity = f64::NAN), "intensity");
    assert_eq!(bad(|s| s.dl_diff_target = f64::NEG_INFINITY), "dl_diff_target");
    assert_eq!(bad(|s| s.latest_server_time = Some(86_400)), "latest_server_time");
    assert_eq!(bad(|s| s.start_of_day_s = 90_000), "start_of_day_s");
    assert_eq!(bad(|s| s.initial_level = -1.0), "initial_level");
    assert_eq!(bad(|s| s.dial_interval_ms = 0), "dial_interval_ms");
    let message =
        Vicidial::new(VicidialSettings { max_level: -2.0, ..VicidialSettings::default() }).unwrap_err().to_string();
    assert!(message.contains("max_level = -2") && message.contains("fix:"), "{message}");
}

// ----- the adapt loop: golden adjustment cycles -----------------------------------------------

/// Sample 1 is extreme on purpose: the adjustment at 16 s averages samples 2 to 16 only.
fn first_cycle(k: u64) -> Sampled {
    match k {
        1 => sampled(10, 10, 0),
        2..=6 => sampled(10, 3, 0),
        7..=11 => sampled(10, 2, 0),
        12..=13 => sampled(10, 1, 0),
        _ => sampled(10, 1, 1),
    }
}

#[test]
fn golden_cycles_average_fifteen_samples_every_fifteen_seconds() {
    let mut p = pacer(VicidialMethod::Tapered, 2.0);
    run(&mut p, 1, 15, first_cycle, &[]);
    assert_level(&p, 2.0, "no adjustment before the 16th loop");
    // Samples 2..16: R̄ = (5·3 + 5·2 + 5·1)/15 = 2.0, W̄ = 3/15 = 0.2, N̄ = 10.
    // d = 1.8, p = 18 %: L = 2.0 × 1.18 = 2.36. (With sample 1 in the window R̄ would be 2.6.)
    run(&mut p, 16, 16, first_cycle, &[]);
    assert_level(&p, 2.36, "first adjustment");
    // Seconds 17..30 change nothing; at 31 the window is 17..31, all R = 0, W = 2:
    // d = −2, p = −20 %: L = 2.36 × 0.8 = 1.888.
    run(&mut p, 17, 30, |_| sampled(10, 0, 2), &[]);
    assert_level(&p, 2.36, "between adjustments");
    run(&mut p, 31, 31, |_| sampled(10, 0, 2), &[]);
    assert_level(&p, 1.888, "second adjustment");
    // 32..46 with W = 5: p = −50 %: 1.888 × 0.5 = 0.944, below the floor: 1.0.
    run(&mut p, 32, 46, |_| sampled(10, 0, 5), &[]);
    assert_level(&p, 1.0, "floor");
    // 47..61 every agent ready: p = +100 %: 2.0. Then 62..76: 4.0, capped at max_level 3.0.
    run(&mut p, 47, 61, |_| sampled(10, 10, 0), &[]);
    assert_level(&p, 2.0, "doubling");
    run(&mut p, 62, 76, |_| sampled(10, 10, 0), &[]);
    assert_level(&p, 3.0, "max_level cap");
}

#[test]
fn levels_are_kept_to_three_decimals() {
    // Samples 2..16: R = 0 at 5, 10 and 15 s, 2 otherwise: R̄ = 12·2/15 = 1.6, N̄ = 10, p = 16 %.
    // 1.37 × 1.16 = 1.5892, stored as 1.589; the next adjustment (p = 0) starts from 1.589.
    let mut p = pacer(VicidialMethod::Tapered, 1.37);
    run(&mut p, 1, 16, |k| if k % 5 == 0 { sampled(10, 0, 0) } else { sampled(10, 2, 0) }, &[]);
    assert_level(&p, 1.589, "rounded to three decimals");
    run(&mut p, 17, 31, |_| sampled(10, 0, 0), &[]);
    assert_level(&p, 1.589, "unchanged at p = 0");
}

#[test]
fn intensity_and_the_differential_target_shape_each_step() {
    let level_after = |intensity: f64, dl_diff_target: f64, s: Sampled| {
        let mut p =
            Vicidial::new(VicidialSettings { intensity, dl_diff_target, ..settings(VicidialMethod::Tapered, 2.0) })
                .unwrap();
        run(&mut p, 1, 16, |_| s, &[]);
        p.level()
    };
    let up = sampled(10, 3, 1); // d = +2, p = +20 %
    let down = sampled(10, 1, 3); // d = −2, p = −20 %
    // Intensity 0: 2.0 × 1.2 = 2.4 and 2.0 × 0.8 = 1.6.
    assert!((level_after(0.0, 0.0, up) - 2.4).abs() < 1e-9);
    assert!((level_after(0.0, 0.0, down) - 1.6).abs() < 1e-9);
    // Intensity +20: up 20 × 1.2 = 24 % → 2.48; down −20 × |0.2 − 1| = −16 % → 1.68.
    assert!((level_after(20.0, 0.0, up) - 2.48).abs() < 1e-9);
    assert!((level_after(20.0, 0.0, down) - 1.68).abs() < 1e-9);
    // Intensity −20: up 20 × 0.8 = 16 % → 2.32; down −20 × |−0.2 − 1| = −24 % → 1.52.
    assert!((level_after(-20.0, 0.0, up) - 2.32).abs() < 1e-9);
    assert!((level_after(-20.0, 0.0, down) - 1.52).abs() < 1e-9);
    // dl_diff_target −1 (aim at one more agent waiting): d = 2 − 1 = 1, p = 10 % → 2.2;
    // +2 on the falling sample: d = 0, no change.
    assert!((level_after(0.0, -1.0, up) - 2.2).abs() < 1e-9);
    assert!((level_after(0.0, 2.0, down) - 2.0).abs() < 1e-9);
    // VICIdial takes |i/100 − 1| on the way down, so past 100 the fall slows again:
    // intensity 150, −20 × 0.5 = −10 % → 1.8.
    assert!((level_after(150.0, 0.0, down) - 1.8).abs() < 1e-9);
}

#[test]
fn loops_without_agents_skip_their_work_and_count_on() {
    // Nobody is logged in until 40 s: neither the refresh (due at the first loop) nor the
    // adjustment (due from 16 s) runs while N̄ = 0, but their counters run on, so both happen at
    // 40 s, the first loop with an agent. The window 26..40 holds one sample of one ready agent:
    // N̄ = R̄ = 1/15, p = 100 %: 1.0 → 2.0.
    let mut p = pacer(VicidialMethod::Tapered, 1.0);
    run(&mut p, 1, 39, |_| sampled(0, 0, 0), &[]);
    assert_level(&p, 1.0, "no agents, no adjustment");
    run(&mut p, 40, 40, |_| sampled(1, 1, 0), &[]);
    assert_level(&p, 2.0, "adjusted at the first loop with agents");
    // The next adjustment is 15 loops later, at 55 s (window 41..55, R̄ = N̄ = 1: 2.0 → 4.0 → 3.0).
    run(&mut p, 41, 54, |_| sampled(1, 1, 0), &[]);
    assert_level(&p, 2.0, "not before 55 s");
    run(&mut p, 55, 55, |_| sampled(1, 1, 0), &[]);
    assert_level(&p, 3.0, "at 55 s");
}

#[test]
fn the_first_loop_reads_the_log_at_once_and_then_once_a_minute() {
    // A log that already holds a bad day when the pacer starts (records before the first loop):
    // the first loop reads it, so the adjustment at 16 s applies the hard limit. Records that end
    // later are read only at 61 s.
    let mut p = pacer(VicidialMethod::HardLimit, 2.0);
    let mut before = over_target();
    for (i, c) in before.iter_mut().enumerate() {
        c.end_time = Time::from_ms(10 * i as u64);
    }
    for c in &before {
        p.call_ended(c);
    }
    run(&mut p, 1, 16, rising, &[]);
    assert_level(&p, 1.0, "the baseline read at 1 s");
    let mut q = pacer(VicidialMethod::HardLimit, 2.0);
    run(&mut q, 1, 46, rising, &over_target());
    assert_level(&q, 3.0, "records after the first loop wait for the next refresh");
}

// ----- the drop rules ---------------------------------------------------------------------------

/// Every agent of 10 sampled, 3 ready, nobody waiting: p = +30 % at every adjustment.
fn rising(_: u64) -> Sampled {
    sampled(10, 3, 0)
}

/// 52 calls in the first minute: 30 connected, 2 abandoned, 20 unanswered. Today: 52 > 50 calls,
/// 2 drops / 32 live answers = 6.25 % > 3 %. Last minute: 2/52 = 3.85 % of calls, no bad minute.
fn over_target() -> Vec<Cdr> {
    records(2, &[(Outcome::Connected, 30), (Outcome::Abandoned, 2), (Outcome::NoAnswer, 20)])
}

#[test]
fn each_method_reacts_to_a_day_over_target() {
    // Rising from 2.0: 2.6 at 16 s, 3.38 → 3.0 at 31 s, 3.0 at 46 s. At 61 s the statistics are
    // refreshed (52 calls, 6.25 %) and the suggestion 3.9 → 3.0 meets the method.
    let at_61 = |s: VicidialSettings| {
        let mut p = Vicidial::new(s).unwrap();
        run(&mut p, 1, 46, rising, &over_target());
        assert_level(&p, 3.0, "before the refresh the day looks clean");
        run(&mut p, 47, 61, rising, &over_target());
        p
    };
    let hard = at_61(settings(VicidialMethod::HardLimit, 2.0));
    assert_level(&hard, 1.0, "hard_limit: 1.0");
    let mut average = at_61(settings(VicidialMethod::Average, 2.0));
    assert_level(&average, 1.5, "average: 3.0 / 2");
    // Still over target at 76 s: 1.5 × 1.3 = 1.95, halved 0.975, floor 1.0.
    run(&mut average, 62, 76, rising, &[]);
    assert_level(&average, 1.0, "average again");
    // Tapered at 09:01:01 (HHMM 901). Latest 15:00: 1500 − 901 = 599 → 3.0 × 0.599 = 1.797.
    let tapered = |latest_h: u32, latest_m: u32| {
        let latest = Some(latest_h * 3600 + latest_m * 60);
        at_61(VicidialSettings { latest_server_time: latest, ..settings(VicidialMethod::Tapered, 2.0) }).level()
    };
    assert!((tapered(15, 0) - 1.797).abs() < 1e-9);
    // Latest 09:00 is past: 900 − 901 < 0 → 1.0.
    assert!((tapered(9, 0) - 1.0).abs() < 1e-9);
    // The default 21:00 is 2100 − 901 = 1199 > 1000 away: factor 1, the taper does nothing.
    let default = at_61(settings(VicidialMethod::Tapered, 2.0));
    assert_level(&default, 3.0, "tapered, more than ten hours before 21:00");
}

#[test]
fn the_taper_counts_hours_and_minutes_as_one_number() {
    // Start the clock so that 61 s is 14:59:01 (HHMM 1459) or one minute later, 15:00:01 (1500).
    // With latest 21:00 the factor is 641/1000 or 600/1000: one minute moves it by 0.041, where a
    // real ten-hour scale would move it by 0.0017.
    let at = |start_of_day_s: u32| {
        let mut p =
            Vicidial::new(VicidialSettings { start_of_day_s, ..settings(VicidialMethod::Tapered, 2.0) }).unwrap();
        run(&mut p, 1, 61, rising, &over_target());
        p.level()
    };
    assert!((at(14 * 3600 + 58 * 60) - 3.0 * 0.641).abs() < 1e-9);
    assert!((at(14 * 3600 + 59 * 60) - 3.0 * 0.600).abs() < 1e-9);
}

#[test]
fn a_bad_minute_halves_the_level() {
    // Flat samples (p = 0) from 3.0. 21 calls between 2 and 22 s, 11 of them dropped: 21 > 20 calls,
    // 11/21 = 52.38 % > 50 % of calls: at 61 s, 3.0 / 2 = 1.5. Today has 21 ≤ 50 calls: no daily rule.
    let flat = |_| sampled(10, 0, 0);
    let mut p = pacer(VicidialMethod::HardLimit, 3.0);
    let bad = records(2, &[(Outcome::Abandoned, 11), (Outcome::NoAnswer, 10)]);
    run(&mut p, 1, 60, flat, &bad);
    assert_level(&p, 3.0, "the statistics are refreshed at 61 s");
    run(&mut p, 61, 61, flat, &bad);
    assert_level(&p, 1.5, "halved");
    // 76 s: the same (stale) statistics halve again: 0.75, floor 1.0.
    run(&mut p, 62, 76, flat, &[]);
    assert_level(&p, 1.0, "halved again, floored");
    // Exactly 20 calls, all dropped: not more than 20, no halving.
    let mut p = pacer(VicidialMethod::HardLimit, 3.0);
    run(&mut p, 1, 61, flat, &records(2, &[(Outcome::Abandoned, 20)]));
    assert_level(&p, 3.0, "20 calls are not a bad minute");
    // 21 calls but only the records of the last minute count: those ending at 1 s are out of
    // the window (61 − 60] at 61 s, leaving 20.
    let mut p = pacer(VicidialMethod::HardLimit, 3.0);
    let mut early = vec![record(Outcome::Abandoned, Time::from_secs(1))];
    early.extend(records(2, &[(Outcome::Abandoned, 20)]));
    run(&mut p, 1, 61, flat, &early);
    assert_level(&p, 3.0, "a record a minute old has left the window");
}

#[test]
fn the_bad_minute_cannot_fire_when_fewer_than_half_the_calls_are_live() {
    // 30 % of calls answered by people, every one of them dropped: 30 % of calls, never > 50 %.
    let mut p = pacer(VicidialMethod::HardLimit, 3.0);
    let all_dropped = records(2, &[(Outcome::Abandoned, 12), (Outcome::NoAnswer, 28)]);
    run(&mut p, 1, 45, |_| sampled(10, 0, 0), &all_dropped);
    run(&mut p, 46, 61, |_| sampled(10, 0, 0), &[]);
    // 40 calls ≤ 50: the daily rule waits too. Nothing slows the dialer.
    assert_level(&p, 3.0, "every live answer dropped, no reaction");
}

// ----- known weaknesses -------------------------------------------------------------------------

#[test]
fn weakness_drops_before_the_fiftieth_call_never_slow_it_down() {
    // 50 calls, 25 of them live answers and all 25 dropped (100 % of live answers; 50.00 % of
    // calls: not over 50, no bad minute). Rising from 1.0: 1.3, 1.69, 2.197, and at 61 s, with the
    // day's statistics read, 2.197 × 1.3 = 2.8561 → 2.856: still rising.
    let mut p = pacer(VicidialMethod::HardLimit, 1.0);
    let mut log = records(2, &[(Outcome::Abandoned, 25), (Outcome::NoAnswer, 25)]);
    run(&mut p, 1, 61, rising, &log);
    assert_level(&p, 2.856, "50 calls, all live answers dropped");
    // The 51st call (unanswered) at 70 s. The adjustments at 76, 91 and 106 s still read the
    // statistics of 61 s (50 calls): 3.0. The refresh at 121 s sees 51 calls: hard limit, 1.0.
    log.push(record(Outcome::NoAnswer, Time::from_secs(70)));
    run(&mut p, 62, 106, rising, &log);
    assert_level(&p, 3.0, "statistics a minute old");
    run(&mut p, 107, 121, rising, &log);
    assert_level(&p, 1.0, "51 calls: the hard limit at last");
}

#[test]
fn weakness_midnight_forgives_a_terrible_evening() {
    // The clock starts at 23:58:00. In the first minute 100 calls: 20 dropped of 40 live answers
    // (50 %), 20 % of calls (no bad minute). From 61 s (23:59:01) the hard limit holds 1.0 at every
    // adjustment: 1.3 suggested, 1.0 kept.
    let mut p = Vicidial::new(VicidialSettings {
        start_of_day_s: 23 * 3600 + 58 * 60,
        ..settings(VicidialMethod::HardLimit, 2.0)
    })
    .unwrap();
    let evening = records(2, &[(Outcome::Connected, 20), (Outcome::Abandoned, 20), (Outcome::NoAnswer, 60)])
        .into_iter()
        .map(|mut c| {
            // Two records a second: the 100 fit in the first minute.
            c.end_time = Time::from_ms(1000 + c.end_time.as_ms() / 2);
            c
        })
        .collect::<Vec<_>>();
    run(&mut p, 1, 106, rising, &evening);
    assert_level(&p, 1.0, "23:59:46, held at 1.0");
    // 120 s is 00:00:00. The refresh at 121 s finds a new day with no calls: the half of live
    // answers dropped a minute ago no longer counts. 1.0 × 1.3 = 1.3, then 1.69.
    run(&mut p, 107, 121, rising, &[]);
    assert_level(&p, 1.3, "00:00:01, forgiven");
    run(&mut p, 122, 136, rising, &[]);
    assert_level(&p, 1.69, "and rising again");
}

#[test]
fn weakness_a_good_morning_hides_a_bad_afternoon() {
    // Morning, 09:00–12:00: a call every 5 s (2160), 30 % live, none dropped: 648 live answers.
    // Afternoon, 14:00–15:00: a call every 10 s (360); of every 20, 5 connected, 1 dropped,
    // 14 unanswered: 18 drops in 108 live answers, 16.7 % — more than five times the target.
    // For the day: 18 / (648 + 108) = 2.38 % ≤ 3 %: the hard limit never fires.
    let morning = (0..2160u64).map(|i| {
        let outcome = if i % 10 < 3 { Outcome::Connected } else { Outcome::NoAnswer };
        record(outcome, Time::from_secs(5 + 5 * i))
    });
    let afternoon = (0..360u64)
        .map(|i| {
            let outcome = match i % 20 {
                0 => Outcome::Abandoned,
                1..=5 => Outcome::Connected,
                _ => Outcome::NoAnswer,
            };
            record(outcome, Time::from_secs(5 * 3600 + 10 + 10 * i))
        })
        .collect::<Vec<_>>();
    let all = morning.chain(afternoon.iter().cloned()).collect::<Vec<_>>();
    let end = 6 * 3600 + 61; // 15:01:01, after the refresh that follows the last afternoon call
    let mut whole_day = pacer(VicidialMethod::HardLimit, 1.0);
    let mut lowest_in_afternoon = f64::INFINITY;
    for k in 1..=end {
        run(&mut whole_day, k, k, rising, &all);
        if k > 5 * 3600 {
            lowest_in_afternoon = lowest_in_afternoon.min(whole_day.level());
        }
    }
    assert_level(&whole_day, 3.0, "at the cap all afternoon");
    assert!((lowest_in_afternoon - 3.0).abs() < 1e-9, "never slowed: lowest {lowest_in_afternoon}");
    // The same afternoon on a day without the morning: the hard limit holds it at 1.0.
    let mut afternoon_only = pacer(VicidialMethod::HardLimit, 1.0);
    run(&mut afternoon_only, 1, end, rising, &afternoon);
    assert_level(&afternoon_only, 1.0, "the afternoon alone is over target");
}

#[test]
fn weakness_the_floor_holds_one_unreserved_line_per_agent() {
    // A team of 5 far over target (25 % of live answers dropped today) with calls waiting for
    // agents (W = 2 of 5: p = −40 % at every adjustment). From 3.0: 1.8, 1.08, 0.648 → 1.0, and
    // from 61 s the drop rules on top. No method goes below 1.0.
    let team = |_| sampled(5, 0, 2);
    let bad_day = records(2, &[(Outcome::Connected, 30), (Outcome::Abandoned, 10), (Outcome::NoAnswer, 60)])
        .into_iter()
        .map(|mut c| {
            c.end_time = Time::from_ms(1000 + c.end_time.as_ms() / 2);
            c
        })
        .collect::<Vec<_>>();
    for method in [VicidialMethod::HardLimit, VicidialMethod::Tapered, VicidialMethod::Average] {
        let mut p = pacer(method, 3.0);
        let mut lowest = f64::INFINITY;
        for k in 1..=181 {
            run(&mut p, k, k, team, &bad_day);
            lowest = lowest.min(p.level());
        }
        assert_level(&p, 1.0, &format!("{method:?} at the floor"));
        assert!(lowest >= 1.0, "{method:?} went to {lowest}");
        // And at the floor it still dials, unreserved: with 2 of the 5 ready and 3 talking, the
        // auto-dial loop at 182.5 s starts 2 calls (round(1.0 × 5) − 3 talking). None is tied to
        // an agent: an agent lost during the ring (a pause, a logout, an inbound caller) leaves a
        // live answer with nobody, where progressive dialing would have held the agent.
        let agents = agents(&[(AgentState::Ready, 2), (AgentState::Talk, 3)]);
        let plan = p.plan(&view_at(Time::from_ms(182_500), sampled(5, 2, 0), &agents));
        assert_eq!(plan, Plan::Start(2), "{method:?}");
    }
}

// ----- the auto-dial loop -----------------------------------------------------------------------

fn agents(states: &[(AgentState, u32)]) -> Vec<Option<AgentView>> {
    let mut out = vec![None]; // a logged-out agent id is skipped
    for &(state, n) in states {
        out.extend((0..n).map(|_| Some(AgentView { state, since: Time::ZERO, leaving: false })));
    }
    out
}

#[test]
fn the_auto_dial_loop_runs_every_two_and_a_half_seconds() {
    let mut p = pacer(VicidialMethod::Tapered, 1.0);
    let team = agents(&[(AgentState::Ready, 4)]);
    let view = |ms| view_at(Time::from_ms(ms), sampled(4, 4, 0), &team);
    assert_eq!(p.wakeup(), Some(Time::from_secs(1)));
    assert_eq!(p.plan(&view(0)), Plan::Hold);
    assert_eq!(p.plan(&view(1000)), Plan::Hold, "a sample, no dial loop");
    assert_eq!(p.wakeup(), Some(Time::from_secs(2)));
    assert_eq!(p.plan(&view(2000)), Plan::Hold);
    assert_eq!(p.wakeup(), Some(Time::from_ms(2500)));
    assert_eq!(p.plan(&view(2500)), Plan::Start(4), "one line per ready agent at 1.0");
    assert_eq!(p.plan(&view(2500)), Plan::Hold, "once per loop, however many inputs at that instant");
    assert_eq!(p.plan(&view(2700)), Plan::Hold);
    assert_eq!(p.wakeup(), Some(Time::from_secs(3)));
    // A driver that overslept runs each missed sample once and the dial loop once.
    assert_eq!(p.plan(&view(7600)), Plan::Start(4));
    assert_eq!(p.loops, 7);
    assert_eq!(p.wakeup(), Some(Time::from_secs(8)));
    assert_eq!(p.next_dial, Time::from_ms(10_000));
}

#[test]
fn the_level_becomes_calls_as_in_auto_dial() {
    // Level 2.0. Agents: 2 ready, 3 talking, 1 wrapping, 1 paused: counted 2 + 3 = 5, goal 10.
    // In progress: 4 ringing + 1 in AMD + 1 waiting + 3 talking = 9. Start 1.
    let team = agents(&[(AgentState::Ready, 2), (AgentState::Talk, 3), (AgentState::Wrap, 1), (AgentState::Paused, 1)]);
    let busy = |lines_free| PacerView {
        ringing: 4,
        amd_pending: 1,
        waiting: 1,
        lines_free,
        ..view_at(Time::from_ms(2500), sampled(7, 2, 1), &team)
    };
    let at = |s: VicidialSettings, view: &PacerView<'_>| Vicidial::new(s).unwrap().plan(view);
    let two = settings(VicidialMethod::Tapered, 2.0);
    assert_eq!(at(two.clone(), &busy(None)), Plan::Start(1));
    // Without calls in progress: 10 − 3 talking = 7, no more than the free lines.
    let idle = PacerView { lines_free: Some(5), ..view_at(Time::from_ms(2500), sampled(7, 2, 0), &team) };
    assert_eq!(at(two.clone(), &idle), Plan::Start(5));
    // available_only_ratio_tally = Y: goal 2.0 × 2 ready + 3 talking = 7 < 9 in progress: 0.
    let only = VicidialSettings { available_only: true, ..two.clone() };
    assert_eq!(at(only.clone(), &busy(None)), Plan::Start(0));
    assert_eq!(at(only.clone(), &idle), Plan::Start(4), "2.0 × 2 + 3 − 3");
    // A reserved agent (a call on its way to it, ringing) counts among the agents, not as ready:
    // 2.0 × (1 + 1) − 1 ringing = 3, and with available_only 2.0 × 1 − 1 = 1.
    let queued = agents(&[(AgentState::Ready, 1), (AgentState::Reserved, 1)]);
    let one_ringing = PacerView { ringing: 1, ..view_at(Time::from_ms(2500), sampled(2, 1, 0), &queued) };
    assert_eq!(at(two.clone(), &one_ringing), Plan::Start(3));
    assert_eq!(at(only, &one_ringing), Plan::Start(1));
    // Ties round to even, like Perl's sprintf: 1.5 × 5 = 7.5 → 8, 1.5 × 3 = 4.5 → 4.
    let half = settings(VicidialMethod::Tapered, 1.5);
    let ready = |n| agents(&[(AgentState::Ready, n)]);
    let (five, three) = (ready(5), ready(3));
    assert_eq!(at(half.clone(), &view_at(Time::from_ms(2500), sampled(5, 5, 0), &five)), Plan::Start(8));
    assert_eq!(at(half, &view_at(Time::from_ms(2500), sampled(3, 3, 0), &three)), Plan::Start(4));
}

// ----- the call log -----------------------------------------------------------------------------

#[test]
fn the_call_log_counts_what_vicidial_sees() {
    let mut p = pacer(VicidialMethod::Tapered, 1.0);
    let at = Time::from_secs(30);
    let mut inbound = record(Outcome::Abandoned, at);
    inbound.direction = Direction::Inbound;
    // A machine AMD passed as a person that no agent took: VICIdial logs a drop.
    let mut passed_machine = record(Outcome::Machine, at);
    passed_machine.amd = Some(AmdVerdict::NotSure);
    // The same machine handled by an agent: dispositioned a machine, a call only.
    let mut handled_machine = passed_machine.clone();
    handled_machine.connect_time = Some(at);
    // A machine screened by AMD: a call only.
    let mut screened = record(Outcome::Machine, at);
    screened.amd = Some(AmdVerdict::Machine);
    for cdr in [
        inbound,
        record(Outcome::Blocked, at),
        passed_machine,
        handled_machine,
        screened,
        record(Outcome::Connected, at),
        record(Outcome::Abandoned, at),
        record(Outcome::NoAnswer, at),
        record(Outcome::Busy, at),
        record(Outcome::Failed, at),
        record(Outcome::Invalid, at),
    ] {
        p.call_ended(&cdr);
    }
    p.refresh_drops(Time::from_secs(31));
    // Calls: all but the inbound and the blocked one (9). Drops: the abandoned call and the
    // passed machine. Live answers: those two and the connected call.
    let expected = DropStats { calls_today: 9, answers_today: 3, drops_today: 2, calls_minute: 9, drops_minute: 2 };
    assert_eq!(p.stats, expected);
    assert!((p.stats.drop_pct_today() - 66.67).abs() < 1e-9, "two decimals");
    assert!((p.stats.drop_pct_minute() - 22.22).abs() < 1e-9);
    // A minute after the last record the window is empty; the day's counts stay.
    p.refresh_drops(Time::from_secs(90));
    assert_eq!((p.stats.calls_today, p.stats.calls_minute), (9, 0));
}
