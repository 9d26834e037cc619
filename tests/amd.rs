//! The answering-machine detector (`dialer::media::amd`) measured on speech, and `dialer amd`.
//!
//! The measurement is behind the `speech` feature, since it needs espeak-ng and sox
//! (`.ci/install-peers` installs them; Debian: `apt-get install espeak-ng sox`):
//!
//! ```sh
//! cargo test --features speech --test amd -- --nocapture
//! ```
//!
//! It synthesises the corpus with `scripts/amd-corpus` (24 people answering, 24 voicemail
//! greetings, through G.711), runs the detector on every file with app_amd's defaults and with
//! `maximum_number_of_words = 3`, prints a table (file, truth, verdict, cause, decision time) and
//! the accuracy per class, and asserts at least 90% right with three words and at least 80% with
//! the defaults. A notsure verdict counts as wrong in these figures (the dialer connects it as a
//! person, which is right for people and wrong for machines, but it is not a detection). With
//! the feature on and espeak-ng or sox missing, the test fails and says how to install them.
//!
//! The tests of the command line itself need no speech and always run.

#[path = "support/cli.rs"]
#[allow(dead_code, reason = "each test binary uses part of the helpers")]
mod cli;

use cli::{dialer, text};
use dialer::media::wav;

/// A clean "person": 400 ms of silence, a 500 ms word, 5 s of silence.
fn hello() -> Vec<i16> {
    let mut pcm = vec![0i16; 8 * 400];
    pcm.extend((0..8 * 500).map(|i| if i % 2 == 0 { 4000 } else { -4000 }));
    pcm.extend(std::iter::repeat_n(0, 8 * 5000));
    pcm
}

#[test]
fn help_shows_an_example() {
    let out = dialer(["amd", "--help"]);
    assert_eq!(out.status.code(), Some(0));
    let stdout = text(&out.stdout);
    assert!(stdout.lines().any(|l| l.trim_start().starts_with("dialer amd ")), "{stdout}");
    assert!(stdout.contains("sox"), "the help says how to convert other formats:\n{stdout}");
    let top = text(&dialer(["--help"]).stdout);
    assert!(top.contains("dialer amd "), "dialer --help does not mention amd:\n{top}");
}

#[test]
fn files_get_a_verdict_a_cause_and_a_time() {
    let dir = tempfile::tempdir().unwrap();
    let person = dir.path().join("human-hello.wav");
    wav::write(std::fs::File::create(&person).unwrap(), &hello()).unwrap();
    let silent = dir.path().join("machine-silent.wav");
    wav::write(std::fs::File::create(&silent).unwrap(), &[0; 8 * 3000]).unwrap();
    let out = dialer(["amd".as_ref(), "--truth-from-name".as_ref(), person.as_os_str(), silent.as_os_str()]);
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let row = |name: &str| stdout.lines().find(|l| l.contains(name)).unwrap_or_else(|| panic!("{stdout}")).to_owned();
    let words = |l: String| l.split_whitespace().map(str::to_owned).collect::<Vec<_>>();
    assert_eq!(words(row("human-hello"))[1..6], ["human", "human", "human_after_greeting", "1700", "1"]);
    assert_eq!(words(row("machine-silent"))[1..5], ["machine", "machine", "initial_silence", "2500"]);
    assert!(stdout.contains("2 file(s): 1 human, 1 machine, 0 notsure, 0 undecided"), "{stdout}");
    assert!(stdout.contains("accuracy: 2/2 = 100.0%"), "{stdout}");
    // A configuration in amd.conf's keys changes the rules.
    let config = dir.path().join("amd.toml");
    std::fs::write(&config, "initial_silence = 2000\n").unwrap();
    let out = dialer(["amd".as_ref(), "--config".as_ref(), config.as_os_str(), silent.as_os_str()]);
    assert!(text(&out.stdout).contains("2000"), "{}", text(&out.stdout));
}

#[test]
fn bad_input_is_refused_with_the_file_and_the_fix() {
    let dir = tempfile::tempdir().unwrap();
    let good = dir.path().join("human-ok.wav");
    wav::write(std::fs::File::create(&good).unwrap(), &hello()).unwrap();
    // A 16 kHz file: the header's rate field.
    let mut bytes = std::fs::read(&good).unwrap();
    bytes[24..28].copy_from_slice(&16000u32.to_le_bytes());
    let wide = dir.path().join("wideband.wav");
    std::fs::write(&wide, bytes).unwrap();
    let out = dialer(["amd".as_ref(), good.as_os_str(), wide.as_os_str()]);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("wideband.wav") && stderr.contains("16000 Hz"), "{stderr}");
    assert!(stderr.contains("sox") && stderr.contains("-r 8000"), "{stderr}");
    assert!(out.stdout.is_empty(), "nothing is analysed when a file is bad");
    // --truth-from-name wants names that say the truth.
    let out = dialer(["amd".as_ref(), "--truth-from-name".as_ref(), wide.as_os_str()]);
    assert_eq!(out.status.code(), Some(2));
    let out = dialer(["amd".as_ref(), "--truth-from-name".as_ref(), dir.path().join("nobody.wav").as_os_str()]);
    assert!(text(&out.stderr).contains("nobody.wav"), "{}", text(&out.stderr));
    let renamed = dir.path().join("call-1.wav");
    std::fs::copy(&good, &renamed).unwrap();
    let out = dialer(["amd".as_ref(), "--truth-from-name".as_ref(), renamed.as_os_str()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("call-1.wav") && text(&out.stderr).contains("human"));
    // A configuration that cannot work.
    let config = dir.path().join("amd.toml");
    std::fs::write(&config, "maximum_number_of_words = 0\n").unwrap();
    let out = dialer(["amd".as_ref(), "--config".as_ref(), config.as_os_str(), good.as_os_str()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("maximum_number_of_words"), "{}", text(&out.stderr));
}

#[cfg(feature = "speech")]
mod speech {
    use super::{dialer, text, wav};
    use dialer::media::amd::{Amd, AmdConfig, AmdDecision};
    use reports::AmdVerdict;
    use std::path::Path;
    use std::process::Command;

    /// Fails, saying how to install it, when a tool the corpus needs is missing.
    fn require(tool: &str) {
        let found = Command::new(tool).arg("--version").output().is_ok_and(|o| o.status.success());
        assert!(
            found,
            "{tool} is not installed: the `speech` feature measures AMD on speech synthesised by espeak-ng and \
             sox. Install them (Debian/Ubuntu: `apt-get install espeak-ng sox`, or `.ci/install-peers`), or run \
             the tests without `--features speech`"
        );
    }

    struct Row {
        file: String,
        truth: AmdVerdict,
        text: String,
        default: Option<AmdDecision>,
        tuned: Option<AmdDecision>,
    }

    fn right(d: Option<AmdDecision>, truth: AmdVerdict) -> bool {
        d.is_some_and(|d| d.verdict == truth)
    }

    /// "human 12/24, machine 24/24, all 36/48 = 75.0%; decision mean 1800 ms, p95 2800 ms"
    fn summary(rows: &[Row], pick: impl Fn(&Row) -> Option<AmdDecision>) -> (f64, String) {
        let class = |t: AmdVerdict| {
            let of: Vec<&Row> = rows.iter().filter(|r| r.truth == t).collect();
            (of.iter().filter(|r| right(pick(r), t)).count(), of.len())
        };
        let (h, hn) = class(AmdVerdict::Human);
        let (m, mn) = class(AmdVerdict::Machine);
        let share = (h + m) as f64 / rows.len() as f64;
        let mut times: Vec<u32> = rows.iter().filter_map(|r| pick(r).map(|d| d.after_ms)).collect();
        times.sort_unstable();
        let mean = times.iter().map(|&t| f64::from(t)).sum::<f64>() / times.len().max(1) as f64;
        let p95 = times.get(((0.95 * times.len() as f64).ceil() as usize).saturating_sub(1)).copied().unwrap_or(0);
        let class_mean = |t: AmdVerdict| {
            let of: Vec<f64> =
                rows.iter().filter(|r| r.truth == t).filter_map(|r| pick(r).map(|d| f64::from(d.after_ms))).collect();
            of.iter().sum::<f64>() / of.len().max(1) as f64
        };
        let (human_mean, machine_mean) = (class_mean(AmdVerdict::Human), class_mean(AmdVerdict::Machine));
        let notsure = rows.iter().filter(|r| pick(r).is_some_and(|d| d.verdict == AmdVerdict::NotSure)).count();
        let line = format!(
            "humans {h}/{hn}, machines {m}/{mn}, all {}/{} = {:.1}% ({notsure} notsure, counted wrong); \
             decision time mean {mean:.0} ms (humans {human_mean:.0}, machines {machine_mean:.0}), p95 {p95} ms",
            h + m,
            rows.len(),
            100.0 * share
        );
        (share, line)
    }

    fn cells(d: Option<AmdDecision>) -> String {
        match d {
            Some(d) => format!("{:<8} {:<21} {:>5}", d.verdict.as_str(), d.cause.label(), d.after_ms),
            None => format!("{:<8} {:<21} {:>5}", "none", "file too short", "-"),
        }
    }

    #[test]
    fn accuracy_and_decision_time_on_espeak_ng_speech() {
        require("espeak-ng");
        require("sox");
        let dir = tempfile::tempdir().unwrap();
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/amd-corpus");
        let out = Command::new("bash").arg(&script).arg(dir.path()).output().unwrap();
        assert!(out.status.success(), "scripts/amd-corpus failed: {}", text(&out.stderr));
        eprint!("{}", text(&out.stderr));

        let tuned_config = AmdConfig { max_words: 3, ..AmdConfig::default() };
        let manifest = std::fs::read_to_string(dir.path().join("corpus.tsv")).unwrap();
        let mut rows = Vec::new();
        for line in manifest.lines().skip(1) {
            let fields: Vec<&str> = line.split('\t').collect();
            let (file, truth, text) = (fields[0], fields[1], fields[8]);
            let truth = AmdVerdict::parse(truth).unwrap_or_else(|| panic!("corpus.tsv: truth {truth:?}"));
            let pcm = wav::read(&dir.path().join(file)).unwrap();
            let run = |config| Amd::new(config).unwrap().push_pcm(&pcm);
            rows.push(Row {
                file: file.to_owned(),
                truth,
                text: text.to_owned(),
                default: run(AmdConfig::default()),
                tuned: run(tuned_config),
            });
        }
        let count = |t: AmdVerdict| rows.iter().filter(|r| r.truth == t).count();
        assert!(count(AmdVerdict::Human) >= 20 && count(AmdVerdict::Machine) >= 20, "the corpus is too small");

        eprintln!(
            "\n{:<16} {:<8} | {:<36} | {:<36} | text",
            "file", "truth", "app_amd defaults (2 words)", "maximum_number_of_words = 3"
        );
        for r in &rows {
            let mark = |d| if right(d, r.truth) { ' ' } else { '✗' };
            eprintln!(
                "{:<16} {:<8} | {}{} | {}{} | {}",
                r.file,
                r.truth.as_str(),
                cells(r.default),
                mark(r.default),
                cells(r.tuned),
                mark(r.tuned),
                r.text
            );
        }
        let (default_share, default_line) = summary(&rows, |r| r.default);
        let (tuned_share, tuned_line) = summary(&rows, |r| r.tuned);
        eprintln!("\napp_amd defaults:            {default_line}");
        eprintln!("maximum_number_of_words = 3: {tuned_line}\n");

        // `dialer amd` agrees with the library on the defaults.
        let files: Vec<_> = rows.iter().map(|r| dir.path().join(&r.file)).collect();
        let out = dialer(
            std::iter::once("amd".as_ref())
                .chain(["--truth-from-name".as_ref()])
                .chain(files.iter().map(|f| f.as_os_str())),
        );
        assert!(out.status.success(), "{}", text(&out.stderr));
        let right_default = rows.iter().filter(|r| right(r.default, r.truth)).count();
        let expected = format!("accuracy: {right_default}/{}", rows.len());
        assert!(text(&out.stdout).contains(&expected), "dialer amd says otherwise:\n{}", text(&out.stdout));

        assert!(tuned_share >= 0.90, "with maximum_number_of_words = 3: {tuned_line}");
        assert!(default_share >= 0.80, "with app_amd's defaults: {default_line}");
    }
}
