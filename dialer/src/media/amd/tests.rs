use super::*;
use crate::media::{Greeting, GreetingKind};

/// A frame whose mean absolute sample is `level`: a square wave of that amplitude.
fn square(level: i16) -> [i16; FRAME_SAMPLES] {
    std::array::from_fn(|i| if i % 2 == 0 { level } else { -level })
}

const SILENT: [i16; FRAME_SAMPLES] = [0; FRAME_SAMPLES];

/// Feeds `(voiced, ms)` pieces in 20 ms frames, then silence for ever (up to a minute), and
/// returns the decision.
fn run(config: AmdConfig, pieces: &[(bool, u32)]) -> AmdDecision {
    let mut amd = Amd::new(config).unwrap();
    let voice = square(3000);
    let frames = pieces
        .iter()
        .flat_map(|&(voiced, ms)| std::iter::repeat_n(if voiced { voice } else { SILENT }, (ms / 20) as usize))
        .chain(std::iter::repeat_n(SILENT, 3000));
    let decision = frames.into_iter().find_map(|f| amd.push_frame(&f)).expect("a decision within a minute");
    assert_eq!(amd.decision(), Some(decision));
    decision
}

fn defaults(pieces: &[(bool, u32)]) -> AmdDecision {
    run(AmdConfig::default(), pieces)
}

#[test]
fn long_initial_silence_is_a_machine_at_2500_ms() {
    let d = defaults(&[]);
    assert_eq!((d.verdict, d.cause, d.after_ms, d.words), (AmdVerdict::Machine, AmdCause::InitialSilence, 2500, 0));
    // A voice blip shorter than a word does not start the greeting; the silence clock restarts.
    let d = defaults(&[(false, 1000), (true, 60)]);
    assert_eq!((d.cause, d.after_ms), (AmdCause::InitialSilence, 1060 + 2500));
}

#[test]
fn a_short_word_then_silence_is_a_person() {
    let d = defaults(&[(false, 400), (true, 500)]);
    assert_eq!((d.verdict, d.cause, d.after_ms), (AmdVerdict::Human, AmdCause::HumanAfterGreeting, 400 + 500 + 800));
    assert_eq!((d.words, d.voiced_ms), (1, 500));
    assert!(d.is_person());
    // "Yes, hello?": two words are still a person with the default maximum of 2.
    let d = defaults(&[(false, 300), (true, 300), (false, 300), (true, 500)]);
    assert_eq!((d.verdict, d.words, d.after_ms), (AmdVerdict::Human, 2, 300 + 300 + 300 + 500 + 800));
}

#[test]
fn continuous_speech_over_the_greeting_limit_is_a_machine() {
    let d = defaults(&[(false, 200), (true, 4000)]);
    assert_eq!((d.verdict, d.cause, d.after_ms), (AmdVerdict::Machine, AmdCause::LongGreeting, 200 + 1500));
    // Voice in several words adds up; pauses under 800 ms do not end the greeting.
    let d = run(
        AmdConfig { max_words: 10, ..AmdConfig::default() },
        &[(true, 600), (false, 700), (true, 600), (false, 700), (true, 600)],
    );
    assert_eq!((d.cause, d.voiced_ms, d.after_ms), (AmdCause::LongGreeting, 1500, 600 + 700 + 600 + 700 + 300));
}

#[test]
fn a_third_word_is_a_machine() {
    let d = defaults(&[(false, 200), (true, 200), (false, 100), (true, 200), (false, 100), (true, 200)]);
    // The third run of voice counts as a word once it has lasted 100 ms.
    assert_eq!((d.verdict, d.cause, d.words), (AmdVerdict::Machine, AmdCause::MaxWords, 3));
    assert_eq!(d.after_ms, 200 + 200 + 100 + 200 + 100 + 100);
    // app_amd with its sample amd.conf (machine when the count reaches 2) is `max_words = 1`.
    let d = run(
        AmdConfig { max_words: 1, ..AmdConfig::default() },
        &[(false, 300), (true, 300), (false, 300), (true, 500)],
    );
    assert_eq!((d.cause, d.words, d.after_ms), (AmdCause::MaxWords, 2, 300 + 300 + 300 + 100));
}

#[test]
fn words_split_at_50_ms_of_silence_not_before() {
    // Dips of 40 ms (two frames) keep one word; 60 ms (three frames) make a new one.
    let joined: Vec<(bool, u32)> = (0..6).flat_map(|_| [(true, 120), (false, 40)]).collect();
    let config = AmdConfig { greeting_ms: 5000, ..AmdConfig::default() };
    let d = run(config, &joined);
    assert_eq!((d.verdict, d.words), (AmdVerdict::Human, 1));
    let split: Vec<(bool, u32)> = (0..6).flat_map(|_| [(true, 120), (false, 60)]).collect();
    let d = run(config, &split);
    assert_eq!((d.cause, d.words), (AmdCause::MaxWords, 3));
    // Runs shorter than the minimum word are voice but not words.
    let blips: Vec<(bool, u32)> = (0..10).flat_map(|_| [(true, 80), (false, 100)]).collect();
    let d = run(config, &blips);
    assert_eq!((d.cause, d.words, d.voiced_ms), (AmdCause::InitialSilence, 0, 800));
}

#[test]
fn one_endless_word_is_a_machine_at_the_maximum_word_length() {
    let config = AmdConfig { greeting_ms: 9000, total_analysis_ms: 9000, ..AmdConfig::default() };
    let d = run(config, &[(false, 100), (true, 8000)]);
    assert_eq!((d.verdict, d.cause, d.after_ms), (AmdVerdict::Machine, AmdCause::LongWord, 100 + 5000));
}

#[test]
fn undecided_at_the_analysis_time_is_notsure() {
    // Late, short, spaced words: no rule fires before 5 s.
    let d = defaults(&[(false, 2400), (true, 200), (false, 700), (true, 200), (false, 700), (true, 60), (false, 700)]);
    assert_eq!((d.verdict, d.cause, d.after_ms), (AmdVerdict::NotSure, AmdCause::TooLong, 5000));
    assert!(d.is_person(), "notsure is connected, as a person");
    let call = CallId(7);
    assert_eq!(d.input(call), Input::AmdVerdict { call, verdict: AmdVerdict::NotSure });
}

#[test]
fn the_threshold_is_the_mean_absolute_sample() {
    let mut amd = Amd::new(AmdConfig::default()).unwrap();
    // Mean |s| below 256 is silence, whatever the peaks: one sample at 30000, the rest at 66
    // (mean 253).
    let mut spiky = [66i16; FRAME_SAMPLES];
    spiky[0] = 30000;
    for _ in 0..124 {
        assert_eq!(amd.push_frame(&spiky), None);
    }
    assert_eq!(amd.push_frame(&square(255)).map(|d| d.cause), Some(AmdCause::InitialSilence));
    let mut amd = Amd::new(AmdConfig::default()).unwrap();
    for _ in 0..40 {
        assert_eq!(amd.push_frame(&square(256)), None);
    }
    assert_eq!(amd.elapsed_ms(), 800);
}

#[test]
fn once_decided_frames_are_ignored_and_empty_frames_are_no_audio() {
    let mut amd = Amd::new(AmdConfig::default()).unwrap();
    assert_eq!(amd.push_frame(&[]), None);
    assert_eq!(amd.elapsed_ms(), 0);
    let d = amd.push_pcm(&[0; 8 * 3000]).unwrap();
    assert_eq!(d.after_ms, 2500);
    assert_eq!(amd.push_frame(&square(3000)), None);
    assert_eq!(amd.decision(), Some(d));
    // A recording that ends before any rule fires is undecided.
    assert_eq!(Amd::new(AmdConfig::default()).unwrap().push_pcm(&[0; 8 * 1000]), None);
}

#[test]
fn g711_payloads_decide_like_their_decoded_audio() {
    for law in [G711::Pcmu, G711::Pcma] {
        for seed in 0..20 {
            for kind in [GreetingKind::Human, GreetingKind::Machine] {
                let mut linear = Amd::new(AmdConfig::default()).unwrap();
                let mut coded = Amd::new(AmdConfig::default()).unwrap();
                let mut payload = [0u8; FRAME_SAMPLES];
                let mut decoded = [0i16; FRAME_SAMPLES];
                for frame in Greeting::new(kind, seed).take(300) {
                    law.encode(&frame, &mut payload);
                    law.decode(&payload, &mut decoded);
                    let a = linear.push_frame(&decoded);
                    let b = coded.push_g711(law, &payload);
                    assert_eq!(a, b, "{law:?} {kind:?} seed {seed}");
                }
                assert!(linear.decision().is_some());
            }
        }
    }
    // Packets longer than 60 ms are analysed in 60 ms pieces; the time is the payload's length.
    let mut amd = Amd::new(AmdConfig::default()).unwrap();
    assert_eq!(amd.push_g711(G711::Pcmu, &[0xFF; 8 * 1000]), None);
    assert_eq!(amd.elapsed_ms(), 1000);
}

/// The lower end of the Wilson score interval for `k` successes in `n` trials at `z` (one-sided
/// 95% for z = 1.645).
fn wilson_lower(k: u32, n: u32, z: f64) -> f64 {
    let (k, n) = (f64::from(k), f64::from(n));
    let p = k / n;
    let centre = p + z * z / (2.0 * n);
    let spread = z * (p * (1.0 - p) / n + z * z / (4.0 * n * n)).sqrt();
    (centre - spread) / (1.0 + z * z / n)
}

#[test]
fn the_emulated_callees_greetings_are_told_apart() {
    // What `dialer callee` plays: 400 people and 400 machines, 6 s of audio each at most, with
    // app_amd's defaults and with the three words recommended after the speech corpus.
    const SEEDS: u64 = 400;
    for config in [AmdConfig::default(), AmdConfig { max_words: 3, ..AmdConfig::default() }] {
        let mut right = [0u32; 2];
        let mut times = Vec::new();
        for (i, kind) in [GreetingKind::Human, GreetingKind::Machine].into_iter().enumerate() {
            for seed in 0..SEEDS {
                let mut amd = Amd::new(config).unwrap();
                let d = Greeting::new(kind, seed).take(300).find_map(|f| amd.push_frame(&f)).unwrap();
                let truth = if kind == GreetingKind::Human { AmdVerdict::Human } else { AmdVerdict::Machine };
                right[i] += u32::from(d.verdict == truth);
                times.push(d.after_ms);
            }
        }
        let (k, n) = (right[0] + right[1], 2 * SEEDS as u32);
        let lower = wilson_lower(k, n, 1.645);
        let words = config.max_words;
        eprintln!(
            "greetings, {words} words: humans {}/{SEEDS}, machines {}/{SEEDS}, Wilson lower {lower:.4}",
            right[0], right[1]
        );
        // At least 95% right; with 800 trials, an observed 100% bounds the true accuracy below by
        // 99.66% (Wilson, one-sided 95%), and 97% observed would still bound it above 95.8%.
        assert!(f64::from(k) >= 0.95 * f64::from(n), "{words} words: {k}/{n} right");
        assert!(lower >= 0.95, "{words} words: the one-sided 95% lower bound of the accuracy is {lower:.4}");
        for (i, r) in right.iter().enumerate() {
            assert!(f64::from(*r) >= 0.95 * SEEDS as f64, "{words} words, class {i}: {r}/{SEEDS}");
        }
        let mean = times.iter().sum::<u32>() as f64 / times.len() as f64;
        assert!(mean < 3000.0, "{words} words: mean decision time {mean} ms");
    }
}

#[test]
fn configs_are_validated_and_read_from_amd_conf_keys() {
    assert_eq!(AmdConfig::default().validate(), Ok(()));
    let zero = AmdConfig { after_greeting_silence_ms: 0, ..AmdConfig::default() };
    let err = Amd::new(zero).unwrap_err();
    assert_eq!(err, AmdConfigError::Zero { key: "after_greeting_silence", default: 800 });
    assert!(err.to_string().contains("after_greeting_silence") && err.to_string().contains("800"), "{err}");
    assert_eq!(AmdConfig { max_words: 0, ..AmdConfig::default() }.validate(), Err(AmdConfigError::NoWords));
    assert_eq!(
        AmdConfig { silence_threshold: 40000, ..AmdConfig::default() }.validate(),
        Err(AmdConfigError::Threshold(40000))
    );
    assert_eq!(
        AmdConfig { min_word_ms: 600, max_word_ms: 500, ..AmdConfig::default() }.validate(),
        Err(AmdConfigError::WordLengths { min: 600, max: 500 })
    );
    // An amd.conf [general] section, as TOML: missing keys take their defaults.
    let config: AmdConfig = toml::from_str("initial_silence = 3000\nmaximum_number_of_words = 3\n").unwrap();
    assert_eq!(config, AmdConfig { initial_silence_ms: 3000, max_words: 3, ..AmdConfig::default() });
    let err = toml::from_str::<AmdConfig>("initial_silense = 3000\n").unwrap_err();
    assert!(err.to_string().contains("initial_silense"), "{err}");
    let back: AmdConfig = toml::from_str(&toml::to_string(&AmdConfig::default()).unwrap()).unwrap();
    assert_eq!(back, AmdConfig::default());
}
