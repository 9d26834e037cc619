//! Sockets for SIP: UDP with buffers large enough for load work, and the limits every datagram
//! is checked against before it is parsed.
//!
//! INTEROP.md: with default socket buffers, drops start at a few thousand calls per second
//! (the kernel's `RcvbufErrors`); every load figure here is measured with enlarged ones.

use std::io;
use std::net::SocketAddr;

/// The largest datagram we accept: the largest UDP payload. Bigger reads are truncated by the
/// kernel and counted as oversized.
pub const MAX_DATAGRAM: usize = 65_507;

/// Socket buffer size asked for by default (4 MiB, SIPp's `-buff_size 4194304`); the kernel caps
/// it at `net.core.rmem_max` / `wmem_max` (for root too: only `SO_RCVBUFFORCE` passes the cap).
pub const DEFAULT_BUFFER_BYTES: usize = 4 * 1024 * 1024;

/// The largest buffer a request may ask for: `SO_RCVBUF` takes a C `int`, and larger values
/// would wrap to nothing.
pub const MAX_BUFFER_BYTES: usize = i32::MAX as usize;

/// Binds a non-blocking UDP socket on `addr` with `buffer_bytes` of receive and send buffer
/// (the kernel may grant less; [`buffer_sizes`] tells).
pub fn bind_udp(addr: SocketAddr, buffer_bytes: usize) -> io::Result<std::net::UdpSocket> {
    let domain = if addr.is_ipv4() { socket2::Domain::IPV4 } else { socket2::Domain::IPV6 };
    let socket = socket2::Socket::new(domain, socket2::Type::DGRAM, Some(socket2::Protocol::UDP))?;
    // Buffer sizes before bind, so the first burst already has them. Asking for more than the
    // kernel allows is not an error: it grants its maximum.
    socket.set_recv_buffer_size(buffer_bytes)?;
    socket.set_send_buffer_size(buffer_bytes)?;
    socket.set_nonblocking(true)?;
    socket.bind(&addr.into())?;
    Ok(socket.into())
}

/// The receive and send buffers the kernel granted a socket whose sizes were set (as
/// [`bind_udp`] does), comparable with what was asked ([`granted_from_reported`]).
pub fn buffer_sizes(socket: &impl std::os::fd::AsFd) -> io::Result<(usize, usize)> {
    let s = socket2::SockRef::from(socket);
    Ok((granted_from_reported(s.recv_buffer_size()?), granted_from_reported(s.send_buffer_size()?)))
}

/// What the buffer figures `getsockopt` reports mean as a request: Linux doubles the granted size
/// for its bookkeeping and reports the double, so halving gives the size comparable with what was
/// asked (and with `net.core.rmem_max`). Other systems report what they granted. Only for sockets
/// whose size was set (as [`bind_udp`] does): an untouched socket reports `rmem_default` as is.
pub fn granted_from_reported(reported: usize) -> usize {
    if cfg!(target_os = "linux") { reported / 2 } else { reported }
}

/// The largest receive and send buffers a socket may be granted with `SO_RCVBUF`/`SO_SNDBUF`
/// (`net.core.rmem_max`, `wmem_max`; root included), when the system says. Linux kernels before
/// 6.11 hide these files inside a container's own network namespace: then `None`.
pub fn buffer_caps() -> Option<(usize, usize)> {
    let read = |name: &str| -> Option<usize> {
        std::fs::read_to_string(format!("/proc/sys/net/core/{name}")).ok()?.trim().parse().ok()
    };
    Some((read("rmem_max")?, read("wmem_max")?))
}

/// The kernel's UDP buffer counters (IPv4 and IPv6 summed), for the whole network namespace (the
/// whole host unless in a container): every socket's count, not only ours. A datagram that
/// arrives at a full receive buffer is dropped and counted in `RcvbufErrors`; over UDP each drop
/// costs a SIP retransmission later, so a load test reports how many happened while it ran.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct KernelUdpCounters {
    /// Datagrams dropped because a receive buffer was full.
    pub receive_buffer_drops: u64,
    /// Sends refused at a full send buffer (`SndbufErrors`). On a non-blocking socket a plain
    /// `EAGAIN` counts too, and our endpoint queues and retries those, so these are not all lost.
    pub send_buffer_errors: u64,
}

impl KernelUdpCounters {
    /// The counters now, from `/proc/net/snmp` and `/proc/net/snmp6`; `None` where the system has
    /// no such files (not Linux, or `/proc` not mounted).
    pub fn read() -> Option<KernelUdpCounters> {
        let v4 = Self::parse_snmp(&std::fs::read_to_string("/proc/net/snmp").ok()?)?;
        // IPv6 may be disabled: then there are no IPv6 drops to add.
        let v6 = std::fs::read_to_string("/proc/net/snmp6")
            .ok()
            .and_then(|text| Self::parse_snmp6(&text))
            .unwrap_or_default();
        Some(KernelUdpCounters {
            receive_buffer_drops: v4.receive_buffer_drops + v6.receive_buffer_drops,
            send_buffer_errors: v4.send_buffer_errors + v6.send_buffer_errors,
        })
    }

    /// Reads the `Udp:` pair of lines of `/proc/net/snmp` (a line of names, then a line of values).
    pub fn parse_snmp(text: &str) -> Option<KernelUdpCounters> {
        let mut lines = text.lines().filter_map(|l| l.strip_prefix("Udp:"));
        let names = lines.next()?;
        let values = lines.next()?;
        let field = |wanted: &str| {
            names.split_whitespace().zip(values.split_whitespace()).find(|(n, _)| *n == wanted)?.1.parse().ok()
        };
        Some(KernelUdpCounters {
            receive_buffer_drops: field("RcvbufErrors")?,
            send_buffer_errors: field("SndbufErrors")?,
        })
    }

    /// Reads `/proc/net/snmp6`'s `Udp6RcvbufErrors` and `Udp6SndbufErrors` lines (name, value).
    pub fn parse_snmp6(text: &str) -> Option<KernelUdpCounters> {
        let field = |wanted: &str| {
            text.lines().find_map(|l| {
                let mut parts = l.split_whitespace();
                (parts.next()? == wanted).then(|| parts.next()?.parse().ok())?
            })
        };
        Some(KernelUdpCounters {
            receive_buffer_drops: field("Udp6RcvbufErrors")?,
            send_buffer_errors: field("Udp6SndbufErrors")?,
        })
    }

    /// The drops counted since `earlier` (0 if the counters went back, e.g. a new namespace).
    pub fn since(self, earlier: KernelUdpCounters) -> KernelUdpCounters {
        KernelUdpCounters {
            receive_buffer_drops: self.receive_buffer_drops.saturating_sub(earlier.receive_buffer_drops),
            send_buffer_errors: self.send_buffer_errors.saturating_sub(earlier.send_buffer_errors),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn binds_on_loopback_with_larger_buffers_than_the_default() {
        let plain = std::net::UdpSocket::bind("127.0.0.1:0").expect("bind");
        let big = bind_udp("127.0.0.1:0".parse().expect("addr"), DEFAULT_BUFFER_BYTES).expect("bind");
        // An untouched socket reports the default as is (no doubling).
        let plain_rx = socket2::SockRef::from(&plain).recv_buffer_size().expect("size");
        let (big_rx, big_tx) = buffer_sizes(&big).expect("sizes");
        // The kernel grants the request up to its caps: exactly that where they can be read, and
        // in any case more than the default when the cap is above it.
        match buffer_caps() {
            Some((rmem, wmem)) => {
                assert_eq!((big_rx, big_tx), (DEFAULT_BUFFER_BYTES.min(rmem), DEFAULT_BUFFER_BYTES.min(wmem)));
                if rmem > plain_rx {
                    assert!(big_rx > plain_rx, "asked {DEFAULT_BUFFER_BYTES}, got {big_rx} (default {plain_rx})");
                }
            }
            None => assert!(big_rx > 0 && big_tx > 0),
        }
        // And it carries a datagram.
        let to = big.local_addr().expect("addr");
        plain.send_to(b"OPTIONS", to).expect("send");
        let mut buf = [0u8; 16];
        big.set_nonblocking(false).expect("blocking for the test");
        big.set_read_timeout(Some(std::time::Duration::from_secs(5))).expect("timeout");
        let (n, from) = big.recv_from(&mut buf).expect("receive");
        assert_eq!((&buf[..n], from), (&b"OPTIONS"[..], plain.local_addr().expect("addr")));
    }

    #[test]
    fn kernel_drop_counters_are_read_by_name_not_position() {
        // Linux 6.x's layout, and an older one without the last columns and with another order:
        // the reader must find RcvbufErrors by its name.
        let snmp = "Ip: Forwarding DefaultTTL\nIp: 1 64\n\
            Udp: InDatagrams NoPorts InErrors OutDatagrams RcvbufErrors SndbufErrors InCsumErrors IgnoredMulti MemErrors\n\
            Udp: 189121602 74901963 30077909 294175673 30077905 7 0 0 0\n\
            UdpLite: InDatagrams NoPorts InErrors OutDatagrams RcvbufErrors SndbufErrors\n\
            UdpLite: 0 0 0 0 99 99\n";
        assert_eq!(
            KernelUdpCounters::parse_snmp(snmp),
            Some(KernelUdpCounters { receive_buffer_drops: 30_077_905, send_buffer_errors: 7 })
        );
        let old = "Udp: InDatagrams SndbufErrors NoPorts RcvbufErrors\nUdp: 5 2 0 3\n";
        assert_eq!(
            KernelUdpCounters::parse_snmp(old),
            Some(KernelUdpCounters { receive_buffer_drops: 3, send_buffer_errors: 2 })
        );
        assert_eq!(KernelUdpCounters::parse_snmp("Udp: InDatagrams\nUdp: 5\n"), None, "no such counters");
        let snmp6 = "Udp6InDatagrams                 \t22\nUdp6RcvbufErrors                \t4\n\
            Udp6SndbufErrors                \t1\nUdpLite6RcvbufErrors            \t9\n";
        assert_eq!(
            KernelUdpCounters::parse_snmp6(snmp6),
            Some(KernelUdpCounters { receive_buffer_drops: 4, send_buffer_errors: 1 })
        );
        let later = KernelUdpCounters { receive_buffer_drops: 10, send_buffer_errors: 1 };
        let earlier = KernelUdpCounters { receive_buffer_drops: 4, send_buffer_errors: 2 };
        assert_eq!(later.since(earlier), KernelUdpCounters { receive_buffer_drops: 6, send_buffer_errors: 0 });
        assert_eq!(granted_from_reported(4096), if cfg!(target_os = "linux") { 2048 } else { 4096 });
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn a_full_receive_buffer_shows_in_the_kernel_counters() {
        // A socket with the smallest buffer, never read, and more datagrams than it can hold:
        // the kernel must count the overflow. Other sockets on the machine may add drops of
        // their own, so the check is "at least ours".
        let Some(before) = KernelUdpCounters::read() else {
            eprintln!("no /proc/net/snmp here: nothing to check");
            return;
        };
        let sink = socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::DGRAM, None).expect("socket");
        sink.set_recv_buffer_size(1).expect("smallest buffer");
        sink.bind(&"127.0.0.1:0".parse::<SocketAddr>().expect("addr").into()).expect("bind");
        let to = sink.local_addr().expect("addr").as_socket().expect("inet");
        let (granted, _) = buffer_sizes(&sink).expect("sizes");
        let sender = std::net::UdpSocket::bind("127.0.0.1:0").expect("bind");
        let datagram = [0u8; 1200];
        // Each datagram takes at least its length of the buffer, so this many cannot all fit.
        let sent = granted / datagram.len() + 128;
        for _ in 0..sent {
            sender.send_to(&datagram, to).expect("loopback send");
        }
        // Delivery on loopback may be deferred to a kernel thread when one is already running, so
        // the counter may lag the last send: read it again for up to 2 s.
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(2);
        let mut ours = 0;
        while ours < 64 && std::time::Instant::now() < deadline {
            ours = KernelUdpCounters::read().expect("readable").since(before).receive_buffer_drops;
            if ours < 64 {
                std::thread::sleep(std::time::Duration::from_millis(20));
            }
        }
        assert!(ours >= 64, "sent {sent} datagrams into a {granted}-byte buffer; the kernel counted {ours} drops");
    }
}
