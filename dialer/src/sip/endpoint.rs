//! A SIP endpoint on a UDP socket (and, when asked, TCP on the same address), in wall-clock time: the socket, the [`TransactionLayer`] and
//! the bookkeeping every driver needs (parse, answer malformed requests, count, trace). The load
//! generator and the emulated callee are each a transaction user on top of one.
//!
//! The driver's loop:
//!
//! ```no_run
//! # async fn run() -> std::io::Result<()> {
//! use dialer::sip::endpoint::UdpEndpoint;
//! use dialer::sip::transaction::{Config, Event};
//! let mut ep = UdpEndpoint::bind("127.0.0.1:5060".parse().unwrap(), Config::default(), 4 << 20)?;
//! loop {
//!     ep.wait(None).await;          // a datagram, a transaction timer, or the deadline
//!     ep.receive();                 // datagrams → parsed → the transaction layer
//!     ep.run_timers();              // retransmissions and timeouts due now
//!     while let Some(event) = ep.poll_event() {
//!         // the TU acts: ep.layer().send_response(…), send_request(…)
//!         # let _ = event;
//!     }
//!     ep.flush();                   // whatever the layer wants sent goes out
//! }
//! # }
//! ```
//!
//! One socket carries everything; nothing is spawned. The layer's clock is milliseconds since the
//! endpoint was bound.

use super::message::{self, ParseError};
use super::mmsg::{RecvBatch, send_batch};
use super::transaction::{Config, Event, Input, Output, Peer, TransactionLayer, Transmit};
use super::transport::{KernelUdpCounters, MAX_DATAGRAM, bind_udp, buffer_sizes};
use crate::core::Time;
use reports::load::SocketFigures;
use std::collections::VecDeque;
use std::io::{self, Write};
use std::net::SocketAddr;
use std::os::fd::AsRawFd;
use std::time::Instant;
use tokio::io::Interest;

/// What the endpoint has seen and done since it was bound.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Counters {
    /// Datagrams sent (retransmissions included).
    pub sent: u64,
    /// Retransmissions among them.
    pub retransmissions: u64,
    /// Datagrams received that parsed as SIP.
    pub received: u64,
    /// Datagrams that did not parse (answered 400/501/505 when they were requests).
    pub malformed: u64,
    /// Datagrams as large as the largest read: possibly truncated, dropped.
    pub oversized: u64,
    /// Messages the transaction layer refused (no branch, a bad CSeq …).
    pub refused: u64,
    /// Sends that failed (other than a full buffer).
    pub send_errors: u64,
}

/// One UDP socket with its transaction layer.
pub struct UdpEndpoint {
    socket: tokio::net::UdpSocket,
    local: SocketAddr,
    layer: TransactionLayer,
    start: Instant,
    /// Datagrams read by one `recvmmsg` (taken out while they are handled).
    batch: Option<Box<RecvBatch>>,
    events: VecDeque<Event>,
    counters: Counters,
    trace: Option<Box<dyn Write + Send>>,
    /// Datagrams to send, oldest first: queued by [`flush`](Self::flush) and written in
    /// batches; what stays is what the kernel would not take yet (its buffer was full).
    backlog: VecDeque<(SocketAddr, Vec<u8>)>,
    tag_seq: u64,
    tcp: Tcp,
    /// Datagrams longer than this are counted oversized and dropped unread.
    max_message: usize,
    /// The socket buffer asked of the kernel at bind (it may grant less).
    asked_buffer: usize,
}

/// The TCP side: a listener (servers), one task per connection that frames what it reads by
/// Content-Length and hands whole messages to the endpoint's loop, and a writer queue per
/// connection. Connections to a peer we send to first are opened on demand.
struct Tcp {
    inbox_tx: tokio::sync::mpsc::UnboundedSender<TcpIn>,
    inbox: tokio::sync::mpsc::UnboundedReceiver<TcpIn>,
    writers: std::collections::HashMap<SocketAddr, tokio::sync::mpsc::UnboundedSender<Vec<u8>>>,
    /// Framed messages not yet handed to the layer.
    pending: VecDeque<(SocketAddr, Vec<u8>)>,
    /// Connections closed for broken framing since the last count.
    broken: u64,
}

/// What a connection task tells the endpoint.
enum TcpIn {
    /// A complete message from `peer`.
    Message(SocketAddr, Vec<u8>),
    /// The stream from `peer` broke the framing rules (closed) or ended.
    Closed(SocketAddr, bool),
    /// An accepted connection, with its writer.
    Accepted(SocketAddr, tokio::sync::mpsc::UnboundedSender<Vec<u8>>),
}

impl UdpEndpoint {
    /// Binds `addr` with `buffer_bytes` socket buffers. Must be called inside a tokio runtime.
    pub fn bind(addr: SocketAddr, config: Config, buffer_bytes: usize) -> io::Result<UdpEndpoint> {
        let socket = tokio::net::UdpSocket::from_std(bind_udp(addr, buffer_bytes)?)?;
        let local = socket.local_addr()?;
        Ok(UdpEndpoint {
            socket,
            local,
            layer: TransactionLayer::new(config),
            start: Instant::now(),
            batch: Some(Box::new(RecvBatch::new(MAX_DATAGRAM + 1))),
            events: VecDeque::new(),
            counters: Counters::default(),
            trace: None,
            backlog: VecDeque::new(),
            tag_seq: 0,
            tcp: Tcp::new(),
            max_message: MAX_DATAGRAM,
            asked_buffer: buffer_bytes,
        })
    }

    /// Drops (and counts as oversized) datagrams longer than `bytes`; the default is the largest
    /// UDP payload. RFC 3261 §18.1.1 keeps requests over 1300 bytes off UDP, so a server may
    /// choose a limit well below it.
    pub fn set_max_message(&mut self, bytes: usize) {
        self.max_message = bytes.min(MAX_DATAGRAM);
    }

    /// Also accepts SIP over TCP on the UDP socket's address (RFC 3261 §18: a UA listens on
    /// both). Must be called inside a tokio runtime.
    pub fn listen_tcp(&mut self) -> io::Result<()> {
        let std_listener = std::net::TcpListener::bind(self.local)?;
        std_listener.set_nonblocking(true)?;
        let listener = tokio::net::TcpListener::from_std(std_listener)?;
        let inbox = self.tcp.inbox_tx.clone();
        tokio::spawn(async move {
            while let Ok((stream, peer)) = listener.accept().await {
                let _ = stream.set_nodelay(true);
                let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
                if inbox.send(TcpIn::Accepted(peer, tx)).is_err() {
                    break;
                }
                tokio::spawn(serve_connection(stream, peer, rx, inbox.clone()));
            }
        });
        Ok(())
    }

    /// Writes every message sent and received to `out`, each after a line with the time since
    /// the start, the direction and the peer.
    pub fn set_trace(&mut self, out: Box<dyn Write + Send>) {
        self.trace = Some(out);
    }

    /// The bound address (with the port the kernel chose for port 0).
    pub fn local_addr(&self) -> SocketAddr {
        self.local
    }

    /// When the endpoint was bound: time 0 of its layer.
    pub fn start(&self) -> Instant {
        self.start
    }

    /// The layer's clock now.
    pub fn now(&self) -> Time {
        Time::from_ms(self.start.elapsed().as_millis() as u64)
    }

    /// The transaction layer, to send requests and responses. Call [`flush`](Self::flush) after.
    pub fn layer(&mut self) -> &mut TransactionLayer {
        &mut self.layer
    }

    /// The transaction layer's own counters (stray responses, absorbed retransmissions …).
    pub fn transaction_stats(&self) -> super::transaction::Stats {
        self.layer.stats()
    }

    /// The counters so far.
    pub fn counters(&self) -> Counters {
        self.counters
    }

    /// For a report: the buffers asked for and granted, and the kernel's UDP counters since
    /// `since` (read when the run began). `None` if the socket cannot say.
    pub fn socket_figures(&self, since: KernelUdpCounters) -> Option<SocketFigures> {
        let (receive, send) = buffer_sizes(&self.socket).ok()?;
        let counted = KernelUdpCounters::read()?.since(since);
        Some(SocketFigures {
            asked_bytes: self.asked_buffer as u64,
            receive_buffer_bytes: receive as u64,
            send_buffer_bytes: send as u64,
            host_receive_buffer_drops: counted.receive_buffer_drops,
            host_send_buffer_errors: counted.send_buffer_errors,
        })
    }

    /// Waits until a datagram can be read, a transaction timer is due, or `deadline` comes,
    /// whichever is first. Cancel-safe: it only waits.
    pub async fn wait(&mut self, deadline: Option<Instant>) {
        let timer = self.layer.poll_timeout().map(|t| self.start + std::time::Duration::from_millis(t.as_ms()));
        let wake = match (timer, deadline) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        let backlog = !self.backlog.is_empty();
        let far = Instant::now() + std::time::Duration::from_secs(3600);
        let at = wake.unwrap_or(far);
        let tcp = &mut self.tcp;
        tokio::select! {
            _ = self.socket.readable() => {}
            _ = self.socket.writable(), if backlog => {}
            got = tcp.inbox.recv() => {
                if let Some(got) = got {
                    tcp.stash(got);
                }
            }
            _ = tokio::time::sleep_until(at.into()) => {}
        }
    }

    /// Reads every datagram waiting (in batches, see [`super::mmsg`]), parses each and hands it
    /// to the layer; a request that does not parse is answered statelessly (400, 501 or 505) or
    /// dropped. Returns how many were read.
    pub fn receive(&mut self) -> usize {
        let mut n = self.receive_tcp();
        let Some(mut batch) = self.batch.take() else { return n };
        let fd = self.socket.as_raw_fd();
        loop {
            let got = match self.socket.try_io(Interest::READABLE, || batch.recv(fd)) {
                Ok(got) => got,
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                // ICMP port unreachable from an earlier send surfaces here on Linux: not a
                // datagram; the transaction's timers deal with the silence.
                Err(_) => continue,
            };
            n += got;
            for i in 0..got {
                let (bytes, from, truncated) = batch.get(i);
                let Some(from) = from else { continue };
                self.receive_datagram(bytes, from, truncated);
            }
        }
        self.batch = Some(batch);
        n
    }

    fn receive_datagram(&mut self, bytes: &[u8], from: SocketAddr, truncated: bool) {
        if truncated || bytes.len() > self.max_message {
            self.counters.oversized += 1;
            return;
        }
        let now = self.now();
        if let Some(trace) = &mut self.trace {
            let _ = write!(trace, "{} recv {from}\n{}\n", now.as_ms(), String::from_utf8_lossy(bytes));
        }
        match message::parse(bytes) {
            Ok(msg) => {
                self.counters.received += 1;
                let peer = Peer::udp(from);
                if self.layer.handle(Input::Received { message: msg, peer }, now).is_err() {
                    self.counters.refused += 1;
                }
            }
            Err(err) => {
                self.counters.malformed += 1;
                self.reject(from, &err, bytes);
            }
        }
    }

    /// Hands the messages the TCP connections framed to the layer.
    fn receive_tcp(&mut self) -> usize {
        let mut n = 0;
        while let Ok(got) = self.tcp.inbox.try_recv() {
            self.tcp.stash(got);
        }
        while let Some((from, bytes)) = self.tcp.pending.pop_front() {
            n += 1;
            let now = self.now();
            if let Some(trace) = &mut self.trace {
                let _ = write!(trace, "{} recv tcp:{from}\n{}\n", now.as_ms(), String::from_utf8_lossy(&bytes));
            }
            let peer = Peer::tcp(from);
            match message::parse(&bytes) {
                Ok(msg) => {
                    self.counters.received += 1;
                    if self.layer.handle(Input::Received { message: msg, peer }, now).is_err() {
                        self.counters.refused += 1;
                    }
                }
                Err(err) => {
                    self.counters.malformed += 1;
                    self.tag_seq += 1;
                    if let Some(resp) = message::reject(&bytes, &err, &format!("r{}", self.tag_seq)) {
                        let mut out = Vec::with_capacity(512);
                        message::serialize_response(&resp, &mut out);
                        self.send_tcp(from, out);
                    }
                }
            }
        }
        self.counters.malformed += std::mem::take(&mut self.tcp.broken);
        n
    }

    fn reject(&mut self, from: SocketAddr, err: &ParseError, datagram: &[u8]) {
        self.tag_seq += 1;
        let tag = format!("r{}", self.tag_seq);
        if let Some(resp) = message::reject(datagram, err, &tag) {
            let mut bytes = Vec::with_capacity(512);
            message::serialize_response(&resp, &mut bytes);
            self.send(from, bytes);
        }
    }

    /// Sends one message over TCP to `to`, connecting first if no connection to it is open.
    pub fn send_tcp(&mut self, to: SocketAddr, bytes: Vec<u8>) {
        if let Some(trace) = &mut self.trace {
            let now = self.start.elapsed().as_millis();
            let _ = write!(trace, "{now} send tcp:{to}\n{}\n", String::from_utf8_lossy(&bytes));
        }
        let writer = self.tcp.writers.entry(to).or_insert_with(|| {
            let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
            let inbox = self.tcp.inbox_tx.clone();
            tokio::spawn(async move {
                match tokio::net::TcpStream::connect(to).await {
                    Ok(stream) => {
                        let _ = stream.set_nodelay(true);
                        serve_connection(stream, to, rx, inbox).await;
                    }
                    Err(_) => {
                        let _ = inbox.send(TcpIn::Closed(to, false));
                    }
                }
            });
            tx
        });
        if writer.send(bytes).is_ok() {
            self.counters.sent += 1;
        } else {
            self.tcp.writers.remove(&to);
            self.counters.send_errors += 1;
        }
    }

    /// Runs the transaction timers that are due.
    pub fn run_timers(&mut self) {
        let now = self.now();
        if self.layer.poll_timeout().is_some_and(|t| t <= now) {
            self.layer.handle_timeout(now);
        }
    }

    /// Sends what the layer asked to send (UDP datagrams in batches) and queues its events for
    /// [`poll_event`](Self::poll_event).
    pub fn flush(&mut self) {
        while let Some(output) = self.layer.poll_output() {
            match output {
                Output::Transmit(Transmit { peer, bytes, retransmission, .. }) => {
                    if retransmission {
                        self.counters.retransmissions += 1;
                    }
                    if peer.reliable() {
                        self.send_tcp(peer.addr, bytes);
                    } else {
                        self.queue(peer.addr, bytes);
                    }
                }
                Output::Event(event) => self.events.push_back(event),
            }
        }
        self.send_queued();
    }

    /// Sends one datagram now (after those still queued), or queues it when the kernel's buffer
    /// is full.
    pub fn send(&mut self, to: SocketAddr, bytes: Vec<u8>) {
        self.queue(to, bytes);
        self.send_queued();
    }

    fn queue(&mut self, to: SocketAddr, bytes: Vec<u8>) {
        if let Some(trace) = &mut self.trace {
            let now = self.start.elapsed().as_millis();
            let _ = write!(trace, "{now} send {to}\n{}\n", String::from_utf8_lossy(&bytes));
        }
        self.backlog.push_back((to, bytes));
    }

    /// Writes the queued datagrams in `sendmmsg` batches until the queue is empty or the kernel
    /// takes no more (then [`wait`](Self::wait) also wakes when the socket is writable again).
    fn send_queued(&mut self) {
        let fd = self.socket.as_raw_fd();
        while !self.backlog.is_empty() {
            let backlog = &self.backlog;
            let items = || backlog.iter().map(|(to, bytes)| (to, bytes.as_slice()));
            match self.socket.try_io(Interest::WRITABLE, || send_batch(fd, items())) {
                Ok(0) => break,
                Ok(sent) => {
                    self.counters.sent += sent as u64;
                    self.backlog.drain(..sent);
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                // This datagram cannot go (no route, refused …): count it and go on with the rest.
                Err(_) => {
                    self.counters.send_errors += 1;
                    self.backlog.pop_front();
                }
            }
        }
    }

    /// The next event for the TU, if any.
    pub fn poll_event(&mut self) -> Option<Event> {
        self.events.pop_front()
    }

    /// Flushes the trace, if any.
    pub fn finish_trace(&mut self) -> io::Result<()> {
        match &mut self.trace {
            Some(t) => t.flush(),
            None => Ok(()),
        }
    }
}

impl Tcp {
    fn new() -> Tcp {
        let (inbox_tx, inbox) = tokio::sync::mpsc::unbounded_channel();
        Tcp { inbox_tx, inbox, writers: Default::default(), pending: VecDeque::new(), broken: 0 }
    }

    /// Takes one report of a connection task.
    fn stash(&mut self, got: TcpIn) {
        match got {
            TcpIn::Message(peer, bytes) => self.pending.push_back((peer, bytes)),
            TcpIn::Closed(peer, broken) => {
                self.writers.remove(&peer);
                self.broken += u64::from(broken);
            }
            TcpIn::Accepted(peer, writer) => {
                self.writers.insert(peer, writer);
            }
        }
    }
}

/// One TCP connection: reads and frames by Content-Length (a frame error closes it: the
/// stream can no longer be trusted, RFC 3261 §18.3), and writes what the endpoint queues.
async fn serve_connection(
    stream: tokio::net::TcpStream,
    peer: SocketAddr,
    mut outbox: tokio::sync::mpsc::UnboundedReceiver<Vec<u8>>,
    inbox: tokio::sync::mpsc::UnboundedSender<TcpIn>,
) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let (mut reader, mut writer) = stream.into_split();
    let writing = tokio::spawn(async move {
        while let Some(bytes) = outbox.recv().await {
            if writer.write_all(&bytes).await.is_err() {
                break;
            }
        }
    });
    let mut framer = message::StreamFramer::default();
    let mut buf = vec![0u8; 64 * 1024];
    let broken = loop {
        let n = match reader.read(&mut buf).await {
            Ok(0) | Err(_) => break false,
            Ok(n) => n,
        };
        framer.push(&buf[..n]);
        let mut bad = false;
        loop {
            match framer.pop() {
                Ok(Some(frame)) => {
                    if inbox.send(TcpIn::Message(peer, frame)).is_err() {
                        return;
                    }
                }
                Ok(None) => break,
                Err(_) => {
                    bad = true;
                    break;
                }
            }
        }
        if bad {
            break true;
        }
    };
    writing.abort();
    let _ = inbox.send(TcpIn::Closed(peer, broken));
}
