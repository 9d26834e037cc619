//! Real SIP peers for the interop tests: kamailio (proxy), baresip (an auto-answering phone) and
//! SIPp (caller or answerer), each started on free loopback ports and stopped when its guard
//! drops, a failing test's guards included. `.ci/install-peers` installs them; a missing binary is
//! an error that says so. `tests/interop/README.md` has the command lines and the traps.
//!
//! Every peer runs in its own process group, in its own temporary directory (config, logs,
//! statistics), with stdin closed. Stopping signals the whole group (kamailio forks workers), waits
//! a grace period, then kills what is left. A child also gets SIGTERM if the thread that started
//! it dies, so start and drop guards on the test's own thread. When a guard drops during a panic
//! it prints where its files are and the tail of its log, and keeps the directory.

// Each test binary that includes this module uses a part of it.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::fmt;
use std::io::Read;
use std::net::{IpAddr, Ipv4Addr, SocketAddr, TcpListener, UdpSocket};
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

/// Every peer listens here and only here.
pub const LOOPBACK: IpAddr = IpAddr::V4(Ipv4Addr::LOCALHOST);

/// How long a peer may take to answer its first probe.
const READY_TIMEOUT: Duration = Duration::from_secs(10);
/// How long a peer may take to exit after its stop signal before it is killed.
const STOP_GRACE: Duration = Duration::from_secs(10);
/// Lines of a peer's log quoted in an error or after a failed test.
const LOG_TAIL: usize = 40;

/// The kamailio configuration with the PROXY, AUTH and STATELESS modes.
pub fn kamailio_cfg() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/interop/kamailio.cfg")
}

/// A SIPp caller that answers kamailio's 407 challenge (SIPp's built-in `uac` does not).
pub fn uac_auth_scenario() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/interop/uac-auth.xml")
}

/// Why a peer could not be started or run, with its own words where it said any.
pub struct PeerError(String);

impl PeerError {
    fn new(message: impl Into<String>) -> Self {
        Self(message.into())
    }
}

impl fmt::Display for PeerError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

// Debug is what `expect` and a test returning `Result` print: the message as it is, so a peer's
// log shows line by line.
impl fmt::Debug for PeerError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for PeerError {}

/// The path of `binary` on `PATH` or in the sbin directories (Debian puts kamailio in /usr/sbin,
/// which a non-root user's `PATH` often lacks), or an error saying how to install it.
fn need(binary: &str) -> Result<PathBuf, PeerError> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .chain(["/usr/local/sbin", "/usr/sbin", "/sbin"].map(PathBuf::from))
        .map(|dir| dir.join(binary))
        .find(|candidate| candidate.is_file())
        .ok_or_else(|| {
            PeerError::new(format!(
                "`{binary}` is not installed: run .ci/install-peers (as root) to install the \
                 interop tests' SIP peers (kamailio, baresip, SIPp)"
            ))
        })
}

// ---------------------------------------------------------------------------------------------
// Ports

/// Next candidate port. Ports come from 20000–31999, below Linux's ephemeral range (32768+), so
/// no client socket of another program takes one between the check and the peer's bind. Each
/// process starts at its own offset and never hands out a port twice, so two calls made before
/// either peer binds cannot return the same port.
static NEXT_PORT: AtomicU32 = AtomicU32::new(0);
const PORT_BASE: u32 = 20_000;
const PORT_SPAN: u32 = 12_000;

/// A port on 127.0.0.1 free for both UDP and TCP (SIP listens on both).
pub fn free_port() -> u16 {
    free_port_block(1)
}

/// The first of `len` consecutive ports on 127.0.0.1, each free for both UDP and TCP: for peers
/// that also bind the ports after their SIP port (baresip listens on TCP port + 1 too; SIPp's
/// media takes port and port + 2).
pub fn free_port_block(len: u32) -> u16 {
    assert!((1..100).contains(&len), "a port block of {len} ports");
    let _ = NEXT_PORT.compare_exchange(
        0,
        (std::process::id().wrapping_mul(7919)) % PORT_SPAN + 1,
        Ordering::Relaxed,
        Ordering::Relaxed,
    );
    for _ in 0..PORT_SPAN {
        let offset = NEXT_PORT.fetch_add(len, Ordering::Relaxed);
        let first = PORT_BASE + offset % (PORT_SPAN - len);
        if (first..first + len).all(|port| port_free(port as u16)) {
            return first as u16;
        }
    }
    panic!("no block of {len} free UDP+TCP ports on 127.0.0.1 in {PORT_BASE}..{}", PORT_BASE + PORT_SPAN);
}

fn port_free(port: u16) -> bool {
    UdpSocket::bind((LOOPBACK, port)).is_ok() && TcpListener::bind((LOOPBACK, port)).is_ok()
}

/// Whether some socket is bound to UDP `port` on 127.0.0.1 or on every address, read from
/// /proc/net/udp. (Binding the port to find out could make the peer's own bind fail.)
/// Whether something listens on TCP `port` of 127.0.0.1 (or every address).
fn tcp_listening(port: u16) -> bool {
    let table = std::fs::read_to_string("/proc/net/tcp").unwrap_or_default();
    let wanted = [format!("0100007F:{port:04X}"), format!("00000000:{port:04X}")];
    // State 0A is LISTEN.
    table.lines().skip(1).any(|line| {
        let mut fields = line.split_whitespace();
        let local = fields.nth(1);
        let state = fields.nth(1);
        local.is_some_and(|l| wanted.iter().any(|w| w == l)) && state == Some("0A")
    })
}

fn udp_bound(port: u16) -> bool {
    let table = std::fs::read_to_string("/proc/net/udp").unwrap_or_default();
    // Lines: "  sl  local_address rem_address ...", addresses as hex IP (little-endian) ":" port.
    let wanted = [format!("0100007F:{port:04X}"), format!("00000000:{port:04X}")];
    table
        .lines()
        .skip(1)
        .any(|line| line.split_whitespace().nth(1).is_some_and(|local| wanted.iter().any(|w| w == local)))
}

// ---------------------------------------------------------------------------------------------
// Processes

/// A peer's process (and the group it leads), its directory and its log files.
struct Peer {
    name: &'static str,
    child: Child,
    /// None once stopped.
    status: Option<ExitStatus>,
    dir: Option<tempfile::TempDir>,
    stdout: PathBuf,
    stderr: PathBuf,
}

impl Peer {
    /// Starts `command` in `dir` with stdin closed, stdout and stderr into files there, in a
    /// process group of its own, and with SIGTERM as its parent-death signal.
    fn spawn(name: &'static str, mut command: Command, dir: tempfile::TempDir) -> Result<Peer, PeerError> {
        let stdout = dir.path().join(format!("{name}.stdout"));
        let stderr = dir.path().join(format!("{name}.stderr"));
        let file = |path: &Path| {
            std::fs::File::create(path)
                .map_err(|e| PeerError::new(format!("{name}: cannot create {}: {e}", path.display())))
        };
        command
            .current_dir(dir.path())
            .stdin(Stdio::null())
            .stdout(file(&stdout)?)
            .stderr(file(&stderr)?)
            .process_group(0);
        // SAFETY: prctl is async-signal-safe; nothing else runs between fork and exec.
        unsafe {
            command.pre_exec(|| {
                if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGTERM) == -1 {
                    return Err(std::io::Error::last_os_error());
                }
                Ok(())
            });
        }
        let child = command.spawn().map_err(|e| PeerError::new(format!("{name}: cannot start {command:?}: {e}")))?;
        Ok(Peer { name, child, status: None, dir: Some(dir), stdout, stderr })
    }

    fn dir(&self) -> &Path {
        self.dir.as_ref().map(|d| d.path()).unwrap_or(Path::new("."))
    }

    /// Whether the process has exited, without reaping it: while it is unreaped its pid, which is
    /// also its group's id, cannot be reused, so signalling the group stays safe.
    fn exited(&self) -> bool {
        if self.status.is_some() {
            return true;
        }
        // SAFETY: waitid writes only into `info`, which lives for the call.
        unsafe {
            let mut info: libc::siginfo_t = std::mem::zeroed();
            let rc =
                libc::waitid(libc::P_PID, self.child.id(), &mut info, libc::WEXITED | libc::WNOHANG | libc::WNOWAIT);
            rc == 0 && info.si_pid() != 0
        }
    }

    fn signal_group(&self, signal: libc::c_int) {
        if self.status.is_none() {
            // SAFETY: plain syscall; the group id is our unreaped child's pid (see `exited`).
            unsafe {
                libc::kill(-(self.child.id() as libc::pid_t), signal);
            }
        }
    }

    /// Waits until the process exits or `deadline` passes; true if it exited.
    fn wait_until(&self, deadline: Instant) -> bool {
        loop {
            if self.exited() {
                return true;
            }
            if Instant::now() >= deadline {
                return false;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Sends `signal` to the group unless the process has exited, waits up to the grace period,
    /// kills whatever is left of the group and reaps the process. Idempotent.
    fn stop(&mut self, signal: libc::c_int) -> ExitStatus {
        if let Some(status) = self.status {
            return status;
        }
        if !self.exited() {
            self.signal_group(signal);
            self.wait_until(Instant::now() + STOP_GRACE);
        }
        // Workers the main process left behind, or all of them if it ignored the signal.
        self.signal_group(libc::SIGKILL);
        let status = self.child.wait().unwrap_or_else(|_| ExitStatus::from_raw(-1));
        self.status = Some(status);
        status
    }

    /// The last lines of stderr and stdout, for error messages.
    fn log_tail(&self) -> String {
        let mut out = String::new();
        for path in [&self.stderr, &self.stdout] {
            let text = read_lossy(path);
            let lines: Vec<&str> = text.lines().collect();
            let tail = &lines[lines.len().saturating_sub(LOG_TAIL)..];
            if !tail.is_empty() {
                out.push_str(&format!("--- {} (last {} lines)\n", path.display(), tail.len()));
                for line in tail {
                    out.push_str(line);
                    out.push('\n');
                }
            }
        }
        if out.is_empty() {
            out.push_str("(no output)\n");
        }
        out
    }

    /// An error about this peer, with the tail of its logs.
    fn error(&self, what: impl fmt::Display) -> PeerError {
        PeerError::new(format!("{}: {what}\n{}", self.name, self.log_tail()))
    }
}

impl Drop for Peer {
    fn drop(&mut self) {
        self.stop(libc::SIGTERM);
        if std::thread::panicking()
            && let Some(dir) = self.dir.take()
        {
            let kept = dir.keep();
            eprintln!(
                "{} ({}), kept in {}:\n{}",
                self.name,
                self.status.map(|s| s.to_string()).unwrap_or_default(),
                kept.display(),
                self.log_tail()
            );
        }
    }
}

fn read_lossy(path: &Path) -> String {
    let mut bytes = Vec::new();
    if let Ok(mut file) = std::fs::File::open(path) {
        let _ = file.read_to_end(&mut bytes);
    }
    String::from_utf8_lossy(&bytes).into_owned()
}

fn tempdir(name: &str) -> Result<tempfile::TempDir, PeerError> {
    tempfile::Builder::new()
        .prefix(&format!("dialkit-{name}-"))
        .tempdir()
        .map_err(|e| PeerError::new(format!("{name}: cannot create a temporary directory: {e}")))
}

/// Sends SIP OPTIONS to `addr` over UDP until any SIP response comes back, the peer exits, or
/// READY_TIMEOUT passes.
fn wait_answers_options(peer: &Peer, addr: SocketAddr, user: Option<&str>) -> Result<(), PeerError> {
    let socket = UdpSocket::bind((LOOPBACK, 0)).map_err(|e| PeerError::new(format!("probe socket: {e}")))?;
    let local = socket.local_addr().map_err(|e| PeerError::new(format!("probe socket: {e}")))?;
    socket
        .set_read_timeout(Some(Duration::from_millis(100)))
        .map_err(|e| PeerError::new(format!("probe socket: {e}")))?;
    let target = match user {
        Some(user) => format!("sip:{user}@{addr}"),
        None => format!("sip:{addr}"),
    };
    let deadline = Instant::now() + READY_TIMEOUT;
    let mut buf = [0u8; 4096];
    for attempt in 1.. {
        if peer.exited() {
            return Err(peer.error("exited before it answered SIP OPTIONS"));
        }
        if Instant::now() >= deadline {
            return Err(peer.error(format!("did not answer SIP OPTIONS on {addr} within {READY_TIMEOUT:?}")));
        }
        let request = format!(
            "OPTIONS {target} SIP/2.0\r\n\
             Via: SIP/2.0/UDP {local};branch=z9hG4bK-dialkit-probe-{attempt}\r\n\
             Max-Forwards: 70\r\n\
             From: <sip:probe@{local}>;tag=probe{attempt}\r\n\
             To: <{target}>\r\n\
             Call-ID: dialkit-probe-{}-{attempt}@127.0.0.1\r\n\
             CSeq: {attempt} OPTIONS\r\n\
             Contact: <sip:probe@{local}>\r\n\
             Content-Length: 0\r\n\r\n",
            std::process::id()
        );
        let _ = socket.send_to(request.as_bytes(), addr);
        let until = Instant::now() + Duration::from_millis(200);
        while Instant::now() < until {
            if let Ok((n, _)) = socket.recv_from(&mut buf)
                && buf[..n].starts_with(b"SIP/2.0 ")
            {
                return Ok(());
            }
        }
    }
    unreachable!("the probe loop returns")
}

// ---------------------------------------------------------------------------------------------
// kamailio

/// What `tests/interop/kamailio.cfg` does with a call (its `-A` mode).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KamailioMode {
    /// Stateful proxy to the target, record-routing so ACK and BYE pass through it.
    Proxy,
    /// Proxy that first challenges every initial INVITE with a 407 for [`AUTH_USER`] /
    /// [`AUTH_PASSWORD`] in [`AUTH_REALM`] (qop=auth).
    Auth,
    /// Answers everything itself, statelessly, with 200 (no target).
    Stateless,
}

impl KamailioMode {
    fn define(self) -> &'static str {
        match self {
            KamailioMode::Proxy => "PROXY",
            KamailioMode::Auth => "AUTH",
            KamailioMode::Stateless => "STATELESS",
        }
    }
}

/// The user kamailio's AUTH mode accepts.
pub const AUTH_USER: &str = "loadtest";
/// Its password.
pub const AUTH_PASSWORD: &str = "s3cret";
/// Its realm.
pub const AUTH_REALM: &str = "dialkit";

/// A running kamailio; stopped (the whole process group) on drop.
pub struct Kamailio {
    peer: Peer,
    addr: SocketAddr,
}

impl Kamailio {
    /// Starts kamailio in `mode` on 127.0.0.1:`listen_port` (UDP and TCP), relaying to `target`
    /// over UDP (ignored in [`KamailioMode::Stateless`]), and waits until it answers OPTIONS.
    pub fn start(mode: KamailioMode, listen_port: u16, target: SocketAddr) -> Result<Kamailio, PeerError> {
        Self::start_uri(mode, listen_port, &format!("sip:{target}"))
    }

    /// As [`Kamailio::start`], with the next hop as a SIP URI (`sip:127.0.0.1:5090;transport=tcp`).
    pub fn start_uri(mode: KamailioMode, listen_port: u16, target_uri: &str) -> Result<Kamailio, PeerError> {
        let binary = need("kamailio")?;
        let dir = tempdir("kamailio")?;
        let mut command = Command::new(binary);
        command
            .arg("-f")
            .arg(kamailio_cfg())
            .args(["-DD", "-E", "-n", "1", "-m", "512", "-M", "16"])
            .arg("-P")
            .arg(dir.path().join("k.pid"))
            .arg("-Y")
            .arg(dir.path())
            .args(["-A", mode.define()])
            .arg("-A")
            .arg(format!("LISTEN_ADDR={LOOPBACK}"))
            .arg("-A")
            .arg(format!("LISTEN_PORT={listen_port}"))
            .arg("-A")
            .arg(format!("DEST=\"{target_uri}\""))
            .arg("-A")
            .arg(format!("AUTH_USER=\"{AUTH_USER}\""))
            .arg("-A")
            .arg(format!("AUTH_PASSWORD=\"{AUTH_PASSWORD}\""))
            .arg("-A")
            .arg(format!("AUTH_REALM=\"{AUTH_REALM}\""));
        let peer = Peer::spawn("kamailio", command, dir)?;
        let addr = SocketAddr::new(LOOPBACK, listen_port);
        wait_answers_options(&peer, addr, None)?;
        Ok(Kamailio { peer, addr })
    }

    /// Where it listens (UDP and TCP).
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Its log so far (the tail of stderr and stdout).
    pub fn log(&self) -> String {
        self.peer.log_tail()
    }

    /// Its whole standard error so far (where it logs).
    pub fn stderr(&self) -> String {
        read_lossy(&self.peer.stderr)
    }

    /// The main process's id, which is also the id of the process group of all its workers.
    pub fn pid(&self) -> u32 {
        self.peer.child.id()
    }

    /// Stops it now; its exit status.
    pub fn stop(mut self) -> ExitStatus {
        self.peer.stop(libc::SIGTERM)
    }
}

/// Whether any process is left in process group `pgid` (a stopped peer should leave none).
pub fn process_group_alive(pgid: u32) -> bool {
    // SAFETY: signal 0 only checks that the group exists and may be signalled.
    unsafe { libc::kill(-(pgid as libc::pid_t), 0) == 0 }
}

// ---------------------------------------------------------------------------------------------
// baresip

/// The user part baresip answers to (its account's AOR). A request for another user gets
/// "UA not found" and no answer.
pub const BARESIP_USER: &str = "bob";

/// A running baresip that answers every call at once, sends a sine tone as audio and drops what
/// it hears; stopped on drop.
pub struct Baresip {
    peer: Peer,
    addr: SocketAddr,
}

impl Baresip {
    /// Starts baresip listening on 127.0.0.1:`port` (UDP and TCP; it also listens on TCP
    /// `port` + 1: take the port from `free_port_block(2)`) and waits until it answers OPTIONS.
    pub fn start(port: u16) -> Result<Baresip, PeerError> {
        let binary = need("baresip")?;
        let dir = tempdir("baresip")?;
        let config_dir = dir.path().join("config");
        let write = |name: &str, text: String| {
            std::fs::create_dir_all(&config_dir)
                .and_then(|()| std::fs::write(config_dir.join(name), text))
                .map_err(|e| PeerError::new(format!("baresip: cannot write its {name}: {e}")))
        };
        // No sound card here: without an audio source that starts, baresip never sends its 200.
        // ausine is the source, aubridge's `nil` device the player. No stdio module: it wants a
        // TTY. menu does the auto answer the account asks for.
        write(
            "config",
            format!(
                "poll_method epoll\n\
                 sip_listen {LOOPBACK}:{port}\n\
                 net_interface {LOOPBACK}\n\
                 call_local_timeout 120\n\
                 call_max_calls 200\n\
                 audio_player aubridge,nil\n\
                 audio_alert aubridge,nil\n\
                 audio_source ausine,440\n\
                 ausrc_srate 48000\n\
                 ausrc_channels 2\n\
                 rtp_ports 32000-32767\n\
                 module_path /usr/lib/baresip/modules\n\
                 module g711.so\n\
                 module ausine.so\n\
                 module aubridge.so\n\
                 module_app account.so\n\
                 module_app menu.so\n"
            ),
        )?;
        write(
            "accounts",
            format!(
                "<sip:{BARESIP_USER}@{LOOPBACK}:{port}>;regint=0;answermode=auto;\
                 audio_codecs=PCMU,PCMA\n"
            ),
        )?;
        let mut command = Command::new(binary);
        command.arg("-f").arg(&config_dir);
        let peer = Peer::spawn("baresip", command, dir)?;
        let addr = SocketAddr::new(LOOPBACK, port);
        wait_answers_options(&peer, addr, Some(BARESIP_USER))?;
        Ok(Baresip { peer, addr })
    }

    /// Where it listens.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The URI to call it at.
    pub fn uri(&self) -> String {
        format!("sip:{BARESIP_USER}@{}", self.addr)
    }

    /// Its log so far.
    pub fn log(&self) -> String {
        self.peer.log_tail()
    }

    /// Stops it now; its exit status.
    pub fn stop(mut self) -> ExitStatus {
        self.peer.stop(libc::SIGTERM)
    }
}

// ---------------------------------------------------------------------------------------------
// SIPp

/// SIPp's cumulative statistics at the end of a run, from its `-stf` file (last row).
#[derive(Clone, Debug, Default)]
pub struct SippStats {
    /// Calls SIPp created (placed as uac, received as uas).
    pub created: u64,
    /// Calls received (uas).
    pub incoming: u64,
    /// Calls placed (uac).
    pub outgoing: u64,
    /// Calls that ran their scenario to the end.
    pub successful: u64,
    /// Calls that did not.
    pub failed: u64,
    /// Messages SIPp sent again for want of an answer.
    pub retransmissions: u64,
    /// Messages that arrived for no call SIPp knew.
    pub out_of_call_msgs: u64,
    /// Messages that arrived for calls SIPp had already ended.
    pub dead_call_msgs: u64,
    /// Calls per second over the run.
    pub call_rate: f64,
    /// Every column of the last row, by the header's name (`SuccessfulCall(C)`, …).
    pub columns: BTreeMap<String, String>,
}

impl SippStats {
    /// Reads the last row of a `-stf` file.
    fn read(path: &Path) -> Result<SippStats, String> {
        let text = std::fs::read_to_string(path).map_err(|e| format!("no statistics file {}: {e}", path.display()))?;
        let mut lines = text.lines().filter(|l| !l.trim().is_empty());
        let header = lines.next().ok_or("empty statistics file")?;
        let last = lines.next_back().ok_or("statistics file without a row")?;
        let columns: BTreeMap<String, String> =
            header.split(';').zip(last.split(';')).map(|(k, v)| (k.to_owned(), v.to_owned())).collect();
        let int = |name: &str| -> Result<u64, String> {
            let value = columns.get(name).ok_or(format!("no column {name}"))?;
            value.trim().parse().map_err(|e| format!("column {name} = {value:?}: {e}"))
        };
        Ok(SippStats {
            created: int("TotalCallCreated")?,
            incoming: int("IncomingCall(C)")?,
            outgoing: int("OutgoingCall(C)")?,
            successful: int("SuccessfulCall(C)")?,
            failed: int("FailedCall(C)")?,
            retransmissions: int("Retransmissions(C)")?,
            out_of_call_msgs: int("OutOfCallMsgs(C)")?,
            dead_call_msgs: int("DeadCallMsgs(C)")?,
            call_rate: columns.get("CallRate(C)").and_then(|v| v.trim().parse().ok()).unwrap_or(0.0),
            columns,
        })
    }
}

/// A finished SIPp run.
#[derive(Debug)]
pub struct SippRun {
    /// SIPp's exit status: 0 when every call succeeded, 1 when one failed (or the `-timeout` hit),
    /// 97/99 for an internal or call-less exit, 255/254 for fatal (binding) errors.
    pub status: ExitStatus,
    pub stats: SippStats,
    /// The tail of its screen (stdout) and of its error log, for assertion messages.
    pub report: String,
}

impl SippRun {
    /// One line for assertion messages, then the report.
    pub fn summary(&self) -> String {
        let s = &self.stats;
        format!(
            "sipp {}: created {}, successful {}, failed {}, retransmissions {}, out-of-call {}, \
             dead-call {}, {:.1} calls/s\n{}",
            self.status,
            s.created,
            s.successful,
            s.failed,
            s.retransmissions,
            s.out_of_call_msgs,
            s.dead_call_msgs,
            s.call_rate,
            self.report
        )
    }
}

/// Files and ports every SIPp run gets: its SIP port, media ports, control port and output files
/// in its directory.
fn sipp_command(dir: &Path, sip_port: u16) -> Result<Command, PeerError> {
    let binary = need("sipp")?;
    // Media on port and port + 2; the UDP control port (default 8888) binds every interface, so
    // it gets a port of its own to keep parallel runs apart.
    let media = free_port_block(3);
    let control = free_port();
    let mut command = Command::new(binary);
    command
        .args(["-i", "127.0.0.1", "-mi", "127.0.0.1"])
        .arg("-p")
        .arg(sip_port.to_string())
        .arg("-mp")
        .arg(media.to_string())
        .arg("-cp")
        .arg(control.to_string())
        .args(["-nostdin", "-timeout_error", "-trace_stat", "-fd", "1"])
        .arg("-stf")
        .arg(dir.join("stats.csv"))
        .arg("-trace_err")
        .arg("-error_file")
        .arg(dir.join("errors.log"));
    Ok(command)
}

fn sipp_finish(peer: &mut Peer, signal: libc::c_int) -> Result<SippRun, PeerError> {
    let status = peer.stop(signal);
    let errors = read_lossy(&peer.dir().join("errors.log"));
    let error_lines: Vec<&str> = errors.lines().collect();
    let mut report = peer.log_tail();
    if !error_lines.is_empty() {
        report.push_str(&format!("--- errors.log (first {} lines)\n", LOG_TAIL.min(error_lines.len())));
        for line in error_lines.iter().take(LOG_TAIL) {
            report.push_str(line);
            report.push('\n');
        }
    }
    let stats = SippStats::read(&peer.dir().join("stats.csv"))
        .map_err(|e| PeerError::new(format!("sipp ({status}): {e}\n{report}")))?;
    Ok(SippRun { status, stats, report })
}

/// A SIPp caller: what to run, at what rate, for how many calls, for how long at most.
#[derive(Clone, Debug)]
pub struct SippUac {
    target: SocketAddr,
    rate: f64,
    calls: u64,
    service: Option<String>,
    scenario: Option<PathBuf>,
    auth: Option<(String, String)>,
    timeout: Option<Duration>,
    quiet_abort: bool,
}

impl SippUac {
    /// The built-in `uac` scenario against `target`, one call a second, one call.
    pub fn new(target: SocketAddr) -> Self {
        SippUac {
            target,
            rate: 1.0,
            calls: 1,
            service: None,
            scenario: None,
            auth: None,
            timeout: None,
            quiet_abort: false,
        }
    }

    /// New calls per second.
    pub fn rate(mut self, calls_per_second: f64) -> Self {
        self.rate = calls_per_second;
        self
    }

    /// Calls in all (`-m`): SIPp stops when they have ended.
    pub fn calls(mut self, calls: u64) -> Self {
        self.calls = calls;
        self
    }

    /// The user part of the Request-URI (`-s`; SIPp's default is `service`).
    pub fn service(mut self, user: &str) -> Self {
        self.service = Some(user.to_owned());
        self
    }

    /// An XML scenario (`-sf`) instead of the built-in `uac`.
    pub fn scenario(mut self, path: impl Into<PathBuf>) -> Self {
        self.scenario = Some(path.into());
        self
    }

    /// Digest credentials (`-au`, `-ap`) for a scenario that answers challenges.
    pub fn auth(mut self, user: &str, password: &str) -> Self {
        self.auth = Some((user.to_owned(), password.to_owned()));
        self
    }

    /// `-nd`: an aborted call ends silently, without the BYE or CANCEL SIPp sends by default to
    /// clean up the far end (which the far end would count as a stray call).
    pub fn quiet_abort(mut self) -> Self {
        self.quiet_abort = true;
        self
    }

    /// SIPp's own bound on the run (`-timeout`, an error when reached). Default: the time the
    /// calls take to start at the rate, plus 20 s.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// Runs SIPp to its end (at most its timeout, then it is killed) from a free local port.
    pub fn run(&self) -> Result<SippRun, PeerError> {
        assert!(self.rate > 0.0 && self.calls > 0, "a bounded, non-empty run");
        let dir = tempdir("sipp-uac")?;
        let timeout = self
            .timeout
            .unwrap_or_else(|| Duration::from_secs_f64(self.calls as f64 / self.rate) + Duration::from_secs(20));
        let mut command = sipp_command(dir.path(), free_port())?;
        match &self.scenario {
            Some(path) => command.arg("-sf").arg(path),
            None => command.args(["-sn", "uac"]),
        };
        if let Some(service) = &self.service {
            command.args(["-s", service]);
        }
        if let Some((user, password)) = &self.auth {
            command.args(["-au", user, "-ap", password]);
        }
        if self.quiet_abort {
            command.arg("-nd");
        }
        command
            .arg("-r")
            .arg(format!("{}", self.rate))
            .arg("-m")
            .arg(self.calls.to_string())
            .arg("-timeout")
            .arg(format!("{}s", timeout.as_secs().max(1)))
            .arg(self.target.to_string());
        let mut peer = Peer::spawn("sipp-uac", command, dir)?;
        if !peer.wait_until(Instant::now() + timeout + Duration::from_secs(10)) {
            let _ = sipp_finish(&mut peer, libc::SIGKILL);
            return Err(peer.error(format!("still running {timeout:?} past its own -timeout")));
        }
        sipp_finish(&mut peer, libc::SIGTERM)
    }
}

/// A SIPp answerer (built-in `uas`: 180, 200, waits for BYE); stopped on drop.
pub struct Sipp {
    peer: Peer,
    addr: SocketAddr,
}

impl Sipp {
    /// SIPp's built-in `uas` on 127.0.0.1:`port`, answering any number of calls for at most
    /// two minutes.
    pub fn uas(port: u16) -> Result<Sipp, PeerError> {
        Self::uas_bounded(port, None, Duration::from_secs(120))
    }

    /// As [`Sipp::uas`], exiting by itself after `calls` calls (`-m`) or `timeout`.
    pub fn uas_bounded(port: u16, calls: Option<u64>, timeout: Duration) -> Result<Sipp, PeerError> {
        Self::uas_over(port, calls, timeout, false)
    }

    /// As [`Sipp::uas_bounded`], over TCP (`-t t1`: one socket for every call) when `tcp`.
    pub fn uas_over(port: u16, calls: Option<u64>, timeout: Duration, tcp: bool) -> Result<Sipp, PeerError> {
        let dir = tempdir("sipp-uas")?;
        let mut command = sipp_command(dir.path(), port)?;
        command.args(["-sn", "uas"]).arg("-timeout").arg(format!("{}s", timeout.as_secs().max(1)));
        if tcp {
            command.args(["-t", "t1"]);
        }
        if let Some(calls) = calls {
            command.arg("-m").arg(calls.to_string());
        }
        let peer = Peer::spawn("sipp-uas", command, dir)?;
        // SIPp answers nothing it has no scenario for (an OPTIONS would count as a failure), so
        // readiness is its socket being bound.
        let deadline = Instant::now() + READY_TIMEOUT;
        while !(if tcp { tcp_listening(port) } else { udp_bound(port) }) {
            if peer.exited() {
                return Err(peer.error("exited before it bound its port"));
            }
            if Instant::now() >= deadline {
                return Err(peer.error(format!("did not bind port {port} within {READY_TIMEOUT:?}")));
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        Ok(Sipp { peer, addr: SocketAddr::new(LOOPBACK, port) })
    }

    /// The built-in `uac` against `target`: `calls` calls at `rate` calls per second, run to the
    /// end. [`SippUac`] sets more (scenario, credentials, service, timeout).
    pub fn uac(target: SocketAddr, rate: f64, calls: u64) -> Result<SippRun, PeerError> {
        SippUac::new(target).rate(rate).calls(calls).run()
    }

    /// Where it listens.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Ends the run gracefully (SIGUSR1: no new calls, calls in flight finish, then its closing
    /// wait of about 4 s) and returns its statistics.
    pub fn finish(mut self) -> Result<SippRun, PeerError> {
        sipp_finish(&mut self.peer, libc::SIGUSR1)
    }
}
