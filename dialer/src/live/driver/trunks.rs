//! The campaign's trunks as the driver keeps them: where each is reached, whether it is up
//! (OPTIONS keep-alive), its lines in use and its calls-per-second pace.

use crate::campaign::{self, Transport};
use crate::sip::auth::Credentials;
use crate::sip::transaction::{Peer, TransactionKey};
use std::net::SocketAddr;
use std::time::Duration;
use tokio::time::Instant;

/// Failed keep-alives (or INVITEs the trunk failed) in a row that mark a trunk down.
pub const DOWN_AFTER: u32 = 2;

/// One trunk at run time.
pub struct TrunkState {
    /// As configured.
    pub config: campaign::Trunk,
    /// Where its requests go: the outbound proxy if set, else the trunk itself.
    pub peer: Peer,
    /// Whether calls may go out through it.
    pub up: bool,
    /// Failures in a row.
    pub failures: u32,
    /// Calls in flight through it.
    pub lines: u32,
    /// The earliest time the next INVITE may go (its `max_cps`).
    pub next_invite: Instant,
    /// The OPTIONS in flight, if any.
    pub options: Option<TransactionKey>,
    /// When the next OPTIONS goes.
    pub next_options: Instant,
    /// Digest credentials, if the trunk has a username.
    pub credentials: Option<Credentials>,
    /// Its registration, when the campaign says `register = true`.
    pub registration: Option<super::register::Registration>,
}

/// A trunk whose address cannot be found.
#[derive(Debug, thiserror::Error)]
#[error("trunk {uri}: cannot resolve {host}:{port}: {detail} (fix: correct [[trunks]] uri or outbound_proxy)")]
pub struct ResolveError {
    /// The trunk's URI.
    pub uri: String,
    /// The host looked up.
    pub host: String,
    /// Its port.
    pub port: u16,
    /// Why.
    pub detail: String,
}

/// `sip:host[:port]` → host and port (5060 by default; IPv6 in brackets).
pub fn host_port(uri: &str) -> Option<(String, u16)> {
    let rest = uri.strip_prefix("sip:")?;
    let rest = rest.split(';').next()?;
    let rest = rest.rsplit('@').next()?;
    if let Some(v6) = rest.strip_prefix('[') {
        let (host, after) = v6.split_once(']')?;
        let port = match after.strip_prefix(':') {
            Some(p) => p.parse().ok()?,
            None => 5060,
        };
        return Some((host.to_owned(), port));
    }
    match rest.split_once(':') {
        Some((host, port)) => Some((host.to_owned(), port.parse().ok()?)),
        None => Some((rest.to_owned(), 5060)),
    }
}

impl TrunkState {
    /// Resolves the trunk's address (its outbound proxy's, if set).
    pub async fn resolve(config: campaign::Trunk, now: Instant) -> Result<TrunkState, ResolveError> {
        let (host, port) = match &config.outbound_proxy {
            Some(proxy) => host_port(proxy).unwrap_or_else(|| (config.host.clone(), config.port)),
            None => (config.host.clone(), config.port),
        };
        let err = |detail: String| ResolveError { uri: config.uri.clone(), host: host.clone(), port, detail };
        let addr: SocketAddr = tokio::net::lookup_host((host.as_str(), port))
            .await
            .map_err(|e| err(e.to_string()))?
            .next()
            .ok_or_else(|| err("no address".to_owned()))?;
        let peer = match config.transport {
            Transport::Udp => Peer::udp(addr),
            Transport::Tcp => Peer::tcp(addr),
        };
        let credentials = config
            .username
            .clone()
            .map(|username| Credentials { username, password: config.password.clone().unwrap_or_default() });
        Ok(TrunkState {
            config,
            peer,
            up: true,
            failures: 0,
            lines: 0,
            next_invite: now,
            options: None,
            next_options: now,
            credentials,
            registration: None,
        })
    }

    /// The Request-URI of a call to `number` through this trunk.
    pub fn request_uri(&self, number: &str) -> String {
        let host =
            if self.config.host.contains(':') { format!("[{}]", self.config.host) } else { self.config.host.clone() };
        let transport = if self.config.transport == Transport::Tcp { ";transport=tcp" } else { "" };
        format!("sip:{number}@{host}:{}{transport}", self.config.port)
    }

    /// The journal's spelling of where requests go: `udp:IP:PORT`.
    pub fn peer_text(&self) -> String {
        let t = if self.config.transport == Transport::Tcp { "tcp" } else { "udp" };
        format!("{t}:{}", self.peer.addr)
    }

    /// Whether calls may go out through it: up, and registered if it must be.
    pub fn usable(&self) -> bool {
        self.up && self.registration.as_ref().is_none_or(|r| r.registered)
    }

    /// Whether a new call may go out now: usable, with a free line.
    pub fn has_line(&self) -> bool {
        self.usable() && self.lines < self.config.max_lines
    }

    /// An INVITE went out at `now`: one more line, and the next not before 1/max_cps later.
    pub fn invited(&mut self, now: Instant) {
        self.lines += 1;
        let gap = Duration::from_secs_f64(1.0 / self.config.max_cps.max(0.001));
        // checked_sub: a monotonic clock may read under a second just after boot.
        let earliest = now.checked_sub(gap.min(Duration::from_secs(1))).unwrap_or(now);
        self.next_invite = self.next_invite.max(earliest) + gap;
    }

    /// The trunk answered (a keep-alive or a call): up.
    pub fn alive(&mut self) -> bool {
        let was_down = !self.up;
        self.failures = 0;
        self.up = true;
        was_down
    }

    /// The trunk failed a request; returns true when this marks it down.
    pub fn failed(&mut self) -> bool {
        self.failures += 1;
        if self.up && self.failures >= DOWN_AFTER {
            self.up = false;
            return true;
        }
        false
    }
}

/// `udp:IP:PORT` / `tcp:IP:PORT` read back from the journal.
pub fn parse_peer(text: &str) -> Option<Peer> {
    let (transport, addr) = text.split_once(':')?;
    let addr: SocketAddr = addr.parse().ok()?;
    match transport {
        "udp" => Some(Peer::udp(addr)),
        "tcp" => Some(Peer::tcp(addr)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uris_give_host_and_port() {
        assert_eq!(host_port("sip:127.0.0.1:5080"), Some(("127.0.0.1".into(), 5080)));
        assert_eq!(host_port("sip:proxy.example.com"), Some(("proxy.example.com".into(), 5060)));
        assert_eq!(host_port("sip:[::1]:5062;lr"), Some(("::1".into(), 5062)));
        assert_eq!(host_port("sip:user@10.0.0.1:5070"), Some(("10.0.0.1".into(), 5070)));
        assert_eq!(host_port("http://x"), None);
        assert_eq!(parse_peer("udp:127.0.0.1:5080"), Some(Peer::udp("127.0.0.1:5080".parse().unwrap())));
        assert_eq!(parse_peer("tcp:[::1]:5060"), Some(Peer::tcp("[::1]:5060".parse().unwrap())));
        assert_eq!(parse_peer("sctp:1.2.3.4:5"), None);
    }

    #[tokio::test]
    async fn a_trunk_goes_down_after_failures_and_up_on_an_answer_and_paces_invites() {
        let config = crate::campaign::Trunk {
            uri: "sip:127.0.0.1:5080".into(),
            host: "127.0.0.1".into(),
            port: 5080,
            transport: Transport::Udp,
            register: false,
            username: None,
            password: None,
            outbound_proxy: None,
            caller_id: "+15550100000".into(),
            max_lines: 2,
            max_cps: 10.0,
        };
        let now = Instant::now();
        let mut t = TrunkState::resolve(config, now).await.unwrap();
        assert_eq!(t.request_uri("+12025550123"), "sip:+12025550123@127.0.0.1:5080");
        assert!(!t.failed(), "one failure is not enough");
        assert!(t.failed(), "the second marks it down");
        assert!(!t.has_line());
        assert!(t.alive(), "back up");
        t.invited(now);
        assert_eq!(t.next_invite, now + Duration::from_millis(100));
        t.invited(now);
        assert!(!t.has_line(), "both lines in use");
        t.lines = 0;
        t.registration = Some(super::super::register::Registration::new(0, 1, now));
        assert!(!t.usable() && !t.has_line(), "a trunk that must register takes no call before it has");
        t.registration.as_mut().unwrap().registered = true;
        assert!(t.usable() && t.has_line());
    }
}
