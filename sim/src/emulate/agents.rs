//! The scenario's agents, emulated against a live dialer's desk (`dialer callee --agents-to …`):
//! each agent's phone calls in to `sip:agent-N@DESK` at the group's login time and stays up; the
//! agent polls the agent API (`GET /agents/agent-N`, every 100 ms) and, when its state turns to
//! `talk`, talks for its drawn talk time, hangs up (`POST …/hangup`) unless the customer hung up
//! first (the state left `talk`), wraps up for its drawn wrap time, posts a disposition drawn from
//! [`DispositionMix`], and repeats; at the group's logout time or when the callee stops, the phone
//! hangs up.
//!
//! Agents are numbered from 1 across the scenario's groups in order (`agent-1` …). Draws are
//! seeded like the rest of the callee: wrap-up times from the agent's [`Purpose::Wrap`] stream
//! (the simulator's own), talk times and dispositions from streams of their own keyed by the
//! agent (the simulator keys talk by lead, which an agent cannot know here).

use crate::rng::{Purpose, Streams, uniform};
use crate::scenario::Scenario;
use dialer::live::desk::softphone::Softphone;
use serde::Serialize;
use std::net::{IpAddr, SocketAddr};
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::sync::watch;

/// Stream ids of agents' talk times and dispositions, apart from the leads' (which start at 1).
const TALK_KEY: u64 = 1 << 48;
const DISPOSITION_KEY: u64 = 2 << 48;

/// How often an agent asks the API for its state.
pub const POLL: Duration = Duration::from_millis(100);

/// Where the emulated agents go.
#[derive(Clone, Debug)]
pub struct AgentsConfig {
    /// The desk's SIP address (`sip:HOST:PORT`).
    pub desk: SocketAddr,
    /// The agent API.
    pub api: SocketAddr,
    /// The address the phones' sockets bind to (one the desk can reach).
    pub ip: IpAddr,
    /// The wrap-up codes and their shares.
    pub mix: DispositionMix,
}

/// The shares of wrap-up codes: `sale`, `callback` (one hour later), `dnc_request`, and
/// `no_sale` for the rest.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct DispositionMix {
    pub sale: f64,
    pub callback: f64,
    pub dnc_request: f64,
    /// How long after the wrap-up a `callback` asks to be called (one hour by default).
    pub callback_after: std::time::Duration,
}

impl Default for DispositionMix {
    /// 20% sale, 5% callback, 2% dnc_request, 73% no_sale.
    fn default() -> DispositionMix {
        DispositionMix {
            sale: 0.20,
            callback: 0.05,
            dnc_request: 0.02,
            callback_after: std::time::Duration::from_secs(3600),
        }
    }
}

impl DispositionMix {
    /// The code for a uniform draw `u` in [0, 1).
    pub fn pick(&self, u: f64) -> &'static str {
        if u < self.sale {
            "sale"
        } else if u < self.sale + self.callback {
            "callback"
        } else if u < self.sale + self.callback + self.dnc_request {
            "dnc_request"
        } else {
            "no_sale"
        }
    }
}

/// What one emulated agent did: a row of `agents.csv`.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct AgentRecord {
    /// `agent-N`.
    pub name: String,
    /// The scenario group.
    pub group: String,
    /// Calls taken (seen in `talk`).
    pub calls: u64,
    /// Calls the agent hung up (the others the customer did).
    pub agent_hangups: u64,
    /// Time in talk, ms (from seeing `talk` to hanging up or seeing it end).
    pub talk_ms: u64,
    /// Time in wrap-up, ms.
    pub wrap_ms: u64,
    /// Wrap-ups by code.
    pub sale: u64,
    pub callback: u64,
    pub dnc_request: u64,
    pub no_sale: u64,
    /// When the phone was answered, ms since the callee started; empty if never.
    pub login_ms: Option<u64>,
    /// When the agent left, ms since the callee started.
    pub logout_ms: Option<u64>,
    /// How it ended: `logout` (its time), `stopped` (the callee stopped), `desk` (the desk hung
    /// up), `refused` (the desk refused the phone, see `code`), `api` (the API kept failing).
    pub end: &'static str,
    /// The desk's refusal code, if any.
    pub code: Option<u16>,
}

/// Runs every agent of the scenario until `stop` turns true; their records, in agent order.
/// `start` is the callee's time 0 (login and logout offsets count from it).
pub async fn run(
    scenario: &Scenario,
    config: AgentsConfig,
    start: Instant,
    stop: watch::Receiver<bool>,
) -> Vec<AgentRecord> {
    let streams = Streams::new(scenario.seed);
    let mut tasks = Vec::new();
    let mut n = 0u64;
    for group in &scenario.agents.groups {
        for _ in 0..group.count {
            n += 1;
            let agent = Agent {
                n,
                name: format!("agent-{n}"),
                group: group.name.clone(),
                talk: group.talk.clone(),
                wrap: group.wrap.clone(),
                login: start + Duration::from_millis(group.login.as_ms()),
                logout: group.logout.map(|t| start + Duration::from_millis(t.as_ms())),
                start,
                streams: streams.clone(),
                config: config.clone(),
            };
            tasks.push(tokio::spawn(agent.run(stop.clone())));
        }
    }
    let mut records = Vec::with_capacity(tasks.len());
    for task in tasks {
        if let Ok(record) = task.await {
            records.push(record);
        }
    }
    records
}

struct Agent {
    n: u64,
    name: String,
    group: String,
    talk: crate::dist::Dist,
    wrap: crate::dist::Dist,
    login: Instant,
    logout: Option<Instant>,
    start: Instant,
    streams: Streams,
    config: AgentsConfig,
}

/// Why an agent's loop ended early.
enum Stop {
    /// Stop asked, or the logout time came.
    Done(&'static str),
    /// The phone's call ended from the desk's side.
    Desk,
    /// The API failed.
    Api,
}

impl Agent {
    fn ms(&self) -> u64 {
        self.start.elapsed().as_millis() as u64
    }

    async fn run(self, mut stop: watch::Receiver<bool>) -> AgentRecord {
        let mut record = AgentRecord { name: self.name.clone(), group: self.group.clone(), ..AgentRecord::default() };
        tokio::select! {
            _ = tokio::time::sleep_until(self.login.into()) => {}
            _ = stop.wait_for(|s| *s) => {
                record.end = "stopped";
                return record;
            }
        }
        if self.logout.is_some_and(|l| Instant::now() >= l) {
            record.end = "logout";
            return record;
        }
        let mut phone = match Softphone::call(self.config.desk, &self.name, self.config.ip, false).await {
            Ok(p) => p,
            Err(_) => {
                record.end = "refused";
                return record;
            }
        };
        let answered = tokio::select! {
            a = phone.answered() => a,
            _ = stop.wait_for(|s| *s) => Err(0),
        };
        if let Err(code) = answered {
            record.end = if code == 0 { "stopped" } else { "refused" };
            record.code = (code != 0).then_some(code);
            return record;
        }
        record.login_ms = Some(self.ms());
        let mut api = Api::new(self.config.api);
        let end = self.work(&mut phone, &mut api, &mut stop, &mut record).await;
        record.end = match end {
            Stop::Done(why) => why,
            Stop::Desk => "desk",
            Stop::Api => "api",
        };
        if !phone.is_finished() {
            let _ = tokio::time::timeout(Duration::from_secs(3), phone.hang_up()).await;
        }
        record.logout_ms = Some(self.ms());
        record
    }

    /// Sleeps until `until` (or the next poll), watching for stop, logout and the phone's end.
    async fn pause(&self, until: Instant, phone: &Softphone, stop: &mut watch::Receiver<bool>) -> Result<(), Stop> {
        let until = match self.logout {
            Some(l) => until.min(l),
            None => until,
        };
        tokio::select! {
            _ = tokio::time::sleep_until(until.into()) => {}
            _ = stop.wait_for(|s| *s) => return Err(Stop::Done("stopped")),
        }
        if self.logout.is_some_and(|l| Instant::now() >= l) {
            return Err(Stop::Done("logout"));
        }
        if phone.is_finished() {
            return Err(Stop::Desk);
        }
        Ok(())
    }

    async fn state(&self, api: &mut Api) -> Result<String, Stop> {
        let path = format!("/agents/{}", self.name);
        match api.request("GET", &path, "").await {
            Ok((200, json)) => Ok(json["state"].as_str().unwrap_or_default().to_owned()),
            // Not listed yet (the login is on its way) or a transient failure: ask again.
            Ok(_) => Ok(String::new()),
            Err(_) => Err(Stop::Api),
        }
    }

    async fn work(
        &self,
        phone: &mut Softphone,
        api: &mut Api,
        stop: &mut watch::Receiver<bool>,
        record: &mut AgentRecord,
    ) -> Stop {
        let mut talk_rng = self.streams.get(Purpose::Talk, TALK_KEY + self.n);
        let mut wrap_rng = self.streams.get(Purpose::Wrap, self.n);
        let mut code_rng = self.streams.get(Purpose::Outcome, DISPOSITION_KEY + self.n);
        let mut failures = 0;
        loop {
            // Wait for a call.
            let state = match self.state(api).await {
                Ok(s) => s,
                Err(_) if failures < 20 => {
                    failures += 1;
                    String::new()
                }
                Err(e) => return e,
            };
            if state != "talk" {
                if let Err(e) = self.pause(Instant::now() + POLL, phone, stop).await {
                    return e;
                }
                continue;
            }
            failures = 0;
            // Talk until the drawn time, or until the customer hangs up.
            record.calls += 1;
            let talk_start = Instant::now();
            let talk_end = talk_start + Duration::from_millis(self.talk.sample_ms(&mut talk_rng));
            let mut hung_up_by_customer = false;
            while Instant::now() < talk_end {
                let next = (Instant::now() + POLL).min(talk_end);
                if let Err(e) = self.pause(next, phone, stop).await {
                    record.talk_ms += talk_start.elapsed().as_millis() as u64;
                    return e;
                }
                if self.state(api).await.is_ok_and(|s| s != "talk") {
                    hung_up_by_customer = true;
                    break;
                }
            }
            if !hung_up_by_customer {
                let path = format!("/agents/{}/hangup", self.name);
                match api.request("POST", &path, "").await {
                    Ok((200, _)) => record.agent_hangups += 1,
                    // 409: the customer hung up in the meantime.
                    Ok(_) => {}
                    Err(_) => return Stop::Api,
                }
            }
            record.talk_ms += talk_start.elapsed().as_millis() as u64;
            // Wrap up: the wrap-up starts when the call has ended for the agent.
            let wrap_start = Instant::now();
            let wrap_end = wrap_start + Duration::from_millis(self.wrap.sample_ms(&mut wrap_rng));
            if let Err(e) = self.pause(wrap_end, phone, stop).await {
                record.wrap_ms += wrap_start.elapsed().as_millis() as u64;
                return e;
            }
            let code = self.config.mix.pick(uniform(&mut code_rng));
            let body = if code == "callback" {
                let after =
                    jiff::SignedDuration::try_from(self.config.mix.callback_after).unwrap_or(jiff::SignedDuration::MAX);
                let at = jiff::Timestamp::now().checked_add(after).unwrap_or(jiff::Timestamp::MAX);
                format!(r#"{{"disposition":"callback","callback_at":"{at}"}}"#)
            } else {
                format!(r#"{{"disposition":"{code}"}}"#)
            };
            let path = format!("/agents/{}/wrapup", self.name);
            // The desk may not have moved the agent to wrap yet (the driver ends the call): try
            // for up to two seconds.
            let deadline = Instant::now() + Duration::from_secs(2);
            loop {
                match api.request("POST", &path, &body).await {
                    Ok((200, _)) => {
                        match code {
                            "sale" => record.sale += 1,
                            "callback" => record.callback += 1,
                            "dnc_request" => record.dnc_request += 1,
                            _ => record.no_sale += 1,
                        }
                        break;
                    }
                    Ok(_) if Instant::now() < deadline => {
                        if let Err(e) = self.pause(Instant::now() + POLL, phone, stop).await {
                            return e;
                        }
                    }
                    Ok(_) => break,
                    Err(_) => return Stop::Api,
                }
            }
            record.wrap_ms += wrap_start.elapsed().as_millis() as u64;
        }
    }
}

/// A keep-alive HTTP/1.1 client of the agent API: one connection, reopened after an error.
struct Api {
    addr: SocketAddr,
    stream: Option<tokio::net::TcpStream>,
    buf: Vec<u8>,
}

/// The longest response accepted.
const MAX_RESPONSE: usize = 64 * 1024;

impl Api {
    fn new(addr: SocketAddr) -> Api {
        Api { addr, stream: None, buf: Vec::with_capacity(1024) }
    }

    /// One request; one retry on a fresh connection if the old one failed.
    async fn request(&mut self, method: &str, path: &str, body: &str) -> std::io::Result<(u16, serde_json::Value)> {
        match tokio::time::timeout(Duration::from_secs(5), self.once(method, path, body)).await {
            Ok(Ok(got)) => return Ok(got),
            _ => self.stream = None,
        }
        match tokio::time::timeout(Duration::from_secs(5), self.once(method, path, body)).await {
            Ok(got) => got.inspect_err(|_| self.stream = None),
            Err(_) => {
                self.stream = None;
                Err(std::io::ErrorKind::TimedOut.into())
            }
        }
    }

    async fn once(&mut self, method: &str, path: &str, body: &str) -> std::io::Result<(u16, serde_json::Value)> {
        use std::io::{Error, ErrorKind};
        let bad = |why: &str| Error::new(ErrorKind::InvalidData, why.to_owned());
        if self.stream.is_none() {
            let s = tokio::net::TcpStream::connect(self.addr).await?;
            let _ = s.set_nodelay(true);
            self.stream = Some(s);
            self.buf.clear();
        }
        let Some(stream) = self.stream.as_mut() else { return Err(bad("no connection")) };
        let request = format!(
            "{method} {path} HTTP/1.1\r\nHost: desk\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        );
        stream.write_all(request.as_bytes()).await?;
        let mut chunk = [0u8; 4096];
        let (status, head_len, length) = loop {
            if let Some(end) = self.buf.windows(4).position(|w| w == b"\r\n\r\n") {
                let head = std::str::from_utf8(&self.buf[..end]).map_err(|_| bad("head not UTF-8"))?;
                let status: u16 = head.get(9..12).and_then(|s| s.parse().ok()).ok_or_else(|| bad("no status"))?;
                let length = head
                    .split("\r\n")
                    .filter_map(|l| l.split_once(':'))
                    .find(|(k, _)| k.eq_ignore_ascii_case("content-length"))
                    .and_then(|(_, v)| v.trim().parse::<usize>().ok())
                    .ok_or_else(|| bad("no Content-Length"))?;
                break (status, end + 4, length);
            }
            if self.buf.len() > MAX_RESPONSE {
                return Err(bad("response head too long"));
            }
            let n = stream.read(&mut chunk).await?;
            if n == 0 {
                return Err(ErrorKind::UnexpectedEof.into());
            }
            self.buf.extend_from_slice(&chunk[..n]);
        };
        if length > MAX_RESPONSE {
            return Err(bad("response body too long"));
        }
        while self.buf.len() < head_len + length {
            let n = stream.read(&mut chunk).await?;
            if n == 0 {
                return Err(ErrorKind::UnexpectedEof.into());
            }
            self.buf.extend_from_slice(&chunk[..n]);
        }
        let json = serde_json::from_slice(&self.buf[head_len..head_len + length]).unwrap_or(serde_json::Value::Null);
        self.buf.drain(..head_len + length);
        Ok((status, json))
    }
}

/// The address on this machine that reaches `desk`: where the phones bind (a concrete address,
/// which their SDP names).
pub fn local_ip_towards(desk: SocketAddr) -> std::io::Result<IpAddr> {
    if desk.ip().is_loopback() {
        return Ok(desk.ip());
    }
    let any: SocketAddr = if desk.is_ipv4() { "0.0.0.0:0" } else { "[::]:0" }
        .parse()
        .map_err(|_| std::io::Error::from(std::io::ErrorKind::InvalidInput))?;
    let probe = std::net::UdpSocket::bind(any)?;
    probe.connect(desk)?;
    Ok(probe.local_addr()?.ip())
}

/// Writes the agents' records as CSV.
pub fn write_csv<W: std::io::Write>(records: &[AgentRecord], out: W) -> Result<(), csv::Error> {
    let mut w = csv::Writer::from_writer(out);
    for r in records {
        w.serialize(r)?;
    }
    w.flush()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_mix_picks_codes_by_their_shares() {
        let mix = DispositionMix::default();
        assert_eq!(mix.pick(0.0), "sale");
        assert_eq!(mix.pick(0.199), "sale");
        assert_eq!(mix.pick(0.21), "callback");
        assert_eq!(mix.pick(0.26), "dnc_request");
        assert_eq!(mix.pick(0.27), "no_sale");
        assert_eq!(mix.pick(0.99), "no_sale");
    }
}
