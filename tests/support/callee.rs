//! Running `dialer callee` on loopback from the integration tests, and `dialer load` against it.

use std::collections::HashMap;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A scenario with this `[population]` body (plus what every scenario needs).
pub fn scenario(dir: &Path, population: &str) -> PathBuf {
    let path = dir.join("callee.toml");
    let text = format!(
        "duration = \"1h\"\nseed = 11\n[agents]\ncount = 1\ntalk = {{ dist = \"const\", value = \"10s\" }}\n\
         wrap = {{ dist = \"const\", value = \"0s\" }}\n[population]\n{population}\n[pacing]\nmode = \"ratio\"\nratio = 1.0\n"
    );
    std::fs::write(&path, text).unwrap();
    path
}

/// A running `dialer callee` and where it listens.
pub struct Callee {
    child: Child,
    pub addr: String,
    out: PathBuf,
}

impl Callee {
    /// Starts the callee on a free loopback port, writing to `dir/out`, bounded by `--calls` and
    /// a 90 s `--duration`.
    pub fn start(dir: &Path, scenario: &Path, calls: u64, extra: &[&str]) -> Callee {
        let out = dir.join("out");
        let mut child = Command::new(env!("CARGO_BIN_EXE_dialer"))
            .args(["callee", "--listen", "127.0.0.1:0", "--duration", "90s", "--calls"])
            .arg(calls.to_string())
            .arg("--scenario")
            .arg(scenario)
            .arg("--out")
            .arg(&out)
            .args(extra)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("the dialer binary runs");
        let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
        let first = lines.next().expect("a first line").expect("text");
        let addr = first
            .split("listening on ")
            .nth(1)
            .and_then(|rest| rest.split(' ').next())
            .unwrap_or_else(|| panic!("no address in {first:?}"))
            .to_owned();
        Callee { child, addr, out }
    }

    /// Asks the callee to stop (SIGTERM), as an operator would.
    pub fn terminate(&self) {
        // SAFETY: kill(2) on our own child's pid has no memory effects.
        unsafe {
            libc::kill(self.child.id() as libc::pid_t, libc::SIGTERM);
        }
    }

    /// Waits for the callee to stop by itself (at most 60 s): its stdout and calls.csv rows.
    pub fn finish(mut self) -> (String, Vec<HashMap<String, String>>) {
        let deadline = Instant::now() + Duration::from_secs(60);
        let status = loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                break status;
            }
            if Instant::now() > deadline {
                let _ = self.child.kill();
                panic!("the callee did not stop");
            }
            std::thread::sleep(Duration::from_millis(50));
        };
        let mut stdout = String::new();
        std::io::Read::read_to_string(&mut self.child.stdout.take().unwrap(), &mut stdout).unwrap();
        assert!(status.success(), "callee failed: {status}\n{stdout}");
        let mut reader = csv::Reader::from_path(self.out.join("calls.csv")).unwrap();
        let headers = reader.headers().unwrap().clone();
        let rows = reader
            .records()
            .map(|r| headers.iter().zip(r.unwrap().iter()).map(|(h, v)| (h.to_owned(), v.to_owned())).collect())
            .collect();
        (stdout, rows)
    }
}

impl Drop for Callee {
    /// A test that panics before `finish` leaves no callee behind.
    fn drop(&mut self) {
        if self.child.try_wait().ok().flatten().is_none() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// Runs `dialer load` against the callee; returns its load.json.
pub fn load(callee: &Callee, args: &[&str]) -> serde_json::Value {
    load_to(&format!("sip:load@{}", callee.addr), args)
}

/// Runs `dialer load TARGET ARGS… --json` (a callee behind a proxy, say); returns its load.json.
pub fn load_to(target: &str, args: &[&str]) -> serde_json::Value {
    let mut all = vec!["load", target, "--json"];
    all.extend_from_slice(args);
    let out = super::cli::dialer(all);
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("load.json: {e}\n{}", super::cli::text(&out.stderr)))
}

/// A count in load.json; a missing key is a failed test, not a zero.
pub fn count(json: &serde_json::Value, pointer: &str) -> u64 {
    json.pointer(pointer).and_then(serde_json::Value::as_u64).unwrap_or_else(|| panic!("{pointer} in {json:#}"))
}

pub fn column<'a>(rows: &'a [HashMap<String, String>], name: &str) -> Vec<&'a str> {
    rows.iter().map(|r| r[name].as_str()).collect()
}
