//! Running `dialer callee` and a live campaign on loopback for tests/live.rs and tests/crash.rs.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A child process killed when the test ends, however it ends.
pub struct Guard(pub Child);

impl Drop for Guard {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

pub fn dialer() -> Command {
    Command::new(env!("CARGO_BIN_EXE_dialer"))
}

/// A loopback port free a moment ago.
pub fn free_port() -> u16 {
    std::net::UdpSocket::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// Starts `dialer callee` on a free loopback port with tests/live/callee.toml (its agents calling
/// the desk at `desk`, if given: SIP and API addresses); returns it and its address.
pub fn callee(dir: &Path, desk: Option<(&str, &str)>) -> (Guard, String) {
    let scenario = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/live/callee.toml");
    // Callbacks asked for a few seconds on (longer than the campaign's default callback delay, so
    // a test can tell the agent's time was kept): the run goes on until every lead is final.
    let extra: &[&str] = if desk.is_some() { &["--callback-after", "5s"] } else { &[] };
    callee_with(dir, &scenario, desk, extra)
}

/// Starts `dialer callee` playing `scenario` on a free loopback port, its agents calling the desk
/// at `desk` (SIP and API addresses) if given, with `extra` flags; returns it and its address.
pub fn callee_with(dir: &Path, scenario: &Path, desk: Option<(&str, &str)>, extra: &[&str]) -> (Guard, String) {
    let agents: Vec<String> = match desk {
        Some((sip, api)) => vec!["--agents-to".into(), format!("sip:{sip}"), "--agents-api".into(), api.into()],
        None => vec![],
    };
    let mut child = dialer()
        .args(["callee", "--listen", "127.0.0.1:0", "--duration", "600s", "--scenario"])
        .arg(scenario)
        .args(agents)
        .args(extra)
        .arg("--out")
        .arg(dir.join("callee"))
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the dialer binary runs");
    let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
    let first = lines.next().expect("a first line").expect("text");
    let addr = first.split("listening on ").nth(1).and_then(|r| r.split(' ').next()).expect("an address").to_owned();
    // Keep reading its standard error so it never blocks on a full pipe.
    std::thread::spawn(move || for _ in lines {});
    (Guard(child), addr)
}

/// Runs a command to its end within `limit` and asserts it succeeded; returns its standard error.
/// Past the limit, kills it and fails with the end of its log.
pub fn run_ok(cmd: &mut Command, limit: Duration) -> String {
    let mut child = cmd.stdout(Stdio::null()).stderr(Stdio::piped()).spawn().unwrap();
    // Read standard error as it comes: a full pipe would stall the dialer.
    let mut stderr = child.stderr.take().unwrap();
    let reader = std::thread::spawn(move || {
        let mut err = String::new();
        let _ = std::io::Read::read_to_string(&mut stderr, &mut err);
        err
    });
    let started = Instant::now();
    let mut guard = Guard(child);
    loop {
        if let Some(status) = guard.0.try_wait().unwrap() {
            let err = reader.join().unwrap();
            assert!(status.success(), "failed: {status}\n{err}");
            return err;
        }
        if started.elapsed() > limit {
            drop(guard);
            let err = reader.join().unwrap();
            let tail: Vec<&str> = err.lines().rev().take(40).collect();
            panic!(
                "did not finish within {limit:?}; the end of its log:\n{}",
                tail.into_iter().rev().collect::<Vec<_>>().join("\n")
            );
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// A one-second 500 Hz tone, 8 kHz mono 16-bit: the abandon message.
pub fn write_wav(path: &Path) {
    let samples: Vec<i16> =
        (0..8000).map(|i| (6000.0 * (2.0 * std::f64::consts::PI * 500.0 * i as f64 / 8000.0).sin()) as i16).collect();
    dialer::media::wav::write(std::fs::File::create(path).unwrap(), &samples).unwrap();
}

/// The campaign file: progressive pacing, one trunk (the callee), open all day on `day` in
/// UTC, quick retries, at most two attempts.
pub fn campaign(dir: &Path, trunk: &str, day: &str, desk: (&str, &str)) -> PathBuf {
    let (desk_sip, desk_api) = desk;
    let text = format!(
        r#"[campaign]
name = "live-e2e"
store = "live.sqlite"
country_code = 1
timezone = "UTC"
ring_timeout = "15s"
drop_after = "2s"
abandon_message = "abandon.wav"
[pacing]
mode = "progressive"
[[trunks]]
uri = "sip:{trunk}"
caller_id = "+12025550100"
max_lines = 10
max_cps = 20
[agents]
api = "{desk_api}"
sip = "{desk_sip}"
[windows]
start = "00:00"
end = "24:00"
days = ["{day}"]
[retry]
max_attempts = 2
busy = "1s"
no_answer = "1s"
machine = "1s"
abandoned = "1s"
failed = "1s"
callback = "3s"
"#
    );
    let path = dir.join("campaign.toml");
    std::fs::write(&path, text).unwrap();
    write_wav(&dir.join("abandon.wav"));
    path
}
